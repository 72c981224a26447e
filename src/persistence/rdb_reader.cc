#include "persistence/rdb_reader.h"

#include <liblzf/lzf.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "base/crc64.h"
#include "base/string_util.h"

namespace cinnabar::persistence {
namespace {

constexpr uint8_t kLen6 = 0;
constexpr uint8_t kLen14 = 1;
constexpr uint8_t kEncoded = 3;
constexpr uint8_t kLen32 = 0x80;
constexpr uint8_t kLen64 = 0x81;
constexpr uint8_t kEncInt8 = 0;
constexpr uint8_t kEncInt16 = 1;
constexpr uint8_t kEncInt32 = 2;
constexpr uint8_t kEncLzf = 3;

// A string's bytes arrive in chunks of at most this many, so a length the file does not
// back with bytes costs no more memory than this before the read fails.
constexpr size_t kChunk = size_t{1} << 20;
// The most liblzf can expand: a 3-byte back reference copies 264 bytes.
constexpr uint64_t kMaxLzfRatio = 88;

}  // namespace

base::Status RdbReader::ShortRead() const {
  std::string m = "Short read or OOM loading DB. Unrecoverable error, aborting now.";
  base::Status source = in_.status();
  m += source.ok() ? " (Unexpected EOF reading RDB file" : " (" + source.message();
  m += " at offset " + std::to_string(offset_) + ")";
  return base::Status::Error(std::move(m));
}

base::Status RdbReader::Corrupt(std::string_view what) const {
  std::string m = "Internal error in RDB reading offset " + std::to_string(offset_) + " -> ";
  m += what;
  return base::Status::Error(std::move(m));
}

base::Status RdbReader::Raw(char* dst, size_t n) {
  if (!in_.Read(dst, n)) return ShortRead();
  crc_ = base::Crc64(crc_, std::string_view(dst, n));
  offset_ += n;
  return base::Status::Ok();
}

base::Status RdbReader::Byte(uint8_t* out) {
  char c;
  base::Status s = Raw(&c, 1);
  *out = static_cast<uint8_t>(c);
  return s;
}

base::Status RdbReader::Little(int bytes, uint64_t* out) {
  unsigned char buf[8];
  base::Status s = Raw(reinterpret_cast<char*>(buf), static_cast<size_t>(bytes));
  if (!s.ok()) return s;
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | buf[i];
  *out = v;
  return s;
}

base::Status RdbReader::Length(uint64_t* out) {
  uint8_t b;
  base::Status s = Byte(&b);
  if (!s.ok()) return s;
  if ((b >> 6) == kEncoded) {
    // Redis compat (rdbLoadLen without isencoded): a string-encoding byte where a length
    // belongs reads as its low six bits.
    *out = b & 0x3f;
    return s;
  }
  return LengthAfter(b, out);
}

base::Status RdbReader::LengthAfter(uint8_t first, uint64_t* out) {
  switch (first >> 6) {
    case kLen6:
      *out = first & 0x3f;
      return base::Status::Ok();
    case kLen14: {
      uint8_t lo;
      base::Status s = Byte(&lo);
      *out = (static_cast<uint64_t>(first & 0x3f) << 8) | lo;
      return s;
    }
    default:
      break;
  }
  if (first != kLen32 && first != kLen64) {
    return Corrupt("Unknown length encoding " + std::to_string(first >> 6) + " in rdbLoadLen()");
  }
  int bytes = first == kLen32 ? 4 : 8;
  unsigned char buf[8];
  base::Status s = Raw(reinterpret_cast<char*>(buf), static_cast<size_t>(bytes));
  if (!s.ok()) return s;
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | buf[i];  // big-endian
  *out = v;
  return s;
}

namespace {

// Reads `len` bytes into `*out` through `raw`, growing it a chunk at a time.
template <typename RawFn>
base::Status ReadChunked(uint64_t len, std::string* out, RawFn raw) {
  out->clear();
  while (len > 0) {
    size_t take = static_cast<size_t>(std::min<uint64_t>(len, kChunk));
    size_t old = out->size();
    out->resize(old + take);
    base::Status s = raw(out->data() + old, take);
    if (!s.ok()) return s;
    len -= take;
  }
  return base::Status::Ok();
}

}  // namespace

base::Status RdbReader::String(std::string* out) {
  uint8_t b;
  base::Status s = Byte(&b);
  if (!s.ok()) return s;
  if ((b >> 6) != kEncoded) {
    uint64_t len;
    s = LengthAfter(b, &len);
    if (!s.ok()) return s;
    return ReadChunked(len, out, [this](char* dst, size_t n) { return Raw(dst, n); });
  }
  int64_t v;
  switch (b & 0x3f) {
    case kEncInt8:
    case kEncInt16:
    case kEncInt32: {
      int bytes = (b & 0x3f) == kEncInt8 ? 1 : (b & 0x3f) == kEncInt16 ? 2 : 4;
      uint64_t u = 0;
      s = Little(bytes, &u);
      if (!s.ok()) return s;
      int shift = 64 - 8 * bytes;
      v = static_cast<int64_t>(u << shift) >> shift;
      break;
    }
    case kEncLzf:
      return Lzf(out);
    default:
      return Corrupt("Unknown RDB string encoding type " + std::to_string(b & 0x3f));
  }
  char buf[base::kInt64Chars];
  out->assign(buf, base::FormatInt64(v, buf));
  return s;
}

base::Status RdbReader::Lzf(std::string* out) {
  uint64_t clen, len;
  base::Status s = Length(&clen);
  if (s.ok()) s = Length(&len);
  if (!s.ok()) return s;
  // The claimed size is checked against what the compressed bytes could hold before
  // anything that large is allocated.
  if (len > UINT32_MAX || clen > UINT32_MAX || len > clen * kMaxLzfRatio) {
    return Corrupt("Invalid LZF compressed string");
  }
  s = ReadChunked(clen, &compressed_, [this](char* dst, size_t n) { return Raw(dst, n); });
  if (!s.ok()) return s;
  out->resize(static_cast<size_t>(len));
  if (len > 0 && lzf_decompress(compressed_.data(), static_cast<unsigned>(clen), out->data(),
                                static_cast<unsigned>(len)) != len) {
    return Corrupt("Invalid LZF compressed string");
  }
  if (compressed_.capacity() > kChunk) std::string().swap(compressed_);
  return s;
}

base::Status RdbReader::TextDouble(double* out) {
  uint8_t len;
  base::Status s = Byte(&len);
  if (!s.ok()) return s;
  switch (len) {
    case 255:
      *out = -HUGE_VAL;
      return s;
    case 254:
      *out = HUGE_VAL;
      return s;
    case 253:
      *out = std::nan("");
      return s;
    default:
      break;
  }
  char buf[256];
  s = Raw(buf, len);
  if (!s.ok()) return s;
  buf[len] = '\0';
  // Redis compat (rdbLoadDoubleValue): sscanf "%lg", so leading blanks and trailing text
  // pass; only text with no number at all fails.
  char* end = nullptr;
  double v = std::strtod(buf, &end);
  if (end == buf) return Corrupt("Invalid double value");
  *out = v;
  return s;
}

base::Status RdbReader::BinaryDouble(double* out) {
  uint64_t bits;
  base::Status s = Little(8, &bits);
  if (!s.ok()) return s;
  std::memcpy(out, &bits, sizeof(*out));
  return s;
}

}  // namespace cinnabar::persistence

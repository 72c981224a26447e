#include "persistence/rdb_string.h"

#include <liblzf/lzf.h>

#include <cstring>
#include <vector>

#include "base/crc64.h"
#include "base/string_util.h"

namespace cinnabar::persistence {
namespace {

constexpr uint8_t kLen6 = 0;
constexpr uint8_t kLen14 = 1;
constexpr uint8_t kLen32 = 0x80;
constexpr uint8_t kLen64 = 0x81;
constexpr uint8_t kEncoded = 3;  // the top two bits of a special string encoding
constexpr uint8_t kEncInt8 = 0;
constexpr uint8_t kEncInt16 = 1;
constexpr uint8_t kEncInt32 = 2;
constexpr uint8_t kEncLzf = 3;

void AppendLittle(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Redis compat (rdbTryIntegerEncoding): only a canonical decimal integer that fits 32 bits.
bool AppendIntegerEncoding(std::string* out, std::string_view s) {
  int64_t v;
  if (s.empty() || s.size() > 11 || !base::ParseInt64(s, &v)) return false;
  char buf[32];
  if (std::string_view(buf, base::FormatInt64(v, buf)) != s) return false;
  auto special = [](uint8_t enc) { return static_cast<char>((kEncoded << 6) | enc); };
  if (v >= INT8_MIN && v <= INT8_MAX) {
    out->push_back(special(kEncInt8));
    AppendLittle(out, static_cast<uint64_t>(v), 1);
  } else if (v >= INT16_MIN && v <= INT16_MAX) {
    out->push_back(special(kEncInt16));
    AppendLittle(out, static_cast<uint64_t>(v), 2);
  } else if (v >= INT32_MIN && v <= INT32_MAX) {
    out->push_back(special(kEncInt32));
    AppendLittle(out, static_cast<uint64_t>(v), 4);
  } else {
    return false;
  }
  return true;
}

bool AppendLzf(std::string* out, std::string_view s) {
  // Redis compat (rdbSaveLzfStringObject): only when it saves more than 4 bytes.
  if (s.size() <= 4) return false;
  std::vector<char> buf(s.size() - 4 + 1);
  unsigned n = lzf_compress(s.data(), static_cast<unsigned>(s.size()), buf.data(),
                            static_cast<unsigned>(s.size() - 4));
  if (n == 0) return false;
  AppendRdbLzfBlob(out, std::string_view(buf.data(), n), s.size());
  return true;
}

std::optional<uint8_t> ReadByte(std::string_view* in) {
  if (in->empty()) return std::nullopt;
  uint8_t b = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  return b;
}

std::optional<uint64_t> ReadBig(std::string_view* in, int bytes) {
  if (in->size() < static_cast<size_t>(bytes)) return std::nullopt;
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>((*in)[static_cast<size_t>(i)]);
  in->remove_prefix(static_cast<size_t>(bytes));
  return v;
}

std::optional<int64_t> ReadLittleSigned(std::string_view* in, int bytes) {
  if (in->size() < static_cast<size_t>(bytes)) return std::nullopt;
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | static_cast<uint8_t>((*in)[static_cast<size_t>(i)]);
  in->remove_prefix(static_cast<size_t>(bytes));
  int shift = 64 - 8 * bytes;
  return static_cast<int64_t>(v << shift) >> shift;
}

}  // namespace

void AppendRdbLength(std::string* out, uint64_t len) {
  if (len < (1u << 6)) {
    out->push_back(static_cast<char>((kLen6 << 6) | len));
  } else if (len < (1u << 14)) {
    out->push_back(static_cast<char>((kLen14 << 6) | (len >> 8)));
    out->push_back(static_cast<char>(len & 0xff));
  } else if (len <= UINT32_MAX) {
    out->push_back(static_cast<char>(kLen32));
    for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  } else {
    out->push_back(static_cast<char>(kLen64));
    for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  }
}

void AppendRdbString(std::string* out, std::string_view s, bool compress) {
  if (AppendIntegerEncoding(out, s)) return;
  if (compress && s.size() > 20 && AppendLzf(out, s)) return;
  AppendRdbLength(out, s.size());
  out->append(s);
}

void AppendRdbLzfBlob(std::string* out, std::string_view stream, size_t original_bytes) {
  out->push_back(static_cast<char>((kEncoded << 6) | kEncLzf));
  AppendRdbLength(out, stream.size());
  AppendRdbLength(out, original_bytes);
  out->append(stream);
}

std::optional<uint64_t> ReadRdbLength(std::string_view* in) {
  std::optional<uint8_t> b = ReadByte(in);
  if (!b) return std::nullopt;
  switch (*b >> 6) {
    case kLen6:
      return *b & 0x3f;
    case kLen14: {
      std::optional<uint8_t> lo = ReadByte(in);
      if (!lo) return std::nullopt;
      return (static_cast<uint64_t>(*b & 0x3f) << 8) | *lo;
    }
    default:
      if (*b == kLen32) return ReadBig(in, 4);
      if (*b == kLen64) return ReadBig(in, 8);
      return std::nullopt;  // an encoded string is not a length
  }
}

std::optional<std::string> ReadRdbString(std::string_view* in) {
  if (in->empty()) return std::nullopt;
  uint8_t first = static_cast<uint8_t>((*in)[0]);
  if ((first >> 6) != kEncoded) {
    std::optional<uint64_t> len = ReadRdbLength(in);
    if (!len || *len > in->size()) return std::nullopt;
    std::string s(in->substr(0, *len));
    in->remove_prefix(*len);
    return s;
  }
  in->remove_prefix(1);
  std::optional<int64_t> v;
  switch (first & 0x3f) {
    case kEncInt8: v = ReadLittleSigned(in, 1); break;
    case kEncInt16: v = ReadLittleSigned(in, 2); break;
    case kEncInt32: v = ReadLittleSigned(in, 4); break;
    case kEncLzf: {
      std::optional<uint64_t> clen = ReadRdbLength(in);
      std::optional<uint64_t> len = ReadRdbLength(in);
      if (!clen || !len || *clen > in->size() || *len > (uint64_t{1} << 32)) return std::nullopt;
      std::string s(*len, '\0');
      if (*len > 0 && lzf_decompress(in->data(), static_cast<unsigned>(*clen), s.data(),
                                     static_cast<unsigned>(*len)) != *len) {
        return std::nullopt;
      }
      in->remove_prefix(*clen);
      return s;
    }
    default:
      return std::nullopt;
  }
  if (!v) return std::nullopt;
  char buf[32];
  return std::string(buf, base::FormatInt64(*v, buf));
}

void SealDumpPayload(std::string* payload, uint16_t rdb_version) {
  AppendLittle(payload, rdb_version, 2);
  AppendLittle(payload, base::Crc64(0, *payload), 8);
}

std::optional<std::string_view> OpenDumpPayload(std::string_view payload, uint16_t max_version) {
  if (payload.size() < 10) return std::nullopt;
  std::string_view trailer = payload.substr(payload.size() - 10);
  uint16_t version = static_cast<uint16_t>(static_cast<uint8_t>(trailer[0]) |
                                           (static_cast<uint8_t>(trailer[1]) << 8));
  if (version > max_version) return std::nullopt;
  uint64_t crc = 0;
  for (int i = 7; i >= 0; --i) crc = (crc << 8) | static_cast<uint8_t>(trailer[2 + static_cast<size_t>(i)]);
  if (base::Crc64(0, payload.substr(0, payload.size() - 8)) != crc) return std::nullopt;
  return payload.substr(0, payload.size() - 10);
}

}  // namespace cinnabar::persistence

#include "persistence/rdb_legacy_decode.h"

#include <cstdint>

#include "base/string_util.h"

namespace cinnabar::persistence {
namespace {

constexpr size_t kZiplistHeader = 10;  // zlbytes, zltail (uint32 LE each), zllen (uint16 LE)
constexpr uint8_t kZipEnd = 0xFF;
constexpr uint8_t kZipBigPrevlen = 254;
// Ziplist integer encodings (the byte after prevlen).
constexpr uint8_t kZipInt16 = 0xC0;
constexpr uint8_t kZipInt32 = 0xD0;
constexpr uint8_t kZipInt64 = 0xE0;
constexpr uint8_t kZipInt24 = 0xF0;
constexpr uint8_t kZipInt8 = 0xFE;
constexpr uint8_t kZipImmMin = 0xF1;  // 0..12 in the low four bits, minus one
constexpr uint8_t kZipImmMax = 0xFD;

constexpr uint8_t kZipmapBigLen = 254;
constexpr uint8_t kZipmapEnd = 255;

uint64_t Little(const uint8_t* p, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

int64_t SignedLittle(const uint8_t* p, int bytes) {
  int shift = 64 - 8 * bytes;
  return static_cast<int64_t>(Little(p, bytes) << shift) >> shift;
}

// One ziplist entry's encoding, starting at the byte after its prevlen.
struct ZipEntry {
  size_t header = 0;  // encoding bytes
  size_t data = 0;    // bytes after them
  bool is_int = false;
  int int_bytes = 0;  // 0 for an immediate
};

// Decodes the encoding at `p` with `left` bytes before the terminator; false if invalid or
// cut short.
bool DecodeZipEncoding(const uint8_t* p, size_t left, ZipEntry* e) {
  if (left < 1) return false;
  uint8_t b = p[0];
  switch (b >> 6) {
    case 0:
      e->header = 1;
      e->data = b & 0x3f;
      return true;
    case 1:
      if (left < 2) return false;
      e->header = 2;
      e->data = (static_cast<size_t>(b & 0x3f) << 8) | p[1];
      return true;
    case 2:
      // Redis compat (ZIP_ENTRY_ENCODING): the low six bits of a 32-bit length are ignored.
      if (left < 5) return false;
      e->header = 5;
      e->data = (static_cast<size_t>(p[1]) << 24) | (static_cast<size_t>(p[2]) << 16) |
                (static_cast<size_t>(p[3]) << 8) | p[4];
      return true;
    default:
      break;
  }
  e->header = 1;
  e->is_int = true;
  switch (b) {
    case kZipInt8:
      e->int_bytes = 1;
      break;
    case kZipInt16:
      e->int_bytes = 2;
      break;
    case kZipInt24:
      e->int_bytes = 3;
      break;
    case kZipInt32:
      e->int_bytes = 4;
      break;
    case kZipInt64:
      e->int_bytes = 8;
      break;
    default:
      if (b < kZipImmMin || b > kZipImmMax) return false;
      e->int_bytes = 0;
  }
  e->data = static_cast<size_t>(e->int_bytes);
  return true;
}

}  // namespace

bool DecodeZiplist(std::string_view zl, base::FunctionRef<void(std::string_view)> visit) {
  const auto* z = reinterpret_cast<const uint8_t*>(zl.data());
  const size_t size = zl.size();
  if (size < kZiplistHeader + 1 || Little(z, 4) != size || z[size - 1] != kZipEnd) return false;
  const size_t end = size - 1;  // the terminator
  const uint64_t tail = Little(z + 4, 4);
  const uint64_t header_count = Little(z + 8, 2);
  if (tail > end) return false;
  size_t pos = kZiplistHeader, prev_size = 0, last = 0, count = 0;
  char buf[base::kInt64Chars];
  while (z[pos] != kZipEnd) {
    // prevlen: one byte below 254, else 254 and four bytes; it must match the entry before.
    size_t prevlen_bytes = z[pos] < kZipBigPrevlen ? 1 : 5;
    if (prevlen_bytes > end - pos) return false;
    uint64_t prevlen = prevlen_bytes == 1 ? z[pos] : Little(z + pos + 1, 4);
    if (prevlen != prev_size) return false;
    size_t enc = pos + prevlen_bytes;
    ZipEntry e;
    if (!DecodeZipEncoding(z + enc, end - enc, &e)) return false;
    if (e.data > end - enc - e.header) return false;
    const uint8_t* data = z + enc + e.header;
    if (!e.is_int) {
      visit(std::string_view(reinterpret_cast<const char*>(data), e.data));
    } else {
      int64_t v = e.int_bytes == 0 ? (z[enc] & 0x0f) - 1 : SignedLittle(data, e.int_bytes);
      visit(std::string_view(buf, base::FormatInt64(v, buf)));
    }
    prev_size = prevlen_bytes + e.header + e.data;
    last = pos;
    pos += prev_size;
    ++count;
  }
  if (pos != end) return false;
  if (count > 0 && tail != last) return false;
  return header_count == UINT16_MAX || header_count == count;
}

namespace {

// A zipmap length at `pos` (one byte below 254, else 254 and a uint32 LE); false if it is
// the end marker or cut short before `end`.
bool ZipmapLength(const uint8_t* z, size_t* pos, size_t end, size_t* len) {
  if (*pos >= end) return false;
  uint8_t b = z[*pos];
  if (b < kZipmapBigLen) {
    *len = b;
    *pos += 1;
    return true;
  }
  if (b == kZipmapEnd || end - *pos < 5) return false;
  *len = static_cast<size_t>(Little(z + *pos + 1, 4));
  *pos += 5;
  return true;
}

}  // namespace

bool DecodeZipmap(std::string_view zm,
                  base::FunctionRef<void(std::string_view, std::string_view)> visit) {
  const auto* z = reinterpret_cast<const uint8_t*>(zm.data());
  const size_t size = zm.size();
  if (size < 2 || z[size - 1] != kZipmapEnd) return false;
  const size_t end = size - 1;
  size_t pos = 1, count = 0;
  while (z[pos] != kZipmapEnd) {
    size_t flen, vlen;
    if (!ZipmapLength(z, &pos, end, &flen) || flen > end - pos) return false;
    std::string_view field(reinterpret_cast<const char*>(z + pos), flen);
    pos += flen;
    if (!ZipmapLength(z, &pos, end, &vlen) || pos >= end) return false;
    size_t free = z[pos++];  // unused bytes after the value
    if (vlen > end - pos || free > end - pos - vlen) return false;
    visit(field, std::string_view(reinterpret_cast<const char*>(z + pos), vlen));
    pos += vlen + free;
    ++count;
  }
  if (count == 0) return false;
  return z[0] == kZipmapBigLen || z[0] == count;
}

}  // namespace cinnabar::persistence

#include "core/listpack.h"

#include <cstdio>
#include <cstring>

#include "base/memory.h"
#include "base/string_util.h"

namespace cinnabar::core::lp {
namespace {

constexpr size_t kHeader = 6;
constexpr uint8_t kEof = 0xFF;
constexpr uint16_t kCountUnknown = 65535;

// Encoding bytes (the listpack format).
constexpr uint8_t k7BitUint = 0x00, k7BitUintMask = 0x80;
constexpr uint8_t k6BitStr = 0x80, k6BitStrMask = 0xC0;
constexpr uint8_t k13BitInt = 0xC0, k13BitIntMask = 0xE0;
constexpr uint8_t k12BitStr = 0xE0, k12BitStrMask = 0xF0;
constexpr uint8_t k32BitStr = 0xF0;
constexpr uint8_t k16BitInt = 0xF1;
constexpr uint8_t k24BitInt = 0xF2;
constexpr uint8_t k32BitInt = 0xF3;
constexpr uint8_t k64BitInt = 0xF4;

uint32_t GetU32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | (static_cast<uint32_t>(p[1]) << 8) |
         (static_cast<uint32_t>(p[2]) << 16) | (static_cast<uint32_t>(p[3]) << 24);
}
void PutU32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v);
  p[1] = static_cast<uint8_t>(v >> 8);
  p[2] = static_cast<uint8_t>(v >> 16);
  p[3] = static_cast<uint8_t>(v >> 24);
}
uint16_t GetCount(const uint8_t* lp) { return static_cast<uint16_t>(lp[4] | (lp[5] << 8)); }
void SetCount(uint8_t* lp, size_t n) {
  uint16_t v = n >= kCountUnknown ? kCountUnknown : static_cast<uint16_t>(n);
  lp[4] = static_cast<uint8_t>(v);
  lp[5] = static_cast<uint8_t>(v >> 8);
}
void SetBytes(uint8_t* lp, size_t n) { PutU32(lp, static_cast<uint32_t>(n)); }

size_t BacklenSize(size_t len) {
  if (len <= 127) return 1;
  if (len < 16383) return 2;
  if (len < 2097151) return 3;
  if (len < 268435455) return 4;
  return 5;
}

// Writes `len` so that it reads right to left: the rightmost byte carries the low 7 bits,
// with the high bit set when more bytes follow to its left.
void PutBacklen(uint8_t* p, size_t len) {
  size_t n = BacklenSize(len);
  for (size_t i = 0; i < n; ++i) {
    size_t shift = 7 * (n - 1 - i);
    uint8_t b = static_cast<uint8_t>((len >> shift) & 127);
    if (i > 0) b |= 128;
    p[i] = b;
  }
}

// Reads the backlen that ends just before `end`; returns the element length.
size_t GetBacklen(const uint8_t* end) {
  size_t val = 0;
  int shift = 0;
  const uint8_t* p = end - 1;
  while (true) {
    val |= static_cast<size_t>(*p & 127) << shift;
    if (!(*p & 128)) break;
    shift += 7;
    --p;
  }
  return val;
}

// Length of the encoding byte(s) plus data of the element at `p`.
size_t EncodedLength(const uint8_t* p) {
  uint8_t b = p[0];
  if ((b & k7BitUintMask) == k7BitUint) return 1;
  if ((b & k6BitStrMask) == k6BitStr) return 1 + (b & 0x3F);
  if ((b & k13BitIntMask) == k13BitInt) return 2;
  if ((b & k12BitStrMask) == k12BitStr) return 2 + (static_cast<size_t>(b & 0x0F) << 8 | p[1]);
  switch (b) {
    case k16BitInt: return 3;
    case k24BitInt: return 4;
    case k32BitInt: return 5;
    case k64BitInt: return 9;
    case k32BitStr: return 5 + GetU32(p + 1);
    default: return 0;  // EOF or invalid
  }
}

size_t ElementSize(const uint8_t* p) {
  size_t len = EncodedLength(p);
  return len + BacklenSize(len);
}

// How `s` will be encoded: as an integer when it is a canonical one.
struct Encoded {
  uint8_t buf[9];
  size_t len = 0;  // encoding + data, when it is an integer (buf holds it all)
  bool is_int = false;
  size_t str_len = 0;
  size_t header = 0;  // for strings: encoding bytes before the data
};

Encoded Encode(std::string_view s) {
  Encoded e;
  int64_t v;
  if (s.size() <= 20 && base::ParseInt64(s, &v)) {
    e.is_int = true;
    if (v >= 0 && v <= 127) {
      e.buf[0] = static_cast<uint8_t>(v);
      e.len = 1;
    } else if (v >= -4096 && v <= 4095) {
      uint64_t u = static_cast<uint64_t>(v) & 0x1FFF;
      e.buf[0] = static_cast<uint8_t>(k13BitInt | (u >> 8));
      e.buf[1] = static_cast<uint8_t>(u & 0xFF);
      e.len = 2;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
      e.buf[0] = k16BitInt;
      uint16_t u = static_cast<uint16_t>(v);
      e.buf[1] = static_cast<uint8_t>(u);
      e.buf[2] = static_cast<uint8_t>(u >> 8);
      e.len = 3;
    } else if (v >= -8388608 && v <= 8388607) {
      e.buf[0] = k24BitInt;
      uint32_t u = static_cast<uint32_t>(v);
      for (int i = 0; i < 3; ++i) e.buf[1 + i] = static_cast<uint8_t>(u >> (8 * i));
      e.len = 4;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      e.buf[0] = k32BitInt;
      uint32_t u = static_cast<uint32_t>(v);
      for (int i = 0; i < 4; ++i) e.buf[1 + i] = static_cast<uint8_t>(u >> (8 * i));
      e.len = 5;
    } else {
      e.buf[0] = k64BitInt;
      uint64_t u = static_cast<uint64_t>(v);
      for (int i = 0; i < 8; ++i) e.buf[1 + i] = static_cast<uint8_t>(u >> (8 * i));
      e.len = 9;
    }
    return e;
  }
  e.str_len = s.size();
  if (s.size() <= 63) {
    e.buf[0] = static_cast<uint8_t>(k6BitStr | s.size());
    e.header = 1;
  } else if (s.size() <= 4095) {
    e.buf[0] = static_cast<uint8_t>(k12BitStr | (s.size() >> 8));
    e.buf[1] = static_cast<uint8_t>(s.size() & 0xFF);
    e.header = 2;
  } else {
    e.buf[0] = k32BitStr;
    PutU32(e.buf + 1, static_cast<uint32_t>(s.size()));
    e.header = 5;
  }
  e.len = e.header + s.size();
  return e;
}

// Writes an element (encoding, data, backlen) at `dst`.
void WriteElement(uint8_t* dst, const Encoded& e, std::string_view s) {
  if (e.is_int) {
    std::memcpy(dst, e.buf, e.len);
  } else {
    std::memcpy(dst, e.buf, e.header);
    if (!s.empty()) std::memcpy(dst + e.header, s.data(), s.size());
  }
  PutBacklen(dst + e.len, e.len);
}

uint8_t* Resize(uint8_t* lp, size_t bytes) {
  return static_cast<uint8_t*>(base::Reallocate(lp, bytes));
}

// Replaces `old_size` bytes at `offset` with room for `new_size` bytes; returns the new
// listpack (the room is uninitialised).
uint8_t* Splice(uint8_t* lp, size_t offset, size_t old_size, size_t new_size) {
  size_t total = Bytes(lp);
  size_t tail = total - offset - old_size;
  size_t next_total = total - old_size + new_size;
  if (new_size > old_size) {
    lp = Resize(lp, next_total);
    std::memmove(lp + offset + new_size, lp + offset + old_size, tail);
  } else {
    std::memmove(lp + offset + new_size, lp + offset + old_size, tail);
    lp = Resize(lp, next_total);
  }
  SetBytes(lp, next_total);
  return lp;
}

}  // namespace

uint8_t* New() {
  auto* lp = static_cast<uint8_t*>(base::Allocate(kHeader + 1));
  SetBytes(lp, kHeader + 1);
  SetCount(lp, 0);
  lp[kHeader] = kEof;
  return lp;
}

void Free(uint8_t* lp) { base::Free(lp); }

uint8_t* Clone(const uint8_t* lp) {
  auto* copy = static_cast<uint8_t*>(base::Allocate(Bytes(lp)));
  std::memcpy(copy, lp, Bytes(lp));
  return copy;
}

size_t Bytes(const uint8_t* lp) { return GetU32(lp); }
size_t AllocatedBytes(const uint8_t* lp) { return base::UsableSize(lp); }

size_t Length(const uint8_t* lp) {
  uint16_t n = GetCount(lp);
  if (n != kCountUnknown) return n;
  size_t count = 0;
  const uint8_t* p = lp + kHeader;
  while (*p != kEof) {
    p += ElementSize(p);
    ++count;
  }
  return count;
}

uint8_t* First(uint8_t* lp) { return lp[kHeader] == kEof ? nullptr : lp + kHeader; }

uint8_t* Last(uint8_t* lp) {
  uint8_t* eof = lp + Bytes(lp) - 1;
  if (eof == lp + kHeader) return nullptr;
  return Prev(lp, eof);
}

uint8_t* Next(uint8_t* lp, uint8_t* p) {
  (void)lp;
  uint8_t* n = p + ElementSize(p);
  return *n == kEof ? nullptr : n;
}

uint8_t* Prev(uint8_t* lp, uint8_t* p) {
  if (p == lp + kHeader) return nullptr;
  size_t len = GetBacklen(p);
  return p - len - BacklenSize(len);
}

uint8_t* Seek(uint8_t* lp, int64_t index) {
  size_t n = Length(lp);
  if (index < 0) index += static_cast<int64_t>(n);
  if (index < 0 || static_cast<size_t>(index) >= n) return nullptr;
  if (static_cast<size_t>(index) <= n / 2) {
    uint8_t* p = First(lp);
    for (int64_t i = 0; i < index; ++i) p = Next(lp, p);
    return p;
  }
  uint8_t* p = Last(lp);
  for (int64_t i = static_cast<int64_t>(n) - 1; i > index; --i) p = Prev(lp, p);
  return p;
}

Elem Get(const uint8_t* p) {
  Elem e;
  uint8_t b = p[0];
  if ((b & k7BitUintMask) == k7BitUint) {
    e.is_int = true;
    e.integer = b & 0x7F;
  } else if ((b & k6BitStrMask) == k6BitStr) {
    e.str = {reinterpret_cast<const char*>(p + 1), static_cast<size_t>(b & 0x3F)};
  } else if ((b & k13BitIntMask) == k13BitInt) {
    uint64_t u = (static_cast<uint64_t>(b & 0x1F) << 8) | p[1];
    e.is_int = true;
    e.integer = u >= 4096 ? static_cast<int64_t>(u) - 8192 : static_cast<int64_t>(u);
  } else if ((b & k12BitStrMask) == k12BitStr) {
    size_t len = static_cast<size_t>(b & 0x0F) << 8 | p[1];
    e.str = {reinterpret_cast<const char*>(p + 2), len};
  } else if (b == k32BitStr) {
    e.str = {reinterpret_cast<const char*>(p + 5), GetU32(p + 1)};
  } else {
    e.is_int = true;
    uint64_t u = 0;
    int bytes = b == k16BitInt ? 2 : b == k24BitInt ? 3 : b == k32BitInt ? 4 : 8;
    for (int i = 0; i < bytes; ++i) u |= static_cast<uint64_t>(p[1 + i]) << (8 * i);
    if (bytes < 8) {
      uint64_t sign = uint64_t{1} << (bytes * 8 - 1);
      if (u & sign) u |= ~((sign << 1) - 1);  // sign-extend
    }
    e.integer = static_cast<int64_t>(u);
  }
  return e;
}

std::string_view GetString(const uint8_t* p, IntBuffer* scratch) {
  Elem e = Get(p);
  if (!e.is_int) return e.str;
  return {scratch->data, base::FormatInt64(e.integer, scratch->data)};
}

bool Equals(const uint8_t* p, std::string_view s) {
  Elem e = Get(p);
  if (!e.is_int) return e.str == s;
  int64_t v;
  return s.size() <= 20 && base::ParseInt64(s, &v) && v == e.integer;
}

size_t EncodedSize(std::string_view s) {
  Encoded e = Encode(s);
  return e.len + BacklenSize(e.len);
}

uint8_t* Insert(uint8_t* lp, uint8_t* p, std::string_view s, Where where, uint8_t** inserted) {
  Encoded e = Encode(s);
  size_t size = e.len + BacklenSize(e.len);
  size_t offset = static_cast<size_t>(p - lp);
  if (where == Where::kAfter) offset += ElementSize(p);
  // `s` may point into this listpack: build the element before moving anything.
  uint8_t stack[64];
  uint8_t* tmp = size <= sizeof(stack) ? stack : static_cast<uint8_t*>(base::Allocate(size));
  WriteElement(tmp, e, s);
  size_t count = Length(lp);
  lp = Splice(lp, offset, 0, size);
  std::memcpy(lp + offset, tmp, size);
  if (tmp != stack) base::Free(tmp);
  SetCount(lp, count + 1);
  if (inserted != nullptr) *inserted = lp + offset;
  return lp;
}

uint8_t* Append(uint8_t* lp, std::string_view s) {
  return Insert(lp, lp + Bytes(lp) - 1, s, Where::kBefore);
}

uint8_t* Prepend(uint8_t* lp, std::string_view s) {
  return Insert(lp, lp + kHeader, s, Where::kBefore);
}

uint8_t* Replace(uint8_t* lp, uint8_t** p, std::string_view s) {
  Encoded e = Encode(s);
  size_t size = e.len + BacklenSize(e.len);
  size_t offset = static_cast<size_t>(*p - lp);
  size_t old = ElementSize(*p);
  uint8_t stack[64];
  uint8_t* tmp = size <= sizeof(stack) ? stack : static_cast<uint8_t*>(base::Allocate(size));
  WriteElement(tmp, e, s);
  lp = Splice(lp, offset, old, size);
  std::memcpy(lp + offset, tmp, size);
  if (tmp != stack) base::Free(tmp);
  *p = lp + offset;
  return lp;
}

uint8_t* DeleteRange(uint8_t* lp, uint8_t** p, size_t count) {
  size_t offset = static_cast<size_t>(*p - lp);
  size_t bytes = 0, deleted = 0;
  uint8_t* q = *p;
  while (deleted < count && *q != kEof) {
    size_t sz = ElementSize(q);
    bytes += sz;
    q += sz;
    ++deleted;
  }
  size_t n = Length(lp);
  lp = Splice(lp, offset, bytes, 0);
  SetCount(lp, n - deleted);
  *p = lp[offset] == kEof ? nullptr : lp + offset;
  return lp;
}

uint8_t* Delete(uint8_t* lp, uint8_t** p) { return DeleteRange(lp, p, 1); }

uint8_t* DeleteRange(uint8_t* lp, int64_t index, size_t count) {
  uint8_t* p = Seek(lp, index);
  if (p == nullptr) return lp;
  return DeleteRange(lp, &p, count);
}

uint8_t* Find(uint8_t* lp, uint8_t* p, std::string_view s, unsigned skip) {
  // Compare against the integer form once instead of formatting every element.
  int64_t as_int = 0;
  bool s_is_int = s.size() <= 20 && base::ParseInt64(s, &as_int);
  unsigned to_skip = 0;
  while (p != nullptr && *p != kEof) {
    if (to_skip == 0) {
      Elem e = Get(p);
      if (e.is_int ? (s_is_int && e.integer == as_int) : e.str == s) return p;
      to_skip = skip;
    } else {
      --to_skip;
    }
    p = Next(lp, p);
  }
  return nullptr;
}

namespace {

// Bytes of an element's encoding before its data.
size_t HeaderLength(const uint8_t* p) {
  if ((p[0] & k12BitStrMask) == k12BitStr) return 2;
  if (p[0] == k32BitStr) return 5;
  return 1;
}

void AppendHex(const uint8_t* p, size_t n, std::string* out) {
  char b[4];
  for (size_t i = 0; i < n; ++i) {
    std::snprintf(b, sizeof(b), "%02x|", p[i]);
    out->append(b);
  }
}

}  // namespace

void Repr(const uint8_t* lp, std::string* out) {
  char line[160];
  std::snprintf(line, sizeof(line), "{total bytes %zu} {num entries %zu}\n", Bytes(lp),
                Length(lp));
  out->append(line);
  size_t index = 0;
  for (const uint8_t* p = lp + kHeader; *p != kEof; p += ElementSize(p), ++index) {
    const size_t encoded = EncodedLength(p);
    const size_t header = HeaderLength(p);
    const size_t backlen = BacklenSize(encoded);
    std::snprintf(line, sizeof(line),
                  "{\n\taddr: %p,\n\tindex: %2zu,\n\toffset: %zu,\n"
                  "\thdr+entrylen+backlen: %2zu,\n\thdrlen: %3zu,\n\tbacklen: %2zu,\n"
                  "\tpayload: %zu\n\tbytes: ",
                  static_cast<const void*>(p), index, static_cast<size_t>(p - lp),
                  encoded + backlen, header, backlen, encoded - header);
    out->append(line);
    AppendHex(p, encoded + backlen, out);
    Elem e = Get(p);
    if (e.is_int) {
      std::snprintf(line, sizeof(line), "\n\t[int]%lld\n}\n",
                    static_cast<long long>(e.integer));
      out->append(line);
    } else {
      out->append("\n\t[str]");
      if (e.str.size() > 40) {
        out->append(e.str.substr(0, 40));
        out->append("...");
      } else {
        out->append(e.str);
      }
      out->append("\n}\n");
    }
  }
  out->append("{end}\n\n");
}

bool Validate(const uint8_t* lp, size_t size) {
  // Outside input: every length is checked against the bytes left before it is used, and
  // each backlen must be exactly the bytes PutBacklen writes, so nothing here (or in a
  // later walk in either direction) reads outside the `size` bytes.
  if (size < kHeader + 1 || Bytes(lp) != size || lp[size - 1] != kEof) return false;
  size_t pos = kHeader;
  const size_t end = size - 1;
  size_t count = 0;
  while (pos < end) {
    const uint8_t* p = lp + pos;
    size_t left = end - pos;
    uint8_t b = p[0];
    if (b == kEof) return false;
    size_t need = 1;
    if ((b & k12BitStrMask) == k12BitStr || (b & k13BitIntMask) == k13BitInt) need = 2;
    if (b == k32BitStr) need = 5;
    if (need > left) return false;
    size_t len = EncodedLength(p);
    if (len == 0 || len > left) return false;
    size_t backlen = BacklenSize(len);
    if (backlen > left - len) return false;
    uint8_t expected[5];
    PutBacklen(expected, len);
    if (std::memcmp(p + len, expected, backlen) != 0) return false;
    pos += len + backlen;
    ++count;
  }
  uint16_t header_count = GetCount(lp);
  return header_count == kCountUnknown || header_count == count;
}

}  // namespace cinnabar::core::lp

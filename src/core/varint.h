// LEB128 variable-length unsigned integers and zigzag signed integers.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cinnabar::core {

constexpr size_t kMaxVarint = 10;

inline size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

inline size_t PutVarint(uint8_t* p, uint64_t v) {
  size_t n = 0;
  while (v >= 0x80) {
    p[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  p[n++] = static_cast<uint8_t>(v);
  return n;
}

// REQUIRES: `p` holds a complete varint written by PutVarint.
inline size_t GetVarint(const uint8_t* p, uint64_t* v) {
  uint64_t result = 0;
  size_t n = 0;
  int shift = 0;
  while (true) {
    uint8_t b = p[n++];
    result |= static_cast<uint64_t>(b & 0x7F) << shift;
    if ((b & 0x80) == 0) break;
    shift += 7;
  }
  *v = result;
  return n;
}

inline uint64_t ZigZag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t UnZigZag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

}  // namespace cinnabar::core

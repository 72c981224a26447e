#include "base/crc64.h"

#include <array>

namespace cinnabar::base {
namespace {

// The reflected form of the polynomial: bit i of 0xad93d23594c935a9 becomes bit 63 - i.
constexpr uint64_t Reflect(uint64_t v) {
  uint64_t r = 0;
  for (int i = 0; i < 64; ++i) {
    if (v & (uint64_t{1} << i)) r |= uint64_t{1} << (63 - i);
  }
  return r;
}

constexpr std::array<uint64_t, 256> MakeTable() {
  constexpr uint64_t kPoly = Reflect(0xad93d23594c935a9ull);
  std::array<uint64_t, 256> t{};
  for (uint64_t i = 0; i < 256; ++i) {
    uint64_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ kPoly : c >> 1;
    t[i] = c;
  }
  return t;
}

constexpr std::array<uint64_t, 256> kTable = MakeTable();

}  // namespace

uint64_t Crc64(uint64_t crc, std::string_view data) {
  for (unsigned char b : data) crc = kTable[(crc ^ b) & 0xff] ^ (crc >> 8);
  return crc;
}

}  // namespace cinnabar::base

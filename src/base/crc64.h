// CRC-64 as Redis computes it for RDB files and DUMP payloads ("Jones" polynomial
// 0xad93d23594c935a9, reflected in and out, initial value 0, no final xor).
#pragma once

#include <cstdint>
#include <string_view>

namespace cinnabar::base {

// Continues `crc` over `data` (start with 0).
uint64_t Crc64(uint64_t crc, std::string_view data);

}  // namespace cinnabar::base

// SHA-256 (FIPS 180-4), for ACL passwords: Redis stores and shows them as the hash's 64
// lower-case hex digits.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace cinnabar::base {

std::array<uint8_t, 32> Sha256(std::string_view data);
// The digest as 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

}  // namespace cinnabar::base

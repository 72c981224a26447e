// SHA-1 where Redis compatibility requires it: naming scripts (the lowercase hex digest of
// a script body) and DEBUG DIGEST's dataset signature.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace cinnabar::scripting {

using Sha1Digest = std::array<unsigned char, 20>;

Sha1Digest Sha1(std::string_view data);
// 40 lowercase hexadecimal characters.
std::string HexDigest(const Sha1Digest& d);
std::string Sha1Hex(std::string_view data);

}  // namespace cinnabar::scripting

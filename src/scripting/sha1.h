// SHA-1 as script caching needs it: the lowercase hex digest of a script body.
#pragma once

#include <string>
#include <string_view>

namespace cinnabar::scripting {

// 40 lowercase hexadecimal characters.
std::string Sha1Hex(std::string_view data);

}  // namespace cinnabar::scripting

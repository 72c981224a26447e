// Client name rules shared by CLIENT SETNAME and HELLO SETNAME.
#pragma once

#include <string_view>

namespace cinnabar::commands {

inline constexpr std::string_view kInvalidClientName =
    "ERR Client names cannot contain spaces, newlines or special characters.";

// Redis compat (validateClientName): printable ASCII other than space.
inline bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace cinnabar::commands

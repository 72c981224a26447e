// Client name rules shared by CLIENT SETNAME and HELLO SETNAME (refused with
// protocol::errors::kInvalidClientName).
#pragma once

#include <string_view>

namespace cinnabar::commands {

// Redis compat (validateClientName): printable ASCII other than space.
inline bool ValidClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

}  // namespace cinnabar::commands

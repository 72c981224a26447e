// Glob-style pattern matching with Redis's rules (KEYS, SCAN MATCH, CONFIG GET, ...):
// '*', '?', '[abc]', '[^a-z]', '\' escapes.
#pragma once

#include <string_view>

namespace cinnabar::core {

bool GlobMatch(std::string_view pattern, std::string_view text, bool nocase = false);

}  // namespace cinnabar::core

// Splits a line into arguments the way Redis's sdssplitargs does: whitespace separates,
// "double quotes" take \n \r \t \b \a \xHH and \<char> escapes, 'single quotes' take \'.
// The line ends at its first NUL byte, as sdssplitargs' C string does. Used for inline
// commands and for configuration lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cinnabar::protocol {

// Returns false on unbalanced quotes, or a closing quote not followed by a space.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace cinnabar::protocol

// The timeout argument of blocking commands (BLPOP ... timeout), in seconds with fractions.
#pragma once

#include <cmath>
#include <cstdint>
#include <string_view>

#include "base/string_util.h"
#include "protocol/errors.h"

namespace cinnabar::commands {

// Parses `s` into milliseconds (0 = wait forever). Returns the error text, or empty.
inline std::string_view ParseBlockTimeout(std::string_view s, int64_t* timeout_ms) {
  long double seconds;
  if (!base::ParseLongDouble(s, &seconds) || std::isnan(seconds)) {
    return protocol::errors::kTimeoutNotFloat;
  }
  long double ms = std::ceil(seconds * 1000.0L);
  // Redis compat: a timeout too large for a 64-bit millisecond count comes out negative
  // in Redis 7.0 (the conversion overflows), and so does its error.
  if (ms < 0 || !(ms < 9.2e18L)) return protocol::errors::kTimeoutNegative;
  *timeout_ms = static_cast<int64_t>(ms);
  return {};
}

}  // namespace cinnabar::commands

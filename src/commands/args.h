// Argument parsing shared by command families. Each returns a status instead of replying,
// so handlers parse first, then run, then reply exactly once.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/op_status.h"
#include "base/string_util.h"
#include "protocol/errors.h"

namespace cinnabar::commands {

using base::OpResult;
using base::OpStatus;

// A 64-bit integer argument ("value is not an integer or out of range").
inline OpResult<int64_t> ParseInt64Arg(std::string_view s) {
  int64_t v;
  if (!base::ParseInt64(s, &v)) return OpStatus::kNotInteger;
  return v;
}

// An int-sized argument, as Redis's getIntFromObjectOrReply checks it.
inline OpResult<int> ParseIntArg(std::string_view s) {
  int64_t v;
  if (!base::ParseInt64(s, &v)) return OpStatus::kNotInteger;
  if (v < INT32_MIN || v > INT32_MAX) return OpStatus::kIntOutOfRange;
  return static_cast<int>(v);
}

// A double argument ("value is not a valid float").
inline OpResult<double> ParseDoubleArg(std::string_view s) {
  double v;
  if (!base::ParseDouble(s, &v)) return OpStatus::kNotFloat;
  return v;
}

// Whether `arg` is the option `word`, case-insensitively. Redis compat: Redis compares
// options with strcasecmp, as C strings, so an argument matches up to its first NUL byte
// ("NX\0junk" is NX) -- the cut its error texts make too.
inline bool Is(std::string_view arg, std::string_view word) {
  return base::EqualsIgnoreCase(protocol::errors::CutAtNul(arg), word);
}

}  // namespace cinnabar::commands

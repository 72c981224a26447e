// Argument parsing shared by command families. Each returns a status instead of replying,
// so handlers parse first, then run, then reply exactly once.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/op_status.h"
#include "base/string_util.h"
#include "protocol/errors.h"
#include "protocol/reply_builder.h"

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

// The keys of EVAL-shaped commands, `NAME x numkeys key ... arg ...` (EVAL, EVALSHA,
// FCALL and their _RO forms), for CommandSpec::find_keys. False when numkeys is malformed
// (the handler answers the error).
inline bool NumKeysAt2(std::span<const std::string_view> args, std::vector<int>* out) {
  int64_t n;
  if (args.size() < 3 || !base::ParseInt64(args[2], &n) || n < 0 ||
      n > static_cast<int64_t>(args.size()) - 3) {
    return false;
  }
  for (int64_t i = 0; i < n; ++i) out->push_back(static_cast<int>(3 + i));
  return true;
}

// Replies a HELP text: an array of status lines.
inline void ReplyHelp(protocol::ReplyBuilder& rb, std::span<const std::string_view> lines) {
  rb.ArrayHeader(lines.size());
  for (std::string_view l : lines) rb.SimpleString(l);
}

}  // namespace cinnabar::commands

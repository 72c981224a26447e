// The argument tail shared by LMPOP, ZMPOP, BLMPOP and BZMPOP:
//   numkeys key [key ...] <where> [COUNT count]
// (the blocking forms put a timeout before numkeys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "base/function_ref.h"
#include "base/string_util.h"
#include "commands/args.h"
#include "protocol/errors.h"

namespace cinnabar::commands {

struct MPopArgs {
  size_t first_key = 0;  // index of the first key in the arguments
  size_t key_count = 0;
  size_t where_at = 0;   // index of the LEFT|RIGHT or MIN|MAX argument
  int64_t count = 1;
};

// Parses from args[numkeys_at]; `where_ok` accepts the side word. Returns the error reply
// text, or empty. Checks in Redis's order: numkeys, the side word, then COUNT.
inline std::string_view ParseMPopArgs(std::span<const std::string_view> args, size_t numkeys_at,
                                      base::FunctionRef<bool(std::string_view)> where_ok,
                                      MPopArgs* out) {
  int64_t numkeys;
  if (!base::ParseInt64(args[numkeys_at], &numkeys) || numkeys < 1) {
    return protocol::errors::kNumkeysPositive;
  }
  if (numkeys > static_cast<int64_t>(args.size() - numkeys_at) - 2) {
    return protocol::errors::kSyntax;
  }
  out->first_key = numkeys_at + 1;
  out->key_count = static_cast<size_t>(numkeys);
  out->where_at = out->first_key + out->key_count;
  if (!where_ok(args[out->where_at])) return protocol::errors::kSyntax;
  int64_t count = -1;
  for (size_t i = out->where_at + 1; i < args.size(); ++i) {
    if (count == -1 && Is(args[i], "COUNT") && i + 1 < args.size()) {
      if (!base::ParseInt64(args[++i], &count) || count < 1) {
        return protocol::errors::kCountPositive;
      }
    } else {
      return protocol::errors::kSyntax;
    }
  }
  out->count = count == -1 ? 1 : count;
  return {};
}

// The key positions, for routing and COMMAND GETKEYS, when numkeys is valid. Redis compat:
// the keys may run to the last argument (the handler then reports the syntax error).
inline bool MPopKeys(std::span<const std::string_view> args, size_t numkeys_at,
                     std::vector<int>* out) {
  int64_t n;
  if (args.size() <= numkeys_at || !base::ParseInt64(args[numkeys_at], &n) || n < 1 ||
      n > static_cast<int64_t>(args.size() - numkeys_at) - 1) {
    return false;
  }
  for (int64_t i = 0; i < n; ++i) out->push_back(static_cast<int>(numkeys_at + 1 + i));
  return true;
}

}  // namespace cinnabar::commands

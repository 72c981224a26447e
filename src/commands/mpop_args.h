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
#include "commands/arg_parser.h"
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
  namespace errors = protocol::errors;
  ArgParser p(args, numkeys_at);
  int64_t numkeys = p.NextInt64Or(errors::kNumkeysPositive, 1);
  if (p.HasError()) return p.error();
  if (numkeys > static_cast<int64_t>(p.Remaining()) - 1) return errors::kSyntax;
  out->first_key = p.pos();
  out->key_count = static_cast<size_t>(numkeys);
  out->where_at = out->first_key + out->key_count;
  p.Skip(out->key_count);
  if (!where_ok(p.Next())) return errors::kSyntax;
  int64_t count = -1;
  while (p.HasNext()) {
    if (count == -1 && p.Check("COUNT", 1)) {
      count = p.NextInt64Or(errors::kCountPositive, 1);
    } else {
      p.Fail(errors::kSyntax);
    }
  }
  if (!p.Finalize()) return p.error();
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

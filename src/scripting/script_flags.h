// Script and function flags, and the shebang lines that declare them:
//   EVAL bodies:        "#!lua flags=no-writes,allow-oom\n..." (optional)
//   FUNCTION libraries: "#!lua name=mylib\n..." (required)
// The engine reads the flags before it runs anything, to decide read-only, OOM and
// routing behaviour. Pure functions: safe on any thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cinnabar::scripting {

enum ScriptFlag : uint32_t {
  kFlagNoWrites = 1u << 0,           // no-writes
  kFlagAllowOom = 1u << 1,           // allow-oom
  kFlagAllowStale = 1u << 2,         // allow-stale
  kFlagNoCluster = 1u << 3,          // no-cluster
  kFlagAllowCrossSlotKeys = 1u << 4, // allow-cross-slot-keys
};

// What a script declared. An EVAL body without a shebang runs with Redis's legacy
// defaults (writes allowed, denied under OOM once it writes, may run on a stale replica
// only for read commands, ...): that is `legacy`, distinct from "#!lua" with no flags.
struct ScriptFlags {
  bool legacy = true;  // no shebang at all (Redis's SCRIPT_FLAG_EVAL_COMPAT_MODE)
  uint32_t bits = 0;   // ScriptFlag values; always 0 when `legacy`
  bool has(ScriptFlag f) const { return (bits & f) != 0; }
};

// The flag named `name` ("no-writes", ...), or nullopt.
std::optional<ScriptFlag> FlagFromName(std::string_view name);
// The names of the flags in `bits`, in Redis's order (for FUNCTION LIST).
std::vector<std::string_view> FlagNames(uint32_t bits);

struct EvalShebang {
  ScriptFlags flags;
  size_t body_offset = 0;  // where the Lua code starts: the shebang's '\n' (kept, so line
                           // numbers stay right), or 0 without a shebang
  std::string error;       // non-empty: Redis's error text ("ERR Unexpected engine ...")
};
// Parses the optional shebang of an EVAL / SCRIPT LOAD body.
EvalShebang ParseEvalShebang(std::string_view body);

struct LibraryMetadata {
  std::string engine;  // as written ("lua", "LUA")
  std::string name;
  size_t code_offset = 0;  // where the Lua code starts (the shebang's '\n')
  std::string error;       // non-empty: Redis's error text
};
// Parses the required shebang of a FUNCTION LOAD library.
LibraryMetadata ParseLibraryMetadata(std::string_view code);

// Library and function names: letters, digits and '_', at least one character.
bool IsValidFunctionName(std::string_view name);

}  // namespace cinnabar::scripting

// The keys of one call, with what the command does to each: the one resolver of key
// specifications (engine/key_spec.h) against a call's arguments.
//
// Callers: ACL's key permission checks (`~pattern`, `%R~`, `%W~`: a key needs read
// permission when its flags have kKeyAccess or lack every one of access/update/insert/
// delete, write permission when they have kKeyUpdate/kKeyInsert/kKeyDelete or none of the
// four) and COMMAND GETKEYSANDFLAGS / COMMAND GETKEYS. Redis 7.0's rules, so that both answer
// as Redis does:
//   1. A command with kKeyVariableFlags specs and a `key_flags` finder: the finder decides.
//   2. Otherwise the key specs, in order; a not_key spec (SSUBSCRIBE's channels) is skipped.
//      A spec whose keyword is absent contributes nothing. A spec whose keys fall outside
//      the arguments (a key count that is not a positive integer, more keys than
//      arguments) or that is kKeyIncomplete makes the whole search fail...
//   3. ...and then the command's KeyFinder (`find_keys`), if any, is asked; its keys come
//      with flags 0 (treat as read and written).
//   4. A command with neither: the legacy first/last/step triple, flags 0.
// Pure functions of the declaration and the arguments; any thread.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "engine/key_spec.h"
#include "engine/registry.h"

namespace cinnabar::engine {

// Appends to `out` the keys of the call `args` (args[0] is the command name; for a
// subcommand args[1] is its name) of command `cmd`, in spec order, with their flags.
// Returns false, leaving `out` as it was, when no rule finds the keys (malformed key
// count); true with nothing appended is possible for commands without keys.
// REQUIRES: args.size() passes cmd.ArityOk (a short call may find fewer keys).
bool CommandKeys(const CommandEntry& cmd, std::span<const std::string_view> args,
                 std::vector<KeyRef>* out);

// Rule 2 alone, for one spec list (unit tests, and commands that want only the specs).
bool KeysFromSpecs(std::span<const KeySpec> specs, std::span<const std::string_view> args,
                   std::vector<KeyRef>* out);

// Whether COMMAND GETKEYS has anything to look for: a key finder, or a spec that is not
// not_key (Redis's "The command has no key arguments" otherwise).
bool HasKeyArguments(const CommandEntry& cmd);

// The union of the flags of a command's specs.
uint32_t AllKeySpecFlags(const CommandSpec& spec);

// Flag names as COMMAND INFO and GETKEYSANDFLAGS print them, in Redis's order
// ("RW", "access", "update").
std::vector<std::string_view> KeyFlagNames(uint32_t flags);

}  // namespace cinnabar::engine

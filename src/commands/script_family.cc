// Scripting commands: EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT LOAD|EXISTS|FLUSH|KILL|HELP.
// The Lua side is scripting/; how a script's commands run is script_call.h; how scripts
// route (declared keys, or every shard) is script_runtime.h.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "commands/args.h"
#include "commands/families.h"
#include "commands/script_call.h"
#include "commands/script_runtime.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/worker.h"
#include "protocol/errors.h"
#include "scripting/script_errors.h"
#include "scripting/sha1.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
namespace errors = protocol::errors;

bool IsShaForm(std::string_view s) { return s.size() == 40; }

std::string LowerSha(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Routing: whether this EVAL / EVALSHA runs with every shard locked (script_runtime.h).
bool EvalNeedsAllShards(engine::Worker& w, std::span<const std::string_view> args) {
  if (w.engine().shard_count() == 1) return false;
  return !ThreadState(w).KeepsToDeclaredKeys(scripting::Sha1Hex(args[1]));
}
bool EvalShaNeedsAllShards(engine::Worker& w, std::span<const std::string_view> args) {
  if (w.engine().shard_count() == 1) return false;
  return !ThreadState(w).KeepsToDeclaredKeys(LowerSha(args[1]));
}

// Parses numkeys at args[2] as EVAL does; empty on success.
std::string_view ParseEvalNumKeys(CommandContext& ctx, size_t* numkeys) {
  int64_t n;
  if (!base::ParseInt64(ctx.arg(2), &n)) return errors::kNotInteger;
  if (n > static_cast<int64_t>(ctx.argc()) - 3) return errors::kNumKeysTooMany;
  if (n < 0) return errors::kNumKeysNegative;
  *numkeys = static_cast<size_t>(n);
  return {};
}

void RunEval(CommandContext& ctx, bool by_sha, bool read_only_command) {
  ThreadScripting& ts = ThreadState(ctx.worker());
  ScriptRuntime& rt = Runtime(ctx.engine());
  // Redis compat: EVALSHA of something that cannot be a SHA1 is NOSCRIPT before numkeys.
  if (by_sha && !IsShaForm(ctx.arg(1))) return ctx.ReplyError(scripting::errors::kNoScript);
  size_t numkeys = 0;
  std::string_view err = ParseEvalNumKeys(ctx, &numkeys);
  if (!err.empty()) return ctx.ReplyError(err);
  std::shared_ptr<const scripting::CachedScript> script;
  if (by_sha) {
    script = rt.scripts().Find(ctx.arg(1));
    if (script == nullptr) return ctx.ReplyError(scripting::errors::kNoScript);
  } else {
    script = rt.scripts().Find(scripting::Sha1Hex(ctx.arg(1)));
    if (script == nullptr) {
      std::string compile_error;
      script = ts.lua().LoadScript(ctx.arg(1), &compile_error);
      if (script == nullptr) return ctx.ReplyError(compile_error);
    }
  }
  const scripting::ScriptFlags& flags = script->flags;
  if (read_only_command && !flags.legacy && !flags.has(scripting::kFlagNoWrites)) {
    return ctx.ReplyError(errors::kScriptWriteFlagRo);
  }
  const bool read_only = read_only_command || flags.has(scripting::kFlagNoWrites);
  if (!flags.legacy &&
      ScriptCaller::RefusedForMemory(ctx, !read_only, flags.has(scripting::kFlagAllowOom))) {
    return ctx.ReplyError(errors::kOom);
  }
  std::span<const std::string_view> keys = ctx.args().subspan(3, numkeys);
  std::span<const std::string_view> argv = ctx.args().subspan(3 + numkeys);
  ScriptCaller host(ctx, script->sha, keys, read_only);
  host.set_allow_oom(flags.has(scripting::kFlagAllowOom));
  ts.lua().Eval(*script, keys, argv, host, ctx.reply(), rt.run_options());
}

// EVAL script numkeys [key ...] [arg ...]
void Eval(CommandContext& ctx) { RunEval(ctx, false, false); }
// EVALSHA sha1 numkeys [key ...] [arg ...]
void EvalSha(CommandContext& ctx) { RunEval(ctx, true, false); }
// EVAL_RO script numkeys [key ...] [arg ...]
void EvalRo(CommandContext& ctx) { RunEval(ctx, false, true); }
// EVALSHA_RO sha1 numkeys [key ...] [arg ...]
void EvalShaRo(CommandContext& ctx) { RunEval(ctx, true, true); }

// SCRIPT LOAD script
void ScriptLoad(CommandContext& ctx) {
  std::string error;
  auto script = ThreadState(ctx.worker()).lua().LoadScript(ctx.arg(2), &error);
  if (script == nullptr) return ctx.ReplyError(error);
  ctx.reply().Bulk(script->sha);
}

// SCRIPT EXISTS sha1 [sha1 ...]
void ScriptExists(CommandContext& ctx) {
  scripting::ScriptCache& cache = Runtime(ctx.engine()).scripts();
  ctx.reply().ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) ctx.reply().Integer(cache.Exists(ctx.arg(i)) ? 1 : 0);
}

// SCRIPT FLUSH [ASYNC|SYNC]
void ScriptFlush(CommandContext& ctx) {
  if (ctx.argc() > 3 || (ctx.argc() == 3 && !Is(ctx.arg(2), "SYNC") && !Is(ctx.arg(2), "ASYNC"))) {
    return ctx.ReplyError(errors::kScriptFlushArg);
  }
  ScriptRuntime& rt = Runtime(ctx.engine());
  rt.scripts().Flush();
  rt.ForgetRouting();
  ctx.reply().Ok();
}

// SCRIPT KILL
void ScriptKill(CommandContext& ctx) { KillBusyScript(ctx, engine::Engine::kBusyEval); }

// SCRIPT HELP
void ScriptHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kAllowBusy;
using engine::kMayReplicate;
using engine::kNoMandatoryKeys;
using engine::kNoScript;
using engine::kReadOnly;
using engine::kSkipMonitor;
using engine::kStale;

constexpr uint32_t kEvalFlags = kNoScript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys | kStale;
constexpr uint32_t kEvalRoFlags = kNoScript | kSkipMonitor | kNoMandatoryKeys | kStale | kReadOnly;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeyNum;
using engine::KeySpec;
using engine::kKeyAccess;
using engine::kKeyRo;
using engine::kKeyRw;
using engine::kKeyUpdate;

// Key specifications with more than one spec or a shape of their own.
constexpr KeySpec kEvalKeys[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyUpdate, .begin = AtIndex(2), .find = KeyNum(0, 1, 1),
     .notes = "A script may do anything with its keys: assumed read and updated"},
};
constexpr KeySpec kEvalshaKeys[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyUpdate, .begin = AtIndex(2), .find = KeyNum(0, 1, 1)},
};
constexpr KeySpec kEvalRoKeys[] = {
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(2), .find = KeyNum(0, 1, 1),
     .notes = "A read-only script only reads its keys"},
};
constexpr KeySpec kEvalshaRoKeys[] = {
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(2), .find = KeyNum(0, 1, 1)},
};

constexpr CommandSpec kScriptSubcommands[] = {
    {.name = "LOAD", .arity = 3, .flags = kNoScript | kStale, .handler = ScriptLoad,
     .summary = "Loads a server-side Lua script to the script cache.", .since = "2.6.0",
     .complexity = "O(N) with N being the length in bytes of the script body.",
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    {.name = "EXISTS", .arity = -3, .flags = kNoScript, .handler = ScriptExists,
     .summary = "Determines whether server-side Lua scripts exist in the script cache.",
     .since = "2.6.0",
     .complexity = "O(N) with N being the number of scripts to check (so checking a single "
                   "script is an O(1) operation).",
     .tips = "request_policy:all_shards response_policy:agg_logical_and"},
    {.name = "FLUSH", .arity = -2, .flags = kNoScript, .handler = ScriptFlush,
     .summary = "Removes all server-side Lua scripts from the script cache.", .since = "2.6.0",
     .complexity = "O(N) with N being the number of scripts in cache",
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    {.name = "KILL", .arity = 2, .flags = kNoScript | kAllowBusy, .handler = ScriptKill,
     .summary = "Terminates a server-side Lua script during execution.", .since = "2.6.0",
     .complexity = "O(1)",
     .tips = "request_policy:all_shards response_policy:one_succeeded"},
    {.name = "HELP", .arity = 2, .flags = engine::kLoading | kStale, .handler = ScriptHelp,
     .summary = "Returns helpful text about the different subcommands.", .since = "5.0.0",
     .complexity = "O(1)"},
};

constexpr CommandSpec kScriptCommands[] = {
    {.name = "EVAL", .arity = -3, .flags = kEvalFlags, .handler = Eval,
     .find_keys = NumKeysAt2, .needs_all_shards = EvalNeedsAllShards,
     .summary = "Executes a server-side Lua script.", .since = "2.6.0",
     .complexity = "Depends on the script that is executed.",
     .key_specs = kEvalKeys},
    {.name = "EVALSHA", .arity = -3, .flags = kEvalFlags, .handler = EvalSha,
     .find_keys = NumKeysAt2, .needs_all_shards = EvalShaNeedsAllShards,
     .summary = "Executes a server-side Lua script by SHA1 digest.", .since = "2.6.0",
     .complexity = "Depends on the script that is executed.",
     .key_specs = kEvalshaKeys},
    {.name = "EVAL_RO", .arity = -3, .flags = kEvalRoFlags, .handler = EvalRo,
     .find_keys = NumKeysAt2, .needs_all_shards = EvalNeedsAllShards,
     .summary = "Executes a read-only server-side Lua script.", .since = "7.0.0",
     .complexity = "Depends on the script that is executed.",
     .key_specs = kEvalRoKeys},
    {.name = "EVALSHA_RO", .arity = -3, .flags = kEvalRoFlags, .handler = EvalShaRo,
     .find_keys = NumKeysAt2, .needs_all_shards = EvalShaNeedsAllShards,
     .summary = "Executes a read-only server-side Lua script by SHA1 digest.", .since = "7.0.0",
     .complexity = "Depends on the script that is executed.",
     .key_specs = kEvalshaRoKeys},
    {.name = "SCRIPT", .arity = -2, .flags = engine::kNoFamilyAcl, .subcommands = kScriptSubcommands,
     .summary = "A container for Lua scripts management commands.", .since = "2.6.0",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterScriptFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclScripting, "scripting", kScriptCommands);
}

}  // namespace cinnabar::commands

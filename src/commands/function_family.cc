// Function commands: FCALL FCALL_RO FUNCTION LOAD|DELETE|FLUSH|LIST|DUMP|RESTORE|STATS|KILL|
// HELP. Libraries live in the process-wide registry (script_runtime.h); each thread's Lua
// compiles them lazily; FCALL runs like EVAL (script_call.h), routed the same way.

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/string_util.h"
#include "commands/args.h"
#include "commands/families.h"
#include "commands/script_call.h"
#include "commands/script_runtime.h"
#include "core/glob.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/worker.h"
#include "persistence/persistence.h"
#include "persistence/rdb_string.h"
#include "protocol/errors.h"
#include "scripting/script_errors.h"
#include "scripting/script_flags.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
namespace errors = protocol::errors;
namespace serrors = scripting::errors;

// The DUMP payload: one RDB_OPCODE_FUNCTION2 and the library code per library, then the RDB
// version and CRC-64 trailer, as Redis 7.0 writes it.
constexpr char kOpcodeFunction2 = static_cast<char>(245);
constexpr uint16_t kRdbVersion = 10;

// A library's code runs at FUNCTION LOAD with only redis.log of the server's API.
class LoadHost : public scripting::ScriptHost {
 public:
  void Call(std::span<const std::string_view>, int, base::IoBuf*) override {}
  void Log(int level, std::string_view message) override { LogFromScript(level, message); }
  void SetRepl(int) override {}
  bool AclCheck(std::span<const std::string_view>, bool* known) override {
    *known = false;
    return false;
  }
  bool ShouldStop() override { return false; }
};

std::string RoutingId(std::string_view function) { return "f:" + std::string(function); }

bool FCallNeedsAllShards(engine::Worker& w, std::span<const std::string_view> args) {
  if (w.engine().shard_count() == 1) return false;
  return !ThreadState(w).KeepsToDeclaredKeys(RoutingId(args[1]));
}

void RunFCall(CommandContext& ctx, bool read_only_command) {
  ScriptRuntime& rt = Runtime(ctx.engine());
  scripting::FunctionRef fn = rt.functions().FindFunction(ctx.arg(1));
  if (!fn) return ctx.ReplyError(serrors::kFunctionNotFound);
  int64_t n;
  if (!base::ParseInt64(ctx.arg(2), &n)) return ctx.ReplyError(errors::kBadNumKeys);
  if (n > static_cast<int64_t>(ctx.argc()) - 3) return ctx.ReplyError(errors::kNumKeysTooMany);
  if (n < 0) return ctx.ReplyError(errors::kNumKeysNegative);
  const bool no_writes = (fn.function->flags & scripting::kFlagNoWrites) != 0;
  if (read_only_command && !no_writes) return ctx.ReplyError(errors::kScriptWriteFlagRo);
  const bool allow_oom = (fn.function->flags & scripting::kFlagAllowOom) != 0;
  if (ScriptCaller::RefusedForMemory(ctx, !no_writes, allow_oom)) {
    return ctx.ReplyError(errors::kOom);
  }
  auto numkeys = static_cast<size_t>(n);
  std::span<const std::string_view> keys = ctx.args().subspan(3, numkeys);
  std::span<const std::string_view> argv = ctx.args().subspan(3 + numkeys);
  ScriptCaller host(ctx, RoutingId(ctx.arg(1)), keys, read_only_command || no_writes,
                    fn.function->name);
  host.set_allow_oom(allow_oom);
  ThreadState(ctx.worker()).lua().FCall(fn, keys, argv, host, ctx.reply(), rt.run_options());
}

// FCALL function numkeys [key ...] [arg ...]
void FCall(CommandContext& ctx) { RunFCall(ctx, false); }
// FCALL_RO function numkeys [key ...] [arg ...]
void FCallRo(CommandContext& ctx) { RunFCall(ctx, true); }

// FUNCTION LOAD [REPLACE] function-code
void FunctionLoad(CommandContext& ctx) {
  bool replace = false;
  // Redis compat: every argument between LOAD and the code must be REPLACE.
  for (size_t i = 2; i + 1 < ctx.argc(); ++i) {
    if (!Is(ctx.arg(i), "REPLACE")) return ctx.ReplyError(errors::UnknownOptionGiven(ctx.arg(i)));
    replace = true;
  }
  LoadHost log_host;
  std::string error;
  std::string name = ThreadState(ctx.worker()).lua().FunctionLoad(ctx.arg(ctx.argc() - 1), replace,
                                                                  &log_host, &error);
  if (name.empty()) return ctx.ReplyError(error);
  Runtime(ctx.engine()).ForgetRouting();
  ctx.RecordSelf();  // libraries are data: the AOF and replicas get them too
  ctx.reply().Bulk(name);
}

// FUNCTION DELETE library-name
void FunctionDelete(CommandContext& ctx) {
  if (!Runtime(ctx.engine()).functions().Delete(ctx.arg(2))) {
    return ctx.ReplyError(serrors::kLibraryNotFound);
  }
  ctx.RecordSelf();
  ctx.reply().Ok();
}

// FUNCTION FLUSH [ASYNC|SYNC]
void FunctionFlush(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  if (ctx.argc() == 3 && !Is(ctx.arg(2), "SYNC") && !Is(ctx.arg(2), "ASYNC")) {
    return ctx.ReplyError(errors::kFunctionFlushArg);
  }
  ScriptRuntime& rt = Runtime(ctx.engine());
  rt.functions().Flush();
  rt.ForgetRouting();
  ctx.RecordSelf();
  ctx.reply().Ok();
}

void ReplyFunction(protocol::ReplyBuilder& rb, const scripting::FunctionInfo& f) {
  rb.MapHeader(3);
  rb.Bulk("name");
  rb.Bulk(f.name);
  rb.Bulk("description");
  if (f.description) {
    rb.Bulk(*f.description);
  } else {
    rb.Null();
  }
  rb.Bulk("flags");
  std::vector<std::string_view> names = scripting::FlagNames(f.flags);
  rb.SetHeader(names.size());
  for (std::string_view n : names) rb.SimpleString(n);
}

// FUNCTION LIST [LIBRARYNAME library-name-pattern] [WITHCODE]
void FunctionList(CommandContext& ctx) {
  bool with_code = false;
  std::optional<std::string_view> pattern;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (Is(ctx.arg(i), "WITHCODE") && !with_code) {
      with_code = true;
    } else if (Is(ctx.arg(i), "LIBRARYNAME") && !pattern) {
      if (i + 1 >= ctx.argc()) return ctx.ReplyError(errors::kLibraryNameNotGiven);
      pattern = ctx.arg(++i);
    } else {
      return ctx.ReplyError(errors::UnknownArgument(ctx.arg(i)));
    }
  }
  std::vector<std::shared_ptr<const scripting::Library>> libs;
  for (auto& lib : Runtime(ctx.engine()).functions().Libraries()) {
    if (!pattern || core::GlobMatch(*pattern, lib->name, true)) libs.push_back(std::move(lib));
  }
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.ArrayHeader(libs.size());
  for (const auto& lib : libs) {
    rb.MapHeader(with_code ? 4 : 3);
    rb.Bulk("library_name");
    rb.Bulk(lib->name);
    rb.Bulk("engine");
    rb.Bulk(lib->engine);
    rb.Bulk("functions");
    rb.ArrayHeader(lib->functions.size());
    for (const auto& f : lib->functions) ReplyFunction(rb, f);
    if (with_code) {
      rb.Bulk("library_code");
      rb.Bulk(lib->code);
    }
  }
}

}  // namespace

void ConnectPersistence(engine::Engine& eng) {
  persistence::Persistence::Functions f;
  f.dump = [&eng] {
    std::vector<std::string> codes;
    for (const auto& lib : Runtime(eng).functions().Libraries()) codes.push_back(lib->code);
    return codes;
  };
  // Runs on worker `thread`'s thread (the one loading), whose interpreter compiles it.
  f.load = [&eng](unsigned thread, const std::string& code) {
    engine::Worker& w = eng.worker(thread);
    LoadHost log_host;
    std::string error;
    if (ThreadState(w).lua().FunctionLoad(code, false, &log_host, &error).empty()) {
      return base::Status::Error("Failed loading library, " + error);
    }
    Runtime(eng).ForgetRouting();
    return base::Status::Ok();
  };
  persistence::Persistence::Of(eng).SetFunctions(std::move(f));
}

namespace {

// FUNCTION DUMP
void FunctionDump(CommandContext& ctx) {
  std::string payload;
  for (const auto& lib : Runtime(ctx.engine()).functions().Libraries()) {
    payload.push_back(kOpcodeFunction2);
    persistence::AppendRdbString(&payload, lib->code);
  }
  persistence::SealDumpPayload(&payload, kRdbVersion);
  ctx.reply().Bulk(payload);
}

// FUNCTION RESTORE serialized-value [FLUSH|APPEND|REPLACE]
void FunctionRestore(CommandContext& ctx) {
  enum class Policy { kAppend, kReplace, kFlush } policy = Policy::kAppend;
  if (ctx.argc() > 4) return ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  if (ctx.argc() == 4) {
    if (Is(ctx.arg(3), "FLUSH")) {
      policy = Policy::kFlush;
    } else if (Is(ctx.arg(3), "APPEND")) {
      policy = Policy::kAppend;
    } else if (Is(ctx.arg(3), "REPLACE")) {
      policy = Policy::kReplace;
    } else {
      return ctx.ReplyError(errors::kRestorePolicy);
    }
  }
  std::optional<std::string_view> body = persistence::OpenDumpPayload(ctx.arg(2), kRdbVersion);
  if (!body) return ctx.ReplyError(errors::kDumpPayloadBad);
  std::vector<std::string> codes;
  std::string_view in = *body;
  while (!in.empty()) {
    if (in[0] != kOpcodeFunction2) return ctx.ReplyError(errors::kNotAFunction);
    in.remove_prefix(1);
    std::optional<std::string> code = persistence::ReadRdbString(&in);
    if (!code) return ctx.ReplyError(errors::kLibraryPayloadBad);
    codes.push_back(std::move(*code));
  }
  ScriptRuntime& rt = Runtime(ctx.engine());
  if (policy == Policy::kAppend) {
    // Redis compat: APPEND refuses the whole payload when any library exists already.
    for (const std::string& code : codes) {
      scripting::LibraryMetadata meta = scripting::ParseLibraryMetadata(code);
      if (meta.error.empty() && rt.functions().HasLibrary(meta.name)) {
        return ctx.ReplyError(errors::LibraryExists(meta.name));
      }
    }
  }
  if (policy == Policy::kFlush) rt.functions().Flush();
  LoadHost log_host;
  scripting::LuaEngine& lua = ThreadState(ctx.worker()).lua();
  for (const std::string& code : codes) {
    std::string error;
    if (lua.FunctionLoad(code, policy != Policy::kAppend, &log_host, &error).empty()) {
      rt.ForgetRouting();
      return ctx.ReplyError(error);
    }
  }
  rt.ForgetRouting();
  ctx.RecordSelf();
  ctx.reply().Ok();
}

// FUNCTION STATS
void FunctionStats(CommandContext& ctx) {
  ScriptRuntime& rt = Runtime(ctx.engine());
  int busy = ctx.engine().busy_script.load(std::memory_order_acquire);
  if (busy == engine::Engine::kBusyEval) return ctx.ReplyError(errors::kBusyScript);
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.MapHeader(2);
  rb.Bulk("running_script");
  if (busy == engine::Engine::kBusyFunction) {
    RunningScript& running = rt.running();
    std::lock_guard<std::mutex> lock(running.mu);
    rb.MapHeader(3);
    rb.Bulk("name");
    rb.Bulk(running.name);
    rb.Bulk("command");
    rb.ArrayHeader(running.command.size());
    for (const std::string& a : running.command) rb.Bulk(a);
    rb.Bulk("duration_ms");
    rb.Integer(base::UnixTimeMs() - running.start_ms);
  } else {
    rb.Null();
  }
  rb.Bulk("engines");
  rb.MapHeader(1);
  rb.Bulk("LUA");
  rb.MapHeader(2);
  rb.Bulk("libraries_count");
  rb.Integer(static_cast<int64_t>(rt.functions().library_count()));
  rb.Bulk("functions_count");
  rb.Integer(static_cast<int64_t>(rt.functions().function_count()));
}

// FUNCTION KILL
void FunctionKill(CommandContext& ctx) { KillBusyScript(ctx, engine::Engine::kBusyFunction); }

// FUNCTION HELP
void FunctionHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME "
      "argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored "
      "using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a "
      "restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, "
      "abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, "
      "replace the old",
      "      libraries with the new libraries (notice that even on this option there is a "
      "chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kAllowBusy;
using engine::kDenyOom;
using engine::kMayReplicate;
using engine::kNoMandatoryKeys;
using engine::kNoScript;
using engine::kReadOnly;
using engine::kSkipMonitor;
using engine::kStale;
using engine::kWrite;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeyNum;
using engine::KeySpec;
using engine::kKeyAccess;
using engine::kKeyRo;
using engine::kKeyRw;
using engine::kKeyUpdate;

// Key specifications with more than one spec or a shape of their own.
constexpr KeySpec kFcallKeys[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyUpdate, .begin = AtIndex(2), .find = KeyNum(0, 1, 1),
     .notes = "A function may do anything with its keys: assumed read and updated"},
};
constexpr KeySpec kFcallRoKeys[] = {
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(2), .find = KeyNum(0, 1, 1),
     .notes = "A read-only function only reads its keys"},
};

constexpr CommandSpec kFunctionSubcommands[] = {
    {.name = "LOAD", .arity = -3, .flags = kWrite | kDenyOom | kNoScript, .handler = FunctionLoad,
     .summary = "Creates a library.", .since = "7.0.0",
     .complexity = "O(1) (considering compilation time is redundant)",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "DELETE", .arity = 3, .flags = kWrite | kNoScript, .handler = FunctionDelete,
     .summary = "Deletes a library and its functions.", .since = "7.0.0", .complexity = "O(1)",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "FLUSH", .arity = -2, .flags = kWrite | kNoScript, .handler = FunctionFlush,
     .summary = "Deletes all libraries and functions.", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions deleted",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "LIST", .arity = -2, .flags = kNoScript, .handler = FunctionList,
     .summary = "Returns information about all libraries.", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions",
     .tips = "nondeterministic_output_order"},
    {.name = "DUMP", .arity = 2, .flags = kNoScript, .handler = FunctionDump,
     .summary = "Dumps all libraries into a serialized binary payload.", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions"},
    {.name = "RESTORE", .arity = -3, .flags = kWrite | kDenyOom | kNoScript,
     .handler = FunctionRestore,
     .summary = "Restores all libraries from a payload.", .since = "7.0.0",
     .complexity = "O(N) where N is the number of functions on the payload",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "STATS", .arity = 2, .flags = kNoScript | kAllowBusy, .handler = FunctionStats,
     .summary = "Returns information about a function during execution.", .since = "7.0.0",
     .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
    {.name = "KILL", .arity = 2, .flags = kNoScript | kAllowBusy, .handler = FunctionKill,
     .summary = "Terminates a function during execution.", .since = "7.0.0",
     .complexity = "O(1)",
     .tips = "request_policy:all_shards response_policy:one_succeeded"},
    {.name = "HELP", .arity = 2, .flags = engine::kLoading | kStale, .handler = FunctionHelp,
     .summary = "Returns helpful text about the different subcommands.", .since = "7.0.0",
     .complexity = "O(1)"},
};

constexpr uint32_t kFCallFlags = kNoScript | kSkipMonitor | kMayReplicate | kNoMandatoryKeys | kStale;

constexpr CommandSpec kFunctionCommands[] = {
    {.name = "FCALL", .arity = -3, .flags = kFCallFlags, .handler = FCall,
     .find_keys = NumKeysAt2, .needs_all_shards = FCallNeedsAllShards,
     .summary = "Invokes a function.", .since = "7.0.0",
     .complexity = "Depends on the function that is executed.",
     .key_specs = kFcallKeys},
    {.name = "FCALL_RO", .arity = -3, .flags = (kFCallFlags & ~kMayReplicate) | kReadOnly,
     .handler = FCallRo, .find_keys = NumKeysAt2, .needs_all_shards = FCallNeedsAllShards,
     .summary = "Invokes a read-only function.", .since = "7.0.0",
     .complexity = "Depends on the function that is executed.",
     .key_specs = kFcallRoKeys},
    {.name = "FUNCTION", .arity = -2, .flags = engine::kNoFamilyAcl, .subcommands = kFunctionSubcommands,
     .summary = "A container for function commands.", .since = "7.0.0",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterFunctionFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclScripting, "scripting", kFunctionCommands);
}

}  // namespace cinnabar::commands

// ScriptHost: what a running script reaches the server through. The engine implements it;
// the scripting library never sees shards, threads or clients.
//
// Threading: a ScriptHost is used only on the thread that runs the script, for the length
// of one Eval / FCall.
#pragma once

#include <span>
#include <string_view>

#include "base/io_buf.h"

namespace cinnabar::scripting {

// Log levels of redis.log (Redis's LL_DEBUG .. LL_WARNING).
inline constexpr int kLogDebug = 0;
inline constexpr int kLogVerbose = 1;
inline constexpr int kLogNotice = 2;
inline constexpr int kLogWarning = 3;

// Propagation flags of redis.set_repl (Redis's PROPAGATE_AOF / PROPAGATE_REPL).
inline constexpr int kReplNone = 0;
inline constexpr int kReplAof = 1;
inline constexpr int kReplReplica = 2;
inline constexpr int kReplAll = kReplAof | kReplReplica;

class ScriptHost {
 public:
  virtual ~ScriptHost() = default;

  // redis.call / redis.pcall: runs one command and appends exactly one complete RESP reply
  // to `out`, in protocol `resp` (2 or 3, as the script chose with redis.setresp). Errors
  // the command table decides (unknown command, arity, not allowed from scripts, a write
  // in a read-only script, OOM, ...) come back as error replies ("-ERR ...\r\n"); the
  // library turns them into Lua errors or error tables as Redis does.
  virtual void Call(std::span<const std::string_view> args, int resp, base::IoBuf* out) = 0;

  // redis.log, with `level` in kLogDebug..kLogWarning. Filtering by verbosity is the host's.
  virtual void Log(int level, std::string_view message) = 0;

  // redis.set_repl(flags), flags a combination of kRepl*.
  virtual void SetRepl(int flags) = 0;

  // redis.acl_check_cmd: true when the calling user may run `args` (args[0] is the command
  // name). Sets `*known` to false when there is no such command (Redis then raises
  // "Invalid command passed to redis.acl_check_cmd()").
  virtual bool AclCheck(std::span<const std::string_view> args, bool* known) = 0;

  // Polled from an instruction-count hook (every RunOptions::hook_instructions Lua
  // instructions). How long the script has run is the host's business (busy replies,
  // SCRIPT KILL / FUNCTION KILL); returning true stops the script with Redis's
  // "Script killed by user with SCRIPT KILL..." error, which pcall cannot catch.
  virtual bool ShouldStop() = 0;
};

}  // namespace cinnabar::scripting

// ScriptCaller: the ScriptHost of a script that EVAL or FCALL runs. Its redis.call runs
// commands through the engine's Invoke (engine/invoke.h), with the script as the caller
// (its own database and RESP version, "in script", read-only when the script is), placed
// where the script's own command runs: on its shard, or under the locks it holds.
//
// Threading: on the thread running the script's command, for the length of one run.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "scripting/script_host.h"

namespace cinnabar::engine {
class CommandContext;
struct CommandEntry;
}  // namespace cinnabar::engine

namespace cinnabar::commands {

struct RunningScript;
class ScriptRuntime;

// redis.log: a script's line in the server log at `level` (kLogDebug..kLogWarning).
void LogFromScript(int level, std::string_view message);

class ScriptCaller : public scripting::ScriptHost {
 public:
  // `id` names the script for routing (script_runtime.h); `keys` are its declared KEYS;
  // `function` names an FCALL's function (empty for EVAL).
  ScriptCaller(engine::CommandContext& ctx, std::string id,
               std::span<const std::string_view> keys, bool read_only,
               std::string_view function = {});
  ~ScriptCaller() override;

  // Redis compat (scriptFlagsToCmdFlags): a script or function that declared flags but
  // neither allow-oom nor no-writes (`writes`) is a denyoom command, refused up front while
  // the process is over maxmemory; legacy EVAL scripts may start (see set_allow_oom).
  static bool RefusedForMemory(engine::CommandContext& ctx, bool writes, bool allow_oom);

  // allow-oom: denyoom commands run even over maxmemory. Without it they are refused while
  // the script has not written yet and the process was over maxmemory when it started
  // (Redis compat: a script that wrote cannot stop halfway).
  void set_allow_oom(bool allow) { allow_oom_ = allow; }

  void Call(std::span<const std::string_view> args, int resp, base::IoBuf* out) override;
  void Log(int level, std::string_view message) override;
  void SetRepl(int flags) override { repl_flags_ = flags; }
  bool AclCheck(std::span<const std::string_view> args, bool* known) override;
  bool ShouldStop() override;

 private:
  // Whether `cmd`'s keys in `args` can be reached from where the script runs; notes keys
  // outside the declared shards.
  bool Reachable(const engine::CommandEntry& cmd, std::span<const std::string_view> args);
  // Past busy-reply-threshold: becomes the busy script, if none is.
  void BecomeBusy();
  // SHUTDOWN NOSAVE stopped this busy script: its client is cut off without a reply.
  void DropClient();

  engine::CommandContext& ctx_;
  ScriptRuntime& runtime_;
  RunningScript& running_;
  std::string id_;
  std::vector<unsigned> declared_;  // shards of the declared keys, ascending
  bool read_only_;
  int db_;
  int repl_flags_;
  int64_t polls_left_;       // ShouldStop polls before the instruction budget ends; -1: none
  bool undeclared_ = false;  // touched a key on a shard no declared key is on
  bool strayed_ = false;     // tried a key it could not reach from here
  std::string function_;     // FCALL's function, or empty
  int64_t start_us_;
  bool wrote_ = false;
  bool busy_ = false;        // this is the busy script
  bool allow_oom_ = false;
  bool oom_at_start_;        // over maxmemory when the script started
};

}  // namespace cinnabar::commands

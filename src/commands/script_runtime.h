// The scripting state the commands share: the process-wide script cache, function registry
// and what is known about which scripts keep to their declared keys; and each thread's Lua
// interpreters. Kept as engine extensions (engine/extension.h), made on first use.
//
// Routing (DESIGN.md §2): a script's declared KEYS route it like any command's keys. A
// script may also touch keys it did not declare (Redis allows it outside cluster mode); a
// run on the declared shards alone could not reach those. So a script runs with every
// shard locked until one such run showed it keeps to its declared shards; from then on its
// KEYS route it. One that strays again afterwards gets an error for that call and goes
// back to running with every shard locked (docs/compatibility.md).
//
// Threading: ScriptRuntime is thread-safe; a ThreadScripting belongs to its worker's
// thread; RunningScript's fields are atomics any thread may read (SCRIPT KILL).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "engine/extension.h"
#include "scripting/function_registry.h"
#include "scripting/lua_engine.h"
#include "scripting/script_cache.h"

namespace cinnabar::engine {
class CommandContext;
class Engine;
class Worker;
}  // namespace cinnabar::engine

namespace cinnabar::commands {

// The busy script: the one that ran past busy-reply-threshold (Engine::busy_script says
// which kind), for SCRIPT KILL, FUNCTION KILL and FUNCTION STATS. Scripts on several
// threads may run at once; at most one is busy at a time (others wait their turn).
struct RunningScript {
  std::atomic<const void*> owner{nullptr};  // the busy script's ScriptCaller
  std::atomic<bool> wrote{false};           // it ran a write command: it cannot be killed
  std::atomic<bool> kill{false};            // SCRIPT KILL / SHUTDOWN NOSAVE: stop it
  std::atomic<bool> shutdown{false};        // SHUTDOWN NOSAVE: its client gets no reply
  // FUNCTION STATS' running_script, set when it became busy.
  std::mutex mu;
  std::string name;
  std::vector<std::string> command;
  int64_t start_ms = 0;
};

// Bounds on every EVAL / FCALL run. The server keeps the defaults; an embedder that runs
// untrusted scripts unattended (tests/fuzz/eval_fuzz.cc) tightens them.
struct ScriptLimits {
  // Bytes each of a thread's interpreters may allocate. Redis sets no limit; ours bounds a
  // runaway script (string.rep bombs are one C call, which no instruction hook can stop)
  // below what would take the whole server down.
  size_t memory_limit = size_t{1} << 30;
  // ShouldStop is polled every this many Lua instructions (scripting::RunOptions).
  int hook_instructions = 100000;
  // A run is stopped as SCRIPT KILL stops one (with its error, and even after a write)
  // once it has run about this many Lua instructions (counted in hook_instructions steps),
  // or once the process's used memory (base::UsedMemory) is over max_used_memory when the
  // hook polls. 0: no such bound.
  int64_t max_instructions = 0;
  int64_t max_used_memory = 0;
};

class ScriptRuntime : public engine::Extension {
 public:
  // REQUIRES: before the first script or function runs (threads read the limits without a
  // lock, and each thread's interpreters take memory_limit when they are made).
  void set_limits(const ScriptLimits& limits) { limits_ = limits; }
  const ScriptLimits& limits() const { return limits_; }
  scripting::RunOptions run_options() const {
    return {.hook_instructions = limits_.hook_instructions};
  }

  scripting::ScriptCache& scripts() { return scripts_; }
  scripting::FunctionRegistry& functions() { return functions_; }
  RunningScript& running() { return running_; }

  // Routing knowledge, by script id ("<sha>" or "f:<function name>"). A script once seen
  // touching a key outside its declared shards never routes by its keys again, so one
  // whose keys vary by call does not keep failing calls.
  bool KeepsToDeclaredKeys(std::string_view id) const;
  void Learned(std::string_view id, bool keeps);
  // Bumped by every change of that knowledge (threads cache it).
  uint64_t routing_generation() const { return generation_.load(std::memory_order_acquire); }
  // SCRIPT FLUSH / FUNCTION FLUSH: forgets what was learned.
  void ForgetRouting();

 private:
  ScriptLimits limits_;
  scripting::ScriptCache scripts_;
  scripting::FunctionRegistry functions_;
  RunningScript running_;
  mutable std::mutex mu_;
  std::unordered_set<std::string> keeps_;
  std::unordered_set<std::string> strays_;
  std::atomic<uint64_t> generation_{0};
};

class ThreadScripting : public engine::Extension {
 public:
  explicit ThreadScripting(ScriptRuntime& runtime)
      : runtime_(runtime),
        lua_(runtime.scripts(), runtime.functions(),
             {.memory_limit = runtime.limits().memory_limit}) {}
  scripting::LuaEngine& lua() { return lua_; }
  // ScriptRuntime::KeepsToDeclaredKeys through this thread's cache.
  bool KeepsToDeclaredKeys(std::string_view id);

 private:
  ScriptRuntime& runtime_;
  scripting::LuaEngine lua_;
  std::unordered_map<std::string, bool> routing_;
  uint64_t routing_generation_ = 0;
};

ScriptRuntime& Runtime(engine::Engine& eng);

// What scripting holds, as INFO memory reports it: every thread's interpreters and the
// process's script cache and function libraries. Any thread.
struct ScriptMemory {
  size_t eval_vm = 0;        // used_memory_vm_eval (used_memory_lua)
  size_t functions_vm = 0;   // used_memory_vm_functions
  size_t scripts_eval = 0;   // used_memory_scripts_eval: the cached bodies
  size_t functions = 0;      // used_memory_functions: the libraries
  size_t cached_scripts = 0;
  size_t function_count = 0;
  size_t library_count = 0;
};
ScriptMemory MeasureScriptMemory(engine::Engine& eng);

// SCRIPT KILL (`kind` kBusyEval) and FUNCTION KILL (kBusyFunction): stops the busy script
// of that kind unless it wrote; answers Redis's errors otherwise.
void KillBusyScript(engine::CommandContext& ctx, int kind);
// SHUTDOWN NOSAVE while a script is busy: stops it whatever it did.
void StopBusyScript(engine::Engine& eng);
// REQUIRES: on `w`'s thread.
ThreadScripting& ThreadState(engine::Worker& w);

}  // namespace cinnabar::commands

// LuaEngine: one thread's Lua interpreters (one for EVAL scripts, one for FUNCTION
// libraries, as in Redis), running scripts from the shared ScriptCache and functions
// from the shared FunctionRegistry. It compiles lazily: a script loaded on another thread
// is compiled here the first time it runs here, and whatever was compiled is dropped when
// the cache is flushed or the registry changes.
//
// Threading: a LuaEngine belongs to one thread (create one per thread); it may be
// created and destroyed on that thread only. The cache and the registry it refers to
// must outlive it and may be shared by all threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "scripting/function_registry.h"
#include "scripting/script_cache.h"
#include "scripting/script_host.h"

struct lua_State;

namespace cinnabar::protocol {
class ReplyBuilder;
}

namespace cinnabar::scripting {

struct RunOptions {
  // ScriptHost::ShouldStop is polled every this many Lua instructions; 0 never polls
  // (Redis sets no hook when busy-reply-threshold is 0).
  int hook_instructions = 100000;
};

class LuaEngine {
 public:
  struct Options {
    // Bytes each interpreter may allocate; beyond it allocations fail and the script
    // errors with "not enough memory". 0: no limit (as Redis).
    size_t memory_limit = 0;
  };

  LuaEngine(ScriptCache& scripts, FunctionRegistry& functions, Options options);
  LuaEngine(ScriptCache& scripts, FunctionRegistry& functions)
      : LuaEngine(scripts, functions, Options{}) {}
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // SCRIPT LOAD, and EVAL of a body not cached yet: parses the shebang, compiles the
  // code and adds it to the cache. On failure returns null and sets `*error` to Redis's
  // text ("ERR Error compiling script (new function): user_script:1: ...").
  std::shared_ptr<const CachedScript> LoadScript(std::string_view body, std::string* error);

  // Runs `script` with KEYS and ARGV set and writes exactly one reply (or error) through
  // `reply`, in the protocol `reply.resp()` says. The caller has checked the script's
  // flags (read-only, OOM, routing) already.
  void Eval(const CachedScript& script, std::span<const std::string_view> keys,
            std::span<const std::string_view> argv, ScriptHost& host,
            protocol::ReplyBuilder& reply, const RunOptions& options = {});

  // FUNCTION LOAD [REPLACE]: checks the library's metadata, runs its code to collect its
  // functions (redis.log at load time goes to `log`, which may be null) and adds it to
  // the registry. Returns the library's name, or "" and Redis's text in `*error`.
  std::string FunctionLoad(std::string_view code, bool replace, ScriptHost* log,
                           std::string* error);

  // FCALL / FCALL_RO of a function the caller found (FunctionRegistry::FindFunction) and
  // whose flags it checked: runs it with the KEYS and ARGV tables as its arguments.
  void FCall(const FunctionRef& function, std::span<const std::string_view> keys,
             std::span<const std::string_view> argv, ScriptHost& host,
             protocol::ReplyBuilder& reply, const RunOptions& options = {});

  // Bytes the interpreters hold (INFO used_memory_lua / used_memory_vm_functions).
  size_t eval_memory() const;
  size_t functions_memory() const;

  struct Interpreter;  // defined in lua_engine.cc

 private:
  struct CompiledLibrary {
    std::shared_ptr<const Library> library;
    std::unordered_map<std::string, int> refs;  // function name -> registry ref
  };

  void DropStaleScripts();
  void DropStaleLibraries();
  int CompiledScript(const CachedScript& script, std::string* error);
  const CompiledLibrary* Compiled(const std::shared_ptr<const Library>& library,
                                  std::string* error);

  ScriptCache& scripts_;
  FunctionRegistry& functions_;
  std::unique_ptr<Interpreter> eval_;
  std::unique_ptr<Interpreter> function_;
  std::unordered_map<std::string, int> compiled_scripts_;  // sha -> registry ref
  uint64_t scripts_generation_ = 0;
  std::unordered_map<std::string, CompiledLibrary> compiled_libraries_;  // by library name
  uint64_t functions_generation_ = 0;
  unsigned gc_countdown_ = 0;
};

}  // namespace cinnabar::scripting

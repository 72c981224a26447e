// Shared by the files that implement LuaEngine: the Lua headers, the per-run context a
// script reaches through the Lua registry, and the helpers that raise Redis-shaped errors.
// Not part of the library's interface.
//
// Errors: the library links Debian's C++ build of Lua 5.1 (liblua5.1-c++), where
// lua_error throws a C++ exception instead of longjmp-ing, so C functions called from Lua
// may hold objects with destructors (std::string, std::vector) when they raise. Never
// write catch (...) in this library: it would swallow Lua errors.
//
// Threading: a lua_State and everything reached through it belong to one thread.
#pragma once

#include <lua.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scripting/script_host.h"

namespace cinnabar::scripting::internal {

// Which of an engine's two interpreters a lua_State is (Redis keeps EVAL scripts and
// FUNCTION libraries in separate interpreters too).
enum class StateKind { kEval, kFunction };

// The state of one Eval / FCall, reachable from Lua while it runs.
struct RunContext {
  ScriptHost* host = nullptr;
  std::string_view name;  // the script's SHA or the function's name, for error texts
  int resp = 2;           // redis.setresp
  bool in_call = false;   // inside redis.call (recursion through hooks is refused)
  bool killed = false;    // ShouldStop said yes: raise at every line from now on
};

// Per-interpreter data kept in the Lua registry.
struct StateData {
  StateKind kind = StateKind::kEval;
  RunContext* run = nullptr;  // null between runs
  bool loading = false;       // running a library's code for FUNCTION LOAD
  void* loader = nullptr;     // the function loader of that load (function_loader.cc)
  ScriptHost* log_sink = nullptr;  // where redis.log goes outside a run (FUNCTION LOAD)
  lua_State* main = nullptr;  // the interpreter's main thread (hooks are per coroutine)
  int64_t load_deadline_ns = 0;  // FUNCTION LOAD's timeout, steady clock
  uint64_t rand_state = 0;    // math.random's 48-bit state
};

StateData* GetStateData(lua_State* L);
void SetStateData(lua_State* L, StateData* data);

// Pushes Redis's error table {err = "<CODE> <message>"}: `text` either starts with '-'
// and a code ("-WRONGTYPE ..."), or is a bare message that gets the "ERR" code.
void PushErrorTable(lua_State* L, std::string_view text);
// PushErrorTable, then raises it. Never returns.
int RaiseErrorTable(lua_State* L, std::string_view text);
// Raises a plain string error with no position (as a C function's error in Redis's
// patched Lua would read). Never returns.
int RaiseString(lua_State* L, std::string_view text);

// lua_sandbox.cc: loads the libraries, removes what Redis removes, makes the globals and
// every library table read-only, installs math.random. Leaves the stack as it found it.
void InstallSandbox(lua_State* L, StateKind kind);
// lua_safe_base.cc: replaces the base functions that bypass metatables, loadstring, load,
// cjson.encode and math.random; removes dofile, loadfile, print, newproxy, setfenv and
// getfenv. Called by InstallSandbox before the tables are protected.
void InstallSafeBase(lua_State* L);
// Pushes the real (writable) globals table behind the read-only view.
void PushRealGlobals(lua_State* L);
// Makes the globals view the thread's globals again (scripts cannot change them, since
// setfenv is gone; this keeps the invariant explicit).
void RestoreGlobals(lua_State* L);
// When the value at `index` is a read-only view, pushes the real table behind it and
// returns true; else pushes nothing. The real table must never reach script code.
bool PushViewTarget(lua_State* L, int index);
// True when the table at `index` is a read-only view.
bool IsReadonlyView(lua_State* L, int index);
// Pushes a read-only view of the table at `index` (its table values are protected too).
void PushReadonlyView(lua_State* L, int index);
// Makes reads of missing keys in the table at the top of the stack raise the
// nonexistent-global error.
void SetMissingGlobalError(lua_State* L);
// FUNCTION LOAD: points global lookups at `api_index` (a table) instead of the globals,
// or back at the globals when `api_index` is 0.
void SetGlobalsFallback(lua_State* L, int api_index);

// lua_redis_api.cc: the `redis` table for running scripts and functions.
void RegisterRedisApi(lua_State* L, StateKind kind);
// Pushes the `redis` table FUNCTION LOAD's code sees (register_function, log, constants).
void PushLoadRedisApi(lua_State* L, lua_CFunction register_function);

// The message handler of every pcall the engine makes: turns any error value into
// Redis's error table and records the source and line it came from.
int ErrorHandler(lua_State* L);

// resp_to_lua.cc: pushes the Lua value of one RESP reply (RESP2 or RESP3 as received).
// Raises a Lua error on a malformed reply.
void PushReply(lua_State* L, std::string_view reply);

// lua_to_resp.cc: writes the value at the top of the stack as a reply and pops it.
// `script_resp` is redis.setresp's version (it decides how booleans are written).
}  // namespace cinnabar::scripting::internal

namespace cinnabar::protocol {
class ReplyBuilder;
}

namespace cinnabar::scripting::internal {
void WriteReply(lua_State* L, protocol::ReplyBuilder& reply, int script_resp);
}  // namespace cinnabar::scripting::internal

#include "scripting/function_registry.h"

namespace cinnabar::scripting::internal {

// function_loader.cc: what running a library's code collected.
struct LoadedFunction {
  FunctionInfo info;
  int ref = LUA_NOREF;  // the callback, in the Lua registry
};
struct LibraryLoad {
  std::vector<LoadedFunction> functions;
};

// Builds FUNCTION LOAD's restricted globals once per interpreter (at creation).
void InstallLoadApi(lua_State* L);
// Runs a library's code (from `code_offset`, shebang excluded) with the restricted
// globals, collecting what redis.register_function registers into `out`. Returns the
// empty string, or Redis's error text (and then references nothing).
std::string RunLibraryCode(lua_State* L, std::string_view code, size_t code_offset,
                           LibraryLoad* out);
// Releases the callbacks `load` references.
void ReleaseLoad(lua_State* L, LibraryLoad* load);

// lua_engine.cc: the instruction-count hook (SCRIPT KILL, FUNCTION LOAD's timeout).
void SetCountHook(lua_State* L, int instructions);
void ClearHook(lua_State* L);

}  // namespace cinnabar::scripting::internal

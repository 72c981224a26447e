#include "scripting/lua_engine.h"

#include <atomic>

#include <chrono>
#include <cstdlib>
#include <string>

#include "protocol/errors.h"
#include "protocol/reply_builder.h"
#include "scripting/lua_internal.h"
#include "scripting/script_errors.h"

namespace cinnabar::scripting {

using internal::RunContext;
using internal::StateData;
using internal::StateKind;

// One lua_State with its allocator accounting and registry data.
struct LuaEngine::Interpreter {
  lua_State* L = nullptr;
  StateData data;
  // Written only by the owning thread; INFO reads it from any (eval_memory).
  std::atomic<size_t> bytes{0};
  size_t limit = 0;
};

namespace {

void* Allocate(void* ud, void* ptr, size_t osize, size_t nsize) {
  auto* in = static_cast<LuaEngine::Interpreter*>(ud);
  const size_t bytes = in->bytes.load(std::memory_order_relaxed);
  if (nsize == 0) {
    std::free(ptr);
    in->bytes.store(bytes - osize, std::memory_order_relaxed);
    return nullptr;
  }
  if (in->limit != 0 && nsize > osize && bytes - osize + nsize > in->limit) return nullptr;
  void* p = std::realloc(ptr, nsize);
  if (p == nullptr) return nullptr;
  in->bytes.store(bytes - osize + nsize, std::memory_order_relaxed);
  return p;
}

// Runs `f(L)` inside lua_cpcall, so that no Lua error (out of memory included) can escape
// as an uncaught exception. Returns false when `f` raised.
template <typename F>
int Trampoline(lua_State* L) {
  (*static_cast<F*>(lua_touserdata(L, 1)))(L);
  return 0;
}
template <typename F>
bool Protected(lua_State* L, F& f) {
  int top = lua_gettop(L);
  bool ok = lua_cpcall(L, &Trampoline<F>, &f) == 0;
  lua_settop(L, top);
  return ok;
}

std::unique_ptr<LuaEngine::Interpreter> NewInterpreter(StateKind kind, size_t limit) {
  auto in = std::make_unique<LuaEngine::Interpreter>();
  in->data.kind = kind;
  in->L = lua_newstate(Allocate, in.get());
  if (in->L == nullptr) std::abort();
  in->data.main = in->L;
  // The limit applies once the sandbox is built: building it must not fail.
  auto setup = [&](lua_State* L) {
    internal::SetStateData(L, &in->data);
    internal::InstallSandbox(L, kind);
    if (kind == StateKind::kFunction) internal::InstallLoadApi(L);
  };
  if (!Protected(in->L, setup)) std::abort();
  in->limit = limit;
  return in;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void CountHook(lua_State* L, lua_Debug*) {
  StateData* data = internal::GetStateData(L);
  if (data->loading) {
    if (NowNs() > data->load_deadline_ns) {
      internal::RaiseErrorTable(L, errors::kLoadTimeout.substr(4));
    }
    return;
  }
  RunContext* run = data->run;
  if (run == nullptr) return;
  if (!run->killed && !run->host->ShouldStop()) return;
  if (!run->killed) {
    run->killed = true;
    // From now on the hook fires at every line, so a pcall that caught the error cannot
    // keep the script running.
    lua_sethook(L, CountHook, LUA_MASKLINE | LUA_MASKCOUNT, 1);
    if (L != data->main) lua_sethook(data->main, CountHook, LUA_MASKLINE | LUA_MASKCOUNT, 1);
  }
  internal::RaiseErrorTable(L, errors::kScriptKilled.substr(4));
}

void PushArray(lua_State* L, std::span<const std::string_view> items) {
  lua_createtable(L, static_cast<int>(items.size()), 0);
  for (size_t i = 0; i < items.size(); ++i) {
    lua_pushlstring(L, items[i].data(), items[i].size());
    lua_rawseti(L, -2, static_cast<int>(i + 1));
  }
}

std::string StringAt(lua_State* L, int index) {
  size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  return s ? std::string(s, len) : std::string();
}

// Redis's text for a failed run, from the error value at the top of the stack:
// "<err> script: <name>, on <source>:<line>." (raw reads only: no metamethod runs).
std::string RunErrorText(lua_State* L, std::string_view name) {
  if (!lua_istable(L, -1)) {
    std::string msg = lua_isstring(L, -1) ? StringAt(L, -1) : "execution failure";
    if (msg.size() > 100) msg.resize(100);
    return "ERR Error running script " + std::string(name) + ", " + msg;
  }
  auto field = [&](const char* key) {
    lua_pushstring(L, key);
    lua_rawget(L, -2);
    std::string value = lua_isstring(L, -1) ? StringAt(L, -1) : std::string();
    bool present = lua_isstring(L, -1) != 0;
    lua_pop(L, 1);
    return std::make_pair(present, value);
  };
  auto [has_err, err] = field("err");
  auto [has_source, source] = field("source");
  auto [has_line, line] = field("line");
  // Redis compat: the text ends at a NUL (Redis formats it as a C string).
  std::string text = has_err ? std::string(protocol::errors::CutAtNul(err))
                             : std::string(errors::kUnknownError);
  if (has_source && has_line) {
    text += " script: " + std::string(name) + ", on " + source + ":" + line + ".";
  }
  return text;
}

// What a protected run produced: the reply bytes, or an error text.
struct RunResult {
  base::IoBuf out;
  std::string error;
};

// Calls the function below `nargs` arguments at the top of the stack (the error handler
// sits right below the function) and writes its result into `result`.
void CallAndConvert(lua_State* L, int nargs, RunContext& run, int caller_resp,
                    const RunOptions& options, RunResult* result) {
  int handler = lua_gettop(L) - nargs - 1;
  if (options.hook_instructions > 0) internal::SetCountHook(L, options.hook_instructions);
  int status = lua_pcall(L, nargs, 1, handler);
  internal::ClearHook(L);
  if (status != 0) {
    result->error = RunErrorText(L, run.name);
    return;
  }
  protocol::ReplyBuilder builder(&result->out, caller_resp);
  internal::WriteReply(L, builder, run.resp);
}

// Moves a run's outcome into the caller's reply, so that a top-level error goes through
// ReplyBuilder::Error (and is counted by its observer).
void Deliver(RunResult& result, bool completed, std::string_view name,
             protocol::ReplyBuilder& reply) {
  if (!completed) {
    reply.Error("ERR Error running script " + std::string(name) + ", not enough memory");
    return;
  }
  if (!result.error.empty()) {
    reply.Error(result.error);
    return;
  }
  std::string_view bytes = result.out.view();
  if (bytes.size() >= 3 && bytes[0] == '-' && bytes.find("\r\n") == bytes.size() - 2) {
    reply.Error(bytes.substr(1, bytes.size() - 3));
  } else {
    reply.Raw(bytes);
  }
}

}  // namespace

namespace internal {

void SetCountHook(lua_State* L, int instructions) {
  lua_sethook(L, CountHook, LUA_MASKCOUNT, instructions);
}

void ClearHook(lua_State* L) {
  lua_sethook(L, nullptr, 0, 0);
  StateData* data = GetStateData(L);
  if (data != nullptr && data->main != nullptr && data->main != L) lua_sethook(data->main, nullptr, 0, 0);
}

}  // namespace internal

LuaEngine::LuaEngine(ScriptCache& scripts, FunctionRegistry& functions, Options options)
    : scripts_(scripts),
      functions_(functions),
      eval_(NewInterpreter(StateKind::kEval, options.memory_limit)),
      function_(NewInterpreter(StateKind::kFunction, options.memory_limit)),
      scripts_generation_(scripts.generation()),
      functions_generation_(functions.generation()) {}

LuaEngine::~LuaEngine() {
  lua_close(eval_->L);
  lua_close(function_->L);
}

size_t LuaEngine::eval_memory() const { return eval_->bytes.load(std::memory_order_relaxed); }
size_t LuaEngine::functions_memory() const {
  return function_->bytes.load(std::memory_order_relaxed);
}

void LuaEngine::DropStaleScripts() {
  uint64_t generation = scripts_.generation();
  if (generation == scripts_generation_) return;
  scripts_generation_ = generation;
  for (auto& [sha, ref] : compiled_scripts_) luaL_unref(eval_->L, LUA_REGISTRYINDEX, ref);
  compiled_scripts_.clear();
  lua_gc(eval_->L, LUA_GCCOLLECT, 0);
}

void LuaEngine::DropStaleLibraries() {
  uint64_t generation = functions_.generation();
  if (generation == functions_generation_) return;
  functions_generation_ = generation;
  for (auto& [name, lib] : compiled_libraries_) {
    for (auto& [fn, ref] : lib.refs) luaL_unref(function_->L, LUA_REGISTRYINDEX, ref);
  }
  compiled_libraries_.clear();
  lua_gc(function_->L, LUA_GCCOLLECT, 0);
}

// Compiles `body` from `offset` in the eval interpreter; on success leaves the function
// referenced in the registry and returns the reference.
static int CompileScript(lua_State* L, std::string_view body, size_t offset, std::string* error) {
  int ref = LUA_NOREF;
  auto compile = [&](lua_State* L) {
    std::string_view code = body.substr(offset);
    internal::RestoreGlobals(L);  // the chunk's environment is the globals view
    if (luaL_loadbuffer(L, code.data(), code.size(), "@user_script") != 0) {
      *error = std::string(errors::kCompilingScript) + StringAt(L, -1);
      return;
    }
    ref = luaL_ref(L, LUA_REGISTRYINDEX);
  };
  if (!Protected(L, compile)) *error = std::string(errors::kCompilingScript) + "not enough memory";
  return error->empty() ? ref : LUA_NOREF;
}

std::shared_ptr<const CachedScript> LuaEngine::LoadScript(std::string_view body,
                                                           std::string* error) {
  error->clear();
  EvalShebang shebang = ParseEvalShebang(body);
  if (!shebang.error.empty()) {
    *error = shebang.error;
    return nullptr;
  }
  DropStaleScripts();
  int ref = CompileScript(eval_->L, body, shebang.body_offset, error);
  if (ref == LUA_NOREF) return nullptr;
  std::shared_ptr<const CachedScript> script = scripts_.Add(body, shebang);
  if (!compiled_scripts_.emplace(script->sha, ref).second) {
    luaL_unref(eval_->L, LUA_REGISTRYINDEX, ref);
  }
  return script;
}

int LuaEngine::CompiledScript(const CachedScript& script, std::string* error) {
  auto it = compiled_scripts_.find(script.sha);
  if (it != compiled_scripts_.end()) return it->second;
  int ref = CompileScript(eval_->L, script.body, script.code_offset, error);
  if (ref != LUA_NOREF) compiled_scripts_.emplace(script.sha, ref);
  return ref;
}

void LuaEngine::Eval(const CachedScript& script, std::span<const std::string_view> keys,
                     std::span<const std::string_view> argv, ScriptHost& host,
                     protocol::ReplyBuilder& reply, const RunOptions& options) {
  DropStaleScripts();
  std::string error;
  int ref = CompiledScript(script, &error);
  if (ref == LUA_NOREF) {
    reply.Error(error);
    return;
  }
  lua_State* L = eval_->L;
  RunContext run{.host = &host, .name = script.sha};
  eval_->data.run = &run;
  RunResult result;
  auto body = [&](lua_State* L) {
    internal::RestoreGlobals(L);
    internal::PushRealGlobals(L);
    PushArray(L, keys);
    lua_setfield(L, -2, "KEYS");
    PushArray(L, argv);
    lua_setfield(L, -2, "ARGV");
    lua_pop(L, 1);
    lua_pushcfunction(L, internal::ErrorHandler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    CallAndConvert(L, 0, run, reply.resp(), options, &result);
  };
  bool completed = Protected(L, body);
  internal::ClearHook(L);
  eval_->data.run = nullptr;
  // Redis compat: a small GC step every 50 runs keeps full cycles (and their latency)
  // rare.
  if (++gc_countdown_ >= 50) {
    gc_countdown_ = 0;
    lua_gc(L, LUA_GCSTEP, 50);
  }
  Deliver(result, completed, script.sha, reply);
}

std::string LuaEngine::FunctionLoad(std::string_view code, bool replace, ScriptHost* log,
                                    std::string* error) {
  error->clear();
  LibraryMetadata meta = ParseLibraryMetadata(code);
  if (!meta.error.empty()) {
    *error = meta.error;
    return {};
  }
  if (!replace && functions_.HasLibrary(meta.name)) {
    *error = "ERR Library '" + meta.name + "' already exists";
    return {};
  }
  lua_State* L = function_->L;
  internal::LibraryLoad load;
  function_->data.log_sink = log;
  auto run = [&](lua_State* L) { *error = internal::RunLibraryCode(L, code, meta.code_offset, &load); };
  if (!Protected(L, run)) *error = std::string(errors::kRegisteringFunctions) + "not enough memory";
  function_->data.log_sink = nullptr;
  if (!error->empty()) {
    internal::ReleaseLoad(L, &load);
    return {};
  }
  auto library = std::make_shared<Library>();
  library->name = meta.name;
  library->code = std::string(code);
  library->code_offset = meta.code_offset;
  for (const internal::LoadedFunction& f : load.functions) library->functions.push_back(f.info);
  // The callbacks are compiled again lazily by FCall (the registry's generation changes
  // with this load anyway).
  internal::ReleaseLoad(L, &load);
  *error = functions_.Add(std::move(library), replace);
  return error->empty() ? meta.name : std::string();
}

const LuaEngine::CompiledLibrary* LuaEngine::Compiled(
    const std::shared_ptr<const Library>& library, std::string* error) {
  auto it = compiled_libraries_.find(library->name);
  if (it != compiled_libraries_.end()) {
    if (it->second.library == library) return &it->second;
    for (auto& [fn, ref] : it->second.refs) luaL_unref(function_->L, LUA_REGISTRYINDEX, ref);
    compiled_libraries_.erase(it);
  }
  lua_State* L = function_->L;
  internal::LibraryLoad load;
  auto run = [&](lua_State* L) {
    *error = internal::RunLibraryCode(L, library->code, library->code_offset, &load);
  };
  if (!Protected(L, run)) *error = std::string(errors::kRegisteringFunctions) + "not enough memory";
  if (!error->empty()) {
    internal::ReleaseLoad(L, &load);
    return nullptr;
  }
  CompiledLibrary compiled{.library = library, .refs = {}};
  for (const internal::LoadedFunction& f : load.functions) compiled.refs[f.info.name] = f.ref;
  return &compiled_libraries_.emplace(library->name, std::move(compiled)).first->second;
}

void LuaEngine::FCall(const FunctionRef& function, std::span<const std::string_view> keys,
                      std::span<const std::string_view> argv, ScriptHost& host,
                      protocol::ReplyBuilder& reply, const RunOptions& options) {
  DropStaleLibraries();
  std::string error;
  const CompiledLibrary* lib = Compiled(function.library, &error);
  if (lib == nullptr) {
    reply.Error(error);
    return;
  }
  auto it = lib->refs.find(function.function->name);
  if (it == lib->refs.end()) {
    reply.Error(errors::kFunctionNotFound);
    return;
  }
  int ref = it->second;
  lua_State* L = function_->L;
  RunContext run{.host = &host, .name = function.function->name};
  function_->data.run = &run;
  RunResult result;
  auto body = [&](lua_State* L) {
    internal::RestoreGlobals(L);
    lua_pushcfunction(L, internal::ErrorHandler);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ref);
    PushArray(L, keys);
    PushArray(L, argv);
    CallAndConvert(L, 2, run, reply.resp(), options, &result);
  };
  bool completed = Protected(L, body);
  internal::ClearHook(L);
  function_->data.run = nullptr;
  if (++gc_countdown_ >= 50) {
    gc_countdown_ = 0;
    lua_gc(L, LUA_GCSTEP, 50);
  }
  Deliver(result, completed, function.function->name, reply);
}

}  // namespace cinnabar::scripting

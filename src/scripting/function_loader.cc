// FUNCTION LOAD's side of a library: its code runs with globals that hold nothing but a
// small `redis` table (register_function, log, LOG_*, REDIS_VERSION*), as in Redis 7.0,
// and every redis.register_function call is checked and collected.
#include <cctype>
#include <chrono>
#include <string>

#include "base/string_util.h"
#include "scripting/lua_internal.h"
#include "scripting/script_errors.h"
#include "scripting/script_flags.h"

namespace cinnabar::scripting::internal {
namespace {


constexpr char kLoadApiKey[] = "cinnabar.load_api";
constexpr auto kLoadTimeout = std::chrono::milliseconds(500);

std::string StringAt(lua_State* L, int index) {
  size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  return std::string(s, len);
}

// Reads the flags table at `index` into `*bits`; raises on an unknown flag.
void ReadFlags(lua_State* L, int index, uint32_t* bits) {
  lua_pushnil(L);
  while (lua_next(L, index) != 0) {
    std::optional<ScriptFlag> flag;
    if (lua_type(L, -1) == LUA_TSTRING) flag = FlagFromName(StringAt(L, -1));
    if (!flag) RaiseErrorTable(L, errors::kRegisterUnknownFlag);
    *bits |= *flag;
    lua_pop(L, 1);
  }
}

// redis.register_function{function_name=, callback=, flags=, description=}: leaves the
// callback at the top of the stack.
void ReadNamedArguments(lua_State* L, FunctionInfo* info) {
  bool has_name = false;
  bool has_callback = false;
  lua_pushnil(L);
  while (lua_next(L, 1) != 0) {
    std::string key = lua_type(L, -2) == LUA_TSTRING ? StringAt(L, -2) : std::string();
    if (key == "function_name") {
      if (!lua_isstring(L, -1)) RaiseErrorTable(L, errors::kRegisterNameNotString);
      info->name = StringAt(L, -1);
      has_name = true;
    } else if (key == "callback") {
      if (!lua_isfunction(L, -1)) RaiseErrorTable(L, errors::kRegisterCallbackNotFunction);
      lua_pushvalue(L, -1);
      lua_replace(L, 2);  // keep it in slot 2
      has_callback = true;
    } else if (key == "flags") {
      if (!lua_istable(L, -1)) RaiseErrorTable(L, errors::kRegisterFlagsNotTable);
      ReadFlags(L, lua_gettop(L), &info->flags);
    } else if (key == "description") {
      if (!lua_isstring(L, -1)) RaiseErrorTable(L, errors::kRegisterDescriptionNotString);
      info->description = StringAt(L, -1);
    } else {
      RaiseErrorTable(L, errors::kRegisterUnknownArgument);
    }
    lua_pop(L, 1);
  }
  if (!has_name) RaiseErrorTable(L, errors::kRegisterNoName);
  if (!has_callback) RaiseErrorTable(L, errors::kRegisterNoCallback);
  lua_settop(L, 2);
}

int RegisterFunction(lua_State* L) {
  StateData* data = GetStateData(L);
  auto* load = static_cast<LibraryLoad*>(data->loader);
  if (!data->loading || load == nullptr) return RaiseErrorTable(L, errors::kRegisterOutsideLoad);
  LoadedFunction fn;
  int argc = lua_gettop(L);
  if (argc == 1) {
    if (!lua_istable(L, 1)) return RaiseErrorTable(L, errors::kRegisterSingleArg);
    lua_settop(L, 2);
    ReadNamedArguments(L, &fn.info);
  } else if (argc == 2) {
    if (!lua_isstring(L, 1)) return RaiseErrorTable(L, errors::kRegisterNameNotString);
    if (!lua_isfunction(L, 2)) return RaiseErrorTable(L, errors::kRegisterNotFunction);
    fn.info.name = StringAt(L, 1);
  } else {
    return RaiseErrorTable(L, errors::kRegisterArgCount);
  }
  if (!IsValidFunctionName(fn.info.name)) return RaiseErrorTable(L, errors::kBadFunctionName);
  for (const LoadedFunction& other : load->functions) {
    // Redis compat: names compare case-insensitively.
    if (base::EqualsIgnoreCase(other.info.name, fn.info.name)) {
      return RaiseErrorTable(L, errors::kFunctionExistsInLibrary);
    }
  }
  lua_pushvalue(L, 2);
  fn.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  load->functions.push_back(std::move(fn));
  return 0;
}

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

void InstallLoadApi(lua_State* L) {
  lua_newtable(L);
  PushLoadRedisApi(L, RegisterFunction);
  lua_setfield(L, -2, "redis");
  SetMissingGlobalError(L);
  PushReadonlyView(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kLoadApiKey);
  lua_pop(L, 1);
}

void ReleaseLoad(lua_State* L, LibraryLoad* load) {
  for (LoadedFunction& f : load->functions) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
  load->functions.clear();
}

std::string RunLibraryCode(lua_State* L, std::string_view code, size_t code_offset,
                           LibraryLoad* out) {
  int base = lua_gettop(L);
  lua_pushcfunction(L, ErrorHandler);
  std::string_view lua_code = code.substr(code_offset);
  if (luaL_loadbuffer(L, lua_code.data(), lua_code.size(), "@user_function") != 0) {
    std::string error = std::string(errors::kCompilingFunction) + StringAt(L, -1);
    lua_settop(L, base);
    return error;
  }
  StateData* data = GetStateData(L);
  RestoreGlobals(L);
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadApiKey);
  SetGlobalsFallback(L, -1);
  lua_pop(L, 1);
  data->loading = true;
  data->loader = out;
  data->load_deadline_ns = NowNs() + std::chrono::nanoseconds(kLoadTimeout).count();
  SetCountHook(L, 100000);
  int status = lua_pcall(L, 0, 0, base + 1);
  ClearHook(L);
  data->loading = false;
  data->loader = nullptr;
  SetGlobalsFallback(L, 0);

  std::string error;
  if (status != 0) {
    error = std::string(errors::kRegisteringFunctions);
    if (lua_istable(L, -1)) {
      lua_pushstring(L, "err");
      lua_rawget(L, -2);
      error += lua_isstring(L, -1) ? StringAt(L, -1) : std::string(errors::kUnknownError);
    } else {
      error += lua_isstring(L, -1) ? StringAt(L, -1) : std::string("execution failure");
    }
  } else if (out->functions.empty()) {
    error = std::string(errors::kNoFunctionsRegistered);
  }
  if (!error.empty()) ReleaseLoad(L, out);
  lua_settop(L, base);
  return error;
}

}  // namespace cinnabar::scripting::internal

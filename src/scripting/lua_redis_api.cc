// The `redis` table scripts and functions see (redis.call, pcall, error_reply, log, ...),
// Redis's replacement of the global pcall, and the message handler that shapes errors.
#include <cstdio>
#include <string>
#include <vector>

#include "scripting/lua_internal.h"
#include "scripting/script_errors.h"
#include "scripting/sha1.h"

namespace cinnabar::scripting::internal {
namespace {

constexpr char kStateDataKey[] = "cinnabar.state";
// Redis 7.0.15: REDIS_VERSION and REDIS_VERSION_NUM (major << 16 | minor << 8 | patch).
constexpr char kRedisVersion[] = "7.0.15";
constexpr int kRedisVersionNum = 0x07000f;

// Redis converts a Lua number to a C int with a plain cast; out-of-range values (and NaN)
// are undefined there, and map to `fallback` here.
int ToInt(lua_Number n, int fallback) {
  if (!(n > -2147483648.0 && n < 2147483648.0)) return fallback;
  return static_cast<int>(n);
}

RunContext* RunOrRaise(lua_State* L, const char* what) {
  RunContext* run = GetStateData(L)->run;
  if (run == nullptr) {
    RaiseErrorTable(L, std::string(what) + " can only be called inside a script invocation");
  }
  return run;
}

// The arguments of redis.call / pcall / acl_check_cmd as strings, or false after pushing
// the error table (Redis's luaArgsToRedisArgv).
bool CollectArgs(lua_State* L, std::vector<std::string>* args) {
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, errors::kCallNoArgs);
    return false;
  }
  args->reserve(static_cast<size_t>(argc));
  for (int i = 1; i <= argc; ++i) {
    int type = lua_type(L, i);
    if (type == LUA_TNUMBER) {
      // Redis compat: numbers are sent as "%.17g", not Lua's shorter "%.14g".
      char buf[64];
      int n = std::snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, i)));
      args->emplace_back(buf, static_cast<size_t>(n));
    } else if (type == LUA_TSTRING) {
      size_t len = 0;
      const char* s = lua_tolstring(L, i, &len);
      args->emplace_back(s, len);
    } else {
      lua_settop(L, 0);
      PushErrorTable(L, errors::kCallBadArgs);
      return false;
    }
  }
  lua_settop(L, 0);
  return true;
}

int GenericCall(lua_State* L, bool raise) {
  RunContext* run = RunOrRaise(L, "redis.call/pcall");
  std::vector<std::string> args;
  if (!CollectArgs(L, &args)) return raise ? lua_error(L) : 1;
  if (run->in_call) {
    run->host->Log(kLogWarning, errors::kRecursiveCall);
    PushErrorTable(L, errors::kRecursiveCall);
    return 1;
  }
  std::vector<std::string_view> views(args.begin(), args.end());
  base::IoBuf out;
  run->in_call = true;
  run->host->Call(views, run->resp, &out);
  run->in_call = false;
  std::string_view reply = out.view();
  PushReply(L, reply);
  if (raise && !reply.empty() && reply[0] == '-') return lua_error(L);
  return 1;
}

int RedisCall(lua_State* L) { return GenericCall(L, true); }
int RedisPCall(lua_State* L) { return GenericCall(L, false); }

// Redis compat: the global pcall returns the "err" string of an error table, so scripts
// written for Redis 6 (whose errors were strings) keep working.
int Pcall(lua_State* L) {
  int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0) != 0) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      lua_pushstring(L, "err");
      lua_rawget(L, -2);
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int Sha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseErrorTable(L, errors::kWrongArgs);
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);  // Redis compat: a non-string hashes as ""
  std::string digest = scripting::Sha1Hex(std::string_view(s ? s : "", s ? len : 0));
  lua_pushlstring(L, digest.data(), digest.size());
  return 1;
}

int ErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, errors::kWrongArgsOrType);
    return 1;
  }
  // Redis compat: the text ends at a NUL (Redis copies it as a C string).
  std::string text(lua_tostring(L, 1));
  if (text.empty() || text[0] != '-') text.insert(0, "-");
  PushErrorTable(L, text);
  return 1;
}

int StatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, errors::kWrongArgsOrType);
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, 1);
  lua_rawset(L, -3);
  return 1;
}

int Log(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return RaiseErrorTable(L, errors::kLogArgs);
  if (!lua_isnumber(L, 1)) return RaiseErrorTable(L, errors::kLogLevelNotNumber);
  int level = ToInt(lua_tonumber(L, 1), -1);
  if (level < kLogDebug || level > kLogWarning) return RaiseErrorTable(L, errors::kLogLevel);
  std::string message;
  for (int i = 2; i <= argc; ++i) {
    size_t len = 0;
    const char* s = lua_tolstring(L, i, &len);
    if (s == nullptr) continue;
    if (i != 2) message += ' ';
    message.append(s, len);
  }
  StateData* data = GetStateData(L);
  if (data->run != nullptr) {
    data->run->host->Log(level, message);
  } else if (data->log_sink != nullptr) {
    data->log_sink->Log(level, message);
  }
  return 0;
}

int SetResp(lua_State* L) {
  RunContext* run = RunOrRaise(L, "redis.setresp");
  if (lua_gettop(L) != 1) return RaiseErrorTable(L, errors::kSetRespArgs);
  int resp = ToInt(lua_tonumber(L, 1), 0);
  if (resp != 2 && resp != 3) return RaiseErrorTable(L, errors::kSetRespVersion);
  run->resp = resp;
  return 0;
}

int SetRepl(lua_State* L) {
  RunContext* run = RunOrRaise(L, "redis.set_repl");
  if (lua_gettop(L) != 1) return RaiseErrorTable(L, errors::kSetReplArgs);
  int flags = ToInt(lua_tonumber(L, 1), -1);
  if ((flags & ~kReplAll) != 0) return RaiseErrorTable(L, errors::kSetReplFlags);
  run->host->SetRepl(flags);
  return 0;
}

int AclCheckCmd(lua_State* L) {
  RunContext* run = RunOrRaise(L, "redis.acl_check_cmd");
  std::vector<std::string> args;
  if (!CollectArgs(L, &args)) return lua_error(L);
  std::vector<std::string_view> views(args.begin(), args.end());
  bool known = true;
  bool allowed = run->host->AclCheck(views, &known);
  if (!known) return RaiseErrorTable(L, errors::kAclInvalidCommand);
  lua_pushboolean(L, allowed ? 1 : 0);
  return 1;
}

// Not debugging (Cinnabar has no LDB): breakpoint answers false, debug does nothing.
int Breakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}
int Debug(lua_State*) { return 0; }
int ReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

void SetFunction(lua_State* L, const char* name, lua_CFunction fn) {
  lua_pushcfunction(L, fn);
  lua_setfield(L, -2, name);
}
void SetNumber(lua_State* L, const char* name, lua_Number n) {
  lua_pushnumber(L, n);
  lua_setfield(L, -2, name);
}

// Appends the printable form of any value, as tostring would (without metamethods).
std::string ValueText(lua_State* L, int index) {
  switch (lua_type(L, index)) {
    case LUA_TNIL:
      return "nil";
    case LUA_TBOOLEAN:
      return lua_toboolean(L, index) ? "true" : "false";
    case LUA_TNUMBER:
    case LUA_TSTRING: {
      size_t len = 0;
      const char* s = lua_tolstring(L, index, &len);
      return std::string(s, len);
    }
    default: {
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%s: %p", lua_typename(L, lua_type(L, index)),
                    lua_topointer(L, index));
      return buf;
    }
  }
}

}  // namespace

StateData* GetStateData(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kStateDataKey);
  auto* data = static_cast<StateData*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return data;
}

void SetStateData(lua_State* L, StateData* data) {
  lua_pushlightuserdata(L, data);
  lua_setfield(L, LUA_REGISTRYINDEX, kStateDataKey);
}

void PushErrorTable(lua_State* L, std::string_view text) {
  std::string_view code = "ERR";
  std::string_view msg = text;
  if (!text.empty() && text[0] == '-') {
    size_t space = text.find(' ');
    if (space == std::string_view::npos) {
      msg = text.substr(1);
    } else {
      code = text.substr(1, space - 1);
      msg = text.substr(space + 1);
    }
  }
  // Redis compat: CR and LF are trimmed from both ends of the message (sdstrim).
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.remove_prefix(1);
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.remove_suffix(1);
  std::string final_text;
  final_text.reserve(code.size() + 1 + msg.size());
  final_text.append(code).append(" ").append(msg);
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, final_text.data(), final_text.size());
  lua_rawset(L, -3);
}

int RaiseErrorTable(lua_State* L, std::string_view text) {
  PushErrorTable(L, text);
  return lua_error(L);
}

int RaiseString(lua_State* L, std::string_view text) {
  lua_pushlstring(L, text.data(), text.size());
  return lua_error(L);
}

int ErrorHandler(lua_State* L) {
  // Level 0 is this handler, level 1 what raised; when that is a C function (error,
  // redis.call), Redis reports the Lua code that called it.
  lua_Debug ar;
  bool located = false;
  if (lua_getstack(L, 1, &ar) && lua_getinfo(L, "Sl", &ar)) {
    located = true;
    if (std::string_view(ar.what) == "C") {
      located = lua_getstack(L, 2, &ar) && lua_getinfo(L, "Sl", &ar);
    }
  }
  lua_settop(L, 1);
  if (lua_istable(L, 1) && IsReadonlyView(L, 1)) {
    // Redis compat: error(string) makes Redis's handler (Lua code) write to a read-only
    // table; that fails at line 10 of its source, and the handler reports that failure.
    std::string text = "ERR err_handler_def:10: " + std::string(errors::kReadonlyTable);
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushlstring(L, text.data(), text.size());
    lua_rawset(L, -3);
    lua_pushstring(L, "source");
    lua_pushstring(L, "@err_handler_def");
    lua_rawset(L, -3);
    lua_pushstring(L, "line");
    lua_pushnumber(L, 10);
    lua_rawset(L, -3);
    return 1;
  }
  if (!lua_istable(L, 1)) {
    std::string text = "ERR " + ValueText(L, 1);
    lua_newtable(L);
    lua_pushstring(L, "err");
    lua_pushlstring(L, text.data(), text.size());
    lua_rawset(L, -3);
    lua_replace(L, 1);
  }
  if (located) {
    lua_pushstring(L, "source");
    lua_pushstring(L, ar.source);
    lua_rawset(L, 1);
    lua_pushstring(L, "line");
    lua_pushnumber(L, ar.currentline);
    lua_rawset(L, 1);
  }
  return 1;
}

void RegisterRedisApi(lua_State* L, StateKind kind) {
  lua_pushcfunction(L, Pcall);
  lua_setglobal(L, "pcall");

  lua_newtable(L);
  SetFunction(L, "call", RedisCall);
  SetFunction(L, "pcall", RedisPCall);
  SetFunction(L, "log", Log);
  SetNumber(L, "LOG_DEBUG", kLogDebug);
  SetNumber(L, "LOG_VERBOSE", kLogVerbose);
  SetNumber(L, "LOG_NOTICE", kLogNotice);
  SetNumber(L, "LOG_WARNING", kLogWarning);
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  SetFunction(L, "setresp", SetResp);
  SetFunction(L, "sha1hex", Sha1Hex);
  SetFunction(L, "error_reply", ErrorReply);
  SetFunction(L, "status_reply", StatusReply);
  SetFunction(L, "set_repl", SetRepl);
  SetNumber(L, "REPL_NONE", kReplNone);
  SetNumber(L, "REPL_AOF", kReplAof);
  SetNumber(L, "REPL_SLAVE", kReplReplica);
  SetNumber(L, "REPL_REPLICA", kReplReplica);
  SetNumber(L, "REPL_ALL", kReplAll);
  SetFunction(L, "acl_check_cmd", AclCheckCmd);
  // Redis compat: a function at run time has no redis.register_function (it is nil).
  if (kind == StateKind::kEval) {
    SetFunction(L, "breakpoint", Breakpoint);
    SetFunction(L, "debug", Debug);
    SetFunction(L, "replicate_commands", ReplicateCommands);
  }
  lua_setglobal(L, "redis");
}

// The `redis` table of FUNCTION LOAD's code: register_function, log and the constants.
void PushLoadRedisApi(lua_State* L, lua_CFunction register_function) {
  lua_newtable(L);
  SetFunction(L, "register_function", register_function);
  SetFunction(L, "log", Log);
  SetNumber(L, "LOG_DEBUG", kLogDebug);
  SetNumber(L, "LOG_VERBOSE", kLogVerbose);
  SetNumber(L, "LOG_NOTICE", kLogNotice);
  SetNumber(L, "LOG_WARNING", kLogWarning);
  SetNumber(L, "REDIS_VERSION_NUM", kRedisVersionNum);
  lua_pushstring(L, kRedisVersion);
  lua_setfield(L, -2, "REDIS_VERSION");
  SetMissingGlobalError(L);
}

}  // namespace cinnabar::scripting::internal

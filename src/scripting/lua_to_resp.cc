// A script's Lua result as a RESP reply, as Redis 7.0 converts it:
//   string -> bulk     number -> integer (truncated)     nil -> null
//   false -> null (RESP2 script) or false (after redis.setresp(3))
//   true  -> 1 (RESP2 script) or true (after redis.setresp(3))
//   {err=s} -> error   {ok=s} -> status   {double=n}   {big_number=s}
//   {verbatim_string={format=,string=}}   {map={...}}   {set={...}}
//   any other table -> array of t[1], t[2], ... up to the first nil.
// Only raw accesses: no metamethod runs, so nothing here can raise outside a pcall.
#include <cmath>
#include <cstdint>
#include <string>

#include "protocol/errors.h"
#include "protocol/reply_builder.h"
#include "scripting/lua_internal.h"
#include "scripting/script_errors.h"

namespace cinnabar::scripting::internal {
namespace {

// Redis casts the double to long long; on x86-64 a NaN or out-of-range value becomes
// INT64_MIN, which we produce without the undefined behaviour.
int64_t TruncateToInt64(lua_Number n) {
  if (!(n >= -9223372036854775808.0 && n < 9223372036854775808.0)) return INT64_MIN;
  return static_cast<int64_t>(n);
}

std::string NoNewlines(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == '\r' || c == '\n') c = ' ';
  }
  return out;
}

std::string_view StringAt(lua_State* L, int index) {
  size_t len = 0;
  const char* s = lua_tolstring(L, index, &len);
  return {s, len};
}

// Pushes t[key] of the table at the top of the stack (raw) and returns its type.
int RawField(lua_State* L, const char* key) {
  lua_pushstring(L, key);
  lua_rawget(L, -2);
  return lua_type(L, -1);
}

void WriteTable(lua_State* L, protocol::ReplyBuilder& reply, int script_resp);

void WriteValue(lua_State* L, protocol::ReplyBuilder& reply, int script_resp) {
  if (!lua_checkstack(L, 4)) {
    reply.Error(errors::kStackLimit);
    lua_pop(L, 1);
    return;
  }
  switch (lua_type(L, -1)) {
    case LUA_TSTRING:
      reply.Bulk(StringAt(L, -1));
      break;
    case LUA_TBOOLEAN: {
      bool b = lua_toboolean(L, -1) != 0;
      if (script_resp == 2) {
        if (b) {
          reply.Integer(1);
        } else {
          reply.Null();
        }
      } else {
        reply.Bool(b);
      }
      break;
    }
    case LUA_TNUMBER:
      reply.Integer(TruncateToInt64(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE:
      WriteTable(L, reply, script_resp);
      return;  // WriteTable pops
    default:
      reply.Null();
  }
  lua_pop(L, 1);
}

// Writes the map or set at the top of the stack (the inner table), then pops it.
void WriteMapOrSet(lua_State* L, protocol::ReplyBuilder& reply, int script_resp, bool map) {
  size_t n = 0;
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    ++n;
    lua_pop(L, 1);
  }
  if (map) {
    reply.MapHeader(n);
  } else {
    reply.SetHeader(n);
  }
  lua_pushnil(L);
  while (lua_next(L, -2) != 0) {
    if (map) {
      lua_pushvalue(L, -2);  // a copy of the key: converting must not disturb lua_next
      WriteValue(L, reply, script_resp);
      WriteValue(L, reply, script_resp);
    } else {
      lua_pop(L, 1);
      lua_pushvalue(L, -1);
      WriteValue(L, reply, script_resp);
    }
  }
  lua_pop(L, 1);
}

void WriteTable(lua_State* L, protocol::ReplyBuilder& reply, int script_resp) {
  // Redis compat: error and status texts end at a NUL (Redis copies them as C strings).
  if (RawField(L, "err") == LUA_TSTRING) {
    reply.Error(protocol::errors::CutAtNul(StringAt(L, -1)));
    lua_pop(L, 2);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "ok") == LUA_TSTRING) {
    reply.SimpleString(NoNewlines(protocol::errors::CutAtNul(StringAt(L, -1))));
    lua_pop(L, 2);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "double") == LUA_TNUMBER) {
    reply.Double(lua_tonumber(L, -1));
    lua_pop(L, 2);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "big_number") == LUA_TSTRING) {
    std::string digits = NoNewlines(StringAt(L, -1));
    if (reply.resp() >= 3) {
      reply.Raw("(" + digits + "\r\n");
    } else {
      reply.Bulk(digits);
    }
    lua_pop(L, 2);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "verbatim_string") == LUA_TTABLE) {
    if (RawField(L, "format") == LUA_TSTRING) {
      lua_pushstring(L, "string");
      lua_rawget(L, -3);
      if (lua_type(L, -1) == LUA_TSTRING) {
        // Redis compat: only the first three characters of the format are sent.
        std::string_view format = StringAt(L, -2).substr(0, 3);
        reply.Verbatim(StringAt(L, -1), format);
        lua_pop(L, 4);
        return;
      }
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (RawField(L, "map") == LUA_TTABLE) {
    WriteMapOrSet(L, reply, script_resp, true);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  if (RawField(L, "set") == LUA_TTABLE) {
    WriteMapOrSet(L, reply, script_resp, false);
    lua_pop(L, 1);
    return;
  }
  lua_pop(L, 1);
  size_t n = 0;
  for (;;) {
    lua_rawgeti(L, -1, static_cast<int>(n + 1));
    bool nil = lua_isnil(L, -1);
    lua_pop(L, 1);
    if (nil || n >= INT32_MAX - 1) break;
    ++n;
  }
  reply.ArrayHeader(n);
  for (size_t i = 1; i <= n; ++i) {
    lua_rawgeti(L, -1, static_cast<int>(i));
    WriteValue(L, reply, script_resp);
  }
  lua_pop(L, 1);
}

}  // namespace

void WriteReply(lua_State* L, protocol::ReplyBuilder& reply, int script_resp) {
  WriteValue(L, reply, script_resp);
}

}  // namespace cinnabar::scripting::internal

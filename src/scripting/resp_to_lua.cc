// A command's RESP reply as the Lua value redis.call returns, as Redis 7.0 converts it:
//   integer -> number          bulk -> string          null bulk / null array -> false
//   array -> table 1..n        status -> {ok=s}        error -> {err=s}
// and, after redis.setresp(3):
//   map -> {map={k=v}}         set -> {set={m=true}}   null -> nil      boolean -> boolean
//   double -> {double=n}       big number -> {big_number=s}
//   verbatim -> {verbatim_string={format=f, string=s}}  attributes are dropped.
#include <string>

#include "scripting/lua_internal.h"
#include "scripting/resp_reader.h"
#include "scripting/script_errors.h"

namespace cinnabar::scripting::internal {
namespace {

void NeedStack(lua_State* L, int n) {
  if (!lua_checkstack(L, n)) luaL_error(L, "%s", std::string(errors::kStackLimit).c_str());
}

void Malformed(lua_State* L) { luaL_error(L, "malformed reply from a command called by a script"); }

void PushField(lua_State* L, const char* key, std::string_view value) {
  lua_pushstring(L, key);
  lua_pushlstring(L, value.data(), value.size());
  lua_rawset(L, -3);
}

void PushValue(lua_State* L, RespReader& reader) {
  RespItem item;
  if (!reader.Next(&item)) Malformed(L);
  NeedStack(L, 5);
  using Kind = RespItem::Kind;
  switch (item.kind) {
    case Kind::kInteger:
      lua_pushnumber(L, static_cast<lua_Number>(item.integer));
      return;
    case Kind::kBulk:
      lua_pushlstring(L, item.text.data(), item.text.size());
      return;
    case Kind::kNullBulk:
    case Kind::kNullArray:
      lua_pushboolean(L, 0);
      return;
    case Kind::kSimple:
      lua_newtable(L);
      PushField(L, "ok", item.text);
      return;
    case Kind::kError: {
      std::string text = "-" + std::string(item.text);
      PushErrorTable(L, text);
      // Redis compat: marks the error as counted already (by the command that failed).
      lua_pushstring(L, "ignore_error_stats_update");
      lua_pushboolean(L, 1);
      lua_rawset(L, -3);
      return;
    }
    case Kind::kArray:
    case Kind::kPush:
      // Redis compat: not presized, so with RESP3 nulls (nil) `#` finds the border Redis's
      // does.
      lua_newtable(L);
      for (size_t i = 0; i < item.count; ++i) {
        PushValue(L, reader);
        lua_rawseti(L, -2, static_cast<int>(i + 1));
      }
      return;
    case Kind::kMap:
      lua_newtable(L);
      lua_pushstring(L, "map");
      lua_newtable(L);
      for (size_t i = 0; i < item.count; ++i) {
        PushValue(L, reader);
        PushValue(L, reader);
        lua_settable(L, -3);  // a nil key raises "table index is nil", as in Redis
      }
      lua_rawset(L, -3);
      return;
    case Kind::kSet:
      lua_newtable(L);
      lua_pushstring(L, "set");
      lua_newtable(L);
      for (size_t i = 0; i < item.count; ++i) {
        PushValue(L, reader);
        NeedStack(L, 1);
        lua_pushboolean(L, 1);
        lua_settable(L, -3);
      }
      lua_rawset(L, -3);
      return;
    case Kind::kAttribute:
      for (size_t i = 0; i < 2 * item.count; ++i) {
        if (!reader.Skip()) Malformed(L);
      }
      PushValue(L, reader);
      return;
    case Kind::kNull:
      lua_pushnil(L);
      return;
    case Kind::kBool:
      lua_pushboolean(L, item.integer != 0);
      return;
    case Kind::kDouble:
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, item.number);
      lua_rawset(L, -3);
      return;
    case Kind::kBigNumber:
      lua_newtable(L);
      PushField(L, "big_number", item.text);
      return;
    case Kind::kVerbatim:
      lua_newtable(L);
      lua_pushstring(L, "verbatim_string");
      lua_newtable(L);
      PushField(L, "string", item.text);
      PushField(L, "format", item.format);
      lua_rawset(L, -3);
      return;
  }
}

}  // namespace

void PushReply(lua_State* L, std::string_view reply) {
  RespReader reader(reply);
  PushValue(L, reader);
}

}  // namespace cinnabar::scripting::internal

// The sandbox every interpreter runs in, as Redis 7.0 builds it: the base, table, string
// and math libraries, cjson, bit, cmsgpack and struct; no io, os, package, debug, dofile,
// loadfile, print, newproxy, setfenv or getfenv; the globals and every library table
// read-only; reading a missing global an error; math.random deterministic.
//
// Redis makes tables read-only with a flag its own copy of Lua checks on every write.
// Debian's Lua has no such flag, so a protected table is replaced by an empty *view*
// whose metatable reads through to the real table and refuses writes (__newindex), and
// the few library functions that bypass metatables are wrapped to see through or refuse
// views (lua_safe_base.cc). cmsgpack sees through views by itself (kTableProxiesKey).
#include <string>

#include "scripting/lua_internal.h"
#include "scripting/script_errors.h"

extern "C" {
#include <lua-bitop.h>
#include <lua-cjson.h>
}

#include "scripting/lua_cmsgpack.h"
#include "scripting/lua_struct.h"

namespace cinnabar::scripting::internal {
namespace {

constexpr const char* kViewsKey = kTableProxiesKey;  // weak map: view -> real table
constexpr char kGlobalsMetaKey[] = "cinnabar.globals_meta";  // the globals view's metatable
constexpr char kRealGlobalsKey[] = "cinnabar.real_globals";
constexpr char kGlobalsViewKey[] = "cinnabar.globals_view";

// ---- Read-only views -------------------------------------------------------------------

// __newindex of every view: the write happens in Lua code, so the message gets its
// position ("user_script:1: Attempt to modify a readonly table").
int ViewNewIndex(lua_State* L) {
  return luaL_error(L, "%s", std::string(errors::kReadonlyTable).c_str());
}

// __index of the real globals: a missing global is an error.
int MissingGlobal(lua_State* L) {
  const char* name = lua_tostring(L, 2);
  std::string text = std::string(errors::kNonexistentGlobal) + (name ? name : "?") + "'";
  return luaL_error(L, "%s", text.c_str());
}

// Replaces, recursively, every table value (not already a view) of the table at the top
// of the stack by a read-only view of it, then pushes a view of that table. `seen` (a table at absolute index `seen`) maps real tables to their views,
// so shared or cyclic tables get one view.
void MakeViewRecursive(lua_State* L, int seen) {
  int real = lua_gettop(L);
  lua_pushvalue(L, real);
  lua_rawget(L, seen);
  if (!lua_isnil(L, -1)) return;  // already has a view: leave it on the stack
  lua_pop(L, 1);
  // Register the view first, so a cycle back to this table finds it.
  lua_newtable(L);  // the view
  int view = lua_gettop(L);
  lua_pushvalue(L, real);
  lua_pushvalue(L, view);
  lua_rawset(L, seen);
  // Children first.
  lua_pushnil(L);
  while (lua_next(L, real) != 0) {
    if (lua_istable(L, -1) && !IsReadonlyView(L, -1)) {
      lua_pushvalue(L, -2);  // key
      lua_pushvalue(L, -2);  // child table
      MakeViewRecursive(L, seen);
      // stack: key, child, key, child, childview
      lua_remove(L, -2);
      lua_rawset(L, real);  // real[key] = childview; lua_next tolerates assigning existing keys
    }
    lua_pop(L, 1);
  }
  lua_newtable(L);  // the view's metatable
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ViewNewIndex);
  lua_setfield(L, -2, "__newindex");
  lua_pushboolean(L, 0);
  lua_setfield(L, -2, "__metatable");  // the metatable itself stays out of reach
  lua_setmetatable(L, view);
  lua_getfield(L, LUA_REGISTRYINDEX, kViewsKey);
  lua_pushvalue(L, view);
  lua_pushvalue(L, real);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  // Leave only the view above `real`.
}

// Redis compat: getmetatable answers the `__metatable` field of the metatable at
// `meta`: make it a read-only table holding `field` = the value at the top (popped).
void SetPublicMetatable(lua_State* L, int meta, const char* field) {
  lua_newtable(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, field);
  PushReadonlyView(L, -1);
  lua_setfield(L, meta, "__metatable");
  lua_pop(L, 1);
}

// ---- Setup -------------------------------------------------------------------------------

void OpenLibrary(lua_State* L, const char* name, lua_CFunction open) {
  lua_pushcfunction(L, open);
  lua_pushstring(L, name);
  lua_call(L, 1, 1);
  if (name[0] != '\0' && lua_istable(L, -1)) {
    lua_setglobal(L, name);
  } else {
    lua_pop(L, 1);
  }
}

void OpenLibraries(lua_State* L) {
  OpenLibrary(L, "", luaopen_base);
  OpenLibrary(L, LUA_TABLIBNAME, luaopen_table);
  OpenLibrary(L, LUA_STRLIBNAME, luaopen_string);
  OpenLibrary(L, LUA_MATHLIBNAME, luaopen_math);
  OpenLibrary(L, "cjson", luaopen_cjson);
  OpenLibrary(L, "bit", luaopen_bit);
  OpenLibrary(L, "cmsgpack", LuaOpenCmsgpack);
  OpenLibrary(L, "struct", LuaOpenStruct);
}

}  // namespace

void InstallSandbox(lua_State* L, StateKind kind) {
  lua_newtable(L);  // views -> real tables, weak keys
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kViewsKey);

  OpenLibraries(L);
  InstallSafeBase(L);
  RegisterRedisApi(L, kind);
  // Redis compat: Redis's message handler is a global too (ours is ErrorHandler).
  lua_pushcfunction(L, ErrorHandler);
  lua_setglobal(L, "__redis__err__handler");

  // Protect everything reachable from the globals, and the string metatable.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  int real = lua_gettop(L);
  lua_pushvalue(L, real);
  lua_setfield(L, LUA_REGISTRYINDEX, kRealGlobalsKey);
  lua_pushnil(L);
  lua_setfield(L, real, "_G");  // re-pointed at the view below
  lua_newtable(L);
  int seen = lua_gettop(L);
  lua_pushvalue(L, real);
  MakeViewRecursive(L, seen);  // stack: real, seen, real, view
  int view = lua_gettop(L);
  lua_pushvalue(L, view);
  lua_setfield(L, real, "_G");
  lua_pushvalue(L, view);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsViewKey);
  lua_getmetatable(L, view);
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsMetaKey);
  lua_pushcfunction(L, MissingGlobal);
  SetPublicMetatable(L, lua_gettop(L) - 1, "__index");
  lua_pop(L, 1);

  // The string metatable: __index is the string view, and getmetatable('') a view of
  // a table holding only that.
  lua_pushstring(L, "");
  lua_getmetatable(L, -1);
  int string_meta = lua_gettop(L);
  lua_getfield(L, real, LUA_STRLIBNAME);
  lua_setfield(L, string_meta, "__index");
  lua_getfield(L, real, LUA_STRLIBNAME);
  SetPublicMetatable(L, string_meta, "__index");
  lua_settop(L, view);

  // The real globals: a missing name is an error.
  lua_newtable(L);
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, real);

  lua_pushvalue(L, view);
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, real - 1);
}

void RestoreGlobals(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsViewKey);
  lua_replace(L, LUA_GLOBALSINDEX);
}

bool PushViewTarget(lua_State* L, int index) {
  if (!lua_istable(L, index)) return false;
  if (index < 0 && index > LUA_REGISTRYINDEX) index = lua_gettop(L) + index + 1;
  lua_getfield(L, LUA_REGISTRYINDEX, kViewsKey);
  lua_pushvalue(L, index);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  if (lua_istable(L, -1)) return true;
  lua_pop(L, 1);
  return false;
}

bool IsReadonlyView(lua_State* L, int index) {
  if (!PushViewTarget(L, index)) return false;
  lua_pop(L, 1);
  return true;
}

void PushRealGlobals(lua_State* L) { lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobalsKey); }

void PushReadonlyView(lua_State* L, int index) {
  if (index < 0 && index > LUA_REGISTRYINDEX) index = lua_gettop(L) + index + 1;
  lua_newtable(L);
  int seen = lua_gettop(L);
  lua_pushvalue(L, index);
  MakeViewRecursive(L, seen);  // seen, real, view
  lua_replace(L, seen);
  lua_pop(L, 1);
}

// Reads of missing names in a table at the top of the stack raise the nonexistent-global
// error (used for FUNCTION LOAD's restricted globals and its `redis` table).
void SetMissingGlobalError(lua_State* L) {
  lua_newtable(L);
  lua_pushcfunction(L, MissingGlobal);
  lua_setfield(L, -2, "__index");
  lua_setmetatable(L, -2);
}

void SetGlobalsFallback(lua_State* L, int api_index) {
  if (api_index < 0 && api_index > LUA_REGISTRYINDEX) api_index = lua_gettop(L) + api_index + 1;
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsMetaKey);
  if (api_index == 0) {
    PushRealGlobals(L);
  } else {
    lua_pushvalue(L, api_index);
  }
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
}

}  // namespace cinnabar::scripting::internal

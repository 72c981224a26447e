// The sandbox every interpreter runs in, as Redis 7.0 builds it: the base, table, string
// and math libraries, cjson, bit, cmsgpack and struct; no io, os, package, debug, dofile,
// loadfile, print or newproxy; the globals and every library table read-only; reading a
// missing global an error; math.random deterministic.
//
// Redis makes tables read-only with a flag its own copy of Lua checks on every write.
// Debian's Lua has no such flag, so a protected table is replaced by an empty *view*
// whose metatable reads through to the real table and refuses writes (__newindex), and
// the few library functions that bypass metatables (rawset, setmetatable, next, pairs,
// rawget, table.insert/remove/sort/setn) are wrapped to see through or refuse views.
#include <cmath>
#include <cstring>
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

constexpr char kViewsKey[] = "cinnabar.views";          // weak map: view -> real table
constexpr char kGlobalsMetaKey[] = "cinnabar.globals_meta";  // the globals view's metatable
constexpr char kRealGlobalsKey[] = "cinnabar.real_globals";
constexpr char kGlobalsViewKey[] = "cinnabar.globals_view";

// ---- Read-only views -------------------------------------------------------------------

// Pushes the real table behind the view at `index`, or nothing and returns false.
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

bool IsView(lua_State* L, int index) { return IsReadonlyView(L, index); }

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

// Replaces, recursively, every table value of the table at the top of the stack by a
// read-only view of it (skipping `skip`, the globals table itself), then pushes a view of
// that table. `seen` (a table at absolute index `seen`) maps real tables to their views,
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
    if (lua_istable(L, -1)) {
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

// ---- Wrapped base functions --------------------------------------------------------------

int SafeRawSet(lua_State* L) {
  if (IsView(L, 1)) return RaiseString(L, errors::kReadonlyTable);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int SafeSetMetatable(lua_State* L) {
  if (IsView(L, 1)) return RaiseString(L, errors::kReadonlyTable);
  lua_pushvalue(L, lua_upvalueindex(1));  // the original setmetatable
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// Replaces argument 1 by the real table when it is a view.
void SeeThrough(lua_State* L) {
  if (PushViewTarget(L, 1)) lua_replace(L, 1);
}

int SafeNext(lua_State* L) {
  SeeThrough(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int SafePairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // our next
  lua_pushvalue(L, 1);
  lua_pushnil(L);
  return 3;
}

// getfenv of a C function answers the table its environment really is, the writable
// globals: answer the view instead.
int SafeGetfenv(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, kRealGlobalsKey);
  if (lua_rawequal(L, -1, -2)) {
    lua_pop(L, 2);
    lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsViewKey);
  } else {
    lua_pop(L, 1);
  }
  return 1;
}

int SafeRawGet(lua_State* L) {
  SeeThrough(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

// table.insert / remove / sort / setn: refuse views, else call the original (upvalue 1).
int RefuseViewThenCall(lua_State* L) {
  if (IsView(L, 1)) return RaiseString(L, errors::kReadonlyTable);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

// loadstring / load refuse precompiled chunks: Lua 5.1 does not verify bytecode, so a
// crafted chunk could corrupt memory. (Redis's Lua refuses them the same way.)
int SafeLoadString(lua_State* L) {
  size_t len = 0;
  const char* s = luaL_checklstring(L, 1, &len);
  const char* name = luaL_optstring(L, 2, s);
  if (len > 0 && s[0] == LUA_SIGNATURE[0]) {
    lua_pushnil(L);
    lua_pushstring(L, "bytecode loading is not allowed");
    return 2;
  }
  if (luaL_loadbuffer(L, s, len, name) == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

int SafeLoad(lua_State* L) {
  // Collect the pieces the reader returns, then load them as a string.
  luaL_checktype(L, 1, LUA_TFUNCTION);
  const char* name = luaL_optstring(L, 2, "=(load)");
  luaL_Buffer b;
  lua_settop(L, 2);
  luaL_buffinit(L, &b);
  for (;;) {
    lua_pushvalue(L, 1);
    lua_call(L, 0, 1);
    if (lua_isnil(L, -1)) {
      lua_pop(L, 1);
      break;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "reader function must return a string");
    luaL_addvalue(&b);
  }
  luaL_pushresult(&b);
  lua_pushcfunction(L, SafeLoadString);
  lua_insert(L, -2);
  lua_pushstring(L, name);
  lua_call(L, 2, 2);
  return 2;
}

// ---- math.random -------------------------------------------------------------------------

// Redis compat: math.random is Lua's own formula over a 48-bit linear congruential
// generator (rand48's constants), so every platform yields the same sequence; the state
// starts at rand48's default seed and is not reset between scripts.
constexpr uint64_t kRandMul = 0x5DEECE66DULL;
constexpr uint64_t kRandAdd = 0xB;
constexpr uint64_t kRandMask = (1ULL << 48) - 1;
constexpr int32_t kRandMax = 0x7fffffff;
constexpr uint64_t kRandDefaultState = 0x1234ABCD330EULL;

int32_t NextRand(StateData* data) {
  data->rand_state = (data->rand_state * kRandMul + kRandAdd) & kRandMask;
  return static_cast<int32_t>(data->rand_state >> 17);
}

int MathRandom(lua_State* L) {
  StateData* data = GetStateData(L);
  lua_Number r = static_cast<lua_Number>(NextRand(data) % kRandMax) / kRandMax;
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, std::floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, std::floor(r * (static_cast<lua_Number>(u) - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  uint32_t seed = static_cast<uint32_t>(luaL_checkint(L, 1));
  GetStateData(L)->rand_state = (static_cast<uint64_t>(seed) << 16) | 0x330E;
  return 0;
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

void SetGlobalFunction(lua_State* L, const char* name, lua_CFunction fn, bool with_original) {
  if (with_original) {
    lua_getglobal(L, name);
    lua_pushcclosure(L, fn, 1);
  } else {
    lua_pushcfunction(L, fn);
  }
  lua_setglobal(L, name);
}

void WrapTableFunction(lua_State* L, const char* name) {
  lua_getglobal(L, LUA_TABLIBNAME);
  lua_getfield(L, -1, name);
  if (lua_isfunction(L, -1)) {
    lua_pushcclosure(L, RefuseViewThenCall, 1);
    lua_setfield(L, -2, name);
  } else {
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
}

void InstallWrappers(lua_State* L) {
  for (const char* name : {"dofile", "loadfile", "print", "newproxy"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  SetGlobalFunction(L, "rawset", SafeRawSet, false);
  SetGlobalFunction(L, "rawget", SafeRawGet, false);
  SetGlobalFunction(L, "setmetatable", SafeSetMetatable, true);
  SetGlobalFunction(L, "next", SafeNext, false);
  SetGlobalFunction(L, "getfenv", SafeGetfenv, true);
  lua_getglobal(L, "next");
  lua_pushcclosure(L, SafePairs, 1);
  lua_setglobal(L, "pairs");
  SetGlobalFunction(L, "loadstring", SafeLoadString, false);
  SetGlobalFunction(L, "load", SafeLoad, false);
  for (const char* name : {"insert", "remove", "sort", "setn"}) WrapTableFunction(L, name);

  lua_getglobal(L, LUA_MATHLIBNAME);
  lua_pushcfunction(L, MathRandom);
  lua_setfield(L, -2, "random");
  lua_pushcfunction(L, MathRandomSeed);
  lua_setfield(L, -2, "randomseed");
  lua_pop(L, 1);
}

}  // namespace

void InstallSandbox(lua_State* L, StateKind kind) {
  GetStateData(L)->rand_state = kRandDefaultState;
  lua_newtable(L);  // views -> real tables, weak keys
  lua_newtable(L);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, kViewsKey);

  OpenLibraries(L);
  InstallWrappers(L);
  RegisterRedisApi(L, kind);

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
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsMetaKey);

  lua_pushstring(L, "");
  lua_getmetatable(L, -1);  // the string metatable: __index points at the string view
  int string_meta = lua_gettop(L);
  lua_getfield(L, real, LUA_STRLIBNAME);
  lua_setfield(L, string_meta, "__index");
  lua_pushvalue(L, string_meta);
  MakeViewRecursive(L, seen);
  lua_setfield(L, string_meta, "__metatable");
  lua_getfield(L, real, LUA_STRLIBNAME);  // undo the view of the view made above
  lua_setfield(L, string_meta, "__index");
  lua_settop(L, string_meta - 2);  // back to: real, seen, real, view

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

// The library functions the sandbox replaces: those that bypass metatables (rawset,
// rawget, next, pairs, setmetatable, getmetatable, table.insert/remove/sort/setn) see
// through or refuse read-only views; loadstring and load refuse precompiled chunks;
// cjson.encode sees the real tables behind views; math.random is deterministic.
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "scripting/lua_internal.h"
#include "scripting/script_errors.h"

namespace cinnabar::scripting::internal {
namespace {

// ---- Functions that bypass metatables ------------------------------------------------------

int SafeRawSet(lua_State* L) {
  if (IsReadonlyView(L, 1)) return RaiseString(L, errors::kReadonlyTable);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

// Calls upvalue 1 (the original function) with the arguments; returns what it returns.
int CallOriginal(lua_State* L) {
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_insert(L, 1);
  lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
  return lua_gettop(L);
}

int SafeSetMetatable(lua_State* L) {
  if (IsReadonlyView(L, 1)) return RaiseString(L, errors::kReadonlyTable);
  return CallOriginal(L);
}

// Redis compat: of the protected tables only _G has a metatable (a read-only table
// holding __index); the views' metatables answer it through __metatable, and the other
// views answer false there, which becomes nil.
int SafeGetMetatable(lua_State* L) {
  luaL_checkany(L, 1);
  lua_settop(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  lua_call(L, 1, 1);
  if (lua_isboolean(L, -1) && !lua_toboolean(L, -1) && IsReadonlyView(L, 1)) lua_pushnil(L);
  return 1;
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

int SafeRawGet(lua_State* L) {
  SeeThrough(L);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

// table.insert / remove / sort / setn: refuse views, else call the original.
int RefuseViewThenCall(lua_State* L) {
  if (IsReadonlyView(L, 1)) return RaiseString(L, errors::kReadonlyTable);
  return CallOriginal(L);
}

// ---- loadstring and load -------------------------------------------------------------------

// Feeds lua_load from a string, or from load's reader function (argument 1; each piece is
// kept alive in slot 3, as Lua's own load does).
//
// Redis compat: Lua 5.1 does not verify bytecode (a crafted chunk could corrupt memory),
// so Redis's Lua parses a precompiled chunk as source text. A blank put before such a
// chunk makes our lexer meet the signature byte at the same place, with the same text:
// "[string \"...\"]:1: unexpected symbol near 'char(27)'".
struct ChunkReader {
  const char* text = nullptr;  // a string source, or null once read / for a function
  size_t text_size = 0;
  bool from_function = false;
  bool started = false;
  const char* held = nullptr;  // the first piece, kept back behind the blank
  size_t held_size = 0;
};

const char* NextPiece(lua_State* L, ChunkReader* r, size_t* size) {
  if (!r->from_function) {
    const char* piece = r->text;
    *size = r->text_size;
    r->text = nullptr;
    r->text_size = 0;
    return piece;
  }
  luaL_checkstack(L, 2, "too many nested functions");
  lua_pushvalue(L, 1);
  lua_call(L, 0, 1);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    *size = 0;
    return nullptr;
  }
  if (!lua_isstring(L, -1)) luaL_error(L, "reader function must return a string");
  lua_replace(L, 3);
  return lua_tolstring(L, 3, size);
}

const char* ReadChunk(lua_State* L, void* ud, size_t* size) {
  auto* r = static_cast<ChunkReader*>(ud);
  if (r->held != nullptr) {
    const char* piece = r->held;
    *size = r->held_size;
    r->held = nullptr;
    return piece;
  }
  const char* piece = NextPiece(L, r, size);
  if (!r->started) {
    r->started = true;
    if (piece != nullptr && *size > 0 && piece[0] == LUA_SIGNATURE[0]) {
      r->held = piece;
      r->held_size = *size;
      *size = 1;
      return " ";
    }
  }
  return piece;
}

// The chunk (1 result), or nil and the message (2).
int LoadResult(lua_State* L, int status) {
  if (status == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

// loadstring(s [, chunkname])
int SafeLoadString(lua_State* L) {
  ChunkReader reader;
  reader.text = luaL_checklstring(L, 1, &reader.text_size);
  const char* name = luaL_optstring(L, 2, reader.text);
  return LoadResult(L, lua_load(L, ReadChunk, &reader, name));
}

// load(reader [, chunkname])
int SafeLoad(lua_State* L) {
  const char* name = luaL_optstring(L, 2, "=(load)");
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_settop(L, 3);  // reader, name, the slot that keeps the current piece
  ChunkReader reader;
  reader.from_function = true;
  return LoadResult(L, lua_load(L, ReadChunk, &reader, name));
}

// ---- cjson.encode --------------------------------------------------------------------------

// Swaps, in every table reachable through table values from the table at `index`, each
// read-only view for the real table behind it, recording each swap as three entries
// (table, key, view) in the table at `undo` (absolute). Raises only before a swap it
// has not recorded, so RestoreSwaps always undoes what was done.
void SwapViews(lua_State* L, int index, int undo) {
  luaL_checkstack(L, 8, "too many nested tables");
  lua_newtable(L);
  int seen = lua_gettop(L);
  lua_newtable(L);  // the tables still to visit, as an array
  int work = lua_gettop(L);
  int pending = 0;
  int recorded = 0;
  lua_pushvalue(L, index);
  lua_rawseti(L, work, ++pending);
  while (pending > 0) {
    lua_rawgeti(L, work, pending);
    lua_pushnil(L);
    lua_rawseti(L, work, pending--);
    int t = lua_gettop(L);
    lua_pushvalue(L, t);
    lua_rawget(L, seen);
    bool visited = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (visited) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushvalue(L, t);
    lua_pushboolean(L, 1);
    lua_rawset(L, seen);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {  // t key value
      if (!lua_istable(L, -1)) {
        lua_pop(L, 1);
        continue;
      }
      if (PushViewTarget(L, -1)) {  // t key view real
        for (int slot : {t, -3, -2}) {
          lua_pushvalue(L, slot);
          lua_rawseti(L, undo, ++recorded);
        }
        lua_pushvalue(L, -3);
        lua_pushvalue(L, -2);
        lua_rawset(L, t);  // an existing key: no allocation, and lua_next tolerates it
        lua_replace(L, -2);
      }
      lua_rawseti(L, work, ++pending);
    }
    lua_pop(L, 1);
  }
  lua_pop(L, 2);
}

// Puts back every view SwapViews recorded in the table at `undo` (absolute). Allocates
// nothing, so it cannot fail.
void RestoreSwaps(lua_State* L, int undo) {
  for (int i = static_cast<int>(lua_objlen(L, undo)); i >= 3; i -= 3) {
    lua_rawgeti(L, undo, i - 2);  // table
    lua_rawgeti(L, undo, i - 1);  // key
    lua_rawgeti(L, undo, i);      // view
    lua_rawset(L, -3);
    lua_pop(L, 1);
  }
}

// Called with (encode, undo, value): swaps the views reachable from value, encodes.
int EncodeUnveiled(lua_State* L) {
  SwapViews(L, 3, 2);
  if (lua_objlen(L, 2) == 0) return 0;  // no view: the first encoding stands
  lua_pushvalue(L, 1);
  lua_pushvalue(L, 3);
  lua_call(L, 1, 1);
  return 1;
}

// Raises Lua's out-of-memory error (status LUA_ERRMEM, which skips the message handler,
// as the original allocation failure would have).
[[noreturn]] void RaiseMemoryError(lua_State* L) {
  lua_newuserdata(L, static_cast<size_t>(-1) / 2);
  std::abort();  // unreachable: that allocation cannot succeed
}

// Redis compat: Redis's cjson.encode sees the library tables themselves, so encoding one
// fails on its first function; Debian's cjson reads tables raw and would encode a view as
// {}. When a result holds "{}" or the encoding failed, and the value reaches a view, it
// is encoded again with the real tables swapped in for the duration of the call.
int SafeJsonEncode(lua_State* L) {
  luaL_argcheck(L, lua_gettop(L) == 1, 1, "expected 1 argument");
  SeeThrough(L);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, 1);
  int status = lua_pcall(L, 1, 1, 0);
  size_t len = 0;
  const char* out = status == 0 ? lua_tolstring(L, -1, &len) : nullptr;
  bool suspect = status != 0 || (out != nullptr && std::string_view(out, len).find("{}") !=
                                                       std::string_view::npos);
  if (suspect && lua_istable(L, 1)) {
    lua_newtable(L);
    int undo = lua_gettop(L);
    lua_pushcfunction(L, EncodeUnveiled);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, undo);
    lua_pushvalue(L, 1);
    int again = lua_pcall(L, 3, 1, 0);
    RestoreSwaps(L, undo);
    if (lua_objlen(L, undo) > 0) {
      status = again;  // a view was there: this is the answer
      lua_replace(L, 2);
    }
    lua_settop(L, 2);
  }
  if (status == 0) return 1;
  if (status == LUA_ERRMEM) RaiseMemoryError(L);
  if (lua_isstring(L, -1)) {
    // The original ran below this function, so its message has no position: give it ours.
    luaL_where(L, 1);
    lua_insert(L, -2);
    lua_concat(L, 2);
  }
  return lua_error(L);
}

// ---- math.random ---------------------------------------------------------------------------

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

// ---- Installation --------------------------------------------------------------------------

// Replaces `table`.`name` (the globals when `table` is null) by `fn`, which gets the
// original as upvalue 1 when `with_original`.
void Replace(lua_State* L, const char* table, const char* name, lua_CFunction fn,
             bool with_original) {
  if (table == nullptr) {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
  } else {
    lua_getglobal(L, table);
  }
  if (with_original) {
    lua_getfield(L, -1, name);
    if (!lua_isfunction(L, -1)) {
      lua_pop(L, 2);
      return;
    }
    lua_pushcclosure(L, fn, 1);
  } else {
    lua_pushcfunction(L, fn);
  }
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

}  // namespace

void InstallSafeBase(lua_State* L) {
  GetStateData(L)->rand_state = kRandDefaultState;
  // Redis compat: setfenv and getfenv are gone too (getfenv of a C function would answer
  // the writable globals behind the view).
  for (const char* name : {"dofile", "loadfile", "print", "newproxy", "setfenv", "getfenv"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }
  Replace(L, nullptr, "rawset", SafeRawSet, false);
  Replace(L, nullptr, "rawget", SafeRawGet, false);
  Replace(L, nullptr, "setmetatable", SafeSetMetatable, true);
  Replace(L, nullptr, "getmetatable", SafeGetMetatable, true);
  Replace(L, nullptr, "next", SafeNext, false);
  lua_getglobal(L, "next");
  lua_pushcclosure(L, SafePairs, 1);
  lua_setglobal(L, "pairs");
  Replace(L, nullptr, "loadstring", SafeLoadString, false);
  Replace(L, nullptr, "load", SafeLoad, false);
  for (const char* name : {"insert", "remove", "sort", "setn"}) {
    Replace(L, LUA_TABLIBNAME, name, RefuseViewThenCall, true);
  }
  Replace(L, "cjson", "encode", SafeJsonEncode, true);
  Replace(L, LUA_MATHLIBNAME, "random", MathRandom, false);
  Replace(L, LUA_MATHLIBNAME, "randomseed", MathRandomSeed, false);
}

}  // namespace cinnabar::scripting::internal

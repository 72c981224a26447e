// cmsgpack: MessagePack for Lua 5.1 scripts, with the observable behaviour of the
// lua-cmsgpack 0.4.0 that Redis 7.0 embeds (encoding choices, limits, error texts).
#pragma once

extern "C" {
#include <lua.h>
}

namespace cinnabar::scripting {

// If the Lua registry holds a table under this key, pack encodes any table found there as
// a key as the table it maps to (the sandbox's read-only views are empty proxies of the
// real library tables; Redis packs the real contents).
inline constexpr char kTableProxiesKey[] = "cinnabar.views";

// Creates the `cmsgpack` table (pack, unpack, unpack_one, unpack_limit and the
// _NAME/_VERSION/_COPYRIGHT/_DESCRIPTION strings), stores it in the global `cmsgpack`, as
// Redis's loader does, and leaves it on the stack. Returns 1 (a lua_CFunction).
//
// The functions:
//   cmsgpack.pack(v1, ...)            -> the msgpack encodings of v1 ... concatenated
//   cmsgpack.unpack(s)                -> every value in s
//   cmsgpack.unpack_one(s[, off])     -> next offset (-1 at the end), one value
//   cmsgpack.unpack_limit(s, n[, off])-> next offset, up to n values
// Untrusted input never reads out of bounds; errors are Lua errors with Redis's texts.
// Decoding recurses once per nesting level, bounded by the Lua C stack (LUAI_MAXCSTACK,
// about 8000 levels), so the calling thread needs about a megabyte of machine stack.
// REQUIRES: the caller may run these only from Lua (they raise Lua errors).
int LuaOpenCmsgpack(lua_State* L);

}  // namespace cinnabar::scripting

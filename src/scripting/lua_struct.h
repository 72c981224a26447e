// struct: binary packing for Lua 5.1 scripts, with the observable behaviour of Roberto
// Ierusalimschy's struct library (1.7, with Redis's overflow fixes) that Redis 7.0 embeds.
#pragma once

extern "C" {
#include <lua.h>
}

namespace cinnabar::scripting {

// Registers the global table `struct` (pack, unpack, size) the way luaL_register does, and
// leaves it on the stack. Returns 1 (a lua_CFunction).
//
//   struct.pack(fmt, v1, ...)  -> string
//   struct.unpack(fmt, s[, i]) -> values ..., next position
//   struct.size(fmt)           -> bytes a fixed-size format takes
// Formats: > < ![n] x b B h H l L T i[n] I[n] c[n] s f d and ' ', as Redis documents them.
// Untrusted formats and data never read out of bounds; errors are Lua errors with Redis's
// texts. REQUIRES: the caller may run these only from Lua (they raise errors by longjmp).
int LuaOpenStruct(lua_State* L);

}  // namespace cinnabar::scripting

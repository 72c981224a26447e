// cmsgpack for Lua scripts: the MessagePack encoder and decoder behind cmsgpack.pack and
// cmsgpack.unpack / unpack_one / unpack_limit, written to give what Redis 7.0's embedded
// lua-cmsgpack 0.4.0 gives: the same bytes, the same values, the same errors, including at
// the limits (nesting, Lua stack size, numbers a double cannot hold as an integer).
//
// Lua raises errors by longjmp, which skips C++ destructors. Decoding holds nothing that
// needs one, so it may raise anywhere. Encoding owns a std::string, so while that is alive
// nothing may raise: stack space is asked for with lua_checkstack (which does not raise)
// and a failure becomes the error Redis's luaL_checkstack would give once the buffer is
// gone. (A Lua allocation failure while encoding would leak the buffer, as Redis's leaks;
// Redis's allocator aborts on OOM rather than letting Lua raise.)

#include "scripting/lua_cmsgpack.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

extern "C" {
#include <lauxlib.h>
}

namespace cinnabar::scripting {
namespace {

// Redis compat: a table nested this deep encodes as nil, which is also how a table that
// contains itself ends.
constexpr int kMaxNesting = 16;

// Redis compat: numbers whose C cast to int64 on x86-64 gives them back (not NaN, not the
// infinities, not 2^63 and up, not below -2^63) encode as msgpack integers, so -0 is 0.
bool IsInt64Equivalent(double n) {
  return n >= -0x1p63 && n < 0x1p63 && std::trunc(n) == n;
}

// Redis compat: the C cast to int on x86-64 gives INT_MIN for anything out of range.
bool IsIntEquivalent(double n) {
  return n >= INT_MIN && n <= INT_MAX && std::trunc(n) == n;
}

// ------------------------------------------------------------------------------ encoding

class Encoder {
 public:
  // `proxies`: absolute stack index of the kTableProxiesKey table, or 0.
  Encoder(lua_State* L, int proxies) : L_(L), proxies_(proxies) {}

  // Encodes the value on top of the Lua stack at nesting `level` and pops it. Returns
  // nullptr, or (stack left as it was mid-way) the text for "stack overflow (...)" when
  // the Lua stack cannot grow, naming the check as Redis names it.
  const char* EncodeTop(int level);

  std::string& out() { return out_; }

 private:
  void Byte(uint8_t b) { out_.push_back(static_cast<char>(b)); }
  // `tag`, then the low `bytes` bytes of `v`, most significant first.
  void Tagged(uint8_t tag, uint64_t v, int bytes) {
    Byte(tag);
    for (int shift = 8 * (bytes - 1); shift >= 0; shift -= 8) Byte((v >> shift) & 0xff);
  }
  void Integer(int64_t n);
  void Double(double d);
  void String(const char* s, size_t len);
  // Array (0x90/0xdc/0xdd) or map (0x80/0xde/0xdf) header for `n` entries.
  void Header(uint8_t fix_tag, uint8_t tag16, uint64_t n);
  const char* TableIsArray(bool* is_array);
  const char* Table(int level);
  void ResolveProxy();

  lua_State* L_;
  int proxies_;
  std::string out_;
};

void Encoder::Integer(int64_t n) {
  const uint64_t u = static_cast<uint64_t>(n);
  if (n >= 0) {
    if (n <= 127) return Byte(static_cast<uint8_t>(n));
    if (n <= 0xff) return Tagged(0xcc, u, 1);
    if (n <= 0xffff) return Tagged(0xcd, u, 2);
    if (n <= 0xffffffffLL) return Tagged(0xce, u, 4);
    return Tagged(0xcf, u, 8);
  }
  if (n >= -32) return Byte(static_cast<uint8_t>(u & 0xff));
  if (n >= -128) return Tagged(0xd0, u, 1);
  if (n >= -32768) return Tagged(0xd1, u, 2);
  if (n >= INT32_MIN) return Tagged(0xd2, u, 4);
  Tagged(0xd3, u, 8);
}

// Redis compat: a float (0xca) whenever the float holds the double exactly (so the
// infinities and 2^63 are floats), else a double (0xcb), NaN's bits as they are.
void Encoder::Double(double d) {
  const bool fits_float = !(std::isfinite(d) && std::fabs(d) > 0x1.fffffep127);
  const float f = fits_float ? static_cast<float>(d) : 0.0f;
  if (fits_float && static_cast<double>(f) == d) {
    uint32_t bits;
    std::memcpy(&bits, &f, sizeof bits);
    return Tagged(0xca, bits, 4);
  }
  uint64_t bits;
  std::memcpy(&bits, &d, sizeof bits);
  Tagged(0xcb, bits, 8);
}

void Encoder::String(const char* s, size_t len) {
  if (len < 32) {
    Byte(static_cast<uint8_t>(0xa0 | len));
  } else if (len <= 0xff) {
    Tagged(0xd9, len, 1);
  } else if (len <= 0xffff) {
    Tagged(0xda, len, 2);
  } else {
    Tagged(0xdb, len, 4);
  }
  out_.append(s, len);
}

void Encoder::Header(uint8_t fix_tag, uint8_t tag16, uint64_t n) {
  if (n <= 15) return Byte(static_cast<uint8_t>(fix_tag | n));
  if (n <= 0xffff) return Tagged(tag16, n, 2);
  Tagged(static_cast<uint8_t>(tag16 + 1), n, 4);
}

// Redis compat: a table is an array when every key is a number holding a positive int
// and the largest key equals the number of keys; so {} is an empty array, and a table
// with a hole, a string key or a key past INT_MAX is a map.
const char* Encoder::TableIsArray(bool* is_array) {
  const int top = lua_gettop(L_);
  if (!lua_checkstack(L_, 2)) return "in function table_is_an_array";
  int count = 0;
  int max = 0;
  *is_array = true;
  lua_pushnil(L_);
  while (lua_next(L_, -2)) {
    lua_pop(L_, 1);
    double n;
    if (lua_type(L_, -1) != LUA_TNUMBER || (n = lua_tonumber(L_, -1)) <= 0 ||
        !IsIntEquivalent(n)) {
      *is_array = false;
      break;
    }
    max = std::max(max, static_cast<int>(n));
    count++;
  }
  lua_settop(L_, top);
  if (*is_array) *is_array = max == count;
  return nullptr;
}

const char* Encoder::Table(int level) {
  bool is_array;
  if (const char* err = TableIsArray(&is_array)) return err;
  if (is_array) {
    const size_t len = lua_objlen(L_, -1);
    Header(0x90, 0xdc, len);
    if (!lua_checkstack(L_, 1)) return "in function mp_encode_lua_table_as_array";
    for (size_t j = 1; j <= len; j++) {
      lua_pushnumber(L_, static_cast<lua_Number>(j));
      lua_rawget(L_, -2);  // every key 1..len is there, so no metamethod could apply
      if (const char* err = EncodeTop(level + 1)) return err;
    }
    return nullptr;
  }
  // A map: count the keys first, as the header comes before them.
  if (!lua_checkstack(L_, 3)) return "in function mp_encode_lua_table_as_map";
  uint64_t len = 0;
  lua_pushnil(L_);
  while (lua_next(L_, -2)) {
    lua_pop(L_, 1);
    len++;
  }
  Header(0x80, 0xde, len);
  lua_pushnil(L_);
  while (lua_next(L_, -2)) {  // stack: ... table key value
    lua_pushvalue(L_, -2);    // ... table key value key
    if (const char* err = EncodeTop(level + 1)) return err;  // the key
    if (const char* err = EncodeTop(level + 1)) return err;  // the value
  }
  return nullptr;
}

// Replaces the table at the top of the stack by the table it is a proxy for, if any.
void Encoder::ResolveProxy() {
  if (proxies_ == 0) return;
  lua_pushvalue(L_, -1);
  lua_rawget(L_, proxies_);
  if (lua_istable(L_, -1)) {
    lua_replace(L_, -2);
  } else {
    lua_pop(L_, 1);
  }
}

const char* Encoder::EncodeTop(int level) {
  int type = lua_type(L_, -1);
  if (type == LUA_TTABLE && level == kMaxNesting) type = LUA_TNIL;
  switch (type) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L_, -1, &len);
      String(s, len);
      break;
    }
    case LUA_TBOOLEAN:
      Byte(lua_toboolean(L_, -1) ? 0xc3 : 0xc2);
      break;
    case LUA_TNUMBER: {
      const double n = lua_tonumber(L_, -1);
      if (IsInt64Equivalent(n)) {
        Integer(static_cast<int64_t>(n));
      } else {
        Double(n);
      }
      break;
    }
    case LUA_TTABLE:
      // Without a slot here, TableIsArray's own check would fail the same way.
      if (!lua_checkstack(L_, 1)) return "in function table_is_an_array";
      ResolveProxy();
      if (const char* err = Table(level)) return err;
      break;
    default:  // nil, functions, userdata, threads
      Byte(0xc0);
      break;
  }
  lua_pop(L_, 1);
  return nullptr;
}

// cmsgpack.pack(v1, ...): each argument is encoded at nesting level 0 and pushed as its
// own string (as Redis does, which decides where the Lua stack runs out), then joined.
int Pack(lua_State* L) {
  const int nargs = lua_gettop(L);
  if (nargs == 0) return luaL_argerror(L, 0, "MessagePack pack needs input.");
  if (!lua_checkstack(L, nargs)) {
    return luaL_argerror(L, 0, "Too many arguments for MessagePack pack.");
  }
  lua_getfield(L, LUA_REGISTRYINDEX, kTableProxiesKey);
  const int proxies = lua_istable(L, -1) ? nargs + 1 : 0;
  if (proxies == 0) lua_pop(L, 1);
  const char* err = nullptr;
  {
    Encoder encoder(L, proxies);
    for (int i = 1; i <= nargs && err == nullptr; i++) {
      if (!lua_checkstack(L, 1)) {
        err = "in function mp_check";
        break;
      }
      lua_pushvalue(L, i);
      err = encoder.EncodeTop(0);
      if (err == nullptr) {
        lua_pushlstring(L, encoder.out().data(), encoder.out().size());
        encoder.out().clear();
      }
    }
  }
  if (err != nullptr) return luaL_error(L, "stack overflow (%s)", err);
  lua_concat(L, nargs);
  return 1;
}

// ------------------------------------------------------------------------------ decoding

enum class DecodeError { kNone, kEof, kBadFormat };

struct Cursor {
  const unsigned char* p;
  size_t left;
  DecodeError err = DecodeError::kNone;

  // Sets kEof and returns false unless `n` more bytes are there.
  bool Need(size_t n) {
    if (left >= n) return true;
    err = DecodeError::kEof;
    return false;
  }
  void Consume(size_t n) {
    p += n;
    left -= n;
  }
  // The `bytes` bytes after the tag, most significant first. REQUIRES: Need(1 + bytes).
  uint64_t BigEndian(int bytes) const {
    uint64_t v = 0;
    for (int i = 1; i <= bytes; i++) v = (v << 8) | p[i];
    return v;
  }
};

void DecodeValue(lua_State* L, Cursor* c);

void DecodeArray(lua_State* L, Cursor* c, size_t len) {
  lua_newtable(L);
  luaL_checkstack(L, 1, "in function mp_decode_to_lua_array");
  for (lua_Number index = 1; len > 0; len--, index++) {
    lua_pushnumber(L, index);
    DecodeValue(L, c);
    if (c->err != DecodeError::kNone) return;
    lua_settable(L, -3);
  }
}

void DecodeMap(lua_State* L, Cursor* c, size_t len) {
  lua_newtable(L);
  for (; len > 0; len--) {
    DecodeValue(L, c);  // the key
    if (c->err != DecodeError::kNone) return;
    DecodeValue(L, c);  // the value
    if (c->err != DecodeError::kNone) return;
    lua_settable(L, -3);  // Redis compat: a nil or NaN key raises Lua's own error
  }
}

// A string of `len` bytes after a header of `header` bytes.
void DecodeString(lua_State* L, Cursor* c, size_t header, size_t len) {
  c->Consume(header);
  if (!c->Need(len)) return;
  lua_pushlstring(L, reinterpret_cast<const char*>(c->p), len);
  c->Consume(len);
}

// Pushes the number in the `bytes` bytes after the tag; `as_signed` reads them as two's
// complement. Redis compat: an unsigned 64-bit value goes through lua_Integer, so one past
// INT64_MAX comes back negative.
void DecodeNumber(lua_State* L, Cursor* c, int bytes, bool as_signed) {
  if (!c->Need(1 + bytes)) return;
  const uint64_t v = c->BigEndian(bytes);
  if (!as_signed) {
    lua_pushinteger(L, static_cast<lua_Integer>(v));
  } else {
    const int unused = 64 - 8 * bytes;
    const int64_t n = static_cast<int64_t>(v << unused) >> unused;
    lua_pushnumber(L, static_cast<lua_Number>(n));
  }
  c->Consume(1 + bytes);
}

// Pushes the value at the cursor, or sets c->err (the stack then holds whatever the
// unfinished containers left).
void DecodeValue(lua_State* L, Cursor* c) {
  if (!c->Need(1)) return;
  // Redis compat: one more slot per value, so a long stream of values ends in this error.
  luaL_checkstack(L, 1,
                  "too many return values at once; use unpack_one or unpack_limit instead.");
  const uint8_t tag = c->p[0];
  switch (tag) {
    case 0xc0: lua_pushnil(L); c->Consume(1); return;
    case 0xc2: lua_pushboolean(L, 0); c->Consume(1); return;
    case 0xc3: lua_pushboolean(L, 1); c->Consume(1); return;
    case 0xcc: return DecodeNumber(L, c, 1, false);
    case 0xcd: return DecodeNumber(L, c, 2, false);
    case 0xce: return DecodeNumber(L, c, 4, false);
    case 0xcf: return DecodeNumber(L, c, 8, false);
    case 0xd0: return DecodeNumber(L, c, 1, true);
    case 0xd1: return DecodeNumber(L, c, 2, true);
    case 0xd2: return DecodeNumber(L, c, 4, true);
    case 0xd3: return DecodeNumber(L, c, 8, true);
    case 0xca: {
      if (!c->Need(5)) return;
      const uint32_t bits = static_cast<uint32_t>(c->BigEndian(4));
      float f;
      std::memcpy(&f, &bits, sizeof f);
      lua_pushnumber(L, f);
      c->Consume(5);
      return;
    }
    case 0xcb: {
      if (!c->Need(9)) return;
      const uint64_t bits = c->BigEndian(8);
      double d;
      std::memcpy(&d, &bits, sizeof d);
      lua_pushnumber(L, d);
      c->Consume(9);
      return;
    }
    case 0xd9: if (c->Need(2)) DecodeString(L, c, 2, c->BigEndian(1)); return;
    case 0xda: if (c->Need(3)) DecodeString(L, c, 3, c->BigEndian(2)); return;
    case 0xdb: if (c->Need(5)) DecodeString(L, c, 5, c->BigEndian(4)); return;
    case 0xdc:
    case 0xdd:
    case 0xde:
    case 0xdf: {
      const int bytes = (tag & 1) ? 4 : 2;
      if (!c->Need(1 + bytes)) return;
      const size_t len = c->BigEndian(bytes);
      c->Consume(1 + bytes);
      return tag < 0xde ? DecodeArray(L, c, len) : DecodeMap(L, c, len);
    }
    default:
      break;
  }
  if ((tag & 0x80) == 0) {  // positive fixint
    lua_pushinteger(L, tag);
    c->Consume(1);
  } else if ((tag & 0xe0) == 0xe0) {  // negative fixint
    lua_pushinteger(L, static_cast<int8_t>(tag));
    c->Consume(1);
  } else if ((tag & 0xe0) == 0xa0) {  // fixstr
    DecodeString(L, c, 1, tag & 0x1f);
  } else if ((tag & 0xf0) == 0x90) {  // fixarray
    c->Consume(1);
    DecodeArray(L, c, tag & 0x0f);
  } else if ((tag & 0xf0) == 0x80) {  // fixmap
    c->Consume(1);
    DecodeMap(L, c, tag & 0x0f);
  } else {  // 0xc1, bin, ext and fixext: Redis's decoder knows none of them
    c->err = DecodeError::kBadFormat;
  }
}

// Decodes up to `limit` values of the string at index 1 from byte `offset`; limit and
// offset both 0 mean everything, and then no next offset is returned.
int UnpackFull(lua_State* L, lua_Integer limit, lua_Integer offset) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  const bool decode_all = limit == 0 && offset == 0;
  if (offset < 0 || limit < 0) {
    // Redis compat: the text reports the input length as the limit.
    return luaL_error(L, "Invalid request to unpack with offset of %d and limit of %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (static_cast<size_t>(offset) > len) {
    return luaL_error(L, "Start offset %d greater than input length %d.",
                      static_cast<int>(offset), static_cast<int>(len));
  }
  if (decode_all) limit = INT_MAX;

  Cursor c{.p = reinterpret_cast<const unsigned char*>(s) + offset,
           .left = len - static_cast<size_t>(offset)};
  int count = 0;
  for (; c.left > 0 && count < limit; count++) {
    DecodeValue(L, &c);
    if (c.err == DecodeError::kEof) return luaL_error(L, "Missing bytes in input.");
    if (c.err == DecodeError::kBadFormat) return luaL_error(L, "Bad data format in input.");
  }
  if (decode_all) return count;
  luaL_checkstack(L, 1, "in function mp_unpack_full");
  // The next offset, or -1 once the whole input is consumed, goes before the values.
  lua_pushinteger(L, c.left == 0 ? -1 : static_cast<lua_Integer>(len - c.left));
  lua_insert(L, 2);
  return count + 1;
}

int Unpack(lua_State* L) { return UnpackFull(L, 0, 0); }

int UnpackOne(lua_State* L) {
  const lua_Integer offset = luaL_optinteger(L, 2, 0);
  lua_settop(L, lua_gettop(L) > 0 ? 1 : 0);
  return UnpackFull(L, 1, offset);
}

int UnpackLimit(lua_State* L) {
  const lua_Integer limit = luaL_checkinteger(L, 2);
  const lua_Integer offset = luaL_optinteger(L, 3, 0);
  lua_settop(L, lua_gettop(L) > 0 ? 1 : 0);
  return UnpackFull(L, limit, offset);
}

constexpr luaL_Reg kFunctions[] = {
    {"pack", Pack},
    {"unpack", Unpack},
    {"unpack_one", UnpackOne},
    {"unpack_limit", UnpackLimit},
};

}  // namespace

int LuaOpenCmsgpack(lua_State* L) {
  lua_newtable(L);
  for (const luaL_Reg& f : kFunctions) {
    lua_pushcfunction(L, f.func);
    lua_setfield(L, -2, f.name);
  }
  // Redis compat: the module's metadata, as scripts can read it.
  lua_pushliteral(L, "cmsgpack");
  lua_setfield(L, -2, "_NAME");
  lua_pushliteral(L, "lua-cmsgpack 0.4.0");
  lua_setfield(L, -2, "_VERSION");
  lua_pushliteral(L, "Copyright (C) 2012, Salvatore Sanfilippo");
  lua_setfield(L, -2, "_COPYRIGHT");
  lua_pushliteral(L, "MessagePack C implementation for Lua");
  lua_setfield(L, -2, "_DESCRIPTION");
  lua_pushvalue(L, -1);
  lua_setglobal(L, "cmsgpack");
  return 1;
}

}  // namespace cinnabar::scripting

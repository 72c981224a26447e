// struct for Lua scripts: struct.pack, struct.unpack and struct.size, written to give what
// Redis 7.0's embedded struct library (Roberto Ierusalimschy's 1.7, with Redis's fixes for
// oversized counts and offsets) gives, including the results its C code has on x86-64
// where C leaves them undefined (out-of-range number conversions, wide sign masks).
//
// Everything here may raise a Lua error (longjmp), so nothing here owns a C++ object with
// a destructor; the output goes through a luaL_Buffer, as in Redis, which also decides
// what a missing argument reads as (see Pack).

#include "scripting/lua_struct.h"

#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <utility>

extern "C" {
#include <lauxlib.h>
}

namespace cinnabar::scripting {
namespace {

static_assert(std::endian::native == std::endian::little, "struct assumes x86-64's layout");

constexpr int kMaxIntSize = 32;  // the largest i<n> / I<n>
constexpr int kMaxAlign = 8;     // what '!' alone means: a double's alignment on x86-64

enum Endian { kBig = 0, kLittle = 1 };
constexpr int kNative = kLittle;

struct Header {
  int endian = kNative;
  int align = 1;
};

bool IsDigit(int c) { return c >= '0' && c <= '9'; }
bool IsAlnum(int c) { return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Redis compat: what `(long)d` gives on x86-64 (cvttsd2si): INT64_MIN for NaN and for
// anything out of range.
int64_t X86DoubleToInt64(double d) {
  if (d >= -0x1p63 && d < 0x1p63) return static_cast<int64_t>(d);
  return INT64_MIN;
}

// Redis compat: what gcc's `(unsigned long)d` gives on x86-64: below 2^63 (and NaN) the
// signed conversion; from 2^63 the signed conversion of d - 2^63 with the top bit flipped,
// so 2^64 and +inf give 0.
uint64_t X86DoubleToUint64(double d) {
  if (!(d >= 0x1p63)) return static_cast<uint64_t>(X86DoubleToInt64(d));
  return static_cast<uint64_t>(X86DoubleToInt64(d - 0x1p63)) ^ (uint64_t{1} << 63);
}

// Reads the decimal count after an option, or returns `df` when there is none.
int GetNum(lua_State* L, const char** fmt, int df) {
  if (!IsDigit(**fmt)) return df;
  int a = 0;
  do {
    const int digit = **fmt - '0';
    if (a > INT_MAX / 10 || a * 10 > INT_MAX - digit) {
      return luaL_error(L, "integral size overflow");
    }
    a = a * 10 + digit;
    (*fmt)++;
  } while (IsDigit(**fmt));
  return a;
}

// The size in bytes of option `opt`, reading its count from `fmt`; 0 for the options that
// take no space ('s' takes as much as its string).
size_t OptSize(lua_State* L, int opt, const char** fmt) {
  switch (opt) {
    case 'B': case 'b': return sizeof(char);
    case 'H': case 'h': return sizeof(short);
    case 'L': case 'l': return sizeof(long);
    case 'T': return sizeof(size_t);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    case 'x': return 1;
    case 'c': return static_cast<size_t>(GetNum(L, fmt, 1));
    case 'i': case 'I': {
      const int size = GetNum(L, fmt, sizeof(int));
      if (size > kMaxIntSize) {
        return luaL_error(L, "integral size %d is larger than limit of %d", size, kMaxIntSize);
      }
      return static_cast<size_t>(size);
    }
    default: return 0;
  }
}

// Padding bytes before an item of `size` bytes at offset `len`: the item aligns to its
// size, capped at the '!' alignment. Redis compat: computed with the power-of-two mask even
// for sizes that are not one (i3, i5 ...).
int GetToAlign(size_t len, const Header& h, int opt, size_t size) {
  if (size == 0 || opt == 'c') return 0;
  if (size > static_cast<size_t>(h.align)) size = static_cast<size_t>(h.align);
  return static_cast<int>((size - (len & (size - 1))) & (size - 1));
}

// The options that are not items: ' ', '>', '<', '!<n>'; anything else is an error.
void ControlOptions(lua_State* L, int opt, const char** fmt, Header* h) {
  switch (opt) {
    case ' ': return;
    case '>': h->endian = kBig; return;
    case '<': h->endian = kLittle; return;
    case '!': {
      const int a = GetNum(L, fmt, kMaxAlign);
      if (a <= 0 || (a & (a - 1)) != 0) luaL_error(L, "alignment %d is not a power of 2", a);
      h->align = a;
      return;
    }
    default: {
      const char* msg = lua_pushfstring(L, "invalid format option '%c'", opt);
      luaL_argerror(L, 1, msg);
    }
  }
}

void ReverseUnlessNative(char* bytes, int size, int endian) {
  if (endian == kNative) return;
  for (int i = 0, j = size - 1; i < j; i++, j--) std::swap(bytes[i], bytes[j]);
}

// Appends argument `arg` as a `size`-byte integer. Redis compat: the number goes through
// a C long (negative) or unsigned long (otherwise), so bytes past the eighth are zeros.
void PutInteger(lua_State* L, luaL_Buffer* b, int arg, int endian, int size) {
  const lua_Number n = luaL_checknumber(L, arg);
  uint64_t value = n < 0 ? static_cast<uint64_t>(X86DoubleToInt64(n)) : X86DoubleToUint64(n);
  char buff[kMaxIntSize];
  for (int k = 0; k < size; k++) {
    buff[endian == kLittle ? k : size - 1 - k] = static_cast<char>(value & 0xff);
    value >>= 8;
  }
  luaL_addlstring(b, buff, static_cast<size_t>(size));
}

// struct.pack(fmt, v1, ...)
int Pack(lua_State* L) {
  const char* fmt = luaL_checkstring(L, 1);
  Header h;
  int arg = 2;
  size_t total = 0;
  // Redis compat: a marker between the arguments and the buffer's pieces, so that the
  // first missing argument reads as nil ("got nil", not "got no value").
  lua_pushnil(L);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    int padding = GetToAlign(total, h, opt, size);
    total += static_cast<size_t>(padding);
    while (padding-- > 0) luaL_addchar(&b, '\0');
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i':
      case 'I':
        PutInteger(L, &b, arg++, h.endian, static_cast<int>(size));
        break;
      case 'x':
        luaL_addchar(&b, '\0');
        break;
      case 'f': {
        const float f = static_cast<float>(luaL_checknumber(L, arg++));
        char bytes[sizeof f];
        std::memcpy(bytes, &f, sizeof f);
        ReverseUnlessNative(bytes, sizeof bytes, h.endian);
        luaL_addlstring(&b, bytes, sizeof bytes);
        break;
      }
      case 'd': {
        const double d = luaL_checknumber(L, arg++);
        char bytes[sizeof d];
        std::memcpy(bytes, &d, sizeof d);
        ReverseUnlessNative(bytes, sizeof bytes, h.endian);
        luaL_addlstring(&b, bytes, sizeof bytes);
        break;
      }
      case 'c':
      case 's': {
        size_t len;
        const char* s = luaL_checklstring(L, arg++, &len);
        if (size == 0) size = len;
        // Redis compat: the error names the argument after the string.
        luaL_argcheck(L, len >= size, arg, "string too short");
        luaL_addlstring(&b, s, size);
        if (opt == 's') {
          luaL_addchar(&b, '\0');
          size++;
        }
        break;
      }
      default:
        ControlOptions(L, opt, &fmt, &h);
    }
    total += size;
  }
  luaL_pushresult(&b);
  return 1;
}

// Reads a `size`-byte integer. Redis compat: only the last eight bytes read survive, and
// the sign mask is ~0 << (size * 8 - 1) with x86-64 taking the shift modulo 64, so i9 ...
// i32 (and i0) sign-extend from an odd bit.
lua_Number GetInteger(const char* buff, int endian, bool is_signed, int size) {
  uint64_t l = 0;
  for (int k = 0; k < size; k++) {
    const int i = endian == kBig ? k : size - 1 - k;
    l = (l << 8) | static_cast<unsigned char>(buff[i]);
  }
  if (!is_signed) return static_cast<lua_Number>(l);
  const uint64_t mask = ~uint64_t{0} << (static_cast<unsigned>(size * 8 - 1) & 63);
  if (l & mask) l |= mask;
  return static_cast<lua_Number>(static_cast<int64_t>(l));
}

bool DataLeft(size_t pos, size_t size, size_t len) { return size <= len && pos <= len - size; }

// struct.unpack(fmt, s[, i]): the values, then the position after them.
int Unpack(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t len;
  const char* data = luaL_checklstring(L, 2, &len);
  // Redis compat: the offset is a size_t, so a negative one passes this check and fails
  // the next ("data string too short"), or comes back as it was when fmt is empty.
  size_t pos = static_cast<size_t>(luaL_optinteger(L, 3, 1));
  luaL_argcheck(L, pos > 0, 3, "offset must be 1 or greater");
  pos--;
  int n = 0;  // values pushed
  while (*fmt != '\0') {
    const int opt = *fmt++;
    size_t size = OptSize(L, opt, &fmt);
    pos += static_cast<size_t>(GetToAlign(pos, h, opt, size));
    luaL_argcheck(L, DataLeft(pos, size, len), 2, "data string too short");
    luaL_checkstack(L, 2, "too many results");
    switch (opt) {
      case 'b': case 'B': case 'h': case 'H': case 'l': case 'L': case 'T': case 'i':
      case 'I': {
        const bool is_signed = opt >= 'a' && opt <= 'z';
        lua_pushnumber(L, GetInteger(data + pos, h.endian, is_signed, static_cast<int>(size)));
        n++;
        break;
      }
      case 'x':
        break;
      case 'f': {
        char bytes[sizeof(float)];
        std::memcpy(bytes, data + pos, sizeof bytes);
        ReverseUnlessNative(bytes, sizeof bytes, h.endian);
        float f;
        std::memcpy(&f, bytes, sizeof f);
        lua_pushnumber(L, f);
        n++;
        break;
      }
      case 'd': {
        char bytes[sizeof(double)];
        std::memcpy(bytes, data + pos, sizeof bytes);
        ReverseUnlessNative(bytes, sizeof bytes, h.endian);
        double d;
        std::memcpy(&d, bytes, sizeof d);
        lua_pushnumber(L, d);
        n++;
        break;
      }
      case 'c': {
        if (size == 0) {  // c0: the length is the value read just before
          if (n == 0 || !lua_isnumber(L, -1)) {
            luaL_error(L, "format 'c0' needs a previous size");
          }
          size = X86DoubleToUint64(lua_tonumber(L, -1));
          lua_pop(L, 1);
          n--;
          luaL_argcheck(L, DataLeft(pos, size, len), 2, "data string too short");
        }
        lua_pushlstring(L, data + pos, size);
        n++;
        break;
      }
      case 's': {
        const void* end = std::memchr(data + pos, '\0', len - pos);
        if (end == nullptr) luaL_error(L, "unfinished string in data");
        size = static_cast<size_t>(static_cast<const char*>(end) - (data + pos)) + 1;
        lua_pushlstring(L, data + pos, size - 1);
        n++;
        break;
      }
      default:
        ControlOptions(L, opt, &fmt, &h);
    }
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos + 1));
  return n + 1;
}

// struct.size(fmt). Redis compat: letters and digits that are no option are skipped
// silently here (pack and unpack reject them).
int Size(lua_State* L) {
  Header h;
  const char* fmt = luaL_checkstring(L, 1);
  size_t pos = 0;
  while (*fmt != '\0') {
    const int opt = *fmt++;
    const size_t size = OptSize(L, opt, &fmt);
    pos += static_cast<size_t>(GetToAlign(pos, h, opt, size));
    if (opt == 's') {
      luaL_argerror(L, 1, "option 's' has no fixed size");
    } else if (opt == 'c' && size == 0) {
      luaL_argerror(L, 1, "option 'c0' has no fixed size");
    }
    if (!IsAlnum(opt)) ControlOptions(L, opt, &fmt, &h);
    pos += size;
  }
  lua_pushinteger(L, static_cast<lua_Integer>(pos));
  return 1;
}

constexpr luaL_Reg kFunctions[] = {
    {"pack", Pack},
    {"unpack", Unpack},
    {"size", Size},
    {nullptr, nullptr},
};

}  // namespace

int LuaOpenStruct(lua_State* L) {
  luaL_register(L, "struct", kFunctions);
  return 1;
}

}  // namespace cinnabar::scripting

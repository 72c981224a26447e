// Listpack: a sequence of strings and integers packed into one allocation, the compact
// encoding of small hashes, sets and sorted sets, and the node of large lists.
//
// The layout is the one Redis documents for its listpack (so a later RDB writer can store
// it as is): a 6-byte header (total bytes, uint32 LE; element count, uint16 LE, 65535 meaning
// "count by walking"), the elements, and an 0xFF terminator. Each element is an encoding
// byte, its data, and "backlen", the element's length written to be read right to left, so
// the listpack can be walked in both directions. Strings that are canonical 64-bit integers
// are stored as integers (1 to 9 bytes).
//
// Positions are pointers to an element's first byte, valid until the next change. Every
// change returns the listpack's (possibly new) address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/string_value.h"

namespace cinnabar::core::lp {

// A new empty listpack.
uint8_t* New();
void Free(uint8_t* lp);
// A copy of `lp` in a new allocation.
uint8_t* Clone(const uint8_t* lp);
// Bytes the listpack occupies (its header says it) / the allocator gave it.
size_t Bytes(const uint8_t* lp);
size_t AllocatedBytes(const uint8_t* lp);
// Number of elements.
size_t Length(const uint8_t* lp);

uint8_t* First(uint8_t* lp);
uint8_t* Last(uint8_t* lp);
// The element after / before `p`, or null.
uint8_t* Next(uint8_t* lp, uint8_t* p);
uint8_t* Prev(uint8_t* lp, uint8_t* p);
// The element at `index` (negative counts from the end), or null when out of range.
uint8_t* Seek(uint8_t* lp, int64_t index);

// An element's value: an integer when stored as one, else bytes inside the listpack.
struct Elem {
  bool is_int = false;
  int64_t integer = 0;
  std::string_view str;
};
Elem Get(const uint8_t* p);
// The element as bytes; integers are formatted into `scratch`.
std::string_view GetString(const uint8_t* p, IntBuffer* scratch);
// Whether the element's value equals `s` (an integer equals its canonical decimal form).
bool Equals(const uint8_t* p, std::string_view s);
// Bytes `s` would take as an element (encoding, data and backlen).
size_t EncodedSize(std::string_view s);

enum class Where { kBefore, kAfter };

uint8_t* Append(uint8_t* lp, std::string_view s);
uint8_t* Prepend(uint8_t* lp, std::string_view s);
// Inserts `s` before or after the element at `p`. If `inserted` is not null it is set to
// the new element's position.
uint8_t* Insert(uint8_t* lp, uint8_t* p, std::string_view s, Where where,
                uint8_t** inserted = nullptr);
// Replaces the element at `*p` with `s`; `*p` is updated to the element's new position.
uint8_t* Replace(uint8_t* lp, uint8_t** p, std::string_view s);
// Deletes the element at `*p`; `*p` becomes the element that followed (null at the end).
uint8_t* Delete(uint8_t* lp, uint8_t** p);
// Deletes `count` elements starting at `*p` (fewer if the listpack ends first).
uint8_t* DeleteRange(uint8_t* lp, uint8_t** p, size_t count);
// Deletes `count` elements starting at `index` (negative from the end).
uint8_t* DeleteRange(uint8_t* lp, int64_t index, size_t count);

// The first element at or after `p` whose value equals `s`, looking only at every
// (skip+1)-th element (skip=1 searches the keys of key/value pairs). Null if none.
uint8_t* Find(uint8_t* lp, uint8_t* p, std::string_view s, unsigned skip);

// DEBUG LISTPACK: appends the layout, element by element, in the shape of Redis's lpRepr
// (address, offset, encoding sizes, the bytes of header and backlen, the value).
void Repr(const uint8_t* lp, std::string* out);

// Checks that `size` bytes at `lp` form a well-formed listpack (for data from outside, such
// as an RDB file): the header's size, every element's encoding, length and backlen, the
// terminator, and the header's count (unless 65535, "unknown"). Reads only those bytes.
// A listpack that passes can be walked both ways and changed by every function here.
bool Validate(const uint8_t* lp, size_t size);

}  // namespace cinnabar::core::lp

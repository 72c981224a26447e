// String values: choosing an encoding for new bytes (Redis's tryObjectEncoding rules) and
// reading a string entry as bytes whatever its encoding.
#pragma once

#include <cstddef>
#include <string_view>

#include "base/string_util.h"
#include "core/entry.h"
#include "core/raw_string.h"

namespace cinnabar::core {

// Strings up to this length live inside the entry (Redis's embstr limit).
constexpr size_t kEmbStrMax = 44;

// Scratch space for formatting an integer-encoded value.
struct IntBuffer {
  char data[base::kInt64Chars];
};

// A Value for `bytes`: "int" when they are a canonical 64-bit integer of at most 20
// characters, "embstr" when short, else "raw" (a new RawString the caller must store).
Value MakeStringValue(std::string_view bytes);
// A raw (out-of-line) value regardless of length.
Value MakeRawStringValue(std::string_view bytes, size_t capacity);
// Text that is stored as text even when it reads as an integer (INCRBYFLOAT's result):
// "embstr" when short, else "raw".
Value MakeTextValue(std::string_view bytes);

// What APPEND or SETRANGE leaves in a string key. Redis compat: the result is "raw"
// whatever its size or content (Redis edits an unshared sds in place).
struct StringEdit {
  Value value;
  size_t length = 0;  // of the new bytes
  // True when the entry's own raw string was grown and written in place: store
  // value.pointer with Database::SetPointer (the old pointer may be gone). Otherwise
  // `value` is a new raw string for Database::Update.
  bool in_place = false;
};
// APPEND: `e`'s bytes followed by `tail`. REQUIRES: `e` holds a string.
StringEdit AppendString(Entry* e, std::string_view tail);
// SETRANGE: `bytes` written at `offset` over `e`'s bytes (none when `e` is null), padded
// with zero bytes up to `offset`. REQUIRES: `e` is null or holds a string.
StringEdit OverwriteString(Entry* e, size_t offset, std::string_view bytes);

// The bytes of a string entry; integers are formatted into `scratch`.
std::string_view StringBytes(const Entry* e, IntBuffer* scratch);
// Length of a string entry's value without formatting it.
size_t StringLength(const Entry* e);
// "int", "embstr" or "raw".
std::string_view StringEncodingName(const Entry* e);
// Redis compat: integers 0..9999 are shared objects in Redis (OBJECT REFCOUNT answers
// INT_MAX for them), unless made private by a COPY (Entry::unshared: REFCOUNT 1). Every
// write that stores a new value (SET, INCR, ...) shares it again; moving a key (RENAME,
// MOVE, SWAPDB) or changing its expiry keeps what it was. Whether `e` holds a shared one.
bool IsSharedInteger(const Entry* e);
// The integer a string entry holds, if it is one (any encoding). Redis's string2ll rules.
bool StringToInt64(const Entry* e, int64_t* out);

}  // namespace cinnabar::core

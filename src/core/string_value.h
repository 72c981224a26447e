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
// A raw (out-of-line) value regardless of length, as APPEND and SETRANGE produce.
Value MakeRawStringValue(std::string_view bytes, size_t capacity);

// The bytes of a string entry; integers are formatted into `scratch`.
std::string_view StringBytes(const Entry* e, IntBuffer* scratch);
// Length of a string entry's value without formatting it.
size_t StringLength(const Entry* e);
// "int", "embstr" or "raw".
std::string_view StringEncodingName(const Entry* e);
// The integer a string entry holds, if it is one (any encoding). Redis's string2ll rules.
bool StringToInt64(const Entry* e, int64_t* out);

}  // namespace cinnabar::core

// Operations every value type provides, dispatched on type and encoding: freeing, copying
// (COPY), and measuring (MEMORY USAGE). Command code never branches on encodings; this is
// the one place that does for whole values.
#pragma once

#include <cstddef>

#include "core/entry.h"

namespace cinnabar::core {

// Frees an out-of-line value (no-op for values kept inside the entry).
void DestroyValue(const Value& v);
// Frees an entry and its out-of-line value.
void DestroyEntry(Entry* e);
// A deep copy of `v` (COPY): out-of-line parts are duplicated; inline parts are shared
// views, valid while the source entry lives. A copied integer is unshared (Value::unshared),
// as Redis's dupStringObject makes a private object of even a shared integer.
Value CloneValue(const Value& v);
// Bytes allocated for the value outside its entry. `samples` > 0 estimates a large
// collection from about that many elements (MEMORY USAGE SAMPLES); 0 measures them all.
size_t ValueAllocatedBytes(const Value& v, size_t samples = 0);

}  // namespace cinnabar::core

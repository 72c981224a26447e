// HashValue: a hash as the keyspace stores it (an entry's encoding and pointer), with every
// operation the hash commands need over its two encodings:
//
//   listpack   field, value, field, value, ... while there are at most
//              hash-max-listpack-entries fields and no field or value is longer than
//              hash-max-listpack-value bytes
//   hashtable  a FieldTable beyond that; never converted back
//
// A HashValue is a light handle: copying it does not copy the hash. After a change, store
// encoding() and pointer() back in the entry (they may both change).
// Not thread-safe: used by the thread that holds the owning shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/function_ref.h"
#include "core/object_type.h"
#include "core/string_value.h"

namespace cinnabar::core {

// The conversion thresholds (hash-max-listpack-entries/value).
struct HashLimits {
  int64_t max_listpack_entries = 128;
  int64_t max_listpack_value = 64;
};

class HashValue {
 public:
  HashValue(uint8_t encoding, void* pointer) : encoding_(encoding), pointer_(pointer) {}

  // A new empty hash (listpack).
  static HashValue Create();

  uint8_t encoding() const { return encoding_; }
  void* pointer() const { return pointer_; }

  // Number of fields.
  size_t Size() const;
  // The value of `field`; integers kept as such are formatted into `scratch`. The view is
  // valid until the next change.
  std::optional<std::string_view> Get(std::string_view field, IntBuffer* scratch) const;
  bool Contains(std::string_view field) const;

  // Redis compat (hashTypeTryConversion): converts to a hashtable when any of `args`
  // (fields and values about to be written) is too long for the listpack, before writing,
  // even for fields that will not be written (HSETNX on an existing field).
  void ConvertIfTooLong(std::span<const std::string_view> args, const HashLimits& limits);
  // Sets `field` to `value`, converting past the limits; true if the field is new.
  bool Set(std::string_view field, std::string_view value, const HashLimits& limits);
  // Removes `field`; false if absent.
  bool Delete(std::string_view field);

  // Visits every field and value (listpack: insertion order). Views are valid only during
  // the call; the visitor must not change the hash.
  void ForEach(base::FunctionRef<void(std::string_view, std::string_view)> visit) const;
  std::vector<std::pair<std::string, std::string>> Pairs() const;

  // HSCAN: visits a batch of fields and values from `cursor` (0 = start) and returns the
  // next cursor, 0 when finished. A listpack is visited whole in one call.
  uint64_t Scan(uint64_t cursor, size_t count,
                base::FunctionRef<void(std::string_view, std::string_view)> visit) const;

  // `count` random (field, value) pairs: distinct ones (at most Size()) or, with `repeat`,
  // exactly `count` picks that may repeat. REQUIRES a non-empty hash.
  std::vector<std::pair<std::string, std::string>> Random(
      size_t count, bool repeat, base::FunctionRef<uint64_t()> random) const;

  void Destroy();
  HashValue Clone() const;
  // Bytes allocated for the value; `samples` > 0 estimates a large encoding from about
  // that many elements (MEMORY USAGE SAMPLES), 0 measures every one.
  size_t AllocatedBytes(size_t samples = 0) const;

 private:
  void ConvertToTable();

  uint8_t encoding_;
  void* pointer_;
};

}  // namespace cinnabar::core

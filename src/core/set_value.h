// SetValue: a set as the keyspace stores it (an entry's encoding and pointer), with every
// operation the set commands need over its three encodings:
//
//   intset     an IntSet, while every member is an integer and there are at most
//              set-max-intset-entries of them
//   listpack   a listpack of members, for small sets with a non-integer member (at most
//              set-max-listpack-entries members of at most set-max-listpack-value bytes),
//              as Redis 7.2 does (Redis 7.0 goes straight to hashtable)
//   hashtable  a MemberTable, beyond those limits; never converted back
//
// A SetValue is a light handle: copying it does not copy the set. After a change, store
// encoding() and pointer() back in the entry (they may both change).
// Not thread-safe: used by the thread that holds the owning shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/function_ref.h"
#include "core/object_type.h"

namespace cinnabar::core {

// The conversion thresholds (set-max-intset-entries, set-max-listpack-entries/value).
struct SetLimits {
  int64_t max_intset_entries = 512;
  int64_t max_listpack_entries = 128;
  int64_t max_listpack_value = 64;
};

class SetValue {
 public:
  SetValue(uint8_t encoding, void* pointer) : encoding_(encoding), pointer_(pointer) {}

  // A new empty set whose encoding suits `first`, the first member to be added, when about
  // `size_hint` members will follow it in (Redis 7.2's setTypeCreate).
  static SetValue Create(std::string_view first, size_t size_hint, const SetLimits& limits);

  uint8_t encoding() const { return encoding_; }
  void* pointer() const { return pointer_; }

  size_t Size() const;
  bool Contains(std::string_view member) const;
  // Adds `member`, converting the encoding when a limit is passed; false if present.
  bool Add(std::string_view member, const SetLimits& limits);
  // Removes `member`; false if absent.
  bool Remove(std::string_view member);

  // Visits every member (intset: ascending; listpack: insertion order). The view is valid
  // only during the call. The visitor must not change the set.
  void ForEach(base::FunctionRef<void(std::string_view)> visit) const;
  std::vector<std::string> Members() const;

  // SSCAN: visits a batch of members from `cursor` (0 = start) and returns the next
  // cursor, 0 when finished. The compact encodings are visited whole in one call.
  uint64_t Scan(uint64_t cursor, size_t count,
                base::FunctionRef<void(std::string_view)> visit) const;

  // `count` random members: distinct ones (at most Size()) or, with `repeat`, exactly
  // `count` picks that may repeat. REQUIRES a non-empty set.
  std::vector<std::string> Random(size_t count, bool repeat,
                                  base::FunctionRef<uint64_t()> random) const;

  // Frees the set.
  void Destroy();
  SetValue Clone() const;
  // Bytes allocated for the value; `samples` > 0 estimates a large encoding from about
  // that many elements (MEMORY USAGE SAMPLES), 0 measures every one.
  size_t AllocatedBytes(size_t samples = 0) const;

 private:
  void Convert(uint8_t to);
  std::string RandomOne(base::FunctionRef<uint64_t()> random) const;

  uint8_t encoding_;
  void* pointer_;
};

}  // namespace cinnabar::core

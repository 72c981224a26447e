// Member tables: the large ("hashtable") encodings of sets and hashes, as SegmentedTable
// instances whose elements are single allocations that carry their own key.
//
//   SetMember    varint length, member bytes
//   HashField    varint field length, varint value length, field bytes, value bytes
//
// A slot in the table is one pointer plus one control byte, so a member costs its bytes,
// one or two length bytes, the allocator's rounding and about 9-20 bytes of table, against
// Redis's dictEntry (24 bytes), bucket pointer (8) and sds headers.
//
// Not thread-safe: used by the thread that holds the owning shard.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/segmented_table.h"

namespace cinnabar::core {

class SetMember {
 public:
  static SetMember* Create(std::string_view member);
  static void Free(SetMember* m);
  std::string_view view() const;
  size_t AllocatedBytes() const;

 private:
  SetMember() = default;
};

class HashField {
 public:
  static HashField* Create(std::string_view field, std::string_view value);
  static void Free(HashField* f);
  // Returns `f` holding `value`: in place when it fits the allocation, else a new element
  // (and `f` is freed): the caller must then put it in the table (Replace).
  static HashField* SetValue(HashField* f, std::string_view value);

  std::string_view field() const;
  std::string_view value() const;
  size_t AllocatedBytes() const;

 private:
  HashField() = default;
};

struct SetMemberTraits {
  using Element = SetMember;
  static std::string_view Key(const SetMember* m) { return m->view(); }
  static bool Volatile(const SetMember*) { return false; }
  static void Destroy(SetMember* m) { SetMember::Free(m); }
};

struct HashFieldTraits {
  using Element = HashField;
  static std::string_view Key(const HashField* f) { return f->field(); }
  static bool Volatile(const HashField*) { return false; }
  static void Destroy(HashField* f) { HashField::Free(f); }
};

using MemberTable = SegmentedTable<SetMemberTraits>;
using FieldTable = SegmentedTable<HashFieldTraits>;
extern template class SegmentedTable<SetMemberTraits>;
extern template class SegmentedTable<HashFieldTraits>;

}  // namespace cinnabar::core

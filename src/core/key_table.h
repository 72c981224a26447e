// KeyTable: one database's keys on one shard, key -> Entry. A SegmentedTable whose elements
// are Entries; an entry with an expiry is "volatile" for the active expiry cycle.
#pragma once

#include <string_view>

#include "core/entry.h"
#include "core/segmented_table.h"

namespace cinnabar::core {

struct KeyTableTraits {
  using Element = Entry;
  static std::string_view Key(const Entry* e) { return e->key(); }
  static bool Volatile(const Entry* e) { return e->has_expire(); }
  static void Destroy(Entry* e);  // the entry and its value
};

using KeyTable = SegmentedTable<KeyTableTraits>;
extern template class SegmentedTable<KeyTableTraits>;

}  // namespace cinnabar::core

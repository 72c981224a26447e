// What DEBUG shows of a value's encoding: the listpack, quicklist or table a value is kept
// in, so command files need not branch on encodings (DEBUG LISTPACK, QUICKLIST,
// HTSTATS-KEY).
//
// Not thread-safe: used by the thread that holds the entry's shard.
#pragma once

#include <cstdint>

#include "core/entry.h"
#include "core/quicklist.h"
#include "core/segmented_table.h"

namespace cinnabar::core {

// The listpack of a listpack-encoded hash, set, sorted set or list, else null.
const uint8_t* ValueListpack(const Entry* e);
// The quicklist of a quicklist-encoded list, else null.
const Quicklist* ValueQuicklist(const Entry* e);
// Fills `out` with the stats of the table of a hashtable-encoded hash or set, or of a
// skiplist-encoded sorted set's member table; false for any other encoding.
bool ValueTableStats(const Entry* e, TableStats* out);

}  // namespace cinnabar::core

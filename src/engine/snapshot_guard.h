// SnapshotGuard: how a snapshot written in slices (persistence/snapshot.h) keeps its point
// in time while commands go on. Before the database lets anyone at an entry (every Find*),
// adds one, or drops many at once (flush, swap), it tells the shard's guard, which writes
// out the one entry the snapshot has not written yet and is about to change, and says
// which new entries the snapshot must skip. The snapshot's own progress through the table
// is its business; the database only asks.
//
// Threading: called wherever the shard's commands run (its thread, or a locked batch's).
#pragma once

#include <cstdint>

#include "core/key_table.h"

namespace cinnabar::engine {

class Database;

class SnapshotGuard {
 public:
  virtual ~SnapshotGuard() = default;
  // The entry `e` at `where` in `db`'s table, whose key's hash is `hash`, may be read or
  // changed next (or removed).
  virtual void BeforeAccess(Database& db, uint64_t hash, const core::KeyTable::Handle& where,
                            const core::Entry& e) = 0;
  // A key whose hash is `hash` is about to be added to `db`: whether its entry goes in
  // with the table's snapshot mark (the snapshot must not write it).
  virtual bool MarkAdded(Database& db, uint64_t hash) = 0;
  // Every key of `db` is about to go or move (FLUSHDB, FLUSHALL, SWAPDB).
  virtual void BeforeBulkChange(Database& db) = 0;
};

}  // namespace cinnabar::engine

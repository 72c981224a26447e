// SnapshotGuard: how a snapshot written in slices (persistence/snapshot.h) keeps its point
// in time while commands go on. Before the database lets anyone at an entry (every Find*,
// Add), or drops many at once (flush, swap), it tells the shard's guard, which writes out
// what the snapshot has not written yet and is about to change. The snapshot's own
// progress through the table is its business; the database only asks.
//
// Threading: called wherever the shard's commands run (its thread, or a locked batch's).
#pragma once

#include <cstdint>

namespace cinnabar::engine {

class Database;

class SnapshotGuard {
 public:
  virtual ~SnapshotGuard() = default;
  // The entry for a key whose hash is `hash` may be read or changed next (or a key with
  // that hash added).
  virtual void BeforeAccess(Database& db, uint64_t hash) = 0;
  // Every key of `db` is about to go or move (FLUSHDB, FLUSHALL, SWAPDB).
  virtual void BeforeBulkChange(Database& db) = 0;
};

}  // namespace cinnabar::engine

// Database: one numbered database's keys on one shard. Wraps the key table with Redis's
// key semantics: lazy expiry on access, LRU touch, keyspace hit/miss statistics, typed
// lookups, and ownership of values.
//
// The write path: every change to a key goes through the calls below marked [write]; each
// publishes one key event to the shard's observers (engine/key_events.h). Commands find a
// key (Find*), change a collection in place and commit it (UpdateObject), or add, update,
// move and delete whole keys; nothing edits an entry behind the database's back.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "base/op_status.h"
#include "core/entry.h"
#include "core/key_table.h"
#include "core/string_value.h"
#include "engine/blocking.h"
#include "engine/key_events.h"

namespace cinnabar::engine {

class Shard;

class Database {
 public:
  Database(Shard* shard, int index) : shard_(shard), index_(index) {}
  ~Database();

  int index() const { return index_; }
  size_t size() const { return table_.size(); }
  size_t volatile_count() const { return table_.volatile_count(); }
  core::KeyTable& table() { return table_; }
  Shard& shard() { return *shard_; }

  // A key's place in the table. `hash` is filled even when the key is absent, for Add.
  struct Ref {
    core::Entry* entry = nullptr;
    core::KeyTable::Handle where;
    uint64_t hash = 0;
    explicit operator bool() const { return entry != nullptr; }
  };

  // Finds `key`; a key past its expiry is deleted first and reported absent. Touches the
  // LRU clock.
  Ref Find(std::string_view key);
  // Find that leaves the LRU clock alone (OBJECT, introspection); still expires lazily.
  Ref FindNoTouch(std::string_view key);
  // Find for read commands: also counts a keyspace hit or miss.
  Ref FindRead(std::string_view key);
  // FindRead that leaves the LRU clock and LFU counter alone: a read that looks at the key
  // without using its value (TYPE, EXISTS, TTL), as Redis's LOOKUP_NOTOUCH reads do.
  Ref FindReadNoTouch(std::string_view key);
  // Find that returns kNotFound or kWrongType instead of the wrong thing.
  base::OpResult<Ref> FindOfType(std::string_view key, core::ObjType type, bool read);
  // Finds without deleting expired keys or touching anything (TYPE-free introspection).
  bool ExistsNoTouch(std::string_view key);

  // [write] Adds a key known to be absent (`hash` from the failed Find). Takes ownership of the
  // value's out-of-line part. `expire_ms` 0 = no expiry. A new integer is shared unless the
  // eviction settings say otherwise (AccessPolicy::no_shared_integers), here and in Update.
  core::Entry* Add(std::string_view key, uint64_t hash, const core::Value& value,
                   int64_t expire_ms);
  static constexpr int64_t kKeepTtl = -1;
  // [write] Gives the key at `ref` a new value and expiry (kKeepTtl keeps the current one). The
  // old out-of-line value is freed unless the new value reuses its pointer.
  void Update(Ref& ref, const core::Value& value, int64_t expire_ms);
  // [write] Adds or overwrites.
  void Set(std::string_view key, const core::Value& value, int64_t expire_ms);
  // [write] Sets the expiry of the key at `ref`; 0 removes it.
  void SetExpire(Ref& ref, int64_t expire_ms);
  // [write] Replaces just the out-of-line pointer (a value that moved in memory).
  void SetPointer(Ref& ref, void* pointer);
  // [write] Stores an APPEND / SETRANGE result at `ref` (edited in place, or a new value),
  // keeping the TTL.
  void CommitStringEdit(Ref& ref, const core::StringEdit& edit);
  // [write] A collection changed in place: records its (possibly moved) pointer and (possibly
  // converted) encoding. The old pointer is not freed; the collection code did that.
  void UpdateObject(Ref& ref, uint8_t encoding, void* pointer);
  // Not a write: a collection was re-encoded with its contents unchanged (LSET out of range,
  // after Redis's growth conversion). Records the pointer and encoding; publishes nothing.
  void RecordEncoding(Ref& ref, uint8_t encoding, void* pointer);
  // [write] Removes the key at `ref` and frees it.
  void Erase(Ref& ref);
  // [write] Moves the key at `ref` (value, expiry, access time or LFU counter) to `dst` as
  // `new_key`, which must be absent there (`new_hash` from its failed Find). `dst` may be
  // this database or one on another shard the caller holds.
  void MoveTo(Ref& ref, Database& dst, std::string_view new_key, uint64_t new_hash);
  // [write] Deletes `key` if present (expired keys count as absent). Returns whether it existed.
  bool Delete(std::string_view key);
  // [write] Frees every key; the expiry cycle's cursor and average TTL start over.
  void Clear();
  // The old keys TakeTable hands out, with the arena their entries live in: whoever holds
  // them may free them on any thread, since no one else uses that arena any more.
  struct TakenTable {
    std::unique_ptr<core::EntryArena> arena;
    core::KeyTable table;  // destroyed first: its entries go back to the arena
  };
  // [write] Empties the database like Clear, but hands the old keys to the caller (FLUSHDB ASYNC
  // frees them on another thread); the database goes on with a fresh arena.
  TakenTable TakeTable();
  // [write] SWAPDB: exchanges the keys of two databases of the same shard.
  void SwapContents(Database& other);
  // A random live key, or null.
  core::Entry* RandomKey();

  // Whether `e` is past its expiry at the current command time.
  bool IsExpired(const core::Entry* e) const;
  // [write] Removes an expired key (found lazily or by the expiry cycle).
  void ExpireNow(const core::KeyTable::Handle& where);
  // [write] Removes a key to stay under maxmemory (engine/eviction.h).
  void Evict(const core::KeyTable::Handle& where);
  // Whether `key` is in the table but past its expiry (WATCH); deletes nothing.
  bool ExpiredNow(std::string_view key);

  // --- Blocked clients waiting for keys of this database (engine/blocking.h) ---
  void AddWaiter(std::string_view key, std::shared_ptr<Waiter> w);
  void RemoveWaiter(std::string_view key, const Waiter* w);
  WaiterMap* waiters() { return waiters_.get(); }
  // Marks ready every waited-for key that exists (after SWAPDB).
  void SignalWaitedKeys();
  void DropWaitersIfEmpty() {
    if (waiters_ && waiters_->empty()) waiters_.reset();
  }

  uint64_t expire_cursor = 0;    // position of the active expiry sweep
  uint64_t maintain_cursor = 0;  // position of the table shrinking sweep
  int64_t avg_ttl = 0;           // estimated by the expiry cycle (INFO keyspace)

 private:
  // `value` as a new value is stored: a shareable integer made private when the eviction
  // settings want it so.
  core::Value Stored(const core::Value& value) const;
  // Add without Stored: the value keeps its sharing (a moved key).
  core::Entry* AddAsIs(std::string_view key, uint64_t hash, const core::Value& value,
                       int64_t expire_ms);
  void ResetCursors();
  void Publish(KeyEvent event, std::string_view key);
  // Counts `ref` (a lookup of `key`) as a keyspace hit or miss; a miss publishes it.
  Ref CountRead(std::string_view key, Ref ref);

  Shard* shard_;
  int index_;
  // Where this database's entries are allocated (core/entry_arena.h); one per database,
  // so a table taken out whole takes its arena along.
  std::unique_ptr<core::EntryArena> arena_ = std::make_unique<core::EntryArena>();
  core::KeyTable table_;  // after arena_: destroyed first
  std::unique_ptr<WaiterMap> waiters_;  // only while someone waits
};

}  // namespace cinnabar::engine

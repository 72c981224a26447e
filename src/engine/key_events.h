// Key events: what the write path tells the subsystems that watch the keyspace.
//
// Every change to a key goes through the database's write API (engine/database.h), and
// each of those calls publishes one event to its shard's observers: blocking wake-ups,
// WATCH, the dirty counter; later keyspace notifications, client tracking, the journal's
// snapshot hooks. A new subsystem subscribes here; no command family is edited for it.
//
// Threading: events are published by whoever runs on the shard: its own thread, or a
// locked batch's thread while it holds the shard (engine/shard.h). Observers belong to one
// shard and are called only under that contract, so they need no locks of their own.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/counter.h"

namespace cinnabar::engine {

class Database;

enum class KeyEvent : uint8_t {
  kAdded,     // a new key (its value is in place)
  kModified,  // an existing key's value or expiry changed
  kDeleted,   // removed by a command (DEL, an emptied collection, RENAME's source, ...)
  kExpired,   // removed because its time passed (lazily or by the active cycle)
  kEvicted,   // removed to stay under maxmemory
};

class KeyObserver {
 public:
  virtual ~KeyObserver() = default;
  // `key` is valid only during the call; the observer must not change the keyspace.
  virtual void OnKeyEvent(KeyEvent event, Database& db, std::string_view key) = 0;
  // `db` is about to lose every key at once (FLUSHDB, FLUSHALL): no per-key events follow.
  virtual void OnFlush(Database& db) = 0;
  // `a` and `b` (of one shard) have just exchanged their keys (SWAPDB).
  virtual void OnSwap(Database& a, Database& b) = 0;
  // A read command looked `key` up and found nothing. Only for observers that subscribed
  // to misses.
  virtual void OnKeyMiss(Database&, std::string_view) {}
};

// One shard's observers, called in the order they subscribed.
class KeyEvents {
 public:
  void Subscribe(KeyObserver* o) { observers_.push_back(o); }
  void SubscribeMisses(KeyObserver* o) { miss_observers_.push_back(o); }
  void Publish(KeyEvent event, Database& db, std::string_view key) {
    for (KeyObserver* o : observers_) o->OnKeyEvent(event, db, key);
  }
  void PublishFlush(Database& db) {
    for (KeyObserver* o : observers_) o->OnFlush(db);
  }
  void PublishSwap(Database& a, Database& b) {
    for (KeyObserver* o : observers_) o->OnSwap(a, b);
  }
  void PublishMiss(Database& db, std::string_view key) {
    for (KeyObserver* o : miss_observers_) o->OnKeyMiss(db, key);
  }

 private:
  std::vector<KeyObserver*> observers_;
  std::vector<KeyObserver*> miss_observers_;
};

// Redis's `dirty`: changes since the last save (INFO rdb_changes_since_last_save). One per
// key event but expiry (Redis compat: an expired key is no change to save); a flush counts
// the keys it removes. Redis counts some multi-element writes per element (HSET of three
// fields: 3); here they count once per key.
class DirtyCounter : public KeyObserver {
 public:
  void OnKeyEvent(KeyEvent event, Database&, std::string_view) override {
    if (event != KeyEvent::kExpired) changes_.Inc();
  }
  void OnFlush(Database& db) override;
  void OnSwap(Database&, Database&) override { changes_.Inc(); }
  int64_t changes() const { return changes_.Get(); }
  // A save took everything so far / the first `n` changes.
  void Reset() { changes_.Set(0); }
  void Subtract(int64_t n) { changes_.Set(std::max<int64_t>(0, changes_.Get() - n)); }

 private:
  base::Counter changes_;
};

}  // namespace cinnabar::engine

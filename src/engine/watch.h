// WATCH: optimistic locking for MULTI/EXEC. A client's watched keys form one WatchSet; each
// shard that holds one of them keeps it in its WatchTable, an observer of the shard's key
// events (engine/key_events.h). Any event on a watched key (a write, expiry, a flush that
// removes it, a swap that replaces it, eviction) marks the set dirty, and EXEC then answers
// a null array without running anything.
//
// Threading: a WatchSet's key list is written only by its client's own commands (WATCH,
// EXEC, UNWATCH), which run one at a time; `dirty` is set by any shard's thread and read by
// EXEC while it holds every shard the set names. A WatchTable belongs to its shard.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/key_events.h"

namespace cinnabar::engine {

class Engine;

struct WatchSet {
  struct Key {
    unsigned shard;
    int db;
    std::string name;
    // Redis compat: a key already past its expiry when watched does not fail EXEC by
    // expiring; one that expires afterwards does, even before anything deletes it.
    bool expired_when_watched;
  };
  std::atomic<bool> dirty{false};
  std::vector<Key> keys;

  bool Has(int db, std::string_view key) const;
};

class WatchTable : public KeyObserver {
 public:
  explicit WatchTable(int databases) : dbs_(static_cast<size_t>(databases)) {}

  // Adds `set` to the watchers of `key` in database `db` (once).
  void Watch(int db, std::string_view key, const std::shared_ptr<WatchSet>& set,
             bool expired_when_watched);
  void Unwatch(int db, std::string_view key, const WatchSet* set);
  size_t watched_keys() const { return count_; }

  void OnKeyEvent(KeyEvent event, Database& db, std::string_view key) override;
  void OnFlush(Database& db) override;
  void OnSwap(Database& a, Database& b) override;

 private:
  struct Watcher {
    std::shared_ptr<WatchSet> set;
    bool expired_when_watched;  // its expiry deletion is no change to this watcher
  };
  using Watchers = std::vector<Watcher>;
  using Map = std::unordered_map<std::string, Watchers>;
  // Marks dirty every set watching `key` in `map` (where `pred` holds) and forgets them.
  template <typename Pred>
  void TouchWhere(Map& map, Pred pred);

  std::vector<Map> dbs_;  // by database index
  size_t count_ = 0;      // keys with watchers, over all databases
};

// The client side: registers `key` (of `db`, on its shard, which the running command may
// use) in `set`. Run by WATCH where the key lives.
void WatchKey(Database& db, std::string_view key, const std::shared_ptr<WatchSet>& set);

// Whether EXEC must fail: the set is dirty, or a watched key is past its expiry now though
// it was not when watched. REQUIRES: every shard the set names is held by the caller.
bool WatchFailed(Engine& eng, const WatchSet& set);

// Withdraws `set` from every shard that holds it (asynchronously, on each shard's thread
// once the shard is free). The set is then no longer touched by anyone.
void ReleaseWatches(Engine& eng, std::shared_ptr<WatchSet> set);

}  // namespace cinnabar::engine

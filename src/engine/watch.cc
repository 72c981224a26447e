#include "engine/watch.h"

#include <algorithm>
#include <utility>

#include "engine/database.h"
#include "engine/engine.h"
#include "engine/shard.h"

namespace cinnabar::engine {

bool WatchSet::Has(int db, std::string_view key) const {
  return std::any_of(keys.begin(), keys.end(),
                     [&](const Key& k) { return k.db == db && k.name == key; });
}

void WatchTable::Watch(int db, std::string_view key, const std::shared_ptr<WatchSet>& set,
                       bool expired_when_watched) {
  Map& map = dbs_[static_cast<size_t>(db)];
  auto [it, inserted] = map.try_emplace(std::string(key));
  if (inserted) ++count_;
  Watchers& list = it->second;
  if (std::none_of(list.begin(), list.end(), [&](const Watcher& w) { return w.set == set; })) {
    list.push_back({set, expired_when_watched});
  }
}

void WatchTable::Unwatch(int db, std::string_view key, const WatchSet* set) {
  Map& map = dbs_[static_cast<size_t>(db)];
  auto it = map.find(std::string(key));
  if (it == map.end()) return;
  Watchers& list = it->second;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [set](const Watcher& w) { return w.set.get() == set; }),
             list.end());
  if (list.empty()) {
    map.erase(it);
    --count_;
  }
}

void WatchTable::OnKeyEvent(KeyEvent event, Database& db, std::string_view key) {
  if (count_ == 0) return;
  Map& map = dbs_[static_cast<size_t>(db.index())];
  auto it = map.find(std::string(key));
  if (it == map.end()) return;
  Watchers& list = it->second;
  // Redis compat: a key that was already past its expiry when watched counted as absent;
  // deleting it now changes nothing for those watchers.
  const bool expiry = event == KeyEvent::kExpired;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [expiry](const Watcher& w) {
                              if (expiry && w.expired_when_watched) return false;
                              w.set->dirty.store(true, std::memory_order_release);
                              return true;
                            }),
             list.end());
  if (list.empty()) {
    map.erase(it);
    --count_;
  }
}

template <typename Pred>
void WatchTable::TouchWhere(Map& map, Pred pred) {
  for (auto it = map.begin(); it != map.end();) {
    if (!pred(it->first)) {
      ++it;
      continue;
    }
    for (const Watcher& w : it->second) w.set->dirty.store(true, std::memory_order_release);
    it = map.erase(it);
    --count_;
  }
}

void WatchTable::OnFlush(Database& db) {
  // Redis compat (touchAllWatchedKeysInDb): only keys that existed are touched.
  if (count_ == 0) return;
  TouchWhere(dbs_[static_cast<size_t>(db.index())],
             [&db](const std::string& key) { return db.ExistsNoTouch(key); });
}

void WatchTable::OnSwap(Database& a, Database& b) {
  // A watched key of either database is touched when it exists on either side: its value
  // was replaced, or it appeared or vanished.
  if (count_ == 0) return;
  auto either = [&a, &b](const std::string& key) {
    return a.ExistsNoTouch(key) || b.ExistsNoTouch(key);
  };
  TouchWhere(dbs_[static_cast<size_t>(a.index())], either);
  TouchWhere(dbs_[static_cast<size_t>(b.index())], either);
}

void WatchKey(Database& db, std::string_view key, const std::shared_ptr<WatchSet>& set) {
  if (set->Has(db.index(), key)) return;
  const bool expired = db.ExpiredNow(key);
  set->keys.push_back({db.shard().index(), db.index(), std::string(key), expired});
  db.shard().watches().Watch(db.index(), key, set, expired);
}

bool WatchFailed(Engine& eng, const WatchSet& set) {
  if (set.dirty.load(std::memory_order_acquire)) return true;
  return std::any_of(set.keys.begin(), set.keys.end(), [&eng](const WatchSet::Key& k) {
    return !k.expired_when_watched && eng.shard(k.shard).db(k.db).ExpiredNow(k.name);
  });
}

void ReleaseWatches(Engine& eng, std::shared_ptr<WatchSet> set) {
  if (set == nullptr || set->keys.empty()) return;
  std::vector<unsigned> shards;
  for (const WatchSet::Key& k : set->keys) shards.push_back(k.shard);
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  for (unsigned s : shards) {
    eng.Post(s, [&eng, s, set] {
      Shard& shard = eng.shard(s);
      shard.RunWhenFree([&shard, s, set] {
        for (const WatchSet::Key& k : set->keys) {
          if (k.shard == s) shard.watches().Unwatch(k.db, k.name, set.get());
        }
      });
    });
  }
}

}  // namespace cinnabar::engine

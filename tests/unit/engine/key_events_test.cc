// The write path's key events: every Database write publishes exactly one event to the
// shard's observers, and the observers that live in the shard (dirty counter, WATCH) act.
#include "engine/key_events.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "core/string_value.h"
#include "engine/database.h"
#include "engine/shard.h"
#include "engine/watch.h"

namespace cinnabar::engine {
namespace {

using core::Value;

// Records what it is told.
class Recorder : public KeyObserver {
 public:
  void OnKeyEvent(KeyEvent event, Database& db, std::string_view key) override {
    seen.push_back(Name(event) + ":" + std::to_string(db.index()) + ":" + std::string(key));
  }
  void OnFlush(Database& db) override { seen.push_back("flush:" + std::to_string(db.index())); }
  void OnSwap(Database& a, Database& b) override {
    seen.push_back("swap:" + std::to_string(a.index()) + ":" + std::to_string(b.index()));
  }
  std::vector<std::string> seen;

 private:
  static std::string Name(KeyEvent e) {
    switch (e) {
      case KeyEvent::kAdded: return "added";
      case KeyEvent::kModified: return "modified";
      case KeyEvent::kDeleted: return "deleted";
      case KeyEvent::kExpired: return "expired";
      case KeyEvent::kEvicted: return "evicted";
    }
    return "?";
  }
};

class KeyEventsTest : public ::testing::Test {
 protected:
  KeyEventsTest() { shard_.events().Subscribe(&rec_); }
  Shard shard_{0, 2};
  Recorder rec_;
  Database& db(int i = 0) { return shard_.db(i); }
};

TEST_F(KeyEventsTest, EveryWriteCallPublishesOneEvent) {
  shard_.set_now_ms(1000);
  db().Set("k", Value::Embedded("a"), 0);        // added
  db().Set("k", Value::Embedded("b"), 0);        // modified
  Database::Ref ref = db().Find("k");
  db().SetExpire(ref, 5000);                     // modified
  db().MoveTo(ref, db(1), "k2", db(1).Find("k2").hash);  // deleted here, added there
  EXPECT_TRUE(db().Delete("nothing") == false);  // nothing
  EXPECT_TRUE(db(1).Delete("k2"));               // deleted
  EXPECT_EQ(rec_.seen, (std::vector<std::string>{"added:0:k", "modified:0:k", "modified:0:k",
                                                 "deleted:0:k", "added:1:k2", "deleted:1:k2"}));
}

TEST_F(KeyEventsTest, ExpiryFlushAndSwapAreEventsToo) {
  shard_.set_now_ms(1000);
  db().Set("t", Value::Embedded("v"), 1500);
  db(1).Set("u", Value::Embedded("v"), 0);
  shard_.set_now_ms(2000);
  EXPECT_FALSE(db().Find("t"));  // lazily expired
  shard_.SwapDbs(0, 1);
  db().Clear();
  db().Clear();  // already empty: no flush to tell
  EXPECT_EQ(rec_.seen, (std::vector<std::string>{"added:0:t", "added:1:u", "expired:0:t",
                                                 "swap:0:1", "flush:0"}));
}

TEST_F(KeyEventsTest, DirtyCountsChangesButNotExpiry) {
  shard_.set_now_ms(1000);
  db().Set("a", Value::Embedded("v"), 1500);
  db().Set("b", Value::Embedded("v"), 0);
  db().Set("c", Value::Embedded("v"), 0);
  EXPECT_EQ(shard_.dirty().changes(), 3);
  shard_.set_now_ms(2000);
  EXPECT_FALSE(db().Find("a"));
  EXPECT_EQ(shard_.dirty().changes(), 3);  // Redis compat: expiry is no change to save
  db().Clear();
  EXPECT_EQ(shard_.dirty().changes(), 5);  // a flush counts the keys it removed
}

TEST_F(KeyEventsTest, WatchIsDirtiedByAWriteOfItsKeyOnly) {
  auto set = std::make_shared<WatchSet>();
  WatchKey(db(), "w", set);
  db().Set("other", Value::Embedded("v"), 0);
  db(1).Set("w", Value::Embedded("v"), 0);  // same name, another database
  EXPECT_FALSE(set->dirty.load());
  db().Set("w", Value::Embedded("v"), 0);
  EXPECT_TRUE(set->dirty.load());
  EXPECT_EQ(shard_.watches().watched_keys(), 0u);  // a dirty set is forgotten by the table
}

TEST_F(KeyEventsTest, FlushDirtiesOnlyWatchersOfKeysThatExisted) {
  auto present = std::make_shared<WatchSet>();
  auto absent = std::make_shared<WatchSet>();
  db().Set("here", Value::Embedded("v"), 0);
  WatchKey(db(), "here", present);
  WatchKey(db(), "gone", absent);
  db().Clear();
  EXPECT_TRUE(present->dirty.load());
  EXPECT_FALSE(absent->dirty.load());  // Redis compat: FLUSHALL of a missing key is no change
}

TEST_F(KeyEventsTest, KeyExpiredWhenWatchedIgnoresItsDeletionButNotLaterExpiry) {
  shard_.set_now_ms(1000);
  db().Set("old", Value::Embedded("v"), 500);    // already past
  db().Set("soon", Value::Embedded("v"), 1500);  // expires after WATCH
  auto set = std::make_shared<WatchSet>();
  WatchKey(db(), "old", set);
  WatchKey(db(), "soon", set);
  EXPECT_FALSE(db().Find("old"));  // its deletion now is no change for the set
  EXPECT_FALSE(set->dirty.load());
  shard_.set_now_ms(2000);
  // Nothing deleted "soon" yet; EXEC's check still sees it expired.
  EXPECT_TRUE(db().ExpiredNow("soon"));
  EXPECT_FALSE(set->dirty.load());
}

}  // namespace
}  // namespace cinnabar::engine

#include "engine/database.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

#include "base/clock.h"
#include "core/string_value.h"
#include "core/value_ops.h"
#include "engine/shard.h"

namespace cinnabar::engine {
namespace {

using core::Value;

class DatabaseTest : public ::testing::Test {
 protected:
  Shard shard_{0, 2};
  Database& db() { return shard_.db(0); }
  std::string Get(std::string_view key) {
    Database::Ref ref = db().Find(key);
    if (!ref) return "(absent)";
    core::IntBuffer scratch;
    return std::string(core::StringBytes(ref.entry, &scratch));
  }
};

TEST_F(DatabaseTest, SetAddsAndOverwrites) {
  db().Set("k", Value::Embedded("one"), 0);
  EXPECT_EQ(Get("k"), "one");
  db().Set("k", core::MakeStringValue(std::string(100, 'x')), 0);
  EXPECT_EQ(Get("k"), std::string(100, 'x'));
  db().Set("k", Value::Int(5), 0);
  EXPECT_EQ(Get("k"), "5");
  EXPECT_EQ(db().size(), 1u);
}

TEST_F(DatabaseTest, LazyExpiryDeletesOnAccessOnceStrictlyPast) {
  shard_.set_now_ms(1000);
  db().Set("k", Value::Embedded("v"), 2000);
  db().Set("live", Value::Embedded("v"), 0);
  EXPECT_EQ(db().volatile_count(), 1u);
  shard_.set_now_ms(2000);
  EXPECT_TRUE(db().Find("k"));  // at its time, not yet past it
  EXPECT_EQ(shard_.stats().expired_keys.Get(), 0);
  shard_.set_now_ms(2001);
  EXPECT_TRUE(db().ExistsNoTouch("live"));
  EXPECT_FALSE(db().ExistsNoTouch("k"));  // reports absent without deleting
  EXPECT_EQ(db().size(), 2u);
  EXPECT_FALSE(db().Find("k"));
  EXPECT_EQ(shard_.stats().expired_keys.Get(), 1);
  EXPECT_EQ(db().size(), 1u);
  EXPECT_EQ(db().volatile_count(), 0u);
  EXPECT_TRUE(db().Find("live"));
}

TEST_F(DatabaseTest, FindReadCountsHitsAndMisses) {
  shard_.set_now_ms(1000);
  db().Set("k", Value::Int(1), 0);
  db().Set("old", Value::Int(1), 500);
  EXPECT_TRUE(db().FindRead("k"));
  EXPECT_FALSE(db().FindRead("nope"));
  EXPECT_FALSE(db().FindRead("old"));  // expired counts as a miss
  EXPECT_EQ(shard_.stats().keyspace_hits.Get(), 1);
  EXPECT_EQ(shard_.stats().keyspace_misses.Get(), 2);
  EXPECT_EQ(shard_.stats().expired_keys.Get(), 1);
}

TEST_F(DatabaseTest, FindOfTypeReportsMissingAndWrongType) {
  db().Set("s", Value::Int(1), 0);
  EXPECT_TRUE(db().FindOfType("s", core::ObjType::kString, false).ok());
  EXPECT_EQ(db().FindOfType("s", core::ObjType::kList, false).status(),
            base::OpStatus::kWrongType);
  EXPECT_EQ(db().FindOfType("x", core::ObjType::kString, false).status(),
            base::OpStatus::kNotFound);
}

TEST_F(DatabaseTest, UpdateKeepsOrReplacesTheTtl) {
  shard_.set_now_ms(1000);
  db().Set("k", Value::Embedded("a"), 5000);
  Database::Ref ref = db().Find("k");
  db().Update(ref, Value::Embedded("b"), Database::kKeepTtl);
  EXPECT_EQ(db().Find("k").entry->expire_ms(), 5000);
  ref = db().Find("k");
  db().Update(ref, Value::Embedded("c"), 0);
  EXPECT_FALSE(db().Find("k").entry->has_expire());
  EXPECT_EQ(db().volatile_count(), 0u);
  ref = db().Find("k");
  db().Update(ref, core::MakeStringValue(std::string(50, 'r')), 9000);
  EXPECT_EQ(db().Find("k").entry->expire_ms(), 9000);
  EXPECT_EQ(db().volatile_count(), 1u);
  EXPECT_EQ(Get("k"), std::string(50, 'r'));
  // Replacing a raw value frees it (checked by the leak sanitizer).
  ref = db().Find("k");
  db().Update(ref, Value::Int(3), Database::kKeepTtl);
  EXPECT_EQ(Get("k"), "3");
}

TEST_F(DatabaseTest, MoveToRenamesAcrossDatabasesKeepingTheExpiry) {
  shard_.set_now_ms(1000);
  db().Set("src", core::MakeStringValue(std::string(60, 'm')), 7777);
  Database& other = shard_.db(1);
  Database::Ref ref = db().Find("src");
  Database::Ref dst = other.Find("dst");
  ASSERT_FALSE(dst);
  db().MoveTo(ref, other, "dst", dst.hash);
  EXPECT_FALSE(db().Find("src"));
  Database::Ref moved = other.Find("dst");
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved.entry->expire_ms(), 7777);
  EXPECT_EQ(other.volatile_count(), 1u);
  EXPECT_EQ(db().volatile_count(), 0u);
}

TEST_F(DatabaseTest, AMovedOrExpiringKeyKeepsItsPrivateInteger) {
  // Redis compat: RENAME, MOVE and EXPIRE keep the object; a COPY's integer stays private
  // (OBJECT REFCOUNT 1) until a write stores a new value.
  shard_.set_now_ms(1000);
  Value copy = core::CloneValue(Value::Int(79));
  db().Set("k", copy, 0);
  Database::Ref ref = db().Find("k");
  db().SetExpire(ref, 5000);
  ref = db().Find("k");
  ASSERT_TRUE(ref);
  EXPECT_FALSE(core::IsSharedInteger(ref.entry));
  Database& other = shard_.db(1);
  Database::Ref dst = other.Find("moved");
  db().MoveTo(ref, other, "moved", dst.hash);
  ref = other.Find("moved");
  ASSERT_TRUE(ref);
  EXPECT_FALSE(core::IsSharedInteger(ref.entry));
  EXPECT_EQ(ref.entry->expire_ms(), 5000);
  other.Update(ref, Value::Int(79), Database::kKeepTtl);
  EXPECT_TRUE(core::IsSharedInteger(other.Find("moved").entry));
}

TEST_F(DatabaseTest, DeleteReportsWhetherTheKeyExisted) {
  shard_.set_now_ms(1000);
  db().Set("k", Value::Int(1), 0);
  db().Set("gone", Value::Int(1), 10);
  EXPECT_TRUE(db().Delete("k"));
  EXPECT_FALSE(db().Delete("k"));
  EXPECT_FALSE(db().Delete("gone"));  // expired counts as absent
  EXPECT_EQ(db().size(), 0u);
}

TEST_F(DatabaseTest, RandomKeySkipsExpiredKeys) {
  shard_.set_now_ms(1000);
  for (int i = 0; i < 50; ++i) db().Set("dead" + std::to_string(i), Value::Int(i), 10);
  db().Set("alive", Value::Int(1), 0);
  for (int i = 0; i < 10; ++i) {
    core::Entry* e = db().RandomKey();
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->key(), "alive");
  }
}

TEST_F(DatabaseTest, RandomKeyOfOnlyExpiredKeysIsNull) {
  shard_.set_now_ms(1000);
  for (int i = 0; i < 5; ++i) db().Set("dead" + std::to_string(i), Value::Int(i), 10);
  EXPECT_EQ(db().RandomKey(), nullptr);
  EXPECT_EQ(db().size(), 0u);  // deleted on the way
}

TEST_F(DatabaseTest, ActiveExpireCycleRemovesExpiredKeysOnly) {
  const int64_t now = base::UnixTimeMs();
  for (int i = 0; i < 3000; ++i) db().Set("dead:" + std::to_string(i), Value::Int(i), now - 1000);
  for (int i = 0; i < 2000; ++i) {
    db().Set("ttl:" + std::to_string(i), Value::Int(i), now + 3600 * 1000);
    db().Set("plain:" + std::to_string(i), Value::Int(i), 0);
  }
  shard_.db(1).Set("other-db-dead", Value::Int(0), now - 1000);
  for (int round = 0; round < 1000 && db().volatile_count() > 2000; ++round) {
    shard_.ActiveExpireCycle(1000000);
  }
  EXPECT_EQ(db().size(), 4000u);
  EXPECT_EQ(db().volatile_count(), 2000u);
  EXPECT_EQ(shard_.db(1).size(), 0u);
  EXPECT_EQ(shard_.stats().expired_keys.Get(), 3001);
  for (int i = 0; i < 2000; ++i) {
    ASSERT_TRUE(db().ExistsNoTouch("ttl:" + std::to_string(i))) << i;
    ASSERT_TRUE(db().ExistsNoTouch("plain:" + std::to_string(i))) << i;
  }
  EXPECT_GT(db().avg_ttl, 0);
}

// The worker queues the cycle behind a transaction holding the shard (RunWhenFree), so it
// runs once the lock is released, never under it.
TEST_F(DatabaseTest, ActiveExpireCycleWaitsForALockedShard) {
  const int64_t now = base::UnixTimeMs();
  db().Set("dead", Value::Int(0), now - 1000);
  struct Owner : LockOwner {} owner;
  shard_.Lock(&owner, [] {});
  shard_.RunWhenFree([this] { shard_.ActiveExpireCycle(1000000); });
  EXPECT_EQ(db().size(), 1u);
  shard_.Unlock(&owner);
  EXPECT_EQ(db().size(), 0u);
}

TEST_F(DatabaseTest, MaintainTablesShrinksAfterMassDeletes) {
  for (int i = 0; i < 50000; ++i) db().Set("k" + std::to_string(i), Value::Int(i), 0);
  const size_t full = db().table().OverheadBytes();
  for (int i = 1; i < 50000; ++i) ASSERT_TRUE(db().Delete("k" + std::to_string(i)));
  for (int i = 0; i < 200; ++i) shard_.MaintainTables();
  EXPECT_LT(db().table().OverheadBytes(), full / 4);
  EXPECT_TRUE(db().Find("k0"));
}

TEST_F(DatabaseTest, TakenTableIsFreedOnAnotherThreadWhileTheDatabaseGoesOn) {
  // FLUSHALL ASYNC: the old entries go back to their own arena on another thread while
  // new ones come from the database's fresh arena.
  for (int i = 0; i < 50000; ++i) db().Set("old" + std::to_string(i), Value::Embedded("v"), 0);
  auto taken = std::make_unique<Database::TakenTable>(db().TakeTable());
  EXPECT_EQ(taken->table.size(), 50000u);
  EXPECT_EQ(db().size(), 0u);
  std::thread freer([t = std::move(taken)]() mutable { t.reset(); });
  for (int i = 0; i < 50000; ++i) db().Set("new" + std::to_string(i), Value::Embedded("w"), 0);
  for (int i = 0; i < 50000; i += 2) ASSERT_TRUE(db().Delete("new" + std::to_string(i)));
  freer.join();
  EXPECT_EQ(db().size(), 25000u);
  EXPECT_EQ(Get("new1"), "w");
}

}  // namespace
}  // namespace cinnabar::engine

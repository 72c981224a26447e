#include "engine/shard.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cinnabar::engine {
namespace {

struct Owner : LockOwner {};

class ShardTest : public ::testing::Test {
 protected:
  Shard shard_{0, 2};
  std::vector<std::string> log_;
  base::Task Note(std::string what) {
    return [this, what] { log_.push_back(what); };
  }
};

TEST_F(ShardTest, RunWhenFreeRunsAtOnceOnAFreeShard) {
  EXPECT_FALSE(shard_.busy());
  shard_.RunWhenFree(Note("work"));
  EXPECT_EQ(log_, std::vector<std::string>{"work"});
}

TEST_F(ShardTest, LockIsGrantedAtOnceOnAFreeShard) {
  Owner a;
  shard_.Lock(&a, Note("granted"));
  EXPECT_EQ(log_, std::vector<std::string>{"granted"});
  EXPECT_TRUE(shard_.busy());
  shard_.Unlock(&a);
  EXPECT_FALSE(shard_.busy());
}

TEST_F(ShardTest, WorkQueuesWhileLockedAndRunsOnUnlock) {
  Owner a;
  shard_.Lock(&a, Note("a granted"));
  shard_.RunWhenFree(Note("w1"));
  shard_.RunWhenFree(Note("w2"));
  EXPECT_EQ(log_, std::vector<std::string>{"a granted"});
  shard_.Unlock(&a);
  EXPECT_EQ(log_, (std::vector<std::string>{"a granted", "w1", "w2"}));
  EXPECT_FALSE(shard_.busy());
}

TEST_F(ShardTest, UnlockDrainsInOrderUpToTheNextLock) {
  Owner a, b, c;
  shard_.Lock(&a, Note("a"));
  shard_.RunWhenFree(Note("w1"));
  shard_.Lock(&b, Note("b"));
  shard_.RunWhenFree(Note("w2"));
  shard_.Lock(&c, Note("c"));
  shard_.RunWhenFree(Note("w3"));
  shard_.Unlock(&a);
  EXPECT_EQ(log_, (std::vector<std::string>{"a", "w1", "b"}));
  EXPECT_TRUE(shard_.busy());
  shard_.Unlock(&b);
  EXPECT_EQ(log_, (std::vector<std::string>{"a", "w1", "b", "w2", "c"}));
  shard_.Unlock(&c);
  EXPECT_EQ(log_, (std::vector<std::string>{"a", "w1", "b", "w2", "c", "w3"}));
  EXPECT_FALSE(shard_.busy());
}

TEST_F(ShardTest, NewWorkWaitsBehindQueuedWorkEvenWhenUnlocked) {
  Owner a;
  shard_.Lock(&a, Note("a"));
  shard_.RunWhenFree([this] {
    log_.push_back("w1");
    // Submitted while the queue drains: it goes behind w2, not ahead of it.
    shard_.RunWhenFree(Note("nested"));
  });
  shard_.RunWhenFree(Note("w2"));
  shard_.Unlock(&a);
  EXPECT_EQ(log_, (std::vector<std::string>{"a", "w1", "w2", "nested"}));
  EXPECT_FALSE(shard_.busy());
}

TEST_F(ShardTest, AGrantMayUnlockAtOnceAndTheDrainContinues) {
  Owner a, b;
  shard_.Lock(&a, Note("a"));
  shard_.Lock(&b, [this, &b] {
    log_.push_back("b");
    shard_.Unlock(&b);  // a transaction that finishes inside its grant
  });
  shard_.RunWhenFree(Note("w"));
  shard_.Unlock(&a);
  EXPECT_EQ(log_, (std::vector<std::string>{"a", "b", "w"}));
  EXPECT_FALSE(shard_.busy());
}

TEST_F(ShardTest, DatabasesAreNumberedAndSwappable) {
  EXPECT_EQ(shard_.db_count(), 2);
  EXPECT_EQ(shard_.db(1).index(), 1);
  shard_.db(0).Set("k", core::Value::Int(1), 0);
  shard_.SwapDbs(0, 1);
  EXPECT_EQ(shard_.db(0).size(), 0u);
  EXPECT_EQ(shard_.db(1).size(), 1u);
  EXPECT_TRUE(shard_.db(1).Find("k"));
}

TEST_F(ShardTest, LruClockIsSecondsIn24Bits) {
  shard_.set_now_ms(int64_t{1000} * ((int64_t{1} << 24) + 5) + 999);
  EXPECT_EQ(shard_.lru_clock(), 5u);
}

TEST_F(ShardTest, CommandsRunInlineOnlyWhenNoShareIsOnItsWay) {
  EXPECT_TRUE(shard_.InlineOk());
  shard_.ShareComing();
  shard_.ShareComing();
  EXPECT_FALSE(shard_.InlineOk());
  shard_.ShareDone();
  EXPECT_FALSE(shard_.InlineOk());
  shard_.ShareDone();
  EXPECT_TRUE(shard_.InlineOk());
  Owner a;
  shard_.Lock(&a, Note("granted"));
  EXPECT_FALSE(shard_.InlineOk());
  shard_.Unlock(&a);
  EXPECT_TRUE(shard_.InlineOk());
}

}  // namespace
}  // namespace cinnabar::engine

// MULTI/EXEC/WATCH and scripts through the real dispatcher at 1 and 4 shards; at 4 the keys
// are placed on different shards, so EXEC and scripts run locked. Every expectation was
// checked against Redis 7.0.15.

#include <string>

#include "unit/commands/family_test.h"

namespace cinnabar::testing {
namespace {

class TransactionFamilyTest : public FamilyTest {
 protected:
  void SetUp() override {
    FamilyTest::SetUp();
    a_ = KeyOnShard("a", 1);
    b_ = KeyOnShard("b", 2);
  }
  std::string a_, b_;
};

TEST_P(TransactionFamilyTest, ExecRunsQueuedCommandsOverShards) {
  EXPECT_EQ(Run({"MULTI"}), Ok());
  EXPECT_EQ(Run({"SET", a_, "1"}), Simple("QUEUED"));
  EXPECT_EQ(Run({"INCR", b_}), Simple("QUEUED"));
  EXPECT_EQ(Run({"LPUSH", a_, "x"}), Simple("QUEUED"));
  EXPECT_EQ(Run({"MGET", a_, b_}), Simple("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}),
            Array({Ok(), Int(1),
                   Err("WRONGTYPE Operation against a key holding the wrong kind of value"),
                   Bulks({"1", "1"})}));
}

TEST_P(TransactionFamilyTest, RefusedCommandAbortsExec) {
  Run({"MULTI"});
  EXPECT_EQ(Run({"GET"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"SET", a_, "1"}), Simple("QUEUED"));
  EXPECT_EQ(Run({"EXEC"}), Err("EXECABORT Transaction discarded because of previous errors."));
  EXPECT_EQ(Run({"GET", a_}), Nil());
  EXPECT_EQ(Run({"EXEC", "x"}), Err("EXECABORT Transaction discarded because of: wrong number "
                                    "of arguments for 'exec' command"));
}

TEST_P(TransactionFamilyTest, WatchedKeyChangedByAnotherClientFailsExec) {
  TestConnection other = engine().Connect(engine().shard_count() - 1);
  EXPECT_EQ(Run({"WATCH", a_, b_}), Ok());
  EXPECT_EQ(other.Run({"SET", b_, "x"}), Ok());
  Run({"MULTI"});
  Run({"SET", a_, "mine"});
  EXPECT_EQ(Run({"EXEC"}), Nil());
  EXPECT_EQ(Run({"GET", a_}), Nil());
  // EXEC cleared the watches: the next transaction runs.
  Run({"MULTI"});
  Run({"SET", a_, "mine"});
  EXPECT_EQ(Run({"EXEC"}), Array({Ok()}));
}

TEST_P(TransactionFamilyTest, KeylessTransactionAfterAMultiShardCommand) {
  Run({"DEL", a_, b_});
  Run({"MULTI"});
  Run({"PING"});
  EXPECT_EQ(Run({"EXEC"}), Array({Simple("PONG")}));
  Run({"MULTI"});
  EXPECT_EQ(Run({"EXEC"}), Array({}));
}

TEST_P(TransactionFamilyTest, BlockingCommandInsideExecDoesNotBlock) {
  Run({"MULTI"});
  Run({"BLPOP", a_, "0"});
  Run({"BLMOVE", a_, b_, "LEFT", "LEFT", "0"});
  EXPECT_EQ(Run({"EXEC"}), Array({Nil(), Nil()}));
}

TEST_P(TransactionFamilyTest, ScriptReachesKeysOnEveryShard) {
  // Declared and undeclared keys over several shards, in one atomic run.
  EXPECT_EQ(Run({"EVAL",
                 "redis.call('SET', KEYS[1], 'k'); redis.call('SET', ARGV[1], 'u'); "
                 "return redis.call('MGET', KEYS[1], ARGV[1])",
                 "1", a_, b_}),
            Bulks({"k", "u"}));
  EXPECT_EQ(Run({"EVAL", "return redis.call('GET', KEYS[1])", "1", b_}), Bulk("u"));
  EXPECT_EQ(Run({"EVAL_RO", "return redis.call('DEL', KEYS[1])", "1", a_}),
            Err("ERR Write commands are not allowed from read-only scripts. script: "
                "b0d697da25b13e49157b2c214a4033546aba2104, on @user_script:1."));
}

TEST_P(TransactionFamilyTest, ScriptInsideExec) {
  Run({"MULTI"});
  Run({"EVAL", "return redis.call('INCR', KEYS[1])", "1", a_});
  Run({"EVAL", "return redis.call('INCRBY', ARGV[1], 2)", "0", b_});
  EXPECT_EQ(Run({"EXEC"}), Array({Int(1), Int(2)}));
}

INSTANTIATE_TEST_SUITE_P(Shards, TransactionFamilyTest, kShardCounts, ShardCountName);

}  // namespace
}  // namespace cinnabar::testing

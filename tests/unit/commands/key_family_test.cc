// Key commands through the real dispatcher at 1 and 4 shards; at 4 the two keys of RENAME,
// COPY and friends are placed on different shards on purpose. Every expectation was checked
// against Redis 7.0.15.

#include <string>

#include "unit/commands/family_test.h"

namespace cinnabar::testing {
namespace {

class KeyFamilyTest : public FamilyTest {
 protected:
  // Two keys that are on different shards whenever there is more than one.
  void SetUp() override {
    FamilyTest::SetUp();
    src_ = KeyOnShard("src", 1);
    dst_ = KeyOnShard("dst", 2);
  }
  std::string src_, dst_;
};

TEST_P(KeyFamilyTest, DelExistsTouchCountAcrossShards) {
  std::string a = KeyOnShard("a", 0), b = KeyOnShard("b", 1), c = KeyOnShard("c", 3);
  Run({"MSET", a, "1", b, "2", c, "3"});
  // Redis compat: EXISTS and TOUCH count a key named twice twice; DEL deletes it once.
  EXPECT_EQ(Run({"EXISTS", a, a, b, "missing"}), Int(3));
  EXPECT_EQ(Run({"TOUCH", c, a, c, "missing"}), Int(3));
  EXPECT_EQ(Run({"DEL", a, a, c, "missing"}), Int(2));
  EXPECT_EQ(Run({"EXISTS", a, b, c}), Int(1));
  EXPECT_EQ(Run({"UNLINK", b, b}), Int(1));
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

TEST_P(KeyFamilyTest, TypeOfStringAndMissingKey) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"TYPE", "k"}), Simple("string"));
  EXPECT_EQ(Run({"TYPE", "nothing"}), Simple("none"));
}

TEST_P(KeyFamilyTest, RenameAcrossShardsMovesValueAndTtl) {
  Run({"SET", src_, "v", "EX", "100"});
  Run({"SET", dst_, "old"});
  EXPECT_EQ(Run({"RENAME", src_, dst_}), Ok());
  EXPECT_EQ(Run({"GET", dst_}), Bulk("v"));
  EXPECT_EQ(Run({"TTL", dst_}), Int(100));
  EXPECT_EQ(Run({"EXISTS", src_}), Int(0));
  // A target without a TTL replaces one that had a TTL.
  Run({"SET", src_, "w"});
  EXPECT_EQ(Run({"RENAME", src_, dst_}), Ok());
  EXPECT_EQ(Run({"TTL", dst_}), Int(-1));
}

TEST_P(KeyFamilyTest, RenameEdges) {
  EXPECT_EQ(Run({"RENAME", src_, dst_}), Err("ERR no such key"));
  // Redis compat: renaming a missing key onto itself is still "no such key".
  EXPECT_EQ(Run({"RENAME", src_, src_}), Err("ERR no such key"));
  Run({"SET", src_, "v"});
  EXPECT_EQ(Run({"RENAME", src_, src_}), Ok());
  EXPECT_EQ(Run({"GET", src_}), Bulk("v"));
  EXPECT_EQ(Run({"RENAMENX", src_, src_}), Int(0));
}

TEST_P(KeyFamilyTest, RenameNxAcrossShards) {
  Run({"SET", src_, "v"});
  Run({"SET", dst_, "taken"});
  EXPECT_EQ(Run({"RENAMENX", src_, dst_}), Int(0));
  EXPECT_EQ(Run({"MGET", src_, dst_}), Bulks({"v", "taken"}));
  Run({"DEL", dst_});
  EXPECT_EQ(Run({"RENAMENX", src_, dst_}), Int(1));
  EXPECT_EQ(Run({"MGET", src_, dst_}), Array({Nil(), Bulk("v")}));
}

TEST_P(KeyFamilyTest, CopyAcrossShardsAndDatabases) {
  Run({"SET", src_, "v", "EX", "100"});
  Run({"SET", dst_, "old"});
  EXPECT_EQ(Run({"COPY", src_, dst_}), Int(0));
  EXPECT_EQ(Run({"COPY", src_, dst_, "REPLACE"}), Int(1));
  EXPECT_EQ(Run({"GET", dst_}), Bulk("v"));
  EXPECT_EQ(Run({"TTL", dst_}), Int(100));
  EXPECT_EQ(Run({"COPY", src_, src_}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"COPY", src_, "x", "DB", "16"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"COPY", src_, "x", "DB", "abc"}),
            Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"COPY", src_, dst_, "DB", "1"}), Int(1));
  EXPECT_EQ(Run({"SELECT", "1"}), Ok());
  EXPECT_EQ(Run({"GET", dst_}), Bulk("v"));
  EXPECT_EQ(Run({"COPY", "missing", "x"}), Int(0));
}

TEST_P(KeyFamilyTest, MoveBetweenDatabases) {
  Run({"SET", "k", "v", "EX", "100"});
  EXPECT_EQ(Run({"MOVE", "k", "0"}), Err("ERR source and destination objects are the same"));
  EXPECT_EQ(Run({"MOVE", "k", "99"}), Err("ERR DB index is out of range"));
  EXPECT_EQ(Run({"MOVE", "k", "1"}), Int(1));
  EXPECT_EQ(Run({"MOVE", "k", "1"}), Int(0));
  EXPECT_EQ(Run({"SELECT", "1"}), Ok());
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  Run({"SET", "j", "in1"});
  EXPECT_EQ(Run({"SELECT", "0"}), Ok());
  Run({"SET", "j", "in0"});
  EXPECT_EQ(Run({"MOVE", "j", "1"}), Int(0));  // the target exists: nothing moves
  EXPECT_EQ(Run({"GET", "j"}), Bulk("in0"));
}

TEST_P(KeyFamilyTest, WholeKeyspaceCommandsSeeEveryShard) {
  for (unsigned s = 0; s < 4; ++s) Run({"SET", KeyOnShard("k", s), "v"});
  Run({"SET", "other", "v"});
  EXPECT_EQ(Run({"DBSIZE"}), Int(5));
  RespValue keys = Run({"KEYS", "k*"});
  ASSERT_EQ(keys.type, RespValue::Type::kArray);
  EXPECT_EQ(keys.elems.size(), 4u);
  EXPECT_EQ(Run({"FLUSHDB"}), Ok());
  EXPECT_EQ(Run({"DBSIZE"}), Int(0));
}

// Commands from a client on another thread see what this one wrote, on every shard.
TEST_P(KeyFamilyTest, ClientsOnDifferentThreadsShareTheKeyspace) {
  TestConnection other = engine().Connect(shards() - 1);
  Run({"SET", src_, "v"});
  EXPECT_EQ(other.Run({"RENAME", src_, dst_}), Ok());
  EXPECT_EQ(Run({"GET", dst_}), Bulk("v"));
  EXPECT_EQ(other.Run({"DEL", dst_}), Int(1));
  EXPECT_EQ(Run({"EXISTS", dst_}), Int(0));
}

INSTANTIATE_TEST_SUITE_P(Shards, KeyFamilyTest, kShardCounts, ShardCountName);

}  // namespace
}  // namespace cinnabar::testing

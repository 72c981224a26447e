// Keyspace notifications end to end on the in-process engine: with notify-keyspace-events
// set, a client PSUBSCRIBEd to __key*__:* (on another thread when there are several)
// hears what a few commands report, in Redis's order (each expectation is redis-server
// 7.0's; tests/integration has the whole table).
#include "engine/notify.h"

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "unit/commands/family_test.h"

namespace cinnabar::testing {
namespace {

using Heard = std::vector<std::string>;

constexpr std::string_view kPattern = "__key*__:*";
// Matches kPattern; published by the test after its commands to mark the end.
constexpr std::string_view kMarker = "__key-marker__:end";

class NotifyTest : public FamilyTest {
 protected:
  // Sets notify-keyspace-events to `flags` and subscribes the listener.
  void Listen(std::string_view flags) {
    ASSERT_EQ(Run({"CONFIG", "SET", "notify-keyspace-events", flags}), Ok());
    if (!listener_) {
      listener_.emplace(engine().Connect(shards() > 1 ? 1 : 0));
      ASSERT_EQ(listener_->Run({"PSUBSCRIBE", kPattern}),
                Array({Bulk("psubscribe"), Bulk(kPattern), Int(1)}));
    }
  }

  // What the listener heard since the last call, as "channel payload", up to the marker.
  // One publisher's messages arrive in order after its earlier writes' notifications, so
  // the marker comes last.
  Heard Drain() {
    EXPECT_EQ(Run({"PUBLISH", kMarker, "end"}), Int(1));
    Heard heard;
    for (int i = 0; i < 100; ++i) {
      RespValue v = listener_->Read();
      if (v.type != RespValue::Type::kArray || v.elems.size() != 4 ||
          v.elems[0] != Bulk("pmessage") || v.elems[1] != Bulk(kPattern)) {
        ADD_FAILURE() << "not a pmessage: " << v;
        break;
      }
      if (v.elems[2].str == kMarker) return heard;
      heard.push_back(v.elems[2].str + " " + v.elems[3].str);
    }
    ADD_FAILURE() << "no marker";
    return heard;
  }

 private:
  std::optional<TestConnection> listener_;
};

TEST_P(NotifyTest, SetReportsSet) {
  Listen("KEA");
  ASSERT_EQ(Run({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Drain(), (Heard{"__keyspace@0__:k set", "__keyevent@0__:set k"}));
  ASSERT_EQ(Run({"SELECT", "3"}), Ok());
  ASSERT_EQ(Run({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Drain(), (Heard{"__keyspace@3__:k set", "__keyevent@3__:set k"}));
}

TEST_P(NotifyTest, SetWithATimeAlsoReportsExpire) {
  Listen("KEA");
  ASSERT_EQ(Run({"SET", "k", "v", "EX", "100"}), Ok());
  EXPECT_EQ(Drain(), (Heard{"__keyspace@0__:k set", "__keyevent@0__:set k",
                            "__keyspace@0__:k expire", "__keyevent@0__:expire k"}));
}

// Redis compat: A leaves out n; a new key reports "new" only when n is given.
TEST_P(NotifyTest, ANewKeyReportsNewOnlyWithN) {
  Listen("KEA");
  ASSERT_EQ(Run({"LPUSH", "l1", "a"}), Int(1));
  EXPECT_EQ(Drain(), (Heard{"__keyspace@0__:l1 lpush", "__keyevent@0__:lpush l1"}));
  Listen("KEAn");
  ASSERT_EQ(Run({"LPUSH", "l2", "a"}), Int(1));
  ASSERT_EQ(Run({"LPUSH", "l2", "b"}), Int(2));  // no longer new
  EXPECT_EQ(Drain(), (Heard{"__keyspace@0__:l2 new", "__keyevent@0__:new l2",
                            "__keyspace@0__:l2 lpush", "__keyevent@0__:lpush l2",
                            "__keyspace@0__:l2 lpush", "__keyevent@0__:lpush l2"}));
}

TEST_P(NotifyTest, PoppingTheLastElementReportsThePopThenDel) {
  ASSERT_EQ(Run({"RPUSH", "l", "a", "b"}), Int(2));
  Listen("KEA");
  ASSERT_EQ(Run({"RPOP", "l"}), Bulk("b"));
  ASSERT_EQ(Run({"RPOP", "l"}), Bulk("a"));
  EXPECT_EQ(Drain(),
            (Heard{"__keyspace@0__:l rpop", "__keyevent@0__:rpop l", "__keyspace@0__:l rpop",
                   "__keyevent@0__:rpop l", "__keyspace@0__:l del", "__keyevent@0__:del l"}));
}

TEST_P(NotifyTest, RenameReportsFromThenTo) {
  ASSERT_EQ(Run({"SET", "{r}a", "v"}), Ok());
  Listen("KEA");
  ASSERT_EQ(Run({"RENAME", "{r}a", "{r}b"}), Ok());
  EXPECT_EQ(Drain(), (Heard{"__keyspace@0__:{r}a rename_from", "__keyevent@0__:rename_from {r}a",
                            "__keyspace@0__:{r}b rename_to", "__keyevent@0__:rename_to {r}b"}));
}

// Redis compat: with n, the new name is reported new before the rename itself.
TEST_P(NotifyTest, RenameToANewKeyReportsItNewFirst) {
  ASSERT_EQ(Run({"SET", "{r}a", "v"}), Ok());
  Listen("KEAn");
  ASSERT_EQ(Run({"RENAME", "{r}a", "{r}b"}), Ok());
  EXPECT_EQ(Drain(), (Heard{"__keyspace@0__:{r}b new", "__keyevent@0__:new {r}b",
                            "__keyspace@0__:{r}a rename_from", "__keyevent@0__:rename_from {r}a",
                            "__keyspace@0__:{r}b rename_to", "__keyevent@0__:rename_to {r}b"}));
}

// Only x is enabled: the SET reports nothing, the expiry does.
TEST_P(NotifyTest, ExpiryReportsExpired) {
  Listen("KEx");
  ASSERT_EQ(Run({"SET", "k", "v", "PX", "20"}), Ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(60));
  ASSERT_EQ(Run({"GET", "k"}), Nil());  // expired now, by the cron or by this lookup
  EXPECT_EQ(Drain(), (Heard{"__keyspace@0__:k expired", "__keyevent@0__:expired k"}));
}

// Only the classes and channel kinds enabled are published.
TEST_P(NotifyTest, OnlyEnabledClassesAndChannels) {
  Listen("Kl");
  ASSERT_EQ(Run({"SET", "s", "v"}), Ok());  // a string: not enabled
  ASSERT_EQ(Run({"LPUSH", "l", "a"}), Int(1));
  EXPECT_EQ(Drain(), (Heard{"__keyspace@0__:l lpush"}));
  Listen("");
  ASSERT_EQ(Run({"LPUSH", "l", "b"}), Int(2));
  EXPECT_EQ(Drain(), Heard{});
}

// Redis compat: a RESP3 client subscribed to its own key's channel gets the notification
// push before the reply of the write that caused it, and a message it publishes itself
// before PUBLISH's count. The key lives on another thread when there are several.
TEST_P(NotifyTest, Resp3PushesComeBeforeTheReply) {
  ASSERT_EQ(Run({"CONFIG", "SET", "notify-keyspace-events", "KEA"}), Ok());
  std::string key = KeyOnShard("k", 1);
  std::string channel = "__keyspace@0__:" + key;
  ASSERT_FALSE(Run({"HELLO", "3"}).is_error());
  ASSERT_EQ(Run({"SUBSCRIBE", "c", channel}).type, RespValue::Type::kPush);
  ASSERT_EQ(client().Read().type, RespValue::Type::kPush);  // one confirmation each
  RespValue push = Bulks({"message", "c", "m"});
  push.type = RespValue::Type::kPush;
  EXPECT_EQ(Run({"PUBLISH", "c", "m"}), push);
  EXPECT_EQ(client().Read(), Int(1));
  push = Bulks({"message", channel, "set"});
  push.type = RespValue::Type::kPush;
  EXPECT_EQ(Run({"SET", key, "v"}), push);
  EXPECT_EQ(client().Read(), Ok());
}

INSTANTIATE_TEST_SUITE_P(Shards, NotifyTest, kShardCounts, ShardCountName);

}  // namespace
}  // namespace cinnabar::testing

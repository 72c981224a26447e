// String commands through the real dispatcher at 1 and 4 shards. Every expectation was
// checked against Redis 7.0.15.

#include <chrono>
#include <string>
#include <thread>

#include "unit/commands/family_test.h"

namespace cinnabar::testing {
namespace {

class StringFamilyTest : public FamilyTest {};

TEST_P(StringFamilyTest, SetGetAndMissingKey) {
  EXPECT_EQ(Run({"SET", "k", "v"}), Ok());
  EXPECT_EQ(Run({"GET", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"GET", "missing"}), Nil());
  EXPECT_EQ(Run({"SET", std::string_view("b\0in", 4), std::string_view("\r\n\0", 3)}), Ok());
  EXPECT_EQ(Run({"GET", std::string_view("b\0in", 4)}), Bulk(std::string_view("\r\n\0", 3)));
}

TEST_P(StringFamilyTest, ArityAndUnknownCommandErrors) {
  EXPECT_EQ(Run({"GET"}), Err("ERR wrong number of arguments for 'get' command"));
  EXPECT_EQ(Run({"MSET", "a"}), Err("ERR wrong number of arguments for 'mset' command"));
  EXPECT_EQ(Run({"NOSUCH", "x"}),
            Err("ERR unknown command 'NOSUCH', with args beginning with: 'x' "));
}

TEST_P(StringFamilyTest, SetOptionsAreValidatedBeforeWriting) {
  EXPECT_EQ(Run({"SET", "k", "v", "NX", "XX"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "0"}), Err("ERR invalid expire time in 'set' command"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "abc"}), Err("ERR value is not an integer or out of range"));
  EXPECT_EQ(Run({"SET", "k", "v", "EX", "10", "PX", "100"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_P(StringFamilyTest, SetNxXxAndGet) {
  EXPECT_EQ(Run({"SET", "k", "1", "XX"}), Nil());
  EXPECT_EQ(Run({"SET", "k", "1", "NX"}), Ok());
  EXPECT_EQ(Run({"SET", "k", "2", "NX"}), Nil());
  EXPECT_EQ(Run({"SET", "k", "3", "XX", "GET"}), Bulk("1"));
  EXPECT_EQ(Run({"SET", "k", "4", "NX", "GET"}), Bulk("3"));  // not set: the old value
  EXPECT_EQ(Run({"GET", "k"}), Bulk("3"));
  EXPECT_EQ(Run({"SET", "new", "v", "GET"}), Nil());
}

TEST_P(StringFamilyTest, PlainSetClearsTheTtlAndKeepTtlKeepsIt) {
  Run({"SET", "k", "v", "EX", "100"});
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"SET", "k", "w", "KEEPTTL"}), Ok());
  EXPECT_EQ(Run({"TTL", "k"}), Int(100));
  EXPECT_EQ(Run({"SET", "k", "x"}), Ok());
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
}

TEST_P(StringFamilyTest, ExpiredKeyIsGoneOnAccess) {
  Run({"SET", "k", "v", "PX", "1"});
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(Run({"GET", "k"}), Nil());
  EXPECT_EQ(Run({"EXISTS", "k"}), Int(0));
}

TEST_P(StringFamilyTest, IncrFamilyEdges) {
  EXPECT_EQ(Run({"INCR", "n"}), Int(1));
  EXPECT_EQ(Run({"INCRBY", "n", "-11"}), Int(-10));
  EXPECT_EQ(Run({"DECRBY", "n", "5"}), Int(-15));
  EXPECT_EQ(Run({"INCRBY", "n", "abc"}), Err("ERR value is not an integer or out of range"));
  Run({"SET", "n", "9223372036854775807"});
  EXPECT_EQ(Run({"INCR", "n"}), Err("ERR increment or decrement would overflow"));
  // Redis compat: DECRBY refuses a decrement it cannot negate, with its own text.
  EXPECT_EQ(Run({"DECRBY", "n", "-9223372036854775808"}), Err("ERR decrement would overflow"));
  Run({"SET", "s", " 1"});
  EXPECT_EQ(Run({"INCR", "s"}), Err("ERR value is not an integer or out of range"));
  Run({"SET", "z", "007"});
  EXPECT_EQ(Run({"INCR", "z"}), Err("ERR value is not an integer or out of range"));
}

TEST_P(StringFamilyTest, IncrKeepsTheTtl) {
  Run({"SET", "n", "1", "EX", "100"});
  EXPECT_EQ(Run({"INCR", "n"}), Int(2));
  EXPECT_EQ(Run({"TTL", "n"}), Int(100));
}

TEST_P(StringFamilyTest, IncrByFloat) {
  Run({"SET", "f", "10.5"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "0.1"}), Bulk("10.6"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "inf"}), Err("ERR increment would produce NaN or Infinity"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "f", "x"}), Err("ERR value is not a valid float"));
  EXPECT_EQ(Run({"INCRBYFLOAT", "missing", "5.0e3"}), Bulk("5000"));
  Run({"SET", "s", "hello"});
  EXPECT_EQ(Run({"INCRBYFLOAT", "s", "1"}), Err("ERR value is not a valid float"));
}

TEST_P(StringFamilyTest, AppendAndStrlenOverIntegerValues) {
  Run({"SET", "k", "12"});
  EXPECT_EQ(Run({"STRLEN", "k"}), Int(2));
  EXPECT_EQ(Run({"APPEND", "k", "34"}), Int(4));
  EXPECT_EQ(Run({"INCR", "k"}), Int(1235));
  EXPECT_EQ(Run({"APPEND", "missing", "x"}), Int(1));
  EXPECT_EQ(Run({"STRLEN", "nothing"}), Int(0));
}

TEST_P(StringFamilyTest, GetRangeClampsIndexes) {
  Run({"SET", "s", "hello"});
  EXPECT_EQ(Run({"GETRANGE", "s", "-3", "-1"}), Bulk("llo"));
  EXPECT_EQ(Run({"GETRANGE", "s", "3", "1"}), Bulk(""));
  EXPECT_EQ(Run({"GETRANGE", "s", "-100", "100"}), Bulk("hello"));
  EXPECT_EQ(Run({"GETRANGE", "missing", "0", "-1"}), Bulk(""));
  Run({"SET", "i", "12345"});  // int-encoded values are ranged as their digits
  EXPECT_EQ(Run({"GETRANGE", "i", "1", "2"}), Bulk("23"));
}

TEST_P(StringFamilyTest, SetRangePadsLimitsAndSkipsEmptyWrites) {
  EXPECT_EQ(Run({"SETRANGE", "k", "3", "ab"}), Int(5));
  EXPECT_EQ(Run({"GET", "k"}), Bulk(std::string_view("\0\0\0ab", 5)));
  EXPECT_EQ(Run({"SETRANGE", "k", "536870912", "x"}),
            Err("ERR string exceeds maximum allowed size (proto-max-bulk-len)"));
  EXPECT_EQ(Run({"SETRANGE", "k", "-1", "x"}), Err("ERR offset is out of range"));
  // An empty write to a missing key creates nothing.
  EXPECT_EQ(Run({"SETRANGE", "none", "5", ""}), Int(0));
  EXPECT_EQ(Run({"EXISTS", "none"}), Int(0));
}

TEST_P(StringFamilyTest, GetExAndGetDel) {
  Run({"SET", "k", "v"});
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST", "EX", "10"}), Err("ERR syntax error"));
  EXPECT_EQ(Run({"GETEX", "k", "EX", "0"}), Err("ERR invalid expire time in 'getex' command"));
  EXPECT_EQ(Run({"GETEX", "k", "EX", "50"}), Bulk("v"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(50));
  EXPECT_EQ(Run({"GETEX", "k", "PERSIST"}), Bulk("v"));
  EXPECT_EQ(Run({"TTL", "k"}), Int(-1));
  EXPECT_EQ(Run({"GETDEL", "k"}), Bulk("v"));
  EXPECT_EQ(Run({"GETDEL", "k"}), Nil());
}

// Keys on every shard: at 4 shards MSET/MGET/MSETNX lock several shards at once.
TEST_P(StringFamilyTest, MsetMgetAcrossShards) {
  std::vector<std::string> keys;
  for (unsigned s = 0; s < 4; ++s) keys.push_back(KeyOnShard("k", s));
  if (shards() == 4) {
    for (unsigned s = 0; s < 4; ++s) ASSERT_EQ(engine().ShardOf(keys[s]), s);
  }
  EXPECT_EQ(Run({"MSET", keys[0], "a", keys[1], "b", keys[2], "c", keys[3], "d"}), Ok());
  EXPECT_EQ(Run({"MGET", keys[3], "missing", keys[1], keys[0], keys[2], keys[3]}),
            Array({Bulk("d"), Nil(), Bulk("b"), Bulk("a"), Bulk("c"), Bulk("d")}));
  // The last value of a key named twice wins.
  EXPECT_EQ(Run({"MSET", keys[2], "x", keys[1], "y", keys[2], "z"}), Ok());
  EXPECT_EQ(Run({"MGET", keys[1], keys[2]}), Bulks({"y", "z"}));
}

TEST_P(StringFamilyTest, MsetNxIsAllOrNothingAcrossShards) {
  std::string a = KeyOnShard("a", 0), b = KeyOnShard("b", 1), c = KeyOnShard("c", 2);
  Run({"SET", c, "old"});
  EXPECT_EQ(Run({"MSETNX", a, "1", b, "2", c, "3"}), Int(0));
  EXPECT_EQ(Run({"MGET", a, b, c}), Array({Nil(), Nil(), Bulk("old")}));
  EXPECT_EQ(Run({"MSETNX", a, "1", b, "2"}), Int(1));
  EXPECT_EQ(Run({"MGET", a, b}), Bulks({"1", "2"}));
}

// A client on each thread hammers keys on every shard; each sees its own writes in order.
TEST_P(StringFamilyTest, ClientsOnEveryThreadKeepTheirOrder) {
  std::vector<TestConnection> clients;
  for (unsigned t = 0; t < shards(); ++t) clients.push_back(engine().Connect(t));
  std::vector<std::thread> threads;
  for (unsigned t = 0; t < shards(); ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        std::string key = "c" + std::to_string(t) + ":" + std::to_string(i % 7);
        EXPECT_EQ(clients[t].Run({"SET", key, std::to_string(i)}), Ok());
        EXPECT_EQ(clients[t].Run({"INCR", key}), Int(i + 1));
        EXPECT_EQ(clients[t].Run({"MGET", key, "shared"}), Array({Bulk(std::to_string(i + 1)), Nil()}));
      }
    });
  }
  for (std::thread& th : threads) th.join();
}

// Pipelined requests whose keys live on different shards come back in request order.
TEST_P(StringFamilyTest, PipelineRepliesKeepRequestOrder) {
  std::string pipeline;
  for (int i = 0; i < 50; ++i) {
    std::string key = "p" + std::to_string(i);
    pipeline += "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
                std::to_string(std::to_string(i).size()) + "\r\n" + std::to_string(i) + "\r\n";
    pipeline += "*2\r\n$4\r\nINCR\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n";
  }
  client().Send(pipeline);
  for (int i = 0; i < 50; ++i) {
    EXPECT_EQ(client().Read(), Ok()) << i;
    EXPECT_EQ(client().Read(), Int(i + 1)) << i;
  }
}

INSTANTIATE_TEST_SUITE_P(Shards, StringFamilyTest, kShardCounts, ShardCountName);

}  // namespace
}  // namespace cinnabar::testing

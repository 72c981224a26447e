// FamilyTest: runs commands through the real engine in-process: the real registry and
// dispatcher, one real worker thread per shard, each with its own epoll event loop (as the
// server runs them), so hops and multi-shard locking happen exactly as in production. Only
// the connection is replaced: a capturing Transport plays the client's socket.
//
// Tests are parameterized over the shard count (1 and 4):
//
//   TEST_P(StringFamilyTest, IncrOverflows) {
//     Run({"SET", "n", "9223372036854775807"});
//     EXPECT_EQ(Run({"INCR", "n"}), Err("ERR increment or decrement would overflow"));
//   }
//   INSTANTIATE_TEST_SUITE_P(Shards, StringFamilyTest, kShardCounts, ShardCountName);
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace cinnabar::testing {

// One RESP reply, parsed. RESP3 aggregates (map, set, push) keep their own type; a map's
// elements are its keys and values, alternating.
struct RespValue {
  enum class Type { kSimple, kError, kInteger, kBulk, kNull, kArray, kDouble, kBool, kMap, kSet,
                    kPush, kVerbatim, kBigNumber };
  Type type = Type::kNull;
  std::string str;  // simple, error, bulk, double, verbatim, big number
  int64_t integer = 0;  // integer, bool
  std::vector<RespValue> elems;  // array, map, set, push

  bool operator==(const RespValue& o) const = default;
  bool is_error() const { return type == Type::kError; }
};

// redis-cli-like rendering, for failure messages.
void PrintTo(const RespValue& v, std::ostream* os);
std::ostream& operator<<(std::ostream& os, const RespValue& v);

// Builders for expectations.
RespValue Simple(std::string_view s);
RespValue Err(std::string_view s);  // the error line without its '-'
RespValue Int(int64_t i);
RespValue Bulk(std::string_view s);
RespValue Nil();  // RESP2's null bulk ("$-1") and null array ("*-1") alike
RespValue Array(std::vector<RespValue> elems);
// An array of bulk strings.
RespValue Bulks(std::initializer_list<std::string_view> items);
inline RespValue Ok() { return Simple("OK"); }

// Parses one reply from the start of `buf`. Returns nullopt while incomplete; on success
// sets `*consumed`. Malformed input is reported as a kError value starting "PARSE:".
std::optional<RespValue> ParseReply(std::string_view buf, size_t* consumed);

class EngineHarness;

// A client connection on one of the engine's threads.
class TestConnection {
 public:
  // Sends `args` as one multibulk request and waits for its reply (10 s at most: a
  // missing reply fails the test and returns an error value).
  RespValue Run(std::initializer_list<std::string_view> args);
  RespValue Run(const std::vector<std::string>& args);
  // Sends raw bytes (inline commands, pipelines, protocol errors) without waiting.
  void Send(std::string_view bytes);
  // Waits for the next reply.
  RespValue Read();
  // Whether the server closed the connection (QUIT, protocol error).
  bool closed() const;

  struct State;  // defined in family_test.cc

 private:
  friend class EngineHarness;
  explicit TestConnection(std::shared_ptr<State> state) : state_(std::move(state)) {}
  std::shared_ptr<State> state_;
};

// The engine, its threads and their loops, for one test.
class EngineHarness {
 public:
  explicit EngineHarness(unsigned shards);
  ~EngineHarness();
  EngineHarness(const EngineHarness&) = delete;
  EngineHarness& operator=(const EngineHarness&) = delete;

  unsigned shard_count() const;
  unsigned ShardOf(std::string_view key) const;
  // A new client whose connection lives on `thread`.
  TestConnection Connect(unsigned thread);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

inline constexpr unsigned kShardCountValues[] = {1, 4};
inline const auto kShardCounts = ::testing::ValuesIn(kShardCountValues);
std::string ShardCountName(const ::testing::TestParamInfo<unsigned>& info);

// The fixture: an engine with GetParam() shards and one client on thread 0.
class FamilyTest : public ::testing::TestWithParam<unsigned> {
 protected:
  void SetUp() override;
  void TearDown() override;

  RespValue Run(std::initializer_list<std::string_view> args) { return client_->Run(args); }
  RespValue Run(const std::vector<std::string>& args) { return client_->Run(args); }
  TestConnection& client() { return *client_; }
  EngineHarness& engine() { return *harness_; }
  unsigned shards() const { return GetParam(); }
  // A key "<prefix><shard>:<n>" owned by shard `shard` modulo the shard count: distinct
  // `shard` values give distinct keys even with one shard.
  std::string KeyOnShard(std::string_view prefix, unsigned shard) const;

 private:
  std::unique_ptr<EngineHarness> harness_;
  std::optional<TestConnection> client_;
};

}  // namespace cinnabar::testing

// Pub/Sub's bookkeeping and delivery: the engine-wide directory's per-thread counts, one
// thread's hub writing message / pmessage / smessage to its subscribers, and the calls the
// commands make (Subscribe, Unsubscribe, UnsubscribeAll, Publish) on a real engine whose
// clients sit on a fake connection.
#include "engine/pubsub.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/io_buf.h"
#include "engine/client.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/registry.h"
#include "engine/worker.h"
#include "unit/commands/family_test.h"

namespace cinnabar::engine {
namespace {

using namespace std::string_literals;
using testing::Bulks;
using testing::RespValue;
constexpr ChannelKind kChannel = ChannelKind::kChannel;
constexpr ChannelKind kPattern = ChannelKind::kPattern;
constexpr ChannelKind kShard = ChannelKind::kShard;

std::vector<std::string> Sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

// --- PubSubDirectory ---

TEST(PubSubDirectory, CountsSubscribersPerThread) {
  PubSubDirectory dir(3);
  dir.Add(kChannel, "news", 0);
  dir.Add(kChannel, "news", 2);
  dir.Add(kChannel, "news", 2);
  EXPECT_EQ(dir.Subscribers(kChannel, "news"), 3u);
  EXPECT_EQ(dir.NameCount(kChannel), 1u);
  std::vector<uint32_t> per_thread(3, 0);
  EXPECT_EQ(dir.Receivers(kChannel, "news", per_thread), 3u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{1, 0, 2}));
}

TEST(PubSubDirectory, ReceiversAddToTheCountsGiven) {
  PubSubDirectory dir(2);
  dir.Add(kChannel, "a", 1);
  std::vector<uint32_t> per_thread = {10, 20};
  EXPECT_EQ(dir.Receivers(kChannel, "a", per_thread), 1u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{10, 21}));
}

TEST(PubSubDirectory, AChannelsReceiversIncludeEachMatchingPattern) {
  PubSubDirectory dir(2);
  dir.Add(kChannel, "news.tech", 0);
  dir.Add(kPattern, "news.*", 1);
  dir.Add(kPattern, "news.*", 0);
  dir.Add(kPattern, "*", 1);
  dir.Add(kPattern, "sport.*", 0);
  std::vector<uint32_t> per_thread(2, 0);
  EXPECT_EQ(dir.Receivers(kChannel, "news.tech", per_thread), 4u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{2, 2}));
  // Patterns only: nobody subscribed to the channel itself.
  per_thread.assign(2, 0);
  EXPECT_EQ(dir.Receivers(kChannel, "news.art", per_thread), 3u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{1, 2}));
  per_thread.assign(2, 0);
  EXPECT_EQ(dir.Receivers(kChannel, "weather", per_thread), 1u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{0, 1}));
  EXPECT_EQ(dir.Subscribers(kPattern, "news.*"), 2u);
  EXPECT_EQ(dir.NameCount(kPattern), 3u);
}

// Shard channels are a namespace of their own: patterns never match them, and a classic
// channel of the same name is another channel.
TEST(PubSubDirectory, ShardChannelsAreANamespaceOfTheirOwn) {
  PubSubDirectory dir(2);
  dir.Add(kShard, "s", 1);
  dir.Add(kChannel, "s", 0);
  dir.Add(kPattern, "*", 0);
  std::vector<uint32_t> per_thread(2, 0);
  EXPECT_EQ(dir.Receivers(kShard, "s", per_thread), 1u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{0, 1}));
  per_thread.assign(2, 0);
  EXPECT_EQ(dir.Receivers(kChannel, "s", per_thread), 2u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{2, 0}));
  EXPECT_EQ(dir.NameCount(kShard), 1u);
  EXPECT_EQ(dir.NameCount(kChannel), 1u);
  EXPECT_EQ(dir.Subscribers(kShard, "s"), 1u);
  EXPECT_EQ(dir.Subscribers(kChannel, "s"), 1u);
  EXPECT_EQ(dir.Subscribers(kShard, "*"), 0u);
}

TEST(PubSubDirectory, NamesListsAllOrThoseMatchingAGlob) {
  PubSubDirectory dir(1);
  for (const char* name : {"a.1", "a.2", "b.1"}) dir.Add(kChannel, name, 0);
  dir.Add(kChannel, "a.1", 0);  // a second subscriber: still one name
  dir.Add(kShard, "a.3", 0);
  dir.Add(kPattern, "a.*", 0);
  dir.Add(kPattern, "b?", 0);
  EXPECT_EQ(Sorted(dir.Names(kChannel, nullptr)), (std::vector<std::string>{"a.1", "a.2", "b.1"}));
  std::string_view glob = "a.*";
  EXPECT_EQ(Sorted(dir.Names(kChannel, &glob)), (std::vector<std::string>{"a.1", "a.2"}));
  EXPECT_EQ(dir.Names(kShard, &glob), (std::vector<std::string>{"a.3"}));
  std::string_view none = "zzz*";
  EXPECT_TRUE(dir.Names(kChannel, &none).empty());
  // A pattern's name is matched as text: "a.\*" only matches "a.*" itself.
  std::string_view literal = "a.\\*";
  EXPECT_EQ(dir.Names(kPattern, &literal), (std::vector<std::string>{"a.*"}));
  EXPECT_EQ(Sorted(dir.Names(kPattern, nullptr)), (std::vector<std::string>{"a.*", "b?"}));
}

TEST(PubSubDirectory, NamesSpanEveryStripe) {
  PubSubDirectory dir(1);
  for (int i = 0; i < 100; ++i) dir.Add(kChannel, "ch" + std::to_string(i), 0);
  EXPECT_EQ(dir.NameCount(kChannel), 100u);
  EXPECT_EQ(dir.Names(kChannel, nullptr).size(), 100u);
  std::string_view glob = "ch1?";
  EXPECT_EQ(dir.Names(kChannel, &glob).size(), 10u);
  EXPECT_EQ(dir.NameCount(kShard), 0u);
}

TEST(PubSubDirectory, RemovingTheLastSubscriberErasesTheName) {
  PubSubDirectory dir(2);
  for (ChannelKind kind : {kChannel, kPattern, kShard}) {
    dir.Add(kind, "x", 0);
    dir.Add(kind, "x", 1);
    dir.Remove(kind, "x", 0);
    EXPECT_EQ(dir.Subscribers(kind, "x"), 1u);
    EXPECT_EQ(dir.NameCount(kind), 1u);
    EXPECT_EQ(dir.Names(kind, nullptr), (std::vector<std::string>{"x"}));
    dir.Remove(kind, "x", 1);
    EXPECT_EQ(dir.Subscribers(kind, "x"), 0u);
    EXPECT_EQ(dir.NameCount(kind), 0u);
    EXPECT_TRUE(dir.Names(kind, nullptr).empty());
  }
  std::vector<uint32_t> per_thread(2, 0);
  EXPECT_EQ(dir.Receivers(kChannel, "x", per_thread), 0u);
  EXPECT_EQ(dir.Receivers(kShard, "x", per_thread), 0u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{0, 0}));
}

// A name added again after it was erased starts from zero on every thread.
TEST(PubSubDirectory, ANameBackAfterErasureStartsAfresh) {
  PubSubDirectory dir(2);
  dir.Add(kChannel, "x", 0);
  dir.Add(kChannel, "x", 0);
  dir.Remove(kChannel, "x", 0);
  dir.Remove(kChannel, "x", 0);
  dir.Add(kChannel, "x", 1);
  std::vector<uint32_t> per_thread(2, 0);
  EXPECT_EQ(dir.Receivers(kChannel, "x", per_thread), 1u);
  EXPECT_EQ(per_thread, (std::vector<uint32_t>{0, 1}));
}

TEST(PubSubDirectory, RemovingAnUnknownNameChangesNothing) {
  PubSubDirectory dir(1);
  dir.Add(kPattern, "p*", 0);
  dir.Remove(kChannel, "ghost", 0);
  dir.Remove(kPattern, "ghost", 0);
  dir.Remove(kShard, "ghost", 0);
  EXPECT_EQ(dir.NameCount(kChannel), 0u);
  EXPECT_EQ(dir.NameCount(kPattern), 1u);
  EXPECT_EQ(dir.Subscribers(kPattern, "p*"), 1u);
}

// --- The engine side: clients on a fake connection ---

// The connection under a test client: output stays pending until the test takes it (the
// peer reads only then).
class FakeTransport final : public Transport {
 public:
  base::IoBuf& input() override { return in_; }
  base::IoBuf& output() override { return out_; }
  void Flush() override { ++flushes; }
  void CloseAfterFlush() override { closed = true; }
  void Close() override { closed = true; }
  size_t pending_output() const override { return out_.size(); }
  void SendNow() override {}  // the peer reads nothing until the test takes it
  void HoldOutput(bool) override {}  // no journal here
  void PauseInput(bool) override {}  // the test hands over all input itself
  uint64_t turn() const override { return 0; }
  void ContinueNextTurn() override { ADD_FAILURE() << "no test here sends 64 KB at once"; }

  // The bytes written so far; forgets them.
  std::string Take() {
    std::string s(out_.view());
    out_.Clear();
    return s;
  }
  // The replies written so far, parsed; forgets them.
  std::vector<RespValue> TakeReplies() {
    std::string bytes = Take();
    std::vector<RespValue> out;
    std::string_view rest = bytes;
    while (!rest.empty()) {
      size_t used = 0;
      std::optional<RespValue> v = testing::ParseReply(rest, &used);
      if (!v) {
        ADD_FAILURE() << "incomplete reply: " << rest;
        break;
      }
      out.push_back(std::move(*v));
      rest.remove_prefix(used);
    }
    return out;
  }

  int flushes = 0;
  bool closed = false;

 private:
  base::IoBuf in_, out_;
};

// A Messenger that keeps the tasks posted until the test runs them.
class QueueMessenger final : public Messenger {
 public:
  void Post(unsigned thread, base::Task task) override {
    posted.emplace_back(thread, std::move(task));
  }
  void PostAll(std::span<const unsigned> threads, std::span<base::Task> tasks,
               base::FunctionRef<void()> while_held) override {
    while_held();
    for (size_t i = 0; i < threads.size(); ++i) Post(threads[i], std::move(tasks[i]));
  }
  void RunAt(unsigned, int64_t, base::Task) override { ADD_FAILURE() << "RunAt unexpected"; }

  void RunAll() {
    std::vector<std::pair<unsigned, base::Task>> now;
    now.swap(posted);
    for (auto& [thread, task] : now) task();
  }
  std::vector<std::pair<unsigned, base::Task>> posted;
};

// An engine with `threads` workers (no loops: the test is every thread) and its clients.
class PubSubEngineTest : public ::testing::Test {
 protected:
  struct TestClient {
    FakeTransport transport;
    Client* client = nullptr;
  };

  explicit PubSubEngineTest(unsigned threads = 1) : engine_(&config_, &registry_, threads) {
    engine_.Wire(&messenger_, nullptr);
  }
  ~PubSubEngineTest() override {
    for (auto& c : clients_) c->client->OnClosed();  // unsubscribes and frees it
  }

  // A new client whose connection is on `thread`.
  Client& NewClient(unsigned thread = 0, int resp = 2) {
    auto c = std::make_unique<TestClient>();
    c->client = new Client(&engine_.worker(thread), &c->transport, engine_.NextClientId(),
                           PeerInfo{"127.0.0.1:40000", "127.0.0.1:6379", -1, true});
    c->client->resp = resp;
    clients_.push_back(std::move(c));
    return *clients_.back()->client;
  }
  FakeTransport& TransportOf(const Client& c) {
    for (auto& tc : clients_) {
      if (tc->client == &c) return tc->transport;
    }
    ADD_FAILURE() << "unknown client";
    return clients_.front()->transport;
  }
  std::vector<RespValue> Received(const Client& c) { return TransportOf(c).TakeReplies(); }
  // Closes `c` as its connection would, and forgets it.
  void Close(Client& c) {
    auto it = std::find_if(clients_.begin(), clients_.end(),
                           [&](const auto& tc) { return tc->client == &c; });
    ASSERT_NE(it, clients_.end());
    c.OnClosed();
    clients_.erase(it);
  }
  // Applies a CONFIG SET to the store and hands the new snapshot to every worker.
  void SetConfig(std::string_view name, std::string_view value) {
    std::vector<std::string_view> pairs = {name, value};
    ASSERT_TRUE(config_.Set(pairs, {}).ok());
    for (unsigned t = 0; t < engine_.shard_count(); ++t) {
      engine_.worker(t).SetConfig(config_.snapshot());
    }
  }

  ConfigStore config_{ServerConfig{}};
  Registry registry_;
  QueueMessenger messenger_;
  Engine engine_;
  std::vector<std::unique_ptr<TestClient>> clients_;
};

RespValue Message(std::string_view channel, std::string_view payload) {
  return Bulks({"message", channel, payload});
}
RespValue PMessage(std::string_view pattern, std::string_view channel, std::string_view payload) {
  return Bulks({"pmessage", pattern, channel, payload});
}
RespValue SMessage(std::string_view channel, std::string_view payload) {
  return Bulks({"smessage", channel, payload});
}
// The same, as a RESP3 push.
RespValue AsPush(RespValue v) {
  v.type = RespValue::Type::kPush;
  return v;
}

// --- PubSubHub ---

using PubSubHubTest = PubSubEngineTest;

TEST_F(PubSubHubTest, AChannelMessageGoesToEachOfItsSubscribers) {
  PubSubHub hub;
  Client& a = NewClient();
  Client& b = NewClient();
  Client& c = NewClient();
  hub.Add(kChannel, "news", &a);
  hub.Add(kChannel, "news", &b);
  hub.Add(kChannel, "other", &c);
  EXPECT_EQ(hub.Deliver(kChannel, "news", "hi"), 2u);
  EXPECT_EQ(TransportOf(a).Take(), "*3\r\n$7\r\nmessage\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
  EXPECT_EQ(Received(b), (std::vector<RespValue>{Message("news", "hi")}));
  EXPECT_TRUE(Received(c).empty());
  EXPECT_GE(TransportOf(a).flushes, 1);
  EXPECT_EQ(hub.Deliver(kChannel, "nobody", "x"), 0u);
}

TEST_F(PubSubHubTest, PatternSubscribersGetPMessageNamingThePattern) {
  PubSubHub hub;
  Client& a = NewClient();
  Client& b = NewClient();
  hub.Add(kChannel, "news", &a);
  hub.Add(kPattern, "n*", &a);
  hub.Add(kPattern, "*s", &a);
  hub.Add(kPattern, "n*", &b);
  hub.Add(kPattern, "x*", &b);
  EXPECT_EQ(hub.Deliver(kChannel, "news", "hi"), 4u);
  // The channel's message first, then one per matching pattern (in no set order).
  std::vector<RespValue> got = Received(a);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], Message("news", "hi"));
  std::vector<RespValue> pmessages = {got[1], got[2]};
  EXPECT_TRUE((pmessages == std::vector<RespValue>{PMessage("n*", "news", "hi"),
                                                   PMessage("*s", "news", "hi")}) ||
              (pmessages ==
               std::vector<RespValue>{PMessage("*s", "news", "hi"), PMessage("n*", "news", "hi")}))
      << ::testing::PrintToString(got);
  EXPECT_EQ(TransportOf(b).Take(),
            "*4\r\n$8\r\npmessage\r\n$2\r\nn*\r\n$4\r\nnews\r\n$2\r\nhi\r\n");
}

TEST_F(PubSubHubTest, ShardChannelsGetSMessageAndNoPatterns) {
  PubSubHub hub;
  Client& a = NewClient();
  Client& b = NewClient();
  hub.Add(kShard, "s", &a);
  hub.Add(kChannel, "s", &b);
  hub.Add(kPattern, "*", &b);
  EXPECT_EQ(hub.Deliver(kShard, "s", "x"), 1u);
  EXPECT_EQ(Received(a), (std::vector<RespValue>{SMessage("s", "x")}));
  EXPECT_TRUE(Received(b).empty());
  EXPECT_EQ(hub.Deliver(kChannel, "s", "y"), 2u);
  EXPECT_TRUE(Received(a).empty());
  EXPECT_EQ(Received(b), (std::vector<RespValue>{Message("s", "y"), PMessage("*", "s", "y")}));
}

TEST_F(PubSubHubTest, Resp3ClientsGetPushes) {
  PubSubHub hub;
  Client& v2 = NewClient(0, 2);
  Client& v3 = NewClient(0, 3);
  for (Client* c : {&v2, &v3}) {
    hub.Add(kChannel, "c", c);
    hub.Add(kPattern, "c*", c);
    hub.Add(kShard, "c", c);
  }
  EXPECT_EQ(hub.Deliver(kChannel, "c", "m"), 4u);
  EXPECT_EQ(hub.Deliver(kShard, "c", "m"), 2u);
  std::string resp2 = TransportOf(v2).Take();
  std::string resp3 = TransportOf(v3).Take();
  // Byte for byte the same but each message's first byte.
  ASSERT_EQ(resp2.size(), resp3.size());
  std::string expected = resp2;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (expected[i] == '*' && (i == 0 || expected[i - 1] == '\n')) expected[i] = '>';
  }
  EXPECT_EQ(resp3, expected);
  std::string_view left = resp3;
  std::vector<RespValue> got;
  while (!left.empty()) {
    size_t used = 0;
    std::optional<RespValue> v = testing::ParseReply(left, &used);
    ASSERT_TRUE(v.has_value());
    got.push_back(*v);
    left.remove_prefix(used);
  }
  EXPECT_EQ(got,
            (std::vector<RespValue>{AsPush(Message("c", "m")), AsPush(PMessage("c*", "c", "m")),
                                    AsPush(SMessage("c", "m"))}));
}

TEST_F(PubSubHubTest, RemovedSubscribersGetNothing) {
  PubSubHub hub;
  Client& a = NewClient();
  Client& b = NewClient();
  Client& c = NewClient();
  for (Client* x : {&a, &b, &c}) hub.Add(kChannel, "ch", x);
  hub.Add(kPattern, "c*", &b);
  hub.Remove(kChannel, "ch", &b);
  hub.Remove(kChannel, "ch", &b);                   // not there any more
  hub.Remove(kChannel, "other", &a);                // never there
  hub.Remove(kShard, "ch", &a);                     // another namespace
  EXPECT_EQ(hub.Deliver(kChannel, "ch", "1"), 3u);  // a, c, and b's pattern
  EXPECT_EQ(Received(a), (std::vector<RespValue>{Message("ch", "1")}));
  EXPECT_EQ(Received(b), (std::vector<RespValue>{PMessage("c*", "ch", "1")}));
  EXPECT_EQ(Received(c), (std::vector<RespValue>{Message("ch", "1")}));
  hub.Remove(kChannel, "ch", &a);
  hub.Remove(kChannel, "ch", &c);
  hub.Remove(kPattern, "c*", &b);
  EXPECT_EQ(hub.Deliver(kChannel, "ch", "2"), 0u);
  for (Client* x : {&a, &b, &c}) EXPECT_TRUE(TransportOf(*x).Take().empty());
}

TEST_F(PubSubHubTest, PayloadsAreBinarySafe) {
  PubSubHub hub;
  Client& a = NewClient();
  hub.Add(kChannel, std::string_view("a\0b", 3), &a);
  std::string payload("x\r\n\0y", 5);
  EXPECT_EQ(hub.Deliver(kChannel, std::string_view("a\0b", 3), payload), 1u);
  EXPECT_EQ(TransportOf(a).Take(), "*3\r\n$7\r\nmessage\r\n$3\r\na\0b\r\n$5\r\nx\r\n\0y\r\n"s);
  // A large payload, then a small one: the second is not left with the first's bytes.
  std::string big(100 * 1024, 'z');
  EXPECT_EQ(hub.Deliver(kChannel, std::string_view("a\0b", 3), big), 1u);
  EXPECT_EQ(hub.Deliver(kChannel, std::string_view("a\0b", 3), "s"), 1u);
  std::vector<RespValue> got = Received(a);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].elems[2].str, big);
  EXPECT_EQ(got[1].elems[2].str, "s");
}

// --- Subscribe / Unsubscribe / UnsubscribeAll / Publish, one thread ---

using PubSubClientTest = PubSubEngineTest;

TEST_F(PubSubClientTest, SubscribeIsOncePerNameAndRegistersEverywhere) {
  Client& a = NewClient();
  EXPECT_FALSE(a.subscribed());
  EXPECT_TRUE(Subscribe(a, kChannel, "news"));
  EXPECT_FALSE(Subscribe(a, kChannel, "news"));
  EXPECT_TRUE(Subscribe(a, kPattern, "news"));  // a pattern of the same name is another
  EXPECT_TRUE(Subscribe(a, kShard, "news"));
  ASSERT_NE(a.subs, nullptr);
  EXPECT_EQ(a.subs->classic(), 2u);
  EXPECT_EQ(a.subs->shard(), 1u);
  EXPECT_TRUE(a.subscribed());
  EXPECT_EQ(a.output_class(), ClientClass::kPubSub);
  EXPECT_EQ(engine_.pubsub().Subscribers(kChannel, "news"), 1u);
  EXPECT_EQ(engine_.pubsub().Subscribers(kPattern, "news"), 1u);
  EXPECT_EQ(engine_.pubsub().Subscribers(kShard, "news"), 1u);
  EXPECT_EQ(Publish(engine_.worker(0), kChannel, "news", "hi"), 2u);
  EXPECT_EQ(Received(a),
            (std::vector<RespValue>{Message("news", "hi"), PMessage("news", "news", "hi")}));
  EXPECT_EQ(Publish(engine_.worker(0), kShard, "news", "s"), 1u);
  EXPECT_EQ(Received(a), (std::vector<RespValue>{SMessage("news", "s")}));
}

TEST_F(PubSubClientTest, UnsubscribeUndoesSubscribe) {
  Client& a = NewClient();
  EXPECT_FALSE(Unsubscribe(a, kChannel, "news"));  // never subscribed to anything
  EXPECT_TRUE(Subscribe(a, kChannel, "news"));
  EXPECT_FALSE(Unsubscribe(a, kPattern, "news"));
  EXPECT_FALSE(Unsubscribe(a, kChannel, "other"));
  EXPECT_TRUE(Unsubscribe(a, kChannel, "news"));
  EXPECT_FALSE(Unsubscribe(a, kChannel, "news"));
  EXPECT_FALSE(a.subscribed());
  EXPECT_EQ(engine_.pubsub().NameCount(kChannel), 0u);
  EXPECT_EQ(Publish(engine_.worker(0), kChannel, "news", "hi"), 0u);
  EXPECT_TRUE(Received(a).empty());
}

TEST_F(PubSubClientTest, OtherSubscribersOfANameKeepIt) {
  Client& a = NewClient();
  Client& b = NewClient();
  Subscribe(a, kChannel, "news");
  Subscribe(b, kChannel, "news");
  EXPECT_EQ(engine_.pubsub().Subscribers(kChannel, "news"), 2u);
  Unsubscribe(a, kChannel, "news");
  EXPECT_EQ(engine_.pubsub().Subscribers(kChannel, "news"), 1u);
  EXPECT_EQ(Publish(engine_.worker(0), kChannel, "news", "hi"), 1u);
  EXPECT_TRUE(Received(a).empty());
  EXPECT_EQ(Received(b), (std::vector<RespValue>{Message("news", "hi")}));
}

TEST_F(PubSubClientTest, UnsubscribeAllEndsEveryKind) {
  Client& a = NewClient();
  Client& b = NewClient();
  Subscribe(a, kChannel, "c1");
  Subscribe(a, kChannel, "c2");
  Subscribe(a, kPattern, "c*");
  Subscribe(a, kShard, "s");
  Subscribe(b, kChannel, "c1");
  UnsubscribeAll(a);
  EXPECT_EQ(a.subs, nullptr);
  EXPECT_FALSE(a.subscribed());
  PubSubDirectory& dir = engine_.pubsub();
  EXPECT_EQ(dir.Subscribers(kChannel, "c1"), 1u);  // b's
  EXPECT_EQ(dir.NameCount(kChannel), 1u);
  EXPECT_EQ(dir.NameCount(kPattern), 0u);
  EXPECT_EQ(dir.NameCount(kShard), 0u);
  Worker& w = engine_.worker(0);
  EXPECT_EQ(Publish(w, kChannel, "c1", "x"), 1u);
  EXPECT_EQ(Publish(w, kChannel, "c2", "x"), 0u);
  EXPECT_EQ(Publish(w, kShard, "s", "x"), 0u);
  EXPECT_TRUE(Received(a).empty());
  UnsubscribeAll(a);  // again: nothing to do
  EXPECT_EQ(dir.Subscribers(kChannel, "c1"), 1u);
}

TEST_F(PubSubClientTest, AClosedClientIsUnsubscribed) {
  Client& a = NewClient();
  Subscribe(a, kChannel, "news");
  Subscribe(a, kPattern, "n*");
  Close(a);
  EXPECT_EQ(engine_.pubsub().NameCount(kChannel), 0u);
  EXPECT_EQ(engine_.pubsub().NameCount(kPattern), 0u);
  EXPECT_EQ(Publish(engine_.worker(0), kChannel, "news", "hi"), 0u);
}

// Redis compat: a client subscribed to a channel and to a pattern matching it receives, and
// is counted, twice.
TEST_F(PubSubClientTest, PublishCountsEachMatchingSubscription) {
  Client& a = NewClient();
  Client& b = NewClient();
  Subscribe(a, kChannel, "news");
  Subscribe(a, kPattern, "n*");
  Subscribe(a, kPattern, "*");
  Subscribe(b, kPattern, "x*");
  EXPECT_EQ(Publish(engine_.worker(0), kChannel, "news", "hi"), 3u);
  EXPECT_EQ(Received(a).size(), 3u);
  EXPECT_TRUE(Received(b).empty());
}

// A subscriber past client-output-buffer-limit's pubsub hard limit is closed and gets
// nothing more; one that reads its messages stays.
TEST_F(PubSubClientTest, ASubscriberPastItsOutputLimitIsClosed) {
  SetConfig("client-output-buffer-limit", "pubsub 100 0 0");
  Client& slow = NewClient();
  Client& reader = NewClient();
  Subscribe(slow, kChannel, "news");
  Subscribe(reader, kChannel, "news");
  FakeTransport& ts = TransportOf(slow);
  FakeTransport& tr = TransportOf(reader);
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(ts.closed) << i;
    Publish(engine_.worker(0), kChannel, "news", "1234567");  // 40 bytes a message
    EXPECT_EQ(tr.Take().size(), 40u);
  }
  EXPECT_EQ(ts.pending_output(), 120u);
  EXPECT_TRUE(ts.closed);
  EXPECT_FALSE(tr.closed);
  Publish(engine_.worker(0), kChannel, "news", "more");
  EXPECT_EQ(ts.pending_output(), 120u);
  EXPECT_FALSE(tr.Take().empty());
}

// The normal class has no limit by default: a client that is not subscribed is not closed
// for output a hub writes to it.
TEST_F(PubSubClientTest, TheNormalClassHasNoLimitByDefault) {
  PubSubHub hub;
  Client& a = NewClient();
  hub.Add(kChannel, "news", &a);  // in the hub, but with no subscriptions of its own
  EXPECT_EQ(a.output_class(), ClientClass::kNormal);
  hub.Deliver(kChannel, "news", std::string(1 << 20, 'x'));
  EXPECT_FALSE(TransportOf(a).closed);
}

// --- Publish across threads ---

class PubSubThreadsTest : public PubSubEngineTest {
 protected:
  PubSubThreadsTest() : PubSubEngineTest(3) {}
};

// The publishing thread's subscribers get the message at once; each other thread with
// receivers gets one task; a thread without receivers gets none.
TEST_F(PubSubThreadsTest, OtherThreadsGetOneTaskEach) {
  Client& here = NewClient(0);
  Client& there = NewClient(2);
  Client& there_too = NewClient(2);
  Client& idle = NewClient(1);
  Subscribe(here, kChannel, "news");
  Subscribe(there, kChannel, "news");
  Subscribe(there_too, kPattern, "n*");
  Subscribe(idle, kChannel, "other");
  EXPECT_EQ(engine_.pubsub().Subscribers(kChannel, "news"), 2u);
  {
    std::string payload = "hi";
    std::string channel = "news";
    EXPECT_EQ(Publish(engine_.worker(0), kChannel, channel, payload), 3u);
    payload.assign("overwritten");  // the task keeps its own copy
    channel.assign("overwritten");
  }
  EXPECT_EQ(Received(here), (std::vector<RespValue>{Message("news", "hi")}));
  EXPECT_TRUE(Received(there).empty());
  ASSERT_EQ(messenger_.posted.size(), 1u);
  EXPECT_EQ(messenger_.posted[0].first, 2u);
  messenger_.RunAll();
  EXPECT_EQ(Received(there), (std::vector<RespValue>{Message("news", "hi")}));
  EXPECT_EQ(Received(there_too), (std::vector<RespValue>{PMessage("n*", "news", "hi")}));
  EXPECT_TRUE(Received(idle).empty());
}

TEST_F(PubSubThreadsTest, NoReceiversPostsNothing) {
  Client& a = NewClient(1);
  Subscribe(a, kShard, "news");  // a shard channel: not a receiver of PUBLISH
  EXPECT_EQ(Publish(engine_.worker(0), kChannel, "news", "hi"), 0u);
  EXPECT_TRUE(messenger_.posted.empty());
  EXPECT_EQ(Publish(engine_.worker(0), kShard, "news", "hi"), 1u);
  ASSERT_EQ(messenger_.posted.size(), 1u);
  EXPECT_EQ(messenger_.posted[0].first, 1u);
  messenger_.RunAll();
  EXPECT_EQ(Received(a), (std::vector<RespValue>{SMessage("news", "hi")}));
}

// One publisher's messages reach a subscriber on another thread in publish order.
TEST_F(PubSubThreadsTest, MessagesArriveInPublishOrder) {
  Client& a = NewClient(1);
  Subscribe(a, kChannel, "c");
  for (int i = 0; i < 5; ++i) Publish(engine_.worker(0), kChannel, "c", std::to_string(i));
  messenger_.RunAll();
  std::vector<RespValue> got = Received(a);
  ASSERT_EQ(got.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(got[i], Message("c", std::to_string(i)));
}

}  // namespace
}  // namespace cinnabar::engine

// EventLoop, for both engines: echo over real sockets, peer close, many clients sending at
// once (io_uring's receive pool runs dry and grows), tasks and timers, and closing what is
// still open after the loop stopped.
#include "io/event_loop.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "base/clock.h"
#include "io/socket.h"

namespace cinnabar::io {
namespace {

struct Counters {
  std::atomic<int> peer_closed{0};
  std::atomic<int> closed{0};
  // When set, a connection echoes at most this many bytes a loop turn (ContinueNextTurn).
  std::atomic<size_t> turn_budget{0};
  std::atomic<size_t> echoed{0};
};

// Echoes what it reads; a "!" closes after the reply; the peer's EOF closes at once.
class EchoHandler final : public ConnectionHandler {
 public:
  explicit EchoHandler(Counters* counters) : counters_(counters) {}

  void OnInput(Connection* c, size_t) override { Echo(c); }
  void OnContinue(Connection* c) override {
    EXPECT_LT(asked_turn_, c->loop()->turn());  // never in the turn that asked
    asked_ = false;
    Echo(c);
  }
  void OnPeerClosed(Connection* c) override {
    counters_->peer_closed.fetch_add(1);
    c->Close();
  }
  void OnSent(Connection*, size_t) override {}
  void OnClosed(Connection*) override {
    counters_->closed.fetch_add(1);
    delete this;
  }

 private:
  void Echo(Connection* c) {
    base::IoBuf& in = c->input();
    size_t n = in.size();
    if (size_t budget = counters_->turn_budget.load(); budget != 0) {
      if (c->loop()->turn() != turn_) {
        turn_ = c->loop()->turn();
        used_ = 0;
      }
      n = std::min(n, budget - used_);
      used_ += n;
      if (n < in.size() && !asked_) {
        asked_ = true;
        asked_turn_ = turn_;
        c->ContinueNextTurn();
      }
    }
    std::string_view data(in.data(), n);
    bool quit = data.find('!') != std::string_view::npos;
    c->output().Append(data);
    in.Consume(n);
    counters_->echoed.fetch_add(n);
    if (quit) c->CloseAfterFlush();
    else c->Flush();
  }

  Counters* counters_;
  uint64_t turn_ = 0;
  size_t used_ = 0;
  bool asked_ = false;
  uint64_t asked_turn_ = 0;
};

// One loop on its own thread (an io_uring ring belongs to the thread that made it),
// listening on an ephemeral loopback port.
class LoopThread {
 public:
  explicit LoopThread(LoopKind kind) {
    std::promise<bool> made;
    std::future<bool> ready = made.get_future();
    thread_ = std::thread([this, kind, &made] {
      auto loop = EventLoop::Create(kind);
      if (!loop.ok()) {
        made.set_value(false);
        return;
      }
      loop_ = std::move(*loop);
      made.set_value(true);
      loop_->Run();
    });
    ok_ = ready.get();
    if (!ok_) return;
    auto fd = ListenTcp("127.0.0.1", 0, 511);
    listen_fd_ = fd.ok() ? *fd : -1;
    sockaddr_in addr{};
    socklen_t len = sizeof(addr);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    RunOnLoop([this] {
      base::Status st = loop_->Listen(listen_fd_, [this](int fd, const sockaddr_storage&) {
        ConfigureAccepted(fd, 0);
        loop_->Adopt(fd, new EchoHandler(&counters_));
      });
      ASSERT_TRUE(st.ok()) << st.message();
    });
  }

  ~LoopThread() {
    StopAndJoin();
    if (loop_) loop_->CloseAllConnections();
    if (listen_fd_ >= 0) close(listen_fd_);
  }

  bool ok() const { return ok_; }
  int port() const { return port_; }
  EventLoop& loop() { return *loop_; }
  Counters& counters() { return counters_; }

  void RunOnLoop(std::function<void()> fn) {
    std::promise<void> done;
    loop_->Post([&] {
      fn();
      done.set_value();
    });
    done.get_future().wait();
  }

  void StopAndJoin() {
    if (!thread_.joinable()) return;
    if (loop_) loop_->Stop();
    thread_.join();
  }

 private:
  std::thread thread_;
  std::unique_ptr<EventLoop> loop_;
  bool ok_ = false;
  int listen_fd_ = -1;
  int port_ = 0;
  Counters counters_;
};

int Connect(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{10, 0};  // a broken loop fails the test instead of hanging it
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads exactly `n` bytes, or what arrived before EOF, an error or the timeout.
std::string ReadN(int fd, size_t n) {
  std::string out;
  char buf[16384];
  while (out.size() < n) {
    ssize_t r = recv(fd, buf, std::min(sizeof(buf), n - out.size()), 0);
    if (r <= 0) break;
    out.append(buf, static_cast<size_t>(r));
  }
  return out;
}

// Whether the server closed `fd` (recv sees EOF or a reset).
bool SeesEof(int fd) {
  char c;
  return recv(fd, &c, 1, 0) <= 0;
}

template <typename Pred>
bool WaitFor(Pred pred) {
  for (int i = 0; i < 1000 && !pred(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return pred();
}

class EventLoopTest : public ::testing::TestWithParam<LoopKind> {
 protected:
  void SetUp() override {
    lt_ = std::make_unique<LoopThread>(GetParam());
    if (!lt_->ok()) GTEST_SKIP() << "this kernel refuses io_uring";
  }
  std::unique_ptr<LoopThread> lt_;
};

TEST_P(EventLoopTest, EchoesAndClosesOnPeerEof) {
  int fd = Connect(lt_->port());
  ASSERT_GE(fd, 0);
  ASSERT_TRUE(SendAll(fd, "hello"));
  EXPECT_EQ(ReadN(fd, 5), "hello");
  shutdown(fd, SHUT_WR);
  EXPECT_TRUE(SeesEof(fd));
  EXPECT_TRUE(WaitFor([&] { return lt_->counters().closed.load() == 1; }));
  EXPECT_EQ(lt_->counters().peer_closed.load(), 1);
  close(fd);
}

TEST_P(EventLoopTest, CloseAfterFlushSendsTheReplyFirst) {
  int fd = Connect(lt_->port());
  ASSERT_GE(fd, 0);
  std::string big(200000, 'x');
  big += "!";
  ASSERT_TRUE(SendAll(fd, big));
  EXPECT_EQ(ReadN(fd, big.size()), big);
  EXPECT_TRUE(SeesEof(fd));
  close(fd);
}

// More clients send at once than the io_uring pool starts with buffers: every byte still
// arrives, in order, on every connection.
TEST_P(EventLoopTest, ManyClientsSendingAtOnce) {
  constexpr int kClients = 200;
  constexpr size_t kBytes = 40000;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) {
    int fd = Connect(lt_->port());
    ASSERT_GE(fd, 0);
    fds.push_back(fd);
  }
  std::vector<std::string> sent;
  for (int i = 0; i < kClients; ++i) {
    std::string data;
    while (data.size() < kBytes) data += std::to_string(i) + ":" + std::to_string(data.size()) + ",";
    sent.push_back(data);
  }
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = w; i < kClients; i += 4) SendAll(fds[i], sent[i]);
    });
  }
  for (int i = 0; i < kClients; ++i) EXPECT_EQ(ReadN(fds[i], sent[i].size()), sent[i]) << i;
  for (std::thread& t : writers) t.join();
  for (int fd : fds) close(fd);
  EXPECT_TRUE(WaitFor([&] { return lt_->counters().closed.load() == kClients; }));
}

// A handler that stops at a per-turn budget and asks for the next turn gets all of its
// input, and meanwhile another connection's request is answered: the continuation waits
// for the turn's replies and the events that came in the meantime.
TEST_P(EventLoopTest, ContinuationsLetOtherConnectionsIn) {
  lt_->counters().turn_budget = 512;
  int a = Connect(lt_->port());
  int b = Connect(lt_->port());
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  std::string big;
  while (big.size() < (4u << 20)) big += std::to_string(big.size()) + ",";
  std::string echoed_a;
  std::thread reader([&] { echoed_a = ReadN(a, big.size()); });
  std::thread writer([&] { SendAll(a, big); });
  ASSERT_TRUE(WaitFor([&] { return lt_->counters().echoed.load() > 0; }));
  ASSERT_TRUE(SendAll(b, "ping"));
  EXPECT_EQ(ReadN(b, 4), "ping");
  EXPECT_LT(lt_->counters().echoed.load(), big.size() + 4);  // a still had input waiting
  writer.join();
  reader.join();
  EXPECT_EQ(echoed_a, big);
  close(a);
  close(b);
}

TEST_P(EventLoopTest, PostedTasksAndTimersRunOnTheLoop) {
  std::promise<std::thread::id> where;
  lt_->loop().Post([&] { where.set_value(std::this_thread::get_id()); });
  EXPECT_NE(where.get_future().get(), std::this_thread::get_id());

  std::promise<int64_t> fired;
  int64_t start = base::MonotonicUs();
  lt_->RunOnLoop([&] { lt_->loop().RunAt(start + 30000, [&] { fired.set_value(base::MonotonicUs()); }); });
  EXPECT_GE(fired.get_future().get() - start, 30000);
}

// After Stop() the connections still open are closed by CloseAllConnections: each handler
// hears OnClosed once and each client sees EOF.
TEST_P(EventLoopTest, CloseAllConnectionsAfterStop) {
  std::vector<int> fds;
  for (int i = 0; i < 3; ++i) {
    int fd = Connect(lt_->port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(SendAll(fd, "ping"));
    EXPECT_EQ(ReadN(fd, 4), "ping");
    fds.push_back(fd);
  }
  EXPECT_EQ(lt_->counters().closed.load(), 0);
  lt_->StopAndJoin();
  EXPECT_EQ(lt_->loop().connection_count(), 3u);
  lt_->loop().CloseAllConnections();
  EXPECT_EQ(lt_->counters().closed.load(), 3);
  EXPECT_EQ(lt_->loop().connection_count(), 0u);
  for (int fd : fds) {
    EXPECT_TRUE(SeesEof(fd));
    close(fd);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, EventLoopTest,
                         ::testing::Values(LoopKind::kUring, LoopKind::kEpoll),
                         [](const auto& info) {
                           return std::string(info.param == LoopKind::kUring ? "Uring" : "Epoll");
                         });

}  // namespace
}  // namespace cinnabar::io

#include "unit/commands/family_test.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "base/io_buf.h"
#include "base/memory.h"
#include "base/string_util.h"
#include "base/wait.h"
#include "commands/register_all.h"
#include "engine/client.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/registry.h"
#include "engine/worker.h"
#include "io/event_loop.h"

namespace cinnabar::testing {

using Type = RespValue::Type;

namespace {

constexpr auto kReplyTimeout = std::chrono::seconds(10);

RespValue Make(Type type, std::string_view s = {}) {
  RespValue v;
  v.type = type;
  v.str = std::string(s);
  return v;
}

RespValue ParseError(std::string_view why) { return Make(Type::kError, "PARSE: " + std::string(why)); }

// Reads the line that starts at `pos`; nullopt when its CRLF has not arrived.
std::optional<std::string_view> Line(std::string_view buf, size_t pos, size_t* next) {
  size_t end = buf.find("\r\n", pos);
  if (end == std::string_view::npos) return std::nullopt;
  *next = end + 2;
  return buf.substr(pos, end - pos);
}

std::optional<RespValue> ParseAt(std::string_view buf, size_t pos, size_t* next);

// An aggregate of `count` elements (twice that for a map) starting at `pos`.
std::optional<RespValue> ParseAggregate(Type type, int64_t count, std::string_view buf,
                                        size_t pos, size_t* next) {
  RespValue v = Make(type);
  if (type == Type::kMap) count *= 2;
  for (int64_t i = 0; i < count; ++i) {
    std::optional<RespValue> e = ParseAt(buf, pos, &pos);
    if (!e) return std::nullopt;
    v.elems.push_back(std::move(*e));
  }
  *next = pos;
  return v;
}

std::optional<RespValue> ParseAt(std::string_view buf, size_t pos, size_t* next) {
  if (pos >= buf.size()) return std::nullopt;
  char kind = buf[pos];
  size_t after;
  std::optional<std::string_view> line = Line(buf, pos + 1, &after);
  if (!line) return std::nullopt;
  int64_t n = 0;
  switch (kind) {
    case '+':
    case '-':
    case ',':
    case '(': {
      *next = after;
      Type t = kind == '+' ? Type::kSimple
               : kind == '-' ? Type::kError
               : kind == ',' ? Type::kDouble
                             : Type::kBigNumber;
      return Make(t, *line);
    }
    case ':':
    case '#': {
      RespValue v = Make(kind == ':' ? Type::kInteger : Type::kBool);
      if (kind == '#') {
        v.integer = *line == "t";
      } else if (!base::ParseInt64(*line, &v.integer)) {
        return ParseError("bad integer");
      }
      *next = after;
      return v;
    }
    case '_':
      *next = after;
      return Nil();
    case '$':
    case '=': {
      if (!base::ParseInt64(*line, &n)) return ParseError("bad bulk length");
      if (n < 0) {
        *next = after;
        return Nil();
      }
      size_t len = static_cast<size_t>(n);
      if (buf.size() < after + len + 2) return std::nullopt;
      if (buf.substr(after + len, 2) != "\r\n") return ParseError("bulk without CRLF");
      *next = after + len + 2;
      return Make(kind == '$' ? Type::kBulk : Type::kVerbatim, buf.substr(after, len));
    }
    case '*':
    case '%':
    case '~':
    case '>': {
      if (!base::ParseInt64(*line, &n)) return ParseError("bad aggregate length");
      if (n < 0) {
        *next = after;
        return Nil();
      }
      Type t = kind == '*' ? Type::kArray
               : kind == '%' ? Type::kMap
               : kind == '~' ? Type::kSet
                             : Type::kPush;
      return ParseAggregate(t, n, buf, after, next);
    }
    default:
      return ParseError("unknown type byte");
  }
}

std::string Encode(const std::vector<std::string_view>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (std::string_view a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

}  // namespace

// --- RespValue ---

RespValue Simple(std::string_view s) { return Make(Type::kSimple, s); }
RespValue Err(std::string_view s) { return Make(Type::kError, s); }
RespValue Int(int64_t i) {
  RespValue v = Make(Type::kInteger);
  v.integer = i;
  return v;
}
RespValue Bulk(std::string_view s) { return Make(Type::kBulk, s); }
RespValue Nil() { return Make(Type::kNull); }
RespValue Array(std::vector<RespValue> elems) {
  RespValue v = Make(Type::kArray);
  v.elems = std::move(elems);
  return v;
}
RespValue Bulks(std::initializer_list<std::string_view> items) {
  RespValue v = Make(Type::kArray);
  for (std::string_view s : items) v.elems.push_back(Bulk(s));
  return v;
}

std::optional<RespValue> ParseReply(std::string_view buf, size_t* consumed) {
  return ParseAt(buf, 0, consumed);
}

void PrintTo(const RespValue& v, std::ostream* os) {
  switch (v.type) {
    case Type::kSimple: *os << "+" << v.str; break;
    case Type::kError: *os << "-" << v.str; break;
    case Type::kInteger: *os << "(integer) " << v.integer; break;
    case Type::kBool: *os << "(bool) " << (v.integer ? "true" : "false"); break;
    case Type::kDouble: *os << "(double) " << v.str; break;
    case Type::kBigNumber: *os << "(big number) " << v.str; break;
    case Type::kBulk:
    case Type::kVerbatim: *os << '"' << v.str << '"'; break;
    case Type::kNull: *os << "(nil)"; break;
    case Type::kArray:
    case Type::kMap:
    case Type::kSet:
    case Type::kPush: {
      *os << (v.type == Type::kMap ? "%" : v.type == Type::kSet ? "~" : v.type == Type::kPush ? ">" : "")
          << "[";
      for (size_t i = 0; i < v.elems.size(); ++i) {
        if (i > 0) *os << ", ";
        PrintTo(v.elems[i], os);
      }
      *os << "]";
      break;
    }
  }
}

std::ostream& operator<<(std::ostream& os, const RespValue& v) {
  PrintTo(v, &os);
  return os;
}

// --- TestConnection ---

// The client's side of the connection, and the engine's Transport. The IoBufs and
// `client` belong to the loop thread; `received` and `closed_flag` are shared under `mu`.
struct TestConnection::State final : engine::Transport {
  io::EventLoop* loop = nullptr;
  engine::Client* client = nullptr;
  base::IoBuf in, out;
  bool closing = false;        // loop thread
  bool held = false;           // replies waiting for the journal (Transport::HoldOutput)
  bool client_closed = false;  // loop thread: OnClosed has been called

  std::mutex mu;
  std::condition_variable cv;
  std::string received;
  bool closed_flag = false;

  base::IoBuf& input() override { return in; }
  base::IoBuf& output() override { return out; }
  void Flush() override {
    if (held) return;
    {
      std::lock_guard lock(mu);
      received.append(out.view());
    }
    out.Clear();
    cv.notify_all();
  }
  void CloseAfterFlush() override {
    Flush();
    MarkClosed();
  }
  void Close() override {
    out.Clear();
    MarkClosed();
  }
  size_t pending_output() const override { return out.size(); }
  void SendNow() override {}
  void HoldOutput(bool h) override { held = h; }
  void PauseInput(bool) override {}  // the test hands over all input itself
  // Each input handed over is a turn, and so is each continuation.
  uint64_t turn_count = 0;
  uint64_t turn() const override { return turn_count; }
  void ContinueNextTurn() override {
    loop->Post([this] {
      if (client_closed || closing) return;
      ++turn_count;
      client->OnContinue();
    });
  }
  // As a real connection does, the client hears of the close later, never synchronously.
  void MarkClosed() {
    if (closing) return;
    closing = true;
    {
      std::lock_guard lock(mu);
      closed_flag = true;
    }
    cv.notify_all();
    loop->Post([this] { CloseClient(); });
  }
  void CloseClient() {
    if (client_closed) return;
    client_closed = true;
    client->OnClosed();
  }
};

RespValue TestConnection::Run(std::initializer_list<std::string_view> args) {
  Send(Encode(std::vector<std::string_view>(args)));
  return Read();
}

RespValue TestConnection::Run(const std::vector<std::string>& args) {
  Send(Encode(std::vector<std::string_view>(args.begin(), args.end())));
  return Read();
}

void TestConnection::Send(std::string_view bytes) {
  std::shared_ptr<State> s = state_;
  s->loop->Post([s, data = std::string(bytes)] {
    if (s->client_closed || s->closing) return;
    s->in.Append(data);
    ++s->turn_count;
    s->client->OnInput(data.size());
  });
}

RespValue TestConnection::Read() {
  std::unique_lock lock(state_->mu);
  std::optional<RespValue> reply;
  size_t consumed = 0;
  bool arrived = state_->cv.wait_for(lock, kReplyTimeout, [&] {
    reply = ParseReply(state_->received, &consumed);
    return reply.has_value() || state_->closed_flag;
  });
  if (!reply) {
    ADD_FAILURE() << (arrived ? "connection closed without a reply" : "no reply in time");
    return Err(arrived ? "TEST: closed" : "TEST: timeout");
  }
  state_->received.erase(0, consumed);
  return *reply;
}

bool TestConnection::closed() const {
  std::lock_guard lock(state_->mu);
  return state_->closed_flag;
}

// --- EngineHarness ---

struct EngineHarness::Impl final : engine::Messenger, engine::ServerHooks {
  explicit Impl(unsigned shards) : config(MakeConfig(shards)) {
    commands::RegisterAll(&registry);
    engine = std::make_unique<engine::Engine>(&config, &registry, shards);
    engine->Wire(this, this);
    loops.resize(shards);
    for (unsigned i = 0; i < shards; ++i) threads.emplace_back([this, i] { ThreadMain(i); });
    base::WaitUntilAtLeast(started, shards);
  }

  ~Impl() override {
    for (const auto& c : connections) {
      RunOnAndWait(c->loop, [c] { c->CloseClient(); });
    }
    for (auto& l : loops) l->Stop();
    for (std::thread& t : threads) t.join();
    connections.clear();
    loops.clear();
    engine.reset();
  }

  static engine::ServerConfig MakeConfig(unsigned shards) {
    engine::ServerConfig cfg;
    cfg.threads = static_cast<int>(shards);
    cfg.io_engine = engine::IoEngineKind::kEpoll;
    cfg.enable_debug_command = engine::DebugCommandPolicy::kYes;
    return cfg;
  }

  // As the server's threads: the loop is created on its own thread, runs the worker's cron
  // on a timer and its deferred work before each sleep.
  void ThreadMain(unsigned index) {
    base::RegisterMemoryThread();
    auto loop = io::EventLoop::Create(io::LoopKind::kEpoll);
    if (!loop.ok()) std::abort();
    loops[index] = std::move(*loop);
    io::EventLoop* l = loops[index].get();
    engine::Worker& w = engine->worker(index);
    started.fetch_add(1);
    started.notify_all();
    base::WaitUntilAtLeast(started, static_cast<unsigned>(loops.size()));
    l->SetTimer(1000 / w.config().effective_hz(), [&w] { w.Cron(); });
    l->SetBeforeSleep([&w] { w.RunDeferred(); });
    l->Run();
  }

  static void RunOnAndWait(io::EventLoop* loop, std::function<void()> fn) {
    std::promise<void> done;
    std::future<void> f = done.get_future();
    loop->Post([&] {
      fn();
      done.set_value();
    });
    f.wait_for(kReplyTimeout);
  }

  // engine::Messenger
  void Post(unsigned thread, base::Task task) override { loops[thread]->Post(std::move(task)); }
  void PostAll(std::span<const unsigned> threads, std::span<base::Task> tasks,
               base::FunctionRef<void()> while_held) override {
    io::EventLoop::PostAll([&](size_t i) { return loops[threads[i]].get(); }, tasks, while_held);
  }
  void RunAt(unsigned thread, int64_t when_us, base::Task task) override {
    loops[thread]->RunAt(when_us, std::move(task));
  }
  // engine::ServerHooks: no listeners, no process to stop.
  void RequestShutdown(ShutdownSave) override {}
  std::string ApplyConfig(const engine::ServerConfig&, const engine::ServerConfig&,
                          std::string_view*) override {
    return {};
  }
  std::string_view IoEngineName() const override { return "epoll"; }
  int ListeningPort() const override { return 0; }

  engine::ConfigStore config;
  engine::Registry registry;
  std::unique_ptr<engine::Engine> engine;
  std::vector<std::unique_ptr<io::EventLoop>> loops;
  std::vector<std::thread> threads;
  std::atomic<unsigned> started{0};
  std::vector<std::shared_ptr<TestConnection::State>> connections;
};

EngineHarness::EngineHarness(unsigned shards) : impl_(std::make_unique<Impl>(shards)) {}

EngineHarness::~EngineHarness() = default;

unsigned EngineHarness::shard_count() const { return impl_->engine->shard_count(); }

unsigned EngineHarness::ShardOf(std::string_view key) const { return impl_->engine->ShardOf(key); }

TestConnection EngineHarness::Connect(unsigned thread) {
  auto state = std::make_shared<TestConnection::State>();
  state->loop = impl_->loops[thread].get();
  engine::Engine* eng = impl_->engine.get();
  Impl::RunOnAndWait(state->loop, [state, eng, thread] {
    engine::PeerInfo peer{"127.0.0.1:40000", "127.0.0.1:6379", -1, true};
    state->client = new engine::Client(&eng->worker(thread), state.get(), eng->NextClientId(),
                                       std::move(peer));
  });
  impl_->connections.push_back(state);
  return TestConnection(state);
}

// --- FamilyTest ---

std::string ShardCountName(const ::testing::TestParamInfo<unsigned>& info) {
  return "Shards" + std::to_string(info.param);
}

void FamilyTest::SetUp() {
  harness_ = std::make_unique<EngineHarness>(GetParam());
  client_.emplace(harness_->Connect(0));
}

void FamilyTest::TearDown() {
  client_.reset();
  harness_.reset();
}

std::string FamilyTest::KeyOnShard(std::string_view prefix, unsigned shard) const {
  for (int n = 0;; ++n) {
    std::string key = std::string(prefix) + std::to_string(shard) + ":" + std::to_string(n);
    if (harness_->ShardOf(key) == shard % harness_->shard_count()) return key;
  }
}

}  // namespace cinnabar::testing

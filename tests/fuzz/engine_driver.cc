#include "fuzz/engine_driver.h"

#include "base/memory.h"
#include "base/string_util.h"
#include "commands/register_all.h"
#include "engine/worker.h"

namespace cinnabar::fuzz {

// --- Connection ---

EngineDriver::Connection::Connection(EngineDriver* driver) : driver_(driver) {
  engine::Engine& eng = driver->engine();
  engine::PeerInfo peer{"127.0.0.1:40000", "127.0.0.1:6379", -1, true};
  client_ = new engine::Client(&eng.worker(0), this, eng.NextClientId(), std::move(peer));
}

EngineDriver::Connection::~Connection() {
  CloseSoon();
  driver_->RunUntilIdle();
}

std::string EngineDriver::Connection::Call(std::span<const std::string_view> args) {
  if (!closing_) {
    std::string req = "*" + std::to_string(args.size()) + "\r\n";
    for (std::string_view a : args) {
      req += "$" + std::to_string(a.size()) + "\r\n";
      req.append(a);
      req += "\r\n";
    }
    in_.Append(req);
    ++turn_;
    client_->OnInput(req.size());
  }
  driver_->RunUntilIdle();
  return std::exchange(received_, {});
}

void EngineDriver::Connection::Flush() {
  if (held_) return;
  received_.append(out_.view());
  out_.Clear();
}

void EngineDriver::Connection::CloseAfterFlush() {
  Flush();
  CloseSoon();
}

void EngineDriver::Connection::Close() {
  out_.Clear();
  CloseSoon();
}

// As a real connection does, the client hears of the close later, never synchronously.
void EngineDriver::Connection::ContinueNextTurn() {
  driver_->Post(0, [this] {
    if (client_closed_) return;
    ++turn_;
    client_->OnContinue();
  });
}

void EngineDriver::Connection::CloseSoon() {
  if (closing_) return;
  closing_ = true;
  driver_->Post(0, [this] {
    if (client_closed_) return;
    client_closed_ = true;
    client_->OnClosed();
  });
}

// --- EngineDriver ---

namespace {

engine::ServerConfig WithThreads(engine::ServerConfig config, unsigned shards) {
  config.threads = static_cast<int>(shards);
  config.io_engine = engine::IoEngineKind::kEpoll;
  return config;
}

}  // namespace

EngineDriver::EngineDriver(unsigned shards, engine::ServerConfig config)
    : config_(WithThreads(std::move(config), shards)), queues_(shards) {
  base::RegisterMemoryThread();
  commands::RegisterAll(&registry_);
  engine_ = std::make_unique<engine::Engine>(&config_, &registry_, shards);
  engine_->Wire(this, this);
}

EngineDriver::~EngineDriver() {
  RunUntilIdle();
  timers_.clear();
  engine_.reset();
}

std::unique_ptr<EngineDriver::Connection> EngineDriver::Connect() {
  return std::unique_ptr<Connection>(new Connection(this));
}

bool EngineDriver::RunQueuedOnce() {
  bool ran = false;
  for (size_t i = 0; i < queues_.size(); ++i) {
    // A round runs what is queued now; what it posts waits for the next round.
    std::deque<base::Task> round;
    round.swap(queues_[i]);
    for (base::Task& t : round) t();
    ran |= !round.empty();
    ran |= engine_->worker(static_cast<unsigned>(i)).RunDeferred();
  }
  return ran;
}

void EngineDriver::RunUntilIdle() {
  for (;;) {
    while (RunQueuedOnce()) {
    }
    if (timers_.empty()) return;
    base::Task t = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    t();
  }
}

void EngineDriver::Post(unsigned thread, base::Task task) {
  queues_[thread].push_back(std::move(task));
}

void EngineDriver::PostAll(std::span<const unsigned> threads, std::span<base::Task> tasks,
                           base::FunctionRef<void()> while_held) {
  while_held();
  for (size_t i = 0; i < threads.size(); ++i) queues_[threads[i]].push_back(std::move(tasks[i]));
}

void EngineDriver::RunAt(unsigned, int64_t when_us, base::Task task) {
  timers_.emplace(when_us, std::move(task));
}

// --- ReplyLength ---

namespace {

// The end of the reply at `pos`, 0 while incomplete, -1 when malformed.
int64_t ReplyEnd(std::string_view buf, size_t pos, int depth) {
  if (depth > 1000) return -1;
  if (pos >= buf.size()) return 0;
  size_t eol = buf.find("\r\n", pos);
  if (eol == std::string_view::npos) return 0;
  std::string_view line = buf.substr(pos + 1, eol - pos - 1);
  if (line.find_first_of("\r\n") != std::string_view::npos) return -1;
  auto next = static_cast<int64_t>(eol + 2);
  int64_t n = 0;
  switch (buf[pos]) {
    case '+':
    case '-':
    case ',':
    case '(':
      return next;
    case ':':
      return base::ParseInt64(line, &n) ? next : -1;
    case '#':
      return line == "t" || line == "f" ? next : -1;
    case '_':
      return line.empty() ? next : -1;
    case '$':
    case '=':
    case '!': {
      if (!base::ParseInt64(line, &n) || n < -1) return -1;
      if (n == -1) return buf[pos] == '$' ? next : -1;
      if (buf.size() < static_cast<size_t>(next + n + 2)) return 0;
      if (buf.substr(static_cast<size_t>(next + n), 2) != "\r\n") return -1;
      return next + n + 2;
    }
    case '*':
    case '%':
    case '~':
    case '>': {
      if (!base::ParseInt64(line, &n) || n < -1) return -1;
      if (n == -1) return buf[pos] == '*' ? next : -1;
      if (buf[pos] == '%') n *= 2;
      for (int64_t i = 0; i < n; ++i) {
        next = ReplyEnd(buf, static_cast<size_t>(next), depth + 1);
        if (next <= 0) return next;
      }
      return next;
    }
    default:
      return -1;
  }
}

}  // namespace

int64_t ReplyLength(std::string_view buf) { return ReplyEnd(buf, 0, 0); }

}  // namespace cinnabar::fuzz

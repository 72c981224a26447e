#include "io/event_loop.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>

#include "base/clock.h"
#include "base/logging.h"
#include "io/epoll_loop.h"
#include "io/tls.h"
#include "io/uring_loop.h"

namespace cinnabar::io {
namespace {
// How much ciphertext TLS prepares ahead of the socket: enough for a full send, little
// enough that output() keeps the unsent bulk.
constexpr size_t kTlsWireHighWater = 256 * 1024;
}  // namespace

Connection::Connection(EventLoop* loop, int fd) : loop_(loop), fd_(fd) {}
Connection::~Connection() = default;

size_t Connection::pending_output() const {
  return output_.size() + (tls_ != nullptr ? tls_->wire_out().size() : 0);
}

void Connection::EnableTls(std::shared_ptr<const TlsContext> ctx) {
  tls_ = std::make_unique<TlsLayer>(std::move(ctx));
}

base::IoBuf& Connection::wire_in() { return tls_ != nullptr ? tls_->wire_in() : input_; }

void Connection::WireReceived(size_t n) {
  if (tls_ == nullptr) return handler_->OnInput(this, n);
  const bool was_established = tls_->established();
  TlsLayer::ReadResult r = tls_->Read(input_);
  if (r.failed) {
    // Redis compat: a failed handshake is logged as a failed accept, at warning level.
    if (!was_established) {
      base::LogWarning("Error accepting a client connection: {}", tls_->error());
    } else {
      base::LogVerbose("Reading from client: {}", tls_->error());
    }
    CloseAfterFlush();  // the alert OpenSSL wrote, if any, goes out first
    return;
  }
  if (r.wire_output || (!was_established && tls_->established() && !output_.empty())) Flush();
  if (r.plain > 0) handler_->OnInput(this, r.plain);
}

base::IoBuf* Connection::WireOutput() {
  if (tls_ == nullptr) return output_held_ ? nullptr : &output_;
  if (!output_held_ && !output_.empty()) {
    size_t n = tls_->Write(output_, kTlsWireHighWater);
    // Redis compat: what a TLS connection wrote counts as plaintext (net_output_bytes).
    if (n > 0) handler_->OnSent(this, n);
    if (tls_->failed()) {
      base::LogVerbose("Error writing to client: {}", tls_->error());
      close_now_ = true;
    }
  }
  return &tls_->wire_out();
}

void Connection::WireSent(size_t n) {
  if (tls_ == nullptr) handler_->OnSent(this, n);
}

bool Connection::wire_drained() const {
  if (tls_ == nullptr) return output_.empty();
  return tls_->wire_out().empty() &&
         (output_.empty() || !tls_->established() || tls_->failed());
}

void Connection::Flush() {
  if (!flush_queued_) {
    flush_queued_ = true;
    loop_->QueueFlush(this);
  }
}

void Connection::CloseAfterFlush() {
  close_after_flush_ = true;
  Flush();
}

void Connection::Close() {
  close_now_ = true;
  Flush();
}

EventLoop::EventLoop() = default;
EventLoop::~EventLoop() = default;

base::StatusOr<std::unique_ptr<EventLoop>> EventLoop::Create(LoopKind kind) {
  if (kind == LoopKind::kUring) return UringLoop::Create();
  return EpollLoop::Create();
}

void Connection::SendNow() {
  if (!closing() && !output_held_ && !output_.empty()) loop_->SendNow(this);
}

void Connection::PauseReading(bool paused) {
  if (read_paused_ == paused) return;
  read_paused_ = paused;
  loop_->UpdateReading(this);
}

void Connection::ContinueNextTurn() {
  if (continue_queued_) return;
  continue_queued_ = true;
  loop_->continue_queue_.push_back(this);
}

void EventLoop::RunContinuations() {
  for (Connection*& c : continuing_) {
    if (c == nullptr) continue;  // released meanwhile
    c->continue_queued_ = false;
    if (!c->closing()) c->handler_->OnContinue(c);
  }
  continuing_.clear();
}

void EventLoop::Post(base::Task task) {
  if (tasks_.Push(std::move(task))) Wake();
}

void EventLoop::PostAll(base::FunctionRef<EventLoop*(size_t)> loop_at,
                        std::span<base::Task> tasks, base::FunctionRef<void()> while_held) {
  base::TaskQueue::PushAll(
      [loop_at](size_t i) -> base::TaskQueue& { return loop_at(i)->tasks_; }, tasks, while_held,
      [loop_at](size_t i) { loop_at(i)->Wake(); });
}

void EventLoop::Stop() {
  stop_.store(true);
  Wake();
}

void EventLoop::QueueFlush(Connection* c) { flush_queue_.push_back(c); }

void EventLoop::Link(Connection* c) {
  c->next_ = open_;
  if (open_ != nullptr) open_->prev_ = c;
  open_ = c;
  ++connections_;
}

void EventLoop::Unlink(Connection* c) {
  if (c->prev_ != nullptr) c->prev_->next_ = c->next_;
  else open_ = c->next_;
  if (c->next_ != nullptr) c->next_->prev_ = c->prev_;
  c->prev_ = c->next_ = nullptr;
  --connections_;
}

void EventLoop::Release(Connection* c) {
  c->finalized_ = true;
  if (c->continue_queued_) {
    std::erase(continue_queue_, c);
    std::replace(continuing_.begin(), continuing_.end(), c, static_cast<Connection*>(nullptr));
  }
  close(c->fd_);
  Unlink(c);
  c->handler_->OnClosed(c);
  delete c;
}

void EventLoop::CloseAllConnections() {
  flush_queue_.clear();
  while (open_ != nullptr) {
    shutdown(open_->fd_, SHUT_RDWR);  // a pending io_uring receive keeps the socket open past close
    Release(open_);
  }
}

bool EventLoop::RunTasks() {
  tasks_.Drain(&running_tasks_);
  if (running_tasks_.empty()) return false;
  for (base::Task& t : running_tasks_) t();
  running_tasks_.clear();
  return true;
}

void EventLoop::SetTimer(int interval_ms, std::function<void()> tick) {
  interval_ms_ = interval_ms;
  tick_ = std::move(tick);
  next_tick_us_ = base::MonotonicUs() + interval_ms * 1000LL;
}

void EventLoop::RunAt(int64_t when_us, base::Task task) {
  timers_.push(Timer{when_us, timer_seq_++, std::move(task)});
}

void EventLoop::RunTimers() {
  int64_t now = base::MonotonicUs();
  while (!timers_.empty() && timers_.top().when_us <= now) {
    base::Task t = std::move(timers_.top().task);
    timers_.pop();
    t();
  }
  if (tick_ && now >= next_tick_us_) {
    tick_();
    next_tick_us_ = now + interval_ms_ * 1000LL;
  }
}

int EventLoop::WaitMs() const {
  int64_t next = tick_ ? next_tick_us_ : -1;
  if (!timers_.empty() && (next < 0 || timers_.top().when_us < next)) next = timers_.top().when_us;
  if (next < 0) return -1;
  int64_t wait = (next - base::MonotonicUs() + 999) / 1000;
  return wait < 0 ? 0 : static_cast<int>(wait);
}

}  // namespace cinnabar::io

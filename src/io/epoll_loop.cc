#include "io/epoll_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "base/logging.h"

namespace cinnabar::io {
namespace {

// Tags in epoll_event.data.u64: pointers are 8-aligned, so the low bits say what it is.
constexpr uint64_t kTagConn = 0;
constexpr uint64_t kTagListener = 1;
constexpr uint64_t kTagWake = 2;
constexpr uint64_t kTagMask = 7;

constexpr size_t kReadChunk = 16 * 1024;

class EpollConnection final : public Connection {
 public:
  using Connection::Connection;
  bool want_write = false;
};

}  // namespace

base::StatusOr<std::unique_ptr<EventLoop>> EpollLoop::Create() {
  int epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) return base::Status::FromErrno("epoll_create1", errno);
  int wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakefd < 0) {
    int err = errno;
    close(epfd);
    return base::Status::FromErrno("eventfd", err);
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kTagWake;
  epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev);
  return std::unique_ptr<EventLoop>(new EpollLoop(epfd, wakefd));
}

EpollLoop::EpollLoop(int epfd, int wakefd) : epfd_(epfd), wakefd_(wakefd) {}

EpollLoop::~EpollLoop() {
  close(epfd_);
  close(wakefd_);
}

void EpollLoop::Wake() {
  uint64_t one = 1;
  ssize_t n = write(wakefd_, &one, sizeof(one));
  (void)n;
}

base::Status EpollLoop::Listen(int listen_fd, AcceptHandler on_accept) {
  auto l = std::make_unique<Listener>(Listener{listen_fd, std::move(on_accept)});
  epoll_event ev{};
  // Every loop waits on the same listening socket; EPOLLEXCLUSIVE wakes one of them.
  ev.events = EPOLLIN | EPOLLEXCLUSIVE;
  ev.data.u64 = reinterpret_cast<uint64_t>(l.get()) | kTagListener;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, listen_fd, &ev) != 0) {
    return base::Status::FromErrno("epoll_ctl(listen)", errno);
  }
  listeners_.push_back(std::move(l));
  return base::Status::Ok();
}

void EpollLoop::StopListening() {
  for (auto& l : listeners_) epoll_ctl(epfd_, EPOLL_CTL_DEL, l->fd, nullptr);
  listeners_.clear();
}

Connection* EpollLoop::Adopt(int fd, ConnectionHandler* handler) {
  auto* c = new EpollConnection(this, fd);
  c->set_handler(handler);
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP;
  ev.data.u64 = reinterpret_cast<uint64_t>(c) | kTagConn;
  if (epoll_ctl(epfd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    base::LogWarning("epoll_ctl(add) failed for fd {}: {}", fd, std::strerror(errno));
    c->Close();
  }
  Link(c);
  return c;
}

void EpollLoop::SetWritable(Connection* conn, bool want) {
  auto* c = static_cast<EpollConnection*>(conn);
  if (c->want_write == want) return;
  c->want_write = want;
  UpdateInterest(c);
}

void EpollLoop::UpdateReading(Connection* c) {
  if (!c->finalized_) UpdateInterest(c);
}

void EpollLoop::UpdateInterest(Connection* conn) {
  auto* c = static_cast<EpollConnection*>(conn);
  epoll_event ev{};
  // After EOF, level-triggered EPOLLIN would fire forever: only writing is left.
  const bool reading = !c->peer_closed_ && !c->read_paused_;
  ev.events = (reading ? static_cast<uint32_t>(EPOLLIN | EPOLLRDHUP) : 0u) |
              (c->want_write ? static_cast<uint32_t>(EPOLLOUT) : 0u);
  ev.data.u64 = reinterpret_cast<uint64_t>(c) | kTagConn;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, c->fd_, &ev);
}

void EpollLoop::OnReadable(Connection* c) {
  if (c->closing() || c->peer_closed_) return;
  base::IoBuf& in = c->wire_in();
  char* p = in.PrepareWrite(kReadChunk);
  ssize_t n = read(c->fd_, p, in.writable());
  if (n > 0) {
    in.Commit(static_cast<size_t>(n));
    c->WireReceived(static_cast<size_t>(n));
    return;
  }
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n == 0) {
    // EOF: stop reading, keep writing.
    c->peer_closed_ = true;
    UpdateInterest(c);
    c->handler_->OnPeerClosed(c);
    return;
  }
  base::LogVerbose("Reading from client: {}", std::strerror(errno));
  c->Close();
}

bool EpollLoop::Write(Connection* c) {
  while (true) {
    base::IoBuf* out = c->WireOutput();
    if (out == nullptr || out->empty()) break;
    ssize_t n = send(c->fd_, out->data(), out->size(), MSG_NOSIGNAL);
    if (n > 0) {
      out->Consume(static_cast<size_t>(n));
      c->WireSent(static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) {
      SetWritable(c, true);
      return true;
    }
    base::LogVerbose("Error writing to client: {}", std::strerror(errno));
    return false;
  }
  SetWritable(c, false);
  // Keep big idle reply buffers from pinning memory.
  c->output_.ShrinkIfIdle(64 * 1024);
  return true;
}

void EpollLoop::SendNow(Connection* c) {
  if (!Write(c)) c->Close();
}

void EpollLoop::Finalize(Connection* c) {
  if (c->finalized_) return;
  if (nested_) {  // PollIo: closes wait for the next turn
    if (!c->flush_queued_) {
      c->flush_queued_ = true;
      deferred_closes_.push_back(c);
    }
    return;
  }
  epoll_ctl(epfd_, EPOLL_CTL_DEL, c->fd_, nullptr);
  Release(c);
}

void EpollLoop::FlushAll() {
  // Handlers may queue more flushes while we write (a close after a reply): loop.
  while (!flush_queue_.empty()) {
    flushing_.swap(flush_queue_);
    for (Connection* c : flushing_) {
      c->flush_queued_ = false;
      if (c->close_now_) {
        Finalize(c);
        continue;
      }
      if (!static_cast<EpollConnection*>(c)->want_write && !Write(c)) {
        c->close_now_ = true;
        Finalize(c);
        continue;
      }
      if (c->close_after_flush_ && c->wire_drained()) Finalize(c);
    }
    flushing_.clear();
  }
}

void EpollLoop::HandleEvents(epoll_event* events, int n) {
  for (int i = 0; i < n; ++i) {
    uint64_t data = events[i].data.u64;
    uint64_t tag = data & kTagMask;
    if (tag == kTagWake) {
      uint64_t v;
      ssize_t r = read(wakefd_, &v, sizeof(v));
      (void)r;
    } else if (tag == kTagListener) {
      auto* l = reinterpret_cast<Listener*>(data & ~kTagMask);
      for (int k = 0; k < 64; ++k) {  // accept a batch, then let other work run
        sockaddr_storage peer{};
        socklen_t len = sizeof(peer);
        int fd = accept4(l->fd, reinterpret_cast<sockaddr*>(&peer), &len,
                         SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
          if (errno == EINVAL) {  // shut down by the server to rebind: stop watching it
            epoll_ctl(epfd_, EPOLL_CTL_DEL, l->fd, nullptr);
            break;
          }
          if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            base::LogWarning("Accepting client connection: {}", std::strerror(errno));
          }
          break;
        }
        l->on_accept(fd, peer);
      }
    } else {
      auto* c = reinterpret_cast<Connection*>(data & ~kTagMask);
      if (c->finalized_) continue;
      uint32_t ev = events[i].events;
      if ((ev & EPOLLOUT) && !c->closing()) {
        if (!Write(c)) {
          c->Close();
          continue;
        }
      } else if ((ev & EPOLLOUT) && c->close_after_flush_) {
        if (!Write(c)) c->Close(); else if (c->wire_drained()) c->Close();
        continue;
      }
      // Paused reading still reads a hang-up or error: epoll reports those regardless.
      const bool hangup = (ev & (EPOLLHUP | EPOLLERR)) != 0;
      if ((ev & (EPOLLIN | EPOLLRDHUP) && !c->read_paused_) || hangup) OnReadable(c);
    }
  }
}

void EpollLoop::PollIo() {
  nested_ = true;
  FlushAll();
  epoll_event events[64];
  int n = epoll_wait(epfd_, events, 64, 0);
  if (n > 0) HandleEvents(events, n);
  FlushAll();
  EndNested();
}

void EpollLoop::Run() {
  constexpr int kMaxEvents = 256;
  epoll_event events[kMaxEvents];
  while (!stop_.load(std::memory_order_relaxed)) {
    RunTimers();
    RunTasks();
    BeforeSleep();
    FlushAll();
    int timeout = WaitMs();
    if (!flush_queue_.empty() || continuations_pending() || stop_.load()) timeout = 0;
    int n = epoll_wait(epfd_, events, kMaxEvents, timeout);
    BeginTurn();
    if (n < 0 && errno != EINTR) {
      base::LogWarning("epoll_wait: {}", std::strerror(errno));
      continue;
    }
    // Tasks posted before these events were seen run first (see EventLoop). They may have
    // changed what the events refer to (a listener switched, a connection closed), so the
    // (level-triggered) readiness is asked again after them, and the tasks posted while it
    // was asked run before its events too: a message posted here, then a reply that let
    // its sender send us a command, must not find the command handled first.
    while (RunTasks()) n = epoll_wait(epfd_, events, kMaxEvents, 0);
    if (n > 0) HandleEvents(events, n);
    RunContinuations();
  }
  RunTasks();
  BeforeSleep();
  FlushAll();
}

}  // namespace cinnabar::io

#include "io/uring_loop.h"

#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/logging.h"

namespace cinnabar::io {

// user_data: a pointer with the operation in its low 3 bits.
enum Op : uint64_t {
  kOpWake = 0,
  kOpAccept = 1,
  kOpRecv = 2,
  kOpSend = 3,
  kOpIgnore = 4,
};
constexpr uint64_t kOpMask = 7;

constexpr unsigned kRingEntries = 4096;
// The receive buffers: one pool per thread. The kernel fills provided buffers in ring order,
// so every buffer in the ring ends up resident. A buffer is recycled as soon as its bytes
// are copied into the connection's input, so a few serve one busy client (a flood from one
// connection just waits a loop turn when they run out); the ring doubles, up to
// kBufferCount, only when several connections found it empty (ENOBUFS) in one loop turn.
constexpr unsigned kBufferCount = 256;  // power of two
constexpr unsigned kInitialBuffers = 16;
constexpr unsigned kBufferSize = 8 * 1024;
constexpr int kBufferGroup = 0;

struct Listener {
  int fd;
  EventLoop::AcceptHandler on_accept;
  bool active = true;
  bool armed = false;
};

struct UringConnection final : public Connection {
  using Connection::Connection;
  int inflight = 0;      // submitted operations not yet completed
  bool recv_armed = false;
  bool sending = false;
  bool shut = false;     // shutdown() issued to end the pending operations
  base::IoBuf in_flight;  // the bytes of the send under way
  size_t pending_output() const override {
    return Connection::pending_output() + in_flight.size();
  }
};

namespace {
inline uint64_t Pack(void* p, Op op) { return reinterpret_cast<uint64_t>(p) | op; }
}  // namespace

UringLoop::UringLoop() = default;

base::StatusOr<std::unique_ptr<EventLoop>> UringLoop::Create() {
  std::unique_ptr<UringLoop> loop(new UringLoop());
  base::Status st = loop->Init();
  if (!st.ok()) return st;
  return std::unique_ptr<EventLoop>(std::move(loop));
}

base::Status UringLoop::Init() {
  io_uring_params params{};
  // Newer kernels let the ring run completions only when we ask: fewer interruptions.
  const unsigned flag_sets[] = {
      IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
      IORING_SETUP_COOP_TASKRUN,
      0,
  };
  int ret = -EINVAL;
  for (unsigned flags : flag_sets) {
    params = {};
    params.flags = flags;
    ret = io_uring_queue_init_params(kRingEntries, &ring_, &params);
    if (ret == 0) break;
  }
  if (ret < 0) return base::Status::FromErrno("io_uring_queue_init", -ret);
  ring_ready_ = true;
  if (!(params.features & IORING_FEAT_EXT_ARG)) {
    return base::Status::Error("io_uring: kernel lacks IORING_FEAT_EXT_ARG");
  }

  // The provided-buffer ring for multishot receives.
  buf_ring_bytes_ = kBufferCount * sizeof(io_uring_buf);
  void* mem = mmap(nullptr, buf_ring_bytes_, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE,
                   -1, 0);
  if (mem == MAP_FAILED) return base::Status::FromErrno("mmap(buf ring)", errno);
  buf_ring_ = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_ring_init(buf_ring_);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<uint64_t>(buf_ring_);
  reg.ring_entries = kBufferCount;
  reg.bgid = kBufferGroup;
  ret = io_uring_register_buf_ring(&ring_, &reg, 0);
  if (ret < 0) return base::Status::FromErrno("io_uring_register_buf_ring", -ret);
  buffers_ = static_cast<char*>(mmap(nullptr, kBufferCount * kBufferSize, PROT_READ | PROT_WRITE,
                                     MAP_ANONYMOUS | MAP_PRIVATE, -1, 0));
  if (buffers_ == MAP_FAILED) {
    buffers_ = nullptr;
    return base::Status::FromErrno("mmap(buffers)", errno);
  }
  ProvideBuffers(kInitialBuffers);

  wakefd_ = eventfd(0, EFD_CLOEXEC);
  if (wakefd_ < 0) return base::Status::FromErrno("eventfd", errno);
  ArmWake();
  return base::Status::Ok();
}

UringLoop::~UringLoop() {
  if (ring_ready_) io_uring_queue_exit(&ring_);
  if (buffers_ != nullptr) munmap(buffers_, kBufferCount * kBufferSize);
  if (buf_ring_ != nullptr) munmap(buf_ring_, buf_ring_bytes_);
  if (wakefd_ >= 0) close(wakefd_);
}

io_uring_sqe* UringLoop::GetSqe() {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
  while (sqe == nullptr) {
    io_uring_submit(&ring_);
    sqe = io_uring_get_sqe(&ring_);
  }
  return sqe;
}

void UringLoop::Wake() {
  uint64_t one = 1;
  ssize_t n = write(wakefd_, &one, sizeof(one));
  (void)n;
}

void UringLoop::ArmWake() {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_read(sqe, wakefd_, &wake_value_, sizeof(wake_value_), 0);
  io_uring_sqe_set_data64(sqe, Pack(nullptr, kOpWake));
}

void UringLoop::ArmAccept(Listener* l) {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_multishot_accept(sqe, l->fd, nullptr, nullptr, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, Pack(l, kOpAccept));
  l->armed = true;
}

base::Status UringLoop::Listen(int listen_fd, AcceptHandler on_accept) {
  auto l = std::make_unique<Listener>(Listener{listen_fd, std::move(on_accept)});
  ArmAccept(l.get());
  listeners_.push_back(std::move(l));
  return base::Status::Ok();
}

void UringLoop::StopListening() {
  for (auto& l : listeners_) {
    l->active = false;
    if (l->armed) {
      io_uring_sqe* sqe = GetSqe();
      io_uring_prep_cancel64(sqe, Pack(l.get(), kOpAccept), 0);
      io_uring_sqe_set_data64(sqe, Pack(nullptr, kOpIgnore));
    }
  }
  io_uring_submit(&ring_);
  // Listener records stay until their accept completes as cancelled; they are freed with
  // the loop.
}

Connection* UringLoop::Adopt(int fd, ConnectionHandler* handler) {
  auto* c = new UringConnection(this, fd);
  c->set_handler(handler);
  Link(c);
  ArmRecv(c);
  return c;
}

void UringLoop::ArmRecv(UringConnection* c) {
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_recv_multishot(sqe, c->fd_, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(sqe, Pack(c, kOpRecv));
  c->recv_armed = true;
  ++c->inflight;
}

bool UringLoop::WantsRecv(const UringConnection* c) {
  return !c->recv_armed && !c->shut && !c->peer_closed_ && !c->read_paused_;
}

void UringLoop::UpdateReading(Connection* conn) {
  auto* c = static_cast<UringConnection*>(conn);
  if (!c->read_paused_) {
    if (WantsRecv(c)) ArmRecv(c);
    return;
  }
  if (!c->recv_armed || c->shut) return;
  // The multishot receive ends with -ECANCELED; what it received before still arrives.
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_cancel64(sqe, Pack(c, kOpRecv), 0);
  io_uring_sqe_set_data64(sqe, Pack(nullptr, kOpIgnore));
}

void UringLoop::ProvideBuffers(unsigned n) {
  n = std::min(n, kBufferCount - provided_);
  for (unsigned i = 0; i < n; ++i) {
    unsigned bid = provided_ + i;
    io_uring_buf_ring_add(buf_ring_, buffers_ + static_cast<size_t>(bid) * kBufferSize,
                          kBufferSize, static_cast<unsigned short>(bid),
                          io_uring_buf_ring_mask(kBufferCount), static_cast<int>(i));
  }
  io_uring_buf_ring_advance(buf_ring_, static_cast<int>(n));
  provided_ += n;
}

void UringLoop::RecycleBuffer(uint16_t bid) {
  io_uring_buf_ring_add(buf_ring_, buffers_ + static_cast<size_t>(bid) * kBufferSize, kBufferSize,
                        bid, io_uring_buf_ring_mask(kBufferCount), 0);
  io_uring_buf_ring_advance(buf_ring_, 1);
}

void UringLoop::StartSend(UringConnection* c) {
  if (c->sending) return;
  // in_flight keeps what a short send left over; it goes out before newer output.
  if (c->in_flight.empty()) {
    base::IoBuf* out = c->WireOutput();
    if (out == nullptr || out->empty()) return;
    c->in_flight.Swap(*out);
  }
  io_uring_sqe* sqe = GetSqe();
  io_uring_prep_send(sqe, c->fd_, c->in_flight.data(), c->in_flight.size(), MSG_NOSIGNAL);
  io_uring_sqe_set_data64(sqe, Pack(c, kOpSend));
  c->sending = true;
  ++c->inflight;
}

void UringLoop::BeginClose(UringConnection* c) {
  if (c->shut) return;
  if (nested_) {  // PollIo: closes wait for the next turn
    if (!c->flush_queued_) {
      c->flush_queued_ = true;
      deferred_closes_.push_back(c);
    }
    return;
  }
  c->shut = true;
  // Ends the pending receive (and any send): their completions finish the close.
  shutdown(c->fd_, SHUT_RDWR);
  MaybeFinalize(c);
}

void UringLoop::MaybeFinalize(UringConnection* c) {
  if (!c->shut || c->inflight > 0 || c->finalized_) return;
  std::erase(rearm_, c);  // a receive that ran out of buffers may wait there
  Release(c);
}

void UringLoop::OnRecv(UringConnection* c, io_uring_cqe* cqe) {
  const bool more = (cqe->flags & IORING_CQE_F_MORE) != 0;
  if (!more) {
    c->recv_armed = false;
    --c->inflight;
  }
  int res = cqe->res;
  if (res > 0) {
    uint16_t bid = static_cast<uint16_t>(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
    if (!c->shut) {
      c->wire_in().Append(buffers_ + static_cast<size_t>(bid) * kBufferSize,
                          static_cast<size_t>(res));
    }
    RecycleBuffer(bid);
    if (!c->shut) {
      c->WireReceived(static_cast<size_t>(res));
      if (WantsRecv(c)) ArmRecv(c);
    }
  } else if (res == 0) {
    if (!c->shut && !c->peer_closed_) {
      c->peer_closed_ = true;
      c->handler_->OnPeerClosed(c);
    }
  } else if (res == -ENOBUFS) {
    // Every provided buffer is in use: try again once the loop turn has recycled some.
    if (!more && !c->shut) rearm_.push_back(c);
  } else if (res == -ECANCELED) {
    if (WantsRecv(c)) ArmRecv(c);  // resumed before the cancel landed
  } else if (!c->shut) {
    if (res != -ECONNRESET) base::LogVerbose("Reading from client: {}", std::strerror(-res));
    c->Close();
  }
  MaybeFinalize(c);
}

void UringLoop::SendNow(Connection* conn) {
  auto* c = static_cast<UringConnection*>(conn);
  // Only between sends: a send under way goes first, and its completion sends the rest.
  if (c->sending || c->shut || !c->in_flight.empty()) return;
  base::IoBuf* out = c->WireOutput();
  if (out == nullptr || out->empty()) return;
  ssize_t n = send(c->fd_, out->data(), out->size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  if (n > 0) {
    out->Consume(static_cast<size_t>(n));
    c->WireSent(static_cast<size_t>(n));
  } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
    c->Close();
  }
}

void UringLoop::OnSend(UringConnection* c, int res) {
  c->sending = false;
  --c->inflight;
  if (res < 0) {
    if (!c->shut) {
      if (res != -EPIPE && res != -ECONNRESET) {
        base::LogVerbose("Error writing to client: {}", std::strerror(-res));
      }
      c->Close();
    }
    MaybeFinalize(c);
    return;
  }
  c->in_flight.Consume(static_cast<size_t>(res));
  if (!c->shut) c->WireSent(static_cast<size_t>(res));
  if (c->shut) {
    MaybeFinalize(c);
    return;
  }
  if (c->in_flight.empty()) c->in_flight.ShrinkIfIdle(64 * 1024);
  StartSend(c);
  if (!c->sending && c->close_after_flush_ && c->wire_drained()) BeginClose(c);
}

void UringLoop::HandleCqe(io_uring_cqe* cqe) {
  uint64_t data = io_uring_cqe_get_data64(cqe);
  auto op = static_cast<Op>(data & kOpMask);
  void* p = reinterpret_cast<void*>(data & ~kOpMask);
  switch (op) {
    case kOpWake:
      ArmWake();
      break;
    case kOpAccept: {
      auto* l = static_cast<Listener*>(p);
      if (!(cqe->flags & IORING_CQE_F_MORE)) l->armed = false;
      if (cqe->res >= 0) {
        if (l->active) {
          sockaddr_storage peer{};
          socklen_t len = sizeof(peer);
          getpeername(cqe->res, reinterpret_cast<sockaddr*>(&peer), &len);
          l->on_accept(cqe->res, peer);
        } else {
          close(cqe->res);
        }
      } else if (cqe->res == -EINVAL) {
        l->active = false;  // shut down by the server to rebind: stop accepting on it
      } else if (cqe->res != -ECANCELED && cqe->res != -EAGAIN && cqe->res != -ECONNABORTED) {
        base::LogWarning("Accepting client connection: {}", std::strerror(-cqe->res));
      }
      if (!l->armed && l->active) ArmAccept(l);
      break;
    }
    case kOpRecv:
      OnRecv(static_cast<UringConnection*>(p), cqe);
      break;
    case kOpSend:
      OnSend(static_cast<UringConnection*>(p), cqe->res);
      break;
    case kOpIgnore:
      break;
  }
}

void UringLoop::FlushAll() {
  while (!flush_queue_.empty()) {
    flushing_.swap(flush_queue_);
    for (Connection* conn : flushing_) {
      auto* c = static_cast<UringConnection*>(conn);
      c->flush_queued_ = false;
      if (c->shut) continue;
      if (c->close_now_) {
        BeginClose(c);
        continue;
      }
      StartSend(c);
      if (c->close_after_flush_ && !c->sending && c->wire_drained()) BeginClose(c);
    }
    flushing_.clear();
  }
}

void UringLoop::Rearm() {
  if (rearm_.size() > 1) ProvideBuffers(provided_);
  for (UringConnection* c : rearm_) {
    if (WantsRecv(c)) ArmRecv(c);
  }
  rearm_.clear();
}

void UringLoop::HandleCompletions() {
  // Completions are copied out of the ring (its head advanced) into taken_, and each is
  // handled once from there: a handler may poll again (PollIo), which goes on with the
  // same list, so a completion taken before a long command still gets handled during it.
  constexpr unsigned kBatch = 256;
  io_uring_cqe* cqes[kBatch];
  while (true) {
    if (next_taken_ == taken_.size()) {
      taken_.clear();
      next_taken_ = 0;
      unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, kBatch);
      if (n == 0) break;
      for (unsigned i = 0; i < n; ++i) taken_.push_back(*cqes[i]);
      io_uring_cq_advance(&ring_, n);
      // Tasks posted before these completions were seen run first (see EventLoop): taken
      // first, then the tasks, so one posted just before a completion arrived is not
      // passed by it. A completion keeps its connection alive (its op is counted in
      // flight), so what a task closes is still there to be handled.
      if (!nested_ && RunTasks()) continue;  // a task may have polled (PollIo) meanwhile
    }
    io_uring_cqe cqe = taken_[next_taken_++];
    HandleCqe(&cqe);
  }
}

void UringLoop::PollIo() {
  nested_ = true;
  FlushAll();
  Rearm();
  // Also runs the completions DEFER_TASKRUN holds back until the ring is entered.
  io_uring_submit_and_get_events(&ring_);
  HandleCompletions();
  FlushAll();
  io_uring_submit(&ring_);
  EndNested();
}

void UringLoop::Run() {
  while (!stop_.load(std::memory_order_relaxed)) {
    RunTimers();
    RunTasks();
    BeforeSleep();
    FlushAll();
    Rearm();
    int timeout_ms = WaitMs();
    if (!flush_queue_.empty() || continuations_pending() || stop_.load()) timeout_ms = 0;
    __kernel_timespec ts{};
    ts.tv_sec = timeout_ms / 1000;
    ts.tv_nsec = (timeout_ms % 1000) * 1000000LL;
    io_uring_cqe* first = nullptr;
    int ret = io_uring_submit_and_wait_timeout(&ring_, &first, 1, timeout_ms >= 0 ? &ts : nullptr,
                                               nullptr);
    if (ret < 0 && ret != -ETIME && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
      base::LogWarning("io_uring_submit_and_wait: {}", std::strerror(-ret));
    }
    BeginTurn();
    HandleCompletions();
    RunContinuations();
  }
  RunTasks();
  BeforeSleep();
  FlushAll();
  io_uring_submit(&ring_);
}

}  // namespace cinnabar::io

// The io_uring engine: multishot accept on the shared listening sockets, multishot receive
// into a ring of provided buffers, and sends prepared for every connection with output at
// the end of a loop turn, so one io_uring_enter submits them all and waits for more.
#pragma once

#include <liburing.h>

#include <memory>
#include <vector>

#include "io/event_loop.h"

namespace cinnabar::io {

class UringLoop final : public EventLoop {
 public:
  static base::StatusOr<std::unique_ptr<EventLoop>> Create();
  ~UringLoop() override;

  std::string_view name() const override { return "io_uring"; }
  base::Status Listen(int listen_fd, AcceptHandler on_accept) override;
  void StopListening() override;
  Connection* Adopt(int fd, ConnectionHandler* handler) override;
  void Run() override;
  void PollIo() override;

 private:
  UringLoop();
  base::Status Init();
  void Wake() override;

  io_uring_sqe* GetSqe();
  void ArmWake();
  void ArmAccept(struct Listener* l);
  void ArmRecv(struct UringConnection* c);
  void StartSend(struct UringConnection* c);
  void SendNow(Connection* c) override;
  void UpdateReading(Connection* c) override;
  // Whether the connection's receive should be armed (again).
  static bool WantsRecv(const struct UringConnection* c);
  void HandleCqe(io_uring_cqe* cqe);
  // Handles every completion ready now.
  void HandleCompletions();
  // Re-arms receives that ran out of provided buffers.
  void Rearm();
  void OnRecv(struct UringConnection* c, io_uring_cqe* cqe);
  void OnSend(struct UringConnection* c, int res);
  void FlushAll();
  void BeginClose(struct UringConnection* c);
  void MaybeFinalize(struct UringConnection* c);
  void RecycleBuffer(uint16_t bid);
  // Adds up to `n` more of the pool's buffers to the ring.
  void ProvideBuffers(unsigned n);

  io_uring ring_{};
  bool ring_ready_ = false;
  int wakefd_ = -1;
  uint64_t wake_value_ = 0;
  io_uring_buf_ring* buf_ring_ = nullptr;
  char* buffers_ = nullptr;
  size_t buf_ring_bytes_ = 0;
  unsigned provided_ = 0;  // buffers of the pool handed to the ring so far
  std::vector<std::unique_ptr<struct Listener>> listeners_;
  std::vector<Connection*> flushing_;
  std::vector<struct UringConnection*> rearm_;  // receives stopped for lack of buffers
  std::vector<io_uring_cqe> taken_;  // completions out of the ring, handled from next_taken_
  size_t next_taken_ = 0;
};

}  // namespace cinnabar::io

// The epoll engine: level-triggered reads, writes at the end of each loop turn (EPOLLOUT
// only while a socket's send buffer is full), an eventfd for cross-thread wake-ups.
#pragma once

#include <sys/epoll.h>

#include <memory>
#include <vector>

#include "io/event_loop.h"

namespace cinnabar::io {

class EpollLoop final : public EventLoop {
 public:
  static base::StatusOr<std::unique_ptr<EventLoop>> Create();
  ~EpollLoop() override;

  std::string_view name() const override { return "epoll"; }
  base::Status Listen(int listen_fd, AcceptHandler on_accept) override;
  void StopListening() override;
  Connection* Adopt(int fd, ConnectionHandler* handler) override;
  void Run() override;
  void PollIo() override;

 private:
  EpollLoop(int epfd, int wakefd);
  void Wake() override;
  void OnReadable(Connection* c);
  void FlushAll();
  void HandleEvents(struct epoll_event* events, int n);
  // Writes what it can; returns false if the connection must close.
  bool Write(Connection* c);
  void SendNow(Connection* c) override;
  void UpdateReading(Connection* c) override;
  // The events the connection waits for now.
  void UpdateInterest(Connection* c);
  void Finalize(Connection* c);
  void SetWritable(Connection* c, bool want);

  struct Listener {
    int fd;
    AcceptHandler on_accept;
  };

  int epfd_;
  int wakefd_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<Connection*> flushing_;
};

}  // namespace cinnabar::io

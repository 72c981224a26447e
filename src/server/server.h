// Server: the process: one thread per shard, each running an event loop and its engine
// worker; the listening sockets; signals and shutdown. Implements what the engine needs
// from outside (Messenger, ServerHooks).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/client.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/registry.h"
#include "io/event_loop.h"

namespace cinnabar::server {

class Server final : public engine::Messenger, public engine::ServerHooks {
 public:
  explicit Server(engine::ConfigStore* config);
  ~Server() override;

  // Binds, starts the threads, serves until SIGTERM/SIGINT or SHUTDOWN, then stops.
  // Returns the process exit code.
  int Run();

  // engine::Messenger
  // The names of every command (for checking rename-command while the configuration is read).
  static std::vector<std::string> CommandNames();

  void Post(unsigned thread, base::Task task) override;
  void PostAll(std::span<const unsigned> threads, std::span<base::Task> tasks,
               base::FunctionRef<void()> while_held) override;
  void RunAt(unsigned thread, int64_t when_us, base::Task task) override;
  // engine::ServerHooks
  void RequestShutdown(ShutdownSave save) override;
  std::string ApplyConfig(const engine::ServerConfig& old, const engine::ServerConfig& next,
                          std::string_view* culprit) override;
  std::string_view IoEngineName() const override { return io_engine_name_; }
  int ListeningPort() const override { return port_.load(); }

 private:
  // A listening socket: the RESP port (which also answers GET /metrics), or metrics-port
  // (HTTP only).
  struct ListenSocket {
    int fd = -1;
    bool metrics = false;
  };
  struct Thread {
    std::unique_ptr<io::EventLoop> loop;
    std::thread thread;
  };

  // Opens the RESP port and metrics-port (when set) on every bind address.
  base::Status OpenListeners(const engine::ServerConfig& cfg, std::vector<ListenSocket>* out);
  base::Status OpenPort(const engine::ServerConfig& cfg, int port, bool metrics,
                        std::vector<ListenSocket>* out);
  // Starts accepting on `s` in thread `index`'s loop.
  void ListenOn(unsigned index, const ListenSocket& s);
  void ThreadMain(unsigned index, io::LoopKind kind);
  void OnAccept(unsigned index, int fd, const sockaddr_storage& peer, bool metrics);
  // Starts the session of an accepted connection on thread `index` (runs there).
  void StartSession(unsigned index, int fd, engine::PeerInfo info, bool metrics);
  // Frees the addresses the current listening sockets hold (they stay open until switched).
  void ReleaseListeners();
  void SwitchListeners(std::vector<ListenSocket> fds);
  void WaitForShutdown();

  engine::ConfigStore* config_;
  engine::Registry registry_;
  std::unique_ptr<engine::Engine> engine_;
  std::vector<Thread> threads_;
  std::string io_engine_name_;
  std::atomic<int> port_{0};

  // Accepted connections are dealt to the threads in turn.
  std::atomic<unsigned> next_thread_{0};
  // Connections handed to another thread that has not started their session yet; they
  // count towards maxclients.
  std::atomic<int64_t> handoffs_{0};

  std::mutex listeners_mu_;
  std::vector<ListenSocket> listen_fds_;

  // Startup handshake: each thread creates its loop on itself (io_uring rings are tied to
  // the thread that submits), then reports.
  std::atomic<unsigned> started_{0};
  std::atomic<bool> start_failed_{false};

  int shutdown_fd_ = -1;  // eventfd: SHUTDOWN wakes the main thread
  std::atomic<bool> shutting_down_{false};
  std::atomic<int> shutdown_save_{0};  // ShutdownSave of the request
};

}  // namespace cinnabar::server

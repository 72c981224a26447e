// Server: the process: one thread per shard, each running an event loop and its engine
// worker; the listening sockets; signals and shutdown. Implements what the engine needs
// from outside (Messenger, ServerHooks).
#pragma once

#include <array>
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
#include "io/tls.h"

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
  struct Thread {
    std::unique_ptr<io::EventLoop> loop;
    std::thread thread;
  };
  // What a listening socket serves: RESP (which also answers GET /metrics), RESP over TLS,
  // or metrics-port's HTTP.
  enum Listener : size_t { kPlain, kTls, kMetrics, kListenerKinds };
  using ListenSets = std::array<std::vector<int>, kListenerKinds>;
  static int PortOf(const engine::ServerConfig& cfg, Listener kind);

  // Listens on every bind address at `port` (none for port 0).
  base::Status OpenListeners(const engine::ServerConfig& cfg, int port, std::vector<int>* fds);
  void ThreadMain(unsigned index, io::LoopKind kind);
  // Starts listening on the current sockets, on thread `index` (runs there).
  void ListenOn(unsigned index, const ListenSets& sets);
  void OnAccept(unsigned index, int fd, const sockaddr_storage& peer, Listener kind);
  // Starts the session of an accepted connection on thread `index` (runs there).
  void StartSession(unsigned index, int fd, engine::PeerInfo info,
                    std::shared_ptr<const io::TlsContext> tls, Listener kind);
  // Frees the addresses the current listening sockets hold (they stay open until switched).
  void ReleaseListeners(Listener kind);
  // Replaces the listening sockets of one kind.
  void SwitchListeners(std::vector<int> fds, Listener kind);
  // CONFIG SET of port, bind, tls-port or metrics-port: listens anew. Returns Redis's
  // error, or empty.
  std::string ApplyListeners(const engine::ServerConfig& old, const engine::ServerConfig& next,
                             std::string_view* culprit);
  // Builds the TLS context for `cfg` (logging why it fails, as Redis).
  base::StatusOr<std::shared_ptr<const io::TlsContext>> BuildTls(const engine::ServerConfig& cfg);
  std::shared_ptr<const io::TlsContext> tls_context();
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
  ListenSets listen_fds_;

  // The TLS context new TLS connections use; replaced whole by CONFIG SET (connections keep
  // the one they started with). Read once per accepted TLS connection.
  std::mutex tls_mu_;
  std::shared_ptr<const io::TlsContext> tls_ctx_;

  // Startup handshake: each thread creates its loop on itself (io_uring rings are tied to
  // the thread that submits), then reports.
  std::atomic<unsigned> started_{0};
  std::atomic<bool> start_failed_{false};

  int shutdown_fd_ = -1;  // eventfd: SHUTDOWN wakes the main thread
  std::atomic<bool> shutting_down_{false};
  std::atomic<int> shutdown_save_{0};  // ShutdownSave of the request
};

}  // namespace cinnabar::server

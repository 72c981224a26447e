#include "server/server.h"

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "base/logging.h"
#include "base/memory.h"
#include "base/wait.h"
#include "commands/families.h"
#include "commands/register_all.h"
#include "engine/worker.h"
#include "io/socket.h"
#include "persistence/persistence.h"
#include "protocol/errors.h"
#include "server/process.h"
#include "server/session.h"
#include "server/tls_config.h"

namespace cinnabar::server {
namespace {

unsigned CpuCount() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return static_cast<unsigned>(n);
  }
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

void SendAndClose(int fd, std::string_view error_text) {
  std::string line = "-";
  line += error_text;
  line += "\r\n";
  ssize_t n = send(fd, line.data(), line.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)n;
  close(fd);
}

}  // namespace

Server::Server(engine::ConfigStore* config) : config_(config) {
  commands::RegisterAll(&registry_);
  // The configuration checked each rename as it was read (ConfigStore::SetCommandNames).
  for (const auto& [from, to] : config_->snapshot()->renamed_commands) registry_.Rename(from, to);
}

std::vector<std::string> Server::CommandNames() {
  engine::Registry registry;
  commands::RegisterAll(&registry);
  std::vector<std::string> names;
  for (const engine::CommandEntry* c : registry.commands()) names.push_back(c->name);
  return names;
}

Server::~Server() {
  if (shutdown_fd_ >= 0) close(shutdown_fd_);
}

void Server::Post(unsigned thread, base::Task task) {
  threads_[thread].loop->Post(std::move(task));
}

void Server::PostAll(std::span<const unsigned> threads, std::span<base::Task> tasks,
                     base::FunctionRef<void()> while_held) {
  io::EventLoop::PostAll([&](size_t i) { return threads_[threads[i]].loop.get(); }, tasks,
                         while_held);
}

void Server::RunAt(unsigned thread, int64_t when_us, base::Task task) {
  threads_[thread].loop->RunAt(when_us, std::move(task));
}

void Server::RequestShutdown(ShutdownSave save) {
  shutdown_save_.store(static_cast<int>(save));
  shutting_down_.store(true);
  uint64_t one = 1;
  ssize_t n = write(shutdown_fd_, &one, sizeof(one));
  (void)n;
}

base::Status Server::OpenListeners(const engine::ServerConfig& cfg, int port,
                                   std::vector<int>* fds) {
  if (port == 0) return base::Status::Ok();  // Redis compat: port 0 listens nowhere
  for (const std::string& addr : cfg.bind) {
    base::StatusOr<int> fd = io::ListenTcp(addr, port, static_cast<int>(cfg.tcp_backlog));
    if (!fd.ok()) {
      for (int f : *fds) close(f);
      fds->clear();
      std::string shown = addr[0] == '-' ? addr.substr(1) : addr;
      return base::Status::Error("Could not create server TCP listening socket " + shown + ":" +
                                 std::to_string(port) + ": " + fd.status().message());
    }
    if (*fd >= 0) fds->push_back(*fd);
  }
  if (fds->empty()) {
    return base::Status::Error("Failed listening on port " + std::to_string(port) +
                               " (tcp): no bind address could be used");
  }
  return base::Status::Ok();
}

std::shared_ptr<const io::TlsContext> Server::tls_context() {
  std::lock_guard lock(tls_mu_);
  return tls_ctx_;
}

base::StatusOr<std::shared_ptr<const io::TlsContext>> Server::BuildTls(
    const engine::ServerConfig& cfg) {
  base::StatusOr<std::shared_ptr<const io::TlsContext>> ctx =
      io::TlsContext::Create(TlsOptionsFrom(cfg));
  if (!ctx.ok()) base::LogWarning("{}", ctx.status().message());
  return ctx;
}

int Server::PortOf(const engine::ServerConfig& cfg, Listener kind) {
  return kind == kPlain ? cfg.port : kind == kTls ? cfg.tls_port : cfg.metrics_port;
}

void Server::OnAccept(unsigned index, int fd, const sockaddr_storage& peer, Listener kind) {
  const bool tls = kind == kTls;
  engine::Worker& w = engine_->worker(index);
  const engine::ServerConfig& cfg = w.config();
  if (shutting_down_.load(std::memory_order_relaxed)) {
    close(fd);
    return;
  }
  io::ConfigureAccepted(fd, static_cast<int>(cfg.tcp_keepalive));
  int64_t clients = engine_->connected_clients.load(std::memory_order_relaxed) +
                    handoffs_.load(std::memory_order_relaxed);
  if (clients >= cfg.maxclients) {
    w.stats().rejected_connections.Inc();
    base::LogVerbose("Error registering fd event for the new client: max number of clients");
    // Redis compat: the error cannot reach a TLS client before its handshake; it is closed.
    if (tls) close(fd);
    else SendAndClose(fd, protocol::errors::kMaxClients);
    return;
  }
  bool loopback = io::IsLoopback(peer);
  if (cfg.protected_mode && cfg.requirepass.empty() && !loopback) {
    if (tls) close(fd);
    else SendAndClose(fd, protocol::errors::kProtectedMode);
    return;
  }
  std::shared_ptr<const io::TlsContext> tls_ctx;
  if (tls) {
    tls_ctx = tls_context();
    if (tls_ctx == nullptr) {  // tls-port set while no context could be built
      close(fd);
      return;
    }
  }
  engine::PeerInfo info{io::FormatAddress(peer), io::LocalAddress(fd), fd, loopback};
  base::LogVerbose("Accepted {}", info.addr);
  // Deal connections to the threads in turn: the kernel tends to hand a shared listening
  // socket's connections to one loop (io_uring's multishot accept completes on one ring,
  // EPOLLEXCLUSIVE wakes the most recent waiter), which would leave the others idle.
  unsigned target = next_thread_.fetch_add(1, std::memory_order_relaxed) %
                    static_cast<unsigned>(threads_.size());
  if (target == index) return StartSession(index, fd, std::move(info), std::move(tls_ctx), kind);
  handoffs_.fetch_add(1, std::memory_order_relaxed);
  Post(target, [this, target, fd, info = std::move(info), tls_ctx = std::move(tls_ctx), kind]() mutable {
    StartSession(target, fd, std::move(info), std::move(tls_ctx), kind);
    handoffs_.fetch_sub(1, std::memory_order_relaxed);
  });
}

void Server::StartSession(unsigned index, int fd, engine::PeerInfo info,
                          std::shared_ptr<const io::TlsContext> tls, Listener kind) {
  if (shutting_down_.load(std::memory_order_relaxed)) {
    close(fd);
    return;
  }
  Session::Start(threads_[index].loop.get(), &engine_->worker(index), fd, std::move(info),
                 kind == kMetrics ? Session::Mode::kHttpOnly : Session::Mode::kRespOrHttp,
                 std::move(tls));
}

void Server::ListenOn(unsigned index, const ListenSets& sets) {
  io::EventLoop* l = threads_[index].loop.get();
  for (size_t k = 0; k < kListenerKinds; ++k) {
    const Listener kind = static_cast<Listener>(k);
    for (int fd : sets[k]) {
      base::Status st = l->Listen(fd, [this, index, kind](int cfd, const sockaddr_storage& peer) {
        OnAccept(index, cfd, peer, kind);
      });
      if (!st.ok()) base::LogWarning("Listening on thread {}: {}", index, st.message());
    }
  }
}

void Server::ThreadMain(unsigned index, io::LoopKind kind) {
  base::RegisterMemoryThread();
  base::StatusOr<std::unique_ptr<io::EventLoop>> loop = io::EventLoop::Create(kind);
  if (!loop.ok()) {
    base::LogWarning("Thread {} cannot start its event loop: {}", index, loop.status().message());
    start_failed_.store(true);
    std::abort();
  }
  threads_[index].loop = std::move(*loop);
  io::EventLoop* l = threads_[index].loop.get();
  engine::Worker& w = engine_->worker(index);
  started_.fetch_add(1);
  started_.notify_all();
  // Nothing may be posted to a loop before every loop exists: wait for the others.
  base::WaitUntilAtLeast(started_, static_cast<unsigned>(threads_.size()));

  {
    std::lock_guard lock(listeners_mu_);
    ListenOn(index, listen_fds_);
  }
  int hz = w.config().effective_hz();
  l->SetTimer(1000 / hz, [l, &w, hz]() mutable {
    w.Cron();
    int now_hz = w.config().effective_hz();
    if (now_hz != hz) {  // CONFIG SET hz
      hz = now_hz;
      l->SetTimerInterval(1000 / hz);
    }
  });
  w.SetIoPoller([l] { l->PollIo(); });
  // Deferred work (resumed clients) may flush connections; the loop sends after this.
  l->SetBeforeSleep([&w] { w.BeforeSleep(); });
  l->Run();
}

void Server::ReleaseListeners(Listener kind) {
  std::lock_guard lock(listeners_mu_);
  // A listening socket shut down gives up its address; the loops see it fail and stop
  // accepting on it until SwitchListeners replaces it.
  for (int fd : listen_fds_[kind]) shutdown(fd, SHUT_RD);
}

void Server::SwitchListeners(std::vector<int> fds, Listener kind) {
  std::vector<int> old;
  ListenSets sets;
  {
    std::lock_guard lock(listeners_mu_);
    old.swap(listen_fds_[kind]);
    listen_fds_[kind] = std::move(fds);
    sets = listen_fds_;
  }
  auto remaining = std::make_shared<std::atomic<unsigned>>(static_cast<unsigned>(threads_.size()));
  auto old_fds = std::make_shared<std::vector<int>>(std::move(old));
  for (unsigned i = 0; i < threads_.size(); ++i) {
    Post(i, [this, i, sets, remaining, old_fds] {
      threads_[i].loop->StopListening();
      ListenOn(i, sets);
      // The last thread to switch closes the old sockets.
      if (remaining->fetch_sub(1) == 1) {
        for (int fd : *old_fds) close(fd);
      }
    });
  }
}

std::string Server::ApplyListeners(const engine::ServerConfig& old,
                                   const engine::ServerConfig& next, std::string_view* culprit) {
  for (size_t k = 0; k < kListenerKinds; ++k) {
    const Listener kind = static_cast<Listener>(k);
    const bool tls = kind == kTls;
    const int old_port = PortOf(old, kind);
    const int next_port = PortOf(next, kind);
    if (old_port == next_port && old.bind == next.bind) continue;
    std::vector<int> fds;
    base::Status st = OpenListeners(next, next_port, &fds);
    if (!st.ok() && old_port == next_port) {
      // Redis compat: new addresses may overlap the ones listening now ("*" after
      // "127.0.0.1"), which the kernel refuses while those listen. Release them and try
      // again; if the new addresses still fail, listen on the old ones afresh.
      ReleaseListeners(kind);
      st = OpenListeners(next, next_port, &fds);
      if (!st.ok()) {
        std::vector<int> restored;
        base::Status back = OpenListeners(old, old_port, &restored);
        if (back.ok()) SwitchListeners(std::move(restored), kind);
        else base::LogWarning("Cannot listen on the previous addresses again: {}", back.message());
      }
    }
    if (!st.ok()) {
      constexpr std::string_view kNames[] = {"port", "tls-port", "metrics-port"};
      *culprit = old_port != next_port ? kNames[k] : "bind";
      base::LogWarning("{}", st.message());
      if (old_port == next_port) return "Failed to bind to specified addresses.";
      return tls ? "Unable to listen on this port. Check server logs." : "Unable to listen on this port";
    }
    if (kind == kPlain) port_.store(next.port);
    SwitchListeners(std::move(fds), kind);
  }
  return {};
}

std::string Server::ApplyConfig(const engine::ServerConfig& old, const engine::ServerConfig& next,
                                std::string_view* culprit) {
  // TLS first, as it has no side effect until published: a context that cannot be built
  // refuses the whole CONFIG SET.
  std::string_view tls_changed = ChangedTlsDirective(old, next);
  const bool tls_now_needed = next.tls_configured() && !old.tls_configured();
  std::shared_ptr<const io::TlsContext> new_tls;
  if (next.tls_configured() && (!tls_changed.empty() || tls_now_needed)) {
    base::StatusOr<std::shared_ptr<const io::TlsContext>> ctx = BuildTls(next);
    if (!ctx.ok()) {
      // Redis compat: blamed on the directive being set (tls-port when it turned TLS on).
      if (!tls_changed.empty()) *culprit = tls_changed;
      else if (old.tls_port != next.tls_port) *culprit = "tls-port";
      else *culprit = old.tls_replication != next.tls_replication ? "tls-replication" : "tls-cluster";
      return "Unable to update TLS configuration. Check server logs.";
    }
    new_tls = std::move(*ctx);
  }
  std::string err = ApplyListeners(old, next, culprit);
  if (!err.empty()) return err;
  if (new_tls != nullptr) {
    std::lock_guard lock(tls_mu_);
    tls_ctx_ = std::move(new_tls);
  }
  if (old.loglevel != next.loglevel) base::SetLogLevel(next.loglevel);
  if (old.oom_score_adj != next.oom_score_adj ||
      !std::equal(std::begin(old.oom_score_adj_values), std::end(old.oom_score_adj_values),
                  std::begin(next.oom_score_adj_values))) {
    if (!ApplyOomScoreAdj(next)) {
      *culprit = old.oom_score_adj != next.oom_score_adj ? "oom-score-adj" : "oom-score-adj-values";
      return "Failed to set current oom_score_adj. Check server logs.";
    }
  }
  if (old.proc_title_template != next.proc_title_template || old.port != next.port ||
      old.tls_port != next.tls_port || old.bind != next.bind) {
    UpdateProcTitle(next, next.port);
  }
  if (old.requirepass != next.requirepass) engine_->acl().SetDefaultPassword(next.requirepass);
  if (old.acl_pubsub_default != next.acl_pubsub_default) {
    engine_->acl().SetAllChannelsByDefault(next.acl_pubsub_allchannels());
  }
  persistence::Persistence::Of(*engine_).OnConfigChanged(0, old, next);
  return {};
}

void Server::WaitForShutdown() {
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  int sfd = signalfd(-1, &mask, SFD_CLOEXEC);
  pollfd fds[2] = {{sfd, POLLIN, 0}, {shutdown_fd_, POLLIN, 0}};
  while (true) {
    int n = poll(fds, 2, -1);
    if (n < 0 && errno == EINTR) continue;
    if (fds[0].revents & POLLIN) {
      signalfd_siginfo info;
      ssize_t r = read(sfd, &info, sizeof(info));
      (void)r;
      base::LogWarning("Received {} scheduling shutdown...",
                       info.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
      break;
    }
    if (fds[1].revents & POLLIN) {
      uint64_t count;
      ssize_t r = read(shutdown_fd_, &count, sizeof(count));
      (void)r;
      base::LogWarning("User requested shutdown...");
      break;
    }
  }
  close(sfd);
}

int Server::Run() {
  std::shared_ptr<const engine::ServerConfig> cfg = config_->snapshot();
  unsigned n = cfg->threads > 0 ? static_cast<unsigned>(cfg->threads) : CpuCount();

  // Choose the I/O engine: io_uring where the kernel allows it, unless told otherwise.
  io::LoopKind kind = io::LoopKind::kEpoll;
  if (cfg->io_engine != engine::IoEngineKind::kEpoll) {
    base::StatusOr<std::unique_ptr<io::EventLoop>> probe = io::EventLoop::Create(io::LoopKind::kUring);
    if (probe.ok()) {
      kind = io::LoopKind::kUring;
    } else if (cfg->io_engine == engine::IoEngineKind::kUring) {
      base::LogWarning("io-engine uring was requested but io_uring is unavailable: {}",
                       probe.status().message());
      return 1;
    } else {
      base::LogNotice("io_uring is unavailable ({}); using epoll", probe.status().message());
    }
  }
  io_engine_name_ = kind == io::LoopKind::kUring ? "io_uring" : "epoll";

  engine_ = std::make_unique<engine::Engine>(config_, &registry_, n);
  engine_->Wire(this, this);
  if (std::string acl_error = engine_->acl().Configure(*cfg); !acl_error.empty()) {
    base::LogWarning("{}", acl_error);
    return 1;
  }
  commands::ConnectPersistence(*engine_);
  persistence::Persistence& persist = persistence::Persistence::Of(*engine_);
  engine_->loading.store(true);  // until the data on disk is in
  engine_->worker(0).AddCronTask([&persist] { persist.Cron(0); });

  if (cfg->port == 0 && cfg->tls_port == 0) {
    base::LogWarning("Configured to not listen anywhere, exiting.");
    return 1;
  }
  if (cfg->tls_configured()) {
    base::StatusOr<std::shared_ptr<const io::TlsContext>> ctx = BuildTls(*cfg);
    if (!ctx.ok()) {
      base::LogWarning("Failed to configure TLS. Check logs for more info.");
      return 1;
    }
    tls_ctx_ = std::move(*ctx);
  }
  base::Status st = OpenListeners(*cfg, cfg->port, &listen_fds_[kPlain]);
  // A previous instance killed with SIGKILL may still hold the port for a moment: the
  // kernel tears an io_uring instance down asynchronously, and its listening socket stays
  // until that finishes. Try again for up to two seconds before giving up.
  for (int tries = 0; !st.ok() && st.message().find("Address already in use") != std::string::npos &&
                      tries < 40;
       ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    st = OpenListeners(*cfg, cfg->port, &listen_fds_[kPlain]);
  }
  if (!st.ok()) {
    base::LogWarning("Warning: {}", st.message());
    base::LogWarning("Failed listening on port {} (tcp), aborting.", cfg->port);
    return 1;
  }
  st = OpenListeners(*cfg, cfg->tls_port, &listen_fds_[kTls]);
  for (int tries = 0; !st.ok() && st.message().find("Address already in use") != std::string::npos &&
                      tries < 40;
       ++tries) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    st = OpenListeners(*cfg, cfg->tls_port, &listen_fds_[kTls]);
  }
  if (!st.ok()) {
    base::LogWarning("Warning: {}", st.message());
    base::LogWarning("Failed listening on port {} (tls), aborting.", cfg->tls_port);
    for (int fd : listen_fds_[kPlain]) close(fd);
    return 1;
  }
  st = OpenListeners(*cfg, cfg->metrics_port, &listen_fds_[kMetrics]);
  if (!st.ok()) {
    base::LogWarning("Warning: {}", st.message());
    base::LogWarning("Failed listening on metrics-port {} (tcp), aborting.", cfg->metrics_port);
    for (int fd : listen_fds_[kPlain]) close(fd);
    for (int fd : listen_fds_[kTls]) close(fd);
    return 1;
  }
  port_.store(cfg->port);

  shutdown_fd_ = eventfd(0, EFD_CLOEXEC);
  // Signals go to the main thread's signalfd only: block them before threads start.
  sigset_t mask;
  sigemptyset(&mask);
  sigaddset(&mask, SIGTERM);
  sigaddset(&mask, SIGINT);
  pthread_sigmask(SIG_BLOCK, &mask, nullptr);
  signal(SIGPIPE, SIG_IGN);
  // A file size limit (ulimit -f) makes writes fail with EFBIG, handled as any write error
  // (the AOF's -MISCONF), instead of killing the server.
  signal(SIGXFSZ, SIG_IGN);

  base::LogNotice("Cinnabar {} (Redis {} compatible) port={} threads={} io-engine={} config={}",
                  CINNABAR_VERSION, "7.0.15", cfg->port, n, io_engine_name_,
                  cfg->config_file.empty() ? "none" : cfg->config_file);
  // Redis compat: used_memory_startup is what the server holds before it has any data (set
  // before the threads start, which then only read it).
  engine_->set_startup_used_memory(base::UsedMemory());
  threads_.resize(n);
  for (unsigned i = 0; i < n; ++i) {
    threads_[i].thread = std::thread([this, i, kind] { ThreadMain(i, kind); });
  }
  base::WaitUntilAtLeast(started_, n);
  base::LogNotice("Server initialized");
  persist.LoadAtStartup(0, [] { base::LogNotice("Ready to accept connections tcp"); });

  while (true) {
    WaitForShutdown();
    auto mode = static_cast<engine::ServerHooks::ShutdownSave>(shutdown_save_.exchange(0));
    bool save = mode == engine::ServerHooks::ShutdownSave::kSave ||
                (mode == engine::ServerHooks::ShutdownSave::kAsConfigured && !config_->snapshot()->save_points.empty());
    if (save) base::LogNotice("Saving the final RDB snapshot before exiting.");
    base::Status st = persist.PrepareShutdown(save);
    if (st.ok()) break;
    // Redis compat: a failed final save keeps the server running.
    base::LogWarning("Error trying to save the DB, can't exit.");
    base::LogWarning("Errors trying to shut down the server. Check the logs for more information.");
    shutting_down_.store(false);
  }

  // Stop accepting, let each loop finish its turn (in-flight commands and their replies),
  // then stop.
  for (unsigned i = 0; i < n; ++i) {
    threads_[i].loop->Post([l = threads_[i].loop.get()] {
      l->StopListening();
      l->Stop();
    });
  }
  for (Thread& t : threads_) t.thread.join();
  // Every loop has stopped: close the connections still open (their clients may be blocked
  // or mid-hop) and run what that posts, so nothing is left behind.
  for (Thread& t : threads_) t.loop->CloseAllConnections();
  for (int round = 0; round < 16; ++round) {
    bool ran = false;
    for (Thread& t : threads_) ran |= t.loop->RunPostedTasks();
    if (!ran) break;
  }
  persist.Close();
  {
    // shutdown() first: it unhashes the listener at once, while close() alone leaves it
    // listening until io_uring's asynchronous teardown drops the ring's last reference to
    // it, and a restart on the same port (systemd, a test) would find the port in use.
    std::lock_guard lock(listeners_mu_);
    for (std::vector<int>& fds : listen_fds_) {
      for (int fd : fds) {
        shutdown(fd, SHUT_RDWR);
        close(fd);
      }
      fds.clear();
    }
  }
  return 0;
}

}  // namespace cinnabar::server

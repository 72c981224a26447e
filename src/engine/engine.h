// Engine: what every thread shares, read-mostly: the shards' workers, the command registry,
// the configuration store, and process-wide counters. Also the way to send a task to
// another thread (Messenger) and to reach the server (ServerHooks), both wired by server/.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/function_ref.h"
#include "base/hash.h"
#include "base/task.h"
#include "engine/acl.h"
#include "engine/client_pause.h"
#include "engine/config.h"
#include "engine/extension.h"
#include "engine/journal.h"
#include "engine/latency_monitor.h"
#include "engine/monitor.h"
#include "engine/pubsub.h"
#include "engine/registry.h"

namespace cinnabar::engine {

class Worker;
class Shard;

// Delivers a task to a thread's queue; the thread runs it in its loop. Thread-safe.
class Messenger {
 public:
  virtual ~Messenger() = default;
  virtual void Post(unsigned thread, base::Task task) = 0;
  // Posts tasks[i] to threads[i] as one step: any other post to any of these threads lands
  // before all of them or after all of them, so every thread sees such steps in one order.
  // `while_held` runs inside the step, before any of the tasks can run.
  // REQUIRES: `threads` ascending and distinct.
  virtual void PostAll(std::span<const unsigned> threads, std::span<base::Task> tasks,
                       base::FunctionRef<void()> while_held) = 0;
  // Runs `task` on `thread` at monotonic time `when_us`. REQUIRES: called on `thread`.
  virtual void RunAt(unsigned thread, int64_t when_us, base::Task task) = 0;
};

// What the engine asks of the server.
class ServerHooks {
 public:
  virtual ~ServerHooks() = default;
  // Stops the server (SHUTDOWN): stop accepting, finish, exit 0. Whether it saves first:
  // as the save points say (SIGTERM's rule), or as SHUTDOWN SAVE / NOSAVE asked.
  enum class ShutdownSave { kAsConfigured, kSave, kNoSave };
  virtual void RequestShutdown(ShutdownSave save = ShutdownSave::kAsConfigured) = 0;
  // Applies configuration changes that involve the server (listeners, logging). Returns
  // an empty string, or the reason and the culprit directive.
  virtual std::string ApplyConfig(const ServerConfig& old, const ServerConfig& next,
                                  std::string_view* culprit) = 0;
  // "io_uring" or "epoll", for INFO.
  virtual std::string_view IoEngineName() const = 0;
  // The ports actually listened on (tcp_port in INFO).
  virtual int ListeningPort() const = 0;
};

class Engine {
 public:
  Engine(ConfigStore* config, const Registry* registry, unsigned threads);
  ~Engine();

  void Wire(Messenger* messenger, ServerHooks* hooks) {
    messenger_ = messenger;
    hooks_ = hooks;
  }

  unsigned shard_count() const { return static_cast<unsigned>(workers_.size()); }
  Worker& worker(unsigned i) { return *workers_[i]; }
  Shard& shard(unsigned i);
  unsigned ShardOf(std::string_view key) const { return base::ShardOf(key, shard_count()); }

  const Registry& registry() const { return *registry_; }
  ConfigStore& config_store() { return *config_; }
  ServerHooks& hooks() { return *hooks_; }

  void Post(unsigned thread, base::Task task) { messenger_->Post(thread, std::move(task)); }
  // Messenger::PostAll with make(thread) as each thread's task.
  template <typename Make>
  void PostAll(std::span<const unsigned> threads, Make make,
               base::FunctionRef<void()> while_held = [] {}) {
    std::vector<base::Task> tasks;
    tasks.reserve(threads.size());
    for (unsigned t : threads) tasks.push_back(make(t));
    messenger_->PostAll(threads, tasks, while_held);
  }
  void RunAt(unsigned thread, int64_t when_us, base::Task task) {
    messenger_->RunAt(thread, when_us, std::move(task));
  }

  uint64_t NextClientId() { return next_client_id_.fetch_add(1, std::memory_order_relaxed); }
  std::atomic<int64_t> connected_clients{0};
  std::atomic<int64_t> blocked_clients{0};
  std::atomic<uint64_t> slowlog_next_id{0};  // engine/slowlog.h
  std::atomic<int64_t> peak_used_memory{0};

  int64_t start_ms() const { return start_ms_; }
  // used_memory once the server had started (INFO's used_memory_startup).
  int64_t startup_used_memory() const { return startup_used_memory_; }
  void set_startup_used_memory(int64_t v) { startup_used_memory_ = v; }
  // A script has run past busy-reply-threshold: other commands but those flagged
  // kAllowBusy answer -BUSY (engine/dispatcher.h).
  enum BusyScript : int { kNotBusy = 0, kBusyEval = 1, kBusyFunction = 2 };
  std::atomic<int> busy_script{kNotBusy};
  // Start-up loading (persistence/): commands not flagged kLoading answer -LOADING.
  std::atomic<bool> loading{false};
  // stop-writes-on-bgsave-error (persistence/): the last save failed, writes answer
  // -MISCONF.
  std::atomic<bool> refuse_writes{false};
  // The AOF's last write or fsync failed with this errno (0: it works): writes answer
  // -MISCONF Errors writing to the AOF file until one succeeds again (persistence/aof.h).
  std::atomic<int> aof_write_errno{0};
  // DEBUG SET-ACTIVE-EXPIRE.
  std::atomic<bool> active_expire{true};
  // DEBUG PAUSE-CRON: while set, every thread's cron (Worker::Cron) does nothing.
  std::atomic<bool> pause_cron{false};
  const std::string& run_id() const { return run_id_; }
  // The replication id a primary announces (INFO replication's master_replid). Any thread.
  std::string replid() const;
  // DEBUG CHANGE-REPL-ID: a new random replication id.
  void ChangeReplId();
  // Process-wide state of the layers above (engine/extension.h).
  ExtensionSlots& extensions() { return extensions_; }
  // Who subscribes to what, on which thread (engine/pubsub.h).
  PubSubDirectory& pubsub() { return pubsub_; }
  // Who MONITORs, on which thread (engine/monitor.h).
  MonitorDirectory& monitors() { return monitors_; }
  // Users, permissions and the ACL LOG (engine/acl.h).
  Acl& acl() { return acl_; }
  // CLIENT PAUSE (engine/client_pause.h).
  ClientPause& pause() { return pause_; }
  // Every effect on the keyspace, for the AOF and replicas (engine/journal.h).
  Journal& journal() { return journal_; }
  // The latency spikes of every thread (engine/latency_monitor.h).
  LatencyMonitor& latency_monitor() { return latency_monitor_; }

 private:
  ConfigStore* config_;
  const Registry* registry_;
  Messenger* messenger_ = nullptr;
  ServerHooks* hooks_ = nullptr;
  ExtensionSlots extensions_;  // outlives the workers, whose thread extensions use it
  PubSubDirectory pubsub_;     // outlives the workers, whose clients unsubscribe
  MonitorDirectory monitors_;  // outlives the workers, whose clients stop monitoring
  Journal journal_;            // outlives the workers, whose shards record into it
  ClientPause pause_;
  Acl acl_;
  LatencyMonitor latency_monitor_;  // outlives the workers, whose shards sample into it
  std::vector<std::unique_ptr<Worker>> workers_;
  std::atomic<uint64_t> next_client_id_{1};
  int64_t start_ms_;
  int64_t startup_used_memory_ = 0;
  std::string run_id_;
  mutable std::mutex replid_mu_;
  std::string replid_;  // guarded by replid_mu_
};

}  // namespace cinnabar::engine

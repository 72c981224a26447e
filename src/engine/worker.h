// Worker: the engine's state for one thread: its shard, the clients whose connections live
// on the thread, the thread's configuration snapshot and statistics.
//
// Threading: a Worker is used by its own thread. Statistics are base::Counter, readable
// from any thread; everything else is reached from other threads only by posting a task.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "base/counter.h"
#include "base/latency_histogram.h"
#include "base/task.h"
#include "engine/config.h"
#include "engine/extension.h"
#include "engine/journal.h"
#include "engine/notify.h"
#include "engine/pubsub.h"
#include "engine/shard.h"
#include "engine/slowlog.h"
#include "protocol/reply_builder.h"

namespace cinnabar::engine {

class Client;
class Engine;

struct CommandStats {
  base::Counter calls;
  base::Counter usec;
  base::Counter rejected_calls;
  base::Counter failed_calls;
  // latency-tracking: made by the owning thread at the command's first timed call, kept
  // (and only zeroed by CONFIG RESETSTAT) so readers on other threads never see it freed.
  std::atomic<base::LatencyHistogram*> latency{nullptr};

  CommandStats() = default;
  CommandStats(const CommandStats&) = delete;
  CommandStats& operator=(const CommandStats&) = delete;
  ~CommandStats() { delete latency.load(std::memory_order_relaxed); }

  // On the owning thread: one call that ran for `usec`.
  void RecordLatency(int64_t usec);
};

struct WorkerStats {
  base::Counter commands_processed;
  base::Counter connections_received;
  base::Counter rejected_connections;
  base::Counter net_input_bytes;
  base::Counter net_output_bytes;
  base::Counter error_replies;
  base::Counter reads_processed;
  base::Counter writes_processed;
  base::Counter instantaneous_ops;       // ops/sec over the last samples
  base::Counter instantaneous_input;     // bytes/sec
  base::Counter instantaneous_output;    // bytes/sec
  base::Counter recent_max_input;        // largest client query buffer lately
  base::Counter recent_max_output;       // largest client output buffer lately
  base::Counter client_memory;           // ClientMemory of every client, lately
  base::Counter largest_evictable;       // ClientMemory of the biggest one maxmemory-clients may close
  base::Counter evicted_clients;         // closed by maxmemory-clients
  std::vector<CommandStats> commands;    // by CommandEntry::id

  // errorstats: error prefix -> count. Errors are rare; a mutex keeps INFO simple.
  std::mutex errors_mu;
  std::map<std::string, int64_t> errors;
};

class Worker : public protocol::ErrorObserver {
 public:
  Worker(Engine* engine, unsigned index, int databases, size_t command_count);
  ~Worker() override;

  unsigned index() const { return index_; }
  Engine& engine() { return *engine_; }
  Shard& shard() { return shard_; }
  WorkerStats& stats() { return stats_; }
  Slowlog& slowlog() { return slowlog_; }
  // This thread's MONITOR clients (engine/monitor.h).
  std::vector<Client*>& monitors() { return monitors_; }
  // This thread's clients held by CLIENT PAUSE, in the order they came (engine/client_pause.h).
  std::vector<Client*>& held_clients() { return held_clients_; }

  const ServerConfig& config() const { return *config_; }
  std::shared_ptr<const ServerConfig> config_ptr() const { return config_; }
  // Takes a new configuration snapshot (and applies what the shard reads from it).
  void SetConfig(std::shared_ptr<const ServerConfig> config);


  void AddClient(Client* c) { clients_.insert(c); }
  void RemoveClient(Client* c) { clients_.erase(c); }
  const std::unordered_set<Client*>& clients() const { return clients_; }
  Client* FindClient(uint64_t id) const;

  // Runs `task` on this thread after the current event has been handled.
  void Defer(base::Task task) { deferred_.push_back(std::move(task)); }
  // Runs deferred tasks; the loop calls it before it sleeps. Returns whether any ran.
  bool RunDeferred();
  // The end of the loop's turn, before replies are sent: deferred work, then the journal's
  // sinks (the AOF's write, engine/journal.h), then the replies that write let go.
  void BeforeSleep();

  // More periodic work of the layers above (persistence's save points), run after the
  // engine's own at each cron.
  void AddCronTask(std::function<void()> task) { cron_tasks_.push_back(std::move(task)); }
  // Periodic work, hz times a second: expiry, idle clients, statistics samples.
  void Cron();

  void OnErrorReply(std::string_view prefix) override;

  // CONFIG RESETSTAT: zeroes this thread's and its shard's statistics.
  void ResetStats();

  // Handles this thread's socket I/O once, from inside a long command (a busy script):
  // clients on this thread get their -BUSY answers, SCRIPT KILL gets through. The server
  // wires it to the thread's event loop (io::EventLoop::PollIo).
  void SetIoPoller(std::function<void()> poll) { poll_io_ = std::move(poll); }
  void PollIo() {
    if (poll_io_) poll_io_();
  }

  // This thread's state of the layers above (engine/extension.h).
  ExtensionSlots& extensions() { return extensions_; }

  // This thread's pub/sub subscribers (engine/pubsub.h).
  PubSubHub& pubsub() { return pubsub_; }

  // --- Replies waiting for the journal to be durable (engine/journal.h, sync_acks) ---
  // Holds `c`'s output until the journal is durable up to `offset`.
  void HoldUntilDurable(Client* c, uint64_t offset);
  // Any thread: whether some client here waits.
  bool has_sync_waiters() const { return sync_waiting_.load(std::memory_order_acquire); }
  // Sends the output of every client whose wait is over.
  void ReleaseSyncWaiters();

 private:
  void SampleRates();
  void CloseIdleClients();
  void SampleClientBuffers();
  // maxmemory-clients: while every thread's clients together are over the limit, closes
  // this thread's biggest ones, as long as each is at least as big as any other thread's
  // biggest (so the biggest go first process-wide, as in Redis).
  void EvictClients();

  Engine* engine_;
  unsigned index_;
  Notifier notifier_;  // keyspace notifications of the shard's key events
  JournalObserver journal_observer_;  // the journal's view of the shard's key events
  Shard shard_;
  std::shared_ptr<const ServerConfig> config_;
  std::shared_ptr<const ServerConfig> previous_config_;
  WorkerStats stats_;
  Slowlog slowlog_;
  std::vector<Client*> monitors_;
  std::vector<Client*> held_clients_;
  std::unordered_set<Client*> clients_;
  std::vector<base::Task> deferred_;
  std::vector<base::Task> running_;
  ExtensionSlots extensions_;
  PubSubHub pubsub_;
  std::function<void()> poll_io_;
  std::vector<std::function<void()>> cron_tasks_;
  struct SyncWaiter {
    Client* client;
    uint64_t offset;
  };
  std::vector<SyncWaiter> sync_waiters_;
  std::atomic<bool> sync_waiting_{false};

  // Rate sampling (Redis's 16-sample instantaneous metrics).
  static constexpr int kSamples = 16;
  struct Sample {
    int64_t ops[kSamples] = {};
    int64_t in[kSamples] = {};
    int64_t out[kSamples] = {};
    int idx = 0;
    int64_t last_us = 0;
    int64_t last_ops = 0, last_in = 0, last_out = 0;
  } sample_;
  int64_t last_sample_us_ = 0;
  bool housekeeping_queued_ = false;  // the cron's expiry cycle waits for the shard
};

}  // namespace cinnabar::engine

// Shard: the part of the keyspace one thread owns (every key whose hash falls to it, in all
// databases), plus the access queue that makes multi-shard commands atomic.
//
// Threading: everything here runs on the owning thread, except while a transaction holds
// the shard's lock, when the transaction's thread may use the databases (the lock's grant
// and release travel through task queues, which order the memory accesses), and the
// incoming-share and spanning-waiter counts, which any thread may change.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <string_view>
#include <utility>
#include <memory>
#include <string>
#include <vector>

#include "base/counter.h"
#include "base/task.h"
#include "engine/blocking.h"
#include "engine/database.h"
#include "engine/eviction.h"
#include "engine/key_events.h"
#include "engine/latency_monitor.h"
#include "engine/snapshot_guard.h"
#include "engine/tracking.h"
#include "engine/watch.h"

namespace cinnabar::engine {

struct ShardStats {
  base::Counter keyspace_hits;
  base::Counter keyspace_misses;
  base::Counter expired_keys;
  base::Counter expired_time_cap_reached;
  base::Counter expire_cycle_time_us;
  base::Counter expired_stale_perc;  // last cycle's estimate, in percent
  base::Counter evicted_keys;
};

// How keys record their accesses, from maxmemory-policy and the lfu-* directives: an LRU
// clock, or LFU data (core/lfu.h). Written by the shard's thread when its configuration
// changes; read by whoever runs on the shard (a locked batch's thread too), hence atomics.
struct AccessPolicy {
  std::atomic<bool> lfu{false};
  // Redis compat: with maxmemory and an LRU or LFU policy every object needs its own
  // clock, so new integers are not shared (OBJECT REFCOUNT 1).
  std::atomic<bool> no_shared_integers{false};
  std::atomic<int64_t> lfu_log_factor{10};
  std::atomic<int64_t> lfu_decay_time{1};
};

// Something that holds a shard's lock: a multi-shard transaction.
class LockOwner {
 public:
  virtual ~LockOwner() = default;
};

class Shard {
 public:
  Shard(unsigned index, int databases);
  Shard(const Shard&) = delete;
  Shard& operator=(const Shard&) = delete;

  unsigned index() const { return index_; }
  int db_count() const { return static_cast<int>(dbs_.size()); }
  Database& db(int i) { return *dbs_[static_cast<size_t>(i)]; }
  ShardStats& stats() { return stats_; }

  // --- Key events (engine/key_events.h) and their observers that live in the shard ---
  KeyEvents& events() { return events_; }
  DirtyCounter& dirty() { return dirty_; }
  WatchTable& watches() { return watches_; }
  // Which clients read which keys (CLIENT TRACKING, engine/tracking.h).
  TrackingTable& tracking() { return tracking_; }

  // --- A snapshot in progress (engine/snapshot_guard.h), or null ---
  SnapshotGuard* snapshot_guard() const { return snapshot_guard_; }
  void set_snapshot_guard(SnapshotGuard* g) { snapshot_guard_ = g; }
  // While data is loaded (start-up, DEBUG RELOAD) keys do not expire: a replayed command
  // must see what it saw when it first ran (Redis compat).
  bool expiry_paused() const { return expiry_paused_; }
  void set_expiry_paused(bool paused) { expiry_paused_ = paused; }

  // The time the running command sees; set by the dispatcher before each command.
  int64_t now_ms() const { return now_ms_; }
  void set_now_ms(int64_t now) { now_ms_ = now; }
  // Redis's 24-bit LRU clock (seconds), refreshed with the command time.
  uint32_t lru_clock() const { return static_cast<uint32_t>(now_ms_ / 1000) & 0xFFFFFF; }
  uint64_t Random();

  // Times the shard's own work (expiry, eviction) for the latency monitor; the thread's
  // configuration sets its threshold.
  LatencyProbe& latency() { return latency_; }

  // --- Access tracking (LRU or LFU, per maxmemory-policy) ---
  AccessPolicy& access_policy() { return access_; }
  // Keeps the process under maxmemory from this shard's keys (engine/eviction.h).
  Evictor& evictor() { return evictor_; }
  bool lfu() const { return access_.lfu.load(std::memory_order_relaxed); }
  // The access bits of a new key.
  uint32_t NewAccessBits() const;
  // Records an access to `e` (Redis's updateLFU or LRU clock refresh).
  void Touch(core::Entry* e);
  // The LFU counter of `e` as OBJECT FREQ and eviction see it (decayed, not stored).
  uint8_t LfuCounter(const core::Entry* e) const;

  // --- Access (owning thread only) ---
  // True while a transaction holds the shard or work waits for it: new work must queue.
  bool busy() const { return holder_ != nullptr || !waiting_.empty(); }
  // Whether a command of one of this thread's clients may run inline now: the shard is not
  // busy and no share of a spread batch is on its way here (engine/batch.h). A share posted
  // before must run first, or a client could see a pipeline's later effect on another shard
  // but miss its earlier one here.
  bool InlineOk() const {
    return !busy() && incoming_shares_.load(std::memory_order_seq_cst) == 0;
  }
  // Any thread: a share of a spread batch (or an element a waiter moves here) is posted
  // here / has run here.
  void ShareComing() { incoming_shares_.fetch_add(1, std::memory_order_seq_cst); }
  void ShareDone() { incoming_shares_.fetch_sub(1, std::memory_order_seq_cst); }

  // Waiters whose command spans this shard and another (BLPOP a b, BLMOVE src dst across
  // shards), counted from the moment their command is posted until they leave. A batch
  // spread over shards could serve such a waiter out of request order, so a batch touching
  // a shard that has any runs locked instead (engine/batch.h). Any thread; read while the
  // shard's task queue is held, so a count and the posts around it are seen in one order.
  void SpanningWaiterComing() { spanning_waiters_.fetch_add(1, std::memory_order_seq_cst); }
  void SpanningWaiterGone() { spanning_waiters_.fetch_sub(1, std::memory_order_seq_cst); }
  bool has_spanning_waiters() const {
    return spanning_waiters_.load(std::memory_order_seq_cst) != 0;
  }
  // Runs `work` now when the shard is free, else after what is already waiting.
  void RunWhenFree(base::Task work);
  // Asks for the lock on behalf of `owner`; `granted` runs (on this thread) once it holds.
  void Lock(LockOwner* owner, base::Task granted);
  // Releases the lock `owner` holds and runs what waited, up to the next lock request.
  void Unlock(LockOwner* owner);

  // Active expiry and table maintenance, from the thread's cron.
  // REQUIRES: no transaction holds the shard (the cron runs them through RunWhenFree).
  void ActiveExpireCycle(int64_t budget_us);
  void MaintainTables();

  // --- Keys that got waiters something to take (engine/blocking.h) ---
  struct ReadyKey {
    int db;
    std::string key;
  };
  void MarkReady(int db, std::string_view key) { ready_.push_back({db, std::string(key)}); }
  bool has_ready_keys() const { return !ready_.empty(); }
  std::vector<ReadyKey> TakeReadyKeys() { return std::exchange(ready_, {}); }

  // SWAPDB: exchanges two databases' contents.
  void SwapDbs(int a, int b);

 private:
  struct Waiting {
    LockOwner* owner;  // null: plain work
    base::Task task;
  };
  void Drain();

  unsigned index_;
  std::vector<std::unique_ptr<Database>> dbs_;
  ShardStats stats_;
  KeyEvents events_;
  DirtyCounter dirty_;
  WakeWaiters wake_waiters_;
  WatchTable watches_;
  TrackingTable tracking_;
  int64_t now_ms_ = 0;
  uint64_t rng_;
  AccessPolicy access_;
  Evictor evictor_;
  LatencyProbe latency_;
  SnapshotGuard* snapshot_guard_ = nullptr;
  bool expiry_paused_ = false;

  std::atomic<uint32_t> incoming_shares_{0};
  std::atomic<uint32_t> spanning_waiters_{0};
  LockOwner* holder_ = nullptr;
  std::deque<Waiting> waiting_;
  bool draining_ = false;

  std::vector<ReadyKey> ready_;
  int expire_db_ = 0;
  int maintain_db_ = 0;
};

}  // namespace cinnabar::engine

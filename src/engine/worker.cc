#include "engine/worker.h"

#include <algorithm>
#include <vector>

#include "base/clock.h"
#include "base/memory.h"
#include "engine/client.h"
#include "engine/client_info.h"
#include "engine/engine.h"

namespace cinnabar::engine {

Worker::Worker(Engine* engine, unsigned index, int databases, size_t command_count)
    : engine_(engine), index_(index), notifier_(this),
      journal_observer_(&engine->journal()), shard_(index, databases) {
  stats_.commands = std::vector<CommandStats>(command_count);
  shard_.events().Subscribe(&notifier_);
  shard_.events().SubscribeMisses(&notifier_);
  shard_.events().Subscribe(&journal_observer_);
  shard_.tracking().Wire(engine, this);
  shard_.events().Subscribe(&shard_.tracking());
  shard_.latency().Bind(&engine->latency_monitor());
}

Worker::~Worker() {
  // A client CLIENT PAUSE held when the server stopped keeps the hold's reference; the ones
  // whose connection is gone are freed with it.
  for (Client* c : held_clients_) {
    if (!c->alive()) c->Unref();
  }
}

Client* Worker::FindClient(uint64_t id) const {
  for (Client* c : clients_) {
    if (c->id() == id) return c;
  }
  return nullptr;
}

void Worker::HoldUntilDurable(Client* c, uint64_t offset) {
  bool found = false;
  for (SyncWaiter& w : sync_waiters_) {
    if (w.client == c) {
      w.offset = offset;
      found = true;
    }
  }
  if (!found) {
    c->Ref();
    sync_waiters_.push_back({c, offset});
  }
  sync_waiting_.store(true, std::memory_order_release);
  // The fsync may have happened between the client's look and the flag: look again.
  if (engine_->journal().durable() >= offset) ReleaseSyncWaiters();
}

void Worker::ReleaseSyncWaiters() {
  uint64_t durable = engine_->journal().durable();
  std::vector<SyncWaiter> still;
  std::vector<Client*> done;
  for (const SyncWaiter& w : sync_waiters_) {
    if (w.offset <= durable) {
      done.push_back(w.client);
    } else {
      still.push_back(w);
    }
  }
  sync_waiters_ = std::move(still);
  sync_waiting_.store(!sync_waiters_.empty(), std::memory_order_release);
  for (Client* c : done) {
    c->ReleaseHeldOutput();
    c->Unref();
  }
}

void Worker::BeforeSleep() {
  RunDeferred();
  engine_->journal().AtLoopTurnEnd();
  if (sync_waiting_.load(std::memory_order_relaxed)) ReleaseSyncWaiters();
}

bool Worker::RunDeferred() {
  if (deferred_.empty()) return false;
  // Tasks may defer more tasks; run in rounds until none are left.
  while (!deferred_.empty()) {
    running_.swap(deferred_);
    for (base::Task& t : running_) t();
    running_.clear();
  }
  return true;
}

void Worker::OnErrorReply(std::string_view prefix) {
  stats_.error_replies.Inc();
  std::lock_guard lock(stats_.errors_mu);
  // Redis compat: errorstats stops adding new kinds of errors past 128.
  auto it = stats_.errors.find(std::string(prefix));
  if (it != stats_.errors.end()) {
    ++it->second;
  } else if (stats_.errors.size() < 128) {
    stats_.errors.emplace(std::string(prefix), 1);
  }
}

void CommandStats::RecordLatency(int64_t usec) {
  base::LatencyHistogram* h = latency.load(std::memory_order_relaxed);
  if (h == nullptr) {
    h = new base::LatencyHistogram();
    latency.store(h, std::memory_order_release);
  }
  // Redis compat: durations are timed in microseconds and recorded in nanoseconds.
  h->Record(usec * 1000);
}

void Worker::ResetStats() {
  WorkerStats& s = stats_;
  for (base::Counter* c : {&s.commands_processed, &s.connections_received, &s.rejected_connections,
                           &s.net_input_bytes, &s.net_output_bytes, &s.error_replies,
                           &s.reads_processed, &s.writes_processed, &s.evicted_clients}) {
    c->Set(0);
  }
  for (CommandStats& cs : s.commands) {
    cs.calls.Set(0);
    cs.usec.Set(0);
    cs.rejected_calls.Set(0);
    cs.failed_calls.Set(0);
    if (base::LatencyHistogram* h = cs.latency.load(std::memory_order_acquire)) h->Reset();
  }
  {
    std::lock_guard lock(s.errors_mu);
    s.errors.clear();
  }
  // The rates start over too (a counter set back to 0 would read as a negative rate).
  sample_ = Sample{};
  for (base::Counter* c : {&s.instantaneous_ops, &s.instantaneous_input, &s.instantaneous_output}) {
    c->Set(0);
  }
  ShardStats& ss = shard_.stats();
  for (base::Counter* c : {&ss.keyspace_hits, &ss.keyspace_misses, &ss.expired_keys,
                           &ss.expired_time_cap_reached, &ss.expire_cycle_time_us,
                           &ss.expired_stale_perc, &ss.evicted_keys}) {
    c->Set(0);
  }
}

void Worker::SetConfig(std::shared_ptr<const ServerConfig> config) {
  // The previous values stay alive until the next change: a command that changes them
  // (CONFIG SET) may still hold them up its stack.
  previous_config_ = std::move(config_);
  config_ = std::move(config);
  AccessPolicy& access = shard_.access_policy();
  access.lfu.store(config_->lfu_policy(), std::memory_order_relaxed);
  const bool lru = config_->maxmemory_policy == ServerConfig::Eviction::kVolatileLru ||
                   config_->maxmemory_policy == ServerConfig::Eviction::kAllKeysLru;
  access.no_shared_integers.store(config_->maxmemory != 0 && (lru || config_->lfu_policy()),
                                  std::memory_order_relaxed);
  access.lfu_log_factor.store(config_->lfu_log_factor, std::memory_order_relaxed);
  access.lfu_decay_time.store(config_->lfu_decay_time, std::memory_order_relaxed);
  shard_.latency().set_threshold_ms(config_->latency_monitor_threshold);
}

void Worker::Cron() {
  // DEBUG PAUSE-CRON: Redis's serverCron skips all its work while paused; so does every
  // thread's here (expiry, eviction, rate sampling, client checks, the cron tasks).
  if (engine_->pause_cron.load(std::memory_order_relaxed)) return;
  const ServerConfig& cfg = config();
  // Redis compat: the slow expire cycle may use 25% of each cron period.
  int64_t budget_us = 1000000 / cfg.effective_hz() * 25 / 100;
  // Expiry and table upkeep run between multi-shard commands, never skipped: a shard kept
  // locked by a stream of KEYS/DBSIZE/MSET must still expire keys. At most one is queued.
  // Redis compat: while clients are paused nothing expires or is evicted.
  const bool paused = engine_->pause().KindAt(base::UnixTimeMs()) != PauseKind::kNone;
  if (!paused) ReleaseHeldClients(*this);
  if (!housekeeping_queued_ && !paused) {
    housekeeping_queued_ = true;
    shard_.RunWhenFree([this, budget_us] {
      housekeeping_queued_ = false;
      if (engine_->active_expire.load(std::memory_order_relaxed)) {
        const int64_t start = shard_.latency().Start();
        shard_.ActiveExpireCycle(budget_us);
        shard_.latency().End("expire-cycle", start);
      }
      shard_.MaintainTables();
      // Redis compat: a lowered maxmemory is enforced without waiting for commands.
      shard_.set_now_ms(base::UnixTimeMs());
      const int64_t start_us = base::MonotonicUs();
      while (shard_.evictor().MakeRoom(*engine_, shard_, config()) == Evictor::Result::kRunning &&
             base::MonotonicUs() - start_us < budget_us) {
      }
    });
  }
  SampleRates();
  SampleClientBuffers();
  EvictClients();
  if (cfg.timeout > 0) CloseIdleClients();
  if (index_ == 0) {
    int64_t used = base::UsedMemory();
    int64_t peak = engine_->peak_used_memory.load(std::memory_order_relaxed);
    if (used > peak) engine_->peak_used_memory.store(used, std::memory_order_relaxed);
  }
  for (auto& task : cron_tasks_) task();
}

void Worker::SampleRates() {
  int64_t now = base::MonotonicUs();
  if (now - last_sample_us_ < 100000) return;  // Redis samples every 100 ms
  int64_t ops = stats_.commands_processed.Get();
  int64_t in = stats_.net_input_bytes.Get();
  int64_t out = stats_.net_output_bytes.Get();
  if (sample_.last_us != 0) {
    int64_t dt = now - sample_.last_us;
    if (dt <= 0) dt = 1;
    int i = sample_.idx;
    sample_.ops[i] = (ops - sample_.last_ops) * 1000000 / dt;
    sample_.in[i] = (in - sample_.last_in) * 1000000 / dt;
    sample_.out[i] = (out - sample_.last_out) * 1000000 / dt;
    sample_.idx = (i + 1) % kSamples;
    int64_t sum_ops = 0, sum_in = 0, sum_out = 0;
    for (int k = 0; k < kSamples; ++k) {
      sum_ops += sample_.ops[k];
      sum_in += sample_.in[k];
      sum_out += sample_.out[k];
    }
    stats_.instantaneous_ops.Set(sum_ops / kSamples);
    stats_.instantaneous_input.Set(sum_in / kSamples);
    stats_.instantaneous_output.Set(sum_out / kSamples);
  }
  sample_.last_us = now;
  sample_.last_ops = ops;
  sample_.last_in = in;
  sample_.last_out = out;
  last_sample_us_ = now;
}

void Worker::SampleClientBuffers() {
  int64_t max_in = 0, max_out = 0, total = 0, largest = 0;
  for (Client* c : clients_) {
    const auto bytes = static_cast<int64_t>(ClientMemory(*c));
    total += bytes;
    if (!c->no_evict) largest = std::max(largest, bytes);
    if (Transport* t = c->transport()) {
      max_in = std::max<int64_t>(max_in, static_cast<int64_t>(t->input().capacity()));
      max_out = std::max<int64_t>(max_out, static_cast<int64_t>(t->pending_output()));
    }
    // Redis compat (clientsCron): a client that stays past its soft limit, or whose limit
    // was lowered under it, is closed though nothing more is written to it.
    c->EnforceOutputLimit();
  }
  stats_.recent_max_input.Set(max_in);
  stats_.recent_max_output.Set(max_out);
  stats_.client_memory.Set(total);
  stats_.largest_evictable.Set(largest);
}

void Worker::EvictClients() {
  const int64_t limit = config().client_memory_limit();
  if (limit <= 0) return;
  int64_t total = 0, others_largest = 0;
  for (unsigned i = 0; i < engine_->shard_count(); ++i) {
    const WorkerStats& s = engine_->worker(i).stats();
    total += s.client_memory.Get();
    if (i != index_) others_largest = std::max(others_largest, s.largest_evictable.Get());
  }
  if (total <= limit) return;
  std::vector<std::pair<int64_t, Client*>> by_size;
  for (Client* c : clients_) {
    if (!c->no_evict && !c->closing()) by_size.emplace_back(ClientMemory(*c), c);
  }
  std::sort(by_size.begin(), by_size.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  const int64_t now_ms = base::UnixTimeMs();
  size_t next = 0;
  for (; next < by_size.size() && total > limit && by_size[next].first >= others_largest; ++next) {
    auto [bytes, c] = by_size[next];
    base::LogNotice("Evicting client: {}", DescribeClient(*c, now_ms));
    c->Kill();
    stats_.evicted_clients.Inc();
    total -= bytes;
    stats_.client_memory.Set(stats_.client_memory.Get() - bytes);
  }
  stats_.largest_evictable.Set(next < by_size.size() ? by_size[next].first : 0);
}

void Worker::CloseIdleClients() {
  int64_t now = base::UnixTimeMs();
  int64_t limit_ms = config().timeout * 1000;
  std::vector<Client*> idle;
  for (Client* c : clients_) {
    if (c->awaiting()) continue;  // a command (or a blocked pop) is in flight
    if (now - c->last_interaction_ms > limit_ms) idle.push_back(c);
  }
  for (Client* c : idle) c->Kill();
}

}  // namespace cinnabar::engine

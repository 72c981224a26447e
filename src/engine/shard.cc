#include "engine/shard.h"

#include <cassert>

#include "base/clock.h"
#include "core/lfu.h"

namespace cinnabar::engine {

Shard::Shard(unsigned index, int databases)
    : index_(index), watches_(databases), rng_(0x9E3779B97F4A7C15ull ^ (static_cast<uint64_t>(index) << 32) ^
                          static_cast<uint64_t>(base::MonotonicUs())) {
  dbs_.reserve(static_cast<size_t>(databases));
  for (int i = 0; i < databases; ++i) dbs_.push_back(std::make_unique<Database>(this, i));
  now_ms_ = base::UnixTimeMs();
  events_.Subscribe(&dirty_);
  events_.Subscribe(&wake_waiters_);
  events_.Subscribe(&watches_);
}

uint64_t Shard::Random() {
  // xorshift64*
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  return rng_ * 0x2545F4914F6CDD1Dull;
}

uint32_t Shard::NewAccessBits() const {
  if (!lfu()) return lru_clock();
  return core::LfuField(core::LfuMinutes(now_ms_), core::kLfuInitial);
}

void Shard::Touch(core::Entry* e) {
  if (!lfu()) return e->set_lru(lru_clock());
  uint8_t counter = LfuCounter(e);
  const double chance = static_cast<double>(Random() >> 11) * 0x1.0p-53;
  counter = core::LfuIncrement(counter, access_.lfu_log_factor.load(std::memory_order_relaxed),
                               chance);
  e->set_lru(core::LfuField(core::LfuMinutes(now_ms_), counter));
}

uint8_t Shard::LfuCounter(const core::Entry* e) const {
  return core::LfuDecayed(e->lru(), core::LfuMinutes(now_ms_),
                          access_.lfu_decay_time.load(std::memory_order_relaxed));
}

void Shard::RunWhenFree(base::Task work) {
  if (!busy()) {
    work();
    return;
  }
  waiting_.push_back({nullptr, std::move(work)});
}

void Shard::Lock(LockOwner* owner, base::Task granted) {
  if (!busy()) {
    holder_ = owner;
    granted();
    return;
  }
  waiting_.push_back({owner, std::move(granted)});
}

void Shard::Unlock(LockOwner* owner) {
  assert(holder_ == owner);
  (void)owner;
  holder_ = nullptr;
  Drain();
}

void Shard::Drain() {
  if (draining_) return;
  draining_ = true;
  while (holder_ == nullptr && !waiting_.empty()) {
    Waiting w = std::move(waiting_.front());
    waiting_.pop_front();
    if (w.owner != nullptr) holder_ = w.owner;
    w.task();
  }
  draining_ = false;
}

void Shard::ActiveExpireCycle(int64_t budget_us) {
  assert(holder_ == nullptr);
  const int64_t start = base::MonotonicUs();
  now_ms_ = base::UnixTimeMs();
  const int dbs = db_count();
  size_t seen_total = 0, expired_total = 0;
  for (int k = 0; k < dbs; ++k) {
    int i = (expire_db_ + k) % dbs;
    Database& d = db(i);
    if (d.volatile_count() == 0) {
      d.avg_ttl = 0;
      continue;
    }
    size_t seen_db = 0;
    int64_t ttl_sum = 0, ttl_count = 0;
    // Redis compat (activeExpireCycle): keep sampling a database while more than 10% of
    // what was looked at had expired, at least ~20 volatile keys per database per cycle.
    while (true) {
      size_t seen = 0, expired = 0, slots = 0;
      d.expire_cursor = d.table().SweepVolatile(
          d.expire_cursor,
          [&](const core::KeyTable::Handle& where, core::Entry* e) {
            ++seen;
            if (!d.IsExpired(e)) {
              ttl_sum += e->expire_ms() - now_ms_;
              ++ttl_count;
              return false;
            }
            d.ExpireNow(where);
            ++expired;
            return true;
          },
          &slots);
      seen_db += seen;
      seen_total += seen;
      expired_total += expired;
      if (base::MonotonicUs() - start > budget_us) {
        stats_.expired_time_cap_reached.Inc();
        expire_db_ = i;
        stats_.expire_cycle_time_us.Add(base::MonotonicUs() - start);
        return;
      }
      if (d.volatile_count() == 0 || d.expire_cursor == 0) break;
      if (seen_db >= 20 && expired * 10 <= seen) break;
    }
    if (ttl_count > 0) {
      // Redis compat: a running average, weighted 49:1 towards the past.
      int64_t avg = ttl_sum / ttl_count;
      d.avg_ttl = d.avg_ttl == 0 ? avg : (d.avg_ttl / 50) * 49 + avg / 50;
    }
  }
  expire_db_ = (expire_db_ + 1) % dbs;
  if (seen_total > 0) {
    stats_.expired_stale_perc.Set(static_cast<int64_t>(expired_total * 100 / seen_total));
  }
  stats_.expire_cycle_time_us.Add(base::MonotonicUs() - start);
}

void Shard::MaintainTables() {
  assert(holder_ == nullptr);
  // Up to kSteps segments per call, over the databases that hold far fewer keys than
  // slots (after mass deletes), starting where the last call stopped. Buddies merge only
  // while no snapshot walks the tables by segment.
  constexpr int kSteps = 128;
  const bool may_merge = snapshot_guard_ == nullptr;
  const int dbs = db_count();
  int steps = 0;
  for (int visited = 0; visited < dbs && steps < kSteps; ++visited) {
    Database& d = db(maintain_db_);
    while (steps < kSteps && d.table().Sparse()) {
      d.maintain_cursor = d.table().ShrinkStep(d.maintain_cursor, may_merge);
      ++steps;
    }
    if (steps < kSteps) maintain_db_ = (maintain_db_ + 1) % dbs;
  }
}

void Shard::SwapDbs(int a, int b) { db(a).SwapContents(db(b)); }

}  // namespace cinnabar::engine

#include "engine/eviction.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "base/clock.h"
#include "base/memory.h"
#include "core/entry.h"
#include "engine/engine.h"
#include "engine/shard.h"

namespace cinnabar::engine {
namespace {

using Policy = ServerConfig::Eviction;

bool VolatileOnly(Policy p) {
  return p == Policy::kVolatileLru || p == Policy::kVolatileLfu || p == Policy::kVolatileRandom ||
         p == Policy::kVolatileTtl;
}

bool RandomPolicy(Policy p) { return p == Policy::kAllKeysRandom || p == Policy::kVolatileRandom; }

// Redis compat (evictionTimeLimitUs): tenacity 10 (the default) allows 500 µs per call,
// growing 15% a step above it; 100 is unlimited.
int64_t TimeLimitUs(int64_t tenacity) {
  if (tenacity <= 10) return 50 * tenacity;
  if (tenacity < 100) return static_cast<int64_t>(500.0 * std::pow(1.15, tenacity - 10));
  return std::numeric_limits<int64_t>::max();
}

bool HasCandidates(Database& db, bool volatile_only) {
  return volatile_only ? db.volatile_count() > 0 : db.size() > 0;
}

}  // namespace

bool Evictor::OverLimit(const ServerConfig& cfg) {
  return cfg.maxmemory > 0 && base::UsedMemory() > cfg.maxmemory;
}

Evictor::Result Evictor::MakeRoom(Engine& eng, Shard& shard, const ServerConfig& cfg) {
  if (cfg.maxmemory == 0) return Result::kOk;
  const Result r = Run(eng, shard, cfg);
  const bool exhausted = r == Result::kFail;
  if (exhausted_.load(std::memory_order_relaxed) != exhausted) {
    exhausted_.store(exhausted, std::memory_order_relaxed);
  }
  return r;
}

bool Evictor::HoldsItsShare(Engine& eng, Shard& shard, bool volatile_only) {
  int64_t mine = 0;
  for (int i = 0; i < shard.db_count(); ++i) {
    Database& db = shard.db(i);
    mine += static_cast<int64_t>(volatile_only ? db.volatile_count() : db.size());
  }
  candidates_.store(mine, std::memory_order_relaxed);
  const unsigned n = eng.shard_count();
  if (n == 1) return true;
  int64_t total = 0;
  for (unsigned s = 0; s < n; ++s) {
    total += eng.shard(s).evictor().candidates_.load(std::memory_order_relaxed);
  }
  // At least 7/8 of the mean: some shard always qualifies, and shards near the mean all do.
  return mine * 8 * n >= total * 7;
}

Evictor::Result Evictor::Run(Engine& eng, Shard& shard, const ServerConfig& cfg) {
  if (base::UsedMemory() <= cfg.maxmemory) return Result::kOk;
  if (cfg.maxmemory_policy == Policy::kNoEviction) return Result::kFail;
  if (!HoldsItsShare(eng, shard, VolatileOnly(cfg.maxmemory_policy))) return Result::kYielded;
  // Redis compat: one such run, whatever its outcome, is the "eviction-cycle" latency event
  // (each key it evicts, "eviction-del": Database::Evict).
  const int64_t start = shard.latency().Start();
  const Result r = EvictWhileOver(shard, cfg);
  shard.latency().End("eviction-cycle", start);
  return r;
}

Evictor::Result Evictor::EvictWhileOver(Shard& shard, const ServerConfig& cfg) {
  const int64_t limit_us = TimeLimitUs(cfg.maxmemory_eviction_tenacity);
  const int64_t start_us = base::MonotonicUs();
  for (int evicted = 1;; ++evicted) {
    if (!EvictOne(shard, cfg)) return Result::kFail;
    if (base::UsedMemory() <= cfg.maxmemory) return Result::kOk;
    // The clock is read every 16 evictions (Redis compat: performEvictions does the same).
    if (evicted % 16 == 0 && base::MonotonicUs() - start_us >= limit_us) return Result::kRunning;
  }
}

bool Evictor::EvictOne(Shard& shard, const ServerConfig& cfg) {
  const Policy policy = cfg.maxmemory_policy;
  const bool volatile_only = VolatileOnly(policy);
  const int dbs = shard.db_count();
  if (RandomPolicy(policy)) {
    for (int i = 0; i < dbs; ++i) {
      Database& db = shard.db((next_db_ + i) % dbs);
      if (!HasCandidates(db, volatile_only)) continue;
      next_db_ = (next_db_ + i + 1) % dbs;
      std::string key;
      for (int tries = 0; tries < 16 && key.empty(); ++tries) {
        db.table().Sample(shard.Random(), 1, volatile_only, 1024,
                          [&](core::Entry* e) { key = e->key(); });
      }
      if (!key.empty() && EvictKey(shard, db.index(), key, volatile_only)) return true;
    }
    return false;
  }
  // Redis compat (performEvictions): sample every database into the pool, then take the
  // best candidate still there; candidates gone since leave, and sampling starts over.
  for (int round = 0; round < 16; ++round) {
    bool any = false;
    for (int i = 0; i < dbs; ++i) {
      if (!HasCandidates(shard.db(i), volatile_only)) continue;
      any = true;
      // A table left sparse by evictions (it shrinks in the cron) is sampled further.
      Populate(shard, cfg, i, volatile_only, size_t{1} << round);
    }
    if (!any) return false;
    while (!pool_.empty()) {
      Candidate c = std::move(pool_.back());
      pool_.pop_back();
      if (EvictKey(shard, c.db, c.key, volatile_only)) return true;
    }
  }
  return false;
}

bool Evictor::EvictKey(Shard& shard, int db_index, std::string_view key, bool volatile_only) {
  Database& db = shard.db(db_index);
  const uint64_t hash = core::KeyTable::Hash(key);
  core::KeyTable::Handle where;
  core::Entry* e = db.table().Find(key, hash, &where);
  if (e == nullptr || (volatile_only && !e->has_expire())) return false;
  if (SnapshotGuard* g = shard.snapshot_guard()) g->BeforeAccess(db, hash, where, *e);
  db.Evict(where);
  return true;
}

void Evictor::Populate(Shard& shard, const ServerConfig& cfg, int db, bool volatile_only,
                       size_t reach) {
  const Policy policy = cfg.maxmemory_policy;
  const auto samples = static_cast<size_t>(cfg.maxmemory_samples);
  const uint32_t clock = shard.lru_clock();
  shard.db(db).table().Sample(
      shard.Random(), samples, volatile_only, (samples * 16 + 256) * reach, [&](core::Entry* e) {
        uint64_t score;
        if (policy == Policy::kAllKeysLfu || policy == Policy::kVolatileLfu) {
          score = 255 - shard.LfuCounter(e);
        } else if (policy == Policy::kVolatileTtl) {
          score = std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(e->expire_ms());
        } else {
          score = core::LruIdleSeconds(clock, e->lru());
        }
        Offer(score, db, e->key());
      });
}

void Evictor::Offer(uint64_t score, int db, std::string_view key) {
  if (pool_.size() == kPoolSize && score <= pool_.front().score) return;
  for (const Candidate& c : pool_) {
    if (c.db == db && c.key == key) return;
  }
  auto at = std::upper_bound(pool_.begin(), pool_.end(), score,
                             [](uint64_t s, const Candidate& c) { return s < c.score; });
  pool_.insert(at, Candidate{score, db, std::string(key)});
  if (pool_.size() > kPoolSize) pool_.erase(pool_.begin());
}

}  // namespace cinnabar::engine

// Eviction: keeps the process under `maxmemory`, one budget for all shards.
//
// Before a client's command runs on a shard (engine/invoke.h) and from the shard's cron,
// the shard's Evictor compares the process's used_memory with maxmemory and, while over,
// removes keys of its own shard as maxmemory-policy says: the best of a pool of sampled
// candidates by idle time (LRU), access frequency (LFU) or nearest expiry (TTL), or a
// random key. Keys leave through the write path (Database::Evict: key event kEvicted, so
// WATCH, the `evicted` notification and the journal's DEL all follow). Every shard evicts
// from its own keys when it sees the process over budget and holds at least about its share
// of the candidates (keys, or volatile keys for the volatile policies): the shards then
// evict in proportion to their keys, as Redis's sampling of one keyspace would, and the
// shard of a client that pipelines to all of them, first to see each overrun, is not
// drained for the others.
//
// Threading: the shard's contract (engine/shard.h): whoever runs on the shard.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"

namespace cinnabar::engine {

class Engine;
class Shard;

class Evictor {
 public:
  enum class Result {
    kOk,       // under maxmemory (or no limit)
    kRunning,  // still over, out of time for now: keys are left to evict
    kFail,     // still over and nothing (more) may be evicted: denyoom commands get -OOM
    kYielded,  // still over; this shard holds less than its share, the others evict first
  };
  // Evicts from `shard` (one of `eng`'s) while the process is over `cfg.maxmemory`, for at
  // most the time maxmemory-eviction-tenacity allows.
  Result MakeRoom(Engine& eng, Shard& shard, const ServerConfig& cfg);
  // Whether the process is over maxmemory now (nothing is evicted).
  static bool OverLimit(const ServerConfig& cfg);
  // Whether this shard's last MakeRoom found nothing it could evict (any thread may ask:
  // a shard out of candidates lets the others' keys answer for the budget).
  bool exhausted() const { return exhausted_.load(std::memory_order_relaxed); }

 private:
  struct Candidate {
    uint64_t score;  // higher: evict sooner
    int db;
    std::string key;
  };
  // Evicts one key; false when the shard has none the policy may take.
  bool EvictOne(Shard& shard, const ServerConfig& cfg);
  // Evicts `key` of database `db` if it is still there (and volatile, if it must be).
  bool EvictKey(Shard& shard, int db, std::string_view key, bool volatile_only);
  // Offers up to maxmemory-samples keys of database `db`, looking at `reach` times the
  // usual number of slots.
  void Populate(Shard& shard, const ServerConfig& cfg, int db, bool volatile_only,
                size_t reach);
  void Offer(uint64_t score, int db, std::string_view key);

  Result Run(Engine& eng, Shard& shard, const ServerConfig& cfg);
  // Evicts until under maxmemory, out of keys, or out of the time the tenacity allows.
  Result EvictWhileOver(Shard& shard, const ServerConfig& cfg);
  // Publishes this shard's count of candidates; whether it holds its share of them all.
  bool HoldsItsShare(Engine& eng, Shard& shard, bool volatile_only);

  static constexpr size_t kPoolSize = 16;
  std::atomic<bool> exhausted_{false};
  std::atomic<int64_t> candidates_{0};  // as of this shard's last look while over
  std::vector<Candidate> pool_;  // ascending score: the best candidate is last
  int next_db_ = 0;              // the random policies go round the databases
};

}  // namespace cinnabar::engine

// MemoryOverview: the process's memory accounting as INFO memory and MEMORY STATS / DOCTOR report
// it (Redis's getMemoryOverheadData), computed in one place.
#pragma once

#include <cstdint>
#include <vector>

namespace cinnabar::engine {
class Engine;
}  // namespace cinnabar::engine

namespace cinnabar::commands {

struct MemoryOverview {
  int64_t used = 0;     // used_memory: every counted allocation (base/memory.h)
  int64_t peak = 0;     // used_memory_peak, updated by this computation
  int64_t startup = 0;  // used_memory_startup
  int64_t rss = 0;
  int64_t overhead = 0;          // startup plus the key tables, at most `used`
  int64_t dataset = 0;           // used - overhead
  int64_t keys = 0;              // keys in every database
  int64_t allocator_active = 0;  // committed, resident pages (jemalloc's "active")
  int64_t clients_normal = 0;    // ClientMemory of every client, as the cron last summed it

  struct Db {
    int index = 0;
    int64_t main_table = 0;     // bytes of the key table's own structure
    int64_t expires_table = 0;  // always 0: expiries live in the entries, no second table
  };
  std::vector<Db> dbs;  // the databases that hold keys, ascending

  int64_t net() const { return used - startup; }
  double peak_percentage() const { return Percent(used, peak); }
  double dataset_percentage() const { return Percent(dataset, net()); }
  // rss / used: INFO's mem_fragmentation_ratio and MEMORY STATS' "fragmentation".
  double fragmentation() const { return Ratio(rss, used); }
  int64_t fragmentation_bytes() const { return rss - used; }
  double allocator_fragmentation() const { return Ratio(allocator_active, used); }
  int64_t allocator_fragmentation_bytes() const { return allocator_active - used; }
  // The process's RSS is the allocator's resident memory: the RSS overhead is 1, 0 bytes.
  double allocator_rss() const { return Ratio(rss, allocator_active); }
  int64_t allocator_rss_bytes() const { return rss - allocator_active; }

  static double Ratio(int64_t a, int64_t b) {
    return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0;
  }
  static double Percent(int64_t a, int64_t b) { return 100.0 * Ratio(a, b); }
};

// Reads every shard's tables. REQUIRES: all shards held (commands flagged kAllShards).
MemoryOverview ComputeMemoryOverview(engine::Engine& eng);

}  // namespace cinnabar::commands

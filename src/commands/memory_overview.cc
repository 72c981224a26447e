#include "commands/memory_overview.h"

#include <algorithm>

#include "base/memory.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "engine/worker.h"

namespace cinnabar::commands {

MemoryOverview ComputeMemoryOverview(engine::Engine& eng) {
  MemoryOverview m;
  m.used = base::UsedMemory();
  m.rss = base::ResidentSetSize();
  m.peak = std::max(m.used, eng.peak_used_memory.load());
  eng.peak_used_memory.store(m.peak);
  m.startup = eng.startup_used_memory();
  // Committed pages not yet touched are not resident: jemalloc's "active" lies between what is
  // allocated and what is resident, and so is this.
  m.allocator_active = std::max(m.used, std::min(base::AllocatorCommittedMemory(), m.rss));
  int64_t tables = 0;
  int db_count = eng.shard_count() > 0 ? eng.shard(0).db_count() : 0;
  for (int d = 0; d < db_count; ++d) {
    MemoryOverview::Db db{.index = d};
    int64_t keys = 0;
    for (unsigned s = 0; s < eng.shard_count(); ++s) {
      engine::Database& sdb = eng.shard(s).db(d);
      keys += static_cast<int64_t>(sdb.size());
      db.main_table += static_cast<int64_t>(sdb.table().OverheadBytes());
    }
    tables += db.main_table;
    m.keys += keys;
    if (keys > 0) m.dbs.push_back(db);
  }
  for (unsigned w = 0; w < eng.shard_count(); ++w) {
    m.clients_normal += eng.worker(w).stats().client_memory.Get();
  }
  // Redis compat: client buffers are overhead, not dataset.
  m.overhead = std::min(m.used, m.startup + tables + m.clients_normal);
  m.dataset = m.used - m.overhead;
  return m;
}

}  // namespace cinnabar::commands

// INFO's sections (server, clients, memory, persistence, stats, replication, cpu, modules,
// commandstats, errorstats, latencystats, cluster, keyspace) with Redis 7.0's field names,
// in Redis's order (monitoring tools parse them), each field with its kind and unit.

#include "commands/info_sections.h"

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>

#include <map>

#include "base/clock.h"
#include "base/latency_histogram.h"
#include "base/memory.h"
#include "base/string_util.h"
#include "commands/memory_overview.h"
#include "commands/script_runtime.h"
#include "engine/engine.h"
#include "engine/pubsub.h"
#include "engine/shard.h"
#include "engine/worker.h"
#include "persistence/persistence.h"

namespace cinnabar::commands {
namespace {

using base::InfoKind;
using base::InfoSection;
using base::InfoUnit;
using engine::Engine;
using engine::ServerConfig;
using engine::Worker;

template <typename F>
int64_t SumWorkers(Engine& eng, F get) {
  int64_t total = 0;
  for (unsigned i = 0; i < eng.shard_count(); ++i) total += get(eng.worker(i));
  return total;
}

template <typename F>
int64_t SumShards(Engine& eng, F get) {
  int64_t total = 0;
  for (unsigned i = 0; i < eng.shard_count(); ++i) total += get(eng.shard(i));
  return total;
}

std::string Executable() {
  char buf[4096];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

int64_t TotalSystemMemory() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? static_cast<int64_t>(pages) * page : 0;
}

int64_t I(size_t v) { return static_cast<int64_t>(v); }

void ServerSection(Engine& eng, const ServerConfig& cfg, InfoSection& s) {
  utsname u{};
  uname(&u);
  int64_t now_us = base::UnixTimeUs();
  int64_t uptime = (now_us / 1000 - eng.start_ms()) / 1000;
  s.Text("redis_version", "7.0.15");
  s.Text("cinnabar_version", CINNABAR_VERSION);
  s.Text("redis_git_sha1", "00000000");
  s.Gauge("redis_git_dirty", 0);
  s.Text("redis_build_id", "0");
  s.Text("redis_mode", "standalone");
  s.Text("os", fmt::format("{} {} {}", u.sysname, u.release, u.machine));
  s.Text("arch_bits", "64");  // a build property: a label of cinnabar_server_info
  s.Text("monotonic_clock", "POSIX clock_gettime");
  s.Text("multiplexing_api", eng.hooks().IoEngineName());
  s.Text("atomicvar_api", "c11-builtin");
  s.Text("gcc_version", fmt::format("{}.{}.{}", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__));
  s.Gauge("process_id", getpid());
  s.Text("process_supervised", "no");
  s.Text("run_id", eng.run_id());
  s.Gauge("tcp_port", eng.hooks().ListeningPort());
  s.Gauge("server_time_usec", now_us, InfoUnit::kUnixMicroseconds);
  s.Gauge("uptime_in_seconds", uptime, InfoUnit::kSeconds);
  s.Text("uptime_in_days", std::to_string(uptime / 86400));  // uptime_in_seconds, exported
  s.Gauge("hz", cfg.effective_hz());
  s.Gauge("configured_hz", cfg.effective_hz());
  s.Gauge("lru_clock", (now_us / 1000000) & 0xFFFFFF);
  s.Text("executable", Executable());
  s.Text("config_file", cfg.config_file);
  s.Gauge("io_threads_active", 0);
  s.Gauge("threads", eng.shard_count());
}

void ClientsSection(Engine& eng, const ServerConfig& cfg, InfoSection& s) {
  int64_t max_in = 0, max_out = 0;
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    max_in = std::max(max_in, eng.worker(i).stats().recent_max_input.Get());
    max_out = std::max(max_out, eng.worker(i).stats().recent_max_output.Get());
  }
  s.Gauge("connected_clients", eng.connected_clients.load());
  s.Gauge("cluster_connections", 0);
  s.Gauge("maxclients", cfg.maxclients);
  s.Gauge("client_recent_max_input_buffer", max_in, InfoUnit::kBytes);
  s.Gauge("client_recent_max_output_buffer", max_out, InfoUnit::kBytes);
  s.Gauge("blocked_clients", eng.blocked_clients.load());
  s.Gauge("tracking_clients", 0);
  s.Gauge("clients_in_timeout_table", 0);
}

void MemorySection(Engine& eng, const ServerConfig& cfg, InfoSection& s) {
  constexpr InfoUnit kB = InfoUnit::kBytes;
  MemoryOverview m = ComputeMemoryOverview(eng);
  int64_t total_mem = TotalSystemMemory();
  auto bytes = [&](std::string_view name, int64_t v) {
    s.Gauge(name, v, kB);
    s.Text(std::string(name) + "_human", base::BytesToHuman(v));
  };
  bytes("used_memory", m.used);
  bytes("used_memory_rss", m.rss);
  bytes("used_memory_peak", m.peak);
  s.Fixed("used_memory_peak_perc", m.peak_percentage(), 2, InfoKind::kGauge, InfoUnit::kPercent,
          "%");
  s.Gauge("used_memory_overhead", m.overhead, kB);
  s.Gauge("used_memory_startup", m.startup, kB);
  s.Gauge("used_memory_dataset", m.dataset, kB);
  s.Fixed("used_memory_dataset_perc", m.dataset_percentage(), 2, InfoKind::kGauge,
          InfoUnit::kPercent, "%");
  s.Gauge("allocator_allocated", m.used, kB);
  s.Gauge("allocator_active", m.allocator_active, kB);
  s.Gauge("allocator_resident", m.rss, kB);
  bytes("total_system_memory", total_mem);
  const ScriptMemory sm = MeasureScriptMemory(eng);
  const size_t vm_total = sm.eval_vm + sm.functions_vm, scripts = sm.scripts_eval + sm.functions;
  s.Gauge("used_memory_lua", I(sm.eval_vm), kB);
  s.Gauge("used_memory_vm_eval", I(sm.eval_vm), kB);
  s.Text("used_memory_lua_human", base::BytesToHuman(I(sm.eval_vm)));
  s.Gauge("used_memory_scripts_eval", I(sm.scripts_eval), kB);
  s.Gauge("number_of_cached_scripts", I(sm.cached_scripts));
  s.Gauge("number_of_functions", I(sm.function_count));
  s.Gauge("number_of_libraries", I(sm.library_count));
  s.Gauge("used_memory_vm_functions", I(sm.functions_vm), kB);
  bytes("used_memory_vm_total", I(vm_total));
  s.Gauge("used_memory_functions", I(sm.functions), kB);
  bytes("used_memory_scripts", I(scripts));
  bytes("maxmemory", cfg.maxmemory);
  s.Text("maxmemory_policy", engine::FindDirective("maxmemory-policy")->get(cfg));
  s.Fixed("allocator_frag_ratio", m.allocator_fragmentation(), 2);
  s.Gauge("allocator_frag_bytes", m.allocator_fragmentation_bytes(), kB);
  s.Fixed("allocator_rss_ratio", m.allocator_rss(), 2);
  s.Gauge("allocator_rss_bytes", m.allocator_rss_bytes(), kB);
  s.Fixed("rss_overhead_ratio", 1.0, 2);  // RSS is the allocator's
  s.Gauge("rss_overhead_bytes", 0, kB);
  s.Fixed("mem_fragmentation_ratio", m.fragmentation(), 2);
  s.Gauge("mem_fragmentation_bytes", m.fragmentation_bytes(), kB);
  // Redis compat: a standalone server without replicas, cluster links or an AOF rewrite.
  s.Gauge("mem_not_counted_for_evict", 0, kB);
  s.Gauge("mem_replication_backlog", 0, kB);
  s.Gauge("mem_total_replication_buffers", 0, kB);
  s.Gauge("mem_clients_slaves", 0, kB);
  s.Gauge("mem_clients_normal", m.clients_normal, kB);
  s.Gauge("mem_cluster_links", 0, kB);
  s.Gauge("mem_aof_buffer", 0, kB);
  s.Text("mem_allocator", base::AllocatorName());
  s.Gauge("active_defrag_running", 0);
  s.Gauge("lazyfree_pending_objects", 0);
  s.Counter("lazyfreed_objects", 0);
}

void StatsSection(Engine& eng, InfoSection& s) {
  using engine::ShardStats;
  using engine::WorkerStats;
  constexpr InfoUnit kB = InfoUnit::kBytes, kMs = InfoUnit::kMilliseconds;
  auto w = [&](base::Counter WorkerStats::*field) {
    return SumWorkers(eng, [field](Worker& wk) { return (wk.stats().*field).Get(); });
  };
  auto sh = [&](base::Counter ShardStats::*field) {
    return SumShards(eng, [field](engine::Shard& x) { return (x.stats().*field).Get(); });
  };
  auto kbps = [&](std::string_view name, int64_t bytes_per_sec) {
    s.Fixed(name, static_cast<double>(bytes_per_sec) / 1024, 2, InfoKind::kGauge,
            InfoUnit::kKilobytesPerSecond);
  };
  int64_t stale = 0;
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    stale = std::max(stale, eng.shard(i).stats().expired_stale_perc.Get());
  }
  // Redis compat: the fields of features a standalone server without replicas, forks,
  // defragmentation or client tracking has read 0, as on Redis.
  s.Counter("total_connections_received", w(&WorkerStats::connections_received));
  s.Counter("total_commands_processed", w(&WorkerStats::commands_processed));
  s.Gauge("instantaneous_ops_per_sec", w(&WorkerStats::instantaneous_ops));
  s.Counter("total_net_input_bytes", w(&WorkerStats::net_input_bytes), kB);
  s.Counter("total_net_output_bytes", w(&WorkerStats::net_output_bytes), kB);
  s.Counter("total_net_repl_input_bytes", 0, kB);
  s.Counter("total_net_repl_output_bytes", 0, kB);
  kbps("instantaneous_input_kbps", w(&WorkerStats::instantaneous_input));
  kbps("instantaneous_output_kbps", w(&WorkerStats::instantaneous_output));
  kbps("instantaneous_input_repl_kbps", 0);
  kbps("instantaneous_output_repl_kbps", 0);
  s.Counter("rejected_connections", w(&WorkerStats::rejected_connections));
  s.Counter("sync_full", 0);
  s.Counter("sync_partial_ok", 0);
  s.Counter("sync_partial_err", 0);
  s.Counter("expired_keys", sh(&ShardStats::expired_keys));
  s.Fixed("expired_stale_perc", static_cast<double>(stale), 2, InfoKind::kGauge,
          InfoUnit::kPercent);
  s.Counter("expired_time_cap_reached_count", sh(&ShardStats::expired_time_cap_reached));
  s.Counter("expire_cycle_cpu_milliseconds", sh(&ShardStats::expire_cycle_time_us) / 1000, kMs);
  s.Counter("evicted_keys", sh(&ShardStats::evicted_keys));
  s.Counter("evicted_clients", w(&WorkerStats::evicted_clients));
  s.Counter("total_eviction_exceeded_time", 0, kMs);
  s.Gauge("current_eviction_exceeded_time", 0, kMs);
  s.Counter("keyspace_hits", sh(&ShardStats::keyspace_hits));
  s.Counter("keyspace_misses", sh(&ShardStats::keyspace_misses));
  const engine::PubSubDirectory& subs = eng.pubsub();
  s.Gauge("pubsub_channels", I(subs.NameCount(engine::ChannelKind::kChannel)));
  s.Gauge("pubsub_patterns", I(subs.NameCount(engine::ChannelKind::kPattern)));
  s.Gauge("pubsubshard_channels", I(subs.NameCount(engine::ChannelKind::kShard)));
  s.Gauge("latest_fork_usec", 0, InfoUnit::kMicroseconds);
  s.Counter("total_forks", 0);
  s.Gauge("migrate_cached_sockets", 0);
  s.Gauge("slave_expires_tracked_keys", 0);
  s.Counter("active_defrag_hits", 0);
  s.Counter("active_defrag_misses", 0);
  s.Counter("active_defrag_key_hits", 0);
  s.Counter("active_defrag_key_misses", 0);
  s.Counter("total_active_defrag_time", 0, kMs);
  s.Gauge("current_active_defrag_time", 0, kMs);
  s.Gauge("tracking_total_keys", 0);
  s.Gauge("tracking_total_items", 0);
  s.Gauge("tracking_total_prefixes", 0);
  s.Counter("unexpected_error_replies", 0);
  s.Counter("total_error_replies", w(&WorkerStats::error_replies));
  s.Counter("dump_payload_sanitizations", 0);
  s.Counter("total_reads_processed", w(&WorkerStats::reads_processed));
  s.Counter("total_writes_processed", w(&WorkerStats::writes_processed));
  s.Counter("io_threaded_reads_processed", 0);
  s.Counter("io_threaded_writes_processed", 0);
  s.Counter("reply_buffer_shrinks", 0);
  s.Counter("reply_buffer_expands", 0);
}

// Redis compat: a primary without replicas; its replication id is made at start-up.
void ReplicationSection(Engine& eng, InfoSection& s) {
  s.Text("role", "master");
  s.Gauge("connected_slaves", 0);
  s.Text("master_failover_state", "no-failover");
  s.Text("master_replid", eng.replid());
  s.Text("master_replid2", "0000000000000000000000000000000000000000");
  s.Gauge("master_repl_offset", 0);
  s.Gauge("second_repl_offset", -1);
  s.Gauge("repl_backlog_active", 0);
  s.Gauge("repl_backlog_size", 1048576, InfoUnit::kBytes);
  s.Gauge("repl_backlog_first_byte_offset", 0);
  s.Gauge("repl_backlog_histlen", 0, InfoUnit::kBytes);
}

// used_cpu_*_main_thread: the thread gathering (every thread is a main thread here).
void CpuSection(InfoSection& s) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  auto cpu = [&](std::string_view name, const timeval& tv) {
    double secs = static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
    s.Fixed(name, secs, 6, InfoKind::kCounter, InfoUnit::kSeconds);
  };
  cpu("used_cpu_sys", self.ru_stime);
  cpu("used_cpu_user", self.ru_utime);
  cpu("used_cpu_sys_children", children.ru_stime);
  cpu("used_cpu_user_children", children.ru_utime);
  cpu("used_cpu_sys_main_thread", thread.ru_stime);
  cpu("used_cpu_user_main_thread", thread.ru_utime);
}

void ErrorStatsSection(Engine& eng, InfoSection& s) {
  std::map<std::string, int64_t> merged;
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    engine::WorkerStats& st = eng.worker(i).stats();
    std::lock_guard lock(st.errors_mu);
    for (const auto& [prefix, n] : st.errors) merged[prefix] += n;
  }
  for (const auto& [prefix, n] : merged) {
    s.BeginCompound("errorstat_" + prefix, "error", prefix);
    s.Add(InfoSection::Int("count", n, InfoKind::kCounter));
  }
}

void CommandStatsSection(Engine& eng, InfoSection& s) {
  for (const engine::CommandEntry* c : AllCommands(eng)) {
    int64_t calls = 0, usec = 0, rejected = 0, failed = 0;
    for (unsigned i = 0; i < eng.shard_count(); ++i) {
      engine::CommandStats& cs = eng.worker(i).stats().commands[c->id];
      calls += cs.calls.Get();
      usec += cs.usec.Get();
      rejected += cs.rejected_calls.Get();
      failed += cs.failed_calls.Get();
    }
    if (calls == 0 && rejected == 0 && failed == 0) continue;
    s.BeginCompound("cmdstat_" + c->name, "cmd", c->name);
    s.Add(InfoSection::Int("calls", calls, InfoKind::kCounter));
    s.Add(InfoSection::Int("usec", usec, InfoKind::kCounter, InfoUnit::kMicroseconds));
    s.Add(InfoSection::Float(
        "usec_per_call",
        calls > 0 ? static_cast<double>(usec) / static_cast<double>(calls) : 0.0, 2,
        InfoKind::kGauge, InfoUnit::kMicroseconds));
    s.Add(InfoSection::Int("rejected_calls", rejected, InfoKind::kCounter));
    s.Add(InfoSection::Int("failed_calls", failed, InfoKind::kCounter));
  }
}

// latency_percentiles_usec_<command>:p50=...,p99=... over every thread's histogram.
void LatencyStatsSection(Engine& eng, const ServerConfig& cfg, InfoSection& s) {
  base::LatencyHistogram::Counts counts;
  for (const engine::CommandEntry* c : AllCommands(eng)) {
    counts.assign(counts.size(), 0);
    bool tracked = false;
    for (unsigned i = 0; i < eng.shard_count(); ++i) {
      const auto* h = eng.worker(i).stats().commands[c->id].latency.load(std::memory_order_acquire);
      if (h == nullptr) continue;
      h->AddTo(&counts);
      tracked = true;
    }
    if (!tracked || base::TotalCount(counts) == 0) continue;
    s.BeginCompound("latency_percentiles_usec_" + c->name, "cmd", c->name);
    for (double p : cfg.latency_tracking_percentiles) {
      s.Add(InfoSection::Float(
          "p" + engine::FormatPercentile(p),
          static_cast<double>(base::ValueAtPercentile(counts, p)) / 1000, 3, InfoKind::kGauge,
          InfoUnit::kMicroseconds));
    }
  }
}

void KeyspaceSection(Engine& eng, const ServerConfig& cfg, InfoSection& s) {
  for (int d = 0; d < cfg.databases; ++d) {
    int64_t keys = 0, expires = 0, ttl_sum = 0, ttl_shards = 0;
    for (unsigned sh = 0; sh < eng.shard_count(); ++sh) {
      engine::Database& db = eng.shard(sh).db(d);
      keys += static_cast<int64_t>(db.size());
      expires += static_cast<int64_t>(db.volatile_count());
      if (db.avg_ttl > 0) {
        ttl_sum += db.avg_ttl;
        ++ttl_shards;
      }
    }
    if (keys == 0) continue;
    s.BeginCompound(fmt::format("db{}", d), "db", std::to_string(d));
    s.Add(InfoSection::Int("keys", keys, InfoKind::kGauge));
    s.Add(InfoSection::Int("expires", expires, InfoKind::kGauge));
    s.Add(InfoSection::Int("avg_ttl", ttl_shards > 0 ? ttl_sum / ttl_shards : 0, InfoKind::kGauge,
                           InfoUnit::kMilliseconds));
  }
}

}  // namespace

InfoSelection::InfoSelection(std::span<const std::string_view> args) {
  for (std::string_view a : args) wanted_.insert(base::ToLower(a));
  all_ = wanted_.count("all") || wanted_.count("everything");
  default_ = wanted_.empty() || wanted_.count("default") || all_;
}

InfoSelection InfoSelection::Everything() {
  InfoSelection s;
  s.all_ = s.default_ = true;
  return s;
}

bool InfoSelection::Wants(std::string_view id, bool in_default) const {
  return wanted_.count(std::string(id)) > 0 || (in_default && default_) || all_;
}

std::vector<const engine::CommandEntry*> AllCommands(Engine& eng) {
  std::vector<const engine::CommandEntry*> all;
  for (const engine::CommandEntry* c : eng.registry().commands()) {
    all.push_back(c);
    for (const engine::CommandEntry* sub : c->subcommands) all.push_back(sub);
  }
  return all;
}

std::vector<InfoSection> GatherInfo(Engine& eng, const ServerConfig& cfg,
                                    const InfoSelection& which) {
  std::vector<InfoSection> out;
  auto section = [&](std::string_view id, std::string_view title, bool in_default, auto fill) {
    if (!which.Wants(id, in_default)) return;
    fill(out.emplace_back(id, title));
  };
  section("server", "Server", true, [&](InfoSection& s) { ServerSection(eng, cfg, s); });
  section("clients", "Clients", true, [&](InfoSection& s) { ClientsSection(eng, cfg, s); });
  section("memory", "Memory", true, [&](InfoSection& s) { MemorySection(eng, cfg, s); });
  section("persistence", "Persistence", true,
          [&](InfoSection& s) { persistence::Persistence::Of(eng).AppendInfo(&s); });
  section("stats", "Stats", true, [&](InfoSection& s) { StatsSection(eng, s); });
  section("replication", "Replication", true, [&](InfoSection& s) { ReplicationSection(eng, s); });
  section("cpu", "CPU", true, [&](InfoSection& s) { CpuSection(s); });
  section("modules", "Modules", true, [](InfoSection&) {});  // none loaded
  section("commandstats", "Commandstats", false,
          [&](InfoSection& s) { CommandStatsSection(eng, s); });
  section("errorstats", "Errorstats", true, [&](InfoSection& s) { ErrorStatsSection(eng, s); });
  section("latencystats", "Latencystats", false,
          [&](InfoSection& s) { LatencyStatsSection(eng, cfg, s); });
  section("cluster", "Cluster", true, [](InfoSection& s) { s.Gauge("cluster_enabled", 0); });
  section("keyspace", "Keyspace", true, [&](InfoSection& s) { KeyspaceSection(eng, cfg, s); });
  return out;
}

}  // namespace cinnabar::commands

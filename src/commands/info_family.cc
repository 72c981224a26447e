// INFO [section ...]: every section of Redis 7.0 (server, clients, memory, persistence,
// stats, replication, cpu, modules, commandstats, errorstats, latencystats, cluster,
// keyspace) with Redis's field names, in Redis's order (monitoring tools parse them).

#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <fmt/format.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/latency_histogram.h"
#include "base/memory.h"
#include "base/string_util.h"
#include "commands/args.h"
#include "commands/families.h"
#include "commands/memory_overview.h"
#include "commands/script_runtime.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/pubsub.h"
#include "engine/shard.h"
#include "engine/worker.h"
#include "persistence/persistence.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
using engine::Engine;
using engine::Worker;

// Sums one counter over every worker.
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

void ServerSection(CommandContext& ctx, std::string& out) {
  Engine& eng = ctx.engine();
  utsname u{};
  uname(&u);
  int64_t now_us = base::UnixTimeUs();
  int64_t uptime = (now_us / 1000 - eng.start_ms()) / 1000;
  const engine::ServerConfig& cfg = ctx.config();
  out += "# Server\r\n";
  out += "redis_version:7.0.15\r\n";
  out += fmt::format("cinnabar_version:{}\r\n", CINNABAR_VERSION);
  out += "redis_git_sha1:00000000\r\nredis_git_dirty:0\r\nredis_build_id:0\r\n";
  out += "redis_mode:standalone\r\n";
  out += fmt::format("os:{} {} {}\r\n", u.sysname, u.release, u.machine);
  out += "arch_bits:64\r\nmonotonic_clock:POSIX clock_gettime\r\n";
  out += fmt::format("multiplexing_api:{}\r\n", eng.hooks().IoEngineName());
  out += "atomicvar_api:c11-builtin\r\n";
  out += fmt::format("gcc_version:{}.{}.{}\r\n", __GNUC__, __GNUC_MINOR__, __GNUC_PATCHLEVEL__);
  out += fmt::format("process_id:{}\r\nprocess_supervised:no\r\n", getpid());
  out += fmt::format("run_id:{}\r\n", eng.run_id());
  out += fmt::format("tcp_port:{}\r\n", eng.hooks().ListeningPort());
  out += fmt::format("server_time_usec:{}\r\n", now_us);
  out += fmt::format("uptime_in_seconds:{}\r\nuptime_in_days:{}\r\n", uptime, uptime / 86400);
  out += fmt::format("hz:{}\r\nconfigured_hz:{}\r\n", cfg.effective_hz(), cfg.effective_hz());
  out += fmt::format("lru_clock:{}\r\n", (now_us / 1000000) & 0xFFFFFF);
  out += fmt::format("executable:{}\r\n", Executable());
  out += fmt::format("config_file:{}\r\n", cfg.config_file);
  out += "io_threads_active:0\r\n";
  out += fmt::format("threads:{}\r\n", eng.shard_count());
}

void ClientsSection(CommandContext& ctx, std::string& out) {
  Engine& eng = ctx.engine();
  int64_t max_in = 0, max_out = 0;
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    max_in = std::max(max_in, eng.worker(i).stats().recent_max_input.Get());
    max_out = std::max(max_out, eng.worker(i).stats().recent_max_output.Get());
  }
  out += "# Clients\r\n";
  out += fmt::format("connected_clients:{}\r\n", eng.connected_clients.load());
  out += "cluster_connections:0\r\n";
  out += fmt::format("maxclients:{}\r\n", ctx.config().maxclients);
  out += fmt::format("client_recent_max_input_buffer:{}\r\n", max_in);
  out += fmt::format("client_recent_max_output_buffer:{}\r\n", max_out);
  out += fmt::format("blocked_clients:{}\r\n", eng.blocked_clients.load());
  out += "tracking_clients:0\r\nclients_in_timeout_table:0\r\n";
}

void MemorySection(CommandContext& ctx, std::string& out) {
  MemoryOverview m = ComputeMemoryOverview(ctx.engine());
  int64_t used = m.used, rss = m.rss, peak = m.peak;
  int64_t total_mem = TotalSystemMemory();
  out += "# Memory\r\n";
  out += fmt::format("used_memory:{}\r\nused_memory_human:{}\r\n", used, base::BytesToHuman(used));
  out += fmt::format("used_memory_rss:{}\r\nused_memory_rss_human:{}\r\n", rss,
                     base::BytesToHuman(rss));
  out += fmt::format("used_memory_peak:{}\r\nused_memory_peak_human:{}\r\n", peak,
                     base::BytesToHuman(peak));
  out += fmt::format("used_memory_peak_perc:{:.2f}%\r\n", m.peak_percentage());
  out += fmt::format("used_memory_overhead:{}\r\n", m.overhead);
  out += fmt::format("used_memory_startup:{}\r\n", m.startup);
  out += fmt::format("used_memory_dataset:{}\r\n", m.dataset);
  out += fmt::format("used_memory_dataset_perc:{:.2f}%\r\n", m.dataset_percentage());
  out += fmt::format("allocator_allocated:{}\r\nallocator_active:{}\r\nallocator_resident:{}\r\n",
                     used, m.allocator_active, rss);
  out += fmt::format("total_system_memory:{}\r\ntotal_system_memory_human:{}\r\n", total_mem,
                     base::BytesToHuman(total_mem));
  const ScriptMemory sm = MeasureScriptMemory(ctx.engine());
  const size_t vm_total = sm.eval_vm + sm.functions_vm, scripts = sm.scripts_eval + sm.functions;
  out += fmt::format("used_memory_lua:{}\r\nused_memory_vm_eval:{}\r\nused_memory_lua_human:{}\r\n",
                     sm.eval_vm, sm.eval_vm, base::BytesToHuman(static_cast<int64_t>(sm.eval_vm)));
  out += fmt::format("used_memory_scripts_eval:{}\r\nnumber_of_cached_scripts:{}\r\n",
                     sm.scripts_eval, sm.cached_scripts);
  out += fmt::format("number_of_functions:{}\r\nnumber_of_libraries:{}\r\n", sm.function_count,
                     sm.library_count);
  out += fmt::format("used_memory_vm_functions:{}\r\nused_memory_vm_total:{}\r\n"
                     "used_memory_vm_total_human:{}\r\n",
                     sm.functions_vm, vm_total, base::BytesToHuman(static_cast<int64_t>(vm_total)));
  out += fmt::format("used_memory_functions:{}\r\nused_memory_scripts:{}\r\n"
                     "used_memory_scripts_human:{}\r\n",
                     sm.functions, scripts, base::BytesToHuman(static_cast<int64_t>(scripts)));
  const engine::ServerConfig& cfg = ctx.config();
  out += fmt::format("maxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\n",
                     cfg.maxmemory, base::BytesToHuman(cfg.maxmemory),
                     engine::FindDirective("maxmemory-policy")->get(cfg));
  out += fmt::format("allocator_frag_ratio:{:.2f}\r\nallocator_frag_bytes:{}\r\n",
                     m.allocator_fragmentation(), m.allocator_fragmentation_bytes());
  out += fmt::format("allocator_rss_ratio:{:.2f}\r\nallocator_rss_bytes:{}\r\n",
                     m.allocator_rss(), m.allocator_rss_bytes());
  out += "rss_overhead_ratio:1.00\r\nrss_overhead_bytes:0\r\n";  // RSS is the allocator's
  out += fmt::format("mem_fragmentation_ratio:{:.2f}\r\n", m.fragmentation());
  out += fmt::format("mem_fragmentation_bytes:{}\r\n", m.fragmentation_bytes());
  // Redis compat: a standalone server without replicas, cluster links or an AOF rewrite.
  out += "mem_not_counted_for_evict:0\r\nmem_replication_backlog:0\r\n"
         "mem_total_replication_buffers:0\r\nmem_clients_slaves:0\r\n";
  out += fmt::format("mem_clients_normal:{}\r\n", m.clients_normal);
  out += "mem_cluster_links:0\r\nmem_aof_buffer:0\r\n";
  out += fmt::format("mem_allocator:{}\r\n", base::AllocatorName());
  out += "active_defrag_running:0\r\nlazyfree_pending_objects:0\r\nlazyfreed_objects:0\r\n";
}

void StatsSection(CommandContext& ctx, std::string& out) {
  Engine& eng = ctx.engine();
  auto w = [&](base::Counter engine::WorkerStats::*field) {
    return SumWorkers(eng, [field](Worker& wk) { return (wk.stats().*field).Get(); });
  };
  auto s = [&](base::Counter engine::ShardStats::*field) {
    return SumShards(eng, [field](engine::Shard& sh) { return (sh.stats().*field).Get(); });
  };
  int64_t stale = 0;
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    stale = std::max(stale, eng.shard(i).stats().expired_stale_perc.Get());
  }
  // Redis compat: the fields of features a standalone server without replicas, forks,
  // defragmentation or client tracking has read 0, as on Redis.
  out += "# Stats\r\n";
  out += fmt::format("total_connections_received:{}\r\n", w(&engine::WorkerStats::connections_received));
  out += fmt::format("total_commands_processed:{}\r\n", w(&engine::WorkerStats::commands_processed));
  out += fmt::format("instantaneous_ops_per_sec:{}\r\n", w(&engine::WorkerStats::instantaneous_ops));
  out += fmt::format("total_net_input_bytes:{}\r\n", w(&engine::WorkerStats::net_input_bytes));
  out += fmt::format("total_net_output_bytes:{}\r\n", w(&engine::WorkerStats::net_output_bytes));
  out += "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n";
  out += fmt::format("instantaneous_input_kbps:{:.2f}\r\n",
                     static_cast<double>(w(&engine::WorkerStats::instantaneous_input)) / 1024);
  out += fmt::format("instantaneous_output_kbps:{:.2f}\r\n",
                     static_cast<double>(w(&engine::WorkerStats::instantaneous_output)) / 1024);
  out += "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n";
  out += fmt::format("rejected_connections:{}\r\n", w(&engine::WorkerStats::rejected_connections));
  out += "sync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n";
  out += fmt::format("expired_keys:{}\r\n", s(&engine::ShardStats::expired_keys));
  out += fmt::format("expired_stale_perc:{:.2f}\r\n", static_cast<double>(stale));
  out += fmt::format("expired_time_cap_reached_count:{}\r\n",
                     s(&engine::ShardStats::expired_time_cap_reached));
  out += fmt::format("expire_cycle_cpu_milliseconds:{}\r\n",
                     s(&engine::ShardStats::expire_cycle_time_us) / 1000);
  out += fmt::format("evicted_keys:{}\r\n", s(&engine::ShardStats::evicted_keys));
  out += fmt::format("evicted_clients:{}\r\n", w(&engine::WorkerStats::evicted_clients));
  out += "total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\n";
  out += fmt::format("keyspace_hits:{}\r\n", s(&engine::ShardStats::keyspace_hits));
  out += fmt::format("keyspace_misses:{}\r\n", s(&engine::ShardStats::keyspace_misses));
  const engine::PubSubDirectory& subs = ctx.engine().pubsub();
  out += fmt::format("pubsub_channels:{}\r\n", subs.NameCount(engine::ChannelKind::kChannel));
  out += fmt::format("pubsub_patterns:{}\r\n", subs.NameCount(engine::ChannelKind::kPattern));
  out += fmt::format("pubsubshard_channels:{}\r\n", subs.NameCount(engine::ChannelKind::kShard));
  out += "latest_fork_usec:0\r\ntotal_forks:0\r\nmigrate_cached_sockets:0\r\n"
         "slave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\nactive_defrag_misses:0\r\n"
         "active_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
         "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\n"
         "tracking_total_keys:0\r\ntracking_total_items:0\r\ntracking_total_prefixes:0\r\n"
         "unexpected_error_replies:0\r\n";
  out += fmt::format("total_error_replies:{}\r\n", w(&engine::WorkerStats::error_replies));
  out += "dump_payload_sanitizations:0\r\n";
  out += fmt::format("total_reads_processed:{}\r\n", w(&engine::WorkerStats::reads_processed));
  out += fmt::format("total_writes_processed:{}\r\n", w(&engine::WorkerStats::writes_processed));
  out += "io_threaded_reads_processed:0\r\nio_threaded_writes_processed:0\r\n"
         "reply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n";
}

// INFO persistence comes from persistence/persistence.h.
void PersistenceSection(CommandContext& ctx, std::string& out) {
  persistence::Persistence::Of(ctx.engine()).AppendInfo(&out);
}

// Redis compat: a primary without replicas; its replication id is made at start-up.
void ReplicationSection(CommandContext& ctx, std::string& out) {
  out += "# Replication\r\nrole:master\r\nconnected_slaves:0\r\n"
         "master_failover_state:no-failover\r\n";
  out += fmt::format("master_replid:{}\r\n", ctx.engine().replid());
  out += "master_replid2:0000000000000000000000000000000000000000\r\nmaster_repl_offset:0\r\n"
         "second_repl_offset:-1\r\nrepl_backlog_active:0\r\nrepl_backlog_size:1048576\r\n"
         "repl_backlog_first_byte_offset:0\r\nrepl_backlog_histlen:0\r\n";
}

// used_cpu_*_main_thread: the thread answering INFO (every thread is a main thread here).
void CpuSection(std::string& out) {
  rusage self{}, children{}, thread{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  getrusage(RUSAGE_THREAD, &thread);
  auto secs = [](const timeval& tv) {
    return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6;
  };
  out += "# CPU\r\n";
  out += fmt::format("used_cpu_sys:{:.6f}\r\nused_cpu_user:{:.6f}\r\n", secs(self.ru_stime),
                     secs(self.ru_utime));
  out += fmt::format("used_cpu_sys_children:{:.6f}\r\nused_cpu_user_children:{:.6f}\r\n",
                     secs(children.ru_stime), secs(children.ru_utime));
  out += fmt::format("used_cpu_sys_main_thread:{:.6f}\r\nused_cpu_user_main_thread:{:.6f}\r\n",
                     secs(thread.ru_stime), secs(thread.ru_utime));
}

void ErrorStatsSection(CommandContext& ctx, std::string& out) {
  Engine& eng = ctx.engine();
  std::map<std::string, int64_t> merged;
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    engine::WorkerStats& st = eng.worker(i).stats();
    std::lock_guard lock(st.errors_mu);
    for (const auto& [prefix, n] : st.errors) merged[prefix] += n;
  }
  out += "# Errorstats\r\n";
  for (const auto& [prefix, n] : merged) out += fmt::format("errorstat_{}:count={}\r\n", prefix, n);
}

// Every command and subcommand, in the registry's order.
std::vector<const engine::CommandEntry*> AllCommands(Engine& eng) {
  std::vector<const engine::CommandEntry*> all;
  for (const engine::CommandEntry* c : eng.registry().commands()) {
    all.push_back(c);
    for (const engine::CommandEntry* sub : c->subcommands) all.push_back(sub);
  }
  return all;
}

void CommandStatsSection(CommandContext& ctx, std::string& out) {
  Engine& eng = ctx.engine();
  out += "# Commandstats\r\n";
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
    out += fmt::format(
        "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},failed_calls={}\r\n",
        c->name, calls, usec,
        calls > 0 ? static_cast<double>(usec) / static_cast<double>(calls) : 0.0, rejected, failed);
  }
}

// latency_percentiles_usec_<command>:p50=...,p99=... over every thread's histogram.
void LatencyStatsSection(CommandContext& ctx, std::string& out) {
  Engine& eng = ctx.engine();
  out += "# Latencystats\r\n";
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
    out += fmt::format("latency_percentiles_usec_{}:", c->name);
    bool first = true;
    for (double p : ctx.config().latency_tracking_percentiles) {
      out += fmt::format("{}p{}={:.3f}", first ? "" : ",", engine::FormatPercentile(p),
                         static_cast<double>(base::ValueAtPercentile(counts, p)) / 1000);
      first = false;
    }
    out += "\r\n";
  }
}

void KeyspaceSection(CommandContext& ctx, std::string& out) {
  Engine& eng = ctx.engine();
  out += "# Keyspace\r\n";
  for (int d = 0; d < ctx.config().databases; ++d) {
    int64_t keys = 0, expires = 0, ttl_sum = 0, ttl_shards = 0;
    for (unsigned s = 0; s < eng.shard_count(); ++s) {
      engine::Database& db = eng.shard(s).db(d);
      keys += static_cast<int64_t>(db.size());
      expires += static_cast<int64_t>(db.volatile_count());
      if (db.avg_ttl > 0) {
        ttl_sum += db.avg_ttl;
        ++ttl_shards;
      }
    }
    if (keys == 0) continue;
    out += fmt::format("db{}:keys={},expires={},avg_ttl={}\r\n", d, keys, expires,
                       ttl_shards > 0 ? ttl_sum / ttl_shards : 0);
  }
}

// INFO [section [section ...]]
void Info(CommandContext& ctx) {
  std::set<std::string> wanted;
  for (size_t i = 1; i < ctx.argc(); ++i) wanted.insert(base::ToLower(ctx.arg(i)));
  bool all = wanted.count("all") || wanted.count("everything");
  bool deflt = wanted.empty() || wanted.count("default") || all;
  auto want = [&](const char* name, bool in_default) {
    return wanted.count(name) > 0 || (in_default && deflt) || all;
  };
  std::string out;
  auto section = [&](auto fn) {
    if (!out.empty()) out += "\r\n";
    fn();
  };
  if (want("server", true)) section([&] { ServerSection(ctx, out); });
  if (want("clients", true)) section([&] { ClientsSection(ctx, out); });
  if (want("memory", true)) section([&] { MemorySection(ctx, out); });
  if (want("persistence", true)) section([&] { PersistenceSection(ctx, out); });
  if (want("stats", true)) section([&] { StatsSection(ctx, out); });
  if (want("replication", true)) section([&] { ReplicationSection(ctx, out); });
  if (want("cpu", true)) section([&] { CpuSection(out); });
  if (want("modules", true)) section([&] { out += "# Modules\r\n"; });  // none loaded
  if (want("commandstats", false)) section([&] { CommandStatsSection(ctx, out); });
  if (want("errorstats", true)) section([&] { ErrorStatsSection(ctx, out); });
  if (want("latencystats", false)) section([&] { LatencyStatsSection(ctx, out); });
  if (want("cluster", true)) section([&] { out += "# Cluster\r\ncluster_enabled:0\r\n"; });
  if (want("keyspace", true)) section([&] { KeyspaceSection(ctx, out); });
  ctx.reply().Verbatim(out);
}

using engine::CommandSpec;

constexpr CommandSpec kInfoCommands[] = {
    {.name = "INFO", .arity = -1, .flags = engine::kLoading | engine::kStale | engine::kAllShards,
     .handler = Info, .acl = engine::kAclDangerous,
     .summary = "Returns information and statistics about the server.", .since = "1.0.0",
     .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
};

}  // namespace

void RegisterInfoFamily(engine::Registry* r) { r->AddFamily(0, "server", kInfoCommands); }

}  // namespace cinnabar::commands

// MEMORY USAGE | STATS | DOCTOR | PURGE | MALLOC-STATS | HELP: the allocator's accounting, as Redis
// 7.0 reports it (the numbers shared with INFO memory: memory_overview.h).

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "base/memory.h"
#include "commands/arg_parser.h"
#include "commands/args.h"
#include "commands/families.h"
#include "commands/memory_overview.h"
#include "commands/script_runtime.h"
#include "core/value_ops.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
namespace errors = protocol::errors;

// Redis compat: MEMORY USAGE samples 5 elements unless told otherwise.
constexpr int64_t kDefaultSamples = 5;

// MEMORY USAGE key [SAMPLES count] The entry's bytes plus its value's, from the allocator's usable
// sizes (core/value_ops.h); a large collection is estimated from `count` elements (default 5; 0
// measures them all).
void MemoryUsage(CommandContext& ctx) {
  int64_t samples = kDefaultSamples;
  ArgParser p(ctx.args(), 3);
  while (p.HasNext()) {
    if (p.Check("SAMPLES", 1)) {
      samples = p.NextInt64(0, INT64_MAX, errors::kSyntax);  // Redis compat: <0 is a syntax error
    } else {
      p.Fail(errors::kSyntax);
    }
  }
  if (!p.Finalize()) return ctx.ReplyError(p.error());
  engine::Database::Ref ref = ctx.db().FindNoTouch(ctx.arg(2));
  if (!ref) return ctx.reply().Null();
  size_t bytes = ref.entry->AllocatedBytes() +
                 core::ValueAllocatedBytes(ref.entry->value(), static_cast<size_t>(samples));
  ctx.reply().Integer(static_cast<int64_t>(bytes));
}

// MEMORY STATS
void MemoryStats(CommandContext& ctx) {
  MemoryOverview m = ComputeMemoryOverview(ctx.engine());
  protocol::ReplyBuilder& rb = ctx.reply();
  auto integer = [&rb](std::string_view name, int64_t v) {
    rb.Bulk(name);
    rb.Integer(v);
  };
  auto real = [&rb](std::string_view name, double v) {
    rb.Bulk(name);
    rb.Double(v);
  };
  rb.MapHeader(27 + m.dbs.size());
  integer("peak.allocated", m.peak);
  integer("total.allocated", m.used);
  integer("startup.allocated", m.startup);
  integer("replication.backlog", 0);
  integer("clients.slaves", 0);
  integer("clients.normal", m.clients_normal);
  integer("cluster.links", 0);
  integer("aof.buffer", 0);
  const ScriptMemory sm = MeasureScriptMemory(ctx.engine());
  integer("lua.caches", static_cast<int64_t>(sm.scripts_eval));
  integer("functions.caches", static_cast<int64_t>(sm.functions));
  for (const MemoryOverview::Db& db : m.dbs) {
    rb.Bulk(fmt::format("db.{}", db.index));
    rb.MapHeader(3);
    integer("overhead.hashtable.main", db.main_table);
    integer("overhead.hashtable.expires", db.expires_table);
    integer("overhead.hashtable.slot-to-keys", 0);  // cluster mode only
  }
  integer("overhead.total", m.overhead);
  integer("keys.count", m.keys);
  integer("keys.bytes-per-key", m.keys > 0 ? m.net() / m.keys : 0);
  integer("dataset.bytes", m.dataset);
  real("dataset.percentage", m.dataset_percentage());
  real("peak.percentage", m.peak_percentage());
  integer("allocator.allocated", m.used);
  integer("allocator.active", m.allocator_active);
  integer("allocator.resident", m.rss);
  real("allocator-fragmentation.ratio", m.allocator_fragmentation());
  integer("allocator-fragmentation.bytes", m.allocator_fragmentation_bytes());
  real("allocator-rss.ratio", m.allocator_rss());
  integer("allocator-rss.bytes", m.allocator_rss_bytes());
  real("rss-overhead.ratio", 1.0);
  integer("rss-overhead.bytes", 0);
  real("fragmentation", m.fragmentation());
  integer("fragmentation.bytes", m.fragmentation_bytes());
}

// Redis compat: MEMORY DOCTOR's texts, word for word.
constexpr std::string_view kDoctorEmpty =
    "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be "
    "used in these conditions. Please, leave for your mission on Earth and fill it with some "
    "data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n";
constexpr std::string_view kDoctorFine =
    "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs "
    "on this base.\n";
constexpr std::string_view kDoctorIntro =
    "Sam, I detected a few issues in this Redis instance memory implants:\n\n";
constexpr std::string_view kDoctorOutro = "I'm here to keep you safe, Sam. I want to help you.\n";
constexpr std::string_view kDoctorPeak =
    " * Peak memory: In the past this instance used more than 150% the memory that is currently "
    "using. The allocator is normally not able to release memory after a peak, so you can expect "
    "to see a big fragmentation ratio, however this is actually harmless and is only due to the "
    "memory peak, and if the Redis instance Resident Set Size (RSS) is currently bigger than "
    "expected, the memory will be used as soon as you fill the Redis instance with more data. If "
    "the memory peak was only occasional and you want to try to reclaim memory, please try the "
    "MEMORY PURGE command, otherwise the only other option is to shutdown and restart the "
    "instance.\n\n";
constexpr std::string_view kDoctorHighRss =
    " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than "
    "1.4 (this means that the Resident Set Size of the Redis process is much larger than the sum "
    "of the logical allocations Redis performed). This problem is usually due either to a large "
    "peak memory (check if there is a peak memory entry above in the report) or may result from a "
    "workload that causes the allocator to fragment memory a lot. If the problem is a large peak "
    "memory, then there is no issue. Otherwise, make sure you are using the Jemalloc allocator "
    "and not the default libc malloc. Note: The currently used allocator is \"";
constexpr std::string_view kDoctorHighRssEnd = "\".\n\n";
constexpr std::string_view kDoctorAllocatorFrag =
    " * High allocator fragmentation: This instance has an allocator external fragmentation "
    "greater than 1.1. This problem is usually due either to a large peak memory (check if there "
    "is a peak memory entry above in the report) or may result from a workload that causes the "
    "allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n";
constexpr std::string_view kDoctorAllocatorRss =
    " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 "
    "(this means that the Resident Set Size of the allocator is much larger than the sum what the "
    "allocator actually holds). This problem is usually due to a large peak memory (check if "
    "there is a peak memory entry above in the report), you can try the MEMORY PURGE command to "
    "reclaim it.\n\n";

// Redis's getMemoryDoctorReport's checks, on our numbers. The process RSS is the allocator's, so
// "high process RSS overhead" cannot occur; client buffers and the script cache are not measured
// yet, so their reports do not either.
std::string DoctorReport(const MemoryOverview& m) {
  constexpr int64_t k10Mb = 10 << 20;
  if (m.used < 5 * 1024 * 1024) return std::string(kDoctorEmpty);
  std::string issues;
  if (static_cast<double>(m.peak) / static_cast<double>(m.used) > 1.5) issues += kDoctorPeak;
  if (m.fragmentation() > 1.4 && m.fragmentation_bytes() > k10Mb) {
    issues += kDoctorHighRss;
    issues += base::AllocatorName();
    issues += kDoctorHighRssEnd;
  }
  if (m.allocator_fragmentation() > 1.1 && m.allocator_fragmentation_bytes() > k10Mb) {
    issues += kDoctorAllocatorFrag;
  }
  if (m.allocator_rss() > 1.1 && m.allocator_rss_bytes() > k10Mb) issues += kDoctorAllocatorRss;
  if (issues.empty()) return std::string(kDoctorFine);
  return std::string(kDoctorIntro) + issues + std::string(kDoctorOutro);
}

// MEMORY DOCTOR
void MemoryDoctor(CommandContext& ctx) {
  ctx.reply().Verbatim(DoctorReport(ComputeMemoryOverview(ctx.engine())));
}

// MEMORY PURGE: every worker thread returns its allocator's free pages to the OS. This thread
// purges now; the others do as soon as their loops reach the task, so the reply does not wait for
// them (and PURGE works inside MULTI and scripts, which cannot wait).
void MemoryPurge(CommandContext& ctx) {
  engine::Engine& eng = ctx.engine();
  unsigned here = ctx.worker().index();
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    if (i != here) eng.Post(i, [] { base::PurgeThreadMemory(); });
  }
  base::PurgeThreadMemory();
  ctx.reply().Ok();
}

// MEMORY MALLOC-STATS
void MemoryMallocStats(CommandContext& ctx) { ctx.reply().Verbatim(base::AllocatorStatsText()); }

void MemoryHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return memory problems reports.",
      "MALLOC-STATS",
      "    Return internal statistics report from the memory allocator.",
      "PURGE",
      "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS",
      "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kAllShards;
using engine::kLoading;
using engine::kReadOnly;
using engine::kStale;

namespace key_specs = engine::key_specs;

constexpr CommandSpec kMemorySubcommands[] = {
    {.name = "DOCTOR", .arity = 2, .flags = kAllShards, .handler = MemoryDoctor,
     .summary = "Outputs a memory problems report.", .since = "4.0.0", .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
    {.name = "MALLOC-STATS", .arity = 2, .handler = MemoryMallocStats,
     .summary = "Returns the allocator statistics.", .since = "4.0.0",
     .complexity = "Depends on how much memory is allocated, could be slow",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
    {.name = "PURGE", .arity = 2, .handler = MemoryPurge,
     .summary = "Asks the allocator to release memory.", .since = "4.0.0",
     .complexity = "Depends on how much memory is allocated, could be slow",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "STATS", .arity = 2, .flags = kAllShards, .handler = MemoryStats,
     .summary = "Returns details about memory usage.", .since = "4.0.0", .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_shards response_policy:special"},
    {.name = "USAGE", .arity = -3, .flags = kReadOnly, .keys = {2, 2, 1},
     .handler = MemoryUsage, .summary = "Estimates the memory usage of a key.",
     .since = "4.0.0", .complexity = "O(N) where N is the number of samples.",
     .key_specs = key_specs::kSecondRo},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = MemoryHelp,
     .summary = "Returns helpful text about the different subcommands.", .since = "4.0.0",
     .complexity = "O(1)"},
};

constexpr CommandSpec kMemoryCommands[] = {
    {.name = "MEMORY", .arity = -2, .subcommands = kMemorySubcommands,
     .summary = "A container for memory diagnostics commands.", .since = "4.0.0",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterMemoryFamily(engine::Registry* r) { r->AddFamily(0, "server", kMemoryCommands); }

}  // namespace cinnabar::commands

// LATENCY LATEST | HISTORY event | RESET [event ...] | GRAPH event | DOCTOR |
// HISTOGRAM [command ...] | HELP: the latency monitor's spikes (engine/latency_monitor.h)
// and the per-command latency histograms of latency-tracking (engine/worker.h).
#include <string_view>
#include <vector>

#include "base/latency_histogram.h"
#include "base/memory.h"
#include "commands/args.h"
#include "commands/families.h"
#include "commands/latency_report.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/latency_monitor.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
using engine::LatencySeries;

int64_t NowSeconds() { return base::UnixTimeMs() / 1000; }

engine::LatencyMonitor& Monitor(CommandContext& ctx) { return ctx.engine().latency_monitor(); }

// LATENCY LATEST: [event, time of its newest sample, that sample, the largest ever] each.
void LatencyLatest(CommandContext& ctx) {
  const LatencyEvents events = Monitor(ctx).Events();
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.ArrayHeader(events.size());
  for (const auto& [event, series] : events) {
    rb.ArrayHeader(4);
    rb.Bulk(event);
    rb.Integer(series.Latest().unix_seconds);
    rb.Integer(series.Latest().ms);
    rb.Integer(series.max_ms);
  }
}

// LATENCY HISTORY event: [time, ms] of each sample, oldest first (none for an unknown event).
void LatencyHistory(CommandContext& ctx) {
  LatencySeries series;
  std::vector<engine::LatencySample> samples;
  if (Monitor(ctx).Find(ctx.arg(2), &series)) samples = series.Samples();
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.ArrayHeader(samples.size());
  for (const engine::LatencySample& s : samples) {
    rb.ArrayHeader(2);
    rb.Integer(s.unix_seconds);
    rb.Integer(s.ms);
  }
}

// LATENCY RESET [event ...]: how many events were forgotten.
void LatencyReset(CommandContext& ctx) {
  int resets = 0;
  if (ctx.argc() == 2) {
    resets = Monitor(ctx).Reset(nullptr);
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      const std::string_view event = ctx.arg(i);
      resets += Monitor(ctx).Reset(&event);
    }
  }
  ctx.reply().Integer(resets);
}

// LATENCY GRAPH event
void LatencyGraph(CommandContext& ctx) {
  LatencySeries series;
  if (!Monitor(ctx).Find(ctx.arg(2), &series)) {
    return ctx.ReplyError(protocol::errors::NoLatencySamples(ctx.arg(2)));
  }
  ctx.reply().Verbatim(commands::LatencyGraph(ctx.arg(2), series, NowSeconds()));
}

// LATENCY DOCTOR
void LatencyDoctor(CommandContext& ctx) {
  const engine::ServerConfig& cfg = ctx.config();
  const DoctorInputs in{
      .now_seconds = NowSeconds(),
      .threshold_ms = cfg.latency_monitor_threshold,
      .slowlog_slower_than_us = cfg.slowlog_log_slower_than,
      .hz = cfg.hz,
      .fsync_always = cfg.appendfsync == engine::ServerConfig::Fsync::kAlways,
      .anon_huge_pages = base::AnonHugePagesBytes() > 0,
  };
  ctx.reply().Verbatim(commands::LatencyDoctor(Monitor(ctx).Events(), in));
}

// Every thread's histogram of `cmd` merged; false when it has none (never timed, or reset).
bool MergedCounts(engine::Engine& eng, const engine::CommandEntry& cmd,
                  base::LatencyHistogram::Counts* counts) {
  counts->assign(base::LatencyHistogram::kCountsLen, 0);
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    const auto* h = eng.worker(i).stats().commands[cmd.id].latency.load(std::memory_order_acquire);
    if (h != nullptr) h->AddTo(counts);
  }
  return base::TotalCount(*counts) > 0;
}

struct CommandHistogram {
  const engine::CommandEntry* cmd;
  int64_t calls;
  std::vector<base::CumulativeBucket> buckets;
};

// `cmd`'s histogram if it has one, then each of its subcommands'.
void Collect(engine::Engine& eng, const engine::CommandEntry& cmd,
             std::vector<CommandHistogram>* out) {
  base::LatencyHistogram::Counts counts;
  if (MergedCounts(eng, cmd, &counts)) {
    out->push_back({&cmd, base::TotalCount(counts), base::PowerOfTwoBuckets(counts)});
  }
  for (const engine::CommandEntry* sub : cmd.subcommands) Collect(eng, *sub, out);
}

// LATENCY HISTOGRAM [command ...]: {name: {calls, histogram_usec: {usec: count up to it}}}
// for the named commands ("config|set" for a subcommand; a container stands for its
// subcommands; unknown names are left out), every command with data when none is named.
void LatencyHistogram(CommandContext& ctx) {
  engine::Engine& eng = ctx.engine();
  std::vector<CommandHistogram> found;
  if (ctx.argc() == 2) {
    for (const engine::CommandEntry* c : eng.registry().commands()) Collect(eng, *c, &found);
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (const engine::CommandEntry* c = eng.registry().Find(ctx.arg(i))) Collect(eng, *c, &found);
    }
  }
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.MapHeader(found.size());
  for (const CommandHistogram& h : found) {
    rb.Bulk(h.cmd->name);
    rb.MapHeader(2);
    rb.Bulk("calls");
    rb.Integer(h.calls);
    rb.Bulk("histogram_usec");
    rb.MapHeader(h.buckets.size());
    for (const base::CumulativeBucket& b : h.buckets) {
      rb.Integer(b.highest / 1000);
      rb.Integer(b.cumulative);
    }
  }
}

void LatencyHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR",
      "    Return a human readable latency analysis report.",
      "GRAPH <event>",
      "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>",
      "    Return time-latency samples for the <event> class.",
      "LATEST",
      "    Return the latest latency samples for all events.",
      "RESET [<event> ...]",
      "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the "
      "specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kAdmin;
using engine::kLoading;
using engine::kNoScript;
using engine::kStale;

constexpr uint32_t kLatencyFlags = kAdmin | kNoScript | kLoading | kStale;

constexpr CommandSpec kLatencySubcommands[] = {
    {.name = "DOCTOR", .arity = 2, .flags = kLatencyFlags, .handler = LatencyDoctor,
     .summary = "Return a human readable latency analysis report.", .since = "2.8.13",
     .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {.name = "GRAPH", .arity = 3, .flags = kLatencyFlags, .handler = LatencyGraph,
     .summary = "Return a latency graph for the event.", .since = "2.8.13",
     .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {.name = "HISTORY", .arity = 3, .flags = kLatencyFlags, .handler = LatencyHistory,
     .summary = "Return timestamp-latency samples for the event.", .since = "2.8.13",
     .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {.name = "LATEST", .arity = 2, .flags = kLatencyFlags, .handler = LatencyLatest,
     .summary = "Return the latest latency samples for all events.", .since = "2.8.13",
     .complexity = "O(1)",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {.name = "RESET", .arity = -2, .flags = kLatencyFlags, .handler = LatencyReset,
     .summary = "Reset latency data for one or more events.", .since = "2.8.13",
     .complexity = "O(1)",
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    {.name = "HISTOGRAM", .arity = -2, .flags = kLatencyFlags, .handler = LatencyHistogram,
     .summary = "Return the cumulative distribution of latencies of a subset of commands or all.",
     .since = "7.0.0",
     .complexity =
         "O(N) where N is the number of commands with latency information being retrieved.",
     .tips = "nondeterministic_output request_policy:all_nodes response_policy:special"},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = LatencyHelp,
     .summary = "Show helpful text about the different subcommands.", .since = "2.8.13",
     .complexity = "O(1)"},
};

constexpr CommandSpec kLatencyCommands[] = {
    {.name = "LATENCY", .arity = -2, .subcommands = kLatencySubcommands,
     .summary = "A container for latency diagnostics commands", .since = "2.8.13",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterLatencyFamily(engine::Registry* r) { r->AddFamily(0, "server", kLatencyCommands); }

}  // namespace cinnabar::commands

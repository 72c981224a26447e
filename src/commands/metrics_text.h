// The Prometheus text exposition (format 0.0.4) of INFO's sections (commands/info_sections.h)
// and of the per-command latency histograms latencystats reads, for GET /metrics.
//
// Naming: every numeric INFO field becomes `cinnabar_<field>`, in base units (bytes,
// seconds, ratios), counters ending in `_total` (a leading `total_` moves there); text
// fields of the server section become labels of `cinnabar_server_info 1`. Compound lines
// become labelled series: keyspace `cinnabar_db_keys{db="0"}`, errorstats
// `cinnabar_errors_total{error="ERR"}`, commandstats `cinnabar_commands_total{cmd="get"}`,
// `cinnabar_commands_duration_seconds_total`, `cinnabar_commands_rejected_calls_total`,
// `cinnabar_commands_failed_calls_total`; latency histograms
// `cinnabar_command_duration_seconds{cmd="get",le="..."}`.
//
// Threading: FormatMetrics is pure; GatherMetrics as GatherInfo (every shard held).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/info_section.h"
#include "base/latency_histogram.h"

namespace cinnabar::engine {
class Engine;
struct ServerConfig;
}  // namespace cinnabar::engine

namespace cinnabar::commands {

// One command's latency histogram, merged over every thread (values in nanoseconds).
struct CommandHistogram {
  std::string cmd;
  base::LatencyHistogram::Counts counts;
};

// The histogram's `le` bounds, in nanoseconds: 1024 ns doubling up to about 1 s (the
// steps LATENCY HISTOGRAM reports), then +Inf.
std::vector<int64_t> HistogramBoundsNs();

// The exposition name of a plain INFO field of this kind and unit ("used_memory", bytes ->
// "cinnabar_used_memory_bytes"), and the factor from INFO's unit to the base unit.
std::string MetricName(std::string_view field, base::InfoKind kind, base::InfoUnit unit);
double ToBaseUnit(double value, base::InfoUnit unit);

std::string FormatMetrics(const std::vector<base::InfoSection>& sections,
                          const std::vector<CommandHistogram>& histograms);

// Every section INFO everything prints and every tracked command's histogram, formatted.
std::string GatherMetrics(engine::Engine& eng, const engine::ServerConfig& cfg);

}  // namespace cinnabar::commands

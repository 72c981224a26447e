#include "commands/metrics_text.h"

#include <fmt/format.h>

#include <set>
#include <unordered_map>

#include "commands/info_sections.h"
#include "engine/engine.h"
#include "engine/registry.h"
#include "engine/worker.h"

namespace cinnabar::commands {
namespace {

using base::InfoKind;
using base::InfoUnit;

constexpr std::string_view kPrefix = "cinnabar_";

bool StripSuffix(std::string* s, std::string_view suffix) {
  if (s->size() > suffix.size() && s->ends_with(suffix)) {
    s->resize(s->size() - suffix.size());
    return true;
  }
  return false;
}

void StripAny(std::string* s, std::initializer_list<std::string_view> suffixes) {
  for (std::string_view x : suffixes) {
    if (StripSuffix(s, x)) return;
  }
}

std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

// Prometheus' float syntax: shortest round-trip form, +Inf/-Inf/NaN spelled its way.
std::string FormatValue(double v) {
  if (v != v) return "NaN";
  if (v == std::numeric_limits<double>::infinity()) return "+Inf";
  if (v == -std::numeric_limits<double>::infinity()) return "-Inf";
  return fmt::format("{}", v);
}

// The families in first-seen order; each one's samples stay together, as the format needs.
class Exposition {
 public:
  // Adds a sample; a family whose name is taken by another type, or a series seen before,
  // is skipped (two INFO fields that would share a name).
  void Sample(const std::string& name, std::string_view type, std::string_view help,
              std::string_view labels, double value, std::string_view suffix = "") {
    auto [it, added] = index_.try_emplace(name, families_.size());
    if (added) families_.push_back(Family{name, std::string(type), std::string(help), {}});
    Family& f = families_[it->second];
    if (f.type != type) return;
    std::string series = name;
    series += suffix;
    if (!labels.empty()) series.append("{").append(labels).append("}");
    if (!seen_.insert(series).second) return;
    f.samples.append(series).append(" ").append(FormatValue(value)).append("\n");
  }

  std::string Text() const {
    std::string out;
    for (const Family& f : families_) {
      out.append("# HELP ").append(f.name).append(" ").append(f.help).append("\n");
      out.append("# TYPE ").append(f.name).append(" ").append(f.type).append("\n");
      out.append(f.samples);
    }
    return out;
  }

 private:
  struct Family {
    std::string name, type, help, samples;
  };
  std::vector<Family> families_;
  std::unordered_map<std::string, size_t> index_;
  std::set<std::string> seen_;
};

std::string_view TypeOf(InfoKind kind) { return kind == InfoKind::kCounter ? "counter" : "gauge"; }

// The base name of a value inside a compound line, or empty to leave it out.
std::string CompoundBase(std::string_view section, std::string_view key) {
  if (section == "keyspace") return "db_" + std::string(key);
  if (section == "errorstats") return key == "count" ? "errors" : "";
  if (section == "commandstats") {
    if (key == "calls") return "commands";
    if (key == "usec") return "commands_duration";
    if (key == "rejected_calls" || key == "failed_calls") return "commands_" + std::string(key);
    return "";  // usec_per_call: a ratio of the two above
  }
  if (section == "latencystats") return "";  // the histograms carry it
  return std::string(section) + "_" + std::string(key);
}

void AddServerInfo(const base::InfoSection& s, Exposition* e) {
  std::string labels;
  for (const base::InfoLine& line : s.lines()) {
    if (line.compound || line.values.empty() || line.values[0].kind != InfoKind::kText) continue;
    if (line.name == "uptime_in_days") continue;  // a number, exported as uptime_seconds
    if (!labels.empty()) labels += ',';
    labels += fmt::format("{}=\"{}\"", line.name, EscapeLabel(line.values[0].text));
  }
  e->Sample(std::string(kPrefix) + "server_info", "gauge",
            "The text fields of INFO server, as labels.", labels, 1);
}

void AddSection(const base::InfoSection& s, Exposition* e) {
  if (s.id() == "server") AddServerInfo(s, e);
  for (const base::InfoLine& line : s.lines()) {
    for (const base::InfoValue& v : line.values) {
      if (v.kind == InfoKind::kText) continue;
      std::string base = line.compound ? CompoundBase(s.id(), v.key) : v.key;
      if (base.empty()) continue;
      std::string labels;
      std::string help;
      if (line.compound) {
        labels = fmt::format("{}=\"{}\"", line.label_key, EscapeLabel(line.label_value));
        help = fmt::format("INFO {} field {} of each {}.", s.id(), v.key, line.label_key);
      } else {
        help = fmt::format("INFO {} field {}.", s.id(), v.key);
      }
      e->Sample(MetricName(base, v.kind, v.unit), TypeOf(v.kind), help, labels,
                ToBaseUnit(v.number, v.unit));
    }
  }
}

void AddHistogram(const CommandHistogram& h, const std::vector<int64_t>& bounds, Exposition* e) {
  using H = base::LatencyHistogram;
  const std::string name = std::string(kPrefix) + "command_duration_seconds";
  const std::string_view help = "Latency of each command (latency-tracking), from its histogram.";
  const std::string cmd = EscapeLabel(h.cmd);
  size_t i = 0;
  int64_t cumulative = 0;
  double sum_ns = 0;
  for (int64_t le : bounds) {
    for (; i < h.counts.size() && H::HighestAt(i) <= le; ++i) {
      cumulative += h.counts[i];
      sum_ns += static_cast<double>(h.counts[i]) *
                (static_cast<double>(H::LowestAt(i)) + static_cast<double>(H::HighestAt(i))) / 2;
    }
    e->Sample(name, "histogram", help,
              fmt::format("cmd=\"{}\",le=\"{}\"", cmd, FormatValue(static_cast<double>(le) / 1e9)),
              static_cast<double>(cumulative), "_bucket");
  }
  for (; i < h.counts.size(); ++i) {
    cumulative += h.counts[i];
    sum_ns += static_cast<double>(h.counts[i]) *
              (static_cast<double>(H::LowestAt(i)) + static_cast<double>(H::HighestAt(i))) / 2;
  }
  e->Sample(name, "histogram", help, fmt::format("cmd=\"{}\",le=\"+Inf\"", cmd),
            static_cast<double>(cumulative), "_bucket");
  e->Sample(name, "histogram", help, fmt::format("cmd=\"{}\"", cmd), sum_ns / 1e9, "_sum");
  e->Sample(name, "histogram", help, fmt::format("cmd=\"{}\"", cmd),
            static_cast<double>(cumulative), "_count");
}

}  // namespace

std::vector<int64_t> HistogramBoundsNs() {
  std::vector<int64_t> out;
  for (int64_t le = 1024; le <= base::LatencyHistogram::kMaxValue * 2; le *= 2) out.push_back(le);
  return out;
}

std::string MetricName(std::string_view field, InfoKind kind, InfoUnit unit) {
  std::string n(field);
  if (kind == InfoKind::kCounter && n.starts_with("total_")) n.erase(0, 6);
  switch (unit) {
    case InfoUnit::kNone:
      break;
    case InfoUnit::kBytes:
      StripSuffix(&n, "_bytes");
      n += "_bytes";
      break;
    case InfoUnit::kSeconds:
      StripAny(&n, {"_in_seconds", "_seconds", "_sec"});
      n += "_seconds";
      break;
    case InfoUnit::kMilliseconds:
      StripAny(&n, {"_milliseconds", "_msec", "_ms"});
      n += "_seconds";
      break;
    case InfoUnit::kMicroseconds:
    case InfoUnit::kUnixMicroseconds:
      StripAny(&n, {"_microseconds", "_usec", "_us"});
      n += "_seconds";
      break;
    case InfoUnit::kUnixSeconds:
      n += "_seconds";
      break;
    case InfoUnit::kPercent:
      StripAny(&n, {"_percentage", "_perc"});
      n += "_ratio";
      break;
    case InfoUnit::kKilobytesPerSecond:
      StripSuffix(&n, "_kbps");
      n += "_bytes_per_second";
      break;
  }
  if (StripSuffix(&n, "_per_sec")) n += "_per_second";  // no abbreviated units
  // Only a counter ends in _total (current_save_keys_total is a gauge).
  StripSuffix(&n, "_total");
  if (kind == InfoKind::kCounter) n += "_total";
  return std::string(kPrefix) + n;
}

double ToBaseUnit(double value, InfoUnit unit) {
  switch (unit) {
    case InfoUnit::kMilliseconds:
      return value / 1e3;
    case InfoUnit::kMicroseconds:
    case InfoUnit::kUnixMicroseconds:
      return value / 1e6;
    case InfoUnit::kPercent:
      return value / 100;
    case InfoUnit::kKilobytesPerSecond:
      return value * 1024;
    default:
      return value;
  }
}

std::string FormatMetrics(const std::vector<base::InfoSection>& sections,
                          const std::vector<CommandHistogram>& histograms) {
  Exposition e;
  for (const base::InfoSection& s : sections) AddSection(s, &e);
  const std::vector<int64_t> bounds = HistogramBoundsNs();
  for (const CommandHistogram& h : histograms) AddHistogram(h, bounds, &e);
  return e.Text();
}

std::string GatherMetrics(engine::Engine& eng, const engine::ServerConfig& cfg) {
  std::vector<CommandHistogram> histograms;
  for (const engine::CommandEntry* c : AllCommands(eng)) {
    CommandHistogram h{.cmd = c->name, .counts = {}};
    bool tracked = false;
    for (unsigned i = 0; i < eng.shard_count(); ++i) {
      const auto* lat = eng.worker(i).stats().commands[c->id].latency.load(std::memory_order_acquire);
      if (lat == nullptr) continue;
      lat->AddTo(&h.counts);
      tracked = true;
    }
    if (tracked && base::TotalCount(h.counts) > 0) histograms.push_back(std::move(h));
  }
  return FormatMetrics(GatherInfo(eng, cfg, InfoSelection::Everything()), histograms);
}

}  // namespace cinnabar::commands

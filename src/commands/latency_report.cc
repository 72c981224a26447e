#include "commands/latency_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <span>
#include <vector>

namespace cinnabar::commands {
namespace {

constexpr size_t kGraphColumns = 80;
constexpr int kGraphRows = 4;
constexpr std::string_view kFill = "_o#";  // the levels within one row, lowest first

struct Column {
  int64_t value;
  std::string label;
};

// "12s", "3m", "5h", "2d": how long ago, in the largest unit that fits.
std::string AgoLabel(int64_t elapsed) {
  if (elapsed < 60) return fmt::format("{}s", elapsed);
  if (elapsed < 3600) return fmt::format("{}m", elapsed / 60);
  if (elapsed < 3600 * 24) return fmt::format("{}h", elapsed / 3600);
  return fmt::format("{}d", elapsed / (3600 * 24));
}

// One block of at most kGraphColumns columns. Redis compat (sparklineRenderRange): each
// value's height is its share of the range between the lowest and highest of all samples,
// in kGraphRows * 3 steps; a row shows the step's level when the step ends in it and '|'
// when it is higher. After a blank line the labels run downwards, one character a row.
void RenderBlock(std::span<const Column> cols, int64_t min, int64_t max, std::string* out) {
  const int steps = kGraphRows * static_cast<int>(kFill.size());
  const double range = max == min ? 1.0 : static_cast<double>(max - min);
  std::string row(cols.size(), ' ');
  for (int r = 0; r < kGraphRows; ++r) {
    for (size_t i = 0; i < cols.size(); ++i) {
      // The product is truncated before the division, as Redis's expression does.
      const auto scaled = static_cast<int64_t>((cols[i].value - min) * steps);
      int step = static_cast<int>(static_cast<double>(scaled) / range);
      step = std::clamp(step, 0, steps - 1);
      const int level = step - (kGraphRows - r - 1) * static_cast<int>(kFill.size());
      if (level < 0) {
        row[i] = ' ';
      } else if (level < static_cast<int>(kFill.size())) {
        row[i] = kFill[static_cast<size_t>(level)];
      } else {
        row[i] = '|';
      }
    }
    *out += row;
    *out += '\n';
  }
  *out += std::string(cols.size(), ' ');
  *out += '\n';
  for (size_t at = 0;; ++at) {
    bool any = false;
    for (size_t i = 0; i < cols.size(); ++i) {
      any |= at < cols[i].label.size();
      row[i] = at < cols[i].label.size() ? cols[i].label[at] : ' ';
    }
    if (!any) break;
    *out += row;
    *out += '\n';
  }
}

// What the report advises, in the order it prints the advice.
struct Advice {
  bool slowlog_enable = false;
  bool slowlog_tune = false;
  bool slowlog_inspect = false;
  bool scheduler = false;
  bool local_disk = false;
  bool ssd = false;
  bool writeback = false;
  bool disk_contention = false;
  bool no_fsync_on_rewrite = false;
  bool relax_fsync = false;
  bool hz = false;
  bool large_objects = false;
  bool mass_eviction = false;
  bool thp = false;
  int count = 0;  // Redis counts some advice that it may not print in the end
};

// Redis compat (createLatencyReport): which events call for which advice.
void AdviseFor(std::string_view event, const DoctorInputs& in, Advice* a) {
  if (event == "command") {
    if (in.slowlog_slower_than_us < 0) {
      a->slowlog_enable = true;
      ++a->count;
    } else if (in.slowlog_slower_than_us / 1000 > in.threshold_ms) {
      a->slowlog_tune = true;
      ++a->count;
    }
    a->slowlog_inspect = a->large_objects = true;
    a->count += 2;
  } else if (event == "fast-command") {
    a->scheduler = true;
    ++a->count;
  } else if (event == "aof-write-pending-fsync") {
    a->local_disk = a->disk_contention = a->ssd = a->writeback = true;
    a->count += 4;
  } else if (event == "aof-write-active-child") {
    a->no_fsync_on_rewrite = a->writeback = a->ssd = true;
    a->count += 3;
  } else if (event == "aof-write-alone") {
    a->local_disk = a->writeback = a->ssd = true;
    a->count += 3;
  } else if (event == "aof-fsync-always") {
    a->relax_fsync = true;
    ++a->count;
  } else if (event == "expire-cycle") {
    a->hz = a->large_objects = true;
    a->count += 2;
  } else if (event == "eviction-del") {
    a->large_objects = true;
    ++a->count;
  } else if (event == "eviction-cycle") {
    a->mass_eviction = true;
    ++a->count;
  }
}

void WriteAdvice(const Advice& a, const DoctorInputs& in, std::string* out) {
  const int64_t threshold_us = in.threshold_ms * 1000;
  if (a.slowlog_enable) {
    *out += fmt::format(
        "- Slow commands caused latency spikes, and the Slow Log is disabled, so it cannot say "
        "which. Enable it with 'CONFIG SET slowlog-log-slower-than {}'.\n",
        threshold_us);
  }
  if (a.slowlog_tune) {
    *out += fmt::format(
        "- The Slow Log only keeps commands slower than the latency monitor threshold. To "
        "see the commands behind these spikes use 'CONFIG SET slowlog-log-slower-than {}'.\n",
        threshold_us);
  }
  if (a.slowlog_inspect) {
    *out += "- Look at the Slow Log (SLOWLOG GET) to find the commands that take too long, "
            "see https://redis.io/commands/slowlog.\n";
  }
  if (a.scheduler) {
    *out += "- Even constant time commands were slow: the server is probably not given the "
            "CPU for long stretches. Lower the load of the machine, run the server on a "
            "machine or VM of its own, look for noisy neighbours, and measure the intrinsic "
            "latency with 'redis-cli --intrinsic-latency 100'.\n";
  }
  if (a.local_disk) {
    *out += "- Keep persistence files, the AOF above all, on local disks: remote volumes are "
            "known to be slow.\n";
  }
  if (a.ssd) {
    *out += "- SSDs cut fsync latency and the time snapshots and AOF rewrites take; consider "
            "them under a very high write load, as a last resort.\n";
  }
  if (a.writeback) {
    *out += "- Mounting ext3/4 with data=writeback can be faster than data=ordered, with "
            "weaker guarantees: after a hard crash the AOF may end in a half-written command "
            "that must be repaired.\n";
  }
  if (a.disk_contention) {
    *out += "- Lower the disk contention: other disk intensive processes on this machine "
            "(other servers among them) slow the AOF down.\n";
  }
  if (a.no_fsync_on_rewrite) {
    *out += "- If your data safety needs allow it, set 'no-appendfsync-on-rewrite yes' so the "
            "AOF is not fsynced while a snapshot or AOF rewrite writes its file.\n";
  }
  if (a.relax_fsync && in.fsync_always) {
    *out += "- Your fsync policy is 'always', which is hard to make fast; if you can, use "
            "'appendfsync everysec'.\n";
  }
  if (a.hz && in.hz < 100) {
    *out += "- To make key expiry more incremental, raise 'hz' with 'CONFIG SET hz 100'.\n";
  }
  if (a.large_objects) {
    *out += "- Deleting, expiring or evicting a very large key blocks the server while it is "
            "freed. Split such keys into several smaller ones.\n";
  }
  if (a.mass_eviction) {
    *out += "- Sudden memory pressure (lowering 'maxmemory' with CONFIG SET, creating large "
            "keys at once, RESTORE of large keys) makes the server evict many keys in one go. "
            "\n";
  }
  if (a.thp) {
    *out += "- The process uses transparent huge pages, which cause serious latency, while "
            "persisting above all. Turn THP off ('echo never > "
            "/sys/kernel/mm/transparent_hugepage/enabled', and at boot) and restart the "
            "server.\n";
  }
}

// Redis compat (analyzeLatencyForEvent): integer average and mean absolute deviation, and
// the period since the oldest sample (at least a second).
struct EventStats {
  int64_t samples = 0, avg = 0, mad = 0, period = 0;
};

EventStats Analyze(const engine::LatencySeries& series, int64_t now) {
  EventStats s;
  std::vector<engine::LatencySample> samples = series.Samples();
  if (samples.empty()) return s;
  int64_t sum = 0, oldest = samples.front().unix_seconds;
  for (const engine::LatencySample& x : samples) {
    sum += x.ms;
    oldest = std::min(oldest, x.unix_seconds);
  }
  s.samples = static_cast<int64_t>(samples.size());
  s.avg = sum / s.samples;
  s.period = std::max<int64_t>(now - oldest, 1);
  int64_t dev = 0;
  for (const engine::LatencySample& x : samples) dev += std::abs(s.avg - x.ms);
  s.mad = dev / s.samples;
  return s;
}

}  // namespace

std::string LatencyGraph(std::string_view event, const engine::LatencySeries& series,
                         int64_t now_seconds) {
  std::vector<Column> cols;
  int64_t min = 0, max = 0;
  for (const engine::LatencySample& s : series.Samples()) {
    min = cols.empty() ? s.ms : std::min(min, s.ms);
    max = cols.empty() ? s.ms : std::max(max, s.ms);
    cols.push_back({s.ms, AgoLabel(now_seconds - s.unix_seconds)});
  }
  std::string out = fmt::format("{} - high {} ms, low {} ms (all time high {} ms)\n", event, max,
                                min, series.max_ms);
  out += std::string(kGraphColumns, '-');
  out += '\n';
  std::span<const Column> all(cols);
  for (size_t at = 0; at < all.size(); at += kGraphColumns) {
    if (at != 0) out += '\n';
    RenderBlock(all.subspan(at, std::min(kGraphColumns, all.size() - at)), min, max, &out);
  }
  return out;
}

std::string LatencyDoctor(const LatencyEvents& events, const DoctorInputs& in) {
  if (events.empty() && in.threshold_ms == 0) {
    return "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis "
           "instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in "
           "order to enable it. If we weren't in a deep space mission I'd suggest to take a "
           "look at https://redis.io/topics/latency-monitor.\n";
  }
  std::string out;
  Advice advice;
  int n = 0;
  for (const auto& [event, series] : events) {
    if (++n == 1) {
      out += "Dave, I have observed latency spikes in this Redis instance. You don't mind "
             "talking about it, do you Dave?\n\n";
    }
    const EventStats s = Analyze(series, in.now_seconds);
    out += fmt::format(
        "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2f} sec). "
        "Worst all time event {}ms.\n",
        n, event, s.samples, s.avg, s.mad,
        static_cast<double>(s.period) / static_cast<double>(std::max<int64_t>(s.samples, 1)),
        series.max_ms);
    AdviseFor(event, in, &advice);
  }
  if (in.anon_huge_pages) {
    advice.thp = true;
    ++advice.count;
  }
  if (n == 0 && advice.count == 0) {
    out += "Dave, no latency spike was observed during the lifetime of this Redis instance, "
           "not in the slightest bit. I honestly think you ought to sit down calmly, take a "
           "stress pill, and think things over.\n";
  } else if (advice.count == 0) {
    out += "\nWhile there are latency events logged, I'm not able to suggest any easy fix. "
           "Please use the Redis community to get some help, providing this report in your "
           "help request.\n";
  } else {
    out += "\nI have a few advices for you:\n\n";
    WriteAdvice(advice, in, &out);
  }
  return out;
}

}  // namespace cinnabar::commands

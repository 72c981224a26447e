// The latency monitor (LATENCY LATEST / HISTORY / RESET / GRAPH / DOCTOR): spikes of named
// events ("command", "fast-command", "expire-cycle", ...) that lasted at least
// latency-monitor-threshold milliseconds, as Redis keeps them: per event the newest 160
// samples, one per second (a second's later spike keeps the larger of the two), and the
// largest ever.
//
// One store for the process, behind a mutex: a sample is taken only for a spike of at
// least a millisecond (and never while the threshold is 0), so the lock is met at most a
// few hundred times a second per thread, and by nobody in normal operation. The sites
// that time work check the threshold first (LatencyProbe), so with the monitor off they
// cost one compare.
//
// Threading: every member of LatencyMonitor may be called from any thread. A LatencyProbe
// is read by whoever runs where it lives; its threshold may be changed from any thread.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"

namespace cinnabar::engine {

struct LatencySample {
  int64_t unix_seconds = 0;  // 0: an empty slot
  int64_t ms = 0;
};

// One event's samples.
struct LatencySeries {
  static constexpr size_t kSamples = 160;  // Redis's LATENCY_TS_LEN
  std::array<LatencySample, kSamples> ring{};
  size_t next = 0;     // the slot the next second's sample takes
  int64_t max_ms = 0;  // the largest ever (until a reset)

  // The samples held, oldest first.
  std::vector<LatencySample> Samples() const;
  // The newest sample (an empty one when there is none).
  const LatencySample& Latest() const { return ring[(next + kSamples - 1) % kSamples]; }
};

class LatencyMonitor {
 public:
  // Records that `event` took `ms` milliseconds at `unix_seconds`. Callers check the
  // threshold themselves (LatencyProbe, or the command's own config snapshot).
  void Add(std::string_view event, int64_t ms, int64_t unix_seconds);

  // Every event's series, by name.
  std::map<std::string, LatencySeries, std::less<>> Events() const;
  // One event's series, by its exact name; false when it has none.
  bool Find(std::string_view event, LatencySeries* out) const;
  // Forgets every event whose name matches `event` ignoring case (every event for
  // nullptr); returns how many it forgot.
  int Reset(const std::string_view* event);
  bool empty() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, LatencySeries, std::less<>> events_;
};

// Where work is timed for the monitor: the monitor and latency-monitor-threshold, kept
// beside the work (a shard, the AOF) so the check needs no configuration snapshot.
class LatencyProbe {
 public:
  void Bind(LatencyMonitor* monitor) { monitor_ = monitor; }
  void set_threshold_ms(int64_t ms) { threshold_ms_.store(ms, std::memory_order_relaxed); }
  int64_t threshold_ms() const { return threshold_ms_.load(std::memory_order_relaxed); }

  // The start of a stretch of work: the monotonic time while the monitor is on, else 0.
  int64_t Start() const { return threshold_ms() > 0 ? base::MonotonicUs() : 0; }
  // The end of the stretch begun at `start_us`: a sample of `event` if it was long enough.
  void End(std::string_view event, int64_t start_us) {
    if (start_us != 0) Note(event, (base::MonotonicUs() - start_us) / 1000);
  }
  // A sample of `event` if `ms` reaches the threshold.
  void Note(std::string_view event, int64_t ms) {
    const int64_t threshold = threshold_ms();
    if (threshold > 0 && ms >= threshold && monitor_ != nullptr) {
      monitor_->Add(event, ms, base::UnixTimeMs() / 1000);
    }
  }

 private:
  LatencyMonitor* monitor_ = nullptr;
  std::atomic<int64_t> threshold_ms_{0};
};

}  // namespace cinnabar::engine

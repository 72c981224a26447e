#include "engine/latency_monitor.h"

#include <strings.h>

namespace cinnabar::engine {

std::vector<LatencySample> LatencySeries::Samples() const {
  std::vector<LatencySample> out;
  for (size_t i = 0; i < kSamples; ++i) {
    const LatencySample& s = ring[(next + i) % kSamples];
    if (s.unix_seconds != 0) out.push_back(s);
  }
  return out;
}

void LatencyMonitor::Add(std::string_view event, int64_t ms, int64_t unix_seconds) {
  std::lock_guard lock(mu_);
  auto it = events_.find(event);
  if (it == events_.end()) it = events_.emplace(std::string(event), LatencySeries{}).first;
  LatencySeries& ts = it->second;
  if (ms > ts.max_ms) ts.max_ms = ms;
  // Redis compat (latencyAddSample): one sample a second, the largest of that second.
  LatencySample& prev = ts.ring[(ts.next + LatencySeries::kSamples - 1) % LatencySeries::kSamples];
  if (prev.unix_seconds == unix_seconds) {
    if (ms > prev.ms) prev.ms = ms;
    return;
  }
  ts.ring[ts.next] = {.unix_seconds = unix_seconds, .ms = ms};
  ts.next = (ts.next + 1) % LatencySeries::kSamples;
}

std::map<std::string, LatencySeries, std::less<>> LatencyMonitor::Events() const {
  std::lock_guard lock(mu_);
  return events_;
}

bool LatencyMonitor::Find(std::string_view event, LatencySeries* out) const {
  std::lock_guard lock(mu_);
  auto it = events_.find(event);
  if (it == events_.end()) return false;
  *out = it->second;
  return true;
}

int LatencyMonitor::Reset(const std::string_view* event) {
  std::lock_guard lock(mu_);
  int resets = 0;
  for (auto it = events_.begin(); it != events_.end();) {
    // Redis compat: RESET matches names ignoring case (HISTORY and GRAPH do not).
    const bool match = event == nullptr || (it->first.size() == event->size() &&
                                            strncasecmp(it->first.data(), event->data(),
                                                        event->size()) == 0);
    if (match) {
      it = events_.erase(it);
      ++resets;
    } else {
      ++it;
    }
  }
  return resets;
}

bool LatencyMonitor::empty() const {
  std::lock_guard lock(mu_);
  return events_.empty();
}

}  // namespace cinnabar::engine

#include "base/latency_histogram.h"

#include <algorithm>
#include <bit>

namespace cinnabar::base {

size_t LatencyHistogram::IndexOf(int64_t value) {
  const uint64_t v = static_cast<uint64_t>(value);
  const int bucket = 64 - std::countl_zero(v | (2 * kSubBucketHalf - 1)) - (kSubBucketHalfMagnitude + 1);
  const int64_t sub = static_cast<int64_t>(v >> bucket);
  return static_cast<size_t>(((bucket + 1) << kSubBucketHalfMagnitude) + (sub - kSubBucketHalf));
}

int64_t LatencyHistogram::LowestAt(size_t index) {
  int bucket = static_cast<int>(index >> kSubBucketHalfMagnitude) - 1;
  int64_t sub = static_cast<int64_t>(index & (kSubBucketHalf - 1)) + kSubBucketHalf;
  if (bucket < 0) {
    sub -= kSubBucketHalf;
    bucket = 0;
  }
  return sub << bucket;
}

int64_t LatencyHistogram::HighestAt(size_t index) {
  const int64_t low = LowestAt(index);
  const int64_t v = std::max<int64_t>(low, 1);
  const int bucket = 64 - std::countl_zero(static_cast<uint64_t>(v) | (2 * kSubBucketHalf - 1)) -
                     (kSubBucketHalfMagnitude + 1);
  return low + (int64_t{1} << bucket) - 1;
}

void LatencyHistogram::Record(int64_t value) {
  std::atomic<int64_t>& c = counts_[IndexOf(std::clamp(value, kMinValue, kMaxValue))];
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

void LatencyHistogram::Reset() {
  for (auto& c : counts_) c.store(0, std::memory_order_relaxed);
}

void LatencyHistogram::AddTo(Counts* counts) const {
  counts->resize(kCountsLen);
  for (size_t i = 0; i < kCountsLen; ++i) (*counts)[i] += counts_[i].load(std::memory_order_relaxed);
}

int64_t TotalCount(const LatencyHistogram::Counts& counts) {
  int64_t total = 0;
  for (int64_t c : counts) total += c;
  return total;
}

int64_t ValueAtPercentile(const LatencyHistogram::Counts& counts, double percentile) {
  const int64_t total = TotalCount(counts);
  if (total == 0) return 0;
  const double p = std::min(percentile, 100.0);
  const int64_t wanted =
      std::max<int64_t>(static_cast<int64_t>(p / 100 * static_cast<double>(total) + 0.5), 1);
  int64_t seen = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    seen += counts[i];
    if (seen >= wanted) {
      return percentile == 0.0 ? LatencyHistogram::LowestAt(i) : LatencyHistogram::HighestAt(i);
    }
  }
  return 0;
}

std::vector<CumulativeBucket> PowerOfTwoBuckets(const LatencyHistogram::Counts& counts) {
  using H = LatencyHistogram;
  auto lowest_equivalent = [](int64_t v) { return H::LowestAt(H::IndexOf(v)); };
  const int64_t total = TotalCount(counts);
  const auto len = static_cast<int64_t>(counts.size());
  std::vector<CumulativeBucket> out;
  int64_t index = -1, cumulative = 0, value = 0, reported = 0;
  int64_t level = 1024;
  int64_t level_lowest = lowest_equivalent(level);
  // Redis compat (hdr_iter_log): a step is reported at the first index whose value reaches
  // it, with the count up to and including that index; the walk ends once every value is
  // counted (or the counts end below the next step).
  while (cumulative < total || H::LowestAt(static_cast<size_t>(index + 1)) > level_lowest) {
    while (value < level_lowest) {
      if (++index >= len) return out;
      cumulative += counts[static_cast<size_t>(index)];
      value = H::LowestAt(static_cast<size_t>(index));
    }
    if (cumulative > reported) out.push_back({H::HighestAt(H::IndexOf(level)), cumulative});
    reported = cumulative;
    level *= 2;
    level_lowest = lowest_equivalent(level);
  }
  return out;
}

}  // namespace cinnabar::base

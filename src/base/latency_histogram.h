// A latency histogram with the shape of HdrHistogram at two significant digits over
// 1 ns .. 1 s (Redis 7.0's per-command latency tracking): values below 256 ns are exact,
// above they fall in buckets whose width doubles with each power of two, 128 per octave.
// Percentiles report the highest value of their bucket, as hdr_value_at_percentile does,
// so INFO latencystats reads as Redis's for the same timings.
//
// Threading: one thread records; any thread may Snapshot (relaxed atomics, no locks).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace cinnabar::base {

class LatencyHistogram {
 public:
  static constexpr int64_t kMinValue = 1;
  static constexpr int64_t kMaxValue = 1'000'000'000;  // 1 s in ns
  static constexpr int kSubBucketHalfMagnitude = 7;   // 2 significant digits: 256 sub-buckets
  static constexpr int kSubBucketHalf = 1 << kSubBucketHalfMagnitude;
  static constexpr int kBucketCount = 23;             // 256 << 22 > kMaxValue
  static constexpr size_t kCountsLen = (kBucketCount + 1) * kSubBucketHalf;

  // Records one value (clamped to [kMinValue, kMaxValue]).
  void Record(int64_t value);
  void Reset();

  // Counts by index, for merging several histograms (one per thread) into one.
  using Counts = std::vector<int64_t>;
  void AddTo(Counts* counts) const;

  static size_t IndexOf(int64_t value);
  static int64_t LowestAt(size_t index);
  static int64_t HighestAt(size_t index);

 private:
  std::array<std::atomic<int64_t>, kCountsLen> counts_{};
};

// Over merged counts: the total, and the value at `percentile` (0..100) as HdrHistogram
// gives it (the lowest of its bucket for 0, else the highest); 0 when empty.
int64_t TotalCount(const LatencyHistogram::Counts& counts);
int64_t ValueAtPercentile(const LatencyHistogram::Counts& counts, double percentile);

// LATENCY HISTOGRAM's buckets over merged counts: walking up from 1024 ns in powers of two
// (HdrHistogram's logarithmic iterator, as Redis runs it), each step's highest equivalent
// value and the count of values up to it, for the steps where that count grew.
struct CumulativeBucket {
  int64_t highest = 0;     // ns
  int64_t cumulative = 0;  // values recorded up to `highest`
};
std::vector<CumulativeBucket> PowerOfTwoBuckets(const LatencyHistogram::Counts& counts);

}  // namespace cinnabar::base

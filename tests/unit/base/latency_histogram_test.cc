// The histogram's buckets and percentiles, checked against values redis-server 7.0 printed
// in INFO latencystats for the same recorded durations.
#include "base/latency_histogram.h"

#include <gtest/gtest.h>

namespace cinnabar::base {
namespace {

LatencyHistogram::Counts Merged(const LatencyHistogram& h) {
  LatencyHistogram::Counts counts;
  h.AddTo(&counts);
  return counts;
}

TEST(LatencyHistogramTest, PercentilesReportTheirBucketsEdgesAsRedis) {
  LatencyHistogram h;
  h.Record(8000);  // Redis: p50=8.031, p0=8.000 (microseconds)
  auto counts = Merged(h);
  EXPECT_EQ(ValueAtPercentile(counts, 50), 8031);
  EXPECT_EQ(ValueAtPercentile(counts, 0), 8000);
  EXPECT_EQ(ValueAtPercentile(counts, 100), 8031);
}

TEST(LatencyHistogramTest, SmallValuesAreExactAndLargeOnesClamp) {
  for (int64_t v : {1, 2, 100, 255}) {
    size_t i = LatencyHistogram::IndexOf(v);
    EXPECT_EQ(LatencyHistogram::LowestAt(i), v);
    EXPECT_EQ(LatencyHistogram::HighestAt(i), v);
  }
  EXPECT_EQ(LatencyHistogram::HighestAt(LatencyHistogram::IndexOf(256)), 257);
  EXPECT_EQ(LatencyHistogram::HighestAt(LatencyHistogram::IndexOf(117000)), 117247);
  LatencyHistogram h;
  h.Record(int64_t{5} * LatencyHistogram::kMaxValue);
  h.Record(-3);
  auto counts = Merged(h);
  EXPECT_EQ(TotalCount(counts), 2);
  EXPECT_EQ(ValueAtPercentile(counts, 0), 1);
  EXPECT_GE(ValueAtPercentile(counts, 100), LatencyHistogram::kMaxValue);
}

TEST(LatencyHistogramTest, PercentilesWalkTheMergedCounts) {
  LatencyHistogram a, b;
  for (int i = 0; i < 99; ++i) a.Record(1000);
  b.Record(50000);
  LatencyHistogram::Counts counts;
  a.AddTo(&counts);
  b.AddTo(&counts);
  EXPECT_EQ(ValueAtPercentile(counts, 50), 1003);
  EXPECT_EQ(ValueAtPercentile(counts, 99), 1003);
  EXPECT_EQ(ValueAtPercentile(counts, 99.9), 50175);
  a.Reset();
  b.Reset();
  EXPECT_EQ(ValueAtPercentile(Merged(a), 50), 0);
}

}  // namespace
}  // namespace cinnabar::base

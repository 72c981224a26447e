// The latency monitor's series (one sample a second, the largest; 160 of them; the largest
// ever), RESET's case-insensitive matching, the probe's threshold, and the texts built from
// the series: LATENCY GRAPH's sparkline and LATENCY DOCTOR's report.
#include "engine/latency_monitor.h"

#include <gtest/gtest.h>

#include <string>

#include "base/latency_histogram.h"
#include "commands/latency_report.h"

namespace cinnabar::engine {
namespace {

TEST(LatencyMonitorTest, KeepsOneSampleASecondTheLargest) {
  LatencyMonitor m;
  m.Add("command", 5, 100);
  m.Add("command", 9, 100);
  m.Add("command", 7, 100);
  m.Add("command", 3, 101);
  LatencySeries s;
  ASSERT_TRUE(m.Find("command", &s));
  auto samples = s.Samples();
  ASSERT_EQ(samples.size(), 2u);
  EXPECT_EQ(samples[0].unix_seconds, 100);
  EXPECT_EQ(samples[0].ms, 9);
  EXPECT_EQ(samples[1].unix_seconds, 101);
  EXPECT_EQ(samples[1].ms, 3);
  EXPECT_EQ(s.max_ms, 9);
  EXPECT_EQ(s.Latest().ms, 3);
}

TEST(LatencyMonitorTest, HoldsTheNewest160SecondsAndTheLargestEver) {
  LatencyMonitor m;
  m.Add("expire-cycle", 500, 1);
  for (int64_t t = 2; t <= 200; ++t) m.Add("expire-cycle", t, t);
  LatencySeries s;
  ASSERT_TRUE(m.Find("expire-cycle", &s));
  auto samples = s.Samples();
  ASSERT_EQ(samples.size(), LatencySeries::kSamples);
  EXPECT_EQ(samples.front().unix_seconds, 41);
  EXPECT_EQ(samples.back().unix_seconds, 200);
  EXPECT_EQ(s.max_ms, 500);  // its sample is gone, the record stays
}

TEST(LatencyMonitorTest, FindIsExactResetIgnoresCase) {
  LatencyMonitor m;
  m.Add("command", 5, 10);
  m.Add("fast-command", 5, 10);
  LatencySeries s;
  EXPECT_FALSE(m.Find("COMMAND", &s));
  const std::string_view upper = "COMMAND", none = "nothing";
  EXPECT_EQ(m.Reset(&none), 0);
  EXPECT_EQ(m.Reset(&upper), 1);
  EXPECT_EQ(m.Events().size(), 1u);
  EXPECT_EQ(m.Reset(nullptr), 1);
  EXPECT_TRUE(m.empty());
}

TEST(LatencyProbeTest, SamplesOnlyAtOrAboveTheThreshold) {
  LatencyMonitor m;
  LatencyProbe p;
  p.Bind(&m);
  EXPECT_EQ(p.Start(), 0);  // off: the clock is not read
  p.Note("eviction-del", 50);
  EXPECT_TRUE(m.empty());
  p.set_threshold_ms(10);
  EXPECT_NE(p.Start(), 0);
  p.Note("eviction-del", 9);
  EXPECT_TRUE(m.empty());
  p.Note("eviction-del", 10);
  LatencySeries s;
  ASSERT_TRUE(m.Find("eviction-del", &s));
  EXPECT_EQ(s.max_ms, 10);
}

LatencySeries SeriesOf(std::initializer_list<std::pair<int64_t, int64_t>> samples) {
  LatencyMonitor m;
  for (auto [t, ms] : samples) m.Add("command", ms, t);
  LatencySeries s;
  m.Find("command", &s);
  return s;
}

TEST(LatencyGraphTest, OneSampleIsALowBarLabelledWithItsAge) {
  // As redis-server 7.0 draws it.
  const std::string want =
      "command - high 50 ms, low 50 ms (all time high 50 ms)\n" + std::string(80, '-') +
      "\n \n \n \n_\n \n0\ns\n";
  EXPECT_EQ(commands::LatencyGraph("command", SeriesOf({{1000, 50}}), 1000), want);
}

TEST(LatencyGraphTest, ScalesBetweenTheLowestAndHighest) {
  // Samples 30, 60, 45 ms taken 3, 1 and 0 seconds ago (redis-server's drawing).
  const std::string want = "command - high 60 ms, low 30 ms (all time high 60 ms)\n" +
                           std::string(80, '-') +
                           "\n # \n |_\n ||\n_||\n   \n310\nsss\n";
  EXPECT_EQ(commands::LatencyGraph("command", SeriesOf({{97, 30}, {99, 60}, {100, 45}}), 100),
            want);
}

TEST(LatencyGraphTest, LabelsInMinutesHoursDays) {
  std::string g = commands::LatencyGraph(
      "command", SeriesOf({{100, 5}, {100 + 3600 * 24 - 7200, 5}, {100 + 3600 * 24 - 120, 5}}),
      100 + 3600 * 24);
  EXPECT_NE(g.find("\n   \n122\ndhm\n"), std::string::npos) << g;
}

TEST(LatencyDoctorTest, DisabledNothingAndSpikes) {
  commands::DoctorInputs in{.now_seconds = 110, .threshold_ms = 0,
                            .slowlog_slower_than_us = 10000};
  EXPECT_EQ(commands::LatencyDoctor({}, in).rfind("I'm sorry, Dave, I can't do that.", 0), 0u);
  in.threshold_ms = 1;
  EXPECT_EQ(commands::LatencyDoctor({}, in),
            "Dave, no latency spike was observed during the lifetime of this Redis instance, "
            "not in the slightest bit. I honestly think you ought to sit down calmly, take a "
            "stress pill, and think things over.\n");
  LatencyMonitor m;
  m.Add("command", 30, 100);
  m.Add("command", 60, 101);
  m.Add("command", 45, 105);
  std::string report = commands::LatencyDoctor(m.Events(), in);
  EXPECT_EQ(report.rfind("Dave, I have observed latency spikes in this Redis instance. You "
                         "don't mind talking about it, do you Dave?\n\n1. command: 3 latency "
                         "spikes (average 45ms, mean deviation 10ms, period 3.33 sec). Worst "
                         "all time event 60ms.\n\nI have a few advices for you:\n\n",
                         0),
            0u)
      << report;
  EXPECT_NE(report.find("'CONFIG SET slowlog-log-slower-than 1000'"), std::string::npos);
}

TEST(LatencyDoctorTest, AnEventWithoutAdvice) {
  LatencyMonitor m;
  m.Add("command-unblocking", 3, 100);
  std::string report = commands::LatencyDoctor(
      m.Events(), {.now_seconds = 100, .threshold_ms = 1, .slowlog_slower_than_us = 10000});
  EXPECT_NE(report.find("period 1.00 sec). Worst all time event 3ms.\n\nWhile there are latency "
                        "events logged, I'm not able to suggest any easy fix."),
            std::string::npos)
      << report;
}

TEST(LatencyHistogramBucketsTest, PowersOfTwoFrom1024NsAsRedisReports) {
  base::LatencyHistogram h;
  for (int i = 0; i < 3; ++i) h.Record(900);      // below the first step
  h.Record(3000);                                   // up to 4096 ns
  h.Record(50'000'000);                             // 50 ms
  base::LatencyHistogram::Counts counts;
  h.AddTo(&counts);
  auto buckets = base::PowerOfTwoBuckets(counts);
  ASSERT_EQ(buckets.size(), 3u);
  EXPECT_EQ(buckets[0].highest / 1000, 1);
  EXPECT_EQ(buckets[0].cumulative, 3);
  EXPECT_EQ(buckets[1].highest / 1000, 4);
  EXPECT_EQ(buckets[1].cumulative, 4);
  // Redis's reply for a 50 ms DEBUG SLEEP: 67633 => 1.
  EXPECT_EQ(buckets[2].highest / 1000, 67633);
  EXPECT_EQ(buckets[2].cumulative, 5);
  EXPECT_TRUE(base::PowerOfTwoBuckets(base::LatencyHistogram::Counts(
                                          base::LatencyHistogram::kCountsLen, 0))
                  .empty());
}

}  // namespace
}  // namespace cinnabar::engine

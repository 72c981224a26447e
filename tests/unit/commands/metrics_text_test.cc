#include "commands/metrics_text.h"

#include <gtest/gtest.h>

namespace cinnabar::commands {
namespace {

using base::InfoKind;
using base::InfoSection;
using base::InfoUnit;

TEST(MetricNameTest, BaseUnitsAndCounterSuffix) {
  EXPECT_EQ(MetricName("used_memory", InfoKind::kGauge, InfoUnit::kBytes),
            "cinnabar_used_memory_bytes");
  EXPECT_EQ(MetricName("total_net_input_bytes", InfoKind::kCounter, InfoUnit::kBytes),
            "cinnabar_net_input_bytes_total");
  EXPECT_EQ(MetricName("total_commands_processed", InfoKind::kCounter, InfoUnit::kNone),
            "cinnabar_commands_processed_total");
  EXPECT_EQ(MetricName("uptime_in_seconds", InfoKind::kGauge, InfoUnit::kSeconds),
            "cinnabar_uptime_seconds");
  EXPECT_EQ(MetricName("expire_cycle_cpu_milliseconds", InfoKind::kCounter,
                       InfoUnit::kMilliseconds),
            "cinnabar_expire_cycle_cpu_seconds_total");
  EXPECT_EQ(MetricName("latest_fork_usec", InfoKind::kGauge, InfoUnit::kMicroseconds),
            "cinnabar_latest_fork_seconds");
  EXPECT_EQ(MetricName("used_memory_peak_perc", InfoKind::kGauge, InfoUnit::kPercent),
            "cinnabar_used_memory_peak_ratio");
  EXPECT_EQ(MetricName("instantaneous_input_kbps", InfoKind::kGauge,
                       InfoUnit::kKilobytesPerSecond),
            "cinnabar_instantaneous_input_bytes_per_second");
  EXPECT_EQ(MetricName("instantaneous_ops_per_sec", InfoKind::kGauge, InfoUnit::kNone),
            "cinnabar_instantaneous_ops_per_second");
  EXPECT_EQ(MetricName("current_save_keys_total", InfoKind::kGauge, InfoUnit::kNone),
            "cinnabar_current_save_keys");
  EXPECT_DOUBLE_EQ(ToBaseUnit(1500, InfoUnit::kMilliseconds), 1.5);
  EXPECT_DOUBLE_EQ(ToBaseUnit(50, InfoUnit::kPercent), 0.5);
  EXPECT_DOUBLE_EQ(ToBaseUnit(2, InfoUnit::kKilobytesPerSecond), 2048);
}

TEST(InfoSectionTest, PrintsAsInfo) {
  InfoSection s("keyspace", "Keyspace");
  s.Gauge("plain", 3);
  s.Fixed("perc", 12.345, 2, InfoKind::kGauge, InfoUnit::kPercent, "%");
  s.BeginCompound("db0", "db", "0");
  s.Add(InfoSection::Int("keys", 2, InfoKind::kGauge));
  s.Add(InfoSection::Int("avg_ttl", 1500, InfoKind::kGauge, InfoUnit::kMilliseconds));
  std::string out;
  s.AppendTo(&out);
  EXPECT_EQ(out, "# Keyspace\r\nplain:3\r\nperc:12.35%\r\ndb0:keys=2,avg_ttl=1500\r\n");
}

TEST(FormatMetricsTest, FamiliesLabelsAndHistogram) {
  std::vector<InfoSection> sections;
  InfoSection& server = sections.emplace_back("server", "Server");
  server.Text("redis_version", "7.0.15");
  server.Text("os", "Linux \"x\"\\y");
  server.Gauge("tcp_port", 6379);
  InfoSection& stats = sections.emplace_back("commandstats", "Commandstats");
  for (const char* cmd : {"get", "set"}) {
    stats.BeginCompound(std::string("cmdstat_") + cmd, "cmd", cmd);
    stats.Add(InfoSection::Int("calls", 4, InfoKind::kCounter));
    stats.Add(InfoSection::Int("usec", 2000000, InfoKind::kCounter, InfoUnit::kMicroseconds));
    stats.Add(InfoSection::Float("usec_per_call", 5, 2, InfoKind::kGauge,
                                 InfoUnit::kMicroseconds));
  }
  InfoSection& ks = sections.emplace_back("keyspace", "Keyspace");
  ks.BeginCompound("db0", "db", "0");
  ks.Add(InfoSection::Int("keys", 7, InfoKind::kGauge));

  CommandHistogram h{.cmd = "get", .counts = {}};
  h.counts.assign(base::LatencyHistogram::kCountsLen, 0);
  h.counts[base::LatencyHistogram::IndexOf(1500)] = 3;     // 1.5 us
  h.counts[base::LatencyHistogram::IndexOf(3000000)] = 1;  // 3 ms
  std::string text = FormatMetrics(sections, {h});

  EXPECT_NE(text.find("cinnabar_server_info{redis_version=\"7.0.15\",os=\"Linux \\\"x\\\"\\\\y\"} 1\n"),
            std::string::npos);
  EXPECT_NE(text.find("# TYPE cinnabar_tcp_port gauge\ncinnabar_tcp_port 6379\n"),
            std::string::npos);
  // One family, its samples together.
  EXPECT_NE(text.find("# TYPE cinnabar_commands_total counter\n"
                      "cinnabar_commands_total{cmd=\"get\"} 4\n"
                      "cinnabar_commands_total{cmd=\"set\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("cinnabar_commands_duration_seconds_total{cmd=\"get\"} 2\n"),
            std::string::npos);
  EXPECT_EQ(text.find("usec_per_call"), std::string::npos);
  EXPECT_NE(text.find("cinnabar_db_keys{db=\"0\"} 7\n"), std::string::npos);
  EXPECT_NE(text.find("# TYPE cinnabar_command_duration_seconds histogram\n"), std::string::npos);
  EXPECT_NE(text.find("cinnabar_command_duration_seconds_bucket{cmd=\"get\",le=\"1.024e-06\"} 0\n"),
            std::string::npos);
  EXPECT_NE(text.find("cinnabar_command_duration_seconds_bucket{cmd=\"get\",le=\"2.048e-06\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("cinnabar_command_duration_seconds_bucket{cmd=\"get\",le=\"0.004194304\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("cinnabar_command_duration_seconds_bucket{cmd=\"get\",le=\"+Inf\"} 4\n"),
            std::string::npos);
  EXPECT_NE(text.find("cinnabar_command_duration_seconds_count{cmd=\"get\"} 4\n"),
            std::string::npos);
  EXPECT_EQ(text.back(), '\n');
}

}  // namespace
}  // namespace cinnabar::commands

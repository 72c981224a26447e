// The texts of LATENCY GRAPH (an ASCII sparkline of an event's samples) and LATENCY DOCTOR
// (a report of every event with advice), built from the latency monitor's series
// (engine/latency_monitor.h). Pure functions of their inputs: the caller passes the time
// and the settings the report mentions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "engine/latency_monitor.h"

namespace cinnabar::commands {

// LATENCY GRAPH: a title line, a rule of 80 dashes, then the samples oldest first as
// columns of four rows (filled with '_', 'o', '#' and '|'), each labelled below with how
// long ago it was ("12s", "3m", "5h", "2d"); more than 80 samples wrap into further blocks.
std::string LatencyGraph(std::string_view event, const engine::LatencySeries& series,
                         int64_t now_seconds);

// The settings and facts LATENCY DOCTOR's advice depends on.
struct DoctorInputs {
  int64_t now_seconds = 0;
  int64_t threshold_ms = 0;            // latency-monitor-threshold
  int64_t slowlog_slower_than_us = 0;  // slowlog-log-slower-than
  int64_t hz = 10;
  bool fsync_always = false;           // appendfsync always
  bool anon_huge_pages = false;        // the process is backed by transparent huge pages
};

using LatencyEvents = std::map<std::string, engine::LatencySeries, std::less<>>;

// LATENCY DOCTOR's report.
std::string LatencyDoctor(const LatencyEvents& events, const DoctorInputs& in);

}  // namespace cinnabar::commands

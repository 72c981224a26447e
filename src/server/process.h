// What some settings do to the process itself: its title in ps (set-proc-title,
// proc-title-template), the kernel's OOM-killer score (oom-score-adj), transparent huge
// pages (disable-thp) and the banner at start-up (always-show-logo).
#pragma once

#include <string>

#include "engine/config.h"

namespace cinnabar::server {

// Before anything reads argv or environ again: makes the memory of argv's strings
// available for titles (environ moves to the heap). Keeps a copy of argv[0] for {title}.
void InitProcTitle(int argc, char** argv);

// Shows the title `cfg` asks for (nothing when set-proc-title is no). `port` is the port
// listened on.
void UpdateProcTitle(const engine::ServerConfig& cfg, int port);

// Writes /proc/self/oom_score_adj as oom-score-adj says (relative to the value the process
// started with, or absolute; back to that value for "no"). Returns false, after logging
// why, when the kernel refused it.
bool ApplyOomScoreAdj(const engine::ServerConfig& cfg);

// disable-thp yes: asks the kernel not to back this process with transparent huge pages
// (they turn copy-on-write of a 4 KB page into 2 MB, and add latency).
void ApplyThpSetting(const engine::ServerConfig& cfg);

// The start-up banner, when always-show-logo is yes or the log goes to a terminal.
void ShowBanner(const engine::ServerConfig& cfg, int port);

}  // namespace cinnabar::server

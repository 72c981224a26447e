// Redis-style log lines: "pid:role dd Mon yyyy hh:mm:ss.mmm <level> message".
// The logger is process-wide (the one deliberate global besides memory counters); every
// thread may log.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

#include "base/status.h"

namespace cinnabar::base {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

// Parses "debug", "verbose", "notice", "warning" (as redis.conf spells them).
bool ParseLogLevel(std::string_view name, LogLevel* out);
std::string_view LogLevelName(LogLevel level);

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Empty path = standard output. Opens for append; returns the error if it cannot.
Status SetLogFile(const std::string& path);
// 'M' for a primary, 'C' for a child, 'S' for a replica (as Redis).
void SetLogRole(char role);

inline bool LogEnabled(LogLevel level) { return level >= GetLogLevel(); }
void LogRaw(LogLevel level, std::string_view message);

template <typename... Args>
void Log(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (!LogEnabled(level)) return;
  LogRaw(level, fmt::format(format, std::forward<Args>(args)...));
}

#define CINNABAR_LOG_FN(fn, level)                                   \
  template <typename... Args>                                        \
  void fn(fmt::format_string<Args...> format, Args&&... args) {      \
    Log(level, format, std::forward<Args>(args)...);                 \
  }
CINNABAR_LOG_FN(LogDebug, LogLevel::kDebug)
CINNABAR_LOG_FN(LogVerbose, LogLevel::kVerbose)
CINNABAR_LOG_FN(LogNotice, LogLevel::kNotice)
CINNABAR_LOG_FN(LogWarning, LogLevel::kWarning)
#undef CINNABAR_LOG_FN

}  // namespace cinnabar::base

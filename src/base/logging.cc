#include "base/logging.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace cinnabar::base {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kNotice};
std::atomic<char> g_role{'M'};
std::mutex g_mu;
FILE* g_file = nullptr;  // null = stdout

constexpr std::string_view kLevelNames[] = {"debug", "verbose", "notice", "warning"};
constexpr char kLevelMarks[] = {'.', '-', '*', '#'};

}  // namespace

bool ParseLogLevel(std::string_view name, LogLevel* out) {
  for (int i = 0; i < 4; ++i) {
    if (name == kLevelNames[i]) {
      *out = static_cast<LogLevel>(i);
      return true;
    }
  }
  return false;
}

std::string_view LogLevelName(LogLevel level) { return kLevelNames[static_cast<int>(level)]; }

void SetLogLevel(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }
LogLevel GetLogLevel() { return g_level.load(std::memory_order_relaxed); }
void SetLogRole(char role) { g_role.store(role, std::memory_order_relaxed); }

Status SetLogFile(const std::string& path) {
  FILE* f = nullptr;
  if (!path.empty()) {
    f = std::fopen(path.c_str(), "a");
    if (f == nullptr) return Status::FromErrno("Can't open the log file", errno);
  }
  std::lock_guard lock(g_mu);
  if (g_file != nullptr) std::fclose(g_file);
  g_file = f;
  return Status::Ok();
}

void LogRaw(LogLevel level, std::string_view message) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm local;
  localtime_r(&tv.tv_sec, &local);
  char when[64];
  size_t off = std::strftime(when, sizeof(when), "%d %b %Y %H:%M:%S.", &local);
  std::snprintf(when + off, sizeof(when) - off, "%03d", static_cast<int>(tv.tv_usec / 1000));

  std::lock_guard lock(g_mu);
  FILE* out = g_file != nullptr ? g_file : stdout;
  std::fprintf(out, "%d:%c %s %c %.*s\n", static_cast<int>(getpid()), g_role.load(), when,
               kLevelMarks[static_cast<int>(level)], static_cast<int>(message.size()),
               message.data());
  std::fflush(out);
}

}  // namespace cinnabar::base

#include "server/process.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

#include "base/logging.h"

extern char** environ;

namespace cinnabar::server {
namespace {

// The bytes of argv's (and the environment's) strings, contiguous as the kernel laid them
// out: a title written here is what ps shows.
char* title_area = nullptr;
size_t title_capacity = 0;
std::string program_name;  // argv[0] as started

// The oom_score_adj the process started with (-1: not read yet).
int base_oom_score = -1;
bool oom_score_changed = false;

bool ReadOomScore(int* out) {
  std::ifstream in("/proc/self/oom_score_adj");
  return static_cast<bool>(in >> *out);
}

bool WriteOomScore(int value) {
  FILE* f = std::fopen("/proc/self/oom_score_adj", "w");
  if (f == nullptr) {
    base::LogWarning("Unable to write oom_score_adj: {}", std::strerror(errno));
    return false;
  }
  const bool ok = std::fprintf(f, "%d", value) > 0;
  const int err = errno;
  if (std::fclose(f) != 0 || !ok) {
    base::LogWarning("Unable to write oom_score_adj: {}", std::strerror(ok ? errno : err));
    return false;
  }
  return true;
}

}  // namespace

void InitProcTitle(int argc, char** argv) {
  if (argc == 0 || argv[0] == nullptr) return;
  program_name = argv[0];
  // The area runs as long as the strings follow each other: argv's, then environ's.
  char* end = argv[0] + std::strlen(argv[0]) + 1;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] != end) break;
    end = argv[i] + std::strlen(argv[i]) + 1;
  }
  size_t env_count = 0;
  while (environ[env_count] != nullptr) ++env_count;
  const bool env_follows = env_count > 0 && environ[0] == end;
  if (env_follows) {
    for (size_t i = 0; i < env_count && environ[i] == end; ++i) {
      end = environ[i] + std::strlen(environ[i]) + 1;
    }
    // The environment moves out of the area (for the life of the process).
    char** moved = new char*[env_count + 1];
    for (size_t i = 0; i < env_count; ++i) moved[i] = strdup(environ[i]);
    moved[env_count] = nullptr;
    environ = moved;
  }
  title_area = argv[0];
  title_capacity = static_cast<size_t>(end - argv[0]);
  for (int i = 1; i < argc; ++i) argv[i] = nullptr;  // nothing reads them after this
}

void UpdateProcTitle(const engine::ServerConfig& cfg, int port) {
  if (!cfg.set_proc_title || title_area == nullptr || title_capacity < 2) return;
  engine::ProcTitleVars vars;
  vars.title = program_name;
  std::string host = cfg.bind.empty() ? "*" : cfg.bind[0];
  if (!host.empty() && host[0] == '-') host.erase(0, 1);  // "-::1": optional address
  // Redis compat: a TLS-only server shows its TLS port as its address.
  vars.listen_addr = host + ":" + std::to_string(port != 0 ? port : cfg.tls_port);
  vars.port = std::to_string(port);
  vars.tls_port = std::to_string(cfg.tls_port);
  vars.config_file = cfg.config_file;
  std::string title;
  if (!engine::ExpandProcTitle(cfg.proc_title_template, vars, &title)) return;
  const size_t n = std::min(title.size(), title_capacity - 1);
  std::memcpy(title_area, title.data(), n);
  std::memset(title_area + n, 0, title_capacity - n);
}

bool ApplyOomScoreAdj(const engine::ServerConfig& cfg) {
  using Mode = engine::ServerConfig::OomScoreAdj;
  if (base_oom_score < 0 && !ReadOomScore(&base_oom_score)) {
    if (cfg.oom_score_adj == Mode::kNo) return true;
    base::LogWarning("Unable to read oom_score_adj: {}", std::strerror(errno));
    return false;
  }
  int value;
  switch (cfg.oom_score_adj) {
    case Mode::kNo:
      if (!oom_score_changed) return true;
      value = base_oom_score;
      break;
    case Mode::kAbsolute:
      value = cfg.oom_score_adj_values[0];
      break;
    default:  // yes, relative
      value = base_oom_score + cfg.oom_score_adj_values[0];
      break;
  }
  value = std::clamp(value, -1000, 1000);
  if (!WriteOomScore(value)) return false;
  oom_score_changed = cfg.oom_score_adj != Mode::kNo;
  return true;
}

void ApplyThpSetting(const engine::ServerConfig& cfg) {
  if (!cfg.disable_thp) return;
  if (prctl(PR_SET_THP_DISABLE, 1, 0, 0, 0) != 0) {
    base::LogWarning("Transparent huge pages could not be disabled for this process: {}",
                     std::strerror(errno));
  }
}

void ShowBanner(const engine::ServerConfig& cfg, int port) {
  if (!cfg.always_show_logo && !(cfg.logfile.empty() && isatty(STDOUT_FILENO))) {
    base::LogNotice("Running mode=standalone, port={}.", port);
    return;
  }
  std::printf(
      "\n"
      "     /\\      Cinnabar %s (Redis 7.0.15 compatible) 64 bit\n"
      "    /  \\     Running in standalone mode\n"
      "   / HgS\\    Port: %d\n"
      "  /______\\   PID: %d\n\n",
      CINNABAR_VERSION, port, static_cast<int>(getpid()));
  std::fflush(stdout);
}

}  // namespace cinnabar::server

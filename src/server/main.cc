// cinnabar-server [config-file] [--directive value ...]
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <random>

#include "base/hash.h"
#include "base/logging.h"
#include "base/memory.h"
#include "engine/config.h"
#include "server/config_file.h"
#include "server/process.h"
#include "server/server.h"

namespace {

using namespace cinnabar;

void PrintVersion() {
  std::printf("Cinnabar server v=%s redis_version=7.0.15 malloc=%s bits=64\n", CINNABAR_VERSION,
              base::AllocatorName());
}

void PrintUsage() {
  std::fprintf(stderr,
               "Usage: ./cinnabar-server [/path/to/redis.conf] [options] [-]\n"
               "       ./cinnabar-server - (read config from stdin)\n"
               "       ./cinnabar-server -v or --version\n"
               "       ./cinnabar-server -h or --help\n\n"
               "Examples:\n"
               "       ./cinnabar-server (run the server with default config)\n"
               "       ./cinnabar-server /etc/redis/6379.conf\n"
               "       ./cinnabar-server --port 7777\n"
               "       ./cinnabar-server /etc/myredis.conf --loglevel verbose\n");
}

// Redis compat (daemonize): fork, new session, standard streams to /dev/null.
void Daemonize() {
  pid_t pid = fork();
  if (pid < 0) {
    std::perror("fork");
    std::exit(1);
  }
  if (pid > 0) std::_Exit(0);
  setsid();
  int fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, STDIN_FILENO);
    dup2(fd, STDOUT_FILENO);
    dup2(fd, STDERR_FILENO);
    if (fd > STDERR_FILENO) close(fd);
  }
}

}  // namespace

int main(int argc, char** argv) {
  base::RegisterMemoryThread();
  {
    std::random_device rd;
    base::SetHashSeed((static_cast<uint64_t>(rd()) << 32) ^ rd());
  }

  base::StatusOr<server::CommandLine> cl = server::ParseCommandLine(argc, argv);
  if (!cl.ok()) {
    std::fprintf(stderr, "%s\n", cl.status().message().c_str());
    PrintUsage();
    return 1;
  }
  if (cl->version) {
    PrintVersion();
    return 0;
  }
  if (cl->help) {
    PrintUsage();
    return 0;
  }
  std::string program = argv[0];
  server::InitProcTitle(argc, argv);

  engine::ConfigStore store{engine::ServerConfig{}};
  if (!cl->config_file.empty() && cl->config_file != "-") {
    char resolved[PATH_MAX];
    if (realpath(cl->config_file.c_str(), resolved) != nullptr) store.SetConfigFile(resolved);
  }
  base::LogWarning("oO0OoO0OoO0Oo Cinnabar is starting oO0OoO0OoO0Oo");
  store.SetCommandNames(server::Server::CommandNames());
  base::Status st = server::LoadConfig(*cl, &store);
  if (!st.ok()) {
    std::fprintf(stderr, "%s\n", st.message().c_str());
    return 1;
  }
  std::shared_ptr<const engine::ServerConfig> cfg = store.snapshot();
  base::LogWarning("Cinnabar version={}, redis_version=7.0.15, bits=64, pid={}, just started",
                   CINNABAR_VERSION, getpid());
  if (cl->config_file.empty()) {
    base::LogWarning("Warning: no config file specified, using the default config. In order to "
                     "specify a config file use {} /path/to/redis.conf",
                     program);
  } else {
    base::LogWarning("Configuration loaded");
  }

  if (cfg->daemonize) Daemonize();
  base::SetLogLevel(cfg->loglevel);
  if (!cfg->logfile.empty()) {
    st = base::SetLogFile(cfg->logfile);
    if (!st.ok()) {
      std::fprintf(stderr, "Can't open the log file: %s\n", st.message().c_str());
      return 1;
    }
  }
  std::string pidfile = cfg->pidfile;
  if (pidfile.empty() && cfg->daemonize) pidfile = "/var/run/cinnabar.pid";
  if (!pidfile.empty()) {
    std::ofstream out(pidfile);
    if (out) {
      out << getpid() << "\n";
    } else {
      base::LogWarning("Failed to write PID file: {}", std::strerror(errno));
    }
  }

  server::ApplyThpSetting(*cfg);
  if (!server::ApplyOomScoreAdj(*cfg)) {
    std::fprintf(stderr, "Failed to set current oom_score_adj. Check server logs.\n");
    return 1;
  }
  server::ShowBanner(*cfg, cfg->port);
  server::UpdateProcTitle(*cfg, cfg->port);

  int rc;
  {
    server::Server server(&store);
    rc = server.Run();
  }
  if (!pidfile.empty()) unlink(pidfile.c_str());
  if (rc == 0) base::LogWarning("Cinnabar is now ready to exit, bye bye...");
  return rc;
}

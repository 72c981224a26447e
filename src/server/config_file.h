// Reading redis.conf syntax: a file (with `include`), then `--name value` arguments, as
// redis-server builds its configuration.
#pragma once

#include <string>
#include <vector>

#include "base/status.h"
#include "engine/config.h"

namespace cinnabar::server {

struct CommandLine {
  std::string config_file;   // empty: none; "-": standard input
  std::string options;       // "--port 7000 --bind a b" as config lines
  bool version = false;
  bool help = false;
};

// Parses argv as redis-server does. Fails on an option without "--".
base::StatusOr<CommandLine> ParseCommandLine(int argc, char** argv);

// Applies the configuration file and then the options. On failure the Status holds the
// complete report (Redis's "*** FATAL CONFIG FILE ERROR ***" block).
base::Status LoadConfig(const CommandLine& cl, engine::ConfigStore* store);

}  // namespace cinnabar::server

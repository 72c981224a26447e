// Reading redis.conf syntax: a file (with `include`), then `--name value` arguments, as
// redis-server builds its configuration.
#pragma once

#include <functional>
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

// Reads the text of the configuration file, or of a file an `include` line names, as the
// command line or the line spells it ("-": standard input).
using ConfigReader = std::function<base::Status(const std::string& path, std::string* text)>;

// The file system (relative paths from the working directory, as Redis reads them).
base::Status ReadConfigFile(const std::string& path, std::string* text);

// Applies the configuration file and then the options, reading files through `read`. On
// failure the Status holds the complete report (Redis's "*** FATAL CONFIG FILE ERROR ***"
// block), except when the configuration file itself cannot be read.
base::Status LoadConfig(const CommandLine& cl, engine::ConfigStore* store,
                        const ConfigReader& read = ReadConfigFile);

}  // namespace cinnabar::server

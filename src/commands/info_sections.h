// INFO's sections as data (base/info_section.h): gathered once from every thread's
// counters, then printed by INFO or exported by the Prometheus endpoint
// (commands/metrics_text.h), so each field is written in one place.
//
// Threading: Gather reads every shard's tables and every worker's counters, so it runs
// with every shard held (INFO is declared kAllShards; the HTTP endpoint holds them with
// engine/hold_all.h). Counters are read with relaxed loads, as INFO always has.
#pragma once

#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/info_section.h"

namespace cinnabar::engine {
class Engine;
struct CommandEntry;
struct ServerConfig;
}  // namespace cinnabar::engine

namespace cinnabar::commands {

// Which sections INFO's arguments ask for (none: the default set; "all" and "everything":
// every section, which is what an exporter takes).
class InfoSelection {
 public:
  explicit InfoSelection(std::span<const std::string_view> args);
  static InfoSelection Everything();
  bool Wants(std::string_view id, bool in_default) const;

 private:
  InfoSelection() = default;
  std::set<std::string> wanted_;
  bool all_ = false;
  bool default_ = false;
};

// The sections wanted, in INFO's order. `cfg` is the running thread's configuration.
std::vector<base::InfoSection> GatherInfo(engine::Engine& eng, const engine::ServerConfig& cfg,
                                          const InfoSelection& which);

// Every command and subcommand, in the registry's order (commandstats' order).
std::vector<const engine::CommandEntry*> AllCommands(engine::Engine& eng);

}  // namespace cinnabar::commands

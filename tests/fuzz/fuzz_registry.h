// The command table with every family, built once for a fuzz target that needs commands but
// not an engine (command_keys, acl_rules).
#pragma once

#include "commands/register_all.h"
#include "engine/registry.h"

namespace cinnabar::fuzz {

inline const engine::Registry& TheRegistry() {
  static const engine::Registry* r = [] {
    auto* reg = new engine::Registry();
    commands::RegisterAll(reg);
    return reg;
  }();
  return *r;
}

}  // namespace cinnabar::fuzz

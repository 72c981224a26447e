#pragma once

#include "engine/registry.h"

namespace cinnabar::commands {

// Registers every command family, in one visible list.
void RegisterAll(engine::Registry* r);

}  // namespace cinnabar::commands

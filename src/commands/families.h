// Each command family registers its CommandSpec table; register_all.cc lists them.
#pragma once

#include "engine/registry.h"

namespace cinnabar::engine {
class Engine;
}  // namespace cinnabar::engine

namespace cinnabar::commands {

void RegisterConnectionFamily(engine::Registry* r);
void RegisterClientFamily(engine::Registry* r);
void RegisterStringFamily(engine::Registry* r);
void RegisterHashFamily(engine::Registry* r);
void RegisterSetFamily(engine::Registry* r);
void RegisterKeyFamily(engine::Registry* r);
void RegisterObjectFamily(engine::Registry* r);
void RegisterMemoryFamily(engine::Registry* r);
void RegisterListFamily(engine::Registry* r);
void RegisterListBlockingFamily(engine::Registry* r);
void RegisterExpireFamily(engine::Registry* r);
void RegisterKeyspaceFamily(engine::Registry* r);
void RegisterServerFamily(engine::Registry* r);
void RegisterDebugFamily(engine::Registry* r);
void RegisterInfoFamily(engine::Registry* r);
void RegisterConfigFamily(engine::Registry* r);
void RegisterSlowlogFamily(engine::Registry* r);
void RegisterLatencyFamily(engine::Registry* r);
void RegisterAclFamily(engine::Registry* r);
void RegisterMonitorFamily(engine::Registry* r);
void RegisterCommandFamily(engine::Registry* r);
void RegisterZSetFamily(engine::Registry* r);
void RegisterZSetRangeFamily(engine::Registry* r);
void RegisterZSetStoreFamily(engine::Registry* r);
void RegisterZSetBlockingFamily(engine::Registry* r);
void RegisterTransactionFamily(engine::Registry* r);
void RegisterScriptFamily(engine::Registry* r);
void RegisterFunctionFamily(engine::Registry* r);
void RegisterPubSubFamily(engine::Registry* r);
void RegisterPersistenceFamily(engine::Registry* r);
void RegisterLolwutFamily(engine::Registry* r);

// Gives persistence (persistence/persistence.h) what it needs of the command layer: the
// function libraries to save and the way to load one (function_family.cc).
void ConnectPersistence(engine::Engine& eng);

}  // namespace cinnabar::commands

#include "commands/register_all.h"

#include "commands/families.h"

namespace cinnabar::commands {

void RegisterAll(engine::Registry* r) {
  RegisterConnectionFamily(r);
  RegisterClientFamily(r);
  RegisterStringFamily(r);
  RegisterHashFamily(r);
  RegisterSetFamily(r);
  RegisterKeyFamily(r);
  RegisterObjectFamily(r);
  RegisterMemoryFamily(r);
  RegisterListFamily(r);
  RegisterListBlockingFamily(r);
  RegisterExpireFamily(r);
  RegisterKeyspaceFamily(r);
  RegisterServerFamily(r);
  RegisterDebugFamily(r);
  RegisterInfoFamily(r);
  RegisterConfigFamily(r);
  RegisterSlowlogFamily(r);
  RegisterLatencyFamily(r);
  RegisterAclFamily(r);
  RegisterMonitorFamily(r);
  RegisterCommandFamily(r);
  RegisterZSetFamily(r);
  RegisterZSetRangeFamily(r);
  RegisterZSetStoreFamily(r);
  RegisterZSetBlockingFamily(r);
  RegisterTransactionFamily(r);
  RegisterScriptFamily(r);
  RegisterFunctionFamily(r);
  RegisterPubSubFamily(r);
  RegisterPersistenceFamily(r);
  RegisterLolwutFamily(r);
}

}  // namespace cinnabar::commands

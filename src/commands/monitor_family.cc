// MONITOR: the client sees every command the server runs from now on (engine/monitor.h).

#include "commands/families.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/monitor.h"
#include "engine/registry.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

namespace errors = protocol::errors;
using engine::CommandContext;

void Monitor(CommandContext& ctx) {
  // Redis compat: a client that expects one reply per command (in MULTI) may not monitor.
  if (!ctx.may_block()) return ctx.ReplyError(errors::kMonitorDenyBlocking);
  engine::Client& c = ctx.client();
  // Redis compat: a client already monitoring gets no reply at all.
  if (c.monitor) return;
  engine::StartMonitoring(c);
  ctx.reply().Ok();
}

using engine::CommandSpec;

constexpr CommandSpec kMonitorCommands[] = {
    {.name = "MONITOR", .arity = 1,
     .flags = engine::kAdmin | engine::kNoScript | engine::kLoading | engine::kStale |
              engine::kAlone,
     .handler = Monitor,
     .summary = "Listens for all requests received by the server in real-time.",
     .since = "1.0.0", .complexity = ""},
};

}  // namespace

void RegisterMonitorFamily(engine::Registry* r) { r->AddFamily(0, "server", kMonitorCommands); }

}  // namespace cinnabar::commands

// CLIENT TRACKING | CACHING | GETREDIR | TRACKINGINFO: client-side caching's commands
// (engine/tracking.h). Declared in client_family.cc's subcommand table.
#pragma once

namespace cinnabar::engine {
class CommandContext;
}

namespace cinnabar::commands {

void ClientTracking(engine::CommandContext& ctx);
void ClientCaching(engine::CommandContext& ctx);
void ClientGetRedir(engine::CommandContext& ctx);
void ClientTrackingInfo(engine::CommandContext& ctx);

}  // namespace cinnabar::commands

// The DEBUG subcommands that show or tune how values are encoded: HTSTATS, HTSTATS-KEY,
// LISTPACK, QUICKLIST, QUICKLIST-PACKED-THRESHOLD (debug_family.cc dispatches to them).
// Each runs with every shard held, as every DEBUG subcommand but RELOAD does.
#pragma once

#include "engine/command_context.h"

namespace cinnabar::commands {

// DEBUG HTSTATS <dbid>
void DebugHtStats(engine::CommandContext& ctx);
// DEBUG HTSTATS-KEY <key>
void DebugHtStatsKey(engine::CommandContext& ctx);
// DEBUG LISTPACK <key>
void DebugListpack(engine::CommandContext& ctx);
// DEBUG QUICKLIST <key> [<0|1>]
void DebugQuicklist(engine::CommandContext& ctx);
// DEBUG QUICKLIST-PACKED-THRESHOLD <size>
void DebugPackedThreshold(engine::CommandContext& ctx);

}  // namespace cinnabar::commands

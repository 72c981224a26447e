// The forms in which commands whose verbatim form would replay differently are recorded in
// the journal (engine/journal.h): relative times as absolute ones, computed values as the
// value, random picks as what was picked. Each is recorded only if the command changed a
// key, and only when something reads the journal.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/command_context.h"

namespace cinnabar::commands {

inline void RecordPExpireAt(const engine::CommandContext& ctx, std::string_view key,
                            int64_t when_ms) {
  if (!ctx.journaling()) return;
  std::string when = std::to_string(when_ms);
  ctx.RecordAs({"PEXPIREAT", key, when});
}

inline void RecordDel(const engine::CommandContext& ctx, std::string_view key) {
  ctx.RecordAs({"DEL", key});
}

// SET key value PXAT when (when_ms 0: no expiry; kKeepTtl: KEEPTTL).
inline void RecordSet(const engine::CommandContext& ctx, std::string_view key,
                      std::string_view value, int64_t when_ms) {
  if (!ctx.journaling()) return;
  if (when_ms == 0) return ctx.RecordAs({"SET", key, value});
  if (when_ms < 0) return ctx.RecordAs({"SET", key, value, "KEEPTTL"});
  std::string when = std::to_string(when_ms);
  ctx.RecordAs({"SET", key, value, "PXAT", when});
}

}  // namespace cinnabar::commands

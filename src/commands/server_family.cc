// Server commands: TIME, SHUTDOWN (DEBUG is debug_family.cc).

#include <string>

#include "base/clock.h"
#include "base/logging.h"
#include "commands/args.h"
#include "commands/families.h"
#include "commands/script_runtime.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
namespace errors = protocol::errors;

// TIME
void Time(CommandContext& ctx) {
  int64_t us = base::UnixTimeUs();
  ctx.reply().ArrayHeader(2);
  ctx.reply().BulkInteger(us / 1000000);
  ctx.reply().BulkInteger(us % 1000000);
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
void Shutdown(CommandContext& ctx) {
  bool nosave = false, save = false, abort = false;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (Is(opt, "NOSAVE")) {
      nosave = true;
    } else if (Is(opt, "SAVE")) {
      save = true;
    } else if (Is(opt, "NOW") || Is(opt, "FORCE")) {
      // Nothing to wait for: there are no replicas to catch up.
    } else if (Is(opt, "ABORT")) {
      abort = true;
    } else {
      return ctx.ReplyError(errors::kSyntax);
    }
  }
  if ((abort && ctx.argc() != 2) || (save && nosave)) return ctx.ReplyError(errors::kSyntax);
  if (abort) return ctx.ReplyError(errors::kNoShutdownInProgress);
  int busy = ctx.engine().busy_script.load(std::memory_order_acquire);
  if (busy != engine::Engine::kNotBusy) {
    // Redis compat: only SHUTDOWN NOSAVE gets past a busy script, which it stops.
    if (!nosave) {
      return ctx.ReplyError(busy == engine::Engine::kBusyFunction ? errors::kBusyFunction
                                                                   : errors::kBusyScript);
    }
    StopBusyScript(ctx.engine());
  }
  using Save = engine::ServerHooks::ShutdownSave;
  ctx.engine().hooks().RequestShutdown(save ? Save::kSave
                                            : (nosave ? Save::kNoSave : Save::kAsConfigured));
  // Redis compat: no reply; the connection closes as the server exits.
}

using engine::CommandSpec;
using engine::kAdmin;
using engine::kFast;
using engine::kLoading;
using engine::kNoScript;
using engine::kProtected;
using engine::kStale;

constexpr CommandSpec kServerCommands[] = {
    {.name = "TIME", .arity = 1, .flags = kLoading | kStale | kFast, .handler = Time,
     .summary = "Returns the server time.", .since = "2.6.0", .complexity = "O(1)",
     .tips = "nondeterministic_output"},
    {.name = "SHUTDOWN", .arity = -1,
     .flags = kAdmin | kNoScript | kLoading | kStale | engine::kNoMulti | engine::kAllowBusy,
     .handler = Shutdown, .summary = "Synchronously saves the database(s) to disk and shuts down "
                                     "the Redis server.",
     .since = "1.0.0",
     .complexity = "O(N) when saving, where N is the total number of keys in all databases "
                   "when saving data, otherwise O(1)"},
};

}  // namespace

void RegisterServerFamily(engine::Registry* r) { r->AddFamily(0, "server", kServerCommands); }

}  // namespace cinnabar::commands

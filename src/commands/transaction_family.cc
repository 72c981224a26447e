// Transaction commands: MULTI EXEC DISCARD WATCH UNWATCH. The queueing and the atomic run
// are the engine's (engine/transaction.h); these are the commands' faces.

#include "commands/families.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/transaction.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
namespace errors = protocol::errors;

// MULTI
void Multi(CommandContext& ctx) {
  engine::Client& c = ctx.client();
  if (c.in_multi()) return ctx.ReplyError(errors::kMultiNested);
  engine::BeginMulti(c);
  ctx.reply().Ok();
}

// EXEC
void Exec(CommandContext& ctx) { engine::ExecMulti(ctx); }

// DISCARD
void Discard(CommandContext& ctx) {
  engine::Client& c = ctx.client();
  if (!c.in_multi()) return ctx.ReplyError(errors::kDiscardWithoutMulti);
  engine::DiscardMulti(c);
  ctx.reply().Ok();
}

// WATCH key [key ...]
void Watch(CommandContext& ctx) { engine::WatchKeys(ctx, ctx.args().subspan(1)); }

// UNWATCH
void Unwatch(CommandContext& ctx) {
  // Inside EXEC (queued after MULTI) the watches are already gone: nothing to do.
  if (ctx.has_client()) engine::UnwatchAll(ctx.client());
  ctx.reply().Ok();
}

using engine::CommandSpec;
using engine::kAllowBusy;
using engine::kAlone;
using engine::kFast;
using engine::kLoading;
using engine::kNoScript;
using engine::kRunsInMulti;
using engine::kSkipSlowlog;
using engine::kStale;

namespace key_specs = engine::key_specs;

constexpr CommandSpec kTransactionCommands[] = {
    {.name = "MULTI", .arity = 1,
     .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy | kRunsInMulti,
     .handler = Multi, .summary = "Starts a transaction.", .since = "1.2.0",
     .complexity = "O(1)"},
    {.name = "EXEC", .arity = 1, .flags = kNoScript | kLoading | kStale | kSkipSlowlog | kRunsInMulti |
                                          engine::kEndsMulti,
     .handler = Exec, .summary = "Executes all commands in a transaction.", .since = "1.2.0",
     .complexity = "Depends on commands in the transaction"},
    {.name = "DISCARD", .arity = 1,
     .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy | kRunsInMulti,
     .handler = Discard, .summary = "Discards a transaction.", .since = "2.0.0",
     .complexity = "O(N), when N is the number of queued commands"},
    {.name = "WATCH", .arity = -2,
     .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy | kRunsInMulti | kAlone,
     .keys = {1, -1, 1}, .handler = Watch,
     .summary = "Monitors changes to keys to determine the execution of a transaction.",
     .since = "2.2.0", .complexity = "O(1) for every key.",
     .key_specs = key_specs::kAllRo},
    {.name = "UNWATCH", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kAllowBusy,
     .handler = Unwatch,
     .summary = "Forgets about all watched keys of a transaction.", .since = "2.2.0",
     .complexity = "O(1)"},
};

}  // namespace

void RegisterTransactionFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclTransaction, "transactions", kTransactionCommands);
}

}  // namespace cinnabar::commands

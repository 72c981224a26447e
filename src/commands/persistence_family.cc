// Persistence commands: SAVE, BGSAVE [SCHEDULE], LASTSAVE, BGREWRITEAOF. The work is
// persistence/persistence.h's; these only ask and answer.

#include <string>

#include "commands/args.h"
#include "commands/families.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/worker.h"
#include "persistence/persistence.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
using persistence::Persistence;
namespace errors = protocol::errors;

// SAVE: answers once the file is in place. Other clients go on meanwhile (the snapshot is
// written between their requests), which Redis's SAVE does not allow.
void Save(CommandContext& ctx) {
  if (ctx.call_flags() & engine::kCallInMulti) {
    return ctx.ReplyError(errors::NotInMultiYet(ctx.command().name));
  }
  engine::Client* c = &ctx.client();
  std::string err = Persistence::Of(ctx.engine()).Save(ctx.worker().index(), [c](base::Status st) {
    if (c->alive()) {
      protocol::ReplyBuilder rb = c->Reply();
      if (st.ok()) {
        rb.Ok();
      } else {
        rb.Error("ERR");
      }
    }
    c->EndAwait();
  });
  if (!err.empty()) return ctx.ReplyError(err);
  ctx.Defer();
  c->BeginAwait();
}

// BGSAVE [SCHEDULE]
void BgSave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.argc() > 1) {
    if (ctx.argc() > 2 || !Is(ctx.arg(1), "SCHEDULE")) return ctx.ReplyError(errors::kSyntax);
    schedule = true;
  }
  std::string r = Persistence::Of(ctx.engine()).BgSave(ctx.worker().index(), schedule,
                                                       ctx.call_flags() & engine::kCallInMulti);
  if (r == "scheduled") return ctx.reply().SimpleString(errors::kBgsaveScheduled);
  if (!r.empty()) return ctx.ReplyError(r);
  ctx.reply().SimpleString(errors::kBgsaveStarted);
}

// LASTSAVE
void LastSave(CommandContext& ctx) {
  ctx.reply().Integer(Persistence::Of(ctx.engine()).lastsave());
}

// BGREWRITEAOF
void BgRewriteAof(CommandContext& ctx) {
  std::string r = Persistence::Of(ctx.engine()).BgRewriteAof(ctx.worker().index());
  if (r == "scheduled") return ctx.reply().SimpleString(errors::kAofRewriteScheduled);
  if (!r.empty()) return ctx.ReplyError(r);
  ctx.reply().SimpleString(errors::kAofRewriteStarted);
}

using engine::CommandSpec;
using engine::kAdmin;
using engine::kFast;
using engine::kLoading;
using engine::kNoAsyncLoading;
using engine::kNoMulti;
using engine::kNoScript;
using engine::kStale;

constexpr CommandSpec kPersistenceCommands[] = {
    {.name = "SAVE", .arity = 1, .flags = kAdmin | kNoScript | kNoAsyncLoading | kNoMulti, .handler = Save,
     .summary = "Synchronously saves the database(s) to disk.", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of keys in all databases"},
    {.name = "BGSAVE", .arity = -1, .flags = kAdmin | kNoScript | kNoAsyncLoading, .handler = BgSave,
     .summary = "Asynchronously saves the database(s) to disk.", .since = "1.0.0",
     .complexity = "O(1)"},
    {.name = "LASTSAVE", .arity = 1, .flags = kLoading | kStale | kFast, .handler = LastSave,
     .acl = engine::kAclAdmin | engine::kAclDangerous,
     .summary = "Returns the Unix timestamp of the last successful save to disk.",
     .since = "1.0.0", .complexity = "O(1)",
     .tips = "nondeterministic_output"},
    {.name = "BGREWRITEAOF", .arity = 1,
     .flags = kAdmin | kNoScript | kNoAsyncLoading, .handler = BgRewriteAof,
     .summary = "Asynchronously rewrites the append-only file to disk.", .since = "1.0.0",
     .complexity = "O(1)"},
};

}  // namespace

void RegisterPersistenceFamily(engine::Registry* r) {
  r->AddFamily(0, "server", kPersistenceCommands);
}

}  // namespace cinnabar::commands

// SLOWLOG GET [count] | LEN | RESET | HELP: the commands that ran longer than
// slowlog-log-slower-than (engine/slowlog.h keeps them, every thread its own).
#include <string_view>

#include "commands/args.h"
#include "commands/families.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/slowlog.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;

constexpr std::string_view kCountError = "ERR count should be greater than or equal to -1";

size_t MaxLen(CommandContext& ctx) { return static_cast<size_t>(ctx.config().slowlog_max_len); }

void SlowlogGet(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.argc() > 3) {
    return ctx.ReplyError(protocol::errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  }
  if (ctx.argc() == 3 && (!base::ParseInt64(ctx.arg(2), &count) || count < -1)) {
    return ctx.ReplyError(kCountError);
  }
  std::vector<engine::SlowlogEntry> entries = engine::SlowlogNewest(ctx.engine(), count, MaxLen(ctx));
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.ArrayHeader(entries.size());
  for (const engine::SlowlogEntry& e : entries) {
    rb.ArrayHeader(6);
    rb.Integer(static_cast<int64_t>(e.id));
    rb.Integer(e.unix_seconds);
    rb.Integer(e.usec);
    rb.ArrayHeader(e.args.size());
    for (const std::string& a : e.args) rb.Bulk(a);
    rb.Bulk(e.addr);
    rb.Bulk(e.name);
  }
}

void SlowlogLen(CommandContext& ctx) {
  ctx.reply().Integer(static_cast<int64_t>(engine::SlowlogLength(ctx.engine(), MaxLen(ctx))));
}

void SlowlogReset(CommandContext& ctx) {
  engine::SlowlogReset(ctx.engine());
  ctx.reply().Ok();
}

void SlowlogHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kAdmin;
using engine::kLoading;
using engine::kStale;

constexpr CommandSpec kSlowlogSubcommands[] = {
    {.name = "GET", .arity = -2, .flags = kAdmin | kLoading | kStale, .handler = SlowlogGet,
     .summary = "Returns the slow log's entries.", .since = "2.2.12",
     .complexity = "O(N) where N is the number of entries returned",
     .tips = "request_policy:all_nodes nondeterministic_output"},
    {.name = "LEN", .arity = 2, .flags = kAdmin | kLoading | kStale, .handler = SlowlogLen,
     .summary = "Returns the number of entries in the slow log.", .since = "2.2.12",
     .complexity = "O(1)",
     .tips = "request_policy:all_nodes response_policy:agg_sum nondeterministic_output"},
    {.name = "RESET", .arity = 2, .flags = kAdmin | kLoading | kStale, .handler = SlowlogReset,
     .summary = "Clears all entries from the slow log.", .since = "2.2.12",
     .complexity = "O(N) where N is the number of entries in the slowlog",
     .tips = "request_policy:all_nodes response_policy:all_succeeded"},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = SlowlogHelp,
     .summary = "Show helpful text about the different subcommands", .since = "6.2.0",
     .complexity = "O(1)"},
};

constexpr CommandSpec kSlowlogCommands[] = {
    {.name = "SLOWLOG", .arity = -2, .subcommands = kSlowlogSubcommands,
     .summary = "A container for slow log commands.", .since = "2.2.12",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterSlowlogFamily(engine::Registry* r) { r->AddFamily(0, "server", kSlowlogCommands); }

}  // namespace cinnabar::commands

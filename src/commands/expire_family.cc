// Expiry commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT), TTL PTTL EXPIRETIME
// PEXPIRETIME, PERSIST.

#include <string>

#include "commands/args.h"
#include "commands/families.h"
#include "commands/journal_forms.h"
#include "engine/notify_flags.h"
#include "engine/command_context.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

enum ExpireFlag { kNx = 1, kXx = 2, kGt = 4, kLt = 8 };

// EXPIRE key seconds [NX | XX | GT | LT] and its three siblings. `basetime` is the current
// time for relative forms, 0 for absolute ones.
void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds) {
  int flags = 0;
  for (size_t i = 3; i < ctx.argc(); ++i) {
    std::string_view opt = ctx.arg(i);
    if (Is(opt, "NX")) {
      flags |= kNx;
    } else if (Is(opt, "XX")) {
      flags |= kXx;
    } else if (Is(opt, "GT")) {
      flags |= kGt;
    } else if (Is(opt, "LT")) {
      flags |= kLt;
    } else {
      return ctx.ReplyError(errors::UnsupportedOption(opt));
    }
  }
  if ((flags & kNx) && (flags & (kXx | kGt | kLt))) return ctx.ReplyError(errors::kNxXxGtLt);
  if ((flags & kGt) && (flags & kLt)) return ctx.ReplyError(errors::kGtLt);

  OpResult<int64_t> when_arg = ParseInt64Arg(ctx.arg(2));
  if (!when_arg) return ctx.ReplyError(when_arg.status());
  int64_t when = *when_arg;
  // Redis compat: negative times are allowed; only overflow is an error.
  if (seconds) {
    if (when > INT64_MAX / 1000 || when < INT64_MIN / 1000) {
      return ctx.ReplyError(errors::InvalidExpire(ctx.command().name));
    }
    when *= 1000;
  }
  int64_t base = relative ? ctx.now_ms() : 0;
  if (when > INT64_MAX - base) return ctx.ReplyError(errors::InvalidExpire(ctx.command().name));
  when += base;

  Database& db = ctx.db();
  Database::Ref ref = db.Find(ctx.arg(1));
  if (!ref) return ctx.reply().Integer(0);
  int64_t current = ref.entry->has_expire() ? ref.entry->expire_ms() : -1;
  if ((flags & kNx) && current != -1) return ctx.reply().Integer(0);
  if ((flags & kXx) && current == -1) return ctx.reply().Integer(0);
  // A key without expiry counts as expiring never (an infinite TTL).
  if ((flags & kGt) && (current == -1 || when <= current)) return ctx.reply().Integer(0);
  if ((flags & kLt) && current != -1 && when >= current) return ctx.reply().Integer(0);
  if (when <= ctx.now_ms()) {
    RecordDel(ctx, ctx.arg(1));
    db.Erase(ref);
  } else {
    RecordPExpireAt(ctx, ctx.arg(1), when);
    db.SetExpire(ref, when);
  }
  ctx.reply().Integer(1);
}

void Expire(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void ExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void PExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

// TTL PTTL EXPIRETIME PEXPIRETIME: -2 missing, -1 no expiry. Leaves the key's access time
// and LFU counter alone, as Redis does.
void TtlGeneric(CommandContext& ctx, bool millis, bool absolute) {
  Database::Ref ref = ctx.db().FindReadNoTouch(ctx.arg(1));
  if (!ref) return ctx.reply().Integer(-2);
  if (!ref.entry->has_expire()) return ctx.reply().Integer(-1);
  int64_t expire = ref.entry->expire_ms();
  int64_t v = absolute ? expire : expire - ctx.now_ms();
  if (v < 0) v = 0;
  // Redis compat: seconds are rounded to the nearest.
  ctx.reply().Integer(millis ? v : (v + 500) / 1000);
}

void Ttl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

// PERSIST key
void Persist(CommandContext& ctx) {
  Database& db = ctx.db();
  Database::Ref ref = db.Find(ctx.arg(1));
  if (!ref || !ref.entry->has_expire()) return ctx.reply().Integer(0);
  db.SetExpire(ref, 0);
  ctx.reply().Integer(1);
}

using engine::CommandSpec;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

namespace key_specs = engine::key_specs;

constexpr CommandSpec kExpireCommands[] = {
    {.name = "EXPIRE", .arity = -3, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = Expire,
     .notice = {engine::kNotifyGeneric, "expire"},
     .summary = "Sets the expiration time of a key in seconds.", .since = "1.0.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRwUpdate},
    {.name = "PEXPIRE", .arity = -3, .flags = kWrite | kFast, .keys = {1, 1, 1},
     .handler = PExpire,
     .notice = {engine::kNotifyGeneric, "expire"},
     .summary = "Sets the expiration time of a key in milliseconds.",
     .since = "2.6.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwUpdate},
    {.name = "EXPIREAT", .arity = -3, .flags = kWrite | kFast, .keys = {1, 1, 1},
     .handler = ExpireAt,
     .notice = {engine::kNotifyGeneric, "expire"},
     .summary = "Sets the expiration time of a key to a Unix timestamp.",
     .since = "1.2.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwUpdate},
    {.name = "PEXPIREAT", .arity = -3, .flags = kWrite | kFast, .keys = {1, 1, 1},
     .handler = PExpireAt,
     .notice = {engine::kNotifyGeneric, "expire"},
     .summary = "Sets the expiration time of a key to a Unix milliseconds timestamp.",
     .since = "2.6.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwUpdate},
    {.name = "TTL", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1}, .handler = Ttl,
     .summary = "Returns the expiration time in seconds of a key.", .since = "1.0.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output"},
    {.name = "PTTL", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1}, .handler = PTtl,
     .summary = "Returns the expiration time in milliseconds of a key.", .since = "2.6.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output"},
    {.name = "EXPIRETIME", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = ExpireTime, .summary = "Returns the expiration time of a key as a Unix timestamp.",
     .since = "7.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "PEXPIRETIME", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = PExpireTime,
     .summary = "Returns the expiration time of a key as a Unix milliseconds timestamp.",
     .since = "7.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "PERSIST", .arity = 2, .flags = kWrite | kFast, .keys = {1, 1, 1},
     .handler = Persist,
     .notice = {engine::kNotifyGeneric, "persist"},
     .summary = "Removes the expiration time of a key.", .since = "2.2.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRwUpdate},
};

}  // namespace

void RegisterExpireFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclKeyspace, "generic", kExpireCommands);
}

}  // namespace cinnabar::commands

// Generic key commands: DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX COPY MOVE.

#include "commands/args.h"
#include "commands/families.h"
#include "engine/notify_flags.h"
#include "commands/notices.h"
#include "core/value_ops.h"
#include "engine/command_context.h"
#include "engine/shard.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

// DEL key [key ...] / UNLINK key [key ...]
void Del(CommandContext& ctx) {
  int64_t deleted = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    if (ctx.db_for(ctx.arg(i)).Delete(ctx.arg(i))) ++deleted;
  }
  ctx.reply().Integer(deleted);
}

// EXISTS key [key ...] (a key named twice counts twice) / TOUCH key [key ...]: the same
// count, but only TOUCH updates the keys' access time or LFU counter.
void ExistsGeneric(CommandContext& ctx, bool touch) {
  int64_t found = 0;
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Database& db = ctx.db_for(ctx.arg(i));
    if (touch ? db.FindRead(ctx.arg(i)) : db.FindReadNoTouch(ctx.arg(i))) ++found;
  }
  ctx.reply().Integer(found);
}

void Exists(CommandContext& ctx) { ExistsGeneric(ctx, false); }
void Touch(CommandContext& ctx) { ExistsGeneric(ctx, true); }

// TYPE key (no touch: redis-cli --bigkeys asks TYPE of every key, and must not make them all
// recently used)
void Type(CommandContext& ctx) {
  Database::Ref ref = ctx.db().FindReadNoTouch(ctx.arg(1));
  ctx.reply().SimpleString(ref ? core::TypeName(ref.entry->type()) : "none");
}

// RENAME key newkey / RENAMENX key newkey
void RenameGeneric(CommandContext& ctx, bool nx) {
  std::string_view src = ctx.arg(1), dst = ctx.arg(2);
  Database& src_db = ctx.db_for(src);
  Database& dst_db = ctx.db_for(dst);
  Database::Ref ref = src_db.Find(src);
  if (!ref) return ctx.ReplyError(errors::kNoSuchKey);
  if (src == dst) return nx ? ctx.reply().Integer(0) : ctx.reply().Ok();
  Database::Ref existing = dst_db.Find(dst);
  if (existing) {
    if (nx) return ctx.reply().Integer(0);
    dst_db.Erase(existing);
  }
  src_db.MoveTo(ref, dst_db, dst, existing.hash);
  nx ? ctx.reply().Integer(1) : ctx.reply().Ok();
}

void Rename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

// COPY source destination [DB destination-db] [REPLACE]
void Copy(CommandContext& ctx) {
  bool replace = false;
  int dst_index = ctx.db_index();
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (Is(ctx.arg(i), "REPLACE")) {
      replace = true;
    } else if (Is(ctx.arg(i), "DB") && i + 1 < ctx.argc()) {
      OpResult<int> id = ParseIntArg(ctx.arg(++i));
      if (!id) return ctx.ReplyError(id.status());
      // Redis compat: each DB is range-checked where it stands, before later options.
      if (*id < 0 || *id >= ctx.config().databases) {
        return ctx.ReplyError(errors::kDbIndexOutOfRange);
      }
      dst_index = *id;
    } else {
      return ctx.ReplyError(errors::kSyntax);
    }
  }
  std::string_view src = ctx.arg(1), dst = ctx.arg(2);
  if (dst_index == ctx.db_index() && src == dst) return ctx.ReplyError(errors::kSameObject);
  Database& src_db = ctx.db_for(src);
  Database& dst_db = ctx.db_for(dst, dst_index);
  Database::Ref ref = src_db.FindRead(src);
  if (!ref) return ctx.reply().Integer(0);
  Database::Ref existing = dst_db.Find(dst);
  if (existing) {
    if (!replace) return ctx.reply().Integer(0);
    dst_db.Erase(existing);
  }
  dst_db.Add(dst, existing.hash, core::CloneValue(ref.entry->value()), ref.entry->expire_ms());
  ctx.reply().Integer(1);
}

// MOVE key db
void Move(CommandContext& ctx) {
  OpResult<int> id = ParseIntArg(ctx.arg(2));
  if (!id) return ctx.ReplyError(id.status());
  if (*id < 0 || *id >= ctx.config().databases) return ctx.ReplyError(errors::kDbIndexOutOfRange);
  if (*id == ctx.db_index()) return ctx.ReplyError(errors::kSameObject);
  std::string_view key = ctx.arg(1);
  Database& src_db = ctx.db();
  Database& dst_db = ctx.shard().db(*id);
  Database::Ref ref = src_db.Find(key);
  if (!ref) return ctx.reply().Integer(0);
  Database::Ref existing = dst_db.Find(key);
  if (existing) return ctx.reply().Integer(0);
  src_db.MoveTo(ref, dst_db, key, existing.hash);
  ctx.reply().Integer(1);
}

using engine::CommandSpec;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeySpec;
using engine::Range;
using engine::kKeyAccess;
using engine::kKeyDelete;
using engine::kKeyInsert;
using engine::kKeyOw;
using engine::kKeyRm;
using engine::kKeyRo;
using engine::kKeyRw;
using engine::kKeyUpdate;

// Key specifications with more than one spec or a shape of their own.
constexpr KeySpec kRenameKeys[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyDelete, .begin = AtIndex(1), .find = Range(0)},
    {.flags = kKeyOw | kKeyUpdate, .begin = AtIndex(2), .find = Range(0)},
};
constexpr KeySpec kRenamenxKeys[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyDelete, .begin = AtIndex(1), .find = Range(0)},
    {.flags = kKeyOw | kKeyInsert, .begin = AtIndex(2), .find = Range(0)},
};
constexpr KeySpec kCopyKeys[] = {
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(1), .find = Range(0)},
    {.flags = kKeyOw | kKeyUpdate, .begin = AtIndex(2), .find = Range(0)},
};

constexpr CommandSpec kKeyCommands[] = {
    {.name = "DEL", .arity = -2, .flags = kWrite, .keys = {1, -1, 1}, .handler = Del,
     .notice = {engine::kNotifyGeneric, "del"},
     .summary = "Deletes one or more keys.", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys that will be removed.",
     .key_specs = key_specs::kAllRmDelete, .tips = "request_policy:multi_shard response_policy:agg_sum"},
    {.name = "UNLINK", .arity = -2, .flags = kWrite | kFast, .keys = {1, -1, 1}, .handler = Del,
     .notice = {engine::kNotifyGeneric, "del"},
     .summary = "Asynchronously deletes one or more keys.", .since = "4.0.0",
     .complexity = "O(1) for each key removed regardless of its size.",
     .key_specs = key_specs::kAllRmDelete, .tips = "request_policy:multi_shard response_policy:agg_sum"},
    {.name = "EXISTS", .arity = -2, .flags = kReadOnly | kFast, .keys = {1, -1, 1},
     .handler = Exists, .summary = "Determines whether one or more keys exist.", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to check.",
     .key_specs = key_specs::kAllRo, .tips = "request_policy:multi_shard response_policy:agg_sum"},
    {.name = "TOUCH", .arity = -2, .flags = kReadOnly | kFast, .keys = {1, -1, 1},
     .handler = Touch,
     .summary = "Returns the number of existing keys out of those specified after updating the "
                "time they were last accessed.",
     .since = "3.2.1", .complexity = "O(N) where N is the number of keys that will be touched.",
     .key_specs = key_specs::kAllRo, .tips = "request_policy:multi_shard response_policy:agg_sum"},
    {.name = "TYPE", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1}, .handler = Type,
     .summary = "Determines the type of value stored at a key.", .since = "1.0.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "RENAME", .arity = 3, .flags = kWrite, .keys = {1, 2, 1}, .handler = Rename,
     .notice_hook = NoticeRename,
     .summary = "Renames a key and overwrites the destination.", .since = "1.0.0",
     .complexity = "O(1)",
     .key_specs = kRenameKeys},
    {.name = "RENAMENX", .arity = 3, .flags = kWrite | kFast, .keys = {1, 2, 1},
     .handler = RenameNx,
     .notice_hook = NoticeRename,
     .summary = "Renames a key only when the target key name doesn't exist.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = kRenamenxKeys},
    {.name = "COPY", .arity = -3, .flags = kWrite | engine::kDenyOom, .keys = {1, 2, 1},
     .handler = Copy,
     .notice_hook = NoticeCopy,
     .summary = "Copies the value of a key to a new key.", .since = "6.2.0",
     .complexity = "O(N) worst case for collections, where N is the number of nested items. "
                   "O(1) for string values.",
     .key_specs = kCopyKeys},
    {.name = "MOVE", .arity = 3, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = Move,
     .notice_hook = NoticeMove,
     .summary = "Moves a key to another database.", .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
};

}  // namespace

void RegisterKeyFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclKeyspace, "generic", kKeyCommands);
}

}  // namespace cinnabar::commands

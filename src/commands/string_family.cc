// String commands: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX INCR DECR
// INCRBY DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SUBSTR SETRANGE.

#include <cmath>
#include <string>

#include "commands/arg_parser.h"
#include "commands/args.h"
#include "commands/families.h"
#include "commands/journal_forms.h"
#include "engine/notify_flags.h"
#include "commands/notices.h"
#include "core/string_value.h"
#include "engine/command_context.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using core::Entry;
using core::IntBuffer;
using core::ObjType;
using core::Value;
using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

void ReplyStringOf(CommandContext& ctx, const Entry* e) {
  IntBuffer scratch;
  ctx.reply().Bulk(core::StringBytes(e, &scratch));
}

// --- SET / GETEX options ---

enum class ExpireKind { kNone, kEx, kPx, kExAt, kPxAt };

struct SetOptions {
  bool nx = false, xx = false, get = false, keepttl = false, persist = false;
  ExpireKind kind = ExpireKind::kNone;
  std::string_view expire_arg;
};

// Redis compat (parseExtendedStringArgumentsOrReply): repeated options are accepted, the
// last expiry wins, and conflicting ones are a syntax error.
bool ParseSetOptions(std::span<const std::string_view> args, size_t start, bool for_getex,
                     SetOptions* o) {
  ArgParser p(args, start);
  while (p.HasNext()) {
    bool has_expire = o->kind != ExpireKind::kNone;
    auto expiry = [&](std::string_view word, ExpireKind k) {
      if (o->keepttl || o->persist || (has_expire && o->kind != k) || !p.Check(word, 1)) {
        return false;
      }
      o->kind = k;
      o->expire_arg = p.Next();
      return true;
    };
    if (!for_getex && !o->xx && p.Check("NX")) {
      o->nx = true;
    } else if (!for_getex && !o->nx && p.Check("XX")) {
      o->xx = true;
    } else if (!for_getex && p.Check("GET")) {
      o->get = true;
    } else if (!for_getex && !has_expire && p.Check("KEEPTTL")) {
      o->keepttl = true;
    } else if (for_getex && !has_expire && p.Check("PERSIST")) {
      o->persist = true;
    } else if (expiry("EX", ExpireKind::kEx) || expiry("PX", ExpireKind::kPx) ||
               expiry("EXAT", ExpireKind::kExAt) || expiry("PXAT", ExpireKind::kPxAt)) {
    } else {
      p.Fail(errors::kSyntax);
    }
  }
  return p.Finalize();
}

// The absolute expiry (Unix ms) an EX/PX/EXAT/PXAT argument asks for.
OpResult<int64_t> AbsoluteExpire(std::string_view arg, ExpireKind kind, int64_t now_ms) {
  int64_t v;
  if (!base::ParseInt64(arg, &v)) return OpStatus::kNotInteger;
  bool seconds = kind == ExpireKind::kEx || kind == ExpireKind::kExAt;
  if (v <= 0 || (seconds && v > INT64_MAX / 1000)) return OpStatus::kInvalidExpire;
  if (seconds) v *= 1000;
  if (kind == ExpireKind::kEx || kind == ExpireKind::kPx) {
    if (__builtin_add_overflow(v, now_ms, &v)) return OpStatus::kInvalidExpire;
  }
  if (v <= 0) return OpStatus::kInvalidExpire;
  return v;
}

void ReplyExpireError(CommandContext& ctx, OpStatus st) {
  if (st == OpStatus::kInvalidExpire) return ctx.ReplyError(errors::InvalidExpire(ctx.command().name));
  ctx.ReplyError(st);
}

// The SET family's core. `ok` and `abort` replies differ between SET and SETNX.
void SetGeneric(CommandContext& ctx, std::string_view key, std::string_view value,
                const SetOptions& o, bool reply_int) {
  int64_t expire = 0;
  if (o.kind != ExpireKind::kNone) {
    OpResult<int64_t> at = AbsoluteExpire(o.expire_arg, o.kind, ctx.now_ms());
    if (!at) return ReplyExpireError(ctx, at.status());
    expire = *at;
  }
  Database& db = ctx.db();
  Database::Ref ref;
  if (o.get) {
    ref = db.FindRead(key);
    if (ref && ref.entry->type() != ObjType::kString) return ctx.ReplyError(OpStatus::kWrongType);
    if (ref) {
      ReplyStringOf(ctx, ref.entry);
    } else {
      ctx.reply().Null();
    }
  } else {
    ref = db.Find(key);
  }
  bool found = static_cast<bool>(ref);
  if ((o.nx && found) || (o.xx && !found)) {
    if (o.get) return;
    if (reply_int) return ctx.reply().Integer(0);
    return ctx.reply().Null();
  }
  if (expire != 0) RecordSet(ctx, key, value, expire);  // relative times as absolute
  Value v = core::MakeStringValue(value);
  if (found) {
    db.Update(ref, v, o.keepttl ? Database::kKeepTtl : expire);
  } else {
    db.Add(key, ref.hash, v, expire);
  }
  if (o.get) return;
  if (reply_int) return ctx.reply().Integer(1);
  ctx.reply().Ok();
}

// SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts-ms | KEEPTTL]
void Set(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx.args(), 3, false, &o)) return ctx.ReplyError(errors::kSyntax);
  SetGeneric(ctx, ctx.arg(1), ctx.arg(2), o, false);
}

// SETNX key value
void SetNx(CommandContext& ctx) {
  SetOptions o;
  o.nx = true;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(2), o, true);
}

// SETEX key seconds value
void SetEx(CommandContext& ctx) {
  SetOptions o;
  o.kind = ExpireKind::kEx;
  o.expire_arg = ctx.arg(2);
  SetGeneric(ctx, ctx.arg(1), ctx.arg(3), o, false);
}

// PSETEX key milliseconds value
void PSetEx(CommandContext& ctx) {
  SetOptions o;
  o.kind = ExpireKind::kPx;
  o.expire_arg = ctx.arg(2);
  SetGeneric(ctx, ctx.arg(1), ctx.arg(3), o, false);
}

// GET key
void Get(CommandContext& ctx) {
  OpResult<Database::Ref> ref = ctx.db().FindOfType(ctx.arg(1), ObjType::kString, true);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Null();
    return ctx.ReplyError(ref.status());
  }
  ReplyStringOf(ctx, ref->entry);
}

// GETSET key value
void GetSet(CommandContext& ctx) {
  SetOptions o;
  o.get = true;
  SetGeneric(ctx, ctx.arg(1), ctx.arg(2), o, false);
}

// GETDEL key
void GetDel(CommandContext& ctx) {
  Database& db = ctx.db();
  OpResult<Database::Ref> ref = db.FindOfType(ctx.arg(1), ObjType::kString, true);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Null();
    return ctx.ReplyError(ref.status());
  }
  ReplyStringOf(ctx, ref->entry);
  db.Erase(*ref);
}

// GETEX key [EX s | PX ms | EXAT ts | PXAT ts-ms | PERSIST]
void GetEx(CommandContext& ctx) {
  SetOptions o;
  if (!ParseSetOptions(ctx.args(), 2, true, &o)) return ctx.ReplyError(errors::kSyntax);
  Database& db = ctx.db();
  OpResult<Database::Ref> ref = db.FindOfType(ctx.arg(1), ObjType::kString, true);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Null();
    return ctx.ReplyError(ref.status());
  }
  int64_t expire = 0;
  if (o.kind != ExpireKind::kNone) {
    OpResult<int64_t> at = AbsoluteExpire(o.expire_arg, o.kind, ctx.now_ms());
    if (!at) return ReplyExpireError(ctx, at.status());
    expire = *at;
  }
  ReplyStringOf(ctx, ref->entry);
  bool absolute = o.kind == ExpireKind::kExAt || o.kind == ExpireKind::kPxAt;
  if (absolute && expire <= ctx.now_ms()) {
    RecordDel(ctx, ctx.arg(1));
    db.Erase(*ref);  // Redis compat: an absolute time already past deletes the key
  } else if (o.kind != ExpireKind::kNone) {
    RecordPExpireAt(ctx, ctx.arg(1), expire);
    db.SetExpire(*ref, expire);
  } else if (o.persist && ref->entry->has_expire()) {
    ctx.RecordAs({"PERSIST", ctx.arg(1)});
    db.SetExpire(*ref, 0);
  }
}

// MGET key [key ...]
void MGet(CommandContext& ctx) {
  ctx.reply().ArrayHeader(ctx.argc() - 1);
  for (size_t i = 1; i < ctx.argc(); ++i) {
    Database::Ref ref = ctx.db_for(ctx.arg(i)).FindRead(ctx.arg(i));
    if (ref && ref.entry->type() == ObjType::kString) {
      ReplyStringOf(ctx, ref.entry);
    } else {
      ctx.reply().Null();
    }
  }
}

// MSET key value [key value ...] / MSETNX (all or nothing)
void MSetGeneric(CommandContext& ctx, bool nx) {
  if (ctx.argc() % 2 == 0) return ctx.ReplyError(errors::WrongArity(ctx.command().name));
  if (nx) {
    for (size_t i = 1; i < ctx.argc(); i += 2) {
      if (ctx.db_for(ctx.arg(i)).Find(ctx.arg(i))) return ctx.reply().Integer(0);
    }
  }
  for (size_t i = 1; i < ctx.argc(); i += 2) {
    ctx.db_for(ctx.arg(i)).Set(ctx.arg(i), core::MakeStringValue(ctx.arg(i + 1)), 0);
  }
  if (nx) return ctx.reply().Integer(1);
  ctx.reply().Ok();
}

void MSet(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNx(CommandContext& ctx) { MSetGeneric(ctx, true); }

// Adds `delta` to the integer at `key` (missing counts as 0); keeps the TTL.
OpResult<int64_t> OpIncrBy(Database& db, std::string_view key, int64_t delta) {
  Database::Ref ref = db.Find(key);
  int64_t current = 0;
  if (ref) {
    if (ref.entry->type() != ObjType::kString) return OpStatus::kWrongType;
    if (!core::StringToInt64(ref.entry, &current)) return OpStatus::kNotInteger;
  }
  int64_t next;
  if (__builtin_add_overflow(current, delta, &next)) return OpStatus::kOverflow;
  if (ref) {
    db.Update(ref, Value::Int(next), Database::kKeepTtl);
  } else {
    db.Add(key, ref.hash, Value::Int(next), 0);
  }
  return next;
}

void IncrByGeneric(CommandContext& ctx, int64_t delta) {
  OpResult<int64_t> r = OpIncrBy(ctx.db(), ctx.arg(1), delta);
  if (!r) return ctx.ReplyError(r.status());
  ctx.reply().Integer(*r);
}

// INCR key / DECR key
void Incr(CommandContext& ctx) { IncrByGeneric(ctx, 1); }
void Decr(CommandContext& ctx) { IncrByGeneric(ctx, -1); }

// INCRBY key increment
void IncrBy(CommandContext& ctx) {
  OpResult<int64_t> delta = ParseInt64Arg(ctx.arg(2));
  if (!delta) return ctx.ReplyError(delta.status());
  IncrByGeneric(ctx, *delta);
}

// DECRBY key decrement
void DecrBy(CommandContext& ctx) {
  OpResult<int64_t> delta = ParseInt64Arg(ctx.arg(2));
  if (!delta) return ctx.ReplyError(delta.status());
  if (*delta == INT64_MIN) return ctx.ReplyError(errors::kDecrementOverflow);
  IncrByGeneric(ctx, -*delta);
}

// INCRBYFLOAT key increment
void IncrByFloat(CommandContext& ctx) {
  Database& db = ctx.db();
  Database::Ref ref = db.Find(ctx.arg(1));
  long double current = 0, incr;
  if (ref) {
    if (ref.entry->type() != ObjType::kString) return ctx.ReplyError(OpStatus::kWrongType);
    IntBuffer scratch;
    if (!base::ParseLongDouble(core::StringBytes(ref.entry, &scratch), &current)) {
      return ctx.ReplyError(OpStatus::kNotFloat);
    }
  }
  if (!base::ParseLongDouble(ctx.arg(2), &incr)) return ctx.ReplyError(OpStatus::kNotFloat);
  long double next = current + incr;
  if (std::isnan(next) || std::isinf(next)) return ctx.ReplyError(OpStatus::kNanOrInfinity);
  std::string text = base::FormatLongDouble(next);
  // Redis compat: the result is stored as text, never int-encoded.
  RecordSet(ctx, ctx.arg(1), text, Database::kKeepTtl);  // the sum, not the addition
  Value v = core::MakeTextValue(text);
  if (ref) {
    db.Update(ref, v, Database::kKeepTtl);
  } else {
    db.Add(ctx.arg(1), ref.hash, v, 0);
  }
  ctx.reply().Bulk(text);
}

bool TooBig(CommandContext& ctx, uint64_t total) {
  return total > static_cast<uint64_t>(ctx.config().proto_max_bulk_len);
}

// APPEND key value
void Append(CommandContext& ctx) {
  Database& db = ctx.db();
  std::string_view add = ctx.arg(2);
  Database::Ref ref = db.Find(ctx.arg(1));
  if (!ref) {
    // Redis compat: APPEND to a missing key stores the value as SET would.
    db.Add(ctx.arg(1), ref.hash, core::MakeStringValue(add), 0);
    return ctx.reply().Integer(static_cast<int64_t>(add.size()));
  }
  if (ref.entry->type() != ObjType::kString) return ctx.ReplyError(OpStatus::kWrongType);
  if (TooBig(ctx, core::StringLength(ref.entry) + add.size())) {
    return ctx.ReplyError(errors::kStringTooBig);
  }
  core::StringEdit edit = core::AppendString(ref.entry, add);
  db.CommitStringEdit(ref, edit);
  ctx.reply().Integer(static_cast<int64_t>(edit.length));
}

// STRLEN key
void StrLen(CommandContext& ctx) {
  OpResult<Database::Ref> ref = ctx.db().FindOfType(ctx.arg(1), ObjType::kString, true);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Integer(0);
    return ctx.ReplyError(ref.status());
  }
  ctx.reply().Integer(static_cast<int64_t>(core::StringLength(ref->entry)));
}

// GETRANGE key start end (also SUBSTR)
void GetRange(CommandContext& ctx) {
  OpResult<int64_t> start_arg = ParseInt64Arg(ctx.arg(2));
  if (!start_arg) return ctx.ReplyError(start_arg.status());
  OpResult<int64_t> end_arg = ParseInt64Arg(ctx.arg(3));
  if (!end_arg) return ctx.ReplyError(end_arg.status());
  OpResult<Database::Ref> ref = ctx.db().FindOfType(ctx.arg(1), ObjType::kString, true);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Bulk("");
    return ctx.ReplyError(ref.status());
  }
  IntBuffer scratch;
  std::string_view s = core::StringBytes(ref->entry, &scratch);
  int64_t start = *start_arg, end = *end_arg, len = static_cast<int64_t>(s.size());
  // Redis compat (getrangeCommand), including the empty reply for two negative indexes
  // in the wrong order.
  if (start < 0 && end < 0 && start > end) return ctx.reply().Bulk("");
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) return ctx.reply().Bulk("");
  ctx.reply().Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// SETRANGE key offset value
void SetRange(CommandContext& ctx) {
  OpResult<int64_t> offset_arg = ParseInt64Arg(ctx.arg(2));
  if (!offset_arg) return ctx.ReplyError(offset_arg.status());
  int64_t offset = *offset_arg;
  if (offset < 0) return ctx.ReplyError(errors::kOffsetOutOfRange);
  std::string_view value = ctx.arg(3);
  Database& db = ctx.db();
  Database::Ref ref = db.Find(ctx.arg(1));
  if (ref && ref.entry->type() != ObjType::kString) return ctx.ReplyError(OpStatus::kWrongType);
  // Redis compat: an empty value changes nothing (and creates no key).
  if (value.empty()) {
    return ctx.reply().Integer(ref ? static_cast<int64_t>(core::StringLength(ref.entry)) : 0);
  }
  if (TooBig(ctx, static_cast<uint64_t>(offset) + value.size())) {
    return ctx.ReplyError(errors::kStringTooBig);
  }
  core::StringEdit edit =
      core::OverwriteString(ref ? ref.entry : nullptr, static_cast<size_t>(offset), value);
  if (ref) {
    db.CommitStringEdit(ref, edit);
  } else {
    db.Add(ctx.arg(1), ref.hash, edit.value, 0);
  }
  ctx.reply().Integer(static_cast<int64_t>(edit.length));
}

using engine::CommandSpec;
using engine::kDenyOom;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeySpec;
using engine::Range;
using engine::kKeyAccess;
using engine::kKeyInsert;
using engine::kKeyOw;
using engine::kKeyRw;
using engine::kKeyUpdate;
using engine::kKeyVariableFlags;

// Key specifications with more than one spec or a shape of their own.
constexpr KeySpec kSetKeys[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyUpdate | kKeyVariableFlags, .begin = AtIndex(1),
     .find = Range(0),
     .notes = "Read as well when GET asks for the old value (the flags vary with the arguments)"},
};

// SET's key flags for one call: read and updated with GET, overwritten without.
bool SetKeyFlags(std::span<const std::string_view> args, std::vector<engine::KeyRef>* out) {
  // Redis compat: any argument after the value that reads GET counts, even an option's value.
  bool get = false;
  for (size_t i = 3; i < args.size(); ++i) get = get || Is(args[i], "GET");
  out->push_back({.index = 1, .flags = get ? kKeyRw | kKeyAccess | kKeyUpdate : kKeyOw | kKeyUpdate});
  return true;
}
constexpr KeySpec kGetexKeys[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyUpdate, .begin = AtIndex(1), .find = Range(0),
     .notes = "Updated: the expire time may change"},
};
constexpr KeySpec kMsetKeys[] = {
    {.flags = kKeyOw | kKeyUpdate, .begin = AtIndex(1), .find = Range(-1, 2)},
};
constexpr KeySpec kMsetnxKeys[] = {
    {.flags = kKeyOw | kKeyInsert, .begin = AtIndex(1), .find = Range(-1, 2)},
};

constexpr CommandSpec kStringCommands[] = {
    {.name = "GET", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1}, .handler = Get,
     .summary = "Returns the string value of a key.", .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "SET", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, 1, 1}, .handler = Set,
     .notice_hook = NoticeSet,
     .summary = "Sets the string value of a key, ignoring its type. The key is created if it "
                "doesn't exist.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = kSetKeys, .key_flags = SetKeyFlags},
    {.name = "SETNX", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = SetNx,
     .notice = {engine::kNotifyString, "set"},
     .summary = "Set the string value of a key only when the key doesn't exist.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneOwInsert},
    {.name = "SETEX", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1}, .handler = SetEx,
     .notice_hook = NoticeSetEx,
     .summary = "Sets the string value and expiration time of a key.", .since = "2.0.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneOwUpdate},
    {.name = "PSETEX", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
     .handler = PSetEx,
     .notice_hook = NoticeSetEx,
     .summary = "Sets both string value and expiration time in milliseconds of a key.",
     .since = "2.6.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneOwUpdate},
    {.name = "GETSET", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = GetSet,
     .notice = {engine::kNotifyString, "set"},
     .summary = "Returns the previous string value of a key after setting it.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "GETDEL", .arity = 2, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = GetDel,
     .notice = {engine::kNotifyGeneric, "del"},
     .summary = "Returns the string value of a key after deleting the key.", .since = "6.2.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessDelete},
    {.name = "GETEX", .arity = -2, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = GetEx,
     .notice_hook = NoticeGetEx,
     .summary = "Returns the string value of a key after setting its expiration time.",
     .since = "6.2.0", .complexity = "O(1)",
     .key_specs = kGetexKeys},
    {.name = "MGET", .arity = -2, .flags = kReadOnly | kFast, .keys = {1, -1, 1}, .handler = MGet,
     .summary = "Atomically returns the string values of one or more keys.", .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys to retrieve.",
     .key_specs = key_specs::kAllRoAccess, .tips = "request_policy:multi_shard"},
    {.name = "MSET", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 2}, .handler = MSet,
     .notice = {engine::kNotifyString, "set"},
     .summary = "Atomically creates or modifies the string values of one or more keys.",
     .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
     .key_specs = kMsetKeys, .tips = "request_policy:multi_shard response_policy:all_succeeded"},
    {.name = "MSETNX", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 2},
     .handler = MSetNx,
     .notice = {engine::kNotifyString, "set"},
     .summary = "Atomically modifies the string values of one or more keys only when all keys "
                "don't exist.",
     .since = "1.0.1", .complexity = "O(N) where N is the number of keys to set.",
     .key_specs = kMsetnxKeys, .tips = "request_policy:multi_shard response_policy:agg_min"},
    {.name = "INCR", .arity = 2, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = Incr,
     .notice = {engine::kNotifyString, "incrby"},
     .summary = "Increments the integer value of a key by one. Uses 0 as initial value if the "
                "key doesn't exist.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "DECR", .arity = 2, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = Decr,
     .notice = {engine::kNotifyString, "incrby"},
     .summary = "Decrements the integer value of a key by one. Uses 0 as initial value if the "
                "key doesn't exist.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "INCRBY", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = IncrBy,
     .notice = {engine::kNotifyString, "incrby"},
     .summary = "Increments the integer value of a key by a number. Uses 0 as initial value if "
                "the key doesn't exist.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "DECRBY", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = DecrBy,
     .notice = {engine::kNotifyString, "incrby"},
     .summary = "Decrements a number from the integer value of a key. Uses 0 as initial value "
                "if the key doesn't exist.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "INCRBYFLOAT", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = IncrByFloat,
     .notice = {engine::kNotifyString, "incrbyfloat"},
     .summary = "Increment the floating point value of a key by a number. Uses 0 as initial "
                "value if the key doesn't exist.",
     .since = "2.6.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "APPEND", .arity = 3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = Append,
     .notice = {engine::kNotifyString, "append"},
     .summary = "Appends a string to the value of a key. Creates the key if it doesn't exist.",
     .since = "2.0.0", .complexity = "O(1).",
     .key_specs = key_specs::kOneRwInsert},
    {.name = "STRLEN", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = StrLen, .summary = "Returns the length of a string value.", .since = "2.2.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "GETRANGE", .arity = 4, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = GetRange,
     .summary = "Returns a substring of the string stored at a key.", .since = "2.4.0",
     .complexity = "O(N) where N is the length of the returned string.",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "SUBSTR", .arity = 4, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = GetRange,
     .summary = "Returns a substring from a string value.", .since = "1.0.0",
     .complexity = "O(N) where N is the length of the returned string.",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "SETRANGE", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
     .handler = SetRange,
     .notice = {engine::kNotifyString, "setrange"},
     .summary = "Overwrites a part of a string value with another by an offset. Creates the "
                "key if it doesn't exist.",
     .since = "2.2.0", .complexity = "O(1), not counting the time taken to copy the new string "
                                     "in place.",
     .key_specs = key_specs::kOneRwUpdate},
};

}  // namespace

void RegisterStringFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclString, "string", kStringCommands);
}

}  // namespace cinnabar::commands

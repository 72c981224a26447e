// Hash commands: HSET HSETNX HMSET HGET HMGET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HSTRLEN
// HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN.

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "commands/args.h"
#include "commands/families.h"
#include "engine/notify_flags.h"
#include "commands/scan_args.h"
#include "core/hash_value.h"
#include "engine/command_context.h"
#include "engine/shard.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using core::HashValue;
using core::IntBuffer;
using core::ObjType;
using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

core::HashLimits Limits(const CommandContext& ctx) {
  return {.max_listpack_entries = ctx.config().hash_max_listpack_entries,
          .max_listpack_value = ctx.config().hash_max_listpack_value};
}

HashValue ValueOf(const Database::Ref& ref) {
  return HashValue(ref.entry->encoding(), ref.entry->pointer());
}

// A hash about to be written: the existing one, or a new empty one not yet in the keyspace
// (Commit adds it). kWrongType if the key holds something else.
struct Target {
  Database::Ref ref;
  HashValue hash{core::kHashListpack, nullptr};
};

OpResult<Target> FindForWrite(Database& db, std::string_view key) {
  Target t;
  t.ref = db.Find(key);
  if (t.ref) {
    if (t.ref.entry->type() != ObjType::kHash) return OpStatus::kWrongType;
    t.hash = ValueOf(t.ref);
  } else {
    t.hash = HashValue::Create();
  }
  return t;
}

// Records a change: stores the (possibly moved or converted) hash back, adds a new one, or
// deletes the key when the hash became empty (Redis never keeps empty collections).
void Commit(Database& db, std::string_view key, Target& t) {
  if (t.ref) {
    db.UpdateObject(t.ref, t.hash.encoding(), t.hash.pointer());
    if (t.hash.Size() == 0) db.Erase(t.ref);
  } else if (t.hash.Size() > 0) {
    db.Add(key, t.ref.hash, core::Value::OutOfLine(ObjType::kHash, t.hash.encoding(),
                                                   t.hash.pointer()),
           0);
  } else {
    t.hash.Destroy();
  }
}

// A write that failed before changing anything: frees a new hash never added to the
// keyspace; an existing one is left alone (no change, for WATCH and the dirty counter).
void Abandon(Target& t) {
  if (!t.ref) t.hash.Destroy();
}

// The hash at `key` for a read command (counts a hit or miss).
OpResult<HashValue> FindForRead(CommandContext& ctx, std::string_view key) {
  OpResult<Database::Ref> ref = ctx.db().FindOfType(key, ObjType::kHash, true);
  if (!ref) return ref.status();
  return ValueOf(*ref);
}

// HSET key field value [field value ...] / HMSET (replies OK)
void HSetGeneric(CommandContext& ctx, bool hmset) {
  if (ctx.argc() % 2 != 0) return ctx.ReplyError(errors::WrongArity(ctx.command().name));
  Database& db = ctx.db();
  OpResult<Target> t = FindForWrite(db, ctx.arg(1));
  if (!t) return ctx.ReplyError(t.status());
  core::HashLimits limits = Limits(ctx);
  t->hash.ConvertIfTooLong(ctx.args().subspan(2), limits);
  int64_t created = 0;
  for (size_t i = 2; i < ctx.argc(); i += 2) {
    if (t->hash.Set(ctx.arg(i), ctx.arg(i + 1), limits)) ++created;
  }
  Commit(db, ctx.arg(1), *t);
  if (hmset) return ctx.reply().Ok();
  ctx.reply().Integer(created);
}

void HSet(CommandContext& ctx) { HSetGeneric(ctx, false); }
void HMSet(CommandContext& ctx) { HSetGeneric(ctx, true); }

// HSETNX key field value
void HSetNx(CommandContext& ctx) {
  Database& db = ctx.db();
  OpResult<Target> t = FindForWrite(db, ctx.arg(1));
  if (!t) return ctx.ReplyError(t.status());
  if (t->hash.Contains(ctx.arg(2))) return ctx.reply().Integer(0);  // an existing hash: no change
  t->hash.Set(ctx.arg(2), ctx.arg(3), Limits(ctx));
  Commit(db, ctx.arg(1), *t);
  ctx.reply().Integer(1);
}

// HGET key field
void HGet(CommandContext& ctx) {
  OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
  if (!h) {
    if (h.status() == OpStatus::kNotFound) return ctx.reply().Null();
    return ctx.ReplyError(h.status());
  }
  IntBuffer scratch;
  std::optional<std::string_view> v = h->Get(ctx.arg(2), &scratch);
  if (!v) return ctx.reply().Null();
  ctx.reply().Bulk(*v);
}

// HMGET key field [field ...]
void HMGet(CommandContext& ctx) {
  OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
  if (!h && h.status() != OpStatus::kNotFound) return ctx.ReplyError(h.status());
  ctx.reply().ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    IntBuffer scratch;
    std::optional<std::string_view> v;
    if (h) v = h->Get(ctx.arg(i), &scratch);
    if (v) {
      ctx.reply().Bulk(*v);
    } else {
      ctx.reply().Null();
    }
  }
}

enum class Part { kKeys, kValues, kBoth };

// HGETALL key / HKEYS key / HVALS key
void HGetAllGeneric(CommandContext& ctx, Part part) {
  OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
  if (!h && h.status() != OpStatus::kNotFound) return ctx.ReplyError(h.status());
  size_t n = h ? h->Size() : 0;
  if (part == Part::kBoth) {
    ctx.reply().MapHeader(n);
  } else {
    ctx.reply().ArrayHeader(n);
  }
  if (!h) return;
  h->ForEach([&](std::string_view f, std::string_view v) {
    if (part != Part::kValues) ctx.reply().Bulk(f);
    if (part != Part::kKeys) ctx.reply().Bulk(v);
  });
}

void HGetAll(CommandContext& ctx) { HGetAllGeneric(ctx, Part::kBoth); }
void HKeys(CommandContext& ctx) { HGetAllGeneric(ctx, Part::kKeys); }
void HVals(CommandContext& ctx) { HGetAllGeneric(ctx, Part::kValues); }

// HDEL key field [field ...]
void HDel(CommandContext& ctx) {
  Database& db = ctx.db();
  OpResult<Database::Ref> ref = db.FindOfType(ctx.arg(1), ObjType::kHash, false);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Integer(0);
    return ctx.ReplyError(ref.status());
  }
  Target t{*ref, ValueOf(*ref)};
  int64_t deleted = 0;
  for (size_t i = 2; i < ctx.argc() && t.hash.Size() > 0; ++i) {
    if (t.hash.Delete(ctx.arg(i))) ++deleted;
  }
  // Redis compat: deleting only missing fields is no change (WATCH, the dirty counter).
  if (deleted > 0) Commit(db, ctx.arg(1), t);
  ctx.reply().Integer(deleted);
}

// HEXISTS key field
void HExists(CommandContext& ctx) {
  OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
  if (!h && h.status() != OpStatus::kNotFound) return ctx.ReplyError(h.status());
  ctx.reply().Integer(h && h->Contains(ctx.arg(2)) ? 1 : 0);
}

// HLEN key
void HLen(CommandContext& ctx) {
  OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
  if (!h && h.status() != OpStatus::kNotFound) return ctx.ReplyError(h.status());
  ctx.reply().Integer(h ? static_cast<int64_t>(h->Size()) : 0);
}

// HSTRLEN key field
void HStrLen(CommandContext& ctx) {
  OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
  if (!h && h.status() != OpStatus::kNotFound) return ctx.ReplyError(h.status());
  IntBuffer scratch;
  std::optional<std::string_view> v;
  if (h) v = h->Get(ctx.arg(2), &scratch);
  ctx.reply().Integer(v ? static_cast<int64_t>(v->size()) : 0);
}

// HINCRBY key field increment
void HIncrBy(CommandContext& ctx) {
  OpResult<int64_t> incr = ParseInt64Arg(ctx.arg(3));
  if (!incr) return ctx.ReplyError(incr.status());
  Database& db = ctx.db();
  OpResult<Target> t = FindForWrite(db, ctx.arg(1));
  if (!t) return ctx.ReplyError(t.status());
  int64_t current = 0;
  IntBuffer scratch;
  if (std::optional<std::string_view> v = t->hash.Get(ctx.arg(2), &scratch)) {
    if (!base::ParseInt64(*v, &current)) {
      Abandon(*t);
      return ctx.ReplyError(errors::kHashNotInteger);
    }
  }
  int64_t next;
  if (__builtin_add_overflow(current, *incr, &next)) {
    Abandon(*t);
    return ctx.ReplyError(errors::kOverflow);
  }
  char buf[base::kInt64Chars];
  t->hash.Set(ctx.arg(2), std::string_view(buf, base::FormatInt64(next, buf)), Limits(ctx));
  Commit(db, ctx.arg(1), *t);
  ctx.reply().Integer(next);
}

// HINCRBYFLOAT key field increment
void HIncrByFloat(CommandContext& ctx) {
  long double incr;
  if (!base::ParseLongDouble(ctx.arg(3), &incr)) return ctx.ReplyError(errors::kNotFloat);
  if (std::isnan(incr) || std::isinf(incr)) return ctx.ReplyError(errors::kValueNanOrInfinity);
  Database& db = ctx.db();
  OpResult<Target> t = FindForWrite(db, ctx.arg(1));
  if (!t) return ctx.ReplyError(t.status());
  long double current = 0;
  IntBuffer scratch;
  if (std::optional<std::string_view> v = t->hash.Get(ctx.arg(2), &scratch)) {
    if (!base::ParseLongDouble(*v, &current)) {
      Abandon(*t);
      return ctx.ReplyError(errors::kHashNotFloat);
    }
  }
  long double next = current + incr;
  if (std::isnan(next) || std::isinf(next)) {
    Abandon(*t);
    return ctx.ReplyError(errors::kNanOrInfinity);
  }
  std::string text = base::FormatLongDouble(next);
  ctx.RecordAs({"HSET", ctx.arg(1), ctx.arg(2), text});  // the sum, not the addition
  t->hash.Set(ctx.arg(2), text, Limits(ctx));
  Commit(db, ctx.arg(1), *t);
  ctx.reply().Bulk(text);
}

// Replies `pairs` as HRANDFIELD ... WITHVALUES does: RESP3 an array of [field, value]
// arrays, RESP2 one flat array; fields alone without WITHVALUES.
void ReplyPairsHeader(CommandContext& ctx, size_t n, bool withvalues) {
  if (!withvalues) return ctx.reply().ArrayHeader(n);
  ctx.reply().PairsHeader(n, protocol::PairShape::kByProtocol);
}
void ReplyPairs(CommandContext& ctx, const std::vector<std::pair<std::string, std::string>>& pairs,
                bool withvalues) {
  for (const auto& [f, v] : pairs) {
    if (!withvalues) {
      ctx.reply().Bulk(f);
    } else {
      ctx.reply().BulkPair(f, v, protocol::PairShape::kByProtocol);
    }
  }
}

// HRANDFIELD key [count [WITHVALUES]]
void HRandField(CommandContext& ctx) {
  auto random = [&ctx] { return ctx.shard().Random(); };
  if (ctx.argc() == 2) {
    OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
    if (!h) {
      if (h.status() == OpStatus::kNotFound) return ctx.reply().Null();
      return ctx.ReplyError(h.status());
    }
    ctx.reply().Bulk(h->Random(1, false, random)[0].first);
    return;
  }
  OpResult<int64_t> count = ParseInt64Arg(ctx.arg(2));
  if (!count) return ctx.ReplyError(count.status());
  if (*count == INT64_MIN) return ctx.ReplyError(errors::kCountOutOfRange);
  bool withvalues = false;
  if (ctx.argc() > 4 || (ctx.argc() == 4 && !Is(ctx.arg(3), "WITHVALUES"))) {
    return ctx.ReplyError(errors::kSyntax);
  }
  if (ctx.argc() == 4) {
    withvalues = true;
    if (*count < -INT64_MAX / 2 || *count > INT64_MAX / 2) {
      return ctx.ReplyError(errors::kValueOutOfRange);
    }
  }
  OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
  if (!h && h.status() != OpStatus::kNotFound) return ctx.ReplyError(h.status());
  if (!h || *count == 0) return ctx.reply().EmptyArray();
  if (*count > 0) {
    auto pairs = h->Random(static_cast<size_t>(*count), false, random);
    ReplyPairsHeader(ctx, pairs.size(), withvalues);
    return ReplyPairs(ctx, pairs, withvalues);
  }
  // Negative: exactly -count picks, repeats allowed; produced in batches to bound memory.
  auto want = static_cast<size_t>(-*count);
  ReplyPairsHeader(ctx, want, withvalues);
  constexpr size_t kBatch = 1024;
  for (size_t done = 0; done < want; done += kBatch) {
    ReplyPairs(ctx, h->Random(std::min(kBatch, want - done), true, random), withvalues);
  }
}

// HSCAN key cursor [MATCH pattern] [COUNT count]
void HScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) return ctx.ReplyError(errors::kInvalidCursor);
  OpResult<HashValue> h = FindForRead(ctx, ctx.arg(1));
  if (!h && h.status() != OpStatus::kNotFound) return ctx.ReplyError(h.status());
  if (!h) {
    ctx.reply().ArrayHeader(2);
    ctx.reply().Bulk("0");
    return ctx.reply().EmptyArray();
  }
  ScanOptions opts;
  // Redis compat: options are only looked at once the key is known to exist.
  std::string_view err = ParseScanOptions(ctx.args(), 3, false, &opts);
  if (!err.empty()) return ctx.ReplyError(err);
  std::vector<std::pair<std::string, std::string>> found;
  uint64_t next = h->Scan(cursor, opts.count, [&](std::string_view f, std::string_view v) {
    if (opts.Matches(f)) found.emplace_back(f, v);
  });
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(next));
  ctx.reply().PairsHeader(found.size(), protocol::PairShape::kFlat);
  for (const auto& [f, v] : found) ctx.reply().BulkPair(f, v, protocol::PairShape::kFlat);
}

using engine::CommandSpec;
using engine::kDenyOom;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

namespace key_specs = engine::key_specs;

constexpr CommandSpec kHashCommands[] = {
    {.name = "HSET", .arity = -4, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = HSet,
     .notice = {engine::kNotifyHash, "hset"},
     .summary = "Creates or modifies the value of a field in a hash.",
     .since = "2.0.0",
     .complexity = "O(1) for each field/value pair added, so O(N) to add N field/value pairs "
                   "when the command is called with multiple field/value pairs.",
     .key_specs = key_specs::kOneRwUpdate},
    {.name = "HSETNX", .arity = 4, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = HSetNx,
     .notice = {engine::kNotifyHash, "hset"},
     .summary = "Sets the value of a field in a hash only when the field doesn't exist.",
     .since = "2.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwInsert},
    {.name = "HMSET", .arity = -4, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = HMSet,
     .notice = {engine::kNotifyHash, "hset"},
     .summary = "Sets the values of multiple fields.", .since = "2.0.0",
     .complexity = "O(N) where N is the number of fields being set.",
     .key_specs = key_specs::kOneRwUpdate},
    {.name = "HGET", .arity = 3, .flags = kReadOnly | kFast, .keys = {1, 1, 1}, .handler = HGet,
     .summary = "Returns the value of a field in a hash.", .since = "2.0.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "HMGET", .arity = -3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = HMGet, .summary = "Returns the values of all fields in a hash.",
     .since = "2.0.0", .complexity = "O(N) where N is the number of fields being requested.",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "HGETALL", .arity = 2, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = HGetAll,
     .summary = "Returns all fields and values in a hash.", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output_order"},
    {.name = "HKEYS", .arity = 2, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = HKeys,
     .summary = "Returns all fields in a hash.", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output_order"},
    {.name = "HVALS", .arity = 2, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = HVals,
     .summary = "Returns all values in a hash.", .since = "2.0.0",
     .complexity = "O(N) where N is the size of the hash.",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output_order"},
    {.name = "HDEL", .arity = -3, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = HDel,
     .notice = {engine::kNotifyHash, "hdel"},
     .summary = "Deletes one or more fields and their values from a hash. Deletes the hash if "
                "no fields remain.",
     .since = "2.0.0", .complexity = "O(N) where N is the number of fields to be removed.",
     .key_specs = key_specs::kOneRwDelete},
    {.name = "HEXISTS", .arity = 3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = HExists, .summary = "Determines whether a field exists in a hash.",
     .since = "2.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "HLEN", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1}, .handler = HLen,
     .summary = "Returns the number of fields in a hash.", .since = "2.0.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "HSTRLEN", .arity = 3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = HStrLen, .summary = "Returns the length of the value of a field.",
     .since = "3.2.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "HINCRBY", .arity = 4, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = HIncrBy,
     .notice = {engine::kNotifyHash, "hincrby"},
     .summary = "Increments the integer value of a field in a hash by a number. Uses 0 as "
                "initial value if the field doesn't exist.",
     .since = "2.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "HINCRBYFLOAT", .arity = 4, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = HIncrByFloat,
     .notice = {engine::kNotifyHash, "hincrbyfloat"},
     .summary = "Increments the floating point value of a field by a number. Uses 0 as "
                "initial value if the field doesn't exist.",
     .since = "2.6.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "HRANDFIELD", .arity = -2, .flags = kReadOnly, .keys = {1, 1, 1},
     .handler = HRandField, .summary = "Returns one or more random fields from a hash.",
     .since = "6.2.0",
     .complexity = "O(N) where N is the number of fields returned",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output"},
    {.name = "HSCAN", .arity = -3, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = HScan,
     .summary = "Iterates over fields and values of a hash.", .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                   "command calls for the cursor to return back to 0. N is the number of "
                   "elements inside the collection.",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output"},
};

}  // namespace

void RegisterHashFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclHash, "hash", kHashCommands);
}

}  // namespace cinnabar::commands

// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
// SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SINTERCARD SSCAN.
//
// The multi-key commands read every key through ctx.db_for(): the dispatcher has locked
// each shard they name, so sources and destination may live on different shards.

#include <algorithm>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "commands/args.h"
#include "commands/families.h"
#include "engine/notify_flags.h"
#include "commands/notices.h"
#include "commands/scan_args.h"
#include "core/set_value.h"
#include "engine/command_context.h"
#include "engine/shard.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using core::ObjType;
using core::SetValue;
using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

core::SetLimits Limits(const CommandContext& ctx) {
  const engine::ServerConfig& c = ctx.config();
  return {.max_intset_entries = c.set_max_intset_entries,
          .max_listpack_entries = c.set_max_listpack_entries,
          .max_listpack_value = c.set_max_listpack_value};
}

SetValue ValueOf(const Database::Ref& ref) {
  return SetValue(ref.entry->encoding(), ref.entry->pointer());
}

core::Value AsValue(const SetValue& s) {
  return core::Value::OutOfLine(ObjType::kSet, s.encoding(), s.pointer());
}

// Stores a changed set back in its entry, or deletes the key when the set became empty
// (Redis never keeps empty collections).
void Commit(Database& db, Database::Ref& ref, const SetValue& s) {
  db.UpdateObject(ref, s.encoding(), s.pointer());
  if (s.Size() == 0) db.Erase(ref);
}

// A new set holding `members` (not empty), encoded as adding them one by one would.
SetValue BuildSet(const std::vector<std::string>& members, const core::SetLimits& limits) {
  SetValue s = SetValue::Create(members[0], members.size(), limits);
  for (const std::string& m : members) s.Add(m, limits);
  return s;
}

// The set at `key` for a read command (counts a hit or miss).
OpResult<SetValue> FindForRead(CommandContext& ctx, std::string_view key) {
  OpResult<Database::Ref> ref = ctx.db().FindOfType(key, ObjType::kSet, true);
  if (!ref) return ref.status();
  return ValueOf(*ref);
}

void ReplyMembers(CommandContext& ctx, const std::vector<std::string>& members, bool as_set) {
  if (as_set) {
    ctx.reply().SetHeader(members.size());
  } else {
    ctx.reply().ArrayHeader(members.size());
  }
  for (const std::string& m : members) ctx.reply().Bulk(m);
}

// SADD key member [member ...]
void SAdd(CommandContext& ctx) {
  Database& db = ctx.db();
  Database::Ref ref = db.Find(ctx.arg(1));
  if (ref && ref.entry->type() != ObjType::kSet) return ctx.ReplyError(OpStatus::kWrongType);
  core::SetLimits limits = Limits(ctx);
  // Redis compat: 7.0 picks a new set's encoding from its first member alone (7.2 also
  // counts the arguments); the adds below convert it once the set really outgrows the
  // limits, so repeated members do not count.
  SetValue s = ref ? ValueOf(ref) : SetValue::Create(ctx.arg(2), 1, limits);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    if (s.Add(ctx.arg(i), limits)) ++added;
  }
  if (!ref) {
    db.Add(ctx.arg(1), ref.hash, AsValue(s), 0);
  } else if (added > 0) {  // Redis compat: adding only members it has is no change
    db.UpdateObject(ref, s.encoding(), s.pointer());
  }
  ctx.reply().Integer(added);
}

// SREM key member [member ...]
void SRem(CommandContext& ctx) {
  Database& db = ctx.db();
  OpResult<Database::Ref> ref = db.FindOfType(ctx.arg(1), ObjType::kSet, false);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Integer(0);
    return ctx.ReplyError(ref.status());
  }
  SetValue s = ValueOf(*ref);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc() && s.Size() > 0; ++i) {
    if (s.Remove(ctx.arg(i))) ++removed;
  }
  // Redis compat: a write that changes nothing is no change (WATCH, the dirty counter).
  if (removed > 0) Commit(db, *ref, s);
  ctx.reply().Integer(removed);
}

// SMEMBERS key
void SMembers(CommandContext& ctx) {
  OpResult<SetValue> s = FindForRead(ctx, ctx.arg(1));
  if (!s && s.status() != OpStatus::kNotFound) return ctx.ReplyError(s.status());
  ctx.reply().SetHeader(s ? s->Size() : 0);
  if (s) s->ForEach([&](std::string_view m) { ctx.reply().Bulk(m); });
}

// SISMEMBER key member
void SIsMember(CommandContext& ctx) {
  OpResult<SetValue> s = FindForRead(ctx, ctx.arg(1));
  if (!s && s.status() != OpStatus::kNotFound) return ctx.ReplyError(s.status());
  ctx.reply().Integer(s && s->Contains(ctx.arg(2)) ? 1 : 0);
}

// SMISMEMBER key member [member ...]
void SMIsMember(CommandContext& ctx) {
  OpResult<SetValue> s = FindForRead(ctx, ctx.arg(1));
  if (!s && s.status() != OpStatus::kNotFound) return ctx.ReplyError(s.status());
  ctx.reply().ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply().Integer(s && s->Contains(ctx.arg(i)) ? 1 : 0);
  }
}

// SCARD key
void SCard(CommandContext& ctx) {
  OpResult<SetValue> s = FindForRead(ctx, ctx.arg(1));
  if (!s && s.status() != OpStatus::kNotFound) return ctx.ReplyError(s.status());
  ctx.reply().Integer(s ? static_cast<int64_t>(s->Size()) : 0);
}

// The journal records SPOP as the removal of what it picked.
void RecordPopped(const CommandContext& ctx, const std::vector<std::string>& popped) {
  if (!ctx.journaling()) return;
  std::vector<std::string_view> args = {"SREM", ctx.arg(1)};
  args.insert(args.end(), popped.begin(), popped.end());
  ctx.RecordAs(args);
}

// SPOP key [count]
void SPop(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.ReplyError(errors::kSyntax);
  std::optional<int64_t> count;
  if (ctx.argc() == 3) {
    int64_t c;
    if (!base::ParseInt64(ctx.arg(2), &c) || c < 0) return ctx.ReplyError(errors::kPositiveCount);
    count = c;
  }
  Database& db = ctx.db();
  OpResult<Database::Ref> ref = db.FindOfType(ctx.arg(1), ObjType::kSet, false);
  if (!ref && ref.status() != OpStatus::kNotFound) return ctx.ReplyError(ref.status());
  if (!ref) return count ? ctx.reply().SetHeader(0) : ctx.reply().Null();
  if (count && *count == 0) return ctx.reply().SetHeader(0);
  SetValue s = ValueOf(*ref);
  std::vector<std::string> popped =
      s.Random(count ? static_cast<size_t>(*count) : 1, false, [&ctx] { return ctx.shard().Random(); });
  for (const std::string& m : popped) s.Remove(m);
  RecordPopped(ctx, popped);
  Commit(db, *ref, s);
  if (!count) return ctx.reply().Bulk(popped[0]);
  ReplyMembers(ctx, popped, true);
}

// SRANDMEMBER key [count]
void SRandMember(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.ReplyError(errors::kSyntax);
  auto random = [&ctx] { return ctx.shard().Random(); };
  if (ctx.argc() == 2) {
    OpResult<SetValue> s = FindForRead(ctx, ctx.arg(1));
    if (!s) {
      if (s.status() == OpStatus::kNotFound) return ctx.reply().Null();
      return ctx.ReplyError(s.status());
    }
    return ctx.reply().Bulk(s->Random(1, false, random)[0]);
  }
  OpResult<int64_t> count = ParseInt64Arg(ctx.arg(2));
  if (!count) return ctx.ReplyError(count.status());
  if (*count == INT64_MIN) return ctx.ReplyError(errors::kCountOutOfRange);
  OpResult<SetValue> s = FindForRead(ctx, ctx.arg(1));
  if (!s && s.status() != OpStatus::kNotFound) return ctx.ReplyError(s.status());
  if (!s || *count == 0) return ctx.reply().EmptyArray();
  if (*count > 0) {
    return ReplyMembers(ctx, s->Random(static_cast<size_t>(*count), false, random), false);
  }
  // Negative: exactly -count picks, repeats allowed; produced in batches to bound memory.
  auto want = static_cast<size_t>(-*count);
  ctx.reply().ArrayHeader(want);
  constexpr size_t kBatch = 1024;
  for (size_t done = 0; done < want; done += kBatch) {
    for (const std::string& m : s->Random(std::min(kBatch, want - done), true, random)) {
      ctx.reply().Bulk(m);
    }
  }
}

// SMOVE source destination member
void SMove(CommandContext& ctx) {
  std::string_view src = ctx.arg(1), dst = ctx.arg(2), member = ctx.arg(3);
  Database& src_db = ctx.db_for(src);
  Database& dst_db = ctx.db_for(dst);
  Database::Ref sref = src_db.Find(src);
  Database::Ref dref = dst_db.Find(dst);
  if (!sref) return ctx.reply().Integer(0);
  if (sref.entry->type() != ObjType::kSet || (dref && dref.entry->type() != ObjType::kSet)) {
    return ctx.ReplyError(OpStatus::kWrongType);
  }
  SetValue from = ValueOf(sref);
  // Redis compat: moving within one set changes nothing but still answers membership.
  if (src == dst) return ctx.reply().Integer(from.Contains(member) ? 1 : 0);
  if (!from.Remove(member)) return ctx.reply().Integer(0);
  Commit(src_db, sref, from);
  core::SetLimits limits = Limits(ctx);
  if (dref) {
    SetValue to = ValueOf(dref);
    // Redis compat: a member the destination already has is no change to it.
    if (to.Add(member, limits)) dst_db.UpdateObject(dref, to.encoding(), to.pointer());
  } else {
    SetValue to = SetValue::Create(member, 1, limits);
    to.Add(member, limits);
    dst_db.Add(dst, dref.hash, AsValue(to), 0);
  }
  ctx.reply().Integer(1);
}

// --- SINTER, SUNION, SDIFF and their STORE forms ---

enum class SetOp { kInter, kUnion, kDiff };

// The sets named by `keys`, nullopt for missing keys. kWrongType if any key holds another
// type (Redis checks every key before computing anything). Counts hits and misses, for the
// STORE forms too (Redis compat: they look their sources up as reads).
OpResult<std::vector<std::optional<SetValue>>> LoadSets(CommandContext& ctx,
                                                       std::span<const std::string_view> keys) {
  std::vector<std::optional<SetValue>> sets;
  sets.reserve(keys.size());
  for (std::string_view key : keys) {
    Database& db = ctx.db_for(key);
    Database::Ref ref = db.FindRead(key);
    if (!ref) {
      sets.emplace_back();
      continue;
    }
    if (ref.entry->type() != ObjType::kSet) return OpStatus::kWrongType;
    sets.emplace_back(ValueOf(ref));
  }
  return sets;
}

// Visits the members of the intersection, smallest set first; stops after `limit` (0 = no
// limit) members.
void Intersect(std::vector<std::optional<SetValue>>& sets, size_t limit,
               base::FunctionRef<void(std::string_view)> visit) {
  for (const auto& s : sets) {
    if (!s) return;  // a missing key is an empty set
  }
  std::sort(sets.begin(), sets.end(),
            [](const auto& a, const auto& b) { return a->Size() < b->Size(); });
  size_t found = 0;
  sets[0]->ForEach([&](std::string_view m) {
    if (limit != 0 && found >= limit) return;
    for (size_t i = 1; i < sets.size(); ++i) {
      if (!sets[i]->Contains(m)) return;
    }
    ++found;
    visit(m);
  });
}

std::vector<std::string> Compute(SetOp op, std::vector<std::optional<SetValue>>& sets) {
  std::vector<std::string> out;
  if (op == SetOp::kInter) {
    Intersect(sets, 0, [&](std::string_view m) { out.emplace_back(m); });
  } else if (op == SetOp::kUnion) {
    std::unordered_set<std::string_view> seen;
    std::vector<std::string> all;
    for (const auto& s : sets) {
      if (!s) continue;
      s->ForEach([&](std::string_view m) { all.emplace_back(m); });
    }
    for (const std::string& m : all) {
      if (seen.insert(m).second) out.push_back(m);
    }
  } else if (sets[0]) {
    sets[0]->ForEach([&](std::string_view m) {
      for (size_t i = 1; i < sets.size(); ++i) {
        if (sets[i] && sets[i]->Contains(m)) return;
      }
      out.emplace_back(m);
    });
  }
  return out;
}

// SINTER/SUNION/SDIFF key [key ...]: the result as a set reply.
void SetOpGeneric(CommandContext& ctx, SetOp op) {
  OpResult<std::vector<std::optional<SetValue>>> sets = LoadSets(ctx, ctx.args().subspan(1));
  if (!sets) return ctx.ReplyError(sets.status());
  ReplyMembers(ctx, Compute(op, *sets), true);
}

// SINTERSTORE/SUNIONSTORE/SDIFFSTORE destination key [key ...]: replaces destination (its
// TTL dropped) with the result, or deletes it when the result is empty.
void SetOpStoreGeneric(CommandContext& ctx, SetOp op) {
  OpResult<std::vector<std::optional<SetValue>>> sets =
      LoadSets(ctx, ctx.args().subspan(2));
  if (!sets) return ctx.ReplyError(sets.status());
  std::vector<std::string> members = Compute(op, *sets);
  std::string_view dst = ctx.arg(1);
  Database& db = ctx.db_for(dst);
  // The result is copied out, so dst (maybe one of the sources) may be overwritten.
  if (!members.empty()) {
    db.Set(dst, AsValue(BuildSet(members, Limits(ctx))), 0);
  } else {
    db.Delete(dst);
  }
  ctx.reply().Integer(static_cast<int64_t>(members.size()));
}

void SInter(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kInter); }
void SUnion(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kUnion); }
void SDiff(CommandContext& ctx) { SetOpGeneric(ctx, SetOp::kDiff); }
void SInterStore(CommandContext& ctx) { SetOpStoreGeneric(ctx, SetOp::kInter); }
void SUnionStore(CommandContext& ctx) { SetOpStoreGeneric(ctx, SetOp::kUnion); }
void SDiffStore(CommandContext& ctx) { SetOpStoreGeneric(ctx, SetOp::kDiff); }

// The numkeys argument of SINTERCARD, if well-formed and not more than the keys given.
bool ParseNumKeys(std::span<const std::string_view> args, int64_t* n) {
  return base::ParseInt64(args[1], n) && *n >= 1 &&
         *n <= static_cast<int64_t>(args.size()) - 2;
}

bool SInterCardKeys(std::span<const std::string_view> args, std::vector<int>* out) {
  int64_t n;
  if (args.size() < 3 || !ParseNumKeys(args, &n)) return false;
  for (int64_t i = 0; i < n; ++i) out->push_back(static_cast<int>(2 + i));
  return true;
}

// SINTERCARD numkeys key [key ...] [LIMIT limit]
void SInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!base::ParseInt64(ctx.arg(1), &numkeys) || numkeys < 1) {
    return ctx.ReplyError(errors::kNumkeysPositive);
  }
  if (numkeys > static_cast<int64_t>(ctx.argc()) - 2) {
    return ctx.ReplyError(errors::kNumKeysTooMany);
  }
  int64_t limit = 0;
  for (size_t i = 2 + static_cast<size_t>(numkeys); i < ctx.argc(); ++i) {
    if (Is(ctx.arg(i), "LIMIT") && i + 1 < ctx.argc()) {
      if (!base::ParseInt64(ctx.arg(++i), &limit) || limit < 0) {
        return ctx.ReplyError(errors::kLimitNegative);
      }
    } else {
      return ctx.ReplyError(errors::kSyntax);
    }
  }
  OpResult<std::vector<std::optional<SetValue>>> sets =
      LoadSets(ctx, ctx.args().subspan(2, static_cast<size_t>(numkeys)));
  if (!sets) return ctx.ReplyError(sets.status());
  int64_t found = 0;
  Intersect(*sets, static_cast<size_t>(limit), [&](std::string_view) { ++found; });
  ctx.reply().Integer(found);
}

// SSCAN key cursor [MATCH pattern] [COUNT count]
void SScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) return ctx.ReplyError(errors::kInvalidCursor);
  OpResult<SetValue> s = FindForRead(ctx, ctx.arg(1));
  if (!s && s.status() != OpStatus::kNotFound) return ctx.ReplyError(s.status());
  if (!s) {
    ctx.reply().ArrayHeader(2);
    ctx.reply().Bulk("0");
    return ctx.reply().EmptyArray();
  }
  ScanOptions opts;
  // Redis compat: options are only looked at once the key is known to exist.
  std::string_view err = ParseScanOptions(ctx.args(), 3, false, &opts);
  if (!err.empty()) return ctx.ReplyError(err);
  std::vector<std::string> found;
  uint64_t next = s->Scan(cursor, opts.count, [&](std::string_view m) {
    if (opts.Matches(m)) found.emplace_back(m);
  });
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(next));
  ReplyMembers(ctx, found, false);
}

using engine::CommandSpec;
using engine::kDenyOom;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

constexpr std::string_view kScanComplexity =
    "O(1) for every call. O(N) for a complete iteration, including enough command calls for "
    "the cursor to return back to 0. N is the number of elements inside the collection.";

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeyNum;
using engine::KeySpec;
using engine::Range;
using engine::kKeyAccess;
using engine::kKeyDelete;
using engine::kKeyInsert;
using engine::kKeyOw;
using engine::kKeyRo;
using engine::kKeyRw;
using engine::kKeyUpdate;

// Key specifications with more than one spec or a shape of their own.
constexpr KeySpec kSinterstoreKeys[] = {
    {.flags = kKeyRw | kKeyUpdate, .begin = AtIndex(1), .find = Range(0)},
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(2), .find = Range(-1)},
};

constexpr CommandSpec kSetCommands[] = {
    {.name = "SADD", .arity = -3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = SAdd,
     .notice = {engine::kNotifySet, "sadd"},
     .summary = "Adds one or more members to a set. Creates the key if it doesn't exist.",
     .since = "1.0.0",
     .complexity = "O(1) for each element added, so O(N) to add N elements when the command "
                   "is called with multiple arguments.",
     .key_specs = key_specs::kOneRwInsert},
    {.name = "SREM", .arity = -3, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = SRem,
     .notice = {engine::kNotifySet, "srem"},
     .summary = "Removes one or more members from a set. Deletes the set if the last member "
                "was removed.",
     .since = "1.0.0", .complexity = "O(N) where N is the number of members to be removed.",
     .key_specs = key_specs::kOneRwDelete},
    {.name = "SMEMBERS", .arity = 2, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = SMembers,
     .summary = "Returns all members of a set.", .since = "1.0.0",
     .complexity = "O(N) where N is the set cardinality.",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output_order"},
    {.name = "SISMEMBER", .arity = 3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = SIsMember, .summary = "Determines whether a member belongs to a set.",
     .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "SMISMEMBER", .arity = -3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = SMIsMember, .summary = "Determines whether multiple members belong to a set.",
     .since = "6.2.0", .complexity = "O(N) where N is the number of elements being checked "
                                     "for membership",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "SCARD", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = SCard, .summary = "Returns the number of members in a set.", .since = "1.0.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "SPOP", .arity = -2, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = SPop,
     .notice = {engine::kNotifySet, "spop"},
     .summary = "Returns one or more random members from a set after removing them. Deletes "
                "the set if the last member was popped.",
     .since = "1.0.0", .complexity = "Without the count argument O(1), otherwise O(N) where N "
                                     "is the value of the passed count.",
     .key_specs = key_specs::kOneRwAccessDelete, .tips = "nondeterministic_output"},
    {.name = "SRANDMEMBER", .arity = -2, .flags = kReadOnly, .keys = {1, 1, 1},
     .handler = SRandMember, .summary = "Get one or multiple random members from a set",
     .since = "1.0.0", .complexity = "Without the count argument O(1), otherwise O(N) where N "
                                     "is the absolute value of the passed count.",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output"},
    {.name = "SMOVE", .arity = 4, .flags = kWrite | kFast, .keys = {1, 2, 1}, .handler = SMove,
     .notice_hook = NoticeSMove,
     .summary = "Moves a member from one set to another.", .since = "1.0.0",
     .complexity = "O(1)",
     .key_specs = key_specs::kMove},
    {.name = "SINTER", .arity = -2, .flags = kReadOnly, .keys = {1, -1, 1}, .handler = SInter,
     .summary = "Returns the intersect of multiple sets.", .since = "1.0.0",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                   "the number of sets.",
     .key_specs = key_specs::kAllRoAccess, .tips = "nondeterministic_output_order"},
    {.name = "SINTERSTORE", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 1},
     .handler = SInterStore,
     .notice = {engine::kNotifySet, "sinterstore"},
     .summary = "Stores the intersect of multiple sets in a key.",
     .since = "1.0.0",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                   "the number of sets.",
     .key_specs = kSinterstoreKeys},
    {.name = "SINTERCARD", .arity = -3, .flags = kReadOnly, .handler = SInterCard,
     .find_keys = SInterCardKeys,
     .summary = "Returns the number of members of the intersect of multiple sets.",
     .since = "7.0.0",
     .complexity = "O(N*M) worst case where N is the cardinality of the smallest set and M is "
                   "the number of sets.",
     .key_specs = key_specs::kNumkeysRoAccess},
    {.name = "SUNION", .arity = -2, .flags = kReadOnly, .keys = {1, -1, 1}, .handler = SUnion,
     .summary = "Returns the union of multiple sets.", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .key_specs = key_specs::kAllRoAccess, .tips = "nondeterministic_output_order"},
    {.name = "SUNIONSTORE", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 1},
     .handler = SUnionStore,
     .notice = {engine::kNotifySet, "sunionstore"},
     .summary = "Stores the union of multiple sets in a key.",
     .since = "1.0.0",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .key_specs = key_specs::kStoreRest},
    {.name = "SDIFF", .arity = -2, .flags = kReadOnly, .keys = {1, -1, 1}, .handler = SDiff,
     .summary = "Returns the difference of multiple sets.", .since = "1.0.0",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .key_specs = key_specs::kAllRoAccess, .tips = "nondeterministic_output_order"},
    {.name = "SDIFFSTORE", .arity = -3, .flags = kWrite | kDenyOom, .keys = {1, -1, 1},
     .handler = SDiffStore,
     .notice = {engine::kNotifySet, "sdiffstore"},
     .summary = "Stores the difference of multiple sets in a key.",
     .since = "1.0.0",
     .complexity = "O(N) where N is the total number of elements in all given sets.",
     .key_specs = key_specs::kStoreRest},
    {.name = "SSCAN", .arity = -3, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = SScan,
     .summary = "Iterates over members of a set.", .since = "2.0.0",
     .complexity = kScanComplexity,
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output"},
};

}  // namespace

void RegisterSetFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclSet, "set", kSetCommands);
}

}  // namespace cinnabar::commands

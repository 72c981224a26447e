// Sorted-set commands on one key's members: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK
// ZREVRANK ZPOPMIN ZPOPMAX ZMPOP ZRANDMEMBER ZSCAN. Ranges are in zset_range_family.cc,
// set algebra in zset_store_family.cc.

#include <algorithm>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "commands/arg_parser.h"
#include "commands/args.h"
#include "commands/families.h"
#include "core/value_ops.h"
#include "engine/notify_flags.h"
#include "commands/notices.h"
#include "commands/mpop_args.h"
#include "commands/scan_args.h"
#include "commands/zset_ops.h"
#include "core/glob.h"
#include "core/zset_value.h"
#include "engine/command_context.h"
#include "engine/shard.h"
#include "protocol/errors.h"

namespace cinnabar::commands {

namespace {

using core::ZSetValue;
using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

// ZADD key [NX|XX] [GT|LT] [CH] [INCR] score member [score member ...]
// ZINCRBY key increment member (`first` is the first score's index)
void ZAddGeneric(CommandContext& ctx, int flags, bool ch, size_t first) {
  size_t pairs = (ctx.argc() - first) / 2;
  std::vector<double> scores(pairs);
  for (size_t j = 0; j < pairs; ++j) {
    OpResult<double> s = ParseDoubleArg(ctx.arg(first + 2 * j));
    if (!s) return ctx.ReplyError(s.status());
    scores[j] = *s;
  }
  bool incr = (flags & ZSetValue::kIncr) != 0;
  std::string_view key = ctx.arg(1);
  Database& db = ctx.db();
  OpResult<Database::Ref> found = FindZSet(db, key, false);
  if (!found) return ctx.ReplyError(found.status());
  Database::Ref ref = *found;
  core::ZSetLimits limits = ZSetLimitsOf(ctx);
  const bool created = !ref;
  if (created && (flags & ZSetValue::kXx)) {
    return incr ? ctx.reply().Null() : ctx.reply().Integer(0);
  }
  // A new key is added once it has its members: one write, as Redis reports it.
  ZSetValue z =
      created ? ZSetValue::CreateForAdd(ctx.arg(first + 1).size(), limits) : ZSetOf(ref);
  auto commit = [&] {
    if (!created) return CommitZSet(db, ref, z);
    core::Value v = core::Value::OutOfLine(core::ObjType::kZSet, z.encoding(), z.pointer());
    if (z.size() > 0) {
      db.Add(key, ref.hash, v, 0);
    } else {
      core::DestroyValue(v);
    }
  };
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  for (size_t j = 0; j < pairs; ++j) {
    double new_score = 0;
    ZSetValue::AddResult r =
        z.Add(ctx.arg(first + 2 * j + 1), scores[j], flags, &new_score, limits);
    if (r == ZSetValue::AddResult::kNan) {
      commit();
      return ctx.ReplyError(errors::kZScoreNan);
    }
    if (r == ZSetValue::AddResult::kAdded) ++added;
    if (r == ZSetValue::AddResult::kUpdated) ++updated;
    if (r != ZSetValue::AddResult::kNothing) {
      ++processed;
      score = new_score;
    }
  }
  // Redis compat: a ZADD that added and changed nothing is no change (WATCH, dirty).
  if (created || added > 0 || updated > 0) commit();
  if (incr) return processed > 0 ? ctx.reply().Double(score) : ctx.reply().Null();
  ctx.reply().Integer(ch ? added + updated : added);
}

void ZAdd(CommandContext& ctx) {
  int flags = 0;
  bool ch = false;
  ArgParser p(ctx.args(), 2);
  while (p.HasNext()) {
    if (p.Check("NX")) {
      flags |= ZSetValue::kNx;
    } else if (p.Check("XX")) {
      flags |= ZSetValue::kXx;
    } else if (p.Check("CH")) {
      ch = true;
    } else if (p.Check("INCR")) {
      flags |= ZSetValue::kIncr;
    } else if (p.Check("GT")) {
      flags |= ZSetValue::kGt;
    } else if (p.Check("LT")) {
      flags |= ZSetValue::kLt;
    } else {
      break;  // the first score
    }
  }
  size_t i = p.pos();
  size_t elements = p.Remaining();
  if (elements == 0 || elements % 2 != 0) return ctx.ReplyError(errors::kSyntax);
  bool nx = flags & ZSetValue::kNx, xx = flags & ZSetValue::kXx;
  bool gt = flags & ZSetValue::kGt, lt = flags & ZSetValue::kLt;
  if (nx && xx) return ctx.ReplyError(errors::kZAddXxNx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) return ctx.ReplyError(errors::kZAddGtLtNx);
  if ((flags & ZSetValue::kIncr) && elements > 2) return ctx.ReplyError(errors::kZAddIncrPair);
  ZAddGeneric(ctx, flags, ch, i);
}

// ZINCRBY key increment member
void ZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, ZSetValue::kIncr, false, 2); }

// ZREM key member [member ...]
void ZRem(CommandContext& ctx) {
  Database& db = ctx.db();
  OpResult<Database::Ref> found = FindZSet(db, ctx.arg(1), false);
  if (!found) return ctx.ReplyError(found.status());
  Database::Ref ref = *found;
  if (!ref) return ctx.reply().Integer(0);
  ZSetValue z = ZSetOf(ref);
  int64_t removed = 0;
  for (size_t i = 2; i < ctx.argc() && z.size() > 0; ++i) removed += z.Remove(ctx.arg(i));
  if (removed > 0) CommitZSet(db, ref, z);  // Redis compat: removing nothing is no change
  ctx.reply().Integer(removed);
}

// ZCARD key
void ZCard(CommandContext& ctx) {
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  ctx.reply().Integer(*found ? static_cast<int64_t>(ZSetOf(*found).size()) : 0);
}

// ZSCORE key member
void ZScore(CommandContext& ctx) {
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  std::optional<double> s;
  if (*found) s = ZSetOf(*found).Score(ctx.arg(2));
  s ? ctx.reply().Double(*s) : ctx.reply().Null();
}

// ZMSCORE key member [member ...]
void ZMScore(CommandContext& ctx) {
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  ctx.reply().ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::optional<double> s;
    if (*found) s = ZSetOf(*found).Score(ctx.arg(i));
    s ? ctx.reply().Double(*s) : ctx.reply().Null();
  }
}

// ZRANK key member / ZREVRANK key member
void ZRankGeneric(CommandContext& ctx, bool reverse) {
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  std::optional<size_t> rank;
  if (*found) rank = ZSetOf(*found).Rank(ctx.arg(2), reverse);
  rank ? ctx.reply().Integer(static_cast<int64_t>(*rank)) : ctx.reply().Null();
}
void ZRank(CommandContext& ctx) { ZRankGeneric(ctx, false); }
void ZRevRank(CommandContext& ctx) { ZRankGeneric(ctx, true); }

// ZPOPMIN key [count] / ZPOPMAX key [count]
void ZPopGeneric(CommandContext& ctx, bool max) {
  if (ctx.argc() > 3) return ctx.ReplyError(errors::kSyntax);
  int64_t count = 1;
  if (ctx.argc() == 3 && (!base::ParseInt64(ctx.arg(2), &count) || count < 0)) {
    return ctx.ReplyError(errors::kPositiveCount);
  }
  Database& db = ctx.db();
  OpResult<Database::Ref> found = FindZSet(db, ctx.arg(1), false);
  if (!found) return ctx.ReplyError(found.status());
  ZPopReply shape = ctx.argc() == 3 ? ZPopReply::kPairs : ZPopReply::kFlat;
  ZPopAndReply(db, *found, ctx.arg(1), max, static_cast<uint64_t>(count), shape, ctx.reply());
}
void ZPopMin(CommandContext& ctx) { ZPopGeneric(ctx, false); }
void ZPopMax(CommandContext& ctx) { ZPopGeneric(ctx, true); }

// ZMPOP numkeys key [key ...] MIN|MAX [COUNT count]
bool ZMPopKeys(std::span<const std::string_view> args, std::vector<int>* out) {
  return MPopKeys(args, 1, out);
}

void ZMPop(CommandContext& ctx) {
  MPopArgs m;
  bool max = false;
  std::string_view err = ParseMPopArgs(ctx.args(), 1, [&max](std::string_view w) {
    return ParseMinMax(w, &max);
  }, &m);
  if (!err.empty()) return ctx.ReplyError(err);
  for (size_t k = m.first_key; k < m.where_at; ++k) {
    Database& db = ctx.db_for(ctx.arg(k));
    OpResult<Database::Ref> found = FindZSet(db, ctx.arg(k), false);
    if (!found) return ctx.ReplyError(found.status());
    if (!*found) continue;
    ZPopAndReply(db, *found, ctx.arg(k), max, static_cast<uint64_t>(m.count),
                 ZPopReply::kKeyAndPairs, ctx.reply());
    return;
  }
  ctx.reply().NullArray();
}

// Writes `n` members picked by `pick()` (a rank), with their scores when asked. Streams:
// a large negative count never materialises its picks.
void ReplyRandomMembers(CommandContext& ctx, const ZSetValue& z, uint64_t n,
                        base::FunctionRef<size_t()> pick, bool withscores) {
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.ScoredHeader(n, withscores);
  auto emit = [&](std::string_view member, double score) {
    rb.Scored(member, score, withscores);
  };
  if (z.size() <= 1024) {
    // Small sets (listpacks above all): read once, then index.
    std::vector<std::pair<std::string, double>> all;
    all.reserve(z.size());
    z.ForEach([&all](std::string_view m, double s) { all.emplace_back(m, s); });
    for (uint64_t i = 0; i < n; ++i) {
      size_t r = pick();
      emit(all[r].first, all[r].second);
    }
    return;
  }
  for (uint64_t i = 0; i < n; ++i) {
    size_t r = pick();
    z.ForRange(r, r + 1, false, emit);
  }
}

// ZRANDMEMBER key [count [WITHSCORES]]
void ZRandMember(CommandContext& ctx) {
  int64_t count = 1;
  bool with_count = ctx.argc() >= 3;
  bool withscores = false;
  if (with_count) {
    if (!base::ParseInt64(ctx.arg(2), &count)) return ctx.ReplyError(errors::kNotInteger);
    if (count == INT64_MIN) return ctx.ReplyError(errors::kCountOutOfRange);
    if (ctx.argc() > 4 || (ctx.argc() == 4 && !Is(ctx.arg(3), "WITHSCORES"))) {
      return ctx.ReplyError(errors::kSyntax);
    }
    if (ctx.argc() == 4) {
      withscores = true;
      // Redis compat: the doubled reply length must not overflow.
      if (count < -INT64_MAX / 2 || count > INT64_MAX / 2) {
        return ctx.ReplyError(errors::kValueOutOfRange);
      }
    }
  }
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  if (!*found) return with_count ? ctx.reply().EmptyArray() : ctx.reply().Null();
  ZSetValue z = ZSetOf(*found);
  size_t n = z.size();
  engine::Shard& shard = ctx.shard();
  if (!with_count) {
    size_t r = shard.Random() % n;
    z.ForRange(r, r + 1, false, [&ctx](std::string_view m, double) { ctx.reply().Bulk(m); });
    return;
  }
  if (count < 0) {
    // Repetitions allowed.
    return ReplyRandomMembers(
        ctx, z, static_cast<uint64_t>(-count), [&shard, n] { return shard.Random() % n; },
        withscores);
  }
  std::vector<size_t> ranks;
  if (static_cast<uint64_t>(count) >= n) {
    for (size_t i = 0; i < n; ++i) ranks.push_back(i);
  } else if (static_cast<uint64_t>(count) * 3 > n) {
    // Many of them: shuffle the first `count` of all ranks.
    std::vector<size_t> all(n);
    for (size_t i = 0; i < n; ++i) all[i] = i;
    for (size_t i = 0; i < static_cast<size_t>(count); ++i) {
      size_t j = i + shard.Random() % (n - i);
      std::swap(all[i], all[j]);
    }
    ranks.assign(all.begin(), all.begin() + count);
  } else {
    std::unordered_set<size_t> seen;
    while (ranks.size() < static_cast<size_t>(count)) {
      size_t r = shard.Random() % n;
      if (seen.insert(r).second) ranks.push_back(r);
    }
  }
  size_t next = 0;
  ReplyRandomMembers(ctx, z, ranks.size(), [&ranks, &next] { return ranks[next++]; },
                     withscores);
}

// ZSCAN key cursor [MATCH pattern] [COUNT count]
void ZScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(2), &cursor)) return ctx.ReplyError(errors::kInvalidCursor);
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  if (!*found) {
    ctx.reply().ArrayHeader(2);
    ctx.reply().Bulk("0");
    return ctx.reply().EmptyArray();
  }
  ScanOptions opts;
  // Redis compat: options are only looked at once the key is known to exist.
  std::string_view err = ParseScanOptions(ctx.args(), 3, false, &opts);
  if (!err.empty()) return ctx.ReplyError(err);
  std::vector<std::pair<std::string, std::string>> items;  // member, score text
  uint64_t next = ZSetOf(*found).Scan(
      cursor, opts.count, [&](std::string_view m, std::string_view s) {
        if (!opts.Matches(m)) return;
        items.emplace_back(m, s);
      });
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(next));
  ctx.reply().PairsHeader(items.size(), protocol::PairShape::kFlat);
  for (const auto& [m, s] : items) ctx.reply().BulkPair(m, s, protocol::PairShape::kFlat);
}

using engine::CommandSpec;
using engine::kDenyOom;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeyNum;
using engine::KeySpec;
using engine::kKeyAccess;
using engine::kKeyDelete;
using engine::kKeyRw;

constexpr CommandSpec kZSetCommands[] = {
    {.name = "ZADD", .arity = -4, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = ZAdd,
     .notice_hook = NoticeZAdd,
     .summary = "Adds one or more members to a sorted set, or updates their scores. Creates the "
                "key if it doesn't exist.",
     .since = "1.2.0", .complexity = "O(log(N)) for each item added, where N is the number of "
                                     "elements in the sorted set.",
     .key_specs = key_specs::kOneRwUpdate},
    {.name = "ZINCRBY", .arity = 4, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = ZIncrBy,
     .notice = {engine::kNotifyZSet, "zincr"},
     .summary = "Increments the score of a member in a sorted set.",
     .since = "1.2.0",
     .complexity = "O(log(N)) where N is the number of elements in the sorted set.",
     .key_specs = key_specs::kOneRwAccessUpdate},
    {.name = "ZREM", .arity = -3, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = ZRem,
     .notice = {engine::kNotifyZSet, "zrem"},
     .summary = "Removes one or more members from a sorted set. Deletes the sorted set if all "
                "members were removed.",
     .since = "1.2.0", .complexity = "O(M*log(N)) with N being the number of elements in the "
                                     "sorted set and M the number of elements to be removed.",
     .key_specs = key_specs::kOneRwDelete},
    {.name = "ZCARD", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = ZCard, .summary = "Returns the number of members in a sorted set.",
     .since = "1.2.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "ZSCORE", .arity = 3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = ZScore, .summary = "Returns the score of a member in a sorted set.",
     .since = "1.2.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZMSCORE", .arity = -3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = ZMScore, .summary = "Returns the score of one or more members in a sorted set.",
     .since = "6.2.0", .complexity = "O(N) where N is the number of members being requested.",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZRANK", .arity = 3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = ZRank,
     .summary = "Returns the index of a member in a sorted set ordered by ascending scores.",
     .since = "2.0.0", .complexity = "O(log(N))",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZREVRANK", .arity = 3, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = ZRevRank,
     .summary = "Returns the index of a member in a sorted set ordered by descending scores.",
     .since = "2.0.0", .complexity = "O(log(N))",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZPOPMIN", .arity = -2, .flags = kWrite | kFast, .keys = {1, 1, 1},
     .handler = ZPopMin,
     .notice = {engine::kNotifyZSet, "zpopmin"},
     .summary = "Returns the lowest-scoring members from a sorted set after removing them. "
                "Deletes the sorted set if the last member was popped.",
     .since = "5.0.0", .complexity = "O(log(N)*M) with N being the number of elements in the "
                                     "sorted set, and M being the number of elements popped.",
     .key_specs = key_specs::kOneRwAccessDelete},
    {.name = "ZPOPMAX", .arity = -2, .flags = kWrite | kFast, .keys = {1, 1, 1},
     .handler = ZPopMax,
     .notice = {engine::kNotifyZSet, "zpopmax"},
     .summary = "Returns the highest-scoring members from a sorted set after removing them. "
                "Deletes the sorted set if the last member was popped.",
     .since = "5.0.0", .complexity = "O(log(N)*M) with N being the number of elements in the "
                                     "sorted set, and M being the number of elements popped.",
     .key_specs = key_specs::kOneRwAccessDelete},
    {.name = "ZMPOP", .arity = -4, .flags = kWrite, .handler = ZMPop,
     .notice_hook = NoticeZMPop, .find_keys = ZMPopKeys,
     .summary = "Returns the highest- or lowest-scoring members from one or more sorted sets "
                "after removing them. Deletes the sorted set if the last member was popped.",
     .since = "7.0.0", .complexity = "O(K) + O(M*log(N)) where K is the number of provided "
                                     "keys, N being the number of elements in the sorted set, "
                                     "and M being the number of elements popped.",
     .key_specs = key_specs::kPopNumkeysAt1},
    {.name = "ZRANDMEMBER", .arity = -2, .flags = kReadOnly, .keys = {1, 1, 1},
     .handler = ZRandMember, .summary = "Returns one or more random members from a sorted set.",
     .since = "6.2.0",
     .complexity = "O(N) where N is the number of members returned",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output"},
    {.name = "ZSCAN", .arity = -3, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = ZScan,
     .summary = "Iterates over members and scores of a sorted set.", .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                   "command calls for the cursor to return back to 0. N is the number of "
                   "elements inside the collection.",
     .key_specs = key_specs::kOneRoAccess, .tips = "nondeterministic_output"},
};

}  // namespace

void RegisterZSetFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclSortedSet, "sorted-set", kZSetCommands);
}

}  // namespace cinnabar::commands

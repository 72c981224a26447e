// Sorted-set range commands: ZRANGE ZRANGESTORE ZREVRANGE ZRANGEBYSCORE ZREVRANGEBYSCORE
// ZRANGEBYLEX ZREVRANGEBYLEX ZCOUNT ZLEXCOUNT ZREMRANGEBYRANK ZREMRANGEBYSCORE
// ZREMRANGEBYLEX.
//
// Every range (by rank, score or lex) is first turned into an interval of ranks
// [first, last) of the set in ascending order; LIMIT and REV then work on ranks.

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "commands/arg_parser.h"
#include "commands/args.h"
#include "commands/families.h"
#include "engine/notify_flags.h"
#include "commands/zset_ops.h"
#include "core/zset_value.h"
#include "engine/command_context.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using core::ZSetValue;
using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

enum class RangeType { kAuto, kRank, kScore, kLex };

struct RangeSpec {
  RangeType type = RangeType::kAuto;
  bool reverse = false;
  bool withscores = false;
  int64_t offset = 0;
  int64_t limit = -1;
  int64_t start = 0, end = 0;  // kRank
  core::ZScoreRange score;     // kScore
  core::ZLexRange lex;         // kLex
};

// Parses the range bounds (in `min_arg`, `max_arg` order as given) for the spec's type.
std::string_view ParseBounds(RangeSpec* spec, std::string_view min_arg, std::string_view max_arg) {
  switch (spec->type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      if (!base::ParseInt64(min_arg, &spec->start) || !base::ParseInt64(max_arg, &spec->end)) {
        return errors::kNotInteger;
      }
      return {};
    case RangeType::kScore:
      if (!core::ParseScoreBound(min_arg, &spec->score.min, &spec->score.min_exclusive) ||
          !core::ParseScoreBound(max_arg, &spec->score.max, &spec->score.max_exclusive)) {
        return errors::kZMinMaxNotFloat;
      }
      return {};
    case RangeType::kLex:
      if (!core::ParseLexBound(min_arg, true, &spec->lex) ||
          !core::ParseLexBound(max_arg, false, &spec->lex)) {
        return errors::kZMinMaxNotLex;
      }
      return {};
  }
  return {};
}

// Redis compat (zrangeGenericCommand): options after `key min max` in any order; a fixed
// type or direction (ZRANGEBYSCORE, ZREVRANGE, ...) makes BYSCORE/BYLEX/REV a syntax error.
std::string_view ParseRangeArgs(const CommandContext& ctx, size_t key_index, bool store,
                                RangeSpec* spec) {
  // Only ZRANGE and ZRANGESTORE choose their type and direction through options.
  bool direction_auto = spec->type == RangeType::kAuto;
  ArgParser p(ctx.args(), key_index + 3);
  while (p.HasNext()) {
    if (!store && p.Check("WITHSCORES")) {
      spec->withscores = true;
    } else if (p.Check("LIMIT", 2)) {
      spec->offset = p.NextInt64();
      spec->limit = p.NextInt64();
    } else if (direction_auto && !spec->reverse && p.Check("REV")) {
      spec->reverse = true;
    } else if (spec->type == RangeType::kAuto && p.Check("BYLEX")) {
      spec->type = RangeType::kLex;
    } else if (spec->type == RangeType::kAuto && p.Check("BYSCORE")) {
      spec->type = RangeType::kScore;
    } else {
      p.Fail(errors::kSyntax);
    }
  }
  if (!p.Finalize()) return p.error();
  if (spec->type == RangeType::kAuto) spec->type = RangeType::kRank;
  if (spec->limit != -1 && spec->type == RangeType::kRank) {
    return errors::kZLimitNeedsByScoreOrLex;
  }
  if (spec->withscores && spec->type == RangeType::kLex) return errors::kZWithScoresByLex;
  // Reversed score and lex ranges are given as max, min.
  bool swap = spec->reverse && spec->type != RangeType::kRank;
  std::string_view a = ctx.arg(key_index + 1), b = ctx.arg(key_index + 2);
  return swap ? ParseBounds(spec, b, a) : ParseBounds(spec, a, b);
}

// Ranks [first, last) as Redis normalises ZRANGE start/end (negative from the end).
void RankInterval(int64_t start, int64_t end, size_t n, size_t* first, size_t* last) {
  int64_t len = static_cast<int64_t>(n);
  if (start < 0) start += len;
  if (end < 0) end += len;
  if (start < 0) start = 0;
  if (start > end || start >= len) {
    *first = *last = 0;
    return;
  }
  if (end >= len) end = len - 1;
  *first = static_cast<size_t>(start);
  *last = static_cast<size_t>(end) + 1;
}

// The ascending ranks [first, last) that the spec selects, LIMIT applied.
void SelectRanks(const ZSetValue& z, const RangeSpec& spec, size_t* first, size_t* last) {
  size_t n = z.size();
  if (spec.type == RangeType::kRank) {
    size_t a, b;
    RankInterval(spec.start, spec.end, n, &a, &b);
    if (spec.reverse && a < b) {
      *first = n - b;
      *last = n - a;
    } else {
      *first = a;
      *last = b;
    }
    return;
  }
  if (spec.type == RangeType::kScore) {
    z.RanksOf(spec.score, first, last);
  } else {
    z.RanksOf(spec.lex, first, last);
  }
  // Redis compat: a negative offset selects nothing; a negative count means "all".
  if (spec.offset < 0) {
    *first = *last;
    return;
  }
  size_t avail = *last - *first;
  size_t offset = std::min(static_cast<size_t>(spec.offset), avail);
  size_t take = avail - offset;
  if (spec.limit >= 0) take = std::min(take, static_cast<size_t>(spec.limit));
  if (spec.reverse) {
    *last -= offset;
    *first = *last - take;
  } else {
    *first += offset;
    *last = *first + take;
  }
}

void ReplyRange(CommandContext& ctx, const ZSetValue& z, size_t first, size_t last,
                const RangeSpec& spec) {
  protocol::ReplyBuilder& rb = ctx.reply();
  size_t n = last - first;
  rb.ScoredHeader(n, spec.withscores);
  z.ForRange(first, last, spec.reverse, [&](std::string_view member, double score) {
    rb.Scored(member, score, spec.withscores);
  });
}

// The shared body of ZRANGE and its fixed-shape variants.
void ZRangeGeneric(CommandContext& ctx, RangeType type, bool reverse) {
  RangeSpec spec;
  spec.type = type;
  spec.reverse = reverse;
  std::string_view err = ParseRangeArgs(ctx, 1, false, &spec);
  if (!err.empty()) return ctx.ReplyError(err);
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  if (!*found) return ctx.reply().EmptyArray();
  ZSetValue z = ZSetOf(*found);
  size_t first, last;
  SelectRanks(z, spec, &first, &last);
  ReplyRange(ctx, z, first, last, spec);
}

// ZRANGE key start stop [BYSCORE | BYLEX] [REV] [LIMIT offset count] [WITHSCORES]
void ZRange(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kAuto, false); }
// ZREVRANGE key start stop [WITHSCORES]
void ZRevRange(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kRank, true); }
// ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]
void ZRangeByScore(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kScore, false); }
// ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]
void ZRevRangeByScore(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kScore, true); }
// ZRANGEBYLEX key min max [LIMIT offset count]
void ZRangeByLex(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kLex, false); }
// ZREVRANGEBYLEX key max min [LIMIT offset count]
void ZRevRangeByLex(CommandContext& ctx) { ZRangeGeneric(ctx, RangeType::kLex, true); }

// ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count]
void ZRangeStore(CommandContext& ctx) {
  RangeSpec spec;
  std::string_view err = ParseRangeArgs(ctx, 2, true, &spec);
  if (!err.empty()) return ctx.ReplyError(err);
  std::string_view dst = ctx.arg(1), src = ctx.arg(2);
  OpResult<Database::Ref> found = FindZSet(ctx.db_for(src), src, true);
  if (!found) return ctx.ReplyError(found.status());
  ScoredMembers result;
  if (*found) {
    ZSetValue z = ZSetOf(*found);
    size_t first, last;
    SelectRanks(z, spec, &first, &last);
    result.reserve(last - first);
    // In the order the range reads (REV: from the top): the order Redis adds them in.
    z.ForRange(first, last, spec.reverse,
               [&result](std::string_view m, double s) { result.emplace_back(m, s); });
  }
  StoreZSet(ctx.db_for(dst), dst, result, ZSetLimitsOf(ctx), StoreSizing::kGrow);
  ctx.reply().Integer(static_cast<int64_t>(result.size()));
}

// ZCOUNT key min max
void ZCount(CommandContext& ctx) {
  RangeSpec spec;
  spec.type = RangeType::kScore;
  std::string_view err = ParseBounds(&spec, ctx.arg(2), ctx.arg(3));
  if (!err.empty()) return ctx.ReplyError(err);
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  size_t first = 0, last = 0;
  if (*found) ZSetOf(*found).RanksOf(spec.score, &first, &last);
  ctx.reply().Integer(static_cast<int64_t>(last - first));
}

// ZLEXCOUNT key min max
void ZLexCount(CommandContext& ctx) {
  RangeSpec spec;
  spec.type = RangeType::kLex;
  std::string_view err = ParseBounds(&spec, ctx.arg(2), ctx.arg(3));
  if (!err.empty()) return ctx.ReplyError(err);
  OpResult<Database::Ref> found = FindZSet(ctx.db(), ctx.arg(1), true);
  if (!found) return ctx.ReplyError(found.status());
  size_t first = 0, last = 0;
  if (*found) ZSetOf(*found).RanksOf(spec.lex, &first, &last);
  ctx.reply().Integer(static_cast<int64_t>(last - first));
}

// ZREMRANGEBYRANK key start stop / ZREMRANGEBYSCORE key min max / ZREMRANGEBYLEX key min max
void ZRemRangeGeneric(CommandContext& ctx, RangeType type) {
  RangeSpec spec;
  spec.type = type;
  std::string_view err = ParseBounds(&spec, ctx.arg(2), ctx.arg(3));
  if (!err.empty()) return ctx.ReplyError(err);
  Database& db = ctx.db();
  OpResult<Database::Ref> found = FindZSet(db, ctx.arg(1), false);
  if (!found) return ctx.ReplyError(found.status());
  Database::Ref ref = *found;
  if (!ref) return ctx.reply().Integer(0);
  ZSetValue z = ZSetOf(ref);
  size_t first, last;
  SelectRanks(z, spec, &first, &last);
  if (last == first) return ctx.reply().Integer(0);  // Redis compat: no change to signal
  z.DeleteRange(first, last);
  CommitZSet(db, ref, z);
  ctx.reply().Integer(static_cast<int64_t>(last - first));
}
void ZRemRangeByRank(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kRank); }
void ZRemRangeByScore(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kScore); }
void ZRemRangeByLex(CommandContext& ctx) { ZRemRangeGeneric(ctx, RangeType::kLex); }

using engine::CommandSpec;
using engine::kDenyOom;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

constexpr std::string_view kRangeComplexity =
    "O(log(N)+M) with N being the number of elements in the sorted set and M the number of "
    "elements returned.";

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeySpec;
using engine::Range;
using engine::kKeyAccess;
using engine::kKeyOw;
using engine::kKeyRo;
using engine::kKeyUpdate;

// Key specifications with more than one spec or a shape of their own.
constexpr KeySpec kZrangestoreKeys[] = {
    {.flags = kKeyOw | kKeyUpdate, .begin = AtIndex(1), .find = Range(0)},
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(2), .find = Range(0)},
};

constexpr CommandSpec kZSetRangeCommands[] = {
    {.name = "ZRANGE", .arity = -4, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = ZRange,
     .summary = "Returns members in a sorted set within a range of indexes.", .since = "1.2.0",
     .complexity = kRangeComplexity,
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZRANGESTORE", .arity = -5, .flags = kWrite | kDenyOom, .keys = {1, 2, 1},
     .handler = ZRangeStore,
     .notice = {engine::kNotifyZSet, "zrangestore"},
     .summary = "Stores a range of members from sorted set in a key.",
     .since = "6.2.0",
     .complexity = "O(log(N)+M) with N being the number of elements in the sorted set and M the "
                   "number of elements stored into the destination key.",
     .key_specs = kZrangestoreKeys},
    {.name = "ZREVRANGE", .arity = -4, .flags = kReadOnly, .keys = {1, 1, 1},
     .handler = ZRevRange,
     .summary = "Returns members in a sorted set within a range of indexes in reverse order.",
     .since = "1.2.0", .complexity = kRangeComplexity,
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZRANGEBYSCORE", .arity = -4, .flags = kReadOnly, .keys = {1, 1, 1},
     .handler = ZRangeByScore,
     .summary = "Returns members in a sorted set within a range of scores.",
     .since = "1.0.5", .complexity = kRangeComplexity,
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZREVRANGEBYSCORE", .arity = -4, .flags = kReadOnly, .keys = {1, 1, 1},
     .handler = ZRevRangeByScore,
     .summary = "Returns members in a sorted set within a range of scores in reverse order.",
     .since = "2.2.0", .complexity = kRangeComplexity,
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZRANGEBYLEX", .arity = -4, .flags = kReadOnly, .keys = {1, 1, 1},
     .handler = ZRangeByLex,
     .summary = "Returns members in a sorted set within a lexicographical range.",
     .since = "2.8.9", .complexity = kRangeComplexity,
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZREVRANGEBYLEX", .arity = -4, .flags = kReadOnly, .keys = {1, 1, 1},
     .handler = ZRevRangeByLex,
     .summary = "Returns members in a sorted set within a lexicographical range in reverse order.",
     .since = "2.8.9", .complexity = kRangeComplexity,
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZCOUNT", .arity = 4, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = ZCount,
     .summary = "Returns the count of members in a sorted set that have scores within a range.",
     .since = "2.0.0", .complexity = "O(log(N)) with N being the number of elements in the "
                                     "sorted set.",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZLEXCOUNT", .arity = 4, .flags = kReadOnly | kFast, .keys = {1, 1, 1},
     .handler = ZLexCount,
     .summary = "Returns the number of members in a sorted set within a lexicographical range.",
     .since = "2.8.9", .complexity = "O(log(N)) with N being the number of elements in the "
                                     "sorted set.",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "ZREMRANGEBYRANK", .arity = 4, .flags = kWrite, .keys = {1, 1, 1},
     .handler = ZRemRangeByRank,
     .notice = {engine::kNotifyZSet, "zremrangebyrank"},
     .summary = "Removes members in a sorted set within a range of indexes. Deletes the sorted "
                "set if all members were removed.",
     .since = "2.0.0", .complexity = "O(log(N)+M) with N being the number of elements in the "
                                     "sorted set and M the number of elements removed by the "
                                     "operation.",
     .key_specs = key_specs::kOneRwDelete},
    {.name = "ZREMRANGEBYSCORE", .arity = 4, .flags = kWrite, .keys = {1, 1, 1},
     .handler = ZRemRangeByScore,
     .notice = {engine::kNotifyZSet, "zremrangebyscore"},
     .summary = "Removes members in a sorted set within a range of scores. Deletes the sorted "
                "set if all members were removed.",
     .since = "1.2.0", .complexity = "O(log(N)+M) with N being the number of elements in the "
                                     "sorted set and M the number of elements removed by the "
                                     "operation.",
     .key_specs = key_specs::kOneRwDelete},
    {.name = "ZREMRANGEBYLEX", .arity = 4, .flags = kWrite, .keys = {1, 1, 1},
     .handler = ZRemRangeByLex,
     .notice = {engine::kNotifyZSet, "zremrangebylex"},
     .summary = "Removes members in a sorted set within a lexicographical range. Deletes the "
                "sorted set if all members were removed.",
     .since = "2.8.9", .complexity = "O(log(N)+M) with N being the number of elements in the "
                                     "sorted set and M the number of elements removed by the "
                                     "operation.",
     .key_specs = key_specs::kOneRwDelete},
};

}  // namespace

void RegisterZSetRangeFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclSortedSet, "sorted-set", kZSetRangeCommands);
}

}  // namespace cinnabar::commands

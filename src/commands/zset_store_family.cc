// Sorted-set algebra: ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD.
// The keys may live on different shards: the dispatcher has locked every shard they touch,
// and each key is read through ctx.db_for(key).

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "commands/arg_parser.h"
#include "commands/args.h"
#include "commands/families.h"
#include "engine/notify_flags.h"
#include "commands/zset_ops.h"
#include "core/set_value.h"
#include "core/zset_index.h"
#include "core/zset_value.h"
#include "engine/command_context.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using core::ZSetValue;
using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

// One input: a zset, or nothing for a missing key.
// One input: a sorted set, or a plain set whose members all score 1 (as in Redis).
struct Source {
  std::optional<ZSetValue> z;
  std::optional<core::SetValue> set;
  double weight = 1.0;
  size_t size() const { return z ? z->size() : set ? set->Size() : 0; }
  void ForEach(base::FunctionRef<void(std::string_view, double)> visit) const {
    if (z) {
      z->ForEach(visit);
    } else if (set) {
      set->ForEach([&visit](std::string_view m) { visit(m, 1.0); });
    }
  }
  std::optional<double> Score(std::string_view m) const {
    if (z) return z->Score(m);
    if (set && set->Contains(m)) return 1.0;
    return std::nullopt;
  }
};

// Keys of commands with `numkeys` at `index`, preceded by `fixed` key positions.
bool NumKeysFinder(std::span<const std::string_view> args, size_t index, bool dst,
                   std::vector<int>* out) {
  int64_t n;
  if (args.size() <= index || !base::ParseInt64(args[index], &n) || n < 1 ||
      n > static_cast<int64_t>(args.size() - index - 1)) {
    return false;
  }
  if (dst) out->push_back(1);
  for (int64_t i = 0; i < n; ++i) out->push_back(static_cast<int>(index + 1 + i));
  return true;
}
bool StoreKeys(std::span<const std::string_view> args, std::vector<int>* out) {
  return NumKeysFinder(args, 2, true, out);
}
bool ReadKeys(std::span<const std::string_view> args, std::vector<int>* out) {
  return NumKeysFinder(args, 1, false, out);
}

// Redis compat (zunionInterAggregate): a NaN sum (inf + -inf, or a NaN `value`) becomes
// 0; MIN and MAX keep `*target` when `value` is NaN.
void AggregateInto(double* target, double value, Aggregate how) {
  switch (how) {
    case Aggregate::kSum:
      *target += value;
      if (std::isnan(*target)) *target = 0;
      break;
    case Aggregate::kMin:
      *target = std::min(*target, value);
      break;
    case Aggregate::kMax:
      *target = std::max(*target, value);
      break;
  }
}

// A score times its input's weight; NaN (0 * inf) counts as 0.
double Weighted(const Source& s, double score) {
  double v = s.weight * score;
  return std::isnan(v) ? 0 : v;
}

ScoredMembers Compute(SetOp op, std::vector<Source>& src, Aggregate how) {
  ScoredMembers out;
  if (op == SetOp::kDiff) {
    if (src[0].size() == 0) return out;
    src[0].ForEach([&](std::string_view m, double s) {
      for (size_t j = 1; j < src.size(); ++j) {
        if (src[j].Score(m)) return;
      }
      out.emplace_back(m, s);
    });
    return out;
  }
  // Smallest first, as Redis orders the inputs.
  std::stable_sort(src.begin(), src.end(),
                   [](const Source& a, const Source& b) { return a.size() < b.size(); });
  if (op == SetOp::kInter) {
    if (src[0].size() == 0) return out;
    src[0].ForEach([&](std::string_view m, double s) {
      double score = Weighted(src[0], s);
      for (size_t j = 1; j < src.size(); ++j) {
        std::optional<double> other = src[j].Score(m);
        if (!other) return;
        // Redis compat (zunionInterDiffGenericCommand): only the first input's product is
        // turned from NaN into 0; a later one reaches the aggregate as NaN, so SUM gives 0
        // (ZINTER 2 k k WEIGHTS 1 0 of inf is 0, of WEIGHTS 0 1 inf).
        AggregateInto(&score, src[j].weight * *other, how);
      }
      out.emplace_back(m, score);
    });
    return out;
  }
  std::unordered_map<std::string, double> acc;
  for (const Source& s : src) {
    if (s.size() == 0) continue;
    s.ForEach([&](std::string_view m, double score) {
      double v = Weighted(s, score);
      auto [it, fresh] = acc.try_emplace(std::string(m), v);
      if (!fresh) AggregateInto(&it->second, v, how);
    });
  }
  out.reserve(acc.size());
  for (auto& [m, s] : acc) out.emplace_back(m, s);
  return out;
}

void SortByScore(ScoredMembers* v) {
  std::sort(v->begin(), v->end(), [](const auto& a, const auto& b) {
    return core::ZCompare(a.second, a.first, b.second, b.first) < 0;
  });
}

// Parses `numkeys key [key ...]` at `index` and looks the keys up, type-checked, in
// Redis's order (numkeys, key count, types). Returns an error text or empty.
std::string ParseSources(CommandContext& ctx, size_t index, std::vector<Source>* src,
                         size_t* next) {
  int64_t n;
  if (!base::ParseInt64(ctx.arg(index), &n)) return std::string(errors::kNotInteger);
  if (n < 1) return errors::AtLeastOneInputKey(ctx.command().name);
  if (n > static_cast<int64_t>(ctx.argc() - index - 1)) return std::string(errors::kSyntax);
  src->resize(static_cast<size_t>(n));
  for (size_t i = 0; i < src->size(); ++i) {
    std::string_view key = ctx.arg(index + 1 + i);
    Database& db = ctx.db_for(key);
    // Redis compat: a plain set is accepted as an input with every score 1.
    Database::Ref ref = db.FindRead(key);
    if (!ref) continue;
    if (ref.entry->type() == core::ObjType::kSet) {
      (*src)[i].set.emplace(ref.entry->encoding(), ref.entry->pointer());
    } else if (ref.entry->type() == core::ObjType::kZSet) {
      (*src)[i].z = ZSetOf(ref);
    } else {
      return std::string(errors::OpStatusText(base::OpStatus::kWrongType));
    }
  }
  *next = index + 1 + src->size();
  return {};
}

// ZUNION/ZINTER/ZDIFF numkeys key [key ...] [WEIGHTS w ...] [AGGREGATE SUM|MIN|MAX]
// [WITHSCORES], and the *STORE forms with a destination first (no WITHSCORES).
void ZSetOpGeneric(CommandContext& ctx, SetOp op, bool store) {
  std::vector<Source> src;
  size_t j = 0;
  std::string err = ParseSources(ctx, store ? 2 : 1, &src, &j);
  if (!err.empty()) return ctx.ReplyError(err);
  Aggregate how = Aggregate::kSum;
  bool withscores = false;
  ArgParser p(ctx.args(), j);
  while (p.HasNext()) {
    if (op != SetOp::kDiff && p.Check("WEIGHTS", src.size())) {
      for (Source& s : src) s.weight = p.NextDouble(errors::kWeightNotFloat);
    } else if (op != SetOp::kDiff && p.Check("AGGREGATE", 1)) {
      // In Aggregate's order.
      static constexpr std::string_view kAggregates[] = {"SUM", "MIN", "MAX"};
      how = static_cast<Aggregate>(p.NextEnum(kAggregates));
    } else if (!store && p.Check("WITHSCORES")) {
      withscores = true;
    } else {
      p.Fail(errors::kSyntax);
    }
  }
  if (!p.Finalize()) return ctx.ReplyError(p.error());
  ScoredMembers result = Compute(op, src, how);
  if (store) {
    std::string_view dst = ctx.arg(1);
    StoreZSet(ctx.db_for(dst), dst, result, ZSetLimitsOf(ctx));
    return ctx.reply().Integer(static_cast<int64_t>(result.size()));
  }
  SortByScore(&result);
  ReplyScoredMembers(ctx.reply(), result, withscores);
}

void ZUnion(CommandContext& ctx) { ZSetOpGeneric(ctx, SetOp::kUnion, false); }
void ZInter(CommandContext& ctx) { ZSetOpGeneric(ctx, SetOp::kInter, false); }
void ZDiff(CommandContext& ctx) { ZSetOpGeneric(ctx, SetOp::kDiff, false); }
void ZUnionStore(CommandContext& ctx) { ZSetOpGeneric(ctx, SetOp::kUnion, true); }
void ZInterStore(CommandContext& ctx) { ZSetOpGeneric(ctx, SetOp::kInter, true); }
void ZDiffStore(CommandContext& ctx) { ZSetOpGeneric(ctx, SetOp::kDiff, true); }

// ZINTERCARD numkeys key [key ...] [LIMIT limit]
void ZInterCard(CommandContext& ctx) {
  std::vector<Source> src;
  size_t j = 0;
  std::string err = ParseSources(ctx, 1, &src, &j);
  if (!err.empty()) return ctx.ReplyError(err);
  int64_t limit = 0;
  while (j < ctx.argc()) {
    if (Is(ctx.arg(j), "LIMIT") && ctx.argc() - j >= 2) {
      if (!base::ParseInt64(ctx.arg(j + 1), &limit) || limit < 0) {
        return ctx.ReplyError(errors::kLimitNegative);
      }
      j += 2;
    } else {
      return ctx.ReplyError(errors::kSyntax);
    }
  }
  std::stable_sort(src.begin(), src.end(),
                   [](const Source& a, const Source& b) { return a.size() < b.size(); });
  int64_t count = 0;
  // Walk the smallest input; past the limit the remaining members are skipped unchecked.
  src[0].ForEach([&](std::string_view m, double) {
    if (limit != 0 && count >= limit) return;
    for (size_t k = 1; k < src.size(); ++k) {
      if (!src[k].Score(m)) return;
    }
    ++count;
  });
  ctx.reply().Integer(count);
}

using engine::CommandSpec;
using engine::kDenyOom;
using engine::kReadOnly;
using engine::kWrite;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeyNum;
using engine::KeySpec;
using engine::Range;
using engine::kKeyAccess;
using engine::kKeyOw;
using engine::kKeyRo;
using engine::kKeyUpdate;

constexpr CommandSpec kZSetStoreCommands[] = {
    {.name = "ZUNION", .arity = -3, .flags = kReadOnly, .handler = ZUnion, .find_keys = ReadKeys,
     .summary = "Returns the union of multiple sorted sets.", .since = "6.2.0",
     .complexity = "O(N)+O(M*log(M)) with N being the sum of the sizes of the input sorted "
                   "sets, and M being the number of elements in the resulting sorted set.",
     .key_specs = key_specs::kNumkeysRoAccess},
    {.name = "ZINTER", .arity = -3, .flags = kReadOnly, .handler = ZInter, .find_keys = ReadKeys,
     .summary = "Returns the intersect of multiple sorted sets.", .since = "6.2.0",
     .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, "
                   "K being the number of input sorted sets and M being the number of elements "
                   "in the resulting sorted set.",
     .key_specs = key_specs::kNumkeysRoAccess},
    {.name = "ZDIFF", .arity = -3, .flags = kReadOnly, .handler = ZDiff, .find_keys = ReadKeys,
     .summary = "Returns the difference between multiple sorted sets.", .since = "6.2.0",
     .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in "
                   "all the sets, N is the size of the first set, and K is the size of the "
                   "result set.",
     .key_specs = key_specs::kNumkeysRoAccess},
    {.name = "ZUNIONSTORE", .arity = -4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
     .handler = ZUnionStore,
     .notice = {engine::kNotifyZSet, "zunionstore"}, .find_keys = StoreKeys,
     .summary = "Stores the union of multiple sorted sets in a key.", .since = "2.0.0",
     .complexity = "O(N)+O(M log(M)) with N being the sum of the sizes of the input sorted "
                   "sets, and M being the number of elements in the resulting sorted set.",
     .key_specs = key_specs::kStoreNumkeys},
    {.name = "ZINTERSTORE", .arity = -4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
     .handler = ZInterStore,
     .notice = {engine::kNotifyZSet, "zinterstore"}, .find_keys = StoreKeys,
     .summary = "Stores the intersect of multiple sorted sets in a key.", .since = "2.0.0",
     .complexity = "O(N*K)+O(M*log(M)) worst case with N being the smallest input sorted set, "
                   "K being the number of input sorted sets and M being the number of elements "
                   "in the resulting sorted set.",
     .key_specs = key_specs::kStoreNumkeys},
    {.name = "ZDIFFSTORE", .arity = -4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
     .handler = ZDiffStore,
     .notice = {engine::kNotifyZSet, "zdiffstore"}, .find_keys = StoreKeys,
     .summary = "Stores the difference of multiple sorted sets in a key.", .since = "6.2.0",
     .complexity = "O(L + (N-K)log(N)) worst case where L is the total number of elements in "
                   "all the sets, N is the size of the first set, and K is the size of the "
                   "result set.",
     .key_specs = key_specs::kStoreNumkeys},
    {.name = "ZINTERCARD", .arity = -3, .flags = kReadOnly, .handler = ZInterCard,
     .find_keys = ReadKeys,
     .summary = "Returns the number of members of the intersect of multiple sorted sets.",
     .since = "7.0.0",
     .complexity = "O(N*K) worst case with N being the smallest input sorted set, K being the "
                   "number of input sorted sets.",
     .key_specs = key_specs::kNumkeysRoAccess},
};

}  // namespace

void RegisterZSetStoreFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclSortedSet, "sorted-set", kZSetStoreCommands);
}

}  // namespace cinnabar::commands

// Blocking sorted-set pops: BZPOPMIN BZPOPMAX BZMPOP. Each first tries what its
// non-blocking form does; with nothing to take it parks the client on its keys
// (engine/blocking.h) and is served later through ZPopAndReply (zset_ops.h).

#include <span>
#include <string_view>
#include <vector>

#include "commands/args.h"
#include "commands/blocking_args.h"
#include "commands/families.h"
#include "engine/notify_flags.h"
#include "commands/notices.h"
#include "commands/mpop_args.h"
#include "commands/zset_ops.h"
#include "engine/blocking.h"
#include "engine/command_context.h"

namespace cinnabar::commands {
namespace {

using base::OpResult;
using engine::BlockingOps;
using engine::CommandContext;
using engine::Database;
using engine::Readiness;

Readiness ZSetReady(CommandContext& ctx, std::string_view key) {
  OpResult<Database::Ref> found = FindZSet(ctx.db(), key, false);
  return found && *found ? Readiness::kReady : Readiness::kNotReady;
}

// The journal records what a blocking pop took as the plain ZPOPMIN / ZPOPMAX (it must not
// block on replay, and a served waiter's verbatim form could take from another key).
void RecordPop(CommandContext& ctx, std::string_view key, bool max, uint64_t count) {
  std::string n = std::to_string(count);
  ctx.RecordAs({max ? "ZPOPMAX" : "ZPOPMIN", key, n});
}

// Pops from the first non-empty key; false when every key is missing (nothing written).
bool PopFirst(CommandContext& ctx, std::span<const std::string_view> keys, bool max,
              uint64_t count, ZPopReply shape) {
  for (std::string_view key : keys) {
    Database& db = ctx.db_for(key);
    OpResult<Database::Ref> found = FindZSet(db, key, false);
    if (!found) {
      ctx.ReplyError(found.status());
      return true;
    }
    if (!*found) continue;
    RecordPop(ctx, key, max, count);
    ZPopAndReply(db, *found, key, max, count, shape, ctx.reply());
    return true;
  }
  return false;
}

void ServeOne(CommandContext& ctx, std::string_view key, bool max, uint64_t count,
              ZPopReply shape) {
  Database& db = ctx.db();
  OpResult<Database::Ref> found = FindZSet(db, key, false);
  RecordPop(ctx, key, max, count);
  ZPopAndReply(db, *found, key, max, count, shape, ctx.reply());
}

// --- BZPOPMIN / BZPOPMAX key [key ...] timeout ---

template <bool kMax>
void ServeBZPop(CommandContext& ctx, std::string_view key) {
  ServeOne(ctx, key, kMax, 1, ZPopReply::kKeyMemberScore);
}

constexpr BlockingOps kBZPopMinOps{ZSetReady, ServeBZPop<false>, true};
constexpr BlockingOps kBZPopMaxOps{ZSetReady, ServeBZPop<true>, true};

void BZPopGeneric(CommandContext& ctx, bool max, const BlockingOps* ops) {
  int64_t timeout_ms;
  std::string_view err = ParseBlockTimeout(ctx.arg(ctx.argc() - 1), &timeout_ms);
  if (!err.empty()) return ctx.ReplyError(err);
  std::span<const std::string_view> keys = ctx.args().subspan(1, ctx.argc() - 2);
  if (PopFirst(ctx, keys, max, 1, ZPopReply::kKeyMemberScore)) return;
  engine::BlockOnKeys(ctx, keys, timeout_ms, ops);
}

void BZPopMin(CommandContext& ctx) { BZPopGeneric(ctx, false, &kBZPopMinOps); }
void BZPopMax(CommandContext& ctx) { BZPopGeneric(ctx, true, &kBZPopMaxOps); }

// --- BZMPOP timeout numkeys key [key ...] MIN|MAX [COUNT count] ---

bool BZMPopKeys(std::span<const std::string_view> args, std::vector<int>* out) {
  return MPopKeys(args, 2, out);
}

std::string_view ParseBZMPop(CommandContext& ctx, MPopArgs* m, bool* max) {
  return ParseMPopArgs(ctx.args(), 2, [max](std::string_view w) { return ParseMinMax(w, max); },
                       m);
}

void ServeBZMPop(CommandContext& ctx, std::string_view key) {
  MPopArgs m;
  bool max = false;
  ParseBZMPop(ctx, &m, &max);  // parsed once already: cannot fail
  ServeOne(ctx, key, max, static_cast<uint64_t>(m.count), ZPopReply::kKeyAndPairs);
}

constexpr BlockingOps kBZMPopOps{ZSetReady, ServeBZMPop, true};

void BZMPop(CommandContext& ctx) {
  MPopArgs m;
  bool max = false;
  std::string_view err = ParseBZMPop(ctx, &m, &max);
  if (!err.empty()) return ctx.ReplyError(err);
  int64_t timeout_ms;
  err = ParseBlockTimeout(ctx.arg(1), &timeout_ms);
  if (!err.empty()) return ctx.ReplyError(err);
  std::span<const std::string_view> keys = ctx.args().subspan(m.first_key, m.key_count);
  if (PopFirst(ctx, keys, max, static_cast<uint64_t>(m.count), ZPopReply::kKeyAndPairs)) return;
  engine::BlockOnKeys(ctx, keys, timeout_ms, &kBZMPopOps);
}

using engine::CommandSpec;
using engine::kBlocking;
using engine::kFast;
using engine::kNoScript;
using engine::kWrite;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeyNum;
using engine::KeySpec;
using engine::Range;
using engine::kKeyAccess;
using engine::kKeyDelete;
using engine::kKeyRw;

constexpr CommandSpec kZSetBlockingCommands[] = {
    {.name = "BZPOPMIN", .arity = -3, .flags = kWrite | kNoScript | kBlocking | kFast, .keys = {1, -2, 1},
     .handler = BZPopMin,
     .notice = {engine::kNotifyZSet, "zpopmin"},
     .summary = "Remove and return the member with the lowest score from one or more sorted "
                "sets, or block until one is available",
     .since = "5.0.0", .complexity = "O(log(N)) with N being the number of elements in the "
                                     "sorted set.",
     .key_specs = key_specs::kBlockingPop},
    {.name = "BZPOPMAX", .arity = -3, .flags = kWrite | kNoScript | kBlocking | kFast, .keys = {1, -2, 1},
     .handler = BZPopMax,
     .notice = {engine::kNotifyZSet, "zpopmax"},
     .summary = "Remove and return the member with the highest score from one or more sorted "
                "sets, or block until one is available",
     .since = "5.0.0", .complexity = "O(log(N)) with N being the number of elements in the "
                                     "sorted set.",
     .key_specs = key_specs::kBlockingPop},
    {.name = "BZMPOP", .arity = -5, .flags = kWrite | kBlocking, .handler = BZMPop,
     .notice_hook = NoticeZMPop,
     .find_keys = BZMPopKeys,
     .summary = "Remove and return members with scores in a sorted set or block until one is "
                "available",
     .since = "7.0.0", .complexity = "O(K) + O(M*log(N)) where K is the number of provided "
                                     "keys, N being the number of elements in the sorted set, "
                                     "and M being the number of elements popped.",
     .key_specs = key_specs::kPopNumkeysAt2},
};

}  // namespace

void RegisterZSetBlockingFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclSortedSet, "sorted-set", kZSetBlockingCommands);
}

}  // namespace cinnabar::commands

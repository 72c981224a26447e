// Blocking list commands: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP. Each first tries what its
// non-blocking form does; with nothing to take it parks the client on its keys
// (engine/blocking.h) and is served later through the same steps in list_ops.h.

#include <span>
#include <string_view>
#include <vector>

#include "commands/args.h"
#include "commands/blocking_args.h"
#include "commands/families.h"
#include "engine/notify_flags.h"
#include "commands/notices.h"
#include "commands/list_ops.h"
#include "commands/mpop_args.h"
#include "engine/blocking.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using base::OpResult;
using base::OpStatus;
using core::ListEnd;
using core::ObjType;
using engine::BlockingOps;
using engine::CommandContext;
using engine::Readiness;
namespace errors = protocol::errors;

std::string_view PopName(ListEnd end) { return end == ListEnd::kHead ? "LPOP" : "RPOP"; }
std::string_view PushName(ListEnd end) { return end == ListEnd::kHead ? "LPUSH" : "RPUSH"; }
std::string_view EndName(ListEnd end) { return end == ListEnd::kHead ? "LEFT" : "RIGHT"; }

// The journal records what a blocking pop took as the plain pop (it must not block on
// replay, and a served waiter's verbatim form could take from another of its keys).
void RecordPop(CommandContext& ctx, ListEnd end, std::string_view key) {
  ctx.RecordAs({PopName(end), key});
}

void RecordPopCount(CommandContext& ctx, ListEnd end, std::string_view key, int64_t count) {
  std::string n = std::to_string(count);
  ctx.RecordAs({PopName(end), key, n});
}

void RecordMove(CommandContext& ctx, std::string_view src, std::string_view dst, ListEnd from,
                ListEnd to) {
  ctx.RecordAs({"LMOVE", src, dst, EndName(from), EndName(to)});
}

Readiness ListReady(CommandContext& ctx, std::string_view key) {
  return ctx.db().FindOfType(key, ObjType::kList, false) ? Readiness::kReady
                                                          : Readiness::kNotReady;
}

// --- BLPOP / BRPOP key [key ...] timeout ---

template <ListEnd kEnd>
void ServeBPop(CommandContext& ctx, std::string_view key) {
  RecordPop(ctx, kEnd, key);
  PopAndReply(ctx.db(), key, kEnd, 1, PopReply::kKeyAndElement, ListLimitsOf(ctx.config()),
              ctx.reply());
}

constexpr BlockingOps kBLPopOps{ListReady, ServeBPop<ListEnd::kHead>, true};
constexpr BlockingOps kBRPopOps{ListReady, ServeBPop<ListEnd::kTail>, true};

void BPopGeneric(CommandContext& ctx, ListEnd end, const BlockingOps* ops) {
  int64_t timeout_ms;
  std::string_view err = ParseBlockTimeout(ctx.arg(ctx.argc() - 1), &timeout_ms);
  if (!err.empty()) return ctx.ReplyError(err);
  std::span<const std::string_view> keys = ctx.args().subspan(1, ctx.argc() - 2);
  core::ListLimits limits = ListLimitsOf(ctx.config());
  for (std::string_view key : keys) {
    OpStatus st =
        PopAndReply(ctx.db_for(key), key, end, 1, PopReply::kKeyAndElement, limits, ctx.reply());
    if (st == OpStatus::kNotFound) continue;
    if (st == OpStatus::kOk) RecordPop(ctx, end, key);
    if (st != OpStatus::kOk) ctx.ReplyError(st);
    return;
  }
  engine::BlockOnKeys(ctx, keys, timeout_ms, ops);
}

void BLPop(CommandContext& ctx) { BPopGeneric(ctx, ListEnd::kHead, &kBLPopOps); }
void BRPop(CommandContext& ctx) { BPopGeneric(ctx, ListEnd::kTail, &kBRPopOps); }

// --- BLMOVE source destination LEFT|RIGHT LEFT|RIGHT timeout / BRPOPLPUSH src dst timeout ---

// The sides, from the saved arguments (BRPOPLPUSH has none: RIGHT then LEFT).
void MoveSides(CommandContext& ctx, ListEnd* from, ListEnd* to) {
  if (ctx.argc() == 6) {
    ParseEnd(ctx.arg(3), from);
    ParseEnd(ctx.arg(4), to);
  } else {
    *from = ListEnd::kTail;
    *to = ListEnd::kHead;
  }
}

Readiness MoveReady(CommandContext& ctx, std::string_view key) {
  if (ListReady(ctx, key) != Readiness::kReady) return Readiness::kNotReady;
  // A destination on a shard not held here gets the element delivered (TakeMove, PutMove).
  return ctx.CanReach(ctx.arg(2)) ? Readiness::kReady : Readiness::kAcross;
}

void ServeMove(CommandContext& ctx, std::string_view key) {
  ListEnd from = ListEnd::kTail, to = ListEnd::kHead;
  MoveSides(ctx, &from, &to);
  RecordMove(ctx, key, ctx.arg(2), from, to);
  OpResult<std::string> moved = MoveElement(ctx.db(), key, ctx.db_for(ctx.arg(2)), ctx.arg(2),
                                            from, to, ListLimitsOf(ctx.config()));
  if (!moved) return ctx.ReplyError(moved.status());
  ctx.reply().Bulk(*moved);
}

std::string TakeMove(CommandContext& ctx, std::string_view key) {
  ListEnd from = ListEnd::kTail, to = ListEnd::kHead;
  MoveSides(ctx, &from, &to);
  RecordPop(ctx, from, key);
  OpResult<std::string> taken = PopOne(ctx.db(), key, from, ListLimitsOf(ctx.config()));
  return taken ? std::move(*taken) : std::string();  // MoveReady found a list: cannot fail
}

OpStatus PutMove(CommandContext& ctx, std::string_view element) {
  ListEnd from = ListEnd::kTail, to = ListEnd::kHead;
  MoveSides(ctx, &from, &to);
  std::string_view one[] = {element};
  ctx.RecordAs({PushName(to), ctx.arg(2), element});
  OpResult<size_t> pushed = PushElements(ctx.db(), ctx.arg(2), one, to, false,
                                         ListLimitsOf(ctx.config()));
  if (!pushed) return pushed.status();
  ctx.reply().Bulk(element);
  return OpStatus::kOk;
}

void GiveBackMove(CommandContext& ctx, std::string_view key, std::string_view element) {
  ListEnd from = ListEnd::kTail, to = ListEnd::kHead;
  MoveSides(ctx, &from, &to);
  std::string_view one[] = {element};
  ctx.RecordAs({PushName(from), key, element});
  (void)PushElements(ctx.db(), key, one, from, false, ListLimitsOf(ctx.config()));
}

// Redis compat: 7.0 answers a BLMOVE timeout with a null array, not a null bulk.
constexpr BlockingOps kBLMoveOps{.check = MoveReady,
                                 .serve = ServeMove,
                                 .timeout_null_array = true,
                                 .destination_arg = 2,
                                 .take = TakeMove,
                                 .put = PutMove,
                                 .give_back = GiveBackMove,
                                 .denied_null_bulk = true};

void BMoveGeneric(CommandContext& ctx, ListEnd from, ListEnd to) {
  int64_t timeout_ms;
  std::string_view err = ParseBlockTimeout(ctx.arg(ctx.argc() - 1), &timeout_ms);
  if (!err.empty()) return ctx.ReplyError(err);
  std::string_view src = ctx.arg(1), dst = ctx.arg(2);
  RecordMove(ctx, src, dst, from, to);
  OpResult<std::string> moved = MoveElement(ctx.db_for(src), src, ctx.db_for(dst), dst, from,
                                            to, ListLimitsOf(ctx.config()));
  if (moved) return ctx.reply().Bulk(*moved);
  if (moved.status() != OpStatus::kNotFound) return ctx.ReplyError(moved.status());
  std::string_view keys[] = {src};
  engine::BlockOnKeys(ctx, keys, timeout_ms, &kBLMoveOps);
}

void BLMove(CommandContext& ctx) {
  ListEnd from, to;
  if (!ParseEnd(ctx.arg(3), &from) || !ParseEnd(ctx.arg(4), &to)) {
    return ctx.ReplyError(errors::kSyntax);
  }
  BMoveGeneric(ctx, from, to);
}

void BRPopLPush(CommandContext& ctx) { BMoveGeneric(ctx, ListEnd::kTail, ListEnd::kHead); }

// --- BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] ---

bool BLMPopKeys(std::span<const std::string_view> args, std::vector<int>* out) {
  return MPopKeys(args, 2, out);
}

std::string_view ParseBLMPop(CommandContext& ctx, MPopArgs* m, ListEnd* end) {
  return ParseMPopArgs(ctx.args(), 2, [end](std::string_view w) { return ParseEnd(w, end); },
                       m);
}

void ServeBLMPop(CommandContext& ctx, std::string_view key) {
  MPopArgs m;
  ListEnd end = ListEnd::kHead;
  ParseBLMPop(ctx, &m, &end);  // parsed once already: cannot fail
  RecordPopCount(ctx, end, key, m.count);
  PopAndReply(ctx.db(), key, end, static_cast<size_t>(m.count), PopReply::kKeyAndArray,
              ListLimitsOf(ctx.config()), ctx.reply());
}

constexpr BlockingOps kBLMPopOps{ListReady, ServeBLMPop, true};

void BLMPop(CommandContext& ctx) {
  MPopArgs m;
  ListEnd end;
  std::string_view err = ParseBLMPop(ctx, &m, &end);
  if (!err.empty()) return ctx.ReplyError(err);
  int64_t timeout_ms;
  err = ParseBlockTimeout(ctx.arg(1), &timeout_ms);
  if (!err.empty()) return ctx.ReplyError(err);
  std::span<const std::string_view> keys = ctx.args().subspan(m.first_key, m.key_count);
  core::ListLimits limits = ListLimitsOf(ctx.config());
  for (std::string_view key : keys) {
    OpStatus st = PopAndReply(ctx.db_for(key), key, end, static_cast<size_t>(m.count),
                              PopReply::kKeyAndArray, limits, ctx.reply());
    if (st == OpStatus::kNotFound) continue;
    if (st == OpStatus::kOk) RecordPopCount(ctx, end, key, m.count);
    if (st != OpStatus::kOk) ctx.ReplyError(st);
    return;
  }
  engine::BlockOnKeys(ctx, keys, timeout_ms, &kBLMPopOps);
}

using engine::CommandSpec;
using engine::kBlocking;
using engine::kDenyOom;
using engine::kNoScript;
using engine::kWrite;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeyNum;
using engine::KeySpec;
using engine::Range;
using engine::kKeyAccess;
using engine::kKeyDelete;
using engine::kKeyInsert;
using engine::kKeyRw;

constexpr CommandSpec kListBlockingCommands[] = {
    {.name = "BLPOP", .arity = -3, .flags = kWrite | kNoScript | kBlocking, .keys = {1, -2, 1},
     .handler = BLPop,
     .notice = {engine::kNotifyList, "lpop"},
     .summary = "Remove and get the first element in a list, or block until one is available",
     .since = "2.0.0", .complexity = "O(N) where N is the number of provided keys.",
     .key_specs = key_specs::kBlockingPop},
    {.name = "BRPOP", .arity = -3, .flags = kWrite | kNoScript | kBlocking, .keys = {1, -2, 1},
     .handler = BRPop,
     .notice = {engine::kNotifyList, "rpop"},
     .summary = "Remove and get the last element in a list, or block until one is available",
     .since = "2.0.0", .complexity = "O(N) where N is the number of provided keys.",
     .key_specs = key_specs::kBlockingPop},
    {.name = "BLMOVE", .arity = 6, .flags = kWrite | kDenyOom | kNoScript | kBlocking, .keys = {1, 2, 1},
     .handler = BLMove,
     .notice_hook = NoticeListMove,
     .summary = "Pop an element from a list, push it to another list and return it; or block "
                "until one is available",
     .since = "6.2.0", .complexity = "O(1)",
     .key_specs = key_specs::kMove},
    {.name = "BRPOPLPUSH", .arity = 4, .flags = kWrite | kDenyOom | kNoScript | kBlocking,
     .keys = {1, 2, 1}, .handler = BRPopLPush,
     .notice_hook = NoticeListMove,
     .summary = "Pop an element from a list, push it to another list and return it; or block "
                "until one is available",
     .since = "2.2.0", .complexity = "O(1)",
     .key_specs = key_specs::kMove},
    {.name = "BLMPOP", .arity = -5, .flags = kWrite | kBlocking, .handler = BLMPop,
     .notice_hook = NoticeListMPop,
     .find_keys = BLMPopKeys,
     .summary = "Pop elements from a list, or block until one is available", .since = "7.0.0",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                   "elements returned.",
     .key_specs = key_specs::kPopNumkeysAt2},
};

}  // namespace

void RegisterListBlockingFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclList, "list", kListBlockingCommands);
}

}  // namespace cinnabar::commands

// List commands (non-blocking): LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET
// LINSERT LREM LTRIM LPOS LMOVE RPOPLPUSH LMPOP. The steps the blocking commands reuse are
// in list_ops.h.

#include <vector>

#include "commands/arg_parser.h"
#include "commands/args.h"
#include "commands/families.h"
#include "engine/notify_flags.h"
#include "commands/notices.h"
#include "commands/list_ops.h"
#include "commands/mpop_args.h"
#include "core/list_value.h"
#include "engine/command_context.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using core::ListEnd;
using core::ListValue;
using core::ObjType;
using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

// The list at `key` for a read command (counts a keyspace hit or miss) or a write command.
OpResult<Database::Ref> FindList(CommandContext& ctx, std::string_view key, bool read) {
  return ctx.db().FindOfType(key, ObjType::kList, read);
}

// Resolves LRANGE/LTRIM's start and end against `len` as Redis does (negative from the end,
// clamped); false when the range is empty.
bool ResolveRange(int64_t start, int64_t end, size_t len, size_t* first, size_t* last) {
  int64_t n = static_cast<int64_t>(len);
  if (start < 0) start += n;
  if (end < 0) end += n;
  if (start < 0) start = 0;
  if (start > end || start >= n) return false;
  if (end >= n) end = n - 1;
  *first = static_cast<size_t>(start);
  *last = static_cast<size_t>(end);
  return true;
}

// LPUSH / RPUSH / LPUSHX / RPUSHX key element [element ...]
void PushGeneric(CommandContext& ctx, ListEnd end, bool only_existing) {
  OpResult<size_t> len = PushElements(ctx.db(), ctx.arg(1), ctx.args().subspan(2), end,
                                      only_existing, ListLimitsOf(ctx.config()));
  if (!len) return ctx.ReplyError(len.status());
  ctx.reply().Integer(static_cast<int64_t>(*len));
}

void LPush(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kHead, false); }
void RPush(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kTail, false); }
void LPushX(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kHead, true); }
void RPushX(CommandContext& ctx) { PushGeneric(ctx, ListEnd::kTail, true); }

// LPOP / RPOP key [count]
void PopGeneric(CommandContext& ctx, ListEnd end) {
  bool has_count = ctx.argc() == 3;
  if (ctx.argc() > 3) return ctx.ReplyError(errors::WrongArity(ctx.command().name));
  int64_t count = 1;
  if (has_count) {
    // Redis compat: a count that is not an integer gets the "must be positive" text too.
    if (!base::ParseInt64(ctx.arg(2), &count) || count < 0) {
      return ctx.ReplyError(errors::kPositiveCount);
    }
  }
  Database& db = ctx.db();
  if (has_count && count == 0) {
    // Redis compat: the type is checked, but nothing is popped and the reply is empty.
    OpResult<Database::Ref> ref = db.FindOfType(ctx.arg(1), ObjType::kList, false);
    if (ref) return ctx.reply().EmptyArray();
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().NullArray();
    return ctx.ReplyError(ref.status());
  }
  OpStatus st = PopAndReply(db, ctx.arg(1), end, static_cast<size_t>(count),
                            has_count ? PopReply::kArray : PopReply::kElement,
                            ListLimitsOf(ctx.config()), ctx.reply());
  if (st == OpStatus::kNotFound) return has_count ? ctx.reply().NullArray() : ctx.reply().Null();
  if (st != OpStatus::kOk) ctx.ReplyError(st);
}

void LPop(CommandContext& ctx) { PopGeneric(ctx, ListEnd::kHead); }
void RPop(CommandContext& ctx) { PopGeneric(ctx, ListEnd::kTail); }

// LLEN key
void LLen(CommandContext& ctx) {
  OpResult<Database::Ref> ref = FindList(ctx, ctx.arg(1), true);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Integer(0);
    return ctx.ReplyError(ref.status());
  }
  ctx.reply().Integer(static_cast<int64_t>(ListValue::Of(ref->entry).Length()));
}

// LRANGE key start stop
void LRange(CommandContext& ctx) {
  OpResult<int64_t> start = ParseInt64Arg(ctx.arg(2));
  if (!start) return ctx.ReplyError(start.status());
  OpResult<int64_t> stop = ParseInt64Arg(ctx.arg(3));
  if (!stop) return ctx.ReplyError(stop.status());
  OpResult<Database::Ref> ref = FindList(ctx, ctx.arg(1), true);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().EmptyArray();
    return ctx.ReplyError(ref.status());
  }
  ListValue list = ListValue::Of(ref->entry);
  size_t first, last;
  if (!ResolveRange(*start, *stop, list.Length(), &first, &last)) {
    return ctx.reply().EmptyArray();
  }
  ctx.reply().ArrayHeader(last - first + 1);
  list.Range(first, last, false, [&](std::string_view s) { ctx.reply().Bulk(s); });
}

// LINDEX key index
void LIndex(CommandContext& ctx) {
  // Redis compat: the key is looked up before the index is parsed.
  OpResult<Database::Ref> ref = FindList(ctx, ctx.arg(1), true);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Null();
    return ctx.ReplyError(ref.status());
  }
  OpResult<int64_t> index = ParseInt64Arg(ctx.arg(2));
  if (!index) return ctx.ReplyError(index.status());
  bool found = ListValue::Of(ref->entry).Index(*index, [&](std::string_view s) {
    ctx.reply().Bulk(s);
  });
  if (!found) ctx.reply().Null();
}

// LSET key index element
void LSet(CommandContext& ctx) {
  Database& db = ctx.db();
  OpResult<Database::Ref> ref = FindList(ctx, ctx.arg(1), false);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.ReplyError(errors::kNoSuchKey);
    return ctx.ReplyError(ref.status());
  }
  OpResult<int64_t> index = ParseInt64Arg(ctx.arg(2));
  if (!index) return ctx.ReplyError(index.status());
  ListValue list = ListValue::Of(ref->entry);
  if (!list.Set(*index, ctx.arg(3), ListLimitsOf(ctx.config()))) {
    db.RecordEncoding(*ref, list.encoding(), list.pointer());  // Redis compat: no change
    return ctx.ReplyError(errors::kIndexOutOfRange);
  }
  db.UpdateObject(*ref, list.encoding(), list.pointer());
  ctx.reply().Ok();
}

// LINSERT key BEFORE|AFTER pivot element
void LInsert(CommandContext& ctx) {
  core::lp::Where where;
  if (Is(ctx.arg(2), "BEFORE")) {
    where = core::lp::Where::kBefore;
  } else if (Is(ctx.arg(2), "AFTER")) {
    where = core::lp::Where::kAfter;
  } else {
    return ctx.ReplyError(errors::kSyntax);
  }
  OpResult<Database::Ref> ref = FindList(ctx, ctx.arg(1), false);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Integer(0);
    return ctx.ReplyError(ref.status());
  }
  ListValue list = ListValue::Of(ref->entry);
  bool inserted = list.Insert(ctx.arg(3), ctx.arg(4), where, ListLimitsOf(ctx.config()));
  if (inserted) ctx.db().UpdateObject(*ref, list.encoding(), list.pointer());
  ctx.reply().Integer(inserted ? static_cast<int64_t>(list.Length()) : -1);
}

// LREM key count element
void LRem(CommandContext& ctx) {
  OpResult<int64_t> count = ParseInt64Arg(ctx.arg(2));
  if (!count) return ctx.ReplyError(count.status());
  OpResult<Database::Ref> ref = FindList(ctx, ctx.arg(1), false);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Integer(0);
    return ctx.ReplyError(ref.status());
  }
  ListValue list = ListValue::Of(ref->entry);
  size_t removed = list.Remove(ctx.arg(3), *count, ListLimitsOf(ctx.config()));
  if (removed > 0) StoreListOrDelete(ctx.db(), *ref, list);  // Redis compat: no change
  ctx.reply().Integer(static_cast<int64_t>(removed));
}

// LTRIM key start stop
void LTrim(CommandContext& ctx) {
  OpResult<int64_t> start = ParseInt64Arg(ctx.arg(2));
  if (!start) return ctx.ReplyError(start.status());
  OpResult<int64_t> stop = ParseInt64Arg(ctx.arg(3));
  if (!stop) return ctx.ReplyError(stop.status());
  OpResult<Database::Ref> ref = FindList(ctx, ctx.arg(1), false);
  if (!ref) {
    if (ref.status() == OpStatus::kNotFound) return ctx.reply().Ok();
    return ctx.ReplyError(ref.status());
  }
  ListValue list = ListValue::Of(ref->entry);
  size_t len = list.Length(), first, last;
  if (ResolveRange(*start, *stop, len, &first, &last)) {
    list.Trim(first, len - last - 1, ListLimitsOf(ctx.config()));
  } else {
    list.Trim(len, 0, ListLimitsOf(ctx.config()));  // an empty range empties the list
  }
  StoreListOrDelete(ctx.db(), *ref, list);
  ctx.reply().Ok();
}

// LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len]
void LPos(CommandContext& ctx) {
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: not given
  ArgParser p(ctx.args(), 3);
  while (p.HasNext()) {
    if (p.Check("RANK", 1)) {
      rank = p.NextInt64();
      if (!p.HasError() && rank == 0) p.Fail(errors::kRankZero);
    } else if (p.Check("COUNT", 1)) {
      count = p.NextInt64Or(errors::kCountNegative, 0);  // one text for both faults
    } else if (p.Check("MAXLEN", 1)) {
      maxlen = p.NextInt64Or(errors::kMaxlenNegative, 0);
    } else {
      p.Fail(errors::kSyntax);
    }
  }
  if (!p.Finalize()) return ctx.ReplyError(p.error());
  bool forward = rank > 0;
  // Redis compat: the rank's magnitude and the COUNT test use wrapping arithmetic, so
  // RANK -9223372036854775808 matches from the first hit at the tail and ignores COUNT.
  auto wrap = [](uint64_t v) { return static_cast<int64_t>(v); };
  if (rank < 0) rank = wrap(0 - static_cast<uint64_t>(rank));
  OpResult<Database::Ref> ref = FindList(ctx, ctx.arg(1), true);
  if (!ref) {
    if (ref.status() != OpStatus::kNotFound) return ctx.ReplyError(ref.status());
    return count != -1 ? ctx.reply().EmptyArray() : ctx.reply().Null();
  }
  ListValue list = ListValue::Of(ref->entry);
  int64_t len = static_cast<int64_t>(list.Length());
  core::ListNeedle needle(ctx.arg(2));
  std::vector<int64_t> found;
  int64_t matches = 0;
  core::ListIterator it(list, forward ? 0 : static_cast<size_t>(len - 1), forward);
  for (int64_t index = 0; it.Valid() && (maxlen == 0 || index < maxlen); ++index, it.Next()) {
    if (!it.Matches(needle)) continue;
    ++matches;
    if (matches < rank) continue;
    found.push_back(forward ? index : len - index - 1);
    if (count == -1) break;
    int64_t got = wrap(static_cast<uint64_t>(matches) - static_cast<uint64_t>(rank) + 1);
    if (count != 0 && got >= count) break;
  }
  if (count == -1) return found.empty() ? ctx.reply().Null() : ctx.reply().Integer(found[0]);
  ctx.reply().ArrayHeader(found.size());
  for (int64_t i : found) ctx.reply().Integer(i);
}

// LMOVE source destination LEFT|RIGHT LEFT|RIGHT / RPOPLPUSH source destination
void MoveGeneric(CommandContext& ctx, ListEnd from, ListEnd to) {
  std::string_view src = ctx.arg(1), dst = ctx.arg(2);
  OpResult<std::string> moved = MoveElement(ctx.db_for(src), src, ctx.db_for(dst), dst, from, to,
                                            ListLimitsOf(ctx.config()));
  if (!moved) {
    if (moved.status() == OpStatus::kNotFound) return ctx.reply().Null();
    return ctx.ReplyError(moved.status());
  }
  ctx.reply().Bulk(*moved);
}

void LMove(CommandContext& ctx) {
  ListEnd from, to;
  if (!ParseEnd(ctx.arg(3), &from) || !ParseEnd(ctx.arg(4), &to)) {
    return ctx.ReplyError(errors::kSyntax);
  }
  MoveGeneric(ctx, from, to);
}

void RPopLPush(CommandContext& ctx) { MoveGeneric(ctx, ListEnd::kTail, ListEnd::kHead); }

// LMPOP numkeys key [key ...] LEFT|RIGHT [COUNT count]
bool LMPopKeys(std::span<const std::string_view> args, std::vector<int>* out) {
  return MPopKeys(args, 1, out);
}

void LMPop(CommandContext& ctx) {
  MPopArgs m;
  ListEnd end;
  std::string_view err =
      ParseMPopArgs(ctx.args(), 1, [&end](std::string_view w) { return ParseEnd(w, &end); }, &m);
  if (!err.empty()) return ctx.ReplyError(err);
  core::ListLimits limits = ListLimitsOf(ctx.config());
  for (size_t i = m.first_key; i < m.where_at; ++i) {
    std::string_view key = ctx.arg(i);
    OpStatus st = PopAndReply(ctx.db_for(key), key, end, static_cast<size_t>(m.count),
                              PopReply::kKeyAndArray, limits, ctx.reply());
    if (st == OpStatus::kNotFound) continue;
    if (st != OpStatus::kOk) ctx.ReplyError(st);
    return;
  }
  ctx.reply().NullArray();
}

using engine::CommandSpec;
using engine::kDenyOom;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

constexpr std::string_view kPushComplexity =
    "O(1) for each element added, so O(N) to add N elements when the command is called with "
    "multiple arguments.";

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeyNum;
using engine::KeySpec;
using engine::Range;
using engine::kKeyAccess;
using engine::kKeyDelete;
using engine::kKeyInsert;
using engine::kKeyRw;

constexpr CommandSpec kListCommands[] = {
    {.name = "LPUSH", .arity = -3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = LPush,
     .notice = {engine::kNotifyList, "lpush"},
     .summary = "Prepend one or multiple elements to a list",
     .since = "1.0.0", .complexity = kPushComplexity,
     .key_specs = key_specs::kOneRwInsert},
    {.name = "RPUSH", .arity = -3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = RPush,
     .notice = {engine::kNotifyList, "rpush"},
     .summary = "Append one or multiple elements to a list", .since = "1.0.0",
     .complexity = kPushComplexity,
     .key_specs = key_specs::kOneRwInsert},
    {.name = "LPUSHX", .arity = -3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = LPushX,
     .notice = {engine::kNotifyList, "lpush"},
     .summary = "Prepend an element to a list, only if the list exists",
     .since = "2.2.0", .complexity = kPushComplexity,
     .key_specs = key_specs::kOneRwInsert},
    {.name = "RPUSHX", .arity = -3, .flags = kWrite | kDenyOom | kFast, .keys = {1, 1, 1},
     .handler = RPushX,
     .notice = {engine::kNotifyList, "rpush"},
     .summary = "Append an element to a list, only if the list exists",
     .since = "2.2.0", .complexity = kPushComplexity,
     .key_specs = key_specs::kOneRwInsert},
    {.name = "LPOP", .arity = -2, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = LPop,
     .notice = {engine::kNotifyList, "lpop"},
     .summary = "Remove and get the first elements in a list", .since = "1.0.0",
     .complexity = "O(N) where N is the number of elements returned",
     .key_specs = key_specs::kOneRwAccessDelete},
    {.name = "RPOP", .arity = -2, .flags = kWrite | kFast, .keys = {1, 1, 1}, .handler = RPop,
     .notice = {engine::kNotifyList, "rpop"},
     .summary = "Remove and get the last elements in a list", .since = "1.0.0",
     .complexity = "O(N) where N is the number of elements returned",
     .key_specs = key_specs::kOneRwAccessDelete},
    {.name = "LLEN", .arity = 2, .flags = kReadOnly | kFast, .keys = {1, 1, 1}, .handler = LLen,
     .summary = "Get the length of a list", .since = "1.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kOneRo},
    {.name = "LRANGE", .arity = 4, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = LRange,
     .summary = "Get a range of elements from a list", .since = "1.0.0",
     .complexity = "O(S+N) where S is the distance of start offset from HEAD for small lists, "
                   "from nearest end (HEAD or TAIL) for large lists; and N is the number of "
                   "elements in the specified range.",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "LINDEX", .arity = 3, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = LIndex,
     .summary = "Get an element from a list by its index", .since = "1.0.0",
     .complexity = "O(N) where N is the number of elements to traverse to get to the element "
                   "at index. This makes asking for the first or the last element of the list "
                   "O(1).",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "LSET", .arity = 4, .flags = kWrite | kDenyOom, .keys = {1, 1, 1}, .handler = LSet,
     .notice = {engine::kNotifyList, "lset"},
     .summary = "Set the value of an element in a list by its index", .since = "1.0.0",
     .complexity = "O(N) where N is the length of the list. Setting either the first or the "
                   "last element of the list is O(1).",
     .key_specs = key_specs::kOneRwUpdate},
    {.name = "LINSERT", .arity = 5, .flags = kWrite | kDenyOom, .keys = {1, 1, 1},
     .handler = LInsert,
     .notice = {engine::kNotifyList, "linsert"},
     .summary = "Insert an element before or after another element in a list",
     .since = "2.2.0",
     .complexity = "O(N) where N is the number of elements to traverse before seeing the value "
                   "pivot. This means that inserting somewhere on the left end on the list "
                   "(head) can be considered O(1) and inserting somewhere on the right end "
                   "(tail) is O(N).",
     .key_specs = key_specs::kOneRwInsert},
    {.name = "LREM", .arity = 4, .flags = kWrite, .keys = {1, 1, 1}, .handler = LRem,
     .notice = {engine::kNotifyList, "lrem"},
     .summary = "Remove elements from a list", .since = "1.0.0",
     .complexity = "O(N+M) where N is the length of the list and M is the number of elements "
                   "removed.",
     .key_specs = key_specs::kOneRwDelete},
    {.name = "LTRIM", .arity = 4, .flags = kWrite, .keys = {1, 1, 1}, .handler = LTrim,
     .notice = {engine::kNotifyList, "ltrim"},
     .summary = "Trim a list to the specified range", .since = "1.0.0",
     .complexity = "O(N) where N is the number of elements to be removed by the operation.",
     .key_specs = key_specs::kOneRwDelete},
    {.name = "LPOS", .arity = -3, .flags = kReadOnly, .keys = {1, 1, 1}, .handler = LPos,
     .summary = "Return the index of matching elements on a list", .since = "6.0.6",
     .complexity = "O(N) where N is the number of elements in the list, for the average case. "
                   "When searching for elements near the head or the tail of the list, or when "
                   "the MAXLEN option is provided, the command may run in constant time.",
     .key_specs = key_specs::kOneRoAccess},
    {.name = "LMOVE", .arity = 5, .flags = kWrite | kDenyOom, .keys = {1, 2, 1},
     .handler = LMove,
     .notice_hook = NoticeListMove,
     .summary = "Pop an element from a list, push it to another list and return it",
     .since = "6.2.0", .complexity = "O(1)",
     .key_specs = key_specs::kMove},
    {.name = "RPOPLPUSH", .arity = 3, .flags = kWrite | kDenyOom, .keys = {1, 2, 1},
     .handler = RPopLPush,
     .notice_hook = NoticeListMove,
     .summary = "Remove the last element in a list, prepend it to another list and return it",
     .since = "1.2.0", .complexity = "O(1)",
     .key_specs = key_specs::kMove},
    {.name = "LMPOP", .arity = -4, .flags = kWrite, .handler = LMPop,
     .notice_hook = NoticeListMPop, .find_keys = LMPopKeys,
     .summary = "Pop elements from a list", .since = "7.0.0",
     .complexity = "O(N+M) where N is the number of provided keys and M is the number of "
                   "elements returned.",
     .key_specs = key_specs::kPopNumkeysAt1},
};

}  // namespace

void RegisterListFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclList, "list", kListCommands);
}

}  // namespace cinnabar::commands

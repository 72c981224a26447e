#include "commands/notices.h"

#include "base/string_util.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
using engine::Notice;

bool Is(std::string_view a, std::string_view b) { return base::EqualsIgnoreCase(a, b); }

bool IsExpiryOption(std::string_view a) {
  return Is(a, "EX") || Is(a, "PX") || Is(a, "EXAT") || Is(a, "PXAT");
}

bool IsCommand(const CommandContext& ctx, std::string_view name) {
  return ctx.command().spec->name == name;
}

// The side word after an MPOP command's keys (numkeys at `numkeys_at`); empty if malformed.
std::string_view MPopSide(const CommandContext& ctx, size_t numkeys_at) {
  int64_t n;
  if (numkeys_at >= ctx.argc() || !base::ParseInt64(ctx.arg(numkeys_at), &n) || n < 1) return {};
  size_t side = numkeys_at + 1 + static_cast<size_t>(n);
  return side < ctx.argc() ? ctx.arg(side) : std::string_view{};
}

// Whether the event's key is argument `i` of the command's database.
bool IsArg(const CommandContext& ctx, const NoticeSink& out, size_t i) {
  return i < ctx.argc() && out.key() == ctx.arg(i) && out.db() == ctx.db_index();
}

}  // namespace

void NoticeSet(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  engine::ReportNotice({engine::kNotifyString, "set"}, event, out);
  for (size_t i = 3; i < ctx.argc(); ++i) {
    if (IsExpiryOption(ctx.arg(i))) return out.Emit(engine::kNotifyGeneric, "expire");
  }
}

void NoticeSetEx(const CommandContext&, KeyEvent event, NoticeSink& out) {
  engine::ReportNotice({engine::kNotifyString, "set"}, event, out);
  out.Emit(engine::kNotifyGeneric, "expire");
}

void NoticeGetEx(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  if (event == KeyEvent::kDeleted) return out.Emit(engine::kNotifyGeneric, "del");
  bool persist = ctx.argc() > 2 && Is(ctx.arg(2), "PERSIST");
  out.Emit(engine::kNotifyGeneric, persist ? "persist" : "expire");
}

void NoticeRename(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  // The source leaving and an overwritten destination say nothing of their own.
  if (event != KeyEvent::kAdded) return;
  out.Emit(engine::kNotifyGeneric, "rename_from", ctx.arg(1), ctx.db_index());
  out.Emit(engine::kNotifyGeneric, "rename_to");
}

void NoticeCopy(const CommandContext&, KeyEvent event, NoticeSink& out) {
  if (event == KeyEvent::kAdded) out.Emit(engine::kNotifyGeneric, "copy_to");
}

void NoticeMove(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  if (event != KeyEvent::kAdded) return;
  out.Emit(engine::kNotifyGeneric, "move_from", ctx.arg(1), ctx.db_index());
  out.Emit(engine::kNotifyGeneric, "move_to");
}

void NoticeListMove(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  bool pop_left = false, push_left = true;  // RPOPLPUSH, BRPOPLPUSH
  if (IsCommand(ctx, "LMOVE") || IsCommand(ctx, "BLMOVE")) {
    pop_left = ctx.argc() > 3 && Is(ctx.arg(3), "LEFT");
    push_left = ctx.argc() > 4 && Is(ctx.arg(4), "LEFT");
  }
  Notice pop{engine::kNotifyList, pop_left ? "lpop" : "rpop"};
  Notice push{engine::kNotifyList, push_left ? "lpush" : "rpush"};
  bool src = IsArg(ctx, out, 1), dst = IsArg(ctx, out, 2);
  if (dst && event != KeyEvent::kDeleted) engine::ReportNotice(push, event, out);
  if (src) engine::ReportNotice(pop, event, out);
}

void NoticeListMPop(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  std::string_view side = MPopSide(ctx, IsCommand(ctx, "BLMPOP") ? 2 : 1);
  engine::ReportNotice({engine::kNotifyList, Is(side, "LEFT") ? "lpop" : "rpop"}, event, out);
}

void NoticeSMove(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  if (IsArg(ctx, out, 1)) return engine::ReportNotice({engine::kNotifySet, "srem"}, event, out);
  engine::ReportNotice({engine::kNotifySet, "sadd"}, event, out);
}

void NoticeZAdd(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  bool incr = false;
  for (size_t i = 2; i < ctx.argc(); ++i) {
    std::string_view a = ctx.arg(i);
    if (Is(a, "INCR")) {
      incr = true;
    } else if (!Is(a, "NX") && !Is(a, "XX") && !Is(a, "GT") && !Is(a, "LT") && !Is(a, "CH")) {
      break;  // the first score
    }
  }
  engine::ReportNotice({engine::kNotifyZSet, incr ? "zincr" : "zadd"}, event, out);
}

void NoticeZMPop(const CommandContext& ctx, KeyEvent event, NoticeSink& out) {
  std::string_view side = MPopSide(ctx, IsCommand(ctx, "BZMPOP") ? 2 : 1);
  engine::ReportNotice({engine::kNotifyZSet, Is(side, "MIN") ? "zpopmin" : "zpopmax"}, event,
                       out);
}

}  // namespace cinnabar::commands

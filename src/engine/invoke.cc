#include "engine/invoke.h"

#include "engine/dispatcher.h"
#include "engine/worker.h"

namespace cinnabar::engine {

std::shared_ptr<Waiter> Invoke(Worker& w, Caller& caller, const CommandEntry& cmd,
                               std::span<const std::string_view> args,
                               protocol::ReplyBuilder& rb, const Placement& where,
                               int64_t now_ms) {
  CommandContext ctx(cmd, args, &rb, &w, caller.client, where.shard, caller.db, where.mode,
                     now_ms);
  if (caller.origin != nullptr) ctx.set_origin(caller.origin, caller.home);
  ctx.set_held(where.held);
  ctx.set_call_flags(caller.flags);
  Execute(ctx, w);
  caller.db = ctx.db_index();
  return ctx.waiter();
}

}  // namespace cinnabar::engine

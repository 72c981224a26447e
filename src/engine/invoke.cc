#include "engine/invoke.h"

#include "engine/dispatcher.h"
#include "engine/shard.h"
#include "engine/worker.h"

namespace cinnabar::engine {

std::shared_ptr<Waiter> Invoke(Worker& w, Caller& caller, const CommandEntry& cmd,
                               std::span<const std::string_view> args,
                               protocol::ReplyBuilder& rb, const Placement& where,
                               int64_t now_ms) {
  // A client's command run on its shard's thread for a client of another thread keeps that
  // shard under maxmemory (on the client's thread the dispatcher did so before admitting
  // it). A locked batch's thread does not evict from the shards it holds: the key events
  // of an eviction are the owning thread's to publish (engine/notify.h).
  if (where.mode == ExecMode::kRemote && (caller.flags & (kCallInMulti | kCallInScript)) == 0 &&
      w.config().maxmemory > 0) {
    where.shard->evictor().MakeRoom(*where.shard, w.config());
  }
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

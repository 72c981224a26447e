#include "engine/invoke.h"

#include "engine/client.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "engine/tracking.h"
#include "engine/worker.h"

namespace cinnabar::engine {

std::shared_ptr<Waiter> Invoke(Worker& w, Caller& caller, const CommandEntry& cmd,
                               std::span<const std::string_view> args,
                               protocol::ReplyBuilder& rb, const Placement& where,
                               int64_t now_ms) {
  CommandContext ctx(cmd, args, &rb, &w, caller.client, where.shard, caller.db, where.mode,
                     now_ms);
  // A client's command run off its own thread's shard (on the shard's thread, or with it
  // locked) keeps that shard under maxmemory; on the client's thread the dispatcher did so
  // before admitting it. Inside the command's context, so the evictions' key events are
  // this thread's to publish (engine/notify.h).
  if (where.mode != ExecMode::kLocal && TopLevelCall(caller.flags) && w.config().maxmemory > 0) {
    where.shard->evictor().MakeRoom(w.engine(), *where.shard, w.config());
  }
  if (caller.origin != nullptr) ctx.set_origin(caller.origin, caller.home);
  ctx.set_held(where.held);
  ctx.set_call_flags(caller.flags);
  Execute(ctx, w);
  // Client-side caching, tested here so that a command of a client that does not track
  // pays two loads (engine/tracking.h).
  if (caller.origin != nullptr && caller.origin->tracking.on()) {
    TrackingAfterCommand(w, cmd, args, caller.origin, caller.home);
  }
  if (TopLevelCall(caller.flags) && w.engine().tracking().thread(w.index()).pending()) {
    FlushTrackingPending(w, caller.origin, caller.home, rb);
  }
  caller.db = ctx.db_index();
  return ctx.waiter();
}

}  // namespace cinnabar::engine

#include "engine/dispatcher.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/logging.h"
#include "base/string_util.h"
#include "engine/batch.h"
#include "engine/blocking.h"
#include "engine/client.h"
#include "engine/client_pause.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/invoke.h"
#include "engine/journal.h"
#include "engine/latency_monitor.h"
#include "engine/monitor.h"
#include "engine/pipeline_run.h"
#include "engine/transaction.h"
#include "engine/shard.h"
#include "engine/slowlog.h"
#include "engine/tracking.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::engine {
namespace {

namespace errors = protocol::errors;

// --- Checks, in Redis's order ---

// Replies with the rejection and returns false when the command may not run.
bool Admit(Client& c, const CommandEntry* cmd, bool unknown_sub,
           std::span<const std::string_view> args) {
  Verdict v = Check(c, cmd, args);
  if (v == Verdict::kOk) return true;
  std::string text;
  switch (v) {
    case Verdict::kUnknown:
      text = unknown_sub ? errors::UnknownSubcommand(args[0], args[1])
                         : errors::UnknownCommand(args[0], args.data() + 1, args.size() - 1);
      break;
    case Verdict::kArity:
      text = errors::WrongArity(cmd->name);
      break;
    case Verdict::kNoAuth:
      text = errors::kNoAuth;
      break;
    case Verdict::kNoPerm: {
      std::string_view culprit;
      AclDenial d = CheckClientCall(c, *cmd, args, &culprit);
      LogDenial(c, c.acl_user(), d, *cmd, culprit, c.in_multi() ? "multi" : "toplevel");
      text = NoPermError(d, *cmd);
      break;
    }
    case Verdict::kSubscribed:
      text = errors::NotInSubscribedContext(cmd->name);
      break;
    case Verdict::kMonitor:
      text = errors::kReplicaKeyspace;
      break;
    case Verdict::kBusy:
      text = c.worker().engine().busy_script.load() == Engine::kBusyFunction
                 ? errors::kBusyFunction
                 : errors::kBusyScript;
      break;
    case Verdict::kLoading:
      text = errors::kLoading;
      break;
    case Verdict::kOom:
      text = errors::kOom;
      break;
    case Verdict::kMisconf:
      text = errors::kMisconfRdb;
      break;
    case Verdict::kMisconfAof:
      text = errors::MisconfAof(c.worker().engine().aof_write_errno.load());
      break;
    default:
      text = errors::kDebugNotAllowed;
      break;
  }
  if (cmd != nullptr) c.worker().stats().commands[cmd->id].rejected_calls.Inc();
  protocol::ReplyBuilder rb = c.Reply();
  if (cmd != nullptr && (cmd->spec->flags & kEndsMulti)) {
    // Redis compat: a refused EXEC answers EXECABORT and ends MULTI, in MULTI or not.
    rb.Error(errors::ExecAbortBecause(text));
    DiscardMulti(c);
    return false;
  }
  rb.Error(text);
  // Redis compat: a command refused while queueing makes EXEC answer EXECABORT.
  if (c.in_multi()) c.multi_failed = true;
  return false;
}

// Whether the command's eviction falls to this thread's shard: keyless, or a key here. One
// bound for other shards evicts there when it arrives (engine/invoke.cc), so a client's own
// shard is not drained for the writes of the whole process.
bool EvictsHere(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args) {
  Shard& shard = c.worker().shard();
  if (shard.busy()) return false;  // a transaction holds it
  std::vector<unsigned> shards;
  if (!KeyShards(c.worker().engine(), cmd, args, &shards)) return true;
  return std::find(shards.begin(), shards.end(), shard.index()) != shards.end();
}

// Redis compat (processCommand): with maxmemory set, every command first evicts what the
// policy allows; if the process stays over, denyoom commands, an EXEC queueing one, and
// anything queued in MULTI but EXEC/DISCARD/QUIT/RESET are refused.
bool RefusedForMemory(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args) {
  const ServerConfig& cfg = c.worker().config();
  if (!Evictor::OverLimit(cfg)) return false;
  Shard& shard = c.worker().shard();
  const bool here = EvictsHere(c, cmd, args);
  if (here && shard.evictor().MakeRoom(c.worker().engine(), shard, cfg) != Evictor::Result::kFail) return false;
  if (cfg.maxmemory_policy != ServerConfig::Eviction::kNoEviction) {
    // Over the limit with keys left to evict on some shard: they answer for the budget.
    Engine& eng = c.worker().engine();
    for (unsigned s = 0; s < eng.shard_count(); ++s) {
      if (!(here && s == shard.index()) && !eng.shard(s).evictor().exhausted()) return false;
    }
  }
  const uint32_t flags = cmd.spec->flags;
  if (flags & kDenyOom) return true;
  if ((flags & kEndsMulti) && c.multi != nullptr && (c.multi->command_flags() & kDenyOom)) {
    return true;
  }
  const std::string_view name = cmd.name;
  return c.in_multi() && !(flags & kEndsMulti) && name != "discard" && name != "quit" &&
         name != "reset";
}

// --- Execution ---

// Runs the command on the client's thread, on its own shard (or keyless). A command that
// blocked leaves the client awaiting its waiter.
void RunLocal(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args) {
  Worker& w = c.worker();
  Shard& shard = w.shard();
  int64_t now = base::UnixTimeMs();
  shard.set_now_ms(now);
  std::shared_ptr<Waiter> waiter;
  {
    protocol::ReplyBuilder rb = c.Reply();
    Caller caller{.db = c.db, .resp = c.resp, .client = &c, .origin = &c, .home = w.index()};
    waiter = Invoke(w, caller, cmd, args, rb, {.mode = ExecMode::kLocal, .shard = &shard}, now);
    if (shard.has_ready_keys()) ServeReadyKeys(shard, w);
  }
  if (waiter) {
    c.BeginAwait();
    EnterBlocked(c, std::move(waiter));
  }
}

// A command that ran for `usec`, at least latency-monitor-threshold: a sample of
// "fast-command" or "command" (not while the AOF loads, as Redis).
[[gnu::noinline]] void NoteCommandLatency(Worker& w, const CommandContext& ctx, int64_t usec) {
  if (w.engine().loading.load(std::memory_order_relaxed)) return;
  const bool fast = ctx.command().spec->flags & kFast;
  w.engine().latency_monitor().Add(fast ? "fast-command" : "command", usec / 1000,
                                   base::UnixTimeMs() / 1000);
}

}  // namespace

Verdict Check(Client& c, const CommandEntry* cmd, std::span<const std::string_view> args) {
  if (cmd == nullptr) return Verdict::kUnknown;
  if (!cmd->ArityOk(args.size())) return Verdict::kArity;
  if (c.AuthRequired() && !(cmd->spec->flags & kNoAuth)) return Verdict::kNoAuth;
  if (cmd->spec->flags & kProtected) {
    DebugCommandPolicy policy = c.worker().config().enable_debug_command;
    if (policy == DebugCommandPolicy::kNo ||
        (policy == DebugCommandPolicy::kLocal && !c.peer().loopback)) {
      return Verdict::kProtected;
    }
  }
  {
    std::string_view culprit;
    // Redis compat: AUTH, HELLO, QUIT and RESET stay open to every user.
    // The default user's +@all ~* &* costs a load and a flag test.
    const AclUser* user = c.acl_user();
    if (!(cmd->spec->flags & kNoAuth) && (user == nullptr || !user->unrestricted()) &&
        CheckClientCall(c, *cmd, args, &culprit) != AclDenial::kNone) {
      return Verdict::kNoPerm;
    }
  }
  if (c.resp == 2 && c.subscribed() && !(cmd->spec->flags & kSubscribedOk)) {
    return Verdict::kSubscribed;
  }
  // Redis compat: a MONITOR client is a replica to Redis, which may not touch the keyspace.
  if (c.monitor && (cmd->spec->flags & (kReadOnly | kWrite | kMayReplicate))) {
    return Verdict::kMonitor;
  }
  if (c.worker().engine().busy_script.load(std::memory_order_relaxed) != Engine::kNotBusy &&
      !(cmd->spec->flags & kAllowBusy)) {
    return Verdict::kBusy;
  }
  Engine& eng = c.worker().engine();
  if (eng.loading.load(std::memory_order_relaxed) && !(cmd->spec->flags & kLoading)) {
    return Verdict::kLoading;
  }
  if (RefusedForMemory(c, *cmd, args)) return Verdict::kOom;
  // Redis compat: PING is refused too, so a health check notices.
  const bool write_or_ping = (cmd->spec->flags & kWrite) || cmd->name == "ping";
  if (eng.refuse_writes.load(std::memory_order_relaxed) && write_or_ping) {
    return Verdict::kMisconf;
  }
  if (eng.aof_write_errno.load(std::memory_order_relaxed) != 0 && write_or_ping) {
    return Verdict::kMisconfAof;
  }
  return Verdict::kOk;
}

bool NeedsAllShards(Worker& w, const CommandEntry& cmd,
                    std::span<const std::string_view> args) {
  if (cmd.spec->flags & kAllShards) return true;
  return cmd.spec->needs_all_shards != nullptr && cmd.spec->needs_all_shards(w, args);
}

Shard& LockedOwnShard(Engine& eng, const CommandEntry& cmd, std::span<const std::string_view> args,
                      Shard& fallback) {
  std::vector<int> keys;
  if (!cmd.routes_on_keys() || !Registry::KeyIndexes(cmd, args, &keys) || keys.empty()) return fallback;
  return eng.shard(eng.ShardOf(args[static_cast<size_t>(keys[0])]));
}

bool KeyShards(const Engine& eng, const CommandEntry& cmd, std::span<const std::string_view> args,
               std::vector<unsigned>* shards) {
  std::vector<int> keys;
  if (!cmd.routes_on_keys() || !Registry::KeyIndexes(cmd, args, &keys) || keys.empty()) return false;
  shards->clear();
  shards->reserve(keys.size());
  for (int k : keys) shards->push_back(eng.ShardOf(args[static_cast<size_t>(k)]));
  std::sort(shards->begin(), shards->end());
  shards->erase(std::unique(shards->begin(), shards->end()), shards->end());
  return true;
}

std::shared_ptr<Waiter> ExecuteRemote(Worker& w, const CommandEntry& cmd,
                                      std::span<const std::string_view> args, base::IoBuf* out,
                                      int resp, int db, Client* origin, unsigned home) {
  int64_t now = base::UnixTimeMs();
  w.shard().set_now_ms(now);
  protocol::ReplyBuilder rb(out, resp, &w);
  Caller caller{.db = db, .resp = resp, .origin = origin, .home = home};
  std::shared_ptr<Waiter> waiter =
      Invoke(w, caller, cmd, args, rb, {.mode = ExecMode::kRemote, .shard = &w.shard()}, now);
  if (w.shard().has_ready_keys()) ServeReadyKeys(w.shard(), w);
  return waiter;
}

void Execute(CommandContext& ctx, Worker& w) {
  const bool monitored = w.engine().monitors().active();
  if (monitored) FeedMonitors(w, ctx, /*before=*/true);
  int64_t start = base::MonotonicUs();
  int64_t errors_before = w.stats().error_replies.Get();
  {
    JournalFrame journal(w.engine().journal(), ctx);
    ctx.command().spec->handler(ctx);
  }
  int64_t elapsed = base::MonotonicUs() - start;
  CommandStats& cs = w.stats().commands[ctx.command().id];
  cs.calls.Inc();
  cs.usec.Add(elapsed);
  if (w.stats().error_replies.Get() != errors_before) cs.failed_calls.Inc();
  w.stats().commands_processed.Inc();
  if (monitored) FeedMonitors(w, ctx, /*before=*/false);
  // Redis compat: the latency monitor samples every call, one that blocked too (for the
  // time it took to block); what serves it later is "command-unblocking".
  const int64_t threshold_ms = w.config().latency_monitor_threshold;
  if (threshold_ms > 0 && elapsed / 1000 >= threshold_ms) NoteCommandLatency(w, ctx, elapsed);
  // A command that blocked is timed when it is served.
  if (!ctx.waiter()) {
    if (w.config().latency_tracking) cs.RecordLatency(elapsed);
    NoteSlowCommand(w, ctx, elapsed);
  }
}

// Redis compat: a command named POST or Host: is an HTTP request sent to the RESP port (a
// browser tricked into cross-protocol scripting). The connection is dropped at once with
// its unsent replies, and a warning logged at most once a minute. Before every other check,
// as Redis has it; asked only of names that are no command, so known commands pay nothing.
static bool DropCrossProtocol(Client& c, std::string_view name) {
  if (!base::EqualsIgnoreCase(name, "post") && !base::EqualsIgnoreCase(name, "host:")) return false;
  static std::atomic<int64_t> logged_ms{0};
  const int64_t now_ms = base::UnixTimeMs();
  int64_t last = logged_ms.load(std::memory_order_relaxed);
  if (now_ms - last > 60'000 && logged_ms.compare_exchange_strong(last, now_ms)) {
    base::LogWarning("Possible SECURITY ATTACK detected. It looks like somebody is sending POST "
                     "or Host: commands to Redis. This is likely due to an attacker attempting "
                     "to use Cross Protocol Scripting to compromise your Redis instance. "
                     "Connection aborted.");
  }
  c.CloseAfterReply();  // reads no further command
  c.Kill();             // and sends nothing more
  return true;
}

bool Dispatch(Client& c, std::span<const std::string_view> args, PipelineAhead* ahead) {
  Worker& w = c.worker();
  Engine& eng = w.engine();
  bool unknown_sub = false;
  const CommandEntry* cmd = eng.registry().Lookup(args, &unknown_sub);
  if (cmd == nullptr && !unknown_sub && DropCrossProtocol(c, args[0])) return true;
  c.replies_dropped = c.reply_off || std::exchange(c.skip_next_reply, false);
  if (!Admit(c, cmd, unknown_sub, args)) {
    if (c.tracking.on()) TrackingBeforeCommand(c, cmd);
    return true;
  }
  c.last_command = cmd;
  if (eng.pause().maybe_active() && HoldIfPaused(c, *cmd)) {
    c.skip_next_reply = c.replies_dropped && !c.reply_off;  // it is the held command's
    return false;
  }
  if (c.tracking.on()) TrackingBeforeCommand(c, cmd);
  if (MayWrite(cmd->spec->flags)) c.MarkWrote();  // its reply may wait for an fsync
  ++c.commands_run;
  if (c.in_multi() && !(cmd->spec->flags & kRunsInMulti)) {
    if (cmd->spec->flags & kNoMulti) {
      c.Reply().Error(errors::kNotInMulti);
      c.multi_failed = true;
      return true;
    }
    QueueInMulti(c, *cmd, args);
    return true;
  }

  if (eng.shard_count() == 1) {
    RunLocal(c, *cmd, args);  // one shard: no hops, no locks, ever
    return true;
  }
  const bool all_shards = NeedsAllShards(w, *cmd, args);
  std::vector<unsigned> shards;
  if (!all_shards && (!cmd->routes_on_keys() || !KeyShards(eng, *cmd, args, &shards))) {
    // Keyless, or malformed key arguments (the handler rejects them before touching data).
    RunLocal(c, *cmd, args);
    return true;
  }
  if (!all_shards && shards.size() == 1 && shards[0] == w.index() && w.shard().InlineOk()) {
    RunLocal(c, *cmd, args);
    return true;
  }
  auto batch = std::make_shared<Batch>(c);
  batch->Add(*cmd, args, shards, all_shards);
  // While MONITOR shows commands, a client's run one by one (engine/monitor.h: order).
  // A skipped reply is this command's alone: it runs alone too.
  // A paused process holds commands one by one: none is gathered past the check.
  // CLIENT CACHING's effect lasts one command: OPTIN / OPTOUT clients run one by one too.
  if (ahead != nullptr && !all_shards && MayJoinRun(*cmd) && !eng.monitors().active() &&
      !eng.pause().maybe_active() && c.replies_dropped == c.reply_off &&
      !(c.tracking.get() & (kTrackingOptin | kTrackingOptout))) {
    GatherPipelineRun(c, *batch, ahead);
  }
  Batch::Start(std::move(batch));
  return true;
}

}  // namespace cinnabar::engine

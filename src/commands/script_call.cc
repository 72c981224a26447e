#include "commands/script_call.h"

#include <algorithm>

#include "base/clock.h"
#include "base/logging.h"
#include "base/memory.h"
#include "commands/script_runtime.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/eviction.h"
#include "engine/invoke.h"
#include "engine/shard.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::commands {

using engine::CommandEntry;
namespace errors = protocol::errors;

ScriptCaller::ScriptCaller(engine::CommandContext& ctx, std::string id,
                           std::span<const std::string_view> keys, bool read_only,
                           std::string_view function)
    : ctx_(ctx), runtime_(Runtime(ctx.engine())), running_(runtime_.running()),
      id_(std::move(id)), read_only_(read_only), db_(ctx.db_index()),
      repl_flags_(scripting::kReplAll), polls_left_(-1), function_(function),
      start_us_(base::MonotonicUs()), oom_at_start_(engine::Evictor::OverLimit(ctx.config())) {
  const ScriptLimits& limits = runtime_.limits();
  if (limits.max_instructions > 0) {
    int64_t step = std::max(1, limits.hook_instructions);
    polls_left_ = std::max<int64_t>(1, limits.max_instructions / step);
  }
  for (std::string_view k : keys) declared_.push_back(ctx.engine().ShardOf(k));
  std::sort(declared_.begin(), declared_.end());
  declared_.erase(std::unique(declared_.begin(), declared_.end()), declared_.end());
}

ScriptCaller::~ScriptCaller() {
  engine::Engine& eng = ctx_.engine();
  if (busy_) {
    if (running_.shutdown.load(std::memory_order_acquire)) DropClient();
    running_.kill.store(false, std::memory_order_relaxed);
    eng.busy_script.store(engine::Engine::kNotBusy, std::memory_order_release);
    running_.owner.store(nullptr, std::memory_order_release);
  }
  if (eng.shard_count() == 1) return;
  // A run with every shard held that kept to its declared shards teaches its routing.
  if (ctx_.HoldsAll() && !undeclared_ && !strayed_) runtime_.Learned(id_, true);
  if (strayed_ || undeclared_) runtime_.Learned(id_, false);
}

bool ScriptCaller::Reachable(const CommandEntry& cmd, std::span<const std::string_view> args) {
  engine::Engine& eng = ctx_.engine();
  if (engine::NeedsAllShards(ctx_.worker(), cmd, args)) {
    if (declared_.size() != eng.shard_count()) undeclared_ = true;
    return ctx_.HoldsAll();
  }
  std::vector<unsigned> shards;
  if (!cmd.routes_on_keys() || !engine::KeyShards(eng, cmd, args, &shards)) return true;
  for (unsigned s : shards) {
    if (!std::binary_search(declared_.begin(), declared_.end(), s)) undeclared_ = true;
  }
  if (ctx_.HoldsAll()) return true;
  std::vector<int> keys;
  engine::Registry::KeyIndexes(cmd, args, &keys);
  return std::all_of(keys.begin(), keys.end(), [&](int k) {
    return ctx_.CanReach(args[static_cast<size_t>(k)]);
  });
}

void ScriptCaller::Call(std::span<const std::string_view> args, int resp, base::IoBuf* out) {
  protocol::ReplyBuilder rb(out, resp);
  engine::Engine& eng = ctx_.engine();
  bool unknown_sub = false;
  const CommandEntry* cmd = eng.registry().Lookup(args, &unknown_sub);
  if (cmd == nullptr) return rb.Error(errors::kScriptUnknownCommand);
  if (!cmd->ArityOk(args.size())) return rb.Error(errors::kScriptWrongArity);
  const uint32_t flags = cmd->spec->flags;
  if (flags & engine::kNoScript) return rb.Error(errors::kScriptNotAllowed);
  if (engine::Client* origin = ctx_.origin(); origin != nullptr) {
    const engine::AclUser* user = origin->user_as_known();
    std::string_view culprit;
    engine::AclDenial d = user == nullptr ? engine::AclDenial::kCommand
                                          : engine::CheckCall(*user, *cmd, args, &culprit);
    if (d != engine::AclDenial::kNone) {
      engine::LogDenial(*origin, user, d, *cmd, culprit, "lua");
      return rb.Error(d == engine::AclDenial::kCommand ? errors::kScriptNoPermCommand
                      : d == engine::AclDenial::kKey   ? errors::kScriptNoPermKey
                                                       : errors::kScriptNoPermChannel);
    }
  }
  // Redis compat: what may replicate (PUBLISH) counts as a write for a read-only script.
  if ((flags & (engine::kWrite | engine::kMayReplicate)) && read_only_) {
    return rb.Error(errors::kScriptReadOnly);
  }
  if ((flags & engine::kDenyOom) && oom_at_start_ && !allow_oom_ && !wrote_) {
    return rb.Error(errors::kOom);
  }
  if (!Reachable(*cmd, args)) {
    strayed_ = true;
    return rb.Error(errors::kScriptStrayKey);
  }
  engine::Shard* own = ctx_.mode() == engine::ExecMode::kLocked
                           ? &engine::LockedOwnShard(eng, *cmd, args, ctx_.shard())
                           : &ctx_.shard();
  engine::Caller caller{.db = db_,
                        .resp = resp,
                        .flags = engine::kCallInScript | (read_only_ ? engine::kCallReadOnly : 0u),
                        .origin = ctx_.origin(),
                        .home = ctx_.home()};
  engine::Invoke(ctx_.worker(), caller, *cmd, args, rb,
                 {.mode = ctx_.mode(), .shard = own, .held = ctx_.held()}, ctx_.now_ms());
  db_ = caller.db;
  if (flags & engine::kWrite) {
    wrote_ = true;
    if (busy_) running_.wrote.store(true, std::memory_order_release);
  }
}

void ScriptCaller::DropClient() {
  // Redis compat: the server exits under the script; its client gets no reply. The
  // connection closes now, dropping the reply about to be written (or, for a client of
  // another thread, before the reply's hop reaches it).
  if (ctx_.has_client()) return ctx_.client().Kill();
  engine::Engine& eng = ctx_.engine();
  uint64_t id = ctx_.origin()->id();
  unsigned home = ctx_.home();
  eng.Post(home, [&eng, home, id] {
    if (engine::Client* c = eng.worker(home).FindClient(id)) c->Kill();
  });
}

void ScriptCaller::BecomeBusy() {
  const void* none = nullptr;
  if (!running_.owner.compare_exchange_strong(none, this, std::memory_order_acq_rel)) return;
  busy_ = true;
  running_.wrote.store(wrote_, std::memory_order_release);
  running_.kill.store(false, std::memory_order_release);
  {
    std::lock_guard<std::mutex> lock(running_.mu);
    running_.name = function_;
    running_.command.assign(ctx_.args().begin(), ctx_.args().end());
    running_.start_ms = ctx_.now_ms();
  }
  ctx_.engine().busy_script.store(
      function_.empty() ? engine::Engine::kBusyEval : engine::Engine::kBusyFunction,
      std::memory_order_release);
  base::LogWarning(
      "Slow script detected: still in execution after {} milliseconds. You can try killing "
      "the script using the {} command.",
      (base::MonotonicUs() - start_us_) / 1000, function_.empty() ? "SCRIPT KILL" : "FUNCTION KILL");
}

bool ScriptCaller::RefusedForMemory(engine::CommandContext& ctx, bool writes, bool allow_oom) {
  return writes && !allow_oom && engine::TopLevelCall(ctx.call_flags()) &&
         engine::Evictor::OverLimit(ctx.config());
}

void LogFromScript(int level, std::string_view message) {
  base::LogLevel l = static_cast<base::LogLevel>(std::clamp(level, 0, 3));
  if (base::LogEnabled(l)) base::LogRaw(l, message);
}

void ScriptCaller::Log(int level, std::string_view message) { LogFromScript(level, message); }

bool ScriptCaller::AclCheck(std::span<const std::string_view> args, bool* known) {
  bool unknown_sub = false;
  const CommandEntry* cmd = ctx_.engine().registry().Lookup(args, &unknown_sub);
  *known = cmd != nullptr;
  if (cmd == nullptr) return false;
  engine::Client* origin = ctx_.origin();
  const engine::AclUser* user = origin != nullptr ? origin->user_as_known() : nullptr;
  if (user == nullptr) return origin == nullptr;  // no client (AOF, fuzzer): everything
  std::string_view culprit;
  return engine::CheckCall(*user, *cmd, args, &culprit) == engine::AclDenial::kNone;
}

bool ScriptCaller::ShouldStop() {
  // The runtime's limits (the fuzzer's budget; none in the server) stop any script.
  const ScriptLimits& limits = runtime_.limits();
  if (limits.max_used_memory > 0 && base::UsedMemory() > limits.max_used_memory) return true;
  if (polls_left_ > 0 && --polls_left_ == 0) return true;
  if (!busy_) {
    int64_t threshold = ctx_.config().busy_reply_threshold;
    if (threshold <= 0 || base::MonotonicUs() - start_us_ < threshold * 1000) return false;
    BecomeBusy();
    if (!busy_) return false;
  }
  // Busy: this thread's other clients get their answers (-BUSY, or SCRIPT KILL run).
  ctx_.worker().PollIo();
  return running_.kill.load(std::memory_order_acquire);
}

}  // namespace cinnabar::commands

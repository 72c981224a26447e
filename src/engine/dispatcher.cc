#include "engine/dispatcher.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "engine/blocking.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/pipeline_run.h"
#include "engine/shard.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::engine {
namespace {

namespace errors = protocol::errors;

// A command that runs after its input buffer has moved on: it owns its arguments.
struct Job {
  Job(Client& c, const CommandEntry& command, std::span<const std::string_view> in)
      : cmd(&command), client(&c), home(c.worker().index()), db(c.db), resp(c.resp) {
    storage.reserve(in.size());
    args.reserve(in.size());
    for (std::string_view a : in) storage.emplace_back(a);
    for (const std::string& s : storage) args.emplace_back(s);
  }
  const CommandEntry* cmd;
  std::vector<std::string> storage;
  std::vector<std::string_view> args;
  Client* client;  // touched only on the home thread
  unsigned home;
  int db;
  int resp;
  base::IoBuf reply;  // a remote execution's reply, carried home
};

// A multi-shard command holding (or waiting for) its shards' locks.
struct Transaction : LockOwner {
  std::unique_ptr<Job> job;
  std::vector<unsigned> shards;  // ascending
  unsigned pending = 0;          // grants still to come (home thread only)
};

// --- Checks, in Redis's order ---

// Replies with the rejection and returns false when the command may not run.
bool Admit(Client& c, const CommandEntry* cmd, bool unknown_sub,
           std::span<const std::string_view> args) {
  Verdict v = Check(c, cmd, args.size());
  if (v == Verdict::kOk) return true;
  protocol::ReplyBuilder rb = c.Reply();
  if (v == Verdict::kUnknown) {
    if (unknown_sub) {
      rb.Error(errors::UnknownSubcommand(args[0], args[1]));
    } else {
      rb.Error(errors::UnknownCommand(args[0], args.data() + 1, args.size() - 1));
    }
    return false;
  }
  c.worker().stats().commands[cmd->id].rejected_calls.Inc();
  switch (v) {
    case Verdict::kArity:
      rb.Error(errors::WrongArity(cmd->name));
      break;
    case Verdict::kNoAuth:
      rb.Error(errors::kNoAuth);
      break;
    default:
      rb.Error(errors::kDebugNotAllowed);
      break;
  }
  return false;
}

// --- Execution ---

// Runs the command on the client's own shard. Returns the waiter when it blocked.
std::shared_ptr<Waiter> RunInline(Client& c, const CommandEntry& cmd,
                                  std::span<const std::string_view> args) {
  Worker& w = c.worker();
  Shard& shard = w.shard();
  int64_t now = base::UnixTimeMs();
  shard.set_now_ms(now);
  protocol::ReplyBuilder rb = c.Reply();
  CommandContext ctx(cmd, args, &rb, &w, &c, &shard, c.db, ExecMode::kLocal, now);
  Execute(ctx, w);
  if (shard.has_ready_keys()) ServeReadyKeys(shard, w);
  return ctx.waiter();
}

// RunInline for a client that is reading commands: a blocked client starts awaiting.
void RunLocal(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args) {
  if (std::shared_ptr<Waiter> waiter = RunInline(c, cmd, args)) {
    c.BeginAwait();
    EnterBlocked(c, std::move(waiter));
  }
}

// The home shard is held by a transaction: the command waits its turn there.
void RunParked(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args) {
  auto job = std::make_shared<Job>(c, cmd, args);
  c.BeginAwait();
  c.worker().shard().RunWhenFree([job] {
    // A command that arrived runs even if its client has gone since (its reply is dropped).
    Client& client = *job->client;
    if (std::shared_ptr<Waiter> waiter = RunInline(client, *job->cmd, job->args)) {
      EnterBlocked(client, std::move(waiter));
    } else {
      client.EndAwait();
    }
  });
}

void RunHop(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args,
            unsigned target) {
  Engine& eng = c.worker().engine();
  auto job = std::make_shared<Job>(c, cmd, args);
  c.BeginAwait();
  eng.Post(target, [&eng, job, target] {
    Worker& w = eng.worker(target);
    w.shard().RunWhenFree([&eng, &w, job] {
      std::shared_ptr<Waiter> waiter = ExecuteRemote(w, *job->cmd, job->args, &job->reply,
                                                     job->resp, job->db, job->client, job->home);
      eng.Post(job->home, [job, waiter = std::move(waiter)]() mutable {
        Client& client = *job->client;
        if (waiter) {
          EnterBlocked(client, std::move(waiter));
          return;
        }
        if (client.alive()) client.Reply().Raw(job->reply.view());
        client.EndAwait();
      });
    });
  });
}

void RunTransaction(const std::shared_ptr<Transaction>& txn) {
  Job& job = *txn->job;
  Client& c = *job.client;
  Worker& w = c.worker();
  Engine& eng = w.engine();
  int64_t now = base::UnixTimeMs();
  for (unsigned s : txn->shards) eng.shard(s).set_now_ms(now);
  std::shared_ptr<Waiter> waiter;
  {
    protocol::ReplyBuilder rb = c.Reply();
    // The command's "own" shard is its first key's (or the home shard when keyless).
    Shard* own = &w.shard();
    std::vector<int> keys;
    if (Registry::KeyIndexes(*job.cmd, job.args, &keys) && !keys.empty()) {
      own = &eng.shard(eng.ShardOf(job.args[static_cast<size_t>(keys[0])]));
    }
    CommandContext ctx(*job.cmd, job.args, &rb, &w, &c, own, job.db, ExecMode::kLocked, now);
    Execute(ctx, w);
    waiter = ctx.waiter();
  }
  for (unsigned s : txn->shards) {
    Shard& shard = eng.shard(s);
    if (shard.has_ready_keys()) ServeReadyKeys(shard, w);
  }
  for (unsigned s : txn->shards) {
    eng.Post(s, [&eng, txn, s] { eng.shard(s).Unlock(txn.get()); });
  }
  if (waiter) {
    EnterBlocked(c, std::move(waiter));
  } else {
    c.EndAwait();
  }
}

void RunLocked(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args,
               std::vector<unsigned> shards) {
  Engine& eng = c.worker().engine();
  auto txn = std::make_shared<Transaction>();
  txn->job = std::make_unique<Job>(c, cmd, args);
  txn->shards = std::move(shards);
  txn->pending = static_cast<unsigned>(txn->shards.size());
  c.BeginAwait();
  const unsigned home = c.worker().index();
  std::lock_guard lock(eng.schedule_mu());
  for (unsigned s : txn->shards) {
    eng.Post(s, [&eng, txn, s, home] {
      eng.shard(s).Lock(txn.get(), [&eng, txn, home] {
        eng.Post(home, [txn] {
          if (--txn->pending == 0) RunTransaction(txn);
        });
      });
    });
  }
}

}  // namespace

Verdict Check(Client& c, const CommandEntry* cmd, size_t argc) {
  if (cmd == nullptr) return Verdict::kUnknown;
  if (!cmd->ArityOk(argc)) return Verdict::kArity;
  if (c.AuthRequired() && !(cmd->spec->flags & kNoAuth)) return Verdict::kNoAuth;
  if (cmd->spec->flags & kProtected) {
    DebugCommandPolicy policy = c.worker().config().enable_debug_command;
    if (policy == DebugCommandPolicy::kNo ||
        (policy == DebugCommandPolicy::kLocal && !c.peer().loopback)) {
      return Verdict::kProtected;
    }
  }
  return Verdict::kOk;
}

bool KeyShards(const Engine& eng, const CommandEntry& cmd, std::span<const std::string_view> args,
               std::vector<unsigned>* shards) {
  std::vector<int> keys;
  if (!Registry::KeyIndexes(cmd, args, &keys) || keys.empty()) return false;
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
  CommandContext ctx(cmd, args, &rb, &w, nullptr, &w.shard(), db, ExecMode::kRemote, now);
  ctx.set_origin(origin, home);
  Execute(ctx, w);
  if (w.shard().has_ready_keys()) ServeReadyKeys(w.shard(), w);
  return ctx.waiter();
}

void Execute(CommandContext& ctx, Worker& w) {
  int64_t start = base::MonotonicUs();
  int64_t errors_before = w.stats().error_replies.Get();
  ctx.command().spec->handler(ctx);
  int64_t elapsed = base::MonotonicUs() - start;
  CommandStats& cs = w.stats().commands[ctx.command().id];
  cs.calls.Inc();
  cs.usec.Add(elapsed);
  if (w.stats().error_replies.Get() != errors_before) cs.failed_calls.Inc();
  w.stats().commands_processed.Inc();
}

void Dispatch(Client& c, std::span<const std::string_view> args, PipelineAhead* ahead) {
  Worker& w = c.worker();
  Engine& eng = w.engine();
  bool unknown_sub = false;
  const CommandEntry* cmd = eng.registry().Lookup(args, &unknown_sub);
  if (!Admit(c, cmd, unknown_sub, args)) return;
  c.last_command = cmd;
  ++c.commands_run;

  const unsigned n = eng.shard_count();
  if (n == 1) {
    RunLocal(c, *cmd, args);  // one shard: no hops, no locks, ever
    return;
  }
  if (cmd->spec->flags & kAllShards) {
    std::vector<unsigned> all(n);
    for (unsigned i = 0; i < n; ++i) all[i] = i;
    RunLocked(c, *cmd, args, std::move(all));
    return;
  }
  std::vector<unsigned> shards;
  if (!cmd->has_keys() || !KeyShards(eng, *cmd, args, &shards)) {
    // Keyless, or malformed key arguments (the handler rejects them before touching data).
    RunLocal(c, *cmd, args);
    return;
  }
  if (shards.size() > 1) {
    RunLocked(c, *cmd, args, std::move(shards));
  } else if (shards[0] != w.index()) {
    if (ahead == nullptr || !StartPipelineRun(c, *cmd, args, shards[0], ahead)) {
      RunHop(c, *cmd, args, shards[0]);
    }
  } else if (w.shard().busy()) {
    RunParked(c, *cmd, args);
  } else {
    RunLocal(c, *cmd, args);
  }
}

}  // namespace cinnabar::engine

#include "engine/pipeline_run.h"

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/io_buf.h"
#include "engine/blocking.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "engine/worker.h"

namespace cinnabar::engine {
namespace {

// A run stops growing here, so a long pipeline still answers in pieces and a run's copy
// of its arguments stays small.
constexpr size_t kMaxCommands = 256;
constexpr size_t kMaxBytes = 256 * 1024;

struct Run {
  struct Item {
    const CommandEntry* cmd;
    unsigned shard;
    size_t first_arg;  // into `args`
    size_t argc;
    size_t reply_begin = 0;  // into the shard's replies
    size_t reply_end = 0;
  };

  Client* client;
  unsigned home;
  int db;
  int resp;
  std::string arena;               // every argument's bytes, back to back
  std::vector<size_t> arg_sizes;   // while the run is gathered
  std::vector<std::string_view> args;  // into `arena`, once it is complete
  std::vector<Item> items;
  std::vector<std::vector<size_t>> by_shard;  // item indexes per shard, in request order
  std::vector<base::IoBuf> replies;           // per shard
  unsigned pending = 0;                       // shards still running (home thread only)

  std::span<const std::string_view> ArgsOf(const Item& it) const {
    return std::span<const std::string_view>(args).subspan(it.first_arg, it.argc);
  }
};

// The shard a command would run on inside a run, or -1 when it cannot join one: the same
// checks Dispatch makes (an error reply would break the run's order), and no command that
// is keyless, spans shards or the keyspace, or may block. Sets *found when it can join.
int RunShardOf(const Engine& eng, std::span<const std::string_view> args,
               const CommandEntry** found) {
  bool unknown_sub = false;
  const CommandEntry* cmd = eng.registry().Lookup(args, &unknown_sub);
  if (cmd == nullptr || !cmd->ArityOk(args.size()) || !cmd->has_keys()) return -1;
  if (cmd->spec->flags & (kProtected | kBlocking | kAllShards)) return -1;
  std::vector<int> keys;
  if (!Registry::KeyIndexes(*cmd, args, &keys) || keys.empty()) return -1;
  unsigned shard = eng.ShardOf(args[static_cast<size_t>(keys[0])]);
  for (int k : keys) {
    if (eng.ShardOf(args[static_cast<size_t>(k)]) != shard) return -1;
  }
  *found = cmd;
  return static_cast<int>(shard);
}

void Add(Run& run, const CommandEntry* cmd, std::span<const std::string_view> args,
         unsigned shard) {
  Run::Item it{cmd, shard, run.arg_sizes.size(), args.size()};
  for (std::string_view a : args) {
    run.arg_sizes.push_back(a.size());
    run.arena.append(a);
  }
  run.by_shard[shard].push_back(run.items.size());
  run.items.push_back(it);
}

// The arena is complete (it moved while it grew): the argument views point into it.
void PointArgs(Run& run) {
  run.args.reserve(run.arg_sizes.size());
  size_t offset = 0;
  for (size_t len : run.arg_sizes) {
    run.args.emplace_back(run.arena.data() + offset, len);
    offset += len;
  }
}

// Every shard has run its share: the replies go out in request order.
void Finish(const std::shared_ptr<Run>& run) {
  Client& c = *run->client;
  if (c.alive()) {
    protocol::ReplyBuilder rb = c.Reply();
    for (const Run::Item& it : run->items) {
      std::string_view all = run->replies[it.shard].view();
      rb.Raw(all.substr(it.reply_begin, it.reply_end - it.reply_begin));
    }
  }
  c.EndAwait();
}

// On shard `s`'s thread: its share of the run, in order.
void RunShare(Engine& eng, const std::shared_ptr<Run>& run, unsigned s) {
  Worker& w = eng.worker(s);
  w.shard().RunWhenFree([&eng, &w, run, s] {
    int64_t now = base::UnixTimeMs();
    w.shard().set_now_ms(now);
    base::IoBuf& out = run->replies[s];
    for (size_t i : run->by_shard[s]) {
      Run::Item& it = run->items[i];
      it.reply_begin = out.size();
      protocol::ReplyBuilder rb(&out, run->resp, &w);
      CommandContext ctx(*it.cmd, run->ArgsOf(it), &rb, &w, nullptr, &w.shard(), run->db,
                         ExecMode::kRemote, now);
      ctx.set_origin(run->client, run->home);
      Execute(ctx, w);
      it.reply_end = out.size();
      // Redis compat: waiters on a key this command filled are served before the next.
      if (w.shard().has_ready_keys()) ServeReadyKeys(w.shard(), w);
    }
    eng.Post(run->home, [run] {
      if (--run->pending == 0) Finish(run);
    });
  });
}

}  // namespace

bool StartPipelineRun(Client& c, std::span<const std::string_view> args, std::string_view more,
                      const protocol::ParserLimits& limits, size_t* taken) {
  Worker& w = c.worker();
  Engine& eng = w.engine();
  const unsigned n = eng.shard_count();
  if (n == 1 || more.empty() || c.AuthRequired()) return false;
  const CommandEntry* cmd = nullptr;
  int first = RunShardOf(eng, args, &cmd);
  if (first < 0 || static_cast<unsigned>(first) == w.index()) return false;

  // Look ahead with a parser of its own: the client's parser stays at this command.
  protocol::RespParser ahead;
  auto run = std::make_shared<Run>();
  run->by_shard.resize(n);
  size_t offset = 0;
  size_t bytes = 0;
  Add(*run, cmd, args, static_cast<unsigned>(first));
  while (run->items.size() < kMaxCommands && bytes < kMaxBytes && offset < more.size()) {
    protocol::RespParser::Result r = ahead.Parse(more.substr(offset), limits);
    if (r != protocol::RespParser::Result::kCommand) break;
    int shard = RunShardOf(eng, ahead.args(), &cmd);
    if (shard < 0) break;
    Add(*run, cmd, ahead.args(), static_cast<unsigned>(shard));
    offset += ahead.consumed();
    bytes += ahead.consumed();
  }
  if (run->items.size() < 2) return false;
  PointArgs(*run);

  run->client = &c;
  run->home = w.index();
  run->db = c.db;
  run->resp = c.resp;
  run->replies.resize(n);
  c.last_command = run->items.back().cmd;
  c.commands_run += run->items.size();
  for (unsigned s = 0; s < n; ++s) {
    if (!run->by_shard[s].empty()) ++run->pending;
  }
  c.BeginAwait();
  for (unsigned s = 0; s < n; ++s) {
    if (run->by_shard[s].empty()) continue;
    if (s == w.index()) {
      RunShare(eng, run, s);
    } else {
      eng.Post(s, [&eng, run, s] { RunShare(eng, run, s); });
    }
  }
  *taken = offset;
  return true;
}

}  // namespace cinnabar::engine

#include "engine/pipeline_run.h"

#include <memory>
#include <string>
#include <vector>

#include "base/io_buf.h"
#include "engine/client.h"
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

// The shard a command would run on inside a run, or -1 when it cannot join one: it must
// pass the dispatcher's checks (an error reply would break the run's order) and have its
// keys on one shard, and may not block or need the whole keyspace. Sets *found.
int RunShardOf(Client& c, const Engine& eng, std::span<const std::string_view> args,
               const CommandEntry** found) {
  bool unknown_sub = false;
  const CommandEntry* cmd = eng.registry().Lookup(args, &unknown_sub);
  if (Check(c, cmd, args.size()) != Verdict::kOk || !cmd->has_keys()) return -1;
  if (cmd->spec->flags & (kBlocking | kAllShards)) return -1;
  std::vector<unsigned> shards;
  if (!KeyShards(eng, *cmd, args, &shards) || shards.size() != 1) return -1;
  *found = cmd;
  return static_cast<int>(shards[0]);
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
    base::IoBuf& out = run->replies[s];
    for (size_t i : run->by_shard[s]) {
      Run::Item& it = run->items[i];
      it.reply_begin = out.size();
      // Waiters on a key a command filled are served before the next one (Redis's order).
      ExecuteRemote(w, *it.cmd, run->ArgsOf(it), &out, run->resp, run->db, run->client,
                    run->home);
      it.reply_end = out.size();
    }
    eng.Post(run->home, [run] {
      if (--run->pending == 0) Finish(run);
    });
  });
}

}  // namespace

bool StartPipelineRun(Client& c, const CommandEntry& first, std::span<const std::string_view> args,
                      unsigned target, PipelineAhead* ahead) {
  Worker& w = c.worker();
  Engine& eng = w.engine();
  std::string_view more = ahead->more;
  if (more.empty()) return false;

  // Look ahead with a parser of its own: the client's parser stays at this command.
  protocol::RespParser parser;
  auto run = std::make_shared<Run>();
  run->by_shard.resize(eng.shard_count());
  Add(*run, &first, args, target);
  size_t offset = 0;
  while (run->items.size() < kMaxCommands && offset < kMaxBytes && offset < more.size()) {
    if (parser.Parse(more.substr(offset), *ahead->limits) != protocol::RespParser::Result::kCommand) {
      break;
    }
    const CommandEntry* cmd = nullptr;
    int shard = RunShardOf(c, eng, parser.args(), &cmd);
    if (shard < 0) break;
    Add(*run, cmd, parser.args(), static_cast<unsigned>(shard));
    offset += parser.consumed();
  }
  if (run->items.size() < 2) return false;
  PointArgs(*run);

  run->client = &c;
  run->home = w.index();
  run->db = c.db;
  run->resp = c.resp;
  run->replies.resize(eng.shard_count());
  c.last_command = run->items.back().cmd;
  c.commands_run += run->items.size() - 1;  // Dispatch counted the first
  for (const std::vector<size_t>& share : run->by_shard) {
    if (!share.empty()) ++run->pending;
  }
  c.BeginAwait();
  for (unsigned s = 0; s < eng.shard_count(); ++s) {
    if (run->by_shard[s].empty()) continue;
    if (s == w.index()) {
      RunShare(eng, run, s);
    } else {
      eng.Post(s, [&eng, run, s] { RunShare(eng, run, s); });
    }
  }
  ahead->taken = offset;
  return true;
}

}  // namespace cinnabar::engine

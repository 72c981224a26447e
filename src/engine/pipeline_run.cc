#include "engine/pipeline_run.h"

#include <vector>

#include "engine/batch.h"
#include "engine/client.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/worker.h"

namespace cinnabar::engine {
namespace {

// A run stops growing here, so a long pipeline still answers in pieces and a run's copy
// of its arguments stays small.
constexpr size_t kMaxCommands = 256;
constexpr size_t kMaxBytes = 256 * 1024;

}  // namespace

bool MayJoinRun(const CommandEntry& cmd) {
  return !(cmd.spec->flags & (kBlocking | kAllShards | kAlone));
}

void GatherPipelineRun(Client& c, Batch& batch, PipelineAhead* ahead) {
  Engine& eng = c.worker().engine();
  std::string_view more = ahead->more;
  // Look ahead with a parser of its own: the client's parser stays at the first command.
  protocol::RespParser parser;
  std::vector<unsigned> shards;
  size_t offset = 0;
  while (batch.size() < kMaxCommands && batch.bytes() < kMaxBytes && offset < more.size()) {
    if (parser.Parse(more.substr(offset), *ahead->limits) !=
        protocol::RespParser::Result::kCommand) {
      break;
    }
    std::span<const std::string_view> args = parser.args();
    bool unknown_sub = false;
    const CommandEntry* cmd = eng.registry().Lookup(args, &unknown_sub);
    // An error reply inside the run would be answered out of order: it ends the run.
    if (Check(c, cmd, args) != Verdict::kOk || !cmd->routes_on_keys()) break;
    if (!MayJoinRun(*cmd) || NeedsAllShards(c.worker(), *cmd, args) ||
        !KeyShards(eng, *cmd, args, &shards)) {
      break;
    }
    // A run of single-shard commands is spread over its shards; a command over several
    // would need them all locked, which only a run led by such a command does.
    if (shards.size() != 1 && batch.single_shard_commands()) break;
    batch.Add(*cmd, args, shards);
    c.last_command = cmd;
    ++c.commands_run;
    offset += parser.consumed();
  }
  ahead->taken = offset;
}

}  // namespace cinnabar::engine

// Pipeline runs: a client that pipelines commands whose keys live on other shards would
// wait one round trip between threads per command. Instead, when a command is about to
// leave the client's thread (engine/batch.h), the complete commands pipelined after it join
// its batch, and the whole run goes as one: to the one shard it touches, or under the locks
// of the shards it touches. It answers in request order, and other clients see its effects
// in request order too.
//
// What ends a run: a command that is keyless, needs the whole keyspace, may block, or is
// refused by the dispatcher's checks (its error is answered in place, after the run); a
// command over several shards in a run of single-shard ones; an incomplete command in the
// input; or the run's size limit.
#pragma once

#include <cstddef>
#include <string_view>

#include "protocol/resp_parser.h"

namespace cinnabar::engine {

class Batch;
class Client;
struct CommandEntry;

// The input after the command being dispatched, and what a run took of it.
struct PipelineAhead {
  std::string_view more;
  const protocol::ParserLimits* limits = nullptr;
  size_t taken = 0;  // bytes of `more` the run took
};

// Whether an admitted command may be followed by others in its batch: not one that may
// block (the commands after it must wait for it) nor one that locks the whole keyspace.
bool MayJoinRun(const CommandEntry& cmd);

// Appends to `batch` (holding the command being dispatched) the pipelined commands in
// `ahead->more` that may join it; sets `ahead->taken`.
void GatherPipelineRun(Client& c, Batch& batch, PipelineAhead* ahead);

}  // namespace cinnabar::engine

// Pipeline runs: a client that pipelines commands whose keys live on other shards would
// wait one round trip between threads per command. Instead, a run of consecutive
// single-shard commands is spread over the shards at once: each shard executes its share
// in the client's order, and the replies go out in request order once every shard is done.
//
// Commands on the same key (so the same shard) keep their order; commands on different
// shards may run concurrently, as with a pipeline split over Redis Cluster nodes.
// A run starts at a command that would hop; what ends it: a command that is keyless, spans
// shards, may block, is refused by the dispatcher's checks, or anything but a complete
// command in the input.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "protocol/resp_parser.h"

namespace cinnabar::engine {

class Client;
struct CommandEntry;

// The input after the command being dispatched, and what a run took of it.
struct PipelineAhead {
  std::string_view more;
  const protocol::ParserLimits* limits = nullptr;
  size_t taken = 0;  // bytes of `more` the run took
};

// For a command Dispatch admitted and would hop to `target`: if at least one command that
// can join a run follows in `ahead->more`, starts the run (this command first) and returns
// true with `ahead->taken` set. Otherwise returns false and does nothing.
bool StartPipelineRun(Client& c, const CommandEntry& first, std::span<const std::string_view> args,
                      unsigned target, PipelineAhead* ahead);

}  // namespace cinnabar::engine

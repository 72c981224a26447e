// Pipeline runs: a client that pipelines commands whose keys live on other shards would
// wait one round trip between threads per command. Instead, a run of consecutive
// single-shard commands is spread over the shards at once: each shard executes its share
// in the client's order, and the replies go out in request order once every shard is done.
//
// Commands on the same key (so the same shard) keep their order; commands on different
// shards may run concurrently, as with a pipeline split over Redis Cluster nodes.
// What ends a run: a command that is keyless, spans shards, may block, is refused by the
// dispatcher's checks, or anything but a complete command in the input.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "protocol/resp_parser.h"

namespace cinnabar::engine {

class Client;

// If `args` (just parsed, its key on another shard) starts a run of at least two such
// commands in `more` (the input after it), starts the run and returns true, with `*taken`
// set to the bytes of `more` the run took. Otherwise returns false and does nothing.
bool StartPipelineRun(Client& c, std::span<const std::string_view> args, std::string_view more,
                      const protocol::ParserLimits& limits, size_t* taken);

}  // namespace cinnabar::engine

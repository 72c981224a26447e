// The path of one command after parsing: Redis's checks in Redis's order (unknown command,
// arity, authentication, protected commands), then routing:
//
//   inline   keyless commands, and keyed ones whose keys are all on the client's shard
//   hop      keys all on one other shard: the command runs there, the reply comes back
//   locked   keys on several shards, or the whole keyspace: the shards are locked in one
//            global order, the command runs on the client's thread, the shards unlock
//
// A client runs one command at a time, so replies keep the order of its requests; a
// pipelined run of single-shard commands is the exception (engine/pipeline_run.h).
#pragma once

#include <span>
#include <string_view>

namespace cinnabar::engine {

class Client;
class CommandContext;
class Worker;

// Runs (or starts) one command for `c`. `args` are valid only during the call.
void Dispatch(Client& c, std::span<const std::string_view> args);

// Runs the handler and records the command's statistics on the executing worker `w`.
void Execute(CommandContext& ctx, Worker& w);

}  // namespace cinnabar::engine

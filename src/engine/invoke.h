// Running a command on behalf of a caller, without a socket. A client's command, a batch's,
// EXEC's queued commands, redis.call and FCALL all run through Invoke (AOF loading and
// replica apply will too), so none of them re-implements how a handler is called, timed
// and counted, or what it may do for whom.
//
// Threading: Invoke runs where `where` says the command may touch the keyspace: on the
// shard's own thread, or on a thread holding the shards in `where.held`.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "engine/command_context.h"

namespace cinnabar::engine {

class Client;
class Shard;
class Waiter;
class Worker;
struct CommandEntry;

// Who a command runs for.
struct Caller {
  int db = 0;
  int resp = 2;
  uint32_t flags = 0;        // CallFlag
  Client* client = nullptr;  // on the client's thread only (its own commands, EXEC's)
  Client* origin = nullptr;  // the client behind the command, wherever it runs
  unsigned home = 0;         // origin's thread
};

// Where the dispatcher placed the command.
struct Placement {
  ExecMode mode = ExecMode::kLocal;
  Shard* shard = nullptr;                // the command's own shard
  std::span<const unsigned> held = {};   // kLocked: every shard held, ascending
};

// Runs the (already admitted) command with its reply written through `rb`, at command time
// `now_ms` (already set on the shards). A SELECT updates `caller.db`. Returns the waiter
// when the command blocked.
std::shared_ptr<Waiter> Invoke(Worker& w, Caller& caller, const CommandEntry& cmd,
                               std::span<const std::string_view> args,
                               protocol::ReplyBuilder& rb, const Placement& where,
                               int64_t now_ms);

}  // namespace cinnabar::engine

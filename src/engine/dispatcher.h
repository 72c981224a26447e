// The path of one command after parsing: Redis's checks in Redis's order (unknown command,
// arity, authentication, protected commands), then routing:
//
//   inline   keyless commands, and keyed ones whose keys are all on the client's shard
//            (while no transaction holds it)
//   batch    anything else (engine/batch.h): on the one other shard holding its keys, or
//            under the locks of every shard it touches; commands pipelined after it may join
//            (engine/pipeline_run.h)
//
// A client runs one command (or batch) at a time, so replies keep the order of its requests
// and its commands take effect in that order.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "base/io_buf.h"

namespace cinnabar::engine {

class Client;
class CommandContext;
class Engine;
class Shard;
class Waiter;
class Worker;
struct CommandEntry;
struct PipelineAhead;

// Runs (or starts) one command for `c`. `args` are valid only during the call. With
// `ahead` (the input after the command), a command that leaves the client's thread may take
// the pipelined commands after it along (engine/pipeline_run.h).
// Returns false when CLIENT PAUSE holds the command: it stays in the client's input, to be
// dispatched again once the pause ends (engine/client_pause.h).
bool Dispatch(Client& c, std::span<const std::string_view> args, PipelineAhead* ahead = nullptr);

// --- The pieces Dispatch is made of, shared with batches and pipeline runs ---

// Redis's checks before a command runs, in Redis's order.
enum class Verdict {
  kOk, kUnknown, kArity, kNoAuth, kProtected, kSubscribed, kMonitor, kBusy, kLoading, kOom,
  kMisconf, kMisconfAof, kNoPerm
};
Verdict Check(Client& c, const CommandEntry* cmd, std::span<const std::string_view> args);

// Whether the command needs every shard locked: declared so (kAllShards), or its
// declaration's test says this call does.
bool NeedsAllShards(Worker& w, const CommandEntry& cmd, std::span<const std::string_view> args);

// The shards of the command's keys, ascending and distinct; false when it names none (or
// its key arguments are malformed).
bool KeyShards(const Engine& eng, const CommandEntry& cmd, std::span<const std::string_view> args,
               std::vector<unsigned>* shards);

// A command run under a locked batch: its "own" shard is its first key's, `fallback` (the
// running thread's) when it names none.
Shard& LockedOwnShard(Engine& eng, const CommandEntry& cmd, std::span<const std::string_view> args,
                      Shard& fallback);

// Runs the handler and records the command's statistics on the executing worker `w`.
void Execute(CommandContext& ctx, Worker& w);

// On `w`'s thread, for client `origin` of thread `home`: runs the command on w's shard with
// its reply appended to `out`, then serves the waiters it made ready. Returns the waiter
// when the command blocked.
std::shared_ptr<Waiter> ExecuteRemote(Worker& w, const CommandEntry& cmd,
                                      std::span<const std::string_view> args, base::IoBuf* out,
                                      int resp, int db, Client* origin, unsigned home);

}  // namespace cinnabar::engine

// MULTI/EXEC on the engine side. Between MULTI and EXEC the dispatcher queues a client's
// commands (copied into a Batch, engine/batch.h) instead of running them; EXEC runs the
// queue as one piece: inline when every shard it touches (its commands' and its watched
// keys') is the client's own and free, otherwise with all those shards locked, so no other
// client ever observes half of it. WATCH (engine/watch.h) is checked at that same point.
//
// Threading: on the client's thread, except where noted.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace cinnabar::engine {

class Client;
class CommandContext;
struct CommandEntry;

// MULTI: the client's commands queue from now on.
void BeginMulti(Client& c);

// How many commands the client in MULTI has queued (CLIENT LIST's multi=).
size_t QueuedCount(const Client& c);

// Queues an admitted command of a client in MULTI and answers +QUEUED.
void QueueInMulti(Client& c, const CommandEntry& cmd, std::span<const std::string_view> args);

// Ends the client's MULTI without running it (DISCARD, RESET, disconnect).
void DiscardMulti(Client& c);

// Forgets the client's watched keys (UNWATCH, EXEC, DISCARD, RESET, disconnect).
void UnwatchAll(Client& c);

// EXEC, from its handler: answers EXEC's errors, or runs the transaction now or once its
// shards are locked (the reply is then deferred).
void ExecMulti(CommandContext& ctx);

// WATCH key [key ...], from its handler, wherever it runs (ctx.origin() is the client).
void WatchKeys(CommandContext& ctx, std::span<const std::string_view> keys);

}  // namespace cinnabar::engine

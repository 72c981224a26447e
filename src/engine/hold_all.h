// Holding every shard at once, for work that needs one point in time across the whole
// keyspace without being a command: starting a snapshot (BGSAVE, BGREWRITEAOF), switching
// the journal on, loading data at start-up. It takes the shards' locks exactly as a locked
// batch does (engine/batch.h), so it is ordered with every transaction: whatever ran on
// any shard before it is finished, and nothing after it has started, while it holds.
//
// Threading: `granted` runs on thread `home` with every shard held; the shards stay held
// until the release function it is given is called (on `home`, then or later).
#pragma once

#include <functional>

namespace cinnabar::engine {

class Engine;

using ReleaseShards = std::function<void()>;

void HoldAllShards(Engine& eng, unsigned home, std::function<void(ReleaseShards)> granted);

}  // namespace cinnabar::engine

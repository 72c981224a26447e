// Sorted-set helpers shared by the ZSET family and the blocking pops built on it
// (BZPOPMIN, BZPOPMAX, BZMPOP): lookups, write-back, and the pop core with its replies.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/op_status.h"
#include "commands/args.h"
#include "core/zset_value.h"
#include "engine/database.h"
#include "protocol/reply_builder.h"

namespace cinnabar::engine {
class CommandContext;
}  // namespace cinnabar::engine

namespace cinnabar::commands {

// zset-max-listpack-entries / -value from the thread's config snapshot.
core::ZSetLimits ZSetLimitsOf(const engine::CommandContext& ctx);

// The zset at `key`: an empty Ref when absent, kWrongType when another type.
base::OpResult<engine::Database::Ref> FindZSet(engine::Database& db, std::string_view key,
                                               bool read);
inline core::ZSetValue ZSetOf(const engine::Database::Ref& ref) {
  return core::ZSetValue(ref.entry->encoding(), ref.entry->pointer());
}
// Records a zset changed in place; deletes the key when the set became empty.
void CommitZSet(engine::Database& db, engine::Database::Ref& ref, const core::ZSetValue& z);

// Members with scores, as the store commands produce them.
using ScoredMembers = std::vector<std::pair<std::string, double>>;
// How a stored zset picks its encoding (the two ways Redis 7.0's store commands do).
enum class StoreSizing {
  kWhole,  // from all its members (ZUNIONSTORE & co. build, then convert if small)
  kGrow,   // from their count alone, converting as longer members arrive in order
           // (ZRANGESTORE: a listpack stores an integral score, -0 too, as an integer)
};
// Replaces `key` with a zset of `members` (duplicates not allowed; added in this order), or
// deletes it when `members` is empty. The new key has no TTL.
void StoreZSet(engine::Database& db, std::string_view key, const ScoredMembers& members,
               const core::ZSetLimits& limits, StoreSizing sizing = StoreSizing::kWhole);
// Writes members as ZRANGE does: WITHSCORES as [member, score] pairs in RESP3, flat in RESP2.
void ReplyScoredMembers(protocol::ReplyBuilder& rb, const ScoredMembers& members,
                        bool withscores);

// MIN / MAX, as ZMPOP and BZMPOP take them.
inline bool ParseMinMax(std::string_view arg, bool* max) {
  if (Is(arg, "MIN")) {
    *max = false;
  } else if (Is(arg, "MAX")) {
    *max = true;
  } else {
    return false;
  }
  return true;
}

// Reply shapes of the pop commands.
enum class ZPopReply {
  kFlat,            // ZPOPMIN key: [member, score] (empty array when nothing)
  kPairs,           // ZPOPMIN key count: [[member, score], ...] (RESP2: flat)
  kKeyAndPairs,     // ZMPOP / BZMPOP: [key, [[member, score], ...]] (pairs in RESP2 too)
  kKeyMemberScore,  // BZPOPMIN / BZPOPMAX: [key, member, score]
};

// Pops up to `count` members with the lowest (or, with `max`, highest) scores from the zset
// at `ref` in `db`, writes the reply in `shape`, and deletes the key if it became empty.
// Returns the number popped. REQUIRES: `ref` holds a zset (a null ref pops nothing and
// replies the shape's empty form: an empty array, or a null array for key shapes).
// Runs on the thread that holds `db`'s shard.
size_t ZPopAndReply(engine::Database& db, engine::Database::Ref& ref, std::string_view key,
                    bool max, uint64_t count, ZPopReply shape, protocol::ReplyBuilder& rb);

}  // namespace cinnabar::commands

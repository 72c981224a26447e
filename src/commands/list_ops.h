// List operations shared by the list commands and the blocking list commands (BLPOP, BLMOVE
// ...), which run them again when a blocked client is woken. They take parsed arguments
// and parse nothing; each runs on the thread that holds the keys' shards (the dispatcher
// routed or locked them), with `limits` the list directives in force.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "base/op_status.h"
#include "commands/args.h"
#include "core/list_value.h"
#include "engine/config.h"
#include "engine/database.h"
#include "protocol/reply_builder.h"

namespace cinnabar::commands {

// list-max-listpack-size and list-compress-depth as the list code takes them.
inline core::ListLimits ListLimitsOf(const engine::ServerConfig& config) {
  return {.fill = static_cast<int>(config.list_max_listpack_size),
          .compress_depth = static_cast<int>(config.list_compress_depth)};
}

// Stores a list changed in place back in the entry at `ref` (it may have moved or changed
// encoding), or deletes the key when the list is now empty (Redis keeps no empty list).
void StoreListOrDelete(engine::Database& db, engine::Database::Ref& ref,
                       const core::ListValue& list);

// LEFT / RIGHT, as LMOVE, LMPOP and their blocking forms take them.
inline bool ParseEnd(std::string_view arg, core::ListEnd* end) {
  if (Is(arg, "LEFT")) {
    *end = core::ListEnd::kHead;
  } else if (Is(arg, "RIGHT")) {
    *end = core::ListEnd::kTail;
  } else {
    return false;
  }
  return true;
}

// How popped elements are written.
enum class PopReply {
  kElement,        // LPOP key: one bulk string (REQUIRES count == 1)
  kArray,          // LPOP key count: an array of the elements, in pop order
  kKeyAndArray,    // LMPOP: [key, [elements]]
  kKeyAndElement,  // BLPOP: [key, element] (REQUIRES count == 1)
};

// Pops up to `count` (>= 1) elements from `end` of the list at `key`, writes them shaped as
// `shape`, and deletes the key once the list is empty. Returns kNotFound (no such key) or
// kWrongType (another type) having written nothing and changed nothing; kOk otherwise.
// Does not count keyspace hits or misses (Redis looks up for writing).
base::OpStatus PopAndReply(engine::Database& db, std::string_view key, core::ListEnd end,
                           size_t count, PopReply shape, const core::ListLimits& limits,
                           protocol::ReplyBuilder& reply);

// Pops one element from `end` of the list at `key` and returns it, deleting the key once
// the list is empty. kNotFound or kWrongType with nothing changed.
base::OpResult<std::string> PopOne(engine::Database& db, std::string_view key, core::ListEnd end,
                                   const core::ListLimits& limits);

// Pushes `elements` one by one at `end` of the list at `key` (LPUSH a b c leaves c first),
// creating the list unless `only_existing` (LPUSHX). Returns the new length; 0 when
// `only_existing` and there is no such key; kWrongType when `key` holds another type.
base::OpResult<size_t> PushElements(engine::Database& db, std::string_view key,
                                    std::span<const std::string_view> elements,
                                    core::ListEnd end, bool only_existing,
                                    const core::ListLimits& limits);

// LMOVE's step: pops an element from `from` of the list at `src` and pushes it at `to` of
// the list at `dst` (created when absent; `dst` may be `src`). The databases may belong to
// different shards, both held by the caller. Returns the element moved; kNotFound when
// `src` does not exist, kWrongType when `src` or `dst` holds another type, with nothing
// changed in both cases.
base::OpResult<std::string> MoveElement(engine::Database& src_db, std::string_view src,
                                        engine::Database& dst_db, std::string_view dst,
                                        core::ListEnd from, core::ListEnd to,
                                        const core::ListLimits& limits);

}  // namespace cinnabar::commands

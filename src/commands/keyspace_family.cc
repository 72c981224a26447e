// Whole-keyspace commands: KEYS SCAN RANDOMKEY DBSIZE FLUSHDB FLUSHALL SWAPDB. Each runs with
// every shard locked (kAllShards), so it sees one consistent keyspace.

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "commands/args.h"
#include "commands/families.h"
#include "commands/scan_args.h"
#include "core/glob.h"
#include "engine/command_context.h"
#include "engine/shard.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using core::Entry;
using engine::CommandContext;
using engine::Database;
namespace errors = protocol::errors;

// Cursor layout: the shard in the top 8 bits, the shard table's hash position (in 256ths)
// below. Cursor 0 starts at shard 0 and means "done" when returned.
constexpr int kShardShift = 56;
constexpr uint64_t kPositionMask = (uint64_t{1} << kShardShift) - 1;

// KEYS pattern
void Keys(CommandContext& ctx) {
  std::string_view pattern = ctx.arg(1);
  bool all = pattern == "*";
  std::vector<std::string_view> found;
  for (unsigned s = 0; s < ctx.shard_count(); ++s) {
    Database& db = ctx.shard_at(s).db(ctx.db_index());
    db.table().ForEach([&](Entry* e) {
      if (db.IsExpired(e)) return;
      std::string_view key = e->key();
      if (all || core::GlobMatch(pattern, key)) found.push_back(key);
    });
  }
  ctx.reply().ArrayHeader(found.size());
  for (std::string_view k : found) ctx.reply().Bulk(k);
}

// SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]
void Scan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.arg(1), &cursor)) return ctx.ReplyError(errors::kInvalidCursor);
  ScanOptions opts;
  std::string_view err = ParseScanOptions(ctx.args(), 2, true, &opts);
  if (!err.empty()) return ctx.ReplyError(err);
  unsigned shard = static_cast<unsigned>(cursor >> kShardShift);
  uint64_t position = (cursor & kPositionMask) << 8;
  const size_t budget = opts.count;
  size_t visited = 0;
  std::vector<std::string_view> keys;
  uint64_t next = 0;
  // Redis compat: COUNT is the work one call does, so a call that finishes a shard goes on
  // with the next one; a keyspace smaller than COUNT comes back whole, with cursor 0.
  while (shard < ctx.shard_count()) {
    Database& db = ctx.shard_at(shard).db(ctx.db_index());
    engine::ShardStats& stats = ctx.shard_at(shard).stats();
    std::vector<std::string> expired;  // deleted once the table walk is over
    bool done = false;
    uint64_t pos = db.table().Scan(
        position, budget - visited,
        [&](Entry* e) {
          ++visited;
          std::string_view key = e->key();
          if (!opts.Matches(key)) return;
          // Redis compat (scanGenericCommand): a key that passed the pattern is looked up,
          // which expires it if due; with TYPE, the lookup is a read: a keyspace hit, or a
          // miss (and its keymiss event) for a key that expired.
          bool is_expired = db.IsExpired(e);
          if (opts.use_type && !is_expired) stats.keyspace_hits.Inc();
          if (is_expired) {
            expired.emplace_back(key);
            return;
          }
          if (opts.use_type && !Is(opts.type_name, core::TypeName(e->type()))) return;
          keys.push_back(key);
        },
        &done);
    for (const std::string& key : expired) {
      (void)(opts.use_type ? db.FindRead(key) : db.Find(key));  // deletes it, as expired
    }
    if (!done) {
      next = (uint64_t{shard} << kShardShift) | (pos >> 8);
      break;
    }
    ++shard;
    position = 0;
    if (visited >= budget) {
      if (shard < ctx.shard_count()) next = uint64_t{shard} << kShardShift;
      break;
    }
  }
  ctx.reply().ArrayHeader(2);
  ctx.reply().Bulk(std::to_string(next));
  ctx.reply().ArrayHeader(keys.size());
  for (std::string_view k : keys) ctx.reply().Bulk(k);
}

// RANDOMKEY
void RandomKey(CommandContext& ctx) {
  size_t total = 0;
  for (unsigned s = 0; s < ctx.shard_count(); ++s) total += ctx.shard_at(s).db(ctx.db_index()).size();
  if (total > 0) {
    // Pick a shard in proportion to its keys, then a key in it; shards whose keys all
    // turn out expired are skipped.
    uint64_t r = ctx.shard().Random() % total;
    unsigned first = 0;
    for (unsigned s = 0; s < ctx.shard_count(); ++s) {
      size_t n = ctx.shard_at(s).db(ctx.db_index()).size();
      if (r < n) {
        first = s;
        break;
      }
      r -= n;
    }
    for (unsigned k = 0; k < ctx.shard_count(); ++k) {
      Database& db = ctx.shard_at((first + k) % ctx.shard_count()).db(ctx.db_index());
      if (Entry* e = db.RandomKey()) return ctx.reply().Bulk(e->key());
    }
  }
  ctx.reply().Null();
}

// DBSIZE
void DbSize(CommandContext& ctx) {
  int64_t total = 0;
  for (unsigned s = 0; s < ctx.shard_count(); ++s) {
    total += static_cast<int64_t>(ctx.shard_at(s).db(ctx.db_index()).size());
  }
  ctx.reply().Integer(total);
}

// Old key tables that FLUSHDB/FLUSHALL ASYNC free off the command path.
using Garbage = std::vector<std::unique_ptr<Database::TakenTable>>;

// Empties `db`; with `garbage` (ASYNC) a large table is moved there to be freed later.
void ClearDb(Database& db, Garbage* garbage) {
  if (garbage == nullptr || db.size() < 64) {
    db.Clear();
    return;
  }
  garbage->push_back(std::make_unique<Database::TakenTable>(db.TakeTable()));
}

// Frees what an ASYNC flush collected, on one background thread per command.
void FreeInBackground(Garbage garbage) {
  if (garbage.empty()) return;
  std::thread([g = std::move(garbage)]() mutable { g.clear(); }).detach();
}

// Parses FLUSHDB/FLUSHALL's optional [ASYNC | SYNC]; false on a syntax error.
bool ParseFlushMode(CommandContext& ctx, bool* async) {
  *async = false;
  if (ctx.argc() > 2) return false;
  if (ctx.argc() == 2) {
    if (Is(ctx.arg(1), "ASYNC")) {
      *async = true;
    } else if (!Is(ctx.arg(1), "SYNC")) {
      return false;
    }
  }
  return true;
}

// FLUSHDB [ASYNC | SYNC]
void FlushDb(CommandContext& ctx) {
  bool async;
  if (!ParseFlushMode(ctx, &async)) return ctx.ReplyError(errors::kSyntax);
  Garbage garbage;
  for (unsigned s = 0; s < ctx.shard_count(); ++s) {
    ClearDb(ctx.shard_at(s).db(ctx.db_index()), async ? &garbage : nullptr);
  }
  FreeInBackground(std::move(garbage));
  ctx.reply().Ok();
}

// FLUSHALL [ASYNC | SYNC]
void FlushAll(CommandContext& ctx) {
  bool async;
  if (!ParseFlushMode(ctx, &async)) return ctx.ReplyError(errors::kSyntax);
  Garbage garbage;
  for (unsigned s = 0; s < ctx.shard_count(); ++s) {
    engine::Shard& shard = ctx.shard_at(s);
    for (int i = 0; i < shard.db_count(); ++i) ClearDb(shard.db(i), async ? &garbage : nullptr);
  }
  FreeInBackground(std::move(garbage));
  ctx.reply().Ok();
}

// SWAPDB index1 index2
void SwapDb(CommandContext& ctx) {
  OpResult<int> a = ParseIntArg(ctx.arg(1));
  if (!a) return ctx.ReplyError(errors::kInvalidFirstDb);
  OpResult<int> b = ParseIntArg(ctx.arg(2));
  if (!b) return ctx.ReplyError(errors::kInvalidSecondDb);
  int dbs = ctx.config().databases;
  if (*a < 0 || *a >= dbs || *b < 0 || *b >= dbs) return ctx.ReplyError(errors::kDbIndexOutOfRange);
  if (*a != *b) {
    for (unsigned s = 0; s < ctx.shard_count(); ++s) ctx.shard_at(s).SwapDbs(*a, *b);
  }
  ctx.reply().Ok();
}

using engine::CommandSpec;
using engine::kAllShards;
using engine::kFast;
using engine::kReadOnly;
using engine::kWrite;

constexpr CommandSpec kKeyspaceCommands[] = {
    {.name = "KEYS", .arity = 2, .flags = kReadOnly | kAllShards, .handler = Keys,
     .acl = engine::kAclDangerous, .summary = "Returns all key names that match a pattern.",
     .since = "1.0.0",
     .complexity = "O(N) with N being the number of keys in the database, under the assumption "
                   "that the key names in the database and the given pattern have limited length.",
     .tips = "request_policy:all_shards nondeterministic_output_order"},
    {.name = "SCAN", .arity = -2, .flags = kReadOnly | kAllShards, .handler = Scan,
     .summary = "Iterates over the key names in the database.", .since = "2.8.0",
     .complexity = "O(1) for every call. O(N) for a complete iteration, including enough "
                   "command calls for the cursor to return back to 0. N is the number of "
                   "elements inside the collection.",
     .tips = "nondeterministic_output request_policy:special"},
    {.name = "RANDOMKEY", .arity = 1, .flags = kReadOnly | kAllShards, .handler = RandomKey,
     .summary = "Returns a random key name from the database.", .since = "1.0.0",
     .complexity = "O(1)",
     .tips = "request_policy:all_shards nondeterministic_output"},
    {.name = "DBSIZE", .arity = 1, .flags = kReadOnly | kFast | kAllShards, .handler = DbSize,
     .summary = "Returns the number of keys in the database.", .since = "1.0.0",
     .complexity = "O(1)",
     .tips = "request_policy:all_shards response_policy:agg_sum"},
    {.name = "FLUSHDB", .arity = -1, .flags = kWrite | kAllShards, .handler = FlushDb,
     .acl = engine::kAclDangerous, .summary = "Remove all keys from the current database.",
     .since = "1.0.0",
     .complexity = "O(N) where N is the number of keys in the selected database",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "FLUSHALL", .arity = -1, .flags = kWrite | kAllShards, .handler = FlushAll,
     .acl = engine::kAclDangerous, .summary = "Removes all keys from all databases.",
     .since = "1.0.0", .complexity = "O(N) where N is the total number of keys in all databases",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "SWAPDB", .arity = 3, .flags = kWrite | kFast | kAllShards, .handler = SwapDb,
     .acl = engine::kAclDangerous, .summary = "Swaps two Redis databases.", .since = "4.0.0",
     .complexity = "O(N) where N is the count of clients watching or blocking on keys from "
                   "both databases."},
};

}  // namespace

void RegisterKeyspaceFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclKeyspace, "generic", kKeyspaceCommands);
}

}  // namespace cinnabar::commands

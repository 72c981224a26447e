// DEBUG HTSTATS, HTSTATS-KEY, LISTPACK, QUICKLIST and QUICKLIST-PACKED-THRESHOLD, in
// Redis 7.0's reply shapes and errors. Where Redis describes its own structures (dict
// chains, the quicklist's plain nodes) these describe Cinnabar's in the same shape: the
// segmented tables of core/segmented_table.h and the quicklist of core/quicklist.h
// (docs/compatibility.md lists the differences).

#include "commands/debug_encodings.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "commands/args.h"
#include "core/listpack.h"
#include "core/quicklist.h"
#include "core/value_layout.h"
#include "engine/config.h"
#include "engine/database.h"
#include "engine/shard.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
namespace errors = protocol::errors;

// One table's stats in the shape of Redis's dictGetStats: the probe length (groups past
// the one the hash picks) stands where Redis counts chain lengths.
void AppendTableStats(const core::TableStats& st, std::string_view title, std::string* out) {
  out->append(title);
  if (st.elements == 0) {
    out->append("No stats available for empty dictionaries\n");
    return;
  }
  char line[200];
  std::snprintf(line, sizeof(line),
                " table size: %zu\n number of elements: %zu\n segments: %zu\n"
                " directory entries: %zu\n deleted slots: %zu\n max probe length: %zu\n"
                " avg probe length: %.02f\n Probe length distribution:\n",
                st.slots, st.elements, st.segments, st.directory, st.tombstones, st.max_probe,
                static_cast<double>(st.probe_total) / static_cast<double>(st.elements));
  out->append(line);
  for (size_t d = 0; d < core::TableStats::kProbeBuckets; ++d) {
    if (st.probes[d] == 0) continue;
    std::snprintf(line, sizeof(line), "   %zu: %zu (%.02f%%)\n", d, st.probes[d],
                  100.0 * static_cast<double>(st.probes[d]) / static_cast<double>(st.elements));
    out->append(line);
  }
}

// Redis prints these layouts on stdout (not the log) and replies a status.
void PrintOnStdout(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

void DebugHtStats(CommandContext& ctx) {
  OpResult<int64_t> db = ParseInt64Arg(ctx.arg(2));
  if (!db.ok()) return ctx.ReplyError(errors::kNotInteger);
  const int dbs = ctx.shard_at(0).db_count();
  if (*db < 0 || *db >= dbs) return ctx.ReplyError(errors::kDebugOutOfRangeDb);
  // Redis has one key table and one expires table per database; Cinnabar has one table
  // per database on each shard, with a key's expiry in its entry (marked volatile in the
  // table), so each section lists every shard.
  std::string text = "[Dictionary HT]\n";
  std::vector<core::TableStats> stats;
  for (unsigned s = 0; s < ctx.shard_count(); ++s) {
    stats.push_back(ctx.shard_at(s).db(static_cast<int>(*db)).table().Stats());
    AppendTableStats(stats.back(),
                     "Hash table " + std::to_string(s) + " stats (shard " + std::to_string(s) +
                         " main hash table):\n",
                     &text);
  }
  text += "[Expires HT]\n";
  for (unsigned s = 0; s < ctx.shard_count(); ++s) {
    text += "Hash table " + std::to_string(s) + " stats (shard " + std::to_string(s) +
            " keys with an expiry, marked in the main hash table):\n";
    if (stats[s].volatile_elements == 0) {
      text += "No stats available for empty dictionaries\n";
    } else {
      text += " number of elements: " + std::to_string(stats[s].volatile_elements) + "\n";
    }
  }
  ctx.reply().Verbatim(text);
}

void DebugHtStatsKey(CommandContext& ctx) {
  engine::Database::Ref ref = ctx.db_for(ctx.arg(2)).FindNoTouch(ctx.arg(2));
  if (!ref) return ctx.ReplyError(errors::kNoSuchKey);
  core::TableStats st;
  if (!core::ValueTableStats(ref.entry, &st)) return ctx.ReplyError(errors::kDebugNotHashtable);
  std::string text;
  AppendTableStats(st, "Hash table 0 stats (main hash table):\n", &text);
  ctx.reply().Verbatim(text);
}

void DebugListpack(CommandContext& ctx) {
  engine::Database::Ref ref = ctx.db_for(ctx.arg(2)).FindNoTouch(ctx.arg(2));
  if (!ref) return ctx.ReplyError(errors::kNoSuchKey);
  const uint8_t* lp = core::ValueListpack(ref.entry);
  if (lp == nullptr) return ctx.ReplyError(errors::kDebugNotListpack);
  std::string text;
  core::lp::Repr(lp, &text);
  PrintOnStdout(text);
  ctx.reply().SimpleString("Listpack structure printed on stdout");
}

void DebugQuicklist(CommandContext& ctx) {
  engine::Database::Ref ref = ctx.db_for(ctx.arg(2)).FindNoTouch(ctx.arg(2));
  if (!ref) return ctx.ReplyError(errors::kNoSuchKey);
  const core::Quicklist* ql = core::ValueQuicklist(ref.entry);
  if (ql == nullptr) return ctx.ReplyError(errors::kDebugNotQuicklist);
  // Redis compat: the level of detail is atoi'd, so anything but a number is 0.
  const bool full = ctx.argc() > 3 && std::atoi(std::string(ctx.arg(3)).c_str()) != 0;
  std::string text;
  ql->Repr(static_cast<int>(ctx.config().list_max_listpack_size), full, &text);
  PrintOnStdout(text);
  ctx.reply().SimpleString("Quicklist structure printed on stdout");
}

void DebugPackedThreshold(CommandContext& ctx) {
  uint64_t bytes = 0;
  if (!engine::ParseMemory(ctx.arg(2), &bytes) || !core::SetPackedThreshold(bytes)) {
    return ctx.ReplyError(errors::kDebugPackedThreshold);
  }
  ctx.reply().Ok();
}

}  // namespace cinnabar::commands

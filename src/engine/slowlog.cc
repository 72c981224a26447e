#include "engine/slowlog.h"

#include <algorithm>
#include <ctime>
#include <iterator>

#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/worker.h"

namespace cinnabar::engine {
namespace {

// Redis's limits for what an entry keeps.
constexpr size_t kMaxArgs = 32;
constexpr size_t kMaxArgBytes = 128;

std::vector<std::string> EntryArgs(const CommandContext& ctx) {
  std::span<const std::string_view> args = ctx.args();
  const CommandSpec& spec = *ctx.command().spec;
  const size_t kept = std::min(args.size(), kMaxArgs);
  std::vector<std::string> out;
  out.reserve(kept);
  for (size_t i = 0; i < kept; ++i) {
    if (kept < args.size() && i == kept - 1) {
      out.push_back("... (" + std::to_string(args.size() - i) + " more arguments)");
      break;
    }
    if (spec.redacts != nullptr && spec.redacts(args, i)) {
      out.emplace_back("(redacted)");
    } else if (args[i].size() > kMaxArgBytes) {
      out.push_back(std::string(args[i].substr(0, kMaxArgBytes)) + "... (" +
                    std::to_string(args[i].size() - kMaxArgBytes) + " more bytes)");
    } else {
      out.emplace_back(args[i]);
    }
  }
  return out;
}

}  // namespace

void Slowlog::Push(SlowlogEntry e, size_t max_len) {
  std::lock_guard lock(mu_);
  entries_.push_front(std::move(e));
  while (entries_.size() > max_len) entries_.pop_back();
}

std::vector<SlowlogEntry> Slowlog::Newest(size_t n) const {
  std::lock_guard lock(mu_);
  n = std::min(n, entries_.size());
  return {entries_.begin(), entries_.begin() + static_cast<std::ptrdiff_t>(n)};
}

size_t Slowlog::size() const {
  std::lock_guard lock(mu_);
  return entries_.size();
}

void Slowlog::Reset() {
  std::lock_guard lock(mu_);
  entries_.clear();
}

void NoteSlowCommand(Worker& w, CommandContext& ctx, int64_t usec) {
  const ServerConfig& cfg = w.config();
  if (cfg.slowlog_log_slower_than < 0 || usec < cfg.slowlog_log_slower_than) return;
  if (ctx.command().spec->flags & kSkipSlowlog) return;
  SlowlogEntry e;
  e.id = w.engine().slowlog_next_id.fetch_add(1, std::memory_order_relaxed);
  e.unix_seconds = std::time(nullptr);
  e.usec = usec;
  e.args = EntryArgs(ctx);
  // Redis compat: a script's commands are logged as its fake client's ("?:0", no name). A
  // command run for a client on another thread names it from there: the client waits
  // for the reply, so its name cannot change meanwhile.
  const Client* c = ctx.has_client() ? &ctx.client() : ctx.origin();
  if (ctx.call_flags() & kCallInScript) c = nullptr;
  e.addr = c != nullptr ? c->peer().addr : "?:0";
  if (c != nullptr) e.name = c->name;
  w.slowlog().Push(std::move(e), static_cast<size_t>(cfg.slowlog_max_len));
}

std::vector<SlowlogEntry> SlowlogNewest(Engine& eng, int64_t n, size_t max_len) {
  size_t want = n < 0 ? max_len : std::min(static_cast<size_t>(n), max_len);
  std::vector<SlowlogEntry> all;
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    std::vector<SlowlogEntry> part = eng.worker(i).slowlog().Newest(want);
    std::move(part.begin(), part.end(), std::back_inserter(all));
  }
  std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.id > b.id; });
  if (all.size() > want) all.resize(want);
  return all;
}

size_t SlowlogLength(Engine& eng, size_t max_len) {
  size_t total = 0;
  for (unsigned i = 0; i < eng.shard_count(); ++i) total += eng.worker(i).slowlog().size();
  return std::min(total, max_len);
}

void SlowlogReset(Engine& eng) {
  for (unsigned i = 0; i < eng.shard_count(); ++i) eng.worker(i).slowlog().Reset();
}

}  // namespace cinnabar::engine

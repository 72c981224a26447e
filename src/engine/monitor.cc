#include "engine/monitor.h"

#include <algorithm>
#include <vector>

#include <fmt/format.h>

#include "base/clock.h"
#include "base/string_util.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/worker.h"

namespace cinnabar::engine {

void MonitorDirectory::Add(unsigned thread) {
  per_thread_[thread].fetch_add(1, std::memory_order_relaxed);
  total_.fetch_add(1, std::memory_order_relaxed);
}

void MonitorDirectory::Remove(unsigned thread) {
  per_thread_[thread].fetch_sub(1, std::memory_order_relaxed);
  total_.fetch_sub(1, std::memory_order_relaxed);
}

void StartMonitoring(Client& c) {
  if (c.monitor) return;
  c.monitor = true;
  Worker& w = c.worker();
  w.monitors().push_back(&c);
  w.engine().monitors().Add(w.index());
}

void StopMonitoring(Client& c) {
  if (!c.monitor) return;
  c.monitor = false;
  Worker& w = c.worker();
  std::erase(w.monitors(), &c);
  w.engine().monitors().Remove(w.index());
}

std::string MonitorLine(int64_t unix_us, int db, std::string_view who,
                        std::span<const std::string_view> args, const CommandSpec& spec) {
  std::string line = fmt::format("+{}.{:06} [{} {}] ", unix_us / 1000000, unix_us % 1000000, db,
                                 who);
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) line += ' ';
    if (spec.redacts != nullptr && spec.redacts(args, i)) {
      line += "\"(redacted)\"";
    } else {
      base::AppendRepr(&line, args[i]);
    }
  }
  line += "\r\n";
  return line;
}

namespace {

void Deliver(Worker& w, std::string_view line) {
  // A monitor cut at its output limit leaves the list as it closes.
  std::vector<Client*> monitors = w.monitors();
  for (Client* c : monitors) c->PushRaw(line);
}

void FeedLine(Worker& w, int db, std::string_view who, std::span<const std::string_view> args,
              const CommandSpec& spec) {
  Engine& eng = w.engine();
  if (eng.loading.load(std::memory_order_relaxed)) return;  // Redis compat: not the AOF's
  auto line = std::make_shared<const std::string>(
      MonitorLine(base::UnixTimeUs(), db, who, args, spec));
  const MonitorDirectory& dir = eng.monitors();
  for (unsigned t = 0; t < dir.threads(); ++t) {
    if (dir.on_thread(t) == 0) continue;
    if (t == w.index()) {
      Deliver(w, *line);
    } else {
      eng.Post(t, [&eng, t, line] { Deliver(eng.worker(t), *line); });
    }
  }
}

}  // namespace

void FeedMonitors(Worker& w, CommandContext& ctx, bool before) {
  const CommandSpec& spec = *ctx.command().spec;
  if (before != ((spec.flags & kSkipMonitor) != 0) || (spec.flags & kAdmin)) return;
  // EXEC that waits for its shards is shown once its commands ran (FeedExec).
  if (!before && ctx.deferred() && (spec.flags & kEndsMulti)) return;
  if (ctx.call_flags() & kCallInScript) return FeedLine(w, ctx.db_index(), "lua", ctx.args(), spec);
  // A client's own command shows the client's database after it (SELECT's new one).
  const Client* c = ctx.has_client() ? &ctx.client() : ctx.origin();
  const int db = ctx.has_client() ? ctx.client().db : ctx.db_index();
  FeedLine(w, db, c != nullptr ? std::string_view(c->peer().addr) : "?:0", ctx.args(), spec);
}

void FeedExec(Worker& w, const Client& c, const CommandEntry& exec, std::string_view name) {
  if (!w.engine().monitors().active()) return;
  const std::string_view args[] = {name};
  FeedLine(w, c.db, c.peer().addr, args, *exec.spec);
}

}  // namespace cinnabar::engine

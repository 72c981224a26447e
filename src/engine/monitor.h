// MONITOR: every command any client runs, on any thread, shown to every monitoring client
// as Redis prints it: `+<unix seconds>.<micros> [<db> <client address>|lua] "arg" ...`.
//
// What is shown, as Redis 7.0: a command once it ran (so SELECT shows its new database and
// EXEC follows the commands it ran), never one refused before running, never an admin
// command; scripts (flagged skip-monitor) before they run, then each command they call as
// "[db lua]"; secrets redacted as in SLOWLOG (CommandSpec::redacts).
//
// Order: a line is written straight into a monitor on the command's own thread, and posted
// as one task to each other thread with monitors, while the command runs; a client's
// next command starts only after its reply, which is posted later, so each client's
// commands reach every monitor in the order they ran. (Pipeline runs over several shards
// are not gathered while monitors exist: engine/dispatcher.cc.)
//
// Threading: each worker lists its own monitoring clients; the engine counts them per
// thread (atomics) so a command with nobody watching pays one relaxed load.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace cinnabar::engine {

class Client;
class CommandContext;
class Worker;
struct CommandEntry;
struct CommandSpec;

class MonitorDirectory {
 public:
  explicit MonitorDirectory(unsigned threads)
      : threads_(threads), per_thread_(std::make_unique<std::atomic<int>[]>(threads)) {}

  bool active() const { return total_.load(std::memory_order_relaxed) > 0; }
  void Add(unsigned thread);
  void Remove(unsigned thread);
  int on_thread(unsigned thread) const {
    return per_thread_[thread].load(std::memory_order_relaxed);
  }
  unsigned threads() const { return threads_; }

 private:
  unsigned threads_;
  std::atomic<int> total_{0};
  std::unique_ptr<std::atomic<int>[]> per_thread_;
};

// MONITOR on the client's thread: it becomes a monitor. RESET and closing stop it.
void StartMonitoring(Client& c);
void StopMonitoring(Client& c);

// The line MONITOR shows for `args` run in database `db` by `who` (an address or "lua").
std::string MonitorLine(int64_t unix_us, int db, std::string_view who,
                        std::span<const std::string_view> args, const CommandSpec& spec);

// From engine::Execute, when MonitorDirectory::active(): shows the command in `ctx` to
// every monitor (`before`: a skip-monitor command, about to run).
void FeedMonitors(Worker& w, CommandContext& ctx, bool before);
// An EXEC that waited for its shards, once its commands ran (as typed: `name`).
void FeedExec(Worker& w, const Client& c, const CommandEntry& exec, std::string_view name);

}  // namespace cinnabar::engine

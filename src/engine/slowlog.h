// SLOWLOG: the commands that took longer than slowlog-log-slower-than, newest first, at most
// slowlog-max-len of them, as Redis keeps them (arguments cut at 32 and 128 bytes each,
// secrets redacted, the client's address and name).
//
// Each thread logs the commands it ran into its own log (a mutex it rarely shares: only
// SLOWLOG reads it); ids come from one counter for the process, so the logs merge into
// Redis's single order.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

namespace cinnabar::engine {

class CommandContext;
class Engine;
class Worker;

struct SlowlogEntry {
  uint64_t id = 0;
  int64_t unix_seconds = 0;
  int64_t usec = 0;
  std::vector<std::string> args;
  std::string addr;
  std::string name;
};

class Slowlog {
 public:
  void Push(SlowlogEntry e, size_t max_len);
  // The newest `n` entries, newest first.
  std::vector<SlowlogEntry> Newest(size_t n) const;
  size_t size() const;
  void Reset();

 private:
  mutable std::mutex mu_;
  std::deque<SlowlogEntry> entries_;  // newest first
};

// After the command in `ctx` ran for `usec` on `w`'s thread: logs it if it was slow.
void NoteSlowCommand(Worker& w, CommandContext& ctx, int64_t usec);

// Every thread's entries merged, newest first: the `n` newest (all for n < 0), at most
// `max_len` (slowlog-max-len as the caller's thread sees it).
std::vector<SlowlogEntry> SlowlogNewest(Engine& eng, int64_t n, size_t max_len);
size_t SlowlogLength(Engine& eng, size_t max_len);
void SlowlogReset(Engine& eng);

}  // namespace cinnabar::engine

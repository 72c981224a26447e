// CLIENT PAUSE / UNPAUSE: the process holds its clients' commands for a while, all of them
// (ALL) or those that may change data (WRITE: write and may-replicate commands, and EXEC of
// a transaction that queued one), as Redis 7.0 does for a failover.
//
// One state for the process: the strictest kind asked for and the latest end time (a
// second PAUSE only ever extends it; UNPAUSE ends it). A command that is held leaves its
// client waiting on its own thread with the command still unread in its input; when the
// pause ends (UNPAUSE, or a worker's cron seeing the end time pass) each thread lets its
// held clients go in the order they came, and their commands are dispatched again, checks
// and all. While a pause lasts, the cron expires and evicts nothing (the data stays as it
// was, as Redis keeps it for a failover).
//
// Threading: the state is read by every thread (one relaxed load while there is no pause);
// Pause and Unpause from any thread; each worker keeps its own held clients.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace cinnabar::engine {

class Client;
class Engine;
class Worker;
struct CommandEntry;

enum class PauseKind : uint8_t { kNone = 0, kWrite = 1, kAll = 2 };

class ClientPause {
 public:
  // Pauses until `end_ms` (unix ms) at least, `kind` at least.
  void Pause(PauseKind kind, int64_t end_ms);
  // Ends the pause; REQUIRES: the caller then lets every thread's held clients go.
  void Unpause();
  // The pause in force at `now_ms`; one that has run out reads kNone.
  PauseKind KindAt(int64_t now_ms) const;
  // Whether some pause may be in force (one relaxed load, for the hot path).
  bool maybe_active() const { return kind_.load(std::memory_order_relaxed) != 0; }

 private:
  mutable std::mutex mu_;  // Pause and Unpause; readers take the atomics
  std::atomic<uint8_t> kind_{0};
  std::atomic<int64_t> end_ms_{0};
};

// In Dispatch, after the checks: whether the pause holds `cmd` of `c`; then the client
// waits (the command stays in its input) until its thread lets it go.
// REQUIRES: the pause may be active (ClientPause::maybe_active), the caller's cheap test.
bool HoldIfPaused(Client& c, const CommandEntry& cmd);

// On `w`'s thread: once no pause is in force, lets the held clients go, in order. The cron
// calls it; UNPAUSE posts it to every thread.
void ReleaseHeldClients(Worker& w);

// CLIENT UNPAUSE: ends the pause and lets every thread's held clients go.
void UnpauseAll(Engine& eng);

}  // namespace cinnabar::engine

// One client's client-side caching state (CLIENT TRACKING, engine/tracking.h).
//
// Threading: written only by the client's own thread (its commands, its close). `flags` and
// `redirect` are atomics because a command of the client that runs on another shard's
// thread reads them there (which keys to remember, NOLOOP, where its own invalidations go);
// such a command was dispatched after every write of them, so it sees the current values.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace cinnabar::engine {

enum TrackingFlag : uint32_t {
  kTrackingOn = 1u << 0,
  kTrackingBcast = 1u << 1,
  kTrackingOptin = 1u << 2,
  kTrackingOptout = 1u << 3,
  kTrackingNoloop = 1u << 4,
  kTrackingCaching = 1u << 5,     // CLIENT CACHING was given for the next command
  kTrackingBrokenRedir = 1u << 6, // the redirect client went away
  kTrackingReads = 1u << 7,       // the command running now has its keys remembered
};

struct TrackingState {
  std::atomic<uint32_t> flags{0};
  std::atomic<uint64_t> redirect{0};  // client id, 0: none
  unsigned redirect_thread = 0;       // the thread of the redirect client
  bool last_was_client = false;       // the previous command was a CLIENT subcommand
  std::vector<std::string> prefixes;  // BCAST prefixes, sorted

  uint32_t get() const { return flags.load(std::memory_order_relaxed); }
  bool on() const { return get() & kTrackingOn; }
  void set(uint32_t f) { flags.store(f, std::memory_order_relaxed); }
};

}  // namespace cinnabar::engine

// Client-side caching (CLIENT TRACKING), as Redis 7.0 has it.
//
// Default mode: the keys a tracking client's read-only commands name are remembered in the
// tracking table of each key's shard (key -> the ids of the clients that read it, in no
// database: Redis's table is keyed by name alone). Any key event on such a key (a write,
// expiry, eviction, engine/key_events.h) invalidates it once for each of them and forgets
// them. BCAST mode: every key event on a key under a registered prefix is announced to the
// prefix's clients, in batches at the end of the event that caused them. A flush announces
// a null invalidation to every tracking client.
//
// Delivery: an invalidation for a client goes to the client's thread (posted, or at once
// when it is the running thread). From one thread to another, a task queue keeps order, so
// a client gets the invalidation of a write before any reply that thread produces after the
// write. Invalidations for the client whose own command caused them are written right after
// that command's reply (after EXEC's or the script's, for what ran inside), as Redis does.
// A client in RESP3 gets `>2 invalidate [keys]` pushes; one with REDIRECT has them sent to
// the redirect client: as pushes there in RESP3, or as pub/sub messages on
// __redis__:invalidate when it is subscribed to anything (RESP2).
//
// Threading: a TrackingTable belongs to its shard and is used by whoever runs on the shard
// (engine/key_events.h). The directory's prefix map is behind a mutex; its per-thread state
// is used only by its thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/hash.h"
#include "engine/key_events.h"
#include "protocol/reply_builder.h"

namespace cinnabar::engine {

class Client;
class Engine;
class Worker;
struct CommandEntry;

// A client that reads a key or listens on a prefix, and its thread.
struct Tracker {
  uint64_t id;
  unsigned thread;
};

// One shard's tracking table.
class TrackingTable : public KeyObserver {
 public:
  // `owner`: the worker whose thread runs the shard's own work (expiry, eviction).
  void Wire(Engine* engine, Worker* owner) {
    engine_ = engine;
    owner_ = owner;
  }

  // Client `t` read `key`. Returns whether the key was new to the table.
  bool Remember(std::string_view key, Tracker t);
  // Forgets `key` and returns who had read it.
  std::vector<Tracker> Take(std::string_view key);
  // Some remembered key (to evict from a full table), or empty when there is none.
  std::string AnyKey(uint64_t random) const;
  void Clear();
  size_t keys() const { return keys_.load(std::memory_order_relaxed); }
  size_t items() const { return items_.load(std::memory_order_relaxed); }

  // Invalidates `key` for its readers; announces it to matching prefixes when `announce`.
  void Invalidate(std::string_view key, bool announce = true);

  void OnKeyEvent(KeyEvent, Database&, std::string_view key) override { Invalidate(key); }
  void OnFlush(Database& db) override;
  void OnSwap(Database&, Database&) override {}

 private:
  Engine* engine_ = nullptr;
  Worker* owner_ = nullptr;
  std::unordered_map<std::string, std::vector<Tracker>, base::StringHash, std::equal_to<>> map_;
  std::atomic<size_t> keys_{0};
  std::atomic<size_t> items_{0};
};

// One thread's part: its tracking clients by id, and what it gathered for later: the
// running command's own invalidations, and the BCAST announcements of this event.
struct TrackingThread {
  std::unordered_map<uint64_t, Client*> clients;  // this thread's clients with tracking on
  struct SelfKey {
    Tracker reader;
    std::string key;
  };
  std::vector<SelfKey> self_keys;  // read by the running command's client
  bool flush_announce = false;  // the running command flushed: announce it after
  // BCAST: prefix -> key -> the client whose command wrote it (0: none).
  std::map<std::string, std::map<std::string, uint64_t>> bcast;
  bool bcast_scheduled = false;
  // Whether FlushTrackingPending has anything to send (the hot path's test).
  bool pending() const { return !self_keys.empty() || flush_announce; }
};

// What every thread shares: the tracking clients' count and the BCAST prefixes.
class TrackingDirectory {
 public:
  explicit TrackingDirectory(unsigned threads);

  std::atomic<int64_t> clients{0};  // INFO tracking_clients

  void AddPrefix(std::string_view prefix, Tracker t);
  void RemovePrefix(std::string_view prefix, uint64_t id);
  bool has_prefixes() const { return prefix_count_.load(std::memory_order_relaxed) != 0; }
  size_t prefix_count() const { return prefix_count_.load(std::memory_order_relaxed); }
  // The registered prefixes `key` starts with.
  std::vector<std::string> Matching(std::string_view key) const;
  std::vector<Tracker> ClientsOf(std::string_view prefix) const;

  // Thread `i`'s pending work; only thread `i` may use it.
  TrackingThread& thread(unsigned i) { return *threads_[i]; }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::vector<Tracker>, std::less<>> prefixes_;
  std::atomic<size_t> prefix_count_{0};
  std::vector<std::unique_ptr<TrackingThread>> threads_;
};

// --- For the dispatcher and Invoke ---

// Before client `c` (tracking) runs `cmd` (null: unknown): CLIENT CACHING's effect ends
// after the command that followed it (or the transaction), and whether this command's keys
// are remembered is decided.
void TrackingBeforeCommand(Client& c, const CommandEntry* cmd);
// Recomputes kTrackingReads from the other flags.
void UpdateTrackingReads(Client& c);
// After `cmd` ran for `origin` of thread `home`, where its keys' shards may be used:
// remembers its keys when it is a read the client tracks.
void TrackingAfterCommand(Worker& w, const CommandEntry& cmd,
                          std::span<const std::string_view> args, Client* origin,
                          unsigned home);
// After a client's top-level command on thread `w` (its reply written through `rb`): sends
// the invalidations its own command caused, the ones for `origin` right after the reply.
void FlushTrackingPending(Worker& w, Client* origin, unsigned home, protocol::ReplyBuilder& rb);

// --- For CLIENT TRACKING and the client's life ---

// Turns tracking on with `options` (TrackingFlag bits among BCAST OPTIN OPTOUT NOLOOP),
// redirecting to `redirect` (0: none) on `redirect_thread`, adding `prefixes` (BCAST).
void EnableTracking(Client& c, uint64_t redirect, unsigned redirect_thread, uint32_t options,
                    std::span<const std::string_view> prefixes);
void DisableTracking(Client& c);

// Whether `a` and `b` overlap as prefixes (one starts with the other).
bool PrefixesOverlap(std::string_view a, std::string_view b);

}  // namespace cinnabar::engine

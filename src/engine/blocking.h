// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): clients parked on keys until a write
// makes one of them ready, a timeout passes, or they are unblocked.
//
// A blocked client's Waiter is queued on the waiter list of every key it names, in the
// database of the shard that owns the key (DESIGN.md §2). A write that creates a key with
// waiters marks it ready on its shard; once that command finishes, the shard serves the
// ready keys: the oldest waiter first (Redis's FIFO rule), each waiter through its
// command's Serve step, in the same turn, so no other command can take the data first.
//
// One waiter sits on several shards at once (BLPOP a b on keys of different shards), so
// exactly one party may finish it: serving, its timeout, CLIENT UNBLOCK, or the client
// going away. They race through one compare-and-swap on the waiter's state; the loser
// leaves it alone.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/io_buf.h"
#include "base/op_status.h"
#include "engine/key_events.h"

namespace cinnabar::engine {

class Client;
class CommandContext;
class Database;
class Shard;
class Worker;
struct CommandEntry;

// What a ready key means to one blocked command.
enum class Readiness {
  kNotReady,  // nothing for this waiter here (wrong type, empty): keep waiting
  kReady,     // Serve will succeed now
  kAcross,    // ready, but what serving takes goes to a key on a shard the server does
              // not hold now (BLMOVE across shards): it is taken here and delivered there
};

// A blocking command's behaviour once parked. They run where `key` lives, with the waiter's
// saved arguments in `ctx` (ctx.db() is the key's database; ctx.CanReach tells whether a
// key of another shard may be used too).
struct BlockingOps {
  Readiness (*check)(CommandContext& ctx, std::string_view key);
  // Takes the data and writes the reply. Called only right after check said kReady.
  void (*serve)(CommandContext& ctx, std::string_view key);
  // The timeout reply: a null array (BLPOP, BZPOPMIN, BLMOVE in Redis 7.0) or a null bulk.
  bool timeout_null_array;

  // --- Commands that move what they take (BLMOVE), when check said kAcross ---
  // The argument naming the key the element goes to.
  size_t destination_arg = 0;
  // On `key`'s shard: removes the element serving takes and returns it; writes nothing.
  std::string (*take)(CommandContext& ctx, std::string_view key) = nullptr;
  // On the destination's shard: delivers `element` and writes the reply; or returns
  // kWrongType having changed nothing (the element then goes back).
  base::OpStatus (*put)(CommandContext& ctx, std::string_view element) = nullptr;
  // On `key`'s shard again: returns a refused element where take found it.
  void (*give_back)(CommandContext& ctx, std::string_view key, std::string_view element) = nullptr;
  // Inside EXEC or a script, where it may not block: a null bulk (BLMOVE, BRPOPLPUSH in
  // Redis 7.0) instead of a null array.
  bool denied_null_bulk = false;
};

class Waiter {
 public:
  enum State : int { kWaiting, kServing, kDone };

  Waiter(Client* client, unsigned home, const CommandEntry& cmd,
         std::span<const std::string_view> args, int db, int resp, const BlockingOps* ops);

  // Claims the waiter for whoever finishes it; false when another party already did.
  bool Claim(State from = kWaiting) {
    int expected = from;
    return state_.compare_exchange_strong(expected, kServing, std::memory_order_acq_rel);
  }
  bool waiting() const { return state_.load(std::memory_order_acquire) == kWaiting; }

  Client* const client;  // touched only on `home`
  const unsigned home;
  const CommandEntry& cmd;
  std::vector<std::string> storage;
  std::vector<std::string_view> args;
  const int db;
  const int resp;
  const BlockingOps* const ops;
  int64_t deadline_us = 0;  // base::MonotonicUs; 0 = no timeout
  struct Key {
    unsigned shard;
    std::string name;
  };
  std::vector<Key> keys;
  // The shards whose spanning-waiter count this waiter holds (Shard::SpanningWaiterComing):
  // every shard of a command over several; empty for one on a single shard.
  std::vector<unsigned> spanning;

 private:
  std::atomic<int> state_{kWaiting};
};

// One database's waiters, by key (allocated only while someone waits there).
class WaiterMap {
 public:
  void Add(std::string_view key, std::shared_ptr<Waiter> w);
  // Removes `w` from `key`'s list (a no-op if it is not there).
  void Remove(std::string_view key, const Waiter* w);
  // The list for `key`, or null.
  std::deque<std::shared_ptr<Waiter>>* Find(std::string_view key);
  void EraseIfEmpty(std::string_view key);
  bool empty() const { return lists_.empty(); }
  template <typename Fn>
  void ForEachKey(Fn fn) const {
    for (const auto& [key, list] : lists_) fn(key);
  }
  size_t key_count() const { return lists_.size(); }

 private:
  std::unordered_map<std::string, std::deque<std::shared_ptr<Waiter>>> lists_;
};

// The blocking side of a shard's key events: a key added where clients wait (or swapped
// in by SWAPDB) is marked ready, to be served once the command that made it finishes.
class WakeWaiters : public KeyObserver {
 public:
  void OnKeyEvent(KeyEvent event, Database& db, std::string_view key) override;
  void OnFlush(Database&) override {}
  void OnSwap(Database& a, Database& b) override;
};

// Parks the client whose command is running in `ctx` on `keys` (its handler found nothing
// to take). The handler writes no reply. `timeout_ms` 0 waits forever.
void BlockOnKeys(CommandContext& ctx, std::span<const std::string_view> keys,
                 int64_t timeout_ms, const BlockingOps* ops);

// On the client's thread, after the blocking command returned without a reply: the client
// (already awaiting) waits for its waiter to finish. Arms the timeout.
void EnterBlocked(Client& c, std::shared_ptr<Waiter> w);

// Serves the waiters of the keys made ready on `shard` by the command that just ran.
// `worker` is the thread running now: the shard's own, or a locked batch's home thread
// holding `held` (the shard among them).
void ServeReadyKeys(Shard& shard, Worker& worker, std::span<const unsigned> held = {});

// CLIENT UNBLOCK and disconnects, on the client's thread. `error` empty answers the
// timeout reply; otherwise that error. Returns whether the client was unblocked.
bool UnblockClient(Client& c, std::string_view error);
// The client is gone: its waiter is withdrawn without a reply.
void DropBlocked(Client& c);

}  // namespace cinnabar::engine

// CommandContext: what a command handler sees. The dispatcher has already routed the
// command to the thread holding its keys' shard (or locked every shard it touches), so a
// handler never reasons about threads: db() is the right database.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "engine/client.h"
#include "engine/config.h"
#include "engine/database.h"
#include "engine/registry.h"
#include "protocol/reply_builder.h"

namespace cinnabar::engine {

class Engine;
class Shard;
class Waiter;
class Worker;

enum class ExecMode {
  kLocal,   // on the client's thread, on its own shard (or keyless)
  kRemote,  // on the shard's thread; the client is on another thread
  kLocked,  // on the client's thread with every shard it names locked
};

// How a command is being run, beyond where: inside EXEC or a script. Blocking commands then
// answer their timeout at once instead of blocking (Redis compat).
enum CallFlag : uint32_t {
  kCallInMulti = 1u << 0,
  kCallInScript = 1u << 1,
  kCallReadOnly = 1u << 2,  // a read-only script (EVAL_RO, no-writes)
};
// A client's own command, not one run inside EXEC or a script.
constexpr bool TopLevelCall(uint32_t call_flags) {
  return (call_flags & (kCallInMulti | kCallInScript)) == 0;
}

class CommandContext {
 public:
  CommandContext(const CommandEntry& cmd, std::span<const std::string_view> args,
                 protocol::ReplyBuilder* reply, Worker* worker, Client* client, Shard* shard,
                 int db_index, ExecMode mode, int64_t now_ms);
  ~CommandContext();
  CommandContext(const CommandContext&) = delete;
  CommandContext& operator=(const CommandContext&) = delete;

  // The command this thread is running now (the innermost: a redis.call inside EVAL, a
  // command inside EXEC), or null between commands. Observers of the write path
  // (keyspace notifications) ask it what caused a key event.
  static CommandContext* Running();

  std::span<const std::string_view> args() const { return args_; }
  std::string_view arg(size_t i) const { return args_[i]; }
  size_t argc() const { return args_.size(); }
  const CommandEntry& command() const { return cmd_; }

  protocol::ReplyBuilder& reply() { return *reply_; }
  int resp() const { return reply_->resp(); }
  int db_index() const { return db_index_; }
  int64_t now_ms() const { return now_ms_; }
  ExecMode mode() const { return mode_; }

  // The shard this command runs on, and its current database.
  Shard& shard() { return *shard_; }
  Database& db();
  // Multi-shard commands: the database (current index, or `index`) holding `key`.
  Database& db_for(std::string_view key);
  Database& db_for(std::string_view key, int index);
  // Commands flagged kAllShards: every shard, all locked.
  unsigned shard_count() const;
  Shard& shard_at(unsigned i);
  // Whether `key`'s database may be used here: its shard is this command's own, or one of
  // those a locked batch holds.
  bool CanReach(std::string_view key) const;
  void set_held(std::span<const unsigned> shards) { held_ = shards; }
  std::span<const unsigned> held() const { return held_; }
  // Whether every shard may be used here (one shard in all, or a locked batch of all).
  bool HoldsAll() const;

  // REQUIRES: has_client(). Only commands run on the client's thread see it.
  bool has_client() const { return client_ != nullptr; }
  Client& client() { return *client_; }
  Worker& worker() { return *worker_; }
  Engine& engine();
  const ServerConfig& config() const;

  // For keyless commands on the client's thread (CLIENT LIST, CONFIG SET): runs `collect`
  // on every thread's worker, each on its own thread, then `finish` back here with the
  // results in thread order; `finish` writes the reply. The command's reply is deferred.
  template <typename T>
  void GatherFromWorkers(std::function<T(Worker&)> collect,
                         std::function<void(Client&, protocol::ReplyBuilder&, std::vector<T>&)> finish);

  // For keyless commands that change every thread (CONFIG SET): runs `apply` on every
  // thread's worker and replies +OK once all have. Inside EXEC (which cannot wait) this
  // thread's worker applies it now and the others as soon as they can; the client's later
  // commands reach each thread after it, so they see the change.
  void ApplyOnWorkers(std::function<void(Worker&)> apply);

  // Shorthands for replying with an error and returning from a handler.
  void ReplyError(std::string_view text) { reply_->Error(text); }
  void ReplyError(base::OpStatus status);

  bool deferred() const { return deferred_; }
  // The handler will reply later (the client awaits that); for EXEC's locked run.
  void Defer() { deferred_ = true; }

  // --- The journal (engine/journal.h) ---
  // Records `args` (in this command's database, or `db`) instead of the command itself: for
  // commands whose verbatim form would replay to different data (relative times, random
  // picks, served blocking pops). Several calls record several commands. No-op when
  // nothing reads the journal.
  void RecordAs(std::span<const std::string_view> args) const;
  void RecordAs(std::initializer_list<std::string_view> args) const {
    RecordAs(std::span<const std::string_view>(args.begin(), args.size()));
  }
  void RecordAsIn(int db, std::span<const std::string_view> args) const;
  // Records the command itself although it changed no key (FUNCTION LOAD).
  void RecordSelf() const;
  // Whether anything reads the journal (to skip building what RecordAs would record).
  bool journaling() const;

  // --- The caller (engine/invoke.h) ---
  uint32_t call_flags() const { return call_flags_; }
  void set_call_flags(uint32_t flags) { call_flags_ = flags; }
  bool may_block() const { return TopLevelCall(call_flags_); }
  // SELECT: the database of this caller's later commands. A client's own commands (EXEC's
  // included) change the client's; a script's change only the script's (Redis 7 compat).
  void SelectDb(int index);

  // --- Blocking commands (engine/blocking.h) ---
  // The client that sent the command and its thread, in every mode (a hop's handler runs
  // without client(); these name it for BlockOnKeys, which must not touch it).
  Client* origin() const { return origin_; }
  unsigned home() const { return home_; }
  void set_origin(Client* c, unsigned home) {
    origin_ = c;
    home_ = home;
  }
  // Set when the handler parked the client instead of replying.
  const std::shared_ptr<Waiter>& waiter() const { return waiter_; }
  void set_waiter(std::shared_ptr<Waiter> w) { waiter_ = std::move(w); }

 private:
  void StartGather(std::function<void(unsigned, Worker&)> per_thread,
                   std::function<void(Client&, protocol::ReplyBuilder&)> finish);

  const CommandEntry& cmd_;
  std::span<const std::string_view> args_;
  protocol::ReplyBuilder* reply_;
  Worker* worker_;
  Client* client_;
  Shard* shard_;
  int db_index_;
  ExecMode mode_;
  int64_t now_ms_;
  bool deferred_ = false;
  uint32_t call_flags_ = 0;
  Client* origin_;
  unsigned home_;
  std::shared_ptr<Waiter> waiter_;
  std::span<const unsigned> held_;  // kLocked: the shards held, ascending
  CommandContext* outer_;           // what ran when this started
};

template <typename T>
void CommandContext::GatherFromWorkers(
    std::function<T(Worker&)> collect,
    std::function<void(Client&, protocol::ReplyBuilder&, std::vector<T>&)> finish) {
  auto results = std::make_shared<std::vector<T>>(shard_count());
  StartGather(
      [results, collect = std::move(collect)](unsigned i, Worker& w) { (*results)[i] = collect(w); },
      [results, finish = std::move(finish)](Client& c, protocol::ReplyBuilder& rb) {
        finish(c, rb, *results);
      });
}

}  // namespace cinnabar::engine

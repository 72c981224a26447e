// The journal (DESIGN.md §6): every effect on the keyspace, recorded once, as the commands
// that reproduce it. The AOF writer reads it (persistence/aof.h); replication will too.
//
// What gets recorded, without any command family knowing:
// - A command whose run changed a key (a key event of its own, engine/key_events.h, or a
//   flush or swap) records itself, in the database it ran in.
// - A command whose verbatim form would replay to something else says what to record
//   instead, from its handler: CommandContext::RecordAs (EXPIRE as PEXPIREAT, SPOP as
//   SREM, a served BLPOP as LPOP...). A command that changes state outside the keyspace
//   (FUNCTION LOAD) asks for itself: CommandContext::RecordSelf.
// - Keys that expire or are evicted are recorded as DEL, wherever that happens.
// - Commands run inside a command (redis.call, EXEC's queue) record themselves; the
//   container records nothing, and a transaction's or script's records are wrapped in
//   MULTI/EXEC when there are several.
//
// Order: records reach the journal when their outermost command finishes, while it still
// holds its shards (a locked command holds all of them). So for each shard the journal's
// order is the order of execution, and a multi-shard command sits after everything that ran
// before it on any of its shards and before everything after: replaying the journal gives
// exactly the data clients saw. One lock orders appends from all threads; appends are
// short copies (the AOF thread takes the bytes away in bulk).
//
// Threading: Append and the sinks' calls are thread-safe; frames and scopes are per thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/key_events.h"

namespace cinnabar::engine {

class CommandContext;

// Receives the journal's bytes: whole commands in RESP, SELECTs included, in journal order.
class JournalSink {
 public:
  virtual ~JournalSink() = default;
  // `end_offset` is the journal offset after `bytes`. Called under the journal's lock, so
  // it must only copy.
  virtual void OnRecords(std::string_view bytes, uint64_t end_offset) = 0;
  // The end of a loop turn on some thread (Journal::AtLoopTurnEnd): a sink may write what
  // it holds from there (the AOF with everysec or no, as Redis's beforeSleep does), so the
  // replies waiting for it leave in the same turn. Must not block for long.
  virtual void OnLoopTurnEnd() {}
};

// Records gathered on one thread for one outermost command (or transaction), committed at
// once.
struct JournalBatch {
  struct Record {
    int db;
    size_t begin;  // offset of the command in `bytes`
  };
  std::string bytes;
  std::vector<Record> records;
  void Add(int db, std::span<const std::string_view> args);
  void Clear() {
    bytes.clear();
    records.clear();
  }
};

class Journal {
 public:
  // Whether anything reads the journal; when not, commands record nothing. Changes only
  // while every shard is held (engine/hold_all.h), so no command is half-recorded.
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }

  // Adds `sink`; it receives everything appended from now on. Returns the journal offset
  // it starts at. The caller holds every shard.
  uint64_t AddSink(JournalSink* sink);
  void RemoveSink(JournalSink* sink);

  // Every thread's loop calls it at the end of each turn, before sending replies: the
  // sinks' OnLoopTurnEnd runs. RemoveSink waits for calls under way.
  void AtLoopTurnEnd();

  // Appends a batch: its records in order, with SELECT where the database changes, inside
  // MULTI/EXEC when there are several (a transaction's, a script's).
  void Append(const JournalBatch& batch);
  // Bytes ever appended (the offset the next record starts at).
  uint64_t appended() const { return appended_.load(std::memory_order_acquire); }

  // --- Acknowledged only once durable (appendfsync always) ---
  // While on, a client that wrote gets its replies only once the journal is durable up to
  // where it stood when the replies were ready (Client::FlushReplies): one fsync of the
  // AOF then answers every client of every thread that waits (group commit).
  bool sync_acks() const { return sync_acks_.load(std::memory_order_acquire); }
  void set_sync_acks(bool on);
  uint64_t durable() const { return durable_.load(std::memory_order_acquire); }
  // The AOF: every byte before `offset` is on disk. Tells the listener (the engine, which
  // releases the clients waiting on each thread).
  void MarkDurable(uint64_t offset);
  void SetDurableListener(std::function<void(uint64_t)> listener) {
    durable_listener_ = std::move(listener);
  }

 private:
  void Emit(std::string_view bytes);

  std::mutex mu_;
  std::vector<JournalSink*> sinks_;
  // The sink AtLoopTurnEnd calls (the last added), read without the lock, and how many
  // threads are in such a call.
  std::atomic<JournalSink*> turn_sink_{nullptr};
  std::atomic<int> turn_calls_{0};
  int db_ = -1;  // the database the last record ran in (SELECT before the next if changed)
  std::string out_;
  std::atomic<uint64_t> appended_{0};
  std::atomic<bool> enabled_{false};
  std::atomic<bool> sync_acks_{false};
  std::atomic<uint64_t> durable_{0};
  std::function<void(uint64_t)> durable_listener_;  // set once, before the threads start
};

// Opens a transaction's (or any group's) journal scope on this thread: the records of the
// commands run inside it are committed together, wrapped in MULTI/EXEC when several. Nested
// scopes and frames join the outermost. No-op when the journal is off.
class JournalScope {
 public:
  explicit JournalScope(Journal& journal);
  ~JournalScope();
  JournalScope(const JournalScope&) = delete;
  JournalScope& operator=(const JournalScope&) = delete;

 private:
  Journal* journal_ = nullptr;  // set when this is the outermost scope
};

// One command's part in the journal, around its handler (engine/dispatcher.cc's Execute, a
// served waiter's step): counts the command's own key changes and records it at the end.
class JournalFrame {
 public:
  JournalFrame(Journal& journal, CommandContext& ctx);
  ~JournalFrame();
  JournalFrame(const JournalFrame&) = delete;
  JournalFrame& operator=(const JournalFrame&) = delete;

  // The running command's frame on this thread, or null (journal off, or between commands).
  static JournalFrame* Current();
  // Records `args` in database `db` instead of the command itself, if the command changes
  // a key (so a handler may say it before it knows).
  void RecordAs(std::span<const std::string_view> args, int db);
  // Records the command itself even though no key changed.
  void RecordSelf() { forced_ = true; }
  // A key change of the running command (the journal's key observer counts them).
  void CountEffect() { ++effects_; }

 private:
  JournalScope scope_;  // the outermost scope when there is no other
  CommandContext* ctx_ = nullptr;
  JournalFrame* outer_ = nullptr;
  uint32_t effects_ = 0;
  bool replaced_ = false;
  bool forced_ = false;
  JournalBatch forms_;  // what RecordAs said, committed at the end
};

// The journal's observer of one shard's key events: counts the running command's effects,
// records expiry and eviction as DEL.
class JournalObserver : public KeyObserver {
 public:
  explicit JournalObserver(Journal* journal) : journal_(journal) {}
  void OnKeyEvent(KeyEvent event, Database& db, std::string_view key) override;
  void OnFlush(Database& db) override;
  void OnSwap(Database& a, Database& b) override;

 private:
  Journal* journal_;
};

}  // namespace cinnabar::engine

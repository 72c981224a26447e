// Keyspace notifications (`notify-keyspace-events`): one more observer of the write path
// (engine/key_events.h). No command family publishes anything: each command declares, in
// its CommandSpec, the event its writes report (`.notice = {kNotifyList, "lpush"}`), or a
// hook for the few that report differently per key (RENAME's rename_from / rename_to).
// The observer turns each key event into Redis's messages: "new" when a key is added, the
// running command's event, "del" when a collection's last element went, "expired" and
// "evicted" whatever runs. They go out through pub/sub (engine/pubsub.h) on
// __keyspace@<db>__:<key> and __keyevent@<db>__:<event>.
//
// Threading: the notifier of a shard is called where the shard's writes run (its thread, or
// a locked batch's); it publishes from that thread.
#pragma once

#include <cstdint>
#include <string_view>

#include "engine/command_spec.h"
#include "engine/key_events.h"
#include "engine/notify_flags.h"

namespace cinnabar::engine {

class CommandContext;
class Worker;

// Where a command's notices go: the key event's key and database unless told otherwise.
class NoticeSink {
 public:
  NoticeSink(Worker& w, uint32_t flags, int db, std::string_view key)
      : worker_(w), flags_(flags), db_(db), key_(key) {}
  void Emit(uint32_t type, std::string_view event) { Emit(type, event, key_, db_); }
  void Emit(uint32_t type, std::string_view event, std::string_view key, int db);
  std::string_view key() const { return key_; }
  int db() const { return db_; }

 private:
  Worker& worker_;
  uint32_t flags_;
  int db_;
  std::string_view key_;
};

// What a declared Notice reports for one key event (the default a hook may fall back on).
void ReportNotice(const Notice& notice, KeyEvent event, NoticeSink& out);

// Publishes one notification from thread `w` when `flags` enable its class.
void Notify(Worker& w, uint32_t flags, uint32_t type, std::string_view event,
            std::string_view key, int db);

class Notifier : public KeyObserver {
 public:
  // `owner`: the worker whose thread runs the shard's own work (expiry, eviction).
  explicit Notifier(Worker* owner) : owner_(owner) {}
  void OnKeyEvent(KeyEvent event, Database& db, std::string_view key) override;
  void OnKeyMiss(Database& db, std::string_view key) override;
  void OnFlush(Database&) override {}
  void OnSwap(Database&, Database&) override {}

 private:
  Worker* owner_;
};

}  // namespace cinnabar::engine

#include "engine/notify.h"

#include <string>

#include "engine/command_context.h"
#include "engine/database.h"
#include "engine/pubsub.h"
#include "engine/worker.h"

namespace cinnabar::engine {

void Notify(Worker& w, uint32_t flags, uint32_t type, std::string_view event,
            std::string_view key, int db) {
  if (!(flags & type)) return;
  if (flags & kNotifyKeyspace) {
    std::string channel = "__keyspace@" + std::to_string(db) + "__:";
    channel += key;
    Publish(w, ChannelKind::kChannel, channel, event);
  }
  if (flags & kNotifyKeyevent) {
    std::string channel = "__keyevent@" + std::to_string(db) + "__:";
    channel += event;
    Publish(w, ChannelKind::kChannel, channel, key);
  }
}

void NoticeSink::Emit(uint32_t type, std::string_view event, std::string_view key, int db) {
  Notify(worker_, flags_, type, event, key, db);
}

void ReportNotice(const Notice& notice, KeyEvent event, NoticeSink& out) {
  if (notice.event.empty()) return;
  // A collection that lost its last element was committed first (its event went then); a
  // key the command removes outright says only that.
  if (event == KeyEvent::kDeleted) return out.Emit(kNotifyGeneric, "del");
  out.Emit(notice.type, notice.event);
}

void Notifier::OnKeyEvent(KeyEvent event, Database& db, std::string_view key) {
  CommandContext* running = CommandContext::Running();
  Worker& w = running != nullptr ? running->worker() : *owner_;
  uint32_t flags = w.config().notify_keyspace_events;
  if (flags == 0) return;
  NoticeSink out(w, flags, db.index(), key);
  switch (event) {
    case KeyEvent::kExpired:
      return out.Emit(kNotifyExpired, "expired");
    case KeyEvent::kEvicted:
      return out.Emit(kNotifyEvicted, "evicted");
    case KeyEvent::kAdded:
      out.Emit(kNotifyNew, "new");
      break;
    default:
      break;
  }
  if (running == nullptr) return;
  const CommandSpec& spec = *running->command().spec;
  if (spec.notice_hook != nullptr) return spec.notice_hook(*running, event, out);
  ReportNotice(spec.notice, event, out);
}

void Notifier::OnKeyMiss(Database& db, std::string_view key) {
  CommandContext* running = CommandContext::Running();
  Worker& w = running != nullptr ? running->worker() : *owner_;
  uint32_t flags = w.config().notify_keyspace_events;
  if (flags & kNotifyKeyMiss) Notify(w, flags, kNotifyKeyMiss, "keymiss", key, db.index());
}

}  // namespace cinnabar::engine

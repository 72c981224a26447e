#include "engine/client_info.h"

#include <algorithm>

#include "engine/acl.h"
#include "engine/client.h"
#include "engine/pubsub.h"
#include "engine/registry.h"
#include "engine/transaction.h"

namespace cinnabar::engine {

size_t ClientMemory(Client& c) {
  size_t bytes = sizeof(Client);
  if (engine::Transport* t = c.transport()) {
    // Output handed to the connection but not yet sent lives in its own buffers.
    const size_t in_flight = t->pending_output() - std::min(t->pending_output(), t->output().size());
    bytes += t->input().capacity() + t->output().capacity() + in_flight;
  }
  return bytes;
}

// One CLIENT LIST line, fields as Redis 7 prints them (plus 7.2's lib-name/lib-ver).
std::string DescribeClient(Client& c, int64_t now_ms) {
  size_t qbuf = 0, qbuf_cap = 0, obuf = 0, obuf_cap = 0;
  if (engine::Transport* t = c.transport()) {
    qbuf = t->input().size();
    qbuf_cap = t->input().capacity();
    obuf = t->pending_output();
    obuf_cap = t->output().capacity();
  }
  std::string line;
  line.reserve(320);
  line += "id=" + std::to_string(c.id());
  line += " addr=" + c.peer().addr;
  line += " laddr=" + c.peer().laddr;
  line += " fd=" + std::to_string(c.peer().fd);
  line += " name=" + c.name;
  line += " age=" + std::to_string((now_ms - c.created_ms) / 1000);
  line += " idle=" + std::to_string((now_ms - c.last_interaction_ms) / 1000);
  // "b" marks a client parked by a blocking command; one merely waiting for a hop or for
  // this very listing is a normal client, "N".
  line += " flags=";
  size_t flags_at = line.size();
  if (c.monitor) line += 'O';
  if (c.subscribed()) line += 'P';
  if (c.in_multi()) line += 'x';
  if (c.blocked() || c.held_by_pause) line += 'b';
  const uint32_t tracking = c.tracking.get();
  if (tracking & kTrackingOn) line += 't';
  if (tracking & kTrackingBrokenRedir) line += 'R';
  if (tracking & kTrackingBcast) line += 'B';
  if (c.no_evict) line += 'e';
  if (line.size() == flags_at) line += 'N';
  line += " db=" + std::to_string(c.db);
  size_t sub = c.subs ? c.subs->of(ChannelKind::kChannel).size() : 0;
  size_t psub = c.subs ? c.subs->of(ChannelKind::kPattern).size() : 0;
  size_t ssub = c.subs ? c.subs->of(ChannelKind::kShard).size() : 0;
  line += " sub=" + std::to_string(sub);
  line += " psub=" + std::to_string(psub);
  line += " ssub=" + std::to_string(ssub);
  line += " multi=";
  line += c.in_multi() ? std::to_string(engine::QueuedCount(c)) : "-1";
  line += " qbuf=" + std::to_string(qbuf);
  line += " qbuf-free=" + std::to_string(qbuf_cap - qbuf);
  line += " argv-mem=0 multi-mem=0";
  line += " rbs=" + std::to_string(obuf_cap);
  line += " rbp=" + std::to_string(obuf_cap);
  line += " obl=" + std::to_string(obuf);
  line += " oll=0";
  line += " omem=" + std::to_string(obuf);
  line += " tot-mem=" + std::to_string(ClientMemory(c));
  line += " events=r";
  if (obuf > 0) line += "w";
  line += " cmd=";
  line += c.last_command != nullptr ? c.last_command->name : "NULL";
  // As last looked up: a script's ACL LOG entry describes its client from another thread.
  const AclUser* user = c.user_as_known();
  line += " user=";
  line += user != nullptr ? user->name() : "default";
  line += " redir=";
  line += (tracking & kTrackingOn)
              ? std::to_string(c.tracking.redirect.load(std::memory_order_relaxed))
              : "-1";
  line += " resp=" + std::to_string(c.resp);
  line += " lib-name=" + c.lib_name;
  line += " lib-ver=" + c.lib_ver;
  return line;
}

}  // namespace cinnabar::engine

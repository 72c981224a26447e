#include "engine/client_pause.h"

#include <algorithm>

#include "base/clock.h"
#include "engine/batch.h"
#include "engine/client.h"
#include "engine/command_spec.h"
#include "engine/engine.h"
#include "engine/registry.h"
#include "engine/worker.h"

namespace cinnabar::engine {

void ClientPause::Pause(PauseKind kind, int64_t end_ms) {
  std::lock_guard lock(mu_);
  // A pause that has run out is replaced, not extended.
  if (KindAt(base::UnixTimeMs()) == PauseKind::kNone) {
    kind_.store(0, std::memory_order_relaxed);
    end_ms_.store(0, std::memory_order_relaxed);
  }
  end_ms_.store(std::max(end_ms_.load(std::memory_order_relaxed), end_ms),
                std::memory_order_relaxed);
  kind_.store(std::max(kind_.load(std::memory_order_relaxed), static_cast<uint8_t>(kind)),
              std::memory_order_release);
}

void ClientPause::Unpause() {
  std::lock_guard lock(mu_);
  kind_.store(0, std::memory_order_release);
  end_ms_.store(0, std::memory_order_relaxed);
}

PauseKind ClientPause::KindAt(int64_t now_ms) const {
  const uint8_t kind = kind_.load(std::memory_order_acquire);
  if (kind == 0 || now_ms >= end_ms_.load(std::memory_order_relaxed)) return PauseKind::kNone;
  return static_cast<PauseKind>(kind);
}

namespace {

// Redis compat (processCommand's is_may_replicate_command): what a WRITE pause holds.
bool MayReplicate(const Client& c, const CommandEntry& cmd) {
  const uint32_t flags = cmd.spec->flags;
  if (flags & (kWrite | kMayReplicate)) return true;
  return (flags & kEndsMulti) && c.multi != nullptr &&
         (c.multi->command_flags() & (kWrite | kMayReplicate));
}

}  // namespace

bool HoldIfPaused(Client& c, const CommandEntry& cmd) {
  Worker& w = c.worker();
  Engine& eng = w.engine();
  const PauseKind kind = eng.pause().KindAt(base::UnixTimeMs());
  if (kind == PauseKind::kNone) return false;
  if (kind == PauseKind::kWrite && !MayReplicate(c, cmd)) return false;
  c.held_by_pause = true;
  c.BeginAwait();
  w.held_clients().push_back(&c);
  eng.blocked_clients.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void ReleaseHeldClients(Worker& w) {
  if (w.held_clients().empty()) return;
  if (w.engine().pause().KindAt(base::UnixTimeMs()) != PauseKind::kNone) return;
  std::vector<Client*> held = std::move(w.held_clients());
  w.held_clients().clear();
  w.engine().blocked_clients.fetch_sub(static_cast<int64_t>(held.size()),
                                       std::memory_order_relaxed);
  // EndAwait runs each one's input after this turn, in this order.
  for (Client* c : held) {
    c->held_by_pause = false;
    c->EndAwait();
  }
}

void UnpauseAll(Engine& eng) {
  eng.pause().Unpause();
  for (unsigned t = 0; t < eng.shard_count(); ++t) {
    eng.Post(t, [&eng, t] { ReleaseHeldClients(eng.worker(t)); });
  }
}

}  // namespace cinnabar::engine

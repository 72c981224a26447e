#include "engine/engine.h"

#include <random>

#include "base/clock.h"
#include "engine/worker.h"

namespace cinnabar::engine {
namespace {

// 40 random hex digits (a run id, a replication id).
std::string RandomHexId() {
  std::random_device rd;
  std::mt19937_64 gen((static_cast<uint64_t>(rd()) << 32) ^ rd());
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id;
  for (int i = 0; i < 40; ++i) id += kHex[gen() % 16];
  return id;
}

}  // namespace

Engine::Engine(ConfigStore* config, const Registry* registry, unsigned threads)
    : config_(config), registry_(registry), pubsub_(threads), monitors_(threads), acl_(*registry), start_ms_(base::UnixTimeMs()) {
  auto cfg = config->snapshot();
  for (unsigned i = 0; i < threads; ++i) {
    workers_.push_back(std::make_unique<Worker>(this, i, cfg->databases, registry->size()));
    workers_.back()->SetConfig(cfg);
  }
  // appendfsync always: each fsync releases the replies that waited for it, on every
  // thread that has some.
  journal_.SetDurableListener([this](uint64_t) {
    for (auto& w : workers_) {
      if (!w->has_sync_waiters()) continue;
      Worker* worker = w.get();
      Post(worker->index(), [worker] { worker->ReleaseSyncWaiters(); });
    }
  });
  run_id_ = RandomHexId();
  replid_ = RandomHexId();
}

std::string Engine::replid() const {
  std::lock_guard lock(replid_mu_);
  return replid_;
}

void Engine::ChangeReplId() {
  std::string fresh = RandomHexId();
  std::lock_guard lock(replid_mu_);
  replid_ = std::move(fresh);
}

Engine::~Engine() = default;

Shard& Engine::shard(unsigned i) { return workers_[i]->shard(); }

}  // namespace cinnabar::engine

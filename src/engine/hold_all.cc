#include "engine/hold_all.h"

#include <memory>
#include <numeric>
#include <vector>

#include "engine/engine.h"
#include "engine/shard.h"

namespace cinnabar::engine {
namespace {

struct Holder : LockOwner, std::enable_shared_from_this<Holder> {
  Holder(Engine& e, unsigned h, std::function<void(ReleaseShards)> g)
      : eng(e), home(h), granted(std::move(g)) {}
  Engine& eng;
  unsigned home;
  std::function<void(ReleaseShards)> granted;
  std::vector<unsigned> shards;
  unsigned pending = 0;  // touched on `home` only

  void Granted() {
    if (--pending != 0) return;
    std::shared_ptr<Holder> self = shared_from_this();
    granted([self] {
      for (unsigned s : self->shards) {
        self->eng.Post(s, [self, s] { self->eng.shard(s).Unlock(self.get()); });
      }
    });
  }
};

}  // namespace

void HoldAllShards(Engine& eng, unsigned home, std::function<void(ReleaseShards)> granted) {
  auto h = std::make_shared<Holder>(eng, home, std::move(granted));
  h->shards.resize(eng.shard_count());
  std::iota(h->shards.begin(), h->shards.end(), 0u);
  h->pending = eng.shard_count();
  eng.PostAll(h->shards, [&h](unsigned s) {
    return base::Task([h, s] {
      h->eng.shard(s).Lock(h.get(), [h, s] {
        if (s == h->home) {
          h->Granted();
        } else {
          h->eng.Post(h->home, [h] { h->Granted(); });
        }
      });
    });
  });
}

}  // namespace cinnabar::engine

#include "engine/blocking.h"

#include <algorithm>

#include "base/clock.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/database.h"
#include "engine/engine.h"
#include "engine/journal.h"
#include "engine/shard.h"
#include "engine/slowlog.h"
#include "engine/worker.h"

namespace cinnabar::engine {

void WakeWaiters::OnKeyEvent(KeyEvent event, Database& db, std::string_view key) {
  if (event != KeyEvent::kAdded || db.waiters() == nullptr) return;
  if (db.waiters()->Find(key) != nullptr) db.shard().MarkReady(db.index(), key);
}

void WakeWaiters::OnSwap(Database& a, Database& b) {
  // Redis compat: clients blocked on keys the swap brought in are served.
  a.SignalWaitedKeys();
  b.SignalWaitedKeys();
}


Waiter::Waiter(Client* c, unsigned home_thread, const CommandEntry& command,
               std::span<const std::string_view> in, int db_index, int resp_version,
               const BlockingOps* blocking_ops)
    : client(c), home(home_thread), cmd(command), db(db_index), resp(resp_version),
      ops(blocking_ops) {
  storage.reserve(in.size());
  args.reserve(in.size());
  for (std::string_view a : in) storage.emplace_back(a);
  for (const std::string& s : storage) args.emplace_back(s);
}

// --- WaiterMap ---

void WaiterMap::Add(std::string_view key, std::shared_ptr<Waiter> w) {
  lists_[std::string(key)].push_back(std::move(w));
}

void WaiterMap::Remove(std::string_view key, const Waiter* w) {
  auto it = lists_.find(std::string(key));
  if (it == lists_.end()) return;
  auto& list = it->second;
  list.erase(std::remove_if(list.begin(), list.end(),
                            [w](const std::shared_ptr<Waiter>& p) { return p.get() == w; }),
             list.end());
  if (list.empty()) lists_.erase(it);
}

std::deque<std::shared_ptr<Waiter>>* WaiterMap::Find(std::string_view key) {
  auto it = lists_.find(std::string(key));
  return it == lists_.end() ? nullptr : &it->second;
}

void WaiterMap::EraseIfEmpty(std::string_view key) {
  auto it = lists_.find(std::string(key));
  if (it != lists_.end() && it->second.empty()) lists_.erase(it);
}

// --- Parking ---

void BlockOnKeys(CommandContext& ctx, std::span<const std::string_view> keys,
                 int64_t timeout_ms, const BlockingOps* ops) {
  if (!ctx.may_block()) {
    // Redis compat: inside EXEC or a script a blocking command times out at once.
    return ops->denied_null_bulk ? ctx.reply().Null() : ctx.reply().NullArray();
  }
  auto w = std::make_shared<Waiter>(ctx.origin(), ctx.home(), ctx.command(), ctx.args(),
                                    ctx.db_index(), ctx.resp(), ops);
  if (timeout_ms > 0) w->deadline_us = base::MonotonicUs() + timeout_ms * 1000;
  for (std::string_view key : keys) {
    bool seen = std::any_of(w->keys.begin(), w->keys.end(),
                            [key](const Waiter::Key& k) { return k.name == key; });
    if (seen) continue;  // BLPOP a a: one place in the queue
    Database& db = ctx.db_for(key);
    db.AddWaiter(key, w);
    w->keys.push_back({db.shard().index(), std::string(key)});
  }
  ctx.set_waiter(std::move(w));
}

namespace {

// Takes `w` off the waiter lists of every key it was queued on (on each key's shard, when
// the shard is free) and forgets it on the client. On the client's thread.
void LeaveBlocked(Client& c, const std::shared_ptr<Waiter>& w) {
  Engine& eng = c.worker().engine();
  if (c.blocked_waiter == w) {
    c.blocked_waiter.reset();
    eng.blocked_clients.fetch_sub(1, std::memory_order_relaxed);
  }
  // Claimed, so no shard can serve it any more: batches need not avoid it.
  for (unsigned s : w->spanning) eng.shard(s).SpanningWaiterGone();
  w->spanning.clear();
  std::vector<unsigned> shards;
  for (const Waiter::Key& k : w->keys) shards.push_back(k.shard);
  std::sort(shards.begin(), shards.end());
  shards.erase(std::unique(shards.begin(), shards.end()), shards.end());
  for (unsigned s : shards) {
    eng.Post(s, [&eng, w, s] {
      Shard& shard = eng.shard(s);
      shard.RunWhenFree([&shard, w, s] {
        for (const Waiter::Key& k : w->keys) {
          if (k.shard == s) shard.db(w->db).RemoveWaiter(k.name, w.get());
        }
      });
    });
  }
}

void ReplyTimeout(Client& c, const Waiter& w) {
  protocol::ReplyBuilder rb = c.Reply();
  if (w.ops->timeout_null_array) {
    rb.NullArray();
  } else {
    rb.Null();
  }
}

void OnTimeout(const std::shared_ptr<Waiter>& w) {
  if (!w->Claim()) return;
  Client& c = *w->client;
  if (c.alive()) ReplyTimeout(c, *w);
  LeaveBlocked(c, w);
  c.EndAwait();
}

void OnServed(const std::shared_ptr<Waiter>& w, const base::IoBuf& reply) {
  Client& c = *w->client;
  if (c.alive()) c.Reply().Raw(reply.view());
  c.MarkWrote();  // what served it was journaled on another thread
  LeaveBlocked(c, w);
  c.EndAwait();
}

// Runs `fn` on shard `s`'s thread once the shard is free, counted as an incoming share so
// that no command of that thread overtakes it inline (Shard::InlineOk).
template <typename Fn>
void PostToShard(Engine& eng, unsigned s, Fn fn) {
  eng.shard(s).ShareComing();
  eng.Post(s, [&eng, s, fn = std::move(fn)]() mutable {
    eng.shard(s).RunWhenFree([&eng, s, fn = std::move(fn)]() mutable {
      Shard& shard = eng.shard(s);
      shard.set_now_ms(base::UnixTimeMs());
      fn(shard, eng.worker(s));
      shard.ShareDone();
    });
  });
}

// A waiter served from `key` on `from` takes an element for a key on a shard the server
// does not hold (BLMOVE across shards): the element goes there as a task, which delivers it
// and answers the waiter; a destination of the wrong type sends it back and answers
// WRONGTYPE. Anyone who sees the source without the element and then looks at the
// destination reaches it behind the delivery (through the queue, or inline once the count
// of incoming shares lets it), so the element is never seen in neither place.
void MoveAcross(Engine& eng, unsigned from, const std::shared_ptr<Waiter>& w,
                std::string_view key, std::string element) {
  unsigned to = eng.ShardOf(w->args[w->ops->destination_arg]);
  PostToShard(eng, to, [&eng, w, from, key = std::string(key), element = std::move(element)](
                           Shard& shard, Worker& worker) mutable {
    auto reply = std::make_shared<base::IoBuf>();
    protocol::ReplyBuilder rb(reply.get(), w->resp, &worker);
    CommandContext ctx(w->cmd, w->args, &rb, &worker, nullptr, &shard, w->db,
                       ExecMode::kRemote, shard.now_ms());
    base::OpStatus st;
    {
      JournalFrame journal(eng.journal(), ctx);
      st = w->ops->put(ctx, element);
    }
    if (st == base::OpStatus::kOk) {
      if (shard.has_ready_keys()) ServeReadyKeys(shard, worker);
    } else {
      ctx.ReplyError(st);
      PostToShard(eng, from, [w, key = std::move(key), element = std::move(element)](
                                 Shard& src, Worker& src_worker) {
        base::IoBuf unused;  // give_back writes no reply
        protocol::ReplyBuilder rb_back(&unused, w->resp);
        CommandContext back(w->cmd, w->args, &rb_back, &src_worker, nullptr, &src, w->db,
                            ExecMode::kRemote, src.now_ms());
        {
          JournalFrame journal(src_worker.engine().journal(), back);
          w->ops->give_back(back, key, element);
        }
        if (src.has_ready_keys()) ServeReadyKeys(src, src_worker);
      });
    }
    eng.Post(w->home, [w, reply] { OnServed(w, *reply); });
  });
}

// Serves `key`'s waiters, oldest first, while the key has something for them.
void ServeKey(Shard& shard, Worker& worker, std::span<const unsigned> held, int db_index,
              std::string_view key) {
  Database& db = shard.db(db_index);
  Engine& eng = worker.engine();
  while (true) {
    WaiterMap* map = db.waiters();
    auto* list = map ? map->Find(key) : nullptr;
    if (list == nullptr) return;
    if (list->empty()) break;
    std::shared_ptr<Waiter> w = list->front();
    if (!w->waiting()) {
      list->pop_front();
      continue;
    }
    auto reply = std::make_shared<base::IoBuf>();
    protocol::ReplyBuilder rb(reply.get(), w->resp, &worker);
    CommandContext ctx(w->cmd, w->args, &rb, &worker, nullptr, &shard, w->db,
                       held.empty() ? ExecMode::kRemote : ExecMode::kLocked, shard.now_ms());
    ctx.set_held(held);
    Readiness readiness = w->ops->check(ctx, key);
    if (readiness == Readiness::kNotReady) break;
    if (!w->Claim()) {
      list->pop_front();
      continue;
    }
    list->pop_front();
    if (readiness == Readiness::kReady) {
      const int64_t start = base::MonotonicUs();
      {
        JournalFrame journal(eng.journal(), ctx);
        w->ops->serve(ctx, key);
      }
      // Redis compat: SLOWLOG logs a blocking command once served, for the time serving took.
      // The client stays blocked (its name unchanged) until this reply reaches it.
      ctx.set_origin(w->client, w->home);
      const int64_t elapsed = base::MonotonicUs() - start;
      if (worker.config().latency_tracking) {
        worker.stats().commands[ctx.command().id].RecordLatency(elapsed);
      }
      NoteSlowCommand(worker, ctx, elapsed);
      shard.latency().Note("command-unblocking", elapsed / 1000);
      eng.Post(w->home, [w, reply] { OnServed(w, *reply); });
    } else {
      std::string taken;
      {
        JournalFrame journal(eng.journal(), ctx);
        taken = w->ops->take(ctx, key);
      }
      MoveAcross(eng, shard.index(), w, key, std::move(taken));
    }
  }
  db.waiters()->EraseIfEmpty(key);
  db.DropWaitersIfEmpty();
}

}  // namespace

void EnterBlocked(Client& c, std::shared_ptr<Waiter> w) {
  Engine& eng = c.worker().engine();
  eng.blocked_clients.fetch_add(1, std::memory_order_relaxed);
  c.blocked_waiter = w;
  if (!c.alive()) {
    DropBlocked(c);  // it went away while its command ran elsewhere
    return;
  }
  if (w->deadline_us > 0) {
    eng.RunAt(c.worker().index(), w->deadline_us, [w] { OnTimeout(w); });
  }
}

void ServeReadyKeys(Shard& shard, Worker& worker, std::span<const unsigned> held) {
  while (shard.has_ready_keys()) {
    std::vector<Shard::ReadyKey> ready = shard.TakeReadyKeys();
    for (const Shard::ReadyKey& r : ready) ServeKey(shard, worker, held, r.db, r.key);
  }
}

bool UnblockClient(Client& c, std::string_view error) {
  std::shared_ptr<Waiter> w = c.blocked_waiter;
  if (!w || !w->Claim()) return false;
  if (c.alive()) {
    if (error.empty()) {
      ReplyTimeout(c, *w);
    } else {
      c.Reply().Error(error);
    }
  }
  LeaveBlocked(c, w);
  c.EndAwait();
  return true;
}

void DropBlocked(Client& c) {
  std::shared_ptr<Waiter> w = c.blocked_waiter;
  if (!w || !w->Claim()) return;
  LeaveBlocked(c, w);
  c.EndAwait();
}

}  // namespace cinnabar::engine

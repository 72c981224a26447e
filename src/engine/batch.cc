#include "engine/batch.h"

#include <algorithm>
#include <iterator>

#include "base/clock.h"
#include "engine/blocking.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/invoke.h"
#include "engine/journal.h"
#include "engine/monitor.h"
#include "engine/tracking.h"
#include "engine/worker.h"

namespace cinnabar::engine {

Batch::Batch(Client& c)
    : client_(&c), engine_(c.worker().engine()), home_(c.worker().index()), db_(c.db),
      resp_(c.resp),
      reply_cap_(static_cast<size_t>(c.worker().config().output_limit(c.output_class()).hard)),
      notifies_(c.worker().config().notify_keyspace_events != 0 || c.tracking.on()) {}

bool Batch::PastReplyCap(const base::IoBuf& replies) {
  if (reply_cap_ == 0 || replies.size() < reply_cap_) return false;
  cut_.store(true, std::memory_order_relaxed);
  return true;
}

void Batch::Add(const CommandEntry& cmd, std::span<const std::string_view> args,
                std::span<const unsigned> shards, bool all_shards) {
  const bool single = !all_shards && shards.size() == 1;
  command_flags_ |= cmd.spec->flags;
  items_.push_back({&cmd, static_cast<uint32_t>(args_.size()),
                    static_cast<uint32_t>(args.size()), single ? shards[0] : 0});
  for (std::string_view a : args) {
    args_.emplace_back(nullptr, a.size());
    arena_.append(a);
  }
  single_shard_commands_ = single_shard_commands_ && single;
  blocks_ = blocks_ || (cmd.spec->flags & kBlocking);
  writes_ = writes_ || MayWrite(cmd.spec->flags);
  if (all_shards) {
    shards_.resize(engine_.shard_count());
    for (unsigned i = 0; i < shards_.size(); ++i) shards_[i] = i;
    return;
  }
  AddShards(shards);
}

void Batch::AddShards(std::span<const unsigned> shards) {
  if (std::includes(shards_.begin(), shards_.end(), shards.begin(), shards.end())) return;
  std::vector<unsigned> merged;
  merged.reserve(shards_.size() + shards.size());
  std::set_union(shards_.begin(), shards_.end(), shards.begin(), shards.end(),
                 std::back_inserter(merged));
  shards_.swap(merged);
}

void Batch::Seal() {
  size_t offset = 0;
  for (std::string_view& a : args_) {
    a = std::string_view(arena_.data() + offset, a.size());
    offset += a.size();
  }
}

void Batch::Start(std::shared_ptr<Batch> b) {
  b->Seal();
  b->client_->BeginAwait();
  if (b->shards_.size() == 1 && !b->transaction_) {
    RunRemote(b, b->shards_[0]);
  } else {
    PostToShards(b);
  }
}

namespace {

// Back on the home thread with the batch's replies placed: the client reads on, or waits
// on when the last command blocked. Replies of writes wait for the journal like local ones.
void Done(Client& c, bool writes, std::shared_ptr<Waiter> waiter) {
  if (writes) c.MarkWrote();
  if (waiter) {
    EnterBlocked(c, std::move(waiter));
  } else {
    c.EndAwait();
  }
}

}  // namespace

// --- Remote ---

void Batch::RunRemote(const std::shared_ptr<Batch>& b, unsigned target) {
  // Through the queue even for the client's own shard (held by a transaction now): a share
  // posted before must run first.
  b->engine_.Post(target, [b, target] {
    Worker& w = b->engine_.worker(target);
    w.shard().RunWhenFree([b, &w] {
      std::shared_ptr<Waiter> waiter;
      for (const Item& it : b->items_) {
        waiter = ExecuteRemote(w, *it.cmd, b->ArgsOf(it), &b->reply_, b->resp_, b->db_,
                               b->client_, b->home_);
        if (b->PastReplyCap(b->reply_)) break;
      }
      b->engine_.Post(b->home_, [b, waiter = std::move(waiter)]() mutable {
        Client& c = *b->client_;
        if (c.alive()) c.Reply().Raw(b->reply_.view());
        if (b->cut_.load(std::memory_order_relaxed)) c.CloseOverOutputLimit();
        Done(c, b->writes_, std::move(waiter));
      });
    });
  });
}

// --- Spread or locked ---

void Batch::PrepareShares() {
  shares_.resize(shards_.size());
  for (size_t i = 0; i < shards_.size(); ++i) shares_[i].shard = shards_[i];
  for (uint32_t i = 0; i < items_.size(); ++i) {
    auto share = std::lower_bound(shards_.begin(), shards_.end(), items_[i].shard);
    shares_[static_cast<size_t>(share - shards_.begin())].items.push_back(i);
  }
}

void Batch::PostToShards(const std::shared_ptr<Batch>& b) {
  Engine& eng = b->engine_;
  if (b->single_shard_commands_ && !b->transaction_) b->PrepareShares();
  b->pending_ = static_cast<unsigned>(b->shards_.size());
  eng.PostAll(
      b->shards_, [&b](unsigned s) { return base::Task([b, s] { Arrive(b, s); }); },
      [&eng, &b] {
        // Inside the step: every count read here was made by a step before this one.
        bool spanning = std::any_of(b->shards_.begin(), b->shards_.end(), [&eng](unsigned s) {
          return eng.shard(s).has_spanning_waiters();
        });
        b->locked_ = b->transaction_ || !b->single_shard_commands_ || spanning || b->notifies_;
        for (unsigned s : b->shards_) {
          if (!b->locked_) {
            eng.shard(s).ShareComing();
          } else if (b->blocks_) {
            eng.shard(s).SpanningWaiterComing();
          }
        }
        b->spanning_counted_ = b->locked_ && b->blocks_;
      });
}

void Batch::Arrive(const std::shared_ptr<Batch>& b, unsigned s) {
  Shard& shard = b->engine_.shard(s);
  if (!b->locked_) {
    auto share = std::lower_bound(b->shards_.begin(), b->shards_.end(), s);
    Share* mine = &b->shares_[static_cast<size_t>(share - b->shards_.begin())];
    shard.RunWhenFree([b, mine] { RunShare(b, *mine); });
    return;
  }
  // Every shard sees the lock requests of all batches in one order: no two batches ever
  // wait on each other.
  shard.Lock(b.get(), [b, s] {
    auto granted = [b] {
      if (--b->pending_ == 0) RunHeld(b);
    };
    if (s == b->home_) {
      granted();
    } else {
      b->engine_.Post(b->home_, std::move(granted));
    }
  });
}

// On the share's shard thread, once the shard is free.
void Batch::RunShare(const std::shared_ptr<Batch>& b, Share& share) {
  Worker& w = b->engine_.worker(share.shard);
  bool stopped = false;
  for (uint32_t i : share.items) {
    Item& it = b->items_[i];
    it.reply_begin = share.reply.size();
    it.reply_end = it.reply_begin;
    if (stopped) continue;
    // Waiters on a key a command filled are served before the next one (Redis's order).
    ExecuteRemote(w, *it.cmd, b->ArgsOf(it), &share.reply, b->resp_, b->db_, b->client_,
                  b->home_);
    it.reply_end = share.reply.size();
    stopped = !b->writes_ && b->PastReplyCap(share.reply);
  }
  w.shard().ShareDone();
  b->engine_.Post(b->home_, [b] {
    if (--b->pending_ == 0) FinishSpread(b);
  });
}

void Batch::FinishSpread(const std::shared_ptr<Batch>& b) {
  Client& c = *b->client_;
  if (c.alive()) {
    protocol::ReplyBuilder rb = c.Reply();
    for (const Item& it : b->items_) {
      auto shard = std::lower_bound(b->shards_.begin(), b->shards_.end(), it.shard);
      const Share& share = b->shares_[static_cast<size_t>(shard - b->shards_.begin())];
      rb.Raw(share.reply.view().substr(it.reply_begin, it.reply_end - it.reply_begin));
    }
  }
  if (b->cut_.load(std::memory_order_relaxed)) c.CloseOverOutputLimit();
  Done(c, b->writes_, nullptr);
}

// On the home thread, holding every shard of the batch.
void Batch::RunHeld(const std::shared_ptr<Batch>& b) {
  Client& c = *b->client_;
  Worker& w = c.worker();
  Engine& eng = b->engine_;
  std::shared_ptr<Waiter> waiter;
  if (b->transaction_) {
    {
      protocol::ReplyBuilder rb = c.Reply();
      b->RunTransaction(c, rb, ExecMode::kLocked);
      FlushTrackingPending(w, &c, b->home_, rb);
    }
    if (c.last_command != nullptr) FeedExec(w, c, *c.last_command, b->exec_name_);
    for (unsigned s : b->shards_) {
      eng.Post(s, [b, s] { b->engine_.shard(s).Unlock(b.get()); });
    }
    Done(c, b->writes_, nullptr);
    return;
  }
  {
    protocol::ReplyBuilder rb = c.Reply();
    for (const Item& it : b->items_) {
      std::span<const std::string_view> args = b->ArgsOf(it);
      Shard* own = &LockedOwnShard(eng, *it.cmd, args, w.shard());
      int64_t now = base::UnixTimeMs();
      for (unsigned s : b->shards_) eng.shard(s).set_now_ms(now);
      Caller caller{.db = b->db_, .resp = b->resp_, .client = &c, .origin = &c, .home = b->home_};
      waiter = Invoke(w, caller, *it.cmd, args, rb,
                      {.mode = ExecMode::kLocked, .shard = own, .held = b->shards_}, now);
      if (!c.EnforceOutputLimit()) break;  // closing: the rest does not run
      // Redis compat: waiters on a key a command filled are served before the next command.
      for (unsigned s : b->shards_) {
        Shard& shard = eng.shard(s);
        if (shard.has_ready_keys()) ServeReadyKeys(shard, w, b->shards_);
      }
    }
  }
  if (b->spanning_counted_) {
    // A command that blocked hands its count to its waiter; one that did not drops it.
    if (waiter) {
      waiter->spanning = b->shards_;
    } else {
      for (unsigned s : b->shards_) eng.shard(s).SpanningWaiterGone();
    }
  }
  for (unsigned s : b->shards_) {
    eng.Post(s, [b, s] { b->engine_.shard(s).Unlock(b.get()); });
  }
  Done(c, b->writes_, std::move(waiter));
}

}  // namespace cinnabar::engine

namespace cinnabar::engine {

// --- Transactions ---

void Batch::MakeTransaction(std::shared_ptr<WatchSet> watch) {
  transaction_ = true;
  if (watch != nullptr) {
    std::vector<unsigned> watched;
    for (const WatchSet::Key& k : watch->keys) watched.push_back(k.shard);
    std::sort(watched.begin(), watched.end());
    watched.erase(std::unique(watched.begin(), watched.end()), watched.end());
    AddShards(watched);
  }
  watch_ = std::move(watch);
  Seal();
}

void Batch::RunTransaction(Client& c, protocol::ReplyBuilder& rb, ExecMode mode) {
  Worker& w = c.worker();
  const bool failed = watch_ != nullptr && WatchFailed(engine_, *watch_);
  ReleaseWatches(engine_, std::move(watch_));
  if (failed) return rb.NullArray();
  // Redis compat: the whole transaction sees one command time.
  int64_t now = base::UnixTimeMs();
  w.shard().set_now_ms(now);
  for (unsigned s : shards_) engine_.shard(s).set_now_ms(now);
  rb.ArrayHeader(items_.size());
  JournalScope journal(engine_.journal());  // one MULTI/EXEC for all its writes
  Caller caller{.db = c.db, .resp = c.resp, .flags = kCallInMulti, .client = &c, .origin = &c,
                .home = home_};
  for (const Item& it : items_) {
    std::span<const std::string_view> args = ArgsOf(it);
    Shard* own = mode == ExecMode::kLocked ? &LockedOwnShard(engine_, *it.cmd, args, w.shard())
                                           : &w.shard();
    Invoke(w, caller, *it.cmd, args, rb, {.mode = mode, .shard = own, .held = shards_}, now);
  }
  // Redis compat: waiters on keys the transaction filled are served after all of it.
  if (mode == ExecMode::kLocal) {
    if (w.shard().has_ready_keys()) ServeReadyKeys(w.shard(), w);
    return;
  }
  for (unsigned s : shards_) {
    Shard& shard = engine_.shard(s);
    if (shard.has_ready_keys()) ServeReadyKeys(shard, w, shards_);
  }
}

}  // namespace cinnabar::engine

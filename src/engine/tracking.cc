#include "engine/tracking.h"

#include <algorithm>
#include <utility>

#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/registry.h"
#include "engine/shard.h"
#include "engine/worker.h"

namespace cinnabar::engine {
namespace {

constexpr std::string_view kInvalidatePush = ">2\r\n$10\r\ninvalidate\r\n";
constexpr std::string_view kInvalidateMessage =
    "*3\r\n$7\r\nmessage\r\n$20\r\n__redis__:invalidate\r\n";

// What a tracking client is told: keys (BCAST ones with who wrote each), or that all went.
struct Invalidation {
  std::vector<std::string> keys;
  std::vector<uint64_t> writers;  // BCAST: per key, the client whose command wrote it
  bool null = false;              // a flush
  bool bcast = false;
};

Invalidation KeyInvalidation(std::string key) {
  Invalidation m;
  m.keys.push_back(std::move(key));
  return m;
}

Invalidation NullInvalidation() {
  Invalidation m;
  m.null = true;
  return m;
}

std::string KeysPayload(const std::vector<std::string>& keys) {
  std::string out = "*" + std::to_string(keys.size()) + "\r\n";
  for (const std::string& k : keys) {
    out += "$" + std::to_string(k.size()) + "\r\n";
    out += k;
    out += "\r\n";
  }
  return out;
}

// Redis compat: the null of a flush is in the tracking client's protocol, whoever gets it.
std::string_view NullPayload(int resp) { return resp >= 3 ? "_\r\n" : "$-1\r\n"; }

std::string Concat(std::string_view a, std::string_view b) {
  std::string s(a);
  s += b;
  return s;
}

// On the redirect client's thread.
void WriteToRedirect(Client& r, std::string_view payload) {
  if (r.resp >= 3) return r.PushRaw(Concat(kInvalidatePush, payload));
  if (r.subscribed()) r.PushRaw(Concat(kInvalidateMessage, payload));
  // Redis compat: a RESP2 redirect client that subscribed to nothing gets nothing.
}

// On t's thread: its redirect client is gone.
void MarkBroken(Client& t) {
  t.tracking.set(t.tracking.get() | kTrackingBrokenRedir);
  if (t.resp < 3) return;
  const uint64_t redir = t.tracking.redirect.load(std::memory_order_relaxed);
  t.PushRaw(">2\r\n$21\r\ntracking-redir-broken\r\n:" + std::to_string(redir) + "\r\n");
}

// On t's thread (worker h): sends `payload` (the keys part) to t, or where t redirects.
void SendTrackingMessage(Worker& h, Client& t, std::string payload) {
  const uint64_t redir = t.tracking.redirect.load(std::memory_order_relaxed);
  if (redir == 0) {
    // Redis compat: a RESP2 client without REDIRECT cannot be told anything.
    if (t.resp >= 3) t.PushRaw(Concat(kInvalidatePush, payload));
    return;
  }
  const unsigned rt = t.tracking.redirect_thread;
  if (rt == h.index()) {
    Client* r = h.FindClient(redir);
    return r != nullptr ? WriteToRedirect(*r, payload) : MarkBroken(t);
  }
  Engine& eng = h.engine();
  const uint64_t tid = t.id();
  const unsigned home = h.index();
  eng.Post(rt, [&eng, rt, redir, tid, home, payload = std::move(payload)] {
    if (Client* r = eng.worker(rt).FindClient(redir)) return WriteToRedirect(*r, payload);
    eng.Post(home, [&eng, home, tid] {
      TrackingThread& th = eng.tracking().thread(home);
      auto it = th.clients.find(tid);
      if (it != th.clients.end()) MarkBroken(*it->second);
    });
  });
}

// On thread `h`: tells client `id` (of this thread) about `m`, as its mode says.
void DeliverHere(Worker& h, uint64_t id, const Invalidation& m) {
  TrackingThread& th = h.engine().tracking().thread(h.index());
  auto it = th.clients.find(id);
  if (it == th.clients.end()) return;  // gone, or tracking off: stale entries are skipped
  Client& t = *it->second;
  const uint32_t f = t.tracking.get();
  if (m.null) return SendTrackingMessage(h, t, std::string(NullPayload(t.resp)));
  // Redis compat: keys read before the client switched to BCAST are not announced.
  if (m.bcast != ((f & kTrackingBcast) != 0)) return;
  if (!m.bcast || !(f & kTrackingNoloop)) return SendTrackingMessage(h, t, KeysPayload(m.keys));
  std::vector<std::string> keys;
  for (size_t i = 0; i < m.keys.size(); ++i) {
    if (m.writers[i] != id) keys.push_back(m.keys[i]);
  }
  if (!keys.empty()) SendTrackingMessage(h, t, KeysPayload(keys));
}

// From thread `from`: to reader `t`, now when it lives here, else through its queue.
void Deliver(Worker& from, Tracker t, Invalidation m) {
  if (t.thread == from.index()) return DeliverHere(from, t.id, m);
  Engine& eng = from.engine();
  eng.Post(t.thread, [&eng, t, m = std::move(m)] { DeliverHere(eng.worker(t.thread), t.id, m); });
}

// Every tracking client but `except` learns that the keyspace was flushed.
void AnnounceFlush(Worker& from, uint64_t except) {
  Engine& eng = from.engine();
  if (eng.tracking().clients.load(std::memory_order_relaxed) == 0) return;
  for (unsigned i = 0; i < eng.shard_count(); ++i) {
    auto announce = [&eng, i, except] {
      Worker& w = eng.worker(i);
      std::vector<uint64_t> ids;
      for (const auto& [id, c] : eng.tracking().thread(i).clients) {
        if (id != except) ids.push_back(id);
      }
      for (uint64_t id : ids) DeliverHere(w, id, NullInvalidation());
    };
    if (i == from.index()) {
      announce();
    } else {
      eng.Post(i, announce);
    }
  }
}

// At the end of the event that wrote them: each prefix's keys to the prefix's clients.
void FlushBroadcasts(Worker& w) {
  TrackingDirectory& dir = w.engine().tracking();
  TrackingThread& th = dir.thread(w.index());
  th.bcast_scheduled = false;
  auto pending = std::exchange(th.bcast, {});
  for (auto& [prefix, keys] : pending) {
    Invalidation m;
    m.bcast = true;
    for (auto& [key, writer] : keys) {
      m.keys.push_back(key);
      m.writers.push_back(writer);
    }
    for (Tracker t : dir.ClientsOf(prefix)) Deliver(w, t, m);
  }
}

void QueueBroadcast(Worker& w, std::string_view key, uint64_t writer) {
  TrackingDirectory& dir = w.engine().tracking();
  std::vector<std::string> matches = dir.Matching(key);
  if (matches.empty()) return;
  TrackingThread& th = dir.thread(w.index());
  for (const std::string& prefix : matches) th.bcast[prefix][std::string(key)] = writer;
  if (th.bcast_scheduled) return;
  th.bcast_scheduled = true;
  w.Defer([&w] { FlushBroadcasts(w); });
}

bool IsReadOnlyScript(const CommandEntry& cmd) {
  return cmd.name == "eval_ro" || cmd.name == "evalsha_ro" || cmd.name == "fcall_ro";
}

// tracking-table-max-keys: while every shard's table together is over it, keys of the
// shards `touched` (which the running command may use) are forgotten, each invalidated.
void LimitTable(Worker& w, std::span<const unsigned> touched) {
  const int64_t max = w.config().tracking_table_max_keys;
  if (max <= 0) return;
  Engine& eng = w.engine();
  auto total = [&eng] {
    size_t n = 0;
    for (unsigned s = 0; s < eng.shard_count(); ++s) n += eng.shard(s).tracking().keys();
    return n;
  };
  size_t n = total();
  for (unsigned s : touched) {
    Shard& shard = eng.shard(s);
    while (n > static_cast<size_t>(max) && shard.tracking().keys() > 0) {
      std::string key = shard.tracking().AnyKey(shard.Random());
      shard.tracking().Invalidate(key, /*announce=*/false);
      n = total();
    }
  }
}

}  // namespace

// --- TrackingTable ---

bool TrackingTable::Remember(std::string_view key, Tracker t) {
  auto it = map_.find(key);
  bool added = false;
  if (it == map_.end()) {
    it = map_.emplace(std::string(key), std::vector<Tracker>{}).first;
    keys_.fetch_add(1, std::memory_order_relaxed);
    added = true;
  }
  for (const Tracker& have : it->second) {
    if (have.id == t.id) return added;
  }
  it->second.push_back(t);
  items_.fetch_add(1, std::memory_order_relaxed);
  return added;
}

std::vector<Tracker> TrackingTable::Take(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return {};
  std::vector<Tracker> readers = std::move(it->second);
  map_.erase(it);
  keys_.fetch_sub(1, std::memory_order_relaxed);
  items_.fetch_sub(readers.size(), std::memory_order_relaxed);
  return readers;
}

std::string TrackingTable::AnyKey(uint64_t random) const {
  if (map_.empty()) return {};
  const size_t buckets = map_.bucket_count();
  const size_t start = static_cast<size_t>(random % buckets);
  for (size_t i = 0; i < buckets; ++i) {
    size_t b = (start + i) % buckets;
    if (map_.bucket_size(b) > 0) return map_.begin(b)->first;
  }
  return map_.begin()->first;
}

void TrackingTable::Clear() {
  map_.clear();
  keys_.store(0, std::memory_order_relaxed);
  items_.store(0, std::memory_order_relaxed);
}

void TrackingTable::Invalidate(std::string_view key, bool announce) {
  if (engine_ == nullptr) return;
  TrackingDirectory& dir = engine_->tracking();
  const bool bcast = announce && dir.has_prefixes();
  if (map_.empty() && !bcast) return;
  CommandContext* running = CommandContext::Running();
  Worker& w = running != nullptr ? running->worker() : *owner_;
  Client* self = running != nullptr ? running->origin() : nullptr;
  const uint64_t self_id = self != nullptr ? self->id() : 0;
  if (bcast) QueueBroadcast(w, key, self_id);
  std::vector<Tracker> readers = Take(key);
  for (Tracker t : readers) {
    if (t.id != self_id) {
      Deliver(w, t, KeyInvalidation(std::string(key)));
      continue;
    }
    // Redis compat: the running command's own client hears of it after the reply, unless
    // NOLOOP (which also spares it the invalidations of expiries its reads caused).
    const uint32_t f = self->tracking.get();
    if (!(f & kTrackingOn) || (f & (kTrackingBcast | kTrackingNoloop))) continue;
    dir.thread(w.index()).self_keys.push_back({t, std::string(key)});
  }
}

void TrackingTable::OnFlush(Database&) {
  // Redis compat: any flush forgets the whole table and tells every tracking client.
  Clear();
  if (engine_ == nullptr || engine_->tracking().clients.load(std::memory_order_relaxed) == 0) {
    return;
  }
  CommandContext* running = CommandContext::Running();
  if (running == nullptr) return AnnounceFlush(*owner_, 0);
  engine_->tracking().thread(running->worker().index()).flush_announce = true;
}

// --- TrackingDirectory ---

TrackingDirectory::TrackingDirectory(unsigned threads) {
  for (unsigned i = 0; i < threads; ++i) threads_.push_back(std::make_unique<TrackingThread>());
}

void TrackingDirectory::AddPrefix(std::string_view prefix, Tracker t) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = prefixes_.find(prefix);
  if (it == prefixes_.end()) {
    it = prefixes_.emplace(std::string(prefix), std::vector<Tracker>{}).first;
    prefix_count_.store(prefixes_.size(), std::memory_order_relaxed);
  }
  it->second.push_back(t);
}

void TrackingDirectory::RemovePrefix(std::string_view prefix, uint64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = prefixes_.find(prefix);
  if (it == prefixes_.end()) return;
  std::erase_if(it->second, [id](const Tracker& t) { return t.id == id; });
  if (it->second.empty()) prefixes_.erase(it);
  prefix_count_.store(prefixes_.size(), std::memory_order_relaxed);
}

std::vector<std::string> TrackingDirectory::Matching(std::string_view key) const {
  std::vector<std::string> out;
  std::lock_guard<std::mutex> lock(mu_);
  if (prefixes_.size() <= key.size() + 1) {
    for (const auto& [prefix, clients] : prefixes_) {
      if (key.substr(0, prefix.size()) == prefix) out.push_back(prefix);
    }
    return out;
  }
  for (size_t len = 0; len <= key.size(); ++len) {
    if (prefixes_.find(key.substr(0, len)) != prefixes_.end()) out.emplace_back(key.substr(0, len));
  }
  return out;
}

std::vector<Tracker> TrackingDirectory::ClientsOf(std::string_view prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = prefixes_.find(prefix);
  return it == prefixes_.end() ? std::vector<Tracker>{} : it->second;
}

// --- The dispatcher's and Invoke's part ---

void UpdateTrackingReads(Client& c) {
  uint32_t f = c.tracking.get() & ~kTrackingReads;
  const bool caching = f & kTrackingCaching;
  const bool reads = (f & kTrackingOn) && !(f & kTrackingBcast) &&
                     !((f & kTrackingOptin) && !caching) && !((f & kTrackingOptout) && caching);
  c.tracking.set(reads ? f | kTrackingReads : f);
}

void TrackingBeforeCommand(Client& c, const CommandEntry* cmd) {
  uint32_t f = c.tracking.get();
  // Redis compat: CLIENT CACHING holds for the next command, or the next transaction
  // (it stays while in MULTI), and through any CLIENT subcommand in between.
  if ((f & kTrackingCaching) && !c.in_multi() && !c.tracking.last_was_client) {
    c.tracking.set(f & ~kTrackingCaching);
  }
  c.tracking.last_was_client =
      cmd != nullptr && (cmd->name == "client" || (cmd->parent != nullptr && cmd->parent->name == "client"));
  UpdateTrackingReads(c);
}

void TrackingAfterCommand(Worker& w, const CommandEntry& cmd,
                          std::span<const std::string_view> args, Client* origin,
                          unsigned home) {
  if (origin == nullptr || !(cmd.spec->flags & kReadOnly)) return;
  if (!(origin->tracking.get() & kTrackingReads) || IsReadOnlyScript(cmd)) return;
  std::vector<int> keys;
  if (!cmd.has_keys() || !Registry::KeyIndexes(cmd, args, &keys) || keys.empty()) return;
  Engine& eng = w.engine();
  std::vector<unsigned> touched;
  for (int k : keys) {
    std::string_view key = args[static_cast<size_t>(k)];
    const unsigned s = eng.ShardOf(key);
    eng.shard(s).tracking().Remember(key, {origin->id(), home});
    if (std::find(touched.begin(), touched.end(), s) == touched.end()) touched.push_back(s);
  }
  LimitTable(w, touched);
}

void FlushTrackingPending(Worker& w, Client* origin, unsigned home, protocol::ReplyBuilder& rb) {
  TrackingThread& th = w.engine().tracking().thread(w.index());
  if (th.self_keys.empty() && !th.flush_announce) return;
  auto self_keys = std::exchange(th.self_keys, {});
  const bool flushed = std::exchange(th.flush_announce, false);
  const uint64_t oid = origin != nullptr ? origin->id() : 0;
  const bool redirected =
      origin != nullptr && origin->tracking.redirect.load(std::memory_order_relaxed) != 0;
  const bool direct = origin != nullptr && !redirected && rb.resp() >= 3;
  for (auto& [reader, key] : self_keys) {
    if (reader.id != oid || redirected) {
      Deliver(w, reader, KeyInvalidation(std::move(key)));
    } else if (direct) {
      rb.Raw(kInvalidatePush);
      rb.Raw(KeysPayload({key}));
    }
  }
  if (!flushed) return;
  AnnounceFlush(w, oid);
  if (origin == nullptr || !origin->tracking.on()) return;
  if (direct) {
    rb.Raw(kInvalidatePush);
    rb.Raw(NullPayload(3));
  } else if (redirected) {
    Deliver(w, {oid, home}, NullInvalidation());
  }
}

// --- CLIENT TRACKING ---

bool PrefixesOverlap(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  return a.substr(0, n) == b.substr(0, n);
}

void EnableTracking(Client& c, uint64_t redirect, unsigned redirect_thread, uint32_t options,
                    std::span<const std::string_view> prefixes) {
  TrackingDirectory& dir = c.worker().engine().tracking();
  uint32_t f = c.tracking.get();
  if (!(f & kTrackingOn)) {
    dir.clients.fetch_add(1, std::memory_order_relaxed);
    dir.thread(c.worker().index()).clients[c.id()] = &c;
  }
  f &= ~(kTrackingBrokenRedir | kTrackingBcast | kTrackingOptin | kTrackingOptout |
         kTrackingNoloop);
  f |= kTrackingOn;
  c.tracking.redirect.store(redirect, std::memory_order_relaxed);
  c.tracking.redirect_thread = redirect_thread;
  if (options & kTrackingBcast) {
    f |= kTrackingBcast;
    const std::string_view all[] = {""};
    for (std::string_view p : prefixes.empty() ? std::span<const std::string_view>(all) : prefixes) {
      auto& mine = c.tracking.prefixes;
      auto at = std::lower_bound(mine.begin(), mine.end(), p);
      if (at != mine.end() && *at == p) continue;
      mine.insert(at, std::string(p));
      dir.AddPrefix(p, {c.id(), c.worker().index()});
    }
  }
  f |= options & (kTrackingOptin | kTrackingOptout | kTrackingNoloop);
  c.tracking.set(f);
  UpdateTrackingReads(c);
}

void DisableTracking(Client& c) {
  TrackingDirectory& dir = c.worker().engine().tracking();
  for (const std::string& p : c.tracking.prefixes) dir.RemovePrefix(p, c.id());
  c.tracking.prefixes.clear();
  if (c.tracking.on()) {
    dir.clients.fetch_sub(1, std::memory_order_relaxed);
    dir.thread(c.worker().index()).clients.erase(c.id());
  }
  c.tracking.set(0);
  c.tracking.redirect.store(0, std::memory_order_relaxed);
}

}  // namespace cinnabar::engine

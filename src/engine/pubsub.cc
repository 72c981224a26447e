#include "engine/pubsub.h"

#include <algorithm>
#include <utility>

#include "core/glob.h"
#include "engine/client.h"
#include "engine/engine.h"
#include "engine/worker.h"

namespace cinnabar::engine {
namespace {

// Appends one RESP bulk string.
void AppendBulk(std::string& out, std::string_view s) {
  out += '$';
  out += std::to_string(s.size());
  out += "\r\n";
  out += s;
  out += "\r\n";
}

std::string_view MessageKind(ChannelKind kind) {
  return kind == ChannelKind::kShard ? "smessage" : "message";
}

}  // namespace

// --- PubSubDirectory ---

const PubSubDirectory::Stripe& PubSubDirectory::StripeOf(ChannelKind kind,
                                                         std::string_view name) const {
  // The top bits: the maps inside a stripe use the low ones.
  size_t i = (base::HashBytes(name) >> 56) % kStripes;
  return kind == ChannelKind::kShard ? shard_channels_[i] : channels_[i];
}

void PubSubDirectory::Add(ChannelKind kind, std::string_view name, unsigned thread) {
  auto bump = [&](NameMap<Counts>& map) {
    auto it = map.find(name);
    if (it == map.end()) {
      it = map.emplace(std::string(name), Counts{}).first;
      it->second.per_thread.assign(threads_, 0);
    }
    ++it->second.total;
    ++it->second.per_thread[thread];
    return it->second.total == 1;
  };
  if (kind == ChannelKind::kPattern) {
    std::unique_lock lock(patterns_mu_);
    if (bump(patterns_)) pattern_count_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  Stripe& s = StripeOf(kind, name);
  std::lock_guard lock(s.mu);
  bump(s.names);
}

void PubSubDirectory::Remove(ChannelKind kind, std::string_view name, unsigned thread) {
  auto drop = [&](NameMap<Counts>& map) {
    auto it = map.find(name);
    if (it == map.end()) return false;
    --it->second.total;
    --it->second.per_thread[thread];
    if (it->second.total > 0) return false;
    map.erase(it);
    return true;
  };
  if (kind == ChannelKind::kPattern) {
    std::unique_lock lock(patterns_mu_);
    if (drop(patterns_)) pattern_count_.fetch_sub(1, std::memory_order_relaxed);
    return;
  }
  Stripe& s = StripeOf(kind, name);
  std::lock_guard lock(s.mu);
  drop(s.names);
}

size_t PubSubDirectory::Receivers(ChannelKind kind, std::string_view channel,
                                  std::span<uint32_t> per_thread) const {
  size_t total = 0;
  auto add = [&](const Counts& c) {
    total += c.total;
    for (unsigned t = 0; t < threads_; ++t) per_thread[t] += c.per_thread[t];
  };
  {
    const Stripe& s = StripeOf(kind, channel);
    std::lock_guard lock(s.mu);
    auto it = s.names.find(channel);
    if (it != s.names.end()) add(it->second);
  }
  if (kind == ChannelKind::kChannel && pattern_count_.load(std::memory_order_relaxed) > 0) {
    std::shared_lock lock(patterns_mu_);
    for (const auto& [pattern, counts] : patterns_) {
      if (core::GlobMatch(pattern, channel)) add(counts);
    }
  }
  return total;
}

std::vector<std::string> PubSubDirectory::Names(ChannelKind kind,
                                                const std::string_view* pattern) const {
  std::vector<std::string> out;
  auto collect = [&](const NameMap<Counts>& map) {
    for (const auto& entry : map) {
      if (pattern == nullptr || core::GlobMatch(*pattern, entry.first)) out.push_back(entry.first);
    }
  };
  if (kind == ChannelKind::kPattern) {
    std::shared_lock lock(patterns_mu_);
    collect(patterns_);
    return out;
  }
  for (const Stripe& s : kind == ChannelKind::kShard ? shard_channels_ : channels_) {
    std::lock_guard lock(s.mu);
    collect(s.names);
  }
  return out;
}

size_t PubSubDirectory::Subscribers(ChannelKind kind, std::string_view name) const {
  if (kind == ChannelKind::kPattern) {
    std::shared_lock lock(patterns_mu_);
    auto it = patterns_.find(name);
    return it == patterns_.end() ? 0 : it->second.total;
  }
  const Stripe& s = StripeOf(kind, name);
  std::lock_guard lock(s.mu);
  auto it = s.names.find(name);
  return it == s.names.end() ? 0 : it->second.total;
}

size_t PubSubDirectory::NameCount(ChannelKind kind) const {
  if (kind == ChannelKind::kPattern) return pattern_count_.load(std::memory_order_relaxed);
  size_t n = 0;
  for (const Stripe& s : kind == ChannelKind::kShard ? shard_channels_ : channels_) {
    std::lock_guard lock(s.mu);
    n += s.names.size();
  }
  return n;
}

// --- PubSubHub ---

void PubSubHub::Add(ChannelKind kind, std::string_view name, Client* c) {
  auto& m = map(kind);
  auto it = m.find(name);
  if (it == m.end()) it = m.emplace(std::string(name), std::vector<Client*>{}).first;
  it->second.push_back(c);
}

void PubSubHub::Remove(ChannelKind kind, std::string_view name, Client* c) {
  auto& m = map(kind);
  auto it = m.find(name);
  if (it == m.end()) return;
  std::vector<Client*>& v = it->second;
  auto pos = std::find(v.begin(), v.end(), c);
  if (pos != v.end()) {
    *pos = v.back();
    v.pop_back();
  }
  if (v.empty()) m.erase(it);
}

size_t PubSubHub::Deliver(ChannelKind kind, std::string_view channel, std::string_view payload) {
  size_t delivered = 0;
  // Each receiver gets the same bytes; a RESP3 client's start with '>' (a push) instead
  // of '*', which is the same length.
  auto send = [&](const std::vector<Client*>& receivers) {
    for (Client* c : receivers) {
      c->PushMessage(scratch_);
      ++delivered;
    }
  };
  auto& channels = map(kind == ChannelKind::kShard ? ChannelKind::kShard : ChannelKind::kChannel);
  if (auto it = channels.find(channel); it != channels.end()) {
    scratch_.assign("*3\r\n");
    AppendBulk(scratch_, MessageKind(kind));
    AppendBulk(scratch_, channel);
    AppendBulk(scratch_, payload);
    send(it->second);
  }
  if (kind != ChannelKind::kChannel) return delivered;
  for (const auto& [pattern, receivers] : map(ChannelKind::kPattern)) {
    if (!core::GlobMatch(pattern, channel)) continue;
    scratch_.assign("*4\r\n");
    AppendBulk(scratch_, "pmessage");
    AppendBulk(scratch_, pattern);
    AppendBulk(scratch_, channel);
    AppendBulk(scratch_, payload);
    send(receivers);
  }
  if (scratch_.capacity() > 64 * 1024) std::string().swap(scratch_);
  return delivered;
}

// --- Commands' side ---

bool Subscribe(Client& c, ChannelKind kind, std::string_view name) {
  if (!c.subs) c.subs = std::make_unique<Subscriptions>();
  if (!c.subs->of(kind).emplace(name).second) return false;
  Worker& w = c.worker();
  w.pubsub().Add(kind, name, &c);
  w.engine().pubsub().Add(kind, name, w.index());
  return true;
}

bool Unsubscribe(Client& c, ChannelKind kind, std::string_view name) {
  if (!c.subs) return false;
  NameSet& set = c.subs->of(kind);
  auto it = set.find(name);
  if (it == set.end()) return false;
  Worker& w = c.worker();
  w.pubsub().Remove(kind, name, &c);
  w.engine().pubsub().Remove(kind, name, w.index());
  set.erase(it);
  return true;
}

void UnsubscribeAll(Client& c) {
  if (!c.subs) return;
  Worker& w = c.worker();
  for (size_t k = 0; k < kChannelKinds; ++k) {
    auto kind = static_cast<ChannelKind>(k);
    for (const std::string& name : c.subs->of(kind)) {
      w.pubsub().Remove(kind, name, &c);
      w.engine().pubsub().Remove(kind, name, w.index());
    }
  }
  c.subs.reset();
}

size_t Publish(Worker& w, ChannelKind kind, std::string_view channel, std::string_view payload) {
  Engine& eng = w.engine();
  if (eng.shard_count() == 1) return w.pubsub().Deliver(kind, channel, payload);
  std::vector<uint32_t> per_thread(eng.shard_count(), 0);
  size_t receivers = eng.pubsub().Receivers(kind, channel, per_thread);
  if (receivers == 0) return 0;
  std::shared_ptr<const std::pair<std::string, std::string>> message;
  for (unsigned t = 0; t < eng.shard_count(); ++t) {
    if (per_thread[t] == 0) continue;
    if (t == w.index()) {
      w.pubsub().Deliver(kind, channel, payload);
      continue;
    }
    if (!message) {
      message = std::make_shared<const std::pair<std::string, std::string>>(channel, payload);
    }
    eng.Post(t, [&eng, t, kind, message] {
      eng.worker(t).pubsub().Deliver(kind, message->first, message->second);
    });
  }
  return receivers;
}

}  // namespace cinnabar::engine

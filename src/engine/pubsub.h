// Pub/Sub: channels, patterns and shard channels.
//
// Subscriptions live with the subscriber's thread: each worker's PubSubHub lists its own
// clients by channel, pattern and shard channel, and delivers to them. The engine-wide
// PubSubDirectory counts, for every name, the subscribers each thread has: PUBLISH reads it
// for the exact receiver count and the threads to send the message to, and PUBSUB answers
// from it. A subscription is counted before its confirmation is sent, so a PUBLISH that
// follows the confirmation, on any thread, finds it.
//
// Order: a message goes to another thread as one task in that thread's queue, posted while
// the publishing command runs. One publisher's messages therefore reach every subscriber in
// publish order, and after anything the publisher did before (its earlier writes'
// keyspace notifications included).
//
// Threading: a hub is used only by its thread. The directory is shared; its maps are behind
// mutexes (channels striped by name).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "base/hash.h"

namespace cinnabar::engine {

class Client;
class Engine;
class Worker;

enum class ChannelKind : uint8_t {
  kChannel,  // SUBSCRIBE / PUBLISH
  kPattern,  // PSUBSCRIBE: a glob over channels
  kShard,    // SSUBSCRIBE / SPUBLISH: a namespace of its own
};
inline constexpr size_t kChannelKinds = 3;

template <typename V>
using NameMap = std::unordered_map<std::string, V, base::StringHash, std::equal_to<>>;
using NameSet = std::unordered_set<std::string, base::StringHash, std::equal_to<>>;

// One client's subscriptions (Client::subs, present once it subscribed).
struct Subscriptions {
  std::array<NameSet, kChannelKinds> names;
  NameSet& of(ChannelKind k) { return names[static_cast<size_t>(k)]; }
  // Redis's count in SUBSCRIBE/UNSUBSCRIBE replies: channels and patterns together; shard
  // channels count on their own.
  size_t classic() const { return names[0].size() + names[1].size(); }
  size_t shard() const { return names[2].size(); }
  bool empty() const { return classic() == 0 && shard() == 0; }
};

class PubSubDirectory {
 public:
  explicit PubSubDirectory(unsigned threads) : threads_(threads) {}

  // Thread `thread` gained / lost one subscriber of `name`.
  void Add(ChannelKind kind, std::string_view name, unsigned thread);
  void Remove(ChannelKind kind, std::string_view name, unsigned thread);

  // The receivers of a message on `channel` (kChannel: its subscribers and each matching
  // pattern's; kShard: its subscribers): their number, and per thread in `per_thread`
  // (threads() entries, added to).
  size_t Receivers(ChannelKind kind, std::string_view channel,
                   std::span<uint32_t> per_thread) const;

  // PUBSUB: names with subscribers (matching `pattern` unless null), subscribers of one
  // name, and how many names have any.
  std::vector<std::string> Names(ChannelKind kind, const std::string_view* pattern) const;
  size_t Subscribers(ChannelKind kind, std::string_view name) const;
  size_t NameCount(ChannelKind kind) const;

  unsigned threads() const { return threads_; }

 private:
  struct Counts {
    uint32_t total = 0;
    std::vector<uint32_t> per_thread;
  };
  struct Stripe {
    mutable std::mutex mu;
    NameMap<Counts> names;
  };
  static constexpr size_t kStripes = 16;
  const Stripe& StripeOf(ChannelKind kind, std::string_view name) const;
  Stripe& StripeOf(ChannelKind kind, std::string_view name) {
    return const_cast<Stripe&>(std::as_const(*this).StripeOf(kind, name));
  }

  unsigned threads_;
  std::array<Stripe, kStripes> channels_;
  std::array<Stripe, kStripes> shard_channels_;
  // Patterns: every PUBLISH matches all of them, so one map, read-locked by publishers.
  mutable std::shared_mutex patterns_mu_;
  NameMap<Counts> patterns_;
  std::atomic<size_t> pattern_count_{0};
};

// One thread's subscribers.
class PubSubHub {
 public:
  // Adds / removes `c` (of this thread) as a subscriber of `name`.
  void Add(ChannelKind kind, std::string_view name, Client* c);
  void Remove(ChannelKind kind, std::string_view name, Client* c);

  // Sends the message to this thread's subscribers; returns how many got it.
  size_t Deliver(ChannelKind kind, std::string_view channel, std::string_view payload);

 private:
  NameMap<std::vector<Client*>>& map(ChannelKind k) { return maps_[static_cast<size_t>(k)]; }

  std::array<NameMap<std::vector<Client*>>, kChannelKinds> maps_;
  std::string scratch_;  // one message in RESP, built once for all its receivers
};

// --- What the commands use ---

// Subscribes `c` (on its own thread) to `name` unless it is already; true if it was new.
bool Subscribe(Client& c, ChannelKind kind, std::string_view name);
// Unsubscribes `c` from `name`; true if it was subscribed.
bool Unsubscribe(Client& c, ChannelKind kind, std::string_view name);
// Ends every subscription of `c` (its connection closed, RESET).
void UnsubscribeAll(Client& c);

// Publishes from thread `w` (the running command's): delivers to w's subscribers now and
// sends the message to every other thread with receivers. Returns the receiver count.
size_t Publish(Worker& w, ChannelKind kind, std::string_view channel, std::string_view payload);

}  // namespace cinnabar::engine

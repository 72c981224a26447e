// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE SSUBSCRIBE SUNSUBSCRIBE
// PUBLISH SPUBLISH PUBSUB. Subscriptions and delivery are engine/pubsub.h's.

#include <string>
#include <vector>

#include "commands/args.h"
#include "commands/families.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/pubsub.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::ChannelKind;
using engine::Client;
using engine::CommandContext;
namespace errors = protocol::errors;

struct KindNames {
  std::string_view subscribe;
  std::string_view unsubscribe;
};

KindNames NamesOf(ChannelKind kind) {
  switch (kind) {
    case ChannelKind::kChannel:
      return {"subscribe", "unsubscribe"};
    case ChannelKind::kPattern:
      return {"psubscribe", "punsubscribe"};
    case ChannelKind::kShard:
      break;
  }
  return {"ssubscribe", "sunsubscribe"};
}

// The count a confirmation carries: channels and patterns together, shard channels apart.
int64_t CountFor(const Client& c, ChannelKind kind) {
  if (!c.subs) return 0;
  return static_cast<int64_t>(kind == ChannelKind::kShard ? c.subs->shard() : c.subs->classic());
}

// One confirmation: [verb, name (or null), count], a push in RESP3.
void Confirm(CommandContext& ctx, std::string_view verb, const std::string_view* name) {
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.PushHeader(3);
  rb.Bulk(verb);
  if (name != nullptr) {
    rb.Bulk(*name);
  } else {
    rb.Null();
  }
}

template <ChannelKind Kind>
void SubscribeCommand(CommandContext& ctx) {
  Client& c = ctx.client();
  for (size_t i = 1; i < ctx.argc(); ++i) {
    std::string_view name = ctx.arg(i);
    engine::Subscribe(c, Kind, name);
    Confirm(ctx, NamesOf(Kind).subscribe, &name);
    ctx.reply().Integer(CountFor(c, Kind));
  }
}

template <ChannelKind Kind>
void UnsubscribeCommand(CommandContext& ctx) {
  Client& c = ctx.client();
  std::string_view verb = NamesOf(Kind).unsubscribe;
  std::vector<std::string> names;
  if (ctx.argc() > 1) {
    for (size_t i = 1; i < ctx.argc(); ++i) names.emplace_back(ctx.arg(i));
  } else if (c.subs) {
    const engine::NameSet& mine = c.subs->of(Kind);
    names.assign(mine.begin(), mine.end());
  }
  if (names.empty()) {
    // Redis compat: unsubscribing from all while subscribed to none still confirms once.
    Confirm(ctx, verb, nullptr);
    ctx.reply().Integer(CountFor(c, Kind));
    return;
  }
  for (const std::string& name : names) {
    engine::Unsubscribe(c, Kind, name);
    std::string_view view = name;
    Confirm(ctx, verb, &view);
    ctx.reply().Integer(CountFor(c, Kind));
  }
  if (!c.subscribed()) c.subs.reset();
}

template <ChannelKind Kind>
void PublishCommand(CommandContext& ctx) {
  size_t receivers = engine::Publish(ctx.worker(), Kind, ctx.arg(1), ctx.arg(2));
  ctx.reply().Integer(static_cast<int64_t>(receivers));
}

// PUBSUB CHANNELS / SHARDCHANNELS [pattern]
template <ChannelKind Kind>
void PubSubChannels(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  std::string_view pattern;
  if (ctx.argc() == 3) pattern = ctx.arg(2);
  std::vector<std::string> names =
      ctx.engine().pubsub().Names(Kind, ctx.argc() == 3 ? &pattern : nullptr);
  ctx.reply().ArrayHeader(names.size());
  for (const std::string& n : names) ctx.reply().Bulk(n);
}

// PUBSUB NUMSUB / SHARDNUMSUB [channel ...]
template <ChannelKind Kind>
void PubSubNumSub(CommandContext& ctx) {
  engine::PubSubDirectory& dir = ctx.engine().pubsub();
  ctx.reply().ArrayHeader((ctx.argc() - 2) * 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    ctx.reply().Bulk(ctx.arg(i));
    ctx.reply().Integer(static_cast<int64_t>(dir.Subscribers(Kind, ctx.arg(i))));
  }
}

void PubSubNumPat(CommandContext& ctx) {
  ctx.reply().Integer(static_cast<int64_t>(ctx.engine().pubsub().NameCount(ChannelKind::kPattern)));
}

void PubSubHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      "    Return the currently active shard level channels matching a <pattern> (default: '*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kFast;
using engine::kLoading;
using engine::kMayReplicate;
using engine::kNoScript;
using engine::kNotKey;
using engine::kPubSub;
using engine::kStale;
using engine::kSubscribedOk;

constexpr uint32_t kSubscribeFlags = kPubSub | kNoScript | kLoading | kStale | kSubscribedOk;
constexpr uint32_t kIntrospect = kPubSub | kLoading | kStale;

namespace key_specs = engine::key_specs;
using engine::AtIndex;
using engine::KeySpec;
using engine::Range;
using engine::kKeyNotKey;

// Key specifications with more than one spec or a shape of their own.
constexpr KeySpec kSpublishKeys[] = {
    {.flags = kKeyNotKey, .begin = AtIndex(1), .find = Range(0)},
};

constexpr CommandSpec kPubSubSubcommands[] = {
    {.name = "CHANNELS", .arity = -2, .flags = kIntrospect,
     .handler = PubSubChannels<ChannelKind::kChannel>, .summary = "Returns the active channels.",
     .since = "2.8.0",
     .complexity = "O(N) where N is the number of active channels, and assuming constant time "
                   "pattern matching (relatively short channels and patterns)"},
    {.name = "NUMSUB", .arity = -2, .flags = kIntrospect,
     .handler = PubSubNumSub<ChannelKind::kChannel>,
     .summary = "Returns a count of subscribers to channels.", .since = "2.8.0",
     .complexity = "O(N) for the NUMSUB subcommand, where N is the number of requested channels"},
    {.name = "NUMPAT", .arity = 2, .flags = kIntrospect, .handler = PubSubNumPat,
     .summary = "Returns a count of unique pattern subscriptions.", .since = "2.8.0",
     .complexity = "O(1)"},
    {.name = "SHARDCHANNELS", .arity = -2, .flags = kIntrospect,
     .handler = PubSubChannels<ChannelKind::kShard>,
     .summary = "Returns the active shard channels.", .since = "7.0.0",
     .complexity = "O(N) where N is the number of active shard channels, and assuming constant "
                   "time pattern matching (relatively short shard channels)."},
    {.name = "SHARDNUMSUB", .arity = -2, .flags = kIntrospect,
     .handler = PubSubNumSub<ChannelKind::kShard>,
     .summary = "Returns the count of subscribers of shard channels.", .since = "7.0.0",
     .complexity = "O(N) for the SHARDNUMSUB subcommand, where N is the number of requested "
                   "shard channels"},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = PubSubHelp,
     .summary = "Returns helpful text about the different subcommands.", .since = "6.2.0",
     .complexity = "O(1)"},
};

constexpr engine::KeyRange kChannelArgs{1, -1, 1};

constexpr CommandSpec kPubSubCommands[] = {
    {.name = "SUBSCRIBE", .arity = -2, .flags = kSubscribeFlags,
     .handler = SubscribeCommand<ChannelKind::kChannel>,
     .channels = {1, -1},
     .summary = "Listens for messages published to channels.", .since = "2.0.0",
     .complexity = "O(N) where N is the number of channels to subscribe to."},
    {.name = "UNSUBSCRIBE", .arity = -1, .flags = kSubscribeFlags,
     .handler = UnsubscribeCommand<ChannelKind::kChannel>,
     .summary = "Stops listening to messages posted to channels.", .since = "2.0.0",
     .complexity = "O(N) where N is the number of clients already subscribed to a channel."},
    {.name = "PSUBSCRIBE", .arity = -2, .flags = kSubscribeFlags,
     .handler = SubscribeCommand<ChannelKind::kPattern>,
     .channels = {1, -1, true},
     .summary = "Listens for messages published to channels that match one or more patterns.",
     .since = "2.0.0", .complexity = "O(N) where N is the number of patterns to subscribe to."},
    {.name = "PUNSUBSCRIBE", .arity = -1, .flags = kSubscribeFlags,
     .handler = UnsubscribeCommand<ChannelKind::kPattern>,
     .summary = "Stops listening to messages published to channels that match one or more "
                "patterns.",
     .since = "2.0.0",
     .complexity = "O(N) where N is the number of patterns to unsubscribe."},
    {.name = "SSUBSCRIBE", .arity = -2, .flags = kSubscribeFlags | kNotKey,
     .keys = kChannelArgs, .handler = SubscribeCommand<ChannelKind::kShard>,
     .channels = {1, -1},
     .summary = "Listens for messages published to shard channels.", .since = "7.0.0",
     .complexity = "O(N) where N is the number of shard channels to subscribe to.",
     .key_specs = key_specs::kAllNotKey},
    {.name = "SUNSUBSCRIBE", .arity = -1, .flags = kSubscribeFlags | kNotKey,
     .keys = kChannelArgs, .handler = UnsubscribeCommand<ChannelKind::kShard>,
     .summary = "Stops listening to messages posted to shard channels.", .since = "7.0.0",
     .complexity = "O(N) where N is the number of clients already subscribed to a shard channel.",
     .key_specs = key_specs::kAllNotKey},
    {.name = "PUBLISH", .arity = 3, .flags = kPubSub | kLoading | kStale | kFast | kMayReplicate,
     .handler = PublishCommand<ChannelKind::kChannel>,
     .channels = {1, 1},
     .summary = "Posts a message to a channel.", .since = "2.0.0",
     .complexity = "O(N+M) where N is the number of clients subscribed to the receiving channel "
                   "and M is the total number of subscribed patterns (by any client)."},
    {.name = "SPUBLISH", .arity = 3,
     .flags = kPubSub | kLoading | kStale | kFast | kMayReplicate | kNotKey, .keys = {1, 1, 1},
     .handler = PublishCommand<ChannelKind::kShard>,
     .channels = {1, 1},
     .summary = "Post a message to a shard channel", .since = "7.0.0",
     .complexity = "O(N) where N is the number of clients subscribed to the receiving shard "
                   "channel.",
     .key_specs = kSpublishKeys},
    {.name = "PUBSUB", .arity = -2, .subcommands = kPubSubSubcommands,
     .summary = "A container for Pub/Sub commands.", .since = "2.8.0",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterPubSubFamily(engine::Registry* r) {
  r->AddFamily(0, "pubsub", kPubSubCommands);
}

}  // namespace cinnabar::commands

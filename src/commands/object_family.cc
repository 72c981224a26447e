// OBJECT ENCODING | FREQ | IDLETIME | REFCOUNT | HELP: introspection of one key's value.
// None of them touches the key's LRU clock, as in Redis.

#include <iterator>
#include <string_view>

#include "commands/args.h"
#include "commands/families.h"
#include "core/object_type.h"
#include "core/string_value.h"
#include "engine/command_context.h"
#include "engine/shard.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;

// Redis's OBJECT lookups answer nil for a missing key.
core::Entry* LookUp(CommandContext& ctx) {
  engine::Database::Ref ref = ctx.db().FindNoTouch(ctx.arg(2));
  if (!ref) ctx.reply().Null();
  return ref.entry;
}

void ObjectEncoding(CommandContext& ctx) {
  if (core::Entry* e = LookUp(ctx)) ctx.reply().Bulk(core::EncodingName(e->type(), e->encoding()));
}

// The access bits hold LFU data or an LRU clock, as maxmemory-policy says now (after a
// change, keys carry the other kind until touched: Redis compat, and its error says so).
void ObjectFreq(CommandContext& ctx) {
  core::Entry* e = LookUp(ctx);
  if (!e) return;
  if (!ctx.config().lfu_policy()) return ctx.ReplyError(protocol::errors::kLfuNotSelected);
  ctx.reply().Integer(ctx.shard().LfuCounter(e));
}

void ObjectIdleTime(CommandContext& ctx) {
  core::Entry* e = LookUp(ctx);
  if (!e) return;
  if (ctx.config().lfu_policy()) return ctx.ReplyError(protocol::errors::kLfuSelected);
  ctx.reply().Integer(core::LruIdleSeconds(ctx.shard().lru_clock(), e->lru()));
}

void ObjectRefCount(CommandContext& ctx) {
  core::Entry* e = LookUp(ctx);
  if (!e) return;
  // Redis compat: a shared object reports INT_MAX references.
  ctx.reply().Integer(core::IsSharedInteger(e) ? 2147483647 : 1);
}

void ObjectHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kLoading;
using engine::kReadOnly;
using engine::kStale;

constexpr engine::KeyRange kKeyArg{2, 2, 1};

namespace key_specs = engine::key_specs;

constexpr CommandSpec kObjectSubcommands[] = {
    {.name = "ENCODING", .arity = 3, .flags = kReadOnly, .keys = kKeyArg,
     .handler = ObjectEncoding, .summary = "Returns the internal encoding of a Redis object.",
     .since = "2.2.3", .complexity = "O(1)",
     .key_specs = key_specs::kSecondRo, .tips = "nondeterministic_output"},
    {.name = "FREQ", .arity = 3, .flags = kReadOnly, .keys = kKeyArg, .handler = ObjectFreq,
     .summary = "Returns the logarithmic access frequency counter of a Redis object.",
     .since = "4.0.0", .complexity = "O(1)",
     .key_specs = key_specs::kSecondRo, .tips = "nondeterministic_output"},
    {.name = "IDLETIME", .arity = 3, .flags = kReadOnly, .keys = kKeyArg,
     .handler = ObjectIdleTime,
     .summary = "Returns the time since the last access to a Redis object.", .since = "2.2.3",
     .complexity = "O(1)",
     .key_specs = key_specs::kSecondRo, .tips = "nondeterministic_output"},
    {.name = "REFCOUNT", .arity = 3, .flags = kReadOnly, .keys = kKeyArg,
     .handler = ObjectRefCount,
     .summary = "Returns the reference count of a value of a key.", .since = "2.2.3",
     .complexity = "O(1)",
     .key_specs = key_specs::kSecondRo, .tips = "nondeterministic_output"},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = ObjectHelp,
     .summary = "Returns helpful text about the different subcommands.", .since = "6.2.0",
     .complexity = "O(1)"},
};

constexpr CommandSpec kObjectCommands[] = {
    {.name = "OBJECT", .arity = -2, .flags = engine::kNoFamilyAcl, .subcommands = kObjectSubcommands,
     .summary = "A container for object introspection commands.", .since = "2.2.3",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterObjectFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclKeyspace, "generic", kObjectCommands);
}

}  // namespace cinnabar::commands

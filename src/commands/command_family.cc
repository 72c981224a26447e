// COMMAND [COUNT | INFO | DOCS | LIST | GETKEYS | GETKEYSANDFLAGS | HELP]: all read from the CommandSpec
// declarations.

#include <string>
#include <vector>

#include "base/string_util.h"
#include "commands/args.h"
#include "commands/families.h"
#include "core/glob.h"
#include "engine/command_context.h"
#include "engine/command_keys.h"
#include "engine/engine.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::CommandContext;
using engine::CommandEntry;
using engine::Registry;
using protocol::ReplyBuilder;
namespace errors = protocol::errors;

void ReplyKeySpec(ReplyBuilder& rb, const engine::KeySpec& ks) {
  using engine::BeginSearch;
  using engine::FindKeys;
  rb.MapHeader(ks.notes.empty() ? 3 : 4);
  if (!ks.notes.empty()) {
    rb.Bulk("notes");
    rb.Bulk(ks.notes);
  }
  rb.Bulk("flags");
  std::vector<std::string_view> names = engine::KeyFlagNames(ks.flags);
  rb.SetHeader(names.size());
  for (std::string_view n : names) rb.SimpleString(n);
  rb.Bulk("begin_search");
  rb.MapHeader(2);
  rb.Bulk("type");
  if (ks.begin.type == BeginSearch::Type::kIndex) {
    rb.Bulk("index");
    rb.Bulk("spec");
    rb.MapHeader(1);
    rb.Bulk("index");
    rb.Integer(ks.begin.index);
  } else {
    rb.Bulk("keyword");
    rb.Bulk("spec");
    rb.MapHeader(2);
    rb.Bulk("keyword");
    rb.Bulk(ks.begin.keyword);
    rb.Bulk("startfrom");
    rb.Integer(ks.begin.startfrom);
  }
  rb.Bulk("find_keys");
  rb.MapHeader(2);
  rb.Bulk("type");
  if (ks.find.type == FindKeys::Type::kRange) {
    rb.Bulk("range");
    rb.Bulk("spec");
    rb.MapHeader(3);
    rb.Bulk("lastkey");
    rb.Integer(ks.find.lastkey);
    rb.Bulk("keystep");
    rb.Integer(ks.find.keystep);
    rb.Bulk("limit");
    rb.Integer(ks.find.limit);
  } else {
    rb.Bulk("keynum");
    rb.Bulk("spec");
    rb.MapHeader(3);
    rb.Bulk("keynumidx");
    rb.Integer(ks.find.keynumidx);
    rb.Bulk("firstkey");
    rb.Integer(ks.find.firstkey);
    rb.Bulk("keystep");
    rb.Integer(ks.find.keystep);
  }
}

// Redis compat: movablekeys when a key finder exists or a spec is not a fixed index range.
bool MovableKeys(const engine::CommandSpec& spec) {
  if (spec.find_keys != nullptr) return true;
  for (const engine::KeySpec& ks : spec.key_specs) {
    if (ks.begin.type != engine::BeginSearch::Type::kIndex ||
        ks.find.type != engine::FindKeys::Type::kRange) {
      return true;
    }
  }
  return false;
}

void ReplyTips(ReplyBuilder& rb, std::string_view tips) {
  std::vector<std::string_view> words;
  for (size_t at = 0; at < tips.size();) {
    size_t end = tips.find(' ', at);
    if (end == std::string_view::npos) end = tips.size();
    if (end > at) words.push_back(tips.substr(at, end - at));
    at = end + 1;
  }
  rb.SetHeader(words.size());
  for (std::string_view w : words) rb.Bulk(w);
}

void ReplyInfo(ReplyBuilder& rb, const CommandEntry& cmd) {
  const engine::CommandSpec& spec = *cmd.spec;
  rb.ArrayHeader(10);
  rb.Bulk(cmd.name);
  rb.Integer(spec.arity);
  std::vector<std::string_view> flags = engine::FlagNames(spec.flags, MovableKeys(spec));
  rb.SetHeader(flags.size());
  for (std::string_view f : flags) rb.SimpleString(f);
  rb.Integer(spec.keys.first);
  rb.Integer(spec.keys.last);
  rb.Integer(spec.keys.step);
  std::vector<std::string_view> cats = engine::AclCategoryNames(cmd.acl);
  rb.SetHeader(cats.size());
  for (std::string_view c : cats) rb.SimpleString("@" + std::string(c));
  ReplyTips(rb, spec.tips);
  // Redis compat: key specs are a set in RESP3, and so is an empty subcommand list.
  rb.SetHeader(spec.key_specs.size());
  for (const engine::KeySpec& ks : spec.key_specs) ReplyKeySpec(rb, ks);
  if (cmd.subcommands.empty()) return rb.SetHeader(0);
  rb.ArrayHeader(cmd.subcommands.size());
  for (const CommandEntry* sub : cmd.subcommands) ReplyInfo(rb, *sub);
}

void ReplyDocs(ReplyBuilder& rb, const CommandEntry& cmd) {
  const engine::CommandSpec& spec = *cmd.spec;
  size_t fields = 4 + (cmd.subcommands.empty() ? 0 : 1);
  rb.MapHeader(fields);
  rb.Bulk("summary");
  rb.Bulk(spec.summary);
  rb.Bulk("since");
  rb.Bulk(spec.since);
  rb.Bulk("group");
  rb.Bulk(cmd.group);
  rb.Bulk("complexity");
  rb.Bulk(spec.complexity);
  if (!cmd.subcommands.empty()) {
    rb.Bulk("subcommands");
    rb.MapHeader(cmd.subcommands.size());
    for (const CommandEntry* sub : cmd.subcommands) {
      rb.Bulk(sub->name);
      ReplyDocs(rb, *sub);
    }
  }
}

// COMMAND
void Command(CommandContext& ctx) {
  const auto& all = ctx.engine().registry().commands();
  ctx.reply().ArrayHeader(all.size());
  for (const CommandEntry* c : all) ReplyInfo(ctx.reply(), *c);
}

// COMMAND COUNT
void CommandCount(CommandContext& ctx) {
  ctx.reply().Integer(static_cast<int64_t>(ctx.engine().registry().commands().size()));
}

// COMMAND INFO [command-name ...]
void CommandInfo(CommandContext& ctx) {
  if (ctx.argc() == 2) return Command(ctx);
  ctx.reply().ArrayHeader(ctx.argc() - 2);
  for (size_t i = 2; i < ctx.argc(); ++i) {
    const CommandEntry* c = ctx.engine().registry().Find(ctx.arg(i));
    if (c == nullptr) {
      ctx.reply().Null();  // Redis compat: a null bulk string, not a null array
    } else {
      ReplyInfo(ctx.reply(), *c);
    }
  }
}

// COMMAND DOCS [command-name ...]
void CommandDocs(CommandContext& ctx) {
  const Registry& reg = ctx.engine().registry();
  std::vector<const CommandEntry*> wanted;
  if (ctx.argc() == 2) {
    wanted = reg.commands();
  } else {
    for (size_t i = 2; i < ctx.argc(); ++i) {
      if (const CommandEntry* c = reg.Find(ctx.arg(i))) wanted.push_back(c);
    }
  }
  ctx.reply().MapHeader(wanted.size());
  for (const CommandEntry* c : wanted) {
    ctx.reply().Bulk(c->name);
    ReplyDocs(ctx.reply(), *c);
  }
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
void CommandList(CommandContext& ctx) {
  enum { kAll, kModule, kAclCat, kPattern } filter = kAll;
  std::string_view value;
  if (ctx.argc() == 5 && Is(ctx.arg(2), "FILTERBY")) {
    value = ctx.arg(4);
    if (Is(ctx.arg(3), "MODULE")) {
      filter = kModule;
    } else if (Is(ctx.arg(3), "ACLCAT")) {
      filter = kAclCat;
    } else if (Is(ctx.arg(3), "PATTERN")) {
      filter = kPattern;
    } else {
      return ctx.ReplyError(errors::kSyntax);
    }
  } else if (ctx.argc() != 2) {
    return ctx.ReplyError(errors::kSyntax);
  }
  uint64_t category = 0;
  if (filter == kAclCat && !engine::ParseAclCategory(value, &category)) {
    return ctx.reply().EmptyArray();
  }
  std::vector<const CommandEntry*> out;
  auto consider = [&](const CommandEntry* c) {
    if (filter == kModule) return;  // no modules
    if (filter == kAclCat && !(c->acl & category)) return;
    if (filter == kPattern && !core::GlobMatch(value, c->name, true)) return;
    out.push_back(c);
  };
  for (const CommandEntry* c : ctx.engine().registry().commands()) {
    consider(c);
    for (const CommandEntry* sub : c->subcommands) consider(sub);
  }
  ctx.reply().ArrayHeader(out.size());
  for (const CommandEntry* c : out) ctx.reply().Bulk(c->name);
}

// COMMAND GETKEYS command [arg ...], COMMAND GETKEYSANDFLAGS command [arg ...]
void GetKeys(CommandContext& ctx, bool with_flags) {
  std::span<const std::string_view> target = ctx.args().subspan(2);
  bool unknown_sub = false;
  const CommandEntry* c = ctx.engine().registry().Lookup(target, &unknown_sub);
  if (c == nullptr) return ctx.ReplyError(errors::kInvalidCommandSpecified);
  if (!engine::HasKeyArguments(*c)) return ctx.ReplyError(errors::kNoKeyArguments);
  if (!c->ArityOk(target.size())) {
    return ctx.ReplyError(errors::kInvalidNumberOfArguments);
  }
  std::vector<engine::KeyRef> keys;
  if (!engine::CommandKeys(*c, target, &keys) || keys.empty()) {
    if (c->spec->flags & engine::kNoMandatoryKeys) return ctx.reply().EmptyArray();
    return ctx.ReplyError(errors::kInvalidArgumentsForCommand);
  }
  ReplyBuilder& rb = ctx.reply();
  rb.ArrayHeader(keys.size());
  for (const engine::KeyRef& k : keys) {
    std::string_view key = target[static_cast<size_t>(k.index)];
    if (!with_flags) {
      rb.Bulk(key);
      continue;
    }
    rb.ArrayHeader(2);
    rb.Bulk(key);
    std::vector<std::string_view> names = engine::KeyFlagNames(k.flags);
    rb.SetHeader(names.size());
    for (std::string_view n : names) rb.SimpleString(n);
  }
}

void CommandGetKeys(CommandContext& ctx) { GetKeys(ctx, false); }
void CommandGetKeysAndFlags(CommandContext& ctx) { GetKeys(ctx, true); }

// COMMAND HELP
void CommandHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)",
      "    Return details about all Redis commands.",
      "COUNT",
      "    Return the total number of commands in this Redis server.",
      "LIST",
      "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>",
      "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kLoading;
using engine::kStale;

constexpr CommandSpec kCommandSubcommands[] = {
    {.name = "COUNT", .arity = 2, .flags = kLoading | kStale, .handler = CommandCount,
     .summary = "Returns a count of commands.", .since = "2.8.13", .complexity = "O(1)"},
    {.name = "INFO", .arity = -2, .flags = kLoading | kStale, .handler = CommandInfo,
     .summary = "Returns information about one, multiple or all commands.", .since = "2.8.13",
     .complexity = "O(N) where N is the number of commands to look up",
     .tips = "nondeterministic_output_order"},
    {.name = "DOCS", .arity = -2, .flags = kLoading | kStale, .handler = CommandDocs,
     .summary = "Returns documentary information about one, multiple or all commands.",
     .since = "7.0.0", .complexity = "O(N) where N is the number of commands to look up",
     .tips = "nondeterministic_output_order"},
    {.name = "LIST", .arity = -2, .flags = kLoading | kStale, .handler = CommandList,
     .summary = "Returns a list of command names.", .since = "7.0.0",
     .complexity = "O(N) where N is the total number of Redis commands",
     .tips = "nondeterministic_output_order"},
    // Redis compat: 7.0 declares -4 (the command and at least one argument).
    {.name = "GETKEYS", .arity = -4, .flags = kLoading | kStale, .handler = CommandGetKeys,
     .summary = "Extracts the key names from an arbitrary command.", .since = "2.8.13",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "GETKEYSANDFLAGS", .arity = -4, .flags = kLoading | kStale,
     .handler = CommandGetKeysAndFlags,
     .summary = "Finds the key arguments of a command call, with what it does to each.",
     .since = "7.0.0",
     .complexity = "O(N) where N is the number of arguments to the command"},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = CommandHelp,
     .summary = "Returns helpful text about the different subcommands.", .since = "5.0.0",
     .complexity = "O(1)"},
};

constexpr CommandSpec kCommandCommands[] = {
    {.name = "COMMAND", .arity = -1, .flags = kLoading | kStale, .handler = Command,
     .subcommands = kCommandSubcommands,
     .summary = "Returns detailed information about all commands.", .since = "2.8.13",
     .complexity = "O(N) where N is the total number of Redis commands",
     .tips = "nondeterministic_output_order"},
};

}  // namespace

void RegisterCommandFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclConnection, "server", kCommandCommands);
}

}  // namespace cinnabar::commands

// ACL: SETUSER GETUSER DELUSER LIST USERS WHOAMI CAT LOG GENPASS DRYRUN LOAD SAVE HELP.
// The users, the log and the check live in engine/acl.h.
#include <sys/random.h>

#include <memory>
#include <string>
#include <vector>

#include "base/string_util.h"
#include "commands/args.h"
#include "commands/families.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::AclUser;
using engine::Client;
using engine::CommandContext;
namespace errors = protocol::errors;

constexpr std::string_view kNoAclFile =
    "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
    "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
    "Redis configuration file set) in order to store users in the Redis configuration.";

// After users changed: every thread looks its clients' users up again, so that clients of
// a deleted user are closed now rather than at their next command.
void RefreshClients(CommandContext& ctx) {
  for (unsigned t = 0; t < ctx.engine().shard_count(); ++t) {
    engine::Worker* w = &ctx.engine().worker(t);
    ctx.engine().Post(t, [w] {
      std::vector<Client*> clients(w->clients().begin(), w->clients().end());
      for (Client* c : clients) c->acl_user();
    });
  }
}

// ACL SETUSER username [rule ...]
void AclSetUser(CommandContext& ctx) {
  std::vector<std::string_view> rules;
  for (size_t i = 3; i < ctx.argc(); ++i) rules.push_back(ctx.arg(i));
  std::string error = ctx.engine().acl().SetUser(ctx.arg(2), rules);
  if (!error.empty()) return ctx.ReplyError(error);
  ctx.reply().Ok();
}

void DescribeSelector(protocol::ReplyBuilder& rb, const engine::AclSelector& s) {
  rb.Bulk("commands");
  rb.Bulk(s.DescribeCommands());
  rb.Bulk("keys");
  rb.Bulk(s.DescribeKeys());
  rb.Bulk("channels");
  rb.Bulk(s.DescribeChannels());
}

// ACL GETUSER username
void AclGetUser(CommandContext& ctx) {
  std::shared_ptr<const AclUser> user = ctx.engine().acl().Find(ctx.arg(2));
  protocol::ReplyBuilder& rb = ctx.reply();
  if (user == nullptr) return rb.Null();
  rb.MapHeader(6);
  rb.Bulk("flags");
  std::vector<std::string_view> flags = user->FlagNames();
  rb.SetHeader(flags.size());
  for (std::string_view f : flags) rb.Bulk(f);
  rb.Bulk("passwords");
  rb.ArrayHeader(user->passwords().size());
  for (const std::string& p : user->passwords()) rb.Bulk(p);
  DescribeSelector(rb, user->root());
  rb.Bulk("selectors");
  rb.ArrayHeader(user->selectors().size());
  for (const engine::AclSelector& s : user->selectors()) {
    rb.MapHeader(3);
    DescribeSelector(rb, s);
  }
}

// ACL DELUSER username [username ...]
void AclDelUser(CommandContext& ctx) {
  std::vector<std::string_view> names;
  for (size_t i = 2; i < ctx.argc(); ++i) names.push_back(ctx.arg(i));
  std::string error;
  int deleted = ctx.engine().acl().DelUsers(names, &error);
  if (!error.empty()) return ctx.ReplyError(error);
  if (deleted > 0) RefreshClients(ctx);
  ctx.reply().Integer(deleted);
}

void AclList(CommandContext& ctx) {
  std::vector<std::string> lines = ctx.engine().acl().Describe();
  ctx.reply().ArrayHeader(lines.size());
  for (const std::string& l : lines) ctx.reply().Bulk(l);
}

void AclUsers(CommandContext& ctx) {
  auto users = ctx.engine().acl().Users();
  ctx.reply().ArrayHeader(users.size());
  for (const auto& u : users) ctx.reply().Bulk(u->name());
}

void AclWhoAmI(CommandContext& ctx) {
  const AclUser* user = ctx.client().acl_user();
  ctx.reply().Bulk(user != nullptr ? user->name() : "default");
}

// ACL CAT [category]
void AclCat(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  protocol::ReplyBuilder& rb = ctx.reply();
  if (ctx.argc() == 2) {
    std::vector<std::string_view> names = engine::AclCategoryNames(~uint64_t{0});
    rb.ArrayHeader(names.size());
    for (std::string_view n : names) rb.Bulk(n);
    return;
  }
  uint64_t bit = 0;
  if (!engine::ParseAclCategory(ctx.arg(2), &bit)) {
    return ctx.ReplyError("ERR Unknown category '" + std::string(ctx.arg(2)) + "'");
  }
  const engine::Registry& reg = ctx.engine().registry();
  std::vector<std::string_view> names;
  for (uint32_t id = 0; id < reg.size(); ++id) {
    const engine::CommandEntry& cmd = reg.at(id);
    if ((cmd.acl & bit) && cmd.subcommands.empty()) names.push_back(cmd.name);
  }
  rb.ArrayHeader(names.size());
  for (std::string_view n : names) rb.Bulk(n);
}

// ACL LOG [count | RESET]
void AclLog(CommandContext& ctx) {
  engine::Acl& acl = ctx.engine().acl();
  size_t count = 10;
  if (ctx.argc() == 3) {
    if (Is(ctx.arg(2), "RESET")) {
      acl.ResetLog();
      return ctx.reply().Ok();
    }
    int64_t n;
    if (!base::ParseInt64(ctx.arg(2), &n)) return ctx.ReplyError(errors::kNotInteger);
    count = n < 0 ? 0 : static_cast<size_t>(n);
  } else if (ctx.argc() > 3) {
    return ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  }
  std::vector<engine::AclLogEntry> entries = acl.LogEntries(count);
  protocol::ReplyBuilder& rb = ctx.reply();
  const int64_t now = base::UnixTimeMs();
  rb.ArrayHeader(entries.size());
  for (const engine::AclLogEntry& e : entries) {
    rb.MapHeader(7);
    rb.Bulk("count");
    rb.Integer(e.count);
    rb.Bulk("reason");
    rb.Bulk(e.reason);
    rb.Bulk("context");
    rb.Bulk(e.context);
    rb.Bulk("object");
    rb.Bulk(e.object);
    rb.Bulk("username");
    rb.Bulk(e.username);
    rb.Bulk("age-seconds");
    rb.Double(static_cast<double>(now - e.created_ms) / 1000.0);
    rb.Bulk("client-info");
    rb.Bulk(e.client_info);
  }
}

// ACL GENPASS [bits]
void AclGenPass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.argc() > 3) return ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  if (ctx.argc() == 3) {
    if (!base::ParseInt64(ctx.arg(2), &bits)) return ctx.ReplyError(errors::kNotInteger);
    if (bits <= 0 || bits > 4096) {
      return ctx.ReplyError(
          "ERR ACL GENPASS argument must be the number of bits for the output password, a "
          "positive number up to 4096");
    }
  }
  const size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::string random((chars + 1) / 2, '\0');
  size_t got = 0;
  while (got < random.size()) {
    ssize_t n = getrandom(random.data() + got, random.size() - got, 0);
    if (n > 0) got += static_cast<size_t>(n);
  }
  std::string out = base::HexEncode(random);
  out.resize(chars);
  ctx.reply().Bulk(out);
}

// ACL DRYRUN username command [arg ...]
void AclDryRun(CommandContext& ctx) {
  std::shared_ptr<const AclUser> user = ctx.engine().acl().Find(ctx.arg(2));
  // Redis compat: names in these errors end at a NUL.
  if (user == nullptr) {
    return ctx.ReplyError("ERR User '" + std::string(errors::CutAtNul(ctx.arg(2))) + "' not found");
  }
  std::vector<std::string_view> args;
  for (size_t i = 3; i < ctx.argc(); ++i) args.push_back(ctx.arg(i));
  bool unknown_sub = false;
  const engine::CommandEntry* cmd = ctx.engine().registry().Lookup(args, &unknown_sub);
  if (cmd == nullptr) {
    return ctx.ReplyError("ERR Command '" + std::string(errors::CutAtNul(args[0])) + "' not found");
  }
  if (!cmd->ArityOk(args.size())) return ctx.ReplyError(errors::WrongArity(cmd->name));
  std::string_view culprit;
  switch (engine::CheckCall(*user, *cmd, args, &culprit)) {
    case engine::AclDenial::kNone:
      return ctx.reply().Ok();
    case engine::AclDenial::kCommand:
      return ctx.reply().Bulk("This user has no permissions to run the '" + cmd->name + "' command");
    case engine::AclDenial::kKey:
      return ctx.reply().Bulk("This user has no permissions to access the '" +
                              std::string(errors::CutAtNul(culprit)) + "' key");
    case engine::AclDenial::kChannel:
      return ctx.reply().Bulk("This user has no permissions to access the '" +
                              std::string(errors::CutAtNul(culprit)) + "' channel");
  }
}

void AclLoad(CommandContext& ctx) {
  const std::string& path = ctx.config().aclfile;
  if (path.empty()) return ctx.ReplyError(kNoAclFile);
  std::string error = ctx.engine().acl().LoadFile(path);
  if (!error.empty()) return ctx.ReplyError("ERR " + error);
  RefreshClients(ctx);
  ctx.reply().Ok();
}

void AclSave(CommandContext& ctx) {
  const std::string& path = ctx.config().aclfile;
  if (path.empty()) return ctx.ReplyError(kNoAclFile);
  std::string error = ctx.engine().acl().SaveFile(path);
  if (!error.empty()) return ctx.ReplyError("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
  ctx.reply().Ok();
}

void AclHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kAdmin;
using engine::kLoading;
using engine::kNoScript;
using engine::kStale;
constexpr uint32_t kAclAdminFlags = kAdmin | kNoScript | kLoading | kStale;
constexpr uint32_t kAclOpenFlags = kNoScript | kLoading | kStale;

constexpr CommandSpec kAclSubcommands[] = {
    {.name = "CAT", .arity = -2, .flags = kAclOpenFlags, .handler = AclCat,
     .summary = "Lists the ACL categories, or the commands of one.", .since = "6.0.0",
     .complexity = "O(1) since the categories and commands are a fixed set."},
    {.name = "DELUSER", .arity = -3, .flags = kAclAdminFlags, .handler = AclDelUser,
     .summary = "Deletes users and closes their connections.", .since = "6.0.0",
     .complexity = "O(1) amortized time considering the typical user."},
    {.name = "DRYRUN", .arity = -4, .flags = kAclAdminFlags, .handler = AclDryRun,
     .summary = "Tells whether a user may run a command, without running it.", .since = "7.0.0",
     .complexity = "O(1)."},
    {.name = "GENPASS", .arity = -2, .flags = kAclOpenFlags, .handler = AclGenPass,
     .summary = "Makes a random password.", .since = "6.0.0", .complexity = "O(1)"},
    {.name = "GETUSER", .arity = 3, .flags = kAclAdminFlags, .handler = AclGetUser,
     .summary = "Shows a user's rules.", .since = "6.0.0",
     .complexity = "O(N). Where N is the number of password, command and pattern rules that the user has."},
    {.name = "LIST", .arity = 2, .flags = kAclAdminFlags, .handler = AclList,
     .summary = "Shows every user's rules as config lines.", .since = "6.0.0",
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "LOAD", .arity = 2, .flags = kAclAdminFlags, .handler = AclLoad,
     .summary = "Loads the users from the ACL file.", .since = "6.0.0",
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "LOG", .arity = -2, .flags = kAclAdminFlags, .handler = AclLog,
     .summary = "Shows the recent refusals and failed logins.", .since = "6.0.0",
     .complexity = "O(N) with N being the number of entries shown."},
    {.name = "SAVE", .arity = 2, .flags = kAclAdminFlags, .handler = AclSave,
     .summary = "Writes the users to the ACL file.", .since = "6.0.0",
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "SETUSER", .arity = -3, .flags = kAclAdminFlags, .handler = AclSetUser,
     .summary = "Creates a user or changes its rules.", .since = "6.0.0",
     .complexity = "O(N). Where N is the number of rules provided."},
    {.name = "USERS", .arity = 2, .flags = kAclAdminFlags, .handler = AclUsers,
     .summary = "Lists the user names.", .since = "6.0.0",
     .complexity = "O(N). Where N is the number of configured users."},
    {.name = "WHOAMI", .arity = 2, .flags = kAclOpenFlags, .handler = AclWhoAmI,
     .summary = "Names the connection's user.", .since = "6.0.0", .complexity = "O(1)"},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = AclHelp,
     .summary = "Shows the ACL subcommands.", .since = "6.0.0", .complexity = "O(1)"},
};

constexpr CommandSpec kAclCommands[] = {
    {.name = "ACL", .arity = -2, .subcommands = kAclSubcommands,
     .summary = "A container for the users and permissions commands.", .since = "6.0.0",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterAclFamily(engine::Registry* r) { r->AddFamily(0, "server", kAclCommands); }

}  // namespace cinnabar::commands

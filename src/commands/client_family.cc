// CLIENT ID | SETNAME | GETNAME | LIST | INFO | SETINFO | KILL | UNBLOCK | PAUSE | UNPAUSE |
// REPLY | NO-EVICT | HELP, and the tracking ones (client_tracking.cc): TRACKING | CACHING |
// GETREDIR | TRACKINGINFO.

#include <algorithm>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "commands/args.h"
#include "commands/client_names.h"
#include "commands/client_tracking.h"
#include "commands/families.h"
#include "engine/acl.h"
#include "engine/blocking.h"
#include "engine/client.h"
#include "engine/client_info.h"
#include "engine/client_pause.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/transaction.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::Client;
using engine::DescribeClient;
using engine::CommandContext;
using engine::Worker;
namespace errors = protocol::errors;


// CLIENT ID
void ClientId(CommandContext& ctx) { ctx.reply().Integer(static_cast<int64_t>(ctx.client().id())); }

// CLIENT SETNAME name
void ClientSetName(CommandContext& ctx) {
  if (!ValidClientName(ctx.arg(2))) return ctx.ReplyError(errors::kInvalidClientName);
  ctx.client().name.assign(ctx.arg(2));
  ctx.reply().Ok();
}

// CLIENT NO-EVICT ON|OFF: whether maxmemory-clients may close this client.
void ClientNoEvict(CommandContext& ctx) {
  std::string_view v = ctx.arg(2);
  if (!Is(v, "ON") && !Is(v, "OFF")) return ctx.ReplyError(errors::kSyntax);
  ctx.client().no_evict = Is(v, "ON");
  ctx.reply().Ok();
}

// CLIENT REPLY ON|OFF|SKIP: OFF and SKIP are not answered; ON is.
void ClientReply(CommandContext& ctx) {
  std::string_view v = ctx.arg(2);
  Client& c = ctx.client();
  if (Is(v, "ON")) {
    const bool dropped = c.replies_dropped;
    c.reply_off = false;
    c.replies_dropped = false;
    // A builder made while replies were dropped writes nowhere: answer on the output.
    if (dropped) {
      c.Reply().Ok();
    } else {
      ctx.reply().Ok();
    }
  } else if (Is(v, "OFF")) {
    c.reply_off = true;
    c.replies_dropped = true;
  } else if (Is(v, "SKIP")) {
    c.replies_dropped = true;
    c.skip_next_reply = true;
  } else {
    ctx.ReplyError(errors::kSyntax);
  }
}

// CLIENT GETNAME
void ClientGetName(CommandContext& ctx) {
  const std::string& name = ctx.client().name;
  if (name.empty()) return ctx.reply().Null();
  ctx.reply().Bulk(name);
}

// CLIENT SETINFO LIB-NAME name | LIB-VER version
void ClientSetInfo(CommandContext& ctx) {
  std::string_view attr = ctx.arg(2), value = ctx.arg(3);
  bool is_name = Is(attr, "LIB-NAME");
  if (!is_name && !Is(attr, "LIB-VER")) {
    return ctx.ReplyError(errors::UnrecognizedOption(attr));
  }
  if (!ValidClientName(value)) {
    return ctx.ReplyError(errors::InvalidClientAttribute(attr));
  }
  (is_name ? ctx.client().lib_name : ctx.client().lib_ver).assign(value);
  ctx.reply().Ok();
}

// CLIENT INFO
void ClientInfo(CommandContext& ctx) {
  ctx.reply().Verbatim(DescribeClient(ctx.client(), base::UnixTimeMs()) + "\n");
}

// A TYPE filter's class: normal or pubsub in `type`, nothing for master/replica/slave (no
// such clients yet); false for an unknown name.
bool ParseClientType(std::string_view name, std::optional<engine::ClientClass>* type) {
  type->reset();
  if (Is(name, "normal")) {
    *type = engine::ClientClass::kNormal;
  } else if (Is(name, "pubsub")) {
    *type = engine::ClientClass::kPubSub;
  } else if (!Is(name, "master") && !Is(name, "replica") && !Is(name, "slave")) {
    return false;
  }
  return true;
}

// CLIENT LIST [TYPE normal|master|replica|pubsub] | [ID id [id ...]]
void ClientList(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  std::optional<engine::ClientClass> type;
  // Redis compat (7.0): TYPE only as the one option (CLIENT LIST TYPE t), ID only first,
  // taking every argument after it; anything else is a syntax error.
  if (ctx.argc() == 4 && Is(ctx.arg(2), "TYPE")) {
    std::string_view t = ctx.arg(3);
    if (!ParseClientType(t, &type)) return ctx.ReplyError(errors::UnknownClientType(t));
    if (!type) return ctx.reply().Verbatim("");  // no replicas or masters yet
  } else if (ctx.argc() > 3 && Is(ctx.arg(2), "ID")) {
    for (size_t i = 3; i < ctx.argc(); ++i) {
      int64_t id;
      // Redis compat: any integer is accepted (0 and negatives simply match nobody).
      if (!base::ParseInt64(ctx.arg(i), &id)) return ctx.ReplyError(errors::kInvalidClientId);
      ids.push_back(static_cast<uint64_t>(id));
    }
  } else if (ctx.argc() != 2) {
    return ctx.ReplyError(errors::kSyntax);
  }
  using Lines = std::vector<std::pair<uint64_t, std::string>>;  // (client id, line)
  ctx.GatherFromWorkers<Lines>(
      [ids, type](Worker& w) {
        Lines out;
        int64_t now = base::UnixTimeMs();
        for (Client* c : w.clients()) {
          if (!ids.empty() && std::find(ids.begin(), ids.end(), c->id()) == ids.end()) continue;
          if (type && c->output_class() != *type) continue;
          out.emplace_back(c->id(), DescribeClient(*c, now));
        }
        return out;
      },
      [](Client&, protocol::ReplyBuilder& rb, std::vector<Lines>& parts) {
        // Redis compat: clients are listed in connection order (ascending ids), whichever
        // thread serves them.
        Lines all;
        for (Lines& p : parts) std::move(p.begin(), p.end(), std::back_inserter(all));
        std::sort(all.begin(), all.end(),
                  [](const auto& a, const auto& b) { return a.first < b.first; });
        std::string text;
        for (const auto& [id, line] : all) {
          text += line;
          text += '\n';
        }
        rb.Verbatim(text);
      });
}

struct KillFilter {
  uint64_t id = 0;
  std::string addr;
  std::string laddr;
  bool skip_me = true;
  std::optional<engine::ClientClass> type;  // TYPE normal|pubsub
  bool none = false;  // a filter no client can match (TYPE replica)
  std::string user;
  uint64_t self = 0;
};

bool Matches(const KillFilter& f, Client& c) {
  if (f.none) return false;
  if (f.id != 0 && c.id() != f.id) return false;
  if (!f.addr.empty() && c.peer().addr != f.addr) return false;
  if (!f.laddr.empty() && c.peer().laddr != f.laddr) return false;
  if (f.skip_me && c.id() == f.self) return false;
  if (f.type && c.output_class() != *f.type) return false;
  if (!f.user.empty() && (c.acl_user() == nullptr || c.acl_user()->name() != f.user)) return false;
  return true;
}

// CLIENT KILL ip:port | CLIENT KILL <filter> <value> [<filter> <value> ...]
void ClientKill(CommandContext& ctx) {
  KillFilter f;
  f.self = ctx.client().id();
  bool old_form = ctx.argc() == 3;
  if (old_form) {
    f.addr.assign(ctx.arg(2));
    f.skip_me = false;
  } else {
    // Redis compat: filters are checked in order, a filter without its value being a
    // syntax error only when reached.
    for (size_t i = 2; i < ctx.argc(); i += 2) {
      if (i + 1 >= ctx.argc()) return ctx.ReplyError(errors::kSyntax);
      std::string_view opt = ctx.arg(i), val = ctx.arg(i + 1);
      if (Is(opt, "ID")) {
        int64_t id;
        if (!base::ParseInt64(val, &id) || id < 1) {
          return ctx.ReplyError(errors::kClientIdNotPositive);
        }
        f.id = static_cast<uint64_t>(id);
      } else if (Is(opt, "ADDR")) {
        f.addr.assign(val);
      } else if (Is(opt, "LADDR")) {
        f.laddr.assign(val);
      } else if (Is(opt, "TYPE")) {
        if (!ParseClientType(val, &f.type)) return ctx.ReplyError(errors::UnknownClientType(val));
        if (!f.type) f.none = true;
      } else if (Is(opt, "USER")) {
        if (ctx.engine().acl().Find(val) == nullptr) return ctx.ReplyError(errors::NoSuchUser(val));
        f.user.assign(val);
      } else if (Is(opt, "SKIPME")) {
        if (Is(val, "yes")) {
          f.skip_me = true;
        } else if (Is(val, "no")) {
          f.skip_me = false;
        } else {
          return ctx.ReplyError(errors::kSyntax);
        }
      } else {
        return ctx.ReplyError(errors::kSyntax);
      }
    }
  }
  struct Killed {
    int64_t count = 0;
    bool self = false;  // the caller matched: it closes once its reply is written
  };
  ctx.GatherFromWorkers<Killed>(
      [f](Worker& w) {
        std::vector<Client*> victims;
        for (Client* c : w.clients()) {
          if (Matches(f, *c)) victims.push_back(c);
        }
        Killed k;
        for (Client* c : victims) {
          if (c->id() == f.self) {
            k.self = true;
          } else {
            c->Kill();
          }
          ++k.count;
        }
        return k;
      },
      [old_form](Client& c, protocol::ReplyBuilder& rb, std::vector<Killed>& parts) {
        int64_t total = 0;
        bool self = false;
        for (const Killed& k : parts) {
          total += k.count;
          self |= k.self;
        }
        if (!old_form) {
          rb.Integer(total);
        } else if (total == 0) {
          rb.Error(errors::kNoSuchClient);
        } else {
          rb.Ok();
        }
        // Redis compat: a client killing itself gets the reply first.
        if (self) c.CloseAfterReply();
      });
}

// CLIENT UNBLOCK <id> [TIMEOUT|ERROR]
void ClientUnblock(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    return ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  }
  bool with_error = false;
  if (ctx.argc() == 4) {
    if (Is(ctx.arg(3), "ERROR")) {
      with_error = true;
    } else if (!Is(ctx.arg(3), "TIMEOUT")) {
      return ctx.ReplyError(errors::kUnblockReason);
    }
  }
  int64_t id;
  if (!base::ParseInt64(ctx.arg(2), &id)) return ctx.ReplyError(errors::kNotInteger);
  ctx.GatherFromWorkers<int64_t>(
      [id, with_error](Worker& w) -> int64_t {
        for (Client* c : w.clients()) {
          if (static_cast<int64_t>(c->id()) != id) continue;
          return engine::UnblockClient(
                     *c, with_error ? errors::kUnblocked : "")
                     ? 1
                     : 0;
        }
        return 0;
      },
      [](Client&, protocol::ReplyBuilder& rb, std::vector<int64_t>& found) {
        int64_t total = 0;
        for (int64_t n : found) total += n;
        rb.Integer(total);
      });
}

// CLIENT PAUSE <timeout> [WRITE|ALL]
void ClientPause(CommandContext& ctx) {
  if (ctx.argc() > 4) {
    return ctx.ReplyError(errors::SubcommandSyntax(ctx.arg(0), ctx.arg(1)));
  }
  engine::PauseKind kind = engine::PauseKind::kAll;
  if (ctx.argc() == 4) {
    if (Is(ctx.arg(3), "WRITE")) {
      kind = engine::PauseKind::kWrite;
    } else if (!Is(ctx.arg(3), "ALL")) {
      return ctx.ReplyError(errors::kPauseMode);
    }
  }
  int64_t ms;
  if (!base::ParseInt64(ctx.arg(2), &ms)) return ctx.ReplyError(errors::kTimeoutNotInteger);
  if (ms < 0) return ctx.ReplyError(errors::kTimeoutNegative);
  const int64_t now = base::UnixTimeMs();
  const int64_t end = ms > std::numeric_limits<int64_t>::max() - now
                          ? std::numeric_limits<int64_t>::max()
                          : now + ms;
  ctx.engine().pause().Pause(kind, end);
  ctx.reply().Ok();
}

// CLIENT UNPAUSE
void ClientUnpause(CommandContext& ctx) {
  engine::UnpauseAll(ctx.engine());
  ctx.reply().Ok();
}

// CLIENT HELP
void ClientHelp(CommandContext& ctx) {
  static constexpr std::string_view kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "    * ID <client-id>",
      "      Kill connections by client id.",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "    * ID <client-id> [<client-id> ...]",
      "      Return clients of specified IDs only.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "SETINFO <LIB-NAME|LIB-VER> <value>",
      "    Set client meta attributes.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help.",
  };
  ReplyHelp(ctx.reply(), kLines);
}

using engine::CommandSpec;
using engine::kAdmin;
using engine::kFast;
using engine::kLoading;
using engine::kNoScript;
using engine::kStale;

constexpr CommandSpec kClientSubcommands[] = {
    {.name = "ID", .arity = 2, .flags = kNoScript | kLoading | kStale, .handler = ClientId,
     .summary = "Returns the unique client ID of the connection.", .since = "5.0.0",
     .complexity = "O(1)"},
    {.name = "SETNAME", .arity = 3, .flags = kNoScript | kLoading | kStale,
     .handler = ClientSetName, .summary = "Sets the connection name.", .since = "2.6.9",
     .complexity = "O(1)"},
    {.name = "GETNAME", .arity = 2, .flags = kNoScript | kLoading | kStale,
     .handler = ClientGetName, .summary = "Returns the name of the connection.", .since = "2.6.9",
     .complexity = "O(1)"},
    {.name = "SETINFO", .arity = 4, .flags = kNoScript | kLoading | kStale,
     .handler = ClientSetInfo, .summary = "Sets information specific to the client or connection.",
     .since = "7.2.0", .complexity = "O(1)"},
    {.name = "REPLY", .arity = 3, .flags = kNoScript | kLoading | kStale, .handler = ClientReply,
     .summary = "Instructs the server whether to reply to commands.", .since = "3.2.0",
     .complexity = "O(1)"},
    {.name = "INFO", .arity = 2, .flags = kNoScript | kLoading | kStale, .handler = ClientInfo,
     .summary = "Returns information about the connection.", .since = "6.2.0",
     .complexity = "O(1)",
     .tips = "nondeterministic_output"},
    {.name = "LIST", .arity = -2, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ClientList, .summary = "Lists open connections.", .since = "2.4.0",
     .complexity = "O(N) where N is the number of client connections",
     .tips = "nondeterministic_output"},
    {.name = "KILL", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ClientKill, .summary = "Terminates open connections.", .since = "2.4.0",
     .complexity = "O(N) where N is the number of client connections"},
    {.name = "UNBLOCK", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ClientUnblock,
     .summary = "Unblocks a client blocked by a blocking command from a different connection.",
     .since = "5.0.0", .complexity = "O(log N) where N is the number of client connections"},
    {.name = "PAUSE", .arity = -3, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ClientPause, .summary = "Stop processing commands from clients for some time",
     .since = "2.9.50", .complexity = "O(1)"},
    {.name = "UNPAUSE", .arity = 2, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ClientUnpause, .summary = "Resume processing of clients that were paused",
     .since = "6.2.0", .complexity = "O(N) Where N is the number of paused clients"},
    {.name = "NO-EVICT", .arity = 3, .flags = kAdmin | kNoScript | kLoading | kStale,
     .handler = ClientNoEvict, .summary = "Set client eviction mode for the current connection",
     .since = "7.0.0", .complexity = "O(1)"},
    {.name = "TRACKING", .arity = -3, .flags = kNoScript | kLoading | kStale,
     .handler = ClientTracking, .summary = "Controls server-assisted client-side caching for the connection.",
     .since = "6.0.0", .complexity = "O(1). Some options may introduce additional complexity."},
    {.name = "CACHING", .arity = 3, .flags = kNoScript | kLoading | kStale,
     .handler = ClientCaching,
     .summary = "Instructs the server whether to track the keys in the next request.",
     .since = "6.0.0", .complexity = "O(1)"},
    {.name = "GETREDIR", .arity = 2, .flags = kNoScript | kLoading | kStale,
     .handler = ClientGetRedir,
     .summary = "Returns the client ID to which the connection's tracking notifications are redirected.",
     .since = "6.0.0", .complexity = "O(1)"},
    {.name = "TRACKINGINFO", .arity = 2, .flags = kNoScript | kLoading | kStale,
     .handler = ClientTrackingInfo,
     .summary = "Returns information about server-assisted client-side caching for the connection.",
     .since = "6.2.0", .complexity = "O(1)"},
    {.name = "HELP", .arity = 2, .flags = kLoading | kStale, .handler = ClientHelp,
     .summary = "Returns helpful text about the different subcommands.", .since = "5.0.0",
     .complexity = "O(1)"},
};

constexpr CommandSpec kClientCommands[] = {
    {.name = "CLIENT", .arity = -2, .flags = engine::kNoFamilyAcl, .subcommands = kClientSubcommands,
     .summary = "A container for client connection commands.", .since = "2.4.0",
     .complexity = "Depends on subcommand."},
};

}  // namespace

void RegisterClientFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclConnection, "connection", kClientCommands);
}

}  // namespace cinnabar::commands

// Connection commands: PING ECHO SELECT QUIT RESET HELLO AUTH.

#include <string>

#include "commands/args.h"
#include "commands/client_names.h"
#include "commands/families.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/monitor.h"
#include "engine/pubsub.h"
#include "engine/tracking.h"
#include "engine/transaction.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::Client;
using engine::CommandContext;
namespace errors = protocol::errors;

// PING [message]
void Ping(CommandContext& ctx) {
  if (ctx.argc() > 2) return ctx.ReplyError(errors::WrongArity(ctx.command().name));
  if (ctx.resp() == 2 && ctx.has_client() && ctx.client().subscribed()) {
    // Redis compat: in the RESP2 pub/sub context PING answers like a message would.
    ctx.reply().ArrayHeader(2);
    ctx.reply().Bulk("pong");
    ctx.reply().Bulk(ctx.argc() == 2 ? ctx.arg(1) : "");
    return;
  }
  if (ctx.argc() == 2) return ctx.reply().Bulk(ctx.arg(1));
  ctx.reply().SimpleString("PONG");
}

// ECHO message
void Echo(CommandContext& ctx) { ctx.reply().Bulk(ctx.arg(1)); }

// SELECT index
void Select(CommandContext& ctx) {
  OpResult<int> id = ParseIntArg(ctx.arg(1));
  if (!id) return ctx.ReplyError(id.status());
  if (*id < 0 || *id >= ctx.config().databases) return ctx.ReplyError(errors::kDbIndexOutOfRange);
  ctx.SelectDb(*id);
  ctx.reply().Ok();
}

// QUIT
void Quit(CommandContext& ctx) {
  ctx.reply().Ok();
  ctx.client().CloseAfterReply();
}

// RESET: back to a new connection's state.
void Reset(CommandContext& ctx) {
  Client& c = ctx.client();
  engine::DiscardMulti(c);
  engine::UnsubscribeAll(c);
  engine::StopMonitoring(c);
  engine::DisableTracking(c);
  c.db = 0;
  c.resp = 2;
  c.name.clear();
  engine::Acl& acl = ctx.engine().acl();
  c.SetUser(acl.Find("default"));
  c.authenticated = !acl.default_needs_auth();
  ctx.reply().SimpleString("RESET");
}

// Logs the client in as `user` if `password` is one of its own (and it is on); a failure
// goes to the ACL LOG.
bool Login(CommandContext& ctx, std::string_view user, std::string_view password) {
  std::shared_ptr<const engine::AclUser> u = ctx.engine().acl().Find(user);
  if (u == nullptr || !u->CheckPassword(password)) {
    engine::LogAuthFailure(ctx.client(), user, ctx.arg(0));
    return false;
  }
  ctx.client().SetUser(std::move(u));
  ctx.client().authenticated = true;
  return true;
}

// AUTH [username] password
void Auth(CommandContext& ctx) {
  if (ctx.argc() > 3) return ctx.ReplyError(errors::kSyntax);
  std::string_view user = "default", password;
  if (ctx.argc() == 2) {
    std::shared_ptr<const engine::AclUser> def = ctx.engine().acl().Find("default");
    if (def->nopass()) return ctx.ReplyError(errors::kAuthWithoutPassword);
    password = ctx.arg(1);
  } else {
    user = ctx.arg(1);
    password = ctx.arg(2);
  }
  if (!Login(ctx, user, password)) return ctx.ReplyError(errors::kWrongPass);
  ctx.reply().Ok();
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
void Hello(CommandContext& ctx) {
  Client& c = ctx.client();
  int64_t version = 0;
  size_t next = 1;
  if (ctx.argc() >= 2) {
    if (!base::ParseInt64(ctx.arg(1), &version)) {
      return ctx.ReplyError(errors::kProtoVersionNotInteger);
    }
    next = 2;
    if (version < 2 || version > 3) return ctx.ReplyError(errors::kNoProto);
  }
  // Redis compat: options take effect one by one as they are read; the first bad one stops
  // HELLO with its error, and what came before it stays done (a name set, a login made).
  for (size_t i = next; i < ctx.argc(); ++i) {
    size_t more = ctx.argc() - 1 - i;
    if (Is(ctx.arg(i), "AUTH") && more >= 2) {
      if (!Login(ctx, ctx.arg(i + 1), ctx.arg(i + 2))) return ctx.ReplyError(errors::kWrongPass);
      i += 2;
    } else if (Is(ctx.arg(i), "SETNAME") && more >= 1) {
      std::string_view name = ctx.arg(++i);
      if (!ValidClientName(name)) return ctx.ReplyError(errors::kInvalidClientName);
      c.name.assign(name);
    } else {
      return ctx.ReplyError(errors::HelloSyntax(ctx.arg(i)));
    }
  }
  if (c.AuthRequired()) {
    return ctx.ReplyError(errors::kHelloNoAuth);
  }
  if (version != 0) c.resp = static_cast<int>(version);
  // The reply goes out in the protocol just chosen.
  protocol::ReplyBuilder rb = c.Reply();
  rb.MapHeader(7);
  rb.Bulk("server");
  rb.Bulk("redis");
  rb.Bulk("version");
  rb.Bulk("7.0.15");
  rb.Bulk("proto");
  rb.Integer(c.resp);
  rb.Bulk("id");
  rb.Integer(static_cast<int64_t>(c.id()));
  rb.Bulk("mode");
  rb.Bulk("standalone");
  rb.Bulk("role");
  rb.Bulk("master");
  rb.Bulk("modules");
  rb.EmptyArray();
}

using engine::CommandSpec;
using engine::kFast;
using engine::kLoading;
using engine::kNoAuth;
using engine::kNoScript;
using engine::kStale;
using engine::kAllowBusy;

// HELLO [protover [AUTH username password] [SETNAME name]]: the username and password.
bool HelloRedacts(std::span<const std::string_view> args, size_t i) {
  for (size_t j = 2; j < args.size() && j < i;) {
    if (base::EqualsIgnoreCase(args[j], "auth")) {
      if (i <= j + 2) return true;
      j += 3;
    } else {
      j += base::EqualsIgnoreCase(args[j], "setname") ? 2 : 1;
    }
  }
  return false;
}

constexpr CommandSpec kConnectionCommands[] = {
    {.name = "PING", .arity = -1, .flags = kFast | engine::kSubscribedOk, .handler = Ping,
     .summary = "Returns the server's liveliness response.", .since = "1.0.0",
     .complexity = "O(1)",
     .tips = "request_policy:all_shards response_policy:all_succeeded"},
    {.name = "ECHO", .arity = 2, .flags = kLoading | kStale | kFast, .handler = Echo,
     .summary = "Returns the given string.", .since = "1.0.0", .complexity = "O(1)"},
    {.name = "SELECT", .arity = 2, .flags = kLoading | kStale | kFast, .handler = Select,
     .summary = "Changes the selected database.", .since = "1.0.0", .complexity = "O(1)"},
    {.name = "QUIT", .arity = -1, .flags = kNoScript | kLoading | kStale | kFast | kNoAuth |
                                             kAllowBusy | engine::kRunsInMulti |
                                             engine::kSubscribedOk,
     .handler = Quit, .summary = "Closes the connection.", .since = "1.0.0",
     .complexity = "O(1)"},
    {.name = "RESET", .arity = 1, .flags = kNoScript | kLoading | kStale | kFast | kNoAuth |
                                            kAllowBusy | engine::kRunsInMulti |
                                            engine::kSubscribedOk,
     .handler = Reset, .summary = "Resets the connection.", .since = "6.2.0",
     .complexity = "O(1)"},
    {.name = "HELLO", .arity = -1, .flags = kNoScript | kLoading | kStale | kFast | kNoAuth |
                                             kAllowBusy,
     .handler = Hello, .redacts = HelloRedacts,
     .summary = "Handshakes with the Redis server.", .since = "6.0.0",
     .complexity = "O(1)"},
    {.name = "AUTH", .arity = -2, .flags = kNoScript | kLoading | kStale | kFast | kNoAuth |
                                            kAllowBusy,
     .handler = Auth, .redacts = [](std::span<const std::string_view>, size_t i) { return i > 0; },
     .summary = "Authenticates the connection.", .since = "1.0.0",
     .complexity = "O(N) where N is the number of passwords defined for the user"},
};

}  // namespace

void RegisterConnectionFamily(engine::Registry* r) {
  r->AddFamily(engine::kAclConnection, "connection", kConnectionCommands);
}

}  // namespace cinnabar::commands

#include "commands/client_tracking.h"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "commands/args.h"
#include "engine/client.h"
#include "engine/command_context.h"
#include "engine/engine.h"
#include "engine/tracking.h"
#include "engine/worker.h"
#include "protocol/errors.h"

namespace cinnabar::commands {
namespace {

using engine::Client;
using engine::CommandContext;
using engine::Worker;
namespace errors = protocol::errors;

// CLIENT TRACKING's arguments, parsed in Redis's order. Redis looks the REDIRECT client up
// as it meets the option, so parsing stops there until the lookup (on every thread) says.
struct TrackingArgs {
  std::vector<std::string> args;  // copied: the lookup may finish after the handler returned
  size_t next = 3;                // the next argument to parse
  bool has_redirect = false;
  uint64_t redirect = 0;
  unsigned redirect_thread = 0;
  uint32_t options = 0;
  std::vector<std::string_view> prefixes;  // into args
};

enum class Step { kDone, kError, kLookup };

// Parses from args[next] on. kLookup: `redirect` is to be looked up, then parsing resumes.
Step Parse(TrackingArgs& t, std::string_view* error) {
  const std::vector<std::string>& a = t.args;
  while (t.next < a.size()) {
    const size_t j = t.next++;
    const bool more = j + 1 < a.size();
    if (Is(a[j], "redirect") && more) {
      ++t.next;
      if (t.has_redirect) {
        *error = errors::kTrackingOneRedirect;
        return Step::kError;
      }
      int64_t id;
      if (!base::ParseInt64(a[j + 1], &id)) {
        *error = errors::kNotInteger;
        return Step::kError;
      }
      t.has_redirect = true;
      t.redirect = static_cast<uint64_t>(id);
      return Step::kLookup;
    } else if (Is(a[j], "bcast")) {
      t.options |= engine::kTrackingBcast;
    } else if (Is(a[j], "optin")) {
      t.options |= engine::kTrackingOptin;
    } else if (Is(a[j], "optout")) {
      t.options |= engine::kTrackingOptout;
    } else if (Is(a[j], "noloop")) {
      t.options |= engine::kTrackingNoloop;
    } else if (Is(a[j], "prefix") && more) {
      ++t.next;
      t.prefixes.push_back(a[j + 1]);
    } else {
      *error = errors::kSyntax;
      return Step::kError;
    }
  }
  return Step::kDone;
}

// The checks Redis makes before turning tracking on; empty when they pass.
std::string RefuseOn(const Client& c, const TrackingArgs& t) {
  const uint32_t now = c.tracking.get();
  const uint32_t opts = t.options;
  if (!(opts & engine::kTrackingBcast) && !t.prefixes.empty()) {
    return std::string(errors::kTrackingPrefixNeedsBcast);
  }
  if ((now & engine::kTrackingOn) &&
      ((now & engine::kTrackingBcast) != 0) != ((opts & engine::kTrackingBcast) != 0)) {
    return std::string(errors::kTrackingBcastSwitch);
  }
  if ((opts & engine::kTrackingBcast) &&
      (opts & (engine::kTrackingOptin | engine::kTrackingOptout))) {
    return std::string(errors::kTrackingBcastOpt);
  }
  if ((opts & engine::kTrackingOptin) && (opts & engine::kTrackingOptout)) {
    return std::string(errors::kTrackingOptinAndOptout);
  }
  if (((opts & engine::kTrackingOptin) && (now & engine::kTrackingOptout)) ||
      ((opts & engine::kTrackingOptout) && (now & engine::kTrackingOptin))) {
    return std::string(errors::kTrackingOptSwitch);
  }
  if (!(opts & engine::kTrackingBcast)) return {};
  for (size_t i = 0; i < t.prefixes.size(); ++i) {
    for (const std::string& have : c.tracking.prefixes) {
      if (engine::PrefixesOverlap(have, t.prefixes[i])) {
        return errors::PrefixOverlapsExisting(t.prefixes[i], have);
      }
    }
    for (size_t j = i + 1; j < t.prefixes.size(); ++j) {
      if (engine::PrefixesOverlap(t.prefixes[i], t.prefixes[j])) {
        return errors::PrefixOverlapsGiven(t.prefixes[i], t.prefixes[j]);
      }
    }
  }
  return {};
}

// Parsing is complete: ON or OFF.
void Apply(Client& c, protocol::ReplyBuilder& rb, const TrackingArgs& t) {
  const std::string_view mode = t.args[2];
  if (Is(mode, "off")) {
    engine::DisableTracking(c);
    return rb.Ok();
  }
  if (!Is(mode, "on")) return rb.Error(errors::kSyntax);
  std::string refused = RefuseOn(c, t);
  if (!refused.empty()) return rb.Error(refused);
  engine::EnableTracking(c, t.redirect, t.redirect_thread, t.options, t.prefixes);
  rb.Ok();
}

// Parses on from where a lookup left off, and applies.
void Continue(Client& c, protocol::ReplyBuilder& rb, TrackingArgs& t) {
  std::string_view error;
  Step step = Parse(t, &error);
  if (step == Step::kError) return rb.Error(error);
  // Redis compat: a second REDIRECT is refused before its id is read.
  if (step == Step::kLookup) return rb.Error(errors::kTrackingOneRedirect);
  Apply(c, rb, t);
}

}  // namespace

// CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT] [NOLOOP]
void ClientTracking(CommandContext& ctx) {
  auto t = std::make_shared<TrackingArgs>();
  for (std::string_view a : ctx.args()) t->args.emplace_back(a);
  std::string_view error;
  Step step = Parse(*t, &error);
  if (step == Step::kError) return ctx.ReplyError(error);
  if (step == Step::kDone) return Apply(ctx.client(), ctx.reply(), *t);
  // The redirect client: on this thread, or on another (asked of every thread).
  Worker& w = ctx.worker();
  if (t->redirect != 0 && w.FindClient(t->redirect) != nullptr) {
    t->redirect_thread = w.index();
    return Continue(ctx.client(), ctx.reply(), *t);
  }
  if (t->redirect == 0 || ctx.engine().shard_count() == 1) {
    return ctx.ReplyError(errors::kTrackingNoRedirectTarget);
  }
  const uint64_t id = t->redirect;
  ctx.GatherFromWorkers<bool>(
      [id](Worker& other) { return other.FindClient(id) != nullptr; },
      [t](Client& c, protocol::ReplyBuilder& rb, std::vector<bool>& found) {
        for (unsigned i = 0; i < found.size(); ++i) {
          if (!found[i]) continue;
          t->redirect_thread = i;
          return Continue(c, rb, *t);
        }
        rb.Error(errors::kTrackingNoRedirectTarget);
      });
}

// CLIENT CACHING YES|NO
void ClientCaching(CommandContext& ctx) {
  Client& c = ctx.client();
  const uint32_t f = c.tracking.get();
  if (!(f & engine::kTrackingOn)) return ctx.ReplyError(errors::kCachingNotTracking);
  if (Is(ctx.arg(2), "yes")) {
    if (!(f & engine::kTrackingOptin)) return ctx.ReplyError(errors::kCachingYesNeedsOptin);
  } else if (Is(ctx.arg(2), "no")) {
    if (!(f & engine::kTrackingOptout)) return ctx.ReplyError(errors::kCachingNoNeedsOptout);
  } else {
    return ctx.ReplyError(errors::kSyntax);
  }
  c.tracking.set(f | engine::kTrackingCaching);
  engine::UpdateTrackingReads(c);
  ctx.reply().Ok();
}

// CLIENT GETREDIR
void ClientGetRedir(CommandContext& ctx) {
  const Client& c = ctx.client();
  ctx.reply().Integer(c.tracking.on() ? static_cast<int64_t>(c.tracking.redirect.load()) : -1);
}

// CLIENT TRACKINGINFO
void ClientTrackingInfo(CommandContext& ctx) {
  const Client& c = ctx.client();
  const uint32_t f = c.tracking.get();
  std::vector<std::string_view> flags;
  flags.push_back((f & engine::kTrackingOn) ? "on" : "off");
  if (f & engine::kTrackingBcast) flags.push_back("bcast");
  if (f & engine::kTrackingOptin) {
    flags.push_back("optin");
    if (f & engine::kTrackingCaching) flags.push_back("caching-yes");
  }
  if (f & engine::kTrackingOptout) {
    flags.push_back("optout");
    if (f & engine::kTrackingCaching) flags.push_back("caching-no");
  }
  if (f & engine::kTrackingNoloop) flags.push_back("noloop");
  if (f & engine::kTrackingBrokenRedir) flags.push_back("broken_redirect");
  protocol::ReplyBuilder& rb = ctx.reply();
  rb.MapHeader(3);
  rb.Bulk("flags");
  rb.SetHeader(flags.size());
  for (std::string_view flag : flags) rb.Bulk(flag);
  rb.Bulk("redirect");
  rb.Integer((f & engine::kTrackingOn) ? static_cast<int64_t>(c.tracking.redirect.load()) : -1);
  rb.Bulk("prefixes");
  rb.ArrayHeader(c.tracking.prefixes.size());
  for (const std::string& p : c.tracking.prefixes) rb.Bulk(p);
}

}  // namespace cinnabar::commands

// Acl: the process's users (engine/acl_user.h), the ACL LOG, and the permission check every
// command goes through (engine/dispatcher.cc, EXEC, scripts, ACL DRYRUN).
//
// Threading: users are published as immutable snapshots under a mutex; a change bumps
// generation(). A client keeps its user's snapshot and looks it up again only when the
// generation moved, so the hot path reads one atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engine/acl_user.h"

namespace cinnabar::engine {

class Client;
struct ServerConfig;
class Registry;
struct CommandEntry;

struct AclLogEntry {
  int64_t count = 1;
  std::string reason;   // "command", "key", "channel", "auth"
  std::string context;  // "toplevel", "multi", "lua"
  std::string object;   // the command, key or channel; for a failed login AUTH or HELLO
  std::string username;
  int64_t created_ms = 0;
  std::string client_info;  // the client's CLIENT LIST line
};

class Acl {
 public:
  explicit Acl(const Registry& registry);

  uint64_t generation() const { return generation_.load(std::memory_order_acquire); }
  const std::atomic<uint64_t>& generation_counter() const { return generation_; }
  // Whether a new connection must log in: the default user has passwords or is off.
  bool default_needs_auth() const { return default_needs_auth_.load(std::memory_order_relaxed); }

  std::shared_ptr<const AclUser> Find(std::string_view name) const;
  std::vector<std::shared_ptr<const AclUser>> Users() const;  // by name

  // ACL SETUSER: "" or the whole error text. All or nothing.
  std::string SetUser(std::string_view name, std::span<const std::string_view> rules);
  // ACL DELUSER: how many existed. The default user cannot go (error text in *error).
  int DelUsers(std::span<const std::string_view> names, std::string* error);
  // requirepass: the default user's passwords become just this one (nopass when empty).
  void SetDefaultPassword(std::string_view password);
  // acl-pubsub-default: whether new users start with allchannels.
  void SetAllChannelsByDefault(bool all) { all_channels_default_.store(all); }

  // Replaces every user by those of `lines`, each the words "user" <name> <rules...> (the
  // default user stays as it is unless a line names it). `where(i)` prefixes errors about
  // line i. Returns "" or the error; on error nothing changes.
  std::string LoadUserLines(std::span<const std::vector<std::string>> lines,
                            const std::function<std::string(size_t)>& where);
  // ACL LOAD: the users of the ACL file `path` ("" or Redis's error text).
  std::string LoadFile(const std::string& path);
  // ACL SAVE: writes ACL LIST's lines to `path`, atomically.
  std::string SaveFile(const std::string& path) const;
  // Start-up: acl-pubsub-default, requirepass, then the `user` lines or the ACL file.
  std::string Configure(const ServerConfig& cfg);
  // ACL LIST's lines, by name.
  std::vector<std::string> Describe() const;

  // --- ACL LOG ---
  void Log(AclLogEntry entry, int64_t max_len);
  std::vector<AclLogEntry> LogEntries(size_t count) const;
  void ResetLog();

 private:
  void PublishLocked();

  const Registry* registry_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> users_;
  std::atomic<uint64_t> generation_{1};
  std::atomic<bool> default_needs_auth_{false};
  std::atomic<bool> all_channels_default_{false};
  mutable std::mutex log_mu_;
  std::deque<AclLogEntry> log_;  // newest first
};

// --- The check of one call ---

// The keys and channels of a call (with what it does to each key), from its spec.
struct CallSubjects {
  std::vector<std::pair<std::string_view, uint8_t>> keys;
  std::vector<ChannelUse> channels;
};
void CollectSubjects(const CommandEntry& cmd, std::span<const std::string_view> args,
                     CallSubjects* out);

// Whether `user` may run the call; `culprit` names the key or channel refused.
AclDenial CheckCall(const AclUser& user, const CommandEntry& cmd,
                    std::span<const std::string_view> args, std::string_view* culprit);

// The client's verdict, refreshing its user when the users changed.
AclDenial CheckClientCall(Client& c, const CommandEntry& cmd,
                          std::span<const std::string_view> args, std::string_view* culprit);
// Records a denial in the ACL LOG; `context` is "toplevel", "multi" or "lua".
void LogDenial(Client& c, const AclUser* user, AclDenial denial, const CommandEntry& cmd,
               std::string_view culprit, std::string_view context);

// The -NOPERM text Redis answers for a denial.
std::string NoPermError(AclDenial denial, const CommandEntry& cmd);

// Records a failed login of `username` by `c` with `command` (AUTH or HELLO, as typed).
void LogAuthFailure(Client& c, std::string_view username, std::string_view command);

}  // namespace cinnabar::engine

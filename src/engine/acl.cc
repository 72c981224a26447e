#include "engine/acl.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

#include "base/clock.h"
#include "engine/client.h"
#include "engine/client_info.h"
#include "engine/command_keys.h"
#include "engine/config.h"
#include "engine/engine.h"
#include "engine/registry.h"
#include "engine/worker.h"
#include "protocol/split_args.h"

namespace cinnabar::engine {
namespace {

std::shared_ptr<AclUser> StandardDefault(const Registry& registry) {
  auto user = std::make_shared<AclUser>("default", registry, false);
  for (std::string_view rule : {"on", "nopass", "~*", "&*", "+@all"}) user->Apply(rule);
  return user;
}

constexpr int64_t kLogGroupMs = 60000;  // Redis groups alike entries this close

}  // namespace

Acl::Acl(const Registry& registry) : registry_(&registry) {
  users_["default"] = StandardDefault(registry);
}

void Acl::PublishLocked() {
  const AclUser& def = *users_.at("default");
  default_needs_auth_.store(!def.nopass() || !def.enabled(), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
}

std::shared_ptr<const AclUser> Acl::Find(std::string_view name) const {
  std::lock_guard lock(mu_);
  auto it = users_.find(name);
  return it == users_.end() ? nullptr : it->second;
}

std::vector<std::shared_ptr<const AclUser>> Acl::Users() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<const AclUser>> out;
  for (const auto& [name, user] : users_) out.push_back(user);
  return out;
}

std::string Acl::SetUser(std::string_view name, std::span<const std::string_view> rules) {
  if (!ValidUserName(name)) return "ERR Usernames can't contain spaces or null characters";
  std::lock_guard lock(mu_);
  auto it = users_.find(name);
  auto user = it != users_.end()
                  ? std::make_shared<AclUser>(*it->second)
                  : std::make_shared<AclUser>(std::string(name), *registry_,
                                              all_channels_default_.load());
  std::string error = user->ApplyAll(rules);
  if (!error.empty()) return error;
  users_[std::string(name)] = std::move(user);
  PublishLocked();
  return "";
}

int Acl::DelUsers(std::span<const std::string_view> names, std::string* error) {
  std::lock_guard lock(mu_);
  for (std::string_view n : names) {
    if (n == "default") {
      *error = "ERR The 'default' user cannot be removed";
      return 0;
    }
  }
  int deleted = 0;
  for (std::string_view n : names) {
    auto it = users_.find(n);
    if (it == users_.end()) continue;
    users_.erase(it);
    ++deleted;
  }
  if (deleted > 0) PublishLocked();
  return deleted;
}

void Acl::SetDefaultPassword(std::string_view password) {
  std::lock_guard lock(mu_);
  auto user = std::make_shared<AclUser>(*users_.at("default"));
  user->Apply("resetpass");
  user->Apply(password.empty() ? std::string("nopass") : ">" + std::string(password));
  users_["default"] = std::move(user);
  PublishLocked();
}

std::string Acl::LoadUserLines(std::span<const std::vector<std::string>> lines,
                               const std::function<std::string(size_t)>& where) {
  std::map<std::string, std::shared_ptr<const AclUser>, std::less<>> next;
  for (size_t i = 0; i < lines.size(); ++i) {
    const std::vector<std::string>& words = lines[i];
    if (words.empty()) continue;
    if (words[0] != "user" || words.size() < 2) return where(i) + "should start with user keyword";
    const std::string& name = words[1];
    if (!ValidUserName(name)) return where(i) + "Usernames can't contain spaces or null characters";
    if (next.count(name) != 0) return where(i) + "Duplicate user '" + name + "' found";
    auto user = std::make_shared<AclUser>(name, *registry_, all_channels_default_.load());
    std::vector<std::string_view> rules(words.begin() + 2, words.end());
    std::string error = user->ApplyAll(rules);
    if (!error.empty()) {
      // "ERR Error in ACL SETUSER modifier 'x': why" -> "Error in user declaration 'x': why"
      std::string why = error.rfind("ERR ", 0) == 0 ? error.substr(4) : error;
      const std::string prefix = "Error in ACL SETUSER modifier ";
      if (why.rfind(prefix, 0) == 0) why = "Error in user declaration " + why.substr(prefix.size());
      return where(i) + why;
    }
    next[name] = std::move(user);
  }
  std::lock_guard lock(mu_);
  if (next.count("default") == 0) next["default"] = users_.at("default");
  users_ = std::move(next);
  PublishLocked();
  return "";
}

std::string Acl::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return fmt::format("Error loading ACLs, opening file '{}': {}", path, std::strerror(errno));
  }
  std::vector<std::vector<std::string>> lines;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> words;
    const size_t start = line.find_first_not_of(" \t");
    if (start == std::string::npos || line[start] == '#') {
      lines.emplace_back();  // keeps the numbering of the lines
      continue;
    }
    if (!protocol::SplitArgs(line, &words)) {
      return fmt::format("{}:{}: unbalanced quotes in acl line. ", path, lines.size() + 1);
    }
    lines.push_back(std::move(words));
  }
  return LoadUserLines(lines, [&](size_t i) { return fmt::format("{}:{}: ", path, i + 1); });
}

std::string Acl::SaveFile(const std::string& path) const {
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return fmt::format("Opening temp ACL file for ACL SAVE: {}", std::strerror(errno));
    for (const std::string& l : Describe()) out << l << '\n';
    out.flush();
    if (!out) return fmt::format("Writing ACL file for ACL SAVE: {}", std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    std::remove(tmp.c_str());
    return "Renaming ACL file for ACL SAVE: " + why;
  }
  return "";
}

std::string Acl::Configure(const ServerConfig& cfg) {
  SetAllChannelsByDefault(cfg.acl_pubsub_allchannels());
  if (!cfg.requirepass.empty()) SetDefaultPassword(cfg.requirepass);
  if (!cfg.aclfile.empty() && !cfg.acl_user_lines.empty()) {
    return "Configuring Cinnabar with users in the config file and an ACL file at once is "
           "refused: define the users in one place (aclfile or user lines), not both.";
  }
  if (!cfg.aclfile.empty()) return LoadFile(cfg.aclfile);
  std::vector<std::vector<std::string>> lines;
  for (const auto& words : cfg.acl_user_lines) {
    std::vector<std::string> line = {"user"};
    line.insert(line.end(), words.begin(), words.end());
    lines.push_back(std::move(line));
  }
  return LoadUserLines(lines, [](size_t) { return std::string(); });
}

std::vector<std::string> Acl::Describe() const {
  std::vector<std::string> out;
  for (const auto& user : Users()) out.push_back(user->Describe());
  return out;
}

void Acl::Log(AclLogEntry entry, int64_t max_len) {
  std::lock_guard lock(log_mu_);
  for (auto it = log_.begin(); it != log_.end(); ++it) {
    if (it->reason == entry.reason && it->context == entry.context &&
        it->object == entry.object && it->username == entry.username &&
        entry.created_ms - it->created_ms < kLogGroupMs) {
      entry.count = it->count + 1;
      log_.erase(it);
      break;
    }
  }
  log_.push_front(std::move(entry));
  while (static_cast<int64_t>(log_.size()) > max_len) log_.pop_back();
}

std::vector<AclLogEntry> Acl::LogEntries(size_t count) const {
  std::lock_guard lock(log_mu_);
  return {log_.begin(), log_.begin() + static_cast<ptrdiff_t>(std::min(count, log_.size()))};
}

void Acl::ResetLog() {
  std::lock_guard lock(log_mu_);
  log_.clear();
}

// --- The check ---

void CollectSubjects(const CommandEntry& cmd, std::span<const std::string_view> args,
                     CallSubjects* out) {
  out->keys.clear();
  out->channels.clear();
  const uint32_t flags = cmd.spec->flags;
  if (cmd.has_keys() && !(flags & kNotKey)) {
    std::vector<KeyRef> keys;
    if (CommandKeys(cmd, args, &keys)) {
      // Redis's rule from the key spec: access reads, update/insert/delete write; a key
      // with none of them (EXISTS's) needs any permission on it.
      for (const KeyRef& k : keys) {
        uint8_t access = 0;
        if (k.flags & kKeyAccess) access |= kKeyRead;
        if (k.flags & (kKeyUpdate | kKeyInsert | kKeyDelete)) access |= kKeyWrite;
        out->keys.push_back({args[static_cast<size_t>(k.index)], access});
      }
    }
  }
  const ChannelArgs& ch = cmd.spec->channels;
  if (ch.first > 0) {
    const int argc = static_cast<int>(args.size());
    const int last = ch.last >= 0 ? ch.last : argc + ch.last;
    for (int i = ch.first; i <= last && i < argc; ++i) {
      out->channels.push_back({args[static_cast<size_t>(i)], ch.patterns});
    }
  }
}

AclDenial CheckCall(const AclUser& user, const CommandEntry& cmd,
                    std::span<const std::string_view> args, std::string_view* culprit) {
  if (user.unrestricted()) return AclDenial::kNone;
  CallSubjects subjects;
  CollectSubjects(cmd, args, &subjects);
  return user.Check(cmd, args, subjects.keys, subjects.channels, culprit);
}

AclDenial CheckClientCall(Client& c, const CommandEntry& cmd,
                          std::span<const std::string_view> args, std::string_view* culprit) {
  const AclUser* user = c.acl_user();
  if (user == nullptr) return AclDenial::kCommand;  // its user was deleted: it is closing
  if (user->unrestricted()) return AclDenial::kNone;
  return CheckCall(*user, cmd, args, culprit);
}

void LogDenial(Client& c, const AclUser* user, AclDenial d, const CommandEntry& cmd,
               std::string_view culprit, std::string_view context) {
  AclLogEntry e;
  e.reason = d == AclDenial::kCommand ? "command" : d == AclDenial::kKey ? "key" : "channel";
  e.context = std::string(context);
  e.object = d == AclDenial::kCommand ? cmd.name : std::string(culprit);
  e.username = user != nullptr ? user->name() : "";
  e.created_ms = base::UnixTimeMs();
  e.client_info = DescribeClient(c, e.created_ms);
  c.worker().engine().acl().Log(std::move(e), c.worker().config().acllog_max_len);
}

std::string NoPermError(AclDenial denial, const CommandEntry& cmd) {
  switch (denial) {
    case AclDenial::kKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case AclDenial::kChannel:
      return "NOPERM this user has no permissions to access one of the channels used as "
             "arguments";
    default:
      return "NOPERM this user has no permissions to run the '" + cmd.name + "' command";
  }
}

void LogAuthFailure(Client& c, std::string_view username, std::string_view command) {
  AclLogEntry e;
  e.reason = "auth";
  e.context = "toplevel";
  e.object = std::string(command);
  e.username = std::string(username);
  e.created_ms = base::UnixTimeMs();
  e.client_info = DescribeClient(c, e.created_ms);
  c.worker().engine().acl().Log(std::move(e), c.worker().config().acllog_max_len);
}

}  // namespace cinnabar::engine

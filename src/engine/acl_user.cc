#include "engine/acl_user.h"

#include <algorithm>
#include <cctype>

#include "base/sha256.h"
#include "base/string_util.h"
#include "core/glob.h"
#include "engine/registry.h"

namespace cinnabar::engine {
namespace {

// Redis's reasons, as ACL SETUSER prints them after the modifier.
constexpr std::string_view kUnknownName = "Unknown command or category name in ACL";
constexpr std::string_view kSyntax = "Syntax error";
constexpr std::string_view kKeyAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr std::string_view kChannelAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
    "not have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr std::string_view kNoSuchPassword =
    "The password you are trying to remove from the user does not exist";
constexpr std::string_view kBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr std::string_view kFirstArgOfSub =
    "Allowing first-arg of a subcommand is not supported";

std::vector<std::string_view> Words(std::string_view s) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && s[i] == ' ') ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ') ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool ValidHash(std::string_view h) {
  return h.size() == 64 && std::all_of(h.begin(), h.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// The categories in Redis's order, as ACL CAT lists them.
constexpr std::string_view kCategoryOrder[] = {
    "keyspace", "read",  "write",    "set",       "sortedset",  "list",       "hash",
    "string",   "bitmap", "hyperloglog", "geo",   "stream",     "pubsub",     "admin",
    "fast",     "slow",  "blocking", "dangerous", "connection", "transaction", "scripting"};

}  // namespace

bool ValidUserName(std::string_view name) {
  // Redis compat: no white space of any kind (isspace), no NUL.
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '\0' || std::isspace(static_cast<unsigned char>(c));
  });
}

// --- AclSelector ---

AclSelector::AclSelector(const Registry& registry)
    : registry_(&registry), bits_((registry.size() + 63) / 64, 0) {}

void AclSelector::SetCommand(const CommandEntry& cmd, bool allow) {
  uint64_t& word = bits_[cmd.id / 64];
  const uint64_t bit = uint64_t{1} << (cmd.id % 64);
  word = allow ? (word | bit) : (word & ~bit);
  std::erase_if(first_args_, [&](const auto& f) { return f.first == cmd.id; });
  for (const CommandEntry* sub : cmd.subcommands) SetCommand(*sub, allow);
}

void AclSelector::SetCategory(uint64_t category, bool allow) {
  for (uint32_t id = 0; id < registry_->size(); ++id) {
    const CommandEntry& cmd = registry_->at(id);
    if (!(cmd.acl & category)) continue;
    uint64_t& word = bits_[id / 64];
    const uint64_t bit = uint64_t{1} << (id % 64);
    word = allow ? (word | bit) : (word & ~bit);
    std::erase_if(first_args_, [&](const auto& f) { return f.first == id; });
  }
}

std::string AclSelector::ApplyCommandRule(std::string_view rule) {
  const bool allow = rule[0] == '+';
  std::string_view name = rule.substr(1);
  if (!allow) exact_all_ = false;  // future commands stay allowed after +@all
  if (!name.empty() && name[0] == '@') {
    std::string_view cat = name.substr(1);
    if (base::EqualsIgnoreCase(cat, "all")) {
      std::fill(bits_.begin(), bits_.end(), allow ? ~uint64_t{0} : 0);
      first_args_.clear();
      all_commands_ = exact_all_ = allow;
      return "";
    }
    uint64_t bit = 0;
    if (!ParseAclCategory(cat, &bit)) return std::string(kUnknownName);
    SetCategory(bit, allow);
    return "";
  }
  const size_t bar = name.find('|');
  if (bar == std::string_view::npos) {
    const CommandEntry* cmd = registry_->Find(name);
    if (cmd == nullptr || cmd->parent != nullptr) return std::string(kUnknownName);
    SetCommand(*cmd, allow);
    return "";
  }
  const CommandEntry* parent = registry_->Find(name.substr(0, bar));
  if (parent == nullptr || parent->parent != nullptr) return std::string(kUnknownName);
  std::string_view rest = name.substr(bar + 1);
  if (!parent->subcommands.empty()) {
    const CommandEntry* sub = registry_->Find(name);
    if (sub == nullptr || rest.find('|') != std::string_view::npos) {
      return std::string(rest.find('|') != std::string_view::npos ? kFirstArgOfSub : kUnknownName);
    }
    SetCommand(*sub, allow);
    return "";
  }
  // A first argument of a command without subcommands (+select|0): allow only.
  if (!allow || rest.empty() || rest.find('|') != std::string_view::npos) {
    return std::string(kUnknownName);
  }
  if (Allowed(parent->id)) return "";  // the whole command is allowed already
  auto it = std::find_if(first_args_.begin(), first_args_.end(),
                         [&](const auto& f) { return f.first == parent->id; });
  if (it == first_args_.end()) {
    first_args_.push_back({parent->id, {}});
    it = first_args_.end() - 1;
  }
  std::string arg = base::ToLower(rest);
  if (std::find(it->second.begin(), it->second.end(), arg) == it->second.end()) {
    it->second.push_back(std::move(arg));
  }
  return "";
}

std::string AclSelector::ApplyKeyPattern(std::string_view rule) {
  // Redis compat: only "~*" itself means allkeys (again and again); "%RW~*" is a pattern;
  // after allkeys any other is refused before it is read.
  if (rule == "~*") {
    all_keys_ = true;
    keys_.clear();
    return "";
  }
  if (all_keys_) return std::string(kKeyAfterAll);
  uint8_t access = 0;
  std::string_view pattern;
  if (rule[0] == '~') {
    access = kKeyRead | kKeyWrite;
    pattern = rule.substr(1);
  } else {
    size_t tilde = rule.find('~');
    if (tilde == std::string_view::npos || tilde == 1) return std::string(kSyntax);
    for (char c : rule.substr(1, tilde - 1)) {
      if (c == 'R' || c == 'r') {
        access |= kKeyRead;
      } else if (c == 'W' || c == 'w') {
        access |= kKeyWrite;
      } else {
        return std::string(kSyntax);
      }
    }
    pattern = rule.substr(tilde + 1);
  }
  for (AclKeyPattern& k : keys_) {
    if (k.pattern == pattern) {
      k.access |= access;
      return "";
    }
  }
  keys_.push_back({std::string(pattern), access});
  return "";
}

std::string AclSelector::Apply(std::string_view rule) {
  if (rule.empty()) return std::string(kSyntax);
  if (base::EqualsIgnoreCase(rule, "allkeys")) {
    all_keys_ = true;
    keys_.clear();
    return "";
  }
  if (base::EqualsIgnoreCase(rule, "resetkeys")) {
    all_keys_ = false;
    keys_.clear();
    return "";
  }
  if (base::EqualsIgnoreCase(rule, "allchannels")) {
    all_channels_ = true;
    channels_.clear();
    return "";
  }
  if (base::EqualsIgnoreCase(rule, "resetchannels")) {
    all_channels_ = false;
    channels_.clear();
    return "";
  }
  if (base::EqualsIgnoreCase(rule, "allcommands")) return ApplyCommandRule("+@all");
  if (base::EqualsIgnoreCase(rule, "nocommands")) return ApplyCommandRule("-@all");
  switch (rule[0]) {
    case '~':
    case '%':
      return ApplyKeyPattern(rule);
    case '&': {
      std::string_view pattern = rule.substr(1);
      if (pattern == "*") {  // allchannels, again and again
        all_channels_ = true;
        channels_.clear();
      } else if (all_channels_) {
        return std::string(kChannelAfterAll);
      } else if (std::find(channels_.begin(), channels_.end(), pattern) == channels_.end()) {
        channels_.emplace_back(pattern);
      }
      return "";
    }
    case '+':
    case '-':
      return ApplyCommandRule(rule);
    default:
      return std::string(kSyntax);
  }
}

bool AclSelector::AllowsCommand(const CommandEntry& cmd,
                                std::span<const std::string_view> args) const {
  if (exact_all_ || Allowed(cmd.id)) return true;
  if (cmd.parent != nullptr || args.size() < 2) return false;
  for (const auto& [id, allowed] : first_args_) {
    if (id != cmd.id) continue;
    for (const std::string& a : allowed) {
      if (base::EqualsIgnoreCase(a, args[1])) return true;
    }
  }
  return false;
}

bool AclSelector::AllowsChannel(const ChannelUse& channel) const {
  if (all_channels_) return true;
  for (const std::string& p : channels_) {
    if (channel.pattern ? p == channel.name : core::GlobMatch(p, channel.name)) return true;
  }
  return false;
}

AclDenial AclSelector::Check(const CommandEntry& cmd, std::span<const std::string_view> args,
                             std::span<const std::pair<std::string_view, uint8_t>> keys,
                             std::span<const ChannelUse> channels,
                             std::string_view* culprit) const {
  if (!AllowsCommand(cmd, args)) return AclDenial::kCommand;
  if (!all_keys_) {
    for (const auto& call_key : keys) {
      const std::string_view key = call_key.first;
      const uint8_t access = call_key.second;
      const bool ok = std::any_of(keys_.begin(), keys_.end(), [&](const AclKeyPattern& p) {
        // A key the call neither reads nor writes (EXISTS) needs any permission.
        return (access == 0 || (p.access & access) == access) && core::GlobMatch(p.pattern, key);
      });
      if (!ok) {
        *culprit = key;
        return AclDenial::kKey;
      }
    }
  }
  for (const ChannelUse& ch : channels) {
    if (!AllowsChannel(ch)) {
      *culprit = ch.name;
      return AclDenial::kChannel;
    }
  }
  return AclDenial::kNone;
}

std::string AclSelector::DescribeCommands() const {
  // Redis's approach: start from +@all or -@all, add each category wholly allowed (or, from
  // +@all, wholly refused), then name each command (and subcommand) that still differs.
  AclSelector fake(*registry_);
  std::string out = all_commands_ ? "+@all" : "-@all";
  if (all_commands_) fake.ApplyCommandRule("+@all");
  const bool additive = !all_commands_;
  for (std::string_view cat : kCategoryOrder) {
    uint64_t bit = 0;
    ParseAclCategory(cat, &bit);
    size_t on = 0, off = 0;
    for (uint32_t id = 0; id < registry_->size(); ++id) {
      if (!(registry_->at(id).acl & bit)) continue;
      (Allowed(id) ? on : off)++;
    }
    if ((additive && off == 0 && on > 0) || (!additive && on == 0 && off > 0)) {
      // Named only if it changes the picture (@blocking after +@write here: Cinnabar's
      // blocking commands all write).
      std::string rule = std::string(additive ? "+@" : "-@") + std::string(cat);
      const std::vector<uint64_t> before = fake.bits_;
      fake.ApplyCommandRule(rule);
      if (fake.bits_ != before) out += " " + rule;
    }
  }
  auto note = [&](const CommandEntry& cmd) {
    if (Allowed(cmd.id) != fake.Allowed(cmd.id)) {
      out += (Allowed(cmd.id) ? " +" : " -") + cmd.name;
      fake.SetCommand(cmd, Allowed(cmd.id));
    }
  };
  for (const CommandEntry* cmd : registry_->commands()) {
    note(*cmd);
    for (const CommandEntry* sub : cmd->subcommands) note(*sub);
    for (const auto& [id, args] : first_args_) {
      if (id != cmd->id) continue;
      for (const std::string& a : args) out += " +" + cmd->name + "|" + a;
    }
  }
  return out;
}

std::string AclSelector::DescribeKeys() const {
  if (all_keys_) return "~*";
  std::string out;
  for (const AclKeyPattern& k : keys_) {
    if (!out.empty()) out += ' ';
    if (k.access == kKeyRead) {
      out += "%R";
    } else if (k.access == kKeyWrite) {
      out += "%W";
    }
    out += '~';
    out += k.pattern;
  }
  return out;
}

std::string AclSelector::DescribeChannels() const {
  if (all_channels_) return "&*";
  std::string out;
  for (const std::string& c : channels_) {
    if (!out.empty()) out += ' ';
    out += '&';
    out += c;
  }
  return out;
}

std::string AclSelector::DescribeForList() const {
  std::string out = DescribeKeys();
  auto add = [&](const std::string& part) {
    if (part.empty()) return;
    if (!out.empty()) out += ' ';
    out += part;
  };
  add(all_channels_ ? std::string("&*") : "resetchannels");
  if (!all_channels_) add(DescribeChannels());
  add(DescribeCommands());
  return out;
}

// --- AclUser ---

AclUser::AclUser(std::string name, const Registry& registry, bool all_channels_by_default)
    : name_(std::move(name)),
      registry_(&registry),
      all_channels_by_default_(all_channels_by_default),
      root_(registry) {
  if (all_channels_by_default_) root_.Apply("allchannels");
}

std::string AclUser::Apply(std::string_view rule) {
  if (rule.empty()) return "";  // Redis compat: an empty rule changes nothing
  if (base::EqualsIgnoreCase(rule, "on")) {
    enabled_ = true;
  } else if (base::EqualsIgnoreCase(rule, "off")) {
    enabled_ = false;
  } else if (base::EqualsIgnoreCase(rule, "nopass")) {
    nopass_ = true;
    passwords_.clear();
  } else if (base::EqualsIgnoreCase(rule, "resetpass")) {
    nopass_ = false;
    passwords_.clear();
  } else if (base::EqualsIgnoreCase(rule, "skip-sanitize-payload")) {
    sanitize_ = 2;
  } else if (base::EqualsIgnoreCase(rule, "sanitize-payload")) {
    sanitize_ = 1;
  } else if (base::EqualsIgnoreCase(rule, "clearselectors")) {
    selectors_.clear();
  } else if (base::EqualsIgnoreCase(rule, "reset")) {
    *this = AclUser(name_, *registry_, all_channels_by_default_);
    sanitize_ = 1;
  } else if (!rule.empty() && (rule[0] == '>' || rule[0] == '#')) {
    std::string hash = rule[0] == '>' ? base::Sha256Hex(rule.substr(1)) : std::string(rule.substr(1));
    if (rule[0] == '#' && !ValidHash(hash)) return std::string(kBadHash);
    if (std::find(passwords_.begin(), passwords_.end(), hash) == passwords_.end()) {
      passwords_.push_back(std::move(hash));
    }
    nopass_ = false;
  } else if (!rule.empty() && (rule[0] == '<' || rule[0] == '!')) {
    std::string hash = rule[0] == '<' ? base::Sha256Hex(rule.substr(1)) : std::string(rule.substr(1));
    if (rule[0] == '!' && !ValidHash(hash)) return std::string(kBadHash);
    auto it = std::find(passwords_.begin(), passwords_.end(), hash);
    if (it == passwords_.end()) return std::string(kNoSuchPassword);
    passwords_.erase(it);
    nopass_ = false;
  } else if (rule.size() >= 2 && rule.front() == '(' && rule.back() == ')') {
    AclSelector selector(*registry_);
    if (all_channels_by_default_) selector.Apply("allchannels");
    for (std::string_view part : Words(rule.substr(1, rule.size() - 2))) {
      std::string reason = selector.Apply(part);
      if (!reason.empty()) return reason;
    }
    selectors_.push_back(std::move(selector));
  } else {
    return root_.Apply(rule);
  }
  return "";
}

std::string AclUser::ApplyAll(std::span<const std::string_view> rules) {
  // Redis compat: selectors split across arguments ("(~x" "+get)") are joined first, and
  // an unmatched one is refused before any rule applies.
  std::vector<std::string> joined;
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string_view rule = rules[i];
    if (rule.empty() || rule.front() != '(' || rule.back() == ')') {
      joined.emplace_back(rule);
      continue;
    }
    std::string selector(rule);
    size_t j = i + 1;
    for (; j < rules.size(); ++j) {
      selector += ' ';
      selector += rules[j];
      if (!rules[j].empty() && rules[j].back() == ')') break;
    }
    if (j == rules.size()) {
      return "ERR Unmatched parenthesis in acl selector starting at '" +
             std::string(rule.substr(0, rule.find('\0'))) + "'.";
    }
    joined.push_back(std::move(selector));
    i = j;
  }
  for (const std::string& rule : joined) {
    std::string reason = Apply(rule);
    // Redis compat: the modifier is shown up to a NUL.
    if (!reason.empty()) {
      return "ERR Error in ACL SETUSER modifier '" + rule.substr(0, rule.find('\0')) +
             "': " + reason;
    }
  }
  return "";
}

bool AclUser::CheckPassword(std::string_view password) const {
  if (!enabled_) return false;
  if (nopass_) return true;
  const std::string hash = base::Sha256Hex(password);
  return std::find(passwords_.begin(), passwords_.end(), hash) != passwords_.end();
}

AclDenial AclUser::Check(const CommandEntry& cmd, std::span<const std::string_view> args,
                         std::span<const std::pair<std::string_view, uint8_t>> keys,
                         std::span<const ChannelUse> channels, std::string_view* culprit) const {
  AclDenial verdict = root_.Check(cmd, args, keys, channels, culprit);
  if (verdict == AclDenial::kNone) return verdict;
  for (const AclSelector& s : selectors_) {
    std::string_view other;
    AclDenial d = s.Check(cmd, args, keys, channels, &other);
    if (d == AclDenial::kNone) return d;
    // A selector that allows the command tells the more telling reason (its key or channel).
    if (verdict == AclDenial::kCommand && d != AclDenial::kCommand) {
      verdict = d;
      *culprit = other;
    }
  }
  return verdict;
}

std::vector<std::string_view> AclUser::FlagNames() const {
  std::vector<std::string_view> out = {enabled_ ? "on" : "off"};
  if (nopass_) out.push_back("nopass");
  if (sanitize_ == 2) out.push_back("skip-sanitize-payload");
  if (sanitize_ == 1) out.push_back("sanitize-payload");
  return out;
}

std::string AclUser::Describe() const {
  std::string out = "user " + name_;
  for (std::string_view f : FlagNames()) {
    out += ' ';
    out += f;
  }
  for (const std::string& h : passwords_) out += " #" + h;
  out += ' ';
  out += root_.DescribeForList();
  for (const AclSelector& s : selectors_) out += " (" + s.DescribeForList() + ")";
  return out;
}

}  // namespace cinnabar::engine

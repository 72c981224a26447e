// ACL users and selectors (Redis 7.0's model): what a user may run, which keys it may read
// or write, which channels it may use, and how it logs in. The rules of ACL SETUSER, the
// `user` lines of a config file and the ACL file all go through AclUser::Apply; ACL LIST
// and GETUSER describe a user back in the same rules.
//
// Threading: a user is immutable once published (engine/acl.h hands out snapshots);
// editing works on a copy.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cinnabar::engine {

class Registry;
struct CommandEntry;

// What a call does with a key (from the command's key specs).
enum KeyAccess : uint8_t {
  kKeyRead = 1,
  kKeyWrite = 2,
};

struct AclKeyPattern {
  std::string pattern;
  uint8_t access = kKeyRead | kKeyWrite;
};

// A channel a call names; a pattern (PSUBSCRIBE's) must equal an allowed pattern.
struct ChannelUse {
  std::string_view name;
  bool pattern = false;
};

// The verdict on one call.
enum class AclDenial : uint8_t { kNone, kCommand, kKey, kChannel };

class AclSelector {
 public:
  explicit AclSelector(const Registry& registry);

  // Applies one selector rule (~pattern, %R~pattern, allkeys, resetkeys, &pattern,
  // allchannels, resetchannels, +cmd, -cmd, +@cat, -@cat, +cmd|sub, allcommands,
  // nocommands). Returns Redis's reason when the rule is refused, else "".
  std::string Apply(std::string_view rule);

  // `keys` are the call's keys with what it does to each, `channels` its channels.
  AclDenial Check(const CommandEntry& cmd, std::span<const std::string_view> args,
                  std::span<const std::pair<std::string_view, uint8_t>> keys,
                  std::span<const ChannelUse> channels, std::string_view* culprit) const;
  bool AllowsCommand(const CommandEntry& cmd, std::span<const std::string_view> args) const;
  bool AllowsChannel(const ChannelUse& channel) const;

  // As ACL LIST and GETUSER show them.
  std::string DescribeCommands() const;
  std::string DescribeKeys() const;
  // GETUSER's form ("&a &b", "&*", ""); ACL LIST puts "resetchannels" before the patterns.
  std::string DescribeChannels() const;
  std::string DescribeForList() const;  // "~k resetchannels &c -@all +get"

  // Whether the selector allows everything: the fast path of the permission check.
  bool unrestricted() const { return all_commands_ && all_keys_ && all_channels_ && exact_all_; }
  bool all_channels() const { return all_channels_; }
  const std::vector<std::string>& channels() const { return channels_; }

 private:
  void SetCommand(const CommandEntry& cmd, bool allow);
  void SetCategory(uint64_t category, bool allow);
  bool Allowed(uint32_t id) const { return (bits_[id / 64] >> (id % 64)) & 1; }
  std::string ApplyCommandRule(std::string_view rule);
  std::string ApplyKeyPattern(std::string_view rule);

  const Registry* registry_;
  std::vector<uint64_t> bits_;  // by command id: allowed
  // Redis's allowed first arguments of commands without subcommands (+select|0), by id.
  std::vector<std::pair<uint32_t, std::vector<std::string>>> first_args_;
  bool all_commands_ = false;  // +@all came after the last -@all: future commands too
  bool exact_all_ = false;     // and nothing was taken away since
  bool all_keys_ = false;
  bool all_channels_ = false;
  std::vector<AclKeyPattern> keys_;
  std::vector<std::string> channels_;
};

class AclUser {
 public:
  AclUser(std::string name, const Registry& registry, bool all_channels_by_default);

  // Applies one rule: a user rule (on, off, nopass, resetpass, >pw, <pw, #hash, !hash,
  // reset, skip-sanitize-payload, sanitize-payload, clearselectors, "(selector rules)")
  // or a root selector rule. Returns Redis's reason when refused, else "".
  std::string Apply(std::string_view rule);
  // Applies SETUSER's arguments in order, joining a selector split across arguments; on
  // failure returns the whole error text and the user is partly changed (apply to a copy).
  std::string ApplyAll(std::span<const std::string_view> rules);

  // Whether `password` logs in: enabled, and nopass or one of the passwords.
  bool CheckPassword(std::string_view password) const;

  AclDenial Check(const CommandEntry& cmd, std::span<const std::string_view> args,
                  std::span<const std::pair<std::string_view, uint8_t>> keys,
                  std::span<const ChannelUse> channels, std::string_view* culprit) const;
  bool unrestricted() const { return selectors_.empty() && root_.unrestricted(); }

  const std::string& name() const { return name_; }
  bool enabled() const { return enabled_; }
  bool nopass() const { return nopass_; }
  const std::vector<std::string>& passwords() const { return passwords_; }
  const AclSelector& root() const { return root_; }
  const std::vector<AclSelector>& selectors() const { return selectors_; }
  std::vector<std::string_view> FlagNames() const;
  // ACL LIST's line: "user default on nopass ~* &* +@all".
  std::string Describe() const;

 private:
  std::string name_;
  const Registry* registry_;
  bool all_channels_by_default_;
  bool enabled_ = false;
  bool nopass_ = false;
  int sanitize_ = 0;  // 0 unset, 1 sanitize-payload, 2 skip-sanitize-payload
  std::vector<std::string> passwords_;  // SHA-256 hex digests, in the order added
  AclSelector root_;
  std::vector<AclSelector> selectors_;
};

// Usernames may not contain white space or NUL.
bool ValidUserName(std::string_view name);

}  // namespace cinnabar::engine

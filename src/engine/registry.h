// Registry: the command table, built once at startup from each family's CommandSpec array
// and read-only afterwards (shared by every thread).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/hash.h"
#include "engine/command_spec.h"

namespace cinnabar::engine {

// A registered command or subcommand, with what is derived from its declaration.
struct CommandEntry {
  const CommandSpec* spec = nullptr;
  std::string name;        // lower case: "get", "client|setname"
  std::string group;       // COMMAND DOCS group: "string", "connection", ...
  uint64_t acl = 0;        // all ACL categories
  uint32_t id = 0;         // dense index for per-command statistics
  const CommandEntry* parent = nullptr;
  std::vector<const CommandEntry*> subcommands;
  bool renamed = false;    // rename-command gave it another name (the journal keeps this one)

  bool ArityOk(size_t argc) const {
    int a = spec->arity;
    return a >= 0 ? argc == static_cast<size_t>(a) : argc >= static_cast<size_t>(-a);
  }
  bool has_keys() const { return spec->keys.first > 0 || spec->find_keys != nullptr; }
  // Whether the dispatcher places the command by its keys (those of SSUBSCRIBE and
  // SPUBLISH are channels).
  bool routes_on_keys() const { return has_keys() && !(spec->flags & kNotKey); }
};

class Registry {
 public:
  // Adds a family's commands; `category` is the family's ACL category (0 for none) and
  // `group` its COMMAND DOCS group.
  void AddFamily(uint64_t category, std::string_view group, std::span<const CommandSpec> specs);

  // Finds the command named by args[0], descending into a container's subcommand when
  // args has one. Returns null for an unknown command; sets *unknown_sub when args[0] is a
  // container and args[1] names none of its subcommands.
  const CommandEntry* Lookup(std::span<const std::string_view> args, bool* unknown_sub) const;
  // By name ("get", "client|setname", case-insensitive); null when unknown.
  const CommandEntry* Find(std::string_view name) const;
  // As Lookup, by the commands' own names whatever rename-command did (for replaying the
  // journal, which records those names).
  const CommandEntry* LookupOwnName(std::span<const std::string_view> args, bool* unknown_sub) const;

  // rename-command `from` `to` (to empty: the command is gone), before the engine starts.
  // Lookup and Find see the new names; COMMAND still shows the command's own name.
  // False if `from` names no command or `to` one that exists.
  bool Rename(std::string_view from, std::string_view to);

  // Top-level commands, in registration order.
  const std::vector<const CommandEntry*>& commands() const { return top_; }
  size_t size() const { return entries_.size(); }
  // Every command and subcommand, by id (0 .. size()-1).
  const CommandEntry& at(uint32_t id) const { return *entries_[id]; }

  // Appends the argument indexes of a command's keys. False if the arguments are
  // malformed for key extraction.
  static bool KeyIndexes(const CommandEntry& cmd, std::span<const std::string_view> args,
                         std::vector<int>* out);

 private:
  CommandEntry* Add(const CommandSpec& spec, uint64_t category, std::string_view group,
                    const CommandEntry* parent);

  std::vector<std::unique_ptr<CommandEntry>> entries_;
  std::vector<const CommandEntry*> top_;
  using NameMap =
      std::unordered_map<std::string, const CommandEntry*, base::StringHash, std::equal_to<>>;
  static const CommandEntry* FindIn(const NameMap& names, std::string_view name);
  static const CommandEntry* LookupIn(const NameMap& names, std::span<const std::string_view> args,
                                      bool* unknown_sub);

  NameMap by_name_;   // as clients name them (after rename-command)
  NameMap own_name_;  // as the commands name themselves
};

// Flag and category names, as COMMAND and ACL print them (flags in Redis's order, with
// "movablekeys" in its place when `movablekeys`).
std::vector<std::string_view> FlagNames(uint32_t flags, bool movablekeys);
std::vector<std::string_view> AclCategoryNames(uint64_t categories);
// Parses a category name (without '@'); false if unknown.
bool ParseAclCategory(std::string_view name, uint64_t* out);

}  // namespace cinnabar::engine

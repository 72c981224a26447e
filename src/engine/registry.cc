#include "engine/registry.h"

#include <cctype>

#include "base/string_util.h"

namespace cinnabar::engine {
namespace {

struct NamedBit {
  std::string_view name;
  uint64_t bit;
};

// In Redis's order. may_replicate and protected are not shown (Redis hides them too).
constexpr NamedBit kFlagNames[] = {
    {"write", kWrite},           {"readonly", kReadOnly},
    {"denyoom", kDenyOom},       {"admin", kAdmin},
    {"pubsub", kPubSub},         {"noscript", kNoScript},
    {"blocking", kBlocking},     {"loading", kLoading},
    {"stale", kStale},           {"skip_monitor", kSkipMonitor},
    {"skip_slowlog", kSkipSlowlog}, {"fast", kFast},
    {"no_auth", kNoAuth},        {"no_mandatory_keys", kNoMandatoryKeys},
    {"no_async_loading", kNoAsyncLoading}, {"no_multi", kNoMulti},
};

constexpr NamedBit kAclNames[] = {
    {"keyspace", kAclKeyspace},   {"read", kAclRead},         {"write", kAclWrite},
    {"set", kAclSet},             {"sortedset", kAclSortedSet}, {"list", kAclList},
    {"hash", kAclHash},           {"string", kAclString},     {"bitmap", kAclBitmap},
    {"hyperloglog", kAclHyperLogLog}, {"geo", kAclGeo},       {"stream", kAclStream},
    {"pubsub", kAclPubSub},       {"admin", kAclAdmin},       {"fast", kAclFast},
    {"slow", kAclSlow},           {"blocking", kAclBlocking}, {"dangerous", kAclDangerous},
    {"connection", kAclConnection}, {"transaction", kAclTransaction},
    {"scripting", kAclScripting},
};

// Redis derives some categories from flags.
uint64_t ImpliedCategories(uint32_t flags) {
  uint64_t acl = 0;
  if (flags & kWrite) acl |= kAclWrite;
  if (flags & kReadOnly) acl |= kAclRead;
  if (flags & kAdmin) acl |= kAclAdmin | kAclDangerous;
  if (flags & kPubSub) acl |= kAclPubSub;
  if (flags & kFast) acl |= kAclFast;
  if (flags & kBlocking) acl |= kAclBlocking;
  if (!(flags & kFast)) acl |= kAclSlow;
  return acl;
}

}  // namespace

CommandEntry* Registry::Add(const CommandSpec& spec, uint64_t category, std::string_view group,
                            const CommandEntry* parent) {
  auto entry = std::make_unique<CommandEntry>();
  entry->spec = &spec;
  entry->name = base::ToLower(spec.name);
  if (parent != nullptr) entry->name = parent->name + "|" + entry->name;
  entry->group = std::string(group);
  const uint64_t own_category = (spec.flags & kNoFamilyAcl) ? 0 : category;
  uint64_t implied = ImpliedCategories(spec.flags);
  // Redis compat: a read-only script command (EVAL_RO, FCALL_RO) is not in @read.
  if ((spec.acl | own_category) & kAclScripting) implied &= ~kAclRead;
  entry->acl = spec.acl | own_category | implied;
  entry->id = static_cast<uint32_t>(entries_.size());
  entry->parent = parent;
  CommandEntry* raw = entry.get();
  entries_.push_back(std::move(entry));
  by_name_[raw->name] = raw;
  own_name_[raw->name] = raw;
  for (const CommandSpec& sub : spec.subcommands) {
    raw->subcommands.push_back(Add(sub, category, group, raw));
  }
  return raw;
}

void Registry::AddFamily(uint64_t category, std::string_view group,
                         std::span<const CommandSpec> specs) {
  for (const CommandSpec& spec : specs) top_.push_back(Add(spec, category, group, nullptr));
}

const CommandEntry* Registry::FindIn(const NameMap& names, std::string_view name) {
  char buf[64];
  if (name.size() > sizeof(buf)) return nullptr;
  for (size_t i = 0; i < name.size(); ++i) {
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  auto it = names.find(std::string_view(buf, name.size()));
  return it == names.end() ? nullptr : it->second;
}

const CommandEntry* Registry::Find(std::string_view name) const { return FindIn(by_name_, name); }

const CommandEntry* Registry::Lookup(std::span<const std::string_view> args,
                                     bool* unknown_sub) const {
  return LookupIn(by_name_, args, unknown_sub);
}

const CommandEntry* Registry::LookupOwnName(std::span<const std::string_view> args,
                                            bool* unknown_sub) const {
  return LookupIn(own_name_, args, unknown_sub);
}

bool Registry::Rename(std::string_view from, std::string_view to) {
  const std::string old_name = base::ToLower(from);
  auto it = by_name_.find(old_name);
  if (it == by_name_.end() || it->second->parent != nullptr) return false;
  CommandEntry* entry = entries_[it->second->id].get();
  by_name_.erase(it);
  // Its subcommands' full names ("client|kill") follow it.
  for (const CommandEntry* sub : entry->subcommands) {
    by_name_.erase(old_name + "|" + base::ToLower(sub->spec->name));
  }
  if (to.empty()) {
    std::erase(top_, entry);  // gone: COMMAND no longer lists it
    return true;
  }
  entry->renamed = true;
  const std::string new_name = base::ToLower(to);
  for (const CommandEntry* sub : entry->subcommands) {
    by_name_[new_name + "|" + base::ToLower(sub->spec->name)] = sub;
  }
  return by_name_.emplace(new_name, entry).second;
}

const CommandEntry* Registry::LookupIn(const NameMap& names, std::span<const std::string_view> args,
                                       bool* unknown_sub) {
  *unknown_sub = false;
  const CommandEntry* cmd = FindIn(names, args[0]);
  if (cmd == nullptr || cmd->subcommands.empty() || args.size() < 2) return cmd;
  for (const CommandEntry* sub : cmd->subcommands) {
    if (base::EqualsIgnoreCase(sub->spec->name, args[1])) return sub;
  }
  *unknown_sub = true;
  return nullptr;
}

bool Registry::KeyIndexes(const CommandEntry& cmd, std::span<const std::string_view> args,
                          std::vector<int>* out) {
  const CommandSpec& spec = *cmd.spec;
  if (spec.find_keys != nullptr) return spec.find_keys(args, out);
  if (spec.keys.first <= 0) return true;
  int argc = static_cast<int>(args.size());
  int last = spec.keys.last >= 0 ? spec.keys.last : argc + spec.keys.last;
  int step = spec.keys.step > 0 ? spec.keys.step : 1;
  for (int i = spec.keys.first; i <= last && i < argc; i += step) out->push_back(i);
  return true;
}

std::vector<std::string_view> FlagNames(uint32_t flags, bool movablekeys) {
  std::vector<std::string_view> out;
  for (const NamedBit& f : kFlagNames) {
    if (flags & f.bit) out.push_back(f.name);
  }
  if (movablekeys) out.push_back("movablekeys");
  if (flags & kAllowBusy) out.push_back("allow_busy");
  return out;
}

std::vector<std::string_view> AclCategoryNames(uint64_t categories) {
  std::vector<std::string_view> out;
  for (const NamedBit& c : kAclNames) {
    if (categories & c.bit) out.push_back(c.name);
  }
  return out;
}

bool ParseAclCategory(std::string_view name, uint64_t* out) {
  for (const NamedBit& c : kAclNames) {
    if (base::EqualsIgnoreCase(c.name, name)) {
      *out = c.bit;
      return true;
    }
  }
  return false;
}

}  // namespace cinnabar::engine

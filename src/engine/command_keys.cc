#include "engine/command_keys.h"

#include "base/string_util.h"

namespace cinnabar::engine {
namespace {

// Where a spec's keys begin: the argument index, or 0 when its keyword is absent.
int BeginIndex(const BeginSearch& begin, std::span<const std::string_view> args) {
  const int argc = static_cast<int>(args.size());
  if (begin.type == BeginSearch::Type::kIndex) return begin.index;
  // Redis compat: searched from `startfrom` towards the end, or from the end backwards when
  // it is negative; never the last argument going forward (no key could follow it) nor
  // the command name or argument 1 going backward.
  const bool forward = begin.startfrom > 0;
  const int start = forward ? begin.startfrom : argc + begin.startfrom;
  const int end = forward ? argc - 1 : 1;
  for (int i = start; i != end; i += forward ? 1 : -1) {
    if (i >= argc || i < 1) break;
    if (base::EqualsIgnoreCase(args[static_cast<size_t>(i)], begin.keyword)) return i + 1;
  }
  return 0;
}

// Appends one spec's keys; false when they do not fit the arguments.
bool AppendSpecKeys(const KeySpec& spec, int first, std::span<const std::string_view> args,
                    std::vector<KeyRef>* out) {
  const int argc = static_cast<int>(args.size());
  int last = 0;
  const FindKeys& find = spec.find;
  if (find.type == FindKeys::Type::kRange) {
    if (find.lastkey >= 0) {
      last = first + find.lastkey;
    } else if (find.limit == 0) {
      last = argc + find.lastkey;
    } else {
      last = first + ((argc - first) / find.limit + find.lastkey);
    }
  } else {
    const int count_at = first + find.keynumidx;
    if (count_at < 0 || count_at >= argc) return false;
    int64_t count = 0;
    if (!base::ParseInt64(args[static_cast<size_t>(count_at)], &count) || count < 0 ||
        count > argc) {
      return false;
    }
    first += find.firstkey;
    last = first + static_cast<int>(count) - 1;
  }
  if (last >= argc || last < first || first >= argc) return false;
  const int step = find.keystep > 0 ? find.keystep : 1;
  for (int i = first; i <= last; i += step) out->push_back({.index = i, .flags = spec.flags});
  return !(spec.flags & kKeyIncomplete);
}

bool FromKeyFinder(const CommandSpec& spec, std::span<const std::string_view> args,
                   std::vector<KeyRef>* out) {
  std::vector<int> indexes;
  if (!spec.find_keys(args, &indexes)) return false;
  for (int i : indexes) out->push_back({.index = i, .flags = 0});
  return true;
}

bool FromLegacyRange(const KeyRange& keys, std::span<const std::string_view> args,
                     std::vector<KeyRef>* out) {
  if (keys.first <= 0) return true;
  const int argc = static_cast<int>(args.size());
  const int last = keys.last >= 0 ? keys.last : argc + keys.last;
  const int step = keys.step > 0 ? keys.step : 1;
  for (int i = keys.first; i <= last && i < argc; i += step) out->push_back({.index = i});
  return true;
}

}  // namespace

bool KeysFromSpecs(std::span<const KeySpec> specs, std::span<const std::string_view> args,
                   std::vector<KeyRef>* out) {
  const size_t before = out->size();
  for (const KeySpec& spec : specs) {
    if (spec.flags & kKeyNotKey) continue;
    const int first = BeginIndex(spec.begin, args);
    if (first == 0) continue;  // its keyword is not in this call
    if (!AppendSpecKeys(spec, first, args, out)) {
      out->resize(before);
      return false;
    }
  }
  return true;
}

bool CommandKeys(const CommandEntry& cmd, std::span<const std::string_view> args,
                 std::vector<KeyRef>* out) {
  const CommandSpec& spec = *cmd.spec;
  const uint32_t all = AllKeySpecFlags(spec);
  if (all & kKeyVariableFlags) {
    if (spec.key_flags != nullptr) return spec.key_flags(args, out);
  } else if (!spec.key_specs.empty() && KeysFromSpecs(spec.key_specs, args, out)) {
    return true;
  }
  if (spec.find_keys != nullptr) return FromKeyFinder(spec, args, out);
  if (spec.key_specs.empty()) return FromLegacyRange(spec.keys, args, out);
  return false;
}

bool HasKeyArguments(const CommandEntry& cmd) {
  const CommandSpec& spec = *cmd.spec;
  if (spec.find_keys != nullptr || spec.key_flags != nullptr) return true;
  if (spec.key_specs.empty()) return spec.keys.first > 0 && !(spec.flags & kNotKey);
  for (const KeySpec& ks : spec.key_specs) {
    if (!(ks.flags & kKeyNotKey)) return true;
  }
  return false;
}

uint32_t AllKeySpecFlags(const CommandSpec& spec) {
  uint32_t all = 0;
  for (const KeySpec& ks : spec.key_specs) all |= ks.flags;
  return all;
}

std::vector<std::string_view> KeyFlagNames(uint32_t flags) {
  struct Name {
    uint32_t bit;
    std::string_view name;
  };
  static constexpr Name kNames[] = {
      {kKeyRo, "RO"},           {kKeyRw, "RW"},
      {kKeyOw, "OW"},           {kKeyRm, "RM"},
      {kKeyAccess, "access"},   {kKeyUpdate, "update"},
      {kKeyInsert, "insert"},   {kKeyDelete, "delete"},
      {kKeyNotKey, "not_key"},  {kKeyIncomplete, "incomplete"},
      {kKeyVariableFlags, "variable_flags"},
  };
  std::vector<std::string_view> out;
  for (const Name& n : kNames) {
    if (flags & n.bit) out.push_back(n.name);
  }
  return out;
}

}  // namespace cinnabar::engine

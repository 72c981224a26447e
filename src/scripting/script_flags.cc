#include "scripting/script_flags.h"

#include <cctype>

#include "base/string_util.h"
#include "scripting/script_errors.h"

namespace cinnabar::scripting {
namespace {

struct FlagName {
  ScriptFlag flag;
  std::string_view name;
};
constexpr FlagName kFlagNames[] = {
    {kFlagNoWrites, "no-writes"},
    {kFlagAllowOom, "allow-oom"},
    {kFlagAllowStale, "allow-stale"},
    {kFlagNoCluster, "no-cluster"},
    {kFlagAllowCrossSlotKeys, "allow-cross-slot-keys"},
};

bool IsSpace(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

// Redis compat: the shebang line is split as sdssplitargs splits it, so runs of blanks
// (and a trailing '\r') separate words without producing empty ones.
std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && IsSpace(line[i])) ++i;
    size_t start = i;
    while (i < line.size() && !IsSpace(line[i])) ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace

std::optional<ScriptFlag> FlagFromName(std::string_view name) {
  for (const FlagName& f : kFlagNames) {
    if (f.name == name) return f.flag;
  }
  return std::nullopt;
}

std::vector<std::string_view> FlagNames(uint32_t bits) {
  std::vector<std::string_view> names;
  for (const FlagName& f : kFlagNames) {
    if ((bits & f.flag) != 0) names.push_back(f.name);
  }
  return names;
}

EvalShebang ParseEvalShebang(std::string_view body) {
  EvalShebang out;
  if (!body.starts_with("#!")) return out;
  size_t eol = body.find('\n');
  if (eol == std::string_view::npos) {
    out.error = errors::kInvalidShebang;
    return out;
  }
  out.flags.legacy = false;
  out.body_offset = eol;
  std::vector<std::string_view> words = SplitWords(body.substr(0, eol));
  if (words.empty()) {
    out.error = errors::kInvalidEngineInShebang;
    return out;
  }
  if (words[0] != "#!lua") {
    out.error = std::string(errors::kUnexpectedEngine) + std::string(words[0]);
    return out;
  }
  for (size_t i = 1; i < words.size(); ++i) {
    std::string_view word = words[i];
    if (!word.starts_with("flags=")) {
      out.error = std::string(errors::kUnknownShebangOption) + std::string(word);
      return out;
    }
    word.remove_prefix(6);
    // Redis compat: flags are split on every ',' (sdssplitlen), so "a,,b" names an empty
    // flag, and an empty list names none.
    size_t pos = 0;
    while (!word.empty() && pos <= word.size()) {
      size_t comma = word.find(',', pos);
      if (comma == std::string_view::npos) comma = word.size();
      std::string_view name = word.substr(pos, comma - pos);
      std::optional<ScriptFlag> flag = FlagFromName(name);
      if (!flag) {
        out.error = std::string(errors::kUnexpectedFlag) + std::string(name);
        return out;
      }
      out.flags.bits |= *flag;
      pos = comma + 1;
    }
  }
  return out;
}

bool IsValidFunctionName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

LibraryMetadata ParseLibraryMetadata(std::string_view code) {
  LibraryMetadata out;
  if (!code.starts_with("#!")) {
    out.error = errors::kMissingLibraryMetadata;
    return out;
  }
  size_t eol = code.find('\n');
  if (eol == std::string_view::npos) {
    out.error = errors::kInvalidLibraryMetadata;
    return out;
  }
  out.code_offset = eol;
  std::vector<std::string_view> words = SplitWords(code.substr(0, eol));
  if (words.empty()) {
    out.error = errors::kInvalidLibraryMetadata;
    return out;
  }
  out.engine = std::string(words[0].substr(2));
  bool has_name = false;
  for (size_t i = 1; i < words.size(); ++i) {
    std::string_view word = words[i];
    // Redis compat: the key matches case-insensitively (NAME=lib).
    if (word.size() < 5 || !base::EqualsIgnoreCase(word.substr(0, 5), "name=")) {
      out.error = std::string(errors::kInvalidMetadataValue) + std::string(word);
      return out;
    }
    if (has_name) {
      out.error = errors::kNameGivenTwice;
      return out;
    }
    has_name = true;
    out.name = std::string(word.substr(5));
  }
  if (!has_name) {
    out.error = errors::kLibraryNameNotGiven;
  } else if (!IsValidFunctionName(out.name)) {
    out.error = errors::kBadLibraryName;
  } else if (out.engine.size() != 3 || std::tolower(static_cast<unsigned char>(out.engine[0])) != 'l' ||
             std::tolower(static_cast<unsigned char>(out.engine[1])) != 'u' ||
             std::tolower(static_cast<unsigned char>(out.engine[2])) != 'a') {
    out.error = "ERR Engine '" + out.engine + "' not found";
  }
  return out;
}

}  // namespace cinnabar::scripting

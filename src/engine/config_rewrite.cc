#include "engine/config_rewrite.h"

#include <deque>
#include <map>
#include <vector>

#include "base/string_util.h"
#include "protocol/split_args.h"

namespace cinnabar::engine {
namespace {

// The directive an old name stands for (the one sharing its printer).
const Directive& Canonical(const Directive& d) {
  if (!(d.flags & kAlias)) return d;
  for (const Directive& other : Directives()) {
    if (!(other.flags & kAlias) && other.get == d.get) return other;
  }
  return d;
}

std::string Quoted(std::string_view v) {
  std::string out;
  base::AppendRepr(&out, v);
  return out;
}

// One word of a value: memory in Redis's units, otherwise as CONFIG GET prints it.
std::string Word(const Directive& d, std::string_view w) {
  int64_t n;
  if ((d.flags & kMemory) && base::ParseInt64(w, &n)) return FormatMemory(n);
  return std::string(w);
}

struct Line {
  std::string text;
  bool forced;  // written even where the file had no line for it
};

// The lines a directive's value takes (most take one).
std::vector<Line> LinesOf(const Directive& d, const ServerConfig& cfg, const ServerConfig& dflt) {
  const std::string name(d.name);
  const std::string value = d.get(cfg);
  const bool changed = value != d.get(dflt);
  std::vector<std::string> words;
  protocol::SplitArgs(value, &words);
  if (name == "save") {
    // Redis compat: one line a save point, always written ("" when there is none).
    if (words.empty()) return {{"save \"\"", true}};
    std::vector<Line> out;
    for (size_t i = 0; i + 1 < words.size(); i += 2) {
      out.push_back({"save " + words[i] + " " + words[i + 1], true});
    }
    return out;
  }
  if (name == "client-output-buffer-limit") {
    // One line a client class, written when that class differs from its default.
    std::vector<std::string> defaults;
    protocol::SplitArgs(d.get(dflt), &defaults);
    std::vector<Line> out;
    for (size_t i = 0; i + 3 < words.size(); i += 4) {
      const bool class_changed = i + 3 >= defaults.size() || words[i + 1] != defaults[i + 1] ||
                                 words[i + 2] != defaults[i + 2] || words[i + 3] != defaults[i + 3];
      out.push_back({name + " " + words[i] + " " + Word(d, words[i + 1]) + " " +
                         Word(d, words[i + 2]) + " " + words[i + 3],
                     class_changed});
    }
    return out;
  }
  // Redis compat: dir is always written, as an absolute path.
  const bool forced = changed || name == "dir";
  if (d.flags & kQuoted) return {{name + " " + Quoted(value), forced}};
  if (value.empty()) return {{name + " \"\"", forced}};
  if (d.flags & kMultiArg) {
    std::string text = name;
    for (const std::string& w : words) text += " " + Word(d, w);
    return {{text, forced}};
  }
  const bool plain = value.find_first_of(" \"'\\\t\r\n") == std::string::npos;
  return {{name + " " + (plain ? Word(d, value) : Quoted(value)), forced}};
}

}  // namespace

std::string FormatMemory(int64_t bytes) {
  constexpr int64_t kKb = 1024, kMb = kKb * 1024, kGb = kMb * 1024;
  if (bytes != 0 && bytes % kGb == 0) return std::to_string(bytes / kGb) + "gb";
  if (bytes != 0 && bytes % kMb == 0) return std::to_string(bytes / kMb) + "mb";
  if (bytes != 0 && bytes % kKb == 0) return std::to_string(bytes / kKb) + "kb";
  return std::to_string(bytes);
}

std::string RewriteConfig(std::string_view old_text, const ServerConfig& cfg) {
  // The old file, line by line, and where each directive has its lines.
  std::vector<std::string> lines;
  for (size_t start = 0; start < old_text.size();) {
    size_t end = old_text.find('\n', start);
    if (end == std::string_view::npos) end = old_text.size();
    lines.emplace_back(old_text.substr(start, end - start));
    start = end + 1;
  }
  std::map<std::string_view, std::deque<size_t>> at;
  bool signed_before = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line == kRewriteSignature) signed_before = true;
    std::vector<std::string> args;
    if (!protocol::SplitArgs(line, &args) || args.empty() || args[0][0] == '#') continue;
    const Directive* d = FindDirective(args[0]);
    if (d != nullptr) at[Canonical(*d).name].push_back(i);
  }
  // Each directive's lines take the place of its old ones, or go after the signature.
  const ServerConfig defaults{};
  std::vector<std::string> added;
  for (const Directive& d : Directives()) {
    if (d.flags & kAlias) continue;
    std::deque<size_t>& old = at[d.name];
    for (Line& l : LinesOf(d, cfg, defaults)) {
      if (!old.empty()) {
        lines[old.front()] = std::move(l.text);
        old.pop_front();
      } else if (l.forced) {
        added.push_back(std::move(l.text));
      }
    }
    // Redis compat: lines left over (a shorter save list) become blank lines.
    for (size_t i : old) lines[i].clear();
  }
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  if (!added.empty()) {
    if (!signed_before) {
      if (out.size() >= 2 && out.substr(out.size() - 2) != "\n\n") out += "\n";
      out += std::string(kRewriteSignature) + "\n";
    }
    for (const std::string& l : added) out += l + "\n";
  }
  return out;
}

}  // namespace cinnabar::engine

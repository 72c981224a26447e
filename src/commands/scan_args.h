// Arguments of the SCAN family (SCAN, HSCAN, SSCAN, ZSCAN): the cursor and the MATCH and
// COUNT options, parsed with Redis's rules and errors.
#pragma once

#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <string_view>

#include "commands/args.h"
#include "core/glob.h"

namespace cinnabar::commands {

// Redis compat (parseScanCursorOrReply): strtoul's rules, so "-1" wraps and "" is 0, but a
// leading space or trailing garbage is refused ("invalid cursor").
inline bool ParseScanCursor(std::string_view s, uint64_t* out) {
  std::string buf(s);
  if (!buf.empty() && std::isspace(static_cast<unsigned char>(buf[0]))) return false;
  errno = 0;
  char* end;
  unsigned long long v = std::strtoull(buf.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *out = v;
  return true;
}

struct ScanOptions {
  std::string_view pattern;
  bool use_pattern = false;
  size_t count = 10;

  bool Matches(std::string_view s) const { return !use_pattern || core::GlobMatch(pattern, s); }
};

// Parses "[MATCH pattern] [COUNT count]" pairs (repeatable, the last wins). kNotInteger for
// a bad count, kSyntax for anything else wrong (a count below 1 included).
inline OpStatus ParseScanOptions(std::span<const std::string_view> args, ScanOptions* o) {
  for (size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return OpStatus::kSyntax;
    std::string_view opt = args[i], val = args[i + 1];
    if (Is(opt, "COUNT")) {
      OpResult<int64_t> c = ParseInt64Arg(val);
      if (!c) return c.status();
      if (*c < 1) return OpStatus::kSyntax;
      o->count = static_cast<size_t>(*c);
    } else if (Is(opt, "MATCH")) {
      o->pattern = val;
      o->use_pattern = !(val.size() == 1 && val[0] == '*');
    } else {
      return OpStatus::kSyntax;
    }
  }
  return OpStatus::kOk;
}

}  // namespace cinnabar::commands

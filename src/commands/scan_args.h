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

#include "commands/arg_parser.h"
#include "commands/args.h"
#include "protocol/errors.h"
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
  std::string_view type_name;  // SCAN's TYPE
  bool use_type = false;

  bool Matches(std::string_view s) const { return !use_pattern || core::GlobMatch(pattern, s); }
};

// Parses "[MATCH pattern] [COUNT count]" pairs from args[start..] (repeatable, the last
// wins), and "[TYPE type]" with `allow_type` (SCAN). Returns the error text, or empty:
// "not an integer" for a bad count, a syntax error for anything else wrong (a count below
// 1 and an option without its value included).
inline std::string_view ParseScanOptions(std::span<const std::string_view> args, size_t start,
                                         bool allow_type, ScanOptions* o) {
  ArgParser p(args, start);
  while (p.HasNext()) {
    if (p.Check("COUNT", 1)) {
      o->count = static_cast<size_t>(p.NextInt64(1, INT64_MAX, protocol::errors::kSyntax));
    } else if (p.Check("MATCH", 1)) {
      o->pattern = p.Next();
      o->use_pattern = o->pattern != "*";
    } else if (allow_type && p.Check("TYPE", 1)) {
      o->type_name = p.Next();
      o->use_type = true;
    } else {
      p.Fail(protocol::errors::kSyntax);
    }
  }
  p.Finalize();
  return p.error();
}

}  // namespace cinnabar::commands

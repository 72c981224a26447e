// RespReader: reads RESP2/RESP3 replies that the server itself produced (the output of
// ScriptHost::Call), one item at a time. Aggregates report their element count and the
// caller reads the elements next. Not a parser of outside input, but it never reads out
// of bounds: malformed or truncated bytes make Next return false.
//
// Threading: a RespReader is a cursor over caller-owned bytes; use it on one thread.
#pragma once

#include <cstdint>
#include <string_view>

namespace cinnabar::scripting {

struct RespItem {
  enum class Kind {
    kSimple,     // '+'  text
    kError,      // '-'  text (without the '-')
    kInteger,    // ':'  integer
    kBulk,       // '$'  text
    kNullBulk,   // '$-1'
    kArray,      // '*'  count
    kNullArray,  // '*-1'
    kMap,        // '%'  count (pairs)
    kSet,        // '~'  count
    kPush,       // '>'  count
    kAttribute,  // '|'  count (pairs), then the value it describes
    kNull,       // '_'
    kBool,       // '#'  integer (0 / 1)
    kDouble,     // ','  number
    kBigNumber,  // '('  text
    kVerbatim,   // '='  format (3 chars) and text
  };
  Kind kind = Kind::kNull;
  std::string_view text;
  std::string_view format;
  int64_t integer = 0;
  double number = 0;
  size_t count = 0;
};

class RespReader {
 public:
  explicit RespReader(std::string_view bytes) : in_(bytes) {}

  // Reads the next item's header (and, for scalars, its payload).
  bool Next(RespItem* item);
  // Reads and drops one complete value (an aggregate with all its elements).
  bool Skip();
  bool done() const { return pos_ >= in_.size(); }

 private:
  bool Line(std::string_view* line);
  bool Count(std::string_view line, int64_t* n);

  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace cinnabar::scripting

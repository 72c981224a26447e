#include "scripting/resp_reader.h"

#include <cerrno>
#include <cstdlib>
#include <string>

#include "base/string_util.h"

namespace cinnabar::scripting {

bool RespReader::Line(std::string_view* line) {
  size_t eol = in_.find("\r\n", pos_);
  if (eol == std::string_view::npos) return false;
  *line = in_.substr(pos_, eol - pos_);
  pos_ = eol + 2;
  return true;
}

bool RespReader::Count(std::string_view line, int64_t* n) {
  return base::ParseInt64(line, n) && *n >= -1;
}

bool RespReader::Next(RespItem* item) {
  if (pos_ >= in_.size()) return false;
  char kind = in_[pos_++];
  std::string_view line;
  if (!Line(&line)) return false;
  using Kind = RespItem::Kind;
  int64_t n = 0;
  switch (kind) {
    case '+':
      item->kind = Kind::kSimple;
      item->text = line;
      return true;
    case '-':
      item->kind = Kind::kError;
      item->text = line;
      return true;
    case ':':
      item->kind = Kind::kInteger;
      return base::ParseInt64(line, &item->integer);
    case '_':
      item->kind = Kind::kNull;
      return true;
    case '#':
      item->kind = Kind::kBool;
      item->integer = line == "t" ? 1 : 0;
      return line == "t" || line == "f";
    case ',': {
      item->kind = Kind::kDouble;
      std::string s(line);
      char* end = nullptr;
      errno = 0;
      item->number = std::strtod(s.c_str(), &end);
      return !s.empty() && end == s.c_str() + s.size();
    }
    case '(':
      item->kind = Kind::kBigNumber;
      item->text = line;
      return true;
    case '$':
    case '=': {
      if (!Count(line, &n)) return false;
      if (n == -1) {
        if (kind == '=') return false;
        item->kind = Kind::kNullBulk;
        return true;
      }
      size_t len = static_cast<size_t>(n);
      if (in_.size() - pos_ < len + 2 || in_.substr(pos_ + len, 2) != "\r\n") return false;
      std::string_view payload = in_.substr(pos_, len);
      pos_ += len + 2;
      if (kind == '$') {
        item->kind = Kind::kBulk;
        item->text = payload;
        return true;
      }
      if (payload.size() < 4 || payload[3] != ':') return false;
      item->kind = Kind::kVerbatim;
      item->format = payload.substr(0, 3);
      item->text = payload.substr(4);
      return true;
    }
    case '*':
    case '%':
    case '~':
    case '>':
    case '|':
      if (!Count(line, &n)) return false;
      if (n == -1) {
        if (kind != '*') return false;
        item->kind = Kind::kNullArray;
        return true;
      }
      item->count = static_cast<size_t>(n);
      // Every element takes at least 3 bytes: a count beyond that is malformed, and
      // refusing it here keeps callers from reserving room for it.
      if (item->count > (in_.size() - pos_) / 3 + 1) return false;
      item->kind = kind == '*'   ? Kind::kArray
                   : kind == '%' ? Kind::kMap
                   : kind == '~' ? Kind::kSet
                   : kind == '>' ? Kind::kPush
                                 : Kind::kAttribute;
      return true;
    default:
      return false;
  }
}

bool RespReader::Skip() {
  // Iterative, so a deeply nested reply cannot exhaust the C stack.
  size_t pending = 1;
  while (pending > 0) {
    RespItem item;
    if (!Next(&item)) return false;
    --pending;
    switch (item.kind) {
      case RespItem::Kind::kArray:
      case RespItem::Kind::kSet:
      case RespItem::Kind::kPush:
        pending += item.count;
        break;
      case RespItem::Kind::kMap:
        pending += 2 * item.count;
        break;
      case RespItem::Kind::kAttribute:
        pending += 2 * item.count + 1;
        break;
      default:
        break;
    }
  }
  return true;
}

}  // namespace cinnabar::scripting

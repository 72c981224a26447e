#include "protocol/reply_builder.h"

#include <cmath>
#include <cstdio>

#include "base/string_util.h"

namespace cinnabar::protocol {

void ReplyBuilder::Header(char kind, size_t n) {
  char* p = out_->PrepareWrite(2 + base::kInt64Chars + 2);
  p[0] = kind;
  size_t len = 1 + base::FormatUint64(n, p + 1);
  p[len++] = '\r';
  p[len++] = '\n';
  out_->Commit(len);
}

void ReplyBuilder::SimpleString(std::string_view s) {
  char* p = out_->PrepareWrite(s.size() + 3);
  p[0] = '+';
  std::memcpy(p + 1, s.data(), s.size());
  p[s.size() + 1] = '\r';
  p[s.size() + 2] = '\n';
  out_->Commit(s.size() + 3);
}

void ReplyBuilder::Error(std::string_view text) {
  // Redis compat (addReplyErrorFormat): CR and LF at the end are dropped and inside become
  // spaces, so an error that quotes an argument can never break the reply framing.
  while (!text.empty() && (text.back() == '\r' || text.back() == '\n')) text.remove_suffix(1);
  if (observer_ != nullptr) {
    size_t space = text.find(' ');
    observer_->OnErrorReply(text.substr(0, space));
  }
  char* p = out_->PrepareWrite(text.size() + 3);
  p[0] = '-';
  for (size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    p[i + 1] = (ch == '\r' || ch == '\n') ? ' ' : ch;
  }
  p[text.size() + 1] = '\r';
  p[text.size() + 2] = '\n';
  out_->Commit(text.size() + 3);
}

void ReplyBuilder::Integer(int64_t v) {
  char* p = out_->PrepareWrite(1 + base::kInt64Chars + 2);
  p[0] = ':';
  size_t len = 1 + base::FormatInt64(v, p + 1);
  p[len++] = '\r';
  p[len++] = '\n';
  out_->Commit(len);
}

void ReplyBuilder::Bulk(std::string_view s) {
  char* p = out_->PrepareWrite(1 + base::kInt64Chars + 2 + s.size() + 2);
  p[0] = '$';
  size_t len = 1 + base::FormatUint64(s.size(), p + 1);
  p[len++] = '\r';
  p[len++] = '\n';
  std::memcpy(p + len, s.data(), s.size());
  len += s.size();
  p[len++] = '\r';
  p[len++] = '\n';
  out_->Commit(len);
}

void ReplyBuilder::BulkInteger(int64_t v) {
  char buf[base::kInt64Chars];
  Bulk(std::string_view(buf, base::FormatInt64(v, buf)));
}

void ReplyBuilder::Null() {
  if (resp_ >= 3) {
    out_->Append("_\r\n", 3);
  } else {
    out_->Append("$-1\r\n", 5);
  }
}

void ReplyBuilder::NullArray() {
  if (resp_ >= 3) {
    out_->Append("_\r\n", 3);
  } else {
    out_->Append("*-1\r\n", 5);
  }
}

void ReplyBuilder::ArrayHeader(size_t n) { Header('*', n); }
void ReplyBuilder::MapHeader(size_t pairs) {
  if (resp_ >= 3) {
    Header('%', pairs);
  } else {
    Header('*', pairs * 2);
  }
}
void ReplyBuilder::PairsHeader(size_t n, PairShape shape) {
  Header('*', Nested(shape) ? n : n * 2);
}

void ReplyBuilder::SetHeader(size_t n) { Header(resp_ >= 3 ? '~' : '*', n); }
void ReplyBuilder::PushHeader(size_t n) { Header(resp_ >= 3 ? '>' : '*', n); }

void ReplyBuilder::Double(double d) {
  if (resp_ < 3) {
    Bulk(base::FormatDouble(d));
    return;
  }
  if (std::isinf(d)) {
    out_->Append(d > 0 ? ",inf\r\n" : ",-inf\r\n");
    return;
  }
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), ",%.17g\r\n", d);
  out_->Append(buf, static_cast<size_t>(n));
}

void ReplyBuilder::Bool(bool b) {
  if (resp_ >= 3) {
    out_->Append(b ? "#t\r\n" : "#f\r\n", 4);
  } else {
    out_->Append(b ? ":1\r\n" : ":0\r\n", 4);
  }
}

void ReplyBuilder::Verbatim(std::string_view s, std::string_view format) {
  if (resp_ < 3) {
    Bulk(s);
    return;
  }
  Header('=', s.size() + format.size() + 1);
  out_->Append(format);
  out_->Append(':');
  out_->Append(s);
  out_->Append("\r\n", 2);
}

}  // namespace cinnabar::protocol

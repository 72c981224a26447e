#include "protocol/resp_parser.h"

#include <climits>
#include <cstring>

#include "base/string_util.h"
#include "protocol/errors.h"
#include "protocol/split_args.h"

namespace cinnabar::protocol {

void RespParser::Reset() {
  expected_args_ = 0;
  bulk_len_ = -1;
  pos_ = 0;
  spans_.clear();
}

RespParser::Result RespParser::Fail(std::string_view text) {
  error_.assign(text);
  Reset();
  return Result::kError;
}

RespParser::Result RespParser::Parse(std::string_view input, const ParserLimits& limits) {
  args_.clear();
  consumed_ = 0;
  if (input.empty()) return Result::kNeedMore;
  if (expected_args_ > 0 || input[0] == '*') return ParseMultibulk(input, limits);
  return ParseInline(input);
}

RespParser::Result RespParser::ParseInline(std::string_view input) {
  size_t newline = input.find('\n');
  if (newline == std::string_view::npos) {
    if (input.size() > kInlineMax) return Fail(errors::kProtoBigInline);
    return Result::kNeedMore;
  }
  size_t line_end = newline;
  if (line_end > 0 && input[line_end - 1] == '\r') --line_end;
  if (!SplitArgs(input.substr(0, line_end), &inline_args_)) {
    return Fail(errors::kProtoUnbalancedQuotes);
  }
  consumed_ = newline + 1;
  if (inline_args_.empty()) return Result::kSkip;
  args_.reserve(inline_args_.size());
  for (const std::string& a : inline_args_) args_.emplace_back(a);
  return Result::kCommand;
}

RespParser::Result RespParser::ParseMultibulk(std::string_view input, const ParserLimits& limits) {
  if (expected_args_ == 0) {
    // Redis compat: the count line ends at the first '\r', which must have a byte after it.
    const char* cr = static_cast<const char*>(std::memchr(input.data(), '\r', input.size()));
    if (cr == nullptr) {
      if (input.size() > kInlineMax) return Fail(errors::kProtoBigMultibulkCount);
      return Result::kNeedMore;
    }
    size_t cr_pos = static_cast<size_t>(cr - input.data());
    if (cr_pos + 2 > input.size()) return Result::kNeedMore;
    int64_t count;
    bool ok = base::ParseInt64(input.substr(1, cr_pos - 1), &count);
    if (!ok || count > INT_MAX) return Fail(errors::kProtoInvalidMultibulk);
    if (count > 10 && limits.auth_required) return Fail(errors::kProtoUnauthMultibulk);
    if (count <= 0) {
      consumed_ = cr_pos + 2;
      return Result::kSkip;
    }
    expected_args_ = count;
    pos_ = cr_pos + 2;
    spans_.clear();
    // Reserve by what has arrived, never by what the client claims.
    spans_.reserve(static_cast<size_t>(count < 1024 ? count : 1024));
  }

  while (static_cast<int64_t>(spans_.size()) < expected_args_) {
    if (bulk_len_ < 0) {
      std::string_view rest = input.substr(pos_);
      const char* cr = static_cast<const char*>(std::memchr(rest.data(), '\r', rest.size()));
      if (cr == nullptr) {
        if (rest.size() > kInlineMax) return Fail(errors::kProtoBigBulkCount);
        return Result::kNeedMore;
      }
      size_t cr_pos = static_cast<size_t>(cr - rest.data());
      if (cr_pos + 2 > rest.size()) return Result::kNeedMore;
      if (rest[0] != '$') return Fail(errors::ProtoExpectedDollar(rest[0]));
      int64_t len;
      bool ok = base::ParseInt64(rest.substr(1, cr_pos - 1), &len);
      if (!ok || len < 0 || len > limits.max_bulk_len) return Fail(errors::kProtoInvalidBulk);
      if (len > 16384 && limits.auth_required) return Fail(errors::kProtoUnauthBulk);
      bulk_len_ = len;
      pos_ += cr_pos + 2;
    }
    // Redis compat: the two bytes after the data are skipped without being checked.
    size_t need = static_cast<size_t>(bulk_len_) + 2;
    if (input.size() - pos_ < need) return Result::kNeedMore;
    spans_.emplace_back(pos_, static_cast<size_t>(bulk_len_));
    pos_ += need;
    bulk_len_ = -1;
  }

  args_.reserve(spans_.size());
  for (auto [off, len] : spans_) args_.emplace_back(input.data() + off, len);
  consumed_ = pos_;
  Reset();
  return Result::kCommand;
}

}  // namespace cinnabar::protocol

// RespParser: turns a client's input bytes into commands, incrementally. Multibulk
// ("*<n>\r\n$<len>\r\n<bytes>\r\n...") and inline ("GET key\r\n") requests, with Redis's
// limits and exact protocol error texts.
//
// Arguments of a multibulk command are views into the caller's input buffer, so the buffer
// must not change between a kCommand result and the caller's consuming `consumed()` bytes.
// Between kNeedMore results the caller may append to the buffer (and move it): the parser
// keeps offsets, not pointers, relative to the start of the unconsumed input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cinnabar::protocol {

struct ParserLimits {
  int64_t max_bulk_len = 512 * 1024 * 1024;  // proto-max-bulk-len
  bool auth_required = false;                // tighter limits before AUTH
};

class RespParser {
 public:
  enum class Result {
    kNeedMore,  // no complete command yet; nothing to consume
    kCommand,   // args() is a command; consume `consumed()` bytes after using it
    kSkip,      // an empty request ("*0", blank inline line): consume `consumed()` bytes
    kError,     // protocol error: reply error() and close the connection after the reply
  };

  // Looks for the next request at the start of `input`.
  Result Parse(std::string_view input, const ParserLimits& limits);

  const std::vector<std::string_view>& args() const { return args_; }
  size_t consumed() const { return consumed_; }
  const std::string& error() const { return error_; }

  // Inline requests longer than this without a newline are refused (PROTO_INLINE_MAX_SIZE).
  static constexpr size_t kInlineMax = 64 * 1024;

 private:
  Result ParseInline(std::string_view input);
  Result ParseMultibulk(std::string_view input, const ParserLimits& limits);
  Result Fail(std::string_view text);
  void Reset();

  // Multibulk progress, kept across kNeedMore.
  int64_t expected_args_ = 0;   // 0: the "*<n>" line has not been read
  int64_t bulk_len_ = -1;       // -1: the "$<len>" line of the next argument has not been read
  size_t pos_ = 0;              // next unread byte, relative to the start of the request
  std::vector<std::pair<size_t, size_t>> spans_;  // (offset, length) of each argument read

  std::vector<std::string_view> args_;
  std::vector<std::string> inline_args_;
  size_t consumed_ = 0;
  std::string error_;
};

}  // namespace cinnabar::protocol

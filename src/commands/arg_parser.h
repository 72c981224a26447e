// ArgParser: a cursor over a command's arguments with a latched first error, so a handler
// reads its options straight down and checks once:
//
//   ArgParser p(ctx.args(), 2);
//   while (p.HasNext()) {
//     if (p.Check("COUNT")) {
//       count = p.NextInt64(1, INT64_MAX, errors::kSyntax);
//     } else if (p.Check("MATCH")) {
//       pattern = p.Next();
//     } else {
//       p.Fail(errors::kSyntax);
//     }
//   }
//   if (!p.Finalize()) return ctx.ReplyError(p.error());
//
// The first failure wins; later reads after it return neutral values and change nothing,
// so the error a client sees is the one Redis checks first. The parser never replies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "base/op_status.h"
#include "base/string_util.h"
#include "commands/args.h"
#include "protocol/errors.h"

namespace cinnabar::commands {

class ArgParser {
 public:
  // Reads args[start..].
  explicit ArgParser(std::span<const std::string_view> args, size_t start = 0)
      : args_(args), pos_(start) {}

  size_t pos() const { return pos_; }
  size_t Remaining() const { return pos_ < args_.size() ? args_.size() - pos_ : 0; }
  // Whether an argument is left and nothing failed yet (the loop condition).
  bool HasNext() const { return error_.empty() && pos_ < args_.size(); }
  // The next argument without consuming it; empty at the end.
  std::string_view Peek() const { return pos_ < args_.size() ? args_[pos_] : std::string_view(); }

  // The next argument; at the end latches a syntax error and returns "".
  std::string_view Next() {
    if (!error_.empty()) return {};
    if (pos_ >= args_.size()) {
      Fail(protocol::errors::kSyntax);
      return {};
    }
    return args_[pos_++];
  }

  // Steps over `n` arguments (keys read elsewhere); at most to the end.
  void Skip(size_t n) { pos_ += n < Remaining() ? n : Remaining(); }

  // Whether the next argument is the option `word` (case-insensitively, up to a NUL as Is
  // compares); consumes it when it is. With `values`, it only matches when that many
  // arguments follow it (Redis's "opt && j+1 < argc" tests, where a trailing option falls
  // through to the syntax error).
  bool Check(std::string_view word, size_t values = 0) {
    if (!error_.empty() || Remaining() < 1 + values || !Is(args_[pos_], word)) return false;
    ++pos_;
    return true;
  }

  // A 64-bit integer: kNotInteger when it is not one, `range_error` when outside
  // [min, max]. Returns 0 after a failure.
  int64_t NextInt64(int64_t min = INT64_MIN, int64_t max = INT64_MAX,
                    std::string_view range_error = protocol::errors::kNotInteger) {
    std::string_view s = Next();
    if (!error_.empty()) return 0;
    int64_t v;
    if (!base::ParseInt64(s, &v)) return Fail(protocol::errors::kNotInteger), 0;
    if (v < min || v > max) return Fail(range_error), 0;
    return v;
  }
  // The same with one error text for both faults (Redis's "must be positive" checks).
  int64_t NextInt64Or(std::string_view error, int64_t min, int64_t max = INT64_MAX) {
    std::string_view s = Next();
    if (!error_.empty()) return 0;
    int64_t v;
    if (!base::ParseInt64(s, &v) || v < min || v > max) return Fail(error), 0;
    return v;
  }

  // A double: kNotFloat (or `error`) when it is not one.
  double NextDouble(std::string_view error = protocol::errors::kNotFloat) {
    std::string_view s = Next();
    if (!error_.empty()) return 0;
    double v;
    if (!base::ParseDouble(s, &v)) return Fail(error), 0;
    return v;
  }

  // The index in `words` of the next argument (matched as Check does); a syntax error
  // when it is none of them.
  template <size_t N>
  size_t NextEnum(const std::string_view (&words)[N]) {
    std::string_view s = Next();
    if (!error_.empty()) return 0;
    for (size_t i = 0; i < N; ++i) {
      if (Is(s, words[i])) return i;
    }
    Fail(protocol::errors::kSyntax);
    return 0;
  }

  // Latches `text` (a complete text from protocol/errors) unless an error is latched.
  void Fail(std::string_view text) {
    if (error_.empty()) error_ = text;
  }
  void Fail(base::OpStatus status) { Fail(protocol::errors::OpStatusText(status)); }

  bool HasError() const { return !error_.empty(); }
  // The latched error text; empty when none.
  std::string_view error() const { return error_; }

  // Latches a syntax error when arguments are left over; true when nothing failed.
  bool Finalize() {
    if (error_.empty() && pos_ < args_.size()) Fail(protocol::errors::kSyntax);
    return error_.empty();
  }

 private:
  std::span<const std::string_view> args_;
  size_t pos_;
  std::string_view error_;  // points at a protocol/errors constant
};

}  // namespace cinnabar::commands

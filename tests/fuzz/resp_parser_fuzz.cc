// libFuzzer target for the RESP request parser (protocol/resp_parser.h).
//
// The input drives one client connection: a few leading bytes choose the limits (whether
// the client is authenticated, proto-max-bulk-len), the rest is a script of chunks (plain
// bytes, or one byte repeated many times, to reach the 64 KB line limits with small
// inputs) that arrive one at a time, as reads would. After each chunk the harness runs the
// parser the way engine::Client does (parse, consume, repeat until more is needed) and
// checks every result against a whole-buffer reference of Redis's framing rules, written
// independently of the parser's incremental state machine:
//   - the same result, bytes consumed, arguments and error text;
//   - multibulk arguments are views inside the consumed bytes, within the bulk limits;
//   - nothing is consumed on kNeedMore, and a pending request never exceeds the limits;
//   - after a protocol error (the connection would close) the same parser object starts
//     afresh on a new connection's bytes.

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "base/string_util.h"
#include "protocol/errors.h"
#include "protocol/resp_parser.h"
#include "protocol/split_args.h"

namespace {

using cinnabar::protocol::ParserLimits;
using cinnabar::protocol::RespParser;
using Result = RespParser::Result;
namespace errors = cinnabar::protocol::errors;

constexpr size_t kInlineMax = RespParser::kInlineMax;
// Each run stops after this many bytes arrived, or once the parser has been handed this
// many bytes in all (a large pending buffer is rescanned on every read, as Redis does):
// keeps each run under a millisecond or so.
constexpr size_t kMaxStream = 3 * kInlineMax;
constexpr size_t kScanBudget = 1 << 20;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "resp_parser_fuzz: invariant violated: %s\n", what);
  std::abort();
}
#define CHECK(cond)                  \
  do {                               \
    if (!(cond)) Die(#cond);         \
  } while (0)

// What the parser must answer for `buf`, judged from the whole buffer at once.
struct Expected {
  Result result = Result::kNeedMore;
  size_t consumed = 0;
  std::vector<std::string> args;
  std::string error;
};

Expected Error(std::string_view text) {
  Expected e;
  e.result = Result::kError;
  e.error = std::string(text);
  return e;
}

// Redis's inline request: one line, split like a shell would.
Expected ReferenceInline(std::string_view buf) {
  Expected e;
  size_t nl = buf.find('\n');
  if (nl == std::string_view::npos) {
    return buf.size() > kInlineMax ? Error(errors::kProtoBigInline) : e;
  }
  std::string_view line = buf.substr(0, nl);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (!cinnabar::protocol::SplitArgs(line, &e.args)) return Error(errors::kProtoUnbalancedQuotes);
  e.consumed = nl + 1;
  e.result = e.args.empty() ? Result::kSkip : Result::kCommand;
  return e;
}

// Reads the header line ("*<n>" or "$<n>") at `at`: it ends at the first '\r', which needs
// one more byte after it (Redis never looks at that byte). Returns false while incomplete.
bool HeaderLine(std::string_view buf, size_t at, std::string_view* digits, size_t* next) {
  size_t cr = buf.find('\r', at);
  if (cr == std::string_view::npos || cr + 2 > buf.size()) return false;
  *digits = buf.substr(at + 1, cr - at - 1);
  *next = cr + 2;
  return true;
}

Expected ReferenceMultibulk(std::string_view buf, const ParserLimits& limits) {
  Expected e;
  std::string_view digits;
  size_t pos;
  if (!HeaderLine(buf, 0, &digits, &pos)) {
    bool no_cr = buf.find('\r') == std::string_view::npos;
    return no_cr && buf.size() > kInlineMax ? Error(errors::kProtoBigMultibulkCount) : e;
  }
  int64_t count;
  if (!cinnabar::base::ParseInt64(digits, &count) || count > INT_MAX) {
    return Error(errors::kProtoInvalidMultibulk);
  }
  if (count > 10 && limits.auth_required) return Error(errors::kProtoUnauthMultibulk);
  if (count <= 0) {
    e.result = Result::kSkip;
    e.consumed = pos;
    return e;
  }
  for (int64_t i = 0; i < count; ++i) {
    size_t data;
    if (!HeaderLine(buf, pos, &digits, &data)) {
      bool no_cr = buf.find('\r', pos) == std::string_view::npos;
      return no_cr && buf.size() - pos > kInlineMax ? Error(errors::kProtoBigBulkCount) : e;
    }
    if (buf[pos] != '$') return Error(errors::ProtoExpectedDollar(buf[pos]));
    int64_t len;
    if (!cinnabar::base::ParseInt64(digits, &len) || len < 0 || len > limits.max_bulk_len) {
      return Error(errors::kProtoInvalidBulk);
    }
    if (len > 16384 && limits.auth_required) return Error(errors::kProtoUnauthBulk);
    size_t n = static_cast<size_t>(len);
    if (buf.size() - data < n + 2) return e;  // the bytes after the data are not checked
    e.args.emplace_back(buf.substr(data, n));
    pos = data + n + 2;
  }
  e.result = Result::kCommand;
  e.consumed = pos;
  return e;
}

Expected Reference(std::string_view buf, const ParserLimits& limits) {
  if (buf.empty()) return {};
  return buf[0] == '*' ? ReferenceMultibulk(buf, limits) : ReferenceInline(buf);
}

// Runs the parser over everything `buf` holds, as engine::Client does, and drops what it
// consumed. Returns false once the connection would be closed (a protocol error).
bool Drain(RespParser& parser, std::string& buf, const ParserLimits& limits) {
  std::string_view rest = buf;
  bool open = true;
  while (open) {
    if (rest.empty()) {
      buf.clear();
      return true;
    }
    Expected want = Reference(rest, limits);
    Result got = parser.Parse(rest, limits);
    CHECK(got == want.result);
    switch (got) {
      case Result::kNeedMore:
        CHECK(parser.consumed() == 0);
        CHECK(parser.args().empty());
        // A request still waiting is never a line longer than the limit.
        if (rest.find_first_of(rest[0] == '*' ? '\r' : '\n') == std::string_view::npos) {
          CHECK(rest.size() <= kInlineMax);
        }
        buf.erase(0, buf.size() - rest.size());
        return true;
      case Result::kError:
        CHECK(parser.error() == want.error);
        CHECK(parser.args().empty());
        open = false;
        break;
      case Result::kSkip:
      case Result::kCommand: {
        CHECK(parser.consumed() == want.consumed);
        CHECK(parser.consumed() > 0 && parser.consumed() <= rest.size());
        const std::vector<std::string_view>& args = parser.args();
        CHECK(args.size() == want.args.size());
        CHECK(got == Result::kSkip || !args.empty());
        for (size_t i = 0; i < args.size(); ++i) {
          CHECK(args[i] == want.args[i]);
          if (rest[0] == '*') {
            // Views into the request's own bytes, within the limits.
            CHECK(args[i].data() >= rest.data());
            CHECK(args[i].data() + args[i].size() <= rest.data() + parser.consumed());
            CHECK(static_cast<int64_t>(args[i].size()) <= limits.max_bulk_len);
            if (limits.auth_required) CHECK(args[i].size() <= 16384);
          }
        }
        if (limits.auth_required && rest[0] == '*') CHECK(args.size() <= 10);
        rest.remove_prefix(parser.consumed());
        break;
      }
    }
  }
  return false;
}

// Reads the input front to back (so a seed file reads like its script).
class Script {
 public:
  Script(const uint8_t* data, size_t size) : p_(data), end_(data + size) {}
  bool done() const { return p_ == end_; }
  uint8_t Byte() { return done() ? 0 : *p_++; }
  std::string Bytes(size_t n) {
    n = std::min(n, static_cast<size_t>(end_ - p_));
    std::string out(reinterpret_cast<const char*>(p_), n);
    p_ += n;
    return out;
  }

 private:
  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace

// Input layout: [auth flag][bulk limit choice] then chunks, each an op byte: op >= 16 is
// "op-15 bytes follow, as one read"; op < 16 is "a 3-byte little-endian count, then one
// byte repeated count times" (lines and bulks past the 64 KB limits from a short input),
// twice per input at most, then "1 byte follows".
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Script in(data, size);
  ParserLimits limits;
  limits.auth_required = in.Byte() & 1;
  // proto-max-bulk-len: mostly small, so the limit is reachable; also Redis's default.
  static constexpr int64_t kBulkLimits[] = {0, 1, 16, 1000, 20000, 512LL * 1024 * 1024};
  limits.max_bulk_len = kBulkLimits[in.Byte() % 6];

  RespParser parser;
  std::string buf;
  size_t streamed = 0;
  bool open = true;
  int repeats = 0;  // at most two long runs per input, so each input stays quick
  size_t scanned = 0;
  while (open && !in.done() && streamed < kMaxStream && scanned < kScanBudget) {
    uint8_t op = in.Byte();
    std::string chunk;
    if (op < 16 && repeats++ < 2) {
      size_t n = in.Byte();
      n |= static_cast<size_t>(in.Byte()) << 8;
      n |= static_cast<size_t>(in.Byte()) << 16;
      n = n % (kInlineMax + 16) + 1;
      chunk.assign(n, static_cast<char>(in.Byte()));
    } else {
      chunk = in.Bytes(op < 16 ? 1 : op - 15u);  // 1..240 bytes as one read
    }
    streamed += chunk.size();
    buf += chunk;
    // Between reads the buffer may move; the parser must keep offsets, not pointers. (A
    // large buffer moves when it grows; a small one is moved here, which is cheap.)
    if (buf.size() <= 4096) std::string(buf).swap(buf);
    scanned += buf.size();
    open = Drain(parser, buf, limits);
  }

  if (!open) {
    // The client is gone; the parser object starts afresh on a new connection's bytes.
    const ParserLimits fresh;
    std::string next = "*2\r\n$4\r\nECHO\r\n$2\r\nhi\r\nPING\r\n";
    CHECK(parser.Parse(next, fresh) == Result::kCommand);
    CHECK(parser.args().size() == 2 && parser.args()[1] == "hi");
    next.erase(0, parser.consumed());
    CHECK(parser.Parse(next, fresh) == Result::kCommand);
    CHECK(parser.args().size() == 1 && parser.args()[0] == "PING");
  }
  return 0;
}

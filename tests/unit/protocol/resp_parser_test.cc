#include "protocol/resp_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "base/io_buf.h"
#include "protocol/errors.h"
#include "protocol/reply_builder.h"

namespace cinnabar::protocol {
namespace {

using Result = RespParser::Result;
using Args = std::vector<std::string>;

Args Copy(const RespParser& p) { return Args(p.args().begin(), p.args().end()); }

// Parses `input` in one call.
struct Parsed {
  Result result;
  Args args;
  size_t consumed;
  std::string error;
};

Parsed ParseOnce(std::string_view input, ParserLimits limits = {}) {
  RespParser p;
  Result r = p.Parse(input, limits);
  return {r, Copy(p), p.consumed(), p.error()};
}

// Every command in `stream`, parsed as a client's growing input would be: `chunk` bytes
// arrive at a time, each arrival is copied to a fresh buffer (so the data moves between
// kNeedMore calls), and parsed requests are consumed from the front.
struct StreamResult {
  std::vector<Args> commands;
  int skips = 0;
  std::string error;  // set when parsing stopped on an error
  std::string leftover;
};

StreamResult ParseStream(std::string_view stream, size_t chunk, ParserLimits limits = {}) {
  RespParser p;
  StreamResult out;
  std::string buf;
  size_t fed = 0;
  while (true) {
    bool progressed = false;
    while (!buf.empty()) {
      Result r = p.Parse(buf, limits);
      if (r == Result::kNeedMore) break;
      if (r == Result::kError) {
        out.error = p.error();
        return out;
      }
      if (r == Result::kCommand) {
        for (std::string_view a : p.args()) {
          // Multibulk arguments are views into the buffer just given.
          if (buf[0] == '*') {
            EXPECT_GE(a.data(), buf.data());
            EXPECT_LE(a.data() + a.size(), buf.data() + p.consumed());
          }
        }
        out.commands.push_back(Copy(p));
      } else {
        ++out.skips;
      }
      EXPECT_GT(p.consumed(), 0u);
      EXPECT_LE(p.consumed(), buf.size());
      buf.erase(0, p.consumed());
      progressed = true;
    }
    if (fed == stream.size()) break;
    size_t n = std::min(chunk, stream.size() - fed);
    std::string moved = buf;  // a new allocation: the bytes change address
    moved.append(stream.substr(fed, n));
    buf.swap(moved);
    fed += n;
    (void)progressed;
  }
  out.leftover = buf;
  return out;
}

// --- Multibulk ---

TEST(RespParserMultibulk, ParsesACompleteCommand) {
  std::string in = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
  Parsed r = ParseOnce(in);
  EXPECT_EQ(r.result, Result::kCommand);
  EXPECT_EQ(r.args, (Args{"GET", "key"}));
  EXPECT_EQ(r.consumed, in.size());
}

TEST(RespParserMultibulk, ArgumentsAreViewsIntoTheInput) {
  std::string in = "*1\r\n$4\r\nPING\r\n";
  RespParser p;
  ASSERT_EQ(p.Parse(in, {}), Result::kCommand);
  ASSERT_EQ(p.args().size(), 1u);
  EXPECT_EQ(p.args()[0].data(), in.data() + 8);
}

TEST(RespParserMultibulk, ConsumesOnlyTheFirstOfPipelinedCommands) {
  std::string first = "*1\r\n$4\r\nPING\r\n";
  Parsed r = ParseOnce(first + "*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n");
  EXPECT_EQ(r.result, Result::kCommand);
  EXPECT_EQ(r.args, (Args{"PING"}));
  EXPECT_EQ(r.consumed, first.size());
}

TEST(RespParserMultibulk, BinarySafeArguments) {
  std::string payload("a\r\nb\0c", 6);
  std::string in = "*2\r\n$4\r\nECHO\r\n$6\r\n" + payload + "\r\n";
  Parsed r = ParseOnce(in);
  EXPECT_EQ(r.result, Result::kCommand);
  EXPECT_EQ(r.args, (Args{"ECHO", payload}));
}

TEST(RespParserMultibulk, EmptyArgument) {
  Parsed r = ParseOnce("*2\r\n$4\r\nECHO\r\n$0\r\n\r\n");
  EXPECT_EQ(r.result, Result::kCommand);
  EXPECT_EQ(r.args, (Args{"ECHO", ""}));
}

TEST(RespParserMultibulk, NeedsMoreAtEveryIncompletePrefix) {
  std::string in = "*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n";
  for (size_t n = 1; n < in.size(); ++n) {
    Parsed r = ParseOnce(in.substr(0, n));
    EXPECT_EQ(r.result, Result::kNeedMore) << "prefix of " << n << " bytes";
    EXPECT_EQ(r.consumed, 0u);
  }
}

TEST(RespParserMultibulk, EmptyAndNullArraysAreSkipped) {
  for (std::string in : {"*0\r\n", "*-1\r\n", "*-100\r\n"}) {
    Parsed r = ParseOnce(in + "*1\r\n$4\r\nPING\r\n");
    EXPECT_EQ(r.result, Result::kSkip) << in;
    EXPECT_EQ(r.consumed, in.size()) << in;
    EXPECT_TRUE(r.args.empty());
  }
}

// Redis compat: a line ends at its '\r', and the byte after it is not checked.
TEST(RespParserMultibulk, ByteAfterCarriageReturnIsNotChecked) {
  Parsed r = ParseOnce("*1\rX$4\rYPINGzz");
  EXPECT_EQ(r.result, Result::kCommand);
  EXPECT_EQ(r.args, (Args{"PING"}));
  EXPECT_EQ(r.consumed, 14u);
}

TEST(RespParserMultibulk, CountLineNeedsTheByteAfterCarriageReturn) {
  EXPECT_EQ(ParseOnce("*1\r").result, Result::kNeedMore);
  EXPECT_EQ(ParseOnce("*1\r\n$4\r").result, Result::kNeedMore);
}

TEST(RespParserMultibulk, InvalidCountIsAnError) {
  for (std::string in : {"*x\r\n", "*\r\n", "*1x\r\n", "*+1\r\n", "*01\r\n", "* 1\r\n",
                         "*2147483648\r\n", "*99999999999999999999\r\n"}) {
    Parsed r = ParseOnce(in);
    EXPECT_EQ(r.result, Result::kError) << in;
    EXPECT_EQ(r.error, errors::kProtoInvalidMultibulk) << in;
  }
}

TEST(RespParserMultibulk, LargestCountIsAccepted) {
  Parsed r = ParseOnce("*2147483647\r\n$1\r\na\r\n");
  EXPECT_EQ(r.result, Result::kNeedMore);
}

TEST(RespParserMultibulk, MissingDollarNamesTheByteFound) {
  Parsed r = ParseOnce("*1\r\n+PING\r\n");
  EXPECT_EQ(r.result, Result::kError);
  EXPECT_EQ(r.error, "ERR Protocol error: expected '$', got '+'");
  EXPECT_EQ(r.error, errors::ProtoExpectedDollar('+'));
}

// The text names the CR itself; ReplyBuilder::Error shows it as a space on the wire.
TEST(RespParserMultibulk, MissingDollarOnAnEmptyLineReportsTheCr) {
  Parsed r = ParseOnce("*1\r\n\r\n");
  EXPECT_EQ(r.result, Result::kError);
  EXPECT_EQ(r.error, "ERR Protocol error: expected '$', got '\r'");
  base::IoBuf out;
  ReplyBuilder(&out, 2).Error(r.error);
  EXPECT_EQ(out.view(), "-ERR Protocol error: expected '$', got ' '\r\n");
}

TEST(RespParserMultibulk, InvalidBulkLengthIsAnError) {
  for (std::string len : {"x", "", "-1", "-0", "01", "1.5", "99999999999999999999"}) {
    Parsed r = ParseOnce("*1\r\n$" + len + "\r\n");
    EXPECT_EQ(r.result, Result::kError) << len;
    EXPECT_EQ(r.error, errors::kProtoInvalidBulk) << len;
  }
}

TEST(RespParserMultibulk, BulkLongerThanProtoMaxBulkLenIsAnError) {
  ParserLimits limits;
  limits.max_bulk_len = 100;
  EXPECT_EQ(ParseOnce("*1\r\n$100\r\n", limits).result, Result::kNeedMore);
  Parsed r = ParseOnce("*1\r\n$101\r\n", limits);
  EXPECT_EQ(r.result, Result::kError);
  EXPECT_EQ(r.error, errors::kProtoInvalidBulk);
}

TEST(RespParserMultibulk, UnauthenticatedClientsMayNotSendMoreThanTenArguments) {
  ParserLimits limits;
  limits.auth_required = true;
  EXPECT_EQ(ParseOnce("*10\r\n", limits).result, Result::kNeedMore);
  Parsed r = ParseOnce("*11\r\n", limits);
  EXPECT_EQ(r.result, Result::kError);
  EXPECT_EQ(r.error, errors::kProtoUnauthMultibulk);
  EXPECT_EQ(ParseOnce("*11\r\n").result, Result::kNeedMore);
}

TEST(RespParserMultibulk, UnauthenticatedClientsMayNotSendBulksOver16k) {
  ParserLimits limits;
  limits.auth_required = true;
  EXPECT_EQ(ParseOnce("*1\r\n$16384\r\n", limits).result, Result::kNeedMore);
  Parsed r = ParseOnce("*1\r\n$16385\r\n", limits);
  EXPECT_EQ(r.result, Result::kError);
  EXPECT_EQ(r.error, errors::kProtoUnauthBulk);
  EXPECT_EQ(ParseOnce("*1\r\n$16385\r\n").result, Result::kNeedMore);
}

TEST(RespParserMultibulk, CountLineWithoutCarriageReturnIsLimitedTo64k) {
  std::string in = "*" + std::string(RespParser::kInlineMax - 1, '1');
  EXPECT_EQ(ParseOnce(in).result, Result::kNeedMore);  // exactly kInlineMax bytes
  in += '1';
  Parsed r = ParseOnce(in);
  EXPECT_EQ(r.result, Result::kError);
  EXPECT_EQ(r.error, errors::kProtoBigMultibulkCount);
}

TEST(RespParserMultibulk, BulkLengthLineWithoutCarriageReturnIsLimitedTo64k) {
  std::string head = "*1\r\n";
  EXPECT_EQ(ParseOnce(head + "$" + std::string(RespParser::kInlineMax - 1, '1')).result,
            Result::kNeedMore);
  Parsed r = ParseOnce(head + "$" + std::string(RespParser::kInlineMax, '1'));
  EXPECT_EQ(r.result, Result::kError);
  EXPECT_EQ(r.error, errors::kProtoBigBulkCount);
}

TEST(RespParserMultibulk, ParserStartsAfreshAfterAnError) {
  RespParser p;
  ASSERT_EQ(p.Parse("*2\r\n$3\r\nGET\r\n$x\r\n", {}), Result::kError);
  ASSERT_EQ(p.Parse("*1\r\n$4\r\nPING\r\n", {}), Result::kCommand);
  EXPECT_EQ(Copy(p), (Args{"PING"}));
}

// --- Inline ---

TEST(RespParserInline, ParsesALineEndingInCrLfOrLf) {
  Parsed r = ParseOnce("SET k v\r\n");
  EXPECT_EQ(r.result, Result::kCommand);
  EXPECT_EQ(r.args, (Args{"SET", "k", "v"}));
  EXPECT_EQ(r.consumed, 9u);
  r = ParseOnce("GET k\nPING\n");
  EXPECT_EQ(r.result, Result::kCommand);
  EXPECT_EQ(r.args, (Args{"GET", "k"}));
  EXPECT_EQ(r.consumed, 6u);
}

TEST(RespParserInline, NeedsMoreUntilTheNewline) {
  EXPECT_EQ(ParseOnce("PING").result, Result::kNeedMore);
  EXPECT_EQ(ParseOnce("PING\r").result, Result::kNeedMore);
}

TEST(RespParserInline, BlankLinesAreSkipped) {
  for (std::string in : {"\r\n", "\n", "   \r\n", " \t \n"}) {
    Parsed r = ParseOnce(in);
    EXPECT_EQ(r.result, Result::kSkip) << '"' << in << '"';
    EXPECT_EQ(r.consumed, in.size());
  }
}

TEST(RespParserInline, QuotedArgumentsAreUnescaped) {
  Parsed r = ParseOnce("SET \"a b\" 'c d' \"\\x41\\n\"\r\n");
  EXPECT_EQ(r.result, Result::kCommand);
  EXPECT_EQ(r.args, (Args{"SET", "a b", "c d", "A\n"}));
}

TEST(RespParserInline, UnbalancedQuotesAreAnError) {
  for (std::string in : {"SET \"a b\r\n", "SET 'a\r\n", "SET \"a\"b\r\n"}) {
    Parsed r = ParseOnce(in);
    EXPECT_EQ(r.result, Result::kError) << in;
    EXPECT_EQ(r.error, errors::kProtoUnbalancedQuotes) << in;
  }
}

TEST(RespParserInline, LineWithoutNewlineIsLimitedTo64k) {
  EXPECT_EQ(ParseOnce(std::string(RespParser::kInlineMax, 'a')).result, Result::kNeedMore);
  Parsed r = ParseOnce(std::string(RespParser::kInlineMax + 1, 'a'));
  EXPECT_EQ(r.result, Result::kError);
  EXPECT_EQ(r.error, errors::kProtoBigInline);
}

TEST(RespParserInline, ArgumentsOutliveTheInputBuffer) {
  RespParser p;
  std::string in = "ECHO hello\r\n";
  ASSERT_EQ(p.Parse(in, {}), Result::kCommand);
  in.assign(in.size(), '#');  // inline arguments are unescaped copies owned by the parser
  EXPECT_EQ(Copy(p), (Args{"ECHO", "hello"}));
}

TEST(RespParser, EmptyInputNeedsMore) { EXPECT_EQ(ParseOnce("").result, Result::kNeedMore); }

// --- Incremental feeding ---

const std::string kStream = std::string("*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nva\r\nl\r\n") +
                            "PING\r\n" + "*0\r\n" + "\r\n" + "ECHO \"x y\" 'z'\n" +
                            "*-1\r\n" + "*2\r\n$4\r\nECHO\r\n$0\r\n\r\n" +
                            "*1\r\n$" + std::to_string(3000) + "\r\n" + std::string(3000, 'b') +
                            "\r\n" + "   \n" + "GET k\r\n";

TEST(RespParserIncremental, ByteByByteGivesTheSameCommandsAsOneBuffer) {
  StreamResult whole = ParseStream(kStream, kStream.size());
  StreamResult bytes = ParseStream(kStream, 1);
  ASSERT_EQ(whole.commands.size(), 6u);
  EXPECT_EQ(whole.commands[0], (Args{"SET", "key", "va\r\nl"}));
  EXPECT_EQ(whole.commands[2], (Args{"ECHO", "x y", "z"}));
  EXPECT_EQ(whole.commands[3], (Args{"ECHO", ""}));
  EXPECT_EQ(whole.commands[4][0].size(), 3000u);
  EXPECT_EQ(whole.skips, 4);
  EXPECT_EQ(whole.error, "");
  EXPECT_EQ(whole.leftover, "");
  EXPECT_EQ(bytes.commands, whole.commands);
  EXPECT_EQ(bytes.skips, whole.skips);
  EXPECT_EQ(bytes.leftover, "");
}

TEST(RespParserIncremental, EveryChunkSizeGivesTheSameCommands) {
  StreamResult whole = ParseStream(kStream, kStream.size());
  for (size_t chunk : {2, 3, 5, 7, 13, 64, 1000, 4096}) {
    StreamResult r = ParseStream(kStream, chunk);
    EXPECT_EQ(r.commands, whole.commands) << "chunk " << chunk;
    EXPECT_EQ(r.skips, whole.skips) << "chunk " << chunk;
  }
}

TEST(RespParserIncremental, SurvivesTheBufferMovingBetweenCalls) {
  RespParser p;
  std::string first = "*2\r\n$4\r\nECHO\r\n$10\r\n01234";
  ASSERT_EQ(p.Parse(first, {}), Result::kNeedMore);
  // The client's buffer grows into a new allocation; the old one is overwritten.
  std::string second = first + "56789\r\n";
  first.assign(first.size(), '!');
  ASSERT_EQ(p.Parse(second, {}), Result::kCommand);
  EXPECT_EQ(Copy(p), (Args{"ECHO", "0123456789"}));
  EXPECT_EQ(p.consumed(), second.size());
  EXPECT_EQ(p.args()[1].data(), second.data() + second.size() - 12);
}

TEST(RespParserIncremental, ErrorMidStreamStopsAtTheSameCommand) {
  std::string stream = "PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$abc\r\n*1\r\n$4\r\nPING\r\n";
  StreamResult whole = ParseStream(stream, stream.size());
  StreamResult bytes = ParseStream(stream, 1);
  EXPECT_EQ(whole.commands.size(), 2u);
  EXPECT_EQ(whole.error, errors::kProtoInvalidBulk);
  EXPECT_EQ(bytes.commands, whole.commands);
  EXPECT_EQ(bytes.error, whole.error);
}

}  // namespace
}  // namespace cinnabar::protocol

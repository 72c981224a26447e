#include "protocol/reply_builder.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace cinnabar::protocol {
namespace {

// The bytes `build` writes in RESP2 and in RESP3.
struct Bytes {
  std::string resp2, resp3;
};

Bytes Build(const std::function<void(ReplyBuilder&)>& build) {
  Bytes out;
  for (int resp : {2, 3}) {
    base::IoBuf buf;
    ReplyBuilder rb(&buf, resp);
    build(rb);
    (resp == 2 ? out.resp2 : out.resp3) = std::string(buf.view());
  }
  return out;
}

void ExpectBoth(const std::function<void(ReplyBuilder&)>& build, std::string_view bytes) {
  Bytes b = Build(build);
  EXPECT_EQ(b.resp2, bytes);
  EXPECT_EQ(b.resp3, bytes);
}

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(ReplyBuilder, SameBytesInBothProtocols) {
  ExpectBoth([](ReplyBuilder& rb) { rb.SimpleString("PONG"); }, "+PONG\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Ok(); }, "+OK\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Error("ERR bad thing"); }, "-ERR bad thing\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Integer(42); }, ":42\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Integer(-7); }, ":-7\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Integer(INT64_MIN); }, ":-9223372036854775808\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Bulk("hello"); }, "$5\r\nhello\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Bulk(""); }, "$0\r\n\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Bulk(std::string_view("a\r\n\0", 4)); },
             std::string_view("$4\r\na\r\n\0\r\n", 10));
  ExpectBoth([](ReplyBuilder& rb) { rb.BulkInteger(-12); }, "$3\r\n-12\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.ArrayHeader(3); }, "*3\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.EmptyArray(); }, "*0\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Raw(":1\r\n"); }, ":1\r\n");
}

TEST(ReplyBuilder, ErrorTextsNeverBreakTheFraming) {
  // Redis compat: CR/LF at the end are dropped, inside they become spaces.
  ExpectBoth([](ReplyBuilder& rb) { rb.Error("ERR Unsupported option b\r\n"); },
             "-ERR Unsupported option b\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Error("ERR unknown command 'a\r\n-ERR x', with"); },
             "-ERR unknown command 'a  -ERR x', with\r\n");
  ExpectBoth([](ReplyBuilder& rb) { rb.Error("ERR x\n\ny "); }, "-ERR x  y \r\n");
}

TEST(ReplyBuilder, NullIsABulkOrArrayNullInResp2AndUnderscoreInResp3) {
  Bytes null = Build([](ReplyBuilder& rb) { rb.Null(); });
  EXPECT_EQ(null.resp2, "$-1\r\n");
  EXPECT_EQ(null.resp3, "_\r\n");
  Bytes null_array = Build([](ReplyBuilder& rb) { rb.NullArray(); });
  EXPECT_EQ(null_array.resp2, "*-1\r\n");
  EXPECT_EQ(null_array.resp3, "_\r\n");
}

TEST(ReplyBuilder, MapIsAFlatArrayInResp2) {
  Bytes b = Build([](ReplyBuilder& rb) {
    rb.MapHeader(2);
    rb.Bulk("a");
    rb.Integer(1);
    rb.Bulk("b");
    rb.Integer(2);
  });
  EXPECT_EQ(b.resp2, "*4\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n");
  EXPECT_EQ(b.resp3, "%2\r\n$1\r\na\r\n:1\r\n$1\r\nb\r\n:2\r\n");
}

TEST(ReplyBuilder, SetAndPushAreArraysInResp2) {
  Bytes set = Build([](ReplyBuilder& rb) { rb.SetHeader(2); });
  EXPECT_EQ(set.resp2, "*2\r\n");
  EXPECT_EQ(set.resp3, "~2\r\n");
  Bytes push = Build([](ReplyBuilder& rb) { rb.PushHeader(3); });
  EXPECT_EQ(push.resp2, "*3\r\n");
  EXPECT_EQ(push.resp3, ">3\r\n");
}

TEST(ReplyBuilder, DoubleIsABulkStringInResp2) {
  Bytes b = Build([](ReplyBuilder& rb) { rb.Double(1.5); });
  EXPECT_EQ(b.resp2, "$3\r\n1.5\r\n");
  EXPECT_EQ(b.resp3, ",1.5\r\n");
  b = Build([](ReplyBuilder& rb) { rb.Double(0.1); });
  EXPECT_EQ(b.resp2, "$19\r\n0.10000000000000001\r\n");
  EXPECT_EQ(b.resp3, ",0.10000000000000001\r\n");
  b = Build([](ReplyBuilder& rb) { rb.Double(3); });
  EXPECT_EQ(b.resp2, "$1\r\n3\r\n");
  EXPECT_EQ(b.resp3, ",3\r\n");
}

TEST(ReplyBuilder, DoubleSpellsOutInfinity) {
  Bytes b = Build([](ReplyBuilder& rb) { rb.Double(kInf); });
  EXPECT_EQ(b.resp2, "$3\r\ninf\r\n");
  EXPECT_EQ(b.resp3, ",inf\r\n");
  b = Build([](ReplyBuilder& rb) { rb.Double(-kInf); });
  EXPECT_EQ(b.resp2, "$4\r\n-inf\r\n");
  EXPECT_EQ(b.resp3, ",-inf\r\n");
}

TEST(ReplyBuilder, BoolIsAnIntegerInResp2) {
  Bytes t = Build([](ReplyBuilder& rb) { rb.Bool(true); });
  EXPECT_EQ(t.resp2, ":1\r\n");
  EXPECT_EQ(t.resp3, "#t\r\n");
  Bytes f = Build([](ReplyBuilder& rb) { rb.Bool(false); });
  EXPECT_EQ(f.resp2, ":0\r\n");
  EXPECT_EQ(f.resp3, "#f\r\n");
}

TEST(ReplyBuilder, VerbatimIsABulkStringInResp2) {
  Bytes b = Build([](ReplyBuilder& rb) { rb.Verbatim("Some string"); });
  EXPECT_EQ(b.resp2, "$11\r\nSome string\r\n");
  EXPECT_EQ(b.resp3, "=15\r\ntxt:Some string\r\n");
  b = Build([](ReplyBuilder& rb) { rb.Verbatim("# x", "mkd"); });
  EXPECT_EQ(b.resp2, "$3\r\n# x\r\n");
  EXPECT_EQ(b.resp3, "=7\r\nmkd:# x\r\n");
}

TEST(ReplyBuilder, RepliesAppendToWhatIsAlreadyBuffered) {
  base::IoBuf buf;
  buf.Append("+earlier\r\n");
  ReplyBuilder rb(&buf, 2);
  rb.ArrayHeader(2);
  rb.Bulk(std::string(5000, 'x'));
  rb.Null();
  EXPECT_EQ(buf.view(), "+earlier\r\n*2\r\n$5000\r\n" + std::string(5000, 'x') + "\r\n$-1\r\n");
  EXPECT_EQ(rb.buffer(), &buf);
  EXPECT_EQ(rb.resp(), 2);
}

TEST(ReplyBuilder, PairShapes) {
  auto two = [](PairShape shape) {
    return [shape](ReplyBuilder& rb) {
      rb.PairsHeader(2, shape);
      rb.BulkPair("a", "1", shape);
      rb.BulkPair("b", "2", shape);
    };
  };
  ExpectBoth(two(PairShape::kFlat), "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
  ExpectBoth(two(PairShape::kNested),
             "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
  Bytes b = Build(two(PairShape::kByProtocol));
  EXPECT_EQ(b.resp2, "*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$1\r\n2\r\n");
  EXPECT_EQ(b.resp3, "*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\nb\r\n$1\r\n2\r\n");
}

TEST(ReplyBuilder, ScoredMembers) {
  auto scored = [](bool withscores) {
    return [withscores](ReplyBuilder& rb) {
      rb.ScoredHeader(1, withscores);
      rb.Scored("m", 1.5, withscores);
    };
  };
  ExpectBoth(scored(false), "*1\r\n$1\r\nm\r\n");
  Bytes b = Build(scored(true));
  EXPECT_EQ(b.resp2, "*2\r\n$1\r\nm\r\n$3\r\n1.5\r\n");
  EXPECT_EQ(b.resp3, "*1\r\n*2\r\n$1\r\nm\r\n,1.5\r\n");
}

TEST(ReplyBuilder, BulkMap) {
  std::vector<std::pair<std::string, std::string>> pairs = {{"k", "v"}};
  Bytes b = Build([&pairs](ReplyBuilder& rb) { rb.BulkMap(pairs); });
  EXPECT_EQ(b.resp2, "*2\r\n$1\r\nk\r\n$1\r\nv\r\n");
  EXPECT_EQ(b.resp3, "%1\r\n$1\r\nk\r\n$1\r\nv\r\n");
}

class RecordingObserver : public ErrorObserver {
 public:
  void OnErrorReply(std::string_view prefix) override { prefixes.emplace_back(prefix); }
  std::vector<std::string> prefixes;
};

TEST(ReplyBuilder, ErrorsAreReportedByTheirFirstWord) {
  base::IoBuf buf;
  RecordingObserver observer;
  ReplyBuilder rb(&buf, 2, &observer);
  rb.Error("WRONGTYPE Operation against a key holding the wrong kind of value");
  rb.Error("ERR syntax error");
  rb.Error("NOSPACE");
  rb.Bulk("not an error");
  EXPECT_EQ(observer.prefixes, (std::vector<std::string>{"WRONGTYPE", "ERR", "NOSPACE"}));
}

}  // namespace
}  // namespace cinnabar::protocol

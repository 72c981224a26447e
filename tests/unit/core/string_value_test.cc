#include "core/string_value.h"

#include <gtest/gtest.h>

#include <string>

#include "core/value_ops.h"

namespace cinnabar::core {
namespace {

// An entry holding MakeStringValue(bytes), freed at scope exit.
class StringEntry {
 public:
  explicit StringEntry(std::string_view bytes)
      : e_(Entry::Create("key", 0, MakeStringValue(bytes), 0)) {}
  ~StringEntry() { DestroyEntry(e_); }
  const Entry* get() const { return e_; }
  std::string_view encoding() const { return StringEncodingName(e_); }
  std::string bytes() const {
    IntBuffer scratch;
    return std::string(StringBytes(e_, &scratch));
  }

 private:
  Entry* e_;
};

TEST(StringValue, CanonicalIntegersAreIntEncoded) {
  for (std::string s : {"0", "1", "-1", "12345", "9223372036854775807",
                        "-9223372036854775808"}) {
    StringEntry e(s);
    EXPECT_EQ(e.encoding(), "int") << s;
    EXPECT_EQ(e.bytes(), s);
    EXPECT_EQ(StringLength(e.get()), s.size());
  }
}

TEST(StringValue, NonCanonicalOrOutOfRangeNumbersStayStrings) {
  for (std::string s : {"01", "+1", "-0", " 1", "1 ", "1.0", "9223372036854775808",
                        "-9223372036854775809", "18446744073709551615"}) {
    StringEntry e(s);
    EXPECT_EQ(e.encoding(), "embstr") << s;
    EXPECT_EQ(e.bytes(), s);
  }
}

TEST(StringValue, TwentyOneDigitNumberIsNotAnInteger) {
  std::string s = "100000000000000000000";
  StringEntry e(s);
  EXPECT_EQ(e.encoding(), "embstr");
}

TEST(StringValue, UpTo44BytesAreEmbedded) {
  StringEntry empty("");
  EXPECT_EQ(empty.encoding(), "embstr");
  EXPECT_EQ(empty.bytes(), "");
  std::string s44(44, 'x');
  StringEntry e44(s44);
  EXPECT_EQ(e44.encoding(), "embstr");
  EXPECT_EQ(e44.bytes(), s44);
  EXPECT_EQ(StringLength(e44.get()), 44u);
}

TEST(StringValue, From45BytesTheValueIsRaw) {
  std::string s45(45, 'y');
  StringEntry e45(s45);
  EXPECT_EQ(e45.encoding(), "raw");
  EXPECT_EQ(e45.bytes(), s45);
  EXPECT_EQ(StringLength(e45.get()), 45u);
  std::string big(100000, 'z');
  StringEntry large(big);
  EXPECT_EQ(large.encoding(), "raw");
  EXPECT_EQ(large.bytes(), big);
}

TEST(StringValue, BinaryBytesAreKeptExactly) {
  std::string s("\0\r\n\xff", 4);
  StringEntry e(s);
  EXPECT_EQ(e.bytes(), s);
}

TEST(StringValue, RawValueRegardlessOfLength) {
  Value v = MakeRawStringValue("ab", 100);
  EXPECT_EQ(v.encoding, kStrRaw);
  auto* s = static_cast<RawString*>(v.pointer);
  EXPECT_EQ(s->view(), "ab");
  EXPECT_GE(s->capacity(), 100u);
  DestroyValue(v);
}

TEST(StringValue, StringToInt64ReadsAnyEncoding) {
  int64_t v;
  StringEntry i("-42");
  EXPECT_TRUE(StringToInt64(i.get(), &v));
  EXPECT_EQ(v, -42);
  Entry* emb = Entry::Create("k", 0, Value::Embedded("77"), 0);  // not canonicalised
  EXPECT_TRUE(StringToInt64(emb, &v));
  EXPECT_EQ(v, 77);
  DestroyEntry(emb);
  Value raw = MakeRawStringValue("123", 3);
  Entry* r = Entry::Create("k", 0, raw, 0);
  EXPECT_TRUE(StringToInt64(r, &v));
  EXPECT_EQ(v, 123);
  DestroyEntry(r);
  StringEntry text("12a");
  EXPECT_FALSE(StringToInt64(text.get(), &v));
  StringEntry padded("007");
  EXPECT_FALSE(StringToInt64(padded.get(), &v));
}

TEST(RawString, ResizeKeepsContentAndZeroFills) {
  RawString* s = RawString::Create("abc", 3);
  s = RawString::Resize(s, 10);
  EXPECT_EQ(s->view(), std::string_view("abc\0\0\0\0\0\0\0", 10));
  s = RawString::Resize(s, 2);
  EXPECT_EQ(s->view(), "ab");
  RawString::Destroy(s);
}

TEST(RawString, ResizeGrowsGreedily) {
  RawString* s = RawString::Create("", 0);
  s = RawString::Resize(s, 1000);
  EXPECT_GE(s->capacity(), 2000u);  // doubled below 1 MB
  s = RawString::Resize(s, 2 * 1024 * 1024);
  EXPECT_GE(s->capacity(), 3u * 1024 * 1024);  // plus 1 MB above it
  EXPECT_GE(s->AllocatedBytes(), s->capacity());
  RawString::Destroy(s);
}

}  // namespace
}  // namespace cinnabar::core

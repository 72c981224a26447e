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

// Applies `edit` to the entry `*e` as Database::Update / SetPointer would.
void Store(Entry** e, const StringEdit& edit) {
  if (edit.in_place) {
    (*e)->set_pointer(edit.value.pointer);
  } else {
    Value old = (*e)->value();
    *e = Entry::ReplaceValue(*e, edit.value);
    DestroyValue(old);
  }
}

std::string BytesOf(const Entry* e) {
  IntBuffer scratch;
  return std::string(StringBytes(e, &scratch));
}

TEST(StringEdit, AppendMakesRawFromEveryEncoding) {
  for (std::string start : {std::string("12"), std::string("hi"), std::string(50, 'x')}) {
    Entry* e = Entry::Create("k", 0, MakeStringValue(start), 0);
    StringEdit edit = AppendString(e, "34");
    EXPECT_EQ(edit.in_place, start.size() > kEmbStrMax) << start;
    Store(&e, edit);
    EXPECT_EQ(StringEncodingName(e), "raw") << start;
    EXPECT_EQ(BytesOf(e), start + "34");
    EXPECT_EQ(edit.length, start.size() + 2);
    DestroyEntry(e);
  }
}

TEST(StringEdit, AppendNothingStillMakesRaw) {
  Entry* e = Entry::Create("k", 0, MakeStringValue("10"), 0);
  Store(&e, AppendString(e, ""));
  EXPECT_EQ(StringEncodingName(e), "raw");
  EXPECT_EQ(BytesOf(e), "10");
  DestroyEntry(e);
}

TEST(StringEdit, AppendToRawGrowsInPlace) {
  Entry* e = Entry::Create("k", 0, MakeRawStringValue("ab", 2), 0);
  for (int i = 0; i < 100; ++i) Store(&e, AppendString(e, "cd"));
  EXPECT_EQ(BytesOf(e).size(), 202u);
  EXPECT_EQ(BytesOf(e).substr(0, 6), "abcdcd");
  DestroyEntry(e);
}

TEST(StringEdit, OverwriteCreatesPadsAndKeepsTheRest) {
  StringEdit fresh = OverwriteString(nullptr, 3, "ab");
  Entry* e = Entry::Create("k", 0, fresh.value, 0);
  EXPECT_EQ(StringEncodingName(e), "raw");
  EXPECT_EQ(BytesOf(e), std::string("\0\0\0ab", 5));
  Store(&e, OverwriteString(e, 0, "X"));
  EXPECT_EQ(BytesOf(e), std::string("X\0\0ab", 5));
  DestroyEntry(e);

  Entry* i = Entry::Create("k", 0, MakeStringValue("12"), 0);
  StringEdit edit = OverwriteString(i, 0, "3");
  EXPECT_FALSE(edit.in_place);
  Store(&i, edit);
  EXPECT_EQ(StringEncodingName(i), "raw");
  EXPECT_EQ(BytesOf(i), "32");
  EXPECT_EQ(edit.length, 2u);
  DestroyEntry(i);
}

TEST(StringValue, TextValueIsNeverAnInteger) {
  Entry* e = Entry::Create("k", 0, MakeTextValue("11"), 0);
  EXPECT_EQ(StringEncodingName(e), "embstr");
  DestroyEntry(e);
  Entry* big = Entry::Create("k", 0, MakeTextValue(std::string(45, '1')), 0);
  EXPECT_EQ(StringEncodingName(big), "raw");
  DestroyEntry(big);
}

TEST(StringValue, SharedIntegersAreZeroTo9999) {
  StringEntry zero("0"), top("9999"), past("10000"), neg("-1"), text("abc");
  EXPECT_TRUE(IsSharedInteger(zero.get()));
  EXPECT_TRUE(IsSharedInteger(top.get()));
  EXPECT_FALSE(IsSharedInteger(past.get()));
  EXPECT_FALSE(IsSharedInteger(neg.get()));
  EXPECT_FALSE(IsSharedInteger(text.get()));
}

TEST(StringValue, CopiedSmallIntegerIsNotShared) {
  StringEntry source("79");
  Entry* copy = Entry::Create("copy", 0, CloneValue(source.get()->value()), 0);
  EXPECT_TRUE(IsSharedInteger(source.get()));
  EXPECT_FALSE(IsSharedInteger(copy));
  EXPECT_EQ(StringEncodingName(copy), "int");
  IntBuffer scratch;
  EXPECT_EQ(StringBytes(copy, &scratch), "79");
  int64_t v = 0;
  EXPECT_TRUE(StringToInt64(copy, &v));
  EXPECT_EQ(v, 79);
  copy = Entry::ReplaceExpire(copy, 5000);  // EXPIRE, GETEX: the same object
  EXPECT_FALSE(IsSharedInteger(copy));
  copy = Entry::ReplaceValue(copy, MakeStringValue("79"));  // SET stores the shared one
  EXPECT_TRUE(IsSharedInteger(copy));
  DestroyEntry(copy);
}

TEST(StringValue, EditOfACopiedIntegerIsRaw) {
  StringEntry source("12");
  Entry* copy = Entry::Create("copy", 0, CloneValue(source.get()->value()), 0);
  Store(&copy, AppendString(copy, ""));
  EXPECT_EQ(StringEncodingName(copy), "raw");
  EXPECT_FALSE(copy->unshared());
  EXPECT_FALSE(IsSharedInteger(copy));
  DestroyEntry(copy);
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

// Files in the formats Redis wrote before (or after) the ones our encoder writes, built
// byte by byte from the format's documentation: zipmap and ziplist hashes, ziplist sorted
// sets and lists, quicklists of ziplists, plain lists, string-scored sorted sets, PLAIN
// quicklist nodes and Redis 7.2's set listpacks.

#include <gtest/gtest.h>

#include <string>

#include "persistence/rdb_string.h"
#include "unit/persistence/rdb_test.h"

namespace cinnabar::persistence {
namespace {

using namespace std::string_literals;
using testing::MakeRdb;
using testing::RecordingHandler;

// A value written as an RDB string (a length byte is enough for these sizes).
std::string Blob(const std::string& bytes) {
  std::string out;
  AppendRdbString(&out, bytes, false);
  return out;
}

std::string LoadOne(const std::string& body, int version = 10) {
  RecordingHandler h;
  base::Status s = testing::Load(MakeRdb(body, version), &h);
  if (!s.ok()) return "error: " + s.message();
  if (h.keys.size() != 1) return "keys: " + std::to_string(h.keys.size());
  return h.keys[0].description;
}

// ["a", 1, 300]: a 6-bit string, an immediate (0xF1 + 1), an int16.
const std::string kZiplistA1_300 =
    "\x14\x00\x00\x00"s  // zlbytes 20
    "\x0f\x00\x00\x00"s  // zltail 15
    "\x03\x00"s          // zllen 3
    "\x00\x01\x61"s      // prevlen 0, "a"
    "\x03\xf2"s          // prevlen 3, immediate 1
    "\x02\xc0\x2c\x01"s  // prevlen 2, int16 300
    "\xff"s;

// ["x"].
const std::string kZiplistX = "\x0e\x00\x00\x00\x0a\x00\x00\x00\x01\x00\x00\x01x\xff"s;

TEST(RdbGolden, ListZiplist) {
  EXPECT_EQ(LoadOne("\x0a\x01k"s + Blob(kZiplistA1_300), 4), "list/listpack: [a,1,300]");
}

TEST(RdbGolden, ZiplistIntegerEncodings) {
  // int8 -5, int24 -100000, int32 2^31-1, int64 -2^40, immediate 12, a 14-bit string.
  std::string big(100, 'b');
  std::string zl = "\x00\x00\x00\x00\x00\x00\x00\x00\x06\x00"s;  // sizes set below
  size_t prev = 0, last = 0;
  auto add = [&](const std::string& e) {
    last = zl.size();
    zl += static_cast<char>(prev);  // every entry here is under 254 bytes
    zl += e;
    prev = e.size() + 1;
  };
  add("\xfe\xfb"s);
  add("\xf0\x60\x79\xfe"s);          // -100000 = 0xFE7960
  add("\xd0\xff\xff\xff\x7f"s);
  add("\xe0\x00\x00\x00\x00\x00\xff\xff\xff"s);  // -2^40
  add("\xfd"s);
  add("\x40\x64"s + big);            // 14-bit length 100
  zl += "\xff";
  zl[0] = static_cast<char>(zl.size());
  zl[4] = static_cast<char>(last);
  EXPECT_EQ(LoadOne("\x0a\x01k"s + Blob(zl), 6),
            "list/listpack: [-5,-100000,2147483647,-1099511627776,12," + big + "]");
}

TEST(RdbGolden, QuicklistOfZiplists) {
  std::string body = "\x0e\x01k\x02"s + Blob(kZiplistA1_300) + Blob(kZiplistX);
  EXPECT_EQ(LoadOne(body, 9), "list/quicklist: [a,1,300,x]");
  // An empty ziplist node is skipped.
  std::string empty_zl = "\x0b\x00\x00\x00\x0a\x00\x00\x00\x00\x00\xff"s;
  body = "\x0e\x01k\x02"s + Blob(empty_zl) + Blob(kZiplistX);
  EXPECT_EQ(LoadOne(body, 9), "list/listpack: [x]");
}

TEST(RdbGolden, OldPlainList) {
  std::string body = "\x01\x01k\x03\x01" "a\xc0\x07\x05hello"s;
  EXPECT_EQ(LoadOne(body, 1), "list/listpack: [a,7,hello]");
}

TEST(RdbGolden, HashZipmap) {
  // zmlen 2; "foo" -> "bar"; "hello" -> "world" with 2 free bytes after the value.
  std::string zm = "\x02"s
                   "\x03" "foo" "\x03\x00" "bar"s
                   "\x05hello\x05\x02world!!"s
                   "\xff"s;
  EXPECT_EQ(LoadOne("\x09\x01k"s + Blob(zm), 2), "hash/listpack: [foo=bar,hello=world]");
  // A duplicate field is refused; an empty zipmap is malformed.
  std::string dup = "\x02\x01" "a\x01\x00" "b\x01" "a\x01\x00" "c\xff"s;
  EXPECT_NE(LoadOne("\x09\x01k"s + Blob(dup), 2).find("Zipmap integrity check failed."),
            std::string::npos);
  EXPECT_NE(LoadOne("\x09\x01k"s + Blob("\x00\xff"s), 2).find("Zipmap integrity check failed."),
            std::string::npos);
}

TEST(RdbGolden, HashZiplist) {
  // ["f1", "v1", "n", 5]
  std::string zl = "\x18\x00\x00\x00"s  // zlbytes 24
                   "\x15\x00\x00\x00"s  // zltail 21
                   "\x04\x00"s
                   "\x00\x02" "f1"s     // offset 10, 4 bytes
                   "\x04\x02v1"s        // offset 14, 4 bytes
                   "\x04\x01n"s         // offset 18, 3 bytes
                   "\x03\xf6"s          // offset 21, immediate 5
                   "\xff"s;             // offset 23
  EXPECT_EQ(LoadOne("\x0d\x01k"s + Blob(zl), 7), "hash/listpack: [f1=v1,n=5]");
  // An odd count is not a hash.
  std::string odd = "\x0e\x00\x00\x00\x0a\x00\x00\x00\x01\x00\x00\x01x\xff"s;
  EXPECT_NE(LoadOne("\x0d\x01k"s + Blob(odd), 7).find("Hash ziplist integrity check failed."),
            std::string::npos);
}

TEST(RdbGolden, ZSetZiplist) {
  // ["a", "1.5", "b", 2]: a string score and an integer one.
  std::string zl = "\x18\x00\x00\x00"s
                   "\x15\x00\x00\x00"s
                   "\x04\x00"s
                   "\x00\x01" "a"s
                   "\x03\x03" "1.5"s
                   "\x05\x01" "b"s
                   "\x03\xf3"s
                   "\xff"s;
  EXPECT_EQ(LoadOne("\x0c\x01k"s + Blob(zl), 7), "zset/listpack: [a=1.5,b=2]");
  // Out of order in the file: sorted on load.
  std::string unordered = "\x18\x00\x00\x00"s
                          "\x15\x00\x00\x00"s
                          "\x04\x00"s
                          "\x00\x01" "a"s
                          "\x03\x03" "9.5"s
                          "\x05\x01" "b"s
                          "\x03\xf3"s
                          "\xff"s;
  EXPECT_EQ(LoadOne("\x0c\x01k"s + Blob(unordered), 7), "zset/listpack: [b=2,a=9.5]");
  // A score that is not a number is refused.
  std::string junk = zl;
  junk[15] = 'x';
  EXPECT_NE(LoadOne("\x0c\x01k"s + Blob(junk), 7).find("Zset ziplist integrity check failed."),
            std::string::npos);
}

TEST(RdbGolden, ZSetWithTextScores) {
  std::string body = "\x03\x01k\x04"s
                     "\x01" "a\x03" "1.5"s
                     "\x01" "b\xfe"s      // +inf
                     "\x01" "c\xff"s      // -inf
                     "\x01" "d\x02-3"s;
  EXPECT_EQ(LoadOne(body, 6), "zset/listpack: [c=-inf,d=-3,a=1.5,b=inf]");
}

TEST(RdbGolden, IntsetBlob) {
  std::string is = "\x04\x00\x00\x00\x03\x00\x00\x00"s
                   "\xff\xff\xff\xff" "\x02\x00\x00\x00" "\x00\x00\x01\x00"s;
  EXPECT_EQ(LoadOne("\x0b\x01k"s + Blob(is)), "set/intset: [-1,2,65536]");
  // Unsorted, duplicated, a bad width or a bad size: refused.
  for (std::string bad : {"\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x01\x00"s,
                          "\x02\x00\x00\x00\x02\x00\x00\x00\x05\x00\x05\x00"s,
                          "\x03\x00\x00\x00\x01\x00\x00\x00\x05\x00\x00"s,
                          "\x02\x00\x00\x00\x03\x00\x00\x00\x05\x00\x06\x00"s}) {
    EXPECT_NE(LoadOne("\x0b\x01k"s + Blob(bad)).find("Intset integrity check failed."),
              std::string::npos);
  }
}

// Listpack [a, 5] and [b].
const std::string kListpackA5 = "\x0c\x00\x00\x00\x02\x00\x81\x61\x02\x05\x01\xff"s;
const std::string kListpackB = "\x0a\x00\x00\x00\x01\x00\x81\x62\x02\xff"s;

TEST(RdbGolden, SetListpackFromRedis72) {
  EXPECT_EQ(LoadOne("\x14\x01k"s + Blob(kListpackA5), 11), "set/listpack: [5,a]");
  std::string dup = "\x0c\x00\x00\x00\x02\x00\x81\x61\x02\x81\x61\x02\xff"s;
  dup[0] = 13;
  EXPECT_NE(LoadOne("\x14\x01k"s + Blob(dup), 11).find("Set listpack integrity check failed."),
            std::string::npos);
}

TEST(RdbGolden, QuicklistPlainAndPackedNodes) {
  std::string body = "\x12\x01k\x03"s
                     "\x02"s + Blob(kListpackA5) +
                     "\x01"s + Blob("plain element") +
                     "\x02"s + Blob(kListpackB);
  EXPECT_EQ(LoadOne(body), "list/quicklist: [a,5,plain element,b]");
  // Container 3 does not exist.
  std::string bad = "\x12\x01k\x01\x03"s + Blob(kListpackB);
  EXPECT_NE(LoadOne(bad).find("Quicklist integrity check failed."), std::string::npos);
}

TEST(RdbGolden, StringElementsThatReadAsIntegersAreRewritten) {
  // A listpack holding "12" as a 6-bit string: adopted as the integer our code would write.
  std::string lp = "\x0b\x00\x00\x00\x01\x00\x82" "12\x03\xff"s;
  std::string list = "\x12\x01k\x01\x02"s + Blob(lp);
  EXPECT_EQ(LoadOne(list), "list/listpack: [12]");
  std::string hash_lp = "\x0e\x00\x00\x00\x02\x00\x82" "12\x03\x81v\x02\xff"s;
  EXPECT_EQ(LoadOne("\x10\x01k"s + Blob(hash_lp)), "hash/listpack: [12=v]");
}

}  // namespace
}  // namespace cinnabar::persistence

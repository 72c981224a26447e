// The loader's file-level behaviour: header and version, opcodes, the checksum, handler
// errors, unsupported types, and every truncation or byte flip of a small file failing
// cleanly (ASan and LeakSanitizer watch the values built before the failure).

#include "persistence/rdb_loader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "base/crc64.h"
#include "core/entry.h"
#include "core/string_value.h"
#include "core/value_ops.h"
#include "persistence/rdb_encoder.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_string.h"
#include "unit/persistence/rdb_test.h"

namespace cinnabar::persistence {
namespace {

using namespace std::string_literals;
using testing::MakeHash;
using testing::MakeList;
using testing::MakeRdb;
using testing::MakeSet;
using testing::MakeZSet;
using testing::RecordingHandler;

void AppendKey(std::string* body, std::string_view key, core::Value v, int64_t expire = 0,
               RdbKeyMeta meta = {}) {
  core::Entry* e = core::Entry::Create(key, expire, v, 0);
  AppendRdbKey(body, *e, meta, true);
  core::DestroyEntry(e);
}

// A small file with one key of every type, an aux field and a function.
std::string SmallFile() {
  std::string body;
  AppendRdbAux(&body, "redis-ver", "7.0.15");
  AppendRdbFunction(&body, "#!lua name=x\n");
  AppendRdbSelectDb(&body, 0);
  AppendRdbResizeDb(&body, 8, 1);
  AppendKey(&body, "s", core::MakeStringValue("value"), 1893456000000, {.idle_seconds = 3});
  AppendKey(&body, "i", core::MakeStringValue("42"));
  AppendKey(&body, "l", MakeList({"a", "b", "3"}));
  AppendKey(&body, "si", MakeSet({"1", "2"}));
  AppendKey(&body, "sl", MakeSet({"x", "y"}));
  AppendKey(&body, "h", MakeHash({{"f", "v"}}));
  AppendKey(&body, "z", MakeZSet({{"m", 1}, {"n", 2.5}}));
  std::vector<std::pair<std::string, double>> big;
  for (int i = 0; i < 130; ++i) big.emplace_back(std::to_string(i), i);
  AppendKey(&body, "zs", MakeZSet(big));
  AppendRdbSelectDb(&body, 1);
  AppendKey(&body, "raw", core::MakeStringValue(std::string(50, 'q')));
  return MakeRdb(body);
}

TEST(RdbLoader, LoadsTheSmallFile) {
  RecordingHandler h;
  base::Status s = testing::Load(SmallFile(), &h);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(h.keys.size(), 9u);
  EXPECT_EQ(h.Find("sl"), "set/listpack: [x,y]");
  EXPECT_EQ(h.Find("si"), "set/intset: [1,2]");
  EXPECT_EQ(h.Find("i"), "string/int: 42");
  EXPECT_EQ(h.keys.back().db, 1);
}

TEST(RdbLoader, EveryTruncationFails) {
  std::string file = SmallFile();
  for (size_t len = 0; len < file.size(); ++len) {
    RecordingHandler h;
    base::Status s = testing::Load(std::string_view(file).substr(0, len), &h);
    ASSERT_FALSE(s.ok()) << "prefix of " << len << " bytes loaded";
    if (len >= 9) {
      EXPECT_EQ(s.message().rfind("Short read or OOM loading DB. Unrecoverable error", 0), 0u)
          << len << ": " << s.message();
    }
  }
}

// Flipping any byte (checksum off, so the structure itself is judged) never crashes.
TEST(RdbLoader, ByteFlipsNeverCrash) {
  std::string file = SmallFile();
  RdbLoadOptions no_check;
  no_check.verify_checksum = false;
  for (size_t i = 0; i < file.size(); ++i) {
    for (uint8_t x : {0x01, 0x80, 0xff}) {
      std::string bad = file;
      bad[i] = static_cast<char>(bad[i] ^ x);
      RecordingHandler h;
      (void)testing::Load(bad, &h, no_check);
    }
  }
}

TEST(RdbLoader, Checksum) {
  std::string file = SmallFile();
  std::string bad = file;
  bad[bad.size() - 1] ^= 1;
  RecordingHandler h1;
  base::Status s = testing::Load(bad, &h1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message().rfind("Wrong RDB checksum expected: (", 0), 0u) << s.message();

  // A flipped data byte (inside a string value) is caught by the checksum alone.
  bad = file;
  size_t at = bad.find("value");
  ASSERT_NE(at, std::string::npos);
  bad[at] = 'r';
  RecordingHandler h2;
  EXPECT_FALSE(testing::Load(bad, &h2).ok());
  RdbLoadOptions no_check;
  no_check.verify_checksum = false;
  RecordingHandler h3;
  EXPECT_TRUE(testing::Load(bad, &h3, no_check).ok());

  // A zero trailer: written with rdbchecksum off, accepted.
  std::string zero = file;
  zero.replace(zero.size() - 8, 8, std::string(8, '\0'));
  RecordingHandler h4;
  EXPECT_TRUE(testing::Load(zero, &h4).ok());
}

TEST(RdbLoader, HeaderAndVersion) {
  RecordingHandler h;
  base::Status s = testing::Load("REDIX0010\xff", &h);
  EXPECT_EQ(s.message(), "Wrong signature trying to load DB from file");
  s = testing::Load(MakeRdb("", 12), &h);
  EXPECT_EQ(s.message(), "Can't handle RDB format version 12");
  s = testing::Load("REDIS0000\xff", &h);
  EXPECT_EQ(s.message(), "Can't handle RDB format version 0");
  EXPECT_TRUE(testing::Load(MakeRdb("", 11), &h).ok());
  EXPECT_TRUE(testing::Load(MakeRdb("", 1), &h).ok());
  // Before version 5 there is no checksum: the file ends at EOF.
  EXPECT_TRUE(testing::Load("REDIS0004\xff", &h).ok());
  EXPECT_FALSE(testing::Load("REDIS0005\xff", &h).ok());
}

TEST(RdbLoader, OldExpireTimeInSeconds) {
  std::string body = "\xfd\x10\x32\x54\x76"s + "\x00\x01k\x01v"s;
  RecordingHandler h;
  ASSERT_TRUE(testing::Load(MakeRdb(body, 3), &h).ok());
  ASSERT_EQ(h.keys.size(), 1u);
  EXPECT_EQ(h.keys[0].expire_ms, int64_t{0x76543210} * 1000);
}

TEST(RdbLoader, ExpiryAtOrBeforeTheEpochIsPast) {
  // EXPIRETIME_MS 0 is a key long expired; -1 is Redis's "none".
  std::string body = "\xfc"s + std::string(8, '\0') + "\x00\x01" "a\x01v"s +
                     "\xfc"s + std::string(8, '\xff') + "\x00\x01" "b\x01v"s;
  RecordingHandler h;
  ASSERT_TRUE(testing::Load(MakeRdb(body), &h).ok());
  EXPECT_EQ(h.keys[0].expire_ms, 1);
  EXPECT_EQ(h.keys[1].expire_ms, 0);
}

TEST(RdbLoader, UnsupportedAndUnknown) {
  struct Case {
    std::string body;
    std::string message;
  } cases[] = {
      {"\x0f\x01k\x00"s, "streams are not supported"},
      {"\x13\x01k\x00"s, "streams are not supported"},
      {"\x15\x01k\x00"s, "streams are not supported"},
      {"\x07\x01k\x00"s, "modules are not supported"},
      {"\x06\x01k\x00"s, "modules are not supported"},
      {"\xf7\x01\x02"s, "AUX module data"},
      {"\xf6\x01x\x01y\x00\x01z"s, "Pre-release function format not supported."},
      {"\x08\x01k\x00"s, "Unknown RDB encoding type 8"},
      {"\x16\x01k\x00"s, "Unknown RDB encoding type 22"},
      {"\xfe\x10"s, "more than 16 databases"},
      {"\x00\x01k\xc4"s, "Unknown RDB string encoding type 4"},
      {"\x01\x01k\x82"s, "Unknown length encoding 2 in rdbLoadLen()"},
      {"\x00\x01k\xc3\x01\x7f\x00"s, "Invalid LZF compressed string"},
      {"\x00\x01k\xc3\x02\x80\x10\x00\x00\x00\x00\x00"s, "Invalid LZF compressed string"},
      {"\x05\x01k\x01\x01m\x00\x00\x00\x00\x00\x00\xf8\x7f"s, "Zset with NAN score detected"},
      {"\x03\x01k\x01\x01m\xfd"s, "Zset with NAN score detected"},
      {"\x03\x01k\x01\x01m\x03xyz"s, "Invalid double value"},
  };
  for (const Case& c : cases) {
    RecordingHandler h;
    base::Status s = testing::Load(MakeRdb(c.body), &h);
    ASSERT_FALSE(s.ok()) << c.message;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
    EXPECT_TRUE(h.keys.empty());
  }
}

TEST(RdbLoader, DuplicatesAreRefused) {
  struct Case {
    std::string body;
    std::string message;
  } cases[] = {
      {"\x02\x01k\x02\x01" "a\x01" "a"s, "Duplicate set members detected"},
      {"\x02\x01k\x02\xc0\x05\x01" "5"s, "Duplicate set members detected"},
      {"\x04\x01k\x02\x01" "f\x01v\x01" "f\x01w"s, "Duplicate hash fields detected"},
      {"\x05\x01k\x02\x01m"s + std::string(8, '\0') + "\x01m"s + std::string(8, '\0'),
       "Duplicate zset fields detected"},
  };
  for (const Case& c : cases) {
    RecordingHandler h;
    base::Status s = testing::Load(MakeRdb(c.body), &h);
    ASSERT_FALSE(s.ok()) << c.message;
    EXPECT_NE(s.message().find(c.message), std::string::npos) << s.message();
  }
}

TEST(RdbLoader, DuplicatesInBigCollections) {
  // Past the listpack limits the duplicate is found by the table.
  std::string set = "\x02\x01k\x41\x2c"s;  // 300 members
  std::string hash = "\x04\x01k\x41\x2c"s;
  std::string zset = "\x05\x01k\x41\x2c"s;
  for (int i = 0; i < 300; ++i) {
    std::string m = "m" + std::to_string(i == 299 ? 0 : i);
    AppendRdbString(&set, m);
    AppendRdbString(&hash, m);
    AppendRdbString(&hash, "v");
    AppendRdbString(&zset, m);
    zset.append(8, '\0');
  }
  for (const std::string& body : {set, hash, zset}) {
    RecordingHandler h;
    base::Status s = testing::Load(MakeRdb(body), &h);
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("Duplicate"), std::string::npos) << s.message();
  }
}

TEST(RdbLoader, EmptyCollectionsAreSkipped) {
  std::string body = "\x01\x01" "a\x00"s      // list
                     "\x02\x01" "b\x00"s      // set
                     "\x03\x01" "c\x00"s      // zset
                     "\x04\x01" "d\x00"s      // hash
                     "\x05\x01" "e\x00"s      // zset 2
                     "\x12\x01" "f\x00"s      // quicklist 2 without nodes
                     "\x0e\x01" "g\x00"s      // quicklist without nodes
                     "\x0b\x01h\x08\x02\x00\x00\x00\x00\x00\x00\x00"s  // empty intset
                     "\x10\x01i\x07\x07\x00\x00\x00\x00\x00\xff"s      // empty listpack hash
                     "\x11\x01j\x07\x07\x00\x00\x00\x00\x00\xff"s      // empty listpack zset
                     "\x14\x01l\x07\x07\x00\x00\x00\x00\x00\xff"s      // empty listpack set
                     // a quicklist whose only node is an empty listpack
                     "\x12\x01m\x01\x02\x07\x07\x00\x00\x00\x00\x00\xff"s
                     "\x00\x01z\x01v"s;
  RecordingHandler h;
  base::Status s = testing::Load(MakeRdb(body, 11), &h);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(h.empty_keys, (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "g", "h",
                                                     "i", "j", "l", "m"}));
  ASSERT_EQ(h.keys.size(), 1u);
  EXPECT_EQ(h.keys[0].key, "z");
}

// A handler that refuses a key stops the load with its error; it frees what it refused.
class RefusingHandler : public RdbHandler {
 public:
  base::Status OnKey(int, std::string_view key, core::Value value, int64_t,
                     const RdbKeyMeta&) override {
    core::DestroyValue(value);
    if (key == "l") return base::Status::Error("no lists here");
    ++accepted;
    return {};
  }
  base::Status OnFunction(std::string_view) override {
    return function_ok ? base::Status() : base::Status::Error("Library 'x' already exists");
  }
  int accepted = 0;
  bool function_ok = true;
};

TEST(RdbLoader, HandlerErrorsStopTheLoad) {
  std::string file = SmallFile();
  StringRdbInput in(file);
  RefusingHandler h;
  base::Status s = LoadRdb(in, {}, h);
  EXPECT_EQ(s.message(), "no lists here");
  EXPECT_EQ(h.accepted, 2);

  StringRdbInput in2(file);
  RefusingHandler h2;
  h2.function_ok = false;
  s = LoadRdb(in2, {}, h2);
  EXPECT_EQ(s.message(), "Failed loading library, Library 'x' already exists");
}

TEST(RdbLoader, OpcodesBeforeAuxStillApplyToTheNextKey) {
  std::string body = "\xf9\x07"s;
  AppendRdbAux(&body, "x", "y");
  body += "\x00\x01k\x01v"s;
  RecordingHandler h;
  ASSERT_TRUE(testing::Load(MakeRdb(body), &h).ok());
  EXPECT_EQ(h.keys[0].meta.freq, std::optional<uint8_t>(7));
}

TEST(RdbLoader, ReadsFromAFileDescriptor) {
  std::string file = SmallFile();
  char path[] = "/tmp/rdb_loader_test.XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(write(fd, file.data(), file.size()), static_cast<ssize_t>(file.size()));
  for (size_t buffer : {size_t{1}, size_t{7}, size_t{64 * 1024}}) {
    ASSERT_EQ(lseek(fd, 0, SEEK_SET), 0);
    FdRdbInput in(fd, buffer);
    RecordingHandler h;
    base::Status s = LoadRdb(in, {}, h);
    EXPECT_TRUE(s.ok()) << s.message();
    EXPECT_EQ(h.keys.size(), 9u);
  }
  // A descriptor that cannot be read reports why.
  FdRdbInput bad(-1);
  RecordingHandler h;
  base::Status s = LoadRdb(bad, {}, h);
  EXPECT_NE(s.message().find("Bad file descriptor"), std::string::npos) << s.message();
  close(fd);
  unlink(path);
}

TEST(RdbLoader, HugeClaimedLengthsDoNotAllocate) {
  // A 2^60-byte string, a 2^40-member set and an LZF string claiming 4 GB, each backed by a
  // few bytes: short reads, without allocating what they claim.
  std::string body1 = "\x00\x01k\x81\x10\x00\x00\x00\x00\x00\x00\x00xyz"s;
  std::string body2 = "\x02\x01k\x81\x00\x00\x01\x00\x00\x00\x00\x00\x01" "a"s;
  std::string body3 = "\x00\x01k\xc3\x10\x80\xff\xff\xff\xff"s + std::string(16, 'a');
  for (const std::string& body : {body1, body2, body3}) {
    RecordingHandler h;
    EXPECT_FALSE(testing::Load(MakeRdb(body), &h).ok());
  }
}

}  // namespace
}  // namespace cinnabar::persistence

// Interchange with the real Redis (Debian's 7.0; skipped where it is not installed):
// redis-check-rdb accepts a file of every type and encoding our encoder writes, a
// redis-server started on that file serves the same content, and a file redis-server
// wrote loads here with the same content.

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "base/crc64.h"
#include "core/entry.h"
#include "core/object_type.h"
#include "core/string_value.h"
#include "core/value_ops.h"
#include "persistence/rdb_encoder.h"
#include "unit/persistence/rdb_test.h"

namespace cinnabar::persistence {
namespace {

using testing::Content;
using testing::Escape;
using testing::Join;
using testing::RecordingHandler;

constexpr char kServer[] = "/usr/bin/redis-server";
constexpr char kCli[] = "/usr/bin/redis-cli";
constexpr char kCheck[] = "/usr/bin/redis-check-rdb";
constexpr char kLibrary[] =
    "#!lua name=interlib\nredis.register_function('interfn', function(keys, args) return 1 end)";

bool Installed(const char* path) { return access(path, X_OK) == 0; }

// Runs a shell command; returns its standard output and sets `*status` to its exit code.
std::string Shell(const std::string& command, int* status = nullptr) {
  std::string out;
  FILE* p = popen(command.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  int rc = pclose(p);
  if (status != nullptr) *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) out.push_back(line);
  return out;
}

std::string TempDir() {
  char dir[] = "/tmp/rdb_interop.XXXXXX";
  return mkdtemp(dir) != nullptr ? dir : "";
}

// A redis-server in `dir` (loading dir/dump.rdb if present) on a port of its own.
class RedisServer {
 public:
  explicit RedisServer(std::string dir)
      : dir_(std::move(dir)), port_(20000 + static_cast<int>(getpid() % 20000)) {}
  ~RedisServer() {
    if (started_) Cli("shutdown nosave");
  }

  bool Start() {
    std::string cmd = std::string(kServer) + " --port " + std::to_string(port_) + " --dir " + dir_ +
                      " --dbfilename dump.rdb --save '' --appendonly no --daemonize yes" +
                      " --pidfile " + dir_ + "/redis.pid --logfile " + dir_ + "/redis.log";
    int status;
    Shell(cmd, &status);
    if (status != 0) return false;
    started_ = true;
    for (int i = 0; i < 100; ++i) {
      if (Cli("ping") == std::vector<std::string>{"PONG"}) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  // redis-cli --raw with `args` (shell words), one line per reply line.
  std::vector<std::string> Cli(const std::string& args) const {
    return Lines(
        Shell(std::string(kCli) + " -p " + std::to_string(port_) + " --raw " + args + " 2>&1"));
  }
  std::string One(const std::string& args) const {
    std::vector<std::string> l = Cli(args);
    return l.empty() ? "" : l[0];
  }

  // The content of `key` as Describe's content part would show it.
  std::string ContentOf(const std::string& key) const {
    std::string type = One("type " + key);
    std::vector<std::string> parts;
    if (type == "string") return Escape(One("get " + key));
    if (type == "list") {
      for (const std::string& e : Cli("lrange " + key + " 0 -1")) parts.push_back(Escape(e));
    } else if (type == "set") {
      for (const std::string& e : Cli("smembers " + key)) parts.push_back(Escape(e));
      std::sort(parts.begin(), parts.end());
    } else if (type == "hash" || type == "zset") {
      std::vector<std::string> l =
          Cli(type == "hash" ? "hgetall " + key : "zrange " + key + " 0 -1 withscores");
      for (size_t i = 0; i + 1 < l.size(); i += 2) parts.push_back(Escape(l[i]) + "=" + l[i + 1]);
      if (type == "hash") std::sort(parts.begin(), parts.end());
    } else {
      return "type " + type;
    }
    return Join(parts);
  }

 private:
  std::string dir_;
  int port_;
  bool started_ = false;
};

struct Sample {
  std::string key;
  core::Value value;
  int64_t expire_ms = 0;
};

std::vector<std::string> Numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back(prefix + std::to_string(i));
  return out;
}

// Every type and encoding, with text that redis-cli --raw shows one element per line.
std::vector<Sample> Samples() {
  std::vector<Sample> s;
  s.push_back({"str-int", core::MakeStringValue("12345")});
  s.push_back({"str-int64", core::MakeStringValue("-1234567890123456789")});
  s.push_back({"str-embstr", core::MakeStringValue("hello")});
  s.push_back({"str-raw", core::MakeStringValue(std::string(300, 'r'))});
  s.push_back({"str-ttl", core::MakeStringValue("soon"), 4102444800000});
  s.push_back({"list-lp", testing::MakeList({"a", "1", "-70000", "text"})});
  s.push_back({"list-ql", testing::MakeList(Numbered("element-", 3000))});
  // Inner nodes LZF-compressed (list-compress-depth 1), written as they are held.
  s.push_back({"list-lzf", testing::MakeList(Numbered("compressed-element-", 3000),
                                             {.fill = -2, .compress_depth = 1})});
  s.push_back({"set-intset", testing::MakeSet({"1", "2", "-3", "4000000000"})});
  s.push_back({"set-lp", testing::MakeSet({"a", "b", "1"})});
  s.push_back({"set-ht", testing::MakeSet(Numbered("m", 300))});
  s.push_back({"hash-lp", testing::MakeHash({{"f", "v"}, {"n", "12"}})});
  std::vector<std::pair<std::string, std::string>> pairs;
  // Past Redis 7.0's compiled-in hash-max-listpack-entries (512), so it stays a table there.
  for (int i = 0; i < 600; ++i)
    pairs.emplace_back("f" + std::to_string(i), "v" + std::to_string(i));
  s.push_back({"hash-ht", testing::MakeHash(pairs)});
  s.push_back({"zset-lp", testing::MakeZSet({{"a", 1.5}, {"b", -2}, {"c", 1e17}})});
  std::vector<std::pair<std::string, double>> scored;
  for (int i = 0; i < 300; ++i) scored.emplace_back("m" + std::to_string(i), i / 3.0);
  scored.emplace_back("neg", -HUGE_VAL);
  s.push_back({"zset-sl", testing::MakeZSet(scored), 4102444800000});
  return s;
}

std::string OurFile(const std::vector<Sample>& samples, bool compress) {
  std::string out;
  AppendRdbHeader(&out);
  AppendRdbAux(&out, "redis-ver", "7.0.15");
  AppendRdbAux(&out, "redis-bits", 64);
  AppendRdbAux(&out, "ctime", 1700000000);
  AppendRdbAux(&out, "used-mem", 1000000);
  AppendRdbAux(&out, "aof-base", 0);
  AppendRdbFunction(&out, kLibrary, compress);
  AppendRdbSelectDb(&out, 0);
  AppendRdbResizeDb(&out, samples.size(), 2);
  for (const Sample& s : samples) {
    core::Entry* e = core::Entry::Create(s.key, s.expire_ms, s.value, 0);
    AppendRdbKey(&out, *e, {}, compress);
    core::Entry::FreeShell(e);
  }
  AppendRdbSelectDb(&out, 9);
  AppendRdbResizeDb(&out, 1, 0);
  core::Value v = core::MakeStringValue("in db 9");
  core::Entry* e = core::Entry::Create("other-db", 0, v, 0);
  AppendRdbKey(&out, *e, {.idle_seconds = 10}, compress);
  core::DestroyEntry(e);
  AppendRdbEof(&out);
  AppendRdbChecksum(&out, base::Crc64(0, out));
  return out;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

class RdbInterop : public ::testing::TestWithParam<bool> {};

TEST_P(RdbInterop, RedisCheckRdbAcceptsOurFile) {
  if (!Installed(kCheck)) GTEST_SKIP() << "redis-check-rdb is not installed";
  std::vector<Sample> samples = Samples();
  std::string dir = TempDir();
  WriteFile(dir + "/dump.rdb", OurFile(samples, GetParam()));
  int status;
  std::string out = Shell(std::string(kCheck) + " " + dir + "/dump.rdb 2>&1", &status);
  EXPECT_EQ(status, 0) << out;
  EXPECT_NE(out.find("RDB looks OK"), std::string::npos) << out;
  for (Sample& s : samples) core::DestroyValue(s.value);
  Shell("rm -rf " + dir);
}

TEST_P(RdbInterop, RedisServerLoadsOurFile) {
  if (!Installed(kServer) || !Installed(kCli)) GTEST_SKIP() << "redis-server is not installed";
  std::vector<Sample> samples = Samples();
  std::string dir = TempDir();
  WriteFile(dir + "/dump.rdb", OurFile(samples, GetParam()));
  {
    RedisServer redis(dir);
    ASSERT_TRUE(redis.Start()) << ReadFile(dir + "/redis.log");
    EXPECT_EQ(redis.One("dbsize"), std::to_string(samples.size()));
    for (const Sample& s : samples) {
      SCOPED_TRACE(s.key);
      EXPECT_EQ(redis.ContentOf(s.key), Content(s.value));
      int64_t pttl = std::stoll(redis.One("pttl " + s.key));
      EXPECT_EQ(pttl > 0, s.expire_ms > 0) << pttl;
    }
    EXPECT_EQ(redis.One("object encoding set-intset"), "intset");
    EXPECT_EQ(redis.One("object encoding hash-lp"), "listpack");
    EXPECT_EQ(redis.One("object encoding hash-ht"), "hashtable");
    EXPECT_EQ(redis.One("object encoding zset-lp"), "listpack");
    EXPECT_EQ(redis.One("object encoding zset-sl"), "skiplist");
    EXPECT_EQ(redis.One("fcall interfn 0"), "1");
    EXPECT_EQ(redis.One("-n 9 get other-db"), "in db 9");
  }
  for (Sample& s : samples) core::DestroyValue(s.value);
  Shell("rm -rf " + dir);
}

INSTANTIATE_TEST_SUITE_P(Compression, RdbInterop, ::testing::Bool());

// Collects keys with their content, as the interop comparisons need them.
class ContentHandler : public RecordingHandler {
 public:
  base::Status OnKey(int db, std::string_view key, core::Value value, int64_t expire_ms,
                     const RdbKeyMeta& meta) override {
    contents[std::string(key)] = Content(value);
    encodings[std::string(key)] = std::string(core::EncodingName(value.type, value.encoding));
    return RecordingHandler::OnKey(db, key, value, expire_ms, meta);
  }
  std::map<std::string, std::string> contents, encodings;
};

TEST(RdbInteropLoad, WeLoadWhatRedisServerSaves) {
  if (!Installed(kServer) || !Installed(kCli)) GTEST_SKIP() << "redis-server is not installed";
  std::string dir = TempDir();
  RedisServer redis(dir);
  ASSERT_TRUE(redis.Start()) << ReadFile(dir + "/redis.log");
  std::string many;
  for (int i = 0; i < 400; ++i) many += " m" + std::to_string(i) + " " + std::to_string(i);
  std::string ints;
  for (int i = 0; i < 600; ++i) ints += " " + std::to_string(i * 7 - 1000);
  for (const std::string& cmd : std::vector<std::string>{
           "set s-int 42", "set s-str hello", "set s-big 9223372036854775807",
           "set s-raw " + std::string(100, 'x'), "set s-ttl v px 99999999", "rpush l-small a b 3",
           "rpush l-big" + many + many + many + many, "config set list-compress-depth 1",
           "rpush l-lzf" + many + many + many + many, "sadd set-int 1 2 3",
           "sadd set-int-big" + ints, "sadd set-str a b c", "sadd set-big" + many,
           "hset h-small f v n 5", "hset h-big" + many, "zadd z-small 1 a 2.5 b -3 c",
           "zadd z-big" +
               [&] {
                 std::string z;
                 for (int i = 0; i < 300; ++i)
                   z += " " + std::to_string(i * 0.5) + " z" + std::to_string(i);
                 return z;
               }(),
           "function load \"" + std::string(kLibrary) + "\"", "-n 3 set in-db-3 yes",
           "config set rdbcompression yes", "save"}) {
    std::vector<std::string> reply = redis.Cli(cmd);
    ASSERT_FALSE(!reply.empty() && reply[0].rfind("ERR", 0) == 0) << cmd << ": " << reply[0];
  }
  std::string file = ReadFile(dir + "/dump.rdb");
  ASSERT_GT(file.size(), 9u);
  ContentHandler h;
  // Redis 7.0's compiled-in default (redis.conf's example says 128).
  RdbLoadOptions options;
  options.hash_limits.max_listpack_entries = 512;
  base::Status s = testing::Load(file, &h, options);
  ASSERT_TRUE(s.ok()) << s.message();
  for (const auto& [key, content] : h.contents) {
    SCOPED_TRACE(key);
    if (key == "in-db-3") continue;
    EXPECT_EQ(content, redis.ContentOf(key));
    std::string theirs = redis.One("object encoding " + key);
    // Redis 7.0 keeps every list a quicklist and has no listpack sets (7.2 does, as we do).
    bool newer = theirs == "quicklist" || (theirs == "hashtable" && h.encodings[key] == "listpack");
    if (!newer) {
      EXPECT_EQ(h.encodings[key], theirs);
    }
  }
  EXPECT_EQ(h.contents.size(), 17u);
  EXPECT_EQ(h.encodings["l-small"], "listpack");
  EXPECT_EQ(h.encodings["l-big"], "quicklist");
  ASSERT_EQ(h.functions.size(), 1u);
  EXPECT_EQ(h.functions[0], kLibrary);
  EXPECT_EQ(h.keys.back().db, 3);
  bool has_version = false;
  for (const auto& [k, v] : h.aux) has_version |= k == "redis-ver";
  EXPECT_TRUE(has_version);
  Shell("rm -rf " + dir);
}

}  // namespace
}  // namespace cinnabar::persistence

#include "engine/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace cinnabar::engine {
namespace {

using Pairs = std::vector<std::string_view>;

uint64_t Memory(std::string_view s) {
  uint64_t v = 12345;
  EXPECT_TRUE(ParseMemory(s, &v)) << s;
  return v;
}

bool MemoryFails(std::string_view s) {
  uint64_t v;
  return !ParseMemory(s, &v);
}

TEST(ParseMemory, DecimalAndBinaryUnits) {
  EXPECT_EQ(Memory("100"), 100u);
  EXPECT_EQ(Memory("100b"), 100u);
  EXPECT_EQ(Memory("1k"), 1000u);
  EXPECT_EQ(Memory("1kb"), 1024u);
  EXPECT_EQ(Memory("2m"), 2000000u);
  EXPECT_EQ(Memory("2mb"), 2u * 1024 * 1024);
  EXPECT_EQ(Memory("1g"), 1000000000u);
  EXPECT_EQ(Memory("1gb"), 1024ULL * 1024 * 1024);
}

TEST(ParseMemory, UnitsIgnoreCase) {
  EXPECT_EQ(Memory("1GB"), 1024ULL * 1024 * 1024);
  EXPECT_EQ(Memory("3Mb"), 3u * 1024 * 1024);
  EXPECT_EQ(Memory("5K"), 5000u);
}

TEST(ParseMemory, LeadingZerosParse) {
  EXPECT_EQ(Memory("007"), 7u);
  EXPECT_EQ(Memory("010kb"), 10u * 1024);
}

// Redis compat (memtoull): a missing number reads as 0.
TEST(ParseMemory, NoNumberIsZero) {
  EXPECT_EQ(Memory("gb"), 0u);
  EXPECT_EQ(Memory(""), 0u);
}

TEST(ParseMemory, RejectsSignsUnknownUnitsAndGarbage) {
  EXPECT_TRUE(MemoryFails("-1"));
  EXPECT_TRUE(MemoryFails("-5mb"));
  EXPECT_TRUE(MemoryFails("+5"));
  EXPECT_TRUE(MemoryFails(" 5"));
  EXPECT_TRUE(MemoryFails("abc"));
  EXPECT_TRUE(MemoryFails("1x"));
  EXPECT_TRUE(MemoryFails("1 mb"));
  EXPECT_TRUE(MemoryFails("1tb"));
  EXPECT_TRUE(MemoryFails("1.5mb"));
  EXPECT_TRUE(MemoryFails("1-2"));
  EXPECT_TRUE(MemoryFails(std::string(128, '1')));
}

// Redis compat (memtoull): no overflow is an error; range checks catch the results.
TEST(ParseMemory, OverflowSaturatesAndUnitsWrap) {
  EXPECT_EQ(Memory("9223372036854775807"), uint64_t{INT64_MAX});
  EXPECT_EQ(Memory("9223372036854775808"), uint64_t{INT64_MAX} + 1);
  EXPECT_EQ(Memory("99999999999999999999999"), UINT64_MAX);
  EXPECT_EQ(Memory("9000000000gb"), 9000000000ULL * 1024 * 1024 * 1024);
  EXPECT_EQ(Memory("18446744073709551615k"), UINT64_MAX * 1000);
}

class ConfigStoreTest : public ::testing::Test {
 protected:
  ConfigStore store_{ServerConfig{}};
  std::shared_ptr<const ServerConfig> cfg() { return store_.snapshot(); }
  base::Status Set(Pairs pairs, const ConfigStore::ApplyHook& apply = {}) {
    return store_.Set(pairs, apply);
  }
  std::map<std::string, std::string> Get(Pairs patterns) {
    std::map<std::string, std::string> out;
    for (auto& [name, value] : store_.Get(patterns)) {
      EXPECT_TRUE(out.emplace(name, value).second) << name << " listed twice";
    }
    return out;
  }
};

TEST_F(ConfigStoreTest, SetChangesSeveralValuesAtOnce) {
  ASSERT_TRUE(Set({"timeout", "30", "maxclients", "50", "requirepass", "secret"}).ok());
  EXPECT_EQ(cfg()->timeout, 30);
  EXPECT_EQ(cfg()->maxclients, 50);
  EXPECT_EQ(cfg()->requirepass, "secret");
}

TEST_F(ConfigStoreTest, SetNamesIgnoreCase) {
  ASSERT_TRUE(Set({"TimeOut", "9"}).ok());
  EXPECT_EQ(cfg()->timeout, 9);
}

TEST_F(ConfigStoreTest, SetParsesUnitsBooleansAndEnums) {
  ASSERT_TRUE(Set({"proto-max-bulk-len", "2mb", "protected-mode", "NO", "loglevel",
                   "warning"}).ok());
  EXPECT_EQ(cfg()->proto_max_bulk_len, 2 * 1024 * 1024);
  EXPECT_FALSE(cfg()->protected_mode);
  EXPECT_EQ(cfg()->loglevel, base::LogLevel::kWarning);
}

TEST_F(ConfigStoreTest, SetIsAllOrNothing) {
  std::shared_ptr<const ServerConfig> before = cfg();
  base::Status st = Set({"timeout", "30", "maxclients", "many"});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument "
            "couldn't be parsed into an integer");
  EXPECT_EQ(cfg(), before);
  EXPECT_EQ(cfg()->timeout, 0);
}

TEST_F(ConfigStoreTest, UnknownOptionText) {
  base::Status st = Set({"timeout", "30", "no-such-thing", "1"});
  EXPECT_EQ(st.message(),
            "ERR Unknown option or number of arguments for CONFIG SET - 'no-such-thing'");
  EXPECT_EQ(cfg()->timeout, 0);
}

TEST_F(ConfigStoreTest, NamesAreCheckedBeforeValues) {
  // The bad value comes first, but the unknown name is what is reported.
  base::Status st = Set({"timeout", "x", "bogus", "1"});
  EXPECT_EQ(st.message(), "ERR Unknown option or number of arguments for CONFIG SET - 'bogus'");
}

TEST_F(ConfigStoreTest, ImmutableOptionText) {
  base::Status st = Set({"databases", "4"});
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'databases') - can't set "
            "immutable config");
  EXPECT_EQ(cfg()->databases, 16);
}

TEST_F(ConfigStoreTest, DuplicateOptionText) {
  base::Status st = Set({"timeout", "1", "TIMEOUT", "2"});
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'TIMEOUT') - duplicate "
            "parameter");
  EXPECT_EQ(cfg()->timeout, 0);
}

TEST_F(ConfigStoreTest, OutOfRangeValueText) {
  base::Status st = Set({"port", "70000"});
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - argument must be "
            "between 0 and 65535 inclusive");
  st = Set({"proto-max-bulk-len", "1kb"});
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - "
            "argument must be between 1048576 and 9223372036854775807 inclusive");
  st = Set({"client-query-buffer-limit", "lots"});
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'client-query-buffer-limit') - "
            "argument must be a memory value");
  st = Set({"protected-mode", "maybe"});
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'protected-mode') - argument "
            "must be 'yes' or 'no'");
  st = Set({"loglevel", "loud"});
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must "
            "be one of the following: debug, verbose, notice, warning");
}

TEST_F(ConfigStoreTest, MultiArgumentValuesSplitOnSpaces) {
  ASSERT_TRUE(Set({"bind", "10.0.0.1  127.0.0.1 -::1"}).ok());
  EXPECT_EQ(cfg()->bind, (std::vector<std::string>{"10.0.0.1", "127.0.0.1", "-::1"}));
  ASSERT_TRUE(Set({"bind", ""}).ok());
  EXPECT_TRUE(cfg()->bind.empty());
}

TEST_F(ConfigStoreTest, ApplyHookSeesOldAndNewAndMayRefuse) {
  ASSERT_TRUE(Set({"timeout", "5"}).ok());
  int calls = 0;
  base::Status st = Set({"timeout", "6", "port", "7000"},
                        [&](const ServerConfig& old, const ServerConfig& next,
                            std::string_view* culprit) -> std::string {
                          ++calls;
                          EXPECT_EQ(old.timeout, 5);
                          EXPECT_EQ(next.timeout, 6);
                          EXPECT_EQ(next.port, 7000);
                          *culprit = "port";
                          return "Unable to listen on this port";
                        });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(st.message(),
            "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on "
            "this port");
  EXPECT_EQ(cfg()->timeout, 5);
  EXPECT_EQ(cfg()->port, 6379);
}

TEST_F(ConfigStoreTest, ApplyHookIsNotCalledWhenAValueIsBad) {
  bool called = false;
  base::Status st = Set({"timeout", "-1"}, [&](const ServerConfig&, const ServerConfig&,
                                                std::string_view*) -> std::string {
    called = true;
    return {};
  });
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(called);
}

// Redis compat: dir changes directory as it is set, and a CONFIG SET that fails after that
// changes back (Redis restores every value it set). Found by the config fuzzer: the store
// was unchanged but the server stayed in the new directory.
TEST_F(ConfigStoreTest, FailedSetChangesDirBack) {
  char tmp[] = "/tmp/cinnabar_config_test.XXXXXX";
  ASSERT_NE(mkdtemp(tmp), nullptr);
  char resolved[PATH_MAX];
  ASSERT_NE(realpath(tmp, resolved), nullptr);
  std::string start = Get({"dir"})["dir"];
  ASSERT_FALSE(start.empty());

  Pairs bad_value = {"dir", tmp, "port", "x"};
  EXPECT_FALSE(store_.Set(bad_value, {}, /*allow_protected=*/true).ok());
  EXPECT_EQ(Get({"dir"})["dir"], start);

  Pairs dir = {"dir", tmp};
  base::Status st = store_.Set(
      dir,
      [](const ServerConfig&, const ServerConfig&, std::string_view* culprit) -> std::string {
        *culprit = "dir";
        return "refused";
      },
      /*allow_protected=*/true);
  EXPECT_EQ(st.message(), "ERR CONFIG SET failed (possibly related to argument 'dir') - refused");
  EXPECT_EQ(Get({"dir"})["dir"], start);

  ASSERT_TRUE(store_.Set(dir, {}, /*allow_protected=*/true).ok());
  EXPECT_EQ(Get({"dir"})["dir"], resolved);
  ASSERT_EQ(chdir(start.c_str()), 0);
  rmdir(tmp);
}

TEST_F(ConfigStoreTest, SnapshotsAreImmutable) {
  std::shared_ptr<const ServerConfig> old = cfg();
  ASSERT_TRUE(Set({"timeout", "77"}).ok());
  EXPECT_EQ(old->timeout, 0);
  EXPECT_EQ(cfg()->timeout, 77);
}

TEST_F(ConfigStoreTest, GetMatchesGlobsCaseInsensitively) {
  auto all = Get({"*"});
  EXPECT_EQ(all.size(), Directives().size());
  EXPECT_EQ(all["port"], "6379");
  EXPECT_EQ(all["bind"], "127.0.0.1 -::1");
  EXPECT_EQ(all["protected-mode"], "yes");
  EXPECT_EQ(all["proto-max-bulk-len"], "536870912");
  // Redis compat: a plain name (no glob) is answered as the client wrote it.
  EXPECT_EQ(Get({"PORT"}), (std::map<std::string, std::string>{{"PORT", "6379"}}));
  auto t = Get({"t*"});
  EXPECT_EQ(t.size(), 25u);  // with tracking-table-max-keys and the twenty tls-* directives
  EXPECT_TRUE(t.count("timeout") && t.count("tcp-keepalive") && t.count("tcp-backlog") &&
              t.count("threads") && t.count("tls-port") && t.count("tls-session-caching"));
  EXPECT_TRUE(Get({"no-such-*"}).empty());
}

TEST_F(ConfigStoreTest, GetListsEachNameOnceWhateverThePatterns) {
  auto r = Get({"port", "p*", "*ort", "PORT"});
  EXPECT_EQ(r.size(), 7u);
  EXPECT_TRUE(r.count("port") && r.count("tls-port") && r.count("protected-mode") &&
              r.count("pidfile") && r.count("proto-max-bulk-len") &&
              r.count("proc-title-template") && r.count("metrics-port"));
}

TEST_F(ConfigStoreTest, GetReportsEffectiveHz) {
  ASSERT_TRUE(Set({"hz", "1000"}).ok());
  EXPECT_EQ(Get({"hz"})["hz"], "500");
  ASSERT_TRUE(Set({"hz", "0"}).ok());
  EXPECT_EQ(Get({"hz"})["hz"], "1");
}

TEST_F(ConfigStoreTest, ApplyLineAtStartup) {
  std::vector<std::string> args{"4"};
  ASSERT_TRUE(store_.ApplyLine("databases", args).ok());  // immutable only for CONFIG SET
  EXPECT_EQ(cfg()->databases, 4);
  EXPECT_EQ(store_.ApplyLine("cluster-enabled", args).message(),
            "Unsupported directive 'cluster-enabled': Cinnabar does not implement it yet");
  EXPECT_EQ(store_.ApplyLine("nonsense", args).message(),
            "Bad directive or wrong number of arguments");
  std::vector<std::string> two{"1", "2"};
  EXPECT_EQ(store_.ApplyLine("port", two).message(), "wrong number of arguments");
  ASSERT_TRUE(store_.ApplyLine("bind", two).ok());
}

// Redis compat: the first save line of a file replaces the default points, each later one
// adds to them, and "" empties them; CONFIG SET replaces.
TEST_F(ConfigStoreTest, SaveLinesAddInFiles) {
  auto get = [this] {
    const std::string_view name[] = {"save"};
    return store_.Get(name)[0].second;
  };
  EXPECT_EQ(get(), "3600 1 300 100 60 10000");
  ASSERT_TRUE(store_.ApplyLine("save", std::vector<std::string>{"900", "1"}).ok());
  ASSERT_TRUE(store_.ApplyLine("save", std::vector<std::string>{"300 10"}).ok());
  EXPECT_EQ(get(), "900 1 300 10");
  EXPECT_EQ(store_.ApplyLine("save", std::vector<std::string>{"0", "1"}).message(),
            "Invalid save parameters");
  EXPECT_EQ(store_.ApplyLine("save", std::vector<std::string>{"5", "x"}).message(),
            "Invalid save parameters");
  ASSERT_TRUE(store_.ApplyLine("save", std::vector<std::string>{""}).ok());
  EXPECT_EQ(get(), "");
  ASSERT_TRUE(store_.ApplyLine("save", std::vector<std::string>{"+60", " 7", "1", ""}).ok());
  EXPECT_EQ(get(), "60 7 1 0");
  const std::string_view pair[] = {"save", "10 2"};
  ASSERT_TRUE(store_.Set(pair, {}, false).ok());
  EXPECT_EQ(get(), "10 2");
}

}  // namespace
}  // namespace cinnabar::engine

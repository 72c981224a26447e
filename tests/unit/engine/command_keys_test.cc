// The key resolver ACL and COMMAND GETKEYSANDFLAGS share: key specs resolved against a
// call (index and keyword begins, range and key-count finds), the fallbacks, and the
// declarations every registered command carries. Expectations are Redis 7.0.15's
// COMMAND GETKEYSANDFLAGS answers.
#include "engine/command_keys.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <string_view>
#include <vector>

#include "commands/register_all.h"

namespace cinnabar::engine {
namespace {

using Args = std::vector<std::string_view>;

std::vector<KeyRef> Keys(const Registry& r, Args args, bool* ok = nullptr) {
  bool unknown_sub = false;
  const CommandEntry* c = r.Lookup(args, &unknown_sub);
  EXPECT_NE(c, nullptr) << args[0];
  std::vector<KeyRef> out;
  bool found = c != nullptr && CommandKeys(*c, args, &out);
  if (ok != nullptr) *ok = found;
  return out;
}

class CommandKeysTest : public ::testing::Test {
 protected:
  void SetUp() override { commands::RegisterAll(&r_); }
  Registry r_;
};

constexpr uint32_t kRoAccess = kKeyRo | kKeyAccess;

TEST_F(CommandKeysTest, OneKeyAndRanges) {
  EXPECT_EQ(Keys(r_, {"GET", "k"}), (std::vector<KeyRef>{{1, kRoAccess}}));
  EXPECT_EQ(Keys(r_, {"DEL", "a", "b"}),
            (std::vector<KeyRef>{{1, kKeyRm | kKeyDelete}, {2, kKeyRm | kKeyDelete}}));
  EXPECT_EQ(Keys(r_, {"MSET", "a", "1", "b"}),
            (std::vector<KeyRef>{{1, kKeyOw | kKeyUpdate}, {3, kKeyOw | kKeyUpdate}}));
  EXPECT_EQ(Keys(r_, {"BLPOP", "a", "b", "0"}).size(), 2u);
  EXPECT_EQ(Keys(r_, {"RENAME", "a", "b"}),
            (std::vector<KeyRef>{{1, kKeyRw | kKeyAccess | kKeyDelete}, {2, kKeyOw | kKeyUpdate}}));
  EXPECT_EQ(Keys(r_, {"OBJECT", "ENCODING", "k"}), (std::vector<KeyRef>{{2, kKeyRo}}));
}

TEST_F(CommandKeysTest, KeyCounts) {
  EXPECT_EQ(Keys(r_, {"LMPOP", "3", "a", "b", "left"}).size(), 3u);
  EXPECT_EQ(Keys(r_, {"BLMPOP", "0", "2", "a", "b", "left"}),
            (std::vector<KeyRef>{{3, kKeyRw | kKeyAccess | kKeyDelete},
                                 {4, kKeyRw | kKeyAccess | kKeyDelete}}));
  EXPECT_EQ(Keys(r_, {"EVAL", "s", "1", "a", "b"}),
            (std::vector<KeyRef>{{3, kKeyRw | kKeyAccess | kKeyUpdate}}));
  bool ok = true;
  // No keys, too many, not a number: the specs fail, so does the key finder.
  for (Args bad : {Args{"ZUNIONSTORE", "d", "0", "a"}, Args{"ZUNIONSTORE", "d", "2", "a"},
                   Args{"EVAL", "s", "x", "a"}, Args{"EVAL", "s", "2", "a"},
                   Args{"EVAL", "s", "1"}, Args{"SINTERCARD", "-1", "a"}}) {
    EXPECT_TRUE(Keys(r_, bad, &ok).empty()) << bad[0];
    EXPECT_FALSE(ok) << bad[0] << " " << bad[2];
  }
}

TEST_F(CommandKeysTest, VariableFlagsAndNotKeys) {
  EXPECT_EQ(Keys(r_, {"SET", "k", "v"}), (std::vector<KeyRef>{{1, kKeyOw | kKeyUpdate}}));
  EXPECT_EQ(Keys(r_, {"SET", "k", "v", "EX", "10", "get"}),
            (std::vector<KeyRef>{{1, kKeyRw | kKeyAccess | kKeyUpdate}}));
  EXPECT_TRUE(Keys(r_, {"SSUBSCRIBE", "a", "b"}).empty());
  bool unknown_sub = false;
  Args ss = {"SSUBSCRIBE", "a"};
  EXPECT_FALSE(HasKeyArguments(*r_.Lookup(ss, &unknown_sub)));
  Args eval = {"EVAL", "s", "0"};
  EXPECT_TRUE(HasKeyArguments(*r_.Lookup(eval, &unknown_sub)));
}

TEST(KeysFromSpecsTest, KeywordBeginsAndLimits) {
  // XREAD-like: keys after STREAMS, half of what follows.
  constexpr KeySpec kStreams[] = {
      {.flags = kRoAccess, .begin = AfterKeyword("STREAMS", 1), .find = Range(-1, 1, 2)}};
  std::vector<KeyRef> out;
  Args a = {"XREAD", "COUNT", "2", "streams", "s1", "s2", "0", "0"};
  ASSERT_TRUE(KeysFromSpecs(kStreams, a, &out));
  EXPECT_EQ(out, (std::vector<KeyRef>{{4, kRoAccess}, {5, kRoAccess}}));
  // Absent keyword: the spec adds nothing and is not an error.
  out.clear();
  Args none = {"XREAD", "COUNT", "2"};
  EXPECT_TRUE(KeysFromSpecs(kStreams, none, &out));
  EXPECT_TRUE(out.empty());
  // The keyword as the last argument is not searched (no key could follow).
  Args last = {"XREAD", "STREAMS"};
  EXPECT_TRUE(KeysFromSpecs(kStreams, last, &out));
  EXPECT_TRUE(out.empty());
  // Searched backwards from the end (GEORADIUS's STORE): the last match wins.
  constexpr KeySpec kStore[] = {
      {.flags = kKeyOw | kKeyUpdate, .begin = AfterKeyword("STORE", -2), .find = Range(0)}};
  Args store = {"G", "k", "STORE", "x", "STORE", "y"};
  ASSERT_TRUE(KeysFromSpecs(kStore, store, &out));
  EXPECT_EQ(out, (std::vector<KeyRef>{{5, kKeyOw | kKeyUpdate}}));
  // An incomplete spec fails the search (its command's key finder decides).
  constexpr KeySpec kPartial[] = {
      {.flags = kKeyRo | kKeyIncomplete, .begin = AtIndex(1), .find = Range(0)}};
  out.clear();
  Args one = {"X", "k"};
  EXPECT_FALSE(KeysFromSpecs(kPartial, one, &out));
  EXPECT_TRUE(out.empty());
}

TEST_F(CommandKeysTest, EveryCommandWithKeysHasSpecsMatchingItsLegacyRange) {
  for (const CommandEntry* top : r_.commands()) {
    std::vector<const CommandEntry*> all = {top};
    all.insert(all.end(), top->subcommands.begin(), top->subcommands.end());
    for (const CommandEntry* c : all) {
      const CommandSpec& s = *c->spec;
      if (s.keys.first > 0 || s.find_keys != nullptr) {
        EXPECT_FALSE(s.key_specs.empty()) << c->name;
      }
      if (!s.key_specs.empty() && s.key_specs[0].begin.type == BeginSearch::Type::kIndex &&
          s.keys.first > 0) {
        EXPECT_EQ(s.key_specs[0].begin.index, s.keys.first) << c->name;
      }
      if (AllKeySpecFlags(s) & kKeyVariableFlags) {
        EXPECT_NE(s.key_flags, nullptr) << c->name;
      }
    }
  }
}

TEST(KeyFlagNamesTest, RedisOrder) {
  EXPECT_EQ(KeyFlagNames(kKeyUpdate | kKeyAccess | kKeyRw),
            (std::vector<std::string_view>{"RW", "access", "update"}));
  EXPECT_EQ(KeyFlagNames(kKeyNotKey), (std::vector<std::string_view>{"not_key"}));
}

}  // namespace
}  // namespace cinnabar::engine

// notify-keyspace-events letters: what each one sets, and how CONFIG GET prints the bits
// back (every expectation is redis-server 7.0's CONFIG GET after CONFIG SET).
#include "engine/notify_flags.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <string_view>

namespace cinnabar::engine {
namespace {

// What CONFIG GET shows after CONFIG SET `letters`; "(refused)" if the set fails.
std::string Normalised(std::string_view letters) {
  std::optional<uint32_t> flags = ParseNotifyFlags(letters);
  return flags ? FormatNotifyFlags(*flags) : "(refused)";
}

TEST(NotifyFlags, FormatMatchesRedisConfigGet) {
  EXPECT_EQ(Normalised("KEA"), "AKE");
  EXPECT_EQ(Normalised("A"), "A");
  EXPECT_EQ(Normalised("g"), "g");
  EXPECT_EQ(Normalised("Eg"), "gE");
  EXPECT_EQ(Normalised("Ex"), "xE");
  EXPECT_EQ(Normalised("K"), "K");
  EXPECT_EQ(Normalised("E"), "E");
  EXPECT_EQ(Normalised("KA"), "AK");
  EXPECT_EQ(Normalised("xe"), "xe");
  EXPECT_EQ(Normalised("dt"), "td");
  EXPECT_EQ(Normalised("gn"), "gn");
  EXPECT_EQ(Normalised("nm"), "nm");
}

// Redis compat: A is every class but m and n; spelling them all out prints A.
TEST(NotifyFlags, EveryClassSpelledOutPrintsA) {
  EXPECT_EQ(Normalised("$lshzxeKEA"), "AKE");
  EXPECT_EQ(Normalised("g$lshzxetd"), "A");
}

// Redis compat: with A set, n is kept but not shown; m (a channel-side letter) is.
TEST(NotifyFlags, AHidesNButNotM) {
  std::optional<uint32_t> flags = ParseNotifyFlags("KEAnmtd");
  ASSERT_TRUE(flags.has_value());
  EXPECT_EQ(FormatNotifyFlags(*flags), "AKEm");
  EXPECT_TRUE(*flags & kNotifyNew);
  EXPECT_TRUE(*flags & kNotifyKeyMiss);
}

TEST(NotifyFlags, ALeavesOutKeyMissAndNew) {
  std::optional<uint32_t> flags = ParseNotifyFlags("A");
  ASSERT_TRUE(flags.has_value());
  EXPECT_EQ(*flags, static_cast<uint32_t>(kNotifyAll));
  EXPECT_FALSE(*flags & kNotifyKeyMiss);
  EXPECT_FALSE(*flags & kNotifyNew);
  EXPECT_FALSE(*flags & (kNotifyKeyspace | kNotifyKeyevent));
}

TEST(NotifyFlags, EachLetterSetsItsBit) {
  struct Case {
    char letter;
    uint32_t bit;
  };
  constexpr Case kCases[] = {
      {'K', kNotifyKeyspace}, {'E', kNotifyKeyevent}, {'g', kNotifyGeneric}, {'$', kNotifyString},
      {'l', kNotifyList},     {'s', kNotifySet},      {'h', kNotifyHash},    {'z', kNotifyZSet},
      {'x', kNotifyExpired},  {'e', kNotifyEvicted},  {'t', kNotifyStream},  {'m', kNotifyKeyMiss},
      {'d', kNotifyModule},   {'n', kNotifyNew},
  };
  for (const Case& c : kCases) {
    EXPECT_EQ(ParseNotifyFlags(std::string_view(&c.letter, 1)), std::optional<uint32_t>(c.bit))
        << c.letter;
  }
}

TEST(NotifyFlags, RepeatedLettersAreHarmless) { EXPECT_EQ(Normalised("KKgg"), "gK"); }

TEST(NotifyFlags, EmptyIsNothing) {
  EXPECT_EQ(ParseNotifyFlags(""), std::optional<uint32_t>(0));
  EXPECT_EQ(FormatNotifyFlags(0), "");
}

TEST(NotifyFlags, AnUnknownLetterIsRefused) {
  EXPECT_EQ(ParseNotifyFlags("KEQ"), std::nullopt);
  EXPECT_EQ(ParseNotifyFlags("k"), std::nullopt);  // letters are case-sensitive
  EXPECT_EQ(ParseNotifyFlags(" "), std::nullopt);
}

}  // namespace
}  // namespace cinnabar::engine

#include "core/glob.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace cinnabar::core {
namespace {

struct Case {
  const char* pattern;
  const char* text;
  bool match;
};

// Expectations as Redis 7.0's stringmatchlen gives them.
constexpr Case kCases[] = {
    // Literals and '*'
    {"", "", true},
    {"", "a", false},
    {"abc", "abc", true},
    {"abc", "abd", false},
    {"abc", "ab", false},
    // Redis compat: stringmatchlen never matches an empty text, not even with '*' (KEYS and
    // SCAN special-case a lone '*', so they still return the empty key).
    {"*", "", false},
    {"**", "", false},
    {"*", "anything", true},
    {"a*", "a", true},
    {"a*", "abc", true},
    {"a*", "ba", false},
    {"*c", "abc", true},
    {"*c", "abd", false},
    {"a*c", "ac", true},
    {"a*c", "abbbc", true},
    {"a*c", "abbbd", false},
    {"a**c", "abc", true},
    {"**", "x", true},
    {"*a*b*", "xxaxxbxx", true},
    {"*a*b*", "xxbxxaxx", false},
    {"h*llo", "hello", true},
    {"h*llo", "heeeello", true},
    // '?'
    {"?", "a", true},
    {"?", "", false},
    {"?", "ab", false},
    {"h?llo", "hallo", true},
    {"h?llo", "hllo", false},
    {"??*", "ab", true},
    {"??*", "a", false},
    // Classes
    {"h[ae]llo", "hello", true},
    {"h[ae]llo", "hallo", true},
    {"h[ae]llo", "hillo", false},
    {"h[^e]llo", "hallo", true},
    {"h[^e]llo", "hello", false},
    {"h[a-b]llo", "hbllo", true},
    {"h[a-b]llo", "hcllo", false},
    {"[a-z]", "m", true},
    {"[a-z]", "M", false},
    {"[z-a]", "m", true},  // reversed ranges are swapped
    {"[z-a]", "A", false},
    {"[^a-c]", "d", true},
    {"[^a-c]", "b", false},
    // A '-' before the closing ']' makes a range ending in ']' (']' to 'c' here).
    {"[abc-]", "-", false},
    {"[abc-]", "_", true},
    {"[a-]", "-", false},
    {"[a-]", "^", true},
    {"[-a]", "-", true},
    {"[]", "a", false},
    {"[]a]", "]", false},  // ']' right after '[' closes the class
    {"[\\]]", "]", true},  // an escaped ']' inside a class
    {"[\\-]", "-", true},
    {"[*]", "*", true},
    {"[*]", "a", false},
    {"[?]", "?", true},
    // Escapes
    {"\\*", "*", true},
    {"\\*", "a", false},
    {"\\?", "?", true},
    {"\\?", "a", false},
    {"a\\[b", "a[b", true},
    {"\\\\", "\\", true},
    {"\\a", "a", true},
    {"ab\\", "ab\\", true},  // a trailing backslash matches itself
    // Unterminated classes: the class ends with the pattern
    {"[abc", "a", true},
    {"[abc", "c", true},
    {"[abc", "d", false},
    {"a[", "a", false},
    {"[^", "a", true},
    {"[a-", "a", true},
};

TEST(GlobMatch, AgreesWithRedisOnTheCaseTable) {
  for (const Case& c : kCases) {
    EXPECT_EQ(GlobMatch(c.pattern, c.text), c.match)
        << "pattern '" << c.pattern << "' text '" << c.text << "'";
  }
}

TEST(GlobMatch, NocaseFoldsLettersEverywhere) {
  EXPECT_TRUE(GlobMatch("HeLLo", "hello", true));
  EXPECT_FALSE(GlobMatch("HeLLo", "hello", false));
  EXPECT_TRUE(GlobMatch("h[A-C]llo", "hbllo", true));
  EXPECT_TRUE(GlobMatch("h[a-c]llo", "hBllo", true));
  EXPECT_FALSE(GlobMatch("h[a-c]llo", "hBllo", false));
  EXPECT_TRUE(GlobMatch("[X]", "x", true));
  EXPECT_TRUE(GlobMatch("*PORT*", "tcp-port", true));
  EXPECT_TRUE(GlobMatch("p?RT", "Port", true));
}

TEST(GlobMatch, TextMayHoldAnyBytes) {
  std::string text("a\0b", 3);
  EXPECT_TRUE(GlobMatch("a?b", text));
  EXPECT_TRUE(GlobMatch("a*", text));
  EXPECT_TRUE(GlobMatch(std::string_view("a\0b", 3), text));
  EXPECT_FALSE(GlobMatch("ab", text));
}

TEST(GlobMatch, PathologicalPatternFinishesQuickly) {
  // Without the nesting limit and the skip-longer rule this takes exponential time.
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "a*";
  pattern += "b";
  std::string text(5000, 'a');
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(GlobMatch(pattern, text));
  std::string deep(3000, '*');  // collapsed to one star
  EXPECT_TRUE(GlobMatch(deep + "a", text));
  std::string nested;
  for (int i = 0; i < 2000; ++i) nested += "*?";
  EXPECT_FALSE(GlobMatch(nested, text.substr(0, 1500)));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST(GlobMatch, NestingLimitRefusesOverDeepPatterns) {
  // Redis compat: past 1000 nested stars the match fails even when it would succeed.
  std::string pattern;
  for (int i = 0; i < 1100; ++i) pattern += "*a";
  std::string text(1100, 'a');
  EXPECT_FALSE(GlobMatch(pattern, text));
  std::string shallow;
  for (int i = 0; i < 900; ++i) shallow += "*a";
  EXPECT_TRUE(GlobMatch(shallow, std::string(900, 'a')));
}

}  // namespace
}  // namespace cinnabar::core

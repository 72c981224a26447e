// The tracking table and directory of client-side caching (engine/tracking.h), alone: no
// engine, so Invalidate (which delivers) is not exercised here; the integration tests do.
#include "engine/tracking.h"

#include <gtest/gtest.h>

namespace cinnabar::engine {
namespace {

TEST(TrackingTable, RemembersEachReaderOnce) {
  TrackingTable t;
  EXPECT_TRUE(t.Remember("k", {1, 0}));
  EXPECT_FALSE(t.Remember("k", {1, 0}));
  EXPECT_FALSE(t.Remember("k", {2, 1}));
  EXPECT_TRUE(t.Remember("j", {2, 1}));
  EXPECT_EQ(t.keys(), 2u);
  EXPECT_EQ(t.items(), 3u);
  std::vector<Tracker> readers = t.Take("k");
  ASSERT_EQ(readers.size(), 2u);
  EXPECT_EQ(readers[0].id, 1u);
  EXPECT_EQ(readers[1].thread, 1u);
  EXPECT_TRUE(t.Take("k").empty());
  EXPECT_EQ(t.keys(), 1u);
  EXPECT_EQ(t.items(), 1u);
}

TEST(TrackingTable, AnyKeyAndClear) {
  TrackingTable t;
  EXPECT_EQ(t.AnyKey(7), "");
  for (int i = 0; i < 50; ++i) t.Remember("key" + std::to_string(i), {1, 0});
  for (uint64_t r = 0; r < 20; ++r) EXPECT_EQ(t.AnyKey(r).substr(0, 3), "key");
  t.Clear();
  EXPECT_EQ(t.keys(), 0u);
  EXPECT_EQ(t.items(), 0u);
}

TEST(TrackingDirectory, PrefixesMatchAndGo) {
  TrackingDirectory d(2);
  d.AddPrefix("a", {1, 0});
  d.AddPrefix("ab", {2, 1});
  d.AddPrefix("", {3, 1});
  EXPECT_EQ(d.prefix_count(), 3u);
  EXPECT_EQ(d.Matching("abc"), (std::vector<std::string>{"", "a", "ab"}));
  EXPECT_EQ(d.Matching("b"), (std::vector<std::string>{""}));
  d.RemovePrefix("", 3);
  EXPECT_EQ(d.Matching("b"), std::vector<std::string>{});
  EXPECT_EQ(d.ClientsOf("ab").size(), 1u);
  d.RemovePrefix("ab", 2);
  d.RemovePrefix("a", 1);
  EXPECT_FALSE(d.has_prefixes());
}

TEST(Tracking, PrefixOverlap) {
  EXPECT_TRUE(PrefixesOverlap("a", "ab"));
  EXPECT_TRUE(PrefixesOverlap("ab", "a"));
  EXPECT_TRUE(PrefixesOverlap("", "x"));
  EXPECT_TRUE(PrefixesOverlap("a", "a"));
  EXPECT_FALSE(PrefixesOverlap("ab", "ac"));
}

}  // namespace
}  // namespace cinnabar::engine

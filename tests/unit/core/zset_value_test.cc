#include "core/zset_value.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iterator>
#include <limits>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/string_util.h"

namespace cinnabar::core {
namespace {

using Model = std::set<std::pair<double, std::string>>;
using Pairs = std::vector<std::pair<std::string, double>>;

Pairs Collect(const ZSetValue& z, size_t first, size_t last, bool reverse) {
  Pairs out;
  z.ForRange(first, last, reverse,
             [&out](std::string_view m, double s) { out.emplace_back(std::string(m), s); });
  return out;
}

Pairs Slice(const Model& model, size_t first, size_t last, bool reverse) {
  Pairs out;
  auto it = model.begin();
  std::advance(it, first);
  for (size_t i = first; i < last; ++i, ++it) out.emplace_back(it->second, it->first);
  if (reverse) std::reverse(out.begin(), out.end());
  return out;
}

// The same random workload in both encodings (a tiny listpack limit forces the conversion
// part way) must match a std::set model at every step.
void RunWorkload(const ZSetLimits& limits, uint64_t seed) {
  std::mt19937_64 rng(seed);
  ZSetValue z = ZSetValue::Create(0, 0, limits);
  Model model;
  std::map<std::string, double> scores;
  for (int step = 0; step < 3000; ++step) {
    std::string member = std::to_string(rng() % 300);  // integers: listpack stores them as such
    if (rng() % 3 == 0) member = "m" + member;
    double score = static_cast<double>(rng() % 50) / 2;
    int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      double out = 0;
      ZSetValue::AddResult r = z.Add(member, score, 0, &out, limits);
      auto found = scores.find(member);
      if (found == scores.end()) {
        ASSERT_EQ(r, ZSetValue::AddResult::kAdded);
      } else {
        model.erase({found->second, member});
      }
      scores[member] = score;
      model.emplace(score, member);
    } else if (op < 8) {
      bool removed = z.Remove(member);
      auto found = scores.find(member);
      ASSERT_EQ(removed, found != scores.end());
      if (removed) {
        model.erase({found->second, member});
        scores.erase(found);
      }
    } else if (op == 8 && model.size() > 4) {
      size_t first = rng() % model.size();
      size_t last = std::min(model.size(), first + 1 + rng() % 3);
      z.DeleteRange(first, last);
      auto a = model.begin();
      std::advance(a, first);
      auto b = a;
      std::advance(b, last - first);
      for (auto it = a; it != b; ++it) scores.erase(it->second);
      model.erase(a, b);
    }
    ASSERT_EQ(z.size(), model.size());
    if (step % 50 != 0 || model.empty()) continue;
    ASSERT_EQ(Collect(z, 0, z.size(), false), Slice(model, 0, model.size(), false));
    size_t first = rng() % model.size();
    size_t last = first + rng() % (model.size() - first + 1);
    ASSERT_EQ(Collect(z, first, last, true), Slice(model, first, last, true));
    ZScoreRange range{.min = static_cast<double>(rng() % 25),
                      .max = static_cast<double>(rng() % 25),
                      .min_exclusive = rng() % 2 == 0,
                      .max_exclusive = rng() % 2 == 0};
    size_t a, b, expected_a = 0, expected_b = 0;
    z.RanksOf(range, &a, &b);
    for (const auto& [s, m] : model) {
      expected_a += range.min_exclusive ? s <= range.min : s < range.min;
      expected_b += range.max_exclusive ? s < range.max : s <= range.max;
    }
    ASSERT_EQ(a, expected_a);
    ASSERT_EQ(b, std::max(expected_a, expected_b));
    for (const auto& [m, s] : scores) {
      std::optional<size_t> rank = z.Rank(m, false);
      ASSERT_TRUE(rank.has_value());
      ASSERT_EQ(*rank, static_cast<size_t>(std::distance(model.begin(), model.find({s, m}))));
      ASSERT_EQ(*z.Score(m), s);
    }
  }
  ZSetValue copy = z.Clone();
  EXPECT_EQ(copy.encoding(), z.encoding());
  EXPECT_EQ(Collect(copy, 0, copy.size(), false), Slice(model, 0, model.size(), false));
  copy.Destroy();
  z.Destroy();
}

TEST(ZSetValueTest, ListpackWorkloadMatchesModel) {
  RunWorkload({.max_listpack_entries = 100000, .max_listpack_value = 64}, 1);
}

TEST(ZSetValueTest, ConvertingWorkloadMatchesModel) {
  RunWorkload({.max_listpack_entries = 16, .max_listpack_value = 64}, 2);
}

TEST(ZSetValueTest, SkiplistWorkloadMatchesModel) {
  RunWorkload({.max_listpack_entries = 0, .max_listpack_value = 64}, 3);
}

TEST(ZSetValueTest, LexRanges) {
  ZSetLimits limits;
  for (size_t entries : {128u, 0u}) {
    limits.max_listpack_entries = entries;
    ZSetValue z = ZSetValue::Create(0, 0, limits);
    double out;
    for (std::string m : {"a", "b", "c", "d", "e"}) z.Add(m, 0, 0, &out, limits);
    ZLexRange r;
    ASSERT_TRUE(ParseLexBound("[b", true, &r));
    ASSERT_TRUE(ParseLexBound("(d", false, &r));
    size_t first, last;
    z.RanksOf(r, &first, &last);
    EXPECT_EQ(first, 1u);
    EXPECT_EQ(last, 3u);
    ZLexRange all;
    ASSERT_TRUE(ParseLexBound("-", true, &all));
    ASSERT_TRUE(ParseLexBound("+", false, &all));
    z.RanksOf(all, &first, &last);
    EXPECT_EQ(last - first, 5u);
    ZLexRange none;
    ASSERT_TRUE(ParseLexBound("+", true, &none));
    ASSERT_TRUE(ParseLexBound("-", false, &none));
    z.RanksOf(none, &first, &last);
    EXPECT_EQ(last - first, 0u);
    EXPECT_FALSE(ParseLexBound("b", true, &r));
    z.Destroy();
  }
}

// Redis compat: a listpack stores -0 as the integer 0; a large set keeps the sign, and a
// set that converts keeps what the listpack held.
TEST(ZSetValueTest, NegativeZeroIsZeroOnlyInAListpack) {
  ZSetLimits limits{.max_listpack_entries = 4, .max_listpack_value = 64};
  double out;
  ZSetValue small = ZSetValue::CreateForAdd(1, limits);
  ASSERT_EQ(small.encoding(), kZSetListpack);
  small.Add("a", -0.0, 0, &out, limits);
  EXPECT_FALSE(std::signbit(*small.Score("a")));
  for (int i = 1; i <= 4; ++i) small.Add("m" + std::to_string(i), i, 0, &out, limits);
  ASSERT_EQ(small.encoding(), kZSetSkiplist);
  EXPECT_FALSE(std::signbit(*small.Score("a")));
  small.Add("b", -0.0, 0, &out, limits);  // added after the conversion
  EXPECT_TRUE(std::signbit(*small.Score("b")));
  small.Destroy();
}

TEST(ZSetValueTest, CreateForAddLooksAtTheFirstMemberOnly) {
  ZSetLimits limits{.max_listpack_entries = 4, .max_listpack_value = 8};
  ZSetValue short_first = ZSetValue::CreateForAdd(8, limits);
  EXPECT_EQ(short_first.encoding(), kZSetListpack);
  short_first.Destroy();
  ZSetValue long_first = ZSetValue::CreateForAdd(9, limits);
  EXPECT_EQ(long_first.encoding(), kZSetSkiplist);
  long_first.Destroy();
  limits.max_listpack_entries = 0;
  ZSetValue disabled = ZSetValue::CreateForAdd(1, limits);
  EXPECT_EQ(disabled.encoding(), kZSetSkiplist);
  disabled.Destroy();
}

// Redis compat: ZSCAN shows a listpack's stored score text (integral scores within +-2^62
// are stored as integers) and a large set's "%.17g".
TEST(ZSetValueTest, ScanGivesScoresAsTheEncodingHoldsThem) {
  const std::vector<std::pair<double, std::string>> cases = {
      {1e17, "100000000000000000"},
      {123456789012345678.0, "123456789012345680"},
      {4611686018427387904.0, "4611686018427387904"},  // 2^62, the largest stored as integer
      {-4611686018427387904.0, "-4611686018427387904"},
      {4611686018427388928.0, "4.6116860184273889e+18"},  // the next double
      {1e22, "1e+22"},
      {2.5, "2.5"},
      {-0.0, "0"},
      {std::numeric_limits<double>::infinity(), "inf"}};
  for (size_t entries : {128u, 0u}) {
    ZSetLimits limits{.max_listpack_entries = entries, .max_listpack_value = 64};
    ZSetValue z = ZSetValue::Create(0, 0, limits);
    double out;
    for (size_t i = 0; i < cases.size(); ++i) {
      z.Add("m" + std::to_string(i), cases[i].first, 0, &out, limits);
    }
    std::map<std::string, std::string> seen;
    uint64_t cursor = 0;
    do {
      cursor = z.Scan(cursor, 100, [&](std::string_view m, std::string_view score) {
        seen.emplace(std::string(m), std::string(score));
      });
    } while (cursor != 0);
    ASSERT_EQ(seen.size(), cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      std::string want = cases[i].second;
      if (entries == 0) want = base::FormatDouble(cases[i].first);  // "1e+17", "-0"
      EXPECT_EQ(seen["m" + std::to_string(i)], want) << entries << " " << cases[i].second;
    }
    z.Destroy();
  }
}

}  // namespace
}  // namespace cinnabar::core

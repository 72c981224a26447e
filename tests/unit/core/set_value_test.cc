#include "core/set_value.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <string>

namespace cinnabar::core {
namespace {

std::set<std::string> AsSet(const SetValue& s) {
  std::vector<std::string> m = s.Members();
  return {m.begin(), m.end()};
}

TEST(SetValueTest, EncodingFollowsRedis72Rules) {
  SetLimits limits{.max_intset_entries = 4, .max_listpack_entries = 3, .max_listpack_value = 5};
  SetValue s = SetValue::Create("1", 1, limits);
  EXPECT_EQ(s.encoding(), kSetIntset);
  for (const char* m : {"1", "2", "3"}) s.Add(m, limits);
  EXPECT_EQ(s.encoding(), kSetIntset);
  s.Add("x", limits);  // 3 integers are not fewer than 3 listpack entries: a table
  EXPECT_EQ(s.encoding(), kSetHashtable);
  EXPECT_EQ(AsSet(s), (std::set<std::string>{"1", "2", "3", "x"}));
  s.Destroy();

  s = SetValue::Create("1", 1, limits);
  s.Add("1", limits);
  s.Add("abc", limits);
  EXPECT_EQ(s.encoding(), kSetListpack);
  s.Add("toolong", limits);
  EXPECT_EQ(s.encoding(), kSetHashtable);
  s.Destroy();

  s = SetValue::Create("1", 1, limits);
  for (int i = 0; i < 5; ++i) s.Add(std::to_string(i), limits);
  EXPECT_EQ(s.encoding(), kSetHashtable);  // past max_intset_entries
  s.Destroy();

  s = SetValue::Create("a", 10, limits);
  EXPECT_EQ(s.encoding(), kSetHashtable);  // hint too big
  s.Destroy();
}

// Random operations with limits that make every encoding and conversion happen.
TEST(SetValueTest, RandomizedAgainstStdSet) {
  std::mt19937_64 rng(3);
  auto random = [&] { return rng(); };
  for (int round = 0; round < 40; ++round) {
    SetLimits limits{.max_intset_entries = static_cast<int64_t>(rng() % 40),
                     .max_listpack_entries = static_cast<int64_t>(rng() % 40),
                     .max_listpack_value = static_cast<int64_t>(rng() % 10)};
    bool only_ints = round % 2 == 0;
    auto name = [&] {
      uint64_t n = rng() % 80;
      return only_ints || n % 3 ? std::to_string(static_cast<int64_t>(n) - 40)
                                : "m" + std::to_string(n);
    };
    std::string first = name();
    SetValue s = SetValue::Create(first, 1, limits);
    std::set<std::string> model;
    for (int i = 0; i < 400; ++i) {
      std::string m = name();
      if (rng() % 3 == 0) {
        EXPECT_EQ(s.Remove(m), model.erase(m) == 1);
      } else {
        EXPECT_EQ(s.Add(m, limits), model.insert(m).second);
      }
      ASSERT_EQ(s.Size(), model.size());
      EXPECT_EQ(s.Contains(m), model.count(m) == 1);
    }
    EXPECT_EQ(AsSet(s), model);
    SetValue copy = s.Clone();
    EXPECT_EQ(AsSet(copy), model);
    copy.Destroy();
    if (!model.empty()) {
      std::vector<std::string> picked = s.Random(5, false, random);
      EXPECT_EQ(picked.size(), std::min<size_t>(5, model.size()));
      EXPECT_EQ(std::set<std::string>(picked.begin(), picked.end()).size(), picked.size());
      for (const std::string& p : s.Random(20, true, random)) EXPECT_EQ(model.count(p), 1u);
    }
    std::set<std::string> scanned;
    uint64_t cursor = 0;
    do {
      cursor = s.Scan(cursor, 3, [&](std::string_view m) { scanned.emplace(m); });
    } while (cursor != 0);
    EXPECT_EQ(scanned, model);
    s.Destroy();
  }
}

// SSCAN's guarantee while the set shrinks under it: members present for the whole scan are
// returned at least once.
TEST(SetValueTest, ScanWhileShrinking) {
  SetLimits limits;
  SetValue s = SetValue::Create("m0", 1, limits);
  const int n = 30000;
  for (int i = 0; i < n; ++i) s.Add("m" + std::to_string(i), limits);
  ASSERT_EQ(s.encoding(), kSetHashtable);
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0, next_removal = 0;
  do {
    cursor = s.Scan(cursor, 50, [&](std::string_view m) { seen.emplace(m); });
    if (++calls % 3 == 0) {
      // Remove three members in four, a batch at a time, so segments shrink mid-scan.
      for (int k = 0; k < 1500 && next_removal < n; ++next_removal) {
        if (next_removal % 4 != 0) {
          EXPECT_TRUE(s.Remove("m" + std::to_string(next_removal)));
          ++k;
        }
      }
    }
  } while (cursor != 0);
  EXPECT_EQ(next_removal, n);  // the removals finished before the scan did
  for (int i = 0; i < n; i += 4) EXPECT_EQ(seen.count("m" + std::to_string(i)), 1u) << i;
  EXPECT_EQ(s.Size(), static_cast<size_t>(n / 4));
  s.Destroy();
}

}  // namespace
}  // namespace cinnabar::core

#include "core/zset_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/zset_value.h"

namespace cinnabar::core {
namespace {

using Model = std::set<std::pair<double, std::string>>;

void ExpectSameOrder(const ZSetIndex& index, const Model& model) {
  ASSERT_EQ(index.tree.size(), model.size());
  ASSERT_EQ(index.members.size(), model.size());
  ASSERT_TRUE(index.tree.Validate());
  auto it = model.begin();
  for (ZBTree::Iterator t = index.tree.Seek(0); t.valid(); t.Next(), ++it) {
    ASSERT_EQ((*t)->score, it->first);
    ASSERT_EQ((*t)->view(), it->second);
  }
}

TEST(ZSetIndexTest, RandomizedAgainstStdSet) {
  std::mt19937_64 rng(42);
  ZSetIndex index;
  Model model;
  std::map<std::string, double> scores;
  for (int step = 0; step < 60000; ++step) {
    std::string member = "m" + std::to_string(rng() % 5000);
    double score = static_cast<double>(rng() % 300);
    int op = static_cast<int>(rng() % 10);
    auto found = scores.find(member);
    if (op < 6) {
      if (found == scores.end()) {
        index.Insert(member, score);
        model.emplace(score, member);
        scores[member] = score;
      } else {
        model.erase({found->second, member});
        index.UpdateScore(index.Find(member), score);
        model.emplace(score, member);
        found->second = score;
      }
    } else {
      bool removed = index.Remove(member);
      ASSERT_EQ(removed, found != scores.end());
      if (removed) {
        model.erase({found->second, member});
        scores.erase(found);
      }
    }
    if (step % 5000 == 0) ExpectSameOrder(index, model);
  }
  ExpectSameOrder(index, model);
  // Ranks and select agree with the model.
  size_t rank = 0;
  for (const auto& [score, member] : model) {
    ASSERT_EQ(index.tree.Rank(score, member), rank);
    ZBTree::Iterator it = index.tree.Seek(rank);
    ASSERT_TRUE(it.valid());
    ASSERT_EQ((*it)->view(), member);
    ++rank;
  }
  // CountBefore as a score lower bound.
  for (double bound : {-1.0, 0.0, 17.0, 150.5, 299.0, 400.0}) {
    size_t expected = 0;
    for (const auto& e : model) expected += e.first < bound;
    ASSERT_EQ(index.tree.CountBefore([bound](const ZMember* m) { return m->score < bound; }),
              expected);
  }
  // Drain everything.
  for (const auto& [member, score] : scores) ASSERT_TRUE(index.Remove(member));
  EXPECT_EQ(index.tree.size(), 0u);
  EXPECT_TRUE(index.tree.Validate());
}

TEST(ZSetIndexTest, SequentialInsertAndReverseWalk) {
  ZSetIndex index;
  const int n = 20000;
  for (int i = 0; i < n; ++i) index.Insert("k" + std::to_string(i), i);
  ASSERT_TRUE(index.tree.Validate());
  ZBTree::Iterator it = index.tree.Seek(n - 1);
  for (int i = n - 1; i >= 0; --i, it.Prev()) {
    ASSERT_TRUE(it.valid());
    ASSERT_EQ((*it)->score, i);
  }
  EXPECT_FALSE(it.valid());
  // Delete every other member, then a prefix.
  for (int i = 0; i < n; i += 2) ASSERT_TRUE(index.Remove("k" + std::to_string(i)));
  ASSERT_TRUE(index.tree.Validate());
  EXPECT_EQ(index.tree.Rank(101, "k101"), 50u);
}

TEST(ZSetIndexTest, AscendingLoadThenRandomErase) {
  // Ascending inserts split nodes unevenly on the right edge; erasing afterwards must keep
  // every invariant.
  std::mt19937_64 rng(9);
  ZSetIndex index;
  Model model;
  const int n = 150000;
  for (int i = 0; i < n; ++i) {
    std::string m = "a" + std::to_string(i);
    index.Insert(m, i / 3);
    model.emplace(i / 3, m);
  }
  ExpectSameOrder(index, model);
  EXPECT_LT(index.tree.AllocatedBytes(), static_cast<size_t>(n) * 10);  // leaves nearly full
  std::vector<std::pair<double, std::string>> all(model.begin(), model.end());
  std::shuffle(all.begin(), all.end(), rng);
  for (size_t k = 0; k < all.size(); ++k) {
    ASSERT_TRUE(index.Remove(all[k].second));
    model.erase(all[k]);
    if (k % 20000 == 0) ExpectSameOrder(index, model);
  }
  ExpectSameOrder(index, model);
}

TEST(ZSetIndexTest, DescendingLoadRanks) {
  ZSetIndex index;
  const int n = 70000;
  for (int i = n - 1; i >= 0; --i) index.Insert("d" + std::to_string(i), i);
  ASSERT_TRUE(index.tree.Validate());
  for (int i = 0; i < n; i += 777) {
    ASSERT_EQ(index.tree.Rank(i, "d" + std::to_string(i)), static_cast<size_t>(i));
    ASSERT_EQ((*index.tree.Seek(i))->score, i);
  }
}

TEST(ZSetValueTest, ListpackConvertsPastLimits) {
  ZSetLimits limits{.max_listpack_entries = 4, .max_listpack_value = 8};
  ZSetValue z = ZSetValue::Create(1, 1, limits);
  EXPECT_EQ(z.encoding(), kZSetListpack);
  double out;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(z.Add("m" + std::to_string(i), 4 - i, 0, &out, limits),
              ZSetValue::AddResult::kAdded);
  }
  EXPECT_EQ(z.encoding(), kZSetListpack);
  EXPECT_EQ(*z.Rank("m3", false), 0u);
  EXPECT_EQ(*z.Score("m0"), 4.0);
  EXPECT_EQ(z.Add("m4", 0.5, 0, &out, limits), ZSetValue::AddResult::kAdded);
  EXPECT_EQ(z.encoding(), kZSetSkiplist);
  EXPECT_EQ(*z.Rank("m4", false), 0u);
  EXPECT_EQ(*z.Rank("m0", true), 0u);
  z.Destroy();
}

}  // namespace
}  // namespace cinnabar::core

#include "core/intset.h"

#include <gtest/gtest.h>

#include <random>
#include <set>

namespace cinnabar::core {
namespace {

void ExpectSame(const IntSet* s, const std::set<int64_t>& model) {
  ASSERT_EQ(s->size(), model.size());
  size_t i = 0;
  for (int64_t v : model) EXPECT_EQ(s->Get(i++), v);
}

TEST(IntSetTest, StartsNarrowAndUpgrades) {
  IntSet* s = IntSet::New();
  bool added;
  s = IntSet::Add(s, 5, &added);
  EXPECT_TRUE(added);
  EXPECT_EQ(s->width(), 2u);
  s = IntSet::Add(s, 5, &added);
  EXPECT_FALSE(added);
  s = IntSet::Add(s, 70000, &added);  // needs 4 bytes: appended
  EXPECT_EQ(s->width(), 4u);
  s = IntSet::Add(s, INT64_MIN, &added);  // needs 8 bytes: prepended
  EXPECT_EQ(s->width(), 8u);
  ExpectSame(s, {INT64_MIN, 5, 70000});
  EXPECT_TRUE(s->Contains(70000));
  EXPECT_FALSE(s->Contains(6));
  bool removed;
  s = IntSet::Remove(s, INT64_MIN, &removed);
  EXPECT_TRUE(removed);
  EXPECT_EQ(s->width(), 8u);  // widths never shrink
  ExpectSame(s, {5, 70000});
  IntSet::Free(s);
}

TEST(IntSetTest, NarrowSetDoesNotContainWideValue) {
  IntSet* s = IntSet::New();
  bool added;
  s = IntSet::Add(s, 1, &added);
  EXPECT_FALSE(s->Contains(int64_t{1} << 40));
  bool removed;
  s = IntSet::Remove(s, int64_t{1} << 40, &removed);
  EXPECT_FALSE(removed);
  IntSet::Free(s);
}

TEST(IntSetTest, RandomizedAgainstStdSet) {
  std::mt19937_64 rng(42);
  const int64_t ranges[] = {100, 40000, int64_t{1} << 40, INT64_MAX};
  for (int64_t range : ranges) {
    IntSet* s = IntSet::New();
    std::set<int64_t> model;
    for (int i = 0; i < 20000; ++i) {
      int64_t v = static_cast<int64_t>(rng() % static_cast<uint64_t>(range));
      if (rng() & 1) v = -v;
      bool changed;
      if (rng() % 3 == 0) {
        s = IntSet::Remove(s, v, &changed);
        EXPECT_EQ(changed, model.erase(v) == 1);
      } else {
        s = IntSet::Add(s, v, &changed);
        EXPECT_EQ(changed, model.insert(v).second);
      }
      if (i % 1000 == 0) {
        for (int k = 0; k < 50; ++k) {
          int64_t q = static_cast<int64_t>(rng() % static_cast<uint64_t>(range));
          EXPECT_EQ(s->Contains(q), model.count(q) == 1);
        }
      }
    }
    ExpectSame(s, model);
    IntSet* c = IntSet::Clone(s);
    ExpectSame(c, model);
    IntSet::Free(c);
    IntSet::Free(s);
  }
}

}  // namespace
}  // namespace cinnabar::core

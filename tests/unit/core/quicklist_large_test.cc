// Large elements (QUICKLIST-PACKED-THRESHOLD): each gets a node of its own that nothing joins,
// with and without compression; and the DEBUG QUICKLIST / LISTPACK layouts.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/listpack.h"
#include "core/quicklist.h"
#include "unit/core/quicklist_check.h"

namespace cinnabar::core {
namespace {

class QuicklistLarge : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override { ASSERT_TRUE(SetPackedThreshold(10)); }
  void TearDown() override { SetPackedThreshold(0); }
};

std::vector<std::string> All(const Quicklist& q) {
  std::vector<std::string> out;
  IntBuffer scratch;
  Quicklist::ReadBuffer buf;
  for (const Quicklist::Node* n = q.head(); n != nullptr; n = n->next) {
    uint8_t* lp = Quicklist::Listpack(n, &buf);
    for (uint8_t* p = lp::First(lp); p != nullptr; p = lp::Next(lp, p)) {
      out.emplace_back(lp::GetString(p, &scratch));
    }
  }
  return out;
}

// Every large element is alone in a node marked large, and only those nodes are.
void CheckLarge(const Quicklist& q) {
  testing::CheckQuicklist(q);
  Quicklist::ReadBuffer buf;
  IntBuffer scratch;
  for (const Quicklist::Node* n = q.head(); n != nullptr; n = n->next) {
    uint8_t* lp = Quicklist::Listpack(n, &buf);
    bool has_large = false;
    for (uint8_t* p = lp::First(lp); p != nullptr; p = lp::Next(lp, p)) {
      has_large |= IsLargeElement(lp::GetString(p, &scratch).size());
    }
    EXPECT_EQ(n->large, has_large);
    if (has_large) {
      EXPECT_EQ(n->count, 1u);
    }
  }
}

TEST_P(QuicklistLarge, PushInsertReplaceKeepLargeElementsAlone) {
  const std::string big(40, 'x'), big2(12, 'y');
  Quicklist q(GetParam());
  for (int i = 0; i < 20; ++i) q.PushTail(std::to_string(i), 8);
  q.PushTail(big, 8);
  q.PushTail("after", 8);
  q.PushHead(big2, 8);
  CheckLarge(q);
  q.Insert(5, big, lp::Where::kBefore, 8);   // inside a node: splits it
  q.Insert(0, "first", lp::Where::kBefore, 8);  // before a large head: a new node
  CheckLarge(q);
  q.Replace(10, big2, 8);  // a small element's slot becomes a large node
  q.Replace(1, "small", 8);  // a large node's element becomes small
  CheckLarge(q);
  std::vector<std::string> all = All(q);
  ASSERT_EQ(all.size(), q.count());
  EXPECT_EQ(all[0], "first");
  EXPECT_EQ(all[1], "small");
  EXPECT_EQ(all[6], big);
  EXPECT_EQ(all[10], big2);
  EXPECT_EQ(all.back(), "after");
  std::string repr;
  q.Repr(8, true, &repr);
  EXPECT_NE(repr.find("{container : PLAIN"), std::string::npos);
  EXPECT_NE(repr.find("{ entry : " + big + " }"), std::string::npos);
  EXPECT_NE(repr.find("{count : " + std::to_string(q.count()) + "}"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Depths, QuicklistLarge, ::testing::Values(0, 1, 2));

TEST(PackedThreshold, Limits) {
  EXPECT_FALSE(SetPackedThreshold((size_t{1} << 32)));
  EXPECT_EQ(PackedThreshold(), kDefaultPackedThreshold);
  EXPECT_TRUE(SetPackedThreshold(100));
  EXPECT_EQ(PackedThreshold(), 100u);
  EXPECT_TRUE(SetPackedThreshold(0));
  EXPECT_EQ(PackedThreshold(), kDefaultPackedThreshold);
}

TEST(ListpackRepr, DescribesEachElement) {
  uint8_t* lp = lp::New();
  lp = lp::Append(lp, "f");
  lp = lp::Append(lp, "12");
  std::string out;
  lp::Repr(lp, &out);
  EXPECT_EQ(out.rfind("{total bytes 12} {num entries 2}\n", 0), 0u);
  EXPECT_NE(out.find("bytes: 81|66|02|\n\t[str]f\n}"), std::string::npos);
  EXPECT_NE(out.find("bytes: 0c|01|\n\t[int]12\n}"), std::string::npos);
  EXPECT_NE(out.find("{end}\n"), std::string::npos);
  lp::Free(lp);
}

}  // namespace
}  // namespace cinnabar::core

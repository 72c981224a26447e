// ListValue and Quicklist against a std::deque model: every operation the list commands
// use, at several fills, with encodings checked at the conversion boundaries.

#include "core/list_value.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "core/quicklist.h"
#include "unit/core/quicklist_check.h"

namespace cinnabar::core {
namespace {

std::vector<std::string> All(const ListValue& l) {
  std::vector<std::string> out;
  if (l.Length() == 0) return out;
  l.Range(0, l.Length() - 1, false, [&](std::string_view s) { out.emplace_back(s); });
  return out;
}

std::vector<std::string> Model(const std::deque<std::string>& d) { return {d.begin(), d.end()}; }

ListLimits Fill(int fill, int compress_depth = 0) {
  return {.fill = fill, .compress_depth = compress_depth};
}

void Check(const ListValue& l, const std::deque<std::string>& d) {
  ASSERT_EQ(l.Length(), d.size());
  if (l.encoding() == kListQuicklist) {
    ASSERT_NO_FATAL_FAILURE(testing::CheckQuicklist(*static_cast<Quicklist*>(l.pointer())));
  }
  ASSERT_EQ(All(l), Model(d));
}

TEST(QuicklistLimits, RedisRules) {
  EXPECT_FALSE(NodeExceedsLimit(-2, 8192, 100000));
  EXPECT_TRUE(NodeExceedsLimit(-2, 8193, 1));
  EXPECT_TRUE(NodeExceedsLimit(-1, 4097, 1));
  EXPECT_TRUE(NodeExceedsLimit(-5, 65537, 1));
  EXPECT_FALSE(NodeExceedsLimit(-100, 65536, 1));  // below -5 counts as -5
  EXPECT_FALSE(NodeExceedsLimit(5, 100, 5));
  EXPECT_TRUE(NodeExceedsLimit(5, 100, 6));
  EXPECT_TRUE(NodeExceedsLimit(1000, 8193, 2));  // the 8 KB safety cap
  EXPECT_TRUE(NodeExceedsLimit(0, 10, 2));       // 0 counts as 1
}

TEST(ListValue, PushPopBothEnds) {
  ListValue l = ListValue::Create();
  l.Push("b", ListEnd::kHead, Fill(-2));
  l.Push("a", ListEnd::kHead, Fill(-2));
  l.Push("c", ListEnd::kTail, Fill(-2));
  l.Push("12345", ListEnd::kTail, Fill(-2));
  EXPECT_EQ(All(l), (std::vector<std::string>{"a", "b", "c", "12345"}));
  std::vector<std::string> popped;
  EXPECT_EQ(l.Pop(ListEnd::kTail, 2, Fill(-2), [&](std::string_view s) { popped.emplace_back(s); }),
            2u);
  EXPECT_EQ(popped, (std::vector<std::string>{"12345", "c"}));
  EXPECT_EQ(l.Pop(ListEnd::kHead, 10, Fill(-2),
                  [&](std::string_view s) { popped.emplace_back(s); }),
            2u);
  EXPECT_EQ(popped, (std::vector<std::string>{"12345", "c", "a", "b"}));
  EXPECT_EQ(l.Length(), 0u);
  l.Destroy();
}

TEST(ListValue, ConvertsAtCountLimitAndBackAtHalf) {
  constexpr int kFill = 8;
  ListValue l = ListValue::Create();
  for (int i = 0; i < kFill; ++i) l.Push(std::to_string(i), ListEnd::kTail, Fill(kFill));
  EXPECT_EQ(l.encoding(), kListListpack);
  l.Push("x", ListEnd::kTail, Fill(kFill));
  EXPECT_EQ(l.encoding(), kListQuicklist);
  auto ignore = [](std::string_view) {};
  l.Pop(ListEnd::kTail, 1, Fill(kFill), ignore);  // 8 left in one node: above half
  EXPECT_EQ(l.encoding(), kListQuicklist);
  l.Pop(ListEnd::kTail, 3, Fill(kFill), ignore);  // 5 left
  EXPECT_EQ(l.encoding(), kListQuicklist);
  l.Pop(ListEnd::kTail, 1, Fill(kFill), ignore);  // 4 = half
  EXPECT_EQ(l.encoding(), kListListpack);
  EXPECT_EQ(All(l), (std::vector<std::string>{"0", "1", "2", "3"}));
  l.Destroy();
}

TEST(ListValue, ConvertsAtByteLimit) {
  ListValue l = ListValue::Create();
  std::string big(1000, 'x');
  for (int i = 0; i < 4; ++i) l.Push(big, ListEnd::kTail, Fill(-1));  // ~4 KB
  EXPECT_EQ(l.encoding(), kListListpack);
  l.Push(big, ListEnd::kTail, Fill(-1));
  EXPECT_EQ(l.encoding(), kListQuicklist);
  EXPECT_EQ(static_cast<Quicklist*>(l.pointer())->node_count(), 2u);
  l.Trim(0, 4, Fill(-1));  // one 1 KB element in one node
  EXPECT_EQ(l.encoding(), kListListpack);
  EXPECT_EQ(l.Length(), 1u);
  l.Destroy();
}

TEST(ListValue, ElementBiggerThanANode) {
  ListValue l = ListValue::Create();
  std::string huge(100000, 'h');
  l.Push("a", ListEnd::kTail, Fill(-2));
  l.Push(huge, ListEnd::kTail, Fill(-2));
  l.Push("b", ListEnd::kTail, Fill(-2));
  EXPECT_EQ(l.encoding(), kListQuicklist);
  EXPECT_EQ(All(l), (std::vector<std::string>{"a", huge, "b"}));
  EXPECT_TRUE(l.Insert(huge, huge, lp::Where::kBefore, Fill(-2)));
  EXPECT_TRUE(l.Set(0, huge, Fill(-2)));
  EXPECT_EQ(All(l), (std::vector<std::string>{huge, huge, huge, "b"}));
  EXPECT_EQ(l.Remove(huge, 0, Fill(-2)), 3u);
  EXPECT_EQ(All(l), (std::vector<std::string>{"b"}));
  EXPECT_EQ(l.encoding(), kListListpack);
  l.Destroy();
}

TEST(ListValue, IntegersMatchTheirCanonicalForm) {
  ListValue l = ListValue::Create();
  for (const char* s : {"10", "010", "-5", "abc", "10", "9223372036854775807"}) {
    l.Push(s, ListEnd::kTail, Fill(-2));
  }
  EXPECT_EQ(l.Remove("10", 0, Fill(-2)), 2u);
  EXPECT_EQ(All(l), (std::vector<std::string>{"010", "-5", "abc", "9223372036854775807"}));
  EXPECT_TRUE(l.Insert("-5", "x", lp::Where::kAfter, Fill(-2)));
  EXPECT_FALSE(l.Insert("5", "x", lp::Where::kAfter, Fill(-2)));
  EXPECT_EQ(All(l), (std::vector<std::string>{"010", "-5", "x", "abc", "9223372036854775807"}));
  l.Destroy();
}

TEST(ListValue, CloneIsDeep) {
  for (ListLimits limits : {Fill(-2), Fill(4), Fill(4, 1)}) {
    ListValue l = ListValue::Create();
    for (int i = 0; i < 100; ++i) {
      l.Push("v" + std::string(60, 'c') + std::to_string(i), ListEnd::kTail, limits);
    }
    ListValue c = l.Clone();
    EXPECT_EQ(c.encoding(), l.encoding());
    EXPECT_NE(c.pointer(), l.pointer());
    EXPECT_EQ(All(c), All(l));
    EXPECT_NEAR(static_cast<double>(c.AllocatedBytes()), static_cast<double>(l.AllocatedBytes()),
                l.AllocatedBytes() * 0.05);
    EXPECT_GT(c.AllocatedBytes(), 0u);
    l.Destroy();
    EXPECT_EQ(c.Length(), 100u);
    c.Destroy();
  }
}

// Random operations at several fills and depths, checked against a deque.
class ListModelTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

std::string RandomElement(std::mt19937_64& rng) {
  switch (rng() % 5) {
    case 0: return std::to_string(static_cast<int64_t>(rng() % 200) - 100);
    case 1: return std::to_string(static_cast<int64_t>(rng()));
    case 2: return std::string(rng() % 300, static_cast<char>('a' + rng() % 3));
    case 3: return "e" + std::to_string(rng() % 20);
    default: return std::string(1, static_cast<char>('a' + rng() % 4));
  }
}

TEST_P(ListModelTest, MatchesDeque) {
  const auto [fill, depth] = GetParam();
  const ListLimits limits = Fill(fill, depth);
  std::mt19937_64 rng(static_cast<uint64_t>(fill + 1000 + 7 * depth));
  ListValue l = ListValue::Create();
  std::deque<std::string> d;
  size_t to_quicklist = 0, to_listpack = 0, max_len = 0, max_compressed = 0;
  for (int step = 0; step < 6000; ++step) {
    uint8_t before = l.encoding();
    int op = static_cast<int>(rng() % 100);
    // Alternate growing and shrinking phases so the list crosses the limit both ways.
    bool shrinking = (step / 1500) % 2 == 1;
    if (shrinking && op < 30) op = 40;
    int64_t len = static_cast<int64_t>(d.size());
    int64_t any_index = len == 0 ? 0 : static_cast<int64_t>(rng() % (2 * len + 2)) - len - 1;
    if (op < 35) {  // push (biased so the list grows through the conversions)
      for (int n = 1 + static_cast<int>(rng() % 8); n > 0; --n) {
        std::string s = RandomElement(rng);
        bool head = rng() % 2;
        l.Push(s, head ? ListEnd::kHead : ListEnd::kTail, limits);
        head ? d.push_front(s) : d.push_back(s);
      }
    } else if (op < 45) {  // pop some
      size_t count = rng() % (shrinking ? 17 : 5);
      bool head = rng() % 2;
      std::vector<std::string> got;
      size_t n = l.Pop(head ? ListEnd::kHead : ListEnd::kTail, count, limits,
                       [&](std::string_view s) { got.emplace_back(s); });
      ASSERT_EQ(n, std::min(count, d.size()));
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(got[i], head ? d.front() : d.back());
        head ? d.pop_front() : d.pop_back();
      }
    } else if (op < 55) {  // index
      std::string got;
      bool found = l.Index(any_index, [&](std::string_view s) { got = s; });
      int64_t i = any_index < 0 ? any_index + len : any_index;
      ASSERT_EQ(found, i >= 0 && i < len);
      if (found) {
        ASSERT_EQ(got, d[static_cast<size_t>(i)]);
      }
    } else if (op < 63) {  // set
      std::string s = RandomElement(rng);
      int64_t i = any_index < 0 ? any_index + len : any_index;
      bool ok = l.Set(any_index, s, limits);
      ASSERT_EQ(ok, i >= 0 && i < len);
      if (ok) d[static_cast<size_t>(i)] = s;
    } else if (op < 72) {  // insert
      std::string pivot = RandomElement(rng), s = RandomElement(rng);
      if (len > 0 && rng() % 2) pivot = d[rng() % d.size()];
      bool after = rng() % 2;
      bool ok = l.Insert(pivot, s, after ? lp::Where::kAfter : lp::Where::kBefore, limits);
      auto it = std::find(d.begin(), d.end(), pivot);
      ASSERT_EQ(ok, it != d.end());
      if (ok) d.insert(after ? it + 1 : it, s);
    } else if (op < 80) {  // remove
      std::string s = len > 0 && rng() % 2 ? d[rng() % d.size()] : RandomElement(rng);
      int64_t count = static_cast<int64_t>(rng() % 5) - 2;
      size_t removed = l.Remove(s, count, limits);
      size_t expect = 0;
      if (count >= 0) {
        for (auto it = d.begin(); it != d.end();) {
          if (*it == s && (count == 0 || expect < static_cast<size_t>(count))) {
            it = d.erase(it);
            ++expect;
          } else {
            ++it;
          }
        }
      } else {
        for (int64_t i = len - 1; i >= 0 && expect < static_cast<size_t>(-count); --i) {
          if (d[static_cast<size_t>(i)] == s) {
            d.erase(d.begin() + i);
            ++expect;
          }
        }
      }
      ASSERT_EQ(removed, expect);
    } else if (op < 84) {  // trim a little
      size_t h = rng() % 4, t = rng() % 4;
      l.Trim(h, t, limits);
      for (size_t i = 0; i < h && !d.empty(); ++i) d.pop_front();
      for (size_t i = 0; i < t && !d.empty(); ++i) d.pop_back();
    } else {  // range
      if (len == 0) continue;
      size_t a = rng() % d.size(), b = rng() % d.size();
      if (a > b) std::swap(a, b);
      bool reverse = rng() % 2;
      std::vector<std::string> got, expect(d.begin() + static_cast<int64_t>(a),
                                           d.begin() + static_cast<int64_t>(b) + 1);
      if (reverse) std::reverse(expect.begin(), expect.end());
      l.Range(a, b, reverse, [&](std::string_view s) { got.emplace_back(s); });
      ASSERT_EQ(got, expect);
    }
    if (step % 50 == 0) Check(l, d);
    if (l.encoding() == kListQuicklist) {
      max_compressed = std::max(
          max_compressed, static_cast<Quicklist*>(l.pointer())->compressed_node_count());
    }
    if (before != l.encoding()) ++(before == kListListpack ? to_quicklist : to_listpack);
    max_len = std::max(max_len, d.size());
    // The listpack encoding never holds more than one node's worth.
    if (l.encoding() == kListListpack) {
      ASSERT_FALSE(NodeExceedsLimit(fill, lp::Bytes(static_cast<uint8_t*>(l.pointer())),
                                    l.Length()));
    }
  }
  Check(l, d);
  // The walk crossed the conversion boundary both ways.
  EXPECT_GT(to_quicklist, 0u) << "max length " << max_len;
  EXPECT_GT(to_listpack, 0u) << "max length " << max_len;
  EXPECT_EQ(max_compressed > 0, depth > 0) << max_compressed;
  ListValue c = l.Clone();
  Check(c, d);
  c.Destroy();
  l.Destroy();
}

INSTANTIATE_TEST_SUITE_P(
    FillsAndDepths, ListModelTest,
    ::testing::Values(std::tuple{-2, 0}, std::tuple{-1, 0}, std::tuple{-5, 0}, std::tuple{1, 0},
                      std::tuple{3, 0}, std::tuple{16, 0}, std::tuple{128, 0}, std::tuple{-2, 1},
                      std::tuple{-1, 2}, std::tuple{1, 1}, std::tuple{3, 2}, std::tuple{3, 3},
                      std::tuple{16, 1}));

// The depth a list compresses with is the one in force when it becomes a quicklist.
TEST(ListValue, TakesTheDepthWhenItBecomesAQuicklist) {
  ListValue l = ListValue::Create();
  for (int i = 0; i < 4; ++i) l.Push(std::string(100, 'x'), ListEnd::kTail, Fill(4, 0));
  ASSERT_EQ(l.encoding(), kListListpack);
  for (int i = 0; i < 40; ++i) l.Push(std::string(100, 'x'), ListEnd::kTail, Fill(4, 1));
  ASSERT_EQ(l.encoding(), kListQuicklist);
  auto* q = static_cast<Quicklist*>(l.pointer());
  EXPECT_EQ(q->compress_depth(), 1);
  EXPECT_EQ(q->compressed_node_count(), q->node_count() - 2);
  size_t compressed_bytes = l.AllocatedBytes();
  // Later pushes under another depth do not change the list's.
  for (int i = 0; i < 4; ++i) l.Push(std::string(100, 'x'), ListEnd::kTail, Fill(4, 0));
  EXPECT_EQ(q->compressed_node_count(), q->node_count() - 2);
  // Back to a listpack and up again: now at depth 0, nothing compressed, bigger.
  auto ignore = [](std::string_view) {};
  l.Pop(ListEnd::kTail, 46, Fill(4, 0), ignore);
  ASSERT_EQ(l.encoding(), kListListpack);
  for (int i = 0; i < 46; ++i) l.Push(std::string(100, 'x'), ListEnd::kTail, Fill(4, 0));
  ASSERT_EQ(l.encoding(), kListQuicklist);
  q = static_cast<Quicklist*>(l.pointer());
  EXPECT_EQ(q->compressed_node_count(), 0u);
  EXPECT_GT(l.AllocatedBytes(), compressed_bytes * 2);
  l.Destroy();
}

class BigListTest : public ::testing::TestWithParam<int> {};

TEST_P(BigListTest, TrimIndexInsertSetRemove) {
  const ListLimits limits = Fill(-2, GetParam());
  ListValue l = ListValue::Create();
  std::deque<std::string> d;
  for (int i = 0; i < 100000; ++i) {
    std::string s = i % 3 ? "item:" + std::to_string(i) : std::to_string(i);
    l.Push(s, ListEnd::kTail, limits);
    d.push_back(s);
  }
  EXPECT_EQ(l.encoding(), kListQuicklist);
  std::string got;
  for (int64_t i : {0, 1, 50000, 99999, -1, -100000}) {
    ASSERT_TRUE(l.Index(i, [&](std::string_view s) { got = s; }));
    EXPECT_EQ(got, d[static_cast<size_t>(i < 0 ? i + 100000 : i)]);
  }
  EXPECT_FALSE(l.Index(100000, [](std::string_view) {}));
  l.Trim(1000, 2000, limits);
  d.erase(d.begin(), d.begin() + 1000);
  d.erase(d.end() - 2000, d.end());
  Check(l, d);
  EXPECT_EQ(l.Remove("item:5000", 0, limits), 1u);
  d.erase(std::find(d.begin(), d.end(), "item:5000"));
  ASSERT_TRUE(l.Insert("item:40000", "new", lp::Where::kBefore, limits));
  d.insert(std::find(d.begin(), d.end(), "item:40000"), "new");
  ASSERT_TRUE(l.Set(-30000, "set", limits));
  d[d.size() - 30000] = "set";
  EXPECT_EQ(l.Remove("new", -1, limits), 1u);
  d.erase(std::find(d.begin(), d.end(), "new"));
  Check(l, d);
  l.Destroy();
}

INSTANTIATE_TEST_SUITE_P(Depths, BigListTest, ::testing::Values(0, 1, 2));

}  // namespace
}  // namespace cinnabar::core

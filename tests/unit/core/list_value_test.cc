// ListValue and Quicklist against a std::deque model: every operation the list commands
// use, at several fills, with encodings checked at the conversion boundaries.

#include "core/list_value.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

#include "core/quicklist.h"

namespace cinnabar::core {
namespace {

std::vector<std::string> All(const ListValue& l) {
  std::vector<std::string> out;
  if (l.Length() == 0) return out;
  l.Range(0, l.Length() - 1, false, [&](std::string_view s) { out.emplace_back(s); });
  return out;
}

std::vector<std::string> Model(const std::deque<std::string>& d) { return {d.begin(), d.end()}; }

// Checks the quicklist's internal invariants: linked both ways, no empty node, counts add up.
void CheckQuicklist(const Quicklist& q) {
  size_t total = 0, nodes = 0;
  const Quicklist::Node* prev = nullptr;
  for (const Quicklist::Node* n = q.head(); n != nullptr; n = n->next) {
    EXPECT_EQ(n->prev, prev);
    EXPECT_GT(n->count, 0u);
    EXPECT_EQ(lp::Length(n->lp), n->count);
    total += n->count;
    ++nodes;
    prev = n;
  }
  EXPECT_EQ(q.tail(), prev);
  EXPECT_EQ(total, q.count());
  EXPECT_EQ(nodes, q.node_count());
}

void Check(const ListValue& l, const std::deque<std::string>& d) {
  ASSERT_EQ(l.Length(), d.size());
  if (l.encoding() == kListQuicklist) CheckQuicklist(*static_cast<Quicklist*>(l.pointer()));
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
  l.Push("b", ListEnd::kHead, -2);
  l.Push("a", ListEnd::kHead, -2);
  l.Push("c", ListEnd::kTail, -2);
  l.Push("12345", ListEnd::kTail, -2);
  EXPECT_EQ(All(l), (std::vector<std::string>{"a", "b", "c", "12345"}));
  std::vector<std::string> popped;
  EXPECT_EQ(l.Pop(ListEnd::kTail, 2, -2, [&](std::string_view s) { popped.emplace_back(s); }),
            2u);
  EXPECT_EQ(popped, (std::vector<std::string>{"12345", "c"}));
  EXPECT_EQ(l.Pop(ListEnd::kHead, 10, -2, [&](std::string_view s) { popped.emplace_back(s); }),
            2u);
  EXPECT_EQ(popped, (std::vector<std::string>{"12345", "c", "a", "b"}));
  EXPECT_EQ(l.Length(), 0u);
  l.Destroy();
}

TEST(ListValue, ConvertsAtCountLimitAndBackAtHalf) {
  constexpr int kFill = 8;
  ListValue l = ListValue::Create();
  for (int i = 0; i < kFill; ++i) l.Push(std::to_string(i), ListEnd::kTail, kFill);
  EXPECT_EQ(l.encoding(), kListListpack);
  l.Push("x", ListEnd::kTail, kFill);
  EXPECT_EQ(l.encoding(), kListQuicklist);
  auto ignore = [](std::string_view) {};
  l.Pop(ListEnd::kTail, 1, kFill, ignore);  // 8 left in one node: above half
  EXPECT_EQ(l.encoding(), kListQuicklist);
  l.Pop(ListEnd::kTail, 3, kFill, ignore);  // 5 left
  EXPECT_EQ(l.encoding(), kListQuicklist);
  l.Pop(ListEnd::kTail, 1, kFill, ignore);  // 4 = half
  EXPECT_EQ(l.encoding(), kListListpack);
  EXPECT_EQ(All(l), (std::vector<std::string>{"0", "1", "2", "3"}));
  l.Destroy();
}

TEST(ListValue, ConvertsAtByteLimit) {
  ListValue l = ListValue::Create();
  std::string big(1000, 'x');
  for (int i = 0; i < 4; ++i) l.Push(big, ListEnd::kTail, -1);  // ~4 KB
  EXPECT_EQ(l.encoding(), kListListpack);
  l.Push(big, ListEnd::kTail, -1);
  EXPECT_EQ(l.encoding(), kListQuicklist);
  EXPECT_EQ(static_cast<Quicklist*>(l.pointer())->node_count(), 2u);
  l.Trim(0, 4, -1);  // one 1 KB element in one node
  EXPECT_EQ(l.encoding(), kListListpack);
  EXPECT_EQ(l.Length(), 1u);
  l.Destroy();
}

TEST(ListValue, ElementBiggerThanANode) {
  ListValue l = ListValue::Create();
  std::string huge(100000, 'h');
  l.Push("a", ListEnd::kTail, -2);
  l.Push(huge, ListEnd::kTail, -2);
  l.Push("b", ListEnd::kTail, -2);
  EXPECT_EQ(l.encoding(), kListQuicklist);
  EXPECT_EQ(All(l), (std::vector<std::string>{"a", huge, "b"}));
  EXPECT_TRUE(l.Insert(huge, huge, lp::Where::kBefore, -2));
  EXPECT_TRUE(l.Set(0, huge, -2));
  EXPECT_EQ(All(l), (std::vector<std::string>{huge, huge, huge, "b"}));
  EXPECT_EQ(l.Remove(huge, 0, -2), 3u);
  EXPECT_EQ(All(l), (std::vector<std::string>{"b"}));
  EXPECT_EQ(l.encoding(), kListListpack);
  l.Destroy();
}

TEST(ListValue, IntegersMatchTheirCanonicalForm) {
  ListValue l = ListValue::Create();
  for (const char* s : {"10", "010", "-5", "abc", "10", "9223372036854775807"}) {
    l.Push(s, ListEnd::kTail, -2);
  }
  EXPECT_EQ(l.Remove("10", 0, -2), 2u);
  EXPECT_EQ(All(l), (std::vector<std::string>{"010", "-5", "abc", "9223372036854775807"}));
  EXPECT_TRUE(l.Insert("-5", "x", lp::Where::kAfter, -2));
  EXPECT_FALSE(l.Insert("5", "x", lp::Where::kAfter, -2));
  EXPECT_EQ(All(l), (std::vector<std::string>{"010", "-5", "x", "abc", "9223372036854775807"}));
  l.Destroy();
}

TEST(ListValue, CloneIsDeep) {
  for (int fill : {-2, 4}) {
    ListValue l = ListValue::Create();
    for (int i = 0; i < 100; ++i) l.Push("v" + std::to_string(i), ListEnd::kTail, fill);
    ListValue c = l.Clone();
    EXPECT_EQ(c.encoding(), l.encoding());
    EXPECT_NE(c.pointer(), l.pointer());
    EXPECT_EQ(All(c), All(l));
    EXPECT_GT(c.AllocatedBytes(), 0u);
    l.Destroy();
    EXPECT_EQ(c.Length(), 100u);
    c.Destroy();
  }
}

// Random operations at several fills, checked after each step against a deque.
class ListModelTest : public ::testing::TestWithParam<int> {};

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
  const int fill = GetParam();
  std::mt19937_64 rng(static_cast<uint64_t>(fill + 1000));
  ListValue l = ListValue::Create();
  std::deque<std::string> d;
  size_t to_quicklist = 0, to_listpack = 0, max_len = 0;
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
        l.Push(s, head ? ListEnd::kHead : ListEnd::kTail, fill);
        head ? d.push_front(s) : d.push_back(s);
      }
    } else if (op < 45) {  // pop some
      size_t count = rng() % (shrinking ? 17 : 5);
      bool head = rng() % 2;
      std::vector<std::string> got;
      size_t n = l.Pop(head ? ListEnd::kHead : ListEnd::kTail, count, fill,
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
      bool ok = l.Set(any_index, s, fill);
      ASSERT_EQ(ok, i >= 0 && i < len);
      if (ok) d[static_cast<size_t>(i)] = s;
    } else if (op < 72) {  // insert
      std::string pivot = RandomElement(rng), s = RandomElement(rng);
      if (len > 0 && rng() % 2) pivot = d[rng() % d.size()];
      bool after = rng() % 2;
      bool ok = l.Insert(pivot, s, after ? lp::Where::kAfter : lp::Where::kBefore, fill);
      auto it = std::find(d.begin(), d.end(), pivot);
      ASSERT_EQ(ok, it != d.end());
      if (ok) d.insert(after ? it + 1 : it, s);
    } else if (op < 80) {  // remove
      std::string s = len > 0 && rng() % 2 ? d[rng() % d.size()] : RandomElement(rng);
      int64_t count = static_cast<int64_t>(rng() % 5) - 2;
      size_t removed = l.Remove(s, count, fill);
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
      l.Trim(h, t, fill);
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
  ListValue c = l.Clone();
  Check(c, d);
  c.Destroy();
  l.Destroy();
}

INSTANTIATE_TEST_SUITE_P(Fills, ListModelTest, ::testing::Values(-2, -1, -5, 1, 3, 16, 128));

TEST(ListValue, BigListTrimAndIndex) {
  ListValue l = ListValue::Create();
  std::deque<std::string> d;
  for (int i = 0; i < 100000; ++i) {
    std::string s = i % 3 ? "item:" + std::to_string(i) : std::to_string(i);
    l.Push(s, ListEnd::kTail, -2);
    d.push_back(s);
  }
  EXPECT_EQ(l.encoding(), kListQuicklist);
  std::string got;
  for (int64_t i : {0, 1, 50000, 99999, -1, -100000}) {
    ASSERT_TRUE(l.Index(i, [&](std::string_view s) { got = s; }));
    EXPECT_EQ(got, d[static_cast<size_t>(i < 0 ? i + 100000 : i)]);
  }
  EXPECT_FALSE(l.Index(100000, [](std::string_view) {}));
  l.Trim(1000, 2000, -2);
  d.erase(d.begin(), d.begin() + 1000);
  d.erase(d.end() - 2000, d.end());
  Check(l, d);
  EXPECT_EQ(l.Remove("item:5000", 0, -2), 1u);
  d.erase(std::find(d.begin(), d.end(), "item:5000"));
  Check(l, d);
  l.Destroy();
}

}  // namespace
}  // namespace cinnabar::core

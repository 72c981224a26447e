// Quicklist on its own: node limits, inserts at node edges and in full nodes, deletes across
// nodes, seeks from both ends, checked against a std::deque at tiny fills (many nodes).

#include "core/quicklist.h"

#include <gtest/gtest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

namespace cinnabar::core {
namespace {

std::vector<std::string> All(const Quicklist& q) {
  std::vector<std::string> out;
  IntBuffer scratch;
  for (Quicklist::Pos p = q.Seek(0); p; p = Quicklist::Next(p)) {
    out.emplace_back(lp::GetString(p.p, &scratch));
  }
  return out;
}

std::vector<std::string> AllBackwards(const Quicklist& q) {
  std::vector<std::string> out;
  IntBuffer scratch;
  for (Quicklist::Pos p = q.Seek(-1); p; p = Quicklist::Prev(p)) {
    out.emplace_back(lp::GetString(p.p, &scratch));
  }
  return {out.rbegin(), out.rend()};
}

// Structure and content, and every node within the limit unless it holds one element.
void Check(const Quicklist& q, const std::deque<std::string>& d, int fill) {
  size_t total = 0, nodes = 0;
  const Quicklist::Node* prev = nullptr;
  for (const Quicklist::Node* n = q.head(); n != nullptr; n = n->next) {
    ASSERT_EQ(n->prev, prev);
    ASSERT_GT(n->count, 0u);
    ASSERT_EQ(lp::Length(n->lp), n->count);
    if (n->count > 1) {
      ASSERT_FALSE(NodeExceedsLimit(fill, lp::Bytes(n->lp), n->count));
    }
    total += n->count;
    ++nodes;
    prev = n;
  }
  ASSERT_EQ(q.tail(), prev);
  ASSERT_EQ(total, q.count());
  ASSERT_EQ(nodes, q.node_count());
  std::vector<std::string> expect(d.begin(), d.end());
  ASSERT_EQ(All(q), expect);
  ASSERT_EQ(AllBackwards(q), expect);
}

TEST(Quicklist, PushesFillNodesToTheLimit) {
  Quicklist q;
  for (int i = 0; i < 10; ++i) q.PushTail(std::to_string(i), 3);
  EXPECT_EQ(q.node_count(), 4u);  // 3 + 3 + 3 + 1
  EXPECT_EQ(q.head()->count, 3u);
  EXPECT_EQ(q.tail()->count, 1u);
  q.PushHead("h", 3);
  EXPECT_EQ(q.node_count(), 5u);
  EXPECT_EQ(q.head()->count, 1u);
}

TEST(Quicklist, InsertAtAFullNodesEdgeUsesTheNeighbour) {
  Quicklist q;
  for (int i = 0; i < 4; ++i) q.PushTail(std::to_string(i), 2);  // [0 1] [2 3]
  q.PopTail([](std::string_view) {});                              // [0 1] [2]
  q.Insert(q.Seek(1), "x", lp::Where::kAfter, 2);                  // [0 1] [x 2]
  EXPECT_EQ(q.node_count(), 2u);
  EXPECT_EQ(All(q), (std::vector<std::string>{"0", "1", "x", "2"}));
  q.Insert(q.Seek(2), "y", lp::Where::kBefore, 2);  // both full: a node of its own
  EXPECT_EQ(q.node_count(), 3u);
  EXPECT_EQ(All(q), (std::vector<std::string>{"0", "1", "y", "x", "2"}));
}

TEST(Quicklist, InsertInsideAFullNodeSplitsIt) {
  Quicklist q;
  for (int i = 0; i < 4; ++i) q.PushTail(std::to_string(i), 4);
  q.Insert(q.Seek(1), "mid", lp::Where::kAfter, 4);
  EXPECT_EQ(q.node_count(), 2u);
  EXPECT_EQ(All(q), (std::vector<std::string>{"0", "1", "mid", "2", "3"}));
}

TEST(Quicklist, DeleteRangeAcrossNodes) {
  Quicklist q;
  std::deque<std::string> d;
  for (int i = 0; i < 20; ++i) {
    q.PushTail(std::to_string(i), 3);
    d.push_back(std::to_string(i));
  }
  q.DeleteRange(2, 10);  // part of the first node, whole nodes, part of another
  d.erase(d.begin() + 2, d.begin() + 12);
  Check(q, d, 3);
  q.DeleteRange(5, 100);  // clipped at the end
  d.erase(d.begin() + 5, d.end());
  Check(q, d, 3);
  q.DeleteRange(0, 5);
  EXPECT_EQ(q.count(), 0u);
  EXPECT_EQ(q.node_count(), 0u);
  EXPECT_EQ(q.head(), nullptr);
}

TEST(Quicklist, FromAndBackToListpack) {
  uint8_t* lp = lp::New();
  for (const char* s : {"a", "b", "c"}) lp = lp::Append(lp, s);
  Quicklist* q = Quicklist::FromListpack(lp);
  EXPECT_EQ(q->count(), 3u);
  EXPECT_EQ(q->node_count(), 1u);
  uint8_t* back = q->ReleaseListpack();
  EXPECT_EQ(back, lp);
  EXPECT_EQ(q->count(), 0u);
  delete q;
  lp::Free(back);
  Quicklist* empty = Quicklist::FromListpack(lp::New());
  EXPECT_EQ(empty->node_count(), 0u);
  uint8_t* fresh = empty->ReleaseListpack();
  EXPECT_EQ(lp::Length(fresh), 0u);
  lp::Free(fresh);
  delete empty;
}

class QuicklistModelTest : public ::testing::TestWithParam<int> {};

TEST_P(QuicklistModelTest, MatchesDeque) {
  const int fill = GetParam();
  std::mt19937_64 rng(static_cast<uint64_t>(fill) + 77);
  Quicklist q;
  std::deque<std::string> d;
  auto element = [&] {
    return rng() % 4 == 0 ? std::to_string(rng() % 1000) : std::string(rng() % 40 + 1, 'a');
  };
  for (int step = 0; step < 5000; ++step) {
    int op = static_cast<int>(rng() % 10);
    if (d.empty() || op < 3) {
      std::string s = element();
      if (rng() % 2) {
        q.PushHead(s, fill);
        d.push_front(s);
      } else {
        q.PushTail(s, fill);
        d.push_back(s);
      }
      continue;
    }
    size_t i = rng() % d.size();
    if (op < 5) {
      std::string s = element();
      bool after = rng() % 2;
      q.Insert(q.Seek(static_cast<int64_t>(i)), s, after ? lp::Where::kAfter : lp::Where::kBefore,
               fill);
      d.insert(d.begin() + static_cast<int64_t>(i + after), s);
    } else if (op < 6) {
      std::string s = element();
      q.Replace(q.Seek(static_cast<int64_t>(i)), s, fill);
      d[i] = s;
    } else if (op < 8) {
      Quicklist::Pos next = q.Delete(q.Seek(-1 - static_cast<int64_t>(d.size() - 1 - i)));
      d.erase(d.begin() + static_cast<int64_t>(i));
      IntBuffer scratch;
      if (i < d.size()) {
        ASSERT_TRUE(next);
        ASSERT_EQ(lp::GetString(next.p, &scratch), d[i]);
      } else {
        ASSERT_FALSE(next);
      }
    } else if (op < 9) {
      size_t n = rng() % 6;
      q.DeleteRange(i, n);
      d.erase(d.begin() + static_cast<int64_t>(i),
              d.begin() + static_cast<int64_t>(std::min(d.size(), i + n)));
    } else {
      std::string got;
      q.PopHead([&](std::string_view s) { got = s; });
      ASSERT_EQ(got, d.front());
      d.pop_front();
    }
    if (step % 100 == 0) Check(q, d, fill);
  }
  Check(q, d, fill);
  Quicklist* copy = q.Clone();
  Check(*copy, d, fill);
  EXPECT_GE(copy->AllocatedBytes(), q.count());
  delete copy;
}

INSTANTIATE_TEST_SUITE_P(Fills, QuicklistModelTest, ::testing::Values(1, 2, 3, 7, -1));

}  // namespace
}  // namespace cinnabar::core

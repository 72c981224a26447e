// Quicklist on its own: node limits, inserts at node edges and in full nodes, deletes across
// nodes, seeks from both ends, list-compress-depth's plain ends and compressed inside,
// checked against a std::deque at tiny fills (many nodes) and depths 0 to 3.

#include "core/quicklist.h"

#include <gtest/gtest.h>

#include <deque>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "unit/core/quicklist_check.h"

namespace cinnabar::core {
namespace {

using testing::CheckQuicklist;

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

std::vector<std::string> AllBackwards(const Quicklist& q) {
  std::vector<std::string> out;
  IntBuffer scratch;
  Quicklist::ReadBuffer buf;
  for (const Quicklist::Node* n = q.tail(); n != nullptr; n = n->prev) {
    uint8_t* lp = Quicklist::Listpack(n, &buf);
    for (uint8_t* p = lp::Last(lp); p != nullptr; p = lp::Prev(lp, p)) {
      out.emplace_back(lp::GetString(p, &scratch));
    }
  }
  return {out.rbegin(), out.rend()};
}

// The element at `index`, found through Locate.
std::string At(const Quicklist& q, size_t index) {
  Quicklist::Location at = q.Locate(index);
  Quicklist::ReadBuffer buf;
  IntBuffer scratch;
  return std::string(lp::GetString(lp::Seek(Quicklist::Listpack(at.node, &buf), at.offset),
                                   &scratch));
}

// Structure, compression and content, and every node within the limit unless it holds one
// element.
void Check(const Quicklist& q, const std::deque<std::string>& d, int fill) {
  CheckQuicklist(q);
  for (const Quicklist::Node* n = q.head(); n != nullptr; n = n->next) {
    if (n->count > 1) {
      ASSERT_FALSE(NodeExceedsLimit(fill, Quicklist::ListpackBytes(n), n->count));
    }
  }
  std::vector<std::string> expect(d.begin(), d.end());
  ASSERT_EQ(All(q), expect);
  ASSERT_EQ(AllBackwards(q), expect);
}

// A compressible element of about 100 bytes (one per node at fill 1).
std::string Compressible(int i) { return std::string(100, 'a' + i % 3) + std::to_string(i); }

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
  q.Insert(1, "x", lp::Where::kAfter, 2);                          // [0 1] [x 2]
  EXPECT_EQ(q.node_count(), 2u);
  EXPECT_EQ(All(q), (std::vector<std::string>{"0", "1", "x", "2"}));
  q.Insert(2, "y", lp::Where::kBefore, 2);  // both full: a node of its own
  EXPECT_EQ(q.node_count(), 3u);
  EXPECT_EQ(All(q), (std::vector<std::string>{"0", "1", "y", "x", "2"}));
}

TEST(Quicklist, InsertInsideAFullNodeSplitsIt) {
  Quicklist q;
  for (int i = 0; i < 4; ++i) q.PushTail(std::to_string(i), 4);
  q.Insert(1, "mid", lp::Where::kAfter, 4);
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

TEST(Quicklist, DeleteMatchingFromEitherEnd) {
  Quicklist q(1);
  std::deque<std::string> d;
  for (int i = 0; i < 30; ++i) {
    std::string s = i % 4 == 0 ? "x" : Compressible(i);
    q.PushTail(s, 2);
    d.push_back(s);
  }
  auto is_x = [](const uint8_t* p) { return lp::Equals(p, "x"); };
  EXPECT_EQ(q.DeleteMatching(is_x, 2, true), 2u);  // the last two: 28 and 24
  d.erase(d.begin() + 28);
  d.erase(d.begin() + 24);
  Check(q, d, 2);
  EXPECT_EQ(q.DeleteMatching(is_x, 1, false), 1u);  // the first: 0
  d.pop_front();
  Check(q, d, 2);
  EXPECT_EQ(q.DeleteMatching(is_x, 0, false), 5u);  // 4 8 .. 20
  std::erase(d, "x");
  Check(q, d, 2);
  EXPECT_EQ(q.DeleteMatching(is_x, 0, true), 0u);
}

TEST(Quicklist, FromAndBackToListpack) {
  uint8_t* lp = lp::New();
  for (const char* s : {"a", "b", "c"}) lp = lp::Append(lp, s);
  Quicklist* q = Quicklist::FromListpack(lp, 1);
  EXPECT_EQ(q->count(), 3u);
  EXPECT_EQ(q->node_count(), 1u);
  uint8_t* back = q->ReleaseListpack();
  EXPECT_EQ(back, lp);
  EXPECT_EQ(q->count(), 0u);
  delete q;
  lp::Free(back);
  Quicklist* empty = Quicklist::FromListpack(lp::New(), 0);
  EXPECT_EQ(empty->node_count(), 0u);
  uint8_t* fresh = empty->ReleaseListpack();
  EXPECT_EQ(lp::Length(fresh), 0u);
  lp::Free(fresh);
  delete empty;
}

// --- list-compress-depth ---

// Which nodes are compressed, from the head: "-" plain, "z" compressed.
std::string Shape(const Quicklist& q) {
  std::string out;
  for (const Quicklist::Node* n = q.head(); n != nullptr; n = n->next) {
    out += n->compressed ? 'z' : '-';
  }
  return out;
}

TEST(QuicklistCompression, DepthKeepsThatManyNodesPlainAtEachEnd) {
  for (int depth : {1, 2}) {
    Quicklist q(depth);
    std::string expect;
    for (int i = 0; i < 8; ++i) {
      q.PushTail(Compressible(i), 1);  // one ~100-byte node per element
      size_t nodes = q.node_count();
      expect.clear();
      for (size_t k = 0; k < nodes; ++k) {
        bool inside = k >= static_cast<size_t>(depth) && k + depth < nodes;
        expect += inside ? 'z' : '-';
      }
      EXPECT_EQ(Shape(q), expect) << "depth " << depth << ", " << nodes << " nodes";
    }
    EXPECT_EQ(q.compressed_node_count(), 8u - 2 * static_cast<size_t>(depth));
    // Pushing at the head moves a plain node inside; popping there brings one back out.
    q.PushHead(Compressible(100), 1);
    CheckQuicklist(q);
    EXPECT_EQ(q.compressed_node_count(), 9u - 2 * static_cast<size_t>(depth));
    for (int i = 0; i < 6; ++i) q.PopHead([](std::string_view) {});
    CheckQuicklist(q);
    EXPECT_EQ(Shape(q), depth == 1 ? "-z-" : "---");
  }
}

TEST(QuicklistCompression, DepthZeroCompressesNothing) {
  Quicklist q(0);
  for (int i = 0; i < 20; ++i) q.PushTail(Compressible(i), 1);
  EXPECT_EQ(q.compressed_node_count(), 0u);
  EXPECT_EQ(Shape(q), std::string(20, '-'));
}

TEST(QuicklistCompression, SmallAndIncompressibleNodesStayPlain) {
  Quicklist small(1);
  for (int i = 0; i < 20; ++i) small.PushTail("abc" + std::to_string(i), 1);  // < 48 bytes
  EXPECT_EQ(small.compressed_node_count(), 0u);
  CheckQuicklist(small);

  // Random bytes do not shrink by more than 8 bytes.
  std::mt19937_64 rng(7);
  Quicklist noise(1);
  for (int i = 0; i < 10; ++i) {
    std::string s(200, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    noise.PushTail(s, 1);
  }
  EXPECT_EQ(noise.compressed_node_count(), 0u);
  CheckQuicklist(noise);
}

TEST(QuicklistCompression, CompressedNodesCountCompressedAndRead) {
  // On the heap: AllocatedBytes measures the quicklist's own allocation too.
  auto plain = std::make_unique<Quicklist>(0), packed = std::make_unique<Quicklist>(1);
  std::deque<std::string> d;
  for (int i = 0; i < 2000; ++i) {
    std::string s = "item:" + std::string(40, 'q') + std::to_string(i % 10);
    plain->PushTail(s, -2);
    packed->PushTail(s, -2);
    d.push_back(s);
  }
  Check(*packed, d, -2);
  EXPECT_EQ(packed->compressed_node_count(), packed->node_count() - 2);
  EXPECT_LT(packed->AllocatedBytes() * 3, plain->AllocatedBytes());
  // Reading leaves compressed nodes compressed.
  EXPECT_EQ(At(*packed, 1000), d[1000]);
  EXPECT_EQ(packed->compressed_node_count(), packed->node_count() - 2);
  std::unique_ptr<Quicklist> copy(packed->Clone());
  Check(*copy, d, -2);
  EXPECT_EQ(copy->compressed_node_count(), packed->compressed_node_count());
  // The same up to allocator rounding (a copied listpack has no room to grow).
  EXPECT_NEAR(static_cast<double>(copy->AllocatedBytes()),
              static_cast<double>(packed->AllocatedBytes()), packed->AllocatedBytes() * 0.05);
}

TEST(QuicklistCompression, ChangesInsideCompressedNodesRecompressThem) {
  Quicklist q(1);
  std::deque<std::string> d;
  for (int i = 0; i < 500; ++i) {
    q.PushTail(Compressible(i), -2);
    d.push_back(Compressible(i));
  }
  size_t compressed = q.compressed_node_count();
  ASSERT_GT(compressed, 3u);
  q.Replace(250, "replaced", -2);
  d[250] = "replaced";
  q.Insert(100, "inserted", lp::Where::kAfter, -2);
  d.insert(d.begin() + 101, "inserted");
  q.DeleteRange(300, 3);
  d.erase(d.begin() + 300, d.begin() + 303);
  Check(q, d, -2);
  // A big replacement splits a compressed node; the parts are compressed too.
  compressed = q.compressed_node_count();
  q.Replace(200, std::string(20000, 'b'), -2);
  d[200] = std::string(20000, 'b');
  Check(q, d, -2);
  EXPECT_GT(q.compressed_node_count(), compressed);
}

TEST(QuicklistCompression, AppendedNodesAreCompressedAsTheyCome) {
  Quicklist q(2);
  std::deque<std::string> d;
  for (int n = 0; n < 7; ++n) {
    uint8_t* lp = lp::New();
    for (int i = 0; i < 5; ++i) {
      lp = lp::Append(lp, Compressible(n * 5 + i));
      d.push_back(Compressible(n * 5 + i));
    }
    q.AppendNode(lp);
    CheckQuicklist(q);
  }
  EXPECT_EQ(Shape(q), "--zzz--");
  Check(q, d, -2);
}

// --- Against a deque: random operations at (fill, depth) ---

class QuicklistModelTest : public ::testing::TestWithParam<std::tuple<int, int>> {};

TEST_P(QuicklistModelTest, MatchesDeque) {
  const auto [fill, depth] = GetParam();
  std::mt19937_64 rng(static_cast<uint64_t>(fill * 10 + depth) + 77);
  Quicklist q(depth);
  std::deque<std::string> d;
  size_t max_compressed = 0, max_len = 0;
  auto element = [&] {
    switch (rng() % 4) {
      case 0: return std::to_string(rng() % 1000);
      case 1: return std::string(rng() % 40 + 1, 'a');
      case 2: return Compressible(static_cast<int>(rng() % 50));
      default: return std::string(1, static_cast<char>('a' + rng() % 3));
    }
  };
  for (int step = 0; step < 6000; ++step) {
    // Growing and shrinking phases, so the list gets long (many nodes inside the depth)
    // and short again.
    bool growing = (step / 1500) % 2 == 0;
    int op = static_cast<int>(rng() % 14);
    if (d.empty() || op < 3 || op > 10) {
      for (size_t n = growing ? 1 + rng() % 8 : op > 10 ? 0 : 1; n > 0; --n) {
        std::string s = element();
        if (rng() % 2) {
          q.PushHead(s, fill);
          d.push_front(s);
        } else {
          q.PushTail(s, fill);
          d.push_back(s);
        }
      }
      max_compressed = std::max(max_compressed, q.compressed_node_count());
      max_len = std::max(max_len, d.size());
      continue;
    }
    size_t i = rng() % d.size();
    if (op < 5) {
      std::string s = element();
      bool after = rng() % 2;
      q.Insert(i, s, after ? lp::Where::kAfter : lp::Where::kBefore, fill);
      d.insert(d.begin() + static_cast<int64_t>(i + after), s);
    } else if (op < 6) {
      std::string s = element();
      q.Replace(i, s, fill);
      d[i] = s;
    } else if (op < 8) {
      ASSERT_EQ(At(q, i), d[i]);
      q.DeleteRange(i, 1);
      d.erase(d.begin() + static_cast<int64_t>(i));
      if (i < d.size()) {
        ASSERT_EQ(At(q, i), d[i]);
      }
    } else if (op < 9) {
      size_t n = rng() % 6;
      q.DeleteRange(i, n);
      d.erase(d.begin() + static_cast<int64_t>(i),
              d.begin() + static_cast<int64_t>(std::min(d.size(), i + n)));
    } else if (op < 10) {
      std::string target = d[i];
      size_t limit = rng() % 3;
      bool from_tail = rng() % 2;
      size_t deleted = q.DeleteMatching(
          [&](const uint8_t* p) { return lp::Equals(p, target); }, limit, from_tail);
      size_t expect = 0;
      auto more = [&] { return limit == 0 || expect < limit; };
      auto erase = [&](size_t j) {
        d.erase(d.begin() + static_cast<int64_t>(j));
        ++expect;
      };
      if (from_tail) {
        for (size_t j = d.size(); j-- > 0 && more();) {
          if (d[j] == target) erase(j);
        }
      } else {
        for (size_t j = 0; j < d.size() && more();) {
          if (d[j] == target) {
            erase(j);
          } else {
            ++j;
          }
        }
      }
      ASSERT_EQ(deleted, expect);
    } else {
      std::string got;
      if (rng() % 2) {
        q.PopHead([&](std::string_view s) { got = s; });
        ASSERT_EQ(got, d.front());
        d.pop_front();
      } else {
        q.PopTail([&](std::string_view s) { got = s; });
        ASSERT_EQ(got, d.back());
        d.pop_back();
      }
    }
    if (step % 100 == 0) Check(q, d, fill);
    max_compressed = std::max(max_compressed, q.compressed_node_count());
  }
  Check(q, d, fill);
  // The walk had compressed nodes to go through whenever the depth allows them.
  EXPECT_EQ(max_compressed > 0, depth > 0) << max_compressed;
  EXPECT_GT(max_len, 500u);
  Quicklist* copy = q.Clone();
  Check(*copy, d, fill);
  EXPECT_GE(copy->AllocatedBytes(), q.node_count());
  delete copy;
}

INSTANTIATE_TEST_SUITE_P(FillsAndDepths, QuicklistModelTest,
                         ::testing::Values(std::tuple{1, 0}, std::tuple{2, 0}, std::tuple{3, 0},
                                           std::tuple{7, 0}, std::tuple{-1, 0},
                                           std::tuple{1, 1}, std::tuple{2, 1}, std::tuple{3, 2},
                                           std::tuple{7, 3}, std::tuple{1, 3},
                                           std::tuple{-1, 1}, std::tuple{2, 2}));

}  // namespace
}  // namespace cinnabar::core

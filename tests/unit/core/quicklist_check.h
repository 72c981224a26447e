// A quicklist's invariants, for the quicklist and list value tests: linked both ways, no
// empty node, counts that add up, every node's listpack (decompressed if need be) holding
// its count, and list-compress-depth's rule: the nodes within the depth of either end
// plain, every other node compressed exactly when LZF saves more than 8 bytes of a node
// of at least 48 (Redis's MIN_COMPRESS_IMPROVE and MIN_COMPRESS_BYTES).
#pragma once

#include <gtest/gtest.h>
#include <liblzf/lzf.h>

#include <vector>

#include "core/quicklist.h"

namespace cinnabar::core::testing {

// Whether the quicklist should hold `lp` compressed when it is inside the depth.
inline bool WorthCompressing(const uint8_t* lp) {
  size_t bytes = lp::Bytes(lp);
  if (bytes < 48) return false;
  // Kept when the stream + 8 < bytes: at most bytes - 9, and lzf_compress fails past it.
  std::vector<char> out(bytes);
  unsigned n = lzf_compress(lp, static_cast<unsigned>(bytes), out.data(),
                            static_cast<unsigned>(bytes - 9));
  return n != 0;
}

inline void CheckQuicklist(const Quicklist& q) {
  std::vector<const Quicklist::Node*> nodes;
  size_t total = 0;
  const Quicklist::Node* prev = nullptr;
  for (const Quicklist::Node* n = q.head(); n != nullptr; n = n->next) {
    ASSERT_EQ(n->prev, prev);
    ASSERT_GT(n->count, 0u);
    total += n->count;
    nodes.push_back(n);
    prev = n;
  }
  ASSERT_EQ(q.tail(), prev);
  ASSERT_EQ(total, q.count());
  ASSERT_EQ(nodes.size(), q.node_count());
  size_t depth = static_cast<size_t>(q.compress_depth()), compressed = 0;
  Quicklist::ReadBuffer buf;
  for (size_t i = 0; i < nodes.size(); ++i) {
    const Quicklist::Node* n = nodes[i];
    uint8_t* lp = Quicklist::Listpack(n, &buf);
    ASSERT_EQ(lp::Length(lp), n->count);
    ASSERT_EQ(Quicklist::ListpackBytes(n), lp::Bytes(lp));
    bool inside = depth > 0 && i >= depth && i + depth < nodes.size();
    if (inside) {
      ASSERT_EQ(n->compressed, WorthCompressing(lp))
          << "node " << i << " of " << nodes.size() << ", " << lp::Bytes(lp) << " bytes";
    } else {
      ASSERT_FALSE(n->compressed) << "node " << i << " of " << nodes.size() << " at depth "
                                  << depth;
    }
    compressed += n->compressed;
  }
  ASSERT_EQ(compressed, q.compressed_node_count());
}

}  // namespace cinnabar::core::testing

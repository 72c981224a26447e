// Quicklist: the encoding of lists too big for one listpack, a doubly linked chain of
// listpack nodes (Redis's quicklist, without compression). Pushing and popping at either end
// costs O(1) plus a memmove inside one bounded node; index access walks the nodes from the
// nearer end, skipping whole nodes by their element counts.
//
// Node size is bounded by `fill`, the list-max-listpack-size directive (Redis 7.2 rules):
// positive N allows N elements per node (and at most 8 KB, Redis's safety limit), 0 counts
// as 1, and -1..-5 allow 4, 8, 16, 32 or 64 KB per node (below -5 counts as -5). An element
// larger than the limit gets a node of its own. `fill` is passed to each change rather than
// stored, so CONFIG SET applies to lists that already exist.
//
// Not thread-safe: only the thread that holds the owning key's shard touches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/function_ref.h"
#include "core/listpack.h"

namespace cinnabar::core {

// What one node may hold under `fill`: bytes (SIZE_MAX when counted in elements) and
// elements (SIZE_MAX when counted in bytes).
struct NodeLimit {
  size_t bytes;
  size_t count;
};
NodeLimit NodeLimitFor(int fill);
// Whether a listpack of `bytes` bytes holding `count` elements is over the limit `fill`.
bool NodeExceedsLimit(int fill, size_t bytes, size_t count);

class Quicklist {
 public:
  struct Node {
    Node* prev = nullptr;
    Node* next = nullptr;
    uint8_t* lp = nullptr;
    uint32_t count = 0;  // elements in lp
  };

  // A place in the list: a node and an element of its listpack. Valid until the next change
  // unless a function says otherwise.
  struct Pos {
    Node* node = nullptr;
    uint8_t* p = nullptr;
    explicit operator bool() const { return p != nullptr; }
  };

  Quicklist() = default;
  Quicklist(const Quicklist&) = delete;
  Quicklist& operator=(const Quicklist&) = delete;
  ~Quicklist();

  // A quicklist whose only node is `lp` (ownership moves; may be empty, then no node).
  static Quicklist* FromListpack(uint8_t* lp);
  // REQUIRES: node_count() <= 1. Gives up the single node's listpack (a new empty one when
  // there is no node); the quicklist is left empty.
  uint8_t* ReleaseListpack();
  // A deep copy.
  Quicklist* Clone() const;
  // Adds `lp` as a new node after the tail, whatever its size (an RDB loader adopting the
  // nodes it read). Ownership moves. REQUIRES: `lp` is valid and not empty.
  void AppendNode(uint8_t* lp);

  size_t count() const { return count_; }
  size_t node_count() const { return nodes_; }
  Node* head() const { return head_; }
  Node* tail() const { return tail_; }
  // Bytes allocated for the quicklist, its nodes and their listpacks; `samples` > 0
  // estimates from the first `samples` nodes (MEMORY USAGE SAMPLES), 0 measures them all.
  size_t AllocatedBytes(size_t samples = 0) const;

  void PushHead(std::string_view s, int fill);
  void PushTail(std::string_view s, int fill);
  // Removes the first / last element after `visit` has seen it. REQUIRES: count() > 0.
  void PopHead(base::FunctionRef<void(std::string_view)> visit);
  void PopTail(base::FunctionRef<void(std::string_view)> visit);

  // The element at `index` (negative counts from the end), or an empty Pos.
  Pos Seek(int64_t index) const;
  // The element after / before `pos` in list order, or an empty Pos.
  static Pos Next(Pos pos);
  static Pos Prev(Pos pos);

  // Overwrites the element at `pos` with `s`. Invalidates positions.
  void Replace(Pos pos, std::string_view s, int fill);
  // Inserts `s` before or after the element at `pos`. Invalidates positions.
  void Insert(Pos pos, std::string_view s, lp::Where where, int fill);
  // Deletes the element at `pos`; returns the element that followed it in list order (an
  // empty Pos at the end). Other positions are invalidated.
  Pos Delete(Pos pos);
  // Deletes `n` elements starting at index `start` (0 <= start, clipped at the end).
  void DeleteRange(size_t start, size_t n);

 private:
  Node* NewNode(uint8_t* lp, uint32_t count);
  void LinkAfter(Node* at, Node* node);  // at == null: becomes the head
  void Unlink(Node* node);               // and frees it
  bool AllowsInsert(const Node* node, std::string_view s, int fill) const;
  // Splits `node` in halves until every part is within `fill` or holds one element.
  void SplitToFit(Node* node, int fill);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t count_ = 0;  // elements
  size_t nodes_ = 0;
};

}  // namespace cinnabar::core

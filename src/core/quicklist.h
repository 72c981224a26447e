// Quicklist: the encoding of lists too big for one listpack, a doubly linked chain of
// listpack nodes (Redis's quicklist). Pushing and popping at either end costs O(1) plus a
// memmove inside one bounded node; index access walks the nodes from the nearer end,
// skipping whole nodes by their element counts.
//
// Node size is bounded by `fill`, the list-max-listpack-size directive (Redis 7.2 rules):
// positive N allows N elements per node (and at most 8 KB, Redis's safety limit), 0 counts
// as 1, and -1..-5 allow 4, 8, 16, 32 or 64 KB per node (below -5 counts as -5). An element
// larger than the limit gets a node of its own. `fill` is passed to each change rather than
// stored, so CONFIG SET applies to lists that already exist.
//
// Compression (list-compress-depth, Redis's quicklist `compress`): with depth D > 0 the D
// nodes at each end stay plain listpacks and every node further in is held LZF-compressed,
// unless it is under 48 bytes or compression would not save more than 8 bytes (Redis's
// MIN_COMPRESS_BYTES and MIN_COMPRESS_IMPROVE). D is fixed when the quicklist is created
// (as Redis fixes it when it creates one), so CONFIG SET list-compress-depth applies to
// lists that become quicklists afterwards. With D >= 1 the head and tail are always plain,
// so pushes and pops never decompress. A change inside a compressed node decompresses it,
// changes it and compresses it again before returning; reads decompress into the reader's
// ReadBuffer and leave the node as it is. Every public function returns with the rule
// above holding for every node.
//
// Not thread-safe: only the thread that holds the owning key's shard touches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
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

// Redis compat (quicklist's packed_threshold, DEBUG QUICKLIST-PACKED-THRESHOLD): an element
// of at least this many bytes is a PLAIN node's only element and never shares a node
// (Redis stores it outside a listpack; here it is a one-element listpack). Process-wide;
// 1 GB unless set. Set only while every shard is held (DEBUG runs so).
inline constexpr size_t kDefaultPackedThreshold = size_t{1} << 30;
// Returns false (and changes nothing) above Redis's limit of 4 GB less 1 MB; 0 restores
// the default.
bool SetPackedThreshold(size_t bytes);
size_t PackedThreshold();
inline bool IsLargeElement(size_t bytes) { return bytes >= PackedThreshold(); }

class Quicklist {
 public:
  struct Node {
    Node* prev = nullptr;
    Node* next = nullptr;
    // The node's listpack; while `compressed`, an LZF block holding it instead (read it
    // through Quicklist::Listpack, or as stored through Quicklist::Compressed).
    uint8_t* data = nullptr;
    uint32_t count = 0;  // elements
    bool compressed = false;
    // Redis's PLAIN container: a node of one large element (IsLargeElement); nothing
    // else is added to it.
    bool large = false;
  };

  // A compressed node as stored: the LZF stream and the size of the listpack it holds
  // (what Redis's RDB writer stores as an LZF string).
  struct Lzf {
    std::string_view stream;
    size_t listpack_bytes;
  };

  // Where an element is: its node and its index inside the node.
  struct Location {
    Node* node;
    uint32_t offset;
  };

  // Room to decompress a node into for reading, reused from node to node.
  class ReadBuffer {
   public:
    ReadBuffer() = default;
    ReadBuffer(const ReadBuffer&) = delete;
    ReadBuffer& operator=(const ReadBuffer&) = delete;
    ~ReadBuffer();
    // At least `bytes` bytes, valid until the next call or the buffer's end.
    uint8_t* Reserve(size_t bytes);

   private:
    uint8_t* buf_ = nullptr;
    size_t capacity_ = 0;
  };

  // `compress_depth` is list-compress-depth: 0 compresses nothing.
  explicit Quicklist(int compress_depth = 0);
  Quicklist(const Quicklist&) = delete;
  Quicklist& operator=(const Quicklist&) = delete;
  ~Quicklist();

  // A quicklist whose only node is `lp` (ownership moves; may be empty, then no node).
  static Quicklist* FromListpack(uint8_t* lp, int compress_depth);
  // REQUIRES: node_count() <= 1. Gives up the single node's listpack (a new empty one when
  // there is no node); the quicklist is left empty.
  uint8_t* ReleaseListpack();
  // A deep copy, with the same depth and the same nodes compressed.
  Quicklist* Clone() const;
  // Adds `lp` as a new node after the tail, whatever its size (an RDB loader adopting the
  // nodes it read), compressing the node the depth now puts inside. Ownership moves.
  // REQUIRES: `lp` is valid and not empty.
  void AppendNode(uint8_t* lp);

  size_t count() const { return count_; }
  size_t node_count() const { return nodes_; }
  size_t compressed_node_count() const { return compressed_nodes_; }
  int compress_depth() const { return static_cast<int>(depth_); }
  Node* head() const { return head_; }
  Node* tail() const { return tail_; }
  // Bytes allocated for the quicklist, its nodes and their listpacks or LZF blocks (a
  // compressed node counts compressed); `samples` > 0 estimates from the first `samples`
  // nodes (MEMORY USAGE SAMPLES), 0 measures them all.
  size_t AllocatedBytes(size_t samples = 0) const;

  // The listpack of `node` for reading: the node's own while it is plain, else `node`
  // decompressed into `buf` (valid until `buf` is used again). The node is not changed.
  static uint8_t* Listpack(const Node* node, ReadBuffer* buf);
  // REQUIRES: node->compressed.
  static Lzf Compressed(const Node* node);
  // The size of `node`'s listpack (decompressed, if it is compressed).
  static size_t ListpackBytes(const Node* node);

  // DEBUG QUICKLIST: the layout, node by node (and each node's listpack when `full`), in
  // the shape of Redis's quicklistRepr; `fill` is list-max-listpack-size.
  void Repr(int fill, bool full, std::string* out) const;

  // The node and offset of the element at `index`. REQUIRES: index < count().
  Location Locate(size_t index) const;

  void PushHead(std::string_view s, int fill);
  void PushTail(std::string_view s, int fill);
  // Removes the first / last element after `visit` has seen it. REQUIRES: count() > 0.
  void PopHead(base::FunctionRef<void(std::string_view)> visit);
  void PopTail(base::FunctionRef<void(std::string_view)> visit);

  // Overwrites the element at `index` with `s`. REQUIRES: index < count().
  void Replace(size_t index, std::string_view s, int fill);
  // Inserts `s` before or after the element at `index`. REQUIRES: index < count().
  void Insert(size_t index, std::string_view s, lp::Where where, int fill);
  // Deletes the elements `match` accepts (it sees each element's listpack position), at
  // most `limit` of them (0 = no limit), nearest the head first, or nearest the tail when
  // `from_tail`. Returns how many it deleted.
  size_t DeleteMatching(base::FunctionRef<bool(const uint8_t*)> match, size_t limit,
                        bool from_tail);
  // Deletes `n` elements starting at index `start` (0 <= start, clipped at the end).
  void DeleteRange(size_t start, size_t n);

 private:
  Node* NewNode(uint8_t* lp, uint32_t count);
  void LinkAfter(Node* at, Node* node);  // at == null: becomes the head
  void Unlink(Node* node);               // and frees it
  bool AllowsInsert(const Node* node, std::string_view s, int fill) const;
  // Deletes the element at `p` of the plain node `n`, unlinking `n` if it empties.
  void DeleteElement(Node* n, uint8_t* p);
  // Splits the plain `node` in halves until every part is within `fill` or holds one
  // element. Returns how many nodes it added after `node`.
  size_t SplitToFit(Node* node, int fill);

  // A new node holding only `s` (large when IsLargeElement), linked after `at` (null: as
  // the head).
  Node* LinkElementAfter(Node* at, std::string_view s);
  // Puts the large element `s` in a node of its own at offset `offset` (0..count) of the
  // uncompressed `n`, splitting `n` when the offset is inside it; updates compression.
  void InsertLarge(Node* n, uint32_t offset, std::string_view s);
  // Moves the elements of `n` from `offset` on into a new node after it.
  void SplitAt(Node* n, uint32_t offset);

  // Replaces a node's listpack by its LZF block when that is allowed and pays, and back.
  void Compress(Node* node);
  void Decompress(Node* node);
  // Redis compat (__quicklistCompress): restores the depth rule after a change. Plain
  // nodes within the depth at both ends, `changed` (may be null) compressed unless it is
  // within them, and the `shifted` nodes just inside each end's depth compressed (nodes
  // just linked in move that many from an end's depth to the inside).
  void UpdateCompression(Node* changed, size_t shifted = 1);
  // After `node` changed and `added` nodes were linked in after it.
  void UpdateCompressionOfRun(Node* node, size_t added);

  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  size_t count_ = 0;  // elements
  size_t nodes_ = 0;
  size_t compressed_nodes_ = 0;
  uint32_t depth_ = 0;  // list-compress-depth
};

}  // namespace cinnabar::core

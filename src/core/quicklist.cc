#include "core/quicklist.h"

#include <liblzf/lzf.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/memory.h"

namespace cinnabar::core {
namespace {

// Redis compat (quicklist.c): the per-node byte limits of fills -1..-5, and the byte cap
// that also applies when the fill counts elements.
constexpr size_t kNodeBytes[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kSafetyLimit = 8192;

// Redis compat (quicklist.c): MIN_COMPRESS_BYTES, and MIN_COMPRESS_IMPROVE (a compressed
// node is kept only when its stream plus this is still under the listpack's size).
constexpr size_t kMinCompressBytes = 48;
constexpr size_t kMinCompressImprove = 8;

// A compressed node's block: this header (copied in and out, the block being raw bytes),
// then the LZF stream.
struct LzfHeader {
  uint32_t listpack_bytes;
  uint32_t stream_bytes;
};

LzfHeader ReadHeader(const uint8_t* block) {
  LzfHeader h;
  std::memcpy(&h, block, sizeof(h));
  return h;
}

size_t BlockBytes(const uint8_t* block) {
  return sizeof(LzfHeader) + ReadHeader(block).stream_bytes;
}

// Decompresses `block` into `out` (room for its listpack).
void DecompressBlock(const uint8_t* block, uint8_t* out) {
  LzfHeader h = ReadHeader(block);
  unsigned got = lzf_decompress(block + sizeof(LzfHeader), h.stream_bytes, out, h.listpack_bytes);
  // Our own block: anything else is memory corruption, not bad input.
  if (got != h.listpack_bytes) std::abort();
}

void FreeData(Quicklist::Node* n) {
  if (n->compressed) {
    base::Free(n->data);
  } else {
    lp::Free(n->data);
  }
}

uint8_t* CopyData(const Quicklist::Node* n) {
  size_t bytes = n->compressed ? BlockBytes(n->data) : lp::Bytes(n->data);
  auto* out = static_cast<uint8_t*>(base::Allocate(bytes));
  std::memcpy(out, n->data, bytes);
  return out;
}

}  // namespace

namespace {
std::atomic<size_t> g_packed_threshold{kDefaultPackedThreshold};
}  // namespace

bool SetPackedThreshold(size_t bytes) {
  // Redis compat (quicklistisSetPackedThreshold): 4 GB less 1 MB at most, 0 the default.
  if (bytes > (size_t{1} << 32) - (size_t{1} << 20)) return false;
  g_packed_threshold.store(bytes == 0 ? kDefaultPackedThreshold : bytes,
                           std::memory_order_relaxed);
  return true;
}

size_t PackedThreshold() { return g_packed_threshold.load(std::memory_order_relaxed); }

NodeLimit NodeLimitFor(int fill) {
  if (fill >= 0) return {SIZE_MAX, fill == 0 ? 1 : static_cast<size_t>(fill)};
  size_t level = std::min<size_t>(static_cast<size_t>(-(static_cast<int64_t>(fill) + 1)), 4);
  return {kNodeBytes[level], SIZE_MAX};
}

bool NodeExceedsLimit(int fill, size_t bytes, size_t count) {
  NodeLimit limit = NodeLimitFor(fill);
  if (limit.bytes != SIZE_MAX) return bytes > limit.bytes;
  return bytes > kSafetyLimit || count > limit.count;
}

Quicklist::ReadBuffer::~ReadBuffer() { base::Free(buf_); }

uint8_t* Quicklist::ReadBuffer::Reserve(size_t bytes) {
  if (bytes > capacity_) {
    base::Free(buf_);
    buf_ = static_cast<uint8_t*>(base::Allocate(bytes));
    capacity_ = bytes;
  }
  return buf_;
}

Quicklist::Quicklist(int compress_depth)
    : depth_(static_cast<uint32_t>(std::max(compress_depth, 0))) {}

Quicklist::~Quicklist() {
  Node* n = head_;
  while (n != nullptr) {
    Node* next = n->next;
    FreeData(n);
    delete n;
    n = next;
  }
}

Quicklist* Quicklist::FromListpack(uint8_t* lp, int compress_depth) {
  auto* ql = new Quicklist(compress_depth);
  size_t n = lp::Length(lp);
  if (n == 0) {
    lp::Free(lp);
  } else {
    ql->LinkAfter(nullptr, ql->NewNode(lp, static_cast<uint32_t>(n)));
    ql->count_ = n;
  }
  return ql;
}

uint8_t* Quicklist::ReleaseListpack() {
  if (head_ == nullptr) return lp::New();
  Decompress(head_);  // a single node is always plain; this only makes sure
  uint8_t* lp = head_->data;
  delete head_;
  head_ = tail_ = nullptr;
  count_ = nodes_ = 0;
  return lp;
}

Quicklist* Quicklist::Clone() const {
  auto* ql = new Quicklist(static_cast<int>(depth_));
  for (Node* n = head_; n != nullptr; n = n->next) {
    Node* copy = ql->NewNode(CopyData(n), n->count);
    copy->compressed = n->compressed;
    copy->large = n->large;
    ql->LinkAfter(ql->tail_, copy);
  }
  ql->count_ = count_;
  ql->compressed_nodes_ = compressed_nodes_;
  return ql;
}

void Quicklist::AppendNode(uint8_t* lp) {
  size_t n = lp::Length(lp);
  Node* node = NewNode(lp, static_cast<uint32_t>(n));
  IntBuffer scratch;
  node->large = n == 1 && IsLargeElement(lp::GetString(lp::First(lp), &scratch).size());
  LinkAfter(tail_, node);
  count_ += n;
  UpdateCompression(tail_);
}

size_t Quicklist::AllocatedBytes(size_t samples) const {
  size_t nodes = 0, node_bytes = 0;
  for (Node* n = head_; n != nullptr && (samples == 0 || nodes < samples); n = n->next) {
    node_bytes += base::UsableSize(n) + base::UsableSize(n->data);
    ++nodes;
  }
  if (nodes > 0 && nodes < nodes_) {
    node_bytes = static_cast<size_t>(static_cast<double>(node_bytes) /
                                     static_cast<double>(nodes) * static_cast<double>(nodes_));
  }
  return base::UsableSize(this) + node_bytes;
}

uint8_t* Quicklist::Listpack(const Node* node, ReadBuffer* buf) {
  if (!node->compressed) return node->data;
  uint8_t* out = buf->Reserve(ReadHeader(node->data).listpack_bytes);
  DecompressBlock(node->data, out);
  return out;
}

Quicklist::Lzf Quicklist::Compressed(const Node* node) {
  LzfHeader h = ReadHeader(node->data);
  return {{reinterpret_cast<const char*>(node->data + sizeof(LzfHeader)), h.stream_bytes},
          h.listpack_bytes};
}

size_t Quicklist::ListpackBytes(const Node* node) {
  return node->compressed ? ReadHeader(node->data).listpack_bytes : lp::Bytes(node->data);
}

Quicklist::Location Quicklist::Locate(size_t index) const {
  if (index < count_ / 2) {
    Node* node = head_;
    while (index >= node->count) {
      index -= node->count;
      node = node->next;
    }
    return {node, static_cast<uint32_t>(index)};
  }
  // From the tail: `back` counts elements after the wanted one.
  size_t back = count_ - 1 - index;
  Node* node = tail_;
  while (back >= node->count) {
    back -= node->count;
    node = node->prev;
  }
  return {node, static_cast<uint32_t>(node->count - 1 - back)};
}

Quicklist::Node* Quicklist::NewNode(uint8_t* lp, uint32_t count) {
  Node* n = new Node();
  n->data = lp;
  n->count = count;
  return n;
}

void Quicklist::LinkAfter(Node* at, Node* node) {
  node->prev = at;
  node->next = at == nullptr ? head_ : at->next;
  if (node->next != nullptr) {
    node->next->prev = node;
  } else {
    tail_ = node;
  }
  if (at != nullptr) {
    at->next = node;
  } else {
    head_ = node;
  }
  ++nodes_;
}

void Quicklist::Unlink(Node* node) {
  if (node->prev != nullptr) {
    node->prev->next = node->next;
  } else {
    head_ = node->next;
  }
  if (node->next != nullptr) {
    node->next->prev = node->prev;
  } else {
    tail_ = node->prev;
  }
  --nodes_;
  if (node->compressed) --compressed_nodes_;
  FreeData(node);
  delete node;
}

bool Quicklist::AllowsInsert(const Node* node, std::string_view s, int fill) const {
  if (node->large || IsLargeElement(s.size())) return false;
  return !NodeExceedsLimit(fill, ListpackBytes(node) + lp::EncodedSize(s), node->count + 1);
}

// The head and tail are plain (they are within any depth >= 1) and a change to their
// contents moves no node across a depth boundary: only a new node needs the update.
void Quicklist::PushHead(std::string_view s, int fill) {
  if (head_ != nullptr && AllowsInsert(head_, s, fill)) {
    head_->data = lp::Prepend(head_->data, s);
    ++head_->count;
  } else {
    LinkElementAfter(nullptr, s);
    UpdateCompression(head_);
  }
  ++count_;
}

void Quicklist::PushTail(std::string_view s, int fill) {
  if (tail_ != nullptr && AllowsInsert(tail_, s, fill)) {
    tail_->data = lp::Append(tail_->data, s);
    ++tail_->count;
  } else {
    LinkElementAfter(tail_, s);
    UpdateCompression(tail_);
  }
  ++count_;
}

void Quicklist::PopHead(base::FunctionRef<void(std::string_view)> visit) {
  uint8_t* p = lp::First(head_->data);
  IntBuffer scratch;
  visit(lp::GetString(p, &scratch));
  DeleteElement(head_, p);
}

void Quicklist::PopTail(base::FunctionRef<void(std::string_view)> visit) {
  uint8_t* p = lp::Last(tail_->data);
  IntBuffer scratch;
  visit(lp::GetString(p, &scratch));
  DeleteElement(tail_, p);
}

void Quicklist::DeleteElement(Node* n, uint8_t* p) {
  n->data = lp::Delete(n->data, &p);
  --n->count;
  --count_;
  if (n->count == 0) {
    Unlink(n);
    UpdateCompression(nullptr);
  } else if (n != head_ && n != tail_) {
    UpdateCompression(n);
  }
}

void Quicklist::Replace(size_t index, std::string_view s, int fill) {
  Location at = Locate(index);
  Node* n = at.node;
  Decompress(n);
  uint8_t* p = lp::Seek(n->data, at.offset);
  if (IsLargeElement(s.size()) && n->count > 1) {
    // Redis compat (quicklistReplaceEntry): a large element leaves its node for its own.
    n->data = lp::Delete(n->data, &p);
    --n->count;
    --count_;
    InsertLarge(n, at.offset, s);
    return;
  }
  n->data = lp::Replace(n->data, &p, s);
  n->large = n->count == 1 && IsLargeElement(s.size());
  UpdateCompressionOfRun(n, SplitToFit(n, fill));
}

Quicklist::Node* Quicklist::LinkElementAfter(Node* at, std::string_view s) {
  Node* node = NewNode(lp::Append(lp::New(), s), 1);
  node->large = IsLargeElement(s.size());
  LinkAfter(at, node);
  return node;
}

void Quicklist::SplitAt(Node* n, uint32_t offset) {
  uint8_t* right = lp::New();
  IntBuffer scratch;
  uint8_t* first_moved = lp::Seek(n->data, offset);
  for (uint8_t* p = first_moved; p != nullptr; p = lp::Next(n->data, p)) {
    right = lp::Append(right, lp::GetString(p, &scratch));
  }
  n->data = lp::DeleteRange(n->data, &first_moved, n->count - offset);
  Node* r = NewNode(right, n->count - offset);
  n->count = offset;
  LinkAfter(n, r);
}

void Quicklist::InsertLarge(Node* n, uint32_t offset, std::string_view s) {
  ++count_;
  if (offset == 0) {
    Node* node = LinkElementAfter(n->prev, s);
    if (n->count == 0) Unlink(n);
    UpdateCompressionOfRun(node, node->next != nullptr ? 1 : 0);
    return;
  }
  size_t added = 1;
  if (offset < n->count) {
    SplitAt(n, offset);
    ++added;
  }
  LinkElementAfter(n, s);
  UpdateCompressionOfRun(n, added);
}

void Quicklist::Insert(size_t index, std::string_view s, lp::Where where, int fill) {
  Location at = Locate(index);
  Node* n = at.node;
  ++count_;
  if (AllowsInsert(n, s, fill)) {
    Decompress(n);
    n->data = lp::Insert(n->data, lp::Seek(n->data, at.offset), s, where);
    ++n->count;
    UpdateCompression(n);
    return;
  }
  // The node is full. At its edges the element can go to the neighbour or a node of its
  // own instead of splitting a full node.
  bool at_tail = where == lp::Where::kAfter && at.offset + 1 == n->count;
  bool at_head = where == lp::Where::kBefore && at.offset == 0;
  if (at_tail) {
    if (n->next != nullptr && AllowsInsert(n->next, s, fill)) {
      Node* next = n->next;
      Decompress(next);
      next->data = lp::Prepend(next->data, s);
      ++next->count;
      UpdateCompression(next);
    } else {
      LinkElementAfter(n, s);
      UpdateCompression(n->next);
    }
    return;
  }
  if (at_head) {
    if (n->prev != nullptr && AllowsInsert(n->prev, s, fill)) {
      Node* prev = n->prev;
      Decompress(prev);
      prev->data = lp::Append(prev->data, s);
      ++prev->count;
      UpdateCompression(prev);
    } else {
      LinkElementAfter(n->prev, s);
      UpdateCompression(n->prev);
    }
    return;
  }
  Decompress(n);
  if (IsLargeElement(s.size())) {
    --count_;  // InsertLarge counts it
    InsertLarge(n, at.offset + (where == lp::Where::kAfter ? 1 : 0), s);
    return;
  }
  n->data = lp::Insert(n->data, lp::Seek(n->data, at.offset), s, where);
  ++n->count;
  UpdateCompressionOfRun(n, SplitToFit(n, fill));
}

size_t Quicklist::SplitToFit(Node* node, int fill) {
  size_t added = 0;
  while (node->count > 1 && NodeExceedsLimit(fill, lp::Bytes(node->data), node->count)) {
    uint32_t keep = node->count / 2;
    uint8_t* right = lp::New();
    IntBuffer scratch;
    uint8_t* first_moved = lp::Seek(node->data, keep);
    for (uint8_t* p = first_moved; p != nullptr; p = lp::Next(node->data, p)) {
      right = lp::Append(right, lp::GetString(p, &scratch));
    }
    node->data = lp::DeleteRange(node->data, &first_moved, node->count - keep);
    Node* r = NewNode(right, node->count - keep);
    node->count = keep;
    LinkAfter(node, r);
    added += 1 + SplitToFit(r, fill);
  }
  return added;
}

size_t Quicklist::DeleteMatching(base::FunctionRef<bool(const uint8_t*)> match, size_t limit,
                                 bool from_tail) {
  size_t deleted = 0;
  auto more = [&] { return limit == 0 || deleted < limit; };
  ReadBuffer buf;
  Node* n = from_tail ? tail_ : head_;
  while (n != nullptr && more()) {
    Node* following = from_tail ? n->prev : n->next;
    // A compressed node is read from a copy first: most nodes hold no match and stay as
    // they are.
    uint8_t* lp = Listpack(n, &buf);
    uint8_t* p = from_tail ? lp::Last(lp) : lp::First(lp);
    while (p != nullptr && !match(p)) p = from_tail ? lp::Prev(lp, p) : lp::Next(lp, p);
    if (p == nullptr) {
      n = following;
      continue;
    }
    Decompress(n);
    size_t offset = static_cast<size_t>(p - lp);  // the same bytes as in the node's own
    p = n->data + offset;
    while (p != nullptr && more()) {
      if (!match(p)) {
        p = from_tail ? lp::Prev(n->data, p) : lp::Next(n->data, p);
        continue;
      }
      // Deleting may move the listpack; elements before `p` keep their offsets.
      uint8_t* prev = from_tail ? lp::Prev(n->data, p) : nullptr;
      size_t prev_offset = prev != nullptr ? static_cast<size_t>(prev - n->data) : 0;
      n->data = lp::Delete(n->data, &p);
      --n->count;
      --count_;
      ++deleted;
      if (from_tail) p = prev != nullptr ? n->data + prev_offset : nullptr;
    }
    if (n->count == 0) {
      Unlink(n);
      UpdateCompression(nullptr);
    } else {
      UpdateCompression(n);
    }
    n = following;
  }
  return deleted;
}

void Quicklist::DeleteRange(size_t start, size_t n) {
  if (start >= count_ || n == 0) return;
  n = std::min(n, count_ - start);
  Location at = Locate(start);
  Node* node = at.node;
  size_t offset = at.offset;
  count_ -= n;
  // At most the first and the last node lose part of their elements; the rest go whole.
  Node* changed[2] = {nullptr, nullptr};
  size_t unlinked = 0;
  while (n > 0) {
    Node* next = node->next;
    size_t take = std::min<size_t>(n, node->count - offset);
    if (take == node->count) {
      Unlink(node);
      ++unlinked;
    } else {
      Decompress(node);
      node->data = lp::DeleteRange(node->data, static_cast<int64_t>(offset), take);
      node->count -= static_cast<uint32_t>(take);
      changed[changed[0] == nullptr ? 0 : 1] = node;
    }
    n -= take;
    offset = 0;
    node = next;
  }
  for (Node* c : changed) {
    if (c != nullptr) UpdateCompression(c);
  }
  if (changed[0] == nullptr && unlinked > 0) UpdateCompression(nullptr);
}

void Quicklist::Compress(Node* node) {
  if (node->compressed) return;
  size_t bytes = lp::Bytes(node->data);
  if (bytes < kMinCompressBytes) return;
  // Redis compat (__quicklistCompressNode): dropped unless stream + 8 < bytes, so the
  // stream may take at most bytes - 9; lzf_compress gives up (0) past its room.
  size_t room = bytes - kMinCompressImprove - 1;
  auto* scratch = static_cast<uint8_t*>(base::Allocate(room));
  unsigned stream = lzf_compress(node->data, static_cast<unsigned>(bytes), scratch,
                                 static_cast<unsigned>(room));
  if (stream == 0) {
    base::Free(scratch);
    return;
  }
  // A block of its own size: shrinking the scratch in place (realloc) may keep its size.
  auto* block = static_cast<uint8_t*>(base::Allocate(sizeof(LzfHeader) + stream));
  LzfHeader h{static_cast<uint32_t>(bytes), stream};
  std::memcpy(block, &h, sizeof(h));
  std::memcpy(block + sizeof(LzfHeader), scratch, stream);
  base::Free(scratch);
  lp::Free(node->data);
  node->data = block;
  node->compressed = true;
  ++compressed_nodes_;
}

void Quicklist::Decompress(Node* node) {
  if (!node->compressed) return;
  auto* lp = static_cast<uint8_t*>(base::Allocate(ReadHeader(node->data).listpack_bytes));
  DecompressBlock(node->data, lp);
  base::Free(node->data);
  node->data = lp;
  node->compressed = false;
  --compressed_nodes_;
}

void Quicklist::UpdateCompression(Node* changed, size_t shifted) {
  if (depth_ == 0 || head_ == nullptr) return;
  if (nodes_ <= 2 * static_cast<size_t>(depth_)) {
    // Every node is within the depth of an end. Unlike Redis, which returns here and may
    // leave a node compressed that deletions moved within the depth, they are decompressed.
    for (Node* n = head_; compressed_nodes_ > 0 && n != nullptr; n = n->next) Decompress(n);
    return;
  }
  Node* forward = head_;
  Node* reverse = tail_;
  bool changed_within = false;
  for (uint32_t i = 0; i < depth_; ++i) {
    Decompress(forward);
    Decompress(reverse);
    if (forward == changed || reverse == changed) changed_within = true;
    forward = forward->next;
    reverse = reverse->prev;
  }
  // `forward` and `reverse` are the first nodes inside the depth at each end (there are
  // nodes_ - 2 * depth_ of them, at least one).
  if (changed != nullptr && !changed_within) Compress(changed);
  size_t inside = nodes_ - 2 * static_cast<size_t>(depth_);
  for (size_t i = 0; i < std::min(shifted, inside); ++i) {
    Compress(forward);
    Compress(reverse);
    forward = forward->next;
    reverse = reverse->prev;
  }
}

void Quicklist::UpdateCompressionOfRun(Node* node, size_t added) {
  // Each node of the run may lie on either side of a depth boundary the run has moved.
  for (size_t i = 0; i <= added; ++i, node = node->next) UpdateCompression(node, added + 1);
}

void Quicklist::Repr(int fill, bool full, std::string* out) const {
  char line[200];
  // Redis compat (quicklistRepr); Cinnabar keeps no bookmarks and never leaves a node
  // decompressed between commands, so bookmark_count and recompress are always 0.
  std::snprintf(line, sizeof(line),
                "{count : %zu}\n{len : %zu}\n{fill : %d}\n{compress : %d}\n"
                "{bookmark_count : 0}\n",
                count_, nodes_, fill, static_cast<int>(depth_));
  out->append(line);
  ReadBuffer buf;
  size_t i = 0;
  for (const Node* n = head_; n != nullptr; n = n->next, ++i) {
    std::snprintf(line, sizeof(line),
                  "{quicklist node(%zu)\n{container : %s, encoding: %s, size: %zu, count: %u, "
                  "recompress: 0, attempted_compress: 0}\n",
                  i, n->large ? "PLAIN" : "PACKED", n->compressed ? "LZF" : "RAW",
                  ListpackBytes(n), n->count);
    out->append(line);
    if (full) {
      const uint8_t* lp = Listpack(n, &buf);
      if (n->large) {
        IntBuffer scratch;
        out->append("{ entry : ");
        out->append(lp::GetString(lp::First(const_cast<uint8_t*>(lp)), &scratch));
        out->append(" }\n");
      } else {
        out->append("{ listpack:\n");
        lp::Repr(lp, out);
        out->append("}\n");
      }
      out->append("}\n");
    }
  }
}

}  // namespace cinnabar::core

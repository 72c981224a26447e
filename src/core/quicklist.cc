#include "core/quicklist.h"

#include <algorithm>
#include <cstring>

#include "base/memory.h"

namespace cinnabar::core {
namespace {

// Redis compat (quicklist.c): the per-node byte limits of fills -1..-5, and the byte cap
// that also applies when the fill counts elements.
constexpr size_t kNodeBytes[] = {4096, 8192, 16384, 32768, 65536};
constexpr size_t kSafetyLimit = 8192;

uint8_t* CopyListpack(const uint8_t* lp) {
  size_t bytes = lp::Bytes(lp);
  auto* out = static_cast<uint8_t*>(base::Allocate(bytes));
  std::memcpy(out, lp, bytes);
  return out;
}

}  // namespace

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

Quicklist::~Quicklist() {
  Node* n = head_;
  while (n != nullptr) {
    Node* next = n->next;
    lp::Free(n->lp);
    delete n;
    n = next;
  }
}

Quicklist* Quicklist::FromListpack(uint8_t* lp) {
  auto* ql = new Quicklist();
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
  uint8_t* lp = head_->lp;
  delete head_;
  head_ = tail_ = nullptr;
  count_ = nodes_ = 0;
  return lp;
}

Quicklist* Quicklist::Clone() const {
  auto* ql = new Quicklist();
  for (Node* n = head_; n != nullptr; n = n->next) {
    ql->LinkAfter(ql->tail_, ql->NewNode(CopyListpack(n->lp), n->count));
  }
  ql->count_ = count_;
  return ql;
}

void Quicklist::AppendNode(uint8_t* lp) {
  size_t n = lp::Length(lp);
  LinkAfter(tail_, NewNode(lp, static_cast<uint32_t>(n)));
  count_ += n;
}

size_t Quicklist::AllocatedBytes(size_t samples) const {
  size_t nodes = 0, node_bytes = 0;
  for (Node* n = head_; n != nullptr && (samples == 0 || nodes < samples); n = n->next) {
    node_bytes += base::UsableSize(n) + lp::AllocatedBytes(n->lp);
    ++nodes;
  }
  if (nodes > 0 && nodes < nodes_) {
    node_bytes = static_cast<size_t>(static_cast<double>(node_bytes) /
                                     static_cast<double>(nodes) * static_cast<double>(nodes_));
  }
  return base::UsableSize(this) + node_bytes;
}

Quicklist::Node* Quicklist::NewNode(uint8_t* lp, uint32_t count) {
  Node* n = new Node();
  n->lp = lp;
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
  lp::Free(node->lp);
  delete node;
}

bool Quicklist::AllowsInsert(const Node* node, std::string_view s, int fill) const {
  return !NodeExceedsLimit(fill, lp::Bytes(node->lp) + lp::EncodedSize(s), node->count + 1);
}

void Quicklist::PushHead(std::string_view s, int fill) {
  if (head_ != nullptr && AllowsInsert(head_, s, fill)) {
    head_->lp = lp::Prepend(head_->lp, s);
    ++head_->count;
  } else {
    LinkAfter(nullptr, NewNode(lp::Append(lp::New(), s), 1));
  }
  ++count_;
}

void Quicklist::PushTail(std::string_view s, int fill) {
  if (tail_ != nullptr && AllowsInsert(tail_, s, fill)) {
    tail_->lp = lp::Append(tail_->lp, s);
    ++tail_->count;
  } else {
    LinkAfter(tail_, NewNode(lp::Append(lp::New(), s), 1));
  }
  ++count_;
}

void Quicklist::PopHead(base::FunctionRef<void(std::string_view)> visit) {
  Node* n = head_;
  uint8_t* p = lp::First(n->lp);
  IntBuffer scratch;
  visit(lp::GetString(p, &scratch));
  Delete({n, p});
}

void Quicklist::PopTail(base::FunctionRef<void(std::string_view)> visit) {
  Node* n = tail_;
  uint8_t* p = lp::Last(n->lp);
  IntBuffer scratch;
  visit(lp::GetString(p, &scratch));
  Delete({n, p});
}

Quicklist::Pos Quicklist::Seek(int64_t index) const {
  int64_t n = static_cast<int64_t>(count_);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return {};
  size_t i = static_cast<size_t>(index);
  if (i < count_ / 2) {
    Node* node = head_;
    while (i >= node->count) {
      i -= node->count;
      node = node->next;
    }
    return {node, lp::Seek(node->lp, static_cast<int64_t>(i))};
  }
  // From the tail: `back` counts elements after the wanted one.
  size_t back = count_ - 1 - i;
  Node* node = tail_;
  while (back >= node->count) {
    back -= node->count;
    node = node->prev;
  }
  return {node, lp::Seek(node->lp, -1 - static_cast<int64_t>(back))};
}

Quicklist::Pos Quicklist::Next(Pos pos) {
  uint8_t* p = lp::Next(pos.node->lp, pos.p);
  if (p != nullptr) return {pos.node, p};
  Node* n = pos.node->next;
  return n == nullptr ? Pos{} : Pos{n, lp::First(n->lp)};
}

Quicklist::Pos Quicklist::Prev(Pos pos) {
  uint8_t* p = lp::Prev(pos.node->lp, pos.p);
  if (p != nullptr) return {pos.node, p};
  Node* n = pos.node->prev;
  return n == nullptr ? Pos{} : Pos{n, lp::Last(n->lp)};
}

void Quicklist::Replace(Pos pos, std::string_view s, int fill) {
  Node* n = pos.node;
  uint8_t* p = pos.p;
  n->lp = lp::Replace(n->lp, &p, s);
  SplitToFit(n, fill);
}

void Quicklist::Insert(Pos pos, std::string_view s, lp::Where where, int fill) {
  Node* n = pos.node;
  ++count_;
  if (AllowsInsert(n, s, fill)) {
    n->lp = lp::Insert(n->lp, pos.p, s, where);
    ++n->count;
    return;
  }
  // The node is full. At its edges the element can go to the neighbour or a node of its
  // own instead of splitting a full node.
  bool at_tail = where == lp::Where::kAfter && lp::Next(n->lp, pos.p) == nullptr;
  bool at_head = where == lp::Where::kBefore && pos.p == lp::First(n->lp);
  if (at_tail) {
    if (n->next != nullptr && AllowsInsert(n->next, s, fill)) {
      n->next->lp = lp::Prepend(n->next->lp, s);
      ++n->next->count;
    } else {
      LinkAfter(n, NewNode(lp::Append(lp::New(), s), 1));
    }
    return;
  }
  if (at_head) {
    if (n->prev != nullptr && AllowsInsert(n->prev, s, fill)) {
      n->prev->lp = lp::Append(n->prev->lp, s);
      ++n->prev->count;
    } else {
      LinkAfter(n->prev, NewNode(lp::Append(lp::New(), s), 1));
    }
    return;
  }
  n->lp = lp::Insert(n->lp, pos.p, s, where);
  ++n->count;
  SplitToFit(n, fill);
}

void Quicklist::SplitToFit(Node* node, int fill) {
  while (node->count > 1 && NodeExceedsLimit(fill, lp::Bytes(node->lp), node->count)) {
    uint32_t keep = node->count / 2;
    uint8_t* right = lp::New();
    IntBuffer scratch;
    uint8_t* first_moved = lp::Seek(node->lp, keep);
    for (uint8_t* p = first_moved; p != nullptr; p = lp::Next(node->lp, p)) {
      right = lp::Append(right, lp::GetString(p, &scratch));
    }
    node->lp = lp::DeleteRange(node->lp, &first_moved, node->count - keep);
    Node* r = NewNode(right, node->count - keep);
    node->count = keep;
    LinkAfter(node, r);
    SplitToFit(r, fill);
  }
}

Quicklist::Pos Quicklist::Delete(Pos pos) {
  Node* n = pos.node;
  uint8_t* p = pos.p;
  n->lp = lp::Delete(n->lp, &p);
  --n->count;
  --count_;
  Node* next = n->next;
  if (n->count == 0) {
    Unlink(n);
  } else if (p != nullptr) {
    return {n, p};
  }
  return next == nullptr ? Pos{} : Pos{next, lp::First(next->lp)};
}

void Quicklist::DeleteRange(size_t start, size_t n) {
  if (start >= count_ || n == 0) return;
  n = std::min(n, count_ - start);
  // Find the first node from the nearer end; `start` becomes an index inside it.
  Node* node;
  if (start < count_ / 2) {
    node = head_;
    while (start >= node->count) {
      start -= node->count;
      node = node->next;
    }
  } else {
    size_t back = count_ - 1 - start;
    node = tail_;
    while (back >= node->count) {
      back -= node->count;
      node = node->prev;
    }
    start = node->count - 1 - back;
  }
  count_ -= n;
  while (n > 0) {
    Node* next = node->next;
    size_t take = std::min<size_t>(n, node->count - start);
    if (take == node->count) {
      Unlink(node);
    } else {
      node->lp = lp::DeleteRange(node->lp, static_cast<int64_t>(start), take);
      node->count -= static_cast<uint32_t>(take);
    }
    n -= take;
    start = 0;
    node = next;
  }
}

}  // namespace cinnabar::core

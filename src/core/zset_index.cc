#include "core/zset_index.h"

#include <cstring>

#include "base/memory.h"
#include "core/segmented_table_impl.h"

namespace cinnabar::core {

template class SegmentedTable<ZMemberTraits>;

ZMember* ZMember::Create(std::string_view bytes, double score) {
  size_t h = VarintSize(bytes.size());
  auto* m = static_cast<ZMember*>(base::Allocate(sizeof(ZMember) + h + bytes.size()));
  m->score = score;
  PutVarint(m->rest, bytes.size());
  if (!bytes.empty()) std::memcpy(m->rest + h, bytes.data(), bytes.size());
  return m;
}

void ZMember::Destroy(ZMember* m) { base::Free(m); }

size_t ZMember::AllocatedBytes() const { return base::UsableSize(this); }

namespace zbt {

// Leaves hold up to kLeafCap members (a leaf is 512 bytes); inner nodes kInnerCap children.
// Every node but the root stays at least half full: an underfull node borrows from or
// merges with a sibling.
constexpr uint32_t kLeafCap = 62;
constexpr uint32_t kInnerCap = 32;

struct Node {
  uint16_t n = 0;
  bool leaf = true;
};

struct Leaf : Node {
  Leaf* prev = nullptr;
  Leaf* next = nullptr;
  ZMember* item[kLeafCap];
};

struct Inner : Node {
  uint32_t count[kInnerCap];  // members below child i
  ZMember* max[kInnerCap];    // child i's greatest member
  Node* child[kInnerCap];
};

Leaf* AsLeaf(Node* n) { return static_cast<Leaf*>(n); }
Inner* AsInner(Node* n) { return static_cast<Inner*>(n); }

size_t Count(const Node* n) {
  if (n->leaf) return n->n;
  const auto* in = static_cast<const Inner*>(n);
  size_t total = 0;
  for (uint32_t i = 0; i < in->n; ++i) total += in->count[i];
  return total;
}

ZMember* Max(Node* n) {
  if (n->n == 0) return nullptr;
  return n->leaf ? AsLeaf(n)->item[n->n - 1] : AsInner(n)->max[n->n - 1];
}

void Refresh(Inner* in, uint32_t i) {
  in->count[i] = static_cast<uint32_t>(Count(in->child[i]));
  in->max[i] = Max(in->child[i]);
}

// The child that holds (or would hold) (score, member): the first whose greatest member is
// not below it; the last child when all are.
uint32_t ChildFor(const Inner* in, double score, std::string_view member) {
  uint32_t lo = 0, hi = in->n - 1;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (ZCompare(in->max[mid], score, member) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

// First position in the leaf whose member is not below (score, member).
uint32_t LowerBound(const Leaf* l, double score, std::string_view member) {
  uint32_t lo = 0, hi = l->n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (ZCompare(l->item[mid], score, member) < 0) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

template <typename T>
void ShiftRight(T* a, uint32_t from, uint32_t n) {
  std::memmove(a + from + 1, a + from, (n - from) * sizeof(T));
}
template <typename T>
void ShiftLeft(T* a, uint32_t from, uint32_t n) {
  std::memmove(a + from, a + from + 1, (n - from - 1) * sizeof(T));
}

void InsertChild(Inner* in, uint32_t pos, Node* child) {
  ShiftRight(in->count, pos, in->n);
  ShiftRight(in->max, pos, in->n);
  ShiftRight(in->child, pos, in->n);
  in->child[pos] = child;
  ++in->n;
  Refresh(in, pos);
}

void RemoveChild(Inner* in, uint32_t pos) {
  ShiftLeft(in->count, pos, in->n);
  ShiftLeft(in->max, pos, in->n);
  ShiftLeft(in->child, pos, in->n);
  --in->n;
}

// Moves entries [from, from+k) of inner `a` to the end of inner `b`.
void MoveInner(Inner* a, uint32_t from, uint32_t k, Inner* b) {
  std::memcpy(b->count + b->n, a->count + from, k * sizeof(uint32_t));
  std::memcpy(b->max + b->n, a->max + from, k * sizeof(ZMember*));
  std::memcpy(b->child + b->n, a->child + from, k * sizeof(Node*));
  b->n = static_cast<uint16_t>(b->n + k);
}

void FreeTree(Node* n) {
  if (!n->leaf) {
    Inner* in = AsInner(n);
    for (uint32_t i = 0; i < in->n; ++i) FreeTree(in->child[i]);
    delete in;
  } else {
    delete AsLeaf(n);
  }
}

struct Tree {
  size_t* node_bytes;

  Leaf* NewLeaf() {
    *node_bytes += sizeof(Leaf);
    return new Leaf();
  }
  Inner* NewInner() {
    *node_bytes += sizeof(Inner);
    auto* in = new Inner();
    in->leaf = false;
    return in;
  }
  void FreeNode(Node* n) {
    if (n->leaf) {
      *node_bytes -= sizeof(Leaf);
      delete AsLeaf(n);
    } else {
      *node_bytes -= sizeof(Inner);
      delete AsInner(n);
    }
  }

  // Inserts `m` below `node`; returns the new right sibling when `node` split. `rightmost`:
  // `node` ends the tree, where an append splits off a nearly empty node instead of halving
  // the full one (ascending loads, such as timestamps, then fill nodes completely).
  Node* Insert(Node* node, ZMember* m, bool rightmost) {
    if (node->leaf) return InsertLeaf(AsLeaf(node), m, rightmost);
    Inner* in = AsInner(node);
    uint32_t i = ChildFor(in, m->score, m->view());
    Node* sib = Insert(in->child[i], m, rightmost && i + 1 == in->n);
    Refresh(in, i);
    if (sib == nullptr) return nullptr;
    if (in->n < kInnerCap) {
      InsertChild(in, i + 1, sib);
      return nullptr;
    }
    Inner* right = NewInner();
    // On the right edge the new node takes the last child and `sib`: two children.
    uint32_t half = rightmost && i + 1 == in->n ? in->n - 1u : in->n / 2u;
    MoveInner(in, half, in->n - half, right);
    in->n = static_cast<uint16_t>(half);
    if (i + 1 <= half) {
      InsertChild(in, i + 1, sib);
    } else {
      InsertChild(right, i + 1 - half, sib);
    }
    return right;
  }

  Node* InsertLeaf(Leaf* l, ZMember* m, bool rightmost) {
    uint32_t pos = LowerBound(l, m->score, m->view());
    Leaf* target = l;
    Leaf* right = nullptr;
    if (l->n == kLeafCap) {
      right = NewLeaf();
      uint32_t half = rightmost && pos == l->n ? l->n : l->n / 2;
      std::memcpy(right->item, l->item + half, (l->n - half) * sizeof(ZMember*));
      right->n = static_cast<uint16_t>(l->n - half);
      l->n = static_cast<uint16_t>(half);
      right->next = l->next;
      if (l->next != nullptr) l->next->prev = right;
      right->prev = l;
      l->next = right;
      if (pos > half || (pos == half && half == kLeafCap)) {
        target = right;
        pos -= half;
      }
    }
    ShiftRight(target->item, pos, target->n);
    target->item[pos] = m;
    ++target->n;
    return right;
  }

  // Removes (score, member) below `node`; false if absent.
  bool Erase(Node* node, double score, std::string_view member) {
    if (node->leaf) {
      Leaf* l = AsLeaf(node);
      uint32_t pos = LowerBound(l, score, member);
      if (pos == l->n || ZCompare(l->item[pos], score, member) != 0) return false;
      ShiftLeft(l->item, pos, l->n);
      --l->n;
      return true;
    }
    Inner* in = AsInner(node);
    uint32_t i = ChildFor(in, score, member);
    if (!Erase(in->child[i], score, member)) return false;
    Refresh(in, i);
    Node* c = in->child[i];
    uint32_t min = c->leaf ? kLeafCap / 2 : kInnerCap / 2;
    if (c->n < min && in->n > 1) Rebalance(in, i > 0 ? i - 1 : i);
    return true;
  }

  // Children `left` and `left`+1 of `in`: merges them when they fit in one node, else
  // shares their entries evenly.
  void Rebalance(Inner* in, uint32_t left) {
    Node* a = in->child[left];
    Node* b = in->child[left + 1];
    uint32_t cap = a->leaf ? kLeafCap : kInnerCap;
    uint32_t total = a->n + b->n;
    if (total <= cap) {
      if (a->leaf) {
        Leaf* la = AsLeaf(a);
        Leaf* lb = AsLeaf(b);
        std::memcpy(la->item + la->n, lb->item, lb->n * sizeof(ZMember*));
        la->n = static_cast<uint16_t>(total);
        la->next = lb->next;
        if (lb->next != nullptr) lb->next->prev = la;
      } else {
        MoveInner(AsInner(b), 0, b->n, AsInner(a));
      }
      FreeNode(b);
      RemoveChild(in, left + 1);
      Refresh(in, left);
      return;
    }
    uint32_t want = total / 2;  // entries `a` keeps
    if (a->leaf) {
      Leaf* la = AsLeaf(a);
      Leaf* lb = AsLeaf(b);
      if (la->n > want) {
        uint32_t k = la->n - want;
        std::memmove(lb->item + k, lb->item, lb->n * sizeof(ZMember*));
        std::memcpy(lb->item, la->item + want, k * sizeof(ZMember*));
        lb->n = static_cast<uint16_t>(lb->n + k);
        la->n = static_cast<uint16_t>(want);
      } else {
        uint32_t k = want - la->n;
        std::memcpy(la->item + la->n, lb->item, k * sizeof(ZMember*));
        std::memmove(lb->item, lb->item + k, (lb->n - k) * sizeof(ZMember*));
        la->n = static_cast<uint16_t>(want);
        lb->n = static_cast<uint16_t>(lb->n - k);
      }
    } else {
      Inner* ia = AsInner(a);
      Inner* ib = AsInner(b);
      if (ia->n > want) {
        uint32_t k = ia->n - want;
        std::memmove(ib->count + k, ib->count, ib->n * sizeof(uint32_t));
        std::memmove(ib->max + k, ib->max, ib->n * sizeof(ZMember*));
        std::memmove(ib->child + k, ib->child, ib->n * sizeof(Node*));
        std::memcpy(ib->count, ia->count + want, k * sizeof(uint32_t));
        std::memcpy(ib->max, ia->max + want, k * sizeof(ZMember*));
        std::memcpy(ib->child, ia->child + want, k * sizeof(Node*));
        ib->n = static_cast<uint16_t>(ib->n + k);
        ia->n = static_cast<uint16_t>(want);
      } else {
        uint32_t k = want - ia->n;
        MoveInner(ib, 0, k, ia);
        std::memmove(ib->count, ib->count + k, (ib->n - k) * sizeof(uint32_t));
        std::memmove(ib->max, ib->max + k, (ib->n - k) * sizeof(ZMember*));
        std::memmove(ib->child, ib->child + k, (ib->n - k) * sizeof(Node*));
        ib->n = static_cast<uint16_t>(ib->n - k);
      }
    }
    Refresh(in, left);
    Refresh(in, left + 1);
  }
};

// Nodes on the tree's right edge may be underfull (appends split them unevenly).
bool ValidateNode(const Node* n, bool root, bool right_edge, size_t* count,
                  const ZMember** prev) {
  if (n->leaf) {
    const auto* l = static_cast<const Leaf*>(n);
    if (!root && !right_edge && l->n < kLeafCap / 2) return false;
    if (!root && l->n == 0) return false;
    for (uint32_t i = 0; i < l->n; ++i) {
      if (*prev != nullptr && ZCompare(*prev, l->item[i]->score, l->item[i]->view()) >= 0) {
        return false;
      }
      *prev = l->item[i];
    }
    *count = l->n;
    return true;
  }
  const auto* in = static_cast<const Inner*>(n);
  if (in->n < (root || right_edge ? 2 : kInnerCap / 2)) return false;
  size_t total = 0;
  for (uint32_t i = 0; i < in->n; ++i) {
    size_t c = 0;
    if (!ValidateNode(in->child[i], false, right_edge && i + 1 == in->n, &c, prev)) {
      return false;
    }
    if (c != in->count[i] || *prev != in->max[i]) return false;
    total += c;
  }
  *count = total;
  return true;
}

}  // namespace zbt

using zbt::Inner;
using zbt::Leaf;
using zbt::Node;

void ZBTree::Insert(ZMember* m) {
  zbt::Tree t{&node_bytes_};
  if (root_ == nullptr) root_ = t.NewLeaf();
  Node* sib = t.Insert(root_, m, true);
  if (sib != nullptr) {
    Inner* top = t.NewInner();
    top->child[0] = root_;
    top->child[1] = sib;
    top->n = 2;
    zbt::Refresh(top, 0);
    zbt::Refresh(top, 1);
    root_ = top;
  }
  ++size_;
}

bool ZBTree::Erase(double score, std::string_view member) {
  if (root_ == nullptr) return false;
  zbt::Tree t{&node_bytes_};
  if (!t.Erase(root_, score, member)) return false;
  --size_;
  while (!root_->leaf && root_->n == 1) {
    Node* only = zbt::AsInner(root_)->child[0];
    t.FreeNode(root_);
    root_ = only;
  }
  if (size_ == 0) {
    t.FreeNode(root_);
    root_ = nullptr;
  }
  return true;
}

size_t ZBTree::Rank(double score, std::string_view member) const {
  size_t rank = 0;
  Node* n = root_;
  while (!n->leaf) {
    Inner* in = zbt::AsInner(n);
    uint32_t i = zbt::ChildFor(in, score, member);
    for (uint32_t j = 0; j < i; ++j) rank += in->count[j];
    n = in->child[i];
  }
  return rank + zbt::LowerBound(zbt::AsLeaf(n), score, member);
}

size_t ZBTree::CountBefore(base::FunctionRef<bool(const ZMember*)> before) const {
  if (root_ == nullptr) return 0;
  size_t rank = 0;
  Node* n = root_;
  while (!n->leaf) {
    Inner* in = zbt::AsInner(n);
    uint32_t lo = 0, hi = in->n;
    while (lo < hi) {
      uint32_t mid = (lo + hi) / 2;
      if (before(in->max[mid])) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (uint32_t j = 0; j < lo; ++j) rank += in->count[j];
    if (lo == in->n) return rank;
    n = in->child[lo];
  }
  Leaf* l = zbt::AsLeaf(n);
  uint32_t lo = 0, hi = l->n;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (before(l->item[mid])) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return rank + lo;
}

ZMember* ZBTree::Iterator::operator*() const { return leaf_->item[index_]; }

void ZBTree::Iterator::Next() {
  if (++index_ < leaf_->n) return;
  leaf_ = leaf_->next;
  index_ = 0;
}

void ZBTree::Iterator::Prev() {
  if (index_ > 0) {
    --index_;
    return;
  }
  leaf_ = leaf_->prev;
  index_ = leaf_ != nullptr ? leaf_->n - 1u : 0;
}

ZBTree::Iterator ZBTree::Seek(size_t rank) const {
  Iterator it;
  if (rank >= size_) return it;
  Node* n = root_;
  while (!n->leaf) {
    Inner* in = zbt::AsInner(n);
    uint32_t i = 0;
    while (rank >= in->count[i]) rank -= in->count[i++];
    n = in->child[i];
  }
  it.leaf_ = zbt::AsLeaf(n);
  it.index_ = static_cast<uint32_t>(rank);
  return it;
}

void ZBTree::Clear() {
  if (root_ != nullptr) zbt::FreeTree(root_);
  root_ = nullptr;
  size_ = 0;
  node_bytes_ = 0;
}

bool ZBTree::Validate() const {
  if (root_ == nullptr) return size_ == 0;
  size_t count = 0;
  const ZMember* prev = nullptr;
  if (!zbt::ValidateNode(root_, true, true, &count, &prev)) return false;
  if (count != size_) return false;
  // The leaf chain visits the same members in order.
  size_t walked = 0;
  for (Iterator it = Seek(0); it.valid(); it.Next()) ++walked;
  return walked == size_;
}

void ZSetIndex::Insert(std::string_view member, double score) {
  ZMember* m = ZMember::Create(member, score);
  members.Insert(ZMemberTable::Hash(member), m);
  tree.Insert(m);
}

void ZSetIndex::UpdateScore(ZMember* m, double score) {
  tree.Erase(m->score, m->view());
  m->score = score;
  tree.Insert(m);
}

bool ZSetIndex::Remove(std::string_view member) {
  ZMemberTable::Handle where;
  ZMember* m = members.Find(member, ZMemberTable::Hash(member), &where);
  if (m == nullptr) return false;
  tree.Erase(m->score, m->view());
  members.Remove(where);
  ZMember::Destroy(m);
  return true;
}

size_t ZSetIndex::AllocatedBytes(size_t samples) const {
  return sizeof(ZSetIndex) + tree.AllocatedBytes() + members.OverheadBytes() +
         EstimateElementBytes(members, samples, [](ZMember* m) { return m->AllocatedBytes(); });
}

}  // namespace cinnabar::core

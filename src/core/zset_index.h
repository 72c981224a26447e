// The large sorted-set encoding ("skiplist", Redis's name for it): an order-statistics
// B+tree over (score, member) plus a member table for O(1) ZSCORE.
//
// Each member is one allocation (ZMember: score and bytes) referenced by both structures,
// so the bytes are stored once. The tree's leaves hold member pointers in order and are
// linked both ways for range walks; inner nodes keep, per child, the number of members
// below it (rank and select in O(log n)) and a pointer to the child's greatest member
// (the separator, always a live member, so nothing dangles after deletes).
//
// Not thread-safe: used by the thread that holds the shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/function_ref.h"
#include "core/segmented_table.h"
#include "core/varint.h"

namespace cinnabar::core {

// A sorted-set member and its score: 8 bytes of score, the length as a varint, the bytes.
struct ZMember {
  double score;
  uint8_t rest[];

  std::string_view view() const {
    uint64_t n;
    size_t h = GetVarint(rest, &n);
    return {reinterpret_cast<const char*>(rest + h), static_cast<size_t>(n)};
  }
  // A new member; the caller owns it until it is put in a ZSetIndex.
  static ZMember* Create(std::string_view bytes, double score);
  static void Destroy(ZMember* m);
  size_t AllocatedBytes() const;
};

// Sorted-set order: by score, then by member bytes (memcmp, shorter first on a tie).
inline int ZCompare(double s1, std::string_view m1, double s2, std::string_view m2) {
  if (s1 < s2) return -1;
  if (s1 > s2) return 1;
  return m1.compare(m2);
}
inline int ZCompare(const ZMember* a, double s, std::string_view m) {
  return ZCompare(a->score, a->view(), s, m);
}

struct ZMemberTraits {
  using Element = ZMember;
  static std::string_view Key(const ZMember* m) { return m->view(); }
  static bool Volatile(const ZMember*) { return false; }
  static void Destroy(ZMember* m) { ZMember::Destroy(m); }
};
using ZMemberTable = SegmentedTable<ZMemberTraits>;
extern template class SegmentedTable<ZMemberTraits>;

namespace zbt {
struct Node;
struct Leaf;
}  // namespace zbt

// The ordered index. Holds member pointers; does not own the members.
class ZBTree {
 public:
  ZBTree() = default;
  ~ZBTree() { Clear(); }
  ZBTree(const ZBTree&) = delete;
  ZBTree& operator=(const ZBTree&) = delete;

  size_t size() const { return size_; }

  // REQUIRES: no member with the same (score, bytes) is in the tree.
  void Insert(ZMember* m);
  // Removes the element equal to (score, member); false if absent.
  bool Erase(double score, std::string_view member);
  // 0-based rank of (score, member). REQUIRES: present.
  size_t Rank(double score, std::string_view member) const;
  // The number of leading elements for which `before` holds. `before` must be true for a
  // prefix of the order and false after it (a lower bound).
  size_t CountBefore(base::FunctionRef<bool(const ZMember*)> before) const;

  // A position in the order; walks leaf to leaf.
  class Iterator {
   public:
    bool valid() const { return leaf_ != nullptr; }
    ZMember* operator*() const;
    void Next();
    void Prev();

   private:
    friend class ZBTree;
    zbt::Leaf* leaf_ = nullptr;
    uint32_t index_ = 0;
  };
  // The element at `rank` (invalid iterator when rank >= size()).
  Iterator Seek(size_t rank) const;

  // Frees the nodes (not the members).
  void Clear();
  // Bytes of the nodes.
  size_t AllocatedBytes() const { return node_bytes_; }
  // Checks every invariant (tests).
  bool Validate() const;

 private:
  zbt::Node* root_ = nullptr;
  size_t size_ = 0;
  size_t node_bytes_ = 0;
};

// The whole large-encoding value: index plus member table, which owns the members.
struct ZSetIndex {
  ZBTree tree;
  ZMemberTable members;

  ZMember* Find(std::string_view member) const {
    return members.Find(member, ZMemberTable::Hash(member), nullptr);
  }
  // REQUIRES: `member` absent.
  void Insert(std::string_view member, double score);
  // Changes a present member's score (re-positions it).
  void UpdateScore(ZMember* m, double score);
  // Removes and frees a member; false if absent.
  bool Remove(std::string_view member);
  size_t AllocatedBytes(size_t samples = 0) const;  // as ZSetValue::AllocatedBytes
};

}  // namespace cinnabar::core

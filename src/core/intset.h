// IntSet: a sorted array of distinct 64-bit integers in one allocation, the compact
// encoding of sets whose members are all integers (Redis's intset).
//
// Every element has the same width: 2, 4 or 8 bytes, the smallest that holds them all.
// Adding a value that needs more width rewrites the array wider ("upgrade"); the width
// never shrinks. Lookups are a binary search. Elements are stored little-endian.
//
// Every change returns the set's (possibly new) address; the old one is then invalid.
// Not thread-safe: used by the thread that holds the owning shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cinnabar::core {

class IntSet {
 public:
  // A new empty set (2-byte width).
  static IntSet* New();
  static void Free(IntSet* s);
  static IntSet* Clone(const IntSet* s);

  // Adds `v`; `*added` tells whether it was absent.
  static IntSet* Add(IntSet* s, int64_t v, bool* added);
  // Removes `v`; `*removed` tells whether it was present.
  static IntSet* Remove(IntSet* s, int64_t v, bool* removed);

  bool Contains(int64_t v) const;
  size_t size() const { return length_; }
  // Bytes per element: 2, 4 or 8.
  uint32_t width() const { return width_; }
  // The element at `i` in ascending order. REQUIRES i < size().
  int64_t Get(size_t i) const;
  int64_t Min() const { return Get(0); }
  int64_t Max() const { return Get(length_ - 1); }
  size_t AllocatedBytes() const;

  // The width `v` needs.
  static uint32_t WidthFor(int64_t v);

  // The set in Redis's intset layout, which is this object's own memory: the width as a
  // uint32, the length as a uint32, then the elements, all little-endian. Valid until the
  // next change.
  std::string_view Blob() const;
  // A new set holding a copy of `blob` in that layout (an RDB file's), or null unless it
  // is well-formed: width 2, 4 or 8, the size that width and length make, and elements
  // strictly ascending (sorted, no duplicates).
  static IntSet* FromBlob(std::string_view blob);

 private:
  IntSet() = default;
  // Binary search: true and the index when found, else false and the insertion index.
  bool Search(int64_t v, size_t* pos) const;
  void Set(size_t i, int64_t v);
  static IntSet* Resize(IntSet* s, size_t length);
  uint8_t* data() { return reinterpret_cast<uint8_t*>(this + 1); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(this + 1); }

  uint32_t width_;
  uint32_t length_;
};

}  // namespace cinnabar::core

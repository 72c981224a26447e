// SegmentedTable<Traits>: a hash set of pointers to elements that carry their own key: an
// Entry for the keyspace (KeyTable), a member or field allocation for large collections.
//
// Extendible hashing: a directory, indexed by the top bits of a key's hash, points at
// segments. A segment is an open-addressing table of groups of 16 slots probed a group of
// 16 control bytes at a time (SIMD), linearly from the group the hash picks (any group
// count, so a segment can grow in steps of about a quarter and fill the allocator's block
// exactly); a segment at kMaxGroups splits in two, so no insert ever rehashes more than one
// segment (no multi-millisecond pause while a table grows into tens of millions of
// elements), and under-used buddies merge again (ShrinkStep).
//
// A slot holds an element pointer whose low bit says the element is volatile (a key with an
// expiry), so the active expiry cycle finds those without touching the others; the next bit
// is the element's mark for a snapshot in progress (Mark, TakeSegment); the top 16 bits
// keep the hash bits that pick the group, so growing a segment never reads an element.
//
// Segments cover contiguous ranges of hash values, which makes a hash position a stable
// scan cursor: elements present for a whole SCAN are returned at least once, even across
// splits.
//
// Traits provides: `using Element = ...;`, `static std::string_view Key(const Element*)`,
// `static bool Volatile(const Element*)`, `static void Destroy(Element*)`. The definitions
// are in segmented_table_impl.h, included by the one .cc that instantiates each table.
//
// Not thread-safe: used by the thread that holds the shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/function_ref.h"

namespace cinnabar::core {

namespace detail {
struct Segment;
}  // namespace detail

// What DEBUG HTSTATS shows of a table (Redis's dictGetStats, for our layout): where an
// element sits relative to the group its hash picks is the analogue of a chain length.
struct TableStats {
  static constexpr size_t kProbeBuckets = 50;  // Redis's DICT_STATS_VECTLEN
  size_t elements = 0;
  size_t volatile_elements = 0;
  size_t slots = 0;
  size_t tombstones = 0;
  size_t segments = 0;
  size_t directory = 0;  // entries
  size_t max_probe = 0;  // groups past the home group, for the farthest element
  size_t probe_total = 0;
  // probes[d]: elements d groups past their home group (the last bucket: that or more).
  size_t probes[kProbeBuckets] = {};
};

template <typename Traits>
class SegmentedTable {
 public:
  using Element = typename Traits::Element;
  // Where an element sits. Valid until the next Insert or ShrinkStep on the table.
  struct Handle {
    detail::Segment* segment = nullptr;
    uint32_t index = 0;
  };

  SegmentedTable();
  ~SegmentedTable();
  SegmentedTable(SegmentedTable&& o) noexcept;
  SegmentedTable& operator=(SegmentedTable&& o) noexcept;
  SegmentedTable(const SegmentedTable&) = delete;
  SegmentedTable& operator=(const SegmentedTable&) = delete;

  static uint64_t Hash(std::string_view key);

  size_t size() const { return size_; }
  size_t volatile_count() const { return volatile_; }

  // The element for `key` (whose Hash is `hash`), or null. Fills `where` when found.
  Element* Find(std::string_view key, uint64_t hash, Handle* where) const;
  // Adds `e`, whose key must be absent, marked if asked (see Mark). Invalidates handles.
  void Insert(uint64_t hash, Element* e, bool marked = false);
  // Puts `e` (same key, maybe reallocated) in the slot at `where`; its mark stays.
  void Replace(const Handle& where, Element* e);

  // --- The snapshot mark (persistence/snapshot.h) ---
  // One bit per element for a snapshot written in slices: set on an element the snapshot
  // must not write when its scan gets there (written early, or added after its start).
  // It moves with the element through Replace, growth and splits, and TakeSegment clears
  // it; no element is marked while no snapshot runs.
  bool Marked(const Handle& where) const;
  void Mark(const Handle& where);
  // The scan's step: visits the unmarked elements of the segment that covers `hash`, clears
  // the marks of the others, and returns the segment's range as VisitSegment does.
  void TakeSegment(uint64_t hash, base::FunctionRef<void(Element*)> visit, uint64_t* begin,
                   uint64_t* end, bool* last);
  // Takes the element at `where` out of the table and returns it (not freed).
  Element* Remove(const Handle& where);
  // Frees every element (Traits::Destroy) and returns to the empty state.
  void Clear();

  // Visits up to about `count` elements in hash order starting at position `cursor`, and
  // returns the position to continue from; `*done` is set when the table was finished.
  uint64_t Scan(uint64_t cursor, size_t count, base::FunctionRef<void(Element*)> visit,
                bool* done) const;
  // Visits every element of the segment whose hash range covers `hash`, and returns that
  // range: [*begin, *end), where `*last` says the range ends the hash space (*end is then
  // 0). Segments split into halves of their range and merge only through ShrinkStep with
  // `may_merge`, so while no merge runs a range once visited stays a union of whole
  // segments (snapshots rely on it). The visitor must not change the table.
  void VisitSegment(uint64_t hash, base::FunctionRef<void(Element*)> visit, uint64_t* begin,
                    uint64_t* end, bool* last) const;
  // Visits every element. The visitor must not change the table.
  void ForEach(base::FunctionRef<void(Element*)> visit) const;
  // A random element, or null when empty. `random` is any 64-bit random value source.
  Element* Random(base::FunctionRef<uint64_t()> random) const;

  // For eviction (Redis's dictGetSomeKeys): visits up to `count` elements (only volatile
  // ones if asked) from consecutive slots starting at a position drawn from `random`,
  // looking at no more than `max_slots` slots. Returns how many it visited.
  size_t Sample(uint64_t random, size_t count, bool volatile_only, size_t max_slots,
                base::FunctionRef<void(Element*)> visit) const;

  // For the active expiry cycle: visits the volatile elements in the segment that covers
  // `cursor`; the visitor may Remove the element through the handle it is given. Returns the
  // next cursor (0 after the last segment) and adds the slots looked at to `*slots`.
  uint64_t SweepVolatile(uint64_t cursor,
                         base::FunctionRef<bool(const Handle&, Element*)> visit,
                         size_t* slots);
  // Shrinks the under-used segment that covers `cursor`, first merging it with its buddy
  // (the other half of their common range) when `may_merge` and both together are small,
  // halving the directory once no segment needs its full depth; returns the next cursor.
  // Invalidates handles. Called from the shard's cron.
  uint64_t ShrinkStep(uint64_t cursor, bool may_merge = true);
  // Whether the table holds under a quarter of the slots it has: ShrinkStep has work.
  bool Sparse() const { return slots_ > 64 && size_ * 4 < slots_; }

  // Bytes used by the directory and segments (elements excluded).
  size_t OverheadBytes() const;
  // Walks every slot: O(slots).
  TableStats Stats() const;

  // A segment splits once it has this many groups of 16 slots.
  static constexpr uint32_t kMaxGroups = 64;

 private:
  size_t DirIndex(uint64_t hash) const {
    return global_depth_ == 0 ? 0 : static_cast<size_t>(hash >> (64 - global_depth_));
  }
  detail::Segment* SegmentFor(uint64_t hash) const { return dir_[DirIndex(hash)]; }
  detail::Segment* NewSegment(uint32_t groups, uint8_t depth);
  void DropSegment(detail::Segment* s);
  // Points the directory entries that `old` covered at `fresh`.
  void Swap(size_t dir_index, detail::Segment* old, detail::Segment* fresh);
  void MakeRoom(uint64_t hash);
  void Rebuild(size_t dir_index, uint32_t groups);
  void Split(size_t dir_index);
  bool Merge(size_t dir_index);
  void FreeSegments();
  // First and one-past-last hash position of the segment at `dir_index`; `*last` is set
  // when the segment ends the hash space.
  void SegmentRange(size_t dir_index, uint64_t* begin, uint64_t* end, bool* last) const;

  std::vector<detail::Segment*> dir_;
  uint8_t global_depth_ = 0;
  // Segments whose local depth is the global depth: the directory can halve at none.
  size_t deep_segments_ = 0;
  size_t size_ = 0;
  size_t volatile_ = 0;
  size_t slots_ = 0;  // in all segments
};

// Bytes of the elements of `t` as `bytes(element)` measures them: the exact sum when
// `samples` is 0 or covers the table, else the mean of about `samples` elements (the first
// in hash order) times the element count, as Redis's MEMORY USAGE SAMPLES estimates.
template <typename Table, typename Bytes>
size_t EstimateElementBytes(const Table& t, size_t samples, Bytes bytes) {
  using Element = typename Table::Element;
  size_t total = 0;
  if (samples == 0 || samples >= t.size()) {
    t.ForEach([&](Element* e) { total += bytes(e); });
    return total;
  }
  size_t seen = 0;
  bool done = false;
  uint64_t cursor = 0;
  while (seen < samples && !done) {
    cursor = t.Scan(
        cursor, samples - seen,
        [&](Element* e) {
          if (seen == samples) return;
          total += bytes(e);
          ++seen;
        },
        &done);
  }
  if (seen == 0) return 0;
  return static_cast<size_t>(static_cast<double>(total) / static_cast<double>(seen) *
                             static_cast<double>(t.size()));
}

}  // namespace cinnabar::core

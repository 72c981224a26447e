// KeyTable: one database's keys on one shard, key -> Entry.
//
// Extendible hashing: a directory, indexed by the top bits of a key's hash, points at
// segments. A segment is an open-addressing table of up to kMaxSlots slots probed a group
// of 16 control bytes at a time (SIMD), growing by doubling while small and splitting in
// two when full, so no insert ever rehashes more than one segment (no multi-millisecond
// pause while the table grows into tens of millions of keys).
//
// A slot holds an Entry pointer whose low bit says the entry has an expiry, so the active
// expiry cycle finds volatile keys without touching the others.
//
// Segments cover contiguous ranges of hash values, which makes a hash position a stable
// scan cursor: keys present for a whole SCAN are returned at least once, even across splits.
//
// Not thread-safe: used by the thread that holds the shard.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "base/function_ref.h"
#include "core/entry.h"

namespace cinnabar::core {

class KeyTable {
 public:
  struct Segment;
  // Where an entry sits. Valid until the next Insert or Shrink on the table.
  struct Handle {
    Segment* segment = nullptr;
    uint32_t index = 0;
  };

  KeyTable();
  ~KeyTable();
  KeyTable(KeyTable&& o) noexcept;
  KeyTable& operator=(KeyTable&& o) noexcept;
  KeyTable(const KeyTable&) = delete;
  KeyTable& operator=(const KeyTable&) = delete;

  static uint64_t Hash(std::string_view key);

  size_t size() const { return size_; }
  size_t volatile_count() const { return volatile_; }

  // The entry for `key` (whose Hash is `hash`), or null. Fills `where` when found.
  Entry* Find(std::string_view key, uint64_t hash, Handle* where) const;
  // Adds `e`, whose key must be absent. Invalidates handles.
  void Insert(uint64_t hash, Entry* e);
  // Puts `e` (same key, maybe reallocated) in the slot at `where`.
  void Replace(const Handle& where, Entry* e);
  // Takes the entry at `where` out of the table and returns it (not freed).
  Entry* Remove(const Handle& where);
  // Frees every entry (and its value) and returns to the empty state.
  void Clear();

  // Visits up to about `count` entries in hash order starting at position `cursor`, and
  // returns the position to continue from; `*done` is set when the table was finished.
  uint64_t Scan(uint64_t cursor, size_t count, base::FunctionRef<void(Entry*)> visit,
                bool* done) const;
  // Visits every entry. The visitor must not change the table.
  void ForEach(base::FunctionRef<void(Entry*)> visit) const;
  // A random entry, or null when empty. `random` is any 64-bit random value source.
  Entry* Random(base::FunctionRef<uint64_t()> random) const;

  // For the active expiry cycle: visits the entries with an expiry in the segment that
  // covers `cursor`; the visitor returns true if it removed the entry (through Remove with
  // the handle it was given). Returns the next cursor (0 after the last segment) and adds
  // the number of slots looked at to `*slots`.
  uint64_t SweepVolatile(uint64_t cursor,
                         base::FunctionRef<bool(const Handle&, Entry*)> visit,
                         size_t* slots);
  // Shrinks one under-used segment near `cursor`; returns the next cursor. Invalidates
  // handles. Called from the shard's cron.
  uint64_t ShrinkStep(uint64_t cursor);

  // Bytes used by the directory and segments (entries excluded).
  size_t OverheadBytes() const;

  static constexpr uint32_t kMinSlots = 16;
  static constexpr uint32_t kMaxSlots = 1024;

 private:
  size_t DirIndex(uint64_t hash) const {
    return global_depth_ == 0 ? 0 : static_cast<size_t>(hash >> (64 - global_depth_));
  }
  Segment* SegmentFor(uint64_t hash) const { return dir_[DirIndex(hash)]; }
  void MakeRoom(uint64_t hash);
  void Rebuild(size_t dir_index, uint32_t capacity);
  void Split(size_t dir_index);
  void FreeSegments();
  // First and one-past-last hash position of the segment at `dir_index`; `*last` is set
  // when the segment ends the hash space.
  void SegmentRange(size_t dir_index, uint64_t* begin, uint64_t* end, bool* last) const;

  std::vector<Segment*> dir_;
  uint8_t global_depth_ = 0;
  size_t size_ = 0;
  size_t volatile_ = 0;
};

}  // namespace cinnabar::core

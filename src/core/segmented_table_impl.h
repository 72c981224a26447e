// Definitions of SegmentedTable<Traits>. Include only from the .cc file that instantiates a
// table (`template class SegmentedTable<MyTraits>;`).
#pragma once

#include <algorithm>
#include <cstring>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "base/hash.h"
#include "base/memory.h"
#include "core/segmented_table.h"

namespace cinnabar::core {
namespace detail {

constexpr uint8_t kEmpty = 0x80;
constexpr uint8_t kDeleted = 0xFE;
constexpr uint32_t kGroup = 16;
constexpr uintptr_t kVolatileTag = 1;
constexpr uintptr_t kMarkTag = 2;  // elements are allocations, at least 4-byte aligned
// Slot bits 48-61 keep the hash's group bits (7-20: ShardOf takes the bits above 20, so
// within one shard those vary); user-space pointers fit in the 48 bits below.
constexpr int kGroupHashShift = 48;
constexpr uintptr_t kPointerMask = ((uintptr_t{1} << kGroupHashShift) - 1) & ~uintptr_t{3};
// Directory bits come from the top of the hash and must stay clear of the group bits.
constexpr uint8_t kMaxDepth = 40;

inline uint8_t H2(uint64_t hash) { return static_cast<uint8_t>(hash & 0x7F); }
inline uint32_t GroupHash(uint64_t hash) { return static_cast<uint32_t>((hash >> 7) & 0x3FFF); }
inline uint32_t SlotGroupHash(uintptr_t slot) {
  return static_cast<uint32_t>(slot >> kGroupHashShift);
}
// The group a probe starts at: the group hash scaled to the group count (no power of two
// needed).
inline uint32_t HomeGroup(uint32_t group_hash, uint32_t groups) {
  return static_cast<uint32_t>((uint64_t{group_hash} * groups) >> 14);
}

// The element's address as slot bits. An element outside the 48-bit user address space
// (or not 4-byte aligned) would corrupt the tags: stop rather than store it.
inline uintptr_t PointerBits(const void* e) {
  const auto p = reinterpret_cast<uintptr_t>(e);
  if (__builtin_expect((p & ~kPointerMask) != 0, 0)) __builtin_trap();
  return p;
}
template <typename Traits>
inline uintptr_t Tag(typename Traits::Element* e, uint64_t hash) {
  return PointerBits(e) | (Traits::Volatile(e) ? kVolatileTag : 0) |
         (static_cast<uintptr_t>(GroupHash(hash)) << kGroupHashShift);
}
template <typename Traits>
inline typename Traits::Element* Untag(uintptr_t slot) {
  return reinterpret_cast<typename Traits::Element*>(slot & kPointerMask);
}

#if defined(__SSE2__)
inline uint32_t MatchByte(const uint8_t* ctrl, uint8_t b) {
  __m128i group = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ctrl));
  return static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(group, _mm_set1_epi8(static_cast<char>(b)))));
}
// Empty and deleted both have the top bit set; full slots hold a 7-bit tag.
inline uint32_t MatchFree(const uint8_t* ctrl) {
  __m128i group = _mm_loadu_si128(reinterpret_cast<const __m128i*>(ctrl));
  return static_cast<uint32_t>(_mm_movemask_epi8(group));
}
#else
inline uint32_t MatchByte(const uint8_t* ctrl, uint8_t b) {
  uint32_t m = 0;
  for (uint32_t i = 0; i < kGroup; ++i) m |= static_cast<uint32_t>(ctrl[i] == b) << i;
  return m;
}
inline uint32_t MatchFree(const uint8_t* ctrl) {
  uint32_t m = 0;
  for (uint32_t i = 0; i < kGroup; ++i) m |= static_cast<uint32_t>(ctrl[i] >> 7) << i;
  return m;
}
#endif
inline uint32_t MatchEmpty(const uint8_t* ctrl) { return MatchByte(ctrl, kEmpty); }

struct Segment {
  uint32_t capacity;  // slots: a multiple of kGroup
  uint32_t size;
  uint32_t tombstones;
  uint8_t local_depth;
  uint8_t pad[3];

  static constexpr size_t kHeader = 16;
  static constexpr size_t kGroupBytes = kGroup * (1 + sizeof(uintptr_t));

  uint8_t* ctrl() { return reinterpret_cast<uint8_t*>(this) + kHeader; }
  const uint8_t* ctrl() const { return reinterpret_cast<const uint8_t*>(this) + kHeader; }
  uintptr_t* slots() { return reinterpret_cast<uintptr_t*>(ctrl() + capacity); }
  const uintptr_t* slots() const {
    return reinterpret_cast<const uintptr_t*>(ctrl() + capacity);
  }
  uint32_t groups() const { return capacity / kGroup; }
  bool full(uint32_t i) const { return (ctrl()[i] & 0x80) == 0; }
  // Whether one more element would pass the 7/8 load limit (tombstones count as used).
  bool crowded() const { return (size + tombstones + 1) * 8 > capacity * 7; }

  // A segment of at least `groups` groups: as many as the allocator's block holds, since
  // its size classes are a quarter apart.
  static Segment* Create(uint32_t groups, uint8_t depth) {
    void* p = base::Allocate(kHeader + groups * kGroupBytes);
    const size_t fit = (base::UsableSize(p) - kHeader) / kGroupBytes;
    auto* s = static_cast<Segment*>(p);
    s->capacity = static_cast<uint32_t>(std::max<size_t>(fit, groups) * kGroup);
    s->size = 0;
    s->tombstones = 0;
    s->local_depth = depth;
    std::memset(s->ctrl(), kEmpty, s->capacity);
    std::memset(s->slots(), 0, s->capacity * sizeof(uintptr_t));
    return s;
  }

  // Places `slot` (an element known to be absent, control byte `h2`) in the first free
  // slot of its probe sequence. REQUIRES a free slot.
  void Place(uint8_t h2, uintptr_t slot) {
    const uint32_t n = groups();
    uint32_t g = HomeGroup(SlotGroupHash(slot), n);
    for (;;) {
      uint8_t* c = ctrl() + g * kGroup;
      uint32_t free = MatchFree(c);
      if (free != 0) {
        uint32_t i = g * kGroup + static_cast<uint32_t>(__builtin_ctz(free));
        if (ctrl()[i] == kDeleted) --tombstones;
        ctrl()[i] = h2;
        slots()[i] = slot;
        ++size;
        return;
      }
      if (++g == n) g = 0;
    }
  }
  // Moves every element of `from` in here. REQUIRES room for them.
  void TakeAll(const Segment& from) {
    for (uint32_t j = 0; j < from.capacity; ++j) {
      if (from.full(j)) Place(from.ctrl()[j], from.slots()[j]);
    }
  }
};

// Groups for `n` elements at about 70% load (room to grow before the next rebuild).
inline uint32_t GroupsFor(size_t n) {
  return static_cast<uint32_t>(std::max<size_t>(1, (n * 10 + 16 * 7 - 1) / (16 * 7)));
}

}  // namespace detail

using detail::GroupHash;
using detail::H2;
using detail::HomeGroup;
using detail::kDeleted;
using detail::kEmpty;
using detail::kGroup;
using detail::kMaxDepth;
using detail::kVolatileTag;
using detail::MatchByte;
using detail::MatchEmpty;
using detail::MatchFree;
using detail::Segment;
using detail::SlotGroupHash;

template <typename T>
SegmentedTable<T>::SegmentedTable() {
  dir_.push_back(NewSegment(1, 0));
  deep_segments_ = 1;
}

template <typename T>
SegmentedTable<T>::~SegmentedTable() {
  Clear();
  FreeSegments();
}

template <typename T>
SegmentedTable<T>::SegmentedTable(SegmentedTable&& o) noexcept
    : dir_(std::move(o.dir_)), global_depth_(o.global_depth_),
      deep_segments_(o.deep_segments_), size_(o.size_), volatile_(o.volatile_),
      slots_(o.slots_) {
  o.dir_.clear();
  o.slots_ = 0;
  o.dir_.push_back(o.NewSegment(1, 0));
  o.global_depth_ = 0;
  o.deep_segments_ = 1;
  o.size_ = o.volatile_ = 0;
}

template <typename T>
SegmentedTable<T>& SegmentedTable<T>::operator=(SegmentedTable&& o) noexcept {
  if (this != &o) {
    std::swap(dir_, o.dir_);
    std::swap(global_depth_, o.global_depth_);
    std::swap(deep_segments_, o.deep_segments_);
    std::swap(size_, o.size_);
    std::swap(volatile_, o.volatile_);
    std::swap(slots_, o.slots_);
  }
  return *this;
}

template <typename T>
uint64_t SegmentedTable<T>::Hash(std::string_view key) {
  return base::HashBytes(key);
}

template <typename T>
Segment* SegmentedTable<T>::NewSegment(uint32_t groups, uint8_t depth) {
  Segment* s = Segment::Create(groups, depth);
  slots_ += s->capacity;
  return s;
}

template <typename T>
void SegmentedTable<T>::DropSegment(Segment* s) {
  slots_ -= s->capacity;
  base::Free(s);
}

template <typename T>
void SegmentedTable<T>::FreeSegments() {
  for (size_t i = 0; i < dir_.size();) {
    Segment* s = dir_[i];
    i += size_t{1} << (global_depth_ - s->local_depth);
    DropSegment(s);
  }
  dir_.clear();
}

template <typename T>
typename T::Element* SegmentedTable<T>::Find(std::string_view key, uint64_t hash,
                                            Handle* where) const {
  Segment* s = SegmentFor(hash);
  const uint32_t groups = s->groups();
  const uint32_t group_hash = GroupHash(hash);
  uint32_t g = HomeGroup(group_hash, groups);
  const uint8_t h2 = H2(hash);
  for (uint32_t probes = 0; probes < groups; ++probes) {
    const uint8_t* c = s->ctrl() + g * kGroup;
    for (uint32_t m = MatchByte(c, h2); m != 0; m &= m - 1) {
      uint32_t i = g * kGroup + static_cast<uint32_t>(__builtin_ctz(m));
      const uintptr_t slot = s->slots()[i];
      if (SlotGroupHash(slot) != group_hash) continue;
      Element* e = detail::Untag<T>(slot);
      if (T::Key(e) == key) {
        if (where != nullptr) *where = {s, i};
        return e;
      }
    }
    if (MatchEmpty(c) != 0) return nullptr;
    if (++g == groups) g = 0;
  }
  return nullptr;
}

template <typename T>
void SegmentedTable<T>::Insert(uint64_t hash, Element* e, bool marked) {
  Segment* s = SegmentFor(hash);
  if (s->crowded()) {
    MakeRoom(hash);
    s = SegmentFor(hash);
  }
  s->Place(H2(hash), detail::Tag<T>(e, hash) | (marked ? detail::kMarkTag : 0));
  ++size_;
  if (T::Volatile(e)) ++volatile_;
}

template <typename T>
void SegmentedTable<T>::Replace(const Handle& where, Element* e) {
  uintptr_t& slot = where.segment->slots()[where.index];
  const bool was_volatile = (slot & kVolatileTag) != 0;
  const bool now_volatile = T::Volatile(e);
  slot = (slot & ~(detail::kPointerMask | kVolatileTag)) | detail::PointerBits(e) |
         (now_volatile ? kVolatileTag : 0);
  if (was_volatile != now_volatile) {
    if (now_volatile) {
      ++volatile_;
    } else {
      --volatile_;
    }
  }
}

template <typename T>
typename T::Element* SegmentedTable<T>::Remove(const Handle& where) {
  Segment* s = where.segment;
  uintptr_t slot = s->slots()[where.index];
  // A group that still has an empty slot was never full, so no probe sequence ever went
  // past it: the removed slot can become empty instead of a tombstone.
  const uint8_t* group = s->ctrl() + (where.index & ~(kGroup - 1));
  if (MatchEmpty(group) != 0) {
    s->ctrl()[where.index] = kEmpty;
  } else {
    s->ctrl()[where.index] = kDeleted;
    ++s->tombstones;
  }
  s->slots()[where.index] = 0;
  --s->size;
  --size_;
  if (slot & kVolatileTag) --volatile_;
  return detail::Untag<T>(slot);
}

template <typename T>
void SegmentedTable<T>::Clear() {
  for (size_t i = 0; i < dir_.size();) {
    Segment* s = dir_[i];
    i += size_t{1} << (global_depth_ - s->local_depth);
    for (uint32_t j = 0; j < s->capacity; ++j) {
      if (s->full(j)) T::Destroy(detail::Untag<T>(s->slots()[j]));
    }
  }
  FreeSegments();
  dir_.push_back(NewSegment(1, 0));
  global_depth_ = 0;
  deep_segments_ = 1;
  size_ = volatile_ = 0;
}

template <typename T>
void SegmentedTable<T>::MakeRoom(uint64_t hash) {
  size_t di = DirIndex(hash);
  Segment* s = dir_[di];
  const uint32_t groups = s->groups();
  if (s->tombstones * 4 >= s->capacity) {
    Rebuild(di, groups);  // mostly tombstones: clean up in place
  } else if (groups < kMaxGroups || s->local_depth >= kMaxDepth) {
    // Past kMaxDepth (only reachable with colliding hashes) segments grow instead.
    Rebuild(di, std::max(groups + 1, groups + groups / 4));
  } else {
    Split(di);
  }
}

template <typename T>
void SegmentedTable<T>::Swap(size_t dir_index, Segment* old, Segment* fresh) {
  const size_t span = size_t{1} << (global_depth_ - old->local_depth);
  const size_t first = dir_index & ~(span - 1);
  for (size_t i = first; i < first + span; ++i) dir_[i] = fresh;
  DropSegment(old);
}

template <typename T>
void SegmentedTable<T>::Rebuild(size_t dir_index, uint32_t groups) {
  Segment* old = dir_[dir_index];
  Segment* fresh = NewSegment(groups, old->local_depth);
  fresh->TakeAll(*old);
  Swap(dir_index, old, fresh);
}

template <typename T>
void SegmentedTable<T>::Split(size_t dir_index) {
  Segment* old = dir_[dir_index];
  if (old->local_depth == global_depth_) {
    std::vector<Segment*> bigger(dir_.size() * 2);
    for (size_t i = 0; i < bigger.size(); ++i) bigger[i] = dir_[i >> 1];
    dir_.swap(bigger);
    ++global_depth_;
    deep_segments_ = 0;
    dir_index *= 2;
  }
  const uint8_t depth = old->local_depth;
  if (depth + 1 == global_depth_) deep_segments_ += 2;  // both halves use the last bit
  // The bit below the segment's prefix sends each element to one half; the halves are
  // sized for what they get.
  std::vector<bool> high_half(old->capacity);
  size_t highs = 0;
  for (uint32_t j = 0; j < old->capacity; ++j) {
    if (!old->full(j)) continue;
    const uint64_t h = Hash(T::Key(detail::Untag<T>(old->slots()[j])));
    high_half[j] = ((h >> (63 - depth)) & 1) != 0;
    highs += high_half[j];
  }
  Segment* low = NewSegment(detail::GroupsFor(old->size - highs), static_cast<uint8_t>(depth + 1));
  Segment* high = NewSegment(detail::GroupsFor(highs), static_cast<uint8_t>(depth + 1));
  for (uint32_t j = 0; j < old->capacity; ++j) {
    if (old->full(j)) (high_half[j] ? high : low)->Place(old->ctrl()[j], old->slots()[j]);
  }
  const size_t span = size_t{1} << (global_depth_ - depth);
  const size_t first = dir_index & ~(span - 1);
  for (size_t i = first; i < first + span / 2; ++i) dir_[i] = low;
  for (size_t i = first + span / 2; i < first + span; ++i) dir_[i] = high;
  DropSegment(old);
}

template <typename T>
bool SegmentedTable<T>::Merge(size_t dir_index) {
  Segment* s = dir_[dir_index];
  if (s->local_depth == 0) return false;
  const size_t span = size_t{1} << (global_depth_ - s->local_depth);
  Segment* buddy = dir_[dir_index ^ span];
  // Merged, the two stay under 3/8 of a full segment: far from splitting again.
  if (buddy->local_depth != s->local_depth ||
      (s->size + buddy->size) * 8 > kMaxGroups * kGroup * 3) {
    return false;
  }
  if (s->local_depth == global_depth_) deep_segments_ -= 2;
  const uint8_t depth = static_cast<uint8_t>(s->local_depth - 1);
  Segment* merged = NewSegment(detail::GroupsFor(s->size + buddy->size), depth);
  merged->TakeAll(*s);
  merged->TakeAll(*buddy);
  const size_t first = dir_index & ~(2 * span - 1);
  for (size_t i = first; i < first + 2 * span; ++i) dir_[i] = merged;
  DropSegment(s);
  DropSegment(buddy);
  // Halve the directory while no segment uses its last bit.
  while (global_depth_ > 0 && deep_segments_ == 0) {
    std::vector<Segment*> smaller(dir_.size() / 2);
    for (size_t i = 0; i < smaller.size(); ++i) smaller[i] = dir_[2 * i];
    dir_.swap(smaller);
    --global_depth_;
    for (size_t i = 0; i < dir_.size();) {
      const Segment* t = dir_[i];
      i += size_t{1} << (global_depth_ - t->local_depth);
      deep_segments_ += t->local_depth == global_depth_;
    }
  }
  return true;
}

template <typename T>
void SegmentedTable<T>::SegmentRange(size_t dir_index, uint64_t* begin, uint64_t* end,
                                     bool* last) const {
  const Segment* s = dir_[dir_index];
  if (s->local_depth == 0) {
    *begin = 0;
    *end = 0;
    *last = true;
    return;
  }
  uint64_t prefix = static_cast<uint64_t>(dir_index) >> (global_depth_ - s->local_depth);
  int shift = 64 - s->local_depth;
  *begin = prefix << shift;
  *last = (prefix + 1) >> s->local_depth != 0;
  *end = *last ? 0 : (prefix + 1) << shift;
}

template <typename T>
uint64_t SegmentedTable<T>::Scan(uint64_t cursor, size_t count,
                                base::FunctionRef<void(Element*)> visit, bool* done) const {
  *done = false;
  size_t emitted = 0;
  std::vector<std::pair<uint64_t, Element*>> batch;
  while (true) {
    size_t di = DirIndex(cursor);
    const Segment* s = dir_[di];
    uint64_t begin, end;
    bool last;
    SegmentRange(di, &begin, &end, &last);
    batch.clear();
    for (uint32_t j = 0; j < s->capacity; ++j) {
      if (!s->full(j)) continue;
      Element* e = detail::Untag<T>(s->slots()[j]);
      uint64_t h = Hash(T::Key(e));
      if (h >= cursor) batch.emplace_back(h, e);
    }
    std::sort(batch.begin(), batch.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (size_t k = 0; k < batch.size(); ++k) {
      // Cut only where the position's top 56 bits change, so a cursor is exact at 56 bits.
      if (k > 0 && emitted >= count && (batch[k].first >> 8) != (batch[k - 1].first >> 8)) {
        return (batch[k].first >> 8) << 8;
      }
      visit(batch[k].second);
      ++emitted;
    }
    if (last) {
      *done = true;
      return 0;
    }
    cursor = end;
    if (emitted >= count) return cursor;
  }
}

template <typename T>
void SegmentedTable<T>::VisitSegment(uint64_t hash, base::FunctionRef<void(Element*)> visit,
                                     uint64_t* begin, uint64_t* end, bool* last) const {
  size_t di = DirIndex(hash);
  const Segment* s = dir_[di];
  SegmentRange(di, begin, end, last);
  for (uint32_t j = 0; j < s->capacity; ++j) {
    if (s->full(j)) visit(detail::Untag<T>(s->slots()[j]));
  }
}

template <typename T>
bool SegmentedTable<T>::Marked(const Handle& where) const {
  return (where.segment->slots()[where.index] & detail::kMarkTag) != 0;
}

template <typename T>
void SegmentedTable<T>::Mark(const Handle& where) {
  where.segment->slots()[where.index] |= detail::kMarkTag;
}

template <typename T>
void SegmentedTable<T>::TakeSegment(uint64_t hash, base::FunctionRef<void(Element*)> visit,
                                    uint64_t* begin, uint64_t* end, bool* last) {
  size_t di = DirIndex(hash);
  Segment* s = dir_[di];
  SegmentRange(di, begin, end, last);
  for (uint32_t j = 0; j < s->capacity; ++j) {
    if (!s->full(j)) continue;
    uintptr_t& slot = s->slots()[j];
    if (slot & detail::kMarkTag) {
      slot &= ~detail::kMarkTag;
    } else {
      visit(detail::Untag<T>(slot));
    }
  }
}

template <typename T>
void SegmentedTable<T>::ForEach(base::FunctionRef<void(Element*)> visit) const {
  for (size_t i = 0; i < dir_.size();) {
    const Segment* s = dir_[i];
    i += size_t{1} << (global_depth_ - s->local_depth);
    for (uint32_t j = 0; j < s->capacity; ++j) {
      if (s->full(j)) visit(detail::Untag<T>(s->slots()[j]));
    }
  }
}

template <typename T>
typename T::Element* SegmentedTable<T>::Random(base::FunctionRef<uint64_t()> random) const {
  if (size_ == 0) return nullptr;
  for (int attempt = 0; attempt < 64; ++attempt) {
    const Segment* s = dir_[random() & (dir_.size() - 1)];
    if (s->size == 0) continue;
    uint32_t j = static_cast<uint32_t>(random() % s->capacity);
    if (s->full(j)) return detail::Untag<T>(s->slots()[j]);
  }
  // Sparse table: walk from a random segment to the first entry.
  size_t start = random() & (dir_.size() - 1);
  for (size_t k = 0; k < dir_.size(); ++k) {
    const Segment* s = dir_[(start + k) & (dir_.size() - 1)];
    for (uint32_t j = 0; j < s->capacity; ++j) {
      if (s->full(j)) return detail::Untag<T>(s->slots()[j]);
    }
  }
  return nullptr;
}

template <typename T>
size_t SegmentedTable<T>::Sample(uint64_t random, size_t count, bool volatile_only,
                                 size_t max_slots,
                                 base::FunctionRef<void(Element*)> visit) const {
  if (size_ == 0 || count == 0 || (volatile_only && volatile_ == 0)) return 0;
  size_t di = static_cast<size_t>(random >> 32) & (dir_.size() - 1);
  uint32_t j = static_cast<uint32_t>(random % dir_[di]->capacity);
  size_t visited = 0;
  for (size_t looked = 0; looked < max_slots && visited < count;) {
    const Segment* s = dir_[di];
    for (; j < s->capacity && looked < max_slots && visited < count; ++j, ++looked) {
      const uintptr_t slot = s->slots()[j];
      if (!s->full(j) || (volatile_only && (slot & kVolatileTag) == 0)) continue;
      visit(detail::Untag<T>(slot));
      ++visited;
    }
    // On to the next segment in hash order (wrapping), from its first slot.
    const size_t span = size_t{1} << (global_depth_ - s->local_depth);
    di = ((di & ~(span - 1)) + span) & (dir_.size() - 1);
    j = 0;
  }
  return visited;
}

template <typename T>
uint64_t SegmentedTable<T>::SweepVolatile(
    uint64_t cursor, base::FunctionRef<bool(const Handle&, Element*)> visit, size_t* slots) {
  size_t di = DirIndex(cursor);
  Segment* s = dir_[di];
  uint64_t begin, end;
  bool last;
  SegmentRange(di, &begin, &end, &last);
  *slots += s->capacity;
  for (uint32_t j = 0; j < s->capacity; ++j) {
    uintptr_t slot = s->slots()[j];
    if ((slot & kVolatileTag) == 0 || !s->full(j)) continue;
    visit(Handle{s, j}, detail::Untag<T>(slot));
  }
  return last ? 0 : end;
}

template <typename T>
uint64_t SegmentedTable<T>::ShrinkStep(uint64_t cursor, bool may_merge) {
  size_t di = DirIndex(cursor);
  if (may_merge && Merge(di)) di = DirIndex(cursor);
  Segment* s = dir_[di];
  uint64_t begin, end;
  bool last;
  SegmentRange(di, &begin, &end, &last);
  // Under a quarter full: rebuilt at about 70%. Mostly tombstones: cleaned in place.
  const uint32_t want = s->size * 4 < s->capacity ? detail::GroupsFor(s->size) : s->groups();
  if (want < s->groups() || s->tombstones * 4 >= s->capacity) Rebuild(di, want);
  return last ? 0 : end;
}

template <typename T>
size_t SegmentedTable<T>::OverheadBytes() const {
  size_t total = dir_.capacity() * sizeof(Segment*);
  for (size_t i = 0; i < dir_.size();) {
    const Segment* s = dir_[i];
    i += size_t{1} << (global_depth_ - s->local_depth);
    total += base::UsableSize(s);
  }
  return total;
}

template <typename T>
TableStats SegmentedTable<T>::Stats() const {
  TableStats st;
  st.elements = size_;
  st.volatile_elements = volatile_;
  st.directory = dir_.size();
  for (size_t i = 0; i < dir_.size();) {
    const Segment* s = dir_[i];
    i += size_t{1} << (global_depth_ - s->local_depth);
    ++st.segments;
    st.slots += s->capacity;
    st.tombstones += s->tombstones;
    const uint32_t groups = s->groups();
    for (uint32_t slot = 0; slot < s->capacity; ++slot) {
      if (!s->full(slot)) continue;
      const uint32_t home = detail::HomeGroup(detail::SlotGroupHash(s->slots()[slot]), groups);
      const uint32_t at = slot / detail::kGroup;
      const size_t probe = at >= home ? at - home : at + groups - home;
      st.max_probe = std::max(st.max_probe, probe);
      st.probe_total += probe;
      ++st.probes[std::min(probe, TableStats::kProbeBuckets - 1)];
    }
  }
  return st;
}

}  // namespace cinnabar::core

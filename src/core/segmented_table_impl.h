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
constexpr uint8_t kMaxDepth = 48;

inline uint8_t H2(uint64_t hash) { return static_cast<uint8_t>(hash & 0x7F); }
inline size_t GroupStart(uint64_t hash, uint32_t groups) {
  return static_cast<size_t>((hash >> 7) & (groups - 1));
}

template <typename Traits>
inline uintptr_t Tag(typename Traits::Element* e) {
  return reinterpret_cast<uintptr_t>(e) | (Traits::Volatile(e) ? kVolatileTag : 0);
}
template <typename Traits>
inline typename Traits::Element* Untag(uintptr_t slot) {
  return reinterpret_cast<typename Traits::Element*>(slot & ~(kVolatileTag | kMarkTag));
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
  uint32_t capacity;
  uint32_t size;
  uint32_t tombstones;
  uint8_t local_depth;
  uint8_t pad[3];

  static constexpr size_t kHeader = 16;

  uint8_t* ctrl() { return reinterpret_cast<uint8_t*>(this) + kHeader; }
  const uint8_t* ctrl() const { return reinterpret_cast<const uint8_t*>(this) + kHeader; }
  uintptr_t* slots() { return reinterpret_cast<uintptr_t*>(ctrl() + capacity); }
  const uintptr_t* slots() const {
    return reinterpret_cast<const uintptr_t*>(ctrl() + capacity);
  }
  uint32_t groups() const { return capacity / kGroup; }
  bool full(uint32_t i) const { return (ctrl()[i] & 0x80) == 0; }

  static Segment* Create(uint32_t capacity, uint8_t depth) {
    size_t bytes = kHeader + capacity + capacity * sizeof(uintptr_t);
    auto* s = static_cast<Segment*>(base::Allocate(bytes));
    s->capacity = capacity;
    s->size = 0;
    s->tombstones = 0;
    s->local_depth = depth;
    std::memset(s->ctrl(), kEmpty, capacity);
    std::memset(s->slots(), 0, capacity * sizeof(uintptr_t));
    return s;
  }

  // Places `slot` (an entry known to be absent) in the first free slot of its probe
  // sequence. REQUIRES a free slot.
  void Place(uint64_t hash, uintptr_t slot) {
    uint32_t g = static_cast<uint32_t>(GroupStart(hash, groups()));
    for (uint32_t step = 1;; ++step) {
      uint8_t* c = ctrl() + g * kGroup;
      uint32_t free = MatchFree(c);
      if (free != 0) {
        uint32_t i = g * kGroup + static_cast<uint32_t>(__builtin_ctz(free));
        if (ctrl()[i] == kDeleted) --tombstones;
        ctrl()[i] = H2(hash);
        slots()[i] = slot;
        ++size;
        return;
      }
      g = (g + step) & (groups() - 1);
    }
  }
};

}  // namespace detail

using detail::GroupStart;
using detail::H2;
using detail::kDeleted;
using detail::kEmpty;
using detail::kGroup;
using detail::kMaxDepth;
using detail::kVolatileTag;
using detail::MatchByte;
using detail::MatchEmpty;
using detail::MatchFree;
using detail::Segment;

template <typename T>
SegmentedTable<T>::SegmentedTable() { dir_.push_back(Segment::Create(kMinSlots, 0)); }

template <typename T>
SegmentedTable<T>::~SegmentedTable() {
  Clear();
  FreeSegments();
}

template <typename T>
SegmentedTable<T>::SegmentedTable(SegmentedTable&& o) noexcept
    : dir_(std::move(o.dir_)), global_depth_(o.global_depth_), size_(o.size_),
      volatile_(o.volatile_) {
  o.dir_.clear();
  o.dir_.push_back(Segment::Create(kMinSlots, 0));
  o.global_depth_ = 0;
  o.size_ = o.volatile_ = 0;
}

template <typename T>
SegmentedTable<T>& SegmentedTable<T>::operator=(SegmentedTable&& o) noexcept {
  if (this != &o) {
    std::swap(dir_, o.dir_);
    std::swap(global_depth_, o.global_depth_);
    std::swap(size_, o.size_);
    std::swap(volatile_, o.volatile_);
  }
  return *this;
}

template <typename T>
uint64_t SegmentedTable<T>::Hash(std::string_view key) {
  return base::HashBytes(key);
}

template <typename T>
void SegmentedTable<T>::FreeSegments() {
  for (size_t i = 0; i < dir_.size();) {
    Segment* s = dir_[i];
    i += size_t{1} << (global_depth_ - s->local_depth);
    base::Free(s);
  }
  dir_.clear();
}

template <typename T>
typename T::Element* SegmentedTable<T>::Find(std::string_view key, uint64_t hash,
                                            Handle* where) const {
  Segment* s = SegmentFor(hash);
  const uint32_t groups = s->groups();
  uint32_t g = static_cast<uint32_t>(GroupStart(hash, groups));
  const uint8_t h2 = H2(hash);
  for (uint32_t step = 1; step <= groups; ++step) {
    const uint8_t* c = s->ctrl() + g * kGroup;
    for (uint32_t m = MatchByte(c, h2); m != 0; m &= m - 1) {
      uint32_t i = g * kGroup + static_cast<uint32_t>(__builtin_ctz(m));
      Element* e = detail::Untag<T>(s->slots()[i]);
      if (T::Key(e) == key) {
        if (where != nullptr) *where = {s, i};
        return e;
      }
    }
    if (MatchEmpty(c) != 0) return nullptr;
    g = (g + step) & (groups - 1);
  }
  return nullptr;
}

template <typename T>
void SegmentedTable<T>::Insert(uint64_t hash, Element* e, bool marked) {
  Segment* s = SegmentFor(hash);
  if ((s->size + s->tombstones + 1) * 8 > s->capacity * 7) {
    MakeRoom(hash);
    s = SegmentFor(hash);
  }
  s->Place(hash, detail::Tag<T>(e) | (marked ? detail::kMarkTag : 0));
  ++size_;
  if (T::Volatile(e)) ++volatile_;
}

template <typename T>
void SegmentedTable<T>::Replace(const Handle& where, Element* e) {
  uintptr_t& slot = where.segment->slots()[where.index];
  bool was_volatile = (slot & kVolatileTag) != 0;
  slot = detail::Tag<T>(e) | (slot & detail::kMarkTag);
  const bool now_volatile = T::Volatile(e);
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
  dir_.push_back(Segment::Create(kMinSlots, 0));
  global_depth_ = 0;
  size_ = volatile_ = 0;
}

template <typename T>
void SegmentedTable<T>::MakeRoom(uint64_t hash) {
  size_t di = DirIndex(hash);
  Segment* s = dir_[di];
  if (s->tombstones * 4 >= s->capacity) {
    Rebuild(di, s->capacity);  // mostly tombstones: clean up in place
  } else if (s->capacity < kMaxSlots || s->local_depth >= kMaxDepth) {
    // Past kMaxDepth (only reachable with colliding hashes) segments grow instead, so hash
    // positions keep their 56-bit scan granularity.
    Rebuild(di, s->capacity * 2);
  } else {
    Split(di);
  }
}

template <typename T>
void SegmentedTable<T>::Rebuild(size_t dir_index, uint32_t capacity) {
  Segment* old = dir_[dir_index];
  Segment* fresh = Segment::Create(capacity, old->local_depth);
  for (uint32_t j = 0; j < old->capacity; ++j) {
    if (!old->full(j)) continue;
    uintptr_t slot = old->slots()[j];
    fresh->Place(Hash(T::Key(detail::Untag<T>(slot))), slot);
  }
  size_t span = size_t{1} << (global_depth_ - old->local_depth);
  size_t first = dir_index & ~(span - 1);
  for (size_t i = first; i < first + span; ++i) dir_[i] = fresh;
  base::Free(old);
}

template <typename T>
void SegmentedTable<T>::Split(size_t dir_index) {
  Segment* old = dir_[dir_index];
  if (old->local_depth == global_depth_) {
    std::vector<Segment*> bigger(dir_.size() * 2);
    for (size_t i = 0; i < bigger.size(); ++i) bigger[i] = dir_[i >> 1];
    dir_.swap(bigger);
    ++global_depth_;
    dir_index *= 2;
  }
  const uint8_t depth = old->local_depth;
  Segment* low = Segment::Create(kMaxSlots, static_cast<uint8_t>(depth + 1));
  Segment* high = Segment::Create(kMaxSlots, static_cast<uint8_t>(depth + 1));
  for (uint32_t j = 0; j < old->capacity; ++j) {
    if (!old->full(j)) continue;
    uintptr_t slot = old->slots()[j];
    uint64_t h = Hash(T::Key(detail::Untag<T>(slot)));
    ((h >> (63 - depth)) & 1 ? high : low)->Place(h, slot);
  }
  size_t span = size_t{1} << (global_depth_ - depth);
  size_t first = dir_index & ~(span - 1);
  for (size_t i = first; i < first + span / 2; ++i) dir_[i] = low;
  for (size_t i = first + span / 2; i < first + span; ++i) dir_[i] = high;
  base::Free(old);
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
    uint32_t j = static_cast<uint32_t>(random() & (s->capacity - 1));
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
uint64_t SegmentedTable<T>::ShrinkStep(uint64_t cursor) {
  size_t di = DirIndex(cursor);
  Segment* s = dir_[di];
  uint64_t begin, end;
  bool last;
  SegmentRange(di, &begin, &end, &last);
  uint32_t want = s->capacity;
  // Halve while the segment is less than a quarter full: it ends at most half full.
  while (want > kMinSlots && s->size * 4 < want) want /= 2;
  if (want < s->capacity || s->tombstones * 4 >= s->capacity) Rebuild(di, want);
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

}  // namespace cinnabar::core

#include "core/intset.h"

#include <bit>
#include <cstring>

#include "base/memory.h"

namespace cinnabar::core {

uint32_t IntSet::WidthFor(int64_t v) {
  if (v >= INT16_MIN && v <= INT16_MAX) return 2;
  if (v >= INT32_MIN && v <= INT32_MAX) return 4;
  return 8;
}

IntSet* IntSet::New() {
  auto* s = static_cast<IntSet*>(base::Allocate(sizeof(IntSet)));
  s->width_ = 2;
  s->length_ = 0;
  return s;
}

void IntSet::Free(IntSet* s) { base::Free(s); }

IntSet* IntSet::Clone(const IntSet* s) {
  size_t bytes = sizeof(IntSet) + size_t{s->width_} * s->length_;
  auto* c = static_cast<IntSet*>(base::Allocate(bytes));
  std::memcpy(c, s, bytes);
  return c;
}

size_t IntSet::AllocatedBytes() const { return base::UsableSize(this); }

// Blob() and FromBlob() rely on the layout being Redis's byte for byte.
static_assert(std::endian::native == std::endian::little, "intset layout is little-endian");
static_assert(sizeof(IntSet) == 8, "intset header is two uint32s");

std::string_view IntSet::Blob() const {
  return {reinterpret_cast<const char*>(this), sizeof(IntSet) + size_t{width_} * length_};
}

IntSet* IntSet::FromBlob(std::string_view blob) {
  if (blob.size() < sizeof(IntSet)) return nullptr;
  uint32_t width, length;
  std::memcpy(&width, blob.data(), 4);
  std::memcpy(&length, blob.data() + 4, 4);
  if (width != 2 && width != 4 && width != 8) return nullptr;
  if ((blob.size() - sizeof(IntSet)) / width != length ||
      (blob.size() - sizeof(IntSet)) % width != 0) {
    return nullptr;
  }
  auto* s = static_cast<IntSet*>(base::Allocate(blob.size()));
  std::memcpy(s, blob.data(), blob.size());
  for (size_t i = 1; i < length; ++i) {
    if (s->Get(i - 1) >= s->Get(i)) {
      Free(s);
      return nullptr;
    }
  }
  return s;
}

IntSet* IntSet::Resize(IntSet* s, size_t length) {
  return static_cast<IntSet*>(base::Reallocate(s, sizeof(IntSet) + size_t{s->width_} * length));
}

int64_t IntSet::Get(size_t i) const {
  const uint8_t* p = data() + i * width_;
  switch (width_) {
    case 2: {
      int16_t v;
      std::memcpy(&v, p, 2);
      return v;
    }
    case 4: {
      int32_t v;
      std::memcpy(&v, p, 4);
      return v;
    }
    default: {
      int64_t v;
      std::memcpy(&v, p, 8);
      return v;
    }
  }
}

void IntSet::Set(size_t i, int64_t v) {
  uint8_t* p = data() + i * width_;
  switch (width_) {
    case 2: {
      auto x = static_cast<int16_t>(v);
      std::memcpy(p, &x, 2);
      break;
    }
    case 4: {
      auto x = static_cast<int32_t>(v);
      std::memcpy(p, &x, 4);
      break;
    }
    default:
      std::memcpy(p, &v, 8);
  }
}

bool IntSet::Search(int64_t v, size_t* pos) const {
  size_t lo = 0, hi = length_;
  // Values outside [min, max] are settled without a search (appends are common).
  if (length_ > 0) {
    if (v > Get(length_ - 1)) {
      *pos = length_;
      return false;
    }
    if (v < Get(0)) {
      *pos = 0;
      return false;
    }
  }
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    int64_t m = Get(mid);
    if (m == v) {
      *pos = mid;
      return true;
    }
    if (m < v) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  *pos = lo;
  return false;
}

bool IntSet::Contains(int64_t v) const {
  if (WidthFor(v) > width_) return false;
  size_t pos;
  return Search(v, &pos);
}

IntSet* IntSet::Add(IntSet* s, int64_t v, bool* added) {
  uint32_t need = WidthFor(v);
  if (need > s->width_) {
    // Upgrade: `v` is wider than every element, so it is the new minimum or maximum.
    // Rewrite from the back so no element is overwritten before it is read.
    uint32_t old_width = s->width_;
    size_t n = s->length_;
    auto* t = static_cast<IntSet*>(base::Reallocate(s, sizeof(IntSet) + size_t{need} * (n + 1)));
    bool prepend = v < 0;
    for (size_t i = n; i-- > 0;) {
      t->width_ = old_width;
      int64_t x = t->Get(i);
      t->width_ = need;
      t->Set(i + (prepend ? 1 : 0), x);
    }
    t->width_ = need;
    t->Set(prepend ? 0 : n, v);
    t->length_ = static_cast<uint32_t>(n + 1);
    *added = true;
    return t;
  }
  size_t pos;
  if (s->Search(v, &pos)) {
    *added = false;
    return s;
  }
  s = Resize(s, s->length_ + 1);
  std::memmove(s->data() + (pos + 1) * s->width_, s->data() + pos * s->width_,
               (s->length_ - pos) * size_t{s->width_});
  s->Set(pos, v);
  ++s->length_;
  *added = true;
  return s;
}

IntSet* IntSet::Remove(IntSet* s, int64_t v, bool* removed) {
  size_t pos;
  if (WidthFor(v) > s->width_ || !s->Search(v, &pos)) {
    *removed = false;
    return s;
  }
  std::memmove(s->data() + pos * s->width_, s->data() + (pos + 1) * s->width_,
               (s->length_ - pos - 1) * size_t{s->width_});
  --s->length_;
  *removed = true;
  return Resize(s, s->length_);
}

}  // namespace cinnabar::core

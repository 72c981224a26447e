#include "core/raw_string.h"

#include <cstring>
#include <new>

#include "base/memory.h"

namespace cinnabar::core {

RawString* RawString::Create(std::string_view value, size_t capacity) {
  if (capacity < value.size()) capacity = value.size();
  void* mem = base::Allocate(sizeof(RawString) + capacity);
  size_t usable = base::UsableSize(mem) - sizeof(RawString);
  auto* s = new (mem) RawString();
  s->size_ = value.size();
  s->capacity_ = usable;
  if (!value.empty()) std::memcpy(s->data_, value.data(), value.size());
  return s;
}

void RawString::Destroy(RawString* s) {
  if (s != nullptr) base::Free(s);
}

RawString* RawString::Resize(RawString* s, size_t size) {
  size_t old = s->size_;
  if (size > s->capacity_) {
    // Redis compat (sdsMakeRoomFor): double below 1 MB, then add 1 MB at a time.
    constexpr size_t kMaxPrealloc = 1024 * 1024;
    size_t want = size < kMaxPrealloc ? size * 2 : size + kMaxPrealloc;
    void* mem = base::Reallocate(s, sizeof(RawString) + want);
    s = static_cast<RawString*>(mem);
    s->capacity_ = base::UsableSize(mem) - sizeof(RawString);
  }
  if (size > old) std::memset(s->data_ + old, 0, size - old);
  s->size_ = size;
  return s;
}

size_t RawString::AllocatedBytes() const { return base::UsableSize(this); }

}  // namespace cinnabar::core

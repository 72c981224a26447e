// RawString: an out-of-line string value with spare capacity, for values too long to sit
// inside a key's entry and for strings grown by APPEND/SETRANGE (Redis's "raw" encoding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace cinnabar::core {

class RawString {
 public:
  // A new string holding `value`, with room for `capacity` bytes (>= value.size()).
  static RawString* Create(std::string_view value, size_t capacity);
  static void Destroy(RawString* s);

  std::string_view view() const { return {data_, size_}; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  char* data() { return data_; }

  // Makes room for `size` bytes, keeping the content; may move the string. New bytes past
  // the old size are zeroed (SETRANGE pads with zeros). Grows greedily as Redis's sds does.
  static RawString* Resize(RawString* s, size_t size);

  size_t AllocatedBytes() const;

 private:
  RawString() = default;
  uint64_t size_;
  uint64_t capacity_;
  char data_[];
};

}  // namespace cinnabar::core

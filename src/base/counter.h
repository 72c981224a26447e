// A statistics counter written by one thread and read by any: relaxed atomics, so a write
// costs a plain store on the owning thread and a reader never sees a torn value.
#pragma once

#include <atomic>
#include <cstdint>

namespace cinnabar::base {

class Counter {
 public:
  void Add(int64_t n) { v_.store(v_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed); }
  void Inc() { Add(1); }
  void Set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t Get() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

}  // namespace cinnabar::base

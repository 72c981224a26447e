// Waiting on an atomic counter that other threads raise and notify.
#pragma once

#include <atomic>

namespace cinnabar::base {

// Blocks until `counter` is at least `target`. Each wait is given the value just read, so
// a raise (and its notify) between the read and the wait is never missed.
inline void WaitUntilAtLeast(const std::atomic<unsigned>& counter, unsigned target) {
  for (unsigned seen = counter.load(); seen < target; seen = counter.load()) counter.wait(seen);
}

}  // namespace cinnabar::base

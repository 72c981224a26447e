// Wall-clock and monotonic time.
#pragma once

#include <cstdint>

namespace cinnabar::base {

// Milliseconds / microseconds since the Unix epoch (wall clock: expiry times are absolute).
int64_t UnixTimeMs();
int64_t UnixTimeUs();
// Monotonic microseconds, for durations and budgets.
int64_t MonotonicUs();

}  // namespace cinnabar::base

// LFU data in an entry's 24 access bits (Redis's layout): the high 16 bits are the minute
// (Unix time / 60, wrapping at 2^16) of the last decrement, the low 8 bits a logarithmic
// access counter. New keys start at kLfuInitial so they are not evicted before they can
// be used. Pure functions; the shard applies them (engine/shard.h).
#pragma once

#include <cstdint>

namespace cinnabar::core {

inline constexpr uint8_t kLfuInitial = 5;

inline uint16_t LfuMinutes(int64_t now_ms) { return static_cast<uint16_t>(now_ms / 60000); }

inline uint32_t LfuField(uint16_t minutes, uint8_t counter) {
  return (static_cast<uint32_t>(minutes) << 8) | counter;
}

// The counter of `field` after one decrement per `decay_minutes` elapsed since its last
// decrement (0: counters never decay).
inline uint8_t LfuDecayed(uint32_t field, uint16_t now_minutes, int64_t decay_minutes) {
  const uint16_t last = static_cast<uint16_t>(field >> 8);
  const uint8_t counter = static_cast<uint8_t>(field & 0xFF);
  if (decay_minutes <= 0) return counter;
  const uint32_t elapsed = now_minutes >= last ? now_minutes - last : 65535u - last + now_minutes;
  const int64_t periods = elapsed / decay_minutes;
  return periods >= counter ? 0 : static_cast<uint8_t>(counter - periods);
}

// One access: the counter grows with probability 1 / ((counter - initial) * factor + 1),
// `chance` uniform in [0, 1).
inline uint8_t LfuIncrement(uint8_t counter, int64_t log_factor, double chance) {
  if (counter == 255) return 255;
  const double base = counter > kLfuInitial ? counter - kLfuInitial : 0;
  const double p = 1.0 / (base * static_cast<double>(log_factor) + 1.0);
  return chance < p ? static_cast<uint8_t>(counter + 1) : counter;
}

}  // namespace cinnabar::core

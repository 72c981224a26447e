#include "engine/notify_flags.h"

#include <span>

namespace cinnabar::engine {
namespace {

struct Letter {
  char letter;
  uint32_t bits;
};
// In the order CONFIG GET prints them.
constexpr Letter kClassLetters[] = {
    {'g', kNotifyGeneric}, {'$', kNotifyString},  {'l', kNotifyList},   {'s', kNotifySet},
    {'h', kNotifyHash},    {'z', kNotifyZSet},    {'x', kNotifyExpired}, {'e', kNotifyEvicted},
    {'t', kNotifyStream},  {'d', kNotifyModule},  {'n', kNotifyNew},
};
constexpr Letter kChannelLetters[] = {
    {'K', kNotifyKeyspace}, {'E', kNotifyKeyevent}, {'m', kNotifyKeyMiss}};

}  // namespace

std::optional<uint32_t> ParseNotifyFlags(std::string_view letters) {
  uint32_t flags = 0;
  for (char ch : letters) {
    if (ch == 'A') {
      flags |= kNotifyAll;
      continue;
    }
    bool known = false;
    for (const auto& table : {std::span<const Letter>(kClassLetters),
                              std::span<const Letter>(kChannelLetters)}) {
      for (const Letter& l : table) {
        if (l.letter == ch) {
          flags |= l.bits;
          known = true;
        }
      }
    }
    if (!known) return std::nullopt;
  }
  return flags;
}

std::string FormatNotifyFlags(uint32_t flags) {
  std::string out;
  if ((flags & kNotifyAll) == kNotifyAll) {
    // Redis compat: with A the n class is not shown (it is still set).
    out += 'A';
  } else {
    for (const Letter& l : kClassLetters) {
      if (flags & l.bits) out += l.letter;
    }
  }
  for (const Letter& l : kChannelLetters) {
    if (flags & l.bits) out += l.letter;
  }
  return out;
}

}  // namespace cinnabar::engine

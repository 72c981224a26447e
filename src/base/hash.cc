#include "base/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace cinnabar::base {

std::string_view HashTag(std::string_view key) {
  size_t open = key.find('{');
  if (open == std::string_view::npos) return key;
  size_t close = key.find('}', open + 1);
  if (close == std::string_view::npos || close == open + 1) return key;
  return key.substr(open + 1, close - open - 1);
}

namespace {
uint64_t g_seed = 0;
}  // namespace

void SetHashSeed(uint64_t seed) { g_seed = seed; }

uint64_t HashBytes(std::string_view bytes) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), g_seed);
}

}  // namespace cinnabar::base

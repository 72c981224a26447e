// Key hashing: which shard owns a key, and where it sits in a table.
#pragma once

#include <cstdint>
#include <string_view>

namespace cinnabar::base {

// The part of `key` that decides its shard: the text between the first '{' and the next
// '}' when that text is non-empty (Redis Cluster's hashtag rule), else the whole key.
std::string_view HashTag(std::string_view key);

// 64-bit hash of arbitrary bytes (XXH3 with a per-process seed).
uint64_t HashBytes(std::string_view bytes);
// Sets the seed (at startup, before any thread hashes); a random seed defeats
// precomputed collisions.
void SetHashSeed(uint64_t seed);

// For string-keyed hash maps that find by string_view without building a string
// (std::unordered_map<std::string, V, StringHash, std::equal_to<>>). Seeded: names that
// come from clients (channels) cannot be chosen to collide.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return static_cast<size_t>(HashBytes(s)); }
};

// The shard of `key` among `shard_count` shards.
inline unsigned ShardOf(std::string_view key, unsigned shard_count) {
  if (shard_count == 1) return 0;
  uint64_t h = HashBytes(HashTag(key));
  // Key tables place entries by the top bits and the low 21 bits of the hash; the shard
  // comes from the bits in between, so keys that share a shard still spread over its table.
  return static_cast<unsigned>((h >> 21) % shard_count);
}

}  // namespace cinnabar::base

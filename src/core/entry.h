// Entry: everything the keyspace stores for one key, in one allocation:
//
//   byte 0      type (bits 0-2) | encoding (bits 3-4) | in-arena (bit 5: the block is
//               an EntryArena's) | has-expire (bit 6) | unshared (bit 7: an int-encoded
//               string that is a private object)
//   bytes 1-3   LRU clock or LFU data (24 bits)
//   varint      key length, then the key bytes
//   8 bytes     absolute expiry in Unix milliseconds, only when has-expire is set
//   value       string int: zigzag varint; string embstr: varint length + bytes;
//               anything else: an 8-byte pointer to the value's own allocation
//
// Entries are reached through the key table and replaced, not resized, when they change
// shape (a new value that does not fit, an expiry added or removed). Not thread-safe: only
// the thread that holds the entry's shard touches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "core/entry_arena.h"
#include "core/object_type.h"

namespace cinnabar::core {

// A value to store, described by its type and encoding.
struct Value {
  ObjType type = ObjType::kString;
  uint8_t encoding = kStrEmbStr;
  // kStrInt only: the integer is a private object rather than the shared one Redis keeps
  // for 0..9999 (Redis compat: COPY makes one; OBJECT REFCOUNT then answers 1). New values
  // start shared; other encodings ignore it.
  bool unshared = false;
  int64_t integer = 0;       // kStrInt
  std::string_view bytes{};  // kStrEmbStr
  void* pointer = nullptr;   // everything kept out of line

  static Value Int(int64_t v) {
    return {.type = ObjType::kString, .encoding = kStrInt, .integer = v};
  }
  static Value Embedded(std::string_view s) {
    return {.type = ObjType::kString, .encoding = kStrEmbStr, .bytes = s};
  }
  static Value OutOfLine(ObjType t, uint8_t enc, void* p) {
    return {.type = t, .encoding = enc, .pointer = p};
  }
  bool inline_value() const {
    return type == ObjType::kString && (encoding == kStrInt || encoding == kStrEmbStr);
  }
};

class Entry {
 public:
  // Allocates an entry, from `arena` when it has one and the entry fits a block, else
  // from the allocator. `expire_ms` 0 means no expiry.
  static Entry* Create(std::string_view key, int64_t expire_ms, const Value& value, uint32_t lru,
                       EntryArena* arena = nullptr);
  // Frees the entry only; an out-of-line value stays with whoever holds its pointer.
  static void FreeShell(Entry* e);

  // Returns `e` changed to hold `value` (its unshared bit included), in place when it
  // fits, else in a new allocation from the same arena (and `e` is freed). The old
  // value's out-of-line part is not freed.
  static Entry* ReplaceValue(Entry* e, const Value& value);
  // Returns `e` with expiry `expire_ms` (0 removes it), the value untouched (unshared
  // bit included); may reallocate as above.
  static Entry* ReplaceExpire(Entry* e, int64_t expire_ms);

  ObjType type() const { return static_cast<ObjType>(meta() & 0x7); }
  uint8_t encoding() const { return (meta() >> 3) & 0x3; }
  bool has_expire() const { return (meta() & kHasExpire) != 0; }
  int64_t expire_ms() const;  // 0 when none
  // Whether the value is an int-encoded string stored as a private object
  // (Value::unshared); false for every other value.
  bool unshared() const { return (meta() & kUnshared) != 0; }

  std::string_view key() const;
  uint32_t lru() const { return bytes()[1] | (bytes()[2] << 8) | (bytes()[3] << 16); }
  void set_lru(uint32_t v) {
    bytes()[1] = static_cast<uint8_t>(v);
    bytes()[2] = static_cast<uint8_t>(v >> 8);
    bytes()[3] = static_cast<uint8_t>(v >> 16);
  }

  // Value access. REQUIRES the matching type/encoding.
  int64_t int_value() const;
  std::string_view embedded() const;
  void* pointer() const;
  Value value() const;
  // Overwrites an out-of-line pointer in place (the value moved, e.g. a realloc).
  void set_pointer(void* p);
  // Changes only the encoding bits of an out-of-line value (a collection converted).
  void set_encoding(uint8_t enc);

  // Bytes this entry occupies in the allocator (the value's own allocation excluded).
  size_t AllocatedBytes() const;

 private:
  static constexpr uint8_t kEncodingBits = 0x18;
  static constexpr uint8_t kInArena = 0x20;
  static constexpr uint8_t kHasExpire = 0x40;
  static constexpr uint8_t kUnshared = 0x80;

  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this); }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(this); }
  uint8_t meta() const { return bytes()[0]; }
  bool in_arena() const { return (meta() & kInArena) != 0; }
  EntryArena* arena() const { return in_arena() ? EntryArena::Owner(this) : nullptr; }
  // Offset of the byte after the key (where the expiry or the value starts).
  size_t AfterKey() const;
  size_t ValueOffset() const { return AfterKey() + (has_expire() ? 8 : 0); }

  // Byte 0 for `v`: type, encoding, and the unshared bit of an int-encoded string.
  static uint8_t ValueMeta(const Value& v);
  static size_t ValueSize(const Value& v);
  static void WriteValue(uint8_t* p, const Value& v);
};

// Seconds since `lru` on the 24-bit LRU clock whose reading is now `now`; the clock wraps
// (Redis's estimateObjectIdleTime).
inline uint32_t LruIdleSeconds(uint32_t now, uint32_t lru) {
  return now >= lru ? now - lru : (0xFFFFFF - lru) + now;
}

}  // namespace cinnabar::core

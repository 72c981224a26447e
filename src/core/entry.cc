#include "core/entry.h"

#include <cassert>
#include <new>

#include "base/memory.h"
#include "core/varint.h"

namespace cinnabar::core {

uint8_t Entry::ValueMeta(const Value& v) {
  // Every encoding so far fits the two encoding bits.
  assert(v.encoding <= 3);
  bool unshared = v.unshared && v.type == ObjType::kString && v.encoding == kStrInt;
  return static_cast<uint8_t>(static_cast<uint8_t>(v.type) | (v.encoding << 3) |
                              (unshared ? kUnshared : 0));
}

size_t Entry::ValueSize(const Value& v) {
  if (v.type == ObjType::kString && v.encoding == kStrInt) return VarintSize(ZigZag(v.integer));
  if (v.type == ObjType::kString && v.encoding == kStrEmbStr) {
    return VarintSize(v.bytes.size()) + v.bytes.size();
  }
  return sizeof(void*);
}

void Entry::WriteValue(uint8_t* p, const Value& v) {
  if (v.type == ObjType::kString && v.encoding == kStrInt) {
    PutVarint(p, ZigZag(v.integer));
  } else if (v.type == ObjType::kString && v.encoding == kStrEmbStr) {
    size_t n = PutVarint(p, v.bytes.size());
    if (!v.bytes.empty()) std::memcpy(p + n, v.bytes.data(), v.bytes.size());
  } else {
    std::memcpy(p, &v.pointer, sizeof(void*));
  }
}

Entry* Entry::Create(std::string_view key, int64_t expire_ms, const Value& value, uint32_t lru,
                     EntryArena* arena) {
  size_t size = 4 + VarintSize(key.size()) + key.size() + (expire_ms != 0 ? 8 : 0) +
                ValueSize(value);
  const bool in_arena = arena != nullptr && size <= EntryArena::kMaxBlock;
  auto* p = static_cast<uint8_t*>(in_arena ? arena->Allocate(size) : base::Allocate(size));
  p[0] = static_cast<uint8_t>(ValueMeta(value) | (expire_ms != 0 ? kHasExpire : 0) |
                              (in_arena ? kInArena : 0));
  size_t off = 4;
  off += PutVarint(p + off, key.size());
  std::memcpy(p + off, key.data(), key.size());
  off += key.size();
  if (expire_ms != 0) {
    std::memcpy(p + off, &expire_ms, 8);
    off += 8;
  }
  WriteValue(p + off, value);
  auto* e = reinterpret_cast<Entry*>(p);
  e->set_lru(lru);
  return e;
}

void Entry::FreeShell(Entry* e) {
  if (e->in_arena()) {
    EntryArena::Free(e);
  } else {
    base::Free(e);
  }
}

size_t Entry::AfterKey() const {
  uint64_t len;
  size_t n = GetVarint(bytes() + 4, &len);
  return 4 + n + len;
}

std::string_view Entry::key() const {
  uint64_t len;
  size_t n = GetVarint(bytes() + 4, &len);
  return {reinterpret_cast<const char*>(bytes() + 4 + n), len};
}

int64_t Entry::expire_ms() const {
  if (!has_expire()) return 0;
  int64_t v;
  std::memcpy(&v, bytes() + AfterKey(), 8);
  return v;
}

int64_t Entry::int_value() const {
  uint64_t z;
  GetVarint(bytes() + ValueOffset(), &z);
  return UnZigZag(z);
}

std::string_view Entry::embedded() const {
  const uint8_t* p = bytes() + ValueOffset();
  uint64_t len;
  size_t n = GetVarint(p, &len);
  return {reinterpret_cast<const char*>(p + n), len};
}

void* Entry::pointer() const {
  void* p;
  std::memcpy(&p, bytes() + ValueOffset(), sizeof(void*));
  return p;
}

void Entry::set_pointer(void* p) { std::memcpy(bytes() + ValueOffset(), &p, sizeof(void*)); }

void Entry::set_encoding(uint8_t enc) {
  // Only out-of-line values change encoding this way, so the unshared bit (an int's) goes.
  assert(enc <= 3);
  bytes()[0] = static_cast<uint8_t>((meta() & ~(kEncodingBits | kUnshared)) | ((enc & 0x3) << 3));
}

Value Entry::value() const {
  Value v;
  v.type = type();
  v.encoding = encoding();
  v.unshared = unshared();
  if (v.type == ObjType::kString && v.encoding == kStrInt) {
    v.integer = int_value();
  } else if (v.type == ObjType::kString && v.encoding == kStrEmbStr) {
    v.bytes = embedded();
  } else {
    v.pointer = pointer();
  }
  return v;
}

size_t Entry::AllocatedBytes() const {
  return in_arena() ? EntryArena::BlockSize(this) : base::UsableSize(this);
}

Entry* Entry::ReplaceValue(Entry* e, const Value& value) {
  size_t value_off = e->ValueOffset();
  size_t needed = value_off + ValueSize(value);
  if (needed <= e->AllocatedBytes()) {
    // The new value may alias the old embedded bytes only if it is the same value; write
    // through a temporary when it is an embedded string to be safe.
    if (value.type == ObjType::kString && value.encoding == kStrEmbStr &&
        value.bytes.data() >= reinterpret_cast<const char*>(e) &&
        value.bytes.data() < reinterpret_cast<const char*>(e) + needed) {
      // Aliasing: fall through to the copying path.
    } else {
      WriteValue(e->bytes() + value_off, value);
      e->bytes()[0] = static_cast<uint8_t>(ValueMeta(value) | (e->meta() & (kHasExpire | kInArena)));
      return e;
    }
  }
  Entry* fresh = Create(e->key(), e->expire_ms(), value, e->lru(), e->arena());
  FreeShell(e);
  return fresh;
}

Entry* Entry::ReplaceExpire(Entry* e, int64_t expire_ms) {
  if (e->has_expire() && expire_ms != 0) {
    std::memcpy(e->bytes() + e->AfterKey(), &expire_ms, 8);
    return e;
  }
  if (!e->has_expire() && expire_ms == 0) return e;
  Entry* fresh = Create(e->key(), expire_ms, e->value(), e->lru(), e->arena());
  FreeShell(e);
  return fresh;
}

}  // namespace cinnabar::core

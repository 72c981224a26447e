#include "core/member_table.h"

#include <cstring>

#include "base/memory.h"
#include "core/segmented_table_impl.h"
#include "core/varint.h"

namespace cinnabar::core {

namespace {
const uint8_t* Bytes(const void* p) { return static_cast<const uint8_t*>(p); }
}  // namespace

SetMember* SetMember::Create(std::string_view member) {
  auto* p = static_cast<uint8_t*>(base::Allocate(VarintSize(member.size()) + member.size()));
  size_t n = PutVarint(p, member.size());
  if (!member.empty()) std::memcpy(p + n, member.data(), member.size());
  return reinterpret_cast<SetMember*>(p);
}

void SetMember::Free(SetMember* m) { base::Free(m); }

std::string_view SetMember::view() const {
  uint64_t len;
  size_t n = GetVarint(Bytes(this), &len);
  return {reinterpret_cast<const char*>(Bytes(this) + n), len};
}

size_t SetMember::AllocatedBytes() const { return base::UsableSize(this); }

// Both lengths come first so the field and the value are found without walking bytes.
HashField* HashField::Create(std::string_view field, std::string_view value) {
  size_t size = VarintSize(field.size()) + VarintSize(value.size()) + field.size() + value.size();
  auto* p = static_cast<uint8_t*>(base::Allocate(size));
  size_t off = PutVarint(p, field.size());
  off += PutVarint(p + off, value.size());
  if (!field.empty()) std::memcpy(p + off, field.data(), field.size());
  if (!value.empty()) std::memcpy(p + off + field.size(), value.data(), value.size());
  return reinterpret_cast<HashField*>(p);
}

void HashField::Free(HashField* f) { base::Free(f); }

std::string_view HashField::field() const {
  uint64_t flen, vlen;
  size_t n = GetVarint(Bytes(this), &flen);
  n += GetVarint(Bytes(this) + n, &vlen);
  return {reinterpret_cast<const char*>(Bytes(this) + n), flen};
}

std::string_view HashField::value() const {
  uint64_t flen, vlen;
  size_t n = GetVarint(Bytes(this), &flen);
  n += GetVarint(Bytes(this) + n, &vlen);
  return {reinterpret_cast<const char*>(Bytes(this) + n + flen), vlen};
}

size_t HashField::AllocatedBytes() const { return base::UsableSize(this); }

HashField* HashField::SetValue(HashField* f, std::string_view value) {
  std::string_view field = f->field();
  std::string_view old = f->value();
  size_t needed = VarintSize(field.size()) + VarintSize(value.size()) + field.size() + value.size();
  const char* begin = reinterpret_cast<const char*>(f);
  bool aliases = value.data() >= begin && value.data() < begin + base::UsableSize(f);
  if (!aliases && VarintSize(value.size()) == VarintSize(old.size()) &&
      needed <= base::UsableSize(f)) {
    auto* p = reinterpret_cast<uint8_t*>(f);
    size_t off = VarintSize(field.size());
    PutVarint(p + off, value.size());
    off += VarintSize(value.size()) + field.size();
    if (!value.empty()) std::memcpy(p + off, value.data(), value.size());
    return f;
  }
  HashField* fresh = Create(field, value);
  Free(f);
  return fresh;
}

template class SegmentedTable<SetMemberTraits>;
template class SegmentedTable<HashFieldTraits>;

}  // namespace cinnabar::core

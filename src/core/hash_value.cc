#include "core/hash_value.h"

#include <algorithm>
#include <unordered_set>

#include "core/listpack.h"
#include "core/member_table.h"

namespace cinnabar::core {
namespace {

// Redis's listpack safety limit (lpSafeToAdd): a listpack never grows past 1 GB.
constexpr size_t kListpackSafetySize = size_t{1} << 30;

uint8_t* AsListpack(void* p) { return static_cast<uint8_t*>(p); }
FieldTable* AsTable(void* p) { return static_cast<FieldTable*>(p); }

bool TooLong(std::string_view s, const HashLimits& limits) {
  return static_cast<int64_t>(s.size()) > limits.max_listpack_value;
}

// The listpack position of `field`'s key element, or null.
uint8_t* FindField(uint8_t* lp, std::string_view field) {
  return lp::Find(lp, lp::First(lp), field, 1);
}

}  // namespace

HashValue HashValue::Create() { return HashValue(kHashListpack, lp::New()); }

size_t HashValue::Size() const {
  if (encoding_ == kHashListpack) return lp::Length(AsListpack(pointer_)) / 2;
  return AsTable(pointer_)->size();
}

std::optional<std::string_view> HashValue::Get(std::string_view field,
                                               IntBuffer* scratch) const {
  if (encoding_ == kHashListpack) {
    uint8_t* lp = AsListpack(pointer_);
    uint8_t* p = FindField(lp, field);
    if (p == nullptr) return std::nullopt;
    return lp::GetString(lp::Next(lp, p), scratch);
  }
  const HashField* f = AsTable(pointer_)->Find(field, FieldTable::Hash(field), nullptr);
  if (f == nullptr) return std::nullopt;
  return f->value();
}

bool HashValue::Contains(std::string_view field) const {
  if (encoding_ == kHashListpack) return FindField(AsListpack(pointer_), field) != nullptr;
  return AsTable(pointer_)->Find(field, FieldTable::Hash(field), nullptr) != nullptr;
}

void HashValue::ConvertIfTooLong(std::span<const std::string_view> args,
                                 const HashLimits& limits) {
  if (encoding_ != kHashListpack) return;
  size_t total = 0;
  for (std::string_view a : args) {
    total += a.size();
    if (TooLong(a, limits)) return ConvertToTable();
  }
  if (lp::Bytes(AsListpack(pointer_)) + total >= kListpackSafetySize) ConvertToTable();
}

bool HashValue::Set(std::string_view field, std::string_view value, const HashLimits& limits) {
  if (encoding_ == kHashListpack) {
    // Redis compat (hashTypeSet): HINCRBY's results are checked here, the others earlier.
    if (TooLong(field, limits) || TooLong(value, limits)) ConvertToTable();
  }
  if (encoding_ == kHashListpack) {
    uint8_t* lp = AsListpack(pointer_);
    uint8_t* p = FindField(lp, field);
    bool created = p == nullptr;
    if (created) {
      lp = lp::Append(lp, field);
      pointer_ = lp::Append(lp, value);
    } else {
      uint8_t* v = lp::Next(lp, p);
      pointer_ = lp::Replace(lp, &v, value);
    }
    // Redis compat (hashTypeSet): the count is checked after an update too, so a hash
    // left above a lowered hash-max-listpack-entries converts on its next write.
    if (static_cast<int64_t>(Size()) > limits.max_listpack_entries) ConvertToTable();
    return created;
  }
  FieldTable* t = AsTable(pointer_);
  FieldTable::Handle where;
  uint64_t h = FieldTable::Hash(field);
  HashField* f = t->Find(field, h, &where);
  if (f != nullptr) {
    HashField* updated = HashField::SetValue(f, value);
    if (updated != f) t->Replace(where, updated);
    return false;
  }
  t->Insert(h, HashField::Create(field, value));
  return true;
}

bool HashValue::Delete(std::string_view field) {
  if (encoding_ == kHashListpack) {
    uint8_t* lp = AsListpack(pointer_);
    uint8_t* p = FindField(lp, field);
    if (p == nullptr) return false;
    pointer_ = lp::DeleteRange(lp, &p, 2);
    return true;
  }
  FieldTable* t = AsTable(pointer_);
  FieldTable::Handle where;
  uint64_t h = FieldTable::Hash(field);
  if (t->Find(field, h, &where) == nullptr) return false;
  HashField::Free(t->Remove(where));
  // Give memory back as the hash shrinks (Redis resizes its dict after deletions too).
  t->ShrinkStep(h);
  return true;
}

void HashValue::ForEach(
    base::FunctionRef<void(std::string_view, std::string_view)> visit) const {
  if (encoding_ == kHashListpack) {
    uint8_t* lp = AsListpack(pointer_);
    IntBuffer fbuf, vbuf;
    for (uint8_t* p = lp::First(lp); p != nullptr;) {
      uint8_t* v = lp::Next(lp, p);
      visit(lp::GetString(p, &fbuf), lp::GetString(v, &vbuf));
      p = lp::Next(lp, v);
    }
    return;
  }
  AsTable(pointer_)->ForEach([&](HashField* f) { visit(f->field(), f->value()); });
}

std::vector<std::pair<std::string, std::string>> HashValue::Pairs() const {
  std::vector<std::pair<std::string, std::string>> out;
  out.reserve(Size());
  ForEach([&](std::string_view f, std::string_view v) { out.emplace_back(f, v); });
  return out;
}

uint64_t HashValue::Scan(
    uint64_t cursor, size_t count,
    base::FunctionRef<void(std::string_view, std::string_view)> visit) const {
  if (encoding_ == kHashListpack) {
    ForEach(visit);
    return 0;
  }
  bool done = false;
  // The table's positions are 64-bit hashes cut at 56 bits; the cursor carries the top 56.
  uint64_t next = AsTable(pointer_)->Scan(
      cursor << 8, count, [&](HashField* f) { visit(f->field(), f->value()); }, &done);
  return done ? 0 : next >> 8;
}

std::vector<std::pair<std::string, std::string>> HashValue::Random(
    size_t count, bool repeat, base::FunctionRef<uint64_t()> random) const {
  const size_t size = Size();
  std::vector<std::pair<std::string, std::string>> out;
  const bool table = encoding_ == kHashHashtable;
  auto random_one = [&] {
    const HashField* f = AsTable(pointer_)->Random(random);
    return std::make_pair(std::string(f->field()), std::string(f->value()));
  };
  if (repeat) {
    out.reserve(count);
    if (table) {
      for (size_t i = 0; i < count; ++i) out.push_back(random_one());
    } else {
      auto all = Pairs();  // small: one pass beats a seek per pick
      for (size_t i = 0; i < count; ++i) out.push_back(all[random() % size]);
    }
    return out;
  }
  if (count >= size) return Pairs();
  if (table && count * 4 < size) {
    // Few of many: random picks until enough distinct fields.
    std::unordered_set<std::string> seen;
    while (out.size() < count) {
      auto pick = random_one();
      if (seen.insert(pick.first).second) out.push_back(std::move(pick));
    }
    return out;
  }
  out = Pairs();
  for (size_t i = 0; i < count; ++i) {  // partial Fisher-Yates
    size_t j = i + random() % (size - i);
    std::swap(out[i], out[j]);
  }
  out.resize(count);
  return out;
}

void HashValue::ConvertToTable() {
  auto* t = new FieldTable();
  ForEach([&](std::string_view f, std::string_view v) {
    uint64_t h = FieldTable::Hash(f);
    if (t->Find(f, h, nullptr) == nullptr) t->Insert(h, HashField::Create(f, v));
  });
  Destroy();
  encoding_ = kHashHashtable;
  pointer_ = t;
}

void HashValue::Destroy() {
  if (encoding_ == kHashListpack) {
    lp::Free(AsListpack(pointer_));
  } else {
    delete AsTable(pointer_);
  }
  pointer_ = nullptr;
}

HashValue HashValue::Clone() const {
  if (encoding_ == kHashListpack) {
    return HashValue(kHashListpack, lp::Clone(AsListpack(pointer_)));
  }
  auto* t = new FieldTable();
  AsTable(pointer_)->ForEach([&](HashField* f) {
    t->Insert(FieldTable::Hash(f->field()), HashField::Create(f->field(), f->value()));
  });
  return HashValue(kHashHashtable, t);
}

size_t HashValue::AllocatedBytes(size_t samples) const {
  if (encoding_ == kHashListpack) return lp::AllocatedBytes(AsListpack(pointer_));
  const FieldTable* t = AsTable(pointer_);
  return sizeof(FieldTable) + t->OverheadBytes() +
         EstimateElementBytes(*t, samples, [](HashField* f) { return f->AllocatedBytes(); });
}

}  // namespace cinnabar::core

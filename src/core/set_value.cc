#include "core/set_value.h"

#include <algorithm>
#include <unordered_set>

#include "base/string_util.h"
#include "core/intset.h"
#include "core/listpack.h"
#include "core/member_table.h"
#include "core/string_value.h"

namespace cinnabar::core {
namespace {

// Redis's listpack safety limit (lpSafeToAdd): a listpack never grows past 1 GB.
constexpr size_t kListpackSafetySize = size_t{1} << 30;

IntSet* AsIntSet(void* p) { return static_cast<IntSet*>(p); }
uint8_t* AsListpack(void* p) { return static_cast<uint8_t*>(p); }
MemberTable* AsTable(void* p) { return static_cast<MemberTable*>(p); }

bool ParseMemberInt(std::string_view s, int64_t* v) {
  return s.size() <= 20 && base::ParseInt64(s, v);
}

bool FitsListpack(std::string_view member, const SetLimits& limits) {
  return static_cast<int64_t>(member.size()) <= limits.max_listpack_value;
}

void TableAdd(MemberTable* t, std::string_view member) {
  uint64_t h = MemberTable::Hash(member);
  if (t->Find(member, h, nullptr) == nullptr) t->Insert(h, SetMember::Create(member));
}

}  // namespace

SetValue SetValue::Create(std::string_view first, size_t size_hint, const SetLimits& limits) {
  int64_t v;
  if (ParseMemberInt(first, &v) && static_cast<int64_t>(size_hint) <= limits.max_intset_entries) {
    return SetValue(kSetIntset, IntSet::New());
  }
  if (static_cast<int64_t>(size_hint) <= limits.max_listpack_entries &&
      FitsListpack(first, limits)) {
    return SetValue(kSetListpack, lp::New());
  }
  return SetValue(kSetHashtable, new MemberTable());
}

size_t SetValue::Size() const {
  switch (encoding_) {
    case kSetIntset: return AsIntSet(pointer_)->size();
    case kSetListpack: return lp::Length(AsListpack(pointer_));
    default: return AsTable(pointer_)->size();
  }
}

bool SetValue::Contains(std::string_view member) const {
  switch (encoding_) {
    case kSetIntset: {
      int64_t v;
      return ParseMemberInt(member, &v) && AsIntSet(pointer_)->Contains(v);
    }
    case kSetListpack: {
      uint8_t* lp = AsListpack(pointer_);
      return lp::Find(lp, lp::First(lp), member, 0) != nullptr;
    }
    default:
      return AsTable(pointer_)->Find(member, MemberTable::Hash(member), nullptr) != nullptr;
  }
}

bool SetValue::Add(std::string_view member, const SetLimits& limits) {
  if (encoding_ == kSetIntset) {
    int64_t v;
    if (ParseMemberInt(member, &v)) {
      bool added;
      pointer_ = IntSet::Add(AsIntSet(pointer_), v, &added);
      // Redis compat (maybeConvertIntset): too many integers go straight to a hashtable.
      if (added && static_cast<int64_t>(Size()) > limits.max_intset_entries) {
        Convert(kSetHashtable);
      }
      return added;
    }
    // A non-integer: listpack when the integers and the newcomer all fit one, else table.
    const IntSet* s = AsIntSet(pointer_);
    size_t widest = 0;
    if (s->size() > 0) {
      widest = std::max(base::Int64Length(s->Min()), base::Int64Length(s->Max()));
    }
    bool to_listpack = static_cast<int64_t>(s->size()) < limits.max_listpack_entries &&
                       FitsListpack(member, limits) &&
                       static_cast<int64_t>(widest) <= limits.max_listpack_value;
    Convert(to_listpack ? kSetListpack : kSetHashtable);
  }
  if (encoding_ == kSetListpack) {
    uint8_t* lp = AsListpack(pointer_);
    if (lp::Find(lp, lp::First(lp), member, 0) != nullptr) return false;
    if (static_cast<int64_t>(lp::Length(lp)) < limits.max_listpack_entries &&
        FitsListpack(member, limits) &&
        lp::Bytes(lp) + lp::EncodedSize(member) < kListpackSafetySize) {
      pointer_ = lp::Append(lp, member);
      return true;
    }
    Convert(kSetHashtable);
  }
  MemberTable* t = AsTable(pointer_);
  uint64_t h = MemberTable::Hash(member);
  if (t->Find(member, h, nullptr) != nullptr) return false;
  t->Insert(h, SetMember::Create(member));
  return true;
}

bool SetValue::Remove(std::string_view member) {
  switch (encoding_) {
    case kSetIntset: {
      int64_t v;
      if (!ParseMemberInt(member, &v)) return false;
      bool removed;
      pointer_ = IntSet::Remove(AsIntSet(pointer_), v, &removed);
      return removed;
    }
    case kSetListpack: {
      uint8_t* lp = AsListpack(pointer_);
      uint8_t* p = lp::Find(lp, lp::First(lp), member, 0);
      if (p == nullptr) return false;
      pointer_ = lp::Delete(lp, &p);
      return true;
    }
    default: {
      MemberTable* t = AsTable(pointer_);
      MemberTable::Handle where;
      uint64_t h = MemberTable::Hash(member);
      if (t->Find(member, h, &where) == nullptr) return false;
      SetMember::Free(t->Remove(where));
      // Give memory back as the set shrinks (Redis resizes its dict after deletions too).
      t->ShrinkStep(h);
      return true;
    }
  }
}

void SetValue::ForEach(base::FunctionRef<void(std::string_view)> visit) const {
  switch (encoding_) {
    case kSetIntset: {
      const IntSet* s = AsIntSet(pointer_);
      char buf[base::kInt64Chars];
      for (size_t i = 0; i < s->size(); ++i) {
        visit(std::string_view(buf, base::FormatInt64(s->Get(i), buf)));
      }
      return;
    }
    case kSetListpack: {
      uint8_t* lp = AsListpack(pointer_);
      IntBuffer scratch;
      for (uint8_t* p = lp::First(lp); p != nullptr; p = lp::Next(lp, p)) {
        visit(lp::GetString(p, &scratch));
      }
      return;
    }
    default:
      AsTable(pointer_)->ForEach([&](SetMember* m) { visit(m->view()); });
  }
}

std::vector<std::string> SetValue::Members() const {
  std::vector<std::string> out;
  out.reserve(Size());
  ForEach([&](std::string_view m) { out.emplace_back(m); });
  return out;
}

uint64_t SetValue::Scan(uint64_t cursor, size_t count,
                        base::FunctionRef<void(std::string_view)> visit) const {
  if (encoding_ != kSetHashtable) {
    ForEach(visit);
    return 0;
  }
  bool done = false;
  // The table's positions are 64-bit hashes cut at 56 bits; the cursor carries the top 56.
  uint64_t next = AsTable(pointer_)->Scan(
      cursor << 8, count, [&](SetMember* m) { visit(m->view()); }, &done);
  return done ? 0 : next >> 8;
}

std::string SetValue::RandomOne(base::FunctionRef<uint64_t()> random) const {
  switch (encoding_) {
    case kSetIntset: {
      const IntSet* s = AsIntSet(pointer_);
      return base::Int64ToString(s->Get(random() % s->size()));
    }
    case kSetListpack: {
      uint8_t* lp = AsListpack(pointer_);
      IntBuffer scratch;
      uint8_t* p = lp::Seek(lp, static_cast<int64_t>(random() % lp::Length(lp)));
      return std::string(lp::GetString(p, &scratch));
    }
    default:
      return std::string(AsTable(pointer_)->Random(random)->view());
  }
}

std::vector<std::string> SetValue::Random(size_t count, bool repeat,
                                          base::FunctionRef<uint64_t()> random) const {
  const size_t size = Size();
  std::vector<std::string> out;
  if (repeat) {
    out.reserve(count);
    if (encoding_ == kSetHashtable) {
      for (size_t i = 0; i < count; ++i) out.push_back(RandomOne(random));
    } else {
      std::vector<std::string> all = Members();  // small: one pass beats a seek per pick
      for (size_t i = 0; i < count; ++i) out.push_back(all[random() % size]);
    }
    return out;
  }
  if (count >= size) return Members();
  if (count == 1) return {RandomOne(random)};  // SPOP, SRANDMEMBER: no copy of the set
  if (encoding_ == kSetHashtable && count * 4 < size) {
    // Few of many: random picks until enough distinct ones.
    std::unordered_set<std::string> seen;
    while (seen.size() < count) seen.insert(RandomOne(random));
    out.assign(seen.begin(), seen.end());
    return out;
  }
  out = Members();
  for (size_t i = 0; i < count; ++i) {  // partial Fisher-Yates
    size_t j = i + random() % (size - i);
    std::swap(out[i], out[j]);
  }
  out.resize(count);
  return out;
}

void SetValue::Convert(uint8_t to) {
  std::vector<std::string> members = Members();
  void* fresh;
  if (to == kSetListpack) {
    uint8_t* lp = lp::New();
    for (const std::string& m : members) lp = lp::Append(lp, m);
    fresh = lp;
  } else {
    auto* t = new MemberTable();
    for (const std::string& m : members) TableAdd(t, m);
    fresh = t;
  }
  Destroy();
  encoding_ = to;
  pointer_ = fresh;
}

void SetValue::Destroy() {
  switch (encoding_) {
    case kSetIntset: IntSet::Free(AsIntSet(pointer_)); break;
    case kSetListpack: lp::Free(AsListpack(pointer_)); break;
    default: delete AsTable(pointer_);
  }
  pointer_ = nullptr;
}

SetValue SetValue::Clone() const {
  switch (encoding_) {
    case kSetIntset: return SetValue(kSetIntset, IntSet::Clone(AsIntSet(pointer_)));
    case kSetListpack: return SetValue(kSetListpack, lp::Clone(AsListpack(pointer_)));
    default: {
      auto* t = new MemberTable();
      AsTable(pointer_)->ForEach([&](SetMember* m) {
        t->Insert(MemberTable::Hash(m->view()), SetMember::Create(m->view()));
      });
      return SetValue(kSetHashtable, t);
    }
  }
}

size_t SetValue::AllocatedBytes(size_t samples) const {
  switch (encoding_) {
    case kSetIntset: return AsIntSet(pointer_)->AllocatedBytes();
    case kSetListpack: return lp::AllocatedBytes(AsListpack(pointer_));
    default: {
      const MemberTable* t = AsTable(pointer_);
      return sizeof(MemberTable) + t->OverheadBytes() +
             EstimateElementBytes(*t, samples, [](SetMember* m) { return m->AllocatedBytes(); });
    }
  }
}

}  // namespace cinnabar::core

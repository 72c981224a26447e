#include "core/list_value.h"

#include <algorithm>
#include <cstring>

#include "base/memory.h"
#include "base/string_util.h"

namespace cinnabar::core {

ListNeedle::ListNeedle(std::string_view s) : s_(s) {
  // The listpack stores canonical integers of up to 20 characters as integers.
  is_int_ = s.size() <= 20 && base::ParseInt64(s, &v_);
}

bool ListNeedle::Matches(const uint8_t* element) const {
  lp::Elem e = lp::Get(element);
  return e.is_int ? is_int_ && e.integer == v_ : !is_int_ && e.str == s_;
}

ListValue ListValue::Create() { return {kListListpack, lp::New()}; }

size_t ListValue::Length() const {
  return encoding_ == kListListpack ? lp::Length(lp()) : ql()->count();
}

void ListValue::GrowFor(size_t bytes, size_t count, const ListLimits& limits) {
  if (encoding_ != kListListpack) return;
  if (!NodeExceedsLimit(limits.fill, lp::Bytes(lp()) + bytes, lp::Length(lp()) + count)) return;
  pointer_ = Quicklist::FromListpack(lp(), limits.compress_depth);
  encoding_ = kListQuicklist;
}

void ListValue::GrowForElement(std::string_view s, const ListLimits& limits) {
  if (encoding_ == kListListpack && IsLargeElement(s.size())) {
    pointer_ = Quicklist::FromListpack(lp(), limits.compress_depth);
    encoding_ = kListQuicklist;
    return;
  }
  GrowFor(lp::EncodedSize(s), 1, limits);
}

void ListValue::ShrinkIfSmall(int fill) {
  if (encoding_ != kListQuicklist || ql()->node_count() > 1) return;
  if (ql()->node_count() == 1) {
    if (ql()->head()->large) return;
    // Redis compat (7.2): only at half the limit, so a list at the boundary does not
    // convert back and forth on every push and pop.
    NodeLimit limit = NodeLimitFor(fill);
    size_t bytes = Quicklist::ListpackBytes(ql()->head());
    if (bytes > limit.bytes / 2 || ql()->count() > limit.count / 2) return;
  }
  Quicklist* q = ql();
  pointer_ = q->ReleaseListpack();
  encoding_ = kListListpack;
  delete q;
}

void ListValue::Push(std::string_view s, ListEnd end, const ListLimits& limits) {
  GrowForElement(s, limits);
  if (encoding_ == kListListpack) {
    pointer_ = end == ListEnd::kHead ? lp::Prepend(lp(), s) : lp::Append(lp(), s);
  } else if (end == ListEnd::kHead) {
    ql()->PushHead(s, limits.fill);
  } else {
    ql()->PushTail(s, limits.fill);
  }
}

size_t ListValue::Pop(ListEnd end, size_t count, const ListLimits& limits,
                      ElementVisitor visit) {
  size_t len = Length();
  size_t n = std::min(count, len);
  if (n == 0) return 0;
  // Visit first, then delete the whole run at once: whole quicklist nodes go in one step.
  if (end == ListEnd::kHead) {
    Range(0, n - 1, false, visit);
    DeleteRange(0, n);
  } else {
    Range(len - n, len - 1, true, visit);
    DeleteRange(len - n, n);
  }
  ShrinkIfSmall(limits.fill);
  return n;
}

namespace {

// `index` (negative counts from the end) as an index below `len`, or false.
bool NormalizeIndex(int64_t index, size_t len, size_t* out) {
  int64_t n = static_cast<int64_t>(len);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return false;
  *out = static_cast<size_t>(index);
  return true;
}

}  // namespace

bool ListValue::Index(int64_t index, ElementVisitor visit) const {
  size_t i;
  if (!NormalizeIndex(index, Length(), &i)) return false;
  ListIterator it(*this, i, true);
  IntBuffer scratch;
  visit(it.Get(&scratch));
  return true;
}

bool ListValue::Set(int64_t index, std::string_view s, const ListLimits& limits) {
  // Redis compat (lsetCommand): the growth check comes before the index is known valid.
  GrowForElement(s, limits);
  if (encoding_ == kListListpack) {
    uint8_t* p = lp::Seek(lp(), index);
    if (p == nullptr) return false;
    pointer_ = lp::Replace(lp(), &p, s);
  } else {
    size_t i;
    if (!NormalizeIndex(index, Length(), &i)) return false;
    ql()->Replace(i, s, limits.fill);
  }
  ShrinkIfSmall(limits.fill);
  return true;
}

bool ListValue::Insert(std::string_view pivot, std::string_view s, lp::Where where,
                       const ListLimits& limits) {
  GrowForElement(s, limits);
  ListNeedle needle(pivot);
  if (encoding_ == kListListpack) {
    for (uint8_t* p = lp::First(lp()); p != nullptr; p = lp::Next(lp(), p)) {
      if (!needle.Matches(p)) continue;
      pointer_ = lp::Insert(lp(), p, s, where);
      return true;
    }
    return false;
  }
  if (Length() == 0) return false;
  size_t index = 0;
  for (ListIterator it(*this, 0, true); it.Valid(); it.Next(), ++index) {
    if (!it.Matches(needle)) continue;
    ql()->Insert(index, s, where, limits.fill);
    return true;
  }
  return false;
}

size_t ListValue::Remove(std::string_view s, int64_t count, const ListLimits& limits) {
  ListNeedle needle(s);
  // |INT64_MIN| does not fit an int64_t; as a limit it means "all" anyway.
  uint64_t limit = count >= 0 ? static_cast<uint64_t>(count)
                              : static_cast<uint64_t>(-(count + 1)) + 1;
  bool from_tail = count < 0;
  size_t removed = 0;
  auto more = [&] { return limit == 0 || removed < limit; };
  if (encoding_ == kListListpack) {
    uint8_t* p = from_tail ? lp::Last(lp()) : lp::First(lp());
    while (p != nullptr && more()) {
      uint8_t* prev = from_tail ? lp::Prev(lp(), p) : nullptr;
      if (!needle.Matches(p)) {
        p = from_tail ? prev : lp::Next(lp(), p);
        continue;
      }
      // Deleting may move the listpack: elements before `p` keep their offsets.
      size_t prev_offset = prev != nullptr ? static_cast<size_t>(prev - lp()) : 0;
      pointer_ = lp::Delete(lp(), &p);
      ++removed;
      if (from_tail) p = prev != nullptr ? lp() + prev_offset : nullptr;
    }
  } else {
    removed = ql()->DeleteMatching([&](const uint8_t* p) { return needle.Matches(p); },
                                   limit, from_tail);
  }
  if (removed > 0) ShrinkIfSmall(limits.fill);
  return removed;
}

void ListValue::Trim(size_t from_head, size_t from_tail, const ListLimits& limits) {
  size_t len = Length();
  if (from_head >= len || from_tail >= len - from_head) {
    DeleteRange(0, len);
  } else {
    DeleteRange(len - from_tail, from_tail);
    DeleteRange(0, from_head);
  }
  ShrinkIfSmall(limits.fill);
}

void ListValue::DeleteRange(size_t start, size_t n) {
  if (n == 0) return;
  if (encoding_ == kListListpack) {
    pointer_ = lp::DeleteRange(lp(), static_cast<int64_t>(start), n);
  } else {
    ql()->DeleteRange(start, n);
  }
}

void ListValue::Range(size_t start, size_t end, bool reverse, ElementVisitor visit) const {
  IntBuffer scratch;
  ListIterator it(*this, reverse ? end : start, !reverse);
  for (size_t n = end - start + 1; n > 0 && it.Valid(); --n, it.Next()) visit(it.Get(&scratch));
}

void ListValue::Destroy() {
  if (encoding_ == kListListpack) {
    lp::Free(lp());
  } else {
    delete ql();
  }
  pointer_ = nullptr;
}

ListValue ListValue::Clone() const {
  if (encoding_ == kListQuicklist) return {kListQuicklist, ql()->Clone()};
  size_t bytes = lp::Bytes(lp());
  auto* copy = static_cast<uint8_t*>(base::Allocate(bytes));
  std::memcpy(copy, lp(), bytes);
  return {kListListpack, copy};
}

size_t ListValue::AllocatedBytes(size_t samples) const {
  return encoding_ == kListListpack ? lp::AllocatedBytes(lp()) : ql()->AllocatedBytes(samples);
}

ListIterator::ListIterator(const ListValue& list, size_t index, bool forward)
    : forward_(forward) {
  if (list.encoding() == kListListpack) {
    lp_ = list.lp();
    p_ = lp::Seek(lp_, static_cast<int64_t>(index));
  } else {
    Quicklist::Location at = list.ql()->Locate(index);
    node_ = at.node;
    lp_ = Quicklist::Listpack(node_, &buf_);
    p_ = lp::Seek(lp_, at.offset);
  }
}

void ListIterator::Next() {
  p_ = forward_ ? lp::Next(lp_, p_) : lp::Prev(lp_, p_);
  if (p_ != nullptr || node_ == nullptr) return;
  node_ = forward_ ? node_->next : node_->prev;
  if (node_ == nullptr) return;
  lp_ = Quicklist::Listpack(node_, &buf_);
  p_ = forward_ ? lp::First(lp_) : lp::Last(lp_);
}

}  // namespace cinnabar::core

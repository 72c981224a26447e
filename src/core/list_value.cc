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

void ListValue::GrowFor(size_t bytes, size_t count, int fill) {
  if (encoding_ != kListListpack) return;
  if (!NodeExceedsLimit(fill, lp::Bytes(lp()) + bytes, lp::Length(lp()) + count)) return;
  pointer_ = Quicklist::FromListpack(lp());
  encoding_ = kListQuicklist;
}

void ListValue::ShrinkIfSmall(int fill) {
  if (encoding_ != kListQuicklist || ql()->node_count() > 1) return;
  if (ql()->node_count() == 1) {
    // Redis compat (7.2): only at half the limit, so a list at the boundary does not
    // convert back and forth on every push and pop.
    NodeLimit limit = NodeLimitFor(fill);
    if (lp::Bytes(ql()->head()->lp) > limit.bytes / 2 || ql()->count() > limit.count / 2) return;
  }
  Quicklist* q = ql();
  pointer_ = q->ReleaseListpack();
  encoding_ = kListListpack;
  delete q;
}

void ListValue::Push(std::string_view s, ListEnd end, int fill) {
  GrowFor(lp::EncodedSize(s), 1, fill);
  if (encoding_ == kListListpack) {
    pointer_ = end == ListEnd::kHead ? lp::Prepend(lp(), s) : lp::Append(lp(), s);
  } else if (end == ListEnd::kHead) {
    ql()->PushHead(s, fill);
  } else {
    ql()->PushTail(s, fill);
  }
}

size_t ListValue::Pop(ListEnd end, size_t count, int fill, ElementVisitor visit) {
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
  ShrinkIfSmall(fill);
  return n;
}

bool ListValue::Index(int64_t index, ElementVisitor visit) const {
  const uint8_t* p;
  if (encoding_ == kListListpack) {
    p = lp::Seek(lp(), index);
  } else {
    p = ql()->Seek(index).p;
  }
  if (p == nullptr) return false;
  IntBuffer scratch;
  visit(lp::GetString(p, &scratch));
  return true;
}

bool ListValue::Set(int64_t index, std::string_view s, int fill) {
  // Redis compat (lsetCommand): the growth check comes before the index is known valid.
  GrowFor(lp::EncodedSize(s), 1, fill);
  if (encoding_ == kListListpack) {
    uint8_t* p = lp::Seek(lp(), index);
    if (p == nullptr) return false;
    pointer_ = lp::Replace(lp(), &p, s);
  } else {
    Quicklist::Pos pos = ql()->Seek(index);
    if (!pos) return false;
    ql()->Replace(pos, s, fill);
  }
  ShrinkIfSmall(fill);
  return true;
}

bool ListValue::Insert(std::string_view pivot, std::string_view s, lp::Where where, int fill) {
  GrowFor(lp::EncodedSize(s), 1, fill);
  ListNeedle needle(pivot);
  if (encoding_ == kListListpack) {
    for (uint8_t* p = lp::First(lp()); p != nullptr; p = lp::Next(lp(), p)) {
      if (!needle.Matches(p)) continue;
      pointer_ = lp::Insert(lp(), p, s, where);
      return true;
    }
    return false;
  }
  for (Quicklist::Pos pos = ql()->Seek(0); pos; pos = Quicklist::Next(pos)) {
    if (!needle.Matches(pos.p)) continue;
    ql()->Insert(pos, s, where, fill);
    return true;
  }
  return false;
}

size_t ListValue::Remove(std::string_view s, int64_t count, int fill) {
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
    Quicklist* q = ql();
    Quicklist::Pos pos = from_tail ? q->Seek(-1) : q->Seek(0);
    while (pos && more()) {
      Quicklist::Pos prev = from_tail ? Quicklist::Prev(pos) : Quicklist::Pos{};
      if (!needle.Matches(pos.p)) {
        pos = from_tail ? prev : Quicklist::Next(pos);
        continue;
      }
      bool same_node = prev && prev.node == pos.node;
      size_t prev_offset = same_node ? static_cast<size_t>(prev.p - prev.node->lp) : 0;
      Quicklist::Pos next = q->Delete(pos);
      ++removed;
      if (!from_tail) {
        pos = next;
      } else {
        if (same_node) prev.p = prev.node->lp + prev_offset;  // the node survived: not empty
        pos = prev;
      }
    }
  }
  if (removed > 0) ShrinkIfSmall(fill);
  return removed;
}

void ListValue::Trim(size_t from_head, size_t from_tail, int fill) {
  size_t len = Length();
  if (from_head >= len || from_tail >= len - from_head) {
    DeleteRange(0, len);
  } else {
    DeleteRange(len - from_tail, from_tail);
    DeleteRange(0, from_head);
  }
  ShrinkIfSmall(fill);
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
    Quicklist::Pos pos = list.ql()->Seek(static_cast<int64_t>(index));
    node_ = pos.node;
    lp_ = node_ != nullptr ? node_->lp : nullptr;
    p_ = pos.p;
  }
}

void ListIterator::Next() {
  p_ = forward_ ? lp::Next(lp_, p_) : lp::Prev(lp_, p_);
  if (p_ != nullptr || node_ == nullptr) return;
  node_ = forward_ ? node_->next : node_->prev;
  if (node_ == nullptr) return;
  lp_ = node_->lp;
  p_ = forward_ ? lp::First(lp_) : lp::Last(lp_);
}

}  // namespace cinnabar::core

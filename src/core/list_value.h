// List values: the operations the list commands need, over the two encodings a list entry
// may hold — one listpack while the list is small (kListListpack), a quicklist of listpack
// nodes beyond that (kListQuicklist). Conversions follow Redis 7.2: a listpack becomes a
// quicklist when an addition would take it past `fill` (list-max-listpack-size), and a
// quicklist of a single node goes back to a listpack after removals leave it at most half
// the limit (so a list at the boundary does not flip on every push and pop). A new quicklist
// takes list-compress-depth from the limits in force at its conversion (see quicklist.h).
//
// A ListValue is a handle (encoding + pointer) to the list an entry stores; changes may move
// or re-encode the list, after which the caller stores encoding() and pointer() back in the
// entry (Database::UpdateObject). Elements are handed out as views valid only until the
// next change. Not thread-safe: only the thread holding the key's shard touches it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "base/function_ref.h"
#include "core/entry.h"
#include "core/listpack.h"
#include "core/quicklist.h"

namespace cinnabar::core {

enum class ListEnd : uint8_t { kHead, kTail };

// The list directives in force: list-max-listpack-size and list-compress-depth.
struct ListLimits {
  int fill = -2;
  int compress_depth = 0;
};

using ElementVisitor = base::FunctionRef<void(std::string_view)>;

// A value to compare list elements with; an integer-encoded element matches its canonical
// decimal form (so "10" matches an element stored as the integer 10, "010" does not).
class ListNeedle {
 public:
  explicit ListNeedle(std::string_view s);
  bool Matches(const uint8_t* element) const;

 private:
  std::string_view s_;
  bool is_int_ = false;
  int64_t v_ = 0;
};

class ListValue {
 public:
  ListValue(uint8_t encoding, void* pointer) : encoding_(encoding), pointer_(pointer) {}
  // The list a list entry holds. REQUIRES: e->type() == ObjType::kList.
  static ListValue Of(const Entry* e) { return {e->encoding(), e->pointer()}; }
  // A new empty list (a listpack); the caller stores it or destroys it.
  static ListValue Create();

  uint8_t encoding() const { return encoding_; }
  void* pointer() const { return pointer_; }
  Value value() const { return Value::OutOfLine(ObjType::kList, encoding_, pointer_); }

  size_t Length() const;

  // Adds `s` at `end`.
  void Push(std::string_view s, ListEnd end, const ListLimits& limits);
  // Removes up to `count` elements from `end`, showing each to `visit` in pop order first.
  // Returns how many were removed.
  size_t Pop(ListEnd end, size_t count, const ListLimits& limits, ElementVisitor visit);
  // Shows the element at `index` (negative counts from the end) to `visit`; false when out
  // of range.
  bool Index(int64_t index, ElementVisitor visit) const;
  // LSET: overwrites the element at `index`; false when out of range.
  bool Set(int64_t index, std::string_view s, const ListLimits& limits);
  // LINSERT: inserts `s` before or after the first element equal to `pivot`; false when
  // there is none.
  bool Insert(std::string_view pivot, std::string_view s, lp::Where where,
              const ListLimits& limits);
  // LREM: removes elements equal to `s`, at most |count| of them (0 = all), from the head
  // when count >= 0, else from the tail. Returns how many were removed.
  size_t Remove(std::string_view s, int64_t count, const ListLimits& limits);
  // LTRIM: removes `from_head` elements at the head and `from_tail` at the tail.
  void Trim(size_t from_head, size_t from_tail, const ListLimits& limits);
  // Shows elements start..end (inclusive, 0 <= start <= end < Length()) to `visit`, from
  // end down to start when `reverse`.
  void Range(size_t start, size_t end, bool reverse, ElementVisitor visit) const;

  void Destroy();
  ListValue Clone() const;
  // Bytes allocated for the value; `samples` > 0 estimates a large encoding from about
  // that many elements (MEMORY USAGE SAMPLES), 0 measures every one.
  size_t AllocatedBytes(size_t samples = 0) const;

 private:
  friend class ListIterator;
  uint8_t* lp() const { return static_cast<uint8_t*>(pointer_); }
  Quicklist* ql() const { return static_cast<Quicklist*>(pointer_); }
  // Converts to a quicklist if adding `count` elements of `bytes` encoded bytes would take
  // the listpack past the fill.
  void GrowFor(size_t bytes, size_t count, const ListLimits& limits);
  // GrowFor one element `s`; a large element (IsLargeElement) always converts, since it
  // needs a node of its own (Redis 7.2's listTypeTryConvertListpack).
  void GrowForElement(std::string_view s, const ListLimits& limits);
  // Converts back to a listpack if a single node holds at most half of `fill`'s limit
  // (and is not a large element's own node).
  void ShrinkIfSmall(int fill);
  // Deletes `n` elements from index `start` (clipped), without conversion.
  void DeleteRange(size_t start, size_t n);

  uint8_t encoding_;
  void* pointer_;
};

// Walks a list from an index towards the tail or the head, reading a compressed quicklist
// node from a copy (the list is not changed). Invalidated by any change.
class ListIterator {
 public:
  // REQUIRES: index < list.Length().
  ListIterator(const ListValue& list, size_t index, bool forward);
  ListIterator(const ListIterator&) = delete;
  ListIterator& operator=(const ListIterator&) = delete;
  bool Valid() const { return p_ != nullptr; }
  // The current element; integers are formatted into `scratch`.
  std::string_view Get(IntBuffer* scratch) const { return lp::GetString(p_, scratch); }
  bool Matches(const ListNeedle& needle) const { return needle.Matches(p_); }
  void Next();

 private:
  uint8_t* lp_ = nullptr;
  uint8_t* p_ = nullptr;
  Quicklist::Node* node_ = nullptr;  // null for the listpack encoding
  bool forward_;
  Quicklist::ReadBuffer buf_;  // node_ decompressed, when it is compressed
};

}  // namespace cinnabar::core

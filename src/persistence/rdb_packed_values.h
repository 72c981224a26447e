// Values from the packed blobs an RDB file holds (internal to the loader): a listpack of set
// members, hash field/value pairs or sorted-set member/score pairs, an intset, or a list's
// nodes, becomes the value in the encoding our limits choose: the blob itself when it is
// within them (as Redis adopts it), else the bigger encoding built from its elements.
//
// Outside input: a blob is checked completely before anything trusts it: the listpack or
// intset structure, then what the type needs (pairs, no duplicate member or field, valid
// scores). A string element that reads as an integer is rewritten as one, so an adopted
// listpack is one our own code could have written.
//
// Each function takes ownership of `lp` (adopted into `*out` or freed, also on failure) and
// returns null on success, else what is wrong (for the loader's corruption message).
// REQUIRES: `lp` passed lp::Validate and holds at least one element.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/entry.h"
#include "core/hash_value.h"
#include "core/quicklist.h"
#include "core/set_value.h"
#include "core/zset_value.h"

namespace cinnabar::persistence {

// A copy of `blob` as a listpack (base::Allocate'd), or null unless lp::Validate passes.
uint8_t* CopyListpack(std::string_view blob);

const char* SetFromListpack(uint8_t* lp, const core::SetLimits& limits, core::Value* out);
const char* HashFromListpack(uint8_t* lp, const core::HashLimits& limits, core::Value* out);
const char* ZSetFromListpack(uint8_t* lp, const core::ZSetLimits& limits, core::Value* out);
// An intset blob (SET_INTSET). Sets `*empty` instead of `*out` for an empty one.
const char* SetFromIntset(std::string_view blob, const core::SetLimits& limits, core::Value* out,
                          bool* empty);

// A list's nodes as a file holds them (LIST_QUICKLIST, LIST_QUICKLIST_2), in order, in a
// quicklist of list-compress-depth `compress_depth` (inner nodes are compressed as they
// come). Empty nodes are dropped (as Redis does). Destroys what it holds unless Finish
// took it.
class ListNodes {
 public:
  explicit ListNodes(int compress_depth) : compress_depth_(compress_depth) {}
  ListNodes(const ListNodes&) = delete;
  ListNodes& operator=(const ListNodes&) = delete;
  ~ListNodes();

  // Adds a node (ownership moves). REQUIRES: `lp` passed lp::Validate.
  void Add(uint8_t* lp);
  bool empty() const;
  // The list: a listpack when there is one node within `fill` (what our list code keeps
  // for such a list), else a quicklist of the nodes as read. REQUIRES: !empty().
  core::Value Finish(int fill);

 private:
  int compress_depth_;
  core::Quicklist* ql_ = nullptr;
};

}  // namespace cinnabar::persistence

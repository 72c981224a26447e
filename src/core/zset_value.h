// Sorted-set values: one API over both encodings, so command code never branches on them.
//
//   kZSetListpack  member, score, member, score... in (score, member) order in one listpack;
//                  a score is stored as Redis stores it (an integer when it is one within
//                  +-2^62, else "%.17g" text), so the listpack is Redis's byte for byte.
//   kZSetSkiplist  a ZSetIndex (B+tree plus member table), see core/zset_index.h.
//
// A set starts as a listpack and converts for good once it holds more than
// zset-max-listpack-entries members or a member longer than zset-max-listpack-value bytes.
//
// Range queries are expressed as rank intervals: RanksOf turns a score or lex range into
// [first, last), and ForRange / DeleteRange work on ranks. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/function_ref.h"
#include "core/object_type.h"

namespace cinnabar::core {

struct ZSetLimits {
  size_t max_listpack_entries = 128;
  size_t max_listpack_value = 64;
};

// A score interval (ZRANGEBYSCORE syntax: "(1" is exclusive).
struct ZScoreRange {
  double min = 0, max = 0;
  bool min_exclusive = false, max_exclusive = false;
};

// A lex interval (ZRANGEBYLEX syntax: "[a", "(a", "-", "+").
struct ZLexRange {
  std::string_view min, max;  // bytes after the '[' or '('
  bool min_exclusive = false, max_exclusive = false;
  bool min_is_neg_inf = false, max_is_pos_inf = false;
  bool min_is_pos_inf = false, max_is_neg_inf = false;  // "+" as min / "-" as max: empty
};

class ZSetValue {
 public:
  ZSetValue(uint8_t encoding, void* pointer) : encoding_(encoding), pointer_(pointer) {}

  // A new empty set in the encoding Redis would pick for `size_hint` members the longest
  // of which is `max_member_len` bytes (zsetTypeCreate).
  static ZSetValue Create(size_t size_hint, size_t max_member_len, const ZSetLimits& limits);
  // A new empty set for ZADD and ZINCRBY. Redis compat (7.0's zaddGenericCommand): only
  // the first member decides, so a ZADD of many members starts as a listpack and converts
  // part way; a -0 score added before the conversion is then kept as the listpack keeps
  // it, as 0.
  static ZSetValue CreateForAdd(size_t first_member_len, const ZSetLimits& limits) {
    return Create(1, first_member_len, limits);
  }

  uint8_t encoding() const { return encoding_; }
  void* pointer() const { return pointer_; }
  size_t size() const;

  // ZADD's flags and outcome (Redis's zsetAdd).
  enum AddFlag : int { kIncr = 1, kNx = 2, kXx = 4, kGt = 8, kLt = 16 };
  // kNothing: skipped by NX/XX/GT/LT; kUnchanged: the score was already that.
  enum class AddResult { kNothing, kAdded, kUpdated, kUnchanged, kNan };
  // Adds or updates `member`. With kIncr, `score` is an increment. `*new_score` receives
  // the member's score after the call (unless kNothing/kNan for a skipped element).
  AddResult Add(std::string_view member, double score, int flags, double* new_score,
                const ZSetLimits& limits);
  std::optional<double> Score(std::string_view member) const;
  // Removes `member`; false if absent.
  bool Remove(std::string_view member);
  // 0-based rank counting from the lowest score (or the highest when `reverse`).
  std::optional<size_t> Rank(std::string_view member, bool reverse) const;

  // The ranks [first, last) of the members inside the range.
  void RanksOf(const ZScoreRange& range, size_t* first, size_t* last) const;
  void RanksOf(const ZLexRange& range, size_t* first, size_t* last) const;

  using Visitor = base::FunctionRef<void(std::string_view member, double score)>;
  // Visits ranks [first, last) in order, or from last-1 down to first when `reverse`.
  void ForRange(size_t first, size_t last, bool reverse, Visitor visit) const;
  void ForEach(Visitor visit) const { ForRange(0, size(), false, visit); }
  // Removes ranks [first, last).
  void DeleteRange(size_t first, size_t last);

  // ZSCAN: a listpack is returned whole (cursor 0 back); a large set is scanned through its
  // member table. Returns the next cursor. Redis compat: scores are given as ZSCAN prints
  // them, as the encoding holds them: a listpack's stored form (an integral score as an
  // integer, "100000000000000000"), a large set's "%.17g" ("1e+17").
  using ScanVisitor = base::FunctionRef<void(std::string_view member, std::string_view score)>;
  uint64_t Scan(uint64_t cursor, size_t count, ScanVisitor visit) const;

  ZSetValue Clone() const;
  void Destroy();
  // Bytes allocated for the value; `samples` > 0 estimates a large encoding from about
  // that many elements (MEMORY USAGE SAMPLES), 0 measures every one.
  size_t AllocatedBytes(size_t samples = 0) const;

 private:
  void ConvertToIndex();
  // Adds a member known to be absent.
  void InsertNew(std::string_view member, double score, const ZSetLimits& limits);

  uint8_t encoding_;
  void* pointer_;
};

// Parses a ZRANGEBYSCORE bound ("1.5", "(1.5", "-inf"); false if not a valid float or NaN.
bool ParseScoreBound(std::string_view s, double* value, bool* exclusive);
// Parses a ZRANGEBYLEX bound into `range` (as min or max); false if malformed.
bool ParseLexBound(std::string_view s, bool is_min, ZLexRange* range);

}  // namespace cinnabar::core

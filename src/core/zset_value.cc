#include "core/zset_value.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "base/string_util.h"
#include "core/listpack.h"
#include "core/string_value.h"
#include "core/zset_index.h"

namespace cinnabar::core {
namespace {

// --- Listpack encoding: member, score pairs ---

// A score as Redis 7.0 writes it into a listpack (zzlInsertAt with double2ll): an integral
// score within +-2^62 as an integer, anything else "%.17g". So -0 is stored as the integer
// 0 (a large set keeps the sign), and 1e17 as 100000000000000000.
std::string_view ScoreText(double v, char* buf, size_t cap) {
  constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
  if (v >= -kLimit && v <= kLimit && v == static_cast<double>(static_cast<int64_t>(v))) {
    return {buf, base::FormatInt64(static_cast<int64_t>(v), buf)};
  }
  std::string s = base::FormatDouble(v);
  size_t n = std::min(s.size(), cap);
  std::memcpy(buf, s.data(), n);
  return {buf, n};
}

double LpScore(const uint8_t* p) {
  lp::Elem e = lp::Get(p);
  if (e.is_int) return static_cast<double>(e.integer);
  char buf[128];
  size_t n = std::min(e.str.size(), sizeof(buf) - 1);
  std::memcpy(buf, e.str.data(), n);
  buf[n] = '\0';
  return std::strtod(buf, nullptr);
}

uint8_t* LpFindMember(uint8_t* lp, std::string_view member) {
  uint8_t* p = lp::First(lp);
  return p == nullptr ? nullptr : lp::Find(lp, p, member, 1);
}

uint8_t* LpInsert(uint8_t* lp, std::string_view member, double score) {
  char buf[64];
  std::string_view text = ScoreText(score, buf, sizeof(buf));
  IntBuffer scratch;
  for (uint8_t* p = lp::First(lp); p != nullptr;) {
    uint8_t* q = lp::Next(lp, p);
    if (ZCompare(LpScore(q), lp::GetString(p, &scratch), score, member) > 0) {
      uint8_t* inserted = nullptr;
      lp = lp::Insert(lp, p, member, lp::Where::kBefore, &inserted);
      return lp::Insert(lp, inserted, text, lp::Where::kAfter);
    }
    p = lp::Next(lp, q);
  }
  lp = lp::Append(lp, member);
  return lp::Append(lp, text);
}

uint8_t* AsLp(void* p) { return static_cast<uint8_t*>(p); }
ZSetIndex* AsIndex(void* p) { return static_cast<ZSetIndex*>(p); }

}  // namespace

ZSetValue ZSetValue::Create(size_t size_hint, size_t max_member_len, const ZSetLimits& limits) {
  if (limits.max_listpack_entries == 0 || size_hint > limits.max_listpack_entries ||
      max_member_len > limits.max_listpack_value) {
    return ZSetValue(kZSetSkiplist, new ZSetIndex());
  }
  return ZSetValue(kZSetListpack, lp::New());
}

size_t ZSetValue::size() const {
  if (encoding_ == kZSetListpack) return lp::Length(AsLp(pointer_)) / 2;
  return AsIndex(pointer_)->tree.size();
}

std::optional<double> ZSetValue::Score(std::string_view member) const {
  if (encoding_ == kZSetListpack) {
    uint8_t* lp = AsLp(pointer_);
    uint8_t* p = LpFindMember(lp, member);
    if (p == nullptr) return std::nullopt;
    return LpScore(lp::Next(lp, p));
  }
  ZMember* m = AsIndex(pointer_)->Find(member);
  if (m == nullptr) return std::nullopt;
  return m->score;
}

void ZSetValue::ConvertToIndex() {
  auto* index = new ZSetIndex();
  uint8_t* lp = AsLp(pointer_);
  IntBuffer scratch;
  for (uint8_t* p = lp::First(lp); p != nullptr;) {
    uint8_t* q = lp::Next(lp, p);
    index->Insert(lp::GetString(p, &scratch), LpScore(q));
    p = lp::Next(lp, q);
  }
  lp::Free(lp);
  encoding_ = kZSetSkiplist;
  pointer_ = index;
}

void ZSetValue::InsertNew(std::string_view member, double score, const ZSetLimits& limits) {
  if (encoding_ == kZSetListpack && (size() + 1 > limits.max_listpack_entries ||
                                     member.size() > limits.max_listpack_value)) {
    ConvertToIndex();
  }
  if (encoding_ == kZSetListpack) {
    pointer_ = LpInsert(AsLp(pointer_), member, score);
  } else {
    AsIndex(pointer_)->Insert(member, score);
  }
}

ZSetValue::AddResult ZSetValue::Add(std::string_view member, double score, int flags,
                                    double* new_score, const ZSetLimits& limits) {
  if (std::isnan(score)) return AddResult::kNan;
  std::optional<double> current = Score(member);
  if (!current) {
    if (flags & kXx) return AddResult::kNothing;
    InsertNew(member, score, limits);
    *new_score = score;
    return AddResult::kAdded;
  }
  if (flags & kNx) return AddResult::kNothing;
  if (flags & kIncr) {
    score += *current;
    if (std::isnan(score)) return AddResult::kNan;
  }
  if (((flags & kLt) && score >= *current) || ((flags & kGt) && score <= *current)) {
    return AddResult::kNothing;
  }
  *new_score = score;
  if (score == *current) return AddResult::kUnchanged;
  if (encoding_ == kZSetListpack) {
    uint8_t* lp = AsLp(pointer_);
    uint8_t* p = LpFindMember(lp, member);
    // The member may point into the listpack's own bytes: copy before deleting.
    std::string keep(member);
    lp = lp::DeleteRange(lp, &p, 2);
    pointer_ = LpInsert(lp, keep, score);
  } else {
    ZSetIndex* index = AsIndex(pointer_);
    index->UpdateScore(index->Find(member), score);
  }
  return AddResult::kUpdated;
}

bool ZSetValue::Remove(std::string_view member) {
  if (encoding_ == kZSetListpack) {
    uint8_t* lp = AsLp(pointer_);
    uint8_t* p = LpFindMember(lp, member);
    if (p == nullptr) return false;
    pointer_ = lp::DeleteRange(lp, &p, 2);
    return true;
  }
  return AsIndex(pointer_)->Remove(member);
}

std::optional<size_t> ZSetValue::Rank(std::string_view member, bool reverse) const {
  size_t rank = 0;
  if (encoding_ == kZSetListpack) {
    uint8_t* lp = AsLp(pointer_);
    uint8_t* p = lp::First(lp);
    while (p != nullptr && !lp::Equals(p, member)) {
      p = lp::Next(lp, lp::Next(lp, p));
      ++rank;
    }
    if (p == nullptr) return std::nullopt;
  } else {
    ZSetIndex* index = AsIndex(pointer_);
    ZMember* m = index->Find(member);
    if (m == nullptr) return std::nullopt;
    rank = index->tree.Rank(m->score, m->view());
  }
  return reverse ? size() - 1 - rank : rank;
}

namespace {

// The number of leading members for which `before(member, score)` holds.
size_t CountBefore(uint8_t encoding, void* pointer,
                   base::FunctionRef<bool(std::string_view, double)> before) {
  if (encoding == kZSetListpack) {
    uint8_t* lp = AsLp(pointer);
    size_t n = 0;
    IntBuffer scratch;
    for (uint8_t* p = lp::First(lp); p != nullptr; ++n) {
      uint8_t* q = lp::Next(lp, p);
      if (!before(lp::GetString(p, &scratch), LpScore(q))) break;
      p = lp::Next(lp, q);
    }
    return n;
  }
  return AsIndex(pointer)->tree.CountBefore(
      [&before](const ZMember* m) { return before(m->view(), m->score); });
}

}  // namespace

void ZSetValue::RanksOf(const ZScoreRange& r, size_t* first, size_t* last) const {
  *first = CountBefore(encoding_, pointer_, [&r](std::string_view, double s) {
    return r.min_exclusive ? s <= r.min : s < r.min;
  });
  *last = CountBefore(encoding_, pointer_, [&r](std::string_view, double s) {
    return r.max_exclusive ? s < r.max : s <= r.max;
  });
  if (*last < *first) *last = *first;
}

void ZSetValue::RanksOf(const ZLexRange& r, size_t* first, size_t* last) const {
  size_t n = size();
  if (r.min_is_pos_inf || r.max_is_neg_inf) {
    *first = *last = 0;
    return;
  }
  auto below_min = [&r](std::string_view m, double) {
    int c = m.compare(r.min);
    return r.min_exclusive ? c <= 0 : c < 0;
  };
  auto up_to_max = [&r](std::string_view m, double) {
    int c = m.compare(r.max);
    return r.max_exclusive ? c < 0 : c <= 0;
  };
  *first = r.min_is_neg_inf ? 0 : CountBefore(encoding_, pointer_, below_min);
  *last = r.max_is_pos_inf ? n : CountBefore(encoding_, pointer_, up_to_max);
  if (*last < *first) *last = *first;
}

void ZSetValue::ForRange(size_t first, size_t last, bool reverse, Visitor visit) const {
  if (first >= last) return;
  if (encoding_ == kZSetListpack) {
    uint8_t* lp = AsLp(pointer_);
    IntBuffer scratch;
    uint8_t* p = lp::Seek(lp, static_cast<int64_t>(2 * (reverse ? last - 1 : first)));
    for (size_t i = first; i < last && p != nullptr; ++i) {
      uint8_t* q = lp::Next(lp, p);
      visit(lp::GetString(p, &scratch), LpScore(q));
      if (reverse) {
        p = lp::Prev(lp, p);
        if (p != nullptr) p = lp::Prev(lp, p);
      } else {
        p = lp::Next(lp, q);
      }
    }
    return;
  }
  ZBTree::Iterator it = AsIndex(pointer_)->tree.Seek(reverse ? last - 1 : first);
  for (size_t i = first; i < last && it.valid(); ++i) {
    ZMember* m = *it;
    visit(m->view(), m->score);
    if (reverse) {
      it.Prev();
    } else {
      it.Next();
    }
  }
}

void ZSetValue::DeleteRange(size_t first, size_t last) {
  if (first >= last) return;
  if (encoding_ == kZSetListpack) {
    pointer_ = lp::DeleteRange(AsLp(pointer_), static_cast<int64_t>(2 * first), 2 * (last - first));
    return;
  }
  ZSetIndex* index = AsIndex(pointer_);
  // Collect first: removing invalidates tree positions.
  std::vector<ZMember*> doomed;
  doomed.reserve(last - first);
  ZBTree::Iterator it = index->tree.Seek(first);
  for (size_t i = first; i < last && it.valid(); ++i, it.Next()) doomed.push_back(*it);
  for (ZMember* m : doomed) index->Remove(m->view());
}

uint64_t ZSetValue::Scan(uint64_t cursor, size_t count, ScanVisitor visit) const {
  if (encoding_ == kZSetListpack) {
    uint8_t* lp = AsLp(pointer_);
    IntBuffer member_scratch, score_scratch;
    for (uint8_t* p = lp::First(lp); p != nullptr;) {
      uint8_t* q = lp::Next(lp, p);
      visit(lp::GetString(p, &member_scratch), lp::GetString(q, &score_scratch));
      p = lp::Next(lp, q);
    }
    return 0;
  }
  bool done = false;
  uint64_t pos = AsIndex(pointer_)->members.Scan(
      cursor << 8, count,
      [&visit](ZMember* m) { visit(m->view(), base::FormatDouble(m->score)); }, &done);
  return done ? 0 : pos >> 8;
}

ZSetValue ZSetValue::Clone() const {
  if (encoding_ == kZSetListpack) {
    uint8_t* src = AsLp(pointer_);
    uint8_t* out = lp::New();
    IntBuffer scratch;
    for (uint8_t* p = lp::First(src); p != nullptr; p = lp::Next(src, p)) {
      out = lp::Append(out, lp::GetString(p, &scratch));
    }
    return ZSetValue(kZSetListpack, out);
  }
  auto* index = new ZSetIndex();
  ForEach([index](std::string_view m, double s) { index->Insert(m, s); });
  return ZSetValue(kZSetSkiplist, index);
}

void ZSetValue::Destroy() {
  if (encoding_ == kZSetListpack) {
    lp::Free(AsLp(pointer_));
  } else {
    delete AsIndex(pointer_);
  }
  pointer_ = nullptr;
}

size_t ZSetValue::AllocatedBytes(size_t samples) const {
  if (encoding_ == kZSetListpack) return lp::AllocatedBytes(AsLp(pointer_));
  return AsIndex(pointer_)->AllocatedBytes(samples);
}

bool ParseScoreBound(std::string_view s, double* value, bool* exclusive) {
  *exclusive = !s.empty() && s[0] == '(';
  if (*exclusive) s.remove_prefix(1);
  // Redis compat (zslParseRange): strtod over the whole text, so "" is 0 and leading
  // spaces pass; NaN is refused.
  std::string buf(s);
  char* end = nullptr;
  double v = std::strtod(buf.c_str(), &end);
  if (*end != '\0' || std::isnan(v)) return false;
  *value = v;
  return true;
}

bool ParseLexBound(std::string_view s, bool is_min, ZLexRange* range) {
  if (s.empty()) return false;
  bool plus = s.size() == 1 && s[0] == '+';
  bool minus = s.size() == 1 && s[0] == '-';
  if (plus || minus) {
    if (is_min) {
      range->min_is_neg_inf = minus;
      range->min_is_pos_inf = plus;
    } else {
      range->max_is_pos_inf = plus;
      range->max_is_neg_inf = minus;
    }
    return true;
  }
  if (s[0] != '(' && s[0] != '[') return false;
  bool exclusive = s[0] == '(';
  if (is_min) {
    range->min = s.substr(1);
    range->min_exclusive = exclusive;
  } else {
    range->max = s.substr(1);
    range->max_exclusive = exclusive;
  }
  return true;
}

}  // namespace cinnabar::core

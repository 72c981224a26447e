#include "persistence/rdb_packed_values.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "base/memory.h"
#include "base/string_util.h"
#include "core/intset.h"
#include "core/listpack.h"
#include "core/zset_index.h"

namespace cinnabar::persistence {
namespace {

// Longest score text the sorted-set listpack code reads in full (zset_value.cc's LpScore
// reads at most 127 characters); longer ones are rewritten rather than adopted.
constexpr size_t kMaxScoreText = 127;

bool ReadsAsInteger(std::string_view s) {
  int64_t v;
  return s.size() <= 20 && base::ParseInt64(s, &v);
}

// Every element of a listpack as text, in order; integers are formatted into an arena sized
// beforehand, so the views stay valid while the listpack does.
class ListpackText {
 public:
  explicit ListpackText(uint8_t* lp) {
    size_t ints = 0, n = 0;
    for (uint8_t* p = core::lp::First(lp); p != nullptr; p = core::lp::Next(lp, p), ++n) {
      if (core::lp::Get(p).is_int) ++ints;
    }
    arena_.reserve(ints * base::kInt64Chars);
    views_.reserve(n);
    for (uint8_t* p = core::lp::First(lp); p != nullptr; p = core::lp::Next(lp, p)) {
      core::lp::Elem e = core::lp::Get(p);
      if (!e.is_int) {
        if (ReadsAsInteger(e.str)) canonical_ = false;
        views_.push_back(e.str);
        max_len_ = std::max(max_len_, e.str.size());
        continue;
      }
      char buf[base::kInt64Chars];
      size_t len = base::FormatInt64(e.integer, buf);
      size_t at = arena_.size();
      arena_.append(buf, len);
      views_.emplace_back(arena_.data() + at, len);
      max_len_ = std::max(max_len_, len);
    }
  }

  size_t size() const { return views_.size(); }
  std::string_view operator[](size_t i) const { return views_[i]; }
  // Whether no string element reads as an integer (so our code could have written it).
  bool canonical() const { return canonical_; }
  size_t max_len() const { return max_len_; }

  // Whether the elements at first, first + step, ... hold the same text twice.
  bool HasDuplicates(size_t first, size_t step) const {
    std::vector<std::string_view> picked;
    picked.reserve(views_.size() / step + 1);
    for (size_t i = first; i < views_.size(); i += step) picked.push_back(views_[i]);
    std::sort(picked.begin(), picked.end());
    return std::adjacent_find(picked.begin(), picked.end()) != picked.end();
  }

 private:
  std::string arena_;
  std::vector<std::string_view> views_;
  bool canonical_ = true;
  size_t max_len_ = 0;
};

// `lp` with every element written as our listpack code writes it (integers as integers).
uint8_t* Canonical(uint8_t* lp, const ListpackText& text) {
  if (text.canonical()) return lp;
  uint8_t* out = core::lp::New();
  for (size_t i = 0; i < text.size(); ++i) out = core::lp::Append(out, text[i]);
  core::lp::Free(lp);
  return out;
}

// The same for a list node, without keeping the elements' text.
uint8_t* CanonicalNode(uint8_t* lp) {
  bool canonical = true;
  for (uint8_t* p = core::lp::First(lp); p != nullptr && canonical; p = core::lp::Next(lp, p)) {
    core::lp::Elem e = core::lp::Get(p);
    canonical = e.is_int || !ReadsAsInteger(e.str);
  }
  if (canonical) return lp;
  uint8_t* out = core::lp::New();
  core::IntBuffer scratch;
  for (uint8_t* p = core::lp::First(lp); p != nullptr; p = core::lp::Next(lp, p)) {
    out = core::lp::Append(out, core::lp::GetString(p, &scratch));
  }
  core::lp::Free(lp);
  return out;
}

}  // namespace

uint8_t* CopyListpack(std::string_view blob) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(blob.data());
  if (!core::lp::Validate(bytes, blob.size())) return nullptr;
  auto* lp = static_cast<uint8_t*>(base::Allocate(blob.size()));
  std::memcpy(lp, bytes, blob.size());
  return lp;
}

const char* SetFromListpack(uint8_t* lp, const core::SetLimits& limits, core::Value* out) {
  ListpackText text(lp);
  if (text.HasDuplicates(0, 1)) {
    core::lp::Free(lp);
    return "Set listpack integrity check failed.";
  }
  if (static_cast<int64_t>(text.size()) <= limits.max_listpack_entries &&
      static_cast<int64_t>(text.max_len()) <= limits.max_listpack_value) {
    *out = core::Value::OutOfLine(core::ObjType::kSet, core::kSetListpack, Canonical(lp, text));
    return nullptr;
  }
  core::SetValue set = core::SetValue::Create(text[0], text.size(), limits);
  for (size_t i = 0; i < text.size(); ++i) set.Add(text[i], limits);
  core::lp::Free(lp);
  *out = core::Value::OutOfLine(core::ObjType::kSet, set.encoding(), set.pointer());
  return nullptr;
}

const char* HashFromListpack(uint8_t* lp, const core::HashLimits& limits, core::Value* out) {
  ListpackText text(lp);
  if (text.size() % 2 != 0 || text.HasDuplicates(0, 2)) {
    core::lp::Free(lp);
    return "Hash listpack integrity check failed.";
  }
  if (static_cast<int64_t>(text.size() / 2) <= limits.max_listpack_entries &&
      static_cast<int64_t>(text.max_len()) <= limits.max_listpack_value) {
    *out = core::Value::OutOfLine(core::ObjType::kHash, core::kHashListpack, Canonical(lp, text));
    return nullptr;
  }
  core::HashValue hash = core::HashValue::Create();
  for (size_t i = 0; i < text.size(); i += 2) hash.Set(text[i], text[i + 1], limits);
  core::lp::Free(lp);
  *out = core::Value::OutOfLine(core::ObjType::kHash, hash.encoding(), hash.pointer());
  return nullptr;
}

const char* ZSetFromListpack(uint8_t* lp, const core::ZSetLimits& limits, core::Value* out) {
  ListpackText text(lp);
  const char* corrupt = "Zset listpack integrity check failed.";
  if (text.size() % 2 != 0 || text.HasDuplicates(0, 2)) {
    core::lp::Free(lp);
    return corrupt;
  }
  std::vector<double> scores(text.size() / 2);
  bool ordered = true;  // (score, member) ascending, as our listpack code keeps them
  size_t max_member = 0;
  for (size_t i = 0; i < scores.size(); ++i) {
    std::string_view member = text[2 * i], score = text[2 * i + 1];
    if (!base::ParseDouble(score, &scores[i])) {  // NaN and junk are refused
      core::lp::Free(lp);
      return corrupt;
    }
    if (score.size() > kMaxScoreText) ordered = false;
    if (i > 0 && core::ZCompare(scores[i - 1], text[2 * i - 2], scores[i], member) >= 0) {
      ordered = false;
    }
    max_member = std::max(max_member, member.size());
  }
  if (ordered && scores.size() <= limits.max_listpack_entries &&
      max_member <= limits.max_listpack_value) {
    *out = core::Value::OutOfLine(core::ObjType::kZSet, core::kZSetListpack, Canonical(lp, text));
    return nullptr;
  }
  core::ZSetValue zset = core::ZSetValue::Create(scores.size(), max_member, limits);
  for (size_t i = 0; i < scores.size(); ++i) {
    double added;
    zset.Add(text[2 * i], scores[i], 0, &added, limits);
  }
  core::lp::Free(lp);
  *out = core::Value::OutOfLine(core::ObjType::kZSet, zset.encoding(), zset.pointer());
  return nullptr;
}

const char* SetFromIntset(std::string_view blob, const core::SetLimits& limits, core::Value* out,
                          bool* empty) {
  core::IntSet* is = core::IntSet::FromBlob(blob);
  if (is == nullptr) return "Intset integrity check failed.";
  if (is->size() == 0) {
    core::IntSet::Free(is);
    *empty = true;
    return nullptr;
  }
  if (static_cast<int64_t>(is->size()) <= limits.max_intset_entries) {
    *out = core::Value::OutOfLine(core::ObjType::kSet, core::kSetIntset, is);
    return nullptr;
  }
  // Redis compat (rdbLoadObject): an intset past set-max-intset-entries is converted.
  char buf[base::kInt64Chars];
  auto text = [&](size_t i) { return std::string_view(buf, base::FormatInt64(is->Get(i), buf)); };
  core::SetValue set = core::SetValue::Create(text(0), is->size(), limits);
  for (size_t i = 0; i < is->size(); ++i) set.Add(text(i), limits);
  core::IntSet::Free(is);
  *out = core::Value::OutOfLine(core::ObjType::kSet, set.encoding(), set.pointer());
  return nullptr;
}

ListNodes::~ListNodes() { delete ql_; }

void ListNodes::Add(uint8_t* lp) {
  if (core::lp::Length(lp) == 0) {
    core::lp::Free(lp);  // Redis compat: empty nodes are skipped silently
    return;
  }
  lp = CanonicalNode(lp);
  if (ql_ == nullptr) ql_ = new core::Quicklist(compress_depth_);
  ql_->AppendNode(lp);
}

bool ListNodes::empty() const { return ql_ == nullptr; }

core::Value ListNodes::Finish(int fill) {
  core::Quicklist* ql = ql_;
  ql_ = nullptr;
  const core::Quicklist::Node* head = ql->head();
  if (ql->node_count() == 1 &&
      !core::NodeExceedsLimit(fill, core::Quicklist::ListpackBytes(head), head->count)) {
    uint8_t* lp = ql->ReleaseListpack();
    delete ql;
    return core::Value::OutOfLine(core::ObjType::kList, core::kListListpack, lp);
  }
  return core::Value::OutOfLine(core::ObjType::kList, core::kListQuicklist, ql);
}

}  // namespace cinnabar::persistence

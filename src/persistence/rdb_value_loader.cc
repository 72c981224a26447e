#include "persistence/rdb_value_loader.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/listpack.h"
#include "core/set_value.h"
#include "core/string_value.h"
#include "core/zset_value.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_legacy_decode.h"
#include "persistence/rdb_packed_values.h"

namespace cinnabar::persistence {
namespace {

// A listpack element holds at most a 32-bit length; a PLAIN node past that cannot be one.
constexpr size_t kMaxElement = UINT32_MAX - 64;

}  // namespace

base::Status RdbValueLoader::Load(uint8_t type, core::Value* out, bool* empty) {
  *empty = false;
  switch (type) {
    case kRdbTypeString:
      return LoadString(out);
    case kRdbTypeList:
      return LoadList(out, empty);
    case kRdbTypeSet:
      return LoadSet(out, empty);
    case kRdbTypeZSet:
      return LoadZSet(false, out, empty);
    case kRdbTypeZSet2:
      return LoadZSet(true, out, empty);
    case kRdbTypeHash:
      return LoadHash(out, empty);
    case kRdbTypeListZiplist:
      return LoadListZiplist(out, empty);
    case kRdbTypeListQuicklist:
      return LoadQuicklist(false, out, empty);
    case kRdbTypeListQuicklist2:
      return LoadQuicklist(true, out, empty);
    case kRdbTypeHashZipmap:
    case kRdbTypeSetIntset:
    case kRdbTypeZSetZiplist:
    case kRdbTypeHashZiplist:
    case kRdbTypeHashListpack:
    case kRdbTypeZSetListpack:
    case kRdbTypeSetListpack:
      return LoadBlob(type, out, empty);
    case kRdbTypeModule:
    case kRdbTypeModule2:
      return r_.Corrupt(
          "The RDB file contains module data I can't load: modules are not "
          "supported (RDB type " +
          std::to_string(type) + ")");
    case kRdbTypeStreamListpacks:
    case kRdbTypeStreamListpacks2:
    case kRdbTypeStreamListpacks3:
      return r_.Corrupt("The RDB file contains a stream (RDB type " + std::to_string(type) +
                        "): streams are not supported");
    default:
      return r_.Corrupt("Unknown RDB encoding type " + std::to_string(type));
  }
}

base::Status RdbValueLoader::LoadString(core::Value* out) {
  base::Status s = r_.String(&a_);
  // Redis compat (tryObjectEncoding): an integer, embedded up to 44 bytes, else raw.
  if (s.ok()) *out = core::MakeStringValue(a_);
  return s;
}

base::Status RdbValueLoader::LoadList(core::Value* out, bool* empty) {
  uint64_t len;
  base::Status s = r_.Length(&len);
  if (!s.ok()) return s;
  if (len == 0) {
    *empty = true;
    return s;
  }
  core::ListValue list = core::ListValue::Create();
  for (; len > 0; --len) {
    s = r_.String(&a_);
    if (!s.ok()) {
      list.Destroy();
      return s;
    }
    list.Push(a_, core::ListEnd::kTail, options_.list_limits);
  }
  *out = list.value();
  return s;
}

base::Status RdbValueLoader::LoadSet(core::Value* out, bool* empty) {
  uint64_t len;
  base::Status s = r_.Length(&len);
  if (!s.ok()) return s;
  if (len == 0) {
    *empty = true;
    return s;
  }
  s = r_.String(&a_);
  if (!s.ok()) return s;
  // The encoding SADD of all the members would give (set_value.h), chosen from the first.
  core::SetValue set = core::SetValue::Create(a_, len, options_.set_limits);
  set.Add(a_, options_.set_limits);
  for (--len; len > 0; --len) {
    s = r_.String(&a_);
    if (s.ok() && !set.Add(a_, options_.set_limits)) {
      s = r_.Corrupt("Duplicate set members detected");
    }
    if (!s.ok()) {
      set.Destroy();
      return s;
    }
  }
  *out = core::Value::OutOfLine(core::ObjType::kSet, set.encoding(), set.pointer());
  return s;
}

base::Status RdbValueLoader::ReadScored(bool binary_scores, double* score) {
  base::Status s = r_.String(&a_);
  if (s.ok()) s = binary_scores ? r_.BinaryDouble(score) : r_.TextDouble(score);
  if (s.ok() && std::isnan(*score)) s = r_.Corrupt("Zset with NAN score detected");
  return s;
}

base::Status RdbValueLoader::LoadZSet(bool binary_scores, core::Value* out, bool* empty) {
  uint64_t len;
  base::Status s = r_.Length(&len);
  if (!s.ok()) return s;
  if (len == 0) {
    *empty = true;
    return s;
  }
  const core::ZSetLimits& limits = options_.zset_limits;
  // Redis compat (rdbLoadObject): the encoding is chosen once every member is known, so a
  // set small enough for a listpack is read whole first (a long member then makes it a
  // skiplist from the start, and scores such as -0 are kept as a skiplist keeps them).
  const bool small = len <= limits.max_listpack_entries;
  std::vector<std::pair<std::string, double>> pairs;
  if (small) pairs.reserve(static_cast<size_t>(std::min<uint64_t>(len, 1024)));
  core::ZSetValue zset(core::kZSetSkiplist, nullptr);
  if (!small) zset = core::ZSetValue::Create(len, SIZE_MAX, limits);  // a skiplist
  size_t max_len = 0;
  double added;
  auto add = [&](std::string_view member, double score) {
    return zset.Add(member, score, 0, &added, limits) == core::ZSetValue::AddResult::kAdded
               ? base::Status::Ok()
               : r_.Corrupt("Duplicate zset fields detected");
  };
  for (uint64_t i = 0; i < len && s.ok(); ++i) {
    double score = 0;
    s = ReadScored(binary_scores, &score);
    if (!s.ok()) break;
    if (small) {
      max_len = std::max(max_len, a_.size());
      pairs.emplace_back(a_, score);
    } else {
      s = add(a_, score);
    }
  }
  if (s.ok() && small) {
    zset = core::ZSetValue::Create(pairs.size(), max_len, limits);
    for (size_t i = 0; i < pairs.size() && s.ok(); ++i) s = add(pairs[i].first, pairs[i].second);
  }
  if (!s.ok()) {
    if (zset.pointer() != nullptr) zset.Destroy();
    return s;
  }
  *out = core::Value::OutOfLine(core::ObjType::kZSet, zset.encoding(), zset.pointer());
  return s;
}

base::Status RdbValueLoader::LoadHash(core::Value* out, bool* empty) {
  uint64_t len;
  base::Status s = r_.Length(&len);
  if (!s.ok()) return s;
  if (len == 0) {
    *empty = true;
    return s;
  }
  // A listpack that converts once a field, a value or the count passes the limits.
  core::HashValue hash = core::HashValue::Create();
  for (; len > 0; --len) {
    s = r_.String(&a_);
    if (s.ok()) s = r_.String(&b_);
    if (s.ok() && !hash.Set(a_, b_, options_.hash_limits)) {
      s = r_.Corrupt("Duplicate hash fields detected");
    }
    if (!s.ok()) {
      hash.Destroy();
      return s;
    }
  }
  *out = core::Value::OutOfLine(core::ObjType::kHash, hash.encoding(), hash.pointer());
  return s;
}

base::Status RdbValueLoader::LoadQuicklist(bool with_containers, core::Value* out, bool* empty) {
  uint64_t nodes;
  base::Status s = r_.Length(&nodes);
  if (!s.ok()) return s;
  ListNodes list(options_.list_limits.compress_depth);
  for (; nodes > 0; --nodes) {
    uint64_t container = kRdbQuicklistNodePacked;
    if (with_containers) {
      s = r_.Length(&container);
      if (!s.ok()) return s;
      if (container != kRdbQuicklistNodePacked && container != kRdbQuicklistNodePlain) {
        return r_.Corrupt("Quicklist integrity check failed.");
      }
    }
    s = r_.String(&a_);
    if (!s.ok()) return s;
    if (a_.empty()) return r_.Corrupt("Quicklist integrity check failed.");
    uint8_t* lp;
    if (container == kRdbQuicklistNodePlain) {
      if (a_.size() > kMaxElement) return r_.Corrupt("Quicklist integrity check failed.");
      lp = core::lp::Append(core::lp::New(), a_);
    } else if (with_containers) {
      lp = CopyListpack(a_);
      if (lp == nullptr) return r_.Corrupt("Listpack integrity check failed.");
    } else {
      lp = core::lp::New();
      if (!DecodeZiplist(a_, [&lp](std::string_view e) { lp = core::lp::Append(lp, e); })) {
        core::lp::Free(lp);
        return r_.Corrupt("Ziplist integrity check failed.");
      }
    }
    list.Add(lp);
  }
  if (list.empty()) {
    *empty = true;
    return s;
  }
  *out = list.Finish(options_.list_limits.fill);
  return s;
}

base::Status RdbValueLoader::LoadListZiplist(core::Value* out, bool* empty) {
  base::Status s = r_.String(&a_);
  if (!s.ok()) return s;
  core::ListValue list = core::ListValue::Create();
  const core::ListLimits& limits = options_.list_limits;
  auto push = [&](std::string_view e) { list.Push(e, core::ListEnd::kTail, limits); };
  if (!DecodeZiplist(a_, push)) {
    list.Destroy();
    return r_.Corrupt("List ziplist integrity check failed.");
  }
  if (list.Length() == 0) {
    list.Destroy();
    *empty = true;
    return s;
  }
  *out = list.value();
  return s;
}

base::Status RdbValueLoader::LoadBlob(uint8_t type, core::Value* out, bool* empty) {
  base::Status s = r_.String(&a_);
  if (!s.ok()) return s;
  if (type == kRdbTypeSetIntset) {
    const char* error = SetFromIntset(a_, options_.set_limits, out, empty);
    return error == nullptr ? s : r_.Corrupt(error);
  }
  // Everything else becomes a listpack first: validated as is, or converted.
  uint8_t* lp = nullptr;
  const char* corrupt = nullptr;
  switch (type) {
    case kRdbTypeHashZipmap:
      corrupt = "Zipmap integrity check failed.";
      lp = core::lp::New();
      if (!DecodeZipmap(a_, [&lp](std::string_view f, std::string_view v) {
            lp = core::lp::Append(core::lp::Append(lp, f), v);
          })) {
        core::lp::Free(lp);
        lp = nullptr;
      }
      break;
    case kRdbTypeHashZiplist:
    case kRdbTypeZSetZiplist:
      corrupt = type == kRdbTypeHashZiplist ? "Hash ziplist integrity check failed."
                                            : "Zset ziplist integrity check failed.";
      lp = core::lp::New();
      if (!DecodeZiplist(a_, [&lp](std::string_view e) { lp = core::lp::Append(lp, e); })) {
        core::lp::Free(lp);
        lp = nullptr;
      }
      break;
    default:
      corrupt = type == kRdbTypeHashListpack   ? "Hash listpack integrity check failed."
                : type == kRdbTypeZSetListpack ? "Zset listpack integrity check failed."
                                               : "Set listpack integrity check failed.";
      lp = CopyListpack(a_);
  }
  if (lp == nullptr) return r_.Corrupt(corrupt);
  if (core::lp::Length(lp) == 0) {
    core::lp::Free(lp);
    *empty = true;
    return s;
  }
  const char* error;
  switch (type) {
    case kRdbTypeZSetZiplist:
    case kRdbTypeZSetListpack:
      error = ZSetFromListpack(lp, options_.zset_limits, out);
      break;
    case kRdbTypeSetListpack:
      error = SetFromListpack(lp, options_.set_limits, out);
      break;
    default:
      error = HashFromListpack(lp, options_.hash_limits, out);
  }
  // The converted encodings report the fault in their own name, as Redis does.
  return error == nullptr ? s : r_.Corrupt(corrupt);
}

}  // namespace cinnabar::persistence

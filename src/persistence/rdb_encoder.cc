#include "persistence/rdb_encoder.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/string_util.h"
#include "core/hash_value.h"
#include "core/intset.h"
#include "core/list_value.h"
#include "core/listpack.h"
#include "core/quicklist.h"
#include "core/raw_string.h"
#include "core/set_value.h"
#include "core/string_value.h"
#include "core/zset_value.h"
#include "persistence/rdb_string.h"

namespace cinnabar::persistence {
namespace {

void AppendLittle(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void AppendType(std::string* out, uint8_t type) { out->push_back(static_cast<char>(type)); }

std::string_view ListpackBytes(const void* lp) {
  const auto* p = static_cast<const uint8_t*>(lp);
  return {reinterpret_cast<const char*>(p), core::lp::Bytes(p)};
}

void AppendString(std::string* out, const core::Value& v, bool compress) {
  switch (v.encoding) {
    case core::kStrInt: {
      // Redis compat (rdbSaveLongLongAsStringObject): an integer outside 32 bits is
      // written as its decimal text, never compressed (it is at most 20 bytes).
      char buf[base::kInt64Chars];
      AppendRdbString(out, std::string_view(buf, base::FormatInt64(v.integer, buf)), false);
      return;
    }
    case core::kStrEmbStr:
      AppendRdbString(out, v.bytes, compress);
      return;
    default:
      AppendRdbString(out, static_cast<const core::RawString*>(v.pointer)->view(), compress);
  }
}

// LIST_QUICKLIST_2: the node count, then per node its container and its listpack.
void AppendList(std::string* out, const core::Value& v, bool compress) {
  if (v.encoding == core::kListListpack) {
    AppendRdbLength(out, 1);
    AppendRdbLength(out, kRdbQuicklistNodePacked);
    AppendRdbString(out, ListpackBytes(v.pointer), compress);
    return;
  }
  const auto* ql = static_cast<const core::Quicklist*>(v.pointer);
  AppendRdbLength(out, ql->node_count());
  for (const core::Quicklist::Node* n = ql->head(); n != nullptr; n = n->next) {
    AppendRdbLength(out, kRdbQuicklistNodePacked);
    if (n->compressed) {
      // Redis compat (rdbSaveObject): a compressed node is written as it is held, an LZF
      // string of its listpack, whatever rdbcompression says.
      core::Quicklist::Lzf lzf = core::Quicklist::Compressed(n);
      AppendRdbLzfBlob(out, lzf.stream, lzf.listpack_bytes);
    } else {
      AppendRdbString(out, ListpackBytes(n->data), compress);
    }
  }
}

void AppendSet(std::string* out, const core::Value& v, bool compress) {
  if (v.encoding == core::kSetIntset) {
    AppendRdbString(out, static_cast<const core::IntSet*>(v.pointer)->Blob(), compress);
    return;
  }
  core::SetValue set(v.encoding, v.pointer);
  AppendRdbLength(out, set.Size());
  set.ForEach([&](std::string_view m) { AppendRdbString(out, m, compress); });
}

void AppendHash(std::string* out, const core::Value& v, bool compress) {
  if (v.encoding == core::kHashListpack) {
    AppendRdbString(out, ListpackBytes(v.pointer), compress);
    return;
  }
  core::HashValue hash(v.encoding, v.pointer);
  AppendRdbLength(out, hash.Size());
  hash.ForEach([&](std::string_view field, std::string_view value) {
    AppendRdbString(out, field, compress);
    AppendRdbString(out, value, compress);
  });
}

void AppendZSet(std::string* out, const core::Value& v, bool compress) {
  if (v.encoding == core::kZSetListpack) {
    AppendRdbString(out, ListpackBytes(v.pointer), compress);
    return;
  }
  core::ZSetValue zset(v.encoding, v.pointer);
  AppendRdbLength(out, zset.size());
  // Redis compat (rdbSaveObject): from the highest score down, so that a loader inserting
  // each member at the head of its skiplist does so in O(1).
  zset.ForRange(0, zset.size(), true, [&](std::string_view member, double score) {
    AppendRdbString(out, member, compress);
    uint64_t bits;
    std::memcpy(&bits, &score, sizeof(bits));
    AppendLittle(out, bits, 8);
  });
}

}  // namespace

void AppendRdbHeader(std::string* out, int version) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "REDIS%04d", version);
  out->append(buf, 9);
}

void AppendRdbAux(std::string* out, std::string_view key, std::string_view value, bool compress) {
  AppendType(out, kRdbOpAux);
  AppendRdbString(out, key, compress);
  AppendRdbString(out, value, compress);
}

void AppendRdbAux(std::string* out, std::string_view key, int64_t value) {
  char buf[base::kInt64Chars];
  AppendRdbAux(out, key, std::string_view(buf, base::FormatInt64(value, buf)));
}

void AppendRdbFunction(std::string* out, std::string_view code, bool compress) {
  AppendType(out, kRdbOpFunction2);
  AppendRdbString(out, code, compress);
}

void AppendRdbSelectDb(std::string* out, uint64_t db) {
  AppendType(out, kRdbOpSelectDb);
  AppendRdbLength(out, db);
}

void AppendRdbResizeDb(std::string* out, uint64_t keys, uint64_t expires) {
  AppendType(out, kRdbOpResizeDb);
  AppendRdbLength(out, keys);
  AppendRdbLength(out, expires);
}

void AppendRdbKey(std::string* out, const core::Entry& e, const RdbKeyMeta& meta, bool compress) {
  if (e.has_expire()) {
    AppendType(out, kRdbOpExpireTimeMs);
    AppendLittle(out, static_cast<uint64_t>(e.expire_ms()), 8);
  }
  if (meta.idle_seconds) {
    AppendType(out, kRdbOpIdle);
    AppendRdbLength(out, *meta.idle_seconds);
  }
  if (meta.freq) {
    AppendType(out, kRdbOpFreq);
    out->push_back(static_cast<char>(*meta.freq));
  }
  core::Value v = e.value();
  AppendType(out, RdbValueType(v));
  AppendRdbString(out, e.key(), compress);
  AppendRdbValue(out, v, compress);
}

uint8_t RdbValueType(const core::Value& v) {
  switch (v.type) {
    case core::ObjType::kString:
      return kRdbTypeString;
    case core::ObjType::kList:
      return kRdbTypeListQuicklist2;
    case core::ObjType::kSet:
      // Redis compat: 7.0 has no SET_LISTPACK (type 20), so a listpack set is a plain SET.
      return v.encoding == core::kSetIntset ? kRdbTypeSetIntset : kRdbTypeSet;
    case core::ObjType::kHash:
      return v.encoding == core::kHashListpack ? kRdbTypeHashListpack : kRdbTypeHash;
    case core::ObjType::kZSet:
      return v.encoding == core::kZSetListpack ? kRdbTypeZSetListpack : kRdbTypeZSet2;
    case core::ObjType::kStream:
      break;
  }
  std::abort();  // no stream values exist yet
}

void AppendRdbValue(std::string* out, const core::Value& v, bool compress) {
  switch (v.type) {
    case core::ObjType::kString:
      return AppendString(out, v, compress);
    case core::ObjType::kList:
      return AppendList(out, v, compress);
    case core::ObjType::kSet:
      return AppendSet(out, v, compress);
    case core::ObjType::kHash:
      return AppendHash(out, v, compress);
    case core::ObjType::kZSet:
      return AppendZSet(out, v, compress);
    case core::ObjType::kStream:
      break;
  }
  std::abort();  // no stream values exist yet
}

void AppendRdbEof(std::string* out) { AppendType(out, kRdbOpEof); }

void AppendRdbChecksum(std::string* out, uint64_t crc) { AppendLittle(out, crc, 8); }

}  // namespace cinnabar::persistence

#include "core/value_layout.h"

#include "core/member_table.h"
#include "core/object_type.h"
#include "core/zset_index.h"

namespace cinnabar::core {

const uint8_t* ValueListpack(const Entry* e) {
  const uint8_t enc = e->encoding();
  bool listpack = false;
  switch (e->type()) {
    case ObjType::kList: listpack = enc == kListListpack; break;
    case ObjType::kSet: listpack = enc == kSetListpack; break;
    case ObjType::kHash: listpack = enc == kHashListpack; break;
    case ObjType::kZSet: listpack = enc == kZSetListpack; break;
    default: break;
  }
  return listpack ? static_cast<const uint8_t*>(e->pointer()) : nullptr;
}

const Quicklist* ValueQuicklist(const Entry* e) {
  if (e->type() != ObjType::kList || e->encoding() != kListQuicklist) return nullptr;
  return static_cast<const Quicklist*>(e->pointer());
}

bool ValueTableStats(const Entry* e, TableStats* out) {
  const uint8_t enc = e->encoding();
  if (e->type() == ObjType::kSet && enc == kSetHashtable) {
    *out = static_cast<const MemberTable*>(e->pointer())->Stats();
  } else if (e->type() == ObjType::kHash && enc == kHashHashtable) {
    *out = static_cast<const FieldTable*>(e->pointer())->Stats();
  } else if (e->type() == ObjType::kZSet && enc == kZSetSkiplist) {
    *out = static_cast<const ZSetIndex*>(e->pointer())->members.Stats();
  } else {
    return false;
  }
  return true;
}

}  // namespace cinnabar::core

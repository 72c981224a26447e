#include "core/object_type.h"

namespace cinnabar::core {

std::string_view TypeName(ObjType type) {
  switch (type) {
    case ObjType::kString: return "string";
    case ObjType::kList: return "list";
    case ObjType::kSet: return "set";
    case ObjType::kZSet: return "zset";
    case ObjType::kHash: return "hash";
    case ObjType::kStream: return "stream";
  }
  return "none";
}

bool ParseTypeName(std::string_view name, ObjType* out) {
  static constexpr ObjType kAll[] = {ObjType::kString, ObjType::kList, ObjType::kSet,
                                     ObjType::kZSet, ObjType::kHash, ObjType::kStream};
  for (ObjType t : kAll) {
    std::string_view n = TypeName(t);
    if (n.size() != name.size()) continue;
    bool same = true;
    for (size_t i = 0; i < n.size(); ++i) {
      char c = name[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != n[i]) {
        same = false;
        break;
      }
    }
    if (same) {
      *out = t;
      return true;
    }
  }
  return false;
}

std::string_view EncodingName(ObjType type, uint8_t encoding) {
  switch (type) {
    case ObjType::kString:
      return encoding == kStrInt ? "int" : encoding == kStrEmbStr ? "embstr" : "raw";
    case ObjType::kList:
      return encoding == kListListpack ? "listpack" : "quicklist";
    case ObjType::kSet:
      return encoding == kSetIntset ? "intset" : encoding == kSetListpack ? "listpack" : "hashtable";
    case ObjType::kHash:
      return encoding == kHashListpack ? "listpack" : "hashtable";
    case ObjType::kZSet:
      return encoding == kZSetListpack ? "listpack" : "skiplist";
    case ObjType::kStream:
      return "stream";
  }
  return "unknown";
}

}  // namespace cinnabar::core

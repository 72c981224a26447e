#include "core/value_ops.h"

#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/raw_string.h"
#include "core/set_value.h"
#include "core/zset_value.h"

namespace cinnabar::core {

void DestroyValue(const Value& v) {
  if (v.inline_value()) return;
  switch (v.type) {
    case ObjType::kString:
      RawString::Destroy(static_cast<RawString*>(v.pointer));
      return;
    case ObjType::kList:
      ListValue(v.encoding, v.pointer).Destroy();
      return;
    case ObjType::kSet:
      SetValue(v.encoding, v.pointer).Destroy();
      return;
    case ObjType::kHash:
      HashValue(v.encoding, v.pointer).Destroy();
      return;
    case ObjType::kZSet: {
      ZSetValue z(v.encoding, v.pointer);
      z.Destroy();
      return;
    }
    default:
      return;
  }
}

void DestroyEntry(Entry* e) {
  DestroyValue(e->value());
  Entry::FreeShell(e);
}

Value CloneValue(const Value& v) {
  Value out = v;
  if (v.inline_value()) {
    // Redis compat: COPY of a shared integer (0..9999) makes a private object (OBJECT
    // REFCOUNT 1, OBJECT ENCODING still int).
    out.unshared = v.encoding == kStrInt;
    return out;
  }
  switch (v.type) {
    case ObjType::kString: {
      auto* s = static_cast<RawString*>(v.pointer);
      out.pointer = RawString::Create(s->view(), s->size());
      break;
    }
    case ObjType::kList:
      out.pointer = ListValue(v.encoding, v.pointer).Clone().pointer();
      break;
    case ObjType::kSet:
      out.pointer = SetValue(v.encoding, v.pointer).Clone().pointer();
      break;
    case ObjType::kHash:
      out.pointer = HashValue(v.encoding, v.pointer).Clone().pointer();
      break;
    case ObjType::kZSet:
      out.pointer = ZSetValue(v.encoding, v.pointer).Clone().pointer();
      break;
    default:
      break;
  }
  return out;
}

size_t ValueAllocatedBytes(const Value& v, size_t samples) {
  if (v.inline_value()) return 0;
  switch (v.type) {
    case ObjType::kString:
      return static_cast<RawString*>(v.pointer)->AllocatedBytes();
    case ObjType::kList:
      return ListValue(v.encoding, v.pointer).AllocatedBytes(samples);
    case ObjType::kSet:
      return SetValue(v.encoding, v.pointer).AllocatedBytes(samples);
    case ObjType::kHash:
      return HashValue(v.encoding, v.pointer).AllocatedBytes(samples);
    case ObjType::kZSet:
      return ZSetValue(v.encoding, v.pointer).AllocatedBytes(samples);
    default:
      return 0;
  }
}

}  // namespace cinnabar::core

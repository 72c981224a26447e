#include "core/value_ops.h"

#include "core/raw_string.h"

namespace cinnabar::core {

void DestroyValue(const Value& v) {
  if (v.inline_value()) return;
  switch (v.type) {
    case ObjType::kString:
      RawString::Destroy(static_cast<RawString*>(v.pointer));
      return;
    default:
      return;
  }
}

void DestroyEntry(Entry* e) {
  DestroyValue(e->value());
  Entry::FreeShell(e);
}

Value CloneValue(const Value& v) {
  if (v.inline_value()) return v;
  Value out = v;
  switch (v.type) {
    case ObjType::kString: {
      auto* s = static_cast<RawString*>(v.pointer);
      out.pointer = RawString::Create(s->view(), s->size());
      break;
    }
    default:
      break;
  }
  return out;
}

size_t ValueAllocatedBytes(const Value& v) {
  if (v.inline_value()) return 0;
  switch (v.type) {
    case ObjType::kString:
      return static_cast<RawString*>(v.pointer)->AllocatedBytes();
    default:
      return 0;
  }
}

}  // namespace cinnabar::core

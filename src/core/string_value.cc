#include "core/string_value.h"

namespace cinnabar::core {

Value MakeStringValue(std::string_view bytes) {
  int64_t v;
  if (bytes.size() <= 20 && base::ParseInt64(bytes, &v)) return Value::Int(v);
  if (bytes.size() <= kEmbStrMax) return Value::Embedded(bytes);
  return MakeRawStringValue(bytes, bytes.size());
}

Value MakeRawStringValue(std::string_view bytes, size_t capacity) {
  return Value::OutOfLine(ObjType::kString, kStrRaw, RawString::Create(bytes, capacity));
}

std::string_view StringBytes(const Entry* e, IntBuffer* scratch) {
  switch (e->encoding()) {
    case kStrInt:
      return {scratch->data, base::FormatInt64(e->int_value(), scratch->data)};
    case kStrEmbStr:
      return e->embedded();
    default:
      return static_cast<const RawString*>(e->pointer())->view();
  }
}

size_t StringLength(const Entry* e) {
  switch (e->encoding()) {
    case kStrInt:
      return base::Int64Length(e->int_value());
    case kStrEmbStr:
      return e->embedded().size();
    default:
      return static_cast<const RawString*>(e->pointer())->size();
  }
}

std::string_view StringEncodingName(const Entry* e) {
  switch (e->encoding()) {
    case kStrInt: return "int";
    case kStrEmbStr: return "embstr";
    default: return "raw";
  }
}

bool StringToInt64(const Entry* e, int64_t* out) {
  if (e->encoding() == kStrInt) {
    *out = e->int_value();
    return true;
  }
  IntBuffer scratch;
  return base::ParseInt64(StringBytes(e, &scratch), out);
}

}  // namespace cinnabar::core

#include "core/string_value.h"

#include <algorithm>
#include <cstring>
#include <string>

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

Value MakeTextValue(std::string_view bytes) {
  if (bytes.size() <= kEmbStrMax) return Value::Embedded(bytes);
  return MakeRawStringValue(bytes, bytes.size());
}

namespace {

// Makes `e`'s value a raw string of at least `size` bytes, zero-padded, for an edit at
// any offset. The bytes are `e`'s (none when `e` is null).
StringEdit RawForEdit(Entry* e, size_t size) {
  StringEdit edit;
  RawString* s;
  if (e != nullptr && e->encoding() == kStrRaw) {
    s = static_cast<RawString*>(e->pointer());
    if (size > s->size()) s = RawString::Resize(s, size);
    edit.in_place = true;
  } else {
    IntBuffer scratch;
    std::string_view old = e != nullptr ? StringBytes(e, &scratch) : std::string_view();
    s = RawString::Create(old, std::max(size, old.size()));
    if (size > s->size()) s = RawString::Resize(s, size);
  }
  edit.value = Value::OutOfLine(ObjType::kString, kStrRaw, s);
  edit.length = s->size();
  return edit;
}

}  // namespace

StringEdit AppendString(Entry* e, std::string_view tail) {
  size_t old_len = StringLength(e);
  StringEdit edit = RawForEdit(e, old_len + tail.size());
  if (!tail.empty()) {
    std::memcpy(static_cast<RawString*>(edit.value.pointer)->data() + old_len, tail.data(),
                tail.size());
  }
  return edit;
}

StringEdit OverwriteString(Entry* e, size_t offset, std::string_view bytes) {
  StringEdit edit = RawForEdit(e, offset + bytes.size());
  if (!bytes.empty()) {
    std::memcpy(static_cast<RawString*>(edit.value.pointer)->data() + offset, bytes.data(),
                bytes.size());
  }
  return edit;
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

bool IsSharedInteger(const Entry* e) {
  if (e->type() != ObjType::kString || e->encoding() != kStrInt || e->unshared()) return false;
  int64_t v = e->int_value();
  return v >= 0 && v < 10000;
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

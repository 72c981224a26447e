// Value types and their encodings, with Redis's names for TYPE and OBJECT ENCODING.
#pragma once

#include <cstdint>
#include <string_view>

namespace cinnabar::core {

// Numbered as Redis numbers them (OBJ_STRING ... OBJ_STREAM).
enum class ObjType : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kStream = 6,
};

// String encodings. Collections define theirs next to their data structures.
enum StringEncoding : uint8_t {
  kStrInt = 0,     // a 64-bit integer kept in the entry ("int")
  kStrEmbStr = 1,  // short bytes kept in the entry ("embstr")
  kStrRaw = 2,     // an out-of-line RawString ("raw")
};

// What TYPE answers: "string", "list", ...
std::string_view TypeName(ObjType type);
// Parses a TYPE name as SCAN ... TYPE takes it; false if unknown.
bool ParseTypeName(std::string_view name, ObjType* out);

}  // namespace cinnabar::core

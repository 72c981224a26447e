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

// Encodings per type (3 bits in an entry). OBJECT ENCODING prints Redis's names.
enum StringEncoding : uint8_t {
  kStrInt = 0,     // a 64-bit integer kept in the entry ("int")
  kStrEmbStr = 1,  // short bytes kept in the entry ("embstr")
  kStrRaw = 2,     // an out-of-line RawString ("raw")
};
enum ListEncoding : uint8_t {
  kListListpack = 0,   // one listpack ("listpack")
  kListQuicklist = 1,  // a chain of listpack nodes ("quicklist")
};
enum SetEncoding : uint8_t {
  kSetIntset = 0,     // sorted integers ("intset")
  kSetListpack = 1,   // a listpack of members ("listpack")
  kSetHashtable = 2,  // a member table ("hashtable")
};
enum HashEncoding : uint8_t {
  kHashListpack = 0,   // field, value, field, value... ("listpack")
  kHashHashtable = 1,  // a field table ("hashtable")
};
enum ZSetEncoding : uint8_t {
  kZSetListpack = 0,  // member, score pairs in score order ("listpack")
  kZSetSkiplist = 1,  // an ordered index plus a member table ("skiplist", Redis's name)
};

// What TYPE answers: "string", "list", ...
std::string_view TypeName(ObjType type);
// Parses a TYPE name as SCAN ... TYPE takes it; false if unknown.
bool ParseTypeName(std::string_view name, ObjType* out);
// What OBJECT ENCODING answers: "int", "embstr", "raw", "listpack", "quicklist", "intset",
// "hashtable", "skiplist", "stream".
std::string_view EncodingName(ObjType type, uint8_t encoding);

}  // namespace cinnabar::core

// KeySpec: how a command's key arguments are found and what the command does with each,
// declared as data on its CommandSpec (`.key_specs`). Redis 7's key specifications, field
// for field, so that COMMAND INFO shows them as Redis does; ACL (`%R~` / `%W~`) and COMMAND
// GETKEYSANDFLAGS resolve them against a call's arguments through engine/command_keys.h.
//
// A spec is "where the search begins" and "how the keys are found from there":
//   {.flags = kKeyRw | kKeyUpdate, .begin = AtIndex(1), .find = Range(0)}      // SETRANGE key
//   {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(1), .find = Range(-1)}     // MGET key...
//   {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(2), .find = KeyNum(0, 1, 1)}  // EVAL numkeys
//   {.flags = ..., .begin = AfterKeyword("STREAMS", 1), .find = Range(-1, 1, 2)}
// The legacy first/last/step triple (`CommandSpec::keys`) stays beside it for COMMAND's
// columns 4-6 and for routing.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace cinnabar::engine {

// Redis's key-spec flags (COMMAND INFO names in comments, in Redis's order).
enum KeyFlag : uint32_t {
  // What happens to the value: exactly one of these four.
  kKeyRo = 1u << 0,  // "RO": read, never changed
  kKeyRw = 1u << 1,  // "RW": read and changed
  kKeyOw = 1u << 2,  // "OW": overwritten without being read
  kKeyRm = 1u << 3,  // "RM": removed without being read
  // What the command does with the data (any of these).
  kKeyAccess = 1u << 4,  // "access": returns, copies or uses user data
  kKeyUpdate = 1u << 5,  // "update": changes existing data
  kKeyInsert = 1u << 6,  // "insert": only adds data
  kKeyDelete = 1u << 7,  // "delete": only removes data
  // About the spec itself.
  kKeyNotKey = 1u << 8,         // "not_key": the argument is not a key (a shard channel)
  kKeyIncomplete = 1u << 9,     // "incomplete": may miss keys; use the command's key finder
  kKeyVariableFlags = 1u << 10,  // "variable_flags": the flags depend on the arguments
};

// Where the search for a spec's keys begins.
struct BeginSearch {
  enum class Type : uint8_t { kIndex, kKeyword };
  Type type = Type::kIndex;
  int index = 0;               // kIndex: the argument where the keys begin (1 = first argument)
  std::string_view keyword{};  // kKeyword: the keys begin after this argument (any case),
  int startfrom = 0;           // searched from this index (negative: from the end, backwards)
};

// How the keys are found from where the search began.
struct FindKeys {
  enum class Type : uint8_t { kRange, kKeyNum };
  Type type = Type::kRange;
  int lastkey = 0;    // kRange: the last key, relative to the first (negative: from the end)
  int keystep = 1;    // both: the distance between two keys
  int limit = 0;      // kRange with lastkey -1: only 1/limit of the remaining arguments
  int keynumidx = 0;  // kKeyNum: the argument holding the key count, relative to the begin
  int firstkey = 1;   // kKeyNum: the first key, relative to the begin
};

struct KeySpec {
  uint32_t flags = 0;        // KeyFlag bits
  BeginSearch begin{};
  FindKeys find{};
  std::string_view notes{};  // COMMAND INFO "notes": why the flags are what they are
};

// One key of a call: its argument index and its spec's KeyFlag bits (0 when only a key
// finder knew it: treat it as read and written).
struct KeyRef {
  int index = 0;
  uint32_t flags = 0;
  bool operator==(const KeyRef&) const = default;
};

constexpr BeginSearch AtIndex(int index) { return {.type = BeginSearch::Type::kIndex, .index = index}; }
constexpr BeginSearch AfterKeyword(std::string_view keyword, int startfrom) {
  return {.type = BeginSearch::Type::kKeyword, .keyword = keyword, .startfrom = startfrom};
}
constexpr FindKeys Range(int lastkey, int keystep = 1, int limit = 0) {
  return {.type = FindKeys::Type::kRange, .lastkey = lastkey, .keystep = keystep, .limit = limit};
}
constexpr FindKeys KeyNum(int keynumidx, int firstkey, int keystep) {
  return {.type = FindKeys::Type::kKeyNum, .keystep = keystep, .keynumidx = keynumidx,
          .firstkey = firstkey};
}

// For a command whose key flags depend on its arguments (kKeyVariableFlags: SET's GET
// turns an overwrite into a read): appends the keys of `args` with their flags. False when
// the arguments are malformed for key extraction.
using KeyFlagsFinder = bool (*)(std::span<const std::string_view> args, std::vector<KeyRef>* out);

// The shapes most commands share: one key (argument 1, or 2 for OBJECT/MEMORY subcommands),
// or every argument from 1 on.
namespace key_specs {
inline constexpr KeySpec kOneRo[] = {{.flags = kKeyRo, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kOneRoAccess[] = {
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kOneRwAccessUpdate[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyUpdate, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kOneRwAccessDelete[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyDelete, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kOneRwUpdate[] = {
    {.flags = kKeyRw | kKeyUpdate, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kOneRwInsert[] = {
    {.flags = kKeyRw | kKeyInsert, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kOneRwDelete[] = {
    {.flags = kKeyRw | kKeyDelete, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kOneOwUpdate[] = {
    {.flags = kKeyOw | kKeyUpdate, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kOneOwInsert[] = {
    {.flags = kKeyOw | kKeyInsert, .begin = AtIndex(1), .find = Range(0)}};
inline constexpr KeySpec kSecondRo[] = {{.flags = kKeyRo, .begin = AtIndex(2), .find = Range(0)}};
inline constexpr KeySpec kAllRo[] = {{.flags = kKeyRo, .begin = AtIndex(1), .find = Range(-1)}};
inline constexpr KeySpec kAllRoAccess[] = {
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(1), .find = Range(-1)}};
// BLPOP BRPOP BZPOPMIN BZPOPMAX: every key but the timeout, popped from.
inline constexpr KeySpec kBlockingPop[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyDelete, .begin = AtIndex(1), .find = Range(-2)},
};
// LMOVE RPOPLPUSH BLMOVE BRPOPLPUSH SMOVE: a source popped from, a destination pushed to.
inline constexpr KeySpec kMove[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyDelete, .begin = AtIndex(1), .find = Range(0)},
    {.flags = kKeyRw | kKeyInsert, .begin = AtIndex(2), .find = Range(0)},
};
// BLMPOP BZMPOP: numkeys keys popped from, after the timeout.
inline constexpr KeySpec kPopNumkeysAt2[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyDelete, .begin = AtIndex(2), .find = KeyNum(0, 1, 1)},
};
// DEL UNLINK.
inline constexpr KeySpec kAllRmDelete[] = {
    {.flags = kKeyRm | kKeyDelete, .begin = AtIndex(1), .find = Range(-1)},
};
// LMPOP ZMPOP: numkeys keys popped from.
inline constexpr KeySpec kPopNumkeysAt1[] = {
    {.flags = kKeyRw | kKeyAccess | kKeyDelete, .begin = AtIndex(1), .find = KeyNum(0, 1, 1)},
};
// SSUBSCRIBE SUNSUBSCRIBE: shard channels, not keys.
inline constexpr KeySpec kAllNotKey[] = {
    {.flags = kKeyNotKey, .begin = AtIndex(1), .find = Range(-1)},
};
// ZUNION ZINTER ZDIFF ZINTERCARD SINTERCARD: numkeys keys read.
inline constexpr KeySpec kNumkeysRoAccess[] = {
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(1), .find = KeyNum(0, 1, 1)},
};
// ZUNIONSTORE ZINTERSTORE ZDIFFSTORE: a destination, then numkeys keys read.
inline constexpr KeySpec kStoreNumkeys[] = {
    {.flags = kKeyOw | kKeyUpdate, .begin = AtIndex(1), .find = Range(0)},
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(2), .find = KeyNum(0, 1, 1)},
};
// SUNIONSTORE SDIFFSTORE: a destination, then every key read.
inline constexpr KeySpec kStoreRest[] = {
    {.flags = kKeyOw | kKeyUpdate, .begin = AtIndex(1), .find = Range(0)},
    {.flags = kKeyRo | kKeyAccess, .begin = AtIndex(2), .find = Range(-1)},
};
}  // namespace key_specs

}  // namespace cinnabar::engine

// The numbers of the RDB file format, as Redis 7.0's rdb.h defines them (7.2's additions
// marked), and what a key carries in a file besides its value.
//
// A file is "REDIS" and a 4-digit version, then opcodes and keys, then the EOF opcode and
// (from version 5) an 8-byte little-endian CRC-64 of every byte before it, or zero when the
// writer had rdbchecksum off. A key is: optional EXPIRETIME_MS / IDLE / FREQ opcodes, the
// value's type byte, the key as an RDB string, the value. Lengths and strings: rdb_string.h.
#pragma once

#include <cstdint>
#include <optional>

namespace cinnabar::persistence {

// The version this server writes (Redis 7.0's) and the newest it reads (Redis 7.2's).
constexpr int kRdbVersion = 10;
constexpr int kRdbMaxLoadVersion = 11;

// Value types: the byte before a key.
constexpr uint8_t kRdbTypeString = 0;
constexpr uint8_t kRdbTypeList = 1;            // elements as strings (before quicklists)
constexpr uint8_t kRdbTypeSet = 2;             // members as strings
constexpr uint8_t kRdbTypeZSet = 3;            // member, score as a string-encoded double
constexpr uint8_t kRdbTypeHash = 4;            // field, value as strings
constexpr uint8_t kRdbTypeZSet2 = 5;           // member, score as a binary double
constexpr uint8_t kRdbTypeModule = 6;          // pre-GA module value
constexpr uint8_t kRdbTypeModule2 = 7;         // module value with opcodes
constexpr uint8_t kRdbTypeHashZipmap = 9;      // Redis 2.4
constexpr uint8_t kRdbTypeListZiplist = 10;    // one ziplist (before 3.2)
constexpr uint8_t kRdbTypeSetIntset = 11;      // an intset blob
constexpr uint8_t kRdbTypeZSetZiplist = 12;    // member, score pairs in a ziplist
constexpr uint8_t kRdbTypeHashZiplist = 13;    // field, value pairs in a ziplist
constexpr uint8_t kRdbTypeListQuicklist = 14;  // quicklist nodes as ziplists (3.2 - 6.2)
constexpr uint8_t kRdbTypeStreamListpacks = 15;
constexpr uint8_t kRdbTypeHashListpack = 16;    // field, value pairs in a listpack
constexpr uint8_t kRdbTypeZSetListpack = 17;    // member, score pairs in a listpack
constexpr uint8_t kRdbTypeListQuicklist2 = 18;  // quicklist nodes: container + listpack
constexpr uint8_t kRdbTypeStreamListpacks2 = 19;
constexpr uint8_t kRdbTypeSetListpack = 20;       // Redis 7.2 (RDB 11)
constexpr uint8_t kRdbTypeStreamListpacks3 = 21;  // Redis 7.2 (RDB 11)

// Opcodes.
constexpr uint8_t kRdbOpFunction2 = 245;      // a function library's code
constexpr uint8_t kRdbOpFunctionPreGa = 246;  // 7.0-rc1/rc2 libraries (refused by 7.0 GA)
constexpr uint8_t kRdbOpModuleAux = 247;
constexpr uint8_t kRdbOpIdle = 248;          // LRU idle seconds, a length
constexpr uint8_t kRdbOpFreq = 249;          // LFU counter, one byte
constexpr uint8_t kRdbOpAux = 250;           // two strings
constexpr uint8_t kRdbOpResizeDb = 251;      // two lengths: keys, keys with an expiry
constexpr uint8_t kRdbOpExpireTimeMs = 252;  // 8 bytes LE, absolute Unix milliseconds
constexpr uint8_t kRdbOpExpireTime = 253;    // 4 bytes LE, absolute Unix seconds (old)
constexpr uint8_t kRdbOpSelectDb = 254;      // a length
constexpr uint8_t kRdbOpEof = 255;

// The container of a LIST_QUICKLIST_2 node: one element as a plain string, or a listpack.
constexpr uint64_t kRdbQuicklistNodePlain = 1;
constexpr uint64_t kRdbQuicklistNodePacked = 2;

// What a key carries for eviction besides its value. Redis writes IDLE under an LRU
// maxmemory-policy and FREQ under an LFU one (neither otherwise); the writer's caller
// decides which, and a file may hold either (or, written by hand, both).
struct RdbKeyMeta {
  std::optional<uint64_t> idle_seconds = std::nullopt;  // RDB_OPCODE_IDLE
  std::optional<uint8_t> freq = std::nullopt;           // RDB_OPCODE_FREQ
};

}  // namespace cinnabar::persistence

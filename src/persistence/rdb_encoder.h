// The RDB writer's encodings, one piece of a file at a time: each function appends to `out`
// what Redis 7.0's rdbSave* functions write for it, so a file made of them loads in
// redis-server 7.0 and passes its redis-check-rdb. The caller (a snapshot, DUMP) decides
// the order, keeps the running CRC-64 of what it wrote, and ends the file with
// AppendRdbEof and AppendRdbChecksum.
//
// `compress` is rdbcompression: strings longer than 20 bytes are LZF-compressed when that
// saves space (listpack and intset blobs included, as Redis does).
//
// Types written (all loadable by Redis 7.0): strings as STRING (integer-encoded when they
// are small integers); lists as LIST_QUICKLIST_2, one PACKED node per listpack node; sets
// as SET_INTSET (the intset's blob) or SET (listpack and hashtable sets: 7.0 cannot read
// SET_LISTPACK); hashes as HASH_LISTPACK (the listpack's bytes) or HASH; sorted sets as
// ZSET_LISTPACK or ZSET_2 (binary doubles, highest score first, as Redis writes them).
// Thread: any; the value must not change during a call.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/entry.h"
#include "persistence/rdb_format.h"

namespace cinnabar::persistence {

// "REDIS" and the version as 4 digits ("REDIS0010").
void AppendRdbHeader(std::string* out, int version = kRdbVersion);

// An AUX field. Redis writes the integer ones (redis-bits, ctime, used-mem, aof-base...)
// as their decimal text, which the string encoding then stores as an integer.
void AppendRdbAux(std::string* out, std::string_view key, std::string_view value,
                  bool compress = true);
void AppendRdbAux(std::string* out, std::string_view key, int64_t value);

// One function library (RDB_OPCODE_FUNCTION2 and its code, shebang line included).
void AppendRdbFunction(std::string* out, std::string_view code, bool compress = true);

// SELECTDB and RESIZEDB, written before a database's keys.
void AppendRdbSelectDb(std::string* out, uint64_t db);
void AppendRdbResizeDb(std::string* out, uint64_t keys, uint64_t expires);

// One key: EXPIRETIME_MS when it has an expiry, IDLE and/or FREQ as `meta` holds them,
// then the type byte, the key and the value.
// REQUIRES: `e` holds a string, list, set, hash or sorted set.
void AppendRdbKey(std::string* out, const core::Entry& e, const RdbKeyMeta& meta, bool compress);

// The RDB type byte AppendRdbValue writes for `v` (DUMP payloads start with it).
// REQUIRES: as AppendRdbKey.
uint8_t RdbValueType(const core::Value& v);
// The value alone, as it follows the key (DUMP's payload body).
void AppendRdbValue(std::string* out, const core::Value& v, bool compress);

// The EOF opcode, then the 8-byte trailer: `crc` is base::Crc64 of every byte of the file
// before the trailer (the EOF opcode included), or 0 when rdbchecksum is off.
void AppendRdbEof(std::string* out);
void AppendRdbChecksum(std::string* out, uint64_t crc);

}  // namespace cinnabar::persistence

// The RDB loader: reads a file (RDB versions 1 to 11: everything Redis 7.0 writes or loads,
// and Redis 7.2's set listpacks) front to back and hands what it holds to a handler as it
// goes: aux fields, databases, function libraries and keys, each key's value already built
// with our core types in the encoding our limits choose. It keeps no keyspace of its own,
// so the same loader serves a start-up load, a replica's full sync and (later) RESTORE.
//
// Outside input: every length, blob and count is checked before it is trusted, packed
// blobs are validated completely before they are adopted (duplicates refused, as Redis's
// deep sanitization does), and nothing is allocated from a length the input has not backed
// with bytes beyond a bounded chunk. A malformed file yields an error, never a crash.
//
// Not supported (a clear error): streams (types 15, 19, 21) and modules (types 6, 7 and
// MODULE_AUX). Thread: the caller's; one Load at a time per input and handler.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "core/entry.h"
#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/set_value.h"
#include "core/zset_value.h"
#include "persistence/rdb_format.h"
#include "persistence/rdb_input.h"

namespace cinnabar::persistence {

// What the loaded values must respect, from the configuration (list-max-listpack-size,
// list-compress-depth,
// set-max-intset-entries, ...), and what the load checks.
struct RdbLoadOptions {
  core::ListLimits list_limits;
  core::SetLimits set_limits;
  core::HashLimits hash_limits;
  core::ZSetLimits zset_limits;
  // SELECTDB past this fails the load (Redis exits: "FATAL: Data file was created with a
  // Redis server configured to handle more than N databases").
  int databases = 16;
  // Compare the trailer with the CRC-64 of the file (rdbchecksum; a zero trailer means the
  // writer did not compute one and always passes, as in Redis).
  bool verify_checksum = true;
};

// Receives what a file holds, in file order. A callback that returns an error stops the
// load with that error. Callbacks other than OnKey default to accepting and ignoring.
class RdbHandler {
 public:
  virtual ~RdbHandler() = default;

  // An AUX field (redis-ver, ctime, repl-id, ...; unknown ones are the handler's to ignore).
  virtual base::Status OnAux(std::string_view key, std::string_view value);
  // SELECTDB (0 <= db < RdbLoadOptions::databases) and RESIZEDB's hint for it.
  virtual base::Status OnSelectDb(int db);
  virtual base::Status OnResizeDb(uint64_t keys, uint64_t expires);
  // A function library's code (FUNCTION2). An error fails the load with "Failed loading
  // library, <message>".
  virtual base::Status OnFunction(std::string_view code);

  // One key of database `db`. `expire_ms` is the absolute expiry in Unix milliseconds, 0
  // when the key has none (the handler decides what to do with one already past: Redis
  // drops those only on a primary's own load). `meta` holds IDLE / FREQ if the file had
  // them. The key's bytes are valid only during the call.
  //
  // Ownership: `value`'s out-of-line part (core::DestroyValue frees it) passes to the
  // handler, whatever it returns; a handler that refuses the key must free it. An
  // embedded string value views bytes that are valid only during the call.
  virtual base::Status OnKey(int db, std::string_view key, core::Value value, int64_t expire_ms,
                             const RdbKeyMeta& meta) = 0;

  // A key whose value had no elements, skipped (Redis compat: 7.0 logs "rdbLoadObject
  // skipping empty key" and loads on).
  virtual void OnEmptyKeySkipped(int db, std::string_view key);
};

// Loads the whole file from `in` (through the EOF opcode and, from version 5, the checksum
// trailer; what follows is not read). Returns OK or the first error, with a message in
// Redis's words and the offset ("Short read or OOM loading DB. Unrecoverable error,
// aborting now. (...)", "Can't handle RDB format version 12", "Wrong RDB checksum ...",
// "Internal error in RDB reading offset N -> Duplicate set members detected", ...). On
// error the handler has received the keys before the failure and keeps them.
base::Status LoadRdb(RdbInput& in, const RdbLoadOptions& options, RdbHandler& handler);

}  // namespace cinnabar::persistence

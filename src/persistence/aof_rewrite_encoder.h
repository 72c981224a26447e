// An AOF base in command form (aof-use-rdb-preamble no): each key as the commands that
// rebuild it, as Redis's rewriteAppendOnlyFileRio writes them — SET, RPUSH, SADD, ZADD,
// HMSET (at most 64 elements per command), then PEXPIREAT when the key has an expiry.
// Thread: any; the value must not change during a call.
#pragma once

#include <string>
#include <string_view>

#include "core/entry.h"

namespace cinnabar::persistence {

// SELECT db.
void AppendAofSelect(std::string* out, int db);
// FUNCTION LOAD <code> for one library.
void AppendAofFunction(std::string* out, std::string_view code);
// The commands that rebuild `e`. REQUIRES: `e` holds a string, list, set, hash or sorted set.
void AppendAofKey(std::string* out, const core::Entry& e);

}  // namespace cinnabar::persistence

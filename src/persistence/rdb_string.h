// The RDB encodings of lengths and strings (Redis 7.0's rdbSaveLen / rdbSaveRawString and
// their loaders), LZF compression included. Used by FUNCTION DUMP/RESTORE now and by the
// RDB writer and loader (issue [6 of 8]).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace cinnabar::persistence {

// Appends `len` in RDB length encoding (1, 2, 5 or 9 bytes).
void AppendRdbLength(std::string* out, uint64_t len);
// Appends `s` as an RDB string: an integer encoding for short decimal integers, LZF when
// `compress` and it saves space (as Redis with rdbcompression yes), else raw.
void AppendRdbString(std::string* out, std::string_view s, bool compress = true);
// Appends an LZF stream already made, of a string of `original_bytes` bytes, as an RDB
// string (Redis's rdbSaveLzfBlob: how a compressed quicklist node is written).
void AppendRdbLzfBlob(std::string* out, std::string_view stream, size_t original_bytes);

// Reads from `*in`, advancing it; nullopt on malformed or truncated input.
std::optional<uint64_t> ReadRdbLength(std::string_view* in);
std::optional<std::string> ReadRdbString(std::string_view* in);

// Appends the 2-byte RDB version and the CRC-64 of everything in `*payload`, making it a
// DUMP payload; and checks one (version at most `max_version`, checksum right), returning
// the body without its trailer.
void SealDumpPayload(std::string* payload, uint16_t rdb_version);
std::optional<std::string_view> OpenDumpPayload(std::string_view payload, uint16_t max_version);

}  // namespace cinnabar::persistence

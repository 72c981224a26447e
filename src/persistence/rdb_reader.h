// The RDB loader's primitive reads from an RdbInput (internal to persistence/): bytes,
// fixed-width little-endian integers, lengths, strings (raw, integer-encoded, LZF) and the
// two double encodings, keeping the offset and a running CRC-64 of every byte read.
//
// Every read returns OK or the error the loader stops with, in Redis's words: a short read
// ("Short read or OOM loading DB. Unrecoverable error, aborting now.") or corruption
// ("Internal error in RDB reading offset N -> what"). Nothing is allocated from a length
// the input has not yet backed with bytes, beyond a bounded chunk.
// Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "persistence/rdb_input.h"

namespace cinnabar::persistence {

class RdbReader {
 public:
  explicit RdbReader(RdbInput& in) : in_(in) {}

  // Bytes read so far, and base::Crc64 over them.
  uint64_t offset() const { return offset_; }
  uint64_t crc() const { return crc_; }

  base::Status Raw(char* dst, size_t n);
  base::Status Byte(uint8_t* out);
  // `bytes` (1..8) little-endian bytes, unsigned.
  base::Status Little(int bytes, uint64_t* out);
  // A length (rdbLoadLen).
  base::Status Length(uint64_t* out);
  // A string in any of its encodings; replaces `*out`'s content.
  base::Status String(std::string* out);
  // RDB_TYPE_ZSET's double: a length byte (253 NaN, 254 +inf, 255 -inf) and text.
  base::Status TextDouble(double* out);
  // RDB_TYPE_ZSET_2's double: 8 bytes, IEEE 754 little-endian.
  base::Status BinaryDouble(double* out);

  // The corruption error for `what`, at the current offset.
  base::Status Corrupt(std::string_view what) const;

 private:
  base::Status ShortRead() const;
  // The rest of a length whose first byte was `first` (not a string encoding).
  base::Status LengthAfter(uint8_t first, uint64_t* out);
  base::Status Lzf(std::string* out);

  RdbInput& in_;
  uint64_t offset_ = 0;
  uint64_t crc_ = 0;
  std::string compressed_;  // scratch for LZF input
};

}  // namespace cinnabar::persistence

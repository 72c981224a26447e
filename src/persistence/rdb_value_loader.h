// Reads one value of a given RDB type and builds it with our core types (internal to the
// loader; Redis's rdbLoadObject). Collections come out in the encoding our limits choose,
// as if built by our own commands, except that list nodes and packed blobs within the
// limits are adopted as read. An empty collection is reported, not built (Redis skips
// those keys). Not thread-safe; reuses its buffers from one value to the next.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "core/entry.h"
#include "persistence/rdb_loader.h"
#include "persistence/rdb_reader.h"

namespace cinnabar::persistence {

class RdbValueLoader {
 public:
  RdbValueLoader(RdbReader& reader, const RdbLoadOptions& options)
      : r_(reader), options_(options) {}

  // Reads a value of `type`. On success `*out` holds it (the caller owns its out-of-line
  // part; an embedded string views bytes valid until the next Load) or `*empty` is set; on
  // error nothing is left allocated.
  base::Status Load(uint8_t type, core::Value* out, bool* empty);

 private:
  base::Status LoadString(core::Value* out);
  base::Status LoadList(core::Value* out, bool* empty);
  base::Status LoadSet(core::Value* out, bool* empty);
  base::Status LoadZSet(bool binary_scores, core::Value* out, bool* empty);
  // A member into a_ and its score (NaN refused).
  base::Status ReadScored(bool binary_scores, double* score);
  base::Status LoadHash(core::Value* out, bool* empty);
  base::Status LoadQuicklist(bool with_containers, core::Value* out, bool* empty);
  base::Status LoadListZiplist(core::Value* out, bool* empty);
  // The blob types whose value is one string: zipmap, ziplist hash/zset, listpacks, intset.
  base::Status LoadBlob(uint8_t type, core::Value* out, bool* empty);

  RdbReader& r_;
  const RdbLoadOptions& options_;
  std::string a_, b_;  // element scratch
};

}  // namespace cinnabar::persistence

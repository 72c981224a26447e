// Helpers for the RDB tests: values built through the core APIs, a text description of a
// value (type, encoding, content) to compare before and after a round trip, a handler that
// records everything a load hands it, and whole files around a body.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/entry.h"
#include "core/hash_value.h"
#include "core/list_value.h"
#include "core/set_value.h"
#include "core/zset_value.h"
#include "persistence/rdb_loader.h"

namespace cinnabar::persistence::testing {

// "list/quicklist: [a,b,c]": the type, OBJECT ENCODING's name, and the content (lists in
// order, sets and hashes sorted, sorted sets in order with scores). Bytes are escaped.
std::string Describe(const core::Value& v);
// The content part alone ("[a,b,c]"), and how it is built from elements already as text:
// each escaped (Escape), joined ("[a,b]"); pairs are "field=value" and "member=%.17g".
std::string Content(const core::Value& v);
std::string Escape(std::string_view s);
std::string Join(const std::vector<std::string>& parts);

core::Value MakeList(const std::vector<std::string>& elements, const core::ListLimits& limits = {});
core::Value MakeSet(const std::vector<std::string>& members, const core::SetLimits& limits = {});
core::Value MakeHash(const std::vector<std::pair<std::string, std::string>>& pairs,
                     const core::HashLimits& limits = {});
core::Value MakeZSet(const std::vector<std::pair<std::string, double>>& pairs,
                     const core::ZSetLimits& limits = {});

// One key as the handler saw it.
struct LoadedKey {
  int db = 0;
  std::string key;
  int64_t expire_ms = 0;
  RdbKeyMeta meta;
  std::string description;  // Describe(value)
};

// Records every callback; describes and frees each value as it arrives.
class RecordingHandler : public RdbHandler {
 public:
  base::Status OnAux(std::string_view key, std::string_view value) override;
  base::Status OnSelectDb(int db) override;
  base::Status OnResizeDb(uint64_t keys, uint64_t expires) override;
  base::Status OnFunction(std::string_view code) override;
  base::Status OnKey(int db, std::string_view key, core::Value value, int64_t expire_ms,
                     const RdbKeyMeta& meta) override;
  void OnEmptyKeySkipped(int db, std::string_view key) override;

  std::vector<std::pair<std::string, std::string>> aux;
  std::vector<int> selected;
  std::vector<std::pair<uint64_t, uint64_t>> resized;
  std::vector<std::string> functions;
  std::vector<LoadedKey> keys;
  std::vector<std::string> empty_keys;
  // The description of the key named `key` ("" if none).
  std::string Find(std::string_view key) const;
};

// "REDIS" + version, `body`, then (from version 5) EOF and the checksum trailer.
std::string MakeRdb(std::string_view body, int version = 10, bool checksum = true);
// Loads `file` with `options` into `handler`.
base::Status Load(std::string_view file, RecordingHandler* handler,
                  const RdbLoadOptions& options = {});

}  // namespace cinnabar::persistence::testing

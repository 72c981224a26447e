#include "persistence/rdb_loader.h"

#include <cinttypes>
#include <cstdio>
#include <string>

#include "persistence/rdb_reader.h"
#include "persistence/rdb_value_loader.h"

namespace cinnabar::persistence {

base::Status RdbHandler::OnAux(std::string_view, std::string_view) { return {}; }
base::Status RdbHandler::OnSelectDb(int) { return {}; }
base::Status RdbHandler::OnResizeDb(uint64_t, uint64_t) { return {}; }
base::Status RdbHandler::OnFunction(std::string_view) { return {}; }
void RdbHandler::OnEmptyKeySkipped(int, std::string_view) {}

namespace {

// What the opcodes before a key said about it; cleared after each key (Redis compat: not
// by the other opcodes, so an expiry before an AUX field still applies to the next key).
struct PendingKey {
  int64_t expire_ms = 0;
  RdbKeyMeta meta;
};

// Redis compat: -1 means "no expiry" in Redis's loader, so a stored -1 is none; any other
// time at or before the epoch is long past (1 keeps it distinct from our "none", 0).
int64_t ExpiryFromFile(int64_t ms) {
  if (ms == -1) return 0;
  return ms <= 0 ? 1 : ms;
}

class Loader {
 public:
  Loader(RdbInput& in, const RdbLoadOptions& options, RdbHandler& handler)
      : r_(in), options_(options), handler_(handler), values_(r_, options) {}

  base::Status Run();

 private:
  base::Status Header();
  // Handles one opcode; `*done` at EOF.
  base::Status Opcode(uint8_t type, bool* done);
  base::Status Key(uint8_t type);
  base::Status Checksum();

  RdbReader r_;
  const RdbLoadOptions& options_;
  RdbHandler& handler_;
  RdbValueLoader values_;
  int version_ = 0;
  int db_ = 0;
  PendingKey pending_;
  std::string key_, aux_value_;
};

base::Status Loader::Header() {
  char buf[9];
  base::Status s = r_.Raw(buf, sizeof(buf));
  if (!s.ok()) return s;
  if (std::string_view(buf, 5) != "REDIS") {
    return base::Status::Error("Wrong signature trying to load DB from file");
  }
  for (int i = 5; i < 9; ++i) {
    if (buf[i] < '0' || buf[i] > '9') break;
    version_ = version_ * 10 + (buf[i] - '0');
  }
  if (version_ < 1 || version_ > kRdbMaxLoadVersion) {
    return base::Status::Error("Can't handle RDB format version " + std::to_string(version_));
  }
  return s;
}

base::Status Loader::Opcode(uint8_t type, bool* done) {
  base::Status s;
  uint64_t a, b;
  switch (type) {
    case kRdbOpExpireTime:
      s = r_.Little(4, &a);
      pending_.expire_ms = ExpiryFromFile(int64_t{static_cast<int32_t>(a)} * 1000);
      return s;
    case kRdbOpExpireTimeMs:
      s = r_.Little(8, &a);
      pending_.expire_ms = ExpiryFromFile(static_cast<int64_t>(a));
      return s;
    case kRdbOpFreq: {
      uint8_t freq;
      s = r_.Byte(&freq);
      pending_.meta.freq = freq;
      return s;
    }
    case kRdbOpIdle:
      s = r_.Length(&a);
      pending_.meta.idle_seconds = a;
      return s;
    case kRdbOpEof:
      *done = true;
      return s;
    case kRdbOpSelectDb:
      s = r_.Length(&a);
      if (!s.ok()) return s;
      if (a >= static_cast<uint64_t>(options_.databases)) {
        return base::Status::Error(
            "FATAL: Data file was created with a Redis server configured to handle more than " +
            std::to_string(options_.databases) + " databases");
      }
      db_ = static_cast<int>(a);
      return handler_.OnSelectDb(db_);
    case kRdbOpResizeDb:
      s = r_.Length(&a);
      if (s.ok()) s = r_.Length(&b);
      return s.ok() ? handler_.OnResizeDb(a, b) : s;
    case kRdbOpAux:
      s = r_.String(&key_);
      if (s.ok()) s = r_.String(&aux_value_);
      return s.ok() ? handler_.OnAux(key_, aux_value_) : s;
    case kRdbOpModuleAux:
      return r_.Corrupt(
          "The RDB file contains AUX module data I can't load: modules are not supported");
    case kRdbOpFunctionPreGa:
      return r_.Corrupt("Pre-release function format not supported.");
    case kRdbOpFunction2:
      s = r_.String(&aux_value_);
      if (!s.ok()) return s;
      s = handler_.OnFunction(aux_value_);
      return s.ok() ? s : base::Status::Error("Failed loading library, " + s.message());
    default:
      return Key(type);
  }
}

base::Status Loader::Key(uint8_t type) {
  base::Status s = r_.String(&key_);
  if (!s.ok()) return s;
  core::Value value;
  bool empty;
  s = values_.Load(type, &value, &empty);
  if (s.ok()) {
    if (empty) {
      handler_.OnEmptyKeySkipped(db_, key_);
    } else {
      s = handler_.OnKey(db_, key_, value, pending_.expire_ms, pending_.meta);
    }
  }
  pending_ = PendingKey();
  return s;
}

base::Status Loader::Checksum() {
  if (version_ < 5) return {};  // no trailer before RDB 5
  uint64_t expected = r_.crc();
  uint64_t stored;
  base::Status s = r_.Little(8, &stored);
  if (!s.ok() || !options_.verify_checksum || stored == 0) return s;
  if (stored != expected) {
    char buf[128];
    std::snprintf(buf, sizeof(buf),
                  "Wrong RDB checksum expected: (%" PRIx64 ") but got (%" PRIx64 "). Aborting now.",
                  expected, stored);
    return base::Status::Error(buf);
  }
  return s;
}

base::Status Loader::Run() {
  base::Status s = Header();
  bool done = false;
  while (s.ok() && !done) {
    uint8_t type;
    s = r_.Byte(&type);
    if (s.ok()) s = Opcode(type, &done);
  }
  return s.ok() ? Checksum() : s;
}

}  // namespace

base::Status LoadRdb(RdbInput& in, const RdbLoadOptions& options, RdbHandler& handler) {
  Loader loader(in, options, handler);
  return loader.Run();
}

}  // namespace cinnabar::persistence

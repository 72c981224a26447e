// Loader: puts the data of an RDB file, or of an AOF's files, into the shards (start-up,
// DEBUG RELOAD). A reader thread parses the files (persistence/rdb_loader.h,
// aof_reader.h); the thread that holds every shard applies what it parsed in slices of a
// few milliseconds and gives its loop a turn between them, so clients get -LOADING answers
// (engine/dispatcher.h) instead of silence. Keys do not expire while loading (Redis
// compat), and AOF commands run through engine::Invoke like any other, as the client that
// once sent them; MULTI ... EXEC runs as one group, and a MULTI the file ends inside does
// not run.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace cinnabar::engine {
class Engine;
}  // namespace cinnabar::engine

namespace cinnabar::persistence {

struct LoadFile {
  std::string path;
  bool aof = false;       // an AOF file (which may start with an RDB preamble)
  bool last = false;      // the last file of the AOF: a torn tail there may be cut off
};

struct LoadOptions {
  std::vector<LoadFile> files;
  bool aof_load_truncated = true;
  bool merge = false;  // a key already in memory is replaced (DEBUG RELOAD MERGE), not an error
  // A function library found in an RDB: loads it (the scripting layer), on thread `home`
  // (its first argument).
  std::function<base::Status(unsigned thread, const std::string& code)> load_function;
};

struct LoadResult {
  base::Status status;
  int64_t keys_loaded = 0;
  int64_t keys_expired = 0;  // already past their time: not loaded
  int64_t commands = 0;
  int64_t aof_base_size = 0;  // the first AOF file's size (aof_base_size in INFO)
};

// What INFO persistence shows while a load runs. Any thread.
struct LoadProgress {
  std::atomic<bool> loading{false};
  std::atomic<int64_t> start_ms{0};
  std::atomic<int64_t> total_bytes{0};
  std::atomic<int64_t> loaded_bytes{0};
  std::atomic<int64_t> loaded_keys{0};
};

// Starts loading; `done` runs on `home` when everything is in (or failed), with the shards
// still held. REQUIRES: on `home`, every shard held.
void StartLoad(engine::Engine& eng, unsigned home, LoadOptions options, LoadProgress* progress,
               std::function<void(const LoadResult&)> done);

}  // namespace cinnabar::persistence

// Snapshot: a point-in-time RDB image of the whole keyspace, written without fork
// (DESIGN.md §6). Used by BGSAVE, SAVE, save points, SHUTDOWN, DEBUG RELOAD and the AOF
// rewrite's base file.
//
// It starts while every shard is held (engine/hold_all.h): that is its point in time. Then
// each shard writes its own tables in slices between requests (100 µs each, so clients
// keep most of the thread), segment by segment in hash order, on its own thread. A command
// about to read or change an entry the snapshot has not reached yet has that one entry
// written first and marked (engine/snapshot_guard.h, the table's snapshot mark); an entry
// added where the scan has not been is marked too; the scan skips marked entries and
// clears their marks. So every key is written exactly once, as it was at the start, while
// the table grows and splits: a segment only ever splits into halves of its hash range, so
// the scan's cursor always starts a segment, and marks move with their entries.
// What the shards produce goes to a writer thread through a bounded queue (slices pause
// while it is full), so the memory a snapshot costs is its buffers, not the write rate.
//
// The file is written to a temp name, fsynced, renamed over the target and the directory
// fsynced: a crash at any moment leaves the previous file whole.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/status.h"

namespace cinnabar::engine {
class Engine;
}  // namespace cinnabar::engine

namespace cinnabar::persistence {

class AppendOnlyFile;

struct SnapshotOptions {
  std::string dir;
  std::string file_name;  // the file's final name in `dir`
  std::string temp_name;  // the name it is written under first
  bool compress = true;   // rdbcompression
  bool checksum = true;   // rdbchecksum
  int64_t key_delay_us = 0;  // rdb-key-save-delay (tests): a pause per key written
  bool aof_base = false;     // the aof-base aux field: this is an AOF's base file
  bool incremental_fsync = false;  // fsync every 4 MB written (rdb-save-/aof-rewrite-incremental-fsync)
  bool commands = false;     // an AOF base in command form (aof-use-rdb-preamble no), not RDB
  std::vector<std::string> functions;  // FUNCTION libraries' code, written first
};

struct SnapshotResult {
  base::Status status;
  int64_t keys = 0;
  int64_t bytes = 0;
};

class Snapshot {
 public:
  using Done = std::function<void(const SnapshotResult&)>;

  // Starts a snapshot; `done` runs on thread `home` once the file is in place (or failed).
  // REQUIRES: on `home`, with every shard held.
  static std::shared_ptr<Snapshot> Start(engine::Engine& eng, unsigned home,
                                         SnapshotOptions options, Done done);
  ~Snapshot();

  // Asks it to stop: the temp file is removed and `done` gets an error. Any thread.
  void Abort();
  // Keys written so far (INFO's rdb_last_bgsave... progress, tests). Any thread.
  int64_t keys_written() const { return keys_written_.load(std::memory_order_relaxed); }

 private:
  class ShardPart;
  struct Chunk {
    int db;  // -1: file-level bytes (header, aux, functions)
    std::string bytes;
    int64_t keys = 0;
  };

  Snapshot(engine::Engine& eng, unsigned home, SnapshotOptions options, Done done);
  // From the shards (their threads): hands over what a slice produced.
  void Push(Chunk chunk);
  void PartDone();
  // Whether the writer's queue is too full for more slices now.
  bool Backlogged() const { return queued_bytes_.load(std::memory_order_relaxed) > kMaxQueued; }
  void WriterMain();
  base::Status WriteChunk(AppendOnlyFile& file, const Chunk& c);

  static constexpr int64_t kMaxQueued = 16 << 20;

  engine::Engine& eng_;
  unsigned home_;
  SnapshotOptions options_;
  Done done_;
  std::vector<std::unique_ptr<ShardPart>> parts_;
  std::vector<uint64_t> db_keys_, db_expires_;  // RESIZEDB, counted at the start

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Chunk> queue_;
  unsigned parts_left_ = 0;
  std::atomic<int64_t> queued_bytes_{0};
  std::atomic<bool> aborted_{false};
  std::atomic<int64_t> keys_written_{0};
  std::thread writer_;
  std::weak_ptr<Snapshot> self_;
  // The writer thread's own:
  int last_db_ = -1;
  std::vector<bool> resized_;
  uint64_t crc_ = 0;
  int64_t synced_at_ = 0;  // file size at the last incremental fsync (writer thread)
};

}  // namespace cinnabar::persistence

// Aof: the journal (engine/journal.h) written to Redis 7's multi-part AOF: a base file (an
// RDB image, persistence/snapshot.h) and incr files of commands, listed by the manifest in
// `appenddirname` (persistence/aof_manifest.h).
//
// It is one of the journal's sinks: appends are copied into a pending buffer under the
// journal's lock, and one writer thread writes them out and fsyncs per `appendfsync`:
// `always` fsyncs every batch it writes and then tells the journal how far it is durable,
// which lets the replies that waited go (group commit: one fsync covers every write of
// every client and shard that waited for it); `everysec` once a second; `no` never.
//
// A rewrite (BGREWRITEAOF, turning AOF on, the auto-rewrite) starts while every shard is
// held: a new incr file takes every record from that point on, and a snapshot of that same
// point becomes the new base. The manifest names the new incr at once (so a crash during
// the rewrite loses nothing) and the new base once it is complete; the files it replaces
// are then deleted.
//
// Threading: Start/StartRewrite/Stop and the accessors on the thread that owns the
// persistence state (the caller's contract); OnRecords from any thread under the journal's
// lock; the writer thread is internal.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/status.h"
#include "engine/config.h"
#include "engine/journal.h"
#include "engine/latency_monitor.h"
#include "persistence/aof_manifest.h"
#include "persistence/durable_file.h"

namespace cinnabar::engine {
class Engine;
}  // namespace cinnabar::engine

namespace cinnabar::persistence {

class Snapshot;

struct AofStats {
  bool rewrite_in_progress = false;
  bool rewrite_scheduled = false;
  int64_t last_rewrite_time_sec = -1;
  int64_t current_rewrite_start_ms = 0;
  bool last_rewrite_ok = true;
  int64_t rewrites = 0;
  int64_t consecutive_failures = 0;
  int64_t current_size = 0;
  int64_t base_size = 0;
  int64_t delayed_fsync = 0;
  bool last_write_ok = true;  // the last write and fsync succeeded
};

class Aof : public engine::JournalSink {
 public:
  // The server's snapshot of what a rewrite's base needs (function libraries).
  using FunctionSource = std::function<std::vector<std::string>()>;

  Aof(engine::Engine& eng, unsigned home, FunctionSource functions);
  ~Aof() override;

  // Turns AOF on: a rewrite makes the base of the data as it is now. `manifest`: the one
  // found at start-up after loading it (it is continued: its last incr is appended to and no
  // rewrite is needed), or null. `done` runs on `home` when the AOF is fully in place.
  // `fresh_start`: the server starts with no AOF yet (the base it writes is not counted as
  // a rewrite). REQUIRES: on `home`, every shard held.
  base::Status Start(const engine::ServerConfig& cfg, const AofManifest* manifest,
                     std::function<void(base::Status)> done, bool fresh_start = false);
  // Turns AOF off: flushes, fsyncs and closes; the journal loses its sink. REQUIRES: every
  // shard held (or the threads stopped).
  void Stop();
  bool enabled() const { return enabled_; }

  // BGREWRITEAOF. REQUIRES: on `home`, every shard held, AOF on, no rewrite running.
  base::Status StartRewrite(std::function<void(base::Status)> done);
  bool rewriting() const { return snapshot_ != nullptr; }
  // The cron's check for auto-aof-rewrite-percentage / min-size.
  bool WantsAutoRewrite(const engine::ServerConfig& cfg) const;
  // Whether a save or rewrite is writing its file (no-appendfsync-on-rewrite). Any thread.
  void set_background_active(bool on) { background_active_.store(on, std::memory_order_relaxed); }
  // appendfsync changed (CONFIG SET).
  void SetFsyncPolicy(engine::ServerConfig::Fsync policy);
  // latency-monitor-threshold changed: the writes and fsyncs it times (aof-write...).
  void SetLatencyThreshold(int64_t ms) { latency_.set_threshold_ms(ms); }

  AofStats stats() const;
  // Writes, fsyncs (whatever the policy) and returns once everything appended is on disk.
  void FlushAndSync();

  // engine::JournalSink
  void OnRecords(std::string_view bytes, uint64_t end_offset) override;
  // everysec / no: writes what is pending, on the loop's thread (Redis's beforeSleep).
  void OnLoopTurnEnd() override;

 private:
  struct Pending {
    std::string bytes;
    uint64_t end_offset = 0;  // journal offset after `bytes`
    // Set when the records after this entry go to a new file.
    std::optional<AppendOnlyFile> switch_to;
  };

  base::Status OpenNewIncr(AofManifest* m, std::optional<AppendOnlyFile>* out);
  base::Status PersistManifest(const AofManifest& m);
  void FinishRewrite(const base::Status& st, std::function<void(base::Status)> done);
  void WriterMain();
  // Wakes the writer thread for work the loops leave to it.
  void Kick();
  int WriteOut(std::deque<Pending>* work);
  void NoteWriteLatency(int64_t start_us);
  void NoteIoResult(int write_err, int fsync_err, engine::ServerConfig::Fsync policy);
  void StopWriter();

  engine::Engine& eng_;
  unsigned home_;
  FunctionSource functions_;
  std::atomic<bool> background_active_{false};
  // The writes' and fsyncs' latency events, as Redis names them: aof-write, and one of
  // aof-write-pending-fsync (the writer thread was fsyncing meanwhile),
  // aof-write-active-child (a save or rewrite was writing its file) or aof-write-alone;
  // aof-fsync-always for the fsyncs of appendfsync always.
  engine::LatencyProbe latency_;
  std::atomic<bool> fsyncing_{false};  // the writer thread is in fsync
  bool fresh_start_ = false;  // the running rewrite makes a first start's base
  std::string dir_;       // dir/appenddirname
  std::string filename_;  // appendfilename
  bool preamble_ = true;
  bool timestamps_ = false;
  bool enabled_ = false;
  AofManifest manifest_;
  bool manifest_persisted_ = false;  // false while the first rewrite makes the first base
  std::shared_ptr<Snapshot> snapshot_;
  std::string rewrite_base_;  // the name the running rewrite's base gets
  AofStats stats_;

  // The file and what is written to it: the writer thread's and, with everysec or no, the
  // loops' (OnLoopTurnEnd). Taken before mu_. Only the writer thread replaces file_.
  std::mutex file_mu_;
  std::deque<Pending> backlog_;  // taken from pending_, not yet (fully) in the file
  std::atomic<uint64_t> written_offset_{0};  // journal offset written
  std::optional<AppendOnlyFile> file_;

  // Shared with the writer thread and OnRecords.
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable flushed_cv_;
  std::deque<Pending> pending_;
  int64_t last_timestamp_ = 0;
  std::atomic<int> policy_{1};  // engine::ServerConfig::Fsync
  bool stop_ = false;
  bool sync_requested_ = false;
  bool kick_ = false;  // Kick(): work for the writer thread
  uint64_t synced_offset_ = 0;  // journal offset fsynced
  std::atomic<int64_t> file_size_{0};
  std::atomic<int64_t> delayed_fsync_{0};
  uint64_t sync_rounds_ = 0;         // requested syncs the writer has tried
  std::atomic<int> io_errno_{0};     // the last write's or fsync's error, 0 when it worked
  int64_t last_error_log_us_ = 0;    // the writer thread's
  int fsync_errno_ = 0;              // the last fsync's error (writer thread)
  std::thread writer_;
};

}  // namespace cinnabar::persistence

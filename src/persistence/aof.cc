#include "persistence/aof.h"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "base/clock.h"
#include "base/logging.h"
#include "engine/engine.h"
#include "persistence/snapshot.h"

namespace cinnabar::persistence {

using Fsync = engine::ServerConfig::Fsync;

Aof::Aof(engine::Engine& eng, unsigned home, FunctionSource functions)
    : eng_(eng), home_(home), functions_(std::move(functions)) {
  latency_.Bind(&eng.latency_monitor());
}

Aof::~Aof() { Stop(); }

base::Status Aof::OpenNewIncr(AofManifest* m, std::optional<AppendOnlyFile>* out) {
  AofFile incr = AddNewIncr(m, filename_);
  base::StatusOr<AppendOnlyFile> f = AppendOnlyFile::Open(MakePath(dir_, incr.name), true);
  if (!f.ok()) return f.status();
  out->emplace(std::move(*f));
  return base::Status::Ok();
}

base::Status Aof::PersistManifest(const AofManifest& m) {
  return WriteFileAtomically(dir_, ManifestFileName(filename_), FormatManifest(m));
}

base::Status Aof::Start(const engine::ServerConfig& cfg, const AofManifest* manifest,
                        std::function<void(base::Status)> done, bool fresh_start) {
  dir_ = cfg.appenddirname;
  filename_ = cfg.appendfilename;
  preamble_ = cfg.aof_use_rdb_preamble;
  timestamps_ = cfg.aof_timestamp_enabled;
  policy_.store(static_cast<int>(cfg.appendfsync), std::memory_order_relaxed);
  latency_.set_threshold_ms(cfg.latency_monitor_threshold);
  if (mkdir(dir_.c_str(), 0755) != 0 && errno != EEXIST) {
    return base::Status::FromErrno("Can't create AOF directory " + dir_, errno);
  }
  std::optional<AppendOnlyFile> file;
  if (manifest != nullptr) {
    // Start-up: the AOF just loaded goes on, in its last incr file.
    manifest_ = *manifest;
    AofManifest m = manifest_;
    bool had_incr = !m.incrs.empty();
    AofFile incr = LastOrNewIncr(&m, filename_);
    base::StatusOr<AppendOnlyFile> f = AppendOnlyFile::Open(MakePath(dir_, incr.name), false);
    if (!f.ok()) return f.status();
    if (!had_incr) {
      if (base::Status st = PersistManifest(m); !st.ok()) return st;
    }
    manifest_ = m;
    manifest_persisted_ = true;
    file.emplace(std::move(*f));
  } else {
    // Turned on: the files of an earlier time AOF was on, if any, are continued in number.
    base::StatusOr<std::string> text = ReadFileToString(MakePath(dir_, ManifestFileName(filename_)));
    manifest_ = AofManifest{};
    if (text.ok()) {
      base::StatusOr<AofManifest> parsed = ParseManifest(*text);
      if (parsed.ok()) manifest_ = std::move(*parsed);
    }
    manifest_persisted_ = false;
    if (base::Status st = OpenNewIncr(&manifest_, &file); !st.ok()) return st;
  }
  file_size_.store(file->Size(), std::memory_order_relaxed);
  file_ = std::move(file);
  stop_ = false;
  io_errno_.store(0, std::memory_order_relaxed);
  eng_.aof_write_errno.store(0, std::memory_order_relaxed);
  uint64_t start = eng_.journal().AddSink(this);
  written_offset_.store(start);
  synced_offset_ = start;
  eng_.journal().MarkDurable(start);
  // Every policy holds a write's reply until the AOF covers it, as Redis (which writes
  // before it replies): `always` until the fsync, the others until the write.
  eng_.journal().set_sync_acks(true);
  enabled_ = true;
  writer_ = std::thread([this] { WriterMain(); });
  if (manifest != nullptr) {
    stats_.base_size = 0;
    if (manifest_.base) {
      base::StatusOr<int64_t> size = FileSize(MakePath(dir_, manifest_.base->name));
      if (size.ok()) stats_.base_size = *size;
    }
    done(base::Status::Ok());
    return base::Status::Ok();
  }
  fresh_start_ = fresh_start;
  return StartRewrite(std::move(done));
}

base::Status Aof::StartRewrite(std::function<void(base::Status)> done) {
  if (manifest_persisted_) {
    // A new incr file takes everything from now on; the manifest names it at once.
    AofManifest m = manifest_;
    std::optional<AppendOnlyFile> next;
    if (base::Status st = OpenNewIncr(&m, &next); !st.ok()) return st;
    if (base::Status st = PersistManifest(m); !st.ok()) {
      unlink(next->path().c_str());
      return st;
    }
    manifest_ = m;
    std::lock_guard lock(mu_);
    Pending p;
    p.switch_to = std::move(next);
    p.end_offset = 0;
    pending_.push_back(std::move(p));
    kick_ = true;  // the writer thread switches files
    cv_.notify_one();
  }
  std::shared_ptr<const engine::ServerConfig> cfg = eng_.config_store().snapshot();
  preamble_ = cfg->aof_use_rdb_preamble;  // CONFIG SET applies from the next rewrite
  AofManifest preview = manifest_;
  rewrite_base_ = AddNewBase(&preview, filename_, preamble_).name;
  SnapshotOptions opts;
  opts.dir = dir_;
  opts.file_name = rewrite_base_;
  opts.temp_name = "temp-rewriteaof-bg-" + std::to_string(getpid()) + ".aof";
  opts.compress = cfg->rdbcompression;
  opts.checksum = cfg->rdbchecksum;
  opts.key_delay_us = cfg->rdb_key_save_delay;
  opts.aof_base = true;
  opts.commands = !preamble_;
  opts.incremental_fsync = cfg->aof_rewrite_incremental_fsync;
  opts.functions = functions_();
  stats_.rewrite_in_progress = true;
  stats_.rewrite_scheduled = false;
  stats_.current_rewrite_start_ms = base::UnixTimeMs();
  if (fresh_start_) {
    base::LogNotice("Creating AOF base file {} on server start", rewrite_base_);
  } else {
    base::LogNotice("Background append only file rewriting started");
  }
  snapshot_ = Snapshot::Start(eng_, home_, std::move(opts),
                              [this, done = std::move(done)](const SnapshotResult& r) mutable {
                                FinishRewrite(r.status, std::move(done));
                              });
  return base::Status::Ok();
}

void Aof::FinishRewrite(const base::Status& result, std::function<void(base::Status)> done) {
  snapshot_.reset();
  stats_.rewrite_in_progress = false;
  stats_.last_rewrite_time_sec = (base::UnixTimeMs() - stats_.current_rewrite_start_ms) / 1000;
  base::Status st = result;
  if (st.ok() && enabled_) {
    AofManifest m = manifest_;
    AddNewBase(&m, filename_, preamble_);
    MarkRewrittenIncrsAsHistory(&m, true);
    st = PersistManifest(m);
    if (st.ok()) {
      manifest_ = m;
      manifest_persisted_ = true;
      for (const AofFile& f : TakeHistory(&manifest_)) unlink(MakePath(dir_, f.name).c_str());
      (void)PersistManifest(manifest_);
      base::StatusOr<int64_t> size = FileSize(MakePath(dir_, rewrite_base_));
      stats_.base_size = size.ok() ? *size : 0;
    }
  } else if (st.ok()) {
    st = base::Status::Error("AOF was turned off during the rewrite");
  }
  if (st.ok() && fresh_start_) {
    // Redis compat: the empty base a first start creates is not a rewrite and its size is
    // not counted until the next start.
    fresh_start_ = false;
    stats_.base_size = 0;
    stats_.consecutive_failures = 0;
  } else if (st.ok()) {
    ++stats_.rewrites;
    stats_.consecutive_failures = 0;
    stats_.last_rewrite_ok = true;
    base::LogNotice("Background AOF rewrite finished successfully");
  } else {
    ++stats_.consecutive_failures;
    stats_.last_rewrite_ok = false;
    unlink(MakePath(dir_, rewrite_base_).c_str());
    base::LogWarning("Background AOF rewrite failed: {}", st.message());
  }
  done(st);
}

bool Aof::WantsAutoRewrite(const engine::ServerConfig& cfg) const {
  if (!enabled_ || rewriting() || cfg.auto_aof_rewrite_percentage == 0) return false;
  int64_t size = file_size_.load(std::memory_order_relaxed) + stats_.base_size;
  if (size < cfg.auto_aof_rewrite_min_size) return false;
  int64_t base = stats_.base_size > 0 ? stats_.base_size : 1;
  return (size - base) * 100 / base >= cfg.auto_aof_rewrite_percentage;
}

void Aof::SetFsyncPolicy(Fsync policy) {
  policy_.store(static_cast<int>(policy), std::memory_order_relaxed);
  if (enabled_) eng_.journal().set_sync_acks(true);
  Kick();
}

void Aof::Stop() {
  if (!enabled_) return;
  eng_.journal().RemoveSink(this);
  eng_.journal().set_sync_acks(false);
  if (snapshot_) snapshot_->Abort();
  StopWriter();
  eng_.aof_write_errno.store(0, std::memory_order_relaxed);  // AOF off: nothing to refuse for
  enabled_ = false;
}

void Aof::StopWriter() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_one();
  }
  if (writer_.joinable()) writer_.join();
}

AofStats Aof::stats() const {
  AofStats s = stats_;
  s.current_size = stats_.base_size + file_size_.load(std::memory_order_relaxed);
  s.delayed_fsync = delayed_fsync_.load(std::memory_order_relaxed);
  s.last_write_ok = io_errno_.load(std::memory_order_relaxed) == 0;
  return s;
}

void Aof::FlushAndSync() {
  std::unique_lock lock(mu_);
  if (!enabled_ || stop_) return;
  uint64_t target = eng_.journal().appended();
  const uint64_t round = sync_rounds_;
  sync_requested_ = true;
  cv_.notify_one();
  // A write that fails ends the wait after one try (a shutdown goes on, as Redis's).
  flushed_cv_.wait(lock, [&] {
    return synced_offset_ >= target || stop_ ||
           (sync_rounds_ > round && io_errno_.load(std::memory_order_relaxed) != 0);
  });
}

void Aof::OnRecords(std::string_view bytes, uint64_t end_offset) {
  std::lock_guard lock(mu_);
  const bool was_empty = pending_.empty();
  if (pending_.empty()) pending_.emplace_back();
  Pending& p = pending_.back();
  if (timestamps_) {
    int64_t now = time(nullptr);
    if (now != last_timestamp_) {
      last_timestamp_ = now;
      p.bytes += "#TS:" + std::to_string(now) + "\r\n";
    }
  }
  p.bytes.append(bytes);
  p.end_offset = end_offset;
  // With everysec and no the threads write at the end of their loop turns (OnLoopTurnEnd).
  if (was_empty && static_cast<Fsync>(policy_.load(std::memory_order_relaxed)) == Fsync::kAlways) {
    cv_.notify_one();
  }
}

void Aof::Kick() {
  std::lock_guard lock(mu_);
  kick_ = true;
  cv_.notify_one();
}

void Aof::OnLoopTurnEnd() {
  if (static_cast<Fsync>(policy_.load(std::memory_order_relaxed)) == Fsync::kAlways) return;
  if (written_offset_.load(std::memory_order_acquire) >= eng_.journal().appended()) return;
  // Never waits on the writer thread (a file switch fsyncs under the lock): it does it.
  std::unique_lock file_lock(file_mu_, std::try_to_lock);
  if (!file_lock.owns_lock()) return Kick();
  // A failed write is the writer thread's to try again, at its pace.
  if (!backlog_.empty() || !file_) return;
  {
    std::lock_guard lock(mu_);
    if (pending_.empty()) return;
    if (pending_.size() > 1 || pending_.front().switch_to) {
      kick_ = true;
      cv_.notify_one();
      return;
    }
    backlog_.push_back(std::move(pending_.front()));
    pending_.clear();
  }
  const int err = WriteOut(&backlog_);
  file_size_.store(file_->Size(), std::memory_order_relaxed);
  const uint64_t written = written_offset_.load(std::memory_order_relaxed);
  file_lock.unlock();
  if (err != 0) return Kick();  // the writer thread notes it and tries again
  eng_.journal().MarkDurable(written);
}

// Writes `work` from the front into the AOF; stops at the first failure and leaves what is
// not yet in the file (a cut-back record whole). Returns the errno that stopped it, or 0.
int Aof::WriteOut(std::deque<Pending>* work) {
  while (!work->empty()) {
    Pending& p = work->front();
    if (p.switch_to) {
      (void)file_->TryFsync();
      (void)file_->Close();
      file_ = std::move(*p.switch_to);
      p.switch_to.reset();
    }
    if (!p.bytes.empty()) {
      const int64_t start = latency_.Start();
      AppendOnlyFile::Appended r = file_->TryAppend(p.bytes);
      if (start != 0) NoteWriteLatency(start);
      if (r.err != 0) {
        p.bytes.erase(0, r.kept);
        // Redis compat: what stopped a short write is told as a full disk.
        return r.kept > 0 || r.cut > 0 ? ENOSPC : r.err;
      }
    }
    if (p.end_offset != 0) written_offset_.store(p.end_offset, std::memory_order_release);
    work->pop_front();
  }
  return 0;
}

// Redis compat (flushAppendOnlyFile): a write that took long is "aof-write" and, by what
// went on meanwhile, one more event.
void Aof::NoteWriteLatency(int64_t start_us) {
  const int64_t ms = (base::MonotonicUs() - start_us) / 1000;
  if (fsyncing_.load(std::memory_order_relaxed)) {
    latency_.Note("aof-write-pending-fsync", ms);
  } else if (background_active_.load(std::memory_order_relaxed)) {
    latency_.Note("aof-write-active-child", ms);
  } else {
    latency_.Note("aof-write-alone", ms);
  }
  latency_.Note("aof-write", ms);
}

// A failed write or fsync: writes answer -MISCONF until one succeeds again (Redis's
// aof_last_write_status and aof_bio_fsync_status, each cleared only by its own success).
// `fsync_err` is -1 when this round tried no fsync. With `always` there is no way on.
void Aof::NoteIoResult(int write_err, int fsync_err, Fsync policy) {
  if (fsync_err >= 0) fsync_errno_ = fsync_err;
  const int err = write_err != 0 ? write_err : fsync_errno_;
  const int before = io_errno_.load(std::memory_order_relaxed);
  if (err != 0 && policy == Fsync::kAlways) {
    base::LogWarning("{} the AOF file: {}", write_err != 0 ? "Error writing to" : "Can't fsync",
                     std::strerror(err));
    base::LogWarning("Can't recover from AOF write error when the AOF fsync policy is "
                     "'always'. Exiting...");
    std::_Exit(1);
  }
  const int64_t now = base::MonotonicUs();
  if (err != 0 && (before == 0 || now - last_error_log_us_ >= 30'000'000)) {
    // Redis compat: logged once, then at most every 30 seconds while it lasts.
    base::LogWarning("{} the AOF file: {}",
                     write_err != 0 ? "Error writing to" : "Fail to fsync", std::strerror(err));
    last_error_log_us_ = now;
  }
  if (err == 0 && before != 0) {
    base::LogWarning("AOF write error looks solved, Redis can write again.");
  }
  if (err != before) {
    io_errno_.store(err, std::memory_order_relaxed);
    eng_.aof_write_errno.store(err, std::memory_order_relaxed);
  }
}

void Aof::WriterMain() {
  int64_t last_fsync_us = base::MonotonicUs();
  bool failing = false;  // the last write failed: backlog_ waits for a retry
  while (true) {
    bool sync_now, stopping;
    {
      std::unique_lock lock(mu_);
      const auto policy = static_cast<Fsync>(policy_.load(std::memory_order_relaxed));
      // While a write fails, it is tried again 10 times a second (Redis's cron). With
      // `always` this thread writes every record; otherwise the loops do (OnLoopTurnEnd)
      // and this thread fsyncs once a second and does what they leave to it (kick_).
      cv_.wait_for(lock, std::chrono::milliseconds(failing ? 100 : 1000), [&] {
        return stop_ || sync_requested_ || kick_ ||
               (!failing && policy == Fsync::kAlways && !pending_.empty());
      });
      kick_ = false;
      sync_now = sync_requested_;
      sync_requested_ = false;
      stopping = stop_;
    }
    int write_err;
    uint64_t before, written;
    {
      std::lock_guard file_lock(file_mu_);
      before = written_offset_.load(std::memory_order_relaxed);
      {
        std::lock_guard lock(mu_);
        for (Pending& p : pending_) backlog_.push_back(std::move(p));
        pending_.clear();
      }
      write_err = WriteOut(&backlog_);
      failing = !backlog_.empty();
      written = written_offset_.load(std::memory_order_relaxed);
      file_size_.store(file_->Size(), std::memory_order_relaxed);
    }
    const auto policy = static_cast<Fsync>(policy_.load(std::memory_order_relaxed));
    // everysec and no promise what Redis does: a reply leaves once its write is in the
    // kernel (a process crash loses nothing acknowledged).
    if (policy != Fsync::kAlways && written != before) eng_.journal().MarkDurable(written);
    const int64_t now = base::MonotonicUs();
    bool synced = false;
    int fsync_err = -1;  // none tried
    // no-appendfsync-on-rewrite: while a save or rewrite writes its file, the AOF is not
    // fsynced (written is as good as it gets then, as in Redis).
    const bool skip_fsync = background_active_.load(std::memory_order_relaxed) &&
                            eng_.config_store().snapshot()->no_appendfsync_on_rewrite;
    if (write_err == 0 && skip_fsync && !sync_now && !stopping && synced_offset_ < written) {
      synced = true;
    } else if (synced_offset_ < written || sync_now || stopping) {
      if (policy == Fsync::kAlways || sync_now || stopping ||
          (policy == Fsync::kEverySec && now - last_fsync_us >= 1000000)) {
        // Only this thread replaces file_, so it may fsync without the lock while the
        // loops append.
        const int64_t start = latency_.Start();
        fsyncing_.store(true, std::memory_order_relaxed);
        fsync_err = file_->TryFsync();
        fsyncing_.store(false, std::memory_order_relaxed);
        if (policy == Fsync::kAlways) latency_.End("aof-fsync-always", start);
        last_fsync_us = now;
        synced = fsync_err == 0;
      }
    }
    NoteIoResult(write_err, fsync_err, policy);
    {
      std::lock_guard lock(mu_);
      if (synced) synced_offset_ = written;
      if (sync_now) ++sync_rounds_;
      flushed_cv_.notify_all();
    }
    if (synced) eng_.journal().MarkDurable(written);
    if (stopping) {
      std::lock_guard lock(mu_);
      if (pending_.empty()) break;
    }
  }
  {
    std::lock_guard file_lock(file_mu_);
    (void)file_->Close();
    file_.reset();
  }
  std::lock_guard lock(mu_);
  flushed_cv_.notify_all();
}

}  // namespace cinnabar::persistence

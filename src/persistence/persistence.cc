#include "persistence/persistence.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <optional>

#include "base/clock.h"
#include "base/logging.h"
#include "engine/engine.h"
#include "engine/hold_all.h"
#include "engine/shard.h"
#include "persistence/aof.h"
#include "persistence/aof_manifest.h"
#include "persistence/durable_file.h"
#include "persistence/snapshot.h"
#include "protocol/errors.h"

namespace cinnabar::persistence {
namespace {

bool Exists(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

[[noreturn]] void Fatal(std::string_view what) {
  base::LogWarning("Fatal error loading the DB: {}. Exiting.", what);
  std::_Exit(1);
}

constexpr int64_t kBgsaveRetrySeconds = 5;  // Redis's CONFIG_BGSAVE_RETRY_DELAY

}  // namespace

Persistence& Persistence::Of(engine::Engine& eng) {
  return static_cast<Persistence&>(eng.extensions().Shared(
      engine::ExtensionSlot::kPersistence, [&eng] { return std::make_unique<Persistence>(eng); }));
}

Persistence::Persistence(engine::Engine& eng) : eng_(eng), lastsave_(eng.start_ms() / 1000) {}

Persistence::~Persistence() = default;

void Persistence::SetFunctions(Functions f) {
  std::lock_guard lock(mu_);
  functions_ = std::move(f);
}

std::shared_ptr<const engine::ServerConfig> Persistence::config() const {
  return eng_.config_store().snapshot();
}

int64_t Persistence::Changes() const {
  int64_t n = 0;
  for (unsigned s = 0; s < eng_.shard_count(); ++s) n += eng_.shard(s).dirty().changes();
  return n;
}

// --- Start-up ---

void Persistence::LoadAtStartup(unsigned thread, std::function<void()> ready) {
  std::shared_ptr<const engine::ServerConfig> cfg = config();
  engine::HoldAllShards(eng_, thread, [this, thread, cfg, ready](engine::ReleaseShards release) {
    LoadOptions opts;
    opts.aof_load_truncated = cfg->aof_load_truncated;
    opts.load_function = functions_.load;
    std::optional<AofManifest> manifest;
    if (cfg->appendonly) {
      std::string path = MakePath(cfg->appenddirname, ManifestFileName(cfg->appendfilename));
      if (!Exists(path) && Exists(cfg->appendfilename)) {
        // Redis compat (aofUpgradePrepare): an old-style single AOF moves into the AOF
        // directory, unrenamed, as the base of a new manifest.
        AofManifest m;
        AdoptOldStyleAof(&m, cfg->appendfilename);
        if (mkdir(cfg->appenddirname.c_str(), 0755) != 0 && errno != EEXIST) {
          Fatal("Can't create AOF directory " + cfg->appenddirname + ": " + std::strerror(errno));
        }
        std::string moved = MakePath(cfg->appenddirname, cfg->appendfilename);
        if (rename(cfg->appendfilename.c_str(), moved.c_str()) != 0) {
          Fatal("Error moving " + cfg->appendfilename + " into " + cfg->appenddirname + ": " +
                std::strerror(errno));
        }
        if (base::Status st = WriteFileAtomically(cfg->appenddirname,
                                                  ManifestFileName(cfg->appendfilename),
                                                  FormatManifest(m));
            !st.ok()) {
          Fatal(st.message());
        }
        base::LogNotice("Successfully migrated an old-style AOF into the AOF directory");
      }
      if (Exists(path)) {
        base::StatusOr<std::string> text = ReadFileToString(path);
        if (!text.ok()) Fatal(text.status().message());
        base::StatusOr<AofManifest> parsed = ParseManifest(*text);
        if (!parsed.ok()) Fatal("Bad AOF manifest " + path + ": " + parsed.status().message());
        manifest = std::move(*parsed);
        if (manifest->base) {
          opts.files.push_back({MakePath(cfg->appenddirname, manifest->base->name), true, false});
        }
        for (const AofFile& f : manifest->incrs) {
          opts.files.push_back({MakePath(cfg->appenddirname, f.name), true, false});
        }
        if (!opts.files.empty()) opts.files.back().last = true;
      }
    }
    // Redis compat: with appendonly yes and no AOF yet, the RDB file is not loaded.
    if (!cfg->appendonly && Exists(cfg->dbfilename)) {
      opts.files.push_back({cfg->dbfilename, false, false});
    }
    auto finish = [this, thread, cfg, ready, release, manifest](const LoadResult& r) {
      if (!r.status.ok()) Fatal(r.status.message());
      if (r.keys_loaded + r.commands > 0 || r.keys_expired > 0) {
        double seconds = static_cast<double>(base::UnixTimeMs() - progress_.start_ms.load()) / 1000;
        if (manifest) {
          base::LogNotice("DB loaded from append only file: {:.3f} seconds", seconds);
        } else {
          base::LogNotice("DB loaded from disk: {:.3f} seconds", seconds);
        }
      }
      {
        std::lock_guard lock(mu_);
        last_load_keys_loaded_ = r.keys_loaded;
        last_load_keys_expired_ = r.keys_expired;
      }
      if (cfg->appendonly) {
        std::lock_guard lock(mu_);
        aof_ = std::make_unique<Aof>(eng_, thread, functions_.dump);
        if (!manifest) {
          running_ = Running::kAofRewrite;
          initial_aof_ = true;
        }
        base::Status st = aof_->Start(*cfg, manifest ? &*manifest : nullptr, RewriteDoneOn(thread),
                                    /*fresh_start=*/!manifest);
        if (!st.ok()) Fatal(st.message());
      }
      eng_.loading.store(false);
      release();
      ready();
    };
    if (opts.files.empty()) return finish(LoadResult{});
    StartLoad(eng_, thread, std::move(opts), &progress_, finish);
  });
}

// REQUIRES: mu_ held. stop-writes-on-bgsave-error: writes are refused while the last
// background save failed, the option is on and save points are set.
void Persistence::UpdateWriteRefusal(const engine::ServerConfig& cfg) {
  eng_.refuse_writes.store(!last_bgsave_ok_ && cfg.stop_writes_on_bgsave_error &&
                           !cfg.save_points.empty());
}

void Persistence::OnConfigChanged(unsigned thread, const engine::ServerConfig& old,
                                  const engine::ServerConfig& next) {
  {
    std::lock_guard lock(mu_);
    UpdateWriteRefusal(next);
  }
  if (old.appendonly != next.appendonly) TurnAof(thread, next.appendonly);
  if (old.appendfsync != next.appendfsync) {
    std::lock_guard lock(mu_);
    if (aof_) aof_->SetFsyncPolicy(next.appendfsync);
  }
  if (old.latency_monitor_threshold != next.latency_monitor_threshold) {
    std::lock_guard lock(mu_);
    if (aof_) aof_->SetLatencyThreshold(next.latency_monitor_threshold);
  }
}

void Persistence::TurnAof(unsigned thread, bool on) {
  engine::HoldAllShards(eng_, thread, [this, thread, on](engine::ReleaseShards release) {
    std::unique_lock lock(mu_);
    if (!on) {
      if (aof_) {
        if (running_ == Running::kAofRewrite) running_ = Running::kNone;
        initial_aof_ = false;
        aof_->Stop();
        aof_.reset();
      }
      release();
      return;
    }
    if (aof_ && aof_->enabled()) return release();
    if (running_ != Running::kNone) {
      // Redis compat: AOF waits for the running save, then starts with a rewrite.
      rewrite_scheduled_ = true;
      return release();
    }
    aof_ = std::make_unique<Aof>(eng_, thread, functions_.dump);
    running_ = Running::kAofRewrite;
    initial_aof_ = true;
    base::Status st = aof_->Start(*config(), nullptr, RewriteDoneOn(thread));
    if (!st.ok()) {
      base::LogWarning("Redis needs to enable the AOF but can't open the append only file: {}",
                       st.message());
      running_ = Running::kNone;
      initial_aof_ = false;
      aof_.reset();
    }
    release();
  });
}

// --- Shutdown ---

base::Status Persistence::PrepareShutdown(bool save) {
  // Whatever runs stops (an aborted BGSAVE ends at its next slice), except the first
  // rewrite of an AOF just turned on: until it is in place the manifest names none of the
  // writes made since, so the exit waits for it (Redis refuses to exit then).
  for (int i = 0; i < 6000; ++i) {
    {
      std::lock_guard lock(mu_);
      if (running_ == Running::kRdb && snapshot_) snapshot_->Abort();
      const bool initial_write = running_ == Running::kAofRewrite && initial_aof_;
      if (initial_write && i == 0) base::LogWarning("Writing initial AOF, waiting for it to exit.");
      if (running_ != Running::kRdb && !initial_write) break;
    }
    usleep(10000);
  }
  base::Status result;
  if (save) {
    std::mutex m;
    std::condition_variable cv;
    bool done = false;
    eng_.Post(0, [&] {
      std::string err = Save(0, [&](base::Status st) {
        std::lock_guard l(m);
        result = st;
        done = true;
        cv.notify_one();
      });
      if (!err.empty()) {
        std::lock_guard l(m);
        result = base::Status::Error(err);
        done = true;
        cv.notify_one();
      }
    });
    std::unique_lock l(m);
    cv.wait(l, [&] { return done; });
  }
  std::lock_guard lock(mu_);
  if (aof_ && aof_->enabled()) {
    base::LogNotice("Calling fsync() on the AOF file.");
    aof_->FlushAndSync();
  }
  return result;
}

void Persistence::Close() {
  std::lock_guard lock(mu_);
  if (snapshot_) snapshot_->Abort();
  if (aof_) aof_->Stop();
  aof_.reset();
}

// --- Saving ---

std::string Persistence::BgSave(unsigned thread, bool schedule, bool in_exec) {
  std::lock_guard lock(mu_);
  if (running_ == Running::kRdb) return std::string(protocol::errors::kBgsaveInProgress);
  // Redis compat: inside EXEC the save is scheduled, as Redis does not fork there.
  if (running_ == Running::kAofRewrite || in_exec) {
    if (!schedule && !in_exec) return std::string(protocol::errors::kBgsaveChildActive);
    bgsave_scheduled_ = true;
    return "scheduled";
  }
  running_ = Running::kRdb;
  foreground_ = false;
  StartRdbSnapshot(thread);
  return {};
}

std::string Persistence::Save(unsigned thread, std::function<void(base::Status)> done) {
  std::lock_guard lock(mu_);
  if (running_ == Running::kRdb) return std::string(protocol::errors::kBgsaveInProgress);
  save_waiters_.push_back(std::move(done));
  // Redis refuses SAVE only while a save runs; during an AOF rewrite this one waits for the
  // rewrite's snapshot to finish, then runs.
  if (running_ == Running::kAofRewrite) return {};
  running_ = Running::kRdb;
  foreground_ = true;
  StartRdbSnapshot(thread);
  return {};
}

// REQUIRES: mu_ held, running_ set to kRdb.
void Persistence::StartRdbSnapshot(unsigned thread) {
  save_start_ms_ = base::UnixTimeMs();
  ++rdb_saves_;  // as Redis, counted when it starts
  if (aof_) aof_->set_background_active(true);
  if (!foreground_) last_bgsave_try_ = save_start_ms_ / 1000;
  engine::HoldAllShards(eng_, thread, [this, thread](engine::ReleaseShards release) {
    std::shared_ptr<const engine::ServerConfig> cfg = config();
    std::lock_guard lock(mu_);
    dirty_at_start_.clear();
    save_keys_total_ = 0;
    for (unsigned s = 0; s < eng_.shard_count(); ++s) {
      engine::Shard& shard = eng_.shard(s);
      dirty_at_start_.push_back(shard.dirty().changes());
      for (int d = 0; d < shard.db_count(); ++d) {
        save_keys_total_ += static_cast<int64_t>(shard.db(d).size());
      }
    }
    SnapshotOptions opts;
    opts.dir = ".";  // `dir` is the working directory
    opts.file_name = cfg->dbfilename;
    opts.temp_name = "temp-" + std::to_string(getpid()) + ".rdb";
    opts.compress = cfg->rdbcompression;
    opts.checksum = cfg->rdbchecksum;
    opts.key_delay_us = cfg->rdb_key_save_delay;
    opts.incremental_fsync = cfg->rdb_save_incremental_fsync;
    if (functions_.dump) opts.functions = functions_.dump();
    if (!foreground_) base::LogNotice("Background saving started");
    snapshot_ = Snapshot::Start(eng_, thread, std::move(opts),
                                [this, thread](const SnapshotResult& r) {
                                  RdbDone(thread, r.status, r.keys);
                                });
    release();
  });
}

void Persistence::RdbDone(unsigned thread, const base::Status& st, int64_t keys) {
  std::vector<std::function<void(base::Status)>> waiters;
  std::shared_ptr<const engine::ServerConfig> cfg = config();
  {
    std::lock_guard lock(mu_);
    snapshot_.reset();
    running_ = Running::kNone;
    if (aof_) aof_->set_background_active(false);
    // Redis compat: a failed SAVE is not a background save error (no MISCONF after it).
    if (!foreground_) {
      last_bgsave_ok_ = st.ok();
      last_bgsave_time_sec_ = (base::UnixTimeMs() - save_start_ms_) / 1000;
    } else if (st.ok()) {
      last_bgsave_ok_ = true;
    }
    if (st.ok()) {
      lastsave_ = base::UnixTimeMs() / 1000;
      base::LogNotice("DB saved on disk ({} keys)", keys);
      // What changed since the save started is still to save (Redis's dirty_before_bgsave).
      for (unsigned s = 0; s < eng_.shard_count() && s < dirty_at_start_.size(); ++s) {
        int64_t saved = dirty_at_start_[s];
        eng_.Post(s, [this, s, saved] { eng_.shard(s).dirty().Subtract(saved); });
      }
    } else {
      base::LogWarning("Background saving error: {}", st.message());
    }
    UpdateWriteRefusal(*cfg);
    waiters.swap(save_waiters_);
  }
  for (auto& w : waiters) w(st);
  std::lock_guard lock(mu_);
  if (rewrite_scheduled_ && running_ == Running::kNone && aof_ && aof_->enabled()) {
    rewrite_scheduled_ = false;
    StartAofRewrite(thread);
  }
}

std::string Persistence::BgRewriteAof(unsigned thread) {
  std::lock_guard lock(mu_);
  if (running_ == Running::kAofRewrite) {
    return "ERR Background append only file rewriting already in progress";
  }
  if (running_ == Running::kRdb) {
    rewrite_scheduled_ = true;
    return "scheduled";
  }
  if (!aof_ || !aof_->enabled()) {
    return "ERR Cinnabar rewrites the AOF only while appendonly is yes";
  }
  StartAofRewrite(thread);
  return {};
}

// REQUIRES: mu_ held, AOF on, nothing running.
void Persistence::StartAofRewrite(unsigned thread) {
  running_ = Running::kAofRewrite;
  if (aof_) aof_->set_background_active(true);
  engine::HoldAllShards(eng_, thread, [this, thread](engine::ReleaseShards release) {
    std::lock_guard lock(mu_);
    if (!aof_ || !aof_->enabled()) {
      running_ = Running::kNone;
      return release();
    }
    base::Status st =
        aof_->StartRewrite(RewriteDoneOn(thread));
    if (!st.ok()) {
      base::LogWarning("Can't rewrite append only file in background: {}", st.message());
      running_ = Running::kNone;
    }
    release();
  });
}

// The AOF may report a rewrite done from inside Start (nothing to rewrite), where mu_ is
// held: the report goes through the thread's queue.
std::function<void(base::Status)> Persistence::RewriteDoneOn(unsigned thread) {
  return [this, thread](base::Status st) {
    eng_.Post(thread, [this, thread, st] { AofRewriteDone(thread, st); });
  };
}

void Persistence::AofRewriteDone(unsigned thread, const base::Status&) {
  std::lock_guard lock(mu_);
  if (running_ == Running::kAofRewrite) running_ = Running::kNone;
  initial_aof_ = false;
  if (aof_) aof_->set_background_active(false);
  if (!save_waiters_.empty()) {  // a SAVE waited for the rewrite
    running_ = Running::kRdb;
    foreground_ = true;
    StartRdbSnapshot(thread);
  } else if (bgsave_scheduled_) {
    bgsave_scheduled_ = false;
    running_ = Running::kRdb;
    StartRdbSnapshot(thread);
  }
}

void Persistence::Reload(unsigned thread, ReloadOptions options,
                         std::function<void(base::Status, bool saved)> done) {
  auto load = [this, thread, options, done] {
    std::shared_ptr<const engine::ServerConfig> cfg = config();
    engine::HoldAllShards(eng_, thread, [this, thread, cfg, options,
                                         done](engine::ReleaseShards release) {
      if (options.flush) {
        for (unsigned s = 0; s < eng_.shard_count(); ++s) {
          engine::Shard& shard = eng_.shard(s);
          for (int d = 0; d < shard.db_count(); ++d) shard.db(d).Clear();
        }
      }
      LoadOptions opts;
      opts.files.push_back({cfg->dbfilename, false, false});
      opts.load_function = functions_.load;
      opts.merge = options.merge;
      StartLoad(eng_, thread, std::move(opts), &progress_,
                [done, release](const LoadResult& r) {
                  if (!r.status.ok()) {
                    base::LogWarning("DEBUG RELOAD could not load the RDB: {}", r.status.message());
                  }
                  release();
                  done(r.status, true);
                });
    });
  };
  if (!options.save) return load();
  std::string err = Save(thread, [load, done](base::Status st) {
    if (!st.ok()) return done(st, false);
    load();
  });
  if (!err.empty()) done(base::Status::Error(err), false);
}

// --- Cron ---

void Persistence::Cron(unsigned thread) {
  std::shared_ptr<const engine::ServerConfig> cfg = config();
  int64_t now = base::UnixTimeMs() / 1000;
  std::unique_lock lock(mu_);
  if (eng_.loading.load(std::memory_order_relaxed)) return;
  if (running_ == Running::kNone && bgsave_scheduled_) {
    bgsave_scheduled_ = false;
    running_ = Running::kRdb;
    foreground_ = false;
    StartRdbSnapshot(thread);
    return;
  }
  if (running_ == Running::kNone && rewrite_scheduled_) {
    rewrite_scheduled_ = false;
    if (aof_ && aof_->enabled()) {
      StartAofRewrite(thread);
    } else if (cfg->appendonly) {
      lock.unlock();
      TurnAof(thread, true);
    }
    return;
  }
  if (running_ != Running::kNone) return;
  int64_t changes = Changes();
  for (const engine::ServerConfig::SavePoint& p : cfg->save_points) {
    if (changes >= p.changes && now - lastsave_ >= p.seconds &&
        (last_bgsave_ok_ || now - last_bgsave_try_ > kBgsaveRetrySeconds)) {
      base::LogNotice("{} changes in {} seconds. Saving...", p.changes, p.seconds);
      running_ = Running::kRdb;
      foreground_ = false;
      StartRdbSnapshot(thread);
      return;
    }
  }
  if (aof_ && aof_->WantsAutoRewrite(*cfg)) {
    base::LogNotice("Starting automatic rewriting of AOF");
    StartAofRewrite(thread);
  }
}

// --- Introspection ---

int64_t Persistence::lastsave() const {
  std::lock_guard lock(mu_);
  return lastsave_;
}

bool Persistence::save_in_progress() const {
  std::lock_guard lock(mu_);
  return running_ == Running::kRdb;
}

void Persistence::AppendInfo(base::InfoSection* s) const {
  using base::InfoKind;
  using base::InfoUnit;
  std::lock_guard lock(mu_);
  const int64_t now_ms = base::UnixTimeMs();
  const bool loading = progress_.loading.load();
  const bool rdb = running_ == Running::kRdb;
  AofStats aof = aof_ ? aof_->stats() : AofStats{};
  const bool aof_on = aof_ && aof_->enabled();
  auto status = [](bool ok) { return ok ? "ok" : "err"; };
  s->Gauge("loading", loading ? 1 : 0);
  s->Gauge("async_loading", 0);
  s->Gauge("current_cow_peak", 0, InfoUnit::kBytes);
  s->Gauge("current_cow_size", 0, InfoUnit::kBytes);
  s->Gauge("current_cow_size_age", 0, InfoUnit::kSeconds);
  s->Fixed("current_fork_perc", 0, 2, InfoKind::kGauge, InfoUnit::kPercent);
  s->Gauge("current_save_keys_processed", rdb && snapshot_ ? snapshot_->keys_written() : 0);
  s->Gauge("current_save_keys_total", rdb ? save_keys_total_ : 0);
  s->Gauge("rdb_changes_since_last_save", Changes());
  s->Gauge("rdb_bgsave_in_progress", rdb ? 1 : 0);
  s->Gauge("rdb_last_save_time", lastsave_, InfoUnit::kUnixSeconds);
  s->Text("rdb_last_bgsave_status", status(last_bgsave_ok_));
  s->Gauge("rdb_last_bgsave_time_sec", last_bgsave_time_sec_, InfoUnit::kSeconds);
  s->Gauge("rdb_current_bgsave_time_sec", rdb ? (now_ms - save_start_ms_) / 1000 : -1,
           InfoUnit::kSeconds);
  s->Counter("rdb_saves", rdb_saves_);
  s->Gauge("rdb_last_cow_size", 0, InfoUnit::kBytes);
  s->Gauge("rdb_last_load_keys_expired", last_load_keys_expired_);
  s->Gauge("rdb_last_load_keys_loaded", last_load_keys_loaded_);
  s->Gauge("aof_enabled", aof_on ? 1 : 0);
  s->Gauge("aof_rewrite_in_progress", aof.rewrite_in_progress ? 1 : 0);
  s->Gauge("aof_rewrite_scheduled", rewrite_scheduled_ ? 1 : 0);
  s->Gauge("aof_last_rewrite_time_sec", aof.last_rewrite_time_sec, InfoUnit::kSeconds);
  s->Gauge("aof_current_rewrite_time_sec",
           aof.rewrite_in_progress ? (now_ms - aof.current_rewrite_start_ms) / 1000 : -1,
           InfoUnit::kSeconds);
  s->Text("aof_last_bgrewrite_status", status(aof.last_rewrite_ok));
  s->Counter("aof_rewrites", aof.rewrites);
  s->Gauge("aof_rewrites_consecutive_failures", aof.consecutive_failures);
  s->Text("aof_last_write_status", status(aof.last_write_ok));
  s->Gauge("aof_last_cow_size", 0, InfoUnit::kBytes);
  s->Gauge("module_fork_in_progress", 0);
  s->Gauge("module_fork_last_cow_size", 0, InfoUnit::kBytes);
  if (aof_on) {
    s->Gauge("aof_current_size", aof.current_size, InfoUnit::kBytes);
    s->Gauge("aof_base_size", aof.base_size, InfoUnit::kBytes);
    s->Gauge("aof_pending_rewrite", 0);
    s->Gauge("aof_buffer_length", 0, InfoUnit::kBytes);
    s->Gauge("aof_pending_bio_fsync", 0);
    s->Counter("aof_delayed_fsync", aof.delayed_fsync);
  }
  if (loading) {
    int64_t start = progress_.start_ms.load();
    int64_t total = progress_.total_bytes.load();
    int64_t done = progress_.loaded_bytes.load();
    double perc = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 0;
    int64_t elapsed = (now_ms - start) / 1000;
    int64_t eta = done > 0 ? elapsed * (total - done) / done : 1;
    s->Gauge("loading_start_time", start / 1000, InfoUnit::kUnixSeconds);
    s->Gauge("loading_total_bytes", total, InfoUnit::kBytes);
    s->Gauge("loading_rdb_used_mem", 0, InfoUnit::kBytes);
    s->Gauge("loading_loaded_bytes", done, InfoUnit::kBytes);
    s->Fixed("loading_loaded_perc", perc, 2, InfoKind::kGauge, InfoUnit::kPercent, "%");
    s->Gauge("loading_eta_seconds", eta, InfoUnit::kSeconds);
  }
}

}  // namespace cinnabar::persistence

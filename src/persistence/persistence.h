// Persistence: the process's RDB and AOF state, and what commands, the cron and the server
// ask of it: load at start-up, BGSAVE / SAVE / save points, BGREWRITEAOF, turning the AOF
// on and off, saving at shutdown, INFO persistence. It owns no mechanism of its own: it
// starts snapshots (snapshot.h), loads (loader.h) and the AOF (aof.h), each at a point in
// time where every shard is held (engine/hold_all.h).
//
// Threading: any thread may call in; the state is under one mutex. Work that holds the
// shards runs on the calling thread (`thread`, a worker's index), and so do its callbacks.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/info_section.h"
#include "base/status.h"
#include "engine/config.h"
#include "engine/extension.h"
#include "persistence/loader.h"

namespace cinnabar::engine {
class Engine;
}  // namespace cinnabar::engine

namespace cinnabar::persistence {

class Aof;
class Snapshot;

// DEBUG RELOAD's options.
struct ReloadOptions {
  bool save = true;    // not NOSAVE: save first
  bool flush = true;   // not NOFLUSH: empty every database before loading
  bool merge = false;  // MERGE: a key in the file replaces the one in memory
};

class Persistence : public engine::Extension {
 public:
  // The scripting layer's part: the function libraries a snapshot holds, and loading one
  // found in a file.
  struct Functions {
    std::function<std::vector<std::string>()> dump;
    std::function<base::Status(unsigned thread, const std::string& code)> load;
  };

  // The process's (an engine extension, made on first use).
  static Persistence& Of(engine::Engine& eng);
  explicit Persistence(engine::Engine& eng);
  ~Persistence() override;

  void SetFunctions(Functions f);

  // --- The server ---
  // Loads the AOF (appendonly yes) or the RDB file on thread `thread`, then turns the AOF
  // on if configured; `ready` runs there once done. A load that fails ends the process, as
  // in Redis. Call once the threads run; commands answer -LOADING meanwhile.
  void LoadAtStartup(unsigned thread, std::function<void()> ready);
  // SHUTDOWN and SIGTERM: saves when `save` (SHUTDOWN SAVE, or save points are set and not
  // NOSAVE), and makes the AOF durable. Blocks the (non-worker) caller until done; an error
  // when the save failed.
  base::Status PrepareShutdown(bool save);
  // After the threads stopped: stops the AOF writer and any snapshot.
  void Close();
  // CONFIG SET of the persistence directives (appendonly, appendfsync). Runs after the
  // change is published; on `thread`.
  void OnConfigChanged(unsigned thread, const engine::ServerConfig& old,
                       const engine::ServerConfig& next);
  // Once a second or more, on thread `thread`: save points, scheduled saves and rewrites,
  // the automatic AOF rewrite.
  void Cron(unsigned thread);

  // --- Commands ---
  // BGSAVE [SCHEDULE] (`in_exec`: inside MULTI/EXEC or a script, where it is scheduled):
  // an empty string when started, "scheduled", or the error text.
  std::string BgSave(unsigned thread, bool schedule, bool in_exec = false);
  // SAVE: `done` runs on `thread` when the file is in place (or failed).
  std::string Save(unsigned thread, std::function<void(base::Status)> done);
  // BGREWRITEAOF: an empty string when started, "scheduled", or the error text.
  std::string BgRewriteAof(unsigned thread);
  // DEBUG RELOAD: saves (unless told not to), empties every database (unless told not to),
  // loads the file back; `done` on `thread`, with whether the save part succeeded.
  void Reload(unsigned thread, ReloadOptions options,
              std::function<void(base::Status, bool saved)> done);
  int64_t lastsave() const;
  bool save_in_progress() const;
  // INFO persistence, the whole section (base/info_section.h).
  void AppendInfo(base::InfoSection* s) const;

 private:
  enum class Running { kNone, kRdb, kAofRewrite };

  void StartRdbSnapshot(unsigned thread);
  void RdbDone(unsigned thread, const base::Status& st, int64_t keys);
  void StartAofRewrite(unsigned thread);
  void AofRewriteDone(unsigned thread, const base::Status& st);
  std::function<void(base::Status)> RewriteDoneOn(unsigned thread);
  void TurnAof(unsigned thread, bool on);
  void UpdateWriteRefusal(const engine::ServerConfig& cfg);
  std::shared_ptr<const engine::ServerConfig> config() const;
  int64_t Changes() const;

  engine::Engine& eng_;
  Functions functions_;
  LoadProgress progress_;

  mutable std::mutex mu_;
  Running running_ = Running::kNone;
  bool bgsave_scheduled_ = false;
  bool rewrite_scheduled_ = false;
  bool foreground_ = false;  // the running kRdb save is a SAVE (its waiters are told)
  bool initial_aof_ = false; // the running kAofRewrite is the first of an AOF turned on
  std::shared_ptr<Snapshot> snapshot_;
  std::unique_ptr<Aof> aof_;
  std::vector<std::function<void(base::Status)>> save_waiters_;
  std::vector<int64_t> dirty_at_start_;  // per shard, when the running save started
  int64_t lastsave_ = 0;                 // unix seconds
  int64_t last_bgsave_try_ = 0;
  bool last_bgsave_ok_ = true;
  int64_t last_bgsave_time_sec_ = -1;
  int64_t save_start_ms_ = 0;
  int64_t rdb_saves_ = 0;
  int64_t save_keys_total_ = 0;
  int64_t last_load_keys_loaded_ = 0;
  int64_t last_load_keys_expired_ = 0;
};

}  // namespace cinnabar::persistence

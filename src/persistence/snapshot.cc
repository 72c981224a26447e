#include "persistence/snapshot.h"

#include <unistd.h>

#include <cstdio>

#include "base/clock.h"
#include "base/crc64.h"
#include "base/logging.h"
#include "base/memory.h"
#include "core/entry.h"
#include "engine/database.h"
#include "engine/engine.h"
#include "engine/shard.h"
#include "persistence/durable_file.h"
#include "persistence/aof_rewrite_encoder.h"
#include "persistence/rdb_encoder.h"

namespace cinnabar::persistence {

// One shard's part: where its scan is. The entries it wrote ahead of the scan, and those
// added after the start, carry the table's snapshot mark, which the scan clears as it
// passes (core/segmented_table.h).
class Snapshot::ShardPart : public engine::SnapshotGuard {
 public:
  ShardPart(Snapshot* owner, engine::Shard& shard)
      : owner_(owner), shard_(shard), all_(static_cast<size_t>(shard.db_count()), false) {}

  void BeforeAccess(engine::Database& db, uint64_t hash, const core::KeyTable::Handle& where,
                    const core::Entry& e) override {
    if (Passed(db.index(), hash) || db.table().Marked(where)) return;
    // Copy before change: this entry now, as it was at the start.
    Emit(db.index(), e);
    db.table().Mark(where);
  }

  bool MarkAdded(engine::Database& db, uint64_t hash) override {
    return !Passed(db.index(), hash);
  }

  void BeforeBulkChange(engine::Database& db) override {
    int i = db.index();
    if (finished_ || i < db_ || all_[static_cast<size_t>(i)]) return;
    TakeRest(db, i == db_ ? cursor_ : 0, /*write=*/true);
    all_[static_cast<size_t>(i)] = true;
    FlushChunk();
  }

  // One slice, on the shard's thread with the shard free. Returns whether more remains.
  bool Slice() {
    if (finished_) return false;
    if (owner_->aborted_.load(std::memory_order_relaxed)) {
      // No mark may outlive the snapshot: the next one would skip those entries.
      for (; db_ < shard_.db_count(); NextDb()) {
        if (!all_[static_cast<size_t>(db_)]) TakeRest(shard_.db(db_), cursor_, /*write=*/false);
      }
      Finish();
      return false;
    }
    const int64_t start = base::MonotonicUs();
    while (db_ < shard_.db_count()) {
      if (all_[static_cast<size_t>(db_)]) {
        NextDb();
        continue;
      }
      uint64_t end;
      bool last;
      TakeSegment(shard_.db(db_), cursor_, true, &end, &last);
      if (last) {
        NextDb();
      } else {
        cursor_ = end;
      }
      if (base::MonotonicUs() - start >= kSliceUs) break;
    }
    FlushChunk();
    if (db_ >= shard_.db_count()) {
      Finish();
      return false;
    }
    return true;
  }

 private:
  static constexpr int64_t kSliceUs = 100;
  static constexpr size_t kChunkBytes = 1 << 20;

  // Whether the scan is past `hash` in `db` (or wrote all of `db` already). Segments split
  // only into halves of their range, so the scan's cursor always starts a segment.
  bool Passed(int db, uint64_t hash) const {
    return finished_ || db < db_ || (db == db_ && hash < cursor_) ||
           all_[static_cast<size_t>(db)];
  }

  // Takes the segment at `hash`: writes its unmarked entries (if `write`), clears marks.
  void TakeSegment(engine::Database& db, uint64_t hash, bool write, uint64_t* end, bool* last) {
    const int index = db.index();
    uint64_t begin;
    db.table().TakeSegment(
        hash,
        [this, index, write](core::Entry* e) {
          if (write) Emit(index, *e);
        },
        &begin, end, last);
  }

  void TakeRest(engine::Database& db, uint64_t from, bool write) {
    for (uint64_t pos = from;;) {
      uint64_t end;
      bool last;
      TakeSegment(db, pos, write, &end, &last);
      if (last) break;
      pos = end;
    }
  }

  void Emit(int db, const core::Entry& e) {
    if (chunk_.db != db) {
      FlushChunk();
      chunk_.db = db;
    }
    if (owner_->options_.commands) {
      AppendAofKey(&chunk_.bytes, e);
    } else {
      AppendRdbKey(&chunk_.bytes, e, RdbKeyMeta{}, owner_->options_.compress);
    }
    ++chunk_.keys;
    if (chunk_.bytes.size() >= kChunkBytes) FlushChunk();
  }

  void FlushChunk() {
    if (chunk_.bytes.empty()) return;
    int db = chunk_.db;
    owner_->Push(std::move(chunk_));
    chunk_ = Chunk{db, {}, 0};
  }

  void NextDb() {
    ++db_;
    cursor_ = 0;
  }

  void Finish() {
    if (finished_) return;
    finished_ = true;
    if (shard_.snapshot_guard() == this) shard_.set_snapshot_guard(nullptr);
    owner_->PartDone();
  }

  Snapshot* owner_;
  engine::Shard& shard_;
  int db_ = 0;
  uint64_t cursor_ = 0;
  bool finished_ = false;
  std::vector<bool> all_;  // databases written whole ahead of the scan (a flush or swap)
  Chunk chunk_{0, {}, 0};
};

namespace {

void RunSlice(const std::shared_ptr<Snapshot>& self, engine::Engine& eng, unsigned s,
              const std::function<bool()>& backlogged, const std::function<bool()>& slice) {
  eng.shard(s).RunWhenFree([self, &eng, s, backlogged, slice] {
    if (backlogged()) {
      eng.RunAt(s, base::MonotonicUs() + 1000,
                [self, &eng, s, backlogged, slice] { RunSlice(self, eng, s, backlogged, slice); });
      return;
    }
    if (slice()) {
      eng.Post(s, [self, &eng, s, backlogged, slice] { RunSlice(self, eng, s, backlogged, slice); });
    }
  });
}

}  // namespace

Snapshot::Snapshot(engine::Engine& eng, unsigned home, SnapshotOptions options, Done done)
    : eng_(eng), home_(home), options_(std::move(options)), done_(std::move(done)) {}

Snapshot::~Snapshot() {
  if (!writer_.joinable()) return;
  if (writer_.get_id() == std::this_thread::get_id()) {
    writer_.detach();
  } else {
    writer_.join();
  }
}

std::shared_ptr<Snapshot> Snapshot::Start(engine::Engine& eng, unsigned home,
                                          SnapshotOptions options, Done done) {
  std::shared_ptr<Snapshot> snap(new Snapshot(eng, home, std::move(options), std::move(done)));
  snap->self_ = snap;
  const unsigned n = eng.shard_count();
  const int dbs = eng.shard(0).db_count();
  snap->db_keys_.assign(static_cast<size_t>(dbs), 0);
  snap->db_expires_.assign(static_cast<size_t>(dbs), 0);
  for (unsigned s = 0; s < n; ++s) {
    engine::Shard& shard = eng.shard(s);
    for (int d = 0; d < dbs; ++d) {
      snap->db_keys_[static_cast<size_t>(d)] += shard.db(d).size();
      snap->db_expires_[static_cast<size_t>(d)] += shard.db(d).volatile_count();
    }
    snap->parts_.push_back(std::make_unique<ShardPart>(snap.get(), shard));
    shard.set_snapshot_guard(snap->parts_.back().get());
  }
  snap->parts_left_ = n;

  Chunk head{-1, {}, 0};
  if (snap->options_.commands) {
    for (const std::string& code : snap->options_.functions) AppendAofFunction(&head.bytes, code);
  } else {
  AppendRdbHeader(&head.bytes);
  AppendRdbAux(&head.bytes, "redis-ver", "7.0.15");
  AppendRdbAux(&head.bytes, "redis-bits", int64_t{64});
  AppendRdbAux(&head.bytes, "ctime", base::UnixTimeMs() / 1000);
  AppendRdbAux(&head.bytes, "used-mem", static_cast<int64_t>(base::UsedMemory()));
  AppendRdbAux(&head.bytes, "aof-base", int64_t{snap->options_.aof_base ? 1 : 0});
  for (const std::string& code : snap->options_.functions) {
    AppendRdbFunction(&head.bytes, code, snap->options_.compress);
  }
  }
  snap->Push(std::move(head));
  snap->writer_ = std::thread([raw = snap.get()] { raw->WriterMain(); });

  for (unsigned s = 0; s < n; ++s) {
    ShardPart* part = snap->parts_[s].get();
    Snapshot* raw = snap.get();
    std::function<bool()> backlogged = [raw] {
      return raw->Backlogged() && !raw->aborted_.load(std::memory_order_relaxed);
    };
    std::function<bool()> slice = [part] { return part->Slice(); };
    eng.Post(s, [snap, &eng, s, backlogged, slice] { RunSlice(snap, eng, s, backlogged, slice); });
  }
  return snap;
}

void Snapshot::Abort() {
  aborted_.store(true, std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  cv_.notify_all();
}

void Snapshot::Push(Chunk chunk) {
  queued_bytes_.fetch_add(static_cast<int64_t>(chunk.bytes.size()), std::memory_order_relaxed);
  std::lock_guard lock(mu_);
  queue_.push_back(std::move(chunk));
  cv_.notify_one();
}

void Snapshot::PartDone() {
  std::lock_guard lock(mu_);
  --parts_left_;
  cv_.notify_one();
}

base::Status Snapshot::WriteChunk(AppendOnlyFile& file, const Chunk& c) {
  static thread_local std::string prefix;
  prefix.clear();
  if (c.db >= 0 && c.db != last_db_ && options_.commands) {
    AppendAofSelect(&prefix, c.db);
    last_db_ = c.db;
  } else if (c.db >= 0 && c.db != last_db_) {
    AppendRdbSelectDb(&prefix, static_cast<uint64_t>(c.db));
    size_t d = static_cast<size_t>(c.db);
    if (!resized_[d]) {
      AppendRdbResizeDb(&prefix, db_keys_[d], db_expires_[d]);
      resized_[d] = true;
    }
    last_db_ = c.db;
  }
  if (!prefix.empty()) {
    crc_ = base::Crc64(crc_, prefix);
    if (base::Status st = file.Write(prefix); !st.ok()) return st;
  }
  crc_ = base::Crc64(crc_, c.bytes);
  if (base::Status st = file.Write(c.bytes); !st.ok()) return st;
  // Redis compat (REDIS_AUTOSYNC_BYTES): the kernel is not left a whole dump to flush at once.
  constexpr int64_t kAutoSyncBytes = 4 << 20;
  if (options_.incremental_fsync && file.Size() - synced_at_ >= kAutoSyncBytes) {
    if (base::Status st = file.Fsync(); !st.ok()) return st;
    synced_at_ = file.Size();
  }
  keys_written_.fetch_add(c.keys, std::memory_order_relaxed);
  if (options_.key_delay_us > 0 && c.keys > 0) {
    // Redis compat (rdb-key-save-delay, for tests): the pause is per key; long pauses are
    // taken in steps so an abort is noticed.
    int64_t left = options_.key_delay_us * c.keys;
    while (left > 0 && !aborted_.load(std::memory_order_relaxed)) {
      int64_t step = left < 100000 ? left : 100000;
      usleep(static_cast<useconds_t>(step));
      left -= step;
    }
  }
  return base::Status::Ok();
}

void Snapshot::WriterMain() {
  const std::string temp = options_.dir + "/" + options_.temp_name;
  const std::string target = options_.dir + "/" + options_.file_name;
  resized_.assign(db_keys_.size(), false);
  SnapshotResult result;
  base::StatusOr<AppendOnlyFile> opened = AppendOnlyFile::Open(temp, /*truncate=*/true);
  base::Status st = opened.ok() ? base::Status::Ok() : opened.status();
  if (!st.ok()) aborted_.store(true, std::memory_order_relaxed);
  while (true) {
    Chunk c;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return !queue_.empty() || parts_left_ == 0; });
      if (queue_.empty()) break;  // every part finished and everything is written
      c = std::move(queue_.front());
      queue_.pop_front();
    }
    queued_bytes_.fetch_sub(static_cast<int64_t>(c.bytes.size()), std::memory_order_relaxed);
    if (!st.ok() || aborted_.load(std::memory_order_relaxed)) continue;  // drain, discard
    st = WriteChunk(*opened, c);
    if (!st.ok()) aborted_.store(true, std::memory_order_relaxed);
  }
  if (st.ok() && aborted_.load(std::memory_order_relaxed)) {
    st = base::Status::Error("snapshot aborted");
  }
  if (st.ok()) {
    std::string tail;
    if (!options_.commands) {
      AppendRdbEof(&tail);
      crc_ = base::Crc64(crc_, tail);
      AppendRdbChecksum(&tail, options_.checksum ? crc_ : 0);
    }
    st = opened->Write(tail);
    if (st.ok()) st = opened->Fsync();
    result.bytes = opened->Size();
    if (st.ok()) st = opened->Close();
    if (st.ok() && rename(temp.c_str(), target.c_str()) != 0) {
      st = base::Status::FromErrno("rename " + temp + " to " + target, errno);
    }
    if (st.ok()) st = FsyncDir(options_.dir);
  }
  if (!st.ok()) {
    if (opened.ok()) (void)opened->Close();
    unlink(temp.c_str());
  }
  result.status = st;
  result.keys = keys_written_.load(std::memory_order_relaxed);
  std::shared_ptr<Snapshot> self = self_.lock();
  eng_.Post(home_, [self, result] { self->done_(result); });
}

}  // namespace cinnabar::persistence

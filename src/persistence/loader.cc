#include "persistence/loader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <numeric>
#include <thread>

#include "base/clock.h"
#include "base/io_buf.h"
#include "base/logging.h"
#include "core/value_ops.h"
#include "engine/dispatcher.h"
#include "engine/engine.h"
#include "engine/invoke.h"
#include "engine/shard.h"
#include "engine/worker.h"
#include "persistence/aof_reader.h"
#include "persistence/rdb_input.h"
#include "persistence/rdb_loader.h"
#include "protocol/reply_builder.h"

namespace cinnabar::persistence {
namespace {

// Redis names an AOF part by its file name alone in messages, not by its path.
std::string FileName(std::string_view path) {
  size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

// One thing the reader parsed, for the applying thread.
struct Item {
  enum Kind { kKey, kCommand, kFunction } kind = kKey;
  int db = 0;
  std::string key;
  core::Value value;
  std::string embedded;  // the bytes of an embedded string value
  int64_t expire_ms = 0;
  std::vector<std::string> args;  // kCommand; kFunction: args[0] is the code
};

// Counts what the RDB loader takes, so an AOF's commands can be read after its preamble.
class CountingInput : public RdbInput {
 public:
  explicit CountingInput(RdbInput& in) : in_(in) {}
  bool Read(char* dst, size_t n) override {
    if (!in_.Read(dst, n)) return false;
    count_ += static_cast<int64_t>(n);
    return true;
  }
  base::Status status() const override { return in_.status(); }
  int64_t count() const { return count_; }

 private:
  RdbInput& in_;
  int64_t count_ = 0;
};

class Load : public std::enable_shared_from_this<Load>, public RdbHandler {
 public:
  Load(engine::Engine& eng, unsigned home, LoadOptions options, LoadProgress* progress,
       std::function<void(const LoadResult&)> done)
      : eng_(eng), home_(home), options_(std::move(options)), progress_(progress),
        done_(std::move(done)) {
    held_.resize(eng.shard_count());
    std::iota(held_.begin(), held_.end(), 0u);
  }
  ~Load() override {
    if (reader_.joinable()) reader_.join();
    for (Item& it : queue_) {
      if (it.kind == Item::kKey) core::DestroyValue(it.value);
    }
  }

  void Begin() {
    std::shared_ptr<const engine::ServerConfig> cfg = eng_.config_store().snapshot();
    rdb_options_.list_limits = {.fill = static_cast<int>(cfg->list_max_listpack_size),
                                .compress_depth = static_cast<int>(cfg->list_compress_depth)};
    rdb_options_.set_limits = {cfg->set_max_intset_entries, cfg->set_max_listpack_entries,
                               cfg->set_max_listpack_value};
    rdb_options_.hash_limits = {cfg->hash_max_listpack_entries, cfg->hash_max_listpack_value};
    rdb_options_.zset_limits = {static_cast<size_t>(std::max<int64_t>(0, cfg->zset_max_listpack_entries)),
                                static_cast<size_t>(std::max<int64_t>(0, cfg->zset_max_listpack_value))};
    rdb_options_.databases = cfg->databases;
    rdb_options_.verify_checksum = cfg->rdbchecksum;
    int64_t total = 0;
    for (const LoadFile& f : options_.files) {
      struct stat st;
      if (stat(f.path.c_str(), &st) == 0) total += st.st_size;
    }
    progress_->total_bytes.store(total);
    progress_->loaded_bytes.store(0);
    progress_->loaded_keys.store(0);
    progress_->start_ms.store(base::UnixTimeMs());
    progress_->loading.store(true);
    for (unsigned s = 0; s < eng_.shard_count(); ++s) eng_.shard(s).set_expiry_paused(true);
    // The applying side keeps the load alive until the reader has finished (Done waits
    // for it), so the thread needs no reference of its own.
    reader_ = std::thread([this] { ReaderMain(); });
    Step();
  }

  // --- The reader thread ---
  base::Status OnKey(int db, std::string_view key, core::Value value, int64_t expire_ms,
                     const RdbKeyMeta&) override {
    Item it;
    it.kind = Item::kKey;
    it.db = db;
    it.key = std::string(key);
    it.value = value;
    if (value.inline_value() && value.encoding == core::kStrEmbStr) {
      it.embedded = std::string(value.bytes);
    }
    it.expire_ms = expire_ms;
    if (!Push(std::move(it))) return Stopped();
    return base::Status::Ok();
  }
  base::Status OnFunction(std::string_view code) override {
    Item it;
    it.kind = Item::kFunction;
    it.args.emplace_back(code);
    if (!Push(std::move(it))) return Stopped();
    return base::Status::Ok();
  }

 private:
  static constexpr size_t kMaxQueued = 4096;
  static constexpr int64_t kSliceUs = 5000;

  // False once the applying side gave up (the item is dropped).
  bool Push(Item it) {
    std::unique_lock lock(mu_);
    space_cv_.wait(lock, [this] { return queue_.size() < kMaxQueued || stop_; });
    if (stop_) {
      if (it.kind == Item::kKey) core::DestroyValue(it.value);
      return false;
    }
    queue_.push_back(std::move(it));
    items_cv_.notify_one();
    return true;
  }

  static base::Status Stopped() { return base::Status::Error("loading stopped"); }

  void Finish(base::Status st) {
    std::lock_guard lock(mu_);
    reader_status_ = std::move(st);
    reader_done_ = true;
    items_cv_.notify_one();
  }

  void ReaderMain() {
    base::Status st;
    for (const LoadFile& f : options_.files) {
      st = ReadFile(f);
      if (!st.ok()) break;
    }
    Finish(st);
  }

  base::Status ReadFile(const LoadFile& f) {
    int fd = open(f.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return base::Status::FromErrno("Can't open " + f.path, errno);
    base::Status st = ReadFd(fd, f);
    close(fd);
    return st;
  }

  base::Status ReadFd(int fd, const LoadFile& f) {
    char magic[5] = {};
    bool rdb = pread(fd, magic, 5, 0) == 5 && std::string_view(magic, 5) == "REDIS";
    int64_t aof_start = 0;
    if (rdb) {
      FdRdbInput fd_in(fd);
      CountingInput in(fd_in);
      base::Status st = LoadRdb(in, rdb_options_, *this);
      progress_->loaded_bytes.fetch_add(in.count());
      if (!st.ok()) return st;
      if (!f.aof) return base::Status::Ok();
      aof_start = in.count();
    }
    AofReader reader = AofReader::FromFd(fd, aof_start);
    std::vector<std::string_view> args;
    int64_t reported = aof_start;
    while (true) {
      AofReadResult r = reader.Next(&args);
      if (reader.valid_up_to() - reported > (1 << 20)) {
        progress_->loaded_bytes.fetch_add(reader.valid_up_to() - reported);
        reported = reader.valid_up_to();
      }
      if (r == AofReadResult::kCommand) {
        Item it;
        it.kind = Item::kCommand;
        it.args.assign(args.begin(), args.end());
        if (!Push(std::move(it))) return Stopped();
        continue;
      }
      progress_->loaded_bytes.fetch_add(reader.valid_up_to() - reported);
      switch (r) {
        case AofReadResult::kEnd:
          return base::Status::Ok();
        case AofReadResult::kTruncated:
          return Truncated(fd, f, reader);
        case AofReadResult::kBadFormat:
          return base::Status::Error("Bad file format reading the append only file " + FileName(f.path) +
                                     ": make a backup of your AOF file, then use "
                                     "./redis-check-aof --fix <filename.manifest>");
        default:
          return reader.read_error();
      }
    }
  }

  base::Status Truncated(int fd, const LoadFile& f, const AofReader& reader) {
    if (!reader.partial_tail()) {
      // Redis compat: a file that ends inside MULTI ... EXEC is reverted to before it.
      base::LogWarning("Revert incomplete MULTI/EXEC transaction in AOF file {}", FileName(f.path));
    }
    if (!f.last || !options_.aof_load_truncated) {
      return base::Status::Error(
          "Unexpected end of file reading the append only file " + FileName(f.path) +
          ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
          "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
          "configuration option to yes and restart the server.");
    }
    base::LogWarning("!!! Warning: short read while loading the AOF file {}!!!", FileName(f.path));
    base::LogWarning("!!! Truncating the AOF {} at offset {} !!!", FileName(f.path),
                     reader.truncate_offset());
    int wfd = open(f.path.c_str(), O_WRONLY | O_CLOEXEC);
    if (wfd < 0 || ftruncate(wfd, reader.truncate_offset()) != 0) {
      base::Status st = base::Status::FromErrno("Error truncating the AOF file " + f.path, errno);
      if (wfd >= 0) close(wfd);
      return st;
    }
    close(wfd);
    (void)fd;
    base::LogWarning("AOF {} loaded anyway because aof-load-truncated is enabled", f.path);
    return base::Status::Ok();
  }

  // --- The applying thread (`home`, every shard held) ---
  void Step() {
    const int64_t start = base::MonotonicUs();
    while (base::MonotonicUs() - start < kSliceUs) {
      Item it;
      {
        std::unique_lock lock(mu_);
        items_cv_.wait_for(lock, std::chrono::milliseconds(2),
                           [this] { return !queue_.empty() || reader_done_; });
        if (queue_.empty()) {
          if (reader_done_) {
            base::Status st = reader_status_;
            lock.unlock();
            return Done(st);
          }
          break;  // nothing yet: give the loop a turn
        }
        it = std::move(queue_.front());
        queue_.pop_front();
        space_cv_.notify_one();
      }
      base::Status st = Apply(it);
      if (!st.ok()) return Done(st);
    }
    eng_.Post(home_, [self = shared_from_this()] { self->Step(); });
  }

  base::Status Apply(Item& it) {
    switch (it.kind) {
      case Item::kKey:
        return ApplyKey(it);
      case Item::kFunction:
        if (!options_.load_function) return base::Status::Ok();
        return options_.load_function(home_, it.args[0]);
      case Item::kCommand:
        return ApplyCommand(it);
    }
    return base::Status::Ok();
  }

  base::Status ApplyKey(Item& it) {
    if (!it.embedded.empty() || (it.value.inline_value() && it.value.encoding == core::kStrEmbStr)) {
      it.value.bytes = it.embedded;
    }
    if (it.expire_ms != 0 && it.expire_ms < base::UnixTimeMs()) {
      core::DestroyValue(it.value);
      ++result_.keys_expired;
      return base::Status::Ok();
    }
    engine::Database& db = eng_.shard(eng_.ShardOf(it.key)).db(it.db);
    engine::Database::Ref ref = db.FindNoTouch(it.key);
    if (ref && options_.merge) {
      db.Erase(ref);
      ref = db.FindNoTouch(it.key);
    }
    if (ref) {
      core::DestroyValue(it.value);
      return base::Status::Error("RDB has duplicated key '" + it.key + "' in DB " +
                                 std::to_string(it.db));
    }
    db.Add(it.key, ref.hash, it.value, it.expire_ms);
    ++result_.keys_loaded;
    progress_->loaded_keys.fetch_add(1, std::memory_order_relaxed);
    return base::Status::Ok();
  }

  base::Status ApplyCommand(Item& it) {
    std::string_view name = it.args[0];
    if (name.size() == 5 && strncasecmp(name.data(), "MULTI", 5) == 0) {
      in_multi_ = true;
      multi_.clear();
      return base::Status::Ok();
    }
    if (name.size() == 4 && strncasecmp(name.data(), "EXEC", 4) == 0 && in_multi_) {
      in_multi_ = false;
      for (Item& queued : multi_) {
        if (base::Status st = Run(queued.args); !st.ok()) return st;
      }
      multi_.clear();
      return base::Status::Ok();
    }
    if (in_multi_) {
      multi_.push_back(std::move(it));
      return base::Status::Ok();
    }
    return Run(it.args);
  }

  base::Status Run(const std::vector<std::string>& owned) {
    std::vector<std::string_view> args(owned.begin(), owned.end());
    bool unknown_sub = false;
    // Our journal names commands by their own names; Redis's names them as clients did
    // (after rename-command).
    const engine::CommandEntry* cmd = eng_.registry().Lookup(args, &unknown_sub);
    if (cmd == nullptr) cmd = eng_.registry().LookupOwnName(args, &unknown_sub);
    if (cmd == nullptr || !cmd->ArityOk(args.size())) {
      return base::Status::Error("Unknown command '" + owned[0] +
                                 "' reading the append only file");
    }
    engine::Worker& w = eng_.worker(home_);
    int64_t now = base::UnixTimeMs();
    for (unsigned s = 0; s < eng_.shard_count(); ++s) eng_.shard(s).set_now_ms(now);
    scratch_.Clear();
    protocol::ReplyBuilder rb(&scratch_, 2);
    engine::Shard& own = engine::LockedOwnShard(eng_, *cmd, args, w.shard());
    engine::Invoke(w, caller_, *cmd, args, rb,
                   {.mode = engine::ExecMode::kLocked, .shard = &own, .held = held_}, now);
    ++result_.commands;
    return base::Status::Ok();
  }

  void Done(base::Status st) {
    {
      std::lock_guard lock(mu_);
      stop_ = true;
      space_cv_.notify_all();
    }
    for (unsigned s = 0; s < eng_.shard_count(); ++s) {
      eng_.shard(s).set_expiry_paused(false);
      eng_.shard(s).dirty().Reset();  // Redis compat: what was loaded is no change to save
    }
    progress_->loading.store(false);
    result_.status = st;
    if (!options_.files.empty() && options_.files[0].aof) {
      struct stat sb;
      if (stat(options_.files[0].path.c_str(), &sb) == 0) result_.aof_base_size = sb.st_size;
    }
    done_(result_);
  }

  engine::Engine& eng_;
  unsigned home_;
  LoadOptions options_;
  LoadProgress* progress_;
  std::function<void(const LoadResult&)> done_;
  RdbLoadOptions rdb_options_;
  std::vector<unsigned> held_;
  LoadResult result_;

  std::mutex mu_;
  std::condition_variable items_cv_, space_cv_;
  std::deque<Item> queue_;
  bool reader_done_ = false;
  bool stop_ = false;
  base::Status reader_status_;
  std::thread reader_;

  // The applying thread's:
  engine::Caller caller_{.db = 0, .resp = 2, .flags = engine::kCallInMulti};
  bool in_multi_ = false;
  std::vector<Item> multi_;
  base::IoBuf scratch_;
};

}  // namespace

void StartLoad(engine::Engine& eng, unsigned home, LoadOptions options, LoadProgress* progress,
               std::function<void(const LoadResult&)> done) {
  auto load = std::make_shared<Load>(eng, home, std::move(options), progress, std::move(done));
  load->Begin();
}

}  // namespace cinnabar::persistence

// Server configuration: the values of every supported redis.conf directive, the table that
// parses and prints them, and the store behind CONFIG GET/SET.
//
// Threads never share a mutable config: each holds a snapshot (shared_ptr<const
// ServerConfig>) and swaps it when the server tells it to after a CONFIG SET.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/logging.h"
#include "base/status.h"

namespace cinnabar::engine {

enum class IoEngineKind { kAuto, kUring, kEpoll };
enum class DebugCommandPolicy { kNo, kYes, kLocal };

// client-output-buffer-limit, per class of client.
enum class ClientClass { kNormal, kReplica, kPubSub };
struct OutputLimit {
  uint64_t hard = 0;  // bytes; 0 = none
  uint64_t soft = 0;  // bytes; 0 = none
  int64_t soft_seconds = 0;  // how long a client may stay over `soft`
};

struct ServerConfig {
  int port = 6379;
  // Cinnabar: a port answering only HTTP GET /metrics (0: none), on the bind addresses.
  int metrics_port = 0;
  std::vector<std::string> bind = {"127.0.0.1", "-::1"};
  bool protected_mode = true;
  std::string requirepass;
  int databases = 16;
  base::LogLevel loglevel = base::LogLevel::kNotice;
  std::string logfile;
  std::string pidfile;
  bool daemonize = false;
  int64_t timeout = 0;  // seconds idle before a client is closed; 0 = never
  // Milliseconds a script runs before other clients get -BUSY (alias lua-time-limit).
  int64_t busy_reply_threshold = 5000;
  int64_t tcp_keepalive = 300;
  int64_t tcp_backlog = 511;
  int64_t maxclients = 10000;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  // By ClientClass: normal 0 0 0, replica 256mb 64mb 60, pubsub 32mb 8mb 60.
  OutputLimit output_limits[3] = {
      {0, 0, 0}, {256ULL << 20, 64ULL << 20, 60}, {32ULL << 20, 8ULL << 20, 60}};
  const OutputLimit& output_limit(ClientClass c) const {
    return output_limits[static_cast<int>(c)];
  }
  // notify-keyspace-events, as engine/notify_flags.h bits.
  uint32_t notify_keyspace_events = 0;
  int64_t hz = 10;  // as set; the effective rate is clamped to 1..500
  int threads = 0;  // 0 = one per CPU
  IoEngineKind io_engine = IoEngineKind::kAuto;
  DebugCommandPolicy enable_debug_command = DebugCommandPolicy::kNo;
  // Who may CONFIG SET a protected directive (dir): nobody, anybody, loopback clients.
  DebugCommandPolicy enable_protected_configs = DebugCommandPolicy::kNo;

  // Collections stay in their compact encodings up to these sizes (Redis 7 defaults).
  // Redis compat: 512 is 7.0's built-in default (the shipped redis.conf says 128).
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t set_max_intset_entries = 512;
  int64_t set_max_listpack_entries = 128;
  int64_t set_max_listpack_value = 64;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  // Positive: elements per list node; -1..-5: node size limit of 4, 8, 16, 32, 64 KB.
  int64_t list_max_listpack_size = -2;
  // Quicklist nodes kept plain at each end of a list; those further in are LZF-compressed.
  // 0: none compressed. Fixed per list when it becomes a quicklist (core/quicklist.h).
  int64_t list_compress_depth = 0;

  // --- Memory (engine/eviction.h) ---
  // Redis's order of maxmemory-policy values (the names in config.cc follow it).
  enum class Eviction {
    kVolatileLru, kVolatileLfu, kVolatileRandom, kVolatileTtl,
    kAllKeysLru, kAllKeysLfu, kAllKeysRandom, kNoEviction,
  };
  int64_t maxmemory = 0;  // bytes; 0 = no limit
  Eviction maxmemory_policy = Eviction::kNoEviction;
  int64_t maxmemory_samples = 5;
  int64_t maxmemory_eviction_tenacity = 10;
  int64_t lfu_log_factor = 10;
  int64_t lfu_decay_time = 1;  // minutes per counter decrement; 0 = never decays
  bool lfu_policy() const {
    return maxmemory_policy == Eviction::kVolatileLfu || maxmemory_policy == Eviction::kAllKeysLfu;
  }
  // maxmemory-clients: bytes, or (negative) minus a percentage of maxmemory; 0 = no limit.
  int64_t maxmemory_clients = 0;
  // The bytes all clients together may use before the biggest are closed; 0 = no limit.
  int64_t client_memory_limit() const {
    return maxmemory_clients >= 0 ? maxmemory_clients : maxmemory * -maxmemory_clients / 100;
  }

  // --- Persistence (persistence/) ---
  // save <seconds> <changes> ...: a snapshot once that many changes are that old.
  struct SavePoint {
    int64_t seconds;
    int64_t changes;
  };
  std::vector<SavePoint> save_points = {{3600, 1}, {300, 100}, {60, 10000}};
  std::string dbfilename = "dump.rdb";
  bool rdbcompression = true;
  bool rdbchecksum = true;
  bool stop_writes_on_bgsave_error = true;
  bool rdb_del_sync_files = false;
  bool rdb_save_incremental_fsync = true;
  int64_t rdb_key_save_delay = 0;  // microseconds per key (tests)
  int sanitize_dump_payload = 0;   // no, yes, clients
  bool appendonly = false;
  std::string appendfilename = "appendonly.aof";
  std::string appenddirname = "appendonlydir";
  enum class Fsync { kAlways, kEverySec, kNo } appendfsync = Fsync::kEverySec;
  bool no_appendfsync_on_rewrite = false;
  int64_t auto_aof_rewrite_percentage = 100;
  int64_t auto_aof_rewrite_min_size = 64LL * 1024 * 1024;
  bool aof_load_truncated = true;
  bool aof_use_rdb_preamble = true;
  bool aof_timestamp_enabled = false;
  bool aof_rewrite_incremental_fsync = true;

  // --- Operations (src/server/process.h, engine/slowlog.h) ---
  bool always_show_logo = false;
  bool set_proc_title = true;
  std::string proc_title_template = "{title} {listen-addr} {server-mode}";
  // oom-score-adj: no, yes (= relative), relative, absolute; the values for the main
  // process, replicas and background children (Cinnabar has no children: only the first).
  enum class OomScoreAdj { kNo, kYes, kRelative, kAbsolute } oom_score_adj = OomScoreAdj::kNo;
  int oom_score_adj_values[3] = {0, 200, 800};
  bool disable_thp = true;
  int64_t slowlog_log_slower_than = 10000;  // microseconds; negative: nothing is logged
  int64_t slowlog_max_len = 128;
  int64_t latency_monitor_threshold = 0;  // milliseconds; 0: off
  // rename-command lines, in order (to "": the command is gone); applied to the command
  // table at start-up (Registry::Rename). Not a directive: CONFIG GET and SET know nothing
  // of it, as in Redis.
  std::vector<std::pair<std::string, std::string>> renamed_commands;
  bool latency_tracking = true;           // per-command histograms (INFO latencystats)
  std::vector<double> latency_tracking_percentiles = {50, 99, 99.9};
  // CLIENT TRACKING: keys in the tracking tables before some are forgotten (0: no limit).
  int64_t tracking_table_max_keys = 1000000;
  int64_t acllog_max_len = 128;
  // ACL (engine/acl.h): the ACL file, or the `user` lines of the config (name and rules
  // of each; not both), and whether new users may use every channel.
  std::string aclfile;
  std::vector<std::vector<std::string>> acl_user_lines;
  enum class PubsubDefault { kAllChannels, kResetChannels };
  PubsubDefault acl_pubsub_default = PubsubDefault::kResetChannels;
  bool acl_pubsub_allchannels() const { return acl_pubsub_default == PubsubDefault::kAllChannels; }
  bool activerehashing = true;
  bool dynamic_hz = true;
  bool jemalloc_bg_thread = true;
  // Freeing in the background (Redis's lazyfree-*): accepted and shown; Cinnabar frees a
  // deleted value where it is deleted, whatever they say (docs/compatibility.md).
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;
  // Encodings of types Cinnabar does not have yet (HyperLogLog, streams).
  int64_t hll_sparse_max_bytes = 3000;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;

  // --- Replication: a primary's settings, shown and kept until replicas exist ---
  bool replica_serve_stale_data = true;
  bool replica_read_only = true;
  bool replica_lazy_flush = false;
  bool repl_diskless_sync = true;
  int64_t repl_diskless_sync_delay = 5;
  int64_t repl_diskless_sync_max_replicas = 0;
  enum class DisklessLoad { kDisabled, kOnEmptyDb, kSwapDb } repl_diskless_load =
      DisklessLoad::kDisabled;
  bool repl_disable_tcp_nodelay = false;
  int64_t replica_priority = 100;

  // --- TLS (io/tls.h; server/tls_config.h builds the context from these) ---
  int tls_port = 0;  // 0: no TLS listener
  std::string tls_cert_file, tls_key_file, tls_key_file_pass;
  std::string tls_ca_cert_file, tls_ca_cert_dir, tls_dh_params_file;
  enum class TlsAuth { kNo, kYes, kOptional } tls_auth_clients = TlsAuth::kYes;
  std::string tls_protocols, tls_ciphers, tls_ciphersuites;
  bool tls_prefer_server_ciphers = false;
  bool tls_session_caching = true;
  int64_t tls_session_cache_size = 20480;
  int64_t tls_session_cache_timeout = 300;
  // Shown and kept until replication and cluster exist (docs/compatibility.md).
  bool tls_replication = false;
  bool tls_cluster = false;
  std::string tls_client_cert_file, tls_client_key_file, tls_client_key_file_pass;
  // Whether a TLS context is needed at all (Redis's test).
  bool tls_configured() const { return tls_port != 0 || tls_replication || tls_cluster; }

  // Not directives: where the configuration came from.
  std::string config_file;  // absolute path, or empty

  int effective_hz() const { return hz < 1 ? 1 : (hz > 500 ? 500 : static_cast<int>(hz)); }
};

// One directive: how to parse its arguments into a ServerConfig and print them back.
struct Directive {
  std::string_view name;
  uint32_t flags;
  // Returns an empty string on success, else Redis's reason text.
  std::string (*set)(ServerConfig& cfg, std::span<const std::string> args);
  std::string (*get)(const ServerConfig& cfg);
};

enum DirectiveFlag : uint32_t {
  kImmutable = 1u << 0,  // startup only
  kMultiArg = 1u << 1,   // takes several arguments ("bind a b"); CONFIG SET splits on spaces
  kAlias = 1u << 2,      // an old name of another directive
  kProtectedConfig = 1u << 3,  // CONFIG SET only as enable-protected-configs allows
  // Configuration files: the first line replaces the default, later ones add to it (save).
  kAddsInFile = 1u << 4,
  kQuoted = 1u << 5,  // a string: CONFIG REWRITE writes it quoted, as Redis
  kMemory = 1u << 6,  // bytes: CONFIG REWRITE writes them as 100mb, 64kb... as Redis
};

// The supported directives, and the Redis directives we recognise but do not support yet
// (so startup can say which one and why).
std::span<const Directive> Directives();
const Directive* FindDirective(std::string_view name);
bool IsKnownRedisDirective(std::string_view name);

// A latency-tracking percentile as Redis prints it: six decimals at most, no trailing zeros.
std::string FormatPercentile(double p);

// proc-title-template's variables, and their expansion: "{name}" is a variable, "{{" a
// literal brace. False for an unknown variable or a brace left open (Redis's sdstemplate).
struct ProcTitleVars {
  std::string title, listen_addr, server_mode, port, tls_port, unixsocket, config_file;
};
bool ExpandProcTitle(std::string_view tmpl, const ProcTitleVars& vars, std::string* out);

// Parses "1gb", "100k", "512mb" (units case-insensitive) as Redis 7.0's memtoull does for
// memory directives: digits only (no sign; none at all reads as 0), an overflowing number
// saturates and the unit's product wraps, modulo 2^64.
bool ParseMemory(std::string_view s, uint64_t* out);

class ConfigStore {
 public:
  explicit ConfigStore(ServerConfig initial);

  // The current values. Cheap; safe from any thread.
  std::shared_ptr<const ServerConfig> snapshot() const;

  // Records where the configuration came from (CONFIG REWRITE, INFO config_file).
  void SetConfigFile(std::string path);

  // Applies one configuration-file line (startup). Returns Redis's reason on failure.
  base::Status ApplyLine(std::string_view name, std::span<const std::string> args);
  // The commands there are (lower case), so that rename-command lines are checked as they
  // are read; without them every rename is taken.
  void SetCommandNames(std::vector<std::string> names);

  // CONFIG SET name value [name value ...]: all or nothing. On failure returns the full
  // Redis error text ("ERR CONFIG SET failed ..."). `apply` runs with the old and the new
  // values before they are published (to rebind sockets, change the log level, ...) and
  // may refuse them.
  using ApplyHook = std::function<std::string(const ServerConfig& old, const ServerConfig& next,
                                              std::string_view* culprit)>;
  // `allow_protected`: whether the caller may set kProtectedConfig directives. An empty or
  // odd `name_value_pairs` gets CONFIG SET's wrong-arity error.
  base::Status Set(std::span<const std::string_view> name_value_pairs, const ApplyHook& apply,
                   bool allow_protected = false);

  // CONFIG GET pattern...: matching (name, value) pairs, each name once.
  std::vector<std::pair<std::string, std::string>> Get(
      std::span<const std::string_view> patterns) const;

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const ServerConfig> current_;
  std::set<std::string> seen_in_file_;  // kAddsInFile directives applied by ApplyLine
  std::set<std::string, std::less<>> command_names_;  // after the renames read so far
  base::Status ApplyRename(std::span<const std::string> args);
};

}  // namespace cinnabar::engine

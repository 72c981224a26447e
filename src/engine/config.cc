#include "engine/config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cstring>

#include <fmt/format.h>

#include "base/string_util.h"
#include "core/glob.h"
#include "engine/notify_flags.h"
#include "protocol/errors.h"
#include "protocol/split_args.h"

namespace cinnabar::engine {
namespace {

using base::Status;
namespace errors = protocol::errors;

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += ' ';
    out += parts[i];
  }
  return out;
}

template <auto Member, int64_t Min, int64_t Max>
std::string SetInt(ServerConfig& cfg, std::span<const std::string> args) {
  int64_t v;
  if (!base::ParseInt64(args[0], &v)) return std::string(errors::kConfigNotInteger);
  if (v < Min || v > Max) return errors::ConfigBounds(Min, Max);
  cfg.*Member = static_cast<std::remove_reference_t<decltype(cfg.*Member)>>(v);
  return {};
}

template <auto Member>
std::string GetInt(const ServerConfig& cfg) {
  return std::to_string(cfg.*Member);
}

template <auto Member, int64_t Min, int64_t Max>
std::string SetMemory(ServerConfig& cfg, std::span<const std::string> args) {
  static_assert(Min >= 0 && Max == LLONG_MAX);
  uint64_t u;
  // Redis compat: memtoull reads a C string ("1gb\0x" is 1gb).
  if (!ParseMemory(errors::CutAtNul(args[0]), &u)) return std::string(errors::kConfigNotMemory);
  // Redis compat: a value past INT64_MAX is out of range (not unparsable).
  int64_t v = static_cast<int64_t>(u);
  if (v < Min || v > Max) return errors::ConfigBounds(Min, Max);
  cfg.*Member = v;
  return {};
}

// Redis compat: a memory value, or a percentage ("10%") kept as its negative.
template <auto Member>
std::string SetMemoryOrPercent(ServerConfig& cfg, std::span<const std::string> args) {
  // Redis compat: the percentage is read with its length, the memory value as a C string.
  const std::string_view v = args[0];
  int64_t pct;
  if (v.size() > 1 && v.back() == '%' && base::ParseInt64(v.substr(0, v.size() - 1), &pct) &&
      pct >= 0) {
    if (pct > 100) return std::string(errors::kConfigPercentOver100);
    cfg.*Member = -pct;
    return {};
  }
  uint64_t u;
  if (!ParseMemory(errors::CutAtNul(v), &u) || u > static_cast<uint64_t>(LLONG_MAX)) {
    return std::string(errors::kConfigNotMemoryOrPercent);
  }
  cfg.*Member = static_cast<int64_t>(u);
  return {};
}

template <auto Member>
std::string GetMemoryOrPercent(const ServerConfig& cfg) {
  const int64_t v = cfg.*Member;
  return v >= 0 ? std::to_string(v) : std::to_string(-v) + "%";
}

template <auto Member>
std::string SetBool(ServerConfig& cfg, std::span<const std::string> args) {
  // Redis compat: words are compared as C strings ("yes\0x" is yes).
  std::string_view word = errors::CutAtNul(args[0]);
  if (base::EqualsIgnoreCase(word, "yes")) {
    cfg.*Member = true;
  } else if (base::EqualsIgnoreCase(word, "no")) {
    cfg.*Member = false;
  } else {
    return std::string(errors::kConfigNotYesNo);
  }
  return {};
}

template <auto Member>
std::string GetBool(const ServerConfig& cfg) {
  return cfg.*Member ? "yes" : "no";
}

template <auto Member>
std::string SetString(ServerConfig& cfg, std::span<const std::string> args) {
  cfg.*Member = args[0];
  return {};
}

template <auto Member>
std::string GetString(const ServerConfig& cfg) {
  return cfg.*Member;
}

// An enum directive: `names` lists the accepted words in value order.
template <typename E, auto Member, const std::string_view* Names, size_t N>
std::string SetEnum(ServerConfig& cfg, std::span<const std::string> args) {
  for (size_t i = 0; i < N; ++i) {
    if (base::EqualsIgnoreCase(errors::CutAtNul(args[0]), Names[i])) {
      cfg.*Member = static_cast<E>(i);
      return {};
    }
  }
  return errors::ConfigChoices(Names, N);
}

template <typename E, auto Member, const std::string_view* Names>
std::string GetEnum(const ServerConfig& cfg) {
  return std::string(Names[static_cast<size_t>(cfg.*Member)]);
}

constexpr std::string_view kLogLevels[] = {"debug", "verbose", "notice", "warning"};
constexpr std::string_view kIoEngines[] = {"auto", "uring", "epoll"};
constexpr std::string_view kDebugPolicies[] = {"no", "yes", "local"};
// In Redis's order, which its error lists.
constexpr std::string_view kPubsubDefaults[] = {"allchannels", "resetchannels"};

std::string SetBind(ServerConfig& cfg, std::span<const std::string> args) {
  if (args.size() > 16) return std::string(errors::kConfigTooManyBinds);
  cfg.bind.assign(args.begin(), args.end());
  return {};
}
std::string GetBind(const ServerConfig& cfg) { return Join(cfg.bind); }

std::string SetDir(ServerConfig&, std::span<const std::string> args) {
  // Redis compat: dir takes effect at once, for the whole process.
  if (chdir(args[0].c_str()) != 0) return std::strerror(errno);
  return {};
}
std::string GetDir(const ServerConfig&) {
  char buf[4096];
  if (getcwd(buf, sizeof(buf)) == nullptr) return "";
  return buf;
}

std::string SetThreads(ServerConfig& cfg, std::span<const std::string> args) {
  int64_t v;
  if (!base::ParseInt64(args[0], &v)) return std::string(errors::kConfigNotInteger);
  if (v < 0 || v > 256) return errors::ConfigBounds(0, 256);
  cfg.threads = static_cast<int>(v);
  return {};
}

// A limit's seconds as Redis reads them (strtoll of the whole word): an optional sign,
// digits, leading zeros allowed; never negative.
bool ParseSeconds(std::string_view s, int64_t* out) {
  bool negative = !s.empty() && s[0] == '-';
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) s.remove_prefix(1);
  while (s.size() > 1 && s[0] == '0') s.remove_prefix(1);
  int64_t v;
  if (s.empty() || s[0] == '+' || s[0] == '-' || !base::ParseInt64(s, &v)) return false;
  if (negative && v != 0) return false;
  *out = v;
  return true;
}

// client-output-buffer-limit <class> <hard> <soft> <soft seconds> [<class> ...]: sets the
// classes named, keeping the others.
std::string SetOutputLimits(ServerConfig& cfg, std::span<const std::string> args) {
  // Redis compat: an empty value names no class and changes nothing.
  if (args.size() % 4 != 0) return std::string(errors::kConfigOutputLimitArity);
  OutputLimit next[3];
  std::copy(std::begin(cfg.output_limits), std::end(cfg.output_limits), next);
  for (size_t i = 0; i < args.size(); i += 4) {
    std::string_view name = errors::CutAtNul(args[i]);
    int cls;
    if (base::EqualsIgnoreCase(name, "normal")) {
      cls = static_cast<int>(ClientClass::kNormal);
    } else if (base::EqualsIgnoreCase(name, "replica") || base::EqualsIgnoreCase(name, "slave")) {
      cls = static_cast<int>(ClientClass::kReplica);
    } else if (base::EqualsIgnoreCase(name, "pubsub")) {
      cls = static_cast<int>(ClientClass::kPubSub);
    } else {
      return std::string(errors::kConfigOutputLimitClass);
    }
    uint64_t hard, soft;
    int64_t seconds;
    if (!ParseMemory(errors::CutAtNul(args[i + 1]), &hard) ||
        !ParseMemory(errors::CutAtNul(args[i + 2]), &soft) ||
        !ParseSeconds(args[i + 3], &seconds)) {
      return std::string(errors::kConfigOutputLimitValue);
    }
    next[cls] = {hard, soft, seconds};
  }
  std::copy(std::begin(next), std::end(next), cfg.output_limits);
  return {};
}

std::string GetOutputLimits(const ServerConfig& cfg) {
  constexpr std::string_view kNames[] = {"normal", "slave", "pubsub"};
  std::string out;
  for (int i = 0; i < 3; ++i) {
    const OutputLimit& l = cfg.output_limits[i];
    if (i > 0) out += ' ';
    out += std::string(kNames[i]) + ' ' + std::to_string(l.hard) + ' ' + std::to_string(l.soft) +
           ' ' + std::to_string(l.soft_seconds);
  }
  return out;
}

std::string SetNotifyFlags(ServerConfig& cfg, std::span<const std::string> args) {
  std::optional<uint32_t> flags = ParseNotifyFlags(args[0]);
  if (!flags) return std::string(errors::kConfigNotifyClass);
  cfg.notify_keyspace_events = *flags;
  return {};
}

std::string GetNotifyFlags(const ServerConfig& cfg) {
  return FormatNotifyFlags(cfg.notify_keyspace_events);
}

// Redis compat: save's numbers are read as strtoll reads them: the text up to a NUL,
// leading white space and a sign allowed, saturating at the 64-bit bounds; the text must
// end with the digits (an empty text is 0).
bool ParseSaveNumber(std::string_view s, int64_t* out) {
  s = errors::CutAtNul(s);
  if (s.empty()) return *out = 0, true;
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  bool negative = false;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) negative = s[i++] == '-';
  if (i == s.size()) return false;
  unsigned __int128 v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = std::min<unsigned __int128>(v * 10 + static_cast<unsigned>(s[i] - '0'),
                                    static_cast<unsigned __int128>(INT64_MAX) + 1);
  }
  if (negative) {
    *out = v > static_cast<unsigned __int128>(INT64_MAX) ? INT64_MIN : -static_cast<int64_t>(v);
  } else {
    *out = v > static_cast<unsigned __int128>(INT64_MAX) ? INT64_MAX : static_cast<int64_t>(v);
  }
  return true;
}

// save "<seconds> <changes> ..." (or "" for none): seconds at least 1, changes at least 0.
// (Redis keeps the low 32 bits of changes, which can turn a huge count negative and make
// CONFIG GET's value unsettable; Cinnabar keeps all 64.)
std::string SetSave(ServerConfig& cfg, std::span<const std::string> args) {
  if (args.size() == 1 && errors::CutAtNul(args[0]).empty()) args = {};
  if (args.size() % 2 != 0) return std::string(errors::kConfigSaveParams);
  std::vector<ServerConfig::SavePoint> points;
  for (size_t i = 0; i < args.size(); i += 2) {
    int64_t seconds, changes;
    if (!ParseSaveNumber(args[i], &seconds) || !ParseSaveNumber(args[i + 1], &changes) ||
        seconds < 1 || changes < 0) {
      return std::string(errors::kConfigSaveParams);
    }
    points.push_back({seconds, changes});
  }
  cfg.save_points = std::move(points);
  return {};
}

std::string GetSave(const ServerConfig& cfg) {
  std::string out;
  for (const ServerConfig::SavePoint& p : cfg.save_points) {
    if (!out.empty()) out += ' ';
    out += std::to_string(p.seconds) + ' ' + std::to_string(p.changes);
  }
  return out;
}

constexpr std::string_view kEmptyAllowed;

// A file or directory name without a path (dbfilename, appendfilename, appenddirname), read
// as a C string, as Redis requires; `EmptyError` is the error for an empty one (none when
// it is itself empty).
template <auto Member, const std::string_view* PathError, const std::string_view* EmptyError>
std::string SetFileName(ServerConfig& cfg, std::span<const std::string> args) {
  std::string_view name = errors::CutAtNul(args[0]);
  if (name.empty() && !EmptyError->empty()) return std::string(*EmptyError);
  if (name.find_first_of("/\\") != std::string_view::npos) return std::string(*PathError);
  cfg.*Member = std::string(name);
  return {};
}

std::string SetProcTitleTemplate(ServerConfig& cfg, std::span<const std::string> args) {
  std::string ignored;
  if (!ExpandProcTitle(args[0], ProcTitleVars{}, &ignored)) {
    return std::string(errors::kConfigProcTitleTemplate);
  }
  cfg.proc_title_template = args[0];
  return {};
}

// oom-score-adj-values <main> <replica> <background child>, each within -2000..2000.
std::string SetOomScoreValues(ServerConfig& cfg, std::span<const std::string> args) {
  if (args.size() != 3) return "wrong number of arguments";
  int values[3];
  for (size_t i = 0; i < 3; ++i) {
    int64_t v;
    if (!base::ParseInt64(args[i], &v) || v < -2000 || v > 2000) {
      return std::string(errors::kConfigOomScoreValues);
    }
    values[i] = static_cast<int>(v);
  }
  std::copy(std::begin(values), std::end(values), cfg.oom_score_adj_values);
  return {};
}

std::string GetOomScoreValues(const ServerConfig& cfg) {
  const int* v = cfg.oom_score_adj_values;
  return std::to_string(v[0]) + ' ' + std::to_string(v[1]) + ' ' + std::to_string(v[2]);
}

// latency-tracking-info-percentiles: any number of percentiles, each within 0..100.
std::string SetPercentiles(ServerConfig& cfg, std::span<const std::string> args) {
  std::vector<double> values;
  for (const std::string& a : args) {
    if (a.empty() && args.size() == 1) break;  // "" empties the list
    double v;
    if (!base::ParseDouble(a, &v)) return std::string(errors::kConfigPercentilesInvalid);
    if (v < 0 || v > 100) return std::string(errors::kConfigPercentilesRange);
    values.push_back(v);
  }
  cfg.latency_tracking_percentiles = std::move(values);
  return {};
}

std::string GetPercentiles(const ServerConfig& cfg) {
  std::string out;
  for (double v : cfg.latency_tracking_percentiles) {
    if (!out.empty()) out += ' ';
    out += FormatPercentile(v);
  }
  return out;
}

constexpr std::string_view kOomScoreModes[] = {"no", "yes", "relative", "absolute"};
constexpr std::string_view kDisklessLoads[] = {"disabled", "on-empty-db", "swapdb"};

constexpr std::string_view kFsyncPolicies[] = {"always", "everysec", "no"};
constexpr std::string_view kSanitizeModes[] = {"no", "yes", "clients"};

constexpr std::string_view kEvictionPolicies[] = {
    "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
    "allkeys-lru",  "allkeys-lfu",  "allkeys-random",  "noeviction"};

constexpr std::string_view kTlsAuthModes[] = {"no", "yes", "optional"};

constexpr Directive kDirectives[] = {
    {"port", 0, SetInt<&ServerConfig::port, 0, 65535>, GetInt<&ServerConfig::port>},
    {"metrics-port", 0, SetInt<&ServerConfig::metrics_port, 0, 65535>,
     GetInt<&ServerConfig::metrics_port>},
    {"bind", kMultiArg, SetBind, GetBind},
    {"protected-mode", 0, SetBool<&ServerConfig::protected_mode>,
     GetBool<&ServerConfig::protected_mode>},
    {"requirepass", kQuoted, SetString<&ServerConfig::requirepass>,
     GetString<&ServerConfig::requirepass>},
    {"databases", kImmutable, SetInt<&ServerConfig::databases, 1, INT_MAX>,
     GetInt<&ServerConfig::databases>},
    {"dir", kProtectedConfig | kQuoted, SetDir, GetDir},
    {"loglevel", 0, SetEnum<base::LogLevel, &ServerConfig::loglevel, kLogLevels, 4>,
     GetEnum<base::LogLevel, &ServerConfig::loglevel, kLogLevels>},
    {"logfile", kImmutable | kQuoted, SetString<&ServerConfig::logfile>, GetString<&ServerConfig::logfile>},
    {"pidfile", kImmutable | kQuoted, SetString<&ServerConfig::pidfile>, GetString<&ServerConfig::pidfile>},
    {"daemonize", kImmutable, SetBool<&ServerConfig::daemonize>, GetBool<&ServerConfig::daemonize>},
    {"timeout", 0, SetInt<&ServerConfig::timeout, 0, INT_MAX>, GetInt<&ServerConfig::timeout>},
    {"tcp-keepalive", 0, SetInt<&ServerConfig::tcp_keepalive, 0, INT_MAX>,
     GetInt<&ServerConfig::tcp_keepalive>},
    {"tcp-backlog", kImmutable, SetInt<&ServerConfig::tcp_backlog, 0, INT_MAX>,
     GetInt<&ServerConfig::tcp_backlog>},
    {"maxclients", 0, SetInt<&ServerConfig::maxclients, 1, UINT_MAX>,
     GetInt<&ServerConfig::maxclients>},
    {"proto-max-bulk-len", kMemory, SetMemory<&ServerConfig::proto_max_bulk_len, 1024 * 1024, LLONG_MAX>,
     GetInt<&ServerConfig::proto_max_bulk_len>},
    {"client-query-buffer-limit", kMemory,
     SetMemory<&ServerConfig::client_query_buffer_limit, 1024 * 1024, LLONG_MAX>,
     GetInt<&ServerConfig::client_query_buffer_limit>},
    {"client-output-buffer-limit", kMultiArg | kMemory, SetOutputLimits, GetOutputLimits},
    {"notify-keyspace-events", kQuoted, SetNotifyFlags, GetNotifyFlags},
    {"tracking-table-max-keys", 0,
     SetInt<&ServerConfig::tracking_table_max_keys, 0, LLONG_MAX>,
     GetInt<&ServerConfig::tracking_table_max_keys>},
    {"hz", 0, SetInt<&ServerConfig::hz, 0, INT_MAX>,
     [](const ServerConfig& c) { return std::to_string(c.effective_hz()); }},
    {"threads", kImmutable, SetThreads, GetInt<&ServerConfig::threads>},
    {"busy-reply-threshold", 0, SetInt<&ServerConfig::busy_reply_threshold, 0, LLONG_MAX>,
     GetInt<&ServerConfig::busy_reply_threshold>},
    {"lua-time-limit", kAlias, SetInt<&ServerConfig::busy_reply_threshold, 0, LLONG_MAX>,
     GetInt<&ServerConfig::busy_reply_threshold>},
    {"io-engine", kImmutable, SetEnum<IoEngineKind, &ServerConfig::io_engine, kIoEngines, 3>,
     GetEnum<IoEngineKind, &ServerConfig::io_engine, kIoEngines>},
    {"hash-max-listpack-entries", 0, SetInt<&ServerConfig::hash_max_listpack_entries, 0, LLONG_MAX>,
     GetInt<&ServerConfig::hash_max_listpack_entries>},
    {"hash-max-listpack-value", kMemory, SetMemory<&ServerConfig::hash_max_listpack_value, 0, LLONG_MAX>,
     GetInt<&ServerConfig::hash_max_listpack_value>},
    {"set-max-intset-entries", 0, SetInt<&ServerConfig::set_max_intset_entries, 0, LLONG_MAX>,
     GetInt<&ServerConfig::set_max_intset_entries>},
    {"set-max-listpack-entries", 0, SetInt<&ServerConfig::set_max_listpack_entries, 0, LLONG_MAX>,
     GetInt<&ServerConfig::set_max_listpack_entries>},
    {"set-max-listpack-value", kMemory, SetMemory<&ServerConfig::set_max_listpack_value, 0, LLONG_MAX>,
     GetInt<&ServerConfig::set_max_listpack_value>},
    {"zset-max-listpack-entries", 0, SetInt<&ServerConfig::zset_max_listpack_entries, 0, LLONG_MAX>,
     GetInt<&ServerConfig::zset_max_listpack_entries>},
    {"zset-max-listpack-value", kMemory, SetMemory<&ServerConfig::zset_max_listpack_value, 0, LLONG_MAX>,
     GetInt<&ServerConfig::zset_max_listpack_value>},
    {"list-max-listpack-size", 0, SetInt<&ServerConfig::list_max_listpack_size, INT_MIN, INT_MAX>,
     GetInt<&ServerConfig::list_max_listpack_size>},
    {"list-compress-depth", 0, SetInt<&ServerConfig::list_compress_depth, 0, INT_MAX>,
     GetInt<&ServerConfig::list_compress_depth>},
    // Redis compat: the pre-7.0 "ziplist" names are aliases.
    {"hash-max-ziplist-entries", kAlias,
     SetInt<&ServerConfig::hash_max_listpack_entries, 0, LLONG_MAX>,
     GetInt<&ServerConfig::hash_max_listpack_entries>},
    {"hash-max-ziplist-value", kAlias | kMemory, SetMemory<&ServerConfig::hash_max_listpack_value, 0, LLONG_MAX>,
     GetInt<&ServerConfig::hash_max_listpack_value>},
    {"zset-max-ziplist-entries", kAlias,
     SetInt<&ServerConfig::zset_max_listpack_entries, 0, LLONG_MAX>,
     GetInt<&ServerConfig::zset_max_listpack_entries>},
    {"zset-max-ziplist-value", kAlias | kMemory, SetMemory<&ServerConfig::zset_max_listpack_value, 0, LLONG_MAX>,
     GetInt<&ServerConfig::zset_max_listpack_value>},
    {"list-max-ziplist-size", kAlias, SetInt<&ServerConfig::list_max_listpack_size, INT_MIN, INT_MAX>,
     GetInt<&ServerConfig::list_max_listpack_size>},
    {"maxmemory", kMemory, SetMemory<&ServerConfig::maxmemory, 0, LLONG_MAX>,
     GetInt<&ServerConfig::maxmemory>},
    {"maxmemory-policy", 0,
     SetEnum<ServerConfig::Eviction, &ServerConfig::maxmemory_policy, kEvictionPolicies, 8>,
     GetEnum<ServerConfig::Eviction, &ServerConfig::maxmemory_policy, kEvictionPolicies>},
    {"maxmemory-clients", 0, SetMemoryOrPercent<&ServerConfig::maxmemory_clients>,
     GetMemoryOrPercent<&ServerConfig::maxmemory_clients>},
    {"maxmemory-samples", 0, SetInt<&ServerConfig::maxmemory_samples, 1, INT_MAX>,
     GetInt<&ServerConfig::maxmemory_samples>},
    {"maxmemory-eviction-tenacity", 0,
     SetInt<&ServerConfig::maxmemory_eviction_tenacity, 0, 100>,
     GetInt<&ServerConfig::maxmemory_eviction_tenacity>},
    {"lfu-log-factor", 0, SetInt<&ServerConfig::lfu_log_factor, 0, INT_MAX>,
     GetInt<&ServerConfig::lfu_log_factor>},
    {"lfu-decay-time", 0, SetInt<&ServerConfig::lfu_decay_time, 0, INT_MAX>,
     GetInt<&ServerConfig::lfu_decay_time>},
    {"save", kMultiArg | kAddsInFile, SetSave, GetSave},
    {"dbfilename", kProtectedConfig | kQuoted, SetFileName<&ServerConfig::dbfilename, &errors::kConfigDbFileNamePath, &kEmptyAllowed>,
     GetString<&ServerConfig::dbfilename>},
    {"rdbcompression", 0, SetBool<&ServerConfig::rdbcompression>,
     GetBool<&ServerConfig::rdbcompression>},
    {"rdbchecksum", kImmutable, SetBool<&ServerConfig::rdbchecksum>,
     GetBool<&ServerConfig::rdbchecksum>},
    {"stop-writes-on-bgsave-error", 0, SetBool<&ServerConfig::stop_writes_on_bgsave_error>,
     GetBool<&ServerConfig::stop_writes_on_bgsave_error>},
    {"rdb-del-sync-files", 0, SetBool<&ServerConfig::rdb_del_sync_files>,
     GetBool<&ServerConfig::rdb_del_sync_files>},
    {"rdb-save-incremental-fsync", 0, SetBool<&ServerConfig::rdb_save_incremental_fsync>,
     GetBool<&ServerConfig::rdb_save_incremental_fsync>},
    {"rdb-key-save-delay", 0, SetInt<&ServerConfig::rdb_key_save_delay, INT_MIN, INT_MAX>,
     GetInt<&ServerConfig::rdb_key_save_delay>},
    {"sanitize-dump-payload", 0,
     SetEnum<int, &ServerConfig::sanitize_dump_payload, kSanitizeModes, 3>,
     GetEnum<int, &ServerConfig::sanitize_dump_payload, kSanitizeModes>},
    {"appendonly", 0, SetBool<&ServerConfig::appendonly>, GetBool<&ServerConfig::appendonly>},
    {"appendfilename", kImmutable | kQuoted, SetFileName<&ServerConfig::appendfilename, &errors::kConfigAofFileNamePath,
                 &errors::kConfigAofFileNameEmpty>,
     GetString<&ServerConfig::appendfilename>},
    {"appenddirname", kImmutable | kQuoted, SetFileName<&ServerConfig::appenddirname, &errors::kConfigAofDirNamePath,
                 &errors::kConfigAofDirNameEmpty>,
     GetString<&ServerConfig::appenddirname>},
    {"appendfsync", 0,
     SetEnum<ServerConfig::Fsync, &ServerConfig::appendfsync, kFsyncPolicies, 3>,
     GetEnum<ServerConfig::Fsync, &ServerConfig::appendfsync, kFsyncPolicies>},
    {"no-appendfsync-on-rewrite", 0, SetBool<&ServerConfig::no_appendfsync_on_rewrite>,
     GetBool<&ServerConfig::no_appendfsync_on_rewrite>},
    {"auto-aof-rewrite-percentage", 0,
     SetInt<&ServerConfig::auto_aof_rewrite_percentage, 0, INT_MAX>,
     GetInt<&ServerConfig::auto_aof_rewrite_percentage>},
    {"auto-aof-rewrite-min-size", kMemory,
     SetMemory<&ServerConfig::auto_aof_rewrite_min_size, 0, LLONG_MAX>,
     GetInt<&ServerConfig::auto_aof_rewrite_min_size>},
    {"aof-load-truncated", 0, SetBool<&ServerConfig::aof_load_truncated>,
     GetBool<&ServerConfig::aof_load_truncated>},
    {"aof-use-rdb-preamble", 0, SetBool<&ServerConfig::aof_use_rdb_preamble>,
     GetBool<&ServerConfig::aof_use_rdb_preamble>},
    {"aof-timestamp-enabled", 0, SetBool<&ServerConfig::aof_timestamp_enabled>,
     GetBool<&ServerConfig::aof_timestamp_enabled>},
    {"aof-rewrite-incremental-fsync", 0, SetBool<&ServerConfig::aof_rewrite_incremental_fsync>,
     GetBool<&ServerConfig::aof_rewrite_incremental_fsync>},
    // --- Operations ---
    {"always-show-logo", kImmutable, SetBool<&ServerConfig::always_show_logo>, GetBool<&ServerConfig::always_show_logo>},
    {"set-proc-title", kImmutable, SetBool<&ServerConfig::set_proc_title>, GetBool<&ServerConfig::set_proc_title>},
    {"proc-title-template", kQuoted, SetProcTitleTemplate, GetString<&ServerConfig::proc_title_template>},
    {"oom-score-adj", 0,
     SetEnum<ServerConfig::OomScoreAdj, &ServerConfig::oom_score_adj, kOomScoreModes, 4>,
     GetEnum<ServerConfig::OomScoreAdj, &ServerConfig::oom_score_adj, kOomScoreModes>},
    {"oom-score-adj-values", kMultiArg, SetOomScoreValues, GetOomScoreValues},
    {"disable-thp", kImmutable, SetBool<&ServerConfig::disable_thp>, GetBool<&ServerConfig::disable_thp>},
    {"slowlog-log-slower-than", 0, SetInt<&ServerConfig::slowlog_log_slower_than, -1, LLONG_MAX>,
     GetInt<&ServerConfig::slowlog_log_slower_than>},
    {"slowlog-max-len", 0, SetInt<&ServerConfig::slowlog_max_len, 0, LLONG_MAX>,
     GetInt<&ServerConfig::slowlog_max_len>},
    {"latency-monitor-threshold", 0, SetInt<&ServerConfig::latency_monitor_threshold, 0, LLONG_MAX>,
     GetInt<&ServerConfig::latency_monitor_threshold>},
    {"latency-tracking", 0, SetBool<&ServerConfig::latency_tracking>,
     GetBool<&ServerConfig::latency_tracking>},
    {"latency-tracking-info-percentiles", kMultiArg, SetPercentiles, GetPercentiles},
    {"aclfile", kImmutable | kQuoted, SetString<&ServerConfig::aclfile>,
     GetString<&ServerConfig::aclfile>},
    {"acl-pubsub-default", 0,
     SetEnum<ServerConfig::PubsubDefault, &ServerConfig::acl_pubsub_default, kPubsubDefaults, 2>,
     GetEnum<ServerConfig::PubsubDefault, &ServerConfig::acl_pubsub_default, kPubsubDefaults>},
    {"acllog-max-len", 0, SetInt<&ServerConfig::acllog_max_len, 0, LLONG_MAX>,
     GetInt<&ServerConfig::acllog_max_len>},
    {"activerehashing", 0, SetBool<&ServerConfig::activerehashing>, GetBool<&ServerConfig::activerehashing>},
    {"dynamic-hz", 0, SetBool<&ServerConfig::dynamic_hz>, GetBool<&ServerConfig::dynamic_hz>},
    {"jemalloc-bg-thread", 0, SetBool<&ServerConfig::jemalloc_bg_thread>, GetBool<&ServerConfig::jemalloc_bg_thread>},
    {"lazyfree-lazy-eviction", 0, SetBool<&ServerConfig::lazyfree_lazy_eviction>, GetBool<&ServerConfig::lazyfree_lazy_eviction>},
    {"lazyfree-lazy-expire", 0, SetBool<&ServerConfig::lazyfree_lazy_expire>, GetBool<&ServerConfig::lazyfree_lazy_expire>},
    {"lazyfree-lazy-server-del", 0, SetBool<&ServerConfig::lazyfree_lazy_server_del>, GetBool<&ServerConfig::lazyfree_lazy_server_del>},
    {"lazyfree-lazy-user-del", 0, SetBool<&ServerConfig::lazyfree_lazy_user_del>, GetBool<&ServerConfig::lazyfree_lazy_user_del>},
    {"lazyfree-lazy-user-flush", 0, SetBool<&ServerConfig::lazyfree_lazy_user_flush>, GetBool<&ServerConfig::lazyfree_lazy_user_flush>},
    {"hll-sparse-max-bytes", kMemory, SetMemory<&ServerConfig::hll_sparse_max_bytes, 0, LLONG_MAX>,
     GetInt<&ServerConfig::hll_sparse_max_bytes>},
    {"stream-node-max-bytes", kMemory, SetMemory<&ServerConfig::stream_node_max_bytes, 0, LLONG_MAX>,
     GetInt<&ServerConfig::stream_node_max_bytes>},
    {"stream-node-max-entries", 0, SetInt<&ServerConfig::stream_node_max_entries, 0, LLONG_MAX>,
     GetInt<&ServerConfig::stream_node_max_entries>},
    // --- Replication (a primary's view of it) ---
    {"replica-serve-stale-data", 0, SetBool<&ServerConfig::replica_serve_stale_data>, GetBool<&ServerConfig::replica_serve_stale_data>},
    {"slave-serve-stale-data", kAlias, SetBool<&ServerConfig::replica_serve_stale_data>, GetBool<&ServerConfig::replica_serve_stale_data>},
    {"replica-read-only", 0, SetBool<&ServerConfig::replica_read_only>, GetBool<&ServerConfig::replica_read_only>},
    {"slave-read-only", kAlias, SetBool<&ServerConfig::replica_read_only>, GetBool<&ServerConfig::replica_read_only>},
    {"replica-lazy-flush", 0, SetBool<&ServerConfig::replica_lazy_flush>, GetBool<&ServerConfig::replica_lazy_flush>},
    {"slave-lazy-flush", kAlias, SetBool<&ServerConfig::replica_lazy_flush>, GetBool<&ServerConfig::replica_lazy_flush>},
    {"repl-diskless-sync", 0, SetBool<&ServerConfig::repl_diskless_sync>, GetBool<&ServerConfig::repl_diskless_sync>},
    {"repl-diskless-sync-delay", 0, SetInt<&ServerConfig::repl_diskless_sync_delay, 0, INT_MAX>,
     GetInt<&ServerConfig::repl_diskless_sync_delay>},
    {"repl-diskless-sync-max-replicas", 0, SetInt<&ServerConfig::repl_diskless_sync_max_replicas, 0, INT_MAX>,
     GetInt<&ServerConfig::repl_diskless_sync_max_replicas>},
    {"repl-diskless-load", 0,
     SetEnum<ServerConfig::DisklessLoad, &ServerConfig::repl_diskless_load, kDisklessLoads, 3>,
     GetEnum<ServerConfig::DisklessLoad, &ServerConfig::repl_diskless_load, kDisklessLoads>},
    {"repl-disable-tcp-nodelay", 0, SetBool<&ServerConfig::repl_disable_tcp_nodelay>, GetBool<&ServerConfig::repl_disable_tcp_nodelay>},
    {"replica-priority", 0, SetInt<&ServerConfig::replica_priority, 0, INT_MAX>,
     GetInt<&ServerConfig::replica_priority>},
    {"slave-priority", kAlias, SetInt<&ServerConfig::replica_priority, 0, INT_MAX>,
     GetInt<&ServerConfig::replica_priority>},
    // --- TLS ---
    {"tls-port", 0, SetInt<&ServerConfig::tls_port, 0, 65535>, GetInt<&ServerConfig::tls_port>},
    {"tls-cert-file", kQuoted, SetString<&ServerConfig::tls_cert_file>, GetString<&ServerConfig::tls_cert_file>},
    {"tls-key-file", kQuoted, SetString<&ServerConfig::tls_key_file>, GetString<&ServerConfig::tls_key_file>},
    {"tls-key-file-pass", kQuoted, SetString<&ServerConfig::tls_key_file_pass>, GetString<&ServerConfig::tls_key_file_pass>},
    {"tls-client-cert-file", kQuoted, SetString<&ServerConfig::tls_client_cert_file>, GetString<&ServerConfig::tls_client_cert_file>},
    {"tls-client-key-file", kQuoted, SetString<&ServerConfig::tls_client_key_file>, GetString<&ServerConfig::tls_client_key_file>},
    {"tls-client-key-file-pass", kQuoted, SetString<&ServerConfig::tls_client_key_file_pass>, GetString<&ServerConfig::tls_client_key_file_pass>},
    {"tls-dh-params-file", kQuoted, SetString<&ServerConfig::tls_dh_params_file>, GetString<&ServerConfig::tls_dh_params_file>},
    {"tls-ca-cert-file", kQuoted, SetString<&ServerConfig::tls_ca_cert_file>, GetString<&ServerConfig::tls_ca_cert_file>},
    {"tls-ca-cert-dir", kQuoted, SetString<&ServerConfig::tls_ca_cert_dir>, GetString<&ServerConfig::tls_ca_cert_dir>},
    {"tls-auth-clients", 0,
     SetEnum<ServerConfig::TlsAuth, &ServerConfig::tls_auth_clients, kTlsAuthModes, 3>,
     GetEnum<ServerConfig::TlsAuth, &ServerConfig::tls_auth_clients, kTlsAuthModes>},
    {"tls-replication", 0, SetBool<&ServerConfig::tls_replication>, GetBool<&ServerConfig::tls_replication>},
    {"tls-cluster", 0, SetBool<&ServerConfig::tls_cluster>, GetBool<&ServerConfig::tls_cluster>},
    {"tls-protocols", kQuoted, SetString<&ServerConfig::tls_protocols>, GetString<&ServerConfig::tls_protocols>},
    {"tls-ciphers", kQuoted, SetString<&ServerConfig::tls_ciphers>, GetString<&ServerConfig::tls_ciphers>},
    {"tls-ciphersuites", kQuoted, SetString<&ServerConfig::tls_ciphersuites>, GetString<&ServerConfig::tls_ciphersuites>},
    {"tls-prefer-server-ciphers", 0, SetBool<&ServerConfig::tls_prefer_server_ciphers>,
     GetBool<&ServerConfig::tls_prefer_server_ciphers>},
    {"tls-session-caching", 0, SetBool<&ServerConfig::tls_session_caching>, GetBool<&ServerConfig::tls_session_caching>},
    {"tls-session-cache-size", 0, SetInt<&ServerConfig::tls_session_cache_size, 0, INT_MAX>,
     GetInt<&ServerConfig::tls_session_cache_size>},
    {"tls-session-cache-timeout", 0, SetInt<&ServerConfig::tls_session_cache_timeout, 0, INT_MAX>,
     GetInt<&ServerConfig::tls_session_cache_timeout>},
    {"enable-debug-command", kImmutable,
     SetEnum<DebugCommandPolicy, &ServerConfig::enable_debug_command, kDebugPolicies, 3>,
     GetEnum<DebugCommandPolicy, &ServerConfig::enable_debug_command, kDebugPolicies>},
    {"enable-protected-configs", kImmutable,
     SetEnum<DebugCommandPolicy, &ServerConfig::enable_protected_configs, kDebugPolicies, 3>,
     GetEnum<DebugCommandPolicy, &ServerConfig::enable_protected_configs, kDebugPolicies>},
};

// Directives Redis 7.0 knows that Cinnabar does not implement yet: a config naming one
// stops startup, saying so, instead of being silently ignored.
constexpr std::string_view kRedisDirectives[] = {
    "unixsocket", "unixsocketperm", "supervised", "syslog-enabled", "syslog-ident",
    "syslog-facility", "crash-log-enabled", "crash-memcheck-enabled", "locale-collate", "replicaof", "slaveof", "masterauth",
    "masteruser",
    "repl-ping-replica-period", "repl-timeout", "repl-backlog-size",
    "repl-backlog-ttl", "propagation-error-behavior",
    "replica-ignore-disk-write-errors", "replica-announced", "min-replicas-to-write",
    "min-replicas-max-lag", "replica-announce-ip", "replica-announce-port",
    "replica-ignore-maxmemory", "active-expire-effort", "io-threads", "io-threads-do-reads", "shutdown-timeout",
    "shutdown-on-sigint", "shutdown-on-sigterm", "cluster-enabled", "cluster-config-file",
    "cluster-node-timeout", "cluster-port", "cluster-replica-validity-factor",
    "cluster-migration-barrier", "cluster-allow-replica-migration", "cluster-require-full-coverage",
    "cluster-replica-no-failover", "cluster-allow-reads-when-down",
    "cluster-allow-pubsubshard-when-down", "cluster-link-sendbuf-limit",
    "cluster-announce-hostname", "cluster-preferred-endpoint-type", "cluster-announce-ip",
    "cluster-announce-port", "cluster-announce-bus-port", "cluster-announce-tls-port", "max-new-connections-per-cycle",
    "activedefrag", "active-defrag-ignore-bytes",
    "active-defrag-threshold-lower", "active-defrag-threshold-upper", "active-defrag-cycle-min",
    "active-defrag-cycle-max", "active-defrag-max-scan-fields",
    "server_cpulist", "bio_cpulist", "aof_rewrite_cpulist", "bgsave_cpulist", "ignore-warnings",
    "enable-module-command", "loadmodule",
    "repl-diskless-sync-period", "socket-mark-id",
    "hide-user-data-from-log",
};

}  // namespace

std::string FormatPercentile(double p) {
  std::string s = fmt::format("{:.6f}", p);
  s.erase(s.find_last_not_of('0') + 1);
  if (s.back() == '.') s.pop_back();
  return s;
}

bool ExpandProcTitle(std::string_view tmpl, const ProcTitleVars& vars, std::string* out) {
  const std::pair<std::string_view, const std::string*> known[] = {
      {"title", &vars.title},         {"listen-addr", &vars.listen_addr},
      {"server-mode", &vars.server_mode}, {"port", &vars.port},
      {"tls-port", &vars.tls_port},   {"unixsocket", &vars.unixsocket},
      {"config-file", &vars.config_file}};
  out->clear();
  for (size_t i = 0; i < tmpl.size(); ++i) {
    if (tmpl[i] != '{') {
      *out += tmpl[i];
      continue;
    }
    if (i + 1 < tmpl.size() && tmpl[i + 1] == '{') {
      *out += '{';
      ++i;
      continue;
    }
    size_t close = tmpl.find('}', i + 1);
    if (close == std::string_view::npos) return false;
    std::string_view name = tmpl.substr(i + 1, close - i - 1);
    auto it = std::find_if(std::begin(known), std::end(known),
                           [name](const auto& k) { return k.first == name; });
    if (it == std::end(known)) return false;
    *out += *it->second;
    i = close;
  }
  // Redis compat: the title loses the spaces at its ends (an empty {server-mode}).
  size_t first = out->find_first_not_of(' ');
  if (first == std::string::npos) first = out->size();
  size_t last = out->find_last_not_of(' ');
  *out = last == std::string::npos ? std::string() : out->substr(first, last - first + 1);
  return true;
}

bool ParseMemory(std::string_view s, uint64_t* out) {
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  std::string_view unit = s.substr(digits);
  uint64_t mul;
  if (unit.empty() || base::EqualsIgnoreCase(unit, "b")) {
    mul = 1;
  } else if (base::EqualsIgnoreCase(unit, "k")) {
    mul = 1000;
  } else if (base::EqualsIgnoreCase(unit, "kb")) {
    mul = 1024;
  } else if (base::EqualsIgnoreCase(unit, "m")) {
    mul = 1000 * 1000;
  } else if (base::EqualsIgnoreCase(unit, "mb")) {
    mul = 1024 * 1024;
  } else if (base::EqualsIgnoreCase(unit, "g")) {
    mul = 1000ULL * 1000 * 1000;
  } else if (base::EqualsIgnoreCase(unit, "gb")) {
    mul = 1024ULL * 1024 * 1024;
  } else {
    return false;  // also a sign: "-1" and "+1" are not memory values
  }
  // Redis compat (memtoull): at most 127 digits, an overflow saturates, the product wraps.
  if (digits >= 128) return false;
  uint64_t v = 0;
  for (size_t i = 0; i < digits; ++i) {
    uint64_t d = static_cast<uint64_t>(s[i] - '0');
    if (v > (UINT64_MAX - d) / 10) {
      v = UINT64_MAX;
      break;
    }
    v = v * 10 + d;
  }
  *out = v * mul;
  return true;
}

std::span<const Directive> Directives() { return kDirectives; }

const Directive* FindDirective(std::string_view name) {
  for (const Directive& d : kDirectives) {
    if (base::EqualsIgnoreCase(d.name, name)) return &d;
  }
  return nullptr;
}

bool IsKnownRedisDirective(std::string_view name) {
  for (std::string_view d : kRedisDirectives) {
    if (base::EqualsIgnoreCase(d, name)) return true;
  }
  return false;
}

ConfigStore::ConfigStore(ServerConfig initial)
    : current_(std::make_shared<const ServerConfig>(std::move(initial))) {}

std::shared_ptr<const ServerConfig> ConfigStore::snapshot() const {
  std::lock_guard lock(mu_);
  return current_;
}

void ConfigStore::SetConfigFile(std::string path) {
  std::lock_guard lock(mu_);
  ServerConfig next = *current_;
  next.config_file = std::move(path);
  current_ = std::make_shared<const ServerConfig>(std::move(next));
}

void ConfigStore::SetCommandNames(std::vector<std::string> names) {
  std::lock_guard lock(mu_);
  command_names_ = std::set<std::string, std::less<>>(names.begin(), names.end());
}

// rename-command NAME NEWNAME, checked as Redis checks it against the names so far.
Status ConfigStore::ApplyRename(std::span<const std::string> args) {
  if (args.size() != 2) return Status::Error("Bad directive or wrong number of arguments");
  std::lock_guard lock(mu_);
  if (!command_names_.empty()) {
    const std::string from = base::ToLower(args[0]), to = base::ToLower(args[1]);
    auto it = command_names_.find(from);
    if (it == command_names_.end()) return Status::Error("No such command in rename-command");
    command_names_.erase(it);
    if (!to.empty() && !command_names_.insert(to).second) {
      command_names_.insert(from);
      return Status::Error("Target command name already exists");
    }
  }
  auto next = std::make_shared<ServerConfig>(*current_);
  next->renamed_commands.emplace_back(args[0], args[1]);
  current_ = std::move(next);
  return Status::Ok();
}

Status ConfigStore::ApplyLine(std::string_view name, std::span<const std::string> args) {
  if (base::EqualsIgnoreCase(name, "rename-command")) return ApplyRename(args);
  if (base::EqualsIgnoreCase(name, "user")) {
    if (args.empty()) return Status::Error("wrong number of arguments");
    std::lock_guard lock(mu_);
    auto next = std::make_shared<ServerConfig>(*current_);
    next->acl_user_lines.emplace_back(args.begin(), args.end());
    current_ = std::move(next);
    return Status::Ok();
  }
  const Directive* d = FindDirective(name);
  if (d == nullptr) {
    if (IsKnownRedisDirective(name)) {
      return Status::Error("Unsupported directive '" + std::string(name) +
                           "': Cinnabar does not implement it yet");
    }
    return Status::Error("Bad directive or wrong number of arguments");
  }
  if (args.empty() || (!(d->flags & kMultiArg) && args.size() != 1)) {
    return Status::Error("wrong number of arguments");
  }
  // Redis compat: a multi-argument directive given as one non-empty argument
  // (--bind "127.0.0.1 ::1") is split as a configuration line would be.
  std::vector<std::string> split;
  if ((d->flags & kMultiArg) && args.size() == 1 && !args[0].empty()) {
    if (!protocol::SplitArgs(args[0], &split)) return Status::Error("Invalid argument");
    if (split.empty()) return Status::Error("wrong number of arguments");
    args = split;
  }
  std::lock_guard lock(mu_);
  ServerConfig next = *current_;
  // Redis compat: a directive that adds in files (save) replaces its default at its first
  // line and adds to what the lines before gave at each later one.
  std::vector<std::string> added;
  const bool reset = args.size() == 1 && args[0].empty();
  if ((d->flags & kAddsInFile) && !seen_in_file_.insert(std::string(d->name)).second && !reset) {
    if (!protocol::SplitArgs(d->get(next), &added)) return Status::Error("Invalid argument");
    added.insert(added.end(), args.begin(), args.end());
    args = added;
  }
  std::string err = d->set(next, args);
  if (!err.empty()) return Status::Error(err);
  current_ = std::make_shared<const ServerConfig>(std::move(next));
  return Status::Ok();
}

Status ConfigStore::Set(std::span<const std::string_view> pairs, const ApplyHook& apply,
                        bool allow_protected) {
  // CONFIG SET refuses an odd count with its arity error before it gets here; any other
  // caller gets the same answer instead of a read past the last argument.
  if (pairs.size() % 2 != 0 || pairs.empty()) {
    return Status::Error(errors::WrongArity("config|set"));
  }
  std::lock_guard lock(mu_);
  // Redis compat: every name is checked before any value, then values in order.
  std::vector<const Directive*> directives;
  for (size_t i = 0; i < pairs.size(); i += 2) {
    const Directive* d = FindDirective(pairs[i]);
    if (d == nullptr) {
      return Status::Error(errors::ConfigUnknownOption(pairs[i]));
    }
    auto fail = [&](std::string_view reason) {
      return Status::Error(errors::ConfigSetFailed(pairs[i], reason));
    };
    if (d->flags & kImmutable) return fail(errors::kConfigImmutable);
    if ((d->flags & kProtectedConfig) && !allow_protected) return fail(errors::kConfigProtected);
    for (const Directive* seen : directives) {
      if (seen == d) return fail(errors::kConfigDuplicate);
    }
    directives.push_back(d);
  }
  ServerConfig next = *current_;
  // Redis compat: dir changes directory as it is set; when the CONFIG SET fails after that,
  // it changes back, as Redis's restoreBackupConfig sets the old value again.
  std::string old_dir;
  auto undo = [&old_dir] {
    if (!old_dir.empty() && chdir(old_dir.c_str()) != 0) {
      base::LogWarning("CONFIG SET failed and dir could not go back to {}: {}", old_dir,
                       std::strerror(errno));
    }
  };
  for (size_t i = 0; i < pairs.size(); i += 2) {
    const Directive* d = directives[i / 2];
    if (d->set == SetDir) old_dir = GetDir(next);
    std::vector<std::string> args;
    if (d->flags & kMultiArg) {
      // Redis compat: multi-argument values are split on single spaces.
      std::string_view v = pairs[i + 1];
      size_t start = 0;
      while (start <= v.size()) {
        size_t sp = v.find(' ', start);
        if (sp == std::string_view::npos) sp = v.size();
        if (sp > start) args.emplace_back(v.substr(start, sp - start));
        start = sp + 1;
      }
    } else {
      args.emplace_back(pairs[i + 1]);
    }
    std::string err = args.empty() && !(d->flags & kMultiArg) ? "" : d->set(next, args);
    // Redis compat: a value's error names the directive (lower case), not the argument.
    if (!err.empty()) {
      undo();
      return Status::Error(errors::ConfigSetFailed(d->name, err));
    }
  }
  if (apply) {
    std::string_view culprit;
    std::string err = apply(*current_, next, &culprit);
    if (!err.empty()) {
      undo();
      return Status::Error(errors::ConfigSetFailed(culprit, err));
    }
  }
  current_ = std::make_shared<const ServerConfig>(std::move(next));
  return Status::Ok();
}

std::vector<std::pair<std::string, std::string>> ConfigStore::Get(
    std::span<const std::string_view> patterns) const {
  std::shared_ptr<const ServerConfig> cfg = snapshot();
  std::vector<std::pair<std::string, std::string>> out;
  // Redis compat: each name is listed once (case-insensitively), as the first pattern that
  // matched it named it: a plain name is answered as it was written ("MAXCLIENTS").
  auto listed = [&out](std::string_view name) {
    for (const auto& [n, v] : out) {
      if (base::EqualsIgnoreCase(n, name)) return true;
    }
    return false;
  };
  for (std::string_view p : patterns) {
    if (p.find_first_of("*?[") == std::string_view::npos) {
      const Directive* d = FindDirective(p);
      if (d != nullptr && !listed(p)) out.emplace_back(std::string(p), d->get(*cfg));
      continue;
    }
    for (const Directive& d : kDirectives) {
      if (!listed(d.name) && core::GlobMatch(p, d.name, /*nocase=*/true)) {
        out.emplace_back(std::string(d.name), d.get(*cfg));
      }
    }
  }
  return out;
}

}  // namespace cinnabar::engine

// libFuzzer target for the configuration parser: redis.conf text as server::LoadConfig
// reads it (lines, Redis's quoting, include, the command line) and CONFIG SET argument
// lists as engine::ConfigStore::Set applies them.
//
// The input is a small text script (see tests/fuzz/README.md): the configuration file,
// files it may include (read from memory through LoadConfig's reader, never from disk),
// optional command-line arguments, then CONFIG SET and CONFIG GET calls. Every result is
// checked against a model written here from Redis's rules, independently of the code
// under test: its own line splitter (sdssplitargs' rules), its own number and memory
// parsers (string2ll, memtoll), and a table of the directives with their kinds and ranges.
//   - LoadConfig succeeds exactly when the model does; a failure names the model's file,
//     line and text in the FATAL CONFIG FILE ERROR report, and leaves what the lines
//     before it set (Redis applies a file line by line and stops at the first bad one);
//   - CONFIG SET succeeds exactly when the model does, names the model's culprit, and a
//     failed one leaves the store unchanged: the same snapshot and the same CONFIG GET *,
//     working directory (`dir`) included; the apply hook sees the old and new values;
//   - CONFIG GET lists each name once, with the model's values;
//   - what CONFIG GET prints can be set again (CONFIG SET name value, and a config-file
//     line `name "value"`) and gives the same CONFIG GET *, as Redis's CONFIG sanity and
//     CONFIG REWRITE sanity tests expect;
//   - the command line's options text splits back into the arguments it was built from.
// `dir` changes the working directory, as in Redis: each input starts in a scratch
// directory of the harness's own and the harness goes back where it was after each input.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/glob.h"
#include "engine/config.h"
#include "engine/config_rewrite.h"
#include "server/config_file.h"

namespace {

using cinnabar::base::Status;
using cinnabar::engine::ConfigStore;
using cinnabar::engine::Directive;
using cinnabar::engine::ServerConfig;
namespace engine = cinnabar::engine;
namespace server = cinnabar::server;

[[noreturn]] void Die(const char* what, int line) {
  std::fprintf(stderr, "config_fuzz: invariant violated (line %d): %s\n", line, what);
  std::abort();
}
#define CHECK(cond)                      \
  do {                                   \
    if (!(cond)) Die(#cond, __LINE__);   \
  } while (0)

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Cwd() {
  char buf[PATH_MAX];
  return getcwd(buf, sizeof(buf)) == nullptr ? "" : buf;
}

// ---- Redis's rules, written from their description ------------------------------------

bool CSpace(char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }  // isspace, C locale
bool Hex(char c, int* v) {
  if (c >= '0' && c <= '9') return *v = c - '0', true;
  if (c >= 'a' && c <= 'f') return *v = c - 'a' + 10, true;
  if (c >= 'A' && c <= 'F') return *v = c - 'A' + 10, true;
  return false;
}

// sdssplitargs: Redis reads the line as a C string (it ends at a NUL byte). Blanks
// (isspace) separate arguments; within one, an unquoted space, tab, CR or LF ends it;
// "double quotes" take \xHH, \n \r \t \b \a and \<any>; 'single quotes' take \'; a closing
// quote ends the argument and must be followed by a blank or the end of the line.
bool RedisSplit(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  line = line.substr(0, line.find('\0'));
  size_t i = 0;
  enum { kPlain, kDouble, kSingle } state;
  for (;;) {
    while (i < line.size() && CSpace(line[i])) ++i;
    if (i == line.size()) return true;
    std::string arg;
    state = kPlain;
    for (;;) {
      if (state == kPlain) {
        if (i == line.size()) break;
        char c = line[i++];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
        if (c == '"') {
          state = kDouble;
        } else if (c == '\'') {
          state = kSingle;
        } else {
          arg += c;
        }
        continue;
      }
      if (i == line.size()) return false;  // unterminated quotes
      char c = line[i++];
      char quote = state == kDouble ? '"' : '\'';
      if (c == quote) {
        if (i < line.size() && !CSpace(line[i])) return false;
        break;
      }
      if (c != '\\' || i == line.size()) {
        arg += c;
      } else if (state == kSingle) {
        if (line[i] == '\'') {
          arg += '\'';
          ++i;
        } else {
          arg += '\\';
        }
      } else {
        int hi, lo;
        if (line[i] == 'x' && i + 2 < line.size() && Hex(line[i + 1], &hi) &&
            Hex(line[i + 2], &lo)) {
          arg += static_cast<char>(hi * 16 + lo);
          i += 3;
          continue;
        }
        char e = line[i++];
        static constexpr std::string_view kFrom = "nrtba", kTo = "\n\r\t\b\a";
        size_t k = kFrom.find(e);
        arg += k == std::string_view::npos ? e : kTo[k];
      }
    }
    out->push_back(std::move(arg));
  }
}

// string2ll: "0", or an optional '-' and a digit 1-9 then digits, within int64.
bool RedisInt(std::string_view s, int64_t* out) {
  if (s == "0") return *out = 0, true;
  bool neg = !s.empty() && s[0] == '-';
  std::string_view d = neg ? s.substr(1) : s;
  if (d.empty() || d[0] < '1' || d[0] > '9' || d.size() > 19) return false;
  __int128 v = 0;
  for (char c : d) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  if (neg) v = -v;
  if (v < INT64_MIN || v > INT64_MAX) return false;
  *out = static_cast<int64_t>(v);
  return true;
}

// memtoull (Redis 7.0), on the text up to its first NUL (a C string): digits (none at all
// is 0, at most 127), then a unit (none, b, k, kb, m, mb, g, gb; any case); no sign. A
// number past 2^64-1 saturates; the unit's product wraps modulo 2^64. Callers range-check
// the result as a signed 64-bit value.
bool RedisMemory(std::string_view s, uint64_t* out) {
  s = s.substr(0, s.find('\0'));
  size_t digits = 0;
  while (digits < s.size() && s[digits] >= '0' && s[digits] <= '9') ++digits;
  if (digits >= 128) return false;
  std::string unit = Lower(s.substr(digits));
  static const std::map<std::string, uint64_t> kUnits = {
      {"", 1},         {"b", 1},           {"k", 1000},           {"kb", 1024},
      {"m", 1000000},  {"mb", 1024 * 1024}, {"g", 1000000000ULL}, {"gb", 1024ULL * 1024 * 1024}};
  auto u = kUnits.find(unit);
  if (u == kUnits.end()) return false;
  unsigned __int128 v = 0;
  for (size_t k = 0; k < digits; ++k) {
    v = v * 10 + static_cast<unsigned>(s[k] - '0');
    if (v > UINT64_MAX) {
      v = UINT64_MAX;
      break;
    }
  }
  *out = static_cast<uint64_t>(v) * u->second;
  return true;
}

// Words (yes/no, enum values) are compared as C strings.
std::string CutNul(std::string_view s) { return std::string(s.substr(0, s.find('\0'))); }

// ---- The directives, as Redis (and Cinnabar's README) describe them --------------------

enum class Kind {
  kInt, kMemory, kMemoryOrPercent, kBool, kEnum, kString, kBind, kDir, kHz, kOutputLimits, kNotify,
  kSave,      // pairs of seconds and changes; in files the first line replaces, the next add
  kFileName,  // a C string without '/' or '\\'; min 1: not empty
  kTitle,     // proc-title-template: "{name}" of a known variable, "{{" a literal brace
  kOomValues,  // three integers within -2000..2000
  kPercentiles,  // any number of decimals within 0..100 ("" alone: none)
};
struct Model {
  std::string_view name;
  std::string_view field;  // the value it names (an old alias names its new name's)
  Kind kind;
  int64_t min = 0, max = 0;
  std::vector<std::string_view> words = {};  // kEnum, in CONFIG GET's spelling
  bool immutable = false, is_protected = false;
};

const std::vector<Model>& Models() {
  static const std::vector<Model> kModels = [] {
    std::vector<Model> m;
    auto add = [&m](Model x) {
      if (x.field.empty()) x.field = x.name;
      m.push_back(x);
    };
    const std::vector<std::string_view> policy = {"no", "yes", "local"};
    add({"port", "", Kind::kInt, 0, 65535});
    add({"bind", "", Kind::kBind});
    add({"protected-mode", "", Kind::kBool});
    add({"requirepass", "", Kind::kString});
    add({"databases", "", Kind::kInt, 1, INT_MAX, {}, true});
    add({"dir", "", Kind::kDir, 0, 0, {}, false, true});
    add({"loglevel", "", Kind::kEnum, 0, 0, {"debug", "verbose", "notice", "warning"}});
    add({"logfile", "", Kind::kString, 0, 0, {}, true});
    add({"pidfile", "", Kind::kString, 0, 0, {}, true});
    add({"daemonize", "", Kind::kBool, 0, 0, {}, true});
    add({"timeout", "", Kind::kInt, 0, INT_MAX});
    add({"tcp-keepalive", "", Kind::kInt, 0, INT_MAX});
    add({"tcp-backlog", "", Kind::kInt, 0, INT_MAX, {}, true});
    add({"maxclients", "", Kind::kInt, 1, UINT_MAX});
    add({"proto-max-bulk-len", "", Kind::kMemory, 1024 * 1024, INT64_MAX});
    add({"client-query-buffer-limit", "", Kind::kMemory, 1024 * 1024, INT64_MAX});
    add({"client-output-buffer-limit", "", Kind::kOutputLimits});
    add({"notify-keyspace-events", "", Kind::kNotify});
    add({"hz", "", Kind::kHz, 0, INT_MAX});
    add({"threads", "", Kind::kInt, 0, 256, {}, true});
    add({"busy-reply-threshold", "", Kind::kInt, 0, INT64_MAX});
    add({"lua-time-limit", "busy-reply-threshold", Kind::kInt, 0, INT64_MAX});
    add({"io-engine", "", Kind::kEnum, 0, 0, {"auto", "uring", "epoll"}, true});
    // Counts are integers (string2ll); sizes are memory values.
    for (std::string_view n : {"hash-max-listpack-entries", "set-max-intset-entries",
                               "set-max-listpack-entries", "zset-max-listpack-entries"}) {
      add({n, "", Kind::kInt, 0, INT64_MAX});
    }
    for (std::string_view n :
         {"hash-max-listpack-value", "set-max-listpack-value", "zset-max-listpack-value"}) {
      add({n, "", Kind::kMemory, 0, INT64_MAX});
    }
    add({"list-max-listpack-size", "", Kind::kInt, INT_MIN, INT_MAX});
    add({"list-compress-depth", "", Kind::kInt, 0, INT_MAX});
    add({"hash-max-ziplist-entries", "hash-max-listpack-entries", Kind::kInt, 0, INT64_MAX});
    add({"hash-max-ziplist-value", "hash-max-listpack-value", Kind::kMemory, 0, INT64_MAX});
    add({"zset-max-ziplist-entries", "zset-max-listpack-entries", Kind::kInt, 0, INT64_MAX});
    add({"zset-max-ziplist-value", "zset-max-listpack-value", Kind::kMemory, 0, INT64_MAX});
    add({"list-max-ziplist-size", "list-max-listpack-size", Kind::kInt, INT_MIN, INT_MAX});
    add({"save", "", Kind::kSave});
    add({"dbfilename", "", Kind::kFileName, 0, 0, {}, false, true});
    add({"rdbcompression", "", Kind::kBool});
    add({"rdbchecksum", "", Kind::kBool, 0, 0, {}, true});
    add({"stop-writes-on-bgsave-error", "", Kind::kBool});
    add({"rdb-del-sync-files", "", Kind::kBool});
    add({"rdb-save-incremental-fsync", "", Kind::kBool});
    add({"rdb-key-save-delay", "", Kind::kInt, INT_MIN, INT_MAX});
    add({"sanitize-dump-payload", "", Kind::kEnum, 0, 0, {"no", "yes", "clients"}});
    add({"appendonly", "", Kind::kBool});
    add({"appendfilename", "", Kind::kFileName, 1, 0, {}, true});
    add({"appenddirname", "", Kind::kFileName, 1, 0, {}, true});
    add({"appendfsync", "", Kind::kEnum, 0, 0, {"always", "everysec", "no"}});
    add({"no-appendfsync-on-rewrite", "", Kind::kBool});
    add({"auto-aof-rewrite-percentage", "", Kind::kInt, 0, INT_MAX});
    add({"auto-aof-rewrite-min-size", "", Kind::kMemory, 0, INT64_MAX});
    add({"aof-load-truncated", "", Kind::kBool});
    add({"aof-use-rdb-preamble", "", Kind::kBool});
    add({"aof-timestamp-enabled", "", Kind::kBool});
    add({"aof-rewrite-incremental-fsync", "", Kind::kBool});
    add({"maxmemory", "", Kind::kMemory, 0, INT64_MAX});
    add({"maxmemory-policy", "", Kind::kEnum, 0, 0,
         {"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru",
          "allkeys-lfu", "allkeys-random", "noeviction"}});
    add({"maxmemory-clients", "", Kind::kMemoryOrPercent, 0, INT64_MAX});
    add({"maxmemory-samples", "", Kind::kInt, 1, INT_MAX});
    add({"maxmemory-eviction-tenacity", "", Kind::kInt, 0, 100});
    add({"lfu-log-factor", "", Kind::kInt, 0, INT_MAX});
    add({"lfu-decay-time", "", Kind::kInt, 0, INT_MAX});
    add({"always-show-logo", "", Kind::kBool, 0, 0, {}, true});
    add({"set-proc-title", "", Kind::kBool, 0, 0, {}, true});
    add({"proc-title-template", "", Kind::kTitle});
    add({"oom-score-adj", "", Kind::kEnum, 0, 0, {"no", "yes", "relative", "absolute"}});
    add({"oom-score-adj-values", "", Kind::kOomValues});
    add({"disable-thp", "", Kind::kBool, 0, 0, {}, true});
    add({"slowlog-log-slower-than", "", Kind::kInt, -1, INT64_MAX});
    add({"slowlog-max-len", "", Kind::kInt, 0, INT64_MAX});
    add({"latency-monitor-threshold", "", Kind::kInt, 0, INT64_MAX});
    add({"latency-tracking", "", Kind::kBool});
    add({"latency-tracking-info-percentiles", "", Kind::kPercentiles});
    add({"acllog-max-len", "", Kind::kInt, 0, INT64_MAX});
    add({"aclfile", "", Kind::kString, 0, 0, {}, true});
    add({"acl-pubsub-default", "", Kind::kEnum, 0, 0, {"allchannels", "resetchannels"}});
    add({"tracking-table-max-keys", "", Kind::kInt, 0, INT64_MAX});
    add({"metrics-port", "", Kind::kInt, 0, 65535});  // Cinnabar's own
    add({"tls-port", "", Kind::kInt, 0, 65535});
    for (std::string_view name :
         {"tls-cert-file", "tls-key-file", "tls-key-file-pass", "tls-client-cert-file",
          "tls-client-key-file", "tls-client-key-file-pass", "tls-dh-params-file",
          "tls-ca-cert-file", "tls-ca-cert-dir", "tls-protocols", "tls-ciphers",
          "tls-ciphersuites"}) {
      add({name, "", Kind::kString});
    }
    add({"tls-auth-clients", "", Kind::kEnum, 0, 0, {"no", "yes", "optional"}});
    for (std::string_view name : {"tls-replication", "tls-cluster", "tls-prefer-server-ciphers",
                                  "tls-session-caching"}) {
      add({name, "", Kind::kBool});
    }
    add({"tls-session-cache-size", "", Kind::kInt, 0, INT_MAX});
    add({"tls-session-cache-timeout", "", Kind::kInt, 0, INT_MAX});
    for (std::string_view n : {"activerehashing", "dynamic-hz", "jemalloc-bg-thread",
                               "lazyfree-lazy-eviction", "lazyfree-lazy-expire",
                               "lazyfree-lazy-server-del", "lazyfree-lazy-user-del",
                               "lazyfree-lazy-user-flush"}) {
      add({n, "", Kind::kBool});
    }
    add({"hll-sparse-max-bytes", "", Kind::kMemory, 0, INT64_MAX});
    add({"stream-node-max-bytes", "", Kind::kMemory, 0, INT64_MAX});
    add({"stream-node-max-entries", "", Kind::kInt, 0, INT64_MAX});
    add({"replica-serve-stale-data", "", Kind::kBool});
    add({"slave-serve-stale-data", "replica-serve-stale-data", Kind::kBool});
    add({"replica-read-only", "", Kind::kBool});
    add({"slave-read-only", "replica-read-only", Kind::kBool});
    add({"replica-lazy-flush", "", Kind::kBool});
    add({"slave-lazy-flush", "replica-lazy-flush", Kind::kBool});
    add({"repl-diskless-sync", "", Kind::kBool});
    add({"repl-diskless-sync-delay", "", Kind::kInt, 0, INT_MAX});
    add({"repl-diskless-sync-max-replicas", "", Kind::kInt, 0, INT_MAX});
    add({"repl-diskless-load", "", Kind::kEnum, 0, 0, {"disabled", "on-empty-db", "swapdb"}});
    add({"repl-disable-tcp-nodelay", "", Kind::kBool});
    add({"replica-priority", "", Kind::kInt, 0, INT_MAX});
    add({"slave-priority", "replica-priority", Kind::kInt, 0, INT_MAX});
    add({"enable-debug-command", "", Kind::kEnum, 0, 0, policy, true});
    add({"enable-protected-configs", "", Kind::kEnum, 0, 0, policy, true});
    return m;
  }();
  return kModels;
}

// Directives whose value is several arguments.
bool MultiArg(const Model& m) {
  return m.kind == Kind::kBind || m.kind == Kind::kOutputLimits || m.kind == Kind::kSave ||
         m.kind == Kind::kOomValues || m.kind == Kind::kPercentiles;
}

const Model* FindModel(std::string_view name) {
  for (const Model& m : Models()) {
    if (IEquals(m.name, name)) return &m;
  }
  return nullptr;
}

// The harness knows every directive the code has, with the same flags (a new directive
// needs its model here before this target passes).
void CheckTables() {
  std::span<const Directive> ds = engine::Directives();
  if (ds.size() != Models().size()) Die("directive table and model differ in size", __LINE__);
  for (const Directive& d : ds) {
    const Model* m = FindModel(d.name);
    if (m == nullptr) {
      std::fprintf(stderr, "config_fuzz: no model for directive '%.*s'\n",
                   static_cast<int>(d.name.size()), d.name.data());
      std::abort();
    }
    CHECK(m->name == d.name);
    CHECK(m->immutable == ((d.flags & engine::kImmutable) != 0));
    CHECK(m->is_protected == ((d.flags & engine::kProtectedConfig) != 0));
    CHECK(MultiArg(*m) == ((d.flags & engine::kMultiArg) != 0));
    CHECK((m->field != m->name) == ((d.flags & engine::kAlias) != 0));
  }
}

// CONFIG GET *: every directive in table order with its value.
using Rendering = std::vector<std::pair<std::string, std::string>>;

Rendering RenderConfig(const ServerConfig& cfg) {
  Rendering out;
  for (const Directive& d : engine::Directives()) out.emplace_back(d.name, d.get(cfg));
  return out;
}

Rendering Render(const ConfigStore& store) {
  const std::string_view all[] = {"*"};
  Rendering got = store.Get(all);
  CHECK(got == RenderConfig(*store.snapshot()));
  return got;
}

// The model's configuration: CONFIG GET's value for each field (dir is the working
// directory), and bind's addresses.
struct State {
  std::map<std::string, std::string> values;
  std::vector<std::string> bind;

  static State From(const ServerConfig& cfg) {
    State s;
    for (const auto& [name, value] : RenderConfig(cfg)) s.values[name] = value;
    s.bind = cfg.bind;
    return s;
  }
  Rendering Render() const {
    Rendering out;
    for (const Directive& d : engine::Directives()) {
      const Model* m = FindModel(d.name);
      out.emplace_back(d.name, m->kind == Kind::kDir ? Cwd() : values.at(std::string(m->field)));
    }
    return out;
  }
};

// client-output-buffer-limit (Redis 7.0): groups of class, hard, soft (memtoull), seconds
// (strtoll of the whole word, not negative); the classes named change, the others stay.
// `v` is CONFIG GET's "normal h s n slave h s n pubsub h s n".
bool ModelOutputLimits(const std::vector<std::string>& args, std::string* v) {
  if (args.size() % 4 != 0) return false;
  std::vector<std::string> cur;
  std::string_view rest = *v;
  while (!rest.empty()) {
    size_t sp = std::min(rest.find(' '), rest.size());
    cur.emplace_back(rest.substr(0, sp));
    rest.remove_prefix(std::min(sp + 1, rest.size()));
  }
  CHECK(cur.size() == 12);
  for (size_t i = 0; i < args.size(); i += 4) {
    std::string cls = Lower(CutNul(args[i]));
    size_t at = cls == "normal" ? 0 : (cls == "replica" || cls == "slave") ? 4 : cls == "pubsub" ? 8 : 12;
    if (at == 12) return false;
    uint64_t hard, soft;
    if (!RedisMemory(args[i + 1], &hard) || !RedisMemory(args[i + 2], &soft)) return false;
    std::string_view secs = args[i + 3];
    bool negative = !secs.empty() && secs[0] == '-';
    if (!secs.empty() && (secs[0] == '-' || secs[0] == '+')) secs.remove_prefix(1);
    if (secs.empty() || secs.size() > 40) return false;
    __int128 n = 0;
    for (char c : secs) {
      if (c < '0' || c > '9') return false;
      n = n * 10 + (c - '0');
      if (n > INT64_MAX) return false;
    }
    if (negative && n != 0) return false;
    cur[at + 1] = std::to_string(hard);
    cur[at + 2] = std::to_string(soft);
    cur[at + 3] = std::to_string(static_cast<int64_t>(n));
  }
  v->clear();
  for (size_t i = 0; i < cur.size(); ++i) *v += (i ? " " : "") + cur[i];
  return true;
}

// notify-keyspace-events: letters of "Ag$lshzxeKEtmdn"; CONFIG GET prints A (which hides
// n) or the classes in "g$lshzxetdn" order, then K, E, m.
bool ModelNotify(const std::string& a, std::string* v) {
  std::set<char> on;
  for (char c : a) {
    if (c == 'A') {
      for (char k : std::string_view("g$lshzxetd")) on.insert(k);
    } else if (std::string_view("g$lshzxeKEtmdn").find(c) != std::string_view::npos) {
      on.insert(c);
    } else {
      return false;
    }
  }
  v->clear();
  bool all = true;
  for (char k : std::string_view("g$lshzxetd")) all = all && on.count(k);
  if (all) {
    *v += 'A';
  } else {
    for (char k : std::string_view("g$lshzxetdn")) {
      if (on.count(k)) *v += k;
    }
  }
  for (char k : std::string_view("KEm")) {
    if (on.count(k)) *v += k;
  }
  return true;
}

// save's numbers, as strtoll reads them for Redis's setConfigSaveOption: up to a NUL,
// leading white space and a sign allowed, saturating; nothing may follow the digits, and an
// empty text is 0.
bool SaveNumber(std::string_view a, int64_t* out) {
  std::string s = CutNul(a);
  if (s.empty()) return *out = 0, true;
  const char* p = s.c_str();
  while (*p != 0 && std::isspace(static_cast<unsigned char>(*p))) ++p;
  bool negative = *p == '-';
  if (*p == '+' || *p == '-') ++p;
  if (*p == 0) return false;
  __int128 v = 0;
  for (; *p != 0; ++p) {
    if (*p < '0' || *p > '9') return false;
    v = std::min<__int128>(v * 10 + (*p - '0'), static_cast<__int128>(INT64_MAX) + 1);
  }
  if (negative) v = -v;
  *out = static_cast<int64_t>(std::clamp<__int128>(v, INT64_MIN, INT64_MAX));
  return true;
}

// save: a single "" is none; otherwise pairs, seconds >= 1 and changes >= 0 (Redis keeps
// the low 32 bits of changes, Cinnabar all 64, so what CONFIG GET shows can be set again).
bool ModelSave(const std::vector<std::string>& args, std::string* v) {
  if (args.size() == 1 && CutNul(args[0]).empty()) return v->clear(), true;
  if (args.size() % 2 != 0) return false;
  std::string out;
  for (size_t i = 0; i < args.size(); i += 2) {
    int64_t seconds, changes;
    if (!SaveNumber(args[i], &seconds) || !SaveNumber(args[i + 1], &changes) || seconds < 1 ||
        changes < 0) {
      return false;
    }
    out += (out.empty() ? "" : " ") + std::to_string(seconds) + " " +
           std::to_string(changes);
  }
  *v = out;
  return true;
}

// Sets one directive in the model from its arguments; false if Redis refuses them.
bool ModelSet(const Model& m, const std::vector<std::string>& args, State* s) {
  std::string& v = s->values[std::string(m.field)];
  if (m.kind == Kind::kBind) {
    if (args.size() > 16) return false;
    s->bind = args;
    v.clear();
    for (size_t i = 0; i < args.size(); ++i) v += (i ? " " : "") + args[i];
    return true;
  }
  if (m.kind == Kind::kOutputLimits) return ModelOutputLimits(args, &v);
  if (m.kind == Kind::kSave) return ModelSave(args, &v);
  if (m.kind == Kind::kOomValues) {
    if (args.size() != 3) return false;
    std::string out;
    for (const std::string& a : args) {
      int64_t n;
      if (!RedisInt(a, &n) || n < -2000 || n > 2000) return false;
      out += (out.empty() ? "" : " ") + std::to_string(n);
    }
    v = out;
    return true;
  }
  if (m.kind == Kind::kPercentiles) {
    // Redis's string2d: no leading space, all of it a number, no NaN, no overflow or
    // underflow; printed with six decimals, trailing zeros cut.
    std::string out;
    for (const std::string& a : args) {
      if (a.empty() && args.size() == 1) break;
      if (a.empty() || a.size() >= 5120 || std::isspace(static_cast<unsigned char>(a[0]))) {
        return false;
      }
      char* end;
      errno = 0;
      double d = std::strtod(a.c_str(), &end);
      if (end != a.c_str() + a.size() || std::isnan(d) ||
          (errno == ERANGE && (std::isinf(d) || d == 0)) || d < 0 || d > 100) {
        return false;
      }
      char buf[64];
      std::snprintf(buf, sizeof(buf), "%f", d);
      std::string t = buf;
      t.erase(t.find_last_not_of('0') + 1);
      if (t.back() == '.') t.pop_back();
      out += (out.empty() ? "" : " ") + t;
    }
    v = out;
    return true;
  }
  CHECK(args.size() == 1);
  const std::string& a = args[0];
  int64_t n;
  switch (m.kind) {
    case Kind::kNotify:
      return ModelNotify(a, &v);
    case Kind::kOutputLimits:
      break;
    case Kind::kInt:
    case Kind::kHz:
      if (!RedisInt(a, &n) || n < m.min || n > m.max) return false;
      if (m.kind == Kind::kHz) n = std::clamp<int64_t>(n, 1, 500);  // Redis caps it
      v = std::to_string(n);
      return true;
    case Kind::kMemory: {
      uint64_t u;
      if (!RedisMemory(a, &u) || u > static_cast<uint64_t>(INT64_MAX)) return false;
      n = static_cast<int64_t>(u);
      if (n < m.min || n > m.max) return false;
      v = std::to_string(n);
      return true;
    }
    case Kind::kMemoryOrPercent: {
      // A percentage (read with its length) up to 100, else a memory value.
      if (a.size() > 1 && a.back() == '%' && RedisInt(a.substr(0, a.size() - 1), &n) && n >= 0) {
        if (n > 100) return false;
        v = std::to_string(n) + "%";
        return true;
      }
      uint64_t u;
      if (!RedisMemory(a, &u) || u > static_cast<uint64_t>(INT64_MAX)) return false;
      v = std::to_string(u);
      return true;
    }
    case Kind::kBool:
      if (!IEquals(CutNul(a), "yes") && !IEquals(CutNul(a), "no")) return false;
      v = Lower(CutNul(a));
      return true;
    case Kind::kEnum:
      for (std::string_view w : m.words) {
        if (IEquals(CutNul(a), w)) return v = w, true;
      }
      return false;
    case Kind::kString:
      v = a;
      return true;
    case Kind::kFileName: {
      std::string name = CutNul(a);
      if ((m.min > 0 && name.empty()) || name.find_first_of("/\\") != std::string::npos) {
        return false;
      }
      v = name;
      return true;
    }
    case Kind::kDir:
      return chdir(a.c_str()) == 0;  // takes effect at once, as in Redis
    case Kind::kTitle: {
      static const std::set<std::string, std::less<>> kVars = {
          "title", "listen-addr", "server-mode", "port", "tls-port", "unixsocket", "config-file"};
      for (size_t i = 0; i < a.size(); ++i) {
        if (a[i] != '{') continue;
        if (i + 1 < a.size() && a[i + 1] == '{') {
          ++i;
          continue;
        }
        size_t close = a.find('}', i + 1);
        if (close == std::string::npos || !kVars.count(a.substr(i + 1, close - i - 1))) {
          return false;
        }
        i = close;
      }
      v = a;
      return true;
    }
    case Kind::kBind:
    case Kind::kSave:
    case Kind::kOomValues:
    case Kind::kPercentiles:
      break;
  }
  return false;
}

// ---- The input --------------------------------------------------------------------------

struct SetCall {
  std::vector<std::string> args;  // name value ...
  bool allow_protected = false;
  bool refuse = false;  // the apply hook refuses the new values
};

struct Input {
  std::string config;                          // redis.conf, read as "redis.conf"
  std::map<std::string, std::string> files;    // what `include` (or the command line) reads
  bool has_argv = false;
  std::vector<std::string> argv;               // after the program name
  std::vector<SetCall> sets;
  std::vector<std::vector<std::string>> gets;
};

// Lines of a section body: split on LF; no empty last line after a final LF.
std::vector<std::string> Lines(std::string_view body) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < body.size()) {
    size_t nl = body.find('\n', start);
    if (nl == std::string_view::npos) nl = body.size();
    out.emplace_back(body.substr(start, nl - start));
    start = nl + 1;
  }
  return out;
}

constexpr size_t kMaxCalls = 16;

Input ParseInput(std::string_view data) {
  Input in;
  std::string header;  // of the section being read; empty: the configuration file
  std::string body;
  bool first = true;
  auto finish = [&] {
    if (first) {
      in.config = body;
      return;
    }
    std::vector<std::string> words;  // the header's words, separated by single spaces
    for (std::string_view h = header; !h.empty();) {
      size_t sp = std::min(h.find(' '), h.size());
      words.emplace_back(h.substr(0, sp));
      h.remove_prefix(std::min(sp + 1, h.size()));
    }
    if (words.empty()) return;
    if (words[0] == "file" && header.size() > 5) {
      in.files[header.substr(5)] = body;
    } else if (words[0] == "argv") {
      in.has_argv = true;
      for (std::string& a : Lines(body)) in.argv.push_back(a.substr(0, a.find('\0')));
    } else if (words[0] == "set" && in.sets.size() < kMaxCalls) {
      SetCall call;
      call.args = Lines(body);
      if (call.args.size() % 2 == 1) call.args.pop_back();  // CONFIG SET's syntax error
      if (call.args.empty()) return;                       // and its arity error
      for (const std::string& w : words) {
        if (w == "protected") call.allow_protected = true;
        if (w == "refuse") call.refuse = true;
      }
      in.sets.push_back(std::move(call));
    } else if (words[0] == "get" && in.gets.size() < kMaxCalls) {
      in.gets.push_back(Lines(body));
      if (in.gets.back().empty()) in.gets.pop_back();
    }
  };
  size_t pos = 0;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
    std::string_view line = data.substr(pos, end - pos);
    if (StartsWith(line, "@@@ ")) {
      finish();
      first = false;
      header = std::string(line.substr(4, line.size() - 4 - (nl != std::string_view::npos)));
      body.clear();
    } else {
      body += line;
    }
    pos = end;
  }
  finish();
  return in;
}

// ---- Loading: the reader and the model of LoadConfig -------------------------------------

// The harness's file system: the input's files, in memory. Reading more than this many in
// one load fails (as a file that vanished would), so every input stays quick.
constexpr int kReadBudget = 64;

class MemoryFiles {
 public:
  explicit MemoryFiles(const std::map<std::string, std::string>* files) : files_(files) {}
  Status Read(const std::string& path, std::string* text) {
    if (++reads_ > kReadBudget) return Status::Error("harness: read budget exhausted");
    auto it = files_->find(path);
    if (it == files_->end()) {
      return Status::Error("Fatal error, can't open config file '" + path +
                           "': No such file or directory");
    }
    *text = it->second;
    return Status::Ok();
  }

 private:
  const std::map<std::string, std::string>* files_;
  int reads_ = 0;
};

struct LoadOutcome {
  bool ok = true;
  bool fatal = false;  // a FATAL CONFIG FILE ERROR report naming source, line_no and line
  std::string source, line, message;
  int line_no = 0;
};

class ModelLoader {
 public:
  ModelLoader(MemoryFiles* files, State* state) : files_(files), state_(state) {}

  LoadOutcome Load(const server::CommandLine& cl) {
    LoadOutcome out;
    if (!cl.config_file.empty()) {
      std::string text;
      Status st = files_->Read(cl.config_file, &text);
      if (!st.ok()) {
        out.ok = false;
        out.message = st.message();
        return out;
      }
      if (!Apply(text, cl.config_file == "-" ? "stdin" : cl.config_file, 0, &out)) return out;
    }
    if (!cl.options.empty()) Apply(cl.options, "the command line", 0, &out);
    return out;
  }

 private:
  bool Fail(LoadOutcome* out, const std::string& source, int line_no, std::string_view line) {
    out->ok = false;
    out->fatal = true;
    out->source = source;
    out->line_no = line_no;
    out->line = std::string(line);
    return false;
  }

  // Redis's loadServerConfigFromString: line by line, stopping at the first bad one.
  bool Apply(std::string_view text, const std::string& source, int depth, LoadOutcome* out) {
    int line_no = 0;
    for (const std::string& raw : Lines(text)) {
      ++line_no;
      std::string_view line = raw;
      while (!line.empty() && std::strchr(" \t\r\n", line.front()) && line.front()) {
        line.remove_prefix(1);
      }
      while (!line.empty() && std::strchr(" \t\r\n", line.back()) && line.back()) {
        line.remove_suffix(1);
      }
      if (line.empty() || line[0] == '#') continue;
      std::vector<std::string> args;
      if (!RedisSplit(line, &args)) return Fail(out, source, line_no, line);
      if (args.empty()) continue;
      std::string name = Lower(args[0]);
      args.erase(args.begin());
      if (name == "include") {
        // Files include each other 16 deep at most (a cycle ends there).
        if (args.size() != 1 || depth + 1 > 16) {
          return Fail(out, source, line_no, line);
        }
        std::string included;
        if (!files_->Read(args[0], &included).ok()) return Fail(out, source, line_no, line);
        if (!Apply(included, args[0], depth + 1, out)) return false;
        continue;
      }
      if (name == "rename-command") {
        // Not a directive (CONFIG GET shows nothing of it); without the command names the
        // store takes any two arguments.
        if (args.size() != 2) return Fail(out, source, line_no, line);
        continue;
      }
      const Model* m = FindModel(name);
      if (m == nullptr || args.empty() || (!MultiArg(*m) && args.size() != 1)) {
        return Fail(out, source, line_no, line);
      }
      // A multi-argument directive given as one argument is split as a line would be.
      if (MultiArg(*m) && args.size() == 1 && !args[0].empty()) {
        std::vector<std::string> split;
        if (!RedisSplit(args[0], &split) || split.empty()) return Fail(out, source, line_no, line);
        args = split;
      }
      State next = *state_;
      // save: the first line (of the file or the command line) replaces the default, each
      // later one adds to it; a line of "" empties it.
      std::vector<std::string> added;
      if (m->kind == Kind::kSave) {
        bool reset = args.size() == 1 && CutNul(args[0]).empty();
        if (save_seen_ && !reset) {
          CHECK(RedisSplit(state_->values.at("save"), &added));
          added.insert(added.end(), args.begin(), args.end());
          args = added;
        }
      }
      if (!ModelSet(*m, args, &next)) return Fail(out, source, line_no, line);
      if (m->kind == Kind::kSave) save_seen_ = true;
      *state_ = std::move(next);
    }
    return true;
  }

  MemoryFiles* files_;
  State* state_;
  bool save_seen_ = false;
};

void CheckLoad(const Status& st, const LoadOutcome& want) {
  CHECK(st.ok() == want.ok);
  if (want.ok) return;
  const std::string& msg = st.message();
  if (!want.fatal) {
    CHECK(msg == want.message);
    return;
  }
  CHECK(StartsWith(msg, "\n*** FATAL CONFIG FILE ERROR (Cinnabar "));
  std::string where = "Reading the configuration file, at line " + std::to_string(want.line_no) +
                      " of " + want.source + "\n>>> '" + want.line + "'\n";
  CHECK(msg.find(where) != std::string::npos);
}

// ---- The command line ----------------------------------------------------------------------

// redis-server's argv rules, and the options text checked by splitting it back.
void CheckCommandLine(const std::vector<std::string>& argv_in,
                      const cinnabar::base::StatusOr<server::CommandLine>& cl) {
  std::vector<std::string> argv = {"cinnabar-server"};
  argv.insert(argv.end(), argv_in.begin(), argv_in.end());
  size_t i = 1;
  std::string config_file;
  if (argv.size() >= 2) {
    const std::string& first = argv[1];
    if (first == "-v" || first == "--version" || first == "-h" || first == "--help") {
      CHECK(cl.ok());
      return;
    }
    if (first == "-" || first.empty() || first[0] != '-') {
      config_file = first;
      i = 2;
    }
  }
  // Each option and its values, when every option name is a plain word.
  std::vector<std::vector<std::string>> lines;
  bool plain = true;
  for (; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      std::string name = a.substr(2);
      plain = plain && std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
              });
      lines.push_back({name});
    } else if (lines.empty()) {
      CHECK(!cl.ok());
      return;
    } else {
      lines.back().push_back(a);
    }
  }
  CHECK(cl.ok());
  CHECK(cl.status().ok());
  const server::CommandLine& got = cl.value();
  CHECK(!got.version && !got.help);
  CHECK(got.config_file == config_file);
  if (!plain) return;
  std::vector<std::string> text_lines = Lines(got.options);
  if (!got.options.empty() && got.options.back() == '\n') text_lines.emplace_back();
  CHECK(text_lines.size() == lines.size());
  for (size_t k = 0; k < lines.size(); ++k) {
    std::vector<std::string> args;
    CHECK(RedisSplit(text_lines[k], &args));
    CHECK(args == lines[k]);
  }
}

// ---- CONFIG SET, CONFIG GET ----------------------------------------------------------------

// Error texts quote names as C strings (up to a NUL).
std::string Culprit(std::string_view name) {
  return "ERR CONFIG SET failed (possibly related to argument '" + CutNul(name) + "') - ";
}

struct SetOutcome {
  bool ok = true;
  bool hook_called = false;
  std::string prefix;  // of the error text
};

Rendering WithoutDir(Rendering r) {
  r.erase(std::remove_if(r.begin(), r.end(), [](const auto& p) { return p.first == "dir"; }),
          r.end());
  return r;
}

// Redis's configSetCommand: every name is checked first, then every value in order, then
// the apply step; any failure restores what was set (the working directory too).
SetOutcome ModelConfigSet(const SetCall& call, State* state) {
  SetOutcome out;
  out.ok = false;
  if (call.args.empty()) {
    out.prefix = "ERR wrong number of arguments for 'config|set' command";
    return out;
  }
  std::vector<const Model*> models;
  for (size_t i = 0; i < call.args.size(); i += 2) {
    const std::string& name = call.args[i];
    const Model* m = FindModel(name);
    if (m == nullptr) {
      out.prefix =
          "ERR Unknown option or number of arguments for CONFIG SET - '" + CutNul(name) + "'";
      return out;
    }
    if (m->immutable) {
      out.prefix = Culprit(name) + "can't set immutable config";
      return out;
    }
    if (m->is_protected && !call.allow_protected) {
      out.prefix = Culprit(name) + "can't set protected config";
      return out;
    }
    if (std::find(models.begin(), models.end(), m) != models.end()) {
      out.prefix = Culprit(name) + "duplicate parameter";
      return out;
    }
    models.push_back(m);
  }
  std::string old_cwd = Cwd();
  State next = *state;
  auto restore = [&] { CHECK(chdir(old_cwd.c_str()) == 0); };
  for (size_t i = 0; i < call.args.size(); i += 2) {
    const Model* m = models[i / 2];
    std::vector<std::string> args;
    if (MultiArg(*m)) {
      // Multi-argument values are split on single spaces.
      std::string_view v = call.args[i + 1];
      while (!v.empty()) {
        size_t sp = std::min(v.find(' '), v.size());
        if (sp > 0) args.emplace_back(v.substr(0, sp));
        v.remove_prefix(std::min(sp + 1, v.size()));
      }
    } else {
      args.push_back(call.args[i + 1]);
    }
    if (!ModelSet(*m, args, &next)) {
      restore();
      out.prefix = Culprit(m->name);  // a value's error names the directive, lower case
      return out;
    }
  }
  out.hook_called = true;
  if (call.refuse) {
    restore();
    out.prefix = Culprit(call.args[0]) + "refused by the harness";
    return out;
  }
  out.ok = true;
  *state = std::move(next);
  return out;
}

void RunSet(ConfigStore& store, const SetCall& call, State* state) {
  std::vector<std::string_view> pairs(call.args.begin(), call.args.end());
  std::shared_ptr<const ServerConfig> before = store.snapshot();
  Rendering before_render = Render(store);
  CHECK(before_render == state->Render());
  std::string cwd = Cwd();

  bool hook_called = false;
  Rendering hook_old, hook_next;
  auto hook = [&](const ServerConfig& old, const ServerConfig& next,
                  std::string_view* culprit) -> std::string {
    CHECK(!hook_called);
    hook_called = true;
    hook_old = RenderConfig(old);
    hook_next = RenderConfig(next);
    if (!call.refuse) return {};
    *culprit = pairs[0];
    return "refused by the harness";
  };
  Status st = store.Set(pairs, hook, call.allow_protected);
  Rendering after = Render(store);
  if (!st.ok()) {
    // All or nothing: the same snapshot, and nothing CONFIG GET shows has moved.
    CHECK(store.snapshot() == before);
    CHECK(after == before_render);
  }

  // The model, from the same working directory.
  CHECK(chdir(cwd.c_str()) == 0);
  SetOutcome want = ModelConfigSet(call, state);
  CHECK(st.ok() == want.ok);
  if (!st.ok()) CHECK(StartsWith(st.message(), want.prefix));
  CHECK(hook_called == want.hook_called);
  if (hook_called) {
    // dir is the process's working directory, not a field: the hook sees it already set.
    CHECK(WithoutDir(hook_old) == WithoutDir(before_render));
    State expect_next = *state;  // after a refusal, recompute what it would have been
    if (!want.ok) {
      SetCall accept = call;
      accept.refuse = false;
      ModelConfigSet(accept, &expect_next);
    }
    CHECK(WithoutDir(hook_next) == WithoutDir(expect_next.Render()));
    if (!want.ok) CHECK(chdir(cwd.c_str()) == 0);
  }
  CHECK(after == state->Render());
}

// CONFIG GET: each name once (case-insensitively); a plain name is answered as written.
void RunGet(const ConfigStore& store, const std::vector<std::string>& patterns,
            const State& state) {
  std::vector<std::string_view> views(patterns.begin(), patterns.end());
  Rendering got = store.Get(views);
  Rendering all = state.Render();
  Rendering want;
  auto listed = [&want](std::string_view n) {
    return std::any_of(want.begin(), want.end(), [n](const auto& p) { return IEquals(p.first, n); });
  };
  auto value = [&all](std::string_view n) {
    for (const auto& [name, v] : all) {
      if (IEquals(name, n)) return v;
    }
    Die("no such directive", __LINE__);
  };
  for (const std::string& p : patterns) {
    if (p.find_first_of("*?[") == std::string::npos) {
      if (FindModel(p) != nullptr && !listed(p)) want.emplace_back(p, value(p));
      continue;
    }
    for (const auto& [name, v] : all) {
      if (!listed(name) && cinnabar::core::GlobMatch(p, name, true)) want.emplace_back(name, v);
    }
  }
  CHECK(got == want);
}

// ---- What CONFIG GET prints can be set again ------------------------------------------------

// A config-file argument in double quotes that RedisSplit gives back unchanged.
std::string Repr(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    static constexpr std::string_view kFrom = "\\\"\n\r\t\a\b", kTo = "\\\"nrtab";
    size_t k = kFrom.find(static_cast<char>(c));
    if (k != std::string_view::npos) {
      out += '\\';
      out += kTo[k];
    } else if (c < 32 || c >= 127) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

void CheckRoundTrip(const ConfigStore& store) {
  std::shared_ptr<const ServerConfig> cfg = store.snapshot();
  Rendering all = Render(store);
  std::string cwd = Cwd();
  // Redis's CONFIG GET joins bind's addresses with spaces; CONFIG SET splits on them, and a
  // config line of one argument splits it again: only plain addresses survive that.
  bool plain_bind = !cfg->bind.empty();
  for (const std::string& a : cfg->bind) {
    plain_bind = plain_bind && !a.empty() &&
                 std::none_of(a.begin(), a.end(), [](char c) {
                   return CSpace(c) || c == '"' || c == '\'' || c == '\0';
                 });
  }
  std::string file;
  for (const auto& [name, value] : all) {
    const Model* m = FindModel(name);
    if (m->kind == Kind::kBind && !plain_bind) continue;
    if (m->kind == Kind::kDir && value.empty()) continue;  // getcwd failed
    if (!m->immutable) {
      // CONFIG SET name <CONFIG GET name>.
      ConfigStore copy(*cfg);
      const std::string_view pair[] = {name, value};
      Status st = copy.Set(pair, {}, /*allow_protected=*/true);
      CHECK(st.ok());
      CHECK(RenderConfig(*copy.snapshot()) == all);
      CHECK(chdir(cwd.c_str()) == 0);
    }
    // A config-file line, as CONFIG REWRITE would write it.
    file += name;
    if (m->kind == Kind::kBind) {
      for (const std::string& a : cfg->bind) file += " " + a;
    } else {
      file += " " + Repr(value);
    }
    file += "\n";
  }
  std::map<std::string, std::string> files = {{"rewritten.conf", file}};
  MemoryFiles reader(&files);
  server::CommandLine cl;
  cl.config_file = "rewritten.conf";
  ConfigStore copy(*cfg);
  Status st = server::LoadConfig(
      cl, &copy, [&reader](const std::string& p, std::string* t) { return reader.Read(p, t); });
  CHECK(st.ok());
  Rendering again = Render(copy);
  for (size_t i = 0; i < again.size(); ++i) {
    if (again[i].first == "bind" && !plain_bind) again[i] = all[i];  // left out above
  }
  CHECK(again == all);
  CHECK(chdir(cwd.c_str()) == 0);
  // CONFIG REWRITE's own text (from an empty file) loads back to the same values.
  const bool dir_known = std::none_of(all.begin(), all.end(), [](const auto& kv) {
    return kv.first == "dir" && kv.second.empty();
  });
  if (plain_bind && dir_known) {
    std::map<std::string, std::string> rewritten = {{"rw.conf", engine::RewriteConfig("", *cfg)}};
    MemoryFiles rw_reader(&rewritten);
    server::CommandLine rw_cl;
    rw_cl.config_file = "rw.conf";
    ConfigStore fresh{ServerConfig{}};
    Status rw = server::LoadConfig(
        rw_cl, &fresh, [&rw_reader](const std::string& p, std::string* t) { return rw_reader.Read(p, t); });
    CHECK(rw.ok());
    CHECK(Render(fresh) == all);
    CHECK(chdir(cwd.c_str()) == 0);
  }
}

// ---- The scratch directory -------------------------------------------------------------------

std::string g_scratch;
int g_scratch_fd = -1;

void RemoveScratch() {
  if (g_scratch.empty()) return;
  for (const char* sub : {"/a/b", "/a", "/c", "/f"}) {
    std::string p = g_scratch + sub;
    if (std::strcmp(sub, "/f") == 0) {
      unlink(p.c_str());
    } else {
      rmdir(p.c_str());
    }
  }
  rmdir(g_scratch.c_str());
}

void MakeScratch() {
  const char* tmp = std::getenv("TMPDIR");
  std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/config_fuzz.XXXXXX";
  std::vector<char> buf(templ.begin(), templ.end());
  buf.push_back('\0');
  if (mkdtemp(buf.data()) == nullptr) Die("mkdtemp", __LINE__);
  g_scratch = buf.data();
  CHECK(mkdir((g_scratch + "/a").c_str(), 0700) == 0);
  CHECK(mkdir((g_scratch + "/a/b").c_str(), 0700) == 0);
  CHECK(mkdir((g_scratch + "/c").c_str(), 0700) == 0);
  int fd = open((g_scratch + "/f").c_str(), O_CREAT | O_WRONLY, 0600);  // dir f: not a directory
  CHECK(fd >= 0);
  close(fd);
  g_scratch_fd = open(g_scratch.c_str(), O_RDONLY | O_DIRECTORY);
  CHECK(g_scratch_fd >= 0);
  std::atexit(RemoveScratch);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  CheckTables();
  MakeScratch();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Input in = ParseInput(std::string_view(reinterpret_cast<const char*>(data), size));
  int home = open(".", O_RDONLY | O_DIRECTORY);
  CHECK(home >= 0);
  CHECK(fchdir(g_scratch_fd) == 0);

  // Startup: the command line, then the files it names.
  cinnabar::base::StatusOr<server::CommandLine> cl = server::CommandLine{};
  if (in.has_argv) {
    std::vector<std::string> argv = {"cinnabar-server"};
    argv.insert(argv.end(), in.argv.begin(), in.argv.end());
    std::vector<char*> ptrs;
    for (std::string& a : argv) ptrs.push_back(a.data());
    ptrs.push_back(nullptr);
    cl = server::ParseCommandLine(static_cast<int>(argv.size()), ptrs.data());
    CheckCommandLine(in.argv, cl);
  } else {
    cl->config_file = "redis.conf";
  }
  in.files.insert_or_assign("redis.conf", in.config);

  ConfigStore store{ServerConfig{}};
  State state = State::From(*store.snapshot());
  if (cl.ok() && !cl->version && !cl->help) {
    MemoryFiles files(&in.files);
    Status st = server::LoadConfig(
        *cl, &store, [&files](const std::string& p, std::string* t) { return files.Read(p, t); });
    Rendering loaded = Render(store);
    CHECK(fchdir(g_scratch_fd) == 0);
    MemoryFiles model_files(&in.files);
    LoadOutcome want = ModelLoader(&model_files, &state).Load(*cl);
    CheckLoad(st, want);
    CHECK(loaded == state.Render());
  }

  // At run time: CONFIG SET and CONFIG GET, then what CONFIG GET prints is set again.
  for (const SetCall& call : in.sets) RunSet(store, call, &state);
  for (const std::vector<std::string>& patterns : in.gets) RunGet(store, patterns, state);
  CheckRoundTrip(store);

  CHECK(fchdir(home) == 0);
  close(home);
  return 0;
}

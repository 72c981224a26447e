// cinnabar-keyspace-load: the load generator of bench/compare's eviction rows. Two modes:
//
//   fill  --keys N [--value-size B] [--ping-ms MS]
//         SETs key:%010d (i = 0 .. N-1) to a B-byte value over one connection, pipelined as
//         `redis-cli --pipe` does (the commands are generated as they are sent, never held
//         whole). With --ping-ms, a second connection on its own thread sends PING every MS
//         milliseconds while the load runs and records each round trip: how long the server
//         left a client waiting while it took the load. Prints:
//           keys=… seconds=… sets_per_s=… errors=… [pings=… ping_max_ms=… ping_p99_ms=…
//           ping_p50_ms=…]
//
//   zipf  --keys N [--value-size B] --ops M [--warmup W] [--zipf-s S] [--batch K]
//         A cache-aside client: GETs keys whose popularity follows Zipf(S) over N ranks (the
//         rank-to-key mapping is a random permutation, so popularity is unrelated to the
//         order `fill` wrote the keys in); a GET that misses is followed by a SET of that key,
//         as an application would refill its cache. K GETs go out at once; the SETs of their
//         misses go out in front of the next K GETs. The first W GETs warm the cache up and
//         are not counted; the hit rate is over the M after them. Prints:
//           gets=… hits=… hit_rate=… ideal_hit_rate=… keys_kept=… seconds=… gets_per_s=…
//           set_errors=…
//         keys_kept is DBSIZE at the end; ideal_hit_rate is the share of the GETs the
//         keys_kept most popular keys would have answered: the hit rate of a perfect policy
//         that held as many keys.
//
// Blocking sockets; the exit status is 1 if any reply was not what the command should answer
// (a GET's bulk string or nil, SET's +OK: an -OOM counts as an error).

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode;
  std::string host = "127.0.0.1";
  int port = 6379;
  long keys = 0;
  int value_size = 16;
  double ping_ms = 0;  // fill: 0 = no pinger
  long ops = 0;        // zipf: counted GETs
  long warmup = 0;     // zipf: GETs before counting
  double zipf_s = 1.0;
  int batch = 64;
  unsigned seed = 1;
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "cinnabar-keyspace-load: %s: %s\n", what, std::strerror(errno));
  std::exit(2);
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: cinnabar-keyspace-load fill [-h HOST] [-p PORT] --keys N\n"
               "                              [--value-size B] [--ping-ms MS]\n"
               "       cinnabar-keyspace-load zipf [-h HOST] [-p PORT] --keys N --ops M\n"
               "                              [--warmup W] [--value-size B] [--zipf-s S]\n"
               "                              [--batch K] [--seed N]\n");
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  if (argc < 2) Usage();
  o.mode = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) Usage();
    const char* v = argv[++i];
    if (a == "-h") o.host = v;
    else if (a == "-p") o.port = std::atoi(v);
    else if (a == "--keys") o.keys = std::atol(v);
    else if (a == "--value-size") o.value_size = std::atoi(v);
    else if (a == "--ping-ms") o.ping_ms = std::atof(v);
    else if (a == "--ops") o.ops = std::atol(v);
    else if (a == "--warmup") o.warmup = std::atol(v);
    else if (a == "--zipf-s") o.zipf_s = std::atof(v);
    else if (a == "--batch") o.batch = std::atoi(v);
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::atol(v));
    else Usage();
  }
  if (o.mode != "fill" && o.mode != "zipf") Usage();
  if (o.keys < 1 || o.value_size < 1 || o.batch < 1 || o.ping_ms < 0) Usage();
  if (o.mode == "zipf" && o.ops < 1) Usage();
  return o;
}

// One reply, as far as these commands need it: its type byte, its first line without the
// type byte, and (bulk strings) whether it was nil.
struct Reply {
  char type = 0;
  std::string line;
  bool nil = false;
};

// A blocking connection with a read buffer.
class Conn {
 public:
  Conn(const std::string& host, int port) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    if (inet_pton(AF_INET, host.c_str(), &addr.sin_addr) != 1) Usage();
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) Die("socket");
    if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~Conn() { close(fd_); }
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;

  void Write(std::string_view data) {
    while (!data.empty()) {
      ssize_t w = write(fd_, data.data(), data.size());
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) Die("write");
      data.remove_prefix(static_cast<size_t>(w));
    }
  }

  // Reads one reply (arrays are not expected: the commands sent here answer none).
  Reply Read() {
    Reply r;
    std::string_view head = Line();
    r.type = head[0];
    r.line.assign(head.substr(1));
    if (r.type == '$') {
      long n = std::strtol(r.line.c_str(), nullptr, 10);
      if (n < 0) {
        r.nil = true;
      } else {
        Need(static_cast<size_t>(n) + 2);
        pos_ += static_cast<size_t>(n) + 2;
      }
    }
    return r;
  }

 private:
  // The next line without its CRLF; valid until the next read.
  std::string_view Line() {
    for (;;) {
      const char* start = buf_.data() + pos_;
      const void* nl = std::memchr(start, '\n', buf_.size() - pos_);
      if (nl != nullptr) {
        size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
        pos_ += len + 1;
        if (len == 0 || start[len - 1] != '\r') {
          std::fprintf(stderr, "cinnabar-keyspace-load: malformed reply line\n");
          std::exit(2);
        }
        return std::string_view(start, len - 1);
      }
      Fill();
    }
  }

  void Need(size_t n) {
    while (buf_.size() - pos_ < n) Fill();
  }

  // Reads more bytes, first dropping what was consumed.
  void Fill() {
    buf_.erase(0, pos_);
    pos_ = 0;
    char chunk[1 << 16];
    for (;;) {
      ssize_t r = read(fd_, chunk, sizeof chunk);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) Die("read");
      if (r == 0) {
        std::fprintf(stderr, "cinnabar-keyspace-load: the server closed the connection\n");
        std::exit(2);
      }
      buf_.append(chunk, static_cast<size_t>(r));
      return;
    }
  }

  int fd_ = -1;
  std::string buf_;
  size_t pos_ = 0;
};

// Appends `SET key:%010d <value>` for key number i; the value is `v` and i's digits, padded
// with zeros to `value_size` bytes (not a number: Redis would store it as an integer).
void AppendSet(std::string& out, long i, int value_size) {
  char key[32];
  int key_len = std::snprintf(key, sizeof key, "key:%010ld", i);
  char head[64];
  int head_len = std::snprintf(head, sizeof head, "*3\r\n$3\r\nSET\r\n$%d\r\n", key_len);
  out.append(head, static_cast<size_t>(head_len)).append(key, static_cast<size_t>(key_len));
  head_len = std::snprintf(head, sizeof head, "\r\n$%d\r\nv", value_size);
  out.append(head, static_cast<size_t>(head_len));
  char digits[24];
  int n = std::snprintf(digits, sizeof digits, "%ld", i);
  int pad = value_size - 1 - n;
  if (pad >= 0) {
    out.append(static_cast<size_t>(pad), '0').append(digits, static_cast<size_t>(n));
  } else {
    out.append(digits + (n - (value_size - 1)), static_cast<size_t>(value_size - 1));
  }
  out.append("\r\n");
}

void AppendGet(std::string& out, long i) {
  char cmd[64];
  int len = std::snprintf(cmd, sizeof cmd, "*2\r\n$3\r\nGET\r\n$14\r\nkey:%010ld\r\n", i);
  out.append(cmd, static_cast<size_t>(len));
}

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// The pinger of `fill --ping-ms`: one PING every `interval` until `stop`, each round trip
// recorded. A PING late for its slot goes out at once; missed slots are not made up.
class Pinger {
 public:
  Pinger(const Options& o, double interval_ms)
      : conn_(o.host, o.port),
        interval_(std::chrono::duration_cast<Clock::duration>(
            std::chrono::duration<double, std::milli>(interval_ms))) {}

  void Start() { thread_ = std::thread([this] { Run(); }); }
  void Stop() {
    stop_.store(true);
    thread_.join();
  }
  // Round trips in milliseconds, ascending (after Stop).
  std::vector<double>& rtts() { return rtts_; }

 private:
  void Run() {
    // The loader thread shares this CPU: a real-time priority (where the kernel allows it)
    // keeps the pinger's wake-ups from waiting behind it, so the round trips are the server's.
    sched_param p{};
    p.sched_priority = 1;
    pthread_setschedparam(pthread_self(), SCHED_FIFO, &p);
    Clock::time_point next = Clock::now();
    while (!stop_.load(std::memory_order_relaxed)) {
      std::this_thread::sleep_until(next);
      Clock::time_point t0 = Clock::now();
      conn_.Write("*1\r\n$4\r\nPING\r\n");
      Reply r = conn_.Read();
      Clock::time_point t1 = Clock::now();
      if (r.type != '+' || r.line != "PONG") {
        std::fprintf(stderr, "cinnabar-keyspace-load: PING answered %c%s\n", r.type,
                     r.line.c_str());
        std::exit(2);
      }
      rtts_.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
      next = std::max(next + interval_, t1);
    }
    std::sort(rtts_.begin(), rtts_.end());
  }

  Conn conn_;
  Clock::duration interval_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::vector<double> rtts_;
};

double Percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

// fill: keys in order, `kWindow` commands in flight at most (the server always has a full
// pipeline to read; its replies never pile up in either side's buffers).
int Fill(const Options& o) {
  constexpr long kBatch = 1000;
  constexpr long kWindow = 20000;
  Conn conn(o.host, o.port);
  std::optional<Pinger> pinger;
  if (o.ping_ms > 0) pinger.emplace(o, o.ping_ms).Start();
  long sent = 0, answered = 0, errors = 0;
  std::string first_error;
  std::string out;
  Clock::time_point t0 = Clock::now();
  auto read_one = [&] {
    Reply r = conn.Read();
    if ((r.type != '+' || r.line != "OK") && ++errors == 1) first_error = r.type + r.line;
    ++answered;
  };
  while (sent < o.keys) {
    out.clear();
    long n = std::min(kBatch, o.keys - sent);
    for (long i = 0; i < n; ++i) AppendSet(out, sent + i, o.value_size);
    conn.Write(out);
    sent += n;
    while (sent - answered > kWindow) read_one();
  }
  while (answered < sent) read_one();
  double secs = Seconds(Clock::now() - t0);
  std::printf("keys=%ld seconds=%.3f sets_per_s=%.0f errors=%ld", answered, secs,
              static_cast<double>(answered) / secs, errors);
  if (pinger) {
    pinger->Stop();
    std::vector<double>& rtts = pinger->rtts();
    std::printf(" pings=%zu ping_max_ms=%.3f ping_p99_ms=%.3f ping_p50_ms=%.3f", rtts.size(),
                rtts.empty() ? 0.0 : rtts.back(), Percentile(rtts, 0.99),
                Percentile(rtts, 0.5));
  }
  std::printf("\n");
  if (errors > 0) {
    std::fprintf(stderr, "cinnabar-keyspace-load: %ld SETs not answered +OK; the first: %s\n",
                 errors, first_error.c_str());
    return 1;
  }
  return 0;
}

// Zipf(s) over ranks 0 .. n-1 (rank r has weight 1/(r+1)^s), sampled by inverting the CDF.
class Zipf {
 public:
  Zipf(long n, double s) : cdf_(static_cast<size_t>(n)) {
    double sum = 0;
    for (long r = 0; r < n; ++r) {
      sum += 1.0 / std::pow(static_cast<double>(r + 1), s);
      cdf_[static_cast<size_t>(r)] = sum;
    }
    for (double& c : cdf_) c /= sum;
  }
  long Sample(std::mt19937_64& rng) {
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    auto it = std::lower_bound(cdf_.begin(), cdf_.end(), u);
    return std::min<long>(it - cdf_.begin(), static_cast<long>(cdf_.size()) - 1);
  }
  // The probability that a sample is one of the `k` most popular ranks.
  double TopShare(long k) const {
    if (k <= 0) return 0;
    return cdf_[static_cast<size_t>(std::min<long>(k, static_cast<long>(cdf_.size())) - 1)];
  }

 private:
  std::vector<double> cdf_;
};

int ZipfRun(const Options& o) {
  std::mt19937_64 rng(o.seed);
  Zipf zipf(o.keys, o.zipf_s);
  std::vector<long> key_of_rank(static_cast<size_t>(o.keys));
  std::iota(key_of_rank.begin(), key_of_rank.end(), 0L);
  std::shuffle(key_of_rank.begin(), key_of_rank.end(), rng);

  Conn conn(o.host, o.port);
  long done = 0, hits = 0, counted = 0, set_errors = 0;
  std::string first_error;
  std::vector<long> batch, misses;
  std::string out;
  Clock::time_point t0{};
  const long total = o.warmup + o.ops;
  while (done < total || !misses.empty()) {
    if (done == o.warmup && counted == 0) t0 = Clock::now();
    out.clear();
    for (long k : misses) AppendSet(out, k, o.value_size);
    // A batch ends where the warm-up does, so counting starts on a batch of its own.
    long n = std::min<long>(o.batch, (done < o.warmup ? o.warmup : total) - done);
    batch.clear();
    for (long i = 0; i < n; ++i) {
      batch.push_back(key_of_rank[static_cast<size_t>(zipf.Sample(rng))]);
      AppendGet(out, batch.back());
    }
    conn.Write(out);
    for (size_t i = 0; i < misses.size(); ++i) {
      Reply r = conn.Read();
      if ((r.type != '+' || r.line != "OK") && ++set_errors == 1) first_error = r.type + r.line;
    }
    misses.clear();
    for (long k : batch) {
      Reply r = conn.Read();
      if (r.type != '$') {
        std::fprintf(stderr, "cinnabar-keyspace-load: GET answered %c%s\n", r.type,
                     r.line.c_str());
        return 1;
      }
      bool counts = done >= o.warmup;
      if (r.nil) {
        misses.push_back(k);
      } else if (counts) {
        ++hits;
      }
      counted += counts ? 1 : 0;
      ++done;
    }
  }
  double secs = Seconds(Clock::now() - t0);
  conn.Write("*1\r\n$6\r\nDBSIZE\r\n");
  Reply dbsize = conn.Read();
  long kept = std::strtol(dbsize.line.c_str(), nullptr, 10);
  std::printf("gets=%ld hits=%ld hit_rate=%.4f ideal_hit_rate=%.4f keys_kept=%ld seconds=%.3f "
              "gets_per_s=%.0f set_errors=%ld\n",
              counted, hits, static_cast<double>(hits) / static_cast<double>(counted),
              zipf.TopShare(kept), kept, secs, static_cast<double>(counted) / secs, set_errors);
  if (set_errors > 0) {
    std::fprintf(stderr, "cinnabar-keyspace-load: %ld SETs not answered +OK; the first: %s\n",
                 set_errors, first_error.c_str());
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt = Parse(argc, argv);
  return opt.mode == "fill" ? Fill(opt) : ZipfRun(opt);
}

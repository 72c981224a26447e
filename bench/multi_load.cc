// cinnabar-multi-load: a load generator for MULTI/EXEC, which redis-benchmark cannot send
// (it repeats one command per request). Each of --clients connections sends --pipeline
// blocks of
//
//   MULTI; SET tx:k:<r> xxx; INCR tx:c:<r>; GET tx:k:<r>; EXEC
//
// (r random in [0, --keyspace), 12 digits as redis-benchmark's __rand_int__) in one write,
// then waits for all their replies before sending the next ones, as redis-benchmark -P does.
// Every reply is checked (+OK, 3 × +QUEUED, then EXEC's array of +OK, :n, $3); any other
// reply counts as an error and makes the exit status 1.
//
// One thread, epoll, non-blocking sockets. Prints one line of key=value pairs:
//   transactions=… seconds=… tx_per_s=… client_cpu_s=… errors=…
// seconds runs from the first write to the last reply (connections are opened before).

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int clients = 50;
  long transactions = 100000;
  int pipeline = 1;
  long keyspace = 1000000;
  unsigned seed = 1;
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "cinnabar-multi-load: %s: %s\n", what, std::strerror(errno));
  std::exit(2);
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: cinnabar-multi-load [-h HOST] [-p PORT] [-c CLIENTS] [-n TRANSACTIONS]\n"
               "                           [-P BLOCKS_PER_WRITE] [-r KEYSPACE] [--seed N]\n");
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (i + 1 >= argc) Usage();
    const char* v = argv[++i];
    if (a == "-h") o.host = v;
    else if (a == "-p") o.port = std::atoi(v);
    else if (a == "-c") o.clients = std::atoi(v);
    else if (a == "-n") o.transactions = std::atol(v);
    else if (a == "-P") o.pipeline = std::atoi(v);
    else if (a == "-r") o.keyspace = std::atol(v);
    else if (a == "--seed") o.seed = static_cast<unsigned>(std::atol(v));
    else Usage();
  }
  if (o.clients < 1 || o.transactions < 1 || o.pipeline < 1 || o.keyspace < 1) Usage();
  return o;
}

// What the n-th reply of a block must be (n = 0..4).
enum class Expect { kOk, kQueued, kExec };

// Parses one complete reply at data[pos]; returns its length, 0 if incomplete. `kind` gets
// the type byte; for arrays, `elems` the element type bytes (nested arrays not expected).
size_t ParseReply(const char* data, size_t len, size_t pos, char* kind, std::string* elems,
                  std::string_view* line, int depth = 0) {
  if (pos >= len) return 0;
  const void* nl = std::memchr(data + pos, '\n', len - pos);
  if (nl == nullptr) return 0;
  size_t eol = static_cast<const char*>(nl) - data;  // index of '\n'
  size_t head = eol + 1 - pos;
  *kind = data[pos];
  if (line != nullptr) *line = std::string_view(data + pos, eol - pos - 1);
  switch (data[pos]) {
    case '+': case '-': case ':':
      return head;
    case '$': {
      long n = std::strtol(data + pos + 1, nullptr, 10);
      if (n < 0) return head;
      size_t need = head + static_cast<size_t>(n) + 2;
      return pos + need <= len ? need : 0;
    }
    case '*': {
      long n = std::strtol(data + pos + 1, nullptr, 10);
      size_t total = head;
      for (long i = 0; i < n; ++i) {
        char k;
        size_t got = ParseReply(data, len, pos + total, &k, nullptr, nullptr, depth + 1);
        if (got == 0) return 0;
        if (elems != nullptr) elems->push_back(k);
        total += got;
      }
      return total;
    }
    default:
      std::fprintf(stderr, "cinnabar-multi-load: unexpected reply byte 0x%02x\n",
                   static_cast<unsigned char>(data[pos]));
      std::exit(2);
  }
}

struct Conn {
  int fd = -1;
  std::string out;   // bytes not yet written
  size_t out_pos = 0;
  std::string in;    // bytes received and not yet parsed
  int replies_due = 0;  // replies outstanding for the blocks in flight
  int reply_index = 0;  // position of the next reply within its block (0..4)
};

}  // namespace

int main(int argc, char** argv) {
  Options opt = Parse(argc, argv);
  std::mt19937_64 rng(opt.seed);
  std::uniform_int_distribution<long> pick(0, opt.keyspace - 1);

  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(opt.port));
  if (inet_pton(AF_INET, opt.host.c_str(), &addr.sin_addr) != 1) Usage();

  int ep = epoll_create1(0);
  if (ep < 0) Die("epoll_create1");
  std::vector<Conn> conns(opt.clients);
  for (int i = 0; i < opt.clients; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0) Die("socket");
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) Die("connect");
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    conns[i].fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) Die("epoll_ctl");
  }

  long to_send = opt.transactions;  // blocks not yet queued
  long done = 0;                    // blocks whose EXEC reply arrived
  long errors = 0;
  std::string first_error;
  char key[32];

  auto queue_blocks = [&](Conn& c) {
    int n = static_cast<int>(std::min<long>(opt.pipeline, to_send));
    to_send -= n;
    c.out.clear();
    c.out_pos = 0;
    for (int b = 0; b < n; ++b) {
      std::snprintf(key, sizeof key, "%012ld", pick(rng));
      c.out += "*1\r\n$5\r\nMULTI\r\n";
      c.out += "*3\r\n$3\r\nSET\r\n$17\r\ntx:k:";
      c.out += key;
      c.out += "\r\n$3\r\nxxx\r\n";
      c.out += "*2\r\n$4\r\nINCR\r\n$17\r\ntx:c:";
      c.out += key;
      c.out += "\r\n";
      c.out += "*2\r\n$3\r\nGET\r\n$17\r\ntx:k:";
      c.out += key;
      c.out += "\r\n";
      c.out += "*1\r\n$4\r\nEXEC\r\n";
    }
    c.replies_due = 5 * n;
  };

  // Writes what it can; arms EPOLLOUT while something is left.
  auto flush = [&](Conn& c, int idx) {
    while (c.out_pos < c.out.size()) {
      ssize_t w = write(c.fd, c.out.data() + c.out_pos, c.out.size() - c.out_pos);
      if (w > 0) {
        c.out_pos += static_cast<size_t>(w);
        continue;
      }
      if (w < 0 && errno == EINTR) continue;
      if (w < 0 && errno == EAGAIN) break;
      Die("write");
    }
    epoll_event ev{};
    ev.events = EPOLLIN | (c.out_pos < c.out.size() ? EPOLLOUT : 0u);
    ev.data.u32 = static_cast<uint32_t>(idx);
    epoll_ctl(ep, EPOLL_CTL_MOD, c.fd, &ev);
  };

  auto check = [&](Conn& c, char kind, const std::string& elems, std::string_view line) {
    Expect e = c.reply_index == 0 ? Expect::kOk
               : c.reply_index < 4 ? Expect::kQueued : Expect::kExec;
    bool ok = false;
    if (e == Expect::kOk) ok = line == "+OK";
    else if (e == Expect::kQueued) ok = line == "+QUEUED";
    else ok = kind == '*' && elems == "+:$";
    if (!ok && ++errors == 1) {
      first_error = std::string(line);
      if (kind == '*') first_error += " with element types " + elems;
    }
    if (++c.reply_index == 5) {
      c.reply_index = 0;
      ++done;
    }
  };

  rusage ru0{};
  getrusage(RUSAGE_SELF, &ru0);
  auto t0 = std::chrono::steady_clock::now();
  int active = 0;
  for (int i = 0; i < opt.clients && to_send > 0; ++i) {
    queue_blocks(conns[i]);
    flush(conns[i], i);
    ++active;
  }

  std::vector<epoll_event> events(opt.clients);
  char buf[1 << 16];
  while (active > 0) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 10000);
    if (n < 0) {
      if (errno == EINTR) continue;
      Die("epoll_wait");
    }
    if (n == 0) {
      std::fprintf(stderr, "cinnabar-multi-load: no reply for 10 s (%ld of %ld done)\n", done,
                   opt.transactions);
      return 2;
    }
    for (int k = 0; k < n; ++k) {
      int idx = static_cast<int>(events[k].data.u32);
      Conn& c = conns[idx];
      if (events[k].events & EPOLLOUT) flush(c, idx);
      if (!(events[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) continue;
      for (;;) {
        ssize_t r = read(c.fd, buf, sizeof buf);
        if (r > 0) {
          c.in.append(buf, static_cast<size_t>(r));
          if (static_cast<size_t>(r) < sizeof buf) break;
          continue;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0 && errno == EAGAIN) break;
        if (r == 0) {
          std::fprintf(stderr, "cinnabar-multi-load: server closed a connection\n");
          return 2;
        }
        Die("read");
      }
      size_t pos = 0;
      for (;;) {
        char kind;
        std::string elems;
        std::string_view line;
        size_t got = ParseReply(c.in.data(), c.in.size(), pos, &kind, &elems, &line);
        if (got == 0) break;
        check(c, kind, elems, line);
        pos += got;
        --c.replies_due;
      }
      c.in.erase(0, pos);
      if (c.replies_due == 0) {
        if (to_send > 0) {
          queue_blocks(c);
          flush(c, idx);
        } else {
          --active;
        }
      }
    }
  }
  auto t1 = std::chrono::steady_clock::now();
  rusage ru1{};
  getrusage(RUSAGE_SELF, &ru1);
  auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  double cpu = secs(ru1.ru_utime) - secs(ru0.ru_utime) + secs(ru1.ru_stime) - secs(ru0.ru_stime);
  double elapsed = std::chrono::duration<double>(t1 - t0).count();
  std::printf("transactions=%ld seconds=%.6f tx_per_s=%.1f client_cpu_s=%.6f errors=%ld\n", done,
              elapsed, done / elapsed, cpu, errors);
  if (errors > 0) {
    std::fprintf(stderr, "cinnabar-multi-load: %ld unexpected replies; the first: %s\n", errors,
                 first_error.c_str());
    return 1;
  }
  for (Conn& c : conns) close(c.fd);
  return 0;
}

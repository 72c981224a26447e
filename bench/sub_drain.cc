// cinnabar-sub-drain: the subscribers of bench/compare's PUBLISH rows. Opens --clients
// connections, sends each `SUBSCRIBE <channel>` (or `PSUBSCRIBE <pattern>` with --pattern),
// waits for every confirmation, prints `ready` on a line of its own, then reads and discards
// what arrives as fast as it can, counting messages per connection. Every message is checked:
// a RESP2 `message <channel> <payload>` (or `pmessage <pattern> <channel> <payload>`) with
// the channel, pattern and payload given; anything else makes the exit status 1.
//
// It stops once every connection has received --messages messages (0: never; then only
// --idle stops it), or when nothing arrived for --idle seconds, and prints one line of
// key=value pairs:
//   subscribers=… expected=… min=… max=… total=… seconds=… client_cpu_s=… errors=…
// (min and max over the connections; seconds from the first message to the last). The exit
// status is 0 only if every connection received exactly --messages messages and all were
// as expected.
//
// One thread, epoll, non-blocking sockets, 256 KB reads.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Options {
  std::string host = "127.0.0.1";
  int port = 6379;
  int clients = 10;
  std::string channel = "bench:ch";
  std::string pattern;  // PSUBSCRIBE this (channel is then what the messages must name)
  std::string payload = "xxx";
  long messages = 0;
  int idle_seconds = 10;
};

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "cinnabar-sub-drain: %s: %s\n", what, std::strerror(errno));
  std::exit(2);
}

[[noreturn]] void Usage() {
  std::fprintf(stderr,
               "usage: cinnabar-sub-drain [-h HOST] [-p PORT] [-c CLIENTS] [--channel NAME]\n"
               "                          [--pattern GLOB] [--payload BYTES] [-n MESSAGES]\n"
               "                          [--idle SECONDS]\n");
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
    else if (a == "--channel") o.channel = v;
    else if (a == "--pattern") o.pattern = v;
    else if (a == "--payload") o.payload = v;
    else if (a == "-n") o.messages = std::atol(v);
    else if (a == "--idle") o.idle_seconds = std::atoi(v);
    else Usage();
  }
  if (o.clients < 1 || o.messages < 0 || o.idle_seconds < 1) Usage();
  return o;
}

std::string Bulk(std::string_view s) {
  return "$" + std::to_string(s.size()) + "\r\n" + std::string(s) + "\r\n";
}

struct Conn {
  int fd = -1;
  std::string in;      // received, not yet parsed
  size_t pos = 0;      // parsed up to here
  bool confirmed = false;
  long received = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options opt = Parse(argc, argv);
  const bool psub = !opt.pattern.empty();

  // The exact bytes of the confirmation and of every message: the server has no reason to
  // send anything else, so matching whole frames is both the check and the parser.
  std::string command, confirm_head, frame;
  if (psub) {
    command = "*2\r\n" + Bulk("PSUBSCRIBE") + Bulk(opt.pattern);
    confirm_head = "*3\r\n" + Bulk("psubscribe") + Bulk(opt.pattern) + ":";
    frame = "*4\r\n" + Bulk("pmessage") + Bulk(opt.pattern) + Bulk(opt.channel) +
            Bulk(opt.payload);
  } else {
    command = "*2\r\n" + Bulk("SUBSCRIBE") + Bulk(opt.channel);
    confirm_head = "*3\r\n" + Bulk("subscribe") + Bulk(opt.channel) + ":";
    frame = "*3\r\n" + Bulk("message") + Bulk(opt.channel) + Bulk(opt.payload);
  }

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
    // Blocking write of a few bytes into an empty socket: it cannot block.
    if (write(fd, command.data(), command.size()) != static_cast<ssize_t>(command.size()))
      Die("write");
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    conns[i].fd = fd;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<uint32_t>(i);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) Die("epoll_ctl");
  }

  long errors = 0;
  std::string first_error;
  auto fail = [&](const Conn& c, const char* why) {
    if (++errors == 1) {
      size_t n = std::min<size_t>(c.in.size() - c.pos, 80);
      first_error = std::string(why) + ": \"";
      for (char ch : std::string_view(c.in.data() + c.pos, n)) {
        char esc[8];
        std::snprintf(esc, sizeof esc, "\\x%02x", static_cast<unsigned char>(ch));
        first_error += (ch >= 32 && ch < 127) ? std::string(1, ch) : std::string(esc);
      }
      first_error += "\"";
    }
  };

  // Parses what `c` holds; returns false on a frame that is not what it must be.
  auto parse = [&](Conn& c) {
    for (;;) {
      std::string_view rest(c.in.data() + c.pos, c.in.size() - c.pos);
      if (!c.confirmed) {
        size_t n = std::min(rest.size(), confirm_head.size());
        if (rest.substr(0, n) != std::string_view(confirm_head).substr(0, n)) {
          fail(c, "unexpected confirmation");
          return false;
        }
        size_t eol = rest.find("\r\n", confirm_head.size());
        if (n < confirm_head.size() || eol == std::string_view::npos) return true;
        c.pos += eol + 2;
        c.confirmed = true;
        continue;
      }
      if (rest.size() < frame.size()) {
        if (rest != std::string_view(frame).substr(0, rest.size())) {
          fail(c, "unexpected message");
          return false;
        }
        return true;
      }
      if (std::memcmp(rest.data(), frame.data(), frame.size()) != 0) {
        fail(c, "unexpected message");
        return false;
      }
      c.pos += frame.size();
      ++c.received;
    }
  };

  // Level-triggered epoll: a few reads per wakeup, so that one busy connection does not
  // keep the others waiting.
  auto read_conn = [&](Conn& c, char* buf, size_t cap) {
    for (int reads = 0; reads < 4; ++reads) {
      ssize_t r = read(c.fd, buf, cap);
      if (r > 0) {
        if (c.pos > 0 && c.pos == c.in.size()) {
          c.in.clear();
          c.pos = 0;
        } else if (c.pos > (1 << 16)) {
          c.in.erase(0, c.pos);
          c.pos = 0;
        }
        c.in.append(buf, static_cast<size_t>(r));
        if (!parse(c)) return false;
        if (static_cast<size_t>(r) < cap) return true;
        continue;
      }
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 && errno == EAGAIN) return true;
      if (r == 0) {
        if (++errors == 1) first_error = "the server closed a connection";
        return false;
      }
      Die("read");
    }
    return true;
  };

  std::vector<epoll_event> events(opt.clients);
  std::vector<char> buf(1 << 18);
  const int idle_ms = opt.idle_seconds * 1000;

  // Every confirmation first.
  int confirmed = 0;
  while (confirmed < opt.clients && errors == 0) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), idle_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      Die("epoll_wait");
    }
    if (n == 0) {
      std::fprintf(stderr, "cinnabar-sub-drain: %d of %d subscriptions confirmed after %d s\n",
                   confirmed, opt.clients, opt.idle_seconds);
      return 2;
    }
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[events[k].data.u32];
      bool was = c.confirmed;
      read_conn(c, buf.data(), buf.size());
      if (!was && c.confirmed) ++confirmed;
    }
  }
  if (errors > 0) {
    std::fprintf(stderr, "cinnabar-sub-drain: %s\n", first_error.c_str());
    return 1;
  }
  std::printf("ready\n");
  std::fflush(stdout);

  rusage ru0{};
  getrusage(RUSAGE_SELF, &ru0);
  using Clock = std::chrono::steady_clock;
  Clock::time_point first{}, last{};
  bool any = false;
  int done = 0;  // connections at --messages
  for (const Conn& c : conns)
    if (opt.messages > 0 && c.received >= opt.messages) ++done;
  while ((opt.messages == 0 || done < opt.clients) && errors == 0) {
    int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), idle_ms);
    if (n < 0) {
      if (errno == EINTR) continue;
      Die("epoll_wait");
    }
    if (n == 0) break;  // idle
    for (int k = 0; k < n; ++k) {
      Conn& c = conns[events[k].data.u32];
      long before = c.received;
      read_conn(c, buf.data(), buf.size());
      if (c.received != before) {
        last = Clock::now();
        if (!any) {
          first = last;
          any = true;
        }
        if (opt.messages > 0 && before < opt.messages && c.received >= opt.messages) ++done;
      }
    }
  }
  // All there: a moment longer, so that a server sending more than it was asked to shows.
  if (opt.messages > 0 && done == opt.clients && errors == 0) {
    for (;;) {
      int n = epoll_wait(ep, events.data(), static_cast<int>(events.size()), 100);
      if (n <= 0 && !(n < 0 && errno == EINTR)) break;
      for (int k = 0; k < n; ++k) read_conn(conns[events[k].data.u32], buf.data(), buf.size());
      if (errors > 0) break;
    }
  }
  rusage ru1{};
  getrusage(RUSAGE_SELF, &ru1);
  auto secs = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  double cpu = secs(ru1.ru_utime) - secs(ru0.ru_utime) + secs(ru1.ru_stime) - secs(ru0.ru_stime);
  long lo = conns[0].received, hi = lo, total = 0;
  for (const Conn& c : conns) {
    lo = std::min(lo, c.received);
    hi = std::max(hi, c.received);
    total += c.received;
  }
  double elapsed = any ? std::chrono::duration<double>(last - first).count() : 0.0;
  std::printf("subscribers=%d expected=%ld min=%ld max=%ld total=%ld seconds=%.6f "
              "client_cpu_s=%.6f errors=%ld\n",
              opt.clients, opt.messages, lo, hi, total, elapsed, cpu, errors);
  std::fflush(stdout);
  if (errors > 0) {
    std::fprintf(stderr, "cinnabar-sub-drain: %s\n", first_error.c_str());
    return 1;
  }
  for (Conn& c : conns) close(c.fd);
  return opt.messages > 0 && lo == opt.messages && hi == opt.messages ? 0 : 1;
}

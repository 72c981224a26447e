"""client-output-buffer-limit: the limits per class (normal, pubsub), hard and soft with
seconds, as Redis 7.0 enforces them, and the directive's CONFIG GET / CONFIG SET / redis.conf
forms. Every expectation was checked against Redis 7.0.15.

How Redis 7.0 enforces the limits (networking.c, server.c):
- whenever output is appended to a client's reply list, its unsent output is checked; past
  the hard limit, or past the soft limit for longer than the soft seconds, the client is
  flagged to close asynchronously and "Client <CLIENT LIST line> scheduled to be closed ASAP
  for overcoming of output buffer limits." is logged; the rest of its pending input is not
  run;
- clientsCron checks every client again about every 100 ms (hz 10), so a client that stays
  past its soft limit with nothing new appended (or whose limit CONFIG SET lowered) is
  closed at once by the timer: "Client <...> closed for overcoming of output buffer limits.";
- the soft limit's clock starts at the first check that sees the client past it (whole
  seconds, server.unixtime) and is reset by a check that sees it under it; the client goes
  once `now - start > seconds`, so never earlier than `seconds` after it went past.
Tests therefore assert on the substring both log lines share, and leave generous margins
around the timer.

The kernel absorbs part of what a non-reading client is sent: the slow clients here shrink
their receive buffer before connecting, but the server's send buffer still autotunes up to
net.ipv4.tcp_wmem's maximum (4 MB by default; about 2.8 MB measured), so the loads are sized
from that (`kernel_slack`) and RSS bounds are far below what an unlimited server would hold.

Each test runs on a server of its own (start_server) so the limits set do not leak.
"""
import os
import random
import socket
import threading
import time

import pytest

from conftest import encode

pytestmark = pytest.mark.timeout(60)

LOG_TEXT = "for overcoming of output buffer limits"
DEFAULT_LIMITS = "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
CONFIG_SET_ERR = (b"-ERR CONFIG SET failed (possibly related to argument "
                  b"'client-output-buffer-limit') - %s\r\n")
ERR_ARITY = b"Wrong number of arguments in buffer limit configuration."
ERR_CLASS = b"Invalid client class specified in buffer limit configuration."
ERR_VALUE = b"Error in hard, soft or soft_seconds setting in buffer limit configuration."
MB = 1024 * 1024


# --- helpers ---

def kernel_slack():
    """An upper bound on what the kernel can hold for a peer that never reads: the sender's
    autotuned send buffer (tcp_wmem max, or wmem_max doubled for an explicit SO_SNDBUF) plus
    the slow client's small receive buffer."""
    try:
        with open("/proc/sys/net/ipv4/tcp_wmem") as f:
            wmem = int(f.read().split()[2])
        with open("/proc/sys/net/core/wmem_max") as f:
            wmem = max(wmem, 2 * int(f.read()))
    except (OSError, ValueError, IndexError):
        wmem = 8 * MB
    return wmem + 256 * 1024


def rss_bytes(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def wait_until(pred, timeout, step=0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(step)
    return pred()


def recv_exactly(sock, n, timeout=10):
    sock.settimeout(timeout)
    buf = bytearray()
    while len(buf) < n:
        chunk = sock.recv(min(1 << 20, n - len(buf)))
        if not chunk:
            break
        buf += chunk
    return bytes(buf)


def read_until_closed(sock, timeout=15):
    """Everything the socket still delivers until the peer closes; (data, closed)."""
    sock.settimeout(timeout)
    buf = bytearray()
    while True:
        try:
            chunk = sock.recv(1 << 20)
        except socket.timeout:
            return bytes(buf), False
        except ConnectionResetError:
            return bytes(buf), True
        if not chunk:
            return bytes(buf), True
        buf += chunk


def connect(srv, name, slow=False):
    """A raw client named `name`; a slow one has a small receive buffer, set before connecting
    so the window stays small, and the kernel holds little for it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if slow:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect((srv.host, srv.port))
    s.sendall(encode("CLIENT", "SETNAME", name))
    assert recv_exactly(s, 5) == b"+OK\r\n"
    return s


def bulk(x):
    return b"$%d\r\n%s\r\n" % (len(x), x)


def subscribe(sock, channel):
    channel = channel.encode()
    sock.sendall(encode("SUBSCRIBE", channel))
    want = b"*3\r\n" + bulk(b"subscribe") + bulk(channel) + b":1\r\n"
    assert recv_exactly(sock, len(want)) == want


def message(channel, payload):
    return b"*3\r\n" + bulk(b"message") + bulk(channel.encode()) + bulk(payload)


def payloads(count, size, seed):
    """`count` distinct payloads of `size` bytes: a numbered header, then random bytes
    rotated by the index (so a message shifted, cut or swapped fails the comparison)."""
    base = random.Random(seed).randbytes(size)
    out = []
    for i in range(count):
        k = (i * 7919) % size
        out.append((b"msg %08d|" % i + base[k:] + base[:k])[:size])
    return out


def client_names(c):
    return {cl.get("name") for cl in c.client_list()}


def client_field(c, name, field):
    for cl in c.client_list():
        if cl.get("name") == name:
            return cl[field]
    return None


def numsub(c, channel):
    return dict(c.pubsub_numsub(channel)).get(channel, 0)


def limit_lines(srv):
    return [line for line in srv.read_log().splitlines() if LOG_TEXT in line]


def assert_logged(srv, name, sock):
    """The server logged closing client `name`, identified as CLIENT LIST does."""
    port = sock.getsockname()[1]
    assert wait_until(lambda: any(f"name={name} " in l for l in limit_lines(srv)), 5), \
        srv.read_log()[-3000:]
    line = next(l for l in limit_lines(srv) if f"name={name} " in l)
    assert f"addr=127.0.0.1:{port} " in line, line


def assert_prefix(got, whole):
    assert len(got) < len(whole)
    assert got == whole[:len(got)], "the stream a closed client got is not a clean prefix"


class Reader(threading.Thread):
    """Reads `want` bytes from a socket as fast as it can (a fast subscriber). `received`
    counts what has arrived so far, so a publisher can stay within a window of it."""

    def __init__(self, sock, want):
        super().__init__(daemon=True)
        self.sock, self.want, self.data, self.error = sock, want, b"", None
        self.received = 0
        self.progress = threading.Condition()

    def run(self):
        buf = bytearray()
        try:
            self.sock.settimeout(20)
            while len(buf) < self.want:
                chunk = self.sock.recv(min(1 << 20, self.want - len(buf)))
                if not chunk:
                    break
                buf += chunk
                with self.progress:
                    self.received = len(buf)
                    self.progress.notify_all()
        except OSError as e:
            self.error = e
        self.data = bytes(buf)
        with self.progress:
            self.received = self.want  # done (or failed): nobody waits any longer
            self.progress.notify_all()

    def wait_for(self, nbytes, timeout=20):
        """Waits until `nbytes` have arrived. A fast subscriber on a busy machine (the test
        process shares its CPUs with the server) must not fall behind its limit only
        because its thread was not scheduled."""
        with self.progress:
            self.progress.wait_for(lambda: self.received >= nbytes, timeout)


class RssSampler:
    def __init__(self, pid):
        self.pid = pid
        self.start = self.peak = rss_bytes(pid)

    def sample(self):
        self.peak = max(self.peak, rss_bytes(self.pid))

    @property
    def growth(self):
        return self.peak - self.start

    def assert_below(self, limit):
        # Under AddressSanitizer (make test-asan sets ASAN_OPTIONS) freed memory sits in its
        # quarantine, up to 256 MB: RSS says nothing about what the server keeps.
        if "ASAN_OPTIONS" in os.environ:
            return
        assert self.growth < limit, f"RSS grew by {self.growth / MB:.1f} MB"


# --- pubsub: hard limit ---

def test_slow_subscriber_is_closed_at_its_limit_and_fast_one_gets_everything(start_server):
    srv = start_server("--client-output-buffer-limit", "pubsub", "1mb", "512kb", "2")
    c = srv.client()
    ch = "news"
    slow = connect(srv, "slow", slow=True)
    fast = connect(srv, "fast")
    try:
        subscribe(slow, ch)
        subscribe(fast, ch)
        assert numsub(c, ch) == 2

        # 30 MB published: an unlimited server would keep about 26 MB for the slow one.
        msgs = payloads(300, 100_000, seed=1)
        stream = b"".join(message(ch, m) for m in msgs)
        reader = Reader(fast, len(stream))
        reader.start()
        pub = srv.client(decode_responses=False)
        rss = RssSampler(srv.proc.pid)
        counts = []
        each = len(message(ch, msgs[0]))
        for i, m in enumerate(msgs):
            reader.wait_for((i - 4) * each)  # the fast one stays within ~500 KB
            counts.append(pub.publish(ch, m))
            if i % 4 == 0:
                rss.sample()
        reader.join(30)
        rss.sample()
        assert not reader.is_alive() and reader.error is None
        assert reader.data == stream  # every message, in order, intact

        # The receiver count drops from 2 to 1 once, well before the end.
        assert 1 in counts, "the slow subscriber was never disconnected"
        drop = counts.index(1)
        assert counts[0] == 2 and set(counts[:drop]) == {2} and set(counts[drop:]) == {1}
        # Not before its output passed the hard limit (1 MB: 10+ messages), nor long after
        # (what the kernel holds, then 1 MB).
        assert 10 <= drop and drop * 100_000 < kernel_slack() + 2 * MB, counts
        # The slow one is gone, the fast one still there and subscribed.
        names = client_names(c)
        assert "slow" not in names and "fast" in names
        assert numsub(c, ch) == 1
        assert_logged(srv, "slow", slow)

        # The slow one gets what the kernel already held, a clean prefix, then EOF.
        got, closed = read_until_closed(slow)
        assert closed
        assert_prefix(got, stream)
        rss.assert_below(16 * MB)
        assert srv.client().ping()
    finally:
        slow.close()
        fast.close()


def test_limit_from_config_file(start_server):
    srv = start_server(config_text="client-output-buffer-limit pubsub 1mb 512kb 2\n")
    c = srv.client()
    assert c.config_get("client-output-buffer-limit") == {
        "client-output-buffer-limit":
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 2"}
    slow = connect(srv, "slow", slow=True)
    try:
        subscribe(slow, "ch")
        size = 100_000
        n = (kernel_slack() + 2 * MB) // size
        counts = [c.publish("ch", "x" * size) for _ in range(n)]
        assert counts[0] == 1 and counts[-1] == 0
        assert "slow" not in client_names(c)
        assert_logged(srv, "slow", slow)
    finally:
        slow.close()


# --- pubsub: soft limit and the timer ---

def test_soft_limit_needs_the_seconds(start_server):
    """Past the soft limit (256 KB) and under the hard one (64 MB): a subscriber that catches
    up well within the seconds (2) stays; one that stays past it longer is closed, with no new
    message needed (the timer)."""
    srv = start_server()
    c = srv.client()
    assert c.config_set("client-output-buffer-limit", "pubsub 64mb 256kb 2")
    brief = connect(srv, "brief", slow=True)
    lagging = connect(srv, "lagging", slow=True)
    try:
        subscribe(brief, "ch1")
        subscribe(lagging, "ch2")
        size = 100_000
        n = (kernel_slack() + MB) // size  # at least 1 MB unsent past what the kernel holds
        pub = srv.client(decode_responses=False)
        # The lagging one first, the brief one last: the brief one is then past its soft
        # limit only while the last messages go out and it reads them.
        lag_msgs = payloads(n, size, seed=2)
        for m in lag_msgs:
            assert pub.publish("ch2", m) == 1
        t_lagging = time.monotonic()  # lagging went past its soft limit before this
        brief_msgs = payloads(n, size, seed=3)
        for m in brief_msgs:
            assert pub.publish("ch1", m) == 1
        assert int(client_field(c, "brief", "omem")) > 256 * 1024
        assert int(client_field(c, "lagging", "omem")) > 256 * 1024

        brief_stream = b"".join(message("ch1", m) for m in brief_msgs)
        assert recv_exactly(brief, len(brief_stream)) == brief_stream
        brief.sendall(encode("PING"))
        pong = b"*2\r\n" + bulk(b"pong") + bulk(b"")
        assert recv_exactly(brief, len(pong)) == pong
        assert time.monotonic() - t_lagging < 1.5, "too slow to test the soft limit's seconds"

        # Well within its seconds the lagging one is still there...
        assert "lagging" in client_names(c)
        # ...and once past them the timer closes it without another message.
        assert wait_until(lambda: numsub(c, "ch2") == 0, 6)
        assert time.monotonic() - t_lagging >= 1.5
        assert "lagging" not in client_names(c)
        assert_logged(srv, "lagging", lagging)
        got, closed = read_until_closed(lagging)
        assert closed
        assert_prefix(got, b"".join(message("ch2", m) for m in lag_msgs))

        # The brief one, past its soft limit for less than the seconds, was never closed.
        assert "brief" in client_names(c)
        assert not any("name=brief " in l for l in limit_lines(srv))
        assert pub.publish("ch1", b"after") == 1
        after = message("ch1", b"after")
        assert recv_exactly(brief, len(after)) == after
    finally:
        brief.close()
        lagging.close()


def test_lowered_limit_closes_a_client_already_past_it(start_server):
    """CONFIG SET applies to a client already holding more: the timer closes it."""
    srv = start_server()
    c = srv.client()
    assert c.config_set("client-output-buffer-limit", "pubsub 0 0 0")
    slow = connect(srv, "slow", slow=True)
    try:
        subscribe(slow, "ch")
        size = 100_000
        for _ in range((kernel_slack() + 2 * MB) // size):
            assert c.publish("ch", "y" * size) == 1
        time.sleep(0.3)
        assert int(client_field(c, "slow", "omem")) > MB  # unlimited: kept
        assert not limit_lines(srv)
        assert c.config_set("client-output-buffer-limit", "pubsub 1mb 0 0")
        assert wait_until(lambda: "slow" not in client_names(c), 3)
        assert_logged(srv, "slow", slow)
    finally:
        slow.close()


# --- normal clients ---

def test_normal_client_pipelining_big_reads_is_closed(start_server):
    srv = start_server()
    c = srv.client()
    assert c.config_set("client-output-buffer-limit", "normal 1mb 0 0")
    value = random.Random(4).randbytes(512 * 1024)
    c.set("big", value)
    other = srv.client(decode_responses=False)
    rss = RssSampler(srv.proc.pid)
    piper = connect(srv, "piper", slow=True)
    try:
        # 100 GETs of 512 KB, never read: 51 MB an unlimited server would buffer.
        piper.sendall(encode("GET", "big") * 100)
        assert wait_until(lambda: (rss.sample(), "piper" not in client_names(c))[1], 10)
        rss.sample()
        assert_logged(srv, "piper", piper)
        # The other client keeps working.
        assert other.get("big") == value
        assert other.set("k", "v") and other.get("k") == b"v"
        got, closed = read_until_closed(piper)
        assert closed
        assert_prefix(got, bulk(value) * 100)
        rss.sample()
        rss.assert_below(24 * MB)
    finally:
        piper.close()


def test_normal_clients_are_unlimited_by_default(start_server):
    srv = start_server()
    c = srv.client()
    assert c.config_get("client-output-buffer-limit")["client-output-buffer-limit"] \
        .startswith("normal 0 0 0 ")
    value = random.Random(5).randbytes(512 * 1024)
    c.set("big", value)
    piper = connect(srv, "piper", slow=True)
    try:
        piper.sendall(encode("GET", "big") * 20)  # 10 MB of replies, unread for a second
        time.sleep(1.0)
        assert "piper" in client_names(c)
        want = bulk(value) * 20
        assert recv_exactly(piper, len(want), timeout=20) == want
        piper.sendall(encode("PING"))
        assert recv_exactly(piper, 7) == b"+PONG\r\n"
        assert not limit_lines(srv)
    finally:
        piper.close()


# --- CONFIG GET / SET ---

def config_set_raw(srv, value):
    s = socket.create_connection((srv.host, srv.port), timeout=5)
    try:
        s.sendall(encode("CONFIG", "SET", "client-output-buffer-limit", value))
        s.settimeout(5)
        buf = b""
        while not buf.endswith(b"\r\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            buf += chunk
        return buf
    finally:
        s.close()


def test_config_get_default(start_server):
    srv = start_server()
    c = srv.client()
    assert c.config_get("client-output-buffer-limit") == {"client-output-buffer-limit":
                                                          DEFAULT_LIMITS}


@pytest.mark.parametrize("value, shown", [
    # Several classes in one value; the classes not named keep their limits.
    ("normal 0 0 0 pubsub 32mb 8mb 60", DEFAULT_LIMITS),
    ("pubsub 1mb 512kb 2", "normal 0 0 0 slave 268435456 67108864 60 pubsub 1048576 524288 2"),
    # Units: kb/mb/gb are powers of 1024, k/m/g powers of 1000, b and none bytes;
    # case-insensitive, class names too. Printed back in bytes.
    ("normal 1kb 2mb 3 replica 1gb 5 6 pubsub 7b 8k 9",
     "normal 1024 2097152 3 slave 1073741824 5 6 pubsub 7 8000 9"),
    ("NORMAL 1K 2M 3 Replica 1g 2GB 0",
     "normal 1000 2000000 3 slave 1000000000 2147483648 0 pubsub 33554432 8388608 60"),
    # "slave" is the same class as "replica" (and the name CONFIG GET prints).
    ("slave 1 2 3", "normal 0 0 0 slave 1 2 3 pubsub 33554432 8388608 60"),
    # A class named twice: the last wins.
    ("pubsub 1 2 3 pubsub 4 5 6", "normal 0 0 0 slave 268435456 67108864 60 pubsub 4 5 6"),
])
def test_config_set(start_server, value, shown):
    srv = start_server()
    assert config_set_raw(srv, value) == b"+OK\r\n"
    assert srv.client().config_get("client-output-buffer-limit") == {
        "client-output-buffer-limit": shown}


@pytest.mark.parametrize("value, error", [
    ("wrong number", ERR_ARITY),
    ("normal 1 2", ERR_ARITY),
    ("pubsub 1mb 512kb", ERR_ARITY),
    ("pubsub 1mb 512kb 2 3", ERR_ARITY),
    ("invalid_class 10mb 10mb 60", ERR_CLASS),
    ("master 10mb 10mb 60", ERR_CLASS),
    ("normal 1 2 3 bogus 1 2 3", ERR_CLASS),  # nothing applied, normal included
    ("normal 10mbs 10mb 60", ERR_VALUE),
    ("normal 10mb 10mbx 60", ERR_VALUE),
    ("normal 10mb 10mb 60x", ERR_VALUE),
    ("normal 10mb 10mb -1", ERR_VALUE),
    ("pubsub -1 2 3", ERR_VALUE),
    ("pubsub 1.5mb 2 3", ERR_VALUE),
    ("pubsub 1 2 3 normal 1 x 3", ERR_VALUE),
])
def test_config_set_errors(start_server, value, error):
    srv = start_server()
    assert config_set_raw(srv, value) == CONFIG_SET_ERR % error
    assert srv.client().config_get("client-output-buffer-limit") == {
        "client-output-buffer-limit": DEFAULT_LIMITS}

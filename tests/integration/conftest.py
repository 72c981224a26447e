"""Integration test harness: starts the real server binary (Cinnabar, or Debian's
redis-server with --server redis) on a free port and hands tests redis-py clients.

Options:
  --server cinnabar|redis   which server to test (default cinnabar)
  --server-bin PATH         the cinnabar-server binary (default build/release/cinnabar-server)
  --threads N               Cinnabar's thread count (default 1)
  --io-engine auto|uring|epoll

Every server starts with `--save "" --appendonly no` (no persistence) unless the test asks for
it: later arguments win, so a test passes `--save "1 1"` or `--appendonly yes` itself. A server
can reuse a data directory (`dir=`), be killed (SIGKILL of its process group) and restarted on
the same directory.
"""
import os
import random
import shutil
import signal
import socket
import subprocess
import tempfile
import time

import pytest
import redis

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))

def pytest_addoption(parser):
    parser.addoption("--server", default="cinnabar", choices=["cinnabar", "redis"])
    parser.addoption("--server-bin", default=os.path.join(ROOT, "build/release/cinnabar-server"))
    parser.addoption("--threads", default="1")
    parser.addoption("--io-engine", default="auto", choices=["auto", "uring", "epoll"])


def pytest_configure(config):
    config.addinivalue_line("markers", "cinnabar_only: tests a Cinnabar feature Redis 7.0 lacks")
    config.addinivalue_line("markers", "slow: takes more than a few seconds")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--server") == "redis":
        skip = pytest.mark.skip(reason="Cinnabar-only behaviour (Redis 7.0 lacks it)")
        for item in items:
            if "cinnabar_only" in item.keywords:
                item.add_marker(skip)


def _ephemeral_range():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            low, high = (int(x) for x in f.read().split())
            return low, high
    except (OSError, ValueError):
        return 32768, 60999


def free_port():
    """A port free on every address, outside the kernel's ephemeral range: a port the kernel
    picked (bind to 0) can be taken meanwhile by any outgoing connection's local end, and a
    server listening on several addresses then fails to start."""
    low, high = _ephemeral_range()
    candidates = [p for p in range(10000, 30000) if not (low <= p <= high)]
    for _ in range(200):
        port = random.choice(candidates)
        with socket.socket() as s:
            try:
                s.bind(("0.0.0.0", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port found")


def encode(*args):
    """One command as a RESP multibulk request; arguments may be bytes, str or numbers."""
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out.append(b"$%d\r\n%s\r\n" % (len(a), a))
    return b"".join(out)


def read_exactly(sock, want):
    """Reads from `sock` until as many bytes as `want` has arrived (or the peer closed)."""
    got = b""
    while len(got) < len(want):
        chunk = sock.recv(65536)
        if not chunk:
            break
        got += chunk
    return got


def _config_directive(config_text, name):
    """The value of the last `name` line of a config text (unquoted), or None."""
    value = None
    for line in (config_text or "").splitlines():
        parts = line.strip().split(None, 1)
        if parts and parts[0].lower() == name:
            value = parts[1].strip().strip('"\'') if len(parts) > 1 else ""
    return value


class ServerProcess:
    """One running server. `args` are extra `--name value` options.

    dir:  the data directory (--dir); the caller owns it and it is kept at stop. Without it the
          server gets a fresh temp dir removed at stop. A config_text with its own `dir` line
          gets no --dir argument (self.dir is then that line's value unless dir= is given).
    kind: "redis" or "cinnabar" to override --server (e.g. to start Debian's redis-server next
          to the server under test).
    The log and the config file live in a separate harness-owned directory (self.workdir),
    so a data directory holds only what the server wrote."""

    def __init__(self, config, args=(), config_text=None, expect_start=True, dir=None,
                 kind=None):
        self.config = config
        self.kind = kind or config.getoption("--server")
        self.port = free_port()
        self.host = "127.0.0.1"
        self.workdir = tempfile.mkdtemp(prefix="cinnabar-test-")
        self.own_dir = dir is None
        conf_dir = _config_directive(config_text, "dir")
        if dir is not None:
            self.dir = os.path.abspath(str(dir))
        elif conf_dir:
            self.dir = os.path.abspath(os.path.join(self.workdir, conf_dir))
            self.own_dir = False  # the caller's directory (or under the workdir, removed anyway)
        else:
            self.dir = self.workdir
        # A relative `dir` in a config file is relative to the server's working directory.
        self.cwd = self.workdir if (conf_dir and dir is None) else self.dir
        self.log_path = os.path.join(self.workdir, "server.log")
        self.config_text = config_text
        self.conf_path = None
        if config_text is not None:
            self.conf_path = os.path.join(self.workdir, "server.conf")
            with open(self.conf_path, "w") as f:
                f.write(config_text)
        self.args = list(args)
        self.log = None
        self.proc = None
        self.log_offset = 0
        try:
            self.spawn(expect_start=expect_start)
        except BaseException:
            # Not started (or a skip): nobody else holds this object to stop it later.
            self.stop()
            raise

    def build_cmd(self, args):
        cmd = []
        if self.kind == "redis":
            cmd.append(shutil.which("redis-server") or "/usr/bin/redis-server")
        else:
            cmd.append(self.config.getoption("--server-bin"))
        if self.conf_path is not None:
            cmd.append(self.conf_path)
        cmd += ["--port", str(self.port), "--bind", "127.0.0.1"]
        if _config_directive(self.config_text, "dir") is None:
            cmd += ["--dir", self.dir]
        cmd += ["--enable-debug-command", "yes"]
        # No persistence unless asked for; a config file's own save/appendonly lines win
        # (command-line options would override them).
        if _config_directive(self.config_text, "save") is None:
            cmd += ["--save", ""]
        if _config_directive(self.config_text, "appendonly") is None:
            cmd += ["--appendonly", "no"]
        if self.kind != "redis":
            cmd += ["--threads", self.config.getoption("--threads"),
                    "--io-engine", self.config.getoption("--io-engine")]
        return cmd + list(args)

    def spawn(self, expect_start=True):
        """Starts the process (the log is appended to; read_log() shows this run's part)."""
        self.cmd = self.build_cmd(self.args)
        if self.log is not None:
            self.log.close()
        self.log = open(self.log_path, "a")
        self.log_offset = self.log.tell()
        # A process group of its own, so kill() also takes a forked child (a BGSAVE).
        # Python's ignored SIGPIPE and SIGXFSZ stay ignored (restore_signals=False): a file
        # size limit set by a test then fails writes with EFBIG, as a full disk does, in
        # redis-server too instead of killing it.
        self.proc = subprocess.Popen(self.cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.cwd, start_new_session=True,
                                     restore_signals=False)
        if expect_start:
            self.wait_ready()

    def wait_ready(self, timeout=10.0):
        """Waits until the server answers PING (a -LOADING reply counts as not ready yet,
        and -NOAUTH until the log says it is ready)."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                text = self.read_log()
                if "io_uring is unavailable" in text:
                    pytest.skip("io_uring is unavailable on this machine")
                raise RuntimeError(f"server exited ({self.proc.returncode}):\n{text}")
            # A reply, not only a connection: the kernel completes handshakes on the first
            # address listening while the server may still fail on the next one and exit.
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5) as c:
                    c.sendall(b"PING\r\n")
                    c.settimeout(2)
                    got = b""
                    while not got.endswith(b"\r\n"):
                        chunk = c.recv(4096)
                        if not chunk:
                            break
                        got += chunk
                    # -NOAUTH comes before -LOADING (a requirepass config): the log says
                    # when loading is over then, as both servers log it.
                    if got.startswith(b"-NOAUTH") and \
                            "Ready to accept connections" not in self.read_log():
                        got = b""
                    if got and not got.startswith(b"-LOADING"):
                        return
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError("server did not start:\n" + self.read_log())

    def read_log(self, all_runs=False):
        """This run's log (since the last start), or every run's with all_runs."""
        if self.log is not None and not self.log.closed:
            self.log.flush()
        with open(self.log_path, errors="replace") as f:
            if not all_runs:
                f.seek(self.log_offset)
            return f.read()

    def client(self, **kwargs):
        kwargs.setdefault("decode_responses", True)
        kwargs.setdefault("socket_timeout", 10)
        return redis.Redis(host=self.host, port=self.port, **kwargs)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def terminate(self, timeout=30):
        """Graceful stop (SIGTERM), waiting for the exit; the data dir stays. Returns the exit
        status. A server that does not exit within `timeout` is killed and the test fails."""
        if not self.running():
            return self.proc.returncode if self.proc else None
        self.proc.terminate()
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise RuntimeError("server did not exit on SIGTERM:\n" + self.read_log())

    def kill(self):
        """SIGKILL of the server's whole process group (a crash: forked children die too)."""
        if self.proc is None or self.proc.returncode is not None:
            return
        # The leader is not reaped yet (returncode None), so the group id is still ours.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            self.proc.kill()
        self.proc.wait()

    def restart(self, args=None, extra_args=(), expect_start=True, kill=False):
        """Stops (SIGTERM, or SIGKILL with kill=True) if running, then starts again on the same
        dir and port: with the same `args`, or the given ones, plus `extra_args`."""
        if self.running():
            if kill:
                self.kill()
            else:
                self.terminate()
        if args is not None:
            self.args = list(args)
        self.args = self.args + list(extra_args)
        self.spawn(expect_start=expect_start)
        return self

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.proc is not None and self.proc.returncode is None:
            self.kill()
        if self.log is not None:
            self.log.close()
        if self.own_dir and self.dir != self.workdir:
            shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(self.workdir, ignore_errors=True)


@pytest.fixture(scope="session")
def server(request):
    s = ServerProcess(request.config)
    yield s
    s.stop()


@pytest.fixture
def make_dir():
    """Makes fresh temp directories, removed after the test (after its servers stopped)."""
    made = []

    def make(prefix="cinnabar-data-"):
        d = tempfile.mkdtemp(prefix=prefix)
        made.append(d)
        return d

    yield make
    for d in made:
        shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def start_server(request, make_dir):
    """Starts extra servers with custom options; they stop after the test. dir= reuses a data
    directory (kept at stop), kind= picks "redis" or "cinnabar" regardless of --server."""
    started = []

    def start(*args, config_text=None, expect_start=True, dir=None, kind=None):
        s = ServerProcess(request.config, args, config_text, expect_start, dir=dir, kind=kind)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def is_redis(request):
    return request.config.getoption("--server") == "redis"


@pytest.fixture
def r(server):
    c = server.client()
    c.flushall()
    saved = _encoding_limits(c)
    yield c
    # A test that changes the collection size limits on the shared server gets them back.
    try:
        for name, value in saved.items():
            c.config_set(name, value)
    finally:
        c.close()


# The directives tests change to force encodings. set-max-listpack-* exist only in Redis 7.2+
# and Cinnabar; CONFIG GET of a pattern simply omits them on Redis 7.0.
_LIMIT_PATTERNS = ("*-max-listpack-*", "set-max-intset-entries", "list-compress-depth")


def _encoding_limits(c):
    out = {}
    for pattern in _LIMIT_PATTERNS:
        out.update(c.config_get(pattern))
    return out


@pytest.fixture
def rb(server):
    """A client that returns bytes."""
    c = server.client(decode_responses=False)
    c.flushall()
    yield c
    c.close()


class RawConnection:
    """A plain socket for protocol-level tests. Bytes read past what a read() returns are
    kept for the next read."""

    def __init__(self, host, port):
        self.sock = socket.create_connection((host, port), timeout=5)
        self.buf = b""

    def send(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.sock.sendall(data)

    def read_until_closed(self, timeout=5):
        self.sock.settimeout(timeout)
        out, self.buf = self.buf, b""
        while True:
            try:
                chunk = self.sock.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not chunk:
                return out, True
            out += chunk

    def read(self, nbytes=None, timeout=5):
        """Reads until `nbytes` arrived (or, without nbytes, one complete RESP reply)."""
        self.sock.settimeout(timeout)
        while True:
            end = nbytes if nbytes is not None else _reply_end(self.buf)
            if end is not None and len(self.buf) >= end:
                out, self.buf = self.buf[:end], self.buf[end:]
                return out
            chunk = self.sock.recv(65536)
            if not chunk:
                out, self.buf = self.buf, b""
                return out
            self.buf += chunk

    def close(self):
        self.sock.close()


def _reply_end(buf):
    """The length of the first complete RESP reply in buf, or None."""
    try:
        return _parse(buf, 0)
    except IndexError:
        return None


def _parse(buf, i):
    """Returns the offset after one RESP value starting at i; IndexError if incomplete."""
    if i >= len(buf):
        raise IndexError
    kind = buf[i:i + 1]
    end = buf.find(b"\r\n", i)
    if end < 0:
        raise IndexError
    line = buf[i + 1:end]
    i = end + 2
    if kind in (b"+", b"-", b":", b"_", b",", b"#", b"("):
        return i
    if kind in (b"$", b"="):
        n = int(line)
        if n < 0:
            return i
        if len(buf) < i + n + 2:
            raise IndexError
        return i + n + 2
    if kind in (b"*", b"~", b">", b"%", b"|"):
        n = int(line)
        if n < 0:
            return i
        count = n * 2 if kind in (b"%", b"|") else n
        for _ in range(count):
            i = _parse(buf, i)
        return i
    raise ValueError(f"bad RESP type {kind!r}")


@pytest.fixture
def raw(server):
    conns = []

    def connect():
        c = RawConnection(server.host, server.port)
        conns.append(c)
        return c

    yield connect
    for c in conns:
        c.close()

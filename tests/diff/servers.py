"""Starting and stopping the servers the fuzzer compares: Debian's redis-server (the oracle)
and Cinnabar in several shapes (threads, io engine), each on a free port in its own
temporary directory."""
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

from resp import Conn

REDIS_BIN = "/usr/bin/redis-server"


def _die_with_parent():
    """In the child before exec: a server gets SIGKILL when the fuzzer dies (a ctest
    timeout kills the fuzzer, not its servers)."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """One running server process. `name` labels it in reports ("redis", "t4-uring")."""

    def __init__(self, name, kind, binary, threads=None, io_engine=None):
        self.name = name
        self.kind = kind  # "redis" or "cinnabar"
        # A path is made absolute: the server runs in its own directory. A bare name is
        # looked up on PATH.
        self.binary = os.path.abspath(binary) if os.sep in binary else binary
        self.threads = threads or 1
        self.io_engine = io_engine
        self.port = None
        self.dir = None
        self.proc = None
        self.log = None

    @property
    def is_redis(self):
        return self.kind == "redis"

    def describe(self):
        if self.is_redis:
            return f"{self.name} ({self.binary})"
        return f"{self.name} (cinnabar --threads {self.threads} --io-engine {self.io_engine})"

    def command_line(self):
        cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
               "--enable-debug-command", "yes"]
        if self.is_redis:
            # hz 100: Redis checks blocking timeouts once per event-loop turn, which at
            # the default hz 10 can be 100 ms late; the fuzzer's timeouts are 10-50 ms.
            cmd += ["--save", "", "--appendonly", "no", "--hz", "100"]
        else:
            cmd += ["--threads", str(self.threads), "--io-engine", self.io_engine]
        return cmd

    def start(self):
        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix=f"cinnabar-diff-{self.name}-")
        self.log_path = os.path.join(self.dir, "server.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(self.command_line(), stdout=self.log,
                                     stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.dir, preexec_fn=_die_with_parent)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.describe()} exited ({self.proc.returncode}):\n"
                                   + self.read_log())
            try:
                c = Conn("127.0.0.1", self.port, timeout=2)
                raw, _ = c.call("PING")
                c.close()
                if raw == b"+PONG\r\n":
                    return self
            except OSError:
                pass
            time.sleep(0.02)
        raise RuntimeError(f"{self.describe()} did not start:\n" + self.read_log())

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def connect(self, timeout=10.0):
        return Conn("127.0.0.1", self.port, timeout=timeout)

    def read_log(self):
        if self.log:
            self.log.flush()
        try:
            with open(self.log_path) as f:
                return f.read()
        except OSError:
            return ""

    def restart(self):
        self.stop(remove_dir=True)
        return self.start()

    def stop(self, remove_dir=True):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.log:
            self.log.close()
            self.log = None
        if remove_dir and self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)
        self.proc = None


def uring_available(binary):
    """Whether Cinnabar can run with --io-engine uring here (containers often forbid it)."""
    s = Server("uring-probe", "cinnabar", binary, threads=1, io_engine="uring")
    try:
        s.start()
    except RuntimeError:
        return False
    finally:
        log = s.read_log()
        s.stop()
    return "io_uring is unavailable" not in log


def shapes_for_seed(seed, binary, threads=(1, 4)):
    """The Cinnabar shapes of one run: threads 1 and 4, with the io engines alternating by
    seed, so that over seeds both engines run at both thread counts."""
    engines = ["epoll", "uring"] if seed % 2 == 0 else ["uring", "epoll"]
    if not uring_available(binary):
        engines = ["epoll", "epoll"]
    out = []
    for i, t in enumerate(threads):
        e = engines[i % 2]
        out.append(Server(f"t{t}-{e}", "cinnabar", binary, threads=t, io_engine=e))
    return out

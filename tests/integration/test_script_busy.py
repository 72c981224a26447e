"""Long-running scripts: past busy-reply-threshold (alias lua-time-limit) other clients get
-BUSY, SCRIPT KILL / FUNCTION KILL stop a script that has not written, UNKILLABLE once it has
(then only SHUTDOWN NOSAVE helps). Every test runs on a private server of its own."""
import hashlib
import time

import pytest

from conftest import RawConnection, encode

BUSY_SCRIPT = b"-BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.\r\n"
BUSY_FUNCTION = b"-BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN NOSAVE.\r\n"
UNKILLABLE = (b"-UNKILLABLE Sorry the script already executed write commands against the dataset. "
              b"You can either wait the script termination or kill the server in a hard way using "
              b"the SHUTDOWN NOSAVE command.\r\n")
NOTBUSY = b"-NOTBUSY No scripts in execution right now.\r\n"
LOOPS = """#!lua name=loop
redis.register_function('spin', function() while true do end end)
redis.register_function('wspin', function(keys) redis.call('SET', keys[1], 'x') while true do end end)
redis.register_function{function_name='rospin', callback=function() while true do end end, flags={'no-writes'}}"""

pytestmark = pytest.mark.timeout(60)


def sha(script):
    return hashlib.sha1(script.encode()).hexdigest()


class Busy:
    """A private server with busy-reply-threshold 100 ms and the LOOPS library."""

    def __init__(self, start_server):
        self.server = start_server()
        self.conns = []
        self.other = self.connect()
        assert self.call(self.other, "CONFIG", "SET", "busy-reply-threshold", 100) == b"+OK\r\n"
        assert self.call(self.other, "FUNCTION", "LOAD", LOOPS) == b"$4\r\nloop\r\n"

    def connect(self):
        c = RawConnection(self.server.host, self.server.port)
        self.conns.append(c)
        return c

    @staticmethod
    def call(c, *args, timeout=10):
        c.send(encode(*args))
        return c.read(timeout=timeout)

    def start(self, *args):
        """Sends a looping command on a new connection; returns once others get -BUSY."""
        looper = self.connect()
        looper.send(encode(*args))
        return looper, self.wait_busy()

    def wait_busy(self):
        """PINGs until the reply is -BUSY; returns that reply."""
        deadline = time.time() + 10
        while time.time() < deadline:
            reply = self.call(self.other, "PING")
            if reply.startswith(b"-BUSY"):
                return reply
            assert reply == b"+PONG\r\n"
            time.sleep(0.01)
        raise AssertionError("the script never made the server busy")

    def close(self):
        for c in self.conns:
            c.close()


@pytest.fixture
def busy(start_server):
    b = Busy(start_server)
    yield b
    b.close()


def test_threshold_config_and_its_alias(busy):
    c = busy.other
    assert busy.call(c, "CONFIG", "GET", "busy-reply-threshold") == \
        b"*2\r\n$20\r\nbusy-reply-threshold\r\n$3\r\n100\r\n"
    assert busy.call(c, "CONFIG", "GET", "lua-time-limit") == b"*2\r\n$14\r\nlua-time-limit\r\n$3\r\n100\r\n"
    assert busy.call(c, "CONFIG", "SET", "lua-time-limit", 250) == b"+OK\r\n"
    assert busy.call(c, "CONFIG", "GET", "busy-reply-threshold") == \
        b"*2\r\n$20\r\nbusy-reply-threshold\r\n$3\r\n250\r\n"
    assert busy.call(c, "SCRIPT", "KILL") == NOTBUSY
    assert busy.call(c, "FUNCTION", "KILL") == NOTBUSY


@pytest.mark.parametrize("script, line", [("while true do end", 1),
                                          ("#!lua flags=no-writes\nwhile true do end", 2)])
def test_script_kill(busy, script, line, request):
    # A command sent before the threshold passes waits, then gets -BUSY too. On Cinnabar
    # with several threads one that waits for a shard the script holds gets its answer once
    # the script is gone instead (docs/compatibility.md).
    waits = (request.config.getoption("--server") == "cinnabar" and
             request.config.getoption("--threads") != "1")
    early = busy.connect()
    looper = busy.connect()
    looper.send(encode("EVAL", script, 0))
    time.sleep(0.02)
    early.send(encode("GET", "k"))
    if not waits:
        assert early.read() == BUSY_SCRIPT
    assert busy.wait_busy() == BUSY_SCRIPT
    c = busy.other
    for args in [("GET", "k"), ("SET", "k", "v"), ("EVAL", "return 1", 0), ("FUNCTION", "STATS"),
                 ("SCRIPT", "EXISTS", "x"), ("CLIENT", "LIST"), ("INFO", "server"), ("SHUTDOWN",),
                 ("FUNCTION", "KILL")]:
        assert busy.call(c, *args) == BUSY_SCRIPT, args
    assert busy.call(c, "SCRIPT", "KILL") == b"+OK\r\n"
    assert looper.read() == ("-ERR Script killed by user with SCRIPT KILL... script: %s, on @user_script:%d.\r\n"
                             % (sha(script), line)).encode()
    if waits:
        assert early.read() == b"$-1\r\n"
    assert busy.call(c, "PING") == b"+PONG\r\n"
    assert busy.call(looper, "EVAL", "return 'again'", 0) == b"$5\r\nagain\r\n"
    assert busy.call(c, "SCRIPT", "KILL") == NOTBUSY
    assert busy.call(c, "GET", "k") == b"$-1\r\n"


@pytest.mark.parametrize("command, name, line", [("FCALL", "spin", 2), ("FCALL_RO", "rospin", 4)])
def test_function_kill(busy, command, name, line):
    looper, reply = busy.start(command, name, 0)
    assert reply == BUSY_FUNCTION
    c = busy.other
    assert busy.call(c, "GET", "k") == BUSY_FUNCTION
    assert busy.call(c, "SCRIPT", "KILL") == BUSY_FUNCTION
    # FUNCTION STATS answers while a function runs.
    c.send(encode("FUNCTION", "STATS"))
    stats = c.read()
    head = (b"*4\r\n$14\r\nrunning_script\r\n*6\r\n$4\r\nname\r\n" + b"$%d\r\n%s\r\n" % (len(name), name.encode()) +
            b"$7\r\ncommand\r\n*3\r\n" + b"$%d\r\n%s\r\n" % (len(command), command.encode()) +
            b"$%d\r\n%s\r\n" % (len(name), name.encode()) + b"$1\r\n0\r\n$11\r\nduration_ms\r\n:")
    assert stats.startswith(head), stats
    duration, tail = stats[len(head):].split(b"\r\n", 1)
    assert int(duration) >= 100
    assert tail == (b"$7\r\nengines\r\n*2\r\n$3\r\nLUA\r\n*4\r\n$15\r\nlibraries_count\r\n:1\r\n"
                    b"$15\r\nfunctions_count\r\n:3\r\n")
    assert busy.call(c, "FUNCTION", "KILL") == b"+OK\r\n"
    assert looper.read() == ("-ERR Script killed by user with SCRIPT KILL... script: %s, on @user_function:%d.\r\n"
                             % (name, line)).encode()
    assert busy.call(c, "PING") == b"+PONG\r\n"
    assert busy.call(c, "FUNCTION", "KILL") == NOTBUSY


def shutdown_nosave(busy, looper):
    c = busy.other
    c.send(encode("SHUTDOWN", "NOSAVE"))
    out, closed = c.read_until_closed(timeout=10)
    assert (out, closed) == (b"", True)
    out, closed = looper.read_until_closed(timeout=10)
    assert (out, closed) == (b"", True)
    busy.server.proc.wait(timeout=10)


def test_script_that_wrote_is_unkillable(busy):
    looper, reply = busy.start("EVAL", "redis.call('SET', 'w', '1') while true do end", 0)
    assert reply == BUSY_SCRIPT
    c = busy.other
    assert busy.call(c, "SCRIPT", "KILL") == UNKILLABLE
    assert busy.call(c, "FUNCTION", "KILL") == UNKILLABLE
    assert busy.call(c, "GET", "w") == BUSY_SCRIPT
    assert busy.call(c, "SHUTDOWN") == BUSY_SCRIPT
    shutdown_nosave(busy, looper)


def test_function_that_wrote_is_unkillable(busy):
    looper, reply = busy.start("FCALL", "wspin", 1, "w")
    assert reply == BUSY_FUNCTION
    c = busy.other
    assert busy.call(c, "FUNCTION", "KILL") == UNKILLABLE
    assert busy.call(c, "SCRIPT", "KILL") == UNKILLABLE
    assert busy.call(c, "SHUTDOWN") == BUSY_FUNCTION
    shutdown_nosave(busy, looper)

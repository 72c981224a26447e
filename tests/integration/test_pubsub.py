"""Pub/Sub: SUBSCRIBE/PSUBSCRIBE/SSUBSCRIBE and their UNSUBSCRIBEs, PUBLISH/SPUBLISH, PUBSUB.

Exact wire replies (RESP2 arrays and RESP3 pushes), the RESP2 subscribed-context rules,
receiver counts, glob matching exactly as Redis's stringmatchlen, redis-py's PubSub (listen,
get_message, run_in_thread), cross-connection fan-out and per-publisher ordering, sharded
channels, CLIENT LIST fields, and SUBSCRIBE inside MULTI. Every expectation was checked
against Redis 7.0.15.

Tests run on a server of their own (the `server` fixture is overridden for this module), so
the subscribers they leave behind while their connections close do not show in other modules'
CLIENT LIST, and channel names are unique per test. Tests of server-wide counts (NUMPAT,
CHANNELS without a pattern) start a fresh server.
"""
import threading
import time

import pytest
import redis

from conftest import RawConnection, ServerProcess, encode

pytestmark = pytest.mark.timeout(60)

CONTEXT_ERR = (b"-ERR Can't execute '%s': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / "
               b"QUIT / RESET are allowed in this context\r\n")


@pytest.fixture(scope="module")
def server(request):
    s = ServerProcess(request.config)
    yield s
    s.stop()


@pytest.fixture
def connect():
    """connect(srv) -> a RawConnection to srv, closed after the test."""
    conns = []

    def make(srv):
        c = RawConnection(srv.host, srv.port)
        conns.append(c)
        return c

    yield make
    for c in conns:
        c.close()


@pytest.fixture
def name(request):
    """name(suffix) -> a channel name unique to this test."""
    base = request.node.name
    return lambda suffix="": f"{base}:{suffix}"


# --- RESP helpers ---

def _enc(x, resp3):
    if x is None:
        return b"_\r\n" if resp3 else b"$-1\r\n"
    if isinstance(x, int):
        return b":%d\r\n" % x
    if isinstance(x, str):
        x = x.encode()
    return b"$%d\r\n%s\r\n" % (len(x), x)


def arr(*items):
    """A RESP2 array; str/bytes are bulk strings, int integers, None the null bulk."""
    return b"*%d\r\n" % len(items) + b"".join(_enc(i, False) for i in items)


def push(*items):
    """A RESP3 push; None is the RESP3 null."""
    return b">%d\r\n" % len(items) + b"".join(_enc(i, True) for i in items)


def parse(data):
    """One RESP value as Python: bulk -> bytes, simple -> str, arrays/pushes -> list."""
    value, end = _parse_at(data, 0)
    assert end == len(data), data
    return value


def _parse_at(buf, i):
    kind = buf[i:i + 1]
    end = buf.index(b"\r\n", i)
    line = buf[i + 1:end]
    i = end + 2
    if kind in (b"+", b"-"):
        return line.decode(), i
    if kind == b":":
        return int(line), i
    if kind == b"_":
        return None, i
    if kind == b"$":
        n = int(line)
        if n < 0:
            return None, i
        return buf[i:i + n], i + n + 2
    if kind in (b"*", b">", b"~", b"%"):
        n = int(line)
        if n < 0:
            return None, i
        out = []
        for _ in range(n * 2 if kind == b"%" else n):
            v, i = _parse_at(buf, i)
            out.append(v)
        return out, i
    raise ValueError(kind)


def call(conn, *args):
    conn.send(encode(*args))
    return conn.read()


def reads(conn, n):
    return b"".join(conn.read() for _ in range(n))


def subscriber(conn, cmd, *names):
    """Sends a (P|S)SUBSCRIBE and consumes its confirmations."""
    conn.send(encode(cmd, *names))
    for _ in names:
        reply = parse(conn.read())
        assert reply[0] == cmd.lower().encode(), reply
    return conn


def hello3(conn):
    reply = call(conn, "HELLO", "3")
    assert reply.startswith(b"%"), reply
    return conn


def wait_for(fn, expected, timeout=5.0):
    """Polls fn() until it returns expected (for state that changes when a close is seen)."""
    deadline = time.monotonic() + timeout
    while True:
        got = fn()
        if got == expected:
            return
        if time.monotonic() > deadline:
            assert got == expected
        time.sleep(0.005)


def next_message(p, timeout=5.0):
    """The next message redis-py's PubSub returns (skipping the Nones of ignored ones)."""
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, "no message arrived"
        m = p.get_message(timeout=left)
        if m is not None:
            return m


def numsub(r, channel):
    return r.pubsub_numsub(channel)[0][1]


def assert_nothing_pending(conn):
    """Nothing is queued before the reply to a PING (RESP2 subscribed form)."""
    assert call(conn, "PING") == arr("pong", "")


# --- redis-py PubSub ---

def test_listen_loop(r, server, name):
    ch = name("c")
    p = server.client().pubsub()
    p.subscribe(ch)
    got = []
    for m in p.listen():
        got.append(m)
        if m["type"] == "subscribe":
            for i in range(3):
                assert r.publish(ch, f"m{i}") == 1
        elif len(got) == 4:
            p.unsubscribe()  # listen() ends after the confirmation
    assert got == [
        {"type": "subscribe", "pattern": None, "channel": ch, "data": 1},
        {"type": "message", "pattern": None, "channel": ch, "data": "m0"},
        {"type": "message", "pattern": None, "channel": ch, "data": "m1"},
        {"type": "message", "pattern": None, "channel": ch, "data": "m2"},
        {"type": "unsubscribe", "pattern": None, "channel": ch, "data": 0},
    ]
    assert not p.subscribed
    p.close()


def test_get_message_with_timeout(r, server, name):
    ch = name("c")
    p = server.client().pubsub()
    p.subscribe(ch)
    assert next_message(p) == {"type": "subscribe", "pattern": None, "channel": ch, "data": 1}
    start = time.monotonic()
    assert p.get_message(timeout=0.1) is None
    assert time.monotonic() - start < 3
    assert r.publish(ch, "hello") == 1
    assert next_message(p) == {"type": "message", "pattern": None, "channel": ch,
                               "data": "hello"}
    p.close()


def test_psubscribe_pmessage_fields(r, server, name):
    pat = name("news.*")
    chan = name("news.tech")
    p = server.client().pubsub()
    p.psubscribe(pat)
    assert next_message(p) == {"type": "psubscribe", "pattern": None, "channel": pat, "data": 1}
    assert r.publish(chan, "gpu") == 1
    assert r.publish(name("sports"), "no") == 0
    assert next_message(p) == {"type": "pmessage", "pattern": pat, "channel": chan,
                               "data": "gpu"}
    p.punsubscribe()
    assert next_message(p) == {"type": "punsubscribe", "pattern": None, "channel": pat,
                               "data": 0}
    p.close()


def test_unsubscribe_and_punsubscribe_all(r, server, name):
    chans = [name("a"), name("b")]
    pats = [name("x*"), name("y*")]
    p = server.client().pubsub()
    p.subscribe(*chans)
    p.psubscribe(*pats)
    assert [next_message(p)["data"] for _ in range(4)] == [1, 2, 3, 4]
    assert r.pubsub_numsub(*chans) == [(chans[0], 1), (chans[1], 1)]
    p.unsubscribe()
    got = [next_message(p) for _ in range(2)]
    # Without arguments the order is the server's (hash order in Redis); the count runs down.
    assert sorted(m["channel"] for m in got) == sorted(chans)
    assert [(m["type"], m["data"]) for m in got] == [("unsubscribe", 3), ("unsubscribe", 2)]
    p.punsubscribe()
    got = [next_message(p) for _ in range(2)]
    assert sorted(m["channel"] for m in got) == sorted(pats)
    assert [(m["type"], m["data"]) for m in got] == [("punsubscribe", 1), ("punsubscribe", 0)]
    assert not p.subscribed
    assert r.pubsub_numsub(*chans) == [(chans[0], 0), (chans[1], 0)]
    assert r.publish(name("x1"), "m") == 0
    p.close()


def test_ignore_subscribe_messages(r, server, name):
    ch = name("c")
    p = server.client().pubsub(ignore_subscribe_messages=True)
    p.subscribe(ch)
    wait_for(lambda: numsub(r, ch), 1)
    assert r.publish(ch, "x") == 1
    assert next_message(p) == {"type": "message", "pattern": None, "channel": ch, "data": "x"}
    p.close()


def test_run_in_thread_with_handlers(r, server, name):
    ch, pat = name("c"), name("p.*")
    got, lock, done = [], threading.Lock(), threading.Event()

    def handler(m):
        with lock:
            got.append((m["type"], m["pattern"], m["channel"], m["data"]))
            if len(got) == 4:
                done.set()

    p = server.client().pubsub()
    p.subscribe(**{ch: handler})
    p.psubscribe(**{pat: handler})
    # Consume both confirmations first: then the subscriptions are surely in place.
    assert [next_message(p)["type"] for _ in range(2)] == ["subscribe", "psubscribe"]
    thread = p.run_in_thread(sleep_time=0.01, daemon=True)
    try:
        assert r.publish(ch, "1") == 1
        assert r.publish(name("p.x"), "2") == 1
        assert r.publish(ch, "3") == 1
        assert r.publish(name("p.y"), "4") == 1
        assert done.wait(5)
    finally:
        thread.stop()
        thread.join(5)
    assert not thread.is_alive()
    assert got == [("message", None, ch, "1"), ("pmessage", pat, name("p.x"), "2"),
                   ("message", None, ch, "3"), ("pmessage", pat, name("p.y"), "4")]
    # stop() closes the PubSub's connection; the server drops its subscriptions.
    wait_for(lambda: numsub(r, ch), 0)


def test_run_in_thread_requires_handlers(server, name):
    p = server.client().pubsub()
    p.subscribe(name("c"))
    with pytest.raises(redis.exceptions.PubSubError):
        p.run_in_thread()
    p.close()


# --- exact wire replies ---

def test_subscribe_several_channels_one_command(raw, name):
    a, b = name("a"), name("b")
    c = raw()
    c.send(encode("SUBSCRIBE", a, b, a))
    # A repeated channel gets its confirmation with an unchanged count.
    assert reads(c, 3) == (arr("subscribe", a, 1) + arr("subscribe", b, 2)
                           + arr("subscribe", a, 2))
    assert call(c, "SUBSCRIBE", b) == arr("subscribe", b, 2)


def test_unsubscribe_without_subscriptions(raw, name):
    c = raw()
    assert call(c, "UNSUBSCRIBE") == b"*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n"
    assert call(c, "PUNSUBSCRIBE") == b"*3\r\n$12\r\npunsubscribe\r\n$-1\r\n:0\r\n"
    assert call(c, "SUNSUBSCRIBE") == b"*3\r\n$12\r\nsunsubscribe\r\n$-1\r\n:0\r\n"
    # Named channels one is not subscribed to each get a confirmation with count 0.
    c.send(encode("UNSUBSCRIBE", name("x"), name("y")))
    assert reads(c, 2) == arr("unsubscribe", name("x"), 0) + arr("unsubscribe", name("y"), 0)
    assert call(c, "PUNSUBSCRIBE", name("x*")) == arr("punsubscribe", name("x*"), 0)
    assert call(c, "SUNSUBSCRIBE", name("x")) == arr("sunsubscribe", name("x"), 0)
    # None of that entered the subscribed context.
    assert call(c, "PING") == b"+PONG\r\n"
    assert call(c, "GET", name("k")) == b"$-1\r\n"


def test_unsubscribe_all_when_only_patterns(raw, name):
    c = raw()
    subscriber(c, "PSUBSCRIBE", name("x*"), name("y*"))
    # No channel to drop: a null channel, and the count still includes the patterns.
    assert call(c, "UNSUBSCRIBE") == arr("unsubscribe", None, 2)
    assert call(c, "UNSUBSCRIBE", name("x*")) == arr("unsubscribe", name("x*"), 2)
    subscriber(c, "SUBSCRIBE", name("c"))
    c.send(encode("PUNSUBSCRIBE"))
    got = [parse(c.read()) for _ in range(2)]
    assert sorted(g[1] for g in got) == sorted([name("x*").encode(), name("y*").encode()])
    assert [g[2] for g in got] == [2, 1]
    assert call(c, "PUNSUBSCRIBE") == arr("punsubscribe", None, 1)
    assert call(c, "PUNSUBSCRIBE", name("zz")) == arr("punsubscribe", name("zz"), 1)


def test_duplicate_psubscribe(raw, name):
    c = raw()
    c.send(encode("PSUBSCRIBE", name("p*"), name("p*"), name("q?")))
    assert reads(c, 3) == (arr("psubscribe", name("p*"), 1) + arr("psubscribe", name("p*"), 1)
                           + arr("psubscribe", name("q?"), 2))


def test_count_mixes_channels_and_patterns_but_not_shard_channels(raw, name):
    c = raw()
    c.send(encode("SUBSCRIBE", name("a"), name("b")))
    assert reads(c, 2) == arr("subscribe", name("a"), 1) + arr("subscribe", name("b"), 2)
    c.send(encode("PSUBSCRIBE", name("p*"), name("q?")))
    assert reads(c, 2) == arr("psubscribe", name("p*"), 3) + arr("psubscribe", name("q?"), 4)
    # Shard channels have a count of their own.
    c.send(encode("SSUBSCRIBE", name("s1"), name("s2"), name("s1")))
    assert reads(c, 3) == (arr("ssubscribe", name("s1"), 1) + arr("ssubscribe", name("s2"), 2)
                           + arr("ssubscribe", name("s1"), 2))
    assert call(c, "UNSUBSCRIBE", name("a")) == arr("unsubscribe", name("a"), 3)
    assert call(c, "PUNSUBSCRIBE", name("p*")) == arr("punsubscribe", name("p*"), 2)
    assert call(c, "SUNSUBSCRIBE", name("s2")) == arr("sunsubscribe", name("s2"), 1)
    # A name from the other namespace is not subscribed there.
    assert call(c, "SUNSUBSCRIBE", name("b")) == arr("sunsubscribe", name("b"), 1)
    assert call(c, "UNSUBSCRIBE", name("s1")) == arr("unsubscribe", name("s1"), 2)
    assert call(c, "SUNSUBSCRIBE") == arr("sunsubscribe", name("s1"), 0)
    assert call(c, "SUNSUBSCRIBE") == arr("sunsubscribe", None, 0)
    assert call(c, "UNSUBSCRIBE") == arr("unsubscribe", name("b"), 1)
    assert call(c, "PUNSUBSCRIBE") == arr("punsubscribe", name("q?"), 0)
    assert call(c, "GET", name("k")) == b"$-1\r\n"


def test_ping_in_subscribed_context(raw, name):
    c = raw()
    subscriber(c, "SUBSCRIBE", name("c"))
    assert call(c, "PING") == b"*2\r\n$4\r\npong\r\n$0\r\n\r\n"
    assert call(c, "PING", "hello") == b"*2\r\n$4\r\npong\r\n$5\r\nhello\r\n"
    assert call(c, "ping") == arr("pong", "")
    assert call(c, "PING", "a", "b") == b"-ERR wrong number of arguments for 'ping' command\r\n"


def test_pipelined_commands_in_subscribed_context(raw, name):
    c = raw()
    c.send(b"SUBSCRIBE %s\r\nPING\r\nGET k\r\n" % name("c").encode())
    assert reads(c, 3) == arr("subscribe", name("c"), 1) + arr("pong", "") + CONTEXT_ERR % b"get"
    c.send(b"UNSUBSCRIBE\r\nGET k\r\n")
    assert reads(c, 2) == arr("unsubscribe", name("c"), 0) + b"$-1\r\n"


def test_reset_leaves_the_subscribed_context(r, raw, name):
    c = raw()
    subscriber(c, "SUBSCRIBE", name("c"))
    subscriber(c, "PSUBSCRIBE", name("c*"))
    subscriber(c, "SSUBSCRIBE", name("s"))
    assert call(c, "RESET") == b"+RESET\r\n"
    assert call(c, "GET", name("k")) == b"$-1\r\n"
    assert call(c, "PING") == b"+PONG\r\n"
    assert numsub(r, name("c")) == 0
    assert r.publish(name("c"), "m") == 0
    assert r.execute_command("SPUBLISH", name("s"), "m") == 0
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", name("s")) == [name("s"), 0]


def test_quit_in_subscribed_context(r, raw, name):
    c = raw()
    subscriber(c, "SUBSCRIBE", name("c"))
    assert numsub(r, name("c")) == 1
    c.send(encode("QUIT"))
    assert c.read_until_closed() == (b"+OK\r\n", True)
    wait_for(lambda: numsub(r, name("c")), 0)
    assert r.publish(name("c"), "m") == 0


def test_quit_with_an_argument_in_subscribed_context(raw, name):
    c = raw()
    subscriber(c, "PSUBSCRIBE", name("c*"))
    c.send(encode("QUIT", "extra"))
    assert c.read_until_closed() == (b"+OK\r\n", True)


def test_message_wire_format(r, raw, name):
    c = raw()
    subscriber(c, "SUBSCRIBE", name("c"))
    subscriber(c, "PSUBSCRIBE", name("c*"))
    subscriber(c, "SSUBSCRIBE", name("s"))
    assert r.publish(name("c"), "hello") == 2
    # The channel subscription's message comes first, then the pattern's.
    assert c.read() == arr("message", name("c"), "hello")
    assert c.read() == arr("pmessage", name("c*"), name("c"), "hello")
    assert r.execute_command("SPUBLISH", name("s"), "sh") == 1
    assert c.read() == arr("smessage", name("s"), "sh")
    assert_nothing_pending(c)


# --- RESP2 subscribed-context rules ---

@pytest.mark.parametrize("args,cmdname", [
    (("GET", "x"), b"get"),
    (("get", "x"), b"get"),
    (("SET", "x", "1"), b"set"),
    (("PUBLISH", "c", "m"), b"publish"),
    (("SPUBLISH", "c", "m"), b"spublish"),
    (("PUBSUB", "CHANNELS"), b"pubsub|channels"),
    (("PUBSUB", "numsub", "c"), b"pubsub|numsub"),
    (("ECHO", "m"), b"echo"),
    (("HELLO",), b"hello"),
    (("HELLO", "3"), b"hello"),
    (("CLIENT", "ID"), b"client|id"),
    (("MULTI",), b"multi"),
    (("SELECT", "0"), b"select"),
    (("DBSIZE",), b"dbsize"),
])
def test_command_refused_in_subscribed_context(raw, name, args, cmdname):
    c = raw()
    subscriber(c, "SUBSCRIBE", name("c"))
    assert call(c, *args) == CONTEXT_ERR % cmdname
    assert_nothing_pending(c)  # still subscribed


@pytest.mark.parametrize("cmd", ["SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE"])
def test_context_error_for_every_kind_of_subscription(raw, name, cmd):
    c = raw()
    subscriber(c, cmd, name("c"))
    assert call(c, "GET", "x") == CONTEXT_ERR % b"get"


def test_unknown_and_wrong_arity_commands_in_subscribed_context(raw, name):
    c = raw()
    subscriber(c, "SUBSCRIBE", name("c"))
    # The unknown-command and arity checks come before the context check.
    assert call(c, "FOO") == b"-ERR unknown command 'FOO', with args beginning with: \r\n"
    assert call(c, "GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert call(c, "SUBSCRIBE") == b"-ERR wrong number of arguments for 'subscribe' command\r\n"


def test_normal_commands_work_after_unsubscribing_everything(raw, name):
    c = raw()
    subscriber(c, "SUBSCRIBE", name("c"))
    subscriber(c, "PSUBSCRIBE", name("p*"))
    subscriber(c, "SSUBSCRIBE", name("s"))
    assert call(c, "UNSUBSCRIBE") == arr("unsubscribe", name("c"), 1)
    assert call(c, "SET", name("k"), "v") == CONTEXT_ERR % b"set"
    assert call(c, "PUNSUBSCRIBE") == arr("punsubscribe", name("p*"), 0)
    # A shard channel alone keeps the client in the context.
    assert call(c, "SET", name("k"), "v") == CONTEXT_ERR % b"set"
    assert call(c, "SUNSUBSCRIBE") == arr("sunsubscribe", name("s"), 0)
    assert call(c, "SET", name("k"), "v") == b"+OK\r\n"
    assert call(c, "GET", name("k")) == b"$1\r\nv\r\n"
    assert call(c, "PING") == b"+PONG\r\n"


def test_shard_subscription_alone_keeps_the_context(raw, name):
    c = raw()
    subscriber(c, "SSUBSCRIBE", name("s"))
    assert call(c, "GET", "x") == CONTEXT_ERR % b"get"
    # UNSUBSCRIBE's count leaves shard channels out: 0, yet still in the context.
    assert call(c, "UNSUBSCRIBE") == arr("unsubscribe", None, 0)
    assert call(c, "GET", "x") == CONTEXT_ERR % b"get"
    assert call(c, "SUNSUBSCRIBE") == arr("sunsubscribe", name("s"), 0)
    assert call(c, "GET", "x") == b"$-1\r\n"


# --- RESP3 ---

def test_resp3_subscribe_confirmations_are_pushes(raw, name):
    c = hello3(raw())
    c.send(encode("SUBSCRIBE", name("c"), name("d")))
    assert reads(c, 2) == push("subscribe", name("c"), 1) + push("subscribe", name("d"), 2)
    assert call(c, "PSUBSCRIBE", name("c*")) == push("psubscribe", name("c*"), 3)
    assert call(c, "SSUBSCRIBE", name("s")) == push("ssubscribe", name("s"), 1)
    assert call(c, "UNSUBSCRIBE", name("c")) == push("unsubscribe", name("c"), 2)
    assert call(c, "UNSUBSCRIBE") == push("unsubscribe", name("d"), 1)
    assert call(c, "PUNSUBSCRIBE") == push("punsubscribe", name("c*"), 0)
    assert call(c, "SUNSUBSCRIBE") == push("sunsubscribe", name("s"), 0)
    assert call(c, "UNSUBSCRIBE") == b">3\r\n$11\r\nunsubscribe\r\n_\r\n:0\r\n"
    assert call(c, "PUNSUBSCRIBE") == b">3\r\n$12\r\npunsubscribe\r\n_\r\n:0\r\n"
    assert call(c, "SUNSUBSCRIBE") == b">3\r\n$12\r\nsunsubscribe\r\n_\r\n:0\r\n"


def test_resp3_messages_are_pushes(r, raw, name):
    c = hello3(raw())
    subscriber(c, "SUBSCRIBE", name("c"))
    subscriber(c, "PSUBSCRIBE", name("c*"))
    subscriber(c, "SSUBSCRIBE", name("s"))
    assert r.publish(name("c"), "hello") == 2
    assert c.read() == push("message", name("c"), "hello")
    assert c.read() == push("pmessage", name("c*"), name("c"), "hello")
    assert r.execute_command("SPUBLISH", name("s"), "sh") == 1
    assert c.read() == push("smessage", name("s"), "sh")


def test_resp3_normal_commands_while_subscribed(r, raw, name):
    c = hello3(raw())
    subscriber(c, "SUBSCRIBE", name("c"))
    assert call(c, "SET", name("k"), "v") == b"+OK\r\n"
    assert call(c, "GET", name("k")) == b"$1\r\nv\r\n"
    assert call(c, "PING") == b"+PONG\r\n"
    assert call(c, "PING", "x") == b"$1\r\nx\r\n"
    assert call(c, "PUBSUB", "NUMSUB", name("c")) == arr(name("c"), 1)
    assert call(c, "HGETALL", name("nokey")) == b"%0\r\n"


def test_resp3_publish_to_own_channel(raw, name):
    c = hello3(raw())
    subscriber(c, "SUBSCRIBE", name("c"))
    subscriber(c, "PSUBSCRIBE", name("c*"))
    c.send(encode("PUBLISH", name("c"), "self") + encode("GET", name("k")))
    # Redis writes the pushes to the publisher before its own PUBLISH reply.
    assert reads(c, 4) == (push("message", name("c"), "self")
                           + push("pmessage", name("c*"), name("c"), "self")
                           + b":2\r\n" + b"_\r\n")


def test_resp3_reply_interleaved_with_push(r, raw, name):
    c = hello3(raw())
    subscriber(c, "SUBSCRIBE", name("c"))
    call(c, "SET", name("k"), "v")
    assert r.publish(name("c"), "m1") == 1
    c.send(encode("GET", name("k")))
    got = [c.read(), c.read()]
    # Redis sends the push first (it was queued before GET arrived); a server that hands the
    # message over from another thread may send the GET reply first: both are complete.
    assert sorted(got) == sorted([push("message", name("c"), "m1"), b"$1\r\nv\r\n"])
    c.send(encode("GET", name("k")))
    assert r.publish(name("c"), "m2") == 1
    got = [c.read(), c.read()]
    assert sorted(got) == sorted([push("message", name("c"), "m2"), b"$1\r\nv\r\n"])


def test_resp3_reset_returns_to_resp2(r, raw, name):
    c = hello3(raw())
    subscriber(c, "SUBSCRIBE", name("c"))
    assert call(c, "RESET") == b"+RESET\r\n"
    assert numsub(r, name("c")) == 0
    assert call(c, "HGETALL", name("nokey")) == b"*0\r\n"  # RESP2 again


def test_resp3_hello_2_while_subscribed_enters_the_context(r, raw, name):
    c = hello3(raw())
    subscriber(c, "SUBSCRIBE", name("c"))
    assert call(c, "HELLO", "2").startswith(b"*14\r\n")
    assert call(c, "GET", "x") == CONTEXT_ERR % b"get"
    assert r.publish(name("c"), "m") == 1
    assert c.read() == arr("message", name("c"), "m")


def test_resp3_quit_while_subscribed(raw, name):
    c = hello3(raw())
    subscriber(c, "SUBSCRIBE", name("c"))
    c.send(encode("QUIT"))
    assert c.read_until_closed() == (b"+OK\r\n", True)


# --- receiver counts ---

def test_publish_without_subscribers(r, name):
    assert r.publish(name("nobody"), "m") == 0
    assert r.execute_command("SPUBLISH", name("nobody"), "m") == 0


def test_publish_counts_channel_and_every_matching_pattern(r, raw, name):
    ch = name("chan")
    a = raw()
    subscriber(a, "SUBSCRIBE", ch)
    subscriber(a, "PSUBSCRIBE", name("ch*"), name("*an"), name("x*"))
    b = subscriber(raw(), "SUBSCRIBE", ch)
    c = subscriber(raw(), "PSUBSCRIBE", name("ch*"))
    d = subscriber(raw(), "PSUBSCRIBE", name("nomatch*"))
    e = subscriber(raw(), "SSUBSCRIBE", ch)  # shard subscribers never count for PUBLISH
    # a: channel + 2 matching patterns; b: channel; c: one pattern.
    assert r.publish(ch, "m") == 5
    first = parse(a.read())
    rest = [parse(a.read()) for _ in range(2)]
    assert first == [b"message", ch.encode(), b"m"]
    assert sorted(rest) == sorted([[b"pmessage", p.encode(), ch.encode(), b"m"]
                                   for p in (name("ch*"), name("*an"))])
    assert b.read() == arr("message", ch, "m")
    assert c.read() == arr("pmessage", name("ch*"), ch, "m")
    for conn in (a, b, c, d, e):
        assert_nothing_pending(conn)


def test_same_pattern_on_two_clients_counts_twice(r, raw, name):
    a = subscriber(raw(), "PSUBSCRIBE", name("p*"))
    b = subscriber(raw(), "PSUBSCRIBE", name("p*"))
    assert r.publish(name("p1"), "m") == 2
    for conn in (a, b):
        assert conn.read() == arr("pmessage", name("p*"), name("p1"), "m")


def test_fanout_to_many_connections(r, raw, name):
    """Enough subscriber connections that every server thread has several."""
    ch = name("c")
    subs = [subscriber(raw(), "SUBSCRIBE", ch) for _ in range(12)]
    pats = [subscriber(raw(), "PSUBSCRIBE", name("*")) for _ in range(4)]
    for i in range(50):
        assert r.publish(ch, f"m{i}") == 16
    for conn in subs:
        assert reads(conn, 50) == b"".join(arr("message", ch, f"m{i}") for i in range(50))
    for conn in pats:
        assert reads(conn, 50) == b"".join(arr("pmessage", name("*"), ch, f"m{i}")
                                           for i in range(50))


def test_unsubscribe_lowers_the_count_at_once(r, raw, name):
    ch = name("c")
    a = subscriber(raw(), "SUBSCRIBE", ch)
    subscriber(a, "PSUBSCRIBE", name("c*"))
    b = subscriber(raw(), "SUBSCRIBE", ch)
    assert r.publish(ch, "1") == 3
    assert b.read() == arr("message", ch, "1")
    assert call(b, "UNSUBSCRIBE", ch) == arr("unsubscribe", ch, 0)
    assert r.publish(ch, "2") == 2
    assert reads(a, 4) == (arr("message", ch, "1") + arr("pmessage", name("c*"), ch, "1")
                           + arr("message", ch, "2") + arr("pmessage", name("c*"), ch, "2"))
    assert call(b, "PING") == b"+PONG\r\n"
    assert call(a, "PUNSUBSCRIBE") == arr("punsubscribe", name("c*"), 1)
    assert r.publish(ch, "3") == 1
    assert a.read() == arr("message", ch, "3")


# --- PUBSUB ---

def test_pubsub_channels(start_server, connect):
    srv = start_server()
    r = srv.client()
    a = subscriber(connect(srv), "SUBSCRIBE", "news.tech", "news.art", "sports")
    b = subscriber(connect(srv), "SUBSCRIBE", "news.tech")
    subscriber(connect(srv), "PSUBSCRIBE", "pat*")  # patterns are not channels
    subscriber(connect(srv), "SSUBSCRIBE", "shard1")  # nor shard channels
    assert sorted(r.pubsub_channels()) == ["news.art", "news.tech", "sports"]
    assert sorted(r.execute_command("PUBSUB", "CHANNELS")) == ["news.art", "news.tech", "sports"]
    assert sorted(r.pubsub_channels("news.*")) == ["news.art", "news.tech"]
    assert r.pubsub_channels("nothing*") == []
    call(a, "UNSUBSCRIBE", "news.tech")
    assert sorted(r.pubsub_channels()) == ["news.art", "news.tech", "sports"]  # b remains
    call(b, "UNSUBSCRIBE", "news.tech")
    assert sorted(r.pubsub_channels()) == ["news.art", "sports"]
    a.close()
    wait_for(lambda: r.pubsub_channels(), [])
    r.close()


def test_pubsub_numsub(r, raw, name):
    a, b, zero = name("a"), name("b"), name("zero")
    subscriber(raw(), "SUBSCRIBE", a, b)
    subscriber(raw(), "SUBSCRIBE", a)
    subscriber(raw(), "PSUBSCRIBE", name("*"))  # patterns do not count
    subscriber(raw(), "SSUBSCRIBE", a)  # shard subscriptions do not count
    # Order of the arguments, duplicates repeated, absent channels 0.
    assert r.execute_command("PUBSUB", "NUMSUB", b, zero, a, b) == [b, 1, zero, 0, a, 2, b, 1]
    assert r.execute_command("PUBSUB", "NUMSUB") == []


def test_pubsub_numsub_after_disconnect(r, raw, name):
    ch = name("c")
    a = subscriber(raw(), "SUBSCRIBE", ch)
    subscriber(raw(), "SUBSCRIBE", ch)
    assert numsub(r, ch) == 2
    a.close()
    wait_for(lambda: numsub(r, ch), 1)


def test_pubsub_numpat_counts_unique_patterns(start_server, connect):
    srv = start_server()
    r = srv.client()
    assert r.pubsub_numpat() == 0
    a = subscriber(connect(srv), "PSUBSCRIBE", "p*", "q*", "p*")
    b = subscriber(connect(srv), "PSUBSCRIBE", "p*")
    subscriber(connect(srv), "SUBSCRIBE", "p1")  # channels do not count
    assert r.pubsub_numpat() == 2
    assert call(a, "PUNSUBSCRIBE", "p*") == arr("punsubscribe", "p*", 1)
    assert r.pubsub_numpat() == 2  # b still has p*
    assert call(b, "PUNSUBSCRIBE") == arr("punsubscribe", "p*", 0)
    assert r.pubsub_numpat() == 1
    subscriber(b, "PSUBSCRIBE", "r*", "s*")
    assert r.pubsub_numpat() == 3
    a.close()
    wait_for(lambda: r.pubsub_numpat(), 2)
    b.close()
    wait_for(lambda: r.pubsub_numpat(), 0)
    r.close()


def test_pubsub_shardchannels_and_shardnumsub(start_server, connect):
    srv = start_server()
    r = srv.client()
    a = subscriber(connect(srv), "SSUBSCRIBE", "s.one", "s.two", "other")
    subscriber(connect(srv), "SSUBSCRIBE", "s.one")
    subscriber(connect(srv), "SUBSCRIBE", "plain")  # not a shard channel
    shardchannels = lambda *pat: sorted(r.execute_command("PUBSUB", "SHARDCHANNELS", *pat))
    assert shardchannels() == ["other", "s.one", "s.two"]
    assert shardchannels("*") == ["other", "s.one", "s.two"]
    assert shardchannels("s.*") == ["s.one", "s.two"]
    assert shardchannels("plain") == []
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", "s.one", "plain", "s.two", "s.one") == \
        ["s.one", 2, "plain", 0, "s.two", 1, "s.one", 2]
    assert r.execute_command("PUBSUB", "SHARDNUMSUB") == []
    assert r.pubsub_channels() == ["plain"]
    assert call(a, "SUNSUBSCRIBE", "s.two") == arr("sunsubscribe", "s.two", 2)
    assert shardchannels() == ["other", "s.one"]
    a.close()
    wait_for(lambda: shardchannels(), ["s.one"])
    assert r.execute_command("PUBSUB", "SHARDNUMSUB", "s.one") == ["s.one", 1]
    r.close()


def test_pubsub_help(raw):
    assert parse(call(raw(), "PUBSUB", "HELP")) == [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "SHARDCHANNELS [<pattern>]",
        "    Return the currently active shard level channels matching a <pattern> "
        "(default: '*').",
        "SHARDNUMSUB [<shardchannel> ...]",
        "    Return the number of subscribers for the specified shard level channel(s)",
        "HELP",
        "    Prints this help.",
    ]


# --- sharded channels ---

def test_ssubscribe_spublish_sunsubscribe(r, raw, name):
    s = name("s")
    a = subscriber(raw(), "SSUBSCRIBE", s)
    b = subscriber(raw(), "SSUBSCRIBE", s)
    assert r.execute_command("SPUBLISH", s, "m1") == 2
    for conn in (a, b):
        assert conn.read() == arr("smessage", s, "m1")
    assert call(b, "SUNSUBSCRIBE", s) == arr("sunsubscribe", s, 0)
    assert r.execute_command("SPUBLISH", s, "m2") == 1
    assert a.read() == arr("smessage", s, "m2")
    assert call(b, "PING") == b"+PONG\r\n"


def test_shard_and_plain_channels_are_separate(r, raw, name):
    ch = name("c")
    plain = subscriber(raw(), "SUBSCRIBE", ch)
    pattern = subscriber(raw(), "PSUBSCRIBE", name("*"))
    shard = subscriber(raw(), "SSUBSCRIBE", ch)
    assert r.execute_command("SPUBLISH", ch, "to-shard") == 1  # patterns never match shards
    assert shard.read() == arr("smessage", ch, "to-shard")
    assert r.publish(ch, "to-plain") == 2
    assert plain.read() == arr("message", ch, "to-plain")
    assert pattern.read() == arr("pmessage", name("*"), ch, "to-plain")
    for conn in (plain, pattern, shard):
        assert_nothing_pending(conn)


def test_ssubscribe_keys_in_different_slots(r, raw):
    """Without cluster mode one SSUBSCRIBE may name channels of different hash slots."""
    c = raw()
    c.send(encode("SSUBSCRIBE", "foo", "bar", "{foo}x"))  # slots 12182, 5061, 12182
    assert reads(c, 3) == (arr("ssubscribe", "foo", 1) + arr("ssubscribe", "bar", 2)
                           + arr("ssubscribe", "{foo}x", 3))
    assert r.execute_command("SPUBLISH", "bar", "m") == 1
    assert c.read() == arr("smessage", "bar", "m")
    c.send(encode("SUNSUBSCRIBE", "foo", "bar"))
    assert reads(c, 2) == arr("sunsubscribe", "foo", 2) + arr("sunsubscribe", "bar", 1)


# --- ordering and fan-out across connections ---

@pytest.mark.timeout(120)
def test_publishers_on_many_connections_ordering(server, name):
    ch = name("c")
    npub, nmsg, nsub = 4, 500, 3
    subs = []
    for _ in range(nsub):
        p = server.client().pubsub()
        p.subscribe(ch)
        assert next_message(p)["type"] == "subscribe"
        subs.append(p)
    received = [[] for _ in range(nsub)]

    def read(i):
        p, deadline = subs[i], time.monotonic() + 60
        while len(received[i]) < npub * nmsg and time.monotonic() < deadline:
            m = p.get_message(timeout=1)
            if m is not None:
                received[i].append(m["data"])

    totals = [0] * npub
    barrier = threading.Barrier(npub)

    def publish(k):
        c = server.client()
        barrier.wait(10)
        for n in range(nmsg):
            totals[k] += c.publish(ch, f"{k}:{n}")
        c.close()

    threads = [threading.Thread(target=read, args=(i,)) for i in range(nsub)]
    threads += [threading.Thread(target=publish, args=(k,)) for k in range(npub)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not any(t.is_alive() for t in threads)
    assert sum(totals) == nsub * npub * nmsg
    assert totals == [nsub * nmsg] * npub
    for got in received:
        assert len(got) == npub * nmsg
        assert len(set(got)) == len(got)  # no duplicates
        for k in range(npub):
            mine = [int(m.split(":")[1]) for m in got if m.startswith(f"{k}:")]
            assert mine == list(range(nmsg))  # each publisher's order
    for p in subs:
        p.close()


# --- glob patterns ---

GLOB_CHANNELS = [b"a", b"b", b"c", b"ab", b"ac", b"abc", b"aXc", b"a*c", b"a?c", b"a[c", b"a]c",
                 b"a\\c", b"a-c", b"a^c", b"news.tech", b"news.sport", b"h\xc3\xa9llo", b"x y",
                 b"A", b"", b"a\\", b"[", b"]", b"*", b"?"]
_ALL = set(GLOB_CHANNELS) - {b""}
_A3 = {b"abc", b"aXc", b"a*c", b"a?c", b"a[c", b"a]c", b"a\\c", b"a-c", b"a^c"}

GLOB_CASES = [
    (b"*", _ALL),  # '*' does not match the empty channel name
    (b"**", _ALL),
    (b"", {b""}),
    (b"a*", {b"a", b"ab", b"ac", b"a\\"} | _A3),
    (b"*c", {b"c", b"ac"} | _A3),
    (b"a**c", {b"ac"} | _A3),
    (b"a?c", _A3),
    (b"?", {b"a", b"b", b"c", b"A", b"[", b"]", b"*", b"?"}),
    (b"h?llo", set()),  # '?' is one byte, not one UTF-8 character
    (b"h??llo", {b"h\xc3\xa9llo"}),
    (b"A*", {b"A"}),  # case-sensitive
    (b"news.*", {b"news.tech", b"news.sport"}),
    (b"x\\ y", {b"x y"}),
    (b"[abc]", {b"a", b"b", b"c"}),
    (b"[^abc]", {b"A", b"[", b"]", b"*", b"?"}),
    (b"[!a]", {b"a"}),  # '!' is no negation, only '^' is
    (b"a[bX]c", {b"abc", b"aXc"}),
    (b"a[^b]c", _A3 - {b"abc"}),
    (b"a[a-c]c", {b"abc"}),
    (b"a[c-a]c", {b"abc"}),  # a reversed range is the same range
    (b"[A-Z]", {b"A"}),
    (b"a[-]c", {b"a-c"}),
    (b"[a-]", {b"a", b"]"}),  # "a-]" is a range a..']' (reversed), the set is unclosed
    (b"a[b-]", {b"ab"}),
    (b"a\\*c", {b"a*c"}),
    (b"a\\?c", {b"a?c"}),
    (b"\\[", {b"["}),
    (b"[[]", {b"["}),
    (b"[*]", {b"*"}),
    (b"[?]", {b"?"}),
    (b"a[\\]]c", {b"a]c"}),
    (b"a\\\\c", {b"a\\c"}),
    (b"a\\", {b"a\\"}),  # a trailing backslash is literal
    (b"a[\\", {b"a\\"}),
    (b"a[]c", set()),  # an empty set matches nothing
    (b"[]]", set()),
    (b"a[^]c", _A3),  # a negated empty set matches any byte
    (b"a[", set()),  # unclosed '[' at the end matches nothing
    (b"a[bc", {b"ab", b"ac"}),  # unclosed set: the set runs to the end of the pattern
    (b"a[^", {b"ab", b"ac", b"a\\"}),
]


@pytest.fixture(scope="module")
def glob_env(request):
    """A server of its own whose only channels are GLOB_CHANNELS, and a control connection."""
    srv = ServerProcess(request.config)
    sub = RawConnection(srv.host, srv.port)
    subscriber(sub, "SUBSCRIBE", *GLOB_CHANNELS)
    ctl = RawConnection(srv.host, srv.port)
    yield srv, ctl
    sub.close()
    ctl.close()
    srv.stop()


def test_glob_all_channels_listed(glob_env):
    srv, ctl = glob_env
    assert sorted(parse(call(ctl, "PUBSUB", "CHANNELS"))) == sorted(GLOB_CHANNELS)


@pytest.mark.parametrize("pattern,expected", GLOB_CASES, ids=[repr(p)[2:-1] for p, _ in GLOB_CASES])
def test_glob_pubsub_channels(glob_env, pattern, expected):
    srv, ctl = glob_env
    assert set(parse(call(ctl, "PUBSUB", "CHANNELS", pattern))) == expected


@pytest.mark.parametrize("pattern,expected", GLOB_CASES, ids=[repr(p)[2:-1] for p, _ in GLOB_CASES])
def test_glob_psubscribe(glob_env, connect, pattern, expected):
    srv, ctl = glob_env
    p = subscriber(connect(srv), "PSUBSCRIBE", pattern)
    for ch in GLOB_CHANNELS:
        # 1 for the channel subscriber, 1 more when the pattern matches
        assert parse(call(ctl, "PUBLISH", ch, b"m")) == 1 + (ch in expected), ch
    for ch in GLOB_CHANNELS:
        if ch in expected:
            assert p.read() == arr("pmessage", pattern, ch, "m")
    assert call(p, "PUNSUBSCRIBE", pattern) == arr("punsubscribe", pattern, 0)


def test_glob_pathological_pattern_is_fast(glob_env, connect):
    srv, ctl = glob_env
    sub = subscriber(connect(srv), "SUBSCRIBE", b"a" * 60)
    pattern = b"a*" * 30 + b"b"
    start = time.monotonic()
    assert parse(call(ctl, "PUBSUB", "CHANNELS", pattern)) == []
    p = subscriber(connect(srv), "PSUBSCRIBE", pattern)
    assert parse(call(ctl, "PUBLISH", b"a" * 60, "m")) == 1
    assert time.monotonic() - start < 5
    assert sub.read() == arr("message", b"a" * 60, "m")
    assert call(p, "PUNSUBSCRIBE") == arr("punsubscribe", pattern, 0)
    # Leave glob_env's channel set as the other tests expect it.
    assert call(sub, "UNSUBSCRIBE") == arr("unsubscribe", b"a" * 60, 0)


# --- errors ---

@pytest.mark.parametrize("args,error", [
    (("SUBSCRIBE",), b"wrong number of arguments for 'subscribe' command"),
    (("PSUBSCRIBE",), b"wrong number of arguments for 'psubscribe' command"),
    (("SSUBSCRIBE",), b"wrong number of arguments for 'ssubscribe' command"),
    (("PUBLISH",), b"wrong number of arguments for 'publish' command"),
    (("PUBLISH", "c"), b"wrong number of arguments for 'publish' command"),
    (("PUBLISH", "c", "m", "x"), b"wrong number of arguments for 'publish' command"),
    (("SPUBLISH", "c"), b"wrong number of arguments for 'spublish' command"),
    (("SPUBLISH", "c", "m", "x"), b"wrong number of arguments for 'spublish' command"),
    (("PUBSUB",), b"wrong number of arguments for 'pubsub' command"),
    (("PUBSUB", "FOO"), b"unknown subcommand 'FOO'. Try PUBSUB HELP."),
    (("pubsub", "Foo", "bar"), b"unknown subcommand 'Foo'. Try PUBSUB HELP."),
    (("PUBSUB", "NUMPAT", "x"), b"wrong number of arguments for 'pubsub|numpat' command"),
    (("PUBSUB", "CHANNELS", "a", "b"),
     b"unknown subcommand or wrong number of arguments for 'CHANNELS'. Try PUBSUB HELP."),
    (("PUBSUB", "channels", "a", "b"),  # the subcommand as the client spelled it
     b"unknown subcommand or wrong number of arguments for 'channels'. Try PUBSUB HELP."),
    (("PUBSUB", "SHARDCHANNELS", "a", "b"),
     b"unknown subcommand or wrong number of arguments for 'SHARDCHANNELS'. Try PUBSUB HELP."),
])
def test_errors(raw, args, error):
    c = raw()
    assert call(c, *args) == b"-ERR " + error + b"\r\n"
    assert call(c, "PING") == b"+PONG\r\n"


def test_pubsub_subcommands_case_insensitive(r, name):
    assert isinstance(r.execute_command("pubsub", "numpat"), int)
    assert r.execute_command("PubSub", "NumSub", name("x")) == [name("x"), 0]
    assert r.execute_command("pubsub", "Channels", name("*")) == []
    assert r.execute_command("PUBSUB", "shardnumsub", name("x")) == [name("x"), 0]


# --- binary safety, large payloads ---

def test_binary_channel_and_payload(raw, server):
    ch = b"bin\r\n\x00chan\xff"
    payload = b"\x00\r\n\xff$3\r\n*1\r\n:0\r\n"
    c = subscriber(raw(), "SUBSCRIBE", ch)
    subscriber(c, "PSUBSCRIBE", b"bin\r\n\x00*")
    rb = server.client(decode_responses=False)
    assert rb.publish(ch, payload) == 2
    assert c.read() == arr("message", ch, payload)
    assert c.read() == arr("pmessage", b"bin\r\n\x00*", ch, payload)
    assert ch in rb.pubsub_channels(b"bin\r\n\x00*")
    assert rb.pubsub_numsub(ch) == [(ch, 1)]
    rb.close()


def test_large_payload(raw, server, name):
    ch = name("big")
    payload = bytes(range(256)) * 4096  # 1 MiB, every byte value
    c = subscriber(raw(), "SUBSCRIBE", ch)
    p = server.client(decode_responses=False).pubsub()
    p.subscribe(ch)
    assert next_message(p)["type"] == "subscribe"
    rb = server.client(decode_responses=False)
    assert rb.publish(ch, payload) == 2
    assert c.read(timeout=10) == arr("message", ch, payload)
    m = next_message(p, timeout=10)
    assert m["data"] == payload
    rb.close()
    p.close()


# --- disconnects ---

def test_disconnect_removes_subscriptions(r, raw, name):
    ch = name("c")
    a = subscriber(raw(), "SUBSCRIBE", ch)
    subscriber(a, "PSUBSCRIBE", name("c*"))
    subscriber(a, "SSUBSCRIBE", ch)
    b = subscriber(raw(), "SUBSCRIBE", ch)
    assert r.publish(ch, "m") == 3
    assert r.execute_command("SPUBLISH", ch, "m") == 1
    a.close()
    wait_for(lambda: numsub(r, ch), 1)
    wait_for(lambda: r.execute_command("PUBSUB", "SHARDNUMSUB", ch), [ch, 0])
    wait_for(lambda: r.publish(ch, "m"), 1)
    assert r.execute_command("SPUBLISH", ch, "m") == 0
    assert b.read() == arr("message", ch, "m")


# --- CLIENT LIST ---

def client_fields(r, client_name):
    for line in r.execute_command("CLIENT", "LIST").splitlines():
        fields = dict(f.split("=", 1) for f in line.split(" "))
        if fields["name"] == client_name:
            return fields
    raise AssertionError(f"no client named {client_name}")


def test_client_list_subscription_fields(start_server, connect):
    srv = start_server()  # no other client may be a pubsub one
    r = srv.client()
    c = connect(srv)
    assert call(c, "CLIENT", "SETNAME", "subber") == b"+OK\r\n"
    f = client_fields(r, "subber")
    assert (f["flags"], f["sub"], f["psub"], f["ssub"]) == ("N", "0", "0", "0")
    subscriber(c, "SUBSCRIBE", "c1", "c2")
    subscriber(c, "PSUBSCRIBE", "p*")
    subscriber(c, "SSUBSCRIBE", "s1", "s2", "s3")
    f = client_fields(r, "subber")
    assert (f["flags"], f["sub"], f["psub"], f["ssub"]) == ("P", "2", "1", "3")
    assert f["cmd"] == "ssubscribe"
    me = r.client_info()
    assert tuple(str(me[k]) for k in ("flags", "sub", "psub", "ssub")) == ("N", "0", "0", "0")
    names = [line.split(" name=")[1].split(" ")[0]
             for line in r.execute_command("CLIENT", "LIST", "TYPE", "pubsub").splitlines()]
    assert names == ["subber"]
    c.send(encode("SUNSUBSCRIBE"))
    reads(c, 3)
    c.send(encode("UNSUBSCRIBE"))
    reads(c, 2)
    f = client_fields(r, "subber")
    assert (f["flags"], f["sub"], f["psub"], f["ssub"]) == ("P", "0", "1", "0")
    call(c, "PUNSUBSCRIBE")
    f = client_fields(r, "subber")
    assert (f["flags"], f["sub"], f["psub"], f["ssub"]) == ("N", "0", "0", "0")
    assert r.execute_command("CLIENT", "LIST", "TYPE", "pubsub") == ""
    r.close()


def test_client_list_shard_only_subscriber_is_pubsub(r, raw):
    c = raw()
    call(c, "CLIENT", "SETNAME", "sharder")
    subscriber(c, "SSUBSCRIBE", "x")
    f = client_fields(r, "sharder")
    assert (f["flags"], f["sub"], f["psub"], f["ssub"]) == ("P", "0", "0", "1")


# --- MULTI ---

def test_subscribe_inside_multi_runs_at_exec(r, raw, name):
    ch = name("c")
    c = raw()
    assert call(c, "MULTI") == b"+OK\r\n"
    assert call(c, "SUBSCRIBE", ch) == b"+QUEUED\r\n"
    assert call(c, "PSUBSCRIBE", name("c*")) == b"+QUEUED\r\n"
    assert call(c, "PING") == b"+QUEUED\r\n"
    assert numsub(r, ch) == 0
    # PING inside the EXEC already answers in the subscribed form.
    assert call(c, "EXEC") == (b"*3\r\n" + arr("subscribe", ch, 1)
                               + arr("psubscribe", name("c*"), 2) + arr("pong", ""))
    assert numsub(r, ch) == 1
    assert call(c, "GET", "x") == CONTEXT_ERR % b"get"
    assert r.publish(ch, "m") == 2
    assert c.read() == arr("message", ch, "m")
    assert c.read() == arr("pmessage", name("c*"), ch, "m")


def test_multi_with_subscribe_then_other_commands(r, raw, name):
    ch = name("c")
    c = raw()
    call(c, "MULTI")
    assert call(c, "SUBSCRIBE", ch) == b"+QUEUED\r\n"
    assert call(c, "GET", name("k")) == b"+QUEUED\r\n"
    assert call(c, "UNSUBSCRIBE", ch) == b"+QUEUED\r\n"
    # Inside EXEC, GET runs normally even after the SUBSCRIBE.
    assert call(c, "EXEC") == (b"*3\r\n" + arr("subscribe", ch, 1) + b"$-1\r\n"
                               + arr("unsubscribe", ch, 0))
    assert call(c, "GET", name("k")) == b"$-1\r\n"


def test_resp3_subscribe_inside_multi(r, raw, name):
    ch = name("c")
    c = hello3(raw())
    call(c, "MULTI")
    call(c, "SUBSCRIBE", ch)
    call(c, "PING")
    # The confirmation is a push element inside EXEC's array.
    assert call(c, "EXEC") == b"*2\r\n" + push("subscribe", ch, 1) + b"+PONG\r\n"
    assert r.publish(ch, "m") == 1
    assert c.read() == push("message", ch, "m")


def test_publish_inside_multi(r, raw, name):
    ch = name("c")
    s = subscriber(raw(), "SUBSCRIBE", ch)
    c = raw()
    call(c, "MULTI")
    assert call(c, "PUBLISH", ch, "1") == b"+QUEUED\r\n"
    assert call(c, "PUBLISH", ch, "2") == b"+QUEUED\r\n"
    assert call(c, "EXEC") == b"*2\r\n:1\r\n:1\r\n"
    assert reads(s, 2) == arr("message", ch, "1") + arr("message", ch, "2")

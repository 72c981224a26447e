"""CLIENT PAUSE <timeout> [WRITE|ALL] and CLIENT UNPAUSE, against both servers.

A paused command waits with its client; nothing here asserts how fast anything is, only
that what is held is held (it has not answered while the pause lasts) and that it runs, in
order, once the pause ends."""

import threading
import time

import pytest

from conftest import RawConnection, encode


@pytest.fixture
def pause(server, r):
    """CLIENT PAUSE for a test; whatever it leaves is ended after it (the server is shared)."""
    def do(ms, *mode):
        return r.execute_command("CLIENT", "PAUSE", ms, *mode)

    yield do
    server.client().execute_command("CLIENT", "UNPAUSE")


def raw(server):
    return RawConnection(server.host, server.port)


def nothing_yet(conn, wait=0.3):
    """No reply arrives within `wait` seconds."""
    conn.sock.settimeout(wait)
    try:
        chunk = conn.sock.recv(65536)
    except TimeoutError:
        return True
    conn.buf += chunk
    return False


def test_errors(r):
    def err(*args):
        with pytest.raises(Exception) as e:
            r.execute_command("CLIENT", *args)
        return str(e.value)

    assert err("PAUSE", "100", "bogus") == "CLIENT PAUSE mode must be WRITE or ALL"
    assert err("PAUSE", "abc", "bogus") == "CLIENT PAUSE mode must be WRITE or ALL"
    assert err("PAUSE", "1.5") == "timeout is not an integer or out of range"
    assert err("PAUSE", "abc", "WRITE") == "timeout is not an integer or out of range"
    assert err("PAUSE", "-1") == "timeout is negative"
    assert err("PAUSE", "100", "ALL", "x") == \
        "unknown subcommand or wrong number of arguments for 'PAUSE'. Try CLIENT HELP."
    assert err("PAUSE") == "wrong number of arguments for 'client|pause' command"
    assert err("UNPAUSE", "x") == "wrong number of arguments for 'client|unpause' command"
    assert r.execute_command("CLIENT", "PAUSE", "0") == "OK"
    assert r.execute_command("CLIENT", "UNPAUSE") == "OK"


def test_write_pause_holds_writes_not_reads(server, r, pause):
    r.set("k", "before")
    assert pause(10000, "WRITE") == "OK"
    c = raw(server)
    c.send(encode("GET", "k"))
    assert c.read() == b"$6\r\nbefore\r\n"
    c.send(encode("SET", "k", "after"))
    assert nothing_yet(c)
    assert r.get("k") == "before"
    # Held: flagged blocked, counted, its command named.
    line = [ln for ln in r.execute_command("CLIENT", "LIST").splitlines() if "cmd=set" in ln]
    assert len(line) == 1 and " flags=b " in line[0]
    assert r.info("clients")["blocked_clients"] == 1
    # PUBLISH and EVAL may replicate: held too; EVAL_RO is not.
    p = raw(server)
    p.send(encode("PUBLISH", "ch", "m"))
    e = raw(server)
    e.send(encode("EVAL_RO", "return 7", "0"))
    assert e.read() == b":7\r\n"
    assert nothing_yet(p, 0.1)
    r.execute_command("CLIENT", "UNPAUSE")
    assert c.read() == b"+OK\r\n"
    assert p.read() == b":0\r\n"
    assert r.get("k") == "after"
    assert r.info("clients")["blocked_clients"] == 0
    for conn in (c, p, e):
        conn.close()


def test_all_pause_holds_every_command(server, r, pause):
    pause(1500, "ALL")
    c = raw(server)
    c.send(encode("PING"))
    assert nothing_yet(c)
    # Even UNPAUSE from another client waits: this pause ends when its time is up.
    u = raw(server)
    u.send(encode("CLIENT", "UNPAUSE"))
    assert nothing_yet(u, 0.1)
    assert c.read(timeout=10) == b"+PONG\r\n"
    assert u.read(timeout=10) == b"+OK\r\n"
    u.close()
    c.close()


def test_all_pause_ends_on_its_own(server, r, pause):
    pause(300)  # ALL by default
    c = raw(server)
    start = time.monotonic()
    c.send(encode("PING"))
    assert c.read(timeout=10) == b"+PONG\r\n"
    assert time.monotonic() - start >= 0.25
    c.close()


def test_a_later_pause_only_extends_and_strengthens(server, r, pause):
    r.set("b", "2")
    pause(1500, "WRITE")
    pause(100, "WRITE")  # does not shorten it
    c = raw(server)
    c.send(encode("SET", "a", "1"))
    assert nothing_yet(c, 0.5)
    pause(100, "ALL")  # ALL now, until the end of the first pause
    g = raw(server)
    g.send(encode("GET", "b"))
    assert nothing_yet(g, 0.3)
    assert c.read(timeout=10) == b"+OK\r\n"
    assert g.read(timeout=10) == b"$1\r\n2\r\n"
    c.close()
    g.close()


def test_pipeline_keeps_its_order(server, r, pause):
    pause(10000, "WRITE")
    c = raw(server)
    c.send(encode("GET", "p") + encode("SET", "p", "1") + encode("INCR", "p") + encode("GET", "p"))
    assert c.read() == b"$-1\r\n"
    assert nothing_yet(c)
    r.execute_command("CLIENT", "UNPAUSE")
    assert c.read() == b"+OK\r\n"
    assert c.read() == b":2\r\n"
    assert c.read() == b"$1\r\n2\r\n"
    c.close()


def test_transactions(server, r, pause):
    pause(10000, "WRITE")
    c = raw(server)
    c.send(encode("MULTI"))
    assert c.read() == b"+OK\r\n"
    # Redis compat: a write is held as it is queued.
    c.send(encode("SET", "t", "1"))
    assert nothing_yet(c)
    r.execute_command("CLIENT", "UNPAUSE")
    assert c.read() == b"+QUEUED\r\n"
    c.send(encode("GET", "t"))
    assert c.read() == b"+QUEUED\r\n"
    pause(10000, "WRITE")
    c.send(encode("EXEC"))
    assert nothing_yet(c)
    r.execute_command("CLIENT", "UNPAUSE")
    assert c.read() == b"*2\r\n+OK\r\n$1\r\n1\r\n"
    # A transaction of reads goes through a write pause.
    pause(10000, "WRITE")
    c.send(encode("MULTI") + encode("GET", "t") + encode("EXEC"))
    assert c.read() == b"+OK\r\n"
    assert c.read() == b"+QUEUED\r\n"
    assert c.read() == b"*1\r\n$1\r\n1\r\n"
    c.close()


def test_many_clients_on_every_thread_are_let_go(server, r, pause):
    pause(10000, "WRITE")
    conns = [raw(server) for _ in range(16)]
    for i, c in enumerate(conns):
        c.send(encode("INCR", "counter") + encode("SET", f"key:{i}", i))
    for c in conns:
        assert nothing_yet(c, 0.05)
    assert r.get("counter") is None
    r.execute_command("CLIENT", "UNPAUSE")
    for i, c in enumerate(conns):
        assert c.read(timeout=10).startswith(b":")
        assert c.read(timeout=10) == b"+OK\r\n"
        c.close()
    assert r.get("counter") == "16"
    assert r.mget([f"key:{i}" for i in range(16)]) == [str(i) for i in range(16)]


def test_a_held_client_that_goes_away(server, r, pause):
    pause(10000, "WRITE")
    c = raw(server)
    c.send(encode("SET", "gone", "1"))
    assert nothing_yet(c, 0.2)
    c.close()
    time.sleep(0.1)
    r.execute_command("CLIENT", "UNPAUSE")
    # Its command was read before it left: it runs, as in Redis.
    deadline = time.monotonic() + 5
    while r.info("clients")["blocked_clients"] != 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert r.info("clients")["blocked_clients"] == 0


def test_keys_do_not_expire_during_a_pause(server, r, pause):
    r.set("short", "1", px=50)
    pause(1000, "WRITE")
    time.sleep(0.4)  # active expiry would have removed it by now
    assert r.dbsize() == 1
    r.execute_command("CLIENT", "UNPAUSE")
    deadline = time.monotonic() + 5
    while r.dbsize() != 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert r.dbsize() == 0


def test_held_commands_from_a_thread_of_writers(server, r, pause):
    # redis-py blocks in its call; UNPAUSE from the test thread lets it return.
    pause(10000, "WRITE")
    done = []
    client = server.client()

    def write():
        done.append(client.set("threaded", "yes"))

    t = threading.Thread(target=write)
    t.start()
    time.sleep(0.3)
    assert done == []
    r.execute_command("CLIENT", "UNPAUSE")
    t.join(10)
    assert done == [True]
    assert r.get("threaded") == "yes"

"""Pipelines whose commands touch keys on many shards: replies come back in request order,
commands on one key keep their order, and errors, keyless and multi-key commands inside
the pipeline answer in place (Cinnabar spreads such runs over its shards at once)."""
import socket
import time


def test_replies_in_request_order(r):
    p = r.pipeline(transaction=False)
    for i in range(300):
        p.set(f"pk:{i}", i)
        p.incr(f"pk:{i}")
        p.get(f"pk:{i}")
    out = p.execute()
    for i in range(300):
        assert out[3 * i:3 * i + 3] == [True, i + 1, str(i + 1)]


def test_errors_and_other_commands_inside_a_run(r):
    r.rpush("plist", "a")
    p = r.pipeline(transaction=False)
    p.set("pa", 1)
    p.incr("plist")           # WRONGTYPE inside the run
    p.set("pb", 2)
    p.ping()                  # keyless: ends a run
    p.mget("pa", "pb", "pc")  # keys on several shards
    p.execute_command("NOSUCHCOMMAND", "x")
    p.lpush("plist", "b")
    p.execute_command("GET")  # wrong arity
    p.lrange("plist", 0, -1)
    p.hset("ph", "f", "v")
    p.hget("ph", "f")
    out = p.execute(raise_on_error=False)
    assert out[0] is True
    assert "WRONGTYPE" in str(out[1])
    assert out[2] is True
    assert out[3] is True
    assert out[4] == ["1", "2", None]
    assert "unknown command" in str(out[5])
    assert out[6] == 2
    assert "wrong number of arguments" in str(out[7])
    assert out[8] == ["b", "a"]
    assert out[9] == 1
    assert out[10] == "v"


def test_select_inside_a_pipeline_switches_database(r):
    p = r.pipeline(transaction=False)
    for i in range(20):
        p.set(f"db0:{i}", "zero")
    p.execute_command("SELECT", 1)
    for i in range(20):
        p.set(f"db0:{i}", "one")
    p.execute_command("SELECT", 0)
    for i in range(20):
        p.get(f"db0:{i}")
    out = p.execute()
    assert out[-20:] == ["zero"] * 20
    r.execute_command("SELECT", 1)
    try:
        assert r.mget([f"db0:{i}" for i in range(20)]) == ["one"] * 20
        r.flushdb()
    finally:
        r.execute_command("SELECT", 0)


def test_raw_pipeline_split_across_reads(server):
    # One long pipeline sent in odd-sized pieces: runs end at incomplete commands and the
    # rest is read on.
    s = socket.create_connection((server.host, server.port), timeout=5)
    req = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nrk%d\r\n$1\r\nx\r\n" % (len(b"rk%d" % i), i)
                   for i in range(2000))
    req += b"".join(b"*2\r\n$3\r\nGET\r\n$%d\r\nrk%d\r\n" % (len(b"rk%d" % i), i)
                    for i in range(2000))
    for off in range(0, len(req), 977):
        s.sendall(req[off:off + 977])
    want = b"+OK\r\n" * 2000 + b"$1\r\nx\r\n" * 2000
    got = b""
    while len(got) < len(want):
        chunk = s.recv(65536)
        assert chunk
        got += chunk
    assert got == want
    s.close()


def test_pipeline_wakes_a_blocked_client(r, server):
    waiter = server.client()
    conn = waiter.connection_pool.get_connection("BLPOP")
    conn.send_command("BLPOP", "pq", "0")
    time.sleep(0.1)
    p = r.pipeline(transaction=False)
    for i in range(10):
        p.set(f"w:{i}", i)
    p.rpush("pq", "job")
    for i in range(10):
        p.get(f"w:{i}")
    out = p.execute()
    assert out[10] == 1  # the length the push made; then the waiter takes it
    assert conn.read_response() in ([b"pq", b"job"], ["pq", "job"])
    waiter.connection_pool.release(conn)

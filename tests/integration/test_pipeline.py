"""Pipelines whose commands touch keys on many shards: replies come back in request order,
commands on one key keep their order, and errors, keyless and multi-key commands inside
the pipeline answer in place (Cinnabar spreads such runs over its shards at once)."""
import socket
import threading
import time

import pytest

from conftest import encode, read_exactly


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


BLOCKING = [
    (["BLPOP", "bq{n}", "0.01"], b"*-1\r\n"),
    (["BRPOP", "bq{n}", "0.01"], b"*-1\r\n"),
    (["BLMOVE", "bq{n}", "bd{n}", "LEFT", "RIGHT", "0.01"], b"*-1\r\n"),
    (["BRPOPLPUSH", "bq{n}", "bd{n}", "0.01"], b"*-1\r\n"),  # Redis compat: a null array
    (["BLMPOP", "0.01", "1", "bq{n}", "LEFT"], b"*-1\r\n"),
    (["BZPOPMIN", "bq{n}", "0.01"], b"*-1\r\n"),
    (["BZPOPMAX", "bq{n}", "0.01"], b"*-1\r\n"),
    (["BZMPOP", "0.01", "1", "bq{n}", "MIN"], b"*-1\r\n"),
]


def test_blocking_commands_pipelined_with_others_time_out_in_order(server, r):
    # Each blocking command on keys of every shard, followed in the same write by another
    # command: its timeout reply comes first, and it leaves no waiter behind to swallow a
    # later push.
    for args, timeout_reply in BLOCKING:
        for n in range(12):
            cmd = [a.format(n=n) for a in args]
            with socket.create_connection((server.host, server.port), timeout=5) as s:
                s.sendall(encode(*cmd) + encode("SADD", "pb", "m") + encode("PING"))
                got = read_exactly(s, timeout_reply + b":1\r\n+PONG\r\n")
                assert got in (timeout_reply + b":1\r\n+PONG\r\n",
                               timeout_reply + b":0\r\n+PONG\r\n"), (cmd, got)
    assert server.client().info("clients")["blocked_clients"] == 0
    for n in range(12):
        assert r.rpush(f"bq{n}", "v") == 1
        assert r.llen(f"bq{n}") == 1
    r.delete(*[f"bq{n}" for n in range(12)], *[f"bd{n}" for n in range(12)], "pb")


def test_blocking_command_pipelined_is_served_then_the_rest_runs(server, r):
    for n in range(12):
        r.rpush(f"bs{n}", "a", "b")
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        req = b"".join(encode("BLPOP", f"bs{n}", "0") + encode("LLEN", f"bs{n}")
                       for n in range(12))
        s.sendall(req)
        want = b"".join(b"*2\r\n$%d\r\nbs%d\r\n$1\r\na\r\n:1\r\n" % (len(f"bs{n}"), n)
                        for n in range(12))
        assert read_exactly(s, want) == want
    r.delete(*[f"bs{n}" for n in range(12)])


def test_blocking_command_pipelined_waits_for_data_then_the_rest_runs(server, r):
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        s.sendall(encode("BLPOP", "bw1", "0") + encode("SET", "bw2", "x") + encode("GET", "bw2"))
        deadline = time.time() + 5
        while r.info("clients")["blocked_clients"] < 1 and time.time() < deadline:
            time.sleep(0.01)
        assert r.get("bw2") is None  # the commands after the blocked one wait for it
        r.rpush("bw1", "job")
        want = b"*2\r\n$3\r\nbw1\r\n$3\r\njob\r\n+OK\r\n$1\r\nx\r\n"
        assert read_exactly(s, want) == want
    r.delete("bw1", "bw2")


def test_client_leaving_while_blocked_takes_its_waiter(server, r):
    for n in range(12):
        s = socket.create_connection((server.host, server.port), timeout=5)
        s.sendall(encode("BLPOP", f"bl{n}", "0") + encode("PING"))
        deadline = time.time() + 5
        while r.info("clients")["blocked_clients"] < 1 and time.time() < deadline:
            time.sleep(0.01)
        s.close()
        deadline = time.time() + 5
        while r.info("clients")["blocked_clients"] > 0 and time.time() < deadline:
            time.sleep(0.01)
        assert r.rpush(f"bl{n}", "v") == 1
        assert r.llen(f"bl{n}") == 1
    r.delete(*[f"bl{n}" for n in range(12)])


def test_other_clients_see_a_pipelines_writes_in_order(server, r):
    # A producer pipelines a job's parts, then pushes its id; a consumer that pops the id must
    # find every part (Redis applies one connection's commands in order).
    import threading
    jobs, parts = 300, 8
    failures = []

    def consume():
        c = server.client()
        for _ in range(jobs):
            _, job = c.brpop("jobs", timeout=10)
            values = c.mget([f"job:{job}:{p}" for p in range(parts)])
            if None in values:
                failures.append((job, values))

    t = threading.Thread(target=consume)
    t.start()
    with socket.create_connection((server.host, server.port), timeout=10) as s:
        for j in range(jobs):
            req = b"".join(encode("SET", f"job:{j}:{p}", "x") for p in range(parts))
            s.sendall(req + encode("LPUSH", "jobs", j))
            read_exactly(s, b"+OK\r\n" * parts + b":1\r\n")
    t.join(timeout=30)
    assert not failures
    r.delete("jobs", *[f"job:{j}:{p}" for j in range(jobs) for p in range(parts)])


@pytest.mark.cinnabar_only
def test_input_behind_a_blocked_command_stays_bounded(server, r):
    """Commands pipelined behind one that waits are not read from the socket without
    bound: the query buffer stays near a pipeline run's size (Redis reads them all)."""
    value = "x" * 10000
    sets = b"".join(encode("SET", f"qb:{i}", value) for i in range(400))  # 4 MB
    with socket.create_connection((server.host, server.port), timeout=10) as s:
        s.sendall(encode("CLIENT", "SETNAME", "qb-filler") + encode("BLPOP", "qb-q", "0"))
        sender = threading.Thread(target=s.sendall, args=(sets,))
        sender.start()
        deadline = time.time() + 5
        while r.info("clients")["blocked_clients"] < 1 and time.time() < deadline:
            time.sleep(0.01)
        time.sleep(0.3)  # what the socket hands over meanwhile
        line = next(c for c in r.client_list() if c["name"] == "qb-filler")
        assert int(line["qbuf"]) < 1024 * 1024
        r.rpush("qb-q", "go")
        want = b"+OK\r\n*2\r\n$4\r\nqb-q\r\n$2\r\ngo\r\n" + b"+OK\r\n" * 400
        assert read_exactly(s, want) == want
        sender.join()
    assert r.exists(*[f"qb:{i}" for i in range(400)]) == 400
    r.delete(*[f"qb:{i}" for i in range(400)])

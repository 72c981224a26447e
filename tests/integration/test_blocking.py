"""Blocking pops: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN BZPOPMAX BZMPOP.

Waiters are served first come, first served; timeouts, CLIENT UNBLOCK and disconnects end
a wait; keys on different shards (threads 4) wake the same way.
"""
import threading
import time

import pytest
import redis


BLOCKING = ("BLPOP", "BRPOP", "BLMOVE", "BRPOPLPUSH", "BLMPOP", "BZPOPMIN", "BZPOPMAX", "BZMPOP")


def raw_replies(c):
    """Makes `c` return the blocking commands' replies as sent (no redis-py reshaping)."""
    for name in BLOCKING:
        c.response_callbacks.pop(name, None)
        c.response_callbacks.pop(name.lower(), None)
    return c


@pytest.fixture(autouse=True)
def _raw(r):
    raw_replies(r)


def wait_blocked(r, n, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.info("clients")["blocked_clients"] == n:
            return
        time.sleep(0.005)
    raise AssertionError(f"blocked_clients never reached {n}")


class Blocked:
    """Runs one blocking call on its own connection, in a thread."""

    def __init__(self, server, *command, **client_kwargs):
        self.conn = raw_replies(server.client(**client_kwargs))
        self.id = self.conn.client_id()
        self.result = None
        self.error = None
        self.thread = threading.Thread(target=self._run, args=(command,), daemon=True)
        self.thread.start()

    def _run(self, command):
        try:
            self.result = self.conn.execute_command(*command)
        except redis.ResponseError as e:
            self.error = str(e)
        except redis.ConnectionError as e:
            self.error = f"connection: {e}"

    def join(self, timeout=5.0):
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the blocked call never returned"
        self.conn.close()
        return self.result


def test_blpop_returns_at_once_when_data_exists(r):
    r.rpush("b", "x", "y")
    assert r.execute_command("BLPOP", "a", "b", 0) == ["b", "x"]
    assert r.execute_command("BRPOP", "a", "b", 0) == ["b", "y"]
    assert r.exists("b") == 0


def test_blpop_times_out_with_null(r):
    start = time.time()
    assert r.execute_command("BLPOP", "nothing", "0.1") is None
    elapsed = time.time() - start
    assert 0.08 <= elapsed < 2
    assert r.execute_command("BRPOPLPUSH", "nothing", "dst", "0.05") is None
    assert r.execute_command("BLMOVE", "nothing", "dst", "LEFT", "RIGHT", "0.05") is None
    assert r.execute_command("BZPOPMIN", "nothing", "0.05") is None
    assert r.execute_command("BLMPOP", "0.05", 1, "nothing", "LEFT") is None
    assert r.execute_command("BZMPOP", "0.05", 1, "nothing", "MIN") is None
    assert r.info("clients")["blocked_clients"] == 0


def test_timeout_errors(r):
    with pytest.raises(redis.ResponseError, match="^timeout is negative$"):
        r.execute_command("BLPOP", "k", -1)
    with pytest.raises(redis.ResponseError, match="^timeout is not a float or out of range$"):
        r.execute_command("BLPOP", "k", "abc")
    with pytest.raises(redis.ResponseError, match="^timeout is not a float or out of range$"):
        r.execute_command("BRPOP", "k", "nan")
    with pytest.raises(redis.ResponseError, match="^timeout is negative$"):
        r.execute_command("BZPOPMIN", "k", "1e30")
    with pytest.raises(redis.ResponseError, match="^numkeys should be greater than 0$"):
        r.execute_command("BLMPOP", 0, 0, "k", "LEFT")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("BLMPOP", 0, 1, "k", "UP")
    with pytest.raises(redis.ResponseError, match="^count should be greater than 0$"):
        r.execute_command("BZMPOP", 0, 1, "k", "MIN", "COUNT", 0)
    # The MPOP arguments are checked before the timeout.
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("BZMPOP", -1, 1, "k", "UP")
    with pytest.raises(redis.ResponseError, match="^syntax error$"):
        r.execute_command("BLMOVE", "a", "b", "UP", "LEFT", 0)


def test_wrongtype_is_an_error_not_a_wait(r):
    r.set("s", "v")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        r.execute_command("BLPOP", "s", 0)
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        r.execute_command("BZPOPMAX", "s", 0)
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        r.execute_command("BLMOVE", "s", "d", "LEFT", "LEFT", 0)
    r.rpush("l", "x")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        r.execute_command("BLMOVE", "l", "s", "LEFT", "LEFT", 0)
    assert r.lrange("l", 0, -1) == ["x"]


def test_push_wakes_a_waiter(r, server):
    w = Blocked(server, "BLPOP", "q", 0)
    wait_blocked(r, 1)
    assert r.rpush("q", "job") == 1
    assert w.join() == ["q", "job"]
    assert r.exists("q") == 0
    assert r.info("clients")["blocked_clients"] == 0


def test_waiters_are_served_first_come_first_served(r, server):
    waiters = []
    for i in range(3):
        waiters.append(Blocked(server, "BLPOP", "q", 0))
        wait_blocked(r, i + 1)
    # One push of three elements: each waiter gets one, oldest first.
    assert r.rpush("q", "a", "b", "c") == 3
    assert [w.join() for w in waiters] == [["q", "a"], ["q", "b"], ["q", "c"]]
    assert r.exists("q") == 0


def test_push_to_a_key_with_waiters_hands_over_before_any_other_command(r, server):
    w = Blocked(server, "BRPOP", "q", 0)
    wait_blocked(r, 1)
    pipe = r.pipeline(transaction=False)
    pipe.lpush("q", "x")
    pipe.rpop("q")  # the waiter took it first
    assert pipe.execute() == [1, None]
    assert w.join() == ["q", "x"]


def test_blpop_on_several_keys_across_shards(r, server):
    keys = [f"list:{i}" for i in range(8)]
    w = Blocked(server, "BLPOP", *keys, 0)
    wait_blocked(r, 1)
    r.rpush(keys[5], "v")
    assert w.join() == [keys[5], "v"]
    # The waiter is gone from every key's queue: a later push stays in its list.
    r.rpush(keys[2], "stays")
    assert r.lrange(keys[2], 0, -1) == ["stays"]


def test_blmove_between_shards(r, server):
    pairs = [(f"src:{i}", f"dst:{i}") for i in range(4)]
    waiters = [Blocked(server, "BLMOVE", s, d, "RIGHT", "LEFT", 0) for s, d in pairs]
    wait_blocked(r, len(pairs))
    for s, _ in pairs:
        r.rpush(s, "a", s)
    for (s, d), w in zip(pairs, waiters):
        assert w.join() == s
        assert r.lrange(d, 0, -1) == [s]
        assert r.lrange(s, 0, -1) == ["a"]


def test_brpoplpush_wakes(r, server):
    w = Blocked(server, "BRPOPLPUSH", "src", "dst", 0)
    wait_blocked(r, 1)
    r.rpush("src", "1", "2")
    assert w.join() == "2"
    assert r.lrange("dst", 0, -1) == ["2"]
    assert r.lrange("src", 0, -1) == ["1"]


def test_blmpop_with_count(r, server):
    r.rpush("other", "untouched")
    w = Blocked(server, "BLMPOP", 0, 2, "q1", "q2", "RIGHT", "COUNT", 3)
    wait_blocked(r, 1)
    r.rpush("q2", "a", "b", "c", "d")
    assert w.join() == ["q2", ["d", "c", "b"]]
    assert r.lrange("q2", 0, -1) == ["a"]
    assert r.execute_command("BLMPOP", 0, 2, "q1", "q2", "LEFT", "COUNT", 10) == ["q2", ["a"]]


def test_bzpop_wakes_with_key_member_score(r, server):
    wmin = Blocked(server, "BZPOPMIN", "z1", "z2", 0)
    wait_blocked(r, 1)
    r.zadd("z2", {"a": 1, "b": 2.5})
    assert wmin.join() == ["z2", "a", "1"]
    wmax = Blocked(server, "BZPOPMAX", "z3", "z2", 0)
    assert wmax.join() == ["z2", "b", "2.5"]
    wm = Blocked(server, "BZMPOP", 0, 1, "z4", "MAX", "COUNT", 2)
    wait_blocked(r, 1)
    r.zadd("z4", {"x": 1, "y": 2, "z": 3})
    assert wm.join() == ["z4", [["z", "3"], ["y", "2"]]]
    assert r.zrange("z4", 0, -1) == ["x"]


def test_resp3_shapes_when_woken_and_on_timeout(r, raw):
    c = raw()
    c.send(b"HELLO 3\r\n")
    c.read()
    c.send(b"BZPOPMIN z 0\r\n")
    wait_blocked(r, 1)
    r.zadd("z", {"m": 1.5})
    assert c.read() == b"*3\r\n$1\r\nz\r\n$1\r\nm\r\n,1.5\r\n"
    c.send(b"BLPOP q 0.01\r\n")
    assert c.read() == b"_\r\n"
    c.send(b"BLMOVE q d LEFT LEFT 0.01\r\n")
    assert c.read() == b"_\r\n"
    c2 = raw()
    c2.send(b"BLMOVE q d LEFT LEFT 0.01\r\n")
    assert c2.read() == b"*-1\r\n"  # Redis 7.0: a null array, even for BLMOVE
    c2.send(b"BLPOP q 0.01\r\n")
    assert c2.read() == b"*-1\r\n"


def test_client_unblock_timeout_and_error(r, server):
    w = Blocked(server, "BLPOP", "q", 0)
    wait_blocked(r, 1)
    assert "flags=b" in r.execute_command("CLIENT", "LIST", "ID", w.id)
    assert r.execute_command("CLIENT", "UNBLOCK", w.id) == 1
    assert w.join() is None
    assert r.execute_command("CLIENT", "UNBLOCK", w.id) == 0

    w = Blocked(server, "BZPOPMIN", "z", 0)
    wait_blocked(r, 1)
    assert r.execute_command("CLIENT", "UNBLOCK", w.id, "ERROR") == 1
    w.join()
    assert w.error == "UNBLOCKED client unblocked via CLIENT UNBLOCK"
    assert r.info("clients")["blocked_clients"] == 0
    with pytest.raises(redis.ResponseError, match="reason should be TIMEOUT or ERROR"):
        r.execute_command("CLIENT", "UNBLOCK", w.id, "LATER")
    with pytest.raises(redis.ResponseError, match="not an integer"):
        r.execute_command("CLIENT", "UNBLOCK", "abc")


def test_disconnect_while_blocked_drops_the_waiter(r, server):
    c = server.client()
    conn = c.connection_pool.get_connection("BLPOP")
    conn.send_command("BLPOP", "q", 0)
    wait_blocked(r, 1)
    conn.disconnect()
    wait_blocked(r, 0)
    r.rpush("q", "kept")
    assert r.lrange("q", 0, -1) == ["kept"]


def test_wrong_type_key_does_not_wake_and_list_later_does(r, server):
    w = Blocked(server, "BLPOP", "k", 0)
    wait_blocked(r, 1)
    r.set("k", "string")
    time.sleep(0.05)
    assert r.info("clients")["blocked_clients"] == 1
    r.delete("k")
    r.rpush("k", "v")
    assert w.join() == ["k", "v"]


def test_timeout_is_honoured_while_others_are_served(r, server):
    short = Blocked(server, "BLPOP", "q", "0.2")
    forever = Blocked(server, "BLPOP", "q", 0)
    wait_blocked(r, 2)
    assert short.join(timeout=3) is None
    r.rpush("q", "x")
    assert forever.join() == ["q", "x"]


def test_job_queue_every_job_consumed_exactly_once(r, server):
    producers, consumers, per_producer = 4, 4, 25000
    total = producers * per_producer
    consumed = [[] for _ in range(consumers)]
    done = threading.Event()

    def produce(p):
        c = server.client()
        pipe = c.pipeline(transaction=False)
        for i in range(per_producer):
            pipe.lpush("jobs", f"{p}:{i}")
            if len(pipe) == 500:
                pipe.execute()
        pipe.execute()
        c.close()

    def consume(n):
        c = raw_replies(server.client())
        while not done.is_set():
            got = c.execute_command("BRPOP", "jobs", "0.2")
            if got is not None:
                consumed[n].append(got[1])
                if sum(len(x) for x in consumed) >= total:
                    done.set()
        c.close()

    threads = [threading.Thread(target=consume, args=(n,)) for n in range(consumers)]
    threads += [threading.Thread(target=produce, args=(p,)) for p in range(producers)]
    for t in threads:
        t.start()
    done.wait(120)
    done.set()
    for t in threads:
        t.join(30)
    everything = [j for part in consumed for j in part]
    assert len(everything) == total
    assert len(set(everything)) == total
    assert r.llen("jobs") == 0


# Keys chosen to land on different shards at threads 4 (and trivially on one at threads 1).
MOVE_PAIRS = [(f"msrc{i}", f"mdst{j}") for i in range(3) for j in range(3)]


@pytest.mark.parametrize("src,dst", MOVE_PAIRS)
def test_blmove_waiter_is_served_by_the_push_itself(server, r, src, dst):
    # Redis serves the waiter right after the push, before the pusher's next command: the
    # element is already in the destination when LLEN looks at the source.
    b = Blocked(server, "BRPOPLPUSH", src, dst, "30")
    wait_blocked(r, 1)
    p = r.pipeline(transaction=False)
    p.rpush(src, "a")
    p.llen(src)
    p.lrange(dst, 0, -1)
    p.lpop(src)
    assert p.execute() == [1, 0, ["a"], None]
    b.join()
    assert b.result in (b"a", "a")
    r.delete(src, dst)


@pytest.mark.parametrize("src,dst", MOVE_PAIRS[:4])
def test_blmove_waiter_with_a_destination_of_another_type(server, r, src, dst):
    # Redis compat: the waiter gets WRONGTYPE and the element stays in the source.
    b = Blocked(server, "BLMOVE", src, dst, "LEFT", "RIGHT", "30")
    wait_blocked(r, 1)
    r.set(dst, "x")
    assert r.rpush(src, "a") == 1
    b.join()
    assert b.error is not None and b.error.startswith("WRONGTYPE")
    assert r.lrange(src, 0, -1) == ["a"]
    assert r.get(dst) == "x"
    r.delete(src, dst)


def test_waiter_on_several_keys_is_served_by_the_first_push_of_a_pipeline(server, r):
    # A waiter on keys of several shards takes what the earliest command of a pipeline
    # pushed, as if the pipeline's commands ran one by one.
    keys = [f"multi{i}" for i in range(6)]
    for first in range(len(keys)):
        b = Blocked(server, "BRPOP", *keys, "30")
        wait_blocked(r, 1)
        p = r.pipeline(transaction=False)
        order = keys[first:] + keys[:first]
        for k in order:
            p.rpush(k, f"from-{k}")
        p.execute()
        b.join()
        assert b.result in ([order[0].encode(), f"from-{order[0]}".encode()],
                            [order[0], f"from-{order[0]}"])
        r.delete(*keys)

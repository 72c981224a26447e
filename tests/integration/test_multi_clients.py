"""WATCH, transactions through redis-py, and transactions under concurrency.

WATCH makes EXEC reply a null array when a watched key was changed (by anyone, the watcher
included), expired, flushed, swapped, renamed or moved; reads and the no-op writes Redis does
not signal leave it alone.

pipeline() (MULTI/EXEC), pipeline(transaction=False), raise_on_error, WatchError,
Redis.transaction's retry loop; counters and a rate limiter hammered from many threads give
exact totals; and an invariant check: transfers between accounts spread over every shard
never show a reader (whose reads are in a MULTI) a sum other than the constant one.
"""
import random
import threading
import time

import pytest
import redis

# `conn` is test_multi's fixture of raw connections.
from test_multi import EXEC_PONG, KEYS, NULL_EXEC, OK, QUEUED, bulk, conn, exec_ping  # noqa

# --- WATCH ---

def _select(db):
    return lambda o, w: o.execute_command("SELECT", db)


def _in_db1(fn):
    def setup(o):
        o.execute_command("SELECT", 1)
        fn(o)
        o.execute_command("SELECT", 0)
    return setup


def _set_k(o):
    o.set("k", "v")


def _nothing(o):
    pass


# (name, setup(o), change(o, w)): o is another client, w the watching raw connection.
INVALIDATING = [
    ("set", _set_k, lambda o, w: o.set("k", "w")),
    ("set-same-value", _set_k, lambda o, w: o.set("k", "v")),
    ("set-by-the-watcher-itself", _set_k, lambda o, w: w("SET", "k", "w")),
    ("incr-by-the-watcher-itself", lambda o: o.set("k", 1), lambda o, w: w("INCR", "k")),
    ("set-absent-key", _nothing, lambda o, w: o.set("k", "new")),
    ("del", _set_k, lambda o, w: o.delete("k")),
    ("unlink", _set_k, lambda o, w: o.unlink("k")),
    ("getdel", _set_k, lambda o, w: o.getdel("k")),
    ("incr", lambda o: o.set("k", 1), lambda o, w: o.incr("k")),
    ("incrby-0", lambda o: o.set("k", 1), lambda o, w: o.incrby("k", 0)),  # Redis compat
    ("append-empty", _set_k, lambda o, w: o.append("k", "")),  # Redis compat
    ("mset", _nothing, lambda o, w: o.mset({"a": 1, "k": 2, "z": 3})),
    ("lpush", _nothing, lambda o, w: o.lpush("k", "a")),
    ("lpop-to-empty", lambda o: o.lpush("k", "a"), lambda o, w: o.lpop("k")),
    ("hset", _nothing, lambda o, w: o.hset("k", "f", "v")),
    ("hset-same-value", lambda o: o.hset("k", "f", "v"), lambda o, w: o.hset("k", "f", "v")),
    ("sadd", lambda o: o.sadd("k", "a"), lambda o, w: o.sadd("k", "b")),
    ("zadd", _nothing, lambda o, w: o.zadd("k", {"m": 1})),
    ("expire", _set_k, lambda o, w: o.expire("k", 100)),
    ("expire-in-the-past", _set_k, lambda o, w: o.execute_command("EXPIRE", "k", -1)),
    ("persist", lambda o: o.set("k", "v", ex=100), lambda o, w: o.persist("k")),
    ("getex-ex", _set_k, lambda o, w: o.getex("k", ex=100)),
    ("flushdb", _set_k, lambda o, w: o.flushdb()),
    ("flushall", _set_k, lambda o, w: o.flushall()),
    ("flushall-key-in-db1", _in_db1(_set_k), None),  # the watcher watches in db 1
    ("swapdb-key-in-db0", _set_k, lambda o, w: o.swapdb(0, 1)),
    ("swapdb-key-only-in-db1", _in_db1(_set_k), lambda o, w: o.swapdb(0, 1)),
    ("swapdb-key-in-both", lambda o: (_set_k(o), _in_db1(_set_k)(o)),
     lambda o, w: o.swapdb(1, 0)),
    ("rename-from-watched", _set_k, lambda o, w: o.rename("k", "elsewhere")),
    ("rename-onto-watched", lambda o: o.set("src", "v"), lambda o, w: o.rename("src", "k")),
    ("renamenx-onto-watched", lambda o: o.set("src", "v"), lambda o, w: o.renamenx("src", "k")),
    ("copy-onto-watched", lambda o: o.set("src", "v"), lambda o, w: o.copy("src", "k")),
    ("move-out", _set_k, lambda o, w: o.move("k", 1)),
    ("other-clients-transaction", _set_k,
     lambda o, w: o.pipeline(transaction=True).set("x", 1).delete("k").execute()),
]

NOT_INVALIDATING = [
    ("get", _set_k, lambda o, w: o.get("k")),
    ("reads", lambda o: o.set("k", "v", ex=100),
     lambda o, w: (o.exists("k"), o.type("k"), o.ttl("k"), o.strlen("k"), o.keys("*"),
                   o.dbsize(), o.scan(0), o.object("encoding", "k"))),
    ("read-by-the-watcher", _set_k, lambda o, w: w("GET", "k")),
    ("write-another-key", _set_k, lambda o, w: o.set("k2", "w")),
    ("del-another-key", _set_k, lambda o, w: o.delete("k2")),
    ("absent-stays-absent", _nothing, lambda o, w: None),
    ("del-of-absent-key", _nothing, lambda o, w: o.delete("k")),
    ("same-name-in-another-db", _set_k,
     lambda o, w: (o.execute_command("SELECT", 1), o.set("k", "other"), o.delete("k"))),
    ("flushdb-of-another-db", _set_k,
     lambda o, w: (o.execute_command("SELECT", 1), o.flushdb())),
    ("flushall-when-absent", lambda o: o.set("other", 1), lambda o, w: o.flushall()),
    ("flushdb-when-absent", lambda o: o.set("other", 1), lambda o, w: o.flushdb()),
    ("swapdb-absent-in-both", lambda o: o.set("other", 1), lambda o, w: o.swapdb(0, 1)),
    ("swapdb-of-other-dbs", _set_k, lambda o, w: o.swapdb(2, 3)),
    ("setnx-that-fails", _set_k, lambda o, w: o.setnx("k", "x")),
    ("set-nx-that-fails", _set_k, lambda o, w: o.set("k", "x", nx=True)),
    ("sadd-existing-member", lambda o: o.sadd("k", "m"), lambda o, w: o.sadd("k", "m")),
    ("srem-missing-member", lambda o: o.sadd("k", "m"), lambda o, w: o.srem("k", "x")),
    ("hdel-missing-field", lambda o: o.hset("k", "f", "v"), lambda o, w: o.hdel("k", "g")),
    ("expire-absent-key", _nothing, lambda o, w: o.expire("k", 100)),
    ("persist-without-ttl", _set_k, lambda o, w: o.persist("k")),
    ("touch", _set_k, lambda o, w: o.touch("k")),
    ("getex-without-options", _set_k, lambda o, w: o.getex("k")),
    ("wrongtype-error", _set_k, lambda o, w: _expect_error(o, "LPUSH", "k", "x")),
    ("unwatch", _set_k, lambda o, w: (o.set("k", "changed"), w("UNWATCH"))),
    ("failed-transaction-of-another-client", _set_k,
     lambda o, w: (o.execute_command("MULTI"), o.execute_command("SET", "k", "x"),
                   o.execute_command("DISCARD"))),
]


def _expect_error(o, *cmd):
    with pytest.raises(redis.ResponseError):
        o.execute_command(*cmd)


def _run_watch_case(server, conn, setup, change, name):
    o = server.client(single_connection_client=True)
    w = conn()
    try:
        setup(o)
        db = 1 if name == "flushall-key-in-db1" else 0
        if db:
            assert w("SELECT", db) == OK
            change = lambda o, w: o.flushall()  # noqa: E731
        assert w("WATCH", "k") == OK
        change(o, w)
        return exec_ping(w)
    finally:
        o.close()


@pytest.mark.parametrize("name,setup,change", INVALIDATING, ids=[c[0] for c in INVALIDATING])
def test_watch_fails_exec_when_the_key_changes(server, conn, name, setup, change):
    assert _run_watch_case(server, conn, setup, change, name) == NULL_EXEC


@pytest.mark.parametrize("name,setup,change", NOT_INVALIDATING,
                         ids=[c[0] for c in NOT_INVALIDATING])
def test_watch_lets_exec_run_when_the_key_did_not_change(server, conn, name, setup, change):
    assert _run_watch_case(server, conn, setup, change, name) == EXEC_PONG


def test_watch_move_into_the_watched_db(conn, r):
    w, o = conn(), conn()
    assert o("SET", "k", "v") == OK
    assert w("SELECT", 1) == OK
    assert w("WATCH", "k") == OK
    assert o("MOVE", "k", 1) == b":1\r\n"
    assert exec_ping(w) == NULL_EXEC


def test_watched_key_changed_after_multi_still_fails(conn):
    w, o = conn(), conn()
    assert w("WATCH", "k") == OK
    assert w("MULTI") == OK
    assert w("SET", "k", "mine") == QUEUED
    assert o("SET", "k", "theirs") == OK
    assert w("EXEC") == NULL_EXEC
    assert o("GET", "k") == bulk("theirs")


def test_own_queued_writes_do_not_fail_the_exec(conn):
    w = conn()
    assert w("WATCH", "k") == OK
    assert w("MULTI") == OK
    assert w("SET", "k", "1") == QUEUED
    assert w("INCR", "k") == QUEUED
    assert w("EXEC") == b"*2\r\n+OK\r\n:2\r\n"


def test_watch_many_keys_and_several_watch_calls(conn):
    w, o = conn(), conn()
    assert w("WATCH", *KEYS[:16]) == OK
    assert w("WATCH", *KEYS[16:]) == OK
    assert w("WATCH", KEYS[0], KEYS[0]) == OK  # twice is fine
    assert o("SET", KEYS[31], "1") == OK
    assert exec_ping(w) == NULL_EXEC
    for k in KEYS:
        assert w("WATCH", *KEYS) == OK
        assert o("INCR", k) == b":%d\r\n" % (2 if k == KEYS[31] else 1)
        assert exec_ping(w) == NULL_EXEC, k
    assert w("WATCH", *KEYS) == OK
    assert o("SET", "unwatched", "x") == OK
    assert exec_ping(w) == EXEC_PONG


def test_watched_key_stays_bound_to_its_db(conn):
    w, o = conn(), conn()
    assert w("WATCH", "k") == OK
    assert w("SELECT", 1) == OK  # the watch is on db 0's k
    assert w("SET", "k", "db1 write") == OK
    assert exec_ping(w) == EXEC_PONG
    assert w("WATCH", "k") == OK  # db 1's k
    assert o("SET", "k", "db0 write") == OK
    assert exec_ping(w) == EXEC_PONG
    assert w("WATCH", "k") == OK
    assert w("SELECT", 0) == OK
    assert o("SELECT", 1) == OK
    assert o("SET", "k", "db1 again") == OK
    assert exec_ping(w) == NULL_EXEC


def test_exec_clears_the_watches(conn):
    w, o = conn(), conn()
    assert w("WATCH", "k") == OK
    assert exec_ping(w) == EXEC_PONG
    assert o("SET", "k", "1") == OK
    assert exec_ping(w) == EXEC_PONG  # watched nothing any more


def test_failed_exec_clears_the_watches(conn):
    w, o = conn(), conn()
    assert w("WATCH", "k") == OK
    assert o("SET", "k", "1") == OK
    assert exec_ping(w) == NULL_EXEC
    assert o("SET", "k", "2") == OK
    assert exec_ping(w) == EXEC_PONG


def test_discard_clears_the_watches(conn):
    w, o = conn(), conn()
    assert w("WATCH", "k") == OK
    assert w("MULTI") == OK
    assert w("DISCARD") == OK
    assert o("SET", "k", "1") == OK
    assert exec_ping(w) == EXEC_PONG


def test_unwatch_then_watch_again(conn):
    w, o = conn(), conn()
    assert w("WATCH", "a", "b") == OK
    assert w("UNWATCH") == OK
    assert o("SET", "a", "1") == OK
    assert w("WATCH", "b") == OK
    assert o("SET", "a", "2") == OK
    assert exec_ping(w) == EXEC_PONG
    assert w("WATCH", "b") == OK
    assert o("SET", "b", "2") == OK
    assert exec_ping(w) == NULL_EXEC


def test_watch_by_one_client_does_not_affect_another(conn):
    w1, w2, o = conn(), conn(), conn()
    assert w1("WATCH", "k") == OK
    assert w2("WATCH", "other") == OK
    assert o("SET", "k", "x") == OK
    assert exec_ping(w2) == EXEC_PONG
    assert exec_ping(w1) == NULL_EXEC
    assert exec_ping(conn()) == EXEC_PONG


def test_watchers_disconnect_leaves_others_watching(conn):
    w1, w2, o = conn(), conn(), conn()
    assert w1("WATCH", "k") == OK
    assert w2("WATCH", "k") == OK
    w1.c.close()
    assert o("SET", "k", "x") == OK
    assert exec_ping(w2) == NULL_EXEC


# --- WATCH and expiry ---

@pytest.fixture
def no_active_expire(r):
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    yield
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


@pytest.mark.timeout(30)
def test_watched_key_expiring_lazily_fails_exec(conn, no_active_expire):
    w, o = conn(), conn()
    # Nobody touches the key: EXEC itself sees it expired.
    assert w("SET", "k", "v", "PX", 100) == OK
    assert w("WATCH", "k") == OK
    time.sleep(0.2)
    assert o("DBSIZE") == b":1\r\n"  # still there, only logically expired
    assert exec_ping(w) == NULL_EXEC
    # Another client's read deletes it.
    assert w("SET", "k", "v", "PX", 100) == OK
    assert w("WATCH", "k") == OK
    time.sleep(0.2)
    assert o("GET", "k") == b"$-1\r\n"
    assert exec_ping(w) == NULL_EXEC


@pytest.mark.timeout(30)
def test_watched_key_expiring_actively_fails_exec(conn, r):
    w = conn()
    assert w("SET", "k", "v", "PX", 50) == OK
    assert w("WATCH", "k") == OK
    deadline = time.time() + 10
    while r.dbsize() > 0 and time.time() < deadline:  # DBSIZE does not expire keys itself
        time.sleep(0.02)
    assert r.dbsize() == 0
    assert exec_ping(w) == NULL_EXEC


@pytest.mark.timeout(30)
def test_key_already_expired_at_watch_time_counts_as_absent(conn, r, no_active_expire):
    w, o = conn(), conn()
    assert w("SET", "k", "v", "PX", 10) == OK
    time.sleep(0.05)
    assert w("WATCH", "k") == OK
    assert exec_ping(w) == EXEC_PONG  # stayed logically absent
    assert w("SET", "k", "v", "PX", 10) == OK
    time.sleep(0.05)
    assert w("WATCH", "k") == OK
    assert o("GET", "k") == b"$-1\r\n"  # its deletion is no change either
    assert exec_ping(w) == EXEC_PONG
    assert w("SET", "k", "v", "PX", 10) == OK
    time.sleep(0.05)
    assert w("WATCH", "k") == OK
    assert o("SET", "k", "new") == OK  # but a new value is
    assert exec_ping(w) == NULL_EXEC


@pytest.mark.timeout(30)
def test_key_already_expired_at_watch_time_then_actively_deleted(conn, r):
    w = conn()
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        assert w("SET", "k", "v", "PX", 10) == OK
        time.sleep(0.05)
        assert w("WATCH", "k") == OK
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")
    deadline = time.time() + 10
    while r.dbsize() > 0 and time.time() < deadline:
        time.sleep(0.02)
    assert r.dbsize() == 0
    assert exec_ping(w) == EXEC_PONG


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


# --- pipeline(): MULTI ... EXEC ---

def test_transaction_pipeline_results(r):
    p = r.pipeline()  # transaction=True is the default
    p.set("a", 1).incr("a").get("a").rpush("l", "x", "y").lrange("l", 0, -1)
    p.hset("h", mapping={"f": "v"}).hgetall("h").exists("a", "l", "nope").delete("a")
    assert p.execute() == [True, 2, "2", 2, ["x", "y"], 1, {"f": "v"}, 2, 1]
    assert r.exists("a") == 0
    assert r.pipeline().execute() == []  # redis-py sends nothing for an empty pipeline


def test_transaction_pipeline_runtime_error(r):
    r.rpush("l", "a")
    p = r.pipeline()
    p.set("a", 1).incr("l").set("b", 2)
    with pytest.raises(redis.ResponseError) as e:
        p.execute()
    assert str(e.value).endswith(WRONGTYPE)
    assert "Command # 2" in str(e.value)
    assert r.mget("a", "b") == ["1", "2"]  # the others ran

    r.flushall()
    r.rpush("l", "a")
    p = r.pipeline()
    p.set("a", 1).incr("l").set("b", 2)
    out = p.execute(raise_on_error=False)
    assert out[0] is True and out[2] is True
    assert isinstance(out[1], redis.ResponseError) and str(out[1]) == WRONGTYPE


@pytest.mark.parametrize("bad,error", [
    (("NOSUCH", "x"), "unknown command 'NOSUCH', with args beginning with: 'x' "),
    (("GET",), "wrong number of arguments for 'get' command"),
])
def test_transaction_pipeline_queue_error_runs_nothing(r, bad, error):
    for raise_on_error in (True, False):
        p = r.pipeline()
        p.set("a", 1).execute_command(*bad)
        p.set("b", 2)
        with pytest.raises(redis.ResponseError) as e:
            p.execute(raise_on_error=raise_on_error)
        assert str(e.value).endswith(error)
        assert r.mget("a", "b") == [None, None]


def test_plain_pipeline_runs_everything_errors_in_place(r):
    r.rpush("l", "a")
    p = r.pipeline(transaction=False)
    p.set("a", 1).incr("l").execute_command("NOSUCH").execute_command("GET").set("b", 2)
    with pytest.raises(redis.ResponseError) as e:
        p.execute()
    assert str(e.value).endswith(WRONGTYPE)
    assert r.mget("a", "b") == ["1", "2"]  # no EXECABORT without MULTI

    r.flushall()
    r.rpush("l", "a")
    p = r.pipeline(transaction=False)
    p.set("a", 1).incr("l").execute_command("NOSUCH").execute_command("GET").set("b", 2)
    out = p.execute(raise_on_error=False)
    assert out[0] is True and out[4] is True
    assert [str(x) for x in out[1:4]] == [
        WRONGTYPE, "unknown command 'NOSUCH', with args beginning with: ",
        "wrong number of arguments for 'get' command"]


def test_pipeline_watch_error(r, server):
    other = server.client()
    with r.pipeline() as p:
        p.watch("w")
        assert p.get("w") is None  # immediate mode after WATCH
        other.set("w", "theirs")
        p.multi()
        p.set("w", "mine")
        with pytest.raises(redis.WatchError):
            p.execute()
    assert r.get("w") == "theirs"
    with r.pipeline() as p:  # the failed EXEC dropped the watch
        p.watch("w")
        p.multi()
        p.set("w", "mine")
        assert p.execute() == [True]
    assert r.get("w") == "mine"
    other.close()


@pytest.mark.timeout(30)
def test_transaction_helper_retries_until_the_watch_holds(r, server):
    # A modifier thread changes the watched key inside the first three attempts' windows
    # (between WATCH and EXEC): Redis.transaction retries until an attempt is left alone.
    r.set("counter", 10)
    calls = []
    go, done = threading.Event(), threading.Event()
    stop = threading.Event()

    def modifier():
        c = server.client()
        while True:
            go.wait()
            go.clear()
            if stop.is_set():
                break
            c.incr("counter")
            done.set()
        c.close()

    t = threading.Thread(target=modifier, daemon=True)
    t.start()
    try:
        def double(pipe):
            calls.append(int(pipe.get("counter")))
            if len(calls) <= 3:
                go.set()
                assert done.wait(5)
                done.clear()
            pipe.multi()
            pipe.set("counter", calls[-1] * 2)
            pipe.get("counter")

        result = r.transaction(double, "counter")
    finally:
        stop.set()
        go.set()
        t.join(10)
    assert calls == [10, 11, 12, 13]
    assert result == [True, "26"]
    assert r.get("counter") == "26"
    # value_from_callable hands back what the function returned.
    assert r.transaction(lambda p: p.get("counter"), "counter", value_from_callable=True) == "26"


@pytest.mark.timeout(60)
def test_watch_counter_from_many_threads_is_exact(r, server):
    threads, per_thread = 8, 150
    retries = [0] * threads
    errors = []
    r.set("wc", 0)

    def work(n):
        c = server.client()
        try:
            for _ in range(per_thread):
                while True:
                    with c.pipeline() as p:
                        try:
                            p.watch("wc")
                            v = int(p.get("wc"))
                            p.multi()
                            p.set("wc", v + 1)
                            p.execute()
                            break
                        except redis.WatchError:
                            retries[n] += 1
        except Exception as e:  # noqa: BLE001
            errors.append(repr(e))
        finally:
            c.close()

    ts = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(50)
    assert not errors
    assert int(r.get("wc")) == threads * per_thread
    assert sum(retries) > 0  # there was contention; the retries kept the count exact


@pytest.mark.timeout(60)
def test_transaction_helper_counter_from_many_threads(r, server):
    threads, per_thread = 6, 100
    keys = [f"tc:{i}" for i in range(8)]  # two watched keys per update, across shards

    def work(n):
        c = server.client()
        rnd = random.Random(n)
        for _ in range(per_thread):
            a, b = rnd.sample(keys, 2)

            def bump(pipe):
                va = int(pipe.get(a) or 0)
                vb = int(pipe.get(b) or 0)
                pipe.multi()
                pipe.set(a, va + 1)
                pipe.set(b, vb + 1)

            c.transaction(bump, a, b)
        c.close()

    ts = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(50)
    assert sum(int(v or 0) for v in r.mget(keys)) == 2 * threads * per_thread


@pytest.mark.timeout(60)
def test_rate_limiter_incr_expire_from_eight_threads(r, server):
    threads, per_thread = 8, 250
    seen = [[] for _ in range(threads)]

    def work(n):
        c = server.client()
        for _ in range(per_thread):
            p = c.pipeline()
            p.incr("rate:user")
            p.expire("rate:user", 60)
            count, ok = p.execute()
            assert ok is True
            seen[n].append(count)
        c.close()

    ts = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(50)
    total = threads * per_thread
    assert int(r.get("rate:user")) == total
    assert 0 < r.ttl("rate:user") <= 60
    counts = sorted(x for part in seen for x in part)
    assert counts == list(range(1, total + 1))  # every INCR answered a distinct count


# --- Atomicity across shards ---

ACCOUNTS = [f"acct:{i}" for i in range(16)]
START_BALANCE = 1000


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_transfers_keep_the_total_for_every_reader(r, server):
    r.mset({a: START_BALANCE for a in ACCOUNTS})
    total = START_BALANCE * len(ACCOUNTS)
    stop = threading.Event()
    failures = []
    counts = {"transfers": 0, "watch_transfers": 0, "watch_retries": 0, "reads": 0}
    lock = threading.Lock()

    def bump(name, n=1):
        with lock:
            counts[name] += n

    def writer(n):
        c = server.client()
        rnd = random.Random(n)
        try:
            while not stop.is_set():
                a, b = rnd.sample(ACCOUNTS, 2)
                amount = rnd.randint(1, 50)
                if n % 2 == 0 or rnd.random() < 0.5:
                    p = c.pipeline()
                    p.decrby(a, amount)
                    p.incrby(b, amount)
                    p.execute()
                    bump("transfers")
                else:
                    with c.pipeline() as p:
                        try:
                            p.watch(a, b)
                            va, vb = int(p.get(a)), int(p.get(b))
                            p.multi()
                            p.set(a, va - amount)
                            p.set(b, vb + amount)
                            p.execute()
                            bump("watch_transfers")
                        except redis.WatchError:
                            bump("watch_retries")
        except Exception as e:  # noqa: BLE001
            failures.append(f"writer {n}: {e!r}")
        finally:
            c.close()

    def reader(n):
        c = server.client()
        try:
            while not stop.is_set():
                p = c.pipeline()
                if n == 0:
                    p.mget(ACCOUNTS)
                    (values,) = p.execute()
                else:
                    for a in ACCOUNTS:
                        p.get(a)
                    values = p.execute()
                s = sum(int(v) for v in values)
                if s != total:
                    failures.append(f"reader {n} saw sum {s}: {values}")
                    return
                bump("reads")
        except Exception as e:  # noqa: BLE001
            failures.append(f"reader {n}: {e!r}")
        finally:
            c.close()

    ts = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    ts += [threading.Thread(target=reader, args=(n,)) for n in range(2)]
    for t in ts:
        t.start()
    time.sleep(3)
    stop.set()
    for t in ts:
        t.join(20)
    assert not any(t.is_alive() for t in ts)
    assert not failures, failures[:3]
    assert sum(int(v) for v in r.mget(ACCOUNTS)) == total
    assert counts["transfers"] > 100 and counts["watch_transfers"] > 10, counts
    assert counts["reads"] > 100, counts


@pytest.mark.timeout(30)
def test_readers_never_see_half_a_transaction(r, server):
    # One writer sets 16 keys (spread over the shards) to the same generation in each
    # transaction; readers reading them in a transaction always find one generation.
    keys = [f"gen:{i}" for i in range(16)]
    r.mset({k: 0 for k in keys})
    stop = threading.Event()
    bad = []

    def writer():
        c = server.client()
        g = 0
        while not stop.is_set():
            g += 1
            p = c.pipeline()
            for k in keys:
                p.set(k, g)
            p.execute()
        c.close()

    def reader():
        c = server.client()
        while not stop.is_set():
            p = c.pipeline()
            for k in keys:
                p.get(k)
            values = p.execute()
            if len(set(values)) != 1:
                bad.append(values)
                return
        c.close()

    ts = [threading.Thread(target=writer)] + [threading.Thread(target=reader) for _ in range(2)]
    for t in ts:
        t.start()
    time.sleep(1)
    stop.set()
    for t in ts:
        t.join(10)
    assert not bad, bad[0]
    assert int(r.get("gen:0")) > 10

"""maxmemory, the eight eviction policies, OOM refusals, LFU/LRU introspection."""
import socket
import threading
import time

import pytest
import redis

OOM = "command not allowed when used memory > 'maxmemory'."
VALUE = "v" * 100


def used(c):
    return c.info("memory")["used_memory"]


def limit_above_now(c, extra):
    """Sets maxmemory `extra` bytes above what the server uses now."""
    c.config_set("maxmemory", used(c) + extra)


def fill(c, n, prefix="k", ex=None, pipe=200):
    """SETs n keys, `pipe` per pipeline; pipe=1 sends them one by one and raises on -OOM."""
    if pipe == 1:
        for i in range(n):
            c.set(f"{prefix}:{i}", VALUE, ex=ex)
        return
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"{prefix}:{i}", VALUE, ex=ex)
        if i % pipe == pipe - 1:
            p.execute(raise_on_error=False)
    p.execute(raise_on_error=False)


def test_directives_settable(start_server):
    s = start_server("--maxmemory", "10mb", "--maxmemory-policy", "allkeys-lru")
    c = s.client()
    assert c.config_get("maxmemory") == {"maxmemory": str(10 * 1024 * 1024)}
    assert c.config_get("maxmemory-policy") == {"maxmemory-policy": "allkeys-lru"}
    for name, value in [("maxmemory-samples", "10"), ("maxmemory-eviction-tenacity", "50"),
                        ("lfu-log-factor", "20"), ("lfu-decay-time", "5"),
                        ("maxmemory-policy", "volatile-ttl"), ("maxmemory", "1gb")]:
        c.config_set(name, value)
        expected = str(1024 ** 3) if value == "1gb" else value
        assert c.config_get(name) == {name: expected}
    info = c.info("memory")
    assert info["maxmemory"] == 1024 ** 3
    assert info["maxmemory_human"] == "1.00G"
    assert info["maxmemory_policy"] == "volatile-ttl"
    with pytest.raises(redis.ResponseError, match="argument\\(s\\) must be one of the following"):
        c.config_set("maxmemory-policy", "lru")
    with pytest.raises(redis.ResponseError, match="must be between 1 and 2147483647"):
        c.config_set("maxmemory-samples", "0")
    with pytest.raises(redis.ResponseError, match="must be between 0 and 100"):
        c.config_set("maxmemory-eviction-tenacity", "101")


def test_config_file_directives(start_server):
    text = ("maxmemory 200mb\nmaxmemory-policy allkeys-lfu\nmaxmemory-samples 7\n"
            "lfu-log-factor 5\nlfu-decay-time 2\nmaxmemory-eviction-tenacity 20\n")
    c = start_server(config_text=text).client()
    got = c.config_get("maxmemory*")
    assert got["maxmemory"] == str(200 * 1024 * 1024)
    assert got["maxmemory-policy"] == "allkeys-lfu"
    assert got["maxmemory-samples"] == "7"
    assert got["maxmemory-eviction-tenacity"] == "20"
    assert c.config_get("lfu-*") == {"lfu-log-factor": "5", "lfu-decay-time": "2"}


def test_noeviction_refuses_denyoom_commands(start_server):
    c = start_server().client()
    limit_above_now(c, 1024 * 1024)
    c.set("kept", "1")
    with pytest.raises(redis.ResponseError, match="OOM " + OOM.replace(".", "\\.")):
        fill(c, 100000, pipe=1)
    # Reads, deletes and non-denyoom writes still work.
    assert c.get("kept") == "1"
    assert c.delete("kept") == 1
    assert c.expire("k:0", 100) in (True, False)
    stats = c.info("commandstats")
    assert stats["cmdstat_set"]["rejected_calls"] > 0
    assert c.info("errorstats")["errorstat_OOM"] is not None
    assert c.info("stats")["evicted_keys"] == 0


def test_multi_refused_while_out_of_memory(start_server):
    c = start_server().client()
    c.set("x", "1")
    limit_above_now(c, 1024 * 1024)
    with pytest.raises(redis.ResponseError):
        fill(c, 100000, pipe=1)
    c.config_set("maxmemory", 1)  # certainly over from now on
    raw = c.connection_pool.get_connection("x")
    raw.send_command("MULTI")
    assert raw.read_response() == "OK"
    # Redis compat: anything queued is refused, a read too.
    raw.send_command("GET", "x")
    with pytest.raises(redis.ResponseError, match="^OOM " + OOM.replace(".", "\\.")):
        raw.read_response()
    raw.send_command("EXEC")
    with pytest.raises(redis.exceptions.ExecAbortError, match="previous errors"):
        raw.read_response()
    # EXEC of a queued denyoom command is refused when memory runs out after queueing.
    c.config_set("maxmemory", 0)
    raw.send_command("MULTI")
    raw.read_response()
    raw.send_command("SET", "y", "1")
    assert raw.read_response() == "QUEUED"
    c.config_set("maxmemory", 1)
    raw.send_command("EXEC")
    with pytest.raises(redis.exceptions.ExecAbortError, match="OOM"):
        raw.read_response()
    c.connection_pool.release(raw)
    c.config_set("maxmemory", 0)
    assert c.get("y") is None


@pytest.mark.parametrize("policy", ["allkeys-lru", "allkeys-lfu", "allkeys-random"])
def test_allkeys_policies_stay_under_maxmemory(start_server, policy):
    c = start_server().client()
    budget = 4 * 1024 * 1024
    limit_above_now(c, budget)
    c.config_set("maxmemory-policy", policy)
    maxmemory = int(c.config_get("maxmemory")["maxmemory"])
    fill(c, 120000)  # about 15 MB of values
    assert used(c) <= maxmemory + 64 * 1024
    assert c.info("stats")["evicted_keys"] > 50000
    assert 0 < c.dbsize() < 120000


def test_used_memory_never_stays_above_with_many_writers(start_server, server):
    c = start_server().client()
    limit_above_now(c, 8 * 1024 * 1024)
    c.config_set("maxmemory-policy", "allkeys-lru")
    maxmemory = int(c.config_get("maxmemory")["maxmemory"])
    stop = threading.Event()
    errors = []
    port = c.connection_pool.connection_kwargs["port"]

    def writer(n):
        w = redis.Redis(port=port)
        i = 0
        try:
            while not stop.is_set():
                p = w.pipeline(transaction=False)
                for _ in range(100):
                    p.set(f"w{n}:{i}", VALUE)
                    i += 1
                p.execute()
        except Exception as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    samples = []
    try:
        for _ in range(30):
            time.sleep(0.1)
            samples.append(used(c))
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert not errors
    # Sampled every 100 ms: never more than a little over (the writers' pipelines in flight).
    assert max(samples) <= maxmemory * 1.05, (maxmemory, samples)
    assert c.info("stats")["evicted_keys"] > 0


def test_volatile_policies_take_only_keys_with_ttl(start_server):
    c = start_server().client()
    for i in range(2000):
        c.set(f"persistent:{i}", VALUE)
    limit_above_now(c, 2 * 1024 * 1024)
    for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]:
        c.config_set("maxmemory-policy", policy)
        fill(c, 40000, prefix=policy, ex=1000)
        assert c.info("stats")["evicted_keys"] > 0
        assert sum(1 for v in c.mget([f"persistent:{i}" for i in range(2000)]) if v) == 2000
    # No key with a TTL left to take: denyoom commands are refused.
    for policy in ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"]:
        c.config_set("maxmemory-policy", policy)
        with pytest.raises(redis.ResponseError, match="OOM"):
            fill(c, 40000, prefix="p2" + policy, pipe=1)


def test_volatile_ttl_evicts_the_nearest_expiry_first(start_server):
    c = start_server().client()
    limit_above_now(c, 2 * 1024 * 1024)
    c.config_set("maxmemory-policy", "volatile-ttl")
    c.config_set("maxmemory-samples", 64)
    for i in range(100):
        c.set(f"late:{i}", VALUE, ex=100000)
    fill(c, 30000, prefix="soon", ex=50)
    assert c.info("stats")["evicted_keys"] > 0
    assert sum(1 for v in c.mget([f"late:{i}" for i in range(100)]) if v) >= 95


def test_evicted_keys_are_notified(start_server):
    c = start_server().client()
    c.config_set("notify-keyspace-events", "Ee")
    p = c.pubsub()
    p.psubscribe("__keyevent@0__:evicted")
    assert p.get_message(timeout=2)["type"] == "psubscribe"
    limit_above_now(c, 1024 * 1024)
    c.config_set("maxmemory-policy", "allkeys-random")
    fill(c, 30000)
    msg = p.get_message(timeout=2)
    assert msg is not None and msg["type"] == "pmessage"
    assert msg["data"].startswith("k:")
    p.close()


def test_lowering_maxmemory_evicts_without_commands(start_server):
    c = start_server().client()
    c.config_set("maxmemory-policy", "allkeys-lru")
    fill(c, 50000)
    before = c.dbsize()
    limit_above_now(c, -3 * 1024 * 1024)
    deadline = time.time() + 10
    while time.time() < deadline and c.dbsize() >= before * 0.8:
        time.sleep(0.1)
    assert c.dbsize() < before * 0.8


def test_object_freq_and_idletime_follow_the_policy(start_server):
    c = start_server().client()
    c.set("k", "v")
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is not selected"):
        c.object("freq", "k")
    assert c.object("idletime", "k") >= 0
    c.config_set("maxmemory-policy", "allkeys-lfu")
    c.set("f", "v")
    assert c.object("freq", "f") == 5  # Redis's LFU_INIT_VAL
    for _ in range(200):
        c.get("f")
    assert c.object("freq", "f") > 5
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is selected"):
        c.object("idletime", "f")
    assert c.object("freq", "missing") is None


def test_reads_that_only_look_at_a_key_leave_its_lfu_counter_alone(start_server):
    """TYPE, EXISTS and the TTL family look at a key without using its value (redis-cli
    --bigkeys asks TYPE of every key): a fresh key's counter stays 5. TOUCH and GET are
    accesses, and the first access from 5 always counts."""
    c = start_server("--maxmemory-policy", "allkeys-lfu").client()
    for command, touches in (("TYPE", False), ("EXISTS", False), ("TTL", False),
                             ("PTTL", False), ("EXPIRETIME", False), ("PEXPIRETIME", False),
                             ("OBJECT", False), ("MEMORY", False), ("TOUCH", True),
                             ("GET", True)):
        c.delete("k")
        c.set("k", "v")
        if command == "OBJECT":
            c.object("encoding", "k")
        elif command == "MEMORY":
            c.memory_usage("k")
        else:
            c.execute_command(command, "k")
        assert c.object("freq", "k") == (6 if touches else 5), command


def test_rename_and_move_keep_the_lfu_counter(start_server):
    s = start_server("--maxmemory-policy", "allkeys-lfu")
    c = s.client()
    c.set("a", "v")
    p = c.pipeline(transaction=False)
    for _ in range(300):
        p.get("a")
    p.execute()
    counter = c.object("freq", "a")
    assert counter > 6
    c.rename("a", "b")  # an access of "a" first, which may count once more
    assert counter <= c.object("freq", "b") <= counter + 1
    counter = c.object("freq", "b")
    assert c.move("b", 1)
    assert counter <= s.client(db=1).object("freq", "b") <= counter + 1


def test_lfu_keeps_frequently_used_keys(start_server):
    c = start_server().client()
    limit_above_now(c, 4 * 1024 * 1024)
    c.config_set("maxmemory-policy", "allkeys-lfu")
    hot = [f"hot:{i}" for i in range(200)]
    for k in hot:
        c.set(k, VALUE)
    for _ in range(30):
        c.mget(hot)
    fill(c, 60000, prefix="once")
    assert sum(1 for v in c.mget(hot) if v is not None) >= 190


def test_scripts_and_oom(start_server):
    c = start_server().client()
    c.set("x", "1")
    c.config_set("maxmemory", 1)
    # Without flags: may start; its first denyoom call is refused.
    with pytest.raises(redis.ResponseError, match="OOM"):
        c.eval("return redis.call('set', KEYS[1], 'v')", 1, "a")
    assert c.eval("return redis.call('get', KEYS[1])", 1, "x") == "1"
    # With flags but not allow-oom: the script is refused as a denyoom command.
    with pytest.raises(redis.ResponseError, match="^OOM " + OOM.replace(".", "\\.")):
        c.eval("#!lua\nreturn redis.call('get', KEYS[1])", 1, "x")
    assert c.eval("#!lua flags=no-writes\nreturn redis.call('get', KEYS[1])", 1, "x") == "1"
    assert c.eval("#!lua flags=allow-oom\nreturn redis.call('set', KEYS[1], 'v')",
                  1, "a") == "OK"
    c.config_set("maxmemory", 0)
    assert c.get("a") == "v"


def test_pipeline_of_large_values_sent_in_pieces_evicts_and_is_never_refused(start_server):
    """redis-py sends a pipeline's large values as separate writes; the commands arrive
    faster than they run, and what waits in the query buffer must not push the server
    into refusing them while keys can still be evicted."""
    c = start_server("--maxmemory-policy", "allkeys-lru").client()
    limit_above_now(c, 2 * 1024 * 1024)
    p = c.pipeline(transaction=False)
    for i in range(400):
        p.set(f"big:{i}", "x" * 10000)  # 4 MB
    assert all(r is True for r in p.execute(raise_on_error=False))
    assert c.info("stats")["evicted_keys"] > 100
    assert 0 < c.dbsize() < 300


def test_maxmemory_clients_values(r):
    try:
        for value, shown in [("10%", "10%"), ("1mb", "1048576"), ("0", "0"), ("100%", "100%")]:
            assert r.config_set("maxmemory-clients", value)
            assert r.config_get("maxmemory-clients")["maxmemory-clients"] == shown
        for bad, why in [("abc", "argument must be a memory or percent value"),
                         ("-1", "argument must be a memory or percent value"),
                         ("101%", "percentage argument must be less or equal to 100")]:
            with pytest.raises(redis.ResponseError, match=why):
                r.config_set("maxmemory-clients", bad)
    finally:
        r.config_set("maxmemory-clients", "0")


def _send_most_of_a_big_argument(server, no_evict):
    """A client sends 13 MB of a 16 MB argument; returns the socket, or None once closed."""
    big = socket.create_connection((server.host, server.port))
    if no_evict:
        big.sendall(b"CLIENT NO-EVICT on\r\n")
        assert big.recv(100) == b"+OK\r\n"
    big.sendall(b"*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$16777216\r\n")
    chunk = b"x" * 65536
    try:
        for _ in range(200):
            big.sendall(chunk)
    except OSError:
        big.close()
        return None
    return big


def test_maxmemory_clients_closes_the_biggest_client(server, r):
    r.config_resetstat()
    r.config_set("maxmemory-clients", "4mb")
    try:
        big = _send_most_of_a_big_argument(server, no_evict=False)
        deadline = time.monotonic() + 5
        while r.info("stats")["evicted_clients"] == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.info("stats")["evicted_clients"] == 1
        if big is not None:
            big.settimeout(5)
            try:
                # Closed: an orderly end, or a reset when the server closed with our bytes
                # still unread in its socket (the kernel answers those with RST).
                assert big.recv(100) == b""
            except ConnectionResetError:
                pass
            big.close()
        assert r.ping()  # the small client stays
        assert r.exists("big") == 0
    finally:
        r.config_set("maxmemory-clients", "0")


def test_maxmemory_clients_spares_no_evict_clients(server, r):
    # This client too: over the limit, both servers close every evictable client, however
    # small (a command of r's in flight then fails).
    r.execute_command("CLIENT", "NO-EVICT", "on")
    r.config_set("maxmemory-clients", "4mb")
    try:
        big = _send_most_of_a_big_argument(server, no_evict=True)
        assert big is not None
        time.sleep(0.5)  # several cron ticks over the limit
        big.sendall(b"x" * (16777216 - 200 * 65536) + b"\r\n")
        big.settimeout(5)
        assert big.recv(100) == b"+OK\r\n"
        big.close()
        r.config_set("maxmemory-clients", "0")
        assert r.strlen("big") == 16777216
    finally:
        r.config_set("maxmemory-clients", "0")


def test_client_no_evict_flag(r):
    assert r.execute_command("CLIENT", "NO-EVICT", "on") == "OK"
    assert "e" in r.execute_command("CLIENT", "INFO").split(" flags=")[1].split()[0]
    assert r.execute_command("CLIENT", "NO-EVICT", "off") == "OK"
    with pytest.raises(redis.ResponseError, match="syntax error"):
        r.execute_command("CLIENT", "NO-EVICT", "maybe")


def test_integers_are_not_shared_under_an_lru_or_lfu_limit(r):
    # Redis compat: each object needs its own clock then, so new integers are private;
    # one stored before keeps its sharing, and RENAME moves it as it is.
    r.set("before", "7")
    try:
        r.config_set("maxmemory", "1gb")
        for policy, shared in [("allkeys-lru", False), ("volatile-lfu", False),
                               ("allkeys-random", True), ("noeviction", True)]:
            r.config_set("maxmemory-policy", policy)
            r.set("n", "7")
            r.incr("m")
            want = 2147483647 if shared else 1
            assert r.object("refcount", "n") == want, policy
            assert r.object("refcount", "m") == want, policy
            r.delete("m")
        r.config_set("maxmemory-policy", "allkeys-lru")
        assert r.object("refcount", "before") == 2147483647
        r.rename("before", "after")
        assert r.object("refcount", "after") == 2147483647
        r.config_set("maxmemory", "0")
        r.set("n", "7")
        assert r.object("refcount", "n") == 2147483647
    finally:
        r.config_set("maxmemory", "0")
        r.config_set("maxmemory-policy", "noeviction")

"""Helpers shared by the persistence suites (test_rdb, test_aof, test_crash,
test_persistence_interchange): polling, INFO persistence, AOF directory layout, redis-check-*,
a dataset of every type and encoding, and a full snapshot of a server's keyspace to compare
before and after a restart (or between two servers)."""
import os
import shutil
import subprocess
import threading
import time

import pytest
import redis

DATABASES = 16

# Every field INFO persistence prints in Redis 7.0 when idle (aof_enabled:0).
INFO_PERSISTENCE_FIELDS = (
    "loading", "async_loading", "current_cow_peak", "current_cow_size",
    "current_cow_size_age", "current_fork_perc", "current_save_keys_processed",
    "current_save_keys_total", "rdb_changes_since_last_save", "rdb_bgsave_in_progress",
    "rdb_last_save_time", "rdb_last_bgsave_status", "rdb_last_bgsave_time_sec",
    "rdb_current_bgsave_time_sec", "rdb_saves", "rdb_last_cow_size",
    "rdb_last_load_keys_expired", "rdb_last_load_keys_loaded", "aof_enabled",
    "aof_rewrite_in_progress", "aof_rewrite_scheduled", "aof_last_rewrite_time_sec",
    "aof_current_rewrite_time_sec", "aof_last_bgrewrite_status", "aof_rewrites",
    "aof_rewrites_consecutive_failures", "aof_last_write_status", "aof_last_cow_size",
    "module_fork_in_progress", "module_fork_last_cow_size",
)
# ... and these after them while AOF is on.
INFO_AOF_ON_FIELDS = (
    "aof_current_size", "aof_base_size", "aof_pending_rewrite", "aof_buffer_length",
    "aof_pending_bio_fsync", "aof_delayed_fsync",
)
# ... and these after `loading:1` while a dataset loads.
INFO_LOADING_FIELDS = (
    "loading_start_time", "loading_total_bytes", "loading_rdb_used_mem",
    "loading_loaded_bytes", "loading_loaded_perc", "loading_eta_seconds",
)


def wait_for(pred, timeout=10.0, interval=0.02, what="condition"):
    """Polls pred() until it returns a true value (returned) or the deadline passes."""
    deadline = time.time() + timeout
    while True:
        value = pred()
        if value:
            return value
        if time.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(interval)


def info_text(c, section="persistence"):
    """INFO <section> as raw text (redis-py's parsed dict hides the field order)."""
    c.response_callbacks.pop("INFO", None)
    raw = c.execute_command("INFO", section)
    return raw.decode() if isinstance(raw, bytes) else raw


def info_fields(c, section="persistence"):
    """INFO <section> as an ordered {name: string value}."""
    out = {}
    for line in info_text(c, section).split("\r\n"):
        if line and not line.startswith("#") and ":" in line:
            k, v = line.split(":", 1)
            out[k] = v
    return out


def persistence(c):
    return info_fields(c, "persistence")


def bgsave_done(c):
    return persistence(c)["rdb_bgsave_in_progress"] == "0"


def wait_bgsave_done(c, timeout=30.0):
    wait_for(lambda: bgsave_done(c), timeout, what="the background save to end")


def rewrite_done(c):
    p = persistence(c)
    return p["aof_rewrite_in_progress"] == "0" and p["aof_rewrite_scheduled"] == "0"


def wait_rewrite_done(c, timeout=30.0):
    wait_for(lambda: rewrite_done(c), timeout, what="the AOF rewrite to end")


def wait_persistence_idle(c, timeout=30.0):
    wait_for(lambda: bgsave_done(c) and rewrite_done(c), timeout,
             what="background saves and rewrites to end")


def bgsave(c, timeout=30.0):
    """BGSAVE and wait for it to finish successfully."""
    before = int(persistence(c)["rdb_saves"]) if "rdb_saves" in persistence(c) else None
    c.execute_command("BGSAVE")
    wait_bgsave_done(c, timeout)
    p = persistence(c)
    assert p["rdb_last_bgsave_status"] == "ok"
    if before is not None:
        assert int(p["rdb_saves"]) > before


def bgrewriteaof(c, timeout=30.0):
    """BGREWRITEAOF (after any save in progress) and wait for it to finish successfully."""
    wait_persistence_idle(c, timeout)
    rewrites = int(persistence(c)["aof_rewrites"])
    c.execute_command("BGREWRITEAOF")
    wait_for(lambda: rewrite_done(c) and int(persistence(c)["aof_rewrites"]) > rewrites,
             timeout, what="BGREWRITEAOF to finish")
    assert persistence(c)["aof_last_bgrewrite_status"] == "ok"


# --- Files ---

def aof_dir(server, dirname="appendonlydir"):
    return os.path.join(server.dir if hasattr(server, "dir") else server, dirname)


def read_manifest(path):
    """The manifest's lines as dicts {"file":..., "seq":..., "type":...}."""
    entries = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            parts = line.split()
            entry = {}
            for i in range(0, len(parts) - 1, 2):
                entry[parts[i]] = parts[i + 1]
            entries.append(entry)
    return entries


def manifest_path(directory, appendfilename="appendonly.aof", dirname="appendonlydir"):
    return os.path.join(directory, dirname, appendfilename + ".manifest")


def incr_files(directory, appendfilename="appendonly.aof", dirname="appendonlydir"):
    """Paths of the manifest's incr files, in order."""
    entries = read_manifest(manifest_path(directory, appendfilename, dirname))
    return [os.path.join(directory, dirname, e["file"]) for e in entries if e["type"] == "i"]


def base_file(directory, appendfilename="appendonly.aof", dirname="appendonlydir"):
    entries = read_manifest(manifest_path(directory, appendfilename, dirname))
    bases = [e for e in entries if e["type"] == "b"]
    assert len(bases) <= 1, entries
    return os.path.join(directory, dirname, bases[0]["file"]) if bases else None


def check_tool(name):
    path = shutil.which(name) or f"/usr/bin/{name}"
    if not os.path.exists(path):
        pytest.skip(f"{name} (redis-tools) is not installed")
    return path


def redis_check_rdb(path):
    return subprocess.run([check_tool("redis-check-rdb"), path], capture_output=True,
                          text=True, timeout=120)


def redis_check_aof(manifest):
    return subprocess.run([check_tool("redis-check-aof"), manifest], capture_output=True,
                          text=True, timeout=120)


def copy_tree(src, dst):
    shutil.copytree(src, dst, dirs_exist_ok=True)


# --- Datasets ---

BIG = 1024 * 1024  # a 1 MB string


def db_client(server, db, **kwargs):
    kwargs.setdefault("decode_responses", False)
    return server.client(db=db, **kwargs)


def fill_every_type(server, ttl_ms=1_000_000, seed=1, databases=DATABASES):
    """Writes keys of every type in small and big encodings, with and without TTLs, in every
    database; returns the number of keys written."""
    n = 0
    c = db_client(server, 0)
    s = str(seed).encode()
    p = c.pipeline(transaction=False)
    # Strings: raw, embstr-sized, integers (small, negative, int64 edges), a number too big for
    # int64, a float-looking one, binary with CR LF and NUL, empty, compressible and 1 MB.
    strings = {
        b"str:small": b"hello" + s,
        b"str:int": b"12345",
        b"str:int0": b"0",
        b"str:negint": b"-987654321",
        b"str:int64max": b"9223372036854775807",
        b"str:int64min": b"-9223372036854775808",
        b"str:bignum": b"92233720368547758070",
        b"str:float": b"3.14159",
        b"str:lead0": b"007",
        b"str:binary": b"a\x00b\r\nc\xff\xfe" + s,
        b"str:empty": b"",
        b"str:compressible": b"ab" * 5000,
        b"str:big": (b"0123456789abcdef" * (BIG // 16))[:BIG - 7] + s,
        b"bin\x00key\r\n": b"binary key",
        "str:utf8:é€😀".encode(): "värde".encode(),
    }
    for k, v in strings.items():
        p.set(k, v)
    p.set(b"str:ttl", b"expiring", px=ttl_ms)
    p.set(b"str:int:ttl", b"42", px=ttl_ms + 1234)
    n += len(strings) + 2
    # Lists: small, > 128 elements, with big elements, integers.
    p.rpush(b"list:small", b"a", b"b", b"c", b"1", b"-2", b"")
    p.rpush(b"list:large", *[b"e%d" % i for i in range(1000)])
    p.rpush(b"list:bigelems", *[bytes([97 + i]) * (20000 + i) for i in range(10)])
    p.rpush(b"list:ints", *[str(i * 1000003).encode() for i in range(300)])
    p.rpush(b"list:ttl", b"x", b"y")
    p.pexpire(b"list:ttl", ttl_ms)
    n += 5
    # Sets: intset, small strings (listpack in 7.2+, hashtable in 7.0), large, big members.
    p.sadd(b"set:intset", *[str(i * 7 - 100).encode() for i in range(100)])
    p.sadd(b"set:intset64", b"9223372036854775807", b"-9223372036854775808", b"1")
    p.sadd(b"set:small", b"a", b"b", b"c" + s)
    p.sadd(b"set:large", *[b"member:%d" % i for i in range(1000)])
    p.sadd(b"set:bigints", *[str(i).encode() for i in range(1000)])  # > 512: hashtable
    p.sadd(b"set:bigmember", b"x" * 10000, b"y")
    p.sadd(b"set:ttl", b"1", b"2", b"3")
    p.pexpire(b"set:ttl", ttl_ms)
    n += 7
    # Hashes: small (listpack), > 128 fields, a long value, integer values.
    p.hset(b"hash:small", mapping={b"f1": b"v1", b"f2": b"2", b"f3": b"", b"": b"empty"})
    p.hset(b"hash:large", mapping={b"field:%d" % i: b"value:%d" % i for i in range(1000)})
    p.hset(b"hash:bigvalue", mapping={b"f": b"v" * 5000, b"g": b"1"})
    p.hset(b"hash:ttl", mapping={b"a": b"1"})
    p.pexpire(b"hash:ttl", ttl_ms)
    n += 4
    # Sorted sets: small (listpack), > 128 members, inf / -inf / negative / fractional scores,
    # equal scores ordered by member, a long member.
    p.zadd(b"zset:small", {b"a": 1, b"b": 2.5, b"c": -3, b"d": float("inf"),
                           b"e": float("-inf"), b"f": 0})
    p.zadd(b"zset:large", {b"m%d" % i: i * 0.5 - 100 for i in range(1000)})
    p.zadd(b"zset:large", {b"pinf": float("inf"), b"ninf": float("-inf")})
    p.zadd(b"zset:ties", {b"x%d" % i: 7 for i in range(200)})
    p.zadd(b"zset:longmember", {b"m" * 1000: 1.0, b"n": 2.0})
    p.zadd(b"zset:precise", {b"p": 0.1, b"q": 1e-300, b"r": 1.7976931348623157e308,
                             b"s": -123456789.123456789})
    p.zadd(b"zset:ttl", {b"a": 1})
    p.pexpire(b"zset:ttl", ttl_ms)
    n += 6
    p.execute()
    # Every other database: a few keys of its own (same names, different values) with TTLs.
    for db in range(1, databases):
        cdb = db_client(server, db)
        p = cdb.pipeline(transaction=False)
        p.set(b"dbkey", b"db%d" % db)
        p.rpush(b"dblist", *[b"%d" % i for i in range(db + 1)])
        p.hset(b"dbhash", b"db", b"%d" % db)
        p.sadd(b"dbset", b"%d" % db, b"x")
        p.zadd(b"dbzset", {b"db": db})
        p.set(b"dbttl", b"t", px=ttl_ms + db * 1000)
        p.execute()
        cdb.close()
        n += 6
    c.close()
    return n


def read_value(c, key, kind):
    if kind == "string":
        return c.get(key)
    if kind == "list":
        return c.lrange(key, 0, -1)
    if kind == "set":
        return sorted(c.smembers(key))
    if kind == "hash":
        return sorted(c.hgetall(key).items())
    if kind == "zset":
        # Ordered as stored: the order of equal scores is part of the content.
        return c.zrange(key, 0, -1, withscores=True,
                        score_cast_func=lambda x: x.decode() if isinstance(x, bytes) else x)
    if kind == "stream":
        return c.xrange(key)
    raise AssertionError(f"unexpected type {kind!r} of {key!r}")


def snapshot(server, databases=DATABASES, encodings=False):
    """{db: {key: (type, value, pexpiretime[, encoding])}} for every key of every database,
    walked with SCAN and read with the type's own read commands."""
    out = {}
    for db in range(databases):
        c = db_client(server, db)
        keys = set(c.scan_iter(count=1000))
        entries = {}
        for key in keys:
            kind = c.type(key)
            kind = kind.decode() if isinstance(kind, bytes) else kind
            if kind == "none":
                continue  # expired between SCAN and TYPE
            entry = [kind, read_value(c, key, kind), c.pexpiretime(key)]
            if encodings:
                enc = c.object("encoding", key)
                entry.append(enc.decode() if isinstance(enc, bytes) else enc)
            entries[key] = tuple(entry)
        if entries:
            out[db] = entries
        c.close()
    return out


def assert_same_data(got, want, compare_encodings=False):
    """Two snapshots hold the same keys, types, values and absolute expiry times."""
    assert sorted(got) == sorted(want), "databases with keys differ"
    for db in want:
        g, w = got[db], want[db]
        missing = sorted(set(w) - set(g))
        extra = sorted(set(g) - set(w))
        assert not missing and not extra, f"db {db}: missing {missing[:10]} extra {extra[:10]}"
        for key in w:
            gk, wk = g[key], w[key]
            assert gk[0] == wk[0], f"db {db} key {key!r}: type {gk[0]} != {wk[0]}"
            assert gk[1] == wk[1], f"db {db} key {key!r}: value differs"
            # Deadlines are absolute milliseconds in an RDB and in an AOF (PEXPIREAT / PXAT),
            # so they come back exactly.
            assert gk[2] == wk[2], f"db {db} key {key!r}: pexpiretime {gk[2]} != {wk[2]}"
            if compare_encodings and len(gk) > 3 and len(wk) > 3:
                assert gk[3] == wk[3], f"db {db} key {key!r}: encoding {gk[3]} != {wk[3]}"


def assert_ttls_kept(server, snap, tolerance_ms=2000):
    """Keys with a deadline in `snap` still have it (PTTL roughly the deadline minus now)."""
    now_ms = int(time.time() * 1000)
    checked = 0
    for db, entries in snap.items():
        c = db_client(server, db)
        for key, entry in entries.items():
            if entry[2] > 0:
                pttl = c.pttl(key)
                assert abs(pttl - (entry[2] - now_ms)) <= tolerance_ms, (db, key, pttl)
                checked += 1
        c.close()
    return checked


def populate(c, count, prefix="key", value_prefix="value"):
    """`count` string keys: DEBUG POPULATE when the server has it, else pipelined MSET."""
    try:
        c.execute_command("DEBUG", "POPULATE", count, prefix)
        return
    except redis.ResponseError:
        pass
    rb = c.connection_pool.connection_kwargs
    conn = redis.Redis(host=rb["host"], port=rb["port"], db=rb.get("db", 0))
    pipe = conn.pipeline(transaction=False)
    batch = 1000
    for start in range(0, count, batch):
        args = []
        for i in range(start, min(count, start + batch)):
            args += [b"%s:%d" % (prefix.encode(), i), b"%s:%d" % (value_prefix.encode(), i)]
        pipe.execute_command("MSET", *args)
        if len(pipe) >= 50:
            pipe.execute()
    pipe.execute()
    conn.close()


# --- A workload of relative and random effects (AOF replay) ---

def blocked_pop(s, fn):
    """Runs fn(client) in a thread; returns (thread, result holder)."""
    out = {}

    def run():
        c = s.client(socket_timeout=20)
        out["value"] = fn(c)
        c.close()

    t = threading.Thread(target=run)
    t.start()
    return t, out


def wait_blocked(c, n=1):
    wait_for(lambda: c.info("clients")["blocked_clients"] >= n, timeout=5,
             what="a client to block")


def relative_and_random_workload(s):
    """Commands whose replay must not repeat their relative or random effect."""
    c = s.client()
    c.incrbyfloat("float", "10.1")
    c.incrbyfloat("float", "0.2")
    c.incrbyfloat("float", "1e-5")
    c.hincrbyfloat("hash", "f", "1.5")
    c.hincrbyfloat("hash", "f", "0.25")
    c.set("counter", 10)
    c.incr("counter")
    c.incrby("counter", 5)
    c.decrby("counter", 2)
    c.sadd("spop", *[f"m{i}" for i in range(50)])
    c.spop("spop")
    c.spop("spop", 5)
    c.sadd("spopall", "a", "b")
    c.spop("spopall", 10)  # the whole set: the key goes
    c.rpush("srcl", *range(10))
    c.lpop("srcl")
    c.rpop("srcl", 2)
    c.lmove("srcl", "dstl", "LEFT", "RIGHT")
    c.rpoplpush("srcl", "dstl")
    c.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    c.zpopmin("z")
    c.zpopmax("z")
    c.zincrby("z", 2.5, "b")
    c.set("str", "hello")
    c.append("str", " world")
    c.setrange("str", 0, "J")
    c.getdel("missing")
    c.set("todel", "x")
    c.getdel("todel")
    c.set("getset", "1")
    c.getset("getset", "2")
    # Blocking pops served by a push from another client.
    t, out = blocked_pop(s, lambda b: b.blpop("bq", timeout=10))
    wait_blocked(c)
    c.rpush("bq", "first", "second")
    t.join(10)
    assert out["value"] == ("bq", "first")
    t, out = blocked_pop(s, lambda b: b.blmove("bsrc", "bdst", 10, "LEFT", "RIGHT"))
    wait_blocked(c)
    c.rpush("bsrc", "x", "y")
    t.join(10)
    assert out["value"] == "x"
    t, out = blocked_pop(s, lambda b: b.bzpopmin("bz", timeout=10))
    wait_blocked(c)
    c.zadd("bz", {"one": 1, "two": 2})
    t.join(10)
    assert out["value"] == ("bz", "one", 1.0)
    t, out = blocked_pop(s, lambda b: b.brpoplpush("bsrc2", "bdst2", timeout=10))
    wait_blocked(c)
    c.lpush("bsrc2", "p")
    t.join(10)
    assert out["value"] == "p"
    # MULTI/EXEC, including a discarded and an empty one.
    tx = c.pipeline(transaction=True)
    tx.set("tx1", "1").incr("tx1").rpush("txl", "a").expire("txl", 1000)
    assert tx.execute() == [True, 2, 1, True]
    c.execute_command("MULTI")
    c.execute_command("EXEC")
    # Scripts: effects are replicated, so TIME and random picks replay as their results.
    c.eval("redis.call('SET', KEYS[1], redis.call('TIME')[1] .. '.' .. "
           "redis.call('TIME')[2]); return 1", 1, "script:time")
    c.sadd("script:set", *range(20))
    c.eval("local m = redis.call('SPOP', KEYS[1]); redis.call('SET', KEYS[2], m); "
           "return m", 2, "script:set", "script:popped")
    c.eval("redis.call('INCRBYFLOAT', KEYS[1], ARGV[1]); "
           "redis.call('PEXPIRE', KEYS[1], 500000); return 1", 1, "script:f", "2.5")
    c.execute_command("FUNCTION", "LOAD",
                      "#!lua name=aoflib\nredis.register_function('setnow', function(keys, args)"
                      " return redis.call('SET', keys[1], redis.call('TIME')[1]) end)")
    c.execute_command("FCALL", "setnow", 1, "fn:time")
    # Other databases, FLUSHDB, SWAPDB, MOVE, COPY, RENAME.
    c5 = db_client(s, 5, decode_responses=True)
    c5.set("in5", "five")
    c5.rpush("list5", "a")
    c6 = db_client(s, 6, decode_responses=True)
    c6.set("in6", "six")
    c6.flushdb()
    c6.set("after_flush", "yes")
    c.execute_command("SWAPDB", 5, 7)
    c7 = db_client(s, 7, decode_responses=True)
    assert c7.get("in5") == "five"
    c.set("moveme", "m")
    c.move("moveme", 3)
    c.set("copysrc", "c", ex=1000)
    c.copy("copysrc", "copydst")
    c.copy("copysrc", "copy9", destination_db=9)
    c.rename("copydst", "renamed")
    c.set("nx1", "1")
    c.renamenx("nx1", "nx2")
    c.set("flushme", "1")
    c8 = db_client(s, 8, decode_responses=True)
    c8.set("k8", "v8")
    c8.flushdb()
    c.delete("flushme")
    c.unlink("copysrc")
    c.execute_command("EXPIRE", "renamed", 2000)
    for x in (c5, c6, c7, c8):
        x.close()
    return c

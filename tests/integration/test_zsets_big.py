"""Sorted sets at scale and across encodings: 100k-member sets checked against a Python
model, listpack/skiplist conversion through CONFIG SET, and multi-key commands whose keys
live on different shards (run with --threads 4)."""

import bisect
import random

import pytest
import redis

from conftest import encode


def x(r, *args):
    """Runs a command and returns Redis's reply without redis-py's reshaping."""
    conn = r.connection_pool.get_connection(args[0])
    try:
        conn.send_command(*args)
        return conn.read_response()
    finally:
        r.connection_pool.release(conn)


def encoding(r, key):
    """OBJECT ENCODING, or None where the server lacks OBJECT (Cinnabar, for now)."""
    try:
        return r.object("encoding", key)
    except redis.ResponseError as e:
        if "unknown command" in str(e):
            return None
        raise


@pytest.fixture
def limits(r):
    """Restores the zset listpack limits after a test that changes them."""
    old = r.config_get("zset-max-listpack-*")
    yield
    for k, v in old.items():
        r.config_set(k, v)


def resp(raw, *args, proto=2):
    """One command on a raw connection (after HELLO proto); returns the reply bytes."""
    c = raw()
    if proto == 3:
        c.send(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")
        c.read()
    c.send(encode(*args))
    return c.read()


def load(r, key, items):
    pipe = r.pipeline(transaction=False)
    batch = {}
    for member, score in items:
        batch[member] = score
        if len(batch) == 5000:
            pipe.zadd(key, batch)
            batch = {}
    if batch:
        pipe.zadd(key, batch)
    pipe.execute()


def test_big_set_against_model(r):
    rng = random.Random(7)
    n = 100_000
    scores = {f"m{i}": float(rng.randrange(20_000)) for i in range(n)}
    for i in range(0, n, 97):
        scores[f"m{i}"] += 0.5
    load(r, "big", scores.items())
    model = sorted((s, m) for m, s in scores.items())
    assert r.zcard("big") == n

    pipe = r.pipeline(transaction=False)
    sample = rng.sample(range(n), 300)
    for idx in sample:
        pipe.zrank("big", model[idx][1])
        pipe.zrevrank("big", model[idx][1])
        pipe.zscore("big", model[idx][1])
    got = pipe.execute()
    for k, idx in enumerate(sample):
        assert got[3 * k] == idx
        assert got[3 * k + 1] == n - 1 - idx
        assert got[3 * k + 2] == model[idx][0]

    for start in (0, 1, 999, 50_000, n - 10):
        assert r.zrange("big", start, start + 20) == [m for _, m in model[start:start + 21]]
    assert r.zrange("big", -25, -1) == [m for _, m in model[-25:]]
    assert x(r, "ZRANGE", "big", 0, 9, "REV") == [m for _, m in model[::-1][:10]]

    keys = [s for s, _ in model]
    for low, high in ((100, 105), (0, 0), (19_999, 30_000), (500.5, 700)):
        first = bisect.bisect_left(keys, low)
        last = bisect.bisect_right(keys, high)
        assert r.zcount("big", low, high) == last - first
        assert r.zrangebyscore("big", low, high, start=3, num=40) == \
            [m for _, m in model[first + 3:min(last, first + 43)]]
        assert r.zrevrangebyscore("big", high, low, start=2, num=10) == \
            [m for _, m in model[first:last][::-1][2:12]]
        excl_first = bisect.bisect_right(keys, low)
        assert r.zcount("big", f"({low}", high) == last - excl_first

    # Remove a block by rank, then scattered members, and compare everything.
    assert r.zremrangebyrank("big", 40_000, 49_999) == 10_000
    del model[40_000:50_000]
    doomed = rng.sample(model, 5000)
    pipe = r.pipeline(transaction=False)
    for _, m in doomed:
        pipe.zrem("big", m)
    assert all(v == 1 for v in pipe.execute())
    gone = {m for _, m in doomed}
    model = [e for e in model if e[1] not in gone]
    assert r.zcard("big") == len(model)
    assert r.zrange("big", 0, -1) == [m for _, m in model]
    lo = bisect.bisect_left([s for s, _ in model], 10_000)
    assert r.zremrangebyscore("big", "-inf", "(10000") == lo
    model = model[lo:]
    assert r.zrange("big", 0, -1, withscores=True) == [(m, s) for s, m in model]
    assert r.zrank("big", model[0][1]) == 0


def test_big_set_pops_and_lex(r):
    members = [f"k{i:06d}" for i in range(30_000)]
    load(r, "lex", ((m, 0) for m in members))
    assert r.zlexcount("lex", "[k001000", "(k002000") == 1000
    assert r.zrangebylex("lex", "(k010000", "+", start=0, num=3) == \
        ["k010001", "k010002", "k010003"]
    assert r.zremrangebylex("lex", "-", "(k000100") == 100
    assert r.zpopmin("lex", 2) == [("k000100", 0), ("k000101", 0)]
    assert r.zpopmax("lex", 1) == [("k029999", 0)]
    got = r.zrandmember("lex", 2000)
    assert len(set(got)) == 2000
    assert len(r.zrandmember("lex", -3000)) == 3000
    cursor, seen = 0, set()
    while True:
        cursor, items = r.zscan("lex", cursor, count=1000)
        seen.update(m for m, _ in items)
        if cursor == 0:
            break
    assert seen == set(members[102:29_999])


def test_encoding_follows_limits(r, limits):
    r.config_set("zset-max-listpack-entries", 4)
    r.config_set("zset-max-listpack-value", 8)
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert encoding(r, "z") in ("listpack", None)
    r.zadd("z", {"e": 0.5})
    assert encoding(r, "z") in ("skiplist", None)
    assert r.zrange("z", 0, -1) == ["e", "a", "b", "c", "d"]
    # Shrinking does not convert back (as Redis).
    r.zrem("z", "a", "b", "c")
    assert encoding(r, "z") in ("skiplist", None)
    assert r.zrange("z", 0, -1, withscores=True) == [("e", 0.5), ("d", 4)]
    # A long member converts at once.
    r.zadd("long", {"short": 1})
    r.zadd("long", {"x" * 9: 2})
    assert encoding(r, "long") in ("skiplist", None)
    assert r.zrank("long", "x" * 9) == 1
    # Store results pick their encoding from their own size.
    assert r.zunionstore("small", ["z"]) == 2
    assert encoding(r, "small") in ("listpack", None)
    r.config_set("zset-max-listpack-entries", 0)
    r.zadd("always", {"a": 1})
    assert encoding(r, "always") in ("skiplist", None)
    assert r.zrange("always", 0, -1) == ["a"]


def test_new_key_encoding_counts_members_not_pairs(r):
    # 200 score/member pairs naming 100 members: a listpack, as Redis 7.0 decides by the
    # members it holds, not by the pairs it was given.
    args = []
    for i in range(200):
        args += [i, f"m{i % 100}"]
    assert x(r, "ZADD", "z", *args) == 100
    assert encoding(r, "z") in ("listpack", None)
    assert x(r, "ZADD", "nx", "NX", *[a for i in range(140) for a in (i, "m")]) == 1
    assert encoding(r, "nx") in ("listpack", None)
    args = []
    for i in range(129):
        args += [i, f"m{i}"]
    assert x(r, "ZADD", "big", *args) == 129
    assert encoding(r, "big") in ("skiplist", None)
    assert x(r, "ZADD", "long", 1, "a", 2, "y" * 65) == 2
    assert encoding(r, "long") in ("skiplist", None)


def test_same_behaviour_in_both_encodings(r, limits):
    results = []
    for entries in (128, 0):
        r.flushall()
        r.config_set("zset-max-listpack-entries", entries)
        r.zadd("z", {"a": 1, "b": 2, "c": 2, "d": 3, "-0": -0.0})
        r.zincrby("z", 1.5, "a")
        r.zadd("z", {"e": float("inf")}, gt=True)
        out = [
            r.zrange("z", 0, -1, withscores=True),
            x(r, "ZRANGE", "z", "(2", "+inf", "BYSCORE", "REV", "LIMIT", 0, 2),
            r.zrank("z", "c"), r.zrevrank("z", "c"), r.zcount("z", 2, 3),
            r.zpopmin("z"), r.zpopmax("z", 2),
            x(r, "ZRANGEBYLEX", "z", "-", "+"),
            r.zremrangebyrank("z", 0, 0),
            r.zrange("z", 0, -1, withscores=True),
        ]
        r.zadd("m", {"x": -0.0})
        out.append(x(r, "ZSCORE", "m", "x"))
        results.append(out)
    listpack, skiplist = results
    # Redis compat: a listpack stores -0 as 0, a skiplist keeps the sign.
    assert listpack[-1] == "0" and skiplist[-1] == "-0"
    assert listpack[:-1] == skiplist[:-1]


def test_negative_zero_kept_as_the_encoding_keeps_it(r, raw, limits):
    """Redis 7.0 picks a new key's encoding from the first ZADD member only: members added
    while it is a listpack store -0 as 0, which the conversion keeps; members added to a
    large set keep the sign."""
    many = {f"m{i}": i for i in range(1, 140)}
    x(r, "ZADD", "first", "-0", "a", *[v for m, s in many.items() for v in (s, m)])
    x(r, "ZADD", "last", *[v for m, s in many.items() for v in (s, m)], "-0", "a")
    x(r, "ZADD", "long", "-0", "a", 1, "L" * 100)
    x(r, "ZADD", "long2", 1, "L" * 100, "-0", "a")
    for key in ("first", "last", "long", "long2"):
        assert encoding(r, key) in ("skiplist", None)
    assert x(r, "ZSCORE", "first", "a") == "0"
    assert x(r, "ZSCORE", "long", "a") == "0"
    assert x(r, "ZSCORE", "last", "a") == "-0"
    assert x(r, "ZSCORE", "long2", "a") == "-0"
    # Everything read from the set shows what it holds.
    assert x(r, "ZRANGE", "first", 0, 0, "WITHSCORES") == ["a", "0"]
    assert x(r, "ZMSCORE", "first", "a") == ["0"]
    assert x(r, "ZINCRBY", "first", "-0", "a") == "0"
    r.copy("first", "first_copy")
    assert x(r, "ZSCORE", "first_copy", "a") == "0"
    assert x(r, "ZRANGESTORE", "first_range", "first", 0, -1) == 140
    assert x(r, "ZSCORE", "first_range", "a") == "0"
    assert x(r, "ZUNIONSTORE", "first_union", 1, "first") == 140
    assert x(r, "ZSCORE", "first_union", "a") == "0"
    assert x(r, "ZUNION", 1, "first", "WITHSCORES")[:2] == ["a", "0"]
    assert x(r, "ZPOPMIN", "first") == ["a", "0"]
    r.zadd("one", {"a": -0.0})  # a listpack
    r.zadd("one", {f"m{i}": i for i in range(1, 140)})
    assert x(r, "ZRANDMEMBER", "one", -300, "WITHSCORES")[1::2].count("-0") == 0
    assert resp(raw, "ZSCORE", "first_copy", "a", proto=3) == b",0\r\n"
    assert resp(raw, "ZSCORE", "last", "a", proto=3) == b",-0\r\n"
    assert resp(raw, "ZPOPMIN", "last", proto=3) == b"*2\r\n$1\r\na\r\n,-0\r\n"


def test_zrangestore_starts_small_and_converts_on_the_way(r, limits):
    """Redis 7.0's ZRANGESTORE creates the destination from the result's size alone and adds
    the members in range order: a -0 before the first long member becomes 0 (listpack),
    one after it keeps its sign (found by the differential fuzzer)."""
    long_member = "m" * 65
    x(r, "ZADD", "zs:src", 3, long_member, 11, "2", "-0", "b")
    assert encoding(r, "zs:src") == "skiplist"
    assert x(r, "ZSCORE", "zs:src", "b") == "-0"
    assert x(r, "ZRANGESTORE", "zs:dst", "zs:src", 0, -1) == 3
    assert x(r, "ZRANGE", "zs:dst", 0, -1, "WITHSCORES") == \
        ["b", "0", long_member, "3", "2", "11"]
    assert encoding(r, "zs:dst") == "skiplist"
    assert x(r, "ZRANGESTORE", "zs:rev", "zs:src", 0, -1, "REV") == 3
    assert x(r, "ZSCORE", "zs:rev", "b") == "-0"
    # ZUNIONSTORE decides from all members: a small result is a listpack (-0 is 0), a
    # result with a long member stays large and keeps the sign.
    x(r, "ZADD", "zs:small", "-0", "b")
    x(r, "ZUNIONSTORE", "zs:u1", 1, "zs:small", "WEIGHTS", 1)
    assert x(r, "ZSCORE", "zs:u1", "b") == "0"
    x(r, "ZUNIONSTORE", "zs:u2", 1, "zs:src")
    assert x(r, "ZSCORE", "zs:u2", "b") == "-0"


def test_cross_shard_store_commands(r):
    # Many distinct key names: with several shards they cannot all share one.
    sources = [f"src:{i}" for i in range(8)]
    for i, key in enumerate(sources):
        r.zadd(key, {f"m{j}": j * (i + 1) for j in range(i, i + 20)})
    for i in range(8):
        dst = f"dst:{i}"
        assert r.zunionstore(dst, sources[:i + 1]) == 20 + i
        expected = {}
        for k in range(i + 1):
            for j in range(k, k + 20):
                expected[f"m{j}"] = expected.get(f"m{j}", 0) + j * (k + 1)
        assert dict(r.zrange(dst, 0, -1, withscores=True)) == expected
        assert r.zinterstore(f"inter:{i}", sources[:i + 1], aggregate="MAX") == 20 - i
        assert x(r, "ZRANGESTORE", f"range:{i}", sources[i], 0, 4) == 5
        assert r.zrange(f"range:{i}", 0, -1) == [f"m{j}" for j in range(i, i + 5)]
        assert x(r, "ZDIFFSTORE", f"diff:{i}", 2, sources[i], sources[(i + 1) % 8]) >= 1
    assert x(r, "ZINTERCARD", 8, *sources) == 13
    assert r.zunion(sources, withscores=False)[:3] == ["m0", "m1", "m2"]
    assert x(r, "ZMPOP", 3, "none:1", "none:2", sources[5], "MAX", "COUNT", 2) == \
        [sources[5], [["m24", "144"], ["m23", "138"]]]
    # A large result across shards converts to the large encoding on the way.
    load(r, "bigsrc", ((f"b{i}", i) for i in range(1000)))
    assert r.zunionstore("bigdst", ["bigsrc", sources[0]]) == 1020
    assert r.zrank("bigdst", "b999") == 1019

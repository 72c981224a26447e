"""Sorted sets: every non-blocking command, its options and its errors, as Redis 7.0 does
them (RESP2 through redis-py, RESP3 shapes on a raw socket). Large sets, encodings and
cross-shard commands are in test_zsets_big.py."""

import math

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


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        x(r, *args)
    return str(e.value)


def resp(raw, *args, proto=2):
    """One command on a raw connection (after HELLO proto); returns the reply bytes."""
    c = raw()
    if proto == 3:
        c.send(b"*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")
        c.read()
    c.send(encode(*args))
    return c.read()


WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


# --- ZADD / ZINCRBY ---

def test_zadd_basic_and_ch(r):
    assert x(r, "ZADD", "z", 1, "a", 2, "b", 3, "c") == 3
    assert x(r, "ZADD", "z", 1, "a", 5, "b") == 0
    assert x(r, "ZADD", "z", "CH", 1, "a", 6, "b", 7, "new") == 2
    assert r.zrange("z", 0, -1, withscores=True) == [("a", 1), ("c", 3), ("b", 6), ("new", 7)]


def test_zadd_nx_xx_gt_lt(r):
    r.zadd("z", {"a": 5})
    assert x(r, "ZADD", "z", "NX", 1, "a", 1, "b") == 1
    assert r.zscore("z", "a") == 5
    assert x(r, "ZADD", "z", "XX", 2, "a", 9, "c") == 0
    assert r.zscore("z", "a") == 2 and r.zscore("z", "c") is None
    assert x(r, "ZADD", "z", "GT", "CH", 1, "a", 0, "d") == 1  # d added
    assert r.zscore("z", "a") == 2
    assert x(r, "ZADD", "z", "GT", "CH", 3, "a") == 1
    assert x(r, "ZADD", "z", "LT", "CH", 4, "a") == 0
    assert x(r, "ZADD", "z", "XX", "LT", "CH", 1, "a") == 1
    assert r.zscore("z", "a") == 1
    assert x(r, "ZADD", "nokey", "XX", 1, "a") == 0
    assert r.exists("nokey") == 0


def test_zadd_incr(r):
    assert x(r, "ZADD", "z", "INCR", 1.5, "a") == "1.5"
    assert x(r, "ZADD", "z", "INCR", 1, "a") == "2.5"
    assert x(r, "ZADD", "z", "INCR", "NX", 1, "a") is None
    assert x(r, "ZADD", "z", "INCR", "XX", 1, "zz") is None
    assert x(r, "ZADD", "z", "INCR", "GT", -1, "a") is None
    assert x(r, "ZADD", "z", "INCR", "GT", 1, "a") == "3.5"
    assert x(r, "ZADD", "nokey", "XX", "INCR", 1, "a") is None


def test_zadd_errors(r):
    assert err(r, "ZADD", "z", "NX", "XX", 1, "a") == \
        "XX and NX options at the same time are not compatible"
    gtlt = "GT, LT, and/or NX options at the same time are not compatible"
    assert err(r, "ZADD", "z", "GT", "LT", 1, "a") == gtlt
    assert err(r, "ZADD", "z", "NX", "GT", 1, "a") == gtlt
    assert err(r, "ZADD", "z", "NX", "LT", 1, "a") == gtlt
    assert err(r, "ZADD", "z", "INCR", 1, "a", 2, "b") == \
        "INCR option supports a single increment-element pair"
    assert err(r, "ZADD", "z", 1, "a", 2) == "syntax error"
    assert err(r, "ZADD", "z", 1, "a", "CH") == "syntax error"
    assert err(r, "ZADD", "z", "NX") == "wrong number of arguments for 'zadd' command"
    assert err(r, "ZADD", "z", "nan", "a") == "value is not a valid float"
    assert err(r, "ZADD", "z", "abc", "a") == "value is not a valid float"
    # Parse errors leave nothing behind, even for the valid pairs before.
    assert err(r, "ZADD", "z", 1, "a", "x", "b") == "value is not a valid float"
    assert r.exists("z") == 0
    r.set("s", "x")
    assert err(r, "ZADD", "s", 1, "a") == WRONGTYPE


def test_zincrby(r):
    assert r.zincrby("z", 1.5, "a") == 1.5
    assert r.zincrby("z", -0.5, "a") == 1.0
    assert err(r, "ZINCRBY", "z", "abc", "a") == "value is not a valid float"
    assert err(r, "ZINCRBY", "z", 1, "a", 2) == "wrong number of arguments for 'zincrby' command"
    r.zadd("z", {"i": float("inf")})
    assert err(r, "ZINCRBY", "z", "-inf", "i") == "resulting score is not a number (NaN)"
    assert r.zscore("z", "i") == float("inf")


def test_score_formatting(r):
    r.zadd("z", {"p": 0.1})
    assert x(r, "ZINCRBY", "z", 0.2, "p") == "0.30000000000000004"
    x(r, "ZADD", "z", "1e300", "big", "inf", "i", "-inf", "ni", "1.5", "f", "7", "n")
    assert x(r, "ZSCORE", "z", "big") == "1.0000000000000001e+300"
    assert x(r, "ZSCORE", "z", "i") == "inf"
    assert x(r, "ZSCORE", "z", "ni") == "-inf"
    assert x(r, "ZSCORE", "z", "n") == "7"
    assert x(r, "ZRANGE", "z", 0, -1, "WITHSCORES") == [
        "ni", "-inf", "p", "0.30000000000000004", "f", "1.5", "n", "7",
        "big", "1.0000000000000001e+300", "i", "inf"]
    # A listpack keeps -0 as 0.
    r.zadd("z", {"m0": -0.0})
    assert x(r, "ZSCORE", "z", "m0") == "0"


# --- Point reads and removal ---

def test_zrem_zcard_zscore_zmscore(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zcard("z") == 3 and r.zcard("nokey") == 0
    assert r.zrem("z", "a", "x", "a") == 1
    assert r.zmscore("z", ["b", "x", "c"]) == [2.0, None, 3.0]
    assert r.zmscore("nokey", ["a"]) == [None]
    assert r.zscore("nokey", "a") is None
    assert r.zrem("nokey", "a") == 0
    assert r.zrem("z", "b", "c") == 2
    assert r.exists("z") == 0
    r.set("s", "x")
    for cmd in (("ZCARD", "s"), ("ZSCORE", "s", "a"), ("ZMSCORE", "s", "a"), ("ZREM", "s", "a"),
                ("ZRANK", "s", "a")):
        assert err(r, *cmd) == WRONGTYPE


def test_zrank_zrevrank(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zrank("z", "a") == 0 and r.zrank("z", "c") == 2
    assert r.zrevrank("z", "a") == 2 and r.zrevrank("z", "c") == 0
    assert r.zrank("z", "x") is None and r.zrank("nokey", "a") is None
    assert err(r, "ZRANK", "z", "a", "extra") == "wrong number of arguments for 'zrank' command"


def test_same_score_orders_by_member_bytes(r):
    r.zadd("z", {"b": 0, "a": 0, "ab": 0, "B": 0, "\xff": 0})
    assert r.zrange("z", 0, -1) == ["B", "a", "ab", "b", "\xff"]


# --- Ranges ---

def test_zrange_by_rank(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert r.zrange("z", 0, -1) == ["a", "b", "c", "d"]
    assert r.zrange("z", 1, 100) == ["b", "c", "d"]
    assert r.zrange("z", -2, -1) == ["c", "d"]
    assert r.zrange("z", 3, 1) == []
    assert r.zrange("z", -100, 0) == ["a"]
    assert x(r, "ZRANGE", "z", 0, -1, "REV") == ["d", "c", "b", "a"]
    assert x(r, "ZRANGE", "z", -2, -1, "REV", "WITHSCORES") == ["b", "2", "a", "1"]
    assert x(r, "ZREVRANGE", "z", 0, 1, "WITHSCORES") == ["d", "4", "c", "3"]
    # LIMIT with count -1 is no limit at all for a rank range.
    assert x(r, "ZRANGE", "z", 0, -1, "LIMIT", 0, -1) == ["a", "b", "c", "d"]
    assert r.zrange("nokey", 0, -1) == []


def test_zrange_by_score(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert r.zrangebyscore("z", "(1", "+inf", withscores=True) == [("b", 2), ("c", 3), ("d", 4)]
    assert r.zrangebyscore("z", "-inf", "+inf", start=1, num=2) == ["b", "c"]
    assert x(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 1, -1) == \
        ["b", "c", "d"]
    assert x(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", -1, 2) == []
    assert x(r, "ZRANGEBYSCORE", "z", "", 2) == ["a", "b"]  # "" parses as 0
    assert x(r, "ZRANGEBYSCORE", "z", " 1", "(3") == ["a", "b"]
    assert r.zrevrangebyscore("z", 3, "(1") == ["c", "b"]
    assert x(r, "ZREVRANGEBYSCORE", "z", "+inf", "-inf", "LIMIT", 1, 2) == ["c", "b"]
    assert x(r, "ZRANGE", "z", 5, 1, "BYSCORE", "REV", "LIMIT", 1, 2,
                             "WITHSCORES") == ["c", "3", "b", "2"]
    assert x(r, "ZRANGE", "z", 2, 3, "BYSCORE") == ["b", "c"]
    assert r.zrangebyscore("z", 3, 2) == []


def test_zrange_by_lex(r):
    r.zadd("z", {m: 0 for m in "abcde"})
    assert r.zrangebylex("z", "-", "+") == list("abcde")
    assert r.zrangebylex("z", "[b", "(d") == ["b", "c"]
    assert r.zrangebylex("z", "(b", "[d", start=1, num=5) == ["d"]
    assert r.zrevrangebylex("z", "[d", "(a") == ["d", "c", "b"]
    assert x(r, "ZRANGE", "z", "[d", "[a", "BYLEX", "REV", "LIMIT", 1, 2) == ["c", "b"]
    assert r.zrangebylex("z", "+", "-") == []
    assert r.zlexcount("z", "-", "+") == 5
    assert r.zlexcount("z", "(a", "[c") == 2
    assert r.zlexcount("z", "+", "-") == 0


def test_zrange_errors(r):
    r.zadd("z", {"a": 1})
    assert err(r, "ZRANGEBYSCORE", "z", "-inf", "+inf", "LIMIT", 1) == "syntax error"
    assert err(r, "ZRANGEBYSCORE", "z", "nan", 5) == "min or max is not a float"
    assert err(r, "ZRANGEBYSCORE", "z", "(nan", 5) == "min or max is not a float"
    assert err(r, "ZRANGEBYSCORE", "z", "a", 5) == "min or max is not a float"
    assert err(r, "ZRANGEBYSCORE", "z", 1, 5, "REV") == "syntax error"
    assert err(r, "ZRANGEBYSCORE", "z", 1, 5, "BYLEX") == "syntax error"
    assert err(r, "ZRANGEBYLEX", "z", "[a", "[c", "WITHSCORES") == \
        "syntax error, WITHSCORES not supported in combination with BYLEX"
    assert err(r, "ZRANGEBYLEX", "z", "a", "+") == "min or max not valid string range item"
    assert err(r, "ZRANGE", "z", "(1", 5, "BYSCORE", "BYLEX") == "syntax error"
    assert err(r, "ZRANGE", "z", 0, -1, "REV", "REV") == "syntax error"
    assert err(r, "ZRANGE", "z", 0, -1, "LIMIT", 0, 1) == \
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    assert err(r, "ZREVRANGE", "z", 0, 1, "LIMIT", 0, 1) == \
        "syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX"
    assert err(r, "ZRANGE", "z", "a", 1) == "value is not an integer or out of range"
    assert err(r, "ZRANGE", "z", 0, 1, "LIMIT", "x", 1) == \
        "value is not an integer or out of range"
    assert err(r, "ZRANGESTORE", "d", "z", 0, -1, "WITHSCORES") == "syntax error"
    r.set("s", "x")
    # Argument errors come before the type check.
    assert err(r, "ZRANGE", "s", 0, -1, "LIMIT", 0, 1).startswith("syntax error, LIMIT")
    assert err(r, "ZRANGE", "s", 0, -1, "BYSCORE") == WRONGTYPE


def test_zcount(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.zcount("z", "(1", 3) == 2
    assert r.zcount("z", "-inf", "+inf") == 3
    assert r.zcount("z", 5, 1) == 0
    assert r.zcount("nokey", 0, 1) == 0
    assert err(r, "ZCOUNT", "z", "a", 3) == "min or max is not a float"
    assert err(r, "ZLEXCOUNT", "z", "a", "+") == "min or max not valid string range item"


def test_zrangestore(r):
    r.zadd("src", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert x(r, "ZRANGESTORE", "dst", "src", 1, 2) == 2
    assert r.zrange("dst", 0, -1, withscores=True) == [("b", 2), ("c", 3)]
    assert x(r, "ZRANGESTORE", "dst", "src", "+inf", "(2", "BYSCORE", "REV",
                             "LIMIT", 0, 1) == 1
    assert r.zrange("dst", 0, -1) == ["d"]
    r.expire("dst", 100)
    assert x(r, "ZRANGESTORE", "dst", "src", "[a", "[b", "BYLEX") == 2
    assert r.ttl("dst") == -1
    # An empty result deletes the destination, whatever it held.
    r.set("dst", "string")
    assert x(r, "ZRANGESTORE", "dst", "src", 10, 20) == 0
    assert r.exists("dst") == 0
    r.set("dst", "string")
    assert x(r, "ZRANGESTORE", "dst", "nokey", 0, -1) == 0
    assert r.exists("dst") == 0
    r.set("s", "x")
    assert err(r, "ZRANGESTORE", "dst", "s", 0, -1) == WRONGTYPE


def test_zremrangeby(r):
    r.zadd("z", {m: 0 for m in "abcde"})
    assert r.zremrangebylex("z", "[b", "(d") == 2
    assert r.zrange("z", 0, -1) == ["a", "d", "e"]
    assert r.zremrangebyrank("z", -1, -1) == 1
    assert r.zremrangebyrank("z", 5, 10) == 0
    assert r.zremrangebyrank("z", 1, 0) == 0
    r.zadd("z", {"x": 5, "y": 6})
    assert r.zremrangebyscore("z", "(0", 5) == 1
    assert r.zrange("z", 0, -1) == ["a", "d", "y"]
    assert r.zremrangebyscore("z", "-inf", "+inf") == 3
    assert r.exists("z") == 0
    assert r.zremrangebyrank("nokey", 0, -1) == 0
    assert err(r, "ZREMRANGEBYRANK", "z", "a", 1) == "value is not an integer or out of range"
    assert err(r, "ZREMRANGEBYSCORE", "z", "a", "b") == "min or max is not a float"
    assert err(r, "ZREMRANGEBYLEX", "z", "a", "b") == "min or max not valid string range item"


# --- Pops ---

def test_zpopmin_zpopmax(r):
    r.zadd("z", {"a": 1, "b": 2, "c": 3, "d": 4})
    assert x(r, "ZPOPMIN", "z") == ["a", "1"]
    assert x(r, "ZPOPMAX", "z", 2) == ["d", "4", "c", "3"]
    assert x(r, "ZPOPMIN", "z", 0) == []
    assert x(r, "ZPOPMIN", "z", 10) == ["b", "2"]
    assert r.exists("z") == 0
    assert x(r, "ZPOPMIN", "z") == []
    assert x(r, "ZPOPMAX", "z", 3) == []
    assert err(r, "ZPOPMIN", "z", -1) == "value is out of range, must be positive"
    assert err(r, "ZPOPMIN", "z", "abc") == "value is out of range, must be positive"
    assert err(r, "ZPOPMIN", "z", 1, 2) == "syntax error"
    r.set("s", "x")
    assert err(r, "ZPOPMIN", "s", 0) == WRONGTYPE


def test_zmpop(r):
    r.zadd("z2", {"a": 1, "b": 2, "c": 3})
    assert x(r, "ZMPOP", 2, "z1", "z2", "MIN") == ["z2", [["a", "1"]]]
    assert x(r, "ZMPOP", 1, "z2", "MAX", "COUNT", 5) == \
        ["z2", [["c", "3"], ["b", "2"]]]
    assert r.exists("z2") == 0
    assert x(r, "ZMPOP", 2, "z1", "z2", "MIN") is None
    assert err(r, "ZMPOP", "abc", "z", "MIN") == "numkeys should be greater than 0"
    assert err(r, "ZMPOP", 0, "z", "MIN") == "numkeys should be greater than 0"
    assert err(r, "ZMPOP", 3, "z", "MIN") == "syntax error"
    assert err(r, "ZMPOP", 1, "z", "FOO") == "syntax error"
    assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT", 0) == "count should be greater than 0"
    assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT", "x") == "count should be greater than 0"
    assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT", 1, "COUNT", 2) == "syntax error"
    assert err(r, "ZMPOP", 1, "z", "MIN", "COUNT") == "syntax error"
    r.set("s", "x")
    r.zadd("z", {"a": 1})
    assert err(r, "ZMPOP", 2, "s", "z", "MIN") == WRONGTYPE


# --- Random members and scanning ---

def test_zrandmember(r):
    members = {"a": 1, "b": 2, "c": 3, "d": 4, "e": 5}
    r.zadd("z", members)
    assert r.zrandmember("z") in members
    assert r.zrandmember("nokey") is None
    assert r.zrandmember("nokey", 3) == []
    assert r.zrandmember("z", 0) == []
    got = r.zrandmember("z", 3)
    assert len(got) == 3 and len(set(got)) == 3 and set(got) <= set(members)
    assert sorted(r.zrandmember("z", 10)) == sorted(members)
    rep = r.zrandmember("z", -20)
    assert len(rep) == 20 and set(rep) <= set(members)
    flat = x(r, "ZRANDMEMBER", "z", -7, "WITHSCORES")
    assert len(flat) == 14
    for m, s in zip(flat[::2], flat[1::2]):
        assert members[m] == float(s)
    assert err(r, "ZRANDMEMBER", "z", 1, 2) == "syntax error"
    assert err(r, "ZRANDMEMBER", "z", 1, "WITHSCORE") == "syntax error"
    assert err(r, "ZRANDMEMBER", "z", "a") == "value is not an integer or out of range"
    assert err(r, "ZRANDMEMBER", "z", "-9223372036854775808") == \
        "value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    assert err(r, "ZRANDMEMBER", "z", "-9223372036854775807", "WITHSCORES") == \
        "value is out of range"
    r.set("s", "x")
    assert err(r, "ZRANDMEMBER", "s", 1) == WRONGTYPE


def test_zscan(r):
    r.zadd("z", {"a": 1, "b": 2.5, "ab": 3})
    cursor, items = x(r, "ZSCAN", "z", 0)
    assert cursor == "0"
    assert dict(zip(items[::2], items[1::2])) == {"a": "1", "b": "2.5", "ab": "3"}
    assert x(r, "ZSCAN", "z", 0, "MATCH", "a*")[1] in (
        ["a", "1", "ab", "3"], ["ab", "3", "a", "1"])
    assert x(r, "ZSCAN", "nokey", 0) == ["0", []]
    assert err(r, "ZSCAN", "z", 0, "COUNT", 0) == "syntax error"
    assert err(r, "ZSCAN", "z", "abc") == "invalid cursor"
    assert err(r, "ZSCAN", "z", 0, "FOO") == "syntax error"
    assert err(r, "ZSCAN", "z", 0, "TYPE", "zset") == "syntax error"


def test_zscan_large_set_visits_everything(r):
    r.zadd("z", {f"m{i}": i for i in range(1000)})
    seen, cursor = {}, "0"
    while True:
        cursor, items = x(r, "ZSCAN", "z", cursor, "COUNT", 50)
        seen.update(zip(items[::2], items[1::2]))
        if cursor == "0":
            break
    assert seen == {f"m{i}": str(i) for i in range(1000)}


def test_zscan_prints_scores_as_the_encoding_holds_them(r):
    """A small set's listpack stores integral scores (within +-2^62) as integers and ZSCAN
    prints that stored form; a large set's ZSCAN prints "%.17g", as ZSCORE always does."""
    scores = {"a": "1e17", "b": "123456789012345678", "c": "4611686018427387904",
              "d": "4611686018427388928", "e": "-4611686018427387904", "f": "1e22",
              "g": "2.5", "h": "-0", "i": "inf", "j": "7"}
    listpack = {"a": "100000000000000000", "b": "123456789012345680",
                "c": "4611686018427387904", "d": "4.6116860184273889e+18",
                "e": "-4611686018427387904", "f": "1e+22", "g": "2.5", "h": "0", "i": "inf",
                "j": "7"}
    skiplist = {"a": "1e+17", "b": "1.2345678901234568e+17", "c": "4.6116860184273879e+18",
                "d": "4.6116860184273889e+18", "e": "-4.6116860184273879e+18", "f": "1e+22",
                "g": "2.5", "h": "-0", "i": "inf", "j": "7"}
    for key, entries in (("small", 128), ("large", 0)):
        r.config_set("zset-max-listpack-entries", entries)
        for member, score in scores.items():
            x(r, "ZADD", key, score, member)
    cursor, items = x(r, "ZSCAN", "small", 0)
    assert cursor == "0" and dict(zip(items[::2], items[1::2])) == listpack
    seen, cursor = {}, "0"
    while True:
        cursor, items = x(r, "ZSCAN", "large", cursor)
        seen.update(zip(items[::2], items[1::2]))
        if cursor == "0":
            break
    assert seen == skiplist
    # Every other command prints "%.17g" in both encodings.
    for key in ("small", "large"):
        assert x(r, "ZSCORE", key, "a") == "1e+17"
        assert x(r, "ZRANGE", key, 0, -1, "WITHSCORES")[-2:] == ["i", "inf"]
        assert x(r, "ZMSCORE", key, "b") == ["1.2345678901234568e+17"]


# --- Set algebra ---

def test_zunion_zinter_zdiff(r):
    r.zadd("z1", {"a": 1, "b": 2, "c": 3})
    r.zadd("z2", {"b": 10, "c": 20, "d": 30})
    assert r.zunion(["z1", "z2"], withscores=True) == \
        [("a", 1), ("b", 12), ("c", 23), ("d", 30)]
    assert r.zinter(["z1", "z2"], withscores=True) == [("b", 12), ("c", 23)]
    assert r.zinter(["z1", "z2"], aggregate="MIN", withscores=True) == [("b", 2), ("c", 3)]
    assert r.zunion({"z1": 2, "z2": 0.5}, aggregate="MAX", withscores=True) == \
        [("a", 2), ("b", 5), ("c", 10), ("d", 15)]
    assert x(r, "ZDIFF", 2, "z1", "z2", "WITHSCORES") == ["a", "1"]
    assert r.zdiff(["z2", "z1"]) == ["d"]
    assert r.zunion(["z1", "nokey"]) == ["a", "b", "c"]
    assert r.zinter(["z1", "nokey"]) == []
    assert r.zdiff(["nokey", "z1"]) == []
    # Repeated options: the last wins.
    assert x(r, "ZUNION", 1, "z1", "WEIGHTS", 2, "WEIGHTS", 3, "WITHSCORES",
                             "WITHSCORES") == ["a", "3", "b", "6", "c", "9"]


def test_zunion_nan_and_inf(r):
    r.zadd("z1", {"a": float("inf")})
    r.zadd("z2", {"a": float("-inf")})
    # inf + -inf is NaN, which Redis turns into 0; weight 0 * inf also.
    assert r.zunion(["z1", "z2"], withscores=True) == [("a", 0)]
    assert r.zunion({"z1": 0}, withscores=True) == [("a", 0)]


def test_zinter_weight_zero_on_infinity(r):
    """ZINTER: the first input's weighted score turns NaN (0 * inf) into 0, a later input's
    NaN product goes into the aggregate (SUM: 0; MIN, MAX: ignored). ZUNION turns every
    NaN product into 0."""
    r.zadd("zi", {"e": float("inf"), "f": 1})
    r.zadd("zn", {"e": float("-inf"), "f": 2})

    def run(*args):
        return x(r, *args, "WITHSCORES")
    assert run("ZINTER", 2, "zi", "zi", "WEIGHTS", 1, 0) == ["e", "0", "f", "1"]
    assert run("ZINTER", 2, "zi", "zi", "WEIGHTS", 0, 1) == ["f", "1", "e", "inf"]
    assert run("ZINTER", 2, "zi", "zi", "WEIGHTS", 1, 0, "AGGREGATE", "MIN") == \
        ["f", "0", "e", "inf"]
    assert run("ZINTER", 2, "zi", "zi", "WEIGHTS", 1, 0, "AGGREGATE", "MAX") == \
        ["f", "1", "e", "inf"]
    assert run("ZINTER", 1, "zi", "WEIGHTS", 0) == ["e", "0", "f", "0"]
    assert run("ZINTER", 2, "zi", "zn") == ["e", "0", "f", "3"]
    assert run("ZINTER", 2, "zi", "zn", "AGGREGATE", "MIN") == ["e", "-inf", "f", "1"]
    assert run("ZINTER", 2, "zi", "zn", "AGGREGATE", "MAX") == ["f", "2", "e", "inf"]
    assert run("ZINTER", 2, "zi", "zn", "WEIGHTS", -1, -1) == ["f", "-3", "e", "0"]
    assert run("ZUNION", 2, "zi", "zi", "WEIGHTS", 1, 0) == ["f", "1", "e", "inf"]
    assert run("ZUNION", 2, "zi", "zn", "WEIGHTS", "-inf", 0) == ["e", "-inf", "f", "-inf"]
    assert run("ZUNION", 2, "zi", "zn", "AGGREGATE", "MIN") == ["e", "-inf", "f", "1"]
    assert x(r, "ZINTERSTORE", "d", 2, "zi", "zi", "WEIGHTS", 1, 0) == 2
    assert x(r, "ZRANGE", "d", 0, -1, "WITHSCORES") == ["e", "0", "f", "1"]
    assert x(r, "ZUNIONSTORE", "d", 2, "zi", "zi", "WEIGHTS", 1, 0) == 2
    assert x(r, "ZRANGE", "d", 0, -1, "WITHSCORES") == ["f", "1", "e", "inf"]


def test_store_commands(r):
    r.zadd("z1", {"a": 1, "b": 2})
    r.zadd("z2", {"b": 3, "c": 4})
    assert r.zunionstore("out", ["z1", "z2"]) == 3
    assert r.zrange("out", 0, -1, withscores=True) == [("a", 1), ("c", 4), ("b", 5)]
    assert r.zinterstore("out", {"z1": 1, "z2": 2}, aggregate="MAX") == 1
    assert r.zrange("out", 0, -1, withscores=True) == [("b", 6)]
    assert r.zdiffstore("out", ["z1", "z2"]) == 1
    assert r.zrange("out", 0, -1) == ["a"]
    # The destination may be an input.
    assert r.zunionstore("z1", ["z1", "z2"]) == 3
    assert r.zrange("z1", 0, -1) == ["a", "c", "b"]
    # Empty results delete the destination (even a string).
    r.set("out", "x")
    assert r.zinterstore("out", ["z2", "nokey"]) == 0
    assert r.exists("out") == 0


def test_set_algebra_errors(r):
    r.zadd("z", {"a": 1})
    assert err(r, "ZUNIONSTORE", "d", 0, "z") == \
        "at least 1 input key is needed for 'zunionstore' command"
    assert err(r, "ZUNION", -1, "z") == "at least 1 input key is needed for 'zunion' command"
    assert err(r, "ZINTERSTORE", "d", 3, "z") == "syntax error"
    assert err(r, "ZUNION", "1.5", "z") == "value is not an integer or out of range"
    assert err(r, "ZUNIONSTORE", "d", 1, "z", "WEIGHTS", "a") == "weight value is not a float"
    assert err(r, "ZUNIONSTORE", "d", 1, "z", "WEIGHTS", 1, 2) == "syntax error"
    assert err(r, "ZUNIONSTORE", "d", 1, "z", "AGGREGATE", "foo") == "syntax error"
    assert err(r, "ZDIFFSTORE", "d", 1, "z", "WEIGHTS", 1) == "syntax error"
    assert err(r, "ZDIFF", 1, "z", "AGGREGATE", "SUM") == "syntax error"
    assert err(r, "ZUNIONSTORE", "d", 1, "z", "WITHSCORES") == "syntax error"
    r.set("s", "x")
    assert err(r, "ZUNION", 2, "z", "s") == WRONGTYPE
    # The type check comes before option parsing.
    assert err(r, "ZUNION", 2, "z", "s", "WEIGHTS", "x") == WRONGTYPE


def test_zintercard(r):
    r.zadd("z1", {"a": 1, "b": 2, "c": 3})
    r.zadd("z2", {"b": 1, "c": 2, "d": 3})
    assert x(r, "ZINTERCARD", 2, "z1", "z2") == 2
    assert x(r, "ZINTERCARD", 2, "z1", "z2", "LIMIT", 1) == 1
    assert x(r, "ZINTERCARD", 2, "z1", "z2", "LIMIT", 0) == 2
    assert x(r, "ZINTERCARD", 1, "z1", "LIMIT", 1, "LIMIT", 2) == 2
    assert x(r, "ZINTERCARD", 2, "z1", "nokey") == 0
    assert err(r, "ZINTERCARD", 1, "z1", "LIMIT", -1) == "LIMIT can't be negative"
    assert err(r, "ZINTERCARD", 1, "z1", "LIMIT", "a") == "LIMIT can't be negative"
    assert err(r, "ZINTERCARD", 1, "z1", "FOO") == "syntax error"
    assert err(r, "ZINTERCARD", 1, "z1", "LIMIT") == "syntax error"
    assert err(r, "ZINTERCARD", "a", "z1") == "value is not an integer or out of range"
    assert err(r, "ZINTERCARD", 0, "z1") == \
        "at least 1 input key is needed for 'zintercard' command"
    assert err(r, "ZINTERCARD", 3, "z1") == "syntax error"


# --- RESP3 shapes ---

def test_resp3_shapes(raw, r):
    r.zadd("z", {"a": 1, "b": 2.5})
    pairs = b"*2\r\n*2\r\n$1\r\na\r\n,1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
    assert resp(raw, "ZRANGE", "z", 0, -1, "WITHSCORES", proto=3) == pairs
    assert resp(raw, "ZRANGEBYSCORE", "z", "-inf", "+inf", "WITHSCORES", proto=3) == pairs
    assert resp(raw, "ZUNION", 1, "z", "WITHSCORES", proto=3) == pairs
    assert resp(raw, "ZRANGE", "z", 0, -1, proto=3) == b"*2\r\n$1\r\na\r\n$1\r\nb\r\n"
    assert resp(raw, "ZSCORE", "z", "a", proto=3) == b",1\r\n"
    assert resp(raw, "ZSCORE", "z", "x", proto=3) == b"_\r\n"
    assert resp(raw, "ZMSCORE", "z", "b", "x", proto=3) == b"*2\r\n,2.5\r\n_\r\n"
    assert resp(raw, "ZRANK", "z", "x", proto=3) == b"_\r\n"
    assert resp(raw, "ZINCRBY", "z", 0, "a", proto=3) == b",1\r\n"
    assert resp(raw, "ZADD", "z", "XX", "INCR", 1, "x", proto=3) == b"_\r\n"
    assert resp(raw, "ZRANDMEMBER", "z", -1, "WITHSCORES", proto=3) in (
        b"*1\r\n*2\r\n$1\r\na\r\n,1\r\n", b"*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n")
    assert resp(raw, "ZRANDMEMBER", "nokey", proto=3) == b"_\r\n"
    assert resp(raw, "ZSCAN", "z", 0, proto=3) == \
        b"*2\r\n$1\r\n0\r\n*4\r\n$1\r\na\r\n$1\r\n1\r\n$1\r\nb\r\n$3\r\n2.5\r\n"
    assert resp(raw, "ZPOPMIN", "z", proto=3) == b"*2\r\n$1\r\na\r\n,1\r\n"
    assert resp(raw, "ZPOPMIN", "z", 1, proto=3) == b"*1\r\n*2\r\n$1\r\nb\r\n,2.5\r\n"
    assert resp(raw, "ZPOPMIN", "z", proto=3) == b"*0\r\n"
    r.zadd("z", {"c": float("inf")})
    assert resp(raw, "ZMPOP", 1, "z", "MIN", proto=3) == \
        b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\nc\r\n,inf\r\n"
    assert resp(raw, "ZMPOP", 1, "z", "MIN", proto=3) == b"_\r\n"
    assert resp(raw, "ZMPOP", 1, "z", "MIN", proto=2) == b"*-1\r\n"


def test_resp2_pop_shapes(raw, r):
    r.zadd("z", {"a": 1, "b": 2})
    assert resp(raw, "ZPOPMAX", "z", 1) == b"*2\r\n$1\r\nb\r\n$1\r\n2\r\n"
    assert resp(raw, "ZMPOP", 1, "z", "MAX") == b"*2\r\n$1\r\nz\r\n*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert resp(raw, "ZRANDMEMBER", "nokey") == b"$-1\r\n"


def test_type_and_copy(r):
    r.zadd("z", {"a": 1, "b": 2})
    assert r.type("z") == "zset"
    assert r.copy("z", "z2") == 1
    r.zadd("z", {"c": 3})
    assert r.zrange("z2", 0, -1, withscores=True) == [("a", 1), ("b", 2)]
    assert math.isclose(r.zscore("z", "c"), 3)


def test_set_operations_accept_plain_sets_with_score_one(r):
    r.sadd("s", "a", "b", "c")
    r.zadd("z", {"a": 2, "d": 5})
    assert r.zunion(["s", "z"], withscores=True) == [
        ("b", 1.0), ("c", 1.0), ("a", 3.0), ("d", 5.0)]
    assert r.zinter(["s", "z"], withscores=True) == [("a", 3.0)]
    assert r.zdiff(["s", "z"]) == ["b", "c"]
    assert r.zinterstore("dst", {"s": 10, "z": 1}) == 1
    assert r.zscore("dst", "a") == 12.0
    assert r.execute_command("ZINTERCARD", 2, "s", "z") == 1
    assert r.execute_command("ZINTERCARD", 1, "s", "LIMIT", 2) == 2
    r.set("str", "x")
    with pytest.raises(redis.ResponseError, match="^WRONGTYPE"):
        r.zunion(["s", "str"])

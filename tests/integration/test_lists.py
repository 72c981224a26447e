"""List commands (non-blocking): replies, errors, RESP2/RESP3 shapes, encodings, big lists
and moves between keys on different shards. Every expectation holds against redis-server."""
import random

import pytest
import redis

from conftest import encode

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def err(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def encoding(r, key):
    """OBJECT ENCODING, or a skip while Cinnabar lacks the command."""
    try:
        return r.object("encoding", key)
    except redis.ResponseError as e:
        if "unknown command" in str(e):
            pytest.skip("OBJECT ENCODING is not implemented in Cinnabar yet")
        raise


@pytest.fixture
def small_lists(r):
    """list-max-listpack-size 4 for the test, restored afterwards (the server is shared)."""
    old = r.config_get("list-max-listpack-size")["list-max-listpack-size"]
    r.config_set("list-max-listpack-size", 4)
    yield r
    r.config_set("list-max-listpack-size", old)


# --- Pushes ---

def test_push_order_and_lengths(r):
    assert r.lpush("l", "a", "b", "c") == 3
    assert r.rpush("l", "x", "y") == 5
    assert r.lrange("l", 0, -1) == ["c", "b", "a", "x", "y"]
    assert r.type("l") == "list"


def test_pushx_only_existing(r):
    assert r.lpushx("l", "a") == 0
    assert r.execute_command("RPUSHX", "l", "a", "b") == 0
    assert r.exists("l") == 0
    r.rpush("l", "m")
    assert r.lpushx("l", "a", "b") == 3
    assert r.execute_command("RPUSHX", "l", "y", "z") == 5
    assert r.lrange("l", 0, -1) == ["b", "a", "m", "y", "z"]


def test_push_wrongtype_and_arity(r):
    r.set("s", "x")
    for cmd in ("LPUSH", "RPUSH", "LPUSHX", "RPUSHX"):
        assert err(r, cmd, "s", "a") == WRONGTYPE
        assert err(r, cmd, "l") == f"wrong number of arguments for '{cmd.lower()}' command"
    assert r.get("s") == "x"


def test_elements_are_binary_safe_and_integers_keep_their_text(rb):
    values = [b"", b"\x00\r\n\xff", b"010", b"-0", b"12", b"-9223372036854775808",
              b"9223372036854775808", b"1" * 25, b" 1", b"3.0", b"x" * 5000]
    rb.rpush("l", *values)
    assert rb.lrange("l", 0, -1) == values
    assert [rb.lindex("l", i) for i in range(len(values))] == values
    assert rb.lpos("l", b"12") == 4
    assert rb.lpos("l", b"010") == 2
    assert rb.lpos("l", b"10") is None


# --- Pops ---

def test_pop_single(r):
    r.rpush("l", "a", "b", "c")
    assert r.lpop("l") == "a"
    assert r.rpop("l") == "c"
    assert r.rpop("l") == "b"
    assert r.exists("l") == 0  # an emptied list is deleted
    assert r.lpop("l") is None
    assert r.rpop("l") is None


def test_pop_count(r):
    r.rpush("l", *"abcdef")
    assert r.lpop("l", 2) == ["a", "b"]
    assert r.rpop("l", 2) == ["f", "e"]  # in pop order
    assert r.lpop("l", 0) == []
    assert r.rpop("l", 10) == ["d", "c"]
    assert r.exists("l") == 0
    assert r.lpop("l", 2) is None
    assert r.lpop("l", 0) is None


def test_pop_errors(r):
    r.rpush("l", "a")
    r.set("s", "x")
    positive = "value is out of range, must be positive"
    assert err(r, "LPOP", "l", "-1") == positive
    assert err(r, "RPOP", "l", "abc") == positive
    assert err(r, "LPOP", "l", "9223372036854775808") == positive
    assert err(r, "LPOP", "l", "1", "2") == "wrong number of arguments for 'lpop' command"
    assert err(r, "LPOP", "s") == WRONGTYPE
    assert err(r, "RPOP", "s", "0") == WRONGTYPE
    assert err(r, "LPOP", "s", "x") == positive  # the count is checked first
    assert r.lrange("l", 0, -1) == ["a"]


# --- Reads ---

def test_llen(r):
    assert r.llen("l") == 0
    r.rpush("l", *range(7))
    assert r.llen("l") == 7
    r.set("s", "x")
    assert err(r, "LLEN", "s") == WRONGTYPE


def test_lrange_matches_python_slices(r):
    items = [str(i) for i in range(10)]
    r.rpush("l", *items)
    for start in range(-13, 13):
        for end in range(-13, 13):
            s = start + 10 if start < 0 else start
            e = end + 10 if end < 0 else end
            s = max(s, 0)
            expect = items[s:e + 1] if s <= e else []
            assert r.lrange("l", start, end) == expect, (start, end)
    assert r.lrange("l", -(2 ** 63), 2 ** 63 - 1) == items
    assert r.lrange("missing", 0, -1) == []


def test_lrange_errors(r):
    r.set("s", "x")
    assert err(r, "LRANGE", "s", "0", "1") == WRONGTYPE
    assert err(r, "LRANGE", "s", "a", "1") == "value is not an integer or out of range"
    assert err(r, "LRANGE", "missing", "0", "b") == "value is not an integer or out of range"


def test_lindex(r):
    r.rpush("l", "a", "b", "c")
    assert [r.lindex("l", i) for i in (0, 1, 2, 3, -1, -3, -4)] == ["a", "b", "c", None, "c",
                                                                  "a", None]
    assert r.lindex("missing", 0) is None
    # The key is looked up before the index is parsed.
    assert r.execute_command("LINDEX", "missing", "abc") is None
    assert err(r, "LINDEX", "l", "abc") == "value is not an integer or out of range"
    r.set("s", "x")
    assert err(r, "LINDEX", "s", "abc") == WRONGTYPE


# --- Changes in place ---

def test_lset(r):
    r.rpush("l", "a", "b", "c")
    assert r.lset("l", 0, "A") is True
    assert r.lset("l", -1, "C") is True
    assert r.lrange("l", 0, -1) == ["A", "b", "C"]
    assert err(r, "LSET", "l", "3", "x") == "index out of range"
    assert err(r, "LSET", "l", "-4", "x") == "index out of range"
    assert err(r, "LSET", "l", "x", "y") == "value is not an integer or out of range"
    assert err(r, "LSET", "missing", "0", "x") == "no such key"
    assert err(r, "LSET", "missing", "x", "y") == "no such key"
    r.set("s", "x")
    assert err(r, "LSET", "s", "0", "x") == WRONGTYPE


def test_linsert(r):
    r.rpush("l", "a", "b", "a")
    assert r.linsert("l", "before", "a", "X") == 4
    assert r.linsert("l", "AFTER", "a", "Y") == 5
    assert r.lrange("l", 0, -1) == ["X", "a", "Y", "b", "a"]
    assert r.linsert("l", "before", "zz", "Q") == -1
    assert r.linsert("missing", "before", "a", "Q") == 0
    assert r.exists("missing") == 0
    assert err(r, "LINSERT", "l", "middle", "a", "x") == "syntax error"
    r.set("s", "x")
    assert err(r, "LINSERT", "s", "before", "a", "x") == WRONGTYPE
    assert err(r, "LINSERT", "s", "inside", "a", "x") == "syntax error"


def test_lrem(r):
    r.rpush("l", *"abacada")
    assert r.lrem("l", 2, "a") == 2
    assert r.lrange("l", 0, -1) == list("bcada")
    assert r.lrem("l", -1, "a") == 1
    assert r.lrange("l", 0, -1) == list("bcad")
    assert r.lrem("l", 0, "zz") == 0
    r.rpush("l", "a", "a")
    assert r.lrem("l", 0, "a") == 3
    assert r.lrange("l", 0, -1) == list("bcd")
    assert r.lrem("l", -(2 ** 63), "b") == 1
    for x in "cd":
        r.lrem("l", 1, x)
    assert r.exists("l") == 0
    assert r.lrem("missing", 0, "a") == 0
    assert err(r, "LREM", "missing", "x", "a") == "value is not an integer or out of range"
    r.set("s", "x")
    assert err(r, "LREM", "s", "0", "a") == WRONGTYPE


def test_ltrim_matches_python_slices(r):
    items = [str(i) for i in range(8)]
    for start in range(-10, 10):
        for end in range(-10, 10):
            r.delete("l")
            r.rpush("l", *items)
            assert r.ltrim("l", start, end) is True
            s = max(start + 8 if start < 0 else start, 0)
            e = end + 8 if end < 0 else end
            expect = items[s:e + 1] if s <= e else []
            assert r.lrange("l", 0, -1) == expect, (start, end)
            assert r.exists("l") == (1 if expect else 0)


def test_ltrim_errors(r):
    assert r.ltrim("missing", 0, 1) is True
    assert err(r, "LTRIM", "missing", "a", "1") == "value is not an integer or out of range"
    r.set("s", "x")
    assert err(r, "LTRIM", "s", "0", "1") == WRONGTYPE


# --- LPOS ---

def test_lpos(r):
    r.rpush("l", *"abcabcab")
    assert r.lpos("l", "a") == 0
    assert r.lpos("l", "c") == 2
    assert r.lpos("l", "z") is None
    assert r.lpos("l", "a", rank=2) == 3
    assert r.lpos("l", "a", rank=-1) == 6
    assert r.lpos("l", "a", rank=-3) == 0
    assert r.lpos("l", "a", rank=4) is None
    assert r.lpos("l", "a", count=0) == [0, 3, 6]
    assert r.lpos("l", "a", count=2) == [0, 3]
    assert r.lpos("l", "a", rank=-1, count=2) == [6, 3]
    assert r.lpos("l", "a", rank=2, count=0) == [3, 6]
    assert r.lpos("l", "z", count=3) == []
    assert r.lpos("l", "b", maxlen=1) is None
    assert r.lpos("l", "b", maxlen=2) == 1
    assert r.lpos("l", "b", rank=-1, maxlen=2) == 7
    assert r.lpos("l", "a", rank=-1, count=0, maxlen=3) == [6]
    assert r.execute_command("LPOS", "l", "a", "RANK", "1", "RANK", "2") == 3  # last wins
    assert r.lpos("missing", "a") is None
    assert r.lpos("missing", "a", count=1) == []
    # Redis compat: the overflowing rank counts from the tail and ignores COUNT.
    assert r.execute_command("LPOS", "l", "a", "RANK", str(-2 ** 63), "COUNT", "1") == [6, 3, 0]


def test_lpos_errors(r):
    r.rpush("l", "a")
    r.set("s", "x")
    assert err(r, "LPOS", "l", "a", "RANK", "0").startswith("RANK can't be zero: use 1 to start")
    assert err(r, "LPOS", "l", "a", "RANK", "x") == "value is not an integer or out of range"
    assert err(r, "LPOS", "l", "a", "COUNT", "-1") == "COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "COUNT", "x") == "COUNT can't be negative"
    assert err(r, "LPOS", "l", "a", "MAXLEN", "-1") == "MAXLEN can't be negative"
    assert err(r, "LPOS", "l", "a", "MAXLEN", "x") == "MAXLEN can't be negative"
    assert err(r, "LPOS", "l", "a", "RANK") == "syntax error"
    assert err(r, "LPOS", "l", "a", "FOO", "1") == "syntax error"
    assert err(r, "LPOS", "missing", "a", "COUNT", "x") == "COUNT can't be negative"
    assert err(r, "LPOS", "s", "a") == WRONGTYPE
    assert err(r, "LPOS", "s", "a", "COUNT", "0") == WRONGTYPE


# --- Moves ---

@pytest.mark.parametrize("wherefrom,whereto", [("LEFT", "LEFT"), ("LEFT", "RIGHT"),
                                               ("RIGHT", "LEFT"), ("RIGHT", "RIGHT")])
def test_lmove_directions(r, wherefrom, whereto):
    r.rpush("src", "a", "b", "c")
    r.rpush("dst", "x", "y")
    moved = r.lmove("src", "dst", wherefrom, whereto)
    assert moved == ("a" if wherefrom == "LEFT" else "c")
    src = ["b", "c"] if wherefrom == "LEFT" else ["a", "b"]
    dst = [moved, "x", "y"] if whereto == "LEFT" else ["x", "y", moved]
    assert r.lrange("src", 0, -1) == src
    assert r.lrange("dst", 0, -1) == dst


def test_lmove_same_key_rotates(r):
    r.rpush("l", "a", "b", "c")
    assert r.lmove("l", "l", "LEFT", "RIGHT") == "a"
    assert r.lrange("l", 0, -1) == ["b", "c", "a"]
    assert r.lmove("l", "l", "RIGHT", "LEFT") == "a"
    assert r.lrange("l", 0, -1) == ["a", "b", "c"]
    r.delete("l")
    r.rpush("l", "only")
    assert r.lmove("l", "l", "LEFT", "LEFT") == "only"
    assert r.lrange("l", 0, -1) == ["only"]


def test_lmove_creates_destination_and_deletes_empty_source(r):
    r.rpush("src", "a")
    assert r.lmove("src", "dst", "LEFT", "RIGHT") == "a"
    assert r.exists("src") == 0
    assert r.lrange("dst", 0, -1) == ["a"]
    assert r.lmove("src", "dst", "LEFT", "RIGHT") is None
    assert r.lrange("dst", 0, -1) == ["a"]


def test_lmove_errors(r):
    r.rpush("l", "a")
    r.set("s", "x")
    assert err(r, "LMOVE", "l", "d", "UP", "LEFT") == "syntax error"
    assert err(r, "LMOVE", "l", "d", "LEFT", "DOWN") == "syntax error"
    assert err(r, "LMOVE", "missing", "d", "UP", "LEFT") == "syntax error"
    assert err(r, "LMOVE", "s", "l", "LEFT", "LEFT") == WRONGTYPE
    assert err(r, "LMOVE", "l", "s", "LEFT", "LEFT") == WRONGTYPE
    assert r.lrange("l", 0, -1) == ["a"]  # nothing moved
    assert r.lmove("missing", "s", "LEFT", "LEFT") is None  # no source: destination unchecked


def test_rpoplpush(r):
    r.rpush("src", "a", "b")
    assert r.rpoplpush("src", "dst") == "b"
    assert r.rpoplpush("src", "dst") == "a"
    assert r.lrange("dst", 0, -1) == ["a", "b"]
    assert r.exists("src") == 0
    assert r.rpoplpush("src", "dst") is None
    r.set("s", "x")
    assert err(r, "RPOPLPUSH", "dst", "s") == WRONGTYPE
    assert err(r, "RPOPLPUSH", "s", "dst") == WRONGTYPE
    assert r.rpoplpush("dst", "dst") == "b"
    assert r.lrange("dst", 0, -1) == ["b", "a"]


# --- LMPOP ---

def test_lmpop(r):
    r.rpush("b", "1", "2", "3")
    assert r.execute_command("LMPOP", "2", "a", "b", "LEFT") == ["b", ["1"]]
    assert r.execute_command("LMPOP", "2", "a", "b", "right", "COUNT", "5") == ["b", ["3", "2"]]
    assert r.exists("b") == 0
    assert r.execute_command("LMPOP", "2", "a", "b", "LEFT") is None
    r.rpush("a", "x")
    r.set("s", "v")
    # The first key holding a list wins; a later key of another type is not looked at.
    assert r.execute_command("LMPOP", "2", "a", "s", "LEFT") == ["a", ["x"]]
    assert err(r, "LMPOP", "2", "a", "s", "LEFT") == WRONGTYPE


def test_lmpop_errors(r):
    r.rpush("l", "a")
    assert err(r, "LMPOP", "0", "l", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", "-1", "l", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", "x", "l", "LEFT") == "numkeys should be greater than 0"
    assert err(r, "LMPOP", "2", "l", "LEFT") == "syntax error"
    assert err(r, "LMPOP", str(2 ** 63 - 1), "l", "LEFT") == "syntax error"
    assert err(r, "LMPOP", "1", "l", "MIDDLE") == "syntax error"
    assert err(r, "LMPOP", "1", "l", "LEFT", "COUNT", "0") == "count should be greater than 0"
    assert err(r, "LMPOP", "1", "l", "LEFT", "COUNT", "x") == "count should be greater than 0"
    assert err(r, "LMPOP", "1", "l", "LEFT", "COUNT", "1", "COUNT", "1") == "syntax error"
    assert err(r, "LMPOP", "1", "l", "LEFT", "FOO") == "syntax error"
    assert err(r, "LMPOP", "1", "l", "LEFT", "COUNT") == "syntax error"
    assert err(r, "LMPOP", "1", "l") == "wrong number of arguments for 'lmpop' command"
    assert r.lrange("l", 0, -1) == ["a"]


# --- Protocol shapes ---

def resp(c, *args):
    c.send(encode(*args))
    return c.read()


@pytest.mark.parametrize("proto", [2, 3])
def test_reply_shapes(raw, r, proto):
    c = raw()
    if proto == 3:
        assert resp(c, "HELLO", "3").startswith(b"%")
    null = b"_\r\n" if proto == 3 else b"$-1\r\n"
    null_array = b"_\r\n" if proto == 3 else b"*-1\r\n"
    resp(c, "DEL", "l", "m")
    assert resp(c, "LPOP", "l") == null
    assert resp(c, "RPOP", "l", "2") == null_array
    assert resp(c, "LPOP", "l", "0") == null_array
    assert resp(c, "LINDEX", "l", "0") == null
    assert resp(c, "LPOS", "l", "a") == null
    assert resp(c, "LPOS", "l", "a", "COUNT", "0") == b"*0\r\n"
    assert resp(c, "LRANGE", "l", "0", "-1") == b"*0\r\n"
    assert resp(c, "LMOVE", "l", "m", "LEFT", "LEFT") == null
    assert resp(c, "RPOPLPUSH", "l", "m") == null
    assert resp(c, "LMPOP", "1", "l", "LEFT") == null_array
    assert resp(c, "RPUSH", "l", "a", "7") == b":2\r\n"
    assert resp(c, "LPOP", "l", "0") == b"*0\r\n"
    assert resp(c, "LINDEX", "l", "5") == null
    assert resp(c, "LPOS", "l", "zz") == null
    assert resp(c, "LRANGE", "l", "0", "-1") == b"*2\r\n$1\r\na\r\n$1\r\n7\r\n"
    assert resp(c, "LMPOP", "1", "l", "RIGHT") == b"*2\r\n$1\r\nl\r\n*1\r\n$1\r\n7\r\n"
    assert resp(c, "LPOP", "l", "1") == b"*1\r\n$1\r\na\r\n"
    assert resp(c, "LINSERT", "l", "BEFORE", "a", "b") == b":0\r\n"
    assert resp(c, "LSET", "l", "0", "x") == b"-ERR no such key\r\n"
    assert resp(c, "RPUSH", "l", "a") == b":1\r\n"
    assert resp(c, "LTRIM", "l", "0", "0") == b"+OK\r\n"
    assert resp(c, "LINSERT", "l", "BEFORE", "zz", "b") == b":-1\r\n"


# --- Keys, expiry, copies, statistics ---

def test_ttl_survives_changes_and_copy_is_deep(r):
    r.rpush("l", "a", "b", "c")
    r.expire("l", 100)
    r.lpush("l", "z")
    r.lpop("l")
    r.lset("l", 0, "A")
    assert 0 < r.ttl("l") <= 100
    assert r.copy("l", "c") is True
    r.rpush("l", "more")
    r.lset("l", 0, "changed")
    assert r.lrange("c", 0, -1) == ["A", "b", "c"]
    assert r.lrange("l", 0, -1) == ["changed", "b", "c", "more"]
    r.delete("l")
    r.rpush("l", "new")
    assert r.ttl("l") == -1


def test_copy_and_rename_big_list(r):
    r.rpush("l", *range(2000))
    assert r.copy("l", "c") is True
    r.ltrim("l", 0, 9)
    assert r.lrange("c", 0, -1) == [str(i) for i in range(2000)]
    r.rename("c", "d")
    assert r.llen("d") == 2000
    assert r.lindex("d", 1999) == "1999"


def stats(r):
    info = r.info("stats")
    return info["keyspace_hits"], info["keyspace_misses"]


def test_keyspace_stats(r):
    r.rpush("l", "a")
    hits, misses = stats(r)
    r.llen("l")
    r.lrange("l", 0, -1)
    r.lindex("l", 0)
    r.lpos("l", "a")
    r.llen("missing")
    r.lrange("missing", 0, -1)
    assert stats(r) == (hits + 4, misses + 2)
    # Write commands look keys up without counting.
    r.lpop("missing")
    r.lpush("l", "b")
    r.rpop("l")
    r.lset("l", 0, "x")
    r.lrem("l", 0, "zz")
    r.ltrim("l", 0, -1)
    r.linsert("l", "before", "x", "w")
    r.lmove("l", "m", "LEFT", "LEFT")
    r.execute_command("LMPOP", "2", "missing", "l", "LEFT")
    assert stats(r) == (hits + 4, misses + 2)


# --- Encodings ---

def test_small_list_encoding(r):
    r.rpush("l", "a", "b")
    # Redis 7.0 says "quicklist" for every list; 7.2 (and Cinnabar) "listpack" for small ones.
    assert encoding(r, "l") in ("listpack", "quicklist")


def test_conversion_across_the_size_limit(small_lists):
    r = small_lists
    r.rpush("l", "1", "2", "3", "4")
    assert encoding(r, "l") in ("listpack", "quicklist")
    r.rpush("l", "5")
    assert encoding(r, "l") == "quicklist"
    assert r.lrange("l", 0, -1) == ["1", "2", "3", "4", "5"]
    r.rpop("l", 3)  # two left: half the limit
    assert encoding(r, "l") in ("listpack", "quicklist")
    assert r.lrange("l", 0, -1) == ["1", "2"]


@pytest.mark.cinnabar_only  # Redis 7.0 keeps every list a quicklist; this is 7.2's rule
def test_conversion_points_are_redis_72s(small_lists):
    r = small_lists
    r.rpush("l", "1", "2", "3", "4")
    assert encoding(r, "l") == "listpack"
    r.rpush("l", "5")
    assert encoding(r, "l") == "quicklist"
    r.rpop("l", 2)  # 3 left: above half of 4
    assert encoding(r, "l") == "quicklist"
    r.rpop("l")
    assert encoding(r, "l") == "listpack"
    r.config_set("list-max-listpack-size", -1)  # 4 KB nodes
    r.delete("l")
    r.rpush("l", "x" * 4000)
    assert encoding(r, "l") == "listpack"
    r.rpush("l", "y" * 200)
    assert encoding(r, "l") == "quicklist"


def test_operations_across_conversions(small_lists):
    """Every command on lists crossing the 4-element node limit, against a model."""
    r = small_lists
    rng = random.Random(7)
    model = {k: [] for k in ("a", "b", "{x}c")}
    keys = list(model)
    for _ in range(1500):
        k = rng.choice(keys)
        m = model[k]
        op = rng.randrange(12)
        v = rng.choice(["1", "2", "x", "yy", "-3", "z" * 50])
        if op < 3:
            n = rng.randrange(1, 6)
            vals = [rng.choice(["1", "2", "x", "yy"]) for _ in range(n)]
            if op == 0:
                assert r.lpush(k, *vals) == len(m) + n
                m[:0] = vals[::-1]
            else:
                assert r.rpush(k, *vals) == len(m) + n
                m.extend(vals)
        elif op == 3:
            n = rng.randrange(1, 4)
            got = r.lpop(k, n)
            assert got == (m[:n] if m else None)
            del m[:n]
        elif op == 4:
            got = r.rpop(k)
            assert got == (m.pop() if m else None)
        elif op == 5 and m:
            i = rng.randrange(-len(m), len(m))
            assert r.lset(k, i, v) is True
            m[i] = v
        elif op == 6:
            pivot = rng.choice(m) if m and rng.random() < 0.7 else "nope"
            where = rng.choice(["BEFORE", "AFTER"])
            got = r.linsert(k, where, pivot, v)
            if not m:
                assert got == 0
            elif pivot in m:
                i = m.index(pivot) + (where == "AFTER")
                m.insert(i, v)
                assert got == len(m)
            else:
                assert got == -1
        elif op == 7:
            count = rng.randrange(-2, 3)
            got = r.lrem(k, count, v)
            idx = [i for i, x in enumerate(m) if x == v]
            if count > 0:
                idx = idx[:count]
            elif count < 0:
                idx = idx[count:]
            for i in reversed(idx):
                del m[i]
            assert got == len(idx)
        elif op == 8:
            s, e = rng.randrange(-8, 8), rng.randrange(-8, 8)
            r.ltrim(k, s, e)
            n = len(m)
            s2 = max(s + n if s < 0 else s, 0)
            e2 = e + n if e < 0 else e
            m[:] = m[s2:e2 + 1] if s2 <= e2 else []
        elif op == 9:
            dst = rng.choice(keys)
            wf, wt = rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"])
            got = r.lmove(k, dst, wf, wt)
            if not m:
                assert got is None
            else:
                val = m.pop(0) if wf == "LEFT" else m.pop()
                assert got == val
                d = model[dst]
                d.insert(0, val) if wt == "LEFT" else d.append(val)
        elif op == 10:
            got = r.lpos(k, v, rank=rng.choice([1, 2, -1]), count=0)
            assert isinstance(got, list)
            assert [m[i] for i in got] == [v] * len(got)
        else:
            assert r.lindex(k, 0) == (m[0] if m else None)
        assert r.exists(k) == (1 if m else 0)
    for k in keys:
        assert r.lrange(k, 0, -1) == model[k]


# --- Big lists ---

def test_big_list(r):
    n = 100_000
    items = [str(i) if i % 3 else f"item:{i}" for i in range(n)]
    p = r.pipeline(transaction=False)
    for i in range(0, n, 2000):
        p.rpush("big", *items[i:i + 2000])
    p.execute()
    assert r.llen("big") == n
    assert r.lrange("big", 0, -1) == items
    assert r.lrange("big", 49_990, 50_010) == items[49_990:50_011]
    assert r.lrange("big", -5, -1) == items[-5:]
    for i in (0, 1, 777, 50_000, 99_998, 99_999, -1, -50_001, -100_000):
        assert r.lindex("big", i) == items[i]
    assert r.lindex("big", n) is None
    assert r.lpos("big", "item:99999") == 99_999
    assert r.lpos("big", "99998", rank=-1) == 99_998
    assert r.lpos("big", "5", maxlen=5) is None
    assert r.lset("big", 60_000, "changed") is True
    items[60_000] = "changed"
    assert r.linsert("big", "AFTER", "50000", "inserted") == n + 1
    items.insert(50_001, "inserted")
    assert r.lrange("big", 49_999, 60_002) == items[49_999:60_003]
    # Every 1000th element duplicated, then removed again in both directions.
    p = r.pipeline(transaction=False)
    for i in range(0, 100_000, 1000):
        p.lset("big", i, "dup")
    p.execute()
    for i in range(0, 100_000, 1000):
        items[i] = "dup"
    assert r.lrem("big", 10, "dup") == 10
    assert r.lrem("big", -10, "dup") == 10
    kept = [x for x in items if x == "dup"][10:-10]
    assert len(kept) == 80
    assert r.lrem("big", 0, "dup") == 80
    items = [x for x in items if x != "dup"]
    assert r.llen("big") == len(items)
    assert r.ltrim("big", 1000, -1001) is True
    items = items[1000:-1000]
    assert r.lrange("big", 0, -1) == items
    assert r.lpop("big", 5000) == items[:5000]
    assert r.rpop("big", 5000) == items[-5000:][::-1]
    items = items[5000:-5000]
    assert r.lrange("big", 0, -1) == items


# --- Cross-shard moves ---

@pytest.fixture
def r4(r, is_redis, start_server):
    """A client of a server whose keys spread over 4 shards (Redis: the usual server)."""
    if is_redis:
        yield r
        return
    c = start_server("--threads", "4").client()
    yield c
    c.close()


def test_moves_between_shards(r4):
    r = r4
    keys = [f"key:{i}" for i in range(12)]
    for k in keys:
        r.rpush(k, f"{k}-1", f"{k}-2")
    model = {k: [f"{k}-1", f"{k}-2"] for k in keys}
    rng = random.Random(3)
    for _ in range(300):
        src, dst = rng.choice(keys), rng.choice(keys)
        wf, wt = rng.choice(["LEFT", "RIGHT"]), rng.choice(["LEFT", "RIGHT"])
        got = r.lmove(src, dst, wf, wt)
        if not model[src]:
            assert got is None
            continue
        val = model[src].pop(0 if wf == "LEFT" else -1)
        assert got == val
        model[dst].insert(0, val) if wt == "LEFT" else model[dst].append(val)
    for k in keys:
        assert r.lrange(k, 0, -1) == model[k]
        assert r.exists(k) == (1 if model[k] else 0)
    src = next(k for k in keys if model[k])
    assert r.rpoplpush(src, "fresh") == model[src].pop()
    assert r.lrange("fresh", 0, -1) == [r.lindex("fresh", 0)]
    first = next(k for k in keys if model[k])
    got = r.execute_command("LMPOP", len(keys), *keys, "RIGHT", "COUNT", 100)
    assert got == [first, model[first][::-1]]
    assert r.exists(first) == 0


def test_lmpop_keys(r):
    assert r.execute_command("COMMAND GETKEYS", "LMPOP", "2", "a", "b", "LEFT") == ["a", "b"]
    assert r.execute_command("COMMAND GETKEYS", "LMOVE", "a", "b", "LEFT", "LEFT") == ["a", "b"]
    assert (err(r, "COMMAND GETKEYS", "LMPOP", "0", "a", "LEFT")
            == "Invalid arguments specified for command")
    assert (err(r, "COMMAND GETKEYS", "LMPOP", "9", "a", "LEFT")
            == "Invalid arguments specified for command")

"""Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
SUNION SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SINTERCARD SSCAN, their errors, RESP3 shapes,
encodings, and multi-key commands across shards."""
import time

import pytest
import redis

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def encoding(r, key):
    """OBJECT ENCODING, or None when the server lacks OBJECT (such assertions are skipped)."""
    try:
        return r.object("encoding", key)
    except redis.ResponseError as e:
        if "unknown command" in str(e):
            return None
        raise


def check_encoding(r, key, *accepted):
    enc = encoding(r, key)
    if enc is not None:
        assert enc in accepted, (key, enc)


def error(fn, *args):
    with pytest.raises(redis.ResponseError) as e:
        fn(*args)
    return str(e.value)


def resp3(raw, *commands):
    """Sends HELLO 3 then each command on a raw connection; returns the raw replies."""
    c = raw()
    c.send("*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n")
    c.read()
    out = []
    for cmd in commands:
        parts = [str(p).encode() for p in cmd]
        c.send(b"*%d\r\n" % len(parts) + b"".join(b"$%d\r\n%s\r\n" % (len(p), p) for p in parts))
        out.append(c.read())
    return out


@pytest.fixture
def limits(r, is_redis):
    yield r
    r.config_set("set-max-intset-entries", 512)
    if not is_redis:  # Redis 7.0 has no set-max-listpack-* (7.2 added them)
        r.config_set("set-max-listpack-entries", 128)
        r.config_set("set-max-listpack-value", 64)


def test_sadd_srem_scard(r):
    assert r.sadd("s", "a", "b", "a") == 2
    assert r.sadd("s", "b", "c") == 1
    assert r.scard("s") == 3
    assert r.smembers("s") == {"a", "b", "c"}
    assert r.srem("s", "a", "x", "a") == 1
    assert r.srem("missing", "a") == 0
    assert r.scard("missing") == 0
    assert r.srem("s", "b", "c") == 2
    assert r.exists("s") == 0
    assert r.type("s") == "none"
    r.sadd("s", "z")
    assert r.type("s") == "set"


def test_integers_and_strings_mixed(r):
    assert r.sadd("s", "3", "1", "2", "-5", "1") == 4
    assert r.smembers("s") == {"1", "2", "3", "-5"}
    assert r.sismember("s", "1") is True
    assert r.sismember("s", "01") is False  # not a canonical integer: another member
    assert r.sadd("s", "01", "+1", " 1", "9223372036854775807", "-9223372036854775808") == 5
    assert r.sismember("s", "01") is True
    assert r.srem("s", "1") == 1
    assert r.smembers("s") == {"2", "3", "-5", "01", "+1", " 1", "9223372036854775807",
                               "-9223372036854775808"}


def test_sismember_smismember(r):
    r.sadd("s", "a", "1")
    assert r.sismember("s", "a") is True
    assert r.sismember("s", "b") is False
    assert r.sismember("missing", "b") is False
    assert r.smismember("s", ["a", "b", "1"]) == [1, 0, 1]
    assert r.smismember("missing", ["a"]) == [0]
    assert error(r.execute_command, "SMISMEMBER", "s") == \
        "wrong number of arguments for 'smismember' command"


def test_binary_members(rb):
    rb.sadd("s", b"", b"\x00\x01", b"\xff" * 100)
    assert rb.smembers("s") == {b"", b"\x00\x01", b"\xff" * 100}
    assert rb.sismember("s", b"") is True


def test_wrongtype(r):
    r.set("str", "x")
    r.sadd("s", "a")
    calls = [
        ("SADD", "str", "a"), ("SREM", "str", "a"), ("SMEMBERS", "str"),
        ("SISMEMBER", "str", "a"), ("SMISMEMBER", "str", "a"), ("SCARD", "str"),
        ("SPOP", "str"), ("SPOP", "str", "2"), ("SRANDMEMBER", "str"),
        ("SRANDMEMBER", "str", "2"), ("SMOVE", "str", "s", "a"), ("SMOVE", "s", "str", "a"),
        ("SINTER", "s", "str"), ("SINTER", "missing", "str"), ("SUNION", "str"),
        ("SDIFF", "missing", "str"), ("SDIFF", "s", "str"), ("SINTERSTORE", "d", "s", "str"),
        ("SUNIONSTORE", "d", "str"), ("SDIFFSTORE", "d", "s", "str"),
        ("SINTERCARD", "2", "s", "str"), ("SSCAN", "str", "0"),
    ]
    for call in calls:
        assert error(r.execute_command, *call) == WRONGTYPE, call
    assert r.exists("d") == 0
    assert r.smembers("s") == {"a"}
    assert error(r.get, "s") == WRONGTYPE


def test_spop(r):
    members = {f"m{i}" for i in range(10)}
    r.sadd("s", *members)
    one = r.spop("s")
    assert one in members and r.scard("s") == 9 and not r.sismember("s", one)
    three = r.spop("s", 3)
    assert len(three) == 3 and len(set(three)) == 3 and one not in three
    assert r.scard("s") == 6
    assert r.spop("s", 0) == []
    rest = r.spop("s", 100)
    assert set(rest) | set(three) | {one} == members
    assert r.exists("s") == 0
    assert r.spop("missing") is None
    assert r.spop("missing", 3) == []


def test_spop_errors(r):
    r.sadd("s", "a")
    assert error(r.execute_command, "SPOP", "s", "-1") == \
        "value is out of range, must be positive"
    assert error(r.execute_command, "SPOP", "s", "x") == \
        "value is out of range, must be positive"
    assert error(r.execute_command, "SPOP", "s", "1", "2") == "syntax error"
    assert r.smembers("s") == {"a"}


def test_spop_integers(r):
    r.sadd("s", *range(100))
    popped = r.spop("s", 40)
    assert len(set(popped)) == 40
    assert r.scard("s") == 60
    assert set(r.smembers("s")) | set(popped) == {str(i) for i in range(100)}


def test_srandmember(r):
    members = {f"m{i}" for i in range(20)}
    r.sadd("s", *members)
    assert r.srandmember("s") in members
    assert r.srandmember("missing") is None
    assert r.srandmember("missing", 3) == []
    assert r.srandmember("missing", -3) == []
    assert r.srandmember("s", 0) == []
    five = r.srandmember("s", 5)
    assert len(five) == 5 and len(set(five)) == 5 and set(five) <= members
    assert sorted(r.srandmember("s", 50)) == sorted(members)
    many = r.srandmember("s", -100)
    assert len(many) == 100 and set(many) <= members
    assert r.scard("s") == 20
    r.sadd("ints", *range(1000))
    picked = r.srandmember("ints", 10)
    assert len(set(picked)) == 10
    assert error(r.execute_command, "SRANDMEMBER", "s", "x") == \
        "value is not an integer or out of range"
    assert error(r.execute_command, "SRANDMEMBER", "s", "1", "2") == "syntax error"
    assert error(r.execute_command, "SRANDMEMBER", "s", str(-2**63)) == \
        "value is out of range, value must between -9223372036854775807 and 9223372036854775807"


def test_smove(r):
    r.sadd("src", "a", "b")
    r.sadd("dst", "c")
    assert r.smove("src", "dst", "a") is True
    assert r.smembers("src") == {"b"} and r.smembers("dst") == {"a", "c"}
    assert r.smove("src", "dst", "zz") is False
    assert r.smove("missing", "dst", "a") is False
    assert r.smove("src", "new", "b") is True
    assert r.exists("src") == 0
    assert r.smembers("new") == {"b"}
    assert r.smove("dst", "dst", "a") is True  # same set: membership answered, no change
    assert r.smove("dst", "dst", "q") is False
    assert r.smembers("dst") == {"a", "c"}
    r.set("str", "x")
    assert r.smove("missing", "str", "a") is False  # a missing source wins over the type
    assert error(r.smove, "dst", "str", "a") == WRONGTYPE
    assert r.smembers("dst") == {"a", "c"}
    r.sadd("ints", 1, 2)
    assert r.smove("ints", "dst", "1") is True
    assert r.smembers("dst") == {"a", "c", "1"}


def test_sinter_sunion_sdiff(r):
    r.sadd("a", "1", "2", "3", "x")
    r.sadd("b", "2", "3", "4", "x", "y")
    r.sadd("c", "3", "x", "z")
    assert r.sinter("a", "b", "c") == {"3", "x"}
    assert r.sinter("a") == {"1", "2", "3", "x"}
    assert r.sinter("a", "missing") == set()
    assert r.sunion("a", "b", "c") == {"1", "2", "3", "4", "x", "y", "z"}
    assert r.sunion("a", "missing") == {"1", "2", "3", "x"}
    assert r.sdiff("a", "b") == {"1"}
    assert r.sdiff("b", "a", "c") == {"4", "y"}
    assert r.sdiff("a", "missing") == {"1", "2", "3", "x"}
    assert r.sdiff("missing", "a") == set()
    assert r.sdiff("a", "a") == set()


def test_store_variants(r):
    r.sadd("a", "1", "2", "3", "x")
    r.sadd("b", "2", "3", "4", "x", "y")
    assert r.sinterstore("d", ["a", "b"]) == 3
    assert r.smembers("d") == {"2", "3", "x"}
    assert r.sunionstore("d", ["a", "b"]) == 6
    assert r.smembers("d") == {"1", "2", "3", "4", "x", "y"}
    assert r.sdiffstore("d", ["a", "b"]) == 1
    assert r.smembers("d") == {"1"}
    # The destination may be a source.
    assert r.sunionstore("a", ["a", "b"]) == 6
    assert r.smembers("a") == {"1", "2", "3", "4", "x", "y"}
    # An empty result deletes the destination, whatever it held.
    r.set("d", "string")
    assert r.sinterstore("d", ["a", "missing"]) == 0
    assert r.exists("d") == 0
    assert r.sdiffstore("d", ["a", "a"]) == 0
    assert r.exists("d") == 0
    # The destination is replaced, type and TTL included.
    r.set("d", "string", ex=100)
    assert r.sunionstore("d", ["b"]) == 5
    assert r.type("d") == "set" and r.ttl("d") == -1


def test_sintercard(r):
    r.sadd("a", *range(10))
    r.sadd("b", *range(5, 20))
    assert r.sintercard(2, ["a", "b"]) == 5
    assert r.sintercard(2, ["a", "b"], limit=3) == 3
    assert r.sintercard(2, ["a", "b"], limit=0) == 5
    assert r.sintercard(1, ["a"]) == 10
    assert r.sintercard(2, ["a", "missing"]) == 0
    cmd = r.execute_command
    assert error(cmd, "SINTERCARD", "0", "a") == "numkeys should be greater than 0"
    assert error(cmd, "SINTERCARD", "-1", "a") == "numkeys should be greater than 0"
    assert error(cmd, "SINTERCARD", "x", "a") == "numkeys should be greater than 0"
    assert error(cmd, "SINTERCARD", "3", "a", "b") == \
        "Number of keys can't be greater than number of args"
    assert error(cmd, "SINTERCARD", "1", "a", "LIMIT", "-1") == "LIMIT can't be negative"
    assert error(cmd, "SINTERCARD", "1", "a", "LIMIT", "x") == "LIMIT can't be negative"
    assert error(cmd, "SINTERCARD", "1", "a", "LIMIT") == "syntax error"
    assert error(cmd, "SINTERCARD", "1", "a", "b") == "syntax error"


def test_sscan_small(r):
    r.sadd("ints", *range(50))
    cursor, members = r.sscan("ints", 0, count=5)
    assert cursor == 0 and set(members) == {str(i) for i in range(50)}
    r.sadd("s", *[f"k{i}" for i in range(20)], "other")
    found, cursor = set(), 0
    while True:  # a listpack (Redis 7.2) answers in one call, a hashtable (7.0) in several
        cursor, members = r.sscan("s", cursor, match="k1*")
        found.update(members)
        if cursor == 0:
            break
    assert found == {"k1"} | {f"k1{i}" for i in range(10)}
    assert r.sscan("missing", 0) == (0, [])
    assert r.sscan("missing", 0, count=0) == (0, [])
    assert error(r.execute_command, "SSCAN", "s", "x") == "invalid cursor"
    assert error(r.execute_command, "SSCAN", "s", "0", "COUNT", "0") == "syntax error"
    assert error(r.execute_command, "SSCAN", "s", "0", "MATCH") == "syntax error"


def test_big_set_scan_complete(r):
    n = 50000
    pipe = r.pipeline(transaction=False)
    for start in range(0, n, 1000):
        pipe.sadd("big", *[f"member:{i}" for i in range(start, start + 1000)])
    pipe.execute()
    assert r.scard("big") == n
    check_encoding(r, "big", "hashtable")
    seen = set()
    cursor, calls = 0, 0
    while True:
        cursor, members = r.sscan("big", cursor, count=500)
        seen.update(members)
        calls += 1
        if cursor == 0:
            break
    assert calls > 1 and len(seen) == n
    assert len(r.smembers("big")) == n
    assert len(set(r.spop("big", 10))) == 10
    assert r.scard("big") == n - 10
    r.sadd("half", *[f"member:{i}" for i in range(0, n, 2)])
    assert r.sintercard(2, ["big", "half"]) >= n // 2 - 10
    assert r.sdiffstore("d", ["big", "half"]) + r.sintercard(2, ["big", "half"]) == n - 10


def test_intset_encoding(limits):
    r = limits
    r.sadd("s", 1, 2, 3)
    check_encoding(r, "s", "intset")
    r.sadd("s", "a")
    check_encoding(r, "s", "listpack", "hashtable")  # 7.2 listpack, 7.0 hashtable
    assert r.smembers("s") == {"1", "2", "3", "a"}
    r.config_set("set-max-intset-entries", 4)
    r.sadd("t", 1, 2, 3, 4)
    check_encoding(r, "t", "intset")
    r.sadd("t", 5)
    check_encoding(r, "t", "hashtable")
    assert r.smembers("t") == {"1", "2", "3", "4", "5"}
    r.srem("t", 1, 2, 3, 4)
    check_encoding(r, "t", "hashtable")  # never converted back
    assert r.smembers("t") == {"5"}


def test_new_set_encoding_counts_members_not_arguments(limits):
    # Repeated members do not count toward set-max-intset-entries (Redis 7.0 decides by the
    # members the set holds).
    r = limits
    r.config_set("set-max-intset-entries", 2)
    assert r.sadd("s", 2, 2, 3) == 2
    check_encoding(r, "s", "intset")
    r.config_set("set-max-intset-entries", 512)
    assert r.sadd("ones", *([1] * 600)) == 1
    check_encoding(r, "ones", "intset")
    assert r.sadd("many", *range(513)) == 513
    check_encoding(r, "many", "hashtable")


# Redis 7.0 has no listpack sets nor set-max-listpack-* directives; Cinnabar follows 7.2.
@pytest.mark.cinnabar_only
def test_listpack_limits(limits):
    r = limits
    r.config_set("set-max-listpack-entries", 4)
    r.config_set("set-max-listpack-value", 8)
    r.sadd("small", "a", "b", "c", "d")
    check_encoding(r, "small", "listpack", "hashtable")
    r.sadd("small", "e")
    check_encoding(r, "small", "hashtable")
    r.sadd("long", "123456789x")
    check_encoding(r, "long", "hashtable")
    r.sadd("ints", 1, 2)
    r.sadd("ints", "abcdefghi")
    check_encoding(r, "ints", "hashtable")
    assert r.smembers("small") == {"a", "b", "c", "d", "e"}
    assert r.smembers("ints") == {"1", "2", "abcdefghi"}
    assert r.sunionstore("u", ["small", "ints"]) == 8
    check_encoding(r, "u", "hashtable")
    assert r.sinterstore("i", ["ints", "ints"]) == 3
    assert r.smembers("i") == {"1", "2", "abcdefghi"}


def test_store_result_encoding(r):
    r.sadd("a", 1, 2, 3)
    r.sadd("b", 2, 3, "x")
    assert r.sinterstore("d", ["a", "b"]) == 2
    check_encoding(r, "d", "intset")
    assert r.smembers("d") == {"2", "3"}


def test_resp3_shapes(r, raw):
    r.sadd("s", "a")
    replies = resp3(raw, ("SMEMBERS", "s"), ("SMEMBERS", "nope"), ("SINTER", "s"),
                    ("SUNION", "nope"), ("SDIFF", "s", "nope"), ("SRANDMEMBER", "s", 2),
                    ("SRANDMEMBER", "s", -2), ("SRANDMEMBER", "nope", 2), ("SSCAN", "s", 0),
                    ("SMISMEMBER", "s", "a", "b"), ("SPOP", "nope"), ("SPOP", "nope", 2),
                    ("SPOP", "s", 0), ("SPOP", "s", 5))
    assert replies == [
        b"~1\r\n$1\r\na\r\n", b"~0\r\n", b"~1\r\n$1\r\na\r\n", b"~0\r\n",
        b"~1\r\n$1\r\na\r\n", b"*1\r\n$1\r\na\r\n", b"*2\r\n$1\r\na\r\n$1\r\na\r\n",
        b"*0\r\n", b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\na\r\n", b"*2\r\n:1\r\n:0\r\n", b"_\r\n",
        b"~0\r\n", b"~0\r\n", b"~1\r\n$1\r\na\r\n",
    ]


def test_copy_is_independent(r):
    r.sadd("ints", 1, 2, 3)
    r.sadd("strs", "a", "b")
    r.sadd("big", *range(1000), "x")
    for key in ("ints", "strs", "big"):
        assert r.copy(key, key + ":copy") is True
        before = r.smembers(key)
        r.sadd(key, "added")
        r.srem(key, "1")
        assert r.smembers(key + ":copy") == before


def test_hits_and_misses(r):
    def stats():
        info = r.info("stats")
        return info["keyspace_hits"], info["keyspace_misses"]

    r.sadd("s", "a")
    hits, misses = stats()
    r.sismember("s", "b")
    r.smembers("missing")
    r.sinter("s", "missing")
    assert stats() == (hits + 2, misses + 2)
    r.sinterstore("d", ["s", "missing"])  # the STORE forms count their sources too
    assert stats() == (hits + 3, misses + 3)
    r.sadd("s", "b")
    r.smove("s", "t", "a")
    r.spop("s")
    assert stats() == (hits + 3, misses + 3)


@pytest.fixture
def sharded(start_server, is_redis):
    """A server with 4 shards (Cinnabar) so keys fall on different shards."""
    s = start_server(*(() if is_redis else ("--threads", "4")))
    c = s.client()
    yield c
    c.close()


def test_cross_shard_store_and_move(sharded):
    r = sharded
    keys = [f"set:{i}" for i in range(12)]
    for i, k in enumerate(keys):
        r.sadd(k, *[f"m{j}" for j in range(i, i + 20)], *range(i, i + 5))
    for i in range(len(keys) - 2):
        a, b, dst = keys[i], keys[i + 1], f"dst:{i}"
        expected_inter = r.smembers(a) & r.smembers(b)
        expected_union = r.smembers(a) | r.smembers(b)
        expected_diff = r.smembers(a) - r.smembers(b)
        assert r.sinterstore(dst, [a, b]) == len(expected_inter)
        assert r.smembers(dst) == expected_inter
        assert r.sunionstore(dst, [a, b, "missing"]) == len(expected_union)
        assert r.smembers(dst) == expected_union
        assert r.sdiffstore(dst, [a, b]) == len(expected_diff)
        assert r.smembers(dst) == expected_diff
        assert r.sinter(a, b) == expected_inter
        assert r.sintercard(2, [a, b]) == len(expected_inter)
    total = sum(r.scard(k) for k in keys)
    for i in range(len(keys)):
        src, dst = keys[i], keys[(i + 5) % len(keys)]
        member = f"m{i}"
        had = r.sismember(dst, member)
        assert r.smove(src, dst, member) is True
        assert r.sismember(src, member) is False and r.sismember(dst, member) is True
        if had:
            total -= 1
    assert sum(r.scard(k) for k in keys) == total
    # Moving the last member deletes the source, on whichever shard it is.
    for i in range(8):
        r.sadd(f"one:{i}", "only")
        assert r.smove(f"one:{i}", f"into:{i}", "only") is True
        assert r.exists(f"one:{i}") == 0 and r.smembers(f"into:{i}") == {"only"}


def test_ttl_kept_by_writes(r):
    r.sadd("s", "a", "b")
    r.expire("s", 100)
    r.sadd("s", "c")
    r.srem("s", "a")
    r.sadd("other", "z")
    r.smove("other", "s", "z")
    assert 0 < r.ttl("s") <= 100
    r.spop("s", 10)
    assert r.exists("s") == 0


def test_expired_set_is_gone(r):
    r.sadd("s", "a")
    r.pexpire("s", 1)
    time.sleep(0.01)
    assert r.sismember("s", "a") is False
    assert r.sadd("s", "b") == 1
    assert r.smembers("s") == {"b"}
    assert r.ttl("s") == -1

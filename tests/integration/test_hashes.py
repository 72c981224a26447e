"""Hash commands: HSET HSETNX HMSET HGET HMGET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HSTRLEN
HINCRBY HINCRBYFLOAT HRANDFIELD HSCAN, their errors, RESP3 shapes and encodings."""
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
def limits(r):
    yield r
    r.config_set("hash-max-listpack-entries", 128)
    r.config_set("hash-max-listpack-value", 64)


def test_hset_hget(r):
    assert r.hset("h", mapping={"a": "1", "b": "2"}) == 2
    assert r.hset("h", mapping={"a": "x", "c": "3"}) == 1
    assert r.hget("h", "a") == "x"
    assert r.hget("h", "nope") is None
    assert r.hget("missing", "a") is None
    assert r.hlen("h") == 3
    assert r.type("h") == "hash"


def test_hset_arity(r):
    assert error(r.execute_command, "HSET", "h", "f") == \
        "wrong number of arguments for 'hset' command"
    assert error(r.execute_command, "HSET", "h", "f", "v", "g") == \
        "wrong number of arguments for 'hset' command"
    assert error(r.execute_command, "HMSET", "h", "f", "v", "g") == \
        "wrong number of arguments for 'hmset' command"
    assert r.exists("h") == 0


def test_hmset_and_hsetnx(r):
    assert r.execute_command("HMSET", "h", "a", "1", "b", "2") in (True, "OK", b"OK")
    assert r.hgetall("h") == {"a": "1", "b": "2"}
    assert r.hsetnx("h", "a", "new") == 0
    assert r.hget("h", "a") == "1"
    assert r.hsetnx("h", "c", "3") == 1
    assert r.hsetnx("fresh", "f", "v") == 1
    assert r.hgetall("fresh") == {"f": "v"}


def test_hmget(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    assert r.hmget("h", ["a", "x", "b"]) == ["1", None, "2"]
    assert r.hmget("missing", ["a", "b"]) == [None, None]


def test_hgetall_hkeys_hvals(r):
    fields = {f"f{i}": str(i * 3) for i in range(10)}
    r.hset("h", mapping=fields)
    assert r.hgetall("h") == fields
    assert sorted(r.hkeys("h")) == sorted(fields)
    assert sorted(r.hvals("h")) == sorted(fields.values())
    assert r.hgetall("missing") == {}
    assert r.hkeys("missing") == []
    assert r.hvals("missing") == []


def test_binary_and_empty_fields(rb):
    rb.hset("h", mapping={b"": b"empty-field", b"\x00\xff": b"", b"k": b"\r\n"})
    assert rb.hgetall("h") == {b"": b"empty-field", b"\x00\xff": b"", b"k": b"\r\n"}
    assert rb.hstrlen("h", b"\x00\xff") == 0


def test_hdel_deletes_empty_hash(r):
    r.hset("h", mapping={"a": "1", "b": "2", "c": "3"})
    assert r.hdel("h", "a", "x") == 1
    assert r.hdel("h", "b", "c", "b") == 2
    assert r.exists("h") == 0
    assert r.hdel("missing", "a") == 0


def test_hexists_hlen_hstrlen(r):
    r.hset("h", mapping={"s": "hello", "n": "-12345", "z": "0"})
    assert r.hexists("h", "s") is True
    assert r.hexists("h", "x") is False
    assert r.hexists("missing", "x") is False
    assert r.hlen("h") == 3
    assert r.hlen("missing") == 0
    assert r.hstrlen("h", "s") == 5
    assert r.hstrlen("h", "n") == 6
    assert r.hstrlen("h", "z") == 1
    assert r.hstrlen("h", "x") == 0
    assert r.hstrlen("missing", "x") == 0


def test_hincrby(r):
    assert r.hincrby("h", "n", 5) == 5
    assert r.hincrby("h", "n", -7) == -2
    assert r.hget("h", "n") == "-2"
    r.hset("h", mapping={"s": "abc", "sp": " 1", "big": str(2**63 - 1)})
    assert error(r.hincrby, "h", "s", 1) == "hash value is not an integer"
    assert error(r.hincrby, "h", "sp", 1) == "hash value is not an integer"
    assert error(r.hincrby, "h", "big", 1) == "increment or decrement would overflow"
    assert error(r.execute_command, "HINCRBY", "h", "n", "1.5") == \
        "value is not an integer or out of range"
    assert error(r.execute_command, "HINCRBY", "h", "n", "x") == \
        "value is not an integer or out of range"
    assert r.hget("h", "big") == str(2**63 - 1)


def test_hincrbyfloat(r, rb):
    r.hset("h", mapping={"f": "10.50", "e": "5.0e3", "i": "3", "s": "abc"})

    # The reply is a bulk string; redis-py's callback would turn it into a float.
    rb.set_response_callback("HINCRBYFLOAT", lambda reply, **kw: reply)

    def incr(field, by):
        reply = rb.execute_command("HINCRBYFLOAT", "h", field, by)
        assert reply.decode() == r.hget("h", field)
        return reply.decode()

    assert incr("f", "0.1") == "10.6"
    assert incr("f", "-5") == "5.6"
    assert incr("e", "2.0e2") == "5200"
    assert incr("i", "1") == "4"
    assert incr("new", "1.25") == "1.25"
    assert error(r.execute_command, "HINCRBYFLOAT", "h", "s", "1") == "hash value is not a float"
    assert error(r.execute_command, "HINCRBYFLOAT", "h", "f", "x") == "value is not a valid float"
    assert error(r.execute_command, "HINCRBYFLOAT", "h", "f", "inf") == "value is NaN or Infinity"
    r.hset("h", "huge", "1.1e4932")
    assert error(r.execute_command, "HINCRBYFLOAT", "h", "huge", "1.1e4932") == \
        "increment would produce NaN or Infinity"


def test_wrongtype(r):
    r.set("str", "x")
    calls = [
        ("HSET", "str", "f", "v"), ("HSETNX", "str", "f", "v"), ("HMSET", "str", "f", "v"),
        ("HGET", "str", "f"), ("HMGET", "str", "f"), ("HGETALL", "str"), ("HDEL", "str", "f"),
        ("HEXISTS", "str", "f"), ("HLEN", "str"), ("HKEYS", "str"), ("HVALS", "str"),
        ("HSTRLEN", "str", "f"), ("HINCRBY", "str", "f", "1"), ("HINCRBYFLOAT", "str", "f", "1"),
        ("HRANDFIELD", "str"), ("HRANDFIELD", "str", "2"), ("HSCAN", "str", "0"),
    ]
    for call in calls:
        assert error(r.execute_command, *call) == WRONGTYPE, call
    assert r.get("str") == "x"
    r.hset("h", "f", "v")
    assert error(r.get, "h") == WRONGTYPE


def test_hrandfield(r):
    fields = {f"f{i}": f"v{i}" for i in range(20)}
    r.hset("h", mapping=fields)
    assert r.hrandfield("h") in fields
    assert r.hrandfield("missing") is None
    assert r.hrandfield("missing", 5) == []
    assert r.hrandfield("h", 0) == []
    picked = r.hrandfield("h", 5)
    assert len(picked) == 5 and len(set(picked)) == 5 and set(picked) <= set(fields)
    assert sorted(r.hrandfield("h", 100)) == sorted(fields)
    repeated = r.hrandfield("h", -50)
    assert len(repeated) == 50 and set(repeated) <= set(fields)
    flat = r.hrandfield("h", 4, withvalues=True)
    assert len(flat) == 8
    for f, v in zip(flat[::2], flat[1::2]):
        assert fields[f] == v
    flat = r.hrandfield("h", -30, withvalues=True)
    assert len(flat) == 60
    for f, v in zip(flat[::2], flat[1::2]):
        assert fields[f] == v


def test_hrandfield_errors(r):
    r.hset("h", "f", "v")
    assert error(r.execute_command, "HRANDFIELD", "h", "x") == \
        "value is not an integer or out of range"
    assert error(r.execute_command, "HRANDFIELD", "h", "1", "WITHVALUE") == "syntax error"
    assert error(r.execute_command, "HRANDFIELD", "h", "1", "WITHVALUES", "x") == "syntax error"
    assert error(r.execute_command, "HRANDFIELD", "h", str(-2**63)) == \
        "value is out of range, value must between -9223372036854775807 and 9223372036854775807"
    assert error(r.execute_command, "HRANDFIELD", "h", str(-2**63 + 1), "WITHVALUES") == \
        "value is out of range"


def test_hrandfield_resp3_pairs(r, raw):
    r.hset("h", mapping={"a": "1"})
    pos, neg, plain, missing, nocount = resp3(
        raw, ("HRANDFIELD", "h", 1, "WITHVALUES"), ("HRANDFIELD", "h", -2, "WITHVALUES"),
        ("HRANDFIELD", "h", 1), ("HRANDFIELD", "nope", 3), ("HRANDFIELD", "nope"))
    assert pos == b"*1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert neg == b"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert plain == b"*1\r\n$1\r\na\r\n"
    assert missing == b"*0\r\n"
    assert nocount == b"_\r\n"


def test_resp3_shapes(r, raw):
    r.hset("h", mapping={"a": "1"})
    getall, empty, hmget, scan = resp3(raw, ("HGETALL", "h"), ("HGETALL", "nope"),
                                       ("HMGET", "h", "a", "x"), ("HSCAN", "h", 0))
    assert getall == b"%1\r\n$1\r\na\r\n$1\r\n1\r\n"
    assert empty == b"%0\r\n"
    assert hmget == b"*2\r\n$1\r\n1\r\n_\r\n"
    assert scan == b"*2\r\n$1\r\n0\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n"


def test_hscan_small(r):
    fields = {f"f{i}": str(i) for i in range(30)}
    fields["other"] = "x"
    r.hset("h", mapping=fields)
    cursor, found = r.hscan("h", 0)
    assert cursor == 0 and found == fields  # a listpack is returned whole
    cursor, found = r.hscan("h", 0, match="f1*")
    assert cursor == 0 and found == {k: v for k, v in fields.items() if k.startswith("f1")}
    assert r.hscan("missing", 0) == (0, {})
    assert r.hscan("missing", 0, count=0) == (0, {})  # options not checked without a key
    assert error(r.execute_command, "HSCAN", "h", "x") == "invalid cursor"
    assert error(r.execute_command, "HSCAN", "h", "0", "COUNT", "0") == "syntax error"
    assert error(r.execute_command, "HSCAN", "h", "0", "COUNT", "x") == \
        "value is not an integer or out of range"
    assert error(r.execute_command, "HSCAN", "h", "0", "MATCH") == "syntax error"
    assert error(r.execute_command, "HSCAN", "h", "0", "TYPE", "hash") == "syntax error"


def fill(r, key, n, batch=1000):
    pipe = r.pipeline(transaction=False)
    for start in range(0, n, batch):
        pipe.hset(key, mapping={f"field:{i}": f"value:{i}" for i in range(start, min(n, start + batch))})
    pipe.execute()


def test_big_hash_scan_complete(r):
    n = 50000
    fill(r, "big", n)
    assert r.hlen("big") == n
    enc = encoding(r, "big")
    if enc is not None:
        assert enc == "hashtable"
    seen = {}
    cursor, calls = 0, 0
    while True:
        cursor, found = r.hscan("big", cursor, count=500)
        seen.update(found)
        calls += 1
        if cursor == 0:
            break
    assert calls > 1
    assert len(seen) == n
    assert all(seen[f"field:{i}"] == f"value:{i}" for i in range(0, n, 997))
    cursor, found = 0, {}
    while True:
        cursor, part = r.hscan("big", cursor, match="field:1234*", count=1000)
        found.update(part)
        if cursor == 0:
            break
    assert set(found) == {f"field:{i}" for i in range(n) if str(i).startswith("1234")}
    assert r.hget("big", "field:49999") == "value:49999"
    assert len(r.hgetall("big")) == n
    assert r.hincrby("big", "counter", 3) == 3
    pipe = r.pipeline(transaction=False)
    for start in range(0, n, 5000):
        pipe.hdel("big", *[f"field:{i}" for i in range(start, start + 5000)])
    assert sum(pipe.execute()) == n
    assert r.hgetall("big") == {"counter": "3"}
    assert r.hdel("big", "counter") == 1
    assert r.exists("big") == 0


def test_conversion_by_entries(limits):
    r = limits
    r.config_set("hash-max-listpack-entries", 4)
    r.hset("h", mapping={f"f{i}": str(i) for i in range(4)})
    enc = encoding(r, "h")
    if enc is not None:
        assert enc == "listpack"
    r.hset("h", "f4", "4")
    enc = encoding(r, "h")
    if enc is not None:
        assert enc == "hashtable"
    assert r.hgetall("h") == {f"f{i}": str(i) for i in range(5)}
    assert r.hdel("h", "f0", "f1", "f2", "f3") == 4
    enc = encoding(r, "h")
    if enc is not None:
        assert enc == "hashtable"  # never converted back
    assert r.hgetall("h") == {"f4": "4"}


def test_update_converts_a_hash_above_a_lowered_limit(limits):
    # A limit lowered under an existing listpack converts it on its next write, even one
    # that only updates a field (Redis's hashTypeSet checks the count after every set).
    r = limits
    for key in ("hset", "hincrby", "hincrbyfloat", "hsetnx"):
        r.hset(key, mapping={"a": "1", "b": "2", "c": "3"})
    r.config_set("hash-max-listpack-entries", 2)
    r.hset("hset", "a", "10")
    r.hincrby("hincrby", "a", 1)
    r.hincrbyfloat("hincrbyfloat", "a", "0.5")
    assert r.hsetnx("hsetnx", "a", "x") == 0  # sets nothing: no conversion
    for key, expected in (("hset", "hashtable"), ("hincrby", "hashtable"),
                          ("hincrbyfloat", "hashtable"), ("hsetnx", "listpack")):
        enc = encoding(r, key)
        if enc is not None:
            assert enc == expected, key
    assert r.hgetall("hincrby") == {"a": "2", "b": "2", "c": "3"}


def test_conversion_by_value_length(limits):
    r = limits
    r.config_set("hash-max-listpack-value", 8)
    r.hset("a", "f", "12345678")
    r.hset("b", "f", "123456789")
    r.hset("c", "123456789", "v")
    r.hset("d", "f", "1")
    r.hincrbyfloat("d", "f", "0.123456789")
    for key, expected in (("a", "listpack"), ("b", "hashtable"), ("c", "hashtable"),
                          ("d", "hashtable")):
        enc = encoding(r, key)
        if enc is not None:
            assert enc == expected, key
    assert r.hget("b", "f") == "123456789"
    assert r.hget("c", "123456789") == "v"
    assert r.hget("d", "f") == "1.123456789"


def test_copy_is_independent(r):
    r.hset("src", mapping={"a": "1", "b": "2"})
    fill(r, "bigsrc", 300)
    assert r.copy("src", "dst") is True
    assert r.copy("bigsrc", "bigdst") is True
    r.hset("src", "a", "changed")
    r.hdel("bigsrc", "field:0")
    assert r.hgetall("dst") == {"a": "1", "b": "2"}
    assert r.hlen("bigdst") == 300 and r.hget("bigdst", "field:0") == "value:0"


def test_hits_and_misses(r):
    def stats():
        info = r.info("stats")
        return info["keyspace_hits"], info["keyspace_misses"]

    r.hset("h", "f", "v")
    hits, misses = stats()
    r.hget("h", "f")
    r.hget("h", "nofield")  # the key exists: a hit
    r.hget("missing", "f")
    r.hlen("missing")
    assert stats() == (hits + 2, misses + 2)
    r.hset("h", "g", "w")  # writes count neither
    assert stats() == (hits + 2, misses + 2)


def test_ttl_kept_by_writes(r):
    r.hset("h", mapping={"a": "1", "b": "2"})
    r.expire("h", 100)
    r.hset("h", "c", "3")
    r.hincrby("h", "n", 1)
    r.hdel("h", "a")
    assert 0 < r.ttl("h") <= 100
    r.hdel("h", "b", "c", "n")
    assert r.exists("h") == 0
    r.hset("h", "x", "y")  # a new hash: no TTL
    assert r.ttl("h") == -1


def test_expired_hash_is_gone(r):
    r.hset("h", "a", "1")
    r.pexpire("h", 1)
    time.sleep(0.01)
    assert r.hget("h", "a") is None
    assert r.hset("h", "b", "2") == 1
    assert r.hgetall("h") == {"b": "2"}

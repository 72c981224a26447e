"""OBJECT ENCODING / FREQ / IDLETIME / REFCOUNT / HELP."""
import pytest
import redis


def test_object_encoding_of_strings(r):
    r.set("i", 12345)
    r.set("s", "hello")
    r.set("big", "x" * 45)
    r.set("lead0", "007")
    assert r.object("encoding", "i") == "int"
    assert r.object("encoding", "s") == "embstr"
    assert r.object("encoding", "big") == "raw"
    assert r.object("encoding", "lead0") == "embstr"
    assert r.object("encoding", "missing") is None


def test_object_encoding_after_string_writes(r):
    """APPEND and SETRANGE leave a raw string whatever its size; other writes pick the
    encoding from the new bytes (int, embstr up to 44 bytes, raw)."""
    r.set("a1", "hi")
    r.append("a1", "x")
    r.set("a2", 10)
    r.append("a2", 5)
    r.set("a3", 10)
    r.append("a3", "")
    r.append("new_int", 5)
    r.append("new_text", "hello")
    r.set("r1", "hello")
    r.setrange("r1", 0, "J")
    r.setrange("r2", 2, "ab")
    r.set("r3", 12)
    r.setrange("r3", 0, "3")
    r.set("r4", 12)
    r.setrange("r4", 0, "")  # writes nothing: the value is left as it was
    r.getset("g1", 100)
    r.set("f", "10.5")
    r.incrbyfloat("f", 0.5)  # "11", still text
    r.set("n", 5)
    r.incr("n")
    r.set("x", 12)
    r.append("x", 4)
    r.copy("x", "x_copy")
    r.rename("x", "x_renamed")
    expected = {
        "a1": "raw", "a2": "raw", "a3": "raw", "new_int": "int", "new_text": "embstr",
        "r1": "raw", "r2": "raw", "r3": "raw", "r4": "int", "g1": "int", "f": "embstr",
        "n": "int", "x_copy": "raw", "x_renamed": "raw",
    }
    assert {k: r.object("encoding", k) for k in expected} == expected
    assert r.get("a2") == "105" and r.get("r2") == "\0\0ab" and r.get("f") == "11"
    r.incr("a2")  # an integer again
    assert r.object("encoding", "a2") == "int"
    assert r.object("refcount", "a1") == 1


def test_object_refcount_shared_integers(r):
    r.set("small", 42)
    r.set("large", 123456)
    r.set("s", "abc")
    assert r.object("refcount", "small") == 2147483647
    assert r.object("refcount", "large") == 1
    assert r.object("refcount", "s") == 1
    assert r.object("refcount", "missing") is None


SHARED = 2147483647  # what Redis's OBJECT REFCOUNT says of its shared integers 0..9999


def refcounts(r, *keys):
    return {k: r.object("refcount", k) for k in keys}


def test_object_refcount_of_a_copied_integer_is_private(r, server):
    """COPY duplicates even a shared integer (dupStringObject): the copy is a private
    int-encoded object, and so is a copy of it, with REPLACE or into another database."""
    r.set("a", 79)
    r.set("z", 0)
    r.set("old", "x")
    assert r.copy("a", "b") and r.copy("b", "c") and r.copy("z", "z2")
    assert r.copy("a", "old", replace=True)
    assert r.copy("a", "d", destination_db=1)
    assert refcounts(r, "a", "b", "c", "z", "z2", "old") == {
        "a": SHARED, "b": 1, "c": 1, "z": SHARED, "z2": 1, "old": 1}
    assert {k: r.object("encoding", k) for k in ("b", "c", "z2", "old")} == dict.fromkeys(
        ("b", "c", "z2", "old"), "int")
    assert r.get("b") == "79" and r.get("z2") == "0" and r.strlen("c") == 2
    db1 = server.client(db=1)
    try:
        assert db1.object("refcount", "d") == 1 and db1.object("encoding", "d") == "int"
    finally:
        db1.close()
    r.set("big", 10000)  # not a shared integer to begin with
    r.incrbyfloat("f", 79)  # "79" as text: embstr
    r.copy("big", "big2")
    r.copy("f", "f2")
    assert refcounts(r, "big2", "f2") == {"big2": 1, "f2": 1}
    assert r.object("encoding", "f2") == "embstr"


def test_object_refcount_private_integer_survives_moves_and_expiry(r, server):
    """RENAME, RENAMENX, MOVE, SWAPDB, EXPIRE, PERSIST, GETEX, reads and writes that change
    nothing keep the object itself, so the copy stays private; the key renamed onto it
    brings its own (shared) object."""
    r.set("a", 79)
    r.copy("a", "b")
    r.rename("b", "c")
    r.renamenx("c", "d")
    assert r.object("refcount", "d") == 1
    r.expire("d", 100)
    assert r.object("refcount", "d") == 1
    r.getex("d", ex=200)
    r.getex("d", persist=True)
    r.pexpireat("d", 99999999999999)
    r.persist("d")
    r.get("d")
    r.mget("d")
    r.getrange("d", 0, -1)
    r.touch("d")
    assert r.setrange("d", 0, "") == 2  # an empty SETRANGE writes nothing
    assert r.set("d", 79, nx=True) is None
    assert r.setnx("d", 79) is False
    assert r.msetnx({"d": 79, "other": 1}) is False
    assert r.object("refcount", "d") == 1 and r.object("encoding", "d") == "int"
    assert r.ttl("d") == -1
    assert r.move("d", 2)
    db2 = server.client(db=2)
    try:
        assert db2.object("refcount", "d") == 1
    finally:
        db2.close()
    r.swapdb(0, 2)
    assert r.object("refcount", "d") == 1
    r.set("e", 79, ex=100)
    r.copy("e", "e2")
    assert r.object("refcount", "e2") == 1 and 0 < r.ttl("e2") <= 100
    r.copy("e", "f")
    r.rename("e", "f")  # f now holds e's shared integer
    assert r.object("refcount", "f") == SHARED


def test_object_refcount_writes_share_the_integer_again(r):
    """Every write that stores a value stores Redis's shared integer again, whatever the
    key held; APPEND and a non-empty SETRANGE make a raw string; INCRBYFLOAT text."""
    r.set("a", 79)
    writes = {
        "set": lambda k: r.set(k, 79),
        "set_xx": lambda k: r.set(k, 79, xx=True),
        "set_get": lambda k: r.set(k, 79, get=True),
        "set_keepttl": lambda k: r.set(k, 79, keepttl=True),
        "setex": lambda k: r.setex(k, 100, 79),
        "psetex": lambda k: r.psetex(k, 100000, 79),
        "getset": lambda k: r.getset(k, 79),
        "mset": lambda k: r.mset({k: 79}),
        "incr": lambda k: r.incr(k),
        "incrby_0": lambda k: r.incrby(k, 0),
        "decr": lambda k: r.decr(k),
    }
    for key, write in writes.items():
        r.copy("a", key)
        write(key)
    assert refcounts(r, *writes) == dict.fromkeys(writes, SHARED)
    for key in ("append", "setrange", "incrbyfloat"):
        r.copy("a", key)
    r.append("append", "")
    r.setrange("setrange", 0, "7")
    r.incrbyfloat("incrbyfloat", 1)
    assert refcounts(r, "append", "setrange", "incrbyfloat") == dict.fromkeys(
        ("append", "setrange", "incrbyfloat"), 1)
    assert {k: r.object("encoding", k) for k in ("append", "setrange", "incrbyfloat")} == {
        "append": "raw", "setrange": "raw", "incrbyfloat": "embstr"}
    r.set("top", 9999)
    r.copy("top", "top2")
    assert r.incr("top2") == 10000 and r.object("refcount", "top2") == 1  # past the range
    r.set("neg", -1)
    r.copy("neg", "neg2")
    assert r.incr("neg2") == 0 and r.object("refcount", "neg2") == SHARED
    assert r.append("fresh", 79) == 2  # APPEND to a missing key stores as SET does
    assert r.object("refcount", "fresh") == SHARED


def test_object_idletime_counts_from_last_access(r):
    r.set("k", "v")
    assert 0 <= r.object("idletime", "k") <= 1
    assert r.object("idletime", "missing") is None


def test_object_freq_needs_lfu_policy(r):
    r.set("k", "v")
    with pytest.raises(redis.ResponseError, match="An LFU maxmemory policy is not selected"):
        r.object("freq", "k")
    assert r.object("freq", "missing") is None


def test_object_errors_and_help(r):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("OBJECT", "FOO", "k")
    assert str(e.value) == "unknown subcommand 'FOO'. Try OBJECT HELP."
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("OBJECT", "ENCODING")
    assert str(e.value) == "wrong number of arguments for 'object|encoding' command"
    help_lines = r.execute_command("OBJECT", "HELP", infotype="help")
    assert help_lines[0].startswith("OBJECT <subcommand>")
    assert "REFCOUNT <key>" in help_lines
    assert help_lines[-1] == "    Prints this help."

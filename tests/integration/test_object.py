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

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

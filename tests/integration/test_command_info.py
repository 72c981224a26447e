"""COMMAND INFO, COMMAND (no arguments), COMMAND GETKEYS and GETKEYSANDFLAGS.

The main test compares the COMMAND INFO entry of every command the server under test has
with what a live Debian redis-server 7.0.15 answers for it, in RESP2 and RESP3, with the RESP
types kept (a set is not an array): name, arity, flags in order, first/last/step, ACL
categories, tips, key specs and subcommands (compared by name: Redis lists them in hash
order). Deliberate differences, also in docs/compatibility.md:
  - key spec "notes" are in our own words: only their presence is compared;
  - subcommands Redis 7.0 lacks (CLIENT SETINFO, from Redis 7.2) are listed in EXTRA;
  - commands and subcommands Cinnabar lacks are simply absent.
The other tests hold Redis's answers themselves, so they prove them with --server redis.
"""
import os
import shutil
import socket

import pytest
import redis

from conftest import encode

# Entries Cinnabar has and Redis 7.0.15 does not.
EXTRA = {"client|setinfo"}


class Resp:
    """A socket that parses replies keeping the RESP type of every aggregate."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.buf = b""

    def line(self):
        while b"\r\n" not in self.buf:
            chunk = self.sock.recv(1 << 20)
            assert chunk, "connection closed"
            self.buf += chunk
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def exactly(self, n):
        while len(self.buf) < n + 2:
            chunk = self.sock.recv(1 << 20)
            assert chunk, "connection closed"
            self.buf += chunk
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self):
        line = self.line()
        kind, rest = line[:1], line[1:]
        if kind in (b"+", b"-"):
            return (kind.decode(), rest.decode())
        if kind == b":":
            return int(rest)
        if kind == b"_":
            return None
        if kind in (b"$", b"="):
            n = int(rest)
            return None if n < 0 else self.exactly(n).decode()
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            return None if n < 0 else (kind.decode(), [self.read() for _ in range(n)])
        if kind == b"%":
            n = int(rest)
            return ("%", [self.read() for _ in range(2 * n)])
        raise AssertionError(f"unexpected reply {line!r}")

    def call(self, *args):
        self.sock.sendall(encode(*args))
        return self.read()

    def close(self):
        self.sock.close()


def conn(port, protocol):
    c = Resp(port)
    if protocol == 3:
        reply = c.call("HELLO", "3")
        assert reply[0] == "%"
    return c


def normalize(entry):
    """One COMMAND INFO entry as (fields, subcommands by name): notes texts blanked, the
    subcommand list replaced by its type and length."""
    kind, fields = entry
    assert kind == "*" and len(fields) == 10, entry
    out = list(fields[:8])
    specs = []
    for spec_kind, spec in fields[8][1]:
        spec = list(spec)
        if spec and spec[0] == "notes":
            spec[1] = "<notes>"
        specs.append((spec_kind, spec))
    out.append((fields[8][0], specs))
    out.append(fields[9][0])
    return out, {sub[1][0]: sub for sub in fields[9][1]}


def canonical(entry):
    kind, fields = entry
    subs = sorted((canonical(s) for s in fields[9][1]), key=lambda s: s[1][0])
    return (kind, fields[:9] + [(fields[9][0], subs)])


def compare(name, ours, theirs, mismatches):
    if theirs is None:
        if name not in EXTRA:
            mismatches.append(f"{name}: Redis 7.0 has no such command")
        return
    (o_fields, o_subs), (t_fields, t_subs) = normalize(ours), normalize(theirs)
    labels = ["name", "arity", "flags", "first", "last", "step", "acl", "tips", "key specs",
              "subcommand list type"]
    for label, o, t in zip(labels, o_fields, t_fields):
        if o != t:
            mismatches.append(f"{name} {label}: ours {o!r}, Redis {t!r}")
    for sub, entry in o_subs.items():
        compare(sub, entry, t_subs.get(sub), mismatches)
    # A subcommand only Redis has is one Cinnabar does not have: simply absent.


@pytest.mark.parametrize("protocol", [2, 3])
def test_every_command_info_matches_redis(server, start_server, protocol):
    if shutil.which("redis-server") is None and not os.path.exists("/usr/bin/redis-server"):
        pytest.skip("no redis-server to compare with")
    oracle = start_server(kind="redis")
    ours, theirs = conn(server.port, protocol), conn(oracle.port, protocol)
    try:
        kind, everything = ours.call("COMMAND")
        assert kind == "*"
        names = [e[1][0] for e in everything]
        assert len(names) > 150
        assert ours.call("COMMAND", "COUNT") == len(names)
        kind, mine = ours.call("COMMAND", "INFO", *names)
        _, redis_side = theirs.call("COMMAND", "INFO", *names)
        # COMMAND with no arguments answers the same entries as COMMAND INFO of each
        # (subcommands in any order: Redis lists them in hash order).
        assert [canonical(e) for e in mine] == [canonical(e) for e in everything]
        mismatches = []
        for name, o, t in zip(names, mine, redis_side):
            compare(name, o, t, mismatches)
        assert mismatches == [], "\n".join(mismatches)
    finally:
        ours.close()
        theirs.close()


def test_info_of_unknown_and_key_specs(r):
    r.response_callbacks.pop("COMMAND", None)
    info = r.execute_command("COMMAND", "INFO", "get", "no-such-command", "zunionstore")
    assert info[1] is None
    get = info[0]
    assert get[:6] == ["get", 2, ["readonly", "fast"], 1, 1, 1]
    assert get[8] == [["flags", ["RO", "access"],
                       "begin_search", ["type", "index", "spec", ["index", 1]],
                       "find_keys", ["type", "range", "spec",
                                     ["lastkey", 0, "keystep", 1, "limit", 0]]]]
    zunionstore = info[2]
    assert "movablekeys" in zunionstore[2]
    assert zunionstore[8][1] == ["flags", ["RO", "access"],
                                 "begin_search", ["type", "index", "spec", ["index", 2]],
                                 "find_keys", ["type", "keynum", "spec",
                                               ["keynumidx", 0, "firstkey", 1, "keystep", 1]]]
    mget = r.execute_command("COMMAND", "INFO", "mget")[0]
    assert mget[7] == ["request_policy:multi_shard"]


def flags_of(r, *args):
    return r.execute_command("COMMAND", "GETKEYSANDFLAGS", *args)


def test_getkeysandflags(r):
    r.response_callbacks.pop("COMMAND", None)
    assert flags_of(r, "SET", "k", "v") == [["k", ["OW", "update"]]]
    assert flags_of(r, "SET", "k", "v", "EX", "10", "get") == [["k", ["RW", "access", "update"]]]
    assert flags_of(r, "RENAME", "a", "b") == [["a", ["RW", "access", "delete"]],
                                               ["b", ["OW", "update"]]]
    assert flags_of(r, "MSET", "a", "1", "b", "2") == [["a", ["OW", "update"]],
                                                       ["b", ["OW", "update"]]]
    assert flags_of(r, "BLMPOP", "0", "2", "a", "b", "LEFT") == [
        ["a", ["RW", "access", "delete"]], ["b", ["RW", "access", "delete"]]]
    assert flags_of(r, "EVAL", "s", "1", "a", "b") == [["a", ["RW", "access", "update"]]]
    assert flags_of(r, "OBJECT", "ENCODING", "k") == [["k", ["RO"]]]
    assert flags_of(r, "ZUNIONSTORE", "d", "2", "a", "b") == [
        ["d", ["OW", "update"]], ["a", ["RO", "access"]], ["b", ["RO", "access"]]]
    # EVAL has no mandatory keys: a key count that does not fit is no keys, not an error.
    assert flags_of(r, "EVAL", "s", "0") == []
    assert flags_of(r, "EVAL", "s", "2", "a") == []
    assert r.execute_command("COMMAND", "GETKEYS", "EVAL", "s", "0") == []


@pytest.mark.parametrize("sub", ["GETKEYS", "GETKEYSANDFLAGS"])
def test_getkeys_errors(r, sub):
    cases = [
        (["NO-SUCH", "a"], "Invalid command specified"),
        (["CLIENT", "NO-SUCH"], "Invalid command specified"),
        (["PING", "x"], "The command has no key arguments"),
        (["SSUBSCRIBE", "a"], "The command has no key arguments"),
        (["COMMAND", "INFO"], "The command has no key arguments"),
        (["GET", "a", "b"], "Invalid number of arguments specified for command"),
        (["ZUNIONSTORE", "d", "0", "a"], "Invalid arguments specified for command"),
        (["ZUNIONSTORE", "d", "x", "a"], "Invalid arguments specified for command"),
        (["SINTERCARD", "2", "a"], "Invalid arguments specified for command"),
    ]
    for args, text in cases:
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command("COMMAND", sub, *args)
        assert str(e.value) == text, args
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("COMMAND", sub, "GET")
    assert str(e.value) == f"wrong number of arguments for 'command|{sub.lower()}' command"


def test_command_help_lists_getkeysandflags(r):
    r.response_callbacks.pop("COMMAND", None)
    lines = r.execute_command("COMMAND", "HELP")
    assert "GETKEYSANDFLAGS <full-command>" in lines

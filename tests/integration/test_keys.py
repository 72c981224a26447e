"""Generic key commands: DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX COPY MOVE RANDOMKEY, with
keys spread over every shard and {hashtag} keys kept together."""
import threading
import time

import pytest
import redis


def err(client, *args):
    with pytest.raises(redis.ResponseError) as e:
        client.execute_command(*args)
    return str(e.value)


def many_keys(prefix, n=40):
    # Enough distinct names that, with 4 threads, every shard holds some of them.
    return [f"{prefix}:{i}" for i in range(n)]


@pytest.fixture
def db1(server):
    c = server.client(db=1)
    yield c
    c.close()


# --- DEL UNLINK EXISTS TOUCH ---

@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_many_shards(r, cmd):
    keys = many_keys("d")
    r.mset({k: "v" for k in keys})
    assert r.execute_command(cmd, "missing") == 0
    assert r.execute_command(cmd, keys[0]) == 1
    assert r.exists(keys[0]) == 0
    # Missing keys and repeats count once per deleted key.
    assert r.execute_command(cmd, *keys, "missing", keys[1], keys[1]) == len(keys) - 1
    assert r.dbsize() == 0


@pytest.mark.parametrize("cmd", ["DEL", "UNLINK"])
def test_del_hashtag_keys(r, cmd):
    r.mset({"{user:1}name": "a", "{user:1}age": "3", "{user:2}name": "b"})
    assert r.execute_command(cmd, "{user:1}name", "{user:1}age", "{user:1}none") == 2
    assert r.keys("*") == ["{user:2}name"]


def test_del_expired_key_counts_zero(r):
    r.set("k", "v", px=20)
    r.set("j", "v")
    time.sleep(0.06)
    assert r.delete("k", "j") == 1


def test_exists_counts_repeats(r):
    keys = many_keys("e")
    r.mset({k: "v" for k in keys})
    assert r.exists("missing") == 0
    assert r.exists(keys[0]) == 1
    assert r.exists(keys[0], keys[0], keys[0]) == 3
    assert r.exists(*keys) == len(keys)
    assert r.exists(*keys, *keys, "x", "y") == 2 * len(keys)
    assert r.exists("{t}a", "{t}b") == 0
    r.set("{t}a", "1")
    assert r.exists("{t}a", "{t}b", "{t}a") == 2


def test_touch(r):
    keys = many_keys("t")
    r.mset({k: "v" for k in keys[:30]})
    assert r.touch(*keys) == 30
    assert r.touch("missing") == 0
    assert r.touch(keys[0], keys[0]) == 2
    assert r.get(keys[0]) == "v"


def test_type(r):
    assert r.type("missing") == "none"
    r.set("s", "v")
    assert r.type("s") == "string"
    r.set("n", 10)
    assert r.type("n") == "string"
    r.set("x", "v", px=20)
    time.sleep(0.06)
    assert r.type("x") == "none"


# --- RENAME RENAMENX ---

def test_rename_across_shards(r):
    srcs = many_keys("src", 20)
    for i, k in enumerate(srcs):
        r.set(k, f"v{i}")
    for i, k in enumerate(srcs):
        assert r.rename(k, f"dst:{i}") is True
    assert r.exists(*srcs) == 0
    assert r.mget([f"dst:{i}" for i in range(20)]) == [f"v{i}" for i in range(20)]
    assert r.dbsize() == 20


def test_rename_overwrites_destination_and_its_ttl(r):
    r.set("a", "1")
    r.set("b", "2", ex=100)
    assert r.rename("a", "b") is True
    assert r.get("b") == "1"
    assert r.ttl("b") == -1
    assert r.exists("a") == 0


def test_rename_carries_expiry(r):
    r.set("a", "1", px=100000)
    at = r.pexpiretime("a")
    assert r.rename("a", "b") is True
    assert r.pexpiretime("b") == at
    assert r.renamenx("b", "c") is True
    assert r.pexpiretime("c") == at
    r.set("h", "1", ex=50)
    assert r.rename("h", "{tag}h") is True
    assert 49 <= r.ttl("{tag}h") <= 50


def test_rename_hashtag_keys(r):
    r.set("{u}a", "1")
    assert r.rename("{u}a", "{u}b") is True
    assert r.get("{u}b") == "1"
    assert r.renamenx("{u}b", "{u}c") is True
    assert r.keys("{u}*") == ["{u}c"]


def test_rename_same_key(r):
    r.set("k", "v", ex=100)
    assert r.rename("k", "k") is True
    assert r.get("k") == "v"
    assert 99 <= r.ttl("k") <= 100
    assert r.renamenx("k", "k") is False
    assert r.get("k") == "v"


def test_rename_missing_source(r):
    assert err(r, "RENAME", "missing", "x") == "no such key"
    assert err(r, "RENAMENX", "missing", "x") == "no such key"
    assert err(r, "RENAME", "missing", "missing") == "no such key"
    assert err(r, "RENAMENX", "missing", "missing") == "no such key"
    r.set("dst", "v")
    assert err(r, "RENAME", "missing", "dst") == "no such key"
    assert r.get("dst") == "v"
    r.set("gone", "v", px=20)
    time.sleep(0.06)
    assert err(r, "RENAME", "gone", "x") == "no such key"


def test_renamenx(r):
    keys = many_keys("rn", 10)
    r.mset({k: k for k in keys})
    # The destination exists: nothing changes.
    assert r.renamenx(keys[0], keys[1]) is False
    assert r.get(keys[0]) == keys[0]
    assert r.get(keys[1]) == keys[1]
    assert r.renamenx(keys[0], "fresh") is True
    assert r.get("fresh") == keys[0]
    assert r.exists(keys[0]) == 0
    # An expired destination counts as absent.
    r.set("old", "v", px=20)
    time.sleep(0.06)
    assert r.renamenx("fresh", "old") is True
    assert r.get("old") == keys[0]
    assert r.ttl("old") == -1


def test_rename_large_value(r):
    big = "x" * 100000
    r.set("big", big)
    r.rename("big", "moved")
    assert r.get("moved") == big


def test_rename_is_atomic_for_concurrent_readers(server, r):
    # A key renamed around a cycle of names (spread over the shards): a reader checking
    # every name at once always finds exactly one.
    names = many_keys("cycle", 6)
    r.set(names[0], "v")
    stop = threading.Event()
    seen = []

    def reader():
        c = server.client()
        while not stop.is_set():
            seen.append(c.exists(*names))
        c.close()

    t = threading.Thread(target=reader)
    t.start()
    w = server.client()
    for i in range(300):
        w.rename(names[i % 6], names[(i + 1) % 6])
    stop.set()
    t.join()
    w.close()
    assert seen and set(seen) == {1}
    assert r.get(names[0]) == "v"


def test_concurrent_incr_from_many_clients(server, r):
    keys = many_keys("ctr", 8)

    def work():
        c = server.client()
        pipe = c.pipeline(transaction=False)
        for _ in range(50):
            for k in keys:
                pipe.incr(k)
        pipe.execute()
        c.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert r.mget(keys) == ["200"] * len(keys)


# --- COPY ---

def test_copy(r):
    r.set("a", "v")
    assert r.copy("a", "b") is True
    assert r.get("b") == "v"
    assert r.get("a") == "v"
    # Independent copies.
    r.append("b", "w")
    assert r.get("a") == "v"
    assert r.copy("missing", "c") is False
    assert r.exists("c") == 0


def test_copy_existing_destination_and_replace(r):
    r.set("a", "1")
    r.set("b", "2", ex=100)
    assert r.copy("a", "b") is False
    assert r.get("b") == "2"
    assert r.execute_command("COPY", "a", "b", "REPLACE") == 1
    assert r.get("b") == "1"
    assert r.ttl("b") == -1
    assert r.execute_command("COPY", "a", "fresh", "replace") == 1
    assert r.get("fresh") == "1"


def test_copy_copies_expiry(r):
    r.set("a", "v", px=100000)
    at = r.pexpiretime("a")
    assert r.copy("a", "b") is True
    assert r.pexpiretime("b") == at
    assert r.pexpiretime("a") == at


def test_copy_across_shards_and_hashtags(r):
    srcs = many_keys("cs", 20)
    for k in srcs:
        r.set(k, k)
    for i, k in enumerate(srcs):
        assert r.copy(k, f"copy:{i}") is True
    assert r.mget([f"copy:{i}" for i in range(20)]) == srcs
    r.set("{g}x", "1")
    assert r.copy("{g}x", "{g}y") is True
    assert r.get("{g}y") == "1"


def test_copy_to_another_db(r, db1):
    r.set("a", "v", ex=100)
    assert r.execute_command("COPY", "a", "a", "DB", "1") == 1
    assert db1.get("a") == "v"
    assert 99 <= db1.ttl("a") <= 100
    db1.set("b", "other")
    assert r.execute_command("COPY", "a", "b", "DB", "1") == 0
    assert db1.get("b") == "other"
    assert r.execute_command("COPY", "a", "b", "DB", "1", "REPLACE") == 1
    assert db1.get("b") == "v"
    assert r.exists("b") == 0
    # DB naming the current database is allowed, unless source and destination are one key.
    assert r.execute_command("COPY", "a", "c", "DB", "0") == 1
    assert r.get("c") == "v"


def test_copy_errors(r):
    r.set("a", "v")
    same = "source and destination objects are the same"
    assert err(r, "COPY", "a", "a") == same
    assert err(r, "COPY", "a", "a", "DB", "0") == same
    assert err(r, "COPY", "a", "a", "REPLACE") == same
    assert err(r, "COPY", "missing", "missing") == same
    assert err(r, "COPY", "a", "b", "DB", "16") == "DB index is out of range"
    assert err(r, "COPY", "a", "b", "DB", "-1") == "DB index is out of range"
    assert err(r, "COPY", "a", "b", "DB", "x") == "value is not an integer or out of range"
    assert err(r, "COPY", "a", "b", "DB") == "syntax error"
    assert err(r, "COPY", "a", "b", "FOO") == "syntax error"
    assert err(r, "COPY", "a", "b", "REPLACE", "x") == "syntax error"
    assert r.exists("b") == 0


def test_copy_options_are_checked_in_order(r):
    """Each DB index is range-checked where it stands, before a later bad option."""
    r.set("a", "v")
    out_of_range = "DB index is out of range"
    assert err(r, "COPY", "a", "b", "DB", "16", "FOO") == out_of_range
    assert err(r, "COPY", "a", "b", "REPLACE", "DB", "16", "FOO") == out_of_range
    assert err(r, "COPY", "a", "b", "DB", "16", "DB", "1") == out_of_range
    assert err(r, "COPY", "a", "b", "DB", "1", "DB", "16") == out_of_range
    assert err(r, "COPY", "a", "b", "DB", "x", "FOO") == "value is not an integer or out of range"
    assert err(r, "COPY", "a", "b", "FOO", "DB", "16") == "syntax error"
    assert err(r, "COPY", "a", "b", "DB", "0", "REPLACE", "FOO") == "syntax error"
    assert err(r, "COPY", "a", "a", "DB", "16") == out_of_range
    assert r.exists("b") == 0


# --- MOVE ---

def test_move(r, db1):
    keys = many_keys("mv", 20)
    for k in keys:
        r.set(k, k, ex=100)
    for k in keys:
        assert r.move(k, 1) is True
    assert r.dbsize() == 0
    assert db1.dbsize() == 20
    assert db1.mget(keys) == keys
    assert 99 <= db1.ttl(keys[5]) <= 100


def test_move_refused(r, db1):
    assert r.move("missing", 1) is False
    r.set("k", "mine")
    db1.set("k", "theirs")
    assert r.move("k", 1) is False
    assert r.get("k") == "mine"
    assert db1.get("k") == "theirs"
    assert err(r, "MOVE", "k", "0") == "source and destination objects are the same"
    assert err(r, "MOVE", "k", "16") == "DB index is out of range"
    assert err(r, "MOVE", "k", "-1") == "DB index is out of range"
    assert err(r, "MOVE", "k", "one") == "value is not an integer or out of range"
    assert err(r, "MOVE", "missing", "0") == "source and destination objects are the same"


def test_move_expired_destination_counts_as_absent(r, db1):
    db1.set("k", "old", px=20)
    r.set("k", "new")
    time.sleep(0.06)
    assert r.move("k", 1) is True
    assert db1.get("k") == "new"
    assert db1.ttl("k") == -1


# --- RANDOMKEY ---

def test_randomkey(r):
    assert r.randomkey() is None
    r.set("only", "v")
    assert r.randomkey() == "only"
    keys = set(many_keys("rk", 40))
    r.mset({k: "v" for k in keys})
    r.delete("only")
    seen = set()
    for _ in range(400):
        k = r.randomkey()
        assert k in keys
        seen.add(k)
    # Every shard contributes (a uniform pick over 40 keys, 400 draws).
    assert len(seen) > 20


def test_randomkey_skips_expired(r):
    for i in range(20):
        r.set(f"dead:{i}", "v", px=20)
    r.set("alive", "v")
    time.sleep(0.06)
    for _ in range(20):
        assert r.randomkey() == "alive"


# --- Arity ---

@pytest.mark.parametrize("args", [
    ["DEL"], ["UNLINK"], ["EXISTS"], ["TOUCH"], ["TYPE"], ["TYPE", "a", "b"], ["RENAME", "a"],
    ["RENAME", "a", "b", "c"], ["RENAMENX", "a"], ["COPY", "a"], ["MOVE", "a"],
    ["MOVE", "a", "1", "2"], ["RANDOMKEY", "x"],
])
def test_wrong_arity(r, args):
    assert err(r, *args) == f"wrong number of arguments for '{args[0].lower()}' command"

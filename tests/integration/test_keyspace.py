"""Whole-keyspace commands: KEYS SCAN DBSIZE SELECT FLUSHDB FLUSHALL SWAPDB and INFO keyspace."""
import re
import time

import pytest
import redis


def err(client, *args):
    with pytest.raises(redis.ResponseError) as e:
        client.execute_command(*args)
    return str(e.value)


@pytest.fixture
def db1(server):
    c = server.client(db=1)
    yield c
    c.close()


def scan_all(client, **kwargs):
    """Every key a full SCAN returns, and how many calls it took."""
    seen = []
    cursor, calls = 0, 0
    while True:
        cursor, keys = client.scan(cursor, **kwargs)
        calls += 1
        seen += keys
        if cursor == 0:
            return seen, calls


def raw_info_keyspace(client):
    """INFO keyspace as the server sends it (redis-py's parser bypassed)."""
    plain = redis.Redis(connection_pool=client.connection_pool)
    plain.response_callbacks = {}
    return plain.execute_command("INFO", "keyspace")


# --- KEYS ---

GLOB_KEYS = ["hello", "hallo", "hxllo", "hllo", "heeello", "h*llo", "h?llo", "h[a]llo",
             "h\\llo", "a", "b", "c", "ab", "[", "]", "-", "^", "", "z", "A", "B"]


@pytest.mark.parametrize("pattern,expect", [
    ("h?llo", ["hello", "hallo", "hxllo", "h*llo", "h?llo", "h\\llo"]),
    ("h*llo", ["hello", "hallo", "hxllo", "hllo", "heeello", "h*llo", "h?llo", "h[a]llo",
               "h\\llo"]),
    ("h[ae]llo", ["hello", "hallo"]),
    ("h[^e]llo", ["hallo", "hxllo", "h*llo", "h?llo", "h\\llo"]),
    ("h[!e]llo", ["hello"]),  # '!' is a plain character in a class, not a negation
    ("h[a-b]llo", ["hallo"]),
    ("h[b-a]llo", ["hallo"]),  # a reversed range still matches
    ("h\\*llo", ["h*llo"]),
    ("h\\?llo", ["h?llo"]),
    ("h\\[a]llo", ["h[a]llo"]),
    ("h\\\\llo", ["h\\llo"]),
    ("[[]", ["["]),
    ("[[", ["["]),  # an unclosed class ends at the pattern's end
    ("[a", ["a"]),
    ("[a-]", ["a", "]", "^"]),  # an unclosed range ends at the pattern's end
    ("[-a]", ["-", "a"]),
    ("[\\-]", ["-"]),
    ("[]]", []),
    ("[]", []),
    ("[^]", ["a", "b", "c", "[", "]", "-", "^", "z", "A", "B"]),
    ("[A-Z]", ["A", "B"]),
    ("[a-Z]", ["a", "[", "]", "^"]),
    ("[z-A]", ["a", "b", "c", "[", "]", "^", "z", "A", "B"]),
    ("[^a-y]", ["[", "]", "-", "^", "z", "A", "B"]),
    ("**a*", ["hallo", "h[a]llo", "a", "ab"]),
    ("?", ["a", "b", "c", "[", "]", "-", "^", "z", "A", "B"]),
    ("??", ["ab"]),
    ("", [""]),
    ("\\", []),
    ("a\\", []),
    ("*\\", []),
    ("*[", []),
    ("nomatch*", []),
])
def test_keys_glob(r, pattern, expect):
    r.mset({k: "1" for k in GLOB_KEYS})
    assert sorted(r.keys(pattern)) == sorted(expect)


def test_keys_all_and_binary(r, rb):
    keys = [f"key:{i}" for i in range(200)]
    r.mset({k: "v" for k in keys})
    assert sorted(r.keys("*")) == sorted(keys)
    assert sorted(r.keys("key:1?")) == sorted(f"key:{i}" for i in range(10, 20))
    assert sorted(r.keys("key:[0-2]")) == ["key:0", "key:1", "key:2"]
    rb.set(b"bin\x00ary", b"v")
    rb.set(b"bin\r\nary", b"v")
    assert sorted(rb.keys(b"bin?ary")) == [b"bin\x00ary"]
    assert sorted(rb.keys(b"bin*ary")) == [b"bin\x00ary", b"bin\r\nary"]


def test_keys_case_sensitive_and_empty_db(r):
    assert r.keys("*") == []
    r.set("Key", "v")
    assert r.keys("key") == []
    assert r.keys("Key") == ["Key"]
    assert r.keys("[kK]ey") == ["Key"]


# --- SCAN ---

def test_scan_small_db_one_call_with_large_count(r):
    keys = [f"s:{i}" for i in range(30)]
    r.mset({k: "v" for k in keys})
    cursor, got = r.scan(0, count=1000)
    assert cursor == 0
    assert sorted(got) == sorted(keys)


def test_scan_empty_db(r):
    assert r.scan(0) == (0, [])
    assert r.scan(0, match="*", count=100) == (0, [])


def test_scan_returns_every_key(r):
    keys = {f"k:{i}" for i in range(1000)}
    r.mset({k: "v" for k in keys})
    seen, calls = scan_all(r)
    assert set(seen) == keys
    assert calls > 10  # the default COUNT is 10: many calls
    seen, calls = scan_all(r, count=300)
    assert set(seen) == keys


def test_scan_match_count_type(r):
    r.mset({f"user:{i}": "v" for i in range(100)})
    r.mset({f"item:{i}": "v" for i in range(100)})
    seen, _ = scan_all(r, match="user:*", count=50)
    assert sorted(set(seen)) == sorted(f"user:{i}" for i in range(100))
    seen, _ = scan_all(r, match="user:1?", count=20)
    assert sorted(set(seen)) == sorted(f"user:{i}" for i in range(10, 20))
    seen, _ = scan_all(r, _type="string", count=100)
    assert len(set(seen)) == 200
    seen, _ = scan_all(r, _type="STRING", match="item:*", count=100)
    assert len(set(seen)) == 100
    for t in ("list", "hash", "set", "zset", "stream", "nosuchtype"):
        seen, _ = scan_all(r, _type=t, count=100)
        assert seen == []


def test_scan_type_counts_keyspace_hits(r):
    # Redis compat: with TYPE, each key that passes the pattern is looked up (a keyspace hit).
    r.mset({"a": "1", "b": "2", "c": "3"})
    r.config_resetstat()
    r.scan(0, _type="string", count=100)
    assert r.info("stats")["keyspace_hits"] == 3
    r.scan(0, _type="hash", match="a", count=100)
    assert r.info("stats")["keyspace_hits"] == 4
    r.scan(0, count=100)
    stats = r.info("stats")
    assert (stats["keyspace_hits"], stats["keyspace_misses"]) == (4, 0)


def test_scan_option_order_and_repeats(r):
    r.mset({"a": "1", "b": "2", "c": "3"})
    assert r.execute_command("SCAN", "0", "COUNT", "100", "MATCH", "a")[1] == ["a"]
    # The last MATCH wins.
    got = r.execute_command("SCAN", "0", "MATCH", "a", "COUNT", "100", "MATCH", "b")
    assert got[1] == ["b"]
    got = r.execute_command("SCAN", "0", "type", "string", "match", "c", "count", "100")
    assert got[1] == ["c"]


@pytest.mark.parametrize("args,msg", [
    (["abc"], "invalid cursor"),
    ([" 0"], "invalid cursor"),
    (["0 "], "invalid cursor"),
    (["1.5"], "invalid cursor"),
    (["18446744073709551616"], "invalid cursor"),
    (["0", "COUNT", "0"], "syntax error"),
    (["0", "COUNT", "-1"], "syntax error"),
    (["0", "COUNT", "abc"], "value is not an integer or out of range"),
    (["0", "COUNT"], "syntax error"),
    (["0", "MATCH"], "syntax error"),
    (["0", "TYPE"], "syntax error"),
    (["0", "FOO", "bar"], "syntax error"),
    (["0", "MATCH", "*", "COUNT"], "syntax error"),
])
def test_scan_errors(r, args, msg):
    r.set("a", "1")
    assert err(r, "SCAN", *args) == msg


def test_scan_odd_cursors(r):
    # Redis compat: the cursor is read like strtoul: "" is 0, and -1 wraps to a huge one.
    r.mset({"a": "1", "b": "2"})
    got = r.execute_command("SCAN", "", "COUNT", "100")
    assert got[0] == 0 and sorted(got[1]) == ["a", "b"]
    # The largest cursor is the last position: the scan ends (which keys come with it
    # depends on Redis's hash seed).
    assert r.execute_command("SCAN", "18446744073709551615", "COUNT", "100")[0] == 0


def test_scan_10k_keys_complete(r):
    keys = {f"big:{i}" for i in range(10000)}
    pipe = r.pipeline(transaction=False)
    for i, k in enumerate(keys):
        pipe.set(k, "v")
        if i % 1000 == 999:
            pipe.execute()
    pipe.execute()
    assert r.dbsize() == 10000
    seen, _ = scan_all(r, count=500)
    assert set(seen) == keys
    # Duplicates are allowed, but not many.
    assert len(seen) < 11000


def test_scan_sees_stable_keys_while_keyspace_changes(server, r):
    # Keys present for the whole scan must be returned, even while other clients add
    # (growing the tables) and delete keys between SCAN calls.
    stable = {f"stable:{i}" for i in range(3000)}
    r.mset({k: "v" for k in stable})
    r.mset({f"doomed:{i}": "v" for i in range(2000)})
    w = server.client()
    seen = set()
    cursor, step = 0, 0
    while True:
        cursor, keys = r.scan(cursor, count=100)
        seen.update(keys)
        pipe = w.pipeline(transaction=False)
        for i in range(150):
            pipe.set(f"new:{step}:{i}", "v")
        for i in range(step * 20, step * 20 + 20):
            pipe.delete(f"doomed:{i}")
        pipe.execute()
        step += 1
        if cursor == 0:
            break
    w.close()
    assert stable <= seen


def test_scan_in_selected_db(r, db1):
    r.set("zero", "v")
    db1.mset({"one": "v", "uno": "v"})
    assert sorted(scan_all(db1)[0]) == ["one", "uno"]
    assert scan_all(r)[0] == ["zero"]


# --- DBSIZE, SELECT ---

def test_dbsize(r):
    assert r.dbsize() == 0
    r.mset({f"d:{i}": "v" for i in range(100)})
    assert r.dbsize() == 100
    r.delete("d:1", "d:2")
    assert r.dbsize() == 98
    r.set("{t}x", "v")
    assert r.dbsize() == 99


def test_select_isolates_databases(server, r):
    c = server.client()
    assert c.execute_command("SELECT", "3") is True
    c.set("k", "in3")
    r.set("k", "in0")
    assert c.get("k") == "in3"
    assert r.get("k") == "in0"
    assert c.dbsize() == 1
    c.mset({f"x:{i}": "v" for i in range(50)})
    assert c.dbsize() == 51
    assert r.dbsize() == 1
    assert r.keys("x:*") == []
    c.execute_command("SELECT", "0")
    assert c.get("k") == "in0"
    c.execute_command("SELECT", "15")
    assert c.dbsize() == 0
    c.close()


def test_select_errors(r):
    assert err(r, "SELECT", "16") == "DB index is out of range"
    assert err(r, "SELECT", "-1") == "DB index is out of range"
    assert err(r, "SELECT", "abc") == "value is not an integer or out of range"
    assert err(r, "SELECT", "1.5") == "value is not an integer or out of range"
    assert err(r, "SELECT", "99999999999") == \
        "value is out of range, value must between -2147483648 and 2147483647"


def test_databases_config(start_server):
    s = start_server("--databases", "4")
    c = s.client()
    assert c.execute_command("SELECT", "3") is True
    assert err(c, "SELECT", "4") == "DB index is out of range"
    assert err(c, "SWAPDB", "0", "4") == "DB index is out of range"
    assert err(c, "MOVE", "k", "4") == "DB index is out of range"
    c.close()


# --- FLUSHDB FLUSHALL ---

@pytest.mark.parametrize("mode", [[], ["SYNC"], ["ASYNC"], ["sync"], ["async"]])
def test_flushdb_only_current_db(r, db1, mode):
    r.mset({f"a:{i}": "v" for i in range(500)})
    r.set("ttl", "v", ex=100)
    db1.mset({f"b:{i}": "v" for i in range(10)})
    assert r.execute_command("FLUSHDB", *mode) is True
    assert r.dbsize() == 0
    assert r.keys("*") == []
    assert r.get("a:1") is None
    assert db1.dbsize() == 10
    # The database works normally afterwards.
    r.set("again", "v")
    assert r.keys("*") == ["again"]


@pytest.mark.parametrize("mode", [[], ["SYNC"], ["ASYNC"]])
def test_flushall_every_db(server, r, mode):
    clients = [server.client(db=i) for i in (0, 1, 7, 15)]
    for c in clients:
        c.mset({f"k:{i}": "v" for i in range(200)})
        c.set("volatile", "v", ex=100)
    assert r.execute_command("FLUSHALL", *mode) is True
    for c in clients:
        assert c.dbsize() == 0
        assert c.get("k:1") is None
        assert scan_all(c)[0] == []
        c.close()
    assert "db0" not in r.info("keyspace")


@pytest.mark.parametrize("cmd", ["FLUSHDB", "FLUSHALL"])
def test_flush_errors(r, cmd):
    r.set("k", "v")
    for args in (["foo"], ["SYNC", "ASYNC"], ["ASYNC", "ASYNC"], ["0"]):
        assert err(r, cmd, *args) == "syntax error"
    assert r.get("k") == "v"


# --- SWAPDB ---

def test_swapdb_swaps_contents_and_expiries(r, db1):
    r.mset({f"zero:{i}": "0" for i in range(50)})
    db1.mset({f"one:{i}": "1" for i in range(30)})
    db1.set("shared", "from1", px=100000)
    r.set("shared", "from0")
    at = db1.pexpiretime("shared")
    assert r.swapdb(0, 1) is True
    assert r.dbsize() == 31
    assert db1.dbsize() == 51
    assert r.get("shared") == "from1"
    assert r.pexpiretime("shared") == at
    assert db1.get("shared") == "from0"
    assert db1.ttl("shared") == -1
    assert r.get("one:7") == "1"
    assert db1.get("zero:7") == "0"
    assert r.swapdb(1, 0) is True
    assert r.get("shared") == "from0"
    assert r.dbsize() == 51


def test_swapdb_same_db_and_empty(r, db1):
    r.set("k", "v")
    assert r.swapdb(0, 0) is True
    assert r.get("k") == "v"
    assert r.swapdb(0, 9) is True
    assert r.dbsize() == 0
    assert r.swapdb(9, 0) is True
    assert r.get("k") == "v"


def test_swapped_keys_keep_expiring(r, db1):
    db1.mset({f"t:{i}": "v" for i in range(200)})
    for i in range(200):
        db1.pexpire(f"t:{i}", 150)
    r.swapdb(0, 1)
    deadline = time.time() + 5
    while time.time() < deadline and r.dbsize() > 0:
        time.sleep(0.05)
    assert r.dbsize() == 0


@pytest.mark.parametrize("args,msg", [
    (["a", "1"], "invalid first DB index"),
    (["0", "b"], "invalid second DB index"),
    (["1.5", "0"], "invalid first DB index"),
    (["99999999999", "0"], "invalid first DB index"),
    (["0", "99999999999"], "invalid second DB index"),
    (["0", "16"], "DB index is out of range"),
    (["-1", "0"], "DB index is out of range"),
    (["16", "x"], "invalid second DB index"),
])
def test_swapdb_errors(r, args, msg):
    assert err(r, "SWAPDB", *args) == msg


# --- INFO keyspace ---

def wait_for_avg_ttl(client, db):
    deadline = time.time() + 3
    while time.time() < deadline:
        line = client.info("keyspace").get(db)
        if line and line["avg_ttl"] > 0:
            return line
        time.sleep(0.05)
    raise AssertionError(f"avg_ttl of {db} stayed 0: {client.info('keyspace')}")


def test_info_keyspace_lines(r, db1, server):
    assert raw_info_keyspace(r) == "# Keyspace\r\n"
    r.mset({f"k:{i}": "v" for i in range(10)})
    db1.set("a", "v")
    c9 = server.client(db=9)
    c9.set("b", "v")
    text = raw_info_keyspace(r)
    assert text == ("# Keyspace\r\ndb0:keys=10,expires=0,avg_ttl=0\r\n"
                    "db1:keys=1,expires=0,avg_ttl=0\r\ndb9:keys=1,expires=0,avg_ttl=0\r\n")
    c9.delete("b")
    c9.close()
    assert "db9" not in raw_info_keyspace(r)


def test_info_keyspace_expires_and_avg_ttl(r):
    r.mset({f"k:{i}": "v" for i in range(10)})
    for i in range(4):
        r.expire(f"k:{i}", 100)
    text = raw_info_keyspace(r)
    assert re.fullmatch(r"# Keyspace\r\ndb0:keys=10,expires=4,avg_ttl=\d+\r\n", text), text
    line = wait_for_avg_ttl(r, "db0")
    assert 90000 <= line["avg_ttl"] <= 100000
    r.persist("k:0")
    assert r.info("keyspace")["db0"]["expires"] == 3


def test_info_keyspace_expires_count_follows_writes(r, db1):
    def counts(db="db0"):
        line = r.info("keyspace").get(db)
        return (line["keys"], line["expires"]) if line else (0, 0)

    steps = [
        (["SET", "k", "v", "EX", "100"], (1, 1)),
        (["SET", "k", "v"], (1, 0)),  # SET drops the TTL
        (["SET", "k", "v", "PX", "100000"], (1, 1)),
        (["GETSET", "k", "w"], (1, 0)),
        (["SETEX", "k", "100", "v"], (1, 1)),
        (["SET", "k", "w", "KEEPTTL"], (1, 1)),
        (["APPEND", "k", "x"], (1, 1)),
        (["SETRANGE", "k", "0", "y"], (1, 1)),
        (["RENAME", "k", "k2"], (1, 1)),
        (["COPY", "k2", "k3"], (2, 2)),
        (["MOVE", "k3", "1"], (1, 1)),
        (["INCR", "n"], (2, 1)),
        (["EXPIRE", "n", "100"], (2, 2)),
        (["INCRBYFLOAT", "n", "1.5"], (2, 2)),
        (["GETEX", "n", "PERSIST"], (2, 1)),
        (["GETEX", "n", "EX", "100"], (2, 2)),
        (["PERSIST", "n"], (2, 1)),
        (["MSET", "n", "1", "k2", "2"], (2, 0)),
        (["PSETEX", "a", "100000", "v"], (3, 1)),
        (["GETDEL", "a"], (2, 0)),
        (["SET", "c", "v", "EX", "100"], (3, 1)),
        (["RENAME", "c", "n"], (2, 1)),  # the destination's value and TTL are replaced
        (["EXPIRE", "n", "-1"], (1, 0)),
    ]
    for cmd, expect in steps:
        r.execute_command(*cmd)
        assert counts() == expect, cmd
    assert counts("db1") == (1, 1)


def test_info_keyspace_follows_swapdb(r, db1):
    db1.mset({f"k:{i}": "v" for i in range(20)})
    for i in range(20):
        db1.expire(f"k:{i}", 200)
    wait_for_avg_ttl(r, "db1")
    r.swapdb(0, 1)
    ks = r.info("keyspace")
    assert "db1" not in ks
    assert ks["db0"]["keys"] == 20
    assert ks["db0"]["expires"] == 20
    # The average TTL moves with the keys.
    assert 0 < ks["db0"]["avg_ttl"] <= 200000


# --- Arity ---

@pytest.mark.parametrize("args", [
    ["KEYS"], ["KEYS", "a", "b"], ["SCAN"], ["DBSIZE", "x"], ["SELECT"], ["SELECT", "1", "2"],
    ["SWAPDB", "0"], ["SWAPDB", "0", "1", "2"],
])
def test_wrong_arity(r, args):
    assert err(r, *args) == f"wrong number of arguments for '{args[0].lower()}' command"

"""String commands: GET SET (and its options) SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET
MSETNX INCR DECR INCRBY DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SUBSTR SETRANGE."""
import threading
import time

import pytest
import redis

INT64_MAX = 9223372036854775807
INT64_MIN = -9223372036854775808


def err(client, *args):
    """The error text (without redis-py's stripped "ERR " prefix) a command replies with."""
    with pytest.raises(redis.ResponseError) as e:
        client.execute_command(*args)
    return str(e.value)


@pytest.fixture
def list_key(r):
    """A key holding a list, for WRONGTYPE checks; skips while Cinnabar has no lists."""
    try:
        r.execute_command("RPUSH", "alist", "x")
    except redis.ResponseError as e:
        if "unknown command" in str(e):
            pytest.skip("no list type yet")
        raise
    return "alist"


@pytest.fixture
def p(r):
    """The same server without redis-py's reply conversions (replies as the server sends)."""
    c = redis.Redis(connection_pool=r.connection_pool)
    c.response_callbacks = {}
    return c


def many_keys(prefix, n=40):
    # Enough distinct names that, with 4 threads, every shard holds some of them.
    return [f"{prefix}:{i}" for i in range(n)]


# --- GET / SET ---

def test_get_missing_and_set_overwrites(r, p):
    assert r.get("nokey") is None
    assert r.set("k", "a") is True
    assert r.set("k", "b") is True
    assert r.get("k") == "b"
    assert p.execute_command("SET", "k", "") == "OK"
    assert r.get("k") == ""


def test_set_nx_xx(r, p):
    assert p.execute_command("SET", "k", "1", "XX") is None
    assert r.exists("k") == 0
    assert p.execute_command("SET", "k", "1", "NX") == "OK"
    assert p.execute_command("SET", "k", "2", "NX") is None
    assert r.get("k") == "1"
    assert p.execute_command("SET", "k", "3", "XX") == "OK"
    assert r.get("k") == "3"
    # Options are case-insensitive and may repeat.
    assert p.execute_command("SET", "k", "4", "xx", "Xx") == "OK"
    assert p.execute_command("SET", "n", "4", "nx", "NX") == "OK"


def test_set_get_option(r, p):
    assert p.execute_command("SET", "k", "1", "GET") is None
    assert r.get("k") == "1"
    assert p.execute_command("SET", "k", "2", "GET") == "1"
    assert r.get("k") == "2"
    # NX GET: the old value comes back and nothing is written (allowed since Redis 7.0).
    assert p.execute_command("SET", "k", "3", "NX", "GET") == "2"
    assert r.get("k") == "2"
    assert p.execute_command("SET", "m", "3", "NX", "GET") is None
    assert r.get("m") == "3"
    # XX GET on a missing key: nil and nothing written.
    assert p.execute_command("SET", "x", "1", "XX", "GET") is None
    assert r.exists("x") == 0
    assert p.execute_command("SET", "k", "5", "XX", "GET") == "2"
    assert r.get("k") == "5"
    assert p.execute_command("SET", "k", "6", "GET", "GET") == "5"


def test_set_expire_options(r, p):
    now = time.time()
    assert p.execute_command("SET", "k", "v", "EX", "100") == "OK"
    assert 99 <= r.ttl("k") <= 100
    assert p.execute_command("SET", "k", "v", "PX", "100000") == "OK"
    assert 99000 <= r.pttl("k") <= 100000
    at = int(now) + 200
    assert p.execute_command("SET", "k", "v", "EXAT", str(at)) == "OK"
    assert r.expiretime("k") == at
    pat = int(now * 1000) + 300000
    assert p.execute_command("SET", "k", "v", "PXAT", str(pat)) == "OK"
    assert r.pexpiretime("k") == pat
    # The last of repeated identical expiry options wins.
    assert p.execute_command("SET", "k", "v", "EX", "10", "EX", "20") == "OK"
    assert 19 <= r.ttl("k") <= 20
    # Options combine in any order.
    assert p.execute_command("SET", "k", "w", "EX", "30", "XX", "GET") == "v"
    assert 29 <= r.ttl("k") <= 30
    assert p.execute_command("SET", "n", "w", "PX", "30000", "NX") == "OK"
    assert 29000 <= r.pttl("n") <= 30000


def test_set_without_expire_clears_ttl_keepttl_keeps_it(r, p):
    r.set("k", "v", ex=100)
    assert p.execute_command("SET", "k", "w", "KEEPTTL") == "OK"
    assert 99 <= r.ttl("k") <= 100
    assert r.get("k") == "w"
    assert p.execute_command("SET", "k", "x", "KEEPTTL", "GET", "XX") == "w"
    assert 99 <= r.ttl("k") <= 100
    assert p.execute_command("SET", "k", "y") == "OK"
    assert r.ttl("k") == -1
    # KEEPTTL on a new key: no TTL.
    assert p.execute_command("SET", "new", "v", "KEEPTTL") == "OK"
    assert r.ttl("new") == -1


def test_set_absolute_time_in_past_deletes(r, p):
    r.set("k", "old")
    assert p.execute_command("SET", "k", "v", "PXAT", "1") == "OK"
    assert r.get("k") is None
    assert r.exists("k") == 0
    assert p.execute_command("SET", "k", "v", "EXAT", "1", "GET") is None
    assert r.exists("k") == 0


@pytest.mark.parametrize("opts", [
    ["NX", "XX"], ["XX", "NX"],
    ["EX", "10", "PX", "100"], ["PX", "100", "EX", "10"],
    ["EX", "10", "EXAT", "9999999999"], ["PXAT", "9999999999999", "EXAT", "9999999999"],
    ["EX", "10", "KEEPTTL"], ["KEEPTTL", "EX", "10"], ["KEEPTTL", "PXAT", "1"],
    ["EX"], ["PX"], ["EXAT"], ["PXAT"], ["GET", "EX"],
    ["PERSIST"], ["FOO"], ["NX", "FOO"], ["EX", "10", "20"],
])
def test_set_syntax_errors(r, opts):
    r.set("k", "orig")
    assert err(r, "SET", "k", "v", *opts) == "syntax error"
    assert r.get("k") == "orig"
    assert r.ttl("k") == -1


@pytest.mark.parametrize("opt,value", [
    ("EX", "0"), ("EX", "-1"), ("PX", "0"), ("PX", "-100"), ("EXAT", "0"), ("PXAT", "-5"),
    ("EX", str(INT64_MAX)), ("EX", str(INT64_MAX // 1000 + 1)), ("PX", str(INT64_MAX)),
    ("EXAT", str(INT64_MAX)), ("PX", str(INT64_MIN)),
])
def test_set_invalid_expire_time(r, opt, value):
    r.set("k", "orig")
    assert err(r, "SET", "k", "v", opt, value) == "invalid expire time in 'set' command"
    assert r.get("k") == "orig"


@pytest.mark.parametrize("value", ["abc", "1.5", " 1", "1 ", "", "99999999999999999999"])
def test_set_expire_not_an_integer(r, value):
    assert err(r, "SET", "k", "v", "EX", value) == "value is not an integer or out of range"
    assert r.exists("k") == 0


def test_set_largest_valid_expires(r, p):
    # EXAT just below the seconds overflow bound, and a PXAT near INT64_MAX, are valid.
    assert p.execute_command("SET", "k", "v", "EXAT", str(INT64_MAX // 1000)) == "OK"
    assert r.expiretime("k") == INT64_MAX // 1000
    assert p.execute_command("SET", "k", "v", "PXAT", str(INT64_MAX)) == "OK"
    assert r.pexpiretime("k") == INT64_MAX
    assert r.get("k") == "v"


# --- SETNX SETEX PSETEX GETSET GETDEL ---

def test_setnx(r, p):
    assert p.execute_command("SETNX", "k", "1") == 1
    assert p.execute_command("SETNX", "k", "2") == 0
    assert r.get("k") == "1"


def test_setnx_on_expired_key_sets(r, p):
    r.set("k", "old", px=20)
    time.sleep(0.05)
    assert p.execute_command("SETNX", "k", "new") == 1
    assert r.get("k") == "new"
    assert r.ttl("k") == -1


def test_setex_psetex(r, p):
    assert p.execute_command("SETEX", "k", "100", "v") == "OK"
    assert r.get("k") == "v"
    assert 99 <= r.ttl("k") <= 100
    assert p.execute_command("PSETEX", "p", "100000", "v") == "OK"
    assert 99000 <= r.pttl("p") <= 100000
    for cmd, name in (("SETEX", "setex"), ("PSETEX", "psetex")):
        for bad in ("0", "-10"):
            assert err(r, cmd, "k", bad, "x") == f"invalid expire time in '{name}' command"
        assert err(r, cmd, "k", "ten", "x") == "value is not an integer or out of range"
    assert err(r, "SETEX", "k", str(INT64_MAX), "x") == "invalid expire time in 'setex' command"
    assert err(r, "PSETEX", "k", str(INT64_MAX), "x") == "invalid expire time in 'psetex' command"
    assert r.get("k") == "v"


def test_getset(r):
    assert r.getset("k", "1") is None
    assert r.getset("k", "2") == "1"
    assert r.get("k") == "2"
    # GETSET drops the TTL, like SET.
    r.expire("k", 100)
    assert r.getset("k", "3") == "2"
    assert r.ttl("k") == -1


def test_getdel(r):
    assert r.getdel("k") is None
    r.set("k", "v", ex=100)
    assert r.getdel("k") == "v"
    assert r.exists("k") == 0
    assert r.getdel("k") is None


# --- GETEX ---

def test_getex_without_options_is_get(r, p):
    assert p.execute_command("GETEX", "k") is None
    r.set("k", "v", ex=100)
    assert p.execute_command("GETEX", "k") == "v"
    assert 99 <= r.ttl("k") <= 100


def test_getex_sets_and_removes_expiry(r, p):
    r.set("k", "v")
    assert p.execute_command("GETEX", "k", "EX", "100") == "v"
    assert 99 <= r.ttl("k") <= 100
    assert p.execute_command("GETEX", "k", "PX", "50000") == "v"
    assert 49000 <= r.pttl("k") <= 50000
    at = int(time.time()) + 500
    assert p.execute_command("GETEX", "k", "EXAT", str(at)) == "v"
    assert r.expiretime("k") == at
    pat = int(time.time() * 1000) + 600000
    assert p.execute_command("GETEX", "k", "PXAT", str(pat)) == "v"
    assert r.pexpiretime("k") == pat
    assert p.execute_command("GETEX", "k", "PERSIST") == "v"
    assert r.ttl("k") == -1
    assert p.execute_command("GETEX", "k", "persist") == "v"
    assert r.ttl("k") == -1


def test_getex_past_absolute_time_deletes(r, p):
    r.set("k", "v")
    assert p.execute_command("GETEX", "k", "EXAT", "1") == "v"
    assert r.exists("k") == 0
    r.set("k", "v")
    assert p.execute_command("GETEX", "k", "PXAT", "1") == "v"
    assert r.exists("k") == 0


@pytest.mark.parametrize("opts", [
    ["PERSIST", "EX", "10"], ["EX", "10", "PERSIST"], ["EX", "10", "PX", "10"],
    ["KEEPTTL"], ["NX"], ["XX"], ["GET"], ["EX"], ["FOO"],
])
def test_getex_syntax_errors(r, opts):
    r.set("k", "v", ex=100)
    assert err(r, "GETEX", "k", *opts) == "syntax error"
    assert 99 <= r.ttl("k") <= 100


def test_getex_invalid_expire(r, p):
    r.set("k", "v")
    for opt, value in (("EX", "0"), ("PX", "-1"), ("EXAT", "0"), ("EX", str(INT64_MAX))):
        assert err(r, "GETEX", "k", opt, value) == "invalid expire time in 'getex' command"
    assert err(r, "GETEX", "k", "EX", "x") == "value is not an integer or out of range"
    assert r.ttl("k") == -1
    # Redis compat: a missing key replies nil before the time is checked.
    assert p.execute_command("GETEX", "missing", "EX", "0") is None


# --- MGET MSET MSETNX ---

def test_mget(r):
    keys = many_keys("m")
    for i, k in enumerate(keys):
        if i % 3:
            r.set(k, str(i))
    assert r.mget(keys) == [str(i) if i % 3 else None for i in range(len(keys))]
    assert r.mget(["m:1", "m:1", "nope"]) == ["1", "1", None]


def test_mget_non_string_is_nil(r, list_key):
    r.set("s", "v")
    assert r.mget(["s", list_key, "nope"]) == ["v", None, None]


def test_mset_across_shards(r, p):
    keys = many_keys("ms")
    args = []
    for i, k in enumerate(keys):
        args += [k, f"v{i}"]
    assert p.execute_command("MSET", *args) == "OK"
    assert r.mget(keys) == [f"v{i}" for i in range(len(keys))]
    # Same key twice: the last value wins. MSET drops TTLs.
    r.expire("ms:0", 100)
    assert p.execute_command("MSET", "ms:0", "a", "ms:0", "b") == "OK"
    assert r.get("ms:0") == "b"
    assert r.ttl("ms:0") == -1


def test_mset_hashtag_keys(r, p):
    assert p.execute_command("MSET", "{u1}a", "1", "{u1}b", "2", "{u2}a", "3") == "OK"
    assert r.mget(["{u1}a", "{u1}b", "{u2}a"]) == ["1", "2", "3"]


def test_msetnx_all_or_nothing(r, p):
    keys = many_keys("nx")
    args = []
    for k in keys:
        args += [k, "1"]
    assert p.execute_command("MSETNX", *args) == 1
    assert r.mget(keys) == ["1"] * len(keys)
    # One existing key among fresh ones (on various shards): nothing is written.
    fresh = many_keys("fresh")
    args = []
    for k in fresh[:20] + ["nx:7"] + fresh[20:]:
        args += [k, "2"]
    assert p.execute_command("MSETNX", *args) == 0
    assert r.exists(*fresh) == 0
    assert r.get("nx:7") == "1"
    # The same new key twice is fine.
    assert p.execute_command("MSETNX", "dup", "a", "dup", "b") == 1
    assert r.get("dup") == "b"


def test_msetnx_counts_expired_keys_as_absent(r, p):
    r.set("e1", "x", px=20)
    time.sleep(0.05)
    assert p.execute_command("MSETNX", "e1", "new", "e2", "new") == 1
    assert r.mget(["e1", "e2"]) == ["new", "new"]


def test_msetnx_concurrent_is_atomic(server, r):
    # Clients race MSETNX over the same keys: exactly one wins each round and every key
    # then holds the winner's value.
    keys = many_keys("race", 16)
    clients = [server.client() for _ in range(4)]
    for rnd in range(15):
        results = [None] * len(clients)

        def run(i):
            args = []
            for k in keys:
                args += [k, f"{rnd}:{i}"]
            results[i] = clients[i].execute_command("MSETNX", *args)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [0, 0, 0, 1]
        winner = results.index(1)
        assert r.mget(keys) == [f"{rnd}:{winner}"] * len(keys)
        r.delete(*keys)
    for c in clients:
        c.close()


def test_mset_concurrent_readers_see_whole_writes(server, r):
    keys = many_keys("snap", 12)
    r.mset({k: "0" for k in keys})
    stop = threading.Event()
    torn = []

    def reader():
        c = server.client()
        while not stop.is_set():
            vals = c.mget(keys)
            if len(set(vals)) != 1:
                torn.append(vals)
        c.close()

    t = threading.Thread(target=reader)
    t.start()
    w = server.client()
    for i in range(1, 300):
        w.mset({k: str(i) for k in keys})
    stop.set()
    t.join()
    w.close()
    assert torn == []


@pytest.mark.parametrize("cmd", ["MSET", "MSETNX"])
def test_mset_odd_arguments(r, cmd):
    name = cmd.lower()
    assert err(r, cmd, "a") == f"wrong number of arguments for '{name}' command"
    assert err(r, cmd, "a", "1", "b") == f"wrong number of arguments for '{name}' command"
    assert r.exists("a", "b") == 0


# --- INCR DECR INCRBY DECRBY ---

def test_incr_decr_basic(r):
    assert r.incr("n") == 1
    assert r.incr("n") == 2
    assert r.decr("n") == 1
    assert r.incrby("n", 100) == 101
    assert r.decrby("n", 200) == -99
    assert r.incrby("n", -1) == -100
    assert r.decrby("n", -100) == 0
    assert r.decr("neg") == -1
    assert r.get("n") == "0"
    r.set("s", "41")
    assert r.incr("s") == 42
    assert r.get("s") == "42"


def test_incr_keeps_ttl(r):
    r.set("n", "5", ex=100)
    assert r.incr("n") == 6
    assert 99 <= r.ttl("n") <= 100
    assert r.incrbyfloat("n", 0.5) == 6.5
    assert 99 <= r.ttl("n") <= 100


def test_incr_on_expired_key_starts_at_zero(r):
    r.set("n", "100", px=20)
    time.sleep(0.05)
    assert r.incr("n") == 1
    assert r.ttl("n") == -1


def test_incr_overflow(r):
    r.set("n", str(INT64_MAX))
    assert err(r, "INCR", "n") == "increment or decrement would overflow"
    assert err(r, "INCRBY", "n", "1") == "increment or decrement would overflow"
    assert r.get("n") == str(INT64_MAX)
    r.set("n", str(INT64_MIN))
    assert err(r, "DECR", "n") == "increment or decrement would overflow"
    assert err(r, "DECRBY", "n", "1") == "increment or decrement would overflow"
    assert err(r, "INCRBY", "n", "-1") == "increment or decrement would overflow"
    assert r.incrby("n", INT64_MAX) == -1
    r.set("m", "0")
    assert r.incrby("m", INT64_MIN) == INT64_MIN
    assert r.decrby("z", INT64_MAX) == -INT64_MAX
    # Redis compat: DECRBY refuses INT64_MIN itself (it cannot be negated).
    assert err(r, "DECRBY", "m2", str(INT64_MIN)) == "decrement would overflow"
    assert r.exists("m2") == 0


@pytest.mark.parametrize("value", [
    "abc", "1.5", " 1", "1 ", "01", "+1", "-0", "", "1e3", "0x10", "9223372036854775808",
    "-9223372036854775809", "1\x00",
])
def test_incr_on_non_integer_value(r, value):
    r.set("n", value)
    for cmd in (("INCR", "n"), ("DECR", "n"), ("INCRBY", "n", "1"), ("DECRBY", "n", "1")):
        assert err(r, *cmd) == "value is not an integer or out of range"
    assert r.get("n") == value


@pytest.mark.parametrize("value", ["abc", "1.0", " 1", "01", "+5", "", "9223372036854775808"])
def test_incrby_non_integer_increment(r, value):
    r.set("n", "1")
    assert err(r, "INCRBY", "n", value) == "value is not an integer or out of range"
    assert err(r, "DECRBY", "n", value) == "value is not an integer or out of range"
    assert r.get("n") == "1"


def test_incr_accepts_canonical_integers(r):
    for text, expect in (("0", 1), ("-1", 0), ("9223372036854775806", INT64_MAX),
                         ("-9223372036854775808", INT64_MIN + 1)):
        r.set("n", text)
        assert r.incr("n") == expect


def test_incr_wrongtype(r, list_key):
    for cmd in (("INCR", list_key), ("DECR", list_key), ("INCRBY", list_key, "2"),
                ("DECRBY", list_key, "2"), ("INCRBYFLOAT", list_key, "1.5")):
        assert err(r, *cmd).startswith("WRONGTYPE Operation against a key holding")


# --- INCRBYFLOAT ---

def test_incrbyfloat_formatting(r, p):
    r.set("f", "10.5")
    assert p.execute_command("INCRBYFLOAT", "f", "0.1") == "10.6"
    assert r.get("f") == "10.6"
    assert p.execute_command("INCRBYFLOAT", "f", "-5") == "5.6"
    assert p.execute_command("INCRBYFLOAT", "f", "-5.6") == "0"
    assert p.execute_command("INCRBYFLOAT", "new", "1") == "1"
    assert p.execute_command("INCRBYFLOAT", "g", "0.1") == "0.1"
    assert p.execute_command("INCRBYFLOAT", "g", "0.2") == "0.3"
    assert p.execute_command("INCRBYFLOAT", "h", "-0.5") == "-0.5"
    assert p.execute_command("INCRBYFLOAT", "big", "1e20") == "100000000000000000000"
    assert p.execute_command("INCRBYFLOAT", "small", "1e-5") == "0.00001"
    r.set("i", "5")
    assert p.execute_command("INCRBYFLOAT", "i", "1") == "6"
    # The result is a plain string that INCR can read back.
    assert r.incr("i") == 7


def test_incrbyfloat_exponent_input(r, p):
    r.set("e", "3.0e3")
    assert p.execute_command("INCRBYFLOAT", "e", "1") == "3001"
    assert p.execute_command("INCRBYFLOAT", "e", "2.5E2") == "3251"
    assert p.execute_command("INCRBYFLOAT", "e", "-3.251e3") == "0"
    assert p.execute_command("INCRBYFLOAT", "e", "1.5e-1") == "0.15"


@pytest.mark.parametrize("incr,msg", [
    ("inf", "increment would produce NaN or Infinity"),
    ("-inf", "increment would produce NaN or Infinity"),
    ("+inf", "increment would produce NaN or Infinity"),
    ("Infinity", "increment would produce NaN or Infinity"),
    ("1e5000", "value is not a valid float"),
    ("nan", "value is not a valid float"),
    ("-nan", "value is not a valid float"),
])
def test_incrbyfloat_inf_nan(r, incr, msg):
    r.set("f", "1")
    assert err(r, "INCRBYFLOAT", "f", incr) == msg
    assert r.get("f") == "1"


def test_incrbyfloat_inf_nan_errors(r, p):
    r.set("f", "1")
    assert err(r, "INCRBYFLOAT", "f", "inf") == "increment would produce NaN or Infinity"
    assert err(r, "INCRBYFLOAT", "f", "-inf") == "increment would produce NaN or Infinity"
    assert err(r, "INCRBYFLOAT", "f", "nan") == "value is not a valid float"
    # A stored "inf" parses, but the sum is infinite.
    r.set("g", "inf")
    assert err(r, "INCRBYFLOAT", "g", "1") == "increment would produce NaN or Infinity"
    assert r.get("f") == "1"
    assert r.get("g") == "inf"


def test_incrbyfloat_long_double_range(r, p):
    # 1e308 + 1e308 fits a long double: Redis prints every digit (%.17Lf, zeros trimmed).
    r.set("f", "1e308")
    assert p.execute_command("INCRBYFLOAT", "f", "1e308") == (
        "199999999999999999993371759311691291321120199694831134415594095989843469737676123744"
        "200253843777078640893494450108026446304269499187921167194841628860392837535918200039"
        "206381557326219209014213335878306791577877829121087126122536729803237260434173178506"
        "889763247582601711514636284849020905456510092687857156096")


def test_incrbyfloat_accepts_hex_like_strtold(r, p):
    # Redis compat: the value and the increment are read with strtold, which takes hex.
    r.set("f", "0x10")
    assert p.execute_command("INCRBYFLOAT", "f", "1") == "17"
    assert p.execute_command("INCRBYFLOAT", "f", "0x1p1") == "19"


@pytest.mark.parametrize("value", ["abc", " 1", "1 ", "", "1.5.5", "1e", "1\x00", "--1"])
def test_incrbyfloat_not_a_float(r, value):
    r.set("f", value)
    assert err(r, "INCRBYFLOAT", "f", "1") == "value is not a valid float"
    r.set("g", "1")
    assert err(r, "INCRBYFLOAT", "g", value) == "value is not a valid float"
    assert r.get("g") == "1"
    assert r.get("f") == value


# --- APPEND STRLEN GETRANGE SUBSTR SETRANGE ---

def test_append_strlen(r):
    assert r.strlen("k") == 0
    assert r.append("k", "hello") == 5
    assert r.append("k", " world") == 11
    assert r.get("k") == "hello world"
    assert r.strlen("k") == 11
    assert r.append("k", "") == 11
    assert r.append("e", "") == 0
    assert r.exists("e") == 1
    assert r.get("e") == ""
    r.set("n", "12")
    assert r.append("n", "34") == 4
    assert r.incr("n") == 1235
    assert r.strlen("n") == 4
    r.set("t", "a", ex=100)
    r.append("t", "b")
    assert 99 <= r.ttl("t") <= 100


def test_append_grows_large(r):
    for _ in range(100):
        r.append("big", "x" * 1000)
    assert r.strlen("big") == 100000
    assert r.get("big") == "x" * 100000


def test_append_and_setrange_limit(start_server):
    s = start_server("--proto-max-bulk-len", "1mb")
    c = s.client()
    c.set("k", "x" * (1024 * 1024 - 1))
    assert c.append("k", "y") == 1024 * 1024
    msg = "string exceeds maximum allowed size (proto-max-bulk-len)"
    assert err(c, "APPEND", "k", "z") == msg
    assert err(c, "SETRANGE", "k", str(1024 * 1024), "z") == msg
    assert err(c, "SETRANGE", "new", str(1024 * 1024 - 1), "zz") == msg
    assert c.exists("new") == 0
    assert c.strlen("k") == 1024 * 1024
    c.close()


@pytest.mark.parametrize("start,end,expect", [
    (0, 3, "This"), (-3, -1, "ing"), (0, -1, "This is a string"), (10, 100, "string"),
    (5, 3, ""), (-1, -5, ""), (-100, 3, "This"), (-100, -99, "T"), (100, 200, ""),
    (0, 0, "T"), (-1, -1, "g"), (15, 15, "g"), (16, 16, ""), (-16, -16, "T"),
    (3, -100, ""), (0, INT64_MAX, "This is a string"), (INT64_MIN, INT64_MAX, "This is a string"),
])
def test_getrange(r, p, start, end, expect):
    r.set("s", "This is a string")
    assert r.getrange("s", start, end) == expect
    assert p.execute_command("SUBSTR", "s", start, end) == expect


def test_getrange_missing_empty_and_integers(r):
    assert r.getrange("missing", 0, -1) == ""
    r.set("e", "")
    assert r.getrange("e", 0, -1) == ""
    assert r.getrange("e", -1, 0) == ""
    r.set("n", 12345)
    assert r.getrange("n", 1, 3) == "234"
    assert err(r, "GETRANGE", "n", "a", "1") == "value is not an integer or out of range"
    assert err(r, "GETRANGE", "n", "0", "1.5") == "value is not an integer or out of range"


def test_setrange(r):
    r.set("k", "Hello World")
    assert r.setrange("k", 6, "Redis") == 11
    assert r.get("k") == "Hello Redis"
    assert r.setrange("k", 9, "xxxx") == 13
    assert r.get("k") == "Hello Redxxxx"
    # Padding with zero bytes, on a new key and past the end of an existing one.
    assert r.setrange("new", 5, "ab") == 7
    assert r.get("new") == "\x00" * 5 + "ab"
    assert r.setrange("k", 15, "!") == 16
    assert r.get("k") == "Hello Redxxxx\x00\x00!"
    # An integer value becomes a string.
    r.set("n", 1234)
    assert r.setrange("n", 1, "9") == 4
    assert r.get("n") == "1934"
    assert r.incr("n") == 1935
    # Keeps the TTL.
    r.set("t", "abc", ex=100)
    assert r.setrange("t", 1, "X") == 3
    assert 99 <= r.ttl("t") <= 100


def test_setrange_empty_value(r):
    assert r.setrange("missing", 0, "") == 0
    assert r.exists("missing") == 0
    # Redis compat: no size check when nothing is written.
    assert r.setrange("missing", 536870912, "") == 0
    r.set("k", "abc")
    assert r.setrange("k", 10, "") == 3
    assert r.setrange("k", 536870912, "") == 3
    assert r.get("k") == "abc"


def test_setrange_offset_errors(r):
    r.set("k", "abc")
    assert err(r, "SETRANGE", "k", "-1", "x") == "offset is out of range"
    assert err(r, "SETRANGE", "missing", "-1", "x") == "offset is out of range"
    assert err(r, "SETRANGE", "k", "a", "x") == "value is not an integer or out of range"
    msg = "string exceeds maximum allowed size (proto-max-bulk-len)"
    assert err(r, "SETRANGE", "k", "536870912", "x") == msg
    assert err(r, "SETRANGE", "missing", "536870911", "xx") == msg
    assert err(r, "SETRANGE", "k", str(INT64_MAX), "x") == msg
    assert r.exists("missing") == 0
    assert r.get("k") == "abc"


def test_string_commands_wrongtype(r, list_key):
    wt = "WRONGTYPE Operation against a key holding the wrong kind of value"
    for cmd in (["GET", list_key], ["GETDEL", list_key], ["GETEX", list_key, "EX", "10"],
                ["GETSET", list_key, "v"], ["SET", list_key, "v", "GET"], ["APPEND", list_key, "x"],
                ["STRLEN", list_key], ["GETRANGE", list_key, "0", "1"],
                ["SETRANGE", list_key, "0", "x"]):
        assert err(r, *cmd) == wt
    assert r.type(list_key) == "list"
    # Plain SET replaces a value of any type.
    assert r.set(list_key, "v") is True
    assert r.get(list_key) == "v"


# --- Binary safety ---

def test_binary_safe_values_and_keys(rb):
    value = b"a\x00b\r\nc\xff\x00"
    key = b"k\x00\r\n\xfe"
    assert rb.set(key, value) is True
    assert rb.get(key) == value
    assert rb.strlen(key) == len(value)
    assert rb.append(key, b"\x00\r\n") == len(value) + 3
    assert rb.getrange(key, 1, 4) == b"\x00b\r\n"
    assert rb.setrange(key, 0, b"\r\n") == len(value) + 3
    assert rb.get(key) == b"\r\n" + value[2:] + b"\x00\r\n"
    assert rb.mget([key, b"\x00"]) == [rb.get(key), None]
    assert rb.getset(key, b"\x00") == b"\r\n" + value[2:] + b"\x00\r\n"
    assert rb.getdel(key) == b"\x00"
    assert rb.execute_command("SET", b"\r\n", b"", "GET") is None
    assert rb.get(b"\r\n") == b""
    big = bytes(range(256)) * 1000
    rb.set(b"big", big)
    assert rb.get(b"big") == big


# --- Arity ---

@pytest.mark.parametrize("args", [
    ["GET"], ["GET", "a", "b"], ["SET", "k"], ["SET"], ["SETNX", "k"], ["SETNX", "k", "v", "x"],
    ["SETEX", "k", "10"], ["SETEX", "k", "10", "v", "x"], ["PSETEX", "k", "10"],
    ["GETSET", "k"], ["GETSET", "k", "v", "x"], ["GETDEL"], ["GETDEL", "a", "b"], ["GETEX"],
    ["MGET"], ["MSET"], ["MSETNX"], ["INCR"], ["INCR", "a", "b"], ["DECR"], ["INCRBY", "k"],
    ["INCRBY", "k", "1", "2"], ["DECRBY", "k"], ["INCRBYFLOAT", "k"], ["APPEND", "k"],
    ["STRLEN"], ["STRLEN", "a", "b"], ["GETRANGE", "k", "0"], ["GETRANGE", "k", "0", "1", "2"],
    ["SUBSTR", "k", "0"], ["SETRANGE", "k", "0"], ["SETRANGE", "k", "0", "v", "x"],
])
def test_wrong_arity(r, args):
    assert err(r, *args) == f"wrong number of arguments for '{args[0].lower()}' command"

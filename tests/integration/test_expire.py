"""Key expiry: EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT LT), TTL PTTL EXPIRETIME PEXPIRETIME,
PERSIST, lazy and active expiry, and expired keys staying invisible to every reader."""
import threading
import time

import pytest
import redis

INT64_MAX = 9223372036854775807
INT64_MIN = -9223372036854775808


def err(client, *args):
    with pytest.raises(redis.ResponseError) as e:
        client.execute_command(*args)
    return str(e.value)


@pytest.fixture
def no_active_expire(r):
    """Turns the active expiry cycle off, so only lazy expiry removes keys."""
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    yield
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def expired_keys(r):
    return r.info("stats")["expired_keys"]


# --- Setting an expiry ---

def test_expire_family_basics(r):
    now = time.time()
    assert r.expire("missing", 100) is False
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", "100") == 1
    assert 99 <= r.ttl("k") <= 100
    assert r.execute_command("PEXPIRE", "k", "200000") == 1
    assert 199000 <= r.pttl("k") <= 200000
    at = int(now) + 300
    assert r.execute_command("EXPIREAT", "k", str(at)) == 1
    assert r.expiretime("k") == at
    pat = int(now * 1000) + 400000
    assert r.execute_command("PEXPIREAT", "k", str(pat)) == 1
    assert r.pexpiretime("k") == pat
    assert r.get("k") == "v"
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert r.execute_command(cmd, "missing", "100") == 0
    assert r.exists("missing") == 0


def test_ttl_on_missing_and_persistent_keys(r):
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert r.execute_command(cmd, "missing") == -2
    r.set("k", "v")
    for cmd in ("TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME"):
        assert r.execute_command(cmd, "k") == -1


def test_ttl_rounding_and_expiretime_units(r):
    r.set("k", "v", px=1900)
    # TTL rounds to the nearest second.
    assert r.ttl("k") == 2
    r.set("k", "v", px=1400)
    assert r.ttl("k") == 1
    pat = int(time.time() * 1000) + 100499
    r.pexpireat("k", pat)
    assert r.pexpiretime("k") == pat
    # EXPIRETIME rounds the absolute time to the nearest second, too.
    assert r.expiretime("k") == (pat + 500) // 1000


@pytest.mark.parametrize("cmd", ["EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"])
def test_past_or_negative_time_deletes_key(r, cmd):
    for when in ("-1", "0", "-100000"):
        r.set("k", "v")
        assert r.execute_command(cmd, "k", when) == 1
        assert r.exists("k") == 0
        assert r.get("k") is None
    if cmd.endswith("AT"):
        r.set("k", "v")
        assert r.execute_command(cmd, "k", "1") == 1
        assert r.exists("k") == 0


def test_deleting_by_expire_counts_no_expired_key(r):
    # Redis deletes such a key directly (as DEL would); it is not an expiry event.
    before = expired_keys(r)
    r.set("k", "v")
    r.expire("k", -1)
    assert expired_keys(r) == before


def test_nx_xx_gt_lt(r):
    r.set("k", "v")
    # On a key without an expiry.
    assert r.execute_command("EXPIRE", "k", "100", "XX") == 0
    assert r.execute_command("EXPIRE", "k", "100", "GT") == 0
    assert r.ttl("k") == -1
    assert r.execute_command("EXPIRE", "k", "100", "LT") == 1
    assert 99 <= r.ttl("k") <= 100
    r.persist("k")
    assert r.execute_command("EXPIRE", "k", "100", "NX") == 1
    assert r.execute_command("EXPIRE", "k", "200", "NX") == 0
    assert 99 <= r.ttl("k") <= 100
    assert r.execute_command("EXPIRE", "k", "200", "XX") == 1
    assert 199 <= r.ttl("k") <= 200
    assert r.execute_command("EXPIRE", "k", "100", "GT") == 0
    assert r.execute_command("EXPIRE", "k", "300", "GT") == 1
    assert 299 <= r.ttl("k") <= 300
    assert r.execute_command("EXPIRE", "k", "400", "LT") == 0
    assert r.execute_command("EXPIRE", "k", "50", "LT") == 1
    assert 49 <= r.ttl("k") <= 50
    # XX combines with GT or LT.
    assert r.execute_command("PEXPIRE", "k", "60000", "XX", "GT") == 1
    assert r.execute_command("PEXPIRE", "k", "70000", "XX", "LT") == 0
    assert r.execute_command("EXPIRE", "k", "10", "lt", "xx") == 1
    assert 9 <= r.ttl("k") <= 10
    r.persist("k")
    assert r.execute_command("EXPIRE", "k", "10", "XX", "LT") == 0
    assert r.ttl("k") == -1


def test_gt_lt_with_absolute_times(r):
    r.set("k", "v")
    base = int(time.time()) + 1000
    assert r.execute_command("EXPIREAT", "k", str(base), "NX") == 1
    assert r.execute_command("EXPIREAT", "k", str(base), "GT") == 0
    assert r.execute_command("EXPIREAT", "k", str(base), "LT") == 0
    assert r.execute_command("EXPIREAT", "k", str(base + 1), "GT") == 1
    assert r.execute_command("PEXPIREAT", "k", str(base * 1000 + 999), "LT") == 1
    assert r.pexpiretime("k") == base * 1000 + 999


def test_gt_lt_with_past_times(r):
    r.set("k", "v")
    # GT on a persistent key never applies, not even to delete it.
    assert r.execute_command("EXPIRE", "k", "-1", "GT") == 0
    assert r.exists("k") == 1
    assert r.execute_command("EXPIRE", "k", "-1", "LT") == 1
    assert r.exists("k") == 0
    r.set("k", "v", ex=100)
    assert r.execute_command("EXPIRE", "k", "-1", "XX") == 1
    assert r.exists("k") == 0


@pytest.mark.parametrize("opts,msg", [
    (["NX", "XX"], "NX and XX, GT or LT options at the same time are not compatible"),
    (["XX", "NX"], "NX and XX, GT or LT options at the same time are not compatible"),
    (["NX", "GT"], "NX and XX, GT or LT options at the same time are not compatible"),
    (["LT", "NX"], "NX and XX, GT or LT options at the same time are not compatible"),
    (["GT", "LT"], "GT and LT options at the same time are not compatible"),
    (["XX", "GT", "LT"], "GT and LT options at the same time are not compatible"),
    (["FOO"], "Unsupported option FOO"),
    (["NX", "bar"], "Unsupported option bar"),
    (["NX", "NX", "xyz"], "Unsupported option xyz"),
])
def test_option_errors(r, opts, msg):
    r.set("k", "v")
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert err(r, cmd, "k", "100", *opts) == msg
        # Options are checked before the time.
        assert err(r, cmd, "k", "abc", *opts) == msg
    assert r.ttl("k") == -1


def test_repeated_options_are_fine(r):
    r.set("k", "v")
    assert r.execute_command("EXPIRE", "k", "100", "NX", "NX") == 1
    assert r.execute_command("EXPIRE", "k", "200", "GT", "gt", "XX") == 1


@pytest.mark.parametrize("cmd,when", [
    ("EXPIRE", INT64_MAX), ("EXPIRE", INT64_MAX // 1000 + 1), ("EXPIRE", INT64_MIN),
    ("EXPIRE", INT64_MIN // 1000 - 1), ("PEXPIRE", INT64_MAX), ("PEXPIRE", INT64_MAX - 1000),
    ("EXPIREAT", INT64_MAX), ("EXPIREAT", INT64_MAX // 1000 + 1), ("EXPIREAT", INT64_MIN),
])
def test_overflow_is_invalid_expire_time(r, cmd, when):
    r.set("k", "v")
    assert err(r, cmd, "k", str(when)) == f"invalid expire time in '{cmd.lower()}' command"
    assert r.ttl("k") == -1
    assert r.get("k") == "v"


def test_overflow_checked_before_key_lookup(r):
    assert err(r, "PEXPIRE", "missing", str(INT64_MAX)) == \
        "invalid expire time in 'pexpire' command"


def test_extreme_valid_times(r):
    r.set("k", "v")
    assert r.execute_command("PEXPIREAT", "k", str(INT64_MAX)) == 1
    assert r.pexpiretime("k") == INT64_MAX
    assert r.execute_command("EXPIREAT", "k", str(INT64_MAX // 1000)) == 1
    assert r.expiretime("k") == INT64_MAX // 1000
    assert r.execute_command("PEXPIREAT", "k", str(INT64_MIN)) == 1
    assert r.exists("k") == 0
    r.set("k", "v")
    assert r.execute_command("PEXPIRE", "k", str(INT64_MIN)) == 1
    assert r.exists("k") == 0


@pytest.mark.parametrize("when", ["abc", "1.5", " 10", "10 ", "", "99999999999999999999"])
def test_non_integer_time(r, when):
    r.set("k", "v")
    for cmd in ("EXPIRE", "PEXPIRE", "EXPIREAT", "PEXPIREAT"):
        assert err(r, cmd, "k", when) == "value is not an integer or out of range"
    assert r.ttl("k") == -1


def test_persist(r):
    assert r.persist("missing") is False
    r.set("k", "v")
    assert r.persist("k") is False
    r.expire("k", 100)
    assert r.persist("k") is True
    assert r.ttl("k") == -1
    assert r.get("k") == "v"
    assert r.persist("k") is False


def test_set_overwrites_ttl(r):
    r.set("k", "v", ex=100)
    r.set("k", "w")
    assert r.ttl("k") == -1
    r.set("k", "v", ex=100)
    r.set("k", "w", px=5000)
    assert 4000 <= r.pttl("k") <= 5000
    # Writes that modify the value keep the TTL.
    r.append("k", "x")
    r.setrange("k", 0, "y")
    assert 4000 <= r.pttl("k") <= 5000
    r.set("n", 1, ex=100)
    r.incr("n")
    assert 99 <= r.ttl("n") <= 100
    # RENAME carries it along, DEL drops it with the key.
    r.rename("n", "m")
    assert 99 <= r.ttl("m") <= 100
    r.delete("m")
    r.set("m", "v")
    assert r.ttl("m") == -1


@pytest.mark.parametrize("cmd,arity", [
    ("EXPIRE", 2), ("PEXPIRE", 2), ("EXPIREAT", 2), ("PEXPIREAT", 2), ("TTL", 1), ("TTL", 3),
    ("PTTL", 1), ("EXPIRETIME", 1), ("PEXPIRETIME", 3), ("PERSIST", 1), ("PERSIST", 3),
])
def test_wrong_arity(r, cmd, arity):
    args = [cmd] + ["k", "10", "x"][:arity - 1]
    assert err(r, *args) == f"wrong number of arguments for '{cmd.lower()}' command"


# --- Lazy and active expiry ---

def test_lazy_expiry_on_access(r, no_active_expire):
    r.set("k", "v", px=50)
    r.set("keep", "v")
    time.sleep(0.12)
    # Active expiry is off: the expired key still occupies the table...
    assert r.dbsize() == 2
    before = expired_keys(r)
    # ...but no read sees it, and the first access deletes it.
    assert r.get("k") is None
    assert expired_keys(r) == before + 1
    assert r.dbsize() == 1
    assert r.ttl("k") == -2


def test_expired_keys_are_invisible(r, rb, no_active_expire):
    live = [f"live:{i}" for i in range(30)]
    dead = [f"dead:{i}" for i in range(30)]
    for k in live:
        r.set(k, "v")
    for k in dead:
        r.set(k, "v", px=30)
    r.set("{tag}dead", "v", px=30)
    time.sleep(0.1)
    dead.append("{tag}dead")
    assert sorted(r.keys("*")) == sorted(live)
    assert r.keys("dead:*") == []
    seen = set()
    cursor = 0
    while True:
        cursor, keys = r.scan(cursor, count=7)
        seen.update(keys)
        if cursor == 0:
            break
    assert seen == set(live)
    assert r.mget(dead + live[:2]) == [None] * len(dead) + ["v", "v"]
    assert r.exists(*dead) == 0
    for k in dead[:5]:
        assert r.get(k) is None
        assert r.type(k) == "none"
        assert r.strlen(k) == 0
        assert r.ttl(k) == -2
        assert r.pexpiretime(k) == -2
        assert r.persist(k) is False
        assert r.expire(k, 100) is False
        assert r.getrange(k, 0, -1) == ""
    for _ in range(50):
        assert r.randomkey() in live
    assert r.dbsize() == len(live)


def test_scan_deletes_the_expired_keys_it_meets(r, no_active_expire):
    # Redis compat: SCAN expires keys it meets that match its pattern (KEYS only skips them).
    for i in range(20):
        r.set(f"dead:{i}", "v", px=20)
        r.set(f"other:{i}", "v", px=20)
    r.set("live", "v")
    time.sleep(0.06)
    before = expired_keys(r)
    r.keys("*")
    assert r.dbsize() == 41
    cursor = 0
    while True:
        cursor, keys = r.scan(cursor, match="dead:*", count=100)
        assert keys == []
        if cursor == 0:
            break
    assert r.dbsize() == 21
    assert expired_keys(r) == before + 20
    seen, cursor = [], 0
    while True:
        cursor, keys = r.scan(cursor, count=100)
        seen += keys
        if cursor == 0:
            break
    assert seen == ["live"]
    assert r.dbsize() == 1


def test_expired_key_recreated_is_fresh(r, no_active_expire):
    r.set("k", "old", px=30)
    time.sleep(0.08)
    assert r.set("k", "new", nx=True) is True
    assert r.ttl("k") == -1
    r.set("c", "5", px=30)
    time.sleep(0.08)
    assert r.append("c", "x") == 1
    assert r.get("c") == "x"


def test_active_expiry_removes_untouched_keys(r):
    before = expired_keys(r)
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"short:{i}", "v", px=100)
    for i in range(100):
        pipe.set(f"long:{i}", "v")
    assert all(pipe.execute())
    # No key is read again: only the active cycle can remove them (with a loaded machine,
    # some may already be gone, so the count before is not checked).
    deadline = time.time() + 5
    while time.time() < deadline and r.dbsize() > 100:
        time.sleep(0.05)
    assert r.dbsize() == 100
    assert expired_keys(r) >= before + 2000
    assert r.info("keyspace")["db0"]["expires"] == 0


def test_active_expiry_keeps_up_with_whole_keyspace_commands(server, r):
    # Clients looping on commands that lock every shard (DBSIZE, KEYS) must not starve the
    # expiry cycle.
    pipe = r.pipeline(transaction=False)
    for i in range(2000):
        pipe.set(f"short:{i}", "v", px=100)
    assert all(pipe.execute())
    stop = threading.Event()

    def loop():
        c = server.client()
        while not stop.is_set():
            c.dbsize()
            c.keys("nomatch")
        c.close()

    threads = [threading.Thread(target=loop) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        deadline = time.time() + 5
        while time.time() < deadline and r.dbsize() > 0:
            time.sleep(0.05)
        assert r.dbsize() == 0
    finally:
        stop.set()
        for t in threads:
            t.join()


def test_active_expiry_in_other_databases(server):
    c = server.client(db=5)
    c.flushall()
    for i in range(300):
        c.set(f"k{i}", "v", px=100)
    c.set("stay", "v")
    deadline = time.time() + 5
    while time.time() < deadline and c.dbsize() > 1:
        time.sleep(0.05)
    assert c.dbsize() == 1
    c.flushall()
    c.close()

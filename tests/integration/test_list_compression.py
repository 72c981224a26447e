"""list-compress-depth: the directive (config file, command line, CONFIG GET/SET and its
range), the memory a long list of compressible values saves, every list command answering
the same at depths 0, 1 and 2, and compressed lists through DEBUG RELOAD, SAVE + restart
(at another depth), AOF rewrite and a dump loaded by redis-server. Every expectation holds
against redis-server 7.0; memory is compared between depths, not in bytes (Cinnabar's
numbers are its own)."""
import shutil

import pytest
import redis

from persist_util import bgrewriteaof, blocked_pop, wait_blocked

DEPTH = "list-compress-depth"
RANGE_ERROR = ("CONFIG SET failed (possibly related to argument 'list-compress-depth') - "
               "argument must be between 0 and 2147483647 inclusive")


def element(i):
    """~60 compressible bytes; every value appears for four i in 0..1999."""
    return f"value:{i % 500:04d}:" + "x" * 48


def fill(c, key, n=100_000):
    p = c.pipeline(transaction=False)
    for start in range(0, n, 1000):
        p.rpush(key, *[element(i) for i in range(start, min(n, start + 1000))])
    p.execute()


def usage(c, key, samples=None):
    args = ["MEMORY", "USAGE", key] + ([] if samples is None else ["SAMPLES", samples])
    return c.execute_command(*args)


def debug_object(c, key):
    return c.execute_command("DEBUG", "OBJECT", key)


# --- The directive ---

def test_config_get_set_and_range(r):
    assert r.config_get(DEPTH) == {DEPTH: "0"}
    assert r.config_set(DEPTH, 2) is True
    assert r.config_get(DEPTH) == {DEPTH: "2"}
    assert r.config_set(DEPTH, 2147483647) is True
    assert r.config_get(DEPTH) == {DEPTH: "2147483647"}
    for bad in ("-1", "2147483648"):
        with pytest.raises(redis.ResponseError) as e:
            r.config_set(DEPTH, bad)
        assert str(e.value) == RANGE_ERROR
    with pytest.raises(redis.ResponseError) as e:
        r.config_set(DEPTH, "abc")
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument "
                            "'list-compress-depth') - argument couldn't be parsed into an integer")
    assert r.config_get(DEPTH) == {DEPTH: "2147483647"}
    r.config_set(DEPTH, 0)


def test_config_file_and_command_line(start_server):
    s = start_server(config_text="list-compress-depth 3\n")
    assert s.client().config_get(DEPTH) == {DEPTH: "3"}
    s = start_server("--list-compress-depth", "2")
    assert s.client().config_get(DEPTH) == {DEPTH: "2"}


def test_out_of_range_in_a_config_file_stops_startup(start_server):
    s = start_server(config_text="list-compress-depth -1\n", expect_start=False)
    s.proc.wait(timeout=10)
    assert s.proc.returncode != 0
    log = s.read_log()
    assert "list-compress-depth -1" in log
    assert "argument must be between 0 and 2147483647 inclusive" in log


# --- Memory ---

def test_memory_usage_drops_with_depth_1(r):
    fill(r, "plain")
    r.config_set(DEPTH, 1)
    fill(r, "packed")
    assert r.lrange("packed", 0, -1) == r.lrange("plain", 0, -1)
    for samples in (None, 0):
        plain, packed = usage(r, "plain", samples), usage(r, "packed", samples)
        assert packed * 2 < plain, (samples, plain, packed)
    assert "ql_compressed:0" in debug_object(r, "plain")
    assert "ql_compressed:1" in debug_object(r, "packed")
    # The depth is the list's own: a list made before the change does not start compressing.
    r.rpush("plain", "one more")
    assert usage(r, "packed", 0) * 2 < usage(r, "plain", 0)
    assert "ql_compressed:0" in debug_object(r, "plain")
    # ... and one made after changing it back keeps compressing.
    r.config_set(DEPTH, 0)
    r.rpush("packed", "one more")
    assert usage(r, "packed", 0) * 2 < usage(r, "plain", 0)
    # The list reads the same from the middle of a compressed node after all that.
    assert r.lindex("packed", 54_321) == element(54_321)
    assert r.lrange("packed", 77_000, 77_002) == [element(i) for i in range(77_000, 77_003)]


def test_bigger_depth_compresses_less(r):
    r.config_set("list-max-listpack-size", 4)  # many nodes
    sizes = {}
    for depth in (1, 2000, 100_000):
        r.config_set(DEPTH, depth)
        fill(r, f"d{depth}", 20_000)
        sizes[depth] = usage(r, f"d{depth}", 0)
    assert sizes[1] < sizes[2000] < sizes[100_000]


# --- Every list command, at depths 0, 1 and 2 ---

def scenario(c):
    """Runs the list commands over a list of many (compressed) nodes; returns the replies."""
    out = []
    rec = out.append
    rec(c.rpush("l", *[element(i) for i in range(2000)]))
    rec(c.llen("l"))
    for i in (0, 1, 999, 1000, -1, -1500, 5000):
        rec(c.lindex("l", i))
    rec(c.lrange("l", 0, -1))
    rec(c.lrange("l", 500, 520))
    rec(c.lrange("l", -30, -10))
    rec(c.lset("l", 700, "set-" + "y" * 80))
    rec(c.lset("l", -3, "short"))
    rec(c.lset("l", 1200, "z" * 5000))  # bigger than a node
    rec(c.linsert("l", "BEFORE", element(900), "inserted-before"))
    rec(c.linsert("l", "AFTER", element(1499), "inserted-after-" * 20))
    rec(c.linsert("l", "AFTER", "missing", "x"))
    rec(c.lrem("l", 0, element(10)))
    rec(c.lrem("l", 2, element(20)))
    rec(c.lrem("l", -1, element(30)))
    rec(c.lrem("l", -10, element(31)))
    rec(c.lpos("l", element(40)))
    rec(c.lpos("l", element(40), rank=-1))
    rec(c.lpos("l", element(40), count=0))
    rec(c.lpos("l", element(41), rank=2, maxlen=1500))
    rec(c.lpos("l", "z" * 5000))
    rec(c.ltrim("l", 3, -4))
    rec(c.lpop("l"))
    rec(c.rpop("l", 3))
    rec(c.lpop("l", 2))
    rec(c.lmove("l", "l", "LEFT", "RIGHT"))
    rec(c.lmove("l", "other", "RIGHT", "LEFT"))
    rec(c.rpoplpush("l", "other"))
    rec(c.execute_command("LMPOP", 2, "nokey", "l", "LEFT", "COUNT", 5))
    rec(c.blpop(["l"], timeout=1))
    rec(c.brpop(["l"], timeout=1))
    rec(c.execute_command("BLMOVE", "l", "other", "LEFT", "LEFT", 1))
    rec(c.execute_command("BLMPOP", 1, 1, "l", "RIGHT", "COUNT", 2))
    rec(c.brpoplpush("l", "l", timeout=1))
    rec(c.lpushx("l", "pushed-head"))
    rec(c.rpushx("l", "pushed-tail"))
    rec(c.copy("l", "copy"))
    rec(c.lrem("copy", 0, element(50)))
    rec(c.lrange("l", 0, -1))
    rec(c.lrange("copy", 0, -1))
    rec(c.lrange("other", 0, -1))
    rec(c.ltrim("l", 100, 1800))
    rec(c.lrange("l", 0, -1))
    rec(c.llen("l"))
    rec(c.ltrim("l", 1, 0))  # an empty range deletes the key
    rec(c.exists("l"))
    return out


@pytest.mark.parametrize("fill_size", [4, -2])
def test_list_commands_answer_the_same_at_every_depth(r, fill_size):
    r.config_set("list-max-listpack-size", fill_size)
    replies = {}
    for depth in (0, 1, 2):
        r.flushall()
        r.config_set(DEPTH, depth)
        replies[depth] = scenario(r)
    assert replies[1] == replies[0]
    assert replies[2] == replies[0]


def test_blocked_move_into_a_compressed_list(r, server):
    r.config_set(DEPTH, 1)
    fill(r, "dst", 20_000)
    t, out = blocked_pop(server, lambda c: c.execute_command(
        "BLMOVE", "src", "dst", "RIGHT", "LEFT", 10))
    wait_blocked(r)
    r.rpush("src", "a", "b")
    t.join(timeout=15)
    assert out["value"] == "b"
    assert r.lrange("dst", 0, 1) == ["b", element(0)]
    assert r.llen("dst") == 20_001
    assert r.lindex("dst", 10_001) == element(10_000)
    assert usage(r, "dst", 0) * 2 < 20_000 * len(element(0))


# --- Persistence ---

def test_reload_and_restart_keep_contents_and_take_the_depth(start_server):
    s = start_server("--list-compress-depth", "1")
    c = s.client()
    fill(c, "big")
    want = c.lrange("big", 0, -1)
    compressed = usage(c, "big", 0)
    assert c.execute_command("DEBUG", "RELOAD") == "OK"
    assert c.lrange("big", 0, -1) == want
    assert usage(c, "big", 0) < compressed * 1.5
    assert "ql_compressed:1" in debug_object(c, "big")
    # Loaded at depth 0: the same list, not compressed.
    assert c.execute_command("SAVE") is True
    s.restart(args=["--list-compress-depth", "0"])
    c = s.client()
    assert c.lrange("big", 0, -1) == want
    plain = usage(c, "big", 0)
    assert plain > 2 * compressed
    assert "ql_compressed:0" in debug_object(c, "big")
    # ... and at depth 2 compressed again.
    assert c.execute_command("SAVE") is True
    s.restart(args=["--list-compress-depth", "2"])
    c = s.client()
    assert c.lrange("big", 0, -1) == want
    assert usage(c, "big", 0) * 2 < plain


@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_aof_rewrite_of_a_compressed_list(start_server, preamble):
    s = start_server("--appendonly", "yes", "--aof-use-rdb-preamble", preamble,
                     "--list-compress-depth", "1")
    c = s.client()
    fill(c, "big", 30_000)
    c.lset("big", 15_000, "changed")
    want = c.lrange("big", 0, -1)
    bgrewriteaof(c)
    c.rpush("big", "after the rewrite")
    s.restart()
    c = s.client()
    assert c.lrange("big", 0, -1) == want + ["after the rewrite"]
    assert "ql_compressed:1" in debug_object(c, "big")


def test_redis_server_loads_a_dump_with_compressed_lists(start_server, make_dir):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    d = make_dir()
    s = start_server("--list-compress-depth", "1", dir=d)
    c = s.client()
    fill(c, "big", 30_000)
    want = c.lrange("big", 0, -1)
    assert c.execute_command("SAVE") is True
    s.stop()
    theirs = start_server(dir=d, kind="redis")
    assert theirs.client().lrange("big", 0, -1) == want

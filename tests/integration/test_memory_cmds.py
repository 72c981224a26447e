"""MEMORY USAGE / STATS / DOCTOR / PURGE / MALLOC-STATS / HELP, as Redis 7.0 answers them."""
import os
import socket
import subprocess
import time

import pytest
import redis

STATS_FIELDS = [
    "peak.allocated", "total.allocated", "startup.allocated", "replication.backlog",
    "clients.slaves", "clients.normal", "cluster.links", "aof.buffer", "lua.caches",
    "functions.caches",
]
STATS_TAIL = [
    "overhead.total", "keys.count", "keys.bytes-per-key", "dataset.bytes",
    "dataset.percentage", "peak.percentage", "allocator.allocated", "allocator.active",
    "allocator.resident", "allocator-fragmentation.ratio", "allocator-fragmentation.bytes",
    "allocator-rss.ratio", "allocator-rss.bytes", "rss-overhead.ratio", "rss-overhead.bytes",
    "fragmentation", "fragmentation.bytes",
]
DB_FIELDS = ["overhead.hashtable.main", "overhead.hashtable.expires",
             "overhead.hashtable.slot-to-keys"]

HELP = [
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Prints this help.",
]


def usage(r, key, *args):
    return r.execute_command("MEMORY", "USAGE", key, *args)


def stats(r):
    """MEMORY STATS as an ordered list of (name, value) pairs (RESP2: a flat array)."""
    flat = r.execute_command("MEMORY", "STATS")
    return list(zip(flat[0::2], flat[1::2]))


def error_of(r, *args):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command(*args)
    return str(e.value)


def test_usage_of_a_missing_key_is_nil(r):
    assert usage(r, "nope") is None
    assert usage(r, "nope", "SAMPLES", 0) is None


def test_usage_of_every_type_is_positive(r):
    r.set("s", "v")
    r.set("i", 12345)
    r.rpush("l", "a", "b")
    r.sadd("set", "a", "b")
    r.sadd("iset", 1, 2, 3)
    r.hset("h", mapping={"f": "v"})
    r.zadd("z", {"m": 1})
    for key in ("s", "i", "l", "set", "iset", "h", "z"):
        n = usage(r, key)
        assert isinstance(n, int) and 0 < n < 1000, key


def test_usage_grows_with_the_string(r):
    r.set("small", "x")
    r.set("big", "x" * 10000)
    assert usage(r, "big") >= 10000 > usage(r, "small")
    r.append("big", "y" * 50000)
    assert usage(r, "big") >= 60000


@pytest.mark.parametrize("fill", ["rpush", "sadd", "hset", "zadd"])
def test_usage_grows_with_the_collection(r, fill):
    def add(key, i):
        member = "member:%06d" % i
        if fill == "rpush":
            r.rpush(key, member)
        elif fill == "sadd":
            r.sadd(key, member)
        elif fill == "hset":
            r.hset(key, member, "value")
        else:
            r.zadd(key, {member: i})

    for i in range(10):
        add("small", i)
    for i in range(5000):
        add("large", i)
    small, large = usage(r, "small", "SAMPLES", 0), usage(r, "large", "SAMPLES", 0)
    assert large > 5000 * len("member:000000") > small
    # A default-sampled estimate of equal-sized elements is close to the exact size.
    assert abs(usage(r, "large") - large) < large // 4
    assert abs(usage(r, "large", "SAMPLES", 100) - large) < large // 4


def test_samples_change_the_estimate_of_uneven_elements(r):
    """With elements of very different sizes, an estimate from a few of them and the full
    measure differ, and the full measure counts every byte."""
    r.sadd("uneven", *("m%d" % i for i in range(2000)))
    r.sadd("uneven", *("x" * 5000 + str(i) for i in range(20)))
    exact = usage(r, "uneven", "SAMPLES", 0)
    assert exact > 20 * 5000
    assert usage(r, "uneven", "SAMPLES", 1) != exact or usage(r, "uneven", "SAMPLES", 3) != exact
    assert usage(r, "uneven", "samples", 100000) == exact  # more samples than elements


def test_usage_errors(r):
    r.set("k", "v")
    assert error_of(r, "MEMORY", "USAGE") == \
        "wrong number of arguments for 'memory|usage' command"
    assert error_of(r, "MEMORY", "USAGE", "k", "SAMPLES") == "syntax error"
    assert error_of(r, "MEMORY", "USAGE", "k", "FOO") == "syntax error"
    assert error_of(r, "MEMORY", "USAGE", "k", "FOO", "1") == "syntax error"
    assert error_of(r, "MEMORY", "USAGE", "k", "SAMPLES", "x") == \
        "value is not an integer or out of range"
    assert error_of(r, "MEMORY", "USAGE", "k", "SAMPLES", "-1") == "syntax error"
    # Arguments are checked before the key is looked up.
    assert error_of(r, "MEMORY", "USAGE", "nope", "SAMPLES", "x") == \
        "value is not an integer or out of range"
    assert usage(r, "k", "SAMPLES", 1, "SAMPLES", 0) > 0


def test_usage_does_not_touch_the_idle_time(r):
    r.set("k", "v")
    r.execute_command("DEBUG", "SLEEP", "1.1")
    usage(r, "k")
    assert r.object("idletime", "k") >= 1


def test_stats_fields_in_redis_order(r):
    pairs = stats(r)
    names = [n for n, _ in pairs]
    assert names == STATS_FIELDS + STATS_TAIL  # flushed: no db.N entry
    values = dict(pairs)
    for name in STATS_FIELDS + ["overhead.total", "keys.count", "dataset.bytes"]:
        assert isinstance(values[name], int), name
    assert values["keys.count"] == 0
    assert values["total.allocated"] > 0
    assert values["peak.allocated"] >= values["total.allocated"]
    for name in ("dataset.percentage", "peak.percentage", "fragmentation"):
        float(values[name])


def test_stats_lists_the_databases_with_keys(r):
    r.set("a", "1")
    r.set("b", "2")
    r.execute_command("SELECT", 3)
    r.set("c", "3")
    try:
        pairs = stats(r)
    finally:
        r.flushall()
        r.execute_command("SELECT", 0)
    names = [n for n, _ in pairs]
    assert names == STATS_FIELDS + ["db.0", "db.3"] + STATS_TAIL
    values = dict(pairs)
    for db in ("db.0", "db.3"):
        sub = values[db]
        assert sub[0::2] == DB_FIELDS
        assert all(isinstance(v, int) for v in sub[1::2])
    assert values["keys.count"] == 3
    assert values["keys.bytes-per-key"] > 0


def test_stats_total_follows_the_dataset(r):
    before = dict(stats(r))["total.allocated"]
    r.set("big", "x" * 1000000)
    after = dict(stats(r))
    # Give or take a few buffers of the connection (the query buffer shrinks once idle).
    assert after["total.allocated"] >= before + 1000000 - 4096
    # Client buffers count as overhead as last sampled (every cron tick): one taken while
    # the 1 MB query buffer was still held leaves the dataset short until the next. The
    # slack of a few KB is for an allocator that does not round the value's block up (as
    # AddressSanitizer's): then the estimate of the buffers shows.
    deadline = time.time() + 2
    while after["dataset.bytes"] < 1000000 - 16384 and time.time() < deadline:
        time.sleep(0.1)
        after = dict(stats(r))
    assert after["dataset.bytes"] >= 1000000 - 16384
    assert after["keys.count"] == 1


def test_stats_agrees_with_info_memory(r):
    info = r.info("memory")
    values = dict(stats(r))
    assert values["startup.allocated"] == info["used_memory_startup"]
    assert abs(values["total.allocated"] - info["used_memory"]) < 100000
    assert values["peak.allocated"] >= info["used_memory"]


def test_stats_in_resp3_is_a_map(r, raw):
    r.set("k", "v")
    c = raw()
    c.send(b"HELLO 3\r\n")
    c.read()
    c.send(b"MEMORY STATS\r\n")
    reply = c.read()
    while not reply.endswith(b"\r\n") or b"fragmentation.bytes" not in reply:
        reply += c.read()
    assert reply.startswith(b"%28\r\n$14\r\npeak.allocated\r\n:")
    assert (b"$4\r\ndb.0\r\n%3\r\n$23\r\noverhead.hashtable.main\r\n:") in reply
    assert b"$13\r\nfragmentation\r\n," in reply  # a RESP3 double


def test_doctor_answers_a_report(r):
    text = r.execute_command("MEMORY", "DOCTOR")
    assert isinstance(text, str) and text.endswith("\n")
    assert text.startswith("Hi Sam") or text.startswith("Sam, I detected")


def test_doctor_of_a_small_instance(r):
    """Under 5 MB of data, Redis declines to diagnose."""
    if dict(stats(r))["total.allocated"] >= 5 * 1024 * 1024:
        pytest.skip("this server already holds more than 5 MB")
    assert r.execute_command("MEMORY", "DOCTOR") == (
        "Hi Sam, this instance is empty or is using very little memory, my issues detector "
        "can't be used in these conditions. Please, leave for your mission on Earth and fill "
        "it with some data. The new Sam and I will be back to our programming as soon as I "
        "finished rebooting.\n")


def test_doctor_of_a_filled_instance(start_server):
    s = start_server()
    c = s.client()
    try:
        for i in range(20):
            c.set("k%d" % i, "x" * 500000)
        text = c.execute_command("MEMORY", "DOCTOR")
        assert text == ("Hi Sam, I can't find any memory issue in your instance. I can only "
                        "account for what occurs on this base.\n") or \
            text.startswith("Sam, I detected a few issues in this Redis instance memory "
                            "implants:\n\n")
    finally:
        c.close()


def test_purge_answers_ok(r):
    r.set("big", "x" * 1000000)
    r.delete("big")
    assert r.execute_command("MEMORY", "PURGE") in ("OK", True)


def test_purge_returns_freed_memory_to_the_os(start_server, request, is_redis):
    """Big values freed, then PURGE: the resident set shrinks back (every thread purges)."""
    if "ASAN_OPTIONS" in os.environ:
        pytest.skip("AddressSanitizer keeps freed memory in its quarantine (up to 256 MB)")
    if not is_redis and request.config.getoption("--threads") != "1":
        # Known gap: with several threads and io_uring, values freed just before PURGE stay
        # resident (epoll passes; a hand test saw them returned when PURGE came after a
        # second of idleness, but repeating PURGE for 5 s here does not help); cause not
        # found yet.
        request.applymarker(pytest.mark.xfail(reason="PURGE with several threads", strict=False))
    s = start_server()
    c = s.client()
    try:
        for i in range(40):
            c.set("k%d" % i, "x" * 2000000)
        # Redis samples its resident set in serverCron (every 100 ms at hz 10): wait for it.
        deadline = time.time() + 5
        filled = c.info("memory")["used_memory_rss"]
        while filled <= 40000000 and time.time() < deadline:
            time.sleep(0.1)
            filled = c.info("memory")["used_memory_rss"]
        for i in range(40):
            c.delete("k%d" % i)
        deadline = time.time() + 5
        while True:
            assert c.execute_command("MEMORY", "PURGE") in ("OK", True)
            if c.info("memory")["used_memory_rss"] < filled // 2 or time.time() > deadline:
                break
            time.sleep(0.2)
        assert filled > 40000000 and c.info("memory")["used_memory_rss"] < filled // 2
    finally:
        c.close()


def test_purge_inside_multi(r):
    p = r.pipeline(transaction=True)
    p.execute_command("MEMORY", "PURGE")
    p.set("k", "v")
    assert p.execute() in ([True, True], ["OK", True])


def test_malloc_stats_is_text(r):
    text = r.execute_command("MEMORY", "MALLOC-STATS")
    assert isinstance(text, str) and len(text) > 0


def test_help(r):
    assert r.execute_command("MEMORY", "HELP") == HELP
    assert r.execute_command("memory", "help") == HELP


def test_container_errors(r):
    assert error_of(r, "MEMORY") == "wrong number of arguments for 'memory' command"
    assert error_of(r, "MEMORY", "FOO") == "unknown subcommand 'FOO'. Try MEMORY HELP."
    for sub in ("STATS", "PURGE", "DOCTOR", "MALLOC-STATS", "HELP"):
        assert error_of(r, "MEMORY", sub, "x") == \
            "wrong number of arguments for 'memory|%s' command" % sub.lower()


def test_command_info(r):
    saved = {n: r.response_callbacks.pop(n) for n in ("COMMAND", "COMMAND INFO")
             if n in r.response_callbacks}
    try:
        (info,) = r.execute_command("COMMAND", "INFO", "MEMORY")
    finally:
        r.response_callbacks.update(saved)
    assert info[0] == "memory" and info[1] == -2
    subs = {s[0]: s for s in info[9]}
    assert set(subs) == {"memory|doctor", "memory|malloc-stats", "memory|purge",
                         "memory|stats", "memory|usage", "memory|help"}
    usage_info = subs["memory|usage"]
    assert usage_info[1] == -3 and "readonly" in usage_info[2]
    assert usage_info[3:6] == [2, 2, 1]
    assert "@read" in usage_info[6] and "@slow" in usage_info[6]


def _mass_insert(server, payload):
    p = subprocess.run(["redis-cli", "-h", server.host, "-p", str(server.port), "--pipe"],
                       input=payload, capture_output=True, timeout=120)
    assert p.returncode == 0 and b"errors: 0" in p.stdout, p.stdout + p.stderr


def _commands(name, keys, per_command, value=None):
    out = []
    for i in range(0, len(keys), per_command):
        args = [name.encode()]
        for j, k in enumerate(keys[i:i + per_command]):
            args += [k, b"v%015d" % (i + j)] if value else [k]
        out.append(b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a), a) for a in args))
    return b"".join(out)


# One key per command runs on the key's shard; MSET and DEL of 100 keys hold every shard
# and run on the client's thread, which allocates and frees for all of them.
@pytest.mark.cinnabar_only  # redis-server 7.0 stays about 6% above where it started
@pytest.mark.parametrize("write,per_command", [("SET", 1), ("MSET", 100)])
def test_used_memory_returns_after_a_million_keys_come_and_go(server, r, write, per_command):
    # Tables shrink (and their segments merge) in the cron once their keys are gone.
    def cycle(n):
        keys = [b"key:%010d" % i for i in range(n)]
        _mass_insert(server, _commands(write, keys, per_command, value=True))
        assert r.dbsize() == n
        grown = r.info("memory")["used_memory"]
        _mass_insert(server, _commands("DEL", keys, per_command))
        assert r.dbsize() == 0
        return grown

    def settled_memory(limit):
        deadline = time.monotonic() + 20
        while r.info("memory")["used_memory"] > limit and time.monotonic() < deadline:
            time.sleep(0.2)
        return r.info("memory")["used_memory"]

    # Used memory that is not the keyspace's: slow commands of a busy machine stay in the
    # slowlog, and a command's first call on a thread makes its latency histogram (24 KB)
    # there (the mass insert's connection may land on a thread the first round missed).
    saved = r.config_get("slowlog-log-slower-than") | r.config_get("latency-tracking")
    r.config_set("slowlog-log-slower-than", -1)
    r.config_set("latency-tracking", "no")
    r.slowlog_reset()
    # A small round first: every thread then has its connections' and commands' state.
    cycle(20_000)
    time.sleep(1)  # the cron shrinks what those keys grew
    for _ in range(3):  # this connection's output buffers (io_uring: two) grow to hold it
        r.info("memory")
    start = r.info("memory")["used_memory"]
    try:
        assert cycle(1_000_000) > start + 1_000_000 * 16
        assert settled_memory(start * 1.01) <= start * 1.01
    finally:
        for name, value in saved.items():
            r.config_set(name, value)


# INFO memory as redis-server 7.0 prints it, in its order.
INFO_MEMORY_FIELDS = [
    "used_memory", "used_memory_human", "used_memory_rss", "used_memory_rss_human",
    "used_memory_peak", "used_memory_peak_human", "used_memory_peak_perc", "used_memory_overhead",
    "used_memory_startup", "used_memory_dataset", "used_memory_dataset_perc",
    "allocator_allocated", "allocator_active", "allocator_resident", "total_system_memory",
    "total_system_memory_human", "used_memory_lua", "used_memory_vm_eval",
    "used_memory_lua_human", "used_memory_scripts_eval", "number_of_cached_scripts",
    "number_of_functions", "number_of_libraries", "used_memory_vm_functions",
    "used_memory_vm_total", "used_memory_vm_total_human", "used_memory_functions",
    "used_memory_scripts", "used_memory_scripts_human", "maxmemory", "maxmemory_human", "maxmemory_policy",
    "allocator_frag_ratio", "allocator_frag_bytes", "allocator_rss_ratio", "allocator_rss_bytes",
    "rss_overhead_ratio", "rss_overhead_bytes", "mem_fragmentation_ratio",
    "mem_fragmentation_bytes", "mem_not_counted_for_evict", "mem_replication_backlog",
    "mem_total_replication_buffers", "mem_clients_slaves", "mem_clients_normal",
    "mem_cluster_links", "mem_aof_buffer", "mem_allocator", "active_defrag_running",
    "lazyfree_pending_objects", "lazyfreed_objects",
]


def test_info_memory_fields(r):
    names = list(r.info("memory"))
    assert [n for n in names if n in INFO_MEMORY_FIELDS] == INFO_MEMORY_FIELDS


def test_client_buffers_count_as_client_memory(server, r):
    # A client holding a large query buffer shows in mem_clients_normal once the cron
    # has summed the clients (Redis: clientsCron), and in MEMORY STATS' clients.normal.
    s = socket.create_connection((server.host, server.port))
    try:
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4000000\r\n" + b"x" * 2_000_000)
        deadline = time.monotonic() + 5
        while r.info("memory")["mem_clients_normal"] < 2_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert r.info("memory")["mem_clients_normal"] >= 2_000_000
        stats = r.memory_stats()
        assert stats["clients.normal"] >= 2_000_000
    finally:
        s.close()


def test_info_memory_counts_scripts_and_functions(r):
    r.script_flush()
    r.function_flush()
    before = r.info("memory")
    assert before["number_of_cached_scripts"] == 0
    assert before["number_of_libraries"] == 0
    r.eval("return 1", 0)
    r.script_load("return 2")
    r.function_load("#!lua name=memlib\nredis.register_function('f1', function() return 1 end)\n"
                    "redis.register_function('f2', function() return 2 end)")
    r.fcall("f1", 0)
    after = r.info("memory")
    assert after["number_of_cached_scripts"] == 2
    assert after["number_of_functions"] == 2
    assert after["number_of_libraries"] == 1
    assert after["used_memory_lua"] > 0 and after["used_memory_vm_eval"] == after["used_memory_lua"]
    assert after["used_memory_vm_functions"] > 0
    assert after["used_memory_vm_total"] == after["used_memory_lua"] + after["used_memory_vm_functions"]
    assert after["used_memory_scripts_eval"] > before["used_memory_scripts_eval"]
    assert after["used_memory_functions"] > before["used_memory_functions"]
    assert after["used_memory_scripts"] == (after["used_memory_scripts_eval"] +
                                            after["used_memory_functions"])
    stats = r.memory_stats()
    assert stats["lua.caches"] == after["used_memory_scripts_eval"]
    assert stats["functions.caches"] == after["used_memory_functions"]
    r.function_flush()
    r.script_flush()

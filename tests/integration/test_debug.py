"""DEBUG CHANGE-REPL-ID, PAUSE-CRON, REPLYBUFFER, HTSTATS, HTSTATS-KEY, LISTPACK, QUICKLIST,
QUICKLIST-PACKED-THRESHOLD, STRINGMATCH-TEST and HELP, as redis-server 7.0.15 answers them
(where the text describes the server's own structures, only its shape is compared)."""
import re
import time

import pytest
import redis


def info_field(r, section, name):
    return r.info(section)[name]


def unknown(sub):
    return (f"unknown subcommand or wrong number of arguments for '{sub}'. "
            "Try DEBUG HELP.")


@pytest.fixture
def threshold(r):
    yield
    r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0")


def test_help_lists_our_subcommands(r):
    lines = r.execute_command("DEBUG", "HELP")
    assert lines[0].startswith("DEBUG <subcommand>")
    names = [l.split()[0] for l in lines[1:] if not l.startswith(" ")]
    for want in ["CHANGE-REPL-ID", "DIGEST", "DIGEST-VALUE", "LOG", "HTSTATS", "HTSTATS-KEY",
                 "OBJECT", "PROTOCOL", "RELOAD", "SET-ACTIVE-EXPIRE",
                 "QUICKLIST-PACKED-THRESHOLD", "SLEEP", "STRINGMATCH-TEST", "LISTPACK",
                 "QUICKLIST", "PAUSE-CRON", "REPLYBUFFER", "HELP"]:
        assert want in names
    # Redis's order, for those we have.
    ours = [n for n in names if n in ("CHANGE-REPL-ID", "HTSTATS", "OBJECT", "SLEEP",
                                      "LISTPACK", "PAUSE-CRON", "HELP")]
    assert ours == ["CHANGE-REPL-ID", "HTSTATS", "OBJECT", "SLEEP", "LISTPACK", "PAUSE-CRON",
                    "HELP"]


@pytest.mark.cinnabar_only
def test_help_lists_only_what_exists(r):
    names = [l.split()[0] for l in r.execute_command("DEBUG", "HELP")[1:]
             if not l.startswith(" ")]
    for name in names:
        sub = "HELP" if name == "HELP" else name
        try:
            r.execute_command("DEBUG", sub)
        except redis.ResponseError as e:
            # Wrong arity is fine; an unknown subcommand is not (unless arity is the cause).
            assert "unknown subcommand" not in str(e) or name not in (
                "CHANGE-REPL-ID", "DIGEST", "STRINGMATCH-TEST", "HELP")


def test_jmap_is_unknown_in_7_0(r):
    with pytest.raises(redis.ResponseError, match=re.escape(unknown("JMAP"))):
        r.execute_command("DEBUG", "JMAP")


def test_change_repl_id(r):
    before = info_field(r, "replication", "master_replid")
    assert re.fullmatch(r"[0-9a-f]{40}", before)
    assert r.execute_command("DEBUG", "CHANGE-REPL-ID") == "OK"
    after = info_field(r, "replication", "master_replid")
    assert re.fullmatch(r"[0-9a-f]{40}", after) and after != before
    with pytest.raises(redis.ResponseError, match=re.escape(unknown("CHANGE-REPL-ID"))):
        r.execute_command("DEBUG", "CHANGE-REPL-ID", "x")


def test_pause_cron_stops_active_expiry(r):
    try:
        assert r.execute_command("DEBUG", "PAUSE-CRON", "1") == "OK"
        for i in range(20):
            r.set(f"k{i}", "v", px=50)
        time.sleep(0.6)
        assert r.dbsize() == 20  # nothing expired them in the background
        assert r.execute_command("DEBUG", "PAUSE-CRON", "0") == "OK"
        deadline = time.time() + 5
        while r.dbsize() and time.time() < deadline:
            time.sleep(0.05)
        assert r.dbsize() == 0
    finally:
        r.execute_command("DEBUG", "PAUSE-CRON", "0")
    with pytest.raises(redis.ResponseError, match=re.escape(unknown("pause-cron"))):
        r.execute_command("DEBUG", "pause-cron")


def test_replybuffer(r):
    for args in (["PEAK-RESET-TIME", "never"], ["PEAK-RESET-TIME", "RESET"],
                 ["PEAK-RESET-TIME", "100"], ["PEAK-RESET-TIME", "-5"], ["RESIZING", "0"],
                 ["RESIZING", "1"], ["RESIZING", "x"]):
        assert r.execute_command("DEBUG", "REPLYBUFFER", *args) == "OK"
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.execute_command("DEBUG", "REPLYBUFFER", "PEAK-RESET-TIME", "abc")
    for args in (["foo", "1"], ["PEAK-RESET-TIME"], []):
        with pytest.raises(redis.ResponseError, match=re.escape(unknown("replybuffer"))):
            r.execute_command("DEBUG", "replybuffer", *args)


def test_htstats(r):
    for i in range(300):
        r.set(f"key:{i}", i)
    r.expire("key:1", 100)
    text = r.execute_command("DEBUG", "HTSTATS", "0")
    assert text.startswith("[Dictionary HT]\n")
    main, expires = text.split("[Expires HT]\n")
    assert re.search(r"^Hash table \d+ stats \(", main, re.M)
    counts = [int(n) for n in re.findall(r"^ number of elements: (\d+)$", main, re.M)]
    assert sum(counts) == 300
    counts = [int(n) for n in re.findall(r"^ number of elements: (\d+)$", expires, re.M)]
    assert sum(counts) == 1
    assert "No stats available for empty dictionaries" in r.execute_command("DEBUG", "HTSTATS", "5")
    for bad in ("99", "-1", "16"):
        with pytest.raises(redis.ResponseError, match="^Out of range database$"):
            r.execute_command("DEBUG", "HTSTATS", bad)
    with pytest.raises(redis.ResponseError, match="value is not an integer or out of range"):
        r.execute_command("DEBUG", "HTSTATS", "x")
    with pytest.raises(redis.ResponseError, match=re.escape(unknown("htstats"))):
        r.execute_command("DEBUG", "htstats", "0", "full")


def test_htstats_key(r):
    r.sadd("bigset", *range(600))
    r.zadd("bigz", {f"m{i}": i for i in range(200)})
    r.hset("smallh", "f", "v")
    r.rpush("list", 1, 2)
    for key, n in (("bigset", 600), ("bigz", 200)):
        text = r.execute_command("DEBUG", "HTSTATS-KEY", key)
        assert text.startswith("Hash table 0 stats (main hash table):\n")
        assert f"\n number of elements: {n}\n" in text
    for key in ("smallh", "list"):
        with pytest.raises(redis.ResponseError, match="^The value stored at the specified key "
                           "is not represented using an hash table$"):
            r.execute_command("DEBUG", "HTSTATS-KEY", key)
    with pytest.raises(redis.ResponseError, match="^no such key$"):
        r.execute_command("DEBUG", "HTSTATS-KEY", "nokey")


def test_htstats_is_verbatim_in_resp3(raw):
    c = raw()
    c.send(b"HELLO 3\r\n")
    c.read()
    c.send(b"DEBUG HTSTATS 0\r\n")
    assert c.read(5).startswith(b"=")


def test_listpack_and_quicklist(r):
    r.config_set("list-max-listpack-size", 2)
    r.rpush("ql", 1, 2, 3, 4, 5)
    r.hset("h", mapping={"f": "v", "f2": 12})
    r.zadd("z", {"a": 1})
    r.set("s", "x")
    for key in ("h", "z"):
        assert r.execute_command("DEBUG", "LISTPACK", key) == \
            "Listpack structure printed on stdout"
    for key in ("ql", "s"):
        with pytest.raises(redis.ResponseError, match=r"^Not a listpack encoded object\.$"):
            r.execute_command("DEBUG", "LISTPACK", key)
    for extra in ([], ["1"], ["0"], ["x"]):
        assert r.execute_command("DEBUG", "QUICKLIST", "ql", *extra) == \
            "Quicklist structure printed on stdout"
    for key in ("h", "s"):
        with pytest.raises(redis.ResponseError, match=r"^Not a quicklist encoded object\.$"):
            r.execute_command("DEBUG", "QUICKLIST", key)
    for sub in ("LISTPACK", "QUICKLIST"):
        with pytest.raises(redis.ResponseError, match="^no such key$"):
            r.execute_command("DEBUG", sub, "nokey")
    with pytest.raises(redis.ResponseError, match=re.escape(unknown("quicklist"))):
        r.execute_command("DEBUG", "quicklist", "ql", "1", "2")


@pytest.mark.cinnabar_only
def test_layouts_are_printed(r, server):
    # Redis prints them on a buffered stdout too, seen only at exit; Cinnabar flushes.
    r.config_set("list-max-listpack-size", 2)
    r.rpush("ql", "a", "b", "c")
    r.hset("h", "field", "value")
    r.execute_command("DEBUG", "LISTPACK", "h")
    r.execute_command("DEBUG", "QUICKLIST", "ql", "1")
    log = server.read_log()
    assert "{total bytes" in log and "[str]field" in log and "[str]value" in log
    assert "{count : 3}\n{len : 2}\n{fill : 2}\n{compress : 0}" in log
    assert "{container : PACKED, encoding: RAW" in log


def ql_nodes(r, key):
    return int(re.search(r"ql_nodes:(\d+)", r.execute_command("DEBUG", "OBJECT", key)).group(1))


def test_packed_threshold(r, threshold):
    for bad in ("5gb", "abc", "-1", "4gb"):
        with pytest.raises(redis.ResponseError, match="^argument must be a memory value "
                           "bigger than 1 and smaller than 4gb$"):
            r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", bad)
    assert r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "1k") == "OK"
    assert r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "10") == "OK"
    big = "a" * 37
    r.config_set("list-max-listpack-size", 8)
    r.rpush("pl", big, "b")
    assert ql_nodes(r, "pl") == 2  # the large element has a node of its own
    r.rpush("pl", "c")
    r.lpush("pl", "d")
    assert ql_nodes(r, "pl") == 3
    r.rpush("pl", big)
    assert ql_nodes(r, "pl") == 4
    assert r.lrange("pl", 0, -1) == ["d", big, "b", "c", big]
    r.rpush("small", "x", "y", "z", "w")
    r.linsert("small", "BEFORE", "z", big)
    assert r.lrange("small", 0, -1) == ["x", "y", big, "z", "w"]
    assert ql_nodes(r, "small") == 3
    r.lset("small", 0, big)
    assert r.lrange("small", 0, -1) == [big, "y", big, "z", "w"]
    assert ql_nodes(r, "small") == 4
    assert r.execute_command("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0") == "OK"
    r.rpush("after", big, "b")
    assert ql_nodes(r, "after") == 1


def test_stringmatch_test(r):
    assert r.execute_command("DEBUG", "STRINGMATCH-TEST") == \
        "Apparently Redis did not crash: test passed"

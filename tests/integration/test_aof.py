"""AOF persistence, Redis 7 multi-part layout: appenddirname with a manifest, base and incr
files; replay of every type and of commands whose effect is relative or random (expiry as
absolute times, INCRBYFLOAT, SPOP, blocking pops, MULTI/EXEC, scripts, SELECT, FLUSHDB, SWAPDB,
MOVE, COPY, RENAME); BGREWRITEAOF; CONFIG SET appendonly at runtime; appendfsync modes; the RDB
preamble; timestamp annotations; truncated and corrupt files; redis-check-aof; automatic
rewrites; INFO persistence aof_* fields."""
import os
import resource
import threading
import time

import pytest
import redis

from conftest import RawConnection, encode
from persist_util import (INFO_AOF_ON_FIELDS, INFO_PERSISTENCE_FIELDS, assert_same_data,
                          assert_ttls_kept, base_file, bgrewriteaof, db_client, fill_every_type,
                          incr_files, manifest_path, persistence, redis_check_aof,
                          relative_and_random_workload, snapshot, wait_for,
                          wait_persistence_idle, wait_rewrite_done)

AOF = ("--appendonly", "yes")


def aof_server(start_server, *args, **kwargs):
    """A server with AOF on (after its start-up rewrite, if any, is over)."""
    s = start_server(*AOF, *args, **kwargs)
    wait_persistence_idle(s.client())
    return s


def manifest_text(s, dirname="appendonlydir", name="appendonly.aof"):
    with open(manifest_path(s.dir, name, dirname)) as f:
        return f.read()


def aof_files(s, dirname="appendonlydir"):
    return sorted(os.listdir(os.path.join(s.dir, dirname)))


def incr_bytes(s, **kwargs):
    return b"".join(open(p, "rb").read() for p in incr_files(s.dir, **kwargs))


def restart(s, kill=False):
    """Stops (SIGTERM, or SIGKILL) and starts again on the same dir with the same args."""
    s.restart(kill=kill)
    return s.client()


def check_aof_ok(s, **kwargs):
    result = redis_check_aof(manifest_path(s.dir, **kwargs))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All AOF files and manifest are valid" in result.stdout
    return result


# --- Layout ---

def test_fresh_start_creates_multi_part_layout(start_server):
    s = aof_server(start_server)
    c = s.client()
    assert c.config_get("appenddirname") == {"appenddirname": "appendonlydir"}
    assert c.config_get("appendfilename") == {"appendfilename": "appendonly.aof"}
    assert aof_files(s) == ["appendonly.aof.1.base.rdb", "appendonly.aof.1.incr.aof",
                            "appendonly.aof.manifest"]
    assert manifest_text(s) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                                "file appendonly.aof.1.incr.aof seq 1 type i\n")
    with open(base_file(s.dir), "rb") as f:
        assert f.read(5) == b"REDIS"  # aof-use-rdb-preamble yes by default
    c.set("k", "v")
    c.rpush("l", "a", "b")
    s.terminate()
    # The incr file is plain RESP: the SELECT of the database, then the commands.
    assert incr_bytes(s) == (encode("SELECT", "0") + encode("SET", "k", "v")
                             + encode("RPUSH", "l", "a", "b"))
    # No RDB is written in AOF mode without save points.
    assert not os.path.exists(os.path.join(s.dir, "dump.rdb"))


def test_custom_file_and_dir_names(start_server):
    s = aof_server(start_server, "--appendfilename", "my.aof", "--appenddirname", "mydir")
    c = s.client()
    assert aof_files(s, "mydir") == ["my.aof.1.base.rdb", "my.aof.1.incr.aof", "my.aof.manifest"]
    assert manifest_text(s, "mydir", "my.aof") == ("file my.aof.1.base.rdb seq 1 type b\n"
                                                   "file my.aof.1.incr.aof seq 1 type i\n")
    c.set("k", "v")
    c = restart(s)
    assert c.get("k") == "v"
    check_aof_ok(s, appendfilename="my.aof", dirname="mydir")


def test_names_from_config_file(start_server, make_dir):
    d = make_dir()
    s = start_server(config_text=(f'dir "{d}"\nappendonly yes\nappendfilename "conf.aof"\n'
                                  'appenddirname "confdir"\ndbfilename "conf.rdb"\n'), dir=d)
    c = s.client()
    wait_persistence_idle(c)
    assert c.config_get("appendonly") == {"appendonly": "yes"}
    assert sorted(os.listdir(os.path.join(d, "confdir"))) == [
        "conf.aof.1.base.rdb", "conf.aof.1.incr.aof", "conf.aof.manifest"]
    c.set("k", "v")
    assert c.execute_command("SAVE")
    assert os.path.exists(os.path.join(d, "conf.rdb"))
    s.restart()
    assert s.client().get("k") == "v"


def test_names_are_immutable_at_runtime(start_server):
    c = start_server().client()
    for name in ("appendfilename", "appenddirname"):
        with pytest.raises(redis.ResponseError, match="can't set immutable config"):
            c.config_set(name, "x")


def test_aof_wins_over_dump_when_enabled(start_server, make_dir):
    d = make_dir()
    s = start_server(dir=d)
    s.client().set("fromrdb", "1")
    assert s.client().execute_command("SAVE")
    s.stop()
    # Redis: with appendonly yes and no AOF yet, dump.rdb is NOT loaded; the server starts
    # empty (and creates an empty AOF).
    s2 = aof_server(start_server, dir=d)
    assert s2.client().dbsize() == 0
    assert os.path.exists(os.path.join(d, "appendonlydir"))


def test_old_style_single_file_is_migrated(start_server, make_dir):
    d = make_dir()
    with open(os.path.join(d, "appendonly.aof"), "wb") as f:
        f.write(encode("SELECT", "0") + encode("SET", "old", "1") + encode("RPUSH", "l", "x"))
    s = aof_server(start_server, dir=d)
    c = s.client()
    assert c.get("old") == "1" and c.lrange("l", 0, -1) == ["x"]
    # The file moves into the AOF directory as the base, unchanged in name.
    assert not os.path.exists(os.path.join(d, "appendonly.aof"))
    assert manifest_text(s) == ("file appendonly.aof seq 1 type b\n"
                                "file appendonly.aof.1.incr.aof seq 1 type i\n")
    c.set("new", "2")
    c = restart(s)
    assert sorted(c.keys()) == ["l", "new", "old"]


# --- Replay ---

@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_every_type_survives_restart(start_server, kill):
    s = aof_server(start_server)
    fill_every_type(s)
    want = snapshot(s, encodings=True)
    restart(s, kill=kill)
    assert_same_data(snapshot(s, encodings=True), want, compare_encodings=True)
    assert assert_ttls_kept(s, want) >= 20
    check_aof_ok(s)


def test_expiry_is_replayed_as_absolute_time(start_server):
    s = aof_server(start_server)
    c = s.client()
    c.set("expire", "v")
    c.expire("expire", 100)
    c.set("pexpire", "v")
    c.pexpire("pexpire", 100000)
    c.set("setex", "v", ex=100)
    c.setex("setex2", 100, "v")
    c.psetex("psetex", 100000, "v")
    c.set("getex", "v")
    c.getex("getex", ex=100)
    c.set("exat", "v", exat=int(time.time()) + 100)
    c.set("keepttl", "v", ex=100)
    c.set("keepttl", "v2", keepttl=True)
    c.set("persist", "v", ex=100)
    c.persist("persist")
    c.hset("hash", "f", "v")
    c.expire("hash", 100)
    c.set("gone", "v", px=1500)
    keys = ["expire", "pexpire", "setex", "setex2", "psetex", "getex", "exat", "keepttl",
            "hash"]
    deadlines = {k: c.pexpiretime(k) for k in keys}
    gone_at = c.pexpiretime("gone")
    assert s.terminate() == 0
    # Down for a while: relative times replayed as such would move the deadlines.
    wait_for(lambda: time.time() * 1000 > gone_at + 100, timeout=5, what="the short deadline")
    c = restart(s)
    assert {k: c.pexpiretime(k) for k in keys} == deadlines
    assert c.ttl("persist") == -1
    assert c.get("keepttl") == "v2"
    assert c.exists("gone") == 0
    assert c.get("gone") is None
    for k in keys:
        assert 95000 <= c.pttl(k) <= 99000, k


@pytest.mark.parametrize("kill", [False, True], ids=["sigterm", "sigkill"])
def test_relative_and_random_commands_replay_to_the_same_state(start_server, kill):
    s = aof_server(start_server, "--appendfsync", "always")
    c = relative_and_random_workload(s)
    assert c.get("float") == "10.30001"
    want = snapshot(s)
    functions = c.execute_command("FUNCTION", "LIST", "WITHCODE")  # one library
    c = restart(s, kill=kill)
    assert_same_data(snapshot(s), want)
    assert c.execute_command("FUNCTION", "LIST", "WITHCODE") == functions
    assert c.get("float") == "10.30001"
    assert c.get("counter") == "14"
    assert c.lrange("bq", 0, -1) == ["second"]
    assert c.lrange("bdst", 0, -1) == ["x"]
    assert db_client(s, 3, decode_responses=True).get("moveme") == "m"
    assert db_client(s, 7, decode_responses=True).get("in5") == "five"
    assert db_client(s, 6, decode_responses=True).keys() == ["after_flush"]
    assert db_client(s, 8).dbsize() == 0
    check_aof_ok(s)


def test_flushall_is_replayed(start_server):
    s = aof_server(start_server)
    c = s.client()
    c.set("a", "1")
    db_client(s, 4).set("b", "2")
    c.flushall()
    c.set("c", "3")
    c = restart(s)
    assert c.keys() == ["c"]
    assert db_client(s, 4).dbsize() == 0


# --- BGREWRITEAOF ---

def test_bgrewriteaof_new_base_history_removed(start_server):
    s = aof_server(start_server)
    c = s.client()
    fill_every_type(s)
    for i in range(100):
        c.incr("counter")  # history the rewrite compacts
    want = snapshot(s)
    old_incr_size = os.path.getsize(incr_files(s.dir)[0])
    conn = RawConnection(s.host, s.port)
    conn.send(encode("BGREWRITEAOF"))
    assert conn.read() == b"+Background append only file rewriting started\r\n"
    conn.close()
    wait_rewrite_done(c)
    p = persistence(c)
    assert p["aof_last_bgrewrite_status"] == "ok"
    assert p["aof_rewrites"] == "1"
    assert int(p["aof_last_rewrite_time_sec"]) >= 0
    assert manifest_text(s) == ("file appendonly.aof.2.base.rdb seq 2 type b\n"
                                "file appendonly.aof.2.incr.aof seq 2 type i\n")
    # The history files go (asynchronously in Redis).
    wait_for(lambda: aof_files(s) == ["appendonly.aof.2.base.rdb", "appendonly.aof.2.incr.aof",
                                      "appendonly.aof.manifest"], timeout=10,
             what="history files to be removed")
    assert os.path.getsize(incr_files(s.dir)[0]) < old_incr_size
    assert int(p["aof_base_size"]) == os.path.getsize(base_file(s.dir))
    c.set("after", "rewrite")
    want[0][b"after"] = ("string", b"rewrite", -1)
    restart(s)
    assert_same_data(snapshot(s), want)
    check_aof_ok(s)


def test_writes_during_rewrite_are_kept(start_server):
    s = aof_server(start_server, "--appendfsync", "always")
    c = s.client()
    for i in range(40):
        c.set(f"pre{i}", i)
    c.config_set("rdb-key-save-delay", 25000)  # 40 keys x 25 ms: a one-second rewrite
    c.execute_command("BGREWRITEAOF")
    assert persistence(c)["aof_rewrite_in_progress"] == "1"
    written = 0
    while persistence(c)["aof_rewrite_in_progress"] == "1":
        c.set(f"during{written}", written)
        c.incr("during:counter")
        c.delete(f"pre{written % 40}")
        written += 1
    c.config_set("rdb-key-save-delay", 0)
    wait_rewrite_done(c)
    assert written > 0
    assert persistence(c)["aof_last_bgrewrite_status"] == "ok"
    want = snapshot(s)
    restart(s)
    assert_same_data(snapshot(s), want)
    assert s.client().get("during:counter") == str(written)
    check_aof_ok(s)


def test_rewrite_requests_while_busy(start_server):
    s = aof_server(start_server)
    c = s.client()
    for i in range(10):
        c.set(f"k{i}", i)
    c.config_set("rdb-key-save-delay", 100000)
    conn = RawConnection(s.host, s.port)
    conn.send(encode("BGSAVE"))
    assert conn.read() == b"+Background saving started\r\n"
    # A rewrite asked for during a BGSAVE waits for it.
    conn.send(encode("BGREWRITEAOF"))
    assert conn.read() == b"+Background append only file rewriting scheduled\r\n"
    assert persistence(c)["aof_rewrite_scheduled"] == "1"
    c.config_set("rdb-key-save-delay", 0)
    wait_for(lambda: int(persistence(c)["aof_rewrites"]) >= 1, timeout=30,
             what="the scheduled rewrite")
    c.config_set("rdb-key-save-delay", 100000)
    wait_persistence_idle(c)
    conn.send(encode("BGREWRITEAOF"))
    assert conn.read() == b"+Background append only file rewriting started\r\n"
    conn.send(encode("BGREWRITEAOF"))
    assert conn.read() == b"-ERR Background append only file rewriting already in progress\r\n"
    conn.close()
    c.config_set("rdb-key-save-delay", 0)
    wait_persistence_idle(c)
    assert persistence(c)["aof_last_bgrewrite_status"] == "ok"


# --- CONFIG SET appendonly ---

def test_config_set_appendonly_at_runtime(start_server):
    s = start_server()
    c = s.client()
    fill_every_type(s)
    c.set("before", "aof")
    assert not os.path.exists(os.path.join(s.dir, "appendonlydir"))
    assert c.config_set("appendonly", "yes") is True
    # Turning AOF on writes the current data as a base (a rewrite).
    wait_for(lambda: persistence(c)["aof_enabled"] == "1", timeout=30, what="aof_enabled:1")
    wait_rewrite_done(c)
    assert int(persistence(c)["aof_rewrites"]) >= 1
    assert manifest_text(s) == ("file appendonly.aof.1.base.rdb seq 1 type b\n"
                                "file appendonly.aof.1.incr.aof seq 1 type i\n")
    c.set("after", "on")
    want = snapshot(s)
    s.kill()
    s.restart(extra_args=AOF)
    assert_same_data(snapshot(s), want)
    c = s.client()
    # Off: the files stay but nothing more is appended.
    assert c.config_set("appendonly", "no") is True
    assert persistence(c)["aof_enabled"] == "0"
    sizes = {f: os.path.getsize(os.path.join(s.dir, "appendonlydir", f)) for f in aof_files(s)}
    c.set("while", "off")
    c.incr("counter")
    assert {f: os.path.getsize(os.path.join(s.dir, "appendonlydir", f))
            for f in aof_files(s)} == sizes
    s.kill()
    s.restart()  # still --appendonly yes on the command line
    c = s.client()
    assert c.get("while") is None
    assert c.get("after") == "on"


@pytest.mark.cinnabar_only  # Redis refuses a SIGTERM then ("Writing initial AOF, can't exit")
def test_sigterm_during_the_first_rewrite_waits_for_it(start_server):
    # Until the first base is in place no manifest names the writes made meanwhile: the exit
    # waits for it instead of losing them.
    s = start_server()
    c = s.client()
    c.mset({f"k{i}": i for i in range(20)})
    c.config_set("rdb-key-save-delay", 25000)  # 20 keys x 25 ms: half a second
    assert c.config_set("appendonly", "yes") is True
    c.set("during", "rewrite")
    assert persistence(c)["aof_rewrite_in_progress"] == "1"
    assert s.terminate() == 0
    s.restart(extra_args=AOF)
    c = s.client()
    assert c.get("during") == "rewrite"
    assert c.dbsize() == 21


# --- appendfsync ---

@pytest.mark.parametrize("mode", ["always", "everysec", "no"])
def test_appendfsync_modes(start_server, mode):
    s = aof_server(start_server, "--appendfsync", mode)
    c = s.client()
    assert c.config_get("appendfsync") == {"appendfsync": mode}
    for i in range(200):
        c.set(f"k{i}", i)
        c.rpush("l", i)
    # A process crash loses nothing written to the kernel, whatever the fsync policy.
    wait_for(lambda: persistence(c)["aof_pending_bio_fsync"] == "0", timeout=5,
             what="pending fsyncs")
    s.kill()
    c = restart(s)
    assert c.dbsize() == 201
    assert c.llen("l") == 200
    assert c.get("k199") == "199"
    other = {"always": "everysec", "everysec": "no", "no": "always"}[mode]
    assert c.config_set("appendfsync", other) is True
    assert c.config_get("appendfsync") == {"appendfsync": other}
    c.set("after", "switch")
    s.kill()
    assert restart(s).get("after") == "switch"


def acked_writes(c, round_):
    """Writes of every way a reply can come back (a command on another thread, a pipeline whose
    first command is a read, MULTI/EXEC, a blocking pop served by a push, a script); returns
    the markers each acknowledged write put in the AOF."""
    kind = round_ % 5
    marker = f"m{round_:05d}"
    if kind == 0:
        c.set(f"single:{round_}", marker)
    elif kind == 1:
        p = c.pipeline(transaction=False)
        p.get("nothing").set(f"pipe:{round_}", marker).get("nothing").rpush(f"pl:{round_ % 7}", marker)
        p.execute()
    elif kind == 2:
        p = c.pipeline(transaction=True)
        p.set(f"tx:{round_}", marker).incr(f"txc:{round_ % 3}")
        p.execute()
    elif kind == 3:
        c.rpush(f"q:{round_}", marker)
        assert c.blpop([f"q:{round_}"], timeout=1) == (f"q:{round_}", marker)
    else:
        c.eval("return redis.call('SET', KEYS[1], ARGV[1])", 1, f"lua:{round_}", marker)
    return [marker.encode()]


def test_acknowledged_write_is_already_in_the_file(start_server):
    # With `always` Redis writes and fsyncs the AOF before it replies: whatever a client saw
    # acknowledged is in the file by then, on whichever thread it ran and however its reply
    # came back. Another client keeps the AOF writer busy meanwhile. (With everysec Redis may
    # postpone the write up to 2 s while a background fsync runs and reply first; Cinnabar
    # does not, but only what Redis promises is tested here.)
    s = aof_server(start_server, "--appendfsync", "always")
    c = s.client()
    stop = False

    def background():
        b = s.client()
        i = 0
        while not stop:
            b.set(f"bg:{i % 500}", "x" * 200)
            i += 1
        b.close()

    t = threading.Thread(target=background, daemon=True)
    t.start()
    try:
        for r in range(300):
            markers = acked_writes(c, r)
            data = incr_bytes(s)
            for m in markers:
                assert m in data, f"round {r}: {m!r} acknowledged but not in the AOF"
    finally:
        stop = True
        t.join(10)


# --- Write errors (a full disk, here a file size limit) ---

def file_size_limit(server, size):
    """Sets a file size limit (RLIMIT_FSIZE) on a running server: its writes past it fail
    with EFBIG (SIGXFSZ is ignored in servers the tests start, see conftest)."""
    hard = resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE)[1]
    resource.prlimit(server.proc.pid, resource.RLIMIT_FSIZE, (size, hard))


def limit_to_incr_file(s, c, room=40):
    """A file size limit `room` bytes past the AOF's incr file, after a write that makes it
    larger than the server's log (which must still fit)."""
    c.set("padding", "p" * 65536)
    wait_for(lambda: persistence(c)["aof_pending_bio_fsync"] == "0", what="the write")
    file_size_limit(s, os.path.getsize(incr_files(s.dir)[-1]) + room)


def test_write_error_refuses_writes_until_it_clears(start_server):
    s = aof_server(start_server, "--appendfsync", "everysec")
    c = s.client()
    c.set("before", "1")
    limit_to_incr_file(s, c)
    # A write that does not fit: the AOF write fails (and is cut back off the file).
    big = RawConnection(s.host, s.port)
    big.send(encode("SET", "big", "x" * 1000))
    wait_for(lambda: persistence(c)["aof_last_write_status"] == "err", what="the write error")
    # Redis compat: a short write is told as ENOSPC.
    error = "MISCONF Errors writing to the AOF file: No space left on device"
    for cmd in (("SET", "k", "v"), ("PING",), ("DEL", "before")):
        with pytest.raises(redis.ResponseError, match=error):
            c.execute_command(*cmd)
    assert c.get("before") == "1"  # reads go on
    assert c.dbsize() == 3
    # Room again: the write is tried again and goes in; so do the next.
    file_size_limit(s, resource.RLIM_INFINITY)
    wait_for(lambda: persistence(c)["aof_last_write_status"] == "ok", what="the retry")
    assert big.read() == b"+OK\r\n"
    big.close()
    assert c.set("after", "1") is True
    assert c.ping() is True
    wait_for(lambda: persistence(c)["aof_pending_bio_fsync"] == "0", what="the write")
    c = restart(s, kill=True)
    assert c.get("big") == "x" * 1000
    assert c.get("after") == "1"
    check_aof_ok(s)


def test_write_error_with_always_stops_the_server(start_server):
    s = aof_server(start_server, "--appendfsync", "always")
    c = s.client()
    c.set("before", "1")
    limit_to_incr_file(s, c)
    with pytest.raises(redis.ConnectionError):
        c.set("big", "x" * 1000)  # never acknowledged: the server exits instead
    assert s.proc.wait(10) == 1
    assert "Can't recover from AOF write error when the AOF fsync policy is 'always'. " \
           "Exiting..." in s.read_log()
    s.restart()
    c = s.client()
    assert c.get("before") == "1"
    assert c.get("big") is None


# --- aof-use-rdb-preamble, aof-timestamp-enabled ---

@pytest.mark.parametrize("preamble", ["yes", "no"])
def test_rdb_preamble(start_server, preamble):
    s = aof_server(start_server, "--aof-use-rdb-preamble", preamble)
    c = s.client()
    fill_every_type(s)
    bgrewriteaof(c)
    suffix = ".rdb" if preamble == "yes" else ".aof"
    base = base_file(s.dir)
    assert base.endswith("appendonly.aof.2.base" + suffix)
    with open(base, "rb") as f:
        head = f.read(5)
    if preamble == "yes":
        assert head == b"REDIS"
    else:
        assert head.startswith(b"*")  # plain commands
    c.set("tail", "t")
    want = snapshot(s)
    restart(s)
    assert_same_data(snapshot(s), want)
    check_aof_ok(s)


def test_timestamp_annotations(start_server):
    s = aof_server(start_server, "--aof-timestamp-enabled", "yes", "--appendfsync", "always")
    c = s.client()
    c.set("a", "1")
    time.sleep(1.1)  # an annotation is written when the second changes
    c.set("b", "2")
    c.rpush("l", "x")
    data = incr_bytes(s)
    assert b"#TS:" in data
    for line in data.split(b"\r\n"):
        if line.startswith(b"#TS:"):
            assert abs(int(line[4:]) - time.time()) < 60
    check_aof_ok(s)
    c = restart(s)
    assert c.mget("a", "b") == ["1", "2"]
    assert c.lrange("l", 0, -1) == ["x"]
    # Without the option a server still loads an annotated file.
    s.restart(args=list(AOF) + ["--aof-timestamp-enabled", "no"])
    assert s.client().get("b") == "2"


# --- Damaged files ---

def write_then_stop(s, n=5):
    c = s.client()
    for i in range(n):
        c.set(f"k{i}", f"value{i}")
    s.terminate()
    return incr_files(s.dir)[-1]


def truncate_inside_last_command(path):
    data = open(path, "rb").read()
    last = data.rindex(b"*3\r\n$3\r\nSET\r\n")
    cut = last + (len(data) - last) // 2
    with open(path, "wb") as f:
        f.write(data[:cut])
    return last


def test_truncated_last_command_loads_with_aof_load_truncated_yes(start_server):
    s = aof_server(start_server)
    path = write_then_stop(s)
    good_end = truncate_inside_last_command(path)
    s.restart()  # aof-load-truncated yes is the default
    c = s.client()
    assert c.config_get("aof-load-truncated") == {"aof-load-truncated": "yes"}
    assert c.mget(*[f"k{i}" for i in range(5)]) == [
        "value0", "value1", "value2", "value3", None]
    log = s.read_log()
    if s.kind == "redis":
        assert "!!! Warning: short read while loading the AOF file appendonly.aof.1.incr.aof!!!" \
            in log
        assert f"!!! Truncating the AOF appendonly.aof.1.incr.aof at offset {good_end} !!!" \
            in log
        assert "AOF appendonly.aof.1.incr.aof loaded anyway because aof-load-truncated is " \
            "enabled" in log
    # The file was cut back to its last whole command; appending goes on from there.
    assert os.path.getsize(path) == good_end
    c.set("k4", "again")
    c = restart(s, kill=True)  # written before the reply: a process crash loses nothing
    assert c.get("k4") == "again"
    check_aof_ok(s)


def test_truncated_last_command_refused_with_aof_load_truncated_no(start_server):
    s = aof_server(start_server)
    path = write_then_stop(s)
    truncate_inside_last_command(path)
    s.restart(extra_args=["--aof-load-truncated", "no"], expect_start=False)
    assert s.proc.wait(timeout=10) != 0
    assert ("Unexpected end of file reading the append only file appendonly.aof.1.incr.aof. "
            "You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
            "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
            "configuration option to yes and restart the server.") in s.read_log()
    result = redis_check_aof(manifest_path(s.dir))
    assert result.returncode != 0
    assert "is not valid" in result.stdout


def test_truncated_inside_multi_drops_the_whole_transaction(start_server):
    s = aof_server(start_server)
    c = s.client()
    c.set("before", "1")
    tx = c.pipeline(transaction=True)
    tx.set("tx1", "1").set("tx2", "2").set("tx3", "3")
    tx.execute()
    s.terminate()
    path = incr_files(s.dir)[-1]
    data = open(path, "rb").read()
    multi = data.rindex(encode("MULTI"))
    with open(path, "wb") as f:
        f.write(data[:data.rindex(encode("SET", "tx3", "3"))])  # EXEC never written
    s.restart()
    c = s.client()
    assert c.get("before") == "1"
    assert c.mget("tx1", "tx2", "tx3") == [None, None, None]
    if s.kind == "redis":
        assert "Revert incomplete MULTI/EXEC transaction in AOF file" in s.read_log()
    assert os.path.getsize(path) == multi


def test_garbage_in_the_middle_refuses_to_start(start_server):
    s = aof_server(start_server)
    path = write_then_stop(s)
    data = open(path, "rb").read()
    i = data.index(encode("SET", "k2", "value2"))
    with open(path, "wb") as f:
        f.write(data[:i] + b"garbage\r\n" + data[i:])
    s.restart(expect_start=False)
    assert s.proc.wait(timeout=10) != 0
    assert ("Bad file format reading the append only file appendonly.aof.1.incr.aof: make a "
            "backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
            ) in s.read_log()
    # aof-load-truncated does not cover a bad middle.
    s.restart(extra_args=["--aof-load-truncated", "yes"], expect_start=False)
    assert s.proc.wait(timeout=10) != 0
    result = redis_check_aof(manifest_path(s.dir))
    assert result.returncode != 0
    assert "format error" in result.stdout


def test_manifest_naming_a_missing_file_refuses_to_start(start_server):
    s = aof_server(start_server)
    path = write_then_stop(s)
    os.remove(path)
    s.restart(expect_start=False)
    assert s.proc.wait(timeout=10) != 0
    if s.kind == "redis":
        assert "appendonly.aof.1.incr.aof" in s.read_log()


def test_files_pass_redis_check_aof(start_server):
    s = aof_server(start_server)
    fill_every_type(s)
    relative_and_random_workload(s)
    result = check_aof_ok(s)
    assert "Start checking Multi Part AOF" in result.stdout
    assert "BASE AOF appendonly.aof.1.base.rdb is valid" in result.stdout
    assert "INCR AOF appendonly.aof.1.incr.aof is valid" in result.stdout
    bgrewriteaof(s.client())
    result = check_aof_ok(s)
    assert "BASE AOF appendonly.aof.2.base.rdb is valid" in result.stdout


# --- Automatic rewrite ---

def test_auto_rewrite_on_growth(start_server):
    s = aof_server(start_server, "--auto-aof-rewrite-percentage", "100",
                   "--auto-aof-rewrite-min-size", "64kb")
    c = s.client()
    assert c.config_get("auto-aof-rewrite-min-size") == {
        "auto-aof-rewrite-min-size": str(64 * 1024)}
    value = "x" * 1000
    pipe = c.pipeline(transaction=False)
    for i in range(200):  # ~200 kB of the same key rewritten
        pipe.set("k", f"{i}:{value}")
    pipe.execute()
    wait_for(lambda: int(persistence(c)["aof_rewrites"]) >= 1, timeout=10,
             what="the automatic rewrite")
    wait_rewrite_done(c)
    if s.kind == "redis":
        assert "Starting automatic rewriting of AOF on" in s.read_log()
    p = persistence(c)
    assert int(p["aof_current_size"]) < 64 * 1024
    assert base_file(s.dir).endswith("appendonly.aof.2.base.rdb")
    assert restart(s).get("k") == f"199:{value}"


def test_auto_rewrite_disabled_with_zero_percentage(start_server):
    s = aof_server(start_server, "--auto-aof-rewrite-percentage", "0",
                   "--auto-aof-rewrite-min-size", "1kb")
    c = s.client()
    for i in range(100):
        c.set("k", "x" * 1000)
    time.sleep(0.5)
    assert persistence(c)["aof_rewrites"] == "0"


# --- INFO persistence ---

def test_info_persistence_aof_fields(start_server):
    s = aof_server(start_server)
    c = s.client()
    p = persistence(c)
    assert not [f for f in INFO_PERSISTENCE_FIELDS + INFO_AOF_ON_FIELDS if f not in p]
    assert p["aof_enabled"] == "1"
    assert p["aof_last_write_status"] == "ok"
    assert p["aof_last_bgrewrite_status"] == "ok"
    assert p["aof_pending_rewrite"] == "0"
    assert p["aof_delayed_fsync"] == "0"
    # Redis does not count the base file a fresh start creates (an empty dataset's) until it
    # restarts or rewrites: both sizes start at 0 and the current size is the incr part.
    assert p["aof_base_size"] == "0"
    assert p["aof_current_size"] == "0"
    c.set("k", "v" * 1000)
    assert int(persistence(c)["aof_current_size"]) == os.path.getsize(incr_files(s.dir)[0])
    # After a restart the sizes are the files' sizes.
    c = restart(s)
    p = persistence(c)
    base = os.path.getsize(base_file(s.dir))
    assert int(p["aof_base_size"]) == base
    assert int(p["aof_current_size"]) == base + os.path.getsize(incr_files(s.dir)[0])
    c.set("k2", "v" * 1000)
    p = persistence(c)
    assert int(p["aof_current_size"]) == base + os.path.getsize(incr_files(s.dir)[0])
    assert int(p["aof_current_size"]) > 2000
    assert p["aof_buffer_length"] == "0"
    assert p["aof_rewrite_in_progress"] == "0"
    # After a rewrite the base is the new base file.
    bgrewriteaof(c)
    p = persistence(c)
    base = os.path.getsize(base_file(s.dir))
    assert int(p["aof_base_size"]) == base
    assert int(p["aof_current_size"]) == base + os.path.getsize(incr_files(s.dir)[0])
    assert p["aof_rewrites"] == "1"
    assert int(p["aof_last_rewrite_time_sec"]) >= 0

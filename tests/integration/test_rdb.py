"""RDB persistence: SAVE, BGSAVE (SCHEDULE, concurrent requests), LASTSAVE, INFO persistence,
restart recovery of every type with TTLs in every database, save points, dbfilename and dir,
SHUTDOWN SAVE/NOSAVE and SIGTERM, DEBUG RELOAD, stop-writes-on-bgsave-error, rdb-key-save-delay,
redis-check-rdb, and -LOADING while a big dataset loads."""
import json
import os
import random
import shutil
import threading
import time

import pytest
import redis

from conftest import RawConnection, encode
from persist_util import (INFO_AOF_ON_FIELDS, INFO_LOADING_FIELDS, INFO_PERSISTENCE_FIELDS,
                          assert_same_data, assert_ttls_kept, bgsave, db_client, fill_every_type,
                          persistence, populate, redis_check_rdb, snapshot, wait_bgsave_done,
                          wait_for, wait_persistence_idle, wait_rewrite_done)

MISCONF = "MISCONF"


def dump_path(s, name="dump.rdb"):
    return os.path.join(s.dir, name)


def raw_command(s, *args):
    """One command on a fresh connection; returns the raw reply."""
    conn = RawConnection(s.host, s.port)
    try:
        conn.send(encode(*args))
        return conn.read()
    finally:
        conn.close()


def lastsave(c):
    """LASTSAVE as the integer the server sends (redis-py makes a datetime of it)."""
    c.response_callbacks.pop("LASTSAVE", None)
    return c.execute_command("LASTSAVE")


def shutdown(c, **kwargs):
    """SHUTDOWN [SAVE|NOSAVE]; redis-py swallows the closed connection."""
    c.shutdown(**kwargs)


def wait_exit(s, timeout=30):
    return s.proc.wait(timeout=timeout)


def wait_second_tick(since):
    """Sleeps until the wall clock's second is past `since` (a LASTSAVE value), with a margin
    for Redis's clock, which its cron updates only 10 times a second."""
    wait_for(lambda: time.time() >= since + 1.3, timeout=3, what="the next second")


# --- SAVE, LASTSAVE, INFO persistence ---

def test_info_persistence_fields_when_idle(start_server):
    s = start_server()
    c = s.client()
    p = persistence(c)
    missing = [f for f in INFO_PERSISTENCE_FIELDS if f not in p]
    assert not missing, f"INFO persistence lacks {missing}"
    # The AOF size fields are printed only while AOF is on.
    assert not [f for f in INFO_AOF_ON_FIELDS if f in p]
    assert not [f for f in INFO_LOADING_FIELDS if f in p]
    expect = {
        "loading": "0", "async_loading": "0", "rdb_changes_since_last_save": "0",
        "rdb_bgsave_in_progress": "0", "rdb_last_bgsave_status": "ok",
        "rdb_last_bgsave_time_sec": "-1", "rdb_current_bgsave_time_sec": "-1",
        "rdb_saves": "0", "rdb_last_load_keys_expired": "0", "rdb_last_load_keys_loaded": "0",
        "aof_enabled": "0", "aof_rewrite_in_progress": "0", "aof_rewrite_scheduled": "0",
        "aof_last_rewrite_time_sec": "-1", "aof_current_rewrite_time_sec": "-1",
        "aof_last_bgrewrite_status": "ok", "aof_rewrites": "0",
        "aof_rewrites_consecutive_failures": "0", "aof_last_write_status": "ok",
        "module_fork_in_progress": "0", "current_save_keys_processed": "0",
    }
    assert {k: p[k] for k in expect} == expect
    # The last save time starts as the start-up time.
    assert abs(int(p["rdb_last_save_time"]) - time.time()) < 10
    assert int(p["rdb_last_save_time"]) == lastsave(c)
    c.set("a", 1)
    c.set("b", 2)
    c.incr("a")
    c.set("c", 3, px=100000)
    assert persistence(c)["rdb_changes_since_last_save"] == "4"


def test_save_writes_dump_and_lastsave_changes(start_server):
    s = start_server()
    c = s.client()
    assert not os.path.exists(dump_path(s))
    c.mset({"a": "1", "b": "2"})
    c.rpush("l", "x")
    assert persistence(c)["rdb_changes_since_last_save"] == "3"
    before = lastsave(c)
    wait_second_tick(before)
    assert c.execute_command("SAVE")
    assert os.path.getsize(dump_path(s)) > 0
    with open(dump_path(s), "rb") as f:
        assert f.read(5) == b"REDIS"
    after = lastsave(c)
    assert after > before
    assert abs(after - time.time()) < 5
    p = persistence(c)
    assert p["rdb_changes_since_last_save"] == "0"
    assert int(p["rdb_last_save_time"]) == after
    assert p["rdb_saves"] == "1"
    assert p["rdb_bgsave_in_progress"] == "0"
    assert p["rdb_last_bgsave_status"] == "ok"
    # A foreground SAVE is not a background save: its time field stays -1.
    assert p["rdb_last_bgsave_time_sec"] == "-1"
    # No temp file left behind.
    assert [f for f in os.listdir(s.dir) if f.startswith("temp-")] == []


def test_save_reply_is_ok(start_server):
    s = start_server()
    assert raw_command(s, "SAVE") == b"+OK\r\n"
    assert raw_command(s, "BGSAVE") == b"+Background saving started\r\n"
    wait_bgsave_done(s.client())


# --- BGSAVE ---

def test_bgsave_in_progress_and_concurrent_requests(start_server):
    s = start_server()
    c = s.client()
    for i in range(10):
        c.set(f"k{i}", i)
    # 10 keys x 100 ms: the background save takes about a second.
    c.config_set("rdb-key-save-delay", 100000)
    assert raw_command(s, "BGSAVE") == b"+Background saving started\r\n"
    p = persistence(c)
    assert p["rdb_bgsave_in_progress"] == "1"
    assert int(p["rdb_current_bgsave_time_sec"]) >= 0
    assert p["rdb_saves"] == "1"  # counted when it starts
    busy = b"-ERR Background save already in progress\r\n"
    assert raw_command(s, "BGSAVE") == busy
    # SCHEDULE only helps while an AOF rewrite (not a save) runs.
    assert raw_command(s, "BGSAVE", "SCHEDULE") == busy
    assert raw_command(s, "SAVE") == busy
    # Reads and writes go on meanwhile.
    assert c.set("during", "bgsave") is True
    assert c.get("k3") == "3"
    c.config_set("rdb-key-save-delay", 0)
    wait_bgsave_done(c)
    p = persistence(c)
    assert p["rdb_last_bgsave_status"] == "ok"
    assert int(p["rdb_last_bgsave_time_sec"]) >= 0
    assert p["rdb_current_bgsave_time_sec"] == "-1"
    # The write during the save came after the snapshot: still one change to save.
    assert p["rdb_changes_since_last_save"] == "1"
    assert [f for f in os.listdir(s.dir) if f.startswith("temp-")] == []
    # The dump holds the data as of the BGSAVE, not the write made during it.
    s.restart()
    c = s.client()
    assert c.dbsize() == 10
    assert c.get("during") is None
    assert c.get("k9") == "9"


def test_bgsave_is_a_point_in_time_image(start_server, make_dir):
    # Writes from several clients while a slowed BGSAVE runs: overwrites, deletes, big
    # hashes changed, and as many new keys again (the table grows and splits meanwhile).
    # The dump holds every key exactly as it was when BGSAVE started, and nothing newer.
    s = start_server()
    c = s.client()
    # 40 MB: more than a save buffers ahead of its file (16 MB), so its scan is still going
    # while the slowed file writes go on.
    n, hashes = 40000, 20
    pad = "p" * 1000
    p = c.pipeline(transaction=False)
    for i in range(n):
        p.set(f"k:{i}", f"v0:{i}:{pad}")
    for j in range(hashes):
        p.hset(f"h:{j}", mapping={f"f{x}": f"{j}:{x}" for x in range(300)})
    p.execute()
    c.config_set("rdb-key-save-delay", 20)  # about 0.8 s for the 40,020 keys
    assert c.bgsave()
    stop = threading.Event()
    counts = []

    def writer(w):
        wc = s.client()
        rnd = random.Random(w)
        done = 0
        while not stop.is_set():
            i = rnd.randrange(n)
            op = done % 4
            if op == 0:
                wc.set(f"k:{i}", f"v1:{i}")
            elif op == 1:
                wc.delete(f"k:{i}")
            elif op == 2:
                wc.hset(f"h:{i % hashes}", f"f{i % 300}", "changed")
            else:
                wc.set(f"new:{w}:{done}", "x")
            done += 1
        counts.append(done)
        wc.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    try:
        wait_bgsave_done(c)
    finally:
        stop.set()
        for t in threads:
            t.join(10)
    assert persistence(c)["rdb_last_bgsave_status"] == "ok"
    assert sum(counts) > 1000, counts  # the save took long enough to overlap them
    d = make_dir()
    shutil.copy(dump_path(s), os.path.join(d, "dump.rdb"))
    r = start_server(dir=d).client()
    assert r.dbsize() == n + hashes
    got = r.mget([f"k:{i}" for i in range(n)])
    assert [i for i, v in enumerate(got) if v != f"v0:{i}:{pad}"] == []
    for j in range(hashes):
        assert r.hgetall(f"h:{j}") == {f"f{x}": f"{j}:{x}" for x in range(300)}
    assert r.keys("new:*") == []


def test_bgsave_schedule_during_aof_rewrite(start_server):
    s = start_server("--appendonly", "yes")
    c = s.client()
    wait_persistence_idle(c)
    for i in range(10):
        c.set(f"k{i}", i)
    c.config_set("rdb-key-save-delay", 100000)
    assert raw_command(s, "BGREWRITEAOF") == (
        b"+Background append only file rewriting started\r\n")
    assert raw_command(s, "BGSAVE") == (
        b"-ERR Another child process is active (AOF?): can't BGSAVE right now. "
        b"Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.\r\n")
    assert raw_command(s, "BGSAVE", "SCHEDULE") == b"+Background saving scheduled\r\n"
    assert raw_command(s, "BGSAVE", "SCHEDULE") == b"+Background saving scheduled\r\n"
    # Redis: SAVE refuses only while a background *save* runs, not during an AOF rewrite.
    c.config_set("rdb-key-save-delay", 0)
    # The scheduled save runs once the rewrite is over.
    wait_for(lambda: os.path.exists(dump_path(s)), timeout=30, what="the scheduled BGSAVE")
    wait_persistence_idle(c)
    p = persistence(c)
    assert p["rdb_last_bgsave_status"] == "ok"
    assert p["aof_last_bgrewrite_status"] == "ok"
    assert int(p["rdb_saves"]) >= 1


def test_bgsave_in_multi_is_scheduled(start_server):
    s = start_server()
    c = s.client()
    c.set("k", "v")
    conn = RawConnection(s.host, s.port)
    conn.send(encode("MULTI") + encode("BGSAVE") + encode("SET", "k2", "v2") + encode("EXEC"))
    assert [conn.read() for _ in range(3)] == [b"+OK\r\n", b"+QUEUED\r\n", b"+QUEUED\r\n"]
    # Redis schedules a BGSAVE issued inside MULTI (it does not fork inside EXEC).
    assert conn.read() == b"*2\r\n+Background saving scheduled\r\n+OK\r\n"
    conn.close()
    wait_for(lambda: os.path.exists(dump_path(s)), timeout=10, what="the scheduled BGSAVE")
    wait_bgsave_done(c)
    s.restart()
    assert s.client().mget("k", "k2") == ["v", "v2"]


def test_rdb_key_save_delay_progress_fields(start_server):
    s = start_server()
    c = s.client()
    for i in range(20):
        c.set(f"k{i}", i)
    c.config_set("rdb-key-save-delay", 50000)
    assert c.config_get("rdb-key-save-delay") == {"rdb-key-save-delay": "50000"}
    c.execute_command("BGSAVE")
    p = persistence(c)
    assert p["rdb_bgsave_in_progress"] == "1"
    assert p["current_save_keys_total"] == "20"
    c.config_set("rdb-key-save-delay", 0)
    wait_bgsave_done(c)
    assert persistence(c)["rdb_last_bgsave_status"] == "ok"


# --- Restart recovery ---

def restart_by(s, c, how):
    """Makes the server persist and restart on the same dir, the way `how` says."""
    if how == "SAVE":
        assert c.execute_command("SAVE")
        s.restart()
    elif how == "BGSAVE":
        bgsave(c)
        s.restart()
    elif how == "SHUTDOWN SAVE":
        shutdown(c, save=True)
        assert wait_exit(s) == 0
        s.restart()
    elif how == "SIGTERM with save points":
        c.config_set("save", "3600 1")
        assert s.terminate() == 0
        s.restart()
    else:
        raise AssertionError(how)


@pytest.mark.parametrize("how", ["SAVE", "BGSAVE", "SHUTDOWN SAVE", "SIGTERM with save points"])
def test_restart_recovers_every_type(start_server, how):
    s = start_server()
    c = s.client()
    fill_every_type(s)
    want = snapshot(s, encodings=True)
    sizes = [db_client(s, db).dbsize() for db in range(16)]
    restart_by(s, c, how)
    got = snapshot(s, encodings=True)
    assert_same_data(got, want, compare_encodings=True)
    assert [db_client(s, db).dbsize() for db in range(16)] == sizes
    assert assert_ttls_kept(s, want) >= 5 + 15
    c = s.client()
    p = persistence(c)
    assert p["loading"] == "0"
    assert p["rdb_last_load_keys_loaded"] == str(sum(sizes))
    assert p["rdb_last_load_keys_expired"] == "0"
    assert p["rdb_changes_since_last_save"] == "0"
    # Integers stay integers, numbers too big for int64 do not.
    assert c.object("encoding", "str:int") == "int"
    assert c.object("encoding", "str:bignum") != "int"
    assert c.incr("str:int") == 12346
    assert c.lrange("list:large", 127, 129) == ["e127", "e128", "e129"]
    assert c.zscore("zset:small", "d") == float("inf")
    assert c.zscore("zset:small", "e") == float("-inf")


def test_expired_keys_are_not_loaded(start_server):
    s = start_server()
    c = s.client()
    c.set("short", "gone soon", px=700)
    c.set("long", "stays", px=600000)
    c.set("plain", "stays")
    assert c.execute_command("SAVE")
    deadline = c.pexpiretime("short")
    assert s.terminate() == 0
    # Past the short key's deadline before the dump is read again.
    wait_for(lambda: time.time() * 1000 > deadline + 50, timeout=5, what="the deadline")
    s.restart()
    c = s.client()
    assert c.exists("short") == 0
    assert c.get("long") == "stays"
    assert 590000 < c.pttl("long") <= 600000
    assert c.dbsize() == 2
    p = persistence(c)
    assert p["rdb_last_load_keys_loaded"] == "2"
    assert p["rdb_last_load_keys_expired"] == "1"


def test_ttl_keeps_counting_down_while_stopped(start_server):
    s = start_server()
    c = s.client()
    c.set("k", "v", ex=100)
    c.pexpire("p", 1)  # missing key: no-op
    assert c.execute_command("SAVE")
    deadline = c.pexpiretime("k")
    assert s.terminate() == 0
    time.sleep(1.1)
    s.restart()
    c = s.client()
    # The deadline is absolute: the time the server was down counts.
    assert c.pexpiretime("k") == deadline
    assert 97000 <= c.pttl("k") <= 99000


def test_app_style_restart(start_server):
    """An application's data: chat rooms as JSON strings with a TTL, users as hashes with
    TTLs, a room index zset; the server restarts (SIGTERM with save points, as deployed)."""
    s = start_server("--save", "3600 1 300 100")
    c = s.client()
    rooms = {}
    for i in range(50):
        room = {"id": i, "name": f"room {i}", "members": [f"user:{j}" for j in range(i % 7)],
                "topic": "ünïcødé ✓" if i % 2 else None, "created": 1700000000 + i}
        rooms[i] = room
        c.set(f"room:{i}", json.dumps(room), ex=3600 + i)
        c.zadd("rooms:by-created", {f"room:{i}": room["created"]})
    for j in range(100):
        c.hset(f"user:{j}", mapping={"name": f"User {j}", "email": f"u{j}@example.com",
                                     "logins": j * 3, "last_room": f"room:{j % 50}"})
        if j % 3 == 0:
            c.expire(f"user:{j}", 1800 + j)
    c.hincrby("user:5", "logins", 10)
    c.sadd("online", *[f"user:{j}" for j in range(0, 100, 10)])
    c.set("session:abc", "user:7", px=120000)
    want = snapshot(s)
    assert s.terminate() == 0
    assert os.path.exists(dump_path(s))
    s.restart()
    c = s.client()
    assert_same_data(snapshot(s), want)
    for i, room in rooms.items():
        assert json.loads(c.get(f"room:{i}")) == room
        assert 3590 + i <= c.ttl(f"room:{i}") <= 3600 + i
    assert c.hget("user:5", "logins") == "25"
    assert c.ttl("user:3") > 1790 and c.ttl("user:4") == -1
    assert 110000 < c.pttl("session:abc") <= 120000
    assert c.zrange("rooms:by-created", 0, 2) == ["room:0", "room:1", "room:2"]


# --- Save points ---

def test_save_point_triggers_background_save(start_server):
    s = start_server("--save", "1 1")
    c = s.client()
    assert c.config_get("save") == {"save": "1 1"}
    c.set("k", "v")
    # "1 1": one change and at least a second since the last save.
    wait_for(lambda: os.path.exists(dump_path(s)), timeout=5, what="the save point")
    wait_bgsave_done(c)
    p = persistence(c)
    assert p["rdb_changes_since_last_save"] == "0"
    assert p["rdb_last_bgsave_status"] == "ok"
    assert int(p["rdb_saves"]) >= 1
    assert "changes in 1 seconds. Saving..." in s.read_log() or s.kind != "redis"
    s.kill()
    s.restart()
    assert s.client().get("k") == "v"


def test_empty_save_disables_and_config_set_save(start_server):
    s = start_server()  # the harness passes --save ""
    c = s.client()
    assert c.config_get("save") == {"save": ""}
    c.set("k", "v")
    time.sleep(2.2)
    assert not os.path.exists(dump_path(s))
    assert persistence(c)["rdb_changes_since_last_save"] == "1"
    assert c.config_set("save", "1 1") is True
    assert c.config_get("save") == {"save": "1 1"}
    wait_for(lambda: os.path.exists(dump_path(s)), timeout=5, what="the new save point")
    wait_bgsave_done(c)
    assert c.config_set("save", "100 10 20 5") is True
    assert c.config_get("save") == {"save": "100 10 20 5"}
    assert c.config_set("save", "") is True
    assert c.config_get("save") == {"save": ""}
    with pytest.raises(redis.ResponseError):
        c.config_set("save", "1")  # pairs only
    with pytest.raises(redis.ResponseError):
        c.config_set("save", "x 1")


def test_save_points_from_command_line_accumulate(start_server):
    # Each --save adds save points; `--save ""` (the harness's, first) clears them.
    s = start_server("--save", "100 1", "--save", "200 2")
    assert s.client().config_get("save") == {"save": "100 1 200 2"}


def test_save_point_from_config_file(start_server, make_dir):
    d = make_dir()
    s = start_server(config_text=f"dir {d}\nsave 1 1\ndbfilename conf.rdb\n", dir=d)
    c = s.client()
    assert c.config_get("save") == {"save": "1 1"}
    assert c.config_get("dir") == {"dir": os.path.realpath(d)}
    c.set("k", "v")
    wait_for(lambda: os.path.exists(os.path.join(d, "conf.rdb")), timeout=5,
             what="the save point")
    wait_bgsave_done(c)


# --- dbfilename and dir ---

def test_dbfilename_and_dir(start_server, make_dir):
    d = make_dir()
    s = start_server("--dbfilename", "custom.rdb", "--enable-protected-configs", "yes", dir=d)
    c = s.client()
    assert c.config_get("dbfilename") == {"dbfilename": "custom.rdb"}
    c.set("k", "1")
    assert c.execute_command("SAVE")
    assert sorted(f for f in os.listdir(d) if f.endswith(".rdb")) == ["custom.rdb"]
    # Another name, another directory at runtime (protected configs: allowed here).
    c.config_set("dbfilename", "second.rdb")
    d2 = make_dir()
    c.config_set("dir", d2)
    assert c.config_get("dir") == {"dir": os.path.realpath(d2)}
    c.set("k", "2")
    assert c.execute_command("SAVE")
    assert os.path.exists(os.path.join(d2, "second.rdb"))
    assert not os.path.exists(os.path.join(d, "second.rdb"))
    with pytest.raises(redis.ResponseError, match="dbfilename can't be a path, just a filename"):
        c.config_set("dbfilename", "a/b.rdb")
    with pytest.raises(redis.ResponseError, match="No such file or directory"):
        c.config_set("dir", os.path.join(d2, "missing"))
    s.stop()
    # A new server on the first dir with the first name gets the first dump.
    s1 = start_server("--dbfilename", "custom.rdb", dir=d)
    assert s1.client().get("k") == "1"
    s2 = start_server("--dbfilename", "second.rdb", dir=d2)
    assert s2.client().get("k") == "2"


def test_dir_and_dbfilename_are_protected_by_default(start_server):
    s = start_server()
    c = s.client()
    with pytest.raises(redis.ResponseError, match="can't set protected config"):
        c.config_set("dir", "/tmp")
    with pytest.raises(redis.ResponseError, match="can't set protected config"):
        c.config_set("dbfilename", "x.rdb")


def test_dbfilename_path_refused_at_start(start_server):
    s = start_server("--dbfilename", "a/b.rdb", expect_start=False)
    assert s.proc.wait(timeout=10) != 0
    assert "dbfilename can't be a path, just a filename" in s.read_log()


# --- Shutdown ---

@pytest.mark.parametrize("save_points,how,saves", [
    ("", "SHUTDOWN SAVE", True),
    ("3600 1", "SHUTDOWN NOSAVE", False),
    ("3600 1", "SHUTDOWN", True),
    ("", "SHUTDOWN", False),
    ("3600 1", "SIGTERM", True),
    ("", "SIGTERM", False),
])
def test_shutdown_saves_as_redis(start_server, save_points, how, saves):
    s = start_server("--save", save_points) if save_points else start_server()
    c = s.client()
    c.set("k", "v")
    if how == "SIGTERM":
        assert s.terminate() == 0
    else:
        kwargs = {"SHUTDOWN SAVE": {"save": True}, "SHUTDOWN NOSAVE": {"nosave": True},
                  "SHUTDOWN": {}}[how]
        shutdown(c, **kwargs)
        assert wait_exit(s) == 0
    assert os.path.exists(dump_path(s)) == saves
    s.restart()
    assert s.client().get("k") == ("v" if saves else None)


def test_shutdown_nosave_keeps_previous_dump(start_server):
    s = start_server("--save", "3600 1")
    c = s.client()
    c.set("k", "old")
    assert c.execute_command("SAVE")
    c.set("k", "new")
    shutdown(c, nosave=True)
    wait_exit(s)
    s.restart()
    assert s.client().get("k") == "old"


# --- DEBUG RELOAD ---

def test_debug_reload_keeps_data(start_server):
    s = start_server()
    c = s.client()
    fill_every_type(s)
    want = snapshot(s)
    assert c.execute_command("DEBUG", "RELOAD") == "OK"
    assert os.path.exists(dump_path(s))
    assert_same_data(snapshot(s), want)
    assert persistence(c)["rdb_changes_since_last_save"] == "0"
    # NOSAVE: loads the existing dump, dropping what was written since.
    c.set("later", "x")
    assert c.execute_command("DEBUG", "RELOAD", "NOSAVE") == "OK"
    assert c.get("later") is None
    assert_same_data(snapshot(s), want)


# --- stop-writes-on-bgsave-error ---

def block_dump(s):
    """Makes saving fail even for root: dump.rdb becomes a non-empty directory, so renaming the
    temp file onto it fails (EISDIR)."""
    path = dump_path(s)
    if os.path.isdir(path):
        return
    if os.path.exists(path):
        os.remove(path)
    os.makedirs(os.path.join(path, "blocker"))


def unblock_dump(s):
    shutil.rmtree(dump_path(s), ignore_errors=True)


def test_stop_writes_on_bgsave_error(start_server):
    s = start_server("--save", "3600 1")  # MISCONF applies only while save points are set
    c = s.client()
    c.set("k", "v")
    block_dump(s)
    try:
        # SAVE fails with a bare "-ERR" (no message) in Redis, and does not count as a
        # background save error.
        assert raw_command(s, "SAVE") == b"-ERR\r\n"
        assert persistence(c)["rdb_last_bgsave_status"] == "ok"
        assert c.set("k", "after failed SAVE") is True
        assert c.execute_command("BGSAVE")
        wait_bgsave_done(c)
        assert persistence(c)["rdb_last_bgsave_status"] == "err"
        with pytest.raises(redis.ResponseError, match=f"^{MISCONF} "):
            c.set("k", "x")
        with pytest.raises(redis.ResponseError, match=f"^{MISCONF} "):
            c.delete("k")
        # Redis denies PING too while in this state (it is how replicas/monitoring notice).
        reply = raw_command(s, "PING")
        assert reply.startswith(b"-MISCONF Redis is configured to save RDB snapshots, "
                                b"but it's currently unable to persist to disk.")
        # Reads still work.
        assert c.get("k") == "after failed SAVE"
        assert c.dbsize() == 1
        # Turning the option off lets writes in; on again, refused again.
        c.config_set("stop-writes-on-bgsave-error", "no")
        assert c.set("k2", "ok") is True
        c.config_set("stop-writes-on-bgsave-error", "yes")
        with pytest.raises(redis.ResponseError, match=f"^{MISCONF} "):
            c.set("k3", "x")
        # No save points: no refusal either.
        c.config_set("save", "")
        assert c.set("k3", "x") is True
        c.config_set("save", "3600 1")
        with pytest.raises(redis.ResponseError, match=f"^{MISCONF} "):
            c.set("k4", "x")
    finally:
        unblock_dump(s)
    # A successful save clears the error.
    assert c.execute_command("BGSAVE")
    wait_bgsave_done(c)
    assert persistence(c)["rdb_last_bgsave_status"] == "ok"
    assert c.set("k4", "x") is True
    assert c.ping() is True


def test_failed_bgsave_leaves_no_temp_file_and_keeps_running(start_server):
    s = start_server()
    c = s.client()
    c.set("k", "v")
    block_dump(s)
    try:
        c.execute_command("BGSAVE")
        wait_bgsave_done(c)
        assert persistence(c)["rdb_last_bgsave_status"] == "err"
        wait_for(lambda: not [f for f in os.listdir(s.dir) if f.startswith("temp-")],
                 timeout=5, what="the temp file to be removed")
        if s.kind == "redis":
            assert "Background saving error" in s.read_log()
    finally:
        unblock_dump(s)
    assert c.get("k") == "v"


# --- redis-check-rdb ---

def test_dump_passes_redis_check_rdb(start_server):
    s = start_server()
    c = s.client()
    n = fill_every_type(s)
    c.execute_command("FUNCTION", "LOAD",
                      "#!lua name=checklib\nredis.register_function('f', "
                      "function(keys, args) return 1 end)")
    assert c.execute_command("SAVE")
    result = redis_check_rdb(dump_path(s))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RDB looks OK!" in result.stdout
    assert f"[info] {n} keys read" in result.stdout


def test_empty_dump_loads(start_server):
    s = start_server()
    c = s.client()
    assert c.execute_command("SAVE")
    assert redis_check_rdb(dump_path(s)).returncode == 0
    s.restart()
    assert s.client().dbsize() == 0


def test_corrupt_dump_refuses_to_start(start_server, make_dir):
    d = make_dir()
    s = start_server(dir=d)
    c = s.client()
    c.set("k", "v" * 100)
    assert c.execute_command("SAVE")
    s.stop()
    path = os.path.join(d, "dump.rdb")
    data = bytearray(open(path, "rb").read())
    data[len(data) // 2] ^= 0xFF  # breaks the value and the checksum
    open(path, "wb").write(bytes(data))
    s2 = start_server(dir=d, expect_start=False)
    assert s2.proc.wait(timeout=10) != 0
    if s2.kind == "redis":
        assert "Short read or OOM loading DB. Unrecoverable error, aborting now." in \
            s2.read_log() or "Wrong RDB checksum" in s2.read_log()


# --- LOADING ---

@pytest.mark.slow
def test_loading_error_while_a_big_dataset_loads(start_server, make_dir):
    d = make_dir()
    keys = 1_000_000
    s = start_server(dir=d)
    c = s.client()
    populate(c, keys)
    assert c.dbsize() == keys
    assert c.execute_command("SAVE")
    s.stop()

    s2 = start_server(dir=d, expect_start=False)
    loading_errors = []
    loading_info = None
    other = []
    deadline = time.time() + 120
    while True:
        assert time.time() < deadline, "the server did not finish loading"
        assert s2.proc.poll() is None, s2.read_log()
        try:
            conn = RawConnection(s2.host, s2.port)
        except OSError:
            time.sleep(0.005)
            continue
        try:
            conn.send(encode("PING"))
            reply = conn.read(timeout=30)
            if reply == b"+PONG\r\n":
                break
            if reply.startswith(b"-LOADING"):
                loading_errors.append(reply)
                # INFO is served while loading.
                conn.send(encode("INFO", "persistence"))
                text = conn.read(timeout=30).decode()
                if "loading:1" in text and loading_info is None:
                    loading_info = text
            else:
                other.append(reply[:200])
        except OSError:
            pass  # the server closed an early connection
        finally:
            conn.close()
        time.sleep(0.005)
    assert not other, other
    for line in loading_errors:
        assert line == b"-LOADING Redis is loading the dataset in memory\r\n"
    if loading_info is not None:
        fields = dict(ln.split(":", 1) for ln in loading_info.split("\r\n")
                      if ":" in ln and not ln.startswith("#"))
        assert fields["loading"] == "1"
        missing = [f for f in INFO_LOADING_FIELDS if f not in fields]
        assert not missing, missing
        assert int(fields["loading_total_bytes"]) == os.path.getsize(os.path.join(d, "dump.rdb"))
        assert 0 <= float(fields["loading_loaded_perc"].rstrip("%")) <= 100
    # (If loading was too fast to be seen, nothing above was observed: not a failure.)
    print("LOADING replies seen:", len(loading_errors), "INFO while loading:", bool(loading_info))
    c = s2.client()
    assert c.dbsize() == keys
    assert c.get("key:123456") == "value:123456"
    p = persistence(c)
    assert p["loading"] == "0"
    assert p["rdb_last_load_keys_loaded"] == str(keys)


# --- DEBUG DIGEST, DIGEST-VALUE, OBJECT ---

def test_debug_digest_is_redis_signature(start_server):
    s = start_server()
    c = s.client()
    assert c.execute_command("DEBUG", "DIGEST") == "0" * 40
    c.zadd("z", {"a": 1.5, "b": 3})
    c.set("s", "12")
    # Redis 7.0's values for the same data (debug.c's mixDigest / xorDigest).
    assert c.execute_command("DEBUG", "DIGEST-VALUE", "z", "s", "missing") == [
        "45d6ad4927dfc6cebf79cc59126b1dd327889c17",
        "655ac46b180ad2f61a3cee25f0b1780fa2ec879a",
        "0" * 40]
    assert c.execute_command("DEBUG", "DIGEST") == "82d489127cb08aa9bc19e9f42e831ac8660979b5"
    fill_every_type(s)
    before = c.execute_command("DEBUG", "DIGEST")
    assert c.execute_command("DEBUG", "RELOAD") == "OK"
    assert c.execute_command("DEBUG", "DIGEST") == before


def test_debug_object_and_reload_options(start_server):
    s = start_server()
    c = s.client()
    c.set("s", "12")
    c.rpush("l", "a", "b", "c")
    line = c.execute_command("DEBUG", "OBJECT", "s")
    assert "refcount:2147483647 encoding:int serializedlength:2 " in line
    line = c.execute_command("DEBUG", "OBJECT", "l")
    assert "ql_nodes:1 ql_avg_node:3.00 ql_listpack_max:-2 ql_compressed:0" in line
    with pytest.raises(redis.ResponseError, match="^no such key$"):
        c.execute_command("DEBUG", "OBJECT", "nokey")
    with pytest.raises(redis.ResponseError,
                       match="^DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options."):
        c.execute_command("DEBUG", "RELOAD", "foo")
    assert c.execute_command("DEBUG", "RELOAD") == "OK"
    c.set("s", "changed")
    c.set("extra", "1")
    # NOSAVE NOFLUSH MERGE: the file's keys replace those in memory, the others stay.
    assert c.execute_command("DEBUG", "RELOAD", "NOSAVE", "NOFLUSH", "MERGE") == "OK"
    assert c.get("s") == "12" and c.get("extra") == "1"

"""Crash safety: SIGKILL (of the server's whole process group) under a write load from 8
client threads, restart on the same directory, and check what survived against what the
clients saw acknowledged. Also kill -9 during BGSAVE (the previous dump stays) and during
BGREWRITEAOF (the AOF stays loadable), and a torn last record after a crash."""
import os
import threading
import time

import pytest
import redis

from persist_util import (base_file, bgrewriteaof, incr_files, persistence, snapshot, assert_same_data,
                          wait_for, wait_persistence_idle)

CLIENTS = 8


class Writer(threading.Thread):
    """One client's own sequence of acknowledged writes. Position q (0, 1, 2, ...) is command
    q // 3 + 1 = n of kind q % 3: INCR ctr:<i> (replies n), RPUSH list:<i> n (replies n), then
    SET k:<i>:<n> n. `acked` is the number of positions acknowledged; ack_times[q] the time
    position q was acknowledged."""

    def __init__(self, server, idx, start_pos, stop):
        super().__init__(daemon=True)
        self.server = server
        self.idx = idx
        self.start_pos = start_pos
        self.pos = start_pos
        self.acked = start_pos
        self.ack_times = {}
        self.stop_event = stop
        self.error = None

    def run(self):
        c = redis.Redis(host=self.server.host, port=self.server.port, socket_timeout=10)
        i = self.idx
        try:
            while not self.stop_event.is_set():
                q = self.pos
                n = q // 3 + 1
                op = q % 3
                if op == 0:
                    got = c.incr(f"ctr:{i}")
                elif op == 1:
                    got = c.rpush(f"list:{i}", n)
                else:
                    got = c.set(f"k:{i}:{n}", n)
                    got = n if got is True else got
                if got != n:
                    self.error = f"client {i} position {q}: reply {got!r}, expected {n}"
                    return
                self.pos = q + 1
                self.acked = q + 1
                self.ack_times[q] = time.monotonic()
        except (redis.ConnectionError, redis.TimeoutError, OSError):
            pass  # the server was killed
        except redis.ResponseError as e:
            self.error = f"client {i}: {e}"
        finally:
            c.close()

    def acked_before(self, when):
        """The number of positions acknowledged before monotonic time `when`."""
        done = [q for q, t in self.ack_times.items() if t < when]
        return max(done) + 1 if done else self.start_pos


def recovered_position(c, i):
    """The prefix of client i's sequence present in the server, checked for consistency: the
    list holds 1..m in order, k:i:1..s exist and nothing after, and (counter, m, s) is the
    state after exactly p = counter + m + s positions."""
    counter = int(c.get(f"ctr:{i}") or 0)
    items = [int(x) for x in c.lrange(f"list:{i}", 0, -1)]
    m = len(items)
    assert items == list(range(1, m + 1)), f"client {i}: list has gaps or disorder"
    present = 0
    probe = m + 2
    values = c.mget([f"k:{i}:{n}" for n in range(1, probe + 1)])
    for n, v in enumerate(values, 1):
        if v is None:
            break
        assert int(v) == n
        present = n
    assert all(v is None for v in values[present:]), f"client {i}: a gap in k:{i}:*"
    p = counter + m + present
    assert (counter, m, present) == ((p + 2) // 3, (p + 1) // 3, p // 3), (
        f"client {i}: counter {counter}, list {m}, keys {present} is no prefix state")
    return p, (counter > 0) + (m > 0) + present


def verify(server, writers, kill_time=None, mode="always", extra_keys=0, torn=0):
    """Checks every client's recovered prefix against what it saw acknowledged; returns the
    recovered positions."""
    c = server.client()
    positions = []
    keys = extra_keys
    short = 0
    for w in writers:
        p, nkeys = recovered_position(c, w.idx)
        keys += nkeys
        # Never more than what was sent: at most one command in flight per client.
        assert p <= w.acked + 1, f"client {w.idx}: {p} positions present, {w.acked} acked"
        if mode == "always":
            if p < w.acked:
                short += 1
                assert p == w.acked - 1 and torn, (
                    f"client {w.idx}: acknowledged {w.acked} positions, {p} present")
        elif mode == "everysec" and kill_time is not None:
            # Nothing acknowledged more than ~2 s before the kill may be missing.
            need = w.acked_before(kill_time - 2.5)
            assert p >= need, f"client {w.idx}: acknowledged {need} by kill-2.5s, {p} present"
        positions.append(p)
    assert short <= torn
    assert c.dbsize() == keys, "keys outside the clients' sequences"
    c.close()
    return positions


def run_load(server, positions, duration, before_kill=None):
    """Starts the writers from `positions`, lets them run `duration` seconds, calls
    before_kill() if given, SIGKILLs the server and returns (writers, kill time)."""
    stop = threading.Event()
    writers = [Writer(server, i, positions[i], stop) for i in range(CLIENTS)]
    for w in writers:
        w.start()
    time.sleep(duration)
    if before_kill is not None:
        before_kill()
    kill_time = time.monotonic()
    server.kill()
    stop.set()
    for w in writers:
        w.join(15)
        assert not w.is_alive()
        assert w.error is None, w.error
    assert sum(w.acked - positions[w.idx] for w in writers) > 0, "no write was acknowledged"
    return writers, kill_time


CASES = {
    # name: (args, round durations)
    "always": (["--appendfsync", "always"], [0.4] * 8),
    "everysec": (["--appendfsync", "everysec"], [0.4, 0.4, 3.0, 0.4, 0.4]),
    "no": (["--appendfsync", "no"], [0.4] * 4),
    # Frequent automatic rewrites: kills land before, during and after them.
    "always-autorewrite": (["--appendfsync", "always", "--auto-aof-rewrite-min-size", "32kb",
                            "--auto-aof-rewrite-percentage", "50"], [0.6] * 4),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", list(CASES))
def test_kill_under_write_load(start_server, make_dir, case):
    args, durations = CASES[case]
    mode = "always" if case.startswith("always") else case
    d = make_dir()
    s = start_server("--appendonly", "yes", *args, dir=d)
    wait_persistence_idle(s.client())
    positions = [0] * CLIENTS
    for duration in durations:
        writers, kill_time = run_load(s, positions, duration)
        s.restart()
        positions = verify(s, writers, kill_time, mode)
    if case == "always-autorewrite":
        # Rewrites happened along the way (the base's sequence number moved on).
        assert not base_file(d).endswith(".1.base.rdb"), base_file(d)
    # The directory is still sound for a clean stop and start.
    s.restart()
    assert verify(s, writers, None, "no") == positions


@pytest.mark.slow
def test_kill_during_bgsave_keeps_previous_dump(start_server, make_dir):
    d = make_dir()
    s = start_server(dir=d)
    c = s.client()
    for i in range(40):
        c.set(f"a:{i}", f"old{i}")
    c.rpush("list", *range(100))
    assert c.execute_command("SAVE")
    want = snapshot(s)
    dump = os.path.join(d, "dump.rdb")
    old_bytes = open(dump, "rb").read()
    for i in range(40):
        c.set(f"a:{i}", f"new{i}")
    c.set("only:new", "1")
    c.config_set("rdb-key-save-delay", 100000)  # 42 keys x 100 ms
    c.execute_command("BGSAVE")
    assert persistence(c)["rdb_bgsave_in_progress"] == "1"
    time.sleep(0.5)  # part of the keys written to the temp file
    s.kill()
    assert open(dump, "rb").read() == old_bytes
    s.restart()
    assert_same_data(snapshot(s), want)
    c = s.client()
    assert c.get("only:new") is None
    # A later save works and replaces the dump; leftover temp files are not loaded.
    c.set("later", "x")
    assert c.execute_command("SAVE")
    s.restart(kill=True)
    assert s.client().get("later") == "x"
    assert s.client().dbsize() == 42


@pytest.mark.slow
def test_kill_during_bgrewriteaof_keeps_aof_loadable(start_server, make_dir):
    d = make_dir()
    s = start_server("--appendonly", "yes", "--appendfsync", "always", dir=d)
    c = s.client()
    wait_persistence_idle(c)
    pipe = c.pipeline(transaction=False)
    for i in range(1000):
        pipe.set(f"pre:{i}", i)
    pipe.execute()
    positions = [0] * CLIENTS
    for round_ in range(2):
        c = s.client()
        c.config_set("rdb-key-save-delay", 3000)  # >= 1000 keys x 3 ms: a 3 s rewrite

        def start_rewrite():
            c.execute_command("BGREWRITEAOF")
            wait_for(lambda: persistence(c)["aof_rewrite_in_progress"] == "1", timeout=5,
                     what="the rewrite to start")
            time.sleep(0.4)  # writes go on during the rewrite

        writers, kill_time = run_load(s, positions, 0.4, before_kill=start_rewrite)
        s.restart()
        positions = verify(s, writers, kill_time, "always", extra_keys=1000)
        assert s.client().get("pre:999") == "999"
    # And a rewrite that finishes leaves the same data.
    c = s.client()
    c.config_set("rdb-key-save-delay", 0)
    bgrewriteaof(c)
    s.restart(kill=True)
    assert verify(s, writers, None, "always", extra_keys=1000) == positions


@pytest.mark.slow
def test_torn_last_record_after_kill(start_server, make_dir):
    d = make_dir()
    s = start_server("--appendonly", "yes", "--appendfsync", "always", dir=d)
    wait_persistence_idle(s.client())
    positions = [0] * CLIENTS
    for round_ in range(2):
        writers, kill_time = run_load(s, positions, 0.4)
        # What a crash in the middle of a write leaves: the last command cut in half.
        path = incr_files(d)[-1]
        data = open(path, "rb").read()
        last = data.rindex(b"\r\n*") + 2
        with open(path, "wb") as f:
            f.write(data[:last + (len(data) - last) // 2])
        s.restart()  # aof-load-truncated yes (the default)
        if s.kind == "redis":
            assert "loaded anyway because aof-load-truncated is enabled" in s.read_log()
        positions = verify(s, writers, kill_time, "always", torn=1)

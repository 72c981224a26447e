"""redis-cli's monitoring modes (Debian's redis-cli 7.0.15) against the server: --stat,
--latency, --latency-history, --latency-dist and -r/-i repetition. Each run is bounded (it
exits by itself in --raw mode, or is stopped after about a second) and its output parsed."""
import re
import shutil
import subprocess
import time

import pytest

CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
STDBUF = shutil.which("stdbuf")

pytestmark = pytest.mark.skipif(not __import__("os").access(CLI, __import__("os").X_OK),
                                reason="redis-cli is not installed")


def cli(server, *args, timeout=10):
    r = subprocess.run([CLI, "-h", server.host, "-p", str(server.port), *args],
                       capture_output=True, timeout=timeout, text=True)
    assert r.returncode == 0, r.stderr
    return r.stdout


def cli_for(server, seconds, *args):
    """Runs a mode that never ends by itself for `seconds`, then stops it; its output."""
    cmd = [CLI, "-h", server.host, "-p", str(server.port), *args]
    if STDBUF:
        cmd = [STDBUF, "-o0"] + cmd  # redis-cli's stdout is block-buffered into a pipe
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(seconds)
    p.terminate()
    out, _ = p.communicate(timeout=10)
    return out


@pytest.mark.skipif(STDBUF is None, reason="stdbuf (coreutils) is missing")
def test_stat(server, r):
    r.mset({"a": 1, "b": 2, "c": 3})
    r.select(0)
    out = cli_for(server, 1.3, "--stat", "-i", "0.2")
    lines = out.splitlines()
    assert lines[0].split()[:2] == ["-------", "data"]
    assert lines[1].split() == ["keys", "mem", "clients", "blocked", "requests", "connections"]
    rows = [l.split() for l in lines[2:] if l.strip()]
    assert len(rows) >= 3
    for row in rows:
        assert row[0] == "3"  # keys: the dbN lines of INFO keyspace, summed
        assert re.fullmatch(r"[\d.]+[BKMG]", row[1])  # used_memory, human-readable
        assert int(row[2]) >= 2  # connected_clients: this test's and redis-cli's
        assert row[3] == "0"  # blocked_clients
        assert re.fullmatch(r"\d+", row[4]) and re.fullmatch(r"\(\+\d+\)", row[5])
        assert int(row[6]) >= 2  # total_connections_received
    # total_commands_processed grows by redis-cli's own INFO each interval.
    assert int(rows[-1][4]) > int(rows[0][4])


def test_stat_counts_every_database(server, r):
    r.set("k", 1)
    r.execute_command("SELECT", 3)
    r.set("k3", 1)
    r.set("k4", 1)
    try:
        out = cli_for(server, 0.8, "--stat", "-i", "0.2") if STDBUF else ""
        if STDBUF:
            rows = [l.split() for l in out.splitlines()[2:] if l.strip()]
            assert rows and all(row[0] == "3" for row in rows)
    finally:
        r.flushall()
        r.execute_command("SELECT", 0)


def test_latency_raw(server):
    out = cli(server, "--latency", "--raw", "-i", "0.3")
    fields = out.split()
    assert len(fields) == 4, out
    lo, hi, avg, samples = int(fields[0]), int(fields[1]), float(fields[2]), int(fields[3])
    assert 0 <= lo <= hi and lo <= avg <= max(hi, 1) and samples > 0


def test_latency_history(server):
    out = cli_for(server, 1.5, "--latency-history", "-i", "0.4", "--raw")
    ranges = [l for l in out.splitlines() if "seconds range" in l]
    assert len(ranges) >= 2, out
    samples = [l.split() for l in out.splitlines() if re.fullmatch(r"[\d. ]+", l.strip() or "x")]
    assert samples and all(len(s) == 4 for s in samples)


def test_latency_dist(server):
    out = cli_for(server, 1.3, "--latency-dist", "-i", "0.4")
    assert ". - * #          .01 .125 .25 .5 milliseconds" in out
    assert "From 0 to 100%:" in out


def test_repeat_with_interval(server, r):
    out = cli(server, "-r", "3", "-i", "0.1", "INCR", "cli:counter")
    assert out.split() == ["1", "2", "3"]
    assert r.get("cli:counter") == "3"
    out = cli(server, "-r", "2", "PING")
    assert out.split() == ["PONG", "PONG"]

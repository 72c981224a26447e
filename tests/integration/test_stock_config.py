"""Debian's stock /etc/redis/redis.conf (redis-server 7.0.15's package) starts the server
unchanged, and each of its directives reads back as Redis reads it. Only the port, the
directory, the log and the pid file are moved (on the command line, which overrides the
file) so that the test runs beside a real installation."""
import os
import time
import subprocess

import pytest
import redis

from test_config_file import launch, wait_port
from conftest import free_port

STOCK = "/etc/redis/redis.conf"


def stock_directives():
    """The file's directive lines as (name, value) pairs, repeated names joined."""
    out = {}
    with open(STOCK) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            name, _, value = line.partition(" ")
            out.setdefault(name, []).append(value.strip().strip('"'))
    return out


@pytest.fixture
def stock_server(pytestconfig, tmp_path):
    if not os.path.exists(STOCK):
        pytest.skip("no stock redis.conf (Debian's redis-server package)")
    port = free_port()
    args = [STOCK, "--port", str(port), "--daemonize", "no", "--dir", str(tmp_path),
            "--logfile", "", "--pidfile", str(tmp_path / "server.pid")]
    proc = launch(pytestconfig, args, tmp_path)
    try:
        wait_port(port, proc)
        c = redis.Redis(port=port, decode_responses=True)
        # Listening comes before loading ends (-LOADING meanwhile), on both servers.
        deadline = time.time() + 10
        while True:
            try:
                c.ping()
                break
            except redis.exceptions.BusyLoadingError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        yield proc, c
    finally:
        proc.terminate()
        proc.wait(timeout=10)


OVERRIDDEN = {"port", "daemonize", "dir", "logfile", "pidfile"}


def test_every_stock_directive_reads_back(stock_server):
    _, c = stock_server
    assert c.ping() is True
    for name, values in stock_directives().items():
        if name in OVERRIDDEN:
            continue
        got = c.config_get(name)[name]
        if name == "client-output-buffer-limit":
            assert got == "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        elif name == "auto-aof-rewrite-min-size":
            assert got == str(64 * 1024 * 1024)
        else:
            assert got == values[-1], name


def test_stock_title_shows_the_listening_address(stock_server):
    proc, c = stock_server
    port = c.config_get("port")["port"]
    with open(f"/proc/{proc.pid}/cmdline", "rb") as f:
        title = f.read().rstrip(b"\0").split(b"\0")[0].decode()
    assert title.endswith(f" 127.0.0.1:{port}")
    c.config_set("proc-title-template", "{title} port {port}")
    with open(f"/proc/{proc.pid}/cmdline", "rb") as f:
        title = f.read().rstrip(b"\0").split(b"\0")[0].decode()
    assert title.endswith(f" port {port}")


def test_proc_title_template_errors(r):
    for bad in ["{bogus}", "{title", "a {} b", "{TITLE}"]:
        with pytest.raises(redis.ResponseError, match="template format is invalid or "
                                                      "contains unknown variables"):
            r.config_set("proc-title-template", bad)
    saved = r.config_get("proc-title-template")["proc-title-template"]
    try:
        r.config_set("proc-title-template", "a {{b}} } {port}{port}")
    finally:
        r.config_set("proc-title-template", saved)


def test_oom_score_adj(stock_server):
    proc, c = stock_server

    def score():
        with open(f"/proc/{proc.pid}/oom_score_adj") as f:
            return int(f.read())

    base = score()
    c.config_set("oom-score-adj-values", "100 200 300")
    c.config_set("oom-score-adj", "absolute")
    assert score() == 100
    c.config_set("oom-score-adj", "relative")
    assert score() == min(1000, base + 100)
    c.config_set("oom-score-adj", "no")
    assert score() == base
    with pytest.raises(redis.ResponseError, match="must be one of the following: no, yes, "
                                                  "relative, absolute"):
        c.config_set("oom-score-adj", "maybe")
    with pytest.raises(redis.ResponseError, match="wrong number of arguments"):
        c.config_set("oom-score-adj-values", "1 2")
    with pytest.raises(redis.ResponseError, match="Invalid oom-score-adj-values, elements "
                                                  "must be between -2000 and 2000."):
        c.config_set("oom-score-adj-values", "1 2 3000")
    assert c.config_get("oom-score-adj-values")["oom-score-adj-values"] == "100 200 300"


def test_replication_settings_are_a_primarys(r):
    assert r.config_get("repl-diskless-load") == {"repl-diskless-load": "disabled"}
    with pytest.raises(redis.ResponseError, match="must be one of the following: disabled, "
                                                  "on-empty-db, swapdb"):
        r.config_set("repl-diskless-load", "foo")
    assert r.config_get("slave-priority") == {"slave-priority": "100"}
    with pytest.raises(redis.ResponseError, match="argument must be between 0 and 2147483647"):
        r.config_set("replica-priority", "-1")

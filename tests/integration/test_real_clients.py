"""Real clients as applications use them: redis-cli (mass insertion, --scan, -n, --raw) and a
redis-py ConnectionPool shared by threads."""
import shutil
import subprocess
import threading

import pytest
import redis

REDIS_CLI = shutil.which("redis-cli")
needs_cli = pytest.mark.skipif(REDIS_CLI is None, reason="redis-cli (redis-tools) not installed")


def cli(server, *args, stdin=None, status=0):
    p = subprocess.run([REDIS_CLI, "-h", server.host, "-p", str(server.port), *args],
                       input=stdin, capture_output=True, timeout=60)
    assert p.returncode == status, p.stderr
    return p.stdout.decode() + p.stderr.decode()


def resp(*args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


@needs_cli
def test_mass_insertion_with_pipe(r, server):
    n = 100_000
    data = b"".join(resp("SET", f"key:{i}", f"value:{i}") for i in range(n))
    out = cli(server, "--pipe", stdin=data)
    assert "errors: 0, replies: 100000" in out
    assert r.dbsize() == n
    assert r.get("key:0") == "value:0"
    assert r.get("key:99999") == "value:99999"


@needs_cli
def test_pipe_counts_errors(r, server):
    data = resp("SET", "a", "1") + resp("INCR", "a") + resp("GET") + resp("NOSUCH", "x")
    out = cli(server, "--pipe", stdin=data, status=1)  # --pipe exits 1 when a reply was an error
    assert "ERR wrong number of arguments for 'get' command\n" in out
    assert "ERR unknown command 'NOSUCH', with args beginning with: 'x' \n" in out
    assert "errors: 2, replies: 4" in out
    assert r.get("a") == "2"


@needs_cli
def test_scan_with_pattern(r, server):
    for i in range(300):
        r.set(f"user:{i}", i)
        r.set(f"other:{i}", i)
    out = cli(server, "--scan", "--pattern", "user:*")
    keys = out.split()
    assert sorted(keys) == sorted(f"user:{i}" for i in range(300))
    out = cli(server, "--scan", "--pattern", "user:1?")
    assert sorted(out.split()) == sorted(f"user:1{i}" for i in range(10))


@needs_cli
def test_database_selection(r, server):
    assert cli(server, "-n", "2", "SET", "where", "db2").strip() == "OK"
    assert r.get("where") is None
    r.execute_command("SELECT", "2")
    assert r.get("where") == "db2"
    assert cli(server, "-n", "2", "--raw", "GET", "where") == "db2\n"
    assert cli(server, "-n", "2", "DBSIZE") == "1\n"


@needs_cli
def test_raw_health_check(r, server):
    assert cli(server, "--raw", "incr", "health") == "1\n"
    assert cli(server, "--raw", "incr", "health") == "2\n"
    assert cli(server, "ping") == "PONG\n"
    assert cli(server, "--raw", "GET", "nosuchkey") == "\n"
    # Errors are printed, with the exit status still 0 (redis-cli's behaviour).
    assert cli(server, "--raw", "INCR").startswith("ERR wrong number of arguments for 'incr'")


@needs_cli
def test_cli_info_and_multiline(r, server):
    out = cli(server, "INFO", "server")
    assert "redis_version:7.0.15" in out
    r.set("a", "x")
    out = cli(server, "MGET", "a", "missing")
    assert out == "x\n\n"  # not a tty: raw-ish output, nil as an empty line


def test_connection_pool_from_threads(server):
    pool = redis.ConnectionPool(host=server.host, port=server.port, max_connections=16)
    client = redis.Redis(connection_pool=pool)
    client.delete("shared")
    failures = []

    def work():
        try:
            for _ in range(1000):
                client.incr("shared")
        except Exception as e:  # noqa: BLE001 (reported below)
            failures.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert int(client.get("shared")) == 8000
    pool.disconnect()


def test_blocking_pool_threads_with_pipelines(server):
    pool = redis.BlockingConnectionPool(host=server.host, port=server.port, max_connections=4,
                                        timeout=20, decode_responses=True)
    client = redis.Redis(connection_pool=pool)
    client.delete("hits")
    failures = []

    def work(n):
        try:
            for i in range(100):
                p = client.pipeline(transaction=False)
                p.set(f"t{n}:{i}", i)
                p.incr("hits")
                p.get(f"t{n}:{i}")
                res = p.execute()
                assert res[0] is True and res[1] > 0 and res[2] == str(i)
        except Exception as e:  # noqa: BLE001
            failures.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert int(client.get("hits")) == 800
    pool.disconnect()

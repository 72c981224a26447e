"""GET /metrics (Prometheus text format) on the RESP port and on metrics-port, and Redis's
cross-protocol guard (POST / Host: drop the connection) that stays around it."""
import base64
import http.client
import re
import shutil
import socket
import subprocess
import time

import pytest

from conftest import free_port


def raw(port, data, timeout=2.0):
    """Sends `data`, returns (bytes received, whether the server closed)."""
    s = socket.create_connection(("127.0.0.1", port))
    s.settimeout(timeout)
    s.sendall(data)
    out = b""
    try:
        while True:
            d = s.recv(65536)
            if not d:
                return out, True
            out += d
    except socket.timeout:
        return out, False
    finally:
        s.close()


def scrape(port, path="/metrics", headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    c.request("GET", path, headers=headers or {})
    resp = c.getresponse()
    body = resp.read().decode()
    c.close()
    return resp, body


def samples(text):
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


# --- Redis's behaviour, on both servers ---

@pytest.mark.parametrize("data", [b"POST / HTTP/1.1\r\nHost: x\r\n\r\n", b"PING\r\nHost: x\r\n",
                                  b"*1\r\n$4\r\npost\r\n", b"host: a\r\nPING\r\n"])
def test_post_and_host_close_the_connection(server, data):
    out, closed = raw(server.port, data)
    assert closed and out == b""


def test_inline_get_of_a_path_key_stays_resp(server, r):
    r.set("/metrics", "v")
    out, closed = raw(server.port, b"GET /metrics\r\n", timeout=0.5)
    assert out == b"$1\r\nv\r\n" and not closed
    r.delete("/metrics")


# --- Cinnabar's endpoint ---

@pytest.mark.cinnabar_only
def test_metrics_match_info(server, r):
    r.flushall()
    r.config_set("latency-tracking", "yes")
    r.execute_command("CONFIG", "RESETSTAT")
    r.set("a", 1)
    r.set("b", 2)
    r.get("a")
    for _ in range(50):  # connections of earlier tests may still be closing
        resp, body = scrape(server.port)
        info = r.info("everything")
        if samples(body)["cinnabar_connected_clients"] == info["connected_clients"] + 1:
            break
        time.sleep(0.05)
    assert resp.status == 200
    assert resp.getheader("Content-Type").startswith("text/plain; version=0.0.4")
    assert int(resp.getheader("Content-Length")) == len(body.encode())
    m = samples(body)
    # The scraping connection is a client too.
    assert m["cinnabar_connected_clients"] == info["connected_clients"] + 1
    assert m['cinnabar_db_keys{db="0"}'] == info["db0"]["keys"] == 2
    assert m['cinnabar_commands_total{cmd="set"}'] == info["cmdstat_set"]["calls"] == 2
    assert m['cinnabar_commands_total{cmd="get"}'] == 1
    assert m['cinnabar_command_duration_seconds_count{cmd="set"}'] == 2
    assert m['cinnabar_command_duration_seconds_bucket{cmd="set",le="+Inf"}'] == 2
    assert m["cinnabar_used_memory_bytes"] > 0
    assert "# TYPE cinnabar_commands_total counter" in body
    assert "# TYPE cinnabar_command_duration_seconds histogram" in body


@pytest.mark.cinnabar_only
def test_errorstats_and_rejected_calls(server, r):
    r.execute_command("CONFIG", "RESETSTAT")
    with pytest.raises(Exception):
        r.execute_command("GET")
    m = samples(scrape(server.port)[1])
    assert m['cinnabar_errors_total{error="ERR"}'] == 1
    assert m['cinnabar_commands_rejected_calls_total{cmd="get"}'] == 1


@pytest.mark.cinnabar_only
@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool (Debian's prometheus)")
def test_promtool_accepts_the_exposition(server, r):
    r.config_set("latency-tracking", "yes")
    r.set("x", 1)
    r.get("x")
    body = scrape(server.port)[1]
    p = subprocess.run(["promtool", "check", "metrics"], input=body.encode(),
                       capture_output=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


@pytest.mark.cinnabar_only
def test_keep_alive_bad_path_and_resp_alongside(server, r):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=5)
    for path in ["/metrics", "/nope", "/metrics"]:
        c.request("GET", path)
        resp = c.getresponse()
        resp.read()
        assert resp.status == (200 if path == "/metrics" else 404)
        assert resp.getheader("Connection") == "keep-alive"
    c.close()
    assert r.ping()
    out, closed = raw(server.port, b"GET /metrics HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 OK\r\n") and closed  # 1.0: closes after


@pytest.mark.cinnabar_only
def test_half_request_then_rest(server):
    s = socket.create_connection(("127.0.0.1", server.port))
    s.settimeout(5)
    for part in [b"GET /met", b"rics HTTP/1.1\r", b"\nHost: x\r\n", b"Connection: close\r\n\r\n"]:
        s.sendall(part)
        time.sleep(0.05)
    out = b""
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
    s.close()
    assert out.startswith(b"HTTP/1.1 200 OK\r\n") and b"cinnabar_connected_clients" in out


@pytest.mark.cinnabar_only
def test_huge_header_is_refused(server, r):
    out, closed = raw(server.port, b"GET /metrics HTTP/1.1\r\nX: " + b"a" * 9000)
    assert out.startswith(b"HTTP/1.1 431 ") and closed
    assert r.ping()


@pytest.mark.cinnabar_only
def test_unfinished_head_times_out(start_server):
    s = start_server("--timeout", "1")
    sock = socket.create_connection(("127.0.0.1", s.port))
    sock.settimeout(5)
    sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
    assert sock.recv(100) == b""  # closed by `timeout`, nothing answered
    sock.close()


@pytest.mark.cinnabar_only
def test_metrics_port(start_server):
    mport = free_port()
    s = start_server("--metrics-port", str(mport))
    c = s.client()
    assert c.config_get("metrics-port") == {"metrics-port": str(mport)}
    resp, body = scrape(mport)
    assert resp.status == 200 and "cinnabar_connected_clients" in body
    assert scrape(mport, "/x")[0].status == 404
    out, closed = raw(mport, b"POST /metrics HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 405 ") and closed
    out, closed = raw(mport, b"PING\r\n")
    assert out.startswith(b"HTTP/1.1 400 ") and closed  # HTTP only
    other = free_port()
    assert c.config_set("metrics-port", other)
    time.sleep(0.2)
    assert scrape(other)[0].status == 200
    assert c.config_set("metrics-port", 0)
    time.sleep(0.2)
    with pytest.raises(OSError):
        scrape(other)


@pytest.mark.cinnabar_only
def test_requirepass_needs_basic_auth_on_the_main_port(start_server):
    mport = free_port()
    s = start_server("--requirepass", "sekret", "--metrics-port", str(mport))
    resp, _ = scrape(s.port)
    assert resp.status == 401 and resp.getheader("WWW-Authenticate").startswith("Basic")
    bad = base64.b64encode(b"default:wrong").decode()
    assert scrape(s.port, headers={"Authorization": "Basic " + bad})[0].status == 401
    good = base64.b64encode(b"default:sekret").decode()
    assert scrape(s.port, headers={"Authorization": "Basic " + good})[0].status == 200
    assert scrape(mport)[0].status == 200  # metrics-port: for a trusted network

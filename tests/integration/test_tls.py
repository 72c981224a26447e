"""TLS as Redis 7.0 has it: tls-port beside port, client certificates (tls-auth-clients yes,
optional, no), redis-cli --tls and redis-py ssl=True, large pipelines both ways, pub/sub,
bad input on either port, CONFIG GET/SET of tls-* and a context reload. Certificates are
made by the test with the openssl command."""
import os
import shutil
import socket
import ssl
import subprocess
import time

import pytest
import redis

from conftest import free_port


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


@pytest.fixture(scope="module")
def certs(tmp_path_factory):
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    d = str(tmp_path_factory.mktemp("tls-certs"))
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out",
             "ca.crt", "-days", "2", "-subj", "/CN=Cinnabar Test CA", cwd=d)
    for name in ("server", "client"):
        _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key", "-out",
                 f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.crt", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.crt", "-days", "2", cwd=d)
    # A certificate from another CA: refused where a client certificate is required.
    _openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other.key", "-out",
             "other.crt", "-days", "2", "-subj", "/CN=stranger", cwd=d)
    return {n: os.path.join(d, n) for n in
            ("ca.crt", "server.crt", "server.key", "client.crt", "client.key", "other.crt",
             "other.key")}


def tls_args(certs, tls_port, auth="yes"):
    return ["--tls-port", str(tls_port), "--tls-cert-file", certs["server.crt"],
            "--tls-key-file", certs["server.key"], "--tls-ca-cert-file", certs["ca.crt"],
            "--tls-auth-clients", auth]


@pytest.fixture
def tls_server(start_server, certs):
    """A server with a plain port and a TLS port (client certificates required)."""
    port = free_port()
    s = start_server(*tls_args(certs, port))
    s.tls_port = port
    return s


def tls_client(s, certs, with_cert=True, **kwargs):
    kw = dict(host="127.0.0.1", port=s.tls_port, ssl=True, ssl_ca_certs=certs["ca.crt"],
              ssl_cert_reqs="required", ssl_check_hostname=False, decode_responses=True,
              socket_timeout=20)
    if with_cert:
        kw.update(ssl_certfile=certs["client.crt"], ssl_keyfile=certs["client.key"])
    kw.update(kwargs)
    return redis.Redis(**kw)


def redis_cli(s, certs, *args, with_cert=True):
    cmd = ["redis-cli", "--tls", "--cacert", certs["ca.crt"], "-p", str(s.tls_port)]
    if with_cert:
        cmd += ["--cert", certs["client.crt"], "--key", certs["client.key"]]
    return subprocess.run(cmd + list(args), capture_output=True, text=True, timeout=20)


def test_redis_cli_over_tls(tls_server, certs):
    assert redis_cli(tls_server, certs, "PING").stdout.strip() == "PONG"
    assert redis_cli(tls_server, certs, "SET", "k", "v").stdout.strip() == "OK"
    assert redis_cli(tls_server, certs, "GET", "k").stdout.strip() == "v"
    # The plain port serves the same data at the same time.
    assert tls_server.client().get("k") == "v"


def test_redis_py_with_client_cert(tls_server, certs):
    c = tls_client(tls_server, certs)
    assert c.ping() is True
    c.set("a", "1")
    assert c.incr("a") == 2
    info = c.info("server")
    assert info["tcp_port"] == tls_server.port


def test_client_cert_required(tls_server, certs):
    with pytest.raises(redis.ConnectionError):
        tls_client(tls_server, certs, with_cert=False).ping()
    with pytest.raises(redis.ConnectionError):
        tls_client(tls_server, certs, ssl_certfile=certs["other.crt"],
                   ssl_keyfile=certs["other.key"]).ping()
    time.sleep(0.2)
    log = tls_server.read_log()
    assert "Error accepting a client connection: " in log
    assert "peer did not return a certificate" in log
    # The server goes on serving.
    assert tls_client(tls_server, certs).ping() is True


@pytest.mark.parametrize("auth", ["optional", "no"])
def test_client_cert_optional_or_not_asked(start_server, certs, auth):
    port = free_port()
    s = start_server(*tls_args(certs, port, auth))
    s.tls_port = port
    assert tls_client(s, certs, with_cert=False).ping() is True
    if auth == "optional":
        assert tls_client(s, certs).ping() is True
        with pytest.raises(redis.ConnectionError):  # a certificate given is checked
            tls_client(s, certs, ssl_certfile=certs["other.crt"],
                       ssl_keyfile=certs["other.key"]).ping()


def test_large_pipelines_both_ways(tls_server, certs):
    c = tls_client(tls_server, certs)
    big = "x" * (3 << 20)
    p = c.pipeline(transaction=False)
    for i in range(8):
        p.set(f"big:{i}", big + str(i))
    assert p.execute() == [True] * 8
    p = c.pipeline(transaction=False)
    for i in range(8):
        p.get(f"big:{i}")
    got = p.execute()
    assert [len(v) for v in got] == [len(big) + 1] * 8
    assert all(v.endswith(str(i)) for i, v in enumerate(got))
    p = c.pipeline(transaction=False)
    for i in range(20000):
        p.incr("counter")
    assert p.execute()[-1] == 20000


def test_pubsub_over_tls(tls_server, certs):
    sub = tls_client(tls_server, certs).pubsub()
    sub.subscribe("news")
    assert sub.get_message(timeout=5)["type"] == "subscribe"
    assert tls_server.client().publish("news", "plain") == 1
    assert tls_client(tls_server, certs).publish("news", "tls") == 1
    got = []
    deadline = time.time() + 5
    while len(got) < 2 and time.time() < deadline:
        m = sub.get_message(timeout=1)
        if m and m["type"] == "message":
            got.append(m["data"])
    assert got == ["plain", "tls"]
    sub.close()


def test_plaintext_client_on_tls_port(tls_server, certs):
    with socket.create_connection(("127.0.0.1", tls_server.tls_port), timeout=5) as s:
        s.sendall(b"*1\r\n$4\r\nPING\r\n")
        data = b""
        try:
            while True:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
    assert b"PONG" not in data
    time.sleep(0.2)
    assert "wrong version number" in tls_server.read_log()
    assert tls_client(tls_server, certs).ping() is True


def test_tls_client_on_plain_port_gets_nothing_useful(tls_server, certs):
    ctx = ssl.create_default_context(cafile=certs["ca.crt"])
    ctx.check_hostname = False
    raw = socket.create_connection(("127.0.0.1", tls_server.port), timeout=2)
    with pytest.raises((ssl.SSLError, OSError)):
        ctx.wrap_socket(raw).do_handshake()
    raw.close()
    assert tls_server.client().ping() is True


def test_stalled_handshake_does_not_block_others(tls_server, certs):
    stalled = socket.create_connection(("127.0.0.1", tls_server.tls_port), timeout=5)
    stalled.sendall(b"\x16\x03\x01\x00\xff")  # a record header, then nothing
    half = socket.create_connection(("127.0.0.1", tls_server.tls_port), timeout=5)
    assert tls_client(tls_server, certs).ping() is True
    assert tls_server.client().ping() is True
    stalled.close()
    half.close()


def test_stalled_handshake_closed_on_timeout(start_server, certs):
    port = free_port()
    s = start_server(*tls_args(certs, port), "--timeout", "1")
    stalled = socket.create_connection(("127.0.0.1", port), timeout=10)
    stalled.sendall(b"\x16\x03\x01")
    start = time.time()
    assert stalled.recv(4096) == b""  # closed by the server
    assert time.time() - start < 8
    stalled.close()


def test_garbage_on_tls_port(tls_server, certs):
    for blob in (os.urandom(1000), b"\x16\x03\x03" + os.urandom(3000), b"\x00" * 50):
        with socket.create_connection(("127.0.0.1", tls_server.tls_port), timeout=5) as s:
            s.sendall(blob)
            try:
                while s.recv(4096):
                    pass
            except (ConnectionResetError, socket.timeout):
                pass
    assert tls_client(tls_server, certs).ping() is True


def test_tls_only_server(start_server, certs, tmp_path):
    """port 0 and a tls-port: TLS only."""
    port = free_port()
    s = start_server(*tls_args(certs, port))  # for its command line
    cmd = s.build_cmd(tls_args(certs, port))
    s.stop()
    cmd[cmd.index("--port") + 1] = "0"
    cmd[cmd.index("--dir") + 1] = str(tmp_path)
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            cwd=str(tmp_path), start_new_session=True)
    try:
        s.tls_port = port
        deadline = time.time() + 10
        while True:
            try:
                assert tls_client(s, certs).ping() is True
                break
            except redis.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.05)
        assert tls_client(s, certs).config_get("port") == {"port": "0"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_bad_cert_stops_startup(start_server, certs):
    port = free_port()
    args = tls_args(certs, port)
    args[args.index("--tls-cert-file") + 1] = "/nonexistent/server.crt"
    s = start_server(*args, expect_start=False)
    assert s.proc.wait(timeout=10) != 0
    log = s.read_log()
    assert "Failed to load certificate: /nonexistent/server.crt: " in log
    assert "Failed to configure TLS. Check logs for more info." in log


def test_missing_ca_stops_startup(start_server, certs):
    port = free_port()
    s = start_server("--tls-port", str(port), "--tls-cert-file", certs["server.crt"],
                     "--tls-key-file", certs["server.key"], expect_start=False)
    assert s.proc.wait(timeout=10) != 0
    assert "Either tls-ca-cert-file or tls-ca-cert-dir must be specified" in s.read_log()


def test_config_get_set_and_reload(tls_server, certs):
    c = tls_server.client()
    got = c.config_get("tls-*")
    assert got["tls-port"] == str(tls_server.tls_port)
    assert got["tls-auth-clients"] == "yes"
    assert got["tls-session-caching"] == "yes"
    assert got["tls-session-cache-size"] == "20480"
    assert got["tls-session-cache-timeout"] == "300"
    assert got["tls-replication"] == "no"
    assert got["tls-protocols"] == ""
    for name, value, why in [
        ("tls-cert-file", "/nonexistent", "Unable to update TLS configuration. Check server logs."),
        ("tls-protocols", "TLSv1.5", "Unable to update TLS configuration. Check server logs."),
        ("tls-ciphers", "BOGUS", "Unable to update TLS configuration. Check server logs."),
        ("tls-auth-clients", "maybe", "argument(s) must be one of the following: no, yes, optional"),
        ("tls-session-cache-size", "-1", "argument must be between 0 and 2147483647 inclusive"),
    ]:
        with pytest.raises(redis.ResponseError) as e:
            c.config_set(name, value)
        assert str(e.value) == (f"CONFIG SET failed (possibly related to argument '{name}') - "
                                f"{why}")
    assert c.config_get("tls-cert-file")["tls-cert-file"] == certs["server.crt"]
    # A reload that works takes effect for new connections.
    assert c.config_set("tls-auth-clients", "no") is True
    assert tls_client(tls_server, certs, with_cert=False).ping() is True
    assert c.config_set("tls-protocols", "TLSv1.2") is True
    assert tls_client(tls_server, certs).ping() is True
    new_port = free_port()
    assert c.config_set("tls-port", str(new_port)) is True
    tls_server.tls_port = new_port
    assert tls_client(tls_server, certs).ping() is True

"""Connection commands (PING ECHO SELECT QUIT RESET HELLO AUTH), RESP3 reply shapes, inline
commands and pipelining, as Redis 7.0 answers them."""
import socket

import pytest
import redis


def test_ping_and_echo(r, raw):
    assert r.ping() is True
    c = raw()
    c.send("PING hello\r\n")
    assert c.read() == b"$5\r\nhello\r\n"
    assert r.echo("a b\r\nc") == "a b\r\nc"
    with pytest.raises(redis.ResponseError, match=r"^wrong number of arguments for 'ping' command$"):
        r.execute_command("PING", "a", "b")
    with pytest.raises(redis.ResponseError, match=r"^wrong number of arguments for 'echo' command$"):
        r.execute_command("ECHO")


def test_select(r):
    r.set("k", "db0")
    assert r.execute_command("SELECT", "3") is True
    assert r.get("k") is None
    r.set("k", "db3")
    assert r.execute_command("SELECT", "0") is True
    assert r.get("k") == "db0"


def test_select_errors(raw):
    c = raw()
    c.send("SELECT 16\r\nSELECT -1\r\nSELECT abc\r\nSELECT 1.5\r\nSELECT\r\n")
    expected = (b"-ERR DB index is out of range\r\n" * 2 +
                b"-ERR value is not an integer or out of range\r\n" * 2 +
                b"-ERR wrong number of arguments for 'select' command\r\n")
    assert c.read(len(expected)) == expected


def test_quit_replies_ok_and_closes(raw):
    c = raw()
    c.send("PING\r\nQUIT\r\nPING\r\n")
    out, closed = c.read_until_closed()
    assert out == b"+PONG\r\n+OK\r\n"
    assert closed


def test_reset(raw):
    c = raw()
    c.send("SELECT 2\r\nCLIENT SETNAME conn1\r\nHELLO 3\r\n")
    c.read(len(b"+OK\r\n+OK\r\n"))
    c.read()  # the HELLO map
    c.send("RESET\r\n")
    assert c.read() == b"+RESET\r\n"
    # Back to RESP2, database 0, no name.
    c.send("CLIENT GETNAME\r\nGET missing\r\nCLIENT INFO\r\n")
    assert c.read(10) == b"$-1\r\n$-1\r\n"
    info = c.read()
    assert info.startswith(b"$")
    assert b" db=0 " in info and b" name= " in info and b" resp=2" in info


def test_reset_arity(r):
    with pytest.raises(redis.ResponseError, match=r"^wrong number of arguments for 'reset' command$"):
        r.execute_command("RESET", "x")


def hello_fields(reply):
    """HELLO answers a flat list in RESP2; redis-py 4.3 gives it as a list."""
    if isinstance(reply, dict):
        return reply
    return dict(zip(reply[::2], reply[1::2]))


def test_hello_2(r):
    fields = hello_fields(r.execute_command("HELLO", "2"))
    assert fields["server"] == "redis"
    assert fields["version"] == "7.0.15"
    assert fields["proto"] == 2
    assert fields["id"] == r.client_id()
    assert fields["mode"] == "standalone"
    assert fields["role"] == "master"
    assert fields["modules"] == []


def test_hello_without_version_keeps_protocol(r):
    fields = hello_fields(r.execute_command("HELLO"))
    assert fields["proto"] == 2


def test_hello_3_replies_a_map(raw):
    c = raw()
    c.send("HELLO 3\r\n")
    reply = c.read()
    assert reply.startswith(b"%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                            b"$5\r\nproto\r\n:3\r\n$2\r\nid\r\n:")
    assert reply.endswith(b"$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n"
                          b"$7\r\nmodules\r\n*0\r\n")


def test_hello_errors(raw):
    c = raw()
    c.send("HELLO 4\r\n")
    assert c.read() == b"-NOPROTO unsupported protocol version\r\n"
    c.send("HELLO 1\r\n")
    assert c.read() == b"-NOPROTO unsupported protocol version\r\n"
    c.send("HELLO abc\r\n")
    assert c.read() == b"-ERR Protocol version is not an integer or out of range\r\n"
    c.send("HELLO 3 FOO\r\n")
    assert c.read() == b"-ERR Syntax error in HELLO option 'FOO'\r\n"
    c.send("HELLO 3 AUTH onlyuser\r\n")
    assert c.read() == b"-ERR Syntax error in HELLO option 'AUTH'\r\n"
    # A failed HELLO leaves the protocol alone.
    c.send("GET missing\r\n")
    assert c.read() == b"$-1\r\n"


def test_hello_setname(r):
    fields = hello_fields(r.execute_command("HELLO", "2", "SETNAME", "myname"))
    assert fields["proto"] == 2
    assert r.client_getname() == "myname"
    with pytest.raises(redis.ResponseError,
                       match=r"^Client names cannot contain spaces, newlines or special characters.$"):
        r.execute_command("HELLO", "2", "SETNAME", "bad name")
    assert r.client_getname() == "myname"


def test_resp3_reply_shapes(raw):
    c = raw()
    c.send("HELLO 3\r\n")
    c.read()
    c.send("SET k v\r\nGET missing\r\nMGET k missing\r\nCONFIG GET maxclients\r\n")
    expected = (b"+OK\r\n" b"_\r\n" b"*2\r\n$1\r\nv\r\n_\r\n"
                b"%1\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n")
    assert c.read(len(expected)) == expected
    c.send("CLIENT GETNAME\r\n")
    assert c.read() == b"_\r\n"
    # Verbatim strings: "=<len>\r\ntxt:<text>\r\n".
    c.send("CLIENT INFO\r\n")
    info = c.read()
    assert info.startswith(b"=") and b"\r\ntxt:id=" in info and b" resp=3" in info
    c.send("INFO server\r\n")
    info = c.read()
    assert info.startswith(b"=") and b"\r\ntxt:# Server\r\n" in info
    # Sets: the flags of COMMAND INFO.
    c.send("COMMAND INFO get\r\n")
    info = c.read()
    assert info.startswith(b"*1\r\n*10\r\n$3\r\nget\r\n:2\r\n~")
    # Back to RESP2: nulls are "$-1" again.
    c.send("HELLO 2\r\n")
    c.read()
    c.send("GET missing\r\nCONFIG GET maxclients\r\n")
    expected = b"$-1\r\n*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"
    assert c.read(len(expected)) == expected


# --- Authentication ---

@pytest.fixture
def secured(start_server):
    return start_server("--requirepass", "s3cret")


def test_auth_without_password_set(r):
    with pytest.raises(redis.ResponseError, match=r"^AUTH <password> called without any password "
                       r"configured for the default user. Are you sure your configuration is "
                       r"correct\?$"):
        r.execute_command("AUTH", "foo")
    # AUTH default <anything> passes: the default user has nopass.
    assert r.execute_command("AUTH", "default", "anything") is True
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("AUTH", "a", "b", "c")


def test_auth_with_two_args_checks_user(r):
    with pytest.raises(redis.ResponseError, match=r"^WRONGPASS invalid username-password pair "
                       r"or user is disabled.$"):
        r.execute_command("AUTH", "nosuchuser", "pw")


def test_noauth_before_auth(secured):
    c = socket.create_connection((secured.host, secured.port), timeout=5)
    try:
        for cmd in [b"PING", b"GET k", b"SET k v", b"SELECT 1", b"CLIENT ID", b"INFO",
                    b"CONFIG GET port", b"COMMAND COUNT", b"ECHO x", b"FLUSHALL", b"DBSIZE"]:
            c.sendall(cmd + b"\r\n")
            assert recv_line(c) == b"-NOAUTH Authentication required.\r\n", cmd
        # An unknown command is reported as unknown, even before AUTH.
        c.sendall(b"NOSUCHCMD\r\n")
        assert recv_line(c) == (b"-ERR unknown command 'NOSUCHCMD', with args beginning with: \r\n")
        c.sendall(b"AUTH wrong\r\n")
        assert recv_line(c) == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        c.sendall(b"AUTH default wrong\r\n")
        assert recv_line(c) == b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
        c.sendall(b"HELLO 3\r\n")
        assert recv_line(c).startswith(b"-NOAUTH HELLO must be called with the client already "
                                       b"authenticated, otherwise the HELLO AUTH <user> "
                                       b"<pass> option can be used to authenticate the client and "
                                       b"select the RESP protocol version at the same time\r\n")
        c.sendall(b"AUTH s3cret\r\nPING\r\n")
        assert recv_exact(c, 12) == b"+OK\r\n+PONG\r\n"
    finally:
        c.close()


def test_quit_allowed_before_auth(secured):
    c = socket.create_connection((secured.host, secured.port), timeout=5)
    try:
        c.sendall(b"QUIT\r\n")
        assert recv_exact(c, 5) == b"+OK\r\n"
        assert c.recv(10) == b""
    finally:
        c.close()


def test_hello_auth(secured):
    c = secured.client()
    with pytest.raises(redis.ResponseError, match="^WRONGPASS"):
        c.execute_command("HELLO", "2", "AUTH", "default", "wrong")
    fields = hello_fields(c.execute_command("HELLO", "2", "AUTH", "default", "s3cret",
                                            "SETNAME", "n1"))
    assert fields["proto"] == 2
    assert c.client_getname() == "n1"
    assert c.ping() is True


def test_redis_py_password(secured):
    c = secured.client(password="s3cret")
    assert c.set("a", "1") is True
    assert c.get("a") == "1"
    with pytest.raises(redis.ResponseError, match="^WRONGPASS"):
        secured.client(password="nope").ping()


def test_reset_deauthenticates(secured):
    c = socket.create_connection((secured.host, secured.port), timeout=5)
    try:
        c.sendall(b"AUTH s3cret\r\nRESET\r\nPING\r\n")
        assert recv_exact(c, len(b"+OK\r\n+RESET\r\n-NOAUTH Authentication required.\r\n")) == (
            b"+OK\r\n+RESET\r\n-NOAUTH Authentication required.\r\n")
    finally:
        c.close()


def test_unauthenticated_limits(secured):
    # Before AUTH, a multibulk count over 10 is refused.
    c = socket.create_connection((secured.host, secured.port), timeout=5)
    try:
        c.sendall(b"*11\r\n")
        assert recv_line(c) == b"-ERR Protocol error: unauthenticated multibulk length\r\n"
        assert c.recv(10) == b""
    finally:
        c.close()
    c = socket.create_connection((secured.host, secured.port), timeout=5)
    try:
        c.sendall(b"*1\r\n$16385\r\n")
        assert recv_line(c) == b"-ERR Protocol error: unauthenticated bulk length\r\n"
        assert c.recv(10) == b""
    finally:
        c.close()


def test_loopback_allowed_in_protected_mode(start_server):
    # protected-mode with no password refuses only non-loopback peers; loopback is served.
    s = start_server("--protected-mode", "yes")
    assert s.client().ping() is True


# --- Inline commands and pipelining ---

def test_inline_commands(raw):
    c = raw()
    c.send("PING\r\n")
    assert c.read() == b"+PONG\r\n"
    c.send("SET a b\r\nGET a\r\n")
    assert c.read(len(b"+OK\r\n$1\r\nb\r\n")) == b"+OK\r\n$1\r\nb\r\n"
    # A bare "\n" ends a line too; blank lines are skipped.
    c.send("\r\n\nGET a\n")
    assert c.read() == b"$1\r\nb\r\n"


def test_inline_quoted_arguments(raw):
    c = raw()
    c.send('SET a "hello world"\r\nGET a\r\n')
    assert c.read(len(b"+OK\r\n$11\r\nhello world\r\n")) == b"+OK\r\n$11\r\nhello world\r\n"
    c.send("SET b 'x y'\r\nGET b\r\n")
    assert c.read(len(b"+OK\r\n$3\r\nx y\r\n")) == b"+OK\r\n$3\r\nx y\r\n"
    c.send('SET c "a\\x41\\n"\r\nGET c\r\n')
    assert c.read(len(b"+OK\r\n$3\r\naA\n\r\n")) == b"+OK\r\n$3\r\naA\n\r\n"
    c.send('SET d "unbalanced\r\n')
    out, closed = c.read_until_closed()
    assert out == b"-ERR Protocol error: unbalanced quotes in request\r\n"
    assert closed


def test_pipeline_10k_in_one_write(r, raw):
    c = raw()
    n = 10000
    payload = b"".join(b"*3\r\n$3\r\nSET\r\n$%d\r\nk%d\r\n$1\r\nv\r\n" % (len(b"k%d" % i), i)
                       for i in range(n // 2))
    payload += b"".join(b"*2\r\n$4\r\nINCR\r\n$7\r\ncounter\r\n" for _ in range(n // 2))
    c.send(payload)
    expected = b"+OK\r\n" * (n // 2) + b"".join(b":%d\r\n" % (i + 1) for i in range(n // 2))
    assert c.read(len(expected), timeout=20) == expected
    c.send("DBSIZE\r\n")
    assert c.read() == b":%d\r\n" % (n // 2 + 1)


def test_pipeline_redis_py(r):
    p = r.pipeline(transaction=False)
    for i in range(1000):
        p.set(f"p{i}", i)
        p.get(f"p{i}")
    out = p.execute()
    assert out[0::2] == [True] * 1000
    assert out[1::2] == [str(i) for i in range(1000)]


def recv_line(sock):
    out = b""
    while not out.endswith(b"\r\n"):
        chunk = sock.recv(1)
        if not chunk:
            break
        out += chunk
    return out


def recv_exact(sock, n):
    out = b""
    while len(out) < n:
        chunk = sock.recv(n - len(out))
        if not chunk:
            break
        out += chunk
    return out


def test_idle_timeout_closes_client(start_server):
    s = start_server("--timeout", "1")
    c = socket.create_connection((s.host, s.port), timeout=10)
    try:
        c.sendall(b"PING\r\n")
        assert recv_exact(c, 7) == b"+PONG\r\n"
        try:
            assert c.recv(10) == b""  # closed by the server after about a second idle
        except ConnectionResetError:
            pass
    finally:
        c.close()


def test_requirepass_set_at_runtime(start_server):
    s = start_server()
    old = s.client()
    assert old.config_set("requirepass", "later") is True
    try:
        # Redis compat: a connection made while no password was set stays authenticated.
        assert old.ping() is True
        with pytest.raises(redis.AuthenticationError):
            s.client().get("k")
        assert s.client(password="later").ping() is True
    finally:
        old.config_set("requirepass", "")
    assert s.client().ping() is True


def non_loopback_address():
    """An IPv4 address of this machine that is not loopback, or None."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent; this only picks a route
            addr = s.getsockname()[0]
    except OSError:
        return None
    return None if addr.startswith("127.") else addr


def talk_from(addr, port, data, lines=1):
    """Sends `data` from a socket bound to `addr`; reads `lines` reply lines (or to the close)."""
    s = socket.create_connection((addr, port), timeout=5)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            out += chunk
            if out.count(b"\r\n") >= lines:
                break
        return out
    finally:
        s.close()


@pytest.mark.parametrize("extra,expected", [
    ([], b"-DENIED Redis is running in protected mode because protected mode is enabled and no "
         b"password is set for the default user. In this mode connections are only accepted "
         b"from the loopback interface."),
    (["--protected-mode", "no"], b"+PONG\r\n"),
    (["--requirepass", "pw"], b"-NOAUTH Authentication required.\r\n"),
])
def test_protected_mode_from_another_interface(start_server, extra, expected):
    addr = non_loopback_address()
    if addr is None:
        pytest.skip("no non-loopback interface")
    s = start_server("--bind", f"127.0.0.1 {addr}", *extra)
    out = talk_from(addr, s.port, b"PING\r\n")
    assert out.startswith(expected)
    if expected.startswith(b"-DENIED"):
        assert out.endswith(b"NOTE: You only need to do one of the above things in order for the "
                            b"server to start accepting connections from the outside.\r\n")
    # Loopback is always served.
    if extra[:1] == ["--requirepass"]:
        assert talk_from("127.0.0.1", s.port, b"AUTH pw\r\nPING\r\n", lines=2) == b"+OK\r\n+PONG\r\n"
    else:
        assert talk_from("127.0.0.1", s.port, b"PING\r\n") == b"+PONG\r\n"


def test_hello_options_apply_in_order(secured):
    c = socket.create_connection((secured.host, secured.port), timeout=5)
    noauth = (b"-NOAUTH HELLO must be called with the client already authenticated, otherwise "
              b"the HELLO AUTH <user> <pass> option can be used to authenticate the client and "
              b"select the RESP protocol version at the same time\r\n")
    wrongpass = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n"
    badname = b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    try:
        # Each option takes effect as it is read, even when HELLO then fails.
        c.sendall(b"HELLO 3 SETNAME early\r\n")
        assert recv_line(c) == noauth
        c.sendall(b"HELLO 3 AUTH default wrong SETNAME \"a b\"\r\n")
        assert recv_line(c) == wrongpass
        c.sendall(b"HELLO 3 AUTH default s3cret SETNAME \"a b\"\r\n")
        assert recv_line(c) == badname
        # The AUTH before the bad name stands: the client is logged in, still in RESP2.
        c.sendall(b"CLIENT GETNAME\r\n")
        assert recv_exact(c, 11) == b"$5\r\nearly\r\n"
        c.sendall(b"HELLO 2 SETNAME n2 FOO\r\nCLIENT GETNAME\r\n")
        assert recv_line(c) == b"-ERR Syntax error in HELLO option 'FOO'\r\n"
        assert recv_exact(c, 8) == b"$2\r\nn2\r\n"
        c.sendall(b"GET missing\r\n")
        assert recv_exact(c, 5) == b"$-1\r\n"
    finally:
        c.close()

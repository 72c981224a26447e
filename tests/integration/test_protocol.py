"""The wire protocol under stress: malformed RESP gets Redis's exact "Protocol error" texts
and a close; query buffer limits; half-closed and vanishing clients; many connections; the
maxclients limit."""
import os
import resource
import socket
import threading
import time

import pytest
import redis

from conftest import encode, read_exactly


def exchange(server, data, timeout=3):
    """Sends `data`, returns (everything the server sent, whether it closed)."""
    s = socket.create_connection((server.host, server.port), timeout=timeout)
    try:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                return out, False
            except ConnectionResetError:
                return out, True
            if not chunk:
                return out, True
            out += chunk
    finally:
        s.close()


def assert_protocol_error(server, data, text, before=b""):
    out, closed = exchange(server, data)
    assert out == before + b"-ERR Protocol error: " + text + b"\r\n"
    assert closed


@pytest.mark.parametrize("data,text", [
    (b"*abc\r\n", b"invalid multibulk length"),
    (b"*2147483648\r\n", b"invalid multibulk length"),
    (b"*3000000000\r\n", b"invalid multibulk length"),
    (b"*\r\n", b"invalid multibulk length"),
    (b"*1\r\n$-5\r\n", b"invalid bulk length"),
    (b"*1\r\n$abc\r\n", b"invalid bulk length"),
    (b"*1\r\n$\r\n", b"invalid bulk length"),
    (b"*1\r\n$536870913\r\n", b"invalid bulk length"),  # over proto-max-bulk-len (512mb)
    (b"*1\r\nfoo\r\n", b"expected '$', got 'f'"),
    (b"*1\r\n\r\n", b"expected '$', got ' '"),  # the CR is shown as a space
    (b"*" + b"1" * 70000, b"too big mbulk count string"),
    (b"*1\r\n$" + b"1" * 70000, b"too big bulk count string"),
    (b"P" * 70000, b"too big inline request"),
    (b'SET k "unbalanced\r\n', b"unbalanced quotes in request"),
    (b"SET k 'x'y\r\n", b"unbalanced quotes in request"),
])
def test_malformed_requests(server, data, text):
    assert_protocol_error(server, data, text)


def test_error_after_good_commands_in_the_same_write(server):
    assert_protocol_error(server, b"*1\r\n$4\r\nPING\r\n*1\r\nx\r\n", b"expected '$', got 'x'",
                          before=b"+PONG\r\n")
    assert_protocol_error(server, b"PING\r\n*x\r\n", b"invalid multibulk length",
                          before=b"+PONG\r\n")


def test_huge_counts_wait_for_data(server):
    # Counts up to INT_MAX are accepted: the server waits for the arguments, allocating
    # nothing up front.
    out, closed = exchange(server, b"*2147483647\r\n", timeout=0.5)
    assert out == b"" and not closed
    out, closed = exchange(server, b"*1\r\n$536870912\r\nabc", timeout=0.5)
    assert out == b"" and not closed


def test_bulk_length_limit_follows_config(r, server):
    old = r.config_get("proto-max-bulk-len")["proto-max-bulk-len"]
    try:
        r.config_set("proto-max-bulk-len", "1mb")
        assert_protocol_error(server, b"*1\r\n$1048577\r\n", b"invalid bulk length")
        out, closed = exchange(server, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1048576\r\n" +
                               b"v" * 1048576 + b"\r\n", timeout=1)
        assert out == b"+OK\r\n" and not closed
    finally:
        r.config_set("proto-max-bulk-len", old)


def test_lenient_forms_redis_accepts(raw):
    c = raw()
    # Empty and negative counts are skipped; the two bytes after a bulk are not checked.
    c.send("*0\r\n*-1\r\n*1\r\n$4\r\nPINGxx*2\r\n$4\r\nECHO\r\n$0\r\n\r\n")
    assert c.read(len(b"+PONG\r\n$0\r\n\r\n")) == b"+PONG\r\n$0\r\n\r\n"
    # Other RESP types at the start of a request are inline commands.
    c.send(":1\r\n")
    assert c.read() == b"-ERR unknown command ':1', with args beginning with: \r\n"


def test_unterminated_request_then_close(server, r):
    for data in [b"*1\r\n$3\r\nab", b"*1\r\n$4\r", b"*2\r\n$3\r\nGET\r\n", b"GET k"]:
        out, closed = exchange(server, data, timeout=0.3)
        assert out == b"" and not closed
    assert r.ping() is True


def test_split_across_writes(raw):
    c = raw()
    msg = b"*3\r\n$3\r\nSET\r\n$3\r\nkey\r\n$5\r\nvalue\r\n*2\r\n$3\r\nGET\r\n$3\r\nkey\r\n"
    for i in range(len(msg)):
        c.send(msg[i:i + 1])
    assert c.read(len(b"+OK\r\n$5\r\nvalue\r\n")) == b"+OK\r\n$5\r\nvalue\r\n"


def test_client_query_buffer_limit(r, server):
    old = r.config_get("client-query-buffer-limit")["client-query-buffer-limit"]
    try:
        r.config_set("client-query-buffer-limit", "1mb")
        s = socket.create_connection((server.host, server.port), timeout=5)
        s.sendall(b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$3000000\r\n")
        closed = False
        try:
            for _ in range(300):
                s.sendall(b"x" * 10000)
        except (BrokenPipeError, ConnectionResetError):
            closed = True
        if not closed:
            try:
                closed = s.recv(100) == b""
            except ConnectionResetError:
                closed = True
        assert closed
        s.close()
        assert r.get("k") is None
        assert r.ping() is True
    finally:
        r.config_set("client-query-buffer-limit", old)


def test_half_closed_socket_still_gets_replies(server):
    s = socket.create_connection((server.host, server.port), timeout=5)
    s.sendall(b"SET hc 1\r\nINCR hc\r\nGET hc\r\n")
    s.shutdown(socket.SHUT_WR)
    out = b""
    while True:
        chunk = s.recv(100)
        if not chunk:
            break
        out += chunk
    s.close()
    assert out == b"+OK\r\n:2\r\n$1\r\n2\r\n"


def test_half_closed_socket_gets_every_reply_of_a_long_pipeline(server, r):
    # Far more than the server runs of one client's input in one loop turn: what is left
    # after the peer's EOF still runs before the connection closes.
    n = 20000
    s = socket.create_connection((server.host, server.port), timeout=10)
    s.sendall(b"".join(b"INCR hcp\r\n" for _ in range(n)))
    s.shutdown(socket.SHUT_WR)
    out = bytearray()
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        out += chunk
    s.close()
    assert out.count(b"\r\n") == n
    assert out.endswith(b":%d\r\n" % n)
    assert r.get("hcp") == str(n)


def test_clients_vanishing_mid_command(server, r):
    for data in [b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc",
                 b"DEBUG SLEEP 0.05\r\n",
                 b"SET k v\r\n" * 1000,
                 b"*1\r\n$4\r\nPI"]:
        s = socket.create_connection((server.host, server.port), timeout=5)
        s.sendall(data)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        s.close()  # a reset, with the reply (if any) unread
    assert r.ping() is True
    assert r.set("after", "1") is True


def raise_fd_limit(want):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
        except (ValueError, OSError):
            pass
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def used_memory(c):
    c.response_callbacks.pop("INFO", None)
    text = c.execute_command("INFO", "memory")
    return int(text.split("used_memory:", 1)[1].split("\r\n", 1)[0])


def connected_clients(c):
    c.response_callbacks.pop("INFO", None)
    text = c.execute_command("INFO", "clients")
    return int(text.split("connected_clients:", 1)[1].split("\r\n", 1)[0])


def test_ten_thousand_connections(server):
    limit = raise_fd_limit(4096)
    batch = max(50, min(500, limit - 100))
    watcher = server.client()
    watcher.ping()
    start_clients = connected_clients(watcher)
    start_mem = used_memory(watcher)
    errors, answers = [], [0]
    stop = threading.Event()

    def keep_asking():
        c = server.client()
        while not stop.is_set():
            try:
                assert c.incr("watch") > 0
                answers[0] += 1
            except Exception as e:  # noqa: BLE001 (reported below)
                errors.append(e)
                return

    t = threading.Thread(target=keep_asking)
    t.start()
    try:
        total = 0
        while total < 10000:
            n = min(batch, 10000 - total)
            socks = [socket.create_connection((server.host, server.port), timeout=10)
                     for _ in range(n)]
            for s in socks:
                s.sendall(b"PING\r\n")
            for s in socks:
                assert s.recv(7) == b"+PONG\r\n"
            for s in socks:
                s.close()
            total += n
    finally:
        stop.set()
        t.join()
    assert errors == []
    assert answers[0] > 0
    deadline = time.time() + 5
    while time.time() < deadline and connected_clients(watcher) > start_clients + 1:
        time.sleep(0.05)
    assert connected_clients(watcher) <= start_clients + 1, watcher.execute_command("CLIENT", "LIST")
    # Every connection's buffers were given back (each held tens of KB while open).
    assert used_memory(watcher) < start_mem + 2 * 1024 * 1024
    watcher.response_callbacks.pop("INFO", None)
    stats = watcher.execute_command("INFO", "stats")
    received = int(stats.split("total_connections_received:", 1)[1].split("\r\n", 1)[0])
    assert received >= 10000


def test_maxclients(start_server):
    s = start_server("--maxclients", "3")
    held = [s.client() for _ in range(3)]
    for c in held:
        assert c.ping() is True
    out, closed = exchange(s, b"PING\r\n")
    assert out == b"-ERR max number of clients reached\r\n"
    assert closed
    with pytest.raises(redis.ConnectionError):
        s.client().ping()
    held[0].connection_pool.disconnect()
    # Once the server has seen that close, there is room again.
    deadline = time.time() + 5
    while True:
        out, closed = exchange(s, b"PING\r\n", timeout=0.5)
        if out == b"+PONG\r\n" or time.time() > deadline:
            break
        time.sleep(0.05)
    assert out == b"+PONG\r\n"
    c = held[1]
    c.response_callbacks.pop("INFO", None)
    stats = c.execute_command("INFO", "stats")
    assert int(stats.split("rejected_connections:", 1)[1].split("\r\n", 1)[0]) >= 2


def thread_cpu_ticks(pid):
    """{thread id: utime + stime} for every thread of the process."""
    ticks = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        ticks[tid] = int(fields[11]) + int(fields[12])
    return ticks


@pytest.mark.cinnabar_only  # Cinnabar's threads each serve their own connections
def test_connections_are_spread_over_threads(start_server, pytestconfig):
    if int(pytestconfig.getoption("--threads")) < 2:
        pytest.skip("needs --threads 2 or more")
    s = start_server()
    assert s.client().ping() is True  # every thread is up (the port listens before they are)
    before = thread_cpu_ticks(s.proc.pid)
    socks = [socket.create_connection((s.host, s.port), timeout=20) for _ in range(16)]
    request = b"PING\r\n" * 20000
    for _ in range(3):
        for sock in socks:
            sock.sendall(request)
        for sock in socks:
            want = 7 * 20000
            got = 0
            while got < want:
                got += len(sock.recv(1 << 20))
    for sock in socks:
        sock.close()
    used = [t - before.get(tid, 0) for tid, t in thread_cpu_ticks(s.proc.pid).items()]
    assert sum(used) > 0
    # With the connections on one thread, it alone would have done all the work.
    assert max(used) < 0.8 * sum(used), used


def test_error_texts_quoting_arguments_keep_the_framing(server):
    # Redis compat: CR/LF in a quoted argument become spaces (at the end they are dropped), so
    # each command gets exactly one reply, in order.
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        cmds = [
            [b"PEXPIREAT", b"k", b"1", b"x\r\n-ERR"],
            [b"EXPIRE", b"k", b"100", b"b\r\n"],
            [b"CONFIG", b"SET", b"a\r\nb", b"1"],
            [b"FOO\r\n", b"x\ny"],
            [b"PING"],
        ]
        s.sendall(b"".join(encode(*c) for c in cmds))
        expected = (b"-ERR Unsupported option x  -ERR\r\n"
                    b"-ERR Unsupported option b\r\n"
                    b"-ERR Unknown option or number of arguments for CONFIG SET - 'a  b'\r\n"
                    b"-ERR unknown command 'FOO  ', with args beginning with: 'x y' \r\n"
                    b"+PONG\r\n")
        assert read_exactly(s, expected) == expected


def read_at_least(sock, n, timeout=5):
    """What arrives on `sock` until `n` bytes came, it closed, or `timeout` passed."""
    deadline = time.time() + timeout
    got = b""
    while len(got) < n and time.time() < deadline:
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        if not chunk:
            break
        got += chunk
    return got


def test_error_texts_quote_arguments_up_to_their_first_nul(server):
    # Redis compat: error texts are built with C's %s, so a quoted argument ends at its first
    # NUL byte while the rest of the text goes on. (Names are ones no command, subcommand or
    # directive has: Redis hashes a name whole but compares it as a C string, so whether
    # "HZ\0x" finds hz depends on its hash seed.)
    cases = [
        ([b"EXPIRE", b"k", b"100", b"b\x00"], b"-ERR Unsupported option b\r\n"),
        ([b"PEXPIRE", b"k", b"100", b"\x00c"], b"-ERR Unsupported option \r\n"),
        ([b"FOO\x00x", b"a\x00b", b"c"],
         b"-ERR unknown command 'FOO', with args beginning with: 'a' 'c' \r\n"),
        ([b"\x00", b"\x00"], b"-ERR unknown command '', with args beginning with: '' \r\n"),
        ([b"foo", b"a\x00" * 70, b"b" * 200],
         b"-ERR unknown command 'foo', with args beginning with: 'a' '" + b"b" * 124 + b"' \r\n"),
        ([b"CLIENT", b"FOO\x00bar"], b"-ERR unknown subcommand 'FOO'. Try CLIENT HELP.\r\n"),
        ([b"CLIENT", b"LIST", b"TYPE", b"bad\x00x"], b"-ERR Unknown client type 'bad'\r\n"),
        ([b"CLIENT", b"KILL", b"TYPE", b"bad\x00x"], b"-ERR Unknown client type 'bad'\r\n"),
        ([b"CLIENT", b"KILL", b"USER", b"bad\x00x"], b"-ERR No such user 'bad'\r\n"),
        ([b"HELLO", b"3", b"bad\x00x"], b"-ERR Syntax error in HELLO option 'bad'\r\n"),
        ([b"CONFIG", b"SET", b"nosuch\x00x", b"y"],
         b"-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'\r\n"),
        ([b"PING"], b"+PONG\r\n"),
    ]
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        s.sendall(b"".join(encode(*c) for c, _ in cases))
        expected = b"".join(reply for _, reply in cases)
        assert read_at_least(s, len(expected)) == expected


def test_subcommand_syntax_errors_repeat_the_subcommand_as_typed(r):
    for sub in ("UNBLOCK", "unblock", "UnBlock"):
        with pytest.raises(redis.ResponseError) as e:
            r.execute_command("client", sub, "1", "TIMEOUT", "x")
        assert str(e.value) == (f"unknown subcommand or wrong number of arguments for '{sub}'. "
                                "Try CLIENT HELP.")
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CLIENT", "UNBLOCK", "1", "maybe")
    assert str(e.value) == "CLIENT UNBLOCK reason should be TIMEOUT or ERROR"
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CLIENT", "UNBLOCK", "x")
    assert str(e.value) == "value is not an integer or out of range"


def test_options_match_up_to_their_first_nul(server):
    # Redis compat: options are compared with strcasecmp, as C strings, so "NX\0junk" is NX.
    # (A command or subcommand name with a NUL is left out: Redis hashes the whole name but
    # compares it as a C string, so whether "GET\0" finds GET depends on its hash seed.)
    cases = [
        ([b"FLUSHALL"], b"+OK\r\n"),
        ([b"SET", b"k", b"v", b"NX\x00"], b"+OK\r\n"),
        ([b"SET", b"k", b"w", b"NX\x00junk"], b"$-1\r\n"),
        ([b"EXPIRE", b"k", b"100", b"gt\x00"], b":0\r\n"),
        ([b"GETEX", b"k", b"PERSIST\x00"], b"$1\r\nv\r\n"),
        ([b"RPUSH", b"l", b"a"], b":1\r\n"),
        ([b"LINSERT", b"l", b"BEFORE\x00", b"a", b"x"], b":2\r\n"),
        ([b"ZADD", b"z", b"INCR\x00", b"1", b"a"], b"$1\r\n1\r\n"),
        ([b"ZRANGE", b"z", b"0", b"5", b"BYSCORE\x00x", b"WITHSCORES\x00"],
         b"*2\r\n$1\r\na\r\n$1\r\n1\r\n"),
        ([b"SCAN", b"0", b"TYPE", b"zset\x00", b"COUNT\x00", b"100"],
         b"*2\r\n$1\r\n0\r\n*1\r\n$1\r\nz\r\n"),
        ([b"CLIENT", b"UNBLOCK", b"99999", b"TIMEOUT\x00"], b":0\r\n"),
        ([b"CLIENT", b"KILL", b"ID\x00", b"99999"], b":0\r\n"),
        ([b"CONFIG", b"SET", b"protected-mode", b"no\x00junk"], b"+OK\r\n"),
    ]
    with socket.create_connection((server.host, server.port), timeout=5) as s:
        s.sendall(b"".join(encode(*c) for c, _ in cases))
        expected = b"".join(reply for _, reply in cases)
        assert read_at_least(s, len(expected)) == expected

"""CLIENT ID | SETNAME | GETNAME | LIST | INFO | SETINFO | KILL | HELP, as Redis 7.0 answers."""
import socket
import time

import pytest
import redis

# CLIENT LIST / CLIENT INFO fields, in Redis 7.0's order.
FIELDS = ["id", "addr", "laddr", "fd", "name", "age", "idle", "flags", "db", "sub", "psub",
          "ssub", "multi", "qbuf", "qbuf-free", "argv-mem", "multi-mem", "rbs", "rbp", "obl",
          "oll", "omem", "tot-mem", "events", "cmd", "user", "redir", "resp"]
# Redis 7.2 appended these; Cinnabar prints them too (CLIENT SETINFO).
LATER_FIELDS = {"lib-name", "lib-ver"}


def parse_line(line):
    pairs = [p.split("=", 1) for p in line.split(" ")]
    names = [p[0] for p in pairs]
    assert names[:len(FIELDS)] == FIELDS
    assert set(names[len(FIELDS):]) <= LATER_FIELDS
    return dict(pairs)


def client_list(r, *args):
    text = r.execute_command("CLIENT", "LIST", *args)
    return [parse_line(line) for line in text.splitlines() if line]


def test_client_id_is_unique_and_stable(server):
    a, b = server.client(), server.client()
    ida, idb = a.client_id(), b.client_id()
    assert isinstance(ida, int) and ida > 0
    assert ida != idb
    assert a.client_id() == ida


def test_setname_getname(r):
    assert r.client_getname() is None
    assert r.client_setname("worker-1") is True
    assert r.client_getname() == "worker-1"
    # An empty name clears it.
    assert r.execute_command("CLIENT", "SETNAME", "") == "OK"
    assert r.client_getname() is None


@pytest.mark.parametrize("bad", ["a b", "new\nline", "tab\tx", "\x7f", "caf\xc3\xa9"])
def test_setname_invalid(r, bad):
    r.client_setname("keep")
    with pytest.raises(redis.ResponseError,
                       match=r"^Client names cannot contain spaces, newlines or special characters.$"):
        r.execute_command("CLIENT", "SETNAME", bad)
    assert r.client_getname() == "keep"


def test_setname_arity(r):
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'client\|setname' command$"):
        r.execute_command("CLIENT", "SETNAME")
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'client\|id' command$"):
        r.execute_command("CLIENT", "ID", "x")
    with pytest.raises(redis.ResponseError, match=r"^wrong number of arguments for 'client' command$"):
        r.execute_command("CLIENT")


def test_client_list_fields(r):
    r.client_setname("lister")
    r.execute_command("SELECT", "2")
    me = r.client_id()
    mine = [c for c in client_list(r) if c["id"] == str(me)]
    assert len(mine) == 1
    c = mine[0]
    assert c["name"] == "lister"
    assert c["db"] == "2"
    assert c["flags"] == "N"
    assert c["cmd"] == "client|list"
    assert c["user"] == "default"
    assert c["resp"] == "2"
    assert c["multi"] == "-1" and c["sub"] == "0" and c["psub"] == "0"
    assert c["addr"].startswith("127.0.0.1:")
    assert c["laddr"].startswith("127.0.0.1:")
    assert int(c["fd"]) > 0
    assert int(c["age"]) >= 0 and int(c["idle"]) >= 0
    assert c["redir"] == "-1"


def test_client_list_reply_format(raw):
    c = raw()
    c.send("CLIENT LIST\r\n")
    reply = c.read()
    # One bulk string, each line ending in "\n".
    assert reply.startswith(b"$")
    body = reply.split(b"\r\n", 1)[1][:-2]
    assert body.endswith(b"\n")
    assert body.startswith(b"id=")


def test_client_list_type_and_id(r, server):
    other = server.client()
    other.client_setname("other")
    oid = other.client_id()
    me = r.client_id()
    names = {c["id"] for c in client_list(r, "TYPE", "normal")}
    assert {str(me), str(oid)} <= names
    assert client_list(r, "TYPE", "pubsub") == []
    assert client_list(r, "TYPE", "replica") == []
    only = client_list(r, "ID", str(oid))
    assert [c["name"] for c in only] == ["other"]
    both = client_list(r, "ID", str(oid), str(me), "999999999")
    assert sorted(int(c["id"]) for c in both) == sorted([me, oid])
    assert client_list(r, "ID", "0") == []


def test_client_list_errors(r):
    with pytest.raises(redis.ResponseError, match=r"^Unknown client type 'foo'$"):
        r.execute_command("CLIENT", "LIST", "TYPE", "foo")
    with pytest.raises(redis.ResponseError, match=r"^Invalid client ID$"):
        r.execute_command("CLIENT", "LIST", "ID", "abc")
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("CLIENT", "LIST", "FOO")
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("CLIENT", "LIST", "ID")


@pytest.mark.parametrize("args,error", [
    # Redis 7.0 takes TYPE only as the sole option and ID only first, with every
    # argument after it an id.
    (("TYPE", "bad", "x"), "syntax error"),
    (("TYPE", "normal", "x"), "syntax error"),
    (("TYPE", "normal", "ID", "5"), "syntax error"),
    (("TYPE",), "syntax error"),
    (("ID", "1", "TYPE", "normal"), "Invalid client ID"),
    (("ID", "0", "x"), "Invalid client ID"),
    (("TYPE", "bad"), "Unknown client type 'bad'"),
])
def test_client_list_grammar(r, args, error):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CLIENT", "LIST", *args)
    assert str(e.value) == error
    assert client_list(r, "TYPE", "NORMAL")  # case-insensitive type


@pytest.mark.parametrize("args,error", [
    # Filters are checked in order; a missing last value is a syntax error when reached.
    (("TYPE", "bad", "x"), "Unknown client type 'bad'"),
    (("ID", "-1", "FOO"), "client-id should be greater than 0"),
    (("USER", "nobody", "x"), "No such user 'nobody'"),
    (("ADDR", "1.2.3.4:5", "ID", "x"), "client-id should be greater than 0"),
    (("LADDR", "1.1.1.1:1", "TYPE", "bad"), "Unknown client type 'bad'"),
    (("SKIPME", "yes", "ID"), "syntax error"),
    (("TYPE", "normal", "SKIPME", "yes", "FOO"), "syntax error"),
])
def test_kill_filters_checked_in_order(r, args, error):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CLIENT", "KILL", *args)
    assert str(e.value) == error


def test_client_info(r):
    r.client_setname("me")
    info = r.execute_command("CLIENT", "INFO")
    assert info.endswith("\n") and info.count("\n") == 1
    c = parse_line(info.strip())
    assert c["id"] == str(r.client_id())
    assert c["name"] == "me"
    assert c["cmd"] == "client|info"


@pytest.mark.cinnabar_only  # CLIENT SETINFO arrived in Redis 7.2; 7.0 does not have it
def test_client_setinfo(r):
    assert r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "redis-py") == "OK"
    assert r.execute_command("CLIENT", "SETINFO", "lib-ver", "4.3.4") == "OK"
    c = parse_line(r.execute_command("CLIENT", "INFO").strip())
    assert c["lib-name"] == "redis-py" and c["lib-ver"] == "4.3.4"
    with pytest.raises(redis.ResponseError, match=r"^Unrecognized option 'foo'$"):
        r.execute_command("CLIENT", "SETINFO", "foo", "x")
    with pytest.raises(redis.ResponseError,
                       match=r"^lib-name cannot contain spaces, newlines or special characters.$"):
        r.execute_command("CLIENT", "SETINFO", "LIB-NAME", "a b")


def wait_gone(sock):
    sock.settimeout(5)
    try:
        return sock.recv(10) == b""
    except ConnectionResetError:
        return True


def raw_client(server):
    s = socket.create_connection((server.host, server.port), timeout=5)
    s.sendall(b"CLIENT ID\r\n")
    line = s.recv(100)
    return s, int(line[1:-2])


def test_kill_by_id(r, server):
    s, cid = raw_client(server)
    assert r.execute_command("CLIENT", "KILL", "ID", str(cid)) == 1
    assert wait_gone(s)
    assert r.execute_command("CLIENT", "KILL", "ID", str(cid)) == 0
    s.close()


def test_kill_by_addr_both_forms(r, server):
    s1, id1 = raw_client(server)
    s2, id2 = raw_client(server)
    addrs = {c["id"]: c["addr"] for c in client_list(r)}
    # New form: the number killed.
    assert r.execute_command("CLIENT", "KILL", "ADDR", addrs[str(id1)]) == 1
    assert wait_gone(s1)
    # Old form "CLIENT KILL ip:port": OK, or an error when nobody matches.
    assert r.execute_command("CLIENT", "KILL", addrs[str(id2)]) == "OK"
    assert wait_gone(s2)
    with pytest.raises(redis.ResponseError, match=r"^No such client$"):
        r.execute_command("CLIENT", "KILL", addrs[str(id2)])
    assert r.execute_command("CLIENT", "KILL", "ADDR", "1.2.3.4:5") == 0
    s1.close()
    s2.close()


def test_kill_skipme(raw, server):
    c = raw()
    c.send("CLIENT INFO\r\n")
    info = c.read().decode()
    addr = info.split(" addr=", 1)[1].split(" ", 1)[0]
    # SKIPME yes (the default): the caller survives.
    c.send(f"CLIENT KILL ADDR {addr}\r\n")
    assert c.read() == b":0\r\n"
    c.send(f"CLIENT KILL ADDR {addr} SKIPME yes\r\n")
    assert c.read() == b":0\r\n"
    # SKIPME no: the caller gets its reply, then is closed.
    c.send(f"CLIENT KILL ADDR {addr} SKIPME no\r\n")
    out, closed = c.read_until_closed()
    assert out == b":1\r\n"
    assert closed


def test_kill_self_old_form(raw):
    c = raw()
    c.send("CLIENT INFO\r\n")
    info = c.read().decode()
    addr = info.split(" addr=", 1)[1].split(" ", 1)[0]
    c.send(f"CLIENT KILL {addr}\r\n")
    out, closed = c.read_until_closed()
    assert out == b"+OK\r\n"
    assert closed


def test_kill_errors(r):
    with pytest.raises(redis.ResponseError, match=r"^client-id should be greater than 0$"):
        r.execute_command("CLIENT", "KILL", "ID", "abc")
    with pytest.raises(redis.ResponseError, match=r"^client-id should be greater than 0$"):
        r.execute_command("CLIENT", "KILL", "ID", "0")
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("CLIENT", "KILL", "FOO", "bar")
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("CLIENT", "KILL", "SKIPME", "maybe")
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("CLIENT", "KILL", "ID", "1", "ADDR")
    with pytest.raises(redis.ResponseError, match=r"^Unknown client type 'foo'$"):
        r.execute_command("CLIENT", "KILL", "TYPE", "foo")
    with pytest.raises(redis.ResponseError, match=r"^No such user 'nobody'$"):
        r.execute_command("CLIENT", "KILL", "USER", "nobody")
    with pytest.raises(redis.ResponseError, match=r"^wrong number of arguments for 'client\|kill' "
                       r"command$"):
        r.execute_command("CLIENT", "KILL")


def test_kill_type_normal_spares_caller(r, server):
    others = [raw_client(server)[0] for _ in range(3)]
    killed = r.execute_command("CLIENT", "KILL", "TYPE", "normal")
    assert killed >= 3
    for s in others:
        assert wait_gone(s)
        s.close()
    assert r.ping() is True
    assert r.execute_command("CLIENT", "KILL", "TYPE", "pubsub") == 0


def test_killed_client_leaves_the_list(r, server):
    s, cid = raw_client(server)
    r.execute_command("CLIENT", "KILL", "ID", str(cid))
    wait_gone(s)
    s.close()
    deadline = time.time() + 5
    while time.time() < deadline and any(c["id"] == str(cid) for c in client_list(r)):
        time.sleep(0.02)
    assert all(c["id"] != str(cid) for c in client_list(r))


def test_unknown_subcommand(r):
    with pytest.raises(redis.ResponseError, match=r"^unknown subcommand 'FOO'. Try CLIENT HELP.$"):
        r.execute_command("CLIENT", "FOO")
    with pytest.raises(redis.ResponseError, match=r"^unknown subcommand 'nosuch'. Try CLIENT HELP.$"):
        r.execute_command("client", "nosuch", "a", "b")


def test_client_help(r):
    lines = r.execute_command("CLIENT", "HELP")
    assert lines[0] == "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"
    for entry in ["GETNAME", "ID", "INFO", "KILL <ip:port>", "SETNAME <name>", "HELP"]:
        assert entry in lines
    assert lines[-2:] == ["HELP", "    Prints this help."]


def test_client_list_shows_every_client_once(r, server):
    # Redis's clientsCron rotates its client list, so no order is promised; each client
    # appears exactly once.
    others = [server.client() for _ in range(12)]
    for i, c in enumerate(others):
        c.client_setname(f"c{i}")
    ids = [int(c["id"]) for c in client_list(r)]
    assert len(ids) == len(set(ids))
    names = [c["name"] for c in client_list(r) if c["name"].startswith("c")]
    assert sorted(names) == sorted(f"c{i}" for i in range(12))
    for c in others:
        c.connection_pool.disconnect()

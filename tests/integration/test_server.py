"""Server commands: INFO, CONFIG GET/SET/RESETSTAT, TIME, DEBUG SLEEP, COMMAND, error texts
for unknown commands and wrong arity, SHUTDOWN and SIGTERM."""
import signal
import socket
import time

import pytest
import redis


def parse_info(text):
    sections, current = {}, None
    for line in text.split("\r\n"):
        if line.startswith("# "):
            current = line[2:].lower()
            sections[current] = {}
        elif line:
            key, value = line.split(":", 1)
            sections[current][key] = value
    return sections


def call(r, *args):
    """Runs a command and returns the reply as sent, without redis-py's parsing of it."""
    names = [args[0].upper(), " ".join(args[:2]).upper()]
    saved = {n: r.response_callbacks.pop(n) for n in names if n in r.response_callbacks}
    try:
        return r.execute_command(*args)
    finally:
        r.response_callbacks.update(saved)


def pairs(flat):
    return list(zip(flat[::2], flat[1::2]))


def info(r, *sections):
    return parse_info(info_text(r, *sections))


def info_text(r, *sections):
    r.response_callbacks.pop("INFO", None)  # the text as sent, not redis-py's parse of it
    return r.execute_command("INFO", *sections)


# --- INFO ---

def test_info_default_sections(r):
    s = info(r)
    for name in ["server", "clients", "memory", "stats", "cpu", "keyspace"]:
        assert name in s, name
    assert "commandstats" not in s


def test_info_fields_monitoring_tools_read(r):
    r.set("k", "v")
    r.get("k")
    r.get("missing")
    s = info(r)
    assert s["server"]["redis_version"] == "7.0.15"
    assert s["server"]["redis_mode"] == "standalone"
    assert int(s["server"]["tcp_port"]) > 0
    assert int(s["server"]["uptime_in_seconds"]) >= 0
    assert len(s["server"]["run_id"]) == 40
    assert int(s["clients"]["connected_clients"]) >= 1
    assert int(s["clients"]["maxclients"]) == 10000
    assert int(s["memory"]["used_memory"]) > 0
    assert s["memory"]["used_memory_human"][-1] in "BKMG"
    assert int(s["memory"]["used_memory_peak"]) > 0
    assert int(s["stats"]["keyspace_hits"]) >= 1
    assert int(s["stats"]["keyspace_misses"]) >= 1
    assert int(s["stats"]["total_commands_processed"]) >= 3
    assert int(s["stats"]["instantaneous_ops_per_sec"]) >= 0
    assert int(s["stats"]["total_connections_received"]) >= 1
    assert int(s["stats"]["rejected_connections"]) >= 0
    assert float(s["cpu"]["used_cpu_sys"]) >= 0
    assert float(s["cpu"]["used_cpu_user"]) >= 0
    assert s["keyspace"]["db0"] == "keys=1,expires=0,avg_ttl=0"


def test_info_hits_and_misses_count(r):
    r.config_resetstat()
    r.set("k", "v")
    for _ in range(3):
        r.get("k")
    for _ in range(2):
        r.get("nope")
    st = info(r, "stats")["stats"]
    assert st["keyspace_hits"] == "3"
    assert st["keyspace_misses"] == "2"


def test_info_single_and_several_sections(r):
    assert list(info(r, "server")) == ["server"]
    assert list(info(r, "CLIENTS")) == ["clients"]
    assert list(info(r, "memory", "cpu")) == ["memory", "cpu"]
    assert list(info(r, "nosuchsection")) == []
    assert info_text(r, "nosuchsection") == ""


def test_info_all_and_everything(r):
    r.get("x")
    for arg in ["all", "everything"]:
        s = info(r, arg)
        for name in ["server", "clients", "memory", "stats", "cpu", "commandstats",
                     "errorstats", "keyspace"]:
            assert name in s, (arg, name)
        assert "cmdstat_get" in s["commandstats"]
        assert s["commandstats"]["cmdstat_get"].startswith("calls=")


def test_info_keyspace(r):
    r.set("a", 1)
    r.set("b", 2, ex=100)
    r.execute_command("SELECT", "5")
    r.set("c", 3)
    ks = info(r, "keyspace")["keyspace"]
    assert set(ks) == {"db0", "db5"}
    assert ks["db0"].startswith("keys=2,expires=1,avg_ttl=")
    assert ks["db5"] == "keys=1,expires=0,avg_ttl=0"
    r.execute_command("SELECT", "0")


def test_info_commandstats_and_errorstats(r):
    r.config_resetstat()
    r.set("s", "x")
    with pytest.raises(redis.ResponseError):
        r.execute_command("INCR", "s")
    with pytest.raises(redis.ResponseError):
        r.execute_command("GET")
    s = info(r, "commandstats", "errorstats")
    incr = s["commandstats"]["cmdstat_incr"]
    assert incr.startswith("calls=1,usec=")
    assert incr.endswith(",rejected_calls=0,failed_calls=1")
    assert s["commandstats"]["cmdstat_get"].endswith(",rejected_calls=1,failed_calls=0")
    assert s["errorstats"]["errorstat_ERR"] == "count=2"


# --- CONFIG ---

def test_config_get_patterns(r):
    assert r.config_get("maxclients") == {"maxclients": "10000"}
    # An exact name is answered as it was asked; patterns answer the canonical names.
    assert r.config_get("MAXCLIENTS") == {"MAXCLIENTS": "10000"}
    assert r.config_get("MAXCLIENT?") == {"maxclients": "10000"}
    got = r.config_get("*max-*-entries*")
    assert {"hash-max-listpack-entries", "zset-max-listpack-entries"} <= set(got)
    assert all("max" in k and "entries" in k for k in got)
    assert r.config_get("nosuchparam") == {}
    got = dict(pairs(call(r, "CONFIG", "GET", "timeout", "port", "tcp-keep*")))
    assert set(got) == {"timeout", "port", "tcp-keepalive"}
    # A name matched by two patterns is listed once, as the first match named it.
    assert call(r, "CONFIG", "GET", "Timeout", "time*") == ["Timeout", "0"]
    assert call(r, "CONFIG", "GET", "time*", "Timeout") == ["timeout", "0"]
    # Old names are aliases, listed by patterns too.
    assert r.config_get("hash-max-ziplist-entries") == {"hash-max-ziplist-entries": "512"}
    got = r.config_get("hash-max-*-entries")
    assert got == {"hash-max-ziplist-entries": "512", "hash-max-listpack-entries": "512"}


def test_config_set_several_at_once(r):
    old = r.config_get("timeout")["timeout"], r.config_get("maxclients")["maxclients"]
    try:
        assert r.execute_command("CONFIG", "SET", "timeout", "300", "maxclients", "500") == "OK"
        assert r.config_get("timeout") == {"timeout": "300"}
        assert r.config_get("maxclients") == {"maxclients": "500"}
        # All or nothing: a bad value anywhere leaves every parameter unchanged.
        with pytest.raises(redis.ResponseError,
                           match=r"^CONFIG SET failed \(possibly related to argument 'maxclients'\) "
                                 r"- argument couldn't be parsed into an integer$"):
            r.execute_command("CONFIG", "SET", "timeout", "5", "maxclients", "abc")
        assert r.config_get("timeout") == {"timeout": "300"}
    finally:
        r.execute_command("CONFIG", "SET", "timeout", old[0], "maxclients", old[1])


def test_config_set_memory_units(r):
    old = r.config_get("proto-max-bulk-len")["proto-max-bulk-len"]
    try:
        assert r.config_set("proto-max-bulk-len", "2mb") is True
        assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "2097152"}
        assert r.config_set("proto-max-bulk-len", "001gb") is True
        assert r.config_get("proto-max-bulk-len") == {"proto-max-bulk-len": "1073741824"}
    finally:
        r.config_set("proto-max-bulk-len", old)


@pytest.mark.parametrize("args,message", [
    (["foo", "bar"], "Unknown option or number of arguments for CONFIG SET - 'foo'"),
    (["timeout", "5", "timeout", "6"],
     "CONFIG SET failed (possibly related to argument 'timeout') - duplicate parameter"),
    (["protected-mode", "maybe"],
     "CONFIG SET failed (possibly related to argument 'protected-mode') - argument must be 'yes' "
     "or 'no'"),
    (["loglevel", "loud"],
     "CONFIG SET failed (possibly related to argument 'loglevel') - argument(s) must be one of "
     "the following: debug, verbose, notice, warning"),
    (["databases", "5"],
     "CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config"),
    (["timeout", "-1"],
     "CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 "
     "and 2147483647 inclusive"),
    (["proto-max-bulk-len", "1k"],
     "CONFIG SET failed (possibly related to argument 'proto-max-bulk-len') - argument must be "
     "between 1048576 and 9223372036854775807 inclusive"),
    (["maxclients", "5", "timeout"], "syntax error"),
    (["timeout"], "wrong number of arguments for 'config|set' command"),
    # Counts are integers; sizes ("-value") are memory values, without a sign.
    (["hash-max-listpack-entries", "x"], "CONFIG SET failed (possibly related to argument "
     "'hash-max-listpack-entries') - argument couldn't be parsed into an integer"),
    (["zset-max-listpack-entries", "10k"], "CONFIG SET failed (possibly related to argument "
     "'zset-max-listpack-entries') - argument couldn't be parsed into an integer"),
    (["set-max-intset-entries", "007"], "CONFIG SET failed (possibly related to argument "
     "'set-max-intset-entries') - argument couldn't be parsed into an integer"),
    (["hash-max-listpack-entries", "-1"], "CONFIG SET failed (possibly related to argument "
     "'hash-max-listpack-entries') - argument must be between 0 and 9223372036854775807 "
     "inclusive"),
    (["hash-max-listpack-value", "x"], "CONFIG SET failed (possibly related to argument "
     "'hash-max-listpack-value') - argument must be a memory value"),
    (["hash-max-listpack-value", "-1"], "CONFIG SET failed (possibly related to argument "
     "'hash-max-listpack-value') - argument must be a memory value"),
    (["zset-max-listpack-value", "99999999999999999999"], "CONFIG SET failed (possibly related "
     "to argument 'zset-max-listpack-value') - argument must be between 0 and "
     "9223372036854775807 inclusive"),
    (["proto-max-bulk-len", "-1"], "CONFIG SET failed (possibly related to argument "
     "'proto-max-bulk-len') - argument must be a memory value"),
    (["proto-max-bulk-len", ""], "CONFIG SET failed (possibly related to argument "
     "'proto-max-bulk-len') - argument must be between 1048576 and 9223372036854775807 "
     "inclusive"),
    # A value's error names the directive in lower case (an alias as itself); the checks
    # on names (immutable, duplicate) quote the argument as given.
    (["Hash-Max-Listpack-Entries", "x"], "CONFIG SET failed (possibly related to argument "
     "'hash-max-listpack-entries') - argument couldn't be parsed into an integer"),
    (["HASH-MAX-ZIPLIST-ENTRIES", "x"], "CONFIG SET failed (possibly related to argument "
     "'hash-max-ziplist-entries') - argument couldn't be parsed into an integer"),
    (["PROTECTED-MODE", "maybe"], "CONFIG SET failed (possibly related to argument "
     "'protected-mode') - argument must be 'yes' or 'no'"),
    (["hz", "10", "HZ", "11"],
     "CONFIG SET failed (possibly related to argument 'HZ') - duplicate parameter"),
    (["hz", "5", "Daemonize", "yes"],
     "CONFIG SET failed (possibly related to argument 'Daemonize') - can't set immutable config"),
    (["daemonize", "yes", "nosuch", "x"],
     "CONFIG SET failed (possibly related to argument 'daemonize') - can't set immutable config"),
    (["hz", "x", "nosuch", "x"], "Unknown option or number of arguments for CONFIG SET - 'nosuch'"),
    (["maxclients", "10", "timeout", "x"], "CONFIG SET failed (possibly related to argument "
     "'timeout') - argument couldn't be parsed into an integer"),
])
def test_config_set_errors(r, args, message):
    with pytest.raises(redis.ResponseError) as e:
        r.execute_command("CONFIG", "SET", *args)
    assert str(e.value) == message


def test_config_get_arity(r):
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'config\|get' command$"):
        r.execute_command("CONFIG", "GET")
    with pytest.raises(redis.ResponseError, match=r"^unknown subcommand 'FOO'. Try CONFIG HELP.$"):
        r.execute_command("CONFIG", "FOO")


def test_config_resetstat(r):
    r.set("k", "v")
    r.get("k")
    r.get("nope")
    assert r.config_resetstat() is True
    st = info(r, "stats")["stats"]
    assert st["keyspace_hits"] == "0"
    assert st["keyspace_misses"] == "0"
    assert int(st["total_commands_processed"]) <= 2
    assert "cmdstat_get" not in info(r, "commandstats")["commandstats"]


# --- TIME, DEBUG ---

def test_time(r):
    sec, usec = r.time()
    assert abs(sec - time.time()) < 5
    assert 0 <= usec < 1_000_000
    with pytest.raises(redis.ResponseError, match=r"^wrong number of arguments for 'time' command$"):
        r.execute_command("TIME", "x")


def test_time_reply_is_two_bulk_strings(raw):
    c = raw()
    c.send("TIME\r\n")
    reply = c.read()
    assert reply.startswith(b"*2\r\n$10\r\n")


def test_debug_sleep_zero(r):
    assert r.execute_command("DEBUG", "SLEEP", "0") == "OK"
    with pytest.raises(redis.ResponseError, match=r"^unknown subcommand or wrong number of "
                       r"arguments for 'FOO'. Try DEBUG HELP.$"):
        r.execute_command("DEBUG", "FOO")


# --- COMMAND ---

def test_command_count_and_list(r):
    count = call(r, "COMMAND", "COUNT")
    names = call(r, "COMMAND", "LIST")
    assert count > 20
    # COMMAND LIST names subcommands too ("config|get").
    assert {"get", "set", "ping", "config|get", "client|list"} <= set(names)
    assert len([n for n in names if "|" not in n]) == count
    assert len(call(r, "COMMAND")) == count


def test_command_list_filterby(r):
    assert set(call(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "get*")) >= {
        "get", "getset", "getdel", "getrange", "getex"}
    assert call(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "xx*") == []
    assert "config|get" in call(r, "COMMAND", "LIST", "FILTERBY", "PATTERN", "config*")
    string_cmds = call(r, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "string")
    assert {"get", "set", "incr", "append"} <= set(string_cmds)
    assert "ping" not in string_cmds
    assert call(r, "COMMAND", "LIST", "FILTERBY", "ACLCAT", "nosuchcat") == []
    assert call(r, "COMMAND", "LIST", "FILTERBY", "MODULE", "nosuchmodule") == []
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        call(r, "COMMAND", "LIST", "FILTERBY", "FOO", "x")
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        call(r, "COMMAND", "LIST", "FOO")


def test_command_info(raw):
    c = raw()
    c.send("COMMAND INFO get nosuch\r\n")
    expected = (b"*2\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n"
                b"*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n")
    reply = c.read()
    assert reply.startswith(expected)
    # An unknown name is a null.
    assert reply.endswith(b"*0\r\n$-1\r\n")


def test_command_info_fields(r):
    (mset,) = call(r, "COMMAND", "INFO", "mset")
    assert mset[0] == "mset"
    assert mset[1] == -3
    assert "write" in mset[2] and "denyoom" in mset[2]
    assert mset[3:6] == [1, -1, 2]
    assert "@write" in mset[6] and "@string" in mset[6] and "@slow" in mset[6]
    (config,) = call(r, "COMMAND", "INFO", "config")
    assert config[1] == -2
    assert "config|get" in [sub[0] for sub in config[9]]


def test_command_docs(r):
    docs = call(r, "COMMAND", "DOCS", "get", "nosuch")
    assert len(docs) == 2 and docs[0] == "get"
    get = dict(pairs(docs[1]))
    assert get["summary"]
    assert get["since"] == "1.0.0"
    assert get["group"] == "string"
    assert get["complexity"] == "O(1)"


def test_command_getkeys(r):
    assert call(r, "COMMAND", "GETKEYS", "SET", "a", "b") == ["a"]
    assert call(r, "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2") == ["a", "b"]
    assert call(r, "COMMAND", "GETKEYS", "DEL", "x", "y", "z") == ["x", "y", "z"]
    assert call(r, "COMMAND", "GETKEYS", "get", "k") == ["k"]
    with pytest.raises(redis.ResponseError, match=r"^Invalid command specified$"):
        call(r, "COMMAND", "GETKEYS", "FOO", "x")
    with pytest.raises(redis.ResponseError, match=r"^The command has no key arguments$"):
        call(r, "COMMAND", "GETKEYS", "PING", "x")
    with pytest.raises(redis.ResponseError,
                       match=r"^Invalid number of arguments specified for command$"):
        call(r, "COMMAND", "GETKEYS", "GET", "a", "b")
    with pytest.raises(redis.ResponseError,
                       match=r"^Invalid number of arguments specified for command$"):
        call(r, "COMMAND", "GETKEYS", "SET", "a")
    # Redis 7.0: GETKEYS itself needs the command and at least one argument.
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'command\|getkeys' command$"):
        call(r, "COMMAND", "GETKEYS", "GET")


def test_command_errors(r):
    with pytest.raises(redis.ResponseError,
                       match=r"^wrong number of arguments for 'command\|count' command$"):
        r.execute_command("COMMAND", "COUNT", "x")
    with pytest.raises(redis.ResponseError, match=r"^unknown subcommand 'FOO'. Try COMMAND HELP.$"):
        r.execute_command("COMMAND", "FOO")


# --- Error texts ---

def test_unknown_command_text(raw):
    c = raw()
    c.send("FOO a b\r\nfoo\r\n")
    expected = (b"-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n"
                b"-ERR unknown command 'foo', with args beginning with: \r\n")
    assert c.read(len(expected)) == expected


def test_unknown_command_long_args_are_cut(raw):
    c = raw()
    long_arg = "x" * 200
    c.send(f"NOPE {long_arg} second\r\n")
    reply = c.read()
    assert reply.startswith(b"-ERR unknown command 'NOPE', with args beginning with: 'xxx")
    # The preview stops at 128 characters of arguments.
    assert reply == b"-ERR unknown command 'NOPE', with args beginning with: '" + \
        b"x" * 128 + b"' \r\n"
    c.send(f"NOPE {'y' * 100} {'z' * 100} w\r\n")
    assert c.read() == b"-ERR unknown command 'NOPE', with args beginning with: '" + \
        b"y" * 100 + b"' '" + b"z" * 25 + b"' \r\n"
    c.send(f"{'Q' * 200} a\r\n")
    assert c.read() == b"-ERR unknown command '" + b"Q" * 128 + \
        b"', with args beginning with: 'a' \r\n"


@pytest.mark.parametrize("cmd,name", [
    ("GET", "get"), ("GET a b", "get"), ("SET a", "set"), ("ECHO", "echo"),
    ("CONFIG", "config"), ("CLIENT SETNAME", "client|setname"), ("CONFIG GET", "config|get"),
    ("INCRBY k", "incrby"), ("TIME 1", "time"), ("DBSIZE x", "dbsize"),
])
def test_wrong_arity_texts(raw, cmd, name):
    c = raw()
    c.send(cmd + "\r\n")
    assert c.read() == f"-ERR wrong number of arguments for '{name}' command\r\n".encode()


# --- Shutting down ---

def test_shutdown_nosave_exits(start_server):
    s = start_server()
    sock = socket.create_connection((s.host, s.port), timeout=5)
    sock.sendall(b"SHUTDOWN NOSAVE\r\n")
    sock.settimeout(10)
    try:
        assert sock.recv(100) == b""  # no reply: the connection closes as the server exits
    except ConnectionResetError:
        pass
    sock.close()
    assert s.proc.wait(timeout=10) == 0


def test_shutdown_errors(r):
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("SHUTDOWN", "FOO")
    with pytest.raises(redis.ResponseError, match=r"^syntax error$"):
        r.execute_command("SHUTDOWN", "SAVE", "NOSAVE")
    with pytest.raises(redis.ResponseError, match=r"^No shutdown in progress.$"):
        r.execute_command("SHUTDOWN", "ABORT")
    assert r.ping() is True


def test_sigterm_exits_zero(start_server):
    s = start_server()
    c = s.client()
    c.set("k", "v")
    s.proc.send_signal(signal.SIGTERM)
    assert s.proc.wait(timeout=10) == 0


def test_config_set_port_moves_the_listener(start_server):
    from conftest import free_port
    s = start_server()
    c = s.client()
    new_port = free_port()
    assert c.config_set("port", str(new_port)) is True
    assert c.ping() is True  # established connections stay
    moved = redis.Redis(host=s.host, port=new_port, decode_responses=True)
    assert moved.config_get("port") == {"port": str(new_port)}
    with pytest.raises(redis.ConnectionError):
        redis.Redis(host=s.host, port=s.port, socket_connect_timeout=1).ping()


def test_config_set_maxclients_below_current(start_server):
    s = start_server()
    clients = [s.client() for _ in range(3)]
    for c in clients:
        c.ping()
    assert clients[0].config_set("maxclients", "2") is True
    # Connected clients stay; new ones are refused.
    for c in clients:
        assert c.ping() is True
    sock = socket.create_connection((s.host, s.port), timeout=5)
    sock.sendall(b"PING\r\n")
    assert sock.recv(100) == b"-ERR max number of clients reached\r\n"
    sock.close()


def test_config_set_protected_dir(r, start_server, tmp_path):
    # Redis 7 refuses to change protected directives unless enable-protected-configs allows.
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("dir", str(tmp_path))
    assert str(e.value) == ("CONFIG SET failed (possibly related to argument 'dir') - can't set "
                            "protected config")
    assert r.config_get("enable-protected-configs") == {"enable-protected-configs": "no"}
    for policy in ["yes", "local"]:
        s = start_server("--enable-protected-configs", policy)
        c = s.client()
        assert c.config_set("dir", str(tmp_path)) is True
        assert c.config_get("dir") == {"dir": str(tmp_path)}
        with pytest.raises(redis.ResponseError, match="can't set immutable config"):
            c.config_set("enable-protected-configs", "no")

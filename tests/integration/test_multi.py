"""Transactions over raw RESP: MULTI EXEC DISCARD WATCH UNWATCH, checked byte for byte
against Redis 7.0.

Queue-time errors (unknown command, wrong arity, no-multi commands) abort the EXEC with
EXECABORT; run-time errors are elements of EXEC's reply. WATCH makes EXEC reply a null
array when a watched key was changed (by anyone, the watcher included), expired, flushed,
swapped, renamed or moved; reads and no-op writes that Redis does not signal leave it alone.
Keys are spread wide so that at --threads 4 one transaction spans every shard.

WATCH, redis-py pipelines and the concurrent tests are in test_multi_clients.py.
"""
import socket
import time

import pytest

from conftest import encode

OK = b"+OK\r\n"
QUEUED = b"+QUEUED\r\n"
NULL_EXEC = b"*-1\r\n"
EXEC_PONG = b"*1\r\n+PONG\r\n"
EXECABORT = b"-EXECABORT Transaction discarded because of previous errors.\r\n"
NO_MULTI = b"-ERR EXEC without MULTI\r\n"


class Conn:
    """One raw connection: calling it sends one command and returns its raw reply."""

    def __init__(self, raw_conn):
        self.c = raw_conn

    def __call__(self, *args):
        self.c.send(encode(*args))
        return self.c.read()

    def send(self, data):
        self.c.send(data)

    def read(self, nbytes=None, timeout=5):
        return self.c.read(nbytes, timeout=timeout)


@pytest.fixture
def conn(raw, r):
    """Makes raw connections (after `r` flushed the server)."""
    return lambda: Conn(raw())


def bulk(s):
    s = s if isinstance(s, bytes) else str(s).encode()
    return b"$%d\r\n%s\r\n" % (len(s), s)


def exec_ping(c):
    """A transaction of one PING: EXEC_PONG if it ran, NULL_EXEC if a watch failed it."""
    assert c("MULTI") == OK
    assert c("PING") == QUEUED
    return c("EXEC")


# --- MULTI / EXEC / DISCARD basics ---

def test_queued_replies_and_exec_array(conn):
    c = conn()
    assert c("MULTI") == OK
    assert c("SET", "k", "1") == QUEUED
    assert c("INCR", "k") == QUEUED
    assert c("GET", "k") == QUEUED
    assert c("RPUSH", "l", "a", "b") == QUEUED
    assert c("LRANGE", "l", 0, -1) == QUEUED
    assert c("GET", "missing") == QUEUED
    assert c("EXEC") == (b"*6\r\n+OK\r\n:2\r\n$1\r\n2\r\n:2\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"
                         b"$-1\r\n")
    assert c("GET", "k") == bulk("2")  # out of MULTI again: commands run at once


def test_pipelined_transaction_in_one_write(conn):
    c = conn()
    c.send(encode("MULTI") + encode("SET", "a", "x") + encode("APPEND", "a", "yz")
           + encode("STRLEN", "a") + encode("EXEC") + encode("GET", "a"))
    want = OK + QUEUED * 3 + b"*3\r\n+OK\r\n:3\r\n:3\r\n" + bulk("xyz")
    assert c.read(len(want)) == want


def test_queued_commands_do_not_run_before_exec(conn):
    c, other = conn(), conn()
    assert c("MULTI") == OK
    assert c("SET", "k", "v") == QUEUED
    assert c("INCR", "n") == QUEUED
    assert other("GET", "k") == b"$-1\r\n"
    assert other("EXISTS", "n") == b":0\r\n"
    # The queued commands see the data as it is at EXEC, not at queueing.
    assert other("SET", "n", "41") == OK
    assert c("EXEC") == b"*2\r\n+OK\r\n:42\r\n"
    assert other("GET", "k") == bulk("v")


def test_empty_transaction(conn):
    c = conn()
    assert c("MULTI") == OK
    assert c("EXEC") == b"*0\r\n"
    assert c("EXEC") == NO_MULTI


def test_discard(conn):
    c = conn()
    assert c("MULTI") == OK
    assert c("SET", "k", "v") == QUEUED
    assert c("DEL", "other") == QUEUED
    assert c("DISCARD") == OK
    assert c("GET", "k") == b"$-1\r\n"
    assert c("EXEC") == NO_MULTI
    assert c("DISCARD") == b"-ERR DISCARD without MULTI\r\n"


def test_exec_and_discard_without_multi(conn):
    c = conn()
    assert c("EXEC") == NO_MULTI
    assert c("DISCARD") == b"-ERR DISCARD without MULTI\r\n"
    # Redis compat: EXEC's arity error is an EXECABORT even outside MULTI.
    assert c("EXEC", "x") == (b"-EXECABORT Transaction discarded because of: wrong number of "
                              b"arguments for 'exec' command\r\n")
    assert c("DISCARD", "x") == b"-ERR wrong number of arguments for 'discard' command\r\n"
    assert c("MULTI", "x") == b"-ERR wrong number of arguments for 'multi' command\r\n"
    assert c("EXEC") == NO_MULTI  # MULTI x did not start a transaction
    assert c("PING") == b"+PONG\r\n"


def test_nested_multi_is_an_error_and_the_transaction_goes_on(conn):
    c = conn()
    assert c("MULTI") == OK
    assert c("SET", "a", "1") == QUEUED
    assert c("MULTI") == b"-ERR MULTI calls can not be nested\r\n"
    assert c("SET", "b", "2") == QUEUED
    assert c("EXEC") == b"*2\r\n+OK\r\n+OK\r\n"
    assert c("MGET", "a", "b") == b"*2\r\n" + bulk("1") + bulk("2")


def test_watch_inside_multi_is_an_error_and_the_transaction_goes_on(conn):
    c = conn()
    assert c("MULTI") == OK
    assert c("WATCH", "k") == b"-ERR WATCH inside MULTI is not allowed\r\n"
    assert c("SET", "k", "1") == QUEUED
    assert c("EXEC") == b"*1\r\n+OK\r\n"
    # The failed WATCH watched nothing.
    other = conn()
    assert other("SET", "k", "2") == OK
    assert exec_ping(c) == EXEC_PONG


def test_unwatch_inside_multi_is_queued(conn):
    c = conn()
    assert c("MULTI") == OK
    assert c("UNWATCH") == QUEUED
    assert c("EXEC") == b"*1\r\n+OK\r\n"
    assert c("UNWATCH") == OK  # outside MULTI, with nothing watched


@pytest.mark.parametrize("cmd", [("MULTI", "x"), ("DISCARD", "x"), ("WATCH",)])
def test_arity_errors_of_transaction_commands_inside_multi_abort_it(conn, cmd):
    c = conn()
    assert c("MULTI") == OK
    name = cmd[0].lower().encode()
    assert c(*cmd) == b"-ERR wrong number of arguments for '%s' command\r\n" % name
    assert c("SET", "k", "v") == QUEUED
    assert c("EXEC") == EXECABORT
    assert c("EXISTS", "k") == b":0\r\n"


def test_exec_with_arguments_inside_multi_discards_the_transaction(conn):
    c = conn()
    assert c("MULTI") == OK
    assert c("SET", "k", "v") == QUEUED
    assert c("EXEC", "now") == (b"-EXECABORT Transaction discarded because of: wrong number of "
                                b"arguments for 'exec' command\r\n")
    assert c("EXISTS", "k") == b":0\r\n"  # not queued: the transaction is over
    assert c("EXEC") == NO_MULTI


# --- Queue-time errors: EXECABORT ---

QUEUE_ERRORS = [
    (("NOSUCHCOMMAND", "x", "y"),
     b"-ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x' 'y' \r\n"),
    (("NOSUCHCOMMAND",), b"-ERR unknown command 'NOSUCHCOMMAND', with args beginning with: \r\n"),
    (("GET",), b"-ERR wrong number of arguments for 'get' command\r\n"),
    (("SET", "k"), b"-ERR wrong number of arguments for 'set' command\r\n"),
    (("HSET", "h", "f"), b"-ERR wrong number of arguments for 'hset' command\r\n"),
    (("CLIENT", "NOSUCH"), None),  # an unknown subcommand: checked at queue time too
]


@pytest.mark.parametrize("cmd,error", QUEUE_ERRORS)
def test_queue_time_error_aborts_exec(conn, cmd, error):
    c = conn()
    assert c("SET", "before", "1") == OK
    assert c("MULTI") == OK
    assert c("SET", "a", "1") == QUEUED
    got = c(*cmd)
    if error is not None:
        assert got == error
    else:
        assert got.startswith(b"-ERR unknown subcommand 'NOSUCH'"), got
    assert c("INCR", "before") == QUEUED  # commands after the error are still queued
    assert c("EXEC") == EXECABORT
    assert c("MGET", "a", "before") == b"*2\r\n$-1\r\n" + bulk("1")  # nothing ran
    assert c("EXEC") == NO_MULTI  # and the transaction is over


def test_execabort_wins_over_a_failed_watch(conn):
    c, other = conn(), conn()
    assert c("WATCH", "k") == OK
    assert other("SET", "k", "changed") == OK
    assert c("MULTI") == OK
    assert c("GET") == b"-ERR wrong number of arguments for 'get' command\r\n"
    assert c("EXEC") == EXECABORT
    # EXECABORT also dropped the watch.
    assert other("SET", "k", "again") == OK
    assert exec_ping(c) == EXEC_PONG


@pytest.mark.timeout(30)
def test_command_not_allowed_inside_a_transaction(start_server):
    # Redis 7.0 flags SHUTDOWN SAVE SYNC PSYNC no-multi. A private server, in case SHUTDOWN
    # ever ran.
    s = start_server()
    c = socket.create_connection((s.host, s.port), timeout=5)
    c.sendall(encode("MULTI") + encode("SET", "k", "v") + encode("SHUTDOWN", "NOSAVE")
              + encode("SHUTDOWN") + encode("EXEC") + encode("EXISTS", "k"))
    want = (OK + QUEUED + b"-ERR Command not allowed inside a transaction\r\n" * 2 + EXECABORT
            + b":0\r\n")
    got = b""
    while len(got) < len(want):
        chunk = c.recv(65536)
        assert chunk, got
        got += chunk
    assert got == want
    c.close()
    assert s.proc.poll() is None


# --- Run-time errors: elements of the reply ---

def test_runtime_errors_are_elements_and_the_rest_runs(conn):
    c = conn()
    assert c("RPUSH", "list", "a") == b":1\r\n"
    assert c("MULTI") == OK
    for cmd in [("SET", "a", "1"), ("INCR", "list"), ("SET", "s", "abc"), ("INCR", "s"),
                ("SET", "x", "1", "BADOPTION"), ("SELECT", "99"), ("LPUSH", "s", "v"),
                ("INCRBY", "a", "2"), ("GET", "list"), ("LLEN", "list")]:
        assert c(*cmd) == QUEUED, cmd
    assert c("EXEC") == (
        b"*10\r\n+OK\r\n"
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        b"+OK\r\n"
        b"-ERR value is not an integer or out of range\r\n"
        b"-ERR syntax error\r\n"
        b"-ERR DB index is out of range\r\n"
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        b":3\r\n"
        b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
        b":1\r\n")
    assert c("MGET", "a", "s", "x") == b"*3\r\n" + bulk("3") + bulk("abc") + b"$-1\r\n"


def test_no_rollback_writes_before_an_error_stay(conn):
    c = conn()
    assert c("SET", "str", "v") == OK
    assert c("MULTI") == OK
    assert c("SET", "k1", "one") == QUEUED
    assert c("LPUSH", "str", "x") == QUEUED
    assert c("SET", "k2", "two") == QUEUED
    assert c("EXEC") == (b"*3\r\n+OK\r\n-WRONGTYPE Operation against a key holding the wrong "
                         b"kind of value\r\n+OK\r\n")
    assert c("MGET", "k1", "k2", "str") == b"*3\r\n" + bulk("one") + bulk("two") + bulk("v")


# --- Connection-level commands inside MULTI ---

def test_quit_inside_multi_closes_without_running(conn):
    c, other = conn(), conn()
    assert c("MULTI") == OK
    assert c("SET", "k", "v") == QUEUED
    c.send(encode("QUIT"))
    out, closed = c.c.read_until_closed()
    assert (out, closed) == (OK, True)
    assert other("EXISTS", "k") == b":0\r\n"


def test_reset_inside_multi_discards_and_unwatches(conn):
    c, other = conn(), conn()
    assert c("WATCH", "w") == OK
    assert c("MULTI") == OK
    assert c("SET", "k", "v") == QUEUED
    assert c("RESET") == b"+RESET\r\n"
    assert c("EXEC") == NO_MULTI
    assert c("EXISTS", "k") == b":0\r\n"
    assert other("SET", "w", "changed") == OK
    assert exec_ping(c) == EXEC_PONG


def test_client_list_shows_multi_state(conn):
    c, other = conn(), conn()
    assert c("CLIENT", "SETNAME", "txclient") == OK
    assert c("MULTI") == OK
    assert c("SET", "a", "1") == QUEUED
    assert c("GET", "a") == QUEUED
    line = [ln for ln in other("CLIENT", "LIST").decode().split("\n") if "name=txclient" in ln][0]
    assert " flags=x " in line and " multi=2 " in line, line
    assert c("EXEC") == b"*2\r\n+OK\r\n" + bulk("1")
    line = [ln for ln in other("CLIENT", "LIST").decode().split("\n") if "name=txclient" in ln][0]
    assert " flags=N " in line and " multi=-1 " in line, line


def test_connection_commands_inside_multi(conn):
    c = conn()
    assert c("MULTI") == OK
    assert c("PING") == QUEUED
    assert c("PING", "hi") == QUEUED
    assert c("ECHO", "e") == QUEUED
    assert c("CLIENT", "SETNAME", "named") == QUEUED
    assert c("CLIENT", "GETNAME") == QUEUED
    assert c("EXEC") == b"*5\r\n+PONG\r\n" + bulk("hi") + bulk("e") + OK + bulk("named")


# --- Disconnects and per-connection state ---

@pytest.mark.timeout(30)
def test_disconnect_in_the_middle_of_multi_runs_nothing(conn, r):
    for tail in (b"", encode("EXEC")[:7]):  # queued only, and EXEC half sent
        c = conn()
        cid = int(c("CLIENT", "ID")[1:-2])
        assert c("MULTI") == OK
        for i in range(20):
            assert c("SET", f"gone:{i}", "v") == QUEUED
        c.send(tail)
        c.c.close()
        deadline = time.time() + 5
        while f"id={cid} " in r.execute_command("CLIENT", "LIST") and time.time() < deadline:
            time.sleep(0.01)
        assert f"id={cid} " not in r.execute_command("CLIENT", "LIST")
        assert r.dbsize() == 0


def test_multi_state_is_per_connection(conn):
    a, b = conn(), conn()
    assert a("MULTI") == OK
    assert a("INCR", "n") == QUEUED
    assert b("INCR", "n") == b":1\r\n"  # b is not in a's transaction
    assert b("EXEC") == NO_MULTI
    assert b("DISCARD") == b"-ERR DISCARD without MULTI\r\n"
    assert b("MULTI") == OK
    assert b("INCR", "n") == QUEUED
    assert a("INCR", "n") == QUEUED
    assert b("EXEC") == b"*1\r\n:2\r\n"
    assert a("EXEC") == b"*2\r\n:3\r\n:4\r\n"
    assert a("GET", "n") == bulk("4")


@pytest.mark.timeout(30)
def test_exec_reply_is_not_interleaved_with_other_clients(conn):
    a, b = conn(), conn()
    assert a("MULTI") == OK
    for i in range(50):
        assert a("RPUSH", "l", i) == QUEUED
    b.send(b"".join(encode("RPUSH", "l", "b") for _ in range(50)))
    a.send(encode("EXEC"))
    want = b"*50\r\n"
    got = a.read(len(want))
    assert got == want
    replies = [int(a.read()[1:-2]) for _ in range(50)]
    assert replies == list(range(replies[0], replies[0] + 50))  # consecutive: nothing between
    for _ in range(50):
        b.read()
    assert a("LLEN", "l") == b":100\r\n"


# --- Blocking commands inside MULTI never block ---

@pytest.mark.timeout(30)
def test_blocking_commands_inside_multi_return_at_once(conn, r):
    c = conn()
    assert c("MULTI") == OK
    for cmd in [("BLPOP", "e", 0), ("BRPOP", "e", 0), ("BLMOVE", "e", "d", "LEFT", "RIGHT", 0),
                ("BRPOPLPUSH", "e", "d", 0), ("BZPOPMIN", "e", 0), ("BZPOPMAX", "e", 0),
                ("BLMPOP", 0, 1, "e", "LEFT"), ("BZMPOP", 0, 1, "e", "MIN")]:
        assert c(*cmd) == QUEUED
    start = time.time()
    # Redis compat: the list-to-list moves answer a null bulk, the rest a null array.
    assert c("EXEC") == (b"*8\r\n*-1\r\n*-1\r\n$-1\r\n$-1\r\n*-1\r\n*-1\r\n*-1\r\n*-1\r\n")
    assert time.time() - start < 1
    assert r.info("clients")["blocked_clients"] == 0
    assert r.exists("e", "d") == 0


def test_blocking_commands_inside_multi_take_what_is_there(conn):
    c = conn()
    assert c("RPUSH", "q", "a", "b") == b":2\r\n"
    assert c("ZADD", "z", "1.5", "m") == b":1\r\n"
    assert c("MULTI") == OK
    assert c("BLPOP", "q", 0) == QUEUED
    assert c("BLMOVE", "q", "d", "LEFT", "RIGHT", 0) == QUEUED
    assert c("BZPOPMIN", "z", 0) == QUEUED
    assert c("RPUSH", "q2", "x") == QUEUED
    assert c("BRPOP", "q2", 0) == QUEUED  # filled by the command queued before it
    assert c("BLPOP", "q", 0) == QUEUED   # empty again
    assert c("EXEC") == (b"*6\r\n*2\r\n" + bulk("q") + bulk("a") + bulk("b")
                         + b"*3\r\n" + bulk("z") + bulk("m") + bulk("1.5")
                         + b":1\r\n*2\r\n" + bulk("q2") + bulk("x") + b"*-1\r\n")
    assert c("LRANGE", "d", 0, -1) == b"*1\r\n" + bulk("b")


def test_blocking_argument_errors_inside_multi(conn):
    c = conn()
    assert c("SET", "s", "v") == OK
    assert c("MULTI") == OK
    assert c("BLPOP", "q", "-1") == QUEUED
    assert c("BLPOP", "q", "abc") == QUEUED
    assert c("BLPOP", "s", 0) == QUEUED
    assert c("EXEC") == (b"*3\r\n-ERR timeout is negative\r\n"
                         b"-ERR timeout is not a float or out of range\r\n"
                         b"-WRONGTYPE Operation against a key holding the wrong kind of value\r\n")


@pytest.mark.timeout(30)
def test_pushes_in_a_transaction_wake_a_waiter_only_after_exec(conn, r):
    waiter, c = conn(), conn()
    waiter.send(encode("BLPOP", "q", 0))
    deadline = time.time() + 5
    while r.info("clients")["blocked_clients"] < 1 and time.time() < deadline:
        time.sleep(0.005)
    assert c("MULTI") == OK
    assert c("RPUSH", "q", "a") == QUEUED
    assert c("RPUSH", "q", "b") == QUEUED
    assert c("LLEN", "q") == QUEUED
    # The waiter is served after the whole transaction, not after the first push.
    assert c("EXEC") == b"*3\r\n:1\r\n:2\r\n:2\r\n"
    assert waiter.read() == b"*2\r\n" + bulk("q") + bulk("a")
    assert c("LRANGE", "q", 0, -1) == b"*1\r\n" + bulk("b")


# --- Many keys, many shards, databases and keyspace commands ---

KEYS = [f"key:{i}" for i in range(32)]


def test_multi_key_commands_across_shards(conn):
    c = conn()
    assert c("MULTI") == OK
    mset = [x for i, k in enumerate(KEYS) for x in (k, i)]
    assert c("MSET", *mset) == QUEUED
    for k in KEYS:
        assert c("INCR", k) == QUEUED
    assert c("MGET", *KEYS) == QUEUED
    for k in KEYS[:16]:
        assert c("RENAME", k, "renamed:" + k) == QUEUED
    assert c("DEL", *KEYS) == QUEUED
    assert c("EXISTS", *KEYS, *["renamed:" + k for k in KEYS[:16]]) == QUEUED
    assert c("DBSIZE") == QUEUED
    want = (b"*%d\r\n" % (1 + 32 + 1 + 16 + 3) + OK
            + b"".join(b":%d\r\n" % (i + 1) for i in range(32))
            + b"*32\r\n" + b"".join(bulk(i + 1) for i in range(32))
            + OK * 16 + b":16\r\n:16\r\n:16\r\n")
    assert c("EXEC") == want
    assert c("MGET", *["renamed:" + k for k in KEYS[:16]]) == (
        b"*16\r\n" + b"".join(bulk(i + 1) for i in range(16)))


def test_keyspace_commands_inside_multi(conn, r):
    c = conn()
    r.mset({k: "v" for k in KEYS})
    assert c("MULTI") == OK
    assert c("DBSIZE") == QUEUED
    assert c("FLUSHDB") == QUEUED
    assert c("DBSIZE") == QUEUED
    assert c("SET", "after", "1") == QUEUED
    assert c("KEYS", "*") == QUEUED
    assert c("DBSIZE") == QUEUED
    assert c("EXEC") == (b"*6\r\n:32\r\n+OK\r\n:0\r\n+OK\r\n*1\r\n" + bulk("after")
                         + b":1\r\n")
    r.mset({k: "v" for k in KEYS})
    assert c("MULTI") == OK
    assert c("KEYS", "key:*") == QUEUED
    assert c("DEL", *KEYS[::2]) == QUEUED
    assert c("KEYS", "key:*") == QUEUED
    assert c("EXEC").startswith(b"*3\r\n*32\r\n")
    assert sorted(r.keys("key:*")) == sorted(KEYS[1::2])


def test_select_inside_multi_changes_the_db_for_the_rest_and_after(conn, r):
    c = conn()
    assert c("SET", "k", "db0") == OK
    assert c("MULTI") == OK
    assert c("SELECT", 1) == QUEUED
    assert c("SET", "k", "db1") == QUEUED
    assert c("MSET", *[x for k in KEYS for x in (k, "one")]) == QUEUED
    assert c("DBSIZE") == QUEUED
    assert c("EXEC") == b"*4\r\n+OK\r\n+OK\r\n+OK\r\n:33\r\n"
    assert c("GET", "k") == bulk("db1")  # still in db 1 after EXEC
    assert c("SELECT", 0) == OK
    assert c("GET", "k") == bulk("db0")
    assert c("DBSIZE") == b":1\r\n"
    # A failed SELECT leaves the rest in the old db.
    assert c("MULTI") == OK
    assert c("SELECT", 99) == QUEUED
    assert c("GET", "k") == QUEUED
    assert c("EXEC") == b"*2\r\n-ERR DB index is out of range\r\n" + bulk("db0")
    r.execute_command("FLUSHALL")


def test_flushall_and_swapdb_inside_multi(conn):
    c = conn()
    assert c("MSET", *[x for k in KEYS for x in (k, "zero")]) == OK
    assert c("MULTI") == OK
    assert c("SWAPDB", 0, 1) == QUEUED
    assert c("DBSIZE") == QUEUED
    assert c("SELECT", 1) == QUEUED
    assert c("DBSIZE") == QUEUED
    assert c("FLUSHALL") == QUEUED
    assert c("DBSIZE") == QUEUED
    assert c("EXEC") == b"*6\r\n+OK\r\n:0\r\n+OK\r\n:32\r\n+OK\r\n:0\r\n"


# --- RESP3 ---

def test_resp3_exec_replies(conn):
    c, other = conn(), conn()
    assert c("HELLO", 3).startswith(b"%7\r\n")
    assert c("MULTI") == OK
    for cmd in [("SET", "z", "1"), ("GET", "z"), ("ZADD", "zz", "1.5", "m"),
                ("ZSCORE", "zz", "m"), ("HSET", "h", "f", "v"), ("HGETALL", "h"),
                ("GET", "nokey"), ("SADD", "s", "x"), ("SMEMBERS", "s"), ("INCR", "zz")]:
        assert c(*cmd) == QUEUED
    assert c("EXEC") == (b"*10\r\n+OK\r\n" + bulk("1") + b":1\r\n,1.5\r\n:1\r\n%1\r\n"
                         + bulk("f") + bulk("v") + b"_\r\n:1\r\n~1\r\n" + bulk("x")
                         + b"-WRONGTYPE Operation against a key holding the wrong kind of "
                           b"value\r\n")
    assert c("MULTI") == OK
    assert c("EXEC") == b"*0\r\n"
    # A failed watch: EXEC's null is RESP3's null.
    assert c("WATCH", "z") == OK
    assert other("SET", "z", "2") == OK
    assert c("MULTI") == OK
    assert c("GET", "z") == QUEUED
    assert c("EXEC") == b"_\r\n"
    assert c("MULTI") == OK
    assert c("NOSUCH") == b"-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
    assert c("EXEC") == EXECABORT
    assert c("EXEC") == NO_MULTI


def test_resp3_blocking_commands_inside_multi(conn):
    c = conn()
    assert c("HELLO", 3).startswith(b"%7\r\n")
    assert c("MULTI") == OK
    assert c("BLPOP", "e", 0) == QUEUED
    assert c("BLMOVE", "e", "d", "LEFT", "LEFT", 0) == QUEUED
    assert c("BZPOPMIN", "e", 0) == QUEUED
    assert c("EXEC") == b"*3\r\n_\r\n_\r\n_\r\n"


def test_resp2_null_exec_is_a_null_array(conn):
    c, other = conn(), conn()
    assert c("WATCH", "k") == OK
    assert other("SET", "k", "v") == OK
    assert c("MULTI") == OK
    assert c("SET", "k", "mine") == QUEUED  # still QUEUED although EXEC will fail
    assert c("EXEC") == NULL_EXEC
    assert c("GET", "k") == bulk("v")

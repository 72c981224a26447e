"""SLOWLOG GET/LEN/RESET/HELP as Redis 7.0 keeps its entries: what is logged (script
commands as "?:0", EXEC's commands but not EXEC, a served blocking pop), how arguments are
cut and secrets redacted, and the directives slowlog-log-slower-than / slowlog-max-len."""
import threading
import time

import pytest
import redis


@pytest.fixture
def slow(r):
    saved = r.config_get("slowlog-*")
    r.config_set("slowlog-log-slower-than", 0)
    r.config_set("slowlog-max-len", 128)
    r.slowlog_reset()
    yield r
    r.config_set("slowlog-log-slower-than", saved["slowlog-log-slower-than"])
    r.config_set("slowlog-max-len", saved["slowlog-max-len"])
    r.slowlog_reset()


def entries(r, count=None):
    """(args, addr, name) of each entry, newest first; ids strictly decreasing."""
    raw = r.execute_command("SLOWLOG", "GET", *([] if count is None else [count]))
    ids = [e[0] for e in raw]
    assert ids == sorted(ids, reverse=True) and len(set(ids)) == len(ids)
    for e in raw:
        assert len(e) == 6 and e[2] >= 0 and abs(e[1] - time.time()) < 60
    return [(list(e[3]), e[4], e[5]) for e in raw]


def test_entry_fields_and_client(slow):
    slow.client_setname("app-1")
    slow.set("k", "v")
    (args, addr, name), = [e for e in entries(slow) if e[0][0].upper() == "SET"]
    assert args == ["SET", "k", "v"]
    assert addr.startswith("127.0.0.1:")
    assert name == "app-1"


def test_script_commands_are_the_fake_clients(slow):
    slow.eval("redis.call('set','a','1'); return redis.call('get','a')", 0)
    got = entries(slow)
    assert got[0][0][0] == "EVAL"
    assert got[1] == (["get", "a"], "?:0", "")
    assert got[2] == (["set", "a", "1"], "?:0", "")


def test_exec_is_not_logged_its_commands_are(slow):
    p = slow.pipeline(transaction=True)
    p.set("b{t}", 2)
    p.incr("b{t}")
    p.execute()
    names = [e[0][0].upper() for e in entries(slow)]
    assert names[:3] == ["INCRBY", "SET", "MULTI"]
    assert "EXEC" not in names


def test_secrets_are_redacted(slow):
    with pytest.raises(redis.ResponseError):
        slow.execute_command("AUTH", "foo", "bar")
    slow.execute_command("HELLO", "2", "AUTH", "default", "nopass", "SETNAME", "n1")
    slow.execute_command("CONFIG", "SET", "requirepass", "", "timeout", "0")
    got = [e[0] for e in entries(slow)[:3]]
    assert got[0] == ["CONFIG", "SET", "requirepass", "(redacted)", "timeout", "0"]
    assert got[1] == ["HELLO", "2", "AUTH", "(redacted)", "(redacted)", "SETNAME", "n1"]
    assert got[2] == ["AUTH", "(redacted)", "(redacted)"]


def test_long_arguments_are_cut(slow):
    slow.rpush("l", *range(1, 41))
    slow.set("s", "x" * 200)
    (s_args, _, _), (l_args, _, _) = entries(slow, 2)
    assert s_args == ["SET", "s", "x" * 128 + "... (72 more bytes)"]
    assert len(l_args) == 32
    assert l_args[:3] == ["RPUSH", "l", "1"] and l_args[30] == "29"
    assert l_args[31] == "... (11 more arguments)"


def test_served_blocking_pop_is_logged_once(slow, server):
    other = server.client()
    got = []
    t = threading.Thread(target=lambda: got.append(other.blpop("q", 0)))
    t.start()
    time.sleep(0.3)
    slow.rpush("q", "x")
    t.join(5)
    assert got == [("q", "x")]
    names = [e[0][0].upper() for e in entries(slow)]
    assert names[:2] == ["BLPOP", "RPUSH"]
    assert names.count("BLPOP") == 1


def test_get_count_len_reset_and_max_len(slow):
    for i in range(20):
        slow.set(f"k{i}", i)
    assert len(entries(slow)) == 10
    assert len(entries(slow, 3)) == 3
    assert len(entries(slow, -1)) >= 21
    slow.config_set("slowlog-max-len", 5)
    slow.set("one", 1)
    assert len(entries(slow, -1)) == 5
    assert slow.slowlog_len() == 5
    slow.slowlog_reset()
    assert slow.slowlog_len() == 1  # SLOWLOG RESET logs itself
    slow.config_set("slowlog-log-slower-than", -1)
    slow.slowlog_reset()
    slow.set("two", 2)
    assert entries(slow) == []


def test_high_threshold_logs_nothing_fast(slow):
    slow.config_set("slowlog-log-slower-than", 10_000_000)
    slow.slowlog_reset()
    slow.set("k", "v")
    assert slow.slowlog_len() == 0


def test_errors_and_help(slow):
    for bad in ["-2", "abc"]:
        with pytest.raises(redis.ResponseError,
                           match="^count should be greater than or equal to -1$"):
            slow.execute_command("SLOWLOG", "GET", bad)
    with pytest.raises(redis.ResponseError, match=r"^unknown subcommand or wrong number of "
                                                  r"arguments for 'GET'. Try SLOWLOG HELP.$"):
        slow.execute_command("SLOWLOG", "GET", "1", "2")
    with pytest.raises(redis.ResponseError, match=r"^unknown subcommand 'foo'. Try SLOWLOG HELP.$"):
        slow.execute_command("SLOWLOG", "foo")
    with pytest.raises(redis.ResponseError, match=r"wrong number of arguments for 'slowlog\|len'"):
        slow.execute_command("SLOWLOG", "LEN", "x")
    help_lines = slow.execute_command("SLOWLOG", "HELP")
    assert help_lines[0].startswith("SLOWLOG <subcommand>")
    assert len(help_lines) == 12


def test_config_set_is_judged_by_the_threshold_it_sets(r):
    saved = r.config_get("slowlog-log-slower-than")["slowlog-log-slower-than"]
    try:
        r.config_set("slowlog-log-slower-than", -1)
        r.slowlog_reset()
        r.config_set("slowlog-log-slower-than", 0)
        args = [e[0] for e in entries(r)]
        assert args[-1] == ["CONFIG", "SET", "slowlog-log-slower-than", "0"]
        r.config_set("slowlog-log-slower-than", -1)
        r.slowlog_reset()
        r.config_set("slowlog-log-slower-than", -1)
        assert r.slowlog_len() == 0
    finally:
        r.config_set("slowlog-log-slower-than", saved)
        r.slowlog_reset()

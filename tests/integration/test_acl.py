"""ACL as Redis 7.0 has it: users and their rules, AUTH and HELLO AUTH, the -NOPERM texts for
commands, keys and channels, %R~/%W~ key permissions, selectors, DRYRUN, the ACL LOG, users
from config lines and an ACL file, requirepass as the default user's password. Every test
starts its own server (users are process-wide), and passes against redis-server too."""
import os
import threading
import time

import pytest
import redis

from test_config_file import assert_fatal, fatal_report


@pytest.fixture
def acl_server(start_server):
    return start_server()


def login(s, user, password, **kw):
    return s.client(username=user, password=password, **kw)


def error_of(fn, *args):
    with pytest.raises(redis.ResponseError) as e:
        fn(*args)
    return str(e.value)


def test_setuser_getuser_list(acl_server):
    c = acl_server.client()
    assert c.execute_command("ACL", "SETUSER", "u1", "on", ">pw", "~k*", "%R~r*", "&ch*",
                             "-@all", "+@read", "+config|get") == "OK"
    info = c.execute_command("ACL", "GETUSER", "u1")
    got = dict(zip(info[::2], info[1::2]))
    assert got["flags"] == ["on"]
    assert got["passwords"] == ["30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"]
    assert got["commands"] == "-@all +@read +config|get"
    assert got["keys"] == "~k* %R~r*"
    assert got["channels"] == "&ch*"
    assert got["selectors"] == []
    lines = c.execute_command("ACL", "LIST")
    assert lines[0] == "user default on nopass ~* &* +@all"
    assert lines[1] == ("user u1 on #30c952fab122c3f9759f02a6d95c3758b246b4fee239957b2d4fee46e26170c4"
                        " ~k* %R~r* resetchannels &ch* -@all +@read +config|get")
    assert c.execute_command("ACL", "GETUSER", "nobody") is None
    assert c.execute_command("ACL", "USERS") == ["default", "u1"]
    assert c.execute_command("ACL", "WHOAMI") == "default"


@pytest.mark.parametrize("rules,expect", [
    (["-@all", "+get", "-set"], "-@all +get"),
    (["+@all", "-debug", "+debug"], "+@all"),
    (["-@all", "+config|get", "+@read"], "-@all +@read +config|get"),
    (["-@all", "+get", "+@read"], "-@all +@read"),
    (["-@all", "+config", "-config|set"], "-@all +config -config|set"),
    (["nocommands", "allcommands"], "+@all"),
])
def test_commands_described_as_redis(acl_server, rules, expect):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "t", "reset", *rules)
    info = c.execute_command("ACL", "GETUSER", "t")
    assert dict(zip(info[::2], info[1::2]))["commands"] == expect


@pytest.mark.parametrize("rule,reason", [
    ("#abc", "The password hash must be exactly 64 characters and contain only lowercase "
             "hexadecimal characters"),
    ("<nope", "The password you are trying to remove from the user does not exist"),
    ("+nosuch", "Unknown command or category name in ACL"),
    ("+@nosuch", "Unknown command or category name in ACL"),
    ("foo", "Syntax error"),
    ("%X~a", "Syntax error"),
    ("+config|get|x", "Allowing first-arg of a subcommand is not supported"),
    ("-select|1", "Unknown command or category name in ACL"),
])
def test_setuser_errors(acl_server, rule, reason):
    c = acl_server.client()
    assert error_of(c.execute_command, "ACL", "SETUSER", "bad", rule) == \
        f"Error in ACL SETUSER modifier '{rule}': {reason}"
    # All or nothing: the user was not made.
    assert c.execute_command("ACL", "GETUSER", "bad") is None


def test_patterns_after_all(acl_server):
    c = acl_server.client()
    assert c.execute_command("ACL", "SETUSER", "u", "~a", "allkeys", "allkeys", "") == "OK"
    assert "Adding a pattern after the * pattern (or the 'allkeys' flag)" in \
        error_of(c.execute_command, "ACL", "SETUSER", "u", "~b")
    assert c.execute_command("ACL", "SETUSER", "u", "~*", "~*", "&*", "&*") == "OK"
    assert "Adding a pattern after" in error_of(c.execute_command, "ACL", "SETUSER", "u", "%RW~*")
    assert "Adding a pattern after" in error_of(c.execute_command, "ACL", "SETUSER", "u", "%X~a")
    # "%RW~*" alone is a pattern, shown as ~*, that other patterns may follow.
    c.execute_command("ACL", "SETUSER", "v", "%RW~*", "~a")
    info = c.execute_command("ACL", "GETUSER", "v")
    assert dict(zip(info[::2], info[1::2]))["keys"] == "~* ~a"
    assert "Adding a pattern after the * pattern (or the 'allchannels' flag)" in \
        error_of(c.execute_command, "ACL", "SETUSER", "u", "allchannels", "&x")
    assert error_of(c.execute_command, "ACL", "SETUSER", "u", "(~x", "+get") == \
        "Unmatched parenthesis in acl selector starting at '(~x'."
    # Checked before any rule applies.
    assert error_of(c.execute_command, "ACL", "SETUSER", "u", "<nope", "(~x +get") == \
        "Unmatched parenthesis in acl selector starting at '(~x +get'."
    for name in ("a b", "a\tb", "a\nb", "a\x00b"):
        assert error_of(c.execute_command, "ACL", "SETUSER", name) == \
            "Usernames can't contain spaces or null characters"
    assert error_of(c.execute_command, "ACL", "DRYRUN", "k\x00x", "get", "a") == \
        "User 'k' not found"
    assert error_of(c.execute_command, "ACL", "DELUSER", "default") == \
        "The 'default' user cannot be removed"


def test_auth_and_noperm(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "w", "on", ">p", "~k*", "%R~r*", "%W~w*", "&ch*",
                      "+@all", "-flushall")
    u = login(acl_server, "w", "p")
    assert u.execute_command("ACL", "WHOAMI") == "w"
    assert u.get("k1") is None
    assert u.get("r1") is None
    assert u.set("w1", "v")
    assert u.set("k1", "v")
    key_err = "this user has no permissions to access one of the keys used as arguments"
    assert error_of(u.get, "x") == key_err
    assert error_of(u.set, "r1", "v") == key_err
    assert error_of(u.get, "w1") == key_err
    assert error_of(u.flushall) == "this user has no permissions to run the 'flushall' command"
    assert error_of(u.publish, "x", "m") == \
        "this user has no permissions to access one of the channels used as arguments"
    assert u.publish("ch1", "m") == 0
    # AUTH failures, and AUTH without a default password.
    for user, password in (("w", "wrong"), ("nouser", "x")):
        with pytest.raises((redis.AuthenticationError, redis.ResponseError)) as e:
            login(acl_server, user, password).ping()
        assert "invalid username-password pair or user is disabled" in str(e.value)
    assert error_of(c.execute_command, "AUTH", "x") == (
        "AUTH <password> called without any password configured for the default user. "
        "Are you sure your configuration is correct?")
    # CLIENT LIST names the user; CLIENT KILL USER finds its clients.
    mine = [l for l in c.execute_command("CLIENT", "LIST").splitlines() if " user=w " in l]
    assert len(mine) == 1


def test_subcommands_and_first_args(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "s", "on", "nopass", "allkeys", "-@all",
                      "+config|get", "+select|0", "+client")
    u = login(acl_server, "s", "")
    assert u.config_get("maxmemory") is not None
    assert error_of(u.config_set, "maxmemory", "0") == \
        "this user has no permissions to run the 'config|set' command"
    assert u.execute_command("SELECT", "0")
    assert error_of(u.execute_command, "SELECT", "1") == \
        "this user has no permissions to run the 'select' command"
    assert isinstance(u.execute_command("CLIENT", "ID"), int)


def test_dryrun(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "d", "on", "nopass", "~k*", "%R~r*", "&ch*",
                      "-@all", "+get", "+exists", "+getdel", "+subscribe", "+psubscribe")
    dry = lambda *a: c.execute_command("ACL", "DRYRUN", "d", *a)  # noqa: E731
    assert dry("get", "k1") == "OK"
    assert dry("get", "x") == "This user has no permissions to access the 'x' key"
    assert dry("exists", "r1") == "OK"
    assert dry("getdel", "r1") == "This user has no permissions to access the 'r1' key"
    assert dry("set", "k1", "v") == "This user has no permissions to run the 'set' command"
    assert dry("subscribe", "c") == "This user has no permissions to access the 'c' channel"
    assert dry("psubscribe", "ch*") == "OK"
    assert dry("get", "x\x00y") == "This user has no permissions to access the 'x' key"
    assert dry("psubscribe", "c*") == "This user has no permissions to access the 'c*' channel"
    assert error_of(dry, "nosuch") == "Command 'nosuch' not found"
    assert error_of(dry, "get") == "wrong number of arguments for 'get' command"
    assert error_of(c.execute_command, "ACL", "DRYRUN", "nouser", "get", "x") == \
        "User 'nouser' not found"


@pytest.mark.parametrize("call,allowed", [
    ("set w1 v", True), ("set w1 v get", False), ("lpush w1 v", True), ("exists w1", True),
    ("getdel w1", False), ("del w1", True), ("copy w1 w2", False), ("get w1", False),
    ("incr w1", False),
])
def test_write_only_keys_follow_the_key_specs(acl_server, call, allowed):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "wo", "on", "nopass", "%W~w*", "+@all")
    got = c.execute_command("ACL", "DRYRUN", "wo", *call.split())
    assert got == ("OK" if allowed else "This user has no permissions to access the 'w1' key")


def test_selectors(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "sel", "on", "nopass", "~a*", "+get",
                      "(~b* +set)", "(%R~c* +@read)")
    lines = [l for l in c.execute_command("ACL", "LIST") if l.startswith("user sel ")]
    assert lines == ["user sel on nopass ~a* resetchannels -@all +get "
                     "(~b* resetchannels -@all +set) (%R~c* resetchannels -@all +@read)"]
    u = login(acl_server, "sel", "")
    assert u.get("a1") is None
    assert u.set("b1", "v")
    assert u.get("c1") is None
    assert error_of(u.set, "a1", "v").startswith("this user has no permissions")
    info = c.execute_command("ACL", "GETUSER", "sel")
    sels = dict(zip(info[::2], info[1::2]))["selectors"]
    assert [dict(zip(s[::2], s[1::2])) for s in sels] == [
        {"commands": "-@all +set", "keys": "~b*", "channels": ""},
        {"commands": "-@all +@read", "keys": "%R~c*", "channels": ""}]


def test_log(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "l", "on", ">p", "~k*", "+@all", "-flushall")
    u = login(acl_server, "l", "p")
    for _ in range(2):
        with pytest.raises(redis.ResponseError):
            u.flushall()
    with pytest.raises(redis.ResponseError):
        u.get("x")
    with pytest.raises((redis.AuthenticationError, redis.ResponseError)):
        login(acl_server, "l", "bad").ping()
    with pytest.raises(redis.ResponseError):
        u.eval("return redis.call('get', 'y')", 0)
    entries = c.execute_command("ACL", "LOG")
    got = [dict(zip(e[::2], e[1::2])) for e in entries]
    brief = [(e["count"], e["reason"], e["context"], e["object"], e["username"]) for e in got]
    assert brief == [(1, "key", "lua", "y", "l"), (1, "auth", "toplevel", "AUTH", "l"),
                     (1, "key", "toplevel", "x", "l"), (2, "command", "toplevel", "flushall", "l")]
    assert set(got[0]) == {"count", "reason", "context", "object", "username", "age-seconds",
                           "client-info"}
    assert float(got[0]["age-seconds"]) < 30
    assert " user=l " in got[0]["client-info"]
    assert len(c.execute_command("ACL", "LOG", "1")) == 1
    assert c.execute_command("ACL", "LOG", "RESET") == "OK"
    assert c.execute_command("ACL", "LOG") == []


def test_scripts_check_the_callers_user(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "sc", "on", ">p", "~k*", "&c*", "+@all", "-flushall")
    u = login(acl_server, "sc", "p")
    assert "The user executing the script can't access at least one of the keys" in \
        error_of(u.eval, "return redis.call('get','x')", 0)
    assert error_of(u.eval, "return redis.pcall('flushall')", 0) == \
        "The user executing the script can't run this command or subcommand"
    assert "The user executing the script can't publish to the channel" in \
        error_of(u.eval, "return redis.call('publish','zz','m')", 0)
    assert u.eval("return redis.acl_check_cmd('get','k1')", 0) == 1
    assert u.eval("return redis.acl_check_cmd('flushall')", 0) is None


def test_multi_refused_at_queue_time(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "m", "on", ">p", "allkeys", "+@all", "-get")
    u = login(acl_server, "m", "p")
    p = u.pipeline(transaction=True)
    p.set("a", "1")
    p.get("a")
    with pytest.raises(redis.ResponseError) as e:
        p.execute()
    assert "EXECABORT" in str(e.value) or "NOPERM" in str(e.value) or "permissions" in str(e.value)
    assert c.get("a") is None


def test_no_auth_commands_stay_open(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "na", "on", ">p", "-@all")
    u = login(acl_server, "na", "p")
    assert error_of(u.ping) == "this user has no permissions to run the 'ping' command"
    assert u.execute_command("AUTH", "na", "p")
    assert u.execute_command("HELLO", "2")


def test_deluser_closes_its_connections(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "gone", "on", ">p", "+@all", "~*")
    u = login(acl_server, "gone", "p")
    assert u.ping()
    assert c.execute_command("ACL", "DELUSER", "gone", "nobody") == 1
    deadline = time.time() + 5
    while time.time() < deadline:
        if not any(" user=gone " in l for l in c.execute_command("CLIENT", "LIST").splitlines()):
            break
        time.sleep(0.05)
    with pytest.raises((redis.ConnectionError, redis.ResponseError)):
        u.connection_pool.reset()
        u.execute_command("ACL", "WHOAMI") and u.get("x")
        raise redis.ConnectionError("reconnected as default")


def test_requirepass_is_the_default_users_password(start_server):
    s = start_server("--requirepass", "secret")
    with pytest.raises(redis.AuthenticationError):
        s.client().ping()
    c = s.client(password="secret")
    assert c.ping()
    assert c.execute_command("ACL", "LIST")[0] == \
        "user default on #2bb80d537b1da3e38bd30361aa855686bde0eacd7162fef6a25fe97bf527a25b ~* &* +@all"
    assert c.config_set("requirepass", "") is True
    assert s.client().ping()


def test_users_from_config_lines(start_server):
    s = start_server(config_text="user alice on >apw ~cached:* +get\nuser default on nopass ~* &* +@all\n")
    a = login(s, "alice", "apw")
    assert a.get("cached:1") is None
    assert error_of(a.set, "cached:1", "v") == \
        "this user has no permissions to run the 'set' command"


def test_acl_file_load_and_save(start_server, make_dir):
    d = make_dir()
    path = os.path.join(d, "users.acl")
    with open(path, "w") as f:
        f.write("user default on nopass ~* &* +@all\nuser bob on >bpw ~b* +@all\n")
    s = start_server("--aclfile", path)
    c = s.client()
    assert c.execute_command("ACL", "USERS") == ["bob", "default"]
    c.execute_command("ACL", "SETUSER", "carol", "on", ">cpw", "~c*", "+get")
    assert c.execute_command("ACL", "SAVE") == "OK"
    text = open(path).read()
    assert "user carol on #" in text and "user bob on #" in text
    with open(path, "a") as f:
        f.write("user dave on nopass +get\n")
    assert c.execute_command("ACL", "LOAD") == "OK"
    assert "dave" in c.execute_command("ACL", "USERS")
    with open(path, "a") as f:
        f.write("user eve on +nosuchcommand\n")
    err = error_of(c.execute_command, "ACL", "LOAD")
    assert "nosuchcommand" in err
    assert "eve" not in c.execute_command("ACL", "USERS")  # nothing changed


def test_without_an_acl_file(acl_server):
    c = acl_server.client()
    for sub in ("SAVE", "LOAD"):
        assert error_of(c.execute_command, "ACL", sub).startswith(
            "This Redis instance is not configured to use an ACL file.")


def test_cat_genpass_help(acl_server):
    c = acl_server.client()
    cats = c.execute_command("ACL", "CAT")
    assert cats[:3] == ["keyspace", "read", "write"] and cats[-1] == "scripting"
    assert "get" in c.execute_command("ACL", "CAT", "string")
    assert "config|set" in c.execute_command("ACL", "CAT", "admin")
    assert error_of(c.execute_command, "ACL", "CAT", "nosuch") == "Unknown category 'nosuch'"
    assert len(c.execute_command("ACL", "GENPASS")) == 64
    assert len(c.execute_command("ACL", "GENPASS", "5")) == 2
    assert "positive number up to 4096" in error_of(c.execute_command, "ACL", "GENPASS", "0")
    assert c.execute_command("ACL", "HELP")[0].startswith("ACL <subcommand>")
    assert error_of(c.execute_command, "ACL", "NOSUCH") == \
        "unknown subcommand 'NOSUCH'. Try ACL HELP."
    for sub in ("CAT", "GENPASS", "LOG"):
        assert error_of(c.execute_command, "ACL", sub, "1", "2") == \
            f"unknown subcommand or wrong number of arguments for '{sub}'. Try ACL HELP."


def test_pubsub_channels(acl_server):
    c = acl_server.client()
    c.execute_command("ACL", "SETUSER", "ps", "on", ">p", "allkeys", "&news.*", "+@all")
    u = login(acl_server, "ps", "p")
    p = u.pubsub()
    p.subscribe("news.1")
    assert p.get_message(timeout=2)["type"] == "subscribe"
    p2 = login(acl_server, "ps", "p").pubsub()
    with pytest.raises(redis.ResponseError) as e:
        p2.subscribe("other")
        p2.get_message(timeout=2)
    assert "channels used as arguments" in str(e.value)


def test_acl_pubsub_default(acl_server):
    c = acl_server.client()
    assert error_of(c.config_set, "acl-pubsub-default", "x").endswith(
        "argument(s) must be one of the following: allchannels, resetchannels")
    assert c.config_get("acl-pubsub-default") == {"acl-pubsub-default": "resetchannels"}
    c.config_set("acl-pubsub-default", "allchannels")
    c.execute_command("ACL", "SETUSER", "newbie")
    info = c.execute_command("ACL", "GETUSER", "newbie")
    assert dict(zip(info[::2], info[1::2]))["channels"] == "&*"
    c.config_set("acl-pubsub-default", "resetchannels")


def test_tracking_table_max_keys_takes_redis_range(acl_server):
    c = acl_server.client()
    assert c.config_set("tracking-table-max-keys", "5000000000")
    assert c.config_get("tracking-table-max-keys") == {"tracking-table-max-keys": "5000000000"}
    c.config_set("tracking-table-max-keys", "1000000")

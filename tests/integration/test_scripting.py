"""Lua scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO, SCRIPT LOAD/EXISTS/FLUSH, Lua<->RESP
conversions (RESP2 and RESP3 clients, redis.setresp), error texts, forbidden commands,
read-only scripts and shebang flags, keys not declared in KEYS, atomicity under load.
Replies are compared byte for byte as Redis 7.0 sends them. The sandbox and the bundled
libraries are in test_scripting_lua.py."""
import hashlib
import threading
import time

import pytest

from conftest import encode


def sha(script):
    return hashlib.sha1(script.encode()).hexdigest()


def at(script, line=1):
    """The suffix Redis 7.0 appends to an error raised inside a script."""
    return f" script: {sha(script)}, on @user_script:{line}."


@pytest.fixture
def ev(raw, r):
    """run(script, keys, args, proto=2|3, cmd="EVAL") -> the reply bytes. One RESP2 and one
    RESP3 (HELLO 3) connection, on a flushed server."""
    conns = {2: raw(), 3: raw()}
    conns[3].send(encode("HELLO", 3))
    conns[3].read()

    def run(script, keys=(), args=(), proto=2, cmd="EVAL"):
        c = conns[proto]
        c.send(encode(cmd, script, len(keys), *keys, *args))
        return c.read()
    return run


@pytest.fixture
def cmd(raw, r):
    """cmd(*args, proto=2) -> the reply bytes of one command."""
    conns = {2: raw(), 3: raw()}
    conns[3].send(encode("HELLO", 3))
    conns[3].read()

    def run(*args, proto=2):
        conns[proto].send(encode(*args))
        return conns[proto].read()
    return run


# --- EVAL arguments ---

def test_keys_and_argv(ev):
    s = "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}"
    assert ev(s, ["a", "b"], ["c", "d"]) == \
        b"*6\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n:2\r\n:2\r\n"
    assert ev("return {#KEYS, #ARGV}") == b"*2\r\n:0\r\n:0\r\n"
    assert ev("return ARGV[1] .. ARGV[2]", [], ["foo", "bar"]) == b"$6\r\nfoobar\r\n"
    # Binary-safe in both directions.
    assert ev("return {KEYS[1], ARGV[1]}", [b"k\x00z"], [b"\xff\x00"]) == \
        b"*2\r\n$3\r\nk\x00z\r\n$2\r\n\xff\x00\r\n"
    assert ev("return #ARGV[1]", [], ["a" * 100000]) == b":100000\r\n"


@pytest.mark.parametrize("args, reply", [
    (("EVAL", "return 1", 2, "a"), b"-ERR Number of keys can't be greater than number of args\r\n"),
    (("EVAL_RO", "return 1", 2, "a"), b"-ERR Number of keys can't be greater than number of args\r\n"),
    (("EVAL", "return 1", -1), b"-ERR Number of keys can't be negative\r\n"),
    (("EVAL", "return 1", "x"), b"-ERR value is not an integer or out of range\r\n"),
    (("EVAL", "return 1", "1.5"), b"-ERR value is not an integer or out of range\r\n"),
    (("EVAL", "return 1", "99999999999999999999"), b"-ERR value is not an integer or out of range\r\n"),
    (("EVAL", "return 1"), b"-ERR wrong number of arguments for 'eval' command\r\n"),
    (("EVALSHA", "x"), b"-ERR wrong number of arguments for 'evalsha' command\r\n"),
    # EVALSHA looks the script up before it parses numkeys.
    (("EVALSHA", "f" * 40, 0), b"-NOSCRIPT No matching script. Please use EVAL.\r\n"),
    (("EVALSHA", "abc", 0), b"-NOSCRIPT No matching script. Please use EVAL.\r\n"),
    (("EVALSHA", "x", "a"), b"-NOSCRIPT No matching script. Please use EVAL.\r\n"),
    (("EVALSHA", "x", 2, "a"), b"-NOSCRIPT No matching script. Please use EVAL.\r\n"),
    (("EVALSHA_RO", "x", 0), b"-NOSCRIPT No matching script. Please use EVAL.\r\n"),
])
def test_argument_errors(cmd, args, reply):
    assert cmd(*args) == reply


# --- SCRIPT LOAD / EXISTS / FLUSH, EVALSHA ---

def test_script_load_exists_evalsha_flush(cmd):
    s = "return 'loaded'"
    h = sha(s)
    assert h == "b534286061d4b9e4026607613b95c06c06015ae8"
    cmd("SCRIPT", "FLUSH")
    assert cmd("SCRIPT", "EXISTS", h) == b"*1\r\n:0\r\n"
    assert cmd("SCRIPT", "LOAD", s) == b"$40\r\n" + h.encode() + b"\r\n"
    assert cmd("SCRIPT", "LOAD", s) == b"$40\r\n" + h.encode() + b"\r\n"
    # The digest is matched case-insensitively.
    assert cmd("SCRIPT", "EXISTS", h, h.upper(), "nope") == b"*3\r\n:1\r\n:1\r\n:0\r\n"
    assert cmd("EVALSHA", h, 0) == b"$6\r\nloaded\r\n"
    assert cmd("EVALSHA", h.upper(), 0) == b"$6\r\nloaded\r\n"
    assert cmd("EVALSHA_RO", h, 0) == b"$6\r\nloaded\r\n"
    assert cmd("EVALSHA", h + "0", 0) == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    assert cmd("EVALSHA", h[:39], 0) == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    for mode in [(), ("ASYNC",), ("SYNC",), ("sync",)]:
        cmd("SCRIPT", "LOAD", s)
        assert cmd("SCRIPT", "FLUSH", *mode) == b"+OK\r\n"
        assert cmd("SCRIPT", "EXISTS", h) == b"*1\r\n:0\r\n"
        assert cmd("EVALSHA", h, 0) == b"-NOSCRIPT No matching script. Please use EVAL.\r\n"
    # EVAL caches the script it ran.
    assert cmd("EVAL", s, 0) == b"$6\r\nloaded\r\n"
    assert cmd("SCRIPT", "EXISTS", h) == b"*1\r\n:1\r\n"
    assert cmd("EVALSHA", h, 0) == b"$6\r\nloaded\r\n"


@pytest.mark.parametrize("args, reply", [
    (("SCRIPT", "LOAD", "return 1 +"),
     b"-ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'\r\n"),
    (("SCRIPT", "LOAD", "#!lua flags=bogus\nreturn 1"), b"-ERR Unexpected flag in script shebang: bogus\r\n"),
    (("SCRIPT", "LOAD"), b"-ERR wrong number of arguments for 'script|load' command\r\n"),
    (("SCRIPT", "LOAD", "a", "b"), b"-ERR wrong number of arguments for 'script|load' command\r\n"),
    (("SCRIPT", "EXISTS"), b"-ERR wrong number of arguments for 'script|exists' command\r\n"),
    (("SCRIPT", "FLUSH", "BAD"), b"-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"),
    (("SCRIPT", "FLUSH", "SYNC", "ASYNC"), b"-ERR SCRIPT FLUSH only support SYNC|ASYNC option\r\n"),
    (("SCRIPT", "KILL", "x"), b"-ERR wrong number of arguments for 'script|kill' command\r\n"),
    (("SCRIPT", "BOGUS"), b"-ERR unknown subcommand 'BOGUS'. Try SCRIPT HELP.\r\n"),
    (("SCRIPT",), b"-ERR wrong number of arguments for 'script' command\r\n"),
    (("SCRIPT", "KILL"), b"-NOTBUSY No scripts in execution right now.\r\n"),
])
def test_script_command_errors(cmd, args, reply):
    assert cmd(*args) == reply


# --- Lua values to RESP ---

NIL2, NIL3 = b"$-1\r\n", b"_\r\n"
LUA_TO_RESP = [
    # (script, RESP2 reply, RESP3 reply or None when the same)
    ("return 1", b":1\r\n", None),
    ("return 3.99", b":3\r\n", None),           # numbers are truncated toward zero
    ("return -3.5", b":-3\r\n", None),
    ("return 9007199254740993", b":9007199254740992\r\n", None),  # a double in Lua
    ("return 'str'", b"$3\r\nstr\r\n", None),
    ("return ''", b"$0\r\n\r\n", None),
    ("return true", b":1\r\n", None),
    ("return false", NIL2, NIL3),
    ("return nil", NIL2, NIL3),
    ("return", NIL2, NIL3),
    ("return {1,2,{3,'x',{}},'y'}", b"*4\r\n:1\r\n:2\r\n*3\r\n:3\r\n$1\r\nx\r\n*0\r\n$1\r\ny\r\n", None),
    ("return {1,2,nil,4}", b"*2\r\n:1\r\n:2\r\n", None),  # an array stops at its first nil
    ("return {1,false,3}", b"*3\r\n:1\r\n$-1\r\n:3\r\n", b"*3\r\n:1\r\n_\r\n:3\r\n"),
    ("return {1.5, 2.9}", b"*2\r\n:1\r\n:2\r\n", None),
    ("return {1,2,a=3,b=4}", b"*2\r\n:1\r\n:2\r\n", None),  # the hash part is dropped
    ("return {a=3}", b"*0\r\n", None),
    ("return {ok='fine'}", b"+fine\r\n", None),
    ("return {err='My error'}", b"-My error\r\n", None),
    ("return {err='noprefix'}", b"-noprefix\r\n", None),
    ("return {ok=1}", b"*0\r\n", None),  # ok/err that are not strings: a plain table
    ("return {err=1}", b"*0\r\n", None),
    ("return redis.status_reply('FINE')", b"+FINE\r\n", None),
    ("return redis.error_reply('bad thing')", b"-bad thing\r\n", None),
    ("return redis.error_reply('-X bad')", b"-X bad\r\n", None),
    ("return {{ok='x'},{err='y'}}", b"*2\r\n+x\r\n-y\r\n", None),
    # RESP3 type tables are understood whatever redis.setresp says.
    ("return {double=3.5}", b"$3\r\n3.5\r\n", b",3.5\r\n"),
    ("return {map={a=1}}", b"*2\r\n$1\r\na\r\n:1\r\n", b"%1\r\n$1\r\na\r\n:1\r\n"),
    ("return {map={}}", b"*0\r\n", b"%0\r\n"),
    ("return {set={a=true}}", b"*1\r\n$1\r\na\r\n", b"~1\r\n$1\r\na\r\n"),
    ("return {set={}}", b"*0\r\n", b"~0\r\n"),
    ("return {big_number='123456789012345678901234567890'}",
     b"$30\r\n123456789012345678901234567890\r\n", b"(123456789012345678901234567890\r\n"),
]


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("script, reply2, reply3", LUA_TO_RESP)
def test_lua_to_resp(ev, script, reply2, reply3, proto):
    assert ev(script, proto=proto) == (reply2 if proto == 2 or reply3 is None else reply3)


SETRESP3 = [
    ("return true", b":1\r\n", b"#t\r\n"),
    ("return false", b":0\r\n", b"#f\r\n"),  # note: 0, not nil, to a RESP2 client
    ("return nil", NIL2, NIL3),
    ("return {double=1.5}", b"$3\r\n1.5\r\n", b",1.5\r\n"),
    ("return {double=3}", b"$1\r\n3\r\n", b",3\r\n"),
    ("return {double=1/0}", b"$3\r\ninf\r\n", b",inf\r\n"),
    ("return {double=-1/0}", b"$4\r\n-inf\r\n", b",-inf\r\n"),
    ("return {map={a={1,2}}}", b"*2\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n", b"%1\r\n$1\r\na\r\n*2\r\n:1\r\n:2\r\n"),
    ("return {verbatim_string={format='txt', string='hi'}}", b"$2\r\nhi\r\n", b"=6\r\ntxt:hi\r\n"),
    ("return {big_number='1234567890123456789012345678901234567890'}",
     b"$40\r\n1234567890123456789012345678901234567890\r\n",
     b"(1234567890123456789012345678901234567890\r\n"),
    # Command replies in RESP3, handed on to the client in its own protocol.
    ("return redis.call('HGETALL', 'h')", b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n", b"%1\r\n$1\r\nf\r\n$1\r\nv\r\n"),
    ("return redis.call('SMEMBERS', 'st')", b"*1\r\n$1\r\nm\r\n", b"~1\r\n$1\r\nm\r\n"),
    ("return redis.call('ZSCORE', 'z', 'a')", b"$3\r\n1.5\r\n", b",1.5\r\n"),
    ("return redis.call('ZRANGE', 'z', 0, -1, 'WITHSCORES')",
     b"*1\r\n*2\r\n$1\r\na\r\n$3\r\n1.5\r\n", b"*1\r\n*2\r\n$1\r\na\r\n,1.5\r\n"),
    ("return redis.call('GET', 'missing')", NIL2, NIL3),
    ("return type(redis.call('GET', 'missing'))", b"$3\r\nnil\r\n", None),
    ("return type(redis.call('HGETALL', 'h').map)", b"$5\r\ntable\r\n", None),
    ("return redis.call('HGETALL', 'h').map.f", b"$1\r\nv\r\n", None),
    ("return tostring(redis.call('SMEMBERS', 'st').set.m)", b"$4\r\ntrue\r\n", None),
    ("local r = redis.call('ZSCORE', 'z', 'a'); return {type(r), tostring(r.double)}",
     b"*2\r\n$5\r\ntable\r\n$3\r\n1.5\r\n", None),
    ("return redis.setresp(3)", NIL2, NIL3),
]


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("script, reply2, reply3", SETRESP3)
def test_setresp3(ev, r, script, reply2, reply3, proto):
    r.hset("h", "f", "v")
    r.sadd("st", "m")
    r.zadd("z", {"a": 1.5})
    got = ev("redis.setresp(3); " + script, proto=proto)
    assert got == (reply2 if proto == 2 or reply3 is None else reply3)


@pytest.mark.parametrize("proto", [2, 3])
def test_resp2_replies_without_setresp(ev, r, proto):
    # Without redis.setresp(3) the script sees RESP2 replies even for a RESP3 client.
    r.hset("h", "f", "v")
    r.zadd("z", {"a": 1.5})
    assert ev("return redis.call('HGETALL', 'h')", proto=proto) == b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n"
    assert ev("return redis.call('ZSCORE', 'z', 'a')", proto=proto) == b"$3\r\n1.5\r\n"
    assert ev("redis.setresp(2); return redis.call('HGETALL', 'h')", proto=proto) == \
        b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n"


def test_setresp_errors(ev):
    s = "redis.setresp(4)"
    assert ev(s) == b"-ERR RESP version must be 2 or 3." + at(s).encode() + b"\r\n"
    s = "redis.setresp()"
    assert ev(s) == b"-ERR redis.setresp() requires one argument." + at(s).encode() + b"\r\n"


# --- RESP replies to Lua ---

RESP_TO_LUA = [
    ("return redis.call('INCR', 'n')", b":11\r\n"),
    ("return type(redis.call('INCR', 'n'))", b"$6\r\nnumber\r\n"),
    ("return redis.call('GET', 's')", b"$5\r\nhello\r\n"),
    ("return type(redis.call('GET', 'missing'))", b"$7\r\nboolean\r\n"),
    ("return tostring(redis.call('GET', 'missing'))", b"$5\r\nfalse\r\n"),
    ("return redis.call('GET', 'missing')", NIL2),
    ("return redis.call('LRANGE', 'l', 0, -1)", b"*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n"),
    ("return #redis.call('LRANGE', 'l', 0, -1)", b":3\r\n"),
    ("return redis.call('HGETALL', 'h')", b"*2\r\n$1\r\nf\r\n$1\r\nv\r\n"),
    ("return redis.call('EXISTS', 'nope')", b":0\r\n"),
    ("local r = redis.call('SET', 'x', 'y'); return type(r)", b"$5\r\ntable\r\n"),
    ("local r = redis.call('SET', 'x', 'y'); return r.ok", b"$2\r\nOK\r\n"),
    ("return redis.call('SET', 'x', 'y')", b"+OK\r\n"),
    ("return redis.call('PING')", b"+PONG\r\n"),
    ("return redis.call('TYPE', 's')", b"+string\r\n"),
    ("local r = redis.pcall('INCR', 's'); return type(r)", b"$5\r\ntable\r\n"),
    ("return redis.pcall('INCR', 's').err", b"$43\r\nERR value is not an integer or out of range\r\n"),
    ("return redis.pcall('INCR', 's')", b"-ERR value is not an integer or out of range\r\n"),
    ("return {redis.call('TYPE','s'), redis.pcall('INCR','s'), 7}",
     b"*3\r\n+string\r\n-ERR value is not an integer or out of range\r\n:7\r\n"),
    ("return redis.pcall('HGETALL', 's').err",
     b"$65\r\nWRONGTYPE Operation against a key holding the wrong kind of value\r\n"),
    # pcall around redis.call: the error is a plain string, without the script suffix.
    ("local ok, e = pcall(redis.call, 'INCR', 's'); return {tostring(ok), type(e)}",
     b"*2\r\n$5\r\nfalse\r\n$6\r\nstring\r\n"),
    ("local ok, e = pcall(redis.call, 'INCR', 's'); return e",
     b"$43\r\nERR value is not an integer or out of range\r\n"),
    ("return {pcall(error, 'x')}", b"*2\r\n$-1\r\n$1\r\nx\r\n"),
    ("return type(redis.call('TIME')[1])", b"$6\r\nstring\r\n"),
    # Arguments: numbers are formatted as Lua prints them (%.17g).
    ("redis.call('SET', 'f', 3.7); return redis.call('GET', 'f')", b"$18\r\n3.7000000000000002\r\n"),
    ("redis.call('SET', 'f', 1e20); return redis.call('GET', 'f')", b"$5\r\n1e+20\r\n"),
    ("redis.call('SET', 'f', 42); return redis.call('GET', 'f')", b"$2\r\n42\r\n"),
    ("return redis.call('INCRBY', 'n', 5)", b":15\r\n"),
    ("return redis.call('info', 'nosuchsection')", b"$0\r\n\r\n"),
]


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("script, reply", RESP_TO_LUA)
def test_resp_to_lua(ev, r, script, reply, proto):
    r.set("s", "hello")
    r.rpush("l", "a", "b", "c")
    r.hset("h", "f", "v")
    r.set("n", "10")
    # The script sees RESP2 replies; only the final nil differs for a RESP3 client.
    assert ev(script, proto=proto) == (reply if proto == 2 else reply.replace(NIL2, NIL3))


# --- errors ---

ERRORS = [
    # (script, error text without the suffix, line of the suffix, or None: no suffix)
    ("return redis.call('INCR', 's')", "ERR value is not an integer or out of range", 1),
    ("return redis.call('HGETALL', 's')", "WRONGTYPE Operation against a key holding the wrong kind of value", 1),
    ("\n\nreturn redis.call('INCR', 's')", "ERR value is not an integer or out of range", 3),
    ("return redis.call('nosuchcommand')", "ERR Unknown Redis command called from script", 1),
    ("return redis.pcall('nosuchcommand')", "ERR Unknown Redis command called from script", None),
    ("return redis.call()", "ERR Please specify at least one argument for this redis lib call", 1),
    ("return redis.call('GET')", "ERR Wrong number of args calling Redis command from script", 1),
    ("return redis.call('GET', {})", "ERR Lua redis lib command arguments must be strings or integers", 1),
    ("return redis.call('GET', nil)", "ERR Lua redis lib command arguments must be strings or integers", 1),
    ("return redis.call('SET', 'f', true)", "ERR Lua redis lib command arguments must be strings or integers", 1),
    ("return redis.pcall('GET', {})", "ERR Lua redis lib command arguments must be strings or integers", None),
    ("return nosuchfunction()",
     "ERR user_script:1: Script attempted to access nonexistent global variable 'nosuchfunction'", 1),
    ("local f; f()", "ERR user_script:1: attempt to call local 'f' (a nil value)", 1),
    ("return redis.nosuch()", "ERR user_script:1: attempt to call field 'nosuch' (a nil value)", 1),
    ("error('my message')", "ERR user_script:1: my message", 1),
    ("error('my message', 0)", "ERR my message", 1),
    ("error({err='MYERR custom'})", "MYERR custom", 1),
    ("error({err='nocode'})", "nocode", 1),
    ("error(42)", "ERR user_script:1: 42", 1),
    ("error()", "ERR nil", 1),
    ("local t = nil; return t.x", "ERR user_script:1: attempt to index local 't' (a nil value)", 1),
    ("return 1 + {}", "ERR user_script:1: attempt to perform arithmetic on a table value", 1),
    ("return 1 +", "ERR Error compiling script (new function): user_script:1: unexpected symbol near '<eof>'", None),
    ("\nreturn 1 +", "ERR Error compiling script (new function): user_script:2: unexpected symbol near '<eof>'", None),
    ("return 'unfinished", "ERR Error compiling script (new function): user_script:1: unfinished string near '<eof>'", None),
    ("#lua\nreturn 1", "ERR Error compiling script (new function): user_script:1: unexpected symbol near '#'", None),
]


@pytest.mark.parametrize("proto", [2, 3])
@pytest.mark.parametrize("script, text, line", ERRORS)
def test_error_texts(ev, r, script, text, line, proto):
    r.set("s", "hello")
    suffix = at(script, line) if line else ""
    assert ev(script, proto=proto) == b"-" + (text + suffix).encode() + b"\r\n"


# SUBSCRIBE (noscript in Redis) joins this list with pub/sub, issue [5 of 8].
NOT_FROM_SCRIPTS = [
    ("eval", "return 1", 0), ("multi",), ("blpop", "nolist", 0),
    ("script", "flush"), ("client", "list"), ("watch", "x"), ("function", "list"),
    ("fcall", "x", 0), ("hello",), ("quit",), ("debug", "protocol", "true"),
]


@pytest.mark.parametrize("args", NOT_FROM_SCRIPTS, ids=lambda a: a[0])
def test_commands_not_allowed_from_scripts(ev, args):
    s = "return redis.call(" + ", ".join(repr(a) if isinstance(a, str) else str(a) for a in args) + ")"
    assert ev(s) == b"-ERR This Redis command is not allowed from script" + at(s).encode() + b"\r\n"
    p = s.replace("redis.call", "redis.pcall")
    assert ev(p) == b"-ERR This Redis command is not allowed from script\r\n"


def test_writes_before_an_error_stay(ev, r):
    r.set("str", "x")
    s = "redis.call('SET', 'a', '1'); redis.call('LPUSH', 'str', 'y'); return 1"
    assert ev(s) == b"-WRONGTYPE Operation against a key holding the wrong kind of value" + \
        at(s).encode() + b"\r\n"
    assert r.get("a") == "1"


def test_select_inside_a_script_does_not_change_the_callers_db(cmd, r):
    s = "redis.call('SELECT', 1); redis.call('SET', 'k', 'db1'); return redis.call('GET', 'k')"
    assert cmd("EVAL", s, 0) == b"$3\r\ndb1\r\n"
    assert cmd("GET", "k") == b"$-1\r\n"
    assert cmd("SELECT", 1) == b"+OK\r\n"
    assert cmd("GET", "k") == b"$3\r\ndb1\r\n"


def test_eval_inside_multi(cmd):
    assert cmd("MULTI") == b"+OK\r\n"
    for args in [("EVAL", "return redis.call('INCR', KEYS[1])", 1, "ctr"), ("EVAL", "return 1 +", 0),
                 ("EVALSHA", "0" * 40, 0), ("EVAL", "return redis.call('INCR', KEYS[1])", 1, "ctr")]:
        assert cmd(*args) == b"+QUEUED\r\n"
    assert cmd("EXEC") == (
        b"*4\r\n:1\r\n-ERR Error compiling script (new function): user_script:1: unexpected symbol "
        b"near '<eof>'\r\n-NOSCRIPT No matching script. Please use EVAL.\r\n:2\r\n")


# --- read-only scripts and shebang flags ---

RO = "ERR Write commands are not allowed from read-only scripts."
SHEBANG = [
    # (command, script, reply text: "+..." / ":..." / "-..." / "=RO@line" for the RO error)
    ("EVAL_RO", "return redis.call('GET', 's')", "$1\r\nx"),
    ("EVAL_RO", "return redis.call('SET', 's', 'y')", "=RO@1"),
    ("EVAL_RO", "return redis.call('DEL', 's')", "=RO@1"),
    ("EVAL_RO", "return redis.pcall('SET', 's', 'y')", "-" + RO),
    ("EVAL", "#!lua flags=no-writes\nreturn redis.call('SET', 's', 'y')", "=RO@2"),
    ("EVAL", "#!lua flags=no-writes\nreturn redis.call('EXPIRE', 's', 100)", "=RO@2"),
    ("EVAL", "#!lua flags=no-writes\nreturn redis.call('GET', 's')", "$1\r\nx"),
    ("EVAL_RO", "#!lua flags=no-writes\nreturn redis.call('GET', 's')", "$1\r\nx"),
    ("EVAL_RO", "#!lua\nreturn redis.call('SET', 's', 'z')",
     "-ERR Can not execute a script with write flag using *_ro command."),
    ("EVAL", "#!lua\nreturn 1", ":1"),
    ("EVAL", "#!lua\nreturn redis.call('SET', 's', 'z')", "+OK"),
    ("EVAL", "#!lua flags=\nreturn 1", ":1"),
    ("EVAL", "#!lua  flags=no-writes\nreturn 1", ":1"),
    ("EVAL", "#!lua flags=no-writes,allow-stale\nreturn 1", ":1"),
    ("EVAL", "#!lua flags=allow-oom,no-cluster,allow-cross-slot-keys\nreturn redis.call('SET', 's', 'z')", "+OK"),
    ("EVAL", "#!lua flags=bogus\nreturn 1", "-ERR Unexpected flag in script shebang: bogus"),
    ("EVAL", "#!lua name=x\nreturn 1", "-ERR Unknown lua shebang option: name=x"),
    ("EVAL", "#!lua foo\nreturn 1", "-ERR Unknown lua shebang option: foo"),
    ("EVAL", "#!notlua\nreturn 1", "-ERR Unexpected engine in script shebang: #!notlua"),
    ("EVAL", "#!lua", "-ERR Invalid script shebang"),
    ("EVAL", "#!lua flags=no-writes", "-ERR Invalid script shebang"),
]


@pytest.mark.parametrize("command, script, reply", SHEBANG)
def test_read_only_scripts_and_shebang(ev, r, command, script, reply):
    r.set("s", "x")
    if reply.startswith("=RO@"):
        reply = "-" + RO + at(script, int(reply[4:]))
    assert ev(script, cmd=command) == (reply + "\r\n").encode()
    if reply.startswith("-") or command == "EVAL_RO":
        assert r.get("s") == "x"


# --- keys not declared in KEYS ---

def test_undeclared_keys_on_every_shard(ev, r):
    names = [f"undeclared:{i}" for i in range(20)]
    r.mset({n: f"v{i}" for i, n in enumerate(names)})
    # Read and rewrite keys the script was not told about (allowed outside cluster mode).
    s = ("local out = {} for i = 0, 19 do local k = 'undeclared:' .. i "
         "out[#out + 1] = redis.call('GET', k) redis.call('SET', k, 'w' .. i) "
         "redis.call('SET', 'new:' .. i, i) end return out")
    expected = b"*20\r\n" + b"".join(b"$%d\r\nv%d\r\n" % (len(str(i)) + 1, i) for i in range(20))
    assert ev(s) == expected
    assert r.mget(names) == [f"w{i}" for i in range(20)]
    assert r.mget([f"new:{i}" for i in range(20)]) == [str(i) for i in range(20)]
    # One declared key plus undeclared ones, and MGET/DEL spanning many keys inside the script.
    s = "redis.call('DEL', unpack(redis.call('KEYS', 'new:*'))) return redis.call('MGET', KEYS[1], 'new:3', 'undeclared:3')"
    assert ev(s, ["undeclared:0"]) == b"*3\r\n$2\r\nw0\r\n$-1\r\n$2\r\nw3\r\n"
    assert r.keys("new:*") == []


MOVE = """
local a, b, amount = ARGV[1], ARGV[2], tonumber(ARGV[3])
local have = tonumber(redis.call('GET', a))
if have < amount then return 0 end
redis.call('DECRBY', a, amount)
redis.call('INCRBY', b, amount)
return 1
"""
TOTAL = """
local sum = 0
for i = 1, tonumber(ARGV[1]) do sum = sum + tonumber(redis.call('GET', 'acct:' .. i)) end
return sum
"""


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_transfers_between_undeclared_keys_keep_the_total(server, r):
    n, each = 20, 1000
    r.mset({f"acct:{i}": each for i in range(1, n + 1)})
    move_sha, total_sha = r.script_load(MOVE), r.script_load(TOTAL)
    stop = time.time() + 3
    errors, moved, sums = [], [0], [0]

    def mover(seed):
        import random
        rnd = random.Random(seed)
        c = server.client()
        try:
            while time.time() < stop:
                a, b = rnd.sample(range(1, n + 1), 2)
                moved[0] += c.evalsha(move_sha, 0, f"acct:{a}", f"acct:{b}", rnd.randint(1, 300))
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)
        finally:
            c.close()

    def reader():
        c = server.client()
        try:
            while time.time() < stop:
                total = c.evalsha(total_sha, 0, n)
                if total != n * each:
                    errors.append(f"sum {total}")
                sums[0] += 1
        except Exception as e:  # noqa: BLE001
            errors.append(e)
        finally:
            c.close()

    threads = [threading.Thread(target=mover, args=(i,)) for i in range(4)]
    threads += [threading.Thread(target=reader) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert moved[0] > 100 and sums[0] > 10
    values = [int(v) for v in r.mget([f"acct:{i}" for i in range(1, n + 1)])]
    assert sum(values) == n * each and min(values) >= 0

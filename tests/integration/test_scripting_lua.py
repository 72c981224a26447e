"""The Lua environment scripts run in, as Redis 7.0 sets it up: the sandbox (missing
libraries, read-only globals), the redis.* helpers (sha1hex, log, version, constants) and the
bundled libraries (cjson, bit, struct, cmsgpack, math.random). Replies byte for byte."""
import hashlib

import pytest

from conftest import encode


def sha(script):
    return hashlib.sha1(script.encode()).hexdigest()


def at(script, line=1):
    return f" script: {sha(script)}, on @user_script:{line}."


@pytest.fixture
def ev(raw, r):
    c = raw()

    def run(script, *args):
        c.send(encode("EVAL", script, 0, *args))
        return c.read()
    return run


def bulk(s):
    s = s if isinstance(s, bytes) else s.encode()
    return b"$%d\r\n%s\r\n" % (len(s), s)


def error(script, text, line=1):
    return b"-" + (text + at(script, line)).encode() + b"\r\n"


# --- the sandbox ---

ABSENT = ["os", "io", "loadfile", "dofile", "require", "print", "module", "setfenv", "getfenv",
          "debug", "newproxy", "package"]
PRESENT = {
    "string": "table", "table": "table", "math": "table", "coroutine": "table", "_G": "table",
    "cjson": "table", "bit": "table", "struct": "table", "cmsgpack": "table",
    "unpack": "function", "select": "function", "rawset": "function", "rawget": "function",
    "getmetatable": "function", "setmetatable": "function", "pcall": "function",
    "xpcall": "function", "tonumber": "function", "next": "function", "ipairs": "function",
    "collectgarbage": "function", "gcinfo": "function", "string.dump": "function",
    "math.random": "function", "math.randomseed": "function", "math.huge": "number",
    "redis.breakpoint": "function", "redis.debug": "function", "redis.set_repl": "function",
    "redis.replicate_commands": "function", "redis.acl_check_cmd": "function",
    "redis.setresp": "function", "redis.register_function": "nil", "_VERSION": "string",
}


@pytest.mark.parametrize("name", ABSENT)
def test_globals_absent(ev, name):
    s = f"return type({name})"
    assert ev(s) == error(s, f"ERR user_script:1: Script attempted to access nonexistent "
                             f"global variable '{name}'")


@pytest.mark.parametrize("name, kind", sorted(PRESENT.items()))
def test_globals_present(ev, name, kind):
    assert ev(f"return type({name})") == bulk(kind)


READONLY = "Attempt to modify a readonly table"
SANDBOX = [
    ("x = 5", error("x = 5", "ERR user_script:1: " + READONLY)),
    ("function f() return 1 end", error("function f() return 1 end", "ERR user_script:1: " + READONLY)),
    ("_G.z = 1", error("_G.z = 1", "ERR user_script:1: " + READONLY)),
    ("KEYS = 1", error("KEYS = 1", "ERR user_script:1: " + READONLY)),
    ("redis = nil", error("redis = nil", "ERR user_script:1: " + READONLY)),
    ("redis.call = nil", error("redis.call = nil", "ERR user_script:1: " + READONLY)),
    ("cjson.encode = nil", error("cjson.encode = nil", "ERR user_script:1: " + READONLY)),
    ("local mt = getmetatable(_G); mt.__index = nil",
     error("local mt = getmetatable(_G); mt.__index = nil", "ERR user_script:1: " + READONLY)),
    # Raised inside C functions: no position prefix.
    ("rawset(_G, 'y', 1)", error("rawset(_G, 'y', 1)", "ERR " + READONLY)),
    ("setmetatable(_G, nil)", error("setmetatable(_G, nil)", "ERR " + READONLY)),
    ("return x", error("return x", "ERR user_script:1: Script attempted to access nonexistent "
                                   "global variable 'x'")),
    ("return rawget(_G, 'undefinedvar')", b"$-1\r\n"),
    ("return tostring(getmetatable(_G) ~= nil)", bulk("true")),
    ("local function f() return 7 end; return f()", b":7\r\n"),
    ("return _VERSION", bulk("Lua 5.1")),
    ("return #string.rep('ab', 1000)", b":2000\r\n"),
    ("return string.rep('ab', 3, ',')", bulk("ababab")),  # Lua 5.1: no separator argument
    ("return string.format('%d %s %5.2f', 3, 'x', 1.5)", bulk("3 x  1.50")),
    ("return tostring(10/3)", bulk("3.3333333333333")),
    ("return tostring(1e100)", bulk("1e+100")),
    ("return tostring(math.pi)", bulk("3.1415926535898")),
    ("return string.format('%.17g', math.pi)", bulk("3.1415926535897931")),
    ("return select('#', 1, 2, 3)", b":3\r\n"),
    ("return table.concat({1,2,3}, '-')", bulk("1-2-3")),
    ("return coroutine.status(coroutine.create(function() end))", bulk("suspended")),
    ("return redis.replicate_commands()", b":1\r\n"),
    ("return {redis.REPL_ALL, redis.REPL_AOF, redis.REPL_REPLICA, redis.REPL_SLAVE, redis.REPL_NONE}",
     b"*5\r\n:3\r\n:1\r\n:2\r\n:2\r\n:0\r\n"),
]


@pytest.mark.parametrize("script, reply", SANDBOX)
def test_sandbox(ev, script, reply):
    assert ev(script) == reply


def test_globals_do_not_leak_between_scripts(ev):
    assert ev("x = 1").startswith(b"-ERR user_script:1: Attempt to modify a readonly table")
    assert ev("return x").startswith(b"-ERR user_script:1: Script attempted to access nonexistent")


# --- redis.* helpers ---

HELPERS = [
    ("return redis.sha1hex('')", bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709")),
    ("return redis.sha1hex('abc')", bulk("a9993e364706816aba3e25717850c26c9cd0d89d")),
    ("return redis.sha1hex(123)", bulk(hashlib.sha1(b"123").hexdigest())),
    ("return redis.sha1hex({})", bulk("da39a3ee5e6b4b0d3255bfef95601890afd80709")),
    ("return redis.sha1hex()", error("return redis.sha1hex()", "ERR wrong number of arguments")),
    ("return redis.log(redis.LOG_WARNING, 'hello from lua')", b"$-1\r\n"),
    ("return redis.log(redis.LOG_WARNING, 'a', 'b', 3)", b"$-1\r\n"),
    ("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}",
     b"*4\r\n:0\r\n:1\r\n:2\r\n:3\r\n"),
    ("return redis.log(99, 'x')", error("return redis.log(99, 'x')", "ERR Invalid debug level.")),
    ("return redis.log(redis.LOG_WARNING)",
     error("return redis.log(redis.LOG_WARNING)", "ERR redis.log() requires two arguments or more.")),
]


@pytest.mark.parametrize("script, reply", HELPERS)
def test_redis_helpers(ev, script, reply):
    assert ev(script) == reply


def test_redis_version(ev, r):
    version = r.info("server")["redis_version"]
    assert ev("return redis.REDIS_VERSION") == bulk(version)
    major, minor, patch = (int(p) for p in version.split("."))
    assert ev("return redis.REDIS_VERSION_NUM") == b":%d\r\n" % ((major << 16) | (minor << 8) | patch)


def test_redis_log_writes_to_the_server_log(ev, server):
    assert ev("redis.log(redis.LOG_WARNING, 'lua says', 'hi', 42)") == b"$-1\r\n"
    with open(server.log_path) as f:
        assert "lua says hi 42" in f.read()


# --- cjson ---

CJSON = [
    ("return cjson.encode({1,2,3})", bulk("[1,2,3]")),
    ("return cjson.encode({a=1})", bulk('{"a":1}')),
    ("return cjson.encode({a={b={1,'x',true,false}}})", bulk('{"a":{"b":[1,"x",true,false]}}')),
    ("return cjson.encode('s\"q')", bulk('"s\\"q"')),
    ("return cjson.encode('a/b')", bulk('"a\\/b"')),
    ("return cjson.encode(1.5)", bulk("1.5")),
    ("return cjson.encode(0.1)", bulk("0.1")),
    ("return cjson.encode(1e20)", bulk("1e+20")),
    ("return cjson.encode(3)", bulk("3")),
    ("return cjson.encode(cjson.null)", bulk("null")),
    ("return cjson.encode({})", bulk("{}")),
    ("return cjson.encode({[1]=1,[3]=3})", bulk("[1,null,3]")),
    ("return cjson.encode({[1]=1,[20]=3})", error("return cjson.encode({[1]=1,[20]=3})",
     "ERR user_script:1: Cannot serialise table: excessively sparse array")),
    ("return cjson.encode(function() end)", error("return cjson.encode(function() end)",
     "ERR user_script:1: Cannot serialise function: type not supported")),
    ("return cjson.encode()", error("return cjson.encode()",
     "ERR user_script:1: bad argument #1 to 'encode' (expected 1 argument)")),
    ("local t = cjson.decode('{\"a\":[1,2,{\"b\":null}],\"c\":\"d\"}'); "
     "return {t.a[1], t.a[2], t.c, tostring(t.a[3].b == cjson.null)}",
     b"*4\r\n:1\r\n:2\r\n$1\r\nd\r\n$4\r\ntrue\r\n"),
    ("return cjson.decode('[1,2,3]')", b"*3\r\n:1\r\n:2\r\n:3\r\n"),
    ("return cjson.decode('\"str\"')", bulk("str")),
    ("return cjson.decode('1.5')", b":1\r\n"),
    ("return cjson.decode('true')", b":1\r\n"),
    ("return cjson.encode(cjson.decode('{\"x\":[1,2,3]}'))", bulk('{"x":[1,2,3]}')),
    ("return cjson.encode(cjson.decode('[12345678901234567890]'))", bulk("[1.2345678901235e+19]")),
    ("return cjson.decode('{bad json')", error("return cjson.decode('{bad json')",
     "ERR user_script:1: Expected object key string but found invalid token at character 2")),
    ("return cjson.decode('[1,2')", error("return cjson.decode('[1,2')",
     "ERR user_script:1: Expected comma or array end but found T_END at character 5")),
    ("return cjson.decode('')", error("return cjson.decode('')",
     "ERR user_script:1: Expected value but found T_END at character 1")),
    ("return cjson.decode()", error("return cjson.decode()",
     "ERR user_script:1: bad argument #1 to 'decode' (expected 1 argument)")),
]


@pytest.mark.parametrize("script, reply", CJSON)
def test_cjson(ev, script, reply):
    assert ev(script) == reply


def test_cjson_round_trip_of_a_stored_document(ev, r):
    doc = '{"name":"cinnabar","tags":["a","b"],"n":3}'
    r.set("doc", doc)
    s = ("local t = cjson.decode(redis.call('GET', 'doc')) t.n = t.n + 1 "
         "redis.call('SET', 'doc2', cjson.encode({t.tags, t.n})) return {t.name, t.n, #t.tags}")
    assert ev(s) == b"*3\r\n$8\r\ncinnabar\r\n:4\r\n:2\r\n"
    assert r.get("doc2") == '[["a","b"],4]'


# --- bit ---

BIT = [
    ("bit.band(0xff, 0x0f)", b":15\r\n"), ("bit.bor(1, 2, 4)", b":7\r\n"),
    ("bit.bxor(5, 3)", b":6\r\n"), ("bit.bnot(0)", b":-1\r\n"),
    ("bit.tohex(255)", bulk("000000ff")), ("bit.tohex(-1)", bulk("ffffffff")),
    ("bit.tohex(255, 4)", bulk("00ff")), ("bit.tohex(255, -4)", bulk("00FF")),
    ("bit.lshift(1, 10)", b":1024\r\n"), ("bit.rshift(-1, 28)", b":15\r\n"),
    ("bit.arshift(-256, 4)", b":-16\r\n"), ("bit.tobit(0xffffffff)", b":-1\r\n"),
    ("bit.rol(1, 33)", b":2\r\n"), ("bit.bswap(0x12345678)", b":2018915346\r\n"),
]


@pytest.mark.parametrize("expr, reply", BIT)
def test_bit(ev, expr, reply):
    assert ev("return " + expr) == reply


# --- struct ---

STRUCT = [
    ("return struct.pack('>I2', 258)", bulk(b"\x01\x02")),
    ("return struct.pack('<i4', -2)", bulk(b"\xfe\xff\xff\xff")),
    ("return {struct.unpack('>I2', '\\1\\2')}", b"*2\r\n:258\r\n:3\r\n"),
    ("return {struct.unpack('<i4i4', struct.pack('<i4i4', -2, 7))}", b"*3\r\n:-2\r\n:7\r\n:9\r\n"),
    ("return struct.size('>I2i4')", b":6\r\n"),
    ("return {struct.unpack('BBc3', 'AB' .. 'xyz')}", b"*4\r\n:65\r\n:66\r\n$3\r\nxyz\r\n:6\r\n"),
    ("return struct.pack('d', 1.5):len()", b":8\r\n"),
    ("local v = struct.unpack('>d', struct.pack('>d', 2.25)) return tostring(v)", bulk("2.25")),
]


@pytest.mark.parametrize("script, reply", STRUCT)
def test_struct(ev, script, reply):
    assert ev(script) == reply


# --- cmsgpack ---

CMSGPACK = [
    ("return cmsgpack.pack({1,2,3})", bulk(b"\x93\x01\x02\x03")),
    ("return cmsgpack.pack({a=1})", bulk(b"\x81\xa1a\x01")),
    ("return cmsgpack.pack('abc')", bulk(b"\xa3abc")),
    ("return cmsgpack.pack(1, 2)", bulk(b"\x01\x02")),
    ("return cmsgpack.pack(-1)", bulk(b"\xff")),
    ("return cmsgpack.pack(300)", bulk(b"\xcd\x01,")),
    ("return cmsgpack.pack(1.5)", bulk(b"\xca?\xc0\x00\x00")),
    ("return cmsgpack.pack(true, false)", bulk(b"\xc3\xc2")),
    ("return {cmsgpack.unpack(cmsgpack.pack(1, 'two', {3}))}", b"*3\r\n:1\r\n$3\r\ntwo\r\n*1\r\n:3\r\n"),
    ("return cmsgpack.unpack(cmsgpack.pack({1,{2,{3}}}))", b"*2\r\n:1\r\n*2\r\n:2\r\n*1\r\n:3\r\n"),
    ("local t = cmsgpack.unpack(cmsgpack.pack({k='v', n=5})); return {t.k, t.n}", b"*2\r\n$1\r\nv\r\n:5\r\n"),
    ("return cmsgpack.unpack('')", b"$-1\r\n"),
    ("return cmsgpack.unpack('\\193')", error("return cmsgpack.unpack('\\193')",
     "ERR user_script:1: Bad data format in input.")),
]


@pytest.mark.parametrize("script, reply", CMSGPACK)
def test_cmsgpack(ev, script, reply):
    assert ev(script) == reply


# --- math.random ---

RANDOM = [
    ("math.randomseed(42); return {math.random(1000), math.random(1000), tostring(math.random())}",
     b"*3\r\n:745\r\n:343\r\n$16\r\n0.11108528222474\r\n"),
    ("math.randomseed(42); return math.random(5, 10)", b":9\r\n"),
    ("math.randomseed(0); return {math.random(1000), math.random(1000)}", b"*2\r\n:171\r\n:750\r\n"),
    ("return math.random(0)", error("return math.random(0)",
     "ERR user_script:1: bad argument #1 to 'random' (interval is empty)")),
    ("return math.random(3,1)", error("return math.random(3,1)",
     "ERR user_script:1: bad argument #2 to 'random' (interval is empty)")),
    ("return math.random(1,2,3)", error("return math.random(1,2,3)",
     "ERR user_script:1: wrong number of arguments")),
]


@pytest.mark.parametrize("script, reply", RANDOM)
def test_math_random_seeded(ev, script, reply):
    assert ev(script) == reply


def test_math_random_sequence_of_a_fresh_server(start_server):
    """Redis 7.0 seeds math.random once, at start-up, with the same seed every time; the
    generator's state carries over from script to script (and survives SCRIPT FLUSH)."""
    s = start_server()
    c = s.client()
    script = "return {math.random(1000), math.random(1000), math.random(1000)}"
    assert c.eval(script, 0) == [397, 841, 354]
    assert c.eval(script, 0) == [447, 319, 887]
    c.script_flush()
    assert c.eval(script, 0) == [16, 585, 160]  # as without the flush
    c.close()

"""Redis 7.0 functions: FUNCTION LOAD/LIST/DELETE/FLUSH/DUMP/RESTORE/STATS, FCALL, FCALL_RO,
redis.register_function (positional and table forms, flags, description), the restricted
environment a library's code runs in while it loads. Replies byte for byte."""
import pytest

from conftest import encode

LIB = "#!lua name=mylib\nredis.register_function('myfunc', function(keys, args) return args[1] end)"
RW = """#!lua name=rw
redis.register_function('setit', function(keys, args) return redis.call('SET', keys[1], args[1]) end)
redis.register_function{function_name='getit', callback=function(keys) return redis.call('GET', keys[1]) end, flags={'no-writes'}, description='reads a key'}
redis.register_function{function_name='sneaky', callback=function(keys) return redis.call('SET', keys[1], 'x') end, flags={'no-writes'}}"""


def bulk(s):
    s = s if isinstance(s, bytes) else s.encode()
    return b"$%d\r\n%s\r\n" % (len(s), s)


@pytest.fixture
def cmd(raw, r):
    """cmd(*args, proto=2) -> reply bytes; the server starts with no functions and no keys."""
    conns = {2: raw(), 3: raw()}
    conns[3].send(encode("HELLO", 3))
    conns[3].read()

    def run(*args, proto=2):
        conns[proto].send(encode(*args))
        return conns[proto].read()
    assert run("FUNCTION", "FLUSH") == b"+OK\r\n"
    yield run
    run("FUNCTION", "FLUSH")


def lib(body, name="bad"):
    return f"#!lua name={name}\n{body}"


# --- FUNCTION LOAD ---

def test_load_replace_and_call(cmd):
    assert cmd("FUNCTION", "LOAD", LIB) == bulk("mylib")
    assert cmd("FUNCTION", "LOAD", LIB) == b"-ERR Library 'mylib' already exists\r\n"
    assert cmd("FCALL", "myfunc", 0, "hello") == bulk("hello")
    new = LIB.replace("return args[1]", "return 'v2'")
    assert cmd("FUNCTION", "LOAD", "REPLACE", new) == bulk("mylib")
    assert cmd("FCALL", "myfunc", 0, "hello") == bulk("v2")
    assert cmd("FUNCTION", "LOAD", "replace", LIB) == bulk("mylib")
    assert cmd("FCALL", "myfunc", 0, "hello") == bulk("hello")
    # A function name belongs to one library only.
    other = lib("redis.register_function('myfunc', function() return 1 end)", "other")
    assert cmd("FUNCTION", "LOAD", other) == b"-ERR Function myfunc already exists\r\n"
    assert cmd("FUNCTION", "LOAD", "REPLACE", other) == b"-ERR Function myfunc already exists\r\n"


REG = "-ERR Error registering functions: "
NAMES = "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long"
LOAD_ERRORS = [
    (("REPLACE",), "-ERR Missing library metadata"),
    (("BAD", LIB), "-ERR Unknown option given: BAD"),
    ((), "-ERR wrong number of arguments for 'function|load' command"),
    (("redis.register_function('f', function() end)",), "-ERR Missing library metadata"),
    (("#!lua\nredis.register_function('f', function() end)",), "-ERR Library name was not given"),
    (("#!lua name=\nredis.register_function('f', function() end)",), "-ERR " + NAMES),
    (("#!lua name=bad-name!\nredis.register_function('f', function() end)",), "-ERR " + NAMES),
    (("#!lua name=x foo=bar\nredis.register_function('f', function() end)",),
     "-ERR Invalid metadata value given: foo=bar"),
    (("#!nope name=x\nredis.register_function('f', function() end)",), "-ERR Engine 'nope' not found"),
    ((lib("local a = 1"),), "-ERR No functions registered"),
    ((lib("return 1 +"),), "-ERR Error compiling function: user_function:2: unexpected symbol near '<eof>'"),
    ((lib("redis.register_function('f', function() return 1 end)\n"
          "redis.register_function('f', function() return 1 end)"),),
     REG + "ERR Function already exists in the library"),
    ((lib("redis.register_function('bad name', function() return 1 end)"),), REG + "ERR " + NAMES),
    ((lib("redis.register_function('f')"),), REG + "ERR calling redis.register_function with a single "
     "argument is only applicable to Lua table (representing named arguments)."),
    ((lib("redis.register_function('f', 1)"),),
     REG + "ERR second argument to redis.register_function must be a function"),
    ((lib("redis.register_function()"),), REG + "ERR wrong number of arguments to redis.register_function"),
    ((lib("redis.register_function{function_name='f'}"),),
     REG + "ERR redis.register_function must get a callback argument"),
    ((lib("redis.register_function{function_name='f', callback=function() end, flags={'bogus'}}"),),
     REG + "ERR unknown flag given"),
    ((lib("redis.register_function{function_name='f', callback=function() end, unknownkey=1}"),),
     REG + "ERR unknown argument given to redis.register_function"),
]


@pytest.mark.parametrize("args, reply", LOAD_ERRORS)
def test_load_errors(cmd, args, reply):
    assert cmd("FUNCTION", "LOAD", *args) == (reply + "\r\n").encode()
    assert cmd("FUNCTION", "LIST") == b"*0\r\n"


# While a library loads only redis.register_function, redis.log and the redis constants exist.
LOAD_TIME = [
    ("redis.call('ping')", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'call'"),
    ("redis.pcall('ping')", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'pcall'"),
    ("error('boom')", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'error'"),
    ("local v = redis.sha1hex('')", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'sha1hex'"),
    ("redis.setresp(3)", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'setresp'"),
    ("local v = math.random()", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'math'"),
    ("local v = KEYS", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'KEYS'"),
    ("local v = type(1)", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'type'"),
    ("local x = undefinedglobal", REG + "ERR user_function:2: Script attempted to access nonexistent global variable 'undefinedglobal'"),
    ("x = 1", REG + "ERR user_function:2: Attempt to modify a readonly table"),
    ("redis.log(redis.LOG_NOTICE, 'loading')", "$3\r\nbad"),
    ("local v = redis.REDIS_VERSION", "$3\r\nbad"),
]


@pytest.mark.parametrize("body, reply", LOAD_TIME)
def test_load_time_environment(cmd, body, reply):
    code = lib(body + "\nredis.register_function('f', function() return 1 end)")
    assert cmd("FUNCTION", "LOAD", code) == (reply + "\r\n").encode()
    expect = b":1\r\n" if reply.startswith("$") else b"-ERR Function not found\r\n"
    assert cmd("FCALL", "f", 0) == expect


# --- FCALL / FCALL_RO ---

CALLS = [
    ("function(keys, args) return {#keys, #args, keys[1], args[1]} end", ("f", 1, "k1", "a1"),
     b"*4\r\n:1\r\n:1\r\n$2\r\nk1\r\n$2\r\na1\r\n"),
    ("function() return type(redis.register_function) end", ("f", 0), bulk("nil")),
    ("function() return redis.setresp(3) end", ("f", 0), b"$-1\r\n"),
    ("function() return redis.error_reply('E x') end", ("f", 0), b"-E x\r\n"),
    ("function() return redis.call('INCR', 'strkey') end", ("f", 0),
     b"-ERR value is not an integer or out of range script: f, on @user_function:2.\r\n"),
    ("function() error('in func') end", ("f", 0), b"-ERR user_function:2: in func script: f, on @user_function:2.\r\n"),
    ("function() return undefinedglobal end", ("f", 0),
     b"-ERR user_function:2: Script attempted to access nonexistent global variable 'undefinedglobal' script: f, on @user_function:2.\r\n"),
    ("function() x = 1 end", ("f", 0),
     b"-ERR user_function:2: Attempt to modify a readonly table script: f, on @user_function:2.\r\n"),
    ("function() return redis.call('nosuch') end", ("f", 0),
     b"-ERR Unknown Redis command called from script script: f, on @user_function:2.\r\n"),
    ("function() return redis.call('eval', 'return 1', 0) end", ("f", 0),
     b"-ERR This Redis command is not allowed from script script: f, on @user_function:2.\r\n"),
    ("function() return redis.register_function('g', function() end) end", ("f", 0),
     b"-ERR user_function:2: attempt to call field 'register_function' (a nil value) script: f, on @user_function:2.\r\n"),
    ("function() return 1 end", ("nosuch", 0), b"-ERR Function not found\r\n"),
    ("function() return 1 end", ("f", 2, "a"), b"-ERR Number of keys can't be greater than number of args\r\n"),
    ("function() return 1 end", ("f", -1), b"-ERR Number of keys can't be negative\r\n"),
    ("function() return 1 end", ("f", "x"), b"-ERR Bad number of keys provided\r\n"),
    ("function() return 1 end", ("f",), b"-ERR wrong number of arguments for 'fcall' command\r\n"),
]


@pytest.mark.parametrize("func, args, reply", CALLS)
def test_fcall(cmd, func, args, reply):
    cmd("SET", "strkey", "abc")
    assert cmd("FUNCTION", "LOAD", lib(f"redis.register_function('f', {func})")) == bulk("bad")
    assert cmd("FCALL", *args) == reply


def test_function_state_persists_between_calls(cmd):
    code = lib("local cnt = 0\nredis.register_function('f', function() cnt = cnt + 1; return cnt end)")
    assert cmd("FUNCTION", "LOAD", code) == bulk("bad")
    assert [cmd("FCALL", "f", 0) for _ in range(3)] == [b":1\r\n", b":2\r\n", b":3\r\n"]
    assert cmd("FUNCTION", "LOAD", "REPLACE", code) == bulk("bad")
    assert cmd("FCALL", "f", 0) == b":1\r\n"


def test_fcall_ro_and_no_writes(cmd, r):
    assert cmd("FUNCTION", "LOAD", RW) == bulk("rw")
    assert cmd("FCALL", "setit", 1, "k", "v") == b"+OK\r\n"
    assert cmd("FCALL", "getit", 1, "k") == bulk("v")
    assert cmd("FCALL_RO", "getit", 1, "k") == bulk("v")
    assert cmd("FCALL_RO", "setit", 1, "k", "w") == \
        b"-ERR Can not execute a script with write flag using *_ro command.\r\n"
    ro = b"-ERR Write commands are not allowed from read-only scripts. script: sneaky, on @user_function:4.\r\n"
    assert cmd("FCALL", "sneaky", 1, "k") == ro   # no-writes holds for FCALL as well
    assert cmd("FCALL_RO", "sneaky", 1, "k") == ro
    assert r.get("k") == "v"
    assert cmd("FUNCTION", "LOAD", LIB) == bulk("mylib")
    assert cmd("FCALL_RO", "myfunc", 0, "x") == \
        b"-ERR Can not execute a script with write flag using *_ro command.\r\n"


# --- FUNCTION LIST ---

def fn(name, desc=None, flags=()):
    d = b"$-1\r\n" if desc is None else bulk(desc)
    return (b"*6\r\n" + bulk("name") + bulk(name) + bulk("description") + d + bulk("flags") +
            b"*%d\r\n" % len(flags) + b"".join(b"+%s\r\n" % f.encode() for f in flags))


def test_list_shape(cmd):
    assert cmd("FUNCTION", "LIST") == b"*0\r\n"
    assert cmd("FUNCTION", "LOAD", LIB) == bulk("mylib")
    head = b"*1\r\n*6\r\n" + bulk("library_name") + bulk("mylib") + bulk("engine") + bulk("LUA") + \
        bulk("functions") + b"*1\r\n" + fn("myfunc")
    assert cmd("FUNCTION", "LIST") == head
    with_code = head.replace(b"*1\r\n*6\r\n", b"*1\r\n*8\r\n", 1) + bulk("library_code") + bulk(LIB)
    assert cmd("FUNCTION", "LIST", "WITHCODE") == with_code
    assert cmd("FUNCTION", "LIST", "LIBRARYNAME", "my*", "WITHCODE") == with_code
    assert cmd("FUNCTION", "LIST", "libraryname", "MY*") == head  # the pattern ignores case
    assert cmd("FUNCTION", "LIST", "LIBRARYNAME", "m?l[a-z]b") == head
    assert cmd("FUNCTION", "LIST", "LIBRARYNAME", "mylib") == head
    assert cmd("FUNCTION", "LIST", "LIBRARYNAME", "nomatch") == b"*0\r\n"
    assert cmd("FUNCTION", "LIST", proto=3) == (
        b"*1\r\n%3\r\n" + bulk("library_name") + bulk("mylib") + bulk("engine") + bulk("LUA") +
        bulk("functions") + b"*1\r\n%3\r\n" + bulk("name") + bulk("myfunc") + bulk("description") +
        b"_\r\n" + bulk("flags") + b"~0\r\n")


def test_list_flags_descriptions_and_filter(cmd, r):
    assert cmd("FUNCTION", "LOAD", RW) == bulk("rw")
    assert cmd("FUNCTION", "LOAD", LIB) == bulk("mylib")
    # Libraries and functions come in hash-table order: compare them as sets.
    libs = {lib["library_name"]: lib for lib in
            (dict(zip(x[::2], x[1::2])) for x in r.execute_command("FUNCTION", "LIST"))}
    assert sorted(libs) == ["mylib", "rw"]
    funcs = {f[1]: f for f in libs["rw"]["functions"]}
    assert funcs == {
        "getit": ["name", "getit", "description", "reads a key", "flags", ["no-writes"]],
        "sneaky": ["name", "sneaky", "description", None, "flags", ["no-writes"]],
        "setit": ["name", "setit", "description", None, "flags", []],
    }
    got = r.execute_command("FUNCTION", "LIST", "WITHCODE", "LIBRARYNAME", "r*")
    assert len(got) == 1 and got[0][:2] == ["library_name", "rw"] and got[0][-2:] == ["library_code", RW]
    # A description that is a number is kept as its string form.
    code = lib("redis.register_function{function_name='f', callback=function() end, description=5}")
    assert cmd("FUNCTION", "LOAD", code) == bulk("bad")
    assert r.execute_command("FUNCTION", "LIST", "LIBRARYNAME", "bad")[0][5] == \
        [["name", "f", "description", "5", "flags", []]]


@pytest.mark.parametrize("args, reply", [
    (("LIBRARYNAME",), "-ERR library name argument was not given"),
    (("LIBRARYNAME", "a", "LIBRARYNAME", "b"), "-ERR Unknown argument LIBRARYNAME"),
    (("WITHCODE", "WITHCODE"), "-ERR Unknown argument WITHCODE"),
    (("BAD",), "-ERR Unknown argument BAD"),
])
def test_list_errors(cmd, args, reply):
    assert cmd("FUNCTION", "LIST", *args) == (reply + "\r\n").encode()


# --- DELETE / FLUSH / STATS / errors ---

def test_delete_and_flush(cmd):
    assert cmd("FUNCTION", "LOAD", LIB) == bulk("mylib")
    assert cmd("FUNCTION", "DELETE", "nosuch") == b"-ERR Library not found\r\n"
    assert cmd("FUNCTION", "DELETE", "MYLIB") == b"-ERR Library not found\r\n"
    assert cmd("FUNCTION", "DELETE", "mylib") == b"+OK\r\n"
    assert cmd("FCALL", "myfunc", 0) == b"-ERR Function not found\r\n"
    assert cmd("FUNCTION", "DELETE", "mylib") == b"-ERR Library not found\r\n"
    for mode in [(), ("SYNC",), ("ASYNC",), ("async",)]:
        assert cmd("FUNCTION", "LOAD", LIB) == bulk("mylib")
        assert cmd("FUNCTION", "FLUSH", *mode) == b"+OK\r\n"
        assert cmd("FUNCTION", "LIST") == b"*0\r\n"
    # FLUSHALL leaves functions alone.
    assert cmd("FUNCTION", "LOAD", LIB) == bulk("mylib")
    assert cmd("FLUSHALL") == b"+OK\r\n"
    assert cmd("FCALL", "myfunc", 0, "still") == bulk("still")


def test_stats_when_idle(cmd):
    def stats(libs, funcs, proto):
        if proto == 2:
            return (b"*4\r\n" + bulk("running_script") + b"$-1\r\n" + bulk("engines") + b"*2\r\n" +
                    bulk("LUA") + b"*4\r\n" + bulk("libraries_count") + b":%d\r\n" % libs +
                    bulk("functions_count") + b":%d\r\n" % funcs)
        return (b"%2\r\n" + bulk("running_script") + b"_\r\n" + bulk("engines") + b"%1\r\n" +
                bulk("LUA") + b"%2\r\n" + bulk("libraries_count") + b":%d\r\n" % libs +
                bulk("functions_count") + b":%d\r\n" % funcs)
    for proto in (2, 3):
        assert cmd("FUNCTION", "STATS", proto=proto) == stats(0, 0, proto)
    cmd("FUNCTION", "LOAD", LIB)
    cmd("FUNCTION", "LOAD", RW)
    for proto in (2, 3):
        assert cmd("FUNCTION", "STATS", proto=proto) == stats(2, 4, proto)


@pytest.mark.parametrize("args, reply", [
    (("DELETE",), "-ERR wrong number of arguments for 'function|delete' command"),
    (("STATS", "x"), "-ERR wrong number of arguments for 'function|stats' command"),
    (("DUMP", "x"), "-ERR wrong number of arguments for 'function|dump' command"),
    (("RESTORE",), "-ERR wrong number of arguments for 'function|restore' command"),
    (("FLUSH", "BAD"), "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option"),
    (("KILL",), "-NOTBUSY No scripts in execution right now."),
    (("BOGUS",), "-ERR unknown subcommand 'BOGUS'. Try FUNCTION HELP."),
])
def test_function_command_errors(cmd, args, reply):
    assert cmd("FUNCTION", *args) == (reply + "\r\n").encode()


# --- DUMP / RESTORE ---

A = "#!lua name=liba\nredis.register_function('fa', function() return 'a' end)"
B = "#!lua name=libb\nredis.register_function('fb', function() return 'b' end)"
# FUNCTION DUMP of a server holding only library A, as Redis 7.0 writes it (RDB version 10).
A_DUMP = (b"\xf5@H#!lua name=liba\nredis.register_function('fa', function() return 'a' end)\n"
          b"\x00DX \x12u]\xee>")
EMPTY_DUMP = b"\n\x00]\x9b\\@\x0f\x7f\xa2\xda"


def libraries(r):
    return sorted(dict(zip(x[::2], x[1::2]))["library_name"] for x in r.execute_command("FUNCTION", "LIST"))


def test_dump_payloads(cmd, rb):
    assert rb.execute_command("FUNCTION", "DUMP") == EMPTY_DUMP
    assert cmd("FUNCTION", "LOAD", A) == bulk("liba")
    assert rb.execute_command("FUNCTION", "DUMP") == A_DUMP
    assert cmd("FUNCTION", "DUMP", proto=3) == bulk(A_DUMP)


def test_dump_flush_restore(cmd, r, rb):
    cmd("FUNCTION", "LOAD", A)
    cmd("FUNCTION", "LOAD", B)
    dump = rb.execute_command("FUNCTION", "DUMP")
    assert cmd("FUNCTION", "FLUSH") == b"+OK\r\n"
    assert cmd("FUNCTION", "RESTORE", dump) == b"+OK\r\n"
    assert libraries(r) == ["liba", "libb"]
    assert cmd("FCALL", "fa", 0) == bulk("a") and cmd("FCALL", "fb", 0) == bulk("b")
    assert cmd("FUNCTION", "RESTORE", EMPTY_DUMP) == b"+OK\r\n"
    assert cmd("FUNCTION", "RESTORE", EMPTY_DUMP, "FLUSH") == b"+OK\r\n"
    assert libraries(r) == []


@pytest.mark.parametrize("policy, reply, libs", [
    ((), "+OK", ["liba", "libb"]),
    (("APPEND",), "+OK", ["liba", "libb"]),
    (("append",), "+OK", ["liba", "libb"]),
    (("REPLACE",), "+OK", ["liba", "libb"]),
    (("FLUSH",), "+OK", ["liba"]),
    (("BOGUS",), "-ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.", ["libb"]),
    (("FLUSH", "x"), "-ERR unknown subcommand or wrong number of arguments for 'RESTORE'. Try FUNCTION HELP.",
     ["libb"]),
])
def test_restore_policies(cmd, r, policy, reply, libs):
    cmd("FUNCTION", "LOAD", B)
    assert cmd("FUNCTION", "RESTORE", A_DUMP, *policy) == (reply + "\r\n").encode()
    assert libraries(r) == libs


def test_restore_conflicts(cmd, r):
    cmd("FUNCTION", "LOAD", A.replace("'a'", "'a2'"))
    # The same library: APPEND refuses, REPLACE takes the dumped one.
    assert cmd("FUNCTION", "RESTORE", A_DUMP) == b"-ERR Library liba already exists\r\n"
    assert cmd("FUNCTION", "RESTORE", A_DUMP, "APPEND") == b"-ERR Library liba already exists\r\n"
    assert cmd("FCALL", "fa", 0) == bulk("a2")
    assert cmd("FUNCTION", "RESTORE", A_DUMP, "REPLACE") == b"+OK\r\n"
    assert cmd("FCALL", "fa", 0) == bulk("a")
    # Another library owning the same function name: refused even with REPLACE.
    cmd("FUNCTION", "FLUSH")
    cmd("FUNCTION", "LOAD", "#!lua name=libc\nredis.register_function('fa', function() return 'c' end)")
    assert cmd("FUNCTION", "RESTORE", A_DUMP) == b"-ERR Function fa already exists\r\n"
    assert cmd("FUNCTION", "RESTORE", A_DUMP, "REPLACE") == b"-ERR Function fa already exists\r\n"
    assert cmd("FCALL", "fa", 0) == bulk("c")
    assert libraries(r) == ["libc"]


@pytest.mark.parametrize("payload", [b"garbage", b"", A_DUMP[:-1] + bytes([A_DUMP[-1] ^ 0xff]),
                                     A_DUMP[:-10] + b"\x0b\x00" + A_DUMP[-8:]])
def test_restore_bad_payloads(cmd, r, payload):
    assert cmd("FUNCTION", "RESTORE", payload) == b"-ERR DUMP payload version or checksum are wrong\r\n"
    assert libraries(r) == []

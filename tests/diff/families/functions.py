"""Functions: FCALL FCALL_RO of the fixed libraries every case starts with (lua.LIBRARIES,
loaded by the runner after FUNCTION FLUSH), with generated keys and arguments; FUNCTION
LOAD (a library more, REPLACE, and the errors: no shebang, a wrong engine, a compile error,
a name taken, no functions), DELETE, FLUSH, LIST (compared as unordered: libraries and
functions are in the server's hash order), DUMP (its payload is the server's own: compared
by type) and RESTORE of a payload Redis 7.0 made (with FLUSH/APPEND/REPLACE, and broken).
A function that touches literal keys is always called with numkeys 0 (see lua.py)."""
import lua

FAMILY = "functions"

# FUNCTION DUMP of Redis 7.0.15 with only this library loaded:
# #!lua name=t1\nredis.register_function("t1f", function(k,a) return 1 end)
PAYLOAD = (b'\xf5@H#!lua name=t1\nredis.register_function("t1f", function(k,a) return 1 end)'
           b'\n\x00l!\x17\xd9pd\xb3\x7f')

# Commands fz_type may run on its key (all of them single-key: it keeps to KEYS).
TYPE_COMMANDS = [b"GET", b"TYPE", b"LLEN", b"SCARD", b"ZCARD", b"HLEN", b"STRLEN", b"EXISTS",
                 b"INCR", b"LPOP", b"PERSIST", b"NOSUCH", b"HGETALL", b"get"]

LIBS = [
    b"#!lua name=fzextra\nredis.register_function('fz_x', function(k, a) return #k end)",
    b"#!lua name=fzlib\nredis.register_function('fz_get', function(k, a) return 'v2' end)",
    b"#!lua name=fzdup\nredis.register_function('fz_get', function(k, a) return 1 end)",
    b"#!lua name=fzempty\nlocal x = 1",
    b"#!lua name=fzbad\nredis.register_function('fz_b', function(k, a) return 1 end",
    b"redis.register_function('fz_n', function(k, a) return 1 end)",
    b"#!js name=fzjs\nfunction f() {}",
    b"#!lua\nredis.register_function('fz_n', function(k, a) return 1 end)",
    b"#!lua name=fz lib\nredis.register_function('fz_n', function(k, a) return 1 end)",
    b"#!lua name=fzflags\nredis.register_function{function_name='fz_f', "
    b"callback=function(k, a) return 1 end, flags={'nosuch'}}",
    b"#!lua name=fzcall\nredis.call('PING')",
    b"#!lua name=fzname\nredis.register_function('bad name', function() return 1 end)",
    b"#!lua name=fztwo\nredis.register_function('fz_t1', function() return 1 end)\n"
    b"redis.register_function('fz_t1', function() return 2 end)",
    b"#!lua name=fzro\nredis.register_function{function_name='fz_r', flags={'no-writes'}, "
    b"callback=function(k, a) return redis.call('GET', k[1]) end}",
    b"#!lua name=fzerr\nerror('at load')",
    b"#!lua name=fzglobal\nredis.register_function('fz_g2', function() return 2 end)",
    b"#!lua NAME=fzupper\nredis.register_function('fz_u', function() return 1 end)",
    b"#!lua name=fzcase\nredis.register_function('FZ_ECHO', function() return 1 end)",
]


def fcall(name=b"FCALL"):
    def make(g):
        fn = g.pick(list(lua.FUNCTIONS) + [b"nosuch", b"fz_x", b"fz_r", b"FZ_GET", b"t1f"])
        nkeys = lua.FUNCTIONS.get(fn, (1, True))[0]
        if fn in lua.FUNCTIONS and nkeys == 0:
            keys = []
        else:
            keys = [g.key() for _ in range(g.rng.randint(1, 2) if nkeys == 1 else
                                            g.rng.randint(0, 3))]
        if fn == b"fz_type":
            args = [g.pick(TYPE_COMMANDS)]
        elif fn in (b"fz_echo", b"fz_push"):
            args = [g.value() for _ in range(g.rng.randint(0, 3))]
        else:
            args = [g.value() for _ in range(g.pick([0, 1, 1, 2]))]
        return [g.kw(name), fn, str(len(keys)).encode(), *keys, *args]
    return make


def bad_fcall(g):
    return g.pick([[b"FCALL", b"fz_get"], [b"FCALL", b"fz_get", b"-1"],
                   [b"FCALL", b"fz_get", b"abc"], [b"FCALL", b"fz_get", b"2", b"str:a"],
                   [b"FCALL_RO", b"fz_set", b"1", b"str:a", b"x"], [b"FCALL", b"", b"0"],
                   [b"FCALL"], [b"FUNCTION"], [b"FUNCTION", b"NOSUCH"],
                   [b"FUNCTION", b"LOAD"], [b"FUNCTION", b"DELETE"],
                   [b"FUNCTION", b"FLUSH", b"NOW"], [b"FUNCTION", b"LIST", b"FOO"],
                   [b"FUNCTION", b"LIST", b"LIBRARYNAME"], [b"FUNCTION", b"RESTORE"],
                   [b"FUNCTION", b"KILL"], [b"FUNCTION", b"LOAD", b"REPLACE"]])


def function_load(g):
    lib = g.pick(LIBS + lua.LIBRARIES)
    return [b"FUNCTION", g.kw("LOAD"), *([g.kw("REPLACE")] if g.chance(0.4) else []), lib]


def function_list(g):
    out = [b"FUNCTION", g.kw("LIST")]
    if g.chance(0.4):
        out.append(g.kw("WITHCODE"))
    if g.chance(0.4):
        out += [g.kw("LIBRARYNAME"), g.pick([b"fz*", b"fzlib", b"*", b"nosuch", b"fzg?obal",
                                             b"t1", b""])]
    return out


def function_restore(g):
    payload = PAYLOAD if g.chance(0.8) else g.pick([PAYLOAD[:-1] + b"\x00", b"", b"junk",
                                                    PAYLOAD[:20]])
    policy = g.pick([[], [g.kw("FLUSH")], [g.kw("APPEND")], [g.kw("REPLACE")], [b"BAD"]])
    return [b"FUNCTION", g.kw("RESTORE"), payload, *policy]


COMMANDS = [
    ("FCALL", 14, fcall(b"FCALL")),
    ("FCALL_RO", 5, fcall(b"FCALL_RO")),
    ("bad", 1.5, bad_fcall),
    ("FUNCTION LOAD", 2, function_load),
    ("FUNCTION DELETE", 1, lambda g: [b"FUNCTION", g.kw("DELETE"),
                                      g.pick([b"fzlib", b"fzglobal", b"fzextra", b"t1",
                                              b"nosuch", b"FZLIB"])]),
    ("FUNCTION FLUSH", 0.3, lambda g: [b"FUNCTION", g.kw("FLUSH"),
                                       *g.pick([[], [g.kw("ASYNC")], [g.kw("SYNC")]])]),
    ("FUNCTION LIST", 1.5, function_list),
    ("FUNCTION DUMP", 0.5, lambda g: [b"FUNCTION", g.kw("DUMP")]),
    ("FUNCTION RESTORE", 1, function_restore),
]

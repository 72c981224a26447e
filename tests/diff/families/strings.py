"""Strings: GET SET SETNX SETEX PSETEX GETSET GETDEL GETEX MGET MSET MSETNX INCR DECR INCRBY
DECRBY INCRBYFLOAT APPEND STRLEN GETRANGE SUBSTR SETRANGE."""

from args import KEYS

FAMILY = "strings"


def k(g):
    return g.key("string")


def set_options(g):
    opts = []
    for _ in range(g.rng.choice([0, 0, 1, 1, 2, 3])):
        r = g.rng.random()
        if r < 0.15:
            opts += [g.kw("EX"), g.seconds()]
        elif r < 0.25:
            opts += [g.kw("PX"), g.millis()]
        elif r < 0.32:
            opts += [g.kw("EXAT"), g.unix_seconds()]
        elif r < 0.38:
            opts += [g.kw("PXAT"), g.unix_millis()]
        elif r < 0.48:
            opts.append(g.kw("KEEPTTL"))
        elif r < 0.62:
            opts.append(g.kw("NX"))
        elif r < 0.76:
            opts.append(g.kw("XX"))
        elif r < 0.92:
            opts.append(g.kw("GET"))
        else:
            opts.append(g.pick([b"EX", b"PX", b"FOO", b"EXAT"]))  # missing value / unknown
    return opts


def getex_options(g):
    r = g.rng.random()
    if r < 0.25:
        return []
    if r < 0.4:
        return [g.kw("EX"), g.seconds()]
    if r < 0.5:
        return [g.kw("PX"), g.millis()]
    if r < 0.58:
        return [g.kw("EXAT"), g.unix_seconds()]
    if r < 0.65:
        return [g.kw("PXAT"), g.unix_millis()]
    if r < 0.8:
        return [g.kw("PERSIST")]
    return g.pick([[b"EX"], [b"PERSIST", b"EX", b"10"], [b"EX", b"10", b"PX", b"100"],
                   [b"KEEPTTL"], [b"FOO"]])


def setrange_offset(g):
    # Never an offset that makes a server allocate hundreds of megabytes.
    if g.chance(0.2):
        return g.pick([b"-1", b"abc", b"536870912", b"536870913", b"9223372036854775807",
                       b"9223372036854775808", b"", b"1.5"])
    return str(g.rng.randint(0, 80)).encode()


def setrange(g):
    off = setrange_offset(g)
    if off == b"536870912" and g.chance(0.5):
        return [b"SETRANGE", k(g), b"536870911", b""]  # empty value: no allocation
    return [b"SETRANGE", k(g), off, g.value()]


def mset(g):
    out = [b"MSET"]
    for _ in range(g.rng.randint(1, 3)):
        out += [k(g), g.value()]
    return out


def msetnx(g):
    out = [b"MSETNX"]
    for key in g.keys("string", 1, 3):
        out += [key, g.value()]
    return out


COMMANDS = [
    ("GET", 10, lambda g: [b"GET", k(g)]),
    ("SET", 14, lambda g: [b"SET", k(g), g.value(), *set_options(g)]),
    ("SETNX", 2, lambda g: [b"SETNX", k(g), g.value()]),
    ("SETEX", 2, lambda g: [b"SETEX", k(g), g.seconds(), g.value()]),
    ("PSETEX", 2, lambda g: [b"PSETEX", k(g), g.millis(), g.value()]),
    ("GETSET", 2, lambda g: [b"GETSET", k(g), g.value()]),
    ("GETDEL", 2, lambda g: [b"GETDEL", k(g)]),
    ("GETEX", 3, lambda g: [b"GETEX", k(g), *getex_options(g)]),
    ("MGET", 3, lambda g: [b"MGET", *g.keys("string", 1, 4)]),
    ("MSET", 3, mset),
    ("MSETNX", 2, msetnx),
    ("INCR", 4, lambda g: [b"INCR", k(g)]),
    ("DECR", 3, lambda g: [b"DECR", k(g)]),
    ("INCRBY", 4, lambda g: [b"INCRBY", k(g), g.int_arg(-1000, 1000)]),
    ("DECRBY", 3, lambda g: [b"DECRBY", k(g), g.int_arg(-1000, 1000)]),
    ("INCRBYFLOAT", 4, lambda g: [b"INCRBYFLOAT", k(g), g.float_arg()]),
    ("APPEND", 4, lambda g: [b"APPEND", k(g), g.value()]),
    ("STRLEN", 2, lambda g: [b"STRLEN", k(g)]),
    ("GETRANGE", 3, lambda g: [b"GETRANGE", k(g), g.index(), g.index()]),
    ("SUBSTR", 1, lambda g: [b"SUBSTR", k(g), g.index(), g.index()]),
    ("SETRANGE", 3, setrange),
]


def prelude(g):
    """Writes that give the family's keys values before the random commands start."""
    out = [b"MSET"]
    for key in g.rng.sample(KEYS["string"], g.rng.randint(2, len(KEYS["string"]))):
        out += [key, g.value() if g.chance(0.6) else g.int_arg(-100, 100)]
    return [out]

"""Hashes: HSET HSETNX HGET HMGET HMSET HGETALL HDEL HEXISTS HLEN HKEYS HVALS HSTRLEN HINCRBY
HINCRBYFLOAT HRANDFIELD HSCAN."""

from args import KEYS

FAMILY = "hashes"


def k(g):
    return g.key("hash")


def field_values(g):
    if g.chance(0.04):  # past hash-max-listpack-entries
        n = g.rng.randint(120, 260)
        out = []
        for i in range(n):
            out += [b"f%d" % g.rng.randint(0, 300), g.value() if g.chance(0.1) else b"%d" % i]
        return out
    out = []
    for _ in range(g.rng.randint(1, 3)):
        out += [g.field(), g.value()]
    return out


def hrandfield(g):
    return g.random_members(b"HRANDFIELD", k(g), "WITHVALUES")


def hscan(g):
    return g.scan(b"HSCAN", k(g), cursors=(b"abc", b"-1", b"5", b""))


COMMANDS = [
    ("HSET", 10, lambda g: [b"HSET", k(g), *field_values(g)]),
    ("HSETNX", 2, lambda g: [b"HSETNX", k(g), g.field(), g.value()]),
    ("HGET", 5, lambda g: [b"HGET", k(g), g.field()]),
    ("HMGET", 3, lambda g: [b"HMGET", k(g), *[g.field() for _ in range(g.rng.randint(1, 4))]]),
    ("HMSET", 2, lambda g: [b"HMSET", k(g), *field_values(g)]),
    ("HGETALL", 4, lambda g: [b"HGETALL", k(g)]),
    ("HDEL", 4, lambda g: [b"HDEL", k(g), *[g.field() for _ in range(g.rng.randint(1, 3))]]),
    ("HEXISTS", 2, lambda g: [b"HEXISTS", k(g), g.field()]),
    ("HLEN", 2, lambda g: [b"HLEN", k(g)]),
    ("HKEYS", 2, lambda g: [b"HKEYS", k(g)]),
    ("HVALS", 2, lambda g: [b"HVALS", k(g)]),
    ("HSTRLEN", 2, lambda g: [b"HSTRLEN", k(g), g.field()]),
    ("HINCRBY", 4, lambda g: [b"HINCRBY", k(g), g.field(), g.int_arg(-1000, 1000)]),
    ("HINCRBYFLOAT", 3, lambda g: [b"HINCRBYFLOAT", k(g), g.field(), g.float_arg()]),
    ("HRANDFIELD", 3, hrandfield),
    ("HSCAN", 3, hscan),
]


def prelude(g):
    out = []
    for key in g.rng.sample(KEYS["hash"], g.rng.randint(2, len(KEYS["hash"]))):
        cmd = [b"HSET", key]
        for _ in range(g.rng.randint(1, 8)):
            cmd += [g.field(), g.value() if g.chance(0.5) else g.int_arg(-100, 100)]
        out.append(cmd)
    return out

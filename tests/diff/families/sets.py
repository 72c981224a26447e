"""Sets: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER SUNION
SDIFF SINTERSTORE SUNIONSTORE SDIFFSTORE SINTERCARD SSCAN."""

from args import KEYS

FAMILY = "sets"


def k(g):
    return g.key("set")


def int_members(g):
    # Integers keep a set an intset (until set-max-intset-entries or a non-integer).
    if g.chance(0.05):
        return [b"%d" % g.rng.randint(-1000, 100000) for _ in range(g.rng.randint(120, 600))]
    return [g.int_arg(-50, 50) for _ in range(g.rng.randint(1, 4))]


def sadd(g):
    members = int_members(g) if g.chance(0.35) else g.members(1, 4)
    return [b"SADD", k(g), *members]


def spop(g):
    out = [b"SPOP", k(g)]
    if g.chance(0.6):
        out.append(g.count(0, 6, extra=[b"9223372036854775807"]))
    return out


def srandmember(g):
    return g.random_members(b"SRANDMEMBER", k(g))


def sintercard(g):
    keys = g.keys("set", 1, 3)
    numkeys = str(len(keys)).encode()
    if g.chance(0.08):
        numkeys = g.pick([b"0", b"-1", b"abc", str(len(keys) + 1).encode()])
    out = [b"SINTERCARD", numkeys, *keys]
    if g.chance(0.4):
        out += [g.kw("LIMIT"), g.count(0, 5)]
    return out


def sscan(g):
    return g.scan(b"SSCAN", k(g))


COMMANDS = [
    ("SADD", 12, sadd),
    ("SREM", 4, lambda g: [b"SREM", k(g), *g.members(1, 3)]),
    ("SMEMBERS", 4, lambda g: [b"SMEMBERS", k(g)]),
    ("SISMEMBER", 3, lambda g: [b"SISMEMBER", k(g), g.member()]),
    ("SMISMEMBER", 2, lambda g: [b"SMISMEMBER", k(g), *g.members(1, 3)]),
    ("SCARD", 3, lambda g: [b"SCARD", k(g)]),
    ("SPOP", 3, spop),
    ("SRANDMEMBER", 3, srandmember),
    ("SMOVE", 3, lambda g: [b"SMOVE", k(g), k(g), g.member()]),
    ("SINTER", 3, lambda g: [b"SINTER", *g.keys("set", 1, 3)]),
    ("SUNION", 3, lambda g: [b"SUNION", *g.keys("set", 1, 3)]),
    ("SDIFF", 3, lambda g: [b"SDIFF", *g.keys("set", 1, 3)]),
    ("SINTERSTORE", 2, lambda g: [b"SINTERSTORE", k(g), *g.keys("set", 1, 3)]),
    ("SUNIONSTORE", 2, lambda g: [b"SUNIONSTORE", k(g), *g.keys("set", 1, 3)]),
    ("SDIFFSTORE", 2, lambda g: [b"SDIFFSTORE", k(g), *g.keys("set", 1, 3)]),
    ("SINTERCARD", 2, sintercard),
    ("SSCAN", 3, sscan),
]


def prelude(g):
    out = []
    for key in g.rng.sample(KEYS["set"], g.rng.randint(2, len(KEYS["set"]))):
        n = g.rng.randint(1, 10)
        if g.chance(0.4):
            out.append([b"SADD", key, *[g.int_arg(-20, 20) for _ in range(n)]])
        else:
            out.append([b"SADD", key, *[g.member() for _ in range(n)]])
    return out

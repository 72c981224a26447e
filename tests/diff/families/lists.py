"""Lists: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM LPOS
LMOVE RPOPLPUSH LMPOP."""

from args import KEYS

FAMILY = "lists"


def k(g):
    return g.key("list")


def elements(g):
    return g.members(1, 4)


def side(g):
    if g.chance(0.03):
        return g.pick([b"MIDDLE", b"", b"LEFTX"])
    return g.kw(g.pick(["LEFT", "RIGHT"]))


def pop(name):
    def make(g):
        out = [name, k(g)]
        if g.chance(0.4):
            out.append(g.count(0, 6, extra=[b"9223372036854775807"]))
        return out
    return make


def lpos(g):
    out = [b"LPOS", k(g), g.member()]
    for _ in range(g.rng.choice([0, 0, 1, 2, 3])):
        r = g.rng.random()
        if r < 0.35:
            out += [g.kw("RANK"), g.pick([b"1", b"-1", b"2", b"-2", b"0", b"3",
                                          b"-9223372036854775808", b"9223372036854775807",
                                          b"abc"])]
        elif r < 0.7:
            out += [g.kw("COUNT"), g.count(0, 4)]
        elif r < 0.95:
            out += [g.kw("MAXLEN"), g.count(0, 10)]
        else:
            out.append(g.pick([b"RANK", b"FOO"]))
    return out


def lmpop(g):
    keys = g.keys("list", 1, 3)
    numkeys = str(len(keys)).encode()
    if g.chance(0.08):
        numkeys = g.pick([b"0", b"-1", b"abc", b"5", str(len(keys) + 1).encode()])
    out = [b"LMPOP", numkeys, *keys, side(g)]
    if g.chance(0.5):
        out += [g.kw("COUNT"), g.count(1, 6, extra=[b"0"])]
    return out


def linsert(g):
    where = g.kw(g.pick(["BEFORE", "AFTER"])) if g.chance(0.95) else b"MIDDLE"
    return [b"LINSERT", k(g), where, g.member(), g.member()]


COMMANDS = [
    ("LPUSH", 8, lambda g: [b"LPUSH", k(g), *elements(g)]),
    ("RPUSH", 8, lambda g: [b"RPUSH", k(g), *elements(g)]),
    ("LPUSHX", 2, lambda g: [b"LPUSHX", k(g), *elements(g)]),
    ("RPUSHX", 2, lambda g: [b"RPUSHX", k(g), *elements(g)]),
    ("LPOP", 4, pop(b"LPOP")),
    ("RPOP", 4, pop(b"RPOP")),
    ("LLEN", 3, lambda g: [b"LLEN", k(g)]),
    ("LRANGE", 5, lambda g: [b"LRANGE", k(g), g.index(), g.index()]),
    ("LINDEX", 3, lambda g: [b"LINDEX", k(g), g.index()]),
    ("LSET", 3, lambda g: [b"LSET", k(g), g.int_arg(-4, 4), g.member()]),
    ("LINSERT", 3, linsert),
    ("LREM", 3, lambda g: [b"LREM", k(g), g.int_arg(-3, 3), g.member()]),
    ("LTRIM", 3, lambda g: [b"LTRIM", k(g), g.index(), g.index()]),
    ("LPOS", 3, lpos),
    ("LMOVE", 4, lambda g: [b"LMOVE", k(g), k(g), side(g), side(g)]),
    ("RPOPLPUSH", 2, lambda g: [b"RPOPLPUSH", k(g), k(g)]),
    ("LMPOP", 3, lmpop),
]


def prelude(g):
    return [[b"RPUSH", key, *[g.member() for _ in range(g.rng.randint(1, 10))]]
            for key in g.rng.sample(KEYS["list"], g.rng.randint(2, len(KEYS["list"])))]

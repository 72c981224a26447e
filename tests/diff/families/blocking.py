"""Blocking pops in a single-client sequence: BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP BZPOPMIN
BZPOPMAX BZMPOP, always with a short timeout (10-50 ms) or an invalid one: on a key with
data they are served at once, on an empty one they time out with a null. The two-client
cases (a wait served by another client's push) are in scenarios.py."""

FAMILY = "blocking"


def lists(g):
    return g.keys("list", 1, 3)


def zsets(g):
    return g.keys("zset", 1, 3)


def numkeys(g, keys):
    if g.chance(0.07):
        return g.pick([b"0", b"-1", b"abc", str(len(keys) + 1).encode()])
    return str(len(keys)).encode()


def side(g):
    return g.kw(g.pick(["LEFT", "RIGHT"])) if g.chance(0.97) else b"UP"


def blmpop(g):
    keys = lists(g)
    out = [b"BLMPOP", g.block_timeout(), numkeys(g, keys), *keys, side(g)]
    if g.chance(0.5):
        out += [g.kw("COUNT"), g.count(1, 5, extra=[b"0"])]
    return out


def bzmpop(g):
    keys = zsets(g)
    out = [b"BZMPOP", g.block_timeout(), numkeys(g, keys), *keys,
           g.kw(g.pick(["MIN", "MAX"])) if g.chance(0.97) else b"MID"]
    if g.chance(0.5):
        out += [g.kw("COUNT"), g.count(1, 5, extra=[b"0"])]
    return out


COMMANDS = [
    ("BLPOP", 4, lambda g: [b"BLPOP", *lists(g), g.block_timeout()]),
    ("BRPOP", 3, lambda g: [b"BRPOP", *lists(g), g.block_timeout()]),
    ("BLMOVE", 3, lambda g: [b"BLMOVE", g.key("list"), g.key("list"), side(g), side(g),
                             g.block_timeout()]),
    ("BRPOPLPUSH", 2, lambda g: [b"BRPOPLPUSH", g.key("list"), g.key("list"),
                                 g.block_timeout()]),
    ("BLMPOP", 3, blmpop),
    ("BZPOPMIN", 3, lambda g: [b"BZPOPMIN", *zsets(g), g.block_timeout()]),
    ("BZPOPMAX", 3, lambda g: [b"BZPOPMAX", *zsets(g), g.block_timeout()]),
    ("BZMPOP", 3, bzmpop),
]


def prelude(g):
    from families import lists, zsets
    return lists.prelude(g) + zsets.prelude(g)

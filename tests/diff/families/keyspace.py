"""Keyspace: RENAME RENAMENX COPY MOVE KEYS SCAN RANDOMKEY DBSIZE FLUSHDB FLUSHALL SWAPDB
SELECT (databases 0..2, and indexes out of range)."""

FAMILY = "keyspace"


def k(g):
    return g.key()


def copy(g):
    out = [b"COPY", k(g), k(g)]
    r = g.rng.random()
    if r < 0.3:
        out += [g.kw("DB"), g.db()]
    if g.chance(0.4):
        out.append(g.kw("REPLACE"))
    if g.chance(0.05):
        out += g.pick([[b"DB"], [b"FOO"], [b"REPLACE", b"REPLACE"], [b"DB", b"1", b"DB", b"2"]])
    return out


def scan(g):
    cursor = b"0" if g.chance(0.85) else g.pick([b"abc", b"-1", b"18446744073709551616",
                                                 b"", b"1", b"7"])
    out = [b"SCAN", cursor]
    for _ in range(g.rng.choice([0, 1, 1, 2, 3])):
        r = g.rng.random()
        if r < 0.4:
            out += [g.kw("MATCH"), g.pattern()]
        elif r < 0.75:
            out += [g.kw("COUNT"), g.count(1, 20, extra=[b"0"])]
        elif r < 0.95:
            out += [g.kw("TYPE"), g.kw(g.pick(["string", "list", "set", "zset", "hash",
                                               "stream", "nosuchtype"]))]
        else:
            out.append(g.pick([b"MATCH", b"COUNT", b"FOO"]))
    return out


def flushdb(g):
    return [b"FLUSHDB", *g.pick([[], [], [g.kw("ASYNC")], [g.kw("SYNC")], [b"FOO"]])]


def flushall(g):
    return [b"FLUSHALL", *g.pick([[], [g.kw("ASYNC")], [g.kw("SYNC")], [b"BAR"]])]


COMMANDS = [
    ("RENAME", 5, lambda g: [b"RENAME", k(g), k(g)]),
    ("RENAMENX", 3, lambda g: [b"RENAMENX", k(g), k(g)]),
    ("COPY", 5, copy),
    ("MOVE", 4, lambda g: [b"MOVE", k(g), g.db()]),
    ("KEYS", 3, lambda g: [b"KEYS", g.pattern()]),
    ("SCAN", 4, scan),
    ("RANDOMKEY", 2, lambda g: [b"RANDOMKEY"]),
    ("DBSIZE", 3, lambda g: [b"DBSIZE"]),
    ("FLUSHDB", 1, flushdb),
    ("FLUSHALL", 0.3, flushall),
    ("SWAPDB", 2, lambda g: [b"SWAPDB", g.db(), g.db()]),
    ("SELECT", 3, lambda g: [b"SELECT", g.db()]),
]

"""Transactions: MULTI EXEC DISCARD WATCH UNWATCH. Alone (EXEC or DISCARD without MULTI, a
MULTI that leaves the rest of the case queued, WATCH and UNWATCH between other commands),
and as whole blocks (`block`): MULTI, a body drawn from the other families, then EXEC or
DISCARD. Bodies hold commands refused at queue time (an unknown command, a wrong arity,
a nested MULTI, WATCH, DISCARD with an argument: EXEC then answers EXECABORT; an EXEC with an
argument ends the transaction with EXECABORT itself), errors at run time (wrong types, bad
numbers), blocking commands (inside EXEC they never block: a null at once on an empty key,
even with timeout 0), SELECT (the database stays switched after EXEC), and keys of several
shards mixed with `{t}` ones (at --threads 4 the EXEC locks them all). The two-client WATCH
cases are in watch_scenarios.py."""

import tx
from args import ALL_KEYS, BLOCKING, KEYS

FAMILY = "transactions"


def watch_keys(g):
    pool = ALL_KEYS + [b"{t}str", b"{t}list", b"nokey", b"{t}nokey"]
    return [g.pick(pool) for _ in range(g.rng.randint(1, 4))]


def unknown(g):
    return [g.pick([b"FOOBAR", b"GETT", b"MULTIX", b"EXECC", b"x"]),
            *[g.value() for _ in range(g.rng.randint(0, 2))]]


def wrong_arity(g):
    return g.pick([[b"GET"], [b"SET", g.key("string")], [b"LPUSH", g.key("list")],
                   [b"HSET", g.key("hash"), b"f"], [b"ZADD", g.key("zset"), b"1"],
                   [b"EXPIRE", g.key()], [b"SELECT"], [b"GET", b"a", b"b"], [b"SADD"],
                   [b"DISCARD", b"x"], [b"EXEC", b"now"], [b"UNWATCH", b"k"]])


def runtime_error(g):
    """Commands that queue fine and fail inside EXEC (the other commands still run)."""
    return g.pick([
        [b"INCR", g.key("list")], [b"LPUSH", g.key("string"), b"x"],
        [b"HSET", g.key("set"), b"f", b"v"], [b"SADD", g.key("zset"), b"m"],
        [b"ZADD", g.key("hash"), b"1", b"m"], [b"INCRBY", g.key("string"), b"abc"],
        [b"INCRBYFLOAT", g.key("string"), b"inf"], [b"LSET", g.key("list"), b"99", b"x"],
        [b"ZADD", g.key("zset"), b"nan", b"m"], [b"SET", g.key("string"), b"v", b"EX", b"0"],
        [b"RENAME", b"nokey", g.key()], [b"SELECT", b"99"], [b"LINDEX", g.key("hash"), b"0"],
        [b"CONFIG", b"SET", b"nosuch-param", b"1"],
        [b"GETRANGE", g.key("zset"), b"0", b"-1"],
    ])


def blocking(g):
    """Blocking commands with timeouts that would block (0, 30 s): inside EXEC they must
    answer at once."""
    t = g.pick([b"0", b"0", b"30", b"0.01"])
    lst, zs = g.key("list"), g.key("zset")
    return g.pick([
        [b"BLPOP", *g.keys("list", 1, 3), t], [b"BRPOP", lst, t],
        [b"BLMOVE", lst, g.key("list"), g.kw("LEFT"), g.kw("RIGHT"), t],
        [b"BRPOPLPUSH", lst, g.key("list"), t],
        [b"BLMPOP", t, b"2", lst, g.key("list"), g.kw("LEFT"), b"COUNT", b"2"],
        [b"BZPOPMIN", zs, t], [b"BZPOPMAX", *g.keys("zset", 1, 2), t],
        [b"BZMPOP", t, b"1", zs, g.kw("MAX")],
        [b"BLPOP", lst, b"-1"], [b"BZPOPMIN", zs, b"abc"],
    ])


def shard_mix(g):
    """A multi-key command over plain and {t} keys (several shards)."""
    a, b = g.key("string"), g.pick(KEYS["string"])
    return g.pick([
        [b"MSET", a, g.value(), b"{t}str", g.value(), b],
        [b"MGET", a, b"{t}str", b, b"nokey"],
        [b"DEL", a, b"{t}list", g.key("set"), b"{t}zset"],
        [b"EXISTS", a, b"{t}hash", b],
        [b"RENAME", a, b"{t}str2"], [b"COPY", g.key(), g.key(), b"REPLACE"],
        [b"SUNIONSTORE", g.key("set"), b"{t}set", b"set:a"],
        [b"LMOVE", g.key("list"), b"{t}list", b"LEFT", b"RIGHT"],
        [b"ZUNIONSTORE", b"{t}zset2", b"2", g.key("zset"), b"zset:b"],
        [b"SMOVE", g.key("set"), b"{t}set2", g.member()],
    ])


def body_command(g, body):
    r = g.rng.random()
    if r < 0.025:
        return unknown(g)
    if r < 0.05:
        return wrong_arity(g)
    if r < 0.11:
        return [g.kw("MULTI")]
    if r < 0.13:
        return [g.kw("WATCH"), *watch_keys(g)]
    if r < 0.15:
        return [g.kw("UNWATCH")]
    if r < 0.23:
        return runtime_error(g)
    if r < 0.31:
        return blocking(g)
    if r < 0.36:
        return [b"SELECT", g.db()]
    if r < 0.46:
        return shard_mix(g)
    return body()


def block(g, body):
    """One transaction: [WATCH ...] MULTI body... EXEC | DISCARD | (left open). `body()`
    draws a command of another family that is safe to queue (see tx.queue_safe)."""
    out = []
    if g.chance(0.25):
        out.append([g.kw("WATCH"), *watch_keys(g)])
        if g.chance(0.4):
            out.append(body())  # may touch a watched key: EXEC then answers a null
    out.append([g.kw("MULTI")])
    sim = tx.Sim()
    sim.step(out[-1])
    for _ in range(g.pick([0, 1, 2, 3, 5, g.rng.randint(1, 12)])):
        args = body_command(g, body)
        if not sim.open and tx.upper(args[0]) in BLOCKING:
            args = body()  # a RESET ended the transaction: a timeout 0 would block for good
        sim.step(args)
        out.append(args)
    r = g.rng.random()
    if r < 0.72:
        out.append([g.kw("EXEC")])
    elif r < 0.87:
        out.append([g.kw("DISCARD")])
    elif r < 0.92:
        out.append([b"EXEC", b"x"])  # EXECABORT, and the transaction is gone
    # else: left open; the rest of the case is queued (and the runner DISCARDs at the end)
    if g.chance(0.1):
        out.append([g.kw(g.pick(["EXEC", "DISCARD"]))])  # without MULTI
    return out


COMMANDS = [
    ("EXEC", 2, lambda g: [b"EXEC"]),
    ("DISCARD", 2, lambda g: [b"DISCARD"]),
    ("MULTI", 1, lambda g: [b"MULTI"]),
    ("WATCH", 3, lambda g: [b"WATCH", *watch_keys(g)]),
    ("UNWATCH", 1, lambda g: [b"UNWATCH"]),
]

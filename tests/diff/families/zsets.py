"""Sorted sets: ZADD ZINCRBY ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZRANGE ZRANGESTORE
ZRANGEBYSCORE ZREVRANGEBYSCORE ZRANGEBYLEX ZREVRANGEBYLEX ZREVRANGE ZCOUNT ZLEXCOUNT ZPOPMIN
ZPOPMAX ZMPOP ZUNION ZINTER ZDIFF ZUNIONSTORE ZINTERSTORE ZDIFFSTORE ZINTERCARD
ZREMRANGEBYSCORE ZREMRANGEBYRANK ZREMRANGEBYLEX ZRANDMEMBER ZSCAN."""

from args import KEYS

FAMILY = "zsets"


def k(g):
    return g.key("zset")


def zkeys(g, lo=1, hi=3):
    # Plain sets take part in ZUNION/ZINTER/ZDIFF with score 1.
    keys = g.keys("zset", lo, hi)
    if g.chance(0.1):
        keys[g.rng.randrange(len(keys))] = g.key("set")
    return keys


def score_members(g):
    if g.chance(0.04):  # past zset-max-listpack-entries
        n = g.rng.randint(120, 260)
        out = []
        for _ in range(n):
            out += [b"%d" % g.rng.randint(-50, 50), b"m%d" % g.rng.randint(0, 300)]
        return out
    out = []
    for _ in range(g.rng.randint(1, 3)):
        out += [g.score(), g.member()]
    return out


def zadd(g):
    flags = []
    for _ in range(g.rng.choice([0, 0, 1, 1, 2, 3])):
        flags.append(g.kw(g.pick(["NX", "XX", "GT", "LT", "CH", "INCR", "CH", "GT"])))
    pairs = score_members(g)
    if b"INCR" in (f.upper() for f in flags) and g.chance(0.7):
        pairs = pairs[:2]
    if g.chance(0.03):
        pairs = pairs + [g.score()]  # odd number of score/member arguments
    return [b"ZADD", k(g), *flags, *pairs]


def score_bound(g):
    r = g.rng.random()
    if r < 0.15:
        return g.pick([b"-inf", b"+inf", b"inf", b"(-inf", b"(+inf"])
    if r < 0.25:
        return g.pick([b"[1", b"abc", b"(", b"", b"nan", b"(nan", b"1e400", b"((1", b" 1",
                       b"-0", b"(-0"])
    v = g.pick([b"0", b"1", b"2", b"-1", b"1.5", b"10", b"3", b"5", b"100"])
    return b"(" + v if g.chance(0.3) else v


def lex_bound(g):
    r = g.rng.random()
    if r < 0.3:
        return g.pick([b"-", b"+"])
    if r < 0.4:
        return g.pick([b"a", b"[", b"(", b"", b"-a", b"+b"])
    return g.pick([b"[", b"("]) + g.member()


def limit(g):
    if g.chance(0.1):
        return [g.kw("LIMIT"), g.index()]  # missing count
    return [g.kw("LIMIT"), g.pick([b"0", b"1", b"2", b"-1", b"5"]),
            g.pick([b"1", b"2", b"-1", b"0", b"3", b"10", b"abc", b"9223372036854775807"])]


def zrange_tail(g, allow_withscores=True):
    """ZRANGE's start stop and options, in one of its three modes."""
    mode = g.rng.random()
    if mode < 0.45:
        out = [g.index(), g.index()]
        if g.chance(0.2):
            out.append(g.kw("REV"))
        if g.chance(0.05):
            out += limit(g)  # LIMIT without BYSCORE/BYLEX: an error
    elif mode < 0.75:
        out = [score_bound(g), score_bound(g), g.kw("BYSCORE")]
        if g.chance(0.3):
            out.append(g.kw("REV"))
        if g.chance(0.3):
            out += limit(g)
    else:
        out = [lex_bound(g), lex_bound(g), g.kw("BYLEX")]
        if g.chance(0.3):
            out.append(g.kw("REV"))
        if g.chance(0.3):
            out += limit(g)
    if allow_withscores and g.chance(0.4):
        out.append(g.kw("WITHSCORES"))
    if g.chance(0.03):
        out.append(g.pick([b"BYSCORE", b"BYLEX", b"FOO"]))
    if g.chance(0.2):  # options in any order
        opts = out[2:]
        g.rng.shuffle(opts)
        out = out[:2] + opts
    return out


def by_score(name, rev=False):
    def make(g):
        out = [name, k(g), score_bound(g), score_bound(g)]
        if g.chance(0.4):
            out.append(g.kw("WITHSCORES"))
        if g.chance(0.3):
            out += limit(g)
        return out
    return make


def by_lex(name):
    def make(g):
        out = [name, k(g), lex_bound(g), lex_bound(g)]
        if g.chance(0.3):
            out += limit(g)
        return out
    return make


def numkeys_and_keys(g, keys):
    numkeys = str(len(keys)).encode()
    if g.chance(0.07):
        numkeys = g.pick([b"0", b"-1", b"abc", str(len(keys) + 1).encode()])
    return [numkeys, *keys]


def weights(g, n):
    if g.chance(0.1):
        n = max(0, n + g.pick([-1, 1]))
    return [g.kw("WEIGHTS"), *[g.pick([b"1", b"2", b"0", b"-1", b"0.5", b"inf", b"-inf",
                                        b"abc", b"3", b"1e3"]) for _ in range(n)]]


def aggregate(g):
    return [g.kw("AGGREGATE"), g.kw(g.pick(["SUM", "MIN", "MAX", "SUM", "AVG"]))]


def set_op(name, store=False, diff=False):
    def make(g):
        keys = zkeys(g)
        out = [name] + ([k(g)] if store else []) + numkeys_and_keys(g, keys)
        if not diff:
            if g.chance(0.3):
                out += weights(g, len(keys))
            if g.chance(0.3):
                out += aggregate(g)
        if not store and g.chance(0.4):
            out.append(g.kw("WITHSCORES"))
        if g.chance(0.03):
            out.append(g.pick([b"WITHSCORES", b"FOO", b"WEIGHTS", b"AGGREGATE"]))
        return out
    return make


def zmpop(g):
    out = [b"ZMPOP", *numkeys_and_keys(g, g.keys("zset", 1, 3)),
           g.kw(g.pick(["MIN", "MAX"])) if g.chance(0.97) else b"MIDDLE"]
    if g.chance(0.5):
        out += [g.kw("COUNT"), g.count(1, 6, extra=[b"0"])]
    return out


def zintercard(g):
    out = [b"ZINTERCARD", *numkeys_and_keys(g, zkeys(g))]
    if g.chance(0.4):
        out += [g.kw("LIMIT"), g.count(0, 5)]
    return out


def zrandmember(g):
    return g.random_members(b"ZRANDMEMBER", k(g), "WITHSCORES")


def zscan(g):
    return g.scan(b"ZSCAN", k(g))


def pop(name):
    def make(g):
        out = [name, k(g)]
        if g.chance(0.4):
            out.append(g.count(-1, 6, extra=[b"9223372036854775807"]))
        return out
    return make


def rank(name):
    def make(g):
        out = [name, k(g), g.member()]
        if g.chance(0.05):
            out.append(g.kw("WITHSCORE"))  # Redis 7.2 only: 7.0 answers an arity error
        return out
    return make


COMMANDS = [
    ("ZADD", 14, zadd),
    ("ZINCRBY", 4, lambda g: [b"ZINCRBY", k(g), g.score(), g.member()]),
    ("ZREM", 4, lambda g: [b"ZREM", k(g), *g.members(1, 3)]),
    ("ZCARD", 2, lambda g: [b"ZCARD", k(g)]),
    ("ZSCORE", 3, lambda g: [b"ZSCORE", k(g), g.member()]),
    ("ZMSCORE", 2, lambda g: [b"ZMSCORE", k(g), *g.members(1, 3)]),
    ("ZRANK", 2, rank(b"ZRANK")),
    ("ZREVRANK", 2, rank(b"ZREVRANK")),
    ("ZRANGE", 8, lambda g: [b"ZRANGE", k(g), *zrange_tail(g)]),
    ("ZRANGESTORE", 3, lambda g: [b"ZRANGESTORE", k(g), k(g), *zrange_tail(g, False)]),
    ("ZRANGEBYSCORE", 3, by_score(b"ZRANGEBYSCORE")),
    ("ZREVRANGEBYSCORE", 2, by_score(b"ZREVRANGEBYSCORE")),
    ("ZRANGEBYLEX", 2, by_lex(b"ZRANGEBYLEX")),
    ("ZREVRANGEBYLEX", 2, by_lex(b"ZREVRANGEBYLEX")),
    ("ZREVRANGE", 2, lambda g: [b"ZREVRANGE", k(g), g.index(), g.index(),
                                *([g.kw("WITHSCORES")] if g.chance(0.4) else [])]),
    ("ZCOUNT", 2, lambda g: [b"ZCOUNT", k(g), score_bound(g), score_bound(g)]),
    ("ZLEXCOUNT", 2, lambda g: [b"ZLEXCOUNT", k(g), lex_bound(g), lex_bound(g)]),
    ("ZPOPMIN", 3, pop(b"ZPOPMIN")),
    ("ZPOPMAX", 3, pop(b"ZPOPMAX")),
    ("ZMPOP", 3, zmpop),
    ("ZUNION", 3, set_op(b"ZUNION")),
    ("ZINTER", 3, set_op(b"ZINTER")),
    ("ZDIFF", 2, set_op(b"ZDIFF", diff=True)),
    ("ZUNIONSTORE", 3, set_op(b"ZUNIONSTORE", store=True)),
    ("ZINTERSTORE", 3, set_op(b"ZINTERSTORE", store=True)),
    ("ZDIFFSTORE", 2, set_op(b"ZDIFFSTORE", store=True, diff=True)),
    ("ZINTERCARD", 2, zintercard),
    ("ZREMRANGEBYSCORE", 2, lambda g: [b"ZREMRANGEBYSCORE", k(g), score_bound(g),
                                       score_bound(g)]),
    ("ZREMRANGEBYRANK", 2, lambda g: [b"ZREMRANGEBYRANK", k(g), g.index(), g.index()]),
    ("ZREMRANGEBYLEX", 2, lambda g: [b"ZREMRANGEBYLEX", k(g), lex_bound(g), lex_bound(g)]),
    ("ZRANDMEMBER", 3, zrandmember),
    ("ZSCAN", 3, zscan),
]


def prelude(g):
    out = []
    for key in g.rng.sample(KEYS["zset"], g.rng.randint(2, len(KEYS["zset"]))):
        cmd = [b"ZADD", key]
        for _ in range(g.rng.randint(1, 10)):
            cmd += [b"0" if g.same_scores else b"%d" % g.rng.randint(-5, 10), g.member()]
        out.append(cmd)
    return out

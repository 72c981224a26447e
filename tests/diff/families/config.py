"""CONFIG SET/GET of the collection size limits only (the runner restores the defaults
before every sequence). Small limits force encoding conversions on the next writes."""

FAMILY = "config"

# The limits Redis 7.0 knows, with their defaults; set-max-listpack-* are Redis 7.2 and
# Cinnabar only, so they are not generated.
LIMITS = {
    b"hash-max-listpack-entries": b"128",
    b"hash-max-listpack-value": b"64",
    b"zset-max-listpack-entries": b"128",
    b"zset-max-listpack-value": b"64",
    b"set-max-intset-entries": b"512",
    b"list-max-listpack-size": b"-2",
    b"list-compress-depth": b"0",
}
ALIASES = [b"hash-max-ziplist-entries", b"hash-max-ziplist-value",
           b"zset-max-ziplist-entries", b"zset-max-ziplist-value", b"list-max-ziplist-size"]

# One CONFIG SET that puts every limit back.
RESTORE = [b"CONFIG", b"SET", *[x for kv in LIMITS.items() for x in kv]]


def name(g):
    n = g.pick(list(LIMITS) * 3 + ALIASES)
    return g.kw(n) if g.chance(0.2) else n


def value(g, n):
    if g.chance(0.1):
        return g.pick([b"-1", b"abc", b"", b"1.5", b"9223372036854775808", b"1gb", b"5k"])
    if n.lower().startswith(b"list"):
        return g.pick([b"1", b"2", b"3", b"-1", b"-2", b"-5", b"-6", b"0", b"4"])
    return g.pick([b"0", b"1", b"2", b"3", b"4", b"8", b"16", b"128", b"64", b"5"])


def config_set(g):
    out = [b"CONFIG", g.kw("SET")]
    names = [name(g) for _ in range(g.rng.choice([1, 1, 1, 2]))]
    for n in names:
        out += [n, value(g, n)]
    return out


COMMANDS = [
    ("CONFIG SET", 5, config_set),
    ("CONFIG GET", 1, lambda g: [b"CONFIG", g.kw("GET"), name(g)]),
]

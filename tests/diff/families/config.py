"""CONFIG SET/GET of the collection size limits and of the eviction settings that leave
the keys alone (the runner restores the defaults before every sequence). Small limits
force encoding conversions on the next writes; a policy decides what OBJECT FREQ and
IDLETIME answer. maxmemory itself is only ever 0 or far above what a sequence stores
(the servers count memory differently), and maxmemory-clients a share of no limit."""

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

# The memory settings, with their defaults, and the values generated for each.
POLICIES = [b"noeviction", b"allkeys-lru", b"allkeys-lfu", b"allkeys-random", b"volatile-lru",
            b"volatile-lfu", b"volatile-random", b"volatile-ttl"]
MEMORY = {
    b"maxmemory-policy": (b"noeviction", POLICIES + [b"lru", b"ALLKEYS-LFU", b""]),
    b"maxmemory": (b"0", [b"0", b"1gb", b"4GB", b"-1", b"abc", b"1.5gb"]),
    b"maxmemory-samples": (b"5", [b"1", b"5", b"10", b"64", b"0", b"-1"]),
    b"maxmemory-eviction-tenacity": (b"10", [b"0", b"10", b"100", b"101", b"-1"]),
    b"lfu-log-factor": (b"10", [b"0", b"1", b"10", b"100", b"-1"]),
    b"lfu-decay-time": (b"1", [b"0", b"1", b"60", b"-1"]),
    b"maxmemory-clients": (b"0", [b"0", b"10%", b"100%", b"101%", b"-1", b"%", b"8gb"]),
}

# One CONFIG SET that puts every limit and memory setting back.
RESTORE = [b"CONFIG", b"SET", *[x for kv in LIMITS.items() for x in kv],
           *[x for n, (default, _) in MEMORY.items() for x in (n, default)]]


def name(g):
    n = g.pick(list(LIMITS) * 3 + ALIASES + list(MEMORY))
    return g.kw(n) if g.chance(0.2) else n


def value(g, n):
    if n.lower() in MEMORY:
        return g.pick(MEMORY[n.lower()][1])
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

"""Keys and expiry: DEL UNLINK EXISTS TOUCH TYPE EXPIRE PEXPIRE EXPIREAT PEXPIREAT (NX XX GT
LT) TTL PTTL EXPIRETIME PEXPIRETIME PERSIST."""

FAMILY = "expire"


def k(g):
    return g.key()


def expire_flags(g):
    r = g.rng.random()
    if r < 0.5:
        return []
    if r < 0.85:
        return [g.kw(g.pick(["NX", "XX", "GT", "LT"]))]
    # Conflicting or unknown flags.
    return g.pick([[b"NX", b"XX"], [b"GT", b"LT"], [b"NX", b"GT"], [b"XX", b"GT"],
                   [b"XX", b"LT"], [b"FOO"], [b"nx", b"nx"]])


def some_keys(g):
    return [g.key() for _ in range(g.rng.randint(1, 4))]


COMMANDS = [
    ("DEL", 5, lambda g: [b"DEL", *some_keys(g)]),
    ("UNLINK", 2, lambda g: [b"UNLINK", *some_keys(g)]),
    ("EXISTS", 4, lambda g: [b"EXISTS", *some_keys(g)]),
    ("TOUCH", 1, lambda g: [b"TOUCH", *some_keys(g)]),
    ("TYPE", 3, lambda g: [b"TYPE", k(g)]),
    ("EXPIRE", 6, lambda g: [b"EXPIRE", k(g), g.seconds(), *expire_flags(g)]),
    ("PEXPIRE", 4, lambda g: [b"PEXPIRE", k(g), g.millis(), *expire_flags(g)]),
    ("EXPIREAT", 4, lambda g: [b"EXPIREAT", k(g), g.unix_seconds(), *expire_flags(g)]),
    ("PEXPIREAT", 3, lambda g: [b"PEXPIREAT", k(g), g.unix_millis(), *expire_flags(g)]),
    ("TTL", 5, lambda g: [b"TTL", k(g)]),
    ("PTTL", 4, lambda g: [b"PTTL", k(g)]),
    ("EXPIRETIME", 2, lambda g: [b"EXPIRETIME", k(g)]),
    ("PEXPIRETIME", 2, lambda g: [b"PEXPIRETIME", k(g)]),
    ("PERSIST", 3, lambda g: [b"PERSIST", k(g)]),
]

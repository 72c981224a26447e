"""ACL and key introspection: ACL SETUSER (users fz_u1, fz_u2; every case starts without
them) with rules whose descriptions Redis and Cinnabar spell alike, GETUSER, LIST, USERS,
DELUSER, WHOAMI, CAT, DRYRUN of random calls, bad rules; COMMAND GETKEYS and
GETKEYSANDFLAGS of calls of every family."""

from families import hashes, keyspace, lists, pubsub, sets, strings, zsets

FAMILY = "acl"

USERS = [b"fz_u1", b"fz_u2"]
SINGLES = [b"get", b"set", b"lpush", b"hget", b"zadd", b"config|get", b"client|id",
           b"object|encoding", b"publish", b"subscribe"]
CATEGORIES = [b"read", b"write", b"hash", b"list", b"set", b"string", b"keyspace", b"pubsub",
              b"connection"]
BASES = [b"+@all", b"-@all", b"allcommands", b"nocommands"]
OTHERS = [b"on", b"off", b">pw", b"<pw", b"nopass", b"resetpass", b"#" + b"a" * 64, b"~k*", b"~*",
          b"%R~s*", b"%W~l*", b"%RW~h*", b"allkeys", b"resetkeys", b"&ch*", b"&*", b"allchannels",
          b"resetchannels", b"clearselectors", b"(~z* +get)", b"(%R~k* +@read)",
          b"sanitize-payload", b"skip-sanitize-payload"]
REFUSED = [b"+nosuch", b"+@nosuch", b"foo", b"%X~a", b"#abc", b"<nothere", b"+config|get|x",
           b"-select|1", b"(~x +get", b""]
# What every server runs before a case: no user of an earlier one (a SETUSER whose name was
# dropped by an arity mutation made a user of its first rule).
RESET = [[b"ACL", b"DELUSER", *USERS, b"reset", *BASES, *OTHERS, *REFUSED[:-1],
          *[sign + w for w in SINGLES for sign in (b"+", b"-")],
          *[b"+@" + c for c in CATEGORIES]]]

CALL_FAMILIES = [strings, hashes, lists, sets, zsets, keyspace, pubsub]


def call(g):
    """A call of another family (name first), for DRYRUN and GETKEYS."""
    fam = g.pick(CALL_FAMILIES)
    table = fam.COMMANDS
    make = g.pick(table)[2]
    return make(g)


def rules(g):
    """Rules from one side of ±@all: single commands and subcommands added to -@all or taken
    from +@all (mixing categories with exceptions is spelled differently, compatibility.md)."""
    out = []
    if g.chance(0.3):
        out.append(b"reset")
    base = g.pick(BASES + [None])
    if base is not None:
        out.append(base)
    sign = b"-" if base in (b"+@all", b"allcommands") else b"+"
    for _ in range(g.rng.randint(0, 3)):
        out.append(sign + g.pick(SINGLES))
    if base in (b"-@all", b"nocommands") and g.chance(0.3):
        out.append(b"+@" + g.pick(CATEGORIES))
    for _ in range(g.rng.randint(0, 3)):
        out.append(g.pick(OTHERS))
    if g.chance(0.15):  # refused: nothing changes
        out.append(g.pick(REFUSED))
    return out


def setuser(g):
    return [b"ACL", g.kw("SETUSER"), g.pick(USERS), *rules(g)]


def dryrun(g):
    return [b"ACL", g.kw("DRYRUN"), g.pick(USERS + [b"default", b"nouser"]), *call(g)]


def getkeys(g):
    return [b"COMMAND", g.kw(g.pick(["GETKEYS", "GETKEYSANDFLAGS"])), *call(g)]


COMMANDS = [
    ("ACL SETUSER", 4, setuser),
    ("ACL GETUSER", 2, lambda g: [b"ACL", g.kw("GETUSER"), g.pick(USERS + [b"default", b"x"])]),
    ("ACL LIST", 1, lambda g: [b"ACL", g.kw("LIST")]),
    ("ACL USERS", 1, lambda g: [b"ACL", g.kw("USERS")]),
    ("ACL DELUSER", 1, lambda g: [b"ACL", g.kw("DELUSER"),
                                  *g.pick([[g.pick(USERS)], USERS, [b"default"], [b"x"]])]),
    ("ACL WHOAMI", 0.5, lambda g: [b"ACL", g.kw("WHOAMI")]),
    # A category's commands are not sent: Redis has commands Cinnabar lacks (LCS, streams).
    ("ACL CAT", 1, lambda g: [b"ACL", g.kw("CAT")] + g.pick([[], [b"nosuch"], [b""]])),
    ("ACL DRYRUN", 4, dryrun),
    ("COMMAND GETKEYS", 3, getkeys),
]

"""Connection: PING ECHO CLIENT SETNAME/GETNAME RESET, HELLO and AUTH that fail, and unknown
commands and subcommands (their error texts quote the arguments)."""

FAMILY = "connection"


def unknown(g):
    name = g.pick([b"FOOBAR", b"GETT", b"hsett", b"x", b"BLPOPX", b"\x00", b"cr\r\nlf", b"",
                   b"SET\x00", b"ZADDD", b"WAIT4ME"])
    args = [g.value() for _ in range(g.rng.randint(0, 3))]
    return [name, *args]


def unknown_sub(g):
    return [g.pick([b"OBJECT", b"CONFIG", b"CLIENT"]),
            g.pick([b"NOSUCH", b"encodingx", b"", b"x\x00y", b"GETT"]),
            *[g.value() for _ in range(g.rng.randint(0, 2))]]


def setname(g):
    return [b"CLIENT", g.kw("SETNAME"), g.pick([b"fuzz", b"", b"a b", b"n\x01", b"x" * 70,
                                                b"name\n"])]


COMMANDS = [
    ("PING", 4, lambda g: [b"PING"] + g.pick([[], [g.value()], [b"a", b"b"]])),
    ("ECHO", 3, lambda g: [b"ECHO"] + g.pick([[g.value()], [g.value()], [], [b"a", b"b"]])),
    ("CLIENT SETNAME", 1, setname),
    ("CLIENT GETNAME", 1, lambda g: [b"CLIENT", g.kw("GETNAME")]),
    ("CLIENT NO-EVICT", 1, lambda g: [b"CLIENT", g.kw("NO-EVICT"),
                                      g.pick([b"on", b"OFF", b"maybe", b""])]),
    ("RESET", 0.3, lambda g: [b"RESET"]),
    ("HELLO", 1, lambda g: g.pick([[b"HELLO", b"4"], [b"HELLO", b"0"], [b"HELLO", b"abc"],
                                   [b"HELLO", b"3", b"FOO"], [b"HELLO", b"2", b"SETNAME"],
                                   [b"HELLO", b"-1"], [b"HELLO", b"9223372036854775808"]])),
    ("AUTH", 1, lambda g: g.pick([[b"AUTH", b"pw"], [b"AUTH", b"someone", b"pw"],
                                  [b"AUTH"], [b"AUTH", b"a", b"b", b"c"]])),
    ("unknown", 3, unknown),
    ("unknown sub", 1, unknown_sub),
]

"""OBJECT ENCODING FREQ IDLETIME REFCOUNT HELP (and unknown subcommands)."""

FAMILY = "objects"


def sub(name):
    return lambda g: [b"OBJECT", g.kw(name), g.key()]


COMMANDS = [
    ("OBJECT ENCODING", 10, sub("ENCODING")),
    ("OBJECT FREQ", 1, sub("FREQ")),
    ("OBJECT IDLETIME", 2, sub("IDLETIME")),
    ("OBJECT REFCOUNT", 3, sub("REFCOUNT")),
    ("OBJECT HELP", 1, lambda g: [b"OBJECT", g.kw("HELP")]),
    ("OBJECT bad", 1, lambda g: g.pick([[b"OBJECT", b"NOSUCH", b"k"], [b"OBJECT"],
                                         [b"OBJECT", b"ENCODING"],
                                         [b"OBJECT", b"ENCODING", b"a", b"b"],
                                         [b"OBJECT", b"HELP", b"x"]])),
]

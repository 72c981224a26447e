"""Pub/Sub: PUBLISH SPUBLISH PUBSUB CHANNELS/NUMSUB/NUMPAT/SHARDCHANNELS/SHARDNUMSUB/HELP on the
fuzz connection (also inside MULTI and scripts), and steps of up to three subscriber
connections (`block`, `prelude`: commands marked b"@1".."@3", see subscribers.py):
SUBSCRIBE PSUBSCRIBE SSUBSCRIBE, their UNSUBSCRIBEs with names or without (all), PING,
RESET, and commands a RESP2 subscriber may not send (a RESP3 one may). Channel names collide
with the glob patterns on purpose: [] sets, ranges (also reversed), negation with ^, escapes,
? and *, unterminated brackets, a trailing backslash, NUL and CR LF, and the keyspace
channels (a pattern subscriber may get the case's keyspace events and the notification
check's sentinels too). The replies are compared (PUBSUB CHANNELS and SHARDCHANNELS as
sets), and so is everything each subscriber received (subscribers.py)."""

from subscribers import MAX_SUBS

FAMILY = "pubsub"
# Its single commands (PUBLISH, PUBSUB ...) may go into MULTI bodies; subscriber steps come
# only from block() and prelude(), outside transactions.
IN_BLOCKS = True

CHANNELS = [
    b"news", b"news.tech", b"news.sport", b"news.", b"hello", b"hallo", b"hxllo", b"hllo",
    b"heeello", b"h\\llo", b"chat:1", b"chat:2", b"chat:10", b"chat:", b"a", b"b", b"ab",
    b"abc", b"a*b", b"", b"x\x00y", b"cr\r\nlf", b"*", b"?", b"[ab]", b"[", b"]", b"^", b"-",
    b"h*llo", b"a\\b", b"\\", b"{t}ch", b"{t}ch2", b"\xff\xfe", b"Hello", b"NEWS.tech",
    b"__keyspace@0__:str:a", b"__keyevent@0__:set", b"__keyevent@1__:del", b"fz:other",
    b"c" * 70,
]
PATTERNS = [
    b"*", b"news.*", b"news.[st]*", b"news?*", b"h?llo", b"h*llo", b"h[ae]llo", b"h[^e]llo",
    b"h[a-e]llo", b"h[e-a]llo", b"h[^a-e]llo", b"h[\\^e]llo", b"h\\?llo", b"h\\*llo",
    b"h\\\\llo", b"chat:[0-9]", b"chat:[0-9]*", b"chat:?", b"chat:??", b"\\*", b"a\\b",
    b"a\\\\b", b"a\\*b", b"[", b"[a-", b"[]", b"[]]", b"[\\]]", b"[a-]", b"[-a]", b"[]a]*",
    b"[!a]*", b"[^]]", b"*\\", b"\\", b"??", b"?", b"", b"*a*", b"*:*", b"*.*", b"a*b*c",
    b"__key*__:*", b"__keyspace@0__:*", b"__keyevent@?__:*", b"x?y", b"x\x00*", b"cr*",
    b"{t}*", b"[\xfe-\xff]*", b"fz:*", b"NEWS.*", b"*[", b"[[]", b"[\\", b"c*c",
]


def channel(g):
    return g.pick(CHANNELS)


def pattern(g):
    return g.pick(PATTERNS)


def message(g):
    return g.value() if g.chance(0.7) else g.pick([b"m", b"", b"x\x00y", b"hello world"])


def channels(g, lo=1, hi=3, draw=channel):
    return [draw(g) for _ in range(g.rng.randint(lo, hi))]


def pubsub_sub(g):
    """PUBSUB <subcommand>: the introspection commands, and their argument errors."""
    r = g.rng.random()
    if r < 0.22:
        return [b"PUBSUB", g.kw("CHANNELS"), *([pattern(g)] if g.chance(0.7) else [])]
    if r < 0.4:
        return [b"PUBSUB", g.kw("NUMSUB"), *channels(g, 0, 4)]
    if r < 0.52:
        return [b"PUBSUB", g.kw("NUMPAT")]
    if r < 0.68:
        return [b"PUBSUB", g.kw("SHARDCHANNELS"), *([pattern(g)] if g.chance(0.7) else [])]
    if r < 0.82:
        return [b"PUBSUB", g.kw("SHARDNUMSUB"), *channels(g, 0, 4)]
    if r < 0.88:
        return [b"PUBSUB", g.kw("HELP")]
    return g.pick([[b"PUBSUB"], [b"PUBSUB", b"NOSUCH"], [b"PUBSUB", b"CHANNELS", b"a", b"b"],
                   [b"PUBSUB", b"NUMPAT", b"x"], [b"PUBSUB", b"HELP", b"x"],
                   [b"PUBSUB", b"SHARDCHANNELS", b"*", b"x"], [b"PUBSUB", b""],
                   [b"PUBSUB", b"numsubx", b"a"]])


def publish(g):
    return [b"PUBLISH", channel(g), message(g)]


def spublish(g):
    return [b"SPUBLISH", channel(g), message(g)]


COMMANDS = [
    ("PUBLISH", 10, publish),
    ("SPUBLISH", 4, spublish),
    ("PUBSUB", 8, pubsub_sub),
    ("bad", 1, lambda g: g.pick([[b"PUBLISH", b"ch"], [b"PUBLISH", b"ch", b"m", b"x"],
                                 [b"SPUBLISH"], [b"SPUBLISH", b"a", b"b", b"c"]])),
]


# --- subscriber steps ---------------------------------------------------------------------

def step(g, k=None):
    """One command of subscriber k (random when None), marked b"@k"."""
    if k is None:
        k = g.rng.randint(1, MAX_SUBS)
    r = g.rng.random()
    if r < 0.2:
        cmd = [g.kw("SUBSCRIBE"), *channels(g)]
    elif r < 0.38:
        cmd = [g.kw("PSUBSCRIBE"), *channels(g, 1, 3, pattern)]
    elif r < 0.48:
        cmd = [g.kw("SSUBSCRIBE"), *channels(g, 1, 2)]
    elif r < 0.58:
        cmd = [g.kw("UNSUBSCRIBE"), *channels(g, 0, 2)]
    elif r < 0.68:
        cmd = [g.kw("PUNSUBSCRIBE"), *channels(g, 0, 2, pattern)]
    elif r < 0.74:
        cmd = [g.kw("SUNSUBSCRIBE"), *channels(g, 0, 2)]
    elif r < 0.8:
        cmd = [g.kw("PING"), *g.pick([[], [b"hi"], [g.value()], [b"a", b"b"]])]
    elif r < 0.83:
        cmd = [g.kw("RESET")]
    elif r < 0.92:
        # Refused in a RESP2 subscriber, run by a RESP3 one (which may receive its own
        # message before the reply).
        cmd = g.pick([publish(g), spublish(g), [b"PUBSUB", b"NUMPAT"], [b"ECHO", b"x"],
                      [b"PUBSUB", b"NUMSUB", channel(g)], [b"CLIENT", b"GETNAME"]])
    else:
        cmd = g.pick([[b"SUBSCRIBE"], [b"PSUBSCRIBE"], [b"SSUBSCRIBE"], [b"NOSUCH", b"x"],
                      [b"PING", b"a", b"b", b"c"], [b"RESET", b"x"]])
    return [b"@%d" % k, *cmd]


def block(g, body):
    """A few subscriber steps, with PUBLISH / SPUBLISH / PUBSUB of the fuzz connection among
    them (and sometimes a write of another family, whose keyspace events a pattern
    subscriber may get)."""
    out = []
    for _ in range(g.rng.randint(1, 5)):
        r = g.rng.random()
        if r < 0.45:
            out.append(step(g))
        elif r < 0.75:
            out.append(g.pick([publish, publish, spublish])(g))
        elif r < 0.9:
            out.append(pubsub_sub(g))
        else:
            out.append(body())
    return out


def prelude(g):
    """Subscriptions first, so PUBLISH finds receivers."""
    out = [[b"@1", b"SUBSCRIBE", *channels(g, 1, 4)],
           [b"@2", b"PSUBSCRIBE", *channels(g, 1, 3, pattern)]]
    if g.chance(0.5):
        out.append([b"@3", b"SSUBSCRIBE", *channels(g, 1, 3)])
    if g.chance(0.3):
        out.append([b"@%d" % g.rng.randint(1, 3), b"SUBSCRIBE", *channels(g, 1, 2)])
    return out

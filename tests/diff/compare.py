"""How a reply of Cinnabar is compared with Redis's: exact bytes, unless the command's reply
is legitimately random, unordered or time-dependent. THE table is CHECKS below, keyed by
command name (for OBJECT/CONFIG/CLIENT/PUBSUB: "OBJECT ENCODING" etc. first, then "OBJECT").

A check may also ask for
- a probe: commands run on the fuzz connection just before the command (its batch then
  starts with it), e.g. SMEMBERS before SRANDMEMBER to know what it may return;
- a post step: run after the command's batch (its batch then ends with it), e.g. iterating a
  SCAN to the end, or re-syncing a set after SPOP took different random members.
"""
import math

import deviations
import lua


def upper(b):
    return b.upper() if isinstance(b, bytes) else str(b).upper().encode()


def command_name(args):
    """'GET', or 'OBJECT ENCODING' for a container command."""
    if not args:
        return b""
    name = upper(args[0])
    if name in (b"OBJECT", b"CONFIG", b"CLIENT", b"PUBSUB", b"ACL") and len(args) > 1:
        return name + b" " + upper(args[1])
    return name


def canon(node):
    """A comparable, hashable form of a parsed reply."""
    if node.is_aggregate() and node.value is not None:
        return (node.kind, tuple(canon(c) for c in node.value))
    return (node.kind, node.value)


def items(node):
    """The children of an aggregate reply (a map's as k1, v1, k2, v2...), or None."""
    if node.is_aggregate() and node.value is not None:
        return node.value
    return None


def pairs(node):
    """A reply that holds pairs, flat (RESP2 [f, v, f, v]), nested (RESP3 [[f, v], ...]) or a
    map, as a list of (first, second) scalar bytes."""
    xs = items(node)
    if xs is None:
        return None
    if xs and all(items(x) is not None and len(items(x)) == 2 for x in xs):
        return [(items(x)[0].value, items(x)[1].value) for x in xs]
    if len(xs) % 2:
        return None
    return [(xs[i].value, xs[i + 1].value) for i in range(0, len(xs), 2)]


def as_int(node):
    if node.kind == ":":
        return int(node.value)
    return None


def fmt_value(v):
    return repr(v)


class Ctx:
    """What a check sees besides the two replies: the server being compared, the session's
    RESP version, the probe replies (per server name), and the commands run before."""

    def __init__(self, server, ref_server, resp, history):
        self.server = server
        self.ref_server = ref_server
        self.resp = resp
        self.history = history
        self.probes = {}  # server name -> list of (raw, node)
        self.random_encoding = set()  # keys whose encoding is down to a random choice


# --- checks -------------------------------------------------------------------------

class Exact:
    probe = None
    post = None

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        return "replies differ"


EXACT = Exact()


class Unordered(Exact):
    """An array or set whose order is the server's hash order: compared as multisets; with
    pairs=True (HGETALL) as multisets of field-value pairs."""

    def __init__(self, pairs=False):
        self.pairs = pairs

    def compare(self, args, ref, other, ctx):
        r, o = ref[1], other[1]
        if ref[0] == other[0]:
            return None
        if r.kind != o.kind or items(r) is None or items(o) is None:
            return "replies differ"
        if self.pairs:
            pr, po = pairs(r), pairs(o)
            if pr is None or po is None or sorted(pr) != sorted(po):
                return "field-value pairs differ"
            return None
        if sorted(map(canon, items(r))) != sorted(map(canon, items(o))):
            return "elements differ (as multisets)"
        return None


class AclRules(Exact):
    """ACL LIST and GETUSER: exact, but for the order of single commands in a user's rules
    (`+@all -lpush -hget`: Redis lists them in its hash table's order; deviations.py)."""

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        if deviations.acl_rules_canon(ref[1]) != deviations.acl_rules_canon(other[1]):
            return "replies differ"
        return None


class Tolerance(Exact):
    """An integer that depends on the clock (TTL, PTTL, EXPIRETIME): negative values (no key,
    no TTL) and errors exactly, positive ones within `tol`."""

    def __init__(self, tol):
        self.tol = tol

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        a, b = as_int(ref[1]), as_int(other[1])
        if a is None or b is None or a < 0 or b < 0:
            return "replies differ"
        if abs(a - b) > self.tol:
            return f"differ by more than {self.tol}"
        return None


class DbSize(Exact):
    """DBSIZE counts a key whose time is already up until an expiry cycle (or an access)
    removes it, which is timing: SET ... EXAT/PXAT with a past time stores such a key in
    Redis 7.0. With those in the history, DBSIZE may differ by their number."""

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        a, b = as_int(ref[1]), as_int(other[1])
        past = sum(1 for h in ctx.history if h and upper(h[0]) == b"SET"
                   and any(upper(x) in (b"EXAT", b"PXAT") for x in h[3:]))
        # A script's SET (its body names EXAT or PXAT) may do the same.
        past += sum(1 for h in ctx.history if b"XAT" in upper(lua.body_of(h) or b""))
        if a is None or b is None or abs(a - b) > past:
            return "replies differ"
        return None


class TypeOnly(Exact):
    """OBJECT IDLETIME, OBJECT FREQ: an integer either way (clocks, chance)."""

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        if ref[1].kind == ":" and other[1].kind == ":":
            return None
        return "replies differ"


class Encoding(Exact):
    """OBJECT ENCODING: exact, apart from the deliberate differences in deviations.py, which
    need the key's type and (for sets) members: probed before."""

    def probe(self, args):
        if len(args) != 3:
            return None
        return [[b"TYPE", args[2]], [b"SMEMBERS", args[2]]]

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        if ref[1].kind not in "+$" or other[1].kind not in "+$":
            return "replies differ"
        if args[2] in ctx.random_encoding:
            return None
        probe = ctx.probes.get(ctx.ref_server)
        type_ = probe[0][1].value if probe else b""
        members = items(probe[1][1]) if probe else None
        members = [m.value for m in members] if members is not None else None
        if deviations.encoding_ok(type_, ref[1].value, other[1].value, members):
            return None
        return "encodings differ"


class Random(Exact):
    """SRANDMEMBER SPOP HRANDFIELD ZRANDMEMBER RANDOMKEY: the reply must have Redis's shape
    (type, length; distinct members where the count asks for that) and hold only what the
    key held before (probed). SPOP changes the set by its random choice: the post step
    re-syncs Cinnabar's set to Redis's."""

    def __init__(self, what):
        self.what = what  # "set", "hash", "zset", "keys"

    def probe(self, args):
        if self.what == "keys":
            return [[b"KEYS", b"*"]] if len(args) == 1 else None
        if len(args) < 2:
            return None
        return [{"set": [b"SMEMBERS", args[1]], "hash": [b"HGETALL", args[1]],
                 "zset": [b"ZRANGE", args[1], b"0", b"-1", b"WITHSCORES"]}[self.what]]

    def known(self, probe):
        """What the key held: {member: value-or-score}, or None (a wrong type: an error)."""
        node = probe[0][1]
        if node.is_error():
            return None
        if self.what in ("hash", "zset"):
            ps = pairs(node)
            return dict(ps) if ps is not None else None
        xs = items(node)
        return {x.value: None for x in xs} if xs is not None else None

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        r, o = ref[1], other[1]
        if r.is_error() or o.is_error() or r.kind != o.kind:
            return "replies differ"
        for name, node in ((ctx.ref_server, r), (ctx.server, o)):
            why = self.check_one(args, node, ctx.probes.get(name), r)
            if why:
                return f"{name}: {why}"
        return None

    def check_one(self, args, node, probe, ref):
        known = self.known(probe) if probe else None
        if known is None:
            return "reply to a key whose contents are unknown"
        if len(args) <= 2 or self.what == "keys":  # a single element, or null
            if node.value is None or ref.value is None:
                return None if node.value is None and ref.value is None else "null vs element"
            return None if node.value in known else f"{node.value!r} was not in the key"
        try:
            count = int(args[2])
        except ValueError:
            return f"a count Python cannot read was accepted: {args[2]!r}"
        with_values = len(args) > 3
        if with_values:
            got = pairs(node)
            if got is None:
                return "not a list of pairs"
            ref_pairs = pairs(ref)
            if ref_pairs is None or len(got) != len(ref_pairs):
                return "a different number of elements"
            if items(node) and items(ref) and len(items(node)) != len(items(ref)):
                return "a different nesting of pairs"
            for m, v in got:
                if m not in known:
                    return f"{m!r} was not in the key"
                if known[m] != v:
                    return f"{m!r} came with {v!r}, the key held {known[m]!r}"
            names = [m for m, _ in got]
        else:
            xs = items(node)
            if xs is None or len(xs) != len(items(ref)):
                return "a different number of elements"
            if any(x.is_aggregate() for x in xs):
                return "nested elements"
            names = [x.value for x in xs]
            for m in names:
                if m not in known:
                    return f"{m!r} was not in the key"
        if count >= 0 and len(set(names)) != len(names):
            return "repeated elements for a positive count"
        return None

    def post(self, args, replies, runner, ctx):
        """SPOP: where Cinnabar popped other members than Redis, put its back and take
        Redis's, so the sets agree again (the TTL and the key stay as they were)."""
        if upper(args[0]) != b"SPOP" or len(args) < 2:
            return
        ref = replies[ctx.ref_server][1]
        if ref.is_error() or ref.value is None:
            return
        ref_popped = [ref.value] if len(args) == 2 else [x.value for x in items(ref)]
        probe = ctx.probes.get(ctx.ref_server)
        before = len(self.known(probe) or {}) if probe else 0
        remaining = before - len(ref_popped)
        if len(args) > 2 and 0 < remaining and remaining * 5 <= len(ref_popped):
            # Redis rebuilds the set from the members it keeps, picked at random, and the
            # first of them decides intset or hashtable.
            runner.random_encoding.add(args[1])
        for name, (raw, node) in replies.items():
            if name == ctx.ref_server or node.is_error():
                continue
            popped = [node.value] if len(args) == 2 else [x.value for x in items(node)]
            back = [m for m in popped if m not in ref_popped]
            gone = [m for m in ref_popped if m not in popped]
            if not back and not gone:
                continue
            # Put back what only Cinnabar popped, then take what only Redis popped: the
            # key never empties (its TTL stays), and with the set limits raised meanwhile
            # the growth converts nothing (Redis's set never grew).
            _, saved = runner.call_quiet(name, [b"CONFIG", b"GET", b"set-max-*"])
            limits = pairs(saved) or []
            runner.call_quiet(name, [b"CONFIG", b"SET", *[x for n, _ in limits
                                                          for x in (n, b"1000000")]])
            if back:
                runner.call_quiet(name, [b"SADD", args[1], *back])
            if gone:
                runner.call_quiet(name, [b"SREM", args[1], *gone])
            runner.call_quiet(name, [b"CONFIG", b"SET", *[x for kv in limits for x in kv]])


class Scan(Exact):
    """SCAN SSCAN HSCAN ZSCAN: the reply is checked for shape only (cursors and batches are the
    server's own); after the batch every server iterates from cursor 0 to the end with the
    same options, and the collected sets are compared."""

    def __init__(self, what):
        self.what = what  # "keys", "set", "hash", "zset"

    def split(self, args):
        """(prefix before the cursor, the cursor, the options)."""
        at = 1 if self.what == "keys" else 2
        if len(args) <= at:
            return None
        return args[:at], args[at], args[at + 1:]

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        r, o = ref[1], other[1]
        if r.is_error() or o.is_error():
            return "replies differ"
        for node in (r, o):
            xs = items(node)
            if xs is None or len(xs) != 2 or xs[0].kind != "$" or items(xs[1]) is None:
                return "not a [cursor, elements] reply"
            if not xs[0].value.isdigit():
                return "cursor is not a number"
        if r.kind != o.kind or items(r)[1].kind != items(o)[1].kind:
            return "reply types differ"
        return None

    def post(self, args, replies, runner, ctx):
        if replies[ctx.ref_server][1].is_error():
            return None
        parts = self.split(args)
        if parts is None:
            return None
        prefix, _, options = parts
        collected = {}
        for name in replies:
            got = runner.scan_all(name, prefix, options, self.what)
            if isinstance(got, str):
                return name, got, None
            collected[name] = got
            first = items(items(replies[name][1])[1])
            if self.what in ("hash", "zset"):
                ps = pairs(items(replies[name][1])[1]) or []
                if not set(ps) <= set(got.items()):
                    return name, "the command's own reply holds elements a full scan lacks", None
            elif not {x.value for x in first} <= set(got):
                return name, "the command's own reply holds elements a full scan lacks", None
        ref = collected[ctx.ref_server]
        for name, got in collected.items():
            if name != ctx.ref_server and got != ref:
                return name, "a full iteration collected different elements", (ref, got)
        return None


# What a check's compare() returns for a reply Redis leaves unspecified: the case ends
# there, unchecked from that point on (counted as "unspecified" in the summary).
UNSPECIFIED = "unspecified"

_LEX_ONLY = {b"ZRANGEBYLEX", b"ZREVRANGEBYLEX", b"ZLEXCOUNT", b"ZREMRANGEBYLEX"}
_LEX_WRITERS = {b"ZREMRANGEBYLEX", b"ZRANGESTORE"}


class Lex(Exact):
    """Lex ranges (ZRANGEBYLEX, ZLEXCOUNT, ZREMRANGEBYLEX, ZRANGE/ZRANGESTORE BYLEX): Redis
    specifies them only for members that all share one score (on a skiplist the answer
    otherwise depends on its random levels). The key's scores are probed; with mixed scores
    the reply is unspecified and the case ends there."""

    def lex(self, args):
        name = upper(args[0])
        return name in _LEX_ONLY or (name in (b"ZRANGE", b"ZRANGESTORE")
                                     and b"BYLEX" in (upper(a) for a in args))

    def probe(self, args):
        name = upper(args[0])
        at = 2 if name == b"ZRANGESTORE" else 1
        if len(args) <= at or not self.lex(args):
            return None
        return [[b"ZRANGE", args[at], b"0", b"-1", b"WITHSCORES"]]

    def compare(self, args, ref, other, ctx):
        probe = ctx.probes.get(ctx.ref_server)
        mixed = False
        if probe and not probe[0][1].is_error():
            scores = {s for _, s in pairs(probe[0][1]) or []}
            mixed = len(scores) > 1
        if not mixed or ref[1].is_error() or other[1].is_error():
            return Exact.compare(self, args, ref, other, ctx)
        if upper(args[0]) in _LEX_WRITERS or ref[0] != other[0]:
            return UNSPECIFIED
        return None


LEX = Lex()


class Probe(Exact):
    """The probes' own replies (SMEMBERS, HGETALL, KEYS: unordered)."""


UNORDERED = Unordered()
UNORDERED_PAIRS = Unordered(pairs=True)

CHECKS = {
    # unordered: hash order is the server's own
    b"SMEMBERS": UNORDERED, b"SINTER": UNORDERED, b"SUNION": UNORDERED, b"SDIFF": UNORDERED,
    b"KEYS": UNORDERED, b"HKEYS": UNORDERED, b"HVALS": UNORDERED,
    b"PUBSUB CHANNELS": UNORDERED, b"PUBSUB SHARDCHANNELS": UNORDERED,
    b"HGETALL": UNORDERED_PAIRS,
    b"ACL CAT": UNORDERED,  # a category's commands: in the server's hash order
    b"ACL LIST": AclRules(), b"ACL GETUSER": AclRules(),
    # random: shape and membership against the key's contents just before
    b"SRANDMEMBER": Random("set"), b"SPOP": Random("set"), b"HRANDFIELD": Random("hash"),
    b"ZRANDMEMBER": Random("zset"), b"RANDOMKEY": Random("keys"),
    # scan: iterate to cursor 0, compare what was collected
    b"SCAN": Scan("keys"), b"SSCAN": Scan("set"), b"HSCAN": Scan("hash"),
    b"ZSCAN": Scan("zset"),
    # clock-dependent
    b"TTL": Tolerance(5), b"PTTL": Tolerance(5000),
    b"EXPIRETIME": Tolerance(5), b"PEXPIRETIME": Tolerance(5000),
    b"OBJECT IDLETIME": TypeOnly(),
    # the LFU counter grows by chance past its first increment
    b"OBJECT FREQ": TypeOnly(),
    b"DBSIZE": DbSize(),
    b"OBJECT ENCODING": Encoding(),
    # lex ranges: unspecified unless all scores are equal
    b"ZRANGEBYLEX": LEX, b"ZREVRANGEBYLEX": LEX, b"ZLEXCOUNT": LEX, b"ZREMRANGEBYLEX": LEX,
    b"ZRANGE": LEX, b"ZRANGESTORE": LEX,
}


def check_for(args):
    name = command_name(args)
    c = CHECKS.get(name)
    if c is None and b" " in name:
        c = CHECKS.get(name.split(b" ")[0])
    return c or EXACT


def probe_check(probe_args):
    return CHECKS.get(command_name(probe_args), EXACT)


def floats_equal(a, b):
    try:
        x, y = float(a), float(b)
    except (TypeError, ValueError):
        return False
    return x == y or (math.isnan(x) and math.isnan(y))


# The scripting commands' checks (EVAL..., FCALL..., FUNCTION) are in script_check.py.
from script_check import CHECKS as _SCRIPT_CHECKS  # noqa: E402

CHECKS.update(_SCRIPT_CHECKS)

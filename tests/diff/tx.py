"""MULTI/EXEC in the fuzzer: where a command is sent inside a transaction, and how EXEC's
reply is compared.

The role of every command of a sequence is known before it is sent (`roles`), from the
commands alone: MULTI (exactly one argument) opens a transaction outside one; inside one,
EXEC ends it (with any arguments: Redis 7.0 answers a refused EXEC with EXECABORT and
discards the transaction), DISCARD (exactly one argument) ends it, RESET (exactly one
argument) runs at once and ends it, and everything else, a nested MULTI, WATCH and a
wrong-arity DISCARD included, is "inside" (queued, or refused at queue time). A command sent inside a transaction replies
+QUEUED or an error, compared exactly; it is never probed and never gets a post step (those
would be queued too). Which commands an EXEC runs is read from Redis's replies (those that
answered +QUEUED, `Tracker`); EXEC's array is then compared element by element with each
queued command's own check from compare.CHECKS."""
import compare
import subscribers
from compare import Exact, command_name, items, upper

PLAIN, MULTI, INSIDE, END, RESET = "plain", "multi", "inside", "end", "reset"
# A step of a pub/sub subscriber connection (subscribers.py): not on the fuzz connection, so
# it neither opens, ends nor joins a transaction.
SUB = "sub"

QUEUED = b"+QUEUED\r\n"


class Sim:
    """Follows one connection's MULTI state, a command at a time."""

    def __init__(self):
        self.open = False

    def step(self, args):
        if subscribers.marker(args) is not None:
            return SUB
        name, n = upper(args[0]), len(args)
        if not self.open:
            if name == b"MULTI" and n == 1:
                self.open = True
                return MULTI
            return PLAIN
        if name == b"EXEC" or name == b"DISCARD" and n == 1:
            self.open = False
            return END
        if name == b"RESET" and n == 1:
            self.open = False
            return RESET
        return INSIDE


def roles(cmds):
    """(the role of each command, whether a transaction is still open after the last)."""
    sim = Sim()
    out = [sim.step(args) for args in cmds]
    return out, sim.open


def queue_safe(args):
    """Whether a command may be generated inside a transaction: its check needs no probe
    and no post step (EXEC's elements can only be compared by the reply itself)."""
    check = compare.check_for(args)
    return not (check.probe and check.probe(args)) and not check.post


def encode_node(node):
    """A parsed reply as canonical RESP bytes (an EXEC element has no raw bytes of its own)."""
    k, v = node.kind, node.value
    if node.is_aggregate():
        if v is None:
            return b"*-1\r\n" if k == "*" else b"_\r\n"
        n = len(v) // 2 if k in ("%", "|") else len(v)
        return k.encode() + b"%d\r\n" % n + b"".join(encode_node(x) for x in v)
    if v is None:
        return b"$-1\r\n" if k == "$" else b"_\r\n"
    if k in ("$", "=", "!"):
        return k.encode() + b"%d\r\n" % len(v) + v + b"\r\n"
    return k.encode() + v + b"\r\n"


def _shape(x, y):
    """The fallback for an element whose check needs a probe: kind, length, errors exactly."""
    if x.kind != y.kind or (x.value is None) != (y.value is None):
        return "reply types differ"
    if x.is_error() and x.value != y.value:
        return "errors differ"
    if x.is_aggregate() and x.value is not None and len(x.value) != len(y.value):
        return "lengths differ"
    return None


class Exec(Exact):
    """EXEC: errors (EXECABORT, EXEC without MULTI) and nulls (a WATCHed key changed) exactly;
    an array element by element, with the check of the command queued there (ctx.queued,
    the commands that answered +QUEUED, in order)."""

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        queued = getattr(ctx, "queued", None)
        r, o = ref[1], other[1]
        xs, ys = items(r), items(o)
        if queued is None or xs is None or ys is None or r.kind != o.kind:
            return "replies differ"
        if len(xs) != len(ys):
            return f"EXEC ran {len(ys)} commands, Redis {len(xs)}"
        if len(xs) != len(queued):
            return f"EXEC ran {len(xs)} commands but {len(queued)} were queued (fuzzer)"
        for i, (q, x, y) in enumerate(zip(queued, xs, ys)):
            check = compare.check_for(q)
            if check.probe and check.probe(q) or check.post:
                why = _shape(x, y)
            else:
                why = check.compare(q, (encode_node(x), x), (encode_node(y), y), ctx)
            if why == compare.UNSPECIFIED:
                return why
            if why:
                return f"reply {i + 1} of EXEC ({command_name(q).decode(errors='replace')}): {why}"
        return None


EXEC = Exec()


class Tracker:
    """Which commands the open transaction holds, as Redis answered them: `check(role, args)`
    before a reply is compared, `after(role, args, ref_raw)` once it was."""

    def __init__(self):
        self.queued = None

    def check(self, role, args, ctx):
        if role == INSIDE:
            return compare.EXACT
        if role == END and upper(args[0]) == b"EXEC" and len(args) == 1:
            ctx.queued = list(self.queued or [])
            return EXEC
        if upper(args[0]) == b"EXEC":
            return compare.EXACT  # EXEC without MULTI, or with arguments: an error
        return compare.check_for(args)

    def after(self, role, args, ref_raw):
        if role == MULTI:
            self.queued = []
        elif role == INSIDE:
            if ref_raw == QUEUED and self.queued is not None:
                self.queued.append(args)
        elif role in (END, RESET):
            self.queued = None


def count(stats, role, args, ref):
    """Counts an EXEC that ended a transaction by Redis's answer: ran, refused (null) or
    aborted (EXECABORT), for the run's summary."""
    if role != END or upper(args[0]) != b"EXEC":
        return
    node = ref[1]
    what = "aborted" if node.is_error() else "refused" if node.value is None else "ran"
    stats[f"exec_{what}"] = stats.get(f"exec_{what}", 0) + 1

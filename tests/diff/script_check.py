"""Reply checks of the scripting commands (entries of compare.CHECKS).

A script's reply is compared exactly, except where Redis leaves the order to a hash table:
a map or a set a script returns (built from a Lua table: its order is Lua's) is compared
as unordered, at any depth; a script whose body ends in `--fz:u` (it returns an unordered
command's reply: SMEMBERS, KEYS...) has its top-level array compared as a multiset, one in
`--fz:p` (HGETALL) as a multiset of pairs (lua.reply_flags). FUNCTION LIST is in the
server's hash order of libraries and functions: compared with every array sorted. FUNCTION
DUMP's payload is the server's own serialization: compared by type.

Imported by compare.py (at its end, into its CHECKS): import compare, not this, first."""
import lua
from compare import Exact, canon, items, upper


def norm(node, flag=""):
    """A comparable form of a script's reply: maps and sets unordered at any depth; the top
    array as a multiset ("u") or a multiset of pairs ("p")."""
    if not node.is_aggregate() or node.value is None:
        return (node.kind, node.value)
    xs = [norm(x) for x in node.value]
    if node.kind in ("%", "|"):
        return (node.kind, tuple(sorted(zip(xs[::2], xs[1::2]), key=repr)))
    if node.kind == "~" or flag == "u":
        return (node.kind, tuple(sorted(xs, key=repr)))
    if flag == "p" and len(xs) % 2 == 0:
        return (node.kind, tuple(sorted(zip(xs[::2], xs[1::2]), key=repr)))
    return (node.kind, tuple(xs))


def deep_sorted(node):
    """Every aggregate's elements sorted, at any depth."""
    if not node.is_aggregate() or node.value is None:
        return (node.kind, node.value)
    return (node.kind, tuple(sorted((deep_sorted(x) for x in node.value), key=repr)))


class ScriptReply(Exact):
    """EVAL EVALSHA EVAL_RO EVALSHA_RO FCALL FCALL_RO."""

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        flag = lua.reply_flags(args)
        if norm(ref[1], flag) == norm(other[1], flag):
            return None
        return "replies differ" + (f" (compared as unordered: {flag})" if flag else "")


class FunctionReply(Exact):
    """FUNCTION <sub>: LIST unordered at any depth, DUMP by type, the rest exactly."""

    def compare(self, args, ref, other, ctx):
        if ref[0] == other[0]:
            return None
        sub = upper(args[1]) if len(args) > 1 else b""
        r, o = ref[1], other[1]
        if sub == b"LIST" and not r.is_error():
            return None if deep_sorted(r) == deep_sorted(o) else "libraries differ (unordered)"
        if sub == b"DUMP" and len(args) == 2 and r.kind == o.kind and not r.is_error():
            return None
        return "replies differ"


SCRIPT_REPLY = ScriptReply()

CHECKS = {
    b"EVAL": SCRIPT_REPLY, b"EVALSHA": SCRIPT_REPLY, b"EVAL_RO": SCRIPT_REPLY,
    b"EVALSHA_RO": SCRIPT_REPLY, b"FCALL": SCRIPT_REPLY, b"FCALL_RO": SCRIPT_REPLY,
    b"FUNCTION": FunctionReply(),
}


def libraries(conn):
    """The state check's view of the function libraries: (name, sorted function names,
    code) of each, sorted."""
    _, node = conn.call(b"FUNCTION", b"LIST", b"WITHCODE")
    out = []
    for lib in items(node) or []:
        xs = items(lib) or []
        d = {xs[i].value: xs[i + 1] for i in range(0, len(xs) - 1, 2)}
        fns = sorted(canon(f) for f in items(d.get(b"functions")) or [])
        out.append((d[b"library_name"].value, tuple(fns), d[b"library_code"].value))
    return sorted(out)


SCRIPT_RUNS = {b"EVAL", b"EVALSHA", b"EVAL_RO", b"EVALSHA_RO", b"FCALL", b"FCALL_RO"}


def count(stats, args, ref):
    """Counts the scripts sent (a queued one when it is sent) and those Redis answered with
    an error, for the run's summary."""
    if upper(args[0]) in SCRIPT_RUNS:
        stats["scripts"] = stats.get("scripts", 0) + 1
        if ref[1].is_error():
            stats["script_errors"] = stats.get("script_errors", 0) + 1

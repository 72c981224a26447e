"""Keyspace notifications in the fuzzer: every server runs with `notify-keyspace-events KEAnm`
(every class: "A" alone leaves out n, new keys, and m, key misses), and keeps one subscriber
connection (RESP2) with PSUBSCRIBE __key*__:* and SUBSCRIBE of the sentinel channel.

After a batch the fuzz connection PUBLISHes a numbered sentinel (in the same write as the
batch: one more reply to read, no round trip more); the events of one connection's commands
reach a subscriber before a later PUBLISH of that connection, in Redis and in Cinnabar, so
what the subscriber received up to that sentinel message is exactly what the batch (and its
probes) published. The (channel, payload) sequences are compared exactly, with these
exceptions:
- `expired` events fire when active expiry gets to a key (SET ... EXAT in the past stores
  one), which is timing: they are taken out of the sequences and compared as a multiset
  once per case, after a full SCAN of databases 0-2 made every server expire what is due
  (not when the case flushed a database: a flush drops a due key unreported; with SWAPDB
  the database in the channel name is timing too, so then only the key names count);
- the known items: deviations.events_ok (documented deviations) and known_open (temporary).
Inside MULTI no sentinel is sent (it would be queued): the events of the queued commands
are read after EXEC, and a case that ends with a transaction open gets its last sentinel
after the runner's DISCARD."""
import difflib

from compare import items
from resp import Closed, Timeout

FLAGS = b"KEAnm"
PATTERN = b"__key*__:*"
SENTINEL = b"fz:sentinel"
# Events whose moment is the server's own (active expiry), compared per case as a multiset.
ASYNC = {b"expired"}


def name(ev):
    """The event of (channel, payload): the keyevent channel's suffix, the keyspace payload."""
    channel, payload = ev
    if channel.startswith(b"__keyevent@"):
        return channel.split(b"__:", 1)[-1]
    return payload


def key_of(ev):
    channel, payload = ev
    if channel.startswith(b"__keyevent@"):
        return payload
    return channel.split(b"__:", 1)[-1]


def split(events):
    """(the ordered events, the asynchronous ones)."""
    ordered, later = [], []
    for ev in events:
        (later if name(ev) in ASYNC else ordered).append(ev)
    return ordered, later


def fmt(ev):
    from report import quote
    return f"{quote(ev[0])} {quote(ev[1])}"


def text(events, around=None, limit=60):
    """The events one a line (a window around index `around` when there are many)."""
    if not events:
        return "(no events)"
    lo, hi = 0, len(events)
    if hi > limit:
        at = around or 0
        lo, hi = max(0, at - limit // 2), min(len(events), max(0, at - limit // 2) + limit)
    lines = [f"\n      {i + 1:3d}. {fmt(events[i])}" for i in range(lo, hi)]
    if lo:
        lines.insert(0, f"\n      ... {lo} earlier events")
    if hi < len(events):
        lines.append(f"\n      ... {len(events) - hi} more events")
    return "".join(lines)


def diff(ref, other):
    """None if the sequences are equal, else (why, signature, index of the first difference).
    The signature (what a smaller case must still show) names the events of the first
    region that differs, without their keys: ("missing", (b"del",)), ("extra", ...), or
    ("differ", ref's, other's)."""
    if ref == other:
        return None
    sm = difflib.SequenceMatcher(a=[tuple(e) for e in ref], b=[tuple(e) for e in other],
                                 autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        rn = tuple(name(e) for e in ref[i1:i2])
        on = tuple(name(e) for e in other[j1:j2])
        if tag == "delete":
            why = (f"{i2 - i1} event(s) from event {i1 + 1} on missing: "
                   + ", ".join(fmt(e) for e in ref[i1:i2][:6]))
            return why, ("missing", rn), i1
        if tag == "insert":
            why = (f"{j2 - j1} event(s) more at event {j1 + 1}: "
                   + ", ".join(fmt(e) for e in other[j1:j2][:6]))
            return why, ("extra", on), j1
        why = (f"event {i1 + 1} on differs: Redis {', '.join(fmt(e) for e in ref[i1:i2][:4])}; "
               f"got {', '.join(fmt(e) for e in other[j1:j2][:4])}")
        return why, ("differ", rn, on), i1
    return "the events differ", ("differ",), 0


def multiset_diff(ref, other, keys_only=False):
    """The asynchronous events of a case, compared as multisets: None or a text."""
    norm = (lambda evs: sorted((name(e), key_of(e)) for e in evs)) if keys_only else sorted
    a, b = norm(ref), norm(other)
    if a == b:
        return None
    missing = list(a)
    extra = []
    for e in b:
        if e in missing:
            missing.remove(e)
        else:
            extra.append(e)
    show = (lambda e: f"{e[0]!r} {e[1]!r}")
    return (f"expired events differ (as a multiset{', keys only' if keys_only else ''}): "
            f"Redis only: {', '.join(map(show, missing[:8])) or '-'}; "
            f"here only: {', '.join(map(show, extra[:8])) or '-'}")


class Subscriber:
    """The notification subscriber of one server."""

    def __init__(self, server, timeout):
        self.conn = server.connect(timeout=timeout)
        self.conn.send_commands([[b"PSUBSCRIBE", PATTERN], [b"SUBSCRIBE", SENTINEL]])
        for _ in range(2):
            self.conn.read_reply()

    def read_until(self, token, timeout):
        """The events received before the sentinel message `token` (older sentinels, left
        by an earlier divergence, are skipped). Raises Timeout or Closed."""
        import time
        deadline = time.monotonic() + timeout
        events = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"the sentinel {token!r} never arrived at the notification "
                              f"subscriber ({len(events)} events before)")
            _, node = self.conn.read_reply(left)
            xs = items(node) or []
            kind = xs[0].value if xs else None
            if kind == b"pmessage" and len(xs) == 4:
                events.append((xs[2].value, xs[3].value))
            elif kind == b"message" and len(xs) == 3 and xs[1].value == SENTINEL:
                if xs[2].value == token:
                    return events
            else:
                events.append((b"?unexpected", repr(node).encode()))

    def close(self):
        """Unsubscribes (confirmed, so the servers' counts drop before anything else runs),
        then closes."""
        try:
            self.conn.send_commands([[b"PUNSUBSCRIBE"], [b"UNSUBSCRIBE"]])
            got = 0
            while got < 2:
                _, node = self.conn.read_reply(3.0)
                xs = items(node) or []
                if xs and xs[0].value in (b"punsubscribe", b"unsubscribe"):
                    got += 1
        except (Closed, Timeout, OSError):
            pass
        self.conn.close()


def expiry_mode(history):
    """How a case's expired events compare: "skip" after a flush (FLUSHDB or FLUSHALL drop a
    key that is due without an event, unless active expiry got to it first), "keys" after
    SWAPDB (the database a due key expires in is timing), "exact" otherwise. Script bodies
    count by their text."""
    import lua
    from compare import upper
    mode = "exact"
    for args in history:
        name = upper(args[0]) if args else b""
        body = upper(lua.body_of(args) or b"")
        if name in (b"FLUSHDB", b"FLUSHALL") or b"FLUSH" in body:
            return "skip"
        if name == b"SWAPDB" or b"SWAPDB" in body:
            mode = "keys"
    return mode

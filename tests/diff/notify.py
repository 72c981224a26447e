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
- deviations.blocked_move_events_ok (a documented deviation, two-client scenarios) and the
  known_open items of kind "events" (Item.tolerate gets the commands of the span, both
  event lists, and ctx.span: (command, Redis's raw reply, the server's) of each).
Inside MULTI no sentinel is sent (it would be queued): the events of the queued commands
are read after EXEC, and a case that ends with a transaction open gets its last sentinel
after the runner's DISCARD. What a post step writes (SPOP's re-sync, on Cinnabar only) is
read past, not compared. The two-client scenarios take one sentinel at their end (from the
checker connection, once every client had its replies).

Fast path: the subscriber's bytes up to the sentinel are compared first; only when they
differ (or may hold `expired` events) are they parsed."""
import difflib
import socket

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


def signature(ref, other):
    """What a smaller case must still show to count as the same divergence, stable however
    the events interleave: ("order",) when only their order differs, ("keys",) when the
    event names agree, else the names (without keys, as sets: one command showing it is
    enough) only Redis sent and only the other server sent."""
    if sorted(ref) == sorted(other):
        return ("order",)
    a, b = sorted(map(name, ref)), sorted(map(name, other))
    only_a, rest = [], list(b)
    for n in a:
        if n in rest:
            rest.remove(n)
        else:
            only_a.append(n)
    if not only_a and not rest:  # the same names, other keys or databases
        return ("keys",)
    return ("names", tuple(sorted(set(only_a))), tuple(sorted(set(rest))))


def diff(ref, other):
    """None if the sequences are equal, else (why, signature, index of the first
    difference)."""
    if ref == other:
        return None
    sig = signature(ref, other)
    if sig == ("order",):
        i = next(i for i, (a, b) in enumerate(zip(ref, other)) if a != b)
        return (f"the same events in another order, from event {i + 1} on: Redis "
                f"{fmt(ref[i])}, got {fmt(other[i])}"), sig, i
    sm = difflib.SequenceMatcher(a=[tuple(e) for e in ref], b=[tuple(e) for e in other],
                                 autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            continue
        if tag == "delete":
            why = (f"{i2 - i1} event(s) from event {i1 + 1} on missing: "
                   + ", ".join(fmt(e) for e in ref[i1:i2][:6]))
            return why, sig, i1
        if tag == "insert":
            why = (f"{j2 - j1} event(s) more at event {j1 + 1}: "
                   + ", ".join(fmt(e) for e in other[j1:j2][:6]))
            return why, sig, j1
        why = (f"event {i1 + 1} on differs: Redis {', '.join(fmt(e) for e in ref[i1:i2][:4])}; "
               f"got {', '.join(fmt(e) for e in other[j1:j2][:4])}")
        return why, sig, i1
    return "the events differ", sig, 0


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


def parse_events(raw):
    """The (channel, payload) events in a notification subscriber's bytes."""
    from resp import parse
    events, i = [], 0
    while i < len(raw):
        node, i = parse(raw, i)
        xs = items(node) or []
        kind = xs[0].value if xs else None
        if kind == b"pmessage" and len(xs) == 4:
            events.append((xs[2].value, xs[3].value))
        elif kind == b"message" and len(xs) == 3 and xs[1].value == SENTINEL:
            continue  # an older sentinel
        else:
            events.append((b"?unexpected", repr(node).encode()))
    return events


def count(raw):
    return raw.count(b"\r\npmessage\r\n")


class Subscriber:
    """The notification subscriber of one server."""

    def __init__(self, server, timeout):
        self.conn = server.connect(timeout=timeout)
        self.conn.send_commands([[b"PSUBSCRIBE", PATTERN], [b"SUBSCRIBE", SENTINEL]])
        for _ in range(2):
            self.conn.read_reply()

    def read_raw(self, token, timeout):
        """The bytes received before the sentinel message `token` (the buffer keeps what
        follows). Raises Timeout or Closed."""
        import time
        marker = b"*3\r\n$7\r\nmessage\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n" % (
            len(SENTINEL), SENTINEL, len(token), token)
        c = self.conn
        deadline = time.monotonic() + timeout
        start = 0
        while True:
            at = c.buf.find(marker, start)
            if at >= 0:
                raw = bytes(c.buf[:at])
                del c.buf[:at + len(marker)]
                return raw
            start = max(0, len(c.buf) - len(marker))
            left = deadline - time.monotonic()
            if left <= 0:
                raise Timeout(f"the sentinel {token!r} never arrived at the notification "
                              f"subscriber ({len(c.buf)} bytes before)")
            c.sock.settimeout(left)
            try:
                chunk = c.sock.recv(1 << 20)
            except socket.timeout:
                continue
            except ConnectionError:
                chunk = b""
            if not chunk:
                raise Closed("the notification subscriber's connection closed")
            c.buf += chunk

    def read_until(self, token, timeout):
        """The events received before the sentinel message `token` (older sentinels, left
        by an earlier divergence, are skipped). Raises Timeout or Closed."""
        return parse_events(self.read_raw(token, timeout))

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
    import re

    import lua
    from compare import upper
    mode = "exact"
    for args in history:
        name = upper(args[0]) if args else b""
        body = lua.body_of(args) or b""
        if name in (b"FLUSHDB", b"FLUSHALL") or re.search(rb"(?i)flush", body):
            return "skip"
        if name == b"SWAPDB" or re.search(rb"(?i)swapdb", body):
            mode = "keys"
    return mode

"""The pub/sub family's subscriber connections (families/pubsub.py generates their steps).

A case may hold steps for up to three extra connections per server: a command whose first
element is the marker b"@1" .. b"@3" runs on that subscriber connection, not on the fuzz
connection (SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UNSUBSCRIBEs, PING, RESET, and
commands a RESP2 subscriber may not send). Subscriber k speaks RESP3 when k + the case's
RESP version is odd, RESP2 otherwise; it is opened at its first step and, at the end of the
case, RESET (which drops its subscriptions, confirmed) and closed.

A step goes out with `PING <token>` in the same write; before each step (so that what was
published earlier has arrived), before a post step (runner.py: what it writes is not
compared) and at the end of the case, every open subscriber gets a `PING <token>` too.
What a subscriber received before the token's answer (the step's replies, the messages,
the keyspace events and sentinels its patterns match) is compared with Redis's (the bytes
first; parsed only when they differ), item by item,
exactly, except where Redis's order is its hash tables': a PUBLISH reaching one connection
through several patterns sends the pmessages in pattern-table order (a run of pmessages of
one channel and payload is compared sorted), and UNSUBSCRIBE without arguments confirms the
channels in the client's table order (the names compared sorted, the counts in order).
Keyspace `expired` events a pattern subscriber gets are left out (their moment is active
expiry's; notify.py compares them)."""
from compare import canon, items, upper

MAX_SUBS = 3
UNSUB_VERBS = {b"unsubscribe", b"punsubscribe", b"sunsubscribe"}


def marker(args):
    """The subscriber number of a step (1..3), or None for a fuzz-connection command."""
    if args and isinstance(args[0], bytes) and len(args[0]) == 2 and args[0][:1] == b"@" \
            and args[0][1:].isdigit():
        return int(args[0][1:])
    return None


# The head of a RESP2 subscriber's answer to PING <token>: ["pong", token].
PONG_HEAD = b"*2\r\n$4\r\npong\r\n"


def split(raw):
    """The replies and messages in a subscriber's bytes, as (raw, Reply) each."""
    from resp import parse
    out, i = [], 0
    while i < len(raw):
        node, j = parse(raw, i)
        out.append((raw[i:j], node))
        i = j
    return out


def resp_of(k, case_resp):
    return 3 if (k + case_resp) % 2 else 2


def _message_key(node):
    """(channel, payload) of a pmessage, or None."""
    xs = items(node)
    if xs and len(xs) == 4 and xs[0].value == b"pmessage":
        return (xs[2].value, xs[3].value)
    return None


def _unsub(node):
    """(verb, name, count) of an unsubscribe confirmation, or None."""
    xs = items(node)
    if xs and len(xs) == 3 and xs[0].value in UNSUB_VERBS:
        return xs[0].value, xs[1].value, xs[2].value
    return None


def is_async(node):
    """A keyspace `expired` event (a message or pmessage): its moment is active expiry's, so
    it is not compared here (the notification check compares them per case)."""
    xs = items(node)
    if not xs or len(xs) not in (3, 4) or xs[0].value not in (b"message", b"pmessage"):
        return False
    channel, payload = xs[-2].value, xs[-1].value
    return (channel.startswith(b"__keyspace@") and payload == b"expired"
            or channel.startswith(b"__keyevent@") and channel.endswith(b"__:expired"))


def event_key(node):
    """The key of a keyspace event a subscriber received (a message or pmessage on a
    __keyspace@/__keyevent@ channel), or None."""
    xs = items(node)
    if not xs or len(xs) not in (3, 4) or xs[0].value not in (b"message", b"pmessage"):
        return None
    channel, payload = xs[-2].value, xs[-1].value
    if channel.startswith(b"__keyevent@"):
        return payload
    if channel.startswith(b"__keyspace@"):
        return channel.split(b"__:", 1)[-1]
    return None


def canonical(nodes, unsub_all=False):
    """A comparable form of what a subscriber received (see the module's doc)."""
    nodes = [n for n in nodes if not is_async(n)]
    out, i = [], 0
    while i < len(nodes):
        key = _message_key(nodes[i])
        if key is not None:
            j = i
            while j < len(nodes) and _message_key(nodes[j]) == key:
                j += 1
            out.append(("pmessages", nodes[i].kind, key,
                        tuple(sorted(items(n)[1].value for n in nodes[i:j]))))
            i = j
            continue
        u = _unsub(nodes[i]) if unsub_all else None
        if u is not None:
            j = i
            while j < len(nodes) and _unsub(nodes[j]) and _unsub(nodes[j])[0] == u[0]:
                j += 1
            run = [_unsub(n) for n in nodes[i:j]]
            out.append(("unsubscribed", nodes[i].kind, u[0],
                        tuple(sorted((n for _, n, _ in run), key=lambda x: (x is None, x))),
                        tuple(c for _, _, c in run)))
            i = j
            continue
        out.append(canon(nodes[i]))
        i += 1
    return out


def unsub_all(args):
    """Whether a step is an UNSUBSCRIBE-family command without arguments."""
    return len(args) == 2 and upper(args[1]) in (b"UNSUBSCRIBE", b"PUNSUBSCRIBE",
                                                 b"SUNSUBSCRIBE")


def stream_text(raws, limit=40, around=0):
    """The items of a stream as the report shows them: `limit` of them, starting a few
    before item `around` (the first that differs)."""
    from report import quote
    if not raws:
        return "(nothing)"
    start = max(0, min(around - 5, len(raws) - limit))
    lines = []
    if start > 0:
        lines.append(f"\n      ... {start} before")
    lines += [f"\n      {i + 1:3d}. {quote(r)[:300]}"
              for i, r in enumerate(raws[start:start + limit], start)]
    if len(raws) > start + limit:
        lines.append(f"\n      ... {len(raws) - start - limit} more")
    return "".join(lines)


def first_difference(a, b):
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return i
    return min(len(a), len(b))

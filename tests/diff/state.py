"""The full state of a server, read after every sequence on a RESP2 connection of its own:
for every key of every database the fuzzer uses, its TYPE, its value, its TTL, its
OBJECT ENCODING and its OBJECT REFCOUNT (shared integers, and COPY's private ones); and the
function libraries (FUNCTION LIST WITHCODE), as the pseudo-key FUNCTIONS_KEY. DEBUG DIGEST-VALUE
of every key and DEBUG DIGEST of the whole dataset (every database) are compared exactly too:
Redis's digests are functions of the data alone, so they catch what the value reads do not
show (a stray key in another database, an expiry present or not). A full SCAN of every database
first deletes the keys whose time is past on every server alike (Redis's digest counts an
expired key until something deletes it)."""
import args as A
import deviations
from compare import items, pairs
import script_check  # noqa: I100 (after compare, which imports it)

TTL_TOLERANCE_MS = 5000
FUNCTIONS_KEY = (-1, b"<function libraries>")
DIGEST_KEY = (-1, b"<DEBUG DIGEST>")

VALUE_COMMANDS = {
    b"string": lambda k: [b"GET", k],
    b"list": lambda k: [b"LRANGE", k, b"0", b"-1"],
    b"set": lambda k: [b"SMEMBERS", k],
    b"hash": lambda k: [b"HGETALL", k],
    b"zset": lambda k: [b"ZRANGE", k, b"0", b"-1", b"WITHSCORES"],
}


def _pipeline(conn, commands):
    conn.send_commands(commands)
    return [conn.read_reply()[1] for _ in commands]


def _value(type_, node):
    if node.is_error():
        return ("error", node.value)
    if type_ == b"string":
        return node.value
    if type_ == b"list":
        return [x.value for x in items(node)]
    if type_ == b"set":
        return sorted(x.value for x in items(node))
    if type_ == b"hash":
        return sorted(pairs(node))
    if type_ == b"zset":
        return pairs(node)
    return None


def _expire_due(conn, dbs):
    for db in dbs:
        _pipeline(conn, [[b"SELECT", str(db).encode()]])
        cursor = b"0"
        while True:
            reply = _pipeline(conn, [[b"SCAN", cursor, b"COUNT", b"100000"]])[0]
            cursor = items(reply)[0].value
            if cursor == b"0":
                break


def dump(conn, dbs=A.DBS):
    """{(db, key): {"type", "value", "pttl", "encoding", "refcount", "digest"}} of the server
    behind `conn`."""
    _expire_due(conn, dbs)
    cmds = []
    for db in dbs:
        cmds += [[b"SELECT", str(db).encode()], [b"KEYS", b"*"]]
    replies = _pipeline(conn, cmds)
    keys = []
    for i, db in enumerate(dbs):
        node = replies[2 * i + 1]
        keys += [(db, x.value) for x in items(node)]
    cmds, at = [], []
    current = None
    for db, k in keys:
        if db != current:
            cmds.append([b"SELECT", str(db).encode()])
            current = db
        at.append(len(cmds))
        cmds += [[b"TYPE", k], [b"PTTL", k], [b"OBJECT", b"ENCODING", k],
                 [b"OBJECT", b"REFCOUNT", k], [b"DEBUG", b"DIGEST-VALUE", k]]
    cmds.append([b"DEBUG", b"DIGEST"])
    replies = _pipeline(conn, cmds)
    whole = replies[-1].value
    state = {}
    for (db, k), i in zip(keys, at):
        digest = replies[i + 4]
        state[(db, k)] = {"type": replies[i].value, "pttl": int(replies[i + 1].value),
                          "encoding": replies[i + 2].value, "refcount": replies[i + 3].value,
                          "digest": [x.value for x in items(digest)] if not digest.is_error()
                          else ("error", digest.value)}
    cmds, order = [], []
    current = None
    for (db, k), entry in state.items():
        make = VALUE_COMMANDS.get(entry["type"])
        if make is None:
            continue
        if db != current:
            cmds.append([b"SELECT", str(db).encode()])
            current = db
        order.append(((db, k), len(cmds)))
        cmds.append(make(k))
    replies = _pipeline(conn, cmds) if cmds else []
    for key, i in order:
        state[key]["value"] = _value(state[key]["type"], replies[i])
    state[FUNCTIONS_KEY] = {"type": b"functions", "value": script_check.libraries(conn),
                            "pttl": -1, "encoding": None, "refcount": None}
    state[DIGEST_KEY] = {"type": b"digest", "value": whole, "pttl": -1,
                         "encoding": None, "refcount": None}
    return state


def diff(ref, other):
    """The differences between two dumps, as (db, key, what, ref's, other's), what being
    "exists", "type", "value", "ttl", "encoding", "refcount" or "digest"."""
    out = []
    for key in sorted(set(ref) | set(other)):
        db, k = key
        a, b = ref.get(key), other.get(key)
        if a is None or b is None:
            out.append((db, k, "exists", a is not None, b is not None))
            continue
        if a["type"] != b["type"]:
            out.append((db, k, "type", a["type"], b["type"]))
            continue
        if a.get("value") != b.get("value"):
            out.append((db, k, "value", a.get("value"), b.get("value")))
        ta, tb = a["pttl"], b["pttl"]
        if (ta < 0 or tb < 0) and ta != tb or abs(ta - tb) > TTL_TOLERANCE_MS:
            out.append((db, k, "ttl", ta, tb))
        members = a.get("value") if a["type"] == b"set" else None
        if not deviations.encoding_ok(a["type"], a["encoding"], b["encoding"], members):
            out.append((db, k, "encoding", a["encoding"], b["encoding"]))
        if a["refcount"] != b["refcount"]:
            out.append((db, k, "refcount", a["refcount"], b["refcount"]))
        if a.get("digest") != b.get("digest"):
            out.append((db, k, "digest", a.get("digest"), b.get("digest")))
    return out

"""Keyspace notifications: notify-keyspace-events (K E g $ l s h z x e n t m d A), the
`__keyspace@<db>__:<key>` and `__keyevent@<db>__:<event>` channels, the event each write
emits (and the writes that emit none), new / keymiss / expired / evicted events, CONFIG SET
and CONFIG GET of the flags, databases, MULTI/EXEC, scripts, blocking pops, unusual keys.

Every expectation was checked against Redis 7.0.15. The ordering asserted is the one Redis
guarantees: the events of one writer connection arrive in the order of its commands (and,
inside one command, in the order listed), and a PUBLISH the same connection sends after its
writes arrives after their events; that PUBLISH is the sentinel that ends a collection.
Events that no connection's command orders (active expiry, eviction) are compared as sets.
"""
import threading
import time
import uuid

import pytest
import redis

SENTINEL = "notifications-test:sentinel"
ALL_PATTERN = "__key*@*__:*"
# 'A' is an alias for these classes; it includes neither n (new) nor m (keymiss).
A_CLASSES = "g$lshzxetd"
INVALID = ("CONFIG SET failed (possibly related to argument 'notify-keyspace-events') - "
           "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")

# The class of every event name (a flag letter of notify-keyspace-events).
CLASS = {
    **dict.fromkeys(["del", "expire", "persist", "rename_from", "rename_to", "move_from",
                     "move_to", "copy_to", "restore"], "g"),
    **dict.fromkeys(["set", "append", "setrange", "incrby", "incrbyfloat"], "$"),
    **dict.fromkeys(["lpush", "rpush", "linsert", "lset", "lpop", "rpop", "lrem", "ltrim"], "l"),
    **dict.fromkeys(["sadd", "srem", "spop", "sinterstore", "sunionstore", "sdiffstore"], "s"),
    **dict.fromkeys(["hset", "hdel", "hincrby", "hincrbyfloat"], "h"),
    **dict.fromkeys(["zadd", "zincr", "zrem", "zremrangebyscore", "zremrangebyrank",
                     "zremrangebylex", "zpopmin", "zpopmax", "zunionstore", "zinterstore",
                     "zdiffstore", "zrangestore"], "z"),
    "expired": "x", "evicted": "e", "new": "n", "keymiss": "m",
}


# --- Helpers ---

def ks(key, event, db=0):
    """The keyspace-form message of one event: (channel, payload)."""
    return (f"__keyspace@{db}__:{key}", event)


def ke(key, event, db=0):
    """The keyevent-form message of one event."""
    return (f"__keyevent@{db}__:{event}", key)


def parse_event(text):
    """'event:key' or 'event:key@db' (the tables' shorthand) -> (event, key, db)."""
    event, key = text.split(":", 1)
    db = 0
    if "@" in key:
        key, db = key.rsplit("@", 1)
        db = int(db)
    return event, key, db


def messages(flags, events):
    """The messages a subscriber to both channel families gets for `events` (shorthand
    strings, in order) under `flags`: per event, the keyspace form first, then the keyevent
    form; events whose class `flags` lacks are left out."""
    classes = set(flags.replace("A", A_CLASSES))
    out = []
    for text in events:
        event, key, db = parse_event(text)
        if CLASS[event] not in classes:
            continue
        if "K" in flags:
            out.append(ks(key, event, db))
        if "E" in flags:
            out.append(ke(key, event, db))
    return out


class Watcher:
    """A subscriber on its own connection: PSUBSCRIBEs `patterns`, SUBSCRIBEs `channels` and
    the sentinel channel, and returns only once every subscription is confirmed."""

    def __init__(self, server, patterns=(ALL_PATTERN,), channels=(), decode=True, db=0):
        self.decode = decode
        self.conn = server.client(decode_responses=decode, socket_timeout=10, db=db)
        self.ps = self.conn.pubsub()
        try:
            if patterns:
                self.ps.psubscribe(*patterns)
            self.ps.subscribe(SENTINEL, *channels)
            want = len(patterns) + 1 + len(channels)
            deadline = time.time() + 5
            while want:
                msg = self._next(deadline)
                assert msg["type"] in ("subscribe", "psubscribe"), msg
                want -= 1
        except redis.RedisError as e:
            self.close()
            pytest.fail(f"subscribing failed: {e}", pytrace=False)

    def _next(self, deadline):
        while True:
            left = deadline - time.time()
            if left <= 0:
                raise AssertionError("timed out waiting for a pub/sub message")
            msg = self.ps.get_message(timeout=min(left, 0.5))
            if msg is not None:
                return msg

    def _text(self, value):
        return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else value

    def collect(self, *writers, timeout=5):
        """Each of `writers` (the connections that ran the commands) publishes a sentinel;
        returns the (channel, payload) messages received before the last sentinel, in order.
        Only one connection's own events are ordered before its sentinel, so a test with
        several writers passes them all."""
        tokens = set()
        for writer in writers:
            token = uuid.uuid4().hex
            tokens.add(token)
            writer.publish(SENTINEL, token)
        out = []
        deadline = time.time() + timeout
        while tokens:
            msg = self._next(deadline)
            if msg["type"] not in ("message", "pmessage"):
                continue
            channel = msg["channel"]
            if self._text(channel) == SENTINEL:
                tokens.discard(self._text(msg["data"]))  # or an earlier collection's
                continue
            out.append((channel, msg["data"]))
        return out

    def wait_for(self, count, timeout=5):
        """The first `count` event messages, however long (up to `timeout`) they take."""
        out = []
        deadline = time.time() + timeout
        while len(out) < count:
            msg = self._next(deadline)
            if msg["type"] in ("message", "pmessage") and self._text(msg["channel"]) != SENTINEL:
                out.append((msg["channel"], msg["data"]))
        return out

    def close(self):
        try:
            self.ps.close()
        finally:
            self.conn.close()


@pytest.fixture
def notify(r):
    """Sets notify-keyspace-events on the shared server; back to "" after the test."""
    def set_flags(flags):
        try:
            assert r.config_set("notify-keyspace-events", flags)
        except redis.RedisError as e:
            # A one-line report (a traceback through redis-py is slow to render, times 1000).
            pytest.fail(f"CONFIG SET notify-keyspace-events {flags!r}: {e}", pytrace=False)

    try:
        set_flags("")
        yield set_flags
    finally:
        set_flags("")


@pytest.fixture
def watch(server):
    """Makes Watchers on the shared server (or another one); all closed after the test."""
    made = []

    def make(*args, on=None, **kwargs):
        w = Watcher(on or server, *args, **kwargs)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


@pytest.fixture
def no_active_expire(r):
    """Turns the active expiry cycle off, so only lazy expiry removes keys."""
    r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "0")
    try:
        yield
    finally:
        r.execute_command("DEBUG", "SET-ACTIVE-EXPIRE", "1")


def run_all(client, commands):
    """Runs `commands` in order; an error reply is part of the case, not a failure."""
    plain = redis.Redis(connection_pool=client.connection_pool)
    plain.response_callbacks = {}  # replies as sent (OBJECT's parser, for one, would choke)
    replies = []
    for cmd in commands:
        try:
            replies.append(plain.execute_command(*cmd))
        except redis.ResponseError as e:
            replies.append(e)
    return replies


def observe(r, notify, watch, flags, setup, commands):
    """Runs `setup` with notifications off, then `commands` under `flags`; the messages."""
    run_all(r, setup)
    w = watch()
    notify(flags)
    run_all(r, commands)
    return w.collect(r)


def wait_server_time_past(r, key):
    """Polls the server's clock (touching no key) until `key`'s expiry time has passed."""
    at = r.pexpiretime(key)
    assert at > 0
    deadline = time.time() + 5
    while time.time() < deadline:
        sec, usec = r.time()
        if sec * 1000 + usec // 1000 > at:
            return
        time.sleep(0.005)
    raise AssertionError("the server clock never passed the expiry time")


# --- The event of every write (tables) ---
#
# (id, setup, commands, events). Events are 'event:key' ('event:key@db' outside db 0), in the
# order Redis sends them, "new" included; each case runs under several flag sets and the
# expected messages are filtered by class (see messages()).

S = [("SET", "s", "v")]
S_TTL = [("SET", "s", "v", "EX", 100)]

STRING_CASES = [
    ("set-new", [], [("SET", "k", "v")], ["new:k", "set:k"]),
    ("set-existing", S, [("SET", "s", "v2")], ["set:s"]),
    ("set-ex", [], [("SET", "k", "v", "EX", 10)], ["new:k", "set:k", "expire:k"]),
    ("set-px", [], [("SET", "k", "v", "PX", 10000)], ["new:k", "set:k", "expire:k"]),
    ("set-keepttl", S_TTL, [("SET", "s", "v2", "KEEPTTL")], ["set:s"]),
    # No persist event when SET drops a TTL.
    ("set-drops-ttl", S_TTL, [("SET", "s", "v2")], ["set:s"]),
    ("set-get", S, [("SET", "s", "v2", "GET")], ["set:s"]),
    ("set-nx-existing", S, [("SET", "s", "v2", "NX")], []),
    ("set-xx-missing", [], [("SET", "k", "v", "XX")], []),
    ("setex", [], [("SETEX", "k", 10, "v")], ["new:k", "set:k", "expire:k"]),
    ("setex-existing", S_TTL, [("SETEX", "s", 5, "v2")], ["set:s", "expire:s"]),
    ("psetex", [], [("PSETEX", "k", 10000, "v")], ["new:k", "set:k", "expire:k"]),
    ("setnx-new", [], [("SETNX", "k", "v")], ["new:k", "set:k"]),
    ("setnx-existing", S, [("SETNX", "s", "v2")], []),
    ("mset", [], [("MSET", "a", "1", "b", "2")], ["new:a", "set:a", "new:b", "set:b"]),
    ("mset-existing", [("SET", "b", "0")], [("MSET", "a", "1", "b", "2")],
     ["new:a", "set:a", "set:b"]),
    ("msetnx", [], [("MSETNX", "a", "1", "b", "2")], ["new:a", "set:a", "new:b", "set:b"]),
    ("msetnx-one-exists", [("SET", "b", "0")], [("MSETNX", "a", "1", "b", "2")], []),
    ("append-new", [], [("APPEND", "k", "x")], ["new:k", "append:k"]),
    ("append-existing", S, [("APPEND", "s", "x")], ["append:s"]),
    # An empty APPEND still notifies.
    ("append-empty", S, [("APPEND", "s", "")], ["append:s"]),
    ("setrange-new", [], [("SETRANGE", "k", 0, "x")], ["new:k", "setrange:k"]),
    ("setrange-existing", S, [("SETRANGE", "s", 5, "x")], ["setrange:s"]),
    # ...but an empty SETRANGE does not, on an existing key or a missing one.
    ("setrange-empty", S, [("SETRANGE", "s", 0, "")], []),
    ("setrange-empty-missing", [], [("SETRANGE", "k", 0, "")], []),
    # INCR, INCRBY, DECR, DECRBY: all "incrby".
    ("incr", [], [("INCR", "n")], ["new:n", "incrby:n"]),
    ("incr-existing", [("SET", "n", "1")], [("INCR", "n")], ["incrby:n"]),
    ("incrby", [], [("INCRBY", "n", 5)], ["new:n", "incrby:n"]),
    ("decr", [], [("DECR", "n")], ["new:n", "incrby:n"]),
    ("decrby", [("SET", "n", "1")], [("DECRBY", "n", 5)], ["incrby:n"]),
    ("incrbyfloat", [], [("INCRBYFLOAT", "n", "1.5")], ["new:n", "incrbyfloat:n"]),
    ("incr-not-integer", S, [("INCR", "s")], []),
    ("getset", S, [("GETSET", "s", "x")], ["set:s"]),
    ("getset-new", [], [("GETSET", "k", "x")], ["new:k", "set:k"]),
    ("getdel", S, [("GETDEL", "s")], ["del:s"]),
    ("getdel-missing", [], [("GETDEL", "k")], []),
    ("getex-ex", S, [("GETEX", "s", "EX", 10)], ["expire:s"]),
    ("getex-px", S, [("GETEX", "s", "PX", 10000)], ["expire:s"]),
    ("getex-exat", S, [("GETEX", "s", "EXAT", 9999999999)], ["expire:s"]),
    ("getex-plain", S, [("GETEX", "s")], []),
    ("getex-persist", S_TTL, [("GETEX", "s", "PERSIST")], ["persist:s"]),
    ("getex-persist-no-ttl", S, [("GETEX", "s", "PERSIST")], []),
    # A time in the past deletes the key.
    ("getex-past", S, [("GETEX", "s", "EXAT", 1)], ["del:s"]),
]

GENERIC_CASES = [
    ("del-several", [("SET", "a", "1"), ("SET", "b", "2")], [("DEL", "a", "missing", "b")],
     ["del:a", "del:b"]),
    ("del-missing", [], [("DEL", "missing")], []),
    ("del-list", [("RPUSH", "l", "x")], [("DEL", "l")], ["del:l"]),
    ("unlink", [("SET", "a", "1"), ("SET", "b", "2")], [("UNLINK", "a", "missing", "b")],
     ["del:a", "del:b"]),
    ("expire", S, [("EXPIRE", "s", 100)], ["expire:s"]),
    ("pexpire", S, [("PEXPIRE", "s", 100000)], ["expire:s"]),
    ("expireat", S, [("EXPIREAT", "s", 9999999999)], ["expire:s"]),
    ("pexpireat", S, [("PEXPIREAT", "s", 9999999999000)], ["expire:s"]),
    ("expire-missing", [], [("EXPIRE", "missing", 100)], []),
    ("expire-nx-twice", S, [("EXPIRE", "s", 100, "NX"), ("EXPIRE", "s", 200, "NX")],
     ["expire:s"]),
    ("expire-xx-no-ttl", S, [("EXPIRE", "s", 100, "XX")], []),
    # A time in the past deletes: "del", not "expire" nor "expired".
    ("expire-negative", S, [("EXPIRE", "s", -1)], ["del:s"]),
    ("expire-zero", S, [("EXPIRE", "s", 0)], ["del:s"]),
    ("pexpire-zero", S, [("PEXPIRE", "s", 0)], ["del:s"]),
    ("expireat-past", S, [("EXPIREAT", "s", 1)], ["del:s"]),
    ("pexpireat-past", S, [("PEXPIREAT", "s", 1)], ["del:s"]),
    ("persist", S_TTL, [("PERSIST", "s")], ["persist:s"]),
    ("persist-no-ttl", S, [("PERSIST", "s")], []),
    ("persist-missing", [], [("PERSIST", "s")], []),
    # The destination gets "new" first, then rename_from (source), rename_to (destination).
    ("rename", [("SET", "a", "1")], [("RENAME", "a", "b")],
     ["new:b", "rename_from:a", "rename_to:b"]),
    # Onto an existing key: no "del" for the overwritten key, and still "new" for it.
    ("rename-onto-existing", [("SET", "a", "1"), ("SET", "b", "2")], [("RENAME", "a", "b")],
     ["new:b", "rename_from:a", "rename_to:b"]),
    ("rename-onto-other-type", [("SET", "a", "1"), ("RPUSH", "b", "x")], [("RENAME", "a", "b")],
     ["new:b", "rename_from:a", "rename_to:b"]),
    # The TTL moves along silently (no expire event).
    ("rename-with-ttl", [("SET", "a", "1", "EX", 100)], [("RENAME", "a", "b")],
     ["new:b", "rename_from:a", "rename_to:b"]),
    # RENAME onto itself: nothing at all.
    ("rename-same", [("SET", "a", "1")], [("RENAME", "a", "a")], []),
    ("rename-missing", [], [("RENAME", "a", "b")], []),
    ("renamenx", [("SET", "a", "1")], [("RENAMENX", "a", "b")],
     ["new:b", "rename_from:a", "rename_to:b"]),
    ("renamenx-existing", [("SET", "a", "1"), ("SET", "b", "2")], [("RENAMENX", "a", "b")], []),
    # new (in the destination db), move_from (source db), move_to (destination db).
    ("move", [("SET", "a", "1")], [("MOVE", "a", 5)],
     ["new:a@5", "move_from:a", "move_to:a@5"]),
    ("move-missing", [], [("MOVE", "a", 5)], []),
    ("copy", [("SET", "a", "1")], [("COPY", "a", "b")], ["new:b", "copy_to:b"]),
    ("copy-existing-no-replace", [("SET", "a", "1"), ("SET", "b", "2")], [("COPY", "a", "b")],
     []),
    # REPLACE onto an existing key: "new" again, no "del".
    ("copy-replace", [("SET", "a", "1"), ("SET", "b", "2")], [("COPY", "a", "b", "REPLACE")],
     ["new:b", "copy_to:b"]),
    ("copy-db", [("SET", "a", "1")], [("COPY", "a", "b", "DB", 4)], ["new:b@4", "copy_to:b@4"]),
    ("copy-missing", [], [("COPY", "a", "b")], []),
    # Reads and TOUCH emit nothing (without 'm').
    ("reads", S, [("GET", "s"), ("TOUCH", "s"), ("EXISTS", "s"), ("TTL", "s"), ("TYPE", "s"),
                  ("STRLEN", "s")], []),
]

L3 = [("RPUSH", "l", "a", "b", "c")]
L1 = [("RPUSH", "l", "a")]

LIST_CASES = [
    ("lpush-new", [], [("LPUSH", "l", "a", "b")], ["new:l", "lpush:l"]),
    ("lpush", L3, [("LPUSH", "l", "x")], ["lpush:l"]),
    ("rpush-new", [], [("RPUSH", "l", "a", "b")], ["new:l", "rpush:l"]),
    ("lpushx", L3, [("LPUSHX", "l", "x", "y")], ["lpush:l"]),
    ("rpushx", L3, [("RPUSHX", "l", "x")], ["rpush:l"]),
    ("lpushx-missing", [], [("LPUSHX", "l", "a")], []),
    ("rpushx-missing", [], [("RPUSHX", "l", "a")], []),
    ("linsert", L3, [("LINSERT", "l", "BEFORE", "b", "x")], ["linsert:l"]),
    ("linsert-no-pivot", L3, [("LINSERT", "l", "AFTER", "zz", "x")], []),
    ("linsert-missing", [], [("LINSERT", "l", "AFTER", "zz", "x")], []),
    ("lset", L3, [("LSET", "l", 0, "x")], ["lset:l"]),
    ("lset-out-of-range", L3, [("LSET", "l", 9, "x")], []),
    ("lpop", L3, [("LPOP", "l")], ["lpop:l"]),
    ("rpop", L3, [("RPOP", "l")], ["rpop:l"]),
    # One event for a counted pop, however many elements.
    ("lpop-count", L3, [("LPOP", "l", 2)], ["lpop:l"]),
    ("rpop-count", L3, [("RPOP", "l", 2)], ["rpop:l"]),
    # Popping the last element: the pop event, then "del".
    ("lpop-last", L1, [("LPOP", "l")], ["lpop:l", "del:l"]),
    ("rpop-last", L1, [("RPOP", "l")], ["rpop:l", "del:l"]),
    ("lpop-count-all", L3, [("LPOP", "l", 3)], ["lpop:l", "del:l"]),
    ("lpop-count-more", L3, [("LPOP", "l", 5)], ["lpop:l", "del:l"]),
    ("lpop-count-zero", L3, [("LPOP", "l", 0)], []),
    ("lpop-missing", [], [("LPOP", "l")], []),
    ("lrem", L3, [("LREM", "l", 0, "b")], ["lrem:l"]),
    ("lrem-nothing", L3, [("LREM", "l", 0, "zz")], []),
    ("lrem-last", L1, [("LREM", "l", 0, "a")], ["lrem:l", "del:l"]),
    ("ltrim", L3, [("LTRIM", "l", 0, 1)], ["ltrim:l"]),
    # LTRIM notifies even when it removes nothing...
    ("ltrim-nothing-removed", L3, [("LTRIM", "l", 0, -1)], ["ltrim:l"]),
    ("ltrim-all", L3, [("LTRIM", "l", 5, 10)], ["ltrim:l", "del:l"]),
    # ...but not on a missing key.
    ("ltrim-missing", [], [("LTRIM", "l", 0, 1)], []),
    # RPOPLPUSH / LMOVE: the push on the destination comes first, then the pop on the source
    # (then its "del" if emptied).
    ("rpoplpush", L3, [("RPOPLPUSH", "l", "d")], ["new:d", "lpush:d", "rpop:l"]),
    ("rpoplpush-last", L1, [("RPOPLPUSH", "l", "d")], ["new:d", "lpush:d", "rpop:l", "del:l"]),
    ("rpoplpush-existing-dst", L1 + [("RPUSH", "d", "z")], [("RPOPLPUSH", "l", "d")],
     ["lpush:d", "rpop:l", "del:l"]),
    ("rpoplpush-same", L3, [("RPOPLPUSH", "l", "l")], ["lpush:l", "rpop:l"]),
    # The list of one element rotated onto itself is never empty: no "del", no "new".
    ("rpoplpush-same-one", L1, [("RPOPLPUSH", "l", "l")], ["lpush:l", "rpop:l"]),
    ("rpoplpush-missing", [], [("RPOPLPUSH", "l", "d")], []),
    ("lmove-left-right", L3, [("LMOVE", "l", "d", "LEFT", "RIGHT")],
     ["new:d", "rpush:d", "lpop:l"]),
    ("lmove-right-left", L3, [("LMOVE", "l", "d", "RIGHT", "LEFT")],
     ["new:d", "lpush:d", "rpop:l"]),
    ("lmove-last", L1, [("LMOVE", "l", "d", "LEFT", "LEFT")],
     ["new:d", "lpush:d", "lpop:l", "del:l"]),
    ("lmove-same", L3, [("LMOVE", "l", "l", "LEFT", "RIGHT")], ["rpush:l", "lpop:l"]),
    ("lmove-missing", [], [("LMOVE", "l", "d", "LEFT", "RIGHT")], []),
    ("lmpop", L3, [("LMPOP", 1, "l", "LEFT", "COUNT", 2)], ["lpop:l"]),
    ("lmpop-all", L3, [("LMPOP", 2, "missing", "l", "RIGHT", "COUNT", 5)], ["rpop:l", "del:l"]),
    # Blocking pops served at once: the same events as the non-blocking ones.
    ("blpop-ready", L3, [("BLPOP", "l", 1)], ["lpop:l"]),
    ("brpop-ready-last", L1, [("BRPOP", "l", 1)], ["rpop:l", "del:l"]),
    ("blmove-ready", L1, [("BLMOVE", "l", "d", "RIGHT", "LEFT", 1)],
     ["new:d", "lpush:d", "rpop:l", "del:l"]),
    ("brpoplpush-ready", L1, [("BRPOPLPUSH", "l", "d", 1)],
     ["new:d", "lpush:d", "rpop:l", "del:l"]),
    ("blmpop-ready", L3, [("BLMPOP", 1, 1, "l", "LEFT", "COUNT", 5)], ["lpop:l", "del:l"]),
]

T3 = [("SADD", "s", "a", "b", "c")]
T1 = [("SADD", "s", "a")]
T_OTHER = [("SADD", "t", "b", "x")]

SET_CASES = [
    ("sadd-new", [], [("SADD", "s", "a", "b")], ["new:s", "sadd:s"]),
    ("sadd-existing-member", T3, [("SADD", "s", "a")], []),
    ("sadd-some-new", T3, [("SADD", "s", "a", "x")], ["sadd:s"]),
    ("srem", T3, [("SREM", "s", "a", "zz")], ["srem:s"]),
    ("srem-missing-member", T3, [("SREM", "s", "zz")], []),
    ("srem-missing-key", [], [("SREM", "s", "a")], []),
    ("srem-last", T1, [("SREM", "s", "a")], ["srem:s", "del:s"]),
    ("spop", T3, [("SPOP", "s")], ["spop:s"]),
    ("spop-last", T1, [("SPOP", "s")], ["spop:s", "del:s"]),
    ("spop-count", T3, [("SPOP", "s", 2)], ["spop:s"]),
    ("spop-count-all", T3, [("SPOP", "s", 3)], ["spop:s", "del:s"]),
    ("spop-count-more", T3, [("SPOP", "s", 10)], ["spop:s", "del:s"]),
    ("spop-count-zero", T3, [("SPOP", "s", 0)], []),
    ("spop-missing", [], [("SPOP", "s")], []),
    # SMOVE: srem on the source (and its "del"), then new + sadd on the destination.
    ("smove", T3, [("SMOVE", "s", "d", "a")], ["srem:s", "new:d", "sadd:d"]),
    ("smove-last", T1, [("SMOVE", "s", "d", "a")], ["srem:s", "del:s", "new:d", "sadd:d"]),
    # The member already in the destination: no sadd.
    ("smove-member-in-dst", T3 + [("SADD", "d", "a")], [("SMOVE", "s", "d", "a")], ["srem:s"]),
    ("smove-last-member-in-dst", T1 + [("SADD", "d", "a")], [("SMOVE", "s", "d", "a")],
     ["srem:s", "del:s"]),
    ("smove-missing-member", T3, [("SMOVE", "s", "d", "zz")], []),
    ("smove-same-set", T3, [("SMOVE", "s", "s", "a")], []),
    ("sinterstore", T3 + T_OTHER, [("SINTERSTORE", "d", "s", "t")],
     ["new:d", "sinterstore:d"]),
    ("sunionstore", T3 + T_OTHER, [("SUNIONSTORE", "d", "s", "t")],
     ["new:d", "sunionstore:d"]),
    ("sdiffstore", T3 + T_OTHER, [("SDIFFSTORE", "d", "s", "t")], ["new:d", "sdiffstore:d"]),
    # Overwriting an existing destination: no "new".
    ("sinterstore-existing", T3 + T_OTHER + [("SADD", "d", "old")],
     [("SINTERSTORE", "d", "s", "t")], ["sinterstore:d"]),
    ("sinterstore-onto-source", T3, [("SINTERSTORE", "s", "s")], ["sinterstore:s"]),
    # An empty result deletes an existing destination ("del" only)...
    ("sinterstore-empty-existing", T3 + [("SADD", "t", "x"), ("SADD", "d", "old")],
     [("SINTERSTORE", "d", "s", "t")], ["del:d"]),
    ("sdiffstore-empty-existing", T3 + [("SADD", "d", "old")], [("SDIFFSTORE", "d", "s", "s")],
     ["del:d"]),
    # ...whatever its type...
    ("sunionstore-empty-onto-string", [("SET", "d", "str")],
     [("SUNIONSTORE", "d", "m1", "m2")], ["del:d"]),
    # ...and onto a missing destination emits nothing.
    ("sinterstore-empty-missing", T3 + [("SADD", "t", "x")], [("SINTERSTORE", "d", "s", "t")],
     []),
]

H2 = [("HSET", "h", "f", "1", "g", "2")]
H1 = [("HSET", "h", "f", "1")]

HASH_CASES = [
    ("hset-new", [], [("HSET", "h", "f", "1", "g", "2")], ["new:h", "hset:h"]),
    # HSET always notifies, even when it changes nothing.
    ("hset-same-value", H2, [("HSET", "h", "f", "1")], ["hset:h"]),
    ("hset-update", H2, [("HSET", "h", "f", "9")], ["hset:h"]),
    ("hsetnx-new-key", [], [("HSETNX", "h", "f", "1")], ["new:h", "hset:h"]),
    ("hsetnx-new-field", H2, [("HSETNX", "h", "n", "1")], ["hset:h"]),
    ("hsetnx-existing-field", H2, [("HSETNX", "h", "f", "1")], []),
    ("hmset", [], [("HMSET", "h", "f", "1", "g", "2")], ["new:h", "hset:h"]),
    ("hdel", H2, [("HDEL", "h", "f", "zz")], ["hdel:h"]),
    ("hdel-missing-field", H2, [("HDEL", "h", "zz")], []),
    ("hdel-missing-key", [], [("HDEL", "h", "f")], []),
    ("hdel-all", H2, [("HDEL", "h", "f", "g")], ["hdel:h", "del:h"]),
    ("hdel-last", H1, [("HDEL", "h", "f")], ["hdel:h", "del:h"]),
    ("hincrby", H2, [("HINCRBY", "h", "f", 2)], ["hincrby:h"]),
    ("hincrby-zero", H2, [("HINCRBY", "h", "f", 0)], ["hincrby:h"]),
    ("hincrby-new", [], [("HINCRBY", "h", "f", 2)], ["new:h", "hincrby:h"]),
    ("hincrbyfloat", H2, [("HINCRBYFLOAT", "h", "f", "1.5")], ["hincrbyfloat:h"]),
    ("hincrbyfloat-new", [], [("HINCRBYFLOAT", "h", "f", "1.5")],
     ["new:h", "hincrbyfloat:h"]),
]

Z3 = [("ZADD", "z", 1, "a", 2, "b", 3, "c")]
Z1 = [("ZADD", "z", 1, "a")]
ZY = [("ZADD", "y", 2, "b", 5, "x")]
ZLEX = [("ZADD", "z", 0, "a", 0, "b", 0, "c")]
ZD = [("ZADD", "d", 1, "old")]

ZSET_CASES = [
    ("zadd-new", [], [("ZADD", "z", 1, "a", 2, "b")], ["new:z", "zadd:z"]),
    ("zadd-same-score", Z3, [("ZADD", "z", 1, "a")], []),
    ("zadd-same-score-ch", Z3, [("ZADD", "z", "CH", 1, "a")], []),
    ("zadd-new-score", Z3, [("ZADD", "z", 5, "a")], ["zadd:z"]),
    ("zadd-new-member", Z3, [("ZADD", "z", 9, "n")], ["zadd:z"]),
    ("zadd-nx-existing", Z3, [("ZADD", "z", "NX", 5, "a")], []),
    ("zadd-xx-new-member", Z3, [("ZADD", "z", "XX", 9, "n")], []),
    ("zadd-xx-existing", Z3, [("ZADD", "z", "XX", 9, "a")], ["zadd:z"]),
    ("zadd-xx-missing-key", [], [("ZADD", "z", "XX", 1, "a")], []),
    ("zadd-gt-lower", Z3, [("ZADD", "z", "GT", 0, "a")], []),
    # ZADD INCR and ZINCRBY: "zincr"; an increment of 0 changes nothing and emits nothing.
    ("zadd-incr-new", [], [("ZADD", "z", "INCR", 1, "a")], ["new:z", "zincr:z"]),
    ("zadd-incr", Z3, [("ZADD", "z", "INCR", 1, "a")], ["zincr:z"]),
    ("zadd-incr-zero", Z3, [("ZADD", "z", "INCR", 0, "a")], []),
    ("zadd-nx-incr-existing", Z3, [("ZADD", "z", "NX", "INCR", 1, "a")], []),
    ("zincrby-new", [], [("ZINCRBY", "z", 1, "a")], ["new:z", "zincr:z"]),
    ("zincrby", Z3, [("ZINCRBY", "z", 1, "a")], ["zincr:z"]),
    ("zincrby-zero", Z3, [("ZINCRBY", "z", 0, "a")], []),
    ("zrem", Z3, [("ZREM", "z", "a", "zz")], ["zrem:z"]),
    ("zrem-missing-member", Z3, [("ZREM", "z", "zz")], []),
    ("zrem-last", Z1, [("ZREM", "z", "a")], ["zrem:z", "del:z"]),
    ("zremrangebyscore", Z3, [("ZREMRANGEBYSCORE", "z", 1, 2)], ["zremrangebyscore:z"]),
    ("zremrangebyscore-none", Z3, [("ZREMRANGEBYSCORE", "z", 10, 20)], []),
    ("zremrangebyscore-all", Z3, [("ZREMRANGEBYSCORE", "z", "-inf", "+inf")],
     ["zremrangebyscore:z", "del:z"]),
    ("zremrangebyrank", Z3, [("ZREMRANGEBYRANK", "z", 0, 0)], ["zremrangebyrank:z"]),
    ("zremrangebyrank-none", Z3, [("ZREMRANGEBYRANK", "z", 5, 6)], []),
    ("zremrangebyrank-all", Z3, [("ZREMRANGEBYRANK", "z", 0, -1)],
     ["zremrangebyrank:z", "del:z"]),
    ("zremrangebylex", ZLEX, [("ZREMRANGEBYLEX", "z", "[a", "[b")], ["zremrangebylex:z"]),
    ("zremrangebylex-none", ZLEX, [("ZREMRANGEBYLEX", "z", "[x", "+")], []),
    ("zremrangebylex-all", ZLEX, [("ZREMRANGEBYLEX", "z", "-", "+")],
     ["zremrangebylex:z", "del:z"]),
    ("zpopmin", Z3, [("ZPOPMIN", "z")], ["zpopmin:z"]),
    ("zpopmax-count", Z3, [("ZPOPMAX", "z", 2)], ["zpopmax:z"]),
    ("zpopmin-count-all", Z3, [("ZPOPMIN", "z", 5)], ["zpopmin:z", "del:z"]),
    ("zpopmax-last", Z1, [("ZPOPMAX", "z")], ["zpopmax:z", "del:z"]),
    ("zpopmin-count-zero", Z3, [("ZPOPMIN", "z", 0)], []),
    ("zpopmin-missing", [], [("ZPOPMIN", "z")], []),
    ("zmpop", Z3, [("ZMPOP", 1, "z", "MIN", "COUNT", 2)], ["zpopmin:z"]),
    ("zmpop-all", Z3, [("ZMPOP", 1, "z", "MAX", "COUNT", 5)], ["zpopmax:z", "del:z"]),
    ("bzpopmin-ready", Z3, [("BZPOPMIN", "z", 1)], ["zpopmin:z"]),
    ("bzpopmax-ready-last", Z1, [("BZPOPMAX", "z", 1)], ["zpopmax:z", "del:z"]),
    ("bzmpop-ready", Z3, [("BZMPOP", 1, 1, "z", "MAX", "COUNT", 5)], ["zpopmax:z", "del:z"]),
    ("zunionstore", Z3 + ZY, [("ZUNIONSTORE", "d", 2, "z", "y")], ["new:d", "zunionstore:d"]),
    ("zinterstore", Z3 + ZY, [("ZINTERSTORE", "d", 2, "z", "y")], ["new:d", "zinterstore:d"]),
    ("zdiffstore", Z3 + ZY, [("ZDIFFSTORE", "d", 2, "z", "y")], ["new:d", "zdiffstore:d"]),
    ("zrangestore", Z3, [("ZRANGESTORE", "d", "z", 0, 1)], ["new:d", "zrangestore:d"]),
    ("zunionstore-existing", Z3 + ZY + ZD, [("ZUNIONSTORE", "d", 2, "z", "y")],
     ["zunionstore:d"]),
    ("zunionstore-onto-source", Z3, [("ZUNIONSTORE", "z", 1, "z")], ["zunionstore:z"]),
    # Empty results: "del" of an existing destination (of any type), nothing otherwise.
    ("zinterstore-empty-existing", Z3 + [("ZADD", "y", 9, "q")] + ZD,
     [("ZINTERSTORE", "d", 2, "z", "y")], ["del:d"]),
    ("zdiffstore-empty-existing", Z3 + ZD, [("ZDIFFSTORE", "d", 2, "z", "z")], ["del:d"]),
    ("zrangestore-empty-existing", Z3 + ZD, [("ZRANGESTORE", "d", "z", 10, 20)], ["del:d"]),
    ("zunionstore-empty-onto-string", [("SET", "d", "x")], [("ZUNIONSTORE", "d", 1, "missing")],
     ["del:d"]),
    ("zinterstore-empty-missing", Z3 + [("ZADD", "y", 9, "q")],
     [("ZINTERSTORE", "d", 2, "z", "y")], []),
    ("zunionstore-empty-missing", [], [("ZUNIONSTORE", "d", 1, "missing")], []),
    ("zrangestore-empty-missing", [], [("ZRANGESTORE", "d", "missing", 0, -1)], []),
    ("zdiffstore-empty-missing", [], [("ZDIFFSTORE", "d", 1, "missing")], []),
]

ALL_CASES = STRING_CASES + GENERIC_CASES + LIST_CASES + SET_CASES + HASH_CASES + ZSET_CASES
# Both channel families with every class but n; with n; and narrower class sets, one
# channel family each.
TABLE_FLAGS = ["KEA", "KEAn", "Kgn", "E$lshz"]


def test_table_ids_are_unique():
    ids = [case[0] for case in ALL_CASES]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("flags", TABLE_FLAGS)
@pytest.mark.parametrize("case_id,setup,commands,events", ALL_CASES,
                         ids=[case[0] for case in ALL_CASES])
def test_write_events(r, notify, watch, flags, case_id, setup, commands, events):
    got = observe(r, notify, watch, flags, setup, commands)
    assert got == messages(flags, events)


def dump_or_skip(r, key):
    try:
        return r.dump(key)
    except redis.ResponseError as e:
        if "unknown command" in str(e):
            pytest.skip("no DUMP/RESTORE on this server")
        raise


def test_restore(r, notify, watch):
    r.set("src", "value")
    payload = dump_or_skip(r, "src")
    r.set("old", "x")
    w = watch()
    notify("KEAnm")
    assert r.dump("missing") is None  # DUMP of a missing key is a keymiss
    r.restore("r1", 0, payload)
    r.restore("r2", 100000, payload)  # with a TTL: no "expire"
    r.restore("old", 0, payload, replace=True)  # REPLACE: "new" again, no "del"
    with pytest.raises(redis.ResponseError):
        r.restore("old", 0, payload)  # BUSYKEY: nothing
    assert w.collect(r) == messages("KEAnm", ["keymiss:missing", "new:r1", "restore:r1",
                                              "new:r2", "restore:r2", "new:old", "restore:old"])


def test_move_between_other_databases(server, r, notify, watch):
    c = server.client(db=2)
    try:
        c.set("a", "1")
        w = watch()
        notify("KEAn")
        assert c.move("a", 5)
        assert w.collect(c) == [ks("a", "new", 5), ke("a", "new", 5),
                                ks("a", "move_from", 2), ke("a", "move_from", 2),
                                ks("a", "move_to", 5), ke("a", "move_to", 5)]
    finally:
        c.close()


# --- Channel forms and subscriptions ---

def test_keyspace_then_keyevent_message_for_each_event(r, notify, watch):
    w = watch()
    notify("KEA")
    r.set("k", "v", ex=100)
    assert w.collect(r) == [("__keyspace@0__:k", "set"), ("__keyevent@0__:set", "k"),
                            ("__keyspace@0__:k", "expire"), ("__keyevent@0__:expire", "k")]


def test_pattern_messages_carry_the_pattern(server, r, notify):
    c = server.client(socket_timeout=10)
    ps = c.pubsub()
    try:
        ps.psubscribe("__keyspace@0__:*")
        assert ps.get_message(timeout=5)["type"] == "psubscribe"
        notify("K$")
        r.set("k", "v")
        msg = None
        deadline = time.time() + 5
        while msg is None and time.time() < deadline:
            msg = ps.get_message(timeout=1)
        assert msg == {"type": "pmessage", "pattern": "__keyspace@0__:*",
                       "channel": "__keyspace@0__:k", "data": "set"}
    finally:
        ps.close()
        c.close()


def test_plain_subscriptions_to_exact_channels(r, notify, watch):
    w = watch(patterns=(), channels=("__keyspace@0__:k", "__keyevent@0__:del"))
    notify("KEA")
    r.set("k", "v")
    r.set("other", "v")
    r.delete("other")
    r.delete("k")
    assert w.collect(r) == [("__keyspace@0__:k", "set"), ("__keyevent@0__:del", "other"),
                            ("__keyspace@0__:k", "del"), ("__keyevent@0__:del", "k")]


def test_narrow_patterns(r, notify, watch):
    only_k = watch(patterns=("__keyspace@0__:user:*",))
    only_set = watch(patterns=("__keyevent@*__:set",))
    notify("KEA")
    r.set("user:1", "a")
    r.set("other", "b")
    r.incr("user:2")
    r.delete("user:1")
    assert only_k.collect(r) == [ks("user:1", "set"), ks("user:2", "incrby"), ks("user:1", "del")]
    assert only_set.collect(r) == [ke("user:1", "set"), ke("other", "set")]


def test_every_subscriber_gets_the_events(r, notify, watch):
    watchers = [watch() for _ in range(3)]
    notify("KEA")
    r.set("k", "v")
    r.lpush("l", "x")
    for w in watchers:
        assert w.collect(r) == messages("KEA", ["set:k", "lpush:l"])


def test_subscriber_database_does_not_matter(r, notify, watch):
    # Pub/sub ignores the subscriber's selected database.
    w = watch(db=7)
    notify("KEA")
    r.set("k", "v")
    assert w.collect(r) == messages("KEA", ["set:k"])


def test_events_from_several_writers_each_in_order(server, r, notify, watch):
    w = watch()
    notify("E$")
    writers = [server.client() for _ in range(3)]
    try:
        for i, c in enumerate(writers):
            for j in range(20):
                c.set(f"w{i}:{j}", "v")
        got = w.collect(*writers)
    finally:
        for c in writers:
            c.close()
    # Redis sends them in the order the writes ran (one writer after the other); what every
    # placement of keys and clients on threads keeps is each writer's own order.
    assert sorted(got) == sorted(ke(f"w{i}:{j}", "set") for i in range(3) for j in range(20))
    for i in range(3):
        mine = [m for m in got if m[1].startswith(f"w{i}:")]
        assert mine == [ke(f"w{i}:{j}", "set") for j in range(20)]


def test_concurrent_writers_keep_their_own_order(server, r, notify, watch):
    w = watch()
    notify("E$")
    writers = [server.client() for _ in range(4)]

    def write(c, i):
        for j in range(50):
            c.set(f"c{i}:{j}", "v")

    threads = [threading.Thread(target=write, args=(c, i)) for i, c in enumerate(writers)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        assert not any(t.is_alive() for t in threads)
        got = w.collect(*writers)
    finally:
        for c in writers:
            c.close()
    assert sorted(got) == sorted(ke(f"c{i}:{j}", "set") for i in range(4) for j in range(50))
    for i in range(4):
        mine = [m for m in got if m[1].startswith(f"c{i}:")]
        assert mine == [ke(f"c{i}:{j}", "set") for j in range(50)]


# --- Classes: n (new), A, K and E alone ---

def test_new_comes_before_the_commands_own_event(r, notify, watch):
    w = watch()
    notify("KEAn")
    r.set("k", "v")
    r.set("k", "v2")
    r.hset("h", "f", "v")
    assert w.collect(r) == [ks("k", "new"), ke("k", "new"), ks("k", "set"), ke("k", "set"),
                            ks("k", "set"), ke("k", "set"),
                            ks("h", "new"), ke("h", "new"), ks("h", "hset"), ke("h", "hset")]


def test_new_alone(r, notify, watch):
    w = watch()
    notify("Kn")
    r.set("k", "v")
    r.set("k", "v2")
    r.rpush("l", "a")
    r.delete("k")
    r.zadd("z", {"a": 1})
    assert w.collect(r) == [ks("k", "new"), ks("l", "new"), ks("z", "new")]


def test_new_keyevent_channel(r, notify, watch):
    w = watch()
    notify("En")
    r.sadd("s", "a")
    r.sadd("s", "b")
    r.incr("n")
    assert w.collect(r) == [ke("s", "new"), ke("n", "new")]


def test_a_includes_neither_new_nor_keymiss(r, notify, watch):
    w = watch()
    notify("KEA")
    r.set("k", "v")
    r.get("missing")
    r.hget("missing", "f")
    assert w.collect(r) == messages("KEA", ["set:k"])


@pytest.mark.parametrize("flags", ["K", "E", "KE", "A", "g$lshzxetd", "g$lshzxetdnm", "nm"])
def test_no_events_without_both_a_channel_and_a_class(r, notify, watch, flags):
    # K or E alone selects no class; classes alone select no channel.
    w = watch()
    notify(flags)
    r.set("k", "v", px=100000)
    r.rpush("l", "a")
    r.lpop("l")
    r.delete("k")
    r.get("missing")
    assert w.collect(r) == []


def test_all_classes_spelled_out_equal_a(r, notify, watch):
    w = watch()
    notify("KEg$lshzxetd")
    r.set("k", "v")
    r.delete("k")
    assert w.collect(r) == messages("KEA", ["set:k", "del:k"])


def test_expired_class_alone_ignores_deletes(r, notify, watch):
    # EXPIRE with a past time is a "del" (class g), not an expiry (class x).
    w = watch()
    notify("Ex")
    r.set("k", "v")
    r.expire("k", 0)
    r.set("k2", "v", ex=100)
    r.delete("k2")
    assert w.collect(r) == []


# --- m: keymiss ---

KEYMISS_CASES = [
    # (command, expected events under "KEAnm"); "s" is a string that exists, m* are missing.
    (("GET", "m"), ["keymiss:m"]),
    (("MGET", "m1", "s", "m2"), ["keymiss:m1", "keymiss:m2"]),
    (("GETRANGE", "m", 0, 1), ["keymiss:m"]),
    (("STRLEN", "m"), ["keymiss:m"]),
    (("HGET", "m", "f"), ["keymiss:m"]),
    (("HMGET", "m", "a", "b"), ["keymiss:m"]),
    (("HGETALL", "m"), ["keymiss:m"]),
    (("HEXISTS", "m", "f"), ["keymiss:m"]),
    (("HLEN", "m"), ["keymiss:m"]),
    (("LRANGE", "m", 0, -1), ["keymiss:m"]),
    (("LLEN", "m"), ["keymiss:m"]),
    (("LINDEX", "m", 0), ["keymiss:m"]),
    (("SMEMBERS", "m"), ["keymiss:m"]),
    (("SISMEMBER", "m", "a"), ["keymiss:m"]),
    (("SCARD", "m"), ["keymiss:m"]),
    (("SINTER", "m", "m2"), ["keymiss:m", "keymiss:m2"]),
    (("ZSCORE", "m", "a"), ["keymiss:m"]),
    (("ZRANGE", "m", 0, -1), ["keymiss:m"]),
    (("ZCARD", "m"), ["keymiss:m"]),
    # Generic reads of a missing key miss too.
    (("EXISTS", "m"), ["keymiss:m"]),
    (("TYPE", "m"), ["keymiss:m"]),
    (("TTL", "m"), ["keymiss:m"]),
    (("PTTL", "m"), ["keymiss:m"]),
    (("TOUCH", "m"), ["keymiss:m"]),
    # OBJECT does not.
    (("OBJECT", "ENCODING", "m"), []),
    # Commands that read before they write: GETDEL, GETEX, GETSET (then new + set), COPY, and
    # the STORE commands' sources.
    (("GETDEL", "m"), ["keymiss:m"]),
    (("GETEX", "m", "EX", 10), ["keymiss:m"]),
    (("GETSET", "m", "v"), ["keymiss:m", "new:m", "set:m"]),
    (("COPY", "m", "x"), ["keymiss:m"]),
    (("SINTERSTORE", "d", "m"), ["keymiss:m"]),
    (("ZUNIONSTORE", "d", 1, "m"), ["keymiss:m"]),
    # Writes look keys up for writing: no keymiss.
    (("SET", "m", "v"), ["new:m", "set:m"]),
    (("INCR", "m"), ["new:m", "incrby:m"]),
    (("APPEND", "m", "x"), ["new:m", "append:m"]),
    (("DEL", "m"), []),
    (("EXPIRE", "m", 10), []),
    (("PERSIST", "m"), []),
    (("LPOP", "m"), []),
    (("SPOP", "m"), []),
    (("HDEL", "m", "f"), []),
    (("RENAME", "m", "x"), []),
    (("LMOVE", "m", "x", "LEFT", "LEFT"), []),
    (("RPOPLPUSH", "m", "x"), []),
    (("SMOVE", "m", "x", "a"), []),
    (("LMPOP", 1, "m", "LEFT"), []),
    # An existing key is no miss, even of the wrong type.
    (("GET", "s"), []),
    (("EXISTS", "s"), []),
    (("HGET", "s", "f"), []),
]


@pytest.mark.parametrize("command,events", KEYMISS_CASES,
                         ids=["-".join(str(a) for a in c[0]) for c in KEYMISS_CASES])
def test_keymiss(r, notify, watch, command, events):
    got = observe(r, notify, watch, "KEAnm", [("SET", "s", "v")], [command])
    assert got == messages("KEAnm", events)


@pytest.mark.parametrize("flags", ["Km", "Em", "m$"])
def test_keymiss_channels(r, notify, watch, flags):
    w = watch()
    notify(flags)
    r.get("m1")
    r.set("k", "v")
    r.hget("m2", "f")
    expected = {"Km": [ks("m1", "keymiss"), ks("m2", "keymiss")],
                "Em": [ke("m1", "keymiss"), ke("m2", "keymiss")],
                "m$": []}[flags]
    assert w.collect(r) == expected


def test_blocking_pop_timeout_emits_nothing(r, notify, watch):
    w = watch()
    notify("KEAm")
    assert r.blpop("m", timeout=0.01) is None
    assert w.collect(r) == []


# --- x: expired (lazy and active) ---

LAZY_CASES = [
    # (command run after the TTL passed, its reply, events after those of SET ... PX).
    (("GET", "k"), None, ["expired:k"]),
    (("EXISTS", "k"), 0, ["expired:k"]),
    (("TTL", "k"), -2, ["expired:k"]),
    # The expired key is deleted as "expired", never as "del".
    (("DEL", "k"), 0, ["expired:k"]),
    (("EXPIRE", "k", 100), 0, ["expired:k"]),
    (("GETEX", "k", "PERSIST"), None, ["expired:k"]),
    # A write onto the expired key: expired, then a new key.
    (("SET", "k", "v2"), True, ["expired:k", "new:k", "set:k"]),
    (("SET", "k", "v2", "NX"), True, ["expired:k", "new:k", "set:k"]),
    (("INCR", "k"), 1, ["expired:k", "new:k", "incrby:k"]),
    (("APPEND", "k", "z"), 1, ["expired:k", "new:k", "append:k"]),
    (("LPUSH", "k", "x"), 1, ["expired:k", "new:k", "lpush:k"]),
]


@pytest.mark.parametrize("command,reply,events", LAZY_CASES,
                         ids=["-".join(str(a) for a in c[0]) for c in LAZY_CASES])
def test_lazy_expiry(r, notify, watch, no_active_expire, command, reply, events):
    w = watch()
    notify("KEAn")
    r.set("k", "1", px=100)
    wait_server_time_past(r, "k")
    assert r.execute_command(*command) == reply
    assert w.collect(r) == messages("KEAn", ["new:k", "set:k", "expire:k"] + events)


def test_lazy_expiry_then_keymiss(r, notify, watch, no_active_expire):
    # A read of an expired key: "expired", then "keymiss".
    r.set("k", "1", px=100)
    r.set("k2", "1", px=100)
    w = watch()
    notify("KEAm")
    wait_server_time_past(r, "k2")
    assert r.get("k") is None
    assert r.exists("k2") == 0
    assert w.collect(r) == messages("KEAm", ["expired:k", "keymiss:k",
                                             "expired:k2", "keymiss:k2"])


def test_lazy_expiry_of_each_type(r, notify, watch, no_active_expire):
    r.rpush("l", "a")
    r.sadd("s", "a")
    r.hset("h", "f", "v")
    r.zadd("z", {"a": 1})
    for key in ("l", "s", "h", "z"):
        r.pexpire(key, 100)
    w = watch()
    notify("Kx")
    wait_server_time_past(r, "z")
    assert r.llen("l") == 0
    assert r.scard("s") == 0
    assert r.hlen("h") == 0
    assert r.zcard("z") == 0
    assert w.collect(r) == [ks("l", "expired"), ks("s", "expired"), ks("h", "expired"),
                            ks("z", "expired")]


def test_lazy_expiry_in_another_database(server, r, notify, watch, no_active_expire):
    c = server.client(db=9)
    try:
        c.set("k", "v", px=100)
        w = watch()
        notify("KEx")
        wait_server_time_past(c, "k")
        assert c.get("k") is None
        assert w.collect(c) == [ks("k", "expired", 9), ke("k", "expired", 9)]
    finally:
        c.close()


def test_active_expiry(r, notify, watch):
    keys = [f"short:{i}" for i in range(5)]
    w = watch()
    notify("KEx")
    for k in keys:
        r.set(k, "v", px=100)
    r.set("long", "v", ex=1000)
    # Nothing reads the keys: only the active cycle expires them, in an order no command
    # fixes.
    got = w.wait_for(2 * len(keys), timeout=5)
    assert sorted(got) == sorted([ks(k, "expired") for k in keys] +
                                 [ke(k, "expired") for k in keys])
    # Each key's keyspace message comes before its keyevent message (in Redis, right before;
    # with several threads expiring keys, other keys' messages may come between).
    for k in keys:
        assert got.index(ks(k, "expired")) < got.index(ke(k, "expired"))
    assert r.exists(*keys) == 0
    assert w.collect(r) == []  # no "del" or anything else follows


def test_active_expiry_other_types_and_databases(server, r, notify, watch):
    c = server.client(db=4)
    try:
        w = watch()
        notify("Ex")
        r.rpush("l", "a")
        r.pexpire("l", 100)
        c.zadd("z", {"a": 1})
        c.pexpire("z", 100)
        got = w.wait_for(2, timeout=5)
        assert sorted(got) == sorted([ke("l", "expired", 0), ke("z", "expired", 4)])
    finally:
        c.close()


# --- e: evicted ---

def test_evicted_events(start_server, watch):
    s = start_server("--maxmemory", "2mb", "--maxmemory-policy", "allkeys-lru",
                     "--notify-keyspace-events", "Ee")
    c = s.client()
    try:
        assert c.config_get("notify-keyspace-events") == {"notify-keyspace-events": "eE"}
        w = watch(on=s)
        keys = [f"big:{i}" for i in range(400)]
        value = "x" * 10000
        pipe = c.pipeline(transaction=False)
        for k in keys:
            pipe.set(k, value)
        assert all(pipe.execute())
        got = w.collect(c)
        pipe = c.pipeline(transaction=False)
        for k in keys:
            pipe.exists(k)
        present = pipe.execute()
        got += w.collect(c)  # an eviction while checking (the limit is tight) still counts
        assert all(channel == "__keyevent@0__:evicted" for channel, _ in got), got[:5]
        evicted = [key for _, key in got]
        assert len(evicted) == len(set(evicted))
        assert set(evicted) <= set(keys)
        missing = {k for k, p in zip(keys, present) if not p}
        assert missing <= set(evicted)
        assert len(evicted) > 100  # 4 MB written under a 2 MB limit
        assert c.exists(*evicted) == 0
    finally:
        c.close()


# --- CONFIG SET / CONFIG GET ---

NORMALIZED = [
    ("", ""),
    ("KEA", "AKE"),
    ("AKE", "AKE"),
    ("A", "A"),
    ("KA", "AK"),
    ("EA", "AE"),
    ("Eg", "gE"),
    ("Ex", "xE"),
    ("K", "K"),
    ("E", "E"),
    ("KKEE", "KE"),
    ("gggK", "gK"),
    ("AAA", "A"),
    ("Ag", "A"),
    ("$lshzxeKEA", "AKE"),
    ("$lshzxeKE", "$lshzxeKE"),
    ("EKg", "gKE"),
    ("El", "lE"),
    ("Kz", "zK"),
    ("xe", "xe"),
    ("t", "t"),
    ("d", "d"),
    ("td", "td"),
    ("ed", "ed"),
    # All the classes of A, spelled out, read back as A; one short of them, as letters.
    ("g$lshzxetd", "A"),
    ("g$lshzxet", "g$lshzxet"),
    ("g$lshzxetdKE", "AKE"),
    # n prints among the classes, m after K and E...
    ("n", "n"),
    ("m", "m"),
    ("nm", "nm"),
    ("mnEK", "nKEm"),
    ("Kn", "nK"),
    ("En", "nE"),
    ("KEn", "nKE"),
    ("Km", "Km"),
    ("KEAm", "AKEm"),
    # ...but next to A, n is not printed (Redis 7.0 quirk), though it is still in effect (see
    # test_new_with_a_though_config_get_hides_it).
    ("KEAn", "AKE"),
    ("KEAnmtd", "AKEm"),
    ("KEg$lshzxetdnm", "AKEm"),
]


@pytest.mark.parametrize("flags,shown", NORMALIZED, ids=[f or "empty" for f, _ in NORMALIZED])
def test_config_get_normalized_form(r, notify, flags, shown):
    notify(flags)
    assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": shown}


def test_new_with_a_though_config_get_hides_it(r, notify, watch):
    w = watch()
    notify("KEAn")
    assert r.config_get("notify-keyspace-events")["notify-keyspace-events"] == "AKE"
    r.set("k", "v")
    assert w.collect(r) == messages("KEAn", ["new:k", "set:k"])


def test_normalized_form_reads_back_unchanged(r, notify):
    for _, shown in NORMALIZED:
        notify(shown)
        assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": shown}


@pytest.mark.parametrize("flags", ["KEAq", "X", "a", "k", "kea", "e1", " ", "KE A", "KEA!",
                                   "é", "KEA$lshz-"])
def test_config_set_invalid_flag(r, notify, flags):
    notify("KEA")
    with pytest.raises(redis.ResponseError) as e:
        r.config_set("notify-keyspace-events", flags)
    assert str(e.value) == INVALID
    # The old flags stay.
    assert r.config_get("notify-keyspace-events") == {"notify-keyspace-events": "AKE"}


def test_config_set_invalid_flag_exact_reply(r, notify, raw):
    c = raw()
    c.send(b"*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$22\r\nnotify-keyspace-events\r\n$4\r\nKEAq\r\n")
    assert c.read() == b"-ERR " + INVALID.encode() + b"\r\n"


def test_invalid_config_set_keeps_delivering(r, notify, watch):
    w = watch()
    notify("E$")
    with pytest.raises(redis.ResponseError):
        r.config_set("notify-keyspace-events", "E$?")
    r.set("k", "v")
    assert w.collect(r) == [ke("k", "set")]


def test_config_switched_at_runtime(r, notify, watch):
    w = watch()
    r.set("before", "v")  # off: nothing
    notify("KEA")
    r.set("b", "v")
    notify("Kg")  # narrowed: keyspace channel, generic class only
    r.set("c", "v")
    r.delete("c")
    notify("E$")  # keyevent channel, string class only
    r.set("d", "v")
    r.delete("d")
    notify("")  # off again
    r.set("e", "v")
    r.delete("b")
    notify("KEA")  # and on again
    r.delete("e")
    assert w.collect(r) == [ks("b", "set"), ke("b", "set"), ks("c", "del"), ke("d", "set"),
                            ks("e", "del"), ke("e", "del")]


def test_config_set_from_another_connection(server, r, notify, watch):
    admin = server.client()
    try:
        w = watch()
        admin.config_set("notify-keyspace-events", "KEA")
        r.set("a", "v")
        admin.config_set("notify-keyspace-events", "")
        r.set("b", "v")
        admin.config_set("notify-keyspace-events", "El")
        r.set("c", "v")
        r.rpush("l", "x")
        assert w.collect(r) == [ks("a", "set"), ke("a", "set"), ke("l", "rpush")]
    finally:
        admin.close()


def test_flags_at_startup(start_server, watch):
    s = start_server("--notify-keyspace-events", "KEA")
    c = s.client()
    try:
        assert c.config_get("notify-keyspace-events") == {"notify-keyspace-events": "AKE"}
        w = watch(on=s)
        c.set("k", "v")
        assert w.collect(c) == messages("KEA", ["set:k"])
    finally:
        c.close()


def test_flags_from_config_file(start_server):
    s = start_server(config_text='notify-keyspace-events "Ex"\n')
    c = s.client()
    try:
        assert c.config_get("notify-keyspace-events") == {"notify-keyspace-events": "xE"}
    finally:
        c.close()


def test_invalid_flags_at_startup(start_server):
    s = start_server("--notify-keyspace-events", "KEAq", expect_start=False)
    assert s.proc.wait(timeout=10) != 0
    assert "Invalid event class character. Use 'Ag$lshzxeKEtmdn'." in s.read_log()


# --- Databases ---

def test_events_in_another_database(server, r, notify, watch):
    c = server.client(db=3)
    try:
        in_db3 = watch(patterns=("__keyspace@3__:*", "__keyevent@3__:*"))
        in_db0 = watch(patterns=("__key*@0__:*",))
        notify("KEA")
        c.set("key", "v")
        c.lpush("list", "x")
        c.delete("key")
        assert in_db3.collect(c) == [("__keyspace@3__:key", "set"), ("__keyevent@3__:set", "key"),
                                     ("__keyspace@3__:list", "lpush"),
                                     ("__keyevent@3__:lpush", "list"),
                                     ("__keyspace@3__:key", "del"), ("__keyevent@3__:del", "key")]
        assert in_db0.collect(c) == []
    finally:
        c.close()


def test_select_changes_the_channel_database(r, notify, watch):
    w = watch()
    notify("KEA")
    pipe = r.pipeline(transaction=False)  # one connection: SELECT sticks for what follows
    pipe.set("k", "0")
    pipe.execute_command("SELECT", 15)
    pipe.set("k", "15")
    pipe.execute_command("SELECT", 0)
    pipe.publish(SENTINEL, "not-the-token")
    pipe.execute()
    assert w.collect(r) == [ks("k", "set", 0), ke("k", "set", 0),
                            ks("k", "set", 15), ke("k", "set", 15)]


@pytest.mark.parametrize("command", [("FLUSHDB",), ("FLUSHDB", "ASYNC"), ("FLUSHALL",),
                                     ("FLUSHALL", "SYNC"), ("SWAPDB", 0, 1)])
def test_flush_and_swapdb_emit_nothing(server, r, notify, watch, command):
    c1 = server.client(db=1)
    try:
        r.set("a", "1")
        r.rpush("l", "x")
        c1.set("b", "2")
        w = watch()
        notify("KEAnm")
        r.execute_command(*command)
        assert w.collect(r) == []
    finally:
        c1.close()


# --- MULTI/EXEC and scripts ---

def test_multi_exec(r, notify, watch):
    w = watch()
    notify("KEAn")
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1")
    pipe.incr("a")
    pipe.rpush("l", "x")
    pipe.delete("a", "l")
    assert pipe.execute() == [True, 2, 1, 2]
    assert w.collect(r) == messages("KEAn", ["new:a", "set:a", "incrby:a", "new:l", "rpush:l",
                                             "del:a", "del:l"])


def test_multi_exec_with_a_failing_command(r, notify, watch):
    w = watch()
    notify("KEAn")
    pipe = r.pipeline(transaction=True)
    pipe.set("a", "1")
    pipe.lpush("a", "x")  # WRONGTYPE at EXEC: no event, the others still run
    pipe.set("b", "2")
    replies = pipe.execute(raise_on_error=False)
    assert isinstance(replies[1], redis.ResponseError)
    assert w.collect(r) == messages("KEAn", ["new:a", "set:a", "new:b", "set:b"])


def test_discarded_multi_emits_nothing(r, notify, watch):
    w = watch()
    notify("KEA")
    r.execute_command("MULTI")
    r.execute_command("SET", "a", "1")
    r.execute_command("DISCARD")
    assert w.collect(r) == []


def test_lua_script(r, notify, watch):
    w = watch()
    notify("KEAn")
    script = ("redis.call('set', KEYS[1], '1'); redis.call('lpush', KEYS[2], 'x'); "
              "redis.call('del', KEYS[1]); return redis.call('lpop', KEYS[2])")
    assert r.eval(script, 2, "a", "l") == "x"
    assert w.collect(r) == messages("KEAn", ["new:a", "set:a", "new:l", "lpush:l", "del:a",
                                             "lpop:l", "del:l"])


def test_lua_script_keymiss_and_evalsha(r, notify, watch):
    w = watch()
    notify("KEAm")
    sha = r.script_load("redis.call('incr', KEYS[1]); return redis.call('get', KEYS[2])")
    assert r.evalsha(sha, 2, "n", "missing") is None
    assert w.collect(r) == messages("KEAm", ["incrby:n", "keymiss:missing"])


def test_script_error_keeps_earlier_events(r, notify, watch):
    w = watch()
    notify("KEA")
    with pytest.raises(redis.ResponseError):
        r.eval("redis.call('set', KEYS[1], 'v'); return redis.call('lpush', KEYS[1], 'x')",
               1, "k")
    assert w.collect(r) == messages("KEA", ["set:k"])


# --- Blocked clients served by another connection's write ---

class Blocked:
    """One blocking command on its own connection, in a thread."""

    def __init__(self, server, *command):
        self.conn = server.client()
        self.result = None
        self.thread = threading.Thread(target=self._run, args=(command,), daemon=True)
        self.thread.start()

    def _run(self, command):
        self.result = self.conn.execute_command(*command)

    def join(self):
        self.thread.join(10)
        assert not self.thread.is_alive(), "the blocked call never returned"
        return self.result


def wait_blocked(r, n, timeout=5.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if r.info("clients")["blocked_clients"] == n:
            return
        time.sleep(0.005)
    raise AssertionError(f"blocked_clients never reached {n}")


BLOCKED_CASES = [
    # (id, blocking command, writes that serve it, events: the writes', then the pop's).
    ("blpop", ("BLPOP", "l", 5), [("RPUSH", "l", "a")],
     ["new:l", "rpush:l", "lpop:l", "del:l"]),
    ("blpop-leaves-one", ("BLPOP", "l", 5), [("RPUSH", "l", "a", "b")],
     ["new:l", "rpush:l", "lpop:l"]),
    ("brpop", ("BRPOP", "l", 5), [("LPUSH", "l", "a", "b")], ["new:l", "lpush:l", "rpop:l"]),
    ("blmove", ("BLMOVE", "l", "d", "LEFT", "RIGHT", 5), [("RPUSH", "l", "a")],
     ["new:l", "rpush:l", "new:d", "rpush:d", "lpop:l", "del:l"]),
    ("brpoplpush", ("BRPOPLPUSH", "l", "d", 5), [("RPUSH", "l", "a", "b")],
     ["new:l", "rpush:l", "new:d", "lpush:d", "rpop:l"]),
    ("blmpop", ("BLMPOP", 5, 1, "l", "LEFT", "COUNT", 5), [("RPUSH", "l", "a", "b")],
     ["new:l", "rpush:l", "lpop:l", "del:l"]),
    ("bzpopmin", ("BZPOPMIN", "z", 5), [("ZADD", "z", 1, "a")],
     ["new:z", "zadd:z", "zpopmin:z", "del:z"]),
    ("bzpopmax", ("BZPOPMAX", "z", 5), [("ZADD", "z", 1, "a", 2, "b")],
     ["new:z", "zadd:z", "zpopmax:z"]),
    ("bzmpop", ("BZMPOP", 5, 1, "z", "MIN", "COUNT", 5), [("ZADD", "z", 1, "a", 2, "b")],
     ["new:z", "zadd:z", "zpopmin:z", "del:z"]),
    # Served after the whole transaction: both pushes first.
    ("blpop-multi", ("BLPOP", "l", 5), [("MULTI",), ("RPUSH", "l", "a"), ("RPUSH", "l", "b"),
                                        ("EXEC",)],
     ["new:l", "rpush:l", "rpush:l", "lpop:l"]),
    # Served by an LMOVE: its push, its pop (and the source's del), then the waiter's pop.
    ("blpop-by-lmove", ("BLPOP", "l", 5), [("RPUSH", "src", "x"),
                                           ("LMOVE", "src", "l", "LEFT", "LEFT")],
     ["new:src", "rpush:src", "new:l", "lpush:l", "lpop:src", "del:src", "lpop:l", "del:l"]),
]


@pytest.mark.parametrize("case_id,command,writes,events", BLOCKED_CASES,
                         ids=[c[0] for c in BLOCKED_CASES])
def test_blocked_client_served(server, r, notify, watch, case_id, command, writes, events):
    w = watch()
    notify("KEAn")
    blocked = Blocked(server, *command)
    wait_blocked(r, 1)
    if writes[0] == ("MULTI",):
        pipe = r.pipeline(transaction=True)
        for cmd in writes[1:-1]:
            pipe.execute_command(*cmd)
        pipe.execute()
    else:
        run_all(r, writes)
    try:
        assert blocked.join() is not None
        # The waiter has its reply; the sentinels of both connections follow all the events.
        got = w.collect(r, blocked.conn)
        expected = messages("KEAn", events)
        if case_id in ACROSS_SHARDS_CASES:
            # docs/compatibility.md: a waiter served across shards reports the source's pop
            # before the destination's push. Each key's own events keep Redis's order.
            assert per_key(got) == per_key(expected)
        else:
            assert got == expected
    finally:
        blocked.conn.close()


# The waiter moves an element between two keys, which may live on two shards.
ACROSS_SHARDS_CASES = {"blmove", "brpoplpush"}


def per_key(events):
    """The events grouped by the key (or, for keyevent channels, the payload) they concern,
    each group in arrival order."""
    groups = {}
    for channel, payload in events:
        key = channel.split(":", 1)[1] if channel.startswith("__keyspace@") else payload
        groups.setdefault(key, []).append((channel, payload))
    return groups


# --- Unusual key names ---

@pytest.mark.parametrize("key", ["a b:c", "user:1:name", "ключ", "键🔑", "", "__keyspace@0__:x",
                                 "h*?[x]", "with\nnewline", "tab\there"],
                         ids=["space-colon", "colons", "cyrillic", "cjk-emoji", "empty",
                              "channel-like", "glob-chars", "newline", "tab"])
def test_unusual_key_names(r, notify, watch, key):
    w = watch()
    notify("KEA")
    r.set(key, "v")
    r.hset(key + "#h", "f", "v")
    r.delete(key)
    assert w.collect(r) == [ks(key, "set"), ke(key, "set"),
                            ks(key + "#h", "hset"), ke(key + "#h", "hset"),
                            ks(key, "del"), ke(key, "del")]


def test_binary_key_names(server, r, notify, watch):
    w = watch(decode=False)
    c = server.client(decode_responses=False)
    try:
        notify("KEA")
        key = b"\xff\x00bin\r\n\x80"
        c.set(key, b"v")
        c.rename(key, b"\xfe")
        assert w.collect(c) == [
            (b"__keyspace@0__:" + key, b"set"), (b"__keyevent@0__:set", key),
            (b"__keyspace@0__:" + key, b"rename_from"), (b"__keyevent@0__:rename_from", key),
            (b"__keyspace@0__:\xfe", b"rename_to"), (b"__keyevent@0__:rename_to", b"\xfe"),
        ]
    finally:
        c.close()


def test_long_key_name(r, notify, watch):
    key = "k" * 10000
    w = watch()
    notify("Kg")
    r.set(key, "v")
    r.expire(key, 100)
    assert w.collect(r) == [ks(key, "expire")]

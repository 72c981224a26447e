"""TEMPORARY: divergences from Redis that are known and being fixed elsewhere. The lead
engineer empties this list as the fixes merge; an empty ITEMS list means the fuzzer checks
everything. Deliberate, permanent differences are in deviations.py, not here.

Each item keeps its divergence out of the way in one or more of these ways:
- avoid(args): the generator never produces such a command;
- avoid_next(prev, args): the generator never produces `args` right after the commands
  `prev` (the case so far; tx.roles(prev) tells whether a MULTI is open);
- split_after(args, server): in a pipelined batch this server gets the batch cut after
  such a command (the same commands, in the same order, just not in one pipeline);
- serialize_other_client(server): in the two-client scenarios the pushing client's
  pipeline is sent one command at a time to this server;
- avoid_scenario(sc): such a two-client scenario is not generated;
- tolerate(kind, args, ref, other, ctx): a divergence found is counted as this item and
  ignored (kind "reply": ref/other are (raw, node); kind "state": (what, value) pairs; kind
  "scan": the collected element maps).
The fuzzer prints how often each item was hit. (The compat items it started with were
fixed on main: the APPEND/SETRANGE raw encoding, -0 scores, ZSCAN integral scores, ZINTER
WEIGHTS 0 on inf, COPY's DB range check, CONFIG SET parsing and wording, NUL in quoted
arguments; a blocking command's lost reply in a pipeline at threads 4; a waiter on several
keys served by a later push of a pipeline; a BLMOVE waiter across shards served after the
push's reply; and COPY's private small integers, OBJECT REFCOUNT 1.)
"""

import tx
from compare import command_name, upper


class Item:
    id = ""
    owner = ""
    text = ""

    def avoid(self, args):
        return False

    def avoid_next(self, prev, args):
        return False

    def split_after(self, args, server):
        return False

    def serialize_other_client(self, server):
        return False

    def tolerate(self, kind, args, ref, other, ctx):
        return False

    def avoid_scenario(self, sc):
        return False


class ConfigSetInsideExec(Item):
    id = "engine-exec-config-set"
    owner = "engine (MULTI/EXEC and the config snapshot; found by the diff fuzzer)"
    text = ("CONFIG SET queued in MULTI: EXEC applies it only after the transaction's later "
            "commands and puts its +OK last in the array (threads 1), or leaves it out of "
            "the array and sends it after, shifting every later reply by one (threads 4)")

    def avoid_next(self, prev, args):
        return command_name(args) == b"CONFIG SET" and tx.roles(prev)[1]


# Commands sure to touch a shard inside EXEC (a key first, or all shards). A command whose
# keys Cinnabar cannot read (ZUNIONSTORE k -1 ...) queues as keyless, so an EXEC is only
# generated when its transaction holds one of these.
SHARD_TOUCHING = {
    b"GET", b"SET", b"SETNX", b"APPEND", b"INCR", b"DECR", b"INCRBY", b"STRLEN", b"GETDEL",
    b"LPUSH", b"RPUSH", b"LPOP", b"RPOP", b"LLEN", b"LRANGE", b"LINDEX", b"LSET", b"SADD",
    b"SREM", b"SMEMBERS", b"SISMEMBER", b"SCARD", b"HSET", b"HGET", b"HDEL", b"HLEN",
    b"HGETALL", b"HINCRBY", b"HEXISTS", b"ZADD", b"ZREM", b"ZSCORE", b"ZCARD", b"ZRANGE",
    b"ZINCRBY", b"ZCOUNT", b"ZRANK", b"TYPE", b"EXISTS", b"DEL", b"EXPIRE", b"PEXPIRE",
    b"TTL", b"PTTL", b"PERSIST", b"DBSIZE", b"KEYS", b"FLUSHDB", b"FLUSHALL", b"SWAPDB",
}


class KeylessExecHang(Item):
    id = "engine-keyless-exec-hang"
    owner = "engine (MULTI/EXEC at threads 4; found by the diff fuzzer)"
    text = ("threads 4: EXEC of a transaction that touches no shard (empty; only PING, ECHO, "
            "SELECT, OBJECT HELP; or commands whose keys cannot be read, ZUNIONSTORE k -1) "
            "right after a command over keys of several shards (DEL a b c d, MSET, EXISTS; "
            "in one pipeline or just answered) never answers; the connection hangs")

    def avoid_next(self, prev, args):
        if upper(args[0]) != b"EXEC" or len(args) != 1:
            return False
        roles, open_ = tx.roles(prev)
        if not open_:
            return False
        start = max(i for i, r in enumerate(roles) if r == tx.MULTI)
        return not any(upper(a[0]) in SHARD_TOUCHING and len(a) > 1 or upper(a[0]) in (
            b"DBSIZE", b"FLUSHDB", b"FLUSHALL") for a in prev[start + 1:])


class RefcountInsideExec(Item):
    id = "exec-refcount-argv"
    owner = "lead engineer: fix, or a deviation (found by the diff fuzzer)"
    text = ("OBJECT REFCOUNT inside EXEC of a value stored earlier in the same EXEC: Redis "
            "says 2 (the queued command's argv still holds the object until EXEC ends), "
            "Cinnabar 1; after EXEC both say 1")

    def avoid_next(self, prev, args):
        return command_name(args) == b"OBJECT REFCOUNT" and tx.roles(prev)[1]


# Writes that can change nothing; Cinnabar counts them as a change of a WATCHed key anyway.
NOOP_WRITERS = {b"ZADD", b"ZINCRBY", b"ZREMRANGEBYSCORE", b"ZREMRANGEBYRANK",
                b"ZREMRANGEBYLEX", b"LREM", b"LINSERT", b"HSETNX"}


def _watching(cmds):
    """Whether a WATCH may still be in force after `cmds` (EXEC, DISCARD, UNWATCH and RESET
    clear it)."""
    for args in reversed(cmds):
        name = upper(args[0])
        if name == b"WATCH":
            return True
        if name in (b"EXEC", b"DISCARD", b"UNWATCH", b"RESET"):
            return False
    return False


class NoopWriteDirtiesWatch(Item):
    id = "engine-watch-noop-write"
    owner = "engine (WATCH and the commands' change reports; found by the diff fuzzer)"
    text = ("a write that changes nothing makes a WATCHed key dirty (EXEC answers a null, "
            "Redis runs it): ZINCRBY by 0, ZADD of the same score / NX on a member / XX on a "
            "missing one, ZREMRANGEBYSCORE removing nothing, LREM removing nothing, LINSERT "
            "before a missing pivot, HSETNX of an existing field")

    def avoid_next(self, prev, args):
        return upper(args[0]) in NOOP_WRITERS and _watching(prev)

    def avoid_scenario(self, sc):
        steps = [args for who, args in getattr(sc, "steps", []) if who != "sleep"]
        return any(upper(args[0]) in NOOP_WRITERS and _watching(steps[:i])
                   for i, args in enumerate(steps))


ITEMS = [
    ConfigSetInsideExec(),
    KeylessExecHang(),
    NoopWriteDirtiesWatch(),
    RefcountInsideExec(),
]

hits = {}


def avoid(args):
    return any(item.avoid(args) for item in ITEMS)


def avoid_next(prev, args):
    return _count(next((i for i in ITEMS if i.avoid_next(prev, args)), None))


def avoid_scenario(sc):
    return _count(next((i for i in ITEMS if i.avoid_scenario(sc)), None))


def split_after(args, server):
    return _count(next((i for i in ITEMS if i.split_after(args, server)), None))


def serialize_other_client(server):
    return _count(next((i for i in ITEMS if i.serialize_other_client(server)), None))


def _count(item):
    """Counts an item that changed how the fuzzer sends something."""
    if item is None:
        return False
    hits[item.id] = hits.get(item.id, 0) + 1
    return True


def tolerated(kind, args, ref, other, ctx):
    """The id of the item that explains this divergence (counted), or None."""
    for item in ITEMS:
        try:
            ok = item.tolerate(kind, args, ref, other, ctx)
        except Exception:  # a tolerance that cannot read this divergence does not apply
            ok = False
        if ok:
            hits[item.id] = hits.get(item.id, 0) + 1
            return item.id
    return None

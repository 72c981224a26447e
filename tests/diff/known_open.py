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
- late_delivery(server): a pub/sub subscriber that received less than Redis's by the
  answer to the fuzzer's PING is read again (PINGs), a second at most, before comparing;
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

    def late_delivery(self, server):
        return False


class RefcountInsideExec(Item):
    id = "exec-refcount-argv"
    # Not a bug to fix: a deliberate deviation (docs/compatibility.md), kept here because
    # only known_open items can steer the generator.
    owner = "deviation: queued commands hold copies of their arguments, not shared objects"
    text = ("OBJECT REFCOUNT inside EXEC of a value stored earlier in the same EXEC: Redis "
            "says 2 (the queued command's argv still holds the object until EXEC ends), "
            "Cinnabar 1; after EXEC both say 1")

    def avoid_next(self, prev, args):
        return command_name(args) == b"OBJECT REFCOUNT" and tx.roles(prev)[1]


class ScriptItem(Item):
    """An item about scripts: `matches(args)` on a command as sent, kept out both as a single
    command and inside the scripting family's blocks (which only avoid_next sees)."""

    def matches(self, args):
        return False

    def avoid(self, args):
        return self.matches(args)

    def avoid_next(self, prev, args):
        return self.matches(args)


def _script_body(args):
    """The body a command carries (EVAL, EVAL_RO, SCRIPT LOAD), or b""."""
    name = command_name(args)
    if name in (b"EVAL", b"EVAL_RO") and len(args) > 1:
        return args[1]
    if name == b"SCRIPT" and len(args) > 2 and upper(args[1]) == b"LOAD":
        return args[2]
    return b""


_UNKNOWN = (b"ERR unknown command", b"ERR unknown subcommand")


class UnsupportedCommandEvents(Item):
    id = "events-unsupported-command"
    owner = "not yet implemented (docs/compatibility.md): the command's family arrives later"
    text = ("keyspace notifications of a span in which Cinnabar answered a command as unknown "
            "(DUMP, RESTORE, SORT...) and Redis did not: the events it would report are "
            "missing, so the span's events are not compared")

    def tolerate(self, kind, args, ref, other, ctx):
        if kind != "events":
            return False
        return any(any(u in o for u in _UNKNOWN) and not any(u in r for u in _UNKNOWN)
                   for _, r, o in ctx.span)


class NoEviction(Item):
    id = "events-evicted"
    owner = "not yet implemented: maxmemory (no eviction, so no `evicted` events)"
    text = "`evicted` keyspace events: Cinnabar never sends them (it has no maxmemory yet)"

    def tolerate(self, kind, args, ref, other, ctx):
        if kind != "events":
            return False
        import notify
        keep = (lambda evs: [e for e in evs if notify.name(e) != b"evicted"])
        return keep(ref) == keep(other) and len(keep(ref)) != len(ref)


ITEMS = [
    RefcountInsideExec(),
    UnsupportedCommandEvents(),
    NoEviction(),
]

# Divergences this fuzzer found that are reported but not triaged yet: NOT in effect by
# default (the fuzzer reports them, and `make test` fails on them until they are fixed or
# moved to ITEMS / deviations.py); `--pending` puts them in effect, to look past them.
PENDING = []


def enable_pending():
    ITEMS.extend(PENDING)


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


def late_delivery(server):
    return _count(next((i for i in ITEMS if i.late_delivery(server)), None))


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

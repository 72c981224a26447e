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


class LuaLengthOfHoles(ScriptItem):
    id = "lua-len-resp3-nulls"
    owner = "scripting (resp_to_lua)"
    text = ("`#` of a RESP3 reply table with nulls: EVAL \"redis.setresp(3); return "
            "#redis.call('MGET', KEYS[1], KEYS[2])\" 2 nokey str:b (str:b set) answers 0 on "
            "Redis (it builds the table unsized: the element after the nil lands in the hash "
            "part), 2 on Cinnabar (the array part preallocated)")

    def matches(self, args):
        body = _script_body(args)
        if not body and command_name(args) in (b"EVALSHA", b"EVALSHA_RO") and len(args) > 1:
            import lua
            body = lua.BODIES.get(args[1].lower(), b"")
        return b"redis.setresp(3)" in body and b"#r or r" in body


class FunctionNameCase(ScriptItem):
    id = "function-name-case"
    owner = "scripting (function_registry)"
    text = ("function names are case-insensitive in Redis 7.0 (FCALL FZ_GET 1 k runs fz_get; "
            "registering FZ_ECHO beside fz_echo: 'ERR Function FZ_ECHO already exists'), and "
            "so are the shebang's metadata keys (#!lua NAME=x loads); Cinnabar: 'ERR Function "
            "not found', FZ_ECHO registered, 'ERR Invalid metadata value given: NAME=x'")

    def matches(self, args):
        name = command_name(args)
        if name in (b"FCALL", b"FCALL_RO") and len(args) > 1:
            return args[1] != args[1].lower()
        if name == b"FUNCTION" and len(args) > 2 and upper(args[1]) == b"LOAD":
            return b"NAME=" in args[-1] or b"'FZ_" in args[-1]
        return False


class ScriptStringNul(Item):
    id = "script-reply-nul"
    owner = "scripting (lua_to_resp)"
    text = ("a script's error or status text with a NUL: Redis cuts it there (EVAL \"return "
            "redis.error_reply(ARGV[1])\" 0 \"ab\\x00cd\": -ERR ab; error(ARGV[1]): "
            "'...: ab script: ...'; status_reply: +ab), Cinnabar sends the NUL and the rest")

    def tolerate(self, kind, args, ref, other, ctx):
        if kind != "reply":
            return False
        if command_name(args) == b"EXEC":  # element by element: equal, or this
            xs, ys = ref[1].value, other[1].value
            if not ref[1].is_aggregate() or not isinstance(xs, list) or not isinstance(
                    ys, list) or len(xs) != len(ys):
                return False
            pairs = [(tx.encode_node(x), tx.encode_node(y)) for x, y in zip(xs, ys)]
            return all(a == b or self.cut(a, b) for a, b in pairs)
        return self.cut(ref[0], other[0])

    @staticmethod
    def cut(r, o):
        """Whether Redis's reply r is Cinnabar's o with its text cut at the first NUL (and,
        as Redis then does, CR/LF trimmed from the end: Cinnabar made them spaces)."""
        if r[:1] not in (b"-", b"+") or r[:1] != o[:1] or b"\x00" in r:
            return False
        i = o.find(b"\x00")
        head = o[:i].rstrip(b" ")
        return i > 0 and r.startswith(head) and o.endswith(r[len(head):])


class FunctionFlushArity(ScriptItem):
    id = "function-flush-arity"
    owner = "scripting (function_family)"
    text = ("FUNCTION FLUSH with two arguments (FUNCTION FLUSH ASYNC SYNC): Redis 'ERR unknown "
            "subcommand or wrong number of arguments for 'FLUSH'. Try FUNCTION HELP.', "
            "Cinnabar 'ERR FUNCTION FLUSH only supports SYNC|ASYNC option'")

    def matches(self, args):
        return command_name(args) == b"FUNCTION" and len(args) > 3 and upper(args[1]) == b"FLUSH"


class FunctionLoadOptions(ScriptItem):
    id = "function-load-options"
    owner = "scripting (function_family)"
    text = ("FUNCTION LOAD with more than one option: Redis names the first unknown one and "
            "takes REPLACE twice (FUNCTION LOAD abc REPLACE <lib>: 'ERR Unknown option given: "
            "abc'; LOAD REPLACE REPLACE <lib> loads), Cinnabar names the last ('...: REPLACE') "
            "and refuses REPLACE REPLACE")

    def matches(self, args):
        return (command_name(args) == b"FUNCTION" and len(args) > 4
                and upper(args[1]) == b"LOAD")


ITEMS = [
    RefcountInsideExec(),
    FunctionLoadOptions(),
    LuaLengthOfHoles(),
    FunctionNameCase(),
    ScriptStringNul(),
    FunctionFlushArity(),
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

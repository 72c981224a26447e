"""TEMPORARY: divergences from Redis that are known and being fixed elsewhere. The lead
engineer empties this list as the fixes merge; an empty ITEMS list means the fuzzer checks
everything. Deliberate, permanent differences are in deviations.py, not here.

Each item keeps its divergence out of the way in one or more of these ways:
- avoid(args): the generator never produces such a command;
- split_after(args, server): in a pipelined batch this server gets the batch cut after
  such a command (the same commands, in the same order, just not in one pipeline);
- serialize_other_client(server): in the two-client scenarios the pushing client's
  pipeline is sent one command at a time to this server;
- tolerate(kind, args, ref, other, ctx): a divergence found is counted as this item and
  ignored (kind "reply": ref/other are (raw, node); kind "state": (what, value) pairs; kind
  "scan": the collected element maps).
The fuzzer prints how often each item was hit.
"""
import re

from args import BLOCKING
from compare import command_name, upper

class Item:
    id = ""
    owner = ""
    text = ""

    def avoid(self, args):
        return False

    def split_after(self, args, server):
        return False

    def serialize_other_client(self, server):
        return False

    def tolerate(self, kind, args, ref, other, ctx):
        return False

    def avoid_scenario(self, sc):
        return False


class PipelinedBlockingAcrossShards(Item):
    id = "engine-pipeline-blocking"
    owner = "engine (lead engineer)"
    text = ("threads > 1: a blocking command followed by other commands in one pipeline, on "
            "a key of another shard, loses its reply; pipelined writes across shards may be "
            "seen out of order by other clients")

    def split_after(self, args, server):
        return server.threads > 1 and upper(args[0]) in BLOCKING

    def serialize_other_client(self, server):
        return server.threads > 1


class BlmoveCrossShardServe(Item):
    id = "engine-blmove-cross-shard-serve"
    owner = "engine (src/engine/blocking.cc; found by the diff fuzzer)"
    text = ("threads > 1: a BLMOVE/BRPOPLPUSH waiter whose destination is on another shard "
            "is served after the push's reply, not with it: a command that follows the push "
            "(LPOP src, even from the pusher after its reply) can take the element first, "
            "and the waiter stays blocked")

    def avoid_scenario(self, sc):
        # Nothing after the push in the pusher's pipeline when the waiter moves elements.
        if sc.blocking[0] not in (b"BLMOVE", b"BRPOPLPUSH"):
            return False
        pushed = [i for i, a in enumerate(sc.pushes) if a[0] in (
            b"RPUSH", b"LPUSH", b"LMOVE", b"RPOPLPUSH") and sc.blocking[1] in a[1:3]]
        return bool(pushed) and pushed[0] < len(sc.pushes) - 1


class AppendSetrangeRaw(Item):
    id = "compat-append-raw"
    owner = "compat branch"
    text = "OBJECT ENCODING of a string changed by APPEND/SETRANGE should be raw"

    def tolerate(self, kind, args, ref, other, ctx):
        if not any(upper(h[0]) in (b"APPEND", b"SETRANGE") for h in ctx.history if h):
            return False
        if kind == "reply":
            if command_name(args) != b"OBJECT ENCODING":
                return False
            return ref[1].value == b"raw" and other[1].value in (b"embstr", b"int")
        if kind == "state":
            return ref[0] == "encoding" and ref[1] == b"raw" and other[1] in (b"embstr", b"int")
        return False


_NEG_ZERO_BULK = re.compile(rb"\$2\r\n-0\r\n")
_NEG_ZERO_DOUBLE = re.compile(rb",-0\r\n")


def _zero(raw):
    return _NEG_ZERO_DOUBLE.sub(b",0\r\n", _NEG_ZERO_BULK.sub(b"$1\r\n0\r\n", raw))


class NegativeZeroScore(Item):
    id = "compat-neg-zero"
    owner = "compat branch"
    text = "a score of -0 should be stored and shown as 0"

    def tolerate(self, kind, args, ref, other, ctx):
        if kind == "reply":
            name = upper(args[0])
            return name.startswith((b"Z", b"BZ")) and _zero(ref[0]) == _zero(other[0])
        if kind == "state":
            if ref[0] != "value" or not isinstance(ref[1], list):
                return False
            def fix(v):
                return [(x[0], b"0" if x[1] == b"-0" else x[1]) if isinstance(x, tuple) else x
                        for x in v]
            return fix(ref[1]) == fix(other[1])
        if kind == "scan":
            fix = lambda d: {m: (b"0" if s == b"-0" else s) for m, s in d.items()}
            return isinstance(ref, dict) and fix(ref) == fix(other)
        return False


class ZscanIntegralScores(Item):
    id = "compat-zscan-integral"
    owner = "compat branch"
    text = "ZSCAN on a small zset must print integral scores as Redis does (1e+17 -> 100000000000000000)"

    def tolerate(self, kind, args, ref, other, ctx):
        if kind != "scan" or upper(args[0]) != b"ZSCAN":
            return False
        if set(ref) != set(other):
            return False
        def num(s):
            try:
                return float(s)
            except ValueError:
                return s
        return all(num(ref[m]) == num(other[m]) for m in ref)


class ZinterZeroWeightOnInfinity(Item):
    id = "compat-zinter-weight0-inf"
    owner = "compat branch"
    text = "ZINTER/ZINTERSTORE WEIGHTS 0 on an infinite score gives 0 in Redis"

    def avoid(self, args):
        if upper(args[0]) not in (b"ZINTER", b"ZINTERSTORE"):
            return False
        up = [upper(a) for a in args]
        if b"WEIGHTS" not in up:
            return False
        rest = up[up.index(b"WEIGHTS") + 1:]
        def zero(w):
            try:
                return float(w) == 0
            except ValueError:
                return False
        return any(zero(w) for w in rest)


class CopyDbRangeFirst(Item):
    id = "compat-copy-db-range"
    owner = "compat branch"
    text = ("COPY a b DB 16 FOO: Redis checks each DB option as it parses it, so DB index "
            "out of range comes before a syntax error (and COPY a b DB -1 DB 2 fails)")

    def avoid(self, args):
        # A bad DB index followed by more options: Cinnabar may go on and copy.
        if upper(args[0]) != b"COPY":
            return False
        up = [upper(a) for a in args]
        for i in range(3, len(up) - 1):
            if up[i] == b"DB" and not (up[i + 1].isdigit() and int(up[i + 1]) < 16):
                return i + 2 < len(up)
        return False

    def tolerate(self, kind, args, ref, other, ctx):
        return (kind == "reply" and upper(args[0]) == b"COPY"
                and ref[0] == b"-ERR DB index is out of range\r\n"
                and other[0] == b"-ERR syntax error\r\n")


def _config_errors(args, ref, other):
    """For CONFIG SET with both replies errors about the same directive: (Redis's reason,
    ours), else None."""
    if command_name(args) != b"CONFIG SET":
        return None
    a, b = ref[0].split(b" - ", 1), other[0].split(b" - ", 1)
    if (len(a) != 2 or len(b) != 2 or a[0].lower() != b[0].lower()
            or not a[0].startswith(b"-ERR CONFIG SET")):
        return None
    return a[1], b[1]


def _integer_limit(name):
    name = name.lower()
    return name.endswith(b"-entries") or name == b"list-max-listpack-size"


class ConfigSetIntegerWording(Item):
    id = "compat-config-set-wording"
    owner = "compat branch"
    text = ("CONFIG SET hash-max-listpack-entries x: Redis says \"argument couldn't be parsed "
            "into an integer\"; Cinnabar parses the *-entries limits as memory values (so it "
            "also takes \"\" and units like 1gb there, which Redis rejects)")

    def avoid(self, args):
        # Values Cinnabar accepts for an *-entries limit where Redis refuses them.
        if command_name(args) != b"CONFIG SET":
            return False
        return any(_integer_limit(n) and (v == b"" or re.fullmatch(rb"\d+[a-zA-Z]+", v))
                   for n, v in zip(args[2::2], args[3::2]))

    def tolerate(self, kind, args, ref, other, ctx):
        if kind != "reply":
            return False
        why = _config_errors(args, ref, other)
        return why is not None and why[0].startswith(b"argument couldn't be parsed into an "
                                                     b"integer") and why[1].startswith(
                                                         b"argument must be a memory value")


class ConfigSetMemoryWording(Item):
    id = "engine-config-memory-parse"
    owner = "engine config (src/engine/config.cc)"
    text = ("CONFIG SET of a memory directive (hash-max-listpack-value...): for -1 Redis says "
            "\"argument must be a memory value\" (Cinnabar: must be between 0 and ...), for "
            "9223372036854775808 \"must be between 0 and 9223372036854775807 inclusive\" "
            "(Cinnabar: must be a memory value)")

    def tolerate(self, kind, args, ref, other, ctx):
        if kind != "reply":
            return False
        why = _config_errors(args, ref, other)
        if why is None:
            return False
        kinds = {b"argument must be a memory value", b"argument must be between"}
        a = next((k for k in kinds if why[0].startswith(k)), None)
        b = next((k for k in kinds if why[1].startswith(k)), None)
        return a is not None and b is not None and a != b


class ConfigSetNameCase(Item):
    id = "engine-config-set-name-case"
    owner = "engine config (src/engine/config.cc)"
    text = ("CONFIG SET HZ x: a bad value (or a failed apply) names the directive as "
            "registered ('hz'), not as typed; Cinnabar echoes the typed case")

    def tolerate(self, kind, args, ref, other, ctx):
        if kind != "reply":
            return False
        why = _config_errors(args, ref, other)
        return why is not None and why[0] == why[1] and ref[0] != other[0]


class NulInQuotedErrorArgs(Item):
    id = "compat-nul-in-error-args"
    owner = "compat branch"
    text = ("error texts quoting an argument cut it at its first NUL, as Redis does (also "
            "unquoted ones: EXPIRE k 10 \"x\\x00y\" -> ERR Unsupported option x)")

    def tolerate(self, kind, args, ref, other, ctx):
        if kind != "reply" or not (ref[1].is_error() and other[1].is_error()):
            return False
        cut = other[0].find(b"\x00")
        if cut < 0:
            return False
        # Redis formats the argument with %s (cut at the NUL), then trims the CR/LF the
        # cut text may end with: compare what precedes the NUL, trailing blanks aside.
        return (ref[0][:cut] == other[0][:cut]
                or ref[0][:-2].rstrip(b" \r\n") == other[0][:cut].rstrip(b" \r\n"))


ITEMS = [
    PipelinedBlockingAcrossShards(),
    BlmoveCrossShardServe(),
    AppendSetrangeRaw(),
    NegativeZeroScore(),
    ZscanIntegralScores(),
    ZinterZeroWeightOnInfinity(),
    CopyDbRangeFirst(),
    ConfigSetIntegerWording(),
    ConfigSetMemoryWording(),
    ConfigSetNameCase(),
    NulInQuotedErrorArgs(),
    # Also open on the compat branch, but never generated here: CLIENT LIST TYPE bad x
    # (syntax error), CLIENT UNBLOCK error wording.
]

hits = {}


def avoid(args):
    return any(item.avoid(args) for item in ITEMS)


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

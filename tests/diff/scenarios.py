"""Two-client blocking scenarios, run on each server in turn and compared with Redis:

- served:     B blocks (timeout 0 or 30 s) on empty keys; once the server reports it
              blocked, A sends a pipeline of writes that ends up pushing to one of B's keys
              (other writes before and after it); B's reply, A's replies and the final
              state must match Redis's.
- fifo:       B1 then B2 block on the same keys; one push of two elements serves both, the
              first comer first.
- disconnect: B blocks, then closes its connection; once the server no longer counts it
              blocked, A pushes: the element must stay (nobody is there to take it).
- unblock:    B blocks; A unblocks it with CLIENT UNBLOCK [TIMEOUT|ERROR], then pushes.

Every wait is for an event (INFO clients blocked_clients, a reply), never a fixed sleep."""
import time

import compare
import known_open
import report
import state
import watch_scenarios
from args import KEYS
from runner import Divergence, FuzzerError
from resp import Closed, Timeout, encode

WAIT = 10.0

LIST_KEYS = KEYS["list"]
ZSET_KEYS = KEYS["zset"]


class Scenario:
    def __init__(self, kind, blocking, setup, pushes, b_resp, second=None, unblock=None):
        self.kind = kind
        self.blocking = blocking      # B's command
        self.second = second          # B2's command (fifo)
        self.setup = setup            # run by A before anybody blocks
        self.pushes = pushes          # A's pipeline once B is blocked
        self.b_resp = b_resp
        self.unblock = unblock        # None, b"", b"TIMEOUT" or b"ERROR"

    def describe(self):
        lines = [f"two-client scenario '{self.kind}', B speaks RESP{self.b_resp}"]
        for args in self.setup:
            lines.append(f"  A (before): {report.command_line(args)}")
        lines.append(f"  B (blocks): {report.command_line(self.blocking)}")
        if self.second:
            lines.append(f"  B2 (blocks after B): {report.command_line(self.second)}")
        if self.kind == "disconnect":
            lines.append("  B closes its connection; wait until the server counts 0 blocked")
        if self.unblock is not None:
            lines.append(f"  A: CLIENT UNBLOCK <B's id> {self.unblock.decode()}")
        lines.append("  A (one pipeline):")
        for args in self.pushes:
            lines.append(f"      {report.command_line(args)}")
        return "\n".join(lines)

    # --- running --------------------------------------------------------------------
    def run(self, runner):
        runner.stats["scenarios"] = runner.stats.get("scenarios", 0) + 1
        transcripts, dumps, events = {}, {}, {}
        for s in runner.servers:
            got = self.run_on(runner, s)
            if isinstance(got, Divergence):
                return got
            transcripts[s.name] = got
            ordered, later = runner.scenario_events(s)
            dumps[s.name] = state.dump(runner.checker(s))
            events[s.name] = (ordered, later + runner.settle_expired(s))
        ref_t = transcripts[runner.ref.name]
        for s in runner.servers[1:]:
            t = transcripts[s.name]
            for (label, args, ref), (_, _, other) in zip(ref_t, t):
                ctx = compare.Ctx(s.name, runner.ref.name, 2, [])
                why = compare.check_for(args).compare(args, ref, other, ctx)
                if why and not known_open.tolerated("reply", args, ref, other, ctx):
                    return Divergence("reply", s.name, None, args, ref[0], other[0],
                                      f"{label}: {why}")
            for db, key, what, a, b in state.diff(dumps[runner.ref.name], dumps[s.name]):
                ctx = compare.Ctx(s.name, runner.ref.name, 2, [])
                if known_open.tolerated("state", None, (what, a), (what, b), ctx):
                    continue
                return Divergence("state", s.name, None, None, a, b,
                                  f"db {db} key {key!r}: {what} differs", what=what)
        runner.stats["commands"] = runner.stats.get("commands", 0) + len(ref_t)
        commands = self.setup + [self.blocking] + ([self.second] if self.second else []) \
            + self.pushes
        return runner.compare_scenario_events(events, commands, self.blocking)

    def run_on(self, runner, s):
        """This scenario on server s: [(label, args, (raw, node)), ...] or a Divergence."""
        runner.reset_one(s, 2)
        a = runner.conns[s.name]
        out = []
        opened = []
        try:
            for args in self.setup:
                out.append(("A before", args, a.call(*args)))
            b = s.connect(timeout=WAIT)
            opened.append(b)
            if self.b_resp == 3:
                b.call(b"HELLO", b"3")
            b_id = int(b.call(b"CLIENT", b"ID")[1].value)
            b.send(encode(self.blocking))
            d = self.wait_blocked(runner, s, 1, b)
            if d:
                return d
            b2 = None
            if self.second:
                b2 = s.connect(timeout=WAIT)
                opened.append(b2)
                b2.send(encode(self.second))
                d = self.wait_blocked(runner, s, 2, b2)
                if d:
                    return d
            if self.kind == "disconnect":
                b.close()
                d = self.wait_blocked(runner, s, 0, None)
                if d:
                    return d
            if self.unblock is not None:
                args = [b"CLIENT", b"UNBLOCK", str(b_id).encode()] + (
                    [self.unblock] if self.unblock else [])
                out.append(("A unblock", [b"CLIENT", b"UNBLOCK", b"<B>"] + args[3:],
                            a.call(*args)))
                out.append(("B", self.blocking, b.read_reply(WAIT)))
            if known_open.serialize_other_client(s):
                replies = [a.call(*args) for args in self.pushes]
            else:
                a.send_commands(self.pushes)
                replies = [a.read_reply(WAIT) for _ in self.pushes]
            out += [("A", args, r) for args, r in zip(self.pushes, replies)]
            if self.kind not in ("disconnect", "unblock"):
                out.append(("B", self.blocking, b.read_reply(WAIT)))
            if b2 is not None:
                out.append(("B2", self.second, b2.read_reply(WAIT)))
            return out
        except (Timeout, Closed) as e:
            if s is runner.ref:
                raise FuzzerError(f"redis, in {self.describe()}: {e}")
            kind = "noreply" if isinstance(e, Timeout) else (
                "crash" if not s.alive() else "closed")
            detail = f"after {len(out)} replies: {e}"
            if kind == "crash":
                detail += "\n--- server log (tail) ---\n" + s.read_log()[-3000:]
            return Divergence(kind, s.name, None, None, detail=detail)
        finally:
            for c in opened:
                c.close()

    def wait_blocked(self, runner, s, n, waiter):
        """Waits until INFO clients says blocked_clients:n (or `waiter` answered early)."""
        ch = runner.checker(s)
        deadline = time.monotonic() + WAIT
        last = None
        while time.monotonic() < deadline:
            raw, node = ch.call(b"INFO", b"clients")
            for line in node.value.splitlines():
                if line.startswith(b"blocked_clients:"):
                    last = int(line.split(b":")[1])
            if last == n:
                return None
            if waiter is not None and waiter.pending():
                early = waiter.pending()
                if s is runner.ref:
                    raise FuzzerError(f"redis answered a wait at once: {early!r}")
                return Divergence("reply", s.name, None, self.blocking, b"(blocked)", early,
                                  "answered instead of blocking")
            time.sleep(0.002)
        if s is runner.ref:
            raise FuzzerError(f"redis never reported {n} blocked clients")
        return Divergence("noreply", s.name, None, None,
                          detail=f"INFO clients never said blocked_clients:{n} (last: {last})")


# --- generating -------------------------------------------------------------------------

def _distinct(rng, pool, lo, hi):
    return rng.sample(pool, rng.randint(lo, hi))


def _elements(rng, n):
    return [rng.choice([b"a", b"b", b"c", b"x\x00y", b"1", b"-2", b"e" * 70])
            for _ in range(n)]


def make(rng):
    """A two-client case: half of them blocking (here), half WATCH (watch_scenarios.py)."""
    if rng.random() < 0.5:
        return watch_scenarios.make(rng)
    for _ in range(100):
        sc = _make(rng)
        if not known_open.avoid_scenario(sc):
            return sc
    return sc


def _make(rng):
    kind = rng.choices(["served", "fifo", "disconnect", "unblock"], [6, 2, 1, 1])[0]
    zset = rng.random() < 0.4
    b_resp = rng.choice([2, 3])
    timeout = rng.choice([b"0", b"30"])
    single = kind == "fifo"
    keys = _distinct(rng, ZSET_KEYS if zset else LIST_KEYS, 1, 1 if single else 3)
    setup = []
    if zset:
        blocking = _zset_blocking(rng, keys, timeout, single)
    else:
        blocking, extra_setup = _list_blocking(rng, keys, timeout, single)
        setup += extra_setup
        if blocking[0] in (b"BLMOVE", b"BRPOPLPUSH"):
            keys = keys[:1]  # the one key it waits on
    target = rng.choice(keys)
    pushes = _noise(rng, keys, target, zset, rng.randint(0, 2))
    pushes.append(_push(rng, target, zset, 2 if kind == "fifo" else rng.randint(1, 3), setup))
    pushes += _noise(rng, keys, target, zset, rng.randint(0, 2), after=True)
    second = None
    if kind == "fifo":
        second = list(blocking)
        if rng.random() < 0.5 and not zset:
            second[0] = rng.choice([b"BLPOP", b"BRPOP"])
    unblock = rng.choice([b"", b"TIMEOUT", b"ERROR"]) if kind == "unblock" else None
    return Scenario(kind, blocking, setup, pushes, b_resp, second, unblock)


def _list_blocking(rng, keys, timeout, single):
    side = lambda: rng.choice([b"LEFT", b"RIGHT"])
    r = rng.random()
    if single or r < 0.4:
        return [rng.choice([b"BLPOP", b"BRPOP"]), *keys, timeout], []
    dst = rng.choice([k for k in LIST_KEYS if k not in keys] + [keys[0]])
    setup = []
    if rng.random() < 0.3 and dst not in keys:
        setup.append([b"RPUSH", dst, b"old"])
    if r < 0.6:
        return [b"BLMOVE", keys[0], dst, side(), side(), timeout], setup
    if r < 0.75:
        return [b"BRPOPLPUSH", keys[0], dst, timeout], setup
    out = [b"BLMPOP", timeout, str(len(keys)).encode(), *keys, side()]
    if rng.random() < 0.5:
        out += [b"COUNT", str(rng.randint(1, 4)).encode()]
    return out, []


def _zset_blocking(rng, keys, timeout, single):
    if single or rng.random() < 0.6:
        return [rng.choice([b"BZPOPMIN", b"BZPOPMAX"]), *keys, timeout]
    out = [b"BZMPOP", timeout, str(len(keys)).encode(), *keys, rng.choice([b"MIN", b"MAX"])]
    if rng.random() < 0.5:
        out += [b"COUNT", str(rng.randint(1, 4)).encode()]
    return out


def _push(rng, target, zset, n, setup):
    """A write that gives `target` at least one element (of n)."""
    r = rng.random()
    if zset:
        if r < 0.7 or n > 1:
            args = [b"ZADD", target]
            for i in range(n):
                args += [rng.choice([b"1", b"2", b"-1", b"1.5", b"inf"]), b"m%d" % i]
            return args
        if r < 0.85:
            return [b"ZINCRBY", target, b"2", b"m"]
        setup.append([b"ZADD", b"{src}z", b"1", b"p", b"2", b"q"])
        return [b"ZUNIONSTORE", target, b"1", b"{src}z"]
    if r < 0.75 or n > 1:
        return [rng.choice([b"RPUSH", b"LPUSH"]), target, *_elements(rng, n)]
    setup.append([b"RPUSH", b"{src}l", b"s1", b"s2"])
    if r < 0.9:
        return [b"LMOVE", b"{src}l", target, rng.choice([b"LEFT", b"RIGHT"]),
                rng.choice([b"LEFT", b"RIGHT"])]
    return [b"RPOPLPUSH", b"{src}l", target]


def _noise(rng, keys, target, zset, n, after=False):
    """Other writes in A's pipeline: to unrelated keys, wrong-type writes to B's other keys,
    and (after the push) reads and pops of the target."""
    out = []
    others = [k for k in keys if k != target]
    for _ in range(n):
        r = rng.random()
        if after and r < 0.4:
            out.append(rng.choice([[b"ZPOPMIN" if zset else b"LPOP", target],
                                   [b"ZCARD" if zset else b"LLEN", target],
                                   [b"EXISTS", target]]))
        elif others and r < 0.6 and not after:
            out.append([b"SET", rng.choice(others), b"not-a-collection"])
        elif r < 0.8:
            out.append([b"RPUSH", rng.choice(KEYS["list"][-2:] + [b"noise"]), b"n"])
        else:
            out.append([b"SET", b"str:a", b"written"])
    return out


def divergence_text(d, sc, servers, seed):
    by_name = {s.name: s for s in servers}
    server = by_name.get(d.server)
    lines = ["=" * 78,
             f"DIVERGENCE from Redis ({d.kind}), seed {seed}",
             f"server: {server.describe() if server else d.server}",
             f"what:   {d.detail}",
             sc.describe()]
    if d.args is not None:
        lines.append(f"command: {report.command_line(d.args)}")
    lines.append(f"  redis:      {report.raw_text(d.ref)}")
    lines.append(f"  {d.server + ':':<11} {report.raw_text(d.other)}")
    lines.append("=" * 78)
    return "\n".join(lines)

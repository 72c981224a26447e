"""Two-client WATCH scenarios, run on each server in turn and compared with Redis: client A
WATCHes keys (plain ones on several shards, `{t}` ones, missing ones), client B changes
something, then A runs MULTI ... EXEC, whose reply (a null, or the array) must be Redis's.

B's change is a write of each type, a write that changes nothing (SADD of a member already
there, SREM, HDEL, ZREM of a missing one, ZADD of the same score, LINSERT before a missing
pivot), one that fails (a wrong type), DEL, EXPIRE, PEXPIRE 1 and a short sleep, FLUSHDB,
FLUSHALL, SWAPDB, RENAME, MOVE, COPY, a read, B's own transaction, a script (EVAL, FCALL)
that writes the key, writes another, or writes nothing, in the same database or another; A's
transaction may hold a script too. Other shapes: A's own write before MULTI, UNWATCH, watches cleared by an EXEC or a
DISCARD, WATCH again after the transaction was made dirty, a key that expired before WATCH
(a later deletion of it is no change), one that expires after WATCH (EXEC then refuses).

Every step is one command and its reply, in order; a divergence is shrunk by dropping
steps one at a time."""
import time

import compare
import known_open
import report
import state
import tx
from runner import Divergence, FuzzerError, Runner
from resp import Closed, Timeout

WAIT = 10.0

TYPED = {b"str": "string", b"list": "list", b"hash": "hash", b"set": "set", b"zset": "zset"}
POOL = [b"str:a", b"{t}str", b"list:a", b"{t}list", b"hash:a", b"{t}hash", b"set:a",
        b"{t}set", b"zset:a", b"{t}zset", b"nokey", b"{t}nokey"]
DATA = {
    "string": lambda k: [b"SET", k, b"v1"],
    "list": lambda k: [b"RPUSH", k, b"a", b"b", b"c"],
    "hash": lambda k: [b"HSET", k, b"f1", b"v1", b"f2", b"v2"],
    "set": lambda k: [b"SADD", k, b"a", b"b", b"c"],
    "zset": lambda k: [b"ZADD", k, b"1", b"a", b"2", b"b"],
}
WRITES = {  # changes, then no-ops and failures
    "string": [[b"SET", b"x"], [b"APPEND", b"x"], [b"SETRANGE", b"0", b"z"], [b"GETDEL"],
               [b"INCRBY", b"1"], [b"SETNX", b"x"], [b"SET", b"x", b"NX"], [b"LPUSH", b"x"]],
    "list": [[b"LPUSH", b"x"], [b"RPOP"], [b"LSET", b"0", b"x"], [b"LTRIM", b"0", b"-1"],
             [b"LREM", b"0", b"zz"], [b"LINSERT", b"BEFORE", b"zz", b"x"], [b"INCR"]],
    "hash": [[b"HSET", b"f1", b"new"], [b"HSET", b"f1", b"v1"], [b"HDEL", b"f1"],
             [b"HINCRBY", b"n", b"1"], [b"HDEL", b"nofield"], [b"HSETNX", b"f1", b"x"],
             [b"SADD", b"x"]],
    "set": [[b"SADD", b"new"], [b"SREM", b"a"], [b"SMOVE", b"set:b", b"a"],
            [b"SADD", b"a"], [b"SREM", b"missing"], [b"ZADD", b"1", b"x"]],
    "zset": [[b"ZADD", b"5", b"a"], [b"ZREM", b"a"], [b"ZINCRBY", b"1", b"a"],
             [b"ZADD", b"1", b"a"], [b"ZADD", b"NX", b"9", b"a"], [b"ZREM", b"missing"],
             [b"ZINCRBY", b"0", b"a"], [b"HSET", b"f", b"v"]],
}
BODY = [
    lambda k, o: [b"GET", k], lambda k, o: [b"EXISTS", k, o], lambda k, o: [b"TYPE", k],
    lambda k, o: [b"SET", o, b"from-exec"], lambda k, o: [b"INCR", b"{t}counter"],
    lambda k, o: [b"LPUSH", k, b"e"], lambda k, o: [b"MSET", b"str:b", b"1", b"{t}str2", b"2"],
    lambda k, o: [b"DEL", o], lambda k, o: [b"BLPOP", k, b"0"], lambda k, o: [b"SMEMBERS", k],
    lambda k, o: [b"EVAL", b"return redis.call('SET', KEYS[1], 'in-exec')", b"1", o],
    lambda k, o: [b"EVAL", b"return redis.pcall('GET', KEYS[1])", b"1", k],
]


def kind_of(key):
    """The type a pool key is given ("string" for str:a and {t}str), None for nokey."""
    return TYPED.get(key[3:] if key.startswith(b"{t}") else key.split(b":")[0])


class WatchScenario:
    def __init__(self, label, steps, a_resp):
        self.label = label
        self.steps = steps  # (who, args): who "A", "B" or "sleep" (args: milliseconds)
        self.a_resp = a_resp

    def describe(self):
        lines = [f"two-client WATCH scenario '{self.label}', A speaks RESP{self.a_resp}, "
                 "B RESP2 (one command at a time, in this order):"]
        for who, args in self.steps:
            lines.append(f"  sleep {args} ms" if who == "sleep"
                         else f"  {who}: {report.command_line(args)}")
        return "\n".join(lines)

    def blocks(self):
        """Whether a blocking command (BLPOP ... 0) would run outside A's transaction."""
        a = [args for who, args in self.steps if who == "A"]
        roles, _ = tx.roles(a)
        return any(args[0] == b"BLPOP" and r != tx.INSIDE for args, r in zip(a, roles))

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
        runner.stats["commands"] = runner.stats.get("commands", 0) + len(
            transcripts[runner.ref.name])
        return self.compare(runner, transcripts, dumps) or runner.compare_scenario_events(
            events, [args for who, args in self.steps if who != "sleep"])

    def run_on(self, runner, s):
        """[(who, args, (raw, node)), ...] on server s, or a Divergence."""
        runner.reset_one(s, self.a_resp)
        conns = {"A": runner.conns[s.name]}
        out = []
        try:
            conns["B"] = s.connect(timeout=WAIT)
            for who, args in self.steps:
                if who == "sleep":
                    time.sleep(args / 1000)
                    continue
                out.append((who, args, conns[who].call(*args, timeout=WAIT)))
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
            if "B" in conns:
                conns["B"].close()

    def compare(self, runner, transcripts, dumps):
        ref_t = transcripts[runner.ref.name]
        for s in runner.servers[1:]:
            trackers = {"A": tx.Tracker(), "B": tx.Tracker()}
            sims = {"A": tx.Sim(), "B": tx.Sim()}
            for i, ((who, args, ref), (_, _, other)) in enumerate(zip(ref_t, transcripts[s.name])):
                role = sims[who].step(args)
                ctx = compare.Ctx(s.name, runner.ref.name, self.a_resp if who == "A" else 2, [])
                why = trackers[who].check(role, args, ctx).compare(args, ref, other, ctx)
                if why and not known_open.tolerated("reply", args, ref, other, ctx):
                    return Divergence("reply", s.name, i, args, ref[0], other[0],
                                      f"{who}'s reply {i + 1}: {why}")
                trackers[who].after(role, args, ref[0])
                if s is runner.servers[1]:
                    tx.count(runner.stats, role, args, ref)
            for db, key, what, a, b in state.diff(dumps[runner.ref.name], dumps[s.name]):
                ctx = compare.Ctx(s.name, runner.ref.name, 2, [])
                if not known_open.tolerated("state", None, (what, a), (what, b), ctx):
                    return Divergence("state", s.name, None, None, a, b,
                                      f"db {db} key {key!r}: {what} differs", what=what)
        return None

    def shrink(self, servers, d, seconds):
        """The scenario with steps dropped while the same divergence stays (1-minimal)."""
        bad = next((s for s in servers if s.name == d.server), None)
        r = Runner([servers[0]] + ([bad] if bad else servers[1:]), {})
        deadline = time.monotonic() + seconds
        best, steps, i = d, list(self.steps), 0
        while i < len(steps) and time.monotonic() < deadline:
            trial = WatchScenario(self.label, steps[:i] + steps[i + 1:], self.a_resp)
            if trial.blocks():
                i += 1
                continue
            try:
                got = trial.run(r)
            except FuzzerError:
                got = None
            if got and got.kind == d.kind and (got.args is None) == (d.args is None) and (
                    d.args is None or compare.command_name(got.args)
                    == compare.command_name(d.args)):
                steps, best = trial.steps, got
            else:
                i += 1
        r.release()
        for c in list(r.conns.values()) + list(r.checkers.values()):
            c.close()
        return WatchScenario(self.label, steps, self.a_resp), best


# --- generating -------------------------------------------------------------------------

def make(rng):
    for _ in range(100):
        sc = _make(rng)
        if not known_open.avoid_scenario(sc):
            return sc
    return sc


def _b_action(rng, target, other):
    """B's steps: one change (or non-change) around `target`."""
    kind = kind_of(target) or rng.choice(list(WRITES))
    r = rng.random()
    if r < 0.45:
        w = rng.choice(WRITES[kind])
        return [("B", [w[0], target, *w[1:]])]
    if r < 0.6:
        return [("B", rng.choice(_b_scripts(target, other)))]
    return rng.choice([
        [("B", [b"DEL", target])], [("B", [b"UNLINK", target, other])],
        [("B", [b"EXPIRE", target, b"100"])], [("B", [b"EXPIRE", target, b"0"])],
        [("B", [b"PERSIST", target])], [("B", [b"PEXPIRE", target, b"1"]), ("sleep", 20)],
        [("B", [b"FLUSHDB"])], [("B", [b"FLUSHALL"])], [("B", [b"SWAPDB", b"0", b"1"])],
        [("B", [b"RENAME", target, other])], [("B", [b"RENAME", other, target])],
        [("B", [b"MOVE", target, b"1"])], [("B", [b"COPY", other, target, b"REPLACE"])],
        [("B", [b"COPY", other, target])], [("B", [b"GET", target])],
        [("B", [b"EXISTS", target])], [("B", [b"TOUCH", target])],
        [("B", [b"SELECT", b"1"]), ("B", [b"SET", target, b"db1"])],
        [("B", [b"SELECT", b"1"]), ("B", [b"FLUSHDB"])],
        [("B", [b"MULTI"]), ("B", [b"SET", target, b"b-tx"]), ("B", [b"EXEC"])],
    ])


def _b_scripts(target, other):
    """B's scripts: one that writes the watched key, one that writes nothing (a read, a
    no-op write, a write refused), one writing another key, one over undeclared keys."""
    return [
        [b"EVAL", b"return redis.call('SET', KEYS[1], 'from-script')", b"1", target],
        [b"EVAL", b"return redis.call('DEL', KEYS[1])", b"1", target],
        [b"EVAL", b"return redis.pcall('LPUSH', KEYS[1], 'x')", b"1", target],
        [b"EVAL", b"redis.call('GET', KEYS[2]); return redis.call('EXPIRE', KEYS[1], 100)",
         b"2", target, other],
        [b"EVAL", b"return redis.call('SET', KEYS[1], 'other')", b"1", other],
        [b"EVAL", b"return redis.call('EXISTS', KEYS[1])", b"1", target],
        [b"EVAL", b"return redis.call('SREM', KEYS[1], 'missing')", b"1", target],
        [b"EVAL", b"return redis.pcall('INCR', KEYS[1])", b"1", target],
        [b"EVAL_RO", b"return redis.call('DEL', KEYS[1])", b"1", target],
        [b"EVAL", b"redis.call('EXISTS', 'nokey')\nreturn redis.call('DEL', 'str:a')", b"0"],
        [b"FCALL", b"fz_set", b"1", target, b"from-function"],
        [b"FCALL", b"fz_get", b"1", target],
        [b"FCALL", b"fz_global", b"0"],
    ]


def _body(rng, target, other):
    return [("A", rng.choice(BODY)(target, other)) for _ in range(rng.randint(1, 4))]


def _make(rng):
    watched = rng.sample(POOL, rng.randint(1, 3))
    target = rng.choice(watched) if rng.random() < 0.75 else rng.choice(POOL)
    other = rng.choice([k for k in POOL if k != target])
    setup = []
    for k in POOL:
        if kind_of(k) and (k in watched and rng.random() < 0.8 or rng.random() < 0.4):
            setup.append(("A", DATA[kind_of(k)](k)))
    if rng.random() < 0.2:
        setup += [("A", [b"SELECT", b"1"]), ("A", [b"SET", target, b"in-db1"]),
                  ("A", [b"SELECT", b"0"])]
    if rng.random() < 0.15:
        setup.append(("A", [b"SELECT", b"1"]))  # A watches and runs in db 1
    watch = [("A", [b"WATCH", *watched])]
    if len(watched) > 1 and rng.random() < 0.3:
        watch = [("A", [b"WATCH", k]) for k in watched]
    change = _b_action(rng, target, other)
    run = [("A", [b"MULTI"])] + _body(rng, target, other) + [
        ("A", [rng.choice([b"EXEC", b"EXEC", b"EXEC", b"DISCARD"])])]
    again = [("A", [b"MULTI"])] + _body(rng, target, other) + [("A", [b"EXEC"])]
    label = rng.choices(["change", "self", "unwatch", "cleared", "rewatch", "expired",
                         "expires"], [10, 2, 2, 2, 1, 2, 0.3])[0]
    if label == "self":
        change = [(("A", a) if who == "B" else (who, a)) for who, a in change]
    elif label == "unwatch":
        change = rng.choice([[("A", [b"UNWATCH"])] + change, change + [("A", [b"UNWATCH"])]])
    elif label == "cleared":
        return WatchScenario(label, setup + watch + run + change + again, rng.choice([2, 3]))
    elif label == "rewatch":
        change = change + [("A", [b"WATCH", rng.choice(POOL)])]
    elif label == "expired":
        t = target if kind_of(target) else b"str:a"
        pre = rng.choice([[("A", [b"SET", t, b"short", b"PX", b"1"])],
                          [("A", DATA[kind_of(t)](t)), ("A", [b"PEXPIRE", t, b"1"])]])
        watch = pre + [("sleep", 20), ("A", [b"WATCH", t, *watched])]
        change = change if rng.random() < 0.7 else []
    elif label == "expires":
        watch = [("A", [b"SET", b"str:short", b"v", b"PX", b"300"]),
                 ("A", [b"WATCH", b"str:short", *watched]), ("sleep", 450)]
        change = []
    return WatchScenario(label, setup + watch + change + run, rng.choice([2, 3]))

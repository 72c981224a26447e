"""Runs one generated case on every server and compares: each reply against Redis's (by the
check table in compare.py), then the full state.

A case is a list of commands with a RESP version and a batch layout: in sequential mode
every command is its own batch (send one, read one); in pipelined mode a batch is sent in
one write and then all its replies are read. Every case starts from a fresh state: the
servers are flushed, the collection limits restored, the script cache flushed, the
function libraries reset to lua.LIBRARIES, and the fuzz connection is new."""
import selectors
import time

import compare
import known_open
import lua
import script_check
import state
import tx
from compare import command_name
from families.config import RESTORE
from resp import Closed, Timeout, encode

READ_TIMEOUT = 15.0


class Case:
    """`cmds`: lists of bytes; `batch_ids`: one per command, equal ids in a row form one
    pipeline (sequential mode: all distinct); `resp`: 2 or 3."""

    def __init__(self, cmds, batch_ids, resp, pipelined, label=""):
        self.cmds = cmds
        self.batch_ids = batch_ids
        self.resp = resp
        self.pipelined = pipelined
        self.label = label

    def mode(self):
        return f"{'pipelined' if self.pipelined else 'sequential'}, RESP{self.resp}"

    def roles(self):
        """Each command's place in a transaction (tx.PLAIN, tx.MULTI, tx.INSIDE, ...)."""
        return tx.roles(self.cmds)[0]

    def batches(self):
        """Lists of command indexes sent as one write. A command whose check probes first
        starts a batch; one whose check has a post step ends its batch (neither inside a
        transaction: there they are only queued)."""
        out, cur, prev = [], [], None
        roles = self.roles()
        for i, (args, bid) in enumerate(zip(self.cmds, self.batch_ids)):
            check = compare.check_for(args) if roles[i] == tx.PLAIN else compare.EXACT
            if cur and (bid != prev or check.probe and check.probe(args)):
                out.append(cur)
                cur = []
            cur.append(i)
            prev = bid
            if check.post:
                out.append(cur)
                cur = []
                prev = None
        if cur:
            out.append(cur)
        return out

    def subset(self, keep):
        return Case([self.cmds[i] for i in keep], [self.batch_ids[i] for i in keep],
                    self.resp, self.pipelined, self.label)

    def with_cmds(self, cmds):
        return Case(cmds, self.batch_ids, self.resp, self.pipelined, self.label)


class Divergence:
    """What differed. kind: reply, probe, scan, state, noreply, closed, crash, leftover."""

    def __init__(self, kind, server, index=None, args=None, ref=None, other=None, detail="",
                 what=None, key=None):
        self.kind = kind
        self.server = server
        self.index = index
        self.args = args
        self.ref = ref
        self.other = other
        self.detail = detail
        self.what = what
        self.key = key

    def signature(self):
        """What a smaller case must still show to count as the same divergence."""
        if self.kind == "state":
            return (self.kind, self.what)
        return (self.kind, command_name(self.args) if self.args else None)


# run_batch's answer when a reply is unspecified by Redis: the case stops, unchecked.
END_CASE = object()


class FuzzerError(Exception):
    """Redis itself did something the fuzzer did not expect (a bug in the fuzzer)."""


class Runner:
    def __init__(self, servers, stats=None):
        self.servers = servers
        self.ref = servers[0]
        self.stats = stats if stats is not None else {}
        self.conns = {}
        self.checkers = {}
        self.read_timeout = READ_TIMEOUT
        # Keys whose encoding a random choice decided in this case (see compare.Random).
        self.random_encoding = set()

    # --- connections --------------------------------------------------------------
    def checker(self, s):
        c = self.checkers.get(s.name)
        if c is None:
            c = s.connect(timeout=READ_TIMEOUT)
            self.checkers[s.name] = c
        return c

    def drop(self, s):
        for pool in (self.conns, self.checkers):
            c = pool.pop(s.name, None)
            if c:
                c.close()

    def reset(self, resp):
        """Fresh state on every server and a new fuzz connection speaking `resp`."""
        for s in self.servers:
            self.reset_one(s, resp)

    def reset_one(self, s, resp):
        if not s.alive():
            self.drop(s)
            s.restart()
        old = self.conns.pop(s.name, None)
        if old:
            old.close()
        try:
            ch = self.checker(s)
            ch.call(b"FLUSHALL")
            ch.call(*RESTORE)
            for args in lua.RESET:
                raw, node = ch.call(*args)
                if node.is_error():
                    raise FuzzerError(f"{s.name}: {args[:2]!r} failed: {raw!r}")
            c = s.connect(timeout=READ_TIMEOUT)
            if resp == 3:
                raw, node = c.call(b"HELLO", b"3")
                if node.is_error():
                    raise FuzzerError(f"{s.name}: HELLO 3 failed: {raw!r}")
        except (Closed, Timeout, OSError):
            self.drop(s)
            if s.alive():
                raise
            s.restart()
            return self.reset_one(s, resp)
        self.conns[s.name] = c

    def call_quiet(self, name, args):
        """Runs a command on the fuzz connection of server `name`, reply unchecked."""
        c = self.conns[name]
        c.send(encode(args))
        return c.read_reply()

    def scan_all(self, name, prefix, options, what):
        """Iterates a SCAN-family command from cursor 0 to the end on server `name`; returns
        the set (keys, set members) or dict (hash fields, zset members) collected, or an
        error text."""
        c = self.conns[name]
        cursor = b"0"
        got = set() if what in ("keys", "set") else {}
        for _ in range(100000):
            c.send(encode([*prefix, cursor, *options]))
            raw, node = c.read_reply()
            xs = compare.items(node)
            if node.is_error() or xs is None or len(xs) != 2:
                return f"a scan step answered {raw[:200]!r}"
            cursor = xs[0].value
            if what in ("keys", "set"):
                got.update(x.value for x in compare.items(xs[1]))
            else:
                ps = compare.pairs(xs[1])
                if ps is None:
                    return f"a scan step answered {raw[:200]!r}"
                got.update(ps)
            if cursor == b"0":
                return got
        return "the scan never returned to cursor 0"

    # --- one case ------------------------------------------------------------------
    def ctx(self, name, case, history):
        c = compare.Ctx(name, self.ref.name, case.resp, history)
        c.random_encoding = self.random_encoding
        return c

    def run_case(self, case):
        self.reset(case.resp)
        self.random_encoding = set()
        self.roles = case.roles()
        self.tracker = tx.Tracker()
        history = []
        for batch in case.batches():
            d = self.run_batch(case, batch, history)
            if d is END_CASE:
                return None
            if d:
                return d
        if tx.roles(case.cmds)[1]:
            d = self.discard_open(case, history)
            if d:
                return d
        for s in self.servers:
            left = self.conns[s.name].pending()
            if left:
                return Divergence("leftover", s.name, detail=f"replies nobody asked for: "
                                  f"{left[:300]!r}")
        return self.compare_state(case, history)

    def discard_open(self, case, history):
        """A case that ends inside MULTI: DISCARD on every server, compared, so the state
        check sees what the case left (the connection is replaced before the next case)."""
        args = [b"DISCARD"]
        got = {s.name: self.call_quiet(s.name, args) for s in self.servers}
        ref = got[self.ref.name]
        for s in self.servers[1:]:
            if got[s.name][0] != ref[0]:
                return Divergence("reply", s.name, None, args, ref[0], got[s.name][0],
                                  "DISCARD of the transaction the case left open")
        history.append(args)
        return None

    def run_batch(self, case, batch, history):
        cmds = [case.cmds[i] for i in batch]
        roles = [self.roles[i] for i in batch]
        first_check = (compare.check_for(cmds[0]) if roles[0] == tx.PLAIN
                       else compare.EXACT)
        probes = first_check.probe(cmds[0]) if first_check.probe else None
        probe_replies = {}
        if probes:
            for s in self.servers:
                c = self.conns[s.name]
                c.send_commands(probes)
            for s in self.servers:
                got = self.read_n(s, len(probes), batch[0], cmds[0])
                if isinstance(got, Divergence):
                    return got
                probe_replies[s.name] = got
            for s in self.servers[1:]:
                for p, ref, other in zip(probes, probe_replies[self.ref.name],
                                         probe_replies[s.name]):
                    ctx = self.ctx(s.name, case, history)
                    why = compare.probe_check(p).compare(p, ref, other, ctx)
                    if why and not known_open.tolerated("reply", p, ref, other, ctx):
                        return Divergence("probe", s.name, batch[0], p, ref[0], other[0],
                                          f"the key's contents before {command_name(cmds[0])!r}"
                                          f" differ: {why}")
        replies = self.exchange(cmds, batch)
        if isinstance(replies, Divergence):
            return replies
        self.stats["commands"] = self.stats.get("commands", 0) + len(cmds)
        for j, args in enumerate(cmds):
            ref = replies[self.ref.name][j]
            script_check.count(self.stats, args, ref)
            for s in self.servers[1:]:
                other = replies[s.name][j]
                ctx = self.ctx(s.name, case, history)
                check = self.tracker.check(roles[j], args, ctx)
                if j == 0:
                    ctx.probes = probe_replies
                why = check.compare(args, ref, other, ctx)
                if why == compare.UNSPECIFIED:
                    self.stats["unspecified"] = self.stats.get("unspecified", 0) + 1
                    return END_CASE
                if why and not known_open.tolerated("reply", args, ref, other, ctx):
                    return Divergence("reply", s.name, batch[j], args, ref[0], other[0], why)
            self.tracker.after(roles[j], args, ref[0])
            tx.count(self.stats, roles[j], args, ref)
            history.append(args)
        last = cmds[-1]
        check = compare.check_for(last) if roles[-1] == tx.PLAIN else compare.EXACT
        if check.post:
            ctx = self.ctx(None, case, history)
            ctx.probes = probe_replies if len(cmds) == 1 else {}
            last_replies = {s.name: replies[s.name][-1] for s in self.servers}
            try:
                result = check.post(last, last_replies, self, ctx)
            except (Closed, Timeout) as e:
                return Divergence("closed", "?", batch[-1], last, detail=str(e))
            if result:
                name, why, detail = result
                if name == self.ref.name:
                    raise FuzzerError(f"redis: after {last!r}: {why}")
                ref, other = detail if detail else (None, None)
                if detail is None or not known_open.tolerated("scan", last, ref, other, ctx):
                    return Divergence("scan", name, batch[-1], last, ref, other, why)
        return None

    def exchange(self, cmds, batch):
        """Sends `cmds` to every server (as one pipeline, unless a known-open item cuts it
        for a server) and reads all replies: {server name: [(raw, node), ...]}. The servers
        work at the same time: each gets its next part as soon as it answered the last."""
        plans = {}
        for s in self.servers:
            parts, cur = [], []
            for args in cmds:
                cur.append(args)
                if len(cmds) > 1 and known_open.split_after(args, s):
                    parts.append(cur)
                    cur = []
            if cur:
                parts.append(cur)
            plans[s.name] = parts
        out = {s.name: [] for s in self.servers}
        want = {}
        sent = {s.name: 1 for s in self.servers}
        sel = selectors.DefaultSelector()
        try:
            for s in self.servers:
                c = self.conns[s.name]
                c.send_commands(plans[s.name][0])
                want[s.name] = len(plans[s.name][0])
                sel.register(c.sock, selectors.EVENT_READ, s)
            busy = set(want)
            deadline = time.monotonic() + self.read_timeout
            while busy:
                for s in list(self.servers):
                    if s.name not in busy:
                        continue
                    c = self.conns[s.name]
                    got = out[s.name]
                    while len(got) < want[s.name]:
                        r = c.try_reply()
                        if r is None:
                            break
                        got.append(r)
                    if len(got) == want[s.name]:
                        part = sent[s.name]
                        if part < len(plans[s.name]):
                            c.send_commands(plans[s.name][part])
                            want[s.name] += len(plans[s.name][part])
                            sent[s.name] += 1
                            deadline = time.monotonic() + self.read_timeout
                        else:
                            busy.discard(s.name)
                if not busy:
                    break
                left = deadline - time.monotonic()
                ready = sel.select(timeout=max(0.0, left)) if left > 0 else []
                if not ready:
                    s = next(x for x in self.servers if x.name in busy)
                    return self.lost(s, batch[len(out[s.name])], cmds[len(out[s.name])],
                                     Timeout(f"no reply within {self.read_timeout:.0f} s"))
                for key, _ in ready:
                    s = key.data
                    try:
                        self.conns[s.name].fill()
                    except Closed as e:
                        return self.lost(s, batch[len(out[s.name])], cmds[len(out[s.name])], e)
        finally:
            sel.close()
        return out

    def lost(self, s, index, args, e):
        """The divergence for a server that stopped answering (or Redis doing so: a bug)."""
        if s is self.ref:
            raise FuzzerError(f"redis did not answer {args!r}: {e}")
        if isinstance(e, Timeout):
            return Divergence("noreply", s.name, index, None, detail=str(e))
        kind = "crash" if not s.alive() else "closed"
        detail = str(e)
        if kind == "crash":
            detail += "\n--- server log (tail) ---\n" + s.read_log()[-3000:]
        return Divergence(kind, s.name, index, None, detail=detail)

    def read_n(self, s, n, first_index, first_args):
        c = self.conns[s.name]
        out = []
        for i in range(n):
            try:
                out.append(c.read_reply(self.read_timeout))
            except Timeout as e:
                if s is self.ref:
                    raise FuzzerError(f"redis did not answer {first_args!r}: {e}")
                return Divergence("noreply", s.name, first_index + i, None,
                                  detail=f"no reply within {self.read_timeout:.0f} s ({e})")
            except Closed as e:
                if s is self.ref:
                    raise FuzzerError(f"redis closed the connection: {e}")
                kind = "crash" if not s.alive() else "closed"
                detail = str(e)
                if kind == "crash":
                    detail += "\n--- server log (tail) ---\n" + s.read_log()[-3000:]
                return Divergence(kind, s.name, first_index + i, None, detail=detail)
        return out

    def compare_state(self, case, history):
        try:
            dumps = {s.name: state.dump(self.checker(s)) for s in self.servers}
        except (Closed, Timeout) as e:
            return Divergence("closed", "?", detail=f"reading the state: {e}")
        ref = dumps[self.ref.name]
        for s in self.servers[1:]:
            for db, key, what, a, b in state.diff(ref, dumps[s.name]):
                if what == "encoding" and key in self.random_encoding:
                    continue
                ctx = self.ctx(s.name, case, history)
                if known_open.tolerated("state", None, (what, a), (what, b), ctx):
                    continue
                return Divergence("state", s.name, None, None, a, b,
                                  f"db {db} key {key!r}: {what} differs", what=what,
                                  key=(db, key))
        return None


def fix_indexes(d, case):
    """Fills in the command of a divergence found by index."""
    if d.index is not None and d.args is None and d.index < len(case.cmds):
        d.args = case.cmds[d.index]
    return d

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
from families import acl
import deviations
import known_open
import lua
import notify
import script_check
import state
import subscribers
import tx
from args import DBS
from compare import command_name, items
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
        transaction: there they are only queued); a subscriber's step is alone."""
        out, cur, prev = [], [], None
        roles = self.roles()
        for i, (args, bid) in enumerate(zip(self.cmds, self.batch_ids)):
            if roles[i] == tx.SUB:  # a subscriber's step is a batch of its own
                if cur:
                    out.append(cur)
                out.append([i])
                cur, prev = [], None
                continue
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
                 what=None, key=None, sig=None):
        self.kind = kind
        self.sig = sig
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
        if self.sig is not None:
            return self.sig
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
        # Keyspace notifications (notify.py): a subscriber per server, numbered sentinels.
        self.notifiers = {}
        self.tokens = 0
        # The pub/sub family's subscriber connections of the case: (server name, k) -> Conn.
        self.subs = {}
        self.case_resp = 2

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
        n = self.notifiers.pop(s.name, None)
        if n:
            n.conn.close()
        for key in [key for key in self.subs if key[0] == s.name]:
            self.subs.pop(key).close()

    def token(self):
        """The next sentinel (one for all servers: pattern subscribers receive it too)."""
        self.tokens += 1
        return b"t%d" % self.tokens

    def notifier(self, s):
        n = self.notifiers.get(s.name)
        if n is None:
            n = notify.Subscriber(s, READ_TIMEOUT)
            self.notifiers[s.name] = n
        return n

    def release(self):
        """Ends this runner's subscriptions (confirmed): before another runner (the
        shrinker's) uses the servers, whose PUBSUB answers would count them."""
        self.close_subs()
        for n in self.notifiers.values():
            n.close()
        self.notifiers = {}

    def reset(self, resp):
        """Fresh state on every server and a new fuzz connection speaking `resp` (the
        servers' resets sent first, then read: they work at the same time)."""
        self.close_subs()
        pending = {}
        try:
            for s in self.servers:
                if s.alive():
                    pending[s.name] = self.reset_send(s)
        except (Closed, Timeout, OSError):
            pending = {}
        for s in self.servers:
            if s.name in pending:
                try:
                    self.reset_finish(s, resp, pending[s.name])
                    continue
                except (Closed, Timeout, OSError):
                    self.drop(s)
            self.reset_one(s, resp)

    def reset_send(self, s):
        """Sends a server's reset in one write on its checker connection: FLUSHALL, the
        default limits and the notification classes, the script and function reset, and a
        notification sentinel (the subscriber is read up to it: nothing of an earlier case
        is left in it)."""
        old = self.conns.pop(s.name, None)
        if old:
            old.close()
        ch = self.checker(s)
        self.notifier(s)
        tok = self.token()
        cmds = [[b"FLUSHALL"], [*RESTORE, b"notify-keyspace-events", notify.FLAGS],
                *lua.RESET, *acl.RESET, [b"PUBLISH", notify.SENTINEL, tok]]
        ch.send_commands(cmds)
        return ch, tok, cmds

    def reset_finish(self, s, resp, pending):
        ch, tok, cmds = pending
        for args in cmds:
            raw, node = ch.read_reply()
            if node.is_error():
                raise FuzzerError(f"{s.name}: {args[:2]!r} failed: {raw!r}")
        try:
            self.notifier(s).read_raw(tok, READ_TIMEOUT)
        except (Closed, Timeout, OSError):  # lost or cut off: a new one, read up to a sentinel
            n = self.notifiers.pop(s.name, None)
            if n:
                n.conn.close()
            self.drain_notifier(s, ch)
        c = s.connect(timeout=READ_TIMEOUT)
        if resp == 3:
            raw, node = c.call(b"HELLO", b"3")
            if node.is_error():
                raise FuzzerError(f"{s.name}: HELLO 3 failed: {raw!r}")
        self.conns[s.name] = c

    def reset_one(self, s, resp):
        if not s.alive():
            self.drop(s)
            s.restart()
        try:
            self.reset_finish(s, resp, self.reset_send(s))
        except (Closed, Timeout, OSError):
            self.drop(s)
            if s.alive():
                raise
            s.restart()
            return self.reset_one(s, resp)

    def drain_notifier(self, s, conn):
        """Reads the notification subscriber of s up to a new sentinel PUBLISHed on `conn`;
        returns the events (a subscriber that was lost or cut off is replaced)."""
        for attempt in (0, 1):
            tok = self.token()
            try:
                n = self.notifier(s)
                conn.call(b"PUBLISH", notify.SENTINEL, tok)
                return n.read_until(tok, READ_TIMEOUT)
            except (Closed, Timeout, OSError):
                old = self.notifiers.pop(s.name, None)
                if old:
                    old.conn.close()
                if attempt:
                    raise
        return []

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
        try:
            return self._run_case(case)
        finally:
            self.close_subs()

    def _run_case(self, case):
        self.reset(case.resp)
        self.random_encoding = set()
        self.roles = case.roles()
        self.tracker = tx.Tracker()
        self.case_resp = case.resp
        # Notifications: whether a transaction is open after each command (no sentinel
        # then), the first command whose events are not read yet, the replies since (for
        # known_open), and the expired events of the case (compared at its end).
        sim = tx.Sim()
        self.open_after = []
        for args in case.cmds:
            sim.step(args)
            self.open_after.append(sim.open)
        self.ev_from = 0
        self.sub_from = 0  # the first command whose messages the subscribers were not read for
        self.span = {s.name: [] for s in self.servers}
        self.expired = {s.name: [] for s in self.servers}
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
        if self.ev_from < len(case.cmds):  # the case ended inside MULTI: events since then
            tok = self.token()
            sentinel = {s.name: self.call_quiet(s.name, [b"PUBLISH", notify.SENTINEL, tok])
                        for s in self.servers}
            d = self.check_events(case, len(case.cmds) - 1, tok, sentinel, history)
            if d:
                return d
        d = self.sync_subs(case, len(case.cmds) - 1)
        if d:
            return d
        d = self.compare_state(case, history)
        if d:
            return d
        return self.compare_expired(case, history)

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
        if self.roles[batch[0]] == tx.SUB:
            return self.run_sub_step(case, batch[0], history)
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
        # The notification sentinel goes in the same write, unless a transaction stays
        # open (it would be queued): then the events are read after a later batch.
        tok = None if self.open_after[batch[-1]] else self.token()
        extra = [[b"PUBLISH", notify.SENTINEL, tok]] if tok else []
        replies = self.exchange(cmds + extra, batch + [batch[-1]] * len(extra))
        if isinstance(replies, Divergence):
            return replies
        sentinel = {name: got.pop() for name, got in replies.items()} if tok else None
        for s in self.servers:
            self.span[s.name] += [(args, got[0]) for args, got in zip(cmds, replies[s.name])]
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
            if (len(args) > 2 and args[1] in self.random_encoding
                    and command_name(args) in (b"RENAME", b"RENAMENX", b"COPY")):
                self.random_encoding.add(args[2])  # the random encoding goes with the value
            tx.count(self.stats, roles[j], args, ref)
            history.append(args)
        if tok:
            d = self.check_events(case, batch[-1], tok, sentinel, history)
            if d:
                return d
        last = cmds[-1]
        check = compare.check_for(last) if roles[-1] == tx.PLAIN else compare.EXACT
        if check.post:
            # Subscribers are read before the post step (what it writes is not compared).
            d = self.sync_subs(case, batch[-1])
            if d:
                return d
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
            # What the post step itself published (SPOP's re-sync writes to Cinnabar only)
            # is not compared: read past it (expired events kept).
            try:
                for s in self.servers:
                    self.expired[s.name] += notify.split(
                        self.drain_notifier(s, self.conns[s.name]))[1]
                self.sync_subs(case, batch[-1], compare_streams=False)
            except (Closed, Timeout) as e:
                return Divergence("closed", "?", batch[-1], last, detail=str(e))
        return None

    # --- keyspace notifications -----------------------------------------------------
    def check_events(self, case, last, tok, sentinel, history):
        """Reads every server's notification subscriber up to the sentinel `tok` and compares
        the events of the commands since the last sentinel (up to index `last`)."""
        raws, got = {}, {}
        for s in self.servers:
            try:
                raws[s.name] = raw = self.notifier(s).read_raw(tok, self.read_timeout)
            except (Timeout, Closed) as e:
                if s is self.ref:
                    raise FuzzerError(f"redis: the notification subscriber: {e}")
                kind = "noreply" if isinstance(e, Timeout) else (
                    "crash" if not s.alive() else "closed")
                return Divergence(kind, s.name, last, case.cmds[last],
                                  detail=f"the notification subscriber: {e}")
            if b"expired" in raw:  # parsed only when it may hold expired events
                got[s.name], later = notify.split(notify.parse_events(raw))
                self.expired[s.name] += later
        first, self.ev_from = self.ev_from, last + 1
        span = self.span
        self.span = {s.name: [] for s in self.servers}
        self.stats["events"] = self.stats.get("events", 0) + notify.count(raws[self.ref.name])
        cmds = [case.cmds[i] for i in range(first, last + 1) if self.roles[i] != tx.SUB]
        where = (f"command {last + 1}" if first == last
                 else f"commands {first + 1}-{last + 1}")
        for s in self.servers[1:]:
            if sentinel[s.name][0] != sentinel[self.ref.name][0]:
                return Divergence("events", s.name, last, case.cmds[last],
                                  sentinel[self.ref.name][0], sentinel[s.name][0],
                                  f"the notification sentinel's PUBLISH (after {where}) reached "
                                  "another number of receivers", sig=("events", "sentinel"))
        if all(raws[s.name] == raws[self.ref.name] for s in self.servers[1:]):
            return None  # the same bytes: the same events
        for s in self.servers:
            if s.name not in got:
                got[s.name] = notify.parse_events(raws[s.name])
        ref = got[self.ref.name]
        for s in self.servers[1:]:
            if raws[s.name] == raws[self.ref.name]:
                continue
            d = notify.diff(ref, got[s.name])
            if d is None:
                continue
            why, sig, at = d
            ctx = self.ctx(s.name, case, history)
            ctx.span = [(args, r, o) for (args, r), (_, o)
                        in zip(span[self.ref.name], span[s.name])]
            ctx.threads = s.threads
            if known_open.tolerated("events", cmds, ref, got[s.name], ctx):
                continue
            return Divergence("events", s.name, last, case.cmds[last], notify.text(ref, at),
                              notify.text(got[s.name], at),
                              f"keyspace notifications of {where} differ: {why}",
                              sig=("events",) + sig)
        return None

    def settle_expired(self, s):
        """Makes s expire every key that is due (a full SCAN of the fuzzer's databases
        expires what it meets, in Redis and in Cinnabar) and returns the expired events
        received up to a sentinel after that."""
        ch = self.checker(s)
        cmds = []
        for db in DBS:
            cmds += [[b"SELECT", str(db).encode()], [b"SCAN", b"0", b"COUNT", b"100000"]]
        ch.send_commands(cmds)
        for i, db in enumerate(DBS):
            ch.read_reply()
            _, node = ch.read_reply()
            cursor = (items(node) or [None])[0]
            while cursor is not None and cursor.value not in (None, b"0"):
                _, node = ch.call(b"SCAN", cursor.value, b"COUNT", b"100000")
                cursor = (items(node) or [None])[0]
        return notify.split(self.drain_notifier(s, ch))[1]

    def compare_expired(self, case, history):
        """The case's expired events as multisets (notify.py: not after a flush)."""
        mode = notify.expiry_mode(history)
        try:
            for s in self.servers:
                self.expired[s.name] += self.settle_expired(s)
        except (Closed, Timeout) as e:
            return Divergence("closed", "?", detail=f"settling expiry: {e}")
        if mode == "skip":
            return None
        ref = self.expired[self.ref.name]
        self.stats["expired_events"] = self.stats.get("expired_events", 0) + len(ref)
        for s in self.servers[1:]:
            why = notify.multiset_diff(ref, self.expired[s.name], keys_only=mode == "keys")
            if why:
                return Divergence("events", s.name, None, None, notify.text(sorted(ref)),
                                  notify.text(sorted(self.expired[s.name])), why,
                                  sig=("events", "expired"))
        return None

    def scenario_events(self, s):
        """After a two-client scenario ran on s (alone, from its reset): its events up to a
        sentinel (PUBLISHed by the checker connection once every client had its replies),
        as (ordered, expired)."""
        return notify.split(self.drain_notifier(s, self.checker(s)))

    def compare_scenario_events(self, events, commands, blocking=None):
        """A two-client scenario's events ({server: (ordered, expired)}, the expired ones
        after settle_expired) against Redis's: a Divergence or None."""
        ref, ref_later = events[self.ref.name]
        self.stats["events"] = self.stats.get("events", 0) + len(ref)
        mode = notify.expiry_mode(commands)
        for s in self.servers[1:]:
            other, later = events[s.name]
            d = notify.diff(ref, other)
            if d:
                why, sig, at = d
                if blocking is not None and deviations.blocked_move_events_ok(
                        blocking, s.threads, ref, other):
                    self.stats["dev_blocked_move"] = self.stats.get("dev_blocked_move", 0) + 1
                else:
                    ctx = compare.Ctx(s.name, self.ref.name, 2, [])
                    ctx.span, ctx.threads = [], s.threads
                    if not known_open.tolerated("events", commands, ref, other, ctx):
                        return Divergence("events", s.name, None, None, notify.text(ref, at),
                                          notify.text(other, at),
                                          f"keyspace notifications differ: {why}",
                                          sig=("events",) + sig)
            if mode != "skip":
                if s is self.servers[1]:
                    self.stats["expired_events"] = (self.stats.get("expired_events", 0)
                                                    + len(ref_later))
                why = notify.multiset_diff(ref_later, later, keys_only=mode == "keys")
                if why:
                    return Divergence("events", s.name, None, None,
                                      notify.text(sorted(ref_later)), notify.text(sorted(later)),
                                      why, sig=("events", "expired"))
        return None

    # --- the pub/sub family's subscribers -------------------------------------------
    def sub_conn(self, s, k):
        c = self.subs.get((s.name, k))
        if c is None:
            c = s.connect(timeout=READ_TIMEOUT)
            if subscribers.resp_of(k, self.case_resp) == 3:
                c.call(b"HELLO", b"3")
            self.subs[(s.name, k)] = c
        return c

    def close_subs(self):
        """RESET (its subscriptions end, confirmed) and close every subscriber."""
        for c in self.subs.values():
            try:
                c.send(encode([b"RESET"]))
                while True:
                    _, node = c.read_reply(3.0)
                    if node.kind == "+" and node.value == b"RESET":
                        break
            except (Closed, Timeout, OSError):
                pass
            c.close()
        self.subs = {}

    def read_sub(self, s, c, tok, index, args, who):
        """The bytes subscriber connection c of s received before the answer to PING tok."""
        marker = b"$%d\r\n%s\r\n" % (len(tok), tok)
        deadline = time.monotonic() + self.read_timeout
        start = 0
        while True:
            at = c.buf.find(marker, start)
            if at >= 0:
                raw = bytes(c.buf[:at])
                del c.buf[:at + len(marker)]
                if raw.endswith(subscribers.PONG_HEAD):  # ["pong", tok] in a RESP2 subscriber
                    raw = raw[:-len(subscribers.PONG_HEAD)]
                return raw
            start = max(0, len(c.buf) - len(marker))
            try:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Timeout(f"no answer to PING {tok!r} within {self.read_timeout:.0f} s; "
                                  f"have {bytes(c.buf[:200])!r}")
                c.fill(left)
            except (Timeout, Closed) as e:
                if s is self.ref:
                    raise FuzzerError(f"redis: {who}: {e}")
                kind = "noreply" if isinstance(e, Timeout) else (
                    "crash" if not s.alive() else "closed")
                detail = f"{who}: {e}"
                if kind == "crash":
                    detail += "\n--- server log (tail) ---\n" + s.read_log()[-3000:]
                return Divergence(kind, s.name, index, args, detail=detail)

    def catch_up(self, got, k, index, args):
        """known_open.late_delivery: a subscriber of a server that received less than Redis's
        is read again (PING, a second at most) until it has as many items."""
        def count(raw):
            return sum(1 for _, n in subscribers.split(raw) if not subscribers.is_async(n))
        want = None
        for s in self.servers[1:]:
            if got[s.name] == got[self.ref.name]:
                continue
            if want is None:
                want = count(got[self.ref.name])
            if count(got[s.name]) >= want or not known_open.late_delivery(s):
                continue
            deadline = time.monotonic() + 1.0
            while count(got[s.name]) < want and time.monotonic() < deadline:
                time.sleep(0.001)
                tok = self.token()
                c = self.subs[(s.name, k)]
                c.send(encode([b"PING", tok]))
                r = self.read_sub(s, c, tok, index, args, f"subscriber {k}")
                if isinstance(r, Divergence):
                    return r
                got[s.name] += r
        return None

    def compare_sub(self, got, k, index, args, step, where=""):
        """Compares what subscriber k received on every server (bytes) with Redis's."""
        d = self.catch_up(got, k, index, args)
        if d:
            return d
        ref = subscribers.split(got[self.ref.name])
        self.stats["sub_items"] = self.stats.get("sub_items", 0) + len(ref)
        unsub_all = step is not None and subscribers.unsub_all(step)
        a = None
        resp = subscribers.resp_of(k, self.case_resp)
        for s in self.servers[1:]:
            if got[s.name] == got[self.ref.name]:
                continue
            other = subscribers.split(got[s.name])
            if a is None:
                a = subscribers.canonical([n for _, n in ref], unsub_all)
            b = subscribers.canonical([n for _, n in other], unsub_all)
            if a == b:
                continue
            ctx = compare.Ctx(s.name, self.ref.name, resp, [])
            ctx.threads = s.threads
            if known_open.tolerated("pubsub", args,
                                    [n for _, n in ref if not subscribers.is_async(n)],
                                    [n for _, n in other if not subscribers.is_async(n)], ctx):
                continue
            at = subscribers.first_difference(a, b)
            what = (f"subscriber {k} (RESP{resp}): the replies to its step and what it "
                    f"received with them differ" if step is not None else
                    f"subscriber {k} (RESP{resp}): the messages it received with {where} "
                    "differ")
            name = command_name(step[1:]) if step is not None and len(step) > 1 else b"sync"
            return Divergence("pubsub", s.name, index, args,
                              subscribers.stream_text([r for r, _ in ref], around=at),
                              subscribers.stream_text([r for r, _ in other], around=at),
                              f"{what} (from item {at + 1} on)", sig=("pubsub", k, name))
        return None

    def sync_subs(self, case, index, compare_streams=True):
        """PING <token> to every open subscriber and compares what each received before the
        answer (the messages of the commands since the last sync, up to `index`)."""
        ks = sorted({k for _, k in self.subs})
        first, self.sub_from = self.sub_from, index + 1
        if not ks:
            return None
        tok = self.token()
        try:
            for s in self.servers:
                for k in ks:
                    c = self.subs.get((s.name, k))
                    if c is not None:
                        c.send(encode([b"PING", tok]))
        except OSError as e:
            return Divergence("closed", "?", index, case.cmds[index], detail=str(e))
        for k in ks:
            got = {}
            for s in self.servers:
                c = self.subs.get((s.name, k))
                if c is None:
                    got[s.name] = b""
                    continue
                r = self.read_sub(s, c, tok, index, case.cmds[index], f"subscriber {k}")
                if isinstance(r, Divergence):
                    return r
                got[s.name] = r
            if compare_streams:
                where = (f"command {index + 1}" if first >= index
                         else f"commands {first + 1}-{index + 1}")
                d = self.compare_sub(got, k, index, case.cmds[index], None, where)
            else:
                d = self.catch_up(got, k, index, case.cmds[index])
            if d:
                return d
        return None

    def run_sub_step(self, case, i, history):
        """A subscriber's step: its command and PING <token> in one write, on every server;
        what came back compared; then the other subscribers synced."""
        args = case.cmds[i]
        k = subscribers.marker(args)
        cmd = args[1:]
        if not cmd:
            return None  # an argument-less marker (left by the shrinker): nothing to send
        if i > 0:
            # Everything published so far reaches the subscribers before the step is sent.
            d = self.sync_subs(case, i - 1)
            if d:
                return d
        tok = self.token()
        for s in self.servers:
            try:
                c = self.sub_conn(s, k)
                c.send_commands([cmd, [b"PING", tok]])
            except (Closed, Timeout, OSError) as e:
                if s is self.ref:
                    raise FuzzerError(f"redis: subscriber {k}: {e}")
                return Divergence("crash" if not s.alive() else "closed", s.name, i, args,
                                  detail=f"subscriber {k}: {e}")
        got = {}
        for s in self.servers:
            r = self.read_sub(s, self.subs[(s.name, k)], tok, i, args, f"subscriber {k}")
            if isinstance(r, Divergence):
                return r
            got[s.name] = r
        self.stats["commands"] = self.stats.get("commands", 0) + 1
        self.stats["sub_steps"] = self.stats.get("sub_steps", 0) + 1
        history.append(args)
        self.sub_from = i  # the others are read at the next sync (a step may publish)
        return self.compare_sub(got, k, i, args, args)

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

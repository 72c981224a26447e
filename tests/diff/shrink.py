"""Shrinking a failing case to a minimal reproducer: delta debugging over its commands, then
dropping arguments one at a time, each candidate replayed from a fresh state (FLUSHALL,
SELECT 0, default limits) in the same RESP version and pipelining mode, against Redis and
the one Cinnabar that diverged. A candidate counts if it shows the same kind of divergence
on the same command (Divergence.signature)."""
import time

from runner import FuzzerError, Runner, fix_indexes


def shrink(runner, servers, case, d, seconds):
    bad = next(s for s in servers if s.name == d.server) if d.server != "?" else None
    pair = [servers[0]] + ([bad] if bad else servers[1:])
    r = Runner(pair, {})
    # Replies come in milliseconds; a replay that lost one need not wait 15 s to say so.
    r.read_timeout = 3.0
    sig = d.signature()
    deadline = time.monotonic() + seconds
    runs = [0]

    def fails(c):
        if time.monotonic() > deadline or not c.cmds:
            return None
        runs[0] += 1
        try:
            got = r.run_case(c)
        except FuzzerError:
            return None
        if got is None:
            return None
        fix_indexes(got, c)
        return got if got.signature() == sig else None

    best_case, best = case, d
    if fails(case) is None:
        # Not reproducible on a fresh state with only these two servers (a random command
        # or timing); report it as found.
        best.detail += "  [did not reproduce on replay; shown unshrunk]"
        close(r)
        return best_case, best

    # Delta debugging over the commands (complements of ever smaller chunks).
    cur = list(range(len(case.cmds)))
    n = 2
    while len(cur) >= 2 and time.monotonic() < deadline:
        size = max(1, len(cur) // n)
        chunks = [cur[i:i + size] for i in range(0, len(cur), size)]
        for chunk in chunks:
            keep = [i for i in cur if i not in chunk]
            got = fails(case.subset(keep))
            if got:
                cur, best, best_case = keep, got, case.subset(keep)
                n = max(n - 1, 2)
                break
        else:
            if n >= len(cur):
                break
            n = min(len(cur), n * 2)
    # One at a time, to be 1-minimal.
    i = 0
    while i < len(cur) and time.monotonic() < deadline:
        keep = cur[:i] + cur[i + 1:]
        got = fails(case.subset(keep))
        if got:
            cur, best, best_case = keep, got, case.subset(keep)
        else:
            i += 1
    # Fewer arguments, then shorter ones.
    cmds = [list(c) for c in best_case.cmds]
    for ci in range(len(cmds)):
        j = len(cmds[ci]) - 1
        while j >= 1 and time.monotonic() < deadline:
            trial = [list(c) for c in cmds]
            del trial[ci][j]
            got = fails(best_case.with_cmds(trial))
            if got:
                cmds, best = trial, got
            j -= 1
        for j in range(1, len(cmds[ci])):
            if len(cmds[ci][j]) > 8 and time.monotonic() < deadline:
                for shorter in (cmds[ci][j][:1] * 8, cmds[ci][j][:1] * 65):
                    if len(shorter) >= len(cmds[ci][j]):
                        continue
                    trial = [list(c) for c in cmds]
                    trial[ci][j] = shorter
                    got = fails(best_case.with_cmds(trial))
                    if got:
                        cmds, best = trial, got
                        break
    best_case = best_case.with_cmds(cmds)
    # Does it depend on the mode? (Told, not changed: the reproducer keeps its mode.)
    notes = []
    for label, variant in (("sequentially", _variant(best_case, pipelined=False)),
                           ("in the other RESP version", _variant(best_case, flip_resp=True))):
        if variant is not None:
            got = fails(variant)
            notes.append(f"{'also' if got else 'not'} {label}")
            if (got and label == "sequentially" and best.kind in ("events", "pubsub")
                    and got.index is not None and got.args is not None):
                # Sequentially, the events are read after each command: the one they are of.
                notes[-1] += (f" (there: after command {got.index + 1}, "
                              f"{got.args[0].decode(errors='replace')})")
    best.detail += f"  [shrunk in {runs[0]} replays; diverges {', '.join(notes)}]"
    close(r)
    return best_case, best


def _variant(case, pipelined=True, flip_resp=False):
    from runner import Case
    if not pipelined and not case.pipelined and not flip_resp:
        return None
    ids = list(range(len(case.cmds))) if not pipelined else case.batch_ids
    resp = (5 - case.resp) if flip_resp else case.resp
    return Case(case.cmds, ids, resp, case.pipelined and pipelined, case.label)


def close(r):
    r.release()
    for c in list(r.conns.values()) + list(r.checkers.values()):
        c.close()

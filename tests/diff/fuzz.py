"""The differential fuzzer's main loop (entry point: tests/diff/run)."""
import argparse
import os
import random
import signal
import sys
import time

import known_open
import report
import scenarios
import shrink
from gen import Generator
from runner import FuzzerError, Runner, fix_indexes
from servers import REDIS_BIN, Server, shapes_for_seed

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def parse_args(argv):
    p = argparse.ArgumentParser(
        prog="tests/diff/run",
        description="Differential fuzzer: random command sequences against Debian's "
                    "redis-server and Cinnabar (threads 1 and 4), replies and state compared.")
    p.add_argument("--seconds", type=float, default=60, help="how long to fuzz (default 60)")
    p.add_argument("--seed", type=int, default=None, help="the run's seed (default: random)")
    p.add_argument("--server-bin", default=os.path.join(ROOT, "build/release/cinnabar-server"))
    p.add_argument("--redis-bin", default=REDIS_BIN)
    p.add_argument("--threads", default="1,4",
                   help="Cinnabar thread counts to compare, comma-separated (default 1,4)")
    p.add_argument("--cases", type=int, default=0, help="stop after this many cases")
    p.add_argument("--scenario-every", type=int, default=8,
                   help="every Nth case is a two-client scenario, blocking or WATCH (0: none)")
    p.add_argument("--no-shrink", action="store_true", help="report the divergence unshrunk")
    p.add_argument("--shrink-seconds", type=float, default=120)
    p.add_argument("--keep-going", action="store_true",
                   help="after a divergence, report it and carry on (exit status still 1)")
    p.add_argument("--pending", action="store_true",
                   help="put known_open.PENDING in effect (reported divergences, not triaged)")
    p.add_argument("-v", "--verbose", action="store_true")
    return p.parse_args(argv)


def _stop_on_signal(signum, frame):
    raise SystemExit(128 + signum)  # unwinds through main's finally: servers stop


def main(argv=None):
    opts = parse_args(argv if argv is not None else sys.argv[1:])
    signal.signal(signal.SIGTERM, _stop_on_signal)
    seed = opts.seed if opts.seed is not None else random.SystemRandom().randrange(1 << 31)
    if opts.pending:
        known_open.enable_pending()
    print(f"diff fuzzer: seed {seed} (re-run: tests/diff/run --seed {seed} "
          f"--seconds {opts.seconds:g})", flush=True)
    threads = [int(t) for t in opts.threads.split(",") if t]
    servers = [Server("redis", "redis", opts.redis_bin)]
    servers += shapes_for_seed(seed, opts.server_bin, threads)
    for s in servers:
        s.start()
        print(f"  {s.describe()} on port {s.port}", flush=True)
    stats = {}
    runner = Runner(servers, stats)
    rng = random.Random(seed)
    gen = Generator(rng)
    failures = 0
    start = time.monotonic()
    deadline = start + opts.seconds
    n = 0
    try:
        while time.monotonic() < deadline and (not opts.cases or n < opts.cases):
            n += 1
            if opts.scenario_every and n % opts.scenario_every == 0:
                sc = scenarios.make(rng)
                try:
                    d = sc.run(runner)
                except FuzzerError as e:
                    print(f"FUZZER ERROR (a bug in tests/diff, not in the server): {e}",
                          flush=True)
                    failures += 1
                    break
                if d:
                    failures += 1
                    if hasattr(sc, "shrink") and not opts.no_shrink:
                        print(f"case {n}: divergence ({d.kind} on {d.server}) in a two-client "
                              f"scenario; shrinking {len(sc.steps)} steps...", flush=True)
                        runner.release()  # the shrinker's PUBSUB must not count ours
                        sc, d = sc.shrink(servers, d, opts.shrink_seconds)
                    print(scenarios.divergence_text(d, sc, servers, seed), flush=True)
                    if not opts.keep_going:
                        break
                continue
            case = gen.case()
            try:
                d = runner.run_case(case)
            except FuzzerError as e:
                print(f"FUZZER ERROR (a bug in tests/diff, not in the server): {e}\n"
                      f"case {n} ({case.mode()}):\n{report.case_text(case)}", flush=True)
                failures += 1
                break
            if d is None:
                continue
            fix_indexes(d, case)
            failures += 1
            if opts.verbose:
                print(report.divergence_text(d, case, servers, seed), flush=True)
            if not opts.no_shrink:
                print(f"case {n}: divergence ({d.kind} on {d.server}); shrinking "
                      f"{len(case.cmds)} commands...", flush=True)
                runner.release()
                case, d = shrink.shrink(runner, servers, case, d, opts.shrink_seconds)
            print(report.divergence_text(d, case, servers, seed), flush=True)
            if not opts.keep_going:
                break
    finally:
        elapsed = time.monotonic() - start
        for s in servers:
            s.stop()
    cmds = stats.get("commands", 0)
    print(f"diff fuzzer: seed {seed}: {n} cases, {cmds} commands compared in {elapsed:.1f} s "
          f"({cmds / max(elapsed, 1e-9):.0f}/s), {stats.get('scenarios', 0)} two-client "
          f"scenarios, {failures} divergence(s)")
    print(f"  transactions: EXEC ran {stats.get('exec_ran', 0)}, refused by WATCH "
          f"{stats.get('exec_refused', 0)}, aborted {stats.get('exec_aborted', 0)} "
          f"(Redis's answers, threads 1 and 4 compared with each)")
    print(f"  scripts: {stats.get('scripts', 0)} EVAL/EVALSHA/FCALL sent (+_RO), "
          f"{stats.get('script_errors', 0)} answered an error by Redis")
    print(f"  notifications: {stats.get('events', 0)} keyspace events compared in order, "
          f"{stats.get('expired_events', 0)} expired ones as multisets (Redis's counts); "
          f"pub/sub: {stats.get('sub_steps', 0)} subscriber steps, "
          f"{stats.get('sub_items', 0)} replies and messages received by subscribers compared")
    if stats.get("dev_blocked_move"):
        print(f"  deviations.py: blocked BLMOVE/BRPOPLPUSH events across shards accepted "
              f"{stats['dev_blocked_move']}x")
    if known_open.hits:
        print("known-open items hit (tests/diff/known_open.py, temporary):")
        for item in known_open.ITEMS:
            if item.id in known_open.hits:
                print(f"  {item.id} ({item.owner}): {known_open.hits[item.id]}x — {item.text}")
    return 1 if failures else 0

"""redis-cli's keyspace surveys: --bigkeys, --memkeys and --hotkeys name the same keys as
against Redis.

redis-cli walks the keyspace with SCAN, asks TYPE of every key it got, then the type's size
(STRLEN, LLEN, HLEN, SCARD, ZCARD), MEMORY USAGE <key> SAMPLES 0 (--memkeys) or OBJECT FREQ
(--hotkeys), and prints a summary whose lines are parsed here:

    Biggest   list found '"l:many"' has 300 items
    2 lists with 305 items (…% of keys, avg size …)
    hot key found with counter: 17	keyname: "hot"
"""
import os
import re
import shutil
import subprocess

import pytest

CLI = shutil.which("redis-cli") or "/usr/bin/redis-cli"
pytestmark = pytest.mark.skipif(not os.access(CLI, os.X_OK), reason="redis-cli is missing")

BIGGEST = re.compile(r"^Biggest\s+(\S+) found '\"(.*)\"' has (\d+) (\S+)$", re.M)
PER_TYPE = re.compile(r"^(\d+) (\S+?)s with (\d+) (\S+) \(", re.M)
HOT = re.compile(r"^hot key found with counter: (\d+)\tkeyname: \"(.*)\"$", re.M)

MANY = 300  # elements of the *:many keys: the most of their type, each a few bytes
FAT = 5  # elements of the *:fat keys: the fewest, but each FAT_BYTES
FAT_BYTES = 10_000
PADDING = 100  # one-byte strings, so that SCAN takes several calls


def run_cli(server, *args):
    r = subprocess.run([CLI, "-h", server.host, "-p", str(server.port), *args],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "ERROR" not in r.stdout + r.stderr, r.stdout + r.stderr
    return r.stdout


def biggest(out):
    """{type: (key, size, unit)} from the summary's `Biggest` lines."""
    return {kind: (key, int(n), unit) for kind, key, n, unit in BIGGEST.findall(out)}


def per_type(out):
    """{type: (keys, total size)} from the summary's per-type lines."""
    return {kind: (int(keys), int(size)) for keys, kind, size, _ in PER_TYPE.findall(out)}


def fill(c):
    """Per type one key with the most elements (*:many) and one, of few elements, taking the
    most memory (*:fat); strings: one long and one short."""
    fat = [b"%d" % i + b"x" * FAT_BYTES for i in range(FAT)]
    p = c.pipeline(transaction=False)
    p.set("s:long", "x" * 50_000)
    p.set("s:short", "x" * 10)
    p.rpush("l:many", *[f"{i}" for i in range(MANY)])
    p.rpush("l:fat", *fat)
    p.hset("h:many", mapping={f"f{i}": "v" for i in range(MANY)})
    p.hset("h:fat", mapping={f"f{i}": v for i, v in enumerate(fat)})
    p.sadd("st:many", *[f"m{i}" for i in range(MANY)])
    p.sadd("st:fat", *fat)
    p.zadd("z:many", {f"m{i}": i for i in range(MANY)})
    p.zadd("z:fat", {v: i for i, v in enumerate(fat)})
    for i in range(PADDING):
        p.set(f"pad:{i}", "p")
    p.execute()


def test_bigkeys_names_the_key_with_most_elements_of_each_type(server, r):
    fill(r)
    out = run_cli(server, "--bigkeys")
    assert biggest(out) == {
        "string": ("s:long", 50_000, "bytes"),
        "list": ("l:many", MANY, "items"),
        "hash": ("h:many", MANY, "fields"),
        "set": ("st:many", MANY, "members"),
        "zset": ("z:many", MANY, "members"),
    }, out
    assert f"Sampled {PADDING + 10} keys in the keyspace!" in out, out
    assert per_type(out) == {
        "string": (2 + PADDING, 50_000 + 10 + PADDING),
        "list": (2, MANY + FAT),
        "hash": (2, MANY + FAT),
        "stream": (0, 0),
        "set": (2, MANY + FAT),
        "zset": (2, MANY + FAT),
    }, out


def test_memkeys_names_the_key_taking_most_memory_of_each_type(server, r):
    fill(r)
    out = run_cli(server, "--memkeys")
    found = biggest(out)
    assert {kind: key for kind, (key, _, _) in found.items()} == {
        "string": "s:long", "list": "l:fat", "hash": "h:fat", "set": "st:fat", "zset": "z:fat",
    }, out
    assert all(unit == "bytes" for _, _, unit in found.values()), out
    # MEMORY USAGE counts every element (SAMPLES 0): all FAT values are in the figure.
    for kind, (key, size, _) in found.items():
        assert size >= (50_000 if kind == "string" else FAT * FAT_BYTES), out
        assert size == r.memory_usage(key, samples=0), (key, out)


def test_hotkeys_names_the_most_accessed_key(server, r):
    # Keys written under an LRU policy carry an access time, not a counter, where an LFU
    # policy reads one (in Redis as here): the policy comes first, then the data.
    policy = r.config_get("maxmemory-policy")["maxmemory-policy"]
    r.config_set("maxmemory-policy", "allkeys-lfu")
    try:
        fill(r)
        # Not integers: Redis shares one object among the keys holding a small integer (while
        # maxmemory is 0), and its counter with it.
        r.set("hot", "h")
        r.set("warm", "w")
        p = r.pipeline(transaction=False)
        for _ in range(1000):
            p.get("hot")
        for _ in range(30):
            p.get("warm")
        p.execute()
        out = run_cli(server, "--hotkeys")
        hot_freq = r.object("freq", "hot")
    finally:
        r.config_set("maxmemory-policy", policy)
    hot = [(int(n), key) for n, key in HOT.findall(out.split("-------- summary -------")[-1])]
    assert [key for _, key in hot[:2]] == ["hot", "warm"], out
    assert hot[0][0] > hot[1][0] > max(n for n, _ in hot[2:]), out
    assert hot[0][0] == hot_freq, out


def test_hotkeys_without_an_lfu_policy_is_an_error(server, r):
    policy = r.config_get("maxmemory-policy")["maxmemory-policy"]
    r.config_set("maxmemory-policy", "allkeys-lru")
    try:
        r.set("k", "v")
        proc = subprocess.run([CLI, "-h", server.host, "-p", str(server.port), "--hotkeys"],
                              capture_output=True, text=True, timeout=60)
    finally:
        r.config_set("maxmemory-policy", policy)
    # redis-cli prints OBJECT FREQ's error and exits with status 1.
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "An LFU maxmemory policy is not selected" in proc.stdout + proc.stderr

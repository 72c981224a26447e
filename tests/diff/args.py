"""Argument material for the generator: the key space, adversarial numbers, values and
members, and small helpers the family tables call (`g.key("list")`, `g.int_arg()`, ...).

Everything is bytes. The key space is small so commands collide: a few keys per type, names
that spread over the shards at threads 4 (Cinnabar seeds its key hash per process, so any
dozen names spread), `{t}` keys that share one shard (multi-key commands on them stay
on one shard), and a few odd names (empty, binary)."""
import time

KEYS = {
    "string": [b"str:a", b"str:b", b"str:c", b"{t}str", b"{t}str2"],
    "list": [b"list:a", b"list:b", b"list:c", b"{t}list", b"{t}list2"],
    "hash": [b"hash:a", b"hash:b", b"{t}hash"],
    "set": [b"set:a", b"set:b", b"set:c", b"{t}set", b"{t}set2"],
    "zset": [b"zset:a", b"zset:b", b"zset:c", b"{t}zset", b"{t}zset2"],
}
ODD_KEYS = [b"", b"k\x00\r\nx", b"{t}", b"{}", b"\xff\xfe"]
ALL_KEYS = [k for ks in KEYS.values() for k in ks] + ODD_KEYS

BLOCKING = {b"BLPOP", b"BRPOP", b"BLMOVE", b"BRPOPLPUSH", b"BLMPOP", b"BZPOPMIN",
            b"BZPOPMAX", b"BZMPOP"}

# Databases the sequences use; the state check reads all of them.
DBS = (0, 1, 2)

INT64_MAX = 2**63 - 1
INT64_MIN = -2**63

# Integers at and past the int64 limits, and strings that look almost like integers.
EDGE_INTS = [
    b"0", b"1", b"-1", b"2", b"3", b"10", b"-10", b"100",
    str(INT64_MAX).encode(), str(INT64_MIN).encode(),
    str(INT64_MAX + 1).encode(), str(INT64_MIN - 1).encode(),
    str(INT64_MAX - 1).encode(), str(INT64_MIN + 1).encode(),
    b"18446744073709551615", b"99999999999999999999999",
    b"-0", b"+5", b" 5", b"5 ", b"1e3", b"0x10", b"010", b"1.0", b"1.5",
    b"", b"abc", b"nan", b"inf", b"-inf", b"\x005",
]
EDGE_FLOATS = [
    b"0", b"1", b"-1", b"1.5", b"-2.25", b"0.1", b"3.0e2", b"1e3", b"-1e-3", b"1e308",
    b"1e309", b"-1e309", b"inf", b"-inf", b"+inf", b"Inf", b"INFINITY", b"nan", b"-nan",
    b"+5", b" 5", b"5 ", b"0x10", b"", b"abc", b"1.7976931348623157e308",
    b"4.9e-324", b"123456789012345678901234567890", b"9007199254740993",
    b"0.30000000000000004", b"100000000000000000", b"1e17", b"-0.0", b"5.",
    b".5", b"1_0", b"1,5",
]
# Scores the sorted-set tables use: mostly valid, sometimes not.
SCORES_VALID = [b"0", b"1", b"2", b"-1", b"1.5", b"-2.5", b"10", b"100", b"3.25", b"1e3",
                b"inf", b"-inf", b"+inf", b"-0", b"100000000000000000", b"0.1",
                b"1e-5", b"123456789.123"]

MEMBERS = [b"a", b"b", b"c", b"d", b"e", b"1", b"2", b"3", b"-5", b"10", b"",
           b"x\x00y", b"cr\rlf\n", b"\xff", b"100000", b"9223372036854775807",
           b"9223372036854775808", b"1.5", b"m" * 70]
CORE_MEMBERS = [b"a", b"b", b"c", b"d", b"1", b"2", b"3"]
FIELDS = [b"f1", b"f2", b"f3", b"f4", b"n", b"", b"f\x00\r\n", b"1", b"-1", b"F" * 80]


class Gen:
    """What a family's generator function receives. `rng` is the run's random.Random."""

    def __init__(self, rng):
        self.rng = rng
        # Expiry instants far enough ahead that nothing expires during a run.
        self.now = int(time.time())
        # Set per case: sorted sets whose members share one score (lex ranges need it).
        self.same_scores = False

    # --- choosing -------------------------------------------------------------------
    def chance(self, p):
        return self.rng.random() < p

    def pick(self, seq):
        return self.rng.choice(seq)

    def kw(self, word):
        """A keyword in random case ("withscores" → "WiThScOrES"), mostly upper."""
        if isinstance(word, str):
            word = word.encode()
        r = self.rng.random()
        if r < 0.6:
            return word.upper()
        if r < 0.8:
            return word.lower()
        return bytes(c ^ 0x20 if 0x41 <= (c & ~0x20) <= 0x5a and self.rng.random() < 0.5 else c
                     for c in word)

    # --- keys -----------------------------------------------------------------------
    def key(self, kind=None):
        """Mostly a key of `kind`; sometimes one of another type (WRONGTYPE) or an odd one."""
        r = self.rng.random()
        if kind is None or r < 0.08:
            return self.pick(ALL_KEYS)
        if r < 0.11:
            return self.pick(ODD_KEYS)
        return self.pick(KEYS[kind])

    def keys(self, kind, lo=1, hi=3, tagged=None):
        """Several keys of `kind`; with tagged (or by chance) all `{t}` ones (one shard)."""
        n = self.rng.randint(lo, hi)
        if tagged is None:
            tagged = self.chance(0.3)
        if tagged:
            pool = [k for k in KEYS[kind] if k.startswith(b"{t}")] + [b"{t}other"]
            return [self.pick(pool) for _ in range(n)]
        return [self.key(kind) for _ in range(n)]

    def db(self):
        if self.chance(0.2):
            return self.pick([b"16", b"-1", b"abc", str(INT64_MAX + 1).encode(), b"",
                              b"1.0", b" 1"])
        return self.pick([b"0", b"1", b"2"])

    # --- numbers --------------------------------------------------------------------
    def int_arg(self, lo=-20, hi=20):
        """A small integer mostly, an adversarial one sometimes."""
        if self.chance(0.25):
            return self.pick(EDGE_INTS)
        return str(self.rng.randint(lo, hi)).encode()

    def index(self):
        """A list/string index: small, negative, or at the int64 edges."""
        if self.chance(0.15):
            return self.pick(EDGE_INTS)
        return str(self.rng.randint(-12, 12)).encode()

    def count(self, lo=0, hi=10, bad=0.15, extra=()):
        """A count: mostly in lo..hi; sometimes adversarial (only values Redis rejects or
        that are harmless: never a huge count that would make a server build a huge reply)."""
        if self.chance(bad):
            return self.pick([b"-1", b"abc", b"", b"1.5", b"0x10", b" 5",
                              str(INT64_MAX + 1).encode(), str(INT64_MIN).encode(),
                              *extra])
        return str(self.rng.randint(lo, hi)).encode()

    def float_arg(self):
        if self.chance(0.3):
            return self.pick(EDGE_FLOATS)
        return self.pick([b"0", b"1", b"-1", b"2.5", b"-0.5", b"10", b"0.1", b"3"])

    def score(self):
        if self.same_scores and self.chance(0.9):
            return b"0"
        if self.chance(0.1):
            return self.pick(EDGE_FLOATS)
        if self.chance(0.5):
            return self.pick(SCORES_VALID)
        return str(self.rng.randint(-5, 20)).encode()

    # --- values ---------------------------------------------------------------------
    def value(self):
        """A string value: short, numeric, binary, empty, or long (past 44 / 64 bytes)."""
        r = self.rng.random()
        if r < 0.3:
            return self.pick([b"v", b"hello", b"x", b"", b"abc", b"foo bar"])
        if r < 0.5:
            return self.int_arg(-1000, 1000)
        if r < 0.6:
            return self.pick(EDGE_INTS + EDGE_FLOATS)
        if r < 0.7:
            return self.binary()
        if r < 0.9:
            return self.long_value()
        return self.pick([b"1.5", b"-2.25", b"0.1", b"3e2", b"10.50"])

    def binary(self):
        n = self.rng.randint(1, 12)
        alphabet = b"\x00\r\n\t \xff\x80\"'\\abc{}$*:+-"
        return bytes(self.pick(alphabet) for _ in range(n))

    def long_value(self):
        n = self.pick([44, 45, 63, 64, 65, 100, 200, 1000, self.rng.randint(40, 300)])
        if self.chance(0.05):
            n = self.rng.randint(5000, 20000)
        ch = self.pick(b"abcxyz")
        return bytes([ch]) * n

    def member(self):
        if self.chance(0.5):  # a few members, often hit again
            return self.pick(CORE_MEMBERS)
        if self.chance(0.05):
            return self.long_value()
        if self.chance(0.1):
            return self.int_arg(-100, 100)
        return self.pick(MEMBERS)

    def members(self, lo=1, hi=4):
        """Some members; sometimes many (past the 128-entry listpack limit)."""
        if self.chance(0.04):
            n = self.rng.randint(120, 300)
            if self.chance(0.5):
                return [str(self.rng.randint(0, 1000)).encode() for _ in range(n)]
            return [b"m%d" % self.rng.randint(0, 400) for _ in range(n)]
        return [self.member() for _ in range(self.rng.randint(lo, hi))]

    def field(self):
        if self.chance(0.5):
            return self.pick(FIELDS[:4])
        if self.chance(0.05):
            return self.long_value()
        return self.pick(FIELDS)

    # --- time -----------------------------------------------------------------------
    def seconds(self):
        """A relative expiry in seconds: long (nothing expires during a run), zero or
        negative (deletes at once), or invalid."""
        r = self.rng.random()
        if r < 0.7:
            return str(self.rng.randint(100, 100000)).encode()
        if r < 0.8:
            return self.pick([b"0", b"-1", b"-100"])
        return self.pick([b"abc", b"", b"1.5", str(INT64_MAX).encode(), str(INT64_MIN).encode(),
                          str(INT64_MAX // 1000 + 1).encode(), str(INT64_MAX + 1).encode(),
                          b"9223372036854775", b" 100", b"+100"])

    def millis(self):
        r = self.rng.random()
        if r < 0.7:
            return str(self.rng.randint(100000, 100000000)).encode()
        if r < 0.8:
            return self.pick([b"0", b"-1", b"-100"])
        return self.pick([b"abc", b"", b"1.5", str(INT64_MAX).encode(), str(INT64_MIN).encode(),
                          str(INT64_MAX + 1).encode(), b"+100000"])

    def unix_seconds(self):
        """An absolute expiry: well ahead, in the past (deletes at once), or invalid."""
        r = self.rng.random()
        if r < 0.7:
            return str(self.now + self.rng.randint(1000, 10**7)).encode()
        if r < 0.85:
            return self.pick([b"1", b"100", b"0", b"-1"])
        return self.seconds()

    def unix_millis(self):
        r = self.rng.random()
        if r < 0.7:
            return str(self.now * 1000 + self.rng.randint(10**6, 10**10)).encode()
        if r < 0.85:
            return self.pick([b"1", b"1000", b"0", b"-1"])
        return self.millis()

    def block_timeout(self):
        """A blocking timeout: short (10-50 ms), or one Redis rejects. Never 0 or a long
        one: a sequence has one client, so nothing would ever wake it."""
        if self.chance(0.1):
            return self.pick([b"-1", b"abc", b"", b" 5", b"nan", b"inf", b"-inf",
                              str(INT64_MAX).encode(), b"1e400", b"-0.5"])
        return self.pick([b"0.01", b"0.01", b"0.01", b"0.02", b"0.05", b".01", b"1e-2",
                          b"0.010"])

    # --- patterns -------------------------------------------------------------------
    def pattern(self):
        return self.pick([b"*", b"*", b"str:*", b"*:a", b"{t}*", b"*list*", b"?et:?",
                          b"[sz]set:[a-b]", b"[^s]*", b"h\\ash*", b"*\\", b"[", b"[a-",
                          b"", b"f*", b"*1*", b"m1*", b"a", b"*x*", b"[!a]*", b"\\*"])

    # --- Argument shapes several families share ---

    def scan(self, name, key, cursors=(b"abc", b"-1", b"3", b"")):
        """SSCAN/HSCAN/ZSCAN key cursor [MATCH pattern] [COUNT count] (options repeat)."""
        cursor = b"0" if self.chance(0.9) else self.pick(list(cursors))
        out = [name, key, cursor]
        for _ in range(self.rng.choice([0, 1, 1, 2])):
            if self.chance(0.5):
                out += [self.kw("MATCH"), self.pattern()]
            else:
                out += [self.kw("COUNT"), self.count(1, 20, extra=[b"0"])]
        return out

    def random_members(self, name, key, with_word=None):
        """SRANDMEMBER/HRANDFIELD/ZRANDMEMBER key [count [WITHVALUES|WITHSCORES]]."""
        out = [name, key]
        if self.chance(0.75):
            out.append(self.count(-6, 8, extra=[b"-9223372036854775808"]))
            if with_word and self.chance(0.4):
                out.append(self.kw(with_word))
        return out

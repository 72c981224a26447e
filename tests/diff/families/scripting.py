"""Scripting: EVAL EVALSHA EVAL_RO EVALSHA_RO SCRIPT LOAD/EXISTS/FLUSH. Bodies are small
scripts (lua.py): redis.call and redis.pcall of a command drawn from the other families
(their own generators; its keys become KEYS, its other arguments literals, Lua numbers or
ARGV), returned as they are, through setresp(3), or described on the Lua side; Lua values
of every type returned (tables with nils, fractions, error_reply/status_reply, double, map,
set, big number, verbatim); compile and run-time errors; shebang flags; undeclared keys
(numkeys 0 always, see lua.py); EVAL_RO of writes; SCRIPT LOAD then EVALSHA (also after
SCRIPT FLUSH: NOSCRIPT). Blocks (`block`): a MULTI with scripts inside, or a load, other
commands, and EVALSHA of the loaded body with other keys (at threads 4 its routing is
learned by then). No body uses randomness, the clock or pairs() order unsorted."""
import compare
import known_open
import lua
from compare import upper

FAMILY = "scripting"
# Its single commands may also be drawn into the transactions family's MULTI bodies.
IN_BLOCKS = True

# Families whose commands never go inside a script (ACL is noscript; COMMAND GETKEYSANDFLAGS's
# flags are a RESP3 set, whose order a Lua table does not keep).
SKIP = {"transactions", "scripting", "functions", "acl"}


def start(g):
    """A new case: no scripts known yet (the runner flushed every server's cache)."""
    g.scripts = []


def pool(g):
    if not hasattr(g, "scripts"):
        g.scripts = []
    return g.scripts


def inner(g):
    """(a command of another family, "" / "u" / "p"): one whose reply is compared exactly,
    or unordered (SMEMBERS, HGETALL...); never one with a random or clock-bound reply, nor
    one whose key arguments lua.py cannot tell (no arity mutations here: a dropped key
    shifts a value into its place)."""
    from families import FAMILIES
    tables = [(m, w) for m, w in FAMILIES if m.FAMILY not in SKIP]
    for _ in range(100):
        m = g.rng.choices([m for m, _ in tables], weights=[w for _, w in tables])[0]
        _, _, make = g.rng.choices(m.COMMANDS, weights=[w for _, w, _ in m.COMMANDS])[0]
        cmd = list(make(g))
        if known_open.avoid(cmd) or not lua.keys_known(cmd):
            continue
        check = compare.check_for(cmd)
        if check is compare.EXACT or check is compare.LEX and not check.lex(cmd):
            return [g.kw(cmd[0])] + cmd[1:], ""
        if check is compare.UNORDERED_PAIRS:
            return [g.kw(cmd[0])] + cmd[1:], "p"
        if check is compare.UNORDERED:
            return [g.kw(cmd[0])] + cmd[1:], "u"
    return [b"PING"], ""


def marker(flag):
    return f"\n--fz:{flag}" if flag else ""


def wrapped(g, undeclared=False):
    """A body around one or two inner commands: (body, keys, argv)."""
    for _ in range(20):
        keys, argv = [], []
        cmds = [inner(g) for _ in range(2 if g.chance(0.2) else 1)]
        def call(i, fn="call"):
            return lua.call_expr(g, cmds[i][0], keys, argv, fn, literal_keys=undeclared)
        flag = cmds[-1][1]
        sort = "true" if flag else "false"
        r = g.rng.random()
        if len(cmds) == 2:
            text = (lua.DESCRIBE + f"local a = {call(0, 'pcall')}\nlocal b = {call(1, 'pcall')}\n"
                    f"return {{d(a, {'true' if cmds[0][1] else 'false'}), d(b, {sort})}}")
            if g.chance(0.3):
                text = f"{call(0)}\nreturn {call(1)}{marker(flag)}"
        elif r < 0.3:
            text = f"return {call(0)}{marker(flag)}"
        elif r < 0.45:
            text = f"return {call(0, 'pcall')}{marker(flag)}"
        elif r < 0.6:
            text = f"redis.setresp(3)\nreturn {call(0, g.pick(['call', 'pcall']))}{marker(flag)}"
        elif r < 0.72:
            text = lua.DESCRIBE + f"return d({call(0, 'pcall')}, {sort})"
        elif r < 0.84:
            text = "redis.setresp(3)\n" + lua.DESCRIBE + f"return d({call(0, 'pcall')}, {sort})"
        elif r < 0.88 and not flag:
            text = f"local r = {call(0, 'pcall')}\nreturn {{type(r), r}}"
        elif r < 0.92:
            text = (g.pick(["", "redis.setresp(3)\n"]) + f"local r = {call(0, 'pcall')}\n"
                    "return type(r) == 'table' and #r or r")
        else:
            db = g.pick(["'1'", "'2'", "1", "'0'", "'16'"])
            text = f"redis.call('SELECT', {db})\nreturn {call(0)}{marker(flag)}"
        if undeclared:
            text = f"redis.call('EXISTS', {lua.lit(g.key())})\n" + text
        elif any(upper(c[0]) in lua.ALL_SHARDS for c, _ in cmds):
            continue  # whether it is reached can vary by call: only in undeclared bodies
        return text.encode(), keys, argv
    return b"return 1", [], []


def some_argv(g):
    return [g.value() for _ in range(g.pick([0, 0, 1, 1, 2, 3]))]


def some_keys(g):
    return [g.key() for _ in range(g.pick([0, 0, 1, 1, 2, 3]))]


def returned(g):
    """A body returning a Lua value (every conversion to a reply)."""
    text = "return " + g.pick(lua.RETURNS)
    if g.chance(0.3):
        text = "redis.setresp(3)\n" + text
    return text.encode(), some_keys(g), some_argv(g)


def failing(g):
    """A body that fails: compile errors, run-time errors, commands refused in scripts."""
    text = g.pick(lua.ERRORS)
    if g.chance(0.5):
        keys, argv = [], []
        text = f"{lua.call_expr(g, runtime_error(g), keys, argv)}\n{text}"
        return text.encode(), keys, argv
    return text.encode(), some_keys(g), some_argv(g)


def runtime_error(g):
    """A redis.call that fails on the data (WRONGTYPE, not an integer...), or does not."""
    return g.pick([
        [b"INCR", g.key("list")], [b"LPUSH", g.key("string"), b"x"],
        [b"HSET", g.key("set"), b"f", b"v"], [b"SADD", g.key("zset"), b"m"],
        [b"INCRBY", g.key("string"), b"abc"], [b"GET", g.key("hash")],
        [b"LSET", g.key("list"), b"99", b"x"], [b"ZADD", g.key("zset"), b"nan", b"m"],
        [b"SET", g.key("string"), b"v"], [b"INCR", g.key("string")],
    ])


def shebang(g):
    """A Redis 7 shebang script: flags (no-writes lets EVAL_RO run it), wrong engines."""
    body, keys, argv = wrapped(g) if g.chance(0.7) else returned(g)
    return g.pick(lua.SHEBANGS) + body, keys, argv


def new_body(g, undeclared=None):
    """(body, keys, argv, undeclared) of a new script, remembered for EVALSHA."""
    if undeclared is None:
        undeclared = g.chance(0.15)
    if undeclared:
        body, keys, argv = wrapped(g, undeclared=True)
    else:
        body, keys, argv = g.rng.choices([wrapped, returned, failing, shebang],
                                         weights=[10, 4, 2, 2])[0](g)
    lua.remember(body)
    entry = (body, keys, argv, undeclared)
    pool(g).append(entry)
    return entry


def again(g):
    """A script of this case once more, with other keys and arguments sometimes (a declared
    body takes any keys; an undeclared one none)."""
    body, keys, argv, undeclared = g.pick(pool(g))
    if not undeclared and g.chance(0.5):
        keys = [g.key() if g.chance(0.6) else k for k in keys]
    if g.chance(0.3):
        argv = [g.value() if g.chance(0.5) else a for a in argv]
    return body, keys, argv, undeclared


def call(name, body_or_sha, keys, argv, g, undeclared):
    """EVAL-shaped: name body numkeys keys... args...; a declared body sometimes declares a
    key more (declaring more than a script touches changes nothing)."""
    keys = list(keys)
    if not undeclared and g.chance(0.15):
        keys.append(g.key())
    return [g.kw(name), body_or_sha, str(len(keys)).encode(), *keys, *argv]


def eval_(name="EVAL"):
    def make(g):
        body, keys, argv, undeclared = again(g) if pool(g) and g.chance(0.25) else new_body(g)
        return call(name, body, keys, argv, g, undeclared)
    return make


def eval_ro(g):
    """EVAL_RO: writes refused (a shebang's no-writes is required), reads as EVAL."""
    body, keys, argv, undeclared = again(g) if pool(g) and g.chance(0.3) else new_body(g)
    return call("EVAL_RO", body, keys, argv, g, undeclared)


def evalsha(g):
    """EVALSHA of a script of this case (loaded or run by EVAL, maybe flushed since), in
    lower or upper case, or of one never loaded (NOSCRIPT)."""
    name = "EVALSHA_RO" if g.chance(0.2) else "EVALSHA"
    if not pool(g) or g.chance(0.15):
        sha = g.pick([lua.sha(b"return 'never loaded'"), b"abc", b"", b"0" * 40, b"x" * 41])
        return [g.kw(name), sha, b"0", *some_argv(g)]
    body, keys, argv, undeclared = again(g)
    sha = lua.sha(body)
    if g.chance(0.1):
        sha = sha.upper()
    return call(name, sha, keys, argv, g, undeclared)


def script_load(g):
    if pool(g) and g.chance(0.2):
        body = g.pick(pool(g))[0]
    else:
        body = new_body(g)[0]
    return [b"SCRIPT", g.kw("LOAD"), body]


def script_exists(g):
    shas = [lua.sha(e[0]) for e in pool(g)] or [b"0" * 40]
    return [b"SCRIPT", g.kw("EXISTS"), *[g.pick(shas + [b"abc", b"0" * 40])
                                         for _ in range(g.rng.randint(1, 4))]]


def bad_eval(g):
    """Argument errors: numkeys missing, negative, not a number, past the arguments."""
    body = b"return KEYS[1]"
    return g.pick([
        [b"EVAL", body], [b"EVAL", body, b"-1"], [b"EVAL", body, b"abc"],
        [b"EVAL", body, b"2", b"str:a"], [b"EVAL", body, b"1.5", b"str:a"],
        [b"EVAL", body, b"9223372036854775808", b"str:a"], [b"EVAL_RO", body],
        [b"EVALSHA", lua.sha(body)], [b"EVALSHA", lua.sha(body), b"-1"],
        [b"EVALSHA", b"abc", b"abc"], [b"SCRIPT"], [b"SCRIPT", b"LOAD"],
        [b"SCRIPT", b"LOAD", b"return 1", b"x"], [b"SCRIPT", b"NOSUCH"],
        [b"SCRIPT", b"EXISTS"], [b"SCRIPT", b"FLUSH", b"NOW"], [b"SCRIPT", b"KILL"],
        [b"SCRIPT", b"FLUSH", b"ASYNC", b"SYNC"], [b"EVAL", b"", b"0"],
        [b"EVAL", body, b"0", b"x", b"y"], [b"EVAL", b"return 1", b" 1", b"k"],
    ])


def script_flush(g):
    return [b"SCRIPT", g.kw("FLUSH"), *g.pick([[], [g.kw("ASYNC")], [g.kw("SYNC")]])]


def one(g):
    """A scripting command for a block: a script, mostly."""
    return g.rng.choices([eval_("EVAL"), evalsha, eval_ro, script_load],
                         weights=[6, 3, 1, 1])[0](g)


def block(g, body):
    """MULTI with scripts and other commands inside, then EXEC or DISCARD; or SCRIPT LOAD,
    other commands, EVALSHA of the loaded script (twice: other keys the second time)."""
    out = []
    if g.chance(0.5):
        out.append([g.kw("MULTI")])
        for _ in range(g.rng.randint(1, 6)):
            out.append(one(g) if g.chance(0.6) else body())
        out.append([g.kw("EXEC" if g.chance(0.85) else "DISCARD")])
        return out
    body_, keys, argv, undeclared = new_body(g)
    out.append([b"SCRIPT", g.kw("LOAD"), body_])
    out += [body() for _ in range(g.rng.randint(0, 3))]
    for _ in range(g.rng.randint(1, 3)):
        if not undeclared:
            keys = [g.key() if g.chance(0.5) else k for k in keys]
        out.append(call("EVALSHA", lua.sha(body_), keys, argv, g, undeclared))
    if g.chance(0.15):
        out += [script_flush(g), call("EVALSHA", lua.sha(body_), keys, argv, g, undeclared)]
    return out


COMMANDS = [
    ("EVAL", 20, eval_("EVAL")),
    ("EVAL_RO", 4, eval_ro),
    ("EVALSHA", 7, evalsha),
    ("SCRIPT LOAD", 3, script_load),
    ("SCRIPT EXISTS", 1.5, script_exists),
    ("SCRIPT FLUSH", 0.3, script_flush),
    ("bad", 1.5, bad_eval),
]


def prelude(g):
    """A little of every type, so scripts find data (and the wrong types)."""
    return [[b"SET", b"str:a", b"10"], [b"SET", b"{t}str", b"hello"],
            [b"RPUSH", b"list:a", b"a", b"b", b"c"], [b"HSET", b"hash:a", b"f1", b"1", b"f2", b"x"],
            [b"SADD", b"set:a", b"a", b"b", b"1"], [b"ZADD", b"zset:a", b"1", b"a", b"2.5", b"b"],
            [b"SET", b"{t}counter", b"5"]]

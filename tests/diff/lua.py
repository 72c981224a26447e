"""Lua material for the scripting family: script bodies built around the other families'
commands, the fixed function libraries every case starts with, and what the reply check
needs to know about a script (`reply_flags`).

Routing (Cinnabar's documented deviation, src/commands/script_runtime.h): at --threads 4 a
script runs with every shard locked until one run showed it keeps to its declared keys'
shards; one that strays after that gets an error. So every body here is one of two kinds,
whatever its arguments:
- declared: every key it touches comes from KEYS (a command's key arguments become KEYS[i]);
  no all-shards command (KEYS, DBSIZE, FLUSHDB, ...): a body may or may not reach it (an
  earlier redis.call fails on one call and not on the next);
- undeclared: its first statement reads a literal key, and it is always called with
  numkeys 0, so every run touches a key outside its (empty) declared shards.
A body whose reply is in the server's hash order ends with a marker comment the check
reads: `--fz:u` (an array, compared as a multiset) or `--fz:p` (field-value pairs)."""
import hashlib

from args import ALL_KEYS

# Every key name the families generate (ODD_KEYS included: "" too, so an empty value may
# become a KEYS entry: declaring more than a command touches changes nothing).
KEY_NAMES = set(ALL_KEYS) | {b"{t}other", b"nokey", b"{t}nokey", b"{t}counter"}

# Commands that need every shard at threads 4 (no keys of their own).
ALL_SHARDS = {b"KEYS", b"DBSIZE", b"FLUSHDB", b"FLUSHALL", b"RANDOMKEY", b"SCAN", b"SWAPDB",
              b"INFO"}

# sha1 hex -> body, for every body generated (EVALSHA's check finds its markers here).
BODIES = {}


def sha(body):
    return hashlib.sha1(body).hexdigest().encode()


def remember(body):
    BODIES[sha(body)] = body
    return body


def lit(b):
    """A Lua string literal of the bytes b (decimal escapes for anything unprintable)."""
    out = ["'"]
    for c in b:
        ch = chr(c)
        if ch in "'\\" or not 32 <= c < 127:
            out.append("\\%03d" % c if ch not in "'\\" else "\\" + ch)
        else:
            out.append(ch)
    out.append("'")
    return "".join(out)


# Arguments sometimes written as Lua numbers: redis.call turns a number into a string
# itself (Redis 7.0: "%.17g", so 0.1 becomes 0.10000000000000001).
_NUMBERS = {b"0", b"1", b"-1", b"2", b"3", b"10", b"100", b"1.5", b"0.1", b"-2.25", b"2.5",
            b"-0.5", b"1e3", b"3e2", b"3.0e2", b"1e308", b"0.30000000000000004", b"-1e-3"}


# Commands with a numkeys argument: (its index, the first key's index).
_NUMKEYS = {b"LMPOP": (1, 2), b"ZMPOP": (1, 2), b"SINTERCARD": (1, 2), b"ZINTER": (1, 2),
            b"ZUNION": (1, 2), b"ZDIFF": (1, 2), b"ZINTERCARD": (1, 2), b"BLMPOP": (2, 3),
            b"BZMPOP": (2, 3), b"ZINTERSTORE": (2, 3), b"ZUNIONSTORE": (2, 3),
            b"ZDIFFSTORE": (2, 3)}


def keys_known(cmd):
    """Whether every key argument of `cmd` is one of KEY_NAMES: false for a numkeys that
    makes a server read a keyword or a value as a key (LMPOP 3 list:a list:b LEFT)."""
    at = _NUMKEYS.get(cmd[0].upper())
    if at is None or len(cmd) <= at[0]:
        return True
    try:
        n = int(cmd[at[0]])
    except ValueError:
        return True
    return not 0 <= n <= len(cmd) - at[1] or all(a in KEY_NAMES
                                                 for a in cmd[at[1]:at[1] + n])


def arg_expr(g, a, argv):
    """A non-key argument: a literal in the body, a Lua number, or ARGV[j]."""
    r = g.rng.random()
    if a in _NUMBERS and r < 0.3:
        return a.decode()
    if r < 0.55 and len(a) <= 200:
        return lit(a)
    argv.append(a)
    return f"ARGV[{len(argv)}]"


def call_expr(g, cmd, keys, argv, fn="call", literal_keys=False):
    """`redis.call(...)` of the command `cmd` (a list of bytes): its key arguments become
    KEYS[i] (appended to `keys`; literal with literal_keys), the others literals or
    ARGV[j] (appended to `argv`)."""
    parts = [lit(cmd[0])]
    for a in cmd[1:]:
        if a in KEY_NAMES and not literal_keys:
            if a not in keys:
                keys.append(a)
            parts.append(f"KEYS[{keys.index(a) + 1}]")
        else:
            parts.append(arg_expr(g, a, argv))
    return f"redis.{fn}({', '.join(parts)})"


# describe(v): a Lua value as a deterministic string (tables in their array order up to
# table.maxn, holes as nil: `#` of a table with holes depends on how it was built; the
# special fields by name; a map's or set's entries, and with `s` an array's, sorted).
DESCRIBE = """local function d(v, s)
  local t = type(v)
  if t ~= 'table' then return t .. ':' .. tostring(v) end
  if v.err then return 'E(' .. tostring(v.err) .. ')' end
  if v.ok then return 'S(' .. tostring(v.ok) .. ')' end
  if v.double then return 'D(' .. tostring(v.double) .. ')' end
  if v.big_number then return 'B(' .. tostring(v.big_number) .. ')' end
  if v.verbatim_string then
    return 'V(' .. v.verbatim_string.format .. ':' .. v.verbatim_string.string .. ')'
  end
  local out = {}
  if v.map or v.set then
    for k, x in pairs(v.map or v.set) do out[#out + 1] = d(k) .. '=' .. d(x) end
    table.sort(out)
    return (v.map and 'M{' or 'T{') .. table.concat(out, ',') .. '}'
  end
  for i = 1, table.maxn(v) do out[i] = d(v[i]) end
  if s then table.sort(out) end
  return '[' .. table.concat(out, ',') .. ']'
end
"""

# Lua values returned as they are: every conversion of a Lua value to a reply.
RETURNS = [
    "1", "-1", "0", "3.99", "-3.99", "0.5", "1e20", "-1e20", "0/0", "1/0", "-1/0", "2^53",
    "2^63", "-2^63", "'str'", "''", "'a\\0b'", "true", "false", "nil", "{}",
    "{1, 2.5, 'x', nil, 4}", "{nil, 1}", "{1, {2, {3, {}}}, 'a'}", "{false, true, 1}",
    "{'a', false, 'b'}", "{ok='FINE'}", "{ok=''}", "{err='MYERR bad'}", "{err='x'}",
    "{err=''}", "{ok=5}", "{err=5}", "{err={}}",
    "redis.status_reply('OK then')", "redis.error_reply('MY err')",
    "redis.error_reply('-ERR dash')", "redis.error_reply('')", "redis.error_reply('nospace')",
    "{double=3.5}", "{double=0.1}", "{double=-2}", "{double=1/0}", "{double=-1/0}",
    "{double=1e300}", "{double='1.5'}", "{double='abc'}", "{double=0/0}",
    "{big_number='123456789012345678901234567890'}", "{big_number='-1'}",
    "{verbatim_string={format='txt', string='hi there'}}", "{map={a=1}}", "{map={}}",
    "{map={a={1, 2}}}", "{map={[1]='x'}}", "{set={x=true}}", "{set={}}", "{set={[5]=true}}",
    "{1, {err='inner'}, 3}", "{1, {ok='x'}, redis.status_reply('y')}",
    "{{double=1.5}, {map={k='v'}}}", "string.rep('x', 100)",
    "cjson.encode({1, 2, 'x', {true}})", "cjson.decode('[1,2,3,null,4]')",
    "cjson.decode('{\"a\":[1,2.5]}').a", "cjson.encode(cjson.decode('[1e400]'))",
    "cmsgpack.pack({1, 2, 'x'})", "cmsgpack.unpack(cmsgpack.pack({1, 'x', {2}}))",
    "struct.pack('>I2', 258)", "struct.unpack('<i4', 'abcd')", "bit.band(0xff, 0x0f)",
    "bit.tohex(255)", "bit.lshift(1, 40)", "redis.sha1hex('abc')", "redis.sha1hex('')",
    "string.format('%.3f', 1 / 3)", "tostring(1e15)", "tostring(0.1)", "tostring(-0)",
    "math.floor(-2.5)", "math.huge", "#KEYS", "#ARGV", "KEYS", "ARGV", "{KEYS, ARGV}",
    "ARGV[1]", "tonumber(ARGV[1])", "{tonumber(ARGV[1])}", "tostring(tonumber(ARGV[1]))",
    "string.byte('abc', 1, -1)", "select('#', 1, nil, 3)", "type(redis)", "redis.REPL_ALL",
    "redis.LOG_WARNING", "redis.setresp(2)", "redis.set_repl(redis.REPL_ALL)",
    "redis.replicate_commands()", "type(math.random)", "tostring(nil)",
    "loadstring('return 1')", "pcall(error, 'x')", "{pcall(error, {err='y'})}",
]

# Scripts that fail: at compile time, at run time, in the sandbox. (Not error() of a table
# without an err field: redis-server 7.0.15 crashes on it.)
ERRORS = [
    "return 1 +", "local x =", "end", "return 'unterminated", "retrun 1", "return (1",
    "return nosuch()", "return 1 + {}", "error('boom')", "error({err='CUSTOM x'})",
    "error({err='nocode'})", "error()", "error(nil)", "error(12)", "error({err=5})",
    "return redis.call()", "return redis.call('GET')", "return redis.pcall('GET')",
    "return redis.call('NOSUCH', 'x')", "return redis.pcall('NOSUCH')",
    "return redis.call({})", "return redis.call('GET', {})", "return redis.call('GET', nil)",
    "return redis.call('GET', true)", "return redis.pcall('ECHO', 1.5)",
    "return redis.call('MULTI')", "return redis.call('EVAL', 'return 1', '0')",
    "return redis.pcall('SCRIPT', 'FLUSH')", "return redis.call('WATCH', 'x')",
    "return redis.call('CONFIG', 'GET', 'maxmemory')", "return redis.pcall('HELLO')",
    "return redis.call('BLPOP', 'nokey', '0')",
    "return redis.setresp(4)", "return redis.setresp()", "return redis.setresp('x')",
    "x = 1", "return undefinedglobal", "local t = nil; return t.x", "return #nil",
    "return ('x'):rep(-1) .. nil", "return redis.error_reply()", "return redis.status_reply()",
    "return redis.sha1hex()", "return redis.log()", "return redis.log(redis.LOG_DEBUG)",
    "return cjson.decode('{bad')", "return cmsgpack.unpack('')", "return struct.pack('q')",
    "return setmetatable(_G, nil)", "return getmetatable('').__index.upper('x')",
    "string.upper = nil", "return redis.set_repl(99)", "return dofile('/etc/passwd')",
    "return loadfile", "return print", "return os.time", "return io",
    "return tostring(redis.breakpoint())", "return redis.debug('x')",
    "return redis.acl_check_cmd('GET', 'x')", "return redis.acl_check_cmd('NOSUCH')",
    "return redis.acl_check_cmd()",
]

# Shebang lines (Redis 7): flags, a wrong engine, an unknown flag.
SHEBANGS = [b"#!lua\n", b"#!lua flags=no-writes\n", b"#!lua flags=allow-oom,no-writes\n",
            b"#!lua flags=no-cluster\n", b"#!lua flags=allow-stale\n", b"#!lua flags=\n",
            b"#!notlua\n", b"#!lua flags=nosuchflag\n", b"#!lua name=x\n", b"#!lua   \n"]


def body_of(args):
    """The body an EVAL-family command runs (EVALSHA's by its sha), or None."""
    name = args[0].upper() if args else b""
    if name in (b"EVAL", b"EVAL_RO") and len(args) > 1:
        return args[1]
    if name in (b"EVALSHA", b"EVALSHA_RO") and len(args) > 1:
        return BODIES.get(args[1].lower())
    return None


def reply_flags(args):
    """The markers of the script a command runs ("u", "p" or ""): EVAL's body, EVALSHA's by
    its sha, FCALL's function."""
    name = args[0].upper() if args else b""
    if name in (b"FCALL", b"FCALL_RO") and len(args) > 1:
        return FUNCTION_FLAGS.get(args[1], "")
    body = body_of(args)
    if body is None:
        return ""
    for flag in ("u", "p"):
        if body.endswith(b"--fz:" + flag.encode()):
            return flag
    return ""


# --- function libraries: FUNCTION FLUSH, then these, on every server before every case ---
LIB_MAIN = b"""#!lua name=fzlib
local function get(keys, args) return redis.call('GET', keys[1]) end
redis.register_function('fz_get', get)
redis.register_function{function_name='fz_get_ro', callback=get, flags={'no-writes'}}
redis.register_function('fz_set', function(keys, args)
  return redis.call('SET', keys[1], args[1]) end)
redis.register_function('fz_incr', function(keys, args)
  return redis.call('INCRBY', keys[1], args[1] or '1') end)
redis.register_function{function_name='fz_echo', flags={'no-writes'},
  callback=function(keys, args) return {keys, args, #keys, #args} end}
redis.register_function('fz_err', function(keys, args)
  return redis.error_reply(args[1] or 'boom') end)
redis.register_function('fz_push', function(keys, args)
  return redis.pcall('RPUSH', keys[1], unpack(args)) end)
redis.register_function{function_name='fz_ro_write', flags={'no-writes'},
  callback=function(keys, args) return redis.call('DEL', keys[1]) end}
redis.register_function('fz_fail', function(keys, args) return redis.call('INCR', keys[1]) end)
redis.register_function('fz_type', function(keys, args)
  local r = redis.pcall(args[1] or 'PING', keys[1]) if type(r) == 'table' then
  return {type(r), r.err or r.ok or #r} end return {type(r), r} end)
"""
# Functions that touch literal keys: always called with numkeys 0.
LIB_GLOBAL = b"""#!lua name=fzglobal
redis.register_function('fz_global', function(keys, args)
  redis.call('EXISTS', 'str:a')
  return redis.call('INCR', '{t}counter') end)
redis.register_function{function_name='fz_hash3', flags={'no-writes'},
  callback=function(keys, args)
  redis.call('EXISTS', 'hash:a')
  redis.setresp(3)
  return redis.call('HGETALL', 'hash:a') end}
redis.register_function('fz_resp3', function(keys, args)
  redis.call('EXISTS', 'zset:a')
  redis.setresp(3)
  return {redis.call('ZSCORE', 'zset:a', 'a'), redis.call('ZRANGE', 'zset:a', 0, -1,
    'WITHSCORES'), redis.call('EXISTS', 'nokey') == 1, redis.call('GET', 'nokey')} end)
"""
LIBRARIES = [LIB_MAIN, LIB_GLOBAL]
# name -> (declared keys it takes: an int, or 0 for the undeclared ones; read-only)
FUNCTIONS = {
    b"fz_get": (1, True), b"fz_get_ro": (1, True), b"fz_set": (1, False),
    b"fz_incr": (1, False), b"fz_echo": (3, True), b"fz_err": (1, True),
    b"fz_push": (1, False), b"fz_ro_write": (1, False), b"fz_fail": (1, False),
    b"fz_type": (1, True), b"fz_global": (0, False), b"fz_hash3": (0, True),
    b"fz_resp3": (0, False),
}
FUNCTION_FLAGS = {b"fz_hash3": "p"}

# What every server runs before a case (after FLUSHALL): no scripts cached, no routing
# learned, the fixed libraries loaded.
RESET = [[b"SCRIPT", b"FLUSH"], [b"FUNCTION", b"FLUSH"]] + [
    [b"FUNCTION", b"LOAD", lib] for lib in LIBRARIES]

#!/usr/bin/python3
"""Writes lua_libs_oracle_cases.inc: Lua snippets for cmsgpack and struct with the results
Debian's redis-server 7.0.15 gives for them, for lua_libs_test.cc to assert.

Each case is a Lua chunk (PRELUDE, then one line); the chunk returns one printable string
that shows every value (type, bytes) or the error text. The test runs the very same chunk
in a lua_State with our libraries, named @user_script as Redis names scripts, so even the
line numbers in error texts must agree.

Usage: redis-server --port 7799 --save '' --appendonly no --daemonize yes
       /usr/bin/python3 tests/unit/scripting/gen_lua_libs_cases.py [--port 7799]
The random cases are drawn from a fixed seed, so the file only changes when this does.
"""
import argparse
import os
import random

import redis

from lua_libs_cases import HAND_CASES

PRELUDE = r"""local function esc(s)
  if #s > 48 then
    local sum = 0
    for i = 1, #s do sum = (sum * 31 + string.byte(s, i)) % 2147483647 end
    return '#' .. #s .. ':' .. esc(string.sub(s, 1, 16)) .. '..' .. esc(string.sub(s, -16)) .. ':' .. sum
  end
  return (string.gsub(s, '[^%w]', function(c) return string.format('\\%02x', string.byte(c)) end))
end
local function show(v, depth)
  local t = type(v)
  if t == 'string' then return '"' .. esc(v) .. '"' end
  if t == 'number' then return string.format('%.17g', v) end
  if t ~= 'table' then return tostring(v) end
  if depth > 40 then return '{...}' end
  local parts = {}
  for k, x in pairs(v) do parts[#parts + 1] = show(k, depth + 1) .. '=' .. show(x, depth + 1) end
  table.sort(parts)
  local out = '{' .. table.concat(parts, ',') .. '}'
  if #out > 400 then out = '{' .. #parts .. ' entries ' .. esc(out) .. '}' end
  return out
end
local function C(...)
  local n = select('#', ...)
  local parts = {}
  for i = 1, n do parts[i] = show((select(i, ...)), 0) end
  local out = table.concat(parts, ', ')
  if #out > 400 then out = 'digest ' .. esc(out) end
  return n .. ': ' .. out
end
local function T(f)
  local ok, r = pcall(f)
  if ok then return r end
  return 'error: ' .. string.gsub(tostring(r), '[^ -~]', function(c) return string.format('\\%02x', string.byte(c)) end)
end
local function nest(depth, leaf) local t = leaf for i = 1, depth do t = {t} end return t end
local function seq(n, v) local t = {} for i = 1, n do t[i] = v or i end return t end
"""


def chunk(snippet):
    """The chunk for a snippet: an expression list, or a body (`do ... end`) that returns."""
    if snippet.startswith("do "):
        assert snippet.endswith(" end"), snippet
        body = snippet[3:-4]
        return PRELUDE + "return T(function() " + body + " end)"
    return PRELUDE + "return T(function() return C(" + snippet + ") end)"


def lua_bytes(data):
    return '"' + "".join("\\%d" % b for b in data) + '"'


def random_msgpack(rng, depth=0):
    """A random msgpack value, valid, of the types the decoder knows."""
    kind = rng.randrange(12 if depth < 4 else 9)
    if kind == 0:
        return bytes([rng.choice([0xc0, 0xc2, 0xc3, rng.randrange(0x80), 0xe0 + rng.randrange(32)])])
    if kind in (1, 2):
        tag, n = rng.choice([(0xcc, 1), (0xcd, 2), (0xce, 4), (0xcf, 8), (0xd0, 1), (0xd1, 2),
                             (0xd2, 4), (0xd3, 8), (0xca, 4), (0xcb, 8)])
        return bytes([tag]) + bytes(rng.randrange(256) for _ in range(n))
    if kind in (3, 4, 5, 6, 7, 8):
        s = bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 5, 31, 32, 40, 300])))
        if len(s) < 32 and rng.random() < 0.7:
            return bytes([0xa0 | len(s)]) + s
        tag, n = rng.choice([(0xd9, 1), (0xda, 2), (0xdb, 4)])
        if tag == 0xd9 and len(s) > 255:
            tag, n = 0xda, 2
        return bytes([tag]) + len(s).to_bytes(n, "big") + s
    count = rng.randrange(5)
    is_map = kind == 11
    items = b"".join(random_msgpack(rng, depth + 1) for _ in range(count * (2 if is_map else 1)))
    if rng.random() < 0.6:
        return bytes([(0x80 if is_map else 0x90) | count]) + items
    tag = (0xde if is_map else 0xdc) + rng.randrange(2)
    return bytes([tag]) + count.to_bytes(2 if tag in (0xdc, 0xde) else 4, "big") + items


def mutate(rng, data):
    data = bytearray(data)
    for _ in range(rng.randrange(1, 4)):
        op = rng.randrange(4)
        if op == 0 and data:
            del data[rng.randrange(len(data)):]
        elif op == 1 and data:
            data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 2:
            data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
        else:
            data += bytes(rng.randrange(256) for _ in range(rng.randrange(4)))
    return bytes(data)


STRUCT_OPTS = list("bBhHlLTiIxfdcs<>! ") + ["i3", "I5", "i8", "I9", "i16", "c0", "c3", "!4",
                                            "!2", "!16", "!3", "z", "i0", "c12", "I32"]


def random_struct_arg(rng):
    return rng.choice(["0", "1", "-1", "255", "-129", "65536", "2^31", "-2^31", "2^53", "2^63",
                       "-2^63", "2^64", "1.5", "-0.25", "1e300", "0/0", "1/0", "-1/0", "'3'",
                       "'abc'", "'hello world'", "''", "{}", "nil", "'\\0\\1'"])


def long_key_map_checker(r):
    """has_long_key_map(data): whether cmsgpack.unpack(data) holds a table with two or more
    keys one of which is a string of 32 bytes or more. Redis's Lua hashes every byte of a
    string where stock Lua 5.1 (which we link) samples long ones, so such tables iterate in
    another order, and cmsgpack.pack writes their keys in another order: a property of the
    Lua core, not of cmsgpack, so those round trips are left out."""
    script = r"""
local function long(t, depth)
  if type(t) ~= 'table' or depth > 100 then return false end
  local n, found = 0, false
  for k, v in pairs(t) do
    n = n + 1
    if type(k) == 'string' and #k >= 32 then found = true end
    if long(k, depth + 1) or long(v, depth + 1) then return true end
  end
  return found and n > 1
end
local ok, r = pcall(function() return {cmsgpack.unpack(ARGV[1])} end)
return (ok and long(r, 0)) and 1 or 0"""
    return lambda data: r.eval(script, 0, data) == 1


def random_cases(rng, has_long_key_map):
    cases = []
    for _ in range(120):
        data = random_msgpack(rng)
        if rng.random() < 0.6:
            data = mutate(rng, data)
        lit = lua_bytes(data)
        cases.append("cmsgpack.unpack(%s)" % lit)
        if not has_long_key_map(data):
            cases.append("cmsgpack.pack(cmsgpack.unpack(%s))" % lit)
        cases.append("cmsgpack.unpack_limit(%s, %d, %d)" % (lit, rng.randrange(3),
                                                            rng.randrange(len(data) + 2)))
    for _ in range(40):
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 24)))
        cases.append("cmsgpack.unpack(%s)" % lua_bytes(data))
    for _ in range(150):
        fmt = "".join(rng.choice(STRUCT_OPTS) for _ in range(rng.randrange(1, 6)))
        args = ", ".join(random_struct_arg(rng) for _ in range(rng.randrange(5)))
        cases.append("struct.pack(%r%s)" % (fmt, ", " + args if args else ""))
        cases.append("struct.size(%r)" % fmt)
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(40)))
        cases.append("struct.unpack(%r, %s, %d)" % (fmt, lua_bytes(data), rng.randrange(-1, 6)))
        cases.append("do local ok, s = pcall(struct.pack, %r%s) if not ok then return C(s) end "
                     "return C(struct.unpack(%r, s)) end" % (fmt, ", " + args if args else "", fmt))
    return cases


def cxx_string(s):
    """A C++ raw string literal holding s (the chunks contain no `)lua"`)."""
    assert ')lua"' not in s
    return 'R"lua(' + s + ')lua"'


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=7799)
    args = parser.parse_args()
    r = redis.Redis(port=args.port)
    info = r.info("server")
    assert info["redis_version"] == "7.0.15", info["redis_version"]

    out = []
    for group, snippets in (("kHandCases", HAND_CASES),
                            ("kRandomCases", random_cases(random.Random(20240607),
                                                         long_key_map_checker(r)))):
        out.append("inline constexpr OracleCase %s[] = {" % group)
        for snippet in snippets:
            try:
                result = r.eval(chunk(snippet), 0)
            except redis.ResponseError as e:
                raise SystemExit("%s: %s" % (snippet, e))
            assert isinstance(result, bytes), (snippet, result)
            text = result.decode("ascii")
            out.append("    {%s,\n     %s}," % (cxx_string(snippet), cxx_string(text)))
        out.append("};\n")
        print(group, len(snippets))

    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "lua_libs_oracle_cases.inc"), "w") as f:
        f.write("// Generated by gen_lua_libs_cases.py from Debian's redis-server 7.0.15: do not\n"
                "// edit. Each case: a Lua snippet, and what the chunk built from it returned.\n\n")
        f.write("inline constexpr char kPrelude[] = %s;\n\n" % cxx_string(PRELUDE))
        f.write("\n".join(out))


if __name__ == "__main__":
    main()

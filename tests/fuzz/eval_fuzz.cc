// libFuzzer target for Lua scripts: a fuzzed script body with a few KEYS and ARGV, sent
// as EVAL, EVAL_RO, SCRIPT LOAD + EVALSHA(_RO) or inside MULTI, through the real engine
// (EngineDriver: registry, dispatcher, workers, every command family) so that redis.call
// and redis.pcall run real commands in the real sandbox. Input layout: tests/fuzz/README.md.
//
// Checked after every command: the client gets exactly one reply, well-formed RESP (so
// nothing the Lua <-> RESP conversions write breaks framing); SCRIPT LOAD answers the
// body's SHA1; a script EVAL compiled is found by EVALSHA until SCRIPT FLUSH, which makes
// EVALSHA answer NOSCRIPT. After every input a probe script checks the sandbox: the names
// and values of the globals and of every library table (and the string metatable) are
// those of a fresh interpreter, none of io/os/package/debug/... exists, and writes to
// protected tables still fail, so no script can leave anything behind for the next one;
// and once the data and scripts are flushed, the engine's used memory (base::UsedMemory,
// which does not count Lua's) is back under a quarter of kMaxUsedMemory. ASan, UBSan and
// LeakSanitizer check memory.
//
// Runaway scripts are stopped by the scripting limits (commands/script_runtime.h): about
// kMaxInstructions Lua instructions, kLuaMemory bytes per interpreter, and the engine's
// used memory kept under kMaxUsedMemory; proto-max-bulk-len 1mb bounds what one command can
// grow a string to. Each input starts from empty databases and an empty script cache (each
// one ends by emptying them).

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/logging.h"
#include "base/memory.h"
#include "commands/script_runtime.h"
#include "fuzz/engine_driver.h"
#include "scripting/sha1.h"

namespace {

namespace engine = cinnabar::engine;
using cinnabar::fuzz::EngineDriver;
using cinnabar::fuzz::ReplyLength;

constexpr int64_t kMaxInstructions = 200000;
constexpr int kHookInstructions = 100;
constexpr size_t kLuaMemory = size_t{32} << 20;
constexpr int64_t kMaxUsedMemory = int64_t{512} << 20;
constexpr size_t kMaxArgs = 8;

// The probe: a fingerprint of everything a script can reach by name, or the first way in
// which the sandbox is found broken ("BROKEN: ...").
constexpr std::string_view kProbe = R"lua(
local out = {}
local shadowed
-- pairs sees through a read-only view to its table; an ordinary read sees a key written
-- into the view itself first, so the two must agree.
local function add(prefix, t)
  for k, v in pairs(t) do
    local name = type(k) == 'string' and k or ('<' .. type(k) .. '>')
    if not rawequal(t[k], v) then shadowed = prefix .. name end
    local tv = type(v)
    if prefix == '' and (name == 'KEYS' or name == 'ARGV') then v = tv end
    out[#out + 1] = prefix .. name .. '=' .. ((tv == 'table') and 'table' or tostring(v))
  end
end
-- Names a fuzzed script is likely to write, which no table has: a key written into a view
-- would not show in pairs.
local likely = {'a', 'b', 'c', 'f', 'i', 'k', 'n', 's', 't', 'v', 'x', 'y', 'z', 'foo', 'ok',
                'err', '__index', '__newindex', '__probe'}
for _, name in ipairs({'io', 'os', 'package', 'require', 'module', 'debug', 'dofile',
                       'loadfile', 'print', 'newproxy'}) do
  if rawget(_G, name) ~= nil then return 'BROKEN: global ' .. name end
end
add('', _G)
local libs = {'string', 'table', 'math', 'cjson', 'bit', 'cmsgpack', 'struct', 'redis'}
for _, n in ipairs(likely) do
  if pcall(function() return _G[n] end) then return 'BROKEN: global ' .. n end
end
for _, lib in ipairs(libs) do
  add(lib .. '.', _G[lib])
  for _, n in ipairs(likely) do
    if _G[lib][n] ~= nil then return 'BROKEN: ' .. lib .. '.' .. n end
  end
  if pcall(rawset, _G[lib], '__probe', 1) then return 'BROKEN: rawset on ' .. lib end
  if pcall(function() _G[lib].__probe = 1 end) then return 'BROKEN: write to ' .. lib end
end
add('string_meta.', getmetatable(''))
if shadowed then return 'BROKEN: shadowed ' .. shadowed end
if pcall(function() _G.__probe = 1 end) then return 'BROKEN: new global' end
if pcall(setmetatable, _G, {}) then return 'BROKEN: setmetatable(_G)' end
if pcall(function() getmetatable('').__index = {} end) then return 'BROKEN: string meta' end
if type(redis.call('PING')) ~= 'table' then return 'BROKEN: redis.call' end
table.sort(out)
return table.concat(out, '\n')
)lua";

[[noreturn]] void Fail(std::string_view what, std::string_view detail) {
  std::fprintf(stderr, "eval_fuzz: %.*s\n%.*s\n", static_cast<int>(what.size()), what.data(),
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// One engine per shard count, kept across inputs (each input resets its data).
struct Target {
  std::unique_ptr<EngineDriver> driver;
  std::string fingerprint;  // the probe's reply on a fresh interpreter
};

engine::ServerConfig FuzzConfig() {
  engine::ServerConfig cfg;
  cfg.proto_max_bulk_len = 1 << 20;
  cfg.loglevel = cinnabar::base::LogLevel::kDebug;
  return cfg;
}

Target& TargetFor(unsigned shards) {
  static Target targets[2];
  Target& t = targets[shards - 1];
  if (t.driver != nullptr) return t;
  // redis.log at every level runs its whole path, into /dev/null.
  cinnabar::base::SetLogLevel(cinnabar::base::LogLevel::kDebug);
  if (!cinnabar::base::SetLogFile("/dev/null").ok()) Fail("cannot log to /dev/null", "");
  t.driver = std::make_unique<EngineDriver>(shards, FuzzConfig());
  cinnabar::commands::Runtime(t.driver->engine())
      .set_limits({.memory_limit = kLuaMemory,
                   .hook_instructions = kHookInstructions,
                   .max_instructions = kMaxInstructions,
                   .max_used_memory = kMaxUsedMemory});
  auto c = t.driver->Connect();
  t.fingerprint = c->Call({"EVAL", kProbe, "0"});
  if (t.fingerprint.find("BROKEN") != std::string::npos || t.fingerprint[0] != '$') {
    Fail("the sandbox of a fresh interpreter fails the probe", t.fingerprint);
  }
  return t;
}

// EVAL_FUZZ_VERBOSE=1 prints every command's reply (to see what a reproducer does).
bool Verbose() {
  static const bool verbose = std::getenv("EVAL_FUZZ_VERBOSE") != nullptr;
  return verbose;
}

// Checks that `out` is exactly one well-formed reply (or nothing, once the connection
// closed) and returns it.
std::string One(const EngineDriver::Connection& c, std::string_view cmd, std::string out) {
  if (Verbose()) {
    std::fprintf(stderr, "%.*s -> %.*s\n", static_cast<int>(cmd.size()), cmd.data(),
                 static_cast<int>(std::min<size_t>(out.size(), 2000)), out.data());
  }
  if (out.empty() && c.closed()) return out;
  int64_t len = ReplyLength(out);
  if (len < 0) Fail(std::string("malformed reply to ") + std::string(cmd), out);
  if (len == 0) Fail(std::string("no complete reply to ") + std::string(cmd), out);
  if (static_cast<size_t>(len) != out.size()) {
    Fail(std::string("more than one reply to ") + std::string(cmd), out);
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

struct Input {
  uint8_t header = 0;
  std::string body;
  std::vector<std::string> args;
};

Input Split(const uint8_t* data, size_t size) {
  Input in;
  in.header = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  size_t nul = rest.find('\0');
  in.body = std::string(rest.substr(0, nul));
  while (nul != std::string_view::npos && in.args.size() < kMaxArgs) {
    rest.remove_prefix(nul + 1);
    nul = rest.find('\0');
    in.args.emplace_back(rest.substr(0, nul));
  }
  return in;
}

// A few keys of every type, for scripts to read (literal names in eval.dict).
void SeedData(EngineDriver::Connection& c) {
  static const std::vector<std::vector<std::string_view>> kSeed = {
      {"SET", "s", "hello"},
      {"SET", "n", "42"},
      {"SET", "f", "3.5"},
      {"HSET", "h", "f1", "v1", "f2", "2"},
      {"RPUSH", "l", "a", "b", "c", "1", "2"},
      {"SADD", "set", "a", "b", "1"},
      {"ZADD", "z", "1", "a", "2", "b", "3.5", "c"},
  };
  for (const auto& cmd : kSeed) One(c, cmd[0], c.Call(cmd));
}

class Session {
 public:
  Session(EngineDriver::Connection& c, const Input& in) : c_(c), in_(in) {
    numkeys_ = std::min<size_t>((in.header >> 4) & 3, in.args.size());
  }

  // `name body-or-sha numkeys keys... args...`
  std::string Eval(std::string_view name, std::string_view first) {
    std::string nk = std::to_string(numkeys_);
    std::vector<std::string_view> cmd = {name, first, nk};
    for (const std::string& a : in_.args) cmd.push_back(a);
    return One(c_, name, c_.Call(cmd));
  }
  // EVAL with the first argument as numkeys, as sent (numkeys' own error paths).
  std::string EvalRawNumKeys() {
    std::vector<std::string_view> cmd = {"EVAL", in_.body};
    for (const std::string& a : in_.args) cmd.push_back(a);
    return One(c_, "EVAL", c_.Call(cmd));
  }
  std::string Cmd(std::initializer_list<std::string_view> cmd) {
    return One(c_, *cmd.begin(), c_.Call(cmd));
  }
  // SCRIPT LOAD of the body; returns the SHA, or "" when it does not compile.
  std::string Load() {
    std::string r = Cmd({"SCRIPT", "LOAD", in_.body});
    if (r[0] != '$') return {};
    std::string sha = cinnabar::scripting::Sha1Hex(in_.body);
    if (r != "$40\r\n" + sha + "\r\n") Fail("SCRIPT LOAD does not answer the body's SHA1", r);
    return sha;
  }

 private:
  EngineDriver::Connection& c_;
  const Input& in_;
  size_t numkeys_ = 0;
};

void RunForm(Session& s, const Input& in) {
  const std::string sha = cinnabar::scripting::Sha1Hex(in.body);
  switch (in.header & 7) {
    case 0:
      s.Eval("EVAL", in.body);
      break;
    case 1:
      s.Eval("EVAL_RO", in.body);
      break;
    case 2:
    case 3:
      if (s.Load().empty()) break;
      s.Eval((in.header & 7) == 2 ? "EVALSHA" : "EVALSHA_RO", sha);
      break;
    case 4: {
      // The same script twice on one interpreter (and, with 2 shards, routed by what the
      // first run taught).
      std::string first = s.Eval("EVAL", in.body);
      std::string second = s.Eval("EVALSHA", sha);
      if (StartsWith(second, "-NOSCRIPT") && first[0] != '-') {
        Fail("EVALSHA does not find a script EVAL ran", first);
      }
      break;
    }
    case 5:
      if (s.Cmd({"MULTI"}) != "+OK\r\n") break;
      s.Eval("EVAL", in.body);
      s.Cmd({"EXEC"});
      break;
    case 6:
      s.EvalRawNumKeys();
      break;
    case 7:
      s.Eval("EVAL", in.body);
      s.Cmd({"SCRIPT", "FLUSH"});
      if (!StartsWith(s.Eval("EVALSHA", sha), "-NOSCRIPT")) {
        Fail("EVALSHA finds a script after SCRIPT FLUSH", in.body);
      }
      s.Eval("EVAL", in.body);
      break;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const Input in = Split(data, size);
  Target& t = TargetFor((in.header & 0x80) ? 2 : 1);
  {
    auto c = t.driver->Connect();
    Session s(*c, in);
    if (in.header & 0x08) s.Cmd({"HELLO", "3"});
    if (in.header & 0x40) SeedData(*c);
    RunForm(s, in);
  }
  // A fresh client (the script may have closed the first one: CLIENT KILL) empties the
  // databases and the script cache, as the next input expects, then probes the sandbox.
  // Cleaning up here rather than before the next input keeps allocations and frees about
  // even within an input, so libFuzzer reruns few inputs for a leak check.
  auto c = t.driver->Connect();
  if (One(*c, "FLUSHALL", c->Call({"FLUSHALL"})) != "+OK\r\n") Fail("FLUSHALL failed", "");
  if (One(*c, "SCRIPT FLUSH", c->Call({"SCRIPT", "FLUSH"})) != "+OK\r\n") {
    Fail("SCRIPT FLUSH failed", "");
  }
  std::string print = One(*c, "the probe", c->Call({"EVAL", kProbe, "0"}));
  if (print != t.fingerprint) Fail("the sandbox changed (probe reply below)", print);
  // With the data and the scripts gone, what the engine holds is back near where it started
  // (Lua's own memory is not counted here).
  const int64_t used = cinnabar::base::UsedMemory();
  if (Verbose()) {
    std::fprintf(stderr, "used memory after the cleanup: %lld\n", static_cast<long long>(used));
  }
  if (used > kMaxUsedMemory / 4) {
    Fail("memory still held after FLUSHALL and SCRIPT FLUSH (bytes)", std::to_string(used));
  }
  return 0;
}

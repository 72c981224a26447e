// LuaEngine against Redis 7.0.15's replies (each expectation was checked with
// redis-server and redis-cli). The host answers redis.call with fixed reply bytes the test
// gives, so these test the conversions and the error shapes, not commands.
#include "scripting/lua_engine.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "protocol/reply_builder.h"

namespace cinnabar::scripting {
namespace {

class FixedHost : public ScriptHost {
 public:
  // redis.call(name, ...) answers replies[name] (or "+OK").
  std::map<std::string, std::string> replies;
  std::vector<std::string> calls;
  std::vector<std::string> logs;
  int repl = -1;
  int last_resp = 0;
  int stop_after_polls = -1;

  void Call(std::span<const std::string_view> args, int resp, base::IoBuf* out) override {
    std::string joined;
    for (std::string_view a : args) joined += std::string(a) + " ";
    calls.push_back(joined);
    last_resp = resp;
    auto it = replies.find(std::string(args[0]));
    out->Append(it == replies.end() ? std::string_view("+OK\r\n") : std::string_view(it->second));
  }
  void Log(int level, std::string_view message) override {
    logs.push_back(std::to_string(level) + ":" + std::string(message));
  }
  void SetRepl(int flags) override { repl = flags; }
  bool AclCheck(std::span<const std::string_view> args, bool* known) override {
    *known = args[0] != "nosuch";
    return args[0] != "denied";
  }
  bool ShouldStop() override { return stop_after_polls >= 0 && stop_after_polls-- == 0; }
};

class LuaEngineTest : public ::testing::Test {
 protected:
  // Runs `body` as EVAL with `keys` and `argv`, replying in `resp`.
  std::string Eval(std::string_view body, int resp = 2, std::vector<std::string_view> keys = {},
                   std::vector<std::string_view> argv = {}) {
    std::string error;
    auto script = engine_.LoadScript(body, &error);
    if (!script) return "-" + error + "\r\n";
    base::IoBuf out;
    protocol::ReplyBuilder reply(&out, resp);
    engine_.Eval(*script, keys, argv, host_, reply);
    return std::string(out.view());
  }
  std::string Sha(std::string_view body) {
    std::string error;
    return engine_.LoadScript(body, &error)->sha;
  }
  std::string Load(std::string_view code, bool replace = false) {
    std::string error;
    std::string name = engine_.FunctionLoad(code, replace, &host_, &error);
    return name.empty() ? error : name;
  }
  std::string FCall(std::string_view name, std::vector<std::string_view> keys = {},
                    std::vector<std::string_view> argv = {}, int resp = 2) {
    FunctionRef fn = functions_.FindFunction(name);
    if (!fn) return "-ERR Function not found\r\n";
    base::IoBuf out;
    protocol::ReplyBuilder reply(&out, resp);
    engine_.FCall(fn, keys, argv, host_, reply);
    return std::string(out.view());
  }

  ScriptCache cache_;
  FunctionRegistry functions_;
  LuaEngine engine_{cache_, functions_};
  FixedHost host_;
};

TEST_F(LuaEngineTest, LuaValuesBecomeReplies) {
  EXPECT_EQ(Eval("return 1"), ":1\r\n");
  EXPECT_EQ(Eval("return 3.99"), ":3\r\n");
  EXPECT_EQ(Eval("return -3.99"), ":-3\r\n");
  EXPECT_EQ(Eval("return 1e100"), ":-9223372036854775808\r\n");
  EXPECT_EQ(Eval("return 0/0"), ":-9223372036854775808\r\n");
  EXPECT_EQ(Eval("return 'x'"), "$1\r\nx\r\n");
  EXPECT_EQ(Eval("return true"), ":1\r\n");
  EXPECT_EQ(Eval("return false"), "$-1\r\n");
  EXPECT_EQ(Eval("return nil"), "$-1\r\n");
  EXPECT_EQ(Eval("return {1,2,nil,3}"), "*2\r\n:1\r\n:2\r\n");
  EXPECT_EQ(Eval("return {ok='x\\r\\ny'}"), "+x  y\r\n");
  EXPECT_EQ(Eval("return {err='My Error'}"), "-My Error\r\n");
  EXPECT_EQ(Eval("return {err=1}"), "*0\r\n");
  EXPECT_EQ(Eval("return {1, {err='x y'}, {ok='z'}}"), "*3\r\n:1\r\n-x y\r\n+z\r\n");
  EXPECT_EQ(Eval("return {double=1.5}"), "$3\r\n1.5\r\n");
  EXPECT_EQ(Eval("return {big_number='123'}"), "$3\r\n123\r\n");
  EXPECT_EQ(Eval("return {map={a=1}}"), "*2\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Eval("return {set={a=true}}"), "*1\r\n$1\r\na\r\n");
  EXPECT_EQ(Eval("return {verbatim_string={format='txt',string='hi'}}"), "$2\r\nhi\r\n");
}

TEST_F(LuaEngineTest, Resp3Replies) {
  EXPECT_EQ(Eval("return false", 3), "_\r\n");
  EXPECT_EQ(Eval("return true", 3), ":1\r\n");
  EXPECT_EQ(Eval("redis.setresp(3) return false", 3), "#f\r\n");
  EXPECT_EQ(Eval("redis.setresp(3) return false", 2), ":0\r\n");
  EXPECT_EQ(Eval("return {double=1.5}", 3), ",1.5\r\n");
  EXPECT_EQ(Eval("return {double=1/0}", 3), ",inf\r\n");
  EXPECT_EQ(Eval("return {map={a=1}}", 3), "%1\r\n$1\r\na\r\n:1\r\n");
  EXPECT_EQ(Eval("return {set={a=1}}", 3), "~1\r\n$1\r\na\r\n");
  EXPECT_EQ(Eval("return {big_number='12'}", 3), "(12\r\n");
  EXPECT_EQ(Eval("return {verbatim_string={format='markdown',string='hi'}}", 3),
            "=6\r\nmar:hi\r\n");
}

TEST_F(LuaEngineTest, SelfReferencingTableStopsAtTheStackLimit) {
  std::string out = Eval("local t={} t[1]=t return t");
  EXPECT_NE(out.find("-ERR reached lua stack limit\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(0, 8), "*1\r\n*1\r\n");
}

TEST_F(LuaEngineTest, KeysAndArgv) {
  EXPECT_EQ(Eval("return {KEYS[1], ARGV[1], #KEYS, #ARGV}", 2, {"k"}, {"a", "b"}),
            "*4\r\n$1\r\nk\r\n$1\r\na\r\n:1\r\n:2\r\n");
  EXPECT_EQ(Eval("return #KEYS"), ":0\r\n");
}

TEST_F(LuaEngineTest, RepliesBecomeLuaValues) {
  host_.replies["int"] = ":42\r\n";
  host_.replies["nullbulk"] = "$-1\r\n";
  host_.replies["arr"] = "*3\r\n$1\r\na\r\n*-1\r\n*1\r\n:1\r\n";
  host_.replies["map"] = "%1\r\n$1\r\nk\r\n,2.5\r\n";
  host_.replies["set"] = "~2\r\n$1\r\nx\r\n$1\r\ny\r\n";
  host_.replies["big"] = "(123456789012345678901234\r\n";
  host_.replies["verb"] = "=7\r\ntxt:abc\r\n";
  host_.replies["null"] = "_\r\n";
  host_.replies["bool"] = "#t\r\n";
  host_.replies["attr"] = "|1\r\n+a\r\n+b\r\n:7\r\n";
  EXPECT_EQ(Eval("return redis.call('int') + 1"), ":43\r\n");
  EXPECT_EQ(Eval("return type(redis.call('nullbulk'))"), "$7\r\nboolean\r\n");
  EXPECT_EQ(Eval("local r = redis.call('arr') return {r[1], type(r[2]), r[3][1]}"),
            "*3\r\n$1\r\na\r\n$7\r\nboolean\r\n:1\r\n");
  EXPECT_EQ(Eval("return redis.call('ping')['ok']"), "$2\r\nOK\r\n");
  EXPECT_EQ(Eval("local m = redis.call('map') return tostring(m.map.k.double)"), "$3\r\n2.5\r\n");
  EXPECT_EQ(Eval("local m = redis.call('map') return m", 3), "%1\r\n$1\r\nk\r\n,2.5\r\n");
  EXPECT_EQ(Eval("local s = redis.call('set') return {s.set.x, s.set.y}"), "*2\r\n:1\r\n:1\r\n");
  EXPECT_EQ(Eval("return redis.call('big').big_number"), "$24\r\n123456789012345678901234\r\n");
  EXPECT_EQ(Eval("local v = redis.call('verb').verbatim_string return v.format .. v.string"),
            "$6\r\ntxtabc\r\n");
  EXPECT_EQ(Eval("return type(redis.call('null'))"), "$3\r\nnil\r\n");
  EXPECT_EQ(Eval("return redis.call('bool') == true"), ":1\r\n");
  EXPECT_EQ(Eval("return redis.call('attr')"), ":7\r\n");
}

TEST_F(LuaEngineTest, CallArgumentsAndResp) {
  EXPECT_EQ(Eval("return redis.call('set', 'a', 1.5, 10)"), "+OK\r\n");
  EXPECT_EQ(host_.calls.back(), "set a 1.5 10 ");
  EXPECT_EQ(host_.last_resp, 2);
  Eval("redis.setresp(3) return redis.call('x', 0.1)");
  EXPECT_EQ(host_.calls.back(), "x 0.10000000000000001 ");
  EXPECT_EQ(host_.last_resp, 3);
}

TEST_F(LuaEngineTest, CallErrors) {
  std::string sha = Sha("return redis.call('incr','s')");
  host_.replies["incr"] = "-ERR value is not an integer or out of range\r\n";
  EXPECT_EQ(Eval("return redis.call('incr','s')"),
            "-ERR value is not an integer or out of range script: " + sha + ", on @user_script:1.\r\n");
  EXPECT_EQ(Eval("return redis.pcall('incr','s')"), "-ERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Eval("local ok, e = pcall(redis.call, 'incr') return e"),
            "$43\r\nERR value is not an integer or out of range\r\n");
  EXPECT_EQ(Eval("local t = redis.pcall('incr'); local n=0; for k,v in pairs(t) do n = n + 1 end return n"),
            ":2\r\n");
  EXPECT_EQ(Eval("return redis.pcall()"),
            "-ERR Please specify at least one argument for this redis lib call\r\n");
  EXPECT_EQ(Eval("return redis.pcall({})"),
            "-ERR Lua redis lib command arguments must be strings or integers\r\n");
  sha = Sha("return redis.call('set', 'a', true)");
  EXPECT_EQ(Eval("return redis.call('set', 'a', true)"),
            "-ERR Lua redis lib command arguments must be strings or integers script: " + sha +
                ", on @user_script:1.\r\n");
}

TEST_F(LuaEngineTest, ScriptErrors) {
  EXPECT_EQ(Eval("return 1 +"),
            "-ERR Error compiling script (new function): user_script:1: unexpected symbol near "
            "'<eof>'\r\n");
  std::string sha = Sha("error('boom')");
  EXPECT_EQ(Eval("error('boom')"), "-ERR user_script:1: boom script: " + sha + ", on @user_script:1.\r\n");
  sha = Sha("error('boom', 0)");
  EXPECT_EQ(Eval("error('boom', 0)"), "-ERR boom script: " + sha + ", on @user_script:1.\r\n");
  sha = Sha("error(nil)");
  EXPECT_EQ(Eval("error(nil)"), "-ERR nil script: " + sha + ", on @user_script:1.\r\n");
  sha = Sha("error({err='X custom'})");
  EXPECT_EQ(Eval("error({err='X custom'})"), "-X custom script: " + sha + ", on @user_script:1.\r\n");
  sha = Sha("local a = 1\nerror('x')");
  EXPECT_EQ(Eval("local a = 1\nerror('x')"), "-ERR user_script:2: x script: " + sha + ", on @user_script:2.\r\n");
  // Redis 7.0.15 crashes on these; we answer an error.
  EXPECT_EQ(Eval("error({1,2})").substr(0, 18), "-ERR unknown error");
  EXPECT_EQ(Eval("error(setmetatable({}, {__index=function() error('x') end}))").substr(0, 18),
            "-ERR unknown error");
  EXPECT_EQ(Eval("return redis.error_reply('FOO bar')"), "-FOO bar\r\n");
  EXPECT_EQ(Eval("return redis.error_reply('-FOO bar')"), "-FOO bar\r\n");
  EXPECT_EQ(Eval("return redis.error_reply('nospace')"), "-ERR nospace\r\n");
  EXPECT_EQ(Eval("return redis.status_reply('FINE')"), "+FINE\r\n");
  EXPECT_EQ(Eval("return redis.status_reply(1)"), "-ERR wrong number or type of arguments\r\n");
}

TEST_F(LuaEngineTest, Sandbox) {
  std::string sha = Sha("x = 1");
  EXPECT_EQ(Eval("x = 1"), "-ERR user_script:1: Attempt to modify a readonly table script: " + sha +
                               ", on @user_script:1.\r\n");
  sha = Sha("return y");
  EXPECT_EQ(Eval("return y"),
            "-ERR user_script:1: Script attempted to access nonexistent global variable 'y' script: " +
                sha + ", on @user_script:1.\r\n");
  for (const char* name : {"os", "io", "debug", "loadfile", "dofile", "print", "require",
                           "package", "module", "newproxy", "setfenv", "getfenv"}) {
    std::string body = std::string("return ") + name;
    EXPECT_NE(Eval(body).find("nonexistent global variable '" + std::string(name) + "'"),
              std::string::npos)
        << name;
  }
  sha = Sha("rawset(_G, 'x', 1)");
  EXPECT_EQ(Eval("rawset(_G, 'x', 1)"),
            "-ERR Attempt to modify a readonly table script: " + sha + ", on @user_script:1.\r\n");
  EXPECT_NE(Eval("string.len = nil").find("Attempt to modify a readonly table"), std::string::npos);
  EXPECT_NE(Eval("redis.call = nil").find("Attempt to modify a readonly table"), std::string::npos);
  EXPECT_NE(Eval("setmetatable(_G, nil)").find("Attempt to modify a readonly table"), std::string::npos);
  EXPECT_NE(Eval("table.insert(string, 1)").find("Attempt to modify a readonly table"), std::string::npos);
  EXPECT_NE(Eval("getmetatable('').__index = 1").find("readonly"), std::string::npos);
  // getfenv(tostring) used to reach the writable globals: no name reaches them now.
  EXPECT_EQ(Eval("return {rawget(_G, 'getfenv'), rawget(_G, 'setfenv')}"), "*0\r\n");
  EXPECT_EQ(Eval("return getmetatable('').__index == string"), ":1\r\n");
  EXPECT_EQ(Eval("return tostring(next(string) ~= nil)"), "$4\r\ntrue\r\n");
  EXPECT_EQ(Eval("local n = 0 for k in pairs(redis) do n = n + 1 end return n > 10"), ":1\r\n");
  EXPECT_EQ(Eval("return loadstring('return 7')()"), ":7\r\n");
  EXPECT_EQ(Eval("return cjson.encode({1,2})"), "$5\r\n[1,2]\r\n");
  EXPECT_EQ(Eval("return bit.band(7, 3)"), ":3\r\n");
  EXPECT_EQ(Eval("local t = {} t.x = 1 return t.x"), ":1\r\n");
  EXPECT_EQ(Eval("return coroutine.wrap(function() coroutine.yield(5) end)()"), ":5\r\n");
}

TEST_F(LuaEngineTest, MetatablesOfProtectedTables) {
  // _G's is a read-only table holding only __index (the missing-global error).
  EXPECT_EQ(Eval("local r = {} for k, v in pairs(getmetatable(_G)) do r[#r+1] = k .. '=' .. "
                 "type(v) end return r"),
            "*1\r\n$16\r\n__index=function\r\n");
  std::string body = "local mt = getmetatable(_G); mt.__index = nil";
  EXPECT_EQ(Eval(body), "-ERR user_script:1: Attempt to modify a readonly table script: " +
                            Sha(body) + ", on @user_script:1.\r\n");
  body = "rawset(getmetatable(_G), '__index', nil)";
  EXPECT_EQ(Eval(body), "-ERR Attempt to modify a readonly table script: " + Sha(body) +
                            ", on @user_script:1.\r\n");
  body = "setmetatable(getmetatable(_G), nil)";
  EXPECT_EQ(Eval(body), "-ERR Attempt to modify a readonly table script: " + Sha(body) +
                            ", on @user_script:1.\r\n");
  body = "return getmetatable(_G).__index(_G, 'xx')";
  EXPECT_EQ(Eval(body),
            "-ERR user_script:1: Script attempted to access nonexistent global variable 'xx' "
            "script: " + Sha(body) + ", on @user_script:1.\r\n");
  EXPECT_EQ(Eval("return type(getmetatable(getmetatable(_G)))"), "$3\r\nnil\r\n");
  // The library tables have none; user tables keep theirs.
  for (const char* name : {"string", "table", "math", "redis", "cjson", "bit", "struct",
                           "cmsgpack", "coroutine"}) {
    EXPECT_EQ(Eval(std::string("return type(getmetatable(") + name + "))"), "$3\r\nnil\r\n")
        << name;
  }
  EXPECT_EQ(Eval("return type(getmetatable({}))"), "$3\r\nnil\r\n");
  EXPECT_EQ(Eval("return getmetatable(setmetatable({}, {__metatable = 'x'}))"), "$1\r\nx\r\n");
  EXPECT_EQ(Eval("return tostring(getmetatable(setmetatable({}, {__metatable = false})))"),
            "$5\r\nfalse\r\n");
  // The strings' holds only __index, the string library.
  EXPECT_EQ(Eval("local r = {} for k in pairs(getmetatable('')) do r[#r+1] = k end return r"),
            "*1\r\n$7\r\n__index\r\n");
  EXPECT_EQ(Eval("return type(getmetatable(getmetatable('')))"), "$3\r\nnil\r\n");
}

TEST_F(LuaEngineTest, BytecodeIsParsedAsText) {
  // Redis's Lua never undumps: a precompiled chunk fails as source text would.
  EXPECT_EQ(Eval("local f, e = loadstring(string.dump(function() return 1 end)) "
                 "return {tostring(f), e}"),
            "*2\r\n$3\r\nnil\r\n$53\r\n[string \"\x1bLuaQ\"]:1: unexpected symbol near "
            "'char(27)'\r\n");
  EXPECT_EQ(Eval("local f, e = loadstring('\\27', '=nm') return {tostring(f), e}"),
            "*2\r\n$3\r\nnil\r\n$39\r\nnm:1: unexpected symbol near 'char(27)'\r\n");
  EXPECT_EQ(Eval("local s = string.dump(function() return 1 end) local i = 0 "
                 "local f, e = load(function() i = i + 1 if i == 1 then return s end end) "
                 "return {tostring(f), e}"),
            "*2\r\n$3\r\nnil\r\n$43\r\n(load):1: unexpected symbol near 'char(27)'\r\n");
  // Source still loads, from a string or in pieces.
  EXPECT_EQ(Eval("return loadstring('return 7')()"), ":7\r\n");
  EXPECT_EQ(Eval("local p = {'return ', '8'} local i = 0 "
                 "return load(function() i = i + 1 return p[i] end)()"),
            ":8\r\n");
  // A reader returning a non-string fails inside load, through the message handler.
  EXPECT_EQ(Eval("local f, e = load(function() return {} end) return e.err"),
            "$55\r\nERR user_script:1: reader function must return a string\r\n");
}

TEST_F(LuaEngineTest, EncodersSeeTheLibraryTables) {
  std::string body = "return cjson.encode(math)";
  EXPECT_EQ(Eval(body), "-ERR user_script:1: Cannot serialise function: type not supported "
                        "script: " + Sha(body) + ", on @user_script:1.\r\n");
  body = "return cjson.encode({a = {}, b = {string}})";
  EXPECT_NE(Eval(body).find("Cannot serialise function"), std::string::npos);
  EXPECT_EQ(Eval("return cjson.encode({a = {}})"), "$8\r\n{\"a\":{}}\r\n");
  EXPECT_EQ(Eval("return {pcall(cjson.encode, _G)}"),
            "*2\r\n$-1\r\n$45\r\nCannot serialise function: type not supported\r\n");
  // The views are back in place afterwards.
  EXPECT_NE(Eval("pcall(cjson.encode, _G) string.x = 1").find("readonly"), std::string::npos);
  EXPECT_NE(Eval("pcall(cjson.encode, {string}) string.x = 1").find("readonly"),
            std::string::npos);
  // cmsgpack packs the real contents (nil for each function).
  EXPECT_EQ(Eval("local t = cmsgpack.unpack(cmsgpack.pack(math)) return {t.pi > 3, t.huge > 0}"),
            "*2\r\n:1\r\n:1\r\n");
  EXPECT_EQ(Eval("return #cmsgpack.pack(string)"), ":99\r\n");
  EXPECT_EQ(Eval("return #cmsgpack.pack({[math] = 1})"), ":202\r\n");
}

TEST_F(LuaEngineTest, RedisErrorHandlerIsAGlobal) {
  EXPECT_EQ(Eval("local e = __redis__err__handler('boom') return {e.err, e.source, e.line}"),
            "*3\r\n$8\r\nERR boom\r\n$12\r\n@user_script\r\n:1\r\n");
  EXPECT_EQ(Eval("local ok, e = xpcall(function() error('q') end, __redis__err__handler) "
                 "return e.err"),
            "$20\r\nERR user_script:1: q\r\n");
  std::string body = "error(string)";
  EXPECT_EQ(Eval(body), "-ERR err_handler_def:10: Attempt to modify a readonly table script: " +
                            Sha(body) + ", on @err_handler_def:10.\r\n");
  EXPECT_EQ(Eval("local n = 0 for k in pairs(_G) do n = n + 1 end return n"), ":35\r\n");
}

TEST_F(LuaEngineTest, RedisApi) {
  EXPECT_EQ(Eval("return redis.sha1hex('')"), "$40\r\nda39a3ee5e6b4b0d3255bfef95601890afd80709\r\n");
  EXPECT_EQ(Eval("return redis.sha1hex(1)"), "$40\r\n356a192b7913b04c54574d18c28d46e6395428ab\r\n");
  EXPECT_EQ(Eval("return redis.REDIS_VERSION_NUM"), ":458767\r\n");
  EXPECT_EQ(Eval("return redis.REDIS_VERSION"), "$6\r\n7.0.15\r\n");
  EXPECT_EQ(Eval("return redis.replicate_commands()"), ":1\r\n");
  EXPECT_EQ(Eval("return redis.breakpoint()"), "$-1\r\n");
  EXPECT_EQ(Eval("redis.set_repl(redis.REPL_AOF) return 1"), ":1\r\n");
  EXPECT_EQ(host_.repl, 1);
  EXPECT_NE(Eval("return redis.set_repl(8)").find("-ERR Invalid replication flags. Use REPL_AOF, "
                                                  "REPL_REPLICA, REPL_ALL or REPL_NONE. script:"),
            std::string::npos);
  Eval("redis.log(redis.LOG_WARNING, 'hello', 'world')");
  EXPECT_EQ(host_.logs.back(), "3:hello world");
  EXPECT_NE(Eval("redis.log(9, 'x')").find("-ERR Invalid debug level. script:"), std::string::npos);
  EXPECT_NE(Eval("redis.setresp(4)").find("-ERR RESP version must be 2 or 3. script:"), std::string::npos);
  EXPECT_EQ(Eval("return redis.acl_check_cmd('get', 'x')"), ":1\r\n");
  EXPECT_EQ(Eval("return redis.acl_check_cmd('denied')"), "$-1\r\n");
  EXPECT_NE(Eval("return redis.acl_check_cmd('nosuch')").find("Invalid command passed to"),
            std::string::npos);
}

TEST_F(LuaEngineTest, MathRandomFollowsRedisSequence) {
  // A fresh redis-server's first calls (the state is not reset between scripts).
  EXPECT_EQ(Eval("return math.random()"), ":0\r\n");
  EXPECT_EQ(Eval("return math.random(10)"), ":9\r\n");
  EXPECT_EQ(Eval("math.randomseed(1) return tostring(math.random())"), "$17\r\n0.041630344484761\r\n");
}

TEST_F(LuaEngineTest, ShouldStopKillsTheScriptEvenThroughPcall) {
  host_.stop_after_polls = 2;
  std::string sha = Sha("while true do pcall(function() while true do end end) end");
  std::string out = Eval("while true do pcall(function() while true do end end) end");
  EXPECT_EQ(out.substr(0, 51), "-ERR Script killed by user with SCRIPT KILL... scri");
}

TEST_F(LuaEngineTest, MemoryIsCountedAndBounded) {
  EXPECT_GT(engine_.eval_memory(), 10000u);
  ScriptCache cache;
  FunctionRegistry functions;
  LuaEngine small(cache, functions, LuaEngine::Options{.memory_limit = 4 << 20});
  std::string error;
  auto script = small.LoadScript("return #string.rep('x', 100000000)", &error);
  base::IoBuf out;
  protocol::ReplyBuilder reply(&out, 2);
  small.Eval(*script, {}, {}, host_, reply);
  EXPECT_EQ(std::string(out.view()),
            "-ERR Error running script " + script->sha + ", not enough memory\r\n");
  // Also when the allocation fails inside cjson.encode, below its wrapper's pcall.
  script = small.LoadScript("local s = string.rep('x', 300000) "
                            "return #cjson.encode({s, s, s, s, s, s, s, s, s, s, s, s, {}})",
                            &error);
  base::IoBuf out2;
  protocol::ReplyBuilder reply2(&out2, 2);
  small.Eval(*script, {}, {}, host_, reply2);
  EXPECT_EQ(std::string(out2.view()),
            "-ERR Error running script " + script->sha + ", not enough memory\r\n");
}

TEST_F(LuaEngineTest, ScriptCacheIsSharedAndFlushed) {
  std::string sha = Sha("return 5");
  EXPECT_TRUE(cache_.Exists(sha));
  EXPECT_EQ(cache_.count(), 1u);
  // Another thread's engine runs it by SHA.
  LuaEngine other(cache_, functions_);
  base::IoBuf out;
  protocol::ReplyBuilder reply(&out, 2);
  other.Eval(*cache_.Find(sha), {}, {}, host_, reply);
  EXPECT_EQ(out.view(), ":5\r\n");
  cache_.Flush();
  EXPECT_FALSE(cache_.Exists(sha));
  EXPECT_EQ(Eval("return 6"), ":6\r\n");
}

}  // namespace
}  // namespace cinnabar::scripting

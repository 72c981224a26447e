// FUNCTION LOAD / FCALL and the shebang parsers, against Redis 7.0.15's replies.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "protocol/reply_builder.h"
#include "scripting/lua_engine.h"
#include "scripting/script_flags.h"

namespace cinnabar::scripting {
namespace {

class QuietHost : public ScriptHost {
 public:
  std::vector<std::string> logs;
  void Call(std::span<const std::string_view>, int, base::IoBuf* out) override { out->Append("+OK\r\n"); }
  void Log(int, std::string_view message) override { logs.emplace_back(message); }
  void SetRepl(int) override {}
  bool AclCheck(std::span<const std::string_view>, bool* known) override {
    *known = true;
    return true;
  }
  bool ShouldStop() override { return false; }
};

class FunctionsTest : public ::testing::Test {
 protected:
  std::string Load(std::string_view code, bool replace = false) {
    std::string error;
    std::string name = engine_.FunctionLoad(code, replace, &host_, &error);
    return name.empty() ? error : name;
  }
  std::string FCall(LuaEngine& engine, std::string_view name, std::vector<std::string_view> keys = {},
                    std::vector<std::string_view> argv = {}) {
    FunctionRef fn = functions_.FindFunction(name);
    if (!fn) return "-ERR Function not found\r\n";
    base::IoBuf out;
    protocol::ReplyBuilder reply(&out, 2);
    engine.FCall(fn, keys, argv, host_, reply);
    return std::string(out.view());
  }
  std::string FCall(std::string_view name, std::vector<std::string_view> keys = {},
                    std::vector<std::string_view> argv = {}) {
    return FCall(engine_, name, keys, argv);
  }
  std::string Lib(std::string_view name, std::string_view body) {
    return "#!lua name=" + std::string(name) + "\n" + std::string(body);
  }

  ScriptCache cache_;
  FunctionRegistry functions_;
  LuaEngine engine_{cache_, functions_};
  QuietHost host_;
};

TEST_F(FunctionsTest, LoadAndCall) {
  EXPECT_EQ(Load(Lib("mylib", "redis.register_function('f', function(keys, args) return {keys[1], args[1]} end)")),
            "mylib");
  EXPECT_EQ(FCall("f", {"k"}, {"a"}), "*2\r\n$1\r\nk\r\n$1\r\na\r\n");
  // Another thread's engine compiles the library lazily.
  LuaEngine other(cache_, functions_);
  EXPECT_EQ(FCall(other, "f", {"x"}, {"y"}), "*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
  EXPECT_EQ(Load(Lib("mylib", "redis.register_function('g', function() return 1 end)")),
            "ERR Library 'mylib' already exists");
  EXPECT_EQ(Load(Lib("lib2", "redis.register_function('f', function() return 1 end)")),
            "ERR Function f already exists");
  EXPECT_EQ(Load(Lib("mylib", "redis.register_function('f', function() return 2 end)"), true), "mylib");
  EXPECT_EQ(FCall(other, "f"), ":2\r\n");
  EXPECT_TRUE(functions_.Delete("mylib"));
  EXPECT_FALSE(functions_.FindFunction("f"));
}

TEST_F(FunctionsTest, TableFormAndFlags) {
  EXPECT_EQ(Load(Lib("L27", "redis.register_function{function_name='ff', callback=function() return 2 end, "
                            "flags={'no-writes','allow-oom','allow-stale','no-cluster','allow-cross-slot-keys'}, "
                            "description='desc'}")),
            "L27");
  FunctionRef fn = functions_.FindFunction("ff");
  ASSERT_TRUE(fn);
  EXPECT_EQ(fn.function->description.value_or(""), "desc");
  EXPECT_EQ(FlagNames(fn.function->flags),
            (std::vector<std::string_view>{"no-writes", "allow-oom", "allow-stale", "no-cluster",
                                           "allow-cross-slot-keys"}));
  EXPECT_EQ(FCall("ff"), ":2\r\n");
}

TEST_F(FunctionsTest, LoadErrors) {
  EXPECT_EQ(Load("redis.register_function('f', function() return 1 end)"), "ERR Missing library metadata");
  EXPECT_EQ(Load("#!lua"), "ERR Invalid library metadata");
  EXPECT_EQ(Load("#!lua\n"), "ERR Library name was not given");
  EXPECT_EQ(Load("#!lu name=x\n"), "ERR Engine 'lu' not found");
  EXPECT_EQ(Load("#!lua name=a name=b\n"), "ERR Invalid metadata value, name argument was given multiple times");
  EXPECT_EQ(Load("#!lua name=a-b foo=bar\n"), "ERR Invalid metadata value given: foo=bar");
  EXPECT_EQ(Load("#!lua name=a-b\n"),
            "ERR Library names can only contain letters, numbers, or underscores(_) and must be at least "
            "one character long");
  EXPECT_EQ(Load(Lib("L", "return 1")), "ERR No functions registered");
  EXPECT_EQ(Load(Lib("L", "redis.call('ping')")),
            "ERR Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'call'");
  EXPECT_EQ(Load(Lib("L", "local x = math")),
            "ERR Error registering functions: ERR user_function:2: Script attempted to access "
            "nonexistent global variable 'math'");
  EXPECT_EQ(Load(Lib("L", "x = 1")),
            "ERR Error registering functions: ERR user_function:2: Attempt to modify a readonly table");
  EXPECT_EQ(Load(Lib("L", "redis.register_function('x', function() end")),
            "ERR Error compiling function: user_function:2: ')' expected near '<eof>'");
  EXPECT_EQ(Load(Lib("L", "redis.register_function('x')")),
            "ERR Error registering functions: ERR calling redis.register_function with a single argument is "
            "only applicable to Lua table (representing named arguments).");
  EXPECT_EQ(Load(Lib("L", "redis.register_function('x', 1)")),
            "ERR Error registering functions: ERR second argument to redis.register_function must be a function");
  EXPECT_EQ(Load(Lib("L", "redis.register_function('x', function() end, 3)")),
            "ERR Error registering functions: ERR wrong number of arguments to redis.register_function");
  EXPECT_EQ(Load(Lib("L", "redis.register_function('x', function() end) redis.register_function('x', function() end)")),
            "ERR Error registering functions: ERR Function already exists in the library");
  EXPECT_EQ(Load(Lib("L", "redis.register_function{function_name='x', callback=function() end, flags={'bad'}}")),
            "ERR Error registering functions: ERR unknown flag given");
  EXPECT_EQ(Load(Lib("L", "redis.register_function{function_name='x', callback=function() end, extra=1}")),
            "ERR Error registering functions: ERR unknown argument given to redis.register_function");
  EXPECT_EQ(Load(Lib("L", "redis.register_function{function_name='x', callback=function() end, flags='no-writes'}")),
            "ERR Error registering functions: ERR flags argument to redis.register_function must be a table "
            "representing function flags");
  EXPECT_EQ(Load(Lib("L", "redis.register_function{function_name='x'}")),
            "ERR Error registering functions: ERR redis.register_function must get a callback argument");
  EXPECT_EQ(Load(Lib("L", "redis.register_function{callback=function() end}")),
            "ERR Error registering functions: ERR redis.register_function must get a function name argument");
  EXPECT_EQ(Load(Lib("L", "while true do end")), "ERR Error registering functions: ERR FUNCTION LOAD timeout");
  EXPECT_EQ(functions_.library_count(), 0u);
}

TEST_F(FunctionsTest, RunTimeErrorsAndLogging) {
  EXPECT_EQ(Load(Lib("lib5", "redis.log(redis.LOG_WARNING, 'hi') redis.register_function('e', function() error('boom') end)")),
            "lib5");
  EXPECT_EQ(host_.logs, std::vector<std::string>{"hi"});
  EXPECT_EQ(FCall("e"), "-ERR user_function:2: boom script: e, on @user_function:2.\r\n");
  EXPECT_EQ(Load(Lib("lib4", "local f = redis.register_function; redis.register_function('y', function() return f('z', function() end) end)")),
            "lib4");
  EXPECT_EQ(FCall("y"),
            "-ERR redis.register_function can only be called on FUNCTION LOAD command script: y, on "
            "@user_function:2.\r\n");
  EXPECT_EQ(Load(Lib("lib6", "redis.register_function('k', function() return KEYS end)")), "lib6");
  EXPECT_NE(FCall("k").find("nonexistent global variable 'KEYS'"), std::string::npos);
  EXPECT_EQ(Load(Lib("lib7", "redis.register_function('m', function() return math.floor(2.5) end)")), "lib7");
  EXPECT_EQ(FCall("m"), ":2\r\n");
}

TEST(ScriptFlagsTest, EvalShebang) {
  EXPECT_TRUE(ParseEvalShebang("return 1").flags.legacy);
  EvalShebang s = ParseEvalShebang("#!lua\nreturn 1");
  EXPECT_TRUE(s.error.empty());
  EXPECT_FALSE(s.flags.legacy);
  EXPECT_EQ(s.flags.bits, 0u);
  EXPECT_EQ(s.body_offset, 5u);
  s = ParseEvalShebang("#!lua  flags=no-writes,allow-oom\nreturn 1");
  EXPECT_EQ(s.flags.bits, kFlagNoWrites | kFlagAllowOom);
  EXPECT_TRUE(ParseEvalShebang("#!lua flags=\nreturn 1").error.empty());
  EXPECT_EQ(ParseEvalShebang("#!lua flags=no-writes,,\n").error, "ERR Unexpected flag in script shebang: ");
  EXPECT_EQ(ParseEvalShebang("#!luax\n").error, "ERR Unexpected engine in script shebang: #!luax");
  EXPECT_EQ(ParseEvalShebang("#! lua\n").error, "ERR Unexpected engine in script shebang: #!");
  EXPECT_EQ(ParseEvalShebang("#!lua foo\n").error, "ERR Unknown lua shebang option: foo");
  EXPECT_EQ(ParseEvalShebang("#!lua").error, "ERR Invalid script shebang");
}

}  // namespace
}  // namespace cinnabar::scripting

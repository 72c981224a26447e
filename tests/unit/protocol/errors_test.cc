#include "protocol/errors.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace cinnabar::protocol::errors {
namespace {

using namespace std::string_view_literals;

TEST(Errors, CutAtNulKeepsWhatPrecedesTheFirstNul) {
  EXPECT_EQ(CutAtNul("abc"), "abc");
  EXPECT_EQ(CutAtNul("a\0b\0c"sv), "a");
  EXPECT_EQ(CutAtNul("\0x"sv), "");
  EXPECT_EQ(CutAtNul(""), "");
}

TEST(Errors, QuotedArgumentsEndAtTheirNulAndTheTextGoesOn) {
  EXPECT_EQ(UnsupportedOption("b\0c"sv), "ERR Unsupported option b");
  EXPECT_EQ(HelloSyntax("bad\0x"sv), "ERR Syntax error in HELLO option 'bad'");
  EXPECT_EQ(UnknownClientType("t\0"sv), "ERR Unknown client type 't'");
  EXPECT_EQ(NoSuchUser("u\0v"sv), "ERR No such user 'u'");
  EXPECT_EQ(UnknownSubcommand("client", "FOO\0bar"sv),
            "ERR unknown subcommand 'FOO'. Try CLIENT HELP.");
  EXPECT_EQ(SubcommandSyntax("client", "unblock"),
            "ERR unknown subcommand or wrong number of arguments for 'unblock'. Try CLIENT HELP.");
  EXPECT_EQ(ConfigUnknownOption("hz\0x"sv),
            "ERR Unknown option or number of arguments for CONFIG SET - 'hz'");
  EXPECT_EQ(ConfigSetFailed("a\0b"sv, kConfigDuplicate),
            "ERR CONFIG SET failed (possibly related to argument 'a') - duplicate parameter");
}

TEST(Errors, UnknownCommandCutsEachArgumentAtNulThenTo128) {
  std::vector<std::string_view> args = {"a\0b"sv, "c"};
  EXPECT_EQ(UnknownCommand("FOO\0x"sv, args.data(), args.size()),
            "ERR unknown command 'FOO', with args beginning with: 'a' 'c' ");
  std::string long_name(200, 'x');
  std::string first(120, 'a'), second(20, 'b');
  std::vector<std::string_view> long_args = {first, second, "c"};
  EXPECT_EQ(UnknownCommand(long_name, long_args.data(), long_args.size()),
            "ERR unknown command '" + std::string(128, 'x') + "', with args beginning with: '" +
                first + "' 'bbbbb' ");
}

TEST(Errors, SubcommandTextsCutTheSubcommandTo128) {
  std::string sub(200, 's');
  EXPECT_EQ(UnknownSubcommand("config", sub),
            "ERR unknown subcommand '" + std::string(128, 's') + "'. Try CONFIG HELP.");
  EXPECT_EQ(SubcommandSyntax("debug", sub),
            "ERR unknown subcommand or wrong number of arguments for '" + std::string(128, 's') +
                "'. Try DEBUG HELP.");
}

TEST(Errors, ConfigReasons) {
  EXPECT_EQ(ConfigBounds(0, 10), "argument must be between 0 and 10 inclusive");
  constexpr std::string_view kNames[] = {"a", "b", "c"};
  EXPECT_EQ(ConfigChoices(kNames, 3), "argument(s) must be one of the following: a, b, c");
}

}  // namespace
}  // namespace cinnabar::protocol::errors

// MONITOR's line: Redis's timestamp, database and address form, arguments quoted as
// sdscatrepr does, secrets redacted by the command's own rule.
#include "engine/monitor.h"

#include <gtest/gtest.h>

#include <string_view>

#include "engine/command_spec.h"

namespace cinnabar::engine {
namespace {

bool RedactSecond(std::span<const std::string_view>, size_t i) { return i == 1; }

TEST(MonitorLineTest, QuotesEveryArgumentAsRedis) {
  const CommandSpec spec{.name = "SET"};
  const std::string_view args[] = {"SET", "k", "a \"b\"\\\n\r\t\x01\x7f\xff"};
  EXPECT_EQ(MonitorLine(1700000000000042, 3, "127.0.0.1:5000", args, spec),
            "+1700000000.000042 [3 127.0.0.1:5000] \"SET\" \"k\" "
            "\"a \\\"b\\\"\\\\\\n\\r\\t\\x01\\x7f\\xff\"\r\n");
}

TEST(MonitorLineTest, RedactsWhatTheCommandSays) {
  const CommandSpec spec{.name = "AUTH", .redacts = RedactSecond};
  const std::string_view args[] = {"AUTH", "secret"};
  EXPECT_EQ(MonitorLine(1000000, 0, "lua", args, spec), "+1.000000 [0 lua] \"AUTH\" \"(redacted)\"\r\n");
}

}  // namespace
}  // namespace cinnabar::engine

// client-output-buffer-limit through the ConfigStore: Redis 7.0's default, setting some
// classes while keeping the others, class names, and each error text (every expectation is
// redis-server 7.0's CONFIG SET / CONFIG GET).
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/config.h"

namespace cinnabar::engine {
namespace {

constexpr std::string_view kDirective = "client-output-buffer-limit";
constexpr std::string_view kDefault =
    "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";

class OutputLimitConfigTest : public ::testing::Test {
 protected:
  base::Status Set(std::string_view value) {
    std::vector<std::string_view> pairs = {kDirective, value};
    return store_.Set(pairs, {});
  }
  std::string Get() {
    std::vector<std::string_view> names = {kDirective};
    auto pairs = store_.Get(names);
    EXPECT_EQ(pairs.size(), 1u);
    return pairs.empty() ? "" : pairs[0].second;
  }
  // The CONFIG SET error Redis gives for a bad value, with `reason`.
  static std::string Failed(std::string_view reason) {
    return "ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - " +
           std::string(reason);
  }
  const OutputLimit& Limit(ClientClass c) { return store_.snapshot()->output_limit(c); }

  ConfigStore store_{ServerConfig{}};
};

TEST_F(OutputLimitConfigTest, DefaultIsRedisDefault) {
  EXPECT_EQ(Get(), kDefault);
  EXPECT_EQ(Limit(ClientClass::kNormal).hard, 0);
  EXPECT_EQ(Limit(ClientClass::kReplica).soft, 64 << 20);
  EXPECT_EQ(Limit(ClientClass::kPubSub).soft_seconds, 60);
}

TEST_F(OutputLimitConfigTest, SettingOneClassKeepsTheOthers) {
  ASSERT_TRUE(Set("normal 1kb 2mb 3").ok());
  EXPECT_EQ(Get(), "normal 1024 2097152 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
  const OutputLimit& normal = Limit(ClientClass::kNormal);
  EXPECT_EQ(normal.hard, 1024);
  EXPECT_EQ(normal.soft, 2097152);
  EXPECT_EQ(normal.soft_seconds, 3);
}

TEST_F(OutputLimitConfigTest, SeveralClassesInOneValue) {
  ASSERT_TRUE(Set("pubsub 1mb 0 0 normal 5 6 7").ok());
  EXPECT_EQ(Get(), "normal 5 6 7 slave 268435456 67108864 60 pubsub 1048576 0 0");
}

TEST_F(OutputLimitConfigTest, ReplicaAndSlaveNameOneClass) {
  ASSERT_TRUE(Set("replica 1 2 3").ok());
  EXPECT_EQ(Get(), "normal 0 0 0 slave 1 2 3 pubsub 33554432 8388608 60");
  ASSERT_TRUE(Set("slave 4 5 6").ok());
  EXPECT_EQ(Get(), "normal 0 0 0 slave 4 5 6 pubsub 33554432 8388608 60");
  EXPECT_EQ(Limit(ClientClass::kReplica).hard, 4);
}

TEST_F(OutputLimitConfigTest, ClassNamesIgnoreCase) {
  ASSERT_TRUE(Set("Normal 2 2 2 PUBSUB 3 3 3 SLAVE 4 4 4").ok());
  EXPECT_EQ(Get(), "normal 2 2 2 slave 4 4 4 pubsub 3 3 3");
}

// Redis compat (memtoull): decimal units, and a huge number saturates.
TEST_F(OutputLimitConfigTest, SizesTakeMemoryUnits) {
  ASSERT_TRUE(Set("normal 1G 1k 1").ok());
  EXPECT_EQ(Get(),
            "normal 1000000000 1000 1 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
}

TEST_F(OutputLimitConfigTest, ACountThatIsNoMultipleOfFourIsRefused) {
  const std::string arity = Failed("Wrong number of arguments in buffer limit configuration.");
  EXPECT_EQ(Set("normal 1 1").message(), arity);
  EXPECT_EQ(Set("normal 1 1 1 pubsub").message(), arity);
  EXPECT_EQ(Get(), kDefault);
}

// Redis compat: master is a client class, but not one with a limit of its own.
TEST_F(OutputLimitConfigTest, AnUnknownClassIsRefused) {
  const std::string cls = Failed("Invalid client class specified in buffer limit configuration.");
  EXPECT_EQ(Set("master 1 1 1").message(), cls);
  EXPECT_EQ(Set("foo 1 1 1").message(), cls);
  EXPECT_EQ(Get(), kDefault);
}

TEST_F(OutputLimitConfigTest, ABadNumberIsRefused) {
  const std::string value =
      Failed("Error in hard, soft or soft_seconds setting in buffer limit configuration.");
  EXPECT_EQ(Set("normal x 1 1").message(), value);
  EXPECT_EQ(Set("normal 0 0 -1").message(), value);
  EXPECT_EQ(Set("normal -1 0 0").message(), value);
  EXPECT_EQ(Set("normal 1 1 1x").message(), value);
  EXPECT_EQ(Set("normal 1 1 1.5").message(), value);
  EXPECT_EQ(Get(), kDefault);
}

// All or nothing: a bad second class leaves the first unchanged too.
TEST_F(OutputLimitConfigTest, OneBadClassChangesNothing) {
  EXPECT_FALSE(Set("pubsub 7 7 7 normal x 1 1").ok());
  EXPECT_FALSE(Set("pubsub 7 7 7 master 1 1 1").ok());
  EXPECT_EQ(Get(), kDefault);
}

// At startup each configuration line sets its classes; later lines keep earlier ones.
TEST_F(OutputLimitConfigTest, ConfigFileLinesAccumulate) {
  std::vector<std::string> normal = {"normal", "1", "2", "3"};
  ASSERT_TRUE(store_.ApplyLine(kDirective, normal).ok());
  std::vector<std::string> pubsub = {"pubsub 4 5 6"};  // one argument: split as a line
  ASSERT_TRUE(store_.ApplyLine(kDirective, pubsub).ok());
  EXPECT_EQ(Get(), "normal 1 2 3 slave 268435456 67108864 60 pubsub 4 5 6");
  std::vector<std::string> bad = {"normal", "1", "2"};
  EXPECT_EQ(store_.ApplyLine(kDirective, bad).message(),
            "Wrong number of arguments in buffer limit configuration.");
}

// Redis compat (strtoll): the seconds may have a sign or leading zeros.
// DISABLED: Cinnabar refuses all three (base::ParseInt64 takes no '+', no leading zero, no
// "-0"); Redis 7.0 sets 1, 1 and 0.
TEST_F(OutputLimitConfigTest, SecondsAreReadAsStrtollReadsThem) {
  EXPECT_TRUE(Set("normal 1 1 +1").ok());
  EXPECT_TRUE(Set("pubsub 1 1 01").ok());
  EXPECT_TRUE(Set("slave 1 1 -0").ok());
  EXPECT_EQ(Get(), "normal 1 1 1 slave 1 1 0 pubsub 1 1 1");
}

// Redis compat (memtoull): sizes are unsigned; a saturated one prints as 2^64-1.
// DISABLED: Cinnabar stores them as int64_t and prints -1.
TEST_F(OutputLimitConfigTest, HugeSizesPrintUnsigned) {
  ASSERT_TRUE(Set("normal 99999999999999999999 9223372036854775808 1").ok());
  EXPECT_EQ(Get(),
            "normal 18446744073709551615 9223372036854775808 1 slave 268435456 67108864 60 "
            "pubsub 33554432 8388608 60");
}

// Redis compat: an empty value is zero classes, a multiple of four: nothing changes.
// DISABLED: Cinnabar answers the arity error; Redis 7.0 answers OK.
TEST_F(OutputLimitConfigTest, AnEmptyValueChangesNothing) {
  ASSERT_TRUE(Set("normal 1 2 3").ok());
  EXPECT_TRUE(Set("").ok());
  EXPECT_EQ(Get(), "normal 1 2 3 slave 268435456 67108864 60 pubsub 33554432 8388608 60");
}

}  // namespace
}  // namespace cinnabar::engine

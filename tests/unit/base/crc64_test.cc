#include "base/crc64.h"

#include <gtest/gtest.h>

namespace cinnabar::base {
namespace {

TEST(Crc64, MatchesRedisCheckValue) {
  // Redis's own crc64 self-test value for "123456789".
  EXPECT_EQ(Crc64(0, "123456789"), 0xe9c6d914c4b8d9caull);
}

TEST(Crc64, ContinuesAcrossPieces) {
  EXPECT_EQ(Crc64(Crc64(0, "1234"), "56789"), Crc64(0, "123456789"));
  EXPECT_EQ(Crc64(0, ""), 0u);
}

}  // namespace
}  // namespace cinnabar::base

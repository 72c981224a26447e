#include "base/string_util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

namespace cinnabar::base {
namespace {

bool Int64(std::string_view s, int64_t* out = nullptr) {
  int64_t v = 0;
  bool ok = ParseInt64(s, &v);
  if (out != nullptr) *out = v;
  return ok;
}

bool Uint64(std::string_view s, uint64_t* out = nullptr) {
  uint64_t v = 0;
  bool ok = ParseUint64(s, &v);
  if (out != nullptr) *out = v;
  return ok;
}

TEST(ParseInt64, AcceptsCanonicalIntegers) {
  int64_t v;
  EXPECT_TRUE(Int64("0", &v));
  EXPECT_EQ(v, 0);
  EXPECT_TRUE(Int64("7", &v));
  EXPECT_EQ(v, 7);
  EXPECT_TRUE(Int64("-7", &v));
  EXPECT_EQ(v, -7);
  EXPECT_TRUE(Int64("1234567890", &v));
  EXPECT_EQ(v, 1234567890);
}

TEST(ParseInt64, RejectsNegativeZeroPlusSignSpacesAndLeadingZeros) {
  EXPECT_FALSE(Int64("-0"));
  EXPECT_FALSE(Int64("+1"));
  EXPECT_FALSE(Int64(" 1"));
  EXPECT_FALSE(Int64("1 "));
  EXPECT_FALSE(Int64("01"));
  EXPECT_FALSE(Int64("-01"));
  EXPECT_FALSE(Int64("00"));
  EXPECT_FALSE(Int64(""));
  EXPECT_FALSE(Int64("-"));
  EXPECT_FALSE(Int64("1a"));
  EXPECT_FALSE(Int64("1.0"));
  EXPECT_FALSE(Int64("--1"));
  EXPECT_FALSE(Int64(std::string_view("1\0", 2)));
}

TEST(ParseInt64, AcceptsBothEndsOfTheRange) {
  int64_t v;
  EXPECT_TRUE(Int64("9223372036854775807", &v));
  EXPECT_EQ(v, INT64_MAX);
  EXPECT_TRUE(Int64("-9223372036854775808", &v));  // 20 characters
  EXPECT_EQ(v, INT64_MIN);
}

TEST(ParseInt64, RejectsOverflowAtBothEnds) {
  EXPECT_FALSE(Int64("9223372036854775808"));
  EXPECT_FALSE(Int64("-9223372036854775809"));
  EXPECT_FALSE(Int64("18446744073709551615"));
  EXPECT_FALSE(Int64("18446744073709551616"));
  EXPECT_FALSE(Int64("99999999999999999999"));  // 20 digits, overflows uint64 too
}

TEST(ParseInt64, RejectsMoreThanTwentyCharacters) {
  EXPECT_FALSE(Int64("-00000000000000000001"));  // 21 characters
  EXPECT_FALSE(Int64("100000000000000000000"));  // 21 characters
  EXPECT_FALSE(Int64("-100000000000000000000"));
}

TEST(ParseInt64, LeavesOutputUntouchedOnFailure) {
  int64_t v = 42;
  EXPECT_FALSE(ParseInt64("abc", &v));
  EXPECT_EQ(v, 42);
}

TEST(ParseUint64, AcceptsTheFullUnsignedRange) {
  uint64_t v;
  EXPECT_TRUE(Uint64("0", &v));
  EXPECT_EQ(v, 0u);
  EXPECT_TRUE(Uint64("18446744073709551615", &v));  // 20 characters
  EXPECT_EQ(v, UINT64_MAX);
  EXPECT_TRUE(Uint64("9223372036854775808", &v));
  EXPECT_EQ(v, uint64_t{1} << 63);
}

TEST(ParseUint64, RejectsSignsSpacesLeadingZerosAndOverflow) {
  EXPECT_FALSE(Uint64("-1"));
  EXPECT_FALSE(Uint64("-0"));
  EXPECT_FALSE(Uint64("+1"));
  EXPECT_FALSE(Uint64(" 1"));
  EXPECT_FALSE(Uint64("01"));
  EXPECT_FALSE(Uint64(""));
  EXPECT_FALSE(Uint64("18446744073709551616"));
  EXPECT_FALSE(Uint64("99999999999999999999"));
  EXPECT_FALSE(Uint64("100000000000000000000"));  // 21 characters
}

TEST(ParseDouble, AcceptsDecimalExponentHexAndInfinity) {
  double d;
  EXPECT_TRUE(ParseDouble("1.5", &d));
  EXPECT_EQ(d, 1.5);
  EXPECT_TRUE(ParseDouble("-3", &d));
  EXPECT_EQ(d, -3.0);
  EXPECT_TRUE(ParseDouble("1e3", &d));
  EXPECT_EQ(d, 1000.0);
  EXPECT_TRUE(ParseDouble(".5", &d));
  EXPECT_EQ(d, 0.5);
  EXPECT_TRUE(ParseDouble("0x10", &d));
  EXPECT_EQ(d, 16.0);
  EXPECT_TRUE(ParseDouble("0x1p-2", &d));
  EXPECT_EQ(d, 0.25);
  EXPECT_TRUE(ParseDouble("inf", &d));
  EXPECT_TRUE(std::isinf(d) && d > 0);
  EXPECT_TRUE(ParseDouble("-inf", &d));
  EXPECT_TRUE(std::isinf(d) && d < 0);
  EXPECT_TRUE(ParseDouble("+inf", &d));
  EXPECT_TRUE(ParseDouble("Infinity", &d));
  EXPECT_TRUE(std::isinf(d));
}

TEST(ParseDouble, RejectsNanSpacesGarbageAndRangeErrors) {
  double d = 7;
  EXPECT_FALSE(ParseDouble("nan", &d));
  EXPECT_FALSE(ParseDouble("-nan", &d));
  EXPECT_FALSE(ParseDouble("NaN", &d));
  EXPECT_FALSE(ParseDouble(" 1", &d));
  EXPECT_FALSE(ParseDouble("\t1", &d));
  EXPECT_FALSE(ParseDouble("1 ", &d));
  EXPECT_FALSE(ParseDouble("", &d));
  EXPECT_FALSE(ParseDouble("1.5x", &d));
  EXPECT_FALSE(ParseDouble("abc", &d));
  EXPECT_FALSE(ParseDouble("1e400", &d));   // overflows to HUGE_VAL
  EXPECT_FALSE(ParseDouble("-1e400", &d));
  EXPECT_FALSE(ParseDouble("1e-400", &d));  // underflows to zero
  EXPECT_FALSE(ParseDouble(std::string_view("1\0", 2), &d));
  EXPECT_EQ(d, 7);
}

TEST(ParseDouble, RejectsInputLongerThanItsBuffer) {
  double d;
  std::string long_number = "1." + std::string(6000, '0');
  EXPECT_FALSE(ParseDouble(long_number, &d));
  std::string fits = "1." + std::string(5000, '0');
  EXPECT_TRUE(ParseDouble(fits, &d));
  EXPECT_EQ(d, 1.0);
}

TEST(ParseLongDouble, AcceptsWhatDoubleAcceptsAndAWiderRange) {
  long double v;
  EXPECT_TRUE(ParseLongDouble("10.5", &v));
  EXPECT_EQ(v, 10.5L);
  EXPECT_TRUE(ParseLongDouble("0x10", &v));
  EXPECT_EQ(v, 16.0L);
  EXPECT_TRUE(ParseLongDouble("-inf", &v));
  EXPECT_TRUE(std::isinf(v) && v < 0);
  EXPECT_TRUE(ParseLongDouble("1e400", &v));  // fits an x87 long double
  EXPECT_GT(v, 1e300L);
}

TEST(ParseLongDouble, RejectsNanSpacesAndRangeErrors) {
  long double v;
  EXPECT_FALSE(ParseLongDouble("nan", &v));
  EXPECT_FALSE(ParseLongDouble(" 1", &v));
  EXPECT_FALSE(ParseLongDouble("1 ", &v));
  EXPECT_FALSE(ParseLongDouble("", &v));
  EXPECT_FALSE(ParseLongDouble("1e99999", &v));
  EXPECT_FALSE(ParseLongDouble("1e-99999", &v));
}

TEST(FormatDouble, UsesSeventeenSignificantDigits) {
  EXPECT_EQ(FormatDouble(1.5), "1.5");
  EXPECT_EQ(FormatDouble(3.0), "3");
  EXPECT_EQ(FormatDouble(0.1), "0.10000000000000001");
  EXPECT_EQ(FormatDouble(-2.5), "-2.5");
  EXPECT_EQ(FormatDouble(1e20), "1e+20");
  EXPECT_EQ(FormatDouble(0.0), "0");
}

TEST(FormatDouble, SpellsOutInfinity) {
  EXPECT_EQ(FormatDouble(std::numeric_limits<double>::infinity()), "inf");
  EXPECT_EQ(FormatDouble(-std::numeric_limits<double>::infinity()), "-inf");
}

TEST(FormatLongDouble, TrimsTrailingZerosAndThePoint) {
  EXPECT_EQ(FormatLongDouble(3.0L), "3");
  EXPECT_EQ(FormatLongDouble(1.5L), "1.5");
  EXPECT_EQ(FormatLongDouble(10.5L + 0.1L), "10.6");
  EXPECT_EQ(FormatLongDouble(5.0e3L), "5000");
  EXPECT_EQ(FormatLongDouble(100.0L), "100");  // zeros before the point stay
  EXPECT_EQ(FormatLongDouble(-0.25L), "-0.25");
  EXPECT_EQ(FormatLongDouble(1e20L), "100000000000000000000");
}

TEST(FormatLongDouble, NegativeZeroBecomesZero) {
  EXPECT_EQ(FormatLongDouble(-0.0L), "0");
  EXPECT_EQ(FormatLongDouble(0.0L), "0");
  EXPECT_EQ(FormatLongDouble(-1e-30L), "0");  // rounds to -0.00000000000000000
}

TEST(FormatLongDouble, SpellsOutInfinity) {
  EXPECT_EQ(FormatLongDouble(std::numeric_limits<long double>::infinity()), "inf");
  EXPECT_EQ(FormatLongDouble(-std::numeric_limits<long double>::infinity()), "-inf");
}

TEST(FormatInt64, WritesBothEndsOfTheRange) {
  EXPECT_EQ(Int64ToString(0), "0");
  EXPECT_EQ(Int64ToString(-1), "-1");
  EXPECT_EQ(Int64ToString(INT64_MAX), "9223372036854775807");
  EXPECT_EQ(Int64ToString(INT64_MIN), "-9223372036854775808");
  EXPECT_EQ(Int64Length(INT64_MIN), 20u);
  EXPECT_EQ(Int64Length(0), 1u);
  char buf[kInt64Chars];
  EXPECT_EQ(std::string(buf, FormatUint64(UINT64_MAX, buf)), "18446744073709551615");
}

TEST(FormatInt64, RoundTripsThroughParseInt64) {
  for (int64_t v : {INT64_MIN, INT64_MIN + 1, int64_t{-1000}, int64_t{-1}, int64_t{0},
                    int64_t{1}, int64_t{999}, INT64_MAX - 1, INT64_MAX}) {
    int64_t back;
    ASSERT_TRUE(ParseInt64(Int64ToString(v), &back)) << v;
    EXPECT_EQ(back, v);
  }
}

TEST(StringHelpers, CompareAndConvertCaseAsAscii) {
  EXPECT_TRUE(EqualsIgnoreCase("GeT", "get"));
  EXPECT_FALSE(EqualsIgnoreCase("get", "gets"));
  EXPECT_FALSE(EqualsIgnoreCase("get", "got"));
  EXPECT_EQ(ToLower("MiXeD-1"), "mixed-1");
  EXPECT_EQ(ToUpper("MiXeD-1"), "MIXED-1");
}

TEST(BytesToHuman, PrintsUnitsAsInfoDoes) {
  EXPECT_EQ(BytesToHuman(100), "100B");
  EXPECT_EQ(BytesToHuman(1536), "1.50K");
  EXPECT_EQ(BytesToHuman(1024 * 1024), "1.00M");
  EXPECT_EQ(BytesToHuman(3LL * 1024 * 1024 * 1024), "3.00G");
}

}  // namespace
}  // namespace cinnabar::base

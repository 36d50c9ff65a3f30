#include "kalshi_direct/decimal.h"

#include <gtest/gtest.h>

namespace kalshi_direct {
namespace {

Decimal parsed(const char* text) {
  Decimal value;
  std::string error;
  EXPECT_TRUE(Decimal::parse(text, value, &error)) << error;
  return value;
}

TEST(DecimalTest, ParsesKalshiDollarAndCountStringsExactly) {
  EXPECT_EQ(parsed("0.5600").units(), 5600);
  EXPECT_EQ(parsed("0.5600").scale(), 4);
  EXPECT_EQ(parsed("12.345678").units(), 12345678);
  EXPECT_EQ(parsed("10.00").toString(), "10.00");
  EXPECT_EQ(parsed("-3.50").units(), -350);
  EXPECT_EQ(parsed("+7").toString(), "7");
  EXPECT_EQ(parsed(".5").toString(), "0.5");
  EXPECT_EQ(parsed("-9223372036854775808").units(), INT64_MIN);
}

TEST(DecimalTest, RejectsWhatIsNotAPlainDecimal) {
  Decimal value;
  std::string error;
  for (const char* bad : {"", "-", ".", "1.2.3", "1e5", " 1", "1,000", "abc", "0x10",
                          "9223372036854775808", "0.1234567890123456789"}) {
    EXPECT_FALSE(Decimal::parse(bad, value, &error)) << bad;
    EXPECT_FALSE(error.empty());
  }
}

TEST(DecimalTest, ParseAtScaleRefusesToDropDigits) {
  Decimal value;
  EXPECT_TRUE(Decimal::parseAtScale("0.1200", 2, value));
  EXPECT_EQ(value.units(), 12);
  EXPECT_EQ(value.scale(), 2);
  std::string error;
  EXPECT_FALSE(Decimal::parseAtScale("0.123", 2, value, &error));
  EXPECT_NE(error.find("more than 2 fractional digits"), std::string::npos);
}

TEST(DecimalTest, ArithmeticIsExact) {
  // 0.1 + 0.2 is exactly 0.3: the classic double failure.
  EXPECT_EQ(parsed("0.1") + parsed("0.2"), parsed("0.3"));
  // price x count: 0.57 dollars x 2.50 contracts = 1.4250 dollars.
  const Decimal cost = parsed("0.57") * parsed("2.50");
  EXPECT_EQ(cost.toString(), "1.4250");
  EXPECT_EQ((parsed("1") - parsed("0.5600")).toString(), "0.4400");
  EXPECT_EQ((-parsed("0.01")).toString(), "-0.01");
}

TEST(DecimalTest, RoundsOnlyWhenAskedWithTheGivenMode) {
  const Decimal half_cent = parsed("0.285");  // 28.5 cents
  EXPECT_EQ(half_cent.toUnits(2, Rounding::kHalfAwayFromZero), 29);
  EXPECT_EQ((-half_cent).toUnits(2, Rounding::kHalfAwayFromZero), -29);
  EXPECT_EQ(half_cent.toUnits(2, Rounding::kHalfEven), 28);
  EXPECT_EQ(parsed("0.275").toUnits(2, Rounding::kHalfEven), 28);
  EXPECT_EQ(parsed("0.2801").toUnits(2, Rounding::kCeiling), 29);
  EXPECT_EQ(parsed("-0.2801").toUnits(2, Rounding::kCeiling), -28);
  EXPECT_EQ(parsed("-0.2801").toUnits(2, Rounding::kFloor), -29);
  EXPECT_EQ(parsed("0.2899").toUnits(2, Rounding::kTowardZero), 28);
}

TEST(DecimalTest, ComparesValuesAcrossScales) {
  EXPECT_EQ(parsed("0.50"), parsed("0.5"));
  EXPECT_LT(parsed("0.4999"), parsed("0.5"));
  EXPECT_GT(parsed("-0.1"), parsed("-0.11"));
}

TEST(DecimalTest, OverflowThrowsInsteadOfWrapping) {
  const Decimal big(INT64_MAX, 0);
  EXPECT_THROW(big + Decimal::fromInt(1), std::overflow_error);
  EXPECT_THROW(big * Decimal::fromInt(2), std::overflow_error);
  EXPECT_THROW(Decimal(1, 10) * Decimal(1, 10), std::overflow_error);  // scale 20 > 18
  EXPECT_THROW(big.rescaled(2), std::overflow_error);
}

TEST(DecimalTest, DividesWithExplicitRounding) {
  // Average cost of 3 contracts bought for 1.00 dollar: 0.333333 at 6 digits.
  EXPECT_EQ(parsed("1.00").divide(parsed("3"), 6, Rounding::kHalfEven).toString(), "0.333333");
  EXPECT_EQ(parsed("2").divide(parsed("-3"), 2, Rounding::kHalfAwayFromZero).toString(), "-0.67");
  EXPECT_THROW(parsed("1").divide(parsed("0"), 2, Rounding::kHalfEven), std::domain_error);
}

TEST(DecimalTest, ToStringPadsFractionAndSign) {
  EXPECT_EQ(Decimal(5, 4).toString(), "0.0005");
  EXPECT_EQ(Decimal(-5, 4).toString(), "-0.0005");
  EXPECT_EQ(Decimal(0, 2).toString(), "0.00");
  EXPECT_EQ(Decimal(INT64_MIN, 0).toString(), "-9223372036854775808");
}

}  // namespace
}  // namespace kalshi_direct

#include "kalshi_direct/timestamp.h"

#include <gtest/gtest.h>

namespace kalshi_direct {
namespace {

TEST(TimestampTest, ParsesKalshiCreatedTime) {
  Timestamp ts;
  std::string error;
  ASSERT_TRUE(Timestamp::parse("2026-03-01T14:03:22.123456Z", ts, &error)) << error;
  // 2026-03-01T00:00:00Z is 1772323200 (date -u -d 2026-03-01 +%s).
  EXPECT_EQ(ts.unixSeconds(), 1772323200 + 14 * 3600 + 3 * 60 + 22);
  EXPECT_EQ(ts.micros() % 1000000, 123456);
  EXPECT_EQ(ts.toIso8601(), "2026-03-01T14:03:22.123456Z");
}

TEST(TimestampTest, HonoursOffsetsAndTruncatesNanoseconds) {
  Timestamp a, b;
  ASSERT_TRUE(Timestamp::parse("2026-03-01T16:03:22.123456789+02:00", a));
  ASSERT_TRUE(Timestamp::parse("2026-03-01T14:03:22.123456Z", b));
  EXPECT_EQ(a, b);
  ASSERT_TRUE(Timestamp::parse("2024-02-29T00:00:00-05:30", a));
  EXPECT_EQ(a.toIso8601(), "2024-02-29T05:30:00Z");
}

TEST(TimestampTest, RejectsMalformedOrImpossibleDates) {
  Timestamp ts;
  for (const char* bad : {"", "2026-03-01", "2026-03-01T14:03:22", "2026-13-01T00:00:00Z",
                          "2025-02-29T00:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T14:03:22.Z",
                          "2026-03-01T14:03:22Zjunk", "not a time"}) {
    std::string error;
    EXPECT_FALSE(Timestamp::parse(bad, ts, &error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

TEST(TimestampTest, FormatsUnixSecondsIncludingBeforeEpoch) {
  EXPECT_EQ(Timestamp::fromUnixSeconds(0).toIso8601(), "1970-01-01T00:00:00Z");
  EXPECT_EQ(Timestamp::fromUnixSeconds(-1).toIso8601(), "1969-12-31T23:59:59Z");
  EXPECT_EQ(Timestamp::fromMicros(-1).unixSeconds(), -1);
  EXPECT_EQ(Timestamp::fromUnixSeconds(1703123456).toIso8601(), "2023-12-21T01:50:56Z");
}

}  // namespace
}  // namespace kalshi_direct

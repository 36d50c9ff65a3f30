// Calendar arithmetic of local days (local_days.h): what the ledger's ranges are cut at.
#include "kalshi/local_days.h"

#include <gtest/gtest.h>

namespace kalshi_direct {
namespace kalshi {
namespace {

TEST(LocalDaysTest, AMonthStartsOnItsFirstAndEndsOnItsLastDayLeapYearsIncluded) {
  EXPECT_EQ(LocalDays::monthStart("2026-03-17"), "2026-03-01");
  EXPECT_EQ(LocalDays::monthEnd("2026-03-17"), "2026-03-31");
  EXPECT_EQ(LocalDays::monthEnd("2026-04-01"), "2026-04-30");
  EXPECT_EQ(LocalDays::monthEnd("2026-12-31"), "2026-12-31");
  EXPECT_EQ(LocalDays::monthEnd("2024-02-10"), "2024-02-29");
  EXPECT_EQ(LocalDays::monthEnd("2026-02-10"), "2026-02-28");
  EXPECT_EQ(LocalDays::monthEnd("2100-02-01"), "2100-02-28");
  EXPECT_EQ(LocalDays::monthEnd("2000-02-01"), "2000-02-29");
  EXPECT_THROW(LocalDays::monthEnd("2026-13-01"), std::invalid_argument);
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

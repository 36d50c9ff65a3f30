// docs/analytics.md's worked examples of the performance statistics, recomputed.
#include "kalshi/performance_stats.h"

#include <gtest/gtest.h>

namespace kalshi_direct {
namespace kalshi {
namespace {

Decimal d(const char* text) {
  Decimal value;
  EXPECT_TRUE(Decimal::parse(text, value)) << text;
  return value;
}

EquityRow day(const char* name, const char* cash, const char* transfers, const char* net) {
  EquityRow row;
  row.day = name;
  row.cash = d(cash);
  row.transfers = d(transfers);
  row.net_deposits = d(net);
  return row;  // no open positions: equity = cash
}

// docs/analytics.md section 7: equity 1000 -> 1100 -> (+500 deposited) 1540 -> 1386 ->
// (186 withdrawn) 1320.
std::vector<EquityRow> account() {
  return {day("2026-03-01", "1000", "0", "1000"), day("2026-03-02", "1100", "0", "1000"),
          day("2026-03-03", "1540", "500", "1500"), day("2026-03-04", "1386", "0", "1500"),
          day("2026-03-05", "1320", "-186", "1314")};
}

ClosedPositionRow closed(const char* realized, const char* contracts = "10", const char* cost = "2",
                         std::optional<const char*> payout = {}) {
  ClosedPositionRow row;
  row.position.realized = d(realized);
  row.position.contracts = d(contracts);
  row.position.entry_cost = d(cost);
  if (payout) {
    row.position.settled = true;
    row.position.payout = d(*payout);
  }
  return row;
}

TEST(PerformanceStatsTest, TheWorkedAccountsReturnsDrawdownsAndRatios) {
  const PerformanceStats stats = computeStats(account(), {}, {});
  ASSERT_TRUE(stats.pnl && stats.roi && stats.twr);
  EXPECT_EQ(stats.pnl->toString(), "6");
  EXPECT_NEAR(*stats.roi, 6.0 / 1314.0, 1e-12);
  EXPECT_NEAR(*stats.twr, 0.0481625, 1e-12);  // 1.1 x 0.9625 x 0.9 x 1.1 - 1
  ASSERT_TRUE(stats.max_drawdown);
  EXPECT_NEAR(stats.max_drawdown->fraction, 0.13375, 1e-12);
  EXPECT_EQ(stats.max_drawdown->amount, d("214"));
  EXPECT_EQ(stats.max_drawdown->peak, "2026-03-02");
  EXPECT_EQ(stats.max_drawdown->trough, "2026-03-04");
  ASSERT_TRUE(stats.current_drawdown);
  EXPECT_NEAR(stats.current_drawdown->fraction, 0.047125, 1e-12);
  EXPECT_EQ(stats.current_drawdown->amount, d("94"));
  EXPECT_EQ(stats.return_days, 4);
  ASSERT_TRUE(stats.sharpe && stats.sortino);
  EXPECT_NEAR(*stats.sharpe, 2.9640, 1e-4);
  EXPECT_NEAR(*stats.sortino, 5.5902, 1e-4);
}

TEST(PerformanceStatsTest, TheWorkedClosesWinRateProfitFactorExpectancyAndStreaks) {
  const PerformanceStats stats =
      computeStats({}, {}, {d("10"), d("-4"), d("6"), d("0"), d("-2"), d("-2"), d("-3")});
  EXPECT_EQ(stats.closes, 7);
  EXPECT_EQ(stats.wins, 2);
  EXPECT_EQ(stats.losses, 4);
  EXPECT_NEAR(*stats.win_rate, 2.0 / 6.0, 1e-12);
  EXPECT_EQ(*stats.avg_win, d("8"));
  EXPECT_EQ(*stats.avg_loss, d("-2.75"));
  EXPECT_NEAR(*stats.profit_factor, 16.0 / 11.0, 1e-12);
  EXPECT_EQ(stats.expectancy->toString(), "0.714286");  // 5 / 7
  EXPECT_EQ(stats.longest_win_streak, 1);
  EXPECT_EQ(stats.longest_loss_streak, 3);
  EXPECT_FALSE(stats.pnl);  // no equity rows: no account figures
}

TEST(PerformanceStatsTest, FeesShareBestAndWorstDayComeFromTheLedger) {
  LedgerRow a{{"2026-03-01", 0, "weather", "KXWX"}, {}};
  a.amounts.realized = d("30");
  a.amounts.fees = d("5");
  LedgerRow b{{"2026-03-02", 0, "crypto", "KXBTC"}, {}};
  b.amounts.realized = d("-10");
  b.amounts.fees = d("5");
  const PerformanceStats stats = computeStats({}, {a, b}, {});
  EXPECT_EQ(stats.realized, d("20"));
  EXPECT_EQ(stats.gross, d("30"));
  EXPECT_NEAR(*stats.fee_share, 10.0 / 30.0, 1e-12);
  EXPECT_EQ(stats.best_day->first, "2026-03-01");
  EXPECT_EQ(stats.worst_day->second, d("-10"));
}

// Section 8: 10 contracts bought at $0.20 that settled YES, 30 at $0.25 that settled NO, and 5 at
// $0.80 sold before settlement.
TEST(PerformanceStatsTest, TheWorkedEdgeByPrice) {
  const auto buckets =
      edgeByPrice({closed("7.80", "10", "2.00", "1"), closed("-7.60", "30", "7.50", "0"),
                   closed("0.40", "5", "4.00")});
  const EdgeBucket& low = buckets[2];
  EXPECT_EQ(low.positions, 2);
  EXPECT_EQ(low.contracts, d("40"));
  EXPECT_EQ(low.realized, d("0.20"));
  EXPECT_NEAR(*low.implied(), 9.5 / 40.0, 1e-12);    // 0.2375
  EXPECT_NEAR(*low.win_rate(), 10.0 / 40.0, 1e-12);  // 0.25
  EXPECT_NEAR(*low.brier(), (0.64 + 0.0625) / 2, 1e-12);
  const EdgeBucket& high = buckets[8];
  EXPECT_EQ(high.positions, 1);
  EXPECT_EQ(high.settled, 0);
  EXPECT_FALSE(high.win_rate());
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

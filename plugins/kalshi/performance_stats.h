// Performance statistics over a date range, from the daily ledger (kalshi/ledger_store.h): what
// `kalshi-direct report --stats / --edge` prints and the dashboard will show. Pure functions over
// the rows read; docs/analytics.md defines each figure with a worked example, which
// tests/unit/kalshi/performance_stats_test.cpp recomputes.
//
// Money stays exact (Decimal). Ratios (returns, Sharpe) are doubles: they are not money.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kalshi/ledger_store.h"

namespace kalshi_direct {
namespace kalshi {

struct Drawdown {
  double fraction = 0;       // of the time-weighted index's peak: 0.13 = 13%
  Decimal amount;            // the P&L lost from the peak to the trough
  std::string peak, trough;  // days
};

// One day of the equity curve over a range: what the dashboard draws (docs/api.md, /equity).
struct CurvePoint {
  std::string day;
  Decimal range_pnl;     // equity - net deposits, counted from the base (the day before the range)
  double drawdown = 0;   // below the time-weighted index's peak, as a fraction
  Decimal drawdown_pnl;  // the P&L given back since that peak
};

struct PerformanceStats {
  // ---- P&L (ledger rows: any filter) ----
  Decimal realized;  // net of fees
  Decimal fees;
  Decimal gross;                    // realized + fees
  std::optional<double> fee_share;  // fees / gross, when gross > 0
  std::optional<std::pair<std::string, Decimal>> best_day, worst_day;  // by realized
  // ---- the account's equity (whole account or one subaccount; none with a category filter or
  // without a known balance) ----
  std::optional<Decimal> pnl;           // change in equity - change in net deposits
  std::optional<Decimal> net_deposits;  // at the range's end
  std::optional<double> roi;            // pnl / net_deposits
  std::optional<double> twr;            // time-weighted return
  std::optional<Drawdown> max_drawdown, current_drawdown;
  std::optional<double> sharpe, sortino;  // daily returns, x sqrt(365), risk-free 0
  int64_t return_days = 0;
  std::vector<CurvePoint> curve;  // every day after the base with a known cash balance
  // ---- closed positions ----
  int64_t closes = 0, wins = 0, losses = 0;
  std::optional<double> win_rate;            // wins / (wins + losses)
  std::optional<Decimal> avg_win, avg_loss;  // per winning / losing close (avg_loss < 0)
  std::optional<double> profit_factor;       // sum of wins / |sum of losses|
  std::optional<Decimal> expectancy;         // realized per close (all closes)
  int64_t longest_win_streak = 0, longest_loss_streak = 0;
};

// `equity`: the scope's kalshi_equity_daily rows from the day before the range (the base) to its
// last day, in order; empty when the account's equity does not apply (a category or series).
// `closes`: the closed positions' results in closing order (readCloseResults).
PerformanceStats computeStats(const std::vector<EquityRow>& equity,
                              const std::vector<LedgerRow>& ledger,
                              const std::vector<Decimal>& closes);
// The headline figures only (the dashboard's cards): P&L, ROI and drawdown from `equity` as
// computeStats has them, realized, fees, closes, wins, losses and win rate from the ledger's
// `totals` (readLedgerTotals, equal to what the closes give); the rest is left unset.
PerformanceStats headlineStats(const std::vector<EquityRow>& equity, const DailyAmounts& totals);

// Edge by price (EdgeBucket, ledger_store.h): closed positions bucketed by the average entry
// price of the side held, in 10-cent buckets (0 = [0, 0.10), ..., 9 = [0.90, 1.00]).
std::vector<EdgeBucket> edgeByPrice(const std::vector<ClosedPositionRow>& closed);
// The same, one closed position at a time: `buckets` starts as emptyEdge().
std::vector<EdgeBucket> emptyEdge();
void addToEdge(std::vector<EdgeBucket>& buckets, const ClosedPosition& position);

}  // namespace kalshi
}  // namespace kalshi_direct

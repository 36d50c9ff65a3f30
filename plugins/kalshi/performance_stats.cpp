#include "kalshi/performance_stats.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace kalshi_direct {
namespace kalshi {

namespace {

double toDouble(const Decimal& value) {
  static const double kPowers[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8, 1e9,
                                   1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18};
  const int scale = value.scale();
  const double divisor = scale >= 0 && scale <= 18 ? kPowers[scale] : std::pow(10.0, scale);
  return static_cast<double>(value.units()) / divisor;
}

Decimal equityOf(const EquityRow& row) {
  return *row.cash + (row.marked_value ? *row.marked_value : row.open_basis);
}

void addEquityStats(const std::vector<EquityRow>& equity, PerformanceStats& stats) {
  if (equity.size() < 2 || !equity.front().cash || !equity.back().cash) return;
  const EquityRow& base = equity.front();
  const EquityRow& last = equity.back();
  stats.net_deposits = last.net_deposits;
  stats.pnl = (equityOf(last) - equityOf(base)) - (last.net_deposits - base.net_deposits);
  if (last.net_deposits.sign() > 0) stats.roi = toDouble(*stats.pnl) / toDouble(last.net_deposits);

  // Daily returns, a day's deposits and withdrawals counted at its start (money there to trade).
  std::vector<double> returns;
  double index = 1, peak_index = 1;
  Decimal pnl_curve = Decimal(), peak_pnl = Decimal();  // equity - net deposits, from the base
  std::string peak_day = base.day;
  Drawdown worst;
  bool any_drawdown = false;
  for (size_t i = 1; i < equity.size(); ++i) {
    if (!equity[i].cash || !equity[i - 1].cash) continue;
    const double previous = toDouble(equityOf(equity[i - 1]));
    const double flow = toDouble(equity[i].transfers);
    const double denominator = previous + flow;
    const double now = toDouble(equityOf(equity[i]));
    pnl_curve =
        (equityOf(equity[i]) - equityOf(base)) - (equity[i].net_deposits - base.net_deposits);
    if (denominator > 0) {
      const double r = (now - previous - flow) / denominator;
      returns.push_back(r);
      index *= 1 + r;
    }
    if (index > peak_index) {
      peak_index = index;
      peak_day = equity[i].day;
      peak_pnl = pnl_curve;
    }
    const double fraction = peak_index > 0 ? (peak_index - index) / peak_index : 0;
    Drawdown now_drawdown{fraction, peak_pnl - pnl_curve, peak_day, equity[i].day};
    if (fraction > worst.fraction) {
      worst = now_drawdown;
      any_drawdown = true;
    }
    stats.current_drawdown = now_drawdown;
    stats.curve.push_back({equity[i].day, pnl_curve, fraction, now_drawdown.amount});
  }
  stats.return_days = static_cast<int64_t>(returns.size());
  stats.twr = index - 1;
  stats.max_drawdown = any_drawdown ? worst : Drawdown{0, Decimal(), peak_day, peak_day};
  if (returns.size() >= 2) {
    double mean = 0;
    for (double r : returns) mean += r;
    mean /= static_cast<double>(returns.size());
    double variance = 0, downside = 0;
    for (double r : returns) {
      variance += (r - mean) * (r - mean);
      downside += std::min(r, 0.0) * std::min(r, 0.0);
    }
    variance /= static_cast<double>(returns.size() - 1);
    downside = std::sqrt(downside / static_cast<double>(returns.size()));
    const double annual = std::sqrt(365.0);
    if (variance > 0) stats.sharpe = mean / std::sqrt(variance) * annual;
    if (downside > 0) stats.sortino = mean / downside * annual;
  }
}

// Wins over decided closes (scratches left out); none without any.
std::optional<double> winRate(int64_t wins, int64_t losses) {
  if (wins + losses == 0) return std::nullopt;
  return static_cast<double>(wins) / static_cast<double>(wins + losses);
}

void addFees(PerformanceStats& stats) {
  stats.gross = stats.realized + stats.fees;
  if (stats.gross.sign() > 0) stats.fee_share = toDouble(stats.fees) / toDouble(stats.gross);
}

}  // namespace

PerformanceStats headlineStats(const std::vector<EquityRow>& equity, const DailyAmounts& totals) {
  PerformanceStats stats;
  addEquityStats(equity, stats);
  stats.realized = totals.realized;
  stats.fees = totals.fees;
  addFees(stats);
  stats.closes = totals.closes;
  stats.wins = totals.wins;
  stats.losses = totals.losses;
  stats.win_rate = winRate(stats.wins, stats.losses);
  return stats;
}

PerformanceStats computeStats(const std::vector<EquityRow>& equity,
                              const std::vector<LedgerRow>& ledger,
                              const std::vector<Decimal>& closes) {
  PerformanceStats stats;
  std::map<std::string, Decimal> by_day;
  for (const LedgerRow& row : ledger) {
    stats.realized += row.amounts.realized;
    stats.fees += row.amounts.fees;
    by_day[row.key.day] += row.amounts.realized;
  }
  addFees(stats);
  for (const auto& [day, realized] : by_day) {
    if (!stats.best_day || realized > stats.best_day->second) stats.best_day = {day, realized};
    if (!stats.worst_day || realized < stats.worst_day->second) stats.worst_day = {day, realized};
  }

  addEquityStats(equity, stats);

  Decimal won, lost, all;
  int64_t win_streak = 0, loss_streak = 0;
  for (const Decimal& result : closes) {
    ++stats.closes;
    all += result;
    if (result.sign() > 0) {
      ++stats.wins;
      won += result;
      loss_streak = 0;
      stats.longest_win_streak = std::max(stats.longest_win_streak, ++win_streak);
    } else if (result.sign() < 0) {
      ++stats.losses;
      lost += result;
      win_streak = 0;
      stats.longest_loss_streak = std::max(stats.longest_loss_streak, ++loss_streak);
    } else {
      win_streak = loss_streak = 0;  // a scratch breaks both
    }
  }
  stats.win_rate = winRate(stats.wins, stats.losses);
  if (stats.wins > 0)
    stats.avg_win = won.divide(Decimal::fromInt(stats.wins), 6, Rounding::kHalfEven);
  if (stats.losses > 0)
    stats.avg_loss = lost.divide(Decimal::fromInt(stats.losses), 6, Rounding::kHalfEven);
  if (lost.sign() < 0) stats.profit_factor = toDouble(won) / -toDouble(lost);
  if (stats.closes > 0)
    stats.expectancy = all.divide(Decimal::fromInt(stats.closes), 6, Rounding::kHalfEven);
  return stats;
}

std::optional<double> EdgeBucket::implied() const {
  if (settled_contracts.sign() <= 0) return std::nullopt;
  return toDouble(settled_cost) / toDouble(settled_contracts);
}
std::optional<double> EdgeBucket::win_rate() const {
  if (settled_contracts.sign() <= 0) return std::nullopt;
  return toDouble(settled_payout) / toDouble(settled_contracts);
}
std::optional<double> EdgeBucket::brier() const {
  if (settled == 0) return std::nullopt;
  return brier_sum / static_cast<double>(settled);
}

EdgeBucket& EdgeBucket::operator+=(const EdgeBucket& other) {
  positions += other.positions;
  contracts += other.contracts;
  entry_cost += other.entry_cost;
  realized += other.realized;
  settled += other.settled;
  settled_contracts += other.settled_contracts;
  settled_cost += other.settled_cost;
  settled_payout += other.settled_payout;
  brier_sum += other.brier_sum;
  return *this;
}

std::vector<EdgeBucket> emptyEdge() {
  std::vector<EdgeBucket> buckets(10);
  for (int i = 0; i < 10; ++i) buckets[static_cast<size_t>(i)].bucket = i;
  return buckets;
}

void addToEdge(std::vector<EdgeBucket>& buckets, const ClosedPosition& p) {
  if (p.contracts.sign() <= 0) return;
  const double price = toDouble(p.entry_cost) / toDouble(p.contracts);
  const int index = std::clamp(static_cast<int>(std::floor(price * 10 + 1e-9)), 0, 9);
  EdgeBucket& b = buckets[static_cast<size_t>(index)];
  ++b.positions;
  b.contracts += p.contracts;
  b.entry_cost += p.entry_cost;
  b.realized += p.realized;
  if (p.settled && p.payout) {
    ++b.settled;
    b.settled_contracts += p.contracts;
    b.settled_cost += p.entry_cost;
    b.settled_payout += p.contracts * *p.payout;
    const double miss = price - toDouble(*p.payout);
    b.brier_sum += miss * miss;
  }
}

std::vector<EdgeBucket> edgeByPrice(const std::vector<ClosedPositionRow>& closed) {
  std::vector<EdgeBucket> buckets = emptyEdge();
  for (const ClosedPositionRow& row : closed) addToEdge(buckets, row.position);
  return buckets;
}

}  // namespace kalshi
}  // namespace kalshi_direct

#include "kalshi/period_figures.h"

#include <set>

#include "kalshi/json_object.h"
#include "kalshi/local_days.h"
#include "kalshi/tables.h"

namespace kalshi_direct {
namespace kalshi {

const char* const kRangeWords = "today, wtd, mtd, ytd, 1y, all";
const char* const kGroupWords = "day, week, month, year, category, series, subaccount";
const char* const kEdgeBucketNames[10] = {"0-10c",  "10-20c", "20-30c", "30-40c", "40-50c",
                                          "50-60c", "60-70c", "70-80c", "80-90c", "90-100c"};

bool isRangeWord(const std::string& word) {
  static const std::set<std::string> words = {"today", "wtd", "mtd", "ytd", "1y", "all"};
  return words.count(word) > 0;
}

DayRange resolveDayRange(const std::string& range, const std::string& from, const std::string& to,
                         const std::string& zone, int64_t now_us) {
  DayRange out{from, to};
  if (range.empty() || range == "all") return out;
  const LocalDays days(zone);
  const std::string today = days.dayOf(now_us);
  out.to = today;
  if (range == "today") out.from = today;
  if (range == "wtd") out.from = LocalDays::mondayOf(today);
  if (range == "mtd") out.from = today.substr(0, 8) + "01";
  if (range == "ytd") out.from = today.substr(0, 5) + "01-01";
  if (range == "1y") out.from = LocalDays::addDays(today, -364);
  return out;
}

std::string scopeOf(const LedgerFilter& filter) {
  std::string scope = filter.subaccount ? "subaccount " + std::to_string(*filter.subaccount)
                                        : std::string("whole account");
  if (filter.category) scope += ", category " + *filter.category;
  if (filter.series_ticker) scope += ", series " + *filter.series_ticker;
  return scope;
}

bool isGrouping(const std::string& by) {
  static const std::set<std::string> words = {"day",      "week",   "month",     "year",
                                              "category", "series", "subaccount"};
  return words.count(by) > 0;
}

bool groupsByTime(const std::string& by) {
  return by == "day" || by == "week" || by == "month" || by == "year";
}

namespace {

std::string periodOf(const std::string& day, const std::string& by) {
  if (by == "week") return LocalDays::mondayOf(day);
  if (by == "month") return day.substr(0, 7);
  if (by == "year") return day.substr(0, 4);
  return day;
}

std::string groupOf(const DailyKey& key, const std::string& by) {
  if (groupsByTime(by)) return periodOf(key.day, by);
  if (by == "category") return key.category;
  if (by == "series") return key.series_ticker;
  if (by == "subaccount") return std::to_string(key.subaccount);
  return key.day;
}

Decimal equityOf(const EquityRow& row) {
  return *row.cash + (row.marked_value ? *row.marked_value : row.open_basis);
}

std::string drawdownJson(const std::optional<Drawdown>& drawdown) {
  if (!drawdown) return "null";
  return JsonObject()
      .number("fraction", drawdown->fraction)
      .money("amount_dollars", drawdown->amount)
      .text("peak_day", drawdown->peak)
      .text("trough_day", drawdown->trough)
      .str();
}

std::string dayJson(const std::optional<std::pair<std::string, Decimal>>& day) {
  if (!day) return "null";
  return JsonObject().text("day", day->first).money("realized_pnl_dollars", day->second).str();
}

std::string count(const Decimal& value) { return value.trimmed(0).toString(); }

}  // namespace

std::optional<Decimal> PnlGroups::equityOf(const std::string& group) const {
  if (group == "TOTAL") return last_equity;
  auto found = equity.find(group);
  if (found == equity.end()) return std::nullopt;
  return found->second;
}

PnlGroups pnlGroups(Store& store, const LedgerFilter& filter, const std::string& by) {
  PnlGroups out;
  // Rows come in day order: by time, a day's rows (and a period's days) follow each other.
  const bool by_time = groupsByTime(by);
  std::string day;
  DailyAmounts* group = nullptr;  // the last row's
  forEachDailyLedger(store, filter, /*with_cash=*/false,
                     [&](const DailyKey& key, const DailyAmounts& amounts) {
                       if (!by_time || !group || key.day != day) {
                         day = key.day;
                         group = &out.groups[groupOf(key, by)];
                       }
                       *group += amounts;
                       out.total += amounts;
                     });
  if (groupsByTime(by) && !filter.category && !filter.series_ticker) {
    for (const EquityRow& row : readEquity(store, filter)) {
      if (!row.cash) continue;
      out.last_equity = equityOf(row);
      out.equity[periodOf(row.day, by)] = *out.last_equity;
    }
  }
  return out;
}

std::vector<EquityRow> equityWithBase(Store& store, const LedgerFilter& filter) {
  if (filter.category || filter.series_ticker) return {};
  LedgerFilter days = filter;
  if (!days.from.empty()) days.from = LocalDays::previousDay(days.from);
  std::vector<EquityRow> equity = readEquity(store, days);
  // From the first day on: the base is the account before it (its opening cash, nothing
  // deposited yet).
  if (!equity.empty() && (filter.from.empty() || equity.front().day >= filter.from) &&
      equity.front().cash) {
    EquityRow base = equity.front();
    base.day = LocalDays::previousDay(base.day);
    *base.cash = *base.cash - base.trading_cash_flow - base.transfers;
    base.net_deposits = base.net_deposits - base.transfers;
    base.trading_cash_flow = base.transfers = base.realized = base.fees = Decimal();
    base.marked_value.reset();
    base.open_basis = Decimal();
    base.reported_balance.reset();
    base.unexplained.reset();
    equity.insert(equity.begin(), base);
  }
  return equity;
}

PerformanceStats periodStats(Store& store, const LedgerFilter& filter) {
  return computeStats(equityWithBase(store, filter), readDailyRealized(store, filter),
                      readCloseResults(store, filter));
}

PerformanceStats periodHeadline(Store& store, const LedgerFilter& filter) {
  return headlineStats(equityWithBase(store, filter), readLedgerTotals(store, filter));
}

std::map<std::string, std::vector<EdgeBucket>> periodEdge(Store& store, const LedgerFilter& filter,
                                                          const std::string& by) {
  std::map<std::string, std::vector<EdgeBucket>> groups;
  std::string group;
  std::vector<EdgeBucket>* buckets = nullptr;  // group's
  auto bucketsOf = [&](const ClosedPositionRow& row) -> std::vector<EdgeBucket>& {
    const std::string& name = by == "category"     ? row.category
                              : by == "series"     ? row.series_ticker
                              : by == "subaccount" ? std::to_string(row.subaccount)
                                                   : std::string();
    if (!buckets || name != group) {
      group = name;
      auto found = groups.find(group);
      if (found == groups.end()) found = groups.emplace(group, emptyEdge()).first;
      buckets = &found->second;
    }
    return *buckets;
  };
  auto addPositions = [&](const std::string& from, const std::string& to) {
    LedgerFilter days = filter;
    days.from = from;
    days.to = to;
    forEachClosedPosition(store, days, /*ordered=*/false, [&](const ClosedPositionRow& row) {
      addToEdge(bucketsOf(row), row.position);
    });
  };
  // The range's whole months from kalshi_monthly_edge (an open end holds every month on that
  // side), the days of a month it holds only part of from the closed positions themselves.
  std::string first_month, last_month;  // "YYYY-MM" of the whole months; empty: open
  if (!filter.from.empty()) {
    const std::string start = filter.from == LocalDays::monthStart(filter.from)
                                  ? filter.from
                                  : LocalDays::nextDay(LocalDays::monthEnd(filter.from));
    first_month = start.substr(0, 7);
  }
  if (!filter.to.empty()) {
    const std::string end = filter.to == LocalDays::monthEnd(filter.to)
                                ? filter.to
                                : LocalDays::previousDay(LocalDays::monthStart(filter.to));
    last_month = end.substr(0, 7);
  }
  const bool whole_months =
      store.tableExists(monthlyEdgeTable().name) &&
      (first_month.empty() || last_month.empty() || first_month <= last_month);
  if (!whole_months) {
    addPositions(filter.from, filter.to);
    return groups;
  }
  forEachMonthlyEdge(store, first_month, last_month, filter,
                     [&](const ClosedPositionRow& keys, const EdgeBucket& bucket) {
                       bucketsOf(keys)[static_cast<size_t>(bucket.bucket)] += bucket;
                     });
  if (!filter.from.empty() && filter.from.substr(0, 7) != first_month)
    addPositions(filter.from, LocalDays::monthEnd(filter.from));
  if (!filter.to.empty() && filter.to.substr(0, 7) != last_month)
    addPositions(LocalDays::monthStart(filter.to), filter.to);
  return groups;
}

std::string pnlGroupJson(const PnlGroups& groups, const std::string& group, const DailyAmounts& a) {
  JsonObject out;
  out.text("group", group)
      .money("realized_pnl_dollars", a.realized)
      .money("fees_dollars", a.fees)
      .text("contracts_bought", count(a.bought))
      .text("contracts_sold", count(a.sold))
      .integer("fills", a.fills)
      .integer("markets_closed", a.closes)
      .integer("winning_closes", a.wins)
      .integer("losing_closes", a.losses)
      .money("won_dollars", a.won)
      .money("lost_dollars", a.lost);
  if (groups.withEquity()) out.money("equity_dollars", groups.equityOf(group));
  return out.str();
}

std::string pnlGroupsFields(const PnlGroups& groups) {
  std::string out = "\"rows\":[";
  bool first = true;
  for (const auto& [group, amounts] : groups.groups) {
    out += first ? "" : ",";
    first = false;
    out += pnlGroupJson(groups, group, amounts);
  }
  return out + "],\"total\":" + pnlGroupJson(groups, "TOTAL", groups.total);
}

std::string statsJson(const PerformanceStats& s) {
  return JsonObject()
      .money("realized_pnl_dollars", s.realized)
      .money("fees_dollars", s.fees)
      .money("gross_pnl_dollars", s.gross)
      .number("fee_share", s.fee_share)
      .money("pnl_dollars", s.pnl)
      .money("net_deposits_dollars", s.net_deposits)
      .number("roi", s.roi)
      .number("time_weighted_return", s.twr)
      .raw("max_drawdown", drawdownJson(s.max_drawdown))
      .raw("current_drawdown", drawdownJson(s.current_drawdown))
      .number("sharpe", s.sharpe)
      .number("sortino", s.sortino)
      .integer("closed_positions", s.closes)
      .integer("winning_closes", s.wins)
      .integer("losing_closes", s.losses)
      .number("win_rate", s.win_rate)
      .money("average_win_dollars", s.avg_win)
      .money("average_loss_dollars", s.avg_loss)
      .number("profit_factor", s.profit_factor)
      .money("expectancy_dollars", s.expectancy)
      .integer("longest_winning_streak", s.longest_win_streak)
      .integer("longest_losing_streak", s.longest_loss_streak)
      .raw("best_day", dayJson(s.best_day))
      .raw("worst_day", dayJson(s.worst_day))
      .str();
}

std::string edgeJson(const std::map<std::string, std::vector<EdgeBucket>>& groups) {
  std::string out = "[";
  bool first = true;
  for (const auto& [group, buckets] : groups) {
    for (const EdgeBucket& b : buckets) {
      if (b.positions == 0) continue;
      out += first ? "" : ",";
      first = false;
      out += JsonObject()
                 .text("group", group)
                 .text("entry_price", kEdgeBucketNames[b.bucket])
                 .integer("positions", b.positions)
                 .text("contracts", count(b.contracts))
                 .money("realized_pnl_dollars", b.realized)
                 .integer("settled_positions", b.settled)
                 .number("implied_probability", b.implied())
                 .number("win_rate", b.win_rate())
                 .number("brier", b.brier())
                 .str();
    }
  }
  return out + "]";
}

}  // namespace kalshi
}  // namespace kalshi_direct

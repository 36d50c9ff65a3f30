// Period figures: the numbers of a date range that `kalshi-direct report` prints and the
// dashboard's API answers (docs/api.md), computed here once so that both show the same numbers:
// realized P&L grouped by day, week, month, year, category, series or subaccount; performance
// statistics; edge by entry price; and their JSON. Everything is read from the pre-aggregated
// ledger (ledger_store.h), never from kalshi_fills. docs/analytics.md defines every figure.
//
// Calls read inside the caller's open (read) transaction.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kalshi/ledger_store.h"
#include "kalshi/performance_stats.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

// ---- ranges ----
// "today, wtd, mtd, ytd, 1y, all": the words a range may be.
extern const char* const kRangeWords;
bool isRangeWord(const std::string& word);
struct DayRange {
  std::string from, to;  // local days, inclusive; empty: open
};
// `range` (a range word, or empty) counted from `now_us` in `zone`; else from..to as given.
DayRange resolveDayRange(const std::string& range, const std::string& from, const std::string& to,
                         const std::string& zone, int64_t now_us);
// "whole account" / "subaccount 2", then ", category crypto" and ", series KXBTC" when filtered.
std::string scopeOf(const LedgerFilter& filter);

// ---- realized P&L by group ----
// "day, week, month, year, category, series, subaccount"
extern const char* const kGroupWords;
bool isGrouping(const std::string& by);
bool groupsByTime(const std::string& by);
struct PnlGroups {
  std::map<std::string, DailyAmounts> groups;  // by group name (a week is its Monday)
  DailyAmounts total;
  // By time, for the whole account or a subaccount: the equity at each period's end.
  std::map<std::string, Decimal> equity;
  std::optional<Decimal> last_equity;
  bool withEquity() const { return !equity.empty(); }
  std::optional<Decimal> equityOf(const std::string& group) const;  // "TOTAL": the last
};
PnlGroups pnlGroups(Store& store, const LedgerFilter& filter, const std::string& by);

// ---- the account's equity and statistics ----
// The scope's kalshi_equity_daily rows of the range, after the base: the account the day before
// the range (from the first day on: before its first day, nothing deposited yet). Empty with a
// category or series filter (equity belongs to the account).
std::vector<EquityRow> equityWithBase(Store& store, const LedgerFilter& filter);
PerformanceStats periodStats(Store& store, const LedgerFilter& filter);
// periodStats's headline figures only (headlineStats): no close is read.
PerformanceStats periodHeadline(Store& store, const LedgerFilter& filter);
// Edge by entry price per group (`by` category, series or subaccount; anything else: one group
// named "").
std::map<std::string, std::vector<EdgeBucket>> periodEdge(Store& store, const LedgerFilter& filter,
                                                          const std::string& by);

// ---- JSON (the shapes of `report --format json` and docs/api.md) ----
// One group's amounts: {"group", "realized_pnl_dollars", ..., "equity_dollars" when
// groups.withEquity()}.
std::string pnlGroupJson(const PnlGroups& groups, const std::string& group,
                         const DailyAmounts& amounts);
// "\"rows\":[...],\"total\":{...}": the fields to splice into an answer.
std::string pnlGroupsFields(const PnlGroups& groups);
std::string statsJson(const PerformanceStats& stats);
std::string edgeJson(const std::map<std::string, std::vector<EdgeBucket>>& groups);
extern const char* const kEdgeBucketNames[10];  // "0-10c" ... "90-100c"

}  // namespace kalshi
}  // namespace kalshi_direct

// The period side of `kalshi-direct report`: realized P&L over a date range from the daily ledger
// (kalshi_daily_pnl, written by the kalshi_pnl model; docs/analytics.md), grouped by day, week,
// month, category, series or subaccount, as a table, JSON or CSV. It reads the pre-aggregated
// ledger, never kalshi_fills, so it answers in milliseconds on any account.
//
// Days are the ledger's (its time zone, kalshi_ledger_settings). --range today|wtd|mtd|ytd|1y|all
// counts from today in that zone; --from/--to take local dates (YYYY-MM-DD), inclusive.
#pragma once

#include <optional>
#include <string>

#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace cli {

enum class ReportFormat { kTable, kJson, kCsv };

struct PeriodQuery {
  std::string range;       // today | wtd | mtd | ytd | 1y | all; empty: from/to (or all)
  std::string from, to;    // local dates, inclusive; empty: open
  std::string by = "day";  // day | week | month | category | series | subaccount
  std::optional<std::string> category, series_ticker;
  std::optional<int64_t> subaccount;
  ReportFormat format = ReportFormat::kTable;
  bool stats = false;  // --stats: performance statistics of the range (docs/analytics.md)
  bool edge = false;   // --edge: win rate against entry price, by 10-cent bucket
  // --tax-year Y: the lots closed in year Y (from/to are its first and last day), matched first in
  // first out with fees in the cost basis, and how they add up to the year's realized P&L.
  std::string tax_year;
};

// Checks the query's words (one line in `error` for a bad one).
bool validPeriodQuery(const PeriodQuery& query, std::string& error);

// With --stats / --edge the report is those figures instead of the grouped P&L table.
// Prints the report of `query` from `store` (read-only, inside the caller's transaction) to
// stdout. Returns false with one line in `error` when the store has no ledger yet.
bool printPeriodReport(Store& store, const std::string& db, const PeriodQuery& query,
                       std::string& error);

}  // namespace cli
}  // namespace kalshi_direct

// What the dashboard (`kalshi-direct serve`, docs/api.md) reads besides the period figures
// (period_figures.h): open positions, pages of the order and fill history, the reconciliation, the
// filters' choices and a version that changes with every commit. Part of the Kalshi data model
// module, so that the SQL on the Kalshi tables has one owner. Every read answers from an index or a
// pre-aggregated table (docs/performance.md), inside the caller's read transaction, and tolerates
// databases written by older releases (a missing table reads as empty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

// ---- open positions (kalshi_market_pnl, as the last sync computed them) ----
struct OpenPositionRow {
  std::string ticker, category;
  int64_t subaccount = 0;
  Decimal position;                 // signed: negative = NO contracts
  std::optional<Decimal> yes_mark;  // none: the market has no price yet
  Decimal unrealized;
  std::optional<Decimal> cost;  // the open lots' cost basis, fees included (kalshi_tax_lots)
  std::string opened_at;        // ISO 8601: when the oldest open lot was bought; empty: unknown
};
struct PositionFilter {
  std::optional<int64_t> subaccount;
  std::optional<std::string> category;
  std::string ticker_contains;  // empty: any
};
std::vector<OpenPositionRow> readOpenPositions(Store& store, const PositionFilter& filter);

// ---- a page of kalshi_orders or kalshi_fills ----
enum class HistoryTable { kOrders, kFills };
// The sort keys a page may use (`time` is created_at / the fill's time), each served by an index
// or a bounded sort (docs/api.md).
std::vector<std::string> historySortKeys(HistoryTable table);
struct HistoryQuery {
  HistoryTable table = HistoryTable::kFills;
  std::optional<int64_t> from_us, to_us;  // the time, [from, to)
  std::optional<int64_t> subaccount;
  std::optional<std::string> category, status;  // status: orders only
  std::string ticker_contains;
  std::string sort = "time";  // one of historySortKeys()
  bool ascending = false;
  int64_t limit = 50, offset = 0;
};
// One value as stored: text (money stays its exact text), an integer, or null.
struct Cell {
  enum class Type { kNull, kInteger, kText } type = Type::kNull;
  int64_t integer = 0;
  std::string text;
};
struct HistoryPage {
  int64_t total = 0;                 // rows matching the filters
  std::vector<std::string> columns;  // the API's field names (docs/api.md)
  std::vector<std::vector<Cell>> rows;
};
HistoryPage readHistoryPage(Store& store, const HistoryQuery& query);

// ---- reconciliation ----
struct MarketDifference {
  std::string ticker, field;
  int64_t subaccount = 0;
  std::string computed, reported, difference;  // exact dollars as stored; empty: NULL
};
// The markets of snapshot `snapshot_id` whose P&L differs from Kalshi's figures.
std::vector<MarketDifference> readMarketDifferences(Store& store, int64_t snapshot_id);
struct BalanceCheckRow {
  std::string day, checked_at;
  int64_t subaccount = -1;
  std::optional<Decimal> reported_balance, cash;
  std::optional<int64_t> unexplained_cents;
};
// The newest `limit` balance checks of the equity rebuild, newest first, and the sum of the
// whole account's unexplained cents.
std::vector<BalanceCheckRow> readBalanceChecks(Store& store, int limit, int64_t& unexplained_total);

// ---- the filters' choices ----
struct LedgerExtent {
  std::vector<std::string> categories;
  std::vector<int64_t> subaccounts;
  std::string first_day, last_day;  // empty: no ledger rows
};
LedgerExtent readLedgerExtent(Store& store);

// ---- change detection and metrics ----
// "r<newest kd_runs id>.s<newest snapshot id>[.m<live feed's last message>]": changes whenever a
// run, a snapshot or (a live run) a message commits.
std::string dataVersion(Store& store);

// What a live pipeline (kalshi_ws, pipelines/live.yaml) last committed about its feed, from the
// state of scope "kalshi" (the shipped pipelines' scope): empty when no live run ever wrote it.
struct LiveFeed {
  bool connected = false;       // streaming, after a complete catch-up
  std::string last_message_at;  // the last data message (ISO 8601), or ""
  std::string alive_at;         // the last frame of any kind (ISO 8601), or ""
};
std::optional<LiveFeed> liveFeed(Store& store);
// Rows per Kalshi table that exists (tables.h), by name.
std::vector<std::pair<std::string, int64_t>> tableRowCounts(Store& store);

}  // namespace kalshi
}  // namespace kalshi_direct

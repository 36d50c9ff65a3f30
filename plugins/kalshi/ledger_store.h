// LedgerStore: the daily ledger's tables (tables.h: kalshi_market_daily, kalshi_daily_pnl,
// kalshi_closed_positions, kalshi_equity_daily, kalshi_ledger_settings) as the kalshi_pnl model
// reads and writes them, in the Kalshi data model module, so that their SQL has one owner (as
// PnlStore is for the P&L tables). docs/analytics.md defines every column.
//
// Every call runs inside the caller's open transaction. Amounts are exact: decimals go to the
// *_dollars text columns, the *_cents columns are rounded half away from zero from them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kalshi/accounting.h"
#include "kalshi_direct/decimal.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

struct TableDefinition;

// The key of a kalshi_daily_pnl row (and, with the ticker, of a kalshi_market_daily row).
struct DailyKey {
  std::string day;  // local "YYYY-MM-DD"
  int64_t subaccount = 0;
  std::string category, series_ticker;
  bool operator<(const DailyKey& other) const {
    return std::tie(day, subaccount, category, series_ticker) <
           std::tie(other.day, other.subaccount, other.category, other.series_ticker);
  }
};

struct DailyAmounts {
  Decimal realized;  // net of fees
  Decimal fees;
  Decimal bought, sold;  // contracts
  int64_t fills = 0, closes = 0, wins = 0, losses = 0;
  Decimal cash_flow;         // received - paid - fees + settlement revenue
  Decimal cash_after_check;  // the part of cash_flow after the day's last balance check
  Decimal basis_change;      // open cost basis at the day's end minus at its start
  Decimal won, lost;         // the results of the winning (> 0) and losing (< 0) closes
  DailyAmounts& operator+=(const DailyAmounts& other);
  bool empty() const;  // nothing happened: every amount and count zero
};

struct MarketDay {
  DailyKey key;
  DailyAmounts amounts;
  std::optional<int64_t> check_us;  // the balance check cash_after_check was split at
};

struct ClosedPositionRow {
  int64_t subaccount = 0;
  std::string category, series_ticker, day;  // day: the local day it closed on
  ClosedPosition position;
};

// Closed positions of one entry-price bucket summed (performance_stats.h, edgeByPrice): what edge
// by price shows, and a kalshi_monthly_edge row's amounts.
struct EdgeBucket {
  int bucket = 0;
  int64_t positions = 0;
  Decimal contracts, entry_cost, realized;
  // Of those held to settlement (the outcome is known): contract-weighted.
  int64_t settled = 0;
  Decimal settled_contracts, settled_cost, settled_payout;
  double brier_sum = 0;                    // sum over settled positions of (entry price - payout)^2
  std::optional<double> implied() const;   // settled cost / settled contracts
  std::optional<double> win_rate() const;  // settled payout / settled contracts
  std::optional<double> brier() const;     // brier_sum / settled
  EdgeBucket& operator+=(const EdgeBucket& other);  // the bucket's own number is kept
};
struct TaxLotRow {
  std::string ticker;  // filled when read
  int64_t subaccount = 0;
  std::string acquired_day, closed_day;  // local days; closed_day empty while open
  TaxLot lot;
};

// A balance Kalshi reported (a live snapshot's), what the rebuilt cash is checked against.
struct BalanceCheck {
  int64_t time_us = 0;
  std::string at;                          // ISO 8601
  std::optional<Decimal> balance;          // the primary account's (kalshi_snapshots)
  std::map<int64_t, Decimal> subaccounts;  // each subaccount's, with several
};

// A movement of cash into or out of one subaccount from outside its trading: a deposit (net of
// its fee), a withdrawal (with its fee), or one leg of a subaccount transfer (`external` false).
struct CashTransfer {
  int64_t time_us = 0;
  int64_t subaccount = 0;
  Decimal amount;  // signed: + into the subaccount
  bool external = true;
};

struct EquityRow {
  std::string day;
  int64_t day_start_s = 0;  // the day's local midnight, Unix seconds
  int64_t subaccount = -1;  // -1: the whole account
  std::optional<Decimal> cash;
  Decimal trading_cash_flow, transfers;  // that day's
  Decimal net_deposits, open_basis, realized, fees;
  std::optional<Decimal> marked_value;
  std::optional<Decimal> reported_balance, unexplained;
  std::string checked_at;
};

class LedgerStore {
 public:
  explicit LedgerStore(Store& store) : store_(store) {}

  static std::vector<std::string> tablesWritten();
  void createTables();

  // What the ledger was computed with; none when it never was (or by a release before it).
  struct Settings {
    std::string timezone, lots;
    bool operator==(const Settings& other) const {
      return timezone == other.timezone && lots == other.lots;
    }
  };
  std::optional<Settings> settings();
  // Empties every ledger table and records `settings`: what the next recompute of every market
  // fills anew.
  void reset(const Settings& settings);

  // Replaces the market's kalshi_market_daily rows; adds the keys of its old and new rows to
  // `touched` (the kalshi_daily_pnl rows refreshDaily() must recompute).
  void replaceMarketDays(const std::string& ticker, const std::vector<MarketDay>& days,
                         std::set<DailyKey>& touched);
  // kalshi_daily_pnl's rows for `keys`: the exact sums of their kalshi_market_daily rows (a key
  // without any is removed).
  void refreshDaily(const std::set<DailyKey>& keys);
  void replaceClosedPositions(const std::string& ticker,
                              const std::vector<ClosedPositionRow>& rows);
  // kalshi_monthly_edge's rows of the months of `keys` (each key's day's month; the keys
  // refreshDaily() gets hold every day whose closed positions changed), summed again from those
  // months' closed positions; none: every month, from every closed position.
  void refreshMonthlyEdge(const std::set<DailyKey>& keys);
  void refreshMonthlyEdge(const std::optional<std::set<std::string>>& months);
  // refreshMonthlyEdge() reads every closed position once from this many months on.
  static constexpr size_t kScanAllMonthsFrom = 3;
  void replaceTaxLots(const std::string& ticker, const std::vector<TaxLotRow>& rows);
  // For a pass over many markets: every market's stored day keys read at once, so that
  // replaceMarketDays() asks nothing per market until forgetMarketDays().
  void prefetchMarketDays();
  void forgetMarketDays() { prefetched_days_.reset(); }
  // refreshDaily() reads every market-day row once from this many days on.
  static constexpr size_t kScanAllDaysFrom = 256;
  // The rows of replaceClosedPositions() and replaceTaxLots() go through the store's bulk path
  // (on PostgreSQL: written at the latest here, which refreshDaily() calls first). Each market is
  // replaced at most once between two calls; nothing reads those tables in between. Also builds
  // the secondary indexes createTables() deferred on empty tables (market days, closed
  // positions, tax lots: a first computation writes them without).
  void finishWrites();
  // The markets with kalshi_market_daily rows on `day` that were split at another balance check
  // than `check_us` (a newer check that day), each with the span of time (after, until] between
  // that check and `check_us` (after `check_us` when the day had no check then): only an entry
  // in it changes sides, so a market without one keeps its after-check part.
  struct CheckSpan {
    int64_t after_us = 0, until_us = 0;
  };
  std::map<std::string, CheckSpan> marketsCheckedOtherwise(const std::string& day,
                                                           int64_t check_us);
  // Records `check_us` as the check of every kalshi_market_daily row of `day` split at another
  // one: for the markets whose split it does not change (no entry between the two checks).
  void moveCheck(const std::string& day, int64_t check_us);

  // ---- the equity rebuild's inputs ----
  // Every live snapshot that recorded a balance, oldest first (balance_read_at, else taken_at).
  std::vector<BalanceCheck> balanceChecks();
  // kalshi_daily_pnl summed per (day, subaccount).
  std::map<std::pair<std::string, int64_t>, DailyAmounts> dailyTotals();
  // Applied deposits and withdrawals (at finalized_at, else created_at) and subaccount transfers
  // (two legs, at created_at).
  std::vector<CashTransfer> appliedTransfers();
  void replaceEquity(const std::vector<EquityRow>& rows);

 private:
  Store& store_;
  StoreStatementPtr old_days_, remove_days_, insert_day_, sum_day_, upsert_daily_, remove_daily_,
      remove_closed_, remove_lots_, remove_edge_, insert_edge_, read_lots_, remove_lot_;
  BulkUpsertPtr closed_writer_, lots_writer_;
  std::vector<const TableDefinition*>
      deferred_indexes_;  // by createTables(), built by finishWrites()
  std::optional<std::map<std::string, std::vector<DailyKey>>> prefetched_days_;
};

// ---- reading the ledger (`kalshi-direct report`, the dashboard) ----

// Which rows to read: days from..to inclusive (empty: open), and optionally one category, series
// or subaccount (none: all).
struct LedgerFilter {
  std::string from, to;
  std::optional<std::string> category, series_ticker;
  std::optional<int64_t> subaccount;
};
struct LedgerRow {
  DailyKey key;
  DailyAmounts amounts;
};
// The time zone the ledger was computed in; none when the store has no ledger yet.
std::optional<std::string> ledgerTimeZone(Store& store);
std::vector<LedgerRow> readDailyLedger(Store& store, const LedgerFilter& filter);
// The same rows visited one at a time (key and amounts refilled each time). Without `with_cash`,
// cash_flow, cash_after_check and basis_change are not read (zero): what period figures show.
void forEachDailyLedger(Store& store, const LedgerFilter& filter, bool with_cash,
                        const std::function<void(const DailyKey&, const DailyAmounts&)>& visit);
// The filter's rows of kalshi_daily_pnl summed per day, in day order, with only key.day, realized
// and fees set: what computeStats reads of the ledger.
std::vector<LedgerRow> readDailyRealized(Store& store, const LedgerFilter& filter);
// The filter's rows of kalshi_daily_pnl summed, with only realized, fees, closes, wins and losses
// read (the other amounts stay zero): what a headline figure needs, several times cheaper.
DailyAmounts readLedgerTotals(Store& store, const LedgerFilter& filter);
// Visits kalshi_closed_positions closed on filter's days (and of its category, series,
// subaccount), one row at a time (the same object, refilled). Read: the keys, day, contracts, entry
// cost, realized, whether settled and the payout; not the side, times or fees. `ordered`: in
// closing order (else in any order, which is cheaper). An index covers the read.
void forEachClosedPosition(Store& store, const LedgerFilter& filter, bool ordered,
                           const std::function<void(const ClosedPositionRow&)>& visit);
// kalshi_monthly_edge's rows of months from_month..to_month ("YYYY-MM", inclusive; empty: open)
// and of the filter's category, series and subaccount (its days are not read): `keys` holds the
// row's subaccount, category, series and month (in `day`). Nothing when the table is missing (a
// database no run of this release has written).
void forEachMonthlyEdge(
    Store& store, const std::string& from_month, const std::string& to_month,
    const LedgerFilter& filter,
    const std::function<void(const ClosedPositionRow& keys, const EdgeBucket& bucket)>& visit);
// Only the results (realized P&L net of fees) of the positions closed on the filter's days, in
// the order they closed: what win rate, streaks and expectancy need (cheaper than the rows).
std::vector<Decimal> readCloseResults(Store& store, const LedgerFilter& filter);
// The tax lots closed on the filter's days (closed_day), in the order they closed, and the open
// or later-closed lots acquired on them (for the fee reconciliation: docs/analytics.md). Their
// times are not read: acquired_us is 0 and closed_us 0 when closed; the days say when.
std::vector<TaxLotRow> readTaxLotsClosed(Store& store, const LedgerFilter& filter);
std::vector<TaxLotRow> readTaxLotsAcquired(Store& store, const LedgerFilter& filter);
// kalshi_equity_daily rows of one scope (filter.subaccount; none: the whole account, -1) in day
// order. Subaccount 0 of an account that has no other is the whole account.
std::vector<EquityRow> readEquity(Store& store, const LedgerFilter& filter);

}  // namespace kalshi
}  // namespace kalshi_direct

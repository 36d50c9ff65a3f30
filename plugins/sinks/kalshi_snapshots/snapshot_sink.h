// kalshi_snapshots: the dashboard's account state, one snapshot per sync.
//
// Takes balance, positions, settlements, markets, fills and history. While the run streams it
// upserts kalshi_markets and kalshi_settlements and notes which markets got new fills or
// settlements. At finish() (all input delivered, same transaction as every row of the run) it
//   1. recomputes P&L (plugins/kalshi/accounting.h) for the markets that changed (recorded in
//      kalshi_pnl_dirty in the same transaction as their rows, so a crash cannot lose them), the
//      markets with open positions (their marks move) - or all when kalshi_market_pnl is empty -
//      from every fill in kalshi_fills, into kalshi_market_pnl and kalshi_orders.pnl_cents;
//   2. inserts one kalshi_snapshots row (taken_at, source live/fallback, balance, portfolio value,
//      open positions, orders, realized/unrealized/fees, net deposits from kalshi_transfers, and
//      whether the history those figures rest on is complete, from kalshi_history) and one
//      kalshi_snapshot_pnl row per category (the configured categories always, plus any other
//      that has amounts), and with several subaccounts one kalshi_snapshot_subaccounts row each;
//   3. replaces kalshi_positions with the positions of this run;
//   4. compares the computed realized P&L and fees per market with what Kalshi reports in its
//      market positions; differences beyond `reconcile_tolerance` go to kalshi_reconciliation and
//      the run summary (counter reconciliation_differences). Nothing is hidden or adjusted.
// The snapshot's source is the snapshot_source of the last balance record: "fallback" when the
// pipeline's fallback source served the run; such a run's markets records (kalshi_markets' own
// rows, sent so the categorizer knows each position's series) are not written back.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "kalshi/accounting.h"
#include "kalshi/api_parser.h"
#include "kalshi/row_writer.h"

namespace kalshi_direct {
namespace kalshi {

struct SnapshotOptions {
  std::string path;
  AccountingOptions accounting;
  std::vector<std::string> categories;
  Decimal tolerance = Decimal(1, 2);  // $0.01
  bool recompute_all = false;
};

class SnapshotSink final : public Sink {
 public:
  explicit SnapshotSink(SnapshotOptions options);
  // The tables it computes from (written by the kalshi_fills, kalshi_orders and kalshi_transfers
  // sinks: they must be on its store) and those it writes (StoreTables, plugin.h).
  static std::vector<std::string> tablesRead();
  static std::vector<std::string> tablesWritten();
  SnapshotSink(const SnapshotSink&) = delete;  // incoming_table_ points into its own strings
  SnapshotSink& operator=(const SnapshotSink&) = delete;
  std::string storeLocation() const override { return options_.path; }
  Status open(SinkContext& context) override;
  WriteResult write(const Batch& batch) override;
  Status flush() override;
  Status finish() override;
  void rollback() override;

 public:
  struct SubaccountFill {
    int64_t subaccount = 0;
    FillEvent fill;
  };

 private:
  // From this many markets on, recomputeMarkets() reads kalshi_fills in one sorted scan rather
  // than market by market through the (ticker, filled_at_us) index.
  static constexpr size_t kBulkRecomputeMarkets = 2000;
  struct Recompute;
  // Recomputes and stores the markets' P&L; returns how many settled markets disagree with their
  // fills (history incomplete).
  uint64_t recomputeMarkets(const std::set<std::string>& tickers);
  void recomputeMarket(const std::string& ticker, std::vector<SubaccountFill> fills, Recompute& r);
  std::set<std::string> marketsToRecompute();
  // The staged positions that are not flat (a position without a ticker still counts).
  std::vector<std::optional<std::string>> openPositionTickers();
  // Creates, checks and adopts the tables it writes (TableConflict for a foreign one).
  void openTables();
  // The run serves the last known state (the balance came from local_db_fallback).
  bool fallback() const;

  SnapshotOptions options_;
  SinkContext* context_ = nullptr;
  Store* database_ = nullptr;
  RowWriter markets_{marketsTable()};
  RowWriter settlements_{settlementsTable()};
  RowWriter history_{historyTable()};
  std::set<std::string> touched_;
  // This run's market positions wait in a TEMP table until finish() replaces kalshi_positions
  // with them: this connection only, gone with it, spilling to a temp file past its small page
  // cache, so 25,000 positions (1,000,000 fills) cost no resident memory.
  // Named per sink (kd_incoming_positions_<n>): two snapshot sinks on one connection must not
  // share it.
  std::string incoming_name_;
  std::string incoming_sql_;
  TableDefinition incoming_table_;
  RowWriter incoming_positions_{incoming_table_};
  bool have_positions_ = false;
  Record balance_;                                 // the account's (all subaccounts)
  std::map<int64_t, Record> subaccount_balances_;  // each subaccount's, when there are several
  bool have_balance_ = false;
};

}  // namespace kalshi
}  // namespace kalshi_direct

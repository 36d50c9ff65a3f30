// kalshi_pnl: the account's P&L and snapshots, computed from the rows in the store.
//
// A model (plugin.h): the engine runs it at every commit, after the sinks wrote that commit's rows
// and in the same transaction. Each run that finds something changed since the last one
//   1. recomputes P&L (plugins/kalshi/accounting.h) for the markets in kalshi_pnl_dirty (new
//      fills, changed settlements or prices, recorded there by their writers in the same
//      transaction as the rows; a re-read market whose prices did not move is not there), and
//      with a new balance check the day's markets with an entry between it and the check they
//      were split at - or all when kalshi_market_pnl is empty or `recompute_all` - from every
//      fill in kalshi_fills, into kalshi_market_pnl and kalshi_orders.pnl_cents;
//   2. inserts one kalshi_snapshots row (taken_at, source live/fallback, balance, portfolio value,
//      open positions, orders, realized/unrealized/fees, net deposits from kalshi_transfers, and
//      whether the history those figures rest on is complete, from kalshi_history) and one
//      kalshi_snapshot_pnl row per category (the configured categories always, plus any other
//      that has amounts), and with several subaccounts one kalshi_snapshot_subaccounts row each;
//   3. when kalshi_account's positions are new (written by the kalshi_account sink since the last
//      snapshot), compares the computed realized P&L and fees per market with what Kalshi
//      reports in them; differences beyond `reconcile_tolerance` go to kalshi_reconciliation and
//      the run summary (counter reconciliation_differences). Nothing is hidden or adjusted.
//   4. keeps the daily ledger (daily_ledger.h, docs/analytics.md) with the recomputed markets:
//      their rows by local day (kalshi_market_daily, summed into kalshi_daily_pnl for the days,
//      categories and series they touch) and their closed positions (kalshi_closed_positions);
//      then rebuilds kalshi_equity_daily (cash from the newest balance back through every flow,
//      checked against each day's last reported balance).
// "Changed" is: markets in kalshi_pnl_dirty, or kalshi_account without a snapshot_id. A run with
// nothing changed writes nothing, so a commit with no new rows adds no snapshot. The ledger is
// computed anew from every fill when it was computed with another time zone or lot method (or
// never: a database from before it). With `recompute_every`, a commit that brings only rows (no
// new account state) within that long of the last recompute is left for a later run
// (kalshi_pnl_dirty keeps its markets), except the run's last: the live pipeline's P&L follows
// its rows at most a second behind.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "daily_ledger.h"
#include "kalshi/accounting.h"
#include "kalshi/ledger_store.h"
#include "kalshi/local_days.h"
#include "kalshi/pnl_store.h"
#include "kalshi_direct/plugin.h"

namespace kalshi_direct {
namespace kalshi {

struct PnlOptions {
  AccountingOptions accounting;
  std::vector<std::string> categories;
  Decimal tolerance = Decimal(1, 2);  // $0.01
  bool recompute_all = false;
  // A commit that brings only rows (no new account state), not the run's last, within this long
  // of the last recompute leaves its markets in kalshi_pnl_dirty for a later one (0: never).
  std::chrono::milliseconds recompute_every{0};
  std::string timezone = kDefaultTimeZone;  // the daily ledger's calendar days
};

class PnlModel final : public Model {
 public:
  explicit PnlModel(PnlOptions options) : options_(std::move(options)) {}
  // The tables it computes from (written by the kalshi_fills, kalshi_orders, kalshi_transfers
  // and kalshi_account sinks: they must be on its store) and those it writes (StoreTables).
  static std::vector<std::string> tablesRead();
  static std::vector<std::string> tablesWritten();
  Status open(ModelContext& context) override;
  Status run(const ModelRun& run) override;
  // The transaction was rolled back: its snapshot too, and whatever edge refresh it made.
  void rollback() override {
    current_snapshot_.reset();
    recent_edge_unknown_ = true;
  }

 private:
  // From this many markets on, recomputeMarkets() reads kalshi_fills in one sorted scan rather
  // than market by market through the (ticker, filled_at_us) index.
  static constexpr size_t kBulkRecomputeMarkets = 2000;
  struct Recompute;
  // Recomputes and stores the markets' P&L; returns how many settled markets disagree with their
  // fills (history incomplete). `last_commit`: the run's last commit (refreshEdge()).
  uint64_t recomputeMarkets(const std::set<std::string>& tickers, bool last_commit);
  void recomputeMarket(const std::string& ticker, std::vector<PnlStore::SubaccountFill> fills,
                       Recompute& r);
  std::set<std::string> marketsToRecompute();
  // kalshi_orders.pnl_cents: moves the markets' totals (`recomputed`: those just written) so that
  // every market's orders add up to its share of the account's realized P&L in whole cents.
  // After recomputing markets whose realized P&L did not change: their orders back to their
  // stored cents (kalshi_market_order_cents). False (nothing changed) when one has none stored.
  bool restoreOrderCents(const std::map<std::string, int64_t>& recomputed);
  // Sets a market's orders' whole cents to add up to `cents` (apportionCents over their P&L).
  void apportionMarketOrders(const std::vector<std::pair<std::string, Decimal>>& orders,
                             int64_t cents);
  void apportionOrderCents(const std::map<std::string, int64_t>& recomputed);
  // The balance the account state holds, when it is new and live: this run's balance check.
  std::optional<BalanceCheck> newBalanceCheck(bool account_changed);
  // Writes the snapshot of what the store holds now; returns its id. `end_of_input`: the run's
  // last (its log line is info, not debug). `unrealized` gets each subaccount's unrealized P&L.
  int64_t writeSnapshot(bool account_changed, bool end_of_input,
                        std::map<int64_t, Decimal>& unrealized);
  // `checks`: every balance check, this run's included (its snapshot records the same one).
  void rebuildEquity(std::vector<BalanceCheck> checks,
                     const std::map<int64_t, Decimal>& unrealized);

  PnlOptions options_;
  ModelContext* context_ = nullptr;
  std::optional<PnlStore> store_;
  std::optional<LedgerStore> ledger_;
  std::optional<LocalDays> days_;
  DayChecks day_checks_;                // this run's: each day's last balance check
  bool recompute_all_pending_ = false;  // recompute_all: once per run, at its first model run
  bool warned_incomplete_ = false;      // the incomplete-history warning: once per run
  bool warned_reconciliation_ = false;  // the differences warning: once per run (then debug)
  // The snapshot this run took last and when: commits that only bring fills (a live run's, 4 a
  // second) bring it up to date for kSnapshotEvery instead of adding one each (writeSnapshot()).
  static constexpr std::chrono::seconds kSnapshotEvery{60};
  std::optional<int64_t> current_snapshot_;
  std::chrono::steady_clock::time_point current_snapshot_at_;
  // When this run last recomputed: commits that bring only rows recompute at most every
  // options_.recompute_every (run()), the run's last commit always.
  std::optional<std::chrono::steady_clock::time_point> last_recompute_;
  // kalshi_monthly_edge of the current and the previous month (those a live run's fills touch)
  // is summed again at most every kEdgeEvery and at the run's last commit (also after a stop), not
  // at each commit: it reads every closed position of the month (refreshEdge()). Older months
  // are summed at once.
  // recent_edge_unknown_: a run that ended before its last commit may have left those two months
  // behind, so the first run of a process (and one after a rollback) sums them again.
  static constexpr std::chrono::seconds kEdgeEvery{15};
  void refreshEdge(const std::set<DailyKey>& touched, bool last_commit);
  std::set<std::string> edge_pending_;
  bool recent_edge_unknown_ = true;
  std::chrono::steady_clock::time_point edge_refreshed_at_;
};

}  // namespace kalshi
}  // namespace kalshi_direct

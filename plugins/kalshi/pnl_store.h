// PnlStore: what the kalshi_pnl model reads from and writes to a store, in the Kalshi data model
// module (tables.h), so that the SQL on the kalshi_* tables has one owner and a second store kind
// (PostgreSQL, issue 17) changes this file, not the model. The model (plugins/models/kalshi_pnl)
// decides what to compute; this says where the inputs are and where the results go.
//
// Every call runs inside the caller's open transaction. Amounts are exact: decimals are read from
// and written to the *_dollars text columns, and the *_cents columns are rounded half away from
// zero from them.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "kalshi/accounting.h"
#include "kalshi/tables.h"  // TableConflict
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

class PnlStore {
 public:
  explicit PnlStore(Store& store) : store_(store) {}

  // The tables the model computes from (kalshi_fills, kalshi_orders, kalshi_transfers, the
  // account's...) and those it writes (the P&L, snapshot and reconciliation tables).
  static std::vector<std::string> tablesRead();
  static std::vector<std::string> tablesWritten();

  // The tables the model reads (so that a pipeline that has not written them yet reads them
  // empty) and writes, created, adopted or migrated. kalshi_orders / kalshi_fills may be bulk
  // loading with their indexes deferred: buildFillIndexes() builds the two the model reads by
  // (market), before a recompute; the others stay deferred until the load ends (each one kept up
  // to date row by row for the rest of a backfill cost more than building it once).
  void createTables();
  void buildFillIndexes();

  // ---- what changed since the model's last run ----
  // kalshi_account without a snapshot: the balance or the positions were replaced since.
  bool accountChanged();
  bool anyMarketChanged();  // kalshi_pnl_dirty is not empty
  bool hasMarketPnl();      // kalshi_market_pnl has rows (else everything is computed)
  std::set<std::string> changedMarkets();  // kalshi_pnl_dirty
  std::set<std::string> tradedMarkets();   // every market with fills or settlements
  void clearChangedMarkets();
  // Whether the market has a fill or settlement dated in (after_us, until_us], or one undated
  // (the ledger dates those by the others): the entries a balance check moving from one of these
  // times to the other moves across it.
  bool hasEntriesBetween(const std::string& ticker, int64_t after_us, int64_t until_us);

  // ---- a market's inputs ----
  struct SubaccountFill {
    int64_t subaccount = 0;
    FillEvent fill;
  };
  std::vector<SubaccountFill> fillsOf(const std::string& ticker);
  // Every fill, market by market in ticker order (an external sort: memory does not grow with
  // the table); `visit` gets each market's fills once.
  void forEachMarketFills(const std::function<void(const std::string& ticker,
                                                   std::vector<SubaccountFill>&& fills)>& visit);
  struct MarketInputs {
    std::map<int64_t, std::optional<SettlementEvent>> settlements;  // by subaccount
    MarketPrices prices;
    std::string category;  // the settlement's, else the market's, else a position's; may be empty
    // The market's series (kalshi_markets), else its event's or its own ticker up to the first
    // '-' (Kalshi's tickers start with the series': KXHIGHNY-26MAR01-T50).
    std::string series_ticker;
  };
  MarketInputs marketInputs(const std::string& ticker);
  // For a pass over many markets (a backfill): reads every market's settlements, prices and
  // position category with one query each, and marketInputs() answers from memory until
  // forgetMarketInputs(). On a server this saves three round trips per market.
  void prefetchMarketInputs();
  void forgetMarketInputs() { prefetched_.reset(); }

  // ---- a market's results ----
  struct MarketPnlRow {
    std::string category;
    int64_t subaccount = 0;
    Amounts amounts;
    Decimal position;             // on the market category's row; zero elsewhere
    std::optional<Decimal> mark;  // likewise
  };
  // Replaces the market's kalshi_market_pnl rows (none: the market's rows are removed).
  void replaceMarketPnl(const std::string& ticker, const std::vector<MarketPnlRow>& rows,
                        const std::string& updated_at);
  // kalshi_orders.pnl_cents and pnl_dollars; applied sorted by order id (random ids touch fewer
  // pages so).
  struct OrderPnl {
    std::string order_id;
    int64_t cents = 0;
    Decimal dollars;
    bool operator<(const OrderPnl& other) const { return order_id < other.order_id; }
  };
  // Each order's P&L (kalshi_orders.pnl_cents, pnl_dollars). setOrderPnl() holds them back in a
  // temporary table, so that a pass over every market rewrites kalshi_orders once rather than
  // once per call (1M fills: 13 calls; PostgreSQL one join, SQLite one pass in id order).
  // applyOrderPnl() writes what was held back; read the orders' P&L only after it. Both run
  // inside the open transaction.
  void setOrderPnl(std::vector<OrderPnl>& updates);
  void applyOrderPnl();
  // Before a pass that rewrites most orders' P&L (a backfill): the index SQLite keeps on it for
  // the dashboard's sort (sqlite_only_indexes) is dropped, and applyOrderPnl() builds it again
  // once, which costs less than keeping it up to date order by order.
  void beginOrderPnlPass();
  // Each market's realized P&L (kalshi_market_pnl summed over subaccounts and categories).
  std::map<std::string, Decimal> marketRealized();
  // The same for these markets only (one absent: it has no rows).
  std::map<std::string, Decimal> marketRealized(const std::set<std::string>& tickers);
  // The orders of a market with their exact P&L, by id.
  std::vector<std::pair<std::string, Decimal>> orderPnlOf(const std::string& ticker);
  void setOrderCents(const std::vector<std::pair<std::string, int64_t>>& cents);
  // kalshi_market_order_cents.
  std::map<std::string, int64_t> marketOrderCents();
  std::optional<int64_t> marketOrderCents(const std::string& ticker);
  void setMarketOrderCents(const std::map<std::string, int64_t>& changed);

  // ---- the snapshot ----
  // Every kalshi_market_pnl row: ticker, category, subaccount and amounts.
  void forEachMarketPnl(
      const std::function<void(const std::string& ticker, const std::string& category,
                               int64_t subaccount, const Amounts& amounts)>& visit);
  // The account's last known state (kalshi_account); source "live" and the rest unknown when no
  // account sink ever wrote it. open_positions is unknown until positions were read.
  struct AccountState {
    std::string source = "live";
    Value balance_cents, balance_dollars, portfolio_value_cents, open_positions;
    std::string balance_read_at;  // empty: unknown
  };
  AccountState account();
  // kalshi_subaccount_balances: subaccount -> (balance cents, balance dollars).
  std::map<int64_t, std::pair<Value, Value>> subaccountBalances();
  int64_t countRows(const char* table);
  // Money the owner put in, net: applied deposits (amount - fee) minus applied withdrawals and
  // their fees; subaccount transfers move none. Unknown when the transfers were never read.
  std::optional<int64_t> netDepositsCents();
  // Whether the figures rest on the whole history (kalshi_history); `note` names what is missing.
  struct History {
    std::optional<bool> complete;
    std::string note;
  };
  History history();

  struct SnapshotRow {
    std::string taken_at;
    AccountState account;
    int64_t total_orders = 0, total_fills = 0;
    Amounts total;
    std::optional<int64_t> net_deposits_cents;
    History history;
  };
  int64_t insertSnapshot(const SnapshotRow& row);  // returns its id
  // Rewrites snapshot `id` with `row` (the streaming commits' snapshot kept current).
  void updateSnapshot(int64_t id, const SnapshotRow& row);
  void insertSnapshotPnl(int64_t snapshot_id, const std::string& category, const Amounts& amounts);
  void insertSnapshotSubaccount(int64_t snapshot_id, int64_t subaccount, const Value& balance_cents,
                                const Value& balance_dollars, const Amounts& amounts);

  // ---- reconciliation ----
  // The positions the kalshi_account sink wrote since the last snapshot, with Kalshi's figures.
  struct ReportedPosition {
    std::string ticker;
    int64_t subaccount = 0;
    std::optional<Decimal> realized, fees;  // realized before fees, as Kalshi reports them
  };
  std::vector<ReportedPosition> unsnapshottedPositions();
  void insertReconciliation(int64_t snapshot_id, const ReportedPosition& position,
                            const char* field, const Decimal& computed, const Decimal& reported);
  // The account row and its new positions are recorded by snapshot `snapshot_id`.
  void markAccountSnapshotted(int64_t snapshot_id);

 private:
  StoreStatement& statement(StoreStatementPtr& slot, const std::string& sql);
  struct PrefetchedInputs {
    std::map<std::string, MarketInputs> by_ticker;         // settlements and markets
    std::map<std::string, std::string> position_category;  // the first non-null per ticker
  };
  std::optional<PrefetchedInputs> prefetched_;

  Store& store_;
  StoreStatementPtr settlements_, prices_, position_category_, remove_pnl_, insert_pnl_, order_pnl_,
      fills_of_, order_pnl_of_, order_cents_, fills_between_, settlements_between_, realized_of_,
      order_cents_of_;
  BulkUpsertPtr staged_order_pnl_;  // into kd_order_pnl, until applyOrderPnl()
  bool order_pnl_staged_ = false;
  std::vector<std::string> dropped_indexes_;  // by beginOrderPnlPass(), until applyOrderPnl()
};

}  // namespace kalshi
}  // namespace kalshi_direct

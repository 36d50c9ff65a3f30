#include "kalshi/tables.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <map>

#include "kalshi_direct/store.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

namespace {
// Added to the tables that hold one subaccount's rows (0 = the primary account: every older row).
const std::pair<std::string, std::string> kSubaccountColumn{"subaccount",
                                                            "INTEGER NOT NULL DEFAULT 0"};
}  // namespace

const TableDefinition& ordersTable() {
  static const TableDefinition table{
      "kalshi_orders",
      "CREATE TABLE IF NOT EXISTS kalshi_orders ("
      " id TEXT PRIMARY KEY,"  // order_id
      " ticker TEXT NOT NULL,"
      " side TEXT NOT NULL,"           // BUY / SELL
      " contract_side TEXT NOT NULL,"  // yes / no: the contract bought or sold
      " outcome_side TEXT, book_side TEXT,"
      " quantity INTEGER,"  // contracts ordered (initial count, rounded if fractional)
      " quantity_fp TEXT, filled_quantity_fp TEXT, remaining_quantity_fp TEXT,"
      " price REAL,"  // limit price, cents per contract of contract_side
      " yes_price_dollars TEXT, no_price_dollars TEXT,"
      " avg_fill_price REAL,"  // cents per contract, from the fill cost; NULL if unfilled
      " fill_cost_dollars TEXT,"
      " fees_dollars TEXT, fees_cents INTEGER,"
      " filled_at TEXT,"  // last update of an order with fills; NULL if unfilled
      " created_at TEXT, updated_at TEXT,"
      " status TEXT NOT NULL,"  // resting / canceled / executed
      " type TEXT, client_order_id TEXT,"
      " category TEXT,"
      " pnl_cents INTEGER,"  // realized P&L the order made, net of its fees (docs/tables.md)
      " pnl_dollars TEXT,"   // the same, exact
      " subaccount INTEGER NOT NULL DEFAULT 0"  // 0 = the primary account, 1..63 subaccounts
      ");"
      "CREATE INDEX IF NOT EXISTS kalshi_orders_ticker ON kalshi_orders (ticker);"
      // The dashboard's order history, newest first (all, or of one category, subaccount or
      // status), counted and paged from an index.
      "CREATE INDEX IF NOT EXISTS kalshi_orders_created ON kalshi_orders (created_at);"
      "CREATE INDEX IF NOT EXISTS kalshi_orders_category ON kalshi_orders (category, "
      "created_at);"
      "CREATE INDEX IF NOT EXISTS kalshi_orders_subaccount ON kalshi_orders (subaccount, "
      "created_at);"
      "CREATE INDEX IF NOT EXISTS kalshi_orders_status ON kalshi_orders (status, created_at);"
      // Sorted by P&L, then time (dashboard_queries.h).
      "CREATE INDEX IF NOT EXISTS kalshi_orders_pnl ON kalshi_orders (pnl_cents, created_at);",
      {"id",
       "ticker",
       "side",
       "contract_side",
       "outcome_side",
       "book_side",
       "quantity",
       "quantity_fp",
       "filled_quantity_fp",
       "remaining_quantity_fp",
       "price",
       "yes_price_dollars",
       "no_price_dollars",
       "avg_fill_price",
       "fill_cost_dollars",
       "fees_dollars",
       "fees_cents",
       "filled_at",
       "created_at",
       "updated_at",
       "status",
       "type",
       "client_order_id",
       "category",
       "subaccount"},
      {"id"},
      {"id", "ticker", "side", "contract_side", "status"},
      {kSubaccountColumn},
      /*derived=*/false,
      /*changes_market_pnl=*/false,
      /*updated_in_place=*/true,
      /*lists_tickers=*/true,
      /*sqlite_only_indexes=*/{"kalshi_orders_pnl"}};
  return table;
}

const TableDefinition& fillsTable() {
  static const TableDefinition table{
      "kalshi_fills",
      "CREATE TABLE IF NOT EXISTS kalshi_fills ("
      " id TEXT PRIMARY KEY,"  // fill_id
      " order_id TEXT, trade_id TEXT,"
      " ticker TEXT NOT NULL,"
      " side TEXT NOT NULL,"           // BUY / SELL
      " contract_side TEXT NOT NULL,"  // yes / no
      " outcome_side TEXT NOT NULL,"   // yes: moves the position towards YES; no: towards NO
      " book_side TEXT,"
      " quantity INTEGER,"           // contracts (rounded if fractional)
      " quantity_fp TEXT NOT NULL,"  // exact count
      " price REAL,"                 // cents per contract of contract_side
      " yes_price_dollars TEXT NOT NULL, no_price_dollars TEXT NOT NULL,"
      " fee_dollars TEXT NOT NULL, fee_cents INTEGER,"
      " is_taker INTEGER,"
      " filled_at TEXT, filled_at_us INTEGER, ts INTEGER,"
      " category TEXT,"
      " subaccount INTEGER NOT NULL DEFAULT 0"
      ");"
      "CREATE INDEX IF NOT EXISTS kalshi_fills_market ON kalshi_fills (ticker, filled_at_us);"
      "CREATE INDEX IF NOT EXISTS kalshi_fills_order ON kalshi_fills (order_id);"
      // The dashboard's fill history, newest first (all, or of one category or subaccount).
      "CREATE INDEX IF NOT EXISTS kalshi_fills_time ON kalshi_fills (filled_at_us);"
      "CREATE INDEX IF NOT EXISTS kalshi_fills_category ON kalshi_fills (category, "
      "filled_at_us);"
      "CREATE INDEX IF NOT EXISTS kalshi_fills_subaccount ON kalshi_fills (subaccount, "
      "filled_at_us);"
      // Sorted by price or fee, then time (dashboard_queries.h).
      "CREATE INDEX IF NOT EXISTS kalshi_fills_price ON kalshi_fills (price, filled_at_us);"
      "CREATE INDEX IF NOT EXISTS kalshi_fills_fee ON kalshi_fills (fee_cents, filled_at_us);",
      {"id",
       "order_id",
       "trade_id",
       "ticker",
       "side",
       "contract_side",
       "outcome_side",
       "book_side",
       "quantity",
       "quantity_fp",
       "price",
       "yes_price_dollars",
       "no_price_dollars",
       "fee_dollars",
       "fee_cents",
       "is_taker",
       "filled_at",
       "filled_at_us",
       "ts",
       "category",
       "subaccount"},
      {"id"},
      {"id", "ticker", "side", "contract_side", "outcome_side", "quantity_fp", "yes_price_dollars",
       "no_price_dollars", "fee_dollars"},
      {kSubaccountColumn},
      /*derived=*/false,
      /*changes_market_pnl=*/true,
      /*updated_in_place=*/false,
      /*lists_tickers=*/true};
  return table;
}

const TableDefinition& marketsTable() {
  static const TableDefinition table{
      "kalshi_markets",
      "CREATE TABLE IF NOT EXISTS kalshi_markets ("
      " ticker TEXT PRIMARY KEY, event_ticker TEXT, series_ticker TEXT,"
      " series_category TEXT,"  // the exchange's category ("Climate and Weather")
      " category TEXT,"         // the dashboard category the rules give the market
      " title TEXT, market_type TEXT, status TEXT, result TEXT,"
      " yes_bid_dollars TEXT, yes_ask_dollars TEXT, last_price_dollars TEXT,"
      " close_time TEXT, updated_at TEXT);"
      // kalshi_live's event -> series cache, loaded at its open from this index alone.
      "CREATE INDEX IF NOT EXISTS kalshi_markets_event ON kalshi_markets (event_ticker,"
      " series_ticker, series_category);",
      {"ticker", "event_ticker", "series_ticker", "series_category", "category", "title",
       "market_type", "status", "result", "yes_bid_dollars", "yes_ask_dollars",
       "last_price_dollars", "close_time", "updated_at"},
      {"ticker"},
      {},
      {},
      /*derived=*/false,
      /*changes_market_pnl=*/true,
      /*updated_in_place=*/false,
      /*lists_tickers=*/false,
      /*sqlite_only_indexes=*/{},
      /*pnl_columns=*/
      {"category", "last_price_dollars", "yes_bid_dollars", "yes_ask_dollars", "series_ticker",
       "event_ticker"}};
  return table;
}

const TableDefinition& settlementsTable() {
  static const TableDefinition table{
      "kalshi_settlements",
      "CREATE TABLE IF NOT EXISTS kalshi_settlements ("
      " ticker TEXT NOT NULL, event_ticker TEXT,"
      " market_result TEXT NOT NULL,"  // yes / no / scalar
      " yes_count_fp TEXT, no_count_fp TEXT,"
      " yes_total_cost_dollars TEXT, no_total_cost_dollars TEXT,"
      " revenue_cents INTEGER NOT NULL,"  // paid out at settlement
      " value_cents INTEGER,"             // scalar: payout per YES contract
      " fee_dollars TEXT, settled_at TEXT, settled_at_us INTEGER, category TEXT,"
      " subaccount INTEGER NOT NULL DEFAULT 0,"  // each subaccount's position settles on its own
      " PRIMARY KEY (ticker, subaccount))",
      {"ticker", "event_ticker", "market_result", "yes_count_fp", "no_count_fp",
       "yes_total_cost_dollars", "no_total_cost_dollars", "revenue_cents", "value_cents",
       "fee_dollars", "settled_at", "settled_at_us", "category", "subaccount"},
      {"ticker", "subaccount"},
      {},
      {kSubaccountColumn},
      /*derived=*/false,
      /*changes_market_pnl=*/true,
      /*updated_in_place=*/false,
      /*lists_tickers=*/false,
      /*sqlite_only_indexes=*/{},
      /*pnl_columns=*/
      {"market_result", "value_cents", "revenue_cents", "fee_dollars", "yes_count_fp",
       "no_count_fp", "settled_at_us", "category"}};
  return table;
}

const TableDefinition& positionsTable() {
  static const TableDefinition table{
      "kalshi_positions",
      "CREATE TABLE IF NOT EXISTS kalshi_positions ("
      " ticker TEXT NOT NULL,"
      " position_fp TEXT NOT NULL,"  // signed: negative = NO contracts
      " total_traded_dollars TEXT, market_exposure_dollars TEXT,"
      " realized_pnl_dollars TEXT, fees_paid_dollars TEXT,"  // as Kalshi reports them
      " last_updated_at TEXT, category TEXT, snapshot_id INTEGER,"
      " subaccount INTEGER NOT NULL DEFAULT 0,"
      " PRIMARY KEY (ticker, subaccount))",
      {"ticker", "position_fp", "total_traded_dollars", "market_exposure_dollars",
       "realized_pnl_dollars", "fees_paid_dollars", "last_updated_at", "category", "snapshot_id",
       "subaccount"},
      {"ticker", "subaccount"},
      {},
      {kSubaccountColumn},
      /*derived=*/true};
  return table;
}

const TableDefinition& snapshotsTable() {
  static const TableDefinition table{
      "kalshi_snapshots",
      "CREATE TABLE IF NOT EXISTS kalshi_snapshots ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " taken_at TEXT NOT NULL,"
      " source TEXT NOT NULL,"  // live / fallback
      " balance_cents INTEGER, portfolio_value_cents INTEGER,"
      " open_positions INTEGER, total_orders INTEGER, total_fills INTEGER,"
      " realized_pnl_cents INTEGER,"  // net of fees
      " unrealized_pnl_cents INTEGER, fees_cents INTEGER,"
      " realized_pnl_dollars TEXT, unrealized_pnl_dollars TEXT, fees_dollars TEXT,"
      " balance_dollars TEXT,"  // exact (balance_dollars), when the API sends it
      " net_deposits_cents INTEGER, net_deposits_dollars TEXT,"  // docs/tables.md; NULL: unknown
      " history_complete INTEGER,"  // 1: the figures rest on the whole history; 0: not; NULL:
                                    // unknown
      " history_note TEXT,"         // what is missing, for people
      " balance_read_at TEXT)",     // when Kalshi reported balance_cents
      {"taken_at", "source", "balance_cents", "portfolio_value_cents", "open_positions",
       "total_orders", "total_fills", "realized_pnl_cents", "unrealized_pnl_cents", "fees_cents",
       "realized_pnl_dollars", "unrealized_pnl_dollars", "fees_dollars", "balance_dollars",
       "net_deposits_cents", "net_deposits_dollars", "history_complete", "history_note",
       "balance_read_at"},
      {},
      {},
      {{"balance_dollars", "TEXT"},
       {"net_deposits_cents", "INTEGER"},
       {"net_deposits_dollars", "TEXT"},
       {"history_complete", "INTEGER"},
       {"history_note", "TEXT"},
       {"balance_read_at", "TEXT"}}};
  return table;
}

const TableDefinition& snapshotPnlTable() {
  static const TableDefinition table{
      "kalshi_snapshot_pnl",
      "CREATE TABLE IF NOT EXISTS kalshi_snapshot_pnl ("
      " snapshot_id INTEGER NOT NULL REFERENCES kalshi_snapshots (id),"
      " category TEXT NOT NULL,"
      " realized_pnl_cents INTEGER NOT NULL, unrealized_pnl_cents INTEGER NOT NULL,"
      " fees_cents INTEGER NOT NULL,"
      " realized_pnl_dollars TEXT, unrealized_pnl_dollars TEXT, fees_dollars TEXT,"
      " PRIMARY KEY (snapshot_id, category))",
      {"snapshot_id", "category", "realized_pnl_cents", "unrealized_pnl_cents", "fees_cents",
       "realized_pnl_dollars", "unrealized_pnl_dollars", "fees_dollars"},
      {"snapshot_id", "category"}};
  return table;
}

const TableDefinition& marketPnlTable() {
  static const TableDefinition table{
      "kalshi_market_pnl",
      "CREATE TABLE IF NOT EXISTS kalshi_market_pnl ("
      " ticker TEXT NOT NULL, category TEXT NOT NULL,"
      " realized_dollars TEXT NOT NULL,"  // net of fees
      " unrealized_dollars TEXT NOT NULL, fees_dollars TEXT NOT NULL,"
      " cash_flow_dollars TEXT NOT NULL,"  // received - paid - fees + settlement revenue
      " position_fp TEXT NOT NULL, mark_price_dollars TEXT,"
      " updated_at TEXT,"
      " subaccount INTEGER NOT NULL DEFAULT 0,"
      " PRIMARY KEY (ticker, subaccount, category))",
      {"ticker", "category", "realized_dollars", "unrealized_dollars", "fees_dollars",
       "cash_flow_dollars", "position_fp", "mark_price_dollars", "updated_at", "subaccount"},
      {"ticker", "subaccount", "category"},
      {},
      {kSubaccountColumn},
      /*derived=*/true};
  return table;
}

const TableDefinition& reconciliationTable() {
  static const TableDefinition table{
      "kalshi_reconciliation",
      "CREATE TABLE IF NOT EXISTS kalshi_reconciliation ("
      " snapshot_id INTEGER NOT NULL, ticker TEXT NOT NULL, field TEXT NOT NULL,"
      " computed_dollars TEXT, reported_dollars TEXT, difference_dollars TEXT,"
      " subaccount INTEGER NOT NULL DEFAULT 0,"
      " PRIMARY KEY (snapshot_id, subaccount, ticker, field))",
      {"snapshot_id", "ticker", "field", "computed_dollars", "reported_dollars",
       "difference_dollars", "subaccount"},
      {"snapshot_id", "subaccount", "ticker", "field"},
      {},
      {kSubaccountColumn}};
  return table;
}

const TableDefinition& transfersTable() {
  static const TableDefinition table{
      "kalshi_transfers",
      "CREATE TABLE IF NOT EXISTS kalshi_transfers ("
      " id TEXT PRIMARY KEY,"      // deposit / withdrawal id, or subaccount transfer_id
      " direction TEXT NOT NULL,"  // deposit / withdrawal / subaccount_transfer
      " status TEXT NOT NULL,"     // pending / applied / failed / returned
      " type TEXT,"                // ach / wire / crypto / debit / apm
      " amount_cents INTEGER NOT NULL, fee_cents INTEGER NOT NULL DEFAULT 0,"
      " created_at TEXT, finalized_at TEXT,"
      " subaccount INTEGER NOT NULL DEFAULT 0,"          // the account the money entered or left
      " from_subaccount INTEGER, to_subaccount INTEGER"  // subaccount transfers only
      ");"
      "CREATE INDEX IF NOT EXISTS kalshi_transfers_created ON kalshi_transfers (created_at);",
      {"id", "direction", "status", "type", "amount_cents", "fee_cents", "created_at",
       "finalized_at", "subaccount", "from_subaccount", "to_subaccount"},
      {"id"},
      {"id", "direction", "status", "amount_cents"}};
  return table;
}

const TableDefinition& snapshotSubaccountsTable() {
  static const TableDefinition table{
      "kalshi_snapshot_subaccounts",
      "CREATE TABLE IF NOT EXISTS kalshi_snapshot_subaccounts ("
      " snapshot_id INTEGER NOT NULL, subaccount INTEGER NOT NULL,"
      " balance_cents INTEGER, balance_dollars TEXT,"  // NULL: the API gave no balance for it
      " realized_pnl_cents INTEGER NOT NULL, unrealized_pnl_cents INTEGER NOT NULL, fees_cents "
      "INTEGER NOT NULL,"
      " realized_pnl_dollars TEXT, unrealized_pnl_dollars TEXT, fees_dollars TEXT,"
      " PRIMARY KEY (snapshot_id, subaccount))",
      {"snapshot_id", "subaccount", "balance_cents", "balance_dollars", "realized_pnl_cents",
       "unrealized_pnl_cents", "fees_cents", "realized_pnl_dollars", "unrealized_pnl_dollars",
       "fees_dollars"},
      {"snapshot_id", "subaccount"}};
  return table;
}

const TableDefinition& historyTable() {
  static const TableDefinition table{
      "kalshi_history",
      "CREATE TABLE IF NOT EXISTS kalshi_history ("
      " stream TEXT PRIMARY KEY,"  // orders / fills / settlements
      " coverage TEXT NOT NULL,"   // all / since / live (see docs/tables.md)
      " complete_since TEXT,"      // coverage 'since': everything from this time on is here
      " updated_at TEXT)",
      {"stream", "coverage", "complete_since", "updated_at"},
      {"stream"},
      {"stream", "coverage"}};
  return table;
}

const TableDefinition& accountTable() {
  static const TableDefinition table{
      "kalshi_account",
      "CREATE TABLE IF NOT EXISTS kalshi_account ("
      " id INTEGER PRIMARY KEY CHECK (id = 1),"
      " source TEXT NOT NULL,"  // live / fallback: who served the balance
      " balance_cents INTEGER, balance_dollars TEXT, portfolio_value_cents INTEGER,"
      " balance_read_at TEXT,"    // when the balance was read
      " positions_read_at TEXT,"  // when kalshi_positions was last replaced; NULL: never
      " snapshot_id INTEGER)",    // the snapshot that recorded this state; NULL: none yet
      {"id", "source", "balance_cents", "balance_dollars", "portfolio_value_cents",
       "balance_read_at", "positions_read_at", "snapshot_id"},
      {"id"}};
  return table;
}

const TableDefinition& subaccountBalancesTable() {
  static const TableDefinition table{
      "kalshi_subaccount_balances",
      "CREATE TABLE IF NOT EXISTS kalshi_subaccount_balances ("
      " subaccount INTEGER PRIMARY KEY, balance_cents INTEGER, balance_dollars TEXT,"
      " read_at TEXT)",
      {"subaccount", "balance_cents", "balance_dollars", "read_at"},
      {"subaccount"}};
  return table;
}

const TableDefinition& marketOrderCentsTable() {
  static const TableDefinition table{
      "kalshi_market_order_cents",
      "CREATE TABLE IF NOT EXISTS kalshi_market_order_cents ("
      " ticker TEXT PRIMARY KEY,"
      " cents INTEGER NOT NULL)",  // what the market's kalshi_orders.pnl_cents add up to
      {"ticker", "cents"},
      {"ticker"},
      {},
      {},
      /*derived=*/true};
  return table;
}

// ---- the daily ledger (kalshi_pnl's, docs/analytics.md) ----
// Amount columns shared by kalshi_market_daily and kalshi_daily_pnl, after their keys.
#define KD_DAILY_AMOUNT_COLUMNS                                                                  \
  " realized_pnl_dollars TEXT NOT NULL," /* net of fees */                                       \
  " fees_dollars TEXT NOT NULL,"                                                                 \
  " contracts_bought_fp TEXT NOT NULL, contracts_sold_fp TEXT NOT NULL,"                         \
  " fills INTEGER NOT NULL, markets_closed INTEGER NOT NULL,"                                    \
  " winning_closes INTEGER NOT NULL, losing_closes INTEGER NOT NULL,"                            \
  " cash_flow_dollars TEXT NOT NULL,"             /* received - paid - fees + settlements */     \
  " cash_flow_after_check_dollars TEXT NOT NULL," /* the part after the day's balance check */   \
  " basis_change_dollars TEXT NOT NULL,"          /* open cost basis at the day's end - start */ \
  " won_dollars TEXT NOT NULL, lost_dollars TEXT NOT NULL," /* closes' results, > 0 / < 0 */

namespace {
std::vector<std::string> dailyColumns(std::vector<std::string> key) {
  for (const char* column :
       {"realized_pnl_dollars", "fees_dollars", "contracts_bought_fp", "contracts_sold_fp", "fills",
        "markets_closed", "winning_closes", "losing_closes", "cash_flow_dollars",
        "cash_flow_after_check_dollars", "basis_change_dollars", "won_dollars", "lost_dollars"}) {
    key.push_back(column);
  }
  return key;
}
}  // namespace

const TableDefinition& marketDailyTable() {
  static const TableDefinition table{
      "kalshi_market_daily",
      "CREATE TABLE IF NOT EXISTS kalshi_market_daily ("
      " ticker TEXT NOT NULL, subaccount INTEGER NOT NULL, day TEXT NOT NULL,"
      " category TEXT NOT NULL, series_ticker TEXT NOT NULL," KD_DAILY_AMOUNT_COLUMNS
      " check_us INTEGER,"  // the balance check the after-check part was split at; NULL: none
      " PRIMARY KEY (ticker, subaccount, day, category));"
      "CREATE INDEX IF NOT EXISTS kalshi_market_daily_day ON kalshi_market_daily"
      " (day, subaccount, category, series_ticker);",
      [] {
        std::vector<std::string> columns =
            dailyColumns({"ticker", "subaccount", "day", "category", "series_ticker"});
        columns.push_back("check_us");
        return columns;
      }(),
      {"ticker", "subaccount", "day", "category"},
      {},
      {},
      /*derived=*/true};
  return table;
}

const TableDefinition& dailyPnlTable() {
  static const TableDefinition table{
      "kalshi_daily_pnl",
      "CREATE TABLE IF NOT EXISTS kalshi_daily_pnl ("
      " day TEXT NOT NULL, subaccount INTEGER NOT NULL, category TEXT NOT NULL,"
      " series_ticker TEXT NOT NULL," KD_DAILY_AMOUNT_COLUMNS
      " realized_pnl_cents INTEGER NOT NULL, fees_cents INTEGER NOT NULL,"
      " PRIMARY KEY (day, subaccount, category, series_ticker))",
      [] {
        std::vector<std::string> columns =
            dailyColumns({"day", "subaccount", "category", "series_ticker"});
        columns.push_back("realized_pnl_cents");
        columns.push_back("fees_cents");
        return columns;
      }(),
      {"day", "subaccount", "category", "series_ticker"},
      {},
      {},
      /*derived=*/true};
  return table;
}
#undef KD_DAILY_AMOUNT_COLUMNS

const TableDefinition& closedPositionsTable() {
  static const TableDefinition table{
      "kalshi_closed_positions",
      "CREATE TABLE IF NOT EXISTS kalshi_closed_positions ("
      " ticker TEXT NOT NULL, subaccount INTEGER NOT NULL,"
      " seq INTEGER NOT NULL,"  // 1, 2, ...: the market's positions in the order they closed
      " category TEXT NOT NULL, series_ticker TEXT NOT NULL,"
      " side TEXT NOT NULL,"  // yes / no: the contract side held
      " opened_at TEXT NOT NULL, closed_at TEXT NOT NULL,"
      " day TEXT NOT NULL,"  // the local day it closed on
      " contracts_fp TEXT NOT NULL,"
      " entry_cost_dollars TEXT NOT NULL,"  // what opening them cost, fees excluded
      " avg_entry_price_dollars TEXT NOT NULL,"
      " realized_pnl_dollars TEXT NOT NULL, realized_pnl_cents INTEGER NOT NULL,"  // net of fees
      " fees_dollars TEXT NOT NULL,"
      " closed_by TEXT NOT NULL,"  // trade / settlement
      " payout_dollars TEXT,"      // settled: what one contract of the side held paid
      " PRIMARY KEY (ticker, subaccount, seq));"
      // Closing order, covering what the statistics and edge by price read of a range
      // (ledger_store.h): those reads never visit the table.
      "CREATE INDEX IF NOT EXISTS kalshi_closed_positions_closing ON kalshi_closed_positions"
      " (day, closed_at, ticker, subaccount, seq, category, series_ticker, realized_pnl_dollars,"
      " contracts_fp, entry_cost_dollars, closed_by, payout_dollars);",
      {"ticker", "subaccount", "seq", "category", "series_ticker", "side", "opened_at", "closed_at",
       "day", "contracts_fp", "entry_cost_dollars", "avg_entry_price_dollars",
       "realized_pnl_dollars", "realized_pnl_cents", "fees_dollars", "closed_by", "payout_dollars"},
      {"ticker", "subaccount", "seq"},
      {},
      {},
      /*derived=*/true};
  return table;
}

const TableDefinition& monthlyEdgeTable() {
  static const TableDefinition table{
      "kalshi_monthly_edge",
      "CREATE TABLE IF NOT EXISTS kalshi_monthly_edge ("
      " month TEXT NOT NULL,"  // local "YYYY-MM" the positions closed in
      " subaccount INTEGER NOT NULL, category TEXT NOT NULL, series_ticker TEXT NOT NULL,"
      " bucket INTEGER NOT NULL,"  // 0..9: average entry price in [bucket/10, (bucket+1)/10)
      " positions INTEGER NOT NULL, contracts_fp TEXT NOT NULL, entry_cost_dollars TEXT NOT NULL,"
      " realized_pnl_dollars TEXT NOT NULL,"  // net of fees
      " settled INTEGER NOT NULL, settled_contracts_fp TEXT NOT NULL,"
      " settled_cost_dollars TEXT NOT NULL, settled_payout_dollars TEXT NOT NULL,"
      " brier_sum REAL NOT NULL,"
      " PRIMARY KEY (month, subaccount, category, series_ticker, bucket))",
      {"month", "subaccount", "category", "series_ticker", "bucket", "positions", "contracts_fp",
       "entry_cost_dollars", "realized_pnl_dollars", "settled", "settled_contracts_fp",
       "settled_cost_dollars", "settled_payout_dollars", "brier_sum"},
      {"month", "subaccount", "category", "series_ticker", "bucket"},
      {},
      {},
      /*derived=*/true};
  return table;
}

const TableDefinition& taxLotsTable() {
  static const TableDefinition table{
      "kalshi_tax_lots",
      "CREATE TABLE IF NOT EXISTS kalshi_tax_lots ("
      " ticker TEXT NOT NULL, subaccount INTEGER NOT NULL, seq INTEGER NOT NULL,"
      " side TEXT NOT NULL,"  // yes / no: the contract side held
      " acquired_at TEXT NOT NULL, acquired_day TEXT NOT NULL,"
      " closed_at TEXT, closed_day TEXT,"  // NULL: still open
      " closed_by TEXT,"                   // trade / settlement; NULL: still open
      " quantity_fp TEXT NOT NULL,"
      " proceeds_dollars TEXT NOT NULL,"     // received, net of the closing fees
      " cost_basis_dollars TEXT NOT NULL,"   // paid, with the opening fees
      " opening_fee_dollars TEXT NOT NULL,"  // the fees in cost_basis
      " gain_dollars TEXT NOT NULL,"         // proceeds - cost basis (0 while open)
      " PRIMARY KEY (ticker, subaccount, seq));"
      "CREATE INDEX IF NOT EXISTS kalshi_tax_lots_closed ON kalshi_tax_lots (closed_day, "
      "closed_at);"
      "CREATE INDEX IF NOT EXISTS kalshi_tax_lots_acquired ON kalshi_tax_lots (acquired_day);",
      {"ticker", "subaccount", "seq", "side", "acquired_at", "acquired_day", "closed_at",
       "closed_day", "closed_by", "quantity_fp", "proceeds_dollars", "cost_basis_dollars",
       "opening_fee_dollars", "gain_dollars"},
      {"ticker", "subaccount", "seq"},
      {},
      {},
      /*derived=*/true};
  return table;
}

const TableDefinition& equityDailyTable() {
  static const TableDefinition table{
      "kalshi_equity_daily",
      "CREATE TABLE IF NOT EXISTS kalshi_equity_daily ("
      " day TEXT NOT NULL,"
      " day_start_s INTEGER NOT NULL,"  // Unix seconds of the day's local midnight
      " subaccount INTEGER NOT NULL,"   // -1: the whole account (every subaccount together)
      " cash_balance_cents INTEGER, cash_balance_dollars TEXT,"  // at the day's end; NULL: no
                                                                 // balance ever read
      " trading_cash_flow_dollars TEXT NOT NULL,"  // that day: fills, fees, settlements
      " transfers_dollars TEXT NOT NULL,"  // that day: deposits - withdrawals (+ subaccount moves)
      " trading_cash_flow_cents INTEGER NOT NULL, transfers_cents INTEGER NOT NULL,"
      " net_deposits_cents INTEGER NOT NULL,"  // to date (a subaccount: with transfers in - out)
      " open_basis_cents INTEGER NOT NULL, open_basis_dollars TEXT NOT NULL,"
      " marked_value_cents INTEGER, marked_value_dollars TEXT,"  // open positions at their
                                                                 // marks: today only
      " equity_cents INTEGER,"  // cash + marked value (else cost basis)
      " realized_pnl_cents INTEGER NOT NULL, realized_pnl_dollars TEXT NOT NULL,"  // cumulative
      " fees_cents INTEGER NOT NULL,"                                              // cumulative
      " reported_balance_cents INTEGER,"  // Kalshi's, at the day's last balance check
      " unexplained_cents INTEGER,"       // reported - rebuilt at that check; NULL: no check
      " checked_at TEXT,"
      " PRIMARY KEY (day, subaccount))",
      {"day",
       "day_start_s",
       "subaccount",
       "cash_balance_cents",
       "cash_balance_dollars",
       "trading_cash_flow_dollars",
       "transfers_dollars",
       "trading_cash_flow_cents",
       "transfers_cents",
       "net_deposits_cents",
       "open_basis_cents",
       "open_basis_dollars",
       "marked_value_cents",
       "marked_value_dollars",
       "equity_cents",
       "realized_pnl_cents",
       "realized_pnl_dollars",
       "fees_cents",
       "reported_balance_cents",
       "unexplained_cents",
       "checked_at"},
      {"day", "subaccount"},
      {},
      {},
      /*derived=*/true};
  return table;
}

const TableDefinition& ledgerSettingsTable() {
  static const TableDefinition table{
      "kalshi_ledger_settings",
      "CREATE TABLE IF NOT EXISTS kalshi_ledger_settings ("
      " id INTEGER PRIMARY KEY CHECK (id = 1),"
      " timezone TEXT NOT NULL, lots TEXT NOT NULL, updated_at TEXT)",
      {"id", "timezone", "lots", "updated_at"},
      {"id"}};
  return table;
}

const TableDefinition& tickersTable() {
  static const TableDefinition table{
      "kalshi_tickers",
      "CREATE TABLE IF NOT EXISTS kalshi_tickers (ticker TEXT PRIMARY KEY)",
      {"ticker"},
      {"ticker"}};
  return table;
}

const TableDefinition& pnlDirtyTable() {
  static const TableDefinition table{
      "kalshi_pnl_dirty",
      "CREATE TABLE IF NOT EXISTS kalshi_pnl_dirty (ticker TEXT PRIMARY KEY)",
      {"ticker"},
      {"ticker"}};
  return table;
}

const std::vector<ViewDefinition>& analyticsViews() {
  // Times are Unix seconds (`time`), what Grafana's SQLite data source and most tools take; days
  // start at the ledger's local midnight (kalshi_equity_daily.day_start_s).
  static const std::vector<ViewDefinition> views = {
      {"v_daily_pnl",
       "SELECT d.day, COALESCE(e.day_start_s, CAST(strftime('%s', d.day) AS INTEGER)) AS time,"
       " d.subaccount, d.category, d.series_ticker, d.realized_pnl_cents, d.realized_pnl_dollars,"
       " d.fees_cents, d.fees_dollars, CAST(d.contracts_bought_fp AS REAL) AS contracts_bought,"
       " CAST(d.contracts_sold_fp AS REAL) AS contracts_sold, d.fills, d.markets_closed,"
       " d.winning_closes, d.losing_closes, d.won_dollars, d.lost_dollars"
       " FROM kalshi_daily_pnl d LEFT JOIN kalshi_equity_daily e"
       " ON e.day = d.day AND e.subaccount = -1",
       "SELECT d.day, COALESCE(e.day_start_s, CAST(EXTRACT(EPOCH FROM d.day) AS BIGINT)) AS time,"
       " d.subaccount, d.category, d.series_ticker, d.realized_pnl_cents, d.realized_pnl_dollars,"
       " d.fees_cents, d.fees_dollars, CAST(d.contracts_bought_fp AS DOUBLE PRECISION)"
       " AS contracts_bought, CAST(d.contracts_sold_fp AS DOUBLE PRECISION) AS contracts_sold,"
       " d.fills, d.markets_closed, d.winning_closes, d.losing_closes, d.won_dollars,"
       " d.lost_dollars FROM kalshi_daily_pnl d LEFT JOIN kalshi_equity_daily e"
       " ON e.day = d.day AND e.subaccount = -1"},
      {"v_equity_curve",
       "SELECT day, day_start_s AS time, subaccount, cash_balance_cents, net_deposits_cents,"
       " trading_cash_flow_cents, transfers_cents, open_basis_cents, marked_value_cents,"
       " equity_cents, equity_cents - net_deposits_cents AS pnl_cents, realized_pnl_cents,"
       " fees_cents, reported_balance_cents, unexplained_cents FROM kalshi_equity_daily"},
      {"v_pnl_by_category",
       "SELECT s.id AS snapshot_id, CAST(strftime('%s', s.taken_at) AS INTEGER) AS time,"
       " p.category, p.realized_pnl_cents, p.unrealized_pnl_cents, p.fees_cents,"
       " p.realized_pnl_cents + p.unrealized_pnl_cents AS total_pnl_cents,"
       " p.realized_pnl_dollars, p.unrealized_pnl_dollars, p.fees_dollars"
       " FROM kalshi_snapshot_pnl p JOIN kalshi_snapshots s ON s.id = p.snapshot_id"
       " WHERE s.id = (SELECT max(id) FROM kalshi_snapshots)",
       "SELECT s.id AS snapshot_id, CAST(EXTRACT(EPOCH FROM s.taken_at) AS BIGINT) AS time,"
       " p.category, p.realized_pnl_cents, p.unrealized_pnl_cents, p.fees_cents,"
       " p.realized_pnl_cents + p.unrealized_pnl_cents AS total_pnl_cents,"
       " p.realized_pnl_dollars, p.unrealized_pnl_dollars, p.fees_dollars"
       " FROM kalshi_snapshot_pnl p JOIN kalshi_snapshots s ON s.id = p.snapshot_id"
       " WHERE s.id = (SELECT max(id) FROM kalshi_snapshots)"},
      {"v_cash_flows",
       "SELECT CAST(strftime('%s', COALESCE(finalized_at, created_at)) AS INTEGER) AS time,"
       " COALESCE(finalized_at, created_at) AS at, direction AS kind, subaccount,"
       " CASE direction WHEN 'deposit' THEN amount_cents - fee_cents"
       " ELSE -(amount_cents + fee_cents) END AS amount_cents, fee_cents, id"
       " FROM kalshi_transfers WHERE status = 'applied' AND direction IN ('deposit', 'withdrawal')"
       " UNION ALL SELECT CAST(strftime('%s', created_at) AS INTEGER), created_at,"
       " 'transfer_out', from_subaccount, -amount_cents, 0, id FROM kalshi_transfers"
       " WHERE status = 'applied' AND direction = 'subaccount_transfer'"
       " UNION ALL SELECT CAST(strftime('%s', created_at) AS INTEGER), created_at,"
       " 'transfer_in', to_subaccount, amount_cents, 0, id FROM kalshi_transfers"
       " WHERE status = 'applied' AND direction = 'subaccount_transfer'",
       "SELECT CAST(EXTRACT(EPOCH FROM COALESCE(finalized_at, created_at)) AS BIGINT) AS time,"
       " COALESCE(finalized_at, created_at) AS at, direction AS kind, subaccount,"
       " CASE direction WHEN 'deposit' THEN amount_cents - fee_cents"
       " ELSE -(amount_cents + fee_cents) END AS amount_cents, fee_cents, id"
       " FROM kalshi_transfers WHERE status = 'applied' AND direction IN ('deposit', 'withdrawal')"
       " UNION ALL SELECT CAST(EXTRACT(EPOCH FROM created_at) AS BIGINT), created_at,"
       " 'transfer_out', from_subaccount, -amount_cents, 0, id FROM kalshi_transfers"
       " WHERE status = 'applied' AND direction = 'subaccount_transfer'"
       " UNION ALL SELECT CAST(EXTRACT(EPOCH FROM created_at) AS BIGINT), created_at,"
       " 'transfer_in', to_subaccount, amount_cents, 0, id FROM kalshi_transfers"
       " WHERE status = 'applied' AND direction = 'subaccount_transfer'"},
      {"v_edge_by_price",
       "SELECT category, bucket, (bucket * 10) || '-' || (bucket * 10 + 10) || 'c' AS entry_price,"
       " count(*) AS positions, sum(contracts) AS contracts,"
       " sum(realized_pnl_cents) AS realized_pnl_cents, sum(settled) AS settled_positions,"
       " sum(CASE WHEN settled THEN cost END) / sum(CASE WHEN settled THEN contracts END)"
       " AS implied_probability,"
       " sum(CASE WHEN settled THEN contracts * payout END) /"
       " sum(CASE WHEN settled THEN contracts END) AS win_rate,"
       " avg(CASE WHEN settled THEN (price - payout) * (price - payout) END) AS brier"
       " FROM (SELECT category, realized_pnl_cents,"
       " CAST(contracts_fp AS REAL) AS contracts, CAST(entry_cost_dollars AS REAL) AS cost,"
       " CAST(avg_entry_price_dollars AS REAL) AS price, CAST(payout_dollars AS REAL) AS payout,"
       " closed_by = 'settlement' AND payout_dollars IS NOT NULL AS settled,"
       " min(9, CAST(CAST(avg_entry_price_dollars AS REAL) * 10 + 0.000000001 AS INTEGER))"
       " AS bucket FROM kalshi_closed_positions)"
       " GROUP BY category, bucket",
       "SELECT category, bucket, (bucket * 10) || '-' || (bucket * 10 + 10) || 'c' AS entry_price,"
       " count(*) AS positions, sum(contracts) AS contracts,"
       " sum(realized_pnl_cents) AS realized_pnl_cents, sum(settled) AS settled_positions,"
       " sum(CASE WHEN settled = 1 THEN cost END) / sum(CASE WHEN settled = 1 THEN contracts END)"
       " AS implied_probability,"
       " sum(CASE WHEN settled = 1 THEN contracts * payout END) /"
       " sum(CASE WHEN settled = 1 THEN contracts END) AS win_rate,"
       " avg(CASE WHEN settled = 1 THEN (price - payout) * (price - payout) END) AS brier"
       " FROM (SELECT category, realized_pnl_cents,"
       " CAST(contracts_fp AS DOUBLE PRECISION) AS contracts,"
       " CAST(entry_cost_dollars AS DOUBLE PRECISION) AS cost,"
       " CAST(avg_entry_price_dollars AS DOUBLE PRECISION) AS price,"
       " CAST(payout_dollars AS DOUBLE PRECISION) AS payout,"
       " CASE WHEN closed_by = 'settlement' AND payout_dollars IS NOT NULL THEN 1 ELSE 0 END"
       " AS settled,"
       " LEAST(9, CAST(FLOOR(avg_entry_price_dollars * 10 + 0.000000001) AS INTEGER))"
       " AS bucket FROM kalshi_closed_positions) edge"
       " GROUP BY category, bucket"},
  };
  return views;
}

void createViews(Store& store) {
  for (const ViewDefinition& view : analyticsViews()) {
    const std::string kind = store.objectType(view.name);
    if (!kind.empty() && kind != "view") {
      throw TableConflict("database '" + store.location() + "': " + view.name + " is a " + kind +
                          ", not the view kalshi-direct keeps there: rename or drop it");
    }
    if (store.kind() == "postgresql") {
      // Made once per definition (the view's comment carries a hash of its SQL): replacing it
      // at every run would lock it for the run's whole transaction, and kalshi_all's views of
      // every account read through it. Replaced in place, as those views depend on it.
      const std::string sql = view.postgres_sql ? view.postgres_sql : view.sql;
      uint64_t hash = 1469598103934665603ull;  // FNV-1a: stable across builds
      for (const char c : sql) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
      const std::string stamp = "kalshi-direct view " + std::to_string(hash);
      if (!kind.empty()) {
        StoreStatementPtr comment =
            store.prepare("SELECT obj_description(to_regclass(?), 'pg_class')");
        comment->bindText(1, view.name);
        if (comment->step() && comment->columnText(0) == stamp) continue;
      }
      store.exec(std::string("CREATE OR REPLACE VIEW ") + view.name + " AS " + sql);
      store.exec(std::string("COMMENT ON VIEW ") + view.name + " IS '" + stamp + "'");
      continue;
    }
    store.exec(std::string("DROP VIEW IF EXISTS ") + view.name);
    store.exec(std::string("CREATE VIEW ") + view.name + " AS " + view.sql);
  }
}

namespace {
// Records `tickers` in `table` (a one-column table keyed by ticker; created if missing).
void insertTickers(Store& store, const TableDefinition& table,
                   const std::vector<std::string>& tickers) {
  if (tickers.empty()) return;
  store.exec(dialectSql(store, table.create_sql));
  StoreStatementPtr insert = store.prepare(std::string("INSERT INTO ") + table.name +
                                           " (ticker) VALUES (?) ON CONFLICT DO NOTHING");
  for (const auto& ticker : tickers) {
    insert->bindText(1, ticker);
    insert->run();
  }
}
}  // namespace

std::string columnList(const std::vector<std::string>& columns) {
  std::string list;
  for (const auto& column : columns) list += (list.empty() ? "" : ", ") + column;
  return list;
}

void markMarketPnlChanged(Store& store, const std::vector<std::string>& tickers) {
  insertTickers(store, pnlDirtyTable(), tickers);
}

void recordTickers(Store& store, const std::vector<std::string>& tickers) {
  insertTickers(store, tickersTable(), tickers);
}

std::string upsertSql(const TableDefinition& table) {
  return upsertStatementSql(table.name, table.columns, table.key);
}

namespace {

std::string upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \n");
  if (first == std::string::npos) return "";
  return text.substr(first, text.find_last_not_of(" \n") - first + 1);
}

bool endsWith(const std::string& text, const char* suffix) {
  const size_t size = std::char_traits<char>::length(suffix);
  return text.size() >= size && text.compare(text.size() - size, size, suffix) == 0;
}

// The PostgreSQL type of a column declared `sqlite_type` (upper case; empty: untyped).
std::string postgresType(const std::string& column, const std::string& sqlite_type) {
  if (sqlite_type == "REAL") return "DOUBLE PRECISION";
  if (sqlite_type == "INTEGER") return "BIGINT";
  if (sqlite_type == "TEXT") {
    if (endsWith(column, "_dollars") || endsWith(column, "_fp")) return "NUMERIC";
    if (endsWith(column, "_at") || column == "close_time" || column == "complete_since")
      return "TIMESTAMPTZ";
    if (column == "day" || endsWith(column, "_day")) return "DATE";
  }
  return sqlite_type.empty() ? "TEXT" : sqlite_type;
}

// The items of a CREATE TABLE's column list (column definitions and table constraints), split
// at its top-level commas; empty when `statement` has no column list.
std::vector<std::string> columnListItems(const std::string& statement) {
  const size_t open = statement.find('(');
  const size_t close = statement.rfind(')');
  std::vector<std::string> items;
  if (open == std::string::npos || close == std::string::npos || close < open) return items;
  int depth = 0;
  std::string current;
  for (size_t i = open + 1; i < close; ++i) {
    const char c = statement[i];
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      items.push_back(trimmed(current));
      current.clear();
    } else {
      current += c;
    }
  }
  items.push_back(trimmed(current));
  return items;
}

// One CREATE [TEMP] TABLE statement of SQLite's spelling in PostgreSQL's (see dialectSql).
std::string postgresCreateTable(const std::string& statement) {
  const std::vector<std::string> items = columnListItems(statement);
  if (items.empty()) return statement;
  const size_t open = statement.find('(');
  const size_t close = statement.rfind(')');
  std::string body;
  for (const std::string& item : items) {
    const size_t name_end = item.find(' ');
    const std::string name = item.substr(0, name_end);
    const std::string keyword = upper(name);
    std::string out = item;
    if (keyword != "PRIMARY" && keyword != "UNIQUE" && keyword != "CHECK" && keyword != "FOREIGN" &&
        keyword != "CONSTRAINT") {
      std::string rest = name_end == std::string::npos ? "" : trimmed(item.substr(name_end));
      const size_t type_end = rest.find(' ');
      std::string type = upper(rest.substr(0, type_end));
      std::string after = type_end == std::string::npos ? "" : rest.substr(type_end);
      if (type != "INTEGER" && type != "TEXT" && type != "REAL") {
        after = rest.empty() ? "" : " " + rest;  // untyped: what follows is constraints
        type.clear();
      }
      if (type == "INTEGER" && upper(after).find("AUTOINCREMENT") != std::string::npos) {
        out = name + " BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY";
      } else {
        out = name + " " + postgresType(name, type) + after;
      }
    }
    body += (body.empty() ? "" : ", ") + out;
  }
  return statement.substr(0, open + 1) + body + statement.substr(close);
}

// create_sql is "CREATE TABLE ...;CREATE INDEX ...;...": the statements, split at ';'
// (no definition has a ';' inside a statement), in the store's dialect.
std::vector<std::string> statements(const Store& store, const std::string& create_sql) {
  std::vector<std::string> out;
  std::string current;
  for (const char c : create_sql) {
    if (c == ';') {
      out.push_back(current);
      current.clear();
    } else {
      current += c;
    }
  }
  if (current.find_first_not_of(" \n") != std::string::npos) out.push_back(current);
  for (auto& statement : out) statement = dialectSql(store, statement);
  return out;
}

std::vector<std::string> statements(const Store& store, const TableDefinition& table) {
  std::vector<std::string> out = statements(store, table.create_sql);
  if (store.kind() != "postgresql") return out;
  // Indexes on a column updated in place would cost PostgreSQL its HOT updates (table.h).
  out.erase(std::remove_if(out.begin() + 1, out.end(),
                           [&](const std::string& statement) {
                             for (const std::string& index : table.sqlite_only_indexes)
                               if (statement.find(" " + index + " ON ") != std::string::npos)
                                 return true;
                             return false;
                           }),
            out.end());
  return out;
}

// PostgreSQL: the stores are new (no older kalshi-direct wrote one), so adopting means checking
// that a table of the name is a table with the key columns, and adding columns it lacks.
void checkAndAdoptPostgres(Store& database, const TableDefinition& table) {
  const std::string where = "database '" + database.location() + "': ";
  const std::string kind = database.objectType(table.name);
  if (kind.empty()) return;
  if (kind != "table") {
    throw TableConflict(
        where + table.name + " is a " + kind +
        ", not a table kalshi-direct can write: drop or rename it, or use another database");
  }
  const std::vector<std::string> existing = database.tableColumns(table.name);
  const auto has = [&](const std::string& column) {
    return std::find(existing.begin(), existing.end(), column) != existing.end();
  };
  // Each existing column must have the type kalshi-direct gives it (information_schema's name
  // for it), or values would be refused, or worse converted, at the first write.
  std::map<std::string, std::string> wanted;  // column -> PostgreSQL type, from the definition
  for (const std::string& item : columnListItems(statements(database, table).front())) {
    const size_t space = item.find(' ');
    if (space == std::string::npos) continue;
    const std::string type = upper(trimmed(item.substr(space)));
    for (const char* known :
         {"DOUBLE PRECISION", "BIGINT", "NUMERIC", "TIMESTAMPTZ", "DATE", "TEXT"}) {
      if (type.rfind(known, 0) == 0) wanted[item.substr(0, space)] = known;
    }
  }
  static const std::map<std::string, std::string> kCatalogName = {
      {"DOUBLE PRECISION", "double precision"},    {"BIGINT", "bigint"}, {"NUMERIC", "numeric"},
      {"TIMESTAMPTZ", "timestamp with time zone"}, {"DATE", "date"},     {"TEXT", "text"}};
  StoreStatementPtr types = database.prepare(
      "SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = "
      "current_schema() AND table_name = ?");
  types->bindText(1, table.name);
  while (types->step()) {
    const auto expected = wanted.find(types->columnText(0));
    if (expected == wanted.end()) continue;
    const std::string& type = kCatalogName.at(expected->second);
    if (types->columnText(1) != type) {
      throw TableConflict(where + "table " + table.name +
                          " was not made by kalshi-direct: its column " + types->columnText(0) +
                          " is " + types->columnText(1) + ", kalshi-direct's is " + type +
                          "; rename that table (ALTER TABLE " + table.name +
                          " RENAME TO ...) or use another database");
    }
  }
  for (const auto& column : table.key) {
    if (!has(column)) {
      throw TableConflict(where + "table " + table.name +
                          " was not made by kalshi-direct: it has no column " + column +
                          "; rename that table (ALTER TABLE " + table.name +
                          " RENAME TO ...) or use another database");
    }
  }
  for (const auto& [column, type] : table.added_columns) {
    if (!has(column)) {
      database.exec(std::string("ALTER TABLE ") + table.name + " ADD COLUMN " + column + " " +
                    postgresType(column, upper(type.substr(0, type.find(' ')))) +
                    type.substr(std::min(type.size(), type.find(' '))));
    }
  }
}

// Checks an existing object of the table's name and adopts a compatible table (see the header):
// columns compared by declared type with the definition's (read from a TEMP probe table made by
// the same CREATE statement), missing ones added with their type.
void checkAndAdopt(Store& database, const TableDefinition& table, const std::string& create_table) {
  const std::string where = "database '" + database.location() + "': ";
  const std::string kind = database.objectType(table.name);
  if (kind.empty()) return;  // nothing there yet
  if (kind != "table") {
    throw TableConflict(
        where + table.name + " is a " + kind +
        ", not a table kalshi-direct can write: drop or rename it, or use another database");
  }
  // The definition's columns and types, as SQLite declares them.
  const std::string probe = std::string("kd_probe_") + table.name;
  std::string probe_sql = create_table;
  const std::string prefix = std::string("CREATE TABLE IF NOT EXISTS ") + table.name;
  const size_t at = probe_sql.find(prefix);
  if (at == std::string::npos) return;  // not a plain CREATE TABLE (a TEMP table): nothing to adopt
  probe_sql.replace(at, prefix.size(), "CREATE TEMP TABLE IF NOT EXISTS " + probe);
  database.exec(probe_sql);
  std::vector<std::pair<std::string, std::string>> wanted;  // name, declared type
  {
    StoreStatementPtr info =
        database.prepare("SELECT name, type FROM pragma_table_info(?, 'temp')");
    info->bindText(1, probe);
    while (info->step()) wanted.emplace_back(info->columnText(0), info->columnText(1));
  }
  database.exec("DROP TABLE temp." + probe);
  std::map<std::string, std::string> existing;
  {
    StoreStatementPtr info =
        database.prepare("SELECT name, type FROM pragma_table_info(?, 'main')");
    info->bindText(1, table.name);
    while (info->step()) existing[info->columnText(0)] = info->columnText(1);
  }
  const std::string advice = "; rename that table (ALTER TABLE " + std::string(table.name) +
                             " RENAME TO ...) or use another database";
  for (const auto& entry : wanted) {
    const std::string& column = entry.first;  // a named variable: lambdas below capture it
    const std::string& type = entry.second;
    auto found = existing.find(column);
    if (found != existing.end()) {
      if (upper(found->second) != upper(type)) {
        throw TableConflict(where + "table " + table.name +
                            " was not made by kalshi-direct: its column " + column + " is " +
                            (found->second.empty() ? "untyped" : found->second) +
                            ", kalshi-direct's is " + type + advice);
      }
      continue;
    }
    if (std::find(table.key.begin(), table.key.end(), column) != table.key.end() &&
        std::find_if(table.added_columns.begin(), table.added_columns.end(),
                     [&](const auto& added) { return added.first == column; }) ==
            table.added_columns.end()) {
      throw TableConflict(where + "table " + table.name +
                          " was not made by kalshi-direct: it has no column " + column + advice);
    }
    auto added = std::find_if(table.added_columns.begin(), table.added_columns.end(),
                              [&](const auto& entry) { return entry.first == column; });
    database.exec(std::string("ALTER TABLE ") + table.name + " ADD COLUMN " + column + " " +
                  (added != table.added_columns.end() ? added->second : type));
  }
}

// A table whose primary key changed (a key that gained `subaccount`) is rebuilt with the new key:
// its rows copied, or for a derived table dropped so that they are computed again.
void rebuildIfKeyChanged(Store& database, const TableDefinition& table,
                         const std::string& create_table) {
  std::vector<std::pair<int64_t, std::string>> key;
  {
    StoreStatementPtr info = database.prepare(std::string("PRAGMA table_info(") + table.name + ")");
    while (info->step()) {
      if (info->columnInt(5) > 0) key.emplace_back(info->columnInt(5), info->columnText(1));
    }
  }
  std::sort(key.begin(), key.end());
  std::vector<std::string> key_columns;
  for (const auto& entry : key) key_columns.push_back(entry.second);
  if (table.key.empty() || key_columns == table.key) return;
  const std::string old_name = std::string(table.name) + "_kd_before_migration";
  database.exec("DROP TABLE IF EXISTS " + old_name);
  database.exec(std::string("ALTER TABLE ") + table.name + " RENAME TO " + old_name);
  database.exec(create_table);
  if (!table.derived) {
    std::string columns;
    for (const auto& column : table.columns) columns += (columns.empty() ? "" : ", ") + column;
    // OR IGNORE: rows the old key kept apart cannot collide under a key with more columns.
    database.exec(std::string("INSERT OR IGNORE INTO ") + table.name + " (" + columns +
                  ") SELECT " + columns + " FROM " + old_name);
  }
  database.exec("DROP TABLE " + old_name);  // and its indexes: createIndexes() makes them anew
}

}  // namespace

std::string dialectSql(const Store& store, const std::string& sqlite_statement) {
  if (store.kind() != "postgresql") return sqlite_statement;
  const std::string head = upper(trimmed(sqlite_statement).substr(0, 20));
  if (head.rfind("CREATE TABLE", 0) == 0 || head.rfind("CREATE TEMP TABLE", 0) == 0)
    return postgresCreateTable(sqlite_statement);
  return sqlite_statement;
}

bool createTable(Store& database, const TableDefinition& table, bool defer_indexes) {
  const std::vector<std::string> parts = statements(database, table);
  if (database.kind() == "postgresql") {
    checkAndAdoptPostgres(database, table);
    database.exec(parts.front() + (table.updated_in_place ? " WITH (fillfactor = 50)" : ""));
  } else {
    checkAndAdopt(database, table, parts.front());
    database.exec(parts.front());
    rebuildIfKeyChanged(database, table, parts.front());
  }
  if (defer_indexes && parts.size() > 1) {
    StoreStatementPtr any =
        database.prepare(std::string("SELECT 1 FROM ") + table.name + " LIMIT 1");
    if (!any->step()) return true;
  }
  createIndexes(database, table);
  return false;
}

std::vector<Value> columnDefaults(const TableDefinition& table) {
  std::vector<Value> defaults(table.columns.size());
  const std::string sql = table.create_sql;
  for (size_t column = 0; column < table.columns.size(); ++column) {
    // " <name> INTEGER NOT NULL DEFAULT <n>" (the definitions' own spelling).
    const std::string clause = " " + table.columns[column] + " INTEGER NOT NULL DEFAULT ";
    const size_t at = sql.find(clause);
    if (at == std::string::npos) continue;
    size_t end = at + clause.size();
    const size_t start = end;
    if (end < sql.size() && sql[end] == '-') ++end;
    while (end < sql.size() && std::isdigit(static_cast<unsigned char>(sql[end]))) ++end;
    if (end > start)
      defaults[column] = Value(static_cast<int64_t>(std::stoll(sql.substr(start, end - start))));
  }
  return defaults;
}

const std::vector<const TableDefinition*>& allTables() {
  static const std::vector<const TableDefinition*> tables = {&ordersTable(),
                                                             &fillsTable(),
                                                             &marketsTable(),
                                                             &settlementsTable(),
                                                             &positionsTable(),
                                                             &snapshotsTable(),
                                                             &snapshotPnlTable(),
                                                             &marketPnlTable(),
                                                             &reconciliationTable(),
                                                             &transfersTable(),
                                                             &snapshotSubaccountsTable(),
                                                             &historyTable(),
                                                             &accountTable(),
                                                             &subaccountBalancesTable(),
                                                             &pnlDirtyTable(),
                                                             &tickersTable(),
                                                             &marketOrderCentsTable(),
                                                             &marketDailyTable(),
                                                             &dailyPnlTable(),
                                                             &closedPositionsTable(),
                                                             &monthlyEdgeTable(),
                                                             &taxLotsTable(),
                                                             &equityDailyTable(),
                                                             &ledgerSettingsTable()};
  return tables;
}

int64_t storedSchemaVersion(Store& store) {
  if (!store.tableExists("kd_schema")) return 0;
  StoreStatementPtr query = store.prepare("SELECT version FROM kd_schema WHERE component = ?");
  query->bindText(1, "kalshi");
  return query->step() ? query->columnInt(0) : 0;
}

void ensureSchema(Store& store) {
  const int64_t stored = storedSchemaVersion(store);
  if (stored == kSchemaVersion) return;
  if (stored > kSchemaVersion) {
    throw TableConflict("database '" + store.location() + "' holds Kalshi schema version " +
                        std::to_string(stored) + ", newer than this kalshi-direct's " +
                        std::to_string(kSchemaVersion) +
                        ": upgrade kalshi-direct (an older one cannot write it safely)");
  }
  // Forward migrations, in order; each brings version - 1 to version.
  if (stored < 1) {
    for (const TableDefinition* table : allTables()) {
      if (store.tableExists(table->name)) createTable(store, *table, false);
    }
  }
  // 2: new tables only (kalshi_account, kalshi_subaccount_balances), made by their writers. A
  // store from before has snapshots but no account row: the next sync writes it.
  // 3: the daily ledger's tables (kalshi_daily_pnl, ...), made by the kalshi_pnl model, which
  // fills them from every fill at its next run (kalshi_ledger_settings is missing), and
  // kalshi_snapshots.balance_read_at and kalshi_orders.pnl_dollars (createTable adds them; the
  // model's recompute fills the latter).
  if (stored >= 1 && stored < 3) {
    for (const TableDefinition* table : {&snapshotsTable(), &ordersTable()}) {
      if (store.tableExists(table->name)) createTable(store, *table, false);
    }
  }

  // 4: indexes for the dashboard's sorts (kalshi_orders, kalshi_fills) and one that covers the
  // closed positions' reads, replacing kalshi_closed_positions_day; kalshi_tickers, filled from
  // the stored orders and fills.
  if (stored < 4) {
    for (const TableDefinition* table : {&ordersTable(), &fillsTable(), &closedPositionsTable()}) {
      if (store.tableExists(table->name)) createTable(store, *table, false);
    }
    store.exec("DROP INDEX IF EXISTS kalshi_closed_positions_day");
    if (store.tableExists(ordersTable().name) || store.tableExists(fillsTable().name)) {
      store.exec(dialectSql(store, tickersTable().create_sql));
      for (const TableDefinition* table : {&ordersTable(), &fillsTable()}) {
        if (!store.tableExists(table->name)) continue;
        // WHERE: SQLite would read ON CONFLICT as a join's ON without it.
        store.exec(std::string("INSERT INTO kalshi_tickers (ticker) SELECT DISTINCT ticker FROM ") +
                   table->name + " WHERE true ON CONFLICT DO NOTHING");
      }
    }
  }

  store.exec(dialectSql(
      store,
      "CREATE TABLE IF NOT EXISTS kd_schema (component TEXT PRIMARY KEY, version INTEGER NOT "
      "NULL, migrated_at TEXT NOT NULL)"));
  StoreStatementPtr stamp = store.prepare(
      "INSERT INTO kd_schema (component, version, migrated_at) VALUES (?, ?, ?) ON CONFLICT "
      "(component) DO UPDATE SET version = excluded.version, migrated_at = excluded.migrated_at");
  stamp->bindText(1, "kalshi");
  stamp->bindInt(2, kSchemaVersion);
  stamp->bindText(3, Timestamp::now().toIso8601());
  stamp->run();
}

void createIndexes(Store& database, const TableDefinition& table) {
  const std::vector<std::string> parts = statements(database, table);
  if (parts.size() < 2) return;
  SortMemoryLimit sort_memory(database);  // building an index sorts the whole table
  for (size_t i = 1; i < parts.size(); ++i) database.exec(parts[i]);
}

void createIndexes(Store& database, const TableDefinition& table,
                   const std::vector<std::string>& names) {
  const std::vector<std::string> parts = statements(database, table);
  SortMemoryLimit sort_memory(database);
  for (size_t i = 1; i < parts.size(); ++i) {
    for (const std::string& name : names)
      if (parts[i].find(" " + name + " ON ") != std::string::npos) database.exec(parts[i]);
  }
}

}  // namespace kalshi
}  // namespace kalshi_direct

// The dashboard's tables: one definition shared by the sinks that write them, the fallback source
// and the commands that read them. Units are in the column names or in docs/tables.md:
//   *_cents    INTEGER  whole US cents, rounded half away from zero from the exact amount
//   *_dollars  TEXT     exact decimal dollars as Kalshi sends them ("0.5600")
//   *_fp       TEXT     exact contract counts ("2.50")
//   price      REAL     cents per contract of the contract side (56.0 = $0.56)
//   *_at       TEXT     ISO 8601 UTC ("2026-03-01T14:03:22.123456Z"); *_us INTEGER = Unix micros
#pragma once

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

struct TableDefinition {
  const char* name;
  const char* create_sql;                  // CREATE TABLE IF NOT EXISTS ... plus indexes
  std::vector<std::string> columns;        // insert order
  std::vector<std::string> key;            // upsert key (empty: plain insert)
  std::vector<std::string> not_null = {};  // columns a row must have (checked before buffering)
  // Columns added after the table first shipped, with their SQL type: createTable() adds each to
  // an existing table that lacks it (ALTER TABLE ... ADD COLUMN), so an older database keeps its
  // rows. Each must also be in create_sql and `columns`.
  std::vector<std::pair<std::string, std::string>> added_columns = {};
  // Rows computed from other tables (P&L): an older copy whose key changed is emptied, not copied,
  // and its rows are computed again.
  bool derived = false;
  // Whether a writer of this table records the markets of the rows it writes (column `ticker`)
  // in kalshi_pnl_dirty, in the same transaction: the markets whose P&L the kalshi_pnl model
  // recomputes at its next run (fills, settlements and market prices change it).
  bool changes_market_pnl = false;
  // Rows the kalshi_pnl model updates in place (kalshi_orders.pnl_*): on PostgreSQL the table
  // leaves half of each page free (fillfactor 50) so those updates stay on the page and touch no
  // index (HOT updates: at 80, two thirds of them rewrote every index).
  bool updated_in_place = false;
  // Whether a writer of this table records the markets of the rows it writes (column `ticker`) in
  // kalshi_tickers, in the same transaction (orders and fills: what the ticker search matches).
  bool lists_tickers = false;
  // Indexes of create_sql that PostgreSQL does without: on a column updated in place, an index
  // would make every such update rewrite all of the row's index entries instead of none (a HOT
  // update). SQLite updates only the indexes of the changed columns, so it keeps them.
  std::vector<std::string> sqlite_only_indexes = {};
  // With changes_market_pnl: the columns besides the key that the kalshi_pnl model reads from the
  // table (PnlStore reads them in this order). A written row marks its market only when it is new
  // or one of these differs from the stored row: prices and settlements re-read unchanged by every
  // sync (kalshi_markets.updated_at is not among them) recompute nothing. Empty: every written row
  // marks its market (kalshi_fills: a re-read fill is rare, and a comparison per row costs).
  std::vector<std::string> pnl_columns = {};
};

const TableDefinition& ordersTable();
const TableDefinition& fillsTable();
const TableDefinition& marketsTable();
const TableDefinition& settlementsTable();
const TableDefinition& positionsTable();
const TableDefinition& snapshotsTable();
const TableDefinition& snapshotPnlTable();
const TableDefinition& marketPnlTable();
const TableDefinition& reconciliationTable();
const TableDefinition& transfersTable();
const TableDefinition& snapshotSubaccountsTable();
const TableDefinition& historyTable();
// The account's last known state, as the kalshi_account sink read it (one row, id 1), and each
// subaccount's balance with several subaccounts: what the kalshi_pnl model's snapshots record.
const TableDefinition& accountTable();
const TableDefinition& subaccountBalancesTable();
// The markets whose P&L changed since the kalshi_pnl model last ran (see changes_market_pnl).
const TableDefinition& pnlDirtyTable();
// Every market that has a row in kalshi_orders or kalshi_fills (see lists_tickers): the dashboard's
// ticker search matches these few rows, then reads the history by its ticker index.
const TableDefinition& tickersTable();
// What each market's kalshi_orders.pnl_cents add up to: its realized P&L in whole cents,
// apportioned so that all markets add up to the account's realized P&L rounded once.
const TableDefinition& marketOrderCentsTable();
// The daily ledger the kalshi_pnl model keeps (docs/analytics.md): each market's realized P&L,
// fees, contracts and cash by local day (kalshi_market_daily, its inner table) and their sums by
// day, subaccount, category and series (kalshi_daily_pnl); every position from opening to close
// (kalshi_closed_positions); cash and equity rebuilt day by day and reconciled with Kalshi's
// balance (kalshi_equity_daily); and the time zone and lot method they were computed with
// (kalshi_ledger_settings: another one recomputes them).
const TableDefinition& marketDailyTable();
const TableDefinition& dailyPnlTable();
const TableDefinition& closedPositionsTable();
// Edge by price (EdgeBucket, ledger_store.h) of the positions closed in each local month, by
// subaccount, category, series and price bucket: what edge by price reads for the whole months of
// a range, instead of every closed position.
const TableDefinition& monthlyEdgeTable();
// Every contract's tax lot, matched first in first out (accounting.h, TaxLot; docs/analytics.md).
const TableDefinition& taxLotsTable();
const TableDefinition& equityDailyTable();
const TableDefinition& ledgerSettingsTable();

// The SQL views the analytics tables are read through by other tools (Grafana, Metabase;
// docs/analytics.md, "Views"): v_daily_pnl, v_equity_curve, v_pnl_by_category, v_cash_flows,
// v_edge_by_price. Their names and columns are stable: examples/grafana/ uses them.
struct ViewDefinition {
  const char* name;
  const char* sql;                     // the SELECT
  const char* postgres_sql = nullptr;  // PostgreSQL's spelling, where it differs
};
const std::vector<ViewDefinition>& analyticsViews();
// (Re)creates every view inside the open transaction; TableConflict when a table of another tool
// has a view's name.
void createViews(Store& store);

// "a, b, c": column names as a SELECT or INSERT lists them.
std::string columnList(const std::vector<std::string>& columns);

// Records `tickers` in kalshi_pnl_dirty (created if missing), inside the open transaction.
void markMarketPnlChanged(Store& store, const std::vector<std::string>& tickers);
// Records `tickers` in kalshi_tickers (created if missing), inside the open transaction.
void recordTickers(Store& store, const std::vector<std::string>& tickers);

// Per column of `table.columns`: the value its `NOT NULL DEFAULT <integer>` clause in create_sql
// gives (null when it has none). A writer uses it for a record that lacks the field or holds null
// there: binding NULL would break the constraint, not apply the default.
std::vector<Value> columnDefaults(const TableDefinition& table);

// Every table of the Kalshi data model, in dependency order.
const std::vector<const TableDefinition*>& allTables();

// The version of the Kalshi data model this build writes, kept in table kd_schema (component
// 'kalshi', version, migrated_at). 1: the first versioned schema (0.14); 2: kalshi_account and
// kalshi_subaccount_balances (P&L became the kalshi_pnl model); 3: the daily ledger and
// kalshi_snapshots.balance_read_at; 4: the dashboard's indexes (sorts by price, fee and P&L; closed
// positions in closing order, covering). A store without kd_schema was written by an earlier
// release (or is new).
constexpr int64_t kSchemaVersion = 4;

// Brings the store's Kalshi tables to kSchemaVersion inside the engine's open transaction, so the
// migration commits with the run's first rows or not at all: each forward migration in order,
// then the version stamped. Migration to 1 adopts every Kalshi table that already exists (the
// columns later releases added, keys that gained `subaccount`: see createTable), not only those
// of the sinks in the pipeline. Cheap when current. Throws TableConflict (one line) for a store
// written by a newer kalshi-direct, or a Kalshi table another tool made.
void ensureSchema(Store& store);
// The stored version: 0 when the store has no kd_schema row for the Kalshi data model.
int64_t storedSchemaVersion(Store& store);

// A statement of the definitions' (SQLite) spelling in `store`'s dialect. For PostgreSQL a CREATE
// [TEMP] TABLE gets PostgreSQL's types, by column: exact decimals (*_dollars, *_fp) NUMERIC, times
// (*_at, close_time, complete_since) TIMESTAMPTZ, local days (day, *_day) DATE, INTEGER BIGINT,
// REAL DOUBLE PRECISION, an AUTOINCREMENT key an identity column, untyped TEXT. Other statements
// are the same in both.
std::string dialectSql(const Store& store, const std::string& sqlite_statement);

// INSERT ... ON CONFLICT(key) DO UPDATE SET every other column (or a plain INSERT without a key).
std::string upsertSql(const TableDefinition& table);

// A table of the same name that kalshi-direct cannot write into: a view, or a table another tool
// made whose columns have other types (e.g. an `id INTEGER PRIMARY KEY` kalshi_orders). The
// message is one line naming the database, the table and what to do; sinks turn it into a
// configuration error (exit 2) before any I/O.
class TableConflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Creates the table if missing. An existing one is checked first (TableConflict when it is not
// one kalshi-direct can write), then adopted: columns it lacks are added with their types (an
// older kalshi-direct, or a compatible table of another tool), and one whose primary key changed
// is rebuilt. Then its secondary indexes unless `defer_indexes` and
// the table is empty: a bulk load into an empty table then builds them once at the end, which is
// much faster than keeping them up to date row by row (1M fills: 9.3 s with, 5.3 s without + build;
// docs/performance.md). Returns true when it deferred them; createIndexes() builds them (IF NOT
// EXISTS, so also whoever opens the table next does, should a run stop before its end).
bool createTable(Store& database, const TableDefinition& table, bool defer_indexes);
void createIndexes(Store& database, const TableDefinition& table);
// Only the named ones of the table's indexes that the store keeps (IF NOT EXISTS): what a reader
// needs while the others stay deferred to the end of a bulk load.
void createIndexes(Store& database, const TableDefinition& table,
                   const std::vector<std::string>& names);

}  // namespace kalshi
}  // namespace kalshi_direct

#include "kalshi/pnl_store.h"

#include <algorithm>

#include "kalshi/tables.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

Decimal decimalOr(const std::string& text, Decimal fallback = {}) {
  Decimal value;
  return Decimal::parse(text, value) ? value : fallback;
}

std::optional<Decimal> optionalDecimal(const StoreStatement& query, int column) {
  Decimal value;
  if (query.columnIsNull(column) || !Decimal::parse(query.columnText(column), value))
    return std::nullopt;
  return value;
}

Value cents(const Decimal& dollars) {
  return Value(dollars.toUnits(2, Rounding::kHalfAwayFromZero));
}

// Realized, unrealized and fees as cents (columns first..first+2), then as exact dollars (the
// next three): the layout of kalshi_snapshots, kalshi_snapshot_pnl and kalshi_snapshot_subaccounts.
void bindAmounts(StoreStatement& insert, int first, const Amounts& amounts) {
  insert.bind(first, cents(amounts.realized));
  insert.bind(first + 1, cents(amounts.unrealized));
  insert.bind(first + 2, cents(amounts.fees));
  insert.bindText(first + 3, amounts.realized.toString());
  insert.bindText(first + 4, amounts.unrealized.toString());
  insert.bindText(first + 5, amounts.fees.toString());
}

constexpr const char* kFillColumns =
    "ticker, id, order_id, category, outcome_side, quantity_fp, yes_price_dollars, "
    "no_price_dollars, fee_dollars, filled_at_us, subaccount FROM kalshi_fills";

PnlStore::SubaccountFill fillFromRow(const StoreStatement& query) {
  PnlStore::SubaccountFill out;
  out.subaccount = query.columnInt(10);
  FillEvent& fill = out.fill;
  fill.fill_id = query.columnText(1);
  fill.order_id = query.columnText(2);
  fill.category = query.columnIsNull(3) ? "other" : query.columnText(3);
  fill.outcome_yes = query.columnText(4) == "yes";
  fill.count = decimalOr(query.columnText(5));
  fill.yes_price = decimalOr(query.columnText(6));
  fill.no_price = decimalOr(query.columnText(7));
  fill.fee = decimalOr(query.columnText(8));
  fill.time_us = query.columnInt(9);
  return out;
}

std::set<std::string> tickers(Store& store, const std::string& sql) {
  std::set<std::string> out;
  StoreStatementPtr query = store.prepare(sql);
  while (query->step()) out.insert(query->columnText(0));
  return out;
}

bool any(Store& store, const std::string& sql) {
  StoreStatementPtr query = store.prepare(sql);
  return query->step();
}

}  // namespace

std::vector<std::string> PnlStore::tablesRead() {
  return {fillsTable().name,       ordersTable().name,    transfersTable().name,
          accountTable().name,     positionsTable().name, marketsTable().name,
          settlementsTable().name, historyTable().name,   subaccountBalancesTable().name,
          pnlDirtyTable().name};
}

std::vector<std::string> PnlStore::tablesWritten() {
  std::vector<std::string> names;
  for (const TableDefinition* table :
       {&snapshotsTable(), &snapshotPnlTable(), &snapshotSubaccountsTable(), &marketPnlTable(),
        &reconciliationTable(), &marketOrderCentsTable()}) {
    names.push_back(table->name);
  }
  return names;
}

StoreStatement& PnlStore::statement(StoreStatementPtr& slot, const std::string& sql) {
  if (!slot) slot = store_.prepare(sql);
  slot->reset();
  return *slot;
}

void PnlStore::createTables() {
  ensureSchema(store_);
  for (const TableDefinition* table : {&ordersTable(), &fillsTable()})
    createTable(store_, *table, true);
  for (const TableDefinition* table :
       {&marketsTable(), &settlementsTable(), &positionsTable(), &accountTable(),
        &subaccountBalancesTable(), &pnlDirtyTable(), &snapshotsTable(), &snapshotPnlTable(),
        &marketPnlTable(), &reconciliationTable(), &snapshotSubaccountsTable(),
        &marketOrderCentsTable()}) {
    createTable(store_, *table, false);
  }
}

void PnlStore::buildFillIndexes() {
  createIndexes(store_, ordersTable(), {"kalshi_orders_ticker"});
  createIndexes(store_, fillsTable(), {"kalshi_fills_market"});
}

bool PnlStore::accountChanged() {
  return any(store_, "SELECT 1 FROM kalshi_account WHERE snapshot_id IS NULL");
}

bool PnlStore::anyMarketChanged() { return any(store_, "SELECT 1 FROM kalshi_pnl_dirty LIMIT 1"); }

bool PnlStore::hasMarketPnl() { return any(store_, "SELECT 1 FROM kalshi_market_pnl LIMIT 1"); }

std::set<std::string> PnlStore::changedMarkets() {
  return tickers(store_, "SELECT ticker FROM kalshi_pnl_dirty");
}

std::set<std::string> PnlStore::tradedMarkets() {
  return tickers(store_,
                 "SELECT DISTINCT ticker FROM kalshi_fills UNION "
                 "SELECT ticker FROM kalshi_settlements");
}

void PnlStore::clearChangedMarkets() { store_.exec("DELETE FROM kalshi_pnl_dirty"); }

bool PnlStore::hasEntriesBetween(const std::string& ticker, int64_t after_us, int64_t until_us) {
  auto any = [&](StoreStatementPtr& slot, const char* table, const char* time) {
    const std::string column(time);
    StoreStatement& query =
        statement(slot, std::string("SELECT 1 FROM ") + table + " WHERE ticker = ? AND (" + column +
                            " IS NULL OR " + column + " <= 0 OR (" + column + " > ? AND " + column +
                            " <= ?)) LIMIT 1");
    query.bindText(1, ticker);
    query.bindInt(2, after_us);
    query.bindInt(3, until_us);
    const bool found = query.step();
    query.reset();
    return found;
  };
  return any(fills_between_, "kalshi_fills", "filled_at_us") ||
         any(settlements_between_, "kalshi_settlements", "settled_at_us");
}

std::vector<PnlStore::SubaccountFill> PnlStore::fillsOf(const std::string& ticker) {
  StoreStatement& query =
      statement(fills_of_, std::string("SELECT ") + kFillColumns + " WHERE ticker = ?");
  query.bindText(1, ticker);
  std::vector<SubaccountFill> fills;
  while (query.step()) fills.push_back(fillFromRow(query));
  query.reset();
  return fills;
}

void PnlStore::forEachMarketFills(
    const std::function<void(const std::string&, std::vector<SubaccountFill>&&)>& visit) {
  // One pass over kalshi_fills in table order, sorted by SQLite's external sorter, instead of an
  // index probe plus a random page read per fill.
  SortMemoryLimit sort_memory(store_);
  StoreStatementPtr query =
      store_.prepare(std::string("SELECT ") + kFillColumns +
                     (store_.kind() == "sqlite" ? " NOT INDEXED" : "") + " ORDER BY ticker");
  std::string current;
  std::vector<SubaccountFill> fills;
  while (query->step()) {
    std::string ticker = query->columnText(0);
    if (ticker != current) {
      if (!current.empty() || !fills.empty()) visit(current, std::move(fills));
      fills.clear();
      current = std::move(ticker);
    }
    fills.push_back(fillFromRow(*query));
  }
  if (!fills.empty()) visit(current, std::move(fills));
}

namespace {

// What the model reads of a settlement and of a market: their tables' pnl_columns (a row whose
// pnl_columns are unchanged marks nothing to recompute), in that order.
const std::string kSettlementColumns = columnList(settlementsTable().pnl_columns) + ", subaccount";
const std::string kMarketColumns = columnList(marketsTable().pnl_columns);

// One kalshi_settlements row (kSettlementColumns from `at`) into `inputs`.
void addSettlement(const StoreStatement& query, int at, PnlStore::MarketInputs& inputs) {
  SettlementEvent event;
  event.result = query.columnText(at);
  if (!query.columnIsNull(at + 1)) event.value_cents = query.columnInt(at + 1);
  event.revenue_cents = query.columnInt(at + 2);
  event.fee = decimalOr(query.columnText(at + 3));
  event.yes_count = decimalOr(query.columnText(at + 4));
  event.no_count = decimalOr(query.columnText(at + 5));
  event.time_us = query.columnInt(at + 6);
  if (!query.columnIsNull(at + 7)) inputs.category = query.columnText(at + 7);
  inputs.settlements[query.columnInt(at + 8)] = event;
}

// One kalshi_markets row (kMarketColumns from `at`) into `inputs`.
void addMarket(const StoreStatement& query, int at, PnlStore::MarketInputs& inputs) {
  if (!query.columnIsNull(at) && !query.columnText(at).empty())
    inputs.category = query.columnText(at);
  inputs.prices.last = optionalDecimal(query, at + 1);
  inputs.prices.bid = optionalDecimal(query, at + 2);
  inputs.prices.ask = optionalDecimal(query, at + 3);
  if (!query.columnIsNull(at + 4)) inputs.series_ticker = query.columnText(at + 4);
  if (inputs.series_ticker.empty() && !query.columnIsNull(at + 5))
    inputs.series_ticker = query.columnText(at + 5).substr(0, query.columnText(at + 5).find('-'));
}

}  // namespace

void PnlStore::prefetchMarketInputs() {
  PrefetchedInputs all;
  {
    StoreStatementPtr query = store_.prepare(std::string("SELECT ticker, ") + kSettlementColumns +
                                             " FROM kalshi_settlements");
    while (query->step()) addSettlement(*query, 1, all.by_ticker[query->columnText(0)]);
  }
  {
    StoreStatementPtr query =
        store_.prepare(std::string("SELECT ticker, ") + kMarketColumns + " FROM kalshi_markets");
    while (query->step()) addMarket(*query, 1, all.by_ticker[query->columnText(0)]);
  }
  if (store_.tableExists("kalshi_positions")) {
    StoreStatementPtr query =
        store_.prepare("SELECT ticker, category FROM kalshi_positions WHERE category IS NOT NULL");
    while (query->step()) all.position_category.emplace(query->columnText(0), query->columnText(1));
  }
  prefetched_ = std::move(all);
}

PnlStore::MarketInputs PnlStore::marketInputs(const std::string& ticker) {
  MarketInputs inputs;
  if (prefetched_) {
    auto found = prefetched_->by_ticker.find(ticker);
    if (found != prefetched_->by_ticker.end()) inputs = found->second;
  } else {
    {
      StoreStatement& query =
          statement(settlements_, std::string("SELECT ") + kSettlementColumns +
                                      " FROM kalshi_settlements WHERE ticker = ?");
      query.bindText(1, ticker);
      while (query.step()) addSettlement(query, 0, inputs);
      query.reset();
    }
    {
      StoreStatement& query = statement(prices_, std::string("SELECT ") + kMarketColumns +
                                                     " FROM kalshi_markets WHERE ticker = ?");
      query.bindText(1, ticker);
      if (query.step()) addMarket(query, 0, inputs);
      query.reset();
    }
  }
  if (inputs.series_ticker.empty()) inputs.series_ticker = ticker.substr(0, ticker.find('-'));
  if (inputs.category.empty()) {
    if (prefetched_) {
      auto found = prefetched_->position_category.find(ticker);
      if (found != prefetched_->position_category.end()) inputs.category = found->second;
    } else {
      StoreStatement& query = statement(
          position_category_, "SELECT category FROM kalshi_positions WHERE ticker = ? LIMIT 1");
      query.bindText(1, ticker);
      if (query.step() && !query.columnIsNull(0)) inputs.category = query.columnText(0);
      query.reset();
    }
  }
  return inputs;
}

void PnlStore::replaceMarketPnl(const std::string& ticker, const std::vector<MarketPnlRow>& rows,
                                const std::string& updated_at) {
  StoreStatement& remove = statement(remove_pnl_, "DELETE FROM kalshi_market_pnl WHERE ticker = ?");
  remove.bindText(1, ticker);
  remove.run();
  StoreStatement& insert = statement(insert_pnl_, upsertSql(marketPnlTable()));
  for (const MarketPnlRow& row : rows) {
    insert.bindText(1, ticker);
    insert.bindText(2, row.category);
    insert.bindText(3, row.amounts.realized.toString());
    insert.bindText(4, row.amounts.unrealized.toString());
    insert.bindText(5, row.amounts.fees.toString());
    insert.bindText(6, row.amounts.cash_flow.toString());
    insert.bindText(7, row.position.rescaled(2).toString());
    if (row.mark)
      insert.bindText(8, row.mark->toString());
    else
      insert.bindNull(8);
    insert.bindText(9, updated_at);
    insert.bindInt(10, row.subaccount);
    insert.run();
  }
}

void PnlStore::setOrderPnl(std::vector<OrderPnl>& updates) {
  if (updates.empty()) return;
  std::sort(updates.begin(), updates.end());
  // Staged in a private temporary table (on disk with SQLite: memory does not grow with the
  // account) and written to kalshi_orders once, by applyOrderPnl(): a pass over every market of
  // 1,000,000 fills stages 13 times, and writing each time would rewrite the whole table (its
  // pages, its WAL frames) 13 times. PostgreSQL COPYs into it (a round trip per order adds up on
  // a server). Created afresh each time: a rolled-back transaction takes a table it created.
  const bool postgres = store_.kind() == "postgresql";
  store_.exec(postgres ? "CREATE TEMP TABLE IF NOT EXISTS kd_order_pnl (id TEXT PRIMARY KEY,"
                         " pnl_cents BIGINT, pnl_dollars NUMERIC)"
                       : "CREATE TEMP TABLE IF NOT EXISTS kd_order_pnl (id TEXT PRIMARY KEY,"
                         " pnl_cents INTEGER, pnl_dollars TEXT) WITHOUT ROWID");
  if (!staged_order_pnl_)
    staged_order_pnl_ =
        store_.bulkUpsert("kd_order_pnl", {"id", "pnl_cents", "pnl_dollars"}, {"id"});
  for (const OrderPnl& order : updates) {
    staged_order_pnl_->bindText(1, order.order_id);
    staged_order_pnl_->bindInt(2, order.cents);
    staged_order_pnl_->bindText(3, order.dollars.toString());
    staged_order_pnl_->addRow();
  }
  staged_order_pnl_->finish();
  order_pnl_staged_ = true;
}

void PnlStore::beginOrderPnlPass() {
  for (const std::string& index : ordersTable().sqlite_only_indexes) {
    if (store_.objectType(index) != "index") continue;  // PostgreSQL's, or still deferred
    store_.exec("DROP INDEX " + index);
    dropped_indexes_.push_back(index);
  }
}

void PnlStore::applyOrderPnl() {
  if (order_pnl_staged_) {
    order_pnl_staged_ = false;
    if (store_.kind() == "postgresql") {
      // ANALYZE: a temporary table has no statistics, and without them the planner may walk
      // kalshi_orders' index once per row instead of joining the two.
      store_.exec(
          "ANALYZE kd_order_pnl; UPDATE kalshi_orders o SET pnl_cents = t.pnl_cents, pnl_dollars "
          "= t.pnl_dollars FROM kd_order_pnl t WHERE o.id = t.id AND (o.pnl_cents IS DISTINCT "
          "FROM t.pnl_cents OR o.pnl_dollars IS DISTINCT FROM t.pnl_dollars); TRUNCATE "
          "kd_order_pnl");
    } else {
      // One pass in id order: each page of kalshi_orders (and of its id index) is read and
      // written once; an order whose figures did not change is not rewritten.
      StoreStatementPtr staged =
          store_.prepare("SELECT pnl_cents, pnl_dollars, id FROM kd_order_pnl ORDER BY id");
      StoreStatement& update =
          statement(order_pnl_,
                    "UPDATE kalshi_orders SET pnl_cents = ?1, pnl_dollars = ?2 WHERE id = ?3 AND "
                    "(pnl_cents IS NOT ?1 OR pnl_dollars IS NOT ?2)");
      while (staged->step()) {
        for (int column = 0; column < 3; ++column) update.bindColumn(column + 1, *staged, column);
        update.run();
        update.reset();
      }
      staged.reset();
      store_.exec("DELETE FROM kd_order_pnl");
    }
  }
  if (!dropped_indexes_.empty()) {
    createIndexes(store_, ordersTable(), dropped_indexes_);
    dropped_indexes_.clear();
  }
}

std::map<std::string, Decimal> PnlStore::marketRealized() {
  std::map<std::string, Decimal> realized;
  StoreStatementPtr query =
      store_.prepare("SELECT ticker, realized_dollars FROM kalshi_market_pnl");
  while (query->step()) realized[query->columnText(0)] += decimalOr(query->columnText(1));
  return realized;
}

std::map<std::string, Decimal> PnlStore::marketRealized(const std::set<std::string>& tickers) {
  std::map<std::string, Decimal> realized;
  StoreStatement& query =
      statement(realized_of_, "SELECT realized_dollars FROM kalshi_market_pnl WHERE ticker = ?");
  for (const auto& ticker : tickers) {
    query.bindText(1, ticker);
    while (query.step()) realized[ticker] += decimalOr(query.columnText(0));
    query.reset();
  }
  return realized;
}

std::optional<int64_t> PnlStore::marketOrderCents(const std::string& ticker) {
  StoreStatement& query =
      statement(order_cents_of_, "SELECT cents FROM kalshi_market_order_cents WHERE ticker = ?");
  query.bindText(1, ticker);
  std::optional<int64_t> cents;
  if (query.step()) cents = query.columnInt(0);
  query.reset();
  return cents;
}

std::vector<std::pair<std::string, Decimal>> PnlStore::orderPnlOf(const std::string& ticker) {
  std::vector<std::pair<std::string, Decimal>> orders;
  StoreStatement& query = statement(
      order_pnl_of_,
      "SELECT id, pnl_dollars FROM kalshi_orders WHERE ticker = ? AND pnl_dollars IS NOT NULL "
      "ORDER BY id");
  query.bindText(1, ticker);
  while (query.step()) orders.emplace_back(query.columnText(0), decimalOr(query.columnText(1)));
  query.reset();
  return orders;
}

void PnlStore::setOrderCents(const std::vector<std::pair<std::string, int64_t>>& cents) {
  StoreStatement& update =
      statement(order_cents_, "UPDATE kalshi_orders SET pnl_cents = ? WHERE id = ?");
  for (const auto& [order_id, value] : cents) {
    update.bindInt(1, value);
    update.bindText(2, order_id);
    update.run();
    update.reset();
  }
}

std::map<std::string, int64_t> PnlStore::marketOrderCents() {
  std::map<std::string, int64_t> cents;
  StoreStatementPtr query = store_.prepare("SELECT ticker, cents FROM kalshi_market_order_cents");
  while (query->step()) cents[query->columnText(0)] = query->columnInt(1);
  return cents;
}

void PnlStore::setMarketOrderCents(const std::map<std::string, int64_t>& changed) {
  StoreStatementPtr upsert = store_.prepare(upsertSql(marketOrderCentsTable()));
  for (const auto& [ticker, cents] : changed) {
    upsert->reset();
    upsert->bindText(1, ticker);
    upsert->bindInt(2, cents);
    upsert->run();
  }
}

void PnlStore::forEachMarketPnl(const std::function<void(const std::string&, const std::string&,
                                                         int64_t, const Amounts&)>& visit) {
  StoreStatementPtr query = store_.prepare(
      "SELECT ticker, category, realized_dollars, unrealized_dollars, fees_dollars, "
      "cash_flow_dollars, subaccount FROM kalshi_market_pnl");
  while (query->step()) {
    Amounts amounts;
    amounts.realized = decimalOr(query->columnText(2));
    amounts.unrealized = decimalOr(query->columnText(3));
    amounts.fees = decimalOr(query->columnText(4));
    amounts.cash_flow = decimalOr(query->columnText(5));
    visit(query->columnText(0), query->columnText(1), query->columnInt(6), amounts);
  }
}

PnlStore::AccountState PnlStore::account() {
  AccountState state;
  StoreStatementPtr row = store_.prepare(
      "SELECT source, balance_cents, balance_dollars, portfolio_value_cents, positions_read_at, "
      "balance_read_at FROM kalshi_account WHERE id = 1");
  if (!row->step()) return state;
  state.source = row->columnText(0);
  if (!row->columnIsNull(5)) state.balance_read_at = row->columnText(5);
  if (!row->columnIsNull(1)) state.balance_cents = Value(row->columnInt(1));
  if (!row->columnIsNull(2)) state.balance_dollars = Value(row->columnText(2));
  if (!row->columnIsNull(3)) state.portfolio_value_cents = Value(row->columnInt(3));
  if (!row->columnIsNull(4)) {
    StoreStatementPtr count = store_.prepare(
        "SELECT count(*) FROM kalshi_positions WHERE position_fp NOT IN ('0', '0.00')");
    state.open_positions = Value(count->step() ? count->columnInt(0) : 0);
  }
  return state;
}

std::map<int64_t, std::pair<Value, Value>> PnlStore::subaccountBalances() {
  std::map<int64_t, std::pair<Value, Value>> balances;
  StoreStatementPtr query = store_.prepare(
      "SELECT subaccount, balance_cents, balance_dollars FROM kalshi_subaccount_balances");
  while (query->step()) {
    balances[query->columnInt(0)] = {
        query->columnIsNull(1) ? Value() : Value(query->columnInt(1)),
        query->columnIsNull(2) ? Value() : Value(query->columnText(2))};
  }
  return balances;
}

int64_t PnlStore::countRows(const char* table) {
  if (!store_.tableExists(table)) return 0;
  StoreStatementPtr query = store_.prepare(std::string("SELECT count(*) FROM ") + table);
  return query->step() ? query->columnInt(0) : 0;
}

std::optional<int64_t> PnlStore::netDepositsCents() {
  if (!store_.tableExists("kalshi_transfers")) return std::nullopt;
  StoreStatementPtr query = store_.prepare(
      "SELECT COALESCE(SUM(CASE direction WHEN 'deposit' THEN amount_cents - fee_cents "
      "ELSE -(amount_cents + fee_cents) END), 0) FROM kalshi_transfers "
      "WHERE status = 'applied' AND direction IN ('deposit', 'withdrawal')");
  return query->step() ? std::optional<int64_t>(query->columnInt(0)) : std::nullopt;
}

PnlStore::History PnlStore::history() {
  History history;
  if (!store_.tableExists("kalshi_history")) return history;
  StoreStatementPtr rows =
      store_.prepare("SELECT stream, coverage, complete_since FROM kalshi_history ORDER BY stream");
  // What is missing -> the streams it is missing from ("fills, orders only since ...").
  std::map<std::string, std::string> missing;
  bool found = false;
  while (rows->step()) {
    found = true;
    const std::string coverage = rows->columnText(1);
    if (coverage == "all") continue;
    const std::string what =
        coverage == "since" && !rows->columnIsNull(2)
            ? "only since " + rows->columnText(2)
            : "only as far back as Kalshi's live endpoints keep (about three months)";
    std::string& streams = missing[what];
    streams += (streams.empty() ? "" : ", ") + rows->columnText(0);
  }
  for (const auto& [what, streams] : missing) {
    history.note += (history.note.empty() ? "" : "; ") + streams + " " + what;
  }
  if (found) history.complete = missing.empty();
  return history;
}

namespace {

// Binds `row` to the snapshot columns, in snapshotsTable().columns order (1..19).
void bindSnapshotRow(StoreStatement& statement, const PnlStore::SnapshotRow& row) {
  statement.bindText(1, row.taken_at);
  statement.bindText(2, row.account.source);
  statement.bind(3, row.account.balance_cents);
  statement.bind(4, row.account.portfolio_value_cents);
  statement.bind(5, row.account.open_positions);
  statement.bindInt(6, row.total_orders);
  statement.bindInt(7, row.total_fills);
  bindAmounts(statement, 8, row.total);
  statement.bind(14, row.account.balance_dollars);
  const auto& net = row.net_deposits_cents;
  statement.bind(15, net ? Value(*net) : Value());
  statement.bind(16, net ? Value(Decimal(*net, 2).toString()) : Value());
  const auto& complete = row.history.complete;
  statement.bind(17, complete ? Value(int64_t{*complete ? 1 : 0}) : Value());
  statement.bind(18, row.history.note.empty() ? Value() : Value(row.history.note));
  statement.bind(
      19, row.account.balance_read_at.empty() ? Value() : Value(row.account.balance_read_at));
}

}  // namespace

int64_t PnlStore::insertSnapshot(const SnapshotRow& row) {
  StoreStatementPtr insert = store_.prepare(upsertSql(snapshotsTable()) + " RETURNING id");
  bindSnapshotRow(*insert, row);
  if (!insert->step()) throw StoreError("kalshi_snapshots: the new snapshot's id was not returned");
  const int64_t id = insert->columnInt(0);
  insert->run();
  return id;
}

void PnlStore::updateSnapshot(int64_t id, const SnapshotRow& row) {
  std::string sql = "UPDATE kalshi_snapshots SET ";
  const auto& columns = snapshotsTable().columns;
  for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + columns[i] + " = ?";
  StoreStatementPtr update = store_.prepare(sql + " WHERE id = ?");
  bindSnapshotRow(*update, row);
  update->bindInt(static_cast<int>(columns.size()) + 1, id);
  update->run();
}

void PnlStore::insertSnapshotPnl(int64_t snapshot_id, const std::string& category,
                                 const Amounts& amounts) {
  StoreStatementPtr insert = store_.prepare(upsertSql(snapshotPnlTable()));
  insert->bindInt(1, snapshot_id);
  insert->bindText(2, category);
  bindAmounts(*insert, 3, amounts);
  insert->run();
}

void PnlStore::insertSnapshotSubaccount(int64_t snapshot_id, int64_t subaccount,
                                        const Value& balance_cents, const Value& balance_dollars,
                                        const Amounts& amounts) {
  StoreStatementPtr insert = store_.prepare(upsertSql(snapshotSubaccountsTable()));
  insert->bindInt(1, snapshot_id);
  insert->bindInt(2, subaccount);
  insert->bind(3, balance_cents);
  insert->bind(4, balance_dollars);
  bindAmounts(*insert, 5, amounts);
  insert->run();
}

std::vector<PnlStore::ReportedPosition> PnlStore::unsnapshottedPositions() {
  std::vector<ReportedPosition> positions;
  StoreStatementPtr query = store_.prepare(
      "SELECT ticker, subaccount, realized_pnl_dollars, fees_paid_dollars FROM kalshi_positions "
      "WHERE snapshot_id IS NULL");
  while (query->step()) {
    positions.push_back({query->columnText(0), query->columnInt(1), optionalDecimal(*query, 2),
                         optionalDecimal(*query, 3)});
  }
  return positions;
}

void PnlStore::insertReconciliation(int64_t snapshot_id, const ReportedPosition& position,
                                    const char* field, const Decimal& computed,
                                    const Decimal& reported) {
  StoreStatementPtr insert = store_.prepare(upsertSql(reconciliationTable()));
  insert->bindInt(1, snapshot_id);
  insert->bindText(2, position.ticker);
  insert->bindText(3, field);
  insert->bindText(4, computed.toString());
  insert->bindText(5, reported.toString());
  insert->bindText(6, (computed - reported).toString());
  insert->bindInt(7, position.subaccount);
  insert->run();
}

void PnlStore::markAccountSnapshotted(int64_t snapshot_id) {
  StoreStatementPtr positions =
      store_.prepare("UPDATE kalshi_positions SET snapshot_id = ? WHERE snapshot_id IS NULL");
  positions->bindInt(1, snapshot_id);
  positions->run();
  StoreStatementPtr account =
      store_.prepare("UPDATE kalshi_account SET snapshot_id = ? WHERE id = 1");
  account->bindInt(1, snapshot_id);
  account->run();
}

}  // namespace kalshi
}  // namespace kalshi_direct

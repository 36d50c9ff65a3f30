#include "kalshi/dashboard_queries.h"

#include <map>
#include <set>

#include "kalshi/tables.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

std::optional<Decimal> decimalColumn(const StoreStatement& row, int column) {
  Decimal value;
  if (row.columnIsNull(column) || !Decimal::parse(row.columnText(column), value))
    return std::nullopt;
  return value;
}

// LIKE pattern for "contains `text`" (any case), with LIKE's wildcards escaped.
std::string containsPattern(const std::string& text) {
  std::string pattern = "%";
  for (char c : text) {
    if (c == '%' || c == '_' || c == '\\') pattern += '\\';
    pattern += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return pattern + "%";
}

struct HistoryColumn {
  const char* column;  // in the table
  const char* name;    // in the API
};

const std::vector<HistoryColumn>& historyColumns(HistoryTable table) {
  static const std::vector<HistoryColumn> orders = {{"id", "id"},
                                                    {"ticker", "ticker"},
                                                    {"side", "side"},
                                                    {"contract_side", "contract_side"},
                                                    {"status", "status"},
                                                    {"type", "type"},
                                                    {"quantity_fp", "quantity"},
                                                    {"filled_quantity_fp", "filled_quantity"},
                                                    {"remaining_quantity_fp", "remaining_quantity"},
                                                    {"yes_price_dollars", "yes_price_dollars"},
                                                    {"no_price_dollars", "no_price_dollars"},
                                                    {"fill_cost_dollars", "fill_cost_dollars"},
                                                    {"fees_dollars", "fees_dollars"},
                                                    {"pnl_dollars", "pnl_dollars"},
                                                    {"created_at", "created_at"},
                                                    {"updated_at", "updated_at"},
                                                    {"category", "category"},
                                                    {"subaccount", "subaccount"},
                                                    {"client_order_id", "client_order_id"}};
  static const std::vector<HistoryColumn> fills = {{"id", "id"},
                                                   {"order_id", "order_id"},
                                                   {"ticker", "ticker"},
                                                   {"side", "side"},
                                                   {"contract_side", "contract_side"},
                                                   {"outcome_side", "outcome_side"},
                                                   {"quantity_fp", "quantity"},
                                                   {"yes_price_dollars", "yes_price_dollars"},
                                                   {"no_price_dollars", "no_price_dollars"},
                                                   {"fee_dollars", "fee_dollars"},
                                                   {"is_taker", "is_taker"},
                                                   {"filled_at", "filled_at"},
                                                   {"category", "category"},
                                                   {"subaccount", "subaccount"}};
  return table == HistoryTable::kOrders ? orders : fills;
}

// The column a sort key orders by (an index serves "time" and "ticker").
std::string sortColumn(HistoryTable table, const std::string& key) {
  if (table == HistoryTable::kOrders) {
    if (key == "ticker") return "ticker";
    if (key == "status") return "status";
    if (key == "pnl") return "pnl_cents";
    return "created_at";
  }
  if (key == "ticker") return "ticker";
  if (key == "price") return "price";
  if (key == "fee") return "fee_cents";
  return "filled_at_us";
}

// An instant as created_at text compares with it: ISO 8601 without the "Z", so that
// "...T05:00:00Z" and "...T05:00:00.5Z" both sort at or after "...T05:00:00".
std::string isoBound(int64_t micros) {
  std::string text = Timestamp::fromMicros(micros).toIso8601();
  if (!text.empty() && text.back() == 'Z') text.pop_back();
  return text;
}

}  // namespace

std::vector<OpenPositionRow> readOpenPositions(Store& store, const PositionFilter& filter) {
  std::vector<OpenPositionRow> rows;
  if (!store.tableExists(marketPnlTable().name)) return rows;
  std::string sql =
      "SELECT ticker, category, subaccount, position_fp, mark_price_dollars, unrealized_dollars"
      " FROM kalshi_market_pnl WHERE position_fp NOT IN ('0', '0.00', '-0.00')";
  std::vector<Value> values;
  if (filter.subaccount) {
    sql += " AND subaccount = ?";
    values.emplace_back(*filter.subaccount);
  }
  if (filter.category) {
    sql += " AND category = ?";
    values.emplace_back(*filter.category);
  }
  if (!filter.ticker_contains.empty()) {
    sql += " AND LOWER(ticker) LIKE ? ESCAPE '\\'";
    values.emplace_back(containsPattern(filter.ticker_contains));
  }
  StoreStatementPtr query = store.prepare(sql + " ORDER BY ticker, subaccount");
  for (size_t i = 0; i < values.size(); ++i) query->bind(static_cast<int>(i + 1), values[i]);
  while (query->step()) {
    OpenPositionRow row;
    row.ticker = query->columnText(0);
    row.category = query->columnText(1);
    row.subaccount = query->columnInt(2);
    const auto position = decimalColumn(*query, 3);
    if (!position || position->isZero()) continue;
    row.position = *position;
    row.yes_mark = decimalColumn(*query, 4);
    row.unrealized = decimalColumn(*query, 5).value_or(Decimal());
    rows.push_back(std::move(row));
  }
  if (rows.empty() || !store.tableExists(taxLotsTable().name)) return rows;
  // The open lots: their cost basis and the oldest's time.
  struct Open {
    Decimal cost;
    std::string opened_at;
  };
  std::map<std::pair<std::string, int64_t>, Open> open;
  StoreStatementPtr lots = store.prepare(
      "SELECT ticker, subaccount, acquired_at, cost_basis_dollars FROM kalshi_tax_lots"
      " WHERE closed_day IS NULL");
  while (lots->step()) {
    Open& o = open[{lots->columnText(0), lots->columnInt(1)}];
    o.cost += decimalColumn(*lots, 3).value_or(Decimal());
    const std::string at = lots->columnText(2);
    if (o.opened_at.empty() || at < o.opened_at) o.opened_at = at;
  }
  for (OpenPositionRow& row : rows) {
    auto found = open.find({row.ticker, row.subaccount});
    if (found == open.end()) continue;
    row.cost = found->second.cost;
    row.opened_at = found->second.opened_at;
  }
  return rows;
}

std::vector<std::string> historySortKeys(HistoryTable table) {
  if (table == HistoryTable::kOrders) return {"created_at", "ticker", "status", "pnl"};
  return {"filled_at", "ticker", "price", "fee"};
}

HistoryPage readHistoryPage(Store& store, const HistoryQuery& q) {
  HistoryPage page;
  const bool orders = q.table == HistoryTable::kOrders;
  const std::string table = orders ? ordersTable().name : fillsTable().name;
  for (const auto& column : historyColumns(q.table)) page.columns.push_back(column.name);
  if (!store.tableExists(table)) return page;

  std::string where = " WHERE 1 = 1";
  std::vector<Value> values;
  const std::string time = orders ? "created_at" : "filled_at_us";
  if (q.from_us) {
    where += " AND " + time + " >= ?";
    values.push_back(orders ? Value(isoBound(*q.from_us)) : Value(*q.from_us));
  }
  if (q.to_us) {
    where += " AND " + time + " < ?";
    values.push_back(orders ? Value(isoBound(*q.to_us)) : Value(*q.to_us));
  }
  if (q.subaccount) {
    where += " AND subaccount = ?";
    values.emplace_back(*q.subaccount);
  }
  if (q.category) {
    where += " AND category = ?";
    values.emplace_back(*q.category);
  }
  if (orders && q.status) {
    where += " AND status = ?";
    values.emplace_back(*q.status);
  }
  // The search matches the few rows of kalshi_tickers, then reads the history by its ticker index
  // (a database no sync of this release has written yet has no kalshi_tickers: every row's ticker
  // is matched instead).
  const bool listed = !q.ticker_contains.empty() && store.tableExists(tickersTable().name);
  auto search = [&](const std::string& ticker) -> std::string {
    if (q.ticker_contains.empty()) return "";
    if (!listed) return " AND LOWER(ticker) LIKE ? ESCAPE '\\'";
    return " AND " + ticker +
           " IN (SELECT ticker FROM kalshi_tickers WHERE LOWER(ticker) LIKE ? ESCAPE '\\')";
  };
  if (!q.ticker_contains.empty()) values.emplace_back(containsPattern(q.ticker_contains));
  auto bindAll = [&](StoreStatement& statement) {
    for (size_t i = 0; i < values.size(); ++i) statement.bind(static_cast<int>(i + 1), values[i]);
  };
  StoreStatementPtr count =
      store.prepare("SELECT COUNT(*) FROM " + table + where + search("ticker"));
  bindAll(*count);
  if (count->step()) page.total = count->columnInt(0);
  if (page.total == 0 || q.offset >= page.total) return page;

  // Columns an older database lacks read as NULL.
  const std::vector<std::string> present = store.tableColumns(table);
  const std::set<std::string> have(present.begin(), present.end());
  std::string select;
  for (const auto& column : historyColumns(q.table)) {
    select += select.empty() ? "" : ", ";
    select += have.count(column.column) ? column.column : "NULL";
  }
  // The sort key, then the time, then the row: the order an index of the table holds (tables.cpp),
  // so a page is read in order, and rows skipped by the offset are never visited (SQLite keeps
  // each index entry's rowid; PostgreSQL has no stable row number, so its last key is the id).
  std::string sort = sortColumn(q.table, q.sort);
  if (!have.count(sort)) sort = "id";
  const std::string direction = q.ascending ? " ASC" : " DESC";
  std::string order = sort + direction;
  if (sort != time && sort != "id") order += ", " + time + direction;
  order += std::string(store.kind() == "sqlite" ? ", rowid" : ", id") + direction;
  // A search matching many rows is read faster in the sort's order, skipping the others, than
  // gathered by ticker and sorted: the first reads about (offset + limit) * rows / matches rows,
  // the second every match. SQLite's planner does not know how many match (PostgreSQL's
  // statistics do): `ticker || ''` keeps it off the ticker index when scanning is cheaper.
  std::string ticker = "ticker";
  if (listed && sort != "ticker" && store.kind() == "sqlite") {
    StoreStatementPtr size = store.prepare("SELECT MAX(rowid) FROM " + table);
    const int64_t rows_in_table = size->step() ? size->columnInt(0) : 0;
    const double scanned = static_cast<double>(q.offset + q.limit) *
                           static_cast<double>(rows_in_table) / static_cast<double>(page.total);
    if (scanned < static_cast<double>(page.total)) ticker = "ticker || ''";
  }
  StoreStatementPtr rows =
      store.prepare("SELECT " + select + " FROM " + table + where + search(ticker) + " ORDER BY " +
                    order + " LIMIT ? OFFSET ?");
  bindAll(*rows);
  rows->bindInt(static_cast<int>(values.size() + 1), q.limit);
  rows->bindInt(static_cast<int>(values.size() + 2), q.offset);
  while (rows->step()) {
    std::vector<Cell> row(page.columns.size());
    for (int i = 0; i < static_cast<int>(row.size()); ++i) {
      Cell& cell = row[static_cast<size_t>(i)];
      switch (rows->columnType(i)) {
        case StoreStatement::ColumnType::kNull:
          break;
        case StoreStatement::ColumnType::kInteger:
          cell.type = Cell::Type::kInteger;
          cell.integer = rows->columnInt(i);
          break;
        default:
          cell.type = Cell::Type::kText;
          cell.text = rows->columnText(i);
      }
    }
    page.rows.push_back(std::move(row));
  }
  return page;
}

std::vector<MarketDifference> readMarketDifferences(Store& store, int64_t snapshot_id) {
  std::vector<MarketDifference> rows;
  if (!store.tableExists(reconciliationTable().name)) return rows;
  StoreStatementPtr query = store.prepare(
      "SELECT ticker, subaccount, field, computed_dollars, reported_dollars, difference_dollars"
      " FROM kalshi_reconciliation WHERE snapshot_id = ? ORDER BY ticker, subaccount, field");
  query->bindInt(1, snapshot_id);
  auto text = [&](int column) {
    return query->columnIsNull(column) ? std::string() : query->columnText(column);
  };
  while (query->step()) {
    rows.push_back({query->columnText(0), query->columnText(2), query->columnInt(1), text(3),
                    text(4), text(5)});
  }
  return rows;
}

std::vector<BalanceCheckRow> readBalanceChecks(Store& store, int limit,
                                               int64_t& unexplained_total) {
  std::vector<BalanceCheckRow> rows;
  unexplained_total = 0;
  if (!store.tableExists(equityDailyTable().name)) return rows;
  StoreStatementPtr query = store.prepare(
      "SELECT day, subaccount, checked_at, reported_balance_cents, cash_balance_dollars,"
      " unexplained_cents FROM kalshi_equity_daily WHERE unexplained_cents IS NOT NULL"
      " ORDER BY day DESC, subaccount LIMIT ?");
  query->bindInt(1, limit);
  while (query->step()) {
    BalanceCheckRow row;
    row.day = query->columnText(0);
    row.subaccount = query->columnInt(1);
    if (!query->columnIsNull(2)) row.checked_at = query->columnText(2);
    if (!query->columnIsNull(3)) row.reported_balance = Decimal(query->columnInt(3), 2);
    row.cash = decimalColumn(*query, 4);
    row.unexplained_cents = query->columnInt(5);
    rows.push_back(std::move(row));
  }
  StoreStatementPtr total =
      store.prepare("SELECT SUM(unexplained_cents) FROM kalshi_equity_daily WHERE subaccount = -1");
  if (total->step() && !total->columnIsNull(0)) unexplained_total = total->columnInt(0);
  return rows;
}

LedgerExtent readLedgerExtent(Store& store) {
  LedgerExtent extent;
  if (!store.tableExists(dailyPnlTable().name)) return extent;
  StoreStatementPtr categories =
      store.prepare("SELECT DISTINCT category FROM kalshi_daily_pnl ORDER BY category");
  while (categories->step()) extent.categories.push_back(categories->columnText(0));
  StoreStatementPtr subaccounts =
      store.prepare("SELECT DISTINCT subaccount FROM kalshi_daily_pnl ORDER BY subaccount");
  while (subaccounts->step()) extent.subaccounts.push_back(subaccounts->columnInt(0));
  StoreStatementPtr days = store.prepare("SELECT MIN(day), MAX(day) FROM kalshi_daily_pnl");
  if (days->step() && !days->columnIsNull(0)) {
    extent.first_day = days->columnText(0);
    extent.last_day = days->columnText(1);
  }
  return extent;
}

std::string dataVersion(Store& store) {
  auto newest = [&](const char* table) -> int64_t {
    if (!store.tableExists(table)) return 0;
    StoreStatementPtr query = store.prepare(std::string("SELECT MAX(id) FROM ") + table);
    return query->step() && !query->columnIsNull(0) ? query->columnInt(0) : 0;
  };
  std::string version = "r" + std::to_string(newest("kd_runs")) + ".s" +
                        std::to_string(newest(snapshotsTable().name));
  // A live run commits rows between snapshots: its last message moves the version too.
  if (const auto feed = liveFeed(store); feed && !feed->last_message_at.empty())
    version += ".m" + feed->last_message_at;
  return version;
}

std::optional<LiveFeed> liveFeed(Store& store) {
  const StateMap state = store.readState("kalshi");
  auto it = state.find("live.connected");
  if (it == state.end()) return std::nullopt;
  LiveFeed feed;
  feed.connected = it->second == "1";
  if (auto m = state.find("live.last_message_at"); m != state.end())
    feed.last_message_at = m->second;
  if (auto a = state.find("live.alive_at"); a != state.end()) feed.alive_at = a->second;
  return feed;
}

std::vector<std::pair<std::string, int64_t>> tableRowCounts(Store& store) {
  std::vector<std::pair<std::string, int64_t>> counts;
  for (const TableDefinition* table : allTables()) {
    if (!store.tableExists(table->name)) continue;
    StoreStatementPtr query = store.prepare(std::string("SELECT COUNT(*) FROM ") + table->name);
    counts.emplace_back(table->name, query->step() ? query->columnInt(0) : 0);
  }
  return counts;
}

}  // namespace kalshi
}  // namespace kalshi_direct

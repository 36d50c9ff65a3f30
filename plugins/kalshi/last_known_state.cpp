#include "kalshi/last_known_state.h"

#include <algorithm>
#include <memory>
#include <set>

#include "kalshi/tables.h"
#include "kalshi_direct/json_writer.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

bool wants(const std::vector<std::string>& streams, const char* stream) {
  return std::find(streams.begin(), streams.end(), stream) != streams.end();
}

Status noState(const std::string& path) {
  return Status::failed("no last known state in " + path + ": run a successful sync first");
}

// One row's columns as text (for a rejected row's raw form): {"column":"text"|null,...}.
std::string rowJson(const StoreStatement& statement) {
  Record row;
  for (int i = 0; i < statement.columnCount(); ++i) {
    row.append(statement.columnName(i),
               statement.columnIsNull(i) ? Value() : Value(statement.columnText(i)));
  }
  return recordToJson(row);
}

// Column `column` as the typed value kalshi_live would have produced; false with `reason` when the
// stored text cannot be that type. NULL stays null.
enum class Kind { kText, kDecimal, kTimestamp, kInt };

bool columnValue(const StoreStatement& statement, int column, Kind kind, Value& out,
                 std::string& reason) {
  if (statement.columnIsNull(column)) {
    out = Value();
    return true;
  }
  const std::string text = statement.columnText(column);
  switch (kind) {
    case Kind::kText:
      out = Value(text);
      return true;
    case Kind::kInt:
      out = Value(statement.columnInt(column));
      return true;
    case Kind::kDecimal: {
      Decimal value;
      if (!Decimal::parse(text, value)) {
        reason =
            statement.columnName(column) + " '" + text.substr(0, 64) + "' is not an exact decimal";
        return false;
      }
      out = Value(value);
      return true;
    }
    case Kind::kTimestamp: {
      Timestamp value;
      if (!Timestamp::parse(text, value)) {
        reason =
            statement.columnName(column) + " '" + text.substr(0, 64) + "' is not an ISO 8601 time";
        return false;
      }
      out = Value(value);
      return true;
    }
  }
  return false;
}

struct ColumnMap {
  const char* column;  // in the table
  const char* field;   // in the record (kalshi_live's name)
  Kind kind;
};

// Reads `sql`'s rows into records with the fields of `columns` (selected in that order);
// `required` columns must not be NULL.
void readRows(Store& db, const std::string& sql, const std::vector<ColumnMap>& columns,
              size_t required, const char* stream, std::vector<Record>& out,
              std::vector<LastKnownState::Rejected>& rejected) {
  StoreStatementPtr query = db.prepare(sql);
  StoreStatement& statement = *query;
  while (statement.step()) {
    Record record;
    record.reserve(columns.size());
    std::string reason;
    for (size_t i = 0; i < columns.size() && reason.empty(); ++i) {
      Value value;
      if (!columnValue(statement, static_cast<int>(i), columns[i].kind, value, reason)) break;
      if (i < required && value.isNull()) reason = std::string(columns[i].column) + " is NULL";
      record.append(columns[i].field, std::move(value));
    }
    if (!reason.empty()) {
      rejected.push_back({stream, rowJson(statement),
                          std::string(stream) + ": row of the local database: " + reason});
      continue;
    }
    out.push_back(std::move(record));
  }
}

std::string selectList(const std::vector<ColumnMap>& columns, const char* prefix) {
  std::string sql;
  for (const auto& column : columns)
    sql += (sql.empty() ? "" : ", ") + std::string(prefix) + column.column;
  return sql;
}

Status readSnapshot(Store& db, const std::string& path, LastKnownState& out) {
  const char* table = kalshi::snapshotsTable().name;
  if (!db.tableExists(table)) return noState(path);
  // The latest snapshot made from the API: a fallback snapshot only repeats it (with a later
  // taken_at that would misdate the data). A database holding only fallback rows still serves.
  StoreStatementPtr query = db.prepare(
      std::string("SELECT id, taken_at, source, balance_cents, portfolio_value_cents FROM ") +
      table + " ORDER BY (source = 'live') DESC, id DESC LIMIT 1");
  StoreStatement& statement = *query;
  if (!statement.step()) return noState(path);
  LastKnownSnapshot snapshot;
  snapshot.id = statement.columnInt(0);
  snapshot.taken_at = statement.columnText(1);
  snapshot.source = statement.columnText(2);
  if (!Timestamp::parse(snapshot.taken_at, snapshot.taken)) {
    return Status::failed("the last snapshot (#" + std::to_string(snapshot.id) + ") in " + path +
                          " has an unreadable taken_at '" + snapshot.taken_at.substr(0, 64) + "'");
  }
  Record balance;
  if (statement.columnIsNull(3)) {
    balance.append("balance", Value());
    balance.append("balance_dollars", Value());
  } else {
    const int64_t cents = statement.columnInt(3);
    balance.append("balance", Value(cents));
    balance.append("balance_dollars", Value(Decimal(cents, 2)));
  }
  balance.append("portfolio_value",
                 statement.columnIsNull(4) ? Value() : Value(statement.columnInt(4)));
  balance.append("updated_ts", Value(snapshot.taken.unixSeconds()));
  balance.append("snapshot_source", Value("fallback"));
  out.snapshot = std::move(snapshot);
  out.balance = std::move(balance);
  return Status::ok();
}

const std::vector<ColumnMap>& positionColumns() {
  static const std::vector<ColumnMap> columns = {
      {"ticker", "ticker", Kind::kText},
      {"position_fp", "position_fp", Kind::kDecimal},
      {"total_traded_dollars", "total_traded_dollars", Kind::kDecimal},
      {"market_exposure_dollars", "market_exposure_dollars", Kind::kDecimal},
      {"realized_pnl_dollars", "realized_pnl_dollars", Kind::kDecimal},
      {"fees_paid_dollars", "fees_paid_dollars", Kind::kDecimal},
      {"last_updated_at", "last_updated_ts", Kind::kTimestamp},
  };
  return columns;
}

// kalshi_positions of a database written since subaccounts exist (an older one is read as it is:
// the fallback never writes, so it never migrates).
const std::vector<ColumnMap>& positionColumnsWithSubaccount() {
  static const std::vector<ColumnMap> columns = [] {
    std::vector<ColumnMap> out = positionColumns();
    out.push_back({"subaccount", "subaccount_number", Kind::kInt});
    return out;
  }();
  return columns;
}

const std::vector<ColumnMap>& marketColumns() {
  static const std::vector<ColumnMap> columns = {
      {"ticker", "ticker", Kind::kText},
      {"event_ticker", "event_ticker", Kind::kText},
      {"series_ticker", "series_ticker", Kind::kText},
      {"series_category", "series_category", Kind::kText},
      {"title", "title", Kind::kText},
      {"market_type", "market_type", Kind::kText},
      {"status", "status", Kind::kText},
      {"result", "result", Kind::kText},
      {"yes_bid_dollars", "yes_bid_dollars", Kind::kDecimal},
      {"yes_ask_dollars", "yes_ask_dollars", Kind::kDecimal},
      {"last_price_dollars", "last_price_dollars", Kind::kDecimal},
      {"close_time", "close_time", Kind::kTimestamp},
  };
  return columns;
}

}  // namespace

Status readLastKnownState(Store* store, const std::string& path,
                          const std::vector<std::string>& streams, LastKnownState& out) {
  out = LastKnownState();
  if (!store) return noState(path);  // nothing was ever synced here
  try {
    Store& db = *store;
    const char* positions = kalshi::positionsTable().name;
    const char* markets = kalshi::marketsTable().name;
    // One read transaction: balance, markets and positions from the same committed state.
    db.exec("BEGIN");
    if (wants(streams, "balance")) {
      if (Status status = readSnapshot(db, path, out); !status.isOk()) return status;
    }
    const bool want_positions = wants(streams, "positions");
    const bool want_markets = wants(streams, "markets");
    if ((want_positions || want_markets) && !db.tableExists(positions)) return noState(path);
    if (want_markets && !db.tableExists(markets)) return noState(path);
    if (want_markets) {
      readRows(db,
               "SELECT " + selectList(marketColumns(), "m.") + " FROM " + markets +
                   " m WHERE m.ticker IN (SELECT ticker FROM " + positions + ") ORDER BY m.ticker",
               marketColumns(), 1, "markets", out.markets, out.rejected);
    }
    if (want_positions) {
      const auto& columns = db.columnExists(positions, "subaccount")
                                ? positionColumnsWithSubaccount()
                                : positionColumns();
      readRows(db, "SELECT " + selectList(columns, "") + " FROM " + positions + " ORDER BY ticker",
               columns, 2, "positions", out.positions, out.rejected);
    }
    db.exec("COMMIT");
  } catch (const StoreError& error) {
    return Status::failed("cannot read the last known state from " + path + ": " + error.what());
  }
  return Status::ok();
}

}  // namespace kalshi
}  // namespace kalshi_direct

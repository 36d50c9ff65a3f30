#include "kalshi/snapshots.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

// The exact *_dollars column when it holds a decimal, else the *_cents column, else unknown.
Money moneyColumn(const StoreStatement& statement, int dollars_column, int cents_column) {
  if (dollars_column >= 0 && !statement.columnIsNull(dollars_column)) {
    Decimal value;
    if (Decimal::parse(statement.columnText(dollars_column), value)) return value;
  }
  if (cents_column >= 0 && !statement.columnIsNull(cents_column)) {
    return Decimal(statement.columnInt(cents_column), 2);
  }
  return std::nullopt;
}

std::optional<int64_t> intColumn(const StoreStatement& statement, int column) {
  if (statement.columnIsNull(column)) return std::nullopt;
  return statement.columnInt(column);
}

}  // namespace

std::optional<int64_t> latestSnapshotId(Store& store) {
  if (!store.tableExists("kalshi_snapshots")) return std::nullopt;
  StoreStatementPtr latest =
      store.prepare("SELECT id FROM kalshi_snapshots ORDER BY id DESC LIMIT 1");
  if (!latest->step()) return std::nullopt;
  return latest->columnInt(0);
}

std::vector<std::pair<int64_t, std::string>> snapshotTimes(Store& store) {
  std::vector<std::pair<int64_t, std::string>> times;
  if (!store.tableExists("kalshi_snapshots")) return times;
  StoreStatementPtr all = store.prepare("SELECT id, taken_at FROM kalshi_snapshots");
  while (all->step()) times.emplace_back(all->columnInt(0), all->columnText(1));
  return times;
}

StoredSnapshot readSnapshot(Store& store, int64_t id) {
  StoredSnapshot snapshot;
  if (!store.tableExists("kalshi_snapshots")) return snapshot;
  StoreStatementPtr row = store.prepare(
      "SELECT id, taken_at, source, balance_cents, portfolio_value_cents, open_positions,"
      " total_orders, total_fills, realized_pnl_cents, unrealized_pnl_cents, fees_cents,"
      " realized_pnl_dollars, unrealized_pnl_dollars, fees_dollars"
      " FROM kalshi_snapshots WHERE id = ?");
  row->bindInt(1, id);
  if (!row->step()) return snapshot;
  snapshot.id = row->columnInt(0);
  snapshot.taken_at = row->columnText(1);
  snapshot.source = row->columnText(2);
  snapshot.balance = moneyColumn(*row, -1, 3);
  snapshot.portfolio_value = moneyColumn(*row, -1, 4);
  snapshot.open_positions = intColumn(*row, 5);
  snapshot.total_orders = intColumn(*row, 6);
  snapshot.total_fills = intColumn(*row, 7);
  snapshot.totals =
      SnapshotPnl{moneyColumn(*row, 11, 8), moneyColumn(*row, 12, 9), moneyColumn(*row, 13, 10)};
  // Columns and tables a database written before transfers and subaccounts does not have.
  if (store.columnExists("kalshi_snapshots", "net_deposits_cents")) {
    StoreStatementPtr extra = store.prepare(
        "SELECT balance_dollars, balance_cents, net_deposits_dollars, net_deposits_cents"
        " FROM kalshi_snapshots WHERE id = ?");
    extra->bindInt(1, id);
    if (extra->step()) {
      snapshot.balance = moneyColumn(*extra, 0, 1);
      snapshot.net_deposits = moneyColumn(*extra, 2, 3);
    }
  }
  if (store.columnExists("kalshi_snapshots", "history_complete")) {
    StoreStatementPtr history =
        store.prepare("SELECT history_complete, history_note FROM kalshi_snapshots WHERE id = ?");
    history->bindInt(1, id);
    if (history->step() && !history->columnIsNull(0)) {
      snapshot.history_complete = history->columnInt(0) != 0;
      if (!history->columnIsNull(1)) snapshot.history_note = history->columnText(1);
    }
  }
  if (store.tableExists("kalshi_snapshot_subaccounts")) {
    StoreStatementPtr rows = store.prepare(
        "SELECT subaccount, balance_dollars, balance_cents, realized_pnl_cents, "
        "unrealized_pnl_cents, fees_cents, realized_pnl_dollars, unrealized_pnl_dollars, "
        "fees_dollars FROM kalshi_snapshot_subaccounts WHERE snapshot_id = ? ORDER BY subaccount");
    rows->bindInt(1, id);
    while (rows->step()) {
      snapshot.subaccounts[rows->columnInt(0)] = SnapshotSubaccount{
          moneyColumn(*rows, 1, 2), SnapshotPnl{moneyColumn(*rows, 6, 3), moneyColumn(*rows, 7, 4),
                                                moneyColumn(*rows, 8, 5)}};
    }
  }
  if (store.tableExists("kalshi_snapshot_pnl")) {
    StoreStatementPtr rows = store.prepare(
        "SELECT category, realized_pnl_cents, unrealized_pnl_cents, fees_cents,"
        " realized_pnl_dollars, unrealized_pnl_dollars, fees_dollars"
        " FROM kalshi_snapshot_pnl WHERE snapshot_id = ? ORDER BY category");
    rows->bindInt(1, id);
    while (rows->step()) {
      snapshot.categories[rows->columnText(0)] =
          SnapshotPnl{moneyColumn(*rows, 4, 1), moneyColumn(*rows, 5, 2), moneyColumn(*rows, 6, 3)};
    }
  }
  // A total the snapshot row does not hold: the exact sum of its categories.
  auto fill = [&](Money SnapshotPnl::*field) {
    if (snapshot.totals.*field || snapshot.categories.empty()) return;
    Money sum = Decimal();
    for (const auto& entry : snapshot.categories) {
      const Money& part = entry.second.*field;
      sum = sum && part ? Money(*sum + *part) : std::nullopt;
    }
    snapshot.totals.*field = sum;
  };
  fill(&SnapshotPnl::realized);
  fill(&SnapshotPnl::unrealized);
  fill(&SnapshotPnl::fees);
  return snapshot;
}

}  // namespace kalshi
}  // namespace kalshi_direct

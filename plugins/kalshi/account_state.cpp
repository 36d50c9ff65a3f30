#include "kalshi/account_state.h"

#include "kalshi/tables.h"

namespace kalshi_direct {
namespace kalshi {

void writeAccountBalance(Store& store, const AccountBalance& balance, const std::string& read_at) {
  StoreStatementPtr upsert = store.prepare(
      "INSERT INTO kalshi_account (id, source, balance_cents, balance_dollars, "
      "portfolio_value_cents, balance_read_at) VALUES (1, ?, ?, ?, ?, ?) ON CONFLICT (id) DO "
      "UPDATE SET source = excluded.source, balance_cents = excluded.balance_cents, "
      "balance_dollars = excluded.balance_dollars, portfolio_value_cents = "
      "excluded.portfolio_value_cents, balance_read_at = excluded.balance_read_at, "
      "snapshot_id = NULL");
  upsert->bindText(1, balance.source);
  upsert->bind(2, balance.balance_cents);
  upsert->bind(3, balance.balance_dollars);
  upsert->bind(4, balance.portfolio_value_cents);
  upsert->bindText(5, read_at);
  upsert->run();
}

void replaceSubaccountBalances(Store& store, const std::map<int64_t, SubaccountBalance>& balances,
                               const std::string& read_at) {
  store.exec("DELETE FROM kalshi_subaccount_balances");
  StoreStatementPtr insert = store.prepare(upsertSql(subaccountBalancesTable()));
  for (const auto& [subaccount, balance] : balances) {
    insert->bindInt(1, subaccount);
    insert->bind(2, balance.balance_cents);
    insert->bind(3, balance.balance_dollars);
    insert->bindText(4, read_at);
    insert->run();
  }
}

void publishPositions(Store& store, const std::string& staged_table, bool replace,
                      const std::string& read_at, bool account_changed) {
  // The model reads a position's category (for a market without its own): the markets whose
  // position is new or of another category are recomputed. (A position gone from the list closed
  // by fills or a settlement, whose writers mark its market.)
  const std::string staged = quoteIdentifier(staged_table);
  store.exec(
      "INSERT INTO kalshi_pnl_dirty (ticker) SELECT DISTINCT ticker FROM (SELECT ticker, "
      "category FROM " +
      staged +
      " WHERE ticker IS NOT NULL EXCEPT SELECT ticker, category FROM kalshi_positions) AS "
      "moved WHERE true ON CONFLICT DO NOTHING");
  if (replace) store.exec("DELETE FROM kalshi_positions");
  StoreStatementPtr insert = store.prepare(upsertSql(positionsTable()));
  StoreStatementPtr positions = store.prepare(
      "SELECT ticker, position_fp, total_traded_dollars, market_exposure_dollars, "
      "realized_pnl_dollars, fees_paid_dollars, last_updated_ts, category, "
      "COALESCE(subaccount_number, 0) FROM " +
      staged + " WHERE ticker IS NOT NULL");
  while (positions->step()) {
    insert->bindText(1, positions->columnText(0));
    Decimal count;
    const bool have_count =
        !positions->columnIsNull(1) && Decimal::parse(positions->columnText(1), count);
    insert->bind(2, have_count ? Value(count.rescaled(2)) : Value("0.00"));
    for (int column = 2; column <= 5; ++column) insert->bindColumn(column + 1, *positions, column);
    insert->bindColumn(7, *positions, 6);  // ISO 8601 text (written from a timestamp) or NULL
    insert->bindColumn(8, *positions, 7);
    insert->bindNull(9);  // the snapshot that records them: the kalshi_pnl model's next
    insert->bindInt(10, positions->columnInt(8));
    insert->run();
  }
  if (!account_changed) return;
  // The account row records when; a run without a balance still has one (source unknown: live).
  StoreStatementPtr stamp = store.prepare(
      "INSERT INTO kalshi_account (id, source, positions_read_at) VALUES (1, 'live', ?) ON "
      "CONFLICT (id) DO UPDATE SET positions_read_at = excluded.positions_read_at, snapshot_id "
      "= NULL");
  stamp->bindText(1, read_at);
  stamp->run();
}

std::optional<StoredCoverage> storedHistoryCoverage(Store& store, const std::string& stream) {
  StoreStatementPtr existing =
      store.prepare("SELECT coverage, complete_since FROM kalshi_history WHERE stream = ?");
  existing->bindText(1, stream);
  if (!existing->step()) return std::nullopt;
  return StoredCoverage{existing->columnText(0),
                        existing->columnIsNull(1) ? std::string() : existing->columnText(1)};
}

}  // namespace kalshi
}  // namespace kalshi_direct

#include "kalshi/ledger_store.h"

#include <algorithm>
#include <array>
#include <limits>

#include "kalshi/local_days.h"
#include "kalshi/performance_stats.h"
#include "kalshi/tables.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

DailyAmounts& DailyAmounts::operator+=(const DailyAmounts& other) {
  realized += other.realized;
  fees += other.fees;
  bought += other.bought;
  sold += other.sold;
  fills += other.fills;
  closes += other.closes;
  wins += other.wins;
  losses += other.losses;
  cash_flow += other.cash_flow;
  cash_after_check += other.cash_after_check;
  basis_change += other.basis_change;
  won += other.won;
  lost += other.lost;
  return *this;
}

bool DailyAmounts::empty() const {
  return realized.isZero() && fees.isZero() && bought.isZero() && sold.isZero() && fills == 0 &&
         closes == 0 && cash_flow.isZero() && basis_change.isZero();
}

namespace {

Decimal decimalOr(const std::string& text) {
  Decimal value;
  return Decimal::parse(text, value) ? value : Decimal();
}

Value cents(const Decimal& dollars) {
  return Value(dollars.toUnits(2, Rounding::kHalfAwayFromZero));
}
Value optionalCents(const std::optional<Decimal>& dollars) {
  return dollars ? cents(*dollars) : Value();
}

std::optional<int64_t> parseMicros(const std::string& text) {
  Timestamp time;
  if (text.empty() || !Timestamp::parse(text, time)) return std::nullopt;
  return time.micros();
}

StoreStatement& cached(Store& store, StoreStatementPtr& slot, const std::string& sql) {
  if (!slot) slot = store.prepare(sql);
  slot->reset();
  return *slot;
}

// The amount columns after a row's key, in the tables' order (KD_DAILY_AMOUNT_COLUMNS).
void bindAmounts(StoreStatement& statement, int first, const DailyAmounts& a) {
  statement.bindText(first, a.realized.toString());
  statement.bindText(first + 1, a.fees.toString());
  statement.bindText(first + 2, a.bought.trimmed(2).toString());  // counts: "10.00", "2.50"
  statement.bindText(first + 3, a.sold.trimmed(2).toString());
  statement.bindInt(first + 4, a.fills);
  statement.bindInt(first + 5, a.closes);
  statement.bindInt(first + 6, a.wins);
  statement.bindInt(first + 7, a.losses);
  statement.bindText(first + 8, a.cash_flow.toString());
  statement.bindText(first + 9, a.cash_after_check.toString());
  statement.bindText(first + 10, a.basis_change.toString());
  statement.bindText(first + 11, a.won.toString());
  statement.bindText(first + 12, a.lost.toString());
}

constexpr const char* kAmountColumns =
    "realized_pnl_dollars, fees_dollars, contracts_bought_fp, contracts_sold_fp, fills, "
    "markets_closed, winning_closes, losing_closes, cash_flow_dollars, "
    "cash_flow_after_check_dollars, basis_change_dollars, won_dollars, lost_dollars";

DailyAmounts readAmounts(const StoreStatement& query, int first) {
  DailyAmounts a;
  a.realized = decimalOr(query.columnText(first));
  a.fees = decimalOr(query.columnText(first + 1));
  a.bought = decimalOr(query.columnText(first + 2));
  a.sold = decimalOr(query.columnText(first + 3));
  a.fills = query.columnInt(first + 4);
  a.closes = query.columnInt(first + 5);
  a.wins = query.columnInt(first + 6);
  a.losses = query.columnInt(first + 7);
  a.cash_flow = decimalOr(query.columnText(first + 8));
  a.cash_after_check = decimalOr(query.columnText(first + 9));
  a.basis_change = decimalOr(query.columnText(first + 10));
  a.won = decimalOr(query.columnText(first + 11));
  a.lost = decimalOr(query.columnText(first + 12));
  return a;
}

}  // namespace

namespace {
// The ledger's tables whose rows are computed (kalshi_ledger_settings says with what).
const std::vector<const TableDefinition*>& computedTables() {
  static const std::vector<const TableDefinition*> tables = {
      &marketDailyTable(), &dailyPnlTable(), &closedPositionsTable(),
      &monthlyEdgeTable(), &taxLotsTable(),  &equityDailyTable()};
  return tables;
}
}  // namespace

std::vector<std::string> LedgerStore::tablesWritten() {
  std::vector<std::string> names;
  for (const TableDefinition* table : computedTables()) names.push_back(table->name);
  names.push_back(ledgerSettingsTable().name);
  return names;
}

void LedgerStore::createTables() {
  // A ledger from before kalshi_monthly_edge: its closed positions summed into it once.
  const bool sum_edge = !store_.tableExists(monthlyEdgeTable().name) &&
                        store_.tableExists(closedPositionsTable().name);
  // The rows a market's recompute writes go in without the secondary indexes while a table is
  // empty (a first computation): finishWrites() builds them once, before anything reads by them.
  const std::set<const TableDefinition*> bulk = {&marketDailyTable(), &closedPositionsTable(),
                                                 &taxLotsTable()};
  for (const TableDefinition* table : computedTables()) {
    if (createTable(store_, *table, /*defer_indexes=*/bulk.count(table) > 0))
      deferred_indexes_.push_back(table);
  }
  createTable(store_, ledgerSettingsTable(), false);
  createViews(store_);
  if (sum_edge) refreshMonthlyEdge(std::nullopt);
}

std::optional<LedgerStore::Settings> LedgerStore::settings() {
  StoreStatementPtr query =
      store_.prepare("SELECT timezone, lots FROM kalshi_ledger_settings WHERE id = 1");
  if (!query->step()) return std::nullopt;
  return Settings{query->columnText(0), query->columnText(1)};
}

void LedgerStore::reset(const Settings& settings) {
  for (const TableDefinition* table : computedTables())
    store_.exec(std::string("DELETE FROM ") + table->name);
  StoreStatementPtr save = store_.prepare(upsertSql(ledgerSettingsTable()));
  save->bindInt(1, 1);
  save->bindText(2, settings.timezone);
  save->bindText(3, settings.lots);
  save->bindText(4, Timestamp::now().toIso8601());
  save->run();
}

void LedgerStore::prefetchMarketDays() {
  std::map<std::string, std::vector<DailyKey>> all;
  StoreStatementPtr query = store_.prepare(
      "SELECT ticker, day, subaccount, category, series_ticker FROM kalshi_market_daily");
  while (query->step()) {
    all[query->columnText(0)].push_back(DailyKey{query->columnText(1), query->columnInt(2),
                                                 query->columnText(3), query->columnText(4)});
  }
  prefetched_days_ = std::move(all);
}

void LedgerStore::replaceMarketDays(const std::string& ticker, const std::vector<MarketDay>& days,
                                    std::set<DailyKey>& touched) {
  if (prefetched_days_) {
    auto found = prefetched_days_->find(ticker);
    if (found != prefetched_days_->end()) {
      touched.insert(found->second.begin(), found->second.end());
      prefetched_days_->erase(found);  // replaced below: what was read no longer holds
    }
  } else {
    StoreStatement& old = cached(store_, old_days_,
                                 "SELECT day, subaccount, category, series_ticker FROM "
                                 "kalshi_market_daily WHERE ticker = ?");
    old.bindText(1, ticker);
    while (old.step()) {
      touched.insert(
          DailyKey{old.columnText(0), old.columnInt(1), old.columnText(2), old.columnText(3)});
    }
    old.reset();
  }
  StoreStatement& remove =
      cached(store_, remove_days_, "DELETE FROM kalshi_market_daily WHERE ticker = ?");
  remove.bindText(1, ticker);
  remove.run();
  StoreStatement& insert = cached(store_, insert_day_, upsertSql(marketDailyTable()));
  for (const MarketDay& row : days) {
    if (row.amounts.empty()) continue;  // a category row made only for a zero basis change
    insert.bindText(1, ticker);
    insert.bindInt(2, row.key.subaccount);
    insert.bindText(3, row.key.day);
    insert.bindText(4, row.key.category);
    insert.bindText(5, row.key.series_ticker);
    bindAmounts(insert, 6, row.amounts);
    if (row.check_us)
      insert.bindInt(19, *row.check_us);
    else
      insert.bindNull(19);
    insert.run();
    insert.reset();
    touched.insert(row.key);
  }
}

void LedgerStore::refreshDaily(const std::set<DailyKey>& keys) {
  finishWrites();
  // Many days (a backfill): every market-day row read once and summed here, instead of a query
  // per day (a round trip each on a server).
  std::optional<std::map<DailyKey, DailyAmounts>> scanned;
  if (keys.size() > kScanAllDaysFrom) {
    scanned.emplace();
    StoreStatementPtr all =
        store_.prepare(std::string("SELECT day, subaccount, category, series_ticker, ") +
                       kAmountColumns + " FROM kalshi_market_daily");
    while (all->step()) {
      DailyKey key{all->columnText(0), all->columnInt(1), all->columnText(2), all->columnText(3)};
      if (keys.count(key)) (*scanned)[key] += readAmounts(*all, 4);
    }
  }
  StoreStatement& sum =
      cached(store_, sum_day_,
             std::string("SELECT ") + kAmountColumns +
                 " FROM kalshi_market_daily WHERE day = ? AND subaccount = ? AND category = ? "
                 "AND series_ticker = ?");
  StoreStatement& upsert = cached(store_, upsert_daily_, upsertSql(dailyPnlTable()));
  StoreStatement& remove = cached(store_, remove_daily_,
                                  "DELETE FROM kalshi_daily_pnl WHERE day = ? AND subaccount = ? "
                                  "AND category = ? AND series_ticker = ?");
  for (const DailyKey& key : keys) {
    DailyAmounts total;
    bool any = false;
    if (scanned) {
      auto found = scanned->find(key);
      if (found != scanned->end()) {
        total = found->second;
        any = true;
      }
    } else {
      sum.reset();
      sum.bindText(1, key.day);
      sum.bindInt(2, key.subaccount);
      sum.bindText(3, key.category);
      sum.bindText(4, key.series_ticker);
      while (sum.step()) {
        total += readAmounts(sum, 0);
        any = true;
      }
      sum.reset();
    }
    StoreStatement& write = any ? upsert : remove;
    write.reset();
    write.bindText(1, key.day);
    write.bindInt(2, key.subaccount);
    write.bindText(3, key.category);
    write.bindText(4, key.series_ticker);
    if (any) {
      bindAmounts(write, 5, total);
      write.bind(18, cents(total.realized));
      write.bind(19, cents(total.fees));
    }
    write.run();
    write.reset();
  }
}

namespace {
std::string monthOf(const std::string& day) { return day.substr(0, 7); }
}  // namespace

void LedgerStore::refreshMonthlyEdge(const std::set<DailyKey>& keys) {
  std::set<std::string> months;
  for (const DailyKey& key : keys) months.insert(monthOf(key.day));
  if (!months.empty()) refreshMonthlyEdge(months);
}

void LedgerStore::refreshMonthlyEdge(const std::optional<std::set<std::string>>& months) {
  finishWrites();
  // (month, subaccount, category, series) -> its buckets, summed in closing order (brier_sum is a
  // double: the same order gives the same sum on every store).
  std::map<std::tuple<std::string, int64_t, std::string, std::string>, std::vector<EdgeBucket>>
      groups;
  auto add = [&](const ClosedPositionRow& row) {
    std::string month = monthOf(row.day);
    if (months && !months->count(month)) return;
    auto& buckets =
        groups[std::make_tuple(std::move(month), row.subaccount, row.category, row.series_ticker)];
    if (buckets.empty()) buckets = emptyEdge();
    addToEdge(buckets, row.position);
  };
  if (!months || months->size() > kScanAllMonthsFrom) {
    forEachClosedPosition(store_, LedgerFilter{}, /*ordered=*/true, add);
  } else {
    for (const std::string& month : *months) {
      LedgerFilter filter;
      filter.from = month + "-01";
      filter.to = LocalDays::monthEnd(filter.from);
      forEachClosedPosition(store_, filter, /*ordered=*/true, add);
    }
  }
  if (!months) {
    store_.exec("DELETE FROM kalshi_monthly_edge");
  } else {
    StoreStatement& remove =
        cached(store_, remove_edge_, "DELETE FROM kalshi_monthly_edge WHERE month = ?");
    for (const std::string& month : *months) {
      remove.reset();
      remove.bindText(1, month);
      remove.run();
    }
  }
  StoreStatement& insert = cached(store_, insert_edge_, upsertSql(monthlyEdgeTable()));
  for (const auto& [group, buckets] : groups) {
    for (const EdgeBucket& b : buckets) {
      if (b.positions == 0) continue;
      insert.reset();
      insert.bindText(1, std::get<0>(group));
      insert.bindInt(2, std::get<1>(group));
      insert.bindText(3, std::get<2>(group));
      insert.bindText(4, std::get<3>(group));
      insert.bindInt(5, b.bucket);
      insert.bindInt(6, b.positions);
      insert.bindText(7, b.contracts.toString());
      insert.bindText(8, b.entry_cost.toString());
      insert.bindText(9, b.realized.toString());
      insert.bindInt(10, b.settled);
      insert.bindText(11, b.settled_contracts.toString());
      insert.bindText(12, b.settled_cost.toString());
      insert.bindText(13, b.settled_payout.toString());
      insert.bindDouble(14, b.brier_sum);
      insert.run();
    }
  }
  insert.reset();
}

void LedgerStore::replaceClosedPositions(const std::string& ticker,
                                         const std::vector<ClosedPositionRow>& rows) {
  StoreStatement& remove =
      cached(store_, remove_closed_, "DELETE FROM kalshi_closed_positions WHERE ticker = ?");
  remove.bindText(1, ticker);
  remove.run();
  if (!closed_writer_) {
    const TableDefinition& table = closedPositionsTable();
    closed_writer_ = store_.bulkUpsert(table.name, table.columns, table.key);
  }
  BulkUpsert& insert = *closed_writer_;
  std::map<int64_t, int64_t> seq;  // per subaccount
  for (const ClosedPositionRow& row : rows) {
    const ClosedPosition& p = row.position;
    insert.bindText(1, ticker);
    insert.bindInt(2, row.subaccount);
    insert.bindInt(3, ++seq[row.subaccount]);
    insert.bindText(4, row.category);
    insert.bindText(5, row.series_ticker);
    insert.bindText(6, p.yes ? "yes" : "no");
    insert.bindText(7, Timestamp::fromMicros(p.opened_us).toIso8601());
    insert.bindText(8, Timestamp::fromMicros(p.closed_us).toIso8601());
    insert.bindText(9, row.day);
    insert.bindText(10, p.contracts.trimmed(2).toString());
    insert.bindText(11, p.entry_cost.toString());
    insert.bindText(12, p.contracts.isZero()
                            ? std::string("0")
                            : p.entry_cost.divide(p.contracts, 6, Rounding::kHalfEven).toString());
    insert.bindText(13, p.realized.toString());
    insert.bind(14, cents(p.realized));
    insert.bindText(15, p.fees.toString());
    insert.bindText(16, p.settled ? "settlement" : "trade");
    if (p.payout)
      insert.bindText(17, p.payout->toString());
    else
      insert.bindNull(17);
    insert.addRow();
  }
}

void LedgerStore::replaceTaxLots(const std::string& ticker, const std::vector<TaxLotRow>& rows) {
  if (!lots_writer_) {
    const TableDefinition& table = taxLotsTable();
    lots_writer_ = store_.bulkUpsert(table.name, table.columns, table.key);
  }
  using Lot = std::array<std::optional<std::string>, 11>;  // side .. gain_dollars
  auto make = [](const TaxLotRow& row) {
    const TaxLot& lot = row.lot;
    Lot values;
    values[0] = lot.yes ? "yes" : "no";
    values[1] = Timestamp::fromMicros(lot.acquired_us).toIso8601();
    values[2] = row.acquired_day;
    if (lot.closed_us) {
      values[3] = Timestamp::fromMicros(*lot.closed_us).toIso8601();
      values[4] = row.closed_day;
      values[5] = lot.settled ? "settlement" : "trade";
    }
    values[6] = lot.quantity.trimmed(2).toString();
    values[7] = lot.proceeds.toString();
    values[8] = lot.cost_basis.toString();
    values[9] = lot.opening_fee.toString();
    values[10] = lot.gain().toString();
    return values;
  };
  // Outside a pass over every market, the market's stored lots are read first and only those
  // that changed are written: a live run recomputes a market at each new fill, and all its lots
  // but the last few are as they were (rewriting them all cost most of its commit).
  std::map<std::pair<int64_t, int64_t>, Lot> stored;  // (subaccount, seq) ->
  if (!prefetched_days_) {
    StoreStatement& read =
        cached(store_, read_lots_,
               "SELECT subaccount, seq, side, acquired_at, acquired_day, closed_at, closed_day, "
               "closed_by, quantity_fp, proceeds_dollars, cost_basis_dollars, opening_fee_dollars, "
               "gain_dollars FROM kalshi_tax_lots WHERE ticker = ?");
    read.reset();
    read.bindText(1, ticker);
    while (read.step()) {
      Lot& values = stored[{read.columnInt(0), read.columnInt(1)}];
      for (size_t i = 0; i < values.size(); ++i) {
        const int column = static_cast<int>(i) + 2;
        if (read.columnType(column) != StoreStatement::ColumnType::kNull)
          values[i] = read.columnText(column);
      }
    }
    read.reset();
  } else {
    StoreStatement& remove =
        cached(store_, remove_lots_, "DELETE FROM kalshi_tax_lots WHERE ticker = ?");
    remove.reset();
    remove.bindText(1, ticker);
    remove.run();
    remove.reset();
  }
  BulkUpsert& insert = *lots_writer_;
  std::map<int64_t, int64_t> seq;  // per subaccount
  for (const TaxLotRow& row : rows) {
    const std::pair<int64_t, int64_t> key{row.subaccount, ++seq[row.subaccount]};
    const Lot values = make(row);
    auto found = stored.find(key);
    if (found != stored.end()) {
      const bool same = found->second == values;
      stored.erase(found);
      if (same) continue;
    }
    insert.bindText(1, ticker);
    insert.bindInt(2, key.first);
    insert.bindInt(3, key.second);
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i])
        insert.bindText(static_cast<int>(i) + 4, *values[i]);
      else
        insert.bindNull(static_cast<int>(i) + 4);
    }
    insert.addRow();
  }
  if (!stored.empty()) {  // lots the market no longer has
    StoreStatement& remove =
        cached(store_, remove_lot_,
               "DELETE FROM kalshi_tax_lots WHERE ticker = ? AND subaccount = ? AND seq = ?");
    for (const auto& entry : stored) {
      remove.reset();
      remove.bindText(1, ticker);
      remove.bindInt(2, entry.first.first);
      remove.bindInt(3, entry.first.second);
      remove.run();
      remove.reset();
    }
  }
}

void LedgerStore::finishWrites() {
  if (closed_writer_) closed_writer_->finish();
  if (lots_writer_) lots_writer_->finish();
  for (const TableDefinition* table : deferred_indexes_) createIndexes(store_, *table);
  deferred_indexes_.clear();
}

std::map<std::string, LedgerStore::CheckSpan> LedgerStore::marketsCheckedOtherwise(
    const std::string& day, int64_t check_us) {
  std::map<std::string, CheckSpan> markets;
  StoreStatementPtr query = store_.prepare(
      "SELECT ticker, check_us FROM kalshi_market_daily WHERE day = ? AND "
      "(check_us IS NULL OR check_us <> ?)");
  query->bindText(1, day);
  query->bindInt(2, check_us);
  while (query->step()) {
    CheckSpan span{check_us, std::numeric_limits<int64_t>::max()};  // no check: all after it
    if (!query->columnIsNull(1)) {
      const int64_t was = query->columnInt(1);
      span = {std::min(was, check_us), std::max(was, check_us)};
    }
    // A market's rows that day hold one check (unless a run stopped between them): both spans.
    auto [it, added] = markets.emplace(query->columnText(0), span);
    if (!added)
      it->second = {std::min(it->second.after_us, span.after_us),
                    std::max(it->second.until_us, span.until_us)};
  }
  return markets;
}

void LedgerStore::moveCheck(const std::string& day, int64_t check_us) {
  StoreStatementPtr update = store_.prepare(
      "UPDATE kalshi_market_daily SET check_us = ? WHERE day = ? AND "
      "(check_us IS NULL OR check_us <> ?)");
  update->bindInt(1, check_us);
  update->bindText(2, day);
  update->bindInt(3, check_us);
  update->run();
}

std::vector<BalanceCheck> LedgerStore::balanceChecks() {
  std::vector<BalanceCheck> checks;
  std::map<int64_t, size_t> by_snapshot;
  {
    StoreStatementPtr query = store_.prepare(
        "SELECT id, COALESCE(balance_read_at, taken_at), balance_dollars, balance_cents FROM "
        "kalshi_snapshots WHERE source = 'live' AND balance_cents IS NOT NULL ORDER BY id");
    while (query->step()) {
      const std::optional<int64_t> time = parseMicros(query->columnText(1));
      if (!time) continue;
      BalanceCheck check;
      check.time_us = *time;
      check.at = query->columnText(1);
      Decimal exact;
      if (!query->columnIsNull(2) && Decimal::parse(query->columnText(2), exact))
        check.balance = exact;
      else
        check.balance = Decimal(query->columnInt(3), 2);
      by_snapshot[query->columnInt(0)] = checks.size();
      checks.push_back(std::move(check));
    }
  }
  if (store_.tableExists(snapshotSubaccountsTable().name)) {
    StoreStatementPtr query = store_.prepare(
        "SELECT snapshot_id, subaccount, balance_dollars, balance_cents FROM "
        "kalshi_snapshot_subaccounts WHERE balance_cents IS NOT NULL");
    while (query->step()) {
      auto found = by_snapshot.find(query->columnInt(0));
      if (found == by_snapshot.end()) continue;
      Decimal exact;
      if (query->columnIsNull(2) || !Decimal::parse(query->columnText(2), exact))
        exact = Decimal(query->columnInt(3), 2);
      checks[found->second].subaccounts[query->columnInt(1)] = exact;
    }
  }
  std::stable_sort(checks.begin(), checks.end(), [](const BalanceCheck& a, const BalanceCheck& b) {
    return a.time_us < b.time_us;
  });
  return checks;
}

std::map<std::pair<std::string, int64_t>, DailyAmounts> LedgerStore::dailyTotals() {
  std::map<std::pair<std::string, int64_t>, DailyAmounts> totals;
  StoreStatementPtr query = store_.prepare(std::string("SELECT day, subaccount, ") +
                                           kAmountColumns + " FROM kalshi_daily_pnl");
  while (query->step()) {
    totals[{query->columnText(0), query->columnInt(1)}] += readAmounts(*query, 2);
  }
  return totals;
}

std::vector<CashTransfer> LedgerStore::appliedTransfers() {
  std::vector<CashTransfer> transfers;
  if (!store_.tableExists(transfersTable().name)) return transfers;
  StoreStatementPtr query = store_.prepare(
      "SELECT direction, amount_cents, fee_cents, COALESCE(finalized_at, created_at), created_at, "
      "subaccount, from_subaccount, to_subaccount FROM kalshi_transfers WHERE status = 'applied'");
  while (query->step()) {
    const std::string direction = query->columnText(0);
    const Decimal amount(query->columnInt(1), 2);
    const Decimal fee(query->columnInt(2), 2);
    if (direction == "subaccount_transfer") {
      const std::optional<int64_t> time = parseMicros(query->columnText(4));
      if (!time || query->columnIsNull(6) || query->columnIsNull(7)) continue;
      transfers.push_back({*time, query->columnInt(6), -amount, false});
      transfers.push_back({*time, query->columnInt(7), amount, false});
      continue;
    }
    const std::optional<int64_t> time = parseMicros(query->columnText(3));
    if (!time) continue;
    if (direction == "deposit") {
      transfers.push_back({*time, query->columnInt(5), amount - fee, true});
    } else if (direction == "withdrawal") {
      transfers.push_back({*time, query->columnInt(5), -(amount + fee), true});
    }
  }
  return transfers;
}

void LedgerStore::replaceEquity(const std::vector<EquityRow>& rows) {
  store_.exec("DELETE FROM kalshi_equity_daily");
  StoreStatementPtr insert = store_.prepare(upsertSql(equityDailyTable()));
  for (const EquityRow& row : rows) {
    insert->reset();
    int column = 0;
    auto next = [&]() { return ++column; };
    const std::optional<Decimal> equity =
        row.cash ? std::optional<Decimal>(*row.cash +
                                          (row.marked_value ? *row.marked_value : row.open_basis))
                 : std::nullopt;
    insert->bindText(next(), row.day);
    insert->bindInt(next(), row.day_start_s);
    insert->bindInt(next(), row.subaccount);
    insert->bind(next(), optionalCents(row.cash));
    insert->bind(next(), row.cash ? Value(row.cash->toString()) : Value());
    insert->bindText(next(), row.trading_cash_flow.toString());
    insert->bindText(next(), row.transfers.toString());
    insert->bind(next(), cents(row.trading_cash_flow));
    insert->bind(next(), cents(row.transfers));
    insert->bind(next(), cents(row.net_deposits));
    insert->bind(next(), cents(row.open_basis));
    insert->bindText(next(), row.open_basis.toString());
    insert->bind(next(), optionalCents(row.marked_value));
    insert->bind(next(), row.marked_value ? Value(row.marked_value->toString()) : Value());
    insert->bind(next(), optionalCents(equity));
    insert->bind(next(), cents(row.realized));
    insert->bindText(next(), row.realized.toString());
    insert->bind(next(), cents(row.fees));
    insert->bind(next(), optionalCents(row.reported_balance));
    insert->bind(next(), optionalCents(row.unexplained));
    insert->bind(next(), row.checked_at.empty() ? Value() : Value(row.checked_at));
    insert->run();
  }
}

std::optional<std::string> ledgerTimeZone(Store& store) {
  if (!store.tableExists(ledgerSettingsTable().name)) return std::nullopt;
  StoreStatementPtr query = store.prepare("SELECT timezone FROM kalshi_ledger_settings");
  if (!query->step()) return std::nullopt;
  return query->columnText(0);
}

namespace {

// " AND ..." conditions for `filter` and the values to bind, in order.
std::string whereClause(const LedgerFilter& filter, bool with_keys, std::vector<Value>& values) {
  std::string where = " WHERE 1 = 1";
  if (!filter.from.empty()) {
    where += " AND day >= ?";
    values.emplace_back(filter.from);
  }
  if (!filter.to.empty()) {
    where += " AND day <= ?";
    values.emplace_back(filter.to);
  }
  if (with_keys && filter.category) {
    where += " AND category = ?";
    values.emplace_back(*filter.category);
  }
  if (with_keys && filter.series_ticker) {
    where += " AND series_ticker = ?";
    values.emplace_back(*filter.series_ticker);
  }
  return where;
}

std::optional<Decimal> optionalDollars(const StoreStatement& query, int column) {
  Decimal value;
  if (query.columnIsNull(column) || !Decimal::parse(query.columnText(column), value))
    return std::nullopt;
  return value;
}
std::optional<Decimal> optionalCentsColumn(const StoreStatement& query, int column) {
  if (query.columnIsNull(column)) return std::nullopt;
  return Decimal(query.columnInt(column), 2);
}

}  // namespace

void forEachDailyLedger(Store& store, const LedgerFilter& filter, bool with_cash,
                        const std::function<void(const DailyKey&, const DailyAmounts&)>& visit) {
  if (!store.tableExists(dailyPnlTable().name)) return;
  std::vector<Value> values;
  const std::string amounts =
      with_cash ? std::string(kAmountColumns)
                : "realized_pnl_dollars, fees_dollars, contracts_bought_fp, contracts_sold_fp, "
                  "fills, markets_closed, winning_closes, losing_closes, won_dollars, lost_dollars";
  std::string sql = "SELECT day, subaccount, category, series_ticker, " + amounts +
                    " FROM kalshi_daily_pnl" + whereClause(filter, true, values);
  if (filter.subaccount) {
    sql += " AND subaccount = ?";
    values.emplace_back(*filter.subaccount);
  }
  StoreStatementPtr query =
      store.prepare(sql + " ORDER BY day, subaccount, category, series_ticker");
  for (size_t i = 0; i < values.size(); ++i) query->bind(static_cast<int>(i + 1), values[i]);
  DailyKey key;
  DailyAmounts a;
  while (query->step()) {
    key.day = query->columnText(0);
    key.subaccount = query->columnInt(1);
    key.category = query->columnText(2);
    key.series_ticker = query->columnText(3);
    if (with_cash) {
      a = readAmounts(*query, 4);
    } else {
      a.realized = decimalOr(query->columnText(4));
      a.fees = decimalOr(query->columnText(5));
      a.bought = decimalOr(query->columnText(6));
      a.sold = decimalOr(query->columnText(7));
      a.fills = query->columnInt(8);
      a.closes = query->columnInt(9);
      a.wins = query->columnInt(10);
      a.losses = query->columnInt(11);
      a.won = decimalOr(query->columnText(12));
      a.lost = decimalOr(query->columnText(13));
    }
    visit(key, a);
  }
}

std::vector<LedgerRow> readDailyLedger(Store& store, const LedgerFilter& filter) {
  std::vector<LedgerRow> rows;
  forEachDailyLedger(store, filter, /*with_cash=*/true,
                     [&](const DailyKey& key, const DailyAmounts& amounts) {
                       rows.push_back({key, amounts});
                     });
  return rows;
}

std::vector<LedgerRow> readDailyRealized(Store& store, const LedgerFilter& filter) {
  std::vector<LedgerRow> rows;
  if (!store.tableExists(dailyPnlTable().name)) return rows;
  std::vector<Value> values;
  std::string sql = "SELECT day, realized_pnl_dollars, fees_dollars FROM kalshi_daily_pnl" +
                    whereClause(filter, true, values);
  if (filter.subaccount) {
    sql += " AND subaccount = ?";
    values.emplace_back(*filter.subaccount);
  }
  StoreStatementPtr query = store.prepare(sql + " ORDER BY day");
  for (size_t i = 0; i < values.size(); ++i) query->bind(static_cast<int>(i + 1), values[i]);
  while (query->step()) {
    std::string day = query->columnText(0);
    if (rows.empty() || rows.back().key.day != day) {
      rows.emplace_back();
      rows.back().key.day = std::move(day);
    }
    rows.back().amounts.realized += decimalOr(query->columnText(1));
    rows.back().amounts.fees += decimalOr(query->columnText(2));
  }
  return rows;
}

DailyAmounts readLedgerTotals(Store& store, const LedgerFilter& filter) {
  DailyAmounts totals;
  if (!store.tableExists(dailyPnlTable().name)) return totals;
  std::vector<Value> values;
  std::string sql =
      "SELECT realized_pnl_dollars, fees_dollars, markets_closed, winning_closes, losing_closes "
      "FROM kalshi_daily_pnl" +
      whereClause(filter, true, values);
  if (filter.subaccount) {
    sql += " AND subaccount = ?";
    values.emplace_back(*filter.subaccount);
  }
  StoreStatementPtr query = store.prepare(sql);
  for (size_t i = 0; i < values.size(); ++i) query->bind(static_cast<int>(i + 1), values[i]);
  while (query->step()) {
    totals.realized += decimalOr(query->columnText(0));
    totals.fees += decimalOr(query->columnText(1));
    totals.closes += query->columnInt(2);
    totals.wins += query->columnInt(3);
    totals.losses += query->columnInt(4);
  }
  return totals;
}

void forEachClosedPosition(Store& store, const LedgerFilter& filter, bool ordered,
                           const std::function<void(const ClosedPositionRow&)>& visit) {
  if (!store.tableExists(closedPositionsTable().name)) return;
  std::vector<Value> values;
  // Only columns of kalshi_closed_positions_closing: the read never visits the table.
  std::string sql =
      "SELECT subaccount, category, series_ticker, day, contracts_fp, entry_cost_dollars, "
      "realized_pnl_dollars, closed_by, payout_dollars FROM kalshi_closed_positions" +
      whereClause(filter, true, values);
  if (filter.subaccount) {
    sql += " AND subaccount = ?";
    values.emplace_back(*filter.subaccount);
  }
  StoreStatementPtr query =
      store.prepare(sql + (ordered ? " ORDER BY day, closed_at, ticker, subaccount, seq" : ""));
  for (size_t i = 0; i < values.size(); ++i) query->bind(static_cast<int>(i + 1), values[i]);
  ClosedPositionRow row;
  while (query->step()) {
    row.subaccount = query->columnInt(0);
    row.category = query->columnText(1);
    row.series_ticker = query->columnText(2);
    row.day = query->columnText(3);
    ClosedPosition& p = row.position;
    p.contracts = decimalOr(query->columnText(4));
    p.entry_cost = decimalOr(query->columnText(5));
    p.realized = decimalOr(query->columnText(6));
    p.settled = query->columnText(7) == "settlement";
    p.payout = optionalDollars(*query, 8);
    visit(row);
  }
}

void forEachMonthlyEdge(
    Store& store, const std::string& from_month, const std::string& to_month,
    const LedgerFilter& filter,
    const std::function<void(const ClosedPositionRow&, const EdgeBucket&)>& visit) {
  if (!store.tableExists(monthlyEdgeTable().name)) return;
  std::vector<Value> values;
  LedgerFilter keys_only = filter;  // its days are not this table's
  keys_only.from.clear();
  keys_only.to.clear();
  std::string sql =
      "SELECT month, subaccount, category, series_ticker, bucket, positions, contracts_fp, "
      "entry_cost_dollars, realized_pnl_dollars, settled, settled_contracts_fp, "
      "settled_cost_dollars, settled_payout_dollars, brier_sum FROM kalshi_monthly_edge" +
      whereClause(keys_only, true, values);
  if (!from_month.empty()) {
    sql += " AND month >= ?";
    values.emplace_back(from_month);
  }
  if (!to_month.empty()) {
    sql += " AND month <= ?";
    values.emplace_back(to_month);
  }
  if (filter.subaccount) {
    sql += " AND subaccount = ?";
    values.emplace_back(*filter.subaccount);
  }
  StoreStatementPtr query = store.prepare(sql);
  for (size_t i = 0; i < values.size(); ++i) query->bind(static_cast<int>(i + 1), values[i]);
  ClosedPositionRow keys;
  EdgeBucket bucket;
  while (query->step()) {
    keys.day = query->columnText(0);
    keys.subaccount = query->columnInt(1);
    keys.category = query->columnText(2);
    keys.series_ticker = query->columnText(3);
    bucket.bucket = static_cast<int>(query->columnInt(4));
    if (bucket.bucket < 0 || bucket.bucket > 9) continue;  // not a bucket kalshi-direct writes
    bucket.positions = query->columnInt(5);
    bucket.contracts = decimalOr(query->columnText(6));
    bucket.entry_cost = decimalOr(query->columnText(7));
    bucket.realized = decimalOr(query->columnText(8));
    bucket.settled = query->columnInt(9);
    bucket.settled_contracts = decimalOr(query->columnText(10));
    bucket.settled_cost = decimalOr(query->columnText(11));
    bucket.settled_payout = decimalOr(query->columnText(12));
    bucket.brier_sum = query->columnDouble(13);
    visit(keys, bucket);
  }
}

std::vector<Decimal> readCloseResults(Store& store, const LedgerFilter& filter) {
  std::vector<Decimal> results;
  if (!store.tableExists(closedPositionsTable().name)) return results;
  std::vector<Value> values;
  std::string sql = "SELECT realized_pnl_dollars FROM kalshi_closed_positions" +
                    whereClause(filter, true, values);
  if (filter.subaccount) {
    sql += " AND subaccount = ?";
    values.emplace_back(*filter.subaccount);
  }
  StoreStatementPtr query =
      store.prepare(sql + " ORDER BY day, closed_at, ticker, subaccount, seq");
  for (size_t i = 0; i < values.size(); ++i) query->bind(static_cast<int>(i + 1), values[i]);
  while (query->step()) results.push_back(decimalOr(query->columnText(0)));
  return results;
}

namespace {

// Tax lots with `column` (closed_day / acquired_day) in the filter's days.
std::vector<TaxLotRow> readTaxLots(Store& store, const LedgerFilter& filter, const char* column) {
  std::vector<TaxLotRow> rows;
  if (!store.tableExists(taxLotsTable().name)) return rows;
  std::string sql =
      "SELECT ticker, subaccount, side, acquired_at, acquired_day, closed_at, closed_day, "
      "closed_by, quantity_fp, proceeds_dollars, cost_basis_dollars, opening_fee_dollars FROM "
      "kalshi_tax_lots WHERE ";
  sql += std::string(column) + " >= ? AND " + column + " <= ?";
  if (filter.subaccount) sql += " AND subaccount = ?";
  StoreStatementPtr query = store.prepare(sql + " ORDER BY " + column + ", closed_at, ticker, seq");
  query->bindText(1, filter.from.empty() ? "0000-00-00" : filter.from);
  query->bindText(2, filter.to.empty() ? "9999-99-99" : filter.to);
  if (filter.subaccount) query->bindInt(3, *filter.subaccount);
  while (query->step()) {
    TaxLotRow row;
    row.ticker = query->columnText(0);
    row.subaccount = query->columnInt(1);
    TaxLot& lot = row.lot;
    lot.yes = query->columnText(2) == "yes";
    row.acquired_day = query->columnText(4);
    if (!query->columnIsNull(5)) {
      lot.closed_us = 0;  // closed; the time is not read (closed_day says when)
      row.closed_day = query->columnText(6);
      lot.settled = query->columnText(7) == "settlement";
    }
    lot.quantity = decimalOr(query->columnText(8));
    lot.proceeds = decimalOr(query->columnText(9));
    lot.cost_basis = decimalOr(query->columnText(10));
    lot.opening_fee = decimalOr(query->columnText(11));
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace

std::vector<TaxLotRow> readTaxLotsClosed(Store& store, const LedgerFilter& filter) {
  return readTaxLots(store, filter, "closed_day");
}

std::vector<TaxLotRow> readTaxLotsAcquired(Store& store, const LedgerFilter& filter) {
  return readTaxLots(store, filter, "acquired_day");
}

std::vector<EquityRow> readEquity(Store& store, const LedgerFilter& filter) {
  std::vector<EquityRow> rows;
  if (!store.tableExists(equityDailyTable().name)) return rows;
  std::vector<Value> values;
  std::string sql =
      "SELECT day, subaccount, cash_balance_dollars, net_deposits_cents, open_basis_dollars, "
      "marked_value_dollars, realized_pnl_dollars, fees_cents, reported_balance_cents, "
      "unexplained_cents, checked_at, trading_cash_flow_dollars, transfers_dollars FROM "
      "kalshi_equity_daily" +
      whereClause(filter, false, values) + " AND subaccount = ?";
  int64_t scope = filter.subaccount.value_or(-1);
  if (scope == 0) {
    // An account that trades from one subaccount only has rows for the whole account (-1): the
    // primary's are those.
    StoreStatementPtr own =
        store.prepare("SELECT 1 FROM kalshi_equity_daily WHERE subaccount = 0 LIMIT 1");
    if (!own->step()) scope = -1;
  }
  values.emplace_back(scope);
  StoreStatementPtr query = store.prepare(sql + " ORDER BY day");
  for (size_t i = 0; i < values.size(); ++i) query->bind(static_cast<int>(i + 1), values[i]);
  while (query->step()) {
    EquityRow row;
    row.day = query->columnText(0);
    row.subaccount = query->columnInt(1);
    row.cash = optionalDollars(*query, 2);
    row.net_deposits = Decimal(query->columnInt(3), 2);
    row.open_basis = optionalDollars(*query, 4).value_or(Decimal());
    row.marked_value = optionalDollars(*query, 5);
    row.realized = optionalDollars(*query, 6).value_or(Decimal());
    row.fees = Decimal(query->columnInt(7), 2);
    row.reported_balance = optionalCentsColumn(*query, 8);
    row.unexplained = optionalCentsColumn(*query, 9);
    if (!query->columnIsNull(10)) row.checked_at = query->columnText(10);
    row.trading_cash_flow = optionalDollars(*query, 11).value_or(Decimal());
    row.transfers = optionalDollars(*query, 12).value_or(Decimal());
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace kalshi
}  // namespace kalshi_direct

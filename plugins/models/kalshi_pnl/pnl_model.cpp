#include "pnl_model.h"

#include <algorithm>
#include <map>

#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

Decimal decimalOr(const std::string& text, Decimal fallback = {}) {
  Decimal value;
  return Decimal::parse(text, value) ? value : fallback;
}

std::optional<Decimal> optionalDecimal(StoreStatement& query, int column) {
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

int64_t countRows(Store& database, const char* table) {
  if (!database.tableExists(table)) return 0;
  StoreStatementPtr query = database.prepare(std::string("SELECT count(*) FROM ") + table);
  return query->step() ? query->columnInt(0) : 0;
}

// Money the account's owner put in, net: applied deposits (what they credited: amount - fee) minus
// applied withdrawals and their fees. Transfers between subaccounts move no money in or out.
// Unknown (nullopt) when the transfers were never read.
std::optional<int64_t> netDepositsCents(Store& database) {
  if (!database.tableExists("kalshi_transfers")) return std::nullopt;
  StoreStatementPtr query = database.prepare(
      "SELECT COALESCE(SUM(CASE direction WHEN 'deposit' THEN amount_cents - fee_cents "
      "ELSE -(amount_cents + fee_cents) END), 0) FROM kalshi_transfers "
      "WHERE status = 'applied' AND direction IN ('deposit', 'withdrawal')");
  return query->step() ? std::optional<int64_t>(query->columnInt(0)) : std::nullopt;
}

// Whether the snapshot's figures rest on the whole history (kalshi_history, written from the
// source's `history` stream): complete when fills, orders and settlements were each read in full
// (coverage 'all'); unknown when nothing says. `note` names what is missing.
struct History {
  std::optional<bool> complete;
  std::string note;
};

History historyOf(Store& database) {
  History history;
  if (!database.tableExists("kalshi_history")) return history;
  StoreStatementPtr rows = database.prepare(
      "SELECT stream, coverage, complete_since FROM kalshi_history ORDER BY stream");
  // What is missing -> the streams it is missing from ("fills, orders only since ...").
  std::map<std::string, std::string> missing;
  bool any = false;
  while (rows->step()) {
    any = true;
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
  if (any) history.complete = missing.empty();
  return history;
}

}  // namespace

namespace {

constexpr const char* kFillColumns =
    "ticker, id, order_id, category, outcome_side, quantity_fp, yes_price_dollars, "
    "no_price_dollars, fee_dollars, "
    "filled_at_us, subaccount FROM kalshi_fills";

PnlModel::SubaccountFill fillFromRow(const StoreStatement& query) {
  PnlModel::SubaccountFill out;
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

}  // namespace

// The statements a recompute runs per market, prepared once per finish(). Order P&L updates are
// buffered and applied sorted by order id (random ids, like RowWriter's sorted runs).
struct PnlModel::Recompute {
  explicit Recompute(Store& db)
      : settlement(db.prepare(
            "SELECT market_result, value_cents, revenue_cents, fee_dollars, yes_count_fp, "
            "no_count_fp, settled_at_us, category, subaccount FROM kalshi_settlements WHERE "
            "ticker = ?")),
        prices(db.prepare("SELECT category, last_price_dollars, yes_bid_dollars, yes_ask_dollars "
                          "FROM kalshi_markets WHERE ticker = ?")),
        remove(db.prepare("DELETE FROM kalshi_market_pnl WHERE ticker = ?")),
        insert(db.prepare(upsertSql(marketPnlTable()))),
        order_pnl(db.prepare("UPDATE kalshi_orders SET pnl_cents = ? WHERE id = ?")),
        position_category(
            db.prepare("SELECT category FROM kalshi_positions WHERE ticker = ? LIMIT 1")) {}

  void addOrderPnl(std::string order_id, int64_t cents) {
    order_updates.emplace_back(std::move(order_id), cents);
    if (order_updates.size() >= 50000) flushOrderPnl();
  }
  void flushOrderPnl() {
    std::sort(order_updates.begin(), order_updates.end());
    for (const auto& [order_id, cents] : order_updates) {
      order_pnl->bindInt(1, cents);
      order_pnl->bindText(2, order_id);
      order_pnl->run();
    }
    order_updates.clear();
  }

  StoreStatementPtr settlement, prices, remove, insert, order_pnl, position_category;
  std::vector<std::pair<std::string, int64_t>> order_updates;
  uint64_t incomplete = 0;
  const std::string updated_at = Timestamp::now().toIso8601();
};

void PnlModel::recomputeMarket(const std::string& ticker, std::vector<SubaccountFill> fills,
                               Recompute& r) {
  // Each subaccount holds its own position in the market, settled on its own.
  std::map<int64_t, std::optional<SettlementEvent>> settlements;
  std::string category;
  r.settlement->reset();
  r.settlement->bindText(1, ticker);
  while (r.settlement->step()) {
    StoreStatement& query = *r.settlement;
    SettlementEvent event;
    event.result = query.columnText(0);
    if (!query.columnIsNull(1)) event.value_cents = query.columnInt(1);
    event.revenue_cents = query.columnInt(2);
    event.fee = decimalOr(query.columnText(3));
    event.yes_count = decimalOr(query.columnText(4));
    event.no_count = decimalOr(query.columnText(5));
    event.time_us = query.columnInt(6);
    if (!query.columnIsNull(7)) category = query.columnText(7);
    settlements[query.columnInt(8)] = event;
  }
  r.settlement->reset();
  MarketPrices prices;
  r.prices->reset();
  r.prices->bindText(1, ticker);
  if (r.prices->step()) {
    StoreStatement& query = *r.prices;
    if (!query.columnIsNull(0) && !query.columnText(0).empty()) category = query.columnText(0);
    prices.last = optionalDecimal(query, 1);
    prices.bid = optionalDecimal(query, 2);
    prices.ask = optionalDecimal(query, 3);
  }
  r.prices->reset();
  if (category.empty()) {
    r.position_category->bindText(1, ticker);
    if (r.position_category->step() && !r.position_category->columnIsNull(0)) {
      category = r.position_category->columnText(0);
    }
    r.position_category->reset();
  }
  if (category.empty()) category = fills.empty() ? "other" : fills.front().fill.category;

  std::map<int64_t, std::vector<FillEvent>> by_subaccount;
  for (auto& [subaccount, ignored] : settlements) by_subaccount[subaccount];
  for (auto& entry : fills) by_subaccount[entry.subaccount].push_back(std::move(entry.fill));
  if (by_subaccount.empty()) by_subaccount[0];  // nothing left: the market's rows are removed below
  r.remove->bindText(1, ticker);
  r.remove->run();
  for (auto& [subaccount, subaccount_fills] : by_subaccount) {
    if (subaccount_fills.empty() && !settlements[subaccount]) continue;
    const MarketResult result = computeMarket(std::move(subaccount_fills), settlements[subaccount],
                                              prices, category, options_.accounting);
    if (result.settlement_mismatch) {
      ++r.incomplete;
      context_->log(LogLevel::kDebug, "market " + ticker + " (subaccount " +
                                          std::to_string(subaccount) +
                                          "): " + *result.settlement_mismatch);
    }
    for (const auto& [row_category, amounts] : result.by_category) {
      StoreStatement& insert = *r.insert;
      insert.bindText(1, ticker);
      insert.bindText(2, row_category);
      insert.bindText(3, amounts.realized.toString());
      insert.bindText(4, amounts.unrealized.toString());
      insert.bindText(5, amounts.fees.toString());
      insert.bindText(6, amounts.cash_flow.toString());
      // The position and mark belong to the market: on the market category's row, zero elsewhere.
      const bool market_row = row_category == category;
      insert.bindText(7, market_row ? result.position.rescaled(2).toString() : "0.00");
      if (market_row && result.mark)
        insert.bindText(8, result.mark->toString());
      else
        insert.bindNull(8);
      insert.bindText(9, r.updated_at);
      insert.bindInt(10, subaccount);
      insert.run();
    }
    for (const auto& [order_id, pnl] : result.pnl_by_order) {
      r.addOrderPnl(order_id, pnl.toUnits(2, Rounding::kHalfAwayFromZero));
    }
  }
}

uint64_t PnlModel::recomputeMarkets(const std::set<std::string>& tickers) {
  Recompute r(*database_);
  if (tickers.size() >= kBulkRecomputeMarkets) {
    // Many markets (a backfill): one pass over kalshi_fills in table order, sorted by SQLite's
    // external sorter, instead of an index probe plus a random page read per fill.
    SortMemoryLimit sort_memory(*database_);
    StoreStatementPtr query =
        database_->prepare(std::string("SELECT ") + kFillColumns + " NOT INDEXED ORDER BY ticker");
    std::string current;
    bool wanted = false;  // current is one of `tickers`
    std::vector<SubaccountFill> fills;
    std::set<std::string> done;
    auto finishCurrent = [&] {
      if (wanted) {
        recomputeMarket(current, std::move(fills), r);
        done.insert(current);
      }
      fills.clear();
    };
    while (query->step()) {
      std::string ticker = query->columnText(0);
      if (ticker != current) {
        finishCurrent();
        current = std::move(ticker);
        wanted = tickers.count(current) > 0;
      }
      if (wanted) fills.push_back(fillFromRow(*query));
    }
    finishCurrent();
    for (const auto& ticker : tickers) {
      if (!done.count(ticker)) recomputeMarket(ticker, {}, r);  // settled without fills here
    }
  } else {
    StoreStatementPtr query =
        database_->prepare(std::string("SELECT ") + kFillColumns + " WHERE ticker = ?");
    for (const auto& ticker : tickers) {
      std::vector<SubaccountFill> fills;
      query->bindText(1, ticker);
      while (query->step()) fills.push_back(fillFromRow(*query));
      query->reset();
      recomputeMarket(ticker, std::move(fills), r);
    }
  }
  r.flushOrderPnl();
  return r.incomplete;
}

std::vector<std::string> PnlModel::tablesRead() {
  return {fillsTable().name,       ordersTable().name,    transfersTable().name,
          accountTable().name,     positionsTable().name, marketsTable().name,
          settlementsTable().name, historyTable().name,   subaccountBalancesTable().name,
          pnlDirtyTable().name};
}

std::vector<std::string> PnlModel::tablesWritten() {
  std::vector<std::string> names;
  for (const TableDefinition* table :
       {&snapshotsTable(), &snapshotPnlTable(), &snapshotSubaccountsTable(), &marketPnlTable(),
        &reconciliationTable()}) {
    names.push_back(table->name);
  }
  return names;
}

Status PnlModel::open(ModelContext& context) {
  context_ = &context;
  database_ = &context.store();
  recompute_all_pending_ = options_.recompute_all;
  try {
    ensureSchema(*database_);
    // The tables it reads, so that a pipeline that has not written them yet reads them empty.
    // kalshi_orders / kalshi_fills may be bulk loading with their indexes deferred: run() builds
    // them before it reads.
    for (const TableDefinition* table : {&ordersTable(), &fillsTable()})
      createTable(*database_, *table, true);
    for (const TableDefinition* table :
         {&marketsTable(), &settlementsTable(), &positionsTable(), &accountTable(),
          &subaccountBalancesTable(), &pnlDirtyTable(), &snapshotsTable(), &snapshotPnlTable(),
          &marketPnlTable(), &reconciliationTable(), &snapshotSubaccountsTable()}) {
      createTable(*database_, *table, false);  // with the migrations an older database needs
    }
  } catch (const TableConflict& conflict) {
    return Status::invalidConfig(conflict.what());  // before any I/O: exit 2, nothing written
  }
  return Status::ok();
}

namespace {

// kalshi_account without a snapshot: the balance or the positions were replaced since the last.
bool accountChanged(Store& database) {
  StoreStatementPtr query =
      database.prepare("SELECT 1 FROM kalshi_account WHERE snapshot_id IS NULL");
  return query->step();
}

bool anyDirty(Store& database) {
  StoreStatementPtr query = database.prepare("SELECT 1 FROM kalshi_pnl_dirty LIMIT 1");
  return query->step();
}

}  // namespace

std::set<std::string> PnlModel::marketsToRecompute(bool account_changed) {
  std::set<std::string> tickers;
  if (recompute_all_pending_ || countRows(*database_, "kalshi_market_pnl") == 0) {
    StoreStatementPtr all = database_->prepare(
        "SELECT DISTINCT ticker FROM kalshi_fills UNION "
        "SELECT ticker FROM kalshi_settlements");
    while (all->step()) tickers.insert(all->columnText(0));
    return tickers;
  }
  {
    StoreStatementPtr dirty = database_->prepare("SELECT ticker FROM kalshi_pnl_dirty");
    while (dirty->step()) tickers.insert(dirty->columnText(0));
  }
  if (!account_changed) return tickers;
  // A new account state: the open positions' marks (or their closing) may have changed, also
  // of markets open at the last snapshot.
  StoreStatementPtr open = database_->prepare(
      "SELECT ticker FROM kalshi_positions WHERE position_fp NOT IN ('0', '0.00') UNION "
      "SELECT ticker FROM kalshi_market_pnl WHERE position_fp NOT IN ('0', '0.00')");
  while (open->step()) tickers.insert(open->columnText(0));
  return tickers;
}

Status PnlModel::run(const ModelRun& info) {
  const bool account_changed = accountChanged(*database_);
  if (!recompute_all_pending_ && !account_changed && !anyDirty(*database_)) return Status::ok();
  for (const TableDefinition* table : {&ordersTable(), &fillsTable()})
    createIndexes(*database_, *table);
  const std::set<std::string> tickers = marketsToRecompute(account_changed);
  recompute_all_pending_ = false;
  const uint64_t incomplete = recomputeMarkets(tickers);
  database_->exec("DELETE FROM kalshi_pnl_dirty");
  context_->addCounter("markets_recomputed", tickers.size());
  if (incomplete > 0 && info.end_of_input && !warned_incomplete_) {
    warned_incomplete_ = true;
    context_->addCounter("markets_with_incomplete_history", incomplete);
    context_->log(
        LogLevel::kWarning,
        std::to_string(incomplete) +
            " settled markets hold fewer fills in the database than "
            "Kalshi settled: their history is incomplete and their P&L understated or overstated; "
            "run `kalshi-direct run backfill --full` (details with --verbose)");
  }
  writeSnapshot(account_changed, info.end_of_input);
  return Status::ok();
}

int64_t PnlModel::writeSnapshot(bool account_changed, bool end_of_input) {
  // Totals per category from every market's exact amounts.
  std::map<std::string, Amounts> by_category;
  for (const auto& name : options_.categories) by_category[name];
  Amounts total;
  std::map<int64_t, Amounts> by_subaccount;
  // (subaccount, ticker) -> (realized before fees, fees)
  std::map<std::pair<int64_t, std::string>, std::pair<Decimal, Decimal>> computed;
  {
    StoreStatementPtr query = database_->prepare(
        "SELECT ticker, category, realized_dollars, unrealized_dollars, fees_dollars, "
        "cash_flow_dollars, subaccount FROM kalshi_market_pnl");
    while (query->step()) {
      Amounts amounts;
      amounts.realized = decimalOr(query->columnText(2));
      amounts.unrealized = decimalOr(query->columnText(3));
      amounts.fees = decimalOr(query->columnText(4));
      amounts.cash_flow = decimalOr(query->columnText(5));
      by_category[query->columnText(1)] += amounts;
      by_subaccount[query->columnInt(6)] += amounts;
      total += amounts;
      auto& market = computed[{query->columnInt(6), query->columnText(0)}];
      market.first += amounts.realized + amounts.fees;
      market.second += amounts.fees;
    }
  }

  // The account's last known state (kalshi_account sink); none: only the P&L is known.
  std::string source = "live";
  Value balance_cents, balance_dollars, portfolio_value, open_positions;
  {
    StoreStatementPtr account = database_->prepare(
        "SELECT source, balance_cents, balance_dollars, portfolio_value_cents, positions_read_at "
        "FROM kalshi_account WHERE id = 1");
    if (account->step()) {
      source = account->columnText(0);
      if (!account->columnIsNull(1)) balance_cents = Value(account->columnInt(1));
      if (!account->columnIsNull(2)) balance_dollars = Value(account->columnText(2));
      if (!account->columnIsNull(3)) portfolio_value = Value(account->columnInt(3));
      if (!account->columnIsNull(4)) {
        StoreStatementPtr count = database_->prepare(
            "SELECT count(*) FROM kalshi_positions WHERE position_fp NOT IN ('0', '0.00')");
        open_positions = Value(count->step() ? count->columnInt(0) : 0);
      }
    }
  }
  const std::string taken_at = Timestamp::now().toIso8601();
  int64_t snapshot_id = 0;
  {
    StoreStatementPtr insert = database_->prepare(upsertSql(snapshotsTable()) + " RETURNING id");
    insert->bindText(1, taken_at);
    insert->bindText(2, source);
    insert->bind(3, balance_cents);
    insert->bind(4, portfolio_value);
    insert->bind(5, open_positions);
    insert->bindInt(6, countRows(*database_, "kalshi_orders"));
    insert->bindInt(7, countRows(*database_, "kalshi_fills"));
    bindAmounts(*insert, 8, total);
    insert->bind(14, balance_dollars);
    const std::optional<int64_t> net_deposits = netDepositsCents(*database_);
    insert->bind(15, net_deposits ? Value(*net_deposits) : Value());
    insert->bind(16, net_deposits ? Value(Decimal(*net_deposits, 2).toString()) : Value());
    const History history = historyOf(*database_);
    insert->bind(17, history.complete ? Value(int64_t{*history.complete ? 1 : 0}) : Value());
    insert->bind(18, history.note.empty() ? Value() : Value(history.note));
    if (!insert->step())
      throw StoreError("kalshi_snapshots: the new snapshot's id was not returned");
    snapshot_id = insert->columnInt(0);
    insert->run();
  }
  {
    StoreStatementPtr insert = database_->prepare(upsertSql(snapshotPnlTable()));
    for (const auto& [name, amounts] : by_category) {
      insert->bindInt(1, snapshot_id);
      insert->bindText(2, name);
      bindAmounts(*insert, 3, amounts);
      insert->run();
    }
  }
  {
    // Several subaccounts: each one's balance and P&L (the snapshot row holds their total).
    std::map<int64_t, std::pair<Value, Value>> balances;  // cents, dollars
    StoreStatementPtr query = database_->prepare(
        "SELECT subaccount, balance_cents, balance_dollars FROM kalshi_subaccount_balances");
    while (query->step()) {
      balances[query->columnInt(0)] = {
          query->columnIsNull(1) ? Value() : Value(query->columnInt(1)),
          query->columnIsNull(2) ? Value() : Value(query->columnText(2))};
    }
    if (!balances.empty() || by_subaccount.size() > 1 ||
        (by_subaccount.size() == 1 && by_subaccount.begin()->first != 0)) {
      for (const auto& entry : balances) by_subaccount[entry.first];
      StoreStatementPtr insert = database_->prepare(upsertSql(snapshotSubaccountsTable()));
      for (const auto& [subaccount, amounts] : by_subaccount) {
        auto balance = balances.find(subaccount);
        insert->bindInt(1, snapshot_id);
        insert->bindInt(2, subaccount);
        insert->bind(3, balance == balances.end() ? Value() : balance->second.first);
        insert->bind(4, balance == balances.end() ? Value() : balance->second.second);
        bindAmounts(*insert, 5, amounts);
        insert->run();
      }
    }
  }
  if (account_changed) {
    // The positions the kalshi_account sink wrote since the last snapshot: compare Kalshi's
    // figures with ours (only when fresh: a fallback's are as old as the state it serves).
    uint64_t differences = 0;
    if (source == "live") {
      StoreStatementPtr reconcile = database_->prepare(upsertSql(reconciliationTable()));
      StoreStatementPtr positions = database_->prepare(
          "SELECT ticker, realized_pnl_dollars, fees_paid_dollars, subaccount FROM "
          "kalshi_positions WHERE snapshot_id IS NULL");
      while (positions->step()) {
        const std::string ticker = positions->columnText(0);
        const int64_t subaccount = positions->columnInt(3);
        auto mine = computed.find({subaccount, ticker});
        const Decimal realized = mine == computed.end() ? Decimal() : mine->second.first;
        const Decimal fees = mine == computed.end() ? Decimal() : mine->second.second;
        auto compare = [&](const char* field, const Decimal& ours,
                           const std::optional<Decimal>& theirs) {
          if (!theirs) return;
          const Decimal difference = ours - *theirs;
          const Decimal magnitude = difference.sign() < 0 ? -difference : difference;
          if (magnitude <= options_.tolerance) return;
          ++differences;
          reconcile->bindInt(1, snapshot_id);
          reconcile->bindText(2, ticker);
          reconcile->bindText(3, field);
          reconcile->bindText(4, ours.toString());
          reconcile->bindText(5, theirs->toString());
          reconcile->bindText(6, difference.toString());
          reconcile->bindInt(7, subaccount);
          reconcile->run();
        };
        compare("realized_pnl", realized, optionalDecimal(*positions, 1));
        compare("fees_paid", fees, optionalDecimal(*positions, 2));
      }
    }
    context_->addCounter("reconciliation_differences", differences);
    if (differences > 0) {
      context_->log(
          LogLevel::kWarning,
          std::to_string(differences) + " market figures differ from Kalshi's by more than $" +
              options_.tolerance.toString() +
              (context_->dryRun()
                   ? std::string(" (dry run: not recorded)")
                   : " (see kalshi_reconciliation, snapshot " + std::to_string(snapshot_id) + ")"));
    }
    StoreStatementPtr stamp =
        database_->prepare("UPDATE kalshi_positions SET snapshot_id = ? WHERE snapshot_id IS NULL");
    stamp->bindInt(1, snapshot_id);
    stamp->run();
    StoreStatementPtr account =
        database_->prepare("UPDATE kalshi_account SET snapshot_id = ? WHERE id = 1");
    account->bindInt(1, snapshot_id);
    account->run();
  }
  // A dry run rolls the snapshot back: it is what would have been recorded, with no number.
  // Said once per run (at its end); the snapshots of the commits before are debug lines.
  context_->log(end_of_input ? LogLevel::kInfo : LogLevel::kDebug,
                (context_->dryRun() ? std::string("snapshot (dry run, not written)")
                                    : "snapshot " + std::to_string(snapshot_id)) +
                    " (" + source + "): realized " + total.realized.rescaled(2).toString() +
                    ", unrealized " + total.unrealized.rescaled(2).toString() + ", fees " +
                    total.fees.rescaled(2).toString() + " dollars");
  return snapshot_id;
}

}  // namespace kalshi
}  // namespace kalshi_direct

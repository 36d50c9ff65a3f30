#include "pnl_model.h"

#include <algorithm>
#include <map>

namespace kalshi_direct {
namespace kalshi {

// What one recompute pass carries from market to market. Order P&L updates are buffered and
// applied sorted by order id (random ids, like RowWriter's sorted runs).
struct PnlModel::Recompute {
  explicit Recompute(PnlStore& store) : store(store) {}
  // A market's orders: each one's exact P&L, and whole cents that add up to the market's
  // realized P&L rounded once (apportionCents); apportionOrderCents() then moves a market's total
  // by a cent where the account's total needs it.
  void addMarketOrders(const std::string& ticker,
                       const std::map<std::string, Decimal>& pnl_by_order) {
    if (pnl_by_order.empty()) return;
    std::vector<Decimal> amounts;
    Decimal sum;
    for (const auto& entry : pnl_by_order) {
      amounts.push_back(entry.second);
      sum += entry.second;
    }
    const int64_t target = sum.toUnits(2, Rounding::kHalfAwayFromZero);
    const std::vector<int64_t> cents = apportionCents(amounts, target);
    size_t i = 0;
    for (const auto& [order_id, pnl] : pnl_by_order)
      order_updates.push_back({order_id, cents[i++], pnl});
    market_cents[ticker] = target;
    if (order_updates.size() >= 50000) stageOrderPnl();
  }
  void stageOrderPnl() {
    store.setOrderPnl(order_updates);
    order_updates.clear();
  }
  void flushOrderPnl() {
    stageOrderPnl();
    store.applyOrderPnl();
  }

  PnlStore& store;
  std::vector<PnlStore::OrderPnl> order_updates;
  std::map<std::string, int64_t> market_cents;  // what each market's order cents add up to now
  std::set<DailyKey> touched_days;              // the kalshi_daily_pnl rows to sum again
  uint64_t incomplete = 0;
  const std::string updated_at = Timestamp::now().toIso8601();
};

void PnlModel::recomputeMarket(const std::string& ticker,
                               std::vector<PnlStore::SubaccountFill> fills, Recompute& r) {
  // Each subaccount holds its own position in the market, settled on its own.
  PnlStore::MarketInputs inputs = r.store.marketInputs(ticker);
  std::string category = inputs.category;
  if (category.empty()) category = fills.empty() ? "other" : fills.front().fill.category;

  std::map<DailyKey, MarketDay> days;
  std::vector<ClosedPositionRow> closed;
  std::map<std::string, Decimal> market_orders;  // order id -> P&L
  std::vector<TaxLotRow> tax_lots;
  std::map<int64_t, std::vector<FillEvent>> by_subaccount;
  for (auto& [subaccount, ignored] : inputs.settlements) by_subaccount[subaccount];
  for (auto& entry : fills) by_subaccount[entry.subaccount].push_back(std::move(entry.fill));
  std::vector<PnlStore::MarketPnlRow> rows;
  for (auto& [subaccount, subaccount_fills] : by_subaccount) {
    const std::optional<SettlementEvent>& settlement = inputs.settlements[subaccount];
    if (subaccount_fills.empty() && !settlement) continue;
    // Lots of undated fills or an undated settlement are dated as the ledger dates them.
    int64_t first_us = 0, last_us = 0;
    for (const FillEvent& fill : subaccount_fills) {
      if (fill.time_us <= 0) continue;
      if (first_us == 0 || fill.time_us < first_us) first_us = fill.time_us;
      last_us = std::max(last_us, fill.time_us);
    }
    if (first_us == 0) first_us = last_us = Timestamp::now().micros();
    for (TaxLot& lot : taxLots(subaccount_fills, settlement)) {
      TaxLotRow row;
      row.subaccount = subaccount;
      if (lot.acquired_us <= 0) lot.acquired_us = first_us;
      if (lot.closed_us && *lot.closed_us <= 0) lot.closed_us = lot.settled ? last_us : first_us;
      row.acquired_day = days_->dayOf(lot.acquired_us);
      if (lot.closed_us) row.closed_day = days_->dayOf(*lot.closed_us);
      row.lot = std::move(lot);
      tax_lots.push_back(std::move(row));
    }
    const MarketResult result = computeMarket(std::move(subaccount_fills), settlement,
                                              inputs.prices, category, options_.accounting);
    if (result.settlement_mismatch) {
      ++r.incomplete;
      context_->log(LogLevel::kDebug, "market " + ticker + " (subaccount " +
                                          std::to_string(subaccount) +
                                          "): " + *result.settlement_mismatch);
    }
    for (const auto& [row_category, amounts] : result.by_category) {
      // The position and mark belong to the market: on the market category's row, zero elsewhere.
      const bool market_row = row_category == category;
      rows.push_back({row_category, subaccount, amounts, market_row ? result.position : Decimal(),
                      market_row ? result.mark : std::nullopt});
    }
    for (const auto& [order_id, pnl] : result.pnl_by_order) market_orders[order_id] += pnl;
    addMarketLedger(result, subaccount, category, inputs.series_ticker, *days_, day_checks_, days,
                    closed);
  }
  r.addMarketOrders(ticker, market_orders);
  r.store.replaceMarketPnl(ticker, rows, r.updated_at);  // none: the market's rows are removed
  std::vector<MarketDay> day_rows;
  day_rows.reserve(days.size());
  for (auto& entry : days) day_rows.push_back(std::move(entry.second));
  ledger_->replaceMarketDays(ticker, day_rows, r.touched_days);
  ledger_->replaceClosedPositions(ticker, closed);
  ledger_->replaceTaxLots(ticker, tax_lots);
}

uint64_t PnlModel::recomputeMarkets(const std::set<std::string>& tickers, bool last_commit) {
  Recompute r(*store_);
  std::optional<std::map<std::string, Decimal>> realized_before;  // of a few markets
  if (tickers.size() >= kBulkRecomputeMarkets) {
    // Many markets (a backfill): one sorted pass over every fill, with every market's other
    // inputs read at once.
    store_->prefetchMarketInputs();
    ledger_->prefetchMarketDays();
    store_->beginOrderPnlPass();
    struct Forget {
      PnlStore& store;
      LedgerStore& ledger;
      ~Forget() {  // also when a market's computation throws
        store.forgetMarketInputs();
        ledger.forgetMarketDays();
      }
    } forget{*store_, *ledger_};
    std::set<std::string> done;
    store_->forEachMarketFills(
        [&](const std::string& ticker, std::vector<PnlStore::SubaccountFill>&& fills) {
          if (!tickers.count(ticker)) return;
          recomputeMarket(ticker, std::move(fills), r);
          done.insert(ticker);
        });
    for (const auto& ticker : tickers) {
      if (!done.count(ticker)) recomputeMarket(ticker, {}, r);  // settled without fills here
    }
  } else {
    realized_before = store_->marketRealized(tickers);
    for (const auto& ticker : tickers) recomputeMarket(ticker, store_->fillsOf(ticker), r);
  }
  r.flushOrderPnl();
  ledger_->refreshDaily(r.touched_days);
  refreshEdge(r.touched_days, last_commit);
  // The markets' realized P&L did not change (a price moved, a balance check split a day): every
  // market's share of the account's rounded cents is what it was, so only these markets' orders
  // go back to their stored cents, without reading every market.
  if (!realized_before || store_->marketRealized(tickers) != *realized_before ||
      !restoreOrderCents(r.market_cents)) {
    apportionOrderCents(r.market_cents);
  }
  return r.incomplete;
}

bool PnlModel::restoreOrderCents(const std::map<std::string, int64_t>& recomputed) {
  std::map<std::string, int64_t> stored;
  for (const auto& entry : recomputed) {
    const std::optional<int64_t> cents = store_->marketOrderCents(entry.first);
    if (!cents) return false;  // never apportioned: the whole account's apportionment
    stored[entry.first] = *cents;
  }
  for (const auto& [ticker, target] : recomputed) {
    if (stored[ticker] != target) apportionMarketOrders(store_->orderPnlOf(ticker), stored[ticker]);
  }
  return true;
}

void PnlModel::apportionMarketOrders(const std::vector<std::pair<std::string, Decimal>>& orders,
                                     int64_t cents) {
  std::vector<Decimal> values;
  for (const auto& entry : orders) values.push_back(entry.second);
  const std::vector<int64_t> order_cents = apportionCents(values, cents);
  std::vector<std::pair<std::string, int64_t>> updates;
  for (size_t k = 0; k < orders.size(); ++k) updates.emplace_back(orders[k].first, order_cents[k]);
  store_->setOrderCents(updates);
}

void PnlModel::refreshEdge(const std::set<DailyKey>& touched, bool last_commit) {
  const std::string current = days_->dayOf(Timestamp::now().micros()).substr(0, 7);
  const std::string previous =
      LocalDays::previousDay(LocalDays::monthStart(current + "-01")).substr(0, 7);
  std::set<std::string> now;  // months summed at this commit
  for (const DailyKey& key : touched) {
    std::string month = key.day.substr(0, 7);
    if (month == current || month == previous)
      edge_pending_.insert(std::move(month));
    else
      now.insert(std::move(month));
  }
  if (recent_edge_unknown_) {
    edge_pending_.insert(current);
    edge_pending_.insert(previous);
  }
  const auto at = std::chrono::steady_clock::now();
  if (!edge_pending_.empty() &&
      (last_commit || recent_edge_unknown_ || at - edge_refreshed_at_ >= kEdgeEvery)) {
    now.insert(edge_pending_.begin(), edge_pending_.end());
    edge_pending_.clear();
    edge_refreshed_at_ = at;
    recent_edge_unknown_ = false;
  }
  if (!now.empty()) ledger_->refreshMonthlyEdge(std::optional<std::set<std::string>>(now));
}

void PnlModel::apportionOrderCents(const std::map<std::string, int64_t>& recomputed) {
  // Every market's realized P&L in whole cents, adding up to the account's rounded once.
  const std::map<std::string, Decimal> realized = store_->marketRealized();
  std::vector<Decimal> amounts;
  Decimal total;
  for (const auto& entry : realized) {
    amounts.push_back(entry.second);
    total += entry.second;
  }
  const std::vector<int64_t> cents =
      apportionCents(amounts, total.toUnits(2, Rounding::kHalfAwayFromZero));
  std::map<std::string, int64_t> stored = store_->marketOrderCents();
  std::map<std::string, int64_t> changed = recomputed;
  for (const auto& [ticker, target] : recomputed) stored[ticker] = target;
  size_t i = 0;
  for (const auto& [ticker, exact] : realized) {
    const int64_t want = cents[i++];
    auto found = stored.find(ticker);
    if (found != stored.end() && found->second == want) continue;
    // Re-apportion the market's orders to their new total (only when they hold all of the
    // market's P&L: orders missing from kalshi_orders leave it at their own sum, rounded).
    const auto orders = store_->orderPnlOf(ticker);
    if (orders.empty()) continue;
    Decimal sum;
    for (const auto& entry : orders) sum += entry.second;
    const Decimal gap = sum - exact;
    const int64_t target = (gap.sign() < 0 ? -gap : gap) < Decimal(1, 2)
                               ? want
                               : sum.toUnits(2, Rounding::kHalfAwayFromZero);
    apportionMarketOrders(orders, target);
    changed[ticker] = target;
  }
  store_->setMarketOrderCents(changed);
}

std::vector<std::string> PnlModel::tablesRead() { return PnlStore::tablesRead(); }
std::vector<std::string> PnlModel::tablesWritten() {
  std::vector<std::string> tables = PnlStore::tablesWritten();
  for (auto& table : LedgerStore::tablesWritten()) tables.push_back(std::move(table));
  return tables;
}

Status PnlModel::open(ModelContext& context) {
  context_ = &context;
  store_.emplace(context.store());
  ledger_.emplace(context.store());
  recompute_all_pending_ = options_.recompute_all;
  try {
    days_.emplace(options_.timezone);
    store_->createTables();
    ledger_->createTables();
  } catch (const std::invalid_argument& error) {
    return Status::invalidConfig(std::string("timezone: ") + error.what());
  } catch (const TableConflict& conflict) {
    return Status::invalidConfig(conflict.what());  // before any I/O: exit 2, nothing written
  }
  return Status::ok();
}

std::set<std::string> PnlModel::marketsToRecompute() {
  if (recompute_all_pending_ || !store_->hasMarketPnl()) return store_->tradedMarkets();
  // Only what changed: a new account state changes no market's P&L by itself. Marks move with
  // kalshi_markets' prices, positions close by fills or settlements, and their writers mark
  // those markets only when a value the model reads changed (tables.h, pnl_columns).
  return store_->changedMarkets();
}

std::optional<BalanceCheck> PnlModel::newBalanceCheck(bool account_changed) {
  if (!account_changed) return std::nullopt;
  const PnlStore::AccountState account = store_->account();
  if (account.source != "live" || account.balance_cents.isNull()) return std::nullopt;
  BalanceCheck check;
  Timestamp read_at;
  if (account.balance_read_at.empty() || !Timestamp::parse(account.balance_read_at, read_at))
    read_at = Timestamp::now();
  check.time_us = read_at.micros();
  check.at = read_at.toIso8601();
  Decimal exact;
  if (const std::string* text = account.balance_dollars.ifString();
      text && Decimal::parse(*text, exact)) {
    check.balance = exact;
  } else {
    check.balance = Decimal(*account.balance_cents.ifInt(), 2);
  }
  for (const auto& [subaccount, balance] : store_->subaccountBalances()) {
    if (const std::string* text = balance.second.ifString(); text && Decimal::parse(*text, exact))
      check.subaccounts[subaccount] = exact;
    else if (const int64_t* cents = balance.first.ifInt())
      check.subaccounts[subaccount] = Decimal(*cents, 2);
  }
  return check;
}

Status PnlModel::run(const ModelRun& info) {
  const bool account_changed = store_->accountChanged();
  const LedgerStore::Settings settings{
      days_->zone(), options_.accounting.lots == LotMethod::kAverageCost ? "average" : "fifo"};
  const std::optional<LedgerStore::Settings> stored = ledger_->settings();
  const bool ledger_stale = !stored || !(*stored == settings);
  if (!recompute_all_pending_ && !ledger_stale && !account_changed && !store_->anyMarketChanged()) {
    if ((info.end_of_input || info.last_commit) && !edge_pending_.empty()) refreshEdge({}, true);
    return Status::ok();
  }
  // Only new rows (no new account state), within recompute_every of the last recompute and not
  // the run's last commit: the markets stay in kalshi_pnl_dirty for a later run. The live
  // pipeline commits its rows 4 times a second; its P&L follows them at most a second behind.
  const auto started = std::chrono::steady_clock::now();
  if (options_.recompute_every.count() > 0 && !info.end_of_input && !info.last_commit &&
      !account_changed && !recompute_all_pending_ && !ledger_stale && last_recompute_ &&
      started - *last_recompute_ < options_.recompute_every) {
    return Status::ok();
  }
  last_recompute_ = started;
  store_->buildFillIndexes();
  if (ledger_stale) {
    // Computed with another time zone or lot method, or never: every market anew.
    ledger_->reset(settings);
    recompute_all_pending_ = true;
  }
  std::vector<BalanceCheck> checks = ledger_->balanceChecks();
  const std::optional<BalanceCheck> new_check = newBalanceCheck(account_changed);
  if (new_check) {
    checks.push_back(*new_check);
    std::stable_sort(
        checks.begin(), checks.end(),
        [](const BalanceCheck& a, const BalanceCheck& b) { return a.time_us < b.time_us; });
  }
  day_checks_ = dayChecks(checks, *days_);
  std::set<std::string> tickers = marketsToRecompute();
  if (new_check) {
    // The markets traded earlier that day were split at an earlier check: those with an entry
    // between the two checks are split again; the others' split stays, at the new check.
    const std::string day = days_->dayOf(new_check->time_us);
    for (const auto& [ticker, span] : ledger_->marketsCheckedOtherwise(day, day_checks_[day])) {
      if (!tickers.count(ticker) && store_->hasEntriesBetween(ticker, span.after_us, span.until_us))
        tickers.insert(ticker);
    }
    ledger_->moveCheck(day, day_checks_[day]);
  }
  recompute_all_pending_ = false;
  const uint64_t incomplete = recomputeMarkets(tickers, info.end_of_input || info.last_commit);
  store_->clearChangedMarkets();
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
  std::map<int64_t, Decimal> unrealized;
  writeSnapshot(account_changed, info.end_of_input, unrealized);
  rebuildEquity(std::move(checks), unrealized);  // the new check is this run's snapshot's
  return Status::ok();
}

void PnlModel::rebuildEquity(std::vector<BalanceCheck> checks,
                             const std::map<int64_t, Decimal>& unrealized) {
  EquityInputs inputs;
  inputs.daily = ledger_->dailyTotals();
  inputs.transfers = ledger_->appliedTransfers();
  inputs.checks = std::move(checks);
  inputs.unrealized_now = unrealized;
  inputs.today = days_->dayOf(Timestamp::now().micros());
  ledger_->replaceEquity(kalshi::rebuildEquity(inputs, *days_));
}

int64_t PnlModel::writeSnapshot(bool account_changed, bool end_of_input,
                                std::map<int64_t, Decimal>& unrealized) {
  // Totals per category from every market's exact amounts.
  std::map<std::string, Amounts> by_category;
  for (const auto& name : options_.categories) by_category[name];
  Amounts total;
  std::map<int64_t, Amounts> by_subaccount;
  PnlStore::SnapshotRow row;
  row.account = store_->account();  // the kalshi_account sink's; none: only the P&L is known
  // The positions to reconcile (new, read live): only their markets' figures are kept.
  std::vector<PnlStore::ReportedPosition> reported;
  if (account_changed && row.account.source == "live") reported = store_->unsnapshottedPositions();
  // ticker -> subaccount -> (realized before fees, fees)
  std::map<std::string, std::map<int64_t, std::pair<Decimal, Decimal>>> computed;
  for (const auto& position : reported) computed[position.ticker][position.subaccount];
  store_->forEachMarketPnl([&](const std::string& ticker, const std::string& category,
                               int64_t subaccount, const Amounts& amounts) {
    by_category[category] += amounts;
    by_subaccount[subaccount] += amounts;
    total += amounts;
    if (computed.empty()) return;
    auto market = computed.find(ticker);
    if (market == computed.end()) return;
    auto figures = market->second.find(subaccount);
    if (figures == market->second.end()) return;
    figures->second.first += amounts.realized + amounts.fees;
    figures->second.second += amounts.fees;
  });

  row.taken_at = Timestamp::now().toIso8601();
  row.total_orders = store_->countRows("kalshi_orders");
  row.total_fills = store_->countRows("kalshi_fills");
  row.total = total;
  row.net_deposits_cents = store_->netDepositsCents();
  row.history = store_->history();
  // A commit that only brought fills (no new balance or positions read, not the run's last)
  // within a minute of this run's last snapshot brings that one up to date: a live run commits
  // 4 times a second, and kalshi_snapshots grows by a row a minute, not one a commit, while the
  // newest snapshot stays exact.
  const auto now = std::chrono::steady_clock::now();
  int64_t snapshot_id = 0;
  if (!account_changed && !end_of_input && current_snapshot_ &&
      now - current_snapshot_at_ < kSnapshotEvery) {
    snapshot_id = *current_snapshot_;
    store_->updateSnapshot(snapshot_id, row);
  } else {
    snapshot_id = store_->insertSnapshot(row);
    current_snapshot_ = snapshot_id;
    current_snapshot_at_ = now;
  }
  for (const auto& [name, amounts] : by_category)
    store_->insertSnapshotPnl(snapshot_id, name, amounts);
  // Several subaccounts: each one's balance and P&L (the snapshot row holds their total).
  const auto balances = store_->subaccountBalances();
  for (const auto& [subaccount, amounts] : by_subaccount)
    unrealized[subaccount] = amounts.unrealized;
  if (!balances.empty() || by_subaccount.size() > 1 ||
      (by_subaccount.size() == 1 && by_subaccount.begin()->first != 0)) {
    for (const auto& entry : balances) by_subaccount[entry.first];
    for (const auto& [subaccount, amounts] : by_subaccount) {
      auto balance = balances.find(subaccount);
      store_->insertSnapshotSubaccount(
          snapshot_id, subaccount, balance == balances.end() ? Value() : balance->second.first,
          balance == balances.end() ? Value() : balance->second.second, amounts);
    }
  }
  if (account_changed) {
    // The positions the kalshi_account sink wrote since the last snapshot: compare Kalshi's
    // figures with ours (only when fresh: a fallback's are as old as the state it serves).
    uint64_t differences = 0;
    if (row.account.source == "live") {
      for (const auto& position : reported) {
        // Every reported position has its entry (zero when the market has no P&L rows).
        const auto& mine = computed[position.ticker][position.subaccount];
        const Decimal& realized = mine.first;
        const Decimal& fees = mine.second;
        auto compare = [&](const char* field, const Decimal& ours,
                           const std::optional<Decimal>& theirs) {
          if (!theirs) return;
          const Decimal difference = ours - *theirs;
          const Decimal magnitude = difference.sign() < 0 ? -difference : difference;
          if (magnitude <= options_.tolerance) return;
          ++differences;
          store_->insertReconciliation(snapshot_id, position, field, ours, *theirs);
        };
        compare("realized_pnl", realized, position.realized);
        compare("fees_paid", fees, position.fees);
      }
    }
    context_->addCounter("reconciliation_differences", differences);
    if (differences > 0) {
      // Once per run as a warning: a live run takes a snapshot at nearly every commit.
      context_->log(
          warned_reconciliation_ ? LogLevel::kDebug : LogLevel::kWarning,
          std::to_string(differences) + " market figures differ from Kalshi's by more than $" +
              options_.tolerance.toString() +
              (context_->dryRun()
                   ? std::string(" (dry run: not recorded)")
                   : " (see kalshi_reconciliation, snapshot " + std::to_string(snapshot_id) + ")"));
    }
    if (differences > 0) warned_reconciliation_ = true;
    store_->markAccountSnapshotted(snapshot_id);
  }
  // A dry run rolls the snapshot back: it is what would have been recorded, with no number.
  // Said once per run (at its end); the snapshots of the commits before are debug lines.
  context_->log(end_of_input ? LogLevel::kInfo : LogLevel::kDebug,
                (context_->dryRun() ? std::string("snapshot (dry run, not written)")
                                    : "snapshot " + std::to_string(snapshot_id)) +
                    " (" + row.account.source + "): realized " +
                    total.realized.rescaled(2).toString() + ", unrealized " +
                    total.unrealized.rescaled(2).toString() + ", fees " +
                    total.fees.rescaled(2).toString() + " dollars");
  return snapshot_id;
}

}  // namespace kalshi
}  // namespace kalshi_direct

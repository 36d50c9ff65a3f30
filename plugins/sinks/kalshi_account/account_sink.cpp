#include "account_sink.h"

#include <algorithm>
#include <atomic>

#include "kalshi/account_state.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

std::string nextIncomingName() {
  static std::atomic<unsigned> next{0};
  return "kd_incoming_positions_" + std::to_string(next++);
}

}  // namespace

std::vector<std::string> AccountSink::tablesWritten() {
  std::vector<std::string> names;
  for (const TableDefinition* table :
       {&accountTable(), &subaccountBalancesTable(), &positionsTable(), &marketsTable(),
        &settlementsTable(), &historyTable(), &pnlDirtyTable()}) {
    names.push_back(table->name);
  }
  return names;
}

AccountSink::AccountSink(std::string path)
    : path_(std::move(path)),
      incoming_name_(nextIncomingName()),
      // Decimals stay exact text (TEXT affinity; NUMERIC on PostgreSQL: see dialectSql).
      incoming_sql_("CREATE TEMP TABLE IF NOT EXISTS " + incoming_name_ +
                    " (ticker TEXT, position_fp TEXT, total_traded_dollars TEXT,"
                    " market_exposure_dollars TEXT, realized_pnl_dollars TEXT,"
                    " fees_paid_dollars TEXT, last_updated_ts TEXT, category TEXT,"
                    " subaccount_number INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (ticker, "
                    "subaccount_number))"),
      incoming_table_{incoming_name_.c_str(),
                      incoming_sql_.c_str(),
                      {"ticker", "position_fp", "total_traded_dollars", "market_exposure_dollars",
                       "realized_pnl_dollars", "fees_paid_dollars", "last_updated_ts", "category",
                       "subaccount_number"},
                      {"ticker", "subaccount_number"}} {}

Status AccountSink::open(SinkContext& context) {
  context_ = &context;
  database_ = context.store();
  if (!database_) return Status::failed("no store");
  try {
    openTables();
  } catch (const TableConflict& conflict) {
    return Status::invalidConfig(conflict.what());  // before any I/O: exit 2, nothing written
  }
  return Status::ok();
}

void AccountSink::openTables() {
  ensureSchema(*database_);
  for (const TableDefinition* table :
       {&accountTable(), &subaccountBalancesTable(), &positionsTable(), &pnlDirtyTable()}) {
    createTable(*database_, *table, false);  // with the migrations an older database needs
  }
  markets_.open(*database_);
  settlements_.open(*database_);
  history_.open(*database_);
  incoming_positions_.open(*database_);
  database_->exec("DELETE FROM " + incoming_name_);  // an earlier run's, same connection
}

WriteResult AccountSink::write(const Batch& batch) {
  // The source sends its streams one after the other: positions are complete once another starts
  // (markets records accompany them: the positions' categories).
  if (positions_staged_ && batch.stream != "positions" && batch.stream != "markets" &&
      !batch.records.empty())
    publishPositions();
  if (batch.stream == "markets") {
    // A fallback run's markets are kalshi_markets' own rows: writing them back would only stamp
    // stale prices with a new updated_at.
    if (fallback()) return {};
    Batch rows;
    rows.stream = batch.stream;
    const std::string updated_at = Timestamp::now().toIso8601();
    for (const auto& record : batch.records) {
      Record row = record;
      row.set("updated_at", Value(updated_at));
      rows.records.push_back(std::move(row));
    }
    return markets_.add(rows);
  }
  if (batch.stream == "settlements") {
    Batch rows;
    rows.stream = batch.stream;
    for (const auto& record : batch.records) {
      Record row;
      for (const char* field : {"ticker", "event_ticker", "market_result", "yes_count_fp",
                                "no_count_fp", "yes_total_cost_dollars", "no_total_cost_dollars"}) {
        row.append(field, record.get(field));
      }
      row.append("revenue_cents", record.get("revenue"));
      row.append("value_cents", record.get("value"));
      row.append("fee_dollars", record.get("fee_cost"));
      const Timestamp* settled = record.get("settled_time").ifTimestamp();
      row.append("settled_at", settled ? Value(settled->toIso8601()) : Value());
      row.append("settled_at_us", settled ? Value(settled->micros()) : Value());
      row.append("category", record.get("category"));
      row.append("subaccount", subaccountOf(record));
      rows.records.push_back(std::move(row));
    }
    return settlements_.add(rows);
  }
  if (batch.stream == "history") {
    // kalshi_history is the database's, not one pipeline's: another pipeline (another state
    // scope) may have read more. So `all` stays `all`, and of two `since` the older stays; the
    // rest merges as within one scope (kalshi_live's mergedCoverage: a `since` over `live`).
    history_.flush();
    Batch rows = batch;
    const std::string updated_at = Timestamp::now().toIso8601();
    for (auto& row : rows.records) {
      row.set("updated_at", Value(updated_at));
      const auto stored = storedHistoryCoverage(*database_, row.get("stream").asString());
      if (!stored) continue;
      const std::string& had = stored->coverage;
      const std::string coverage = row.get("coverage").asString();
      const std::string& had_since = stored->complete_since;
      Timestamp old_since, new_since;
      const bool keep =
          had == "all" ||
          (had == "since" && coverage == "since" && Timestamp::parse(had_since, old_since) &&
           Timestamp::parse(row.get("complete_since").asString(), new_since) &&
           old_since.micros() < new_since.micros());
      if (keep) {
        row.set("coverage", Value(had));
        row.set("complete_since", had_since.empty() ? Value() : Value(had_since));
      }
    }
    return history_.add(rows);
  }
  if (batch.stream == "positions") {
    positions_staged_ = true;
    return incoming_positions_.add(batch);
  }
  if (batch.stream == "position_updates") {
    // Positions that changed (kalshi_ws): each batch is complete in itself, upserted at once.
    WriteResult result = incoming_positions_.add(batch);
    publishPositions();
    return result;
  }
  if (batch.stream == "balance" && !batch.records.empty()) writeBalance(batch);
  return {};
}

void AccountSink::writeBalance(const Batch& batch) {
  // The account's balance has no `subaccount`; with several subaccounts each one's follows.
  const Record* account = nullptr;
  std::map<int64_t, const Record*> subaccounts;
  for (const auto& record : batch.records) {
    if (const int64_t* subaccount = record.get("subaccount").ifInt())
      subaccounts[*subaccount] = &record;
    else
      account = &record;
  }
  const std::string* source = account ? account->get("snapshot_source").ifString() : nullptr;
  fallback_ = source && *source == "fallback";
  if (fallback_) {
    // The fallback sends the last known positions next: forget what the live source sent.
    incoming_positions_.discard();
    database_->exec("DELETE FROM " + incoming_name_);
    positions_staged_ = false;
    positions_replaced_ = false;  // the fallback's positions replace any the live source sent
  }
  // The time the balance is as of: now, or Kalshi's `updated_ts` (the balance's last change, in
  // whole seconds) when that is later (a local clock behind the exchange's), so that every flow
  // the balance includes is at or before it (the daily ledger checks its rebuilt cash there).
  int64_t as_of = Timestamp::now().micros();
  for (const auto& record : batch.records) {
    if (const int64_t* updated = record.get("updated_ts").ifInt())
      as_of = std::max(as_of, *updated * 1000000 + 999999);
  }
  const std::string read_at = Timestamp::fromMicros(as_of).toIso8601();
  // balance_dollars is exact; the integer balance truncates sub-cent amounts.
  auto cents = [](const Record& record) {
    const Decimal* dollars = record.get("balance_dollars").ifDecimal();
    return dollars ? Value(dollars->toUnits(2, Rounding::kHalfAwayFromZero))
                   : record.get("balance");
  };
  auto exact = [](const Record& record) {
    const Decimal* dollars = record.get("balance_dollars").ifDecimal();
    return dollars ? Value(dollars->toString()) : Value();
  };
  if (account) {
    writeAccountBalance(*database_,
                        {source ? *source : "live", cents(*account), exact(*account),
                         account->get("portfolio_value")},
                        read_at);
  }
  std::map<int64_t, SubaccountBalance> balances;
  for (const auto& [subaccount, record] : subaccounts)
    balances[subaccount] = {cents(*record), exact(*record)};
  replaceSubaccountBalances(*database_, balances, read_at);
}

void AccountSink::publishPositions() {
  incoming_positions_.flush();
  // The run's first positions replace the stored ones; any that follow in the same run (a source
  // that interleaves another stream) are added to them, as position updates always are.
  const bool updates = !positions_staged_;
  kalshi::publishPositions(*database_, incoming_name_, /*replace=*/!positions_replaced_ && !updates,
                           Timestamp::now().toIso8601(), /*account_changed=*/!updates);
  if (!updates) positions_replaced_ = true;
  database_->exec("DELETE FROM " + incoming_name_);
  positions_staged_ = false;
}

Status AccountSink::flush() {
  markets_.flush();
  history_.flush();
  settlements_.flush();
  incoming_positions_.flush();
  return Status::ok();
}

Status AccountSink::finish() {
  if (Status status = flush(); !status.isOk()) return status;
  if (positions_staged_) publishPositions();
  markets_.finish();
  settlements_.finish();
  return Status::ok();
}

void AccountSink::rollback() {
  markets_.discard();
  history_.discard();
  settlements_.discard();
  incoming_positions_.discard();
  positions_staged_ = false;
}

}  // namespace kalshi
}  // namespace kalshi_direct

// The daily ledger of the kalshi_pnl model (docs/analytics.md): what turns each market's computed
// history (accounting.h's LedgerEntry and ClosedPosition) into calendar days, and the account's
// cash and equity rebuilt day by day from the ledger and checked against Kalshi's balances.
// Pure functions over values: the model reads their inputs from and writes their rows to the
// store (kalshi/ledger_store.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kalshi/accounting.h"
#include "kalshi/ledger_store.h"
#include "kalshi/local_days.h"

namespace kalshi_direct {
namespace kalshi {

// The time of each local day's last balance check (day -> Unix micros).
using DayChecks = std::map<std::string, int64_t>;
DayChecks dayChecks(const std::vector<BalanceCheck>& checks, const LocalDays& days);

// The time each ledger entry is dated at. Real records can lack one (no created_time or
// settled_time, or Go's zero time, stored as NULL): an undated fill is dated with the market's
// first dated entry, an undated settlement with its last one (it came after every fill), and a
// market with no dated entry at all now. Never 1970.
std::vector<int64_t> datedTimes(const std::vector<LedgerEntry>& ledger);

// Adds one market's (one subaccount's) ledger to its daily rows, keyed without the ticker:
//   - a fill's realized P&L, fees, cash and contracts go to the fill's day and category; a
//     settlement's to its day and the market's category;
//   - each closed position counts on the day it closed, in the market's category: a win when its
//     realized P&L (net of all its fees) is above zero, a loss when below;
//   - cash after the day's balance check (checks) is also summed apart (cash_after_check);
//   - entries without a time are dated by datedTimes().
// Closed positions are appended to `closed`.
void addMarketLedger(const MarketResult& result, int64_t subaccount,
                     const std::string& market_category, const std::string& series_ticker,
                     const LocalDays& days, const DayChecks& checks,
                     std::map<DailyKey, MarketDay>& rows, std::vector<ClosedPositionRow>& closed);

struct EquityInputs {
  std::map<std::pair<std::string, int64_t>, DailyAmounts> daily;  // (day, subaccount)
  std::vector<CashTransfer> transfers;
  std::vector<BalanceCheck> checks;  // oldest first
  // Each subaccount's unrealized P&L now (open positions at their marks minus their basis).
  std::map<int64_t, Decimal> unrealized_now;
  std::string today;  // the local day now: the rows run up to it
};

// kalshi_equity_daily: one row per calendar day from the first day with any activity to today,
// for the whole account (subaccount -1) and, when several subaccounts trade, for each.
//   - cash at a day's end is rebuilt backwards (and forwards) from the newest balance Kalshi
//     reported, through every flow: fills, fees, settlements, deposits, withdrawals and
//     subaccount transfers; unknown (none) when no balance was ever reported;
//   - on a day with a balance check, the reported balance and `unexplained` = reported - rebuilt
//     at the time of the day's last check (zero at the anchor itself);
//   - net deposits, open cost basis, realized P&L and fees are running totals;
//   - marked value (open positions at their marks) is known for today only: Kalshi's API keeps no
//     portfolio price history, so earlier days value open positions at cost.
std::vector<EquityRow> rebuildEquity(const EquityInputs& inputs, const LocalDays& days);

}  // namespace kalshi
}  // namespace kalshi_direct

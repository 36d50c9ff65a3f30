#include "daily_ledger.h"

#include <algorithm>
#include <optional>
#include <set>

#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

std::vector<int64_t> datedTimes(const std::vector<LedgerEntry>& ledger) {
  std::optional<int64_t> first, last;
  for (const LedgerEntry& entry : ledger) {
    if (entry.time_us <= 0) continue;
    if (!first) first = entry.time_us;
    last = entry.time_us;
  }
  const int64_t fallback = Timestamp::now().micros();
  std::vector<int64_t> times;
  times.reserve(ledger.size());
  for (const LedgerEntry& entry : ledger) {
    if (entry.time_us > 0)
      times.push_back(entry.time_us);
    else
      times.push_back(entry.settlement ? last.value_or(fallback) : first.value_or(fallback));
  }
  return times;
}

DayChecks dayChecks(const std::vector<BalanceCheck>& checks, const LocalDays& days) {
  DayChecks out;
  for (const BalanceCheck& check : checks) {
    int64_t& latest = out.emplace(days.dayOf(check.time_us), check.time_us).first->second;
    if (check.time_us > latest) latest = check.time_us;
  }
  return out;
}

void addMarketLedger(const MarketResult& result, int64_t subaccount,
                     const std::string& market_category, const std::string& series_ticker,
                     const LocalDays& days, const DayChecks& checks,
                     std::map<DailyKey, MarketDay>& rows, std::vector<ClosedPositionRow>& closed) {
  // Entries come in time order: the day of the previous entry is usually the next one's.
  int64_t day_start = 0, day_end = -1;
  std::string day;
  auto row = [&](const std::string& category) -> MarketDay& {
    DailyKey key{day, subaccount, category, series_ticker};
    auto [it, added] = rows.try_emplace(key);
    if (added) {
      it->second.key = std::move(key);
      auto check = checks.find(day);
      if (check != checks.end()) it->second.check_us = check->second;
    }
    return it->second;
  };
  const std::vector<int64_t> times = datedTimes(result.ledger);
  for (size_t i = 0; i < result.ledger.size(); ++i) {
    const LedgerEntry& entry = result.ledger[i];
    const int64_t time_us = times[i];
    if (time_us < day_start || time_us >= day_end) {
      day = days.dayOf(time_us);
      day_start = days.startOf(day);
      day_end = days.startOf(LocalDays::nextDay(day));
    }
    MarketDay& target = row(entry.category);
    DailyAmounts& a = target.amounts;
    a.realized += entry.realized;
    a.fees += entry.fees;
    a.bought += entry.bought;
    a.sold += entry.sold;
    if (!entry.settlement) ++a.fills;
    a.cash_flow += entry.cash_flow;
    if (target.check_us && time_us > *target.check_us) a.cash_after_check += entry.cash_flow;
    // The open basis belongs to the market: on its category's row.
    row(market_category).amounts.basis_change += entry.basis_change;
    if (entry.closed) {
      DailyAmounts& counts = row(market_category).amounts;
      ++counts.closes;
      const Decimal& result = entry.closed->realized;
      if (result.sign() > 0) {
        ++counts.wins;
        counts.won += result;
      } else if (result.sign() < 0) {
        ++counts.losses;
        counts.lost += result;
      }
      ClosedPosition position = *entry.closed;
      if (position.closed_us <= 0) position.closed_us = time_us;
      if (position.opened_us <= 0) position.opened_us = std::min(times.front(), time_us);
      closed.push_back({subaccount, market_category, series_ticker, day, position});
    }
  }
}

namespace {

struct Scope {
  std::map<std::string, Decimal> flows, after_check, net_deposits, transfers;  // by day
  std::map<std::string, DailyAmounts> daily;
};

}  // namespace

std::vector<EquityRow> rebuildEquity(const EquityInputs& inputs, const LocalDays& days) {
  const DayChecks checks = dayChecks(inputs.checks, days);
  std::map<std::string, const BalanceCheck*> last_check;  // day -> its last check
  for (const BalanceCheck& check : inputs.checks) last_check[days.dayOf(check.time_us)] = &check;

  std::set<int64_t> subaccounts;
  std::set<std::string> active_days;
  for (const auto& [key, amounts] : inputs.daily) {
    subaccounts.insert(key.second);
    active_days.insert(key.first);
  }
  for (const CashTransfer& transfer : inputs.transfers) {
    subaccounts.insert(transfer.subaccount);
    active_days.insert(days.dayOf(transfer.time_us));
  }
  for (const BalanceCheck& check : inputs.checks) {
    for (const auto& entry : check.subaccounts) subaccounts.insert(entry.first);
    active_days.insert(days.dayOf(check.time_us));
  }
  if (active_days.empty()) return {};
  const std::string first_day = *active_days.begin();
  const std::string last_day = std::max(*active_days.rbegin(), inputs.today);

  std::map<int64_t, Scope> scopes;  // -1: the whole account
  scopes[-1];
  if (subaccounts.size() > 1 || (subaccounts.size() == 1 && *subaccounts.begin() != 0)) {
    for (int64_t subaccount : subaccounts) scopes[subaccount];
  }
  auto scopesOf = [&](int64_t subaccount) {
    std::vector<Scope*> out = {&scopes[-1]};
    auto found = scopes.find(subaccount);
    if (subaccount != -1 && found != scopes.end()) out.push_back(&found->second);
    return out;
  };
  for (const auto& [key, amounts] : inputs.daily) {
    for (Scope* scope : scopesOf(key.second)) {
      scope->daily[key.first] += amounts;
      scope->flows[key.first] += amounts.cash_flow;
      scope->after_check[key.first] += amounts.cash_after_check;
    }
  }
  for (const CashTransfer& transfer : inputs.transfers) {
    const std::string day = days.dayOf(transfer.time_us);
    auto check = checks.find(day);
    const bool after = check != checks.end() && transfer.time_us > check->second;
    for (Scope* scope : scopesOf(transfer.subaccount)) {
      scope->flows[day] += transfer.amount;
      scope->transfers[day] += transfer.amount;
      if (after) scope->after_check[day] += transfer.amount;
      // The whole account's deposits are money from outside; a subaccount's also what the
      // others moved to it.
      if (transfer.external || scope != &scopes[-1]) scope->net_deposits[day] += transfer.amount;
    }
  }

  std::vector<std::string> calendar;
  for (std::string day = first_day; day <= last_day; day = LocalDays::nextDay(day))
    calendar.push_back(day);

  std::vector<int64_t> starts;  // each day's local midnight
  for (const std::string& day : calendar) starts.push_back(days.startOf(day) / 1000000);

  std::vector<EquityRow> rows;
  for (auto& [subaccount, scope] : scopes) {
    // What Kalshi reported for this scope at a check.
    auto reported = [&,
                     subaccount = subaccount](const BalanceCheck& check) -> std::optional<Decimal> {
      if (subaccount == -1) {
        if (check.subaccounts.empty()) return check.balance;
        Decimal sum;
        for (const auto& entry : check.subaccounts) sum += entry.second;
        return sum;
      }
      auto found = check.subaccounts.find(subaccount);
      if (found != check.subaccounts.end()) return found->second;
      if (subaccount == 0 && check.subaccounts.empty()) return check.balance;
      return std::nullopt;
    };
    auto value = [](const std::map<std::string, Decimal>& by_day, const std::string& day) {
      auto found = by_day.find(day);
      return found == by_day.end() ? Decimal() : found->second;
    };
    // The anchor: the newest day whose last check reported this scope's balance.
    std::optional<size_t> anchor;
    std::optional<Decimal> anchor_balance;
    for (size_t i = calendar.size(); i-- > 0 && !anchor;) {
      auto check = last_check.find(calendar[i]);
      if (check == last_check.end()) continue;
      if (auto balance = reported(*check->second)) {
        anchor = i;
        anchor_balance = balance;
      }
    }
    std::vector<std::optional<Decimal>> cash(calendar.size());
    if (anchor) {
      cash[*anchor] = *anchor_balance + value(scope.after_check, calendar[*anchor]);
      for (size_t i = *anchor + 1; i < calendar.size(); ++i)
        cash[i] = *cash[i - 1] + value(scope.flows, calendar[i]);
      for (size_t i = *anchor; i-- > 0;)
        cash[i] = *cash[i + 1] - value(scope.flows, calendar[i + 1]);
    }
    Decimal net_deposits, basis, realized, fees;
    for (size_t i = 0; i < calendar.size(); ++i) {
      const std::string& day = calendar[i];
      EquityRow row;
      row.day = day;
      row.day_start_s = starts[i];
      row.subaccount = subaccount;
      row.cash = cash[i];
      net_deposits += value(scope.net_deposits, day);
      auto daily = scope.daily.find(day);
      if (daily != scope.daily.end()) {
        basis += daily->second.basis_change;
        realized += daily->second.realized;
        fees += daily->second.fees;
      }
      row.net_deposits = net_deposits;
      row.transfers = value(scope.transfers, day);
      row.trading_cash_flow = value(scope.flows, day) - row.transfers;
      row.open_basis = basis;
      row.realized = realized;
      row.fees = fees;
      if (day == inputs.today) {
        Decimal unrealized;
        for (const auto& [number, amount] : inputs.unrealized_now) {
          if (subaccount == -1 || number == subaccount) unrealized += amount;
        }
        row.marked_value = basis + unrealized;
      }
      auto check = last_check.find(day);
      if (check != last_check.end()) {
        if (auto balance = reported(*check->second)) {
          row.reported_balance = balance;
          row.checked_at = check->second->at;
          if (row.cash) row.unexplained = *balance - (*row.cash - value(scope.after_check, day));
        }
      }
      rows.push_back(std::move(row));
    }
  }
  return rows;
}

}  // namespace kalshi
}  // namespace kalshi_direct

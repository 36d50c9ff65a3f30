#include "ledger.h"

#include <algorithm>

namespace ksim {

const char* result_name(MarketResult r) {
  switch (r) {
    case MarketResult::Yes:
      return "yes";
    case MarketResult::No:
      return "no";
    case MarketResult::Scalar:
      return "scalar";
    case MarketResult::None:
      break;
  }
  return "";
}

Micros MarketLedger::exposure() const {
  Micros sum = 0;
  for (const Lot& lot : lots_) sum += cost_micros(lot.count, lot.price);
  return sum;
}

Micros MarketLedger::close_lots(Centis qty, Micros close_price) {
  Micros realized = 0;
  while (qty > 0 && !lots_.empty()) {
    Lot& lot = lots_.front();
    Centis take = std::min(qty, lot.count);
    realized += cost_micros(take, close_price) - cost_micros(take, lot.price);
    lot.count -= take;
    qty -= take;
    if (lot.count == 0) lots_.pop_front();
  }
  return realized;
}

FillEffect MarketLedger::apply_fill(bool outcome_yes, Centis count, Micros yes_price, Micros fee) {
  FillEffect e;
  const Micros no_price = kMicrosPerDollar - yes_price;
  // Price of the side this fill opens, and of the held side it may close.
  const Micros open_price = outcome_yes ? yes_price : no_price;
  const Micros close_price = outcome_yes ? no_price : yes_price;
  const Centis held_opposite =
      outcome_yes ? std::max<Centis>(0, -position_) : std::max<Centis>(0, position_);

  Centis remaining = count;
  if (held_opposite > 0) {
    Centis q = std::min(remaining, held_opposite);
    Micros received = cost_micros(q, close_price);
    e.realized = close_lots(q, close_price);
    e.cash += received;
    e.closed = q;
    cash_received_ += received;
    realized_ += e.realized;
    total_traded_ += received;
    position_ += outcome_yes ? q : -q;
    remaining -= q;
  }
  if (remaining > 0) {
    Micros paid = cost_micros(remaining, open_price);
    lots_.push_back(Lot{remaining, open_price});
    e.cash -= paid;
    e.opened = remaining;
    cash_paid_ += paid;
    total_traded_ += paid;
    position_ += outcome_yes ? remaining : -remaining;
  }
  fees_ += fee;
  ++fills_;
  return e;
}

SettlementEffect MarketLedger::settle(MarketResult result, std::int64_t value_cents) {
  SettlementEffect s;
  Micros yes_payout = 0;
  switch (result) {
    case MarketResult::Yes:
      yes_payout = kMicrosPerDollar;
      break;
    case MarketResult::No:
      yes_payout = 0;
      break;
    case MarketResult::Scalar:
      yes_payout = value_cents * kMicrosPerCent;
      break;
    case MarketResult::None:
      return s;
  }
  const Micros no_payout = kMicrosPerDollar - yes_payout;
  const Micros cost = exposure();
  if (position_ > 0) {
    s.yes_count = position_;
    s.yes_cost = cost;
    s.revenue = cost_micros(position_, yes_payout);
  } else if (position_ < 0) {
    s.no_count = -position_;
    s.no_cost = cost;
    s.revenue = cost_micros(-position_, no_payout);
  }
  realized_ += s.revenue - cost;
  settlement_revenue_ += s.revenue;
  lots_.clear();
  position_ = 0;
  settled_ = true;
  return s;
}

SettlementEffect MarketLedger::settle_with_revenue(Micros revenue, Micros fee) {
  SettlementEffect s;
  const Micros cost = exposure();
  if (position_ > 0) {
    s.yes_count = position_;
    s.yes_cost = cost;
  } else if (position_ < 0) {
    s.no_count = -position_;
    s.no_cost = cost;
  }
  s.revenue = revenue;
  realized_ += revenue - cost;
  settlement_revenue_ += revenue;
  fees_ += fee;
  lots_.clear();
  position_ = 0;
  settled_ = true;
  return s;
}

}  // namespace ksim

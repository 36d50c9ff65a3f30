// P&L accounting for one Kalshi market: see accounting.h for the contract and docs/pnl.md for the
// model with worked examples.
#include "kalshi/accounting.h"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kalshi_direct {
namespace kalshi {

Amounts& Amounts::operator+=(const Amounts& other) {
  realized += other.realized;
  unrealized += other.unrealized;
  fees += other.fees;
  cash_flow += other.cash_flow;
  return *this;
}

namespace {

const Decimal kOne = Decimal::fromInt(1);
// Proportional basis removal is rounded to at least this many decimals (micro-dollars).
constexpr int kRemovalScale = 6;

__int128 pow10Wide(int exponent) {
  __int128 value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

__int128 checkedMul(__int128 a, __int128 b) {
  __int128 result;
  if (__builtin_mul_overflow(a, b, &result))
    throw std::overflow_error("decimal overflow in cost basis");
  return result;
}

// cost * part / whole, rounded half-even to max(kRemovalScale, cost.scale()) decimals.
// 0 < part < whole. Computed in 128 bits so large lots do not overflow an intermediate product.
Decimal proportionalCost(const Decimal& cost, const Decimal& part, const Decimal& whole) {
  const int scale = std::max(kRemovalScale, cost.scale());
  // value = (cu / 10^cs) * (pu / 10^ps) / (wu / 10^ws); units at `scale` = value * 10^scale.
  __int128 numerator =
      checkedMul(checkedMul(cost.units(), part.units()), pow10Wide(scale + whole.scale()));
  __int128 denominator = checkedMul(whole.units(), pow10Wide(cost.scale() + part.scale()));
  if (denominator < 0) {
    numerator = -numerator;
    denominator = -denominator;
  }
  __int128 quotient = numerator / denominator;
  const __int128 remainder = numerator % denominator;
  if (remainder != 0) {
    const __int128 twice = (remainder < 0 ? -remainder : remainder) * 2;
    if (twice > denominator || (twice == denominator && quotient % 2 != 0)) {
      quotient += numerator < 0 ? -1 : 1;
    }
  }
  if (quotient > INT64_MAX || quotient < INT64_MIN)
    throw std::overflow_error("decimal overflow in cost basis");
  return Decimal(static_cast<int64_t>(quotient), scale);
}

Decimal absolute(const Decimal& value) { return value.sign() < 0 ? -value : value; }
Decimal minDecimal(const Decimal& a, const Decimal& b) { return b < a ? b : a; }

struct Lot {
  Decimal count;
  Decimal cost;  // exact dollars paid for these contracts
};

// Which order opened which of the held contracts, oldest first: what settlement P&L is
// attributed to.
struct Owner {
  std::string order_id;
  Decimal count;
};

// Open contracts of the held side, oldest first (FIFO) or one pooled lot (average cost), and the
// orders that opened them (closes remove the oldest first either way).
class Lots {
 public:
  explicit Lots(LotMethod method) : method_(method) {}

  void open(const Decimal& count, const Decimal& cost, const std::string& order_id) {
    owners_.push_back(Owner{order_id, count});
    if (method_ == LotMethod::kAverageCost && !lots_.empty()) {
      lots_.front().count += count;
      lots_.front().cost += cost;
      return;
    }
    lots_.push_back(Lot{count, cost});
  }

  // Removes `count` contracts (<= held) and returns the basis that leaves with them. What is
  // removed plus what remains always equals what was there.
  Decimal close(Decimal count) {
    Decimal owned = count;
    while (owned.sign() > 0 && !owners_.empty()) {
      Owner& owner = owners_.front();
      if (owned >= owner.count) {
        owned -= owner.count;
        owners_.pop_front();
      } else {
        owner.count -= owned;
        owned = Decimal();
      }
    }
    Decimal removed;
    while (count.sign() > 0 && !lots_.empty()) {
      Lot& lot = lots_.front();
      if (count >= lot.count) {
        removed += lot.cost;
        count -= lot.count;
        lots_.pop_front();
        continue;
      }
      const Decimal part = proportionalCost(lot.cost, count, lot.count);
      removed += part;
      lot.cost -= part;
      lot.count -= count;
      count = Decimal();
    }
    return removed;
  }

  Decimal basis() const {
    Decimal sum;
    for (const Lot& lot : lots_) sum += lot.cost;
    return sum;
  }

  // Splits a settlement's realized P&L (revenue - fee - the basis of every held contract) over the
  // orders that opened the held contracts: each one's share of the revenue and fee by its count,
  // and of the basis by its own lots (FIFO) or by its count (average cost). The shares add up to
  // the whole exactly (the last takes what rounding left).
  // Returns false when no contract is held (nothing to split).
  bool attributeSettlement(const Decimal& revenue, const Decimal& fee,
                           std::map<std::string, Decimal>& pnl_by_order) const {
    Decimal held;
    for (const Owner& owner : owners_) held += owner.count;
    if (held.sign() <= 0) return false;
    std::vector<Decimal> costs;  // per owner
    if (method_ == LotMethod::kFifo && lots_.size() == owners_.size()) {
      for (const Lot& lot : lots_) costs.push_back(lot.cost);
    } else {
      Decimal left = basis();
      for (size_t i = 0; i < owners_.size(); ++i) {
        const Decimal part =
            i + 1 == owners_.size() ? left : proportionalCost(basis(), owners_[i].count, held);
        costs.push_back(part);
        left -= part;
      }
    }
    Decimal revenue_left = revenue, fee_left = fee;
    for (size_t i = 0; i < owners_.size(); ++i) {
      const bool last = i + 1 == owners_.size();
      const Decimal revenue_part = last || revenue.isZero()
                                       ? revenue_left
                                       : proportionalCost(revenue, owners_[i].count, held);
      const Decimal fee_part =
          last || fee.isZero() ? fee_left : proportionalCost(fee, owners_[i].count, held);
      revenue_left -= revenue_part;
      fee_left -= fee_part;
      pnl_by_order[owners_[i].order_id] += revenue_part - fee_part - costs[i];
    }
    return true;
  }

  void clear() {
    lots_.clear();
    owners_.clear();
  }

 private:
  LotMethod method_;
  std::deque<Lot> lots_;
  std::deque<Owner> owners_;
};

// The fill's (yes, no) prices. They normally add to 1; if one is missing (zero) it is derived
// from the other, and if both are given but disagree the YES price is trusted.
std::pair<Decimal, Decimal> fillPrices(const FillEvent& fill) {
  if (fill.yes_price + fill.no_price == kOne) return {fill.yes_price, fill.no_price};
  if (fill.yes_price.isZero() && !fill.no_price.isZero())
    return {kOne - fill.no_price, fill.no_price};
  return {fill.yes_price, kOne - fill.yes_price};
}

// How a fill meets the position `position` (signed: + YES, - NO): the held contracts of the other
// side it closes first, the rest it opens, and the prices of each (closing sells the held side at
// its price: NO at the no price, YES at the yes price; opening pays the fill's side's price).
struct FillSplit {
  Decimal held_opposite, closed, opened, close_price, open_price;
};
FillSplit splitFill(const FillEvent& fill, const Decimal& position) {
  const auto [yes_price, no_price] = fillPrices(fill);
  FillSplit out;
  out.held_opposite = fill.outcome_yes ? (position.sign() < 0 ? -position : Decimal())
                                       : (position.sign() > 0 ? position : Decimal());
  out.closed = minDecimal(fill.count, out.held_opposite);
  out.opened = fill.count - out.closed;
  out.close_price = fill.outcome_yes ? no_price : yes_price;
  out.open_price = fill.outcome_yes ? yes_price : no_price;
  return out;
}

std::string describe(const Decimal& value) { return value.toString(); }

}  // namespace

namespace {

// `whole` split into the shares `parts` (positive, summing to `total`) take of it, exactly: the
// last share gets what the others left.
std::vector<Decimal> split(const Decimal& whole, const std::vector<Decimal>& parts,
                           const Decimal& total) {
  std::vector<Decimal> shares;
  Decimal left = whole;
  for (size_t i = 0; i < parts.size(); ++i) {
    const Decimal share = i + 1 == parts.size() || whole.isZero()
                              ? (i + 1 == parts.size() ? left : Decimal())
                              : proportionalCost(whole, parts[i], total);
    shares.push_back(share);
    left -= share;
  }
  return shares;
}

void sortByTime(std::vector<FillEvent>& fills) {
  std::stable_sort(fills.begin(), fills.end(), [](const FillEvent& a, const FillEvent& b) {
    if (a.time_us != b.time_us) return a.time_us < b.time_us;
    return a.fill_id < b.fill_id;
  });
}

}  // namespace

std::vector<TaxLot> taxLots(std::vector<FillEvent> fills,
                            const std::optional<SettlementEvent>& settlement) {
  sortByTime(fills);
  struct Open {
    Decimal count, cost, fee;
    int64_t acquired_us;
    bool yes;
  };
  std::deque<Open> open;
  std::vector<TaxLot> lots;
  Decimal position;
  // Closes `count` contracts, oldest first, for `proceeds` less `fee`, at `time_us`.
  auto close = [&](Decimal count, const Decimal& proceeds, const Decimal& fee, int64_t time_us,
                   bool settled) {
    std::vector<Decimal> pieces;
    for (const Open& lot : open) {
      if (count.sign() <= 0) break;
      const Decimal piece = minDecimal(count, lot.count);
      pieces.push_back(piece);
      count -= piece;
    }
    Decimal total;
    for (const Decimal& piece : pieces) total += piece;
    if (pieces.empty()) return;
    const std::vector<Decimal> proceeds_shares = split(proceeds, pieces, total);
    const std::vector<Decimal> fee_shares = split(fee, pieces, total);
    for (size_t i = 0; i < pieces.size(); ++i) {
      Open& lot = open.front();
      TaxLot out;
      out.yes = lot.yes;
      out.acquired_us = lot.acquired_us;
      out.closed_us = time_us;
      out.settled = settled;
      out.quantity = pieces[i];
      Decimal cost = lot.cost, opening_fee = lot.fee;
      if (pieces[i] < lot.count) {
        cost = proportionalCost(lot.cost, pieces[i], lot.count);
        opening_fee =
            lot.fee.isZero() ? Decimal() : proportionalCost(lot.fee, pieces[i], lot.count);
        lot.cost -= cost;
        lot.fee -= opening_fee;
        lot.count -= pieces[i];
      } else {
        open.pop_front();
      }
      out.proceeds = proceeds_shares[i] - fee_shares[i];
      out.cost_basis = cost + opening_fee;
      out.opening_fee = opening_fee;
      lots.push_back(out);
    }
  };
  for (const FillEvent& fill : fills) {
    const FillSplit split_fill = splitFill(fill, position);
    const Decimal& closed = split_fill.closed;
    const Decimal& opened = split_fill.opened;
    Decimal closing_fee;
    if (closed.sign() > 0) {
      closing_fee = opened.sign() > 0 && !fill.fee.isZero()
                        ? proportionalCost(fill.fee, closed, fill.count)
                        : fill.fee;
      close(closed, closed * split_fill.close_price, closing_fee, fill.time_us, false);
    }
    if (opened.sign() > 0) {
      open.push_back({opened, opened * split_fill.open_price, fill.fee - closing_fee, fill.time_us,
                      fill.outcome_yes});
    }
    position += fill.outcome_yes ? fill.count : -fill.count;
  }
  if (settlement && !open.empty()) {
    Decimal held;
    for (const Open& lot : open) held += lot.count;
    close(held, Decimal(settlement->revenue_cents, 2), settlement->fee, settlement->time_us, true);
  }
  for (const Open& lot : open) {
    TaxLot out;
    out.yes = lot.yes;
    out.acquired_us = lot.acquired_us;
    out.quantity = lot.count;
    out.cost_basis = lot.cost + lot.fee;
    out.opening_fee = lot.fee;
    lots.push_back(out);
  }
  return lots;
}

std::vector<int64_t> apportionCents(const std::vector<Decimal>& amounts, int64_t target_cents) {
  std::vector<int64_t> cents(amounts.size());
  std::vector<std::pair<Decimal, size_t>> remainders;  // (amount - its floor, index)
  int64_t sum = 0;
  for (size_t i = 0; i < amounts.size(); ++i) {
    cents[i] = amounts[i].toUnits(2, Rounding::kFloor);
    sum += cents[i];
    const Decimal remainder = amounts[i] - Decimal(cents[i], 2);
    if (remainder.sign() > 0) remainders.emplace_back(remainder, i);
  }
  std::stable_sort(remainders.begin(), remainders.end(),
                   [](const auto& a, const auto& b) { return b.first < a.first; });
  const int64_t missing =
      std::clamp<int64_t>(target_cents - sum, 0, static_cast<int64_t>(remainders.size()));
  for (int64_t i = 0; i < missing; ++i) ++cents[remainders[static_cast<size_t>(i)].second];
  return cents;
}

std::optional<Decimal> markPrice(const MarketPrices& prices, MarkMethod method) {
  switch (method) {
    case MarkMethod::kLast:
      break;
    case MarkMethod::kBid:
      if (prices.bid) return *prices.bid;
      break;
    case MarkMethod::kMid:
      if (prices.bid && prices.ask) {
        const Decimal sum = *prices.bid + *prices.ask;
        return sum.divide(Decimal::fromInt(2), sum.scale() + 1, Rounding::kHalfEven);  // exact
      }
      break;
  }
  return prices.last;
}

Decimal sideMark(const Decimal& position, const Decimal& yes_mark) {
  return position.sign() >= 0 ? yes_mark : Decimal::fromInt(1) - yes_mark;
}

Decimal unrealizedPnl(const Decimal& position, const Decimal& yes_mark, const Decimal& basis) {
  const Decimal contracts = position.sign() < 0 ? -position : position;
  return contracts * sideMark(position, yes_mark) - basis;
}

MarketResult computeMarket(std::vector<FillEvent> fills,
                           const std::optional<SettlementEvent>& settlement,
                           const MarketPrices& prices, const std::string& market_category,
                           const AccountingOptions& options) {
  sortByTime(fills);

  MarketResult result;
  result.ledger.reserve(fills.size() + (settlement ? 1 : 0));
  Lots lots(options.lots);
  Decimal position;                         // signed: + YES, - NO
  std::optional<ClosedPosition> open_trip;  // the position held now, since it left zero

  for (const FillEvent& fill : fills) {
    const FillSplit split_fill = splitFill(fill, position);
    const Decimal& held_opposite = split_fill.held_opposite;
    const Decimal& closed = split_fill.closed;
    const Decimal& opened = split_fill.opened;
    const Decimal& close_price = split_fill.close_price;
    const Decimal& open_price = split_fill.open_price;

    LedgerEntry entry;
    entry.time_us = fill.time_us;
    entry.category = fill.category;
    Decimal closing_pnl;
    Decimal cash;
    if (closed.sign() > 0) {
      const Decimal proceeds = closed * close_price;
      const Decimal basis_removed = lots.close(closed);
      closing_pnl = proceeds - basis_removed;
      cash += proceeds;
      entry.basis_change -= basis_removed;
    }
    // The fill's fee belongs to the position it trades in: the one it closes, else the one it
    // opens.
    if (open_trip) {
      open_trip->realized += closing_pnl - fill.fee;
      open_trip->fees += fill.fee;
    }
    if (closed.sign() > 0 && closed == held_opposite) {  // back at zero: that position is closed
      open_trip->closed_us = fill.time_us;
      entry.closed = std::move(open_trip);
      open_trip.reset();
    }
    if (opened.sign() > 0) {
      const Decimal paid = opened * open_price;
      lots.open(opened, paid, fill.order_id);
      cash -= paid;
      entry.basis_change += paid;
      if (!open_trip) {
        open_trip.emplace();
        open_trip->opened_us = fill.time_us;
        open_trip->yes = fill.outcome_yes;
        if (!entry.closed) {  // opened from zero: the fee is this position's
          open_trip->realized -= fill.fee;
          open_trip->fees += fill.fee;
        }
      }
      open_trip->contracts += opened;
      open_trip->entry_cost += paid;
    }
    position += fill.outcome_yes ? fill.count : -fill.count;

    Amounts delta;
    delta.realized = closing_pnl - fill.fee;
    delta.fees = fill.fee;
    delta.cash_flow = cash - fill.fee;
    result.total += delta;
    result.by_category[fill.category] += delta;
    result.closing_pnl_by_fill[fill.fill_id] += closing_pnl;
    result.pnl_by_order[fill.order_id] += closing_pnl - fill.fee;
    entry.realized = delta.realized;
    entry.fees = delta.fees;
    entry.cash_flow = delta.cash_flow;
    entry.bought = opened;
    entry.sold = closed;
    result.ledger.push_back(std::move(entry));
  }

  result.mark = markPrice(prices, options.mark);

  if (settlement) {
    const SettlementEvent& s = *settlement;
    const Decimal held = absolute(position);
    const Decimal revenue(s.revenue_cents, 2);
    const Decimal basis = lots.basis();
    std::string mismatch;
    auto note = [&mismatch](const std::string& text) {
      if (!mismatch.empty()) mismatch += "; ";
      mismatch += text;
    };

    // Payout of one YES contract, when it is known.
    std::optional<Decimal> yes_payout;
    if (s.result == "yes") {
      yes_payout = kOne;
    } else if (s.result == "no") {
      yes_payout = Decimal();
    } else if (s.result == "scalar") {
      if (s.value_cents) yes_payout = Decimal(*s.value_cents, 2);
      // else: the payout per contract is whatever revenue / held says; nothing to check.
    } else {
      note("unknown market_result '" + s.result + "'; revenue taken as paid");
    }
    if (yes_payout) {
      const Decimal per_contract = position.sign() >= 0 ? *yes_payout : kOne - *yes_payout;
      const Decimal expected = held * per_contract;
      // revenue is whole cents: an exact payout with sub-cent digits is accepted when revenue is
      // within a cent of it.
      if (absolute(expected - revenue) >= Decimal(1, 2)) {
        note("revenue " + describe(revenue) + " but " + describe(held) + " " +
             (position.sign() >= 0 ? "YES" : "NO") + " contracts at " + describe(per_contract) +
             " pay " + describe(expected));
      }
    }
    const Decimal expected_yes = position.sign() > 0 ? position : Decimal();
    const Decimal expected_no = position.sign() < 0 ? -position : Decimal();
    if (s.yes_count != expected_yes || s.no_count != expected_no) {
      note("settlement holds yes " + describe(s.yes_count) + " / no " + describe(s.no_count) +
           " but fills give yes " + describe(expected_yes) + " / no " + describe(expected_no));
    }
    if (!mismatch.empty()) result.settlement_mismatch = mismatch;

    Amounts delta;
    delta.realized = revenue - basis - s.fee;
    delta.fees = s.fee;
    delta.cash_flow = revenue - s.fee;
    result.total += delta;
    result.by_category[market_category] += delta;
    result.settlement_revenue = revenue;
    if (!lots.attributeSettlement(revenue, s.fee, result.pnl_by_order) && !fills.empty()) {
      // Nothing held (a fee on a closed position, or revenue for contracts whose fills are
      // missing): the market's last order carries it.
      result.pnl_by_order[fills.back().order_id] += revenue - basis - s.fee;
    }

    LedgerEntry entry;
    entry.time_us = s.time_us;
    entry.category = market_category;
    entry.settlement = true;
    entry.realized = delta.realized;
    entry.fees = delta.fees;
    entry.cash_flow = delta.cash_flow;
    entry.basis_change = -basis;
    if (open_trip) {
      open_trip->realized += delta.realized;
      open_trip->fees += s.fee;
      open_trip->closed_us = s.time_us;
      open_trip->settled = true;
      if (yes_payout) {
        open_trip->payout = open_trip->yes ? *yes_payout : kOne - *yes_payout;
      } else if (held.sign() > 0) {
        open_trip->payout = revenue.divide(held, 6, Rounding::kHalfEven);
      }
      entry.closed = std::move(open_trip);
      open_trip.reset();
    }
    result.ledger.push_back(std::move(entry));
    lots.clear();
    position = Decimal();
  }

  result.position = position;
  result.open_basis = lots.basis();
  if (position.sign() != 0) {
    Amounts delta;
    if (result.mark) delta.unrealized = unrealizedPnl(position, *result.mark, result.open_basis);
    result.total += delta;
    result.by_category[market_category] += delta;
  }
  return result;
}

}  // namespace kalshi
}  // namespace kalshi_direct

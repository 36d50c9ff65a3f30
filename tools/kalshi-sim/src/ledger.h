// Per-market accounting: the simulator's own ground truth.
//
// This is deliberately written from the exchange's rules (see README "Accounting rules"), not
// from anything in the ETL. Every fill and settlement is applied here as it is generated, so the
// truth is accumulated from cash flows as they happen.
//
// Position model: one signed position per market, in contracts of YES (negative = NO
// contracts). Kalshi nets YES against NO immediately, so a fill whose outcome_side is opposite to
// the held side first closes held contracts (FIFO) and only then opens new ones.
//   outcome_side=yes (buy-yes or sell-no): position += count
//   outcome_side=no  (buy-no or sell-yes): position -= count
// Cash of the closing part: closing YES receives yes_price per contract, closing NO receives
// no_price (a netting buy of the opposite side pays its price and gets $1 back per netted pair,
// which is the same amount). Cash of the opening part: pay yes_price (YES) or no_price (NO).
#pragma once

#include <cstdint>
#include <deque>

#include "fixed_point.h"

namespace ksim {

enum class MarketResult : std::uint8_t { None, Yes, No, Scalar };

const char* result_name(MarketResult r);  // "yes" / "no" / "scalar" / ""

struct Lot {
  Centis count;
  Micros price;  // price paid per contract of the held side
};

struct FillEffect {
  Micros cash = 0;      // signed cash flow of the fill before fees (+ received, - paid)
  Centis closed = 0;    // contracts closed by this fill
  Centis opened = 0;    // contracts opened by this fill
  Micros realized = 0;  // FIFO realized P&L of the closed part (before fees)
};

struct SettlementEffect {
  Centis yes_count = 0;
  Centis no_count = 0;
  Micros yes_cost = 0;  // cost basis of the YES contracts held at settlement
  Micros no_cost = 0;
  Micros revenue = 0;  // payout
};

class MarketLedger {
 public:
  // outcome_yes: the fill's outcome_side is "yes". yes_price in micro-dollars (0 < p < 1e6).
  FillEffect apply_fill(bool outcome_yes, Centis count, Micros yes_price, Micros fee);

  // Pays out the open position and closes it. value_cents is only used for scalar results
  // (payout of one YES contract in cents; a NO contract pays 100 - value).
  SettlementEffect settle(MarketResult result, std::int64_t value_cents);

  // Settlement whose payout is given (fixtures serve the exchange's `revenue` as-is): records
  // the revenue and an optional settlement fee, and closes the position.
  SettlementEffect settle_with_revenue(Micros revenue, Micros fee);

  Centis position() const { return position_; }
  Micros exposure() const;  // cost basis of the open position

  Micros cash_paid() const { return cash_paid_; }
  Micros cash_received() const { return cash_received_; }
  Micros fees() const { return fees_; }
  Micros settlement_revenue() const { return settlement_revenue_; }
  Micros realized_pnl() const { return realized_; }
  Micros total_traded() const { return total_traded_; }
  // cash received - cash paid - fees + settlement revenue
  Micros cash_pnl() const { return cash_received_ - cash_paid_ - fees_ + settlement_revenue_; }
  bool settled() const { return settled_; }
  std::uint32_t fill_count() const { return fills_; }

 private:
  Micros close_lots(Centis qty, Micros close_price);

  Centis position_ = 0;
  std::deque<Lot> lots_;  // lots of the held side, oldest first
  Micros cash_paid_ = 0;
  Micros cash_received_ = 0;
  Micros fees_ = 0;
  Micros settlement_revenue_ = 0;
  Micros realized_ = 0;
  Micros total_traded_ = 0;
  std::uint32_t fills_ = 0;
  bool settled_ = false;
};

}  // namespace ksim

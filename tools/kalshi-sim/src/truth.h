// Rendering of the ground-truth file (--dump-truth, GET /admin/truth).
//
// Both account kinds fill in TruthMarket rows from their MarketLedger (money accumulated from
// cash flows as fills and settlements were applied); this file only aggregates and formats.
// Cents are derived from the exact micro-dollar amounts once, at the end, rounding half away
// from zero; category cents come from the exact category sums, never from summed market cents.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fixed_point.h"

namespace ksim {

struct TruthMarket {
  std::string ticker;
  std::string series_ticker;
  std::string event_ticker;
  std::string category;  // as the exchange names it ("" when unknown in a fixture)
  Micros cash_paid = 0;
  Micros cash_received = 0;
  Micros fees = 0;
  Micros settlement_revenue = 0;
  Micros realized_pnl = 0;  // FIFO, before fees, incl. settlement
  Micros total_traded = 0;
  Centis position = 0;  // signed, negative = NO contracts
  Micros exposure = 0;  // cost basis of the open position
  bool has_mark = false;
  Micros mark_price = 0;  // YES price open contracts are marked at
  bool settled = false;
  std::string result;  // "yes" / "no" / "scalar" / ""
  bool has_value = false;
  std::int64_t value_cents = 0;
  std::int64_t fills = 0;
  std::int64_t maker_fills = 0;
  std::int64_t mm_fills = 0;  // fills of orders whose client_order_id has the market-making prefix
  std::int64_t orders = 0;
  // Set when the open contracts sit in several subaccounts (valued one position at a time).
  bool has_position_value = false;
  Micros position_value_override = 0;

  Micros cash_pnl() const { return cash_received - cash_paid - fees + settlement_revenue; }
  // Value of the open position at the mark: YES contracts at mark, NO contracts at 1 - mark.
  Micros position_value() const;
};

struct TruthCounts {
  std::int64_t orders = 0;
  std::int64_t fills = 0;
  std::int64_t settlements = 0;
  std::int64_t market_positions = 0;
  std::int64_t event_positions = 0;
  std::int64_t live_fills = 0;
  std::int64_t historical_fills = 0;
  std::int64_t live_orders = 0;
  std::int64_t historical_orders = 0;
  std::int64_t resting_orders = 0;
  std::int64_t deposits = 0;     // all statuses
  std::int64_t withdrawals = 0;  // all statuses
  std::int64_t subaccount_transfers = 0;
  std::int64_t live_unsettled_positions = 0;  // /portfolio/positions (default), all subaccounts
  std::int64_t live_settled_positions = 0;    // ?settlement_status=settled
  std::int64_t historical_positions = 0;      // /historical/positions
  std::int64_t historical_markets = 0;        // markets only on /historical/markets
};

struct TruthSubaccount {
  int number = 0;
  Micros balance = 0;
  Micros cash_pnl = 0;
  Micros fees = 0;
  Micros net_transfers = 0;  // in - out between subaccounts
  std::int64_t fills = 0;
  std::int64_t orders = 0;
};

struct TruthHeader {
  std::string source;         // "generated" or "fixture"
  std::string source_detail;  // e.g. "seed=42 fills=2000" or the fixture path
  std::string mm_prefix;
  std::string cutoff_trades;  // RFC 3339
  std::string cutoff_orders;
  std::string cutoff_settled;
  bool has_balance = false;
  Micros balance = 0;
  Micros portfolio_value = 0;
  Micros net_deposits = 0;  // applied deposits (amount - fee) - applied withdrawals (amount + fee)
  std::vector<TruthSubaccount> subaccounts;
};

std::string render_truth(const TruthHeader& header, const TruthCounts& counts,
                         std::vector<TruthMarket> markets);

}  // namespace ksim

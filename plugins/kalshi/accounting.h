// The P&L accounting model for one Kalshi market (docs/pnl.md explains it with examples).
//
// Kalshi nets YES against NO in a market: an account holds either YES or NO contracts there, never
// both. The position is one signed count P (+ = YES contracts, - = NO contracts). A fill moves it
// by +count (outcome_side = yes) or -count (outcome_side = no); `action`/`side` are not needed:
//   - the part of the fill that nets against held contracts of the other side CLOSES them: it
//     receives (1 - price of outcome_side) per contract (selling the held side at its price);
//   - the rest OPENS contracts of outcome_side at that side's price (cash paid).
// Settlement pays per held contract: YES 1 if result yes, value/100 if scalar, else 0; NO 1 - that.
// Kalshi's reported `revenue` (cents) is taken as the cash received; fee_cost is a fee.
//
// Cost basis: lots in opening order. FIFO (default) closes the oldest first; average cost keeps
// one pooled lot. Either way, cost leaves the basis exactly (what is removed plus what remains
// equals what was paid), so per market, for any lot method:
//   realized + unrealized = cash received - cash paid - fees + settlement revenue + open at mark
// where realized is net of fees and unrealized = open contracts at mark - their remaining basis.
// Fees are expensed when paid. All amounts are exact Decimals (dollars); cents appear only when a
// caller rounds a final column.
//
// Attribution: a fill's closing P&L and its fee go to the fill's category; settlement P&L and
// unrealized P&L go to the market's category. Per-order P&L = sum over its fills of (closing P&L
// - fee), plus its share of the settlement of the contracts it opened and still held then
// (revenue and fee by count, basis by its lots): an opening-only order closed by a sale carries
// minus its fees. So the orders' P&L adds up to the market's realized P&L exactly.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kalshi_direct/decimal.h"

namespace kalshi_direct {
namespace kalshi {

enum class LotMethod { kFifo, kAverageCost };
enum class MarkMethod { kLast, kBid, kMid };

struct FillEvent {
  std::string fill_id;
  std::string order_id;
  std::string category;     // the fill's dashboard category
  bool outcome_yes = true;  // outcome_side == "yes"
  Decimal count;            // > 0
  Decimal yes_price;        // dollars; no price = 1 - yes price
  Decimal no_price;
  Decimal fee;          // dollars, >= 0
  int64_t time_us = 0;  // chronological order; ties broken by fill_id
};

struct SettlementEvent {
  std::string result;                  // yes | no | scalar
  std::optional<int64_t> value_cents;  // scalar: payout per YES contract in cents
  int64_t revenue_cents = 0;           // what Kalshi paid out
  Decimal fee;                         // dollars
  Decimal yes_count, no_count;         // what Kalshi says was held (for reconciliation)
  int64_t time_us = 0;
};

struct MarketPrices {
  std::optional<Decimal> last, bid, ask;  // YES prices in dollars
};

struct Amounts {
  Decimal realized;  // net of fees
  Decimal unrealized;
  Decimal fees;
  Decimal cash_flow;  // received - paid - fees + settlement revenue
  Amounts& operator+=(const Amounts& other);
};

// A position from the moment it leaves zero until it is back at zero (closed by trades, or
// settled): a "trade" in a trading journal's sense, what win rate and edge by price count.
struct ClosedPosition {
  int64_t opened_us = 0, closed_us = 0;
  bool yes = true;     // the contract side held
  Decimal contracts;   // every contract opened during it
  Decimal entry_cost;  // what opening them cost (count x price of the side), fees excluded
  Decimal realized;    // net of every fee paid in it (opening fees included)
  Decimal fees;
  bool settled = false;           // closed by the market's settlement (else by trades)
  std::optional<Decimal> payout;  // settled: what one contract of the held side paid
};

// One dated change of the market's realized P&L, cash and open basis: a fill, or the settlement.
// The daily ledger (kalshi_daily_pnl) adds them up per calendar day; the sum of every entry's
// realized and fees is the market's total (to the last digit).
struct LedgerEntry {
  int64_t time_us = 0;
  std::string category;  // the fill's category; a settlement's is the market's
  bool settlement = false;
  Decimal realized;  // net of fees
  Decimal fees;
  Decimal cash_flow;     // cash received - paid - fees (+ settlement revenue)
  Decimal bought, sold;  // contracts opened / closed by a trade (a sale or a netting buy)
  Decimal basis_change;  // cost basis of the open contracts after, minus before
  std::optional<ClosedPosition> closed;  // the position returned to zero here
};

struct MarketResult {
  Decimal position;             // signed, after all events
  Decimal open_basis;           // cost basis of the open contracts (dollars)
  std::optional<Decimal> mark;  // YES mark price used (none: no price known)
  Amounts total;
  Decimal settlement_revenue;  // dollars
  std::map<std::string, Amounts> by_category;
  std::map<std::string, Decimal> closing_pnl_by_fill;  // fill_id -> realized before fees
  std::map<std::string, Decimal> pnl_by_order;  // order_id -> realized net of its fees (above)
  // Settlement counts differing from the computed position (a sign of missing fills).
  std::optional<std::string> settlement_mismatch;
  std::vector<LedgerEntry> ledger;  // in time order, one per fill and one for the settlement
};

struct AccountingOptions {
  LotMethod lots = LotMethod::kFifo;
  MarkMethod mark = MarkMethod::kLast;
};

// The YES price open contracts are marked at: the last trade (kLast), the YES bid (kBid) or the
// bid/ask midpoint (kMid, exact); kBid and kMid fall back to the last trade when their prices are
// missing. None when no usable price is known.
std::optional<Decimal> markPrice(const MarketPrices& prices, MarkMethod method);
// The price of the side held: `yes_mark` for YES contracts (position > 0), 1 - `yes_mark` for NO.
Decimal sideMark(const Decimal& position, const Decimal& yes_mark);
// The one unrealized-P&L formula (the snapshot's and `kalshi-direct positions`'): the open
// contracts (|position|) at their side's mark, minus what they cost (`basis`, dollars).
Decimal unrealizedPnl(const Decimal& position, const Decimal& yes_mark, const Decimal& basis);

// One tax lot: contracts of one opening fill, or the part of them one close took, matched first in
// first out whatever `lots` says (as Kalshi's own tax figures are). Fees are in the cost basis (the
// opening fill's, by count) and taken off the proceeds (the closing fill's or the settlement's).
// A fill that closes and opens splits its fee by count. Still-open contracts are lots without a
// close (no proceeds).
struct TaxLot {
  bool yes = true;  // the contract side held
  int64_t acquired_us = 0;
  std::optional<int64_t> closed_us;
  bool settled = false;  // closed by the settlement (else by a trade, or still open)
  Decimal quantity;
  Decimal proceeds;     // received, net of the closing fees
  Decimal cost_basis;   // paid, with the opening fees
  Decimal opening_fee;  // the part of cost_basis that is fees
  Decimal gain() const { return proceeds - cost_basis; }
};
// Sums of a market's lots: the closed lots' gains minus the opening fees of the open ones equal the
// market's realized P&L under FIFO (when every held contract has its fills).
std::vector<TaxLot> taxLots(std::vector<FillEvent> fills,
                            const std::optional<SettlementEvent>& settlement);

// Whole cents for `amounts` (dollars) that add up to `target_cents` exactly, each the amount
// rounded down or up to the cent (the largest-remainder method): every amount gets its floor,
// and the cents still missing go one each to the largest remainders, ties to the earlier one.
// When the target is outside [sum of floors, sum of ceilings], the nearest bound is used.
// How kalshi_orders.pnl_cents adds up to the realized P&L (docs/tables.md).
std::vector<int64_t> apportionCents(const std::vector<Decimal>& amounts, int64_t target_cents);

// Computes one market from all its fills (any order: sorted by time_us, then fill_id) and its
// settlement if it settled. Open contracts without a usable mark price count at their basis
// (unrealized 0). Throws std::overflow_error only for amounts beyond any real account.
MarketResult computeMarket(std::vector<FillEvent> fills,
                           const std::optional<SettlementEvent>& settlement,
                           const MarketPrices& prices, const std::string& market_category,
                           const AccountingOptions& options = {});

}  // namespace kalshi
}  // namespace kalshi_direct

// The P&L accounting model (plugins/kalshi/accounting.h, docs/pnl.md).
//
// The hand-worked examples are the ones in docs/pnl.md; every number is explained in a comment so
// a person can check it with pencil and paper. The property test then checks the identity
//   realized + unrealized == cash received - cash paid - fees + settlement revenue + open at mark
// on thousands of random markets, for both lot methods.
#include "kalshi/accounting.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace kalshi_direct {
namespace kalshi {
namespace {

Decimal D(const char* text) {
  Decimal value;
  std::string error;
  EXPECT_TRUE(Decimal::parse(text, value, &error)) << error;
  return value;
}

// A fill of `count` contracts with outcome_side yes (outcome_yes) or no, at YES price `yes`
// (the NO price is 1 - yes), paying `fee`.
FillEvent fill(const std::string& id, const std::string& order, bool outcome_yes, const char* count,
               const char* yes, const char* fee = "0", int64_t time_us = 0,
               const std::string& category = "other") {
  FillEvent f;
  f.fill_id = id;
  f.order_id = order;
  f.category = category;
  f.outcome_yes = outcome_yes;
  f.count = D(count);
  f.yes_price = D(yes);
  f.no_price = Decimal::fromInt(1) - f.yes_price;
  f.fee = D(fee);
  f.time_us = time_us == 0 ? static_cast<int64_t>(std::stoll(id.substr(1))) : time_us;
  return f;
}
constexpr bool kYes = true;  // outcome_side yes: buy YES or sell NO
constexpr bool kNo = false;  // outcome_side no: buy NO or sell YES

SettlementEvent settle(const char* result, int64_t revenue_cents, const char* yes_count,
                       const char* no_count, std::optional<int64_t> value_cents = std::nullopt,
                       const char* fee = "0") {
  SettlementEvent s;
  s.result = result;
  s.revenue_cents = revenue_cents;
  s.yes_count = D(yes_count);
  s.no_count = D(no_count);
  s.value_cents = value_cents;
  s.fee = D(fee);
  return s;
}

MarketPrices last(const char* price) {
  MarketPrices p;
  p.last = D(price);
  return p;
}

// Decimal equality by value, printing both on failure.
#define EXPECT_DEC(actual, expected)                                                   \
  do {                                                                                 \
    const Decimal actual_value = (actual);                                             \
    const Decimal expected_value = D(expected);                                        \
    EXPECT_EQ(actual_value, expected_value)                                            \
        << #actual << " = " << actual_value.toString() << ", expected " << (expected); \
  } while (0)

// The identity, checked on every hand-worked example too.
void expectIdentity(const MarketResult& r) {
  Decimal open_at_mark = r.open_basis;  // without a mark, open contracts count at their basis
  if (r.position.sign() != 0 && r.mark) {
    const Decimal one = Decimal::fromInt(1);
    open_at_mark = r.position.sign() > 0 ? r.position * *r.mark : (-r.position) * (one - *r.mark);
  }
  EXPECT_EQ(r.total.realized + r.total.unrealized, r.total.cash_flow + open_at_mark)
      << "realized " << r.total.realized.toString() << " unrealized "
      << r.total.unrealized.toString() << " cash " << r.total.cash_flow.toString() << " open "
      << open_at_mark.toString();
  Amounts sum;
  for (const auto& [category, amounts] : r.by_category) sum += amounts;
  EXPECT_EQ(sum.realized, r.total.realized);
  EXPECT_EQ(sum.unrealized, r.total.unrealized);
  EXPECT_EQ(sum.fees, r.total.fees);
  EXPECT_EQ(sum.cash_flow, r.total.cash_flow);
}

// Example 1 — buy YES, sell YES.
TEST(AccountingExamples, BuyAndSellYes) {
  const std::vector<FillEvent> fills = {
      // Buy 10 YES at 0.40 as taker: pays 10 x 0.40 = 4.00; fee ceil(0.07 x 10 x 0.40 x 0.60)
      // = ceil(0.168) = 0.17.
      fill("f1", "o1", kYes, "10.00", "0.4000", "0.1700"),
      // Sell 10 YES at 0.55 (outcome_side no, yes price 0.55) as taker: receives 10 x 0.55 = 5.50;
      // fee ceil(0.07 x 10 x 0.55 x 0.45) = ceil(0.17325) = 0.18.
      fill("f2", "o2", kNo, "10.00", "0.5500", "0.1800"),
  };
  const MarketResult r = computeMarket(fills, std::nullopt, last("0.5500"), "other");
  EXPECT_DEC(r.position, "0");
  EXPECT_DEC(r.closing_pnl_by_fill.at("f1"), "0");     // pure opening
  EXPECT_DEC(r.closing_pnl_by_fill.at("f2"), "1.50");  // 5.50 received - 4.00 basis
  EXPECT_DEC(r.total.fees, "0.35");                    // 0.17 + 0.18
  EXPECT_DEC(r.total.realized, "1.15");                // 1.50 - 0.35
  EXPECT_DEC(r.total.cash_flow, "1.15");               // -4.00 - 0.17 + 5.50 - 0.18
  EXPECT_DEC(r.total.unrealized, "0");
  EXPECT_DEC(r.pnl_by_order.at("o1"), "-0.17");  // opening order: minus its fee
  EXPECT_DEC(r.pnl_by_order.at("o2"), "1.32");   // 1.50 - 0.18
  expectIdentity(r);
}

// Example 2 — buy NO, sell part of it, mark the rest.
TEST(AccountingExamples, BuyNoAndSellNo) {
  const std::vector<FillEvent> fills = {
      // Buy 5 NO at 0.30 (outcome_side no, yes price 0.70) as maker: pays 5 x 0.30 = 1.50;
      // fee ceil(0.0175 x 5 x 0.30 x 0.70) = ceil(0.018375) = 0.02.
      fill("f1", "o1", kNo, "5.00", "0.7000", "0.0200"),
      // Sell 2 NO at 0.35 (outcome_side yes, yes price 0.65) as taker: receives 2 x 0.35 = 0.70;
      // the 2 NO cost 2 x 0.30 = 0.60, so closing P&L 0.10; fee ceil(0.07 x 2 x .35 x .65) = 0.04.
      fill("f2", "o2", kYes, "2.00", "0.6500", "0.0400"),
  };
  // YES last 0.80, so a NO contract is marked at 1 - 0.80 = 0.20.
  const MarketResult r = computeMarket(fills, std::nullopt, last("0.8000"), "other");
  EXPECT_DEC(r.position, "-3");             // 3 NO contracts left
  EXPECT_DEC(r.open_basis, "0.90");         // 3 x 0.30
  EXPECT_DEC(r.total.realized, "0.04");     // 0.10 - 0.02 - 0.04
  EXPECT_DEC(r.total.unrealized, "-0.30");  // 3 x 0.20 = 0.60 at mark - 0.90 basis
  EXPECT_DEC(r.total.cash_flow, "-0.86");   // -1.50 - 0.02 + 0.70 - 0.04
  EXPECT_DEC(r.total.fees, "0.06");
  // Identity: 0.04 + (-0.30) = -0.26 = -0.86 + 0.60.
  expectIdentity(r);
}

// Example 3 — netting YES against NO, crossing from YES to NO in one fill.
TEST(AccountingExamples, NettingYesAgainstNo) {
  const std::vector<FillEvent> fills = {
      // Buy 10 YES at 0.40: pays 4.00, position +10.
      fill("f1", "o1", kYes, "10", "0.40"),
      // Buy 4 NO at 0.45 (yes price 0.55): Kalshi nets them against 4 held YES, which is selling 4
      // YES at 0.55: receives 4 x 0.55 = 2.20, basis 4 x 0.40 = 1.60, closing P&L 0.60. Position
      // +6.
      fill("f2", "o2", kNo, "4", "0.55"),
      // Buy 8 NO at 0.50 (yes price 0.50): closes the 6 YES left, receiving 6 x 0.50 = 3.00 against
      // basis 6 x 0.40 = 2.40 (closing P&L 0.60), then opens 2 NO paying 2 x 0.50 = 1.00.
      fill("f3", "o3", kNo, "8", "0.50"),
  };
  // YES last 0.45: NO marked at 0.55.
  const MarketResult r = computeMarket(fills, std::nullopt, last("0.45"), "other");
  EXPECT_DEC(r.position, "-2");
  EXPECT_DEC(r.closing_pnl_by_fill.at("f2"), "0.60");
  EXPECT_DEC(r.closing_pnl_by_fill.at("f3"), "0.60");
  EXPECT_DEC(r.open_basis, "1.00");        // the 2 NO opened by f3
  EXPECT_DEC(r.total.realized, "1.20");    // 0.60 + 0.60, no fees
  EXPECT_DEC(r.total.unrealized, "0.10");  // 2 x 0.55 = 1.10 - 1.00
  EXPECT_DEC(r.total.cash_flow, "0.20");   // -4.00 + 2.20 + 3.00 - 1.00
  // Identity: 1.20 + 0.10 = 1.30 = 0.20 + 1.10.
  expectIdentity(r);
}

// Example 4 — partial fills, FIFO against average cost.
std::vector<FillEvent> partialFills() {
  return {
      // Order o1: buy 10 YES, filled in three parts (maker, fee 0.01 each):
      fill("f1", "o1", kYes, "3", "0.40", "0.01"),  // pays 1.20
      fill("f2", "o1", kYes, "5", "0.40", "0.01"),  // pays 2.00
      fill("f3", "o1", kYes, "2", "0.39", "0.01"),  // pays 0.78 (a better price)
      // Order o2: sell 6 YES at 0.60, only 4 filled before it was canceled (taker, fee 0.07):
      // receives 4 x 0.60 = 2.40.
      fill("f4", "o2", kNo, "4", "0.60", "0.07"),
  };
}

TEST(AccountingExamples, PartialFillsFifo) {
  const MarketResult r = computeMarket(partialFills(), std::nullopt, last("0.60"), "other");
  // FIFO closes the oldest 4: all of f1 (1.20) and 1 of f2's 5 (2.00 x 1/5 = 0.40): basis 1.60.
  EXPECT_DEC(r.closing_pnl_by_fill.at("f4"), "0.80");  // 2.40 - 1.60
  EXPECT_DEC(r.position, "6");
  EXPECT_DEC(r.open_basis, "2.38");              // 4 of f2 (1.60) + f3 (0.78)
  EXPECT_DEC(r.total.fees, "0.10");              // 3 x 0.01 + 0.07
  EXPECT_DEC(r.total.realized, "0.70");          // 0.80 - 0.10
  EXPECT_DEC(r.total.unrealized, "1.22");        // 6 x 0.60 = 3.60 - 2.38
  EXPECT_DEC(r.total.cash_flow, "-1.68");        // -3.98 + 2.40 - 0.10
  EXPECT_DEC(r.pnl_by_order.at("o1"), "-0.03");  // opened only: minus its three fees
  EXPECT_DEC(r.pnl_by_order.at("o2"), "0.73");   // 0.80 - 0.07
  expectIdentity(r);
}

TEST(AccountingExamples, PartialFillsAverageCostSameTotal) {
  AccountingOptions options;
  options.lots = LotMethod::kAverageCost;
  const MarketResult r =
      computeMarket(partialFills(), std::nullopt, last("0.60"), "other", options);
  // One pool of 10 contracts costing 3.98; closing 4 removes 3.98 x 4/10 = 1.592.
  EXPECT_DEC(r.closing_pnl_by_fill.at("f4"), "0.808");  // 2.40 - 1.592
  EXPECT_DEC(r.open_basis, "2.388");                    // 3.98 - 1.592
  EXPECT_DEC(r.total.realized, "0.708");                // 0.808 - 0.10
  EXPECT_DEC(r.total.unrealized, "1.212");              // 3.60 - 2.388
  // Different split than FIFO (0.70 + 1.22), the same total: 1.92 = -1.68 + 3.60.
  EXPECT_DEC(r.total.realized + r.total.unrealized, "1.92");
  expectIdentity(r);
}

// Example 5 — fees on taker and maker fills are expensed.
TEST(AccountingExamples, MakerAndTakerFees) {
  const std::vector<FillEvent> fills = {
      // Taker buys 100 YES at 0.50: pays 50.00; fee ceil(0.07 x 100 x 0.50 x 0.50) = 1.75.
      fill("f1", "o1", kYes, "100", "0.50", "1.75"),
      // Maker sells 100 YES at 0.52: receives 52.00; fee ceil(0.0175 x 100 x 0.52 x 0.48)
      // = ceil(0.4368) = 0.44.
      fill("f2", "o2", kNo, "100", "0.52", "0.44"),
  };
  const MarketResult r = computeMarket(fills, std::nullopt, {}, "other");
  EXPECT_DEC(r.closing_pnl_by_fill.at("f2"), "2.00");  // 52.00 - 50.00
  EXPECT_DEC(r.total.fees, "2.19");
  EXPECT_DEC(r.total.realized, "-0.19");  // a 2-cent edge does not cover the fees
  EXPECT_DEC(r.total.cash_flow, "-0.19");
  EXPECT_FALSE(r.mark.has_value());
  expectIdentity(r);
}

// Example 6 — settlement.
TEST(AccountingExamples, SettlementYes) {
  // Buy 10 YES at 0.40 (pays 4.00, fee 0.17); the market resolves yes: 10 x 1.00 = 10.00.
  const MarketResult r = computeMarket({fill("f1", "o1", kYes, "10", "0.40", "0.17")},
                                       settle("yes", 1000, "10", "0"), last("0.99"), "other");
  EXPECT_DEC(r.position, "0");
  EXPECT_DEC(r.settlement_revenue, "10.00");
  EXPECT_DEC(r.total.realized, "5.83");  // 10.00 - 4.00 - 0.17
  EXPECT_DEC(r.total.cash_flow, "5.83");
  EXPECT_DEC(r.total.unrealized, "0");  // settled: nothing open
  EXPECT_FALSE(r.settlement_mismatch.has_value());
  expectIdentity(r);
}

TEST(AccountingExamples, SettlementNo) {
  // Held YES expire worthless: 10 YES bought at 0.40 lose their 4.00.
  MarketResult r = computeMarket({fill("f1", "o1", kYes, "10", "0.40")}, settle("no", 0, "10", "0"),
                                 {}, "other");
  EXPECT_DEC(r.total.realized, "-4.00");
  EXPECT_FALSE(r.settlement_mismatch.has_value());
  expectIdentity(r);
  // Held NO pay 1.00 each: 5 NO bought at 0.30 (1.50) collect 5.00; settlement fee 0.05.
  r = computeMarket({fill("f1", "o1", kNo, "5", "0.70")}, settle("no", 500, "0", "5", 0, "0.05"),
                    {}, "other");
  EXPECT_DEC(r.total.realized, "3.45");  // 5.00 - 1.50 - 0.05
  EXPECT_DEC(r.total.fees, "0.05");
  EXPECT_DEC(r.total.cash_flow, "3.45");  // -1.50 + 5.00 - 0.05
  EXPECT_FALSE(r.settlement_mismatch.has_value());
  expectIdentity(r);
}

TEST(AccountingExamples, SettlementScalar) {
  // Scalar result with value 37 cents: a YES contract pays 0.37, a NO contract 0.63.
  // 10 YES bought at 0.40 (4.00) receive 10 x 0.37 = 3.70.
  MarketResult r = computeMarket({fill("f1", "o1", kYes, "10", "0.40")},
                                 settle("scalar", 370, "10", "0", 37), {}, "econ");
  EXPECT_DEC(r.total.realized, "-0.30");  // 3.70 - 4.00
  EXPECT_FALSE(r.settlement_mismatch.has_value());
  expectIdentity(r);
  // 10 NO bought at 0.60 (6.00) receive 10 x 0.63 = 6.30.
  r = computeMarket({fill("f1", "o1", kNo, "10", "0.40")}, settle("scalar", 630, "0", "10", 37), {},
                    "econ");
  EXPECT_DEC(r.total.realized, "0.30");  // 6.30 - 6.00
  EXPECT_FALSE(r.settlement_mismatch.has_value());
  // Without `value` the revenue is taken as it is (nothing to check it against).
  r = computeMarket({fill("f1", "o1", kNo, "10", "0.40")}, settle("scalar", 630, "0", "10"), {},
                    "econ");
  EXPECT_DEC(r.total.realized, "0.30");
  EXPECT_FALSE(r.settlement_mismatch.has_value());
}

TEST(AccountingExamples, SettlementMismatchIsReportedNotFatal) {
  // Kalshi says 12 YES were held and paid 12.00, but the fills give 10: a fill is missing.
  const MarketResult r = computeMarket({fill("f1", "o1", kYes, "10", "0.40")},
                                       settle("yes", 1200, "12.00", "0.00"), {}, "other");
  ASSERT_TRUE(r.settlement_mismatch.has_value());
  EXPECT_NE(r.settlement_mismatch->find("revenue 12.00"), std::string::npos)
      << *r.settlement_mismatch;
  EXPECT_NE(r.settlement_mismatch->find("yes 12.00"), std::string::npos) << *r.settlement_mismatch;
  EXPECT_EQ(r.settlement_mismatch->find('\n'), std::string::npos);
  EXPECT_DEC(r.total.realized, "8.00");  // Kalshi's revenue is the cash: 12.00 - 4.00
  expectIdentity(r);
}

// Example 7 — an open position marked to market.
TEST(AccountingExamples, MarkMethods) {
  // 10 YES bought at 0.40: basis 4.00. Market: last 0.52, bid 0.48, ask 0.51.
  const std::vector<FillEvent> fills = {fill("f1", "o1", kYes, "10", "0.40")};
  MarketPrices prices;
  prices.last = D("0.52");
  prices.bid = D("0.48");
  prices.ask = D("0.51");
  AccountingOptions options;
  options.mark = MarkMethod::kLast;
  EXPECT_DEC(computeMarket(fills, std::nullopt, prices, "c", options).total.unrealized,
             "1.20");  // 5.20-4
  options.mark = MarkMethod::kBid;
  EXPECT_DEC(computeMarket(fills, std::nullopt, prices, "c", options).total.unrealized,
             "0.80");  // 4.80-4
  options.mark = MarkMethod::kMid;
  const MarketResult mid = computeMarket(fills, std::nullopt, prices, "c", options);
  EXPECT_DEC(*mid.mark, "0.495");            // (0.48 + 0.51) / 2, exact
  EXPECT_DEC(mid.total.unrealized, "0.95");  // 10 x 0.495 = 4.95 - 4.00
  expectIdentity(mid);

  // No bid: bid and mid fall back to the last price.
  MarketPrices no_bid;
  no_bid.last = D("0.52");
  no_bid.ask = D("0.51");
  options.mark = MarkMethod::kMid;
  EXPECT_DEC(*computeMarket(fills, std::nullopt, no_bid, "c", options).mark, "0.52");
  options.mark = MarkMethod::kBid;
  EXPECT_DEC(*computeMarket(fills, std::nullopt, no_bid, "c", options).mark, "0.52");

  // No price at all: no mark, the position counts at its basis (unrealized 0).
  const MarketResult none = computeMarket(fills, std::nullopt, {}, "c");
  EXPECT_FALSE(none.mark.has_value());
  EXPECT_DEC(none.total.unrealized, "0");
  EXPECT_DEC(none.open_basis, "4.00");
  expectIdentity(none);

  // NO contracts are marked at 1 - the YES mark: 10 NO bought at 0.60 (6.00), YES bid 0.48 so
  // NO at 0.52: 5.20 - 6.00 = -0.80.
  options.mark = MarkMethod::kBid;
  const MarketResult no_side =
      computeMarket({fill("f1", "o1", kNo, "10", "0.40")}, std::nullopt, prices, "c", options);
  EXPECT_DEC(no_side.total.unrealized, "-0.80");
  expectIdentity(no_side);
}

// Example 8 — fractional counts.
TEST(AccountingExamples, FractionalCounts) {
  const std::vector<FillEvent> fills = {
      // Buy 2.50 YES at 0.37: pays 2.50 x 0.37 = 0.925.
      fill("f1", "o1", kYes, "2.50", "0.37", "0.01"),
      // Sell 1.25 YES at 0.41: receives 1.25 x 0.41 = 0.5125; basis 0.925 x 1.25 / 2.50 = 0.4625;
      // closing P&L 0.05.
      fill("f2", "o2", kNo, "1.25", "0.41", "0.01"),
  };
  // Resolves yes: 1.25 YES pay 1.25.
  const MarketResult r = computeMarket(fills, settle("yes", 125, "1.25", "0"), {}, "other");
  EXPECT_DEC(r.closing_pnl_by_fill.at("f2"), "0.05");
  EXPECT_DEC(r.total.realized, "0.8175");   // 0.05 + (1.25 - 0.4625) - 0.02
  EXPECT_DEC(r.total.cash_flow, "0.8175");  // -0.925 + 0.5125 + 1.25 - 0.02
  EXPECT_FALSE(r.settlement_mismatch.has_value());
  expectIdentity(r);
}

// Average cost with a pool that does not divide evenly: the removed basis is rounded half-even to
// micro-dollars, the remainder keeps the rest, and nothing is lost.
TEST(AccountingExamples, AverageCostRoundingConservesBasis) {
  AccountingOptions options;
  options.lots = LotMethod::kAverageCost;
  const std::vector<FillEvent> fills = {
      fill("f1", "o1", kYes, "1", "0.50"),  // pool: 1 contract, 0.50
      fill("f2", "o1", kYes, "2", "0.25"),  // pool: 3 contracts, 1.00
      // Close 1: removes 1.00 / 3 = 0.333333(3) -> 0.333333; pool keeps 0.666667.
      fill("f3", "o2", kNo, "1", "0.50"),
      // Close 1: removes 0.666667 / 2 = 0.3333335 -> 0.333334 (half-even); pool keeps 0.333333.
      fill("f4", "o3", kNo, "1", "0.50"),
      // Close the last: removes 0.333333. Removed in all: 1.000000, exactly what was paid.
      fill("f5", "o4", kNo, "1", "0.50"),
  };
  const MarketResult r = computeMarket(fills, std::nullopt, {}, "other", options);
  EXPECT_DEC(r.closing_pnl_by_fill.at("f3"), "0.166667");  // 0.50 - 0.333333
  EXPECT_DEC(r.closing_pnl_by_fill.at("f4"), "0.166666");  // 0.50 - 0.333334
  EXPECT_DEC(r.closing_pnl_by_fill.at("f5"), "0.166667");  // 0.50 - 0.333333
  EXPECT_DEC(r.total.realized, "0.50");                    // 1.50 received - 1.00 paid
  EXPECT_DEC(r.open_basis, "0");
  expectIdentity(r);
}

// Example 9 — per-order P&L: an order whose fills close and open.
// Cents that add up: each amount rounded down or up, the missing cents to the largest remainders.
TEST(ApportionCentsTest, EachAmountIsRoundedDownOrUpAndTheCentsAddUpToTheTarget) {
  const std::vector<Decimal> amounts = {D("0.334"), D("0.333"), D("0.333"), D("-1.005"), D("2")};
  // Floors 0.33 + 0.33 + 0.33 - 1.01 + 2.00 = 1.98; the exact sum 1.995 rounds to 2.00: the two
  // largest remainders (0.005 of -1.005, then 0.004 of 0.334) get a cent each.
  EXPECT_EQ(apportionCents(amounts, 200), (std::vector<int64_t>{34, 33, 33, -100, 200}));
  EXPECT_EQ(apportionCents(amounts, 198), (std::vector<int64_t>{33, 33, 33, -101, 200}));
  // A target beyond every amount rounded up stops at the ceilings.
  EXPECT_EQ(apportionCents(amounts, 500), (std::vector<int64_t>{34, 34, 34, -100, 200}));
  EXPECT_TRUE(apportionCents({}, 0).empty());
}

// Tax lots: FIFO, fees in the cost basis and off the proceeds, a crossing fill's fee split by
// count.
TEST(AccountingExamples, TaxLotsMatchFirstInFirstOut) {
  const std::vector<FillEvent> fills = {
      fill("f1", "A", kYes, "6", "0.30", "0.06", 1),  // 6 YES at 0.30: cost 1.80 + 0.06
      fill("f2", "B", kYes, "4", "0.50", "0.04", 2),  // 4 YES at 0.50: cost 2.00 + 0.04
      // Sells the 10 YES at 0.60 and buys 2 NO at 0.40: fee 0.12, 0.10 of it for the 10 closed.
      fill("f3", "C", kNo, "12", "0.60", "0.12", 3),
  };
  SettlementEvent no = settle("no", 200, "0", "2");  // the 2 NO pay 1.00 each
  no.time_us = 4;
  const std::vector<TaxLot> lots = taxLots(fills, no);
  ASSERT_EQ(lots.size(), 3u);
  // f1's 6: proceeds 6 x 0.60 = 3.60 less 6/10 of 0.10: 3.54; basis 1.86; gain 1.68.
  EXPECT_DEC(lots[0].quantity, "6");
  EXPECT_DEC(lots[0].proceeds, "3.54");
  EXPECT_DEC(lots[0].cost_basis, "1.86");
  EXPECT_DEC(lots[0].gain(), "1.68");
  // f2's 4: proceeds 2.40 - 0.04 = 2.36; basis 2.04; gain 0.32.
  EXPECT_DEC(lots[1].gain(), "0.32");
  EXPECT_EQ(lots[1].acquired_us, 2);
  EXPECT_EQ(*lots[1].closed_us, 3);
  // The 2 NO f3 opened (0.80 + its 0.02 of the fee) settle for 2.00: gain 1.18.
  EXPECT_FALSE(lots[2].yes);
  EXPECT_TRUE(lots[2].settled);
  EXPECT_DEC(lots[2].cost_basis, "0.82");
  EXPECT_DEC(lots[2].gain(), "1.18");
  // 1.68 + 0.32 + 1.18 = 3.18: the realized P&L (2.20 + 1.20 - 0.22 of fees).
  EXPECT_DEC(computeMarket(fills, no, last("0.50"), "other").total.realized, "3.18");
}

// A settlement's P&L goes to the orders that opened the contracts it closed.
TEST(AccountingExamples, SettlementPnlGoesToTheOrdersThatOpenedTheContracts) {
  const std::vector<FillEvent> fills = {
      fill("f1", "A", kYes, "6", "0.30", "0.02"),  // A opens 6 YES at 0.30 (1.80)
      fill("f2", "B", kYes, "4", "0.50", "0.02"),  // B opens 4 YES at 0.50 (2.00)
      fill("f3", "C", kNo, "2", "0.60", "0.01"),   // C sells 2 (FIFO: A's, basis 0.60) for 1.20
  };
  // YES wins: the 8 held pay 8.00, with a 0.08 settlement fee, 0.01 per contract.
  SettlementEvent won = settle("yes", 800, "8", "0");
  won.fee = Decimal(8, 2);
  for (LotMethod lots : {LotMethod::kFifo, LotMethod::kAverageCost}) {
    AccountingOptions options;
    options.lots = lots;
    const MarketResult r = computeMarket(fills, won, last("0.99"), "other", options);
    if (lots == LotMethod::kFifo) {
      // A held 4 (basis 1.20): 4.00 - 0.04 - 1.20 = 2.76, minus its fill fee 0.02.
      EXPECT_DEC(r.pnl_by_order.at("A"), "2.74");
      // B held 4 (basis 2.00): 4.00 - 0.04 - 2.00 = 1.96, minus 0.02.
      EXPECT_DEC(r.pnl_by_order.at("B"), "1.94");
    } else {
      // Average cost: the sale removed 3.80 x 2/10 = 0.76, and the 8 held cost 3.04, 1.52 for
      // each order's 4 (A's 4 left after the sale took the oldest 2 of its 6).
      EXPECT_DEC(r.pnl_by_order.at("A"), "2.42");  // 4.00 - 0.04 - 1.52 - 0.02
      EXPECT_DEC(r.pnl_by_order.at("B"), "2.42");
    }
    // C: 1.20 - the basis the sale removed (FIFO 0.60, average 0.76) - its fee 0.01.
    EXPECT_DEC(r.pnl_by_order.at("C"), lots == LotMethod::kFifo ? "0.59" : "0.43");
    EXPECT_DEC(r.total.realized, "5.27");  // the orders add up to it either way
  }
}

TEST(AccountingExamples, PerOrderPnl) {
  const std::vector<FillEvent> fills = {
      fill("f1", "A", kYes, "5", "0.30", "0.02"),  // order A opens 5 YES at 0.30 (1.50)
      fill("f2", "A", kYes, "5", "0.32", "0.02"),  // and 5 more at 0.32 (1.60)
      // Order B sells 8 YES at 0.50, filled in two parts:
      // f3 closes 5 (FIFO: f1's lot, 1.50) for 2.50: closing 1.00.
      fill("f3", "B", kNo, "5", "0.50", "0.03"),
      // f4 closes 3 of f2's lot (1.60 x 3/5 = 0.96) for 1.50: closing 0.54.
      fill("f4", "B", kNo, "3", "0.50", "0.03"),
      // Order C buys 4 NO at 0.45 (yes 0.55): closes the last 2 YES (basis 0.64) for 2 x 0.55 =
      // 1.10 (closing 0.46), then opens 2 NO paying 0.90.
      fill("f5", "C", kNo, "4", "0.55", "0.05"),
  };
  const MarketResult r = computeMarket(fills, std::nullopt, last("0.55"), "other");
  EXPECT_DEC(r.pnl_by_order.at("A"), "-0.04");  // opening only: -(0.02 + 0.02)
  EXPECT_DEC(r.pnl_by_order.at("B"), "1.48");   // 1.00 + 0.54 - 0.06
  EXPECT_DEC(r.pnl_by_order.at("C"), "0.41");   // 0.46 - 0.05
  EXPECT_DEC(r.position, "-2");
  // Realized = sum of the orders' P&L when nothing settled: -0.04 + 1.48 + 0.41 = 1.85.
  EXPECT_DEC(r.total.realized, "1.85");
  expectIdentity(r);
}

// Example 10 — category attribution.
TEST(AccountingExamples, CategoryAttributionSumsToTotal) {
  const std::vector<FillEvent> fills = {
      // A market-making fill buys 10 YES at 0.40 (4.00, fee 0.02).
      fill("f1", "o1", kYes, "10", "0.40", "0.02", 1, "market_making"),
      // Another strategy sells 4 of them at 0.50 (2.00, fee 0.05): closing 2.00 - 1.60 = 0.40.
      fill("f2", "o2", kNo, "4", "0.50", "0.05", 2, "other"),
  };
  // The market resolves yes: the 6 left pay 6.00 against basis 2.40. Settlement P&L belongs to
  // the market's own category.
  const MarketResult r = computeMarket(fills, settle("yes", 600, "6", "0"), {}, "crypto");
  const Amounts& mm = r.by_category.at("market_making");
  EXPECT_DEC(mm.realized, "-0.02");  // only its fee
  EXPECT_DEC(mm.fees, "0.02");
  EXPECT_DEC(mm.cash_flow, "-4.02");  // paid 4.00 + fee
  const Amounts& other = r.by_category.at("other");
  EXPECT_DEC(other.realized, "0.35");   // 0.40 - 0.05
  EXPECT_DEC(other.cash_flow, "1.95");  // 2.00 - 0.05
  const Amounts& crypto = r.by_category.at("crypto");
  EXPECT_DEC(crypto.realized, "3.60");    // 6.00 - 2.40
  EXPECT_DEC(crypto.cash_flow, "6.00");   // the settlement revenue
  EXPECT_DEC(r.total.realized, "3.93");   // -0.02 + 0.35 + 3.60
  EXPECT_DEC(r.total.cash_flow, "3.93");  // -4.02 + 1.95 + 6.00
  EXPECT_EQ(r.by_category.size(), 3u);
  expectIdentity(r);
}

TEST(AccountingExamples, FillsAreSortedByTimeThenId) {
  // Given out of order: the sell (time 2) must come after the buy (time 1), and at equal times
  // fill ids decide ("a" before "b").
  std::vector<FillEvent> fills = {
      fill("f9", "o2", kNo, "10", "0.55", "0", 2),
      fill("f1", "o1", kYes, "10", "0.40", "0", 1),
  };
  MarketResult r = computeMarket(fills, std::nullopt, {}, "other");
  EXPECT_DEC(r.closing_pnl_by_fill.at("f9"), "1.50");
  EXPECT_DEC(r.position, "0");
  fills = {
      fill("b", "o2", kNo, "10", "0.55", "0", 5),
      fill("a", "o1", kYes, "10", "0.40", "0", 5),
  };
  r = computeMarket(fills, std::nullopt, {}, "other");
  EXPECT_DEC(r.closing_pnl_by_fill.at("a"), "0");  // "a" opened YES, "b" closed them
  EXPECT_DEC(r.closing_pnl_by_fill.at("b"), "1.50");
}

// ---- property test ----

Decimal cents(int64_t value) { return Decimal(value, 2); }

TEST(AccountingProperty, IdentityHoldsForRandomMarkets) {
  std::mt19937_64 rng(20260820);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const Decimal one = Decimal::fromInt(1);
  const std::vector<std::string> categories = {"weather", "crypto", "market_making"};
  int settled_markets = 0, flat_markets = 0, crossed = 0;

  for (int market = 0; market < 4000; ++market) {
    const bool fractional = uniform(0, 3) == 0;
    const int n = static_cast<int>(uniform(1, 30));
    std::vector<FillEvent> fills;
    // The reference: the simulator's cash rules, written out directly.
    Decimal position, cash;
    for (int i = 0; i < n; ++i) {
      FillEvent f;
      f.fill_id = "f" + std::to_string(i);
      f.order_id = "o" + std::to_string(uniform(0, 5));
      f.category = categories[static_cast<size_t>(uniform(0, 2))];
      f.outcome_yes = uniform(0, 1) == 1;
      f.count = fractional ? Decimal(uniform(1, 5000), 2) : Decimal::fromInt(uniform(1, 50));
      const int64_t yes_cents = uniform(1, 99);
      // Vary the representation: "0.56", "0.5600".
      f.yes_price = uniform(0, 1) ? cents(yes_cents) : Decimal(yes_cents * 100, 4);
      f.no_price = one - f.yes_price;
      f.fee = Decimal(uniform(0, 300), 2);
      f.time_us = static_cast<int64_t>(i);  // generated in time order (fill ids then shuffled)
      fills.push_back(f);

      const Decimal held_opposite = f.outcome_yes ? (position.sign() < 0 ? -position : Decimal())
                                                  : (position.sign() > 0 ? position : Decimal());
      const Decimal closed = f.count < held_opposite ? f.count : held_opposite;
      const Decimal opened = f.count - closed;
      if (opened.sign() > 0 && closed.sign() > 0) ++crossed;
      cash += closed * (f.outcome_yes ? f.no_price : f.yes_price);  // closing receives held price
      cash -= opened * (f.outcome_yes ? f.yes_price : f.no_price);  // opening pays its price
      cash -= f.fee;
      position += f.outcome_yes ? f.count : -f.count;
    }
    // Hand the fills over in a random order: computeMarket sorts them.
    std::shuffle(fills.begin(), fills.end(), rng);

    std::optional<SettlementEvent> settlement;
    if (uniform(0, 1) == 1) {
      SettlementEvent s;
      const int64_t r = uniform(0, 2);
      s.result = r == 0 ? "yes" : (r == 1 ? "no" : "scalar");
      const Decimal yes_payout = r == 0 ? one : (r == 1 ? Decimal() : cents(uniform(0, 100)));
      if (r == 2) s.value_cents = yes_payout.toUnits(2);
      const Decimal held = position.sign() < 0 ? -position : position;
      const Decimal payout = held * (position.sign() >= 0 ? yes_payout : one - yes_payout);
      s.revenue_cents = payout.toUnits(2, Rounding::kFloor);  // whole cents, as Kalshi pays
      s.fee = Decimal(uniform(0, 1) ? 0 : uniform(1, 20), 2);
      s.yes_count = position.sign() > 0 ? position : Decimal();
      s.no_count = position.sign() < 0 ? -position : Decimal();
      cash += Decimal(s.revenue_cents, 2) - s.fee;
      settlement = s;
      ++settled_markets;
    }

    MarketPrices prices;
    if (uniform(0, 4) != 0) prices.last = cents(uniform(1, 99));
    if (uniform(0, 2) != 0) prices.bid = cents(uniform(1, 98));
    if (uniform(0, 2) != 0) prices.ask = cents(uniform(2, 99));
    AccountingOptions options;
    options.mark = static_cast<MarkMethod>(uniform(0, 2));

    std::optional<Decimal> total_pnl;
    for (LotMethod lots : {LotMethod::kFifo, LotMethod::kAverageCost}) {
      options.lots = lots;
      const MarketResult r = computeMarket(fills, settlement, prices, "weather", options);
      SCOPED_TRACE("market " + std::to_string(market) +
                   (lots == LotMethod::kFifo ? " fifo" : " avg"));
      ASSERT_EQ(r.total.cash_flow, cash)
          << r.total.cash_flow.toString() << " vs " << cash.toString();
      ASSERT_EQ(r.position, settlement ? Decimal() : position);
      ASSERT_FALSE(r.settlement_mismatch.has_value()) << *r.settlement_mismatch;

      // The identity: realized + unrealized == cash flow + open contracts at mark.
      Decimal open_at_mark = r.open_basis;
      if (r.position.sign() != 0 && r.mark) {
        open_at_mark =
            r.position.sign() > 0 ? r.position * *r.mark : (-r.position) * (one - *r.mark);
      }
      ASSERT_EQ(r.total.realized + r.total.unrealized, r.total.cash_flow + open_at_mark);
      if (r.position.isZero()) {
        ASSERT_EQ(r.total.realized, r.total.cash_flow);  // closed or settled: realized is the cash
        ++flat_markets;
      }

      Amounts sum;
      for (const auto& [category, amounts] : r.by_category) sum += amounts;
      ASSERT_EQ(sum.realized, r.total.realized);
      ASSERT_EQ(sum.unrealized, r.total.unrealized);
      ASSERT_EQ(sum.fees, r.total.fees);
      ASSERT_EQ(sum.cash_flow, r.total.cash_flow);

      // Orders' P&L adds up to the realized P&L, the settlement's included (split over the orders
      // whose contracts it closed).
      Decimal orders;
      for (const auto& [id, pnl] : r.pnl_by_order) orders += pnl;
      ASSERT_EQ(r.closing_pnl_by_fill.size(), fills.size());
      ASSERT_EQ(r.total.realized, orders) << orders.toString();

      // The ledger adds up to the totals, and the closed positions to the realized P&L of every
      // position that went back to zero (all of it when the market is flat).
      Decimal ledger_realized, ledger_fees, ledger_cash, ledger_basis, closed_realized;
      for (const LedgerEntry& entry : r.ledger) {
        ledger_realized += entry.realized;
        ledger_fees += entry.fees;
        ledger_cash += entry.cash_flow;
        ledger_basis += entry.basis_change;
        if (entry.closed) closed_realized += entry.closed->realized;
      }
      ASSERT_EQ(ledger_realized, r.total.realized);
      ASSERT_EQ(ledger_fees, r.total.fees);
      ASSERT_EQ(ledger_cash, r.total.cash_flow);
      ASSERT_EQ(ledger_basis, r.open_basis);
      // A settlement of a position already closed (only a fee) belongs to no position or lot.
      const Decimal unheld = settlement && position.isZero()
                                 ? Decimal(settlement->revenue_cents, 2) - settlement->fee
                                 : Decimal();
      if (r.position.isZero()) {
        ASSERT_EQ(closed_realized, r.total.realized - unheld);
      }
      // Tax lots (always FIFO): the closed lots' gains minus the open lots' opening fees are the
      // FIFO realized P&L; every contract opened is in exactly one lot.
      if (lots == LotMethod::kFifo) {
        Decimal gains, open_fees, open_count;
        for (const TaxLot& lot : taxLots(fills, settlement)) {
          if (lot.closed_us) {
            gains += lot.gain();
          } else {
            open_fees += lot.opening_fee;
            open_count += lot.quantity;
          }
        }
        ASSERT_EQ(gains - open_fees, r.total.realized - unheld)
            << gains.toString() << " " << open_fees.toString();
        ASSERT_EQ(open_count, r.position.sign() < 0 ? -r.position : r.position);
      }

      // Realized + unrealized does not depend on the lot method, as long as open contracts have a
      // mark (without one they count at their basis, which does depend on it).
      if (r.position.sign() != 0 && !r.mark) continue;
      const Decimal pnl = r.total.realized + r.total.unrealized;
      if (total_pnl) {
        ASSERT_EQ(pnl, *total_pnl);
      } else {
        total_pnl = pnl;
      }
    }
  }
  // The generator did exercise the interesting paths.
  EXPECT_GT(settled_markets, 1000);
  EXPECT_GT(crossed, 1000);
  EXPECT_GT(flat_markets, 500);
}

// The one unrealized-P&L formula the snapshot and `kalshi-direct positions` share.
TEST(UnrealizedPnlTest, OpenContractsAtTheirSidesMarkMinusTheirCost) {
  const Decimal yes_mark(30, 2);  // $0.30
  EXPECT_EQ(sideMark(Decimal::fromInt(5), yes_mark), Decimal(30, 2));
  EXPECT_EQ(sideMark(Decimal::fromInt(-3), yes_mark), Decimal(70, 2));
  // 5 YES bought for $1.00 in all, marked at $0.30: 1.50 - 1.00.
  EXPECT_EQ(unrealizedPnl(Decimal::fromInt(5), yes_mark, Decimal::fromInt(1)), Decimal(50, 2));
  // 3 NO bought for $2.40, marked at 1 - 0.30 = $0.70: 2.10 - 2.40.
  EXPECT_EQ(unrealizedPnl(Decimal::fromInt(-3), yes_mark, Decimal(240, 2)), Decimal(-30, 2));
  // Fractional contracts stay exact.
  EXPECT_EQ(unrealizedPnl(Decimal(150, 2), Decimal(3333, 4), Decimal(0, 2)), Decimal(499950, 6));
}

TEST(UnrealizedPnlTest, MarkPriceFallsBackToTheLastTrade) {
  MarketPrices prices;
  prices.last = Decimal(40, 2);
  prices.bid = Decimal(38, 2);
  prices.ask = Decimal(43, 2);
  EXPECT_EQ(*markPrice(prices, MarkMethod::kLast), Decimal(40, 2));
  EXPECT_EQ(*markPrice(prices, MarkMethod::kBid), Decimal(38, 2));
  EXPECT_EQ(*markPrice(prices, MarkMethod::kMid), Decimal(405, 3));
  prices.ask.reset();
  EXPECT_EQ(*markPrice(prices, MarkMethod::kMid), Decimal(40, 2));
  EXPECT_FALSE(markPrice(MarketPrices{}, MarkMethod::kLast).has_value());
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

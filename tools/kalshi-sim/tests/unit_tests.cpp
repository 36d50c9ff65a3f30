// Unit tests of the simulator's building blocks: fixed point, fees, ledger rules, cursors.
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include "data_source.h"
#include "fixed_point.h"
#include "generated_account.h"
#include "ledger.h"
#include "paging.h"

using namespace ksim;

TEST(FixedPoint, FormatsDollarsWithFourToSixDecimals) {
  EXPECT_EQ(format_dollars(560000), "0.5600");
  EXPECT_EQ(format_dollars(12345678), "12.345678");
  EXPECT_EQ(format_dollars(-3000000), "-3.0000");
  EXPECT_EQ(format_dollars(0), "0.0000");
  EXPECT_EQ(format_dollars(-1), "-0.000001");
  EXPECT_EQ(format_dollars(123450), "0.123450");
}

TEST(FixedPoint, FormatsCountsWithTwoDecimals) {
  EXPECT_EQ(format_count(1000), "10.00");
  EXPECT_EQ(format_count(-300), "-3.00");
  EXPECT_EQ(format_count(250), "2.50");
  EXPECT_EQ(format_count(1), "0.01");
}

TEST(FixedPoint, ParsesExactly) {
  Micros m;
  ASSERT_TRUE(parse_dollars("0.56", m));
  EXPECT_EQ(m, 560000);
  ASSERT_TRUE(parse_dollars("-12.345678", m));
  EXPECT_EQ(m, -12345678);
  EXPECT_FALSE(parse_dollars("0.1234567", m));
  EXPECT_FALSE(parse_dollars("abc", m));
  EXPECT_FALSE(parse_dollars("1.", m));
  Centis c;
  ASSERT_TRUE(parse_count("10", c));
  EXPECT_EQ(c, 1000);
  EXPECT_FALSE(parse_count("1.005", c));
}

TEST(FixedPoint, RoundsCentsHalfAwayFromZero) {
  EXPECT_EQ(round_to_cents(5000), 1);
  EXPECT_EQ(round_to_cents(4999), 0);
  EXPECT_EQ(round_to_cents(-5000), -1);
  EXPECT_EQ(round_to_cents(-4999), 0);
  EXPECT_EQ(round_to_cents(123456789), 12346);
}

TEST(FixedPoint, QuadraticFeeIsCeiledToTheCent) {
  // 0.07 * 10 * 0.56 * 0.44 = 0.17248 -> 0.18
  EXPECT_EQ(quadratic_fee(1000, 560000, 700), 180000);
  // maker 0.0175 * 10 * 0.56 * 0.44 = 0.04312 -> 0.05
  EXPECT_EQ(quadratic_fee(1000, 560000, 175), 50000);
  // 0.07 * 100 * 0.5 * 0.5 = 1.75 exactly
  EXPECT_EQ(quadratic_fee(10000, 500000, 700), 1750000);
  // fractional count 2.50 at 0.01: 0.07*2.5*0.01*0.99 = 0.00173 -> 0.01
  EXPECT_EQ(quadratic_fee(250, 10000, 700), 10000);
}

TEST(FixedPoint, Rfc3339RoundTrip) {
  std::int64_t us;
  ASSERT_TRUE(parse_rfc3339("2026-03-01T14:03:22.123456Z", us));
  EXPECT_EQ(format_rfc3339(us), "2026-03-01T14:03:22.123456Z");
  ASSERT_TRUE(parse_rfc3339("2026-03-01T15:03:22+01:00", us));
  EXPECT_EQ(format_rfc3339(us, false), "2026-03-01T14:03:22Z");
  EXPECT_FALSE(parse_rfc3339("2026-03-01 nonsense", us));
}

TEST(Ledger, OpensClosesAndRealizesFifo) {
  MarketLedger l;
  // buy 10 YES at 0.40, buy 10 YES at 0.60
  auto e1 = l.apply_fill(true, 1000, 400000, 0);
  EXPECT_EQ(e1.cash, -4000000);
  l.apply_fill(true, 1000, 600000, 0);
  EXPECT_EQ(l.position(), 2000);
  EXPECT_EQ(l.exposure(), 10000000);
  // sell 15 YES at 0.70 (outcome no): receives 10.50, realizes (0.7-0.4)*10 + (0.7-0.6)*5 = 3.5
  auto e3 = l.apply_fill(false, 1500, 700000, 10000);
  EXPECT_EQ(e3.cash, 10500000);
  EXPECT_EQ(e3.realized, 3500000);
  EXPECT_EQ(l.position(), 500);
  EXPECT_EQ(l.exposure(), 3000000);
  EXPECT_EQ(l.fees(), 10000);
  // settle YES: 5 contracts pay 5.00, realized += 5 - 3
  auto s = l.settle(MarketResult::Yes, 0);
  EXPECT_EQ(s.yes_count, 500);
  EXPECT_EQ(s.revenue, 5000000);
  EXPECT_EQ(l.realized_pnl(), 5500000);
  EXPECT_EQ(l.position(), 0);
  EXPECT_EQ(l.cash_pnl(), -4000000 - 6000000 + 10500000 - 10000 + 5000000);
}

TEST(Ledger, BuyingTheOtherSideNetsLikeASell) {
  MarketLedger a, b;
  a.apply_fill(true, 1000, 300000, 0);  // buy 10 YES at 0.30
  b.apply_fill(true, 1000, 300000, 0);
  // a: sell 4 YES at yes 0.45; b: buy 4 NO at no 0.55 (same yes price 0.45, outcome no)
  auto ea = a.apply_fill(false, 400, 450000, 0);
  auto eb = b.apply_fill(false, 400, 450000, 0);
  EXPECT_EQ(ea.cash, eb.cash);
  EXPECT_EQ(ea.cash, 1800000);  // + yes_price * 4
  EXPECT_EQ(a.position(), 600);
}

TEST(Ledger, CrossingZeroClosesThenOpens) {
  MarketLedger l;
  l.apply_fill(false, 300, 400000, 0);  // 3 NO at 0.60 (yes 0.40): pay 1.80
  EXPECT_EQ(l.position(), -300);
  auto e = l.apply_fill(true, 500, 500000, 0);  // 5 with outcome yes at 0.50
  // closes 3 NO receiving no_price 0.50*3 = 1.50, opens 2 YES paying 0.50*2 = 1.00
  EXPECT_EQ(e.closed, 300);
  EXPECT_EQ(e.opened, 200);
  EXPECT_EQ(e.cash, 1500000 - 1000000);
  EXPECT_EQ(l.position(), 200);
}

TEST(Ledger, ScalarSettlementPaysValueAndComplement) {
  MarketLedger y, n;
  y.apply_fill(true, 200, 500000, 0);
  n.apply_fill(false, 200, 500000, 0);
  EXPECT_EQ(y.settle(MarketResult::Scalar, 37).revenue, 740000);   // 2 * 0.37
  EXPECT_EQ(n.settle(MarketResult::Scalar, 37).revenue, 1260000);  // 2 * 0.63
}

TEST(Paging, CursorRoundTripsThroughBase64Url) {
  std::string raw = "v1|fills|1787241890495929|1998";
  std::string enc = base64url_encode(raw), dec;
  EXPECT_EQ(enc.find_first_of("+/="), std::string::npos);
  ASSERT_TRUE(base64url_decode(enc, dec));
  EXPECT_EQ(dec, raw);
}

TEST(Generator, IsDeterministicAndConsistent) {
  GenConfig cfg;
  cfg.seed = 7;
  cfg.fills = 3000;
  GeneratedAccount a(cfg), b(cfg);
  EXPECT_EQ(a.truth_json(), b.truth_json());
  EXPECT_EQ(a.fill_count(), 3000u);
  cfg.seed = 8;
  GeneratedAccount c(cfg);
  EXPECT_NE(a.truth_json(), c.truth_json());
}

TEST(Generator, AddFillsGrowsTheAccount) {
  GenConfig cfg;
  cfg.fills = 500;
  GeneratedAccount a(cfg);
  const std::size_t before = a.list_size(ListKind::Fills);
  AddFillsResult r = a.add_fills(40, false);
  EXPECT_EQ(r.fills, 40);
  EXPECT_EQ(a.fill_count(), 540u);
  EXPECT_EQ(a.list_size(ListKind::Fills), before + 40);
}

TEST(Generator, AddFillsRoundTripsLeaveEachMarketFlatWithNewFills) {
  GenConfig cfg;
  cfg.fills = 2000;  // enough markets for some to be open and flat
  cfg.seed = 7;
  cfg.anchor_us = 1787241900LL * 1000000;  // 2026-08-20T16:05:00Z, the command line's default
  GeneratedAccount a(cfg);
  auto markets = [&a] {
    return Poco::JSON::Parser()
        .parse(a.truth_json())
        .extract<Poco::JSON::Object::Ptr>()
        ->getObject("markets");
  };
  const auto before = markets();
  AddFillsResult r = a.add_fills(20, true);
  EXPECT_GE(r.fills, 20);
  ASSERT_FALSE(r.round_trip_tickers.empty());
  const auto after = markets();
  for (const std::string& ticker : r.round_trip_tickers) {
    SCOPED_TRACE(ticker);
    EXPECT_EQ(std::stod(before->getObject(ticker)->getValue<std::string>("position_fp")), 0.0);
    EXPECT_EQ(std::stod(after->getObject(ticker)->getValue<std::string>("position_fp")), 0.0);
    EXPECT_GT(after->getObject(ticker)->getValue<int>("fills"),
              before->getObject(ticker)->getValue<int>("fills"));
  }
}

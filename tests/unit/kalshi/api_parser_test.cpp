// The page parser takes real Kalshi records as they come (api_parser.h): both direction
// vocabularies, "" / null / zero time as absent, any number of decimals, documented defaults, and
// dead letters only for what cannot be interpreted, with a reason a person can act on.
#include "kalshi/api_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi/direction.h"

namespace kalshi_direct {
namespace kalshi {
namespace {

using ::testing::HasSubstr;

Decimal d(const char* text) {
  Decimal value;
  EXPECT_TRUE(Decimal::parse(text, value)) << text;
  return value;
}

// One list page holding `records` (JSON objects) parsed with `schema`.
ParsedPage parse(const std::string& array, const std::string& records, const RecordSchema& schema) {
  PageParser parser;
  ParsedPage page;
  std::string error;
  EXPECT_TRUE(
      parser.parseList("{\"" + array + "\":[" + records + "]}", array.c_str(), schema, page, error))
      << error;
  return page;
}

// A production fill of early 2026: legacy direction only, no exchange_index, 4-decimal money.
const char* kLegacyFill =
    R"({"fill_id":"a1b2c3d4-0000-1111-2222-333344445555","trade_id":"a1b2c3d4-0000-1111-2222-333344445555",)"
    R"("order_id":"o-1","ticker":"KXHIGHNY-26MAR01-T60","action":"sell","side":"no","count_fp":"3.00",)"
    R"("yes_price_dollars":"0.7300","no_price_dollars":"0.2700","is_taker":true,"fee_cost":"0.0500",)"
    R"("created_time":"2026-03-01T14:03:22.123456Z","ts":1772373802})";

TEST(DirectionTest, TheLegacyPairMapsAsDocumented) {
  struct Case {
    const char* action;
    const char* side;
    const char* outcome;
    const char* book;
  };
  for (const Case& c :
       {Case{"buy", "yes", "yes", "bid"}, Case{"sell", "no", "yes", "bid"},
        Case{"buy", "no", "no", "ask"}, Case{"sell", "yes", "no", "ask"},
        Case{"sell_to_close", "yes", "no", "ask"}, Case{"sell_partial", "no", "yes", "bid"}}) {
    Direction direction;
    std::string reason;
    ASSERT_TRUE(resolveDirection("", "", c.action, c.side, direction, reason)) << reason;
    EXPECT_EQ(direction.outcome_side, c.outcome) << c.action << " " << c.side;
    EXPECT_EQ(direction.book_side, c.book) << c.action << " " << c.side;
    EXPECT_TRUE(direction.from_legacy);
    EXPECT_FALSE(direction.conflict);
  }
}

TEST(DirectionTest, TheCurrentPairWinsAndADisagreementIsAConflict) {
  Direction direction;
  std::string reason;
  // buy yes means outcome yes; the record says no: outcome_side decides.
  ASSERT_TRUE(resolveDirection("no", "ask", "buy", "yes", direction, reason));
  EXPECT_EQ(direction.outcome_side, "no");
  EXPECT_TRUE(direction.conflict);
  EXPECT_EQ(direction.action, "");  // a legacy pair that disagrees is not shown
  ASSERT_TRUE(
      resolveDirection("", "bid", "", "", direction, reason));  // book_side alone: bid = yes
  EXPECT_EQ(direction.outcome_side, "yes");
  EXPECT_FALSE(direction.from_legacy);
  ASSERT_TRUE(resolveDirection("yes", "bid", "sell", "no", direction, reason));  // agreeing
  EXPECT_FALSE(direction.conflict);
  EXPECT_EQ(direction.action, "sell");
  EXPECT_EQ(direction.side, "no");
}

TEST(DirectionTest, NoDirectionInEitherVocabularyIsAnActionableReason) {
  Direction direction;
  std::string reason;
  EXPECT_FALSE(resolveDirection("", "", "sell", "", direction, reason));  // half a legacy pair
  EXPECT_EQ(reason, "no direction: neither outcome_side/book_side nor both of action and side");
  EXPECT_FALSE(resolveDirection("", "", "hold", "yes", direction, reason));
  EXPECT_THAT(reason, HasSubstr("field 'action' has unknown value 'hold'"));
}

TEST(ApiParserTest, ALegacyFillIsInterpretedWithDefaultsAndCounted) {
  const ParsedPage page = parse("fills", kLegacyFill, fillSchema());
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_TRUE(page.rejected.empty());
  const Record& fill = page.records[0];
  EXPECT_EQ(fill.get("outcome_side").asString(), "yes");  // sell NO moves towards YES
  EXPECT_EQ(fill.get("book_side").asString(), "bid");
  EXPECT_EQ(fill.get("action").asString(), "sell");
  EXPECT_EQ(fill.get("exchange_index").asInt(), 0);
  EXPECT_EQ(fill.get("subaccount_number").asInt(), 0);
  EXPECT_EQ(fill.get("count_fp").asDecimal(), d("3"));
  EXPECT_EQ(page.notes.legacy_direction, 1u);
  EXPECT_EQ(page.notes.direction_conflicts, 0u);
}

TEST(ApiParserTest, EmptyStringsNullsAndTheZeroTimeMeanAbsent) {
  const ParsedPage page = parse(
      "orders",
      R"({"order_id":"o-9","client_order_id":"","ticker":"KXBTC15M-26APR211945-T95250","outcome_side":"no",)"
      R"("book_side":"ask","status":"canceled","yes_price_dollars":"0.4","no_price_dollars":null,)"
      R"("initial_count_fp":"5","fill_count_fp":"2.0","remaining_count_fp":"0",)"
      R"("taker_fill_cost_dollars":"1.200000","maker_fill_cost_dollars":"","taker_fees_dollars":"0.04",)"
      R"("created_time":"2026-04-21T19:40:00Z","last_update_time":"2026-04-21T19:41:00Z",)"
      R"("expiration_time":"0001-01-01T00:00:00Z"})",
      orderSchema());
  ASSERT_EQ(page.records.size(), 1u) << (page.rejected.empty() ? "" : page.rejected[0].reason);
  const Record& order = page.records[0];
  EXPECT_TRUE(order.get("client_order_id").isNull());
  EXPECT_TRUE(order.get("expiration_time").isNull());
  EXPECT_EQ(order.get("maker_fill_cost_dollars").asDecimal(), d("0"));  // "" money: absent, so 0
  EXPECT_EQ(order.get("maker_fees_dollars").asDecimal(), d("0"));       // missing: 0
  EXPECT_EQ(order.get("no_price_dollars").asDecimal(), d("0.6"));       // null: 1 - yes price
  EXPECT_EQ(order.get("taker_fill_cost_dollars").asDecimal().toString(), "1.200000");
  EXPECT_EQ(order.get("fill_count_fp").asDecimal(), d("2"));
}

TEST(ApiParserTest, MoneyWithAnyNumberOfDecimalsIsExact) {
  std::string fills;
  for (const char* price : {"0.73", "0.730", "0.7300", "0.730000", "0.73000000000"}) {
    fills +=
        std::string(fills.empty() ? "" : ",") + R"({"fill_id":"f)" + price +
        R"(","order_id":"o","ticker":"T","outcome_side":"yes","count_fp":"1.00","yes_price_dollars":")" +
        price + R"(","fee_cost":"0.010000","created_time":"2026-05-01T00:00:00Z"})";
  }
  const ParsedPage page = parse("fills", fills, fillSchema());
  ASSERT_EQ(page.records.size(), 5u);
  for (const Record& fill : page.records) {
    EXPECT_EQ(fill.get("yes_price_dollars").asDecimal(), d("0.73"));
    EXPECT_EQ(fill.get("no_price_dollars").asDecimal(), d("0.27"));
    EXPECT_EQ(fill.get("fee_cost").asDecimal(), d("0.01"));
  }
  EXPECT_EQ(page.notes.rounded_values, 0u);
  // Digits beyond a micro-dollar do not exist on Kalshi: rounded half to even, and counted.
  const ParsedPage odd = parse(
      "fills",
      R"({"fill_id":"f","order_id":"o","ticker":"T","outcome_side":"yes","count_fp":"1","yes_price_dollars":"0.5000005"})",
      fillSchema());
  ASSERT_EQ(odd.records.size(), 1u);
  EXPECT_EQ(odd.records[0].get("yes_price_dollars").asDecimal().toString(), "0.500000");
  EXPECT_EQ(odd.notes.rounded_values, 1u);
}

TEST(ApiParserTest, IdsAreOpaqueAndLegacyCountsAndPricesAreUsed) {
  const ParsedPage page = parse(
      "fills",
      R"({"trade_id":"not-a-uuid-at-all","market_ticker":"KXCPI-26MAY-T0.3","action":"buy","side":"no",)"
      R"("count":4,"no_price":35,"created_time":"2026-05-10T12:00:00Z"})",
      fillSchema());
  ASSERT_EQ(page.records.size(), 1u) << page.rejected[0].reason;
  const Record& fill = page.records[0];
  EXPECT_EQ(fill.get("fill_id").asString(), "not-a-uuid-at-all");
  EXPECT_EQ(fill.get("ticker").asString(), "KXCPI-26MAY-T0.3");
  EXPECT_EQ(fill.get("count_fp").asDecimal(), d("4"));
  EXPECT_EQ(fill.get("no_price_dollars").asDecimal(), d("0.35"));
  EXPECT_EQ(fill.get("yes_price_dollars").asDecimal(), d("0.65"));
  EXPECT_EQ(fill.get("outcome_side").asString(), "no");
  EXPECT_EQ(fill.get("fee_cost").asDecimal(), d("0"));
}

TEST(ApiParserTest, OnlyRecordsThatCannotBeInterpretedAreRejectedWithAReason) {
  const std::string base =
      R"("order_id":"o","ticker":"T","count_fp":"1.00","yes_price_dollars":"0.50")";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"order_id":"o","ticker":"T","outcome_side":"yes","count_fp":"1","yes_price_dollars":"0.5"})",
       "no id: neither fill_id nor trade_id"},
      {R"({"fill_id":"f",)" + base + "}",
       "no direction: neither outcome_side/book_side nor both of action and side"},
      {R"({"fill_id":"f","order_id":"o","ticker":"T","outcome_side":"yes","yes_price_dollars":"0.5"})",
       "no count in either vocabulary"},
      {R"({"fill_id":"f","order_id":"o","ticker":"","outcome_side":"yes","count_fp":"1","yes_price_dollars":"0.5"})",
       "missing required field 'ticker'"},
      {R"({"fill_id":"f","order_id":"o","ticker":"T","outcome_side":"yes","count_fp":"1"})",
       "no price"},
      {R"({"fill_id":"f",)" + base + R"(,"outcome_side":"up"})",
       "field 'outcome_side' has unknown value 'up'"},
  };
  for (const auto& [json, reason] : cases) {
    const ParsedPage page = parse("fills", json, fillSchema());
    ASSERT_EQ(page.rejected.size(), 1u) << json;
    EXPECT_THAT(page.rejected[0].reason, HasSubstr(reason)) << json;
  }
}

TEST(ApiParserTest, AnOrderWithoutStatusOrOneCountIsCompletedFromTheOthers) {
  const ParsedPage page = parse(
      "orders",
      R"({"order_id":"a","ticker":"T","action":"buy","side":"yes","yes_price_dollars":"0.5","fill_count_fp":"2",)"
      R"("remaining_count_fp":"3"},)"
      R"({"order_id":"b","ticker":"T","action":"buy","side":"yes","yes_price_dollars":"0.5","count":4,)"
      R"("remaining_count_fp":"0"})",
      orderSchema());
  ASSERT_EQ(page.records.size(), 2u);
  EXPECT_EQ(page.records[0].get("initial_count_fp").asDecimal(), d("5"));
  EXPECT_EQ(page.records[0].get("status").asString(), "resting");
  EXPECT_EQ(page.records[1].get("fill_count_fp").asDecimal(), d("4"));
  EXPECT_EQ(page.records[1].get("status").asString(), "executed");
}

TEST(ApiParserTest, ABalanceFromDollarsAloneAndASeriesFromCategories) {
  PageParser parser;
  Record balance, series;
  std::string error;
  ASSERT_TRUE(parser.parseObject(R"({"balance_dollars":"1234.567800","updated_ts":1})", nullptr,
                                 balanceSchema(), balance, error))
      << error;
  EXPECT_EQ(balance.get("balance").asInt(), 123456);  // the integer cents truncate, as Kalshi's do
  EXPECT_EQ(balance.get("balance_dollars").asDecimal(), d("1234.5678"));
  ASSERT_TRUE(parser.parseObject(
      R"({"series":{"ticker":"KXHIGHNY","categories":["Climate and Weather"],"additional_prohibitions":null}})",
      "series", seriesSchema(), series, error))
      << error;
  EXPECT_EQ(series.get("category").asString(), "Climate and Weather");
}

TEST(ApiParserTest, ABodyWithoutCursorIsTheLastPage) {
  PageParser parser;
  ParsedPage page;
  std::string error;
  ASSERT_TRUE(parser.parseList(
      R"({"market_positions":[{"ticker":"T","position_fp":"-2.00"}],"event_positions":[]})",
      "market_positions", marketPositionSchema(), page, error));
  EXPECT_EQ(page.cursor, "");
  ASSERT_EQ(page.records.size(), 1u);
  EXPECT_TRUE(page.records[0].get("realized_pnl_dollars").isNull());  // unknown, not zero
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

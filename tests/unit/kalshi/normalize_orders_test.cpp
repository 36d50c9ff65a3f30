#include "normalize_orders.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mocks/mock_plugin.h"

namespace kalshi_direct {
namespace kalshi {
namespace {

Decimal d(const char* text) {
  Decimal value;
  EXPECT_TRUE(Decimal::parse(text, value)) << text;
  return value;
}

Record apiFill() {
  return Record{{"fill_id", Value("f-1")},
                {"trade_id", Value("f-1")},
                {"order_id", Value("o-1")},
                {"ticker", Value("KXHIGHNY-26MAR01-T60")},
                {"outcome_side", Value("no")},
                {"book_side", Value("ask")},
                {"side", Value("yes")},
                {"action", Value("sell")},
                {"count_fp", Value(d("2.50"))},
                {"yes_price_dollars", Value(d("0.6200"))},
                {"no_price_dollars", Value(d("0.3800"))},
                {"is_taker", Value(true)},
                {"fee_cost", Value(d("0.0400"))},
                {"created_time", Value(Timestamp::fromUnixSeconds(1772373802))},
                {"ts", Value(int64_t{1772373802})}};
}

TEST(NormalizeOrdersTest, AFillBecomesAKalshiFillsRowWithDocumentedUnits) {
  Record row;
  std::string reason;
  ASSERT_TRUE(normalizeFill(apiFill(), row, reason)) << reason;
  EXPECT_EQ(row.get("id").asString(), "f-1");
  EXPECT_EQ(row.get("side").asString(), "SELL");          // from action
  EXPECT_EQ(row.get("contract_side").asString(), "yes");  // from side: selling YES
  EXPECT_EQ(row.get("quantity").asInt(), 3);              // 2.50 rounded half away from zero
  EXPECT_EQ(row.get("quantity_fp").asString(), "2.50");   // exact
  EXPECT_EQ(row.get("price").asDecimal(), d("62"));       // cents per YES contract
  EXPECT_EQ(row.get("fee_dollars").asString(), "0.0400");
  EXPECT_EQ(row.get("fee_cents").asInt(), 4);
  EXPECT_EQ(row.get("filled_at").asString(), "2026-03-01T14:03:22Z");
  EXPECT_EQ(row.get("filled_at_us").asInt(), int64_t{1772373802} * 1000000);
}

TEST(NormalizeOrdersTest, WithoutTheDeprecatedFieldsAFillIsABuyOfItsOutcomeSide) {
  Record fill = apiFill();
  fill.erase("side");
  fill.erase("action");
  Record row;
  std::string reason;
  ASSERT_TRUE(normalizeFill(fill, row, reason)) << reason;
  EXPECT_EQ(row.get("side").asString(), "BUY");
  EXPECT_EQ(row.get("contract_side").asString(), "no");
  EXPECT_EQ(row.get("price").asDecimal(), d("38"));
}

TEST(NormalizeOrdersTest, AnOrderBecomesAKalshiOrdersRow) {
  const Record order{{"order_id", Value("o-9")},
                     {"ticker", Value("KXBTC15M-X")},
                     {"outcome_side", Value("yes")},
                     {"book_side", Value("bid")},
                     {"side", Value("yes")},
                     {"action", Value("buy")},
                     {"type", Value("limit")},
                     {"status", Value("executed")},
                     {"client_order_id", Value("mm-1")},
                     {"yes_price_dollars", Value(d("0.5600"))},
                     {"no_price_dollars", Value(d("0.4400"))},
                     {"initial_count_fp", Value(d("10.00"))},
                     {"fill_count_fp", Value(d("10.00"))},
                     {"remaining_count_fp", Value(d("0.00"))},
                     {"taker_fill_cost_dollars", Value(d("3.3600"))},  // 6 @ 0.56
                     {"maker_fill_cost_dollars", Value(d("2.2000"))},  // 4 @ 0.55
                     {"taker_fees_dollars", Value(d("0.1200"))},
                     {"maker_fees_dollars", Value(d("0.0100"))},
                     {"created_time", Value(Timestamp::fromUnixSeconds(1772370000))},
                     {"last_update_time", Value(Timestamp::fromUnixSeconds(1772373802))}};
  Record row;
  std::string reason;
  ASSERT_TRUE(normalizeOrder(order, row, reason)) << reason;
  EXPECT_EQ(row.get("side").asString(), "BUY");
  EXPECT_EQ(row.get("quantity").asInt(), 10);
  EXPECT_EQ(row.get("price").asDecimal(), d("56"));
  EXPECT_EQ(row.get("avg_fill_price").asDecimal(), d("55.6"));  // (3.36 + 2.20) / 10 contracts
  EXPECT_EQ(row.get("fees_dollars").asString(), "0.1300");
  EXPECT_EQ(row.get("fees_cents").asInt(), 13);
  EXPECT_EQ(row.get("filled_at").asString(), "2026-03-01T14:03:22Z");
  EXPECT_EQ(row.get("status").asString(), "executed");
}

TEST(NormalizeOrdersTest, InconsistentRecordsAreRejectedWithAReason) {
  NormalizeOrders transform;
  Batch batch;
  batch.stream = "fills";
  batch.records.push_back(apiFill());
  Record bad = apiFill();
  bad.set("no_price_dollars", Value(d("0.5000")));  // 0.62 + 0.50 != 1
  batch.records.push_back(bad);
  Record zero = apiFill();
  zero.set("count_fp", Value(d("0.00")));
  batch.records.push_back(zero);
  testing::CollectingEmitter out;
  ASSERT_TRUE(transform.process(std::move(batch), out).isOk());
  ASSERT_EQ(out.batches.size(), 1u);
  EXPECT_EQ(out.batches[0].size(), 1u);
  ASSERT_EQ(out.rejected.size(), 2u);
  EXPECT_EQ(out.rejected[0].reason,
            "yes_price_dollars + no_price_dollars must be 1 (got 0.6200 and 0.5000)");
  EXPECT_EQ(out.rejected[1].reason, "fill count must be positive, not 0.00");
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

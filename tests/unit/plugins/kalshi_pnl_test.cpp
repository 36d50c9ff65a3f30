// The kalshi_pnl model on a hand-computed account, through a mock context and an in-memory store:
// what it computes, what it recomputes when rows change, and that it writes nothing when nothing
// changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "kalshi/row_writer.h"
#include "kalshi/tables.h"
#include "kalshi_direct/engine/stores.h"
#include "mocks/mock_plugin.h"
#include "pnl_model.h"

namespace kalshi_direct {
namespace {

using ::testing::_;
using ::testing::NiceMock;

Decimal dollars(const char* text) {
  Decimal value;
  EXPECT_TRUE(Decimal::parse(text, value)) << text;
  return value;
}

class PnlModelTest : public ::testing::Test {
 protected:
  PnlModelTest() : store_(openStandInStore("pnl.db")), context_(*store_) {
    store_->begin();
    ON_CALL(context_, addCounter(_, _)).WillByDefault([this](const std::string& name, uint64_t n) {
      counters_[name] += n;
    });
    kalshi::PnlOptions options;
    options.categories = {"weather", "crypto"};
    model_ = std::make_unique<kalshi::PnlModel>(options);
    EXPECT_TRUE(model_->open(context_).isOk());
    fills_.open(*store_);
    markets_.open(*store_);
  }

  // A fill as normalize_orders and categorize_pnl leave it. `outcome` yes: YES exposure grows
  // (a YES buy); no: it shrinks (a YES sale).
  void fill(const std::string& id, const std::string& ticker, const std::string& category,
            const char* outcome, const char* count, const char* yes_price, const char* fee,
            int64_t time_us) {
    Batch batch;
    batch.stream = "fills";
    Record record;
    record.append("id", Value(id));
    record.append("order_id", Value("o-" + id));
    record.append("ticker", Value(ticker));
    record.append("side", Value("yes"));
    record.append("contract_side", Value("yes"));
    record.append("outcome_side", Value(outcome));
    record.append("quantity_fp", Value(dollars(count)));
    record.append("yes_price_dollars", Value(dollars(yes_price)));
    record.append("no_price_dollars", Value(Decimal(100, 2) - dollars(yes_price)));
    record.append("fee_dollars", Value(dollars(fee)));
    record.append("filled_at_us", Value(time_us));
    record.append("category", Value(category));
    batch.records.push_back(std::move(record));
    ASSERT_TRUE(fills_.add(batch).rejected.empty());
    fills_.flush();  // also marks the market in kalshi_pnl_dirty
  }
  void lastPrice(const std::string& ticker, const std::string& category, const char* price) {
    Batch batch;
    batch.stream = "markets";
    Record record;
    record.append("ticker", Value(ticker));
    record.append("category", Value(category));
    record.append("last_price_dollars", Value(price));
    batch.records.push_back(std::move(record));
    markets_.add(batch);
    markets_.flush();
  }
  Status run() { return model_->run(ModelRun{true, 1}); }
  std::string text(const std::string& sql) {
    StoreStatementPtr query = store_->prepare(sql);
    return query->step() && !query->columnIsNull(0) ? query->columnText(0) : "NULL";
  }
  int64_t count(const std::string& sql) {
    StoreStatementPtr query = store_->prepare(sql);
    return query->step() ? query->columnInt(0) : -1;
  }

  StorePtr store_;
  NiceMock<testing::MockModelContext> context_;
  std::map<std::string, uint64_t> counters_;
  std::unique_ptr<kalshi::PnlModel> model_;
  kalshi::RowWriter fills_{kalshi::fillsTable()};
  kalshi::RowWriter markets_{kalshi::marketsTable()};
};

// The account, by hand:
//   WX  (weather): buy 10 YES at $0.40 (fee $0.07), sell 10 at $0.55 (fee $0.07): closed,
//       realized 10 x 0.15 - 0.14 = $1.36 net of fees.
//   BTC (crypto):  buy 5 YES at $0.30 (fee $0.04), open, last trade $0.50: unrealized
//       5 x (0.50 - 0.30) = $1.00; realized -$0.04 (its fee).
TEST_F(PnlModelTest, ComputesTheHandComputedAccountAndItsSnapshot) {
  fill("f1", "WX", "weather", "yes", "10", "0.40", "0.07", 1);
  fill("f2", "WX", "weather", "no", "10", "0.55", "0.07", 2);
  fill("f3", "BTC", "crypto", "yes", "5", "0.30", "0.04", 3);
  lastPrice("BTC", "crypto", "0.50");
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_snapshots"), 1);
  EXPECT_EQ(text("SELECT realized_pnl_dollars FROM kalshi_snapshots"), "1.32");
  EXPECT_EQ(text("SELECT unrealized_pnl_dollars FROM kalshi_snapshots"), "1.00");
  EXPECT_EQ(text("SELECT fees_dollars FROM kalshi_snapshots"), "0.18");
  EXPECT_EQ(count("SELECT realized_pnl_cents FROM kalshi_snapshots"), 132);
  EXPECT_EQ(text("SELECT realized_pnl_dollars FROM kalshi_snapshot_pnl WHERE category = "
                 "'weather'"),
            "1.36");
  EXPECT_EQ(text("SELECT unrealized_pnl_dollars FROM kalshi_snapshot_pnl WHERE category = "
                 "'crypto'"),
            "1.00");
  EXPECT_EQ(count("SELECT total_fills FROM kalshi_snapshots"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_pnl_dirty"), 0);
  EXPECT_EQ(counters_["markets_recomputed"], 2u);
}

TEST_F(PnlModelTest, ARunWithNothingChangedWritesNothing) {
  fill("f1", "WX", "weather", "yes", "10", "0.40", "0.07", 1);
  ASSERT_TRUE(run().isOk());
  ASSERT_EQ(count("SELECT count(*) FROM kalshi_snapshots"), 1);
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_snapshots"), 1);
  EXPECT_EQ(counters_["markets_recomputed"], 1u);
}

TEST_F(PnlModelTest, ANewFillRecomputesOnlyItsMarket) {
  fill("f1", "WX", "weather", "yes", "10", "0.40", "0.07", 1);
  fill("f2", "WX", "weather", "no", "10", "0.55", "0.07", 2);
  fill("f3", "BTC", "crypto", "yes", "5", "0.30", "0.04", 3);
  ASSERT_TRUE(run().isOk());
  counters_.clear();
  // BTC closes at $0.45 (fee $0.03): realized 5 x 0.15 - 0.07 = $0.68; the total 1.36 + 0.68.
  fill("f4", "BTC", "crypto", "no", "5", "0.45", "0.03", 4);
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(counters_["markets_recomputed"], 1u);
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_snapshots"), 2);
  EXPECT_EQ(text("SELECT realized_pnl_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            "2.04");
  EXPECT_EQ(count("SELECT unrealized_pnl_cents FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"), 0);
}

TEST_F(PnlModelTest, NewPositionsAreReconciledWithKalshisFiguresOnce) {
  fill("f1", "WX", "weather", "yes", "10", "0.40", "0.07", 1);
  fill("f2", "WX", "weather", "no", "10", "0.55", "0.07", 2);
  // What the kalshi_account sink writes: a live balance and Kalshi's figures for the market,
  // whose realized P&L is 1 cent off ours (1.50 before fees) beyond the 1-cent tolerance: 1.48.
  store_->exec(
      "INSERT INTO kalshi_account (id, source, balance_cents, positions_read_at) VALUES (1, "
      "'live', 10000, '2026-12-02T00:00:00Z')");
  store_->exec(
      "INSERT INTO kalshi_positions (ticker, position_fp, realized_pnl_dollars, "
      "fees_paid_dollars, subaccount) VALUES ('WX', '0.00', '1.48', '0.14', 0)");
  EXPECT_CALL(context_, log(_, _)).Times(::testing::AnyNumber());
  EXPECT_CALL(context_, log(LogLevel::kWarning, ::testing::HasSubstr("differ from Kalshi's")));
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_reconciliation"), 1);
  EXPECT_EQ(text("SELECT field || ' ' || computed_dollars || ' ' || reported_dollars FROM "
                 "kalshi_reconciliation"),
            "realized_pnl 1.50 1.48");
  EXPECT_EQ(count("SELECT balance_cents FROM kalshi_snapshots"), 10000);
  EXPECT_EQ(count("SELECT open_positions FROM kalshi_snapshots"), 0);
  const int64_t snapshot = count("SELECT id FROM kalshi_snapshots");
  EXPECT_EQ(count("SELECT snapshot_id FROM kalshi_account"), snapshot);
  EXPECT_EQ(count("SELECT snapshot_id FROM kalshi_positions"), snapshot);
  // Already reconciled: a later run for a new fill compares nothing again.
  fill("f3", "BTC", "crypto", "yes", "5", "0.30", "0.04", 3);
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_reconciliation"), 1);
}

}  // namespace
}  // namespace kalshi_direct

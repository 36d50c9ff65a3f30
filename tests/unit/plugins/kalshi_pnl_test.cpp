// The kalshi_pnl model on a hand-computed account, through a mock context and an in-memory store:
// what it computes, what it recomputes when rows change, and that it writes nothing when nothing
// changed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "kalshi/account_state.h"
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
    transfers_.open(*store_);
    orders_.open(*store_);
  }
  // The order a fill of fill() belongs to ("o-" + the fill's id), as kalshi_orders holds it.
  void order(const std::string& fill_id, const std::string& ticker) {
    Batch batch;
    batch.stream = "orders";
    batch.records.push_back(Record({{"id", Value("o-" + fill_id)},
                                    {"ticker", Value(ticker)},
                                    {"side", Value("BUY")},
                                    {"contract_side", Value("yes")},
                                    {"status", Value("executed")}}));
    ASSERT_TRUE(orders_.add(batch).rejected.empty());
    orders_.flush();
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
  // An applied deposit (Kalshi's ledger, as the kalshi_transfers sink writes it).
  void deposit(const std::string& id, int64_t cents, const std::string& finalized_at) {
    Batch batch;
    batch.stream = "transfers";
    Record record;
    record.append("id", Value(id));
    record.append("direction", Value("deposit"));
    record.append("status", Value("applied"));
    record.append("amount_cents", Value(cents));
    record.append("fee_cents", Value(int64_t{0}));
    record.append("created_at", Value(finalized_at));
    record.append("finalized_at", Value(finalized_at));
    batch.records.push_back(std::move(record));
    ASSERT_TRUE(transfers_.add(batch).rejected.empty());
    transfers_.flush();
  }
  // The live balance the kalshi_account sink read at `read_at`.
  void balance(int64_t cents, const std::string& read_at) {
    kalshi::AccountBalance state;
    state.balance_cents = Value(cents);
    kalshi::writeAccountBalance(*store_, state, read_at);
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
  kalshi::RowWriter transfers_{kalshi::transfersTable()};
  kalshi::RowWriter orders_{kalshi::ordersTable()};
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

// A sync re-reads the balance, the positions and the open markets' prices every time: when none
// of them moved, nothing is recomputed (a snapshot of the new account state is still taken); a
// price that moved recomputes its market alone.
TEST_F(PnlModelTest, ANewAccountStateRecomputesOnlyTheMarketsWhosePricesMoved) {
  fill("f1", "WX", "weather", "yes", "10", "0.40", "0.07", 1);
  fill("f3", "BTC", "crypto", "yes", "5", "0.30", "0.04", 3);
  lastPrice("BTC", "crypto", "0.50");
  lastPrice("WX", "weather", "0.45");
  balance(10000, "2026-12-02T00:00:00Z");
  ASSERT_TRUE(run().isOk());
  ASSERT_EQ(counters_["markets_recomputed"], 2u);
  counters_.clear();

  lastPrice("BTC", "crypto", "0.50");  // read again, unchanged
  lastPrice("WX", "weather", "0.45");
  balance(10000, "2026-12-02T00:15:00Z");
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(counters_["markets_recomputed"], 0u);
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_snapshots"), 2) << "the new state's snapshot";
  EXPECT_EQ(text("SELECT unrealized_pnl_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            "1.50");  // BTC 5 x (0.50 - 0.30) + WX 10 x (0.45 - 0.40)

  lastPrice("BTC", "crypto", "0.60");  // moved: BTC alone, 5 x 0.30
  lastPrice("WX", "weather", "0.45");
  balance(10000, "2026-12-02T00:30:00Z");
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(counters_["markets_recomputed"], 1u);
  EXPECT_EQ(text("SELECT unrealized_dollars FROM kalshi_market_pnl WHERE ticker = 'BTC'"), "1.50");
  EXPECT_EQ(text("SELECT unrealized_pnl_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            "2.00");
}

// Each market's orders hold whole cents that add up to the account's realized P&L rounded once:
// two markets of -$0.005 each round to -1 cent together, so one of them holds 0. A price that
// moves recomputes a market without changing its realized P&L: its orders keep the cents the
// account's apportionment gave them (not their own rounding, -1), whatever path computes it.
TEST_F(PnlModelTest, APriceThatMovesKeepsTheOrdersCentsAddingUpToTheAccount) {
  fill("f1", "AAA", "crypto", "yes", "1", "0.40", "0.005", 1);
  fill("f2", "BBB", "crypto", "yes", "1", "0.40", "0.005", 2);
  order("f1", "AAA");
  order("f2", "BBB");
  lastPrice("AAA", "crypto", "0.50");
  lastPrice("BBB", "crypto", "0.50");
  ASSERT_TRUE(run().isOk());
  const std::string cents =
      "SELECT group_concat(id || ':' || pnl_cents, ' ') FROM (SELECT * FROM "
      "kalshi_orders ORDER BY id)";
  const std::string before = text(cents);
  ASSERT_EQ(count("SELECT sum(pnl_cents) FROM kalshi_orders"), -1) << before;
  ASSERT_EQ(count("SELECT realized_pnl_cents FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"), -1);
  for (const char* price : {"0.55", "0.60"}) {
    for (const char* ticker : {"AAA", "BBB"}) {
      counters_.clear();
      lastPrice(ticker, "crypto", price);
      ASSERT_TRUE(run().isOk());
      EXPECT_EQ(counters_["markets_recomputed"], 1u);
      EXPECT_EQ(text(cents), before) << ticker << " at " << price;
    }
  }
  EXPECT_EQ(text("SELECT unrealized_pnl_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            "0.40");
}

// A market recomputed at each new fill (a live run) keeps only its changed lots' rows up to date:
// the lots it ends with are those a computation from nothing gives, also after a fill older than
// all the others re-dated every lot.
TEST_F(PnlModelTest, TaxLotsKeptFillByFillEqualLotsComputedAfresh) {
  const std::string lots =
      "SELECT group_concat(ticker || '|' || subaccount || '|' || seq || '|' || side || '|' || "
      "acquired_at || '|' || ifnull(closed_at, '-') || '|' || ifnull(closed_by, '-') || '|' || "
      "quantity_fp || '|' || proceeds_dollars || '|' || cost_basis_dollars || '|' || "
      "gain_dollars, ';') FROM (SELECT * FROM kalshi_tax_lots ORDER BY ticker, subaccount, seq)";
  fill("f1", "WX", "weather", "yes", "10", "0.40", "0.07", 1000000);
  ASSERT_TRUE(run().isOk());
  fill("f2", "WX", "weather", "yes", "5", "0.45", "0.04", 2000000);
  ASSERT_TRUE(run().isOk());
  fill("f3", "WX", "weather", "no", "12", "0.55", "0.08", 3000000);  // lot 1, part of lot 2
  ASSERT_TRUE(run().isOk());
  fill("f4", "WX", "weather", "yes", "4", "0.50", "0.03", 4000000);
  ASSERT_TRUE(run().isOk());
  const std::string before = text(lots);
  fill("f0", "WX", "weather", "yes", "2", "0.30", "0.02", 500000);  // older than every other
  ASSERT_TRUE(run().isOk());
  const std::string kept = text(lots);
  EXPECT_NE(kept, before);
  EXPECT_GE(count("SELECT count(*) FROM kalshi_tax_lots"), 4);

  store_->exec("DELETE FROM kalshi_tax_lots");
  kalshi::PnlOptions options;
  options.categories = {"weather", "crypto"};
  options.recompute_all = true;
  kalshi::PnlModel afresh(options);
  ASSERT_TRUE(afresh.open(context_).isOk());
  ASSERT_TRUE(afresh.run(ModelRun{true, 1}).isOk());
  EXPECT_EQ(text(lots), kept);
}

// recompute_every: a commit bringing only rows within it of the last recompute leaves its
// markets in kalshi_pnl_dirty; the run's last commit recomputes them, also after a stop.
TEST_F(PnlModelTest, RecomputeEveryDefersRowOnlyCommitsButNeverTheLast) {
  kalshi::PnlOptions options;
  options.categories = {"weather", "crypto"};
  options.recompute_every = std::chrono::hours(1);
  kalshi::PnlModel live(options);
  ASSERT_TRUE(live.open(context_).isOk());
  fill("f1", "WX", "weather", "yes", "10", "0.40", "0.07", 1);
  ASSERT_TRUE(live.run(ModelRun{false, 1}).isOk());  // the first recomputes
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_pnl_dirty"), 0);
  fill("f2", "WX", "weather", "no", "10", "0.55", "0.07", 2);
  ASSERT_TRUE(live.run(ModelRun{false, 1}).isOk());
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_pnl_dirty"), 1);
  EXPECT_EQ(text("SELECT realized_pnl_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            "-0.07");
  ModelRun last{false, 1};
  last.last_commit = true;  // a stop's
  ASSERT_TRUE(live.run(last).isOk());
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_pnl_dirty"), 0);
  // 10 bought at $0.40 and sold at $0.55, less $0.14 of fees.
  EXPECT_EQ(text("SELECT realized_pnl_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            "1.36");
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

int64_t micros(const char* iso) {
  Timestamp time;
  EXPECT_TRUE(Timestamp::parse(iso, time)) << iso;
  return time.micros();
}

// The daily ledger of a hand-computed account, in New York time (EST, UTC-5, in February):
//   deposit $100.00, applied 2026-02-27 15:00Z (10:00 ET, Feb 27)
//   f1 WX  weather buy 10 YES at $0.40, fee $0.07, 2026-02-28 03:30Z = Feb 27 22:30 ET
//   f2 WX  weather sell 10 at $0.55,    fee $0.07, 2026-02-28 06:00Z = Feb 28 01:00 ET
//   balance read 2026-02-28 12:00Z (Feb 28): Kalshi reports $101.36
//   f3 BTC crypto  buy 5 YES at $0.30,  fee $0.04, 2026-03-01 15:00Z = Mar 1
//   balance read 2026-03-01 16:00Z (Mar 1): Kalshi reports $99.85 (3 cents of interest)
// By day: Feb 27 realized -0.07 (f1's fee), bought 10; Feb 28 realized 10 x 0.15 - 0.07 = 1.43,
// sold 10, WX closed with +1.36 net of both fees (a win); Mar 1 realized -0.04, bought 5. The
// days sum to the snapshot's 1.32. Cash flows: Feb 27 +100 - 4.00 - 0.07 = 95.93; Feb 28
// +5.50 - 0.07 = 5.43; Mar 1 -1.50 - 0.04 = -1.54. Rebuilt back from $99.85: Mar 1 99.85,
// Feb 28 101.39 (Kalshi said 101.36: -0.03 unexplained), Feb 27 95.96.
class DailyLedgerTest : public PnlModelTest {
 protected:
  void SetUp() override {
    deposit("d1", 10000, "2026-02-27T15:00:00Z");
    fill("f1", "KXWX-26FEB28-T40", "weather", "yes", "10", "0.40", "0.07",
         micros("2026-02-28T03:30:00Z"));
    fill("f2", "KXWX-26FEB28-T40", "weather", "no", "10", "0.55", "0.07",
         micros("2026-02-28T06:00:00Z"));
    balance(10136, "2026-02-28T12:00:00Z");
    ASSERT_TRUE(run().isOk());
    fill("f3", "KXBTC-26MAR31-B90", "crypto", "yes", "5", "0.30", "0.04",
         micros("2026-03-01T15:00:00Z"));
    balance(9985, "2026-03-01T16:00:00Z");
    ASSERT_TRUE(run().isOk());
  }
  std::string day(const std::string& day, const std::string& columns,
                  const std::string& table = "kalshi_daily_pnl") {
    return text("SELECT " + columns + " FROM " + table + " WHERE day = '" + day + "'" +
                (table == "kalshi_equity_daily" ? " AND subaccount = -1" : ""));
  }
};

TEST_F(DailyLedgerTest, RealizedPnlAndFeesGoToTheLocalDayTheyHappened) {
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_daily_pnl"), 3);
  EXPECT_EQ(day("2026-02-27",
                "category || ' ' || series_ticker || ' ' || realized_pnl_dollars || ' ' || "
                "fees_dollars || ' ' || contracts_bought_fp || ' ' || fills"),
            "weather KXWX -0.07 0.07 10.00 1");
  EXPECT_EQ(day("2026-02-28",
                "realized_pnl_dollars || ' ' || realized_pnl_cents || ' ' || contracts_sold_fp || "
                "' ' || markets_closed || ' ' || winning_closes || ' ' || losing_closes"),
            "1.43 143 10.00 1 1 0");
  EXPECT_EQ(day("2026-02-28", "won_dollars || ' ' || lost_dollars"), "1.36 0");
  EXPECT_EQ(day("2026-03-01", "category || ' ' || series_ticker || ' ' || realized_pnl_dollars"),
            "crypto KXBTC -0.04");
  // The days add up to the snapshot, per category and in total.
  EXPECT_EQ(count("SELECT sum(realized_pnl_cents) FROM kalshi_daily_pnl"),
            count("SELECT realized_pnl_cents FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"));
  EXPECT_EQ(count("SELECT sum(realized_pnl_cents) FROM kalshi_daily_pnl WHERE category = "
                  "'weather'"),
            136);
}

TEST_F(DailyLedgerTest, AClosedPositionIsOneRowWithItsEntryPriceAndNetResult) {
  EXPECT_EQ(text("SELECT ticker || ' ' || side || ' ' || day || ' ' || contracts_fp || ' ' || "
                 "avg_entry_price_dollars || ' ' || realized_pnl_dollars || ' ' || fees_dollars "
                 "|| ' ' || closed_by FROM kalshi_closed_positions"),
            "KXWX-26FEB28-T40 yes 2026-02-28 10.00 0.400000 1.36 0.14 trade");
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_closed_positions"), 1);  // BTC is still open
}

TEST_F(DailyLedgerTest, CashIsRebuiltFromTheNewestBalanceAndEveryDifferenceIsKept) {
  EXPECT_EQ(day("2026-03-01",
                "cash_balance_dollars || ' ' || reported_balance_cents || ' ' || "
                "unexplained_cents || ' ' || open_basis_dollars || ' ' || realized_pnl_cents",
                "kalshi_equity_daily"),
            "99.85 9985 0 1.50 132");
  EXPECT_EQ(day("2026-02-28",
                "cash_balance_dollars || ' ' || reported_balance_cents || ' ' || unexplained_cents "
                "|| ' ' || open_basis_dollars",
                "kalshi_equity_daily"),
            "101.39 10136 -3 0.00");
  EXPECT_EQ(day("2026-02-27",
                "cash_balance_dollars || ' ' || net_deposits_cents || ' ' || "
                "coalesce(unexplained_cents, 'none') || ' ' || equity_cents",
                "kalshi_equity_daily"),
            "95.96 10000 none 9996");
  // One row per calendar day, up to today.
  EXPECT_EQ(text("SELECT min(day) FROM kalshi_equity_daily"), "2026-02-27");
  EXPECT_GE(count("SELECT count(*) FROM kalshi_equity_daily"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_equity_daily WHERE subaccount <> -1"), 0);
}

TEST_F(DailyLedgerTest, SubaccountZeroOfASingleAccountReadsTheWholeAccount) {
  kalshi::LedgerFilter filter;
  filter.from = "2026-03-01";
  filter.to = "2026-03-01";
  filter.subaccount = 0;
  const auto rows = kalshi::readEquity(*store_, filter);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].subaccount, -1);
  EXPECT_EQ(rows[0].cash->toString(), "99.85");
  filter.subaccount = 1;  // a subaccount it never had: nothing
  EXPECT_TRUE(kalshi::readEquity(*store_, filter).empty());
}

TEST_F(DailyLedgerTest, AnotherTimeZoneComputesTheDaysAgain) {
  kalshi::PnlOptions options;
  options.timezone = "UTC";
  kalshi::PnlModel utc(options);
  ASSERT_TRUE(utc.open(context_).isOk());
  ASSERT_TRUE(utc.run(ModelRun{true, 1}).isOk());
  // In UTC f1 and f2 are both on Feb 28.
  EXPECT_EQ(count("SELECT count(*) FROM kalshi_daily_pnl WHERE day = '2026-02-27'"), 0);
  EXPECT_EQ(day("2026-02-28", "realized_pnl_dollars || ' ' || fills"), "1.36 2");
  EXPECT_EQ(text("SELECT timezone FROM kalshi_ledger_settings"), "UTC");
}

// Real records can lack their time (no created_time or settled_time, or Go's zero time, stored as
// NULL): they are dated with the market's other entries, never in 1970.
// Another balance check later that day splits again only the markets with an entry between the
// two checks: ETH's fill at 16:30 was after the 16:00 check and is before the 17:00 one; BTC's
// (15:00) stays before both. Both rows record the new check, and the day's sums are those a
// computation from nothing gives.
TEST_F(DailyLedgerTest, ALaterCheckThatDaySplitsOnlyTheMarketsWithAnEntryBetweenTheChecks) {
  fill("f4", "KXETH-26MAR31-B30", "crypto", "yes", "2", "0.50", "0.02",
       micros("2026-03-01T16:30:00Z"));
  ASSERT_TRUE(run().isOk());
  ASSERT_EQ(text("SELECT cash_flow_after_check_dollars FROM kalshi_market_daily WHERE ticker = "
                 "'KXETH-26MAR31-B30'"),
            "-1.02");
  counters_.clear();
  balance(9883, "2026-03-01T17:00:00Z");
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(counters_["markets_recomputed"], 1u) << "ETH alone";
  EXPECT_EQ(text("SELECT cash_flow_after_check_dollars FROM kalshi_market_daily WHERE ticker = "
                 "'KXETH-26MAR31-B30'"),
            "0");
  EXPECT_EQ(count("SELECT count(DISTINCT check_us) FROM kalshi_market_daily WHERE day = "
                  "'2026-03-01'"),
            1);
  EXPECT_EQ(count("SELECT check_us FROM kalshi_market_daily WHERE ticker = 'KXBTC-26MAR31-B90'"),
            micros("2026-03-01T17:00:00Z"));
  const std::string rows =
      "SELECT group_concat(ticker || ' ' || cash_flow_dollars || ' ' || "
      "cash_flow_after_check_dollars || ' ' || check_us, '; ') FROM (SELECT * FROM "
      "kalshi_market_daily WHERE day = '2026-03-01' ORDER BY ticker)";
  const std::string incremental = text(rows);
  const std::string check = std::to_string(micros("2026-03-01T17:00:00Z"));
  EXPECT_EQ(incremental,
            "KXBTC-26MAR31-B90 -1.54 0 " + check + "; KXETH-26MAR31-B30 -1.02 0 " + check);
  store_->exec("DELETE FROM kalshi_ledger_settings");  // computed again from nothing: the same
  ASSERT_TRUE(run().isOk());
  EXPECT_EQ(text(rows), incremental);
}

TEST_F(PnlModelTest, UndatedFillsAndSettlementsAreDatedWithTheirMarket) {
  fill("f1", "KXWX-26FEB28-T40", "weather", "yes", "10", "0.40", "0.07",
       micros("2026-02-28T15:00:00Z"));
  fill("f2", "KXWX-26FEB28-T40", "weather", "yes", "5", "0.45", "0.03", 0);
  store_->exec("UPDATE kalshi_fills SET filled_at_us = NULL WHERE id = 'f2'");
  store_->exec(
      "INSERT INTO kalshi_settlements (ticker, market_result, yes_count_fp, no_count_fp, "
      "revenue_cents, fee_dollars, settled_at_us, category) VALUES ('KXWX-26FEB28-T40', 'yes', "
      "'15.00', '0.00', 1500, '0', NULL, 'weather')");
  kalshi::markMarketPnlChanged(*store_, {"KXWX-26FEB28-T40"});
  ASSERT_TRUE(run().isOk());
  for (const char* table : {"kalshi_daily_pnl", "kalshi_closed_positions"}) {
    EXPECT_EQ(text(std::string("SELECT min(day) || ' ' || max(day) FROM ") + table),
              "2026-02-28 2026-02-28")
        << table;
  }
  EXPECT_EQ(text("SELECT min(acquired_day) || ' ' || max(closed_day) FROM kalshi_tax_lots"),
            "2026-02-28 2026-02-28");
  EXPECT_EQ(text("SELECT min(day) FROM kalshi_equity_daily"), "2026-02-28");
  // Still every cent: 15 x 1.00 - 4.00 - 2.25 - 0.10 of fees.
  EXPECT_EQ(text("SELECT realized_pnl_dollars FROM kalshi_daily_pnl"), "8.65");
}

TEST_F(PnlModelTest, AnUnknownTimeZoneIsAConfigurationError) {
  kalshi::PnlOptions options;
  options.timezone = "Mars/Olympus_Mons";
  kalshi::PnlModel model(options);
  const Status status = model.open(context_);
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("unknown time zone 'Mars/Olympus_Mons'"));
}

}  // namespace
}  // namespace kalshi_direct

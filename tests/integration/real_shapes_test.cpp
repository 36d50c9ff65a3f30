// Responses in the shapes Kalshi's production API really sent in the first half of 2026
// (tests/fixtures/recorded-2026h1, replayed over HTTP): every record lands exactly once, with the
// P&L computed by hand in that folder's README, and the run says what it had to interpret.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/sqlite.h"
#include "support/page_server.h"
#include "support/process.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class RealShapesTest : public ::testing::Test {
 protected:
  RealShapesTest()
      : server_(testing::PageServer::pagesFromDirectory(
            std::string(KD_SOURCE_DIR) + "/tests/fixtures/recorded-2026h1", "/trade-api/v2")) {}

  testing::ProcessResult cli(const std::vector<std::string>& args) {
    std::vector<std::string> argv = {KD_CLI};
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::runProcess(argv, dir_.path(),
                               {{"KALSHI_API_BASE_URL", server_.baseUrl()},
                                {"KALSHI_API_KEY", "replay-token"},
                                {"KALSHI_API_KEY_ID", ""},
                                {"KALSHI_PRIVATE_KEY_PATH", ""},
                                {"KALSHI_PRIVATE_KEY", ""},
                                {"KALSHI_RATE_LIMIT", "off"},
                                {"KALSHI_MAX_RETRY_TIME", "3s"},
                                {"KALSHI_DB", dir_.file("kalshi.db")}});
  }
  // Rows of `sql` as "a|b\n" lines (NULL as "NULL").
  std::string rows(const std::string& sql) {
    sqlite::Database database(dir_.file("kalshi.db"), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(), sql);
    std::string out;
    while (query.step()) {
      for (int column = 0; column < query.columnCount(); ++column) {
        out += (column ? "|" : "") +
               (query.columnIsNull(column) ? std::string("NULL") : query.columnText(column));
      }
      out += "\n";
    }
    return out;
  }
  Decimal amount(const std::string& sql) {
    Decimal value;
    EXPECT_TRUE(Decimal::parse(rows(sql).substr(0, rows(sql).find('\n')), value)) << sql;
    return value;
  }
  static Decimal d(const char* text) {
    Decimal value;
    Decimal::parse(text, value);
    return value;
  }

  testing::PageServer server_;
  testing::TempDir dir_;
};

TEST_F(RealShapesTest, EveryRecordLandsOnceWithTheHandComputedPnl) {
  const auto backfill = cli({"run", "backfill", "--full"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.file("backfill.dead-letter.jsonl")));
  // Fills and orders of the legacy vocabulary only (3 + 3), and one of each whose vocabularies
  // disagree: counted, with one warning for the run.
  EXPECT_THAT(backfill.out, HasSubstr("direction_from_legacy 6"));
  EXPECT_THAT(backfill.out, HasSubstr("direction_conflicts 2"));
  const std::string warning = "outcome_side/book_side and action/side disagree";
  const std::string& err = backfill.err;
  EXPECT_EQ(err.find(warning), err.rfind(warning)) << err;
  EXPECT_NE(err.find(warning), std::string::npos) << err;

  // Direction as the trade moved the position; side/contract side as the trader named it when
  // the legacy pair is there and agrees; no exchange index or subaccount means the primary, 0.
  EXPECT_EQ(rows("SELECT id, outcome_side, book_side, side, contract_side, quantity_fp, "
                 "fee_dollars, subaccount, "
                 "filled_at IS NOT NULL, category FROM kalshi_fills ORDER BY filled_at"),
            "b1c0ffee-0000-1111-2222-000000000001|no|ask|BUY|no|3.00|0.0300|0|1|crypto\n"
            "f1c0ffee-0000-1111-2222-000000000001|yes|bid|BUY|yes|10.00|0.0700|0|1|weather\n"
            "f2c0ffee-0000-1111-2222-000000000002|no|ask|SELL|yes|4.00|0|0|1|weather\n"
            "f3-not-a-uuid|no|ask|BUY|no|2.00|0.02|0|1|weather\n"
            "f4c0ffee-0000-1111-2222-000000000004|yes|bid|BUY|yes|1.00|0.010000|0|1|weather\n");
  EXPECT_EQ(
      rows("SELECT id, status, side, contract_side, quantity_fp, fees_dollars, client_order_id, "
           "fill_cost_dollars FROM kalshi_orders ORDER BY id"),
      "o1|executed|BUY|yes|10.00|0.0700|NULL|4.0000\n"
      "o2|executed|SELL|yes|4.00|0|NULL|2.200000\n"
      "o3|executed|BUY|no|2.00|0.02|NULL|0.8\n"
      "o4|executed|BUY|yes|1.00|0.010000|NULL|0.500000\n"
      "o5|executed|BUY|no|3.00|0.0300|NULL|0.9000\n");

  // P&L as computed by hand (tests/fixtures/recorded-2026h1/README.md), exact.
  EXPECT_EQ(
      amount(
          "SELECT realized_dollars FROM kalshi_market_pnl WHERE ticker = 'KXHIGHNY-26MAR01-T60'"),
      d("0.90"));
  EXPECT_EQ(
      amount(
          "SELECT unrealized_dollars FROM kalshi_market_pnl WHERE ticker = 'KXHIGHNY-26MAR01-T60'"),
      d("1.40"));
  EXPECT_EQ(
      amount("SELECT fees_dollars FROM kalshi_market_pnl WHERE ticker = 'KXHIGHNY-26MAR01-T60'"),
      d("0.10"));
  EXPECT_EQ(
      amount(
          "SELECT realized_dollars FROM kalshi_market_pnl WHERE ticker = 'KXBTCD-26MAR02-T90000'"),
      d("2.07"));
  EXPECT_EQ(rows("SELECT realized_pnl_cents, unrealized_pnl_cents, fees_cents, balance_cents, "
                 "balance_dollars, "
                 "net_deposits_cents FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            "297|140|13|10087|100.870000|10000\n");
  // Kalshi's own realized figures agree with ours: nothing to reconcile.
  EXPECT_EQ(rows("SELECT count(*) FROM kalshi_reconciliation"), "0\n");
  // A pending deposit is recorded but not counted; the 404 of /withdrawals counted as none.
  EXPECT_EQ(rows("SELECT id, direction, status, type, amount_cents, finalized_at IS NULL FROM "
                 "kalshi_transfers "
                 "ORDER BY id"),
            "dep-1|deposit|applied|ach|10000|0\ndep-2|deposit|pending|wire|5000|1\n");
  EXPECT_EQ(
      rows("SELECT series_ticker, series_category, close_time FROM kalshi_markets ORDER BY ticker"),
      "KXBTCD|Crypto|2026-03-02T17:00:00Z\nKXHIGHNY|Climate and Weather|2026-12-31T23:59:00Z\n");

  // Metadata came in batches: no request per event.
  for (const auto& path : server_.requested()) {
    EXPECT_THAT(path, Not(HasSubstr("/events/"))) << "one event at a time";
  }

  // A sync over the same responses adds nothing and changes nothing.
  const auto sync = cli({"run", "sync"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  EXPECT_EQ(rows("SELECT count(*), count(DISTINCT id) FROM kalshi_fills"), "5|5\n");
  EXPECT_EQ(rows("SELECT count(*) FROM kalshi_orders"), "5\n");
  EXPECT_EQ(rows("SELECT realized_pnl_cents, unrealized_pnl_cents, fees_cents FROM "
                 "kalshi_snapshots ORDER BY id "
                 "DESC LIMIT 1"),
            "297|140|13\n");
}

}  // namespace
}  // namespace kalshi_direct

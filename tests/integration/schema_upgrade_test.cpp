// A database an older kalshi-direct wrote (tests/fixtures/schema: the release before subaccounts
// and transfers) is upgraded in place by today's sync: columns added, keys that gained
// `subaccount` rebuilt, every row kept, and the figures those rows give equal the truth.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi/tables.h"
#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/sqlite.h"
#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace {

std::vector<std::string> primaryKey(const std::string& path, const std::string& table) {
  sqlite::Database database(path, sqlite::Database::Mode::kReadOnly);
  sqlite::Statement info(database.handle(),
                         "SELECT name FROM pragma_table_info(?) WHERE pk > 0 ORDER BY pk");
  info.bindText(1, table);
  std::vector<std::string> key;
  while (info.step()) key.push_back(info.columnText(0));
  return key;
}

class SchemaUpgradeTest : public testing::KalshiCliFixture {};

TEST_F(SchemaUpgradeTest, ADatabaseFromTheReleaseBeforeSubaccountsIsUpgradedInPlaceWithEveryRow) {
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadWriteCreate);
    database.exec(testing::readFile(std::string(KD_SOURCE_DIR) +
                                    "/tests/fixtures/schema/kalshi-db-05a3d4b.sql"));
  }
  const int64_t old_snapshots = scalar("SELECT count(*) FROM kalshi_snapshots");
  const int64_t old_settlements = scalar("SELECT count(*) FROM kalshi_settlements");
  ASSERT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), 150);
  ASSERT_EQ(primaryKey(db(), "kalshi_settlements"), std::vector<std::string>{"ticker"});

  // The same account that database was written from.
  sim_ = std::make_unique<testing::SimServer>(
      std::vector<std::string>{"--fills", "150", "--seed", "5", "--bearer-token", kToken});
  const auto sync = cli({"run", "sync"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;

  EXPECT_EQ(primaryKey(db(), "kalshi_settlements"),
            (std::vector<std::string>{"ticker", "subaccount"}));
  EXPECT_EQ(primaryKey(db(), "kalshi_market_pnl"),
            (std::vector<std::string>{"ticker", "subaccount", "category"}));
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills WHERE subaccount = 0"), 150);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_orders WHERE subaccount = 0"),
            truthCount("orders"));
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_settlements"), old_settlements);
  EXPECT_GE(scalar("SELECT count(*) FROM kalshi_snapshots"),
            old_snapshots + 1);  // the old ones kept
  EXPECT_EQ(
      scalar("SELECT count(*) FROM kalshi_snapshots WHERE id <= " + std::to_string(old_snapshots)),
      old_snapshots);
  EXPECT_EQ(scalar("SELECT net_deposits_cents FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            sim_->truth()->getValue<int64_t>("net_deposits_cents"));
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE name LIKE '%kd_before_migration%'"),
            0);
  EXPECT_EQ(scalar("SELECT version FROM kd_schema WHERE component = 'kalshi'"),
            kalshi::kSchemaVersion)
      << "the migrated schema carries its version";

  // The market P&L, recomputed from the kept rows, is the truth's.
  const auto markets = sim_->truth()->getObject("markets");
  sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
  sqlite::Statement cash(database.handle(),
                         "SELECT ticker, cash_flow_dollars FROM kalshi_market_pnl");
  std::map<std::string, Decimal> ours;
  while (cash.step()) {
    Decimal value;
    ASSERT_TRUE(Decimal::parse(cash.columnText(1), value));
    ours[cash.columnText(0)] += value;
  }
  ASSERT_EQ(ours.size(), markets->size());
  for (const auto& ticker : markets->getNames()) {
    Decimal truth;
    ASSERT_TRUE(Decimal::parse(
        markets->getObject(ticker)->getValue<std::string>("cash_pnl_dollars"), truth));
    EXPECT_EQ(ours[ticker], truth) << ticker;
  }
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// Issue 13 item 11: a table of the same name that another tool made, or a view, is refused before
// any request with one line naming the table and what to do (exit 2); nothing is written.
TEST_F(SchemaUpgradeTest, AForeignTableOrAViewIsRefusedBeforeAnyRequestAndNothingIsWritten) {
  startSim({}, "300");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"CREATE TABLE kalshi_orders (id INTEGER PRIMARY KEY, ticker TEXT, side TEXT, quantity "
       "INTEGER,"
       " price REAL, status TEXT, created_at TEXT, pnl REAL);"
       "INSERT INTO kalshi_orders VALUES (1, 'T', 'BUY', 1, 50, 'filled', '2026-01-01', 0);",
       "table kalshi_orders was not made by kalshi-direct: its column id is INTEGER, "
       "kalshi-direct's is TEXT; "
       "rename that table (ALTER TABLE kalshi_orders RENAME TO ...) or use another database"},
      {"CREATE VIEW kalshi_fills AS SELECT 1 AS id;",
       "kalshi_fills is a view, not a table kalshi-direct can write: drop or rename it, or use "
       "another database"},
  };
  for (const auto& [sql, message] : cases) {
    std::filesystem::remove(db());
    {
      sqlite::Database database(db(), sqlite::Database::Mode::kReadWriteCreate);
      database.exec(sql);
    }
    sim_->resetStats();
    const auto result = cli({"run", "sync"});
    EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
    EXPECT_THAT(result.err, ::testing::HasSubstr(message));
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(sim_->json("GET", "/admin/stats")->getValue<int>("requests_total"), 0)
        << "no request was made";
    EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master"), 1) << "nothing was written: " << sql;
  }
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// Issue 14: the migration is one transaction with the run's first rows. When the run is refused
// part-way (here a table the old release never had is a view another tool made), the database is
// exactly as it was: no key rebuilt, no version stamped, every row where it was.
TEST_F(SchemaUpgradeTest, ARefusedRunLeavesAnOldDatabaseUnmigrated) {
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadWriteCreate);
    database.exec(testing::readFile(std::string(KD_SOURCE_DIR) +
                                    "/tests/fixtures/schema/kalshi-db-05a3d4b.sql"));
    database.exec("CREATE VIEW kalshi_transfers AS SELECT 1 AS id");
  }
  const std::string before =
      text("SELECT group_concat(name || ':' || sql, ';') FROM sqlite_master");
  const int64_t fills = scalar("SELECT count(*) FROM kalshi_fills");
  startSim({}, "150");
  const auto sync = cli({"run", "sync"});
  EXPECT_EQ(sync.exit_code, 2) << sync.out << sync.err;
  EXPECT_THAT(sync.err, ::testing::HasSubstr("kalshi_transfers is a view"));
  EXPECT_EQ(text("SELECT group_concat(name || ':' || sql, ';') FROM sqlite_master"), before);
  EXPECT_EQ(primaryKey(db(), "kalshi_settlements"), std::vector<std::string>{"ticker"});
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), fills);
}

// Version 3 to 4: a database from the release before the dashboard's indexes answers the same
// edge by price before its next sync (from its closed positions) as after it, when the sync has
// added the indexes, kalshi_tickers (every ticker of its orders and fills) and
// kalshi_monthly_edge.
TEST_F(SchemaUpgradeTest, AVersion3DatabaseGainsTheDashboardsIndexesTickersAndMonthlyEdge) {
  startSim({"--days", "75"}, "400");
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadWrite);
    database.exec(
        "DROP TABLE kalshi_tickers; DROP TABLE kalshi_monthly_edge; DROP INDEX kalshi_orders_pnl;"
        "DROP INDEX kalshi_fills_price; DROP INDEX kalshi_fills_fee;"
        "DROP INDEX kalshi_closed_positions_closing;"
        "CREATE INDEX kalshi_closed_positions_day ON kalshi_closed_positions (day, closed_at);"
        "UPDATE kd_schema SET version = 3 WHERE component = 'kalshi'");
  }
  const auto edge = [&] {
    const auto result = cli({"report", "--edge", "--by", "category", "--format", "json"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out;
  };
  const std::string edge_before = edge();
  EXPECT_THAT(edge_before, ::testing::HasSubstr("\"positions\""));

  const auto sync = cli({"run", "sync"});
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_EQ(scalar("SELECT version FROM kd_schema WHERE component = 'kalshi'"), 4);
  EXPECT_EQ(edge(), edge_before);
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM kalshi_tickers"),
            scalar("SELECT COUNT(*) FROM (SELECT ticker FROM kalshi_orders UNION SELECT ticker "
                   "FROM kalshi_fills)"));
  EXPECT_EQ(
      scalar("SELECT SUM(positions) FROM kalshi_monthly_edge"),
      scalar("SELECT COUNT(*) FROM kalshi_closed_positions WHERE CAST(contracts_fp AS REAL) > 0"));
  for (const std::string index : {"kalshi_orders_pnl", "kalshi_fills_price", "kalshi_fills_fee",
                                  "kalshi_closed_positions_closing"}) {
    EXPECT_EQ(scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '" +
                     index + "'"),
              1)
        << index;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = "
                   "'kalshi_closed_positions_day'"),
            0);
}

// A database a newer kalshi-direct wrote is refused before any request, with one line saying to
// upgrade, and nothing in it changes.
TEST_F(SchemaUpgradeTest, ADatabaseFromANewerReleaseIsRefusedAndLeftAlone) {
  startSim({}, "150");
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadWrite);
    database.exec("UPDATE kd_schema SET version = 99 WHERE component = 'kalshi'");
  }
  const int64_t snapshots = scalar("SELECT count(*) FROM kalshi_snapshots");
  sim_->resetStats();
  const auto sync = cli({"run", "sync"});
  EXPECT_EQ(sync.exit_code, 2) << sync.out << sync.err;
  EXPECT_THAT(sync.err, ::testing::HasSubstr("holds Kalshi schema version 99, newer than this "
                                             "kalshi-direct's " +
                                             std::to_string(kalshi::kSchemaVersion) +
                                             ": upgrade kalshi-direct"));
  EXPECT_EQ(std::count(sync.err.begin(), sync.err.end(), '\n'), 1) << sync.err;
  EXPECT_EQ(sim_->json("GET", "/admin/stats")->getValue<int>("requests_total"), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_snapshots"), snapshots);
  EXPECT_EQ(scalar("SELECT version FROM kd_schema WHERE component = 'kalshi'"), 99);
}

}  // namespace
}  // namespace kalshi_direct

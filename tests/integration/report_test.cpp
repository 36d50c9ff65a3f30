// `kalshi-direct report` on a kalshi.db built by hand: the latest snapshot, P&L by category and in
// total, --json for dashboards, --since comparisons (ISO times, durations, nothing that old), the
// one-line errors, and a read-only connection that a running sync does not disturb.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "kalshi/tables.h"
#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/sqlite.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/timestamp.h"
#include "support/process.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::TempDir;

// Three snapshots. #2 is taken half a second after 12:00:00 (its text sorts before "...00Z":
// the comparison must use times, not strings). #3, the latest, is a fallback snapshot.
//   #1 2026-08-01T00:00:00Z       crypto  realized 10.0000  unrealized  2.5000  fees 1.0000
//                                 other   realized -1.2500  unrealized  0.0000  fees 0.5000
//   #2 2026-08-10T12:00:00.500Z   crypto  realized 12.0000  unrealized -1.0000  fees 1.5000
//                                 other   realized -1.2500  unrealized  0.0000  fees 0.5000
//   #3 2026-08-20T16:05:00Z       crypto  realized 15.123456 unrealized -3.3300 fees 2.0000
//                                 weather realized  4.0050  unrealized  1.0000  fees 0.2500
//      (other is gone in #3; weather is new)
const char* kSnapshotsSql =
    "INSERT INTO kalshi_snapshots (id, taken_at, source, balance_cents, portfolio_value_cents,"
    " open_positions, total_orders, total_fills, realized_pnl_cents, unrealized_pnl_cents, "
    "fees_cents,"
    " realized_pnl_dollars, unrealized_pnl_dollars, fees_dollars) VALUES"
    " (1, '2026-08-01T00:00:00Z', 'live', 100000, 5000, 2, 10, 20, 875, 250, 150,"
    "  '8.7500', '2.5000', '1.5000'),"
    " (2, '2026-08-10T12:00:00.500000Z', 'live', 101000, 4000, 2, 12, 25, 1075, -100, 200,"
    "  '10.7500', '-1.0000', '2.0000'),"
    " (3, '2026-08-20T16:05:00Z', 'fallback', 123457, 5279, 3, 1282, 2000, 1913, -233, 225,"
    "  '19.128456', '-2.3300', '2.2500');"
    "INSERT INTO kalshi_snapshot_pnl (snapshot_id, category, realized_pnl_cents,"
    " unrealized_pnl_cents, fees_cents, realized_pnl_dollars, unrealized_pnl_dollars, fees_dollars)"
    " VALUES"
    " (1, 'crypto', 1000, 250, 100, '10.0000', '2.5000', '1.0000'),"
    " (1, 'other', -125, 0, 50, '-1.2500', '0.0000', '0.5000'),"
    " (2, 'crypto', 1200, -100, 150, '12.0000', '-1.0000', '1.5000'),"
    " (2, 'other', -125, 0, 50, '-1.2500', '0.0000', '0.5000'),"
    " (3, 'crypto', 1512, -333, 200, '15.123456', '-3.3300', '2.0000'),"
    " (3, 'weather', 401, 100, 25, '4.0050', '1.0000', '0.2500');";

Poco::JSON::Object::Ptr parseJson(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

Decimal dec(const std::string& text) {
  Decimal value;
  EXPECT_TRUE(Decimal::parse(text, value)) << text;
  return value;
}

std::string isoAgo(std::chrono::seconds ago) {
  const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
      std::chrono::system_clock::now().time_since_epoch());
  return Timestamp::fromMicros(now.count() -
                               std::chrono::duration_cast<std::chrono::microseconds>(ago).count())
      .toIso8601();
}

class ReportTest : public ::testing::Test {
 protected:
  ProcessResult cli(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), {KD_CLI, "report"});
    if (env.count("KALSHI_DB") == 0)
      env["KALSHI_DB"] = "";  // the test's own choice, not the caller's
    return testing::runProcess(args, dir_.path(), env);
  }
  std::string db() const { return dir_.file("kalshi.db"); }
  void createDatabase(const char* rows = kSnapshotsSql) {
    StorePtr store = openStore(db(), Store::Mode::kReadWriteCreate);
    // The tables as the sinks make them (plugins/kalshi/tables.h), not a copy of their DDL.
    for (const auto* table : {&kalshi::snapshotsTable(), &kalshi::snapshotPnlTable()})
      kalshi::createTable(*store, *table, false);
    if (rows) store->exec(rows);
  }
  // The row of a table printed for people whose first cell is `name`, split into cells.
  static std::vector<std::string> row(const std::string& out, const std::string& name,
                                      size_t occurrence = 0) {
    std::istringstream lines(out);
    std::string line;
    while (std::getline(lines, line)) {
      std::istringstream cells(line);
      std::vector<std::string> words;
      std::string word;
      while (cells >> word) words.push_back(word);
      if (!words.empty() && words[0] == name && occurrence-- == 0) return words;
    }
    return {};
  }

  TempDir dir_;
};

TEST_F(ReportTest, ShowsTheLatestSnapshotAndPnlByCategoryForPeople) {
  createDatabase();
  const ProcessResult result = cli({});  // ./kalshi.db by default
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  EXPECT_THAT(
      result.out,
      HasSubstr("kalshi.db: latest snapshot #3 taken at 2026-08-20T16:05:00Z (fallback)\n"));
  EXPECT_THAT(result.out,
              HasSubstr("note: written from the last known state while the API was unavailable"));
  EXPECT_THAT(result.out, HasSubstr("balance          1234.57\n"));
  EXPECT_THAT(result.out, HasSubstr("portfolio value    52.79\n"));
  EXPECT_THAT(result.out, HasSubstr("total orders        1282\n"));
  EXPECT_THAT(result.out, HasSubstr("realized is net of fees; total = realized + unrealized"));
  EXPECT_EQ(row(result.out, "CATEGORY"),
            (std::vector<std::string>{"CATEGORY", "REALIZED", "UNREALIZED", "FEES", "TOTAL"}));
  // Cents rounded half away from zero from the exact amounts: 15.123456 -> 15.12, 4.005 -> 4.01.
  EXPECT_EQ(row(result.out, "crypto"),
            (std::vector<std::string>{"crypto", "15.12", "-3.33", "2.00", "11.79"}));
  EXPECT_EQ(row(result.out, "weather"),
            (std::vector<std::string>{"weather", "4.01", "1.00", "0.25", "5.01"}));
  EXPECT_TRUE(row(result.out, "other").empty()) << "a category of an older snapshot only";
  EXPECT_EQ(row(result.out, "TOTAL"),
            (std::vector<std::string>{"TOTAL", "19.13", "-2.33", "2.25", "16.80"}));
  // Columns line up: every row of the P&L table is as wide as its header.
  const size_t header = result.out.find("  CATEGORY");
  const size_t crypto = result.out.find("  crypto");
  ASSERT_NE(header, std::string::npos);
  EXPECT_EQ(result.out.find('\n', header) - header, result.out.find('\n', crypto) - crypto);
}

TEST_F(ReportTest, JsonHasExactDecimalStrings) {
  createDatabase();
  const ProcessResult result = cli({"--json", "--db", db()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto json = parseJson(result.out);
  EXPECT_EQ(json->getValue<std::string>("database"), db());
  const auto snapshot = json->getObject("snapshot");
  EXPECT_EQ(snapshot->getValue<int>("id"), 3);
  EXPECT_EQ(snapshot->getValue<std::string>("taken_at"), "2026-08-20T16:05:00Z");
  EXPECT_EQ(snapshot->getValue<std::string>("source"), "fallback");
  EXPECT_EQ(snapshot->getValue<std::string>("balance_dollars"), "1234.5700");
  EXPECT_EQ(snapshot->getValue<std::string>("portfolio_value_dollars"), "52.7900");
  EXPECT_EQ(snapshot->getValue<int>("open_positions"), 3);
  EXPECT_EQ(snapshot->getValue<int>("total_orders"), 1282);
  EXPECT_EQ(snapshot->getValue<int>("total_fills"), 2000);
  EXPECT_EQ(snapshot->getValue<std::string>("realized_pnl_dollars"), "19.128456");
  EXPECT_EQ(snapshot->getValue<std::string>("total_pnl_dollars"), "16.798456");
  const auto categories = json->getArray("categories");
  ASSERT_EQ(categories->size(), 2u);
  const auto crypto = categories->getObject(0);
  EXPECT_EQ(crypto->getValue<std::string>("category"), "crypto");
  EXPECT_EQ(crypto->getValue<std::string>("realized_pnl_dollars"), "15.123456");
  EXPECT_EQ(crypto->getValue<std::string>("unrealized_pnl_dollars"), "-3.3300");
  EXPECT_EQ(crypto->getValue<std::string>("fees_dollars"), "2.0000");
  EXPECT_EQ(crypto->getValue<std::string>("total_pnl_dollars"), "11.793456");
  const auto total = json->getObject("total");
  EXPECT_EQ(total->getValue<std::string>("realized_pnl_dollars"), "19.128456");
  EXPECT_EQ(total->getValue<std::string>("unrealized_pnl_dollars"), "-2.3300");
  EXPECT_EQ(total->getValue<std::string>("total_pnl_dollars"), "16.798456");
  // The categories add up to the total, exactly.
  Decimal sum;
  for (size_t i = 0; i < categories->size(); ++i) {
    sum += dec(categories->getObject(static_cast<unsigned>(i))
                   ->getValue<std::string>("total_pnl_dollars"));
  }
  EXPECT_EQ(sum, dec(total->getValue<std::string>("total_pnl_dollars")));
  EXPECT_FALSE(json->has("since"));
}

TEST_F(ReportTest, SinceComparesWithTheLatestSnapshotTakenAtOrBeforeTheTime) {
  createDatabase();
  // 12:00:00Z is before #2 (12:00:00.5): the base is #1.
  ProcessResult result = cli({"--since", "2026-08-10T12:00:00Z", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto since = parseJson(result.out)->getObject("since");
  EXPECT_EQ(since->getValue<std::string>("time"), "2026-08-10T12:00:00Z");
  EXPECT_EQ(since->getObject("compared_to")->getValue<int>("id"), 1);
  EXPECT_EQ(since->getValue<std::string>("balance_change_dollars"), "234.5700");
  auto categories = since->getArray("categories");
  ASSERT_EQ(categories->size(), 3u);  // crypto (both), other (gone), weather (new)
  std::map<std::string, Poco::JSON::Object::Ptr> by_name;
  for (size_t i = 0; i < categories->size(); ++i) {
    auto category = categories->getObject(static_cast<unsigned>(i));
    by_name[category->getValue<std::string>("category")] = category;
  }
  // crypto: 15.123456 - 10 realized, -3.33 - 2.5 unrealized, total 11.793456 - 12.5.
  EXPECT_EQ(by_name["crypto"]->getValue<std::string>("realized_pnl_dollars"), "5.123456");
  EXPECT_EQ(by_name["crypto"]->getValue<std::string>("unrealized_pnl_dollars"), "-5.8300");
  EXPECT_EQ(by_name["crypto"]->getValue<std::string>("fees_dollars"), "1.0000");
  EXPECT_EQ(by_name["crypto"]->getValue<std::string>("total_pnl_dollars"), "-0.706544");
  EXPECT_EQ(by_name["other"]->getValue<std::string>("total_pnl_dollars"), "1.2500");
  EXPECT_EQ(by_name["weather"]->getValue<std::string>("total_pnl_dollars"), "5.0050");
  // Total: 16.798456 - (8.75 + 2.5).
  EXPECT_EQ(since->getObject("total")->getValue<std::string>("total_pnl_dollars"), "5.548456");

  // Exactly #2's time (inclusive), as a person reads it.
  result = cli({"--since", "2026-08-10T12:00:00.5Z"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(
      result.out,
      HasSubstr("Change since 2026-08-10T12:00:00.500000Z: compared with snapshot #2 taken at "
                "2026-08-10T12:00:00.500000Z (live)\n"));
  EXPECT_EQ(row(result.out, "balance", 1), (std::vector<std::string>{"balance", "224.57"}));
  EXPECT_EQ(row(result.out, "crypto", 1),
            (std::vector<std::string>{"crypto", "3.12", "-2.33", "0.50", "0.79"}));
  EXPECT_EQ(row(result.out, "other", 0),
            (std::vector<std::string>{"other", "1.25", "0.00", "-0.50", "1.25"}));
  EXPECT_EQ(row(result.out, "TOTAL", 1),
            (std::vector<std::string>{"TOTAL", "8.38", "-1.33", "0.25", "7.05"}));

  // A bare date is its midnight UTC: #1 (taken at that very instant).
  result = cli({"--since", "2026-08-01", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(
      parseJson(result.out)->getObject("since")->getObject("compared_to")->getValue<int>("id"), 1);
}

TEST_F(ReportTest, SinceSaysSoWhenNoSnapshotIsThatOld) {
  createDatabase();
  ProcessResult result = cli({"--since", "2026-07-01T00:00:00Z"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out,
              HasSubstr("Change since 2026-07-01T00:00:00Z: no snapshot was taken at or before "
                        "2026-07-01T00:00:00Z (the oldest was taken at 2026-08-01T00:00:00Z)\n"));
  result = cli({"--since", "2026-07-01T00:00:00Z", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto since = parseJson(result.out)->getObject("since");
  EXPECT_TRUE(since->isNull("compared_to"));
  EXPECT_THAT(since->getValue<std::string>("message"),
              HasSubstr("no snapshot was taken at or before"));
}

TEST_F(ReportTest, SinceTakesADurationAgo) {
  const std::string two_days_ago = isoAgo(std::chrono::hours(48));
  const std::string hour_ago = isoAgo(std::chrono::hours(1));
  createDatabase(nullptr);
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadWrite);
    database.exec(
        "INSERT INTO kalshi_snapshots (id, taken_at, source, balance_cents, realized_pnl_cents,"
        " unrealized_pnl_cents, fees_cents) VALUES"
        " (7, '" +
        two_days_ago +
        "', 'live', 1000, 100, 0, 10),"
        " (8, '" +
        hour_ago + "', 'live', 1500, 300, 50, 20)");
  }
  ProcessResult result = cli({"--since", "24h", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto json = parseJson(result.out);
  auto since = json->getObject("since");
  EXPECT_EQ(since->getObject("compared_to")->getValue<int>("id"), 7);
  // No category rows: the snapshot's own totals (from cents here) carry the report.
  EXPECT_EQ(json->getObject("total")->getValue<std::string>("total_pnl_dollars"), "3.5000");
  EXPECT_EQ(since->getObject("total")->getValue<std::string>("realized_pnl_dollars"), "2.0000");
  EXPECT_EQ(since->getObject("total")->getValue<std::string>("total_pnl_dollars"), "2.5000");
  EXPECT_EQ(since->getValue<std::string>("balance_change_dollars"), "5.0000");
  result = cli({"--since", "30m", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(
      parseJson(result.out)->getObject("since")->getObject("compared_to")->getValue<int>("id"), 8);
  result = cli({"--since", "7d", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(parseJson(result.out)->getObject("since")->isNull("compared_to"));
}

TEST_F(ReportTest, NoDatabaseOrNoSnapshotSaysToRunASyncFirst) {
  ProcessResult result = cli({});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(result.err,
            "kalshi-direct report: no database at kalshi.db: run `kalshi-direct run sync` first\n");
  EXPECT_FALSE(std::filesystem::exists(db())) << "report must not create the database";

  result = cli({}, {{"KALSHI_DB", dir_.file("elsewhere.db")}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.err, "kalshi-direct report: no database at " + dir_.file("elsewhere.db") +
                            ": run `kalshi-direct run sync` first\n");

  { sqlite::Database empty(db(), sqlite::Database::Mode::kReadWriteCreate); }
  result = cli({"--json"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(
      result.err,
      "kalshi-direct report: no snapshots in kalshi.db: run `kalshi-direct run sync` first\n");

  createDatabase(nullptr);  // tables, no rows
  result = cli({});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(
      result.err,
      "kalshi-direct report: no snapshots in kalshi.db: run `kalshi-direct run sync` first\n");

  testing::writeFile(dir_.file("junk.db"), std::string(4096, 'x'));
  result = cli({"--db", "junk.db"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("kalshi-direct report: cannot read junk.db: "));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
}

TEST_F(ReportTest, BadUsageExitsTwoWithOneLine) {
  createDatabase();
  ProcessResult result = cli({"--frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "kalshi-direct report: unknown option '--frobnicate' (see kalshi-direct report "
            "--help)\n");
  result = cli({"--since", "yesterday"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--since: 'yesterday' is not an ISO 8601 time"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
  result = cli({"--since", "24"});  // a duration needs its unit
  EXPECT_EQ(result.exit_code, 2);
  result = cli({"--db"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--db needs a value"));
  result = cli({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("usage: kalshi-direct report [--db PATH] [--since TIME]"));
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--range", "fortnight"},
                                              {"--by", "hour"},
                                              {"--from", "2026-13-01"},
                                              {"--format", "xml"},
                                              {"--subaccount", "x"},
                                              {"--from", "2026-03-02", "--to", "2026-03-01"},
                                              {"--range", "ytd", "--from", "2026-01-01"},
                                              {"--since", "7d", "--by", "month"},
                                              {"--tax-year", "26"},
                                              {"--tax-year", "2026", "--range", "ytd"},
                                              {"--tax-year", "2026", "--stats"}}) {
    result = cli(bad);
    EXPECT_EQ(result.exit_code, 2) << bad[0];
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
}

TEST_F(ReportTest, ReadsTheCommittedStateWhileASyncHoldsTheWriteLock) {
  createDatabase();
  // A sync in progress: WAL, BEGIN IMMEDIATE and a snapshot not yet committed.
  sqlite::Database writer(db(), sqlite::Database::Mode::kReadWrite);
  writer.exec("BEGIN IMMEDIATE");
  writer.exec(
      "INSERT INTO kalshi_snapshots (taken_at, source, balance_cents) VALUES "
      "('2026-08-21T00:00:00Z', 'live', 1)");
  const ProcessResult result = cli({"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(parseJson(result.out)->getObject("snapshot")->getValue<int>("id"), 3);
  EXPECT_NO_THROW(writer.exec("COMMIT"));  // the report held nothing the writer waits for
  EXPECT_THAT(cli({"--json"}).out, HasSubstr("\"id\":4"));
}

}  // namespace
}  // namespace kalshi_direct

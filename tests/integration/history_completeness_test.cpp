// Partial history is never shown as authoritative (issue 13, item 1): the database records how
// much of each stream's history it holds, and `report` says so beside the figures it affects,
// in text and in JSON, until `backfill --full` has read it all.
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class HistoryCompletenessTest : public testing::KalshiCliFixture {
 protected:
  Poco::JSON::Object::Ptr reportHistory() {
    const auto report = cli({"report", "--json"});
    EXPECT_EQ(report.exit_code, 0) << report.err;
    return Poco::JSON::Parser()
        .parse(report.out)
        .extract<Poco::JSON::Object::Ptr>()
        ->getObject("history");
  }
};

TEST_F(HistoryCompletenessTest, ReportSaysHistoryIsIncompleteUntilAFullBackfill) {
  startSim();  // ~40% of the account is only under /historical
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  auto history = reportHistory();
  EXPECT_FALSE(history->getValue<bool>("complete"));
  EXPECT_THAT(
      history->getValue<std::string>("note"),
      HasSubstr("fills, orders, settlements only as far back as Kalshi's live endpoints keep"));
  EXPECT_EQ(history->getValue<std::string>("advice"), "run `kalshi-direct run backfill --full`");
  const auto text = cli({"report"});
  EXPECT_THAT(text.out,
              HasSubstr("history incomplete: fills, orders, settlements only as far back"));
  EXPECT_THAT(text.out, HasSubstr("run `kalshi-direct run backfill --full`"));

  ASSERT_EQ(cli({"run", "backfill", "--days", "30"}).exit_code, 0);
  history = reportHistory();
  EXPECT_FALSE(history->getValue<bool>("complete"));
  EXPECT_THAT(history->getValue<std::string>("note"),
              HasSubstr("fills, orders, settlements only since 20"));

  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);
  history = reportHistory();
  EXPECT_TRUE(history->getValue<bool>("complete"));
  EXPECT_TRUE(history->isNull("note"));
  EXPECT_THAT(cli({"report"}).out, Not(HasSubstr("history incomplete")));

  // A later sync continues from the complete history: it stays complete.
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  EXPECT_TRUE(reportHistory()->getValue<bool>("complete"));
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_history WHERE coverage = 'all'"), 3);
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// Issue 13 item 3: a user pipeline sharing the shipped pipelines' state scope must not move the
// watermark past fills the sync never read. The database here was last synced 60 days ago: its
// watermark says so, and the fills of those 60 days are not in it yet.
TEST_F(HistoryCompletenessTest, APipelineSharingTheStateScopeNeverMovesTheWatermarkOverAGap) {
  startSim();
  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);
  const int64_t sixty_days_ago =
      scalar("SELECT CAST(strftime('%s', 'now') AS INTEGER)") - 60 * 86400;
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadWrite);
    database.exec("DELETE FROM kalshi_fills WHERE ts > " + std::to_string(sixty_days_ago));
    database.exec("UPDATE kd_state SET value = '" + std::to_string(sixty_days_ago) +
                  "' WHERE scope = 'kalshi' AND key = 'fills.max_ts'");
  }
  const int64_t kept = scalar("SELECT count(*) FROM kalshi_fills");
  ASSERT_LT(kept, truthCount("fills"));

  testing::writeFile(dir_.file("last-week.yaml"), R"(name: last-week
state: { scope: kalshi }
source: { type: kalshi_live, base_url: "${KALSHI_API_BASE_URL}", rate_limit: off, streams: [fills], since: 7d, metadata: false }
transforms: [ { type: normalize_orders } ]
sinks: [ { type: kalshi_fills, path: "${KALSHI_DB}" } ]
)");
  const auto week = cli({"run", dir_.file("last-week.yaml")});
  ASSERT_EQ(week.exit_code, 0) << week.out << week.err;
  EXPECT_EQ(scalar("SELECT CAST(value AS INTEGER) FROM kd_state WHERE scope = 'kalshi' AND key = "
                   "'fills.max_ts'"),
            sixty_days_ago)
      << "the 53 days between the watermark and the pass's start were not read";

  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"))
      << "the sync read the gap";
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// Issue 13 item 15: the README's own example runs as written, by name, against the API the
// environment names (never production by accident).
TEST_F(HistoryCompletenessTest, TheReadmesWeatherWeekExampleRunsByNameAgainstTheConfiguredApi) {
  startSim();
  sim_->resetStats();
  const auto run = cli({"run", "weather-week"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_GT(sim_->requestsTo("/portfolio/fills"), 0)
      << "it read the simulator KALSHI_API_BASE_URL names";
  const std::string csv = testing::readFile(dir_.file("weather_week.csv"));
  ASSERT_THAT(csv,
              HasSubstr("filled_at,ticker,side,contract_side,quantity_fp,price,fee_dollars\n"));
  size_t rows = 0;
  for (size_t start = csv.find('\n') + 1; start < csv.size();
       start = csv.find('\n', start) + 1, ++rows) {
    const std::string ticker = csv.substr(csv.find(',', start) + 1, 8);
    EXPECT_EQ(ticker.substr(0, 6), "KXHIGH") << csv.substr(start, 80);  // weather series only
  }
  EXPECT_GT(rows, 0u);
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// kalshi_history belongs to the database, not to one pipeline: a pipeline with its own state
// scope that read only the last 30 days must not narrow what a full backfill recorded.
TEST_F(HistoryCompletenessTest, AnotherPipelineReadingLessNeverNarrowsTheRecordedHistory) {
  startSim();
  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);
  ASSERT_EQ(scalar("SELECT count(*) FROM kalshi_history WHERE coverage = 'all'"), 3);
  testing::writeFile(
      dir_.file("recent.yaml"),
      "state: { scope: recent }\n"
      "source: { type: kalshi_live, streams: [orders, fills, settlements], since: 30d,"
      " cache_db: kalshi.db }\n"
      "transforms: [ { type: normalize_orders }, { type: categorize_pnl } ]\n"
      "sinks:\n"
      "  - { type: kalshi_orders, path: kalshi.db }\n"
      "  - { type: kalshi_fills, path: kalshi.db }\n"
      "  - { type: kalshi_account, path: kalshi.db }\n"
      "models: [kalshi_pnl]\n");
  const auto recent = cli({"run", "recent.yaml"});
  ASSERT_EQ(recent.exit_code, 0) << recent.out << recent.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_history WHERE coverage = 'all'"), 3);
  EXPECT_TRUE(reportHistory()->getValue<bool>("complete"));
}

}  // namespace
}  // namespace kalshi_direct

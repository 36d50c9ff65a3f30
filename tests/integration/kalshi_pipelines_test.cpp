// The shipped sync and backfill pipelines against kalshi-sim over real HTTP: every record lands
// exactly once, incremental syncs fetch only what is new, faults are survived, an outage falls
// back to the last known state, and the numbers match the simulator's ground truth.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <regex>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/sqlite.h"
#include "support/kalshi_cli_fixture.h"
#include "support/process.h"
#include "support/sim_server.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::SimServer;
using testing::TempDir;

constexpr const char* kToken = testing::KalshiCliFixture::kToken;

using KalshiPipelineTest = testing::KalshiCliFixture;

TEST_F(KalshiPipelineTest, FullBackfillLandsEveryRecordExactlyOnceAcrossTheHistoricalCutoff) {
  startSim();
  const auto result = cli({"run", "backfill", "--full"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_orders"), truthCount("orders"));
  expectRowsMatchTruth();
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_settlements"), truthCount("settlements"));
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_positions"), truthCount("market_positions"));
  EXPECT_GT(truthCount("historical_fills"), 0);  // the split was really exercised
  EXPECT_GT(sim_->requestsTo("/historical/fills"), 0);
  // The model ran at least at the end (and maybe at a commit before: min_interval); the last
  // snapshot counts every row.
  EXPECT_GE(scalar("SELECT count(*) FROM kalshi_snapshots"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_snapshots WHERE source <> 'live'"), 0);
  EXPECT_EQ(scalar("SELECT total_fills FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            truthCount("fills"));
  EXPECT_EQ(scalar("SELECT open_positions FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            scalar("SELECT count(*) FROM kalshi_positions WHERE position_fp <> '0.00'"));
  // Every history page but the first of each pass came from the fetcher, one page ahead, and the
  // requests are exactly those the simulator answered: none extra, none lost from the count.
  std::smatch counted;
  ASSERT_TRUE(std::regex_search(result.out, counted,
                                std::regex("http_requests ([0-9]+).*pages_fetched_ahead ([0-9]+)")))
      << result.out;
  EXPECT_EQ(std::stoi(counted[1]),
            sim_->json("GET", "/admin/stats")->getValue<int>("requests_total"));
  EXPECT_GT(std::stoi(counted[2]), 0);
  const int history_pages =
      sim_->requestsTo("/portfolio/orders") + sim_->requestsTo("/historical/orders") +
      sim_->requestsTo("/portfolio/fills") + sim_->requestsTo("/historical/fills") +
      sim_->requestsTo("/portfolio/settlements");
  EXPECT_LT(std::stoi(counted[2]), history_pages);
  // Secondary indexes deferred during the bulk load into empty tables are built by the end.
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                   "('kalshi_fills_market', 'kalshi_fills_order', 'kalshi_orders_ticker')"),
            3);
}

TEST_F(KalshiPipelineTest, ASecondSyncFetchesOnlyWhatIsNew) {
  startSim();
  auto result = cli({"run", "sync"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  // A first sync reads what the live endpoints hold (no /historical).
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("live_fills"));
  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);
  const int64_t before = scalar("SELECT count(*) FROM kalshi_fills");
  ASSERT_EQ(before, truthCount("fills"));

  sim_->request("POST", "/admin/add-fills", "{\"count\": 25}");
  sim_->resetStats();
  result = cli({"run", "sync"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), before + 25);
  EXPECT_EQ(sim_->requestsTo("/portfolio/fills"), 1);
  EXPECT_EQ(sim_->requestsTo("/historical/fills"), 0);
  // At least one snapshot per run (one per commit that changed something), the last one current.
  EXPECT_GE(scalar("SELECT count(*) FROM kalshi_snapshots"), 3);
  EXPECT_EQ(scalar("SELECT total_fills FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            before + 25);
}

// Issue 7: with nothing new, a sync asks each stream once (orders twice: what rests now, what
// is new), refreshes the marks of open positions in batches, and looks up no metadata it has.
TEST_F(KalshiPipelineTest, ANoChangeSyncAsksEachStreamOnce) {
  startSim({}, "20000");
  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  const int64_t orders = scalar("SELECT count(*) FROM kalshi_orders");
  const int64_t open =
      scalar("SELECT count(*) FROM kalshi_positions WHERE position_fp NOT IN ('0', '0.00')");
  ASSERT_GT(open, 0);
  sim_->resetStats();
  auto result = cli({"run", "sync"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  for (const char* stream : {"/portfolio/balance", "/portfolio/positions", "/portfolio/fills",
                             "/portfolio/settlements"}) {
    EXPECT_EQ(sim_->requestsTo(stream), 1) << stream;
  }
  EXPECT_EQ(sim_->requestsTo("/portfolio/orders"), 2);
  EXPECT_EQ(sim_->requestsTo("/markets"), (open + 99) / 100);  // the marks, 100 tickers a request
  for (const char* none : {"/markets/{ticker}", "/events/{event_ticker}", "/series/{series_ticker}",
                           "/historical/orders", "/historical/fills", "/historical/cutoff"}) {
    EXPECT_EQ(sim_->requestsTo(none), 0) << none;
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_orders"), orders);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_positions"), open);  // sync keeps the open ones
}

// An order resting at the last sync and not any more is read again from its creation on, so its
// row follows (the database is edited to say "resting" where the exchange has moved on).
TEST_F(KalshiPipelineTest, AnOrderThatStoppedRestingIsReadAgain) {
  startSim({}, "20000");
  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  const std::string id = text(
      "SELECT id FROM kalshi_orders WHERE status <> 'resting' ORDER BY created_at DESC LIMIT 1 "
      "OFFSET 2500");
  ASSERT_FALSE(id.empty());
  const std::string status = text("SELECT status FROM kalshi_orders WHERE id = '" + id + "'");
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadWrite);
    database.exec("UPDATE kalshi_orders SET status = 'resting' WHERE id = '" + id + "'");
  }
  sim_->resetStats();
  auto result = cli({"run", "sync"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(text("SELECT status FROM kalshi_orders WHERE id = '" + id + "'"), status);
  EXPECT_GE(sim_->requestsTo("/portfolio/orders"),
            1 + 3);  // resting, then 3 pages back to its creation
  EXPECT_EQ(
      scalar("SELECT count(*) FROM kalshi_orders WHERE status = 'resting'"),
      scalar("SELECT count(*) FROM kalshi_orders WHERE status = 'resting' AND id <> '" + id + "'"));
}

TEST_F(KalshiPipelineTest, TwoAccountSinksOnOneDatabaseEachSeeEveryPosition) {
  // Each kalshi_account sink stages the run's positions in a TEMP table until the stream ends;
  // two of them share the engine's one connection to the file, and the second must not find the
  // first's leftovers (or nothing) where its own positions should be.
  startSim();
  testing::writeFile(dir_.file("two.yaml"), R"(name: two-accounts
commit: { interval: 1h }
source:
  type: kalshi_live
  base_url: ${KALSHI_API_BASE_URL}
  rate_limit: off
  streams: [balance, positions]
sinks:
  - { type: kalshi_account, path: "${KALSHI_DB}" }
  - { type: kalshi_account, path: "${KALSHI_DB}" }
models: [kalshi_pnl]
)");
  const auto result = cli({"run", "two.yaml"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_snapshots"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_positions"), truthCount("market_positions"));
  EXPECT_EQ(scalar("SELECT open_positions FROM kalshi_snapshots"),
            scalar("SELECT count(*) FROM kalshi_positions WHERE position_fp <> '0.00'"));
  EXPECT_GT(scalar("SELECT open_positions FROM kalshi_snapshots"), 0);
}

TEST_F(KalshiPipelineTest, RateLimitStormsAndServerErrorsAreSurvived) {
  startSim();
  sim_->setFaults(R"({"error_rate": 0.25, "rate_limit_rps": 40, "rate_limit_burst": 5})");
  const auto result = cli({"run", "backfill", "--full"}, {{"KALSHI_MAX_RETRY_TIME", "60s"}});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_orders"), truthCount("orders"));
  expectRowsMatchTruth();
  EXPECT_GT(summaryCounter(result.out, "http_retries"), 0);
  EXPECT_EQ(summaryCounter(result.out, "http_requests"),
            sim_->json("GET", "/admin/stats")->getValue<int64_t>("requests_total"));
}

TEST_F(KalshiPipelineTest, AnOutageFallsBackToTheLastKnownState) {
  startSim();
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  const std::string live_balance =
      text("SELECT balance_cents FROM kalshi_snapshots ORDER BY id DESC LIMIT 1");
  const std::string positions_sql =
      "SELECT group_concat(ticker || ' ' || position_fp || ' ' || ifnull(realized_pnl_dollars, "
      "'-') || ' ' || "
      "ifnull(category, '-'), ';') FROM (SELECT * FROM kalshi_positions ORDER BY ticker)";
  const std::string live_positions = text(positions_sql);
  ASSERT_FALSE(live_positions.empty());
  const std::string markets_sql = "SELECT count(*) || ' ' || max(updated_at) FROM kalshi_markets";
  const std::string live_markets = text(markets_sql);
  sim_->setFaults(R"({"outage": "503"})");
  const auto result = cli({"run", "sync"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("FALLBACK"));
  EXPECT_EQ(text("SELECT source FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"), "fallback");
  EXPECT_EQ(text("SELECT balance_cents FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"),
            live_balance);
  EXPECT_EQ(text(positions_sql), live_positions);  // the last known positions, categories and all
  EXPECT_EQ(text(markets_sql), live_markets);      // stale prices are not stamped as fresh
}

TEST_F(KalshiPipelineTest, WrongCredentialsFailCleanlyWithoutFallingBackOrLeaking) {
  startSim();
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  const auto result = cli({"run", "sync"}, {{"KALSHI_API_KEY", "wrong-token-9d8c7b6a"}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("authentication failed"));
  EXPECT_THAT(result.err + result.out, Not(HasSubstr("wrong-token-9d8c7b6a")));
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_snapshots"), 1);  // no fallback snapshot
}

TEST_F(KalshiPipelineTest, MissingCredentialsAreAConfigurationErrorThatWritesNothing) {
  startSim();
  const auto result = cli({"run", "sync"}, {{"KALSHI_API_KEY", ""}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(
      result.err,
      HasSubstr("no Kalshi credentials: set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH"));
  EXPECT_FALSE(std::filesystem::exists(db()));
}

TEST_F(KalshiPipelineTest, RsaPssSignedRequestsAreAccepted) {
  const std::string key = dir_.file("key.pem"), pub = dir_.file("pub.pem");
  ASSERT_EQ(testing::runProcess({"/usr/bin/openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                                 "rsa_keygen_bits:2048", "-out", key})
                .exit_code,
            0);
  ASSERT_EQ(testing::runProcess({"/usr/bin/openssl", "pkey", "-in", key, "-pubout", "-out", pub})
                .exit_code,
            0);
  chmod(key.c_str(), 0600);
  sim_ = std::make_unique<SimServer>(std::vector<std::string>{
      "--fills", "300", "--anchor", "now", "--key-id", "a1b2c3d4-key", "--public-key", pub});
  const auto result = cli({"run", "sync"}, {{"KALSHI_API_KEY", ""},
                                            {"KALSHI_API_KEY_ID", "a1b2c3d4-key"},
                                            {"KALSHI_PRIVATE_KEY_PATH", key}});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("live_fills"));
  EXPECT_THAT(result.out + result.err, Not(HasSubstr("a1b2c3d4-key")));
}

// Per market: realized + unrealized = the truth's cash P&L + the open position at the mark;
// a settled market's realized alone is its cash P&L.
TEST_F(KalshiPipelineTest, ProfitAndLossMatchTheSimulatorsTruthForEveryMarket) {
  startSim();
  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);
  std::map<std::string, std::pair<Decimal, Decimal>> ours;  // ticker -> (realized, unrealized)
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(
        database.handle(),
        "SELECT ticker, realized_dollars, unrealized_dollars FROM kalshi_market_pnl");
    while (query.step()) {
      Decimal realized, unrealized;
      ASSERT_TRUE(Decimal::parse(query.columnText(1), realized));
      ASSERT_TRUE(Decimal::parse(query.columnText(2), unrealized));
      ours[query.columnText(0)].first += realized;
      ours[query.columnText(0)].second += unrealized;
    }
  }
  const auto markets = sim_->truth()->getObject("markets");
  int checked = 0;
  for (const auto& name : markets->getNames()) {
    const auto market = markets->getObject(name);
    Decimal cash, value;
    ASSERT_TRUE(Decimal::parse(market->getValue<std::string>("cash_pnl_dollars"), cash));
    ASSERT_TRUE(Decimal::parse(market->getValue<std::string>("position_value_dollars"), value));
    ASSERT_TRUE(ours.count(name)) << name;
    EXPECT_EQ(ours[name].first + ours[name].second, cash + value)
        << name << ": realized " << ours[name].first.toString() << " unrealized "
        << ours[name].second.toString() << " truth cash " << cash.toString() << " + position value "
        << value.toString();
    if (market->getValue<bool>("settled")) {
      EXPECT_EQ(ours[name].first, cash) << name;
    }
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// Issue 13 item 15: a pipeline that does not write base_url reads the API KALSHI_API_BASE_URL
// names (the environment's keys are for that API), never production behind the user's back.
TEST_F(KalshiPipelineTest, WithoutABaseUrlTheSourceReadsTheApiTheEnvironmentNames) {
  startSim();
  testing::writeFile(dir_.file("mine.yaml"),
                     "source: { type: kalshi_live, streams: [fills], since: 7d }\n"
                     "sinks: [ { type: csv, path: fills.csv } ]\n");
  sim_->resetStats();
  const auto result = cli({"run", "mine.yaml"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_GT(sim_->requestsTo("/portfolio/fills"), 0);
  EXPECT_THAT(cli({"plugins"}).out, HasSubstr("KALSHI_API_BASE_URL if set"));
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// Issue 13 item 16: a dry run logs the snapshot it would take, without a number it never got.
TEST_F(KalshiPipelineTest, ADryRunSaysItsSnapshotWasNotWritten) {
  startSim();
  const auto result = cli({"run", "sync", "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("snapshot (dry run, not written) (live): realized "));
  EXPECT_THAT(result.err, Not(HasSubstr("snapshot 1 ")));
  EXPECT_THAT(result.err, Not(HasSubstr("see kalshi_reconciliation")));
  EXPECT_FALSE(std::filesystem::exists(db())) << "a dry run writes nothing";
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// rate_limit: {reads_per_second: N, read_cost: C} means N reads a second in either key order.
TEST_F(KalshiPipelineTest, RateLimitReadsPerSecondDoesNotDependOnTheKeyOrder) {
  startSim({}, "100");
  for (const char* map :
       {"{reads_per_second: 5, read_cost: 20}", "{read_cost: 20, reads_per_second: 5}"}) {
    testing::writeFile(dir_.file("rate.yaml"),
                       std::string("source: { type: kalshi_live, streams: [balance], "
                                   "rate_limit: ") +
                           map + " }\nsinks: [ { type: csv, path: b.csv } ]\n");
    const auto result = cli({"run", "rate.yaml", "--verbose"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_THAT(result.err, HasSubstr("rate limit: 5 reads/s (100 tokens/s, 20 a read)")) << map;
  }
}

}  // namespace
}  // namespace kalshi_direct

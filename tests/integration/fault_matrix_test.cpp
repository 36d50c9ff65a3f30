// The fault matrix: kalshi-sim misbehaves in every way a flaky network and a rate-limited API do.
// Each run either completes with exactly the right data or exits 1 with one line, leaving the
// database exactly as its last commit left it; retries are bounded and counted in the summary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

class FaultMatrixTest : public testing::KalshiCliFixture {
 protected:
  // A backfill under faults that should be survived: complete and correct.
  void expectSurvived(const std::string& faults, std::map<std::string, std::string> env = {}) {
    startSim();
    sim_->setFaults(faults);
    env.emplace("KALSHI_MAX_RETRY_TIME", "60s");
    const auto result = cli({"run", "backfill", "--full"}, env);
    ASSERT_EQ(result.exit_code, 0) << faults << "\n" << result.out << result.err;
    EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills")) << faults;
    EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_orders"), truthCount("orders")) << faults;
    EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_settlements"), truthCount("settlements"))
        << faults;
    expectRowsMatchTruth(faults);
    // The summary's counters are the simulator's own: every request it saw, one retry per fault.
    // (The simulator counts a request when it has answered it: a slowed one the client gave up
    // on is counted when its delay is over.)
    auto stats = sim_->json("GET", "/admin/stats");
    for (int i = 0; i < 500 && stats->getValue<int64_t>("requests_total") <
                                   summaryCounter(result.out, "http_requests");
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      stats = sim_->json("GET", "/admin/stats");
    }
    auto injected = stats->getObject("faults");
    int64_t faulted = 0, errors = 0;
    for (const auto& name : injected->getNames()) {
      faulted += injected->getValue<int64_t>(name);
      if (name.rfind("error_", 0) == 0) errors += injected->getValue<int64_t>(name);
    }
    EXPECT_GT(faulted, 0) << "the faults were injected";
    EXPECT_EQ(summaryCounter(result.out, "http_requests"),
              stats->getValue<int64_t>("requests_total"));
    EXPECT_EQ(summaryCounter(result.out, "http_retries"), faulted) << faults;
    EXPECT_EQ(summaryCounter(result.out, "http_5xx"), errors) << faults;
    EXPECT_EQ(summaryCounter(result.out, "http_429"),
              injected->has("rate_limited") ? injected->getValue<int64_t>("rate_limited") : 0);
    summary_ = result.out;
  }
  // One line on stderr, and it says why.
  static void expectOneLineError(const testing::ProcessResult& result, const std::string& why) {
    EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
    EXPECT_THAT(result.err, MatchesRegex("error: [^\n]*\n")) << result.err;
    EXPECT_THAT(result.err, HasSubstr(why));
  }
  std::string summary_;
};

TEST_F(FaultMatrixTest, A429StormIsRetriedAndCounted) {
  expectSurvived(R"({"rate_limit_rps": 25, "rate_limit_burst": 2})");
  EXPECT_THAT(summary_, HasSubstr("http_429"));
}

TEST_F(FaultMatrixTest, Bursts500502503AreRetried) {
  expectSurvived(R"({"error_rate": 0.2, "error_statuses": [500, 502, 503]})");
  EXPECT_THAT(summary_, HasSubstr("http_5xx"));
}

TEST_F(FaultMatrixTest, ConnectionsClosedMidBodyAreRetried) {
  expectSurvived(R"({"disconnect_rate": 0.25})");
}

TEST_F(FaultMatrixTest, TruncatedAndMalformedJsonIsFetchedAgain) {
  expectSurvived(R"({"malformed_rate": 0.25})");
}

TEST_F(FaultMatrixTest, ResponsesSlowerThanTheTimeoutAreRetried) {
  // A backfill of this account makes ~40 requests (metadata comes in batches): at 20% the chance
  // that none is slowed is 0.8^40, about 1 in 7,000.
  expectSurvived(R"({"slow_ms": 1200, "slow_rate": 0.2})", {{"KALSHI_READ_TIMEOUT", "500ms"}});
}

TEST_F(FaultMatrixTest, AFullOutageFailsWithOneLineAfterBoundedRetriesAndWritesNothing) {
  startSim();
  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);
  const int64_t fills = scalar("SELECT count(*) FROM kalshi_fills");
  const int64_t snapshots = scalar("SELECT count(*) FROM kalshi_snapshots");
  sim_->setFaults(R"({"outage": "reset"})");
  const auto started = std::chrono::steady_clock::now();
  const auto result = cli({"run", "backfill", "--full"}, {{"KALSHI_MAX_RETRY_TIME", "2s"}});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  expectOneLineError(result, "gave up after");
  if (!testing::kSanitizedBuild) {
    EXPECT_LT(seconds, 15.0) << "retries are bounded in time";
  }
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), fills);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_snapshots"), snapshots);
}

TEST_F(FaultMatrixTest, AnOutageThatEndsMidRunIsRiddenOut) {
  startSim();
  sim_->setFaults(R"({"outage": "503"})");
  // The outage ends once the run has met it three times (the simulator counts the 503s it sent),
  // not after a guess at how long that takes.
  std::thread ends([this] {
    for (int i = 0; i < 6000; ++i) {
      auto by_status = sim_->json("GET", "/admin/stats")->getObject("by_status");
      if (by_status->has("503") && by_status->getValue<int>("503") >= 3) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    sim_->setFaults(R"({"outage": "off"})");
  });
  const auto result = cli({"run", "backfill", "--full"}, {{"KALSHI_MAX_RETRY_TIME", "60s"}});
  ends.join();
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
  EXPECT_THAT(result.out, HasSubstr("http_5xx"));
}

TEST_F(FaultMatrixTest, AnOutageThatStartsMidRunKeepsWhatWasCommittedAndAReRunCompletes) {
  startSim({}, "40000");
  // The outage (connections reset) begins at request 101, deterministically: of this account's
  // ~130 requests, the balance, positions and their metadata take ~55, then ~27 pages of orders,
  // then fills: several commits (every 3,000 records) in, in the middle of the fills.
  sim_->setFaults(R"({"outage_after_requests": 100, "outage": "reset"})");
  auto result = cli({"run", "backfill", "--full", "--set", "commit_rows=3000"},
                    {{"KALSHI_MAX_RETRY_TIME", "1s"}});
  expectOneLineError(result, "gave up after");
  // A first load stages its rows (kalshi_fills' bulk_load) until its end, which this run did not
  // reach: what it committed is kept staged (moved in by the next run writing the table).
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), 0);
  const int64_t committed = scalar("SELECT count(*) FROM kd_staging_kalshi_fills");
  EXPECT_GT(committed, 0) << "commits before the outage stay committed";
  EXPECT_LT(committed, truthCount("fills"));
  EXPECT_EQ(text("PRAGMA integrity_check"), "ok");

  sim_->setFaults(R"({"reset": true})");
  result = cli({"run", "backfill", "--full"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
  expectRowsMatchTruth("after the outage");
  EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE name = 'kd_staging_kalshi_fills'"), 0);
}

}  // namespace
}  // namespace kalshi_direct

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
    EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM kalshi_fills"), truthCount("fills")) << faults;
    EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_orders"), truthCount("orders")) << faults;
    EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_settlements"), truthCount("settlements"))
        << faults;
    EXPECT_THAT(result.out, HasSubstr("http_retries")) << "the summary counts the retries";
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
  EXPECT_LT(seconds, 15.0) << "retries are bounded in time";
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), fills);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_snapshots"), snapshots);
}

TEST_F(FaultMatrixTest, AnOutageThatEndsMidRunIsRiddenOut) {
  startSim();
  sim_->setFaults(R"({"outage": "503"})");
  std::thread ends([this] {
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
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
  sim_->setFaults(R"({"slow_ms": 5, "slow_rate": 1})");  // keep the backfill paging for a while
  // The outage begins once some fills are committed (polled through a reader, as a dashboard
  // would).
  std::atomic<bool> done{false};
  std::thread begins([this, &done] {
    while (!done) {
      try {
        if (scalar("SELECT count(*) FROM kalshi_fills") > 0) break;
      } catch (const std::exception&) {  // no database or table yet
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    sim_->setFaults(R"({"outage": "reset", "slow_ms": 0})");
  });
  auto result = cli({"run", "backfill", "--full", "--set", "commit_rows=3000"},
                    {{"KALSHI_MAX_RETRY_TIME", "1s"}});
  done = true;
  begins.join();
  expectOneLineError(result, "gave up after");
  const int64_t committed = scalar("SELECT count(*) FROM kalshi_fills");
  EXPECT_GT(committed, 0) << "commits before the outage stay committed";
  EXPECT_LT(committed, truthCount("fills"));
  EXPECT_EQ(text("PRAGMA integrity_check"), "ok");

  sim_->setFaults(R"({"reset": true})");
  result = cli({"run", "backfill", "--full"});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
  EXPECT_EQ(scalar("SELECT count(DISTINCT id) FROM kalshi_fills"), truthCount("fills"));
}

}  // namespace
}  // namespace kalshi_direct

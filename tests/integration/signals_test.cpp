// SIGTERM and SIGINT through the real signal path (issue 13 items 6 and 19), made deterministic by
// the simulator's stall triggers instead of sleeps: the run is caught at a known request, held
// there by the simulator, and signalled.
//   - The stop ends even a request the server holds open (the simulator still holds it when the
//     run has exited: the run did not wait for an answer), and the run exits 0 as "interrupted".
//   - What was read before the stop is committed: the pipeline here never commits on its own
//     (commit.rows and commit.interval out of reach), so every row in the database after the stop
//     is a row the stop committed.
//   - Metadata fetched for a page is committed while the rest of it is still being fetched: a run
//     stopped (or killed) in the middle of a page's metadata keeps it, and the next run does not
//     ask for it again.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using Clock = std::chrono::steady_clock;

// Never commits by itself: commit.rows and commit.interval are out of reach of this test.
std::string neverCommits(const std::string& streams) {
  return R"(name: stoptest
commit: { rows: 1000000000, interval: 1h }
state: { scope: stoptest }
source:
  type: kalshi_live
  base_url: ${KALSHI_API_BASE_URL}
  auth: auto
  rate_limit: off
  read_timeout: 10m
  max_retry_time: 10m
  streams: [)" +
         streams + R"(]
  since: all
  cache_db: ${KALSHI_DB}
transforms:
  - type: normalize_orders
  - type: categorize_pnl
    default: other
    orders_db: ${KALSHI_DB}
sinks:
)" +
         std::string(streams.find("orders") != std::string::npos
                         ? "  - { type: kalshi_orders, path: \"${KALSHI_DB}\" }\n"
                         : "") +
         R"(  - { type: kalshi_fills, path: "${KALSHI_DB}" }
  - { type: kalshi_account, path: "${KALSHI_DB}" }
models: [kalshi_pnl]
)";
}

class SignalsTest : public testing::KalshiCliFixture {
 protected:
  // Writes the pipeline for these streams.
  void readStreams(const std::string& streams) {
    pipeline_ = dir_.file("stoptest.yaml");
    testing::writeFile(pipeline_, neverCommits(streams));
  }

  // Starts the pipeline; its output goes to output_.
  pid_t start() {
    output_ = dir_.file("run-" + std::to_string(++runs_) + ".log");
    return testing::spawnProcess({KD_CLI, "run", pipeline_}, dir_.path(), environment(), output_);
  }

  // Polls the simulator's /admin/stats until `done` holds (bounded: 120 s), failing early if the
  // run exits first.
  Poco::JSON::Object::Ptr waitForStats(pid_t run,
                                       const std::function<bool(Poco::JSON::Object::Ptr)>& done) {
    const auto deadline = Clock::now() + std::chrono::seconds(120);
    while (Clock::now() < deadline) {
      auto stats = sim_->json("GET", "/admin/stats");
      if (done(stats)) return stats;
      int status = 0;
      if (waitpid(run, &status, WNOHANG) == run) {
        ADD_FAILURE() << "the run exited before the stall: " << testing::readFile(output_);
        return stats;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ADD_FAILURE() << "the stall never came";
    return sim_->json("GET", "/admin/stats");
  }
  // Clears the triggers and waits until the held request has been answered (to nobody).
  void release() {
    sim_->setFaults(R"({"reset":true})");
    for (int i = 0; i < 6000 && sim_->json("GET", "/admin/stats")->getValue<int>("stalled_now") > 0;
         ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  static bool heldNow(const Poco::JSON::Object::Ptr& stats) {
    return stats->getValue<int>("stalled_now") == 1;
  }

  // Signals `run`, waits for it (bounded) and returns its exit status and the seconds it took.
  std::pair<int, double> stop(pid_t run, int signal_number) {
    const auto signalled = Clock::now();
    kill(run, signal_number);
    int status = 0;
    for (int i = 0; i < 6000 && waitpid(run, &status, WNOHANG) != run; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    const double seconds = std::chrono::duration<double>(Clock::now() - signalled).count();
    if (kill(run, 0) == 0) {  // still running after 60 s: not stopped by the signal
      kill(run, SIGKILL);
      waitpid(run, &status, 0);
      ADD_FAILURE() << "the run did not stop within 60 s of the signal";
    }
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), seconds};
  }

  std::string pipeline_, output_;
  int runs_ = 0;
};

TEST_F(SignalsTest, AStopEndsAHeldRequestAndCommitsWhatWasRead) {
  startSim({}, "3000");
  readStreams("orders, fills, settlements");
  for (int signal_number : {SIGTERM, SIGINT}) {
    SCOPED_TRACE(signal_number == SIGTERM ? "SIGTERM" : "SIGINT");
    // Orders and fills are read in full; the settlements request is held until released.
    sim_->setFaults(R"({"stall_paths":["/portfolio/settlements","/historical/settlements"]})");
    const pid_t run = start();
    waitForStats(run, heldNow);
    // Nothing is committed yet: this pipeline commits only when it stops.
    EXPECT_EQ(scalar("SELECT count(*) FROM sqlite_master WHERE name = 'kalshi_fills'"), 0);

    const auto [exit_code, seconds] = stop(run, signal_number);
    EXPECT_EQ(exit_code, 0) << testing::readFile(output_);
    // The simulator still holds the request: the run did not wait for its answer. (A run that
    // waited would take the 10 min read timeout, or the simulator's 60 s stall limit.)
    auto stats = sim_->json("GET", "/admin/stats");
    EXPECT_EQ(stats->getValue<int>("stalled_now"), 1);
    EXPECT_EQ(stats->getValue<int>("stall_timeouts"), 0);
    if (!testing::kSanitizedBuild) {
      EXPECT_LT(seconds, 5.0) << "the target is 2 s";
    }
    RecordProperty(signal_number == SIGTERM ? "sigterm_seconds" : "sigint_seconds",
                   std::to_string(seconds));

    const std::string output = testing::readFile(output_);
    EXPECT_THAT(output, HasSubstr("stop requested: committing what was read"));
    EXPECT_THAT(output, HasSubstr("a second Ctrl-C or SIGTERM exits at once"));
    EXPECT_THAT(output, HasSubstr("(interrupted; run again to continue)"));
    // Every order and fill was read before the held request, and the stop committed them all.
    EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
    EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_orders"), truthCount("orders"));
    EXPECT_EQ(text("PRAGMA integrity_check"), "ok");
    release();
    if (signal_number == SIGTERM) {  // SIGINT starts from an empty database too
      for (const char* suffix : {"", "-wal", "-shm", ".lock"})
        std::filesystem::remove(db() + suffix);
    }
  }
  // The next run continues and completes.
  const auto rerun = cli({"run", pipeline_});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
  EXPECT_THAT(rerun.out, ::testing::Not(HasSubstr("interrupted")));
}

TEST_F(SignalsTest, MetadataFetchedForAPageIsCommittedBeforeThePageIsComplete) {
  startSim({"--markets", "1500"}, "3000");  // a page of 1000 fills meets several hundred markets
  readStreams("fills");
  // A reference: how many /markets requests a complete run makes from an empty database.
  {
    sim_->resetStats();
    const auto reference = cli({"run", pipeline_}, {{"KALSHI_DB", dir_.file("ref.db")}});
    ASSERT_EQ(reference.exit_code, 0) << reference.err;
  }
  const int reference_requests = sim_->requestsTo("/markets");
  ASSERT_GE(reference_requests, 2) << "the first page must need more than one chunk of markets";

  // Hold the second /markets request: the first chunk of the first page's markets has come, the
  // page itself is still waiting for the rest.
  sim_->setFaults(R"({"stall_paths":["/markets"],"stall_paths_after":1})");
  sim_->resetStats();
  const pid_t run = start();
  waitForStats(run, heldNow);
  EXPECT_EQ(stop(run, SIGTERM).first, 0) << testing::readFile(output_);
  // The first chunk (100 tickers, all new) was committed; no fill was, since its page never
  // completed.
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_markets"), 100);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), 0);

  // The next run finds those 100 markets in the database and asks only for the others.
  release();
  // The held request counts once it is answered (to nobody): wait for that before the reset.
  for (int i = 0; i < 6000 && sim_->requestsTo("/markets") < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  sim_->resetStats();
  const auto rerun = cli({"run", pipeline_});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(sim_->requestsTo("/markets"), reference_requests - 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
}

}  // namespace
}  // namespace kalshi_direct

// A dashboard reads while a sync writes; two syncs never write one database at once; SIGTERM ends
// a `--every` loop. (A single run's SIGTERM and SIGINT: signals_test.cpp.)
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "kalshi_direct/decimal.h"
#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;

class ConcurrencyTest : public testing::KalshiCliFixture {
 protected:
  // Upserting as it goes (bulk_load=false): these tests watch the fills arrive commit by commit,
  // which a first load's staging would hold back until its end.
  pid_t startBackfill() {
    return testing::spawnProcess({KD_CLI, "run", "backfill", "--full", "--set", "commit_rows=5000",
                                  "--set", "bulk_load=false"},
                                 dir_.path(), environment());
  }
  // Waits (bounded) until run `pid` holds the database and has committed more fills than `before`.
  void waitForProgress(pid_t pid, int64_t before) {
    const std::string holder = "(pid " + std::to_string(pid) + " ";
    for (int i = 0; i < 3000; ++i) {
      if (testing::readFile(db() + ".lock").find(holder) != std::string::npos) {
        const auto result =
            testing::runProcess({"/usr/bin/sqlite3", db(), "SELECT count(*) FROM kalshi_fills"});
        if (result.exit_code == 0 && !result.out.empty() && std::stoll(result.out) > before) return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    FAIL() << "the backfill made no progress";
  }
};

TEST_F(ConcurrencyTest, ASecondSyncRefusesAndNamesTheHolderWhileReadersReadFreely) {
  startSim({}, "120000");
  const pid_t backfill = startBackfill();
  waitForProgress(backfill, 0);

  const auto second = cli({"run", "sync"});
  EXPECT_EQ(second.exit_code, 1) << second.out << second.err;
  // The holder as the first run wrote it: pipeline, pid, this host and when it started.
  char host[256] = {};
  ASSERT_EQ(gethostname(host, sizeof host - 1), 0);
  EXPECT_THAT(second.err,
              ::testing::ContainsRegex("is in use by pipeline 'backfill' \\(pid " +
                                       std::to_string(backfill) + " on " + host +
                                       ", since 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T"
                                       "[0-2][0-9]:[0-5][0-9]:[0-5][0-9](\\.[0-9]+)?Z\\)"));

  // The sqlite3 CLI has no busy timeout: a lock would fail the query at once. In WAL mode it never
  // does while the backfill works, and it only ever sees whole committed pages of 1000 fills. The
  // one exception is the instant the backfill closes its database, after its last commit: the last
  // connection to close folds the WAL into the database under an exclusive lock (SQLite's design).
  const int live = truthCount("live_fills"), total = truthCount("fills");
  int reads = 0, count = 0;
  int status = 0;
  bool exited = false;
  while (!(exited = waitpid(backfill, &status, WNOHANG) == backfill) && reads < 200) {
    const auto read =
        testing::runProcess({"/usr/bin/sqlite3", db(), "SELECT count(*) FROM kalshi_fills"});
    if (read.exit_code != 0 && read.err.find("database is locked") != std::string::npos) {
      ASSERT_EQ(count, total) << "locked before the backfill's last commit: " << read.err;
      break;  // the closing moment
    }
    ASSERT_EQ(read.exit_code, 0) << read.err;
    count = std::stoi(read.out);
    EXPECT_TRUE(count % 1000 == 0 || (count - live) % 1000 == 0 || count == total)
        << count << " fills";
    ++reads;
  }
  if (!exited) waitpid(backfill, &status, 0);
  EXPECT_GT(reads, 5);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), total);
  EXPECT_EQ(cli({"run", "sync"}).exit_code, 0) << "the lock is released with the run";
}

TEST_F(ConcurrencyTest, SyncEveryIntervalKeepsSyncingUntilSigterm) {
  startSim({}, "500");
  const pid_t every =
      testing::spawnProcess({KD_CLI, "run", "sync", "--every", "1s"}, dir_.path(), environment());
  // Wait (bounded) for a few syncs, each one snapshot.
  int snapshots = 0;
  for (int i = 0; i < 400 && snapshots < 3; ++i) {
    const auto result =
        testing::runProcess({"/usr/bin/sqlite3", db(), "SELECT count(*) FROM kalshi_snapshots"});
    if (result.exit_code == 0 && !result.out.empty()) snapshots = std::stoi(result.out);
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  EXPECT_GE(snapshots, 3);
  kill(every, SIGTERM);
  int status = 0;
  waitpid(every, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(text("PRAGMA integrity_check"), "ok");
}

// Issue 14: each cycle of `sync --every` ends with a snapshot of that cycle's account. Fills the
// exchange makes between cycles are in the next complete snapshot: its fill count, fees and
// balance are the truth's at that moment (polling is bounded; nothing is timed).
TEST_F(ConcurrencyTest, SyncEveryTakesAFreshSnapshotAfterEachCycle) {
  startSim({}, "300");
  ASSERT_EQ(cli({"run", "backfill", "--full"}).exit_code, 0);  // the history, then the cycles
  const pid_t every =
      testing::spawnProcess({KD_CLI, "run", "sync", "--every", "1s"}, dir_.path(), environment());
  // Read as a dashboard would, while the sync runs: a separate process, with a busy timeout (as
  // serve's connections have), since each cycle closes the database at its end and the last
  // connection to close folds the WAL in under an exclusive lock (SQLite's design; see above).
  auto query = [&](const std::string& sql) {
    const auto result =
        testing::runProcess({"/usr/bin/sqlite3", "-cmd", ".timeout 5000", db(), sql});
    return result.exit_code == 0 ? result.out.substr(0, result.out.find('\n')) : std::string();
  };
  auto latest = [&](const std::string& column) {
    return query("SELECT " + column + " FROM kalshi_snapshots ORDER BY id DESC LIMIT 1");
  };
  auto snapshots = [&] {
    const std::string count = query("SELECT count(*) FROM kalshi_snapshots");
    return count.empty() ? 0 : std::stoi(count);
  };
  for (int round = 0; round < 3; ++round) {
    if (round > 0) sim_->json("POST", "/admin/add-fills", R"({"count":7})");
    // The cycle under way may have read the balance before the new fills were made: the one
    // after it starts after them, and its snapshot must be the truth's.
    const int wanted = snapshots() + 2;
    for (int i = 0; i < 1200 && snapshots() < wanted; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    ASSERT_GE(snapshots(), wanted) << "round " << round << ": no new cycle";
    const auto truth = sim_->truth();
    EXPECT_EQ(latest("total_fills"), std::to_string(truthCount("fills"))) << "round " << round;
    EXPECT_EQ(latest("balance_cents"),
              std::to_string(truth->getObject("balance")->getValue<int64_t>("balance_cents")))
        << "round " << round;
    Decimal ours, want;
    ASSERT_TRUE(Decimal::parse(latest("fees_dollars"), ours)) << latest("fees_dollars");
    ASSERT_TRUE(
        Decimal::parse(truth->getObject("totals")->getValue<std::string>("fees_dollars"), want));
    EXPECT_EQ(ours, want) << "round " << round;
  }
  kill(every, SIGTERM);
  int status = 0;
  waitpid(every, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace kalshi_direct

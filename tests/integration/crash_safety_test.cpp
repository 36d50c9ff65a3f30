// Crash safety: SIGKILL a full backfill at many points; every rerun resumes from its last commit,
// the database is never corrupt, and the end result equals an uninterrupted run row for row.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <set>
#include <thread>

#include "kalshi_direct/engine/sqlite.h"
#include "support/process.h"
#include "support/sim_server.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using testing::SimServer;
using testing::TempDir;

constexpr const char* kToken = "tok-crash-5b1e";

// Every row of a query, each rendered as one string: what "row for row" compares.
std::vector<std::string> dump(const std::string& path, const std::string& sql) {
  sqlite::Database database(path, sqlite::Database::Mode::kReadOnly);
  sqlite::Statement query(database.handle(), sql);
  std::vector<std::string> rows;
  while (query.step()) {
    std::string row;
    for (int i = 0; i < query.columnCount(); ++i) {
      row += (query.columnIsNull(i) ? std::string("NULL") : query.columnText(i)) + "|";
    }
    rows.push_back(row);
  }
  return rows;
}

std::string integrity(const std::string& path) {
  sqlite::Database database(path, sqlite::Database::Mode::kReadOnly);
  sqlite::Statement query(database.handle(), "PRAGMA integrity_check");
  return query.step() ? query.columnText(0) : "no answer";
}

class CrashSafetyTest : public ::testing::Test {
 protected:
  std::map<std::string, std::string> environment(const std::string& db) const {
    return {{"KALSHI_API_BASE_URL", sim_->baseUrl()},
            {"KALSHI_API_KEY", kToken},
            {"KALSHI_API_KEY_ID", ""},
            {"KALSHI_PRIVATE_KEY_PATH", ""},
            {"KALSHI_PRIVATE_KEY", ""},
            {"KALSHI_RATE_LIMIT", "off"},
            {"KALSHI_DB", db}};
  }
  std::vector<std::string> backfill() const {
    // Small transactions so that kills land between many commits as well as inside them.
    return {KD_CLI, "run", "backfill", "--full", "--set", "commit_rows=2000", "--quiet"};
  }

  TempDir dir_;
  std::unique_ptr<SimServer> sim_;
};

TEST_F(CrashSafetyTest, BackfillKilledAtTwentyPointsEndsEqualToAnUninterruptedRun) {
  sim_ = std::make_unique<SimServer>(std::vector<std::string>{
      "--fills", "60000", "--seed", "11", "--anchor", "now", "--bearer-token", kToken});
  const std::string reference = dir_.file("reference.db"), crashed = dir_.file("crashed.db");

  const auto full = testing::runProcess(backfill(), dir_.path(), environment(reference));
  ASSERT_EQ(full.exit_code, 0) << full.out << full.err;

  // Each kill lands at a known point, not after a guessed sleep: the simulator holds one request
  // unanswered, the run waits for it, and is SIGKILLed there with whatever it had not committed.
  // Most kills wait at the K-th fills page of their run (K = 1..4): each run resumes from its last
  // commit, so the kills walk through the 60 pages. The first three wait inside a page's metadata
  // (the K-th /markets request), with that page's rows delivered but not committed.
  int kills_in_progress = 0, iterations = 0;
  std::set<std::string> progress;  // committed fill counts seen after kills: where the kills landed
  for (; kills_in_progress < 20 && iterations < 30; ++iterations) {
    const bool metadata = iterations < 3;
    const int after = metadata ? iterations : 1 + iterations % 4;
    sim_->request(
        "POST", "/admin/faults",
        std::string(metadata ? R"({"stall_paths":["/markets"],)"
                             : R"({"stall_paths":["/portfolio/fills","/historical/fills"],)") +
            "\"stall_paths_after\":" + std::to_string(after) + "}");
    const pid_t pid = testing::spawnProcess(backfill(), dir_.path(), environment(crashed));
    bool held = false, exited = false;
    int status = 0;
    for (int i = 0; i < 12000 && !held && !exited; ++i) {
      held = sim_->json("GET", "/admin/stats")->getValue<int>("stalled_now") == 1;
      exited = !held && waitpid(pid, &status, WNOHANG) == pid;
      if (!held && !exited) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    if (held) ++kills_in_progress;
    // Release the held request (answered to nobody) before the next run.
    sim_->request("POST", "/admin/faults", R"({"reset":true})");
    for (int i = 0; i < 6000 && sim_->json("GET", "/admin/stats")->getValue<int>("stalled_now") > 0;
         ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (std::filesystem::exists(crashed)) {
      ASSERT_EQ(integrity(crashed), "ok") << "after kill " << iterations;
      // Where the run had got to: committed rows of each table and the committed cursors.
      std::string state;
      for (const char* table : {"kalshi_orders", "kalshi_fills", "kalshi_markets", "kd_state"}) {
        const bool exists =
            dump(crashed, std::string("SELECT count(*) FROM sqlite_master WHERE name = '") + table +
                              "'")[0] == "1|";
        state += exists ? dump(crashed, std::string("SELECT count(*) FROM ") + table)[0] : "-|";
      }
      if (dump(crashed, "SELECT count(*) FROM sqlite_master WHERE name = 'kd_state'")[0] == "1|") {
        for (const auto& row :
             dump(crashed, "SELECT value FROM kd_state WHERE key LIKE '%cursor' ORDER BY key"))
          state += row;
      }
      progress.insert(state);
    }
  }
  EXPECT_GE(kills_in_progress, 20);
  // The kills hit many different stages of the work, not one spot over and over.
  EXPECT_GE(progress.size(), 5u) << "distinct committed states seen: " << progress.size();

  const auto finish = testing::runProcess(backfill(), dir_.path(), environment(crashed));
  ASSERT_EQ(finish.exit_code, 0) << finish.out << finish.err;
  EXPECT_EQ(integrity(crashed), "ok");

  const std::vector<std::pair<std::string, std::string>> tables = {
      {"orders", "SELECT * FROM kalshi_orders ORDER BY id"},
      {"fills", "SELECT * FROM kalshi_fills ORDER BY id"},
      {"settlements", "SELECT * FROM kalshi_settlements ORDER BY ticker"},
      {"markets",
       "SELECT ticker, event_ticker, series_ticker, series_category, category, status, result, "
       "last_price_dollars FROM kalshi_markets ORDER BY ticker"},
      {"market P&L",
       "SELECT ticker, category, realized_dollars, unrealized_dollars, fees_dollars, "
       "cash_flow_dollars, "
       "position_fp FROM kalshi_market_pnl ORDER BY ticker, category"},
      {"positions",
       "SELECT ticker, position_fp, realized_pnl_dollars FROM kalshi_positions ORDER BY ticker"},
      {"state", "SELECT scope, key, value FROM kd_state ORDER BY scope, key"},
      {"latest P&L",
       "SELECT realized_pnl_dollars, unrealized_pnl_dollars, fees_dollars, total_orders, "
       "total_fills "
       "FROM kalshi_snapshots ORDER BY id DESC LIMIT 1"},
  };
  for (const auto& [name, sql] : tables) {
    const auto expected = dump(reference, sql);
    const auto actual = dump(crashed, sql);
    EXPECT_EQ(actual.size(), expected.size()) << name;
    if (actual != expected) {
      size_t i = 0;
      while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
      ADD_FAILURE() << name << " differs after " << kills_in_progress
                    << " kills; first difference at row " << i << ":\n  expected "
                    << (i < expected.size() ? expected[i] : "(none)") << "\n  actual   "
                    << (i < actual.size() ? actual[i] : "(none)");
    }
  }
  EXPECT_EQ(dump(crashed, "SELECT count(*) FROM kalshi_fills")[0], "60000|");
}

// The bulk path of a first load (backfill.yaml's bulk_load: rows staged unindexed, moved in key
// order at the end) gives what upserting gives, row for row, in the rows and in everything the
// P&L model derives from them. (The kills above land in the middle of such a load.)
using BulkLoadTest = CrashSafetyTest;
TEST_F(BulkLoadTest, BackfillThroughStagingEqualsUpsertingRowForRow) {
  sim_ = std::make_unique<SimServer>(std::vector<std::string>{"--fills", "30000", "--seed", "23",
                                                              "--anchor", "2026-06-01T00:00:00Z",
                                                              "--bearer-token", kToken});
  const std::string staged = dir_.file("staged.db"), upserted = dir_.file("upserted.db");
  auto command = backfill();
  command.insert(command.end(), {"--set", "commit_rows=5000"});
  const auto bulk = testing::runProcess(command, dir_.path(), environment(staged));
  ASSERT_EQ(bulk.exit_code, 0) << bulk.out << bulk.err;
  command.insert(command.end(), {"--set", "bulk_load=false"});
  const auto plain = testing::runProcess(command, dir_.path(), environment(upserted));
  ASSERT_EQ(plain.exit_code, 0) << plain.out << plain.err;
  EXPECT_EQ(dump(staged, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'kd_staging%'")[0],
            "0|");
  for (const char* sql : {
           "SELECT * FROM kalshi_orders ORDER BY id",
           "SELECT * FROM kalshi_fills ORDER BY id",
           "SELECT * FROM kalshi_tickers ORDER BY ticker",
           "SELECT * FROM kalshi_tax_lots ORDER BY 1, 2, 3",
           "SELECT * FROM kalshi_closed_positions ORDER BY 1, 2, 3",
           "SELECT * FROM kalshi_daily_pnl ORDER BY 1, 2, 3, 4",
           "SELECT * FROM kalshi_monthly_edge ORDER BY 1, 2, 3, 4, 5",
           "SELECT * FROM kalshi_market_order_cents ORDER BY 1",
           "SELECT ticker, category, realized_dollars, unrealized_dollars, fees_dollars, "
           "cash_flow_dollars, position_fp FROM kalshi_market_pnl ORDER BY ticker, category",
           "SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name",
       }) {
    const auto expected = dump(upserted, sql);
    EXPECT_GT(expected.size(), 0u) << sql;
    EXPECT_EQ(dump(staged, sql), expected) << sql;
  }
}

// The CSV sink under the same treatment: append mode with a resumable source and a state
// database gets every row exactly once, in order, with no torn line; replace mode never shows a
// half-written file.
TEST(CsvCrashSafetyTest, AppendModeKilledAtTwentyPointsHasEveryRowExactlyOnce) {
  TempDir dir;
  constexpr int kRows = 300000;
  std::string input, expected = "id,name\n";
  for (int i = 0; i < kRows; ++i) {
    input += "{\"id\":" + std::to_string(i) + ",\"name\":\"row " + std::to_string(i) +
             ", \\\"quoted\\\"\"}\n";
    expected += std::to_string(i) + ",\"row " + std::to_string(i) + ", \"\"quoted\"\"\"\n";
  }
  testing::writeFile(dir.file("in.jsonl"), input);
  testing::writeFile(dir.file("p.yaml"),
                     "name: csv-crash\ncommit: { rows: 4000 }\nstate: { path: state.db }\n"
                     "source: { type: jsonl, path: in.jsonl, resume: true }\n"
                     "sinks: [ { type: csv, path: out.csv, mode: append } ]\n");
  const std::vector<std::string> run = {KD_CLI, "run", "p.yaml", "--quiet"};

  ASSERT_EQ(testing::runProcess(run, dir.path()).exit_code, 0);
  ASSERT_EQ(testing::readFile(dir.file("out.csv")), expected);
  std::filesystem::remove(dir.file("out.csv"));
  std::filesystem::remove(dir.file("state.db"));

  // Each run kills itself at a known point (KD_FAILPOINT, core/include/kalshi_direct/engine/
  // failpoint.h): after its N-th batch of 1,000 rows (N = 1..12, commits every 4 batches), or, one
  // run in four, between committing the state and committing the CSV's length. Each run resumes
  // from its last commit, so the kills walk through the 300 batches.
  int kills = 0, iterations = 0;
  std::set<uintmax_t> sizes;
  for (; kills < 20 && iterations < 30; ++iterations) {
    const std::string point = iterations % 4 == 3
                                  ? "between_commits:" + std::to_string(1 + iterations % 3)
                                  : "after_batch:" + std::to_string(1 + (iterations * 7) % 12);
    const auto killed = testing::runProcess(run, dir.path(), {{"KD_FAILPOINT", point}});
    if (killed.exit_code == 128 + SIGKILL) ++kills;
    if (std::filesystem::exists(dir.file("out.csv")))
      sizes.insert(std::filesystem::file_size(dir.file("out.csv")));
  }
  EXPECT_GE(kills, 20) << "after " << iterations << " runs";
  EXPECT_GE(sizes.size(), 5u) << "the kills should land at many different points";
  ASSERT_EQ(testing::runProcess(run, dir.path()).exit_code, 0);
  const std::string actual = testing::readFile(dir.file("out.csv"));
  EXPECT_EQ(actual.size(), expected.size());
  EXPECT_TRUE(actual == expected) << "the CSV differs from an uninterrupted run";
}

TEST(CsvCrashSafetyTest, ReplaceModeNeverShowsAHalfWrittenFile) {
  TempDir dir;
  std::string input, complete = "id\n";
  for (int i = 0; i < 100000; ++i) {
    input += "{\"id\":" + std::to_string(i) + "}\n";
    complete += std::to_string(i) + "\n";
  }
  testing::writeFile(dir.file("in.jsonl"), input);
  testing::writeFile(dir.file("out.csv"), "old complete file\n");
  testing::writeFile(
      dir.file("p.yaml"),
      "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: out.csv } ]\n");
  // Killed at known points (KD_FAILPOINT): after the N-th of its 100 batches, and between
  // committing and publishing.
  for (int i = 0; i < 10; ++i) {
    const std::string point =
        i == 9 ? "between_commits:1" : "after_batch:" + std::to_string(1 + i * 11);
    const auto killed = testing::runProcess({KD_CLI, "run", "p.yaml", "--quiet"}, dir.path(),
                                            {{"KD_FAILPOINT", point}});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << point;
    const std::string content = testing::readFile(dir.file("out.csv"));
    // Either the old file or the whole new one: never a prefix of the new one.
    EXPECT_TRUE(content == "old complete file\n" || content == complete)
        << content.size() << " bytes";
  }
}

}  // namespace
}  // namespace kalshi_direct

// P&L after a crash (issue 13 item 17, issue 14). New fills are committed with a marker per market
// (kalshi_pnl_dirty), and the kalshi_pnl model recomputes those markets in the same transaction
// at every commit. A sync killed after its fills commit has the P&L of those fills already; one
// whose model run was skipped (min_interval) leaves the markers for the next run.
//
// The markets here are round trips (the simulator's add-fills with round_trips): flat at the last
// snapshot and flat again, so nothing but the marker says their P&L changed (open positions and
// markets open at the last snapshot are recomputed anyway). The kill comes at a known point: the
// simulator holds the settlements request, which the sync makes after its fills were committed.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace {

class StalePnlTest : public testing::KalshiCliFixture {
 protected:
  // kalshi_market_pnl of `path` (without updated_at), one string per row.
  std::vector<std::string> marketPnl(const std::string& path, const std::string& where = "1") {
    sqlite::Database database(path, sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(),
                            "SELECT ticker, subaccount, category, realized_dollars, "
                            "unrealized_dollars, fees_dollars, cash_flow_dollars, position_fp, "
                            "mark_price_dollars FROM kalshi_market_pnl WHERE " +
                                where + " ORDER BY ticker, subaccount, category");
    std::vector<std::string> rows;
    while (query.step()) {
      std::string row;
      for (int i = 0; i < query.columnCount(); ++i)
        row += (query.columnIsNull(i) ? std::string("NULL") : query.columnText(i)) + "|";
      rows.push_back(row);
    }
    return rows;
  }
};

TEST_F(StalePnlTest, ASyncKilledAfterItsFillsCommitHasTheirPnlAndTheNextRunAgrees) {
  startSim({}, "2000");
  const auto backfill = cli({"run", "backfill", "--full"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.err;

  auto added = sim_->json("POST", "/admin/add-fills", R"({"count":12,"round_trips":true})");
  auto round_trips = added->getArray("round_trip_tickers");
  ASSERT_GT(round_trips->size(), 0u);
  std::string in_list;
  for (size_t i = 0; i < round_trips->size(); ++i)
    in_list += (i ? ",'" : "'") + round_trips->getElement<std::string>(i) + "'";
  const std::string these = "ticker IN (" + in_list + ")";
  const auto before = marketPnl(db(), these);  // (none for a market first traded now)

  // A sync that commits after every batch, held at its settlements request (after fills).
  sim_->setFaults(R"({"stall_paths":["/portfolio/settlements","/historical/settlements"]})");
  const pid_t sync = testing::spawnProcess({KD_CLI, "run", "sync", "--set", "commit_rows=1"},
                                           dir_.path(), environment());
  bool held = false;
  for (int i = 0; i < 12000 && !held; ++i) {
    held = sim_->json("GET", "/admin/stats")->getValue<int>("stalled_now") == 1;
    int status = 0;
    ASSERT_NE(waitpid(sync, &status, WNOHANG), sync) << "the sync ended before the stall";
    if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_TRUE(held);
  // The new fills are committed, and with them the P&L of their markets: the model ran in the
  // same transaction, so no marker is left over.
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_pnl_dirty"), 0);
  const auto at_kill = marketPnl(db(), these);
  EXPECT_NE(at_kill, before) << "the round trips changed these markets' P&L";
  kill(sync, SIGKILL);
  waitpid(sync, nullptr, 0);
  sim_->setFaults(R"({"reset":true})");

  const auto next = cli({"run", "sync"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_pnl_dirty"), 0);
  const auto after = marketPnl(db(), these);
  EXPECT_EQ(after, at_kill);

  // The same as a full recompute: a copy without kalshi_market_pnl recomputes every market.
  const std::string copy = dir_.file("recomputed.db");
  {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadWrite);
    sqlite::exec(database.handle(), "VACUUM INTO '" + copy + "'");
  }
  {
    sqlite::Database database(copy, sqlite::Database::Mode::kReadWrite);
    sqlite::exec(database.handle(), "DELETE FROM kalshi_market_pnl");
  }
  const auto recompute = cli({"run", "sync"}, {{"KALSHI_DB", copy}});
  ASSERT_EQ(recompute.exit_code, 0) << recompute.err;
  EXPECT_EQ(marketPnl(db()), marketPnl(copy));
}

}  // namespace
}  // namespace kalshi_direct

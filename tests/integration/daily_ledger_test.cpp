// Issue 15's identities on generated accounts with deposits, withdrawals and several subaccounts
// (kalshi-sim over HTTP, `kalshi-direct run backfill` and `sync` as a user runs them):
//   - kalshi_orders.pnl_dollars sums exactly to the realized P&L, settlements included, and
//     pnl_cents to each market's rounded realized P&L;
//   - the daily ledger's days sum exactly to the latest snapshot's realized P&L and fees, per
//     category, per subaccount and in total;
//   - cash rebuilt from Kalshi's balance back through every flow lands on exactly $0.00 before the
//     account's first deposit, per subaccount and in total, and every balance check agrees;
//   - `report --by/--range` shows those figures, as a table, JSON and CSV;
//   - the SQL views and the Grafana dashboard in examples/grafana/: every panel's query runs on
//     the database, reads only the views, and finds rows;
//   - `report --tax-year`: each year's FIFO lots add up to its realized P&L (TaxYearTest);
//   - `report --stats`: P&L and ROI equal the simulator's truth (balances, open positions at the
//     mark, net deposits), and the win rate and drawdown equal what this test computes on its own
//     from the stored fills and settlements and the equity curve.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/sqlite.h"
#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;

using testing::decimal;

class DailyLedgerTruthTest : public testing::KalshiCliFixture {
 protected:
  void SetUp() override {
    startSim({"--subaccounts", "3", "--deposits", "5", "--withdrawals", "4"}, "4000");
    const auto backfill = cli({"run", "backfill", "--full"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
  }
  // Exact sums of a text decimal column (second) per key (first), added up in C++.
  std::map<std::string, Decimal> sums(const std::string& sql) {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(), sql);
    std::map<std::string, Decimal> out;
    while (query.step()) out[query.columnText(0)] += decimal(query.columnText(1));
    return out;
  }
  struct EquityDay {
    std::string day;
    Decimal cash, trading, transfers;
    std::optional<int64_t> unexplained_cents;
  };
  std::vector<EquityDay> equity(int64_t subaccount) {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(
        database.handle(),
        "SELECT day, cash_balance_dollars, trading_cash_flow_dollars, transfers_dollars, "
        "unexplained_cents FROM kalshi_equity_daily WHERE subaccount = ? ORDER BY day");
    query.bindInt(1, subaccount);
    std::vector<EquityDay> days;
    while (query.step()) {
      EquityDay day{query.columnText(0), decimal(query.columnText(1)), decimal(query.columnText(2)),
                    decimal(query.columnText(3)), std::nullopt};
      if (!query.columnIsNull(4)) day.unexplained_cents = query.columnInt(4);
      days.push_back(day);
    }
    return days;
  }

  void expectDaysSumToTheSnapshot(const char* when) {
    const std::string latest = "(SELECT max(id) FROM kalshi_snapshots)";
    for (const char* column : {"realized_pnl_dollars", "fees_dollars"}) {
      auto days = sums(std::string("SELECT category, ") + column + " FROM kalshi_daily_pnl");
      auto snapshot = sums(std::string("SELECT category, ") + column +
                           " FROM kalshi_snapshot_pnl WHERE snapshot_id = " + latest);
      ASSERT_FALSE(days.empty()) << when;
      for (const auto& [category, amount] : snapshot)
        EXPECT_EQ(days[category], amount) << when << " " << column << " " << category;
      for (const auto& [category, amount] : days)
        EXPECT_EQ(snapshot[category], amount) << when << " " << column << " " << category;
      auto by_subaccount =
          sums(std::string("SELECT subaccount, ") + column + " FROM kalshi_daily_pnl");
      auto snapshot_subaccounts =
          sums(std::string("SELECT subaccount, ") + column +
               " FROM kalshi_snapshot_subaccounts WHERE snapshot_id = " + latest);
      ASSERT_EQ(snapshot_subaccounts.size(), 3u) << when;
      EXPECT_EQ(by_subaccount, snapshot_subaccounts) << when << " " << column;
      EXPECT_EQ(sums(std::string("SELECT 'total', ") + column + " FROM kalshi_daily_pnl")["total"],
                sums(std::string("SELECT 'total', ") + column +
                     " FROM kalshi_snapshots WHERE id = " + latest)["total"])
          << when << " " << column;
    }
  }

  // kalshi_orders: pnl_dollars adds up to the realized P&L exactly, settlements included, and
  // pnl_cents to the snapshot's realized_pnl_cents exactly, each row its exact amount rounded down
  // or up to the cent.
  void expectOrdersAddUp(const char* when) {
    const std::string latest = "(SELECT max(id) FROM kalshi_snapshots)";
    EXPECT_EQ(
        sums("SELECT 'all', pnl_dollars FROM kalshi_orders WHERE pnl_dollars IS NOT NULL")["all"],
        sums("SELECT 'all', realized_pnl_dollars FROM kalshi_snapshots WHERE id = " +
             latest)["all"])
        << when;
    EXPECT_EQ(scalar("SELECT sum(pnl_cents) FROM kalshi_orders"),
              scalar("SELECT realized_pnl_cents FROM kalshi_snapshots WHERE id = " + latest))
        << when;
    int64_t rows = 0;
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(),
                            "SELECT id, pnl_cents, pnl_dollars FROM kalshi_orders WHERE "
                            "pnl_dollars IS NOT NULL");
    while (query.step()) {
      ++rows;
      const Decimal exact = decimal(query.columnText(2));
      const int64_t cents = query.columnInt(1);
      EXPECT_TRUE(cents == exact.toUnits(2, Rounding::kFloor) ||
                  cents == exact.toUnits(2, Rounding::kCeiling))
          << when << " order " << query.columnText(0) << ": " << cents << " cents for "
          << exact.toString();
    }
    EXPECT_GT(rows, 1000) << when;
    EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_orders WHERE pnl_cents IS NULL AND id IN "
                     "(SELECT order_id FROM kalshi_fills)"),
              0)
        << when;
  }

  // Back from Kalshi's balance through every day's flows: $0.00 before the first deposit, and the
  // balance Kalshi reported at each check.
  void expectCashRebuiltFromZero(const char* when) {
    const auto truth = sim_->truth();
    const auto subaccounts = truth->getObject("subaccounts");
    for (int64_t scope : {-1, 0, 1, 2}) {
      const std::vector<EquityDay> days = equity(scope);
      ASSERT_GT(days.size(), 100u) << when << " scope " << scope;
      const EquityDay& first = days.front();
      EXPECT_TRUE((first.cash - first.trading - first.transfers).isZero())
          << (first.cash - first.trading - first.transfers).toString() << " " << when << " scope "
          << scope << " opens with cash";
      for (size_t i = 1; i < days.size(); ++i) {
        ASSERT_EQ(days[i].cash, days[i - 1].cash + days[i].trading + days[i].transfers)
            << when << " scope " << scope << " " << days[i].day;
      }
      int checks = 0;
      for (const EquityDay& day : days) {
        if (!day.unexplained_cents) continue;
        ++checks;
        EXPECT_EQ(*day.unexplained_cents, 0) << when << " scope " << scope << " " << day.day;
      }
      EXPECT_GE(checks, 1) << when << " scope " << scope;
      const Decimal balance =
          scope == -1 ? decimal(text("SELECT balance_dollars FROM kalshi_snapshots ORDER BY id "
                                     "DESC LIMIT 1"))
                      : decimal(subaccounts->getObject(std::to_string(scope))
                                    ->getValue<std::string>("balance_dollars"));
      EXPECT_EQ(days.back().cash.toString(), balance.toString()) << when << " scope " << scope;
    }
    EXPECT_EQ(scalar("SELECT net_deposits_cents FROM kalshi_equity_daily WHERE subaccount = -1 "
                     "ORDER BY day DESC LIMIT 1"),
              truth->getValue<int64_t>("net_deposits_cents"))
        << when;
  }
};

TEST_F(DailyLedgerTruthTest, TheDaysSumToTheSnapshotAndCashRebuildsFromZero) {
  expectDaysSumToTheSnapshot("after the backfill");
  expectCashRebuiltFromZero("after the backfill");
  expectOrdersAddUp("after the backfill");
  EXPECT_GT(scalar("SELECT count(*) FROM kalshi_closed_positions"), 10);
  EXPECT_EQ(scalar("SELECT sum(markets_closed) FROM kalshi_daily_pnl"),
            scalar("SELECT count(*) FROM kalshi_closed_positions"));

  // More trading, and the pending deposits and withdrawals applied: a sync keeps every identity.
  sim_->request("POST", "/admin/add-fills", R"({"count": 300})");
  sim_->request("POST", "/admin/apply-pending-transfers");
  const auto sync = cli({"run", "sync"});
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  expectDaysSumToTheSnapshot("after a sync");
  expectCashRebuiltFromZero("after a sync");
  expectOrdersAddUp("after a sync");
}

TEST_F(DailyLedgerTruthTest, ReportShowsTheLedgerByPeriodInEveryFormat) {
  const std::string realized =
      text("SELECT realized_pnl_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1");
  const Decimal realized_cents = decimal(realized).rescaled(2);

  auto table = cli({"report", "--by", "month", "--range", "all"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, HasSubstr("America/New_York days"));
  EXPECT_THAT(table.out, HasSubstr("MONTH"));
  EXPECT_THAT(table.out, ::testing::ContainsRegex("TOTAL +" + realized_cents.toString() + " "));

  auto json = cli({"report", "--by", "category", "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"by\":\"category\""));
  EXPECT_THAT(json.out, HasSubstr("\"total\":{\"group\":\"TOTAL\",\"realized_pnl_dollars\":\"" +
                                  decimal(realized).trimmed(2).toString() + "\""));

  // The CSV's rows add up to the total, to the last digit.
  auto csv = cli({"report", "--by", "series", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  std::istringstream lines(csv.out);
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("series,realized_pnl_dollars,fees_dollars,", 0), 0u) << line;
  Decimal sum;
  int rows = 0;
  while (std::getline(lines, line)) {
    const size_t first = line.find(',');
    sum += decimal(line.substr(first + 1, line.find(',', first + 1) - first - 1));
    ++rows;
  }
  EXPECT_GT(rows, 5);
  EXPECT_EQ(sum, decimal(realized));

  // A range with nothing in it is an empty table, not an error.
  auto empty = cli({"report", "--from", "2001-01-01", "--to", "2001-01-31"});
  ASSERT_EQ(empty.exit_code, 0) << empty.err;
  EXPECT_THAT(empty.out, HasSubstr("no fills, settlements or closes in this range"));
}

// Each (subaccount, market)'s positions from zero back to zero, replayed from the stored fills
// and settlements with nothing but cash: a closed position's result is the cash it took in minus
// the cash it paid out and its fees (its whole cost left with it).
std::vector<Decimal> replayClosedPositions(const std::string& db) {
  sqlite::Database database(db, sqlite::Database::Mode::kReadOnly);
  struct Event {
    int64_t time = 0;
    std::string id;
    bool settlement = false;
    bool yes = false;
    Decimal count, yes_price, no_price, fee, revenue;
  };
  std::map<std::pair<int64_t, std::string>, std::vector<Event>> markets;
  sqlite::Statement fills(database.handle(),
                          "SELECT subaccount, ticker, filled_at_us, id, outcome_side, quantity_fp, "
                          "yes_price_dollars, no_price_dollars, fee_dollars FROM kalshi_fills");
  while (fills.step()) {
    Event e{
        fills.columnInt(2),           fills.columnText(3),          false,
        fills.columnText(4) == "yes", decimal(fills.columnText(5)), decimal(fills.columnText(6)),
        decimal(fills.columnText(7)), decimal(fills.columnText(8)), Decimal()};
    markets[{fills.columnInt(0), fills.columnText(1)}].push_back(e);
  }
  sqlite::Statement settlements(
      database.handle(),
      "SELECT subaccount, ticker, settled_at_us, revenue_cents, fee_dollars FROM "
      "kalshi_settlements");
  while (settlements.step()) {
    Event e;
    e.time = settlements.columnInt(2);
    e.settlement = true;
    e.revenue = Decimal(settlements.columnInt(3), 2);
    e.fee = settlements.columnIsNull(4) ? Decimal() : decimal(settlements.columnText(4));
    markets[{settlements.columnInt(0), settlements.columnText(1)}].push_back(e);
  }
  std::vector<Decimal> results;
  for (auto& [key, events] : markets) {
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      if (a.settlement != b.settlement) return b.settlement;  // the settlement comes last
      return std::tie(a.time, a.id) < std::tie(b.time, b.id);
    });
    Decimal position, cash;
    bool open = false;
    for (const Event& e : events) {
      if (e.settlement) {
        if (open) results.push_back(cash + e.revenue - e.fee);
        break;
      }
      const Decimal held_other = e.yes ? (position.sign() < 0 ? -position : Decimal())
                                       : (position.sign() > 0 ? position : Decimal());
      const Decimal closed = std::min(e.count, held_other);
      const Decimal opened = e.count - closed;
      cash += closed * (e.yes ? e.no_price : e.yes_price) - e.fee;
      if (closed.sign() > 0 && closed == held_other) {
        results.push_back(cash);
        cash = Decimal();
        open = false;
      } else if (!open) {
        open = true;  // opened from zero: the fee above is this position's
      }
      if (opened.sign() > 0) {
        if (!open) open = true;
        cash -= opened * (e.yes ? e.yes_price : e.no_price);
      }
      position += e.yes ? e.count : -e.count;
    }
  }
  return results;
}

TEST_F(DailyLedgerTruthTest, StatsEqualTheTruthAndAnIndependentReplay) {
  auto run = cli({"report", "--stats", "--range", "all", "--format", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const auto json = Poco::JSON::Parser().parse(run.out).extract<Poco::JSON::Object::Ptr>();
  const auto stats = json->getObject("stats");

  // P&L and ROI: the truth's equity (every subaccount's balance plus its open positions at the
  // mark) minus its net deposits, exactly.
  const auto truth = sim_->truth();
  Decimal equity;
  const auto subaccounts = truth->getObject("subaccounts");
  for (const auto& number : subaccounts->getNames())
    equity += decimal(subaccounts->getObject(number)->getValue<std::string>("balance_dollars"));
  const auto markets = truth->getObject("markets");
  for (const auto& ticker : markets->getNames())
    equity += decimal(markets->getObject(ticker)->getValue<std::string>("position_value_dollars"));
  const Decimal net_deposits = decimal(truth->getValue<std::string>("net_deposits_dollars"));
  EXPECT_EQ(decimal(stats->getValue<std::string>("pnl_dollars")), equity - net_deposits);
  EXPECT_EQ(decimal(stats->getValue<std::string>("net_deposits_dollars")), net_deposits);
  EXPECT_NEAR(stats->getValue<double>("roi"),
              std::stod((equity - net_deposits).toString()) / std::stod(net_deposits.toString()),
              1e-9);

  // Win rate: the replay's closed positions.
  const std::vector<Decimal> closes = replayClosedPositions(db());
  const auto wins =
      std::count_if(closes.begin(), closes.end(), [](const Decimal& d) { return d.sign() > 0; });
  const auto losses =
      std::count_if(closes.begin(), closes.end(), [](const Decimal& d) { return d.sign() < 0; });
  ASSERT_GT(wins + losses, 50);
  EXPECT_EQ(stats->getValue<int64_t>("closed_positions"), static_cast<int64_t>(closes.size()));
  EXPECT_NEAR(stats->getValue<double>("win_rate"),
              static_cast<double>(wins) / static_cast<double>(wins + losses), 1e-9);

  // Max drawdown: the time-weighted index of the equity curve, recomputed here.
  sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
  sqlite::Statement days(database.handle(),
                         "SELECT equity_cents, cash_balance_dollars, open_basis_dollars, "
                         "marked_value_dollars, transfers_dollars, trading_cash_flow_dollars FROM "
                         "kalshi_equity_daily WHERE subaccount = -1 ORDER BY day");
  double previous = 0, index = 1, peak = 1, worst = 0;
  bool first = true;
  while (days.step()) {
    const double cash = std::stod(days.columnText(1));
    const double value = std::stod(days.columnIsNull(3) ? days.columnText(2) : days.columnText(3));
    const double flow = std::stod(days.columnText(4));
    if (first) previous = cash - flow - std::stod(days.columnText(5));  // the opening cash: 0
    first = false;
    const double now = cash + value;
    if (previous + flow > 0) index *= 1 + (now - previous - flow) / (previous + flow);
    peak = std::max(peak, index);
    worst = std::max(worst, (peak - index) / peak);
    previous = now;
  }
  EXPECT_GT(worst, 0.0);
  EXPECT_NEAR(stats->getObject("max_drawdown")->getValue<double>("fraction"), worst, 1e-6);
}

TEST_F(DailyLedgerTruthTest, TheViewsAndEveryGrafanaPanelQueryRunOnTheDatabase) {
  sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
  for (const char* view :
       {"v_daily_pnl", "v_equity_curve", "v_pnl_by_category", "v_cash_flows", "v_edge_by_price"}) {
    sqlite::Statement rows(database.handle(), std::string("SELECT count(*) FROM ") + view);
    ASSERT_TRUE(rows.step());
    EXPECT_GT(rows.columnInt(0), 0) << view;
  }
  // The views' money adds up like the tables': the category view is the latest snapshot.
  {
    sqlite::Statement total(database.handle(),
                            "SELECT sum(realized_pnl_cents) FROM v_pnl_by_category");
    ASSERT_TRUE(total.step());
    EXPECT_EQ(total.columnInt(0),
              scalar("SELECT sum(realized_pnl_cents) FROM kalshi_snapshot_pnl WHERE snapshot_id = "
                     "(SELECT max(id) FROM kalshi_snapshots)"));
  }

  std::ifstream file(std::string(KD_SOURCE_DIR) + "/examples/grafana/kalshi-direct-sqlite.json");
  ASSERT_TRUE(file.good());
  const auto dashboard = Poco::JSON::Parser().parse(file).extract<Poco::JSON::Object::Ptr>();
  const auto panels = dashboard->getArray("panels");
  ASSERT_GE(panels->size(), 6u);
  const std::regex source(R"(\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_]*))", std::regex::icase);
  for (size_t p = 0; p < panels->size(); ++p) {
    const auto panel = panels->getObject(static_cast<unsigned>(p));
    const std::string title = panel->getValue<std::string>("title");
    const auto targets = panel->getArray("targets");
    ASSERT_GE(targets->size(), 1u) << title;
    for (size_t t = 0; t < targets->size(); ++t) {
      const auto target = targets->getObject(static_cast<unsigned>(t));
      EXPECT_EQ(target->getObject("datasource")->getValue<std::string>("type"),
                "frser-sqlite-datasource")
          << title;
      std::string sql = target->getValue<std::string>("queryText");
      for (auto it = std::sregex_iterator(sql.begin(), sql.end(), source);
           it != std::sregex_iterator(); ++it) {
        EXPECT_EQ((*it)[1].str().rfind("v_", 0), 0u)
            << title << " reads " << (*it)[1].str() << ", not one of the documented views";
      }
      // The data source's macros for the dashboard's time range: here, everything.
      sql = std::regex_replace(sql, std::regex(R"(\$__unixEpochFrom\(\))"), "0");
      sql = std::regex_replace(sql, std::regex(R"(\$__unixEpochTo\(\))"), "4102444800");
      ASSERT_EQ(sql.find('$'), std::string::npos) << title << ": an unknown macro in " << sql;
      sqlite::Statement query(database.handle(), sql);  // throws on an unknown view or column
      int rows = 0;
      while (query.step()) ++rows;
      EXPECT_GT(rows, 0) << title;
      if (target->has("timeColumns")) {
        EXPECT_EQ(query.columnName(0), "time") << title;
      }
    }
  }
}

// The tax export over two years of history: each year's lots (first in, first out, fees in the cost
// basis) add up to that year's realized P&L from the daily ledger, once the fees that sit in lots
// across the year's ends are accounted for; the CSV's lines add up to the total.
class TaxYearTest : public testing::KalshiCliFixture {};

TEST_F(TaxYearTest, EachYearsLotsAddUpToItsRealizedPnl) {
  // A fixed anchor, not today: whether some market's lots straddle New Year 2026 depends on where
  // the 500 days fall, and this one's do.
  startSim({"--days", "500", "--subaccounts", "2", "--anchor", "2026-08-20T16:05:00Z"}, "4000");
  const auto backfill = cli({"run", "backfill", "--full"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
  int years_with_lots = 0;
  for (const std::string year : {"2025", "2026"}) {
    const auto json = cli({"report", "--tax-year", year, "--format", "json"});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    const auto report = Poco::JSON::Parser().parse(json.out).extract<Poco::JSON::Object::Ptr>();
    const Decimal gain = decimal(report->getValue<std::string>("gain_dollars"));
    const Decimal still_open =
        decimal(report->getValue<std::string>("opening_fees_of_lots_still_open_dollars"));
    const Decimal from_before =
        decimal(report->getValue<std::string>("opening_fees_paid_before_the_year_dollars"));
    const Decimal realized = decimal(report->getValue<std::string>("realized_pnl_dollars"));
    EXPECT_EQ(decimal(report->getValue<std::string>("settlements_without_lots_dollars")), Decimal())
        << year;
    EXPECT_EQ(gain - still_open + from_before, realized) << year;
    // The ledger's realized P&L of that year, summed here from its days.
    Decimal days;
    {
      sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
      sqlite::Statement query(database.handle(),
                              "SELECT realized_pnl_dollars FROM kalshi_daily_pnl WHERE day LIKE ?");
      query.bindText(1, year + "-%");
      while (query.step()) days += decimal(query.columnText(0));
    }
    EXPECT_EQ(realized, days) << year;
    if (year == "2026") {
      EXPECT_GT(from_before.sign(), 0) << "lots opened in 2025 closed in 2026";
    }

    const auto csv = cli({"report", "--tax-year", year, "--format", "csv"});
    ASSERT_EQ(csv.exit_code, 0) << csv.err;
    std::istringstream lines(csv.out);
    std::string line;
    std::getline(lines, line);
    EXPECT_EQ(line, "description,date_acquired,date_closed,quantity,proceeds,cost_basis,gain");
    Decimal csv_gain;
    int lots = 0;
    while (std::getline(lines, line)) {
      csv_gain += decimal(line.substr(line.rfind(',') + 1));
      std::vector<std::string> fields;
      std::istringstream cells(line);
      for (std::string cell; std::getline(cells, cell, ',');) fields.push_back(cell);
      ASSERT_EQ(fields.size(), 7u) << line;
      EXPECT_EQ(fields[2].substr(0, 4), year) << line;  // closed in the year
      EXPECT_LE(fields[1], fields[2]) << line;          // acquired before it closed
      ++lots;
    }
    EXPECT_EQ(csv_gain, gain) << year;
    if (lots > 0) ++years_with_lots;
  }
  EXPECT_EQ(years_with_lots, 2);
}

}  // namespace
}  // namespace kalshi_direct

// `kalshi-direct positions` against kalshi-sim over real HTTP: the live summary equals the
// simulator's ground truth exactly, wrong credentials fail in one line without the secret and
// without falling back, and an unreachable API shows the last known positions from kalshi.db.
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "kalshi/tables.h"
#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/sqlite.h"
#include "kalshi_direct/engine/stores.h"
#include "support/process.h"
#include "support/sim_server.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::SimServer;
using ::testing::StartsWith;
using testing::TempDir;

constexpr const char* kToken = "tok-positions-8d41c0b7e2";
constexpr const char* kUnreachable =
    "http://127.0.0.1:1/trade-api/v2";  // nothing listens on port 1

// Last known state: a live snapshot then a fallback one (the positions are as of the live one),
// a YES and a NO position, a closed (flat) one, and a position whose market has no price.
const char* kLastKnownSql =
    "INSERT INTO kalshi_snapshots (id, taken_at, source, balance_cents) VALUES"
    " (1, '2026-08-20T16:05:00Z', 'live', 100000), (2, '2026-08-20T17:05:00Z', 'fallback', 100000);"
    "INSERT INTO kalshi_positions (ticker, position_fp, market_exposure_dollars, "
    "realized_pnl_dollars,"
    " fees_paid_dollars) VALUES"
    " ('KXBTCY-26DEC31-T125000', '26.00', '17.9100', '-0.3525', '5.3700'),"
    " ('KXGREENLAND-29-T2028', '-122.66', '37.1812', '9.8862', '11.9800'),"
    " ('KXHIGHNY-26MAR01-T60', '0.00', '0.0000', '1.0000', '0.0200'),"
    " ('KXNOPRICE-1', '2.50', '1.0000', '0.0000', '0.0100');"
    "INSERT INTO kalshi_markets (ticker, last_price_dollars) VALUES"
    " ('KXBTCY-26DEC31-T125000', '0.6600'), ('KXGREENLAND-29-T2028', '0.7100'), ('KXNOPRICE-1', "
    "NULL);";

Poco::JSON::Object::Ptr parseJson(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

Decimal dec(const std::string& text) {
  Decimal value;
  EXPECT_TRUE(Decimal::parse(text, value)) << "'" << text << "'";
  return value;
}

Decimal decField(const Poco::JSON::Object::Ptr& object, const std::string& name) {
  return dec(object->getValue<std::string>(name));
}

int lines(const std::string& text) {
  return static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

class PositionsTest : public ::testing::Test {
 protected:
  void startSim(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"--fills", "500", "--bearer-token", kToken};
    args.insert(args.end(), extra.begin(), extra.end());
    sim_ = std::make_unique<SimServer>(args);
  }
  // Only the test's own settings reach the command (an empty value removes the variable).
  std::map<std::string, std::string> environment(const std::string& base_url) const {
    return {{"KALSHI_API_BASE_URL", base_url},
            {"KALSHI_API_KEY", kToken},
            {"KALSHI_API_KEY_ID", ""},
            {"KALSHI_PRIVATE_KEY_PATH", ""},
            {"KALSHI_PRIVATE_KEY", ""},
            {"KALSHI_API_KEY_FILE", ""},
            {"KALSHI_DB", ""},
            {"KALSHI_RATE_LIMIT", "off"},
            {"KALSHI_MAX_RETRY_TIME", "3s"}};
  }
  ProcessResult cli(std::vector<std::string> args, const std::string& base_url,
                    std::map<std::string, std::string> overrides = {}) {
    auto env = environment(base_url);
    for (auto& [name, value] : overrides) env[name] = value;
    args.insert(args.begin(), KD_CLI);
    return testing::runProcess(args, dir_.path(), env);
  }
  ProcessResult positions(std::vector<std::string> args,
                          std::map<std::string, std::string> overrides = {}) {
    args.insert(args.begin(), "positions");
    return cli(args, sim_ ? sim_->baseUrl() : kUnreachable, overrides);
  }
  std::string db() const { return dir_.file("kalshi.db"); }
  void createLastKnownDatabase(const std::string& path) {
    StorePtr store = openStore(path, Store::Mode::kReadWriteCreate);
    // The tables as the sinks make them (plugins/kalshi/tables.h), not a copy of their DDL.
    for (const auto* table :
         {&kalshi::snapshotsTable(), &kalshi::positionsTable(), &kalshi::marketsTable()})
      kalshi::createTable(*store, *table, false);
    store->exec(kLastKnownSql);
  }

  TempDir dir_;
  std::unique_ptr<SimServer> sim_;
};

TEST_F(PositionsTest, LiveJsonMatchesTheSimulatorsTruthExactly) {
  startSim();
  const ProcessResult result = positions({"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err, "");
  const auto json = parseJson(result.out);
  EXPECT_EQ(json->getValue<std::string>("source"), "live");
  EXPECT_FALSE(json->has("notice"));

  // Every market the truth holds a position in, and no other.
  const auto markets = sim_->truth()->getObject("markets");
  std::set<std::string> expected_tickers;
  for (const auto& ticker : markets->getNames()) {
    if (!decField(markets->getObject(ticker), "position_fp").isZero())
      expected_tickers.insert(ticker);
  }
  ASSERT_FALSE(expected_tickers.empty()) << "the generated account should hold open positions";
  const auto list = json->getArray("positions");
  std::set<std::string> tickers;
  std::set<std::string> sides;
  Decimal exposure, value, unrealized, realized, fees;
  for (size_t i = 0; i < list->size(); ++i) {
    const auto position = list->getObject(static_cast<unsigned>(i));
    const std::string ticker = position->getValue<std::string>("ticker");
    SCOPED_TRACE(ticker);
    ASSERT_TRUE(markets->has(ticker));
    tickers.insert(ticker);
    const auto truth = markets->getObject(ticker);
    const Decimal position_fp = decField(truth, "position_fp");
    const Decimal quantity = position_fp.sign() < 0 ? -position_fp : position_fp;
    const Decimal mark = decField(truth, "mark_price_dollars");  // the YES last price
    EXPECT_EQ(decField(position, "position_fp"), position_fp);
    EXPECT_EQ(decField(position, "quantity"), quantity);
    EXPECT_EQ(position->getValue<std::string>("side"), position_fp.sign() > 0 ? "YES" : "NO");
    sides.insert(position->getValue<std::string>("side"));
    // YES held at the mark, NO at one minus it.
    EXPECT_EQ(decField(position, "mark_price_dollars"),
              position_fp.sign() > 0 ? mark : Decimal::fromInt(1) - mark);
    EXPECT_EQ(decField(position, "market_exposure_dollars"),
              decField(truth, "market_exposure_dollars"));
    EXPECT_EQ(decField(position, "market_value_dollars"),
              decField(truth, "position_value_dollars"));
    EXPECT_EQ(
        decField(position, "unrealized_pnl_dollars"),
        decField(truth, "position_value_dollars") - decField(truth, "market_exposure_dollars"));
    EXPECT_EQ(decField(position, "realized_pnl_dollars"), decField(truth, "realized_pnl_dollars"));
    EXPECT_EQ(decField(position, "fees_paid_dollars"), decField(truth, "fees_dollars"));
    EXPECT_EQ(decField(position, "average_price_cents"),
              (decField(truth, "market_exposure_dollars") * Decimal::fromInt(100))
                  .divide(quantity, 2, Rounding::kHalfAwayFromZero));
    exposure += decField(truth, "market_exposure_dollars");
    value += decField(truth, "position_value_dollars");
    unrealized +=
        decField(truth, "position_value_dollars") - decField(truth, "market_exposure_dollars");
    realized += decField(truth, "realized_pnl_dollars");
    fees += decField(truth, "fees_dollars");
  }
  EXPECT_EQ(tickers, expected_tickers);
  EXPECT_EQ(list->size(), expected_tickers.size()) << "one row per ticker";
  EXPECT_EQ(sides, (std::set<std::string>{"NO", "YES"})) << "the account should hold both sides";
  const auto totals = json->getObject("totals");
  EXPECT_EQ(totals->getValue<size_t>("positions"), expected_tickers.size());
  EXPECT_EQ(totals->getValue<int>("unmarked_positions"), 0);
  EXPECT_EQ(decField(totals, "market_exposure_dollars"), exposure);
  EXPECT_EQ(decField(totals, "market_value_dollars"), value);
  EXPECT_EQ(decField(totals, "unrealized_pnl_dollars"), unrealized);
  EXPECT_EQ(decField(totals, "realized_pnl_dollars"), realized);
  EXPECT_EQ(decField(totals, "fees_paid_dollars"), fees);
}

TEST_F(PositionsTest, TableForPeopleHasARowPerTickerAndTotals) {
  startSim();
  const ProcessResult result = positions({});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto markets = sim_->truth()->getObject("markets");
  EXPECT_THAT(result.out, StartsWith("TICKER"));
  EXPECT_THAT(result.out, HasSubstr("SIDE"));
  EXPECT_THAT(result.out, HasSubstr("AVG PRICE"));
  EXPECT_THAT(result.out, HasSubstr("UNREALIZED"));
  int open = 0;
  size_t header_width = result.out.find('\n');
  for (const auto& ticker : markets->getNames()) {
    const Decimal position_fp = decField(markets->getObject(ticker), "position_fp");
    if (position_fp.isZero()) {
      EXPECT_THAT(result.out, Not(HasSubstr(ticker + " ")));
      continue;
    }
    ++open;
    const size_t at = result.out.find("\n" + ticker + " ");
    ASSERT_NE(at, std::string::npos) << ticker;
    const std::string line = result.out.substr(at + 1, result.out.find('\n', at + 1) - at - 1);
    EXPECT_THAT(line, HasSubstr(position_fp.sign() > 0 ? " YES " : " NO "));
    EXPECT_EQ(line.size(), header_width) << "columns line up: " << line;  // money right-aligned
  }
  EXPECT_THAT(result.out, HasSubstr("\nTOTAL (" + std::to_string(open) +
                                    (open == 1 ? " position)" : " positions)")));
}

TEST_F(PositionsTest, WrongCredentialsFailInOneLineWithoutTheSecretAndNeverFallBack) {
  startSim();
  createLastKnownDatabase(db());  // a fallback is there, but bad credentials must not use it
  const std::string wrong = "wrong-token-5be7f1a9c3d2";
  const ProcessResult result = positions({"--json"}, {{"KALSHI_API_KEY", wrong}});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(lines(result.err), 1) << result.err;
  EXPECT_THAT(result.err, StartsWith("kalshi-direct positions: authentication failed"));
  EXPECT_THAT(result.err, Not(HasSubstr(wrong)));
  EXPECT_THAT(result.err, Not(HasSubstr("last known")));
}

TEST_F(PositionsTest, MissingCredentialsAreAUsageError) {
  const ProcessResult result = positions({}, {{"KALSHI_API_KEY", ""}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(lines(result.err), 1);
  EXPECT_THAT(result.err, HasSubstr("kalshi-direct positions: no Kalshi credentials"));
}

TEST_F(PositionsTest, AnOutageShowsTheLastKnownPositionsFromKalshiDb) {
  startSim({"--outage", "503"});
  createLastKnownDatabase(db());
  ProcessResult result = positions({"--json"});  // ./kalshi.db, found by itself
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(lines(result.err), 1) << result.err;
  EXPECT_THAT(result.err,
              StartsWith("API unreachable (GET /trade-api/v2/portfolio/positions: HTTP 503"));
  // As of the last snapshot made from the API, not the later fallback one.
  EXPECT_THAT(
      result.err,
      HasSubstr("): showing last known positions from kalshi.db as of 2026-08-20T16:05:00Z\n"));
  auto json = parseJson(result.out);
  EXPECT_EQ(json->getValue<std::string>("source"), "fallback");
  EXPECT_EQ(json->getValue<std::string>("as_of"), "2026-08-20T16:05:00Z");
  EXPECT_THAT(json->getValue<std::string>("notice"), StartsWith("API unreachable ("));
  auto list = json->getArray("positions");
  ASSERT_EQ(list->size(), 3u);  // the flat KXHIGHNY position is not open
  auto yes = list->getObject(0);
  EXPECT_EQ(yes->getValue<std::string>("ticker"), "KXBTCY-26DEC31-T125000");
  EXPECT_EQ(yes->getValue<std::string>("side"), "YES");
  EXPECT_EQ(yes->getValue<std::string>("quantity"), "26.00");
  EXPECT_EQ(yes->getValue<std::string>("average_price_cents"), "68.88");  // 17.91 / 26
  EXPECT_EQ(yes->getValue<std::string>("mark_price_dollars"), "0.6600");
  EXPECT_EQ(yes->getValue<std::string>("unrealized_pnl_dollars"), "-0.7500");  // 26 * 0.66 - 17.91
  auto no = list->getObject(1);
  EXPECT_EQ(no->getValue<std::string>("side"), "NO");
  EXPECT_EQ(no->getValue<std::string>("quantity"), "122.66");
  EXPECT_EQ(no->getValue<std::string>("mark_price_dollars"), "0.2900");  // 1 - 0.71
  EXPECT_EQ(no->getValue<std::string>("unrealized_pnl_dollars"),
            "-1.6098");  // 122.66 * 0.29 - 37.1812
  EXPECT_EQ(no->getValue<std::string>("realized_pnl_dollars"), "9.8862");
  auto unpriced = list->getObject(2);
  EXPECT_EQ(unpriced->getValue<std::string>("ticker"), "KXNOPRICE-1");
  EXPECT_TRUE(unpriced->isNull("mark_price_dollars"));
  EXPECT_TRUE(unpriced->isNull("unrealized_pnl_dollars"));
  auto totals = json->getObject("totals");
  EXPECT_EQ(totals->getValue<int>("positions"), 3);
  EXPECT_EQ(totals->getValue<int>("unmarked_positions"), 1);
  EXPECT_EQ(totals->getValue<std::string>("unrealized_pnl_dollars"), "-2.3598");
  EXPECT_EQ(totals->getValue<std::string>("realized_pnl_dollars"), "9.5337");

  // The table says it too, and leaves the unpriced position out of unrealized.
  result = positions({});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, StartsWith("API unreachable ("));
  EXPECT_THAT(result.out, HasSubstr("\nTOTAL (3 positions)"));
  EXPECT_THAT(result.out, HasSubstr("1 position without a mark left out of unrealized"));
}

TEST_F(PositionsTest, UnreachableApiUsesDbFromFlagOrEnvironmentOrFailsWithoutOne) {
  // No simulator at all: connection refused.
  ProcessResult result = positions({});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_EQ(result.out, "");
  EXPECT_EQ(lines(result.err), 1) << result.err;
  EXPECT_THAT(
      result.err,
      StartsWith(
          "kalshi-direct positions: API unreachable (GET /trade-api/v2/portfolio/positions: "));
  EXPECT_THAT(result.err, HasSubstr("no local database to show instead"));

  const std::string elsewhere = dir_.file("elsewhere.db");
  result = positions({"--db", elsewhere});  // named but missing
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err,
              HasSubstr("no last known state in " + elsewhere + ": run a successful sync first"));

  createLastKnownDatabase(elsewhere);
  result = positions({"--db", elsewhere, "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("showing last known positions from " + elsewhere +
                                    " as of 2026-08-20T16:05:00Z"));
  EXPECT_EQ(parseJson(result.out)->getArray("positions")->size(), 3u);

  result = positions({"--json"}, {{"KALSHI_DB", elsewhere}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(parseJson(result.out)->getValue<std::string>("source"), "fallback");
}

TEST_F(PositionsTest, AfterASyncTheFallbackShowsWhatTheApiShowed) {
  startSim();
  const ProcessResult sync = cli({"run", "sync", "--db", db()}, sim_->baseUrl());
  ASSERT_EQ(sync.exit_code, 0) << sync.out << sync.err;
  const ProcessResult live = positions({"--json"});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  sim_->setFaults(R"({"outage":"reset"})");
  const ProcessResult fallback = positions({"--json"});
  ASSERT_EQ(fallback.exit_code, 0) << fallback.err;
  EXPECT_THAT(fallback.err, StartsWith("API unreachable ("));
  const auto live_json = parseJson(live.out);
  const auto fallback_json = parseJson(fallback.out);
  EXPECT_EQ(fallback_json->getValue<std::string>("source"), "fallback");
  // Same positions, same numbers (the marks were stored by the sync a moment ago).
  std::ostringstream live_positions, fallback_positions, live_totals, fallback_totals;
  live_json->getArray("positions")->stringify(live_positions);
  fallback_json->getArray("positions")->stringify(fallback_positions);
  live_json->getObject("totals")->stringify(live_totals);
  fallback_json->getObject("totals")->stringify(fallback_totals);
  EXPECT_EQ(fallback_positions.str(), live_positions.str());
  EXPECT_EQ(fallback_totals.str(), live_totals.str());
}

TEST_F(PositionsTest, BadUsageExitsTwoWithOneLine) {
  ProcessResult result = positions({"--frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "kalshi-direct positions: unknown option '--frobnicate' (usage: kalshi-direct "
            "positions [--json] [--db PATH])\n");
  result = positions({"--db"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(lines(result.err), 1);
  result = positions({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, StartsWith("usage: kalshi-direct positions [--json] [--db PATH]"));
}

}  // namespace
}  // namespace kalshi_direct

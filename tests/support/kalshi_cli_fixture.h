// A test fixture for the shipped Kalshi pipelines: a kalshi-sim on a free port, the CLI with an
// environment pointing at it, and helpers to read the resulting database.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kalshi_direct/engine/sqlite.h"
#include "support/process.h"
#include "support/sim_server.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace testing {

class KalshiCliFixture : public ::testing::Test {
 public:
  static constexpr const char* kToken = "tok-sim-3f9a2c7e51";

 protected:
  void startSim(std::vector<std::string> extra = {}, const std::string& fills = "2000") {
    std::vector<std::string> args = {"--fills",  fills, "--seed",         "7",
                                     "--anchor", "now", "--bearer-token", kToken};
    args.insert(args.end(), extra.begin(), extra.end());
    sim_ = std::make_unique<SimServer>(args);
  }
  std::map<std::string, std::string> environment() const {
    return {{"KALSHI_API_BASE_URL", sim_->baseUrl()},
            {"KALSHI_API_KEY", kToken},
            {"KALSHI_API_KEY_ID", ""},
            {"KALSHI_PRIVATE_KEY_PATH", ""},
            {"KALSHI_PRIVATE_KEY", ""},
            {"KALSHI_RATE_LIMIT", "off"},
            {"KALSHI_MAX_RETRY_TIME", "3s"},
            {"KALSHI_DB", db()}};
  }
  ProcessResult cli(std::vector<std::string> args,
                    std::map<std::string, std::string> overrides = {}) {
    auto env = environment();
    for (auto& [name, value] : overrides) env[name] = value;
    args.insert(args.begin(), KD_CLI);
    return runProcess(args, dir_.path(), env);
  }
  std::string db() const { return dir_.file("kalshi.db"); }
  int64_t scalar(const std::string& sql) {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(), sql);
    return query.step() ? query.columnInt(0) : -1;
  }
  std::string text(const std::string& sql) {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(), sql);
    return query.step() ? query.columnText(0) : "";
  }
  // The first column of every row of `sql`.
  std::vector<std::string> column(const std::string& sql) {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(), sql);
    std::vector<std::string> values;
    while (query.step()) values.push_back(query.columnText(0));
    return values;
  }
  int truthCount(const std::string& name) {
    return sim_->truth()->getObject("counts")->getValue<int>(name);
  }

  // Row contents against the simulator's truth, market by market (not counts of a primary key):
  // each market's fills, maker fills, market-making fills and orders, and no market the truth
  // does not have.
  void expectRowsMatchTruth(const std::string& context = "") {
    using Counts = std::map<std::string, std::string>;  // ticker -> "fills|maker|mm|orders"
    Counts expected, actual;
    auto markets = sim_->truth()->getObject("markets");
    for (const auto& name : markets->getNames()) {
      auto market = markets->getObject(name);
      if (market->getValue<int>("fills") == 0 && market->getValue<int>("orders") == 0) continue;
      expected[name] = market->get("fills").toString() + "|" +
                       market->get("maker_fills").toString() + "|" +
                       market->get("mm_fills").toString() + "|" + market->get("orders").toString();
    }
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(
        database.handle(),
        "SELECT t.ticker, coalesce(f.n, 0), coalesce(f.maker, 0), coalesce(f.mm, 0), coalesce(o.n, "
        "0) FROM "
        "(SELECT ticker FROM kalshi_fills UNION SELECT ticker FROM kalshi_orders) t "
        "LEFT JOIN (SELECT ticker, count(*) n, sum(is_taker = 0) maker, sum(category = "
        "'market_making') mm "
        "           FROM kalshi_fills GROUP BY ticker) f ON f.ticker = t.ticker "
        "LEFT JOIN (SELECT ticker, count(*) n FROM kalshi_orders GROUP BY ticker) o ON o.ticker = "
        "t.ticker");
    while (query.step()) {
      actual[query.columnText(0)] = query.columnText(1) + "|" + query.columnText(2) + "|" +
                                    query.columnText(3) + "|" + query.columnText(4);
    }
    EXPECT_EQ(actual.size(), expected.size()) << context;
    for (const auto& [ticker, counts] : expected) {
      auto it = actual.find(ticker);
      EXPECT_TRUE(it != actual.end() && it->second == counts)
          << context << ": " << ticker << " fills|maker|mm|orders: truth " << counts
          << ", database " << (it == actual.end() ? "none" : it->second);
    }
  }

  // A counter of the run summary ("http_retries 28"), 0 when the summary does not show it.
  static int64_t summaryCounter(const std::string& summary, const std::string& name) {
    const std::string key = " " + name + " ";
    const size_t at = summary.find(key);
    return at == std::string::npos ? 0 : std::stoll(summary.substr(at + key.size()));
  }

  TempDir dir_;
  std::unique_ptr<SimServer> sim_;
};

}  // namespace testing
}  // namespace kalshi_direct

// Issue 5's acceptance: for a generated account of 10,000+ fills, the P&L per category in the
// database equals the simulator's truth exactly (cents agree, since both round the exact sums
// once), and `kalshi-direct report` shows it. Categories here map 1:1 to the exchange's, which
// is how the simulator keeps its truth.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/sqlite.h"
#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;

Decimal decimal(const std::string& text) {
  Decimal value;
  EXPECT_TRUE(Decimal::parse(text, value)) << text;
  return value;
}

class PnlTruthTest : public testing::KalshiCliFixture {};

TEST_F(PnlTruthTest, PerCategoryPnlEqualsTheTruthForATenThousandFillAccount) {
  startSim({}, "12000");
  const std::vector<std::string> categories = {"Climate and Weather", "Crypto", "Economics",
                                               "Financials",          "Sports", "Politics",
                                               "Commodities"};
  std::string rules, names;
  for (const auto& category : categories) {
    rules += "      - { series_category: \"" + category + "\", category: \"" + category + "\" }\n";
    names += std::string(names.empty() ? "" : ", ") + "\"" + category + "\"";
  }
  testing::writeFile(dir_.file("by-exchange-category.yaml"), R"(name: by-exchange-category
params:
  db: ${KALSHI_DB}
source:
  type: kalshi_live
  base_url: ${KALSHI_API_BASE_URL}
  rate_limit: off
  since: all
  cache_db: ${db}
transforms:
  - type: normalize_orders
  - type: categorize_pnl
    rules:
)" + rules + R"(    default: uncategorized
sinks:
  - { type: kalshi_orders, path: "${db}" }
  - { type: kalshi_fills, path: "${db}" }
  - { type: kalshi_account, path: "${db}" }
models:
  - { type: kalshi_pnl, categories: [)" + names + R"(] }
)");
  const auto run = cli({"run", dir_.file("by-exchange-category.yaml")});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;

  const auto truth = sim_->truth();
  ASSERT_GE(truth->getObject("counts")->getValue<int>("fills"), 10000);
  // Truth per category: cash P&L plus its open positions at the mark = realized + unrealized.
  std::map<std::string, Decimal> expected_total, expected_fees;
  const auto markets = truth->getObject("markets");
  for (const auto& ticker : markets->getNames()) {
    const auto market = markets->getObject(ticker);
    const std::string category = market->getValue<std::string>("category");
    expected_total[category] += decimal(market->getValue<std::string>("cash_pnl_dollars")) +
                                decimal(market->getValue<std::string>("position_value_dollars"));
    expected_fees[category] += decimal(market->getValue<std::string>("fees_dollars"));
  }
  const auto truth_categories = truth->getObject("categories");
  int compared = 0;
  sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
  sqlite::Statement rows(
      database.handle(),
      "SELECT category, realized_pnl_dollars, unrealized_pnl_dollars, fees_dollars, fees_cents "
      "FROM kalshi_snapshot_pnl WHERE snapshot_id = (SELECT max(id) FROM kalshi_snapshots)");
  while (rows.step()) {
    const std::string category = rows.columnText(0);
    const Decimal total = decimal(rows.columnText(1)) + decimal(rows.columnText(2));
    EXPECT_EQ(total, expected_total[category]) << category << ": ours " << total.toString()
                                               << ", truth " << expected_total[category].toString();
    EXPECT_EQ(decimal(rows.columnText(3)), expected_fees[category]) << category;
    if (truth_categories->has(category)) {
      EXPECT_EQ(rows.columnInt(4),
                truth_categories->getObject(category)->getValue<int64_t>("fees_cents"))
          << category;
      ++compared;
    } else {
      EXPECT_TRUE(expected_total[category].isZero()) << category;
    }
  }
  EXPECT_GE(compared, 6);

  const auto report = cli({"report", "--db", db()});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("Climate and Weather"));
  EXPECT_THAT(report.out, HasSubstr("TOTAL"));
}

}  // namespace
}  // namespace kalshi_direct

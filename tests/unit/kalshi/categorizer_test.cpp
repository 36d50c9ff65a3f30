#include "categorizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi/row_writer.h"
#include "kalshi/tables.h"
#include "kalshi_direct/engine/pipeline_spec.h"
#include "kalshi_direct/engine/sqlite.h"
#include "mocks/mock_plugin.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace kalshi {
namespace {

using ::testing::HasSubstr;

std::vector<CategoryRule> rulesFrom(const std::string& yaml) {
  const auto spec = parsePipelineSpec(
      "source: {type: x}\nsinks: [{type: y}]\ntransforms:\n  - type: categorize_pnl\n    rules:\n" +
          yaml,
      "p.yaml", LoadOptions{});
  std::vector<CategoryRule> rules;
  const Status status = parseCategoryRules(*spec.transforms[0].options.find("rules"), rules);
  EXPECT_TRUE(status.isOk()) << status.message();
  return rules;
}

Status ruleError(const std::string& yaml) {
  const auto spec = parsePipelineSpec(
      "source: {type: x}\nsinks: [{type: y}]\ntransforms:\n  - type: categorize_pnl\n    rules:\n" +
          yaml,
      "p.yaml", LoadOptions{});
  std::vector<CategoryRule> rules;
  return parseCategoryRules(*spec.transforms[0].options.find("rules"), rules);
}

Record market(const std::string& ticker, const std::string& series, const std::string& category) {
  return Record{{"ticker", Value(ticker)},
                {"series_ticker", Value(series)},
                {"series_category", Value(category)}};
}

class CategorizerTest : public ::testing::Test {
 protected:
  Categorizer shipped_{
      rulesFrom(R"(      - { client_order_id_prefix: "mm-", category: market_making }
      - { series_category: "Climate and Weather", category: weather }
      - { series_category: Crypto, category: crypto }
      - { series_category: [Economics, Financials], category: econ }
)"),
      "other"};
  // The categories fills of `orders` (no client_order_id of their own) get in a run that read
  // none of those orders, with orders_db at `orders_db`: market-making and weather rules.
  std::vector<std::string> fillCategories(const std::string& orders_db,
                                          const std::vector<std::string>& orders) {
    Categorizer categorizer(
        rulesFrom(R"(      - { client_order_id_prefix: "mm-", category: market_making }
      - { series_category: "Climate and Weather", category: weather }
)"),
        "other", orders_db);
    ::testing::NiceMock<testing::MockStageContext> context;  // opens orders_db as the engine does
    EXPECT_TRUE(categorizer.open(context).isOk());
    learnMarkets(categorizer);
    Batch fills;
    fills.stream = "fills";
    for (const std::string& order : orders) {
      fills.records.push_back(
          Record{{"order_id", Value(order)}, {"ticker", Value("KXHIGHNY-26MAR01-T60")}});
    }
    testing::CollectingEmitter out;
    EXPECT_TRUE(categorizer.process(std::move(fills), out).isOk());
    std::vector<std::string> categories;
    for (const auto& batch : out.batches)
      for (const auto& record : batch.records)
        categories.push_back(record.get("category").asString());
    return categories;
  }
  void learnMarkets(Categorizer& categorizer) {
    categorizer.categorize("markets",
                           market("KXHIGHNY-26MAR01-T60", "KXHIGHNY", "Climate and Weather"));
    categorizer.categorize("markets", market("KXBTC15M-X", "KXBTC15M", "Crypto"));
    categorizer.categorize("markets", market("KXINXY-Y", "KXINXY", "Financials"));
    categorizer.categorize("markets", market("KXNBAGAME-Z", "KXNBAGAME", "Sports"));
  }
};

TEST_F(CategorizerTest, MapsExchangeCategoriesLikeTheShippedPipelines) {
  learnMarkets(shipped_);
  EXPECT_EQ(shipped_.categorize("fills", Record{{"ticker", Value("KXHIGHNY-26MAR01-T60")}}),
            "weather");
  EXPECT_EQ(shipped_.categorize("fills", Record{{"ticker", Value("KXBTC15M-X")}}), "crypto");
  EXPECT_EQ(shipped_.categorize("settlements", Record{{"ticker", Value("KXINXY-Y")}}), "econ");
  EXPECT_EQ(shipped_.categorize("positions", Record{{"ticker", Value("KXNBAGAME-Z")}}), "other");
  EXPECT_EQ(shipped_.categorize("fills", Record{{"ticker", Value("UNKNOWN-MARKET")}}), "other");
  // The market itself gets the rules' category too (stored in kalshi_markets.category).
  EXPECT_EQ(
      shipped_.categorize("markets", market("KXHIGHCHI-A", "KXHIGHCHI", "climate and weather")),
      "weather");
}

TEST_F(CategorizerTest, FillsInheritTheirOrdersClientOrderIdAndTheFirstMatchingRuleWins) {
  learnMarkets(shipped_);
  EXPECT_EQ(shipped_.categorize("orders", Record{{"id", Value("o-1")},
                                                 {"ticker", Value("KXHIGHNY-26MAR01-T60")},
                                                 {"client_order_id", Value("mm-quote-17")}}),
            "market_making");  // rule 1 comes before the weather rule
  EXPECT_EQ(shipped_.categorize("orders", Record{{"id", Value("o-2")},
                                                 {"ticker", Value("KXHIGHNY-26MAR01-T60")},
                                                 {"client_order_id", Value("manual-3")}}),
            "weather");
  EXPECT_EQ(shipped_.categorize("fills", Record{{"order_id", Value("o-1")},
                                                {"ticker", Value("KXHIGHNY-26MAR01-T60")}}),
            "market_making");
  EXPECT_EQ(shipped_.categorize("fills", Record{{"order_id", Value("o-2")},
                                                {"ticker", Value("KXHIGHNY-26MAR01-T60")}}),
            "weather");
}

// The run remembers each order's client_order_id mask in a byte among the run's distinct masks;
// past 254 of them, in an exact side list. Nine rules, rule i matching client ids whose character
// i is '1': the 512 ids of nine binary digits give 511 distinct masks, and each fill gets the
// category of its order's first '1'.
TEST_F(CategorizerTest, FillsKeepTheirOrdersMaskWhenTheRunHasHundredsOfDistinctMasks) {
  std::string yaml;
  for (int rule = 0; rule < 9; ++rule) {
    yaml += "      - { client_order_id_prefix: [";
    for (int head = 0; head < (1 << rule); ++head) {
      std::string prefix;
      for (int bit = rule - 1; bit >= 0; --bit) prefix += ((head >> bit) & 1) ? '1' : '0';
      yaml += (head ? ", \"" : "\"") + prefix + "1\"";
    }
    yaml += "], category: c" + std::to_string(rule) + " }\n";
  }
  Categorizer categorizer(rulesFrom(yaml), "none");
  auto clientId = [](int pattern) {
    std::string id;
    for (int bit = 0; bit < 9; ++bit) id += ((pattern >> bit) & 1) ? '1' : '0';
    return id + "-q";
  };
  auto expected = [](int pattern) {
    for (int bit = 0; bit < 9; ++bit)
      if ((pattern >> bit) & 1) return "c" + std::to_string(bit);
    return std::string("none");
  };
  for (int i = 0; i < 512; ++i) {
    const int pattern = (i * 167) % 512;  // not in mask order
    ASSERT_EQ(
        categorizer.categorize("orders", Record{{"id", Value("o-" + std::to_string(pattern))},
                                                {"client_order_id", Value(clientId(pattern))}}),
        expected(pattern));
  }
  for (int pattern = 0; pattern < 512; ++pattern) {
    EXPECT_EQ(categorizer.categorize("fills",
                                     Record{{"order_id", Value("o-" + std::to_string(pattern))}}),
              expected(pattern))
        << clientId(pattern);
  }
}

// Real responses sometimes leave client_order_id out: an order read once without it and once with
// it is the market maker's, whichever came first.
TEST_F(CategorizerTest, AnOrderReadOnceWithoutItsClientOrderIdKeepsItsMask) {
  learnMarkets(shipped_);
  const std::string ticker = "KXHIGHNY-26MAR01-T60";
  shipped_.categorize("orders", Record{{"id", Value("o-late")}, {"ticker", Value(ticker)}});
  shipped_.categorize("orders", Record{{"id", Value("o-late")},
                                       {"ticker", Value(ticker)},
                                       {"client_order_id", Value("mm-quote-1")}});
  shipped_.categorize("orders", Record{{"id", Value("o-early")},
                                       {"ticker", Value(ticker)},
                                       {"client_order_id", Value("mm-quote-2")}});
  shipped_.categorize("orders", Record{{"id", Value("o-early")}, {"ticker", Value(ticker)}});
  for (const char* order : {"o-late", "o-early"}) {
    EXPECT_EQ(
        shipped_.categorize("fills", Record{{"order_id", Value(order)}, {"ticker", Value(ticker)}}),
        "market_making")
        << order;
  }
}

TEST_F(CategorizerTest, TickerPatternsSeriesPrefixesAndMakerRules) {
  Categorizer categorizer(
      rulesFrom(R"(      - { maker: true, ticker_pattern: "KXBTC*", category: btc_making }
      - { series_prefix: [KXHIGH, KXRAIN], category: weather }
      - { ticker_pattern: ["KXBTC*", "KXETH*"], category: crypto }
)"),
      "other");
  learnMarkets(categorizer);
  EXPECT_EQ(categorizer.categorize(
                "fills", Record{{"ticker", Value("KXBTC15M-X")}, {"is_taker", Value(false)}}),
            "btc_making");
  EXPECT_EQ(categorizer.categorize(
                "fills", Record{{"ticker", Value("KXBTC15M-X")}, {"is_taker", Value(int64_t{1})}}),
            "crypto");
  EXPECT_EQ(categorizer.categorize("orders", Record{{"ticker", Value("KXBTC15M-X")}}),
            "crypto");  // orders are not maker
  EXPECT_EQ(categorizer.categorize("fills", Record{{"ticker", Value("KXHIGHNY-26MAR01-T60")}}),
            "weather");
  EXPECT_EQ(categorizer.categorize("fills", Record{{"ticker", Value("KXINXY-Y")}}), "other");
}

TEST_F(CategorizerTest, OrdersNotSeenInThisRunAreLookedUpInTheDatabase) {
  testing::TempDir dir;
  const std::string path = dir.file("k.db");
  {
    sqlite::Database database(path, sqlite::Database::Mode::kReadWriteCreate);
    sqlite::exec(database.handle(), ordersTable().create_sql);
    sqlite::exec(database.handle(),
                 "INSERT INTO kalshi_orders (id, ticker, side, contract_side, status, "
                 "client_order_id) VALUES "
                 "('old-mm', 'KXHIGHNY-26MAR01-T60', 'BUY', 'yes', 'resting', 'mm-7'),"
                 "('old-manual', 'KXHIGHNY-26MAR01-T60', 'BUY', 'yes', 'resting', 'me-1')");
  }
  EXPECT_THAT(fillCategories(path, {"old-mm", "old-manual", "never-seen"}),
              ::testing::ElementsAre("market_making", "weather", "weather"));
}

// A first backfill that stopped leaves its orders in the bulk load's staging table, not in
// kalshi_orders, until a run ends the load; the run that goes on with it reads their fills.
TEST_F(CategorizerTest, OrdersStagedByAFirstLoadThatStoppedAreFound) {
  testing::TempDir dir;
  const std::string path = dir.file("k.db");
  {
    sqlite::Database database(path, sqlite::Database::Mode::kReadWriteCreate);
    sqlite::exec(database.handle(), ordersTable().create_sql);
    std::string columns;
    for (const auto& column : ordersTable().columns)
      columns += (columns.empty() ? "" : ", ") + column;
    sqlite::exec(database.handle(),
                 "CREATE TABLE " + RowWriter::stagingTable(ordersTable()) + " (" + columns + ")");
    sqlite::exec(database.handle(),
                 "INSERT INTO " + RowWriter::stagingTable(ordersTable()) +
                     " (id, ticker, side, contract_side, status, client_order_id) VALUES "
                     "('staged-mm', 'KXHIGHNY-26MAR01-T60', 'BUY', 'yes', 'executed', 'mm-9'),"
                     "('staged-manual', 'KXHIGHNY-26MAR01-T60', 'BUY', 'yes', 'executed', 'me-2')");
  }
  EXPECT_THAT(fillCategories(path, {"staged-mm", "staged-manual"}),
              ::testing::ElementsAre("market_making", "weather"));
}

TEST(CategoryRulesTest, MistakesAreReportedAtTheirPlace) {
  EXPECT_THAT(
      ruleError("      - { series_categroy: Crypto, category: crypto }\n").message(),
      HasSubstr("p.yaml:6:11: transform 'categorize_pnl': unknown rule key 'series_categroy'"));
  EXPECT_THAT(ruleError("      - { series_category: Crypto }\n").message(),
              HasSubstr("p.yaml:6:9: transform 'categorize_pnl': the rule has no 'category'"));
  EXPECT_THAT(ruleError("      - { category: crypto }\n").message(),
              HasSubstr("the rule has no condition"));
  EXPECT_THAT(ruleError("      - { maker: sometimes, category: mm }\n").message(),
              HasSubstr("maker must be true or false"));
  EXPECT_THAT(ruleError("      - just a string\n").message(), HasSubstr("each rule must be a map"));
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

// The `local_db_fallback` source: the last known balance and positions read back from a real
// SQLite file with kalshi_live's field names and types, read-only next to a writer that holds
// BEGIN IMMEDIATE, and a clear failure when no sync ever succeeded.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi/tables.h"
#include "kalshi_direct/engine/sqlite.h"
#include "kalshi_direct/engine/stores.h"
#include "local_db_fallback_source.h"
#include "mocks/mock_plugin.h"
#include "unit/plugins/plugin_test_support.h"

namespace kalshi_direct {
namespace builtin {
Status register_source_local_db_fallback(PluginRegistrar& registrar);
}  // namespace builtin

namespace {

using sqlite::Database;
using ::testing::_;
using ::testing::HasSubstr;
using ::testing::NiceMock;
using testing::OptionsBuilder;
using ::testing::Return;
using ::testing::ReturnRef;
using testing::TempDir;

struct Rejected {
  std::string stream, raw, reason;
};

Timestamp at(const char* iso) {
  Timestamp t;
  EXPECT_TRUE(Timestamp::parse(iso, t)) << iso;
  return t;
}

class LocalDbFallbackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(builtin::register_source_local_db_fallback(registrar_).isOk());
    ASSERT_EQ(registrar_.sources.size(), 1u);
    factory_ = registrar_.sources[0].get();
    db_path_ = dir_.file("kalshi.db");
    ON_CALL(context_, batchSize()).WillByDefault(Return(100));
    ON_CALL(context_, committedState()).WillByDefault(ReturnRef(state_));
    ON_CALL(context_, reject(_, _, _))
        .WillByDefault(
            [this](const std::string& stream, const std::string& raw, const std::string& reason) {
              rejected_.push_back({stream, raw, reason});
            });
    ON_CALL(context_, log(_, _)).WillByDefault([this](LogLevel, const std::string& message) {
      logged_.push_back(message);
    });
  }

  // A database as earlier syncs leave it: the kalshi tables (DDL from plugins/kalshi/tables.h).
  std::unique_ptr<Database> createDatabase() {
    auto db = std::make_unique<Database>(db_path_, Database::Mode::kReadWriteCreate);
    for (const auto* table : {&kalshi::snapshotsTable(), &kalshi::snapshotPnlTable(),
                              &kalshi::positionsTable(), &kalshi::marketsTable()}) {
      db->exec(table->create_sql);
    }
    return db;
  }

  // Two live snapshots and a later fallback one (which only repeats the last live state), three
  // positions (YES, NO, flat) and their markets plus one unrelated market.
  void populate(Database& db) {
    db.exec(
        "INSERT INTO kalshi_snapshots (id, taken_at, source, balance_cents, portfolio_value_cents,"
        " open_positions, total_orders) VALUES"
        " (1, '2026-08-19T16:05:00Z', 'live', 100000, 2000, 1, 10),"
        " (2, '2026-08-20T16:05:00.250000Z', 'live', 123457, 5279, 2, 12),"
        " (3, '2026-08-20T17:05:00Z', 'fallback', 123457, 5279, 2, 12);"
        "INSERT INTO kalshi_positions (ticker, position_fp, total_traded_dollars, "
        "market_exposure_dollars,"
        " realized_pnl_dollars, fees_paid_dollars, last_updated_at, category, snapshot_id) VALUES"
        " ('KXBTCY-26DEC31-T125000', '26.00', '45.2075', '17.9100', '-0.3525', '5.3700',"
        "  '2026-08-20T15:59:01.123456Z', 'crypto', 2),"
        " ('KXGREENLAND-29-T2028', '-122.66', '80.0000', '37.181200', '9.8862', '11.9800',"
        "  '2026-08-20T12:00:00Z', 'other', 2),"
        " ('KXHIGHNY-26MAR01-T60', '0.00', '3.0000', '0.0000', '1.0000', NULL, NULL, 'weather', 2);"
        "INSERT INTO kalshi_markets (ticker, event_ticker, series_ticker, series_category, "
        "category, title,"
        " market_type, status, result, yes_bid_dollars, yes_ask_dollars, last_price_dollars, "
        "close_time) VALUES"
        " ('KXBTCY-26DEC31-T125000', 'KXBTCY-26DEC31', 'KXBTCY', 'Crypto', 'crypto', 'BTC above "
        "125k',"
        "  'binary', 'active', '', '0.6500', '0.6700', '0.6600', '2026-12-31T22:00:00Z'),"
        " ('KXNOTHELD-1', 'KXNOTHELD', 'KXNOTHELD', 'Other', 'other', NULL, 'binary', 'active', '',"
        "  NULL, NULL, '0.5000', NULL);");
  }

  SourcePtr create(OptionsBuilder options) {
    SourcePtr source;
    const Status status = factory_->create(options.build(), source);
    EXPECT_TRUE(status.isOk()) << status.message();
    return source;
  }

  std::vector<Batch> readAll(Source& source) {
    std::vector<Batch> batches;
    for (int guard = 0; guard < 1000; ++guard) {
      Batch batch;
      const Status status = source.read(batch);
      if (status.code() == StatusCode::kEndOfStream) return batches;
      EXPECT_TRUE(status.isOk()) << status.message();
      if (!status.isOk()) return batches;
      batches.push_back(std::move(batch));
    }
    ADD_FAILURE() << "no end of stream";
    return batches;
  }

  std::string noStateMessage() const {
    return "no last known state in " + db_path_ + ": run a successful sync first";
  }

  TempDir dir_;
  std::string db_path_;
  StateMap state_;
  std::vector<Rejected> rejected_;
  std::vector<std::string> logged_;
  NiceMock<testing::MockSourceContext> context_;
  testing::CapturingRegistrar registrar_;
  SourceFactory* factory_ = nullptr;
};

TEST_F(LocalDbFallbackTest, FactoryDescribesItsOptionsAndStreams) {
  testing::expectDocumentedOptions(*factory_);
  EXPECT_EQ(factory_->name(), "local_db_fallback");
  EXPECT_EQ(factory_->streams(OptionsBuilder().set("path", "x.db").build()),
            (std::vector<std::string>{"balance", "positions"}));
  // Listed in any order: produced in kalshi_live's order, markets ahead of positions.
  EXPECT_EQ(
      factory_->streams(
          OptionsBuilder().set("path", "x.db").list("streams", {"positions", "markets"}).build()),
      (std::vector<std::string>{"markets", "positions"}));
}

TEST_F(LocalDbFallbackTest, RejectsBadOptionsWithTheirLocation) {
  // Checked by the engine from the declared options, before create().
  const std::string label = "source 'local_db_fallback'";
  EXPECT_EQ(OptionsBuilder()
                .set("path", "x.db")
                .list("streams", {"balance", "orders"})
                .engineCheck(*factory_, label),
            OptionsBuilder::at(4, 21) + ": " + label +
                ": option 'streams': unknown value 'orders' (valid: balance, positions, markets)");
  EXPECT_EQ(OptionsBuilder().set("path", "").engineCheck(*factory_, label),
            OptionsBuilder::at(3, 11) + ": " + label + ": option 'path' must not be empty");
  EXPECT_THAT(
      OptionsBuilder().set("path", "x.db").list("streams", {}).engineCheck(*factory_, label),
      HasSubstr("option 'streams' must list at least one value"));
}

TEST_F(LocalDbFallbackTest, MissingDatabaseMeansNoLastKnownState) {
  SourcePtr source = create(OptionsBuilder().set("path", db_path_));
  const Status status = source->open(context_);
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_EQ(status.message(), noStateMessage());
  EXPECT_FALSE(testing::fileExists(db_path_)) << "a read-only fallback must not create the file";
}

TEST_F(LocalDbFallbackTest, MissingTablesOrNoSnapshotMeanNoLastKnownState) {
  { Database empty(db_path_, Database::Mode::kReadWriteCreate); }
  SourcePtr source = create(OptionsBuilder().set("path", db_path_));
  Status status = source->open(context_);
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_EQ(status.message(), noStateMessage());

  createDatabase();  // tables, but no snapshot yet
  source = create(OptionsBuilder().set("path", db_path_));
  status = source->open(context_);
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_EQ(status.message(), noStateMessage());

  // Positions alone need only their table: an empty table is a known (flat) state.
  source = create(OptionsBuilder().set("path", db_path_).list("streams", {"positions"}));
  ASSERT_TRUE(source->open(context_).isOk());
  EXPECT_TRUE(readAll(*source).empty());
}

TEST_F(LocalDbFallbackTest, AFileThatIsNotADatabaseFailsWithTheReason) {
  testing::writeFile(db_path_,
                     "this is not a SQLite database, not even close................................"
                     "...............................................................");
  SourcePtr source = create(OptionsBuilder().set("path", db_path_));
  const Status status = source->open(context_);
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_THAT(status.message(), HasSubstr("cannot read the last known state from " + db_path_));
}

TEST_F(LocalDbFallbackTest, BalanceComesFromTheLatestLiveSnapshotWithLiveFieldNames) {
  populate(*createDatabase());
  SourcePtr source = create(OptionsBuilder().set("path", db_path_).list("streams", {"balance"}));
  ASSERT_TRUE(source->open(context_).isOk());
  const auto batches = readAll(*source);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].stream, "balance");
  ASSERT_EQ(batches[0].records.size(), 1u);
  // Snapshot #3 is a fallback row: it only repeats #2, whose taken_at dates the data.
  EXPECT_EQ(batches[0].records[0], (Record{{"balance", int64_t{123457}},
                                           {"balance_dollars", Decimal(123457, 2)},
                                           {"portfolio_value", int64_t{5279}},
                                           {"updated_ts", at("2026-08-20T16:05:00Z").unixSeconds()},
                                           {"snapshot_source", "fallback"}}));
  EXPECT_EQ(batches[0].records[0].get("balance_dollars").asDecimal().toString(), "1234.57");
  ASSERT_FALSE(logged_.empty());
  EXPECT_THAT(logged_.back(), HasSubstr("snapshot #2 taken at 2026-08-20T16:05:00.250000Z (live)"));
}

TEST_F(LocalDbFallbackTest, OnlyFallbackSnapshotsStillServeTheLatestOne) {
  auto db = createDatabase();
  db->exec(
      "INSERT INTO kalshi_snapshots (taken_at, source, balance_cents, portfolio_value_cents) VALUES"
      " ('2026-08-20T17:05:00Z', 'fallback', 500, NULL)");
  SourcePtr source = create(OptionsBuilder().set("path", db_path_).list("streams", {"balance"}));
  ASSERT_TRUE(source->open(context_).isOk());
  const auto batches = readAll(*source);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].records[0], (Record{{"balance", int64_t{500}},
                                           {"balance_dollars", Decimal(500, 2)},
                                           {"portfolio_value", nullptr},
                                           {"updated_ts", at("2026-08-20T17:05:00Z").unixSeconds()},
                                           {"snapshot_source", "fallback"}}));
}

TEST_F(LocalDbFallbackTest, PositionsComeBackWithLiveNamesAndExactTypes) {
  populate(*createDatabase());
  SourcePtr source = create(OptionsBuilder().set("path", db_path_));
  ASSERT_TRUE(source->open(context_).isOk());
  const auto batches = readAll(*source);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].stream, "balance");
  EXPECT_EQ(batches[1].stream, "positions");
  const auto& positions = batches[1].records;
  ASSERT_EQ(positions.size(), 3u);  // every row, the flat one too (as the API's positions list)
  EXPECT_EQ(positions[0], (Record{{"ticker", "KXBTCY-26DEC31-T125000"},
                                  {"position_fp", Decimal(2600, 2)},
                                  {"total_traded_dollars", Decimal(452075, 4)},
                                  {"market_exposure_dollars", Decimal(179100, 4)},
                                  {"realized_pnl_dollars", Decimal(-3525, 4)},
                                  {"fees_paid_dollars", Decimal(53700, 4)},
                                  {"last_updated_ts", at("2026-08-20T15:59:01.123456Z")},
                                  {"subaccount_number", int64_t{0}}}));
  EXPECT_EQ(positions[1].get("ticker"), Value("KXGREENLAND-29-T2028"));
  EXPECT_EQ(positions[1].get("position_fp").asDecimal().toString(), "-122.66");  // exact, signed
  EXPECT_EQ(positions[1].get("market_exposure_dollars").asDecimal().toString(), "37.181200");
  EXPECT_EQ(positions[2].get("position_fp").asDecimal(), Decimal());
  EXPECT_TRUE(positions[2].get("fees_paid_dollars").isNull());
  EXPECT_TRUE(positions[2].get("last_updated_ts").isNull());
  EXPECT_TRUE(rejected_.empty());
}

TEST_F(LocalDbFallbackTest, MarketsOfHeldTickersComeBeforePositionsWhenAskedFor) {
  populate(*createDatabase());
  SourcePtr source = create(
      OptionsBuilder().set("path", db_path_).list("streams", {"positions", "markets", "balance"}));
  ASSERT_TRUE(source->open(context_).isOk());
  const auto batches = readAll(*source);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].stream, "balance");
  EXPECT_EQ(batches[1].stream, "markets");
  EXPECT_EQ(batches[2].stream, "positions");
  ASSERT_EQ(batches[1].records.size(), 1u);  // KXNOTHELD-1 is not a position
  const Record& market = batches[1].records[0];
  EXPECT_EQ(market.get("ticker"), Value("KXBTCY-26DEC31-T125000"));
  EXPECT_EQ(market.get("series_category"), Value("Crypto"));
  EXPECT_EQ(market.get("last_price_dollars"), Value(Decimal(6600, 4)));
  EXPECT_EQ(market.get("close_time"), Value(at("2026-12-31T22:00:00Z")));
  EXPECT_EQ(market.get("result"), Value(""));
}

TEST_F(LocalDbFallbackTest, BatchesHoldAtMostTheBatchSize) {
  auto db = createDatabase();
  populate(*db);
  db->exec(
      "INSERT INTO kalshi_positions (ticker, position_fp) VALUES ('A', '1.00'), ('B', '2.00')");
  ON_CALL(context_, batchSize()).WillByDefault(Return(2));
  SourcePtr source = create(OptionsBuilder().set("path", db_path_));
  ASSERT_TRUE(source->open(context_).isOk());
  const auto batches = readAll(*source);
  ASSERT_EQ(batches.size(), 4u);
  EXPECT_EQ(batches[0].size(), 1u);  // balance
  EXPECT_EQ(batches[1].size(), 2u);
  EXPECT_EQ(batches[2].size(), 2u);
  EXPECT_EQ(batches[3].size(), 1u);
  EXPECT_EQ(batches[1].records[0].get("ticker"), Value("A"));  // by ticker
}

TEST_F(LocalDbFallbackTest, CorruptRowsAreRejectedAndTheRestServed) {
  auto db = createDatabase();
  populate(*db);
  db->exec(
      "INSERT INTO kalshi_positions (ticker, position_fp, market_exposure_dollars) VALUES"
      " ('BAD-1', 'lots', '1.00'), ('BAD-2', '1.00', '1,00')");
  SourcePtr source = create(OptionsBuilder().set("path", db_path_).list("streams", {"positions"}));
  ASSERT_TRUE(source->open(context_).isOk());
  const auto batches = readAll(*source);
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].size(), 3u);
  ASSERT_EQ(rejected_.size(), 2u);
  EXPECT_EQ(rejected_[0].stream, "positions");
  EXPECT_THAT(rejected_[0].raw, HasSubstr("\"ticker\":\"BAD-1\""));
  EXPECT_EQ(rejected_[0].reason,
            "positions: row of the local database: position_fp 'lots' is not an exact decimal");
  EXPECT_THAT(rejected_[1].reason,
              HasSubstr("market_exposure_dollars '1,00' is not an exact decimal"));
}

TEST_F(LocalDbFallbackTest, ReadsTheCommittedStateWhileTheRunnerHoldsAWriteTransaction) {
  auto writer = createDatabase();  // WAL, like the engine's connection
  populate(*writer);
  // The runner's connection: BEGIN IMMEDIATE, then this run's (uncommitted) rows.
  writer->exec("BEGIN IMMEDIATE");
  writer->exec(
      "INSERT INTO kalshi_snapshots (taken_at, source, balance_cents) VALUES"
      " ('2026-08-21T00:00:00Z', 'live', 1)");
  writer->exec("UPDATE kalshi_positions SET position_fp = '999.00'");

  SourcePtr source = create(OptionsBuilder().set("path", db_path_));
  ASSERT_TRUE(source->open(context_).isOk());
  const auto batches = readAll(*source);
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].records[0].get("balance"), Value(int64_t{123457}));
  EXPECT_EQ(batches[1].records[0].get("position_fp"), Value(Decimal(2600, 2)));
  // The reader is gone by now: the runner's commit is not blocked.
  EXPECT_NO_THROW(writer->exec("COMMIT"));
  EXPECT_EQ(source->close().code(), StatusCode::kOk);
}

TEST_F(LocalDbFallbackTest, ANewDatabaseTheRunnerHasNotCommittedYetHasNoState) {
  // First run ever: the runner created the file and the tables inside its open transaction.
  Database writer(db_path_, Database::Mode::kReadWriteCreate);
  writer.exec("BEGIN IMMEDIATE");
  for (const auto* table : {&kalshi::snapshotsTable(), &kalshi::positionsTable()})
    writer.exec(table->create_sql);
  SourcePtr source = create(OptionsBuilder().set("path", db_path_));
  const Status status = source->open(context_);
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_EQ(status.message(), noStateMessage());
  EXPECT_NO_THROW(writer.exec("COMMIT"));
}

TEST_F(LocalDbFallbackTest, ReadLastKnownStateIsUsableWithoutASource) {
  populate(*createDatabase());
  plugins::LastKnownState state;
  StorePtr store = openStore(db_path_, Store::Mode::kReadOnly);
  ASSERT_TRUE(
      plugins::readLastKnownState(store.get(), db_path_, {"balance", "positions"}, state).isOk());
  ASSERT_TRUE(state.snapshot.has_value());
  EXPECT_EQ(state.snapshot->id, 2);
  EXPECT_EQ(state.snapshot->taken_at, "2026-08-20T16:05:00.250000Z");
  EXPECT_EQ(state.positions.size(), 3u);
  EXPECT_TRUE(state.markets.empty());
}

}  // namespace
}  // namespace kalshi_direct

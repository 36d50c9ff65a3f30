// The `sqlite_table` sink against a real SQLite file: the test plays the engine (it opens the
// connection, BEGINs, hands it over through SinkContext::store(), COMMITs) and checks the rows
// with a fresh connection.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "kalshi_direct/engine/sqlite.h"
#include "kalshi_direct/engine/stores.h"
#include "mocks/mock_plugin.h"
#include "sqlite_table_sink.h"
#include "unit/plugins/plugin_test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::NiceMock;
using testing::OptionsBuilder;
using ::testing::Return;
using testing::TempDir;

class SqliteTableSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(builtin::register_sink_sqlite_table(registrar_).isOk());
    ASSERT_EQ(registrar_.sinks.size(), 1u);
    factory_ = registrar_.sinks[0].get();
    path_ = dir_.file("test.db");
    db_ = openStore(path_, Store::Mode::kReadWriteCreate);
    ON_CALL(context_, store()).WillByDefault(Return(db_.get()));
  }

  // The options most tests use: fills keyed by id.
  OptionsBuilder fillOptions(bool with_key = true) const {
    OptionsBuilder options;
    options.set("path", path_)
        .set("table", "fills")
        .map("columns", {{"id", "text"},
                         {"count", "integer"},
                         {"price", "decimal"},
                         {"created", "timestamp"},
                         {"is_taker", "bool"},
                         {"ratio", "real"}});
    if (with_key) options.list("key", {"id"});
    return options;
  }

  SinkPtr create(const OptionsBuilder& options) {
    SinkPtr sink;
    const Status status = factory_->create(options.build(), sink);
    EXPECT_TRUE(status.isOk()) << status.message();
    return sink;
  }

  Status createStatus(const OptionsBuilder& options) {
    SinkPtr sink;
    return factory_->create(options.build(), sink);
  }

  // Rows of `sql` from a fresh connection, each as "a|b|c" with typeof() where asked for.
  std::vector<std::string> rows(const std::string& sql) const {
    sqlite::Database reader(path_, sqlite::Database::Mode::kReadOnly);
    sqlite::Statement statement(reader.handle(), sql);
    std::vector<std::string> result;
    while (statement.step()) {
      std::string row;
      for (int i = 0; i < statement.columnCount(); ++i) {
        if (i > 0) row += "|";
        row += statement.columnIsNull(i) ? "NULL" : statement.columnText(i);
      }
      result.push_back(row);
    }
    return result;
  }

  static Batch batch(std::vector<Record> records) { return Batch{"fills", std::move(records)}; }

  TempDir dir_;
  std::string path_;
  StorePtr db_;
  NiceMock<testing::MockSinkContext> context_;
  testing::CapturingRegistrar registrar_;
  SinkFactory* factory_ = nullptr;
};

TEST_F(SqliteTableSinkTest, CreatesTheTableAndStoresEachTypeAsDeclared) {
  SinkPtr sink = create(fillOptions());
  EXPECT_EQ(sink->storeLocation(), path_);
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());
  Timestamp created;
  ASSERT_TRUE(Timestamp::parse("2026-03-01T09:03:22.123456-05:00", created));
  const WriteResult result = sink->write(batch({
      Record{{"id", "f1"},
             {"count", int64_t{10}},
             {"price", Decimal(5600, 4)},
             {"created", created},
             {"is_taker", true},
             {"ratio", Decimal(25, 1)}},
      Record{{"id", "f2"},
             {"count", "7"},
             {"price", "0.10"},
             {"created", "2026-03-01T14:00:00Z"},
             {"is_taker", "no"},
             {"ratio", int64_t{3}},
             {"ignored", "x"}},
      Record{{"id", "f3"}},
  }));
  ASSERT_TRUE(result.status.isOk()) << result.status.message();
  EXPECT_TRUE(result.rejected.empty());
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("COMMIT");

  EXPECT_EQ(rows("SELECT id, count, typeof(count), price, typeof(price), created, is_taker, "
                 "ratio FROM fills ORDER BY id"),
            (std::vector<std::string>{
                "f1|10|integer|0.5600|text|2026-03-01T14:03:22.123456Z|1|2.5",
                "f2|7|integer|0.10|text|2026-03-01T14:00:00Z|0|3.0",
                "f3|NULL|null|NULL|null|NULL|NULL|NULL",
            }));
  EXPECT_EQ(
      rows("SELECT sql FROM sqlite_master WHERE name = 'fills'"),
      std::vector<std::string>{
          "CREATE TABLE \"fills\" (\"id\" TEXT, \"count\" INTEGER, \"price\" TEXT, \"created\" "
          "TEXT, \"is_taker\" INTEGER, \"ratio\" REAL, PRIMARY KEY (\"id\"))"});
}

TEST_F(SqliteTableSinkTest, UpsertUpdatesTheRowWithTheSameKeyInsteadOfDuplicatingIt) {
  SinkPtr sink = create(fillOptions());
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "f1"}, {"count", 1}, {"price", Decimal(5, 1)}},
                                 Record{{"id", "f2"}, {"count", 2}}}))
                  .status.isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "f1"}, {"count", 5}, {"price", Decimal(75, 2)}}}))
                  .status.isOk());
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("COMMIT");

  // A second run replays f2 with new values: still one row per id.
  SinkPtr replay = create(fillOptions());
  db_->exec("BEGIN");
  ASSERT_TRUE(replay->open(context_).isOk());
  ASSERT_TRUE(replay->write(batch({Record{{"id", "f2"}, {"count", 20}}})).status.isOk());
  ASSERT_TRUE(replay->close().isOk());
  db_->exec("COMMIT");

  EXPECT_EQ(rows("SELECT id, count, price FROM fills ORDER BY id"),
            (std::vector<std::string>{"f1|5|0.75", "f2|20|NULL"}));
}

TEST_F(SqliteTableSinkTest, ABadValueRejectsOnlyItsRecord) {
  SinkPtr sink = create(fillOptions());
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());
  const WriteResult result = sink->write(batch({
      Record{{"id", "f1"}, {"count", 1}},
      Record{{"id", "f2"}, {"count", "abc"}},
      Record{{"id", "f3"}, {"price", "1e5"}},
      Record{{"id", "f4"}, {"count", Decimal(150, 2)}},
      Record{{"count", 9}},
      Record{{"id", "f6"}, {"count", 6}},
  }));
  ASSERT_TRUE(result.status.isOk()) << result.status.message();
  ASSERT_EQ(result.rejected.size(), 4u);
  EXPECT_EQ(result.rejected[0].index, 1u);
  EXPECT_EQ(result.rejected[0].reason, "column 'count': cannot store string 'abc' as integer");
  EXPECT_EQ(result.rejected[1].index, 2u);
  EXPECT_THAT(result.rejected[1].reason, HasSubstr("column 'price'"));
  EXPECT_EQ(result.rejected[2].index, 3u);
  EXPECT_THAT(result.rejected[2].reason, HasSubstr("'1.50' as integer"));
  EXPECT_EQ(result.rejected[3].index, 4u);
  EXPECT_EQ(result.rejected[3].reason, "key column 'id' is missing or null");
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("COMMIT");
  EXPECT_EQ(rows("SELECT id, count FROM fills ORDER BY id"),
            (std::vector<std::string>{"f1|1", "f6|6"}));
}

TEST_F(SqliteTableSinkTest, InsertModeRejectsADuplicateKeyAndKeepsTheFirstRow) {
  SinkPtr sink = create(fillOptions().set("mode", "insert"));
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());
  const WriteResult result =
      sink->write(batch({Record{{"id", "f1"}, {"count", 1}}, Record{{"id", "f1"}, {"count", 2}},
                         Record{{"id", "f2"}, {"count", 3}}}));
  ASSERT_TRUE(result.status.isOk());
  ASSERT_EQ(result.rejected.size(), 1u);
  EXPECT_EQ(result.rejected[0].index, 1u);
  EXPECT_THAT(result.rejected[0].reason, HasSubstr("UNIQUE constraint failed"));
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("COMMIT");
  EXPECT_EQ(rows("SELECT id, count FROM fills ORDER BY id"),
            (std::vector<std::string>{"f1|1", "f2|3"}));
}

TEST_F(SqliteTableSinkTest, InsertWithoutKeyAppendsEveryRecord) {
  SinkPtr sink = create(fillOptions(/*with_key=*/false));
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "f1"}}, Record{{"id", "f1"}}})).status.isOk());
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("COMMIT");
  EXPECT_EQ(rows("SELECT count(*) FROM fills"), std::vector<std::string>{"2"});
}

TEST_F(SqliteTableSinkTest, ValuesAreBoundNeverSpliced) {
  SinkPtr sink = create(fillOptions());
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());
  const std::string hostile = "x'); DROP TABLE fills; --";
  ASSERT_TRUE(sink->write(batch({Record{{"id", hostile}}})).status.isOk());
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("COMMIT");
  EXPECT_EQ(rows("SELECT id FROM fills"), std::vector<std::string>{hostile});
}

TEST_F(SqliteTableSinkTest, ReturnsRetryAndWritesNothingWhileAnotherConnectionHoldsTheWriteLock) {
  SinkPtr sink = create(fillOptions());
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());  // creates the table
  db_->exec("COMMIT");
  sqlite3_busy_timeout(static_cast<SqliteStore&>(*db_).database().handle(),
                       20);  // the engine's retry does the waiting, not SQLite

  sqlite::Database other(path_, sqlite::Database::Mode::kReadWrite);
  other.exec("BEGIN IMMEDIATE");
  db_->exec("BEGIN");
  const WriteResult busy =
      sink->write(batch({Record{{"id", "f1"}, {"count", 1}}, Record{{"id", "f2"}, {"count", 2}}}));
  EXPECT_EQ(busy.status.code(), StatusCode::kRetry) << busy.status.message();
  EXPECT_TRUE(busy.rejected.empty());
  EXPECT_TRUE(db_->inTransaction());  // the engine's transaction survives
  other.exec("ROLLBACK");

  const WriteResult retried =
      sink->write(batch({Record{{"id", "f1"}, {"count", 1}}, Record{{"id", "f2"}, {"count", 2}}}));
  ASSERT_TRUE(retried.status.isOk()) << retried.status.message();
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("COMMIT");
  EXPECT_EQ(rows("SELECT id, count FROM fills ORDER BY id"),
            (std::vector<std::string>{"f1|1", "f2|2"}));
}

TEST_F(SqliteTableSinkTest, EngineRollbackUndoesTheTableAndRows) {
  SinkPtr sink = create(fillOptions());
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "f1"}}})).status.isOk());
  sink->rollback();
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("ROLLBACK");  // dry run
  EXPECT_TRUE(rows("SELECT name FROM sqlite_master WHERE name = 'fills'").empty());
}

TEST_F(SqliteTableSinkTest, AnExistingTableWithoutADeclaredColumnFailsClearly) {
  db_->exec("CREATE TABLE fills (id TEXT PRIMARY KEY, count INTEGER)");
  SinkPtr sink = create(fillOptions());
  db_->exec("BEGIN");
  const Status status = sink->open(context_);
  db_->exec("ROLLBACK");
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_THAT(status.message(),
              HasSubstr("table 'fills' already exists in '" + path_ +
                        "' without the column(s) price, created, is_taker, ratio"));
}

TEST_F(SqliteTableSinkTest, AnExistingTableWithMatchingColumnsIsUsed) {
  db_->exec("CREATE TABLE fills (ID TEXT PRIMARY KEY, Count INTEGER, extra TEXT DEFAULT 'e')");
  SinkPtr sink = create(OptionsBuilder()
                            .set("path", path_)
                            .set("table", "fills")
                            .map("columns", {{"id", "text"}, {"count", "integer"}})
                            .list("key", {"id"}));
  db_->exec("BEGIN");
  ASSERT_TRUE(sink->open(context_).isOk());
  ASSERT_TRUE(sink->write(batch({Record{{"id", "f1"}, {"count", 4}}})).status.isOk());
  ASSERT_TRUE(sink->close().isOk());
  db_->exec("COMMIT");
  EXPECT_EQ(rows("SELECT id, count, extra FROM fills"), std::vector<std::string>{"f1|4|e"});
}

TEST_F(SqliteTableSinkTest, UpsertIntoAnExistingTableWithoutThatKeyFailsClearly) {
  db_->exec("CREATE TABLE fills (id TEXT, count INTEGER)");
  SinkPtr sink = create(OptionsBuilder()
                            .set("path", path_)
                            .set("table", "fills")
                            .map("columns", {{"id", "text"}, {"count", "integer"}})
                            .list("key", {"id"}));
  db_->exec("BEGIN");
  const Status status = sink->open(context_);
  db_->exec("ROLLBACK");
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_THAT(status.message(), HasSubstr("no PRIMARY KEY or UNIQUE index on (id)"));
}

TEST(SqliteTableSinkValueTest, ConvertsValuesForEachColumnType) {
  using plugins::ColumnValue;
  using plugins::SqliteColumnType;
  ColumnValue out;
  std::string reason;
  EXPECT_TRUE(plugins::convertForColumn(Value("12"), SqliteColumnType::kInteger, out, reason));
  EXPECT_EQ(out.integer, 12);
  EXPECT_TRUE(plugins::convertForColumn(Value("10.00"), SqliteColumnType::kInteger, out, reason));
  EXPECT_EQ(out.integer, 10);
  EXPECT_FALSE(
      plugins::convertForColumn(Value(Timestamp()), SqliteColumnType::kInteger, out, reason));
  EXPECT_TRUE(
      plugins::convertForColumn(Value(int64_t{42}), SqliteColumnType::kDecimal, out, reason));
  EXPECT_EQ(out.text, "42");
  EXPECT_TRUE(plugins::convertForColumn(Value("+3.250"), SqliteColumnType::kDecimal, out, reason));
  EXPECT_EQ(out.text, "3.250");
  EXPECT_FALSE(plugins::convertForColumn(Value(true), SqliteColumnType::kDecimal, out, reason));
  EXPECT_FALSE(
      plugins::convertForColumn(Value("yesterday"), SqliteColumnType::kTimestamp, out, reason));
  EXPECT_EQ(reason, "cannot store string 'yesterday' as timestamp");
  EXPECT_FALSE(plugins::convertForColumn(Value(int64_t{2}), SqliteColumnType::kBool, out, reason));
  EXPECT_FALSE(plugins::convertForColumn(Value("nan"), SqliteColumnType::kReal, out, reason));
  EXPECT_TRUE(plugins::convertForColumn(Value("-1.5e3"), SqliteColumnType::kReal, out, reason));
  EXPECT_EQ(out.real, -1500.0);
  EXPECT_TRUE(plugins::convertForColumn(Value(), SqliteColumnType::kInteger, out, reason));
  EXPECT_EQ(out.kind, ColumnValue::Kind::kNull);
}

TEST_F(SqliteTableSinkTest, FactoryDocumentsItsOptions) {
  EXPECT_EQ(factory_->name(), "sqlite_table");
  testing::expectDocumentedOptions(*factory_);
}

TEST_F(SqliteTableSinkTest, FactoryRejectsAnUnknownColumnTypeAtItsLocation) {
  // columns is option line 5; its entries are lines 6 and 7, types at column 12.
  const Status status = createStatus(OptionsBuilder()
                                         .set("path", path_)
                                         .set("table", "fills")
                                         .map("columns", {{"id", "text"}, {"count", "integr"}}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(status.message(), OptionsBuilder::at(7, 12) +
                                  ": sink 'sqlite_table': column type 'integr' is not one of "
                                  "text, integer, real, decimal, timestamp, bool");
}

TEST_F(SqliteTableSinkTest, FactoryRejectsBadIdentifiersKeysAndModes) {
  // A table name that is not an identifier: refused by the engine (declared pattern).
  EXPECT_EQ(OptionsBuilder()
                .set("path", path_)
                .set("table", "fills; DROP")
                .map("columns", {{"id", "text"}})
                .engineCheck(*factory_, "sinks[0] 'sqlite_table'"),
            OptionsBuilder::at(4, 11) +
                ": sinks[0] 'sqlite_table': option 'table' must be a table name: letters, digits "
                "and _, not starting with a digit, at most 64, not 'fills; DROP'");

  Status status;

  status = createStatus(
      OptionsBuilder().set("path", path_).set("table", "t").map("columns", {{"bad name", "text"}}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr(OptionsBuilder::at(6, 7) + ": sink 'sqlite_table': "
                                                                     "column name 'bad name'"));

  status = createStatus(OptionsBuilder()
                            .set("path", path_)
                            .set("table", "t")
                            .map("columns", {{"id", "text"}})
                            .list("key", {"fill_id"}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("key column 'fill_id' is not one of the columns (id)"));

  status = createStatus(OptionsBuilder()
                            .set("path", path_)
                            .set("table", "t")
                            .map("columns", {{"id", "text"}})
                            .set("mode", "upsert"));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("mode 'upsert' needs a key"));

  status = createStatus(OptionsBuilder().set("path", path_).set("table", "t").set("columns", "id"));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_THAT(status.message(), HasSubstr("must be a map of column -> type"));

  status = createStatus(OptionsBuilder()
                            .set("path", path_)
                            .set("table", "sqlite_stat1")
                            .map("columns", {{"id", "text"}}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
}

}  // namespace
}  // namespace kalshi_direct

// PackedRows and RowWriter: what lands in SQLite is what Statement::bind(Value) would have bound,
// rows come out sorted by key with later versions of one id winning, and the byte budget flushes.
#include "kalshi/packed_rows.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "kalshi/row_writer.h"
#include "kalshi/tables.h"
#include "kalshi_direct/engine/sqlite.h"
#include "kalshi_direct/engine/stores.h"

namespace kalshi_direct {
namespace kalshi {
namespace {

// Every column of a table "t (k, a, b)" as SQLite holds it: typeof and text.
std::vector<std::string> dump(sqlite3* db) {
  std::vector<std::string> rows;
  sqlite::Statement query(db, "SELECT k, typeof(a), a, typeof(b), b FROM t ORDER BY rowid");
  while (query.step()) {
    std::string row;
    for (int column = 0; column < 5; ++column) {
      row += (column ? "|" : "") +
             (query.columnIsNull(column) ? std::string("NULL") : query.columnText(column));
    }
    rows.push_back(row);
  }
  return rows;
}

class PackedRowsTest : public ::testing::Test {
 protected:
  void SetUp() override { sqlite::exec(db_.handle(), "CREATE TABLE t (k, a, b)"); }
  void insertAll(PackedRows& rows) {
    StoreStatementPtr insert = store_->prepare("INSERT INTO t VALUES (?, ?, ?)");
    for (size_t i = 0; i < rows.rows(); ++i) {
      rows.bind(i, *insert);
      insert->run();
    }
    insert->clearBindings();
  }
  StorePtr store_ = openStore(":memory:", Store::Mode::kReadWriteCreate);
  sqlite::Database& db_ = static_cast<SqliteStore&>(*store_).database();
};

TEST_F(PackedRowsTest, BindsWhatBindValueWould) {
  const std::vector<std::vector<Value>> input = {
      {Value("a"), Value(int64_t{-42}), Value(true)},
      {Value("b"), Value(Decimal(56, 4)), Value(Timestamp::fromMicros(1700000000123456))},
      {Value("c"), Value(), Value(std::string())},
      {Value("d"), Value(std::string("x\0y", 3)), Value(false)},
  };
  PackedRows packed(3, 0);
  for (const auto& row : input) {
    packed.beginRow();
    for (const auto& value : row) packed.add(value);
    packed.endRow();
  }
  insertAll(packed);

  sqlite::exec(db_.handle(), "CREATE TABLE expected AS SELECT * FROM t WHERE 0");
  StoreStatementPtr insert = store_->prepare("INSERT INTO expected VALUES (?, ?, ?)");
  for (const auto& row : input) {
    for (size_t i = 0; i < row.size(); ++i) insert->bind(static_cast<int>(i + 1), row[i]);
    insert->run();
  }
  sqlite::Statement differ(
      db_.handle(),
      "SELECT count(*) FROM (SELECT k, a, typeof(a), b, typeof(b), length(b) FROM t EXCEPT "
      "SELECT k, a, typeof(a), b, typeof(b), length(b) FROM expected)");
  ASSERT_TRUE(differ.step());
  EXPECT_EQ(differ.columnInt(0), 0);
  EXPECT_EQ(dump(db_.handle()),
            (std::vector<std::string>{
                "a|integer|-42|integer|1", "b|text|0.0056|text|2023-11-14T22:13:20.123456Z",
                "c|null|NULL|text|", std::string("d|text|x\0y|integer|0", 20)}));
}

TEST_F(PackedRowsTest, SortsByKeyStablyAndDropsAPartialRow) {
  PackedRows packed(3, 0);
  auto add = [&](const char* key, int64_t version) {
    packed.beginRow();
    packed.add(Value(key));
    packed.add(Value(version));
    packed.add(Value());
    packed.endRow();
  };
  add("m", 1);
  add("b", 1);
  add("m", 2);
  packed.beginRow();
  packed.add(Value("a"));
  packed.dropRow();  // e.g. a row found incomplete half way
  add("a", 1);
  packed.sortByKey();
  ASSERT_EQ(packed.rows(), 4u);
  EXPECT_EQ(packed.key(0), "a");
  EXPECT_EQ(packed.key(1), "b");
  insertAll(packed);
  EXPECT_EQ(dump(db_.handle()),
            (std::vector<std::string>{"a|integer|1|null|NULL", "b|integer|1|null|NULL",
                                      "m|integer|1|null|NULL", "m|integer|2|null|NULL"}));
}

TEST_F(PackedRowsTest, ARowWithTheWrongNumberOfColumnsIsAProgrammingError) {
  PackedRows packed(2, 0);
  packed.beginRow();
  packed.add(Value("only one"));
  EXPECT_THROW(packed.endRow(), std::logic_error);
  packed.dropRow();
  packed.beginRow();
  packed.add(Value(1));
  packed.add(Value(2));
  EXPECT_THROW(packed.add(Value(3)), std::logic_error);
}

TEST(RowWriterTest, LaterVersionOfAnIdWinsAndTheByteBudgetFlushesMidBatch) {
  StorePtr store = openStore(":memory:", Store::Mode::kReadWriteCreate);
  sqlite::Database& db = static_cast<SqliteStore&>(*store).database();
  RowWriter writer(marketsTable(), /*buffer_rows=*/1000000);
  writer.open(*store);
  // ~300 bytes a row: enough rows to pass the byte budget inside one batch.
  const size_t rows = RowWriter::kBufferBytes / 300 + 1000;
  Batch batch{"markets", {}};
  for (size_t i = 0; i < rows; ++i) {
    batch.records.push_back(Record{{"ticker", Value("T-" + std::to_string(i % (rows - 10)))},
                                   {"title", Value(std::string(260, 'x'))},
                                   {"status", Value("v" + std::to_string(i))}});
  }
  const WriteResult result = writer.add(batch);
  EXPECT_TRUE(result.rejected.empty());
  EXPECT_GT(writer.written(), 0u) << "the byte budget did not flush";
  EXPECT_LT(writer.written(), rows);
  writer.finish();
  EXPECT_EQ(writer.written(), rows);
  sqlite::Statement query(db.handle(), "SELECT count(*), max(status = 'v' || (" +
                                           std::to_string(rows - 10) +
                                           ")) FROM kalshi_markets WHERE ticker = 'T-0'");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.columnInt(0), 1);
  EXPECT_EQ(query.columnInt(1), 1) << "the second version of T-0 must win";
  sqlite::Statement count(db.handle(), "SELECT count(*) FROM kalshi_markets");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.columnInt(0), static_cast<int64_t>(rows - 10));
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

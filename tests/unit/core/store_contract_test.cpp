// The Store contract (kalshi_direct/store.h), one suite every store kind runs: add a kind to
// kStoreKinds and it must pass all of it. What a user relies on: rows and state commit together
// or not at all, a rollback leaves nothing, values keep their exact form, a busy store says
// "retry" and a bad row says so without losing the transaction, and errors never carry a value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/stores.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct StoreKind {
  const char* name;
  // A location for a new store in `dir`; the suite opens it as the engine does (openStore).
  std::function<std::string(const testing::TempDir& dir)> location;
};

const StoreKind kStoreKinds[] = {
    {"sqlite", [](const testing::TempDir& dir) { return dir.file("contract.db"); }},
};

void PrintTo(const StoreKind& kind, std::ostream* os) { *os << kind.name; }

class StoreContractTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    location_ = GetParam().location(dir_);
    store_ = openStore(location_, Store::Mode::kReadWriteCreate);
    store_->exec("CREATE TABLE rows (id TEXT PRIMARY KEY, amount TEXT NOT NULL, n INTEGER)");
  }
  // What another connection sees (a dashboard reading while the pipeline writes).
  int64_t countFromOutside(const std::string& sql = "SELECT count(*) FROM rows") {
    StorePtr reader = openStore(location_, Store::Mode::kReadOnly);
    StoreStatementPtr query = reader->prepare(sql);
    return query->step() ? query->columnInt(0) : -1;
  }
  void insert(const std::string& id, const Value& amount) {
    StoreStatementPtr statement =
        store_->prepare("INSERT INTO rows (id, amount, n) VALUES (?, ?, ?)");
    statement->bindText(1, id);
    statement->bind(2, amount);
    statement->bindInt(3, 1);
    statement->run();
  }

  testing::TempDir dir_;
  std::string location_;
  StorePtr store_;
};

TEST_P(StoreContractTest, RowsAndStateCommitTogether) {
  store_->begin();
  insert("a", Value(Decimal(5600, 4)));
  store_->writeState("pipeline", {{"cursor", "c-1"}, {"watermark", "2026-01-01T00:00:00Z"}});
  EXPECT_EQ(countFromOutside(), 0) << "nothing is visible before the commit";
  store_->commit();
  EXPECT_EQ(countFromOutside(), 1);
  StorePtr reopened = openStore(location_, Store::Mode::kReadWrite);
  const StateMap state = reopened->readState("pipeline");
  EXPECT_EQ(state, (StateMap{{"cursor", "c-1"}, {"watermark", "2026-01-01T00:00:00Z"}}));
  EXPECT_TRUE(reopened->readState("another pipeline").empty()) << "state is per scope";
}

TEST_P(StoreContractTest, RollbackDiscardsRowsAndStateAlike) {
  store_->begin();
  insert("a", Value(Decimal(1, 2)));
  store_->writeState("pipeline", {{"cursor", "c-1"}});
  store_->commit();
  store_->begin();
  insert("b", Value(Decimal(2, 2)));
  store_->writeState("pipeline", {{"cursor", "c-2"}});
  store_->rollback();
  EXPECT_FALSE(store_->inTransaction());
  EXPECT_EQ(countFromOutside(), 1);
  EXPECT_EQ(store_->readState("pipeline").at("cursor"), "c-1");
}

TEST_P(StoreContractTest, StateUpdatesKeysInPlaceAndKeepsTheOthers) {
  store_->begin();
  store_->writeState("p", {{"a", "1"}, {"b", "1"}});
  store_->commit();
  store_->begin();
  store_->writeState("p", {{"b", "2"}});
  store_->commit();
  EXPECT_EQ(store_->readState("p"), (StateMap{{"a", "1"}, {"b", "2"}}));
}

TEST_P(StoreContractTest, ValuesKeepTheirExactForm) {
  store_->begin();
  insert("money", Value(Decimal(-21711, 2)));
  store_->exec("UPDATE rows SET n = NULL");
  store_->commit();
  StoreStatementPtr query = store_->prepare("SELECT amount, n, id FROM rows");
  ASSERT_TRUE(query->step());
  EXPECT_EQ(query->columnText(0), "-217.11") << "decimals are exact text, never a float";
  EXPECT_EQ(query->columnType(0), StoreStatement::ColumnType::kText);
  EXPECT_TRUE(query->columnIsNull(1));
  EXPECT_EQ(query->columnName(2), "id");
  EXPECT_EQ(query->columnCount(), 3);
  EXPECT_FALSE(query->step());
}

TEST_P(StoreContractTest, BindColumnCopiesTypeAndBytes) {
  store_->exec("CREATE TABLE copy (a, b, c)");
  StoreStatementPtr source = store_->prepare("SELECT 42, 'x''y', NULL");
  ASSERT_TRUE(source->step());
  StoreStatementPtr target = store_->prepare("INSERT INTO copy VALUES (?, ?, ?)");
  for (int column = 0; column < 3; ++column) target->bindColumn(column + 1, *source, column);
  target->run();
  StoreStatementPtr check = store_->prepare("SELECT a, b, c FROM copy");
  ASSERT_TRUE(check->step());
  EXPECT_EQ(check->columnType(0), StoreStatement::ColumnType::kInteger);
  EXPECT_EQ(check->columnInt(0), 42);
  EXPECT_EQ(check->columnText(1), "x'y");
  EXPECT_TRUE(check->columnIsNull(2));
}

TEST_P(StoreContractTest, ABadRowIsRefusedAloneAndTheTransactionGoesOn) {
  store_->begin();
  insert("a", Value(Decimal(1, 2)));
  try {
    insert("a", Value(std::string("secret-value-123")));  // the key is taken
    FAIL() << "a duplicate key was accepted";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.cause(), StoreError::Cause::kBadValue);
    EXPECT_FALSE(error.retryable());
    EXPECT_THAT(error.what(), Not(HasSubstr("secret-value-123"))) << "no bound value in errors";
  }
  EXPECT_TRUE(store_->inTransaction());
  insert("b", Value(Decimal(2, 2)));
  store_->commit();
  EXPECT_EQ(countFromOutside(), 2);
}

TEST_P(StoreContractTest, ASecondWriterIsToldToRetryAndTheFirstKeepsItsWork) {
  store_->begin();
  insert("a", Value(Decimal(1, 2)));
  StorePtr second = openStore(location_, Store::Mode::kReadWrite);
  try {
    second->begin();
    FAIL() << "two writers held the store at once";
  } catch (const StoreError& error) {
    EXPECT_TRUE(error.retryable()) << error.what();
    EXPECT_THAT(error.what(), HasSubstr(location_)) << "the message names the store";
  }
  store_->commit();
  EXPECT_EQ(countFromOutside(), 1);
  second->begin();  // free again
  second->rollback();
}

TEST_P(StoreContractTest, AReadOnlyStoreRefusesWrites) {
  StorePtr reader = openStore(location_, Store::Mode::kReadOnly);
  EXPECT_THROW(reader->exec("INSERT INTO rows (id, amount) VALUES ('x', '1')"), StoreError);
  EXPECT_EQ(countFromOutside(), 0);
}

TEST_P(StoreContractTest, ClosingInTheMiddleOfATransactionDiscardsIt) {
  store_->begin();
  insert("a", Value(Decimal(1, 2)));
  store_->writeState("pipeline", {{"cursor", "c-1"}});
  store_.reset();  // a failed run's close, without commit or rollback
  EXPECT_EQ(countFromOutside(), 0);
  StorePtr reopened = openStore(location_, Store::Mode::kReadWrite);
  EXPECT_TRUE(reopened->readState("pipeline").empty());
  reopened->rollback();  // nothing open: harmless
}

TEST_P(StoreContractTest, DescribesItsTablesAndColumns) {
  EXPECT_TRUE(store_->tableExists("rows"));
  EXPECT_FALSE(store_->tableExists("nope"));
  EXPECT_EQ(store_->tableColumns("rows"), (std::vector<std::string>{"id", "amount", "n"}));
  EXPECT_TRUE(store_->columnExists("rows", "amount"));
  EXPECT_FALSE(store_->columnExists("rows", "amountx"));
  EXPECT_TRUE(store_->tableColumns("nope").empty());
}

TEST_P(StoreContractTest, SortMemoryLimitsNestAndEndWithTheirScope) {
  {
    SortMemoryLimit outer(*store_);
    {
      SortMemoryLimit inner(*store_);
      store_->exec("CREATE INDEX rows_amount ON rows (amount)");
    }
  }
  EXPECT_TRUE(store_->tableExists("rows"));  // and the store is still usable
  store_->begin();
  insert("a", Value(Decimal(1, 2)));
  store_->commit();
  EXPECT_EQ(countFromOutside(), 1);
}

TEST_P(StoreContractTest, OpeningWhatIsNotAStoreFailsWithOneLine) {
  const std::string path = dir_.file("notes.db");
  testing::writeFile(path, "these are my notes, not a database\n");
  try {
    StorePtr store = openStore(path, Store::Mode::kReadWrite);
    store->tableExists("rows");
    FAIL() << "a text file opened as a store";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr(path));
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos);
  }
  EXPECT_FALSE(storeExists(dir_.file("never-written.db")));
}

// SQLite specifics behind the contract.
int64_t cacheSize(Store& store) {
  StoreStatementPtr query = store.prepare("PRAGMA cache_size");
  return query->step() ? query->columnInt(0) : 0;
}

TEST(SqliteStoreTest, ASortMemoryLimitShrinksTheCacheAndTheOutermostScopeRestoresIt) {
  testing::TempDir dir;
  StorePtr store = openStore(dir.file("k.db"), Store::Mode::kReadWriteCreate);
  const int64_t before = cacheSize(*store);
  {
    SortMemoryLimit outer(*store);
    const int64_t limited = cacheSize(*store);
    EXPECT_LT(-limited, -before) << "a smaller cache (negative = KiB)";
    {
      SortMemoryLimit inner(*store);
      EXPECT_EQ(cacheSize(*store), limited);
    }
    EXPECT_EQ(cacheSize(*store), limited) << "the inner scope does not end the outer one";
  }
  EXPECT_EQ(cacheSize(*store), before);
}

TEST(SqliteStoreTest, ADryRunsStandInIsEmptyCreatesNothingAndNamesTheStoreItStandsFor) {
  testing::TempDir dir;
  const std::string path = dir.file("not-yet.db");
  StorePtr stand_in = openStandInStore(path);
  EXPECT_EQ(stand_in->location(), path) << "messages name the user's path";
  stand_in->begin();
  stand_in->exec("CREATE TABLE t (id TEXT)");
  stand_in->writeState("p", {{"k", "v"}});
  stand_in->commit();
  EXPECT_FALSE(storeExists(path));
}

TEST(SqliteStoreTest, OpenReadOnlyIfExistsSaysNothingIsThereOrWhyItCannotOpen) {
  testing::TempDir dir;
  StorePtr store;
  ASSERT_TRUE(openReadOnlyIfExists(dir.file("none.db"), store).isOk());
  EXPECT_EQ(store, nullptr);
  testing::writeFile(dir.file("notes.db"), "not a database\n");
  const Status status = openReadOnlyIfExists(dir.file("notes.db"), store);
  EXPECT_EQ(status.code(), StatusCode::kInvalidConfig);
  EXPECT_EQ(status.message(),
            "database '" + dir.file("notes.db") + "' is not usable: file is not a database");
  EXPECT_EQ(store, nullptr);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContractTest, ::testing::ValuesIn(kStoreKinds),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kalshi_direct

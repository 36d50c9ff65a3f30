// The Store contract (kalshi_direct/store.h), one suite every store kind runs: add a kind to
// kStoreKinds and it must pass all of it. What a user relies on: rows and state commit together
// or not at all, a rollback leaves nothing, values keep their exact form, a busy store says
// "retry" and a bad row says so without losing the transaction, and errors never carry a value.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/postgres_store.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/timestamp.h"
#include "support/postgres_support.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

struct StoreKind {
  const char* name;
  // A location for a new store in `dir`; the suite opens it as the engine does (openStore).
  std::function<std::string(const testing::TempDir& dir)> location;
  // What is not a usable store of this kind, for the one-line error.
  std::function<std::string(const testing::TempDir& dir)> not_a_store;
  bool needs_server = false;
  // SQLite undoes only a refused statement; PostgreSQL aborts the whole transaction (the run
  // then fails and rolls back).
  bool refused_row_aborts_transaction = false;
  // SQLite's BEGIN IMMEDIATE takes the write lock; on PostgreSQL writers share the database and
  // the one-writer rule is the advisory lock of lockPostgresWriter().
  bool begin_locks_out_writers = true;
};

const StoreKind kStoreKinds[] = {
    {"sqlite", [](const testing::TempDir& dir) { return dir.file("contract.db"); },
     [](const testing::TempDir& dir) {
       testing::writeFile(dir.file("notes.db"), "these are my notes, not a database\n");
       return dir.file("notes.db");
     }},
    {"postgresql",
     [](const testing::TempDir&) { return testing::freshPostgresDatabase("contract"); },
     [](const testing::TempDir&) {
       return testing::postgresUrlFor(testing::postgresServerUrl(), "kd_no_such_database");
     },
     /*needs_server=*/true, /*refused_row_aborts_transaction=*/true,
     /*begin_locks_out_writers=*/false},
};

void PrintTo(const StoreKind& kind, std::ostream* os) { *os << kind.name; }

class StoreContractTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    if (GetParam().needs_server) KD_REQUIRE_POSTGRES();
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
  store_->exec("CREATE TABLE copy (a BIGINT, b TEXT, c TEXT)");
  StoreStatementPtr source = store_->prepare("SELECT 42, 'x''y', CAST(NULL AS TEXT)");
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
  if (GetParam().refused_row_aborts_transaction) {
    // PostgreSQL refuses the row with the whole transaction; a statement run for its effect is
    // pipelined, so the refusal comes at the next call that waits for the server, commit at the
    // latest. Either way: one line, no value in it, nothing kept.
    std::string message;
    try {
      insert("a", Value(std::string("secret-value-123")));  // the key is taken
      store_->commit();
    } catch (const StoreError& error) {
      message = error.what();
      EXPECT_FALSE(error.retryable());
    }
    EXPECT_THAT(message, HasSubstr("duplicate key")) << "the transaction was refused";
    EXPECT_THAT(message, Not(HasSubstr("secret-value-123"))) << "no bound value in errors";
    EXPECT_EQ(message.find('\n'), std::string::npos);
    store_->rollback();
    EXPECT_EQ(countFromOutside(), 0) << "nothing of it is kept";
    return;
  }
  try {
    insert("a", Value(std::string("secret-value-123")));  // the key is taken
    FAIL() << "a duplicate key was accepted";
  } catch (const StoreError& error) {
    EXPECT_EQ(error.cause(), StoreError::Cause::kBadValue);
    EXPECT_FALSE(error.retryable());
    EXPECT_THAT(error.what(), Not(HasSubstr("secret-value-123"))) << "no bound value in errors";
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos);
  }
  EXPECT_TRUE(store_->inTransaction());
  insert("b", Value(Decimal(2, 2)));
  store_->commit();
  EXPECT_EQ(countFromOutside(), 2);
}

TEST_P(StoreContractTest, ASecondWriterIsToldToRetryOrWritesBesideTheFirst) {
  if (!GetParam().begin_locks_out_writers) {
    // Two sessions writing different rows (two accounts' syncs) do not wait for each other, and
    // both keep their work; one account's runs are kept apart by lockPostgresWriter().
    store_->begin();
    insert("a", Value(Decimal(1, 2)));
    StorePtr second = openStore(location_, Store::Mode::kReadWrite);
    second->begin();
    StoreStatementPtr other = second->prepare("INSERT INTO rows (id, amount, n) VALUES (?, ?, 2)");
    other->bindText(1, "b");
    other->bindText(2, "2.00");
    other->run();
    second->commit();
    store_->commit();
    EXPECT_EQ(countFromOutside(), 2);
    return;
  }
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
  const std::string location = GetParam().not_a_store(dir_);
  try {
    StorePtr store = openStore(location, Store::Mode::kReadWrite);
    store->tableExists("rows");
    FAIL() << "what is not a store opened as one";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr(redactPostgresUrl(location)));
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos);
  }
  EXPECT_FALSE(storeExists(dir_.file("never-written.db")));
}

TEST_P(StoreContractTest, BulkUpsertReplacesByKeyAndTheLastRowOfAKeyWins) {
  store_->begin();
  insert("a", Value(Decimal(1, 2)));
  BulkUpsertPtr bulk = store_->bulkUpsert("rows", {"id", "amount", "n"}, {"id"});
  const struct {
    const char* id;
    const char* amount;
    int64_t n;
  } rows[] = {{"a", "0.5600", 7}, {"b\tc\\d\n", "-3", 8}, {"e", "1.00", 9}, {"e", "2.00", 10}};
  for (const auto& row : rows) {
    bulk->bindText(1, row.id);
    bulk->bindText(2, row.amount);
    bulk->bindInt(3, row.n);
    bulk->addRow();
  }
  bulk->finish();
  EXPECT_EQ(bulk->pendingRows(), 0u);
  bulk->finish();  // nothing more: harmless
  store_->commit();
  StoreStatementPtr query = store_->prepare("SELECT id, amount, n FROM rows ORDER BY n");
  std::vector<std::string> seen;
  while (query->step()) {
    seen.push_back(query->columnText(0) + "=" + query->columnText(1) + "/" +
                   std::to_string(query->columnInt(2)));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"a=0.5600/7", "b\tc\\d\n=-3/8", "e=2.00/10"}));
}

// A batch of new rows and then one that meets stored keys (PostgreSQL copies the first straight
// into the table and upserts the second after undoing its copy): every batch counts, in one
// transaction with the state.
TEST_P(StoreContractTest, BulkBatchesOfNewAndStoredKeysAllLandInTheirTransaction) {
  store_->begin();
  BulkUpsertPtr bulk = store_->bulkUpsert("rows", {"id", "amount", "n"}, {"id"});
  const auto batch = [&](std::vector<std::pair<const char*, int64_t>> rows) {
    for (const auto& [id, n] : rows) {
      bulk->bindText(1, id);
      bulk->bindText(2, "1.00");
      bulk->bindInt(3, n);
      bulk->addRow();
    }
    bulk->finish();
  };
  batch({{"x", 1}, {"y", 2}});
  batch({{"y", 3}, {"z", 4}});
  batch({{"w", 5}});
  store_->writeState("p", {{"k", "v"}});
  store_->commit();
  StoreStatementPtr query = store_->prepare("SELECT id, n FROM rows ORDER BY id");
  std::vector<std::string> seen;
  while (query->step()) seen.push_back(query->columnText(0) + std::to_string(query->columnInt(1)));
  EXPECT_EQ(seen, (std::vector<std::string>{"w5", "x1", "y3", "z4"}));
  EXPECT_EQ(store_->readState("p").at("k"), "v");
}

TEST_P(StoreContractTest, NamesItsObjects) {
  store_->exec("CREATE VIEW rows_view AS SELECT id FROM rows");
  EXPECT_EQ(store_->objectType("rows"), "table");
  EXPECT_EQ(store_->objectType("rows_view"), "view");
  EXPECT_EQ(store_->objectType("nothing_here"), "");
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

// PostgreSQL specifics behind the contract.
class PostgresStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    KD_REQUIRE_POSTGRES();
    location_ = testing::freshPostgresDatabase("pgstore");
  }
  std::string location_;
};

TEST_F(PostgresStoreTest, OneWriterLockNamesWhoHoldsItAndFreesOnClose) {
  StorePtr first = openStore(location_, Store::Mode::kReadWrite);
  lockPostgresWriter(*first, "writer", "pipeline 'sync' (pid 1 on host-a, since then)");
  StorePtr second = openStore(location_, Store::Mode::kReadWrite);
  try {
    lockPostgresWriter(*second, "writer", "pipeline 'backfill' (pid 2)");
    FAIL() << "two writers held the lock";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("in use by pipeline 'sync' (pid 1 on host-a"));
    EXPECT_THAT(error.what(), HasSubstr(redactPostgresUrl(location_)));
  }
  lockPostgresWriter(*second, "another-account", "pipeline 'sync' (pid 2)");  // other names: free
  first.reset();  // the session ends: so does its lock
  lockPostgresWriter(*second, "writer", "pipeline 'backfill' (pid 2)");
}

TEST_F(PostgresStoreTest, TypedColumnsReadBackAsTheTextKalshiDirectWrote) {
  StorePtr store = openStore(location_, Store::Mode::kReadWrite);
  store->exec(
      "CREATE TABLE typed (price_dollars NUMERIC, at TIMESTAMPTZ, whole TIMESTAMPTZ, day DATE,"
      " flag BOOLEAN, n BIGINT)");
  StoreStatementPtr insert = store->prepare("INSERT INTO typed VALUES (?, ?, ?, ?, ?, ?)");
  insert->bind(1, Value(Decimal(5600, 4)));
  Timestamp at;
  ASSERT_TRUE(Timestamp::parse("2026-03-01T14:03:22.5Z", at));
  insert->bind(2, Value(at));
  insert->bindText(3, "2026-03-01T09:03:22-05:00");
  insert->bindText(4, "2026-03-01");
  insert->bindText(5, "true");
  insert->bindInt(6, -9007199254740993);
  insert->run();
  StoreStatementPtr query = store->prepare("SELECT * FROM typed");
  ASSERT_TRUE(query->step());
  EXPECT_EQ(query->columnText(0), "0.5600") << "numeric keeps its scale: exact";
  EXPECT_EQ(query->columnType(0), StoreStatement::ColumnType::kText);
  EXPECT_EQ(query->columnText(1), "2026-03-01T14:03:22.500000Z") << "Timestamp::toIso8601's form";
  EXPECT_EQ(query->columnText(2), "2026-03-01T14:03:22Z") << "in UTC";
  EXPECT_EQ(query->columnText(3), "2026-03-01");
  EXPECT_EQ(query->columnInt(4), 1);
  EXPECT_EQ(query->columnInt(5), -9007199254740993);
}

TEST_F(PostgresStoreTest, LocationAndMessagesNeverShowThePassword) {
  EXPECT_EQ(redactPostgresUrl("postgresql://kd:s3cr3t-pw@db.example:5432/k?sslmode=verify-full"),
            "postgresql://kd@db.example:5432/k?sslmode=verify-full");
  EXPECT_EQ(redactPostgresUrl("postgres://db/k?password=s3cr3t-pw&sslmode=require"),
            "postgres://db/k?sslmode=require");
  std::string wrong = location_;
  const size_t colon = wrong.find(':', wrong.find("://") + 3);
  const size_t at = wrong.find('@');
  ASSERT_NE(colon, std::string::npos);
  wrong.replace(colon + 1, at - colon - 1, "not-the-password");
  try {
    openStore(wrong, Store::Mode::kReadWrite);
    FAIL() << "a wrong password was accepted";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("password authentication failed for user \"kd\""));
    EXPECT_THAT(error.what(), HasSubstr("PGPASSWORD")) << "names the fix";
    EXPECT_THAT(error.what(), Not(HasSubstr("not-the-password")));
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos);
  }
}

TEST_F(PostgresStoreTest, AnUnreachableServerIsOneLineWithTheFix) {
  // A port nothing listens on: the cluster's own port + 1 is not reliably free, so use port 1.
  const std::string url = "postgresql://kd:pw-123456@127.0.0.1:1/kd";
  try {
    openStore(url, Store::Mode::kReadWrite);
    FAIL() << "connected to nothing";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("database 'postgresql://kd@127.0.0.1:1/kd'"));
    EXPECT_THAT(error.what(), HasSubstr("cannot reach the PostgreSQL server"));
    EXPECT_THAT(error.what(), Not(HasSubstr("pw-123456")));
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos);
  }
}

TEST_F(PostgresStoreTest, VerifyFullRefusesAServerWithoutTls) {
  try {
    openStore(location_ + "?sslmode=verify-full", Store::Mode::kReadWrite);
    FAIL() << "verify-full connected without TLS";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("TLS"));
    EXPECT_EQ(std::string(error.what()).find('\n'), std::string::npos);
  }
}

TEST_F(PostgresStoreTest, LargeResultsStreamWhileOtherStatementsRun) {
  StorePtr store = openStore(location_, Store::Mode::kReadWrite);
  store->exec("CREATE TABLE many (n BIGINT); INSERT INTO many SELECT generate_series(1, 25000)");
  store->exec("CREATE TABLE seen (n BIGINT)");
  store->begin();
  {
    SortMemoryLimit streaming(*store);  // results come through a cursor, 10,000 rows at a time
    StoreStatementPtr scan = store->prepare("SELECT n FROM many ORDER BY n");
    StoreStatementPtr write = store->prepare("INSERT INTO seen VALUES (?)");
    int64_t expected = 1;
    while (scan->step()) {
      ASSERT_EQ(scan->columnInt(0), expected++);
      if (scan->columnInt(0) % 1000 == 0) {
        write->bindInt(1, scan->columnInt(0));
        write->run();  // another statement between fetches
      }
    }
    EXPECT_EQ(expected, 25001);
  }
  store->commit();
  StoreStatementPtr count = store->prepare("SELECT count(*) FROM seen");
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->columnInt(0), 25);
}

INSTANTIATE_TEST_SUITE_P(Stores, StoreContractTest, ::testing::ValuesIn(kStoreKinds),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace kalshi_direct

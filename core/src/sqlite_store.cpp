#include <sqlite3.h>

#include <filesystem>

#include "kalshi_direct/engine/sqlite.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {

namespace {

constexpr const char* kStateTableSql =
    "CREATE TABLE IF NOT EXISTS kd_state ("
    " scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, updated_at TEXT NOT NULL,"
    " PRIMARY KEY (scope, key))";

// The sort memory a limited store keeps (see Store::limitSortMemory), KiB.
constexpr int kLimitedSortKiB = 4 * 1024;

class SqliteStatement final : public StoreStatement {
 public:
  SqliteStatement(sqlite3* db, std::string_view sql) : statement_(db, sql) {}
  void bindNull(int index) override { statement_.bindNull(index); }
  void bindInt(int index, int64_t value) override { statement_.bindInt(index, value); }
  void bindDouble(int index, double value) override { statement_.bindDouble(index, value); }
  void bindText(int index, std::string_view text) override { statement_.bindText(index, text); }
  void bindTextStatic(int index, std::string_view text) override {
    statement_.bindTextStatic(index, text);
  }
  void clearBindings() override { statement_.clearBindings(); }
  bool step() override { return statement_.step(); }
  void run() override { statement_.run(); }
  void reset() override { statement_.reset(); }
  int columnCount() const override { return statement_.columnCount(); }
  ColumnType columnType(int column) const override {
    switch (statement_.columnSqliteType(column)) {
      case SQLITE_INTEGER:
        return ColumnType::kInteger;
      case SQLITE_FLOAT:
        return ColumnType::kReal;
      case SQLITE_TEXT:
        return ColumnType::kText;
      case SQLITE_BLOB:
        return ColumnType::kBlob;
      default:
        return ColumnType::kNull;
    }
  }
  int64_t columnInt(int column) const override { return statement_.columnInt(column); }
  double columnDouble(int column) const override { return statement_.columnDouble(column); }
  std::string columnText(int column) const override { return statement_.columnText(column); }
  std::string columnName(int column) const override { return statement_.columnName(column); }

 private:
  sqlite::Statement statement_;
};

}  // namespace

SqliteStore::SqliteStore(std::unique_ptr<sqlite::Database> database)
    : database_(std::move(database)) {}

SqliteStore::~SqliteStore() = default;

const std::string& SqliteStore::location() const { return database_->path(); }

void SqliteStore::begin() { database_->exec("BEGIN IMMEDIATE"); }
void SqliteStore::commit() { database_->exec("COMMIT"); }
void SqliteStore::rollback() {
  if (database_->inTransaction()) database_->exec("ROLLBACK");
}
bool SqliteStore::inTransaction() const { return database_->inTransaction(); }

StateMap SqliteStore::readState(const std::string& scope) {
  StateMap state;
  if (!sqlite::tableExists(database_->handle(), "kd_state")) return state;
  sqlite::Statement query(database_->handle(), "SELECT key, value FROM kd_state WHERE scope = ?");
  query.bindText(1, scope);
  while (query.step()) state[query.columnText(0)] = query.columnText(1);
  return state;
}

void SqliteStore::writeState(const std::string& scope, const StateMap& state) {
  if (!state_table_ready_) {
    database_->exec(kStateTableSql);
    state_table_ready_ = true;
  }
  sqlite::Statement upsert(
      database_->handle(),
      "INSERT INTO kd_state (scope, key, value, updated_at) VALUES (?, ?, ?, ?) "
      "ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, "
      "updated_at = excluded.updated_at");
  const std::string now = Timestamp::now().toIso8601();
  for (const auto& [key, value] : state) {
    upsert.bindText(1, scope);
    upsert.bindText(2, key);
    upsert.bindText(3, value);
    upsert.bindText(4, now);
    upsert.run();
  }
}

void SqliteStore::exec(const std::string& sql) { database_->exec(sql); }

StoreStatementPtr SqliteStore::prepare(std::string_view sql) {
  return std::make_unique<SqliteStatement>(database_->handle(), sql);
}

bool SqliteStore::tableExists(std::string_view table) {
  return sqlite::tableExists(database_->handle(), table);
}

std::vector<std::string> SqliteStore::tableColumns(std::string_view table) {
  return sqlite::tableColumns(database_->handle(), table);
}

std::string SqliteStore::objectType(std::string_view name) {
  sqlite::Statement object(database_->handle(), "SELECT type FROM sqlite_master WHERE name = ?");
  object.bindText(1, name);
  return object.step() ? object.columnText(0) : std::string();
}

// SQLite gives each sort as much memory as the connection's page cache: while limited, the cache
// shrinks to kLimitedSortKiB and big sorts spill to temporary files (nesting counts).
void SqliteStore::limitSortMemory(bool on) {
  if (on) {
    if (sort_limit_depth_++ > 0) return;
    sqlite::Statement current(database_->handle(), "PRAGMA cache_size");
    cache_before_limit_ = current.step() ? current.columnInt(0) : -sqlite::Database::kCacheKiB;
    database_->exec("PRAGMA cache_size=-" + std::to_string(kLimitedSortKiB));
    return;
  }
  if (sort_limit_depth_ == 0 || --sort_limit_depth_ > 0) return;
  try {
    database_->exec("PRAGMA cache_size=" + std::to_string(cache_before_limit_));
  } catch (const StoreError&) {
    // Called from a guard's destructor: the cache stays small, which costs speed, not correctness.
  }
}

StorePtr openStandInStore(const std::string& location) {
  return std::make_unique<SqliteStore>(
      std::make_unique<sqlite::Database>(location, sqlite::Database::Mode::kMemory));
}

}  // namespace kalshi_direct

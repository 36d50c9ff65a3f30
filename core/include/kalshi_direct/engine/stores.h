// Opening stores (store.h) by location: the engine's only place that knows which kinds exist.
//
// A location is a SQLite file path, ":memory:" for a private in-memory SQLite database, or a
// PostgreSQL URL (postgresql://user@host:port/dbname?sslmode=..., also postgres://): see
// postgres_store.h. The runner and the plugins see only the Store interface.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "kalshi_direct/status.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {

namespace sqlite {
class Database;
}

// Opens the store at `location`. Throws StoreError with a one-line message (naming the location,
// never a password) when it cannot: a missing file in kReadOnly/kReadWrite mode, a file that is
// not a database, a read-only directory.
StorePtr openStore(const std::string& location, Store::Mode mode);
// Whether `location` names a server store (a URL: postgresql://...) rather than a file.
bool isServerLocation(const std::string& location);
// `location` for `account` (a pipeline's `account:`; empty: as it is): a PostgreSQL URL gets
// account=NAME. Throws StoreError (one line) for an account on a SQLite file, which holds one
// account, and for a URL that names another account already.
std::string accountLocation(const std::string& location, const std::string& account);
// `location` without its account (a PostgreSQL URL's account=NAME parameter) and that account
// (empty: none named). A SQLite path comes back as it is, with no account.
std::pair<std::string, std::string> splitAccount(const std::string& location);
// The accounts a PostgreSQL database holds (public.kd_accounts), by name; none for a SQLite file
// or a database no kalshi-direct run has written.
std::vector<std::string> storeAccounts(Store& store);
// What a reader of one account (report, serve) opens: accountLocation() for `account`, or when
// that is empty $KALSHI_ACCOUNT, as the shipped pipelines take it. Throws StoreError (one line)
// for `all`, which those commands do not show (kalshi_all is for SQL tools), and as
// accountLocation().
std::string readerLocation(const std::string& location, const std::string& account);
// `location` as messages, logs and pages show it: a URL without its password, a path as it is.
std::string displayLocation(const std::string& location);
// Whether anything is at `location` (for SQLite: the file exists; a server store: always).
bool storeExists(const std::string& location);
// What StageContext::openReadOnlyStore promises: `out` null and ok when nothing is at `location`;
// kInvalidConfig with the store's one-line reason when something is there that cannot be opened.
Status openReadOnlyIfExists(const std::string& location, StorePtr& out);
// An empty, private in-memory store that names itself `location` in messages: what a dry run
// writes into instead of creating a store that does not exist yet.
StorePtr openStandInStore(const std::string& location);

// The SQLite implementation, for the engine and tests; plugins see only Store.
class SqliteStore final : public Store {
 public:
  // Takes over an open connection.
  explicit SqliteStore(std::unique_ptr<sqlite::Database> database);
  ~SqliteStore() override;

  std::string kind() const override { return "sqlite"; }
  const std::string& location() const override;
  void begin() override;  // BEGIN IMMEDIATE: the write lock is taken at once, not at first write
  void commit() override;
  void rollback() override;
  bool inTransaction() const override;
  // State lives in table kd_state (scope, key, value, updated_at), created on first write.
  StateMap readState(const std::string& scope) override;
  void writeState(const std::string& scope, const StateMap& state) override;
  void exec(const std::string& sql) override;
  StoreStatementPtr prepare(std::string_view sql) override;
  bool tableExists(std::string_view table) override;
  std::vector<std::string> tableColumns(std::string_view table) override;
  std::string objectType(std::string_view name) override;
  void limitSortMemory(bool on) override;

  sqlite::Database& database() { return *database_; }

 private:
  std::unique_ptr<sqlite::Database> database_;
  int sort_limit_depth_ = 0;
  int64_t cache_before_limit_ = 0;
  bool state_table_ready_ = false;
};

}  // namespace kalshi_direct

// A thin RAII layer over SQLite's C API for the engine and built-in database sinks.
//
// Why not Poco::Data: the hot path of a backfill is one prepared upsert executed a million times
// with runtime-typed values (Value); Poco::Data's into()/use() binding is compile-time typed and
// copies per execution, and the measurements in docs/architecture.md show the cost is SQLite's
// anyway. Debian's Poco::DataSQLite links the same system libsqlite3 this wrapper uses.
//
// Errors throw SqliteError (caught at the plugin boundary and turned into a Status). Messages
// name the database file and never include bound values (they may be private data).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kalshi_direct/record.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace sqlite {

// A StoreError (store.h): SQLITE_BUSY/SQLITE_LOCKED are retryable().
class SqliteError : public StoreError {
 public:
  SqliteError(int code, const std::string& message)
      : StoreError(message, causeOf(code)), code_(code) {}
  int code() const { return code_; }
  static Cause causeOf(int code) {
    switch (code & 0xff) {
      case SQLITE_BUSY:
      case SQLITE_LOCKED:
        return Cause::kBusy;
      case SQLITE_CONSTRAINT:
      case SQLITE_MISMATCH:
      case SQLITE_TOOBIG:
        return Cause::kBadValue;
      default:
        return Cause::kOther;
    }
  }

 private:
  int code_;
};

// store.h owns identifier checking and quoting.
using kalshi_direct::isValidIdentifier;
using kalshi_direct::quoteIdentifier;

class Database {
 public:
  enum class Mode { kReadWriteCreate, kReadWrite, kReadOnly, kMemory };

  // Page cache of a writable connection, KiB. Bounded so memory stays flat as the account grows:
  // writers insert key-sorted runs (see plugins/kalshi/row_writer.h), so a bigger cache buys
  // little speed (tools/bench: 256 MiB -> 16 MiB changed the 1M-fill backfill's time by noise).
  static constexpr int kCacheKiB = 16 * 1024;
  // A read-only connection maps up to this much of the file instead of copying each page it
  // reads into its own cache (the dashboard's scans: tools/bench/dashboard.sh). Address space,
  // not memory: the pages are the operating system's file cache, shared by every reader.
  static constexpr int64_t kReadOnlyMapBytes = int64_t{1} << 30;

  // Opens (creating if allowed) and, for writable files, sets WAL mode, synchronous=NORMAL,
  // a busy timeout and a kCacheKiB page cache; a read-only one maps the file (kReadOnlyMapBytes).
  // Throws SqliteError with a one-line message, also when the file exists but is not a SQLite
  // database, and naming a read-only directory when that is why a writable open failed. kReadOnly
  // on a file in a read-only directory (a backup copy, where SQLite cannot create the -shm file WAL
  // reading needs) reads the file as it is (immutable: a -wal file beside it is not read).
  Database(const std::string& path, Mode mode);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  sqlite3* handle() const { return handle_; }
  const std::string& path() const { return path_; }
  void exec(const std::string& sql);
  bool inTransaction() const { return sqlite3_get_autocommit(handle_) == 0; }

 private:
  void openAs(const std::string& path, Mode mode, bool immutable);

  sqlite3* handle_ = nullptr;
  std::string path_;
};

// Runs SQL text (one or more statements, no results). Throws SqliteError.
void exec(sqlite3* db, const std::string& sql);
// The file name of the main database of a connection (for messages).
std::string databaseName(sqlite3* db);
// Whether the main database has a table of that name.
bool tableExists(sqlite3* db, std::string_view table);
// The column names of a table (empty when there is no such table), in table order.
std::vector<std::string> tableColumns(sqlite3* db, std::string_view table);
inline bool columnExists(sqlite3* db, std::string_view table, std::string_view column) {
  for (const auto& name : tableColumns(db, table)) {
    if (name == column) return true;
  }
  return false;
}

// SQLite gives each sort (an index build, an ORDER BY without an index) as much memory as the
// connection's page cache, on top of the cache: at Database::kCacheKiB a big sort holds 16 MiB
// more. While a SortMemoryScope lives the cache is `kib`, so such a sort holds that much and spills
// the rest to temp files; the previous cache size comes back when the scope ends.
class SortMemoryScope {
 public:
  static constexpr int kDefaultKiB = 4 * 1024;
  explicit SortMemoryScope(sqlite3* db, int kib = kDefaultKiB);
  ~SortMemoryScope();
  SortMemoryScope(const SortMemoryScope&) = delete;
  SortMemoryScope& operator=(const SortMemoryScope&) = delete;

 private:
  sqlite3* db_;
  int64_t previous_;
};

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // 1-based parameter index. (A Value is bound through the Store: RowBinder::bind in store.h.)
  void bindNull(int index);
  void bindInt(int index, int64_t value);
  void bindDouble(int index, double value);
  void bindText(int index, std::string_view text);
  // Binds text without copying it: it must stay valid until rebound, clearBindings() or the
  // statement's end.
  void bindTextStatic(int index, std::string_view text);
  void clearBindings();
  // Binds column `column` of `from`'s current row, type and bytes as they are.
  void bindColumn(int index, const Statement& from, int column);
  // Steps once: true when a row is available, false when done. Throws on error.
  bool step();
  // Executes to completion ignoring rows, then resets for reuse (bindings are kept until rebound).
  void run();
  void reset();

  int columnCount() const;
  bool columnIsNull(int column) const;     // 0-based
  int columnSqliteType(int column) const;  // SQLITE_INTEGER, SQLITE_TEXT...
  int64_t columnInt(int column) const;
  double columnDouble(int column) const;
  std::string columnText(int column) const;
  std::string columnName(int column) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* statement_ = nullptr;
};

}  // namespace sqlite
}  // namespace kalshi_direct

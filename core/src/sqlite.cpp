#include "kalshi_direct/engine/sqlite.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>

namespace kalshi_direct {
namespace sqlite {

namespace {

[[noreturn]] void throwError(sqlite3* db, int code, const std::string& what) {
  const char* detail = db ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  throw SqliteError(code, what + ": " + (detail ? detail : "unknown error"));
}

}  // namespace

namespace {

// The directory a database file lives in may not be writable: say so, instead of SQLite's
// "unable to open database file" (WAL mode needs <db>-wal and <db>-shm beside the database).
std::string directoryProblem(const std::string& path) {
  const std::filesystem::path directory = std::filesystem::absolute(path).parent_path();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return "; it is a directory, not a database file";
  if (!std::filesystem::is_directory(directory, ec)) {
    return "; its directory '" + directory.string() + "' does not exist (create it first)";
  }
  if (::access(directory.c_str(), W_OK) == 0) return "";
  return "; its directory '" + directory.string() +
         "' is read-only (a database is written with its -wal and -shm " +
         "files beside it: use a writable directory)";
}

}  // namespace

Database::Database(const std::string& path, Mode mode) : path_(path) {
  try {
    openAs(path, mode, false);
  } catch (const SqliteError& error) {
    // A read-only copy in a read-only directory (say, a backup): SQLite cannot create the -shm
    // file a WAL database needs to be read. Read the file as it is, without the -wal.
    const int code = error.code() & 0xff;
    if (mode != Mode::kReadOnly || (code != SQLITE_CANTOPEN && code != SQLITE_READONLY) ||
        directoryProblem(path).empty() || !std::filesystem::is_regular_file(path)) {
      if (mode != Mode::kReadOnly && mode != Mode::kMemory &&
          (code == SQLITE_CANTOPEN || code == SQLITE_READONLY)) {
        const std::string problem = directoryProblem(path);
        if (!problem.empty()) throw SqliteError(error.code(), std::string(error.what()) + problem);
      }
      throw;
    }
    openAs(path, mode, true);
  }
}

void Database::openAs(const std::string& path, Mode mode, bool immutable) {
  int flags = SQLITE_OPEN_NOMUTEX;
  std::string target = path;
  switch (mode) {
    case Mode::kReadWriteCreate:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case Mode::kReadWrite:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case Mode::kReadOnly:
      flags |= SQLITE_OPEN_READONLY;
      break;
    case Mode::kMemory:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_MEMORY;
      target = ":memory:";
      break;
  }
  if (immutable) {
    flags |= SQLITE_OPEN_URI;
    std::string escaped;
    for (char c : std::filesystem::absolute(path).string()) {
      if (c == '%' || c == '?' || c == '#') {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
        escaped += hex;
      } else {
        escaped += c;
      }
    }
    target = "file:" + escaped + "?immutable=1";
  }
  const int rc = sqlite3_open_v2(target.c_str(), &handle_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string detail = handle_ ? sqlite3_errmsg(handle_) : sqlite3_errstr(rc);
    sqlite3_close(handle_);
    handle_ = nullptr;
    throw SqliteError(rc, "cannot open database '" + path + "': " + detail);
  }
  sqlite3_extended_result_codes(handle_, 1);
  sqlite3_busy_timeout(handle_, 5000);
  try {
    // Reading the schema is what detects "file is not a database".
    exec("SELECT count(*) FROM sqlite_master");
    if (mode == Mode::kReadWriteCreate || mode == Mode::kReadWrite) {
      exec("PRAGMA journal_mode=WAL");
      exec("PRAGMA synchronous=NORMAL");
      exec("PRAGMA cache_size=-" + std::to_string(kCacheKiB));
      exec("PRAGMA foreign_keys=ON");
    } else if (mode == Mode::kReadOnly) {
      exec("PRAGMA mmap_size=" + std::to_string(kReadOnlyMapBytes));
    }
  } catch (const SqliteError& error) {
    sqlite3_close(handle_);
    handle_ = nullptr;
    throw SqliteError(error.code(), "database '" + path + "' is not usable: " +
                                        (sqlite3_errstr(error.code()) ? sqlite3_errstr(error.code())
                                                                      : "unknown error"));
  }
}

Database::~Database() {
  if (handle_) sqlite3_close_v2(handle_);
}

void Database::exec(const std::string& sql) { sqlite::exec(handle_, sql); }

void exec(sqlite3* db, const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    std::string detail = message ? message : sqlite3_errstr(rc);
    sqlite3_free(message);
    throw SqliteError(rc, "SQLite error in '" + databaseName(db) + "': " + detail);
  }
}

std::string databaseName(sqlite3* db) {
  const char* name = sqlite3_db_filename(db, "main");
  return name && *name ? name : ":memory:";
}

bool tableExists(sqlite3* db, std::string_view table) {
  Statement statement(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?");
  statement.bindText(1, table);
  return statement.step();
}

std::vector<std::string> tableColumns(sqlite3* db, std::string_view table) {
  std::vector<std::string> columns;
  Statement info(db, "SELECT name FROM pragma_table_info(?)");
  info.bindText(1, table);
  while (info.step()) columns.push_back(info.columnText(0));
  return columns;
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  const int rc =
      sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &statement_, nullptr);
  if (rc != SQLITE_OK) throwError(db, rc, "cannot prepare statement on '" + databaseName(db) + "'");
}

Statement::~Statement() { sqlite3_finalize(statement_); }

SortMemoryScope::SortMemoryScope(sqlite3* db, int kib) : db_(db) {
  Statement current(db, "PRAGMA cache_size");
  previous_ = current.step() ? current.columnInt(0) : -Database::kCacheKiB;
  exec(db, "PRAGMA cache_size=-" + std::to_string(kib));
}

SortMemoryScope::~SortMemoryScope() {
  try {
    exec(db_, "PRAGMA cache_size=" + std::to_string(previous_));
  } catch (...) {
    // A destructor must not throw; the cache stays small, which costs speed, not correctness.
  }
}

void Statement::bindNull(int index) {
  const int rc = sqlite3_bind_null(statement_, index);
  if (rc != SQLITE_OK) throwError(db_, rc, "cannot bind parameter");
}

void Statement::bindInt(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(statement_, index, value);
  if (rc != SQLITE_OK) throwError(db_, rc, "cannot bind parameter");
}

void Statement::bindDouble(int index, double value) {
  const int rc = sqlite3_bind_double(statement_, index, value);
  if (rc != SQLITE_OK) throwError(db_, rc, "cannot bind parameter");
}

void Statement::bindText(int index, std::string_view text) {
  const int rc = sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throwError(db_, rc, "cannot bind parameter");
}

void Statement::bindTextStatic(int index, std::string_view text) {
  const int rc = sqlite3_bind_text(statement_, index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_STATIC);
  if (rc != SQLITE_OK) throwError(db_, rc, "cannot bind parameter");
}

void Statement::clearBindings() { sqlite3_clear_bindings(statement_); }

void Statement::bindColumn(int index, const Statement& from, int column) {
  const int rc =
      sqlite3_bind_value(statement_, index, sqlite3_column_value(from.statement_, column));
  if (rc != SQLITE_OK) throwError(db_, rc, "cannot bind parameter");
}

bool Statement::step() {
  const int rc = sqlite3_step(statement_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(statement_);
  throwError(db_, rc, "SQLite error in '" + databaseName(db_) + "'");
}

void Statement::run() {
  while (step()) {
  }
  reset();
}

void Statement::reset() { sqlite3_reset(statement_); }

int Statement::columnCount() const { return sqlite3_column_count(statement_); }
int Statement::columnSqliteType(int column) const {
  return sqlite3_column_type(statement_, column);
}
bool Statement::columnIsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}
int64_t Statement::columnInt(int column) const { return sqlite3_column_int64(statement_, column); }
double Statement::columnDouble(int column) const {
  return sqlite3_column_double(statement_, column);
}
std::string Statement::columnText(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<size_t>(sqlite3_column_bytes(statement_, column)))
              : std::string();
}
std::string Statement::columnName(int column) const {
  const char* name = sqlite3_column_name(statement_, column);
  return name ? name : "";
}

}  // namespace sqlite
}  // namespace kalshi_direct

// SqliteTableSink: inserts or upserts records into one table of a SQLite file.
//
// The engine owns the connection and the transaction (storeLocation() names the file; open() takes
// SinkContext::database()). open() creates the table from the declared columns (PRIMARY KEY(key)
// when a key is given) or checks that an existing table has them all; write() runs one prepared
// statement per record inside a SAVEPOINT, so a busy database undoes the whole batch (kRetry).
// Values are converted to the declared column type and always bound, never spliced into SQL; a
// value that does not convert rejects only its record. Table and column names must pass
// isValidIdentifier (the factory checks them before a sink exists).
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "kalshi_direct/plugin.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace plugins {

enum class SqliteColumnType { kText, kInteger, kReal, kDecimal, kTimestamp, kBool };

// "text, integer, real, decimal, timestamp, bool": the type names a user may write.
extern const char* const kSqliteColumnTypeNames;
bool parseSqliteColumnType(std::string_view name, SqliteColumnType& type);
const char* sqliteColumnTypeName(SqliteColumnType type);
// The SQL type a new table declares: TEXT, INTEGER or REAL (decimals and timestamps are TEXT).
const char* sqliteDeclaredType(SqliteColumnType type);

struct SqliteTableConfig {
  struct Column {
    std::string name;
    SqliteColumnType type;
  };
  std::string path;
  std::string table;
  std::vector<Column> columns;  // in table order; each column's source field has its name
  std::vector<std::string> key;
  bool upsert = false;  // ON CONFLICT(key) DO UPDATE; needs a key
};

// A record's value converted for its column, ready to bind.
struct ColumnValue {
  enum class Kind { kNull, kInteger, kReal, kText };
  Kind kind = Kind::kNull;
  int64_t integer = 0;
  double real = 0;
  std::string text;
};

// Converts `value` for a column of `type`: null stays null; text takes any value as its text;
// integer takes ints, bools, integral decimals and strings of them; real takes numbers and numeric
// strings; decimal takes ints, decimals and decimal strings (stored as exact text, "0.5600");
// timestamp takes timestamps and RFC 3339 strings (stored as ISO 8601 UTC); bool takes bools,
// 0/1 and true/false/yes/no/on/off. Returns false with a one-line reason otherwise.
bool convertForColumn(const Value& value, SqliteColumnType type, ColumnValue& out,
                      std::string& reason);

// The statements the sink runs (exposed for tests and `--verbose`).
std::string createTableSql(const SqliteTableConfig& config);
std::string insertSql(const SqliteTableConfig& config);

class SqliteTableSink final : public Sink {
 public:
  explicit SqliteTableSink(SqliteTableConfig config);
  ~SqliteTableSink() override;

  std::string storeLocation() const override { return config_.path; }
  Status open(SinkContext& context) override;
  WriteResult write(const Batch& batch) override;
  Status close() override;

 private:
  Status ensureTable();  // may also throw StoreError
  Status statusFor(const StoreError& error, const std::string& what) const;
  void undoBatch();

  SqliteTableConfig config_;
  SinkContext* context_ = nullptr;
  Store* db_ = nullptr;
  StoreStatementPtr insert_;
  std::vector<size_t> key_columns_;  // indexes into config_.columns
  std::set<std::string> column_names_;
  std::set<std::string> warned_fields_;
};

}  // namespace plugins
}  // namespace kalshi_direct

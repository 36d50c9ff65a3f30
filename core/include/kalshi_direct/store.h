// The Store: the transactional destination rows and pipeline state are committed to.
//
// A pipeline writes into one or more stores, each named by a location (a SQLite file path today;
// a URL such as postgresql://... for other kinds). The engine opens each store once per run, shares
// it between every sink that names it, and runs one transaction across all of them:
//
//   engine:  open(location) -> begin()
//   sinks:   write rows with prepare()/exec() (never begin/commit themselves)
//   engine:  writeState(scope, state) -> commit() -> begin() ...   every commit of the pipeline
//            rollback()                                            failed or dry run
//
// so a commit makes rows and the source's position durable together or not at all (exactly once:
// after a crash, a re-run resumes after the last commit and re-sends what was not committed).
//
// Stages that only read a database (a cache, the last known state) open their own read-only store
// with StageContext::openStore().
//
// SQL: statements use `?` placeholders (numbered from 1) and the SQL common to the store kinds the
// code supports; kind() says which dialect the store speaks when a statement must differ.
//
// Errors: Store and Statement calls throw StoreError, a one-line message that names the store's
// location and never a bound value (values may be private data) nor a password. retryable() is true
// when another writer holds a lock and the same work can be tried again; cause() kBadValue when one
// row's values were refused (a constraint, a type) and only that statement was undone. A plugin
// catches it in its own methods and returns a Status (kRetry when retryable) to the engine: plugin
// methods never let an exception out. StoreError is defined here, inline, so a drop-in plugin
// catches it by type.
//
// Threading: a store and its statements belong to one thread at a time (the runner's).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "kalshi_direct/record.h"

namespace kalshi_direct {

// A source's resumable position (cursor, watermark...), as key -> value text.
using StateMap = std::map<std::string, std::string>;

class __attribute__((visibility("default"))) StoreError : public std::runtime_error {
 public:
  enum class Cause {
    kOther,
    kBusy,      // another connection holds a lock: the same call may succeed later
    kBadValue,  // this statement's values break a constraint or a type: only it was undone
  };
  explicit StoreError(const std::string& message, Cause cause = Cause::kOther)
      : std::runtime_error(message), cause_(cause) {}
  Cause cause() const { return cause_; }
  bool retryable() const { return cause_ == Cause::kBusy; }

 private:
  Cause cause_;
};

// Where a row's values are bound: a statement's parameters, or the row a BulkUpsert is adding.
// Parameters are 1-based. Value maps to: null -> NULL, bool/int -> integer, decimal -> exact text
// ("0.5600"), string -> text, timestamp -> ISO 8601 UTC text. A store converts text to the
// column's type where it has typed columns (PostgreSQL: numeric, timestamptz).
class RowBinder {
 public:
  virtual ~RowBinder() = default;
  virtual void bind(int index, const Value& value) {
    switch (value.type()) {
      case ValueType::kNull:
        bindNull(index);
        break;
      case ValueType::kBool:
        bindInt(index, value.asBool() ? 1 : 0);
        break;
      case ValueType::kInt:
        bindInt(index, value.asInt());
        break;
      case ValueType::kDecimal:
        bindText(index, value.asDecimal().toString());
        break;
      case ValueType::kString:
        bindText(index, value.asString());
        break;
      case ValueType::kTimestamp:
        bindText(index, value.asTimestamp().toIso8601());
        break;
    }
  }
  virtual void bindNull(int index) = 0;
  virtual void bindInt(int index, int64_t value) = 0;
  virtual void bindDouble(int index, double value) = 0;
  virtual void bindText(int index, std::string_view text) = 0;
  // Binds text without copying it: it must stay valid until rebound, clearBindings() or the
  // statement's end. A store that cannot avoid the copy copies.
  virtual void bindTextStatic(int index, std::string_view text) { bindText(index, text); }
};

// A prepared statement of one store. Bind, then step() through rows or run() to completion.
class StoreStatement : public RowBinder {
 public:
  enum class ColumnType { kNull, kInteger, kReal, kText, kBlob };

  virtual void clearBindings() = 0;
  // Binds column `column` (0-based) of `from`'s current row, with its type and bytes as they are.
  void bindColumn(int index, const StoreStatement& from, int column) {
    switch (from.columnType(column)) {
      case ColumnType::kNull:
        bindNull(index);
        break;
      case ColumnType::kInteger:
        bindInt(index, from.columnInt(column));
        break;
      case ColumnType::kReal:
        bindDouble(index, from.columnDouble(column));
        break;
      case ColumnType::kText:
      case ColumnType::kBlob:
        bindText(index, from.columnText(column));
        break;
    }
  }

  // Steps once: true when a row is available, false when done.
  virtual bool step() = 0;
  // Executes to completion ignoring rows, then resets for reuse (bindings are kept).
  virtual void run() = 0;
  virtual void reset() = 0;

  // The current row's columns, 0-based.
  virtual int columnCount() const = 0;
  virtual ColumnType columnType(int column) const = 0;
  bool columnIsNull(int column) const { return columnType(column) == ColumnType::kNull; }
  virtual int64_t columnInt(int column) const = 0;
  virtual double columnDouble(int column) const = 0;
  virtual std::string columnText(int column) const = 0;
  virtual std::string columnName(int column) const = 0;
};

using StoreStatementPtr = std::unique_ptr<StoreStatement>;

// Many rows upserted into one table as one set-based write (Store::bulkUpsert): bind a row's
// columns (1-based, in the order the columns were given), addRow(), and so on; finish() writes
// every row added since the last finish() inside the open transaction and empties the batch.
// Rows are matched to stored rows by the key: a stored row is replaced, and of rows added with
// the same key the last one wins. Errors come from finish() (or from an addRow() that writes a
// full batch) as StoreError. Rows not finish()ed when the writer is destroyed are discarded.
class BulkUpsert : public RowBinder {
 public:
  virtual void addRow() = 0;
  virtual void finish() = 0;
  virtual size_t pendingRows() const = 0;
};

using BulkUpsertPtr = std::unique_ptr<BulkUpsert>;

// ON CONFLICT (key) DO UPDATE SET every other column = excluded.column, WHERE one of them differs
// from the stored row's (DO NOTHING when every column is in the key; "" without a key): how both
// store kinds upsert. A row written again unchanged (an order or price re-read by every sync) is
// left as it is: no row or index write, no dead tuple on PostgreSQL.
inline std::string onConflictSql(std::string_view table, const std::vector<std::string>& columns,
                                 const std::vector<std::string>& key) {
  if (key.empty()) return "";
  std::string updates, stored, written, key_list;
  for (const auto& column : columns) {
    bool is_key = false;
    for (const auto& part : key) is_key = is_key || part == column;
    if (is_key) continue;
    const char* separator = updates.empty() ? "" : ", ";
    updates += separator + column + " = excluded." + column;
    stored += separator + std::string(table) + "." + column;
    written += separator + std::string("excluded.") + column;
  }
  for (const auto& part : key) key_list += (key_list.empty() ? "" : ", ") + part;
  if (updates.empty()) return " ON CONFLICT (" + key_list + ") DO NOTHING";
  return " ON CONFLICT (" + key_list + ") DO UPDATE SET " + updates + " WHERE (" + stored +
         ") IS DISTINCT FROM (" + written + ")";
}

// INSERT INTO table (columns) VALUES (?, ...) plus onConflictSql(): the SQL both store kinds
// speak. Names must have passed isValidIdentifier.
inline std::string upsertStatementSql(std::string_view table,
                                      const std::vector<std::string>& columns,
                                      const std::vector<std::string>& key) {
  std::string names, placeholders;
  for (const auto& column : columns) {
    names += (names.empty() ? "" : ", ") + column;
    placeholders += placeholders.empty() ? "?" : ", ?";
  }
  return "INSERT INTO " + std::string(table) + " (" + names + ") VALUES (" + placeholders + ")" +
         onConflictSql(table, columns, key);
}

class Store {
 public:
  enum class Mode {
    kReadWriteCreate,  // create the store when it does not exist
    kReadWrite,
    kReadOnly,
  };

  virtual ~Store() = default;

  // "sqlite" or "postgresql": the SQL dialect to speak when a statement must differ.
  virtual std::string kind() const = 0;
  // Where the store is, for messages: a file path or a URL without its password.
  virtual const std::string& location() const = 0;

  // ---- transactions (the engine's; a sink never calls these on the store it was given) ----
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual bool inTransaction() const = 0;

  // ---- pipeline state, kept in the store it describes and committed with its rows ----
  // What writeState() stored for `scope` (empty when nothing was).
  virtual StateMap readState(const std::string& scope) = 0;
  // Upserts every key of `state` for `scope`, inside the open transaction.
  virtual void writeState(const std::string& scope, const StateMap& state) = 0;

  // ---- rows ----
  // Runs SQL text (one or more statements, no results).
  virtual void exec(const std::string& sql) = 0;
  virtual StoreStatementPtr prepare(std::string_view sql) = 0;
  virtual bool tableExists(std::string_view table) = 0;
  // The column names of a table in table order (empty when there is no such table).
  virtual std::vector<std::string> tableColumns(std::string_view table) = 0;
  // What the schema object `name` is: "table", "view", "index", another kind's name, or "" when
  // there is none (in the store's own schema; temporary objects excluded).
  virtual std::string objectType(std::string_view name) = 0;
  // A bulk writer of `columns` into `table` (see BulkUpsert). A store with a set-based bulk path
  // uses it (PostgreSQL: COPY, straight into the table while the keys are new, else into a
  // staging table and one INSERT ... SELECT ... ON CONFLICT: postgres_store.h);
  // the default runs a prepared upsert per row, which is what SQLite does fastest.
  virtual BulkUpsertPtr bulkUpsert(std::string_view table, const std::vector<std::string>& columns,
                                   const std::vector<std::string>& key);
  bool columnExists(std::string_view table, std::string_view column) {
    for (const auto& name : tableColumns(table)) {
      if (name == column) return true;
    }
    return false;
  }

  // While `on`, large sorts (an index build, an ORDER BY without an index) hold little memory and
  // spill to temporary files, so memory stays flat however large the table. Stores that manage
  // sort memory themselves ignore it. Prefer the SortMemoryLimit guard below.
  virtual void limitSortMemory(bool /*on*/) {}
};

using StorePtr = std::unique_ptr<Store>;

// The default bulk path: one prepared upsert run per row as it is added (finish() has nothing
// left to do).
class StatementBulkUpsert final : public BulkUpsert {
 public:
  explicit StatementBulkUpsert(StoreStatementPtr upsert) : upsert_(std::move(upsert)) {}
  void bind(int index, const Value& value) override { upsert_->bind(index, value); }
  void bindNull(int index) override { upsert_->bindNull(index); }
  void bindInt(int index, int64_t value) override { upsert_->bindInt(index, value); }
  void bindDouble(int index, double value) override { upsert_->bindDouble(index, value); }
  void bindText(int index, std::string_view text) override { upsert_->bindText(index, text); }
  void bindTextStatic(int index, std::string_view text) override {
    upsert_->bindTextStatic(index, text);
  }
  void addRow() override { upsert_->run(); }
  void finish() override { upsert_->clearBindings(); }
  size_t pendingRows() const override { return 0; }

 private:
  StoreStatementPtr upsert_;
};

inline BulkUpsertPtr Store::bulkUpsert(std::string_view table,
                                       const std::vector<std::string>& columns,
                                       const std::vector<std::string>& key) {
  return std::make_unique<StatementBulkUpsert>(prepare(upsertStatementSql(table, columns, key)));
}

// Limits a store's sort memory for a scope (see Store::limitSortMemory).
class SortMemoryLimit {
 public:
  explicit SortMemoryLimit(Store& store) : store_(store) { store_.limitSortMemory(true); }
  ~SortMemoryLimit() { store_.limitSortMemory(false); }
  SortMemoryLimit(const SortMemoryLimit&) = delete;
  SortMemoryLimit& operator=(const SortMemoryLimit&) = delete;

 private:
  Store& store_;
};

// True for names safe to splice into SQL as identifiers: [A-Za-z_][A-Za-z0-9_]{0,63}. Table and
// column names from YAML must pass this; values are always bound, never spliced.
inline bool isValidIdentifier(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// "name" with embedded quotes doubled (use only on names that passed isValidIdentifier).
inline std::string quoteIdentifier(std::string_view name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

}  // namespace kalshi_direct

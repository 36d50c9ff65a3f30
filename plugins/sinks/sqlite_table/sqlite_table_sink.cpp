#include "sqlite_table_sink.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "kalshi_direct/config.h"

namespace kalshi_direct {
namespace plugins {

namespace {

constexpr const char* kSavepoint = "kd_sqlite_table_batch";

std::string lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// Values can be long (descriptions, JSON): a reason quotes at most 64 bytes of one.
std::string quoted(const std::string& text) {
  if (text.size() <= 64) return "'" + text + "'";
  return "'" + text.substr(0, 64) + "...'";
}

bool parseReal(std::string_view text, double& out) {
  if (text.empty()) return false;
  const char* begin = text.data();
  if (*begin == '+') ++begin;  // from_chars rejects a leading '+'
  const char* end = text.data() + text.size();
  const auto result = std::from_chars(begin, end, out, std::chars_format::general);
  return result.ec == std::errc() && result.ptr == end && std::isfinite(out);
}

// SQLite's type affinity of a declared column type (https://sqlite.org/datatype3.html 3.1).
enum class Affinity { kText, kNumeric, kInteger, kReal, kBlob };
Affinity affinityOf(const std::string& declared) {
  const std::string type = lowercase(declared);
  if (type.find("int") != std::string::npos) return Affinity::kInteger;
  if (type.find("char") != std::string::npos || type.find("clob") != std::string::npos ||
      type.find("text") != std::string::npos) {
    return Affinity::kText;
  }
  if (type.empty() || type.find("blob") != std::string::npos) return Affinity::kBlob;
  if (type.find("real") != std::string::npos || type.find("floa") != std::string::npos ||
      type.find("doub") != std::string::npos) {
    return Affinity::kReal;
  }
  return Affinity::kNumeric;
}

}  // namespace

const char* const kSqliteColumnTypeNames = "text, integer, real, decimal, timestamp, bool";

bool parseSqliteColumnType(std::string_view name, SqliteColumnType& type) {
  static const std::pair<const char*, SqliteColumnType> kTypes[] = {
      {"text", SqliteColumnType::kText},           {"integer", SqliteColumnType::kInteger},
      {"real", SqliteColumnType::kReal},           {"decimal", SqliteColumnType::kDecimal},
      {"timestamp", SqliteColumnType::kTimestamp}, {"bool", SqliteColumnType::kBool},
  };
  for (const auto& [type_name, value] : kTypes) {
    if (name == type_name) {
      type = value;
      return true;
    }
  }
  return false;
}

const char* sqliteColumnTypeName(SqliteColumnType type) {
  switch (type) {
    case SqliteColumnType::kText:
      return "text";
    case SqliteColumnType::kInteger:
      return "integer";
    case SqliteColumnType::kReal:
      return "real";
    case SqliteColumnType::kDecimal:
      return "decimal";
    case SqliteColumnType::kTimestamp:
      return "timestamp";
    case SqliteColumnType::kBool:
      return "bool";
  }
  return "unknown";
}

const char* sqliteDeclaredType(SqliteColumnType type) {
  switch (type) {
    case SqliteColumnType::kInteger:
    case SqliteColumnType::kBool:
      return "INTEGER";
    case SqliteColumnType::kReal:
      return "REAL";
    case SqliteColumnType::kText:
    case SqliteColumnType::kDecimal:
    case SqliteColumnType::kTimestamp:
      return "TEXT";
  }
  return "TEXT";
}

bool convertForColumn(const Value& value, SqliteColumnType type, ColumnValue& out,
                      std::string& reason) {
  out.kind = ColumnValue::Kind::kNull;
  if (value.isNull()) return true;
  auto integer = [&](int64_t number) {
    out.kind = ColumnValue::Kind::kInteger;
    out.integer = number;
    return true;
  };
  auto text = [&](std::string content) {
    out.kind = ColumnValue::Kind::kText;
    out.text = std::move(content);
    return true;
  };
  auto fail = [&]() {
    reason = "cannot store " + std::string(valueTypeName(value.type())) + " " +
             quoted(value.toText()) + " as " + sqliteColumnTypeName(type);
    return false;
  };
  switch (type) {
    case SqliteColumnType::kText:
      return text(value.toText());

    case SqliteColumnType::kInteger: {
      if (const int64_t* number = value.ifInt()) return integer(*number);
      if (const bool* flag = value.ifBool()) return integer(*flag ? 1 : 0);
      Decimal decimal;
      if (const Decimal* exact = value.ifDecimal())
        decimal = *exact;
      else if (const std::string* string = value.ifString()) {
        int64_t number;
        if (parseInt(*string, number)) return integer(number);
        if (!Decimal::parse(*string, decimal)) return fail();
      } else {
        return fail();
      }
      Decimal whole;
      if (!decimal.tryRescale(0, whole)) return fail();  // has a fraction
      return integer(whole.units());
    }

    case SqliteColumnType::kReal: {
      out.kind = ColumnValue::Kind::kReal;
      if (const int64_t* whole = value.ifInt()) {
        out.real = static_cast<double>(*whole);
        return true;
      }
      if (const Decimal* decimal = value.ifDecimal()) {
        if (parseReal(decimal->toString(), out.real)) return true;
      } else if (const std::string* string = value.ifString()) {
        if (parseReal(*string, out.real)) return true;
      }
      out.kind = ColumnValue::Kind::kNull;
      return fail();
    }

    case SqliteColumnType::kDecimal: {
      if (const Decimal* decimal = value.ifDecimal()) return text(decimal->toString());
      if (const int64_t* whole = value.ifInt()) return text(std::to_string(*whole));
      if (const std::string* string = value.ifString()) {
        Decimal decimal;
        if (Decimal::parse(*string, decimal)) return text(decimal.toString());
      }
      return fail();
    }

    case SqliteColumnType::kTimestamp: {
      if (const Timestamp* instant = value.ifTimestamp()) return text(instant->toIso8601());
      if (const std::string* string = value.ifString()) {
        Timestamp instant;
        if (Timestamp::parse(*string, instant)) return text(instant.toIso8601());
      }
      return fail();
    }

    case SqliteColumnType::kBool: {
      if (const bool* flag = value.ifBool()) return integer(*flag ? 1 : 0);
      if (const int64_t* number = value.ifInt()) {
        if (*number == 0 || *number == 1) return integer(*number);
        return fail();
      }
      if (const std::string* string = value.ifString()) {
        bool flag;
        if (*string == "1" || *string == "0") return integer(*string == "1" ? 1 : 0);
        if (parseBool(*string, flag)) return integer(flag ? 1 : 0);
      }
      return fail();
    }
  }
  return fail();
}

std::string createTableSql(const SqliteTableConfig& config) {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + quoteIdentifier(config.table) + " (";
  for (size_t i = 0; i < config.columns.size(); ++i) {
    if (i > 0) sql += ", ";
    sql +=
        quoteIdentifier(config.columns[i].name) + " " + sqliteDeclaredType(config.columns[i].type);
  }
  if (!config.key.empty()) {
    sql += ", PRIMARY KEY (";
    for (size_t i = 0; i < config.key.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += quoteIdentifier(config.key[i]);
    }
    sql += ")";
  }
  sql += ")";
  return sql;
}

std::string insertSql(const SqliteTableConfig& config) {
  std::string names, parameters;
  for (size_t i = 0; i < config.columns.size(); ++i) {
    if (i > 0) {
      names += ", ";
      parameters += ", ";
    }
    names += quoteIdentifier(config.columns[i].name);
    parameters += "?" + std::to_string(i + 1);
  }
  std::string sql = "INSERT INTO " + quoteIdentifier(config.table) + " (" + names + ") VALUES (" +
                    parameters + ")";
  if (config.upsert && !config.key.empty()) {
    std::string keys, updates;
    for (size_t i = 0; i < config.key.size(); ++i) {
      if (i > 0) keys += ", ";
      keys += quoteIdentifier(config.key[i]);
    }
    for (const auto& column : config.columns) {
      if (std::find(config.key.begin(), config.key.end(), column.name) != config.key.end()) {
        continue;
      }
      if (!updates.empty()) updates += ", ";
      const std::string name = quoteIdentifier(column.name);
      updates += name + " = excluded." + name;
    }
    sql += " ON CONFLICT (" + keys + ")" +
           (updates.empty() ? std::string(" DO NOTHING") : " DO UPDATE SET " + updates);
  }
  return sql;
}

SqliteTableSink::SqliteTableSink(SqliteTableConfig config) : config_(std::move(config)) {
  for (size_t i = 0; i < config_.columns.size(); ++i) {
    column_names_.insert(config_.columns[i].name);
    if (std::find(config_.key.begin(), config_.key.end(), config_.columns[i].name) !=
        config_.key.end()) {
      key_columns_.push_back(i);
    }
  }
}

SqliteTableSink::~SqliteTableSink() = default;

Status SqliteTableSink::statusFor(const StoreError& error, const std::string& what) const {
  const std::string message = "table '" + config_.table + "': " + what + ": " + error.what();
  return error.retryable() ? Status::retry(message) : Status::failed(message);
}

Status SqliteTableSink::open(SinkContext& context) {
  context_ = &context;
  db_ = context.store();
  if (db_ == nullptr) {
    return Status::failed("no database connection for '" + config_.path + "'");
  }
  try {
    if (Status status = ensureTable(); !status.isOk()) return status;
  } catch (const StoreError& error) {
    return statusFor(error, "cannot create or inspect the table");
  }
  try {
    insert_ = db_->prepare(insertSql(config_));
  } catch (const StoreError& error) {
    if (config_.upsert) {
      std::string keys;
      for (const auto& key : config_.key) keys += (keys.empty() ? "" : ", ") + key;
      return Status::failed("table '" + config_.table + "' in '" + config_.path +
                            "' has no PRIMARY KEY or UNIQUE index on (" + keys +
                            ") for the upsert: " + error.what());
    }
    return statusFor(error, "cannot prepare the insert");
  }
  return Status::ok();
}

Status SqliteTableSink::ensureTable() {
  std::vector<std::pair<std::string, std::string>> existing;  // lowercase name, declared type
  {
    StoreStatementPtr info = db_->prepare("SELECT name, type FROM pragma_table_info(?1)");
    info->bindText(1, config_.table);
    while (info->step()) existing.emplace_back(lowercase(info->columnText(0)), info->columnText(1));
  }
  if (existing.empty()) {
    db_->exec(createTableSql(config_));
    return Status::ok();
  }
  std::string missing;
  for (const auto& column : config_.columns) {
    const auto found = std::find_if(existing.begin(), existing.end(), [&](const auto& entry) {
      return entry.first == lowercase(column.name);
    });
    if (found == existing.end()) {
      missing += (missing.empty() ? "" : ", ") + column.name;
      continue;
    }
    const Affinity affinity = affinityOf(found->second);
    if ((column.type == SqliteColumnType::kDecimal ||
         column.type == SqliteColumnType::kTimestamp) &&
        affinity != Affinity::kText && affinity != Affinity::kBlob && context_) {
      context_->log(LogLevel::kWarning,
                    "column '" + column.name + "' of existing table '" + config_.table +
                        "' is declared " + found->second + ": SQLite may store the exact " +
                        sqliteColumnTypeName(column.type) + " text as a number");
    }
  }
  if (!missing.empty()) {
    return Status::failed("table '" + config_.table + "' already exists in '" + config_.path +
                          "' without the column(s) " + missing +
                          "; add them with ALTER TABLE or write to another table");
  }
  return Status::ok();
}

void SqliteTableSink::undoBatch() {
  try {
    db_->exec(std::string("ROLLBACK TO ") + kSavepoint + "; RELEASE " + kSavepoint);
  } catch (const StoreError&) {
    // The savepoint is gone only when SQLite rolled back the whole transaction; write() reports it.
  }
}

WriteResult SqliteTableSink::write(const Batch& batch) {
  WriteResult result;
  if (!insert_) {
    result.status = Status::failed("table '" + config_.table + "' is not open");
    return result;
  }
  const bool in_transaction = db_->inTransaction();
  try {
    db_->exec(std::string("SAVEPOINT ") + kSavepoint);
  } catch (const StoreError& error) {
    result.status = statusFor(error, "cannot start the batch");
    return result;
  }
  // Undoes the batch; a busy database becomes kRetry unless SQLite already dropped the
  // transaction (then earlier batches are gone too and retrying cannot make it right).
  auto abandon = [&](const StoreError& error, const std::string& what) {
    undoBatch();
    result.rejected.clear();
    if (in_transaction && !db_->inTransaction()) {
      result.status = Status::failed("table '" + config_.table + "': " + what +
                                     ": the transaction was rolled back: " + error.what());
    } else {
      result.status = statusFor(error, what);
    }
    return result;
  };

  std::vector<ColumnValue> values(config_.columns.size());
  for (size_t index = 0; index < batch.records.size(); ++index) {
    const Record& record = batch.records[index];
    std::string reason;
    bool convertible = true;
    for (size_t c = 0; c < config_.columns.size() && convertible; ++c) {
      const auto& column = config_.columns[c];
      if (!convertForColumn(record.get(column.name), column.type, values[c], reason)) {
        reason = "column '" + column.name + "': " + reason;
        convertible = false;
      }
    }
    for (size_t c : key_columns_) {
      if (convertible && values[c].kind == ColumnValue::Kind::kNull) {
        reason = "key column '" + config_.columns[c].name + "' is missing or null";
        convertible = false;
      }
    }
    if (!convertible) {
      result.rejected.push_back({index, reason});
      continue;
    }
    try {
      for (size_t c = 0; c < values.size(); ++c) {
        const int parameter = static_cast<int>(c + 1);
        switch (values[c].kind) {
          case ColumnValue::Kind::kNull:
            insert_->bindNull(parameter);
            break;
          case ColumnValue::Kind::kInteger:
            insert_->bindInt(parameter, values[c].integer);
            break;
          case ColumnValue::Kind::kReal:
            insert_->bindDouble(parameter, values[c].real);
            break;
          case ColumnValue::Kind::kText:
            insert_->bindText(parameter, values[c].text);
            break;
        }
      }
      insert_->run();
    } catch (const StoreError& error) {
      if (error.cause() == StoreError::Cause::kBadValue) {
        // Only this statement was undone; the record is bad, not the batch.
        result.rejected.push_back({index, error.what()});
        continue;
      }
      return abandon(error, "cannot write the batch");
    }
    for (const Field& field : record.fields()) {
      if (column_names_.count(field.name) == 0 && warned_fields_.insert(field.name).second &&
          context_) {
        context_->log(LogLevel::kDebug, "table '" + config_.table + "' has no column '" +
                                            field.name + "'; the field is not written");
      }
    }
  }
  try {
    db_->exec(std::string("RELEASE ") + kSavepoint);
  } catch (const StoreError& error) {
    return abandon(error, "cannot finish the batch");
  }
  return result;
}

Status SqliteTableSink::close() {
  insert_.reset();
  db_ = nullptr;
  return Status::ok();
}

}  // namespace plugins
}  // namespace kalshi_direct

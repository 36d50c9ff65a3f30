// Wiring of the `sqlite_table` sink: option table, option checks, registration.
// Logic: sqlite_table_sink.cpp.
#include "kalshi_direct/plugin.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "kalshi_direct/store.h"
#include "sqlite_table_sink.h"

namespace kalshi_direct {
namespace builtin {

namespace {

std::string lowercase(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

class SqliteTableSinkFactory final : public SinkFactory {
 public:
  std::string name() const override { return "sqlite_table"; }
  std::string description() const override {
    return "Inserts or upserts records into a table of a SQLite file, created from the declared "
           "columns";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("path", OptionType::kString)
            .required()
            .nonEmpty()
            .help("SQLite database file (created if missing; shared with other sinks on the same "
                  "file, committed together with the source state)"),
        OptionSpec("table", OptionType::kString)
            .required()
            .pattern("[A-Za-z_][A-Za-z0-9_]{0,63}",
                     "a table name: letters, digits and _, not starting with a digit, at most 64")
            .help("table name: letters, digits and _, not starting with a digit"),
        OptionSpec("columns", OptionType::kAny)
            .required()
            .help(std::string("map of column -> type (") + plugins::kSqliteColumnTypeNames +
                  "); each column is filled from the record field of the same name, e.g. "
                  "{ id: text, count: integer, price: decimal }"),
        OptionSpec("key", OptionType::kStringList)
            .help("columns of the primary key (created with the table); required for upsert"),
        OptionSpec("mode", OptionType::kEnum)
            .allowed({"insert", "upsert"})
            .help("insert, or upsert (update the row with the same key); default: upsert when "
                  "key is set, else insert"),
    };
  }

  std::vector<FieldReference> referencedFields(const Options& options) const override {
    std::vector<FieldReference> references;
    const ConfigValue* columns = options.find("columns");
    if (columns == nullptr || !columns->isMap()) return references;  // create() reports it
    for (const auto& entry : columns->entries()) references.push_back({entry.key, "columns"});
    return references;
  }

  std::vector<StoreTables> tables(const Options& options) const override {
    return {{options.getString("path"), "path", {}, {options.getString("table")}}};
  }
  Status create(const Options& options, SinkPtr& out) const override {
    auto error = [&](const SourceLocation& location, const std::string& message) {
      return Status::invalidConfig(location.toString() + ": sink 'sqlite_table': " + message);
    };
    auto at = [&](const SourceLocation& location, const char* option) {
      return location.line > 0 ? location : options.location(option);
    };

    plugins::SqliteTableConfig config;
    config.path = options.getString("path");    // not empty: declared
    config.table = options.getString("table");  // an identifier: declared
    if (lowercase(config.table).rfind("sqlite_", 0) == 0) {
      return error(options.location("table"),
                   "table name '" + config.table + "' is reserved by SQLite (sqlite_ prefix)");
    }

    const ConfigValue* columns = options.find("columns");
    if (columns == nullptr || !columns->isMap() || columns->entries().empty()) {
      return error(options.location("columns"),
                   "option 'columns' must be a map of column -> type, e.g. { id: text, count: "
                   "integer }");
    }
    std::vector<std::string> seen;
    for (const auto& entry : columns->entries()) {
      const SourceLocation key_location = at(entry.key_location, "columns");
      if (!isValidIdentifier(entry.key)) {
        return error(key_location, "column name '" + entry.key +
                                       "' must be letters, digits and _ (not starting with a "
                                       "digit, at most 64)");
      }
      if (std::find(seen.begin(), seen.end(), lowercase(entry.key)) != seen.end()) {
        return error(key_location, "column '" + entry.key + "' is declared twice");
      }
      seen.push_back(lowercase(entry.key));
      const SourceLocation type_location = at(entry.value.location(), "columns");
      plugins::SqliteColumnType type;
      if (!entry.value.isScalar()) {
        return error(type_location, "the type of column '" + entry.key + "' must be one of " +
                                        plugins::kSqliteColumnTypeNames + ", not " +
                                        ConfigValue::kindName(entry.value.kind()));
      }
      if (!plugins::parseSqliteColumnType(entry.value.text(), type)) {
        return error(type_location, "column type '" + entry.value.text() + "' is not one of " +
                                        plugins::kSqliteColumnTypeNames);
      }
      config.columns.push_back({entry.key, type});
    }

    config.key = options.getStringList("key");
    for (size_t i = 0; i < config.key.size(); ++i) {
      const std::string& key = config.key[i];
      const bool declared = std::any_of(config.columns.begin(), config.columns.end(),
                                        [&](const auto& column) { return column.name == key; });
      if (!declared) {
        std::string names;
        for (const auto& column : config.columns)
          names += (names.empty() ? "" : ", ") + column.name;
        return error(options.location("key"),
                     "key column '" + key + "' is not one of the columns (" + names + ")");
      }
      if (std::find(config.key.begin(), config.key.begin() + static_cast<long>(i), key) !=
          config.key.begin() + static_cast<long>(i)) {
        return error(options.location("key"), "key column '" + key + "' is listed twice");
      }
    }

    const std::string mode = options.getString("mode", config.key.empty() ? "insert" : "upsert");
    if (mode == "upsert") {
      if (config.key.empty()) {
        return error(options.location("mode"),
                     "mode 'upsert' needs a key (the columns that identify a row)");
      }
      config.upsert = true;
    }  // else insert (the only other value the declared enum allows)

    out = std::make_unique<plugins::SqliteTableSink>(std::move(config));
    return Status::ok();
  }
};

}  // namespace

Status register_sink_sqlite_table(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<SqliteTableSinkFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

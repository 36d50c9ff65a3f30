// Wiring of the `csv` sink: option table, option checks, registration. Logic: csv_sink.cpp.
#include "kalshi_direct/plugin.h"

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "csv_sink.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class CsvSinkFactory final : public SinkFactory {
 public:
  std::string name() const override { return "csv"; }
  std::string description() const override {
    return "Writes records to a CSV file (RFC 4180), replacing it atomically or appending to it";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("path", OptionType::kString)
            .required()
            .nonEmpty()
            .help("CSV file to write; its directory must exist"),
        OptionSpec("mode", OptionType::kEnum)
            .allowed({"replace", "append"})
            .defaultValue("replace")
            .help("replace: the file is swapped in atomically when the run succeeds; append: "
                  "committed rows are added to the end"),
        OptionSpec("fields", OptionType::kStringList)
            .help("columns in order (default: the first record's fields; in append mode the "
                  "existing header)"),
        OptionSpec("header", OptionType::kBool)
            .defaultValue("true")
            .help("write a header line (in append mode only into a new or empty file)"),
        OptionSpec("delimiter", OptionType::kString)
            .defaultValue(",")
            .help("one character between fields, e.g. ',' ';' or '\\t'"),
        OptionSpec("line_ending", OptionType::kEnum)
            .allowed({"lf", "crlf"})
            .defaultValue("lf")
            .help("end of each line: lf (\\n) or crlf (\\r\\n)"),
        OptionSpec("neutralize_formulas", OptionType::kBool)
            .defaultValue("true")
            .help("prefix text cells a spreadsheet would run as a formula (=, +, -, @ ...) with an "
                  "apostrophe"),
    };
  }

  std::vector<FieldReference> referencedFields(const Options& options) const override {
    std::vector<FieldReference> references;
    for (const auto& field : options.getStringList("fields"))
      references.push_back({field, "fields"});
    return references;
  }

  Status create(const Options& options, SinkPtr& out) const override {
    auto error = [&](const char* option, const std::string& message) {
      return Status::invalidConfig(options.location(option).toString() +
                                   ": sink 'csv': " + message);
    };
    plugins::CsvSinkConfig config;
    config.path = options.getString("path");                 // not empty: declared
    if (options.getString("mode", "replace") == "append") {  // replace or append: declared
      config.mode = plugins::CsvSinkConfig::Mode::kAppend;
    }

    config.fields = options.getStringList("fields");
    std::set<std::string> seen;
    for (const auto& field : config.fields) {
      if (field.empty()) return error("fields", "fields must not contain an empty name");
      if (!seen.insert(field).second) {
        return error("fields", "field '" + field + "' is listed twice in fields");
      }
    }

    config.header = options.getBool("header", true);

    std::string delimiter = options.getString("delimiter", ",");
    if (delimiter == "\\t" || delimiter == "tab") delimiter = "\t";
    if (delimiter.size() != 1 || delimiter[0] == '"' || delimiter[0] == '\r' ||
        delimiter[0] == '\n') {
      return error("delimiter", "delimiter '" + delimiter +
                                    "' must be one character other than a quote or a line break");
    }
    config.delimiter = delimiter[0];

    config.neutralize_formulas = options.getBool("neutralize_formulas", true);
    if (options.getString("line_ending", "lf") == "crlf") config.line_ending = "\r\n";

    out = std::make_unique<plugins::CsvSink>(std::move(config));
    return Status::ok();
  }
};

}  // namespace

Status register_sink_csv(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<CsvSinkFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

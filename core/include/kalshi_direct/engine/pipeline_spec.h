// Pipeline specs: what a YAML pipeline file says, checked before any I/O.
//
//   loadPipelineSpec()  reads YAML, applies `params` (+ --set overrides) and ${VAR} /
//   ${VAR:-default}
//                       interpolation, checks the top-level shape.
//   resolvePipeline()   looks up every stage's plugin, validates its options against the plugin's
//                       OptionSpec table (unknown/mistyped/missing), fills defaults and checks that
//                       every stream a stage takes is produced by the source or an earlier stage.
//
// Both throw ConfigError, whose what() is one line: "file:line:column: what is wrong (what is
// right)". Nothing here opens a database, a socket or a plugin instance.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kalshi_direct/config.h"
#include "kalshi_direct/engine/registry.h"

namespace kalshi_direct {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(const SourceLocation& location, const std::string& message)
      : std::runtime_error(
            oneLine(location.file.empty() ? message : location.toString() + ": " + message)),
        location_(location) {}
  const SourceLocation& location() const { return location_; }

  // A message quotes what the user wrote, which may hold line breaks or other control
  // characters: they are shown escaped (\n, \t, \xNN) so every error stays one line.
  static std::string oneLine(const std::string& text) {
    std::string out;
    size_t end = text.size();
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r' || text[end - 1] == ' '))
      --end;
    for (size_t i = 0; i < end; ++i) {
      const unsigned char c = static_cast<unsigned char>(text[i]);
      if (c == '\n')
        out += "\\n";
      else if (c == '\r')
        out += "\\r";
      else if (c == '\t')
        out += "\\t";
      else if (c < 0x20 || c == 0x7f) {
        static const char* digits = "0123456789abcdef";
        out += "\\x";
        out += digits[c >> 4];
        out += digits[c & 15];
      } else {
        out += static_cast<char>(c);
      }
    }
    return out;
  }

 private:
  SourceLocation location_;
};

struct StageSpec {
  PluginKind kind = PluginKind::kSource;
  std::string type;
  std::string label;        // "source 'kalshi_live'", "transforms[1] 'select'", "sinks[0] 'csv'"
  SourceLocation location;  // where the stage's mapping starts
  ConfigValue options;      // the stage's keys minus type / inputs / fallback
  bool inputs_given = false;
  std::vector<std::string> inputs;
  SourceLocation inputs_location;
  // Models only (engine keys, not plugin options): the store it runs on (empty: the one store the
  // sinks write) and how often at most (0: at every commit).
  std::string store;
  SourceLocation store_location;
  int64_t min_interval_ms = 0;
};

struct RetryPolicy {
  int max_attempts = 5;  // per write/read call, including the first
  int64_t initial_backoff_ms = 200;
  int64_t max_backoff_ms = 10000;
};

struct PipelineSpec {
  std::string file;  // as given (for messages)
  std::string name;
  std::string description;
  std::vector<std::pair<std::string, std::string>> params;  // final values, in file order
  std::vector<std::string> plugin_paths;                    // ~ expanded
  SourceLocation plugin_paths_location;                     // where plugin_paths is (for messages)
  size_t batch_size = 1000;
  int64_t commit_rows = 100000;
  int64_t commit_interval_ms = 1000;
  std::string state_path;   // empty: the first database sink's file
  std::string state_scope;  // key space in the state table; default: the pipeline name
  // The account whose rows the pipeline's server stores hold (`account:`, or --account): each
  // PostgreSQL location gets account=NAME (postgres_store.h). Empty: the default account. A
  // SQLite file holds one account: naming one there is refused.
  std::string account;
  std::string dead_letter_path;  // empty: <name>.dead-letter.jsonl in the working directory
  bool allow_fallback = true;    // exit 0 when the fallback source served the run
  RetryPolicy retry;
  StageSpec source;
  std::optional<StageSpec> fallback;
  std::vector<StageSpec> transforms;
  std::vector<StageSpec> sinks;
  std::vector<StageSpec> models;
};

struct LoadOptions {
  // --set name=value: overrides a declared param (an undeclared name is an error).
  std::vector<std::pair<std::string, std::string>> overrides;
  // How the user spelled each override ("--db", "--days", "--set db"): a value that comes from one
  // is located there, not in a file the user may never have written.
  std::map<std::string, std::string> override_labels;
  // Environment lookup; default: getenv.
  std::function<std::optional<std::string>(const std::string&)> environment;
};

PipelineSpec loadPipelineSpec(const std::string& path, const LoadOptions& options);
PipelineSpec parsePipelineSpec(const std::string& yaml_text, const std::string& file_label,
                               const LoadOptions& options);

struct ResolvedStage {
  StageSpec spec;
  Options options;                  // validated, defaults filled
  std::vector<std::string> inputs;  // resolved; for sources: the streams produced
  // The declared fields of those streams (see StreamFields in plugin.h); for transforms and
  // sinks the fields of what they take, for sources what they produce.
  StreamFields input_fields;
};

struct ResolvedPipeline {
  PipelineSpec spec;
  ResolvedStage source;
  std::optional<ResolvedStage> fallback;
  std::vector<ResolvedStage> transforms;
  std::vector<ResolvedStage> sinks;
  // Each model's store is its spec.store, filled in by resolvePipeline.
  std::vector<ResolvedStage> models;
};

ResolvedPipeline resolvePipeline(const PipelineSpec& spec, const Registry& registry);

// Runs every stage's factory check() (deep option validation, no I/O). Throws ConfigError.
void checkPipeline(const ResolvedPipeline& pipeline, const Registry& registry);

// A plugin's kInvalidConfig message normally starts with its own "file:line:col: "; anything else
// gets the stage's label and location in front.
std::string describeStageError(const ResolvedStage& stage, const Status& status);

// Validates one stage's options against a factory's table (exposed for tests and `validate`).
Options validateOptions(const StageSpec& stage, const PluginFactory& factory);

// "a, b, c" / closest-name suggestions used in messages.
std::string joinNames(const std::vector<std::string>& names);
std::string closestName(const std::string& wrong, const std::vector<std::string>& candidates);

}  // namespace kalshi_direct

#include "kalshi_direct/engine/pipeline_spec.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include "kalshi_direct/engine/database_lock.h"
#include "kalshi_direct/engine/postgres_store.h"

namespace kalshi_direct {

namespace {

SourceLocation locationOf(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null()) return SourceLocation{file, 0, 0};
  return SourceLocation{file, mark.line + 1, mark.column + 1};
}

bool isVariableName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// The variables that hold credentials (Kalshi's), and the only options they may fill: anywhere
// else (a name, a path, a stream, a param) the secret would reach file names, table names, the
// lock file or the run summary.
const char* const kCredentialVariables[] = {"KALSHI_API_KEY", "KALSHI_API_KEY_ID",
                                            "KALSHI_PRIVATE_KEY"};
const char* const kCredentialOptions[] = {"api_key", "key_id", "private_key"};

void refuseMisplacedCredential(const std::string& name, const std::string& key,
                               const SourceLocation& location, const std::string& context) {
  if (std::find(std::begin(kCredentialVariables), std::end(kCredentialVariables), name) ==
          std::end(kCredentialVariables) ||
      std::find(std::begin(kCredentialOptions), std::end(kCredentialOptions), key) !=
          std::end(kCredentialOptions)) {
    return;
  }
  throw ConfigError(location,
                    context + "${" + name +
                        "} holds a credential: it may only be the value of api_key, "
                        "key_id or private_key (elsewhere it would reach file names, logs or the "
                        "database); leave it out, kalshi_live reads it by itself");
}

// The names a file uses as ${NAME:-default} (outside `params:` too): each is a parameter the user
// may set with --set NAME=... (or --days/--db) without declaring it, as the default says it is one.
// Credential variables are not: a secret does not belong on a command line.
std::vector<std::string> defaultedReferences(const std::string& text) {
  std::vector<std::string> names;
  for (size_t at = text.find("${"); at != std::string::npos; at = text.find("${", at + 2)) {
    if (at > 0 && text[at - 1] == '$') continue;  // $${ is a literal
    const size_t end = text.find_first_of(":}", at + 2);
    if (end == std::string::npos || text.compare(end, 2, ":-") != 0) continue;
    const std::string name = text.substr(at + 2, end - at - 2);
    if (!isVariableName(name) ||
        std::find(std::begin(kCredentialVariables), std::end(kCredentialVariables), name) !=
            std::end(kCredentialVariables) ||
        std::find(names.begin(), names.end(), name) != names.end())
      continue;
    names.push_back(name);
  }
  return names;
}

// Expands ${NAME} and ${NAME:-default} (params first, then the environment); $$ is a literal $.
class Interpolator {
 public:
  explicit Interpolator(const LoadOptions& options) : options_(options) {}

  void setParam(const std::string& name, const std::string& value) { params_[name] = value; }
  // ${PIPELINE_DIR}: the directory of the pipeline file, for paths that belong with the file
  // (relative paths are relative to the working directory, like a path on the command line).
  void setPipelineDirectory(std::string directory) { pipeline_dir_ = std::move(directory); }
  // A param set from the command line: values that use it are located at `label` ("--db x.db").
  void setOverride(const std::string& name, const std::string& value, const std::string& label) {
    params_[name] = value;
    flags_[name] = label + " " + quoted(value);
  }
  const std::map<std::string, std::string>& params() const { return params_; }

  // `key`: the YAML key the text is the value of ("" at the top of a list or document).
  // `from_flag` (when given) receives the label of the first command-line override used.
  std::string apply(const std::string& text, const SourceLocation& location,
                    const std::string& context, const std::string& key = "",
                    std::string* from_flag = nullptr) const {
    std::string out;
    size_t i = 0;
    while (i < text.size()) {
      if (text[i] != '$') {
        out.push_back(text[i++]);
        continue;
      }
      if (i + 1 < text.size() && text[i + 1] == '$') {
        out.push_back('$');
        i += 2;
        continue;
      }
      if (i + 1 >= text.size() || text[i + 1] != '{') {
        out.push_back(text[i++]);
        continue;
      }
      const size_t close = text.find('}', i + 2);
      if (close == std::string::npos) {
        throw ConfigError(location,
                          context + "unterminated '${' in '" + text +
                              "' (write ${NAME} or ${NAME:-default}; $$ for a literal $)");
      }
      const std::string body = text.substr(i + 2, close - i - 2);
      const size_t dash = body.find(":-");
      const std::string name = dash == std::string::npos ? body : body.substr(0, dash);
      if (!isVariableName(name)) {
        throw ConfigError(location, context + "'${" + body +
                                        "}' is not a valid variable reference "
                                        "(write ${NAME} or ${NAME:-default})");
      }
      refuseMisplacedCredential(name, key, location, context);
      auto param = params_.find(name);
      if (name == "PIPELINE_DIR") {
        out += pipeline_dir_;
      } else if (param != params_.end()) {
        out += param->second;
        if (auto flag = flags_.find(name); from_flag && flag != flags_.end() && from_flag->empty())
          *from_flag = flag->second;
      } else if (auto value = lookupEnvironment(name)) {
        out += *value;
      } else if (dash != std::string::npos) {
        out += body.substr(dash + 2);
      } else {
        throw ConfigError(location, context + "environment variable " + name +
                                        " is not set and has no default (set it, or write ${" +
                                        name + ":-default})");
      }
      i = close + 1;
    }
    return out;
  }

 private:
  std::optional<std::string> lookupEnvironment(const std::string& name) const {
    if (options_.environment) return options_.environment(name);
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  }

  static std::string quoted(const std::string& value) {
    return value.find_first_of(" '\"") == std::string::npos && !value.empty() ? value
                                                                              : "'" + value + "'";
  }

  const LoadOptions& options_;
  std::map<std::string, std::string> params_;
  std::map<std::string, std::string> flags_;  // param -> "--db x.db"
  std::string pipeline_dir_;
};

// How deep lists and maps may nest in a pipeline (a real one nests four or five levels): deeper
// input is refused in one line instead of exhausting the stack.
constexpr int kMaxNesting = 64;

// YAML node -> located ConfigValue, interpolating scalars and refusing duplicate keys.
ConfigValue convert(const YAML::Node& node, const std::string& file,
                    const Interpolator& interpolator, const std::string& context,
                    const std::string& key = "", int depth = 0) {
  const SourceLocation location = locationOf(file, node.Mark());
  if (depth > kMaxNesting)
    throw ConfigError(location, context + "lists and maps nested more than " +
                                    std::to_string(kMaxNesting) + " levels deep");
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return ConfigValue::null(location);
    case YAML::NodeType::Scalar: {
      std::string flag;
      std::string text = interpolator.apply(node.Scalar(), location, context, key, &flag);
      // A value the command line gave is located there (line 0: the label is the whole place).
      return ConfigValue::scalar(std::move(text),
                                 flag.empty() ? location : SourceLocation{flag, 0, 0});
    }
    case YAML::NodeType::Sequence: {
      ConfigValue list = ConfigValue::list(location);
      for (const auto& item : node)
        list.push(convert(item, file, interpolator, context, key, depth + 1));
      return list;
    }
    case YAML::NodeType::Map: {
      ConfigValue map = ConfigValue::map(location);
      for (const auto& entry : node) {
        const SourceLocation key_location = locationOf(file, entry.first.Mark());
        if (!entry.first.IsScalar()) {
          throw ConfigError(key_location, context + "map keys must be plain names");
        }
        const std::string key = entry.first.Scalar();
        if (map.find(key))
          throw ConfigError(key_location,
                            context + "duplicate key '" + key +
                                "' (a key may appear once: remove or merge the other)");
        map.insert(key, key_location,
                   convert(entry.second, file, interpolator, context, key, depth + 1));
      }
      return map;
    }
  }
  return ConfigValue::null(location);
}

std::string expandHome(const std::string& path) {
  if (path.rfind("~/", 0) == 0 || path == "~") {
    const char* home = std::getenv("HOME");
    if (home) return std::string(home) + path.substr(1);
  }
  return path;
}

const ConfigValue& requireScalar(const ConfigValue& value, const std::string& what) {
  if (!value.isScalar()) {
    throw ConfigError(value.location(),
                      what + " must be a single value, not " + ConfigValue::kindName(value.kind()));
  }
  return value;
}

int64_t requireInt(const ConfigValue& value, const std::string& what, int64_t minimum) {
  int64_t result = 0;
  if (!parseInt(requireScalar(value, what).text(), result) || result < minimum) {
    throw ConfigError(value.location(),
                      what + " must be a whole number >= " + std::to_string(minimum) + ", not '" +
                          value.text() + "'");
  }
  return result;
}

int64_t requireDuration(const ConfigValue& value, const std::string& what) {
  int64_t millis = 0;
  std::string error;
  if (!parseDurationMillis(requireScalar(value, what).text(), millis, &error)) {
    throw ConfigError(value.location(), what + ": " + error);
  }
  return millis;
}

void rejectUnknownKeys(const ConfigValue& map, const std::vector<std::string>& valid,
                       const std::string& context) {
  for (const auto& entry : map.entries()) {
    if (std::find(valid.begin(), valid.end(), entry.key) == valid.end()) {
      const std::string suggestion = closestName(entry.key, valid);
      throw ConfigError(entry.key_location,
                        context + "unknown key '" + entry.key + "'" +
                            (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") +
                            " (valid: " + joinNames(valid) + ")");
    }
  }
}

// What to do about a YAML syntax error, in a few words (yaml-cpp's messages say what, not how).
std::string yamlSyntaxHint(const std::string& text, const YAML::Exception& error) {
  // A tab in the indentation of the line (or the one before it) is the classic cause.
  std::vector<std::string> lines;
  std::stringstream stream(text);
  for (std::string line; std::getline(stream, line);) lines.push_back(line);
  if (!error.mark.is_null()) {
    for (int n = std::max(0, error.mark.line - 1);
         n <= error.mark.line && n < static_cast<int>(lines.size()); ++n) {
      const std::string& line = lines[static_cast<size_t>(n)];
      const size_t indent_end = line.find_first_not_of(" \t");
      if (line.substr(0, indent_end).find('\t') != std::string::npos) {
        return "line " + std::to_string(n + 1) + " is indented with a tab: indent with spaces";
      }
    }
  }
  const std::string& what = error.msg;
  // `[${db}]`: inside [ ] or { } a '{' starts a map, so an unquoted ${...} breaks the flow.
  if (!error.mark.is_null() && error.mark.line < static_cast<int>(lines.size()) &&
      what.find("flow") != std::string::npos) {
    const std::string& line = lines[static_cast<size_t>(error.mark.line)];
    const size_t variable = line.find("${");
    if (variable != std::string::npos && line.find_first_of("[{") < variable) {
      return "quote a value that contains ${...} inside [ ] or { }, e.g. "
             "[\"${PIPELINE_DIR}/plugins\"]";
    }
  }
  if (what.find("map flow") != std::string::npos) {
    return "close the '{' with '}' and check that quotes opened inside it are closed";
  }
  if (what.find("sequence flow") != std::string::npos) {
    return "close the '[' with ']' and check that quotes opened inside it are closed";
  }
  if (what.find("end of map") != std::string::npos ||
      what.find("end of sequence") != std::string::npos ||
      what.find("illegal map value") != std::string::npos ||
      what.find("block entry") != std::string::npos || what.find("map key") != std::string::npos) {
    return "check the indentation (spaces, keys of one map aligned) and quote values that contain "
           "': '";
  }
  if (what.find("escape") != std::string::npos) {
    return "write \\\\ for a backslash in double quotes, or use single quotes";
  }
  if (what.find("scalar") != std::string::npos) {
    return "close the quote, or quote the value with ' instead of \"";
  }
  if (what.find("anchor") != std::string::npos || what.find("alias") != std::string::npos) {
    return "quote values that start with & or *";
  }
  return "fix the YAML at that place; quote values with special characters";
}

StageSpec parseStage(const ConfigValue& value, PluginKind kind, const std::string& position) {
  StageSpec stage;
  stage.kind = kind;
  stage.location = value.location();
  if (kind == PluginKind::kModel && value.isScalar() && !value.text().empty()) {
    // `models: [kalshi_pnl]`: a model with its default options.
    stage.type = value.text();
    stage.label = position + " '" + stage.type + "'";
    stage.options = ConfigValue::map(value.location());
    return stage;
  }
  if (!value.isMap()) {
    throw ConfigError(value.location(), position + " must be a map with a 'type' key, not " +
                                            ConfigValue::kindName(value.kind()));
  }
  const ConfigValue* type = value.find("type");
  if (!type || !type->isScalar() || type->text().empty()) {
    throw ConfigError(value.location(), position + " has no 'type' (name the " +
                                            pluginKindName(kind) + " plugin to use)");
  }
  stage.type = type->text();
  stage.label = position + " '" + stage.type + "'";
  stage.options = ConfigValue::map(value.location());
  for (const auto& entry : value.entries()) {
    if (entry.key == "type" || (kind == PluginKind::kSource && entry.key == "fallback")) continue;
    if (kind == PluginKind::kModel && entry.key == "store") {
      stage.store = requireScalar(entry.value, stage.label + ": store").text();
      stage.store_location = entry.value.location();
      if (stage.store.empty())
        throw ConfigError(entry.value.location(), stage.label + ": store is empty");
      continue;
    }
    if (kind == PluginKind::kModel && entry.key == "min_interval") {
      stage.min_interval_ms = requireDuration(entry.value, stage.label + ": min_interval");
      continue;
    }
    if (entry.key == "inputs" && kind != PluginKind::kSource && kind != PluginKind::kModel) {
      stage.inputs_given = true;
      stage.inputs_location = entry.value.location();
      if (entry.value.isScalar()) {
        stage.inputs.push_back(entry.value.text());
      } else if (entry.value.isList()) {
        for (const auto& item : entry.value.items()) {
          stage.inputs.push_back(requireScalar(item, stage.label + ": each input").text());
        }
      } else {
        throw ConfigError(entry.value.location(),
                          stage.label + ": 'inputs' must be a stream name or a list of them");
      }
      continue;
    }
    stage.options.insert(entry.key, entry.key_location, entry.value);
  }
  return stage;
}

}  // namespace

std::string joinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out.empty() ? "none" : out;
}

std::string closestName(const std::string& wrong, const std::vector<std::string>& candidates) {
  // Levenshtein distance; suggest only close matches (a typo, not a different word).
  auto distance = [](const std::string& a, const std::string& b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t previous = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t current = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] != b[j - 1] ? 1 : 0)});
        previous = current;
      }
    }
    return row[b.size()];
  };
  std::string best;
  size_t best_distance = 3;  // at most 2 edits
  for (const auto& candidate : candidates) {
    const size_t d = distance(wrong, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

PipelineSpec loadPipelineSpec(const std::string& path, const LoadOptions& options) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigError(SourceLocation{},
                      path + ": is a directory, not a pipeline file (give the YAML file in it)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigError(SourceLocation{}, path +
                                            ": cannot read pipeline file (check the path and "
                                            "its permissions)");
  }
  std::stringstream text;
  text << in.rdbuf();
  return parsePipelineSpec(text.str(), path, options);
}

PipelineSpec parsePipelineSpec(const std::string& yaml_text, const std::string& file,
                               const LoadOptions& options) {
  // A NUL byte is not YAML, and yaml-cpp reads one in a plain value as an escape: "a<NUL>0" became
  // a value with a NUL in it, and a NUL at the end an "unknown escape" past the end of the text.
  // UTF-16/32 text (which has NUL bytes in every line) is refused here too: yaml-cpp's places in
  // it are not places in the file.
  if (const size_t nul = yaml_text.find('\0'); nul != std::string::npos) {
    const size_t newline = yaml_text.rfind('\n', nul);
    const size_t line_start = newline == std::string::npos ? 0 : newline + 1;
    const auto line = 1 + std::count(yaml_text.begin(), yaml_text.begin() + nul, '\n');
    throw ConfigError(
        SourceLocation{file, static_cast<int>(line), static_cast<int>(nul - line_start) + 1},
        "a NUL byte is not allowed in a pipeline file (remove it; a pipeline file is UTF-8 text, "
        "not UTF-16 or UTF-32)");
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& error) {
    throw ConfigError(locationOf(file, error.mark), "YAML syntax error: " + error.msg + " (" +
                                                        yamlSyntaxHint(yaml_text, error) + ")");
  }
  if (!root.IsMap()) {
    throw ConfigError(SourceLocation{file, 1, 1},
                      "a pipeline must be a YAML map with name, source and sinks");
  }

  PipelineSpec spec;
  spec.file = file;
  Interpolator interpolator(options);
  {
    std::error_code ec;
    const std::filesystem::path absolute = std::filesystem::absolute(file, ec);
    interpolator.setPipelineDirectory(ec ? std::string(".")
                                         : absolute.parent_path().lexically_normal().string());
  }

  // params first: their values may use the environment and earlier params; --set overrides.
  std::vector<std::string> declared_params;
  if (const YAML::Node params = root["params"]; params) {
    if (!params.IsMap()) {
      throw ConfigError(locationOf(file, params.Mark()), "params must be a map of name: default");
    }
    for (const auto& entry : params) {
      const SourceLocation key_location = locationOf(file, entry.first.Mark());
      const std::string key = entry.first.Scalar();
      if (!isVariableName(key)) {
        throw ConfigError(key_location, "param name '" + key + "' must be letters, digits and _");
      }
      if (std::find(declared_params.begin(), declared_params.end(), key) != declared_params.end()) {
        throw ConfigError(key_location, "params: duplicate key '" + key +
                                            "' (a key may appear once: remove or merge the other)");
      }
      // Converted one by one so that a param may refer to the ones declared before it.
      const ConfigValue value = convert(entry.second, file, interpolator, "params: ", key);
      interpolator.setParam(
          key, value.isNull() ? "" : requireScalar(value, "param '" + key + "'").text());
      declared_params.push_back(key);
    }
  }
  std::vector<std::string> settable = declared_params;
  for (const auto& name : defaultedReferences(yaml_text)) {
    if (std::find(settable.begin(), settable.end(), name) == settable.end())
      settable.push_back(name);
  }
  for (const auto& [name, value] : options.overrides) {
    if (std::find(settable.begin(), settable.end(), name) == settable.end()) {
      const std::string suggestion = closestName(name, settable);
      auto label = options.override_labels.find(name);
      throw ConfigError(SourceLocation{file, 0, 0},
                        (label == options.override_labels.end() ? "--set " + name : label->second) +
                            ": the pipeline has no parameter '" + name + "'" +
                            (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") +
                            " (valid: " + joinNames(settable) +
                            "; declare it under params:, or use it as ${" + name + ":-default})");
    }
    auto label = options.override_labels.find(name);
    interpolator.setOverride(
        name, value, label == options.override_labels.end() ? "--set " + name : label->second);
  }
  for (const auto& name : declared_params) {
    spec.params.emplace_back(name, interpolator.params().at(name));
  }

  // Everything else, interpolated with the final params.
  ConfigValue top = ConfigValue::map(SourceLocation{file, 1, 1});
  for (const auto& entry : root) {
    const std::string key = entry.first.Scalar();
    if (key == "params") continue;
    const SourceLocation key_location = locationOf(file, entry.first.Mark());
    if (top.find(key))
      throw ConfigError(key_location, "duplicate key '" + key +
                                          "' (a key may appear once: remove or merge the other)");
    std::string context;
    if (key == "source") context = "source: ";
    top.insert(key, key_location, convert(entry.second, file, interpolator, context, key));
  }
  rejectUnknownKeys(
      top,
      {"name", "description", "account", "params", "plugin_paths", "batch_size", "commit", "state",
       "dead_letter", "retry", "allow_fallback", "source", "transforms", "sinks", "models"},
      "");

  if (const ConfigValue* name = top.find("name")) {
    spec.name = requireScalar(*name, "name").text();
  } else {
    // Default: the file name without directory and extension.
    std::string stem =
        file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
    spec.name = stem.substr(0, stem.find('.'));
  }
  if (spec.name.empty())
    throw ConfigError(SourceLocation{file, 1, 1}, "the pipeline name is empty");
  if (const ConfigValue* account = top.find("account")) {
    spec.account = requireScalar(*account, "account").text();
    if (!spec.account.empty() && !isValidAccountName(spec.account)) {
      throw ConfigError(account->location(),
                        "account '" + spec.account +
                            "' is not a valid account name (a-z first, then a-z, 0-9 or _, at "
                            "most 40 characters)");
    }
  }
  if (const ConfigValue* description = top.find("description")) {
    spec.description = requireScalar(*description, "description").text();
  }
  if (const ConfigValue* paths = top.find("plugin_paths")) {
    spec.plugin_paths_location = paths->location();
    if (paths->isScalar()) {
      spec.plugin_paths.push_back(expandHome(paths->text()));
    } else if (paths->isList()) {
      for (const auto& item : paths->items()) {
        spec.plugin_paths.push_back(expandHome(requireScalar(item, "each plugin path").text()));
      }
    } else {
      throw ConfigError(paths->location(), "plugin_paths must be a directory or a list of them");
    }
  }
  if (const ConfigValue* batch_size = top.find("batch_size")) {
    spec.batch_size = static_cast<size_t>(requireInt(*batch_size, "batch_size", 1));
  }
  if (const ConfigValue* commit = top.find("commit")) {
    if (!commit->isMap())
      throw ConfigError(commit->location(), "commit must be a map with rows and/or interval");
    rejectUnknownKeys(*commit, {"rows", "interval"}, "commit: ");
    if (const ConfigValue* rows = commit->find("rows"))
      spec.commit_rows = requireInt(*rows, "commit.rows", 1);
    if (const ConfigValue* interval = commit->find("interval")) {
      spec.commit_interval_ms = requireDuration(*interval, "commit.interval");
    }
  }
  if (const ConfigValue* state = top.find("state")) {
    if (state->isScalar()) {
      spec.state_path = state->text();
    } else if (state->isMap()) {
      rejectUnknownKeys(*state, {"path", "scope"}, "state: ");
      if (const ConfigValue* path = state->find("path"))
        spec.state_path = requireScalar(*path, "state.path").text();
      if (const ConfigValue* scope = state->find("scope"))
        spec.state_scope = requireScalar(*scope, "state.scope").text();
    } else {
      throw ConfigError(state->location(),
                        "state must be a database path or a map with path and scope");
    }
  }
  if (spec.state_scope.empty()) spec.state_scope = spec.name;
  if (const ConfigValue* dead_letter = top.find("dead_letter")) {
    if (dead_letter->isScalar()) {
      spec.dead_letter_path = dead_letter->text();
    } else if (dead_letter->isMap()) {
      rejectUnknownKeys(*dead_letter, {"path"}, "dead_letter: ");
      if (const ConfigValue* path = dead_letter->find("path"))
        spec.dead_letter_path = requireScalar(*path, "dead_letter.path").text();
    } else {
      throw ConfigError(dead_letter->location(),
                        "dead_letter must be a file path or a map with path");
    }
  }
  if (spec.dead_letter_path.empty()) spec.dead_letter_path = spec.name + ".dead-letter.jsonl";
  if (const ConfigValue* retry = top.find("retry")) {
    if (!retry->isMap()) throw ConfigError(retry->location(), "retry must be a map");
    rejectUnknownKeys(*retry, {"max_attempts", "initial_backoff", "max_backoff"}, "retry: ");
    if (const ConfigValue* v = retry->find("max_attempts"))
      spec.retry.max_attempts = static_cast<int>(requireInt(*v, "retry.max_attempts", 1));
    if (const ConfigValue* v = retry->find("initial_backoff"))
      spec.retry.initial_backoff_ms = requireDuration(*v, "retry.initial_backoff");
    if (const ConfigValue* v = retry->find("max_backoff"))
      spec.retry.max_backoff_ms = requireDuration(*v, "retry.max_backoff");
  }
  if (const ConfigValue* allow = top.find("allow_fallback")) {
    if (!parseBool(requireScalar(*allow, "allow_fallback").text(), spec.allow_fallback)) {
      throw ConfigError(allow->location(), "allow_fallback must be true or false");
    }
  }

  const ConfigValue* source = top.find("source");
  if (!source)
    throw ConfigError(SourceLocation{file, 1, 1},
                      "the pipeline has no 'source' (what to read from)");
  spec.source = parseStage(*source, PluginKind::kSource, "source");
  if (const ConfigValue* fallback = source->find("fallback")) {
    spec.fallback = parseStage(*fallback, PluginKind::kSource, "fallback source");
  }
  if (const ConfigValue* transforms = top.find("transforms")) {
    if (!transforms->isList() && !transforms->isNull()) {
      throw ConfigError(transforms->location(), "transforms must be a list of stages");
    }
    for (size_t i = 0; i < transforms->items().size(); ++i) {
      spec.transforms.push_back(parseStage(transforms->items()[i], PluginKind::kTransform,
                                           "transforms[" + std::to_string(i) + "]"));
    }
  }
  const ConfigValue* sinks = top.find("sinks");
  if (!sinks || !sinks->isList() || sinks->items().empty()) {
    throw ConfigError(sinks ? sinks->location() : SourceLocation{file, 1, 1},
                      "the pipeline needs 'sinks': a list of at least one sink");
  }
  for (size_t i = 0; i < sinks->items().size(); ++i) {
    spec.sinks.push_back(
        parseStage(sinks->items()[i], PluginKind::kSink, "sinks[" + std::to_string(i) + "]"));
  }
  if (const ConfigValue* models = top.find("models")) {
    if (!models->isList() && !models->isNull()) {
      throw ConfigError(models->location(),
                        "models must be a list of model names or stages (e.g. [kalshi_pnl])");
    }
    for (size_t i = 0; i < models->items().size(); ++i) {
      spec.models.push_back(
          parseStage(models->items()[i], PluginKind::kModel, "models[" + std::to_string(i) + "]"));
    }
  }
  return spec;
}

namespace {

// The declared constraints of an option (OptionSpec::range, nonEmpty, pattern, list values) on a
// value that passed its type check. Throws ConfigError at the value (or the list item).
void checkConstraints(const OptionSpec& option, const ConfigValue& given,
                      const std::string& where) {
  const bool list = option.type() == OptionType::kStringList;
  std::vector<const ConfigValue*> items;
  if (list && given.isList()) {
    for (const auto& item : given.items()) items.push_back(&item);
  } else if (given.isScalar()) {
    items.push_back(&given);
  }
  if (option.isNonEmpty() && items.empty()) {
    throw ConfigError(given.location(), where + " must list at least one value");
  }
  for (const ConfigValue* item : items) {
    const std::string& text = item->text();
    if (option.isNonEmpty() && text.empty()) {
      throw ConfigError(item->location(),
                        where + (list ? " must not hold an empty value" : " must not be empty"));
    }
    if (list && !option.allowedValues().empty() &&
        std::find(option.allowedValues().begin(), option.allowedValues().end(), text) ==
            option.allowedValues().end()) {
      const std::string suggestion = closestName(text, option.allowedValues());
      throw ConfigError(item->location(),
                        where + ": unknown value '" + text + "'" +
                            (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") +
                            " (valid: " + joinNames(option.allowedValues()) + ")");
    }
    if (!option.patternRegex().empty() && !text.empty() &&
        !std::regex_match(text, std::regex(option.patternRegex()))) {
      throw ConfigError(item->location(), where + " must be " + option.patternDescription() +
                                              ", not '" + text.substr(0, 80) + "'");
    }
  }
  if (!option.hasRange() || !given.isScalar()) return;
  int64_t value = 0;
  std::string unit;
  if (option.type() == OptionType::kInt) {
    if (!parseInt(given.text(), value)) return;
  } else if (option.type() == OptionType::kDuration) {
    if (!parseDurationMillis(given.text(), value)) return;
    unit = " ms";
  } else {
    return;
  }
  if (value < option.rangeMin() || value > option.rangeMax()) {
    throw ConfigError(given.location(), where + " must be " + std::to_string(option.rangeMin()) +
                                            ".." + std::to_string(option.rangeMax()) + unit +
                                            ", not '" + given.text() + "'");
  }
}

}  // namespace

Options validateOptions(const StageSpec& stage, const PluginFactory& factory) {
  const std::vector<OptionSpec> declared = factory.options();
  std::vector<std::string> valid;
  for (const auto& option : declared) valid.push_back(option.name());
  if (stage.kind != PluginKind::kSource) valid.push_back("inputs");
  if (stage.kind == PluginKind::kSource) valid.push_back("fallback");

  for (const auto& entry : stage.options.entries()) {
    if (std::find_if(declared.begin(), declared.end(), [&](const OptionSpec& o) {
          return o.name() == entry.key;
        }) == declared.end()) {
      const std::string suggestion = closestName(entry.key, valid);
      throw ConfigError(entry.key_location,
                        stage.label + ": unknown option '" + entry.key + "'" +
                            (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") +
                            " (valid: " + joinNames(valid) + ")");
    }
  }

  ConfigValue values = ConfigValue::map(stage.location);
  for (const auto& option : declared) {
    const ConfigValue* given = stage.options.find(option.name());
    if (given && given->isNull()) given = nullptr;  // `key:` with no value = not set
    if (!given) {
      if (option.isRequired()) {
        throw ConfigError(stage.location,
                          stage.label + ": missing required option '" + option.name() + "'" +
                              (option.helpText().empty() ? "" : " (" + option.helpText() + ")"));
      }
      if (option.hasDefault()) {
        values.insert(option.name(), stage.location,
                      ConfigValue::scalar(option.defaultText(), stage.location));
      }
      continue;
    }
    const std::string where = stage.label + ": option '" + option.name() + "'";
    auto expectScalar = [&]() {
      if (!given->isScalar()) {
        throw ConfigError(given->location(), where + " must be a " + optionTypeName(option.type()) +
                                                 ", not " + ConfigValue::kindName(given->kind()));
      }
    };
    switch (option.type()) {
      case OptionType::kString:
        expectScalar();
        break;
      case OptionType::kInt: {
        expectScalar();
        int64_t ignored;
        if (!parseInt(given->text(), ignored)) {
          throw ConfigError(given->location(),
                            where + " must be a whole number, not '" + given->text() + "'");
        }
        break;
      }
      case OptionType::kBool: {
        expectScalar();
        bool ignored;
        if (!parseBool(given->text(), ignored)) {
          throw ConfigError(given->location(),
                            where + " must be true or false, not '" + given->text() + "'");
        }
        break;
      }
      case OptionType::kDecimal: {
        expectScalar();
        Decimal ignored;
        if (!Decimal::parse(given->text(), ignored)) {
          throw ConfigError(given->location(),
                            where + " must be a decimal number, not '" + given->text() + "'");
        }
        break;
      }
      case OptionType::kDuration: {
        expectScalar();
        int64_t ignored;
        std::string error;
        if (!parseDurationMillis(given->text(), ignored, &error)) {
          throw ConfigError(given->location(), where + ": " + error);
        }
        break;
      }
      case OptionType::kEnum: {
        expectScalar();
        const auto& allowed = option.allowedValues();
        if (std::find(allowed.begin(), allowed.end(), given->text()) == allowed.end()) {
          throw ConfigError(given->location(), where + " must be one of " + joinNames(allowed) +
                                                   ", not '" + given->text() + "'");
        }
        break;
      }
      case OptionType::kStringList: {
        if (given->isList()) {
          for (const auto& item : given->items()) {
            if (!item.isScalar()) {
              throw ConfigError(item.location(), where + " must be a list of plain values");
            }
          }
        } else {
          expectScalar();
        }
        break;
      }
      case OptionType::kAny:
        break;
    }
    checkConstraints(option, *given, where);
    values.insert(option.name(), given->location(), *given);
  }
  return Options(std::move(values), stage.location);
}

namespace {

// A store location as compared: a path resolved (symbolic links, "..", relative to the working
// directory), a URL as written.
std::string storeIdentity(const std::string& location) {
  if (location.find("://") != std::string::npos || location == ":memory:") return location;
  return resolvedPath(location);  // as the database lock compares files
}

// See StoreTables (plugin.h): a stage must read a table from the store the pipeline writes it to.
void checkStoreTables(const ResolvedPipeline& pipeline, const Registry& registry) {
  struct Access {
    const ResolvedStage* stage;
    StoreTables tables;
    std::string identity;
    SourceLocation where;  // of the option (or model key) naming the store
  };
  std::vector<Access> accesses;
  auto collect = [&](const ResolvedStage& stage) {
    const PluginFactory* factory = registry.find(stage.spec.kind, stage.spec.type);
    if (!factory) return;
    for (auto& tables : factory->tables(stage.options)) {
      SourceLocation where = stage.spec.location;
      if (stage.spec.kind == PluginKind::kModel) {
        tables.store = stage.spec.store;  // a model runs on its stage's store
        if (!stage.spec.store_location.file.empty()) where = stage.spec.store_location;
      } else if (!tables.option.empty()) {
        where = stage.options.location(tables.option);
      }
      if (tables.store.empty()) continue;
      const std::string identity = storeIdentity(tables.store);
      accesses.push_back({&stage, std::move(tables), identity, where});
    }
  };
  // Models first: P&L computed from another store's fills is the costliest mistake to report;
  // then sinks, transforms and sources reading caches.
  for (const auto& stage : pipeline.models) collect(stage);
  for (const auto& stage : pipeline.sinks) collect(stage);
  for (const auto& stage : pipeline.transforms) collect(stage);
  collect(pipeline.source);
  if (pipeline.fallback) collect(*pipeline.fallback);
  for (const auto& reader : accesses) {
    for (const auto& table : reader.tables.reads) {
      for (const auto& writer : accesses) {
        if (writer.identity == reader.identity) continue;
        const auto& writes = writer.tables.writes;
        if (std::find(writes.begin(), writes.end(), table) == writes.end()) continue;
        throw ConfigError(reader.where, reader.stage->spec.label + " reads table " + table +
                                            " from '" + reader.tables.store + "', but " +
                                            writer.stage->spec.label + " writes it to '" +
                                            writer.tables.store +
                                            "': put them on one store (the same path)");
      }
    }
  }
}

// A model without `store:` runs on the one store the pipeline's sinks write (as they declare it).
std::string defaultModelStore(const ResolvedStage& model, const ResolvedPipeline& pipeline,
                              const Registry& registry) {
  std::vector<std::string> stores;  // as written, one per identity
  std::vector<std::string> identities;
  for (const auto& sink : pipeline.sinks) {
    const PluginFactory* factory = registry.find(sink.spec.kind, sink.spec.type);
    for (const auto& tables : factory->tables(sink.options)) {
      if (tables.store.empty()) continue;
      const std::string identity = storeIdentity(tables.store);
      if (std::find(identities.begin(), identities.end(), identity) != identities.end()) continue;
      identities.push_back(identity);
      stores.push_back(tables.store);
    }
  }
  if (stores.size() == 1) return stores.front();
  throw ConfigError(model.spec.location,
                    model.spec.label + ": " +
                        (stores.empty() ? std::string("no sink of the pipeline writes a store")
                                        : "the sinks write " + std::to_string(stores.size()) +
                                              " stores (" + joinNames(stores) + ")") +
                        ": name the one it computes in with `store: PATH`");
}

}  // namespace

ResolvedPipeline resolvePipeline(const PipelineSpec& spec, const Registry& registry) {
  ResolvedPipeline resolved;
  resolved.spec = spec;

  auto factoryFor = [&](const StageSpec& stage) -> const PluginFactory& {
    const PluginFactory* factory = registry.find(stage.kind, stage.type);
    if (!factory) {
      const auto names = registry.names(stage.kind);
      const std::string suggestion = closestName(stage.type, names);
      throw ConfigError(
          stage.location,
          stage.label + ": unknown " + pluginKindName(stage.kind) + " type '" + stage.type + "'" +
              (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") + " (valid: " +
              joinNames(names) + "; drop-in plugins load from plugin_paths or --plugin-dir)");
    }
    return *factory;
  };

  auto resolveSource = [&](const StageSpec& stage) {
    const auto& factory = static_cast<const SourceFactory&>(factoryFor(stage));
    ResolvedStage result{stage, validateOptions(stage, factory), {}, {}};
    result.inputs = factory.streams(result.options);
    result.input_fields = factory.fields(result.options);
    for (auto it = result.input_fields.begin(); it != result.input_fields.end();) {
      if (std::find(result.inputs.begin(), result.inputs.end(), it->first) == result.inputs.end())
        it = result.input_fields.erase(it);
      else
        ++it;
    }
    return result;
  };
  resolved.source = resolveSource(spec.source);
  if (spec.fallback) resolved.fallback = resolveSource(*spec.fallback);

  // Declared fields of each available stream (absent = unknown). A stream both sources produce
  // has the union of their fields, and is unknown if either cannot tell.
  StreamFields known = resolved.source.input_fields;
  if (resolved.fallback) {
    for (const auto& stream : resolved.fallback->inputs) {
      const bool in_main = std::find(resolved.source.inputs.begin(), resolved.source.inputs.end(),
                                     stream) != resolved.source.inputs.end();
      auto fallback_fields = resolved.fallback->input_fields.find(stream);
      auto main_fields = known.find(stream);
      if (fallback_fields == resolved.fallback->input_fields.end()) {
        known.erase(stream);
      } else if (!in_main) {
        known[stream] = fallback_fields->second;
      } else if (main_fields != known.end()) {
        for (const auto& field : fallback_fields->second) {
          if (std::find(main_fields->second.begin(), main_fields->second.end(), field) ==
              main_fields->second.end())
            main_fields->second.push_back(field);
        }
      }
    }
  }
  // The fields of the streams a stage takes; false when one of them is unknown.
  auto fieldsOf = [&](const std::vector<std::string>& taken, StreamFields& out) {
    bool all_known = true;
    for (const auto& stream : taken) {
      auto it = known.find(stream);
      if (it == known.end())
        all_known = false;
      else
        out[stream] = it->second;
    }
    return all_known;
  };
  // Every field a stage's options name must be declared by one of its input streams.
  auto checkReferences = [&](const ResolvedStage& stage,
                             const std::vector<FieldReference>& references, bool all_known) {
    if (!all_known || references.empty()) return;
    for (const auto& reference : references) {
      std::vector<std::string> candidates;
      bool found = false;
      for (const auto& [stream, fields] : stage.input_fields) {
        for (const auto& field : fields) {
          if (field == reference.field) found = true;
          if (std::find(candidates.begin(), candidates.end(), field) == candidates.end())
            candidates.push_back(field);
        }
      }
      if (found) continue;
      std::vector<std::string> streams;
      for (const auto& entry : stage.input_fields) streams.push_back(entry.first);
      const std::string suggestion = closestName(reference.field, candidates);
      throw ConfigError(stage.options.location(reference.option),
                        stage.spec.label + ": field '" + reference.field + "' is not in " +
                            (streams.size() == 1 ? "stream '" + streams[0] + "'"
                                                 : "any of the streams " + joinNames(streams)) +
                            (suggestion.empty() ? "" : " (did you mean '" + suggestion + "'?)") +
                            "; its fields: " + joinNames(candidates));
    }
  };

  // Streams available to each stage: the source's (and the fallback's), then what transforms emit.
  std::vector<std::string> available = resolved.source.inputs;
  if (resolved.fallback) {
    for (const auto& stream : resolved.fallback->inputs) {
      if (std::find(available.begin(), available.end(), stream) == available.end())
        available.push_back(stream);
    }
  }
  auto checkInputs = [&](const ResolvedStage& stage) {
    for (const auto& input : stage.inputs) {
      if (std::find(available.begin(), available.end(), input) == available.end()) {
        throw ConfigError(
            stage.spec.inputs_given ? stage.spec.inputs_location : stage.spec.location,
            stage.spec.label + ": takes stream '" + input +
                "' that no earlier stage produces (available: " + joinNames(available) + ")");
      }
    }
  };

  // Explicit `inputs:` must all exist; a plugin's default inputs are those of them that do.
  auto resolveInputs = [&](ResolvedStage& stage, const std::vector<std::string>& defaults) {
    if (stage.spec.inputs_given) {
      stage.inputs = stage.spec.inputs;
      checkInputs(stage);
      return;
    }
    for (const auto& input : defaults) {
      if (std::find(available.begin(), available.end(), input) != available.end())
        stage.inputs.push_back(input);
    }
    if (!defaults.empty() && stage.inputs.empty()) {
      throw ConfigError(stage.spec.location,
                        stage.spec.label + ": none of the streams it takes (" +
                            joinNames(defaults) +
                            ") is produced (available: " + joinNames(available) + ")");
    }
  };

  for (const auto& stage_spec : spec.transforms) {
    const auto& factory = static_cast<const TransformFactory&>(factoryFor(stage_spec));
    ResolvedStage stage{stage_spec, validateOptions(stage_spec, factory), {}, {}};
    resolveInputs(stage, factory.defaultInputs(stage.options));
    const std::vector<std::string> taken = stage.inputs.empty() ? available : stage.inputs;
    const bool all_known = fieldsOf(taken, stage.input_fields);
    checkReferences(stage, factory.referencedFields(stage.options), all_known);
    const std::vector<std::string> outputs = factory.outputs(taken, stage.options);
    const StreamFields output_fields = factory.outputFields(stage.input_fields, stage.options);
    // What it takes is replaced by what it emits; a stream it emits without declaring is unknown.
    for (const auto& stream : taken) known.erase(stream);
    for (const auto& output : outputs) {
      if (std::find(available.begin(), available.end(), output) == available.end())
        available.push_back(output);
      auto declared = output_fields.find(output);
      if (declared != output_fields.end())
        known[output] = declared->second;
      else
        known.erase(output);
    }
    resolved.transforms.push_back(std::move(stage));
  }
  for (const auto& stage_spec : spec.sinks) {
    const auto& factory = static_cast<const SinkFactory&>(factoryFor(stage_spec));
    ResolvedStage stage{stage_spec, validateOptions(stage_spec, factory), {}, {}};
    resolveInputs(stage, factory.defaultInputs(stage.options));
    const bool all_known =
        fieldsOf(stage.inputs.empty() ? available : stage.inputs, stage.input_fields);
    checkReferences(stage, factory.referencedFields(stage.options), all_known);
    resolved.sinks.push_back(std::move(stage));
  }
  for (const auto& stage_spec : spec.models) {
    const auto& factory = static_cast<const ModelFactory&>(factoryFor(stage_spec));
    ResolvedStage stage{stage_spec, validateOptions(stage_spec, factory), {}, {}};
    if (stage.spec.store.empty()) stage.spec.store = defaultModelStore(stage, resolved, registry);
    resolved.models.push_back(std::move(stage));
  }
  checkStoreTables(resolved, registry);
  return resolved;
}

std::string describeStageError(const ResolvedStage& stage, const Status& status) {
  const std::string& message = status.message();
  const std::string& file = stage.spec.location.file;
  if (status.code() == StatusCode::kInvalidConfig &&
      ((!file.empty() && message.rfind(file + ":", 0) == 0) || message.rfind("--", 0) == 0)) {
    return message;  // already located (in the file, or at a command-line flag)
  }
  // A problem with a value the command line gave (a --db path that cannot be opened) is located
  // at that flag, not at the stage of a shipped file the user never wrote.
  for (const auto& entry : stage.options.values().entries()) {
    const SourceLocation& where = entry.value.location();
    if (entry.value.isScalar() && where.isFlag() && !entry.value.text().empty() &&
        message.find(entry.value.text()) != std::string::npos) {
      return where.file + ": " + stage.spec.label + ": " + message;
    }
  }
  return stage.spec.location.toString() + ": " + stage.spec.label + ": " + message;
}

void checkPipeline(const ResolvedPipeline& pipeline, const Registry& registry) {
  auto run = [&](const ResolvedStage& stage, const auto* factory) {
    Status status;
    try {
      status = factory->check(stage.options);
    } catch (const std::exception& error) {
      status = Status::invalidConfig(error.what());
    }
    if (!status.isOk()) throw ConfigError(SourceLocation{}, describeStageError(stage, status));
  };
  run(pipeline.source, registry.findSource(pipeline.source.spec.type));
  if (pipeline.fallback) run(*pipeline.fallback, registry.findSource(pipeline.fallback->spec.type));
  for (const auto& stage : pipeline.transforms) run(stage, registry.findTransform(stage.spec.type));
  for (const auto& stage : pipeline.sinks) run(stage, registry.findSink(stage.spec.type));
  for (const auto& stage : pipeline.models) run(stage, registry.findModel(stage.spec.type));
}

}  // namespace kalshi_direct

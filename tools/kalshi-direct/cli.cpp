#include "cli.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <thread>

#include "init_command.h"
#include "kalshi_direct/engine/builtin_plugins.h"
#include "kalshi_direct/engine/log.h"
#include "kalshi_direct/engine/pipeline_spec.h"
#include "kalshi_direct/engine/plugin_loader.h"
#include "kalshi_direct/engine/postgres_store.h"
#include "kalshi_direct/engine/registry.h"
#include "kalshi_direct/engine/runner.h"
#include "kalshi_direct/json_writer.h"
#include "kalshi_direct/version.h"
#include "positions_command.h"
#include "progress.h"
#include "report_command.h"
#include "serve/serve_command.h"
#include "settings.h"

namespace kalshi_direct {
namespace cli {

namespace {

namespace fs = std::filesystem;

std::atomic<int> g_stop_signal{0};

extern "C" void onStopSignal(int signal_number) {
  if (g_stop_signal.exchange(signal_number) != 0) {
    // A second signal while finishing: the user insists; leave now (committed data is safe).
    _exit(128 + signal_number);
  }
}

void installSignalHandlers() {
  struct sigaction action {};
  action.sa_handler = onStopSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

const char* kUsage =
    "usage: kalshi-direct <command> [options]\n"
    "\n"
    "Keeps a dashboard's SQLite database in step with a Kalshi account, through YAML pipelines.\n"
    "\n"
    "commands:\n"
    "  run NAME|FILE      run a pipeline (a shipped name such as sync or backfill, or a YAML "
    "file)\n"
    "      --set KEY=VALUE   override a pipeline parameter (repeatable)\n"
    "      --db PATH         shorthand for --set db=PATH (a file, or postgresql://...)\n"
    "      --account NAME    the account the rows belong to (several in one PostgreSQL database)\n"
    "      --days N          shorthand for --set days=N (backfill the last N days)\n"
    "      --full            shorthand for --set days=all (backfill everything)\n"
    "      --dry-run         run everything, commit nothing, report what would be written\n"
    "      --every DURATION  run again every DURATION (e.g. 15m) until SIGTERM/SIGINT\n"
    "  validate [NAME|FILE ...]\n"
    "                     check pipelines without any I/O (default: every shipped pipeline)\n"
    "  plugins [--json]   list the registered plugins and their options\n"
    "  report [--db PATH] [--since TIME|24h] [--json]\n"
    "                     P&L by category and in total from the latest snapshot\n"
    "  positions [--json] [--db PATH]\n"
    "                     live open positions (last known ones when the API is down)\n"
    "  serve [--db PATH] [--port N] [--sync-every 15m] [--token TOKEN]\n"
    "                     the dashboard and its JSON API at http://127.0.0.1:8080/\n"
    "  config show [--json] [--db PATH]\n"
    "                     the settings in effect (secrets redacted) and where each came from\n"
    "  init [--key-id ID] [--key-path PEM] [--base-url URL] [--db PATH] [--timezone ZONE]\n"
    "                     ask for what is missing, check the key (a balance read) and write\n"
    "                     the settings file (mode 0600)\n"
    "\n"
    "options for every command:\n"
    "  --config FILE      the settings file (KEY=VALUE lines; default $KALSHI_DIRECT_CONFIG,\n"
    "                     ~/.config/kalshi-direct/kalshi-direct.conf, then\n"
    "                     /etc/kalshi-direct/kalshi-direct.conf). Precedence: flag >\n"
    "                     environment > file > default\n"
    "  --plugin-dir DIR   load drop-in plugin libraries from DIR (repeatable; also\n"
    "                     KALSHI_DIRECT_PLUGIN_PATH=dir1:dir2)\n"
    "  --verbose          debug logging\n"
    "  --quiet            warnings and errors only\n"
    "  --log-format text|json\n"
    "                     log lines (stderr) and run summary (stdout) as text or JSON\n"
    "  --help, --version\n"
    "\n"
    "exit codes: 0 success, 1 the run failed, 2 bad usage or configuration,\n"
    "            3 the run finished but rejected some records (see the dead-letter file)\n";

struct Arguments {
  std::string command;
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> sets;
  std::map<std::string, std::string> set_labels;  // param -> the flag that set it ("--db")
  std::vector<std::string> plugin_dirs;
  bool dry_run = false;
  bool verbose = false;
  bool quiet = false;
  bool json_output = false;  // --json (plugins) or --log-format json
  log::Format log_format = log::Format::kText;
  std::optional<int64_t> every_ms;
  std::optional<std::string> account;  // --account: overrides the pipeline's `account:`
};

class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

Arguments parseArguments(const std::vector<std::string>& args) {
  Arguments parsed;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    auto value = [&](const std::string& flag) -> std::string {
      if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
      return args[++i];
    };
    if (arg == "--help" || arg == "-h") {
      parsed.command = "help";
    } else if (arg == "--version") {
      parsed.command = "version";
    } else if (arg == "--set") {
      const std::string assignment = value(arg);
      const size_t equals = assignment.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw UsageError("--set needs KEY=VALUE, not '" + assignment + "'");
      }
      parsed.sets.emplace_back(assignment.substr(0, equals), assignment.substr(equals + 1));
      parsed.set_labels[assignment.substr(0, equals)] = "--set " + assignment.substr(0, equals);
    } else if (arg == "--db") {
      parsed.sets.emplace_back("db", value(arg));
      parsed.set_labels["db"] = "--db";
    } else if (arg == "--account") {
      parsed.account = value(arg);
      if (!isValidAccountName(*parsed.account)) {
        throw UsageError(
            "--account needs an account name (a-z first, then a-z, 0-9 or _, at most "
            "40 characters), not '" +
            *parsed.account + "'");
      }
    } else if (arg == "--days") {
      const std::string days = value(arg);
      int64_t number = 0;
      if (!parseInt(days, number) || number < 1) {
        throw UsageError("--days needs a whole number of days >= 1, not '" + days + "'");
      }
      parsed.sets.emplace_back("days", days);
      parsed.set_labels["days"] = "--days";
    } else if (arg == "--full") {
      parsed.sets.emplace_back("days", "all");
      parsed.set_labels["days"] = "--full";
    } else if (arg == "--dry-run") {
      parsed.dry_run = true;
    } else if (arg == "--verbose" || arg == "-v") {
      parsed.verbose = true;
    } else if (arg == "--quiet" || arg == "-q") {
      parsed.quiet = true;
    } else if (arg == "--json") {
      parsed.json_output = true;
    } else if (arg == "--log-format") {
      const std::string format = value(arg);
      if (format == "json") {
        parsed.log_format = log::Format::kJson;
        parsed.json_output = true;
      } else if (format != "text") {
        throw UsageError("--log-format must be text or json, not '" + format + "'");
      }
    } else if (arg == "--plugin-dir") {
      parsed.plugin_dirs.push_back(value(arg));
    } else if (arg == "--every") {
      const std::string text = value(arg);
      int64_t millis = 0;
      std::string error;
      if (!parseDurationMillis(text, millis, &error) || millis < 1000) {
        // parseDurationMillis's examples start at 500ms, below what --every takes.
        if (const size_t eg = error.find(" (use e.g."); eg != std::string::npos)
          error = error.substr(0, eg) + " (use e.g. 30s, 15m, 2h; at least 1s)";
        throw UsageError("--every: " +
                         (error.empty() ? "the interval must be at least 1s (e.g. 15m)" : error));
      }
      parsed.every_ms = millis;
    } else if (arg.size() > 1 && arg[0] == '-') {
      throw UsageError("unknown option '" + arg + "' (see kalshi-direct --help)");
    } else if (parsed.command.empty()) {
      parsed.command = arg;
    } else {
      parsed.positional.push_back(arg);
    }
  }
  return parsed;
}

// Where named pipelines are looked up, in order.
std::vector<std::string> pipelineDirectories() {
  std::vector<std::string> directories;
  if (const char* list = std::getenv("KALSHI_DIRECT_PIPELINES")) {
    for (const auto& path : splitPathList(list)) directories.push_back(path);
  }
  directories.push_back("pipelines");
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec)
    directories.push_back((exe.parent_path() / ".." / "share" / "kalshi-direct" / "pipelines")
                              .lexically_normal()
                              .string());
  directories.push_back(KD_INSTALL_PIPELINES_DIR);
  directories.push_back(KD_SOURCE_PIPELINES_DIR);
  return directories;
}

bool looksLikeFile(const std::string& name) {
  return name.find('/') != std::string::npos ||
         (name.size() > 5 &&
          (name.substr(name.size() - 5) == ".yaml" || name.substr(name.size() - 4) == ".yml"));
}

// NAME -> pipelines/NAME.yaml, else pipelines/examples/NAME.yaml (first directory that has it,
// the same files `validate` lists); FILE -> FILE.
// The first file named NAME(.yaml|.yml) under the directories from `first` on ("" if none).
std::string pipelineFileIn(const std::vector<std::string>& roots, size_t first,
                           const std::string& name) {
  for (size_t i = first; i < roots.size(); ++i) {
    for (const fs::path& directory : {fs::path(roots[i]), fs::path(roots[i]) / "examples"}) {
      for (const char* extension : {".yaml", ".yml"}) {
        const fs::path candidate = directory / (name + extension);
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec)) return candidate.string();
      }
    }
  }
  return "";
}

std::string findPipeline(const std::string& name) {
  if (looksLikeFile(name)) return name;
  std::vector<std::string> available;
  const std::vector<std::string> roots = pipelineDirectories();
  // KALSHI_DIRECT_PIPELINES and ./pipelines come first; after them, where the shipped ones are.
  size_t shipped = 1;
  if (const char* list = std::getenv("KALSHI_DIRECT_PIPELINES"))
    shipped += splitPathList(list).size();
  for (size_t index = 0; index < roots.size(); ++index) {
    const std::string& root = roots[index];
    for (const fs::path& directory : {fs::path(root), fs::path(root) / "examples"}) {
      for (const char* extension : {".yaml", ".yml"}) {
        const fs::path candidate = directory / (name + extension);
        std::error_code ec;
        if (!fs::is_regular_file(candidate, ec)) continue;
        if (index < shipped) {
          // A ./pipelines (or KALSHI_DIRECT_PIPELINES) file of a shipped name is used instead of
          // the shipped one: say so, a copy made long ago may lack fixes.
          const std::string original = pipelineFileIn(roots, shipped, name);
          if (!original.empty() && !fs::equivalent(candidate, original, ec)) {
            log::warning("kalshi-direct",
                         "using " + candidate.string() + ", which shadows the shipped " + original +
                             " (run a file by its path to be explicit, or rename it)");
          }
        }
        return candidate.string();
      }
      std::error_code ec;
      if (fs::is_directory(directory, ec)) {
        for (const auto& entry : fs::directory_iterator(directory, ec)) {
          if (entry.path().extension() == ".yaml")
            available.push_back(entry.path().stem().string());
        }
      }
    }
  }
  std::sort(available.begin(), available.end());
  available.erase(std::unique(available.begin(), available.end()), available.end());
  throw UsageError("no pipeline named '" + name + "' (available: " + joinNames(available) +
                   "; or give a path to a YAML file)");
}

std::vector<std::string> shippedPipelineFiles() {
  std::vector<std::string> files;
  for (const auto& directory : pipelineDirectories()) {
    std::error_code ec;
    if (!fs::is_directory(directory, ec)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(directory, ec)) {
      const auto extension = entry.path().extension();
      if (entry.is_regular_file() && (extension == ".yaml" || extension == ".yml")) {
        files.push_back(entry.path().string());
      }
    }
    if (!files.empty()) break;  // the first directory that has pipelines
  }
  std::sort(files.begin(), files.end());
  return files;
}

Status setUpRegistry(Registry& registry, const Arguments& arguments) {
  if (Status status = registerBuiltinPlugins(registry); !status.isOk()) return status;
  std::vector<std::string> paths;
  if (const char* list = std::getenv("KALSHI_DIRECT_PLUGIN_PATH")) paths = splitPathList(list);
  paths.insert(paths.end(), arguments.plugin_dirs.begin(), arguments.plugin_dirs.end());
  return loadPluginPaths(paths, registry);
}

// Loads a pipeline file, its plugin_paths and resolves it. Relative paths in a pipeline are
// relative to the working directory, plugin_paths like every other (${PIPELINE_DIR} names the
// file's own directory).
ResolvedPipeline loadAndResolve(const std::string& file, const Arguments& arguments,
                                Registry& registry) {
  LoadOptions load_options;
  load_options.overrides = arguments.sets;
  load_options.override_labels = arguments.set_labels;
  PipelineSpec spec = loadPipelineSpec(file, load_options);
  if (arguments.account) spec.account = *arguments.account;
  if (Status status = loadPluginPaths(spec.plugin_paths, registry); !status.isOk()) {
    throw ConfigError(spec.plugin_paths_location.file.empty() ? SourceLocation{file, 0, 0}
                                                              : spec.plugin_paths_location,
                      "plugin_paths: " + status.message());
  }
  return resolvePipeline(spec, registry);
}

void printError(const std::string& message) { std::cerr << log::redact(message) << std::endl; }

int commandValidate(const Arguments& arguments, Registry& registry) {
  std::vector<std::string> files;
  for (const auto& name : arguments.positional) files.push_back(findPipeline(name));
  if (files.empty()) files = shippedPipelineFiles();
  if (files.empty()) {
    printError("validate: no pipelines found (give NAME or FILE)");
    return kExitConfig;
  }
  int exit_code = kExitOk;
  for (const auto& file : files) {
    try {
      const ResolvedPipeline pipeline = loadAndResolve(file, arguments, registry);
      checkPipeline(pipeline, registry);
      std::cout << file << ": ok (pipeline '" << pipeline.spec.name
                << "': " << pipeline.spec.source.type
                << (pipeline.fallback ? " with fallback " + pipeline.fallback->spec.type : "")
                << ", " << pipeline.transforms.size() << " transforms, " << pipeline.sinks.size()
                << " sinks"
                << (pipeline.models.empty()
                        ? ""
                        : ", " + std::to_string(pipeline.models.size()) +
                              (pipeline.models.size() == 1 ? " model" : " models"))
                << ")\n";
    } catch (const ConfigError& error) {
      printError(error.what());
      exit_code = kExitConfig;
    }
  }
  return exit_code;
}

void printPluginsText(const Registry& registry) {
  for (PluginKind kind : kAllPluginKinds) {
    std::cout << pluginKindName(kind) << "s:\n";
    for (const auto& name : registry.names(kind)) {
      const PluginFactory* factory = registry.find(kind, name);
      const std::string origin = registry.originOf(kind, name);
      std::cout << "  " << name << " - " << factory->description()
                << (origin == "built-in" ? "" : "  [" + origin + "]") << "\n";
      for (const auto& option : factory->options()) {
        std::string detail = optionTypeName(option.type());
        if (!option.allowedValues().empty()) detail += ": " + joinNames(option.allowedValues());
        if (option.hasRange())
          detail += ", " + std::to_string(option.rangeMin()) + ".." +
                    std::to_string(option.rangeMax()) +
                    (option.type() == OptionType::kDuration ? " ms" : "");
        if (option.isNonEmpty()) detail += ", not empty";
        if (option.isRequired()) detail += ", required";
        if (option.hasDefault() && !option.isSecret())
          detail += ", default " + (option.defaultText().empty() ? "\"\"" : option.defaultText());
        std::cout << "      " << option.name() << " (" << detail << ")  " << option.helpText()
                  << "\n";
      }
      if (kind == PluginKind::kTransform || kind == PluginKind::kSink)
        std::cout
            << "      inputs (list)  streams to take (default: all streams, or the plugin's own)\n";
      if (kind == PluginKind::kModel)
        std::cout << "      store (string)  the store it computes in (default: the one the sinks "
                     "write)\n"
                  << "      min_interval (duration)  run at most this often (default: at every "
                     "commit; always at the end)\n";
    }
  }
}

void printPluginsJson(const Registry& registry) {
  std::string out = "{";
  bool first_kind = true;
  for (PluginKind kind : kAllPluginKinds) {
    if (!first_kind) out += ",";
    first_kind = false;
    appendJsonString(out, std::string(pluginKindName(kind)) + "s");
    out += ":[";
    bool first = true;
    for (const auto& name : registry.names(kind)) {
      const PluginFactory* factory = registry.find(kind, name);
      if (!first) out += ",";
      first = false;
      out += "{\"name\":";
      appendJsonString(out, name);
      out += ",\"description\":";
      appendJsonString(out, factory->description());
      out += ",\"origin\":";
      appendJsonString(out, registry.originOf(kind, name));
      out += ",\"options\":[";
      bool first_option = true;
      for (const auto& option : factory->options()) {
        if (!first_option) out += ",";
        first_option = false;
        out += "{\"name\":";
        appendJsonString(out, option.name());
        out += ",\"type\":";
        appendJsonString(out, optionTypeName(option.type()));
        out += ",\"required\":" + std::string(option.isRequired() ? "true" : "false");
        if (option.hasDefault() && !option.isSecret()) {
          out += ",\"default\":";
          appendJsonString(out, option.defaultText());
        }
        if (!option.allowedValues().empty()) {
          out += ",\"allowed\":[";
          for (size_t i = 0; i < option.allowedValues().size(); ++i) {
            if (i) out += ",";
            appendJsonString(out, option.allowedValues()[i]);
          }
          out += "]";
        }
        if (option.hasRange()) {
          out += ",\"min\":" + std::to_string(option.rangeMin()) +
                 ",\"max\":" + std::to_string(option.rangeMax());
        }
        if (option.isNonEmpty()) out += ",\"non_empty\":true";
        if (!option.patternRegex().empty()) {
          out += ",\"pattern\":";
          appendJsonString(out, option.patternRegex());
        }
        out += ",\"help\":";
        appendJsonString(out, option.helpText());
        out += "}";
      }
      out += "]";
      if (kind == PluginKind::kSource) {
        // The fields of each stream with the default options ({} when the plugin does not say).
        StreamFields fields;
        try {
          fields = registry.findSource(name)->fields(Options());
        } catch (const std::exception&) {
        }
        out += ",\"fields\":{";
        bool first_stream = true;
        for (const auto& [stream, names] : fields) {
          if (!first_stream) out += ",";
          first_stream = false;
          appendJsonString(out, stream);
          out += ":[";
          for (size_t i = 0; i < names.size(); ++i) {
            if (i) out += ",";
            appendJsonString(out, names[i]);
          }
          out += "]";
        }
        out += "}";
      }
      out += "}";
    }
    out += "]";
  }
  out += "}";
  std::cout << out << std::endl;
}

bool stopRequested() { return g_stop_signal.load() != 0; }

int commandRun(const Arguments& arguments, Registry& registry) {
  if (arguments.positional.size() != 1) {
    throw UsageError("run needs exactly one pipeline NAME or FILE (e.g. kalshi-direct run sync)");
  }
  // First thing: a SIGTERM/SIGINT from here on stops the run cleanly (after the current batch).
  installSignalHandlers();
  const std::string file = findPipeline(arguments.positional[0]);
  ResolvedPipeline pipeline;
  try {
    pipeline = loadAndResolve(file, arguments, registry);
    checkPipeline(pipeline, registry);  // every option checked before anything is opened
  } catch (const ConfigError& error) {
    printError(error.what());
    return kExitConfig;
  }
  RunOptions options;
  options.dry_run = arguments.dry_run;
  options.stop_requested = stopRequested;
  // Not in a terminal, a progress log line every KALSHI_PROGRESS_INTERVAL (default 5s; "off":
  // none, the terminal line included).
  int64_t progress_ms = 5000;
  bool progress_off = false;
  if (const char* every = std::getenv("KALSHI_PROGRESS_INTERVAL"); every && *every) {
    std::string error;
    if (std::string(every) == "off") {
      progress_off = true;
    } else if (!parseDurationMillis(every, progress_ms, &error) || progress_ms < 100) {
      throw UsageError("KALSHI_PROGRESS_INTERVAL: " +
                       (error.empty() ? "at least 100ms (e.g. 5s, 1m), or off" : error));
    }
  }
  ProgressLine progress(pipeline.spec.name,
                        ProgressLine::modeFor(arguments.quiet || progress_off,
                                              arguments.log_format == log::Format::kJson),
                        std::chrono::milliseconds(progress_ms));
  options.on_progress = [&progress](const RunProgress& now) { progress.update(now); };
  int exit_code = kExitOk;
  for (;;) {
    log::debug(pipeline.spec.name, "starting run of " + file);
    const RunReport report = runPipeline(pipeline, registry, options);
    progress.finish();
    if (arguments.json_output) {
      std::cout << log::redact(report.toJson()) << std::endl;
    } else {
      std::cout << log::redact(report.toText()) << std::flush;
    }
    // A configuration error is one line that starts with its place, like those found before the
    // run.
    if (!report.error.empty())
      printError((report.exit_code == kExitConfig ? "" : "error: ") + report.error);
    exit_code = report.exit_code;
    if (exit_code == kExitConfig || !arguments.every_ms || stopRequested()) break;
    // --every: wait for the next interval (a failed run is retried at the next one).
    const auto next =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(*arguments.every_ms);
    log::info(pipeline.spec.name,
              "next run in " + std::to_string(*arguments.every_ms / 1000) + " s");
    while (!stopRequested() && std::chrono::steady_clock::now() < next) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (stopRequested()) break;
  }
  return exit_code;
}

// What `serve --sync-every` runs: the sync pipeline into `db`, as `kalshi-direct run sync --db
// db` would (drop-in plugins from --plugin-dir and KALSHI_DIRECT_PLUGIN_PATH included).
serve::SyncFactory syncFactory(const std::vector<std::string>& plugin_dirs) {
  return [plugin_dirs](const std::string& name, const std::string& db) -> serve::SyncRun {
    Arguments arguments;
    arguments.plugin_dirs = plugin_dirs;
    arguments.sets.emplace_back("db", db);
    arguments.set_labels["db"] = "--db";
    auto registry = std::make_shared<Registry>();
    if (Status status = setUpRegistry(*registry, arguments); !status.isOk())
      throw std::runtime_error(status.message());
    auto pipeline = std::make_shared<ResolvedPipeline>();
    try {
      *pipeline = loadAndResolve(findPipeline(name), arguments, *registry);
      checkPipeline(*pipeline, *registry);
    } catch (const ConfigError& error) {
      throw std::runtime_error(error.what());
    }
    return [registry, pipeline](const std::function<bool()>& stop,
                                const std::function<void()>& committed) {
      RunOptions options;
      options.stop_requested = stop;
      options.on_commit = committed;
      return runPipeline(*pipeline, *registry, options);
    };
  };
}

SettingsFile readSettingsIfAny(const std::optional<std::string>& flag) {
  const std::string path = locateSettingsFile(flag);
  return path.empty() ? SettingsFile{} : readSettingsFile(path);
}

}  // namespace

int main(const std::vector<std::string>& all_args) {
  // --config FILE, for every command: where the settings file is (settings.h).
  std::optional<std::string> config_flag;
  std::vector<std::string> args;
  for (size_t i = 0; i < all_args.size(); ++i) {
    if (all_args[i] == "--config") {
      if (i + 1 >= all_args.size()) {
        printError("kalshi-direct: --config needs a value");
        return kExitConfig;
      }
      config_flag = all_args[++i];
    } else {
      args.push_back(all_args[i]);
    }
  }
  // init writes the settings file (it reads the old one itself).
  if (!args.empty() && args[0] == "init") {
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (config_flag) rest.insert(rest.begin(), {"--config", *config_flag});
    return runInitCommand(rest);
  }
  SettingSources settings;
  try {
    settings = applySettings(readSettingsIfAny(config_flag));
  } catch (const SettingsError& error) {
    printError(std::string("kalshi-direct: ") + error.what());
    return kExitConfig;
  }
  if (!args.empty() && args[0] == "config") {
    return runConfigCommand(std::vector<std::string>(args.begin() + 1, args.end()), settings);
  }
  // report, positions and serve parse their own flags.
  if (!args.empty() && (args[0] == "report" || args[0] == "positions" || args[0] == "serve")) {
    // They take the options every command takes, too (plugins matter to serve's sync only).
    log::Format format = log::Format::kText;
    LogLevel level = args[0] == "serve" ? LogLevel::kInfo : LogLevel::kWarning;
    std::vector<std::string> plugin_dirs;
    std::vector<std::string> rest;
    for (size_t i = 1; i < args.size(); ++i) {
      const std::string& arg = args[i];
      if (arg == "--verbose" || arg == "-v") {
        level = LogLevel::kDebug;
      } else if (arg == "--quiet" || arg == "-q") {
        level = LogLevel::kWarning;
      } else if (arg == "--log-format" || arg == "--plugin-dir") {
        if (i + 1 >= args.size()) {
          printError("kalshi-direct: " + arg + " needs a value");
          return kExitConfig;
        }
        const std::string& value = args[++i];
        if (arg == "--log-format" && value != "text" && value != "json") {
          printError("kalshi-direct: --log-format must be text or json, not '" + value + "'");
          return kExitConfig;
        }
        if (arg == "--log-format" && value == "json") format = log::Format::kJson;
        if (arg == "--plugin-dir") plugin_dirs.push_back(value);
      } else {
        rest.push_back(arg);
      }
    }
    log::configure(format, level);
    if (args[0] == "serve") return serve::runServeCommand(rest, syncFactory(plugin_dirs));
    return args[0] == "report" ? runReportCommand(rest) : runPositionsCommand(rest);
  }
  Arguments arguments;
  try {
    arguments = parseArguments(args);
  } catch (const UsageError& error) {
    printError(std::string("kalshi-direct: ") + error.what());
    return kExitConfig;
  }
  log::configure(arguments.log_format, arguments.verbose ? LogLevel::kDebug
                                       : arguments.quiet ? LogLevel::kWarning
                                                         : LogLevel::kInfo);
  if (arguments.command.empty() || arguments.command == "help") {
    std::cout << kUsage;
    return arguments.command.empty() ? kExitConfig : kExitOk;
  }
  if (arguments.command == "version") {
    std::cout << "kalshi-direct " KALSHI_DIRECT_VERSION << std::endl;
    return kExitOk;
  }
  try {
    Registry registry;
    if (Status status = setUpRegistry(registry, arguments); !status.isOk()) {
      printError("kalshi-direct: " + status.message());
      return kExitConfig;
    }
    if (arguments.command == "run") return commandRun(arguments, registry);
    if (arguments.command == "validate") return commandValidate(arguments, registry);
    if (arguments.command == "plugins") {
      if (arguments.json_output) {
        printPluginsJson(registry);
      } else {
        printPluginsText(registry);
      }
      return kExitOk;
    }
    throw UsageError(
        "unknown command '" + arguments.command +
        "' (commands: run, validate, plugins, report, positions, serve, config, init; see "
        "--help)");
  } catch (const UsageError& error) {
    printError(std::string("kalshi-direct: ") + error.what());
    return kExitConfig;
  } catch (const ConfigError& error) {
    printError(error.what());
    return kExitConfig;
  } catch (const std::exception& error) {
    printError(std::string("kalshi-direct: ") + error.what());
    return kExitFailed;
  }
}

}  // namespace cli
}  // namespace kalshi_direct

#include "settings.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "kalshi_direct/engine/postgres_store.h"
#include "kalshi_direct/json_writer.h"

namespace kalshi_direct {
namespace cli {

namespace {

namespace fs = std::filesystem;

constexpr const char* kSystemFile = "/etc/kalshi-direct/kalshi-direct.conf";

std::string trim(const std::string& text) {
  const size_t start = text.find_first_not_of(" \t\r");
  if (start == std::string::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r");
  return text.substr(start, end - start + 1);
}

bool isVariableName(const std::string& key) {
  if (key.empty() || (key[0] >= '0' && key[0] <= '9')) return false;
  for (const char c : key) {
    const bool ok =
        (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

std::string environment(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string userSettingsPath() {
  std::string base = environment("XDG_CONFIG_HOME");
  if (base.empty()) {
    const std::string home = environment("HOME");
    if (home.empty()) return "";
    base = home + "/.config";
  }
  return base + "/kalshi-direct/kalshi-direct.conf";
}

}  // namespace

const std::vector<SettingInfo>& knownSettings() {
  using S = SettingInfo::Secrecy;
  static const std::vector<SettingInfo> settings{
      {"KALSHI_API_BASE_URL", "the API's base URL", "https://external-api.kalshi.com/trade-api/v2",
       S::kPlain},
      {"KALSHI_API_KEY_ID", "the API key's id (RSA-PSS signing, what the real API uses)", nullptr,
       S::kPartly},
      {"KALSHI_PRIVATE_KEY_PATH", "the PEM file of the key's private half", nullptr, S::kPlain},
      {"KALSHI_PRIVATE_KEY", "the private key's PEM text itself (prefer the path)", nullptr,
       S::kSecret},
      {"KALSHI_API_KEY", "a bearer token instead of a signing key (the simulator's)", nullptr,
       S::kSecret},
      {"KALSHI_API_KEY_FILE", "a file whose first line is the bearer token", nullptr, S::kPlain},
      {"KALSHI_DB", "the database: a SQLite file or postgresql://...", "kalshi.db", S::kPlain},
      {"KALSHI_ACCOUNT", "the account the rows belong to (several in one PostgreSQL database)", "",
       S::kPlain},
      {"KALSHI_RATE_LIMIT", "reads per second: auto (the account's tier), a number, or off", "auto",
       S::kPlain},
      {"KALSHI_TIMEZONE", "the time zone of the daily ledger's days", "America/New_York",
       S::kPlain},
      {"KALSHI_MM_PREFIX", "category rule: orders whose client id starts with it are market making",
       "mm-", S::kPlain},
      {"KALSHI_CATEGORY_RULES",
       "a YAML file of category rules replacing the shipped ones (categorize_pnl rules_file)", "",
       S::kPlain},
      {"KALSHI_MAX_RETRY_TIME", "how long a failing request is retried", "2m", S::kPlain},
      {"KALSHI_READ_TIMEOUT", "how long one response may take", "30s", S::kPlain},
      {"KALSHI_PROGRESS_INTERVAL",
       "how often a run not in a terminal logs its progress (off: never)", "5s", S::kPlain},
      {"KALSHI_DIRECT_PIPELINES", "more directories of pipelines, found by name (a:b)", "",
       S::kPlain},
      {"KALSHI_DIRECT_PLUGIN_PATH", "directories of drop-in plugins (a:b)", "", S::kPlain},
  };
  return settings;
}

const SettingInfo* findSetting(const std::string& key) {
  for (const auto& setting : knownSettings())
    if (key == setting.key) return &setting;
  return nullptr;
}

std::string displayValue(const std::string& key, const std::string& value) {
  if (value.empty()) return "";
  const SettingInfo* info = findSetting(key);
  if (!info) {
    // Not a setting kalshi-direct knows: shown, unless its name says it holds a secret.
    for (const char* word : {"KEY", "TOKEN", "SECRET", "PASSWORD", "CREDENTIAL"})
      if (key.find(word) != std::string::npos) return "(set, redacted)";
    return value;
  }
  switch (info->secrecy) {
    case SettingInfo::Secrecy::kPlain:
      // A PostgreSQL URL may hold a password.
      return key == "KALSHI_DB" && isPostgresLocation(value) ? redactPostgresUrl(value) : value;
    case SettingInfo::Secrecy::kPartly:
      return value.size() <= 8 ? "(set, redacted)" : value.substr(0, 4) + "... (redacted)";
    case SettingInfo::Secrecy::kSecret:
      return "(set, redacted)";
  }
  return "(set, redacted)";
}

std::string locateSettingsFile(const std::optional<std::string>& flag) {
  std::error_code ec;
  if (flag) {
    if (!fs::is_regular_file(*flag, ec))
      throw SettingsError("--config: no settings file '" + *flag + "'");
    return *flag;
  }
  const std::string named = environment("KALSHI_DIRECT_CONFIG");
  if (named == "none") return "";  // no settings file at all (tests, a clean environment)
  if (!named.empty()) {
    if (!fs::is_regular_file(named, ec))
      throw SettingsError("KALSHI_DIRECT_CONFIG: no settings file '" + named + "'");
    return named;
  }
  // Found, not named: one this user cannot read is not theirs (the service's
  // /etc/kalshi-direct/kalshi-direct.conf, root:kalshi-direct 0640, which systemd also reads
  // itself): skipped.
  for (const std::string& path : {userSettingsPath(), std::string(kSystemFile)}) {
    if (!path.empty() && fs::is_regular_file(path, ec) && ::access(path.c_str(), R_OK) == 0)
      return path;
  }
  return "";
}

std::string defaultSettingsPath(const std::optional<std::string>& flag) {
  if (flag) return *flag;
  const std::string named = environment("KALSHI_DIRECT_CONFIG");
  if (!named.empty()) return named;
  const std::string user = userSettingsPath();
  return user.empty() ? std::string(kSystemFile) : user;
}

SettingsFile parseSettings(const std::string& text, const std::string& path) {
  SettingsFile file;
  file.path = path;
  std::istringstream in(text);
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    const std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    const size_t equals = line.find('=');
    const std::string where = path + ":" + std::to_string(number) + ": ";
    if (equals == std::string::npos) {
      throw SettingsError(where + "expected KEY=VALUE, not '" + line.substr(0, 40) + "'");
    }
    std::string key = trim(line.substr(0, equals));
    if (key.rfind("export ", 0) == 0) {
      throw SettingsError(where +
                          "no 'export' here: the file is read by systemd as well "
                          "(write KEY=VALUE)");
    }
    if (!isVariableName(key)) {
      throw SettingsError(where + "'" + key.substr(0, 40) +
                          "' is not a variable name (letters, digits and _)");
    }
    std::string value = trim(line.substr(equals + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (!value.empty() && (value.front() == '"' || value.front() == '\'')) {
      throw SettingsError(where + "the value of " + key + " opens a quote it does not close");
    }
    file.entries.push_back({std::move(key), std::move(value), number});
  }
  return file;
}

SettingsFile readSettingsFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw SettingsError("cannot read the settings file '" + path + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return parseSettings(text.str(), path);
}

SettingSources applySettings(const SettingsFile& file) {
  SettingSources sources;
  sources.file = file.path;
  // Set and not empty: the environment's (as the pipelines' ${VAR:-default} reads it).
  auto set = [](const std::string& key) {
    const char* value = std::getenv(key.c_str());
    return value && *value;
  };
  for (const auto& setting : knownSettings()) {
    if (set(setting.key)) sources.origin[setting.key] = "environment";
  }
  for (const auto& entry : file.entries) {
    if (set(entry.key)) {
      sources.origin.emplace(entry.key, "environment");
      continue;
    }
    ::setenv(entry.key.c_str(), entry.value.c_str(), 1);
    sources.origin[entry.key] = "file:" + std::to_string(entry.line);
  }
  // Under systemd with LoadCredential=kalshi-private-key:...: the service's private copy of the
  // key, whatever the file says (the service user cannot read the original).
  const std::string credentials = environment("CREDENTIALS_DIRECTORY");
  std::error_code ec;
  if (!credentials.empty() && fs::is_regular_file(credentials + "/kalshi-private-key", ec)) {
    ::setenv("KALSHI_PRIVATE_KEY_PATH", (credentials + "/kalshi-private-key").c_str(), 1);
    sources.origin["KALSHI_PRIVATE_KEY_PATH"] = "systemd credential kalshi-private-key";
  }
  return sources;
}

int runConfigCommand(const std::vector<std::string>& args, const SettingSources& sources) {
  bool json = false;
  std::optional<std::string> db;
  size_t i = 0;
  if (i < args.size() && args[i] == "show") ++i;  // `config` alone shows too
  for (; i < args.size(); ++i) {
    if (args[i] == "--json") {
      json = true;
    } else if (args[i] == "--db" && i + 1 < args.size()) {
      db = args[++i];
    } else {
      std::cerr << "kalshi-direct config: unknown argument '" << args[i]
                << "' (usage: kalshi-direct config show [--json] [--db PATH] [--config FILE])"
                << std::endl;
      return 2;
    }
  }
  struct Row {
    std::string key, value, origin;
  };
  std::vector<Row> rows;
  std::set<std::string> shown;
  auto origin = [&](const std::string& key) -> std::string {
    auto found = sources.origin.find(key);
    if (found == sources.origin.end()) return "default";
    if (found->second.rfind("file:", 0) == 0)
      return "file " + sources.file + ":" + found->second.substr(5);
    return found->second;
  };
  for (const auto& setting : knownSettings()) {
    shown.insert(setting.key);
    const char* value = std::getenv(setting.key);
    if (value && !*value) value = nullptr;
    if (std::string(setting.key) == "KALSHI_DB" && db) {
      rows.push_back({setting.key, displayValue(setting.key, *db), "flag --db"});
      continue;
    }
    if (value) {
      rows.push_back({setting.key, displayValue(setting.key, value), origin(setting.key)});
    } else if (setting.fallback) {
      rows.push_back({setting.key, setting.fallback, "default"});
    } else {
      rows.push_back({setting.key, "", "unset"});
    }
  }
  for (const auto& entry : sources.origin) {
    if (!shown.insert(entry.first).second) continue;
    const char* value = std::getenv(entry.first.c_str());
    rows.push_back(
        {entry.first, displayValue(entry.first, value ? value : ""), origin(entry.first)});
  }
  if (json) {
    std::string out = "{\"file\":";
    appendJsonString(out, sources.file);
    out += ",\"settings\":[";
    for (size_t r = 0; r < rows.size(); ++r) {
      out += r ? ",{\"key\":" : "{\"key\":";
      appendJsonString(out, rows[r].key);
      out += ",\"value\":";
      appendJsonString(out, rows[r].value);
      out += ",\"source\":";
      appendJsonString(out, rows[r].origin);
      out += "}";
    }
    out += "]}";
    std::cout << out << std::endl;
    return 0;
  }
  std::cout << "settings file: " << (sources.file.empty() ? "none found" : sources.file)
            << "\n(precedence: flag > environment > file > default)\n\n";
  size_t key_width = 0, value_width = 0;
  for (const auto& row : rows) {
    key_width = std::max(key_width, row.key.size());
    value_width = std::max(value_width, row.value.size());
  }
  for (const auto& row : rows) {
    std::string line = row.key + std::string(key_width - row.key.size() + 2, ' ') + row.value +
                       std::string(value_width - row.value.size() + 2, ' ') + row.origin;
    std::cout << line << "\n";
  }
  std::cout.flush();
  return 0;
}

}  // namespace cli
}  // namespace kalshi_direct

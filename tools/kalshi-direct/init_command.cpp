#include "init_command.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "kalshi/api_client.h"
#include "kalshi/api_parser.h"
#include "kalshi/auth.h"
#include "kalshi_direct/decimal.h"
#include "kalshi_direct/engine/log.h"
#include "settings.h"

namespace kalshi_direct {
namespace cli {

namespace {

namespace fs = std::filesystem;

constexpr int kExitWritten = 0, kExitRefused = 1, kExitUsage = 2;

struct Field {
  const char* key;
  const char* flag;
  const char* question;
  std::string fallback;  // "" : an answer is needed
};

std::string dataDirectory() {
  const char* data = std::getenv("XDG_DATA_HOME");
  if (data && *data) return std::string(data) + "/kalshi-direct";
  const char* home = std::getenv("HOME");
  return home && *home ? std::string(home) + "/.local/share/kalshi-direct" : ".";
}

// Reads the balance with the key: the one check that proves id, key and URL belong together.
bool checkKey(const std::map<std::string, std::string>& values, std::string& message) {
  kalshi::Credentials credentials;
  credentials.key_id = values.at("KALSHI_API_KEY_ID");
  credentials.private_key_path = values.at("KALSHI_PRIVATE_KEY_PATH");
  kalshi::AuthenticatorPtr auth;
  std::string warning;
  if (Status status = kalshi::makeAuthenticator(credentials, auth, warning, log::registerSecret);
      !status.isOk()) {
    message = status.message();
    return false;
  }
  if (!warning.empty()) log::warning("init", warning);
  kalshi::ClientConfig client;
  client.base_url = values.at("KALSHI_API_BASE_URL");
  client.connect_timeout_ms = 10000;
  client.read_timeout_ms = 20000;
  client.max_attempts = 3;
  client.max_retry_time_ms = 20000;
  std::unique_ptr<kalshi::ApiClient> api;
  if (Status status = kalshi::ApiClient::create(client, std::move(auth), api); !status.isOk()) {
    message = "KALSHI_API_BASE_URL: " + status.message();
    return false;
  }
  std::string body;
  if (Status status = api->get("/portfolio/balance", {}, body, nullptr); !status.isOk()) {
    message = status.message();
    return false;
  }
  // Read as a sync reads it (the one parser of Kalshi's shapes): balance_dollars is exact, the
  // integer balance (cents) what older answers have.
  kalshi::PageParser parser;
  Record balance;
  std::string error;
  if (!parser.parseObject(body, nullptr, kalshi::balanceSchema(), balance, error)) {
    message = "GET /portfolio/balance answered: " + error;
    return false;
  }
  if (const Decimal* dollars = balance.get("balance_dollars").ifDecimal()) {
    message = "balance $" + dollars->trimmed(2).toString();  // exact: sub-cent digits kept
  } else if (const int64_t* cents = balance.get("balance").ifInt()) {
    message = "balance $" + Decimal(*cents, 2).toString();
  } else {
    message = "the key works (the answer held no balance)";
  }
  return true;
}

// Writes `text` to `path` with mode 0600, replacing it at once (a temporary file renamed). A file
// that exists keeps its mode and group (the package's is root:kalshi-direct 0640: the service
// reads it), never more than 0640.
void writePrivately(const std::string& path, const std::string& text) {
  struct stat existing {};
  const bool had = ::stat(path.c_str(), &existing) == 0;
  const fs::path target(path);
  if (target.has_parent_path()) {
    fs::create_directories(target.parent_path());
  }
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw std::runtime_error("cannot write '" + temporary + "'");
  mode_t mode = 0600;  // whatever the umask
  if (had) {
    mode = existing.st_mode & 0640;
    // A group this user may not give the file: readable by the owner alone.
    if (::fchown(fd, static_cast<uid_t>(-1), existing.st_gid) != 0) mode &= 0600;
  }
  ::fchmod(fd, mode);
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n <= 0) {
      ::close(fd);
      ::unlink(temporary.c_str());
      throw std::runtime_error("cannot write '" + temporary + "'");
    }
    written += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    ::unlink(temporary.c_str());
    throw std::runtime_error("cannot replace '" + path + "'");
  }
}

}  // namespace

int runInitCommand(const std::vector<std::string>& args) {
  const std::vector<Field> fields{
      {"KALSHI_API_BASE_URL", "--base-url", "API base URL",
       "https://external-api.kalshi.com/trade-api/v2"},
      {"KALSHI_API_KEY_ID", "--key-id", "API key id (Kalshi: Account > API keys)", ""},
      {"KALSHI_PRIVATE_KEY_PATH", "--key-path", "path of the key's private PEM file", ""},
      {"KALSHI_DB", "--db", "database (SQLite file or postgresql://...)",
       dataDirectory() + "/kalshi.db"},
      {"KALSHI_TIMEZONE", "--timezone", "time zone of your trading days", "America/New_York"},
  };
  std::optional<std::string> config;
  std::map<std::string, std::string> given;  // key -> value from a flag
  bool check = true;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--no-check") {
      check = false;
      continue;
    }
    const Field* field = nullptr;
    for (const auto& f : fields)
      if (arg == f.flag) field = &f;
    if ((field || arg == "--config") && i + 1 < args.size()) {
      if (field)
        given[field->key] = args[++i];
      else
        config = args[++i];
      continue;
    }
    std::cerr << "kalshi-direct init: "
              << (field || arg == "--config" ? arg + " needs a value"
                                             : "unknown argument '" + arg + "'")
              << " (usage: kalshi-direct init [--config FILE] [--base-url URL] [--key-id ID] "
                 "[--key-path PEM] [--db PATH] [--timezone ZONE] [--no-check])"
              << std::endl;
    return kExitUsage;
  }
  const std::string path = defaultSettingsPath(config);
  SettingsFile old;
  std::error_code ec;
  if (fs::exists(path, ec)) {
    try {
      old = readSettingsFile(path);
    } catch (const SettingsError& error) {
      std::cerr << "kalshi-direct init: " << error.what() << " (fix or remove it first)"
                << std::endl;
      return kExitUsage;
    }
  }
  std::map<std::string, std::string> stored;
  for (const auto& entry : old.entries) stored[entry.key] = entry.value;

  std::map<std::string, std::string> values;
  for (const auto& field : fields) {
    std::string value;
    if (auto flag = given.find(field.key); flag != given.end()) {
      value = flag->second;
    } else if (const char* env = std::getenv(field.key); env && *env) {
      value = env;
    } else if (auto entry = stored.find(field.key);
               entry != stored.end() && !entry->second.empty()) {
      value = entry->second;
    } else {
      std::cerr << field.question << (field.fallback.empty() ? "" : " [" + field.fallback + "]")
                << ": " << std::flush;
      std::string answer;
      if (!std::getline(std::cin, answer)) answer.clear();
      while (!answer.empty() && (answer.back() == '\r' || answer.back() == ' ')) answer.pop_back();
      value = answer.empty() ? field.fallback : answer;
      if (value.empty()) {
        std::cerr << "\nkalshi-direct init: " << field.key << " is needed: answer the question or "
                  << "give " << field.flag << std::endl;
        return kExitUsage;
      }
    }
    values[field.key] = value;
  }
  log::registerSecret(values["KALSHI_API_KEY_ID"]);
  // The key by an absolute path: the file is read from wherever kalshi-direct runs.
  fs::path key_path(values["KALSHI_PRIVATE_KEY_PATH"]);
  if (!fs::is_regular_file(key_path, ec)) {
    std::cerr << "kalshi-direct init: no private key file '" << key_path.string() << "'"
              << std::endl;
    return kExitUsage;
  }
  values["KALSHI_PRIVATE_KEY_PATH"] = fs::absolute(key_path, ec).lexically_normal().string();
  if (check) {
    std::string message;
    if (!checkKey(values, message)) {
      std::cerr << "kalshi-direct init: the key did not work against "
                << values["KALSHI_API_BASE_URL"] << ": " << log::redact(message)
                << " (nothing written)" << std::endl;
      return kExitRefused;
    }
    std::cerr << "key checked: " << message << std::endl;
  }

  std::string text =
      "# kalshi-direct settings (written by `kalshi-direct init`). Environment-file syntax:\n"
      "# KEY=VALUE. Precedence: flag > environment > this file > default.\n"
      "# `kalshi-direct config show` prints what is in effect. The private key stays in its own\n"
      "# file: only its path is here.\n";
  std::set<std::string> written;
  for (const auto& field : fields) {
    text += std::string(field.key) + "=" + values[field.key] + "\n";
    written.insert(field.key);
  }
  bool others = false;
  for (const auto& entry : old.entries) {
    if (written.count(entry.key)) continue;
    if (!others) text += "# kept from the previous file\n";
    others = true;
    text += entry.key + "=" + entry.value + "\n";
    written.insert(entry.key);
  }
  try {
    writePrivately(path, text);
  } catch (const std::exception& error) {
    std::cerr << "kalshi-direct init: " << error.what() << std::endl;
    return kExitRefused;
  }
  std::cout << "wrote " << path << " (mode 0600). Next: kalshi-direct run backfill --full, then "
            << "kalshi-direct serve" << std::endl;
  return kExitWritten;
}

}  // namespace cli
}  // namespace kalshi_direct

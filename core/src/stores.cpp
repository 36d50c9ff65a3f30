// Opening a store by its location: the one place that knows which kinds of store exist.
#include "kalshi_direct/engine/stores.h"

#include <cstdlib>
#include <filesystem>

#include "kalshi_direct/engine/postgres_store.h"
#include "kalshi_direct/engine/sqlite.h"

namespace kalshi_direct {

bool isServerLocation(const std::string& location) { return isPostgresLocation(location); }

std::string accountLocation(const std::string& location, const std::string& account) {
  if (account.empty()) return location;
  if (!isPostgresLocation(location)) {
    throw StoreError("account '" + account + "': database '" + location +
                     "' is a SQLite file, which holds one account: leave `account:` out (or use "
                     "one file per account), or use a PostgreSQL database for several accounts");
  }
  const size_t query = location.find('?');
  const std::string parameter = "account=" + account;
  if (query != std::string::npos) {
    const std::string parameters = "&" + location.substr(query + 1) + "&";
    const size_t at = parameters.find("&account=");
    if (at != std::string::npos) {
      const size_t end = parameters.find('&', at + 1);
      if (parameters.substr(at + 1, end - at - 1) == parameter) return location;
      throw StoreError("account '" + account + "': database '" + displayLocation(location) +
                       "' names another account: use one of them");
    }
    return location + "&" + parameter;
  }
  return location + "?" + parameter;
}

std::pair<std::string, std::string> splitAccount(const std::string& location) {
  const size_t query = location.find('?');
  if (!isPostgresLocation(location) || query == std::string::npos) return {location, ""};
  std::string base = location.substr(0, query), account, rest;
  size_t start = query + 1;
  while (start <= location.size()) {
    size_t end = location.find('&', start);
    if (end == std::string::npos) end = location.size();
    const std::string parameter = location.substr(start, end - start);
    if (parameter.rfind("account=", 0) == 0) {
      account = parameter.substr(8);
    } else if (!parameter.empty()) {
      rest += (rest.empty() ? "" : "&") + parameter;
    }
    start = end + 1;
  }
  return {rest.empty() ? base : base + "?" + rest, account};
}

std::vector<std::string> storeAccounts(Store& store) {
  std::vector<std::string> names;
  if (store.kind() != "postgresql") return names;
  StoreStatementPtr registry =
      store.prepare("SELECT to_regclass('public.kd_accounts') IS NOT NULL");
  if (!registry->step() || registry->columnInt(0) == 0) return names;
  StoreStatementPtr query = store.prepare("SELECT name FROM public.kd_accounts ORDER BY name");
  while (query->step()) names.push_back(query->columnText(0));
  return names;
}

std::string readerLocation(const std::string& location, const std::string& account) {
  std::string name = account;
  if (const char* env = std::getenv("KALSHI_ACCOUNT"); name.empty() && env) name = env;
  if (name == kAllAccounts) {
    throw StoreError(
        "--account all: every account together is schema kalshi_all of the database, for SQL "
        "tools (Grafana, Metabase); this command shows one account at a time: name it");
  }
  return accountLocation(location, name);
}

std::string displayLocation(const std::string& location) {
  return isPostgresLocation(location) ? redactPostgresUrl(location) : location;
}

bool storeExists(const std::string& location) {
  std::error_code ec;
  return isServerLocation(location) || location == ":memory:" ||
         std::filesystem::exists(location, ec);
}

Status openReadOnlyIfExists(const std::string& location, StorePtr& out) {
  out.reset();
  try {
    if (storeExists(location)) out = openStore(location, Store::Mode::kReadOnly);
    return Status::ok();
  } catch (const StoreError& error) {
    return Status::invalidConfig(error.what());
  }
}

StorePtr openStore(const std::string& location, Store::Mode mode) {
  if (isPostgresLocation(location)) return openPostgresStore(location, mode);
  sqlite::Database::Mode sqlite_mode = sqlite::Database::Mode::kReadOnly;
  if (location == ":memory:") {
    sqlite_mode = sqlite::Database::Mode::kMemory;
  } else if (mode == Store::Mode::kReadWriteCreate) {
    sqlite_mode = sqlite::Database::Mode::kReadWriteCreate;
  } else if (mode == Store::Mode::kReadWrite) {
    sqlite_mode = sqlite::Database::Mode::kReadWrite;
  }
  return std::make_unique<SqliteStore>(std::make_unique<sqlite::Database>(location, sqlite_mode));
}

}  // namespace kalshi_direct

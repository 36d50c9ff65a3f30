// Opening a store by its location: the one place that knows which kinds of store exist.
#include "kalshi_direct/engine/stores.h"

#include <filesystem>

#include "kalshi_direct/engine/postgres_store.h"
#include "kalshi_direct/engine/sqlite.h"

namespace kalshi_direct {

bool isServerLocation(const std::string& location) { return isPostgresLocation(location); }

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

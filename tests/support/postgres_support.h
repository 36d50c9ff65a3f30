// The PostgreSQL server the tests use: tools/test.sh starts a throwaway cluster
// (tools/pg_cluster.sh) and sets KD_TEST_POSTGRES_URL to its superuser's URL. Each test gets a
// database of its own, so tests run in parallel without seeing each other's rows.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <string>

#include "kalshi_direct/engine/stores.h"

namespace kalshi_direct {
namespace testing {

// The server's URL, or "" when the tests run without one (KD_SKIP_POSTGRES=1).
inline std::string postgresServerUrl() {
  const char* url = std::getenv("KD_TEST_POSTGRES_URL");
  return url ? url : "";
}

// `url` with its database name replaced by `database`.
inline std::string postgresUrlFor(const std::string& url, const std::string& database) {
  const size_t authority = url.find("://") + 3;
  const size_t path = url.find('/', authority);
  const size_t query = url.find('?', authority);
  const std::string base = url.substr(0, std::min(path, query));
  return base + "/" + database + (query == std::string::npos ? "" : url.substr(query));
}

// A new, empty database on the test server, named kd_<label>_<pid>_<n>: its URL.
inline std::string freshPostgresDatabase(const std::string& label) {
  static std::atomic<int> counter{0};
  const std::string name =
      "kd_" + label + "_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  StorePtr admin = openStore(postgresServerUrl(), Store::Mode::kReadWrite);
  admin->exec("CREATE DATABASE " + name);
  return postgresUrlFor(postgresServerUrl(), name);
}

}  // namespace testing
}  // namespace kalshi_direct

// Skips the current test when no PostgreSQL server is configured, saying why.
#define KD_REQUIRE_POSTGRES()                                                                 \
  do {                                                                                        \
    if (::kalshi_direct::testing::postgresServerUrl().empty())                                \
      GTEST_SKIP() << "no PostgreSQL server: KD_TEST_POSTGRES_URL is not set (tools/test.sh " \
                      "starts one unless KD_SKIP_POSTGRES=1)";                                \
  } while (0)

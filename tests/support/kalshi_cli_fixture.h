// A test fixture for the shipped Kalshi pipelines: a kalshi-sim on a free port, the CLI with an
// environment pointing at it, and helpers to read the resulting database.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "kalshi_direct/engine/sqlite.h"
#include "support/process.h"
#include "support/sim_server.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace testing {

class KalshiCliFixture : public ::testing::Test {
 public:
  static constexpr const char* kToken = "tok-sim-3f9a2c7e51";

 protected:
  void startSim(std::vector<std::string> extra = {}, const std::string& fills = "2000") {
    std::vector<std::string> args = {"--fills", fills, "--seed", "7", "--anchor", "now", "--bearer-token", kToken};
    args.insert(args.end(), extra.begin(), extra.end());
    sim_ = std::make_unique<SimServer>(args);
  }
  std::map<std::string, std::string> environment() const {
    return {{"KALSHI_API_BASE_URL", sim_->baseUrl()}, {"KALSHI_API_KEY", kToken}, {"KALSHI_API_KEY_ID", ""},
            {"KALSHI_PRIVATE_KEY_PATH", ""}, {"KALSHI_PRIVATE_KEY", ""}, {"KALSHI_RATE_LIMIT", "off"},
            {"KALSHI_MAX_RETRY_TIME", "3s"}, {"KALSHI_DB", db()}};
  }
  ProcessResult cli(std::vector<std::string> args, std::map<std::string, std::string> overrides = {}) {
    auto env = environment();
    for (auto& [name, value] : overrides) env[name] = value;
    args.insert(args.begin(), KD_CLI);
    return runProcess(args, dir_.path(), env);
  }
  std::string db() const { return dir_.file("kalshi.db"); }
  int64_t scalar(const std::string& sql) {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(), sql);
    return query.step() ? query.columnInt(0) : -1;
  }
  std::string text(const std::string& sql) {
    sqlite::Database database(db(), sqlite::Database::Mode::kReadOnly);
    sqlite::Statement query(database.handle(), sql);
    return query.step() ? query.columnText(0) : "";
  }
  int truthCount(const std::string& name) { return sim_->truth()->getObject("counts")->getValue<int>(name); }

  TempDir dir_;
  std::unique_ptr<SimServer> sim_;
};

}  // namespace testing
}  // namespace kalshi_direct

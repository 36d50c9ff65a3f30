// Shared helpers for engine tests: temporary directories and building a pipeline from YAML text.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "kalshi_direct/decimal.h"

namespace kalshi_direct {
namespace testing {

// True in the AddressSanitizer build (tools/test.sh stage 2), which runs several times slower:
// time bounds are checked in the normal build only (the deterministic parts of a test still run).
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitizedBuild = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kSanitizedBuild = true;
#else
constexpr bool kSanitizedBuild = false;
#endif
#else
constexpr bool kSanitizedBuild = false;
#endif

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "kd-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  // KD_KEEP_TEST_DIRS=1 keeps it (to look at a failed test's databases).
  ~TempDir() {
    if (const char* keep = std::getenv("KD_KEEP_TEST_DIRS"); keep && *keep == '1') return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

inline void writeFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
}

// An exact decimal from text a test expects to be one (a failure names the text).
inline Decimal decimal(const std::string& text) {
  Decimal value;
  EXPECT_TRUE(Decimal::parse(text, value)) << text;
  return value;
}

}  // namespace testing
}  // namespace kalshi_direct

// Store locations and accounts (stores.h): what `--db` plus `--account` open, what a server keeps
// as the location of every account, and what a SQLite file holds.
#include "kalshi_direct/engine/stores.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using Split = std::pair<std::string, std::string>;

TEST(StoresTest, AnAccountGoesIntoAPostgresUrlAndIsRefusedOnASqliteFile) {
  EXPECT_EQ(accountLocation("postgresql://kd@db:5432/kalshi", "alice"),
            "postgresql://kd@db:5432/kalshi?account=alice");
  EXPECT_EQ(accountLocation("postgresql://kd@db/kalshi?sslmode=require", "bob"),
            "postgresql://kd@db/kalshi?sslmode=require&account=bob");
  EXPECT_EQ(accountLocation("postgresql://kd@db/kalshi?account=bob", "bob"),
            "postgresql://kd@db/kalshi?account=bob");
  EXPECT_EQ(accountLocation("kalshi.db", ""), "kalshi.db");
  try {
    accountLocation("postgresql://kd@db/kalshi?account=bob", "alice");
    ADD_FAILURE() << "a URL naming another account was taken";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("names another account"));
  }
  try {
    accountLocation("kalshi.db", "alice");
    ADD_FAILURE() << "an account on a SQLite file was taken";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("is a SQLite file, which holds one account"));
  }
}

TEST(StoresTest, SplittingALocationGivesItsBaseAndItsAccount) {
  EXPECT_EQ(splitAccount("postgresql://kd@db/kalshi"), Split("postgresql://kd@db/kalshi", ""));
  EXPECT_EQ(splitAccount("postgresql://kd@db/kalshi?account=alice"),
            Split("postgresql://kd@db/kalshi", "alice"));
  EXPECT_EQ(splitAccount("postgres://kd@db/kalshi?sslmode=require&account=bob&connect_timeout=5"),
            Split("postgres://kd@db/kalshi?sslmode=require&connect_timeout=5", "bob"));
  // A file name may hold a '?': it is a path, not a URL.
  EXPECT_EQ(splitAccount("/data/odd?account=x.db"), Split("/data/odd?account=x.db", ""));
  // What it splits, accountLocation() puts back together.
  const auto [base, account] = splitAccount("postgresql://kd@db/kalshi?sslmode=require&account=c");
  EXPECT_EQ(accountLocation(base, account), "postgresql://kd@db/kalshi?sslmode=require&account=c");
}

TEST(StoresTest, ReadersShowOneAccountAndTakeTheEnvironmentsWhenNoneIsGiven) {
  ::setenv("KALSHI_ACCOUNT", "carol", 1);
  EXPECT_EQ(readerLocation("postgresql://kd@db/kalshi", ""),
            "postgresql://kd@db/kalshi?account=carol");
  EXPECT_EQ(readerLocation("postgresql://kd@db/kalshi", "dave"),
            "postgresql://kd@db/kalshi?account=dave");
  ::unsetenv("KALSHI_ACCOUNT");
  EXPECT_EQ(readerLocation("postgresql://kd@db/kalshi", ""), "postgresql://kd@db/kalshi");
  try {
    readerLocation("postgresql://kd@db/kalshi", "all");
    ADD_FAILURE() << "--account all was taken";
  } catch (const StoreError& error) {
    EXPECT_THAT(error.what(), HasSubstr("kalshi_all"));
  }
}

TEST(StoresTest, ASqliteFileListsNoAccounts) {
  StorePtr store = openStore(":memory:", Store::Mode::kReadWriteCreate);
  EXPECT_TRUE(storeAccounts(*store).empty());
}

}  // namespace
}  // namespace kalshi_direct

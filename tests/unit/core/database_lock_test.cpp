// The one-writer lock of a database file (engine/database_lock.h).
#include "kalshi_direct/engine/database_lock.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;

TEST(DatabaseLockTest, ASecondLockFailsAtOnceNamingTheHolderAndClosingReleasesIt) {
  testing::TempDir dir;
  const std::string db = dir.file("k.db");
  const int fd = lockDatabase(db, "backfill");
  ASSERT_GE(fd, 0);
  try {
    lockDatabase(db, "sync");
    FAIL() << "two runs held one database";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(),
                HasSubstr("database '" + db + "' is in use by pipeline 'backfill' (pid " +
                          std::to_string(::getpid())));
    EXPECT_THAT(error.what(), HasSubstr("; wait for that run to finish or stop it"));
  }
  ::close(fd);
  const int again = lockDatabase(db, "sync");
  EXPECT_GE(again, 0);
  ::close(again);
}

TEST(DatabaseLockTest, TwoPathsToOneFileShareTheLock) {
  testing::TempDir dir;
  std::filesystem::create_directory(dir.file("sub"));
  const std::string db = dir.file("k.db");
  testing::writeFile(db, "");
  std::filesystem::create_symlink(db, dir.file("link.db"));
  EXPECT_EQ(resolvedPath(dir.file("sub/../link.db")), resolvedPath(db));
  const int fd = lockDatabase(resolvedPath(db), "sync");
  EXPECT_THROW(lockDatabase(resolvedPath(dir.file("link.db")), "sync"), std::runtime_error);
  ::close(fd);
}

TEST(DatabaseLockTest, ALockFileThatIsASymbolicLinkIsNeverFollowed) {
  testing::TempDir dir;
  const std::string db = dir.file("k.db");
  testing::writeFile(dir.file("victim"), "keep me");
  std::filesystem::create_symlink(dir.file("victim"), db + ".lock");
  try {
    lockDatabase(db, "sync");
    FAIL() << "followed a planted link";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(),
                HasSubstr("is a symbolic link; kalshi-direct never writes through one"));
  }
  EXPECT_EQ(testing::readFile(dir.file("victim")), "keep me");
}

}  // namespace
}  // namespace kalshi_direct

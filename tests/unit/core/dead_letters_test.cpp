// The dead-letter output (engine/dead_letters.h): one JSON line per refused input, nothing on a
// clean or dry run.
#include "kalshi_direct/engine/dead_letters.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

TEST(DeadLetterWriterTest, WritesOneJsonLinePerRejectionWithTheReasonAndTheInput) {
  testing::TempDir dir;
  const std::string path = dir.file("dead.jsonl");
  {
    DeadLetterWriter writer(path, "sync", /*dry_run=*/false);
    const Record record{{"id", Value(std::string("f-1"))}, {"price", Value(Decimal(5600, 4))}};
    writer.write("sinks[1] 'kalshi_fills'", "fills", "missing ticker for kalshi_fills", &record,
                 nullptr);
    const std::string raw = "{\"broken\": ";
    writer.write("source 'jsonl'", "records", "line 3: not JSON", nullptr, &raw);
    writer.flush();
    EXPECT_EQ(writer.count(), 2u);
  }
  const std::string text = testing::readFile(path);
  const auto newline = text.find('\n');
  ASSERT_NE(newline, std::string::npos);
  const std::string first = text.substr(0, newline);
  EXPECT_THAT(first, StartsWith("{\"time\":\""));
  EXPECT_THAT(first, HasSubstr("\"pipeline\":\"sync\",\"stage\":\"sinks[1] 'kalshi_fills'\","
                               "\"stream\":\"fills\",\"reason\":\"missing ticker for "
                               "kalshi_fills\",\"record\":{\"id\":\"f-1\",\"price\":\"0.5600\"}}"));
  EXPECT_THAT(text.substr(newline + 1),
              HasSubstr("\"reason\":\"line 3: not JSON\",\"raw\":\"{\\\"broken\\\": \"}\n"));
}

TEST(DeadLetterWriterTest, ACleanRunOrADryRunCreatesNoFile) {
  testing::TempDir dir;
  const std::string path = dir.file("dead.jsonl");
  {
    DeadLetterWriter clean(path, "sync", false);
    clean.flush();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
  {
    DeadLetterWriter dry(path, "sync", /*dry_run=*/true);
    const Record record{{"id", Value(std::string("f-1"))}};
    dry.write("sinks[0] 'csv'", "fills", "bad", &record, nullptr);
    EXPECT_EQ(dry.count(), 1u) << "counted for the report";
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(DeadLetterWriterTest, AnUnwritablePathIsOneLineNamingIt) {
  testing::TempDir dir;
  DeadLetterWriter writer(dir.file("no-such-dir/dead.jsonl"), "sync", false);
  const Record record;
  try {
    writer.write("sinks[0] 'csv'", "fills", "bad", &record, nullptr);
    FAIL() << "wrote into a missing directory";
  } catch (const std::runtime_error& error) {
    EXPECT_THAT(error.what(), HasSubstr("cannot write the dead-letter file '" +
                                        dir.file("no-such-dir/dead.jsonl") + "'"));
  }
}

}  // namespace
}  // namespace kalshi_direct

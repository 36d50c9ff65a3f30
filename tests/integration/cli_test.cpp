// The kalshi-direct command line as a user meets it: exit codes, one-line messages, real files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "kalshi_direct/engine/sqlite.h"
#include "support/process.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;
using testing::ProcessResult;
using testing::readFile;
using testing::runProcess;
using testing::TempDir;
using testing::writeFile;

class CliTest : public ::testing::Test {
 protected:
  ProcessResult cli(std::vector<std::string> args,
                    const std::map<std::string, std::string>& env = {}) {
    args.insert(args.begin(), KD_CLI);
    return runProcess(args, dir_.path(), env);
  }
  std::string file(const std::string& name, const std::string& content) {
    writeFile(dir_.file(name), content);
    return dir_.file(name);
  }
  // The files in the work directory: "nothing written" checks.
  std::vector<std::string> listing() {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(dir_.path())) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
  TempDir dir_;
};

TEST_F(CliTest, VersionAndHelp) {
  auto result = cli({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, MatchesRegex("kalshi-direct [0-9]+\\.[0-9]+\\.[0-9]+\n"));
  result = cli({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("run NAME|FILE"));
  EXPECT_THAT(result.out, HasSubstr("exit codes: 0 success, 1 the run failed, 2 bad usage"));
  EXPECT_EQ(cli({}).exit_code, 2);
}

TEST_F(CliTest, UsageErrorsExitTwoWithOneLine) {
  auto result = cli({"frobnicate"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "kalshi-direct: unknown command 'frobnicate' (commands: run, validate, plugins, "
            "report, positions, serve, config, init; see --help)\n");
  result = cli({"run", "sync", "--bogus"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err, "kalshi-direct: unknown option '--bogus' (see kalshi-direct --help)\n");
  result = cli({"run", "no-such-pipeline"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("no pipeline named 'no-such-pipeline' (available:"));
  result = cli({"run", "x.yaml", "--days", "soon"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--days needs a whole number of days >= 1, not 'soon'"));
}

TEST_F(CliTest, PluginsListsTheBuiltinsWithTheirOptions) {
  auto result = cli({"plugins"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* expected : {"  jsonl - ", "  select - ", "  filter - ", "  csv - ",
                               "  sqlite_table - ", "      path (string, required)"}) {
    EXPECT_THAT(result.out, HasSubstr(expected));
  }
  result = cli({"plugins", "--json"});
  ASSERT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, HasSubstr("{\"name\":\"csv\",\"description\":"));
  // Sources list the fields of their streams (what a filter, select or csv may name).
  EXPECT_THAT(result.out, HasSubstr("\"fields\":{\"balance\":[\"balance\","));
  EXPECT_THAT(result.out, ::testing::ContainsRegex("\"fills\":\\[[^]]*\"fee_cost\""));
}

TEST_F(CliTest, AWorkingDirectoryPipelineOfAShippedNameIsUsedWithAWarning) {
  // ./pipelines/sync.yaml (an old copy, say) comes before the shipped sync: say so.
  std::filesystem::create_directories(dir_.file("pipelines"));
  testing::writeFile(
      dir_.file("pipelines/sync.yaml"),
      "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n");
  testing::writeFile(dir_.file("in.jsonl"), "{\"id\": 1}\n");
  auto result = cli({"run", "sync"}, {{"KALSHI_DIRECT_PIPELINES", ""}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("using pipelines/sync.yaml, which shadows the shipped "));
  EXPECT_THAT(result.err, HasSubstr("/pipelines/sync.yaml (run a file by its path"));
  EXPECT_EQ(testing::readFile(dir_.file("o.csv")), "id\n1\n");
  // A name the shipped pipelines do not have: no warning.
  std::filesystem::rename(dir_.file("pipelines/sync.yaml"), dir_.file("pipelines/mine.yaml"));
  result = cli({"run", "mine"}, {{"KALSHI_DIRECT_PIPELINES", ""}});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, Not(HasSubstr("shadows")));
}

TEST_F(CliTest, EveryShippedPipelineValidates) {
  const auto result = runProcess({KD_CLI, "validate"}, KD_SOURCE_DIR);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("fills-to-csv.yaml: ok"));
  EXPECT_EQ(result.err, "");
}

TEST_F(CliTest, BrokenYamlGivesExitTwoAndFileLineColumn) {
  const std::string path =
      file("broken.yaml", "name: x\nsource:\n  type: jsonl\n  path: [unclosed\nsinks: []\n");
  const auto result = cli({"validate", path});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, MatchesRegex(".*broken\\.yaml:[0-9]+:[0-9]+: YAML syntax error: .*\n"));
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1);
}

TEST_F(CliTest, RunWithAConfigErrorWritesNothing) {
  const std::string path =
      file("p.yaml",
           "name: p\nsource: { type: jsonl, path: in.jsonl }\n"
           "transforms: [ { type: select, feilds: [a] } ]\n"
           "sinks: [ { type: sqlite_table, path: out.db, table: t, columns: { a: text } } ]\n");
  const auto before = listing();
  const auto result = cli({"run", path});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(
      result.err,
      HasSubstr(
          "p.yaml:3:31: transforms[0] 'select': unknown option 'feilds' (did you mean 'fields'?)"));
  EXPECT_EQ(listing(), before);
}

TEST_F(CliTest, MissingEnvironmentVariableIsNamed) {
  const std::string path = file("p.yaml",
                                "source: { type: jsonl, path: \"${MY_INPUT}\" }\n"
                                "sinks: [ { type: csv, path: out.csv } ]\n");
  const auto result = cli({"validate", path}, {{"MY_INPUT", ""}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(
      result.err,
      HasSubstr(
          "p.yaml:1:30: source: environment variable MY_INPUT is not set and has no default"));
}

TEST_F(CliTest, UnreadablePipelineFile) {
  const auto result = cli({"run", dir_.file("missing.yaml")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("missing.yaml: cannot read pipeline file"));
}

TEST_F(CliTest, ADatabaseThatIsNotSqliteIsAConfigurationError) {
  file("in.jsonl", "{\"id\":\"a\"}\n");
  const std::string not_a_db = file("notes.db", "these are my notes, not a database\n");
  const std::string path =
      file("p.yaml",
           "source: { type: jsonl, path: in.jsonl }\n"
           "sinks: [ { type: sqlite_table, path: notes.db, table: t, columns: { id: text } } ]\n");
  const auto result = cli({"run", path});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("is not usable: file is not a database"));
  EXPECT_EQ(readFile(not_a_db), "these are my notes, not a database\n");
  EXPECT_FALSE(std::filesystem::exists(not_a_db + ".lock"));
}

TEST_F(CliTest, APluginDirectoryWithANonPluginIsRefused) {
  std::filesystem::create_directory(dir_.file("plugins"));
  std::filesystem::copy_file(KD_TEST_PLUGIN_NOT_A_PLUGIN, dir_.file("plugins/libnot.so"));
  auto result = cli({"plugins", "--plugin-dir", dir_.file("plugins")});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("is not a kalshi-direct plugin"));
  std::filesystem::remove(dir_.file("plugins/libnot.so"));
  std::filesystem::copy_file(KD_TEST_PLUGIN_WRONG_ABI, dir_.file("plugins/libold.so"));
  result = cli({"plugins"}, {{"KALSHI_DIRECT_PLUGIN_PATH", dir_.file("plugins")}});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("was built for plugin ABI 999"));
}

// jsonl -> filter -> select -> csv and sqlite_table: the rows a user would look at.
TEST_F(CliTest, EndToEndIntoCsvAndSqlite) {
  file("fills.jsonl",
       "{\"id\":\"f1\",\"ticker\":\"KXHIGHNY-26MAR01-T60\",\"price\":\"0.5600\",\"count\":10,"
       "\"note\":\"plain\"}\n"
       "{\"id\":\"f2\",\"ticker\":\"KXBTC15M-X\",\"price\":\"0.3100\",\"count\":2,\"note\":\"has, "
       "a comma\"}\n"
       "{\"id\":\"f3\",\"ticker\":\"KXHIGHNY-26MAR01-T60\",\"price\":\"0.6200\",\"count\":4,"
       "\"note\":\"say \\\"hi\\\"\\nthen go\"}\n");
  const std::string path = file("p.yaml", R"(name: e2e
params: { db: out.db }
source: { type: jsonl, path: fills.jsonl, stream: fills }
transforms:
  - { type: filter, where: 'count >= 4' }
  - { type: select, fields: [id, ticker, price, count, note], cast: { price: decimal } }
sinks:
  - { type: csv, path: out.csv }
  - type: sqlite_table
    path: ${db}
    table: fills
    key: [id]
    columns: { id: text, ticker: text, price: decimal, count: integer, note: text }
)");
  auto result = cli({"run", path});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("3 records read"));
  EXPECT_EQ(readFile(dir_.file("out.csv")),
            "id,ticker,price,count,note\n"
            "f1,KXHIGHNY-26MAR01-T60,0.5600,10,plain\n"
            "f3,KXHIGHNY-26MAR01-T60,0.6200,4,\"say \"\"hi\"\"\nthen go\"\n");
  EXPECT_EQ(testing::runProcess({"/usr/bin/sqlite3", dir_.file("out.db"),
                                 "SELECT id, price, count FROM fills ORDER BY id"})
                .out,
            "f1|0.5600|10\nf3|0.6200|4\n");
  // A re-run upserts: same rows, no duplicates.
  result = cli({"run", path});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(
      testing::runProcess({"/usr/bin/sqlite3", dir_.file("out.db"), "SELECT count(*) FROM fills"})
          .out,
      "2\n");
  // --set overrides a param.
  result = cli({"run", path, "--set", "db=other.db"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(std::filesystem::exists(dir_.file("other.db")));
}

TEST_F(CliTest, DryRunReportsButWritesNothing) {
  file("in.jsonl", "{\"id\":\"a\"}\n{\"id\":\"b\"}\n");
  const std::string path =
      file("p.yaml",
           "source: { type: jsonl, path: in.jsonl }\n"
           "sinks:\n  - { type: csv, path: out.csv }\n"
           "  - { type: sqlite_table, path: out.db, table: t, columns: { id: text } }\n");
  const auto before = listing();
  const auto result = cli({"run", path, "--dry-run"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("2 would be written"));
  EXPECT_THAT(result.out, HasSubstr("dry run: nothing was committed"));
  EXPECT_EQ(listing(), before);
}

TEST_F(CliTest, BadRecordsAreDeadLetteredAndTheExitCodeSaysPartial) {
  file("in.jsonl", "{\"id\":\"a\",\"n\":1}\nnot json at all\n{\"id\":\"c\",\"n\":\"three\"}\n");
  const std::string path = file("p.yaml",
                                "name: bad\nsource: { type: jsonl, path: in.jsonl }\n"
                                "sinks: [ { type: sqlite_table, path: out.db, table: t, columns: { "
                                "id: text, n: integer } } ]\n");
  const auto result = cli({"run", path});
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("2 records rejected -> bad.dead-letter.jsonl"));
  const std::string dead = readFile(dir_.file("bad.dead-letter.jsonl"));
  EXPECT_EQ(std::count(dead.begin(), dead.end(), '\n'), 2);
  EXPECT_THAT(dead, HasSubstr("\"raw\":\"not json at all\""));
  EXPECT_THAT(dead, HasSubstr("\"record\":{\"id\":\"c\",\"n\":\"three\"}"));
  EXPECT_EQ(
      testing::runProcess({"/usr/bin/sqlite3", dir_.file("out.db"), "SELECT id, n FROM t"}).out,
      "a|1\n");
}

TEST_F(CliTest, JsonLogFormatPrintsTheSummaryAsJson) {
  file("in.jsonl", "{\"id\":\"a\"}\n");
  const std::string path = file(
      "p.yaml",
      "name: j\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n");
  const auto result = cli({"run", path, "--log-format", "json"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_THAT(result.out, MatchesRegex("\\{\"pipeline\":\"j\",\"exit_code\":0,.*\\}\n"));
}

}  // namespace
}  // namespace kalshi_direct

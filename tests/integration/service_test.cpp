// Running kalshi-direct as a service: one settings file (tools/kalshi-direct/settings.h) with the
// precedence flag > environment > file > default and `config show`; `init` writing a working file
// after checking the key against the simulator; the progress line in a pseudo-terminal, as log
// lines elsewhere, and silenced by --quiet.
#include <gmock/gmock.h>
#include <sys/stat.h>

#include <cstdlib>
#include <regex>

#include "support/kalshi_cli_fixture.h"

namespace kalshi_direct {
namespace testing {
namespace {

// Every CLI the tests of this binary start (not only these) reads no settings file of the machine
// or the user unless a test names one (KALSHI_DIRECT_CONFIG=none), and logs no timed progress
// line (KALSHI_PROGRESS_INTERVAL=off: a slow sanitizer run would add one to the stderr the tests
// read); a test overrides either, and so does the environment the binary is run in.
[[maybe_unused]] const bool kQuietCliEnvironment = [] {
  return ::setenv("KALSHI_DIRECT_CONFIG", "none", 0) == 0 &&
         ::setenv("KALSHI_PROGRESS_INTERVAL", "off", 0) == 0;
}();

class ServiceTest : public KalshiCliFixture {
 protected:
  std::string settings(const std::string& text) {
    const std::string path = dir_.file("kalshi-direct.conf");
    writeFile(path, text);
    return path;
  }
};

TEST_F(ServiceTest, ABackfillTakesItsSettingsFromTheFile) {
  startSim();
  const std::string file =
      settings("# settings\nKALSHI_API_BASE_URL=" + sim_->baseUrl() + "\nKALSHI_API_KEY=\"" +
               kToken + "\"\nKALSHI_DB=" + db() + "\nKALSHI_RATE_LIMIT=off\n");
  // Nothing in the environment: all from the file.
  ProcessResult result =
      cli({"run", "backfill", "--full", "--quiet", "--config", file}, {{"KALSHI_API_BASE_URL", ""},
                                                                       {"KALSHI_API_KEY", ""},
                                                                       {"KALSHI_DB", ""},
                                                                       {"KALSHI_RATE_LIMIT", ""}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
}

TEST_F(ServiceTest, ConfigShowSaysWhereEachSettingCameFromAndRedactsSecrets) {
  startSim();
  const std::string file = settings(
      "KALSHI_DB=from-file.db\nKALSHI_RATE_LIMIT=5\n"
      "KALSHI_API_KEY=file-secret-token-7c1d\n"
      "KALSHI_API_KEY_ID=abcd1234-5678-90ef\n");
  ProcessResult shown = cli({"config", "show", "--config", file}, {{"KALSHI_DB", ""},
                                                                   {"KALSHI_API_KEY", ""},
                                                                   {"KALSHI_RATE_LIMIT", "7"},
                                                                   {"KALSHI_TIMEZONE", ""}});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  auto line = [&](const std::string& key) {
    std::smatch match;
    const std::regex pattern("(^|\n)" + key + " +([^\n]*)");
    return std::regex_search(shown.out, match, pattern) ? match[2].str() : std::string("(none)");
  };
  EXPECT_TRUE(
      std::regex_match(line("KALSHI_DB"), std::regex("from-file\\.db +file " + file + ":1")))
      << line("KALSHI_DB");
  EXPECT_NE(line("KALSHI_RATE_LIMIT").find("7"), std::string::npos);
  EXPECT_NE(line("KALSHI_RATE_LIMIT").find("environment"), std::string::npos) << "env > file";
  EXPECT_NE(line("KALSHI_TIMEZONE").find("America/New_York"), std::string::npos);
  EXPECT_NE(line("KALSHI_TIMEZONE").find("default"), std::string::npos);
  EXPECT_NE(line("KALSHI_API_KEY").find("(set, redacted)"), std::string::npos);
  EXPECT_NE(line("KALSHI_API_KEY_ID").find("abcd... (redacted)"), std::string::npos);
  EXPECT_EQ(shown.out.find("file-secret-token"), std::string::npos);
  EXPECT_EQ(shown.out.find("1234-5678"), std::string::npos);
  // A flag beats them all.
  ProcessResult flagged =
      cli({"config", "show", "--db", "flag.db", "--config", file}, {{"KALSHI_DB", "env.db"}});
  EXPECT_NE(flagged.out.find("flag.db"), std::string::npos);
  EXPECT_NE(flagged.out.find("flag --db"), std::string::npos);
}

TEST_F(ServiceTest, ABadSettingsLineIsOneLineNamingItsPlaceAndNothingRuns) {
  startSim();
  const std::string file = settings("KALSHI_DB=x.db\nexport KALSHI_TIMEZONE=UTC\n");
  ProcessResult result = cli({"run", "sync", "--config", file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(file + ":2: no 'export' here"), std::string::npos) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  ProcessResult missing = cli({"config", "show", "--config", dir_.file("nope.conf")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("no settings file"), std::string::npos);
}

// The category rules from the settings file: KALSHI_CATEGORY_RULES names a YAML file of rules,
// which replaces the shipped ones in sync and backfill.
TEST_F(ServiceTest, TheSettingsFileNamesTheCategoryRules) {
  startSim();
  const std::string rules = dir_.file("rules.yaml");
  writeFile(rules,
            "# mine\n- { client_order_id_prefix: mm-, category: bots }\n"
            "- { ticker_pattern: \"*\", category: everything }\n");
  const std::string file = settings("KALSHI_CATEGORY_RULES=" + rules + "\n");
  ProcessResult result = cli({"run", "backfill", "--full", "--quiet", "--config", file});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(column("SELECT DISTINCT category FROM kalshi_fills ORDER BY 1"),
            (std::vector<std::string>{"bots", "everything"}));
  // A bad rule: exit 2, one line naming its line in the rules file.
  writeFile(rules, "- { client_order_id_prefix: mm-, category: bots }\n- { colour: red }\n");
  ProcessResult bad = cli({"run", "sync", "--config", file});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find(rules + ":2:"), std::string::npos) << bad.err;
}

// The real API's way: an RSA key pair; the simulator verifies the signatures with the public half.
TEST_F(ServiceTest, InitChecksTheKeyAndWritesAWorkingPrivateFile) {
  const std::string key = dir_.file("key.pem"), pub = dir_.file("pub.pem");
  ASSERT_EQ(runProcess({"/usr/bin/openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", key})
                .exit_code,
            0);
  ASSERT_EQ(runProcess({"/usr/bin/openssl", "pkey", "-in", key, "-pubout", "-out", pub}).exit_code,
            0);
  ::chmod(key.c_str(), 0600);
  sim_ = std::make_unique<SimServer>(std::vector<std::string>{"--fills", "500", "--seed", "3",
                                                              "--anchor", "now", "--key-id",
                                                              "kid-4f7e2a", "--public-key", pub});
  const std::string file = dir_.file("config/kalshi-direct.conf");
  const std::map<std::string, std::string> bare{{"KALSHI_API_KEY", ""},
                                                {"KALSHI_DB", ""},
                                                {"KALSHI_API_BASE_URL", ""},
                                                {"KALSHI_DIRECT_CONFIG", ""},
                                                {"XDG_CONFIG_HOME", dir_.file("xdg")}};
  // A wrong key id: refused, nothing written.
  auto wrong = bare;
  ProcessResult refused = cli({"init", "--config", file, "--base-url", sim_->baseUrl(), "--key-id",
                               "kid-wrong", "--key-path", key, "--db", db(), "--timezone", "UTC"},
                              wrong);
  EXPECT_EQ(refused.exit_code, 1) << refused.err;
  EXPECT_NE(refused.err.find("nothing written"), std::string::npos) << refused.err;
  EXPECT_FALSE(std::filesystem::exists(file));

  // The id and the database answered on stdin, the rest from flags.
  std::vector<std::string> init = {
      "/bin/sh", "-c",
      "printf 'kid-4f7e2a\\n" + db() + "\\n' | " + std::string(KD_CLI) + " init --config " + file +
          " --base-url " + sim_->baseUrl() + " --key-path " + key + " --timezone UTC"};
  auto env = environment();
  for (auto& [name, value] : bare) env[name] = value;
  ProcessResult written = runProcess(init, dir_.path(), env);
  ASSERT_EQ(written.exit_code, 0) << written.err;
  EXPECT_NE(written.err.find("key checked: balance $"), std::string::npos) << written.err;
  struct stat info {};
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  const std::string text = readFile(file);
  EXPECT_NE(text.find("KALSHI_API_KEY_ID=kid-4f7e2a\n"), std::string::npos) << text;
  EXPECT_NE(text.find("KALSHI_PRIVATE_KEY_PATH=" + key + "\n"), std::string::npos) << text;
  EXPECT_EQ(text.find("PRIVATE KEY-----"), std::string::npos) << "the key itself never";

  // Run again over a file its admin made group-readable (the package's is root:kalshi-direct
  // 0640, read by the service): it keeps that mode and any line init does not write.
  ::chmod(file.c_str(), 0640);
  writeFile(file, readFile(file) + "KALSHI_RATE_LIMIT=5\n");
  ::chmod(file.c_str(), 0640);
  ProcessResult again = cli({"init", "--config", file, "--no-check"}, bare);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  ASSERT_EQ(::stat(file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0640u);
  EXPECT_NE(readFile(file).find("KALSHI_RATE_LIMIT=5\n"), std::string::npos);
  EXPECT_NE(readFile(file).find("KALSHI_API_KEY_ID=kid-4f7e2a\n"), std::string::npos);

  // The file works: a backfill with nothing else set.
  ProcessResult sync = cli({"run", "backfill", "--full", "--quiet", "--config", file}, bare);
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
}

// The simulator's history spans 150 days: a backfill of them knows its range, so the line ends in
// an ETA.
TEST_F(ServiceTest, ABackfillShowsALiveProgressLineInATerminal) {
  startSim({}, "20000");
  // `script` runs the command in a pseudo-terminal and copies what it wrote.
  auto env = environment();
  env["KALSHI_RATE_LIMIT"] = "20";       // a few seconds: several progress updates
  env["KALSHI_PROGRESS_INTERVAL"] = "";  // the default (this binary sets "off")
  const std::string command = std::string(KD_CLI) + " run backfill --days 150";
  ProcessResult shown =
      runProcess({"/usr/bin/script", "-qec", command, "/dev/null"}, dir_.path(), env);
  ASSERT_EQ(shown.exit_code, 0) << shown.out << shown.err;
  const std::string& screen = shown.out;
  EXPECT_NE(screen.find("\r\x1b[Kbackfill: "), std::string::npos) << screen.substr(0, 2000);
  std::smatch match;
  const std::regex line(
      "backfill: (orders|fills|settlements|[a-z_]+)  page [0-9,]+  [0-9,]+ rows  [0-9,]+ rows/s  "
      "[0-9,]+ requests \\(0 x 429\\)");
  EXPECT_TRUE(std::regex_search(screen, match, line)) << screen.substr(0, 2000);
  EXPECT_TRUE(std::regex_search(screen, std::regex("\\(0 x 429\\)  ETA [0-9]+:[0-9]{2}")))
      << screen.substr(0, 3000);
  EXPECT_NE(screen.find("pipeline 'backfill' finished"), std::string::npos);

  // --quiet: no progress line.
  std::remove(db().c_str());
  ProcessResult quiet =
      runProcess({"/usr/bin/script", "-qec", command + " --quiet", "/dev/null"}, dir_.path(), env);
  ASSERT_EQ(quiet.exit_code, 0) << quiet.out;
  EXPECT_EQ(quiet.out.find("\x1b[K"), std::string::npos);
  EXPECT_EQ(quiet.out.find("page "), std::string::npos);
}

TEST_F(ServiceTest, WithoutATerminalProgressIsALogLineEveryInterval) {
  startSim({}, "20000");
  ProcessResult result = cli({"run", "backfill", "--full"},
                             {{"KALSHI_RATE_LIMIT", "20"}, {"KALSHI_PROGRESS_INTERVAL", "500ms"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.err.find("\x1b[K"), std::string::npos);
  const std::regex line("info \\[backfill\\] progress: [a-z_]+  page [0-9,]+  [0-9,]+ rows");
  EXPECT_TRUE(std::regex_search(result.err, line)) << result.err;
  // --full: where the history starts is unknown, so no ETA.
  EXPECT_EQ(result.err.find("ETA"), std::string::npos) << result.err;

  // "off": no progress line, the other log lines stay; a value that is neither is one line.
  std::remove(db().c_str());
  ProcessResult off = cli({"run", "backfill", "--full"},
                          {{"KALSHI_RATE_LIMIT", "20"}, {"KALSHI_PROGRESS_INTERVAL", "off"}});
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(off.err.find("progress:"), std::string::npos) << off.err;
  EXPECT_NE(off.out.find("pipeline 'backfill' finished"), std::string::npos) << off.out;
  ProcessResult bad = cli({"run", "backfill", "--full"}, {{"KALSHI_PROGRESS_INTERVAL", "often"}});
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  EXPECT_THAT(bad.err, ::testing::MatchesRegex("[^\n]*KALSHI_PROGRESS_INTERVAL: [^\n]*\n"));
}

}  // namespace
}  // namespace testing
}  // namespace kalshi_direct

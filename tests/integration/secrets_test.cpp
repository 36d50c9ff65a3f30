// Secrets never leak. Canary credentials — a bearer token, a key id and an RSA private key made
// at test time — are in the environment (KALSHI_API_KEY, KALSHI_API_KEY_ID, KALSHI_PRIVATE_KEY_PATH
// and the key inline in KALSHI_PRIVATE_KEY) while every command and shipped pipeline runs at
// --verbose, also with failures forced (401, outage -> fallback, malformed keys, TLS failure).
// Nothing the runs print (stdout, stderr) or write (kalshi.db, -wal, -shm, .lock, dead-letter
// files, CSV) may contain the token, the key id or any 24-character piece of the key's base64 body.
// Also: a private key file readable by others is warned about, and identifiers taken from YAML
// (table and column names) are validated while values are always bound.
#include <gmock/gmock.h>
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "kalshi_direct/engine/sqlite.h"
#include "support/process.h"
#include "support/sim_server.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ProcessResult;
using testing::readFile;
using testing::SimServer;
using testing::TempDir;
using testing::writeFile;

std::string randomHex(size_t length) {
  std::random_device random;
  std::string out;
  while (out.size() < length) out += "0123456789abcdef"[random() % 16];
  return out;
}

// Text with line breaks and "\n" escapes taken out: a leaked PEM is found even when re-wrapped.
std::string flatten(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') continue;
    if (text[i] == '\\' && i + 1 < text.size() && text[i + 1] == 'n') {
      ++i;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

class SecretsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    token_ = "canary-bearer-7f3e9a" + randomHex(24);
    key_id_ = "canary-keyid-" + randomHex(24);
    key_ = keys_.file("canary-key.pem");
    pub_ = keys_.file("canary-pub.pem");
    ASSERT_EQ(testing::runProcess({"/usr/bin/openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                                   "rsa_keygen_bits:2048", "-out", key_})
                  .exit_code,
              0);
    ASSERT_EQ(
        testing::runProcess({"/usr/bin/openssl", "pkey", "-in", key_, "-pubout", "-out", pub_})
            .exit_code,
        0);
    ::chmod(key_.c_str(), 0600);
    pem_ = readFile(key_);
    // The base64 body, and pieces of it: 24 characters, every 12 (a leak of >= 36 contains one).
    std::string body;
    for (const auto& line : lines(pem_)) {
      if (line.rfind("-----", 0) != 0) body += line;
    }
    ASSERT_GT(body.size(), 1000u);
    for (size_t at = 0; at + 24 <= body.size(); at += 12) pieces_.push_back(body.substr(at, 24));
    // A damaged copy (still full of canary material) and the key inline with \n escapes.
    std::string damaged = pem_.substr(0, pem_.size() / 2);
    damaged.erase(damaged.find('\n', 40) + 1, 30);
    broken_ = keys_.file("canary-broken.pem");
    writeFile(broken_, damaged + "\n-----END PRIVATE KEY-----\n");
    ::chmod(broken_.c_str(), 0600);
    for (char c : pem_) inline_ += c == '\n' ? std::string("\\n") : std::string(1, c);
  }

  static std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::string line;
    for (char c : text) {
      if (c == '\n') {
        out.push_back(line);
        line.clear();
      } else if (c != '\r') {
        line.push_back(c);
      }
    }
    if (!line.empty()) out.push_back(line);
    return out;
  }

  void startSim(std::vector<std::string> auth) {
    std::vector<std::string> args = {"--fills", "300", "--seed", "11", "--anchor", "now"};
    args.insert(args.end(), auth.begin(), auth.end());
    sim_ = std::make_unique<SimServer>(args);
  }
  // The sim accepts exactly the canary credentials (both modes).
  void startAcceptingSim() {
    startSim({"--bearer-token", token_, "--key-id", key_id_, "--public-key", pub_});
  }

  // Every canary in the environment; `overrides` adjust (an empty value removes a variable).
  std::map<std::string, std::string> environment() const {
    return {{"KALSHI_API_KEY", token_},
            {"KALSHI_API_KEY_ID", key_id_},
            {"KALSHI_PRIVATE_KEY_PATH", key_},
            {"KALSHI_PRIVATE_KEY", inline_},
            {"KALSHI_API_BASE_URL", sim_ ? sim_->baseUrl() : "http://127.0.0.1:9/trade-api/v2"},
            {"KALSHI_RATE_LIMIT", "off"},
            {"KALSHI_MAX_RETRY_TIME", "2s"},
            {"KALSHI_DB", ""},
            {"KALSHI_DIRECT_PLUGIN_PATH", ""},
            {"KALSHI_DIRECT_PIPELINES", ""}};
  }

  ProcessResult cli(std::vector<std::string> args,
                    const std::map<std::string, std::string>& overrides = {}) {
    auto env = environment();
    for (const auto& [name, value] : overrides) env[name] = value;
    args.insert(args.begin(), KD_CLI);
    ProcessResult result = testing::runProcess(args, work_.path(), env);
    std::string label;
    for (size_t i = 1; i < args.size(); ++i) label += args[i] + " ";
    expectClean("stdout of " + label, result.out);
    expectClean("stderr of " + label, result.err);
    ++commands_run_;
    return result;
  }

  void expectClean(const std::string& where, const std::string& text) {
    EXPECT_THAT(text, Not(HasSubstr(token_))) << where;
    EXPECT_THAT(text, Not(HasSubstr(key_id_))) << where;
    const std::string flat = flatten(text);
    for (const auto& piece : pieces_) {
      if (flat.find(piece) != std::string::npos) {
        ADD_FAILURE() << where << " contains a piece of the private key: " << piece;
        return;
      }
    }
  }

  // Every file under the work directory (databases, -wal, -shm, .lock, dead letters, CSV...).
  int scanFiles() {
    int scanned = 0;
    for (const auto& entry : fs::recursive_directory_iterator(work_.path())) {
      if (!entry.is_regular_file()) continue;
      expectClean("file " + entry.path().string(), readFile(entry.path().string()));
      ++scanned;
    }
    return scanned;
  }
  bool exists(const std::string& name) const { return fs::exists(work_.file(name)); }

  TempDir keys_;  // the canary key files live outside the scanned directory
  TempDir work_;
  std::string token_, key_id_, key_, pub_, broken_, pem_, inline_;
  std::vector<std::string> pieces_;
  std::unique_ptr<SimServer> sim_;
  int commands_run_ = 0;
};

// A user's pipeline with the token from YAML, a CSV and a table that rejects every fill (ticker
// declared integer): a dead-letter file full of raw records.
const char* kCanaryPipeline = R"(name: canary-csv
source:
  type: kalshi_live
  base_url: ${KALSHI_API_BASE_URL}
  auth: bearer
  api_key: "${KALSHI_API_KEY}"
  streams: [fills]
  since: all
  rate_limit: off
  max_retry_time: 2s
transforms:
  - type: normalize_orders
sinks:
  - { type: csv, path: canary-fills.csv, inputs: [fills] }
  - type: sqlite_table
    path: canary.db
    table: canary_fills
    inputs: [fills]
    columns: { id: text, ticker: integer }
)";

// The detector itself: a re-wrapped piece of the key, the token or the key id are all caught.
TEST_F(SecretsTest, TheLeakDetectorFindsEachKindOfCanary) {
  const std::string middle = pem_.substr(pem_.size() / 2, 80);
  EXPECT_NONFATAL_FAILURE(expectClean("test", "log: " + middle + " ..."),
                          "a piece of the private key");
  EXPECT_NONFATAL_FAILURE(expectClean("test", "Bearer " + token_), "test");
  EXPECT_NONFATAL_FAILURE(expectClean("test", "{\"key\":\"" + key_id_ + "\"}"), "test");
  std::string escaped;
  for (char c : middle) escaped += c == '\n' ? std::string("\\n") : std::string(1, c);
  EXPECT_NONFATAL_FAILURE(expectClean("test", escaped), "a piece of the private key");
}

TEST_F(SecretsTest, EveryCommandAndPipelineAtVerboseLeaksNothing) {
  startAcceptingSim();
  writeFile(work_.file("canary.yaml"), kCanaryPipeline);
  const std::string db = "kalshi.db";

  EXPECT_EQ(cli({"run", "backfill", "--full", "--verbose"}).exit_code, 0);
  EXPECT_EQ(cli({"run", "sync", "--verbose"}).exit_code, 0);
  EXPECT_EQ(cli({"run", "sync", "--verbose", "--dry-run"}).exit_code, 0);
  EXPECT_EQ(cli({"run", "sync", "--verbose", "--log-format", "json"}).exit_code, 0);
  EXPECT_EQ(cli({"run", "backfill", "--days", "30", "--verbose", "--log-format", "json"}).exit_code,
            0);
  // The key inline only, then the bearer token only.
  EXPECT_EQ(cli({"run", "sync", "--verbose"}, {{"KALSHI_PRIVATE_KEY_PATH", ""}}).exit_code, 0);
  EXPECT_EQ(cli({"run", "sync", "--verbose"}, {{"KALSHI_API_KEY_ID", ""}}).exit_code, 0);
  // The example pipelines and a user's own (CSV, dead letters).
  EXPECT_EQ(cli({"run", std::string(KD_SOURCE_DIR) + "/pipelines/examples/weather-week.yaml",
                 "--verbose"})
                .exit_code,
            0);
  const auto own = cli({"run", "canary.yaml", "--verbose"});
  EXPECT_EQ(own.exit_code, 3) << own.out << own.err;
  EXPECT_TRUE(exists("canary-csv.dead-letter.jsonl"));
  EXPECT_TRUE(exists("canary-fills.csv"));
  EXPECT_TRUE(exists("weather_week.csv"));
  EXPECT_EQ(cli({"validate", "--verbose"}).exit_code, 0);
  EXPECT_EQ(
      cli({"validate", "canary.yaml", "sync", "backfill", "--verbose", "--log-format", "json"})
          .exit_code,
      0);
  EXPECT_EQ(cli({"plugins", "--verbose"}).exit_code, 0);
  EXPECT_EQ(cli({"plugins", "--json", "--verbose"}).exit_code, 0);
  EXPECT_EQ(cli({"report", "--db", db, "--verbose"}).exit_code, 0);
  EXPECT_EQ(cli({"report", "--db", db, "--json", "--since", "24h", "--verbose"}).exit_code, 0);
  EXPECT_EQ(cli({"positions", "--db", db, "--verbose"}).exit_code, 0);
  EXPECT_EQ(cli({"positions", "--db", db, "--json", "--verbose"}).exit_code, 0);
  EXPECT_EQ(cli({"positions", "--db", db, "--verbose"}, {{"KALSHI_API_KEY_ID", ""}}).exit_code, 0);

  EXPECT_TRUE(exists("kalshi.db"));
  EXPECT_TRUE(exists("kalshi.db.lock"));
  EXPECT_GE(scanFiles(), 6);
}

TEST_F(SecretsTest, AuthenticationFailuresAndBadKeysLeakNothing) {
  // A simulator that knows other credentials: every canary request is answered 401.
  const std::string other_pub = keys_.file("other-pub.pem"),
                    other_key = keys_.file("other-key.pem");
  ASSERT_EQ(testing::runProcess({"/usr/bin/openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                                 "rsa_keygen_bits:2048", "-out", other_key})
                .exit_code,
            0);
  ASSERT_EQ(testing::runProcess(
                {"/usr/bin/openssl", "pkey", "-in", other_key, "-pubout", "-out", other_pub})
                .exit_code,
            0);
  startSim({"--bearer-token", "someone-elses-token", "--key-id", "someone-elses-key",
            "--public-key", other_pub});

  // Keys that cannot be used: damaged (full of canary base64), inline and damaged, a public key.
  const std::string damaged_inline =
      inline_.substr(0, inline_.size() / 2) + "\\n-----END PRIVATE KEY-----";
  for (const auto& overrides : std::vector<std::map<std::string, std::string>>{
           {{"KALSHI_PRIVATE_KEY_PATH", broken_}},
           {{"KALSHI_PRIVATE_KEY_PATH", ""}, {"KALSHI_PRIVATE_KEY", damaged_inline}},
           {{"KALSHI_PRIVATE_KEY_PATH", pub_}},
           {{"KALSHI_PRIVATE_KEY_PATH", ""}, {"KALSHI_PRIVATE_KEY", pem_.substr(30)}}}) {
    for (std::vector<std::string> args :
         {std::vector<std::string>{"run", "sync", "--verbose"},
          std::vector<std::string>{"run", "backfill", "--full", "--verbose", "--log-format",
                                   "json"},
          std::vector<std::string>{"positions", "--verbose"}}) {
      const auto result = cli(args, overrides);
      EXPECT_EQ(result.exit_code, 2) << result.err;
    }
  }
  EXPECT_FALSE(exists("kalshi.db"));  // exit 2 writes nothing

  auto result = cli({"run", "sync", "--verbose"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_THAT(result.err, HasSubstr("authentication failed"));
  EXPECT_EQ(cli({"run", "sync", "--verbose", "--log-format", "json"}, {{"KALSHI_API_KEY_ID", ""}})
                .exit_code,
            1);
  EXPECT_EQ(
      cli({"run", "backfill", "--full", "--verbose"}, {{"KALSHI_PRIVATE_KEY_PATH", ""}}).exit_code,
      1);
  EXPECT_EQ(cli({"positions", "--verbose"}).exit_code, 1);
  EXPECT_EQ(cli({"positions", "--json", "--verbose"}, {{"KALSHI_API_KEY_ID", ""}}).exit_code, 1);

  scanFiles();
  EXPECT_GE(commands_run_, 17);
}

TEST_F(SecretsTest, OutagesAndTlsFailuresLeakNothing) {
  startAcceptingSim();
  ASSERT_EQ(cli({"run", "sync", "--verbose"}).exit_code, 0);

  // Outage: the fallback serves the last known state.
  sim_->setFaults(R"({"outage": "503"})");
  auto result = cli({"run", "sync", "--verbose"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("FALLBACK"));
  EXPECT_EQ(
      cli({"run", "sync", "--verbose", "--log-format", "json"}, {{"KALSHI_PRIVATE_KEY_PATH", ""}})
          .exit_code,
      0);
  EXPECT_EQ(cli({"run", "backfill", "--full", "--verbose"}).exit_code, 1);
  EXPECT_EQ(cli({"positions", "--db", "kalshi.db", "--verbose"}).exit_code, 0);
  sim_->setFaults(R"({"outage": "reset"})");
  EXPECT_EQ(cli({"run", "sync", "--verbose"}, {{"KALSHI_API_KEY_ID", ""}}).exit_code, 0);
  sim_->setFaults(R"({"outage": "off"})");

  // TLS failures: a self-signed certificate (refused), and https to a server speaking plain HTTP.
  const std::string cert = keys_.file("tls-cert.pem"), tls_key = keys_.file("tls-key.pem");
  const auto made =
      testing::runProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                           "-keyout", tls_key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
                           "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  SimServer tls({"--fills", "100", "--anchor", "now", "--bearer-token", token_, "--key-id", key_id_,
                 "--public-key", pub_, "--tls-cert", cert, "--tls-key", tls_key});
  const std::string tls_url = "https://127.0.0.1:" + std::to_string(tls.port()) + "/trade-api/v2";
  result = cli({"run", "sync", "--verbose"}, {{"KALSHI_API_BASE_URL", tls_url}});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_THAT(result.err, HasSubstr("TLS certificate rejected"));
  EXPECT_EQ(cli({"run", "backfill", "--full", "--verbose", "--log-format", "json"},
                {{"KALSHI_API_BASE_URL", tls_url}, {"KALSHI_API_KEY_ID", ""}})
                .exit_code,
            1);
  EXPECT_EQ(cli({"positions", "--verbose"}, {{"KALSHI_API_BASE_URL", tls_url}}).exit_code, 1);
  const std::string plain_as_https =
      "https://127.0.0.1:" + std::to_string(sim_->port()) + "/trade-api/v2";
  writeFile(
      work_.file("short.yaml"),
      "name: short\nsource:\n  type: kalshi_live\n  base_url: " + plain_as_https +
          "\n  streams: [balance]\n  rate_limit: off\n  connect_timeout: 1s\n  read_timeout: 1s\n"
          "  max_retry_time: 1s\n  max_attempts: 2\nsinks: [ { type: csv, path: short.csv } ]\n");
  EXPECT_EQ(cli({"run", "short.yaml", "--verbose"}).exit_code, 1);
  EXPECT_EQ(
      cli({"run", "short.yaml", "--verbose", "--log-format", "json"}, {{"KALSHI_API_KEY_ID", ""}})
          .exit_code,
      1);
  EXPECT_EQ(cli({"report", "--verbose"}).exit_code, 0);

  EXPECT_GE(scanFiles(), 3);
}

TEST_F(SecretsTest, APrivateKeyFileReadableByOthersIsWarnedAbout) {
  startAcceptingSim();
  ::chmod(key_.c_str(), 0644);
  auto result = cli({"run", "sync"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("'" + key_ + "'"));
  EXPECT_THAT(result.err, HasSubstr("chmod 600"));
  result = cli({"positions", "--db", "kalshi.db"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, HasSubstr("'" + key_ + "'"));
  EXPECT_THAT(result.err, HasSubstr("chmod 600"));
  // Mode 0600: no warning.
  ::chmod(key_.c_str(), 0600);
  result = cli({"run", "sync"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.err, Not(HasSubstr("chmod")));
}

TEST_F(SecretsTest, IdentifiersFromYamlAreValidatedAndValuesAreAlwaysBound) {
  writeFile(work_.file("in.jsonl"),
            "{\"id\":\"x'); DROP TABLE t; --\",\"note\":\"\\\"; DELETE FROM t; --\"}\n"
            "{\"id\":\"plain\",\"note\":\"Robert'); DROP TABLE kd_state;--\"}\n");
  auto pipeline = [](const std::string& table, const std::string& columns,
                     const std::string& extra = "") {
    return "name: ids\nsource: { type: jsonl, path: in.jsonl }\nsinks:\n  - type: sqlite_table\n   "
           " path: out.db\n"
           "    table: " +
           table + "\n    columns: " + columns + "\n" + extra;
  };
  struct Bad {
    std::string yaml, problem, fix;
  };
  const std::string identifier_rule = "must be letters, digits and _";
  const std::vector<Bad> bad = {
      // Table names: the option's declared pattern, checked by the engine.
      {pipeline("\"t; DROP TABLE kd_state\"", "{ id: text }"),
       "option 'table' must be a table name", "not 't; DROP TABLE kd_state'"},
      {pipeline("'t\"x'", "{ id: text }"), "option 'table' must be a table name", "not 't\"x'"},
      {pipeline("\"my table\"", "{ id: text }"), "option 'table' must be a table name",
       "not 'my table'"},
      {pipeline("t", "{ \"id; DROP TABLE t\": text }"), "column name 'id; DROP TABLE t'",
       identifier_rule},
      {pipeline("t", "{ 'a\"b': text }"), "column name 'a\"b'", identifier_rule},
      {pipeline("t", "{ \"two words\": text }"), "column name 'two words'", identifier_rule},
      {pipeline("t", "{ id: \"text); DROP TABLE t; --\" }"),
       "column type 'text); DROP TABLE t; --'", "is not one of text, integer"},
      {pipeline("t", "{ id: text }", "    key: [\"id\\\" OR 1=1\"]\n"), "key column 'id\" OR 1=1'",
       "is not one of the columns (id)"},
  };
  int index = 0;
  for (const auto& c : bad) {
    const std::string name = "bad" + std::to_string(index++) + ".yaml";
    writeFile(work_.file(name), c.yaml);
    for (const char* command : {"validate", "run"}) {
      const auto result = cli({command, name});
      EXPECT_EQ(result.exit_code, 2) << c.yaml << result.err;
      EXPECT_THAT(result.err, HasSubstr(name + ":")) << c.yaml;
      EXPECT_THAT(result.err, HasSubstr(c.problem)) << c.yaml;
      EXPECT_THAT(result.err, HasSubstr(c.fix)) << c.yaml;
      EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    }
  }
  EXPECT_FALSE(exists("out.db"));

  // Values (records, and the state scope from YAML) are bound, never spliced into SQL. `resume`
  // gives the source a state to store under that scope.
  std::string good = pipeline("t", "{ id: text, note: text }",
                              "    key: [id]\nstate: { scope: \"s'; DROP TABLE kd_state; --\" }\n");
  good.replace(good.find("path: in.jsonl }"), 16, "path: in.jsonl, resume: true }");
  writeFile(work_.file("good.yaml"), good);
  const auto result = cli({"run", "good.yaml"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  sqlite::Database database(work_.file("out.db"), sqlite::Database::Mode::kReadOnly);
  sqlite::Statement rows(database.handle(), "SELECT id, note FROM t ORDER BY id");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.columnText(0), "plain");
  EXPECT_EQ(rows.columnText(1), "Robert'); DROP TABLE kd_state;--");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.columnText(0), "x'); DROP TABLE t; --");
  EXPECT_EQ(rows.columnText(1), "\"; DELETE FROM t; --");
  sqlite::Statement state(database.handle(), "SELECT count(*) FROM kd_state WHERE scope = ?");
  state.bindText(1, "s'; DROP TABLE kd_state; --");
  ASSERT_TRUE(state.step());
  EXPECT_GT(state.columnInt(0), 0) << "the state was stored under the scope, as a bound value";
}

}  // namespace
}  // namespace kalshi_direct

// Bad configuration, table-driven: every broken YAML file, option, flag, path, database, plugin
// library or credential gives exit code 2 and exactly ONE line on stderr that names the place
// (file:line:column, or the flag / path) and what would be right, and writes NOTHING: the working
// directory is byte-for-byte the same afterwards (no kalshi.db, -wal, -shm, .lock, dead-letter or
// CSV file). Each case runs the real binary in its own temporary directory.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::readFile;
using testing::runProcess;
using testing::TempDir;
using testing::writeFile;

struct Case {
  const char* name;
  std::string yaml;               // written to p.yaml in the work directory when not empty
  std::vector<std::string> args;  // after the binary; {dir} = the work directory
  std::string place;              // must appear in the line: file:line:column, flag or path
  std::string fix;                // must appear in the line: what would be right
  std::map<std::string, std::string> env = {};
  std::function<void(const std::string& dir)> setup = nullptr;
  bool needs_non_root = false;  // permission bits do not stop root
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

// The variables the binary reads, cleared so that the caller's environment cannot leak in.
std::map<std::string, std::string> cleanEnvironment() {
  return {{"KALSHI_API_KEY", ""},          {"KALSHI_API_KEY_ID", ""},
          {"KALSHI_PRIVATE_KEY_PATH", ""}, {"KALSHI_PRIVATE_KEY", ""},
          {"KALSHI_API_KEY_FILE", ""},     {"KALSHI_DB", ""},
          {"KALSHI_API_BASE_URL", ""},     {"KALSHI_DIRECT_PLUGIN_PATH", ""},
          {"KALSHI_DIRECT_PIPELINES", ""}, {"KALSHI_RATE_LIMIT", "off"},
          {"KALSHI_MAX_RETRY_TIME", "2s"}};
}

std::string substitute(std::string text, const std::string& dir) {
  const std::map<std::string, std::string> values = {
      {"{dir}", dir},
      {"{not_a_plugin}", KD_TEST_PLUGIN_NOT_A_PLUGIN},
      {"{wrong_abi}", KD_TEST_PLUGIN_WRONG_ABI}};
  for (const auto& [key, value] : values) {
    for (size_t at = text.find(key); at != std::string::npos;
         at = text.find(key, at + value.size())) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

// Every file and directory under `dir` with its size and content: "nothing written" means equal.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> entries;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    const std::string name = fs::relative(entry.path(), dir).string();
    if (entry.is_directory()) {
      entries[name] = "<dir>";
    } else {
      entries[name] = std::to_string(entry.file_size()) + ":" +
                      std::to_string(std::hash<std::string>{}(readFile(entry.path())));
    }
  }
  return entries;
}

void generateKeys(const std::string& dir) {
  ASSERT_EQ(runProcess({"/usr/bin/openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt",
                        "rsa_keygen_bits:2048", "-out", dir + "/key.pem"})
                .exit_code,
            0);
  ASSERT_EQ(runProcess({"/usr/bin/openssl", "pkey", "-in", dir + "/key.pem", "-pubout", "-out",
                        dir + "/pub.pem"})
                .exit_code,
            0);
  ::chmod((dir + "/key.pem").c_str(), 0600);
  // Damaged: the header, a third of the base64 body with a line knocked out, the footer.
  const std::string pem = readFile(dir + "/key.pem");
  std::string damaged = pem.substr(0, pem.size() / 3);
  damaged.erase(damaged.find('\n', 40) + 1, 20);
  writeFile(dir + "/broken.pem", damaged + "\n-----END PRIVATE KEY-----\n");
  ::chmod((dir + "/broken.pem").c_str(), 0600);
}

const char* kInput = "{\"id\":\"a\",\"ticker\":\"KXHIGHNY-26MAR01-T60\"}\n";
void withInput(const std::string& dir) { writeFile(dir + "/in.jsonl", kInput); }

// A pipeline reading the Kalshi API into a database: credentials problems must leave no database.
const char* kLiveIntoDb =
    "source: { type: kalshi_live, base_url: \"http://127.0.0.1:9/trade-api/v2\", max_attempts: 1 "
    "}\n"
    "sinks: [ { type: kalshi_fills, path: kalshi.db } ]\n";

std::vector<Case> cases() {
  auto in = [](const std::string& dir) { withInput(dir); };
  auto keys = [](const std::string& dir) { generateKeys(dir); };
  const std::vector<std::string> run = {"run", "p.yaml"};
  return {
      // --- kalshi_ws (issue 18) ---------------------------------------------------------------
      {"KalshiWsUrlNotAWebSocket",
       "source: { type: kalshi_ws, base_url: \"http://127.0.0.1:9/trade-api/v2\", ws_url: "
       "\"http://127.0.0.1:9/x\" }\nsinks: [ { type: kalshi_fills, path: kalshi.db } ]\n",
       run, "p.yaml:1:", "must be a ws:// or wss:// URL"},
      {"KalshiWsHasNoSince",
       "source: { type: kalshi_ws, base_url: \"http://127.0.0.1:9/trade-api/v2\", since: 7d }\n"
       "sinks: [ { type: kalshi_fills, path: kalshi.db } ]\n",
       run, "p.yaml:1:", "unknown option 'since'"},
      {"KalshiWsReconnectMaxBelowMin",
       "source: { type: kalshi_ws, base_url: \"http://127.0.0.1:9/trade-api/v2\", reconnect_min: "
       "10s, reconnect_max: 1s }\nsinks: [ { type: kalshi_fills, path: kalshi.db } ]\n",
       run, "p.yaml:1:", "reconnect_max must not be shorter than reconnect_min"},
      // --- YAML syntax --------------------------------------------------------------------------
      {"YamlTabIndentation", "source:\n\ttype: jsonl\nsinks: []\n", run,
       "p.yaml:2:", "indent with spaces"},
      {"YamlUnclosedFlowMap",
       "source: { type: jsonl, path: in.jsonl\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:2:", "close the '{' with '}'"},
      {"YamlUnclosedFlowList",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv }\n", run,
       "p.yaml:", "close the '[' with ']'"},
      {"YamlUnclosedQuoteInFlow",
       "source: { type: jsonl, path: \"in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:", "quotes opened inside it are closed"},
      {"YamlBadIndentation",
       "source:\n  type: jsonl\n   path: in.jsonl\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:3:", "check the indentation"},
      {"YamlBadEscape",
       "source: { type: jsonl, path: \"C:\\data\\in.jsonl\" }\nsinks: [ { type: csv, path: o.csv } "
       "]\n",
       run, "p.yaml:1:", "use single quotes"},
      {"YamlDuplicateKey",
       "source: { type: jsonl, path: in.jsonl }\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ "
       "{ type: csv, path: o.csv } ]\n",
       run, "p.yaml:2:1: duplicate key 'source'", "remove or merge"},
      {"YamlNotAMap", "- a\n- list\n", run,
       "p.yaml:1:1: ", "must be a YAML map with name, source and sinks"},
      {"YamlEmptyFile", "# nothing\n", run,
       "p.yaml:1:1: ", "must be a YAML map with name, source and sinks"},
      // --- wrong types ---------------------------------------------------------------------------
      {"IntTopLevel",
       "batch_size: lots\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: "
       "o.csv } ]\n",
       run, "p.yaml:1:13: batch_size", "must be a whole number >= 1, not 'lots'"},
      {"IntOption",
       "source: { type: kalshi_live, page_size: many }\nsinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:1:41: source 'kalshi_live': option 'page_size'",
       "must be a whole number, not 'many'"},
      {"BoolOption",
       "source: { type: jsonl, path: in.jsonl, resume: maybe }\nsinks: [ { type: csv, path: o.csv "
       "} ]\n",
       run, "p.yaml:1:48: source 'jsonl': option 'resume'", "must be true or false, not 'maybe'"},
      {"BoolTopLevel",
       "allow_fallback: sometimes\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, "
       "path: o.csv } ]\n",
       run, "p.yaml:1:17: ", "allow_fallback must be true or false"},
      {"EnumOption",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv, mode: "
       "overwrite } ]\n",
       run, "p.yaml:2:42: sinks[0] 'csv': option 'mode'",
       "must be one of replace, append, not 'overwrite'"},
      {"EnumAuth",
       "source: { type: kalshi_live, auth: magic }\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:1:36: source 'kalshi_live': option 'auth'",
       "must be one of auto, rsa_pss, bearer, none"},
      {"DurationOption",
       "source: { type: kalshi_live, read_timeout: forever }\nsinks: [ { type: csv, path: o.csv } "
       "]\n",
       run, "p.yaml:1:44: source 'kalshi_live': option 'read_timeout'", "use e.g. 500ms, 30s, 15m"},
      {"DurationInCommit",
       "commit: { interval: 5 parsecs }\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: "
       "csv, path: o.csv } ]\n",
       run, "p.yaml:1:21: commit.interval", "use e.g. 500ms"},
      {"ListOption",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv, fields: { a: 1 "
       "} } ]\n",
       run, "p.yaml:2:44: sinks[0] 'csv': option 'fields'", "must be a list, not a map"},
      {"StringOptionGivenAList",
       "source: { type: jsonl, path: [a, b] }\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:1:30: source 'jsonl': option 'path'", "must be a string, not a list"},
      // --- unknown plugins -----------------------------------------------------------------------
      {"UnknownSourceType",
       "source: { type: jsonll, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:1:9: source 'jsonll': unknown source type", "did you mean 'jsonl'?"},
      {"UnknownTransformType",
       "source: { type: jsonl, path: in.jsonl }\ntransforms: [ { type: mystery } ]\nsinks: [ { "
       "type: csv, path: o.csv } ]\n",
       run, "p.yaml:2:15: transforms[0] 'mystery': unknown transform type",
       "valid: categorize_pnl, filter"},
      {"UnknownSinkType",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: postgres, path: o.csv } ]\n", run,
       "p.yaml:2:10: sinks[0] 'postgres': unknown sink type",
       "valid: csv, kalshi_account, kalshi_fills"},
      // --- unknown keys --------------------------------------------------------------------------
      {"UnknownTopLevelKey",
       "naem: x\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:1:1: unknown key 'naem'", "did you mean 'name'?"},
      {"UnknownStageOption",
       "source: { type: jsonl, paht: in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:1:24: source 'jsonl': unknown option 'paht'", "did you mean 'path'?"},
      {"UnknownCommitKey",
       "commit: { row: 5 }\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: "
       "o.csv } ]\n",
       run, "p.yaml:1:11: commit: unknown key 'row'", "did you mean 'rows'?"},
      {"UnknownRetryKey",
       "retry: { attempts: 5 }\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, "
       "path: o.csv } ]\n",
       run, "p.yaml:1:10: retry: unknown key 'attempts'",
       "valid: max_attempts, initial_backoff, max_backoff"},
      {"UnknownStateKey",
       "state: { file: s.db }\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, "
       "path: o.csv } ]\n",
       run, "p.yaml:1:10: state: unknown key 'file'", "valid: path, scope"},
      // --- missing required ----------------------------------------------------------------------
      {"MissingRequiredOption", "source: { type: jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:1:9: source 'jsonl': missing required option 'path'",
       "JSON-lines file to read"},
      {"MissingTableOfSqliteSink",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: sqlite_table, path: o.db } ]\n",
       run, "p.yaml:2:10: sinks[0] 'sqlite_table': missing required option 'table'",
       "letters, digits and _"},
      {"MissingType", "source: { path: in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:1:9: source has no 'type'", "name the source plugin to use"},
      {"MissingSinks", "source: { type: jsonl, path: in.jsonl }\n", run,
       "p.yaml:1:1: ", "needs 'sinks': a list of at least one sink"},
      {"MissingSource", "sinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:1:1: ", "has no 'source'"},
      // --- environment and parameters ------------------------------------------------------------
      {"MissingEnvironmentVariable",
       "source: { type: jsonl, path: \"${KD_SURELY_UNSET_VAR}\" }\nsinks: [ { type: csv, path: "
       "o.csv } ]\n",
       run,
       "p.yaml:1:30: source: environment variable KD_SURELY_UNSET_VAR",
       "set it, or write ${KD_SURELY_UNSET_VAR:-default}",
       {{"KD_SURELY_UNSET_VAR", ""}}},
      {"MissingVariableInParams",
       "params: { db: \"${KD_SURELY_UNSET_DB}\" }\nsource: { type: jsonl, path: in.jsonl }\nsinks: "
       "[ { type: csv, path: o.csv } ]\n",
       run,
       "p.yaml:1:15: params: environment variable KD_SURELY_UNSET_DB",
       "write ${KD_SURELY_UNSET_DB:-default}",
       {{"KD_SURELY_UNSET_DB", ""}}},
      {"SetOfAnUndeclaredParam",
       "params: { db: x.db }\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: "
       "o.csv } ]\n",
       {"run", "p.yaml", "--set", "dbb=y.db"},
       "--set dbb",
       "did you mean 'db'?"},
      {"DaysOnAPipelineWithoutDays",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n",
       {"run", "p.yaml", "--days", "5"},
       "p.yaml: --days",
       "the pipeline has no parameter 'days'"},
      // Issue 13 item 10: a credential variable outside an auth option would reach file names.
      {"CredentialInTheName",
       "name: run-${KALSHI_API_KEY}\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: "
       "csv, path: o.csv } ]\n",
       run,
       "p.yaml:1:7: ",
       "${KALSHI_API_KEY} holds a credential: it may only be the value of api_key, key_id or "
       "private_key",
       {{"KALSHI_API_KEY", "tok-canary"}}},
      {"CredentialInASinkPath",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: "
       "\"${KALSHI_API_KEY_ID}.csv\" } ]\n",
       run,
       "p.yaml:2:29: ",
       "${KALSHI_API_KEY_ID} holds a credential",
       {{"KALSHI_API_KEY_ID", "kid-canary"}}},
      // --- command line --------------------------------------------------------------------------
      {"DaysZero",
       "",
       {"run", "sync", "--days", "0"},
       "--days",
       "a whole number of days >= 1, not '0'"},
      {"DaysNotANumber",
       "",
       {"run", "sync", "--days", "soon"},
       "--days",
       "a whole number of days >= 1, not 'soon'"},
      {"UnknownFlag",
       "",
       {"run", "sync", "--bogus"},
       "unknown option '--bogus'",
       "see kalshi-direct --help"},
      {"UnknownCommand",
       "",
       {"frobnicate"},
       "unknown command 'frobnicate'",
       "commands: run, validate"},
      {"BadLogFormat",
       "",
       {"validate", "--log-format", "xml"},
       "--log-format",
       "must be text or json, not 'xml'"},
      {"EveryTooShort", "", {"run", "sync", "--every", "10ms"}, "--every", "at least 1s"},
      {"SetWithoutEquals", "", {"run", "sync", "--set", "db"}, "--set", "needs KEY=VALUE"},
      {"FlagWithoutValue", "", {"run", "sync", "--db"}, "--db", "needs a value"},
      {"RunWithoutAPipeline",
       "",
       {"run"},
       "run needs exactly one pipeline",
       "e.g. kalshi-direct run sync"},
      {"NoSuchNamedPipeline",
       "",
       {"run", "no-such-pipeline"},
       "no pipeline named 'no-such-pipeline'",
       "give a path to a YAML file"},
      // --- unreadable pipeline file --------------------------------------------------------------
      {"PipelineFileMissing",
       "",
       {"run", "missing.yaml"},
       "missing.yaml: cannot read pipeline file",
       "check the path and its permissions"},
      {"PipelineFileIsADirectory",
       "",
       {"run", "./adir"},
       "./adir: is a directory",
       "give the YAML file in it",
       {},
       [](const std::string& dir) { fs::create_directory(dir + "/adir"); }},
      {"PipelineFileUnreadable",
       "",
       {"run", "secret.yaml"},
       "secret.yaml: cannot read pipeline file",
       "check the path and its permissions",
       {},
       [](const std::string& dir) {
         writeFile(dir + "/secret.yaml", "source: { type: jsonl, path: in.jsonl }\n");
         ::chmod((dir + "/secret.yaml").c_str(), 0);
       },
       true},
      // --- unwritable outputs --------------------------------------------------------------------
      {"CsvInAMissingDirectory",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: nodir/out.csv } ]\n",
       run,
       "p.yaml:2:10: sinks[0] 'csv': cannot write CSV file 'nodir/out.csv'",
       "No such file or directory",
       {},
       in},
      {"CsvPathIsADirectory",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: adir } ]\n",
       run,
       "p.yaml:2:10: sinks[0] 'csv': cannot write CSV file 'adir'",
       "it is a directory",
       {},
       [](const std::string& dir) {
         withInput(dir);
         fs::create_directory(dir + "/adir");
       }},
      {"CsvUnwritableAfterADatabaseSinkLeavesNoDatabase",
       "source: { type: jsonl, path: in.jsonl }\n"
       "sinks:\n  - { type: sqlite_table, path: out.db, table: t, columns: { id: text } }\n"
       "  - { type: csv, path: nodir/out.csv }\n",
       run,
       "p.yaml:4:5: sinks[1] 'csv'",
       "nodir/out.csv",
       {},
       in},
      {"SqliteInAMissingDirectory",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: sqlite_table, path: "
       "nodir/out.db, table: t, columns: { id: text } } ]\n",
       run,
       "p.yaml:2:10: sinks[0] 'sqlite_table': cannot open database",
       "check the path, that its directory exists",
       {},
       in},
      {"SqlitePathIsADirectory",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: sqlite_table, path: adir, table: "
       "t, columns: { id: text } } ]\n",
       run,
       "p.yaml:2:10: sinks[0] 'sqlite_table': cannot open database",
       "check the path",
       {},
       [](const std::string& dir) {
         withInput(dir);
         fs::create_directory(dir + "/adir");
       }},
      {"StateDatabaseInAMissingDirectory",
       "state: nodir/state.db\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, "
       "path: o.csv } ]\n",
       run,
       "p.yaml: state: cannot open database",
       "that its directory exists",
       {},
       in},
      {"DatabaseThatIsNotSqlite",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: sqlite_table, path: notes.db, "
       "table: t, columns: { id: text } } ]\n",
       run,
       "p.yaml:2:10: sinks[0] 'sqlite_table': database",
       "is not usable: file is not a database",
       {},
       [](const std::string& dir) {
         withInput(dir);
         writeFile(dir + "/notes.db", "these are my notes, not a database\n");
       }},
      {"SourceFileMissing",
       "source: { type: jsonl, path: nothere.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:1:9: source 'jsonl': cannot read JSON-lines file 'nothere.jsonl'",
       "No such file or directory"},
      // --- plugin libraries ----------------------------------------------------------------------
      {"PluginDirWithANonPlugin",
       "",
       {"plugins", "--plugin-dir", "{dir}/plugins"},
       "/plugins/libnot.so'",
       "define one with KALSHI_DIRECT_PLUGIN(...)",
       {},
       [](const std::string& dir) {
         fs::create_directory(dir + "/plugins");
         fs::copy_file(KD_TEST_PLUGIN_NOT_A_PLUGIN, dir + "/plugins/libnot.so");
       }},
      {"PluginPathsWithTheWrongAbi",
       "plugin_paths: [lib/libold.so]\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: "
       "csv, path: o.csv } ]\n",
       run,
       "p.yaml:1:15: plugin_paths: plugin 'lib/libold.so' was built for plugin ABI 999",
       "rebuild it against the installed SDK",
       {},
       [](const std::string& dir) {
         fs::create_directory(dir + "/lib");
         fs::copy_file(KD_TEST_PLUGIN_WRONG_ABI, dir + "/lib/libold.so");
       }},
      // --- stores: a stage reads its tables from the store the pipeline writes them to ---------
      {"PnlModelOnAnotherStoreThanTheFillsItComputesFrom",
       "source: { type: kalshi_live, base_url: \"http://127.0.0.1:9\", auth: none, streams: "
       "[balance, positions, fills] }\n"
       "sinks:\n  - { type: kalshi_fills, path: a.db }\n  - { type: kalshi_account, path: b.db }\n"
       "models:\n  - { type: kalshi_pnl, store: b.db }\n",
       {"validate", "p.yaml"},
       "p.yaml:6:32: models[0] 'kalshi_pnl' reads table kalshi_fills from 'b.db', but "
       "sinks[0] 'kalshi_fills' writes it to 'a.db'",
       "put them on one store"},
      {"RunRefusesSplitStoresBeforeAnyRequest",
       "source: { type: kalshi_live, base_url: \"http://127.0.0.1:9\", auth: none, streams: "
       "[balance, positions, fills] }\n"
       "sinks:\n  - { type: kalshi_fills, path: a.db }\n  - { type: kalshi_account, path: b.db }\n"
       "models:\n  - { type: kalshi_pnl, store: b.db }\n",
       run, "models[0] 'kalshi_pnl' reads table kalshi_fills from 'b.db'", "put them on one store"},
      {"ModelWithoutStoreWhenTheSinksWriteTwo",
       "source: { type: kalshi_live, base_url: \"http://127.0.0.1:9\", auth: none, streams: "
       "[balance, positions, fills] }\n"
       "sinks:\n  - { type: kalshi_fills, path: a.db }\n  - { type: kalshi_account, path: b.db }\n"
       "models: [kalshi_pnl]\n",
       {"validate", "p.yaml"},
       "p.yaml:5:10: models[0] 'kalshi_pnl': the sinks write 2 stores (a.db, b.db)",
       "name the one it computes in with `store: PATH`"},
      {"UnknownModelType",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: out.csv } ]\n"
       "models: [kalshi_pln]\n",
       {"validate", "p.yaml"},
       "p.yaml:3:10: models[0] 'kalshi_pln': unknown model type",
       "did you mean 'kalshi_pnl'?"},
      {"RetiredSnapshotsSink",
       "source: { type: kalshi_live, base_url: \"http://127.0.0.1:9\", auth: none, streams: "
       "[balance, positions] }\n"
       "sinks:\n  - { type: kalshi_snapshots, path: k.db, lots: average }\n",
       {"validate", "p.yaml"},
       "p.yaml:3:5: sink 'kalshi_snapshots'",
       "was split in 0.14: write the account with `{ type: kalshi_account, path: ... }` and "
       "compute P&L with `models: [kalshi_pnl]`"},
      {"CategorizerOrdersDbIsNotWhereTheOrdersGo",
       "source: { type: kalshi_live, base_url: \"http://127.0.0.1:9\", auth: none, streams: "
       "[orders, fills] }\n"
       "transforms:\n  - { type: normalize_orders }\n  - { type: categorize_pnl, orders_db: "
       "other.db }\n"
       "sinks:\n  - { type: kalshi_orders, path: k.db }\n  - { type: kalshi_fills, path: k.db }\n",
       {"validate", "p.yaml"},
       "p.yaml:4:40: transforms[1] 'categorize_pnl' reads table kalshi_orders from 'other.db'",
       "sinks[0] 'kalshi_orders' writes it to 'k.db': put them on one store"},
      {"PluginPathEnvironmentWithTheWrongAbi",
       "",
       {"validate", "sync"},
       "{wrong_abi}' was built for plugin ABI 999",
       "rebuild it against the installed SDK",
       {{"KALSHI_DIRECT_PLUGIN_PATH", "{wrong_abi}"}}},
      {"PluginPathsToAFileThatIsNotALibrary",
       "plugin_paths: [fake.so]\nsource: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, "
       "path: o.csv } ]\n",
       run,
       "p.yaml:1:15: plugin_paths: plugin library './fake.so' cannot be loaded",
       "is it a shared library built for",
       {},
       [](const std::string& dir) { writeFile(dir + "/fake.so", "not an ELF file\n"); }},
      {"PluginDirThatDoesNotExist",
       "",
       {"plugins", "--plugin-dir", "{dir}/nowhere"},
       "plugin path '{dir}/nowhere'",
       "does not exist"},
      // --- streams and transforms ----------------------------------------------------------------
      {"StreamThatNoStageProduces",
       "source: { type: jsonl, path: in.jsonl, stream: fills }\nsinks: [ { type: csv, path: o.csv, "
       "inputs: [orders] } ]\n",
       run, "p.yaml:2:44: sinks[0] 'csv': takes stream 'orders'",
       "no earlier stage produces (available: fills)"},
      {"CategorizeUnknownRuleKey",
       "source: { type: jsonl, path: in.jsonl, stream: fills }\n"
       "transforms: [ { type: categorize_pnl, rules: [ { tickr_pattern: \"KX*\", category: weather "
       "} ] } ]\n"
       "sinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:2:50: transform 'categorize_pnl': unknown rule key 'tickr_pattern'",
       "valid: series_category"},
      {"CategorizeRuleWithoutCategory",
       "source: { type: jsonl, path: in.jsonl, stream: fills }\n"
       "transforms: [ { type: categorize_pnl, rules: [ { series_prefix: KXHIGH } ] } ]\n"
       "sinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:2:48: transform 'categorize_pnl': the rule has no 'category'",
       "what to call what it matches"},
      {"CategorizeRulesNotAList",
       "source: { type: jsonl, path: in.jsonl, stream: fills }\n"
       "transforms: [ { type: categorize_pnl, rules: weather } ]\nsinks: [ { type: csv, path: "
       "o.csv } ]\n",
       run, "p.yaml:2:46: transform 'categorize_pnl'", "rules must be a list of maps"},
      {"FilterSingleEquals",
       "source: { type: jsonl, path: in.jsonl }\ntransforms: [ { type: filter, where: 'id === "
       "\"a\"' } ]\n"
       "sinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:2:38: transform 'filter': invalid where expression at column 6",
       "use '==' to compare"},
      {"FilterUnclosedParenthesis",
       "source: { type: jsonl, path: in.jsonl }\ntransforms: [ { type: filter, where: '(id == "
       "\"a\"' } ]\n"
       "sinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:2:38: transform 'filter': invalid where expression",
       "expected ')' to close the '('"},
      // --- fields a stage names must be in its input streams (issue 13 item 14) ----------------
      {"FilterFieldTypo",
       "source: { type: kalshi_live, streams: [fills] }\ntransforms:\n  - { type: "
       "categorize_pnl }\n  - { type: filter, where: 'categroy == \"weather\"', inputs: [fills] "
       "}\nsinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:4:28: transforms[1] 'filter': field 'categroy' is not in stream 'fills'",
       "(did you mean 'category'?)"},
      {"SelectFieldTypo",
       "source: { type: kalshi_live, streams: [fills] }\ntransforms:\n  - { type: "
       "normalize_orders }\n  - { type: select, fields: [ticker, fee_dollar], inputs: [fills] }\n"
       "sinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:4:29: transforms[1] 'select': field 'fee_dollar' is not in stream 'fills'",
       "(did you mean 'fee_dollars'?)"},
      {"CsvFieldTypo",
       "source: { type: kalshi_live, streams: [orders] }\nsinks: [ { type: csv, path: o.csv, "
       "fields: [ticker, stauts], inputs: [orders] } ]\n",
       run, "p.yaml:2:44: sinks[0] 'csv': field 'stauts' is not in stream 'orders'",
       "(did you mean 'status'?)"},
      // --- kalshi_live options -------------------------------------------------------------------
      {"LiveBaseUrlNotHttp",
       "source: { type: kalshi_live, base_url: \"ftp://x/y\" }\nsinks: [ { type: csv, path: o.csv "
       "} ]\n",
       run, "p.yaml:1:40: source 'kalshi_live': base_url 'ftp://x/y'", "must be an http(s) URL"},
      {"LiveBaseUrlNotAUrl",
       "source: { type: kalshi_live, base_url: \"not a url\" }\nsinks: [ { type: csv, path: o.csv "
       "} ]\n",
       run, "p.yaml:1:40: source 'kalshi_live': base_url 'not a url'", "must be an http(s) URL"},
      {"LiveBadSince",
       "source: { type: kalshi_live, since: yesterday }\nsinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:1:37: source 'kalshi_live': since",
       "watermark, all, a number of days or a duration like 7d"},
      {"LivePageSizeTooLarge",
       "source: { type: kalshi_live, page_size: 5000 }\nsinks: [ { type: csv, path: o.csv } ]\n",
       run, "p.yaml:1:41: source 'kalshi_live': option 'page_size'", "must be 1..1000, not '5000'"},
      {"LivePageSizeZero",
       "source: { type: kalshi_live, page_size: 0 }\nsinks: [ { type: csv, path: o.csv } ]\n", run,
       "p.yaml:1:41: source 'kalshi_live': option 'page_size'", "must be 1..1000, not '0'"},
      {"LiveUnknownStream",
       "source: { type: kalshi_live, streams: [fills, trades] }\nsinks: [ { type: csv, path: o.csv "
       "} ]\n",
       run, "p.yaml:1:47: source 'kalshi_live': option 'streams': unknown value 'trades'",
       "valid: balance, positions, orders"},
      {"LiveBadRateLimit",
       "source: { type: kalshi_live, rate_limit: ludicrous }\nsinks: [ { type: csv, path: o.csv } "
       "]\n",
       run, "p.yaml:1:42: source 'kalshi_live': rate_limit", "a tier (basic, advanced"},
      {"LiveCaFileMissingLeavesNoDatabase",
       "source: { type: kalshi_live, base_url: \"https://127.0.0.1:9/trade-api/v2\", ca_file: "
       "nope.pem }\n"
       "sinks: [ { type: kalshi_fills, path: kalshi.db } ]\n",
       run,
       "p.yaml:1:9: source 'kalshi_live': TLS set-up failed",
       "check ca_file 'nope.pem'",
       {{"KALSHI_API_KEY", "tok-config-errors"}}},
      // --- credentials ---------------------------------------------------------------------------
      {"NoCredentials", kLiveIntoDb, run, "p.yaml:1:9: source 'kalshi_live': no Kalshi credentials",
       "set KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH"},
      // --- values from the command line are located at their flag (issue 13 item 16) ----------
      {"DbFlagInADirectoryThatDoesNotExist",
       "",
       {"run", "sync", "--db", "{dir}/no-such-dir/k.db"},
       "--db {dir}/no-such-dir/k.db: sinks[0] 'kalshi_orders': cannot open database",
       "its directory '{dir}/no-such-dir' does not exist (create it first)",
       {{"KALSHI_API_KEY", "tok-config-errors"},
        {"KALSHI_API_BASE_URL", "http://127.0.0.1:9/trade-api/v2"}}},
      {"DbFlagIsADirectory",
       "",
       {"run", "sync", "--db", "{dir}"},
       "--db {dir}: sinks[0] 'kalshi_orders': cannot open database",
       "it is a directory, not a database file",
       {{"KALSHI_API_KEY", "tok-config-errors"},
        {"KALSHI_API_BASE_URL", "http://127.0.0.1:9/trade-api/v2"}}},
      {"DbFlagOnAPipelineWithoutADbParam",
       "source: { type: jsonl, path: in.jsonl }\nsinks: [ { type: csv, path: o.csv } ]\n",
       {"run", "p.yaml", "--db", "x.db"},
       "--db: the pipeline has no parameter 'db'",
       "declare it under params:"},
      {"EveryBelowOneSecond",
       "",
       {"run", "sync", "--every", "2x"},
       "--every: '2x' is not a duration",
       "(use e.g. 30s, 15m, 2h; at least 1s)"},
      {"NoCredentialsForTheShippedSync",
       "",
       {"run", "sync"},
       "sync.yaml:",
       "no Kalshi credentials: set KALSHI_API_KEY_ID"},
      {"PrivateKeyDamaged",
       kLiveIntoDb,
       run,
       "p.yaml:1:9: source 'kalshi_live': the private key PEM could not be read",
       "PKCS#8 'PRIVATE KEY' are both accepted",
       {{"KALSHI_API_KEY_ID", "kid-1"}, {"KALSHI_PRIVATE_KEY_PATH", "broken.pem"}},
       keys},
      {"PrivateKeyIsAPublicKey",
       kLiveIntoDb,
       run,
       "p.yaml:1:9: source 'kalshi_live': the file holds a PUBLIC key",
       "signed with the PRIVATE key",
       {{"KALSHI_API_KEY_ID", "kid-1"}, {"KALSHI_PRIVATE_KEY_PATH", "pub.pem"}},
       keys},
      {"PrivateKeyFileMissing",
       kLiveIntoDb,
       run,
       "cannot read the private key file 'nokey.pem'",
       "check KALSHI_PRIVATE_KEY_PATH",
       {{"KALSHI_API_KEY_ID", "kid-1"}, {"KALSHI_PRIVATE_KEY_PATH", "nokey.pem"}}},
      {"PrivateKeyPathIsADirectory",
       kLiveIntoDb,
       run,
       "the private key path 'keys' is a directory",
       "to the PEM key file",
       {{"KALSHI_API_KEY_ID", "kid-1"}, {"KALSHI_PRIVATE_KEY_PATH", "keys"}},
       [](const std::string& dir) { fs::create_directory(dir + "/keys"); }},
      {"PrivateKeyUnreadable",
       kLiveIntoDb,
       run,
       "cannot read the private key file 'key.pem'",
       "the file's permissions",
       {{"KALSHI_API_KEY_ID", "kid-1"}, {"KALSHI_PRIVATE_KEY_PATH", "key.pem"}},
       [](const std::string& dir) {
         generateKeys(dir);
         ::chmod((dir + "/key.pem").c_str(), 0);
       },
       true},
      {"PrivateKeyInlineNotPem",
       kLiveIntoDb,
       run,
       "p.yaml:1:9: source 'kalshi_live': the private key is not PEM",
       "give the .pem file Kalshi issued",
       {{"KALSHI_API_KEY_ID", "kid-1"}, {"KALSHI_PRIVATE_KEY", "not-a-pem-at-all"}}},
      {"RsaPssWithoutAKeyId",
       "source: { type: kalshi_live, auth: rsa_pss, base_url: \"http://127.0.0.1:9/trade-api/v2\" "
       "}\n"
       "sinks: [ { type: kalshi_fills, path: kalshi.db } ]\n",
       run,
       "p.yaml:1:9: source 'kalshi_live'",
       "rsa_pss needs a key id: set KALSHI_API_KEY_ID",
       {{"KALSHI_PRIVATE_KEY_PATH", "key.pem"}},
       keys},
  };
}

class ConfigErrorTest : public ::testing::TestWithParam<Case> {};

TEST_P(ConfigErrorTest, ExitsTwoWithOneLineNamingThePlaceAndTheFixAndWritesNothing) {
  const Case& c = GetParam();
  TempDir dir;
  if (!c.yaml.empty()) writeFile(dir.file("p.yaml"), c.yaml);
  if (c.setup) c.setup(dir.path());
  if (::testing::Test::HasFatalFailure()) return;
  std::vector<std::string> argv;
  if (c.needs_non_root && ::geteuid() == 0) {
    // Root reads files whatever their mode (and CI runs as root): run the CLI as nobody, who
    // may enter the directory but not read the file the case made unreadable.
    ASSERT_EQ(::chmod(dir.path().c_str(), 0755), 0);
    argv = {"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"};
  }
  argv.push_back(KD_CLI);
  for (const auto& arg : c.args) argv.push_back(substitute(arg, dir.path()));
  auto env = cleanEnvironment();
  for (const auto& [name, value] : c.env) env[name] = substitute(value, dir.path());

  const auto before = snapshot(dir.path());
  const auto result = runProcess(argv, dir.path(), env);
  const std::string& err = result.err;
  EXPECT_EQ(result.exit_code, 2) << "stdout: " << result.out << "stderr: " << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_TRUE(!err.empty() && err.back() == '\n') << err;
  EXPECT_THAT(err, HasSubstr(substitute(c.place, dir.path())));
  EXPECT_THAT(err, HasSubstr(substitute(c.fix, dir.path())));
  EXPECT_EQ(snapshot(dir.path()), before) << "something was written; stderr: " << err;
}

INSTANTIATE_TEST_SUITE_P(Cases, ConfigErrorTest, ::testing::ValuesIn(cases()),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(info.param.name);
                         });

// Every case names where the mistake is and what would be right, so that each run of the table
// above checks both (a case with an empty place or fix would check nothing), and names are unique.
TEST(ConfigErrorTable, EveryCaseNamesAPlaceAndAFix) {
  std::set<std::string> names;
  for (const Case& c : cases()) {
    EXPECT_TRUE(names.insert(c.name).second) << "duplicate case " << c.name;
    EXPECT_GE(c.place.size(), 3u) << c.name << ": no place to look for";
    EXPECT_GE(c.fix.size(), 10u) << c.name << ": no fix to look for";
  }
}

}  // namespace
}  // namespace kalshi_direct

// The PostgreSQL store end to end: the shipped pipelines against the simulator into a real server
// (tools/test.sh starts one; skipped without KD_TEST_POSTGRES_URL). What a user checks: the same
// account synced into SQLite and into PostgreSQL gives the same rows in every table and view, a
// killed backfill resumes to the same rows as a clean run, a second writer is refused naming the
// first, and a bad server or password is one line with nothing written.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <set>
#include <thread>

#include "kalshi/tables.h"
#include "kalshi_direct/engine/postgres_store.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/timestamp.h"
#include "support/postgres_support.h"
#include "support/process.h"
#include "support/sim_server.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::SimServer;
using testing::TempDir;

constexpr const char* kToken = "tok-pg-7d21c9";

// Columns that hold when a run happened, not what the account did: two runs differ there.
bool isRunTime(const std::string& table, const std::string& column) {
  if (table == "v_pnl_by_category" && column == "time") return true;  // the snapshot's taken_at
  for (const char* name : {"taken_at", "updated_at", "balance_read_at", "positions_read_at",
                           "read_at", "checked_at", "migrated_at"}) {
    if (column == name) return true;
  }
  return false;
}

// Every row of `table` rendered as text the same way for both stores: NULL as NULL, reals by
// value, everything else as the store returns it (exact decimals, ISO 8601 UTC times), sorted.
std::vector<std::string> tableRows(Store& store, const std::string& table,
                                   const std::vector<std::string>& columns) {
  std::string list;
  for (const auto& column : columns) list += (list.empty() ? "" : ", ") + column;
  StoreStatementPtr query = store.prepare("SELECT " + list + " FROM " + table);
  std::vector<std::string> rows;
  while (query->step()) {
    std::string row;
    for (int i = 0; i < query->columnCount(); ++i) {
      std::string cell;
      if (isRunTime(table, columns[static_cast<size_t>(i)])) {
        cell = query->columnIsNull(i) ? "NULL" : "(time)";
      } else if (query->columnIsNull(i)) {
        cell = "NULL";
      } else if (query->columnType(i) == StoreStatement::ColumnType::kReal) {
        char number[40];
        std::snprintf(number, sizeof number, "%.9g", query->columnDouble(i));
        cell = number;
      } else {
        cell = query->columnText(i);
      }
      row += cell + "|";
    }
    rows.push_back(row);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Names the first row that differs, for a readable failure.
void expectSameRows(const std::vector<std::string>& expected,
                    const std::vector<std::string>& actual, const std::string& what) {
  EXPECT_EQ(actual.size(), expected.size()) << what;
  if (actual == expected) return;
  size_t i = 0;
  while (i < actual.size() && i < expected.size() && actual[i] == expected[i]) ++i;
  ADD_FAILURE() << what << ": first difference at row " << i << "\n  sqlite     "
                << (i < expected.size() ? expected[i] : "(none)") << "\n  postgresql "
                << (i < actual.size() ? actual[i] : "(none)");
}

class PostgresPipelineTest : public ::testing::Test {
 protected:
  void SetUp() override { KD_REQUIRE_POSTGRES(); }
  void startSim(const std::string& fills, const std::string& seed) {
    sim_ = std::make_unique<SimServer>(std::vector<std::string>{
        "--fills", fills, "--seed", seed, "--bearer-token", kToken, "--subaccounts", "2"});
  }
  std::map<std::string, std::string> environment(const std::string& db) const {
    return {{"KALSHI_API_BASE_URL", sim_->baseUrl()},
            {"KALSHI_API_KEY", kToken},
            {"KALSHI_API_KEY_ID", ""},
            {"KALSHI_PRIVATE_KEY_PATH", ""},
            {"KALSHI_PRIVATE_KEY", ""},
            {"KALSHI_RATE_LIMIT", "off"},
            {"KALSHI_MAX_RETRY_TIME", "3s"},
            {"KALSHI_DB", db}};
  }
  testing::ProcessResult cli(const std::vector<std::string>& args, const std::string& db) {
    std::vector<std::string> command = {KD_CLI};
    command.insert(command.end(), args.begin(), args.end());
    return testing::runProcess(command, dir_.path(), environment(db));
  }

  TempDir dir_;
  std::unique_ptr<SimServer> sim_;
};

TEST_F(PostgresPipelineTest, TheSameAccountInSqliteAndPostgresGivesIdenticalTablesAndViews) {
  startSim("3000", "21");
  const std::string sqlite_db = dir_.file("kalshi.db");
  const std::string postgres_db = testing::freshPostgresDatabase("same");
  for (const std::string& db : {sqlite_db, postgres_db}) {
    const auto backfill = cli({"run", "backfill", "--full", "--quiet"}, db);
    ASSERT_EQ(backfill.exit_code, 0) << db << "\n" << backfill.out << backfill.err;
    const auto sync = cli({"run", "sync", "--quiet"}, db);
    ASSERT_EQ(sync.exit_code, 0) << db << "\n" << sync.out << sync.err;
  }
  StorePtr sqlite_store = openStore(sqlite_db, Store::Mode::kReadOnly);
  StorePtr postgres_store = openStore(postgres_db, Store::Mode::kReadOnly);
  EXPECT_EQ(kalshi::storedSchemaVersion(*postgres_store), kalshi::kSchemaVersion);
  // The same indexes, but none on the order P&L the model updates in place on PostgreSQL (its
  // updates stay HOT: tables.h, sqlite_only_indexes).
  EXPECT_EQ(sqlite_store->objectType("kalshi_orders_pnl"), "index");
  EXPECT_EQ(postgres_store->objectType("kalshi_orders_pnl"), "");
  EXPECT_EQ(postgres_store->objectType("kalshi_fills_price"), "index");
  int compared = 0;
  for (const kalshi::TableDefinition* table : kalshi::allTables()) {
    if (!sqlite_store->tableExists(table->name)) continue;
    ASSERT_TRUE(postgres_store->tableExists(table->name)) << table->name;
    const std::vector<std::string> columns = sqlite_store->tableColumns(table->name);
    const auto expected = tableRows(*sqlite_store, table->name, columns);
    expectSameRows(expected, tableRows(*postgres_store, table->name, columns), table->name);
    compared += expected.empty() ? 0 : 1;
  }
  EXPECT_GE(compared, 15) << "the comparison covered the tables a sync fills";
  for (const kalshi::ViewDefinition& view : kalshi::analyticsViews()) {
    const std::vector<std::string> columns = sqlite_store->tableColumns(view.name);
    ASSERT_FALSE(columns.empty()) << view.name;
    expectSameRows(tableRows(*sqlite_store, view.name, columns),
                   tableRows(*postgres_store, view.name, columns), view.name);
  }
  // Money is numeric and times are timestamptz on the server, not text.
  StoreStatementPtr types = postgres_store->prepare(
      "SELECT data_type FROM information_schema.columns WHERE table_name = 'kalshi_fills' AND"
      " column_name = ? ");
  types->bindText(1, "fee_dollars");
  ASSERT_TRUE(types->step());
  EXPECT_EQ(types->columnText(0), "numeric");
  types->reset();
  types->bindText(1, "filled_at");
  ASSERT_TRUE(types->step());
  EXPECT_EQ(types->columnText(0), "timestamp with time zone");

  // The report reads both the same way.
  const auto sqlite_report = cli({"report", "--stats"}, sqlite_db);
  const auto postgres_report = cli({"report", "--stats"}, postgres_db);
  EXPECT_EQ(sqlite_report.exit_code, 0) << sqlite_report.err;
  EXPECT_EQ(postgres_report.exit_code, 0) << postgres_report.err;
  // The same figures; only the line naming the database differs.
  auto figures = [](std::string text, const std::string& location) {
    for (size_t at = text.find(location); at != std::string::npos; at = text.find(location, at))
      text.replace(at, location.size(), "<db>");
    return text;
  };
  EXPECT_EQ(figures(postgres_report.out, displayLocation(postgres_db)),
            figures(sqlite_report.out, sqlite_db));
  const std::string password = postgres_db.substr(
      postgres_db.find(':', postgres_db.find("://") + 3) + 1,
      postgres_db.find('@') - postgres_db.find(':', postgres_db.find("://") + 3) - 1);
  EXPECT_THAT(postgres_report.out + postgres_report.err, Not(HasSubstr(password)));
}

TEST_F(PostgresPipelineTest, ABackfillKilledAtManyPointsEndsEqualToACleanRun) {
  startSim("20000", "23");
  const std::string clean = testing::freshPostgresDatabase("clean");
  const std::string crashed = testing::freshPostgresDatabase("crashed");
  const std::vector<std::string> backfill = {"run",   "backfill",         "--full",
                                             "--set", "commit_rows=2000", "--quiet"};
  const auto full = cli(backfill, clean);
  ASSERT_EQ(full.exit_code, 0) << full.out << full.err;

  // As the SQLite crash test: the simulator holds the K-th fills page unanswered, the run waits
  // there with rows not yet committed, and is SIGKILLed.
  int kills = 0;
  std::set<int64_t> progress;
  for (int iteration = 0; kills < 8 && iteration < 14; ++iteration) {
    sim_->request(
        "POST", "/admin/faults",
        R"({"stall_paths":["/portfolio/fills","/historical/fills"],"stall_paths_after":)" +
            std::to_string(1 + iteration % 3) + "}");
    std::vector<std::string> command = {KD_CLI};
    command.insert(command.end(), backfill.begin(), backfill.end());
    const pid_t pid = testing::spawnProcess(command, dir_.path(), environment(crashed));
    bool held = false, exited = false;
    int status = 0;
    for (int i = 0; i < 12000 && !held && !exited; ++i) {
      held = sim_->heldRequests() == 1;
      exited = !held && waitpid(pid, &status, WNOHANG) == pid;
      if (!held && !exited) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (!exited) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
    if (held) ++kills;
    sim_->releaseHeldRequests();
    StorePtr store = openStore(crashed, Store::Mode::kReadOnly);
    if (store->tableExists("kalshi_fills")) {
      StoreStatementPtr count = store->prepare("SELECT count(*) FROM kalshi_fills");
      if (count->step()) progress.insert(count->columnInt(0));
    }
  }
  EXPECT_GE(kills, 8);
  EXPECT_GE(progress.size(), 3u) << "the kills landed at different points of the work";
  const auto finish = cli(backfill, crashed);
  ASSERT_EQ(finish.exit_code, 0) << finish.out << finish.err;

  StorePtr expected_store = openStore(clean, Store::Mode::kReadOnly);
  StorePtr actual_store = openStore(crashed, Store::Mode::kReadOnly);
  for (const kalshi::TableDefinition* table : kalshi::allTables()) {
    if (!expected_store->tableExists(table->name)) continue;
    if (std::string(table->name) == "kalshi_snapshots" ||
        std::string(table->name) == "kalshi_snapshot_pnl" ||
        std::string(table->name) == "kalshi_snapshot_subaccounts" ||
        std::string(table->name) == "kalshi_reconciliation") {
      continue;  // one per run: the crashed database has more runs
    }
    const std::vector<std::string> columns = expected_store->tableColumns(table->name);
    expectSameRows(tableRows(*expected_store, table->name, columns),
                   tableRows(*actual_store, table->name, columns), table->name);
  }
  StoreStatementPtr count = actual_store->prepare("SELECT count(*) FROM kalshi_fills");
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->columnInt(0), 20000);
}

TEST_F(PostgresPipelineTest, ASecondRunOnTheSameDatabaseIsRefusedNamingTheFirst) {
  startSim("500", "25");
  const std::string db = testing::freshPostgresDatabase("lock");
  ASSERT_EQ(cli({"run", "sync", "--quiet"}, db).exit_code, 0);
  sim_->request("POST", "/admin/faults", R"({"stall_paths":["/portfolio/balance"]})");
  const pid_t first =
      testing::spawnProcess({KD_CLI, "run", "sync", "--quiet"}, dir_.path(), environment(db));
  ASSERT_TRUE(sim_->waitUntilARequestIsHeld());
  const auto second = cli({"run", "sync", "--quiet"}, db);
  kill(first, SIGKILL);
  int status = 0;
  waitpid(first, &status, 0);
  EXPECT_NE(second.exit_code, 0);
  EXPECT_THAT(second.err, HasSubstr("in use by pipeline 'sync' (pid " + std::to_string(first)));
  EXPECT_THAT(second.err, Not(HasSubstr(testing::postgresServerUrl())));
  // The first run's session died with it: the lock is free again.
  sim_->releaseHeldRequests();
  const auto third = cli({"run", "sync", "--quiet"}, db);
  EXPECT_EQ(third.exit_code, 0) << third.err;
}

TEST_F(PostgresPipelineTest, AWrongPasswordOrMissingDatabaseIsOneLineAndWritesNothing) {
  startSim("100", "27");
  std::string wrong = testing::freshPostgresDatabase("badpw");
  const size_t colon = wrong.find(':', wrong.find("://") + 3);
  wrong.replace(colon + 1, wrong.find('@') - colon - 1, "wrong-password-77");
  const auto bad_password = cli({"run", "sync"}, wrong);
  EXPECT_NE(bad_password.exit_code, 0);
  EXPECT_THAT(bad_password.err, HasSubstr("password authentication failed"));
  EXPECT_THAT(bad_password.err, Not(HasSubstr("wrong-password-77")));
  EXPECT_THAT(bad_password.out + bad_password.err, Not(HasSubstr("wrong-password-77")));

  const std::string missing =
      testing::postgresUrlFor(testing::postgresServerUrl(), "kd_never_created");
  const auto no_database = cli({"run", "sync"}, missing);
  EXPECT_NE(no_database.exit_code, 0);
  EXPECT_THAT(no_database.err, HasSubstr("database \"kd_never_created\" does not exist"));
  EXPECT_THAT(no_database.err, HasSubstr("createdb"));
  EXPECT_THAT(no_database.err, Not(HasSubstr(testing::postgresServerUrl())))
      << "the password never shows";
}

TEST_F(PostgresPipelineTest, AUserWhoMayNotCreateTablesIsToldWhatToGrantAndNothingIsWritten) {
  startSim("100", "29");
  const std::string owned = testing::freshPostgresDatabase("noperm");
  const std::string role = "kd_reader_" + std::to_string(::getpid());
  {
    StorePtr admin = openStore(owned, Store::Mode::kReadWrite);
    admin->exec("CREATE ROLE " + role + " LOGIN PASSWORD 'reader-pw-31'");
    admin->exec("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
  }
  std::string as_reader = owned;
  const size_t user = as_reader.find("://") + 3;
  as_reader.replace(user, as_reader.find('@') - user, role + ":reader-pw-31");
  const auto run = cli({"run", "sync"}, as_reader);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("permission denied for schema public"));
  EXPECT_THAT(run.err, HasSubstr("GRANT CREATE ON SCHEMA public TO"));
  EXPECT_THAT(run.out + run.err, Not(HasSubstr("reader-pw-31")));
  StorePtr check = openStore(owned, Store::Mode::kReadOnly);
  EXPECT_FALSE(check->tableExists("kalshi_fills")) << "nothing half-written";
  EXPECT_FALSE(check->tableExists("kd_state"));
}

// Three simulated accounts, one database: each in its own schema with its own lock, so the runs
// of different accounts go side by side (one held mid-run does not stop the others) while a second
// run of the same account is refused; kalshi_all shows them together.
TEST_F(PostgresPipelineTest, ThreeAccountsSyncConcurrentlyIntoOneDatabaseWithoutBlockingEachOther) {
  const std::string db = testing::freshPostgresDatabase("accounts");
  const std::vector<std::string> names = {"alice", "bob", "carol"};
  std::map<std::string, std::unique_ptr<SimServer>> sims;
  std::map<std::string, std::map<std::string, std::string>> environments;
  int seed = 31;
  for (const auto& name : names) {
    sims[name] = std::make_unique<SimServer>(std::vector<std::string>{
        "--fills", "1500", "--seed", std::to_string(seed++), "--bearer-token", kToken});
    environments[name] = {{"KALSHI_API_BASE_URL", sims[name]->baseUrl()},
                          {"KALSHI_API_KEY", kToken},
                          {"KALSHI_API_KEY_ID", ""},
                          {"KALSHI_PRIVATE_KEY_PATH", ""},
                          {"KALSHI_PRIVATE_KEY", ""},
                          {"KALSHI_RATE_LIMIT", "off"},
                          {"KALSHI_DB", db}};
  }
  auto command = [&](const std::string& account) {
    return std::vector<std::string>{KD_CLI,    "run",       "backfill", "--full",
                                    "--quiet", "--account", account};
  };
  // alice's run waits at its first fills page, with its transaction open.
  SimServer& alice_sim = *sims["alice"];
  alice_sim.request("POST", "/admin/faults",
                    R"({"stall_paths":["/portfolio/fills","/historical/fills"]})");
  const pid_t alice = testing::spawnProcess(command("alice"), dir_.path(), environments["alice"]);
  ASSERT_TRUE(alice_sim.waitUntilARequestIsHeld());
  // bob and carol at the same time, start to finish, while alice is held.
  const pid_t bob = testing::spawnProcess(command("bob"), dir_.path(), environments["bob"]);
  const pid_t carol = testing::spawnProcess(command("carol"), dir_.path(), environments["carol"]);
  int bob_status = 0, carol_status = 0;
  waitpid(bob, &bob_status, 0);
  waitpid(carol, &carol_status, 0);
  EXPECT_TRUE(WIFEXITED(bob_status) && WEXITSTATUS(bob_status) == 0);
  EXPECT_TRUE(WIFEXITED(carol_status) && WEXITSTATUS(carol_status) == 0);
  // A second run of alice's account is refused at once, naming the first.
  const auto second = testing::runProcess(command("alice"), dir_.path(), environments["alice"]);
  EXPECT_EQ(second.exit_code, 2);
  EXPECT_THAT(second.err, HasSubstr("in use by pipeline 'backfill' (pid " + std::to_string(alice)));
  EXPECT_THAT(second.err, HasSubstr("account=alice"));
  alice_sim.releaseHeldRequests();
  int alice_status = 0;
  waitpid(alice, &alice_status, 0);
  EXPECT_TRUE(WIFEXITED(alice_status) && WEXITSTATUS(alice_status) == 0);

  // Every account's rows, and only its own, in its schema; together in kalshi_all.
  StorePtr all = openStore(db + "?account=all", Store::Mode::kReadOnly);
  StoreStatementPtr together = all->prepare(
      "SELECT account, count(*), count(DISTINCT id) FROM kalshi_fills GROUP BY account ORDER BY "
      "account");
  for (const auto& name : names) {
    ASSERT_TRUE(together->step()) << name;
    EXPECT_EQ(together->columnText(0), name);
    const int expected = sims[name]->truth()->getObject("counts")->getValue<int>("fills");
    EXPECT_EQ(together->columnInt(1), expected) << name;
    EXPECT_EQ(together->columnInt(2), expected) << name;
    StorePtr own = openStore(accountLocation(db, name), Store::Mode::kReadOnly);
    StoreStatementPtr count = own->prepare("SELECT count(*) FROM kalshi_fills");
    ASSERT_TRUE(count->step());
    EXPECT_EQ(count->columnInt(0), expected) << name;
    const auto report = testing::runProcess({KD_CLI, "report", "--db", db, "--account", name},
                                            dir_.path(), environments[name]);
    EXPECT_EQ(report.exit_code, 0) << report.err;
    EXPECT_THAT(report.out,
                ::testing::ContainsRegex("total fills +" + std::to_string(expected) + "\n"));
  }
  EXPECT_FALSE(together->step());

  // A SQLite file holds one account: naming one there is one line, exit 2.
  auto sqlite = environments["bob"];
  sqlite["KALSHI_DB"] = dir_.file("one.db");
  const auto refused = testing::runProcess(command("bob"), dir_.path(), sqlite);
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err, HasSubstr("is a SQLite file, which holds one account"));
  EXPECT_FALSE(std::filesystem::exists(dir_.file("one.db")));
}

// The server restarts while a backfill is in the middle of a transaction: the run fails in one
// line, and the next run resumes from the last commit with every fill once. On a server of its
// own (tools/pg_cluster.sh), so that the restart cuts no other test's sessions.
TEST_F(PostgresPipelineTest, AServerRestartMidRunFailsCleanlyAndTheNextRunResumes) {
  startSim("6000", "33");
  const std::string cluster = dir_.file("own-pg");
  // The server runs as user postgres when the tests run as root: it must reach the folder.
  std::filesystem::permissions(dir_.path(), std::filesystem::perms(0755));
  const std::string script = std::string(KD_SOURCE_DIR) + "/tools/pg_cluster.sh";
  const auto started = testing::runProcess({script, "start", cluster}, dir_.path(), {});
  ASSERT_EQ(started.exit_code, 0) << started.err;
  struct Stop {
    std::string script, cluster, dir;
    ~Stop() { testing::runProcess({script, "stop", cluster}, dir, {}); }
  } stop{script, cluster, dir_.path()};
  std::string url = started.out.substr(0, started.out.find('\n'));
  const std::string db = testing::postgresUrlFor(url, "postgres");
  const std::vector<std::string> backfill = {"run",   "backfill",         "--full",
                                             "--set", "commit_rows=1000", "--quiet"};
  // Held at the run's third fills page: two commits made, the third transaction open.
  sim_->request(
      "POST", "/admin/faults",
      R"({"stall_paths":["/portfolio/fills","/historical/fills"],"stall_paths_after":2})");
  std::vector<std::string> command = {KD_CLI};
  command.insert(command.end(), backfill.begin(), backfill.end());
  const pid_t run = testing::spawnProcess(command, dir_.path(), environment(db), dir_.file("err"));
  ASSERT_TRUE(sim_->waitUntilARequestIsHeld());
  const auto restarted = testing::runProcess({script, "restart", cluster}, dir_.path(), {});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
  sim_->releaseHeldRequests();
  int status = 0;
  waitpid(run, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << "the run fails";
  const std::string err = testing::readFile(dir_.file("err"));
  EXPECT_THAT(err, HasSubstr("the connection to the PostgreSQL server was lost"));
  const size_t user = url.find("kd:") + 3;
  EXPECT_THAT(err, Not(HasSubstr(url.substr(user, url.find('@') - user)))) << "no password";

  const auto again = cli(backfill, db);
  ASSERT_EQ(again.exit_code, 0) << again.out << again.err;
  StorePtr store = openStore(db, Store::Mode::kReadOnly);
  StoreStatementPtr count = store->prepare("SELECT count(*), count(DISTINCT id) FROM kalshi_fills");
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->columnInt(0), 6000);
  EXPECT_EQ(count->columnInt(1), 6000);
}

TEST_F(PostgresPipelineTest, AnotherToolsTableOfTheSameNameIsRefusedBeforeAnyRequest) {
  startSim("100", "35");
  const std::string db = testing::freshPostgresDatabase("foreign");
  {
    StorePtr admin = openStore(db, Store::Mode::kReadWrite);
    admin->exec("CREATE TABLE kalshi_fills (id INTEGER PRIMARY KEY, ticker TEXT)");
  }
  sim_->resetStats();
  const auto run = cli({"run", "sync"}, db);
  EXPECT_EQ(run.exit_code, 2) << run.out << run.err;
  EXPECT_THAT(run.err, HasSubstr("table kalshi_fills was not made by kalshi-direct: its column id "
                                 "is integer, kalshi-direct's is text"));
  EXPECT_EQ(sim_->requestsTo("/portfolio/fills"), 0) << "refused before any request";
  StorePtr check = openStore(db, Store::Mode::kReadOnly);
  EXPECT_FALSE(check->tableExists("kalshi_orders")) << "nothing half-written";
}

}  // namespace
}  // namespace kalshi_direct

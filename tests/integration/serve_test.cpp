// `kalshi-direct serve` over a simulator-fed database, through real HTTP: the API's numbers equal
// `kalshi-direct report`'s and the database's, bad parameters are one-line 400s, the token guards
// every request, /healthz and /metrics tell the sync's state, paging counts every row, and a
// scheduled sync shows new fills without anyone restarting anything. (The page itself is tested
// in a real browser: tests/browser/dashboard.test.mjs.)
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "kalshi_direct/decimal.h"
#include "support/kalshi_cli_fixture.h"
#include "support/postgres_support.h"
#include "support/process.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::TempDir;

struct Http {
  int status = 0;
  std::string body, content_type;
  std::map<std::string, std::string> headers;
  std::string header(const std::string& name) const {
    auto found = headers.find(name);
    return found == headers.end() ? "" : found->second;
  }
};

Http get(int port, const std::string& target, const std::string& bearer = "",
         const std::map<std::string, std::string>& headers = {}) {
  Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
  session.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest request("GET", target, Poco::Net::HTTPMessage::HTTP_1_1);
  if (!bearer.empty()) request.set("Authorization", "Bearer " + bearer);
  for (const auto& [name, value] : headers) request.set(name, value);
  session.sendRequest(request);
  Poco::Net::HTTPResponse response;
  Http out;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), out.body);
  out.status = response.getStatus();
  out.content_type = response.getContentType();
  for (const auto& [name, value] : response) out.headers[name] = value;
  return out;
}

Poco::JSON::Object::Ptr parse(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

// A running `kalshi-direct serve`, stopped (SIGTERM) when it goes out of scope.
class ServeProcess {
 public:
  ServeProcess(std::vector<std::string> args, const std::string& cwd,
               const std::map<std::string, std::string>& env) {
    args.insert(args.begin(), {KD_CLI, "serve", "--port", "0", "--port-file", dir_.file("port")});
    pid_ = testing::spawnProcess(args, cwd, env, dir_.file("serve.log"));
    for (int i = 0; i < 300 && port_ == 0; ++i) {
      std::ifstream in(dir_.file("port"));
      if (in >> port_) break;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        throw std::runtime_error("serve exited: " + testing::readFile(dir_.file("serve.log")));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (port_ == 0) throw std::runtime_error("serve did not start");
  }
  ~ServeProcess() { stop(); }
  int stop() {
    if (pid_ < 0) return exit_code_;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return exit_code_;
  }
  int port() const { return port_; }
  std::string log() const { return testing::readFile(dir_.file("serve.log")); }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  int port_ = 0;
  int exit_code_ = -1;
};

class ServeTest : public testing::KalshiCliFixture {
 protected:
  void SetUp() override {
    startSim({"--subaccounts", "2", "--days", "90"}, "1500");
    const auto backfill = cli({"run", "backfill", "--full", "--quiet"});
    ASSERT_EQ(backfill.exit_code, 0) << backfill.err;
  }
  std::unique_ptr<ServeProcess> serve(std::vector<std::string> args = {}) {
    args.insert(args.begin(), {"--db", db()});
    return std::make_unique<ServeProcess>(args, dir_.path(), environment());
  }
  // `report ... --format json` without its "database" field, as the API answers it.
  std::string reportJson(std::vector<std::string> args) {
    args.insert(args.begin(), {"report", "--db", db(), "--format", "json"});
    const auto result = cli(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    auto object = parse(result.out);
    object->remove("database");
    std::ostringstream out;
    object->stringify(out);
    return out.str();
  }
  static std::string canonical(const std::string& json) {
    std::ostringstream out;
    parse(json)->stringify(out);
    return out.str();
  }
};

TEST_F(ServeTest, TheApiShowsTheSameNumbersAsTheReportAndTheDatabase) {
  auto server = serve();
  for (const auto& [url, report] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"/api/v1/categories", {"--by", "category"}},
           {"/api/v1/daily?range=mtd", {"--range", "mtd", "--by", "day"}},
           {"/api/v1/pnl?by=month&subaccount=1", {"--by", "month", "--subaccount", "1"}},
           {"/api/v1/series?category=crypto", {"--by", "series", "--category", "crypto"}},
           {"/api/v1/stats?range=all", {"--stats", "--range", "all"}},
           {"/api/v1/edge?by=category", {"--edge", "--by", "category"}}}) {
    const Http answer = get(server->port(), url);
    ASSERT_EQ(answer.status, 200) << url << ": " << answer.body;
    EXPECT_EQ(canonical(answer.body), reportJson(report)) << url;
  }
  const auto summary = parse(get(server->port(), "/api/v1/summary").body);
  EXPECT_EQ(testing::decimal(summary->getValue<std::string>("balance_dollars")),
            testing::decimal(
                text("SELECT balance_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1")));
  // Realized P&L over everything: the daily ledger's exact sum, which is the snapshot's.
  EXPECT_EQ(testing::decimal(summary->getValue<std::string>("realized_pnl_dollars")),
            testing::decimal(text(
                "SELECT realized_pnl_dollars FROM kalshi_snapshots ORDER BY id DESC LIMIT 1")));
  // The equity curve ends at today's equity: cash + marked value, as the database holds it.
  const auto equity = parse(get(server->port(), "/api/v1/equity").body)->getArray("rows");
  ASSERT_GT(equity->size(), 0u);
  const auto last = equity->getObject(static_cast<unsigned>(equity->size() - 1));
  EXPECT_EQ(testing::decimal(last->getValue<std::string>("equity_dollars")),
            testing::decimal(text("SELECT cash_balance_dollars FROM kalshi_equity_daily WHERE "
                                  "subaccount = -1 ORDER BY day DESC LIMIT 1")) +
                testing::decimal(text("SELECT marked_value_dollars FROM kalshi_equity_daily "
                                      "WHERE subaccount = -1 ORDER BY day DESC LIMIT 1")));
  // The header cards' figures (read lean from the ledger) are report --stats's.
  const auto stats = parse(get(server->port(), "/api/v1/stats").body)->getObject("stats");
  for (const std::string field :
       {"pnl_dollars", "realized_pnl_dollars", "fees_dollars", "net_deposits_dollars"})
    EXPECT_EQ(summary->getValue<std::string>(field), stats->getValue<std::string>(field)) << field;
  for (const std::string field : {"roi", "win_rate"})
    EXPECT_EQ(summary->getValue<double>(field), stats->getValue<double>(field)) << field;
  EXPECT_EQ(summary->getValue<int64_t>("closed_positions"),
            stats->getValue<int64_t>("closed_positions"));
  EXPECT_EQ(summary->getObject("max_drawdown")->getValue<double>("fraction"),
            stats->getObject("max_drawdown")->getValue<double>("fraction"));
  // Open positions: one per non-zero computed position.
  const auto positions = parse(get(server->port(), "/api/v1/positions").body);
  EXPECT_EQ(static_cast<int64_t>(positions->getArray("rows")->size()),
            scalar("SELECT COUNT(*) FROM kalshi_market_pnl WHERE position_fp NOT IN ('0', "
                   "'0.00', '-0.00')"));
}

TEST_F(ServeTest, PagesCountEveryRowAndCsvIsWhatIsShown) {
  auto server = serve();
  const auto fills = parse(get(server->port(), "/api/v1/fills?limit=7&offset=3").body);
  EXPECT_EQ(fills->getValue<int64_t>("total"), scalar("SELECT COUNT(*) FROM kalshi_fills"));
  ASSERT_EQ(fills->getArray("rows")->size(), 7u);
  // Newest first: the 4th newest fill.
  EXPECT_EQ(
      fills->getArray("rows")->getObject(0)->getValue<std::string>("id"),
      text("SELECT id FROM kalshi_fills ORDER BY filled_at_us DESC, rowid DESC LIMIT 1 OFFSET 3"));
  const auto crypto = parse(get(server->port(), "/api/v1/orders?category=crypto&limit=1").body);
  EXPECT_EQ(crypto->getValue<int64_t>("total"),
            scalar("SELECT COUNT(*) FROM kalshi_orders WHERE category = 'crypto'"));
  const Http csv = get(server->port(), "/api/v1/orders?limit=5&sort=ticker&order=asc&format=csv");
  ASSERT_EQ(csv.status, 200);
  EXPECT_THAT(csv.content_type, HasSubstr("text/csv"));
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 6) << csv.body;  // header + 5
  EXPECT_EQ(csv.body.substr(csv.body.find('\n') + 1,
                            csv.body.find(',', csv.body.find('\n')) - csv.body.find('\n') - 1),
            text("SELECT id FROM kalshi_orders ORDER BY ticker ASC, created_at ASC, rowid ASC "
                 "LIMIT 1"));
}

// Every id of `path` (a history endpoint with its sort), page after page of 97.
std::vector<std::string> pageThrough(int port, const std::string& path) {
  std::vector<std::string> ids;
  for (int offset = 0;; offset += 97) {
    const Http page = get(port, path + "&limit=97&offset=" + std::to_string(offset));
    EXPECT_EQ(page.status, 200) << path << ": " << page.body;
    const auto rows = parse(page.body)->getArray("rows");
    for (unsigned i = 0; i < rows->size(); ++i)
      ids.push_back(rows->getObject(i)->getValue<std::string>("id"));
    if (page.status != 200 || rows->size() < 97) return ids;
  }
}

TEST_F(ServeTest, PagingThroughASortOrASearchShowsEveryRowOnceInOrder) {
  auto server = serve();
  // Sorted by price, then time: every fill once, in that order.
  EXPECT_EQ(pageThrough(server->port(), "/api/v1/fills?sort=price&order=asc"),
            column("SELECT id FROM kalshi_fills ORDER BY price, filled_at_us, rowid"));
  EXPECT_EQ(pageThrough(server->port(), "/api/v1/orders?sort=pnl"),
            column("SELECT id FROM kalshi_orders ORDER BY pnl_cents DESC, created_at DESC, "
                   "rowid DESC"));
  // A search matching most rows (read in time order) and one matching one market (read by its
  // ticker): the rows whose ticker contains the text, in any case, newest first.
  const std::string one = text("SELECT ticker FROM kalshi_fills ORDER BY rowid LIMIT 1");
  for (const std::string& q : {std::string("kx"), one.substr(2)}) {
    std::string pattern = q;
    for (char& c : pattern) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::string where = " WHERE LOWER(ticker) LIKE '%" + pattern + "%'";
    const auto first = parse(get(server->port(), "/api/v1/fills?q=" + q).body);
    EXPECT_EQ(first->getValue<int64_t>("total"),
              scalar("SELECT COUNT(*) FROM kalshi_fills" + where))
        << q;
    EXPECT_EQ(
        pageThrough(server->port(), "/api/v1/fills?q=" + q + "&sort=filled_at"),
        column("SELECT id FROM kalshi_fills" + where + " ORDER BY filled_at_us DESC, rowid DESC"))
        << q;
    EXPECT_EQ(
        pageThrough(server->port(), "/api/v1/orders?q=" + q + "&sort=created_at"),
        column("SELECT id FROM kalshi_orders" + where + " ORDER BY created_at DESC, rowid DESC"))
        << q;
  }
  EXPECT_EQ(scalar("SELECT COUNT(*) FROM kalshi_tickers"),
            scalar("SELECT COUNT(*) FROM (SELECT ticker FROM kalshi_orders UNION SELECT ticker "
                   "FROM kalshi_fills)"));
}

// "YYYY-MM-DD" of the last day of `month` ("YYYY-MM").
std::string lastDay(const std::string& month) {
  const int year = std::stoi(month.substr(0, 4)), number = std::stoi(month.substr(5, 2));
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  const int days[] = {31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month + "-" + std::to_string(days[number - 1]);
}

// Edge by price of the positions closed on days from..to (inclusive; empty: open), bucketed here
// exactly (10 x entry cost >= bucket x contracts) from kalshi_closed_positions.
struct Bucket {
  int64_t positions = 0;
  Decimal contracts, realized;
};
std::map<std::string, Bucket> edgeOf(const std::string& db, const std::string& from,
                                     const std::string& to) {
  static const char* const kNames[] = {"0-10c",  "10-20c", "20-30c", "30-40c", "40-50c",
                                       "50-60c", "60-70c", "70-80c", "80-90c", "90-100c"};
  std::map<std::string, Bucket> buckets;
  sqlite::Database database(db, sqlite::Database::Mode::kReadOnly);
  sqlite::Statement rows(database.handle(),
                         "SELECT day, contracts_fp, entry_cost_dollars, realized_pnl_dollars FROM "
                         "kalshi_closed_positions");
  while (rows.step()) {
    const std::string day = rows.columnText(0);
    if ((!from.empty() && day < from) || (!to.empty() && day > to)) continue;
    const Decimal contracts = testing::decimal(rows.columnText(1));
    const Decimal cost = testing::decimal(rows.columnText(2));
    if (contracts.sign() <= 0) continue;
    int bucket = 9;
    while (bucket > 0 && cost * Decimal::fromInt(10) < contracts * Decimal::fromInt(bucket))
      --bucket;
    Bucket& b = buckets[kNames[bucket]];
    ++b.positions;
    b.contracts += contracts;
    b.realized += testing::decimal(rows.columnText(3));
  }
  return buckets;
}

TEST_F(ServeTest, EdgeByPriceOfAnyRangeEqualsEveryClosedPositionOfIt) {
  auto check = [&](int port, const std::string& from, const std::string& to) {
    const std::string range = from.empty() ? "" : "?from=" + from + "&to=" + to;
    const Http answer = get(port, "/api/v1/edge" + range, "", {{"Cache-Control", "no-cache"}});
    ASSERT_EQ(answer.status, 200) << answer.body;
    const auto rows = parse(answer.body)->getArray("edge");
    std::map<std::string, Bucket> shown;
    for (unsigned i = 0; i < rows->size(); ++i) {
      const auto row = rows->getObject(i);
      Bucket& b = shown[row->getValue<std::string>("entry_price")];
      b.positions = row->getValue<int64_t>("positions");
      b.contracts = testing::decimal(row->getValue<std::string>("contracts"));
      b.realized = testing::decimal(row->getValue<std::string>("realized_pnl_dollars"));
    }
    const auto truth = edgeOf(db(), from, to);
    ASSERT_EQ(shown.size(), truth.size()) << from << ".." << to;
    for (const auto& [name, b] : truth) {
      EXPECT_EQ(shown[name].positions, b.positions) << name << " " << from << ".." << to;
      EXPECT_EQ(shown[name].contracts, b.contracts) << name << " " << from << ".." << to;
      EXPECT_EQ(shown[name].realized, b.realized) << name << " " << from << ".." << to;
    }
  };
  const std::string first = text("SELECT MIN(day) FROM kalshi_closed_positions");
  const std::string last = text("SELECT MAX(day) FROM kalshi_closed_positions");
  ASSERT_LT(first.substr(0, 7), last.substr(0, 7)) << "the account spans several months";
  const std::string second_month = text(
      "SELECT MIN(day) FROM kalshi_closed_positions WHERE day >= '" + first.substr(0, 7) + "-32'");
  const std::string month = second_month.substr(0, 7);
  {
    auto server = serve();
    check(server->port(), "", "");                         // every month, whole
    check(server->port(), month + "-01", lastDay(month));  // one whole month
    check(server->port(), first, last);                    // partial months at both ends
    check(server->port(), month + "-03", month + "-17");   // inside one month
    check(server->port(), first.substr(0, 7) + "-15", month + "-10");  // two partial months
  }
  // New fills and a sync: the months they closed positions in are summed again.
  sim_->request("POST", "/admin/add-fills", "{\"count\":40}");
  ASSERT_EQ(cli({"run", "sync", "--quiet"}).exit_code, 0);
  auto server = serve();
  check(server->port(), "", "");
  check(server->port(), first, last);
}

TEST_F(ServeTest, ThePageIsEmbeddedLockedDownAndRevalidated) {
  auto server = serve();
  const Http page = get(server->port(), "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_THAT(page.content_type, HasSubstr("text/html"));
  // The page itself, unless this build left it out (-DKD_BUILD_WEB=OFF: the sanitizer stage).
  if (page.body.find("KD_BUILD_WEB=OFF") == std::string::npos) {
    EXPECT_THAT(page.body, HasSubstr("data-testid=\"cards\""));
  }
  EXPECT_THAT(page.header("Content-Security-Policy"), HasSubstr("script-src 'self'"));
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  ASSERT_FALSE(page.header("ETag").empty());
  // Unchanged: 304 without a body; the browser keeps its copy.
  const Http again = get(server->port(), "/", "", {{"If-None-Match", page.header("ETag")}});
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  for (const std::string asset : {"/app.js", "/charts.js"}) {
    const Http script = get(server->port(), asset);
    EXPECT_EQ(script.status, 200) << asset;
    EXPECT_THAT(script.content_type, HasSubstr("javascript")) << asset;
  }
  // An answer computed afresh on request (a hard reload) equals the kept one.
  const Http kept = get(server->port(), "/api/v1/categories?range=all");
  const Http fresh =
      get(server->port(), "/api/v1/categories?range=all", "", {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(kept.status, 200);
  EXPECT_EQ(fresh.body, kept.body);
  EXPECT_EQ(get(server->port(), "/api/v1/summary").header("Cache-Control"), "no-store");
}

TEST_F(ServeTest, BadParametersAreOneLine400s) {
  auto server = serve();
  for (const std::string url :
       {"/api/v1/summary?range=weekly", "/api/v1/daily?from=2026-13-01",
        "/api/v1/daily?from=2026-05-02&to=2026-05-01", "/api/v1/daily?range=mtd&from=2026-01-01",
        "/api/v1/fills?limit=0", "/api/v1/fills?limit=abc", "/api/v1/orders?sort=password",
        "/api/v1/summary?subaccount=64", "/api/v1/summary?rnage=mtd", "/api/v1/pnl?by=hour",
        "/api/v1/summary?range=mtd&range=ytd", "/api/v1/orders?status=open"}) {
    const Http answer = get(server->port(), url);
    EXPECT_EQ(answer.status, 400) << url << ": " << answer.body;
    EXPECT_EQ(answer.body.find('\n'), std::string::npos) << url;
    EXPECT_TRUE(parse(answer.body)->has("error")) << url << ": " << answer.body;
  }
  EXPECT_EQ(get(server->port(), "/api/v1/nothing").status, 404);
  // No answer names the database's path or the API credentials.
  for (const std::string url : {"/api/v1/summary", "/api/v1/sync", "/metrics", "/healthz"}) {
    const Http answer = get(server->port(), url);
    EXPECT_THAT(answer.body, Not(HasSubstr(dir_.path()))) << url;
    EXPECT_THAT(answer.body, Not(HasSubstr(kToken))) << url;
  }
}

TEST_F(ServeTest, ATokenGuardsEveryRequestAndOtherAddressesNeedOne) {
  const std::string token = "s3cret-serve-token-42";
  auto server = serve({"--token", token});
  EXPECT_EQ(get(server->port(), "/api/v1/summary").status, 401);
  EXPECT_EQ(get(server->port(), "/").status, 401);
  EXPECT_EQ(get(server->port(), "/metrics").status, 401);
  EXPECT_EQ(get(server->port(), "/api/v1/summary", "wrong-token-123").status, 401);
  const Http ok = get(server->port(), "/api/v1/summary", token);
  EXPECT_EQ(ok.status, 200);
  EXPECT_THAT(ok.body, Not(HasSubstr(token)));
  EXPECT_THAT(server->log(), Not(HasSubstr(token)));

  const auto open = cli({"serve", "--db", db(), "--bind", "0.0.0.0", "--port", "0"});
  EXPECT_EQ(open.exit_code, 2);
  EXPECT_THAT(open.err, HasSubstr("--token"));
  const auto missing = cli({"serve", "--db", dir_.file("none.db")});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_THAT(missing.err, HasSubstr("run sync"));
}

TEST_F(ServeTest, HealthAndMetricsTellTheSyncState) {
  auto server = serve();
  const Http health = get(server->port(), "/healthz");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(parse(health.body)->getValue<std::string>("status"), "ok");
  const Http metrics = get(server->port(), "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_THAT(metrics.body,
              HasSubstr("kalshi_direct_table_rows{table=\"kalshi_fills\"} " +
                        std::to_string(scalar("SELECT COUNT(*) FROM kalshi_fills")) + "\n"));
  EXPECT_THAT(metrics.body, HasSubstr("kalshi_direct_runs_total 1\n"));
  EXPECT_THAT(metrics.body, HasSubstr("kalshi_direct_last_run_success 1\n"));
  EXPECT_THAT(metrics.body,
              HasSubstr("kalshi_direct_kalshi_http_requests_total " +
                        std::to_string(scalar("SELECT http_requests FROM kd_runs")) + "\n"));
  EXPECT_GT(scalar("SELECT http_requests FROM kd_runs"), 0);
  const auto sync = parse(get(server->port(), "/api/v1/sync").body);
  EXPECT_EQ(sync->getObject("last_run")->getValue<std::string>("result"), "ok");
  EXPECT_EQ(sync->getObject("last_run")->getValue<std::string>("pipeline"), "backfill");
  EXPECT_FALSE(sync->getValue<bool>("stale"));

  // A stale sync: /healthz says so with 503.
  server.reset();
  auto strict = serve({"--stale-after", "1s"});
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));  // older than 1 s, by the clock
  const Http stale = get(strict->port(), "/healthz");
  EXPECT_EQ(stale.status, 503) << stale.body;
  EXPECT_EQ(parse(stale.body)->getValue<std::string>("status"), "stale");
}

TEST_F(ServeTest, AScheduledSyncShowsNewFillsWithoutARestart) {
  auto server = serve({"--sync-every", "1s"});
  const int64_t before = scalar("SELECT COUNT(*) FROM kalshi_fills");
  sim_->request("POST", "/admin/add-fills", "{\"count\":20}");
  int64_t total = 0;
  for (int i = 0; i < 300 && total < before + 20; ++i) {  // bounded: 30 s
    const Http page = get(server->port(), "/api/v1/fills?limit=1");
    if (page.status == 200) total = parse(page.body)->getValue<int64_t>("total");
    if (total < before + 20) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(total, before + 20);
  const auto sync = parse(get(server->port(), "/api/v1/sync").body);
  EXPECT_EQ(sync->getValue<int64_t>("sync_every_seconds"), 1);
  EXPECT_EQ(server->stop(), 0) << server->log();
  EXPECT_GE(scalar("SELECT COUNT(*) FROM kd_runs WHERE pipeline = 'sync'"), 1);
}

TEST_F(ServeTest, ASqliteFileHoldsOneAccountAndSaysSo) {
  auto server = serve();
  EXPECT_EQ(canonical(get(server->port(), "/api/v1/accounts").body),
            canonical(R"({"accounts": [], "default": null})"));
  const Http named = get(server->port(), "/api/v1/fills?account=alice");
  EXPECT_EQ(named.status, 400);
  EXPECT_THAT(named.body, HasSubstr("SQLite file, which holds one account"));
}

// Two accounts in one PostgreSQL database: the page lists them (GET /api/v1/accounts), shows the
// first when none is named and no account is called "default", and every call, the change feed
// included, answers for the account its account= names.
TEST_F(ServeTest, AnAccountOfAPostgresDatabaseIsChosenPerRequest) {
  KD_REQUIRE_POSTGRES();
  const std::string url = testing::freshPostgresDatabase("serve");
  std::map<std::string, std::unique_ptr<testing::SimServer>> sims;
  int seed = 41;
  for (const std::string name : {"alice", "bob"}) {
    sims[name] = std::make_unique<testing::SimServer>(
        std::vector<std::string>{"--fills", name == "alice" ? "300" : "500", "--seed",
                                 std::to_string(seed++), "--bearer-token", kToken});
    const auto run = cli({"run", "backfill", "--full", "--quiet", "--db", url, "--account", name},
                         {{"KALSHI_API_BASE_URL", sims[name]->baseUrl()}});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  auto env = environment();
  env.erase("KALSHI_ACCOUNT");
  ServeProcess server({"--db", url}, dir_.path(), env);
  EXPECT_EQ(canonical(get(server.port(), "/api/v1/accounts").body),
            canonical(R"({"accounts": [{"name": "alice"}, {"name": "bob"}], "default": "alice"})"));
  auto total = [&](const std::string& query) {
    const Http page = get(server.port(), "/api/v1/fills?limit=1" + query);
    EXPECT_EQ(page.status, 200) << query << ": " << page.body;
    return page.status == 200 ? parse(page.body)->getValue<int64_t>("total") : -1;
  };
  const auto fills = [&](const std::string& name) {
    return sims[name]->truth()->getObject("counts")->getValue<int64_t>("fills");
  };
  EXPECT_EQ(total(""), fills("alice"));
  EXPECT_EQ(total("&account=alice"), fills("alice"));
  EXPECT_EQ(total("&account=bob"), fills("bob"));
  // Each account's figures are its own report's.
  for (const std::string name : {"alice", "bob"}) {
    const auto report =
        cli({"report", "--db", url, "--account", name, "--stats", "--format", "json"});
    ASSERT_EQ(report.exit_code, 0) << report.err;
    auto expected = parse(report.out);
    expected->remove("database");
    std::ostringstream out;
    expected->stringify(out);
    EXPECT_EQ(canonical(get(server.port(), "/api/v1/stats?account=" + name).body), out.str())
        << name;
  }
  // The change feed of one account tells that account's version.
  {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(server.port()));
    session.setTimeout(Poco::Timespan(10, 0));
    Poco::Net::HTTPRequest request("GET", "/api/v1/events?account=bob",
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(request);
    Poco::Net::HTTPResponse response;
    std::istream& in = session.receiveResponse(response);
    std::string line, data;
    while (data.empty() && std::getline(in, line))
      if (line.rfind("data: ", 0) == 0) data = line.substr(6);
    const auto sync = parse(get(server.port(), "/api/v1/sync?account=bob").body);
    EXPECT_EQ(parse(data)->getValue<std::string>("version"),
              sync->getValue<std::string>("version"));
  }
  for (const auto& [query, message] : std::vector<std::pair<std::string, std::string>>{
           {"carol", "no such account in this database (GET /api/v1/accounts lists them)"},
           {"Bad-Name", "not an account name"}}) {
    const Http refused = get(server.port(), "/api/v1/summary?account=" + query);
    EXPECT_EQ(refused.status, 400) << query;
    EXPECT_THAT(refused.body, HasSubstr(message)) << query;
    EXPECT_EQ(std::count(refused.body.begin(), refused.body.end(), '\n'), 0) << refused.body;
  }
}

}  // namespace
}  // namespace kalshi_direct

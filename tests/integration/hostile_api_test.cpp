// An API (or an environment) that misbehaves on purpose cannot hang a sync, fill its memory, put
// a header on the wire, write through a planted link, or skip the historical tier (issue 13,
// items 2, 4, 5, 7, 8 and 13). Each test fails on the code before its fix.
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <thread>

#include "support/kalshi_cli_fixture.h"
#include "support/page_server.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;
using ::testing::Not;

// A server whose every answer is written by `respond` (for misbehaviour PageServer cannot show).
class ScriptedServer {
 public:
  using Respond =
      std::function<void(Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse&)>;
  explicit ScriptedServer(Respond respond)
      : respond_(std::move(respond)),
        socket_(Poco::Net::SocketAddress("127.0.0.1", 0)),
        server_(new Factory(*this), socket_, new Poco::Net::HTTPServerParams) {
    server_.start();
  }
  ~ScriptedServer() {
    stopping_ = true;
    server_.stopAll(true);
  }
  std::string baseUrl() const {
    return "http://127.0.0.1:" + std::to_string(socket_.address().port()) + "/trade-api/v2";
  }
  bool stopping() const { return stopping_; }

 private:
  class Handler : public Poco::Net::HTTPRequestHandler {
   public:
    explicit Handler(ScriptedServer& server) : server_(server) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      server_.respond_(request, response);
    }

   private:
    ScriptedServer& server_;
  };
  class Factory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    explicit Factory(ScriptedServer& server) : server_(server) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new Handler(server_);
    }

   private:
    ScriptedServer& server_;
  };

  Respond respond_;
  std::atomic<bool> stopping_{false};
  Poco::Net::ServerSocket socket_;
  Poco::Net::HTTPServer server_;
};

class HostileApiTest : public testing::KalshiCliFixture {
 protected:
  // `run sync` against a server of the test's own (no simulator).
  testing::ProcessResult syncAgainst(const std::string& base_url,
                                     const std::map<std::string, std::string>& extra = {}) {
    std::map<std::string, std::string> env = {
        {"KALSHI_API_BASE_URL", base_url}, {"KALSHI_API_KEY", kToken}, {"KALSHI_API_KEY_ID", ""},
        {"KALSHI_PRIVATE_KEY_PATH", ""},   {"KALSHI_PRIVATE_KEY", ""}, {"KALSHI_RATE_LIMIT", "off"},
        {"KALSHI_MAX_RETRY_TIME", "3s"},   {"KALSHI_DB", db()}};
    for (const auto& [name, value] : extra) env[name] = value;
    return testing::runProcess({KD_CLI, "run", "sync"}, dir_.path(), env);
  }
  static std::string recorded() {
    return std::string(KD_SOURCE_DIR) + "/tests/fixtures/recorded-2026h1";
  }
};

TEST_F(HostileApiTest, ABodyTricklingInEndsWithinTheRetryBudgetAndTheFallbackTakesOver) {
  ScriptedServer server(
      [&server](Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
        response.setContentType("application/json");
        response.setContentLength(100000);
        std::ostream& out = response.send();
        for (int i = 0; i < 600 && out && !server.stopping();
             ++i) {  // 1 byte / 100 ms, one minute at most
          out << (i == 0 ? '{' : ' ') << std::flush;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
      });
  const auto started = std::chrono::steady_clock::now();
  const auto result = syncAgainst(server.baseUrl(), {{"KALSHI_MAX_RETRY_TIME", "2s"}});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // The API counted as down: the fallback ran (and, with no database yet, had nothing to serve).
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("did not arrive within 2 s (max_retry_time"));
  EXPECT_THAT(result.err, HasSubstr("no last known state"));
  if (!testing::kSanitizedBuild) {
    EXPECT_LT(seconds, 30.0) << "bounded by the 2 s budget, not by the 100 KB trickle (~3 hours)";
  }
}

TEST_F(HostileApiTest, AResponseLargerThanTheCapIsRefusedWithoutBeingRead) {
  ScriptedServer server([](Poco::Net::HTTPServerRequest&, Poco::Net::HTTPServerResponse& response) {
    response.setContentType("application/json");
    response.setContentLength64(400ll << 20);  // announces 400 MB
    response.send() << "{\"balance\":" << std::flush;
  });
  const auto result = syncAgainst(server.baseUrl());
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("more than the 64 MiB allowed (max_response_mb)"));
}

TEST_F(HostileApiTest, EndlessEmptyPagesWithNewCursorsStopWithOneLine) {
  auto pages = testing::PageServer::pagesFromDirectory(recorded(), "/trade-api/v2");
  std::atomic<int> served{0};
  ScriptedServer server(
      [&](Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
        const std::string path = request.getURI().substr(0, request.getURI().find('?'));
        response.setContentType("application/json");
        std::string body;
        if (path == "/trade-api/v2/portfolio/fills") {
          body = R"({"fills":[],"cursor":"c)" + std::to_string(++served) +
                 "\"}";  // a new cursor every time
        } else if (auto it = pages.find(path); it != pages.end()) {
          body = it->second;
        } else {
          response.setStatus(Poco::Net::HTTPResponse::HTTP_NOT_FOUND);
          body = R"({"code":"not_found","message":"no such path"})";
        }
        response.setContentLength(static_cast<std::streamsize>(body.size()));
        response.send() << body;
      });
  const auto result = syncAgainst(server.baseUrl());
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("20 pages in a row came back empty, each with a new cursor"));
  EXPECT_EQ(served.load(), 20);
}

TEST_F(HostileApiTest, ControlCharactersInCredentialsAreRefusedAndPastedLineEndsTrimmed) {
  testing::PageServer server(testing::PageServer::pagesFromDirectory(recorded(), "/trade-api/v2"));
  for (const auto& [variable, value] : std::vector<std::pair<std::string, std::string>>{
           {"KALSHI_API_KEY", "tok\r\nX-Injected: yes"},
           {"KALSHI_API_KEY_ID", "id\r\nX-Injected: yes"},
           {"KALSHI_API_KEY", "tok\x01"}}) {
    const auto result = syncAgainst(server.baseUrl(), {{variable, value}});
    EXPECT_EQ(result.exit_code, 2) << variable << result.out << result.err;
    EXPECT_THAT(result.err, MatchesRegex("[^\n]*\n")) << "one line: " << result.err;
    EXPECT_THAT(result.err, HasSubstr(variable + " contains a control character"));
    EXPECT_THAT(result.err, Not(HasSubstr("X-Injected")));
  }
  EXPECT_TRUE(server.requested().empty()) << "nothing went on the wire";
  // A token pasted with its line end works.
  const auto trimmed = syncAgainst(server.baseUrl(), {{"KALSHI_API_KEY", "tok\r"}});
  EXPECT_EQ(trimmed.exit_code, 0) << trimmed.out << trimmed.err;
}

TEST_F(HostileApiTest, AnInvalidTimestampSaysToCheckTheClock) {
  testing::PageServer server(
      {{"/trade-api/v2/portfolio/balance",
        R"json({"error":{"code":"INVALID_TIMESTAMP","message":"timestamp outside allowed window (skew 29998 ms)"}})json"}},
      {{"/trade-api/v2/portfolio/balance", 401}});
  const auto result = syncAgainst(server.baseUrl());
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("check this machine's clock"));
  EXPECT_THAT(result.err, Not(HasSubstr("belong together")));
}

TEST_F(HostileApiTest, ALockFilePlantedAsASymlinkIsNeverWrittenThrough) {
  startSim({}, "300");
  const std::string victim = dir_.file("victim.txt");
  testing::writeFile(victim, "precious\n");
  std::filesystem::create_symlink(victim, db() + ".lock");
  const auto result = cli({"run", "sync"});
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("is a symbolic link; kalshi-direct never writes through one"));
  EXPECT_EQ(testing::readFile(victim), "precious\n");
}

TEST_F(HostileApiTest, TwoPathsToOneDatabaseShareOneLock) {
  startSim({}, "300");
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  std::filesystem::create_directory_symlink(dir_.path(), dir_.file("alias"));
  // A run holds the lock through the real path; a second one through the alias sees it.
  const int fd = ::open((db() + ".lock").c_str(), O_RDWR);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
  const auto result = cli({"run", "sync", "--db", dir_.file("alias/kalshi.db")});
  ::close(fd);
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(result.err, HasSubstr("is in use by"));
}

TEST_F(HostileApiTest, DaysReachingBefore1970ReadTheHistoricalTierAndNonsenseIsRefused) {
  startSim({}, "1000");
  const auto backfill = cli({"run", "backfill", "--days", "36500"});
  ASSERT_EQ(backfill.exit_code, 0) << backfill.out << backfill.err;
  EXPECT_EQ(scalar("SELECT count(*) FROM kalshi_fills"), truthCount("fills"));
  ASSERT_GT(truthCount("historical_fills"), 0);
  for (const char* days : {"1000000", "0"}) {
    const auto refused = cli({"run", "backfill", "--days", days});
    EXPECT_EQ(refused.exit_code, 2) << days << refused.out << refused.err;
  }
}

}  // namespace
}  // namespace kalshi_direct

namespace kalshi_direct {
namespace {

// Issue 13 item 12: a database in a read-only directory (a backup copy): `report` reads it, and a
// sync says the directory is read-only instead of "unable to open database file". Run as nobody:
// root writes into read-only directories (and CI runs as root).
TEST_F(HostileApiTest, AReadOnlyCopyIsReportedAndASyncIntoItNamesTheReadOnlyDirectory) {
  startSim({}, "300");
  ASSERT_EQ(cli({"run", "sync"}).exit_code, 0);
  const std::string copy = dir_.file("copy");
  std::filesystem::create_directory(copy);
  std::filesystem::copy_file(db(), copy + "/kalshi.db");
  ASSERT_EQ(::chmod((copy + "/kalshi.db").c_str(), 0644), 0);
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  ASSERT_EQ(::chmod(copy.c_str(), 0555), 0);
  const std::vector<std::string> as_nobody = {
      "/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", KD_CLI};
  auto command = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = as_nobody;
    argv.insert(argv.end(), args.begin(), args.end());
    return testing::runProcess(argv, dir_.path(), environment());
  };
  const auto report = command({"report", "--db", copy + "/kalshi.db"});
  EXPECT_EQ(report.exit_code, 0) << report.err;
  EXPECT_THAT(report.out, HasSubstr("latest snapshot #1"));
  const auto sync = command({"run", "sync", "--db", copy + "/kalshi.db"});
  EXPECT_NE(sync.exit_code, 0);
  EXPECT_THAT(sync.err, HasSubstr("its directory '" + copy + "' is read-only"));
  ::chmod(copy.c_str(), 0755);
}

}  // namespace
}  // namespace kalshi_direct

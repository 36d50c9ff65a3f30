// Bad records from the API: each goes to the dead-letter file with its reason and raw record, the
// rest of the page lands, the summary counts them and the exit code (3) says the run was partial.
// The API here is a small real HTTP server serving hand-made pages (kalshi-sim refuses to serve
// malformed records, by design).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "kalshi_direct/engine/sqlite.h"
#include "support/page_server.h"
#include "support/process.h"
#include "support/test_support.h"

namespace kalshi_direct {
namespace {

using ::testing::HasSubstr;

std::string fill(const std::string& id, const std::string& overrides) {
  std::map<std::string, std::string> fields = {{"fill_id", "\"" + id + "\""},
                                               {"trade_id", "\"" + id + "\""},
                                               {"order_id", "\"o-1\""},
                                               {"ticker", "\"KXHIGHNY-26MAR01-T60\""},
                                               {"market_ticker", "\"KXHIGHNY-26MAR01-T60\""},
                                               {"outcome_side", "\"yes\""},
                                               {"book_side", "\"bid\""},
                                               {"side", "\"yes\""},
                                               {"action", "\"buy\""},
                                               {"count_fp", "\"10.00\""},
                                               {"yes_price_dollars", "\"0.5600\""},
                                               {"no_price_dollars", "\"0.4400\""},
                                               {"is_taker", "true"},
                                               {"fee_cost", "\"0.1800\""},
                                               {"created_time", "\"2026-03-01T14:03:22Z\""},
                                               {"ts", "1772373802"},
                                               {"exchange_index", "0"}};
  // overrides: "key=json;key=json" ("key=" removes the field)
  size_t start = 0;
  while (start < overrides.size()) {
    const size_t end = overrides.find(';', start);
    const std::string item =
        overrides.substr(start, end == std::string::npos ? std::string::npos : end - start);
    const size_t equals = item.find('=');
    const std::string key = item.substr(0, equals), value = item.substr(equals + 1);
    if (value.empty())
      fields.erase(key);
    else
      fields[key] = value;
    if (end == std::string::npos) break;
    start = end + 1;
  }
  std::string json = "{";
  for (const auto& [key, value] : fields)
    json += (json.size() > 1 ? "," : "") + ("\"" + key + "\":" + value);
  return json + "}";
}

TEST(BadRecordsTest, EachBadRecordIsDeadLetteredWithItsReasonAndTheRestLands) {
  const std::string long_ticker(5000, 'K');
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"missing count", "count_fp="},
      {"wrong type", "count_fp=5"},
      {"unparseable number", "yes_price_dollars=\"abc\""},
      {"absurd price", "yes_price_dollars=\"7.5000\""},
      {"negative fee", "fee_cost=\"-0.0100\""},
      {"unknown enum", "outcome_side=\"maybe\""},
      {"very long string", "ticker=\"" + long_ticker + "\""},
      {"not UTF-8", "ticker=\"KX\xff\xfe-BAD\""},
      {"prices do not add up", "no_price_dollars=\"0.5000\""},
  };
  std::string fills = "{\"cursor\":\"\",\"fills\":[" + fill("good-1", "");
  for (size_t i = 0; i < bad.size(); ++i)
    fills += "," + fill("bad-" + std::to_string(i), bad[i].second);
  fills += "," + fill("good-2", "count_fp=\"2.50\"") + "]}";
  std::map<std::string, std::string> pages = {
      {"/trade-api/v2/portfolio/fills", fills},
      {"/trade-api/v2/historical/fills", R"({"cursor":"","fills":[]})"},
      {"/trade-api/v2/markets/KXHIGHNY-26MAR01-T60",
       R"({"market":{"ticker":"KXHIGHNY-26MAR01-T60","event_ticker":"KXHIGHNY-26MAR01","status":"active","result":"","last_price_dollars":"0.5600"}})"},
      {"/trade-api/v2/events/KXHIGHNY-26MAR01",
       R"({"event":{"event_ticker":"KXHIGHNY-26MAR01","series_ticker":"KXHIGHNY"},"markets":[]})"},
      {"/trade-api/v2/series/KXHIGHNY",
       R"({"series":{"ticker":"KXHIGHNY","category":"Climate and Weather"}})"},
  };
  testing::PageServer server(pages);

  testing::TempDir dir;
  testing::writeFile(dir.file("p.yaml"), R"(name: bad
source:
  type: kalshi_live
  base_url: ${API}
  auth: none
  rate_limit: off
  streams: [fills]
  since: all
transforms: [ { type: normalize_orders }, { type: categorize_pnl } ]
sinks: [ { type: kalshi_fills, path: k.db } ]
)");
  const auto result =
      testing::runProcess({KD_CLI, "run", "p.yaml"}, dir.path(), {{"API", server.baseUrl()}});

  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  EXPECT_THAT(result.out, HasSubstr("9 records rejected -> bad.dead-letter.jsonl"));
  EXPECT_EQ(testing::runProcess({"/usr/bin/sqlite3", dir.file("k.db"),
                                 "SELECT id, quantity_fp FROM kalshi_fills ORDER BY id"})
                .out,
            "good-1|10.00\ngood-2|2.50\n");
  const std::string dead = testing::readFile(dir.file("bad.dead-letter.jsonl"));
  EXPECT_EQ(std::count(dead.begin(), dead.end(), '\n'), 9);
  for (const char* reason :
       {"missing required field 'count_fp'", "field 'count_fp' must be a string",
        "field 'yes_price_dollars' is not a dollar amount: 'abc'",
        "field 'yes_price_dollars' is out of range: '7.5000'",
        "field 'fee_cost' is out of range: '-0.0100'",
        "field 'outcome_side' has unknown value 'maybe'", "field 'ticker' is 5000 characters long",
        "contains bytes that are not UTF-8", "yes_price_dollars + no_price_dollars must be 1"}) {
    EXPECT_THAT(dead, HasSubstr(reason));
  }
  // The raw record travels with its reason (as received, for the source's rejections).
  EXPECT_THAT(dead, HasSubstr("\"raw\":\"{\\\"action\\\":\\\"buy\\\""));
  EXPECT_THAT(dead, HasSubstr("\"record\":{\"fill_id\":\"bad-8\""));
}

// An API whose cursors cycle (A -> B -> A) must not make the sync page forever.
TEST(PaginationTest, ACursorCycleIsStoppedWithOneLine) {
  const std::string page_a = "{\"cursor\":\"B\",\"fills\":[" + fill("f-a", "") + "]}";
  const std::string page_b = "{\"cursor\":\"A\",\"fills\":[" + fill("f-b", "") + "]}";
  class CycleHandler : public Poco::Net::HTTPRequestHandler {
   public:
    CycleHandler(const std::string& a, const std::string& b) : a_(a), b_(b) {}
    void handleRequest(Poco::Net::HTTPServerRequest& request,
                       Poco::Net::HTTPServerResponse& response) override {
      const bool second = request.getURI().find("cursor=B") != std::string::npos;
      const std::string& body = second ? b_ : a_;
      response.setContentType("application/json");
      response.setContentLength(static_cast<std::streamsize>(body.size()));
      response.send() << body;
    }

   private:
    const std::string &a_, &b_;
  };
  class CycleFactory : public Poco::Net::HTTPRequestHandlerFactory {
   public:
    CycleFactory(const std::string& a, const std::string& b) : a_(a), b_(b) {}
    Poco::Net::HTTPRequestHandler* createRequestHandler(
        const Poco::Net::HTTPServerRequest&) override {
      return new CycleHandler(a_, b_);
    }

   private:
    const std::string &a_, &b_;
  };
  Poco::Net::ServerSocket socket(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::HTTPServer server(new CycleFactory(page_a, page_b), socket,
                               new Poco::Net::HTTPServerParams);
  server.start();
  testing::TempDir dir;
  testing::writeFile(
      dir.file("p.yaml"),
      "source: { type: kalshi_live, base_url: \"${API}\", auth: none, rate_limit: off, "
      "streams: [fills], metadata: false }\n"
      "sinks: [ { type: csv, path: out.csv } ]\n");
  const auto result = testing::runProcess(
      {KD_CLI, "run", "p.yaml"}, dir.path(),
      {{"API", "http://127.0.0.1:" + std::to_string(socket.address().port()) + "/trade-api/v2"}});
  server.stop();
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_THAT(
      result.err,
      HasSubstr("the API returned a cursor it had already returned (pagination would loop)"));
}

}  // namespace
}  // namespace kalshi_direct

// PageFetcher: a page fetched ahead is handed over only for the very request it was fetched for,
// parsed, with the counters and debug lines of its fetch; anything else is dropped; a fetch held
// open is cut short when the fetcher goes.
#include "kalshi/page_fetcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "mocks/mock_kalshi_api.h"

namespace kalshi_direct {
namespace kalshi {
namespace {

using ::testing::_;
using ::testing::Invoke;

constexpr const char* kPage =
    R"({"fills":[{"fill_id":"f1","order_id":"o1","ticker":"KX-A","side":"yes","action":"buy",)"
    R"("outcome_side":"yes","count_fp":"2.00","yes_price_dollars":"0.4000",)"
    R"("no_price_dollars":"0.6000","fee_cost":"0.0100","is_taker":true,)"
    R"("created_time":"2026-03-01T14:03:22Z","ts":1772373802}],"cursor":"next-2"})";

PageFetcher::Request fillsPage(const std::string& cursor) {
  PageFetcher::Request request;
  request.path = "/portfolio/fills";
  request.query = {{"limit", "1000"}, {"cursor", cursor}};
  request.array = "fills";
  request.schema = &fillSchema();
  return request;
}

// A client whose get() answers kPage through the validator, counting and logging like the real
// one, from whichever thread calls it.
std::unique_ptr<kalshi_direct::testing::MockKalshiApi> pageClient(std::atomic<int>& calls) {
  auto client = std::make_unique<kalshi_direct::testing::MockKalshiApi>();
  auto* raw = client.get();
  EXPECT_CALL(*client, get(_, _, _, _))
      .WillRepeatedly(Invoke([raw, &calls](const std::string& path, const Query&, std::string& body,
                                           const BodyValidator& validate) {
        ++calls;
        raw->on_counter("http_requests", 1);
        raw->on_debug("GET " + path);
        body = kPage;
        std::string why;
        return validate && !validate(body, why) ? Status::failed(why) : Status::ok();
      }));
  return client;
}

TEST(PageFetcherTest, HandsOverTheParsedPageWithItsCountersForTheSameRequestOnly) {
  std::atomic<int> calls{0};
  PageFetcher fetcher(pageClient(calls));
  fetcher.prefetch(fillsPage("c1"));
  PageFetcher::Result result;
  ASSERT_TRUE(fetcher.take(fillsPage("c1"), result));
  ASSERT_TRUE(result.status.isOk()) << result.status.message();
  ASSERT_EQ(result.page.records.size(), 1u);
  EXPECT_EQ(result.page.records[0].get("fill_id").asString(), "f1");
  EXPECT_EQ(result.page.cursor, "next-2");
  ASSERT_EQ(result.counters.size(), 1u);
  EXPECT_EQ(result.counters[0].first, "http_requests");
  EXPECT_EQ(result.debug_lines, std::vector<std::string>{"GET /portfolio/fills"});

  // Fetched for another cursor: dropped, and the caller reads the page itself.
  fetcher.prefetch(fillsPage("c2"));
  EXPECT_FALSE(fetcher.take(fillsPage("c3"), result));
  // Nothing left to take afterwards, not even for the request it was fetched for.
  EXPECT_FALSE(fetcher.take(fillsPage("c2"), result));
  EXPECT_EQ(calls.load(), 2);
}

TEST(PageFetcherTest, AFetchHeldOpenIsCutShortWhenTheFetcherGoes) {
  auto client = std::make_unique<kalshi_direct::testing::MockKalshiApi>();
  auto* raw = client.get();
  std::atomic<bool> started{false}, saw_stop{false};
  EXPECT_CALL(*client, get(_, _, _, _))
      .WillOnce(Invoke([raw, &started, &saw_stop](const std::string&, const Query&, std::string&,
                                                  const BodyValidator&) {
        started = true;
        // Like the real client's watcher: the request ends once a stop is asked for.
        while (!raw->stop_requested()) std::this_thread::yield();
        saw_stop = true;
        return Status::unavailable("stopped");
      }));
  client->stop_requested = [] { return false; };  // the run is not stopping
  {
    PageFetcher fetcher(std::move(client));
    fetcher.prefetch(fillsPage("c1"));
    while (!started) std::this_thread::yield();
  }  // returns only once the fetch thread has ended
  EXPECT_TRUE(saw_stop);
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

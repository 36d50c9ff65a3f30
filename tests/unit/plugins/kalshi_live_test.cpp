// kalshi_live through a mock of the API client: what it asks, and what it does with the answers,
// where a real server could not easily say it (the rate limit it sets). The wire itself is tested
// against kalshi-sim (tests/integration).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kalshi_live_source.h"
#include "mocks/mock_kalshi_api.h"
#include "mocks/mock_plugin.h"

namespace kalshi_direct {
namespace {

using ::testing::_;
using testing::answer;
using ::testing::HasSubstr;
using testing::MockKalshiApi;
using ::testing::NiceMock;
using ::testing::Pair;
using ::testing::Return;
using ::testing::ReturnRef;
using ::testing::StrictMock;
using ::testing::UnorderedElementsAre;

class KalshiLiveTest : public ::testing::Test {
 protected:
  KalshiLiveTest() {
    ON_CALL(context_, committedState()).WillByDefault(ReturnRef(state_));
    ON_CALL(context_, pipelineName()).WillByDefault(ReturnRef(name_));
    ON_CALL(context_, stageName()).WillByDefault(ReturnRef(name_));
    ON_CALL(context_, batchSize()).WillByDefault(Return(1000));
    config_.auth = "none";
    config_.streams = {"balance"};
    config_.rate_limit_auto = true;
    config_.make_client = [this](const kalshi::ClientConfig&, kalshi::AuthenticatorPtr,
                                 kalshi::KalshiApiPtr& out) {
      out = std::move(api_);
      return Status::ok();
    };
  }

  std::unique_ptr<StrictMock<MockKalshiApi>> api_ = std::make_unique<StrictMock<MockKalshiApi>>();
  StrictMock<MockKalshiApi>& api = *api_;
  NiceMock<testing::MockSourceContext> context_;
  StateMap state_;
  std::string name_ = "test";
  kalshi::LiveSourceConfig config_;
};

TEST_F(KalshiLiveTest, RateLimitAutoSizesTheBucketFromTheAccountsLimitsAndCosts) {
  EXPECT_CALL(api, get("/account/limits", _, _, _))
      .WillOnce(
          answer(R"({"usage_tier":"advanced","read":{"refill_rate":300,"bucket_capacity":600}})"));
  EXPECT_CALL(api, get("/account/endpoint_costs", _, _, _))
      .WillOnce(answer(R"({"default_cost":10,"endpoint_costs":[
          {"method":"GET","path":"/portfolio/orders","cost":20},
          {"method":"POST","path":"/portfolio/orders","cost":50},
          {"method":"GET","path":"/historical/fills","cost":0}]})"));
  EXPECT_CALL(
      api, setRateLimit(300.0, 600.0, 10.0, UnorderedElementsAre(Pair("/portfolio/orders", 20.0))));
  EXPECT_CALL(context_, log(LogLevel::kInfo, HasSubstr("tier advanced, 300 read tokens/s")));
  kalshi::KalshiLiveSource source(config_);
  EXPECT_TRUE(source.open(context_).isOk());
}

TEST_F(KalshiLiveTest, UnreadableLimitsKeepTheBasicTierWithAWarning) {
  EXPECT_CALL(api, get("/account/limits", _, _, _)).WillOnce(answer(R"({"usage_tier":"basic"})"));
  // No setRateLimit (a strict mock): the client keeps its configured Basic-tier bucket.
  EXPECT_CALL(context_, log(LogLevel::kWarning, HasSubstr("using the Basic tier (20 reads/s)")));
  kalshi::KalshiLiveSource source(config_);
  EXPECT_TRUE(source.open(context_).isOk());
}

TEST_F(KalshiLiveTest, AnUnreachableApiMakesOpenUnavailableSoTheFallbackServes) {
  EXPECT_CALL(api, get("/account/limits", _, _, _))
      .WillOnce(Return(Status::unavailable("GET /account/limits: 503 (gave up after 4 attempts)")));
  kalshi::KalshiLiveSource source(config_);
  const Status status = source.open(context_);
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("503"));
}

}  // namespace
}  // namespace kalshi_direct

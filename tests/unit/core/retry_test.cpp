// The runner's retry loop (engine/retry.h): how often it calls, how long it waits, what it says
// when it gives up. The waits are recorded, not slept.
#include "kalshi_direct/engine/retry.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

namespace kalshi_direct {
namespace {

using ::testing::ElementsAre;

class RetrierTest : public ::testing::Test {
 protected:
  Retrier retrier(RetryPolicy policy) {
    return Retrier(policy, /*seed=*/7, [this](int64_t millis) { waits_.push_back(millis); });
  }
  std::vector<int64_t> waits_;
};

TEST_F(RetrierTest, AnAnswerOtherThanRetryEndsTheLoopAsItIs) {
  Retrier loop = retrier({});
  uint64_t retries = 0;
  int calls = 0;
  const Status status = loop.run(
      [&] {
        ++calls;
        return Status::reject("bad record");
      },
      retries);
  EXPECT_EQ(status.code(), StatusCode::kReject);
  EXPECT_EQ(status.message(), "bad record");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(retries, 0u);
  EXPECT_TRUE(waits_.empty());
}

TEST_F(RetrierTest, RetriesUntilTheCallSucceedsAndCountsTheRetries) {
  Retrier loop = retrier({});
  uint64_t retries = 10;  // added to, not reset
  int calls = 0;
  const Status status =
      loop.run([&] { return ++calls < 3 ? Status::retry("busy") : Status::ok(); }, retries);
  EXPECT_TRUE(status.isOk());
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(retries, 12u);
  EXPECT_EQ(waits_.size(), 2u);
}

TEST_F(RetrierTest, GivesUpAfterMaxAttemptsWithTheLastMessage) {
  Retrier loop = retrier({/*max_attempts=*/4, /*initial_backoff_ms=*/100, /*max_backoff_ms=*/1000});
  uint64_t retries = 0;
  int calls = 0;
  const Status status = loop.run(
      [&] {
        ++calls;
        return Status::retry("database is locked (" + std::to_string(calls) + ")");
      },
      retries);
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_EQ(status.message(), "gave up after 4 attempts: database is locked (4)");
  EXPECT_EQ(calls, 4);
  EXPECT_EQ(retries, 3u);
  EXPECT_EQ(waits_.size(), 3u) << "no wait after the last attempt";
}

TEST_F(RetrierTest, BackoffDoublesUpToTheCapWithJitterInTheUpperHalf) {
  Retrier loop =
      retrier({/*max_attempts=*/10, /*initial_backoff_ms=*/200, /*max_backoff_ms=*/1000});
  const int64_t expected[] = {200, 400, 800, 1000, 1000, 1000};
  for (int failures = 1; failures <= 6; ++failures) {
    for (int draw = 0; draw < 50; ++draw) {
      const int64_t wait = loop.backoffMillis(failures);
      EXPECT_GE(wait, expected[failures - 1] / 2) << failures;
      EXPECT_LE(wait, expected[failures - 1]) << failures;
    }
  }
}

TEST_F(RetrierTest, ASingleAttemptPolicyNeverWaits) {
  Retrier loop = retrier({/*max_attempts=*/1, 200, 1000});
  uint64_t retries = 0;
  const Status status = loop.run([] { return Status::retry("busy"); }, retries);
  EXPECT_EQ(status.message(), "gave up after 1 attempt: busy");
  EXPECT_THAT(waits_, ElementsAre());
}

}  // namespace
}  // namespace kalshi_direct

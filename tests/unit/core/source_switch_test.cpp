#include "kalshi_direct/engine/source_switch.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "mocks/mock_plugin.h"

namespace kalshi_direct {
namespace {

using testing::MockSource;
using ::testing::Return;
using ::testing::StrictMock;

class SourceSwitchTest : public ::testing::Test {
 protected:
  // A switch over a strict mock primary; the fallback (also a mock) is handed out on request.
  void make(bool with_fallback = true, Status fallback_open = Status::ok()) {
    auto primary = std::make_unique<StrictMock<MockSource>>();
    primary_ = primary.get();
    SourceSwitch::OpenFallback open;
    if (with_fallback) {
      open = [this, fallback_open](SourcePtr& out) {
        ++fallback_opens_;
        if (!fallback_open.isOk()) return fallback_open;
        auto fallback = std::make_unique<StrictMock<MockSource>>();
        fallback_ = fallback.get();
        out = std::move(fallback);
        return Status::ok();
      };
    }
    switch_ = std::make_unique<SourceSwitch>(std::move(primary), std::move(open));
  }

  std::unique_ptr<SourceSwitch> switch_;
  StrictMock<MockSource>* primary_ = nullptr;
  StrictMock<MockSource>* fallback_ = nullptr;
  int fallback_opens_ = 0;
};

TEST_F(SourceSwitchTest, OnlyAnUnavailableSourceWithAFallbackSwitches) {
  make();
  switch_->primaryOpened(true);
  EXPECT_TRUE(switch_->shouldSwitch(Status::unavailable("503 after retries")));
  EXPECT_FALSE(switch_->shouldSwitch(Status::failed("a bug")));
  EXPECT_FALSE(switch_->shouldSwitch(Status::invalidConfig("bad option")));
  EXPECT_FALSE(switch_->shouldSwitch(Status(StatusCode::kUnauthenticated, "wrong key")));
  make(/*with_fallback=*/false);
  EXPECT_FALSE(switch_->shouldSwitch(Status::unavailable("503 after retries")));
}

TEST_F(SourceSwitchTest, SwitchingClosesThePrimaryKeepsItsStateAndHasNoWayBack) {
  make();
  switch_->primaryOpened(true);
  EXPECT_EQ(switch_->active(), primary_);
  EXPECT_CALL(*primary_, checkpoint()).WillOnce(Return(StateMap{{"fills.cursor", "abc"}}));
  EXPECT_CALL(*primary_, close()).WillOnce(Return(Status::failed("socket already gone")));
  std::vector<std::string> close_failures;
  ASSERT_TRUE(switch_
                  ->switchToFallback(
                      [&](const Status& failure) { close_failures.push_back(failure.message()); })
                  .isOk());
  EXPECT_EQ(close_failures, std::vector<std::string>{"socket already gone"});
  EXPECT_TRUE(switch_->onFallback());
  EXPECT_EQ(switch_->active(), fallback_);
  // The committed state stays what the primary had reached (no second checkpoint() call).
  EXPECT_EQ(switch_->checkpoint(), (StateMap{{"fills.cursor", "abc"}}));
  EXPECT_FALSE(switch_->shouldSwitch(Status::unavailable("the fallback is down too")));
  // Closing closes the fallback only: the primary is closed already.
  EXPECT_CALL(*fallback_, close()).WillOnce(Return(Status::ok()));
  std::vector<bool> closed;
  switch_->close([&](bool fallback, const Status&) { closed.push_back(fallback); });
  EXPECT_EQ(closed, std::vector<bool>{true});
}

TEST_F(SourceSwitchTest, APrimaryThatFailedToOpenIsNotClosedAndItsStateIsKept) {
  make();
  switch_->primaryOpened(false);
  EXPECT_EQ(switch_->active(), nullptr);
  EXPECT_TRUE(switch_->shouldSwitch(Status::unavailable("connect refused")));
  EXPECT_CALL(*primary_, checkpoint()).WillOnce(Return(StateMap{{"orders.ts", "17"}}));
  ASSERT_TRUE(switch_->switchToFallback(nullptr).isOk());  // no close() expected (strict mock)
  EXPECT_EQ(switch_->checkpoint(), (StateMap{{"orders.ts", "17"}}));
  EXPECT_CALL(*fallback_, close()).WillOnce(Return(Status::ok()));
  switch_->close([](bool, const Status&) {});
}

TEST_F(SourceSwitchTest, AFallbackThatCannotOpenFailsTheSwitch) {
  make(true, Status::failed("no last known state in kalshi.db: run a successful sync first"));
  switch_->primaryOpened(true);
  EXPECT_CALL(*primary_, checkpoint()).WillOnce(Return(StateMap{}));
  EXPECT_CALL(*primary_, close()).WillOnce(Return(Status::ok()));
  const Status status = switch_->switchToFallback(nullptr);
  EXPECT_EQ(status.code(), StatusCode::kFailed);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("run a successful sync first"));
  EXPECT_EQ(fallback_opens_, 1);
  EXPECT_FALSE(switch_->onFallback());
  EXPECT_EQ(switch_->active(), nullptr);
  switch_->close([](bool, const Status&) { ADD_FAILURE() << "nothing is open"; });
}

TEST_F(SourceSwitchTest, WithoutASwitchTheCheckpointIsThePrimarysAndCloseClosesIt) {
  make();
  switch_->primaryOpened(true);
  EXPECT_CALL(*primary_, checkpoint()).WillOnce(Return(StateMap{{"read", "3"}}));
  EXPECT_EQ(switch_->checkpoint(), (StateMap{{"read", "3"}}));
  EXPECT_CALL(*primary_, close()).WillOnce(Return(Status::ok()));
  int closes = 0;
  switch_->close([&](bool fallback, const Status& status) {
    EXPECT_FALSE(fallback);
    EXPECT_TRUE(status.isOk());
    ++closes;
  });
  switch_->close([&](bool, const Status&) { ++closes; });  // idempotent
  EXPECT_EQ(closes, 1);
}

}  // namespace
}  // namespace kalshi_direct

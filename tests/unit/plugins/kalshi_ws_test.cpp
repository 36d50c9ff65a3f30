// kalshi_ws's reading of WebSocket messages (ws_messages.h): the documented examples of Kalshi's
// 3.34 pages (ws-user-fills, ws-user-orders, ws-market-positions) become the records a REST page
// would give, exactly; replies and errors are told apart; what cannot be read says why.
#include <gtest/gtest.h>

#include "kalshi_direct/decimal.h"
#include "kalshi_direct/timestamp.h"
#include "ws_connection.h"
#include "ws_messages.h"

namespace kalshi_direct {
namespace kalshi {
namespace {

std::string text(const Record& record, const char* field) {
  const Value& value = record.get(field);
  if (const std::string* s = value.ifString()) return *s;
  if (const Decimal* d = value.ifDecimal()) return d->toString();
  if (const int64_t* i = value.ifInt()) return std::to_string(*i);
  if (const Timestamp* t = value.ifTimestamp()) return t->toIso8601();
  if (const bool* b = value.ifBool()) return *b ? "true" : "false";
  return value.isNull() ? "null" : "?";
}

TEST(KalshiWsMessages, TheDocumentedFillIsTheRestFill) {
  WsMessageReader reader;
  WsMessage message;
  std::string reason;
  ASSERT_TRUE(reader.read(R"({"type": "fill", "sending_ts_ms": 1671899397123, "sid": 13,
    "msg": {"trade_id": "d91bc706-ee49-470d-82d8-11418bda6fed",
            "order_id": "ee587a1c-8b87-4dcf-b721-9f6f790619fa", "client_order_id": "my-order-1",
            "market_ticker": "HIGHNY-22DEC23-B53.5", "exchange_index": 2, "is_taker": true,
            "side": "yes", "yes_price_dollars": "0.7500", "count_fp": "278.00",
            "fee_cost": "0.010000", "action": "buy", "ts": 1671899397, "ts_ms": 1671899397000,
            "post_position_fp": "500.00", "purchased_side": "yes", "outcome_side": "yes",
            "book_side": "bid", "subaccount": 3}})",
                          message, reason))
      << reason;
  EXPECT_EQ(message.kind, WsMessage::Kind::kData);
  EXPECT_EQ(message.stream, "fills");
  EXPECT_EQ(*message.sid, 13);
  EXPECT_FALSE(message.seq.has_value());  // 3.34 does not promise one
  const Record& fill = message.record;
  EXPECT_EQ(text(fill, "fill_id"), "d91bc706-ee49-470d-82d8-11418bda6fed");  // = REST's fill_id
  EXPECT_EQ(text(fill, "trade_id"), "d91bc706-ee49-470d-82d8-11418bda6fed");
  EXPECT_EQ(text(fill, "ticker"), "HIGHNY-22DEC23-B53.5");
  EXPECT_EQ(text(fill, "yes_price_dollars"), "0.7500");
  EXPECT_EQ(text(fill, "no_price_dollars"), "0.2500");  // derived exactly, as for REST
  EXPECT_EQ(text(fill, "count_fp"), "278.00");
  EXPECT_EQ(text(fill, "fee_cost"), "0.010000");
  EXPECT_EQ(text(fill, "subaccount_number"), "3");
  EXPECT_EQ(text(fill, "exchange_index"), "2");
  EXPECT_EQ(text(fill, "client_order_id"), "my-order-1");
  EXPECT_EQ(text(fill, "is_taker"), "true");
  EXPECT_EQ(fill.get("created_time").ifTimestamp()->micros(), 1671899397000LL * 1000);
}

TEST(KalshiWsMessages, AFillWithoutFeeOrMillisecondsTakesTheRestDefaults) {
  WsMessageReader reader;
  WsMessage message;
  std::string reason;
  ASSERT_TRUE(reader.read(R"({"type":"fill","sid":1,"seq":7,"msg":{"trade_id":"t1",
    "market_ticker":"X-1","side":"no","action":"sell","count_fp":"2","yes_price_dollars":"0.41",
    "ts":1700000000}})",
                          message, reason))
      << reason;
  EXPECT_EQ(*message.seq, 7);
  EXPECT_EQ(text(message.record, "fee_cost"), "0");  // the REST default
  EXPECT_EQ(text(message.record, "subaccount_number"), "0");
  EXPECT_EQ(message.record.get("created_time").ifTimestamp()->micros(), 1700000000LL * 1000000);
}

TEST(KalshiWsMessages, TheDocumentedOrderIsTheRestOrder) {
  WsMessageReader reader;
  WsMessage message;
  std::string reason;
  ASSERT_TRUE(reader.read(R"({"type": "user_order", "sending_ts_ms": 1669149841234, "sid": 22,
    "msg": {"order_id": "ee587a1c-8b87-4dcf-b721-9f6f790619fa",
            "user_id": "a1b2c3d4-e5f6-7890-abcd-ef1234567890", "ticker": "FED-23DEC-T3.00",
            "exchange_index": 2, "status": "resting", "side": "yes", "is_yes": true,
            "outcome_side": "yes", "book_side": "bid", "yes_price_dollars": "0.3500",
            "fill_count_fp": "0.00", "remaining_count_fp": "10.00", "initial_count_fp": "10.00",
            "taker_fill_cost_dollars": "0.000000", "maker_fill_cost_dollars": "0.000000",
            "taker_fees_dollars": "0.000000", "maker_fees_dollars": "0.000000",
            "client_order_id": "my-order-1", "order_group_id": "og_123",
            "self_trade_prevention_type": "taker_at_cross", "created_time": "2024-12-01T10:00:00Z",
            "created_ts_ms": 1733047200000, "expiration_time": "2024-12-01T11:00:00Z",
            "expiration_ts_ms": 1733050800000, "subaccount_number": 0}})",
                          message, reason))
      << reason;
  EXPECT_EQ(message.stream, "orders");
  EXPECT_EQ(text(message.record, "order_id"), "ee587a1c-8b87-4dcf-b721-9f6f790619fa");
  EXPECT_EQ(text(message.record, "status"), "resting");
  EXPECT_EQ(text(message.record, "remaining_count_fp"), "10.00");
  EXPECT_EQ(text(message.record, "client_order_id"), "my-order-1");
  EXPECT_EQ(text(message.record, "created_time"), "2024-12-01T10:00:00Z");
  EXPECT_EQ(text(message.record, "expiration_time"), "2024-12-01T11:00:00Z");
  EXPECT_TRUE(message.record.get("type").isNull());  // not in the message
}

TEST(KalshiWsMessages, TheDocumentedPositionIsAPositionUpdate) {
  WsMessageReader reader;
  WsMessage message;
  std::string reason;
  ASSERT_TRUE(reader.read(R"({"type": "market_position", "sending_ts_ms": 1669149841234,
    "sid": 14, "msg": {"user_id": "user123", "market_ticker": "FED-23DEC-T3.00",
    "position_fp": "100.00", "position_cost_dollars": "50.0000", "realized_pnl_dollars": "10.0000",
    "fees_paid_dollars": "1.0000", "position_fee_cost_dollars": "0.5000", "volume_fp": "15.00"}})",
                          message, reason))
      << reason;
  EXPECT_EQ(message.stream, "position_updates");
  EXPECT_EQ(text(message.record, "ticker"), "FED-23DEC-T3.00");
  EXPECT_EQ(text(message.record, "position_fp"), "100.00");
  EXPECT_EQ(text(message.record, "market_exposure_dollars"), "50.0000");
  EXPECT_EQ(text(message.record, "realized_pnl_dollars"), "10.0000");
  EXPECT_EQ(text(message.record, "fees_paid_dollars"), "1.0000");
  EXPECT_EQ(text(message.record, "subaccount_number"), "0");
  EXPECT_EQ(message.record.get("last_updated_ts").ifTimestamp()->micros(), 1669149841234LL * 1000);
}

TEST(KalshiWsMessages, RepliesAndErrorsAreToldApart) {
  WsMessageReader reader;
  WsMessage message;
  std::string reason;
  ASSERT_TRUE(reader.read(R"({"id":1,"type":"subscribed","msg":{"channel":"fill","sid":3}})",
                          message, reason));
  EXPECT_EQ(message.kind, WsMessage::Kind::kSubscribed);
  EXPECT_EQ(message.channel, "fill");
  EXPECT_EQ(*message.sid, 3);
  ASSERT_TRUE(reader.read(
      R"({"id":2,"type":"error","msg":{"code":8,"msg":"Unknown channel name"}})", message, reason));
  EXPECT_EQ(message.kind, WsMessage::Kind::kError);
  EXPECT_EQ(message.error, "code 8: Unknown channel name");
  ASSERT_TRUE(reader.read(R"({"type":"ticker","sid":9,"msg":{}})", message, reason));
  EXPECT_EQ(message.kind, WsMessage::Kind::kOther);
}

TEST(KalshiWsMessages, WhatCannotBeReadSaysWhyAndUnderWhichStream) {
  WsMessageReader reader;
  WsMessage message;
  std::string reason;
  EXPECT_FALSE(reader.read("not json", message, reason));
  EXPECT_EQ(reason, "a WebSocket message that is not JSON");
  EXPECT_TRUE(message.stream.empty());
  EXPECT_FALSE(reader.read(R"({"sid":1})", message, reason));
  EXPECT_EQ(reason, "a WebSocket message without a type");
  EXPECT_FALSE(reader.read(
      R"({"type":"fill","sid":1,"msg":{"trade_id":"t","market_ticker":"X","count_fp":"1",
          "side":"yes","action":"buy","yes_price_dollars":"1.5"}})",
      message, reason));
  EXPECT_EQ(message.stream, "fills");  // dead-lettered under its stream
  EXPECT_NE(reason.find("fill: "), std::string::npos) << reason;
  EXPECT_NE(reason.find("yes_price_dollars"), std::string::npos) << reason;
}

TEST(KalshiWsMessages, TheEndpointFollowsTheRestBaseUrl) {
  EXPECT_EQ(webSocketUrlFor("https://external-api.kalshi.com/trade-api/v2"),
            "wss://external-api.kalshi.com/trade-api/ws/v2");
  EXPECT_EQ(webSocketUrlFor("http://127.0.0.1:8090/trade-api/v2/"),
            "ws://127.0.0.1:8090/trade-api/ws/v2");
}

}  // namespace
}  // namespace kalshi
}  // namespace kalshi_direct

// The simulator's WebSocket endpoint (/trade-api/ws/v2) as a client sees it: the handshake's
// authentication, subscribe / unsubscribe and their errors, the private channels' messages next
// to what REST serves, the faults on demand, and the trader of --trade-rate.
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "sim_harness.h"

namespace ksim_test {
namespace {

using Poco::Net::WebSocket;

class Client {
 public:
  // Opens /trade-api/ws/v2 with the bearer token; throws Poco::Net::WebSocketException with the
  // HTTP status when the handshake is refused.
  Client(int port, const std::string& token)
      : session_("127.0.0.1", static_cast<Poco::UInt16>(port)),
        request_(Poco::Net::HTTPRequest::HTTP_GET, "/trade-api/ws/v2",
                 Poco::Net::HTTPMessage::HTTP_1_1) {
    if (!token.empty()) request_.set("Authorization", "Bearer " + token);
    ws_ = std::make_unique<WebSocket>(session_, request_, response_);
    ws_->setReceiveTimeout(Poco::Timespan(20, 0));  // a bound, never a pace
  }
  void send(const std::string& text) {
    ws_->sendFrame(text.data(), static_cast<int>(text.size()), WebSocket::FRAME_TEXT);
  }
  // The next text message (pings are answered and skipped); null when the connection ended.
  Object::Ptr next() {
    for (;;) {
      Poco::Buffer<char> frame(0);
      int flags = 0;
      int n = 0;
      try {
        n = ws_->receiveFrame(frame, flags);
      } catch (const Poco::Exception&) {
        return nullptr;
      }
      const int op = flags & WebSocket::FRAME_OP_BITMASK;
      if (n == 0 && flags == 0) return nullptr;
      if (op == WebSocket::FRAME_OP_CLOSE) return nullptr;
      if (op == WebSocket::FRAME_OP_PING) {
        ++pings;
        ws_->sendFrame(frame.begin(), n, WebSocket::FRAME_FLAG_FIN | WebSocket::FRAME_OP_PONG);
        continue;
      }
      if (op != WebSocket::FRAME_OP_TEXT) continue;
      Poco::JSON::Parser parser;
      return parser.parse(std::string(frame.begin(), frame.size())).extract<Object::Ptr>();
    }
  }
  // Subscribes to `channels`; returns channel -> sid.
  std::map<std::string, int> subscribe(const std::vector<std::string>& channels) {
    std::string list;
    for (const auto& channel : channels) list += (list.empty() ? "\"" : ",\"") + channel + "\"";
    send("{\"id\":1,\"cmd\":\"subscribe\",\"params\":{\"channels\":[" + list + "]}}");
    std::map<std::string, int> sids;
    for (size_t i = 0; i < channels.size(); ++i) {
      Object::Ptr answer = next();
      EXPECT_TRUE(answer);
      if (!answer) break;
      EXPECT_EQ(answer->getValue<std::string>("type"), "subscribed");
      EXPECT_EQ(answer->getValue<int>("id"), 1);
      Object::Ptr msg = answer->getObject("msg");
      sids[msg->getValue<std::string>("channel")] = msg->getValue<int>("sid");
    }
    return sids;
  }
  int pings = 0;

 private:
  Poco::Net::HTTPClientSession session_;
  Poco::Net::HTTPRequest request_;
  Poco::Net::HTTPResponse response_;
  std::unique_ptr<WebSocket> ws_;
};

int handshakeStatus(int port, const std::string& token) {
  try {
    Client client(port, token);
    return 101;
  } catch (const Poco::Net::WebSocketException& e) {
    return e.code() == WebSocket::WS_ERR_UNAUTHORIZED ? 401 : 0 - e.code();
  }
}

TEST(SimWebSocket, TheHandshakeNeedsTheSameAuthenticationAsTheRestApi) {
  Sim sim({"--fills", "200", "--bearer-token", "tok"});
  EXPECT_EQ(handshakeStatus(sim.port(), ""), 401);
  EXPECT_EQ(handshakeStatus(sim.port(), "wrong"), 401);
  EXPECT_EQ(handshakeStatus(sim.port(), "tok"), 101);
}

TEST(SimWebSocket, NewFillsOrdersAndPositionsArriveOnTheirChannelsAsRestServesThem) {
  Sim sim({"--fills", "200", "--anchor", "now"});
  Client client(sim.port(), "");
  const auto sids = client.subscribe({"fill", "user_orders", "market_positions"});
  ASSERT_EQ(sids.size(), 3u);
  EXPECT_EQ(
      std::set<int>({sids.at("fill"), sids.at("user_orders"), sids.at("market_positions")}).size(),
      3u);
  Object::Ptr added = sim.post_json("/admin/add-fills", "{\"count\":5}");
  const int fills = added->getValue<int>("added_fills");
  const int orders = added->getValue<int>("added_orders");
  std::vector<Object::Ptr> fill_messages, order_messages, position_messages;
  while (static_cast<int>(fill_messages.size()) < fills ||
         static_cast<int>(order_messages.size()) < orders || position_messages.empty()) {
    Object::Ptr message = client.next();
    ASSERT_TRUE(message) << "the connection ended early";
    const std::string type = message->getValue<std::string>("type");
    if (type == "fill") fill_messages.push_back(message);
    if (type == "user_order") order_messages.push_back(message);
    if (type == "market_position") position_messages.push_back(message);
    EXPECT_GT(message->getValue<int64_t>("sending_ts_ms"), 0);
  }
  // seq counts 1, 2, ... per subscription.
  for (size_t i = 0; i < fill_messages.size(); ++i) {
    EXPECT_EQ(fill_messages[i]->getValue<int>("sid"), sids.at("fill"));
    EXPECT_EQ(fill_messages[i]->getValue<int>("seq"), static_cast<int>(i) + 1);
  }
  // Every fill pushed is the newest fills of REST, by trade_id = fill_id, with the same amounts.
  std::vector<Object::Ptr> rest = sim.page_all("/trade-api/v2/portfolio/fills", "fills", 1000);
  ASSERT_GE(rest.size(), fill_messages.size());
  std::map<std::string, Object::Ptr> by_id;
  for (const auto& fill : rest) by_id[fill->getValue<std::string>("fill_id")] = fill;
  for (const auto& message : fill_messages) {
    Object::Ptr msg = message->getObject("msg");
    const std::string id = msg->getValue<std::string>("trade_id");
    ASSERT_TRUE(by_id.count(id)) << id << " is not served over REST";
    Object::Ptr fill = by_id[id];
    EXPECT_EQ(msg->getValue<std::string>("order_id"), fill->getValue<std::string>("order_id"));
    EXPECT_EQ(msg->getValue<std::string>("market_ticker"), fill->getValue<std::string>("ticker"));
    EXPECT_EQ(msg->getValue<std::string>("count_fp"), fill->getValue<std::string>("count_fp"));
    EXPECT_EQ(msg->getValue<std::string>("outcome_side"),
              fill->getValue<std::string>("outcome_side"));
    EXPECT_EQ(msg->getValue<int64_t>("ts"), fill->getValue<int64_t>("ts"));
    EXPECT_TRUE(msg->get("yes_price_dollars").isString());
    EXPECT_TRUE(msg->get("fee_cost").isString());
  }
  std::map<std::string, Object::Ptr> orders_by_id;
  for (const auto& order : sim.page_all("/trade-api/v2/portfolio/orders", "orders", 1000))
    orders_by_id[order->getValue<std::string>("order_id")] = order;
  for (const auto& message : order_messages) {
    Object::Ptr msg = message->getObject("msg");
    ASSERT_TRUE(orders_by_id.count(msg->getValue<std::string>("order_id")));
    Object::Ptr order = orders_by_id[msg->getValue<std::string>("order_id")];
    EXPECT_EQ(msg->getValue<std::string>("fill_count_fp"),
              order->getValue<std::string>("fill_count_fp"));
    EXPECT_EQ(msg->getValue<std::string>("status"), order->getValue<std::string>("status"));
  }
  // A position pushed is the position REST serves for its market and subaccount.
  int compared = 0;
  for (const auto& message : position_messages) {
    Object::Ptr position = message->getObject("msg");
    Object::Ptr served =
        sim.get_json("/trade-api/v2/portfolio/positions?settlement_status=all&ticker=" +
                     position->getValue<std::string>("market_ticker") +
                     "&subaccount=" + std::to_string(position->getValue<int>("subaccount")));
    Array::Ptr markets = served->getArray("market_positions");
    if (!markets || markets->size() != 1) continue;
    EXPECT_EQ(position->getValue<std::string>("position_fp"),
              markets->getObject(0)->getValue<std::string>("position_fp"));
    ++compared;
  }
  EXPECT_GT(compared, 0);
}

TEST(SimWebSocket, CommandsAreAnsweredAndBadOnesGetKalshisErrorCodes) {
  Sim sim({"--fills", "200"});
  Client client(sim.port(), "");
  const auto code = [&](const std::string& command) {
    client.send(command);
    Object::Ptr answer = client.next();
    if (!answer || answer->getValue<std::string>("type") != "error") return -1;
    return answer->getObject("msg")->getValue<int>("code");
  };
  EXPECT_EQ(code("not json"), 1);
  EXPECT_EQ(code("{\"id\":2,\"cmd\":\"subscribe\"}"), 2);
  EXPECT_EQ(code("{\"id\":3,\"cmd\":\"subscribe\",\"params\":{}}"), 3);
  EXPECT_EQ(code("{\"id\":4,\"cmd\":\"subscribe\",\"params\":{\"channels\":[\"nope\"]}}"), 8);
  EXPECT_EQ(code("{\"id\":5,\"cmd\":\"dance\",\"params\":{}}"), 5);
  EXPECT_EQ(code("{\"id\":6,\"cmd\":\"unsubscribe\",\"params\":{\"sids\":[99]}}"), 7);
  const int sid = client.subscribe({"fill"}).at("fill");
  client.send("{\"id\":7,\"cmd\":\"unsubscribe\",\"params\":{\"sids\":[" + std::to_string(sid) +
              "]}}");
  Object::Ptr answer = client.next();
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->getValue<std::string>("type"), "unsubscribed");
  EXPECT_EQ(answer->getValue<int>("sid"), sid);
  // Unsubscribed: new fills are not pushed; the next message is the answer to a new command.
  sim.post_json("/admin/add-fills", "{\"count\":2}");
  EXPECT_EQ(code("{\"id\":8,\"cmd\":\"dance\",\"params\":{}}"), 5);
}

TEST(SimWebSocket, FaultsSkipASeqDuplicateAMessageDropTheConnectionAndRefuseAHandshake) {
  Sim sim({"--fills", "200"});
  Client client(sim.port(), "");
  client.subscribe({"fill"});
  sim.post_json("/admin/ws-faults", "{\"skip_seq\":1,\"duplicate\":1}");
  sim.post_json("/admin/add-fills", "{\"count\":4}");
  std::vector<int> seqs;
  std::vector<std::string> ids;
  // Four fills: the first is skipped (a gap), the second sent twice.
  for (int i = 0; i < 4; ++i) {
    Object::Ptr message = client.next();
    ASSERT_TRUE(message);
    seqs.push_back(message->getValue<int>("seq"));
    ids.push_back(message->getObject("msg")->getValue<std::string>("trade_id"));
  }
  EXPECT_EQ(seqs, (std::vector<int>{2, 2, 3, 4}));
  EXPECT_EQ(ids[0], ids[1]);
  sim.post_json("/admin/ws-faults", "{\"drop\":1}");
  sim.post_json("/admin/add-fills", "{\"count\":1}");
  EXPECT_FALSE(client.next()) << "the connection was dropped";
  sim.post_json("/admin/ws-faults", "{\"refuse_handshakes\":1}");
  EXPECT_NE(handshakeStatus(sim.port(), ""), 101);
  EXPECT_EQ(handshakeStatus(sim.port(), ""), 101) << "one refusal only";
  HttpResult bad = sim.post("/admin/ws-faults", "{\"explode\":1}");
  EXPECT_EQ(bad.status, 400);
}

TEST(SimWebSocket, TheTraderMakesFillsOnTheStreamAndOverRestUntilItsRateIsZero) {
  TempDir tmp;
  const std::string truth_path = tmp.file("truth.json");
  Sim sim({"--fills", "200", "--anchor", "now", "--trade-rate", "100/s", "--ws-ping-ms", "50",
           "--dump-truth", truth_path});
  Client client(sim.port(), "");
  const int sid = client.subscribe({"fill"}).at("fill");
  std::set<std::string> streamed;
  while (streamed.size() < 5) {
    Object::Ptr message = client.next();
    ASSERT_TRUE(message);
    if (message->getValue<std::string>("type") != "fill") continue;
    EXPECT_EQ(message->getValue<int>("sid"), sid);
    streamed.insert(message->getObject("msg")->getValue<std::string>("trade_id"));
  }
  // Heartbeats: pings come between the messages (answered by next()).
  for (int i = 0; i < 5000 && client.pings < 2; ++i) ASSERT_TRUE(client.next());
  EXPECT_GE(client.pings, 2);
  Object::Ptr stopped = sim.post_json("/admin/trade-rate?rate=0", "");
  EXPECT_EQ(stopped->getValue<double>("trade_rate"), 0.0);
  const int64_t made = sim.get_json("/admin/live")->getValue<int64_t>("fills_made");
  EXPECT_GE(made, 5);
  // Every fill made is served over REST, and nothing more is made once the rate is 0.
  std::vector<Object::Ptr> rest = sim.page_all("/trade-api/v2/portfolio/fills", "fills", 1000);
  std::set<std::string> served;
  for (const auto& fill : rest) served.insert(fill->getValue<std::string>("fill_id"));
  for (const auto& id : streamed) EXPECT_TRUE(served.count(id)) << id;
  // The truth file holds every fill made once trading stopped.
  std::ifstream in(truth_path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  Poco::JSON::Parser parser;
  Object::Ptr truth = parser.parse(text.str()).extract<Object::Ptr>();
  EXPECT_EQ(truth->getObject("counts")->getValue<size_t>("live_fills"), rest.size());
  sim.post_json("/admin/add-fills", "{\"count\":1}");
  EXPECT_EQ(sim.get_json("/admin/live")->getValue<int64_t>("fills_made"), made + 1);
  EXPECT_EQ(sim.post("/admin/trade-rate?rate=-1", "").status, 400);
  EXPECT_EQ(sim.post("/admin/trade-rate", "").status, 400);
  EXPECT_EQ(sim.post("/admin/trade-rate?xrate=5", "").status, 400) << "rate is a parameter name";
}

}  // namespace
}  // namespace ksim_test

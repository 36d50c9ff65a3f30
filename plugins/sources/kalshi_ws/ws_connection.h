// WsConnection: one WebSocket connection to Kalshi's private channels (/trade-api/ws/v2).
//
// - The handshake is a GET of the endpoint carrying the same authentication headers as a REST
//   request (RSA-PSS signature over "<ms>GET/trade-api/ws/v2", or a bearer token), over ws:// or
//   wss:// with the client's TLS settings (makeHttpSession: system CAs or ca_file, strict
//   verification unless `insecure`). A 401/403 is kUnauthenticated (never retried); anything else
//   that keeps the connection from opening is kUnavailable with one line saying why.
// - receive() waits for the next text frame up to a timeout, answering the server's pings itself
//   (Kalshi pings every 10 s with "heartbeat"); every frame, control frames included, counts as a
//   sign of life (lastFrame()). A close frame, a reset or a broken frame is kUnavailable.
// - Frames larger than kMaxFrameBytes end the connection: a runaway message is an error, not a
//   memory spike.
// Not thread-safe: one owner (the kalshi_ws source), one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "kalshi/api_client.h"
#include "kalshi/auth.h"
#include "kalshi_direct/status.h"

namespace Poco {
namespace Net {
class HTTPClientSession;
class WebSocket;
}  // namespace Net
}  // namespace Poco

namespace kalshi_direct {
namespace kalshi {

class WsConnection {
 public:
  static constexpr int kMaxFrameBytes = 4 << 20;
  using Clock = std::chrono::steady_clock;

  // Opens the connection to `url` (ws:// or wss://; the path is what gets signed). `client` gives
  // the TLS settings and the connect timeout; `auth` may be null (no credentials).
  static Status open(const std::string& url, const ClientConfig& client, const Authenticator* auth,
                     std::unique_ptr<WsConnection>& out);
  ~WsConnection();

  // Sends one text frame (a command). kUnavailable when the connection is gone.
  Status send(const std::string& text);
  // Waits up to `timeout_ms` for a text frame: kOk with `text` set and `got` true, or kOk with
  // `got` false when none came in time (pings answered meanwhile). kUnavailable when the server
  // closed the connection or it broke.
  Status receive(int64_t timeout_ms, std::string& text, bool& got);
  // When the last frame of any kind arrived (or the connection opened).
  Clock::time_point lastFrame() const { return last_frame_; }
  // Sends a close frame (best effort) and closes the socket.
  void close();

 private:
  WsConnection() = default;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  std::unique_ptr<Poco::Net::WebSocket> socket_;
  Clock::time_point last_frame_;
  bool closed_ = false;
};

// The WebSocket endpoint of a REST base URL: http(s)://host/trade-api/v2 ->
// ws(s)://host/trade-api/ws/v2 (Kalshi's layout, production and demo alike).
std::string webSocketUrlFor(const std::string& base_url);

}  // namespace kalshi
}  // namespace kalshi_direct

#include "ws_connection.h"

#include <Poco/Buffer.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/URI.h>

#include <cstring>

#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace kalshi {

std::string webSocketUrlFor(const std::string& base_url) {
  Poco::URI uri(base_url);
  uri.setScheme(uri.getScheme() == "https" ? "wss" : "ws");
  std::string path = uri.getPath();
  while (!path.empty() && path.back() == '/') path.pop_back();
  // .../trade-api/v2 -> .../trade-api/ws/v2
  const auto slash = path.rfind('/');
  const std::string version = slash == std::string::npos ? "v2" : path.substr(slash + 1);
  const std::string root = slash == std::string::npos ? std::string() : path.substr(0, slash);
  uri.setPath(root + "/ws/" + (version.empty() ? "v2" : version));
  uri.setQuery("");
  return uri.toString();
}

Status WsConnection::open(const std::string& url, const ClientConfig& client,
                          const Authenticator* auth, std::unique_ptr<WsConnection>& out) {
  Poco::URI uri;
  try {
    uri = Poco::URI(url);
  } catch (const std::exception&) {
    return Status::invalidConfig("'" + url + "' is not a WebSocket URL");
  }
  if ((uri.getScheme() != "ws" && uri.getScheme() != "wss") || uri.getHost().empty())
    return Status::invalidConfig("'" + url + "' is not a ws:// or wss:// URL");
  const std::string path = uri.getPath().empty() ? "/" : uri.getPath();
  std::unique_ptr<WsConnection> connection(new WsConnection());
  Poco::Net::HTTPResponse response;
  try {
    connection->session_ = makeHttpSession(client, uri.getScheme(), uri.getHost(), uri.getPort());
    Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, path,
                                   Poco::Net::HTTPMessage::HTTP_1_1);
    if (auth) {
      for (const auto& [name, value] : auth->headers("GET", path, Timestamp::now().micros() / 1000))
        request.set(name, value);
    }
    connection->socket_ =
        std::make_unique<Poco::Net::WebSocket>(*connection->session_, request, response);
    connection->socket_->setMaxPayloadSize(kMaxFrameBytes);
    connection->socket_->setReceiveTimeout(Poco::Timespan(client.read_timeout_ms * 1000));
    connection->socket_->setSendTimeout(Poco::Timespan(client.read_timeout_ms * 1000));
  } catch (const Poco::Net::WebSocketException& error) {
    const int code = static_cast<int>(response.getStatus());
    const std::string where = "WebSocket handshake with " + uri.getHost() + path;
    if (code == 401 || code == 403) {
      return Status::unauthenticated(where + ": HTTP " + std::to_string(code) +
                                     " (the API refused the credentials)");
    }
    return Status::unavailable(where + ": " +
                               (code >= 200 && code != 101 ? "HTTP " + std::to_string(code)
                                                           : std::string(error.displayText())));
  } catch (const Poco::Exception& error) {
    return Status::unavailable("WebSocket connection to " + uri.getHost() + ":" +
                               std::to_string(uri.getPort()) + " failed: " + error.displayText());
  } catch (const std::exception& error) {
    return Status::unavailable("WebSocket connection to " + uri.getHost() +
                               " failed: " + error.what());
  }
  connection->last_frame_ = Clock::now();
  out = std::move(connection);
  return Status::ok();
}

WsConnection::~WsConnection() { close(); }

Status WsConnection::send(const std::string& text) {
  if (closed_ || !socket_) return Status::unavailable("the WebSocket connection is closed");
  try {
    socket_->sendFrame(text.data(), static_cast<int>(text.size()),
                       Poco::Net::WebSocket::FRAME_TEXT);
  } catch (const std::exception& error) {
    closed_ = true;
    return Status::unavailable(std::string("WebSocket send failed: ") + error.what());
  }
  return Status::ok();
}

Status WsConnection::receive(int64_t timeout_ms, std::string& text, bool& got) {
  got = false;
  if (closed_ || !socket_) return Status::unavailable("the WebSocket connection is closed");
  const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  try {
    for (;;) {
      const auto left =
          std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
      // TLS may hold a decrypted frame the socket no longer shows as readable.
      if (socket_->available() <= 0 &&
          !socket_->poll(Poco::Timespan(std::max<int64_t>(0, left.count())),
                         Poco::Net::Socket::SELECT_READ | Poco::Net::Socket::SELECT_ERROR)) {
        return Status::ok();
      }
      Poco::Buffer<char> buffer(0);
      int flags = 0;
      const int n = socket_->receiveFrame(buffer, flags);
      last_frame_ = Clock::now();
      const int opcode = flags & Poco::Net::WebSocket::FRAME_OP_BITMASK;
      if (n == 0 && flags == 0) {
        closed_ = true;
        return Status::unavailable("the server closed the WebSocket connection");
      }
      if (opcode == Poco::Net::WebSocket::FRAME_OP_CLOSE) {
        closed_ = true;
        return Status::unavailable("the server closed the WebSocket connection");
      }
      if (opcode == Poco::Net::WebSocket::FRAME_OP_PING) {
        socket_->sendFrame(
            buffer.begin(), n,
            Poco::Net::WebSocket::FRAME_FLAG_FIN | Poco::Net::WebSocket::FRAME_OP_PONG);
      } else if (opcode == Poco::Net::WebSocket::FRAME_OP_TEXT ||
                 opcode == Poco::Net::WebSocket::FRAME_OP_CONT ||
                 opcode == Poco::Net::WebSocket::FRAME_OP_BINARY) {
        text.assign(buffer.begin(), static_cast<size_t>(n));
        got = true;
        return Status::ok();
      }
      if (Clock::now() >= deadline) return Status::ok();
    }
  } catch (const std::exception& error) {
    closed_ = true;
    return Status::unavailable(std::string("WebSocket receive failed: ") + error.what());
  }
}

void WsConnection::close() {
  if (!socket_) return;
  if (!closed_) {
    try {
      socket_->shutdown();  // a close frame
    } catch (...) {
    }
  }
  try {
    socket_->close();
  } catch (...) {
  }
  socket_.reset();
  closed_ = true;
}

}  // namespace kalshi
}  // namespace kalshi_direct

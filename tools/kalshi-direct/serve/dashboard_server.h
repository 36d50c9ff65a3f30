// DashboardServer: the HTTP side of `kalshi-direct serve` (Poco's HTTPServer): the embedded page
// (web_assets.h), the JSON API (dashboard_api.h), server-sent events that tell open pages when the
// data changed, /healthz and /metrics.
//
// Contract:
// - The database is only ever opened read-only, one connection per concurrent request (a small
//   pool), each request one read transaction: an answer never mixes two commits.
// - With a token, every request must carry it (Authorization: Bearer, or the HttpOnly cookie that
//   GET /?token=... sets before redirecting to the page without it); otherwise 401. The token is
//   compared in constant time and never echoed, logged or stored.
// - Every answer has a Content-Security-Policy without inline script, nosniff, no-referrer and
//   DENY framing; API answers are not cached.
// - Only GET and HEAD: anything else is 405. An error answer is one line of JSON.
// - /api/v1/events: text/event-stream; an "update" event with the data version on connecting and
//   whenever it changes (a background thread polls dataVersion() every 500 ms), a comment every
//   15 s. At most kMaxEventStreams at once (503 beyond: the page falls back to polling).
// - Accounts: on a PostgreSQL database of several (public.kd_accounts), every API call and the
//   event stream take account=NAME; GET /api/v1/accounts lists them and names the one shown
//   without it (the location's account, else "default" when there is one, else the first). Each
//   account has its own connections, kept answers and version. An unknown or malformed account,
//   or any account on a SQLite file, is a one-line 400.
// - stop() ends the event streams and the server; it returns when every request thread is done.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "dashboard_api.h"

namespace kalshi_direct {
namespace serve {

struct ServerOptions {
  std::string db;  // the store's location (with a PostgreSQL URL, the account shown by default)
  std::string bind = "127.0.0.1";
  int port = 8080;    // 0: any free port (port() tells which)
  std::string token;  // empty: none needed (loopback only; serve_command.h checks)
  ApiSettings api;
};

class DashboardServer {
 public:
  static constexpr int kMaxEventStreams = 16;
  static constexpr int kMaxThreads = 64;  // connections served at once (streams included)

  explicit DashboardServer(ServerOptions options);
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  // Binds and starts serving. Throws std::runtime_error with one line (the address in use...).
  void start();
  int port() const;
  void stop();
  // Wakes the event streams now (after a sync committed) instead of at the next poll.
  void notifyChanged();

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace serve
}  // namespace kalshi_direct

// HTTP layer: routes /trade-api/v2/... to the account, /admin/... to the control API, and
// applies auth, faults and statistics.
#pragma once

#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "auth.h"
#include "data_source.h"
#include "faults.h"
#include "live.h"

namespace ksim {

// Threads that hold stalled requests (stall_after_requests, stall_paths). A stalled request's
// connection is taken from Poco's worker (detached) and waits on one of these, so held requests
// never occupy the HTTP worker pool and /admin stays served however many are held.
class StallThreads {
 public:
  StallThreads() = default;
  StallThreads(const StallThreads&) = delete;
  StallThreads& operator=(const StallThreads&) = delete;
  ~StallThreads() { join_all(); }
  void start(std::function<void()> fn);
  void join_all();  // after Faults::shutdown(), so that every holder returns

 private:
  std::mutex mu_;
  std::map<std::uint64_t, std::thread> running_;
  std::vector<std::uint64_t> finished_;
  std::uint64_t next_ = 0;
};

struct ServerContext {
  DataSource* account = nullptr;
  std::shared_mutex account_mutex;  // shared for reads, exclusive for add-fills
  Authenticator* auth = nullptr;
  Faults* faults = nullptr;
  Stats* stats = nullptr;
  std::string truth_path;  // rewritten after add-fills when set
  bool verbose = false;
  Shapes shapes = Shapes::Current;
  std::string usage_tier = "basic";           // GET /account/limits
  std::map<std::string, int> endpoint_costs;  // "GET /portfolio/orders" -> tokens
  bool withdrawals_404_when_none = false;     // GET /portfolio/withdrawals quirk
  StallThreads stall_threads;
  LiveHub* live = nullptr;       // the WebSocket side (live.h)
  LiveTrader* trader = nullptr;  // --trade-rate, POST /admin/trade-rate
};

// Ends every held request (their connections are closed unanswered) and joins their threads.
// Call after the HTTP server stopped, before the context goes away.
void stop_held_requests(ServerContext& ctx);

// Writes the truth file atomically (temp file + rename). Returns "" or an error message.
std::string write_file_atomically(const std::string& path, const std::string& content);

class HandlerFactory : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit HandlerFactory(ServerContext& ctx) : ctx_(ctx) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest& request) override;

 private:
  ServerContext& ctx_;
};

}  // namespace ksim

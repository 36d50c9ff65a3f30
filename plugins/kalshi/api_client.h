// ApiClient: GET requests to the Kalshi trade API with everything a long unattended run needs.
//
// - One keep-alive connection (Poco HTTPClientSession / HTTPSClientSession), reconnected on error.
// - TLS verification on by default (system CAs, or `ca_file`); `insecure` turns it off (callers
//   warn). Connect and read timeouts.
// - A client-side token bucket (RateLimiter) before every request.
// - Retries of connection errors, timeouts, truncated bodies, bodies the caller's validator rejects
//   (malformed JSON), 429 and 5xx, with exponential backoff and full jitter; Retry-After is
//   honoured when a proxy sends one (Kalshi does not). Bounded by max_attempts AND max_retry_time,
//   which also bounds each attempt as a whole: a body that trickles in byte by byte ends the
//   request (kUnavailable) when the budget is spent, whatever the per-read timeout.
// - A body larger than max_response_bytes is refused (kFailed) without being kept.
// - Errors come back as one line with the method, path and the API's own code/message, parsed from
//   either error shape ({"code","message","details"} or {"error":{...}} / {"error":"..."}):
//     kUnauthenticated  401, and 403 naming the key scope the read needs (never retried, never a
//                       reason to fall back)
//     kUnavailable      network errors, timeouts, 429/5xx after the retries ran out
//     kFailed           other 4xx, TLS certificate failures
// - A stop (stop_requested turning true) ends the request in flight within ~50 ms, even one the
//   server holds open: a watcher thread shuts the socket down. get() then, and every get() after,
//   returns kUnavailable "stopped" at once without a request; callers stop, keeping what they had.
// Not thread-safe: one client per thread (the watcher is internal); clients sharing a token bucket
// (shareRateLimit) may run on different threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kalshi/auth.h"
#include "kalshi/rate_limiter.h"
#include "kalshi_direct/status.h"

namespace Poco {
namespace Net {
class HTTPClientSession;
}
}  // namespace Poco

namespace kalshi_direct {
namespace kalshi {

struct ClientConfig {
  std::string base_url = "https://external-api.kalshi.com/trade-api/v2";
  double tokens_per_second = 200;  // Basic tier
  double read_cost = 10;
  int64_t connect_timeout_ms = 10000;
  int64_t read_timeout_ms = 30000;
  int max_attempts = 8;                // per request, including the first
  int64_t max_retry_time_ms = 120000;  // per request: give up retrying after this long
  int64_t initial_backoff_ms = 250;
  int64_t max_backoff_ms = 20000;
  bool insecure = false;
  std::string ca_file;
  int64_t max_response_bytes = 64ll << 20;  // a larger body is an error (0: no limit)
};

using Query = std::vector<std::pair<std::string, std::string>>;

using BodyValidator = std::function<bool(const std::string& body, std::string& why)>;

// What a reader of the Kalshi API uses of a client: the seam the sources are tested through
// (tests/mocks/mock_kalshi_api.h); ApiClient is the real one.
class KalshiApi {
 public:
  virtual ~KalshiApi() = default;
  // GET <base path><path>?<query>. On 2xx whose body passes `validate` (may be empty) fills `body`.
  // `validate` returns false with a reason for a body that must be re-fetched
  // (truncated/malformed). kUnavailable once the retries are spent, kUnauthenticated for
  // credentials the API refuses, kFailed for an answer that retrying cannot fix.
  virtual Status get(const std::string& path, const Query& query, std::string& body,
                     const BodyValidator& validate = {}) = 0;
  // Sizes the token bucket from the account (GET /account/limits and /account/endpoint_costs):
  // refill tokens per second, bucket capacity, the default cost of a read and the paths (from the
  // API root, e.g. "/portfolio/orders") whose reads cost something else.
  virtual void setRateLimit(double tokens_per_second, double capacity, double default_cost,
                            std::vector<std::pair<std::string, double>> endpoint_costs) = 0;
  // The HTTP status of the last response get() received (0 when none: a network error).
  virtual int lastHttpStatus() const = 0;

  // Observers: counters ("http_requests", "http_retries", "http_429", "http_5xx"), debug lines
  // (one per retry: "GET /x: 503; retry 2 in 400 ms") and a stop flag that cuts backoff sleeps and
  // requests in flight short. stop_requested is called from get()'s thread and, while a request
  // is in flight (only then), from the watcher thread. Each may be null.
  std::function<void(const std::string&, uint64_t)> on_counter;
  std::function<void(const std::string&)> on_debug;
  std::function<bool()> stop_requested;
};
using KalshiApiPtr = std::unique_ptr<KalshiApi>;

class ApiClient final : public KalshiApi {
 public:
  // Validates the base URL (http or https, a host) and sets up TLS. `auth` may be null.
  static Status create(const ClientConfig& config, AuthenticatorPtr auth,
                       std::unique_ptr<ApiClient>& out);
  ~ApiClient() override;

  Status get(const std::string& path, const Query& query, std::string& body,
             const BodyValidator& validate = {}) override;
  void setRateLimit(double tokens_per_second, double capacity, double default_cost,
                    std::vector<std::pair<std::string, double>> endpoint_costs) override;
  int lastHttpStatus() const override { return last_http_status_; }

  // Makes this client draw its requests from `other`'s token bucket (and its endpoint costs), as
  // sized now: a second connection of one reader (PageFetcher) stays within the account's one
  // limit. Call after `other`'s setRateLimit().
  void shareRateLimit(const ApiClient& other) {
    limiter_ = other.limiter_;
    endpoint_costs_ = other.endpoint_costs_;
  }
  // True once a stop ended (or prevented) a request.
  bool stopped() const { return stopped_; }
  uint64_t requests() const { return requests_; }
  const std::string& basePath() const { return base_path_; }

 private:
  ApiClient() = default;
  void count(const std::string& name, uint64_t delta = 1) {
    if (on_counter) on_counter(name, delta);
  }
  void resetSession();
  bool stopNow();  // stop_requested() (and remembers it)
  // The watcher: while a request is in flight (armed with its socket), polls stop_requested every
  // 50 ms and shuts the socket down when it turns true.
  void arm(int socket);
  void disarm();
  void watch();
  enum class BodyRead { kComplete, kTooSlow, kTooLarge };
  // Reads the body until its end, the deadline, or max_response_bytes, whichever comes first.
  BodyRead readBody(std::istream& stream, std::string& body,
                    std::chrono::steady_clock::time_point deadline) const;

  ClientConfig config_;
  AuthenticatorPtr auth_;
  std::shared_ptr<RateLimiter> limiter_;  // shared by clients of one reader (shareRateLimit)
  std::vector<std::pair<std::string, double>> endpoint_costs_;  // path -> tokens per read
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  std::string scheme_, host_, base_path_;
  uint16_t port_ = 0;
  uint64_t requests_ = 0;
  int last_http_status_ = 0;
  std::atomic<bool> stopped_{false};
  std::mutex watch_mutex_;
  std::condition_variable watch_wake_;
  int armed_socket_ = -1;  // guarded by watch_mutex_
  bool closing_ = false;   // guarded by watch_mutex_
  std::thread watcher_;
};

// A session to `host`:`port` with the client's TLS settings (https and wss: system CAs or ca_file,
// strict verification unless `insecure`) and its connect/read timeouts. ApiClient's and
// kalshi_ws's one way to reach the exchange.
std::unique_ptr<Poco::Net::HTTPClientSession> makeHttpSession(const ClientConfig& config,
                                                              const std::string& scheme,
                                                              const std::string& host,
                                                              uint16_t port);

// Parses either Kalshi error shape into "code: message (details)"; falls back to the first 200
// characters of the body.
std::string describeErrorBody(const std::string& body);

}  // namespace kalshi
}  // namespace kalshi_direct

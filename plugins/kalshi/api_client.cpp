#include "kalshi/api_client.h"

#include <Poco/DateTimeParser.h>
#include <Poco/Exception.h>
#include <Poco/Net/AcceptCertificateHandler.h>
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/HTTPSClientSession.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/RejectCertificateHandler.h>
#include <Poco/Net/SSLException.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Timespan.h>
#include <Poco/URI.h>
#include <simdjson.h>
#include <sys/socket.h>

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

namespace kalshi_direct {
namespace kalshi {

namespace {

int64_t unixMillisNow() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string urlEncode(const std::string& text) {
  std::string out;
  Poco::URI::encode(text, "!#$&'()*+,/:;=?@[] ", out);
  return out;
}

// Retry-After: delta seconds or an HTTP date. Returns -1 when absent or unparseable.
int64_t retryAfterMillis(const Poco::Net::HTTPResponse& response) {
  if (!response.has("Retry-After")) return -1;
  const std::string value = response.get("Retry-After");
  try {
    return static_cast<int64_t>(std::stod(value) * 1000);
  } catch (...) {
  }
  try {
    int tz = 0;
    const Poco::DateTime when = Poco::DateTimeParser::parse(value, tz);
    const int64_t delta = (when.timestamp().epochMicroseconds() / 1000) - unixMillisNow();
    return delta > 0 ? delta : 0;
  } catch (...) {
    return -1;
  }
}

std::once_flag g_ssl_once;

// The key scope a read of `path` needs, as a person can act on it ("read::portfolio_balance").
std::string readScopeFor(const std::string& path) {
  // Kalshi names fine-grained scopes per area, e.g. read::portfolio_balance.
  if (path.rfind("/portfolio/balance", 0) == 0) return "read::portfolio_balance";
  if (path.rfind("/portfolio/", 0) == 0 || path.rfind("/historical/", 0) == 0 ||
      path.rfind("/account/", 0) == 0) {
    return "a read scope covering " + path;
  }
  return "read access to " + path;
}

}  // namespace

std::string describeErrorBody(const std::string& body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (!body.empty() && parser.parse(body).get(root) == simdjson::SUCCESS && root.is_object()) {
    simdjson::dom::element error = root;
    simdjson::dom::element nested;
    if (root["error"].get(nested) == simdjson::SUCCESS) {
      std::string_view text;
      if (nested.get_string().get(text) == simdjson::SUCCESS) return std::string(text);
      if (nested.is_object()) error = nested;
    }
    std::string_view code, message, details;
    const bool has_code = error["code"].get_string().get(code) == simdjson::SUCCESS;
    const bool has_message = error["message"].get_string().get(message) == simdjson::SUCCESS;
    const bool has_details = error["details"].get_string().get(details) == simdjson::SUCCESS;
    if (has_code || has_message) {
      std::string out = has_code ? std::string(code) : std::string();
      if (has_message) out += (out.empty() ? "" : ": ") + std::string(message);
      if (has_details && !details.empty()) out += " (" + std::string(details) + ")";
      return out;
    }
  }
  std::string snippet = body.substr(0, 200);
  for (char& c : snippet) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  return snippet.empty() ? "empty body" : snippet;
}

Status ApiClient::create(const ClientConfig& config, AuthenticatorPtr auth,
                         std::unique_ptr<ApiClient>& out) {
  Poco::URI uri;
  try {
    uri = Poco::URI(config.base_url);
  } catch (const Poco::Exception&) {
    return Status::invalidConfig("base_url '" + config.base_url + "' is not a URL");
  }
  if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty()) {
    return Status::invalidConfig("base_url '" + config.base_url +
                                 "' must be an http:// or https:// URL with a host");
  }
  std::unique_ptr<ApiClient> client(new ApiClient());
  client->config_ = config;
  client->auth_ = std::move(auth);
  client->limiter_ = std::make_shared<RateLimiter>(config.tokens_per_second, config.read_cost);
  client->scheme_ = uri.getScheme();
  client->host_ = uri.getHost();
  client->port_ = uri.getPort();
  client->base_path_ = uri.getPath();
  while (!client->base_path_.empty() && client->base_path_.back() == '/')
    client->base_path_.pop_back();
  if (client->scheme_ == "https") {
    std::call_once(g_ssl_once, [] { Poco::Net::initializeSSL(); });
  }
  try {
    client->resetSession();
  } catch (const Poco::Exception& error) {
    return Status::invalidConfig(
        "TLS set-up failed: " + error.displayText() +
        (config.ca_file.empty() ? "" : " (check ca_file '" + config.ca_file + "')"));
  }
  out = std::move(client);
  return Status::ok();
}

ApiClient::~ApiClient() {
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    closing_ = true;
  }
  watch_wake_.notify_all();
  if (watcher_.joinable()) watcher_.join();
}

bool ApiClient::stopNow() {
  if (!stopped_ && stop_requested && stop_requested()) stopped_ = true;
  return stopped_;
}

void ApiClient::arm(int socket) {
  if (!stop_requested) return;
  {
    std::lock_guard<std::mutex> lock(watch_mutex_);
    armed_socket_ = socket;
    if (!watcher_.joinable()) watcher_ = std::thread([this] { watch(); });
  }
  watch_wake_.notify_all();
}

void ApiClient::disarm() {
  std::lock_guard<std::mutex> lock(watch_mutex_);
  armed_socket_ = -1;
}

void ApiClient::watch() {
  std::unique_lock<std::mutex> lock(watch_mutex_);
  while (!closing_) {
    if (armed_socket_ < 0) {
      watch_wake_.wait(lock);
      continue;
    }
    // Under the lock: get() cannot disarm (and return to a caller whose context may go away)
    // while stop_requested runs here.
    if (stop_requested()) {
      stopped_ = true;
      // Wakes the blocked read or write in get() (an EOF or an error there); the fd stays open
      // until the session closes it, so it cannot be reused meanwhile.
      ::shutdown(armed_socket_, SHUT_RDWR);
      armed_socket_ = -1;
      continue;
    }
    watch_wake_.wait_for(lock, std::chrono::milliseconds(50));
  }
}

std::unique_ptr<Poco::Net::HTTPClientSession> makeHttpSession(const ClientConfig& config,
                                                              const std::string& scheme,
                                                              const std::string& host,
                                                              uint16_t port) {
  std::unique_ptr<Poco::Net::HTTPClientSession> session;
  if (scheme == "https" || scheme == "wss") {
    Poco::Net::Context::Ptr context = new Poco::Net::Context(
        Poco::Net::Context::TLS_CLIENT_USE, "", "", config.ca_file,
        // STRICT, not RELAXED: Poco skips the hostname check for loopback hosts unless strict,
        // which would let a certificate for another name through a local tunnel or proxy.
        config.insecure ? Poco::Net::Context::VERIFY_NONE : Poco::Net::Context::VERIFY_STRICT, 9,
        config.ca_file.empty(), "ALL:!ADH:!LOW:!EXP:!MD5:@STRENGTH");
    // Never prompt on a console: a certificate that does not verify is refused (or, with
    // `insecure`, accepted), decided here and nowhere else.
    Poco::SharedPtr<Poco::Net::InvalidCertificateHandler> handler;
    if (config.insecure) {
      handler = new Poco::Net::AcceptCertificateHandler(false);
    } else {
      handler = new Poco::Net::RejectCertificateHandler(false);
    }
    Poco::Net::SSLManager::instance().initializeClient(nullptr, handler, context);
    session = std::make_unique<Poco::Net::HTTPSClientSession>(host, port, context);
  } else {
    session = std::make_unique<Poco::Net::HTTPClientSession>(host, port);
  }
  session->setKeepAlive(true);
  session->setTimeout(Poco::Timespan(config.connect_timeout_ms * 1000),
                      Poco::Timespan(config.read_timeout_ms * 1000),
                      Poco::Timespan(config.read_timeout_ms * 1000));
  return session;
}

void ApiClient::resetSession() { session_ = makeHttpSession(config_, scheme_, host_, port_); }

void ApiClient::setRateLimit(double tokens_per_second, double capacity, double default_cost,
                             std::vector<std::pair<std::string, double>> endpoint_costs) {
  // The exchange's bucket already paid for this client's requests so far (the limits lookup
  // itself): the new bucket starts that much short of full, or its first burst would overshoot.
  limiter_ = std::make_shared<RateLimiter>(tokens_per_second, default_cost, capacity,
                                           static_cast<double>(requests_) * default_cost);
  endpoint_costs_ = std::move(endpoint_costs);
}

ApiClient::BodyRead ApiClient::readBody(std::istream& stream, std::string& body,
                                        std::chrono::steady_clock::time_point deadline) const {
  // Byte by byte would be slow and a big read() waits for all of it: get() waits for the next
  // byte (bounded by the socket's read timeout), readsome() takes what has already arrived.
  body.clear();
  char buffer[64 * 1024];
  while (true) {
    if (std::chrono::steady_clock::now() >= deadline) return BodyRead::kTooSlow;
    const int next = stream.get();
    if (next == std::char_traits<char>::eof()) return BodyRead::kComplete;
    body.push_back(static_cast<char>(next));
    const std::streamsize more = stream.readsome(buffer, sizeof buffer);
    if (more > 0) body.append(buffer, static_cast<size_t>(more));
    if (config_.max_response_bytes > 0 &&
        static_cast<int64_t>(body.size()) > config_.max_response_bytes) {
      return BodyRead::kTooLarge;
    }
  }
}

Status ApiClient::get(const std::string& path, const Query& query, std::string& body,
                      const std::function<bool(const std::string&, std::string&)>& validate) {
  const std::string full_path = base_path_ + path;
  std::string target = full_path;
  for (size_t i = 0; i < query.size(); ++i) {
    target += (i == 0 ? "?" : "&") + urlEncode(query[i].first) + "=" + urlEncode(query[i].second);
  }
  const std::string what = "GET " + full_path;
  static thread_local std::mt19937_64 jitter(std::random_device{}());
  const auto started = std::chrono::steady_clock::now();
  int64_t backoff = config_.initial_backoff_ms;
  std::string last_problem;
  Status last_status;

  for (int attempt = 1;; ++attempt) {
    if (stopNow()) {
      last_http_status_ = 0;
      return Status::unavailable(what + ": stopped (stop requested)");
    }
    // No single attempt may outlast the retry budget: cap its timeouts by what is left of it.
    {
      const int64_t spent = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::steady_clock::now() - started)
                                .count();
      const int64_t left = std::max<int64_t>(1000, config_.max_retry_time_ms - spent);
      session_->setTimeout(Poco::Timespan(std::min(config_.connect_timeout_ms, left) * 1000),
                           Poco::Timespan(std::min(config_.read_timeout_ms, left) * 1000),
                           Poco::Timespan(std::min(config_.read_timeout_ms, left) * 1000));
    }
    double cost = 0;  // the default
    for (const auto& [endpoint, endpoint_cost] : endpoint_costs_) {
      if (endpoint == path || endpoint == full_path) cost = endpoint_cost;  // either spelling
    }
    limiter_->acquire(cost);
    ++requests_;
    count("http_requests");
    int64_t server_wait = -1;
    bool retryable = false;
    last_http_status_ = 0;
    try {
      Poco::Net::HTTPRequest request(Poco::Net::HTTPRequest::HTTP_GET, target,
                                     Poco::Net::HTTPMessage::HTTP_1_1);
      request.set("Accept", "application/json");
      request.set("User-Agent", "kalshi-direct/0.1");
      if (auth_) {
        for (const auto& [name, value] : auth_->headers("GET", full_path, unixMillisNow())) {
          // Credentials are checked when they are read; this keeps any other path honest too.
          if (value.find_first_of("\r\n") != std::string::npos) {
            return Status::invalidConfig("the " + name +
                                         " header would contain a line break: refused");
          }
          request.set(name, value);
        }
      }
      session_->sendRequest(request);
      // From here the wait for the answer is what a stalled server stretches: a stop cuts it.
      arm(session_->socket().impl()->sockfd());
      struct Disarm {
        ApiClient* client;
        ~Disarm() { client->disarm(); }
      } disarm_on_exit{this};
      Poco::Net::HTTPResponse response;
      std::istream& stream = session_->receiveResponse(response);
      const int status = static_cast<int>(response.getStatus());
      last_http_status_ = status;
      const int64_t limit = config_.max_response_bytes;
      if (limit > 0 && response.hasContentLength() && response.getContentLength64() > limit) {
        resetSession();
        return Status::failed(what + ": the response is " +
                              std::to_string(response.getContentLength64()) +
                              " bytes, more than the " + std::to_string(limit >> 20) +
                              " MiB allowed (max_response_mb)");
      }
      const BodyRead read =
          readBody(stream, body, started + std::chrono::milliseconds(config_.max_retry_time_ms));
      if (read == BodyRead::kTooLarge) {
        resetSession();
        return Status::failed(what + ": the response is larger than the " +
                              std::to_string(limit >> 20) + " MiB allowed (max_response_mb)");
      }
      if (read == BodyRead::kTooSlow) {
        // A body trickling in must not hold the run forever: the retry budget bounds the attempt.
        resetSession();
        return Status::unavailable(what + ": the response did not arrive within " +
                                   std::to_string(config_.max_retry_time_ms / 1000) +
                                   " s (max_retry_time; " + std::to_string(body.size()) +
                                   " bytes came)");
      }
      const bool truncated = response.hasContentLength() &&
                             static_cast<int64_t>(body.size()) != response.getContentLength64();
      if (truncated) {
        resetSession();
        retryable = true;
        last_problem = "connection closed mid-body (" + std::to_string(body.size()) + " of " +
                       std::to_string(response.getContentLength64()) + " bytes)";
        last_status = Status::unavailable(what + ": " + last_problem);
      } else if (status >= 200 && status < 300) {
        std::string why;
        if (!validate || validate(body, why)) return Status::ok();
        retryable = true;
        last_problem = "malformed response: " + why;
        last_status = Status::unavailable(what + ": " + last_problem);
      } else if (status == 403) {
        // A key that authenticates but may not read this endpoint: read-only keys carry scopes.
        return Status::unauthenticated(
            "permission denied (" + what + ": HTTP 403 " + describeErrorBody(body) +
            "); the API key lacks the " + "scope this read needs (" + readScopeFor(path) +
            "): a sync needs read scopes only; " +
            "give the key that scope (or the full 'read' scope) in Kalshi's API key settings");
      } else if (status == 401) {
        const std::string described = describeErrorBody(body);
        // The signed timestamp is off by more than the exchange accepts: the clock, not the key.
        const bool clock = described.find("INVALID_TIMESTAMP") != std::string::npos;
        return Status::unauthenticated(
            "authentication failed (" + what + ": HTTP 401 " + described + "); " +
            (clock
                 ? std::string(
                       "the request's time is off: check this machine's clock (e.g. that NTP "
                       "time sync is on); the key itself may be fine")
                 : "check that the key id and private key (or bearer token) belong together and to "
                   "this environment (" +
                       scheme_ + "://" + host_ + ")"));
      } else if (status == 429 || status >= 500) {
        retryable = true;
        count(status == 429 ? "http_429" : "http_5xx");
        server_wait = retryAfterMillis(response);
        last_problem = "HTTP " + std::to_string(status) + " " + describeErrorBody(body);
        last_status = Status::unavailable(what + ": " + last_problem);
      } else {
        return Status::failed(what + ": HTTP " + std::to_string(status) + " " +
                              describeErrorBody(body));
      }
      if (!response.getKeepAlive()) resetSession();
    } catch (const Poco::Net::CertificateValidationException& error) {
      return Status::failed(what + ": TLS certificate rejected (" + error.displayText() +
                            "); give the CA with ca_file, or fix the endpoint");
    } catch (const Poco::Net::SSLException& error) {
      const std::string text = error.displayText();
      if (text.find("certificate") != std::string::npos) {
        return Status::failed(what + ": TLS certificate rejected (" + text +
                              "); give the CA with ca_file, or fix the endpoint");
      }
      resetSession();
      retryable = true;
      last_problem = "TLS error: " + text;
      last_status = Status::unavailable(what + ": " + last_problem);
    } catch (const Poco::Exception& error) {
      // Connection refused/reset, timeouts, DNS: transient from here.
      resetSession();
      retryable = true;
      last_problem = error.displayText();
      last_status = Status::unavailable(what + ": " + last_problem);
    } catch (const std::exception& error) {
      resetSession();
      retryable = true;
      last_problem = error.what();
      last_status = Status::unavailable(what + ": " + last_problem);
    }
    if (!retryable) return last_status;
    if (stopNow()) {  // no retry; perhaps the watcher cut this request short
      resetSession();
      last_http_status_ = 0;
      return Status::unavailable(what + ": stopped (stop requested)");
    }
    const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - started)
                             .count();
    if (attempt >= config_.max_attempts || elapsed >= config_.max_retry_time_ms) {
      return Status::unavailable(what + ": " + last_problem + " (gave up after " +
                                 std::to_string(attempt) + " attempts in " +
                                 std::to_string(elapsed / 1000) + " s)");
    }
    int64_t wait = std::uniform_int_distribution<int64_t>(0, backoff)(jitter);  // full jitter
    if (server_wait >= 0) wait = std::max(wait, server_wait);
    wait = std::min(wait, config_.max_retry_time_ms - elapsed);
    backoff = std::min(backoff * 2, config_.max_backoff_ms);
    count("http_retries");
    if (on_debug)
      on_debug(what + ": " + last_problem + "; retry " + std::to_string(attempt) + " in " +
               std::to_string(wait) + " ms");
    const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait);
    while (std::chrono::steady_clock::now() < until && !(stop_requested && stop_requested())) {
      std::this_thread::sleep_for(std::min(std::chrono::milliseconds(50),
                                           std::chrono::duration_cast<std::chrono::milliseconds>(
                                               until - std::chrono::steady_clock::now())));
    }
  }
}

}  // namespace kalshi
}  // namespace kalshi_direct

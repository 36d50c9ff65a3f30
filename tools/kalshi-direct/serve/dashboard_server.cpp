#include "dashboard_server.h"

#include <Poco/DeflatingStream.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequestHandler.h>
#include <Poco/Net/HTTPRequestHandlerFactory.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/ThreadPool.h>
#include <Poco/URI.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <sstream>
#include <thread>
#include <tuple>
#include <vector>

#include "kalshi/dashboard_queries.h"
#include "kalshi/json_object.h"
#include "kalshi_direct/engine/log.h"
#include "kalshi_direct/engine/postgres_store.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/timestamp.h"
#include "web_assets.h"

namespace kalshi_direct {
namespace serve {

namespace {

constexpr const char* kLog = "serve";
constexpr const char* kSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'";
constexpr const char* kCookie = "kd_token";

bool equalInConstantTime(const std::string& a, const std::string& b) {
  unsigned char difference = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i)
    difference |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return difference == 0;
}

std::string gzip(const unsigned char* data, size_t size) {
  std::ostringstream out;
  {
    Poco::DeflatingOutputStream deflate(out, Poco::DeflatingStreamBuf::STREAM_GZIP, 9);
    deflate.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    deflate.close();
  }
  return out.str();
}

}  // namespace

class DashboardServer::Impl {
 public:
  explicit Impl(ServerOptions options) : options_(std::move(options)) {
    std::tie(base_, default_account_) = splitAccount(options_.db);
    accounts_ = isPostgresLocation(base_);
  }

  // One account's database (a PostgreSQL database of several accounts has a view per account the
  // pages ask for; a SQLite file has one): its read-only connections, one per concurrent request,
  // its kept answers and its data's version.
  struct View {
    View(std::string location, const ApiSettings& settings)
        : location(std::move(location)), api(settings) {}
    std::string location;
    DashboardApi api;
    std::mutex pool_mutex;
    std::vector<StorePtr> pool;
    std::string version;  // under feed_mutex_
    std::string warmed;   // the version and quarter hour whose page load is kept (feed thread)
    StorePtr feed_store;  // the feed thread's
  };

  // The view of `account` (empty: the default one, defaultAccountName()), made on first use.
  View& view(const std::string& account) {
    std::string name = account;
    if (name.empty() && accounts_) name = defaultAccountName();
    if (name == default_account_ || (name == kDefaultAccount && default_account_.empty()))
      name.clear();  // the location as serve was given it
    std::lock_guard<std::mutex> lock(views_mutex_);
    std::unique_ptr<View>& slot = views_[name];
    if (!slot) {
      slot = std::make_unique<View>(name.empty() ? options_.db : accountLocation(base_, name),
                                    options_.api);
    }
    return *slot;
  }
  std::vector<View*> allViews() {
    std::lock_guard<std::mutex> lock(views_mutex_);
    std::vector<View*> views;
    for (auto& entry : views_) views.push_back(entry.second.get());
    return views;
  }

  // ---- accounts (PostgreSQL) ----
  std::vector<std::string> accounts() {
    std::lock_guard<std::mutex> lock(accounts_mutex_);
    return known_accounts_;
  }
  // Reads public.kd_accounts again (through any account's connection).
  void refreshAccounts(Store& store) {
    if (!accounts_) return;
    std::vector<std::string> names = storeAccounts(store);
    std::lock_guard<std::mutex> lock(accounts_mutex_);
    known_accounts_ = std::move(names);
  }
  // Reads the accounts now, through a connection of its own; false when the database cannot be
  // read yet (the feed thread tries again every poll).
  bool loadAccountsNow() {
    if (!accounts_) return true;
    try {
      StorePtr store = openStore(options_.db, Store::Mode::kReadOnly);
      refreshAccounts(*store);
      return true;
    } catch (const std::exception& error) {
      log::debug(kLog, "the accounts cannot be read yet: " + log::redact(error.what()));
      return false;
    }
  }
  bool knownAccount(const std::string& name) {
    for (int attempt = 0; attempt < 2; ++attempt) {
      {
        std::lock_guard<std::mutex> lock(accounts_mutex_);
        if (std::find(known_accounts_.begin(), known_accounts_.end(), name) !=
            known_accounts_.end())
          return true;
      }
      if (attempt == 0) {  // registered since the last poll?
        View& any = view("");
        StorePtr store = acquireStore(any);
        refreshAccounts(*store);
        releaseStore(any, std::move(store));
      }
    }
    return false;
  }
  // The account a page without account= shows: the one serve was started for (--account,
  // KALSHI_ACCOUNT), else "default" when the database has it, else its first account.
  std::string defaultAccountName() {
    if (!default_account_.empty()) return default_account_;
    const std::vector<std::string> names = accounts();
    if (names.empty() || std::find(names.begin(), names.end(), kDefaultAccount) != names.end())
      return kDefaultAccount;
    return names.front();
  }

  // ---- read-only connections, one per concurrent request ----
  StorePtr acquireStore(View& view) {
    {
      std::lock_guard<std::mutex> lock(view.pool_mutex);
      if (!view.pool.empty()) {
        StorePtr store = std::move(view.pool.back());
        view.pool.pop_back();
        return store;
      }
    }
    return openStore(view.location, Store::Mode::kReadOnly);
  }
  void releaseStore(View& view, StorePtr store) {
    std::lock_guard<std::mutex> lock(view.pool_mutex);
    if (view.pool.size() < 8) view.pool.push_back(std::move(store));
  }

  // ---- change feed ----
  std::string version(View& view) {
    std::lock_guard<std::mutex> lock(feed_mutex_);
    return view.version;
  }
  // One view's poll: its data's version, and its page's first load kept when new data or a new
  // quarter hour came.
  std::string pollView(View& view) {
    try {
      if (!view.feed_store) view.feed_store = openStore(view.location, Store::Mode::kReadOnly);
      Store& store = *view.feed_store;
      const std::string now = kalshi::dataVersion(store);
      const int64_t now_us = Timestamp::now().micros();
      const std::string key = now + "@" + std::to_string(now_us / (15LL * 60 * 1000 * 1000));
      if (!now.empty() && key != view.warmed) {
        store.exec("BEGIN");
        try {
          view.api.warm(store, now_us);
          store.exec("COMMIT");
        } catch (...) {
          store.exec("ROLLBACK");
          throw;
        }
        view.warmed = key;
      }
      return now;
    } catch (const std::exception&) {
      view.feed_store.reset();  // not there yet, or being replaced: try again at the next poll
      return "";
    }
  }
  void pollVersion() {
    StorePtr registry;  // for the accounts' list
    while (!stopping_) {
      if (accounts_) {
        try {
          if (!registry) registry = openStore(options_.db, Store::Mode::kReadOnly);
          refreshAccounts(*registry);
        } catch (const std::exception&) {
          registry.reset();
        }
      }
      std::vector<std::pair<View*, std::string>> versions;
      for (View* view : allViews()) versions.emplace_back(view, pollView(*view));
      std::unique_lock<std::mutex> lock(feed_mutex_);
      bool changed = false;
      for (auto& [view, now] : versions) {
        if (!now.empty() && now != view->version) {
          view->version = now;
          changed = true;
        }
      }
      if (changed) feed_changed_.notify_all();
      feed_changed_.wait_for(lock, std::chrono::milliseconds(500),
                             [&] { return stopping_.load() || poke_; });
      poke_ = false;
    }
  }
  void poke() {
    std::lock_guard<std::mutex> lock(feed_mutex_);
    poke_ = true;
    feed_changed_.notify_all();
  }

  // ---- request handling ----
  void handle(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response) {
    const auto started = std::chrono::steady_clock::now();
    Poco::URI uri;
    std::string path;
    QueryParams query;
    try {
      uri = Poco::URI(request.getURI());
      path = uri.getPath();
      query = uri.getQueryParameters();
    } catch (const std::exception&) {
      finish(response, "other", 400, jsonError("the request's URL cannot be read"));
      return;
    }
    const std::string label = metricLabel(path);
    addSecurityHeaders(response);
    if (request.getMethod() != "GET" && request.getMethod() != "HEAD") {
      response.set("Allow", "GET, HEAD");
      finish(response, label, 405, jsonError("only GET and HEAD are answered here"));
      return;
    }
    if (path == "/favicon.ico") {  // none, and nothing to guard: the browser asks before the page
      response.setStatusAndReason(Poco::Net::HTTPResponse::HTTP_NO_CONTENT);
      response.setContentLength(0);
      response.send();
      count(label, 204);
      return;
    }
    if (!options_.token.empty()) {
      if (path == "/" && takeQueryToken(query, response)) return;
      if (!authorized(request)) {
        response.set("WWW-Authenticate", "Bearer");
        finish(response, label, 401,
               jsonError("this server needs its token: open the page as /?token=TOKEN once, or "
                         "send Authorization: Bearer TOKEN"));
        return;
      }
    }
    // account=NAME: one account of a PostgreSQL database of several (GET /api/v1/accounts).
    std::string account;
    for (auto it = query.begin(); it != query.end();) {
      if (it->first == "account") {
        account = it->second;
        it = query.erase(it);
      } else {
        ++it;
      }
    }
    if (!account.empty() && (DashboardApi::handles(path) || path == "/api/v1/events")) {
      std::string refused;
      if (!accounts_) {
        refused =
            "account=: this database is a SQLite file, which holds one account; leave "
            "account= out";
      } else if (!isValidAccountName(account)) {
        refused = "account=: not an account name (a-z first, then a-z, 0-9 or _, at most 40)";
      } else {
        try {
          if (!knownAccount(account))
            refused = "account=" + account +
                      ": no such account in this database (GET /api/v1/accounts lists them)";
        } catch (const std::exception& error) {
          log::warning(kLog, "the accounts cannot be read: " + log::redact(error.what()));
          refused = "the accounts cannot be read now (the server's log says why)";
        }
      }
      if (!refused.empty()) {
        finish(response, label, 400, jsonError(refused));
        return;
      }
    }
    if (path == "/api/v1/accounts") {
      response.set("Cache-Control", "no-store");
      if (!loadAccountsNow()) {
        finish(response, label, 503,
               jsonError("the database cannot be read now (the server's log says why)"));
        return;
      }
      finish(response, label, 200, accountsJson());
      return;
    }
    if (path == "/api/v1/events") {
      events(response, view(account));
      count(label, 200);
      return;
    }
    if (const WebAsset* asset = findWebAsset(path)) {
      serveAsset(request, response, *asset, label);
      return;
    }
    if (!DashboardApi::handles(path)) {
      finish(response, label, 404, jsonError("no such URL (see docs/api.md)"));
      return;
    }
    response.set("Cache-Control", "no-store");
    ApiResponse answer;
    View& chosen = view(account);
    StorePtr store;
    try {
      store = acquireStore(chosen);
      store->exec("BEGIN");  // one consistent view while a sync commits
      const bool recompute =
          request.get("Cache-Control", "").find("no-cache") != std::string::npos ||
          request.get("Pragma", "").find("no-cache") != std::string::npos;
      answer = chosen.api.answer(path, query, *store, Timestamp::now().micros(), recompute);
      store->exec("COMMIT");
      releaseStore(chosen, std::move(store));
    } catch (const std::exception& error) {
      // The reason names the database's path: it goes to the log, not to the client.
      log::warning(kLog, path + ": the database cannot be read: " + log::redact(error.what()));
      answer = ApiResponse();
      answer.status = 503;
      answer.body = jsonError("the database cannot be read now (the server's log says why)");
      if (path == "/healthz")
        answer.body = kalshi::JsonObject()
                          .text("status", "unreadable")
                          .text("error", "the database cannot be read now")
                          .str();
    }
    for (const auto& [name, value] : answer.headers) response.set(name, value);
    response.setContentType(answer.content_type);
    finish(response, label, answer.status, answer.body, request.getMethod() == "HEAD");
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    log::debug(kLog, request.getMethod() + " " + path + " " + std::to_string(answer.status) + " " +
                         std::to_string(ms) + " ms");
  }

  std::string httpMetrics() {
    std::lock_guard<std::mutex> lock(metrics_mutex_);
    std::string out =
        "# HELP kalshi_direct_http_requests_total Requests this server answered, by path and "
        "status.\n# TYPE kalshi_direct_http_requests_total counter\n";
    for (const auto& [key, value] : requests_) {
      out += "kalshi_direct_http_requests_total{path=\"" + key.first + "\",code=\"" +
             std::to_string(key.second) + "\"} " + std::to_string(value) + "\n";
    }
    return out;
  }

  // GET /api/v1/accounts: the accounts of a PostgreSQL database and the one shown by default;
  // none for a SQLite file.
  std::string accountsJson() {
    std::string list = "[";
    if (accounts_) {
      for (const std::string& name : accounts())
        list += (list.size() > 1 ? "," : "") + kalshi::JsonObject().text("name", name).str();
    }
    list += "]";
    kalshi::JsonObject out;
    out.raw("accounts", list);
    if (accounts_)
      out.text("default", defaultAccountName());
    else
      out.raw("default", "null");
    return out.str();
  }

  ServerOptions options_;
  std::string base_;                           // options_.db without its account
  std::string default_account_;                // options_.db's account; empty: none named
  bool accounts_ = false;                      // a database of several accounts (PostgreSQL)
  std::unique_ptr<Poco::ThreadPool> threads_;  // outlives server_
  std::unique_ptr<Poco::Net::HTTPServer> server_;
  std::thread feed_thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> event_streams_{0};

 private:
  static std::string jsonError(const std::string& message) {
    return kalshi::JsonObject().text("error", message).str();
  }

  static std::string metricLabel(const std::string& path) {
    if (DashboardApi::handles(path) || path == "/api/v1/events" || path == "/api/v1/accounts" ||
        path == "/favicon.ico")
      return path;
    if (findWebAsset(path)) return path;
    return "other";
  }

  void count(const std::string& label, int status) {
    std::lock_guard<std::mutex> lock(metrics_mutex_);
    ++requests_[{label, status}];
  }

  void addSecurityHeaders(Poco::Net::HTTPServerResponse& response) {
    response.set("Content-Security-Policy", kSecurityPolicy);
    response.set("X-Content-Type-Options", "nosniff");
    response.set("Referrer-Policy", "no-referrer");
    response.set("X-Frame-Options", "DENY");
  }

  void finish(Poco::Net::HTTPServerResponse& response, const std::string& label, int status,
              const std::string& body, bool head = false) {
    response.setStatusAndReason(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status));
    if (response.getContentType() == Poco::Net::HTTPMessage::UNKNOWN_CONTENT_TYPE || status >= 400)
      if (body.size() && body[0] == '{') response.setContentType("application/json");
    response.setContentLength(static_cast<std::streamsize>(body.size()));
    std::ostream& out = response.send();
    if (!head) out << body;
    count(label, status);
  }

  bool authorized(Poco::Net::HTTPServerRequest& request) {
    const std::string header = request.get("Authorization", "");
    const std::string prefix = "Bearer ";
    if (header.compare(0, prefix.size(), prefix) == 0 &&
        equalInConstantTime(header.substr(prefix.size()), options_.token))
      return true;
    Poco::Net::NameValueCollection cookies;
    request.getCookies(cookies);
    return cookies.has(kCookie) && equalInConstantTime(cookies.get(kCookie), options_.token);
  }

  // GET /?token=...: a right token becomes a cookie and the page reloads without it in its
  // address (other parameters kept). True when answered.
  bool takeQueryToken(QueryParams& query, Poco::Net::HTTPServerResponse& response) {
    std::optional<std::string> token;
    QueryParams rest;
    for (auto& [name, value] : query) {
      if (name == "token")
        token = value;
      else
        rest.emplace_back(name, value);
    }
    if (!token) return false;
    if (!equalInConstantTime(*token, options_.token)) {
      finish(response, "/", 401, jsonError("wrong token"));
      return true;
    }
    Poco::Net::HTTPCookie cookie(kCookie, *token);
    cookie.setHttpOnly(true);
    cookie.setPath("/");
    cookie.setSameSite(Poco::Net::HTTPCookie::SAME_SITE_STRICT);
    response.addCookie(cookie);
    Poco::URI target("/");
    for (const auto& [name, value] : rest) target.addQueryParameter(name, value);
    response.set("Location", target.toString());
    finish(response, "/", 303, "");
    return true;
  }

  void serveAsset(Poco::Net::HTTPServerRequest& request, Poco::Net::HTTPServerResponse& response,
                  const WebAsset& asset, const std::string& label) {
    // Revalidated on every load (a new binary serves a new page), answered 304 while unchanged,
    // so the browser keeps the script and its compiled code.
    response.set("Cache-Control", "no-cache");
    const std::string tag = etag(asset);
    response.set("ETag", tag);
    if (request.get("If-None-Match", "") == tag) {
      finish(response, label, 304, "", true);
      return;
    }
    response.setContentType(asset.content_type);
    const bool gzipped = request.get("Accept-Encoding", "").find("gzip") != std::string::npos;
    if (gzipped) {
      response.set("Content-Encoding", "gzip");
      response.set("Vary", "Accept-Encoding");
      finish(response, label, 200, compressed(asset), request.getMethod() == "HEAD");
    } else {
      response.set("Vary", "Accept-Encoding");
      finish(response, label, 200,
             std::string(reinterpret_cast<const char*>(asset.data), asset.size),
             request.getMethod() == "HEAD");
    }
  }

  // A strong validator of the asset's bytes (FNV-1a, 64 bits), computed once.
  std::string etag(const WebAsset& asset) {
    std::lock_guard<std::mutex> lock(gzip_mutex_);
    std::string& tag = etags_[asset.path];
    if (tag.empty()) {
      uint64_t hash = 1469598103934665603ULL;
      for (size_t i = 0; i < asset.size; ++i) hash = (hash ^ asset.data[i]) * 1099511628211ULL;
      char text[24];
      std::snprintf(text, sizeof text, "\"%016llx\"", static_cast<unsigned long long>(hash));
      tag = text;
    }
    return tag;
  }

  const std::string& compressed(const WebAsset& asset) {
    std::lock_guard<std::mutex> lock(gzip_mutex_);
    auto found = gzip_cache_.find(asset.path);
    if (found == gzip_cache_.end())
      found = gzip_cache_.emplace(asset.path, gzip(asset.data, asset.size)).first;
    return found->second;
  }

  void events(Poco::Net::HTTPServerResponse& response, View& view) {
    if (event_streams_.fetch_add(1) >= DashboardServer::kMaxEventStreams) {
      --event_streams_;
      response.set("Retry-After", "10");
      finish(response, "/api/v1/events", 503, jsonError("too many open event streams"));
      return;
    }
    response.set("Cache-Control", "no-store");
    response.setContentType("text/event-stream");
    response.setChunkedTransferEncoding(true);
    std::ostream& out = response.send();
    std::string sent;
    try {
      auto last_write = std::chrono::steady_clock::now();
      while (!stopping_) {
        std::string now;
        {
          std::unique_lock<std::mutex> lock(feed_mutex_);
          feed_changed_.wait_for(lock, std::chrono::seconds(1), [&] {
            return stopping_.load() || (!view.version.empty() && view.version != sent);
          });
          now = view.version;
        }
        if (stopping_) break;
        if (!now.empty() && now != sent) {
          out << "event: update\ndata: " << kalshi::JsonObject().text("version", now).str()
              << "\n\n";
          out.flush();
          sent = now;
          last_write = std::chrono::steady_clock::now();
        } else if (std::chrono::steady_clock::now() - last_write > std::chrono::seconds(15)) {
          out << ": keep-alive\n\n";
          out.flush();
          last_write = std::chrono::steady_clock::now();
        }
        if (!out.good()) break;  // the page went away
      }
    } catch (const std::exception&) {
      // the connection broke: the page reconnects or polls
    }
    --event_streams_;
  }

  std::mutex views_mutex_;
  std::map<std::string, std::unique_ptr<View>> views_;  // by account name
  std::mutex accounts_mutex_;
  std::vector<std::string> known_accounts_;
  std::mutex feed_mutex_;
  std::condition_variable feed_changed_;
  bool poke_ = false;
  std::mutex metrics_mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  std::mutex gzip_mutex_;
  std::map<std::string, std::string> gzip_cache_;
  std::map<std::string, std::string> etags_;
};

namespace {

class Handler final : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(DashboardServer::Impl& impl) : impl_(impl) {}
  void handleRequest(Poco::Net::HTTPServerRequest& request,
                     Poco::Net::HTTPServerResponse& response) override {
    try {
      impl_.handle(request, response);
    } catch (const std::exception& error) {
      // The client went away mid-answer, or a bug: never take the server down.
      log::debug(kLog, std::string("request ended: ") + log::redact(error.what()));
    }
  }

 private:
  DashboardServer::Impl& impl_;
};

class Factory final : public Poco::Net::HTTPRequestHandlerFactory {
 public:
  explicit Factory(DashboardServer::Impl& impl) : impl_(impl) {}
  Poco::Net::HTTPRequestHandler* createRequestHandler(
      const Poco::Net::HTTPServerRequest&) override {
    return new Handler(impl_);
  }

 private:
  DashboardServer::Impl& impl_;
};

}  // namespace

DashboardServer::DashboardServer(ServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {
  Impl* impl = impl_.get();
  impl_->options_.api.http_metrics = [impl] { return impl->httpMetrics(); };
  impl_->view("");  // the default account's, polled from the start
}

DashboardServer::~DashboardServer() { stop(); }

void DashboardServer::start() {
  // The accounts before the first request, so that a page without account= is answered for the
  // right default from the start (the feed thread keeps the list fresh afterwards).
  impl_->loadAccountsNow();
  try {
    Poco::Net::ServerSocket socket(
        Poco::Net::SocketAddress(impl_->options_.bind,
                                 static_cast<Poco::UInt16>(impl_->options_.port)),
        64);
    // A connection holds a thread while it lives (Poco), so: a pool of our own, sized for the
    // event streams plus a few browsers' keep-alive connections, idle ones closed after 5 s.
    auto* params = new Poco::Net::HTTPServerParams;
    params->setMaxThreads(kMaxThreads);
    params->setMaxQueued(128);
    params->setKeepAlive(true);
    params->setKeepAliveTimeout(Poco::Timespan(5, 0));
    params->setTimeout(Poco::Timespan(30, 0));
    impl_->threads_ = std::make_unique<Poco::ThreadPool>(2, kMaxThreads, 60);
    impl_->server_ = std::make_unique<Poco::Net::HTTPServer>(new Factory(*impl_), *impl_->threads_,
                                                             socket, params);
    impl_->server_->start();
  } catch (const Poco::Exception& error) {
    throw std::runtime_error("cannot listen on " + impl_->options_.bind + ":" +
                             std::to_string(impl_->options_.port) + ": " + error.displayText());
  }
  impl_->feed_thread_ = std::thread([this] { impl_->pollVersion(); });
}

int DashboardServer::port() const {
  return impl_->server_ ? impl_->server_->port() : impl_->options_.port;
}

void DashboardServer::notifyChanged() { impl_->poke(); }

void DashboardServer::stop() {
  if (!impl_ || impl_->stopping_.exchange(true)) return;
  impl_->poke();
  if (impl_->server_) impl_->server_->stopAll(true);
  if (impl_->feed_thread_.joinable()) impl_->feed_thread_.join();
  // stopAll() closed the connections; the event streams notice at their next wake-up (1 s).
  for (int i = 0; i < 50 && impl_->event_streams_ > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

}  // namespace serve
}  // namespace kalshi_direct

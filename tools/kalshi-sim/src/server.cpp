#include "server.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/URI.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

#include "fixed_point.h"
#include "paging.h"

namespace ksim {

namespace {

constexpr const char* kApiPrefix = "/trade-api/v2";

struct Reply {
  int status = 200;
  std::string body;
};

Reply bad_request(const std::string& message, const std::string& details) {
  return {400, error_body("bad_request", message, details)};
}

Reply not_found(const std::string& what) {
  return {404, error_body("not_found", what + " not found", "")};
}

// Query parameters; the first occurrence of a name wins, empty values count as absent.
class Params {
 public:
  explicit Params(const std::string& query) {
    try {
      Poco::URI uri("/?" + query);
      for (const auto& [k, v] : uri.getQueryParameters())
        if (!values_.count(k)) values_[k] = v;
    } catch (const Poco::Exception& e) {
      throw BadRequest("invalid query string", e.displayText());
    }
  }
  bool has(const std::string& k) const {
    auto it = values_.find(k);
    return it != values_.end() && !it->second.empty();
  }
  std::string get(const std::string& k) const { return has(k) ? values_.at(k) : std::string(); }

  std::int64_t integer(const std::string& k, std::int64_t lo, std::int64_t hi,
                       std::int64_t dflt) const {
    if (!has(k)) return dflt;
    const std::string& s = values_.at(k);
    std::size_t i = (s[0] == '-') ? 1 : 0;
    bool ok = i < s.size() && s.size() <= 19 + i;
    for (std::size_t j = i; ok && j < s.size(); ++j) ok = s[j] >= '0' && s[j] <= '9';
    std::int64_t v = ok ? std::stoll(s) : 0;
    if (!ok || v < lo || v > hi)
      throw BadRequest("invalid parameter " + k, k + " must be an integer between " +
                                                     std::to_string(lo) + " and " +
                                                     std::to_string(hi) + ", got \"" + s + "\"");
    return v;
  }

 private:
  std::map<std::string, std::string> values_;
};

std::vector<std::string> split_commas(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string part;
  while (std::getline(ss, part, ','))
    if (!part.empty()) out.push_back(part);
  return out;
}

// Common pagination + time parameters. Returns false (empty result) when a subaccount or
// exchange shard other than 0 is asked for: this account only has subaccount 0 on shard 0.
bool common_list_params(const Params& p, ListQuery& q, int& limit, std::string& cursor) {
  limit = static_cast<int>(p.integer("limit", 1, 1000, 100));
  cursor = p.get("cursor");
  if (p.has("min_ts")) {
    q.has_min_ts = true;
    q.min_ts = p.integer("min_ts", -4102444800LL, 4102444800LL, 0);
  }
  if (p.has("max_ts")) {
    q.has_max_ts = true;
    q.max_ts = p.integer("max_ts", -4102444800LL, 4102444800LL, 0);
  }
  q.ticker = p.get("ticker");
  const std::int64_t sub = p.integer("subaccount", 0, 63, 0);
  const std::int64_t shard = p.integer("exchange_index", 0, 1000000, 0);
  return sub == 0 && shard == 0;
}

std::string render_page(const DataSource& ds, ListKind kind, const char* array_key,
                        const ListQuery& q, int limit, const std::string& cursor, bool empty) {
  Page page;
  if (!empty)
    page = page_list(ds, kind, q, limit, cursor);
  else if (!cursor.empty())
    page_list(ds, kind, ListQuery{}, 1, cursor);  // still validate the cursor
  std::string out;
  out.reserve(64 + page.items.size() * 560);
  out.append("{\"").append(array_key).append("\":[");
  for (std::size_t i = 0; i < page.items.size(); ++i) {
    if (i) out.push_back(',');
    ds.render(kind, page.items[i], out);
  }
  out.append("],\"cursor\":\"").append(page.cursor).append("\"}");
  return out;
}

class Handler : public Poco::Net::HTTPRequestHandler {
 public:
  explicit Handler(ServerContext& ctx) : ctx_(ctx) {}

  void handleRequest(Poco::Net::HTTPServerRequest& req,
                     Poco::Net::HTTPServerResponse& resp) override {
    const std::string& uri = req.getURI();
    const std::size_t q = uri.find('?');
    const std::string path = uri.substr(0, q);
    const std::string query = q == std::string::npos ? std::string() : uri.substr(q + 1);
    Reply reply;
    try {
      if (path == "/admin" || path.rfind("/admin/", 0) == 0) {
        reply = admin(req, path);
        send(resp, reply);
        return;
      }
      if (path.rfind(kApiPrefix, 0) == 0) {
        api(req, resp, path, query);
        return;
      }
      reply = not_found("path " + path);
    } catch (const std::exception& e) {
      reply = {500, error_body("internal_server_error", "simulator error", e.what())};
    }
    send(resp, reply);
  }

 private:
  // ---- /trade-api/v2 -----------------------------------------------------------------------
  void api(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
           const std::string& full_path, const std::string& query) {
    const std::string path = full_path.substr(std::string(kApiPrefix).size());
    std::string endpoint = route_name(path);
    const FaultDecision d = ctx_.faults->decide();
    Reply reply;
    if (d.outage_reset) {
      record(req, endpoint, "reset");
      ctx_.stats->count_fault("outage_reset");
      reset_connection(req);
      return;
    }
    if (d.outage_503) {
      ctx_.stats->count_fault("outage_503");
      reply = {503, error_body("service_unavailable", "exchange unavailable", "simulated outage")};
    } else if (d.rate_limited) {
      ctx_.stats->count_fault("rate_limited");
      reply = {429, "{\"error\": \"too many requests\"}"};
    } else if (d.error_status != 0) {
      ctx_.stats->count_fault("error_" + std::to_string(d.error_status));
      reply = injected_error(d.error_status);
    } else {
      if (d.delay_ms > 0) {
        ctx_.stats->count_fault("slow");
        std::this_thread::sleep_for(std::chrono::milliseconds(d.delay_ms));
      }
      try {
        reply = route(req, full_path, path, query);
      } catch (const BadRequest& e) {
        reply = bad_request(e.what(), e.details);
      }
      if (reply.status == 200 && d.disconnect) {
        record(req, endpoint, "disconnect");
        ctx_.stats->count_fault("disconnect");
        send_partial_and_close(req, reply.body);
        return;
      }
      if (reply.status == 200 && d.malformed) {
        ctx_.stats->count_fault("malformed");
        reply.body = reply.body.substr(0, reply.body.size() / 2);  // truncated JSON, still a 200
      }
    }
    record(req, endpoint, std::to_string(reply.status));
    send(resp, reply);
  }

  static std::string route_name(const std::string& path) {
    static const char* kFixed[] = {"/portfolio/balance",     "/portfolio/positions",
                                   "/portfolio/orders",      "/portfolio/fills",
                                   "/portfolio/settlements", "/historical/cutoff",
                                   "/historical/fills",      "/historical/orders"};
    for (const char* f : kFixed)
      if (path == f) return f;
    if (path == "/markets") return "/markets";
    if (path.rfind("/markets/", 0) == 0) return "/markets/{ticker}";
    if (path.rfind("/events/", 0) == 0) return "/events/{event_ticker}";
    if (path.rfind("/series/", 0) == 0) return "/series/{series_ticker}";
    if (path.rfind("/historical/markets/", 0) == 0) return "/historical/markets/{ticker}";
    return "(unknown)";
  }

  static Reply injected_error(int status) {
    switch (status) {
      case 502:
        return {502,
                "<html><head><title>502 Bad Gateway</title></head><body>Bad Gateway</body></html>"};
      case 503:
        return {503, error_body("service_unavailable", "service temporarily unavailable",
                                "injected fault")};
      default:
        return {status,
                error_body("internal_server_error", "internal server error", "injected fault")};
    }
  }

  Reply route(Poco::Net::HTTPServerRequest& req, const std::string& full_path,
              const std::string& path, const std::string& query) {
    const std::string endpoint = route_name(path);
    if (endpoint == "(unknown)") return not_found("path " + full_path);
    if (req.getMethod() != "GET")
      return {405, error_body("method_not_allowed", "method " + req.getMethod() + " not allowed",
                              "use GET")};

    const bool is_public =
        endpoint == "/historical/cutoff" || endpoint == "/markets" ||
        endpoint == "/markets/{ticker}" || endpoint == "/events/{event_ticker}" ||
        endpoint == "/series/{series_ticker}" || endpoint == "/historical/markets/{ticker}";
    if (!is_public) {
      AuthRequest ar;
      ar.method = req.getMethod();
      ar.path = full_path;
      std::string key, ts, sig, authz;
      if (req.has("KALSHI-ACCESS-KEY")) ar.key = &(key = req.get("KALSHI-ACCESS-KEY"));
      if (req.has("KALSHI-ACCESS-TIMESTAMP"))
        ar.timestamp = &(ts = req.get("KALSHI-ACCESS-TIMESTAMP"));
      if (req.has("KALSHI-ACCESS-SIGNATURE"))
        ar.signature = &(sig = req.get("KALSHI-ACCESS-SIGNATURE"));
      if (req.has("Authorization")) ar.authorization = &(authz = req.get("Authorization"));
      ar.now_ms = wall_clock_ms();
      AuthResult r = ctx_.auth->check(ar);
      if (!r.ok) {
        ctx_.stats->count_fault("auth_failed");
        return {401, nested_error_body(r.code, r.message, r.details)};
      }
    }

    const Params p(query);
    // The ticker of /markets/{ticker} etc., percent-decoded.
    auto path_arg = [&](std::size_t prefix_len) {
      std::string decoded;
      try {
        Poco::URI::decode(path.substr(prefix_len), decoded);
      } catch (const Poco::Exception& e) {
        throw BadRequest("invalid path", e.displayText());
      }
      return decoded;
    };
    std::shared_lock<std::shared_mutex> lock(ctx_.account_mutex);
    const DataSource& ds = *ctx_.account;
    std::string out;
    if (endpoint == "/portfolio/balance") {
      p.integer("subaccount", 0, 63, 0);
      ds.render_balance(out);
    } else if (endpoint == "/historical/cutoff") {
      ds.render_cutoff(out);
    } else if (endpoint == "/portfolio/fills" || endpoint == "/historical/fills") {
      ListQuery q;
      int limit;
      std::string cursor;
      bool any = common_list_params(p, q, limit, cursor);
      q.order_id = p.get("order_id");
      ListKind k = endpoint == "/portfolio/fills" ? ListKind::Fills : ListKind::HistFills;
      out = render_page(ds, k, "fills", q, limit, cursor, !any);
    } else if (endpoint == "/portfolio/orders" || endpoint == "/historical/orders") {
      ListQuery q;
      int limit;
      std::string cursor;
      bool any = common_list_params(p, q, limit, cursor);
      q.event_tickers = split_commas(p.get("event_ticker"));
      if (q.event_tickers.size() > 10)
        return bad_request("invalid parameter event_ticker", "at most 10 event tickers");
      q.status = p.get("status");
      if (!q.status.empty() && q.status != "resting" && q.status != "canceled" &&
          q.status != "executed")
        return bad_request("invalid parameter status",
                           "status must be resting, canceled or executed");
      ListKind k = endpoint == "/portfolio/orders" ? ListKind::Orders : ListKind::HistOrders;
      out = render_page(ds, k, "orders", q, limit, cursor, !any);
    } else if (endpoint == "/portfolio/settlements") {
      ListQuery q;
      int limit;
      std::string cursor;
      bool any = common_list_params(p, q, limit, cursor);
      if (p.has("event_ticker")) q.event_tickers = {p.get("event_ticker")};
      out = render_page(ds, ListKind::Settlements, "settlements", q, limit, cursor, !any);
    } else if (endpoint == "/portfolio/positions") {
      out = positions(ds, p);
    } else if (endpoint == "/markets") {
      out = markets(ds, p);
    } else if (endpoint == "/markets/{ticker}" || endpoint == "/historical/markets/{ticker}") {
      const std::string t = path_arg(endpoint == "/markets/{ticker}" ? 9 : 20);
      if (!ds.render_market(t, out)) return not_found("market " + t);
    } else if (endpoint == "/events/{event_ticker}") {
      const std::string t = path_arg(8);
      bool nested = false;
      if (p.has("with_nested_markets")) {
        std::string v = p.get("with_nested_markets");
        if (v != "true" && v != "false")
          return bad_request("invalid parameter with_nested_markets", "must be true or false");
        nested = v == "true";
      }
      if (!ds.render_event(t, nested, out)) return not_found("event " + t);
    } else if (endpoint == "/series/{series_ticker}") {
      const std::string t = path_arg(8);
      if (!ds.render_series(t, out)) return not_found("series " + t);
    }
    return {200, std::move(out)};
  }

  // GET /markets: `tickers` (comma-separated) and/or `event_ticker` filter the account's markets;
  // ascending by ticker, `limit` (1-1000, default 100) a page, the cursor encodes the last ticker.
  // The exchange-wide filters (series_ticker, status, close/settle times, mve_filter) are not
  // simulated: asking for them is a 400, never a silently unfiltered list.
  static std::string markets(const DataSource& ds, const Params& p) {
    for (const char* unsupported :
         {"series_ticker", "status", "min_close_ts", "max_close_ts", "min_created_ts",
          "max_created_ts", "min_updated_ts", "min_settled_ts", "max_settled_ts", "mve_filter"}) {
      if (p.has(unsupported))
        throw BadRequest(std::string("unsupported parameter ") + unsupported,
                         "kalshi-sim's GET /markets filters by tickers and event_ticker only");
    }
    const int limit = static_cast<int>(p.integer("limit", 1, 1000, 100));
    std::string after;
    if (p.has("cursor")) {
      std::string decoded;
      if (!base64url_decode(p.get("cursor"), decoded) || decoded.rfind("v1|mk|", 0) != 0)
        throw BadRequest("invalid parameter cursor", "not a cursor of GET /markets");
      after = decoded.substr(6);
    }
    std::vector<std::string> tickers;
    if (p.has("tickers")) {
      tickers = split_commas(p.get("tickers"));
      std::sort(tickers.begin(), tickers.end());
      tickers.erase(std::unique(tickers.begin(), tickers.end()), tickers.end());
    } else {
      tickers = ds.market_tickers();
    }
    const std::string event_filter = p.get("event_ticker");
    std::string out = "{\"markets\":[";
    std::string last, event_ticker, object;
    int count = 0;
    bool more = false;
    for (const std::string& ticker : tickers) {
      if (!after.empty() && ticker <= after) continue;
      object.clear();
      if (!ds.render_market_object(ticker, event_ticker, object)) continue;  // unknown: left out
      if (!event_filter.empty() && event_ticker != event_filter) continue;
      if (count == limit) {
        more = true;
        break;
      }
      if (count++) out.push_back(',');
      out.append(object);
      last = ticker;
    }
    out.append("],\"cursor\":\"")
        .append(more ? base64url_encode("v1|mk|" + last) : "")
        .append("\"}");
    return out;
  }

  std::string positions(const DataSource& ds, const Params& p) const {
    PositionsQuery q;
    const int limit = static_cast<int>(p.integer("limit", 1, 1000, 100));
    const std::string cursor = p.get("cursor");
    q.ticker = p.get("ticker");
    q.event_ticker = p.get("event_ticker");
    for (const std::string& f : split_commas(p.get("count_filter"))) {
      if (f == "position")
        q.need_position = true;
      else if (f == "total_traded")
        q.need_traded = true;
      else
        throw BadRequest("invalid parameter count_filter",
                         "count_filter accepts position,total_traded");
    }
    const bool any =
        p.integer("subaccount", 0, 63, 0) == 0 && p.integer("exchange_index", 0, 1000000, 0) == 0;
    PositionsPage page;
    if (any) page = page_positions(ds, q, limit, cursor);
    std::string out;
    out.reserve(128 + page.items.size() * 300);
    out.append("{\"market_positions\":[");
    for (std::size_t i = 0; i < page.items.size(); ++i) {
      if (i) out.push_back(',');
      ds.render_position(page.items[i], out);
    }
    out.append("],\"event_positions\":");
    JsonWriter w(out);
    w.begin_array();
    // All matching event positions come with the first page only, so that a client that
    // pages through market positions sees each event position exactly once.
    if (any && cursor.empty()) ds.render_event_positions(q, w);
    w.end_array();
    // 2026h1 shapes: the last page's body has no cursor key at all.
    if (page.cursor.empty() && ctx_.shapes == Shapes::H2026) {
      out.append("}");
    } else {
      out.append(",\"cursor\":\"").append(page.cursor).append("\"}");
    }
    return out;
  }

  // ---- /admin ------------------------------------------------------------------------------
  Reply admin(Poco::Net::HTTPServerRequest& req, const std::string& path) {
    if (!req.clientAddress().host().isLoopback())
      return {403, error_body("forbidden", "admin API is only available on loopback", "")};
    const std::string method = req.getMethod();
    std::string body;
    if (method == "POST") {
      std::ostringstream os;
      os << req.stream().rdbuf();
      body = os.str();
    }
    if (path == "/admin/health" && method == "GET") return {200, "{\"ok\":true}"};
    if (path == "/admin/stats" && method == "GET") return {200, ctx_.stats->json()};
    if (path == "/admin/stats/reset" && method == "POST") {
      ctx_.stats->reset();
      return {200, "{\"ok\":true}"};
    }
    if (path == "/admin/faults" && method == "GET") return {200, ctx_.faults->settings_json()};
    if (path == "/admin/faults" && method == "POST") {
      std::string err = ctx_.faults->apply_json(body);
      if (!err.empty()) return bad_request("invalid fault settings", err);
      return {200, ctx_.faults->settings_json()};
    }
    if (path == "/admin/truth" && method == "GET") {
      std::shared_lock<std::shared_mutex> lock(ctx_.account_mutex);
      return {200, ctx_.account->truth_json()};
    }
    if (path == "/admin/dump-truth" && method == "POST") {
      if (ctx_.truth_path.empty())
        return bad_request("no truth file", "start with --dump-truth FILE");
      std::string err = rewrite_truth();
      if (!err.empty())
        return {500, error_body("internal_server_error", "cannot write truth", err)};
      return {200, "{\"ok\":true}"};
    }
    if (path == "/admin/add-fills" && method == "POST") return add_fills(body);
    return not_found("admin path " + path);
  }

  Reply add_fills(const std::string& body) {
    std::int64_t count = 0;
    try {
      Poco::JSON::Parser parser;
      Poco::Dynamic::Var v = parser.parse(body.empty() ? "{}" : body);
      if (v.type() != typeid(Poco::JSON::Object::Ptr))
        return bad_request("invalid body", "expected {\"count\":N}");
      auto o = v.extract<Poco::JSON::Object::Ptr>();
      if (!o->has("count") || !o->get("count").isInteger())
        return bad_request("invalid body", "expected {\"count\":N}");
      count = o->get("count").convert<std::int64_t>();
    } catch (const Poco::Exception& e) {
      return bad_request("invalid JSON", e.displayText());
    }
    if (count < 1 || count > 1000000)
      return bad_request("invalid count", "count must be 1..1000000");
    if (!ctx_.account->can_add_fills())
      return {409, error_body("conflict", "add-fills needs a generated account",
                              "not available with --fixture")};
    AddFillsResult r;
    {
      std::unique_lock<std::shared_mutex> lock(ctx_.account_mutex);
      try {
        r = ctx_.account->add_fills(static_cast<int>(count));
      } catch (const std::exception& e) {
        return {409, error_body("conflict", "cannot add fills", e.what())};
      }
    }
    if (!ctx_.truth_path.empty()) {
      std::string err = rewrite_truth();
      if (!err.empty())
        return {500, error_body("internal_server_error", "cannot write truth", err)};
    }
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.kv_i64("added_fills", r.fills);
    w.kv_i64("added_orders", r.orders);
    w.kv_time("first_created_time", r.first_us);
    w.kv_time("last_created_time", r.last_us);
    w.kv_i64("first_ts", floor_div(r.first_us, kMicrosPerSecond));
    w.kv_i64("last_ts", floor_div(r.last_us, kMicrosPerSecond));
    w.end_object();
    return {200, out};
  }

  std::string rewrite_truth() {
    std::string truth;
    {
      std::shared_lock<std::shared_mutex> lock(ctx_.account_mutex);
      truth = ctx_.account->truth_json();
    }
    static std::mutex file_mu;
    std::lock_guard<std::mutex> lock(file_mu);
    return write_file_atomically(ctx_.truth_path, truth);
  }

  // ---- transport ---------------------------------------------------------------------------
  void record(Poco::Net::HTTPServerRequest& req, const std::string& endpoint,
              const std::string& status) {
    ctx_.stats->record(endpoint, status);
    if (ctx_.verbose)
      std::cerr << req.getMethod() << " " << req.getURI() << " -> " << status << std::endl;
  }

  static void send(Poco::Net::HTTPServerResponse& resp, const Reply& reply) {
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    const bool html = !reply.body.empty() && reply.body[0] == '<';
    resp.setContentType(html ? "text/html" : "application/json; charset=utf-8");
    resp.sendBuffer(reply.body.data(), reply.body.size());
  }

  // Headers announce the full length, half the body is written, then the connection closes.
  static void send_partial_and_close(Poco::Net::HTTPServerRequest& req, const std::string& body) {
    auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req);
    Poco::Net::StreamSocket sock = impl.detachSocket();
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n";
    head.append(body, 0, body.size() / 2);
    try {
      sock.sendBytes(head.data(), static_cast<int>(head.size()));
      sock.shutdown();
      sock.close();
    } catch (const Poco::Exception&) {
    }
  }

  // An abortive close (RST) instead of an HTTP response.
  static void reset_connection(Poco::Net::HTTPServerRequest& req) {
    auto& impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req);
    Poco::Net::StreamSocket sock = impl.detachSocket();
    try {
      sock.setLinger(true, 0);
      sock.close();
    } catch (const Poco::Exception&) {
    }
  }

  ServerContext& ctx_;
};

}  // namespace

std::string write_file_atomically(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot write " + tmp;
    out << content;
    out.flush();
    if (!out) return "cannot write " + tmp;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "cannot rename " + tmp + " to " + path;
  }
  return "";
}

Poco::Net::HTTPRequestHandler* HandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
  return new Handler(ctx_);
}

}  // namespace ksim

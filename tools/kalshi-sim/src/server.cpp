#include "server.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPServerRequest.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/HTTPServerResponse.h>
#include <Poco/Net/NameValueCollection.h>
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
#include <system_error>
#include <thread>

#include "fixed_point.h"
#include "paging.h"

namespace ksim {

namespace {

constexpr const char* kApiPrefix = "/trade-api/v2";

struct Reply {
  Reply() = default;
  Reply(int status_, std::string body_) : status(status_), body(std::move(body_)) {}
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

// What answering a /trade-api request needs of it, copied so that a held (stalled) request can
// be answered after Poco's request object is gone.
struct ApiRequest {
  std::string method, uri, full_path, query;
  std::string path;  // below /trade-api/v2, without the query
  Poco::Net::NameValueCollection headers;
};

// How an answer leaves: a response, a connection reset, or half a body and a close.
struct Outcome {
  enum Kind { Send, Reset, Partial } kind = Send;
  Reply reply;
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

// The `tickers` parameter (comma list) sorted and unique, or `all` when it is absent.
std::vector<std::string> requested_tickers(const std::string* tickers,
                                           std::vector<std::string> all) {
  if (!tickers) return all;
  std::vector<std::string> out = split_commas(*tickers);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Common pagination + time parameters. Returns false (empty result) when an exchange shard
// other than 0 is asked for: the account lives on shard 0. Without `subaccount` the list covers
// every subaccount.
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
  q.subaccount = static_cast<int>(p.integer("subaccount", 0, 63, -1));
  const std::int64_t shard = p.integer("exchange_index", 0, 1000000, 0);
  return shard == 0;
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
      if (path == "/trade-api/ws/v2" && ctx_.live) {
        serve_websocket(ctx_, req, resp);
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
    ApiRequest r;
    r.method = req.getMethod();
    r.uri = req.getURI();
    r.full_path = full_path;
    r.path = full_path.substr(std::string(kApiPrefix).size());
    r.query = query;
    r.headers = req;
    const Admission a = ctx_.faults->admit(r.path);
    if (a.stall_refused) ctx_.stats->count_fault("stall_refused");
    if (a.stall) {
      ctx_.stats->count_fault("stalled");
      hold_then_answer(req, resp, r, a);
      return;
    }
    deliver(req, resp, answer(r, &a));
  }

  // A stalled request: its connection leaves Poco's worker (which goes back to the pool) and
  // waits on a thread of its own; once released (or after stall_max_ms) it is answered normally
  // on that connection, which is then closed. Nothing is written while it is held.
  void hold_then_answer(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                        const ApiRequest& r, const Admission& a) {
    Poco::Net::StreamSocket sock;
    try {
      sock = detach(req);
    } catch (const std::exception&) {
      ctx_.faults->unhold();
      deliver(req, resp, answer(r, &a));
      return;
    }
    ServerContext& ctx = ctx_;
    try {
      ctx.stall_threads.start([&ctx, r, a, sock]() mutable {
        try {
          const StallEnd end = ctx.faults->hold(a);
          if (end == StallEnd::Shutdown) {
            close_quietly(sock);
            return;
          }
          if (end == StallEnd::TimedOut) ctx.stats->count_fault("stall_timeout");
          Handler h(ctx);
          Outcome o;
          try {
            o = h.answer(r, &a);
          } catch (const std::exception& e) {
            o.reply = {500, error_body("internal_server_error", "simulator error", e.what())};
          }
          deliver_detached(sock, o);
        } catch (...) {
          close_quietly(sock);
        }
      });
    } catch (const std::system_error&) {  // no thread: answer at once
      ctx_.faults->unhold();
      deliver_detached(sock, answer(r, &a));
    }
  }

  // Faults, routing and statistics of one request that is answered now.
  Outcome answer(const ApiRequest& r, const Admission* a) {
    const std::string endpoint = route_name(r.path);
    // A non-default endpoint cost (--endpoint-cost) is what the bucket charges.
    auto cost_it = ctx_.endpoint_costs.find(r.method + " " + endpoint);
    const FaultDecision d =
        ctx_.faults->decide(cost_it == ctx_.endpoint_costs.end() ? 0 : cost_it->second, a);
    Outcome o;
    Reply& reply = o.reply;
    if (d.outage_reset) {
      record(r, endpoint, "reset");
      ctx_.stats->count_fault("outage_reset");
      o.kind = Outcome::Reset;
      return o;
    }
    if (d.outage_503) {
      ctx_.stats->count_fault("outage_503");
      reply = {503, error_body("service_unavailable", "exchange unavailable", "simulated outage")};
    } else if (d.rate_limited) {
      ctx_.stats->count_fault("rate_limited");
      reply = {429, "{\"error\": \"too many requests\"}"};
      if (d.retry_after_s > 0)
        reply.headers.emplace_back("Retry-After", std::to_string(d.retry_after_s));
    } else if (d.error_status != 0) {
      ctx_.stats->count_fault("error_" + std::to_string(d.error_status));
      reply = injected_error(d.error_status);
    } else {
      if (d.delay_ms > 0) {
        ctx_.stats->count_fault("slow");
        std::this_thread::sleep_for(std::chrono::milliseconds(d.delay_ms));
      }
      try {
        reply = route(r);
      } catch (const BadRequest& e) {
        reply = bad_request(e.what(), e.details);
      }
      if (reply.status == 200 && d.disconnect) {
        record(r, endpoint, "disconnect");
        ctx_.stats->count_fault("disconnect");
        o.kind = Outcome::Partial;
        return o;
      }
      if (reply.status == 200 && d.malformed) {
        ctx_.stats->count_fault("malformed");
        reply.body = reply.body.substr(0, reply.body.size() / 2);  // truncated JSON, still a 200
      }
    }
    record(r, endpoint, std::to_string(reply.status));
    return o;
  }

  static std::string route_name(const std::string& path) {
    static const char* kFixed[] = {"/portfolio/balance",
                                   "/portfolio/positions",
                                   "/portfolio/orders",
                                   "/portfolio/fills",
                                   "/portfolio/settlements",
                                   "/portfolio/deposits",
                                   "/portfolio/withdrawals",
                                   "/portfolio/subaccounts/balances",
                                   "/portfolio/subaccounts/transfers",
                                   "/historical/cutoff",
                                   "/historical/fills",
                                   "/historical/orders",
                                   "/historical/positions",
                                   "/historical/markets",
                                   "/markets",
                                   "/events",
                                   "/account/limits",
                                   "/account/endpoint_costs",
                                   "/exchange/user_data_timestamp"};
    for (const char* f : kFixed)
      if (path == f) return f;
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

  Reply route(const ApiRequest& req) {
    const std::string& full_path = req.full_path;
    const std::string& path = req.path;
    const std::string& query = req.query;
    const std::string endpoint = route_name(path);
    if (endpoint == "(unknown)") return not_found("path " + full_path);
    if (req.method != "GET")
      return {405,
              error_body("method_not_allowed", "method " + req.method + " not allowed", "use GET")};

    const bool is_public =
        endpoint == "/historical/cutoff" || endpoint == "/markets" || endpoint == "/events" ||
        endpoint == "/markets/{ticker}" || endpoint == "/events/{event_ticker}" ||
        endpoint == "/series/{series_ticker}" || endpoint == "/historical/markets" ||
        endpoint == "/historical/markets/{ticker}" || endpoint == "/account/endpoint_costs" ||
        endpoint == "/exchange/user_data_timestamp";
    if (!is_public) {
      AuthResult r = check_request(*ctx_.auth, req.method, full_path, req.headers);
      if (!r.ok) {
        ctx_.stats->count_fault("auth_failed");
        return {401, nested_error_body(r.code, r.message, r.details)};
      }
    }

    // A key without the scope an endpoint needs (admin faults "forbidden_paths").
    for (const std::string& fp : ctx_.faults->settings().forbidden_paths) {
      const std::string fpath =
          fp.rfind(kApiPrefix, 0) == 0 ? fp.substr(std::string(kApiPrefix).size()) : fp;
      if (fpath != path && fpath != endpoint) continue;
      ctx_.stats->count_fault("forbidden");
      std::string scope = "read::" + endpoint.substr(1);
      std::replace(scope.begin() + 6, scope.end(), '/', '_');
      return {403,
              error_body("forbidden",
                         "API key is missing the required scope " + scope + " for " + path, "")};
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
      const int sub = static_cast<int>(p.integer("subaccount", 0, 63, 0));
      p.integer("exchange_index", 0, 1000000, 0);
      ds.render_balance(sub, out);
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
    } else if (endpoint == "/portfolio/positions" || endpoint == "/historical/positions") {
      out = positions(ds, p, endpoint == "/historical/positions");
    } else if (endpoint == "/markets" || endpoint == "/historical/markets") {
      out = markets(ds, p, endpoint == "/markets" ? MarketSet::Live : MarketSet::Historical);
    } else if (endpoint == "/markets/{ticker}" || endpoint == "/historical/markets/{ticker}") {
      const bool live = endpoint == "/markets/{ticker}";
      const std::string t = path_arg(live ? 9 : 20);
      std::string event_ticker;
      out = "{\"market\":";
      if (!ds.render_market_object(t, live ? MarketSet::Live : MarketSet::Historical, event_ticker,
                                   out))
        return not_found("market " + t);
      out.push_back('}');
    } else if (endpoint == "/events/{event_ticker}") {
      const std::string t = path_arg(8);
      const bool nested = bool_param(p, "with_nested_markets");
      out = "{\"event\":";
      if (!ds.render_event_object(t, nested, out)) return not_found("event " + t);
      // Without with_nested_markets the markets come as a top-level array (required either way).
      out.append(",\"markets\":");
      if (nested)
        out.append("[]");
      else
        ds.render_event_markets(t, out);
      out.push_back('}');
    } else if (endpoint == "/events") {
      out = events(ds, p);
    } else if (endpoint == "/series/{series_ticker}") {
      const std::string t = path_arg(8);
      if (!ds.render_series(t, out)) return not_found("series " + t);
    } else if (endpoint == "/portfolio/deposits" || endpoint == "/portfolio/withdrawals") {
      const bool dep = endpoint == "/portfolio/deposits";
      const TransferKind k = dep ? TransferKind::Deposits : TransferKind::Withdrawals;
      if (!dep && ctx_.withdrawals_404_when_none && ds.transfer_count(k) == 0)
        return not_found(
            "withdrawals");  // what one client reported for an account that never withdrew
      out = transfers(ds, p, k, dep ? "deposits" : "withdrawals", 500);
    } else if (endpoint == "/portfolio/subaccounts/transfers") {
      out = transfers(ds, p, TransferKind::SubaccountTransfers, "transfers", 1000);
    } else if (endpoint == "/portfolio/subaccounts/balances") {
      JsonWriter w(out);
      w.begin_object();
      w.key("subaccount_balances");
      w.begin_array();
      ds.render_subaccount_balances(w);
      w.end_array();
      w.end_object();
    } else if (endpoint == "/account/limits") {
      out = account_limits();
    } else if (endpoint == "/account/endpoint_costs") {
      out = endpoint_costs();
    } else if (endpoint == "/exchange/user_data_timestamp") {
      JsonWriter w(out);
      w.begin_object();
      w.kv_time("as_of_time", ds.data_as_of_us(), false);
      w.end_object();
    }
    return {200, std::move(out)};
  }

  static bool bool_param(const Params& p, const char* name) {
    if (!p.has(name)) return false;
    const std::string v = p.get(name);
    if (v != "true" && v != "false")
      throw BadRequest(std::string("invalid parameter ") + name, "must be true or false");
    return v == "true";
  }

  // What a ticker-keyed list's cursor says to continue after ("" without a cursor): the text after
  // `tag` in the decoded cursor. A cursor of another endpoint is a 400.
  static std::string cursor_after(const Params& p, const std::string& tag, const char* endpoint) {
    if (!p.has("cursor")) return "";
    std::string decoded;
    if (!base64url_decode(p.get("cursor"), decoded) || decoded.rfind(tag, 0) != 0)
      throw BadRequest("invalid parameter cursor", std::string("not a cursor of ") + endpoint);
    return decoded.substr(tag.size());
  }

  // Deposits, withdrawals, subaccount transfers: newest first; the cursor is the index of the
  // last record returned (records are only appended, so pages stay stable).
  static std::string transfers(const DataSource& ds, const Params& p, TransferKind k,
                               const char* key, int max_limit) {
    const int limit = static_cast<int>(p.integer("limit", 1, max_limit, 100));
    const std::string tag = std::string("v1|") + key + "|";
    std::size_t end = ds.transfer_count(k);
    if (p.has("cursor")) {
      std::string decoded;
      if (!base64url_decode(p.get("cursor"), decoded) || decoded.rfind(tag, 0) != 0)
        throw BadRequest("invalid cursor",
                         std::string("not a cursor of this endpoint (") + key + ")");
      const std::string n = decoded.substr(tag.size());
      if (n.empty() || n.size() > 9 || n.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(n) > end)
        throw BadRequest("invalid cursor", "cursor was not issued by this server");
      end = std::stoul(n);
    }
    std::string out = std::string("{\"") + key + "\":[";
    std::size_t i = end, n = 0;
    while (i > 0 && n < static_cast<std::size_t>(limit)) {
      if (n++) out.push_back(',');
      ds.render_transfer(k, --i, out);
    }
    out.append("],\"cursor\":\"")
        .append(i > 0 ? base64url_encode(tag + std::to_string(i)) : "")
        .append("\"}");
    return out;
  }

  // GET /events: `tickers` (comma-separated event tickers; unknown ones are absent), `limit`
  // (1..200, default 200), `cursor`, `with_nested_markets`. Exchange-wide filters answer 400.
  static std::string events(const DataSource& ds, const Params& p) {
    for (const char* unsupported :
         {"status", "series_ticker", "min_close_ts", "min_updated_ts", "with_milestones"}) {
      if (p.has(unsupported))
        throw BadRequest(std::string("unsupported parameter ") + unsupported,
                         "kalshi-sim's GET /events filters by tickers only");
    }
    const int limit = static_cast<int>(p.integer("limit", 1, 200, 200));
    const bool nested = bool_param(p, "with_nested_markets");
    const std::string after = cursor_after(p, "v1|ev|", "GET /events");
    const std::string tickers_param = p.get("tickers");
    const std::vector<std::string> tickers =
        requested_tickers(p.has("tickers") ? &tickers_param : nullptr, ds.event_tickers());
    std::string out = "{\"events\":[", object, last;
    int count = 0;
    bool more = false;
    for (const std::string& t : tickers) {
      if (!after.empty() && t <= after) continue;
      object.clear();
      if (!ds.render_event_object(t, nested, object)) continue;  // unknown: absent
      if (count == limit) {
        more = true;
        break;
      }
      if (count++) out.push_back(',');
      out.append(object);
      last = t;
    }
    out.append("],\"cursor\":\"")
        .append(more ? base64url_encode("v1|ev|" + last) : "")
        .append("\"}");
    return out;
  }

  // GET /account/limits: the simulator's own token bucket. With the limiter off the tier's
  // published read budget is reported (Basic: refill 200, capacity 200).
  std::string account_limits() const {
    struct Tier {
      const char* name;
      int read, write;
    };
    static const Tier kTiers[] = {{"basic", 200, 100},     {"advanced", 300, 300},
                                  {"expert", 600, 600},    {"premier", 1000, 1000},
                                  {"paragon", 2000, 2000}, {"prime", 4000, 4000}};
    Tier tier = kTiers[0];
    for (const Tier& t : kTiers)
      if (ctx_.usage_tier == t.name) tier = t;
    const FaultSettings f = ctx_.faults->settings();
    std::int64_t refill = tier.read, capacity = tier.read;
    if (f.rate_limit_rps > 0) {
      const double burst =
          f.rate_limit_burst > 0 ? f.rate_limit_burst : std::max(1.0, f.rate_limit_rps);
      refill = static_cast<std::int64_t>(f.rate_limit_rps * f.rate_limit_cost + 0.5);
      capacity = static_cast<std::int64_t>(burst * f.rate_limit_cost + 0.5);
    }
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.kv("usage_tier", ctx_.usage_tier);
    w.key("read");
    w.begin_object();
    w.kv_i64("refill_rate", refill);
    w.kv_i64("bucket_capacity", capacity);
    w.end_object();
    w.key("write");  // the simulator serves no writes; the tier's budget (two seconds above Basic)
    w.begin_object();
    w.kv_i64("refill_rate", tier.write);
    w.kv_i64("bucket_capacity", ctx_.usage_tier == "basic" ? tier.write : 2 * tier.write);
    w.end_object();
    w.key("grants");
    w.begin_array();
    w.end_array();
    w.end_object();
    return out;
  }

  std::string endpoint_costs() const {
    const FaultSettings f = ctx_.faults->settings();
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.kv_i64("default_cost", static_cast<std::int64_t>(f.rate_limit_cost + 0.5));
    w.key("endpoint_costs");
    w.begin_array();
    for (const auto& [key, cost] : ctx_.endpoint_costs) {
      const std::size_t sp = key.find(' ');
      w.begin_object();
      w.kv("method", key.substr(0, sp));
      w.kv("path", key.substr(sp + 1));
      w.kv_i64("cost", cost);
      w.end_object();
    }
    w.end_array();
    w.end_object();
    return out;
  }

  // GET /markets: `tickers` (comma-separated) and/or `event_ticker` filter the account's markets;
  // ascending by ticker, `limit` (1-1000, default 100) a page, the cursor encodes the last ticker.
  // The exchange-wide filters (series_ticker, status, close/settle times, mve_filter) are not
  // simulated: asking for them is a 400, never a silently unfiltered list.
  static std::string markets(const DataSource& ds, const Params& p, MarketSet set) {
    for (const char* unsupported :
         {"series_ticker", "status", "min_close_ts", "max_close_ts", "min_created_ts",
          "max_created_ts", "min_updated_ts", "min_settled_ts", "max_settled_ts", "mve_filter"}) {
      if (p.has(unsupported))
        throw BadRequest(std::string("unsupported parameter ") + unsupported,
                         "kalshi-sim's GET /markets filters by tickers and event_ticker only");
    }
    const int limit = static_cast<int>(p.integer("limit", 1, 1000, 100));
    const std::string after = cursor_after(p, "v1|mk|", "GET /markets");
    const std::string tickers_param = p.get("tickers");
    const std::vector<std::string> tickers =
        requested_tickers(p.has("tickers") ? &tickers_param : nullptr, ds.market_tickers(set));
    const std::string event_filter = p.get("event_ticker");
    std::string out = "{\"markets\":[";
    std::string last, event_ticker, object;
    int count = 0;
    bool more = false;
    for (const std::string& ticker : tickers) {
      if (!after.empty() && ticker <= after) continue;
      object.clear();
      if (!ds.render_market_object(ticker, set, event_ticker, object))
        continue;  // unknown: left out
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

  // GET /portfolio/positions (settlement_status unsettled|settled|all, default unsettled) and
  // GET /historical/positions (settled positions last updated before the cutoff). Both cover
  // subaccount 0 unless `subaccount` says otherwise.
  std::string positions(const DataSource& ds, const Params& p, bool historical) const {
    PositionsQuery q;
    const int limit = static_cast<int>(p.integer("limit", 1, 1000, 100));
    const std::string cursor = p.get("cursor");
    q.ticker = p.get("ticker");
    q.event_ticker = p.get("event_ticker");
    q.subaccount = static_cast<int>(p.integer("subaccount", 0, 63, 0));
    if (historical) {
      q.set = PositionSet::Historical;
    } else if (p.has("settlement_status")) {
      const std::string st = p.get("settlement_status");
      if (st == "unsettled")
        q.set = PositionSet::Unsettled;
      else if (st == "settled")
        q.set = PositionSet::Settled;
      else if (st == "all")
        q.set = PositionSet::All;
      else
        throw BadRequest("invalid parameter settlement_status",
                         "settlement_status must be unsettled, settled or all");
    }
    for (const std::string& f : split_commas(p.get("count_filter"))) {
      if (f == "position")
        q.need_position = true;
      else if (f == "total_traded")
        q.need_traded = true;
      else
        throw BadRequest("invalid parameter count_filter",
                         "count_filter accepts position,total_traded");
    }
    const bool any = p.integer("exchange_index", 0, 1000000, 0) == 0;
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
    // A POST without Content-Length and not chunked (curl -X POST without -d) has no body;
    // reading one would wait for the client to close the connection.
    if (method == "POST" && (req.hasContentLength() || req.getChunkedTransferEncoding())) {
      std::ostringstream os;
      os << req.stream().rdbuf();
      body = os.str();
    }
    if (path == "/admin/health" && method == "GET") return {200, "{\"ok\":true}"};
    if (path == "/admin/stats" && method == "GET")
      return {200, ctx_.stats->json(ctx_.faults->trigger_stats_members())};
    if (path == "/admin/stats/reset" && method == "POST") {
      ctx_.stats->reset();
      ctx_.faults->reset_trigger_counters();
      return {200, "{\"ok\":true}"};
    }
    if (path == "/admin/release" && method == "POST")
      return {200, "{\"released\":" + std::to_string(ctx_.faults->release_stalled()) + "}"};
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
    if (path == "/admin/trade-rate" && method == "POST") return trade_rate(req);
    if (path == "/admin/live" && method == "GET") return {200, live_json()};
    if (path == "/admin/ws-faults" && method == "GET" && ctx_.live)
      return {200, ctx_.live->faults_json()};
    if (path == "/admin/ws-faults" && method == "POST" && ctx_.live) {
      std::string err = ctx_.live->apply_faults_json(body);
      if (!err.empty()) return bad_request("invalid WebSocket faults", err);
      return {200, ctx_.live->faults_json()};
    }
    if (path == "/admin/apply-pending-transfers" && method == "POST") {
      std::string answer;
      {
        std::unique_lock<std::shared_mutex> lock(ctx_.account_mutex);
        try {
          answer = ctx_.account->apply_pending_transfers();
        } catch (const std::exception& e) {
          return {409, error_body("conflict", "cannot apply pending transfers", e.what())};
        }
      }
      if (!ctx_.truth_path.empty()) {
        std::string err = rewrite_truth();
        if (!err.empty())
          return {500, error_body("internal_server_error", "cannot write truth", err)};
      }
      return {200, answer};
    }
    return not_found("admin path " + path);
  }

  // POST /admin/trade-rate?rate=N: N new fills a second from now on (0 stops trading).
  Reply trade_rate(Poco::Net::HTTPServerRequest& req) {
    if (!ctx_.trader) return not_found("admin path /admin/trade-rate");
    const std::string& uri = req.getURI();
    const std::size_t q = uri.find('?');
    double rate = -1;
    try {
      const std::string value = Params(q == std::string::npos ? "" : uri.substr(q + 1)).get("rate");
      char* end = nullptr;
      rate = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(rate >= 0 && rate <= 10000)) rate = -1;
    } catch (const BadRequest&) {
    }
    if (rate < 0)
      return bad_request("invalid rate", "expected ?rate=N, N fills a second, 0..10000");
    if (rate > 0 && !ctx_.account->can_add_fills())
      return {409, error_body("conflict", "trading needs a generated account",
                              "not available with --fixture")};
    ctx_.trader->set_rate(rate);
    return {200, live_json()};
  }

  std::string live_json() const {
    std::string out;
    JsonWriter w(out);
    w.begin_object();
    w.key("trade_rate").raw(std::to_string(ctx_.trader ? ctx_.trader->rate() : 0.0));
    if (ctx_.live) {
      w.kv_i64("connections", ctx_.live->connections.load());
      w.kv_i64("handshakes", ctx_.live->handshakes.load());
      w.kv_i64("messages_sent", ctx_.live->messages_sent.load());
      w.kv_i64("fills_made", ctx_.live->fills_made.load());
    }
    w.end_object();
    return out;
  }

  Reply add_fills(const std::string& body) {
    std::int64_t count = 0;
    bool round_trips = false;
    try {
      Poco::JSON::Parser parser;
      Poco::Dynamic::Var v = parser.parse(body.empty() ? "{}" : body);
      if (v.type() != typeid(Poco::JSON::Object::Ptr))
        return bad_request("invalid body", "expected {\"count\":N}");
      auto o = v.extract<Poco::JSON::Object::Ptr>();
      if (!o->has("count") || !o->get("count").isInteger())
        return bad_request("invalid body", "expected {\"count\":N}");
      count = o->get("count").convert<std::int64_t>();
      if (o->has("round_trips")) {
        if (!o->get("round_trips").isBoolean())
          return bad_request("invalid body", "round_trips must be true or false");
        round_trips = o->get("round_trips").extract<bool>();
      }
    } catch (const Poco::Exception& e) {
      return bad_request("invalid JSON", e.displayText());
    }
    if (count < 1 || count > 1000000)
      return bad_request("invalid count", "count must be 1..1000000");
    if (!ctx_.account->can_add_fills())
      return {409, error_body("conflict", "add-fills needs a generated account",
                              "not available with --fixture")};
    AddFillsResult r;
    try {
      r = trade_now(ctx_, static_cast<int>(count), round_trips, 0);  // takes the account lock
    } catch (const std::exception& e) {
      return {409, error_body("conflict", "cannot add fills", e.what())};
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
    w.key("round_trip_tickers");
    w.begin_array();
    for (const std::string& ticker : r.round_trip_tickers) w.str(ticker);
    w.end_array();
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
  void record(const ApiRequest& r, const std::string& endpoint, const std::string& status) {
    ctx_.stats->record(endpoint, status);
    if (ctx_.verbose) std::cerr << r.method << " " << r.uri << " -> " << status << std::endl;
  }

  static void send(Poco::Net::HTTPServerResponse& resp, const Reply& reply) {
    resp.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
    resp.setContentType(content_type(reply));
    for (const auto& [k, v] : reply.headers) resp.set(k, v);
    resp.sendBuffer(reply.body.data(), reply.body.size());
  }

  static const char* content_type(const Reply& reply) {
    const bool html = !reply.body.empty() && reply.body[0] == '<';
    return html ? "text/html" : "application/json; charset=utf-8";
  }

  // An outcome on the connection Poco handed us.
  static void deliver(Poco::Net::HTTPServerRequest& req, Poco::Net::HTTPServerResponse& resp,
                      const Outcome& o) {
    if (o.kind == Outcome::Send) {
      send(resp, o.reply);
      return;
    }
    Poco::Net::StreamSocket sock = detach(req);
    deliver_detached(sock, o);
  }

  // An outcome on a connection taken from Poco: a full answer is sent with
  // "Connection: close" and the connection closed after it.
  static void deliver_detached(Poco::Net::StreamSocket& sock, const Outcome& o) {
    switch (o.kind) {
      case Outcome::Reset:
        reset_connection(sock);
        return;
      case Outcome::Partial:
        send_partial_and_close(sock, o.reply.body);
        return;
      case Outcome::Send:
        break;
    }
    const Reply& reply = o.reply;
    const auto status = static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status);
    std::string msg = "HTTP/1.1 " + std::to_string(reply.status) + " " +
                      Poco::Net::HTTPResponse::getReasonForStatus(status) +
                      "\r\nContent-Type: " + content_type(reply) + "\r\n";
    for (const auto& [k, v] : reply.headers) msg.append(k).append(": ").append(v).append("\r\n");
    msg.append("Content-Length: ").append(std::to_string(reply.body.size()));
    msg.append("\r\nConnection: close\r\n\r\n").append(reply.body);
    try {
      send_all(sock, msg);
      sock.shutdownSend();
    } catch (const Poco::Exception&) {
    }
    close_quietly(sock);
  }

  static Poco::Net::StreamSocket detach(Poco::Net::HTTPServerRequest& req) {
    return dynamic_cast<Poco::Net::HTTPServerRequestImpl&>(req).detachSocket();
  }

  static void send_all(Poco::Net::StreamSocket& sock, const std::string& data) {
    std::size_t off = 0;
    while (off < data.size()) {
      const int n = sock.sendBytes(
          data.data() + off, static_cast<int>(std::min<std::size_t>(data.size() - off, 1 << 20)));
      if (n <= 0) throw Poco::IOException("connection closed while sending");
      off += static_cast<std::size_t>(n);
    }
  }

  static void close_quietly(Poco::Net::StreamSocket& sock) {
    try {
      sock.close();
    } catch (const Poco::Exception&) {
    }
  }

  // Headers announce the full length, half the body is written, then the connection closes.
  static void send_partial_and_close(Poco::Net::StreamSocket& sock, const std::string& body) {
    std::string head =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n";
    head.append(body, 0, body.size() / 2);
    try {
      send_all(sock, head);
      sock.shutdown();
    } catch (const Poco::Exception&) {
    }
    close_quietly(sock);
  }

  // An abortive close (RST) instead of an HTTP response.
  static void reset_connection(Poco::Net::StreamSocket& sock) {
    try {
      sock.setLinger(true, 0);
    } catch (const Poco::Exception&) {
    }
    close_quietly(sock);
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

void StallThreads::start(std::function<void()> fn) {
  std::lock_guard<std::mutex> lock(mu_);
  for (std::uint64_t id : finished_) {  // reap the ones that returned
    auto it = running_.find(id);
    if (it != running_.end()) {
      it->second.join();
      running_.erase(it);
    }
  }
  finished_.clear();
  const std::uint64_t id = next_++;
  running_.emplace(id, std::thread([this, id, fn = std::move(fn)] {
                     fn();
                     std::lock_guard<std::mutex> done(mu_);
                     finished_.push_back(id);
                   }));
}

void StallThreads::join_all() {
  std::map<std::uint64_t, std::thread> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running.swap(running_);
    finished_.clear();
  }
  for (auto& [id, t] : running)
    if (t.joinable()) t.join();
}

void stop_held_requests(ServerContext& ctx) {
  ctx.faults->shutdown();
  ctx.stall_threads.join_all();
}

Poco::Net::HTTPRequestHandler* HandlerFactory::createRequestHandler(
    const Poco::Net::HTTPServerRequest&) {
  return new Handler(ctx_);
}

}  // namespace ksim

// The dashboard's JSON API (docs/api.md): every answer of /api/v1/*, /healthz and /metrics,
// computed from one read-only store inside the caller's read transaction. No HTTP here (the
// server, dashboard_server.h, routes and authenticates), so each answer can be tested directly.
//
// The figures come from the Kalshi data model module: period_figures.h (the same code as
// `kalshi-direct report`, so the page and the report agree), dashboard_queries.h, snapshots.h
// and the engine's run history (run_history.h). Money is exact decimal text throughout.
//
// Contract: a bad query parameter answers 400 with {"error": "<one line>"}; an unknown path 404;
// a database without a ledger 503. No answer holds a file path, a secret or an environment value.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace serve {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra (Content-Disposition)
};

// What the serving process itself knows about syncing (none of it is in the database).
struct SyncSchedule {
  std::optional<int64_t> every_s;  // serve --sync-every; none: something else syncs
  std::optional<int64_t> next_us;  // when the next scheduled sync starts
  bool running = false;
};

struct ApiSettings {
  int64_t stale_after_s = 3600;               // the last successful sync is stale after this
  std::function<SyncSchedule()> schedule;     // may be empty
  std::function<std::string()> http_metrics;  // the server's own /metrics lines; may be empty
};

// Answers that depend only on the data and the day are kept, keyed by the data's version
// (kalshi::dataVersion: it changes with every recorded run and snapshot), the quarter hour (so
// "today" moves on at midnight in any time zone), the path and the parameters; a new version
// empties it. Bounded by entries and bytes, least recently used first out. Thread-safe.
class AnswerCache {
 public:
  AnswerCache(size_t max_entries, size_t max_bytes)
      : max_entries_(max_entries), max_bytes_(max_bytes) {}
  // The kept answer of `key` under `version`, if any.
  std::optional<ApiResponse> find(const std::string& version, const std::string& key);
  void keep(const std::string& version, const std::string& key, const ApiResponse& answer);
  size_t size() const;

 private:
  void clearFor(const std::string& version);  // with mutex_ held
  mutable std::mutex mutex_;
  std::string version_;
  using Entry = std::pair<std::string, ApiResponse>;
  std::list<Entry> entries_;  // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  size_t bytes_ = 0;
  size_t max_entries_, max_bytes_;
};

class DashboardApi {
 public:
  explicit DashboardApi(ApiSettings settings)
      : settings_(std::move(settings)), cache_(std::make_shared<AnswerCache>(256, 64 << 20)) {}

  // The answer to GET `path` with `params` at `now_us`. `recompute` (the request's
  // Cache-Control: no-cache, as a browser's hard reload sends) computes it afresh even when kept.
  ApiResponse answer(const std::string& path, const QueryParams& params, Store& store,
                     int64_t now_us, bool recompute = false) const;

  // Whether `path` is one this API answers (the server's 404 otherwise).
  static bool handles(const std::string& path);

  // Computes and keeps the answers the page asks for when it opens with its default filters
  // (web/src/app.js: every range, whole account, first page of orders and fills), so that the
  // first viewer after a sync is served kept answers. The server calls it, inside a read
  // transaction, when the data's version or the quarter hour changes, before it tells the open
  // pages. Returns how many answers it kept.
  int warm(Store& store, int64_t now_us) const;

 private:
  ApiResponse compute(const std::string& path, const QueryParams& params, Store& store,
                      int64_t now_us) const;
  ApiSettings settings_;
  std::shared_ptr<AnswerCache> cache_;
};

}  // namespace serve
}  // namespace kalshi_direct

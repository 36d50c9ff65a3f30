// Fault injection, rate limiting and request statistics.
//
// Faults apply only to /trade-api paths (never to /admin), so a test can always reconfigure or
// inspect the simulator while it misbehaves. Settings come from flags and can be replaced at
// run time through POST /admin/faults.
//
// Random faults draw from one seeded RNG (--fault-seed, "fault_seed"): the same seed and the same
// sequence of requests give the same decisions. The deterministic triggers
// (outage_after_requests, stall_after_requests, stall_paths) count /trade-api requests from the
// moment the setting was applied, so a test can act at an exact request instead of racing.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "rng.h"

namespace ksim {

enum class OutageMode { Off, Unavailable503, Reset };

struct FaultSettings {
  // Token bucket, Kalshi style: a read costs `rate_limit_cost` tokens and the bucket refills
  // rate_limit_rps * cost tokens per second, holding at most burst * cost. rps 0 = unlimited.
  double rate_limit_rps = 0;
  double rate_limit_burst = 0;  // in requests; 0 = max(1, rps)
  double rate_limit_cost = 10;
  double error_rate = 0;  // fraction answered with one of error_statuses
  std::vector<int> error_statuses = {500, 502, 503};
  double disconnect_rate = 0;  // fraction of 200s whose connection is closed mid-body
  double malformed_rate = 0;   // fraction of 200s whose JSON body is truncated
  int slow_ms = 0;             // delay added to a `slow_rate` fraction of requests
  double slow_rate = 1;
  OutageMode outage = OutageMode::Off;
  int retry_after_s = 0;  // 429s carry "Retry-After: N" when > 0 (Kalshi sends none)
  std::vector<std::string> forbidden_paths;  // answered 403 (API key lacks the scope)
  // Deterministic triggers, counted over /trade-api requests since the setting was applied.
  // -1 = off. The first N requests are served normally, request N+1 and later ones get the
  // outage (`outage`, or 503 when it is off) / are held open without an answer.
  std::int64_t outage_after_requests = -1;
  std::int64_t stall_after_requests = -1;
  std::vector<std::string> stall_paths;  // prefixes below /trade-api/v2 whose requests are held
  // ... after the first N requests to them were served ("stall after the Nth page"): 0 = at once.
  std::int64_t stall_paths_after = 0;
  int stall_max_ms = 60000;  // a held request is answered normally after this
};

const char* outage_name(OutageMode m);
bool parse_outage(const std::string& s, OutageMode& m);

struct FaultDecision {
  bool outage_503 = false;
  bool outage_reset = false;
  bool rate_limited = false;
  int error_status = 0;   // 0 = none
  int retry_after_s = 0;  // with rate_limited
  int delay_ms = 0;
  bool disconnect = false;
  bool malformed = false;
};

// The triggers' verdict on one /trade-api request, taken when it arrives (before any fault).
struct Admission {
  bool outage_due = false;     // outage_after_requests is armed and this request is past it
  bool stall = false;          // hold it (Faults::hold) before answering
  bool stall_refused = false;  // it should have been held, but kMaxStalled requests already are
  std::uint64_t release_epoch = 0;
  std::chrono::steady_clock::time_point stall_deadline;
};

enum class StallEnd { Released, TimedOut, Shutdown };

class Faults {
 public:
  // At most this many requests are held at once; later ones that should stall are answered at
  // once (counted as the fault "stall_refused").
  static constexpr int kMaxStalled = 256;

  Faults(const FaultSettings& s, std::uint64_t seed);
  FaultSettings settings() const;
  void replace(const FaultSettings& s);  // also refills the bucket and re-arms both triggers
  std::uint64_t seed() const;
  void reseed(std::uint64_t seed);  // restarts the random sequence

  // One call per /trade-api request, first: counts it for the triggers and says whether it is
  // held. `api_path` is the path below /trade-api/v2, without the query.
  Admission admit(const std::string& api_path);
  // Blocks a request admitted with `stall` until it is released (release_stalled, or a change of
  // the stall settings), stall_max_ms passes, or shutdown().
  StallEnd hold(const Admission& a);
  // Ends a stall admitted by admit() whose request could not be held after all.
  void unhold();
  // Releases every request held now; returns how many.
  int release_stalled();
  // Releases every held request for good (server shutdown); later stalls end at once.
  void shutdown();

  // One call per /trade-api request that is answered; `cost` tokens are taken from the bucket
  // (<= 0: the configured rate_limit_cost). `a` is the request's admission (outage_after_requests).
  FaultDecision decide(double cost = 0, const Admission* a = nullptr);

  std::string settings_json() const;
  // Applies a JSON object of settings (same names as settings_json, plus "fault_seed" and
  // "reset") on top of the current ones. Returns "" on success or a message describing the bad
  // field.
  std::string apply_json(const std::string& body);

  // The triggers' counters as JSON object members (without braces) for GET /admin/stats:
  // "stalled_now", "stalled_total", "stall_timeouts", "requests_since_outage_armed",
  // "requests_since_stall_armed".
  std::string trigger_stats_members() const;
  void reset_trigger_counters();  // stalled_total and stall_timeouts (POST /admin/stats/reset)

 private:
  double roll();
  void commit_locked(const FaultSettings& s, bool arm_outage, bool arm_stall, bool arm_paths,
                     bool release_stalls);

  mutable std::mutex mu_;
  std::condition_variable released_;
  FaultSettings s_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_refill_;
  std::uint64_t seed_;
  Rng rng_;
  std::int64_t outage_seen_ = 0;  // /trade-api requests since outage_after_requests was applied
  std::int64_t stall_seen_ = 0;   // same for stall_after_requests
  std::int64_t stall_paths_seen_ = 0;  // requests to stall_paths since it (or _after) was set
  std::uint64_t release_epoch_ = 0;
  bool shutdown_ = false;
  int stalled_now_ = 0;
  std::int64_t stalled_total_ = 0;
  std::int64_t stall_timeouts_ = 0;
};

class Stats {
 public:
  void record(const std::string& endpoint, const std::string& status);
  void count_fault(const std::string& kind);
  // `extra_members`: pre-rendered `"key":value,...` appended to the top-level object.
  std::string json(const std::string& extra_members = "") const;
  void reset();

 private:
  mutable std::mutex mu_;
  std::int64_t total_ = 0;
  std::map<std::string, std::map<std::string, std::int64_t>> by_endpoint_;
  std::map<std::string, std::int64_t> by_status_;
  std::map<std::string, std::int64_t> faults_;
};

}  // namespace ksim

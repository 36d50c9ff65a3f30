// Fault injection, rate limiting and request statistics.
//
// Faults apply only to /trade-api paths (never to /admin), so a test can always reconfigure or
// inspect the simulator while it misbehaves. Settings come from flags and can be replaced at
// run time through POST /admin/faults.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

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

class Faults {
 public:
  explicit Faults(const FaultSettings& s);
  FaultSettings settings() const;
  void replace(const FaultSettings& s);  // also refills the bucket
  // One call per /trade-api request; `cost` tokens are taken from the bucket (<= 0: the
  // configured rate_limit_cost).
  FaultDecision decide(double cost = 0);

  std::string settings_json() const;
  // Applies a JSON object of settings (same names as settings_json) on top of the current ones.
  // Returns "" on success or a message describing the bad field.
  std::string apply_json(const std::string& body);

 private:
  double roll();

  mutable std::mutex mu_;
  FaultSettings s_;
  double tokens_ = 0;
  std::chrono::steady_clock::time_point last_refill_;
  std::mt19937_64 rng_;
};

class Stats {
 public:
  void record(const std::string& endpoint, const std::string& status);
  void count_fault(const std::string& kind);
  std::string json() const;
  void reset();

 private:
  mutable std::mutex mu_;
  std::int64_t total_ = 0;
  std::map<std::string, std::map<std::string, std::int64_t>> by_endpoint_;
  std::map<std::string, std::int64_t> by_status_;
  std::map<std::string, std::int64_t> faults_;
};

}  // namespace ksim

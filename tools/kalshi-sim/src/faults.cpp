#include "faults.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <sstream>

#include "json_writer.h"

namespace ksim {

const char* outage_name(OutageMode m) {
  switch (m) {
    case OutageMode::Off:
      return "off";
    case OutageMode::Unavailable503:
      return "503";
    case OutageMode::Reset:
      return "reset";
  }
  return "off";
}

bool parse_outage(const std::string& s, OutageMode& m) {
  if (s == "off" || s == "false" || s == "none")
    m = OutageMode::Off;
  else if (s == "503" || s == "on" || s == "true")
    m = OutageMode::Unavailable503;
  else if (s == "reset")
    m = OutageMode::Reset;
  else
    return false;
  return true;
}

namespace {

constexpr const char* kApiPrefix = "/trade-api/v2";

// A path as routed: an optional /trade-api/v2 prefix is dropped.
std::string below_api_prefix(const std::string& p) {
  const std::string prefix = kApiPrefix;
  return p.rfind(prefix, 0) == 0 ? p.substr(prefix.size()) : p;
}

// `path` is `prefix` itself or below it: "/portfolio/settlements" covers
// "/portfolio/settlements" and "/portfolio/settlements/x", not "/portfolio/settlementsx".
bool under_prefix(const std::string& path, const std::string& prefix) {
  if (prefix.empty() || path.compare(0, prefix.size(), prefix) != 0) return false;
  return path.size() == prefix.size() || prefix.back() == '/' || path[prefix.size()] == '/';
}

}  // namespace

Faults::Faults(const FaultSettings& s, std::uint64_t seed) : seed_(seed), rng_(seed) { replace(s); }

FaultSettings Faults::settings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return s_;
}

void Faults::replace(const FaultSettings& s) {
  std::lock_guard<std::mutex> lock(mu_);
  commit_locked(s, true, true, true, true);
}

void Faults::commit_locked(const FaultSettings& s, bool arm_outage, bool arm_stall, bool arm_paths,
                           bool release_stalls) {
  s_ = s;
  for (std::string& p : s_.stall_paths) p = below_api_prefix(p);
  const double burst =
      s_.rate_limit_burst > 0 ? s_.rate_limit_burst : std::max(1.0, s_.rate_limit_rps);
  tokens_ = burst * s_.rate_limit_cost;
  last_refill_ = std::chrono::steady_clock::now();
  if (arm_outage) outage_seen_ = 0;
  if (arm_stall) stall_seen_ = 0;
  if (arm_paths) stall_paths_seen_ = 0;
  if (release_stalls) {
    ++release_epoch_;
    released_.notify_all();
  }
}

std::uint64_t Faults::seed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return seed_;
}

void Faults::reseed(std::uint64_t seed) {
  std::lock_guard<std::mutex> lock(mu_);
  seed_ = seed;
  rng_ = Rng(seed);
}

// Uniform in [0, 1) from the top 53 bits: the same doubles on every standard library.
double Faults::roll() { return static_cast<double>(rng_.next() >> 11) * 0x1.0p-53; }

Admission Faults::admit(const std::string& api_path) {
  std::lock_guard<std::mutex> lock(mu_);
  Admission a;
  ++outage_seen_;
  ++stall_seen_;
  a.outage_due = s_.outage_after_requests >= 0 && outage_seen_ > s_.outage_after_requests;
  bool stall = s_.stall_after_requests >= 0 && stall_seen_ > s_.stall_after_requests;
  bool on_path = false;
  for (const std::string& p : s_.stall_paths) on_path = on_path || under_prefix(api_path, p);
  if (on_path) stall = ++stall_paths_seen_ > s_.stall_paths_after || stall;
  if (!stall || shutdown_) return a;
  if (stalled_now_ >= kMaxStalled) {
    a.stall_refused = true;
    return a;
  }
  a.stall = true;
  a.release_epoch = release_epoch_;
  a.stall_deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(s_.stall_max_ms);
  ++stalled_now_;
  ++stalled_total_;
  return a;
}

StallEnd Faults::hold(const Admission& a) {
  std::unique_lock<std::mutex> lock(mu_);
  const bool woken = released_.wait_until(
      lock, a.stall_deadline, [&] { return shutdown_ || release_epoch_ != a.release_epoch; });
  --stalled_now_;
  if (!woken) {
    ++stall_timeouts_;
    return StallEnd::TimedOut;
  }
  return shutdown_ ? StallEnd::Shutdown : StallEnd::Released;
}

void Faults::unhold() {
  std::lock_guard<std::mutex> lock(mu_);
  --stalled_now_;
}

int Faults::release_stalled() {
  std::lock_guard<std::mutex> lock(mu_);
  const int n = stalled_now_;
  ++release_epoch_;
  released_.notify_all();
  return n;
}

void Faults::shutdown() {
  std::lock_guard<std::mutex> lock(mu_);
  shutdown_ = true;
  released_.notify_all();
}

FaultDecision Faults::decide(double cost, const Admission* a) {
  std::lock_guard<std::mutex> lock(mu_);
  FaultDecision d;
  OutageMode outage = s_.outage;
  if (s_.outage_after_requests >= 0) {  // armed: the outage waits for request N+1
    const bool due = a != nullptr && a->outage_due;
    outage = !due ? OutageMode::Off
                  : (s_.outage == OutageMode::Off ? OutageMode::Unavailable503 : s_.outage);
  }
  if (outage == OutageMode::Reset) {
    d.outage_reset = true;
    return d;
  }
  if (outage == OutageMode::Unavailable503) {
    d.outage_503 = true;
    return d;
  }
  if (s_.rate_limit_rps > 0) {
    const auto now = std::chrono::steady_clock::now();
    const double elapsed = std::chrono::duration<double>(now - last_refill_).count();
    last_refill_ = now;
    const double burst =
        s_.rate_limit_burst > 0 ? s_.rate_limit_burst : std::max(1.0, s_.rate_limit_rps);
    const double capacity = burst * s_.rate_limit_cost;
    tokens_ = std::min(capacity, tokens_ + elapsed * s_.rate_limit_rps * s_.rate_limit_cost);
    const double need = cost > 0 ? cost : s_.rate_limit_cost;
    if (tokens_ + 1e-9 < need) {
      d.rate_limited = true;
      d.retry_after_s = s_.retry_after_s;
      return d;
    }
    tokens_ -= need;
  }
  if (s_.error_rate > 0 && !s_.error_statuses.empty() && roll() < s_.error_rate) {
    d.error_status =
        s_.error_statuses[static_cast<std::size_t>(rng_.below(s_.error_statuses.size()))];
    return d;
  }
  if (s_.slow_ms > 0 && roll() < s_.slow_rate) d.delay_ms = s_.slow_ms;
  if (s_.disconnect_rate > 0 && roll() < s_.disconnect_rate) {
    d.disconnect = true;
  } else if (s_.malformed_rate > 0 && roll() < s_.malformed_rate) {
    d.malformed = true;
  }
  return d;
}

std::string Faults::trigger_stats_members() const {
  std::lock_guard<std::mutex> lock(mu_);
  return "\"stalled_now\":" + std::to_string(stalled_now_) +
         ",\"stalled_total\":" + std::to_string(stalled_total_) +
         ",\"stall_timeouts\":" + std::to_string(stall_timeouts_) +
         ",\"requests_since_outage_armed\":" + std::to_string(outage_seen_) +
         ",\"requests_since_stall_armed\":" + std::to_string(stall_seen_);
}

void Faults::reset_trigger_counters() {
  std::lock_guard<std::mutex> lock(mu_);
  stalled_total_ = 0;
  stall_timeouts_ = 0;
}

std::string Faults::settings_json() const {
  FaultSettings s;
  std::uint64_t seed = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    s = s_;
    seed = seed_;
  }
  std::string out;
  JsonWriter w(out);
  auto num = [&](const char* k, double v) {
    std::ostringstream os;
    os << v;
    w.key(k).raw(os.str());
  };
  w.begin_object();
  num("rate_limit_rps", s.rate_limit_rps);
  num("rate_limit_burst", s.rate_limit_burst);
  num("rate_limit_cost", s.rate_limit_cost);
  num("error_rate", s.error_rate);
  w.key("error_statuses");
  w.begin_array();
  for (int st : s.error_statuses) w.i64(st);
  w.end_array();
  num("disconnect_rate", s.disconnect_rate);
  num("malformed_rate", s.malformed_rate);
  w.kv_i64("slow_ms", s.slow_ms);
  num("slow_rate", s.slow_rate);
  w.kv("outage", outage_name(s.outage));
  w.kv_i64("retry_after_s", s.retry_after_s);
  w.key("forbidden_paths");
  w.begin_array();
  for (const std::string& p : s.forbidden_paths) w.str(p);
  w.end_array();
  w.key("fault_seed").raw(std::to_string(seed));
  w.kv_i64("outage_after_requests", s.outage_after_requests);
  w.kv_i64("stall_after_requests", s.stall_after_requests);
  w.key("stall_paths");
  w.begin_array();
  for (const std::string& p : s.stall_paths) w.str(p);
  w.end_array();
  w.kv_i64("stall_paths_after", s.stall_paths_after);
  w.kv_i64("stall_max_ms", s.stall_max_ms);
  w.end_object();
  return out;
}

std::string Faults::apply_json(const std::string& body) {
  using Poco::JSON::Object;
  Object::Ptr o;
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(body.empty() ? "{}" : body);
    if (v.type() != typeid(Object::Ptr)) return "body must be a JSON object";
    o = v.extract<Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return "invalid JSON: " + e.displayText();
  }
  FaultSettings s = settings();
  bool arm_outage = false, arm_stall = false, arm_paths = false, release = false, has_seed = false;
  std::uint64_t seed = 0;
  if (o->has("reset") && o->get("reset").isBoolean() && o->get("reset").extract<bool>()) {
    s = FaultSettings{};
    arm_outage = arm_stall = arm_paths = release = true;
  }
  for (const auto& kv : *o) {
    const std::string& k = kv.first;
    const Poco::Dynamic::Var& v = kv.second;
    auto number = [&](double lo, double hi, double& dst) -> std::string {
      if (!v.isNumeric()) return k + " must be a number";
      double d = v.convert<double>();
      if (!(d >= lo && d <= hi)) return k + " out of range";
      dst = d;
      return "";
    };
    // A request count: an integer >= 0, or -1 / null for off.
    auto count = [&](std::int64_t& dst) -> std::string {
      if (v.isEmpty()) {
        dst = -1;
        return "";
      }
      if (!v.isInteger()) return k + " must be an integer (-1 or null = off)";
      const double d = v.convert<double>();
      if (!(d >= -1 && d <= 1e15)) return k + " out of range";
      dst = v.convert<std::int64_t>();
      return "";
    };
    auto path_list = [&](std::vector<std::string>& dst) -> std::string {
      if (v.type() != typeid(Poco::JSON::Array::Ptr)) return k + " must be an array of paths";
      std::vector<std::string> paths;
      for (const auto& e : *v.extract<Poco::JSON::Array::Ptr>()) {
        if (!e.isString() || e.extract<std::string>().empty() || e.extract<std::string>()[0] != '/')
          return k + " must hold paths starting with /";
        paths.push_back(e.extract<std::string>());
      }
      dst = paths;
      return "";
    };
    std::string err;
    if (k == "reset")
      continue;
    else if (k == "rate_limit_rps")
      err = number(0, 1e9, s.rate_limit_rps);
    else if (k == "rate_limit_burst")
      err = number(0, 1e9, s.rate_limit_burst);
    else if (k == "rate_limit_cost")
      err = number(0.000001, 1e9, s.rate_limit_cost);
    else if (k == "error_rate")
      err = number(0, 1, s.error_rate);
    else if (k == "disconnect_rate")
      err = number(0, 1, s.disconnect_rate);
    else if (k == "malformed_rate")
      err = number(0, 1, s.malformed_rate);
    else if (k == "slow_rate")
      err = number(0, 1, s.slow_rate);
    else if (k == "slow_ms") {
      double d = 0;
      err = number(0, 600000, d);
      s.slow_ms = static_cast<int>(d);
    } else if (k == "error_statuses") {
      if (v.type() != typeid(Poco::JSON::Array::Ptr)) {
        err = "error_statuses must be an array of status codes";
      } else {
        std::vector<int> st;
        for (const auto& e : *v.extract<Poco::JSON::Array::Ptr>()) {
          if (!e.isInteger() || e.convert<int>() < 400 || e.convert<int>() > 599) {
            err = "error_statuses must hold codes 400..599";
            break;
          }
          st.push_back(e.convert<int>());
        }
        if (err.empty()) s.error_statuses = st;
      }
    } else if (k == "retry_after_s") {
      double d = 0;
      err = number(0, 86400, d);
      s.retry_after_s = static_cast<int>(d);
    } else if (k == "forbidden_paths") {
      err = path_list(s.forbidden_paths);
    } else if (k == "fault_seed") {
      bool ok = v.isInteger() && !(v.isSigned() && v.convert<std::int64_t>() < 0);
      try {
        if (ok) seed = v.convert<std::uint64_t>();
      } catch (const Poco::Exception&) {
        ok = false;
      }
      if (!ok) err = "fault_seed must be an integer between 0 and 18446744073709551615";
      has_seed = true;
    } else if (k == "outage_after_requests") {
      err = count(s.outage_after_requests);
      arm_outage = true;
    } else if (k == "stall_after_requests") {
      err = count(s.stall_after_requests);
      arm_stall = release = true;
    } else if (k == "stall_paths") {
      err = path_list(s.stall_paths);
      arm_paths = release = true;
    } else if (k == "stall_paths_after") {
      err = count(s.stall_paths_after);
      if (s.stall_paths_after < 0) s.stall_paths_after = 0;
      arm_paths = release = true;
    } else if (k == "stall_max_ms") {
      double d = 0;
      err = number(0, 86400000, d);
      s.stall_max_ms = static_cast<int>(d);
    } else if (k == "outage") {
      std::string m =
          v.isBoolean() ? (v.extract<bool>() ? "503" : "off") : v.convert<std::string>();
      if (!parse_outage(m, s.outage)) err = "outage must be off, 503 or reset";
    } else {
      err = "unknown setting \"" + k + "\"";
    }
    if (!err.empty()) return err;
  }
  std::lock_guard<std::mutex> lock(mu_);
  commit_locked(s, arm_outage, arm_stall, arm_paths, release);
  if (has_seed) {
    seed_ = seed;
    rng_ = Rng(seed);
  }
  return "";
}

void Stats::record(const std::string& endpoint, const std::string& status) {
  std::lock_guard<std::mutex> lock(mu_);
  ++total_;
  ++by_endpoint_[endpoint][status];
  ++by_status_[status];
}

void Stats::count_fault(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  ++faults_[kind];
}

std::string Stats::json(const std::string& extra_members) const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  w.kv_i64("requests_total", total_);
  w.key("by_status");
  w.begin_object();
  for (const auto& [st, n] : by_status_) w.kv_i64(st, n);
  w.end_object();
  w.key("endpoints");
  w.begin_object();
  for (const auto& [ep, m] : by_endpoint_) {
    std::int64_t sum = 0;
    for (const auto& [st, n] : m) sum += n;
    w.key(ep);
    w.begin_object();
    w.kv_i64("total", sum);
    w.key("status");
    w.begin_object();
    for (const auto& [st, n] : m) w.kv_i64(st, n);
    w.end_object();
    w.end_object();
  }
  w.end_object();
  w.key("faults");
  w.begin_object();
  for (const auto& [k, n] : faults_) w.kv_i64(k, n);
  w.end_object();
  if (!extra_members.empty()) out.append(",").append(extra_members);
  w.end_object();
  return out;
}

void Stats::reset() {
  std::lock_guard<std::mutex> lock(mu_);
  total_ = 0;
  by_endpoint_.clear();
  by_status_.clear();
  faults_.clear();
}

}  // namespace ksim

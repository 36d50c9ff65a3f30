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

Faults::Faults(const FaultSettings& s) : rng_(std::random_device{}()) { replace(s); }

FaultSettings Faults::settings() const {
  std::lock_guard<std::mutex> lock(mu_);
  return s_;
}

void Faults::replace(const FaultSettings& s) {
  std::lock_guard<std::mutex> lock(mu_);
  s_ = s;
  const double burst =
      s_.rate_limit_burst > 0 ? s_.rate_limit_burst : std::max(1.0, s_.rate_limit_rps);
  tokens_ = burst * s_.rate_limit_cost;
  last_refill_ = std::chrono::steady_clock::now();
}

double Faults::roll() { return std::uniform_real_distribution<double>(0.0, 1.0)(rng_); }

FaultDecision Faults::decide(double cost) {
  std::lock_guard<std::mutex> lock(mu_);
  FaultDecision d;
  if (s_.outage == OutageMode::Reset) {
    d.outage_reset = true;
    return d;
  }
  if (s_.outage == OutageMode::Unavailable503) {
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
    d.error_status = s_.error_statuses[static_cast<std::size_t>(rng_() % s_.error_statuses.size())];
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

std::string Faults::settings_json() const {
  FaultSettings s = settings();
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
  if (o->has("reset") && o->get("reset").isBoolean() && o->get("reset").extract<bool>())
    s = FaultSettings{};
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
      if (v.type() != typeid(Poco::JSON::Array::Ptr)) {
        err = "forbidden_paths must be an array of paths";
      } else {
        std::vector<std::string> paths;
        for (const auto& e : *v.extract<Poco::JSON::Array::Ptr>()) {
          if (!e.isString() || e.extract<std::string>().empty() ||
              e.extract<std::string>()[0] != '/') {
            err = "forbidden_paths must hold paths starting with /";
            break;
          }
          paths.push_back(e.extract<std::string>());
        }
        if (err.empty()) s.forbidden_paths = paths;
      }
    } else if (k == "outage") {
      std::string m =
          v.isBoolean() ? (v.extract<bool>() ? "503" : "off") : v.convert<std::string>();
      if (!parse_outage(m, s.outage)) err = "outage must be off, 503 or reset";
    } else {
      err = "unknown setting \"" + k + "\"";
    }
    if (!err.empty()) return err;
  }
  replace(s);
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

std::string Stats::json() const {
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

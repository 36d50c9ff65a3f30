// Deterministic faults: the fault seed (--fault-seed, "fault_seed") and the request-count and
// path triggers (outage_after_requests, stall_after_requests, stall_paths, stall_max_ms). No test
// here waits on a sleep to cause a fault: each acts once /admin/stats says the simulator is in the
// state it needs.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/StreamCopier.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "sim_harness.h"

using namespace ksim_test;

namespace {

std::string api(const std::string& p) { return "/trade-api/v2" + p; }

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// One GET on a connection of its own (the Sim's session is busy or must stay free).
HttpResult get_on_own_connection(int port, const std::string& path) {
  HttpResult res;
  try {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setTimeout(Poco::Timespan(30, 0));
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET, path,
                               Poco::Net::HTTPMessage::HTTP_1_1);
    session.sendRequest(req);
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    res.status = resp.getStatus();
    std::ostringstream os;
    Poco::StreamCopier::copyStream(in, os);
    res.body = os.str();
  } catch (const Poco::Exception& e) {
    res.transport_error = true;
    res.error = e.displayText();
  }
  return res;
}

std::future<HttpResult> get_async(int port, const std::string& path) {
  return std::async(std::launch::async, [port, path] { return get_on_own_connection(port, path); });
}

// Polls GET /admin/stats (on a connection of its own) until `ok` holds; returns the last stats.
Object::Ptr wait_for_stats(int port, const std::function<bool(const Object::Ptr&)>& ok) {
  Object::Ptr stats;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    HttpResult r = get_on_own_connection(port, "/admin/stats");
    if (r.status == 200) {
      stats = parse_object(r.body);
      if (ok(stats)) return stats;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  throw std::runtime_error("/admin/stats never reached the expected state");
}

std::function<bool(const Object::Ptr&)> stalled_now_is(std::int64_t n) {
  return [n](const Object::Ptr& s) { return integer(s, "stalled_now") == n; };
}

std::vector<int> statuses(Sim& sim, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(sim.get(api("/historical/cutoff")).status);
  return out;
}

int faulted(const std::vector<int>& v) {
  return static_cast<int>(std::count_if(v.begin(), v.end(), [](int s) { return s != 200; }));
}

}  // namespace

TEST(FaultSeed, SameSeedSameFaultsDifferentSeedDifferentFaults) {
  const std::vector<std::string> args = {"--fills", "100",          "--error-rate",
                                         "0.3",     "--fault-seed", "1234"};
  Sim a(args);
  EXPECT_NE(read_file(a.dir() + "/stderr")
                .find("kalshi-sim: fault seed 1234 (replay with --fault-seed 1234)\n"),
            std::string::npos)
      << read_file(a.dir() + "/stderr");
  EXPECT_EQ(integer(a.get_json("/admin/faults"), "fault_seed"), 1234);
  const std::vector<int> first = statuses(a, 200);
  EXPECT_GE(faulted(first), 30);
  EXPECT_LE(faulted(first), 95);
  for (int s : first) EXPECT_TRUE(s == 200 || s == 500 || s == 502 || s == 503) << s;

  Sim b(args);
  EXPECT_EQ(statuses(b, 200), first) << "same seed, same requests: same faults";

  // Reseeding at run time restarts the sequence.
  a.post_json("/admin/faults", "{\"fault_seed\":1234}");
  EXPECT_EQ(statuses(a, 200), first);
  Object::Ptr f = a.post_json("/admin/faults", "{\"fault_seed\":99}");
  EXPECT_EQ(integer(f, "fault_seed"), 99);
  const std::vector<int> other = statuses(a, 200);
  EXPECT_NE(other, first) << "another seed, other faults";
  EXPECT_GE(faulted(other), 30);

  EXPECT_EQ(a.post("/admin/faults", "{\"fault_seed\":-1}").status, 400);
  EXPECT_EQ(a.post("/admin/faults", "{\"fault_seed\":1.5}").status, 400);
  EXPECT_EQ(a.post("/admin/faults", "{\"fault_seed\":\"7\"}").status, 400);
}

TEST(FaultSeed, DefaultSeedIsLoggedAndReplays) {
  Sim a({"--fills", "100", "--error-rate", "0.3"});
  const std::string err = read_file(a.dir() + "/stderr");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(err, m,
                                std::regex("kalshi-sim: fault seed ([0-9]+) \\(replay with "
                                           "--fault-seed ([0-9]+)\\)\n")))
      << err;
  EXPECT_EQ(m[1].str(), m[2].str());
  EXPECT_EQ(std::to_string(integer(a.get_json("/admin/faults"), "fault_seed")), m[1].str());
  const std::vector<int> seen = statuses(a, 100);
  Sim replay({"--fills", "100", "--error-rate", "0.3", "--fault-seed", m[1].str()});
  EXPECT_EQ(statuses(replay, 100), seen);
}

TEST(Triggers, OutageAfterRequestsServesExactlyNThen503) {
  Sim sim({"--fills", "100", "--outage-after-requests", "5"});
  for (int i = 1; i <= 5; ++i) EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200) << i;
  for (int i = 6; i <= 8; ++i) EXPECT_EQ(sim.get(api("/portfolio/fills")).status, 503) << i;
  EXPECT_EQ(sim.get("/admin/health").status, 200) << "admin is never faulted";
  Object::Ptr stats = sim.get_json("/admin/stats");
  EXPECT_EQ(integer(stats, "requests_since_outage_armed"), 8);
  EXPECT_EQ(integer(stats->getObject("faults"), "outage_503"), 3);
  Object::Ptr f = sim.get_json("/admin/faults");
  EXPECT_EQ(integer(f, "outage_after_requests"), 5);
  EXPECT_EQ(str(f, "outage"), "off");

  // A POST re-arms the count from zero; "outage" picks the mode.
  sim.post_json("/admin/faults", "{\"outage_after_requests\":2,\"outage\":\"reset\"}");
  EXPECT_EQ(integer(sim.get_json("/admin/stats"), "requests_since_outage_armed"), 0);
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  EXPECT_TRUE(sim.get(api("/historical/cutoff")).transport_error);

  // Cleared, the outage setting means what it always meant.
  sim.post_json("/admin/faults", "{\"outage_after_requests\":-1,\"outage\":\"off\"}");
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  sim.post_json("/admin/faults", "{\"outage_after_requests\":0}");
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 503) << "N = 0: from the first request";
  sim.post_json("/admin/faults", "{\"outage_after_requests\":null}");
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  EXPECT_EQ(sim.post("/admin/faults", "{\"outage_after_requests\":1.5}").status, 400);
  EXPECT_EQ(sim.post("/admin/faults", "{\"outage_after_requests\":-2}").status, 400);
}

TEST(Triggers, StallAfterRequestsHoldsRequestNPlusOneUntilReleased) {
  // Two workers only: held requests must not take them, or /admin would starve.
  Sim sim({"--fills", "100", "--threads", "2"});
  const int port = sim.port();
  sim.post_json("/admin/faults", "{\"stall_after_requests\":2}");
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  EXPECT_EQ(sim.get(api("/portfolio/fills?limit=1")).status, 200);

  std::future<HttpResult> third = get_async(port, api("/portfolio/fills?limit=1"));
  Object::Ptr stats = wait_for_stats(port, stalled_now_is(1));
  EXPECT_EQ(integer(stats, "requests_since_stall_armed"), 3);
  EXPECT_EQ(integer(stats, "stalled_total"), 1);
  EXPECT_EQ(third.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout)
      << "request 3 is held";
  EXPECT_EQ(sim.get("/admin/health").status, 200);

  // More held requests than workers: /admin still answers.
  std::vector<std::future<HttpResult>> more;
  for (int i = 0; i < 4; ++i) more.push_back(get_async(port, api("/historical/cutoff")));
  wait_for_stats(port, stalled_now_is(5));
  EXPECT_EQ(sim.get("/admin/health").status, 200);
  EXPECT_EQ(integer(sim.get_json("/admin/faults"), "stall_after_requests"), 2);

  Object::Ptr released = sim.post_json("/admin/release", "");
  EXPECT_EQ(integer(released, "released"), 5);
  HttpResult r = third.get();
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_NO_THROW(parse_object(r.body)->getArray("fills"));
  for (auto& m : more) EXPECT_EQ(m.get().status, 200);
  stats = wait_for_stats(port, stalled_now_is(0));
  EXPECT_EQ(integer(stats, "stalled_total"), 5);
  EXPECT_EQ(integer(stats, "stall_timeouts"), 0);
  EXPECT_EQ(integer(stats->getObject("faults"), "stalled"), 5);

  // Still armed: the next request is held too, until the trigger is cleared.
  std::future<HttpResult> next = get_async(port, api("/historical/cutoff"));
  wait_for_stats(port, stalled_now_is(1));
  sim.post_json("/admin/faults", "{\"stall_after_requests\":-1}");
  EXPECT_EQ(next.get().status, 200);
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200) << "cleared: nothing is held";
  EXPECT_EQ(integer(sim.get_json("/admin/stats"), "stalled_now"), 0);
  EXPECT_EQ(sim.post("/admin/faults", "{\"stall_after_requests\":\"2\"}").status, 400);
}

TEST(Triggers, StallPathsHoldOnlyMatchingPaths) {
  Sim sim({"--fills", "100", "--stall-paths", "/portfolio/settlements"});
  const int port = sim.port();
  std::future<HttpResult> held = get_async(port, api("/portfolio/settlements?limit=5"));
  wait_for_stats(port, stalled_now_is(1));
  EXPECT_EQ(sim.get(api("/portfolio/fills?limit=1")).status, 200);
  EXPECT_EQ(sim.get(api("/markets?limit=1")).status, 200);
  EXPECT_EQ(sim.get(api("/portfolio/settlementsx")).status, 404) << "a prefix of whole segments";
  Object::Ptr stats = sim.get_json("/admin/stats");
  EXPECT_EQ(integer(stats, "stalled_now"), 1);
  EXPECT_EQ(held.wait_for(std::chrono::milliseconds(100)), std::future_status::timeout);

  // Changing stall_paths releases what is held; the new prefix may carry /trade-api/v2.
  sim.post_json("/admin/faults", "{\"stall_paths\":[\"/trade-api/v2/historical\"]}");
  HttpResult r = held.get();
  EXPECT_EQ(r.status, 200);
  EXPECT_NO_THROW(parse_object(r.body)->getArray("settlements"));
  Object::Ptr f = sim.get_json("/admin/faults");
  ASSERT_EQ(f->getArray("stall_paths")->size(), 1u);
  EXPECT_EQ(f->getArray("stall_paths")->getElement<std::string>(0), "/historical");
  EXPECT_EQ(sim.get(api("/portfolio/settlements?limit=1")).status, 200);
  std::future<HttpResult> cutoff = get_async(port, api("/historical/cutoff"));
  wait_for_stats(port, stalled_now_is(1));
  EXPECT_EQ(integer(sim.post_json("/admin/release", "{}"), "released"), 1);
  EXPECT_EQ(cutoff.get().status, 200);
  EXPECT_EQ(sim.post("/admin/faults", "{\"stall_paths\":[\"historical\"]}").status, 400);
  sim.post_json("/admin/faults", "{\"reset\":true}");
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
}

TEST(Triggers, StallPathsAfterServesTheFirstNRequestsToThosePaths) {
  Sim sim({"--fills", "100", "--stall-paths", "/portfolio/fills", "--stall-paths-after", "2"});
  const int port = sim.port();
  EXPECT_EQ(sim.get(api("/portfolio/fills?limit=1")).status, 200);
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200) << "other paths do not count";
  EXPECT_EQ(sim.get(api("/portfolio/fills?limit=1")).status, 200);
  std::future<HttpResult> third = get_async(port, api("/portfolio/fills?limit=1"));
  wait_for_stats(port, stalled_now_is(1));
  EXPECT_EQ(integer(sim.get_json("/admin/faults"), "stall_paths_after"), 2);
  // Setting it restarts the count (and releases what is held).
  sim.post_json("/admin/faults", "{\"stall_paths_after\":1}");
  EXPECT_EQ(third.get().status, 200);
  EXPECT_EQ(sim.get(api("/portfolio/fills?limit=1")).status, 200);
  std::future<HttpResult> second = get_async(port, api("/portfolio/fills?limit=1"));
  wait_for_stats(port, stalled_now_is(1));
  EXPECT_EQ(integer(sim.post_json("/admin/release", ""), "released"), 1);
  EXPECT_EQ(second.get().status, 200);
  EXPECT_EQ(sim.post("/admin/faults", "{\"stall_paths_after\":\"x\"}").status, 400);
}

TEST(Triggers, StallMaxMsBoundsTheHold) {
  Sim sim({"--fills", "100", "--stall-after-requests", "1", "--stall-max-ms", "300"});
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  const auto t0 = std::chrono::steady_clock::now();
  HttpResult r = sim.get(api("/historical/cutoff"));
  const auto held = std::chrono::steady_clock::now() - t0;
  EXPECT_EQ(r.status, 200) << r.error;
  EXPECT_GE(held, std::chrono::milliseconds(280));
  EXPECT_LT(held, std::chrono::seconds(10));
  Object::Ptr stats = sim.get_json("/admin/stats");
  EXPECT_EQ(integer(stats, "stalled_now"), 0);
  EXPECT_EQ(integer(stats, "stalled_total"), 1);
  EXPECT_EQ(integer(stats, "stall_timeouts"), 1);
  EXPECT_EQ(integer(stats->getObject("faults"), "stall_timeout"), 1);
  EXPECT_EQ(integer(sim.get_json("/admin/faults"), "stall_max_ms"), 300);
  // The connection of a held request is closed after its answer; the next request is held too.
  EXPECT_EQ(sim.get(api("/historical/cutoff")).status, 200);
  EXPECT_EQ(integer(sim.get_json("/admin/stats"), "stall_timeouts"), 2);
  // /admin/stats/reset zeroes the totals, not the live state or the trigger's count.
  sim.post_json("/admin/stats/reset", "");
  stats = sim.get_json("/admin/stats");
  EXPECT_EQ(integer(stats, "stalled_total"), 0);
  EXPECT_EQ(integer(stats, "stall_timeouts"), 0);
  EXPECT_EQ(integer(stats, "requests_since_stall_armed"), 3);
}

TEST(Triggers, HeldRequestsEndCleanlyOnShutdown) {
  Sim sim({"--fills", "100", "--stall-after-requests", "0"});
  std::future<HttpResult> held = get_async(sim.port(), api("/historical/cutoff"));
  wait_for_stats(sim.port(), stalled_now_is(1));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(sim.stop(), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(10));
  HttpResult r = held.get();
  EXPECT_TRUE(r.transport_error) << "closed without an answer";
}

TEST(Triggers, FlagsAreCheckedAndListed) {
  RunResult help = run_sim({"--help"});
  for (const char* flag : {"--fault-seed", "--outage-after-requests", "--stall-after-requests",
                           "--stall-paths", "--stall-max-ms"})
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  for (auto args : std::vector<std::vector<std::string>>{{"--fault-seed", "-1"},
                                                         {"--fault-seed", "x"},
                                                         {"--outage-after-requests", "-2"},
                                                         {"--stall-after-requests", "one"},
                                                         {"--stall-paths", "portfolio"},
                                                         {"--stall-max-ms", "-5"}}) {
    RunResult r = run_sim(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1];
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
}

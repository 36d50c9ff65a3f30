// Command line of kalshi-sim.
#pragma once

#include <cstdint>
#include <map>
#include <stdexcept>
#include <string>

#include "auth.h"
#include "faults.h"
#include "generated_account.h"

namespace ksim {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  bool help = false;
  int port = 8090;
  std::string port_file;
  GenConfig gen;
  std::string fixture;
  std::string dump_truth;
  bool exit_after_dump = false;
  AuthConfig auth;
  FaultSettings faults;
  bool has_fault_seed = false;  // without --fault-seed main() picks one from std::random_device
  std::uint64_t fault_seed = 0;
  int threads = 16;
  std::string tls_cert;
  std::string tls_key;
  bool verbose = false;
  std::string usage_tier = "basic";
  std::map<std::string, int> endpoint_costs;  // "GET /portfolio/orders" -> tokens
  bool withdrawals_404_when_none = false;
  double trade_rate = 0;   // --trade-rate: new fills a second (0 = none)
  int ws_ping_ms = 10000;  // --ws-ping-ms: WebSocket heartbeat pings
};

// Throws UsageError with a one-line message.
Options parse_options(int argc, char** argv);
const char* usage_text();

}  // namespace ksim

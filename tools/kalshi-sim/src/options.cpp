#include "options.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "fixed_point.h"

namespace ksim {

const char* usage_text() {
  return R"(kalshi-sim: a Kalshi trade API v2 simulator (HTTP on 127.0.0.1)

Usage: kalshi-sim [options]

Server
  --port N               port to listen on, 0 = pick a free one (default 8090)
  --port-file FILE       write the chosen port to FILE (atomically) once listening
  --threads N            worker threads (default 16)
  --tls-cert PEM         serve HTTPS with this certificate (needs --tls-key)
  --tls-key PEM          private key for --tls-cert
  --verbose              log every API request to stderr

Live (WebSocket /trade-api/ws/v2: channels fill, user_orders, market_positions)
  --trade-rate N[/s]     make N new fills a second at the wall clock, pushed on the WebSocket
                         and served over REST (default 0; change with POST /admin/trade-rate)
  --ws-ping-ms N         ping every WebSocket connection every N ms (default 10000)

Account (generated deterministically unless --fixture is given)
  --seed N               generator seed (default 42)
  --fills N              number of fills to generate (default 2000)
  --markets N            number of markets (default: fills/40, between 12 and 25000)
  --days N               length of the generated history in days (default 150)
  --cutoff-days N        historical cutoff = anchor - N days (default: the whole hour below
                         the 40% quantile of fill times, so ~40% of fills are historical)
  --anchor TIME          end of the generated history: RFC 3339, Unix seconds or "now"
                         (default 2026-08-20T16:05:00Z, so runs are reproducible)
  --mm-prefix P          client_order_id prefix of the market-making bot (default "mm-")
  --netting-rate F       share of closing trades made as a buy of the other side (default 0.12)
  --deposits N           deposits that fund the account (default 3, at least 1)
  --withdrawals N        withdrawals (default 2; 0 = none)
  --subaccounts K        subaccounts that trade, 1..64 (default 1 = only the primary, 0)
  --fixture FILE         serve the account in FILE instead (see README: fixture format)
  --shapes MODE          current | 2026h1 (default current): 2026h1 serves records the way
                         production sent them in early 2026 (see README: shapes)

Ground truth
  --dump-truth FILE      write the ground-truth JSON to FILE (rewritten after add-fills)
  --exit                 with --dump-truth: write the file and exit without serving

Authentication (portfolio and historical fills/orders; markets, events, series are public)
  --key-id ID            expected KALSHI-ACCESS-KEY
  --public-key PEM       RSA public key (or private key) that verifies KALSHI-ACCESS-SIGNATURE
  --max-skew-ms N        accepted KALSHI-ACCESS-TIMESTAMP skew (default 5000)
  --bearer-token T       accept "Authorization: Bearer T" (either mode works if both are set)
                         With neither --key-id nor --bearer-token the endpoints are open.

Faults and limits (only on /trade-api paths; change at run time with POST /admin/faults)
  --rate-limit-rps R     token bucket: R reads per second (0 = unlimited, the default)
  --rate-limit-burst B   bucket size in reads (default max(1, R))
  --rate-limit-cost C    tokens per read (default 10; the bucket refills R*C tokens/s)
  --error-rate F         fraction of requests answered 500/502/503 (default 0)
  --error-statuses LIST  comma-separated statuses for --error-rate (default 500,502,503)
  --disconnect-rate F    fraction of 200s closed after half the body (default 0)
  --malformed-rate F     fraction of 200s with a truncated JSON body (default 0)
  --slow-ms MS           delay responses by MS milliseconds
  --slow-rate F          fraction of requests delayed by --slow-ms (default 1)
  --outage MODE          off | 503 | reset (default off; with --outage-after-requests: the
                         mode used once the count is passed)
  --fault-seed N         seed of the random faults (default: a random one); the seed in use is
                         logged on stderr at startup and shown by GET /admin/faults; the same
                         seed and request sequence give the same fault decisions
  --outage-after-requests N
                         serve the first N /trade-api requests normally, then the outage
                         (--outage, or 503 when it is off) from request N+1 on (default -1 = off)
  --stall-after-requests N
                         hold request N+1 and every later one open without an answer until
                         POST /admin/release, the trigger is cleared, or --stall-max-ms passes
                         (default -1 = off)
  --stall-paths LIST     comma-separated path prefixes below /trade-api/v2 (e.g.
                         /portfolio/settlements) whose requests are held the same way
  --stall-paths-after N  hold requests to --stall-paths only after the first N of them were
                         served (default 0: from the first)
  --stall-max-ms MS      a held request is answered normally after MS (default 60000)
  --retry-after S        send "Retry-After: S" with every 429 (default 0 = none, like Kalshi)
  --usage-tier NAME      tier reported by GET /account/limits: basic (default), advanced,
                         expert, premier, paragon, prime
  --endpoint-cost M:PATH=C
                         token cost C of one endpoint, e.g. GET:/portfolio/orders=20
                         (repeatable; charged by the bucket, listed by /account/endpoint_costs)
  --withdrawals-404-when-none
                         GET /portfolio/withdrawals answers 404 when there are no withdrawals

  --help                 show this help
)";
}

namespace {

std::int64_t to_int(const std::string& flag, const std::string& v, std::int64_t lo,
                    std::int64_t hi) {
  errno = 0;
  char* end = nullptr;
  long long n = std::strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || errno != 0 || n < lo || n > hi)
    throw UsageError(flag + " expects an integer between " + std::to_string(lo) + " and " +
                     std::to_string(hi) + ", got \"" + v + "\"");
  return n;
}

double to_double(const std::string& flag, const std::string& v, double lo, double hi) {
  errno = 0;
  char* end = nullptr;
  double d = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || errno != 0 || !(d >= lo && d <= hi)) {
    std::ostringstream os;
    os << flag << " expects a number between " << lo << " and " << hi << ", got \"" << v << "\"";
    throw UsageError(os.str());
  }
  return d;
}

std::uint64_t to_seed(const std::string& flag, const std::string& v) {
  errno = 0;
  char* end = nullptr;
  unsigned long long n = std::strtoull(v.c_str(), &end, 10);
  if (v.empty() || v[0] == '-' || *end != '\0' || errno != 0)
    throw UsageError(flag + " expects a non-negative integer, got \"" + v + "\"");
  return n;
}

}  // namespace

Options parse_options(int argc, char** argv) {
  Options o;
  using Setter = std::function<void(const std::string&, const std::string&)>;
  const std::map<std::string, Setter> with_value = {
      {"--port", [&](auto& f, auto& v) { o.port = static_cast<int>(to_int(f, v, 0, 65535)); }},
      {"--port-file", [&](auto&, auto& v) { o.port_file = v; }},
      {"--threads", [&](auto& f, auto& v) { o.threads = static_cast<int>(to_int(f, v, 1, 256)); }},
      {"--trade-rate",
       [&](auto& f, auto& v) {
         const std::string number =
             v.size() > 2 && v.compare(v.size() - 2, 2, "/s") == 0 ? v.substr(0, v.size() - 2) : v;
         o.trade_rate = to_double(f, number, 0, 10000);
       }},
      {"--ws-ping-ms",
       [&](auto& f, auto& v) { o.ws_ping_ms = static_cast<int>(to_int(f, v, 10, 3600000)); }},
      {"--tls-cert", [&](auto&, auto& v) { o.tls_cert = v; }},
      {"--tls-key", [&](auto&, auto& v) { o.tls_key = v; }},
      {"--seed", [&](auto& f, auto& v) { o.gen.seed = to_seed(f, v); }},
      {"--fills", [&](auto& f, auto& v) { o.gen.fills = to_int(f, v, 0, 20000000); }},
      {"--markets", [&](auto& f, auto& v) { o.gen.markets = to_int(f, v, 1, 1000000); }},
      {"--days", [&](auto& f, auto& v) { o.gen.days = static_cast<int>(to_int(f, v, 2, 3650)); }},
      {"--cutoff-days",
       [&](auto& f, auto& v) { o.gen.cutoff_days = static_cast<int>(to_int(f, v, 0, 3650)); }},
      {"--anchor",
       [&](auto& f, auto& v) {
         std::int64_t us;
         if (v == "now")
           o.gen.anchor_us = wall_clock_us();
         else if (parse_rfc3339(v, us))
           o.gen.anchor_us = us;
         else
           o.gen.anchor_us = to_int(f, v, 86400 * 400, 4102444800LL) * kMicrosPerSecond;
       }},
      {"--mm-prefix", [&](auto&, auto& v) { o.gen.mm_prefix = v; }},
      {"--netting-rate",
       [&](auto& f, auto& v) {
         o.gen.netting_permille = static_cast<int>(to_double(f, v, 0, 1) * 1000 + 0.5);
       }},
      {"--fixture", [&](auto&, auto& v) { o.fixture = v; }},
      {"--deposits",
       [&](auto& f, auto& v) { o.gen.deposits = static_cast<int>(to_int(f, v, 1, 10000)); }},
      {"--withdrawals",
       [&](auto& f, auto& v) { o.gen.withdrawals = static_cast<int>(to_int(f, v, 0, 10000)); }},
      {"--subaccounts",
       [&](auto& f, auto& v) { o.gen.subaccounts = static_cast<int>(to_int(f, v, 1, 64)); }},
      {"--retry-after",
       [&](auto& f, auto& v) {
         o.faults.retry_after_s = static_cast<int>(to_int(f, v, 0, 86400));
       }},
      {"--usage-tier",
       [&](auto& f, auto& v) {
         static const std::set<std::string> kTiers = {"basic",   "advanced", "expert",
                                                      "premier", "paragon",  "prime"};
         if (!kTiers.count(v))
           throw UsageError(f +
                            " expects basic, advanced, expert, premier, paragon or prime, got \"" +
                            v + "\"");
         o.usage_tier = v;
       }},
      {"--endpoint-cost",
       [&](auto& f, auto& v) {
         const std::size_t colon = v.find(':'), eq = v.rfind('=');
         if (colon == std::string::npos || eq == std::string::npos || eq < colon || colon == 0)
           throw UsageError(
               f + " expects METHOD:PATH=COST (e.g. GET:/portfolio/orders=20), got \"" + v + "\"");
         std::string method = v.substr(0, colon), path = v.substr(colon + 1, eq - colon - 1);
         for (char& c : method) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
         if (path.rfind("/trade-api/v2/", 0) == 0) path = path.substr(13);
         if (path.empty() || path[0] != '/')
           throw UsageError(f + ": the path must start with /, got \"" + v + "\"");
         o.endpoint_costs[method + " " + path] =
             static_cast<int>(to_int(f, v.substr(eq + 1), 1, 1000000));
       }},
      {"--shapes",
       [&](auto& f, auto& v) {
         if (v == "current")
           o.gen.shapes = Shapes::Current;
         else if (v == "2026h1")
           o.gen.shapes = Shapes::H2026;
         else
           throw UsageError(f + " expects current or 2026h1, got \"" + v + "\"");
       }},
      {"--dump-truth", [&](auto&, auto& v) { o.dump_truth = v; }},
      {"--key-id", [&](auto&, auto& v) { o.auth.key_id = v; }},
      {"--public-key", [&](auto&, auto& v) { o.auth.public_key_path = v; }},
      {"--max-skew-ms", [&](auto& f, auto& v) { o.auth.max_skew_ms = to_int(f, v, 0, 86400000); }},
      {"--bearer-token", [&](auto&, auto& v) { o.auth.bearer_token = v; }},
      {"--rate-limit-rps",
       [&](auto& f, auto& v) { o.faults.rate_limit_rps = to_double(f, v, 0, 1e9); }},
      {"--rate-limit-burst",
       [&](auto& f, auto& v) { o.faults.rate_limit_burst = to_double(f, v, 0, 1e9); }},
      {"--rate-limit-cost",
       [&](auto& f, auto& v) { o.faults.rate_limit_cost = to_double(f, v, 1e-6, 1e9); }},
      {"--error-rate", [&](auto& f, auto& v) { o.faults.error_rate = to_double(f, v, 0, 1); }},
      {"--error-statuses",
       [&](auto& f, auto& v) {
         o.faults.error_statuses.clear();
         std::stringstream ss(v);
         std::string part;
         while (std::getline(ss, part, ','))
           o.faults.error_statuses.push_back(static_cast<int>(to_int(f, part, 400, 599)));
         if (o.faults.error_statuses.empty()) throw UsageError(f + " needs at least one status");
       }},
      {"--disconnect-rate",
       [&](auto& f, auto& v) { o.faults.disconnect_rate = to_double(f, v, 0, 1); }},
      {"--malformed-rate",
       [&](auto& f, auto& v) { o.faults.malformed_rate = to_double(f, v, 0, 1); }},
      {"--slow-ms",
       [&](auto& f, auto& v) { o.faults.slow_ms = static_cast<int>(to_int(f, v, 0, 600000)); }},
      {"--slow-rate", [&](auto& f, auto& v) { o.faults.slow_rate = to_double(f, v, 0, 1); }},
      {"--outage",
       [&](auto& f, auto& v) {
         if (!parse_outage(v, o.faults.outage))
           throw UsageError(f + " expects off, 503 or reset, got \"" + v + "\"");
       }},
      {"--fault-seed",
       [&](auto& f, auto& v) {
         o.fault_seed = to_seed(f, v);
         o.has_fault_seed = true;
       }},
      {"--outage-after-requests",
       [&](auto& f, auto& v) {
         o.faults.outage_after_requests = to_int(f, v, -1, 1000000000000000);
       }},
      {"--stall-after-requests",
       [&](auto& f, auto& v) {
         o.faults.stall_after_requests = to_int(f, v, -1, 1000000000000000);
       }},
      {"--stall-paths",
       [&](auto& f, auto& v) {
         o.faults.stall_paths.clear();
         std::stringstream ss(v);
         std::string part;
         while (std::getline(ss, part, ',')) {
           if (part.empty()) continue;
           if (part[0] != '/')
             throw UsageError(f + " expects paths starting with /, got \"" + part + "\"");
           o.faults.stall_paths.push_back(part);
         }
       }},
      {"--stall-paths-after",
       [&](auto& f, auto& v) { o.faults.stall_paths_after = to_int(f, v, 0, 1000000000000000); }},
      {"--stall-max-ms",
       [&](auto& f, auto& v) {
         o.faults.stall_max_ms = static_cast<int>(to_int(f, v, 0, 86400000));
       }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg == "--exit") {
      o.exit_after_dump = true;
      continue;
    }
    if (arg == "--withdrawals-404-when-none") {
      o.withdrawals_404_when_none = true;
      continue;
    }
    if (arg == "--verbose") {
      o.verbose = true;
      continue;
    }
    std::string value;
    bool has_value = false;
    const std::size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto it = with_value.find(arg);
    if (it == with_value.end()) throw UsageError("unknown option " + arg + " (see --help)");
    if (!has_value) {
      if (i + 1 >= argc) throw UsageError(arg + " needs a value");
      value = argv[++i];
    }
    it->second(arg, value);
  }
  if (o.help) return o;
  if (o.exit_after_dump && o.dump_truth.empty()) throw UsageError("--exit needs --dump-truth FILE");
  if (o.tls_cert.empty() != o.tls_key.empty())
    throw UsageError("--tls-cert and --tls-key must be given together");
  if (o.auth.key_id.empty() != o.auth.public_key_path.empty())
    throw UsageError("--key-id and --public-key must be given together");
  return o;
}

}  // namespace ksim

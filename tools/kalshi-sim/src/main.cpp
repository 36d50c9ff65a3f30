// kalshi-sim: entry point. Parses flags, builds the account, optionally writes the truth file,
// then serves HTTP(S) on 127.0.0.1 until SIGTERM/SIGINT.
#include <Poco/Net/Context.h>
#include <Poco/Net/HTTPServer.h>
#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/SSLManager.h>
#include <Poco/Net/SecureServerSocket.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/ThreadPool.h>
#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <random>

#include "fixture_account.h"
#include "generated_account.h"
#include "options.h"
#include "server.h"

using namespace ksim;

namespace {

int fail(const std::string& msg) {
  std::cerr << "kalshi-sim: " << msg << std::endl;
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    opt = parse_options(argc, argv);
  } catch (const UsageError& e) {
    return fail(e.what());
  }
  if (opt.help) {
    std::cout << usage_text();
    return 0;
  }

  // Block the termination signals before any thread starts, so that only sigwait() sees them.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGINT);
  sigaddset(&sigs, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);
  signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<DataSource> account;
  const auto t0 = std::chrono::steady_clock::now();
  try {
    if (!opt.fixture.empty()) {
      account = std::make_unique<FixtureAccount>(opt.fixture, opt.gen.mm_prefix);
    } else {
      account = std::make_unique<GeneratedAccount>(opt.gen);
    }
  } catch (const FixtureError& e) {
    return fail(e.what());
  } catch (const std::exception& e) {
    return fail(std::string("cannot build the account: ") + e.what());
  }
  const double build_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  if (!opt.dump_truth.empty()) {
    std::string err = write_file_atomically(opt.dump_truth, account->truth_json());
    if (!err.empty()) return fail(err);
    if (opt.exit_after_dump) return 0;
  }

  std::unique_ptr<Authenticator> auth;
  try {
    auth = std::make_unique<Authenticator>(opt.auth);
  } catch (const std::exception& e) {
    return fail(e.what());
  }
  // The fault seed is always logged, so that a failing run can be replayed with --fault-seed.
  const std::uint64_t fault_seed = opt.has_fault_seed ? opt.fault_seed : std::random_device{}();
  Faults faults(opt.faults, fault_seed);
  Stats stats;
  ServerContext ctx;
  ctx.account = account.get();
  ctx.auth = auth.get();
  ctx.faults = &faults;
  ctx.stats = &stats;
  ctx.truth_path = opt.dump_truth;
  ctx.verbose = opt.verbose;
  ctx.shapes = opt.gen.shapes;
  ctx.usage_tier = opt.usage_tier;
  ctx.endpoint_costs = opt.endpoint_costs;
  ctx.withdrawals_404_when_none = opt.withdrawals_404_when_none;
  LiveHub live(opt.ws_ping_ms);
  ctx.live = &live;
  LiveTrader trader(ctx);
  ctx.trader = &trader;

  const bool tls = !opt.tls_cert.empty();
  std::unique_ptr<Poco::Net::ServerSocket> socket;
  try {
    const Poco::Net::SocketAddress addr("127.0.0.1", static_cast<Poco::UInt16>(opt.port));
    if (tls) {
      Poco::Net::initializeSSL();
      Poco::Net::Context::Ptr tls_ctx =
          new Poco::Net::Context(Poco::Net::Context::TLS_SERVER_USE, opt.tls_key, opt.tls_cert, "",
                                 Poco::Net::Context::VERIFY_NONE);
      socket = std::make_unique<Poco::Net::SecureServerSocket>(addr, 128, tls_ctx);
    } else {
      socket = std::make_unique<Poco::Net::ServerSocket>(addr, 128);
    }
  } catch (const Poco::Exception& e) {
    return fail("cannot listen on 127.0.0.1:" + std::to_string(opt.port) + ": " + e.displayText());
  }
  const int port = socket->address().port();

  auto* params = new Poco::Net::HTTPServerParams;
  params->setMaxThreads(opt.threads);
  params->setMaxQueued(1000);
  params->setKeepAlive(true);
  params->setKeepAliveTimeout(Poco::Timespan(30, 0));
  params->setMaxKeepAliveRequests(0);  // unlimited requests per connection
  Poco::ThreadPool pool(2, opt.threads + 2);
  Poco::Net::HTTPServer server(new HandlerFactory(ctx), pool, *socket, params);
  server.start();

  std::cout << "listening on 127.0.0.1:" << port << (tls ? " (https)" : "") << std::endl;
  std::cerr << "kalshi-sim: account ready in " << build_s << " s" << std::endl;
  std::cerr << "kalshi-sim: fault seed " << fault_seed << " (replay with --fault-seed "
            << fault_seed << ")" << std::endl;
  if (!opt.port_file.empty()) {
    std::string err = write_file_atomically(opt.port_file, std::to_string(port) + "\n");
    if (!err.empty()) {
      server.stopAll(true);
      stop_held_requests(ctx);
      return fail(err);
    }
  }

  if (opt.trade_rate > 0) trader.set_rate(opt.trade_rate);

  int sig = 0;
  sigwait(&sigs, &sig);
  trader.stop();
  live.shutdown();  // WebSocket connections end within a poll interval
  server.stopAll(true);
  pool.joinAll();
  stop_held_requests(ctx);
  if (tls) Poco::Net::uninitializeSSL();
  return 0;
}

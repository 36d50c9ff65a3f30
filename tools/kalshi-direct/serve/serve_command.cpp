#include "serve_command.h"

#include <atomic>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "dashboard_server.h"
#include "kalshi_direct/config.h"
#include "kalshi_direct/engine/log.h"
#include "kalshi_direct/engine/stores.h"
#include "kalshi_direct/timestamp.h"

namespace kalshi_direct {
namespace serve {

namespace {

const char* kUsage =
    "usage: kalshi-direct serve [--db PATH] [--bind ADDR] [--port N] [--port-file FILE]\n"
    "                           [--sync-every DURATION | --live] [--stale-after DURATION]\n"
    "                           [--token TOKEN | --token-file FILE]\n"
    "\n"
    "The dashboard (http://127.0.0.1:8080/) and its JSON API (/api/v1/..., docs/api.md) over the\n"
    "database, opened read-only; /healthz and /metrics (Prometheus) too.\n"
    "\n"
    "  --db PATH              database (default: $KALSHI_DB, else ./kalshi.db)\n"
    "  --account NAME         the account a PostgreSQL database of several opens on (default:\n"
    "                         $KALSHI_ACCOUNT; the page's selector shows the others)\n"
    "  --bind ADDR            address to listen on (default 127.0.0.1; another needs a token)\n"
    "  --port N               port (default 8080; 0: any free port)\n"
    "  --port-file FILE       write the port listened on to FILE once serving\n"
    "  --sync-every DURATION  also run the sync pipeline now and every DURATION (e.g. 15m);\n"
    "                         open pages refresh when it commits\n"
    "  --live                 also run the live pipeline (Kalshi's WebSocket): new fills show\n"
    "                         within a second; restarted after a failure\n"
    "  --stale-after DURATION the last sync is stale after this (default: twice --sync-every,\n"
    "                         else 1h); /healthz then answers 503\n"
    "  --token TOKEN          every request must carry it (Authorization: Bearer TOKEN, or open\n"
    "                         the page once as /?token=TOKEN)\n"
    "  --token-file FILE      the token, read from the first line of FILE (kept out of `ps`)\n";

std::atomic<int> g_signal{0};
extern "C" void onSignal(int number) {
  if (g_signal.exchange(number) != 0) _exit(128 + number);
}

struct Arguments {
  std::string db, bind = "127.0.0.1", port_file, token;
  std::string account;  // --account NAME|all (or KALSHI_ACCOUNT): one account of a shared database
  int port = 8080;
  std::optional<int64_t> sync_every_ms, stale_after_ms;
  bool help = false;
  bool live = false;
};

bool isLoopback(const std::string& address) {
  return address == "localhost" || address == "::1" || address.rfind("127.", 0) == 0;
}

bool parseArguments(const std::vector<std::string>& args, Arguments& out, std::string& error) {
  std::string port_text, every, stale, token_file;
  bool token_given = false;
  const std::map<std::string, std::string*> valued = {
      {"--db", &out.db},         {"--account", &out.account},     {"--bind", &out.bind},
      {"--port", &port_text},    {"--port-file", &out.port_file}, {"--sync-every", &every},
      {"--stale-after", &stale}, {"--token", &out.token},         {"--token-file", &token_file}};
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      return true;
    }
    if (arg == "--live") {
      out.live = true;
      continue;
    }
    std::optional<std::string> inline_value;
    if (const size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    auto found = valued.find(arg);
    if (found == valued.end()) {
      error = "unknown argument '" + arg + "'";
      return false;
    }
    if (!inline_value && i + 1 >= args.size()) {
      error = arg + " needs a value";
      return false;
    }
    *found->second = inline_value ? *inline_value : args[++i];
    if (arg == "--token") token_given = true;
  }
  if (!port_text.empty()) {
    bool digits = port_text.size() <= 5;
    for (char c : port_text) digits = digits && c >= '0' && c <= '9';
    if (!digits || std::stoi(port_text) > 65535) {
      error = "--port: '" + port_text + "' is not a port (0..65535)";
      return false;
    }
    out.port = std::stoi(port_text);
  }
  for (const auto& [flag, text, target] :
       {std::tuple<const char*, std::string*, std::optional<int64_t>*>{"--sync-every", &every,
                                                                       &out.sync_every_ms},
        {"--stale-after", &stale, &out.stale_after_ms}}) {
    if (text->empty()) continue;
    int64_t millis = 0;
    std::string why;
    if (!parseDurationMillis(*text, millis, &why) || millis < 1000) {
      error = std::string(flag) + ": '" + *text + "' is not a duration of 1s or more (e.g. 15m)";
      return false;
    }
    *target = millis;
  }
  if (out.live && out.sync_every_ms) {
    error = "--live and --sync-every do not go together: the live pipeline catches up by itself";
    return false;
  }
  if (token_given && !token_file.empty()) {
    error = "--token and --token-file do not go together: use one";
    return false;
  }
  if (token_given && out.token.empty()) {
    error = "--token: the token is empty";
    return false;
  }
  if (!token_file.empty()) {
    std::ifstream in(token_file);
    if (!in || !std::getline(in, out.token) || out.token.empty()) {
      error = "--token-file: cannot read a token from the first line of " + token_file;
      return false;
    }
    while (!out.token.empty() && (out.token.back() == '\r' || out.token.back() == ' '))
      out.token.pop_back();
  }
  if (!out.token.empty() && out.token.size() < 8) {
    error = "the token is shorter than 8 characters: use a long random one";
    return false;
  }
  if (!isLoopback(out.bind) && out.token.empty()) {
    error = "--bind " + out.bind +
            " lets other machines read the account: give --token or --token-file too";
    return false;
  }
  return true;
}

std::string defaultDatabase() {
  const char* env = std::getenv("KALSHI_DB");
  return env && *env ? env : "kalshi.db";
}

// Runs the sync now and then every `every_ms`, on its own thread, until stop(). Live (`every_ms`
// 0): runs the live pipeline, which runs until stopped, and starts it again after a failure, 10 s
// later, then up to 5 minutes as failures repeat.
class SyncScheduler {
 public:
  SyncScheduler(SyncRun run, int64_t every_ms, std::function<void()> committed)
      : run_(std::move(run)), every_ms_(every_ms), committed_(std::move(committed)) {}
  bool live() const { return every_ms_ == 0; }
  ~SyncScheduler() { stop(); }

  void start() {
    next_us_ = Timestamp::now().micros();
    thread_ = std::thread([this] { loop(); });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  SyncSchedule schedule() {
    std::lock_guard<std::mutex> lock(mutex_);
    SyncSchedule s;
    if (live()) return s;  // the live feed speaks for itself (the status's `live`)
    s.every_s = every_ms_ / 1000;
    s.next_us = running_ ? std::nullopt : std::optional<int64_t>(next_us_);
    s.running = running_;
    return s;
  }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!stopping_) {
      const int64_t wait_us = next_us_ - Timestamp::now().micros();
      if (wait_us > 0) {
        wake_.wait_for(lock, std::chrono::microseconds(wait_us), [&] { return stopping_; });
        continue;
      }
      running_ = true;
      lock.unlock();
      RunReport report;
      try {
        report = run_(
            [this] {
              std::lock_guard<std::mutex> guard(mutex_);
              return stopping_ || g_signal.load() != 0;
            },
            committed_);
      } catch (const std::exception& error) {
        report.exit_code = kExitFailed;
        report.error = error.what();
      }
      const bool ok = report.exit_code == kExitOk || report.exit_code == kExitPartial;
      const std::string what = live() ? "live pipeline" : "sync";
      if (ok) {
        log::info("serve", what + " finished in " +
                               std::to_string(static_cast<int>(report.seconds)) +
                               " s: " + std::to_string(report.records_read) + " records read" +
                               (report.used_fallback ? " (FALLBACK: the API was down)" : ""));
      } else {
        log::warning("serve", what + " failed: " + log::redact(report.error) +
                                  (live() ? "; starting it again in " +
                                                std::to_string(retry_ms_ / 1000) + " s"
                                          : std::string()));
      }
      committed_();
      lock.lock();
      running_ = false;
      int64_t wait_ms = every_ms_;
      if (live()) {
        wait_ms = ok ? 0 : retry_ms_;
        retry_ms_ = ok ? kFirstRetryMs : std::min<int64_t>(2 * retry_ms_, 5 * 60 * 1000);
      }
      next_us_ = Timestamp::now().micros() + wait_ms * 1000;
    }
  }

  static constexpr int64_t kFirstRetryMs = 10000;
  SyncRun run_;
  int64_t every_ms_;
  int64_t retry_ms_ = kFirstRetryMs;
  std::function<void()> committed_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
  bool stopping_ = false, running_ = false;
  int64_t next_us_ = 0;
};

}  // namespace

int runServeCommand(const std::vector<std::string>& args, const SyncFactory& make_sync) {
  Arguments arguments;
  std::string error;
  if (!parseArguments(args, arguments, error)) {
    std::cerr << "kalshi-direct serve: " << error << " (see kalshi-direct serve --help)"
              << std::endl;
    return kExitConfig;
  }
  if (arguments.help) {
    std::cout << kUsage;
    return kExitOk;
  }
  if (arguments.db.empty()) arguments.db = defaultDatabase();
  try {
    arguments.db = readerLocation(arguments.db, arguments.account);
  } catch (const StoreError& error) {
    std::cerr << "kalshi-direct serve: " << error.what() << std::endl;
    return kExitConfig;
  }
  std::error_code ec;
  if (!arguments.sync_every_ms && !arguments.live && !storeExists(arguments.db)) {
    std::cerr << "kalshi-direct serve: no database at " << displayLocation(arguments.db)
              << ": run `kalshi-direct run sync` first, or add --sync-every 15m or --live"
              << std::endl;
    return kExitConfig;
  }

  struct sigaction action {};
  action.sa_handler = onSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::unique_ptr<SyncScheduler> scheduler;
  SyncRun sync;
  const bool runs_pipeline = arguments.sync_every_ms || arguments.live;
  if (runs_pipeline) {
    try {
      sync = make_sync(arguments.live ? "live" : "sync", arguments.db);
    } catch (const std::exception& failure) {
      std::cerr << "kalshi-direct serve: " << log::redact(failure.what()) << std::endl;
      return kExitConfig;
    }
  }

  ServerOptions options;
  options.db = arguments.db;
  options.bind = arguments.bind;
  options.port = arguments.port;
  options.token = arguments.token;
  options.api.stale_after_s = (arguments.stale_after_ms  ? *arguments.stale_after_ms
                               : arguments.sync_every_ms ? 2 * *arguments.sync_every_ms
                                                         : 3600 * 1000) /
                              1000;
  SyncScheduler* scheduler_view = nullptr;
  if (arguments.sync_every_ms)
    options.api.schedule = [&scheduler_view] {
      return scheduler_view ? scheduler_view->schedule() : SyncSchedule{};
    };
  DashboardServer server(std::move(options));
  try {
    server.start();
  } catch (const std::exception& failure) {
    std::cerr << "kalshi-direct serve: " << failure.what() << std::endl;
    return kExitFailed;
  }
  if (runs_pipeline) {
    scheduler = std::make_unique<SyncScheduler>(sync, arguments.live ? 0 : *arguments.sync_every_ms,
                                                [&server] { server.notifyChanged(); });
    scheduler_view = scheduler.get();
    scheduler->start();
  }
  const std::string host =
      arguments.bind.find(':') != std::string::npos ? "[" + arguments.bind + "]" : arguments.bind;
  const std::string url = "http://" + host + ":" + std::to_string(server.port()) + "/";
  if (!arguments.port_file.empty()) {
    const std::string temporary = arguments.port_file + ".tmp";
    std::ofstream(temporary) << server.port() << "\n";
    std::filesystem::rename(temporary, arguments.port_file, ec);
  }
  log::info("serve",
            "dashboard at " + url + " (database " + displayLocation(arguments.db) + ", read-only" +
                (arguments.sync_every_ms
                     ? "; sync every " + std::to_string(*arguments.sync_every_ms / 1000) + " s"
                 : arguments.live ? std::string("; live")
                                  : std::string()) +
                (arguments.token.empty() ? "" : "; token required") + ")");
  std::cerr << "kalshi-direct serve: dashboard at " << url << " (Ctrl-C to stop)" << std::endl;
  while (g_signal.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::cerr << "kalshi-direct serve: stopping" << std::endl;
  if (scheduler) scheduler->stop();
  scheduler_view = nullptr;
  server.stop();
  return kExitOk;
}

}  // namespace serve
}  // namespace kalshi_direct

// Wiring shared by the sources that read the Kalshi API: kalshi_live, and kalshi_ws, which catches
// up through a kalshi_live source (plugins/sources/kalshi_ws). One owner for the connection options
// (where the API is, credentials, rate limit, timeouts, TLS, subaccounts, metadata) and their
// reading into a LiveSourceConfig.
#include "live_options.h"

#include <Poco/URI.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <optional>

#include "kalshi/tables.h"

namespace kalshi_direct {
namespace kalshi {

const std::vector<std::string> kLiveStreams = {"balance", "positions",   "orders",
                                               "fills",   "settlements", "transfers"};

namespace {

Status invalid(const Options& options, const std::string& source, const std::string& name,
               const std::string& message) {
  return Status::invalidConfig(options.location(name).toString() + ": source '" + source +
                               "': " + message);
}

Status parseSubaccounts(const Options& options, const std::string& source,
                        LiveSourceConfig& config) {
  const ConfigValue* value = options.find("subaccounts");
  if (!value || (value->isScalar() && value->text() == "all")) return Status::ok();
  auto number = [&](const std::string& text) -> Status {
    int64_t parsed = 0;
    if (!parseInt(text, parsed) || parsed < 0 || parsed > 63) {
      return invalid(options, source, "subaccounts",
                     "subaccount '" + text + "' is not a number 0..63 (0 is the primary)");
    }
    if (std::find(config.subaccounts.begin(), config.subaccounts.end(), parsed) ==
        config.subaccounts.end()) {
      config.subaccounts.push_back(parsed);
    }
    return Status::ok();
  };
  if (value->isScalar()) return number(value->text());
  if (!value->isList() || value->items().empty()) {
    return invalid(options, source, "subaccounts",
                   "subaccounts must be all or a list of numbers such as [0, 2]");
  }
  for (const auto& item : value->items()) {
    if (!item.isScalar())
      return invalid(options, source, "subaccounts",
                     "subaccounts must be all or a list of numbers");
    if (Status status = number(item.text()); !status.isOk()) return status;
  }
  std::sort(config.subaccounts.begin(), config.subaccounts.end());
  return Status::ok();
}

Status parseRateLimit(const Options& options, const std::string& source, LiveSourceConfig& config) {
  const ConfigValue* value = options.find("rate_limit");
  config.client.tokens_per_second = kalshi::RateLimiter::tierTokensPerSecond("basic");
  config.client.read_cost = 10;
  config.rate_limit_auto = !value;
  if (!value) return Status::ok();
  if (value->isScalar()) {
    // Scalar forms: a tier name, "off", or reads per second.
    const std::string& text = value->text();
    Decimal reads;
    if (text == "auto") {
      config.rate_limit_auto = true;
    } else if (text == "off") {
      config.client.tokens_per_second = 0;
    } else if (kalshi::RateLimiter::tierTokensPerSecond(text) > 0) {
      config.client.tokens_per_second = kalshi::RateLimiter::tierTokensPerSecond(text);
    } else if (Decimal::parse(text, reads) && reads.sign() > 0) {
      config.client.tokens_per_second = std::stod(reads.toString()) * config.client.read_cost;
    } else {
      return invalid(options, source, "rate_limit",
                     "rate_limit must be auto, a tier (basic, advanced, expert, premier, "
                     "prime), off, a number of reads per second, or a map; not '" +
                         text + "'");
    }
    return Status::ok();
  }
  if (!value->isMap())
    return invalid(options, source, "rate_limit",
                   "rate_limit must be off or a map such as {tier: basic}");
  // reads_per_second is in reads, whatever the order of the keys: applied after read_cost.
  std::optional<double> reads_per_second;
  for (const auto& entry : value->entries()) {
    if (entry.key == "tier") {
      const double tokens = kalshi::RateLimiter::tierTokensPerSecond(entry.value.text());
      if (tokens <= 0) {
        return invalid(options, source, "rate_limit",
                       "unknown tier '" + entry.value.text() +
                           "' (valid: basic, advanced, expert, premier, prime)");
      }
      config.client.tokens_per_second = tokens;
    } else if (entry.key == "reads_per_second" || entry.key == "tokens_per_second" ||
               entry.key == "read_cost") {
      Decimal number;
      if (!entry.value.isScalar() || !Decimal::parse(entry.value.text(), number) ||
          number.sign() < 0) {
        return invalid(options, source, "rate_limit", entry.key + " must be a non-negative number");
      }
      const double parsed = std::stod(number.toString());  // a rate, not money: double is fine
      if (entry.key == "reads_per_second") reads_per_second = parsed;
      if (entry.key == "tokens_per_second") config.client.tokens_per_second = parsed;
      if (entry.key == "read_cost") config.client.read_cost = parsed > 0 ? parsed : 10;
    } else {
      return invalid(options, source, "rate_limit",
                     "unknown key '" + entry.key +
                         "' (valid: tier, reads_per_second, tokens_per_second, read_cost)");
    }
  }
  if (reads_per_second)
    config.client.tokens_per_second = *reads_per_second * config.client.read_cost;
  return Status::ok();
}

}  // namespace

std::vector<OptionSpec> liveSourceOptions() {
  return {
      OptionSpec("base_url", OptionType::kString)
          .help("API root; demo: https://external-api.demo.kalshi.co/trade-api/v2. When not "
                "written, KALSHI_API_BASE_URL if set (the keys it reads from the environment "
                "go to the API the environment names), else production (" +
                kalshi::ClientConfig().base_url + ")"),
      OptionSpec("auth", OptionType::kEnum)
          .allowed({"auto", "rsa_pss", "bearer", "none"})
          .defaultValue("auto")
          .help("auto: rsa_pss when KALSHI_API_KEY_ID and KALSHI_PRIVATE_KEY_PATH (or "
                "KALSHI_PRIVATE_KEY) "
                "are set, else bearer with KALSHI_API_KEY"),
      OptionSpec("key_id", OptionType::kString)
          .secret()
          .help("RSA-PSS key id (default: $KALSHI_API_KEY_ID)"),
      OptionSpec("private_key_path", OptionType::kString)
          .help("PEM private key file, PKCS#1 or PKCS#8 (default: $KALSHI_PRIVATE_KEY_PATH)"),
      OptionSpec("private_key", OptionType::kString)
          .secret()
          .help("PEM private key text, \\n escapes allowed (default: $KALSHI_PRIVATE_KEY)"),
      OptionSpec("api_key", OptionType::kString)
          .secret()
          .help("bearer token (default: $KALSHI_API_KEY)"),
      OptionSpec("api_key_file", OptionType::kString)
          .help("file whose first line is the bearer token (default: $KALSHI_API_KEY_FILE)"),
      OptionSpec("streams", OptionType::kStringList)
          .allowed(kLiveStreams)
          .nonEmpty()
          .help("any of balance, positions, orders, fills, settlements, transfers (default: all; "
                "markets "
                "follow automatically)"),
      OptionSpec("since", OptionType::kString)
          .defaultValue("watermark")
          .help("watermark (after the last sync), all (full history incl. /historical), N (days) "
                "or a duration like 7d"),
      OptionSpec("rate_limit", OptionType::kAny)
          .help("auto (from GET /account/limits and /account/endpoint_costs, once per run), a tier "
                "(basic|advanced|expert|premier|prime), reads per second, off, or {tier: ..} / "
                "{reads_per_second: N} / {tokens_per_second: N, read_cost: 10} (default: auto)"),
      OptionSpec("page_size", OptionType::kInt)
          .defaultValue("1000")
          .range(1, 1000)  // the API's limit
          .help("records per request, 1..1000"),
      OptionSpec("connect_timeout", OptionType::kDuration)
          .defaultValue("10s")
          .help("TCP/TLS connect timeout"),
      OptionSpec("read_timeout", OptionType::kDuration)
          .defaultValue("30s")
          .help("timeout waiting for a response"),
      OptionSpec("max_attempts", OptionType::kInt)
          .defaultValue("8")
          .help("tries per request on 429/5xx/network errors, including the first"),
      OptionSpec("max_retry_time", OptionType::kDuration)
          .defaultValue("2m")
          .help("stop retrying a request after this long; the API then counts as unavailable"),
      OptionSpec("max_response_mb", OptionType::kInt)
          .defaultValue("64")
          .range(1, 4096)
          .help("largest response body accepted, MiB (a bigger one is an error, not a memory "
                "spike)"),
      OptionSpec("insecure", OptionType::kBool)
          .defaultValue("false")
          .help("skip TLS certificate checks (warns)"),
      OptionSpec("ca_file", OptionType::kString)
          .help("PEM file of CA certificates to trust instead of the system's"),
      OptionSpec("positions", OptionType::kEnum)
          .allowed({"all", "open"})
          .defaultValue("all")
          .help("all: every market the account traded (Kalshi's realized P&L for each, "
                "reconciled); "
                "open: only non-zero positions (count_filter=position), one request for most "
                "accounts"),
      OptionSpec("subaccounts", OptionType::kAny)
          .defaultValue("all")
          .help("all (every subaccount GET /portfolio/subaccounts/balances lists) or a list of "
                "numbers 0..63; "
                "balance and positions are read for each"),
      OptionSpec("metadata", OptionType::kBool)
          .defaultValue("true")
          .help("look up market -> event -> series (category, prices) for every ticker; emits "
                "the markets stream"),
      OptionSpec("cache_db", OptionType::kString)
          .help("SQLite file whose kalshi_markets table caches metadata between runs (usually "
                "the pipeline's db)"),
  };
}

std::vector<std::string> liveSourceStreams(const Options& options) {
  std::vector<std::string> result;
  const auto configured = liveStreamsOption(options);
  for (const auto& stream : kLiveStreams) {
    if (std::find(configured.begin(), configured.end(), stream) != configured.end())
      result.push_back(stream);
  }
  if (options.getBool("metadata", true)) result.push_back("markets");
  result.push_back("history");
  return result;
}

std::vector<StoreTables> liveSourceTables(const Options& options) {
  if (options.getString("cache_db").empty()) return {};
  return {
      {options.getString("cache_db"), "cache_db", {ordersTable().name, marketsTable().name}, {}}};
}

std::vector<std::string> liveStreamsOption(const Options& options) {
  return options.has("streams") ? options.getStringList("streams") : kLiveStreams;
}

Status buildLiveSourceConfig(const Options& options, const std::string& source,
                             LiveSourceConfig& config) {
  // Not in the pipeline: credentials come from the environment, so does the API they are for.
  // (Neither: ClientConfig's default, production.)
  const char* from_environment = std::getenv("KALSHI_API_BASE_URL");
  if (options.has("base_url")) {
    config.client.base_url = options.getString("base_url");
  } else if (from_environment && *from_environment) {
    config.client.base_url = from_environment;
  }
  try {
    Poco::URI uri(config.client.base_url);
    if ((uri.getScheme() != "http" && uri.getScheme() != "https") || uri.getHost().empty()) {
      return invalid(options, source, "base_url",
                     "base_url '" + config.client.base_url + "' must be an http(s) URL");
    }
  } catch (const std::exception&) {
    return invalid(options, source, "base_url",
                   "base_url '" + config.client.base_url + "' is not a URL");
  }
  config.auth = options.getString("auth");
  config.key_id = options.getString("key_id");
  config.private_key_path = options.getString("private_key_path");
  config.private_key = options.getString("private_key");
  config.api_key = options.getString("api_key");
  config.api_key_file = options.getString("api_key_file");
  config.streams = liveStreamsOption(options);  // the engine checked each is one of kStreams
  config.since = options.has("since") ? options.getString("since") : "watermark";
  int64_t number = 0, millis = 0;
  if (config.since != "watermark" && config.since != "all" &&
      !(parseInt(config.since, number) && number > 0) &&
      !parseDurationMillis(config.since, millis)) {
    return invalid(options, source, "since",
                   "since must be watermark, all, a number of days or a duration like 7d, not '" +
                       config.since + "'");
  }
  // Ranges past any history are nonsense (and would overflow): `all` says "everything".
  constexpr int64_t kMaxSinceDays = 100000;
  const bool is_days = parseInt(config.since, number);
  if ((is_days && number > kMaxSinceDays) ||
      (!is_days && parseDurationMillis(config.since, millis) &&
       (millis <= 0 || millis / 86400000 > kMaxSinceDays))) {
    return invalid(options, source, "since",
                   "since '" + config.since + "' is not a usable range (1 to " +
                       std::to_string(kMaxSinceDays) + " days); use all for the whole history");
  }
  config.page_size = static_cast<int>(options.getInt("page_size"));  // 1..1000: declared
  config.client.connect_timeout_ms = options.getDurationMillis("connect_timeout");
  config.client.read_timeout_ms = options.getDurationMillis("read_timeout");
  config.client.max_attempts =
      static_cast<int>(std::max<int64_t>(1, options.getInt("max_attempts")));
  config.client.max_retry_time_ms = options.getDurationMillis("max_retry_time");
  config.client.insecure = options.getBool("insecure");
  const int64_t max_response_mb = options.getInt("max_response_mb");  // 1..4096: declared
  config.client.max_response_bytes = max_response_mb << 20;
  config.client.ca_file = options.getString("ca_file");
  config.open_positions_only = options.getString("positions") == "open";
  config.metadata = options.getBool("metadata", true);
  config.cache_db = options.getString("cache_db");
  if (Status status = parseSubaccounts(options, source, config); !status.isOk()) return status;
  return parseRateLimit(options, source, config);
}

Status checkLiveCredentials(const Options& options, const std::string& source,
                            const LiveSourceConfig& config) {
  // Credentials are checked now, before any database is opened: a run without them writes
  // nothing.
  kalshi::AuthenticatorPtr auth;
  std::string warning;
  const char* key_path_env = std::getenv("KALSHI_PRIVATE_KEY_PATH");
  const std::string key_path = !config.private_key_path.empty() ? config.private_key_path
                               : key_path_env                   ? key_path_env
                                                                : "";
  std::error_code ec;
  if (config.auth != "none" && !key_path.empty() && std::filesystem::is_directory(key_path, ec)) {
    return Status::invalidConfig(
        options.stageLocation().toString() + ": source '" + source + "': the private key path '" +
        key_path +
        "' is a directory; set KALSHI_PRIVATE_KEY_PATH (or private_key_path) "
        "to the PEM key file");
  }
  if (Status status = kalshi::makeAuthenticator(config, auth, warning); !status.isOk()) {
    return Status::invalidConfig(options.stageLocation().toString() + ": source '" + source +
                                 "': " + status.message());
  }
  return Status::ok();
}

}  // namespace kalshi
}  // namespace kalshi_direct

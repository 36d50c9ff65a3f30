// Wiring for the kalshi_ws source: options (kalshi_live's connection options, less `since`, plus
// the WebSocket's), validation, registration.
#include "kalshi_direct/plugin.h"

#include <Poco/URI.h>

#include <algorithm>
#include <memory>
#include <string>

#include "kalshi/streams.h"
#include "kalshi/tables.h"
#include "kalshi_ws_source.h"
#include "live_options.h"

namespace kalshi_direct {
namespace builtin {

namespace {

using kalshi::KalshiWsSource;
using kalshi::WsSourceConfig;

class KalshiWsFactory final : public SourceFactory {
 public:
  std::string name() const override { return "kalshi_ws"; }
  std::string description() const override {
    return "Streams fills, orders and positions from Kalshi's WebSocket as they happen, caught up "
           "over REST on every (re)connect";
  }
  std::vector<OptionSpec> options() const override {
    std::vector<OptionSpec> specs;
    for (auto& spec : kalshi::liveSourceOptions()) {
      if (spec.name() != "since") specs.push_back(std::move(spec));  // always the watermark
    }
    specs.push_back(OptionSpec("ws_url", OptionType::kString)
                        .help("WebSocket endpoint (default: from base_url, "
                              "https://host/trade-api/v2 -> wss://host/trade-api/ws/v2)"));
    specs.push_back(OptionSpec("refresh", OptionType::kDuration)
                        .defaultValue("5m")
                        .help("a REST catch-up this often while connected: balance, marks of "
                              "open positions, anything the stream missed"));
    specs.push_back(OptionSpec("heartbeat_timeout", OptionType::kDuration)
                        .defaultValue("30s")
                        .help("a connection with no frame for this long (Kalshi pings every "
                              "10 s) is replaced"));
    specs.push_back(OptionSpec("reconnect_min", OptionType::kDuration)
                        .defaultValue("500ms")
                        .help("first reconnect delay; doubles per failed attempt, with jitter"));
    specs.push_back(OptionSpec("reconnect_max", OptionType::kDuration)
                        .defaultValue("30s")
                        .help("longest reconnect delay"));
    return specs;
  }
  // kalshi_live's (from the catch-ups), fills and orders whatever `streams:` says (the
  // WebSocket brings them), and position_updates.
  std::vector<std::string> streams(const Options& options) const override {
    std::vector<std::string> result = kalshi::liveSourceStreams(options);
    for (const char* stream : {"fills", "orders", "position_updates"}) {
      if (std::find(result.begin(), result.end(), stream) == result.end()) result.push_back(stream);
    }
    return result;
  }
  // kalshi_live's, and positions that changed (a market_position message) with the fields of
  // `positions`.
  StreamFields fields(const Options&) const override {
    StreamFields fields = kalshi::sourceStreamFields();
    fields["position_updates"] = fields.at("positions");
    return fields;
  }
  Status check(const Options& options) const override {
    WsSourceConfig config;
    return buildConfig(options, config);
  }
  std::vector<StoreTables> tables(const Options& options) const override {
    return kalshi::liveSourceTables(options);
  }
  Status create(const Options& options, SourcePtr& out) const override {
    WsSourceConfig config;
    if (Status status = buildConfig(options, config); !status.isOk()) return status;
    if (Status status = kalshi::checkLiveCredentials(options, name(), config.rest); !status.isOk())
      return status;
    out = std::make_unique<KalshiWsSource>(std::move(config));
    return Status::ok();
  }

 private:
  Status buildConfig(const Options& options, WsSourceConfig& config) const {
    if (Status status = kalshi::buildLiveSourceConfig(options, name(), config.rest); !status.isOk())
      return status;
    config.rest.since = "watermark";
    config.ws_url = options.getString("ws_url");
    if (!config.ws_url.empty()) {
      bool usable = false;
      try {
        Poco::URI uri(config.ws_url);
        usable = (uri.getScheme() == "ws" || uri.getScheme() == "wss") && !uri.getHost().empty();
      } catch (const std::exception&) {
      }
      if (!usable) {
        return Status::invalidConfig(options.location("ws_url").toString() +
                                     ": source 'kalshi_ws': ws_url '" + config.ws_url +
                                     "' must be a ws:// or wss:// URL");
      }
    }
    config.refresh_ms = options.getDurationMillis("refresh");
    config.heartbeat_timeout_ms = options.getDurationMillis("heartbeat_timeout");
    config.reconnect_min_ms = options.getDurationMillis("reconnect_min");
    config.reconnect_max_ms = options.getDurationMillis("reconnect_max");
    for (const char* name : {"refresh", "heartbeat_timeout", "reconnect_min", "reconnect_max"}) {
      if (options.getDurationMillis(name) <= 0) {
        return Status::invalidConfig(options.location(name).toString() +
                                     ": source 'kalshi_ws': " + name + " must be longer than 0");
      }
    }
    if (config.reconnect_max_ms < config.reconnect_min_ms) {
      return Status::invalidConfig(options.location("reconnect_max").toString() +
                                   ": source 'kalshi_ws': reconnect_max must not be shorter than "
                                   "reconnect_min");
    }
    return Status::ok();
  }
};

}  // namespace

Status register_source_kalshi_ws(PluginRegistrar& registrar) {
  return registrar.addSource(std::make_unique<KalshiWsFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

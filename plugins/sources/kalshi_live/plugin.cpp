// Wiring for the kalshi_live source: options, validation, registration.
#include "kalshi_direct/plugin.h"

#include <Poco/URI.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "kalshi/streams.h"
#include "kalshi/tables.h"
#include "kalshi_live_source.h"
#include "live_options.h"

namespace kalshi_direct {
namespace builtin {

namespace {

using kalshi::KalshiLiveSource;
using kalshi::LiveSourceConfig;

class KalshiLiveFactory final : public SourceFactory {
 public:
  std::string name() const override { return "kalshi_live"; }
  std::string description() const override {
    return "Reads balance, positions, orders, fills, settlements and transfers from the Kalshi "
           "trade API v2";
  }
  std::vector<OptionSpec> options() const override { return kalshi::liveSourceOptions(); }
  std::vector<std::string> streams(const Options& options) const override {
    return kalshi::liveSourceStreams(options);
  }

  StreamFields fields(const Options&) const override { return kalshi::sourceStreamFields(); }

  // Everything but credentials: `validate` must pass on a machine without a Kalshi key.
  Status check(const Options& options) const override {
    LiveSourceConfig config;
    return kalshi::buildLiveSourceConfig(options, name(), config);
  }

  std::vector<StoreTables> tables(const Options& options) const override {
    return kalshi::liveSourceTables(options);
  }
  Status create(const Options& options, SourcePtr& out) const override {
    LiveSourceConfig config;
    if (Status status = kalshi::buildLiveSourceConfig(options, name(), config); !status.isOk())
      return status;
    if (Status status = kalshi::checkLiveCredentials(options, name(), config); !status.isOk())
      return status;
    out = std::make_unique<KalshiLiveSource>(std::move(config));
    return Status::ok();
  }
};

}  // namespace

Status register_source_kalshi_live(PluginRegistrar& registrar) {
  return registrar.addSource(std::make_unique<KalshiLiveFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

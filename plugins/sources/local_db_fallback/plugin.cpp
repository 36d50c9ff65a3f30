// Wiring of the `local_db_fallback` source: option table, option checks, registration.
// Logic: local_db_fallback_source.cpp.
#include "kalshi_direct/plugin.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "kalshi/streams.h"
#include "kalshi/tables.h"
#include "local_db_fallback_source.h"

namespace kalshi_direct {
namespace builtin {

namespace {

const std::vector<std::string> kStreams = {"balance", "positions", "markets"};

std::vector<std::string> configuredStreams(const Options& options) {
  std::vector<std::string> streams = options.has("streams")
                                         ? options.getStringList("streams")
                                         : std::vector<std::string>{"balance", "positions"};
  // In kalshi_live's order, once each.
  std::vector<std::string> ordered;
  for (const char* stream : {"balance", "markets", "positions"}) {
    if (std::find(streams.begin(), streams.end(), stream) != streams.end())
      ordered.push_back(stream);
  }
  return ordered;
}

class LocalDbFallbackFactory final : public SourceFactory {
 public:
  std::string name() const override { return "local_db_fallback"; }
  std::string description() const override {
    return "Reads the last known balance and positions back from the local database (a source's "
           "fallback: when the API is unavailable)";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("path", OptionType::kString)
            .required()
            .nonEmpty()
            .help("SQLite database earlier syncs wrote (opened read-only)"),
        OptionSpec("streams", OptionType::kStringList)
            .allowed(kStreams)
            .nonEmpty()
            .help("any of balance, positions, markets (default: balance, positions)"),
    };
  }
  std::vector<std::string> streams(const Options& options) const override {
    return configuredStreams(options);
  }
  // The same names as kalshi_live's (a subset of its fields): the rest of the pipeline cannot
  // tell the two apart.
  StreamFields fields(const Options&) const override {
    StreamFields fields;
    for (const char* stream : {"balance", "markets", "positions"})  // all it can produce
      fields[stream] = kalshi::sourceStreamFields().at(stream);
    return fields;
  }
  // The last known state: the kalshi_pnl model's snapshots, the kalshi_account sink's positions.
  std::vector<StoreTables> tables(const Options& options) const override {
    return {{options.getString("path"),
             "path",
             {kalshi::snapshotsTable().name, kalshi::positionsTable().name,
              kalshi::marketsTable().name},
             {}}};
  }
  Status create(const Options& options, SourcePtr& out) const override {
    // path (not empty) and streams (known, at least one) are checked by the engine: declared.
    plugins::LocalDbFallbackConfig config;
    config.path = options.getString("path");
    config.streams = configuredStreams(options);
    out = std::make_unique<plugins::LocalDbFallbackSource>(std::move(config));
    return Status::ok();
  }
};

}  // namespace

Status register_source_local_db_fallback(PluginRegistrar& registrar) {
  return registrar.addSource(std::make_unique<LocalDbFallbackFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

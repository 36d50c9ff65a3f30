// Wiring of the `jsonl` source: option table, option checks, registration. Logic: jsonl_source.cpp.
#include "kalshi_direct/plugin.h"

#include <memory>
#include <string>
#include <vector>

#include "jsonl_source.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class JsonlSourceFactory final : public SourceFactory {
 public:
  std::string name() const override { return "jsonl"; }
  std::string description() const override {
    return "Reads records from a JSON-lines file (one object per line), for tests and replays";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("path", OptionType::kString)
            .required()
            .nonEmpty()
            .help("JSON-lines file to read"),
        OptionSpec("stream", OptionType::kString)
            .defaultValue("records")
            .nonEmpty()
            .help("stream name of the records (e.g. fills, orders)"),
        OptionSpec("resume", OptionType::kBool)
            .defaultValue("false")
            .help("continue after the last committed line on the next run (for files that only "
                  "grow)"),
    };
  }
  std::vector<std::string> streams(const Options& options) const override {
    return {options.getString("stream", "records")};
  }
  Status create(const Options& options, SourcePtr& out) const override {
    plugins::JsonlSourceConfig config;  // path and stream: not empty (declared)
    config.path = options.getString("path");
    config.stream = options.getString("stream", "records");
    config.resume = options.getBool("resume", false);
    out = std::make_unique<plugins::JsonlSource>(std::move(config));
    return Status::ok();
  }
};

}  // namespace

Status register_source_jsonl(PluginRegistrar& registrar) {
  return registrar.addSource(std::make_unique<JsonlSourceFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

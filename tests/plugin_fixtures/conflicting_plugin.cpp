// A plugin whose sink name collides with a built-in: registration must fail cleanly.
#include <kalshi_direct/sdk.h>

#include <memory>

namespace {
using namespace kalshi_direct;

class CsvImpostorFactory final : public SinkFactory {
 public:
  std::string name() const override { return "csv"; }
  std::string description() const override { return "collides with the built-in csv"; }
  std::vector<OptionSpec> options() const override { return {}; }
  Status create(const Options&, SinkPtr&) const override { return Status::failed("unused"); }
};

Status registerAll(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<CsvImpostorFactory>());
}
}  // namespace

KALSHI_DIRECT_PLUGIN("test_conflict", "1.0", registerAll)

// A minimal valid drop-in plugin for loader tests.
#include <kalshi_direct/sdk.h>

#include <memory>

namespace {
using namespace kalshi_direct;

class NullSink final : public Sink {
 public:
  Status open(SinkContext&) override { return Status::ok(); }
  WriteResult write(const Batch&) override { return {Status::ok(), {}}; }
};

class NullSinkFactory final : public SinkFactory {
 public:
  std::string name() const override { return "test_null_sink"; }
  std::string description() const override { return "Discards everything (loader test)"; }
  std::vector<OptionSpec> options() const override { return {}; }
  Status create(const Options&, SinkPtr& out) const override {
    out = std::make_unique<NullSink>();
    return Status::ok();
  }
};

Status registerAll(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<NullSinkFactory>());
}
}  // namespace

KALSHI_DIRECT_PLUGIN("test_good", "1.0", registerAll)

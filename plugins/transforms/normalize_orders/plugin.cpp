// Wiring for the normalize_orders transform.
#include <memory>

#include "normalize_orders.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class NormalizeOrdersFactory final : public TransformFactory {
 public:
  std::string name() const override { return "normalize_orders"; }
  std::string description() const override {
    return "Turns Kalshi orders and fills into kalshi_orders / kalshi_fills rows (BUY/SELL, cents, "
           "exact counts)";
  }
  std::vector<OptionSpec> options() const override { return {}; }
  std::vector<std::string> defaultInputs(const Options&) const override {
    return {"orders", "fills"};
  }
  StreamFields outputFields(const StreamFields& inputs, const Options&) const override {
    StreamFields outputs;
    if (inputs.count("orders")) outputs["orders"] = kalshi::normalizedOrderFields();
    if (inputs.count("fills")) outputs["fills"] = kalshi::normalizedFillFields();
    return outputs;
  }
  Status create(const Options&, TransformPtr& out) const override {
    out = std::make_unique<kalshi::NormalizeOrders>();
    return Status::ok();
  }
};

}  // namespace

Status register_transform_normalize_orders(PluginRegistrar& registrar) {
  return registrar.addTransform(std::make_unique<NormalizeOrdersFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

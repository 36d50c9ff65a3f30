// Wiring for the categorize_pnl transform.
#include <algorithm>
#include <memory>

#include "categorizer.h"
#include "kalshi/tables.h"
#include "rules_file.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class CategorizePnlFactory final : public TransformFactory {
 public:
  std::string name() const override { return "categorize_pnl"; }
  std::string description() const override {
    return "Gives orders, fills, settlements, positions and markets a P&L category by ordered "
           "rules";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("rules", OptionType::kAny)
            .help("ordered list of {<conditions>, category: NAME}; conditions: series_category, "
                  "series_prefix, "
                  "ticker_pattern, client_order_id_prefix, maker (default: the shipped "
                  "weather/crypto/econ/"
                  "market_making mapping)"),
        OptionSpec("rules_file", OptionType::kString)
            .help("a YAML file holding the rules (a list shaped like `rules`); when set and not "
                  "empty it replaces `rules` (the shipped pipelines: $KALSHI_CATEGORY_RULES)"),
        OptionSpec("default", OptionType::kString)
            .defaultValue("other")
            .help("category of what no rule matches"),
        OptionSpec("orders_db", OptionType::kString)
            .help("SQLite file whose kalshi_orders table gives the client_order_id of orders not "
                  "seen "
                  "in this run (a resumed run, a --days window); usually the pipeline's db"),
        OptionSpec("market_making_prefix", OptionType::kString)
            .defaultValue("mm-")
            .help("client_order_id prefix of the market-making bot, used by the default rules")};
  }
  std::vector<std::string> defaultInputs(const Options&) const override {
    return {"orders", "fills", "settlements", "positions", "position_updates", "markets"};
  }
  std::vector<std::string> outputs(const std::vector<std::string>& inputs,
                                   const Options&) const override {
    return inputs;
  }
  // Its inputs, each with a `category`.
  StreamFields outputFields(const StreamFields& inputs, const Options&) const override {
    StreamFields outputs = inputs;
    for (auto& [stream, fields] : outputs) {
      if (std::find(fields.begin(), fields.end(), "category") == fields.end())
        fields.push_back("category");
    }
    return outputs;
  }
  // orders_db: client_order_id of orders not read in this run, from the kalshi_orders sink's table.
  std::vector<StoreTables> tables(const Options& options) const override {
    if (options.getString("orders_db").empty()) return {};
    return {{options.getString("orders_db"), "orders_db", {kalshi::ordersTable().name}, {}}};
  }
  Status create(const Options& options, TransformPtr& out) const override {
    std::vector<kalshi::CategoryRule> rules;
    if (const std::string file = options.getString("rules_file"); !file.empty()) {
      ConfigValue from_file;
      if (Status status = kalshi::loadRulesFile(file, from_file); !status.isOk()) return status;
      if (Status status = kalshi::parseCategoryRules(from_file, rules); !status.isOk())
        return status;
    } else if (const ConfigValue* given = options.find("rules")) {
      if (Status status = kalshi::parseCategoryRules(*given, rules); !status.isOk()) return status;
    } else {
      rules = kalshi::defaultCategoryRules(options.getString("market_making_prefix"));
    }
    if (options.getString("default").empty()) {
      return Status::invalidConfig(options.location("default").toString() +
                                   ": transform 'categorize_pnl': default must be a category name");
    }
    out = std::make_unique<kalshi::Categorizer>(std::move(rules), options.getString("default"),
                                                options.getString("orders_db"));
    return Status::ok();
  }
};

}  // namespace

Status register_transform_categorize_pnl(PluginRegistrar& registrar) {
  return registrar.addTransform(std::make_unique<CategorizePnlFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

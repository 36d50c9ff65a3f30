// Wiring for the kalshi_fills sink: the normalize_orders rows of the `fills` stream into
// kalshi_fills.
#include <memory>

#include "kalshi/row_writer.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class Factory final : public SinkFactory {
 public:
  std::string name() const override { return "kalshi_fills"; }
  std::string description() const override {
    return "Upserts normalized fills into the kalshi_fills table (one row per fill_id)";
  }
  std::vector<OptionSpec> options() const override {
    return {OptionSpec("path", OptionType::kString)
                .required()
                .help("SQLite database file (created if missing, WAL mode)"),
            OptionSpec("bulk_load", OptionType::kBool)
                .defaultValue("false")
                .help("Into an empty table, stage the rows unindexed and move them in key order "
                      "at the run's end (a fast first load; readers see the rows then)")};
  }
  std::vector<std::string> defaultInputs(const Options&) const override { return {"fills"}; }
  std::vector<StoreTables> tables(const Options& options) const override {
    return {{options.getString("path"), "path", {}, {kalshi::fillsTable().name}}};
  }
  Status create(const Options& options, SinkPtr& out) const override {
    out = std::make_unique<kalshi::TableSink>(options.getString("path"), kalshi::fillsTable(),
                                              options.getBool("bulk_load"));
    return Status::ok();
  }
};

}  // namespace

Status register_sink_kalshi_fills(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<Factory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

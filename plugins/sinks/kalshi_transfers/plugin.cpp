// Wiring for the kalshi_transfers sink: the `transfers` stream of kalshi_live (deposits,
// withdrawals, transfers between subaccounts) into kalshi_transfers, one row per movement. A
// movement read again (its status changed: pending -> applied) updates its row.
#include <memory>

#include "kalshi/row_writer.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class Factory final : public SinkFactory {
 public:
  std::string name() const override { return "kalshi_transfers"; }
  std::string description() const override {
    return "Upserts deposits, withdrawals and subaccount transfers into the kalshi_transfers table "
           "(one row per id)";
  }
  std::vector<OptionSpec> options() const override {
    return {OptionSpec("path", OptionType::kString)
                .required()
                .help("SQLite database file (created if missing, WAL mode)")};
  }
  std::vector<std::string> defaultInputs(const Options&) const override { return {"transfers"}; }
  std::vector<StoreTables> tables(const Options& options) const override {
    return {{options.getString("path"), "path", {}, {kalshi::transfersTable().name}}};
  }
  Status create(const Options& options, SinkPtr& out) const override {
    out = std::make_unique<kalshi::TableSink>(options.getString("path"), kalshi::transfersTable());
    return Status::ok();
  }
};

}  // namespace

Status register_sink_kalshi_transfers(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<Factory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

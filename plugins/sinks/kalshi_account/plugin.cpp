// Wiring for the kalshi_account sink, and the name it replaced.
#include <memory>

#include "account_sink.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class AccountSinkFactory final : public SinkFactory {
 public:
  std::string name() const override { return "kalshi_account"; }
  std::string description() const override {
    return "The account's last known state (balance, positions) plus markets, settlements and "
           "history coverage, for the kalshi_pnl model";
  }
  std::vector<OptionSpec> options() const override {
    return {OptionSpec("path", OptionType::kString)
                .required()
                .help("SQLite database file (created if missing, WAL mode)")};
  }
  std::vector<std::string> defaultInputs(const Options&) const override {
    return {"balance", "positions", "position_updates", "settlements", "markets", "history"};
  }
  std::vector<StoreTables> tables(const Options& options) const override {
    return {{options.getString("path"), "path", {}, kalshi::AccountSink::tablesWritten()}};
  }
  Status create(const Options& options, SinkPtr& out) const override {
    out = std::make_unique<kalshi::AccountSink>(options.getString("path"));
    return Status::ok();
  }
};

// `kalshi_snapshots` (before 0.14) wrote the account and computed P&L in one sink. Its pipelines
// get one line saying what replaced it, rather than "unknown sink type".
class RetiredSnapshotsFactory final : public SinkFactory {
 public:
  std::string name() const override { return "kalshi_snapshots"; }
  std::string description() const override {
    return "Retired in 0.14: use sink kalshi_account and `models: [kalshi_pnl]`";
  }
  std::vector<OptionSpec> options() const override {
    std::vector<OptionSpec> specs;
    for (const char* option :
         {"path", "lots", "mark", "categories", "reconcile_tolerance", "recompute_all"}) {
      specs.push_back(OptionSpec(option, option == std::string("categories")
                                             ? OptionType::kStringList
                                             : OptionType::kString)
                          .help("as before 0.14 (the sink is retired)"));
    }
    return specs;
  }
  Status create(const Options& options, SinkPtr&) const override {
    return Status::invalidConfig(
        options.stageLocation().toString() +
        ": sink 'kalshi_snapshots' was split in 0.14: write the account with "
        "`{ type: kalshi_account, path: ... }` and compute P&L with `models: [kalshi_pnl]` "
        "(its options lots, mark, categories, reconcile_tolerance and recompute_all move there)");
  }
};

}  // namespace

Status register_sink_kalshi_account(PluginRegistrar& registrar) {
  if (Status status = registrar.addSink(std::make_unique<AccountSinkFactory>()); !status.isOk())
    return status;
  return registrar.addSink(std::make_unique<RetiredSnapshotsFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

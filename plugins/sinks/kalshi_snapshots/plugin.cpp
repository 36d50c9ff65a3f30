// Wiring for the kalshi_snapshots sink.
#include <memory>

#include "snapshot_sink.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class SnapshotSinkFactory final : public SinkFactory {
 public:
  std::string name() const override { return "kalshi_snapshots"; }
  std::string description() const override {
    return "One account snapshot per sync (balance, positions, P&L by category) plus markets, "
           "settlements "
           "and reconciliation tables";
  }
  std::vector<OptionSpec> options() const override {
    return {
        OptionSpec("path", OptionType::kString)
            .required()
            .help("SQLite database file (created if missing, WAL mode)"),
        OptionSpec("lots", OptionType::kEnum)
            .allowed({"fifo", "average"})
            .defaultValue("fifo")
            .help("cost basis of closed contracts: fifo (oldest first) or average cost"),
        OptionSpec("mark", OptionType::kEnum)
            .allowed({"last", "bid", "mid"})
            .defaultValue("last")
            .help("price open contracts are valued at: last trade, YES bid, or bid/ask midpoint"),
        OptionSpec("categories", OptionType::kStringList)
            .help("categories that always get a row per snapshot (default: weather, crypto, econ, "
                  "market_making, other)"),
        OptionSpec("reconcile_tolerance", OptionType::kDecimal)
            .defaultValue("0.01")
            .help("dollars: larger differences from Kalshi's realized P&L/fees are reported"),
        OptionSpec("recompute_all", OptionType::kBool)
            .defaultValue("false")
            .help("recompute every market's P&L from the rows as stored (e.g. after changing "
                  "accounting options), not only changed ones; categories are those stored with "
                  "the rows: new category rules apply to records as they are read again")};
  }
  std::vector<std::string> defaultInputs(const Options&) const override {
    return {"balance", "positions", "settlements", "markets", "fills", "history"};
  }
  std::vector<StoreTables> tables(const Options& options) const override {
    return {{options.getString("path"), "path", kalshi::SnapshotSink::tablesRead(),
             kalshi::SnapshotSink::tablesWritten()}};
  }
  Status create(const Options& options, SinkPtr& out) const override {
    kalshi::SnapshotOptions config;
    config.path = options.getString("path");
    config.accounting.lots = options.getString("lots") == "average"
                                 ? kalshi::LotMethod::kAverageCost
                                 : kalshi::LotMethod::kFifo;
    const std::string mark = options.getString("mark");
    config.accounting.mark = mark == "bid"   ? kalshi::MarkMethod::kBid
                             : mark == "mid" ? kalshi::MarkMethod::kMid
                                             : kalshi::MarkMethod::kLast;
    config.categories =
        options.has("categories")
            ? options.getStringList("categories")
            : std::vector<std::string>{"weather", "crypto", "econ", "market_making", "other"};
    config.tolerance = options.getDecimal("reconcile_tolerance");
    config.recompute_all = options.getBool("recompute_all");
    out = std::make_unique<kalshi::SnapshotSink>(std::move(config));
    return Status::ok();
  }
};

}  // namespace

Status register_sink_kalshi_snapshots(PluginRegistrar& registrar) {
  return registrar.addSink(std::make_unique<SnapshotSinkFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

// Wiring for the kalshi_pnl model.
#include <memory>
#include <stdexcept>

#include "pnl_model.h"

namespace kalshi_direct {
namespace builtin {

namespace {

class PnlModelFactory final : public ModelFactory {
 public:
  std::string name() const override { return "kalshi_pnl"; }
  std::string description() const override {
    return "P&L per market and category, one account snapshot per change, reconciliation with "
           "Kalshi's figures, and the daily ledger (P&L by day, closed positions, equity), from "
           "the stored fills, settlements, transfers and account";
  }
  std::vector<OptionSpec> options() const override {
    return {
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
        OptionSpec("timezone", OptionType::kString)
            .defaultValue(kalshi::kDefaultTimeZone)
            .help("IANA time zone of the daily ledger's calendar days (default America/New_York: "
                  "Kalshi's trading day)"),
        OptionSpec("recompute_every", OptionType::kDuration)
            .defaultValue("0")
            .range(0, 3600 * 1000)
            .help("recompute at most this often when a commit brings only rows (the run's last "
                  "commit and a new balance or positions always recompute); 0: at every commit. "
                  "The live pipeline's P&L follows its rows by at most this much"),
        OptionSpec("recompute_all", OptionType::kBool)
            .defaultValue("false")
            .help("recompute every market's P&L from the rows as stored (e.g. after changing "
                  "accounting options), not only changed ones; categories are those stored with "
                  "the rows: new category rules apply to records as they are read again")};
  }
  std::vector<StoreTables> tables(const Options&) const override {
    // On the store of its stage (`store:`), which the engine fills in.
    return {{"", "", kalshi::PnlModel::tablesRead(), kalshi::PnlModel::tablesWritten()}};
  }
  Status create(const Options& options, ModelPtr& out) const override {
    kalshi::PnlOptions config;
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
    config.recompute_every =
        std::chrono::milliseconds(options.getDurationMillis("recompute_every"));
    config.timezone = options.getString("timezone");
    try {
      kalshi::LocalDays check(config.timezone);
    } catch (const std::invalid_argument& error) {
      return Status::invalidConfig(std::string("timezone: ") + error.what());
    }
    out = std::make_unique<kalshi::PnlModel>(std::move(config));
    return Status::ok();
  }
};

}  // namespace

Status register_model_kalshi_pnl(PluginRegistrar& registrar) {
  return registrar.addModel(std::make_unique<PnlModelFactory>());
}

}  // namespace builtin
}  // namespace kalshi_direct

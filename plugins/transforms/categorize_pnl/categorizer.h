// categorize_pnl: gives every order, fill, settlement, position and market a dashboard category
// (weather, crypto, econ, market_making, other...) by rules from the pipeline YAML.
//
// Rules are tried in order; the first whose conditions ALL match wins; no match -> `default`.
// Conditions (each a value or a list of alternatives):
//   series_category         the exchange's category of the market's series ("Climate and Weather"),
//                           compared case-insensitively; known from the `markets` stream
//   series_prefix           the series ticker starts with it ("KXHIGH")
//   ticker_pattern          shell glob on the market ticker ("KXBTC*")
//   client_order_id_prefix  the order's client_order_id starts with it (fills: their order's)
//   maker                   true: maker fills (is_taker false); false: taker fills
// A condition on a field the record lacks does not match (settlements have no client_order_id).
// Fills learn their order's client_order_id from the orders stream of the same run (kalshi_live
// emits orders before fills) and, for orders this run has not seen (a run resumed after a crash,
// a --days window), from the kalshi_orders table in `orders_db`: one query per fills batch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kalshi_direct/config.h"
#include "kalshi_direct/plugin.h"
#include "kalshi_direct/store.h"

namespace kalshi_direct {
namespace kalshi {

struct CategoryRule {
  std::vector<std::string> series_categories;  // lower case
  std::vector<std::string> series_prefixes;
  std::vector<std::string> ticker_patterns;
  std::vector<std::string> client_order_id_prefixes;
  std::optional<bool> maker;
  std::string category;
};

// Parses `rules:` (a list of maps). Errors carry the rule's file:line:column.
Status parseCategoryRules(const ConfigValue& rules, std::vector<CategoryRule>& out);

// The shipped mapping, used when a pipeline gives no rules.
std::vector<CategoryRule> defaultCategoryRules(const std::string& market_making_prefix);

class Categorizer final : public Transform {
 public:
  Categorizer(std::vector<CategoryRule> rules, std::string default_category,
              std::string orders_db = {});
  // Keeps the context: orders_db is opened through it (StageContext::openReadOnlyStore).
  Status open(StageContext& context) override {
    context_ = &context;
    return Status::ok();
  }
  Status process(Batch&& batch, Emitter& out) override;
  // The input is over: frees what the run learnt (markets, order masks, seen orders) so the
  // sinks' end-of-run work has that memory.
  Status finish(Emitter& out) override;

  // For tests: the category a record of `stream` gets.
  std::string categorize(const std::string& stream, const Record& record);

 private:
  struct MarketInfo {
    std::string series_ticker;
    std::string series_category;  // lower case
  };
  bool matches(const CategoryRule& rule, size_t rule_index, const std::string& stream,
               const Record& record, const MarketInfo* market, uint64_t order_mask) const;
  uint64_t clientOrderMask(const std::string& client_order_id) const;
  // Learns the masks of the batch's orders that this run has not seen, from orders_db.
  void lookUpOrders(const Batch& fills);

  std::vector<CategoryRule> rules_;
  std::string default_;
  // ticker (its hashId) -> index into series_: markets are many (25,000 at 1,000,000 fills), so
  // 24 bytes each rather than a string key each; series are few.
  std::unordered_map<uint64_t, uint32_t> markets_;
  std::vector<MarketInfo> series_;
  std::map<std::pair<std::string, std::string>, uint32_t> series_index_;
  // The orders this run has seen, by order_id hash, so that fills of this run's orders are never
  // looked up in orders_db: 8 bytes each (634,000 at 1,000,000 fills), the hash's top 56 bits
  // and a byte naming the order's client_order_id mask (bit i for rule i) among the run's few
  // distinct masks (0: none; past the 254th distinct mask, an exact side list). Appended as
  // orders arrive, sorted lazily when fills ask (an order's client_order_id never changes, but a
  // response may leave it out: an order's non-zero mask wins over its zero one).
  class RunOrders {
   public:
    void add(uint64_t key, uint64_t mask);
    bool seen(uint64_t key);
    uint64_t mask(uint64_t key);  // 0 when unknown
    void release();

   private:
    static constexpr uint64_t kOverflow = 0xFF;  // the mask is in overflow_
    // The sorted entry for `key`, or nullptr.
    const uint64_t* find(uint64_t key);
    std::vector<uint64_t> entries_;
    size_t sorted_ = 0;                                    // entries_[0, sorted_) is sorted
    std::vector<uint64_t> masks_ = {0};                    // a byte's mask
    std::vector<std::pair<uint64_t, uint64_t>> overflow_;  // (key, mask), sorted
    size_t overflow_sorted_ = 0;
  };
  RunOrders run_orders_;
  bool uses_client_order_ids_ = false;
  std::string orders_db_;
  // Orders looked up in orders_db for the current batch (cleared per batch: bounded memory),
  // through one read-only connection opened on first use.
  std::unordered_map<uint64_t, uint64_t> looked_up_;
  StageContext* context_ = nullptr;
  StorePtr orders_connection_;
  bool orders_table_checked_ = false;
  bool staged_orders_read_ = false;  // forEachStagedClientOrderId, once per run
};

}  // namespace kalshi
}  // namespace kalshi_direct

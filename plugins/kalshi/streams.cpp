#include "kalshi/streams.h"

#include <string>
#include <vector>

#include "kalshi/api_parser.h"

namespace kalshi_direct {
namespace kalshi {

namespace {

std::vector<std::string> schemaFields(const RecordSchema& schema,
                                      std::initializer_list<const char*> extra = {}) {
  std::vector<std::string> fields;
  for (const auto& field : schema.fields) fields.push_back(field.name);
  for (const char* name : extra) fields.emplace_back(name);
  return fields;
}

}  // namespace

const StreamFields& sourceStreamFields() {
  static const StreamFields fields = {
      // The account total, then one record per subaccount (with `subaccount`).
      {"balance", schemaFields(balanceSchema(), {"snapshot_source", "subaccount"})},
      {"positions", schemaFields(marketPositionSchema())},
      {"orders", schemaFields(orderSchema())},
      {"fills", schemaFields(fillSchema())},
      {"settlements", schemaFields(settlementSchema())},
      // Deposits, withdrawals and subaccount transfers in one shape (kalshi_transfers).
      {"transfers",
       {"id", "direction", "status", "type", "amount_cents", "fee_cents", "created_at",
        "finalized_at", "subaccount", "from_subaccount", "to_subaccount"}},
      {"markets",
       {"ticker", "event_ticker", "series_ticker", "series_category", "title", "market_type",
        "status", "result", "yes_bid_dollars", "yes_ask_dollars", "last_price_dollars",
        "close_time"}},
      // How complete each stream's history is (kalshi_history).
      {"history", {"stream", "coverage", "complete_since"}},
  };
  return fields;
}

}  // namespace kalshi
}  // namespace kalshi_direct

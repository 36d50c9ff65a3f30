// libFuzzer target: the Kalshi API page parser, the order/fill normalizer and the accounting.
//
// The input is a response body. It is parsed as a list page with each record schema (fills,
// orders, settlements, market_positions); every record kept must have exactly the schema's fields
// in order and every rejected one a reason. Kept orders and fills go through normalizeOrder /
// normalizeFill (which return false for what they cannot handle: they must not throw), and the
// normalized fills of one ticker, with that ticker's settlement if the page has one, go through
// computeMarket, which may throw std::overflow_error (documented, for absurd amounts) and nothing
// else. Crashes, other exceptions and sanitizer reports are bugs.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "kalshi/accounting.h"
#include "kalshi/api_parser.h"
#include "normalize_orders.h"

namespace {

using namespace kalshi_direct;
using namespace kalshi_direct::kalshi;

void checkPage(const ParsedPage& page, const RecordSchema& schema) {
  for (const Record& record : page.records) {
    if (record.size() != schema.fields.size()) __builtin_trap();
    for (size_t i = 0; i < schema.fields.size(); ++i) {
      if (record.fields()[i].name != schema.fields[i].name) __builtin_trap();
    }
  }
  for (const RejectedRecord& rejected : page.rejected) {
    if (rejected.reason.empty()) __builtin_trap();
  }
}

ParsedPage parse(PageParser& parser, const std::string& body, const char* array,
                 const RecordSchema& schema) {
  ParsedPage page;
  std::string error;
  if (parser.parseList(body, array, schema, page, error)) {
    checkPage(page, schema);
  } else if (error.empty()) {
    __builtin_trap();  // a page error must say why
  }
  return page;
}

Decimal decimalOf(const Value& value) {
  Decimal out;
  if (const std::string* text = value.ifString()) {
    if (!Decimal::parse(*text, out)) __builtin_trap();  // normalizeFill writes exact decimals
  } else if (const Decimal* decimal = value.ifDecimal()) {
    out = *decimal;
  }
  return out;
}

std::string textOf(const Value& value) {
  const std::string* text = value.ifString();
  return text ? *text : std::string();
}

void account(const std::vector<Record>& fill_rows, const std::vector<Record>& settlements) {
  if (fill_rows.empty()) return;
  const std::string ticker = textOf(fill_rows.front().get("ticker"));
  std::vector<FillEvent> fills;
  MarketPrices prices;
  for (const Record& row : fill_rows) {
    if (textOf(row.get("ticker")) != ticker) continue;
    FillEvent fill;
    fill.fill_id = textOf(row.get("id"));
    fill.order_id = textOf(row.get("order_id"));
    fill.category = fills.size() % 2 ? "weather" : "other";
    fill.outcome_yes = textOf(row.get("outcome_side")) == "yes";
    fill.count = decimalOf(row.get("quantity_fp"));
    fill.yes_price = decimalOf(row.get("yes_price_dollars"));
    fill.no_price = decimalOf(row.get("no_price_dollars"));
    fill.fee = decimalOf(row.get("fee_dollars"));
    if (const int64_t* micros = row.get("filled_at_us").ifInt()) fill.time_us = *micros;
    if (!prices.last) prices.last = fill.yes_price;
    else if (!prices.bid) prices.bid = fill.yes_price;
    else if (!prices.ask) prices.ask = fill.yes_price;
    fills.push_back(std::move(fill));
  }
  std::optional<SettlementEvent> settlement;
  for (const Record& record : settlements) {
    if (textOf(record.get("ticker")) != ticker) continue;
    SettlementEvent event;
    event.result = textOf(record.get("market_result"));
    if (const int64_t* value = record.get("value").ifInt()) event.value_cents = *value;
    if (const int64_t* revenue = record.get("revenue").ifInt()) event.revenue_cents = *revenue;
    event.fee = decimalOf(record.get("fee_cost"));
    event.yes_count = decimalOf(record.get("yes_count_fp"));
    event.no_count = decimalOf(record.get("no_count_fp"));
    if (const Timestamp* time = record.get("settled_time").ifTimestamp()) event.time_us = time->micros();
    settlement = event;
    break;
  }
  const AccountingOptions methods[] = {{LotMethod::kFifo, MarkMethod::kLast},
                                       {LotMethod::kAverageCost, MarkMethod::kMid},
                                       {LotMethod::kFifo, MarkMethod::kBid}};
  for (const AccountingOptions& options : methods) {
    try {
      const MarketResult result = computeMarket(fills, settlement, prices, "other", options);
      // Fees are parsed as non-negative amounts, so their total cannot be negative.
      if (result.total.fees.sign() < 0) __builtin_trap();
    } catch (const std::overflow_error&) {
      // Documented: amounts beyond any real account.
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static PageParser* parser = new PageParser();
  const std::string body(reinterpret_cast<const char*>(data), size);

  const ParsedPage orders = parse(*parser, body, "orders", orderSchema());
  const ParsedPage fills = parse(*parser, body, "fills", fillSchema());
  const ParsedPage settlements = parse(*parser, body, "settlements", settlementSchema());
  const ParsedPage positions = parse(*parser, body, "market_positions", marketPositionSchema());

  for (const Record& order : orders.records) {
    Record row;
    std::string reason;
    if (!normalizeOrder(order, row, reason) && reason.empty()) __builtin_trap();
  }
  std::vector<Record> fill_rows;
  for (const Record& fill : fills.records) {
    Record row;
    std::string reason;
    if (normalizeFill(fill, row, reason)) {
      fill_rows.push_back(std::move(row));
    } else if (reason.empty()) {
      __builtin_trap();
    }
  }
  account(fill_rows, settlements.records);
  return 0;
}

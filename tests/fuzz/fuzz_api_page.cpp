// libFuzzer target: the Kalshi API page parser, the order/fill normalizer and the accounting.
//
// The input is a response body. It is parsed as a list page with each record schema (fills,
// orders, settlements, market_positions); every record kept must have exactly the schema's fields
// in order and every rejected one a reason. Kept orders and fills go through normalizeOrder /
// normalizeFill (which return false for what they cannot handle: they must not throw), and the
// normalized fills of one ticker, with that ticker's settlement if the page has one, go through
// computeMarket with both lot methods and every mark method. computeMarket may throw
// std::overflow_error (documented, for absurd amounts) and nothing else; when it returns, the
// result must satisfy the accounting identities of plugins/kalshi/accounting.h, the ones
// tests/unit/kalshi/accounting_test.cpp (AccountingProperty) checks on random markets:
//   - cash flow, fees and position equal a reference written out here from the documented cash
//     rules (a closing part receives the held side's price, an opening part pays its own side's
//     price, fees are paid, settlement revenue is received and the position is then flat);
//   - realized + unrealized == cash flow + open contracts at mark (at their basis without a mark);
//     a flat market's realized P&L is its cash flow, and it has no basis left;
//   - the categories add up to the total (realized, unrealized, fees, cash flow);
//   - the orders' P&L adds up to the fills' closing P&L minus their fees, and without a settlement
//     to the realized P&L;
//   - realized + unrealized does not depend on the lot method when every open contract has a mark.
// Crashes, other exceptions, sanitizer reports and a violated identity (__builtin_trap) are bugs.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <map>
#include <optional>
#include <set>
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

// What the documented cash rules give for the fills (and settlement), written out directly.
struct Reference {
  Decimal position;  // signed: + YES, - NO
  Decimal cash;      // received - paid - fees + settlement revenue
  Decimal fees;      // fill fees + the settlement fee
  Decimal fill_fees;
  Decimal revenue;  // settlement revenue (dollars)
};

// A fill's (yes, no) prices, as accounting.cpp documents them: as given when they add to 1, the
// YES price derived from the NO price when only that one is given, else the YES price trusted.
void pricesOf(const FillEvent& fill, Decimal& yes, Decimal& no) {
  const Decimal one = Decimal::fromInt(1);
  if (fill.yes_price + fill.no_price == one) {
    yes = fill.yes_price;
    no = fill.no_price;
  } else if (fill.yes_price.isZero() && !fill.no_price.isZero()) {
    yes = one - fill.no_price;
    no = fill.no_price;
  } else {
    yes = fill.yes_price;
    no = one - fill.yes_price;
  }
}

// Throws std::overflow_error where the amounts are beyond int64 units.
Reference reference(std::vector<FillEvent> fills,
                    const std::optional<SettlementEvent>& settlement) {
  std::stable_sort(fills.begin(), fills.end(), [](const FillEvent& a, const FillEvent& b) {
    return a.time_us != b.time_us ? a.time_us < b.time_us : a.fill_id < b.fill_id;
  });
  Reference out;
  for (const FillEvent& fill : fills) {
    Decimal yes, no;
    pricesOf(fill, yes, no);
    const Decimal& position = out.position;
    const Decimal held_opposite = fill.outcome_yes ? (position.sign() < 0 ? -position : Decimal())
                                                   : (position.sign() > 0 ? position : Decimal());
    const Decimal closed = fill.count < held_opposite ? fill.count : held_opposite;
    const Decimal opened = fill.count - closed;
    out.cash += closed * (fill.outcome_yes ? no : yes);  // closing receives the held side's price
    out.cash -= opened * (fill.outcome_yes ? yes : no);  // opening pays its own side's price
    out.cash -= fill.fee;
    out.fees += fill.fee;
    out.fill_fees += fill.fee;
    out.position += fill.outcome_yes ? fill.count : -fill.count;
  }
  if (settlement) {
    out.revenue = Decimal(settlement->revenue_cents, 2);
    out.cash += out.revenue - settlement->fee;
    out.fees += settlement->fee;
    out.position = Decimal();
  }
  return out;
}

// A broken identity: says which (on the crash's output), then crashes.
void expect(bool holds, const char* identity) {
  if (holds) return;
  std::fprintf(stderr, "computeMarket breaks \"%s\"\n", identity);
  __builtin_trap();
}

// The identities one result must satisfy; returns realized + unrealized. Throws
// std::overflow_error when an amount of the check itself is beyond int64 units.
Decimal checkResult(const MarketResult& r, const Reference& expected, bool settled,
                    const std::vector<FillEvent>& fills) {
  expect(r.total.cash_flow == expected.cash, "cash flow == reference");
  expect(r.total.fees == expected.fees, "fees == reference");
  expect(r.position == expected.position, "position == reference");
  expect(r.settlement_revenue == expected.revenue, "settlement revenue == reference");

  // realized + unrealized == cash flow + open contracts at mark.
  const Decimal one = Decimal::fromInt(1);
  Decimal open_at_mark = r.open_basis;  // without a mark, open contracts count at their basis
  if (r.position.sign() != 0 && r.mark) {
    open_at_mark = r.position.sign() > 0 ? r.position * *r.mark : (-r.position) * (one - *r.mark);
  }
  const Decimal pnl = r.total.realized + r.total.unrealized;
  expect(pnl == r.total.cash_flow + open_at_mark,
         "realized + unrealized == cash flow + open at mark");
  if (r.position.isZero()) {
    // Closed or settled: realized is the cash, nothing is open, nothing is unrealized.
    expect(r.total.realized == r.total.cash_flow, "flat: realized == cash flow");
    expect(r.open_basis.isZero() && r.total.unrealized.isZero(), "flat: no basis, no unrealized");
  }

  // The categories add up to the total.
  Amounts sum;
  for (const auto& entry : r.by_category) sum += entry.second;
  expect(sum.realized == r.total.realized && sum.unrealized == r.total.unrealized &&
             sum.fees == r.total.fees && sum.cash_flow == r.total.cash_flow,
         "categories add up to the total");

  // Orders' P&L adds up to the realized P&L (a settlement's goes to the orders whose contracts it
  // closed, else to the last order), and the ledger's entries too.
  std::set<std::string> fill_ids, order_ids;
  for (const FillEvent& fill : fills) {
    fill_ids.insert(fill.fill_id);
    order_ids.insert(fill.order_id);
  }
  expect(r.closing_pnl_by_fill.size() == fill_ids.size(), "one closing P&L per fill");
  expect(r.pnl_by_order.size() == order_ids.size(), "one P&L per order");
  Decimal orders, ledger;
  for (const auto& entry : r.pnl_by_order) orders += entry.second;
  for (const LedgerEntry& entry : r.ledger) ledger += entry.realized;
  expect(fills.empty() || orders == r.total.realized, "orders' P&L == realized");
  expect(ledger == r.total.realized, "ledger entries' realized == realized");
  return pnl;
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
    if (!prices.last)
      prices.last = fill.yes_price;
    else if (!prices.bid)
      prices.bid = fill.yes_price;
    else if (!prices.ask)
      prices.ask = fill.yes_price;
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
    if (const Timestamp* time = record.get("settled_time").ifTimestamp())
      event.time_us = time->micros();
    settlement = event;
    break;
  }

  std::optional<Reference> expected;
  try {
    expected = reference(fills, settlement);
  } catch (const std::overflow_error&) {
    // Amounts beyond int64 units: computeMarket may overflow too; only its exception is checked.
  }
  for (MarkMethod mark : {MarkMethod::kLast, MarkMethod::kBid, MarkMethod::kMid}) {
    std::optional<Decimal> first_pnl;  // realized + unrealized of the first lot method
    for (LotMethod lots : {LotMethod::kFifo, LotMethod::kAverageCost}) {
      const AccountingOptions options{lots, mark};
      try {
        const MarketResult result = computeMarket(fills, settlement, prices, "other", options);
        // Fees are parsed as non-negative amounts, so their total cannot be negative.
        if (result.total.fees.sign() < 0) __builtin_trap();
        if (!expected) continue;
        const Decimal pnl = checkResult(result, *expected, settlement.has_value(), fills);
        // Independent of the lot method, unless open contracts without a mark count at their
        // basis (which depends on it).
        if (result.position.sign() != 0 && !result.mark) continue;
        expect(!first_pnl || pnl == *first_pnl, "realized + unrealized independent of lots");
        first_pnl = pnl;
      } catch (const std::overflow_error&) {
        // Documented: amounts beyond any real account.
      }
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
